/*
 * Delivery of alert events (mfm-alert(1)): the one header a caller
 * includes, for the whole of it.
 *
 * A run holds one struct mfm_deliver with a list of receivers, built
 * from the configuration (mfm_deliver_config) and the command line
 * (mfm_deliver_add, mfm_deliver_url_env/_file), checked and readied by
 * mfm_deliver_start, then fed one event at a time, or one group of
 * events at a time, through mfm_deliver_send and mfm_deliver_send_group.
 * Receivers that write to the terminal (the stdout receiver, and every
 * receiver in a dry run) append their text to a caller's buffer: the
 * library never prints.
 *
 * The parts, each with its header (all included here, none including
 * this one):
 *   receiver.h  the receivers and the state a run shares
 *   secret.h    URLs and secrets: read, checked, kept out of messages
 *   alertcfg.h  the alert section of the configuration
 *   alertev.h   reading an alert event, its labels
 *   route.h     routing, group keys, silences and inhibition
 *   alertfmt.h  the bodies, the stdout line, a dry run's request
 *   amfmt.h     Alertmanager's webhook message and API alerts
 *   mime.h      the e-mail message
 *   retry.h     which failures are tried again, and the waits
 *   http.h      the HTTP transport over libcurl
 *   smtp.h      the SMTP transport
 *   command.h   the command receiver: fork and exec, no shell
 * They share the mfm_deliver_ prefix: one API.
 *
 * A webhook URL is a secret (it usually embeds a token).  It is read
 * from the environment or from a file only, kept in one place
 * (recv->url), and never copied into a message: messages name the
 * receiver and the redacted form scheme://host[:port]/…, and libcurl's
 * own error text is scrubbed of the URL's parts before it is shown.
 */
#ifndef MFM_DELIVER_H
#define MFM_DELIVER_H

#include <stddef.h>

#include "lib/alertcfg.h"
#include "lib/alertev.h"
#include "lib/alertfmt.h"
#include "lib/amfmt.h"
#include "lib/buf.h"
#include "lib/command.h"
#include "lib/err.h"
#include "lib/http.h"
#include "lib/mime.h"
#include "lib/receiver.h"
#include "lib/retry.h"
#include "lib/route.h"
#include "lib/secret.h"
#include "lib/smtp.h"

void mfm_deliver_init(struct mfm_deliver *d);
void mfm_deliver_release(struct mfm_deliver *d);

/*
 * Read the receivers' secrets from their sources (mfm_deliver_read_secrets;
 * with d->check only check that the sources are there), check every
 * receiver (a webhook has a URL, its ca_file is readable) and, unless
 * dry_run or check, set libcurl up.  Call once, after the receivers are
 * complete and before the first send.  An error of a source is
 * positioned where the configuration names it.
 */
int mfm_deliver_start(struct mfm_deliver *d, struct mfm_err *err);

/*
 * Deliver ev to receiver r.  Text for the terminal (the stdout receiver's
 * line, a dry run's request) is appended to out without a final newline;
 * out is left alone otherwise.  A webhook is POSTed, retried as
 * mfm_deliver_retryable and mfm_deliver_wait say, and a failure after the
 * last attempt returns -1 with "webhook ops: HTTP 500 from
 * https://host/… after 3 attempts"; d->last says how it went, and
 * d->nsent or d->nfailed counts it.
 */
int mfm_deliver_send(struct mfm_deliver *d, struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, struct mfm_buf *out,
    struct mfm_err *err);

/*
 * Deliver ev[0..n) to r as one notification (a group, see
 * mfm_deliver_group_key): one Alertmanager message with n alerts, one
 * Slack message, one e-mail, the n events on one command's input.  Its
 * key covers every event.
 */
int mfm_deliver_send_group(struct mfm_deliver *d, struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *const *ev, size_t n, struct mfm_buf *out,
    struct mfm_err *err);

#endif
