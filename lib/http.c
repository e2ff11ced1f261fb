/*
 * The HTTP transport over libcurl; see http.h.
 *
 * One easy handle, reset and set up afresh for every attempt
 * (curl_easy_reset keeps the connection cache, so a run of events to
 * one host reuses its connection).  Only http and https are allowed,
 * redirects are never followed (a webhook that moved is a configuration
 * error the user must see, and following it would send the event to a
 * place nobody configured), TLS is always verified, and the response
 * body is read up to a cap and thrown away.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "lib/alertfmt.h"
#include "lib/http.h"
#include "lib/retry.h"
#include "lib/secret.h"
#include "lib/banned.h"

int
mfm_deliver_curl_start(struct mfm_deliver *d, struct mfm_err *err)
{
	CURLcode rc;

	if (d->curl != NULL)
		return 0;
	if ((rc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK)
		return mfm_err_set(err, MFM_ERR_SYS,
		    "cannot set up libcurl: %s", curl_easy_strerror(rc));
	d->curl_global = 1;
	if ((d->curl = curl_easy_init()) == NULL)
		return mfm_err_set(err, MFM_ERR_SYS,
		    "cannot set up libcurl");
	return 0;
}

void
mfm_deliver_curl_release(struct mfm_deliver *d)
{
	if (d->curl != NULL)
		curl_easy_cleanup(d->curl);
	if (d->curl_global)
		curl_global_cleanup();
	d->curl = NULL;
	d->curl_global = 0;
}

static size_t
discard(char *p, size_t size, size_t nmemb, void *arg)
{
	struct mfm_deliver *d = arg;
	size_t n = size * nmemb;

	(void)p;
	if (n > MFM_DELIVER_MAX_RESPONSE - d->got) {
		d->cut = 1;
		return 0;	/* ends the transfer */
	}
	d->got += n;
	return n;
}

int
mfm_deliver_curl_reset(struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, char *errbuf)
{
	CURL *h = d->curl;
	long ms = (long)(r->timeout / 1000);
	CURLcode rc = CURLE_OK;

	curl_easy_reset(h);
	d->got = 0;
	d->cut = 0;
	errbuf[0] = '\0';
	if (ms < 1)
		ms = 1;
	rc |= curl_easy_setopt(h, CURLOPT_URL, r->url);
	rc |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	rc |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms);
	rc |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms);
	rc |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	rc |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (r->ca_file != NULL)
		rc |= curl_easy_setopt(h, CURLOPT_CAINFO, r->ca_file);
	return (int)rc;
}

static CURLcode
post_once(struct mfm_deliver *d, const struct mfm_deliver_recv *r,
    const char *method, const struct mfm_buf *body, struct curl_slist *hdr,
    char *errbuf, long *http, int64_t *retry_after)
{
	struct sigaction old;
	CURL *h = d->curl;
	curl_off_t ra = 0;
	CURLcode rc;

	*http = 0;
	*retry_after = 0;
	rc = (CURLcode)mfm_deliver_curl_reset(d, r, errbuf);
#if LIBCURL_VERSION_NUM >= 0x075500
	rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	rc |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(h, CURLOPT_POST, 1L);
	/* PUT with a body, as the Pushgateway takes a whole group. */
	if (strcmp(method, "POST") != 0)
		rc |= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	rc |= curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->p != NULL ?
	    body->p : "");
	rc |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)body->len);
	rc |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	rc |= curl_easy_setopt(h, CURLOPT_USERAGENT, d->user_agent);
	rc |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	rc |= curl_easy_setopt(h, CURLOPT_WRITEDATA, d);
	if (rc != CURLE_OK)
		return CURLE_BAD_FUNCTION_ARGUMENT;
	mfm_deliver_nopipe(&old);
	rc = curl_easy_perform(h);
	sigaction(SIGPIPE, &old, NULL);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, http);
	/* A long answer that we cut still has a status to judge by. */
	if (rc == CURLE_WRITE_ERROR && d->cut && *http > 0)
		rc = CURLE_OK;
	if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) != CURLE_OK ||
	    ra < 0)
		ra = 0;
	*retry_after = (int64_t)ra;
	return rc;
}

