/*
 * Metric accumulators; see metric.h.
 *
 * The distinct-value tables (scores, label delays) are sorted runs keyed
 * by the value's bits, with the values added since the last merge kept
 * aside in arrival order: appending is a sequential write where a hash
 * probe was a cache miss a record, and a value's weights are summed in
 * the order they came, as a hash entry's were.  Every metric is computed
 * from the sorted table, in that order, so equal tables give equal bits
 * whatever order the records came in.
 *
 * ROC AUC is the Mann-Whitney statistic over the sorted distinct scores:
 * each positive counts the negatives below its score plus half of those
 * tied with it, which is exactly the area under the trapezoidal ROC
 * curve that scikit-learn's roc_auc_score computes.
 * Average precision walks the same scores from the top, one step per
 * distinct score, as scikit-learn's average_precision_score does.
 * Intervals: Wilson's for proportions, DeLong's for the AUC (its
 * structural components are constant within a distinct score, so one
 * pass over the table suffices), or a percentile bootstrap that
 * resamples the table itself with Poisson weights.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/metric.h"
#include "lib/banned.h"


static const char *const names[MFM_METRIC_COUNT] = {
	"auc", "precision", "recall", "f1", "accuracy", "mse",
	"pr_auc", "log_loss", "brier", "specificity", "fpr", "fnr",
	"f0_5", "f2", "fbeta", "mcc", "balanced_accuracy",
	"tp", "fp", "tn", "fn", "prevalence", "positive_rate",
	"rmse", "mae", "r2", "mape", "max_error", "mean_error", "msle",
	"precision_macro", "recall_macro", "f1_macro",
	"precision_micro", "recall_micro", "f1_micro",
	"precision_weighted", "recall_weighted", "f1_weighted",
	"label_coverage", "label_delay_p50", "label_delay_p95",
	"label_delay_max"
};

static const char *const task_names[] = {
	"binary", "regression", "multiclass"
};

const char *
mfm_metric_name(enum mfm_metric_id id)
{
	return (unsigned)id < MFM_METRIC_COUNT ? names[id] : NULL;
}

int
mfm_metric_lookup(const char *name, size_t len)
{
	int m;

	for (m = 0; m < MFM_METRIC_COUNT; m++)
		if (strlen(names[m]) == len && memcmp(names[m], name, len) == 0)
			return m;
	return -1;
}

int
mfm_metric_applies(enum mfm_metric_task task, enum mfm_metric_id id)
{
	if (id >= MFM_METRIC_LABEL_COVERAGE && id < MFM_METRIC_COUNT)
		return 1;
	switch (task) {
	case MFM_METRIC_BINARY:
		return id <= MFM_METRIC_POSITIVE_RATE;
	case MFM_METRIC_REGRESSION:
		return id == MFM_METRIC_MSE ||
		    (id >= MFM_METRIC_RMSE && id <= MFM_METRIC_MSLE);
	case MFM_METRIC_MULTICLASS:
		return id == MFM_METRIC_ACCURACY ||
		    (id >= MFM_METRIC_PRECISION_MACRO &&
		    id <= MFM_METRIC_F1_WEIGHTED);
	}
	return 0;
}

const char *
mfm_metric_task_name(enum mfm_metric_task task)
{
	return task_names[task];
}

int
mfm_metric_task_lookup(const char *name)
{
	int t;

	for (t = 0; t < 3; t++)
		if (strcmp(task_names[t], name) == 0)
			return t;
	return -1;
}

void
mfm_metric_conf_init(struct mfm_metric_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->task = MFM_METRIC_BINARY;
	c->threshold = 0.5;
	c->beta = 1;
	c->max_classes = 256;
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

void
mfm_metric_xsum_add(struct mfm_metric_xsum *s, double x)
{
	double y, hi, lo, t;
	int i, k;

	/*
	 * Fold x into the partials smallest first; each step splits a sum
	 * into its rounded value and the exact error, keeping the errors
	 * that are not zero.  The partials stay non-overlapping, so there
	 * are at most about 40 of them for any doubles.
	 */
	for (i = 0, k = 0; k < s->n; k++) {
		y = s->p[k];
		if (fabs(x) < fabs(y)) {
			t = x;
			x = y;
			y = t;
		}
		hi = x + y;
		lo = y - (hi - x);
		if (lo != 0)
			s->p[i++] = lo;
		x = hi;
	}
	if (i == MFM_METRIC_XSUM_MAX) {
		/* Cannot happen with finite doubles; stay safe anyway. */
		s->p[i - 1] += x;
		s->n = i;
		return;
	}
	s->p[i++] = x;
	s->n = i;
}

double
mfm_metric_xsum_value(const struct mfm_metric_xsum *s)
{
	double hi, lo = 0, x, y, yr;
	int k;

	if (s->n == 0)
		return 0;
	/* Add from the largest down until the sum absorbs a remainder. */
	k = s->n - 1;
	hi = s->p[k];
	while (k > 0) {
		x = hi;
		y = s->p[--k];
		hi = x + y;
		yr = hi - x;
		lo = y - yr;
		if (lo != 0)
			break;
	}
	/*
	 * Round half to even went the wrong way if the remainder below lo
	 * pushes past the halfway point: correct hi by one ulp then.
	 */
	if (k > 0 && ((lo < 0 && s->p[k - 1] < 0) ||
	    (lo > 0 && s->p[k - 1] > 0))) {
		y = lo * 2;
		x = hi + y;
		yr = x - hi;
		if (y == yr)
			hi = x;
	}
	return hi;
}

static uint64_t
value_bits(double v)
{
	uint64_t k;

	if (v == 0)
		v = 0;	/* -0 == +0: one score, as scikit-learn sees it */
	memcpy(&k, &v, sizeof(k));
	return k;
}

