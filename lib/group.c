/*
 * Records grouped by window and field values; see group.h.
 *
 * A record's key is built into a scratch buffer, hashed, and looked up
 * in an open-addressing index over the entry array; only a new key is
 * copied.  The window's start time is parsed once, when its entry is
 * created, so that sorting for output compares integers.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/group.h"
#include "lib/tm.h"
#include "lib/banned.h"

void
mfm_group_init(struct mfm_group *g, size_t valsize, size_t max)
{
	memset(g, 0, sizeof(*g));
	g->valsize = valsize;
	g->max = max ? max : MFM_GROUP_MAX_DEFAULT;
	mfm_buf_init(&g->key);
	mfm_buf_init(&g->str);
}

void
mfm_group_release(struct mfm_group *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		free(g->ent[i].key);
		free(g->ent[i].val);
	}
	free(g->ent);
	free(g->slot);
	free(g->byend);
	mfm_buf_release(&g->key);
	mfm_buf_release(&g->str);
	mfm_buf_release(&g->byname);
	for (i = 0; i < MFM_GROUP_MEMO; i++)
		mfm_buf_release(&g->memo[i].raw);
	mfm_group_init(g, g->valsize, g->max);
}

/*
 * A word at a time, each mixed in by a multiply and a shift: keys are a
 * window and a group, near a hundred bytes, and FNV's byte at a time was
 * a tenth of mfm-metric's work.  Only the index uses it: no output
 * depends on its values.
 */
static size_t
hash_bytes(const char *p, size_t n)
{
	const uint64_t k = UINT64_C(0xbf58476d1ce4e5b9);
	uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ n, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * k;
		h ^= h >> 31;
	}
	for (w = 0; n > 0; n--)
		w = w << 8 | (unsigned char)p[n - 1];
	h = (h ^ w) * k;
	h ^= h >> 29;
	h *= UINT64_C(0x94d049bb133111eb);
	h ^= h >> 32;
	return (size_t)h;
}

/* Append value t of j (or null when t < 0) in its canonical form. */
static void
put_value(struct mfm_group *g, const struct mfm_json *j, int t)
{
	const char *s;
	size_t n;

	if (t < 0) {
		mfm_buf_add(&g->key, "null", 4);
		return;
	}
	if (j->tok[t].type == MFM_JSON_STRING &&
	    (j->tok[t].flags & MFM_JSON_F_ESCAPED)) {
		s = mfm_json_str(j, t, &n, &g->str);
		mfm_json_put_str(&g->key, s, n);
		return;
	}
	s = mfm_json_raw(j, t, &n);
	mfm_buf_add(&g->key, s, n);
}

/* Rebuild the index over the entries, with cap slots. */
static void
index_build(struct mfm_group *g, size_t cap)
{
	size_t i, h, mask;

	free(g->slot);
	g->cap = cap;
	g->slot = mfm_xcalloc(g->cap, sizeof(*g->slot));
	mask = g->cap - 1;
	for (i = 0; i < g->n; i++) {
		for (h = g->ent[i].hash & mask; g->slot[h] != 0;
		    h = (h + 1) & mask)
			;
		g->slot[h] = i + 1;
	}
}

/* Sort class and start time of a new entry's window, from its key. */
static void
window_start(struct mfm_group *g, struct mfm_group_entry *e)
{
	struct mfm_err err;
	struct mfm_json j;
	const char *s;
	size_t n;
	int t;

	e->wclass = 0;
	if (e->wlen == 4 && memcmp(e->key, "null", 4) == 0)
		return;
	e->wclass = 2;
	mfm_json_init(&j);
	if (mfm_json_parse(&j, e->key, e->wlen, &err) == 0 &&
	    mfm_json_type_of(&j, 0) == MFM_JSON_OBJECT) {
		t = mfm_json_member(&j, 0, "start", 5);
		if (mfm_json_type_of(&j, t) == MFM_JSON_STRING) {
			s = mfm_json_str(&j, t, &n, &g->str);
			if (mfm_tm_parse_rfc3339(s, n, &e->start, &err) == 0)
				e->wclass = 1;
		}
	}
	mfm_json_release(&j);
}

