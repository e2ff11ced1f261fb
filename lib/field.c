/*
 * Typed field reads; see field.h.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/field.h"
#include "lib/banned.h"

int
mfm_field_time(const struct mfm_json *j, const struct mfm_json_path *p,
    enum mfm_tm_unit unit, int64_t *us, struct mfm_err *err)
{
	return mfm_field_time_at(j, mfm_json_get(j, 0, p), p, unit, us, err);
}

int
mfm_field_time_at(const struct mfm_json *j, int t,
    const struct mfm_json_path *p, enum mfm_tm_unit unit, int64_t *us,
    struct mfm_err *err)
{
	struct mfm_buf tmp = MFM_BUF_INIT;
	struct mfm_err e;
	const char *s;
	size_t n;
	int rc;

	switch (mfm_json_type_of(j, t)) {
	case MFM_JSON_NONE:
	case MFM_JSON_NULL:
		return 0;
	case MFM_JSON_STRING:
		s = mfm_json_str(j, t, &n, &tmp);
		rc = mfm_tm_parse_rfc3339(s, n, us, &e);
		mfm_buf_release(&tmp);
		break;
	case MFM_JSON_NUMBER:
		/* From the text, exactly: a double would round nanoseconds. */
		s = mfm_json_raw(j, t, &n);
		rc = mfm_tm_parse_epoch(s, n, unit, us, &e);
		break;
	default:
		return mfm_err_set(err, MFM_ERR_DATA,
		    "field '%s' is not a time", p->text);
	}
	if (rc != 0)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "field '%s' is not a time: %s", p->text, e.msg);
	return 1;
}

const struct mfm_opt_name mfm_field_units[] = {
	{ "auto", MFM_TM_AUTO }, { "s", MFM_TM_S }, { "ms", MFM_TM_MS },
	{ "us", MFM_TM_US }, { "ns", MFM_TM_NS }, { NULL, 0 }
};

int
mfm_field_unit(const char *s, enum mfm_tm_unit *unit)
{
	int v;

	if (mfm_opt_name_find(mfm_field_units, s, &v) != 0)
		return -1;
	*unit = (enum mfm_tm_unit)v;
	return 0;
}

void
mfm_field_set_init(struct mfm_field_set *s)
{
	memset(s, 0, sizeof(*s));
}

void
mfm_field_set_release(struct mfm_field_set *s)
{
	free(s->path);
	free(s->first);
	free(s->seg);
	free(s->found);
	mfm_field_set_init(s);
}

/* The cand slot of the n bytes at p: their number, first and last byte. */
static size_t
cand_slot(const char *p, size_t n)
{
	if (n == 0)
		return 0;
	return (n * 31 + (unsigned char)p[0] * 7 +
	    (unsigned char)p[n - 1]) & 255;
}

size_t
mfm_field_set_add(struct mfm_field_set *s, const struct mfm_json_path *p)
{
	const struct mfm_json_seg *g = &p->seg[0];
	size_t k;

	for (k = 0; k < s->nseg; k++)
		if (s->seg[k]->len == g->len &&
		    memcmp(s->seg[k]->name, g->name, g->len) == 0)
			break;
	if (k == s->nseg) {
		s->seg = mfm_xreallocarray(s->seg, s->nseg + 1,
		    sizeof(*s->seg));
		s->found = mfm_xreallocarray(s->found, s->nseg + 1,
		    sizeof(*s->found));
		s->seg[s->nseg++] = g;
		if (k < 64)
			s->cand[cand_slot(g->name, g->len)] |= UINT64_C(1) << k;
	}
	s->path = mfm_xreallocarray(s->path, s->n + 1, sizeof(*s->path));
	s->first = mfm_xreallocarray(s->first, s->n + 1, sizeof(*s->first));
	s->path[s->n] = p;
	s->first[s->n] = k;
	return s->n++;
}

/* The walk's helpers, in line: they run for every member of every record. */
#ifdef __GNUC__
#define WALK_INLINE inline __attribute__((always_inline))
#else
#define WALK_INLINE inline
#endif

