/*
 * Metric records as Prometheus metric families (mfm-export(1)).
 *
 * mfm_export_add takes metric records, as mfm-metric(1) writes them, one
 * at a time; mfm_export_write writes what was kept as one exposition:
 * per family its HELP and TYPE lines and then its samples, families
 * whole, as the formats require.
 *
 * A series is what Prometheus tells apart by labels: the constant labels,
 * the members of the record's group and the window's length ("1d"), made
 * valid names with escaped values (lib/prom.h), sorted by name.  The
 * window's start and end are not labels: a label that changes with every
 * window would make a new series every window, which Prometheus cannot
 * keep for long and no graph or rule can follow; they are the values of
 * the families window_start_seconds and window_end_seconds.
 *
 * Of the records of one window of a series only the latest counts: a
 * final record beats a provisional one, a higher revision a lower, and
 * between equals the one read last.  Without all, the latest window of
 * each series (by start, then end) is kept and the others dropped as
 * they come, so memory grows with the series, not the input; with all,
 * every window is kept, each sample at its window's end time.
 * Provisional records are dropped unless provisional is set; then the
 * latest provisional window of a series is kept too, when it is later
 * than its latest final window, with the label provisional="true".
 */
#ifndef MFM_EXPORT_H
#define MFM_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/json.h"
#include "lib/keymap.h"
#include "lib/prom.h"

#define MFM_EXPORT_MAX_WINDOWS 100000	/* records kept, by default */
#define MFM_EXPORT_MAX_FAMILIES 10000
#define MFM_EXPORT_MAX_LABELS 64	/* constant labels */

struct mfm_export_label {
	char *name;			/* valid, owned */
	char *value;			/* owned */
};

struct mfm_export_family {
	char *name;			/* the whole name, prefix included */
	char *source;			/* the metrics member it comes from */
	int fixed;			/* one of mfm's own families */
};

struct mfm_export_rec;

/* What the last mfm_export_write wrote. */
struct mfm_export_counts {
	size_t windows;			/* windows of series */
	size_t samples, families;
};

struct mfm_export {
	enum mfm_prom_format format;
	int all;			/* every window, with timestamps */
	int provisional;		/* keep provisional windows too */
	int timestamps;			/* samples at their window's end */
	char *prefix;			/* "mfm_" */
	struct mfm_export_label label[MFM_EXPORT_MAX_LABELS];
	size_t nlabel;
	size_t max_windows;
	/* What was kept. */
	struct mfm_export_rec **rec;
	size_t nrec;
	struct mfm_keymap slot;		/* series (+ window) -> index in rec */
	struct mfm_export_family *fam;
	size_t nfam;
	struct mfm_keymap famix;	/* family name -> index in fam */
	uint64_t seq;			/* records read */
	/* Counts, for -v. */
	uint64_t nprovisional;		/* provisional records not kept */
	uint64_t nsuperseded;		/* a later record of the window won */
	uint64_t nolder;		/* a later window of the series won */
	struct mfm_export_counts written;
	struct mfm_buf tmp, tmp2, key;
};

void mfm_export_init(struct mfm_export *x);
void mfm_export_release(struct mfm_export *x);
/* Set a constant label; name must be valid (mfm_prom_label_name_ok). */
int mfm_export_label(struct mfm_export *x, const char *name,
    const char *value, struct mfm_err *err);
/* Set the name prefix ("mfm_"); it must make valid names. */
int mfm_export_prefix(struct mfm_export *x, const char *prefix,
    struct mfm_err *err);

/*
 * Take a parsed record.  Returns 0 when it was used (kept, or older than
 * what is kept), 1 for a control record (top-level "_mfm"), which is
 * skipped, and -1 with err: MFM_ERR_DATA for a bad record ("record has
 * no 'metrics' object"), MFM_ERR_LIMIT at max_windows.
 */
int mfm_export_add(struct mfm_export *x, const struct mfm_json *j,
    struct mfm_err *err);

/* Append the exposition of what is kept to out; "# EOF" in OpenMetrics. */
void mfm_export_write(struct mfm_export *x, struct mfm_buf *out);

/*
 * The Pushgateway's path for a group: /metrics/job/JOB and /NAME/VALUE
 * per grouping label, a value that is empty or holds anything but
 * letters, digits and "-._~" written NAME@base64/ in base64url, as the
 * Pushgateway documents.
 */
void mfm_export_push_path(struct mfm_buf *b, const char *job,
    const struct mfm_export_label *g, size_t n);

#endif
