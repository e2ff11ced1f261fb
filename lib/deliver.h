/*
 * Delivery of alert events (mfm-alert(1)): reading an event record,
 * the receivers that take it, and the webhook transport over libcurl.
 *
 * A run holds one struct mfm_deliver with a list of receivers, built
 * from the configuration (mfm_deliver_config) and the command line
 * (mfm_deliver_add, mfm_deliver_url_env/_file), checked and readied by
 * mfm_deliver_start, then fed one event at a time through
 * mfm_deliver_send.  Receivers that write to the terminal (the stdout
 * receiver, and every receiver in a dry run) append their text to a
 * caller's buffer: the library never prints.
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
#include <stdint.h>

#include "lib/buf.h"
#include "lib/cfg.h"
#include "lib/err.h"
#include "lib/json.h"
#include "lib/keymap.h"
#include "lib/alertcfg.h"
#include "lib/alertfmt.h"
#include "lib/alertev.h"
#include "lib/receiver.h"
#include "lib/route.h"
#include "lib/secret.h"

#define MFM_DELIVER_MAX_RESPONSE (1u << 20)	/* body bytes read, then cut */

void mfm_deliver_init(struct mfm_deliver *d);
void mfm_deliver_release(struct mfm_deliver *d);

/*
 * Check every receiver (a webhook has a URL, its ca_file is readable)
 * and, unless dry_run, set libcurl up.  Call once, after the receivers
 * are complete and before the first send.
 */
int mfm_deliver_start(struct mfm_deliver *d, struct mfm_err *err);

/*
 * Deliver ev to receiver r.  Text for the terminal (the stdout receiver's
 * line, a dry run's request) is appended to out without a final newline;
 * out is left alone otherwise.  A webhook is POSTed, retried as
 * mfm_deliver_retryable and mfm_deliver_wait say, and a failure after the
 * last attempt returns -1 with "webhook ops: HTTP 500 from
 * https://host/… after 3 attempts".
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

/*
 * One HTTP request to r's URL outside the alert receivers (mfm-export's
 * push to a Pushgateway): method ("PUT", "POST"), the Content-Type and
 * the body, retried as r says (retries, backoff, Retry-After), TLS
 * verified, redirects not followed, any 2xx a success.  A failure
 * returns -1 with "pushgateway NAME: HTTP 400 from http://host/… after
 * 1 attempt"; d->last says how it went.  mfm_deliver_start first.
 */
int mfm_deliver_http(struct mfm_deliver *d, struct mfm_deliver_recv *r,
    const char *method, const char *content_type, const char *body,
    size_t len, struct mfm_err *err);

/*
 * Retry policy, public for tests.  mfm_deliver_retryable says whether an
 * attempt that ended with libcurl code `code` (CURLcode) and, when code
 * is 0, HTTP status `http`, is worth another try: connection errors,
 * timeouts, 429 and 5xx are; a TLS verification failure, a 2xx, 3xx or
 * another 4xx is not.  mfm_deliver_wait is the wait in microseconds
 * after attempt number `attempt` (1-based): backoff doubled per attempt,
 * or the server's Retry-After (seconds, 0 when absent) on 429 and 503,
 * either capped at max_backoff.
 */
int mfm_deliver_retryable(int code, long http);
int64_t mfm_deliver_wait(const struct mfm_deliver_recv *r, unsigned attempt,
    long http, int64_t retry_after);

#endif
