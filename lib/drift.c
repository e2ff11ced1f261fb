/*
 * The drift engine; see drift.h.
 *
 * A record is checked whole before anything is counted: its features
 * are first collected (feature number and token), and only when every
 * one has a usable type are they added, so a bad record leaves no trace
 * in the sketches.  Missing values are not stored: a feature's missing
 * count is the set's records minus the feature's present values, which
 * also covers features that only some records carry.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/drift.h"
#include "lib/stats.h"
#include "lib/banned.h"

#define NUMBER_CAT	"(number)"

static const char *const metric_names[MFM_DRIFT_NMETRIC] = {
	"psi", "js", "ks", "ks_p", "wasserstein", "wasserstein_norm",
	"chi2", "chi2_p", "cramers_v", "linf", "missing_rate_change",
	"unseen", "unseen_share"
};

const char *
mfm_drift_metric_name(enum mfm_drift_metric m)
{
	return (unsigned)m < MFM_DRIFT_NMETRIC ? metric_names[m] : NULL;
}

void
mfm_drift_init(struct mfm_drift *d)
{
	memset(d, 0, sizeof(*d));
	d->bins = MFM_DRIFT_BINS;
	d->eps = MFM_DRIFT_EPS;
	d->ks_exact_max = MFM_STATS_KS_EXACT_MAX;
	d->top = MFM_DRIFT_TOP;
	d->budget.max_values = MFM_SKETCH_MAX_VALUES;
	d->budget.max_categories = MFM_SKETCH_MAX_CATEGORIES;
	mfm_keymap_init(&d->names);
}

void
mfm_drift_release(struct mfm_drift *d)
{
	size_t i;

	for (i = 0; i < d->nname; i++)
		free(d->name[i]);
	free(d->name);
	free(d->wanted);
	free(d->hit);
	mfm_keymap_release(&d->names);
	mfm_buf_release(&d->str);
	mfm_buf_release(&d->key);
	free(d->order);
	free(d->pos);
	mfm_buf_release(&d->settings);
}

void
mfm_drift_set_release(struct mfm_drift *d, struct mfm_drift_set *s)
{
	size_t i;

	for (i = 0; i < s->nf; i++)
		mfm_sketch_release(&s->f[i], &d->budget);
	free(s->f);
	memset(s, 0, sizeof(*s));
}

/* Does a feature name match a declared path or a PATH.* of the settings? */
static int
matches(const struct mfm_drift *d, const char *name, size_t n)
{
	size_t i, len;

	for (i = 0; i < d->nspec; i++) {
		len = strlen(d->spec[i].text);
		if (!d->wild[i] && len == n &&
		    memcmp(name, d->spec[i].text, n) == 0)
			return 1;
		if (d->wild[i] && n > len + 1 && name[len] == '.' &&
		    memcmp(name, d->spec[i].text, len) == 0 &&
		    memchr(name + len + 1, '.', n - len - 1) == NULL)
			return 1;
	}
	return 0;
}

/* The number of feature name[0..n), registered if new. */
static size_t
feature_id(struct mfm_drift *d, const char *name, size_t n, int loaded)
{
	size_t *v;
	int isnew;

	v = mfm_keymap_put(&d->names, name, n, &isnew);
	if (isnew) {
		if (d->nname == d->namecap) {
			d->namecap = d->namecap ? d->namecap * 2 : 16;
			d->name = mfm_xreallocarray(d->name, d->namecap,
			    sizeof(*d->name));
			d->wanted = mfm_xreallocarray(d->wanted, d->namecap,
			    sizeof(*d->wanted));
		}
		d->name[d->nname] = mfm_xmemdup(name, n);
		d->wanted[d->nname] = !loaded || matches(d, name, n);
		*v = d->nname++;
	}
	return *v;
}

int
mfm_drift_wanted(const struct mfm_drift *d, size_t id)
{
	return id < d->nname && d->wanted[id];
}

static void
set_grow(struct mfm_drift_set *s, size_t nf)
{
	size_t i;

	if (nf <= s->nf)
		return;
	s->f = mfm_xreallocarray(s->f, nf, sizeof(*s->f));
	for (i = s->nf; i < nf; i++)
		mfm_sketch_init(&s->f[i]);
	s->nf = nf;
}

static void
hit_add(struct mfm_drift *d, size_t id, int t)
{
	if (d->nhit == d->hitcap) {
		d->hitcap = d->hitcap ? d->hitcap * 2 : 32;
		d->hit = mfm_xreallocarray(d->hit, d->hitcap, sizeof(*d->hit));
	}
	d->hit[d->nhit].id = id;
	d->hit[d->nhit++].t = t;
}

