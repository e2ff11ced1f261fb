/*
 * What mfm-alert sends: the body of each receiver type for an event or a
 * group of them (d->more), the stdout receiver's line, the headers of an
 * HTTP receiver (Idempotency-Key, X-MFM-Signature), and a dry run's text
 * of the whole request.  The types' own formats live in amfmt.h
 * (Alertmanager's webhook and API) and mime.h (e-mail); Slack's Block
 * Kit message and PagerDuty's Events API v2 event here.  Texts cut to a
 * receiver's limit are cut between two characters (lib/utf8.h).
 */
#ifndef MFM_ALERTFMT_H
#define MFM_ALERTFMT_H

#include <stddef.h>

#include "lib/alertev.h"
#include "lib/buf.h"
#include "lib/receiver.h"

/*
 * The Idempotency-Key of (receiver, event): 32 hex digits of SHA-256
 * over the receiver's name and the event record.  The same event to the
 * same receiver always has the same key, across retries and restarts.
 */
void mfm_deliver_key(const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, char out[33]);

/* The body r sends for ev; secrets shown as an ellipsis when redact. */
void mfm_deliver_format_body(struct mfm_buf *out,
    const struct mfm_deliver *d, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, int redact);

/* HMAC-SHA256 of msg under key, as 64 lowercase hex digits. */
void mfm_deliver_hmac(const char *key, size_t klen, const char *msg,
    size_t mlen, char out[65]);

/*
 * The stdout receiver's line:
 *   FIRING    critical  auc_low  auc 0.6123 < 0.7 for ...
 * Control characters from the event (which could move a terminal's
 * cursor or end the line) are shown as '?'.
 */
void mfm_deliver_format_line(struct mfm_buf *out,
    const struct mfm_deliver_event *ev);
/* A dry run's text: the request r would send, URL redacted. */
void mfm_deliver_format_request(struct mfm_buf *out,
    const struct mfm_deliver *d, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev);

/*
 * The key of a notification: mfm_deliver_key of ev alone, or, for a
 * group (d->nmore > 0), 32 hex digits of SHA-256 over its events' keys
 * in order.
 */
void mfm_deliver_note_key(const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev,
    char out[33]);

/*
 * The header lines of an HTTP receiver beyond curl's own, each ended by
 * a newline: Content-Type, Idempotency-Key, and X-MFM-Signature (the
 * HMAC of body) when r has an hmac key.
 */
void mfm_deliver_http_headers(struct mfm_buf *h, const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev,
    const struct mfm_buf *body);

#endif
