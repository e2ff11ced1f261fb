/*
 * mfm-drift's records: a window and group compared with its reference
 * feature by feature (lib/drift.h), written as the drift records
 * mfm-threshold reads, one a feature ranked by PSI, or as one context
 * record a window (--emit-context) that an alert can carry; and the
 * reference files of --save-reference and --reference, written and
 * read a line at a time.
 */
#ifndef MFM_DRIFTREC_H
#define MFM_DRIFTREC_H

#include <stddef.h>
#include <stdio.h>

#include "lib/buf.h"
#include "lib/drift.h"
#include "lib/group.h"
#include "lib/json.h"
#include "lib/refrun.h"

/* How a window's records are written. */
struct mfm_driftrec {
	struct mfm_drift *d;	/* the features and settings; borrowed */
	int context;		/* one context record a window instead */
	int feature_group;	/* the feature in the group too */
	struct mfm_buf *out;	/* each record is built here, then */
	void (*emit)(void *ctx);	/* called to write out and clear it */
	void *ctx;
};

/*
 * Compare entry i of g (a struct mfm_drift_set) with ref and write its
 * records: for every feature wanted that has a value on either side,
 * {"window":W,"group":G,"feature":F,"kind":K,"rank":R,"n":..,
 * "labelled":..,"present":..,"reference":{"n":..,"present":..},
 * "metrics":{...}} with "ks_p_method" and "top_changes" when there are
 * some, ranked by PSI (largest first, undefined last, then in the order
 * of mfm_drift_sort_features); with context, one record
 * {"window":W,"group":G,"context":{"top_drift":[...]}} of the first
 * d->top of them.  With feature_group the group also holds "feature",
 * so that mfm-threshold keeps one alert per feature.
 */
void mfm_driftrec_window(const struct mfm_driftrec *w, struct mfm_group *g,
    size_t i, struct mfm_drift_set *ref);

/*
 * Write the reference of every group of rr (values struct
 * mfm_drift_set) to f as mfm_drift_save writes it, the groups in byte
 * order of their text, so that the file does not depend on the order
 * the input came in (a merged run writes the same).  -1 with
 * MFM_ERR_SYS when a write fails; the caller checks f as it closes it.
 */
int mfm_driftrec_save(struct mfm_drift *d, struct mfm_refrun *rr, FILE *f,
    struct mfm_err *err);

/*
 * One line j of a reference file: a saved sketch line ("_mfm":
 * "reference") is merged into its group's reference in rr; another
 * control record is skipped; any other record is counted like input in
 * g (values struct mfm_drift_set) by window and group (by[0..nby)), for
 * mfm_refrun_take to merge at the end of the file.  -1 with
 * MFM_ERR_DATA for a sketch line without a group object ("reference
 * line without a group") or one that does not read, or a record whose
 * window is not an object; MFM_ERR_LIMIT at a cap.
 */
int mfm_driftrec_ref_line(struct mfm_drift *d, struct mfm_refrun *rr,
    struct mfm_group *g, const struct mfm_json *j,
    const struct mfm_json_path *window, const struct mfm_json_path *by,
    size_t nby, struct mfm_err *err);

#endif