/* Check the type of the value at t; 0 for a usable or missing one. */
static int
check_value(const struct mfm_json *j, int t, const char *name,
    struct mfm_err *err)
{
	switch (mfm_json_type_of(j, t)) {
	case MFM_JSON_OBJECT:
	case MFM_JSON_ARRAY:
		return mfm_err_set(err, MFM_ERR_DATA,
		    "field '%s' is not a number, string or boolean", name);
	case MFM_JSON_NUMBER:
		{
			double v;

			if (mfm_json_double(j, t, &v) != 0)
				return mfm_err_set(err, MFM_ERR_DATA,
				    "field '%s' is out of range", name);
		}
		return 0;
	default:
		return 0;
	}
}

static int
add_value(struct mfm_drift *d, struct mfm_sketch *sk,
    const struct mfm_json *j, int t, struct mfm_err *err)
{
	const char *s;
	size_t n;
	double v;

	switch (mfm_json_type_of(j, t)) {
	case MFM_JSON_NUMBER:
		(void)mfm_json_double(j, t, &v);
		return mfm_sketch_add_num(sk, v, 1, &d->budget, err);
	case MFM_JSON_STRING:
		s = mfm_json_str(j, t, &n, &d->str);
		return mfm_sketch_add_cat(sk, s, n, 1, &d->budget, err);
	case MFM_JSON_TRUE:
		return mfm_sketch_add_cat(sk, "true", 4, 1, &d->budget, err);
	case MFM_JSON_FALSE:
		return mfm_sketch_add_cat(sk, "false", 5, 1, &d->budget, err);
	default:
		return 0;
	}
}

int
mfm_drift_add(struct mfm_drift *d, struct mfm_drift_set *s,
    const struct mfm_json *j, struct mfm_err *err)
{
	size_t i, n;
	const char *k;
	int t, m, labelled = 0;

	d->nhit = 0;
	for (i = 0; i < d->nspec; i++) {
		t = mfm_json_get(j, 0, &d->spec[i]);
		if (!d->wild[i]) {
			if (check_value(j, t, d->spec[i].text, err) != 0)
				return -1;
			hit_add(d, feature_id(d, d->spec[i].text,
			    strlen(d->spec[i].text), 0), t);
			continue;
		}
		if (mfm_json_type_of(j, t) != MFM_JSON_OBJECT)
			continue;	/* every member is missing */
		for (m = mfm_json_first(j, t); m >= 0;
		    m = mfm_json_next(j, t, m)) {
			mfm_buf_clear(&d->key);
			mfm_buf_adds(&d->key, d->spec[i].text);
			mfm_buf_addc(&d->key, '.');
			k = mfm_json_str(j, m, &n, &d->str);
			mfm_buf_add(&d->key, k, n);
			if (check_value(j, m + 1, d->key.p, err) != 0)
				return -1;
			hit_add(d, feature_id(d, d->key.p, d->key.len, 0),
			    m + 1);
		}
	}
	if (d->label != NULL) {
		t = mfm_json_get(j, 0, d->label);
		labelled = t >= 0 && mfm_json_type_of(j, t) != MFM_JSON_NULL;
	}
	set_grow(s, d->nname);
	for (i = 0; i < d->nhit; i++)
		if (add_value(d, &s->f[d->hit[i].id], j, d->hit[i].t,
		    err) != 0)
			return -1;
	s->nrec++;
	s->nlab += labelled;
	return 0;
}

int
mfm_drift_merge(struct mfm_drift *d, struct mfm_drift_set *dst,
    const struct mfm_drift_set *src, struct mfm_err *err)
{
	size_t i;

	set_grow(dst, src->nf);
	for (i = 0; i < src->nf; i++)
		if (mfm_sketch_merge(&dst->f[i], &src->f[i], &d->budget,
		    err) != 0)
			return -1;
	dst->nrec += src->nrec;
	dst->nlab += src->nlab;
	return 0;
}

/* Bin edges at the reference's quantiles k / bins, distinct, above min. */
static size_t
edges_of(const struct mfm_sketch *ref, size_t bins, double *e)
{
	double cum = 0, target;
	size_t i = 0, k, ne = 0;

	for (k = 1; k < bins; k++) {
		target = ref->numc * (double)k / (double)bins;
		while (i < ref->nnum && cum + ref->num[i].c <= target)
			cum += ref->num[i++].c;
		if (i >= ref->nnum)
			break;
		/* num[i] is the first value whose cumulative count passes. */
		if (ref->num[i].v == ref->num[0].v)
			continue;
		if (ne > 0 && e[ne - 1] == ref->num[i].v)
			continue;
		e[ne++] = ref->num[i].v;
	}
	return ne;
}

/* Count a sketch's numbers into the bins cut at e[0..ne). */
static void
bin_counts(const struct mfm_sketch *s, const double *e, size_t ne,
    double *c)
{
	size_t i, b = 0;

	memset(c, 0, (ne + 1) * sizeof(*c));
	for (i = 0; i < s->nnum; i++) {
		while (b < ne && s->num[i].v >= e[b])
			b++;
		c[b] += s->num[i].c;
	}
}

