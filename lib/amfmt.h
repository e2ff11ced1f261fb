/*
 * Alertmanager's two formats.  Its webhook message (version 4), which a
 * webhook receiver sends by default: the alerts of a group with their
 * labels (alertname, severity, metric and the event's group), the
 * annotations (summary, value, threshold), the window as startsAt and
 * endsAt, and the events themselves under "mfm".  And its API's alerts
 * (POST /api/v2/alerts), which an alertmanager receiver sends: labels
 * that name the alert the same in every window (renamed as Prometheus
 * renames: "a.b" as a_b, a second alertname as exported_alertname), and
 * a firing alert valid until 4 x the longer of the receiver's interval
 * and resend_delay from now, as Prometheus sends them, so that it stays
 * active while mfm-alert sends it again and ends by itself when mfm
 * stops; a resolved one ends now.
 */
#ifndef MFM_AMFMT_H
#define MFM_AMFMT_H

#include "lib/alertev.h"
#include "lib/buf.h"
#include "lib/receiver.h"

/* Append the webhook message of ev and d->more to r. */
void mfm_deliver_body_am_webhook(struct mfm_buf *b,
    const struct mfm_deliver *d, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev);
/* Append the array of alerts of ev and d->more for Alertmanager's API. */
void mfm_deliver_body_am_api(struct mfm_buf *b, const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev);

#endif
