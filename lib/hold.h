/*
 * mfm-alert's hold policy: which notifications wait, which go out
 * together, and which are not sent at all.  The caller (mfm-alert)
 * routes each event (lib/route.h), queues what waits in the outbox
 * (lib/outbox.h), and sends what this module hands it; the decisions
 * are all here:
 *
 *   repeat_interval  a firing event notified as firing less than the
 *                    interval ago, or a resolution already notified, is
 *                    a repeat (mfm_hold_repeat);
 *   group_by         a receiver's events wait in the outbox until the
 *                    input is read (mfm_hold_queued), then go as one
 *                    notification per group: the pending events with the
 *                    same group key (mfm_hold_next);
 *   group_wait       with a state directory, a group never notified waits
 *                    until group_wait after its oldest notification was
 *                    queued, so that the next runs' alerts join it;
 *   group_interval   a group notified less than group_interval ago waits
 *                    for the rest of it (both mfm_hold_group);
 *   resend_delay     an alert firing at Alertmanager is sent again once
 *                    resend_delay has passed since it was last sent,
 *                    unless a notification of it is pending
 *                    (mfm_hold_resend), and what Alertmanager was told is
 *                    remembered (mfm_hold_told).
 *
 * What was notified, and when, is the outbox's memory (mfm_outbox_last,
 * mfm_outbox_note; sent.ndjson with a state directory): per receiver and
 * fingerprint for repeats, per receiver and "\1" + group key for groups,
 * so that the two never meet.  Times are us since the epoch.
 */
#ifndef MFM_HOLD_H
#define MFM_HOLD_H

#include <stddef.h>
#include <stdint.h>

#include "lib/alertev.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/json.h"
#include "lib/outbox.h"
#include "lib/receiver.h"

/*
 * Whether ev to r is a repeat under r's repeat_interval (always 0 without
 * one, and for statuses other than firing and resolved).  When it is
 * not, it is remembered as notified at now.
 */
int mfm_hold_repeat(struct mfm_outbox *o, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, int64_t now);

/*
 * Whether a notification to r waits in the outbox until the input is
 * read (then mfm_hold_next hands it out), rather than being sent at
 * once: with a state directory (state) every receiver's but stdout's,
 * whose line is no delivery to keep; without, a group_by receiver's.
 */
int mfm_hold_queued(const struct mfm_deliver_recv *r, int state);

/*
 * Whether the group of key (mfm_deliver_group_key) to r waits: under
 * group_interval when it was notified before, else under group_wait
 * from queued, the time its oldest notification was queued.  When it
 * does not, it is remembered as notified at now.
 */
int mfm_hold_group(struct mfm_outbox *o, const struct mfm_deliver_recv *r,
    const struct mfm_buf *key, int64_t queued, int64_t now);

/*
 * One notification to settle: the events ev[0..n) of the outbox entries
 * idx[0..n), to r.  r is NULL when the entry's receiver is no longer
 * configured (or its event no longer reads): only a dead letter can keep
 * it.  held: the group waits (group_wait, group_interval); its entries
 * stay queued for a later run.  The arrays are the batch's, valid until
 * the next mfm_hold_next.
 */
struct mfm_hold_set {
	struct mfm_deliver_recv *r;
	const struct mfm_deliver_event **ev;
	size_t *idx;
	size_t n;
	int held;
};

/*
 * The pending notifications of an outbox, handed out as sets in the
 * order they were queued: first what an earlier run left, then this
 * run's.  Each entry is in one set at most; an entry left queued (held,
 * or failed and kept) is not handed out again by the same batch.
 */
struct mfm_hold {
	struct mfm_deliver *d;		/* borrowed */
	struct mfm_outbox *o;		/* borrowed */
	int state;
	size_t n;			/* entries at the start */
	size_t next;			/* the next entry to look at */
	struct mfm_json *j;		/* per entry: its parsed event */
	struct mfm_deliver_event *ev;
	unsigned char *skip;		/* per entry: handed out, or settled */
	unsigned char *bad;		/* per entry: no receiver, no event */
	const struct mfm_deliver_event **set_ev;
	size_t *set_idx;
	struct mfm_buf key, k2;
};

/*
 * Start a batch over o's pending entries for the receivers of d; every
 * entry's event is read once, here.  state: o is kept in a state
 * directory (group_wait and group_interval apply).
 */
void mfm_hold_start(struct mfm_hold *h, struct mfm_deliver *d,
    struct mfm_outbox *o, int state);
/* The next set to settle at now into *s: 1, or 0 when there is none. */
int mfm_hold_next(struct mfm_hold *h, int64_t now, struct mfm_hold_set *s);
void mfm_hold_release(struct mfm_hold *h);

/*
 * Whether o->alert[i], firing at Alertmanager receiver r, is to be sent
 * again at now: resend_delay has passed since it was last sent, and no
 * notification of its fingerprint to r is pending (that one is newer).
 */
int mfm_hold_resend(const struct mfm_outbox *o,
    const struct mfm_deliver_recv *r, size_t i, int64_t now);

/*
 * What Alertmanager receiver r was told by the notification ev[0..n)
 * just delivered at now: a firing alert is kept (to be sent again while
 * it fires), a resolved one forgotten.  Durable with a state directory,
 * before the notification is settled.
 */
int mfm_hold_told(struct mfm_outbox *o, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *const *ev, size_t n, int64_t now,
    struct mfm_err *err);

#endif
