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
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "lib/deliver.h"
#include "lib/tm.h"
#include "lib/banned.h"

#define ELLIPSIS "\xe2\x80\xa6"		/* U+2026, marks what is hidden */

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
	d->user_agent = "mfm-alert/" MFM_VERSION;
}

static void
recv_release(struct mfm_deliver_recv *r)
{
	size_t i;

	free(r->name);
	if (r->url != NULL) {
		/* Do not leave the secret in freed memory. */
		memset(r->url, 0, strlen(r->url));
		free(r->url);
	}
	free(r->shown);
	free(r->host);
	for (i = 0; i < r->nsecrets; i++) {
		memset(r->secrets[i], 0, strlen(r->secrets[i]));
		free(r->secrets[i]);
	}
	free(r->secrets);
	free(r->ca_file);
}

void
mfm_deliver_release(struct mfm_deliver *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		recv_release(&d->recv[i]);
	free(d->recv);
	if (d->headers != NULL)
		curl_slist_free_all(d->headers);
	if (d->curl != NULL)
		curl_easy_cleanup(d->curl);
	if (d->curl_global)
		curl_global_cleanup();
	mfm_deliver_init(d);
}

struct mfm_deliver_recv *
mfm_deliver_add(struct mfm_deliver *d, enum mfm_deliver_type type,
    const char *name, struct mfm_err *err)
{
	struct mfm_deliver_recv *r;

	if (d->n >= MFM_DELIVER_MAX_RECEIVERS) {
		mfm_err_set(err, MFM_ERR_LIMIT, "more than %d receivers",
		    MFM_DELIVER_MAX_RECEIVERS);
		return NULL;
	}
	d->recv = mfm_xreallocarray(d->recv, d->n + 1, sizeof(*d->recv));
	r = &d->recv[d->n++];
	memset(r, 0, sizeof(*r));
	r->type = type;
	r->name = mfm_xstrdup(name);
	r->timeout = MFM_DELIVER_TIMEOUT;
	r->backoff = MFM_DELIVER_BACKOFF;
	r->max_backoff = MFM_DELIVER_MAX_BACKOFF;
	r->retries = MFM_DELIVER_RETRIES;
	return r;
}

/* URLs */

static void
add_secret(struct mfm_deliver_recv *r, const char *s)
{
	/* One byte ("/") hides nothing and would garble every message. */
	if (s == NULL || strlen(s) < 2)
		return;
	r->secrets = mfm_xreallocarray(r->secrets, r->nsecrets + 1,
	    sizeof(*r->secrets));
	r->secrets[r->nsecrets++] = mfm_xstrdup(s);
}

static void
forget_url(struct mfm_deliver_recv *r)
{
	struct mfm_deliver_recv keep = *r;

	keep.name = NULL;
	keep.ca_file = NULL;
	recv_release(&keep);
	r->url = r->shown = r->host = NULL;
	r->secrets = NULL;
	r->nsecrets = 0;
	r->userinfo = 0;
}

