/*
 * Context for alerts: the answer to "why", joined to an alert by window
 * and group.  mfm-drift --emit-context and mfm-slice --emit-context
 * write one record per window and group,
 *   {"window":{...},"group":{...},"context":{"top_drift":[...]}}
 *   {"window":{...},"group":{...},"context":{"metric":"accuracy",...,
 *     "worst_slices":[...]}}
 * and mfm-threshold --context FILE keeps them here.  An alert event for
 * the same window (same start and end) and the same group (same
 * canonical text, see lib/rule.h) gets the context objects' members in a
 * "context" member, and a short sentence for its summary, so that every
 * receiver shows the answer: "worst slice inputs.channel=partner
 * (accuracy 0.78 -> 0.31); top drift inputs.channel (PSI 0.57)".
 */
#ifndef MFM_CONTEXT_H
#define MFM_CONTEXT_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/json.h"
#include "lib/keymap.h"

#define MFM_CONTEXT_MAX_DEFAULT 100000

struct mfm_context_entry {
	struct mfm_buf members;	/* the context objects' members, no braces */
	struct mfm_buf why;	/* the summary sentence, may be empty */
};

struct mfm_context {
	struct mfm_keymap map;		/* window and group -> entry index */
	struct mfm_context_entry *e;
	size_t n, cap;
	size_t max;			/* most entries (window and group) */
	struct mfm_buf key, scratch;
};

void mfm_context_init(struct mfm_context *c, size_t max);
void mfm_context_release(struct mfm_context *c);

/*
 * Keep the context record j.  Errors (MFM_ERR_DATA): no "window" object
 * with string start and end, "group" not an object, no "context" object;
 * MFM_ERR_LIMIT past max entries.  Records for the same window and group
 * add up: their members are joined in input order.
 */
int mfm_context_add(struct mfm_context *c, const struct mfm_json *j,
    struct mfm_err *err);

/*
 * The entry for the window object at token window of j and the group
 * whose canonical text is canon[0..len), or NULL.
 */
const struct mfm_context_entry *mfm_context_find(struct mfm_context *c,
    const struct mfm_json *j, int window, const char *canon, size_t len);

/*
 * Append the text of the slice object at token slice of j as summaries
 * write it: "inputs.channel=partner", members joined by ", ", a numeric
 * bin [lo, hi] as "[lo, hi)", "<hi" or ">=lo".  scratch is for decoding.
 */
void mfm_context_slice(struct mfm_buf *b, const struct mfm_json *j,
    int slice, struct mfm_buf *scratch);

#endif
