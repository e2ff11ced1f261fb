/*
 * Metric accumulators for binary classifiers; see metric.h.
 *
 * The distinct-score table is an open-addressing hash with linear
 * probing, keyed by the score's bits.  Scores are finite, so a NaN bit
 * pattern (all ones) marks an empty slot and a fresh table is one
 * memset.  ROC AUC is the Mann-Whitney statistic over the distinct
 * scores sorted once: each positive counts the negatives below its score
 * plus half of those tied with it, which is exactly the area under the
 * trapezoidal ROC curve that scikit-learn's roc_auc_score computes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/metric.h"
#include "lib/banned.h"

#define EMPTY		UINT64_MAX	/* a NaN: never a finite score */
#define TAB_MIN		16
#define SORT_RADIX_MIN	256	/* fewer scores: qsort beats radix passes */

static const char *const names[MFM_METRIC_COUNT] = {
	"auc", "precision", "recall", "f1", "accuracy", "mse"
};

const char *
mfm_metric_name(enum mfm_metric_id id)
{
	return (unsigned)id < MFM_METRIC_COUNT ? names[id] : NULL;
}

static void
sum_add(struct mfm_metric_sum *s, double x)
{
	double t = s->s + x;

	/* Neumaier: keep what the rounded add lost, whichever is larger. */
	if (fabs(s->s) >= fabs(x))
		s->c += (s->s - t) + x;
	else
		s->c += (x - t) + s->s;
	s->s = t;
}

static double
sum_value(const struct mfm_metric_sum *s)
{
	return s->s + s->c;
}

static uint64_t
score_bits(double v)
{
	uint64_t k;

	if (v == 0)
		v = 0;		/* -0 == +0: one score, as scikit-learn sees it */
	memcpy(&k, &v, sizeof(k));
	return k;
}

static size_t
hash64(uint64_t x)
{
	/*
	 * A full-avalanche mix: nearby scores differ only in low mantissa
	 * bits, which a plain mask would send to neighbouring slots.
	 */
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return (size_t)x;
}

void
mfm_metric_labels_init(struct mfm_metric_labels *l, const char *positive)
{
	const char *p;
	char *end;

	memset(l, 0, sizeof(*l));
	if (positive == NULL)
		return;
	l->positive = positive;
	l->len = strlen(positive);
	if (strcmp(positive, "true") == 0 || strcmp(positive, "false") == 0) {
		l->isbool = 1;
		l->boolval = positive[0] == 't';
		return;
	}
	/* strtod alone would take "inf", "0x1p3" and leading spaces. */
	for (p = positive; *p != '\0'; p++)
		if (strchr("0123456789+-.eE", *p) == NULL)
			return;
	if (l->len == 0)
		return;
	l->num = strtod(positive, &end);
	l->isnum = *end == '\0' && isfinite(l->num);
}

int
mfm_metric_label(const struct mfm_metric_labels *l, const struct mfm_json *j,
    int t, const char *path, int *label, struct mfm_err *err)
{
	enum mfm_json_type type = mfm_json_type_of(j, t);
	double v;

	*label = MFM_METRIC_UNLABELLED;
	if (type == MFM_JSON_NONE || type == MFM_JSON_NULL)
		return 0;
	if (l->positive == NULL) {
		switch (type) {
		case MFM_JSON_TRUE:
			*label = MFM_METRIC_POS;
			return 0;
		case MFM_JSON_FALSE:
			*label = MFM_METRIC_NEG;
			return 0;
		case MFM_JSON_NUMBER:
			if (mfm_json_double(j, t, &v) == 0 &&
			    (v == 0 || v == 1)) {
				*label = v == 1 ? MFM_METRIC_POS :
				    MFM_METRIC_NEG;
				return 0;
			}
			return mfm_err_set(err, MFM_ERR_DATA,
			    "field '%s' is not 0 or 1", path);
		case MFM_JSON_STRING:
			return mfm_err_set(err, MFM_ERR_DATA,
			    "field '%s' is a string (see --positive)", path);
		default:
			return mfm_err_set(err, MFM_ERR_DATA,
			    "field '%s' is not 0, 1, true or false", path);
		}
	}
	switch (type) {
	case MFM_JSON_STRING:
		*label = mfm_json_str_eq(j, t, l->positive, l->len) ?
		    MFM_METRIC_POS : MFM_METRIC_NEG;
		return 0;
	case MFM_JSON_NUMBER:
		if (!l->isnum)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "field '%s' is a number and the positive label "
			    "'%s' is not", path, l->positive);
		if (mfm_json_double(j, t, &v) != 0)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "field '%s' is out of range", path);
		*label = v == l->num ? MFM_METRIC_POS : MFM_METRIC_NEG;
		return 0;
	case MFM_JSON_TRUE:
	case MFM_JSON_FALSE:
		if (!l->isbool)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "field '%s' is true or false and the positive "
			    "label '%s' is not", path, l->positive);
		*label = (type == MFM_JSON_TRUE) == l->boolval ?
		    MFM_METRIC_POS : MFM_METRIC_NEG;
		return 0;
	default:
		return mfm_err_set(err, MFM_ERR_DATA,
		    "field '%s' is not a string, number, true or false", path);
	}
}