int
mfm_deliver_url_set(struct mfm_deliver_recv *r, const char *url, size_t len,
    const char *from, struct mfm_err *err)
{
	static const CURLUPart parts[] = {
		CURLUPART_PATH, CURLUPART_QUERY, CURLUPART_USER,
		CURLUPART_PASSWORD
	};
	char *scheme = NULL, *host = NULL, *port = NULL, *part, *s;
	struct mfm_buf b = MFM_BUF_INIT;
	CURLUcode uc;
	CURLU *u;
	size_t i;
	int rc = -1;

	while (len > 0 && (url[len - 1] == ' ' || url[len - 1] == '\t' ||
	    url[len - 1] == '\n' || url[len - 1] == '\r'))
		len--;
	while (len > 0 && (*url == ' ' || *url == '\t')) {
		url++;
		len--;
	}
	if (len == 0)
		return mfm_err_set(err, MFM_ERR_USAGE, "%s: no URL", from);
	if (len > MFM_DELIVER_MAX_URL)
		return mfm_err_set(err, MFM_ERR_LIMIT,
		    "%s: URL longer than %d bytes", from, MFM_DELIVER_MAX_URL);
	for (i = 0; i < len; i++)
		if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f)
			return mfm_err_set(err, MFM_ERR_USAGE,
			    "%s: URL holds white space or a control character",
			    from);
	forget_url(r);
	r->url = mfm_xmemdup(url, len);
	if (strncasecmp(r->url, "http://", 7) == 0)
		s = r->url + 7;
	else if (strncasecmp(r->url, "https://", 8) == 0)
		s = r->url + 8;
	else {
		forget_url(r);
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "%s: not an http or https URL", from);
	}
	/*
	 * curl reads "https:///x" as host x; then the "host" shown in every
	 * message could be the token.
	 */
	if (*s == '/') {
		forget_url(r);
		return mfm_err_set(err, MFM_ERR_USAGE, "%s: URL has no host",
		    from);
	}
	if ((u = curl_url()) == NULL) {
		forget_url(r);
		return mfm_err_set(err, MFM_ERR_SYS, "out of memory");
	}
	/* The message says why, never what: the URL is a secret. */
	if ((uc = curl_url_set(u, CURLUPART_URL, r->url, 0)) != CURLUE_OK) {
		mfm_err_set(err, MFM_ERR_USAGE, "%s: invalid URL: %s", from,
		    curl_url_strerror(uc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		mfm_err_set(err, MFM_ERR_USAGE,
		    "%s: not an http or https URL", from);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    *host == '\0') {
		mfm_err_set(err, MFM_ERR_USAGE, "%s: URL has no host", from);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
		port = NULL;
	/* curl names the port in Host only when it is not the default. */
	mfm_buf_adds(&b, host);
	if (port != NULL && strcmp(port,
	    strcmp(scheme, "https") == 0 ? "443" : "80") != 0)
		mfm_buf_addf(&b, ":%s", port);
	r->host = mfm_buf_detach(&b);
	mfm_buf_addf(&b, "%s://%s", scheme, host);
	if (port != NULL)
		mfm_buf_addf(&b, ":%s", port);
	mfm_buf_adds(&b, "/" ELLIPSIS);
	r->shown = mfm_buf_detach(&b);
	add_secret(r, r->url);
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (curl_url_get(u, parts[i], &part, 0) != CURLUE_OK)
			continue;
		if (parts[i] == CURLUPART_USER)
			r->userinfo = 1;
		add_secret(r, part);
		/* Also as curl may show it: decoded. */
		if (curl_url_get(u, parts[i], &s, CURLU_URLDECODE) ==
		    CURLUE_OK) {
			if (strcmp(s, part) != 0)
				add_secret(r, s);
			curl_free(s);
		}
		curl_free(part);
	}
	rc = 0;
out:
	if (rc != 0)
		forget_url(r);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

int
mfm_deliver_url_env(struct mfm_deliver_recv *r, const char *var,
    struct mfm_err *err)
{
	char from[128];
	const char *v;

	snprintf(from, sizeof(from), "environment variable %s", var);
	if (*var == '\0')
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "empty environment variable name");
	if ((v = getenv(var)) == NULL)
		return mfm_err_set(err, MFM_ERR_USAGE, "%s is not set", from);
	return mfm_deliver_url_set(r, v, strlen(v), from, err);
}

int
mfm_deliver_url_file(struct mfm_deliver_recv *r, const char *path,
    struct mfm_err *err)
{
	char buf[MFM_DELIVER_MAX_URL + 2];
	size_t n;
	char *nl;
	FILE *f;
	int rc;

	if ((f = fopen(path, "r")) == NULL)
		return mfm_err_sys(err, "%s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	if (ferror(f)) {
		mfm_err_sys(err, "%s", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[n] = '\0';
	/* The first line is the URL; a final newline is usual. */
	if ((nl = memchr(buf, '\n', n)) != NULL)
		n = (size_t)(nl - buf);
	else if (n > MFM_DELIVER_MAX_URL)
		return mfm_err_set(err, MFM_ERR_LIMIT,
		    "%s: URL longer than %d bytes", path, MFM_DELIVER_MAX_URL);
	rc = mfm_deliver_url_set(r, buf, n, path, err);
	memset(buf, 0, sizeof(buf));
	return rc;
}

/* Configuration */

/* Put a URL error at the node that named its source. */
static int
at_node(const struct mfm_cfg_node *n, struct mfm_err *err)
{
	char msg[sizeof(err->msg)];

	snprintf(msg, sizeof(msg), "%s", err->msg);
	return mfm_cfg_err(n, err, "%s", msg);
}

static int
cfg_webhook(struct mfm_deliver_recv *r, const struct mfm_cfg_node *m,
    struct mfm_err *err)
{
	const struct mfm_cfg_node *env, *file;
	const char *s = NULL;
	long long retries = r->retries;

	env = mfm_cfg_get(m, "url_env");
	file = mfm_cfg_get(m, "url_file");
	if (env != NULL && file != NULL)
		return mfm_cfg_err(file, err,
		    "give url_env or url_file, not both");
	if (env == NULL && file == NULL)
		return mfm_cfg_err(m, err,
		    "a webhook needs url_env or url_file");
	if (mfm_cfg_str(env != NULL ? env : file, &s, err) != 0)
		return -1;
	if (mfm_cfg_get(m, "name") == NULL) {
		free(r->name);
		r->name = mfm_xstrdup(s);
	}
	if (env != NULL && mfm_deliver_url_env(r, s, err) != 0)
		return at_node(env, err);
	if (file != NULL && mfm_deliver_url_file(r, s, err) != 0)
		return at_node(file, err);
	if (mfm_cfg_duration(mfm_cfg_get(m, "timeout"), 0, &r->timeout,
	    err) != 0 ||
	    mfm_cfg_duration(mfm_cfg_get(m, "backoff"), 1, &r->backoff,
	    err) != 0 ||
	    mfm_cfg_duration(mfm_cfg_get(m, "max_backoff"), 1,
	    &r->max_backoff, err) != 0 ||
	    mfm_cfg_int(mfm_cfg_get(m, "retries"), 0, MFM_DELIVER_RETRIES_MAX,
	    &retries, err) != 0)
		return -1;
	r->retries = (unsigned)retries;
	s = NULL;
	if (mfm_cfg_str(mfm_cfg_get(m, "ca_file"), &s, err) != 0)
		return -1;
	if (s != NULL)
		r->ca_file = mfm_xstrdup(s);
	return 0;
}

int
mfm_deliver_config(struct mfm_deliver *d, const struct mfm_cfg_node *section,
    struct mfm_err *err)
{
	static const char *const stdout_keys[] = { "type", "name", NULL };
	static const char *const webhook_keys[] = {
		"type", "name", "url_env", "url_file", "timeout", "retries",
		"backoff", "max_backoff", "ca_file", NULL
	};
	const struct mfm_cfg_node *list, *m, *t, *url;
	struct mfm_deliver_recv *r;
	const char *type, *name;
	size_t i;

	if ((list = mfm_cfg_get(section, "receivers")) == NULL)
		return 0;
	if (list->type != MFM_CFG_SEQ)
		return mfm_cfg_err(list, err, "expected a list of receivers");
	for (i = 0; i < list->n; i++) {
		m = list->items[i];
		if (m->type != MFM_CFG_MAP)
			return mfm_cfg_err(m, err,
			    "expected a receiver: a mapping with a type");
		if ((t = mfm_cfg_get(m, "type")) == NULL)
			return mfm_cfg_err(m, err, "receiver has no type");
		type = NULL;
		if (mfm_cfg_str(t, &type, err) != 0)
			return -1;
		name = type;
		if (mfm_cfg_str(mfm_cfg_get(m, "name"), &name, err) != 0)
			return -1;
		if (strcmp(type, "stdout") == 0) {
			if (mfm_cfg_check_keys(m, stdout_keys, err) != 0)
				return -1;
			if (mfm_deliver_add(d, MFM_DELIVER_STDOUT, name,
			    err) == NULL)
				return at_node(m, err);
		} else if (strcmp(type, "webhook") == 0) {
			/* A URL written into the file is a leak waiting. */
			if ((url = mfm_cfg_get(m, "url")) != NULL)
				return mfm_cfg_err(url, err,
				    "a webhook URL is a secret: give url_env "
				    "or url_file, not url");
			if (mfm_cfg_check_keys(m, webhook_keys, err) != 0)
				return -1;
			if ((r = mfm_deliver_add(d, MFM_DELIVER_WEBHOOK, name,
			    err)) == NULL)
				return at_node(m, err);
			if (cfg_webhook(r, m, err) != 0)
				return -1;
		} else
			return mfm_cfg_err(t, err,
			    "unknown receiver type '%s'", type);
	}
	return 0;
}

/* Start */

int
mfm_deliver_start(struct mfm_deliver *d, struct mfm_err *err)
{
	struct curl_slist *h;
	struct mfm_deliver_recv *r;
	int webhooks = 0;
	size_t i;
	CURLcode rc;

	for (i = 0; i < d->n; i++) {
		r = &d->recv[i];
		if (r->type != MFM_DELIVER_WEBHOOK)
			continue;
		webhooks++;
		if (r->url == NULL)
			return mfm_err_set(err, MFM_ERR_USAGE,
			    "webhook %s: no URL", r->name);
		if (r->ca_file != NULL && access(r->ca_file, R_OK) != 0)
			return mfm_err_sys(err, "webhook %s: %s", r->name,
			    r->ca_file);
	}
	if (webhooks == 0 || d->dry_run || d->curl != NULL)
		return 0;
	if ((rc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK)
		return mfm_err_set(err, MFM_ERR_SYS,
		    "cannot set up libcurl: %s", curl_easy_strerror(rc));
	d->curl_global = 1;
	if ((d->curl = curl_easy_init()) == NULL)
		return mfm_err_set(err, MFM_ERR_SYS,
		    "cannot set up libcurl");
	/* "Accept:" and "Expect:" drop headers curl would add itself. */
	h = curl_slist_append(NULL, "Content-Type: application/json");
	if (h != NULL)
		d->headers = h;
	if (h == NULL ||
	    (h = curl_slist_append(d->headers, "Accept:")) == NULL ||
	    (h = curl_slist_append(d->headers, "Expect:")) == NULL)
		return mfm_err_set(err, MFM_ERR_SYS, "out of memory");
	return 0;
}

/* Events */

void
mfm_deliver_event_init(struct mfm_deliver_event *ev)
{
	size_t i;

	memset(ev, 0, sizeof(*ev));
	for (i = 0; i < sizeof(ev->scratch) / sizeof(ev->scratch[0]); i++)
		mfm_buf_init(&ev->scratch[i]);
}

void
mfm_deliver_event_release(struct mfm_deliver_event *ev)
{
	size_t i;

	for (i = 0; i < sizeof(ev->scratch) / sizeof(ev->scratch[0]); i++)
		mfm_buf_release(&ev->scratch[i]);
	mfm_deliver_event_init(ev);
}

static int
event_str(const struct mfm_json *j, const char *key, int required,
    struct mfm_deliver_str *out, struct mfm_buf *scratch, struct mfm_err *err)
{
	int t = mfm_json_member(j, 0, key, strlen(key));

	out->p = "";
	out->len = 0;
	if (t < 0) {
		if (required)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "event has no '%s'", key);
		return 0;
	}
	if (mfm_json_type_of(j, t) != MFM_JSON_STRING)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "event member '%s' is not a string", key);
	out->p = mfm_json_str(j, t, &out->len, scratch);
	if (required && out->len == 0)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "event member '%s' is empty", key);
	return 0;
}

int
mfm_deliver_event_read(struct mfm_deliver_event *ev, const struct mfm_json *j,
    struct mfm_err *err)
{
	int t;

	if (mfm_json_member(j, 0, "_mfm", 4) >= 0)
		return 1;
	if ((t = mfm_json_member(j, 0, "status", 6)) < 0)
		return mfm_err_set(err, MFM_ERR_DATA, "event has no 'status'");
	if (mfm_json_str_eq(j, t, "firing", 6))
		ev->firing = 1;
	else if (mfm_json_str_eq(j, t, "resolved", 8))
		ev->firing = 0;
	else
		return mfm_err_set(err, MFM_ERR_DATA,
		    "event status is neither 'firing' nor 'resolved'");
	if (event_str(j, "rule", 1, &ev->rule, &ev->scratch[0], err) != 0 ||
	    event_str(j, "fingerprint", 1, &ev->fingerprint,
	    &ev->scratch[1], err) != 0 ||
	    event_str(j, "summary", 1, &ev->summary, &ev->scratch[2],
	    err) != 0 ||
	    event_str(j, "severity", 0, &ev->severity, &ev->scratch[3],
	    err) != 0)
		return -1;
	ev->body.p = mfm_json_raw(j, 0, &ev->body.len);
	return 0;
}

/* Formatting */

/*
 * Append s with every control character (C0, DEL and the C1 range that
 * terminals also obey) shown as '?'.  Returns the characters written.
 */
static size_t
put_clean(struct mfm_buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, chars = 0;

	for (i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f) {
			mfm_buf_addc(out, '?');
		} else if (p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f) {
			mfm_buf_addc(out, '?');
			i++;
		} else {
			mfm_buf_addc(out, (char)p[i]);
			if ((p[i] & 0xc0) == 0x80)
				continue;
		}
		chars++;
	}
	return chars;
}

