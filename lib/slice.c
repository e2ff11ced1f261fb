/*
 * The slice engine; see slice.h.
 *
 * Every slice keeps two metric accumulators (lib/metric.h), one for the
 * reference's rows and one for the window's, so accuracy and AUC come
 * from the same exact code mfm-metric uses.  Slices are found through a
 * hash of their key, the feature numbers and value codes of one or two
 * features; a value code is 0 for missing, else 1 + the category number
 * or 1 + the bin number.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/slice.h"
#include "lib/stats.h"
#include "lib/banned.h"

#define NUMBER_CAT	"(number)"

struct slot {
	uint32_t fa, fb;	/* fb == UINT32_MAX: one feature */
	uint64_t ca, cb;
	struct mfm_metric_acc acc[2];
};

void
mfm_slice_init(struct mfm_slice *s)
{
	memset(s, 0, sizeof(*s));
	s->threshold = 0.5;
	s->bins = MFM_SLICE_BINS;
	s->min_support = MFM_SLICE_MIN_SUPPORT;
	s->max_rows = MFM_SLICE_MAX_ROWS;
	s->max_slices = MFM_SLICE_MAX_SLICES;
	mfm_keymap_init(&s->names);
	mfm_keymap_init(&s->cats);
}

void
mfm_slice_release(struct mfm_slice *s)
{
	size_t i;

	for (i = 0; i < s->nname; i++)
		free(s->name[i]);
	free(s->name);
	free(s->catoff);
	free(s->catlen);
	free(s->tmp);
	mfm_keymap_release(&s->names);
	mfm_keymap_release(&s->cats);
	mfm_buf_release(&s->str);
	mfm_buf_release(&s->key);
}

void
mfm_slice_rows_release(struct mfm_slice_rows *r)
{
	free(r->row);
	free(r->val);
	memset(r, 0, sizeof(*r));
}

static uint32_t
feature_id(struct mfm_slice *s, const char *name, size_t n)
{
	size_t *v;
	int isnew;

	v = mfm_keymap_put(&s->names, name, n, &isnew);
	if (isnew) {
		if (s->nname == s->namecap) {
			s->namecap = s->namecap ? s->namecap * 2 : 16;
			s->name = mfm_xreallocarray(s->name, s->namecap,
			    sizeof(*s->name));
		}
		s->name[s->nname] = mfm_xmemdup(name, n);
		*v = s->nname++;
	}
	return (uint32_t)*v;
}

static uint32_t
cat_id(struct mfm_slice *s, uint32_t fid, const char *k, size_t n)
{
	size_t *v, len;
	const char *key;
	int isnew;

	mfm_buf_clear(&s->key);
	mfm_buf_add(&s->key, &fid, sizeof(fid));
	mfm_buf_add(&s->key, k, n);
	v = mfm_keymap_put(&s->cats, s->key.p, s->key.len, &isnew);
	if (isnew) {
		if (s->ncat == s->catcap) {
			s->catcap = s->catcap ? s->catcap * 2 : 64;
			s->catoff = mfm_xreallocarray(s->catoff, s->catcap,
			    sizeof(*s->catoff));
			s->catlen = mfm_xreallocarray(s->catlen, s->catcap,
			    sizeof(*s->catlen));
		}
		key = mfm_keymap_key(&s->cats, v, &len);
		s->catoff[s->ncat] = (size_t)(key - s->cats.arena) +
		    sizeof(fid);
		s->catlen[s->ncat] = len - sizeof(fid);
		*v = s->ncat++;
	}
	return (uint32_t)*v;
}

/* Collect one value into tmp; -1 for a type no slice can hold. */
static int
take(struct mfm_slice *s, const struct mfm_json *j, int t, const char *name,
    size_t nlen, struct mfm_err *err)
{
	struct mfm_slice_val v;
	const char *k;
	size_t n;

	switch (mfm_json_type_of(j, t)) {
	case MFM_JSON_NONE:
	case MFM_JSON_NULL:
		return 0;
	case MFM_JSON_OBJECT:
	case MFM_JSON_ARRAY:
		return mfm_err_set(err, MFM_ERR_DATA,
		    "field '%.*s' is not a number, string or boolean",
		    (int)nlen, name);
	case MFM_JSON_NUMBER:
		if (mfm_json_double(j, t, &v.num) != 0)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "field '%.*s' is out of range", (int)nlen, name);
		v.fid = feature_id(s, name, nlen);
		v.cat = UINT32_MAX;
		break;
	default:
		v.fid = feature_id(s, name, nlen);
		if (mfm_json_type_of(j, t) == MFM_JSON_STRING)
			k = mfm_json_str(j, t, &n, &s->str);
		else if (mfm_json_type_of(j, t) == MFM_JSON_TRUE)
			k = "true", n = 4;
		else
			k = "false", n = 5;
		v.cat = cat_id(s, v.fid, k, n);
		v.num = 0;
	}
	if (s->ntmp == s->tmpcap) {
		s->tmpcap = s->tmpcap ? s->tmpcap * 2 : 16;
		s->tmp = mfm_xreallocarray(s->tmp, s->tmpcap, sizeof(*s->tmp));
	}
	s->tmp[s->ntmp++] = v;
	return 0;
}