static double
stddev(const struct mfm_sketch *s)
{
	double mean = 0, ss = 0, x;
	size_t i;

	for (i = 0; i < s->nnum; i++)
		mean += s->num[i].v * s->num[i].c;
	mean /= s->numc;
	for (i = 0; i < s->nnum; i++) {
		x = s->num[i].v - mean;
		ss += x * x * s->num[i].c;
	}
	return sqrt(ss / s->numc);
}

/* The binned metrics over k columns p (reference) and q (window). */
static void
binned(struct mfm_drift *d, const double *p, const double *q, size_t k,
    struct mfm_drift_result *r)
{
	double stat, dof, n = 0;
	size_t i;

	for (i = 0; i < k; i++)
		n += p[i] + q[i];
	r->m[MFM_DRIFT_PSI] = mfm_stats_psi(p, q, k, d->eps);
	r->m[MFM_DRIFT_JS] = mfm_stats_js(p, q, k);
	r->m[MFM_DRIFT_CHI2_P] = mfm_stats_chi2(p, q, k, &stat, &dof);
	r->m[MFM_DRIFT_CHI2] = stat;
	/* Cramer's V of a 2 x k table: sqrt(chi2 / (n (min(2, k) - 1))). */
	r->m[MFM_DRIFT_CRAMERS_V] = n > 0 ? sqrt(stat / n) : NAN;
	r->m[MFM_DRIFT_LINF] = mfm_stats_linf(p, q, k);
}

static size_t *top_ix;
static const double *top_p, *top_q;
static double top_sp, top_sq;

static int
cmp_change(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	double ca = fabs(top_q[a] / top_sq - top_p[a] / top_sp);
	double cb = fabs(top_q[b] / top_sq - top_p[b] / top_sp);

	if (ca != cb)
		return ca > cb ? -1 : 1;
	return a < b ? -1 : a > b;
}

/*
 * The largest changes of share, as JSON objects; label(i) writes the
 * member that names column i.
 */
static void
top_changes(struct mfm_drift *d, const double *p, const double *q,
    size_t k, struct mfm_buf *b,
    void (*label)(struct mfm_buf *, size_t, const void *), const void *arg)
{
	size_t i, n;
	double sp = 0, sq = 0;

	for (i = 0; i < k; i++) {
		sp += p[i];
		sq += q[i];
	}
	top_ix = mfm_xreallocarray(NULL, k ? k : 1, sizeof(*top_ix));
	for (i = 0; i < k; i++)
		top_ix[i] = i;
	top_p = p;
	top_q = q;
	top_sp = sp;
	top_sq = sq;
	qsort(top_ix, k, sizeof(*top_ix), cmp_change);
	n = k < d->top ? k : d->top;
	mfm_buf_addc(b, '[');
	for (i = 0; i < n; i++) {
		if (i > 0)
			mfm_buf_addc(b, ',');
		mfm_buf_addc(b, '{');
		label(b, top_ix[i], arg);
		mfm_buf_adds(b, ",\"ref\":");
		mfm_json_put_double(b, p[top_ix[i]] / sp);
		mfm_buf_adds(b, ",\"cur\":");
		mfm_json_put_double(b, q[top_ix[i]] / sq);
		mfm_buf_adds(b, ",\"change\":");
		mfm_json_put_double(b, q[top_ix[i]] / sq - p[top_ix[i]] / sp);
		mfm_buf_addc(b, '}');
	}
	mfm_buf_addc(b, ']');
	free(top_ix);
	top_ix = NULL;
}

struct edges {
	const double *e;
	size_t ne;
};

static void
label_bin(struct mfm_buf *b, size_t i, const void *arg)
{
	const struct edges *ed = arg;

	mfm_buf_adds(b, "\"bin\":[");
	mfm_json_put_double(b, i == 0 ? NAN : ed->e[i - 1]);
	mfm_buf_addc(b, ',');
	mfm_json_put_double(b, i == ed->ne ? NAN : ed->e[i]);
	mfm_buf_addc(b, ']');
}

struct cats {
	const struct mfm_sketch *ref, *cur;
	const size_t *refix;	/* columns: these categories of ref, */
	size_t nref;
	const size_t *curix;	/* then these of cur (unseen), */
	size_t ncur;
	int number;		/* then "(number)" */
};

static void
label_cat(struct mfm_buf *b, size_t i, const void *arg)
{
	const struct cats *c = arg;
	const char *k;
	size_t n;

	mfm_buf_adds(b, "\"value\":");
	if (i < c->nref)
		k = mfm_sketch_cat_key(c->ref, c->refix[i], &n);
	else if (i < c->nref + c->ncur)
		k = mfm_sketch_cat_key(c->cur, c->curix[i - c->nref], &n);
	else {
		k = NUMBER_CAT;
		n = strlen(k);
	}
	mfm_json_put_str(b, k, n);
}