static void
put_column(struct mfm_buf *out, const char *s, size_t n, size_t width)
{
	size_t w = put_clean(out, s, n);

	/* Two spaces between columns, so a long value stays apart. */
	for (w = w < width ? width - w + 2 : 2; w > 0; w--)
		mfm_buf_addc(out, ' ');
}

void
mfm_deliver_format_line(struct mfm_buf *out,
    const struct mfm_deliver_event *ev)
{
	const char *status = ev->firing ? "FIRING" : "RESOLVED";

	put_column(out, status, strlen(status), 8);
	if (ev->severity.len > 0)
		put_column(out, ev->severity.p, ev->severity.len, 8);
	else
		put_column(out, "-", 1, 8);
	put_column(out, ev->rule.p, ev->rule.len, 0);
	put_clean(out, ev->summary.p, ev->summary.len);
}

void
mfm_deliver_format_request(struct mfm_buf *out, const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev)
{
	mfm_buf_adds(out, "# webhook ");
	put_clean(out, r->name, strlen(r->name));
	mfm_buf_addf(out, "\nPOST %s\n", r->shown);
	mfm_buf_addf(out, "Host: %s\n", r->host);
	if (r->userinfo)
		mfm_buf_adds(out, "Authorization: Basic " ELLIPSIS "\n");
	mfm_buf_addf(out, "User-Agent: %s\n", d->user_agent);
	mfm_buf_adds(out, "Content-Type: application/json\n");
	mfm_buf_addf(out, "Content-Length: %zu\n\n", ev->body.len);
	mfm_buf_add(out, ev->body.p, ev->body.len);
	mfm_buf_addc(out, '\n');
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

/* Replace every copy of a part of the URL in msg with an ellipsis. */
static void
scrub(const struct mfm_deliver_recv *r, char *msg, size_t size)
{
	struct mfm_buf b = MFM_BUF_INIT;
	const char *hit;
	size_t i, n;

	for (i = 0; i < r->nsecrets; i++) {
		n = strlen(r->secrets[i]);
		while ((hit = strstr(msg, r->secrets[i])) != NULL) {
			mfm_buf_clear(&b);
			mfm_buf_add(&b, msg, (size_t)(hit - msg));
			mfm_buf_adds(&b, ELLIPSIS);
			mfm_buf_adds(&b, hit + n);
			snprintf(msg, size, "%s", b.p);
		}
	}
	mfm_buf_release(&b);
}

static CURLcode
post_once(struct mfm_deliver *d, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, char *errbuf, long *http,
    int64_t *retry_after)
{
	struct sigaction ign, old;
	CURL *h = d->curl;
	curl_off_t ra = 0;
	long ms = (long)(r->timeout / 1000);
	CURLcode rc = CURLE_OK;

	*http = 0;
	*retry_after = 0;
	curl_easy_reset(h);
	d->got = 0;
	d->cut = 0;
	errbuf[0] = '\0';
	if (ms < 1)
		ms = 1;
	rc |= curl_easy_setopt(h, CURLOPT_URL, r->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	rc |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	rc |= curl_easy_setopt(h, CURLOPT_POST, 1L);
	rc |= curl_easy_setopt(h, CURLOPT_POSTFIELDS, ev->body.p);
	rc |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)ev->body.len);
	rc |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, d->headers);
	rc |= curl_easy_setopt(h, CURLOPT_USERAGENT, d->user_agent);
	rc |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms);
	rc |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms);
	rc |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	rc |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (r->ca_file != NULL)
		rc |= curl_easy_setopt(h, CURLOPT_CAINFO, r->ca_file);
	rc |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	rc |= curl_easy_setopt(h, CURLOPT_WRITEDATA, d);
	if (rc != CURLE_OK)
		return CURLE_BAD_FUNCTION_ARGUMENT;
	/*
	 * The tools keep SIGPIPE's default so a filter ends quietly when its
	 * reader goes; a webhook server that drops the connection must not
	 * end the run that way, and NOSIGNAL leaves that to us.
	 */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
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

