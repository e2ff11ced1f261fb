/*
 * Metric accumulators for binary classifiers: what mfm-metric keeps per
 * window and group, and the metrics computed from it.
 *
 * An accumulator holds exact, mergeable state: counts of records, the
 * confusion counts at a fixed threshold, a compensated sum of squared
 * errors, and a table of every distinct score with the number of
 * positive and negative labels seen at it.  That table is what makes ROC
 * AUC exact (ties included, as scikit-learn counts them) and mergeable
 * across shards; its memory grows with the number of distinct scores,
 * never with the number of records.  The metrics are computed on demand,
 * sorting the distinct scores once.
 *
 * Counts that a later sample weight would scale (the score table, the
 * confusion counts, the sums) are doubles; unweighted they hold integers,
 * exact up to 2^53.
 *
 * No I/O here: the caller reads records, this module only counts.
 */
#ifndef MFM_METRIC_H
#define MFM_METRIC_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/json.h"

/* The metrics, in output order. */
enum mfm_metric_id {
	MFM_METRIC_AUC,
	MFM_METRIC_PRECISION,
	MFM_METRIC_RECALL,
	MFM_METRIC_F1,
	MFM_METRIC_ACCURACY,
	MFM_METRIC_MSE,
	MFM_METRIC_COUNT
};

/* Label values as the accumulator sees them. */
#define MFM_METRIC_UNLABELLED	(-1)
#define MFM_METRIC_NEG		0
#define MFM_METRIC_POS		1

/* A sum with Neumaier's compensation: value is s + c. */
struct mfm_metric_sum {
	double s;
	double c;
};

/* One distinct score: its bits (the table key) and its label counts. */
struct mfm_metric_score {
	uint64_t key;		/* bits of the score, -0 folded into +0 */
	double pos;
	double neg;
};

struct mfm_metric_acc {
	double threshold;	/* predicted positive iff score >= threshold */
	uint64_t n;		/* records with a valid score */
	uint64_t labelled;	/* of which labelled */
	double tp, fp, tn, fn;
	struct mfm_metric_sum se;	/* sum of (score - label)^2 */
	/* Open-addressing hash of distinct labelled scores. */
	struct mfm_metric_score *tab;
	size_t cap;		/* slots, a power of two, or 0 */
	size_t used;		/* distinct scores */
};

struct mfm_metric_value {
	double v;
	const char *undefined;	/* NULL when defined, else why v is null */
};

struct mfm_metric_result {
	struct mfm_metric_value m[MFM_METRIC_COUNT];
};

/*
 * What a label value means.  With no positive value set, labels are the
 * numbers 0 and 1 or false and true.  With one set, a label equal to it
 * is positive and any other label of the same kind negative: a string is
 * compared as text, a number numerically (when the positive value is a
 * number), true/false with the words "true"/"false".
 */
struct mfm_metric_labels {
	const char *positive;	/* borrowed; NULL for the 0/1 default */
	size_t len;
	int isnum;		/* positive parses as a JSON number */
	double num;
	int isbool;		/* positive is "true" or "false" */
	int boolval;
};

/* Name of a metric as it appears in output: "auc", "precision", ... */
const char *mfm_metric_name(enum mfm_metric_id id);

/* positive may be NULL.  The labels struct borrows it. */
void mfm_metric_labels_init(struct mfm_metric_labels *l,
    const char *positive);
/*
 * Read the label at token t of j (t < 0 when the field is missing) into
 * *label: MFM_METRIC_POS, _NEG or _UNLABELLED (missing or null).  -1
 * with an MFM_ERR_DATA error naming the field (path) for any other
 * value, e.g. "field 'label' is not 0 or 1".
 */
int mfm_metric_label(const struct mfm_metric_labels *l,
    const struct mfm_json *j, int t, const char *path, int *label,
    struct mfm_err *err);

void mfm_metric_acc_init(struct mfm_metric_acc *a, double threshold);
void mfm_metric_acc_release(struct mfm_metric_acc *a);
/* Back to empty, keeping the threshold and the table's memory. */
void mfm_metric_acc_clear(struct mfm_metric_acc *a);

/*
 * Count one record.  The score must be finite (NaN and the infinities
 * have no place in a ranking and no JSON form): -1 with MFM_ERR_DATA
 * otherwise, and nothing is counted.  label is one of MFM_METRIC_POS,
 * _NEG, _UNLABELLED.
 */
int mfm_metric_acc_add(struct mfm_metric_acc *a, double score, int label,
    struct mfm_err *err);

/*
 * Add src's state into dst, as if dst had seen src's records too.  -1
 * with MFM_ERR_USAGE if the thresholds differ.
 */
int mfm_metric_acc_merge(struct mfm_metric_acc *dst,
    const struct mfm_metric_acc *src, struct mfm_err *err);

/*
 * Compute every metric.  scratch is working memory the caller keeps
 * between calls (so emitting many groups reuses one allocation); it
 * must start as MFM_BUF_INIT and be released by the caller.  The
 * accumulator is left unchanged.
 */
void mfm_metric_acc_compute(const struct mfm_metric_acc *a,
    struct mfm_metric_result *r, struct mfm_buf *scratch);

/* ROC AUC alone; NaN when undefined (no labels, or one class only). */
double mfm_metric_acc_auc(const struct mfm_metric_acc *a,
    struct mfm_buf *scratch);

#endif
