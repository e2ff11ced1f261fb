/*
 * Picking members out of a record: the object a record would be with only
 * some paths kept, nested as they were.  {"a":{"b":1,"c":2},"d":3} picked
 * by a.b and d is {"a":{"b":1},"d":3}.  mfm-join --select keeps only what
 * later stages read, so that less is held, written and parsed again.
 *
 * Members come out in the order of the paths (a path's parents where the
 * first of their paths puts them), with their names and values as the
 * record wrote them.  A member the record lacks is left out, and so is an
 * object left empty; of repeated members the last counts, as everywhere.
 * A path that is a prefix of another keeps its whole value.
 */
#ifndef MFM_PICK_H
#define MFM_PICK_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/json.h"

struct mfm_pick {
	struct mfm_pick_node {
		const char *name;	/* unescaped, the path's */
		size_t len;
		size_t child, next;	/* node index, 0: none */
		int leaf;		/* the whole value is kept */
	} *node;			/* node 0 is the root */
	size_t n;
	/*
	 * The members picked at the top, in order, as one-step paths: a
	 * caller that looks up fields anyway (lib/field.c's one walk) finds
	 * them with the rest and hands them to mfm_pick_put_at.
	 */
	struct mfm_json_path *top;
	size_t ntop;
};

/* Pick by paths ps[0..n); the paths must outlive pk. */
void mfm_pick_init(struct mfm_pick *pk, const struct mfm_json_path *ps,
    size_t n);
void mfm_pick_release(struct mfm_pick *pk);

/* Append to out the root object of j (parsed) with only pk's members. */
void mfm_pick_put(const struct mfm_pick *pk, const struct mfm_json *j,
    struct mfm_buf *out);
/* The same with the value tokens of pk->top found already (-1: none). */
void mfm_pick_put_at(const struct mfm_pick *pk, const struct mfm_json *j,
    const int *top, struct mfm_buf *out);

#endif