int
mfm_slice_add(struct mfm_slice *s, struct mfm_slice_rows *r,
    const struct mfm_json *j, struct mfm_err *err)
{
	struct mfm_slice_row row;
	struct mfm_buf name = MFM_BUF_INIT;
	const char *k;
	size_t i, n;
	int t, m;

	t = mfm_json_get(j, 0, s->score);
	if (t < 0)
		return mfm_err_set(err, MFM_ERR_DATA, "field '%s' missing",
		    s->score->text);
	if (mfm_json_type_of(j, t) != MFM_JSON_NUMBER)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "field '%s' is not a number", s->score->text);
	if (mfm_json_double(j, t, &row.score) != 0)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "field '%s' is out of range", s->score->text);
	t = mfm_json_get(j, 0, s->label);
	if (mfm_metric_label(s->labels, j, t, s->label->text, &row.label,
	    err) != 0)
		return -1;
	if (s->nrows >= s->max_rows)
		return mfm_err_set(err, MFM_ERR_LIMIT,
		    "more than %zu records kept", s->max_rows);
	s->ntmp = 0;
	for (i = 0; i < s->nspec; i++) {
		t = mfm_json_get(j, 0, &s->spec[i]);
		if (!s->wild[i]) {
			if (take(s, j, t, s->spec[i].text,
			    strlen(s->spec[i].text), err) != 0)
				goto bad;
			continue;
		}
		if (mfm_json_type_of(j, t) != MFM_JSON_OBJECT)
			continue;
		for (m = mfm_json_first(j, t); m >= 0;
		    m = mfm_json_next(j, t, m)) {
			mfm_buf_clear(&name);
			mfm_buf_adds(&name, s->spec[i].text);
			mfm_buf_addc(&name, '.');
			k = mfm_json_str(j, m, &n, &s->str);
			mfm_buf_add(&name, k, n);
			if (take(s, j, m + 1, name.p, name.len, err) != 0)
				goto bad;
		}
	}
	mfm_buf_release(&name);
	if (r->nval + s->ntmp > r->valcap) {
		while (r->nval + s->ntmp > r->valcap)
			r->valcap = r->valcap ? r->valcap * 2 : 64;
		r->val = mfm_xreallocarray(r->val, r->valcap, sizeof(*r->val));
	}
	if (s->ntmp > 0)
		memcpy(r->val + r->nval, s->tmp, s->ntmp * sizeof(*s->tmp));
	row.off = r->nval;
	row.nv = (uint32_t)s->ntmp;
	r->nval += s->ntmp;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->row = mfm_xreallocarray(r->row, r->cap, sizeof(*r->row));
	}
	r->row[r->n++] = row;
	s->nrows++;
	return 0;
bad:
	mfm_buf_release(&name);
	return -1;
}

int
mfm_slice_rows_merge(struct mfm_slice *s, struct mfm_slice_rows *dst,
    const struct mfm_slice_rows *src, struct mfm_err *err)
{
	size_t i;

	if (s->nrows + src->n > s->max_rows)
		return mfm_err_set(err, MFM_ERR_LIMIT,
		    "more than %zu records kept", s->max_rows);
	if (dst->n + src->n > dst->cap) {
		dst->cap = dst->n + src->n;
		dst->row = mfm_xreallocarray(dst->row, dst->cap,
		    sizeof(*dst->row));
	}
	if (dst->nval + src->nval > dst->valcap) {
		dst->valcap = dst->nval + src->nval;
		dst->val = mfm_xreallocarray(dst->val, dst->valcap,
		    sizeof(*dst->val));
	}
	for (i = 0; i < src->n; i++) {
		dst->row[dst->n + i] = src->row[i];
		dst->row[dst->n + i].off += dst->nval;
	}
	if (src->nval > 0)
		memcpy(dst->val + dst->nval, src->val,
		    src->nval * sizeof(*src->val));
	dst->n += src->n;
	dst->nval += src->nval;
	s->nrows += src->n;
	return 0;
}

