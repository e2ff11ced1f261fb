/*
 * Metric accumulators: what mfm-metric keeps per window and group, and
 * the metrics computed from it, for three kinds of model (tasks):
 * binary classifiers, regressors and multiclass classifiers.
 *
 * An accumulator holds exact, mergeable state.  A binary classifier's is
 * a table of every distinct score with the weight of positive, negative
 * and unlabelled records seen at it: every binary metric at the decision
 * threshold, ROC AUC (ties as scikit-learn counts them), average
 * precision, log loss and the Brier score are computed from that table,
 * sorted once, so their memory grows with the number of distinct scores,
 * never with the number of records.  A regressor's state is a few sums
 * kept exactly (as non-overlapping partial sums, rounded once when read),
 * so that the order in which records or shards arrive cannot change a
 * bit of the result.  A multiclass classifier's is the confusion matrix
 * over the classes seen.  Every task also keeps the label delays, as a
 * table of distinct delays with their counts, for the label-health
 * percentiles.
 *
 * Counts that a sample weight scales are doubles; unweighted they hold
 * integers, exact up to 2^53, and then merged state equals single-run
 * state bit for bit.  (With fractional weights the per-score sums of a
 * merged run may differ from a single run's in the last bits.)
 *
 * No I/O here: the caller reads records, this module counts, computes,
 * and writes and reads state as JSON text.
 */
#ifndef MFM_METRIC_H
#define MFM_METRIC_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/json.h"
#include "lib/keymap.h"

/* Every metric; a task computes a subset (mfm_metric_applies). */
enum mfm_metric_id {
	MFM_METRIC_AUC,
	MFM_METRIC_PRECISION,
	MFM_METRIC_RECALL,
	MFM_METRIC_F1,
	MFM_METRIC_ACCURACY,
	MFM_METRIC_MSE,
	MFM_METRIC_PR_AUC,
	MFM_METRIC_LOG_LOSS,
	MFM_METRIC_BRIER,
	MFM_METRIC_SPECIFICITY,
	MFM_METRIC_FPR,
	MFM_METRIC_FNR,
	MFM_METRIC_F0_5,
	MFM_METRIC_F2,
	MFM_METRIC_FBETA,
	MFM_METRIC_MCC,
	MFM_METRIC_BALANCED_ACCURACY,
	MFM_METRIC_TP,
	MFM_METRIC_FP,
	MFM_METRIC_TN,
	MFM_METRIC_FN,
	MFM_METRIC_PREVALENCE,
	MFM_METRIC_POSITIVE_RATE,
	MFM_METRIC_RMSE,
	MFM_METRIC_MAE,
	MFM_METRIC_R2,
	MFM_METRIC_MAPE,
	MFM_METRIC_MAX_ERROR,
	MFM_METRIC_MEAN_ERROR,
	MFM_METRIC_MSLE,
	MFM_METRIC_PRECISION_MACRO,
	MFM_METRIC_RECALL_MACRO,
	MFM_METRIC_F1_MACRO,
	MFM_METRIC_PRECISION_MICRO,
	MFM_METRIC_RECALL_MICRO,
	MFM_METRIC_F1_MICRO,
	MFM_METRIC_PRECISION_WEIGHTED,
	MFM_METRIC_RECALL_WEIGHTED,
	MFM_METRIC_F1_WEIGHTED,
	MFM_METRIC_LABEL_COVERAGE,
	MFM_METRIC_LABEL_DELAY_P50,
	MFM_METRIC_LABEL_DELAY_P95,
	MFM_METRIC_LABEL_DELAY_MAX,
	MFM_METRIC_COUNT
};

enum mfm_metric_task {
	MFM_METRIC_BINARY,
	MFM_METRIC_REGRESSION,
	MFM_METRIC_MULTICLASS
};

/* Label values as a binary accumulator sees them. */
#define MFM_METRIC_UNLABELLED	(-1)
#define MFM_METRIC_NEG		0
#define MFM_METRIC_POS		1

/* The z of a two-sided 95 % interval. */
#define MFM_METRIC_Z95		1.959963984540054

/* A sum with Neumaier's compensation: value is s + c. */
struct mfm_metric_sum {
	double s;
	double c;
};

/*
 * An exact sum: non-overlapping partial sums in increasing magnitude,
 * whose total is the exact sum of what was added; read, it is rounded
 * once, so any order of the same additions reads the same double.
 */
#define MFM_METRIC_XSUM_MAX 48
struct mfm_metric_xsum {
	int n;
	double p[MFM_METRIC_XSUM_MAX];
};

