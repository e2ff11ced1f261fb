/*
 * The SMTP transport of an email receiver; see smtp.h.  libcurl speaks
 * SMTP on the handle of lib/http.c; its debug callback keeps the
 * server's last refusal to quote in the message of a failure.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "lib/alertfmt.h"
#include "lib/buf.h"
#include "lib/http.h"
#include "lib/mime.h"
#include "lib/retry.h"
#include "lib/secret.h"
#include "lib/smtp.h"
#include "lib/banned.h"

struct upload {
	const char *p;
	size_t left;
};

static size_t
read_upload(char *buf, size_t size, size_t nitems, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nitems;

	if (n > u->left)
		n = u->left;
	memcpy(buf, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

/*
 * libcurl's debug callback, on for SMTP: keep the server's last refusal
 * (a 4xx or 5xx reply line; its replies come as CURLINFO_HEADER_IN, a
 * line each), so that a failure can quote it, where libcurl's own
 * message may say no more than "Weird server reply".  A later positive
 * reply clears it (a refused EHLO followed by HELO is no failure), but
 * not 221, the goodbye libcurl asks for after a refusal.  What we send
 * (HEADER_OUT, with AUTH) is never looked at.
 */
static int
smtp_debug(CURL *h, curl_infotype type, char *p, size_t n, void *arg)
{
	struct mfm_deliver *d = arg;
	size_t i, k = 0;

	(void)h;
	if (type != CURLINFO_HEADER_IN || n < 3 || p[1] < '0' || p[1] > '9' ||
	    p[2] < '0' || p[2] > '9')
		return 0;
	if (p[0] != '4' && p[0] != '5') {
		if (memcmp(p, "221", 3) != 0)
			d->reply[0] = '\0';
		return 0;
	}
	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	for (i = 0; i < n && k < MFM_DELIVER_MAX_REPLY; i++)
		d->reply[k++] = (unsigned char)p[i] < 0x20 ||
		    (unsigned char)p[i] > 0x7e ? '?' : p[i];
	d->reply[k] = '\0';
	return 0;
}

/* libcurl's message, then "; the server said \"554 5.7.1 ...\"". */
static void
put_reply(char *out, size_t size, const char *msg, const char *reply)
{
	if (reply[0] != '\0')
		snprintf(out, size, "%s; the server said \"%s\"", msg, reply);
	else
		snprintf(out, size, "%s", msg);
}

static int
smtp_retryable(CURLcode rc, long code)
{
	if (code >= 500)
		return 0;	/* the server said no for good */
	if (code >= 400)
		return 1;
	switch (rc) {
	case CURLE_LOGIN_DENIED:
	case CURLE_USE_SSL_FAILED:	/* no STARTTLS: will not change */
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return 0;
	default:
		return mfm_deliver_retryable(rc, 0);
	}
}

int
mfm_deliver_smtp_send(struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev,
    struct mfm_err *err)
{
	struct mfm_deliver_result *res = &d->last;
	struct mfm_buf msg = MFM_BUF_INIT;
	char errbuf[CURL_ERROR_SIZE];
	char why[CURL_ERROR_SIZE + MFM_DELIVER_MAX_REPLY + 32];
	struct curl_slist *rcpt = NULL, *n;
	struct sigaction old;
	struct upload u;
	unsigned attempt;
	long code = 0;
	CURLcode rc;
	CURL *h = d->curl;
	char key[33];
	size_t i;

	mfm_deliver_note_key(d, r, ev, key);
	mfm_deliver_email_message(&msg, d, r, ev, key, d->now);
	for (i = 0; i < r->nto; i++) {
		if ((n = curl_slist_append(rcpt, r->to[i])) == NULL) {
			curl_slist_free_all(rcpt);
			mfm_buf_release(&msg);
			return mfm_err_set(err, MFM_ERR_SYS, "out of memory");
		}
		rcpt = n;
	}
	for (attempt = 1;; attempt++) {
		rc = (CURLcode)mfm_deliver_curl_reset(d, r, errbuf);
#if LIBCURL_VERSION_NUM >= 0x075500
		rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#endif
		d->reply[0] = '\0';
		rc |= curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, smtp_debug);
		rc |= curl_easy_setopt(h, CURLOPT_DEBUGDATA, d);
		rc |= curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
		rc |= curl_easy_setopt(h, CURLOPT_MAIL_FROM, r->from);
		rc |= curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
		rc |= curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		rc |= curl_easy_setopt(h, CURLOPT_READFUNCTION, read_upload);
		rc |= curl_easy_setopt(h, CURLOPT_READDATA, &u);
		rc |= curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
		    (curl_off_t)msg.len);
		if (r->starttls)
			rc |= curl_easy_setopt(h, CURLOPT_USE_SSL,
			    (long)CURLUSESSL_ALL);
		if (r->username != NULL)
			rc |= curl_easy_setopt(h, CURLOPT_USERNAME,
			    r->username);
		if (r->password != NULL)
			rc |= curl_easy_setopt(h, CURLOPT_PASSWORD,
			    r->password);
		u.p = msg.p;
		u.left = msg.len;
		if (rc != CURLE_OK) {
			rc = CURLE_BAD_FUNCTION_ARGUMENT;
			break;
		}
		mfm_deliver_nopipe(&old);
		rc = curl_easy_perform(h);
		sigaction(SIGPIPE, &old, NULL);
		code = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		res->attempts = attempt;
		res->code = code;
		if (rc == CURLE_OK)
			break;
		if (attempt > r->retries || !smtp_retryable(rc, code))
			break;
		mfm_deliver_pause(d, r, attempt, 0, 0);
	}
	/* Do not leave the password in the handle's copy for later. */
	curl_easy_reset(h);
	curl_slist_free_all(rcpt);
	mfm_buf_release(&msg);
	if (rc == CURLE_OK)
		return 0;
	res->permanent = !smtp_retryable(rc, code);
	if (errbuf[0] == '\0')
		snprintf(errbuf, CURL_ERROR_SIZE, "%s",
		    curl_easy_strerror(rc));
	put_reply(why, sizeof(why), errbuf, d->reply);
	mfm_deliver_scrub(r, why, sizeof(why));
	return mfm_err_set(err, MFM_ERR_SYS,
	    "email %s: sending to %s failed after %u attempt%s: %s%s",
	    r->name, r->shown, attempt, attempt == 1 ? "" : "s", why,
	    rc == CURLE_USE_SSL_FAILED ? " (the server offers no STARTTLS; "
	    "starttls: false allows clear text)" : "");
}
