/*
 * The engine of mfm-slice: a metric per slice of traffic, a window
 * against a reference, and the change of the overall metric split into
 * the part due to the mix of slices (their weights moved) and the part
 * due to performance inside the slices.
 *
 * A slice is the records with one value of one feature (a category, or
 * a bin of a numeric feature cut at the reference's quantiles, or
 * "missing"), or with one value of each of two features (--pairs).
 * The rows of each window and group are kept (score, label and the
 * feature values, interned), because numeric bins are only known once
 * the reference is complete; their number is capped.
 *
 * Decomposition, for a metric that is a weighted mean over the slices
 * of one feature (accuracy: M = sum w_s m_s, w_s the slice's share of
 * labelled records), from reference (0) to window (1):
 *
 *   M1 - M0 = sum (w1_s - w0_s) (m0_s - M0)   mix
 *           + sum w1_s (m1_s - m0_s)          within
 *
 * exactly; each slice's two terms are its contribution, and a slice the
 * reference never saw takes m0_s = M0 (no mix term).  Centring the mix
 * term on M0 makes a slice that grows but performs like the whole
 * contribute nothing.  For ROC AUC, which is not a mean over slices
 * (pairs across slices count too), the same formula is applied to the
 * slices' AUCs and the overall AUCs; the remainder, which cross-slice
 * pairs account for, is reported as "residual".
 *
 * Each slice whose labelled records reach the minimum support in both
 * the reference and the window is tested for a change of accuracy
 * (two-proportion z-test, pooled variance, two-sided); the p-values of
 * one window and group are adjusted with Benjamini-Hochberg.
 */
#ifndef MFM_SLICE_H
#define MFM_SLICE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/json.h"
#include "lib/keymap.h"
#include "lib/metric.h"

#define MFM_SLICE_BINS		10
#define MFM_SLICE_MIN_SUPPORT	30
#define MFM_SLICE_FDR		0.05
#define MFM_SLICE_MAX_ROWS	10000000
#define MFM_SLICE_MAX_SLICES	100000

enum mfm_slice_metric {
	MFM_SLICE_ACCURACY,
	MFM_SLICE_AUC
};

/* One feature value of a row. */
struct mfm_slice_val {
	uint32_t fid;
	uint32_t cat;		/* category number, or UINT32_MAX: numeric */
	double num;
};

struct mfm_slice_row {
	double score;
	int label;		/* MFM_METRIC_POS, _NEG or _UNLABELLED */
	size_t off;		/* first value in the rows' vals[] */
	uint32_t nv;
};

/* The rows of one window and group. */
struct mfm_slice_rows {
	struct mfm_slice_row *row;
	size_t n, cap;
	struct mfm_slice_val *val;
	size_t nval, valcap;
};

/* One slice's result. */
struct mfm_slice_result {
	struct mfm_buf key;	/* JSON object {"feature":value,...} */
	double n0, n1;		/* labelled records */
	double w0, w1;		/* shares of labelled records */
	double m0, m1;		/* metric; NaN when undefined */
	double mix, within, contribution;
	double p, q;		/* NaN when not tested */
	/* Sums over the slices of the same feature (or pair). */
	double fmix, fwithin, fresidual;
	size_t group;		/* feature or pair number, internal */
};

struct mfm_slice {
	/* Settings: fill after mfm_slice_init. */
	const struct mfm_json_path *score, *label;
	const struct mfm_metric_labels *labels;
	struct mfm_json_path *spec;	/* feature paths, borrowed */
	const int *wild;
	size_t nspec;
	double threshold;
	enum mfm_slice_metric metric;
	size_t bins;
	int pairs;
	double min_support;
	size_t max_rows, max_slices;

	size_t nrows;		/* rows kept in all windows */
	/* Features, numbered in order of appearance. */
	struct mfm_keymap names;
	char **name;
	size_t nname, namecap;
	/* Categories: "fid:value" -> number; text by number. */
	struct mfm_keymap cats;
	size_t *catoff, *catlen;	/* in cats' arena */
	size_t ncat, catcap;
	struct mfm_buf str, key;
	struct mfm_slice_val *tmp;
	size_t ntmp, tmpcap;
};

/* The comparison of a window with its reference. */
struct mfm_slice_report {
	double m0, m1;		/* overall metric */
	double n0, n1;		/* labelled records */
	double change;		/* m1 - m0 */
	struct mfm_slice_result *res;	/* ranked, worst first */
	size_t nres, cap;
};

void mfm_slice_init(struct mfm_slice *s);
void mfm_slice_release(struct mfm_slice *s);
void mfm_slice_rows_release(struct mfm_slice_rows *r);

/*
 * Keep record j as a row of r.  -1 with MFM_ERR_DATA (nothing kept) for
 * a bad score, label or feature value, MFM_ERR_LIMIT past max_rows.
 */
int mfm_slice_add(struct mfm_slice *s, struct mfm_slice_rows *r,
    const struct mfm_json *j, struct mfm_err *err);
/* Append src's rows to dst (references made of several windows). */
int mfm_slice_rows_merge(struct mfm_slice *s, struct mfm_slice_rows *dst,
    const struct mfm_slice_rows *src, struct mfm_err *err);

/*
 * Compare cur with ref: every slice of every feature (and pair), ranked
 * by contribution, most negative first.  -1 with MFM_ERR_LIMIT past
 * max_slices.  The report is the caller's to release.
 */
int mfm_slice_compare(struct mfm_slice *s, const struct mfm_slice_rows *ref,
    const struct mfm_slice_rows *cur, struct mfm_slice_report *rep,
    struct mfm_err *err);
void mfm_slice_report_release(struct mfm_slice_report *rep);

#endif