/* One distinct value: its bits (the table key) and its weights. */
struct mfm_metric_score {
	uint64_t key;		/* bits of the value, -0 folded into +0 */
	double pos;		/* positive labels (delays: the count) */
	double neg;		/* negative labels */
	double unl;		/* unlabelled records */
};

/*
 * Distinct scores with their weights, kept as struct mfm_metric_counts
 * keeps the label delays (below): a sorted distinct run, and the records
 * not merged into it yet, one entry each, in arrival order.
 */
struct mfm_metric_scores {
	struct mfm_metric_score *v;	/* sorted by score, distinct */
	size_t n;
	struct mfm_metric_score *add;	/* not merged yet, as they came */
	size_t nadd, capadd;
};

/* One distinct value and how many times it was seen. */
struct mfm_metric_count {
	uint64_t key;		/* bits of the value, -0 folded into +0 */
	double n;
};

/*
 * Distinct values with their counts (the label delays), where nearly
 * every value is new: a hash would take a cache miss a value and twice
 * the memory.  New values are appended, in arrival order, and merged
 * into the sorted distinct run when half as many have come as the run
 * holds (a batch at least), so a value costs a sequential write and a
 * share of a radix sort, and the memory stays proportional to the
 * distinct values.
 */
struct mfm_metric_counts {
	struct mfm_metric_count *v;	/* sorted by value, distinct */
	size_t n;
	struct mfm_metric_count *add;	/* not merged yet, as they came */
	size_t nadd, capadd;
};

/* Settings shared by every accumulator of a run. */
struct mfm_metric_conf {
	enum mfm_metric_task task;
	double threshold;	/* binary: positive iff score >= threshold */
	double beta;		/* for fbeta */
	uint64_t min_support;	/* fewer labelled records: null */
	int ci;			/* compute 95 % intervals */
	unsigned bootstrap;	/* binary: that many resamples, or 0 */
	size_t max_classes;	/* multiclass: classes per accumulator */
};

/* The regression sums, in state order. */
enum {
	MFM_METRIC_RS_W,	/* sum of weights */
	MFM_METRIC_RS_E,	/* w (p - y) */
	MFM_METRIC_RS_E2,	/* w (p - y)^2 */
	MFM_METRIC_RS_AE,	/* w |p - y| */
	MFM_METRIC_RS_APE,	/* w |p - y| / max(|y|, eps) */
	MFM_METRIC_RS_LE2,	/* w (log1p p - log1p y)^2 */
	MFM_METRIC_RS_Y,	/* w y */
	MFM_METRIC_RS_Y2,	/* w y^2 */
	MFM_METRIC_RS_COUNT
};

struct mfm_metric_reg {
	struct mfm_metric_xsum s[MFM_METRIC_RS_COUNT];
	double max_ae;
	double ymin, ymax;
	uint64_t negative;	/* labelled records with p or y below 0 */
};

struct mfm_metric_mc {
	struct mfm_keymap classes;	/* class JSON text -> index */
	size_t k, kcap;
	double *cm;		/* kcap x kcap: cm[true * kcap + pred] */
};

struct mfm_metric_acc {
	const struct mfm_metric_conf *conf;
	double threshold;
	uint64_t n;		/* records with a valid score */
	uint64_t labelled;	/* of which labelled */
	uint64_t npos;		/* binary: of which positive */
	double tp, fp, tn, fn;	/* running counts; output uses the table */
	struct mfm_metric_sum se;	/* running sum of (score - label)^2 */
	struct mfm_metric_scores scores;	/* binary: distinct scores */
	struct mfm_metric_counts delays;	/* label delay -> count */
	struct mfm_metric_reg *reg;	/* regression only */
	struct mfm_metric_mc *mc;	/* multiclass only */
};

