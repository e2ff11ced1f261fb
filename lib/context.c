/*
 * Alert context joined by window and group; see context.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/context.h"
#include "lib/rule.h"
#include "lib/banned.h"

void
mfm_context_init(struct mfm_context *c, size_t max)
{
	memset(c, 0, sizeof(*c));
	mfm_keymap_init(&c->map);
	c->max = max ? max : MFM_CONTEXT_MAX_DEFAULT;
}

void
mfm_context_release(struct mfm_context *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		mfm_buf_release(&c->e[i].members);
		mfm_buf_release(&c->e[i].why);
	}
	free(c->e);
	mfm_keymap_release(&c->map);
	mfm_buf_release(&c->key);
	mfm_buf_release(&c->scratch);
	memset(c, 0, sizeof(*c));
}

/* The window part of a key: start, NUL, end, NUL.  -1 if not a window. */
static int
window_key(struct mfm_buf *key, const struct mfm_json *j, int w,
    struct mfm_buf *scratch)
{
	static const char *const names[] = { "start", "end" };
	const char *s;
	size_t i, n;
	int t;

	if (mfm_json_type_of(j, w) != MFM_JSON_OBJECT)
		return -1;
	for (i = 0; i < 2; i++) {
		t = mfm_json_member(j, w, names[i], strlen(names[i]));
		if (mfm_json_type_of(j, t) != MFM_JSON_STRING)
			return -1;
		s = mfm_json_str(j, t, &n, scratch);
		mfm_buf_add(key, s, n);
		mfm_buf_addc(key, '\0');
	}
	return 0;
}

/* Append the text of a slice's value: a string, or a bin [lo, hi]. */
static void
slice_value(struct mfm_buf *b, const struct mfm_json *j, int t,
    struct mfm_buf *scratch)
{
	const char *s;
	size_t n;
	int lo, hi;

	switch (mfm_json_type_of(j, t)) {
	case MFM_JSON_STRING:
		s = mfm_json_str(j, t, &n, scratch);
		mfm_buf_add(b, s, n);
		return;
	case MFM_JSON_ARRAY:
		lo = mfm_json_first(j, t);
		hi = lo >= 0 ? mfm_json_next(j, t, lo) : -1;
		if (hi >= 0 && mfm_json_type_of(j, lo) != MFM_JSON_NULL &&
		    mfm_json_type_of(j, hi) != MFM_JSON_NULL) {
			s = mfm_json_raw(j, lo, &n);
			mfm_buf_add(b, "[", 1);
			mfm_buf_add(b, s, n);
			s = mfm_json_raw(j, hi, &n);
			mfm_buf_add(b, ", ", 2);
			mfm_buf_add(b, s, n);
			mfm_buf_addc(b, ')');
			return;
		}
		if (hi >= 0 && mfm_json_type_of(j, hi) != MFM_JSON_NULL) {
			s = mfm_json_raw(j, hi, &n);
			mfm_buf_addc(b, '<');
			mfm_buf_add(b, s, n);
			return;
		}
		if (lo >= 0 && mfm_json_type_of(j, lo) != MFM_JSON_NULL) {
			s = mfm_json_raw(j, lo, &n);
			mfm_buf_add(b, ">=", 2);
			mfm_buf_add(b, s, n);
			return;
		}
		/* FALLTHROUGH */
	default:
		s = mfm_json_raw(j, t, &n);
		mfm_buf_add(b, s, n);
	}
}

void
mfm_context_slice(struct mfm_buf *b, const struct mfm_json *j, int slice,
    struct mfm_buf *scratch)
{
	const char *s;
	size_t n;
	int t;

	for (t = mfm_json_first(j, slice); t >= 0;
	    t = mfm_json_next(j, slice, t)) {
		if (t != slice + 1)
			mfm_buf_adds(b, ", ");
		s = mfm_json_str(j, t, &n, scratch);
		mfm_buf_add(b, s, n);
		mfm_buf_addc(b, '=');
		slice_value(b, j, t + 1, scratch);
	}
}

static void
number(struct mfm_buf *b, const struct mfm_json *j, int t)
{
	char text[32];
	double v;

	if (mfm_json_double(j, t, &v) != 0) {
		mfm_buf_adds(b, "null");
		return;
	}
	snprintf(text, sizeof(text), "%.2f", v);
	mfm_buf_adds(b, text);
}

/*
 * The sentence for one context object: its worst slice with the metric
 * before and after, and its top drifted feature with its PSI.
 */
static void
why(struct mfm_buf *b, const struct mfm_json *j, int ctx,
    struct mfm_buf *scratch)
{
	const char *s;
	size_t n;
	int t, first, k, metric, mv;

