/*
 * The SMTP transport of mfm-alert's email receiver: the message of
 * lib/mime.h sent over smtp:// (STARTTLS required unless starttls is
 * false) or smtps://, with a login when username and password are set,
 * retried as lib/retry.h says on a connection error or a 4xx reply, never
 * on a 5xx.  A failure quotes the server's refusal, scrubbed of secrets:
 * "email ops: sending to smtp://host:25 failed after 1 attempt: ...; the
 * server said \"554 5.7.1 ...\"".
 */
#ifndef MFM_SMTP_H
#define MFM_SMTP_H

#include "lib/alertev.h"
#include "lib/err.h"
#include "lib/receiver.h"

/* Send the message of ev (and d->more) to r's recipients; d->last. */
int mfm_deliver_smtp_send(struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev,
    struct mfm_err *err);

#endif