static const struct mfm_sketch *order_sk;

/* Categories by their bytes, a shorter key before its extensions. */
static int
cmp_cat(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y, na, nb;
	const char *ka = mfm_sketch_cat_key(order_sk, a, &na);
	const char *kb = mfm_sketch_cat_key(order_sk, b, &nb);
	int c = memcmp(ka, kb, na < nb ? na : nb);

	if (c != 0)
		return c;
	return na < nb ? -1 : na > nb;
}

/* Sort n category numbers of s by key. */
static void
sort_cats(const struct mfm_sketch *s, size_t *ix, size_t n)
{
	order_sk = s;
	qsort(ix, n, sizeof(*ix), cmp_cat);
	order_sk = NULL;
}

static void
compare_numeric(struct mfm_drift *d, struct mfm_sketch *ref,
    struct mfm_sketch *cur, struct mfm_drift_result *r)
{
	double *e, *p, *q, sd;
	struct edges ed;
	size_t ne;

	r->m[MFM_DRIFT_KS] = mfm_stats_ks(ref->num, ref->nnum, ref->numc,
	    cur->num, cur->nnum, cur->numc);
	r->m[MFM_DRIFT_KS_P] = mfm_stats_ks_p(r->m[MFM_DRIFT_KS],
	    (size_t)ref->numc, (size_t)cur->numc, d->ks_exact_max,
	    &r->ks_exact);
	r->m[MFM_DRIFT_WASSERSTEIN] = mfm_stats_wasserstein(ref->num,
	    ref->nnum, ref->numc, cur->num, cur->nnum, cur->numc);
	sd = stddev(ref);
	r->m[MFM_DRIFT_WASSERSTEIN_NORM] = sd > 0 ?
	    r->m[MFM_DRIFT_WASSERSTEIN] / sd : NAN;
	e = mfm_xcalloc(d->bins, sizeof(*e));
	p = mfm_xcalloc(d->bins + 1, sizeof(*p));
	q = mfm_xcalloc(d->bins + 1, sizeof(*q));
	ne = edges_of(ref, d->bins, e);
	bin_counts(ref, e, ne, p);
	bin_counts(cur, e, ne, q);
	binned(d, p, q, ne + 1, r);
	ed.e = e;
	ed.ne = ne;
	top_changes(d, p, q, ne + 1, &r->top, label_bin, &ed);
	free(e);
	free(p);
	free(q);
}

/*
 * The columns are the reference's categories, then the window's unseen
 * ones, each in byte order, then "(number)": an order that does not
 * depend on the order the records came in, so that a run sharded and
 * merged (--partial, --merge) sums the same terms in the same order.
 */
static void
compare_categorical(struct mfm_drift *d, struct mfm_sketch *ref,
    struct mfm_sketch *cur, struct mfm_drift_result *r)
{
	size_t i, k, ncur = 0, *curix, *refix;
	double *p, *q, unseen = 0, unseen_n = 0;
	const char *key;
	struct cats c;
	size_t n;
	int number = ref->numc > 0 || cur->numc > 0;

	refix = mfm_xcalloc(ref->ncat + 1, sizeof(*refix));
	for (i = 0; i < ref->ncat; i++)
		refix[i] = i;
	sort_cats(ref, refix, ref->ncat);
	curix = mfm_xcalloc(cur->ncat + 1, sizeof(*curix));
	for (i = 0; i < cur->ncat; i++) {
		key = mfm_sketch_cat_key(cur, i, &n);
		if (mfm_keymap_find(&ref->catmap, key, n) == NULL)
			curix[ncur++] = i;
	}
	sort_cats(cur, curix, ncur);
	k = ref->ncat + ncur + (number ? 1 : 0);
	p = mfm_xcalloc(k + 1, sizeof(*p));
	q = mfm_xcalloc(k + 1, sizeof(*q));
	for (i = 0; i < ref->ncat; i++) {
		p[i] = ref->cat[refix[i]].c;
		key = mfm_sketch_cat_key(ref, refix[i], &n);
		q[i] = mfm_sketch_cat_count(cur, key, n);
	}
	for (i = 0; i < ncur; i++) {
		q[ref->ncat + i] = cur->cat[curix[i]].c;
		unseen++;
		unseen_n += cur->cat[curix[i]].c;
	}
	if (number) {
		p[k - 1] = ref->numc;
		q[k - 1] = cur->numc;
		if (ref->numc == 0 && cur->numc > 0) {
			unseen++;
			unseen_n += cur->numc;
		}
	}
	binned(d, p, q, k, r);
	r->m[MFM_DRIFT_UNSEEN] = unseen;
	r->m[MFM_DRIFT_UNSEEN_SHARE] = unseen_n / cur->present;
	c.ref = ref;
	c.cur = cur;
	c.refix = refix;
	c.nref = ref->ncat;
	c.curix = curix;
	c.ncur = ncur;
	c.number = number;
	top_changes(d, p, q, k, &r->top, label_cat, &c);
	free(refix);
	free(curix);
	free(p);
	free(q);
}