/* Whether key token k of j is "revision" (once unescaped). */
static int
is_revision(const struct mfm_json *j, int k)
{
	if (j->tok[k].flags & MFM_JSON_F_ESCAPED)
		return mfm_json_str_eq(j, k, "revision", 8);
	return j->tok[k].len == 10 &&
	    memcmp(j->buf + j->tok[k].start + 1, "revision", 8) == 0;
}

void
mfm_group_put_window(struct mfm_buf *b, const struct mfm_json *j, int t)
{
	const char *s;
	size_t n, len = 1;
	int k, first = 1, plain = 1;

	if (mfm_json_type_of(j, t) != MFM_JSON_OBJECT) {
		mfm_buf_add(b, "null", 4);
		return;
	}
	/*
	 * An object written compactly and without "revision" is its own
	 * key: the usual case, one copy.  Its length tells, as white space
	 * is all that could make it longer than its members.
	 */
	for (k = mfm_json_first(j, t); k >= 0; k = mfm_json_next(j, t, k)) {
		if (is_revision(j, k)) {
			plain = 0;
			break;
		}
		len += j->tok[k].len + 1 + j->tok[k + 1].len + 1;
	}
	if (plain && (j->tok[t].len == len || (j->tok[t].count == 0 &&
	    j->tok[t].len == 2))) {
		s = mfm_json_raw(j, t, &n);
		mfm_buf_add(b, s, n);
		return;
	}
	/*
	 * Rebuilt member by member, so that a revised window
	 * ({"start":..,"end":..,"revision":2}) is the same window.
	 */
	mfm_buf_addc(b, '{');
	for (k = mfm_json_first(j, t); k >= 0; k = mfm_json_next(j, t, k)) {
		if (is_revision(j, k))
			continue;
		if (!first)
			mfm_buf_addc(b, ',');
		first = 0;
		s = mfm_json_raw(j, k, &n);
		mfm_buf_add(b, s, n);
		mfm_buf_addc(b, ':');
		s = mfm_json_raw(j, k + 1, &n);
		mfm_buf_add(b, s, n);
	}
	mfm_buf_addc(b, '}');
}

/* The entry keyed by g->key (window part wlen bytes), made if new. */
static void *
lookup(struct mfm_group *g, size_t wlen, int *created, struct mfm_err *err)
{
	struct mfm_group_entry *e;
	size_t h, mask, hash;

	*created = 0;
	if (g->sorted) {
		/* Sorting or removing moved the entries under the index. */
		index_build(g, g->cap ? g->cap : 64);
		g->sorted = 0;
	}
	hash = hash_bytes(g->key.p, g->key.len);
	if (g->cap > 0) {
		mask = g->cap - 1;
		for (h = hash & mask; g->slot[h] != 0; h = (h + 1) & mask) {
			e = &g->ent[g->slot[h] - 1];
			if (e->hash == hash && e->len == g->key.len &&
			    e->wlen == wlen &&
			    memcmp(e->key, g->key.p, e->len) == 0)
				return e->val;
		}
	}
	if (g->n >= g->max) {
		mfm_err_limit(err, MFM_CAP_GROUPS,
		    "more than %zu windows and groups open", g->max);
		return NULL;
	}
	if (g->n == g->alloc) {
		g->alloc = g->alloc ? g->alloc * 2 : 16;
		g->ent = mfm_xreallocarray(g->ent, g->alloc, sizeof(*g->ent));
	}
	e = &g->ent[g->n++];
	memset(e, 0, sizeof(*e));
	e->key = mfm_xmemdup(g->key.p, g->key.len);
	e->len = g->key.len;
	e->wlen = wlen;
	e->hash = hash;
	e->val = mfm_xcalloc(1, g->valsize ? g->valsize : 1);
	window_start(g, e);
	/* Keep the index at most half full. */
	if (g->n * 2 > g->cap)
		index_build(g, g->cap ? g->cap * 2 : 64);
	else {
		mask = g->cap - 1;
		for (h = hash & mask; g->slot[h] != 0; h = (h + 1) & mask)
			;
		g->slot[h] = g->n;
	}
	*created = 1;
	return e->val;
}

