/*
 * The engine of mfm-drift: which features a record has, an exact sketch
 * of each per window and group (struct mfm_drift_set), and the
 * comparison of a window's sketches with a reference's, written as the
 * drift records mfm-threshold reads.
 *
 * Features are declared paths, or every member of an object (a path
 * written "inputs.*"), named by their dotted path.  A number is a
 * numeric value, a string or true/false a categorical one; null or a
 * missing field is missing.  A feature that has any categorical value
 * (in the window or the reference) is categorical, and its numbers are
 * then counted as one category, "(number)"; otherwise it is numeric.
 *
 * Numeric features get the KS statistic and p-value, Wasserstein-1 and
 * its ratio to the reference's standard deviation, and, over bins cut at
 * the reference's quantiles, PSI, Jensen-Shannon distance, chi-squared,
 * Cramer's V and L-infinity.  Categorical features get the binned ones
 * over their categories, and the unseen categories.  Both get the change
 * of the missing rate.
 */
#ifndef MFM_DRIFT_H
#define MFM_DRIFT_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/json.h"
#include "lib/keymap.h"
#include "lib/sketch.h"

#define MFM_DRIFT_BINS		10
#define MFM_DRIFT_EPS		1e-4
#define MFM_DRIFT_TOP		3
#define MFM_DRIFT_STATE_VERSION	1
#define MFM_DRIFT_STATE_LINE	65536	/* bytes, then a new state line */

enum mfm_drift_kind {
	MFM_DRIFT_EMPTY,	/* no value on either side */
	MFM_DRIFT_NUMERIC,
	MFM_DRIFT_CATEGORICAL
};

enum mfm_drift_metric {
	MFM_DRIFT_PSI,
	MFM_DRIFT_JS,
	MFM_DRIFT_KS,
	MFM_DRIFT_KS_P,
	MFM_DRIFT_WASSERSTEIN,
	MFM_DRIFT_WASSERSTEIN_NORM,
	MFM_DRIFT_CHI2,
	MFM_DRIFT_CHI2_P,
	MFM_DRIFT_CRAMERS_V,
	MFM_DRIFT_LINF,
	MFM_DRIFT_MISSING_RATE_CHANGE,
	MFM_DRIFT_UNSEEN,
	MFM_DRIFT_UNSEEN_SHARE,
	MFM_DRIFT_NMETRIC
};

/* The sketches of one window and group (or of a reference). */
struct mfm_drift_set {
	double nrec;		/* records */
	double nlab;		/* records with a label */
	struct mfm_sketch *f;	/* by feature number; nf of them */
	size_t nf;
};

struct mfm_drift {
	/* Settings: fill after mfm_drift_init, before the first record. */
	struct mfm_json_path *spec;	/* feature paths, borrowed */
	const int *wild;		/* spec[i] means all its members */
	size_t nspec;
	const struct mfm_json_path *label;	/* or NULL */
	size_t bins;
	double eps;
	size_t ks_exact_max;
	size_t top;
	struct mfm_sketch_budget budget;

	/* Features seen, numbered in order of appearance. */
	struct mfm_keymap names;
	char **name;
	unsigned char *wanted;	/* named by the settings, not only loaded */
	size_t nname, namecap;
	struct mfm_drift_hit {
		size_t id;
		int t;
	} *hit;
	size_t nhit, hitcap;
	struct mfm_buf str, key;
	size_t *order;		/* mfm_drift_sort_features */
	size_t *pos;		/* order[pos[id]] == id */
	struct mfm_buf settings;	/* "features":[...],"label":... */
};

/* The result of comparing one feature. */
struct mfm_drift_result {
	enum mfm_drift_kind kind;
	double m[MFM_DRIFT_NMETRIC];	/* NaN when not defined */
	int ks_exact;
	double ref_present, cur_present;
	struct mfm_buf top;	/* JSON array of the largest changes */
};