/* Per feature: its kind and, for numeric ones, the bin edges. */
struct feat {
	int hascat, hasnum;
	double *edge;
	size_t nedge;
};

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* Edges at the reference's quantiles, as mfm-drift cuts them. */
static void
edges(struct feat *f, double *v, size_t n, size_t bins)
{
	size_t k, i;

	f->edge = mfm_xcalloc(bins, sizeof(*f->edge));
	f->nedge = 0;
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	for (k = 1; k < bins; k++) {
		/*
		 * The first value whose cumulative count passes n k / bins:
		 * the one at index floor(n k / bins), ties included.
		 */
		i = (size_t)floor((double)n * (double)k / (double)bins);
		if (i >= n || v[i] == v[0])
			continue;
		if (f->nedge > 0 && f->edge[f->nedge - 1] == v[i])
			continue;
		f->edge[f->nedge++] = v[i];
	}
}

/* The value code of feature fid in a row; see the top of this file. */
static uint64_t
code_of(const struct feat *f, const struct mfm_slice_rows *r,
    const struct mfm_slice_row *row, uint32_t fid, size_t ncat)
{
	const struct mfm_slice_val *v = r->val + row->off;
	size_t i, b;

	for (i = 0; i < row->nv; i++) {
		if (v[i].fid != fid)
			continue;
		if (f[fid].hascat)
			return v[i].cat == UINT32_MAX ? 1 + (uint64_t)ncat :
			    1 + (uint64_t)v[i].cat;
		for (b = 0; b < f[fid].nedge && v[i].num >= f[fid].edge[b];
		    b++)
			;
		return 1 + (uint64_t)b;
	}
	return 0;
}

static double
metric_of(struct mfm_slice *s, const struct mfm_metric_acc *a,
    struct mfm_buf *scratch)
{
	if (a->labelled == 0)
		return NAN;
	if (s->metric == MFM_SLICE_AUC)
		return mfm_metric_acc_auc(a, scratch);
	return (a->tp + a->tn) / (double)a->labelled;
}

static void
put_value(struct mfm_slice *s, struct mfm_buf *b, const struct feat *f,
    uint32_t fid, uint64_t code)
{
	size_t c;

	if (code == 0) {
		mfm_buf_adds(b, "null");
		return;
	}
	c = (size_t)(code - 1);
	if (f[fid].hascat) {
		if (c == s->ncat)
			mfm_json_put_str(b, NUMBER_CAT, strlen(NUMBER_CAT));
		else
			mfm_json_put_str(b, s->cats.arena + s->catoff[c],
			    s->catlen[c]);
		return;
	}
	mfm_buf_addc(b, '[');
	mfm_json_put_double(b, c == 0 ? NAN : f[fid].edge[c - 1]);
	mfm_buf_addc(b, ',');
	mfm_json_put_double(b, c == f[fid].nedge ? NAN : f[fid].edge[c]);
	mfm_buf_addc(b, ']');
}

/* The slice of key, created if new; NULL past max_slices. */
static struct slot *
slot_get(struct mfm_slice *s, struct mfm_keymap *map, struct slot **slot,
    size_t *nslot, size_t *cap, const uint64_t key[4], struct mfm_err *err)
{
	struct slot *sl;
	size_t *v;
	int isnew;

	v = mfm_keymap_put(map, key, 4 * sizeof(*key), &isnew);
	if (!isnew)
		return &(*slot)[*v];
	if (*nslot >= s->max_slices) {
		mfm_err_set(err, MFM_ERR_LIMIT, "more than %zu slices",
		    s->max_slices);
		return NULL;
	}
	if (*nslot == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*slot = mfm_xreallocarray(*slot, *cap, sizeof(**slot));
	}
	sl = &(*slot)[*nslot];
	memset(sl, 0, sizeof(*sl));
	sl->fa = (uint32_t)key[0];
	sl->ca = key[1];
	sl->fb = (uint32_t)key[2];
	sl->cb = key[3];
	mfm_metric_acc_init(&sl->acc[0], s->threshold);
	mfm_metric_acc_init(&sl->acc[1], s->threshold);
	*v = (*nslot)++;
	return sl;
}