struct mfm_metric_value {
	double v;
	const char *undefined;	/* NULL when defined, else why v is null */
	double lo, hi;		/* 95 % interval; NaN when none */
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
/* The metric called name[0..len), or -1. */
int mfm_metric_lookup(const char *name, size_t len);
/* Whether a task computes metric id. */
int mfm_metric_applies(enum mfm_metric_task task, enum mfm_metric_id id);
/* "binary", "regression", "multiclass"; lookup returns -1 if unknown. */
const char *mfm_metric_task_name(enum mfm_metric_task task);
int mfm_metric_task_lookup(const char *name);

/* Binary, threshold 0.5, beta 1, no minimum, no intervals. */
void mfm_metric_conf_init(struct mfm_metric_conf *c);

/* positive may be NULL.  The labels struct borrows it. */
void mfm_metric_labels_init(struct mfm_metric_labels *l,
    const char *positive);
/*
 * Read the binary label at token t of j (t < 0 when the field is
 * missing) into *label: MFM_METRIC_POS, _NEG or _UNLABELLED (missing or
 * null).  -1 with an MFM_ERR_DATA error naming the field (path) for any
 * other value, e.g. "field 'label' is not 0 or 1".
 */
int mfm_metric_label(const struct mfm_metric_labels *l,
    const struct mfm_json *j, int t, const char *path, int *label,
    struct mfm_err *err);

/*
 * A binary accumulator with threshold and otherwise default settings
 * (mfm_metric_acc_init), or with the settings in conf, which it borrows
 * for its lifetime (mfm_metric_acc_init_conf).
 */
void mfm_metric_acc_init(struct mfm_metric_acc *a, double threshold);
void mfm_metric_acc_init_conf(struct mfm_metric_acc *a,
    const struct mfm_metric_conf *conf);
void mfm_metric_acc_release(struct mfm_metric_acc *a);
/* Back to empty, keeping the settings and the table's memory. */
void mfm_metric_acc_clear(struct mfm_metric_acc *a);

/*
 * Count one binary record of weight 1.  The score must be finite (NaN
 * and the infinities have no place in a ranking and no JSON form): -1
 * with MFM_ERR_DATA otherwise, and nothing is counted.  label is one of
 * MFM_METRIC_POS, _NEG, _UNLABELLED.
 */
int mfm_metric_acc_add(struct mfm_metric_acc *a, double score, int label,
    struct mfm_err *err);
/* The same with a weight (finite, >= 0). */
int mfm_metric_acc_addw(struct mfm_metric_acc *a, double score, int label,
    double weight, struct mfm_err *err);
/*
 * Count one regression record: prediction p, label y (has_y 0 when the
 * record is unlabelled), weight w.  -1 with MFM_ERR_DATA when a value
 * or a term built from it is not finite.
 */
int mfm_metric_acc_add_reg(struct mfm_metric_acc *a, double p, double y,
    int has_y, double w, struct mfm_err *err);
/*
 * Count one multiclass record: the predicted and the true class as JSON
 * text (canonical, so equal classes have equal bytes); y NULL when the
 * record is unlabelled.  -1 with MFM_ERR_LIMIT (cap MFM_CAP_CLASSES) when
 * a new class would pass conf->max_classes.
 */
int mfm_metric_acc_add_mc(struct mfm_metric_acc *a, const char *p,
    size_t plen, const char *y, size_t ylen, double w, struct mfm_err *err);
/* Count a labelled record's label delay (finite). */
void mfm_metric_acc_add_delay(struct mfm_metric_acc *a, double delay);

/*
 * Add src's state into dst, as if dst had seen src's records too.  -1
 * with MFM_ERR_USAGE if the tasks or thresholds differ, MFM_ERR_LIMIT
 * (cap MFM_CAP_CLASSES) at the class cap.
 */
int mfm_metric_acc_merge(struct mfm_metric_acc *dst,
    const struct mfm_metric_acc *src, struct mfm_err *err);

/*
 * Compute every metric of the accumulator's task (the others are left
 * null, "not computed").  scratch is working memory the caller keeps
 * between calls (so emitting many groups reuses one allocation); it
 * must start as MFM_BUF_INIT and be released by the caller.  The
 * accumulator is left unchanged.
 */
void mfm_metric_acc_compute(const struct mfm_metric_acc *a,
    struct mfm_metric_result *r, struct mfm_buf *scratch);

/* The number of distinct scores of a binary accumulator. */
size_t mfm_metric_acc_distinct(const struct mfm_metric_acc *a,
    struct mfm_buf *scratch);

/* ROC AUC alone; NaN when undefined (no labels, or one class only). */
double mfm_metric_acc_auc(const struct mfm_metric_acc *a,
    struct mfm_buf *scratch);

/*
 * Append the accumulator's state as a JSON object (values sorted, so
 * equal states give equal text), and merge such an object, token t of
 * j, into a (-1 with MFM_ERR_DATA when it is not a state of a's task
 * and threshold).
 */
void mfm_metric_acc_write_state(const struct mfm_metric_acc *a,
    struct mfm_buf *b, struct mfm_buf *scratch);
int mfm_metric_acc_read_state(struct mfm_metric_acc *a,
    const struct mfm_json *j, int t, struct mfm_err *err);

/* The exact sum; exposed for the tests. */
void mfm_metric_xsum_add(struct mfm_metric_xsum *s, double x);
double mfm_metric_xsum_value(const struct mfm_metric_xsum *s);

/* Wilson score interval for k successes in n trials (n > 0). */
void mfm_metric_wilson(double k, double n, double *lo, double *hi);

#endif
