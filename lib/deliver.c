/*
 * Delivery of alert events to receivers; see deliver.h.
 *
 * The webhook transport is one libcurl easy handle, reset and set up
 * afresh for every attempt (curl_easy_reset keeps the connection cache,
 * so a run of events to one host reuses its connection).  Only http and
 * https are allowed, redirects are never followed (a webhook that moved
 * is a configuration error the user must see, and following it would
 * send the event to a place nobody configured), TLS is always verified,
 * and the response body is read up to a cap and thrown away.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lib/deliver.h"
#include "lib/mime.h"
#include "lib/prom.h"
#include "lib/tm.h"
#include "lib/banned.h"

#define ELLIPSIS MFM_DELIVER_ELLIPSIS

extern char **environ;

static int64_t
jitter_half(int64_t us)
{
	static int seeded;

	if (!seeded) {
		srandom((unsigned)time(NULL) ^ (unsigned)getpid());
		seeded = 1;
	}
	/* Equal jitter: half the wait kept, half random, so that many
	 * senders that failed together do not retry together. */
	if (us < 2)
		return us;
	return us / 2 + (int64_t)((uint64_t)random() % (uint64_t)(us / 2 + 1));
}

static void
sleep_us(int64_t us)
{
	struct timespec ts;

	if (us <= 0)
		return;
	ts.tv_sec = (time_t)(us / 1000000);
	ts.tv_nsec = (long)(us % 1000000) * 1000;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		continue;
}

void
mfm_deliver_init(struct mfm_deliver *d)
{
	memset(d, 0, sizeof(*d));
	d->sleep = sleep_us;
	d->jitter = jitter_half;
	d->inhibit = 1;
	mfm_keymap_init(&d->critical);
	d->user_agent = "mfm-alert/" MFM_VERSION;
}

void
mfm_deliver_release(struct mfm_deliver *d)
{
	mfm_deliver_receivers_release(d);
	mfm_keymap_release(&d->critical);
	if (d->curl != NULL)
		curl_easy_cleanup(d->curl);
	if (d->curl_global)
		curl_global_cleanup();
	mfm_deliver_init(d);
}

/* Start */