static int
cmp_result(const void *x, const void *y)
{
	const struct mfm_slice_result *a = x, *b = y;

	if (isnan(a->contribution) != isnan(b->contribution))
		return isnan(a->contribution) ? 1 : -1;
	if (a->contribution != b->contribution)
		return a->contribution < b->contribution ? -1 : 1;
	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	return strcmp(a->key.p, b->key.p);
}

int
mfm_slice_compare(struct mfm_slice *s, const struct mfm_slice_rows *ref,
    const struct mfm_slice_rows *cur, struct mfm_slice_report *rep,
    struct mfm_err *err)
{
	const struct mfm_slice_rows *side[2] = { ref, cur };
	struct mfm_metric_acc all[2];
	struct mfm_buf scratch = MFM_BUF_INIT;
	struct mfm_keymap map;
	struct slot *slot = NULL, *sl;
	struct mfm_slice_result *res;
	struct feat *f;
	size_t nslot = 0, slotcap = 0, nf = s->nname, i, k, a, b, ngroup;
	uint64_t *code = NULL, key[4];
	double *vals = NULL, *pv = NULL, *qv = NULL, c0, c1, pool, z;
	size_t nv, ntest = 0;
	int side_i, rc = 0;

	memset(rep, 0, sizeof(*rep));
	f = mfm_xcalloc(nf ? nf : 1, sizeof(*f));
	/* Kinds from both sides; numeric edges from the reference. */
	for (side_i = 0; side_i < 2; side_i++)
		for (i = 0; i < side[side_i]->nval; i++) {
			const struct mfm_slice_val *sv = &side[side_i]->val[i];

			if (sv->cat == UINT32_MAX)
				f[sv->fid].hasnum = 1;
			else
				f[sv->fid].hascat = 1;
		}
	vals = mfm_xcalloc(ref->nval ? ref->nval : 1, sizeof(*vals));
	for (k = 0; k < nf; k++) {
		if (f[k].hascat || !f[k].hasnum)
			continue;
		for (nv = 0, i = 0; i < ref->nval; i++)
			if (ref->val[i].fid == k)
				vals[nv++] = ref->val[i].num;
		edges(&f[k], vals, nv, s->bins);
	}
	free(vals);

	mfm_keymap_init(&map);
	mfm_metric_acc_init(&all[0], s->threshold);
	mfm_metric_acc_init(&all[1], s->threshold);
	code = mfm_xcalloc(nf ? nf : 1, sizeof(*code));
	for (side_i = 0; side_i < 2 && rc == 0; side_i++) {
		const struct mfm_slice_rows *r = side[side_i];

		for (i = 0; i < r->n && rc == 0; i++) {
			const struct mfm_slice_row *row = &r->row[i];

			(void)mfm_metric_acc_add(&all[side_i], row->score,
			    row->label, NULL);
			for (k = 0; k < nf; k++)
				code[k] = code_of(f, r, row, (uint32_t)k,
				    s->ncat);
			for (a = 0; a < nf && rc == 0; a++) {
				if (!f[a].hascat && !f[a].hasnum)
					continue;
				for (b = a; b < nf; b++) {
					if (b > a && (!s->pairs ||
					    (!f[b].hascat && !f[b].hasnum)))
						continue;
					key[0] = a;
					key[1] = code[a];
					key[2] = b == a ? UINT32_MAX : b;
					key[3] = b == a ? 0 : code[b];
					sl = slot_get(s, &map, &slot, &nslot,
					    &slotcap, key, err);
					if (sl == NULL) {
						rc = -1;
						break;
					}
					(void)mfm_metric_acc_add(
					    &sl->acc[side_i], row->score,
					    row->label, NULL);
					if (!s->pairs)
						break;
				}
			}
		}
	}
	free(code);