void
mfm_drift_compare(struct mfm_drift *d, struct mfm_drift_set *rs,
    struct mfm_drift_set *cs, size_t id, struct mfm_drift_result *r)
{
	struct mfm_sketch *ref, *cur;
	size_t i;

	for (i = 0; i < MFM_DRIFT_NMETRIC; i++)
		r->m[i] = NAN;
	r->ks_exact = 0;
	mfm_buf_clear(&r->top);
	set_grow(rs, d->nname);
	set_grow(cs, d->nname);
	ref = &rs->f[id];
	cur = &cs->f[id];
	mfm_sketch_compact(ref, &d->budget);
	mfm_sketch_compact(cur, &d->budget);
	r->ref_present = ref->present;
	r->cur_present = cur->present;
	if (ref->ncat > 0 || cur->ncat > 0)
		r->kind = MFM_DRIFT_CATEGORICAL;
	else if (ref->nnum > 0 || cur->nnum > 0)
		r->kind = MFM_DRIFT_NUMERIC;
	else
		r->kind = MFM_DRIFT_EMPTY;
	if (rs->nrec > 0 && cs->nrec > 0)
		r->m[MFM_DRIFT_MISSING_RATE_CHANGE] =
		    (cs->nrec - cur->present) / cs->nrec -
		    (rs->nrec - ref->present) / rs->nrec;
	if (ref->present == 0 || cur->present == 0)
		return;
	if (r->kind == MFM_DRIFT_NUMERIC)
		compare_numeric(d, ref, cur, r);
	else
		compare_categorical(d, ref, cur, r);
}

/*
 * Features in the order of mfm_drift_sort_features and categories in
 * byte order, so that a merged run (--merge) saves the same file.
 */
/* Number c of sketch sk as "[value,count]", after a comma unless first. */
static void
put_number(struct mfm_buf *b, const struct mfm_sketch *sk, size_t c,
    int first)
{
	mfm_buf_adds(b, first ? "[" : ",[");
	mfm_json_put_double(b, sk->num[c].v);
	mfm_buf_addc(b, ',');
	mfm_json_put_double(b, sk->num[c].c);
	mfm_buf_addc(b, ']');
}

/* Category c of sketch sk as "key":count, after a comma unless first. */
static void
put_category(struct mfm_buf *b, const struct mfm_sketch *sk, size_t c,
    int first)
{
	const char *k;
	size_t n;

	if (!first)
		mfm_buf_addc(b, ',');
	k = mfm_sketch_cat_key(sk, c, &n);
	mfm_json_put_str(b, k, n);
	mfm_buf_addc(b, ':');
	mfm_json_put_double(b, sk->cat[c].c);
}

/* sk's categories in the order they are written; the caller frees. */
static size_t *
category_order(const struct mfm_sketch *sk)
{
	size_t c, *ix = mfm_xcalloc(sk->ncat + 1, sizeof(*ix));

	for (c = 0; c < sk->ncat; c++)
		ix[c] = c;
	sort_cats(sk, ix, sk->ncat);
	return ix;
}

void
mfm_drift_save(struct mfm_drift *d, struct mfm_drift_set *s,
    const char *group, size_t glen, struct mfm_buf *b)
{
	struct mfm_sketch *sk;
	size_t i, c, id, *ix;

	mfm_buf_adds(b, "{\"_mfm\":\"reference\",\"group\":");
	mfm_buf_add(b, group, glen);
	mfm_buf_adds(b, ",\"records\":");
	mfm_json_put_double(b, s->nrec);
	mfm_buf_adds(b, ",\"labelled\":");
	mfm_json_put_double(b, s->nlab);
	mfm_buf_adds(b, "}\n");
	mfm_drift_sort_features(d);
	for (i = 0; i < d->nname; i++) {
		id = d->order[i];
		if (id >= s->nf || s->f[id].present == 0)
			continue;
		sk = &s->f[id];
		mfm_sketch_compact(sk, &d->budget);
		mfm_buf_adds(b, "{\"_mfm\":\"reference\",\"group\":");
		mfm_buf_add(b, group, glen);
		mfm_buf_adds(b, ",\"feature\":");
		mfm_json_put_str(b, d->name[id], strlen(d->name[id]));
		mfm_buf_adds(b, ",\"numbers\":[");
		for (c = 0; c < sk->nnum; c++)
			put_number(b, sk, c, c == 0);
		mfm_buf_adds(b, "],\"categories\":{");
		ix = category_order(sk);
		for (c = 0; c < sk->ncat; c++)
			put_category(b, sk, ix[c], c == 0);
		free(ix);
		mfm_buf_adds(b, "}}\n");
	}
}