	t = mfm_json_member(j, ctx, "worst_slices", 12);
	first = mfm_json_type_of(j, t) == MFM_JSON_ARRAY ?
	    mfm_json_first(j, t) : -1;
	if (mfm_json_type_of(j, first) == MFM_JSON_OBJECT &&
	    mfm_json_type_of(j, (k = mfm_json_member(j, first, "slice", 5)))
	    == MFM_JSON_OBJECT) {
		if (b->len > 0)
			mfm_buf_adds(b, "; ");
		mfm_buf_adds(b, "worst slice ");
		mfm_context_slice(b, j, k, scratch);
		metric = mfm_json_member(j, ctx, "metric", 6);
		if (mfm_json_type_of(j, metric) == MFM_JSON_STRING) {
			s = mfm_json_str(j, metric, &n, scratch);
			mv = mfm_json_member(j, first, s, n);
			t = mfm_json_member(j, first, "reference_metric", 16);
			if (mfm_json_type_of(j, mv) == MFM_JSON_NUMBER &&
			    mfm_json_type_of(j, t) == MFM_JSON_NUMBER) {
				mfm_buf_adds(b, " (");
				mfm_buf_add(b, s, n);
				mfm_buf_addc(b, ' ');
				number(b, j, t);
				mfm_buf_adds(b, " -> ");
				number(b, j, mv);
				mfm_buf_addc(b, ')');
			}
		}
	}
	t = mfm_json_member(j, ctx, "top_drift", 9);
	first = mfm_json_type_of(j, t) == MFM_JSON_ARRAY ?
	    mfm_json_first(j, t) : -1;
	if (mfm_json_type_of(j, first) == MFM_JSON_OBJECT &&
	    mfm_json_type_of(j, (k = mfm_json_member(j, first, "feature", 7)))
	    == MFM_JSON_STRING) {
		if (b->len > 0)
			mfm_buf_adds(b, "; ");
		mfm_buf_adds(b, "top drift ");
		s = mfm_json_str(j, k, &n, scratch);
		mfm_buf_add(b, s, n);
		t = mfm_json_member(j, first, "psi", 3);
		if (mfm_json_type_of(j, t) == MFM_JSON_NUMBER) {
			mfm_buf_adds(b, " (PSI ");
			number(b, j, t);
			mfm_buf_addc(b, ')');
		}
	}
}

int
mfm_context_add(struct mfm_context *c, const struct mfm_json *j,
    struct mfm_err *err)
{
	struct mfm_context_entry *e;
	const char *raw;
	size_t *v, n, i;
	int w, g, ctx, isnew, k;

	w = mfm_json_member(j, 0, "window", 6);
	g = mfm_json_member(j, 0, "group", 5);
	ctx = mfm_json_member(j, 0, "context", 7);
	mfm_buf_clear(&c->key);
	if (window_key(&c->key, j, w, &c->scratch) != 0)
		return mfm_err_set(err, MFM_ERR_DATA, "context record has no "
		    "window with a start and an end");
	if (g >= 0 && mfm_json_type_of(j, g) != MFM_JSON_OBJECT)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "context record's 'group' is not an object");
	if (mfm_json_type_of(j, ctx) != MFM_JSON_OBJECT)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "context record has no 'context' object");
	if (g >= 0)
		mfm_rule_canon(&c->key, j, g);
	else
		mfm_buf_adds(&c->key, "{}");
	v = mfm_keymap_find(&c->map, c->key.p, c->key.len);
	if (v == NULL) {
		if (c->n >= c->max)
			return mfm_err_set(err, MFM_ERR_LIMIT, "more than %zu "
			    "windows and groups of context (--max-context)",
			    c->max);
		v = mfm_keymap_put(&c->map, c->key.p, c->key.len, &isnew);
		*v = c->n;
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 64;
			c->e = mfm_xreallocarray(c->e, c->cap, sizeof(*c->e));
		}
		e = &c->e[c->n++];
		mfm_buf_init(&e->members);
		mfm_buf_init(&e->why);
	}
	i = *v;
	e = &c->e[i];
	for (k = mfm_json_first(j, ctx); k >= 0; k = mfm_json_next(j, ctx, k)) {
		if (e->members.len > 0)
			mfm_buf_addc(&e->members, ',');
		raw = mfm_json_raw(j, k, &n);
		mfm_buf_add(&e->members, raw, n);
		mfm_buf_addc(&e->members, ':');
		raw = mfm_json_raw(j, k + 1, &n);
		mfm_buf_add(&e->members, raw, n);
	}
	why(&e->why, j, ctx, &c->scratch);
	return 0;
}

const struct mfm_context_entry *
mfm_context_find(struct mfm_context *c, const struct mfm_json *j, int window,
    const char *canon, size_t len)
{
	size_t *v;

	if (c->n == 0)
		return NULL;
	mfm_buf_clear(&c->key);
	if (window_key(&c->key, j, window, &c->scratch) != 0)
		return NULL;
	mfm_buf_add(&c->key, canon, len);
	v = mfm_keymap_find(&c->map, c->key.p, c->key.len);
	return v != NULL ? &c->e[*v] : NULL;
}