	rep->n0 = (double)all[0].labelled;
	rep->n1 = (double)all[1].labelled;
	rep->m0 = metric_of(s, &all[0], &scratch);
	rep->m1 = metric_of(s, &all[1], &scratch);
	rep->change = rep->m1 - rep->m0;
	if (rc == 0) {
		rep->res = res = mfm_xcalloc(nslot ? nslot : 1, sizeof(*res));
		rep->nres = 0;
		pv = mfm_xcalloc(nslot ? nslot : 1, sizeof(*pv));
		qv = mfm_xcalloc(nslot ? nslot : 1, sizeof(*qv));
	}
	for (i = 0; rc == 0 && i < nslot; i++) {
		struct slot *st = &slot[i];
		struct mfm_slice_result *r = &res[rep->nres];
		double m0;

		/* All of the traffic on both sides is no slice at all. */
		if (st->acc[0].labelled == all[0].labelled &&
		    st->acc[1].labelled == all[1].labelled)
			continue;
		rep->nres++;

		r->group = (size_t)st->fa * (nf + 1) +
		    (st->fb == UINT32_MAX ? nf : st->fb);
		mfm_buf_addc(&r->key, '{');
		mfm_json_put_str(&r->key, s->name[st->fa],
		    strlen(s->name[st->fa]));
		mfm_buf_addc(&r->key, ':');
		put_value(s, &r->key, f, st->fa, st->ca);
		if (st->fb != UINT32_MAX) {
			mfm_buf_addc(&r->key, ',');
			mfm_json_put_str(&r->key, s->name[st->fb],
			    strlen(s->name[st->fb]));
			mfm_buf_addc(&r->key, ':');
			put_value(s, &r->key, f, st->fb, st->cb);
		}
		mfm_buf_addc(&r->key, '}');
		r->n0 = (double)st->acc[0].labelled;
		r->n1 = (double)st->acc[1].labelled;
		r->w0 = rep->n0 > 0 ? r->n0 / rep->n0 : 0;
		r->w1 = rep->n1 > 0 ? r->n1 / rep->n1 : 0;
		r->m0 = metric_of(s, &st->acc[0], &scratch);
		r->m1 = metric_of(s, &st->acc[1], &scratch);
		/* A slice new to the window performs "like the whole". */
		m0 = isnan(r->m0) ? rep->m0 : r->m0;
		r->mix = (r->w1 - r->w0) * (m0 - rep->m0);
		r->within = r->w1 > 0 && !isnan(r->m1) ?
		    r->w1 * (r->m1 - m0) : 0;
		r->contribution = r->mix + r->within;
		r->p = r->q = NAN;
		if (r->n0 >= s->min_support && r->n1 >= s->min_support &&
		    r->n0 > 0 && r->n1 > 0) {
			/* Two-proportion z-test of accuracy, pooled. */
			c0 = st->acc[0].tp + st->acc[0].tn;
			c1 = st->acc[1].tp + st->acc[1].tn;
			pool = (c0 + c1) / (r->n0 + r->n1);
			z = pool > 0 && pool < 1 ? (c1 / r->n1 -
			    c0 / r->n0) / sqrt(pool * (1 - pool) *
			    (1 / r->n0 + 1 / r->n1)) : 0;
			r->p = 2 * mfm_stats_norm_sf(fabs(z));
			pv[ntest++] = r->p;
		}
	}
	if (rc == 0) {
		/* Benjamini-Hochberg over the tested slices, in order. */
		mfm_stats_bh(pv, qv, ntest);
		for (k = 0, i = 0; i < rep->nres; i++)
			if (!isnan(res[i].p))
				res[i].q = qv[k++];
		/* Sums per feature or pair. */
		ngroup = (nf + 1) * (nf + 1);
		{
			double *gm = mfm_xcalloc(ngroup, sizeof(*gm));
			double *gw = mfm_xcalloc(ngroup, sizeof(*gw));

			for (i = 0; i < rep->nres; i++) {
				gm[res[i].group] += res[i].mix;
				gw[res[i].group] += res[i].within;
			}
			for (i = 0; i < rep->nres; i++) {
				res[i].fmix = gm[res[i].group];
				res[i].fwithin = gw[res[i].group];
				res[i].fresidual = rep->change -
				    res[i].fmix - res[i].fwithin;
			}
			free(gm);
			free(gw);
		}
		qsort(res, rep->nres, sizeof(*res), cmp_result);
	}
	free(pv);
	free(qv);
	for (i = 0; i < nslot; i++) {
		mfm_metric_acc_release(&slot[i].acc[0]);
		mfm_metric_acc_release(&slot[i].acc[1]);
	}
	free(slot);
	for (k = 0; k < nf; k++)
		free(f[k].edge);
	free(f);
	mfm_metric_acc_release(&all[0]);
	mfm_metric_acc_release(&all[1]);
	mfm_keymap_release(&map);
	mfm_buf_release(&scratch);
	return rc;
}

void
mfm_slice_report_release(struct mfm_slice_report *rep)
{
	size_t i;

	for (i = 0; i < rep->nres; i++)
		mfm_buf_release(&rep->res[i].key);
	free(rep->res);
	memset(rep, 0, sizeof(*rep));
}