/* A count in a sketch line: a non-negative number. */
static int
count_of(const struct mfm_json *j, int t, double *c)
{
	return mfm_json_type_of(j, t) == MFM_JSON_NUMBER &&
	    mfm_json_double(j, t, c) == 0 && *c >= 0 ? 0 : -1;
}

int
mfm_drift_load(struct mfm_drift *d, struct mfm_drift_set *s,
    const struct mfm_json *j, struct mfm_err *err)
{
	struct mfm_sketch *sk;
	int t, u, e;
	double v, c, nrec, nlab;
	const char *k;
	size_t n, id;

	t = mfm_json_member(j, 0, "feature", 7);
	if (t < 0) {
		if (count_of(j, mfm_json_member(j, 0, "records", 7),
		    &nrec) != 0 || count_of(j, mfm_json_member(j, 0,
		    "labelled", 8), &nlab) != 0)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "reference line without counts");
		s->nrec += nrec;
		s->nlab += nlab;
		return 0;
	}
	k = mfm_json_str(j, t, &n, &d->str);
	if (k == NULL)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "reference 'feature' is not a string");
	id = feature_id(d, k, n, 1);
	set_grow(s, d->nname);
	sk = &s->f[id];
	t = mfm_json_member(j, 0, "numbers", 7);
	if (mfm_json_type_of(j, t) != MFM_JSON_ARRAY)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "reference 'numbers' is not an array");
	for (u = mfm_json_first(j, t); u >= 0; u = mfm_json_next(j, t, u)) {
		e = mfm_json_first(j, u);
		if (mfm_json_type_of(j, u) != MFM_JSON_ARRAY ||
		    mfm_json_at(j, u)->count != 2 ||
		    mfm_json_type_of(j, e) != MFM_JSON_NUMBER ||
		    mfm_json_double(j, e, &v) != 0 ||
		    count_of(j, mfm_json_next(j, u, e), &c) != 0)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "reference 'numbers' holds a bad [value, count]");
		if (mfm_sketch_add_num(sk, v, c, &d->budget, err) != 0)
			return -1;
	}
	t = mfm_json_member(j, 0, "categories", 10);
	if (mfm_json_type_of(j, t) != MFM_JSON_OBJECT)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "reference 'categories' is not an object");
	for (u = mfm_json_first(j, t); u >= 0; u = mfm_json_next(j, t, u)) {
		if (count_of(j, u + 1, &c) != 0)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "reference 'categories' holds a bad count");
		k = mfm_json_str(j, u, &n, &d->str);
		if (mfm_sketch_add_cat(sk, k, n, c, &d->budget, err) != 0)
			return -1;
	}
	return 0;
}

/* The first setting that names feature name, or nspec for none. */
static size_t
spec_of(const struct mfm_drift *d, const char *name, size_t n)
{
	size_t i, len;

	for (i = 0; i < d->nspec; i++) {
		len = strlen(d->spec[i].text);
		if (!d->wild[i] && len == n &&
		    memcmp(name, d->spec[i].text, n) == 0)
			return i;
		if (d->wild[i] && n > len + 1 && name[len] == '.' &&
		    memcmp(name, d->spec[i].text, len) == 0)
			return i;
	}
	return d->nspec;
}

static const struct mfm_drift *sort_d;
static size_t *sort_spec;

static int
cmp_feature(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;

	if (sort_spec[a] != sort_spec[b])
		return sort_spec[a] < sort_spec[b] ? -1 : 1;
	return strcmp(sort_d->name[a], sort_d->name[b]);
}

void
mfm_drift_sort_features(struct mfm_drift *d)
{
	size_t i, n = d->nname ? d->nname : 1;

	d->order = mfm_xreallocarray(d->order, n, sizeof(*d->order));
	d->pos = mfm_xreallocarray(d->pos, n, sizeof(*d->pos));
	sort_spec = mfm_xreallocarray(NULL, n, sizeof(*sort_spec));
	for (i = 0; i < d->nname; i++) {
		d->order[i] = i;
		sort_spec[i] = spec_of(d, d->name[i], strlen(d->name[i]));
	}
	sort_d = d;
	qsort(d->order, d->nname, sizeof(*d->order), cmp_feature);
	for (i = 0; i < d->nname; i++)
		d->pos[d->order[i]] = i;
	free(sort_spec);
	sort_spec = NULL;
	sort_d = NULL;
}