static int
webhook_post(struct mfm_deliver *d, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, struct mfm_err *err)
{
	char errbuf[CURL_ERROR_SIZE];
	int64_t retry_after;
	unsigned attempt;
	long http;
	CURLcode rc;

	if (d->curl == NULL)
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "webhook %s: mfm_deliver_start was not called", r->name);
	for (attempt = 1;; attempt++) {
		rc = post_once(d, r, ev, errbuf, &http, &retry_after);
		if (rc == CURLE_OK && http >= 200 && http <= 299)
			return 0;
		if (attempt > r->retries || !mfm_deliver_retryable(rc, http))
			break;
		d->sleep(mfm_deliver_wait(r, attempt, http, retry_after));
	}
	if (rc == CURLE_OK)
		return mfm_err_set(err, MFM_ERR_SYS,
		    "webhook %s: HTTP %ld from %s after %u attempt%s%s",
		    r->name, http, r->shown, attempt, attempt == 1 ? "" : "s",
		    http >= 300 && http <= 399 ?
		    " (redirects are not followed)" : "");
	if (d->cut)
		snprintf(errbuf, CURL_ERROR_SIZE,
		    "response longer than %u bytes", MFM_DELIVER_MAX_RESPONSE);
	else if (errbuf[0] == '\0')
		snprintf(errbuf, CURL_ERROR_SIZE, "%s",
		    curl_easy_strerror(rc));
	scrub(r, errbuf, sizeof(errbuf));
	return mfm_err_set(err, MFM_ERR_SYS,
	    "webhook %s: POST to %s failed after %u attempt%s: %s", r->name,
	    r->shown, attempt, attempt == 1 ? "" : "s", errbuf);
}

int
mfm_deliver_send(struct mfm_deliver *d, struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, struct mfm_buf *out,
    struct mfm_err *err)
{
	switch (r->type) {
	case MFM_DELIVER_STDOUT:
		mfm_deliver_format_line(out, ev);
		break;
	case MFM_DELIVER_WEBHOOK:
		if (d->dry_run) {
			mfm_deliver_format_request(out, d, r, ev);
			break;
		}
		if (webhook_post(d, r, ev, err) != 0) {
			d->nfailed++;
			return -1;
		}
		break;
	}
	d->nsent++;
	return 0;
}
