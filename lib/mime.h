/*
 * The e-mail an email receiver sends (RFC 5322, MIME): Date in UTC, a
 * Message-ID made of the notification's key (the same in every attempt
 * and run), From, To, a Subject of the status, rule and summary (RFC
 * 2047 encoded words when it is not plain ASCII), and a text body in
 * quoted-printable: a part per event, each with its summary, labels and
 * the event record.  Lines end in CR LF.
 */
#ifndef MFM_MIME_H
#define MFM_MIME_H

#include <stdint.h>

#include "lib/alertev.h"
#include "lib/buf.h"
#include "lib/receiver.h"

/*
 * Append the message of ev (and of d->more, a group) to r: key is the
 * notification's (mfm_deliver_note_key), now the Date in us since the
 * epoch (0: the clock).
 */
void mfm_deliver_email_message(struct mfm_buf *out,
    const struct mfm_deliver *d, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, const char *key, int64_t now);

#endif