void *
mfm_group_get_key(struct mfm_group *g, const char *window, size_t wlen,
    const char *group, size_t glen, int *created, struct mfm_err *err)
{
	mfm_buf_clear(&g->key);
	mfm_buf_add(&g->key, window, wlen);
	mfm_buf_add(&g->key, group, glen);
	return lookup(g, wlen, created, err);
}

void
mfm_group_remove(struct mfm_group *g, size_t i)
{
	g->memo_gen++;
	free(g->ent[i].key);
	free(g->ent[i].val);
	g->ent[i] = g->ent[--g->n];
	g->sorted = 1;
}

void
mfm_group_by(struct mfm_group *g, const struct mfm_json_path *by, size_t nby)
{
	size_t i;

	g->memo_gen++;		/* other paths, other fields */
	mfm_buf_clear(&g->byname);
	g->byend = mfm_xreallocarray(g->byend, nby + 1, sizeof(*g->byend));
	for (i = 0; i < nby; i++) {
		mfm_json_put_str(&g->byname, by[i].text, strlen(by[i].text));
		mfm_buf_addc(&g->byname, ':');
		g->byend[i] = g->byname.len;
	}
	g->nby = nby;
}

/* Append field t of j as the memo keeps it: type, length, raw bytes. */
static void
memo_put(struct mfm_buf *b, const struct mfm_json *j, int t)
{
	uint32_t n;

	if (t < 0) {
		mfm_buf_addc(b, 0);
		return;
	}
	n = j->tok[t].len;
	mfm_buf_addc(b, (char)j->tok[t].type);
	mfm_buf_add(b, &n, sizeof(n));
	mfm_buf_add(b, j->buf + j->tok[t].start, n);
}

/* Whether field t of j is at *pp in a memo's raw bytes; moves *pp on. */
static int
memo_is(const char **pp, const struct mfm_json *j, int t)
{
	const char *p = *pp;
	uint32_t n;

	if (t < 0) {
		*pp = p + 1;
		return *p == 0;
	}
	if (*p != (char)j->tok[t].type)
		return 0;
	memcpy(&n, p + 1, sizeof(n));
	if (n != j->tok[t].len ||
	    memcmp(p + 1 + sizeof(n), j->buf + j->tok[t].start, n) != 0)
		return 0;
	*pp = p + 1 + sizeof(n) + n;
	return 1;
}

/* The hash of the fields' bytes as memo_put keeps them, in order. */
static size_t
memo_hash(const struct mfm_group *g, const struct mfm_json *j, int w,
    const int *val)
{
	size_t h = 0, i;
	int t;

	for (i = 0; i <= g->nby; i++) {
		t = i < g->nby ? val[i] : w;
		h = (h ^ (h >> 29)) * UINT64_C(0xbf58476d1ce4e5b9);
		if (t >= 0)
			h += hash_bytes(j->buf + j->tok[t].start,
			    j->tok[t].len) + j->tok[t].type;
	}
	return h;
}

/* The value block of a record with these fields' bytes, or NULL. */
static void *
memo_find(struct mfm_group *g, const struct mfm_json *j, int w,
    const int *val, size_t h)
{
	const struct mfm_group_memo *m = &g->memo[h & (MFM_GROUP_MEMO - 1)];
	const char *p;
	size_t i;

	if (m->val == NULL || m->hash != h || m->gen != g->memo_gen)
		return NULL;
	p = m->raw.p;
	for (i = 0; i < g->nby && memo_is(&p, j, val[i]); i++)
		;
	if (i == g->nby && memo_is(&p, j, w))
		return m->val;
	return NULL;
}

static void
memo_store(struct mfm_group *g, const struct mfm_json *j, int w,
    const int *val, size_t h, void *v)
{
	struct mfm_group_memo *m = &g->memo[h & (MFM_GROUP_MEMO - 1)];
	size_t i;

	mfm_buf_clear(&m->raw);
	for (i = 0; i < g->nby; i++)
		memo_put(&m->raw, j, val[i]);
	memo_put(&m->raw, j, w);
	m->hash = h;
	m->val = v;
	m->gen = g->memo_gen;
}