/*
 * a[0..n) == b[0..n), for the short names of fields: two loads of each
 * (overlapping when n is not a multiple), within the n bytes.
 */
static WALK_INLINE int
same_bytes(const char *a, const char *b, size_t n)
{
	uint64_t x, y, u, v;
	uint32_t x4, y4, u4, v4;

	if (n >= 8 && n <= 16) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		memcpy(&u, a + n - 8, 8);
		memcpy(&v, b + n - 8, 8);
		return ((x ^ y) | (u ^ v)) == 0;
	}
	if (n >= 4 && n < 8) {
		memcpy(&x4, a, 4);
		memcpy(&y4, b, 4);
		memcpy(&u4, a + n - 4, 4);
		memcpy(&v4, b + n - 4, 4);
		return ((x4 ^ y4) | (u4 ^ v4)) == 0;
	}
	return memcmp(a, b, n) == 0;
}

/* Whether key token i of j is name[0..n) once unescaped. */
static WALK_INLINE int
key_is(const struct mfm_json *j, uint32_t i, const char *name, size_t n)
{
	const struct mfm_json_tok *key = &j->tok[i];

	if (key->flags & MFM_JSON_F_ESCAPED)
		return mfm_json_str_eq(j, (int)i, name, n);
	return key->len - 2 == n &&
	    same_bytes(j->buf + key->start + 1, name, n);
}

/* mfm_json_member(j, obj, name, n), with the cheaper comparison. */
static int
member(const struct mfm_json *j, int obj, const char *name, size_t n)
{
	const struct mfm_json_tok *tok = j->tok;
	uint32_t i, stop;
	int found = -1;

	if (obj < 0 || tok[obj].type != MFM_JSON_OBJECT)
		return -1;
	stop = tok[obj].next;
	for (i = (uint32_t)obj + 1; i < stop; i = tok[i + 1].next)
		if (key_is(j, i, name, n))
			found = (int)i + 1;
	return found;
}

/* Record key token i of j if it is first segment k. */
static WALK_INLINE void
match(struct mfm_field_set *s, const struct mfm_json *j, uint32_t i, size_t k)
{
	if (key_is(j, i, s->seg[k]->name, s->seg[k]->len))
		s->found[k] = (int)i + 1;
}

void
mfm_field_set_get(struct mfm_field_set *s, const struct mfm_json *j,
    int *out)
{
	const struct mfm_json_tok *tok = j->tok, *key;
	const struct mfm_json_path *p;
	uint32_t i, stop;
	uint64_t c;
	size_t k, m;
	int t;

	for (k = 0; k < s->nseg; k++)
		s->found[k] = -1;
	if (j->ntok > 0 && tok[0].type == MFM_JSON_OBJECT) {
		/*
		 * As mfm_json_member does, but for every first segment in
		 * the one walk; each member is looked at, so the last
		 * duplicate wins.  A key with escapes may decode to any
		 * segment, so it is compared with each.
		 */
		stop = tok[0].next;
		for (i = 1; i < stop; i = tok[i + 1].next) {
			key = &tok[i];
			if ((key->flags & MFM_JSON_F_ESCAPED) || s->nseg > 64) {
				for (k = 0; k < s->nseg; k++)
					match(s, j, i, k);
				continue;
			}
			c = s->cand[cand_slot(j->buf + key->start + 1,
			    key->len - 2)];
			for (; c != 0; c &= c - 1)
				match(s, j, i, (size_t)__builtin_ctzll(c));
		}
	}
	for (k = 0; k < s->n; k++) {
		p = s->path[k];
		t = s->found[s->first[k]];
		for (m = 1; m < p->nseg && t >= 0; m++)
			t = p->seg[m].op == MFM_JSON_STEP_KEY &&
			    j->tok[t].type == MFM_JSON_OBJECT ? member(j, t,
			    p->seg[m].name, p->seg[m].len) :
			    mfm_json_step(j, t, &p->seg[m]);
		out[k] = t;
	}
}