/* Header lines into a curl list; NULL when out of memory. */
static struct curl_slist *
to_slist(const struct mfm_buf *h)
{
	struct curl_slist *l = NULL, *n;
	const char *p = h->p, *e;
	char line[512];

	/* "Accept:" and "Expect:" drop headers curl would add itself. */
	if ((l = curl_slist_append(NULL, "Accept:")) == NULL ||
	    (n = curl_slist_append(l, "Expect:")) == NULL)
		goto fail;
	while (p != NULL && p < h->p + h->len) {
		e = memchr(p, '\n', (size_t)(h->p + h->len - p));
		snprintf(line, sizeof(line), "%.*s", (int)(e - p), p);
		if ((n = curl_slist_append(l, line)) == NULL)
			goto fail;
		p = e + 1;
	}
	return l;
fail:
	curl_slist_free_all(l);
	return NULL;
}

static const char *
what(const struct mfm_deliver_recv *r)
{
	return mfm_deliver_type_name(r->type);
}

/*
 * Send body with method and the header lines h to r's URL, retried as
 * the receiver says; a failure after the last attempt is the message
 * "webhook ops: HTTP 500 from https://host/… after 3 attempts".
 */
static int
http_send(struct mfm_deliver *d, const struct mfm_deliver_recv *r,
    const char *method, const struct mfm_buf *body, const struct mfm_buf *h,
    struct mfm_err *err)
{
	struct mfm_deliver_result *res = &d->last;
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hdr;
	int64_t retry_after;
	unsigned attempt;
	long http;
	CURLcode rc;
	int ok = 0;

	if ((hdr = to_slist(h)) == NULL)
		return mfm_err_set(err, MFM_ERR_SYS, "out of memory");
	for (attempt = 1;; attempt++) {
		rc = post_once(d, r, method, body, hdr, errbuf, &http,
		    &retry_after);
		res->attempts = attempt;
		res->code = http;
		if (rc == CURLE_OK && http >= 200 && http <= 299) {
			ok = 1;
			break;
		}
		if (attempt > r->retries || !mfm_deliver_retryable(rc, http))
			break;
		mfm_deliver_pause(d, r, attempt, http, retry_after);
	}
	curl_slist_free_all(hdr);
	if (ok)
		return 0;
	res->permanent = !mfm_deliver_retryable(rc, http);
	if (rc == CURLE_OK)
		return mfm_err_set(err, MFM_ERR_SYS,
		    "%s %s: HTTP %ld from %s after %u attempt%s%s", what(r),
		    r->name, http, r->shown, attempt, attempt == 1 ? "" : "s",
		    http >= 300 && http <= 399 ?
		    " (redirects are not followed)" : "");
	if (d->cut)
		snprintf(errbuf, CURL_ERROR_SIZE,
		    "response longer than %u bytes", MFM_DELIVER_MAX_RESPONSE);
	else if (errbuf[0] == '\0')
		snprintf(errbuf, CURL_ERROR_SIZE, "%s",
		    curl_easy_strerror(rc));
	mfm_deliver_scrub(r, errbuf, sizeof(errbuf));
	return mfm_err_set(err, MFM_ERR_SYS,
	    "%s %s: %s to %s failed after %u attempt%s: %s", what(r),
	    r->name, method, r->shown, attempt, attempt == 1 ? "" : "s",
	    errbuf);
}

int
mfm_deliver_http_post(struct mfm_deliver *d, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, struct mfm_err *err)
{
	struct mfm_buf body = MFM_BUF_INIT, h = MFM_BUF_INIT;
	int rc;

	mfm_deliver_format_body(&body, d, r, ev, 0);
	mfm_deliver_http_headers(&h, d, r, ev, &body);
	rc = http_send(d, r, "POST", &body, &h, err);
	mfm_buf_release(&h);
	if (body.p != NULL)
		memset(body.p, 0, body.len);
	mfm_buf_release(&body);
	return rc;
}

int
mfm_deliver_http(struct mfm_deliver *d, struct mfm_deliver_recv *r,
    const char *method, const char *content_type, const char *body,
    size_t len, struct mfm_err *err)
{
	struct mfm_buf b = MFM_BUF_INIT, h = MFM_BUF_INIT;
	int rc;

	memset(&d->last, 0, sizeof(d->last));
	if (d->curl == NULL)
		return mfm_err_set(err, MFM_ERR_USAGE, "%s %s: "
		    "mfm_deliver_start was not called", what(r), r->name);
	mfm_buf_add(&b, body, len);
	mfm_buf_addf(&h, "Content-Type: %s\n", content_type);
	rc = http_send(d, r, method, &b, &h, err);
	mfm_buf_release(&b);
	mfm_buf_release(&h);
	if (rc != 0)
		d->nfailed++;
	else
		d->nsent++;
	return rc;
}