void
mfm_metric_acc_init(struct mfm_metric_acc *a, double threshold)
{
	memset(a, 0, sizeof(*a));
	a->threshold = threshold;
}

void
mfm_metric_acc_release(struct mfm_metric_acc *a)
{
	free(a->tab);
	mfm_metric_acc_init(a, a->threshold);
}

void
mfm_metric_acc_clear(struct mfm_metric_acc *a)
{
	struct mfm_metric_score *tab = a->tab;
	size_t cap = a->cap;

	mfm_metric_acc_init(a, a->threshold);
	a->tab = tab;
	a->cap = cap;
	if (tab != NULL)
		memset(tab, 0xff, cap * sizeof(*tab));
}

static void
tab_grow(struct mfm_metric_acc *a)
{
	struct mfm_metric_score *old = a->tab, *e;
	size_t oldcap = a->cap, i, mask;

	a->cap = oldcap ? oldcap * 2 : TAB_MIN;
	a->tab = mfm_xreallocarray(NULL, a->cap, sizeof(*a->tab));
	memset(a->tab, 0xff, a->cap * sizeof(*a->tab));
	mask = a->cap - 1;
	for (i = 0; i < oldcap; i++) {
		size_t h;

		if (old[i].key == EMPTY)
			continue;
		for (h = hash64(old[i].key) & mask; a->tab[h].key != EMPTY;
		    h = (h + 1) & mask)
			;
		e = &a->tab[h];
		*e = old[i];
	}
	free(old);
}

/* The entry for key, added with zero counts if new. */
static struct mfm_metric_score *
tab_get(struct mfm_metric_acc *a, uint64_t key)
{
	struct mfm_metric_score *e = NULL;
	size_t h, mask = a->cap - 1;

	if (a->cap > 0) {
		for (h = hash64(key) & mask;; h = (h + 1) & mask) {
			e = &a->tab[h];
			if (e->key == key)
				return e;
			if (e->key == EMPTY)
				break;
		}
	}
	/* Grow at 3/4 load: linear probing stays short below that. */
	if ((a->used + 1) * 4 > a->cap * 3) {
		tab_grow(a);
		mask = a->cap - 1;
		for (h = hash64(key) & mask; a->tab[h].key != EMPTY;
		    h = (h + 1) & mask)
			;
		e = &a->tab[h];
	}
	e->key = key;
	e->pos = 0;
	e->neg = 0;
	a->used++;
	return e;
}

int
mfm_metric_acc_add(struct mfm_metric_acc *a, double score, int label,
    struct mfm_err *err)
{
	struct mfm_metric_score *e;
	double y, d;

	if (!isfinite(score))
		return mfm_err_set(err, MFM_ERR_DATA, "score is not finite");
	a->n++;
	if (label == MFM_METRIC_UNLABELLED)
		return 0;
	a->labelled++;
	y = label == MFM_METRIC_POS ? 1 : 0;
	if (score >= a->threshold) {
		if (y == 1)
			a->tp += 1;
		else
			a->fp += 1;
	} else {
		if (y == 1)
			a->fn += 1;
		else
			a->tn += 1;
	}
	d = score - y;
	sum_add(&a->se, d * d);
	e = tab_get(a, score_bits(score));
	if (y == 1)
		e->pos += 1;
	else
		e->neg += 1;
	return 0;
}

int
mfm_metric_acc_merge(struct mfm_metric_acc *dst,
    const struct mfm_metric_acc *src, struct mfm_err *err)
{
	struct mfm_metric_score *e;
	size_t i;

	/* Same bits, so that -0 and NaN compare the way they were set. */
	if (memcmp(&dst->threshold, &src->threshold, sizeof(double)) != 0)
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "cannot merge counts taken at different thresholds");
	dst->n += src->n;
	dst->labelled += src->labelled;
	dst->tp += src->tp;
	dst->fp += src->fp;
	dst->tn += src->tn;
	dst->fn += src->fn;
	sum_add(&dst->se, src->se.s);
	sum_add(&dst->se, src->se.c);
	for (i = 0; i < src->cap; i++) {
		if (src->tab[i].key == EMPTY)
			continue;
		e = tab_get(dst, src->tab[i].key);
		e->pos += src->tab[i].pos;
		e->neg += src->tab[i].neg;
	}
	return 0;
}

/*
 * Map a finite double's bits to an unsigned integer with the same order:
 * negatives have all bits flipped (larger magnitude sorts lower), the
 * others only the sign bit.
 */
static uint64_t
order_key(uint64_t k)
{
	return (k >> 63) ? ~k : k | (UINT64_C(1) << 63);
}

static int
cmp_score(const void *pa, const void *pb)
{
	uint64_t a = order_key(((const struct mfm_metric_score *)pa)->key);
	uint64_t b = order_key(((const struct mfm_metric_score *)pb)->key);

	return (a > b) - (a < b);
}

