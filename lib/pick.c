/*
 * Picking members out of a record; see pick.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pick.h"
#include "lib/banned.h"

/* The child of node p named name, added when absent. */
static size_t
child(struct mfm_pick *pk, size_t p, const char *name, size_t len)
{
	size_t c, *link;

	for (c = pk->node[p].child; c != 0; c = pk->node[c].next)
		if (pk->node[c].len == len &&
		    memcmp(pk->node[c].name, name, len) == 0)
			return c;
	pk->node = mfm_xreallocarray(pk->node, pk->n + 1, sizeof(*pk->node));
	c = pk->n++;
	memset(&pk->node[c], 0, sizeof(pk->node[c]));
	pk->node[c].name = name;
	pk->node[c].len = len;
	/* Last among p's children, so that paths keep their order. */
	link = &pk->node[p].child;
	while (*link != 0)
		link = &pk->node[*link].next;
	*link = c;
	return c;
}

void
mfm_pick_init(struct mfm_pick *pk, const struct mfm_json_path *ps, size_t n)
{
	struct mfm_json_seg *seg;
	size_t i, k, at, c;

	memset(pk, 0, sizeof(*pk));
	pk->node = mfm_xcalloc(1, sizeof(*pk->node));
	pk->n = 1;
	for (i = 0; i < n; i++) {
		at = 0;
		for (k = 0; k < ps[i].nseg && !pk->node[at].leaf; k++)
			at = child(pk, at, ps[i].seg[k].name,
			    ps[i].seg[k].len);
		/* The root path, or a path whose prefix is already whole. */
		if (!pk->node[at].leaf)
			pk->node[at].leaf = 1;
	}
	for (c = pk->node[0].child; c != 0; c = pk->node[c].next)
		pk->ntop++;
	pk->top = mfm_xcalloc(pk->ntop + 1, sizeof(*pk->top));
	seg = mfm_xcalloc(pk->ntop + 1, sizeof(*seg));
	for (c = pk->node[0].child, k = 0; c != 0; c = pk->node[c].next, k++) {
		/* Borrowed from the paths: mfm_pick_release frees none. */
		seg[k].name = (char *)(uintptr_t)pk->node[c].name;
		seg[k].len = pk->node[c].len;
		pk->top[k].nseg = 1;
		pk->top[k].seg = &seg[k];
		pk->top[k].text = seg[k].name;
	}
}

void
mfm_pick_release(struct mfm_pick *pk)
{
	free(pk->node);
	if (pk->top != NULL)
		free(pk->top[0].seg);
	free(pk->top);
	memset(pk, 0, sizeof(*pk));
}

/*
 * Appends with no capacity check (mfm_buf_put, put_c): mfm_pick_put_at
 * grows the buffer once by the record's length, which the picked object
 * never exceeds (each member, comma and brace it writes is one of the
 * record's).
 */
static void
put_c(struct mfm_buf *b, char c)
{
	b->p[b->len++] = c;
}

/*
 * The picked members of node p from object obj, or, with found, from
 * the value tokens of p's children in order; returns how many.
 */
static size_t
put_members(const struct mfm_pick *pk, size_t p, const struct mfm_json *j,
    int obj, const int *found, struct mfm_buf *out)
{
	const struct mfm_pick_node *c;
	size_t ci, k, mark, nput = 0;
	const char *raw;
	size_t len;
	int v;

	for (ci = pk->node[p].child, k = 0; ci != 0; ci = c->next, k++) {
		c = &pk->node[ci];
		v = found != NULL ? found[k] :
		    mfm_json_member(j, obj, c->name, c->len);
		if (v < 0 || (!c->leaf &&
		    mfm_json_type_of(j, v) != MFM_JSON_OBJECT))
			continue;
		mark = out->len;
		if (nput > 0)
			put_c(out, ',');
		raw = mfm_json_raw(j, v - 1, &len);	/* the name */
		mfm_buf_put(out, raw, len);
		put_c(out, ':');
		if (c->leaf) {
			raw = mfm_json_raw(j, v, &len);
			mfm_buf_put(out, raw, len);
		} else {
			put_c(out, '{');
			if (put_members(pk, ci, j, v, NULL, out) == 0) {
				out->len = mark;	/* nothing inside */
				continue;
			}
			put_c(out, '}');
		}
		nput++;
	}
	return nput;
}

void
mfm_pick_put_at(const struct mfm_pick *pk, const struct mfm_json *j,
    const int *top, struct mfm_buf *out)
{
	const char *raw;
	size_t len;

	raw = mfm_json_raw(j, 0, &len);
	mfm_buf_grow(out, len + 2);
	if (pk->node[0].leaf)
		mfm_buf_put(out, raw, len);
	else {
		put_c(out, '{');
		put_members(pk, 0, j, 0, top, out);
		put_c(out, '}');
	}
	out->p[out->len] = '\0';
}

void
mfm_pick_put(const struct mfm_pick *pk, const struct mfm_json *j,
    struct mfm_buf *out)
{
	mfm_pick_put_at(pk, j, NULL, out);
}
