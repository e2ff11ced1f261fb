/*
 * Exact, mergeable sketches of one feature's values: what mfm-drift
 * keeps per window, group and feature, and what a saved reference holds.
 *
 * A sketch keeps every numeric value (appended, then sorted and merged
 * into distinct values with counts when it grows or is read) and a count
 * per categorical value.  That is what makes the KS statistic, its exact
 * p-value and Wasserstein-1 equal SciPy's, which needs all values of
 * both samples; memory therefore grows with the number of distinct
 * values.  Every value entry kept is charged to a shared budget
 * (struct mfm_sketch_budget), and categories to a per-sketch cap, so a
 * run fails clearly (MFM_ERR_LIMIT) rather than running out of memory.
 *
 * Two sketches merge by adding counts: a reference computed once from
 * shards or days can be saved and merged again later.
 */
#ifndef MFM_SKETCH_H
#define MFM_SKETCH_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/keymap.h"
#include "lib/stats.h"

#define MFM_SKETCH_MAX_VALUES		10000000
#define MFM_SKETCH_MAX_CATEGORIES	10000

struct mfm_sketch_budget {
	size_t max_values;	/* value entries kept in all sketches */
	size_t used;
	size_t max_categories;	/* distinct categories in one sketch */
};

struct mfm_sketch_cat {
	size_t off;		/* key bytes in the keymap's arena */
	size_t len;
	double c;
};

struct mfm_sketch {
	double present;		/* non-null values seen */
	struct mfm_stats_vc *num;	/* sorted when nsorted == nnum */
	size_t nnum, numcap, nsorted;
	double numc;		/* numbers counted, ties included */
	struct mfm_keymap catmap;	/* category -> index in cat[] */
	struct mfm_sketch_cat *cat;
	size_t ncat, catcap;
	double catc;		/* categorical values counted */
};

void mfm_sketch_init(struct mfm_sketch *s);
/* Frees the sketch and returns its entries to the budget. */
void mfm_sketch_release(struct mfm_sketch *s, struct mfm_sketch_budget *b);

/* Count a number c times.  -1 with MFM_ERR_LIMIT past the budget. */
int mfm_sketch_add_num(struct mfm_sketch *s, double v, double c,
    struct mfm_sketch_budget *b, struct mfm_err *err);
/* Count a category (any bytes) c times.  -1 with MFM_ERR_LIMIT. */
int mfm_sketch_add_cat(struct mfm_sketch *s, const char *k, size_t n,
    double c, struct mfm_sketch_budget *b, struct mfm_err *err);
/* Add src's counts into dst. */
int mfm_sketch_merge(struct mfm_sketch *dst, const struct mfm_sketch *src,
    struct mfm_sketch_budget *b, struct mfm_err *err);
/* Sort and merge the numbers into distinct values (idempotent). */
void mfm_sketch_compact(struct mfm_sketch *s, struct mfm_sketch_budget *b);
/* Category i's key. */
const char *mfm_sketch_cat_key(const struct mfm_sketch *s, size_t i,
    size_t *lenp);
/* Count of category k, 0 when never seen. */
double mfm_sketch_cat_count(const struct mfm_sketch *s, const char *k,
    size_t n);

#endif