static double
bits_value(uint64_t k)
{
	double v;

	memcpy(&v, &k, sizeof(v));
	return v;
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
			if (mfm_json_double(j, t, &v) != 0)
				return mfm_err_set(err, MFM_ERR_DATA,
				    "field '%s' is out of range", path);
			if (v == 0 || v == 1) {
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

static const struct mfm_metric_conf default_conf = {
	MFM_METRIC_BINARY, 0.5, 1, 0, 0, 0, 256
};

void
mfm_metric_acc_init_conf(struct mfm_metric_acc *a,
    const struct mfm_metric_conf *conf)
{
	memset(a, 0, sizeof(*a));
	a->conf = conf;
	a->threshold = conf->threshold;
	if (conf->task == MFM_METRIC_REGRESSION) {
		a->reg = mfm_xcalloc(1, sizeof(*a->reg));
		a->reg->ymin = INFINITY;
		a->reg->ymax = -INFINITY;
	} else if (conf->task == MFM_METRIC_MULTICLASS) {
		a->mc = mfm_xcalloc(1, sizeof(*a->mc));
		mfm_keymap_init(&a->mc->classes);
	}
}

void
mfm_metric_acc_init(struct mfm_metric_acc *a, double threshold)
{
	mfm_metric_acc_init_conf(a, &default_conf);
	a->threshold = threshold;
}

void
mfm_metric_acc_release(struct mfm_metric_acc *a)
{
	const struct mfm_metric_conf *conf = a->conf;
	double threshold = a->threshold;

	free(a->scores.v);
	free(a->scores.add);
	free(a->delays.v);
	free(a->delays.add);
	free(a->reg);
	if (a->mc != NULL) {
		mfm_keymap_release(&a->mc->classes);
		free(a->mc->cm);
		free(a->mc);
	}
	memset(a, 0, sizeof(*a));
	a->conf = conf;
	a->threshold = threshold;
}

void
mfm_metric_acc_clear(struct mfm_metric_acc *a)
{
	struct mfm_metric_scores scores = a->scores;
	struct mfm_metric_counts delays = a->delays;
	const struct mfm_metric_conf *conf = a->conf;
	double threshold = a->threshold;

	if (a->reg != NULL || a->mc != NULL) {
		mfm_metric_acc_release(a);
		mfm_metric_acc_init_conf(a, conf);
		a->threshold = threshold;
		return;
	}
	memset(a, 0, sizeof(*a));
	a->conf = conf;
	a->threshold = threshold;
	a->scores = scores;
	a->delays = delays;
	a->scores.n = 0;
	a->scores.nadd = 0;
	a->delays.n = 0;
	a->delays.nadd = 0;
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

/*
 * Sort n counts by value, stably (equal values keep their arrival
 * order, so their counts are summed in it): insertion below 64, else an
 * LSD radix sort on the order keys, 8 bits a pass, between v and tmp,
 * skipping a pass in which every key has the same digit.
 */
static void
sort_counts(struct mfm_metric_count *v, struct mfm_metric_count *tmp,
    size_t n)
{
	struct mfm_metric_count *src = v, *dst = tmp, *sw, x;
	size_t count[8][256], i, j, d, sum, c;
	uint64_t k;
	unsigned shift;

	if (n < 64) {
		for (i = 1; i < n; i++) {
			x = v[i];
			k = order_key(x.key);
			for (j = i; j > 0 && order_key(v[j - 1].key) > k; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		return;
	}
	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++) {
		k = order_key(v[i].key);
		for (d = 0; d < 8; d++)
			count[d][(k >> (8 * d)) & 255]++;
	}
	for (d = 0; d < 8; d++) {
		shift = 8 * (unsigned)d;
		if (count[d][(order_key(v[0].key) >> shift) & 255] == n)
			continue;
		for (sum = 0, i = 0; i < 256; i++) {
			c = count[d][i];
			count[d][i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++) {
			k = order_key(src[i].key);
			dst[count[d][(k >> shift) & 255]++] = src[i];
		}
		sw = src;
		src = dst;
		dst = sw;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
}

/*
 * Merge the sorted distinct v[0..n) and the sorted b[0..nb) into out,
 * one entry a value: a value's count is v's, then b's counts added in
 * their order, the same additions in the same order as counting every
 * value into one total as it came.  Returns the entries written.
 */
static size_t
merge_counts(const struct mfm_metric_count *v, size_t n,
    const struct mfm_metric_count *b, size_t nb,
    struct mfm_metric_count *out)
{
	size_t i = 0, j = 0, m = 0;
	uint64_t kv, kb;

	while (i < n || j < nb) {
		kv = i < n ? order_key(v[i].key) : UINT64_MAX;
		kb = j < nb ? order_key(b[j].key) : UINT64_MAX;
		if (i < n && (j == nb || kv <= kb))
			out[m] = v[i++];
		else {
			out[m].key = b[j].key;
			out[m].n = 0;
		}
		while (j < nb && b[j].key == out[m].key)
			out[m].n += b[j++].n;
		m++;
	}
	return m;
}

/* Values added before a merge, at least: a merge costs the run's size. */
#define COUNTS_BATCH 1024

/* Merge the values added since the last time into the sorted run. */
static void
counts_flush(struct mfm_metric_counts *c)
{
	struct mfm_metric_count *tmp, *out;

	if (c->nadd == 0)
		return;
	tmp = mfm_xreallocarray(NULL, c->nadd, sizeof(*tmp));
	sort_counts(c->add, tmp, c->nadd);
	free(tmp);
	out = mfm_xreallocarray(NULL, c->n + c->nadd, sizeof(*out));
	c->n = merge_counts(c->v, c->n, c->add, c->nadd, out);
	free(c->v);
	c->v = out;
	c->nadd = 0;
	/*
	 * The next batch is half the run at least: let it grow again
	 * rather than hold a buffer that large between batches.
	 */
	if (c->capadd > COUNTS_BATCH) {
		free(c->add);
		c->add = NULL;
		c->capadd = 0;
	}
}

static void
counts_add(struct mfm_metric_counts *c, uint64_t key, double n)
{
	if (c->nadd == c->capadd) {
		c->capadd = c->capadd ? c->capadd * 2 : 16;
		c->add = mfm_xreallocarray(c->add, c->capadd, sizeof(*c->add));
	}
	c->add[c->nadd].key = key;
	c->add[c->nadd].n = n;
	c->nadd++;
	if (c->nadd >= COUNTS_BATCH && c->nadd >= c->n / 2)
		counts_flush(c);
}

/*
 * The distinct values of c, sorted, and their number in *np: c's run
 * itself when nothing waits to be merged, else built in scratch.
 */
static const struct mfm_metric_count *
counts_sorted(const struct mfm_metric_counts *c, struct mfm_buf *scratch,
    size_t *np)
{
	struct mfm_metric_count *b, *out;

	if (c->nadd == 0) {
		*np = c->n;
		return c->v;
	}
	/* No overflow: n + nadd entries exist already. */
	mfm_buf_clear(scratch);
	mfm_buf_grow(scratch, (2 * c->nadd + c->n + c->nadd) * sizeof(*b));
	b = (struct mfm_metric_count *)(void *)scratch->p;
	out = b + 2 * c->nadd;
	memcpy(b, c->add, c->nadd * sizeof(*b));
	sort_counts(b, b + c->nadd, c->nadd);
	*np = merge_counts(c->v, c->n, b, c->nadd, out);
	return out;
}

/* Add src's counts into dst, each distinct value's total at once. */
static void
counts_merge(struct mfm_metric_counts *dst,
    const struct mfm_metric_counts *src)
{
	struct mfm_buf scratch = MFM_BUF_INIT;
	const struct mfm_metric_count *v;
	size_t i, n;

	v = counts_sorted(src, &scratch, &n);
	for (i = 0; i < n; i++)
		counts_add(dst, v[i].key, v[i].n);
	mfm_buf_release(&scratch);
}

/* sort_counts for scores. */
static void
sort_scores(struct mfm_metric_score *v, struct mfm_metric_score *tmp,
    size_t n)
{
	struct mfm_metric_score *src = v, *dst = tmp, *sw, x;
	size_t count[8][256], i, j, d, sum, c;
	uint64_t k;
	unsigned shift;

	if (n < 64) {
		for (i = 1; i < n; i++) {
			x = v[i];
			k = order_key(x.key);
			for (j = i; j > 0 && order_key(v[j - 1].key) > k; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		return;
	}
	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++) {
		k = order_key(v[i].key);
		for (d = 0; d < 8; d++)
			count[d][(k >> (8 * d)) & 255]++;
	}
	for (d = 0; d < 8; d++) {
		shift = 8 * (unsigned)d;
		if (count[d][(order_key(v[0].key) >> shift) & 255] == n)
			continue;
		for (sum = 0, i = 0; i < 256; i++) {
			c = count[d][i];
			count[d][i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++) {
			k = order_key(src[i].key);
			dst[count[d][(k >> shift) & 255]++] = src[i];
		}
		sw = src;
		src = dst;
		dst = sw;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
}

/*
 * merge_counts for scores: each weight is v's, then b's added in their
 * order, as a hash entry's would be (adding the zeros of the other
 * labels changes no bit: a sum of weights is never -0).
 */
static size_t
merge_scores(const struct mfm_metric_score *v, size_t n,
    const struct mfm_metric_score *b, size_t nb,
    struct mfm_metric_score *out)
{
	size_t i = 0, j = 0, m = 0;
	uint64_t kv, kb;

	while (i < n || j < nb) {
		kv = i < n ? order_key(v[i].key) : UINT64_MAX;
		kb = j < nb ? order_key(b[j].key) : UINT64_MAX;
		if (i < n && (j == nb || kv <= kb))
			out[m] = v[i++];
		else {
			out[m].key = b[j].key;
			out[m].pos = out[m].neg = out[m].unl = 0;
		}
		for (; j < nb && b[j].key == out[m].key; j++) {
			out[m].pos += b[j].pos;
			out[m].neg += b[j].neg;
			out[m].unl += b[j].unl;
		}
		m++;
	}
	return m;
}

static void
scores_flush(struct mfm_metric_scores *c)
{
	struct mfm_metric_score *tmp, *out;

	if (c->nadd == 0)
		return;
	tmp = mfm_xreallocarray(NULL, c->nadd, sizeof(*tmp));
	sort_scores(c->add, tmp, c->nadd);
	free(tmp);
	out = mfm_xreallocarray(NULL, c->n + c->nadd, sizeof(*out));
	c->n = merge_scores(c->v, c->n, c->add, c->nadd, out);
	free(c->v);
	c->v = out;
	c->nadd = 0;
	/*
	 * The next batch is half the run at least: let it grow again
	 * rather than hold a buffer that large between batches.
	 */
	if (c->capadd > COUNTS_BATCH) {
		free(c->add);
		c->add = NULL;
		c->capadd = 0;
	}
}

static void
scores_add(struct mfm_metric_scores *c, const struct mfm_metric_score *e)
{
	if (c->nadd == c->capadd) {
		c->capadd = c->capadd ? c->capadd * 2 : 16;
		c->add = mfm_xreallocarray(c->add, c->capadd, sizeof(*c->add));
	}
	c->add[c->nadd++] = *e;
	if (c->nadd >= COUNTS_BATCH && c->nadd >= c->n / 2)
		scores_flush(c);
}

/* counts_sorted for scores. */
static const struct mfm_metric_score *
scores_sorted(const struct mfm_metric_scores *c, struct mfm_buf *scratch,
    size_t *np)
{
	struct mfm_metric_score *b, *out;

	if (c->nadd == 0) {
		*np = c->n;
		return c->v;
	}
	/* No overflow: n + nadd entries exist already. */
	mfm_buf_clear(scratch);
	mfm_buf_grow(scratch, (2 * c->nadd + c->n + c->nadd) * sizeof(*b));
	b = (struct mfm_metric_score *)(void *)scratch->p;
	out = b + 2 * c->nadd;
	memcpy(b, c->add, c->nadd * sizeof(*b));
	sort_scores(b, b + c->nadd, c->nadd);
	*np = merge_scores(c->v, c->n, b, c->nadd, out);
	return out;
}

static void
scores_merge(struct mfm_metric_scores *dst,
    const struct mfm_metric_scores *src)
{
	struct mfm_buf scratch = MFM_BUF_INIT;
	const struct mfm_metric_score *v;
	size_t i, n;

	v = scores_sorted(src, &scratch, &n);
	for (i = 0; i < n; i++)
		scores_add(dst, &v[i]);
	mfm_buf_release(&scratch);
}

size_t
mfm_metric_acc_distinct(const struct mfm_metric_acc *a,
    struct mfm_buf *scratch)
{
	size_t n;

	scores_sorted(&a->scores, scratch, &n);
	return n;
}

int
mfm_metric_acc_addw(struct mfm_metric_acc *a, double score, int label,
    double w, struct mfm_err *err)
{
	struct mfm_metric_score e;
	double y, d;

	if (!isfinite(score))
		return mfm_err_set(err, MFM_ERR_DATA, "score is not finite");
	if (!isfinite(w) || w < 0)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "weight is not a finite number >= 0");
	a->n++;
	e.key = value_bits(score);
	e.pos = e.neg = e.unl = 0;
	if (label == MFM_METRIC_UNLABELLED) {
		e.unl = w;
		scores_add(&a->scores, &e);
		return 0;
	}
	a->labelled++;
	a->npos += label == MFM_METRIC_POS;
	y = label == MFM_METRIC_POS ? 1 : 0;
	if (score >= a->threshold) {
		if (y == 1)
			a->tp += w;
		else
			a->fp += w;
	} else {
		if (y == 1)
			a->fn += w;
		else
			a->tn += w;
	}
	d = score - y;
	sum_add(&a->se, w * d * d);
	if (y == 1)
		e.pos = w;
	else
		e.neg = w;
	scores_add(&a->scores, &e);
	return 0;
}

int
mfm_metric_acc_add(struct mfm_metric_acc *a, double score, int label,
    struct mfm_err *err)
{
	return mfm_metric_acc_addw(a, score, label, 1, err);
}

int
mfm_metric_acc_add_reg(struct mfm_metric_acc *a, double p, double y,
    int has_y, double w, struct mfm_err *err)
{
	struct mfm_metric_reg *r = a->reg;
	double t[MFM_METRIC_RS_COUNT], e;
	int i;

	if (!isfinite(p))
		return mfm_err_set(err, MFM_ERR_DATA, "score is not finite");
	if (!isfinite(w) || w < 0)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "weight is not a finite number >= 0");
	if (!has_y) {
		a->n++;
		return 0;
	}
	if (!isfinite(y))
		return mfm_err_set(err, MFM_ERR_DATA, "label is not finite");
	e = p - y;
	t[MFM_METRIC_RS_W] = w;
	t[MFM_METRIC_RS_E] = w * e;
	t[MFM_METRIC_RS_E2] = w * e * e;
	t[MFM_METRIC_RS_AE] = w * fabs(e);
	t[MFM_METRIC_RS_APE] = w * fabs(e) / fmax(fabs(y), DBL_EPSILON);
	t[MFM_METRIC_RS_LE2] = 0;
	if (p >= 0 && y >= 0) {
		e = log1p(p) - log1p(y);
		t[MFM_METRIC_RS_LE2] = w * e * e;
	}
	t[MFM_METRIC_RS_Y] = w * y;
	t[MFM_METRIC_RS_Y2] = w * y * y;
	for (i = 0; i < MFM_METRIC_RS_COUNT; i++)
		if (!isfinite(t[i]))
			return mfm_err_set(err, MFM_ERR_DATA, "overflow: a "
			    "weighted term of score and label is beyond the "
			    "range of a double");
	a->n++;
	a->labelled++;
	for (i = 0; i < MFM_METRIC_RS_COUNT; i++)
		mfm_metric_xsum_add(&r->s[i], t[i]);
	if (fabs(p - y) > r->max_ae)
		r->max_ae = fabs(p - y);
	if (y < r->ymin)
		r->ymin = y;
	if (y > r->ymax)
		r->ymax = y;
	if (p < 0 || y < 0)
		r->negative++;
	return 0;
}

/* The index of class c, added if new; -1 past the cap. */
static long
mc_class(struct mfm_metric_acc *a, const char *c, size_t len,
    struct mfm_err *err)
{
	struct mfm_metric_mc *mc = a->mc;
	size_t *v, i, ncap;
	double *cm;
	int isnew;

	v = mfm_keymap_find(&mc->classes, c, len);
	if (v != NULL)
		return (long)*v;
	if (mc->k >= a->conf->max_classes) {
		mfm_err_limit(err, MFM_CAP_CLASSES, "more than %zu classes",
		    a->conf->max_classes);
		return -1;
	}
	v = mfm_keymap_put(&mc->classes, c, len, &isnew);
	*v = mc->k++;
	if (mc->k > mc->kcap) {
		ncap = mc->kcap ? mc->kcap * 2 : 4;
		cm = mfm_xcalloc(ncap * ncap, sizeof(*cm));
		for (i = 0; i < mc->kcap; i++)
			memcpy(cm + i * ncap, mc->cm + i * mc->kcap,
			    mc->kcap * sizeof(*cm));
		free(mc->cm);
		mc->cm = cm;
		mc->kcap = ncap;
	}
	return (long)(mc->k - 1);
}

int
mfm_metric_acc_add_mc(struct mfm_metric_acc *a, const char *p, size_t plen,
    const char *y, size_t ylen, double w, struct mfm_err *err)
{
	long ip, iy;

	if (!isfinite(w) || w < 0)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "weight is not a finite number >= 0");
	if (y == NULL) {
		a->n++;
		return 0;
	}
	/* Classes come from labelled records only, as scikit-learn sees. */
	if ((iy = mc_class(a, y, ylen, err)) < 0 ||
	    (ip = mc_class(a, p, plen, err)) < 0)
		return -1;
	a->n++;
	a->labelled++;
	a->mc->cm[(size_t)iy * a->mc->kcap + (size_t)ip] += w;
	return 0;
}

void
mfm_metric_acc_add_delay(struct mfm_metric_acc *a, double delay)
{
	counts_add(&a->delays, value_bits(delay), 1);
}

int
mfm_metric_acc_merge(struct mfm_metric_acc *dst,
    const struct mfm_metric_acc *src, struct mfm_err *err)
{
	const char *c;
	size_t i, k, len, *v, kk;
	long *map;
	int r, s;

	/* Same bits, so that -0 and NaN compare the way they were set. */
	if (memcmp(&dst->threshold, &src->threshold, sizeof(double)) != 0)
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "cannot merge counts taken at different thresholds");
	if ((dst->reg == NULL) != (src->reg == NULL) ||
	    (dst->mc == NULL) != (src->mc == NULL))
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "cannot merge counts of different tasks");
	if (src->mc != NULL) {
		/* Map src's class numbers to dst's, adding new classes. */
		kk = src->mc->k;
		map = mfm_xreallocarray(NULL, kk ? kk : 1, sizeof(*map));
		for (i = 0; i < src->mc->classes.nslot; i++) {
			if (!src->mc->classes.slot[i].used)
				continue;
			v = &src->mc->classes.slot[i].value;
			c = mfm_keymap_key(&src->mc->classes, v, &len);
			map[*v] = mc_class(dst, c, len, err);
			if (map[*v] < 0) {
				free(map);
				return -1;
			}
		}
		for (r = 0; (size_t)r < kk; r++)
			for (s = 0; (size_t)s < kk; s++)
				dst->mc->cm[(size_t)map[r] * dst->mc->kcap +
				    (size_t)map[s]] +=
				    src->mc->cm[(size_t)r * src->mc->kcap +
				    (size_t)s];
		free(map);
	}
	if (src->reg != NULL) {
		for (k = 0; k < MFM_METRIC_RS_COUNT; k++)
			for (s = 0; s < src->reg->s[k].n; s++)
				mfm_metric_xsum_add(&dst->reg->s[k],
				    src->reg->s[k].p[s]);
		dst->reg->max_ae = fmax(dst->reg->max_ae, src->reg->max_ae);
		dst->reg->ymin = fmin(dst->reg->ymin, src->reg->ymin);
		dst->reg->ymax = fmax(dst->reg->ymax, src->reg->ymax);
		dst->reg->negative += src->reg->negative;
	}
	dst->n += src->n;
	dst->labelled += src->labelled;
	dst->npos += src->npos;
	dst->tp += src->tp;
	dst->fp += src->fp;
	dst->tn += src->tn;
	dst->fn += src->fn;
	sum_add(&dst->se, src->se.s);
	sum_add(&dst->se, src->se.c);
	scores_merge(&dst->scores, &src->scores);
	counts_merge(&dst->delays, &src->delays);
	return 0;
}

/* Sums over a sorted score table, in its order. */
struct bin {
	double pos, neg, unl;		/* class weights */
	double tp, fp, tn, fn;		/* at the threshold */
	double predpos;		/* predicted positive, labelled or not */
	double auc, ap, ll, se, auc_var;
	int outside;			/* a labelled score outside [0, 1] */
};

/*
 * The Mann-Whitney AUC from each score's share of the positives and of
 * the negatives, for weights whose products overflow: every term is at
 * most 1.  Only then, so that other weights keep their bits.
 */
static double
auc_of_shares(const struct mfm_metric_score *v, size_t n, double pos,
    double neg)
{
	struct mfm_metric_sum u = { 0, 0 };
	double below = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].pos != 0)
			sum_add(&u, v[i].pos / pos * (below + v[i].neg / neg / 2));
		below += v[i].neg / neg;
	}
	return sum_value(&u);
}

static void
bin_sums(const struct mfm_metric_acc *a, const struct mfm_metric_score *v,
    size_t n, struct bin *b)
{
	struct mfm_metric_sum u = { 0, 0 }, ll = { 0, 0 }, se = { 0, 0 };
	struct mfm_metric_sum ap = { 0, 0 }, s10 = { 0, 0 }, s01 = { 0, 0 };
	double below = 0, above, tps = 0, fps = 0, prev_r = 0, s, p, d;
	double eps = DBL_EPSILON;
	size_t i;

	memset(b, 0, sizeof(*b));
	for (i = 0; i < n; i++) {
		s = bits_value(v[i].key);
		b->pos += v[i].pos;
		b->neg += v[i].neg;
		b->unl += v[i].unl;
		if (s >= a->threshold) {
			b->tp += v[i].pos;
			b->fp += v[i].neg;
			b->predpos += v[i].pos + v[i].neg + v[i].unl;
		} else {
			b->fn += v[i].pos;
			b->tn += v[i].neg;
		}
		if (v[i].pos == 0 && v[i].neg == 0)
			continue;
		if (s < 0 || s > 1)
			b->outside = 1;
		/* log loss as scikit-learn clips: to [eps, 1 - eps] */
		p = fmin(fmax(s, eps), 1 - eps);
		if (v[i].pos != 0)
			sum_add(&ll, -v[i].pos * log(p));
		if (v[i].neg != 0)
			sum_add(&ll, -v[i].neg * log(1 - p));
		sum_add(&se, v[i].pos * (1 - s) * (1 - s) + v[i].neg * s * s);
		/*
		 * Mann-Whitney U: each positive beats the negatives scored
		 * below it and ties with those at its own score, 1/2 each.
		 */
		if (v[i].pos != 0)
			sum_add(&u, v[i].pos * (below + v[i].neg / 2));
		below += v[i].neg;
	}
	b->ll = sum_value(&ll);
	b->se = sum_value(&se);
	b->auc = NAN;
	if (b->pos > 0 && b->neg > 0) {
		b->auc = sum_value(&u) / (b->pos * b->neg);
		/* Weights so large that U or P * N overflow: shares instead. */
		if (!isfinite(b->auc) || !isfinite(b->pos * b->neg))
			b->auc = auc_of_shares(v, n, b->pos, b->neg);
	}
	/* Average precision: from the top score down, one step a score. */
	for (i = n; i-- > 0;) {
		if (v[i].pos == 0 && v[i].neg == 0)
			continue;
		tps += v[i].pos;
		fps += v[i].neg;
		if (b->pos > 0 && v[i].pos != 0) {
			d = tps / b->pos;
			sum_add(&ap, (d - prev_r) * (tps / (tps + fps)));
			prev_r = d;
		}
	}
	b->ap = sum_value(&ap);
	/*
	 * DeLong: the variance of the AUC from its structural components,
	 * V10 of each positive (share of negatives it beats) and V01 of
	 * each negative (share of positives that beat it).
	 */
	b->auc_var = NAN;
	if (a->conf->ci && b->pos > 1 && b->neg > 1) {
		below = 0;
		above = b->pos;
		for (i = 0; i < n; i++) {
			above -= v[i].pos;
			if (v[i].pos != 0) {
				d = (below + v[i].neg / 2) / b->neg - b->auc;
				sum_add(&s10, v[i].pos * d * d);
			}
			if (v[i].neg != 0) {
				d = (above + v[i].pos / 2) / b->pos - b->auc;
				sum_add(&s01, v[i].neg * d * d);
			}
			below += v[i].neg;
		}
		b->auc_var = sum_value(&s10) / (b->pos - 1) / b->pos +
		    sum_value(&s01) / (b->neg - 1) / b->neg;
	}
}

double
mfm_metric_acc_auc(const struct mfm_metric_acc *a, struct mfm_buf *scratch)
{
	const struct mfm_metric_score *v;
	struct bin b;
	size_t n;

	v = scores_sorted(&a->scores, scratch, &n);
	bin_sums(a, v, n, &b);
	return b.auc;
}

void
mfm_metric_wilson(double k, double n, double *lo, double *hi)
{
	double z = MFM_METRIC_Z95, p = k / n, z2n = z * z / n;
	double c, h;

	c = (p + z2n / 2) / (1 + z2n);
	h = z / (1 + z2n) * sqrt(p * (1 - p) / n + z2n / (4 * n));
	*lo = fmax(c - h, 0);
	*hi = fmin(c + h, 1);
}

static void
set(struct mfm_metric_result *r, enum mfm_metric_id id, double num,
    double den, const char *why)
{
	if (den == 0 || why == NULL) {
		r->m[id].v = NAN;
		r->m[id].undefined = why != NULL ? why : "undefined";
	} else {
		r->m[id].v = num / den;
		r->m[id].undefined = NULL;
	}
}

static void
setv(struct mfm_metric_result *r, enum mfm_metric_id id, double v)
{
	r->m[id].v = v;
	r->m[id].undefined = NULL;
}

static void
undef(struct mfm_metric_result *r, enum mfm_metric_id id, const char *why)
{
	r->m[id].v = NAN;
	r->m[id].undefined = why;
}

/* A proportion k/n with its Wilson interval when asked for. */
static void
prop(const struct mfm_metric_acc *a, struct mfm_metric_result *r,
    enum mfm_metric_id id, double k, double n, const char *why)
{
	set(r, id, k, n, why);
	if (a->conf->ci && n > 0)
		mfm_metric_wilson(k, n, &r->m[id].lo, &r->m[id].hi);
}

static void
fbeta(struct mfm_metric_result *r, enum mfm_metric_id id, double beta,
    const struct bin *b)
{
	double b2 = beta * beta, all = b->pos + b->neg;
	double tp = b->tp, fn = b->fn, fp = b->fp;

	/* Counts so large that the sum overflows: shares of all instead. */
	if (!isfinite((1 + b2) * tp + b2 * fn + fp)) {
		tp /= all;
		fn /= all;
		fp /= all;
	}
	set(r, id, (1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp,
	    "no positives");
}

/*
 * Matthews' correlation.  Its products overflow for counts near 1e77:
 * then it is computed from shares of all, each factor of the
 * denominator under its own square root.
 */
static void
mcc(struct mfm_metric_result *r, const struct bin *b)
{
	double all = b->pos + b->neg, num, den;
	double tp = b->tp, fp = b->fp, tn = b->tn, fn = b->fn;

	num = tp * tn - fp * fn;
	den = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn);
	if (isfinite(num) && isfinite(den)) {
		set(r, MFM_METRIC_MCC, num, sqrt(den),
		    "one class or one predicted class only");
		return;
	}
	tp /= all;
	fp /= all;
	tn /= all;
	fn /= all;
	set(r, MFM_METRIC_MCC, tp * tn - fp * fn, sqrt(tp + fp) *
	    sqrt(tp + fn) * sqrt(tn + fp) * sqrt(tn + fn),
	    "one class or one predicted class only");
}

/*
 * A value that overflowed (a sum or product beyond the range of a
 * double made it infinite or NaN) is null with its reason, never NaN or
 * a wrong number.
 */
#define OVERFLOW "overflow"

static void
overflowed(struct mfm_metric_result *r)
{
	int m;

	for (m = 0; m < MFM_METRIC_COUNT; m++)
		if (r->m[m].undefined == NULL && !isfinite(r->m[m].v))
			undef(r, m, OVERFLOW);
}

/* The binary metrics of the sorted table v[0..n). */
static void
binary_of(const struct mfm_metric_acc *a, const struct mfm_metric_score *v,
    size_t n, struct mfm_metric_result *r)
{
	struct bin b;
	double all, h;

	bin_sums(a, v, n, &b);
	all = b.pos + b.neg;
	if (isfinite(all + b.unl))
		prop(a, r, MFM_METRIC_POSITIVE_RATE, b.predpos, all + b.unl,
		    "zero total weight");
	else
		undef(r, MFM_METRIC_POSITIVE_RATE, OVERFLOW);
	/* Weights whose sum overflows: every count and share is wrong. */
	if (all == 0 || a->labelled < a->conf->min_support ||
	    !isfinite(all)) {
		const char *why = all == 0 ? "no labels" :
		    a->labelled < a->conf->min_support ? "below min support" :
		    OVERFLOW;
		int m;

		for (m = 0; m <= MFM_METRIC_PREVALENCE; m++)
			undef(r, m, why);
		return;
	}
	if (b.pos == 0 || b.neg == 0) {
		undef(r, MFM_METRIC_AUC, "one class only");
		undef(r, MFM_METRIC_BALANCED_ACCURACY, "one class only");
	} else {
		setv(r, MFM_METRIC_AUC, b.auc);
		if (isfinite(b.auc_var)) {
			h = MFM_METRIC_Z95 * sqrt(b.auc_var);
			r->m[MFM_METRIC_AUC].lo = fmax(b.auc - h, 0);
			r->m[MFM_METRIC_AUC].hi = fmin(b.auc + h, 1);
		}
		setv(r, MFM_METRIC_BALANCED_ACCURACY,
		    (b.tp / b.pos + b.tn / b.neg) / 2);
	}
	if (b.pos == 0)
		undef(r, MFM_METRIC_PR_AUC, "no actual positives");
	else
		setv(r, MFM_METRIC_PR_AUC, b.ap);
	if (b.outside) {
		undef(r, MFM_METRIC_LOG_LOSS, "scores outside [0, 1]");
		undef(r, MFM_METRIC_BRIER, "scores outside [0, 1]");
	} else {
		set(r, MFM_METRIC_LOG_LOSS, b.ll, all, "no labels");
		set(r, MFM_METRIC_BRIER, b.se, all, "no labels");
	}
	set(r, MFM_METRIC_MSE, b.se, all, "no labels");
	prop(a, r, MFM_METRIC_ACCURACY, b.tp + b.tn, all, "no labels");
	prop(a, r, MFM_METRIC_PRECISION, b.tp, b.tp + b.fp,
	    "no predicted positives");
	prop(a, r, MFM_METRIC_RECALL, b.tp, b.pos, "no actual positives");
	prop(a, r, MFM_METRIC_SPECIFICITY, b.tn, b.neg,
	    "no actual negatives");
	prop(a, r, MFM_METRIC_FPR, b.fp, b.neg, "no actual negatives");
	prop(a, r, MFM_METRIC_FNR, b.fn, b.pos, "no actual positives");
	fbeta(r, MFM_METRIC_F1, 1, &b);
	fbeta(r, MFM_METRIC_F0_5, 0.5, &b);
	fbeta(r, MFM_METRIC_F2, 2, &b);
	fbeta(r, MFM_METRIC_FBETA, a->conf->beta, &b);
	mcc(r, &b);
	setv(r, MFM_METRIC_TP, b.tp);
	setv(r, MFM_METRIC_FP, b.fp);
	setv(r, MFM_METRIC_TN, b.tn);
	setv(r, MFM_METRIC_FN, b.fn);
	prop(a, r, MFM_METRIC_PREVALENCE, b.pos, all, "no labels");
	overflowed(r);
}


/* splitmix64: a small, fast generator; the same seed, the same stream. */
static uint64_t
rng_next(uint64_t *state)
{
	*state += UINT64_C(0x9e3779b97f4a7c15);
	return hash64(*state);
}

static double
rng_unit(uint64_t *state)
{
	return (double)(rng_next(state) >> 11) * 0x1p-53;
}

/*
 * A Poisson variate of mean lambda: Knuth's product of uniforms, in
 * steps of mean 16 at most, so that exp(-step) stays far from 0.  Its
 * cost grows with lambda, so above POISSON_NORMAL (a weight no record
 * count reaches in practice, but sample weights may) the draw is the
 * normal one of the same mean and variance, rounded: a weight of 1e12
 * took 1e12 steps a resample, 1e300 forever.
 */
#define POISSON_NORMAL 4096.0

static double
poisson(uint64_t *state, double lambda)
{
	double k = 0, step, limit, p, z;

	if (!(lambda <= POISSON_NORMAL)) {
		if (!isfinite(lambda))
			return lambda;
		/* Box-Muller; 1 - u is in (0, 1], so its log is finite. */
		z = sqrt(-2 * log(1 - rng_unit(state)));
		z *= cos(2 * M_PI * rng_unit(state));
		return fmax(0, floor(lambda + sqrt(lambda) * z + 0.5));
	}
	while (lambda > 0) {
		step = lambda > 16 ? 16 : lambda;
		lambda -= step;
		limit = exp(-step);
		for (p = rng_unit(state); p > limit; p *= rng_unit(state))
			k++;
	}
	return k;
}

static int
cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

/*
 * Percentile bootstrap: resample the table as a Poisson bootstrap does
 * (each record drawn a Poisson(1) number of times, so a count c becomes
 * a Poisson(c) draw), compute every metric per resample, and take the
 * 2.5th and 97.5th percentiles (nearest rank) of the defined values.  A
 * metric undefined in more than half of the resamples gets no interval.
 * The seed is fixed, so equal states give equal intervals.
 */
static void
bootstrap(const struct mfm_metric_acc *a, const struct mfm_metric_score *v,
    size_t n, struct mfm_metric_result *r)
{
	unsigned nb = a->conf->bootstrap, b;
	struct mfm_metric_score *w;
	struct mfm_metric_result rb;
	uint64_t state = UINT64_C(0x6d666d2d6d657472);
	double *vals;
	size_t i, k, *nv;
	int m;

	w = mfm_xreallocarray(NULL, n ? n : 1, sizeof(*w));
	vals = mfm_xreallocarray(NULL, (size_t)nb * MFM_METRIC_COUNT,
	    sizeof(*vals));
	nv = mfm_xcalloc(MFM_METRIC_COUNT, sizeof(*nv));
	for (b = 0; b < nb; b++) {
		for (i = 0; i < n; i++) {
			w[i].key = v[i].key;
			w[i].pos = poisson(&state, v[i].pos);
			w[i].neg = poisson(&state, v[i].neg);
			w[i].unl = poisson(&state, v[i].unl);
		}
		binary_of(a, w, n, &rb);
		for (m = 0; m <= MFM_METRIC_POSITIVE_RATE; m++)
			if (rb.m[m].undefined == NULL)
				vals[(size_t)m * nb + nv[m]++] = rb.m[m].v;
	}
	for (m = 0; m <= MFM_METRIC_POSITIVE_RATE; m++) {
		r->m[m].lo = r->m[m].hi = NAN;
		k = nv[m];
		if (k == 0 || k * 2 < nb || r->m[m].undefined != NULL)
			continue;
		qsort(vals + (size_t)m * nb, k, sizeof(*vals), cmp_double);
		i = (size_t)ceil(0.025 * (double)k);
		r->m[m].lo = vals[(size_t)m * nb + (i ? i - 1 : 0)];
		i = (size_t)ceil(0.975 * (double)k);
		r->m[m].hi = vals[(size_t)m * nb + (i ? i - 1 : 0)];
	}
	free(w);
	free(vals);
	free(nv);
}

static void
compute_binary(const struct mfm_metric_acc *a, struct mfm_metric_result *r,
    struct mfm_buf *scratch)
{
	const struct mfm_metric_score *v;
	size_t n;

	v = scores_sorted(&a->scores, scratch, &n);
	binary_of(a, v, n, r);
	if (a->conf->bootstrap > 0)
		bootstrap(a, v, n, r);
}

static void
compute_reg(const struct mfm_metric_acc *a, struct mfm_metric_result *r)
{
	const struct mfm_metric_reg *g = a->reg;
	double w, s[MFM_METRIC_RS_COUNT], sst;
	const char *why = NULL;
	int m;

	for (m = 0; m < MFM_METRIC_RS_COUNT; m++)
		s[m] = mfm_metric_xsum_value(&g->s[m]);
	w = s[MFM_METRIC_RS_W];
	if (a->labelled == 0 || w == 0)
		why = "no labels";
	else if (a->labelled < a->conf->min_support)
		why = "below min support";
	else if (!isfinite(w))
		why = OVERFLOW;		/* the sum of the weights */
	if (why != NULL) {
		undef(r, MFM_METRIC_MSE, why);
		for (m = MFM_METRIC_RMSE; m <= MFM_METRIC_MSLE; m++)
			undef(r, m, why);
		if (strcmp(why, OVERFLOW) == 0)	/* not weighted: known */
			setv(r, MFM_METRIC_MAX_ERROR, g->max_ae);
		return;
	}
	setv(r, MFM_METRIC_MSE, s[MFM_METRIC_RS_E2] / w);
	setv(r, MFM_METRIC_RMSE, sqrt(s[MFM_METRIC_RS_E2] / w));
	setv(r, MFM_METRIC_MAE, s[MFM_METRIC_RS_AE] / w);
	setv(r, MFM_METRIC_MAPE, s[MFM_METRIC_RS_APE] / w);
	setv(r, MFM_METRIC_MAX_ERROR, g->max_ae);
	setv(r, MFM_METRIC_MEAN_ERROR, s[MFM_METRIC_RS_E] / w);
	if (g->negative > 0)
		undef(r, MFM_METRIC_MSLE, "negative values");
	else
		setv(r, MFM_METRIC_MSLE, s[MFM_METRIC_RS_LE2] / w);
	sst = s[MFM_METRIC_RS_Y2] - s[MFM_METRIC_RS_Y] * s[MFM_METRIC_RS_Y] /
	    w;
	/* Sum(w y) squared may overflow where its mean times it does not. */
	if (!isfinite(s[MFM_METRIC_RS_Y] * s[MFM_METRIC_RS_Y]))
		sst = s[MFM_METRIC_RS_Y2] - s[MFM_METRIC_RS_Y] *
		    (s[MFM_METRIC_RS_Y] / w);
	if (a->labelled < 2)
		undef(r, MFM_METRIC_R2, "fewer than two labels");
	else if (g->ymin == g->ymax)
		undef(r, MFM_METRIC_R2, "constant labels");
	else if (!isfinite(sst) || !isfinite(s[MFM_METRIC_RS_E2]))
		undef(r, MFM_METRIC_R2, OVERFLOW);
	else if (sst <= 0)
		undef(r, MFM_METRIC_R2, "constant labels");
	else
		setv(r, MFM_METRIC_R2, 1 - s[MFM_METRIC_RS_E2] / sst);
}

/* qsort has no context argument; a file-scope pointer stands in. */
static const struct mfm_keymap *sort_classes;

/* Order class value pointers by the bytes of their class text. */
static int
cmp_class_q(const void *pa, const void *pb)
{
	const size_t *a = *(const size_t *const *)pa;
	const size_t *b = *(const size_t *const *)pb;
	const char *ka, *kb;
	size_t la, lb;
	int c;

	ka = mfm_keymap_key(sort_classes, a, &la);
	kb = mfm_keymap_key(sort_classes, b, &lb);
	c = memcmp(ka, kb, la < lb ? la : lb);
	return c != 0 ? c : (la > lb) - (la < lb);
}

static void
compute_mc(const struct mfm_metric_acc *a, struct mfm_metric_result *r,
    struct mfm_buf *scratch)
{
	const struct mfm_metric_mc *mc = a->mc;
	const size_t **ord;
	struct mfm_metric_sum acc = { 0, 0 }, all = { 0, 0 };
	struct mfm_metric_sum pm = { 0, 0 }, rm = { 0, 0 }, fm = { 0, 0 };
	struct mfm_metric_sum pw = { 0, 0 }, rw = { 0, 0 }, fw = { 0, 0 };
	double tp, pred, truth, p, rc, f, total;
	size_t i, k, c, n = 0;
	const char *why = NULL;
	int m;

	mfm_buf_clear(scratch);
	mfm_buf_grow(scratch, (mc->k + 1) * sizeof(*ord));
	ord = (const size_t **)(void *)scratch->p;
	for (i = 0; i < mc->classes.nslot; i++)
		if (mc->classes.slot[i].used)
			ord[n++] = &mc->classes.slot[i].value;
	sort_classes = &mc->classes;
	qsort(ord, n, sizeof(*ord), cmp_class_q);
	for (i = 0; i < n; i++)
		for (k = 0; k < n; k++)
			sum_add(&all, mc->cm[*ord[i] * mc->kcap + *ord[k]]);
	total = sum_value(&all);
	if (a->labelled == 0 || total == 0)
		why = "no labels";
	else if (a->labelled < a->conf->min_support)
		why = "below min support";
	else if (!isfinite(total))
		why = OVERFLOW;		/* the sum of the weights */
	if (why != NULL) {
		undef(r, MFM_METRIC_ACCURACY, why);
		for (m = MFM_METRIC_PRECISION_MACRO;
		    m <= MFM_METRIC_F1_WEIGHTED; m++)
			undef(r, m, why);
		return;
	}
	/*
	 * Per class in class order; a class never predicted has precision
	 * 0 and one never true recall 0, as scikit-learn counts them.
	 */
	for (i = 0; i < n; i++) {
		c = *ord[i];
		tp = mc->cm[c * mc->kcap + c];
		pred = truth = 0;
		for (k = 0; k < n; k++) {
			pred += mc->cm[*ord[k] * mc->kcap + c];
			truth += mc->cm[c * mc->kcap + *ord[k]];
		}
		p = pred > 0 ? tp / pred : 0;
		rc = truth > 0 ? tp / truth : 0;
		f = p + rc > 0 ? 2 * p * rc / (p + rc) : 0;
		sum_add(&acc, tp);
		sum_add(&pm, p);
		sum_add(&rm, rc);
		sum_add(&fm, f);
		sum_add(&pw, truth * p);
		sum_add(&rw, truth * rc);
		sum_add(&fw, truth * f);
	}
	p = sum_value(&acc) / total;
	prop(a, r, MFM_METRIC_ACCURACY, sum_value(&acc), total, "no labels");
	setv(r, MFM_METRIC_PRECISION_MICRO, p);
	setv(r, MFM_METRIC_RECALL_MICRO, p);
	setv(r, MFM_METRIC_F1_MICRO, p);
	setv(r, MFM_METRIC_PRECISION_MACRO, sum_value(&pm) / (double)n);
	setv(r, MFM_METRIC_RECALL_MACRO, sum_value(&rm) / (double)n);
	setv(r, MFM_METRIC_F1_MACRO, sum_value(&fm) / (double)n);
	setv(r, MFM_METRIC_PRECISION_WEIGHTED, sum_value(&pw) / total);
	setv(r, MFM_METRIC_RECALL_WEIGHTED, sum_value(&rw) / total);
	setv(r, MFM_METRIC_F1_WEIGHTED, sum_value(&fw) / total);
}

/* Nearest-rank percentile q of the delays: the smallest d with F(d) >= q. */
static double
percentile(const struct mfm_metric_count *v, size_t n, double total, double q)
{
	double want = ceil(q * total), cum = 0;
	size_t i;

	if (want < 1)
		want = 1;
	for (i = 0; i < n; i++) {
		cum += v[i].n;
		if (cum >= want)
			return bits_value(v[i].key);
	}
	return bits_value(v[n - 1].key);
}

static void
compute_health(const struct mfm_metric_acc *a, struct mfm_metric_result *r,
    struct mfm_buf *scratch)
{
	const struct mfm_metric_count *v;
	double total = 0;
	size_t i, n;

	prop(a, r, MFM_METRIC_LABEL_COVERAGE, (double)a->labelled,
	    (double)a->n, "no records");
	v = counts_sorted(&a->delays, scratch, &n);
	for (i = 0; i < n; i++)
		total += v[i].n;
	if (n == 0) {
		undef(r, MFM_METRIC_LABEL_DELAY_P50, "no label delays");
		undef(r, MFM_METRIC_LABEL_DELAY_P95, "no label delays");
		undef(r, MFM_METRIC_LABEL_DELAY_MAX, "no label delays");
		return;
	}
	setv(r, MFM_METRIC_LABEL_DELAY_P50, percentile(v, n, total, 0.5));
	setv(r, MFM_METRIC_LABEL_DELAY_P95, percentile(v, n, total, 0.95));
	setv(r, MFM_METRIC_LABEL_DELAY_MAX, bits_value(v[n - 1].key));
}

void
mfm_metric_acc_compute(const struct mfm_metric_acc *a,
    struct mfm_metric_result *r, struct mfm_buf *scratch)
{
	int m;

	for (m = 0; m < MFM_METRIC_COUNT; m++) {
		r->m[m].v = NAN;
		r->m[m].undefined = "not computed";
		r->m[m].lo = NAN;
		r->m[m].hi = NAN;
	}
	if (a->reg != NULL)
		compute_reg(a, r);
	else if (a->mc != NULL)
		compute_mc(a, r, scratch);
	else
		compute_binary(a, r, scratch);
	compute_health(a, r, scratch);
	overflowed(r);
}

static void
put_key(struct mfm_buf *b, const char *name)
{
	mfm_buf_addc(b, ',');
	mfm_buf_addc(b, '"');
	mfm_buf_adds(b, name);
	mfm_buf_add(b, "\":", 2);
}

/* The scores: [[score,positive,negative,unlabelled],...]. */
static void
put_scores(struct mfm_buf *b, const char *name,
    const struct mfm_metric_scores *c, struct mfm_buf *scratch)
{
	const struct mfm_metric_score *v;
	size_t i, n;

	put_key(b, name);
	mfm_buf_addc(b, '[');
	v = scores_sorted(c, scratch, &n);
	for (i = 0; i < n; i++) {
		if (i > 0)
			mfm_buf_addc(b, ',');
		mfm_buf_addc(b, '[');
		mfm_json_put_double(b, bits_value(v[i].key));
		mfm_buf_addc(b, ',');
		mfm_json_put_double(b, v[i].pos);
		mfm_buf_addc(b, ',');
		mfm_json_put_double(b, v[i].neg);
		mfm_buf_addc(b, ',');
		mfm_json_put_double(b, v[i].unl);
		mfm_buf_addc(b, ']');
	}
	mfm_buf_addc(b, ']');
}

/* The delays: [[value,count],...]. */
static void
put_counts(struct mfm_buf *b, const char *name,
    const struct mfm_metric_counts *c, struct mfm_buf *scratch)
{
	const struct mfm_metric_count *v;
	size_t i, n;

	put_key(b, name);
	mfm_buf_addc(b, '[');
	v = counts_sorted(c, scratch, &n);
	for (i = 0; i < n; i++) {
		if (i > 0)
			mfm_buf_addc(b, ',');
		mfm_buf_addc(b, '[');
		mfm_json_put_double(b, bits_value(v[i].key));
		mfm_buf_addc(b, ',');
		mfm_json_put_double(b, v[i].n);
		mfm_buf_addc(b, ']');
	}
	mfm_buf_addc(b, ']');
}

void
mfm_metric_acc_write_state(const struct mfm_metric_acc *a,
    struct mfm_buf *b, struct mfm_buf *scratch)
{
	const struct mfm_metric_mc *mc = a->mc;
	const size_t **ord;
	const char *key;
	size_t i, k, n = 0, len, *rank;
	double w;
	int m, s, first;

	mfm_buf_adds(b, "{\"task\":\"");
	mfm_buf_adds(b, a->reg != NULL ? "regression" : a->mc != NULL ?
	    "multiclass" : "binary");
	mfm_buf_adds(b, "\",\"threshold\":");
	mfm_json_put_double(b, a->threshold);
	put_key(b, "n");
	mfm_json_put_int64(b, (int64_t)a->n);
	put_key(b, "labelled");
	mfm_json_put_int64(b, (int64_t)a->labelled);
	if (a->reg == NULL && a->mc == NULL) {
		put_key(b, "positives");
		mfm_json_put_int64(b, (int64_t)a->npos);
	}
	put_counts(b, "delays", &a->delays, scratch);
	if (a->reg != NULL) {
		put_key(b, "sums");
		mfm_buf_addc(b, '[');
		for (m = 0; m < MFM_METRIC_RS_COUNT; m++) {
			if (m > 0)
				mfm_buf_addc(b, ',');
			mfm_buf_addc(b, '[');
			for (s = 0; s < a->reg->s[m].n; s++) {
				if (s > 0)
					mfm_buf_addc(b, ',');
				mfm_json_put_double(b, a->reg->s[m].p[s]);
			}
			mfm_buf_addc(b, ']');
		}
		mfm_buf_addc(b, ']');
		put_key(b, "max_error");
		mfm_json_put_double(b, a->reg->max_ae);
		put_key(b, "ymin");
		mfm_json_put_double(b, a->reg->ymin);
		put_key(b, "ymax");
		mfm_json_put_double(b, a->reg->ymax);
		put_key(b, "negative");
		mfm_json_put_int64(b, (int64_t)a->reg->negative);
	} else if (mc != NULL) {
		/* Classes in byte order, cells by those ranks. */
		mfm_buf_clear(scratch);
		mfm_buf_grow(scratch, (mc->k + 1) * (sizeof(*ord) +
		    sizeof(*rank)));
		ord = (const size_t **)(void *)scratch->p;
		rank = (size_t *)(void *)(ord + mc->k + 1);
		for (i = 0; i < mc->classes.nslot; i++)
			if (mc->classes.slot[i].used)
				ord[n++] = &mc->classes.slot[i].value;
		sort_classes = &mc->classes;
		qsort(ord, n, sizeof(*ord), cmp_class_q);
		put_key(b, "classes");
		mfm_buf_addc(b, '[');
		for (i = 0; i < n; i++) {
			rank[*ord[i]] = i;
			if (i > 0)
				mfm_buf_addc(b, ',');
			key = mfm_keymap_key(&mc->classes, ord[i], &len);
			mfm_buf_add(b, key, len);
		}
		mfm_buf_addc(b, ']');
		put_key(b, "cm");
		mfm_buf_addc(b, '[');
		first = 1;
		for (i = 0; i < n; i++)
			for (k = 0; k < n; k++) {
				w = mc->cm[*ord[i] * mc->kcap + *ord[k]];
				if (w == 0)
					continue;
				if (!first)
					mfm_buf_addc(b, ',');
				first = 0;
				mfm_buf_addc(b, '[');
				mfm_json_put_int64(b, (int64_t)i);
				mfm_buf_addc(b, ',');
				mfm_json_put_int64(b, (int64_t)k);
				mfm_buf_addc(b, ',');
				mfm_json_put_double(b, w);
				mfm_buf_addc(b, ']');
			}
		mfm_buf_addc(b, ']');
		(void)rank;
	} else
		put_scores(b, "scores", &a->scores, scratch);
	mfm_buf_addc(b, '}');
}

static int
bad_state(struct mfm_err *err, const char *what)
{
	return mfm_err_set(err, MFM_ERR_DATA, "bad state: %s", what);
}

/* Number at member key of object t, or -1. */
static int
num_member(const struct mfm_json *j, int t, const char *key, double *v)
{
	int m = mfm_json_member(j, t, key, strlen(key));

	if (mfm_json_type_of(j, m) == MFM_JSON_NULL) {
		*v = NAN;
		return 0;
	}
	if (mfm_json_type_of(j, m) != MFM_JSON_NUMBER ||
	    mfm_json_double(j, m, v) != 0)
		return -1;
	return 0;
}

/*
 * Read array row r of width w into v; -1 if it is not that.  Columns
 * from first_sum on are sums of weights, where null is one that
 * overflowed (written so, as JSON has no infinity): read as infinity,
 * so that a merge says "overflow" as the shard would have.
 */
static int
num_row(const struct mfm_json *j, int r, double *v, int w, int first_sum)
{
	int k, i = 0;

	if (mfm_json_type_of(j, r) != MFM_JSON_ARRAY)
		return -1;
	for (k = mfm_json_first(j, r); k >= 0; k = mfm_json_next(j, r, k)) {
		if (i == w)
			return -1;
		if (i >= first_sum &&
		    mfm_json_type_of(j, k) == MFM_JSON_NULL)
			v[i] = INFINITY;
		else if (mfm_json_type_of(j, k) != MFM_JSON_NUMBER ||
		    mfm_json_double(j, k, &v[i]) != 0)
			return -1;
		i++;
	}
	return i == w ? 0 : -1;
}

static int
read_scores(struct mfm_metric_scores *c, const struct mfm_json *j, int obj,
    const char *key, double *pos)
{
	struct mfm_metric_score e;
	double v[4], last = 0;
	int arr, r, direct;

	*pos = 0;
	arr = mfm_json_member(j, obj, key, strlen(key));
	if (mfm_json_type_of(j, arr) != MFM_JSON_ARRAY)
		return -1;
	/*
	 * A state lists its scores sorted and distinct: read into an empty
	 * table, they go straight to their places, with no sort and merge.
	 */
	direct = c->n == 0 && c->nadd == 0;
	if (direct && mfm_json_at(j, arr)->count > 0)
		c->v = mfm_xreallocarray(c->v, mfm_json_at(j, arr)->count,
		    sizeof(*c->v));
	for (r = mfm_json_first(j, arr); r >= 0; r = mfm_json_next(j, arr, r)) {
		if (num_row(j, r, v, 4, 1) != 0)
			return -1;
		e.key = value_bits(v[0]);
		e.pos = v[1];
		e.neg = v[2];
		e.unl = v[3];
		*pos += v[1];
		if (direct && (c->n == 0 || v[0] > last)) {
			c->v[c->n++] = e;
			last = v[0];
			continue;
		}
		direct = 0;
		scores_add(c, &e);
	}
	return 0;
}

static int
read_counts(struct mfm_metric_counts *c, const struct mfm_json *j, int obj,
    const char *key)
{
	double v[2], last = 0;
	int arr, r, direct;

	arr = mfm_json_member(j, obj, key, strlen(key));
	if (mfm_json_type_of(j, arr) != MFM_JSON_ARRAY)
		return -1;
	/* Sorted and distinct, as a state lists them: see read_scores. */
	direct = c->n == 0 && c->nadd == 0;
	if (direct && mfm_json_at(j, arr)->count > 0)
		c->v = mfm_xreallocarray(c->v, mfm_json_at(j, arr)->count,
		    sizeof(*c->v));
	for (r = mfm_json_first(j, arr); r >= 0; r = mfm_json_next(j, arr, r)) {
		if (num_row(j, r, v, 2, 2) != 0)
			return -1;
		if (direct && (c->n == 0 || v[0] > last)) {
			c->v[c->n].key = value_bits(v[0]);
			c->v[c->n].n = v[1];
			c->n++;
			last = v[0];
			continue;
		}
		direct = 0;
		counts_add(c, value_bits(v[0]), v[1]);
	}
	return 0;
}

int
mfm_metric_acc_read_state(struct mfm_metric_acc *a, const struct mfm_json *j,
    int t, struct mfm_err *err)
{
	const char *task = a->reg != NULL ? "regression" : a->mc != NULL ?
	    "multiclass" : "binary";
	double v[3], thr, n, lab;
	long *map = NULL;
	size_t nc = 0, len;
	const char *c;
	int m, r, arr, k;

	if (mfm_json_type_of(j, t) != MFM_JSON_OBJECT)
		return bad_state(err, "not an object");
	m = mfm_json_member(j, t, "task", 4);
	if (mfm_json_type_of(j, m) != MFM_JSON_STRING ||
	    !mfm_json_str_eq(j, m, task, strlen(task)))
		return mfm_err_set(err, MFM_ERR_DATA,
		    "state is not of task %s", task);
	if (num_member(j, t, "threshold", &thr) != 0 ||
	    num_member(j, t, "n", &n) != 0 ||
	    num_member(j, t, "labelled", &lab) != 0 ||
	    !(n >= 0 && lab >= 0 && lab <= n && n < 9e15))
		return bad_state(err, "threshold, n or labelled");
	if (a->reg == NULL && a->mc == NULL && thr != a->threshold)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "state was taken at another threshold");
	if (read_counts(&a->delays, j, t, "delays") != 0)
		return bad_state(err, "delays");
	if (a->reg != NULL) {
		struct mfm_metric_reg *g = a->reg;

		arr = mfm_json_member(j, t, "sums", 4);
		if (mfm_json_type_of(j, arr) != MFM_JSON_ARRAY)
			return bad_state(err, "sums");
		m = 0;
		for (r = mfm_json_first(j, arr); r >= 0;
		    r = mfm_json_next(j, arr, r), m++) {
			if (m == MFM_METRIC_RS_COUNT ||
			    mfm_json_type_of(j, r) != MFM_JSON_ARRAY)
				return bad_state(err, "sums");
			for (k = mfm_json_first(j, r); k >= 0;
			    k = mfm_json_next(j, r, k)) {
				/* null: a partial sum that overflowed */
				if (mfm_json_type_of(j, k) == MFM_JSON_NULL)
					v[0] = NAN;
				else if (mfm_json_double(j, k, &v[0]) != 0)
					return bad_state(err, "sums");
				mfm_metric_xsum_add(&g->s[m], v[0]);
			}
		}
		if (num_member(j, t, "max_error", &v[0]) != 0 ||
		    num_member(j, t, "ymin", &v[1]) != 0 ||
		    num_member(j, t, "ymax", &v[2]) != 0)
			return bad_state(err, "max_error, ymin or ymax");
		g->max_ae = fmax(g->max_ae, v[0]);
		if (!isnan(v[1]))
			g->ymin = fmin(g->ymin, v[1]);
		if (!isnan(v[2]))
			g->ymax = fmax(g->ymax, v[2]);
		/* Labelled records with a value below 0: as many at most. */
		if (num_member(j, t, "negative", &v[0]) != 0 ||
		    !(v[0] >= 0 && v[0] <= lab))
			return bad_state(err, "negative");
		g->negative += (uint64_t)v[0];
	} else if (a->mc != NULL) {
		arr = mfm_json_member(j, t, "classes", 7);
		if (mfm_json_type_of(j, arr) != MFM_JSON_ARRAY)
			return bad_state(err, "classes");
		for (r = mfm_json_first(j, arr); r >= 0;
		    r = mfm_json_next(j, arr, r))
			nc++;
		map = mfm_xreallocarray(NULL, nc + 1, sizeof(*map));
		nc = 0;
		for (r = mfm_json_first(j, arr); r >= 0;
		    r = mfm_json_next(j, arr, r)) {
			c = mfm_json_raw(j, r, &len);
			if ((map[nc++] = mc_class(a, c, len, err)) < 0) {
				free(map);
				return -1;
			}
		}
		arr = mfm_json_member(j, t, "cm", 2);
		if (mfm_json_type_of(j, arr) != MFM_JSON_ARRAY) {
			free(map);
			return bad_state(err, "cm");
		}
		for (r = mfm_json_first(j, arr); r >= 0;
		    r = mfm_json_next(j, arr, r)) {
			if (num_row(j, r, v, 3, 2) != 0 || !(v[0] >= 0) ||
			    !(v[1] >= 0) || v[0] >= (double)nc ||
			    v[1] >= (double)nc) {
				free(map);
				return bad_state(err, "cm");
			}
			a->mc->cm[(size_t)map[(size_t)v[0]] * a->mc->kcap +
			    (size_t)map[(size_t)v[1]]] += v[2];
		}
		free(map);
	} else {
		if (read_scores(&a->scores, j, t, "scores", &v[0]) != 0)
			return bad_state(err, "scores");
		/*
		 * Older states lack the count: unweighted, it is the sum.
		 * Either way no more than the labelled records.
		 */
		if ((mfm_json_member(j, t, "positives", 9) >= 0 &&
		    num_member(j, t, "positives", &v[0]) != 0) ||
		    !(v[0] >= 0 && v[0] <= lab))
			return bad_state(err, "positives");
		a->npos += (uint64_t)v[0];
	}
	a->n += (uint64_t)n;
	a->labelled += (uint64_t)lab;
	return 0;
}