int
mfm_deliver_start(struct mfm_deliver *d, struct mfm_err *err)
{
	struct mfm_deliver_recv *r;
	int net = 0;
	size_t i;
	CURLcode rc;

	for (i = 0; i < d->n; i++) {
		r = &d->recv[i];
		if (r->type == MFM_DELIVER_STDOUT ||
		    r->type == MFM_DELIVER_COMMAND)
			continue;
		net++;
		if (r->url == NULL)
			return mfm_err_set(err, MFM_ERR_USAGE,
			    "%s %s: no URL", mfm_deliver_type_name(r->type),
			    r->name);
		if (r->ca_file != NULL && access(r->ca_file, R_OK) != 0)
			return mfm_err_sys(err, "%s %s: %s",
			    mfm_deliver_type_name(r->type), r->name,
			    r->ca_file);
	}
	if (net == 0 || d->dry_run || d->curl != NULL)
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

/* Webhook transport */

int
mfm_deliver_retryable(int code, long http)
{
	switch ((CURLcode)code) {
	case CURLE_OK:
		return http == 429 || (http >= 500 && http <= 599);
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_HTTP2_STREAM:
	case CURLE_AGAIN:
	case CURLE_HTTP3:
	case CURLE_QUIC_CONNECT_ERROR:
	case CURLE_PROXY:
		return 1;
	default:
		/* Verification, bad options, our own cap: trying again won't help. */
		return 0;
	}
}

int64_t
mfm_deliver_wait(const struct mfm_deliver_recv *r, unsigned attempt,
    long http, int64_t retry_after)
{
	int64_t w = r->backoff;
	unsigned i;

	if ((http == 429 || http == 503) && retry_after > 0) {
		if (retry_after > r->max_backoff / 1000000)
			return r->max_backoff;
		return retry_after * 1000000;
	}
	for (i = 1; i < attempt && w < r->max_backoff; i++)
		w = w > INT64_MAX / 2 ? INT64_MAX : w * 2;
	return w < r->max_backoff ? w : r->max_backoff;
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

/* Ignore SIGPIPE around a transfer: a peer that hangs up is an error
 * to report, not the end of the run. */
static void
pipe_ignore(struct sigaction *old)
{
	struct sigaction ign;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, old);
}

static CURLcode
common_opts(struct mfm_deliver *d, const struct mfm_deliver_recv *r,
    char *errbuf)
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
	return rc;
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
	rc = common_opts(d, r, errbuf);
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
	pipe_ignore(&old);
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
	int64_t retry_after, w;
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
		w = mfm_deliver_wait(r, attempt, http, retry_after);
		/* The server's own Retry-After is kept as it is. */
		if (d->jitter != NULL && !((http == 429 || http == 503) &&
		    retry_after > 0))
			w = d->jitter(w);
		d->sleep(w);
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

static int
http_post(struct mfm_deliver *d, const struct mfm_deliver_recv *r,
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

static int
smtp_send(struct mfm_deliver *d, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, struct mfm_err *err)
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
		rc = common_opts(d, r, errbuf);
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
		pipe_ignore(&old);
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
		d->sleep(d->jitter != NULL ?
		    d->jitter(mfm_deliver_wait(r, attempt, 0, 0)) :
		    mfm_deliver_wait(r, attempt, 0, 0));
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

/* Command */

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Run the command once: the event and a newline on its stdin, its
 * stdout sent to our stderr (stdout is for receipts), killed after the
 * timeout.  Returns the exit status, 128 + signal, or -1 on timeout;
 * -2 with err set when it could not be started.
 */
/* Is the NAME=value entry e one of the receivers' secret variables? */
static int
secret_var(const struct mfm_deliver *d, const char *e)
{
	const char *eq = strchr(e, '=');
	size_t i, k, n = eq != NULL ? (size_t)(eq - e) : strlen(e);

	for (i = 0; i < d->n; i++)
		for (k = 0; k < d->recv[i].nsecret_env; k++)
			if (strlen(d->recv[i].secret_env[k]) == n &&
			    memcmp(d->recv[i].secret_env[k], e, n) == 0)
				return 1;
	return 0;
}

static int
run_once(const struct mfm_deliver *d, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, struct mfm_err *err)
{
	struct sigaction old;
	struct pollfd pfd;
	int in[2], st, fl;
	int64_t end = mono_us() + r->timeout, left;
	size_t off = 0;
	struct mfm_buf b = MFM_BUF_INIT;
	ssize_t w;
	pid_t pid, got;
	char **envp;
	size_t ne, k;

	for (ne = 0; environ[ne] != NULL; ne++)
		continue;
	envp = mfm_xreallocarray(NULL, ne + 1, sizeof(*envp));
	for (ne = k = 0; environ[k] != NULL; k++)
		if (!secret_var(d, environ[k]))
			envp[ne++] = environ[k];
	envp[ne] = NULL;
	mfm_deliver_format_body(&b, d, r, ev, 0);
	mfm_buf_addc(&b, '\n');
	if (pipe(in) != 0) {
		free(envp);
		mfm_buf_release(&b);
		return mfm_err_sys(err, "command %s: pipe", r->name), -2;
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		close(in[0]);
		close(in[1]);
		free(envp);
		mfm_buf_release(&b);
		return mfm_err_sys(err, "command %s: fork", r->name), -2;
	}
	if (pid == 0) {
		/* Its own process group: the timeout kills its children too. */
		setpgid(0, 0);
		dup2(in[0], 0);
		dup2(2, 1);
		close(in[0]);
		close(in[1]);
		execve(r->argv[0], r->argv, envp);
		fprintf(stderr, "mfm-alert: command %s: %s: %s\n", r->name,
		    r->argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	free(envp);
	fl = fcntl(in[1], F_GETFL);
	fcntl(in[1], F_SETFL, fl | O_NONBLOCK);
	fcntl(in[1], F_SETFD, FD_CLOEXEC);
	pipe_ignore(&old);
	while (off < b.len && (left = end - mono_us()) > 0) {
		pfd.fd = in[1];
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, (int)(left / 1000) + 1) <= 0)
			continue;
		if ((w = write(in[1], b.p + off, b.len - off)) < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			break;	/* it did not read its input: judged by exit */
		}
		off += (size_t)w;
	}
	close(in[1]);
	sigaction(SIGPIPE, &old, NULL);
	mfm_buf_release(&b);
	for (;;) {
		got = waitpid(pid, &st, WNOHANG);
		if (got == pid)
			break;
		if (got == -1 && errno != EINTR)
			return mfm_err_sys(err, "command %s: waitpid",
			    r->name), -2;
		if (mono_us() >= end) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
				continue;
			return -1;
		}
		sleep_us(5000);
	}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

static int
command_run(struct mfm_deliver *d, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, struct mfm_err *err)
{
	struct mfm_deliver_result *res = &d->last;
	unsigned attempt;
	char tm[32];
	int st = 0;

	for (attempt = 1;; attempt++) {
		st = run_once(d, r, ev, err);
		res->attempts = attempt;
		res->code = st;
		if (st == -2) {
			res->permanent = 1;
			return -1;
		}
		if (st == 0)
			return 0;
		/* 75 is EX_TEMPFAIL: the program asks to be run again. */
		if ((st != -1 && st != 75) || attempt > r->retries)
			break;
		d->sleep(d->jitter != NULL ?
		    d->jitter(mfm_deliver_wait(r, attempt, 0, 0)) :
		    mfm_deliver_wait(r, attempt, 0, 0));
	}
	res->permanent = st != -1 && st != 75;
	if (st == -1) {
		mfm_tm_format_duration(r->timeout, tm);
		return mfm_err_set(err, MFM_ERR_SYS, "command %s: killed "
		    "after the timeout of %s, %u attempt%s", r->name, tm,
		    attempt, attempt == 1 ? "" : "s");
	}
	if (st > 128)
		return mfm_err_set(err, MFM_ERR_SYS, "command %s: ended by "
		    "signal %d", r->name, st - 128);
	return mfm_err_set(err, MFM_ERR_SYS, "command %s: exit status %d "
	    "after %u attempt%s", r->name, st, attempt, attempt == 1 ? "" :
	    "s");
}

int
mfm_deliver_send_group(struct mfm_deliver *d, struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *const *ev, size_t n, struct mfm_buf *out,
    struct mfm_err *err)
{
	int rc;

	d->more = ev + 1;
	d->nmore = n - 1;
	rc = mfm_deliver_send(d, r, ev[0], out, err);
	d->more = NULL;
	d->nmore = 0;
	return rc;
}

int
mfm_deliver_send(struct mfm_deliver *d, struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, struct mfm_buf *out,
    struct mfm_err *err)
{
	int rc = 0;

	memset(&d->last, 0, sizeof(d->last));
	if (r->type == MFM_DELIVER_STDOUT) {
		mfm_deliver_format_line(out, ev);
		d->nsent++;
		return 0;
	}
	if (d->dry_run) {
		mfm_deliver_format_request(out, d, r, ev);
		d->nsent++;
		return 0;
	}
	if (r->type != MFM_DELIVER_COMMAND && d->curl == NULL)
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "%s %s: mfm_deliver_start was not called", what(r),
		    r->name);
	switch (r->type) {
	case MFM_DELIVER_WEBHOOK:
	case MFM_DELIVER_SLACK:
	case MFM_DELIVER_PAGERDUTY:
	case MFM_DELIVER_ALERTMANAGER:
		rc = http_post(d, r, ev, err);
		break;
	case MFM_DELIVER_PUSHGATEWAY:
		return mfm_err_set(err, MFM_ERR_USAGE, "pushgateway %s: not "
		    "a receiver of alerts", r->name);
	case MFM_DELIVER_EMAIL:
		rc = smtp_send(d, r, ev, err);
		break;
	case MFM_DELIVER_COMMAND:
		rc = command_run(d, r, ev, err);
		break;
	case MFM_DELIVER_STDOUT:
		break;
	}
	if (rc != 0) {
		d->nfailed++;
		return -1;
	}
	d->nsent++;
	return 0;
}
