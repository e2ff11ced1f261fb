/*
 * Signs that mfm-join was given the wrong inputs although every record
 * reads fine: the operands swapped (outcomes first), or the predictions
 * given twice.  Such a run used to exit 0 with every label delay
 * negative, and the mistake surfaced a stage later as thousands of
 * unrelated lines; so the joined pairs are counted as they go out and
 * the run ends with a plain message.
 */
#ifndef MFM_JOINCHECK_H
#define MFM_JOINCHECK_H

#include <stdint.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/join.h"
#include "lib/joinread.h"

struct mfm_joincheck {
	uint64_t matched;	/* pairs joined */
	uint64_t timed;		/* of which both records had a time */
	uint64_t negative;	/* of which the outcome came first */
	uint64_t same;		/* pairs whose two records are one */
};

/* Count a decision of the engine: a test and an add or two. */
static inline void
mfm_joincheck_event(struct mfm_joincheck *c, const struct mfm_join_event *ev)
{
	if (ev->kind != MFM_JOIN_MATCHED || ev->out == NULL)
		return;
	c->matched++;
	if (ev->has_pt && ev->has_ot) {
		c->timed++;
		c->negative += ev->ot < ev->pt;
	}
	c->same += ev->plen == ev->olen &&
	    memcmp(ev->pred, ev->out, ev->plen) == 0;
}

/*
 * Whether the operands a and b ("-" for standard input) are one file;
 * -1 with err ("PREDICTIONS and OUTCOMES are the same file, a") if so.
 */
int mfm_joincheck_files(const char *a, const char *b, struct mfm_err *err);

/*
 * After a run of two inputs: what looks wrong, one message a line
 * (no newline at the end) into msgs, none when all looks right: most
 * pairs one record twice; most label delays negative in an id join; the
 * label, when given, in most predictions but not in most outcomes
 * (counted by lib/joinread.c).  Returns how many messages.
 */
int mfm_joincheck_finish(const struct mfm_joincheck *c,
    const struct mfm_joinread *in, struct mfm_buf *msgs);

#endif