const char *mfm_drift_metric_name(enum mfm_drift_metric m);

/*
 * Whether feature id is one the settings name.  A saved reference may
 * hold other features too; they are not compared.
 */
int mfm_drift_wanted(const struct mfm_drift *d, size_t id);

void mfm_drift_init(struct mfm_drift *d);
void mfm_drift_release(struct mfm_drift *d);
void mfm_drift_set_release(struct mfm_drift *d, struct mfm_drift_set *s);

/*
 * Count record j into s.  -1 with MFM_ERR_DATA (nothing counted) when a
 * feature is an object or an array, MFM_ERR_LIMIT past a cap.
 */
int mfm_drift_add(struct mfm_drift *d, struct mfm_drift_set *s,
    const struct mfm_json *j, struct mfm_err *err);
int mfm_drift_merge(struct mfm_drift *d, struct mfm_drift_set *dst,
    const struct mfm_drift_set *src, struct mfm_err *err);

/*
 * Compare feature id of cur against ref.  r->top must start as
 * MFM_BUF_INIT; the caller releases it.
 */
void mfm_drift_compare(struct mfm_drift *d, struct mfm_drift_set *ref,
    struct mfm_drift_set *cur, size_t id, struct mfm_drift_result *r);

/*
 * Append s as reference sketch lines for group (its JSON text):
 * {"_mfm":"reference","group":...,"records":N,"labelled":N}, then one
 * line per feature with "feature", "numbers" ([[v,c],...])
 * and "categories" ({"k":c,...}): features in the order of
 * mfm_drift_sort_features, numbers sorted, categories in byte order.
 */
void mfm_drift_save(struct mfm_drift *d, struct mfm_drift_set *s,
    const char *group, size_t glen, struct mfm_buf *b);
/* Add one reference sketch line (a parsed object) into s. */
int mfm_drift_load(struct mfm_drift *d, struct mfm_drift_set *s,
    const struct mfm_json *j, struct mfm_err *err);

/*
 * Number the features in an order that does not depend on the order of
 * the input: by the first setting (--features in order, then the score,
 * then the label) that names them, then by their bytes; features only a
 * saved reference names come last.  Fills d->order and d->pos for the
 * d->nname features known, valid until a new one is seen.
 */
void mfm_drift_sort_features(struct mfm_drift *d);

/*
 * Partial state, what --partial writes and --merge reads.  Append the
 * state of set s of one window and group (window and group their JSON
 * texts, as mfm_group_window and mfm_group_text give them): a head line
 * {"_mfm":"drift_state","version":1,"window":W,"group":G,"records":N,
 * "labelled":N,"features":[...],"label":...} (the settings that decide
 * what is counted), then one line per feature with a value,
 * {"_mfm":"drift_state","version":1,"window":W,"group":G,"feature":F,
 * "numbers":[[v,c],...],"categories":{"k":c,...}}, features in the order
 * of mfm_drift_sort_features, numbers sorted, categories in byte order.
 * A feature's line that passes MFM_DRIFT_STATE_LINE bytes goes on in
 * another line of the same feature: lines add up.
 */
void mfm_drift_write_state(struct mfm_drift *d, struct mfm_drift_set *s,
    const char *window, size_t wlen, const char *group, size_t glen,
    struct mfm_buf *b);
/* Check a state line whole: 0, or -1 with MFM_ERR_DATA. */
int mfm_drift_check_state(struct mfm_drift *d, const struct mfm_json *j,
    struct mfm_err *err);
/*
 * Add one state line (a parsed object, "_mfm":"drift_state") into s.
 * The whole line is checked before anything is counted: -1 with
 * MFM_ERR_DATA leaves s as it was; -1 with MFM_ERR_LIMIT past a cap may
 * leave part of the line counted.
 */
int mfm_drift_read_state(struct mfm_drift *d, struct mfm_drift_set *s,
    const struct mfm_json *j, struct mfm_err *err);

#endif