/* mfm_group_get_at, through the memo when use_memo is set. */
static void *
get_at(struct mfm_group *g, const struct mfm_json *j,
    const struct mfm_json_path *window, int w, const int *val,
    int use_memo, int *created, struct mfm_err *err)
{
	size_t i, wlen, at = 0, h = 0;
	void *v;

	*created = 0;
	switch (mfm_json_type_of(j, w)) {
	case MFM_JSON_NONE:
	case MFM_JSON_NULL:
		w = -1;
		break;
	case MFM_JSON_OBJECT:
		break;
	default:
		mfm_err_set(err, MFM_ERR_DATA, "field '%s' is not an object",
		    window->text);
		return NULL;
	}
	if (use_memo) {
		h = memo_hash(g, j, w, val);
		if ((v = memo_find(g, j, w, val, h)) != NULL)
			return v;
	}
	mfm_buf_clear(&g->key);
	mfm_group_put_window(&g->key, j, w);
	wlen = g->key.len;
	mfm_buf_addc(&g->key, '{');
	for (i = 0; i < g->nby; i++) {
		if (i > 0)
			mfm_buf_addc(&g->key, ',');
		mfm_buf_add(&g->key, g->byname.p + at, g->byend[i] - at);
		at = g->byend[i];
		put_value(g, j, val[i]);
	}
	mfm_buf_addc(&g->key, '}');
	if ((v = lookup(g, wlen, created, err)) != NULL && use_memo)
		memo_store(g, j, w, val, h, v);
	return v;
}

void *
mfm_group_get_at(struct mfm_group *g, const struct mfm_json *j,
    const struct mfm_json_path *window, int w, const int *val,
    int *created, struct mfm_err *err)
{
	return get_at(g, j, window, w, val, 1, created, err);
}

void *
mfm_group_get(struct mfm_group *g, const struct mfm_json *j,
    const struct mfm_json_path *window, const struct mfm_json_path *by,
    size_t nby, int *created, struct mfm_err *err)
{
	int val[16] = { 0 }, *v = val;
	size_t i;
	void *e;

	if (nby > sizeof(val) / sizeof(val[0]))
		v = mfm_xreallocarray(NULL, nby, sizeof(*v));
	for (i = 0; i < nby; i++)
		v[i] = mfm_json_get(j, 0, &by[i]);
	mfm_group_by(g, by, nby);
	e = get_at(g, j, window, mfm_json_get(j, 0, window), v, 0, created,
	    err);
	if (v != val)
		free(v);
	return e;
}

static int
cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c != 0)
		return c;
	return (an > bn) - (an < bn);
}

static int
cmp_entry(const void *pa, const void *pb)
{
	const struct mfm_group_entry *a = pa, *b = pb;
	int c;

	if (a->wclass != b->wclass)
		return a->wclass - b->wclass;
	if (a->wclass == 1 && a->start != b->start)
		return a->start < b->start ? -1 : 1;
	c = cmp_bytes(a->key, a->wlen, b->key, b->wlen);
	if (c != 0)
		return c;
	return cmp_bytes(a->key + a->wlen, a->len - a->wlen,
	    b->key + b->wlen, b->len - b->wlen);
}

void
mfm_group_sort(struct mfm_group *g)
{
	if (g->n > 1)
		qsort(g->ent, g->n, sizeof(*g->ent), cmp_entry);
	g->sorted = 1;
}

const char *
mfm_group_window(const struct mfm_group *g, size_t i, size_t *lenp)
{
	*lenp = g->ent[i].wlen;
	return g->ent[i].key;
}

const char *
mfm_group_text(const struct mfm_group *g, size_t i, size_t *lenp)
{
	*lenp = g->ent[i].len - g->ent[i].wlen;
	return g->ent[i].key + g->ent[i].wlen;
}

void
mfm_group_put_head(struct mfm_buf *b, const struct mfm_group *g, size_t i)
{
	const char *s;
	size_t n;

	mfm_buf_adds(b, "{\"window\":");
	s = mfm_group_window(g, i, &n);
	mfm_buf_add(b, s, n);
	mfm_buf_adds(b, ",\"group\":");
	s = mfm_group_text(g, i, &n);
	mfm_buf_add(b, s, n);
}
