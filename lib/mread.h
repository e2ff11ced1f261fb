/*
 * The values of mfm-metric's records: a record's score (or predicted
 * class), label, weight and label delay read and checked for the task
 * (binary, regression, multiclass), then counted in a metric
 * accumulator (lib/metric.h).  A value that is unusable makes the record
 * a bad record, with the message mfm-metric(1) reports for it; nothing
 * is counted then, and no window and group cell (lib/mwin.h) is made
 * for it.  One call a record: this is mfm-metric's hot path.
 */
#ifndef MFM_MREAD_H
#define MFM_MREAD_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/json.h"
#include "lib/metric.h"
#include "lib/mwin.h"

/*
 * The tokens mfm_mread_count reads, by their place in the caller's array
 * (as mfm_field_set_get fills it, -1 for a field the record lacks):
 * tok[MFM_MREAD_BY + i] is the i-th group path of the cells' groups.
 */
enum {
	MFM_MREAD_SCORE,
	MFM_MREAD_LABEL,
	MFM_MREAD_DELAY,
	MFM_MREAD_WINDOW,
	MFM_MREAD_WEIGHT,
	MFM_MREAD_BY
};

struct mfm_mread {
	struct mfm_mwin *mw;		/* the cells; borrowed */
	const struct mfm_json_path *window;	/* borrowed */
	const struct mfm_metric_labels *labels;	/* binary; borrowed */
	/* The paths as the user wrote them, for messages; borrowed. */
	const char *score, *label, *weight, *delay;
	uint64_t nlabelled;		/* labelled records counted */
	struct mfm_buf ptext, ytext, str;	/* multiclass: the classes */
};

/*
 * Count records in the cells of mw (of mw's task), found by the window
 * path and mw's group paths; labels says what a binary label means.  The
 * paths' texts name the fields in messages; weight NULL: every record
 * weighs 1.  Every pointer is borrowed for m's lifetime.
 */
void mfm_mread_init(struct mfm_mread *m, struct mfm_mwin *mw,
    const struct mfm_json_path *window,
    const struct mfm_metric_labels *labels, const char *score,
    const char *label, const char *weight, const char *delay);
void mfm_mread_release(struct mfm_mread *m);

/*
 * Count record j, its fields at the tokens tok[], in the cell of its
 * window and group, with its label delay when it is labelled.  A missing
 * or null label is an unlabelled record, a missing or null delay none.
 * -1 and nothing counted, no cell made, with MFM_ERR_DATA naming the
 * field for: a score that is missing, not a number (multiclass: not a
 * class, which is a string, number, true or false) or out of range; a
 * label that is not one of the task (binary: see mfm_metric_label); a
 * weight missing, out of range or not a number >= 0; a labelled record's
 * delay that is not a number or out of range; a record the cell refuses
 * ("field 'score': ..."); or an error of mfm_mwin_cell.  -1 with
 * MFM_ERR_LIMIT at the cap of cells (MFM_CAP_GROUPS) or of a cell's
 * classes (MFM_CAP_CLASSES).
 */
int mfm_mread_count(struct mfm_mread *m, const struct mfm_json *j,
    const int *tok, struct mfm_err *err);

#endif
