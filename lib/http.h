/*
 * The HTTP transport of mfm-alert's webhook, Slack, PagerDuty and
 * Alertmanager receivers, and of mfm-export's push to a Pushgateway:
 * libcurl set up once per run, one request retried as the receiver says
 * (lib/retry.h), and a failure reported without the URL's secrets:
 * "webhook ops: HTTP 500 from https://host/… after 3 attempts".  The
 * SMTP transport (lib/smtp.h) uses the same handle and options.
 */
#ifndef MFM_HTTP_H
#define MFM_HTTP_H

#include <stddef.h>

#include "lib/alertev.h"
#include "lib/err.h"
#include "lib/receiver.h"

#define MFM_DELIVER_MAX_RESPONSE (1u << 20)	/* body bytes read, then cut */

/* Set libcurl up for d (once; again is a no-op), and free it. */
int mfm_deliver_curl_start(struct mfm_deliver *d, struct mfm_err *err);
void mfm_deliver_curl_release(struct mfm_deliver *d);

/*
 * Reset d's handle for an attempt to r: its URL, the timeout of one
 * attempt (connecting included), TLS verified against r's ca_file or
 * the system's CAs, no signals, libcurl's message into errbuf
 * (CURL_ERROR_SIZE bytes).  Returns a CURLcode, 0 when all is set.
 */
int mfm_deliver_curl_reset(struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, char *errbuf);

/* POST r's body for ev (and d->more) with r's headers; see http.h. */
int mfm_deliver_http_post(struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev,
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

#endif