/* The settings a state depends on, as the members a head line holds. */
static const struct mfm_buf *
settings(struct mfm_drift *d)
{
	struct mfm_buf *b = &d->settings;
	size_t i;

	if (b->len > 0)
		return b;
	mfm_buf_adds(b, "\"features\":[");
	for (i = 0; i < d->nspec; i++) {
		if (i > 0)
			mfm_buf_addc(b, ',');
		mfm_buf_clear(&d->key);
		mfm_buf_adds(&d->key, d->spec[i].text);
		if (d->wild[i])
			mfm_buf_adds(&d->key, ".*");
		mfm_json_put_str(b, d->key.p, d->key.len);
	}
	mfm_buf_adds(b, "],\"label\":");
	if (d->label != NULL)
		mfm_json_put_str(b, d->label->text, strlen(d->label->text));
	else
		mfm_buf_adds(b, "null");
	return b;
}

static void
state_head(struct mfm_buf *b, const char *window, size_t wlen,
    const char *group, size_t glen)
{
	mfm_buf_adds(b, "{\"_mfm\":\"drift_state\",\"version\":");
	mfm_json_put_int64(b, MFM_DRIFT_STATE_VERSION);
	mfm_buf_adds(b, ",\"window\":");
	mfm_buf_add(b, window, wlen);
	mfm_buf_adds(b, ",\"group\":");
	mfm_buf_add(b, group, glen);
}

/* Start a feature's state line, up to its numbers array. */
static size_t
feature_line(struct mfm_drift *d, size_t id, const char *window,
    size_t wlen, const char *group, size_t glen, struct mfm_buf *b)
{
	size_t start = b->len;

	state_head(b, window, wlen, group, glen);
	mfm_buf_adds(b, ",\"feature\":");
	mfm_json_put_str(b, d->name[id], strlen(d->name[id]));
	mfm_buf_adds(b, ",\"numbers\":[");
	return start;
}

void
mfm_drift_write_state(struct mfm_drift *d, struct mfm_drift_set *s,
    const char *window, size_t wlen, const char *group, size_t glen,
    struct mfm_buf *b)
{
	const struct mfm_buf *set = settings(d);
	struct mfm_sketch *sk;
	size_t i, c, id, *ix, start;
	int first;

	state_head(b, window, wlen, group, glen);
	mfm_buf_adds(b, ",\"records\":");
	mfm_json_put_double(b, s->nrec);
	mfm_buf_adds(b, ",\"labelled\":");
	mfm_json_put_double(b, s->nlab);
	mfm_buf_addc(b, ',');
	mfm_buf_add(b, set->p, set->len);
	mfm_buf_adds(b, "}\n");
	mfm_drift_sort_features(d);
	for (i = 0; i < d->nname; i++) {
		id = d->order[i];
		if (id >= s->nf || s->f[id].present == 0)
			continue;
		sk = &s->f[id];
		mfm_sketch_compact(sk, &d->budget);
		/*
		 * Lines add up, so a long sketch is cut into several lines
		 * that a reader's --max-line takes.
		 */
		start = feature_line(d, id, window, wlen, group, glen, b);
		for (first = 1, c = 0; c < sk->nnum; c++, first = 0) {
			if (b->len - start > MFM_DRIFT_STATE_LINE) {
				mfm_buf_adds(b, "],\"categories\":{}}\n");
				start = feature_line(d, id, window, wlen,
				    group, glen, b);
				first = 1;
			}
			put_number(b, sk, c, first);
		}
		mfm_buf_adds(b, "],\"categories\":{");
		ix = category_order(sk);
		for (first = 1, c = 0; c < sk->ncat; c++, first = 0) {
			if (b->len - start > MFM_DRIFT_STATE_LINE) {
				mfm_buf_adds(b, "}}\n");
				start = feature_line(d, id, window, wlen,
				    group, glen, b);
				mfm_buf_adds(b, "],\"categories\":{");
				first = 1;
			}
			put_category(b, sk, ix[c], first);
		}
		free(ix);
		mfm_buf_adds(b, "}}\n");
	}
}

/*
 * A count in a state line: a whole number from min to 2^53, beyond which
 * doubles no longer count one by one.
 */
static int
whole_count(const struct mfm_json *j, int t, double min, double *c)
{
	return mfm_json_type_of(j, t) == MFM_JSON_NUMBER &&
	    mfm_json_double(j, t, c) == 0 && *c >= min &&
	    *c <= 9007199254740992.0 && *c == floor(*c) ? 0 : -1;
}

