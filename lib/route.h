/*
 * Which receivers take an alert event, and which events are kept from
 * them: a receiver's matchers and send_resolved (routing), the key that
 * puts events of one notification together (grouping, group_by), and
 * silences and inhibition (muting).  Labels are looked up as
 * mfm_deliver_label says: the event's status, severity, rule and metric,
 * else a member of its group.
 */
#ifndef MFM_ROUTE_H
#define MFM_ROUTE_H

#include <stdint.h>

#include "lib/alertev.h"
#include "lib/buf.h"
#include "lib/receiver.h"

/*
 * Whether receiver r takes event ev: its matchers (severity, rule,
 * status, metric, or a member of the event's group) all equal, resolved
 * events only with send_resolved, and statuses other than firing and
 * resolved only when a matcher names that status.
 */
int mfm_deliver_routes(const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev);

/*
 * Muting.  mfm_deliver_silenced: ev matches a silence active at now (us
 * since the epoch).  mfm_deliver_inhibited: ev is a firing non-critical
 * event of a group whose critical alert is firing (as seen by earlier
 * calls: a firing critical event sets its group, a resolved one clears
 * it); always 0 when d->inhibit is off.  Call it once per event.
 */
int mfm_deliver_silenced(const struct mfm_deliver *d,
    const struct mfm_deliver_event *ev, int64_t now);
int mfm_deliver_inhibited(struct mfm_deliver *d,
    const struct mfm_deliver_event *ev);

/*
 * Grouping: append to out the key of ev's group for r: its status and
 * the values of r's group_by labels, NUL-separated.  Events with equal
 * keys go to r as one notification.
 */
void mfm_deliver_group_key(const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, struct mfm_buf *out);

#endif