/*
 * Sort n entries by score: an LSD radix sort on the order keys, RADIX_BITS
 * a pass, between v and tmp, with count[RADIX_PASSES][RADIX_SIZE] as
 * working memory; the sorted entries end up in v.  A pass in which every
 * key has the same digit is skipped, the common case for the sign and
 * exponent bits of probabilities.
 */
#define RADIX_BITS	11
#define RADIX_SIZE	(1u << RADIX_BITS)
#define RADIX_PASSES	((64 + RADIX_BITS - 1) / RADIX_BITS)

static void
sort_scores(struct mfm_metric_score *v, struct mfm_metric_score *tmp,
    size_t n, size_t (*count)[RADIX_SIZE])
{
	struct mfm_metric_score *src = v, *dst = tmp, *sw;
	size_t i, d, sum, c;
	unsigned shift;
	uint64_t k;

	if (n < SORT_RADIX_MIN) {
		qsort(v, n, sizeof(*v), cmp_score);
		return;
	}
	memset(count, 0, RADIX_PASSES * sizeof(*count));
	for (i = 0; i < n; i++) {
		k = order_key(v[i].key);
		for (d = 0; d < RADIX_PASSES; d++)
			count[d][(k >> (RADIX_BITS * d)) & (RADIX_SIZE - 1)]++;
	}
	for (d = 0; d < RADIX_PASSES; d++) {
		shift = RADIX_BITS * (unsigned)d;
		k = order_key(v[0].key);
		if (count[d][(k >> shift) & (RADIX_SIZE - 1)] == n)
			continue;
		for (sum = 0, i = 0; i < RADIX_SIZE; i++) {
			c = count[d][i];
			count[d][i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++) {
			k = order_key(src[i].key);
			dst[count[d][(k >> shift) & (RADIX_SIZE - 1)]++] =
			    src[i];
		}
		sw = src;
		src = dst;
		dst = sw;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
}

double
mfm_metric_acc_auc(const struct mfm_metric_acc *a, struct mfm_buf *scratch)
{
	struct mfm_metric_score *v;
	size_t (*count)[RADIX_SIZE];
	struct mfm_metric_sum u = { 0, 0 };
	double pos = a->tp + a->fn, neg = a->fp + a->tn, below = 0;
	size_t i, n = 0, bytes;

	if (pos == 0 || neg == 0)
		return NAN;
	/*
	 * The radix counts, then two arrays: the scores and the sort's
	 * other half.  No overflow: used < cap, whose slots exist.
	 */
	bytes = RADIX_PASSES * sizeof(*count) + 2 * a->used * sizeof(*v);
	mfm_buf_clear(scratch);
	mfm_buf_grow(scratch, bytes);
	count = (size_t (*)[RADIX_SIZE])(void *)scratch->p;
	v = (struct mfm_metric_score *)(void *)(count + RADIX_PASSES);
	for (i = 0; i < a->cap; i++)
		if (a->tab[i].key != EMPTY)
			v[n++] = a->tab[i];
	sort_scores(v, v + n, n, count);
	/*
	 * Mann-Whitney U: each positive beats the negatives scored below
	 * it and ties with those at its own score, a tie counting 1/2.
	 */
	for (i = 0; i < n; i++) {
		if (v[i].pos != 0)
			sum_add(&u, v[i].pos * (below + v[i].neg / 2));
		below += v[i].neg;
	}
	return sum_value(&u) / (pos * neg);
}

static void
set(struct mfm_metric_result *r, enum mfm_metric_id id, double num,
    double den, const char *why)
{
	if (den == 0) {
		r->m[id].v = NAN;
		r->m[id].undefined = why;
	} else {
		r->m[id].v = num / den;
		r->m[id].undefined = NULL;
	}
}

void
mfm_metric_acc_compute(const struct mfm_metric_acc *a,
    struct mfm_metric_result *r, struct mfm_buf *scratch)
{
	double pos = a->tp + a->fn, neg = a->fp + a->tn, all = pos + neg;
	int m;

	/* Without labels nothing is defined, and that is the one reason. */
	if (all == 0) {
		for (m = 0; m < MFM_METRIC_COUNT; m++)
			set(r, m, 0, 0, "no labels");
		return;
	}
	if (pos == 0 || neg == 0)
		set(r, MFM_METRIC_AUC, 0, 0, "one class only");
	else
		set(r, MFM_METRIC_AUC, mfm_metric_acc_auc(a, scratch), 1,
		    NULL);
	set(r, MFM_METRIC_PRECISION, a->tp, a->tp + a->fp,
	    "no predicted positives");
	set(r, MFM_METRIC_RECALL, a->tp, pos, "no actual positives");
	set(r, MFM_METRIC_F1, 2 * a->tp, 2 * a->tp + a->fp + a->fn,
	    "no positives");
	set(r, MFM_METRIC_ACCURACY, a->tp + a->tn, all, "no labels");
	set(r, MFM_METRIC_MSE, sum_value(&a->se), all, "no labels");
}