/* The members of a head line that must equal this run's settings. */
static int
same_settings(struct mfm_drift *d, const struct mfm_json *j)
{
	const struct mfm_buf *set = settings(d);
	const char *raw;
	size_t n;
	int t;

	t = mfm_json_member(j, 0, "features", 8);
	if (t < 0)
		return 0;
	mfm_buf_clear(&d->key);
	mfm_buf_adds(&d->key, "\"features\":");
	raw = mfm_json_raw(j, t, &n);
	mfm_buf_add(&d->key, raw, n);
	t = mfm_json_member(j, 0, "label", 5);
	if (t < 0)
		return 0;
	mfm_buf_adds(&d->key, ",\"label\":");
	raw = mfm_json_raw(j, t, &n);
	mfm_buf_add(&d->key, raw, n);
	return d->key.len == set->len &&
	    memcmp(d->key.p, set->p, set->len) == 0;
}

int
mfm_drift_check_state(struct mfm_drift *d, const struct mfm_json *j,
    struct mfm_err *err)
{
	int64_t version;
	int t, u, e;
	double v, c, nrec, nlab;
	const char *k;
	size_t n;

	t = mfm_json_member(j, 0, "version", 7);
	if (t < 0 || mfm_json_int64(j, t, &version) != 0)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "drift state without a version");
	if (version != MFM_DRIFT_STATE_VERSION)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "drift state version %lld, not %d", (long long)version,
		    MFM_DRIFT_STATE_VERSION);
	t = mfm_json_member(j, 0, "feature", 7);
	if (t < 0) {
		if (whole_count(j, mfm_json_member(j, 0, "records", 7), 0,
		    &nrec) != 0 || whole_count(j, mfm_json_member(j, 0,
		    "labelled", 8), 0, &nlab) != 0 || nlab > nrec)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "drift state without record counts");
		if (!same_settings(d, j))
			return mfm_err_set(err, MFM_ERR_DATA,
			    "drift state of other --features, --score or "
			    "--label");
		return 0;
	}
	if (mfm_json_type_of(j, t) != MFM_JSON_STRING)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "drift state 'feature' is not a string");
	k = mfm_json_str(j, t, &n, &d->str);
	if (spec_of(d, k, n) == d->nspec)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "drift state of a feature that --features, --score and "
		    "--label do not name");
	t = mfm_json_member(j, 0, "numbers", 7);
	if (mfm_json_type_of(j, t) != MFM_JSON_ARRAY)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "drift state 'numbers' is not an array");
	for (u = mfm_json_first(j, t); u >= 0; u = mfm_json_next(j, t, u)) {
		e = mfm_json_first(j, u);
		if (mfm_json_type_of(j, u) != MFM_JSON_ARRAY ||
		    mfm_json_at(j, u)->count != 2 ||
		    mfm_json_type_of(j, e) != MFM_JSON_NUMBER ||
		    mfm_json_double(j, e, &v) != 0 ||
		    whole_count(j, mfm_json_next(j, u, e), 1, &c) != 0)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "drift state 'numbers' holds a bad [value, count]");
	}
	t = mfm_json_member(j, 0, "categories", 10);
	if (mfm_json_type_of(j, t) != MFM_JSON_OBJECT)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "drift state 'categories' is not an object");
	for (u = mfm_json_first(j, t); u >= 0; u = mfm_json_next(j, t, u))
		if (whole_count(j, u + 1, 1, &c) != 0)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "drift state 'categories' holds a bad count");
	return 0;
}

int
mfm_drift_read_state(struct mfm_drift *d, struct mfm_drift_set *s,
    const struct mfm_json *j, struct mfm_err *err)
{
	struct mfm_sketch *sk;
	int t, u, e;
	double v, c;
	const char *k;
	size_t n, id;

	if (mfm_drift_check_state(d, j, err) != 0)
		return -1;
	t = mfm_json_member(j, 0, "feature", 7);
	if (t < 0) {
		(void)mfm_json_double(j, mfm_json_member(j, 0, "records", 7),
		    &c);
		s->nrec += c;
		(void)mfm_json_double(j, mfm_json_member(j, 0, "labelled", 8),
		    &c);
		s->nlab += c;
		return 0;
	}
	k = mfm_json_str(j, t, &n, &d->str);
	id = feature_id(d, k, n, 0);
	set_grow(s, d->nname);
	sk = &s->f[id];
	t = mfm_json_member(j, 0, "numbers", 7);
	for (u = mfm_json_first(j, t); u >= 0; u = mfm_json_next(j, t, u)) {
		e = mfm_json_first(j, u);
		(void)mfm_json_double(j, e, &v);
		(void)mfm_json_double(j, mfm_json_next(j, u, e), &c);
		if (mfm_sketch_add_num(sk, v, c, &d->budget, err) != 0)
			return -1;
	}
	t = mfm_json_member(j, 0, "categories", 10);
	for (u = mfm_json_first(j, t); u >= 0; u = mfm_json_next(j, t, u)) {
		(void)mfm_json_double(j, u + 1, &c);
		k = mfm_json_str(j, u, &n, &d->str);
		if (mfm_sketch_add_cat(sk, k, n, c, &d->budget, err) != 0)
			return -1;
	}
	return 0;
}
