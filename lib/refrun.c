/*
 * Reference runs for the tools that compare windows with a reference;
 * see refrun.h.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/refrun.h"
#include "lib/banned.h"

void
mfm_refrun_init(struct mfm_refrun *rr, const struct mfm_refrun_mode *mode,
    size_t valsize, size_t max_groups, const struct mfm_refrun_ops *ops,
    void *ctx)
{
	memset(rr, 0, sizeof(*rr));
	rr->mode = *mode;
	rr->ops = ops;
	rr->ctx = ctx;
	rr->valsize = valsize;
	mfm_group_init(&rr->groups, valsize, max_groups);
	mfm_keymap_init(&rr->refmap);
}

void
mfm_refrun_release(struct mfm_refrun *rr)
{
	size_t i;

	for (i = 0; i < rr->groups.n; i++)
		rr->ops->release(rr->ctx, mfm_group_val(&rr->groups, i));
	mfm_group_release(&rr->groups);
	for (i = 0; i < rr->nref; i++)
		rr->ops->release(rr->ctx, (char *)rr->ref + i * rr->valsize);
	free(rr->ref);
	rr->ref = NULL;
	rr->nref = 0;
	mfm_keymap_release(&rr->refmap);
}

void *
mfm_refrun_ref(struct mfm_refrun *rr, const char *group, size_t n,
    int create)
{
	size_t *v;
	int isnew;

	if (!create) {
		v = mfm_keymap_find(&rr->refmap, group, n);
		return v == NULL ? NULL : (char *)rr->ref + *v * rr->valsize;
	}
	v = mfm_keymap_put(&rr->refmap, group, n, &isnew);
	if (isnew) {
		rr->ref = mfm_xreallocarray(rr->ref, rr->nref + 1,
		    rr->valsize);
		memset((char *)rr->ref + rr->nref * rr->valsize, 0,
		    rr->valsize);
		*v = rr->nref++;
	}
	return (char *)rr->ref + *v * rr->valsize;
}

int
mfm_refrun_take(struct mfm_refrun *rr, struct mfm_group *g,
    struct mfm_err *err)
{
	const char *txt;
	size_t i, n;
	void *s;

	for (i = 0; i < g->n; i++) {
		txt = mfm_group_text(g, i, &n);
		s = mfm_group_val(g, i);
		if (rr->ops->merge(rr->ctx, mfm_refrun_ref(rr, txt, n, 1), s,
		    err) != 0)
			return -1;
		rr->ops->release(rr->ctx, s);
	}
	return 0;
}

static int
in_range(const struct mfm_refrun *rr, size_t i)
{
	const struct mfm_group_entry *e = &rr->groups.ent[i];

	return rr->mode.has_range && e->wclass == 1 &&
	    e->start >= rr->mode.from && e->start < rr->mode.to;
}

int
mfm_refrun_finish(struct mfm_refrun *rr, struct mfm_err *err)
{
	struct mfm_group *g = &rr->groups;
	struct mfm_keymap last;
	const char *txt;
	size_t i, n, *v;
	void *ref;
	int isnew;

	mfm_group_sort(g);
	for (i = 0; i < g->n; i++) {
		if (!in_range(rr, i))
			continue;
		txt = mfm_group_text(g, i, &n);
		if (rr->ops->merge(rr->ctx, mfm_refrun_ref(rr, txt, n, 1),
		    mfm_group_val(g, i), err) != 0)
			return -1;
	}
	if (rr->mode.has_range && rr->nref == 0) {
		rr->ops->missing(rr->ctx, NULL, 0);
		rr->trouble = 1;
	}
	mfm_keymap_init(&last);
	for (i = 0; i < g->n; i++) {
		if (in_range(rr, i))
			continue;
		txt = mfm_group_text(g, i, &n);
		if (rr->mode.previous) {
			/* The first window of a group is only a reference. */
			v = mfm_keymap_put(&last, txt, n, &isnew);
			if (!isnew)
				rr->ops->emit(rr->ctx, g, i,
				    mfm_group_val(g, *v - 1));
			*v = i + 1;
			continue;
		}
		ref = mfm_refrun_ref(rr, txt, n, 0);
		if (ref == NULL) {
			rr->ops->missing(rr->ctx, txt, n);
			rr->trouble = 1;
			continue;
		}
		rr->ops->emit(rr->ctx, g, i, ref);
	}
	mfm_keymap_release(&last);
	return 0;
}

int *
mfm_refrun_wild(struct mfm_json_path *p, size_t n)
{
	struct mfm_json_seg *last;
	size_t i, len;
	int *wild;

	wild = mfm_xcalloc(n + 2, sizeof(*wild));
	for (i = 0; i < n; i++) {
		len = strlen(p[i].text);
		if (p[i].nseg < 2)
			continue;
		last = &p[i].seg[p[i].nseg - 1];
		if (last->len == 1 && last->name[0] == '*' && len > 2 &&
		    strcmp(p[i].text + len - 2, ".*") == 0) {
			free(last->name);
			p[i].nseg--;
			p[i].text[len - 2] = '\0';
			wild[i] = 1;
		}
	}
	return wild;
}
