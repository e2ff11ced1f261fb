/*
 * Exact feature sketches; see sketch.h.
 *
 * Numbers are appended unsorted, which keeps adding O(1); when the array
 * must grow it is first sorted and merged, so a feature with few
 * distinct values (ages, counts, flags) stays small however many records
 * it sees, and only distinct values are charged to the budget for long.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/sketch.h"
#include "lib/banned.h"

void
mfm_sketch_init(struct mfm_sketch *s)
{
	memset(s, 0, sizeof(*s));
	mfm_keymap_init(&s->catmap);
}

void
mfm_sketch_release(struct mfm_sketch *s, struct mfm_sketch_budget *b)
{
	if (s == NULL)
		return;
	if (b != NULL)
		b->used -= s->nnum;
	free(s->num);
	free(s->cat);
	mfm_keymap_release(&s->catmap);
	memset(s, 0, sizeof(*s));
}

static int
cmp_vc(const void *x, const void *y)
{
	double a = ((const struct mfm_stats_vc *)x)->v;
	double b = ((const struct mfm_stats_vc *)y)->v;

	return a < b ? -1 : a > b;
}

void
mfm_sketch_compact(struct mfm_sketch *s, struct mfm_sketch_budget *b)
{
	size_t i, k = 0;

	if (s->nsorted == s->nnum)
		return;
	qsort(s->num, s->nnum, sizeof(*s->num), cmp_vc);
	for (i = 0; i < s->nnum; i++) {
		if (k > 0 && s->num[k - 1].v == s->num[i].v)
			s->num[k - 1].c += s->num[i].c;
		else
			s->num[k++] = s->num[i];
	}
	if (b != NULL)
		b->used -= s->nnum - k;
	s->nnum = s->nsorted = k;
}

/* Binary search of a compacted sketch's numbers. */
static struct mfm_stats_vc *
find_value(struct mfm_sketch *s, double v)
{
	size_t lo = 0, hi = s->nnum, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->num[mid].v < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nnum && s->num[lo].v == v ? &s->num[lo] : NULL;
}

int
mfm_sketch_add_num(struct mfm_sketch *s, double v, double c,
    struct mfm_sketch_budget *b, struct mfm_err *err)
{
	if (v == 0)
		v = 0;		/* -0 and +0 are one value */
	if (s->nnum == s->numcap) {
		mfm_sketch_compact(s, b);
		if (s->nnum * 2 >= s->numcap) {
			s->numcap = s->numcap ? s->numcap * 2 : 16;
			s->num = mfm_xreallocarray(s->num, s->numcap,
			    sizeof(*s->num));
		}
	}
	if (b->used >= b->max_values) {
		/* At the cap a value already kept can still be counted. */
		mfm_sketch_compact(s, b);
		if (b->used >= b->max_values) {
			struct mfm_stats_vc *hit = find_value(s, v);

			if (hit == NULL)
				return mfm_err_limit(err, MFM_CAP_VALUES,
				    "more than %zu distinct values kept",
				    b->max_values);
			hit->c += c;
			s->numc += c;
			s->present += c;
			return 0;
		}
	}
	s->num[s->nnum].v = v;
	s->num[s->nnum++].c = c;
	b->used++;
	s->numc += c;
	s->present += c;
	return 0;
}

int
mfm_sketch_add_cat(struct mfm_sketch *s, const char *k, size_t n, double c,
    struct mfm_sketch_budget *b, struct mfm_err *err)
{
	size_t *v, len;
	const char *key;
	int isnew;

	v = mfm_keymap_find(&s->catmap, k, n);
	if (v == NULL) {
		if (s->ncat >= b->max_categories)
			return mfm_err_limit(err, MFM_CAP_CATEGORIES,
			    "more than %zu categories in one feature",
			    b->max_categories);
		if (n > UINT32_MAX)
			return mfm_err_set(err, MFM_ERR_LIMIT,
			    "category longer than 4G bytes");
		v = mfm_keymap_put(&s->catmap, k, n, &isnew);
		*v = s->ncat;
		if (s->ncat == s->catcap) {
			s->catcap = s->catcap ? s->catcap * 2 : 8;
			s->cat = mfm_xreallocarray(s->cat, s->catcap,
			    sizeof(*s->cat));
		}
		key = mfm_keymap_key(&s->catmap, v, &len);
		s->cat[s->ncat].off = s->catmap.arena == NULL ? 0 :
		    (size_t)(key - s->catmap.arena);
		s->cat[s->ncat].len = len;
		s->cat[s->ncat++].c = 0;
	}
	s->cat[*v].c += c;
	s->catc += c;
	s->present += c;
	return 0;
}

int
mfm_sketch_merge(struct mfm_sketch *dst, const struct mfm_sketch *src,
    struct mfm_sketch_budget *b, struct mfm_err *err)
{
	const char *k;
	size_t i, n;

	for (i = 0; i < src->nnum; i++)
		if (mfm_sketch_add_num(dst, src->num[i].v, src->num[i].c, b,
		    err) != 0)
			return -1;
	for (i = 0; i < src->ncat; i++) {
		k = mfm_sketch_cat_key(src, i, &n);
		if (mfm_sketch_add_cat(dst, k, n, src->cat[i].c, b, err) != 0)
			return -1;
	}
	return 0;
}

const char *
mfm_sketch_cat_key(const struct mfm_sketch *s, size_t i, size_t *lenp)
{
	*lenp = s->cat[i].len;
	if (s->catmap.arena == NULL)
		return "";	/* only empty keys so far */
	return s->catmap.arena + s->cat[i].off;
}

double
mfm_sketch_cat_count(const struct mfm_sketch *s, const char *k, size_t n)
{
	size_t *v = mfm_keymap_find(&s->catmap, k, n);

	return v == NULL ? 0 : s->cat[*v].c;
}
