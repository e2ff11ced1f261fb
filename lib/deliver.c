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
#include "lib/prom.h"
#include "lib/tm.h"
#include "lib/banned.h"

#define ELLIPSIS "\xe2\x80\xa6"		/* U+2026, marks what is hidden */

/*
 * The length of s cut to at most max bytes on a UTF-8 character
 * boundary: a cut inside a character would reach the receiver as U+FFFD.
 */
static size_t
utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

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
wipe_free(char *s)
{
	if (s == NULL)
		return;
	memset(s, 0, strlen(s));
	free(s);
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
	for (i = 0; i < r->nmatch; i++) {
		free(r->match[i].name);
		free(r->match[i].value);
	}
	wipe_free(r->hmac);
	wipe_free(r->routing_key);
	wipe_free(r->username);
	wipe_free(r->password);
	free(r->from);
	for (i = 0; i < r->nto; i++)
		free(r->to[i]);
	for (i = 0; i < r->argc; i++)
		free(r->argv[i]);
	for (i = 0; i < r->nsecret_env; i++)
		free(r->secret_env[i]);
	for (i = 0; i < r->ngroup_by; i++)
		free(r->group_by[i]);
	free(r->generator_url);
}

static void
note_env(struct mfm_deliver_recv *r, const char *var)
{
	if (r->nsecret_env < sizeof(r->secret_env) / sizeof(r->secret_env[0]))
		r->secret_env[r->nsecret_env++] = mfm_xstrdup(var);
}

void
mfm_deliver_release(struct mfm_deliver *d)
{
	size_t i, k;

	for (i = 0; i < d->n; i++)
		recv_release(&d->recv[i]);
	free(d->recv);
	for (i = 0; i < d->nsilence; i++)
		for (k = 0; k < d->silence[i].nmatch; k++) {
			free(d->silence[i].match[k].name);
			free(d->silence[i].match[k].value);
		}
	free(d->silence);
	mfm_keymap_release(&d->critical);
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
	r->deadline = 3600 * INT64_C(1000000);
	r->send_resolved = 1;
	r->starttls = 1;
	r->resend_delay = 60 * INT64_C(1000000);
	r->interval = 3600 * INT64_C(1000000);
	return r;
}

const char *
mfm_deliver_type_name(enum mfm_deliver_type t)
{
	switch (t) {
	case MFM_DELIVER_STDOUT:
		return "stdout";
	case MFM_DELIVER_WEBHOOK:
		return "webhook";
	case MFM_DELIVER_SLACK:
		return "slack";
	case MFM_DELIVER_PAGERDUTY:
		return "pagerduty";
	case MFM_DELIVER_EMAIL:
		return "email";
	case MFM_DELIVER_COMMAND:
		return "command";
	case MFM_DELIVER_ALERTMANAGER:
		return "alertmanager";
	case MFM_DELIVER_PUSHGATEWAY:
		return "pushgateway";
	}
	return NULL;
}

struct mfm_deliver_recv *
mfm_deliver_find(struct mfm_deliver *d, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strlen(d->recv[i].name) == len &&
		    memcmp(d->recv[i].name, name, len) == 0)
			return &d->recv[i];
	return NULL;
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
	size_t i;

	/* Only what the URL set: matchers and other secrets stay. */
	wipe_free(r->url);
	free(r->shown);
	free(r->host);
	for (i = 0; i < r->nsecrets; i++)
		wipe_free(r->secrets[i]);
	free(r->secrets);
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
mfm_deliver_url_append(struct mfm_deliver_recv *r, const char *path,
    struct mfm_err *err)
{
	struct mfm_buf b = MFM_BUF_INIT;
	size_t n;
	int rc;

	if (r->url == NULL)
		return mfm_err_set(err, MFM_ERR_USAGE, "%s %s: no URL",
		    mfm_deliver_type_name(r->type), r->name);
	n = strlen(r->url);
	while (n > 0 && r->url[n - 1] == '/')
		n--;
	mfm_buf_add(&b, r->url, n);
	mfm_buf_adds(&b, path);
	rc = mfm_deliver_url_set(r, b.p, b.len, "url", err);
	memset(b.p, 0, b.len);
	mfm_buf_release(&b);
	return rc;
}

int
mfm_deliver_secret(struct mfm_deliver_recv *r, const char *env,
    const char *path, char **out, struct mfm_err *err)
{
	char buf[MFM_DELIVER_MAX_SECRET + 2];
	const char *v;
	size_t n;
	char *nl;
	FILE *f;

	if (env != NULL) {
		if (*env == '\0')
			return mfm_err_set(err, MFM_ERR_USAGE,
			    "empty environment variable name");
		if ((v = getenv(env)) == NULL)
			return mfm_err_set(err, MFM_ERR_USAGE,
			    "environment variable %s is not set", env);
		note_env(r, env);
		n = strlen(v);
		if (n > MFM_DELIVER_MAX_SECRET)
			return mfm_err_set(err, MFM_ERR_LIMIT,
			    "environment variable %s: longer than %d bytes",
			    env, MFM_DELIVER_MAX_SECRET);
		memcpy(buf, v, n);
	} else {
		if ((f = fopen(path, "r")) == NULL)
			return mfm_err_sys(err, "%s", path);
		n = fread(buf, 1, sizeof(buf) - 1, f);
		if (ferror(f)) {
			mfm_err_sys(err, "%s", path);
			fclose(f);
			return -1;
		}
		fclose(f);
		if ((nl = memchr(buf, '\n', n)) != NULL)
			n = (size_t)(nl - buf);
		else if (n > MFM_DELIVER_MAX_SECRET) {
			memset(buf, 0, sizeof(buf));
			return mfm_err_set(err, MFM_ERR_LIMIT,
			    "%s: longer than %d bytes", path,
			    MFM_DELIVER_MAX_SECRET);
		}
	}
	while (n > 0 && (buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
	    buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	if (n == 0)
		return mfm_err_set(err, MFM_ERR_USAGE, "%s: empty secret",
		    env != NULL ? env : path);
	wipe_free(*out);
	*out = mfm_xstrdup(buf);
	add_secret(r, buf);
	memset(buf, 0, sizeof(buf));
	return 0;
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
	note_env(r, var);
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

/* "an alertmanager", "a webhook". */
static const char *
a_an(const char *word)
{
	return strchr("aeiou", word[0]) != NULL ? "an" : "a";
}

/* Put a URL error at the node that named its source. */
static int
at_node(const struct mfm_cfg_node *n, struct mfm_err *err)
{
	char msg[sizeof(err->msg)];

	snprintf(msg, sizeof(msg), "%s", err->msg);
	return mfm_cfg_err(n, err, "%s", msg);
}

/* A secret from KEY_env or KEY_file; required or not. */
static int
cfg_secret(struct mfm_deliver_recv *r, const struct mfm_cfg_node *m,
    const char *key, int required, char **out, struct mfm_err *err)
{
	const struct mfm_cfg_node *env, *file, *plain;
	char ke[64], kf[64];
	const char *s = NULL;

	snprintf(ke, sizeof(ke), "%s_env", key);
	snprintf(kf, sizeof(kf), "%s_file", key);
	env = mfm_cfg_get(m, ke);
	file = mfm_cfg_get(m, kf);
	/* A secret written into the file is a leak waiting. */
	if ((plain = mfm_cfg_get(m, key)) != NULL)
		return mfm_cfg_err(plain, err, "%s is a secret: give %s or %s, "
		    "not %s", key, ke, kf, key);
	if (env != NULL && file != NULL)
		return mfm_cfg_err(file, err, "give %s or %s, not both", ke,
		    kf);
	if (env == NULL && file == NULL) {
		if (required)
			return mfm_cfg_err(m, err, "a %s receiver needs %s or "
			    "%s", mfm_deliver_type_name(r->type), ke, kf);
		return 0;
	}
	if (mfm_cfg_str(env != NULL ? env : file, &s, err) != 0)
		return -1;
	if (mfm_deliver_secret(r, env != NULL ? s : NULL,
	    env != NULL ? NULL : s, out, err) != 0)
		return at_node(env != NULL ? env : file, err);
	return 0;
}

static int
cfg_strdup(const struct mfm_cfg_node *m, const char *key, char **out,
    struct mfm_err *err)
{
	const char *s = NULL;

	if (mfm_cfg_str(mfm_cfg_get(m, key), &s, err) != 0)
		return -1;
	if (s != NULL) {
		free(*out);
		*out = mfm_xstrdup(s);
	}
	return 0;
}

/* A list of strings (or one string) into v, at most max. */
static int
cfg_strings(const struct mfm_cfg_node *n, char **v, size_t *nv, size_t max,
    struct mfm_err *err)
{
	const char *s;
	size_t i;

	if (n == NULL)
		return 0;
	if (n->type != MFM_CFG_SEQ) {
		if (mfm_cfg_str(n, &s, err) != 0)
			return -1;
		v[(*nv)++] = mfm_xstrdup(s);
		return 0;
	}
	if (n->n > max)
		return mfm_cfg_err(n, err, "more than %zu items", max);
	for (i = 0; i < n->n; i++) {
		if (mfm_cfg_str(n->items[i], &s, err) != 0)
			return -1;
		v[(*nv)++] = mfm_xstrdup(s);
	}
	return 0;
}

static int
cfg_matchers(const struct mfm_cfg_node *mt, struct mfm_deliver_match *match,
    size_t *nmatch, struct mfm_err *err)
{
	const char *v;
	size_t i;

	if (mt == NULL)
		return 0;
	if (mt->type != MFM_CFG_MAP)
		return mfm_cfg_err(mt, err,
		    "expected a mapping of label: value");
	if (mt->n > MFM_DELIVER_MAX_MATCH)
		return mfm_cfg_err(mt, err, "more than %d matchers",
		    MFM_DELIVER_MAX_MATCH);
	for (i = 0; i < mt->n; i++) {
		if (mfm_cfg_str(mt->items[i], &v, err) != 0)
			return -1;
		match[*nmatch].name = mfm_xstrdup(mt->keys[i]);
		match[*nmatch].value = mfm_xstrdup(v);
		(*nmatch)++;
	}
	return 0;
}

static int
cfg_match(struct mfm_deliver_recv *r, const struct mfm_cfg_node *m,
    struct mfm_err *err)
{
	return cfg_matchers(mfm_cfg_get(m, "match"), r->match, &r->nmatch,
	    err);
}

static int
cfg_time(const struct mfm_cfg_node *n, int64_t *out, struct mfm_err *err)
{
	const char *s = NULL;
	char msg[sizeof(err->msg)];

	if (n == NULL)
		return 0;
	if (mfm_cfg_str(n, &s, err) != 0)
		return -1;
	if (mfm_tm_parse_rfc3339(s, strlen(s), out, err) != 0) {
		snprintf(msg, sizeof(msg), "%s", err->msg);
		return mfm_cfg_err(n, err, "%s", msg);
	}
	return 0;
}

static int
cfg_silences(struct mfm_deliver *d, const struct mfm_cfg_node *section,
    struct mfm_err *err)
{
	static const char *const keys[] = { "match", "start", "end",
	    "comment", NULL };
	const struct mfm_cfg_node *list, *m;
	struct mfm_deliver_silence *s;
	size_t i;

	if ((list = mfm_cfg_get(section, "silences")) == NULL)
		return 0;
	if (list->type != MFM_CFG_SEQ)
		return mfm_cfg_err(list, err, "expected a list of silences");
	if (list->n > MFM_DELIVER_MAX_SILENCES)
		return mfm_cfg_err(list, err, "more than %d silences",
		    MFM_DELIVER_MAX_SILENCES);
	for (i = 0; i < list->n; i++) {
		m = list->items[i];
		if (m->type != MFM_CFG_MAP)
			return mfm_cfg_err(m, err, "expected a silence: a "
			    "mapping with match, start and end");
		if (mfm_cfg_check_keys(m, keys, err) != 0)
			return -1;
		if (mfm_cfg_get(m, "match") == NULL)
			return mfm_cfg_err(m, err, "a silence needs match");
		d->silence = mfm_xreallocarray(d->silence, d->nsilence + 1,
		    sizeof(*d->silence));
		s = &d->silence[d->nsilence++];
		memset(s, 0, sizeof(*s));
		s->end = INT64_MAX;
		s->start = INT64_MIN;
		if (cfg_matchers(mfm_cfg_get(m, "match"), s->match,
		    &s->nmatch, err) != 0 ||
		    cfg_time(mfm_cfg_get(m, "start"), &s->start, err) != 0 ||
		    cfg_time(mfm_cfg_get(m, "end"), &s->end, err) != 0)
			return -1;
		if (s->end <= s->start)
			return mfm_cfg_err(m, err, "a silence ends before it "
			    "starts");
	}
	return 0;
}

/* What every receiver that sends somewhere shares. */
static int
cfg_common(struct mfm_deliver_recv *r, const struct mfm_cfg_node *m,
    struct mfm_err *err)
{
	long long retries = r->retries;

	if (mfm_cfg_duration(mfm_cfg_get(m, "timeout"), 0, &r->timeout,
	    err) != 0 ||
	    mfm_cfg_duration(mfm_cfg_get(m, "backoff"), 1, &r->backoff,
	    err) != 0 ||
	    mfm_cfg_duration(mfm_cfg_get(m, "max_backoff"), 1,
	    &r->max_backoff, err) != 0 ||
	    mfm_cfg_duration(mfm_cfg_get(m, "deadline"), 1, &r->deadline,
	    err) != 0 ||
	    mfm_cfg_int(mfm_cfg_get(m, "retries"), 0, MFM_DELIVER_RETRIES_MAX,
	    &retries, err) != 0)
		return -1;
	r->retries = (unsigned)retries;
	return cfg_strdup(m, "ca_file", &r->ca_file, err);
}

static int
cfg_url(struct mfm_deliver_recv *r, const struct mfm_cfg_node *m,
    struct mfm_err *err)
{
	const struct mfm_cfg_node *env, *file, *url;
	const char *s = NULL;

	env = mfm_cfg_get(m, "url_env");
	file = mfm_cfg_get(m, "url_file");
	if ((url = mfm_cfg_get(m, "url")) != NULL)
		return mfm_cfg_err(url, err,
		    "%s %s URL is a secret: give url_env or url_file, not url",
		    a_an(mfm_deliver_type_name(r->type)),
		    mfm_deliver_type_name(r->type));
	if (env != NULL && file != NULL)
		return mfm_cfg_err(file, err,
		    "give url_env or url_file, not both");
	if (env == NULL && file == NULL)
		return mfm_cfg_err(m, err,
		    "%s %s receiver needs url_env or url_file",
		    a_an(mfm_deliver_type_name(r->type)),
		    mfm_deliver_type_name(r->type));
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
	return 0;
}

static int
cfg_webhook(struct mfm_deliver_recv *r, const struct mfm_cfg_node *m,
    struct mfm_err *err)
{
	const struct mfm_cfg_node *fmt;
	const char *s = NULL;

	if (cfg_url(r, m, err) != 0 || cfg_common(r, m, err) != 0)
		return -1;
	if ((fmt = mfm_cfg_get(m, "format")) != NULL) {
		if (mfm_cfg_str(fmt, &s, err) != 0)
			return -1;
		if (strcmp(s, "alertmanager") == 0)
			r->format = MFM_DELIVER_FMT_ALERTMANAGER;
		else if (strcmp(s, "mfm") == 0)
			r->format = MFM_DELIVER_FMT_MFM;
		else
			return mfm_cfg_err(fmt, err, "unknown format '%s' "
			    "(alertmanager or mfm)", s);
	}
	return cfg_secret(r, m, "hmac_secret", 0, &r->hmac, err);
}

static int
cfg_alertmanager(struct mfm_deliver_recv *r, const struct mfm_cfg_node *m,
    struct mfm_err *err)
{
	const struct mfm_cfg_node *g;

	if (cfg_url(r, m, err) != 0)
		return -1;
	/* The URL is Alertmanager's own; the API is under it. */
	if (mfm_deliver_url_append(r, "/api/v2/alerts", err) != 0)
		return at_node(m, err);
	if (cfg_common(r, m, err) != 0 ||
	    cfg_strdup(m, "generator_url", &r->generator_url, err) != 0 ||
	    mfm_cfg_duration(mfm_cfg_get(m, "resend_delay"), 0,
	    &r->resend_delay, err) != 0 ||
	    mfm_cfg_duration(mfm_cfg_get(m, "interval"), 0, &r->interval,
	    err) != 0)
		return -1;
	if ((g = mfm_cfg_get(m, "group_by")) != NULL ||
	    (g = mfm_cfg_get(m, "repeat_interval")) != NULL)
		return mfm_cfg_err(g, err, "an alertmanager receiver takes no "
		    "group_by or repeat_interval: Alertmanager groups and "
		    "repeats by its own routes");
	return 0;
}

static int
cfg_pagerduty(struct mfm_deliver_recv *r, const struct mfm_cfg_node *m,
    struct mfm_err *err)
{
	const struct mfm_cfg_node *u = mfm_cfg_get(m, "url");
	const char *s = MFM_DELIVER_PAGERDUTY_URL;

	/* The endpoint is no secret (the routing key is): url is allowed. */
	if (u != NULL && mfm_cfg_str(u, &s, err) != 0)
		return -1;
	if (mfm_deliver_url_set(r, s, strlen(s), "url", err) != 0)
		return at_node(u != NULL ? u : m, err);
	if (cfg_common(r, m, err) != 0)
		return -1;
	return cfg_secret(r, m, "routing_key", 1, &r->routing_key, err);
}

/*
 * local@domain, printable ASCII without space, <, > or a second @: the
 * address goes into SMTP commands and headers, where a line end or a
 * bracket from the configuration would start something else.
 */
static int
plain_address(const char *a)
{
	const char *at = strchr(a, '@');
	const char *p;

	if (at == NULL || at == a || at[1] == '\0' || strchr(at + 1, '@') ||
	    strlen(a) > 254)
		return 0;
	for (p = a; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '<' || *p == '>' ||
		    *p == ',' || *p == '"')
			return 0;
	return 1;
}

static int
cfg_email(struct mfm_deliver_recv *r, const struct mfm_cfg_node *m,
    struct mfm_err *err)
{
	const struct mfm_cfg_node *u = mfm_cfg_get(m, "url");
	const char *s = NULL;
	size_t i;
	int tls = 1;

	if (u == NULL)
		return mfm_cfg_err(m, err, "an email receiver needs url "
		    "(smtp://host:port or smtps://host:port)");
	if (mfm_cfg_str(u, &s, err) != 0)
		return -1;
	if ((strncmp(s, "smtp://", 7) != 0 && strncmp(s, "smtps://", 8) != 0)
	    || strchr(s, '@') != NULL || strlen(s) > MFM_DELIVER_MAX_URL)
		return mfm_cfg_err(u, err, "url: expected smtp://host[:port] "
		    "or smtps://host[:port], without user information "
		    "(give username_env and password_env)");
	r->url = mfm_xstrdup(s);
	r->shown = mfm_xstrdup(s);
	if (cfg_common(r, m, err) != 0 ||
	    cfg_strdup(m, "from", &r->from, err) != 0 ||
	    cfg_strings(mfm_cfg_get(m, "to"), r->to, &r->nto,
	    MFM_DELIVER_MAX_TO, err) != 0 ||
	    cfg_secret(r, m, "username", 0, &r->username, err) != 0 ||
	    cfg_secret(r, m, "password", 0, &r->password, err) != 0 ||
	    mfm_cfg_bool(mfm_cfg_get(m, "starttls"), &tls, err) != 0)
		return -1;
	r->starttls = tls;
	if (r->from == NULL)
		return mfm_cfg_err(m, err, "an email receiver needs from");
	if (r->nto == 0)
		return mfm_cfg_err(m, err, "an email receiver needs to");
	if (!plain_address(r->from))
		return mfm_cfg_err(mfm_cfg_get(m, "from"), err,
		    "from: expected an address such as alerts@example.com");
	for (i = 0; i < r->nto; i++)
		if (!plain_address(r->to[i]))
			return mfm_cfg_err(mfm_cfg_get(m, "to"), err,
			    "to: address %zu is not one such as "
			    "oncall@example.com", i + 1);
	return 0;
}

static int
cfg_command(struct mfm_deliver_recv *r, const struct mfm_cfg_node *m,
    struct mfm_err *err)
{
	const struct mfm_cfg_node *a = mfm_cfg_get(m, "argv");

	if (a == NULL || a->type != MFM_CFG_SEQ || a->n == 0)
		return mfm_cfg_err(a != NULL ? a : m, err, "a command receiver "
		    "needs argv: a list, the program's absolute path first");
	if (cfg_strings(a, r->argv, &r->argc, MFM_DELIVER_MAX_ARGS, err) != 0)
		return -1;
	if (r->argv[0][0] != '/')
		return mfm_cfg_err(a->items[0], err, "argv[0] must be an "
		    "absolute path (no shell, no PATH search)");
	/* Retries of a program that failed by itself are seldom wanted. */
	return cfg_common(r, m, err);
}

int
mfm_deliver_config(struct mfm_deliver *d, const struct mfm_cfg_node *section,
    struct mfm_err *err)
{
#define COMMON "type", "name", "match", "send_resolved", \
	"repeat_interval", "group_by", "group_wait", "group_interval"
#define SENDING "timeout", "retries", "backoff", "max_backoff", "deadline", \
	"ca_file"
	static const char *const stdout_keys[] = { COMMON, NULL };
	static const char *const webhook_keys[] = {
		COMMON, SENDING, "url_env", "url_file", "format",
		"hmac_secret_env", "hmac_secret_file", NULL
	};
	static const char *const slack_keys[] = {
		COMMON, SENDING, "url_env", "url_file", NULL
	};
	static const char *const pagerduty_keys[] = {
		COMMON, SENDING, "url", "routing_key_env", "routing_key_file",
		NULL
	};
	static const char *const email_keys[] = {
		COMMON, SENDING, "url", "from", "to", "username_env",
		"username_file", "password_env", "password_file", "starttls",
		NULL
	};
	static const char *const command_keys[] = {
		COMMON, SENDING, "argv", NULL
	};
	static const char *const alertmanager_keys[] = {
		COMMON, SENDING, "url_env", "url_file", "generator_url",
		"resend_delay", "interval", NULL
	};
#undef COMMON
#undef SENDING
	static const struct {
		const char *name;
		enum mfm_deliver_type type;
		const char *const *keys;
		int (*cfg)(struct mfm_deliver_recv *,
		    const struct mfm_cfg_node *, struct mfm_err *);
	} types[] = {
		{ "stdout", MFM_DELIVER_STDOUT, stdout_keys, NULL },
		{ "webhook", MFM_DELIVER_WEBHOOK, webhook_keys, cfg_webhook },
		{ "slack", MFM_DELIVER_SLACK, slack_keys, NULL },
		{ "pagerduty", MFM_DELIVER_PAGERDUTY, pagerduty_keys,
		    cfg_pagerduty },
		{ "email", MFM_DELIVER_EMAIL, email_keys, cfg_email },
		{ "command", MFM_DELIVER_COMMAND, command_keys, cfg_command },
		{ "alertmanager", MFM_DELIVER_ALERTMANAGER, alertmanager_keys,
		    cfg_alertmanager },
	};
	static const char *const secret_keys[] = { "routing_key",
	    "password", "hmac_secret", "username" };
	const struct mfm_cfg_node *list, *m, *t, *url;
	struct mfm_deliver_recv *r;
	const char *type, *name;
	size_t i, k, sk;
	int sr;

	if (mfm_cfg_bool(mfm_cfg_get(section, "inhibit"), &d->inhibit,
	    err) != 0 || cfg_silences(d, section, err) != 0)
		return -1;
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
		for (k = 0; k < sizeof(types) / sizeof(types[0]); k++)
			if (strcmp(type, types[k].name) == 0)
				break;
		if (k == sizeof(types) / sizeof(types[0]))
			return mfm_cfg_err(t, err,
			    "unknown receiver type '%s'", type);
		if ((types[k].type == MFM_DELIVER_WEBHOOK ||
		    types[k].type == MFM_DELIVER_SLACK ||
		    types[k].type == MFM_DELIVER_ALERTMANAGER) &&
		    (url = mfm_cfg_get(m, "url")) != NULL)
			return mfm_cfg_err(url, err,
			    "%s %s URL is a secret: give url_env or url_file, "
			    "not url", a_an(type), type);
		for (sk = 0; sk < sizeof(secret_keys) / sizeof(secret_keys[0]);
		    sk++)
			if ((url = mfm_cfg_get(m, secret_keys[sk])) != NULL)
				return mfm_cfg_err(url, err, "%s is a secret: "
				    "give %s_env or %s_file, not %s",
				    secret_keys[sk], secret_keys[sk],
				    secret_keys[sk], secret_keys[sk]);
		if (mfm_cfg_check_keys(m, types[k].keys, err) != 0)
			return -1;
		if (mfm_deliver_find(d, name, strlen(name)) != NULL)
			return mfm_cfg_err(m, err, "two receivers named '%s'",
			    name);
		if ((r = mfm_deliver_add(d, types[k].type, name, err)) == NULL)
			return at_node(m, err);
		sr = 1;
		if (mfm_cfg_bool(mfm_cfg_get(m, "send_resolved"), &sr,
		    err) != 0 || cfg_match(r, m, err) != 0 ||
		    mfm_cfg_duration(mfm_cfg_get(m, "repeat_interval"), 1,
		    &r->repeat_interval, err) != 0)
			return -1;
		r->send_resolved = sr;
		if (cfg_strings(mfm_cfg_get(m, "group_by"), r->group_by,
		    &r->ngroup_by, MFM_DELIVER_MAX_MATCH, err) != 0 ||
		    mfm_cfg_duration(mfm_cfg_get(m, "group_wait"), 1,
		    &r->group_wait, err) != 0 ||
		    mfm_cfg_duration(mfm_cfg_get(m, "group_interval"), 1,
		    &r->group_interval, err) != 0)
			return -1;
		if (r->ngroup_by == 0 && (r->group_wait > 0 ||
		    r->group_interval > 0))
			return mfm_cfg_err(m, err, "group_wait and "
			    "group_interval need group_by");
		/* PagerDuty deduplicates per alert; stdout is per line. */
		if (r->ngroup_by > 0 && (r->type == MFM_DELIVER_PAGERDUTY ||
		    r->type == MFM_DELIVER_STDOUT))
			return mfm_cfg_err(mfm_cfg_get(m, "group_by"), err,
			    "a %s receiver takes no group_by", type);
		if (types[k].type == MFM_DELIVER_SLACK) {
			if (cfg_url(r, m, err) != 0 ||
			    cfg_common(r, m, err) != 0)
				return -1;
		} else if (types[k].cfg != NULL &&
		    types[k].cfg(r, m, err) != 0)
			return -1;
	}
	return 0;
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

static int
str_in(struct mfm_deliver_str s, const char *w)
{
	return s.len == strlen(w) && memcmp(s.p, w, s.len) == 0;
}

/* Raw JSON of member key of object obj, or len 0. */
static void
event_raw(const struct mfm_json *j, int obj, const char *key,
    struct mfm_deliver_str *out)
{
	int t = obj < 0 ? -1 : mfm_json_member(j, obj, key, strlen(key));

	out->p = "";
	out->len = 0;
	if (t >= 0)
		out->p = mfm_json_raw(j, t, &out->len);
}

int
mfm_deliver_event_read(struct mfm_deliver_event *ev, const struct mfm_json *j,
    struct mfm_err *err)
{
	int t, w;

	if (mfm_json_member(j, 0, "_mfm", 4) >= 0)
		return 1;
	if (event_str(j, "status", 1, &ev->status, &ev->scratch[4], err) != 0)
		return -1;
	ev->firing = ev->status.len == 6 &&
	    memcmp(ev->status.p, "firing", 6) == 0;
	if (!ev->firing && !str_in(ev->status, "resolved") &&
	    !str_in(ev->status, "pending") && !str_in(ev->status, "inactive") &&
	    !str_in(ev->status, "insufficient_data"))
		return mfm_err_set(err, MFM_ERR_DATA, "event status is not "
		    "firing, resolved, pending, inactive or insufficient_data");
	if (event_str(j, "rule", 1, &ev->rule, &ev->scratch[0], err) != 0 ||
	    event_str(j, "fingerprint", 1, &ev->fingerprint,
	    &ev->scratch[1], err) != 0 ||
	    event_str(j, "summary", 1, &ev->summary, &ev->scratch[2],
	    err) != 0 ||
	    event_str(j, "severity", 0, &ev->severity, &ev->scratch[3],
	    err) != 0 ||
	    event_str(j, "metric", 0, &ev->metric, &ev->scratch[5],
	    err) != 0)
		return -1;
	ev->wstart.p = ev->wend.p = "";
	ev->wstart.len = ev->wend.len = 0;
	if ((w = mfm_json_member(j, 0, "window", 6)) >= 0 &&
	    mfm_json_type_of(j, w) == MFM_JSON_OBJECT) {
		if ((t = mfm_json_member(j, w, "start", 5)) >= 0 &&
		    mfm_json_type_of(j, t) == MFM_JSON_STRING)
			ev->wstart.p = mfm_json_str(j, t, &ev->wstart.len,
			    &ev->scratch[6]);
		if ((t = mfm_json_member(j, w, "end", 3)) >= 0 &&
		    mfm_json_type_of(j, t) == MFM_JSON_STRING)
			ev->wend.p = mfm_json_str(j, t, &ev->wend.len,
			    &ev->scratch[7]);
	}
	ev->gtok = mfm_json_member(j, 0, "group", 5);
	if (ev->gtok >= 0 && mfm_json_type_of(j, ev->gtok) != MFM_JSON_OBJECT)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "event member 'group' is not an object");
	if (ev->gtok >= 0)
		ev->group.p = mfm_json_raw(j, ev->gtok, &ev->group.len);
	else {
		ev->group.p = "{}";
		ev->group.len = 2;
	}
	event_raw(j, 0, "value", &ev->value);
	event_raw(j, 0, "threshold", &ev->threshold);
	ev->j = j;
	ev->body.p = mfm_json_raw(j, 0, &ev->body.len);
	return 0;
}

/* The value of label name for ev: a member of the event or its group. */
static void
label_of(const struct mfm_deliver_event *ev, const char *name,
    struct mfm_deliver_str *v, struct mfm_buf *tmp)
{
	int t;

	v->p = "";
	v->len = 0;
	if (strcmp(name, "status") == 0)
		*v = ev->status;
	else if (strcmp(name, "severity") == 0)
		*v = ev->severity;
	else if (strcmp(name, "rule") == 0)
		*v = ev->rule;
	else if (strcmp(name, "metric") == 0)
		*v = ev->metric;
	else if (ev->gtok >= 0 && (t = mfm_json_member(ev->j, ev->gtok,
	    name, strlen(name))) >= 0) {
		if (mfm_json_type_of(ev->j, t) == MFM_JSON_STRING)
			v->p = mfm_json_str(ev->j, t, &v->len, tmp);
		else
			v->p = mfm_json_raw(ev->j, t, &v->len);
	}
}

void
mfm_deliver_group_key(const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, struct mfm_buf *out)
{
	struct mfm_buf tmp = MFM_BUF_INIT;
	struct mfm_deliver_str v;
	size_t g;

	mfm_buf_add(out, ev->status.p, ev->status.len);
	for (g = 0; g < r->ngroup_by; g++) {
		label_of(ev, r->group_by[g], &v, &tmp);
		mfm_buf_addc(out, '\0');
		mfm_buf_add(out, v.p, v.len);
	}
	mfm_buf_release(&tmp);
}

/* Every matcher equal; *status_named when one of them is "status". */
static int
matches(const struct mfm_deliver_match *match, size_t nmatch,
    const struct mfm_deliver_event *ev, int *status_named)
{
	struct mfm_buf tmp = MFM_BUF_INIT;
	const struct mfm_deliver_match *m;
	struct mfm_deliver_str v;
	int ok = 1;
	size_t i;

	*status_named = 0;
	for (i = 0; i < nmatch && ok; i++) {
		m = &match[i];
		if (strcmp(m->name, "status") == 0)
			*status_named = 1;
		label_of(ev, m->name, &v, &tmp);
		ok = v.len == strlen(m->value) &&
		    memcmp(v.p, m->value, v.len) == 0;
	}
	mfm_buf_release(&tmp);
	return ok;
}

int
mfm_deliver_silenced(const struct mfm_deliver *d,
    const struct mfm_deliver_event *ev, int64_t now)
{
	const struct mfm_deliver_silence *s;
	size_t i;
	int named;

	for (i = 0; i < d->nsilence; i++) {
		s = &d->silence[i];
		if (now >= s->start && now < s->end &&
		    matches(s->match, s->nmatch, ev, &named))
			return 1;
	}
	return 0;
}

int
mfm_deliver_inhibited(struct mfm_deliver *d,
    const struct mfm_deliver_event *ev)
{
	size_t *v;
	int isnew;

	if (!d->inhibit)
		return 0;
	if (str_in(ev->severity, "critical")) {
		if (ev->firing) {
			v = mfm_keymap_put(&d->critical, ev->group.p,
			    ev->group.len, &isnew);
			*v = 1;
		} else if (str_in(ev->status, "resolved") &&
		    (v = mfm_keymap_find(&d->critical, ev->group.p,
		    ev->group.len)) != NULL)
			*v = 0;
		return 0;
	}
	/* A resolution is never muted: it closes what was sent. */
	if (!ev->firing)
		return 0;
	v = mfm_keymap_find(&d->critical, ev->group.p, ev->group.len);
	return v != NULL && *v == 1;
}

int
mfm_deliver_routes(const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev)
{
	int status_named;

	if (!matches(r->match, r->nmatch, ev, &status_named))
		return 0;
	if (ev->firing)
		return 1;
	if (ev->status.len == 8 && memcmp(ev->status.p, "resolved", 8) == 0)
		return r->send_resolved;
	/* pending, inactive, insufficient_data: only when asked for, and
	 * never to PagerDuty, whose events are trigger and resolve. */
	return status_named && r->type != MFM_DELIVER_PAGERDUTY;
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
mfm_deliver_hmac(const char *key, size_t klen, const char *msg, size_t mlen,
    char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, mlen,
	    md, &n);
	for (i = 0; i < n && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

void
mfm_deliver_key(const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	/* NUL between the two: "ab"+"c" and "a"+"bc" differ. */
	if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(c, r->name, strlen(r->name) + 1) != 1 ||
	    EVP_DigestUpdate(c, ev->body.p, ev->body.len) != 1 ||
	    EVP_DigestFinal_ex(c, md, &n) != 1)
		memset(md, 0, sizeof(md));
	EVP_MD_CTX_free(c);
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[32] = '\0';
}

/* The key of a notification: of ev alone, or of the whole group. */
static void
note_key(const struct mfm_deliver *d, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	EVP_MD_CTX *c;
	char k[33];
	size_t g;

	if (d->nmore == 0) {
		mfm_deliver_key(r, ev, out);
		return;
	}
	/* The hash of the events' keys, in order. */
	c = EVP_MD_CTX_new();
	if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1)
		memset(md, 0, sizeof(md));
	mfm_deliver_key(r, ev, k);
	EVP_DigestUpdate(c, k, 32);
	for (g = 0; g < d->nmore; g++) {
		mfm_deliver_key(r, d->more[g], k);
		EVP_DigestUpdate(c, k, 32);
	}
	if (EVP_DigestFinal_ex(c, md, &n) != 1)
		memset(md, 0, sizeof(md));
	EVP_MD_CTX_free(c);
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[32] = '\0';
}

static void
put_s(struct mfm_buf *b, struct mfm_deliver_str s)
{
	mfm_json_put_str(b, s.p, s.len);
}

/* A label value: JSON strings as they are, anything else as its text. */
static void
put_label(struct mfm_buf *b, const struct mfm_json *j, int t,
    struct mfm_buf *tmp)
{
	const char *p;
	size_t n;

	if (mfm_json_type_of(j, t) == MFM_JSON_STRING)
		p = mfm_json_str(j, t, &n, tmp);
	else
		p = mfm_json_raw(j, t, &n);
	mfm_json_put_str(b, p, n);
}

static void
put_labels(struct mfm_buf *b, const struct mfm_deliver_event *ev)
{
	struct mfm_buf tmp = MFM_BUF_INIT;
	const char *k;
	size_t kn;
	int t;

	mfm_buf_adds(b, "{\"alertname\":");
	put_s(b, ev->rule);
	if (ev->severity.len > 0) {
		mfm_buf_adds(b, ",\"severity\":");
		put_s(b, ev->severity);
	}
	if (ev->metric.len > 0) {
		mfm_buf_adds(b, ",\"metric\":");
		put_s(b, ev->metric);
	}
	if (ev->gtok >= 0) {
		for (t = mfm_json_first(ev->j, ev->gtok); t >= 0;
		    t = mfm_json_next(ev->j, ev->gtok, t)) {
			/* A member is its key token followed by its value. */
			k = mfm_json_str(ev->j, t, &kn, &tmp);
			mfm_buf_addc(b, ',');
			mfm_json_put_str(b, k, kn);
			mfm_buf_addc(b, ':');
			put_label(b, ev->j, t + 1, &tmp);
		}
	}
	mfm_buf_addc(b, '}');
	mfm_buf_release(&tmp);
}

static void
put_time(struct mfm_buf *b, struct mfm_deliver_str s)
{
	if (s.len > 0)
		put_s(b, s);
	else
		mfm_buf_adds(b, "\"0001-01-01T00:00:00Z\"");
}

/* ,"annotations":{"summary":..., "value":"...", "threshold":"..." (open) */
static void
put_annotations(struct mfm_buf *b, const struct mfm_deliver_event *ev)
{
	mfm_buf_adds(b, ",\"annotations\":{\"summary\":");
	put_s(b, ev->summary);
	if (ev->value.len > 0) {
		mfm_buf_adds(b, ",\"value\":");
		mfm_json_put_str(b, ev->value.p, ev->value.len);
	}
	if (ev->threshold.len > 0) {
		mfm_buf_adds(b, ",\"threshold\":");
		mfm_json_put_str(b, ev->threshold.p, ev->threshold.len);
	}
}

static void
put_alert(struct mfm_buf *b, const struct mfm_deliver_event *ev)
{
	mfm_buf_adds(b, "{\"status\":");
	put_s(b, ev->status);
	mfm_buf_adds(b, ",\"labels\":");
	put_labels(b, ev);
	put_annotations(b, ev);
	mfm_buf_adds(b, "},\"startsAt\":");
	put_time(b, ev->wstart);
	mfm_buf_adds(b, ",\"endsAt\":");
	if (!ev->firing)
		put_time(b, ev->wend);
	else
		put_time(b, (struct mfm_deliver_str){ "", 0 });
	mfm_buf_adds(b, ",\"generatorURL\":\"\",\"fingerprint\":");
	put_s(b, ev->fingerprint);
	mfm_buf_addc(b, '}');
}

static void
put_group_labels(struct mfm_buf *b, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, struct mfm_buf *tmp)
{
	struct mfm_deliver_str v;
	size_t g;

	mfm_buf_addc(b, '{');
	for (g = 0; g < r->ngroup_by; g++) {
		label_of(ev, r->group_by[g], &v, tmp);
		if (g > 0)
			mfm_buf_addc(b, ',');
		mfm_json_put_str(b, r->group_by[g], strlen(r->group_by[g]));
		mfm_buf_addc(b, ':');
		put_s(b, v);
	}
	mfm_buf_addc(b, '}');
}

static void
body_alertmanager(struct mfm_buf *b, const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev)
{
	struct mfm_buf gk = MFM_BUF_INIT, tmp = MFM_BUF_INIT;
	struct mfm_deliver_str v;
	size_t g;

	mfm_buf_adds(b, "{\"version\":\"4\",\"groupKey\":");
	if (r->ngroup_by == 0) {
		/* The receiver and the fingerprint: one alert per group. */
		mfm_buf_addf(&gk, "%s:{fingerprint=\"", r->name);
		mfm_buf_add(&gk, ev->fingerprint.p, ev->fingerprint.len);
		mfm_buf_adds(&gk, "\"}");
	} else {
		mfm_buf_addf(&gk, "%s:{", r->name);
		for (g = 0; g < r->ngroup_by; g++) {
			label_of(ev, r->group_by[g], &v, &tmp);
			mfm_buf_addf(&gk, "%s%s=\"", g > 0 ? "," : "",
			    r->group_by[g]);
			mfm_buf_add(&gk, v.p, v.len);
			mfm_buf_addc(&gk, '"');
		}
		mfm_buf_addc(&gk, '}');
	}
	mfm_json_put_str(b, gk.p, gk.len);
	mfm_buf_release(&gk);
	mfm_buf_addf(b, ",\"truncatedAlerts\":0,\"status\":");
	put_s(b, ev->status);
	mfm_buf_adds(b, ",\"receiver\":");
	mfm_json_put_str(b, r->name, strlen(r->name));
	if (r->ngroup_by == 0) {
		mfm_buf_adds(b, ",\"groupLabels\":{\"alertname\":");
		put_s(b, ev->rule);
		mfm_buf_adds(b, "},\"commonLabels\":");
		put_labels(b, ev);
		mfm_buf_adds(b, ",\"commonAnnotations\":{\"summary\":");
		put_s(b, ev->summary);
		mfm_buf_addc(b, '}');
	} else {
		/* The group's labels are the ones its alerts share. */
		mfm_buf_adds(b, ",\"groupLabels\":");
		put_group_labels(b, r, ev, &tmp);
		mfm_buf_adds(b, ",\"commonLabels\":");
		put_group_labels(b, r, ev, &tmp);
		mfm_buf_adds(b, ",\"commonAnnotations\":{}");
	}
	mfm_buf_adds(b, ",\"externalURL\":\"\",\"alerts\":[");
	put_alert(b, ev);
	for (g = 0; g < d->nmore; g++) {
		mfm_buf_addc(b, ',');
		put_alert(b, d->more[g]);
	}
	mfm_buf_adds(b, "],\"mfm\":");
	if (r->ngroup_by == 0)
		mfm_buf_add(b, ev->body.p, ev->body.len);
	else {
		mfm_buf_addc(b, '[');
		mfm_buf_add(b, ev->body.p, ev->body.len);
		for (g = 0; g < d->nmore; g++) {
			mfm_buf_addc(b, ',');
			mfm_buf_add(b, d->more[g]->body.p,
			    d->more[g]->body.len);
		}
		mfm_buf_addc(b, ']');
	}
	mfm_buf_addc(b, '}');
	mfm_buf_release(&tmp);
}

/* Slack's three: the rest of mrkdwn is left as written. */
static void
slack_escape(struct mfm_buf *out, const char *s, size_t n, size_t max)
{
	size_t i, m = utf8_cut(s, n, max);

	for (i = 0; i < m; i++) {
		if (s[i] == '&')
			mfm_buf_adds(out, "&amp;");
		else if (s[i] == '<')
			mfm_buf_adds(out, "&lt;");
		else if (s[i] == '>')
			mfm_buf_adds(out, "&gt;");
		else
			mfm_buf_addc(out, s[i]);
	}
	if (m < n)
		mfm_buf_adds(out, ELLIPSIS);
}

static void slack_alert(struct mfm_buf *b, const struct mfm_deliver_event *ev,
    struct mfm_buf *tp);

static void
body_slack(struct mfm_buf *b, const struct mfm_deliver *d,
    const struct mfm_deliver_event *ev)
{
	struct mfm_buf t = MFM_BUF_INIT;
	size_t g;
	const char *icon = ev->firing ? ":rotating_light:" :
	    ":white_check_mark:";

	mfm_buf_addf(&t, "%s [%s] ", icon, ev->firing ? "FIRING" :
	    "RESOLVED");
	slack_escape(&t, ev->rule.p, ev->rule.len, 200);
	mfm_buf_adds(&t, ": ");
	slack_escape(&t, ev->summary.p, ev->summary.len, 2000);
	mfm_buf_adds(b, "{\"text\":");
	mfm_json_put_str(b, t.p, t.len);
	/* The header is plain text, at most 150 characters. */
	mfm_buf_clear(&t);
	mfm_buf_addf(&t, "%s ", ev->firing ? "FIRING" : "RESOLVED");
	mfm_buf_add(&t, ev->rule.p, utf8_cut(ev->rule.p, ev->rule.len, 100));
	if (d->nmore > 0) {
		mfm_buf_clear(&t);
		mfm_buf_addf(&t, "%s %zu alerts", ev->firing ? "FIRING" :
		    "RESOLVED", d->nmore + 1);
	}
	mfm_buf_adds(b, ",\"blocks\":[{\"type\":\"header\",\"text\":"
	    "{\"type\":\"plain_text\",\"text\":");
	mfm_json_put_str(b, t.p, t.len);
	mfm_buf_adds(b, "}}");
	slack_alert(b, ev, &t);
	/* Slack takes 50 blocks: a header and two per alert. */
	for (g = 0; g < d->nmore && g < 23; g++)
		slack_alert(b, d->more[g], &t);
	if (g < d->nmore) {
		mfm_buf_clear(&t);
		mfm_buf_addf(&t, "and %zu more", d->nmore - g);
		mfm_buf_adds(b, ",{\"type\":\"section\",\"text\":"
		    "{\"type\":\"mrkdwn\",\"text\":");
		mfm_json_put_str(b, t.p, t.len);
		mfm_buf_adds(b, "}}");
	}
	mfm_buf_adds(b, "]}");
	mfm_buf_release(&t);
}

/* An alert's two blocks: the summary with fields, the fingerprint. */
static void
slack_alert(struct mfm_buf *b, const struct mfm_deliver_event *ev,
    struct mfm_buf *tp)
{
	struct mfm_buf t = *tp;

	mfm_buf_adds(b, ",{\"type\":\"section\",\"text\":"
	    "{\"type\":\"mrkdwn\",\"text\":");
	mfm_buf_clear(&t);
	slack_escape(&t, ev->summary.p, ev->summary.len, 2900);
	mfm_json_put_str(b, t.p, t.len);
	mfm_buf_adds(b, "},\"fields\":[{\"type\":\"mrkdwn\",\"text\":");
	mfm_buf_clear(&t);
	mfm_buf_adds(&t, "*Severity*\n");
	if (ev->severity.len > 0)
		slack_escape(&t, ev->severity.p, ev->severity.len, 100);
	else
		mfm_buf_adds(&t, "-");
	mfm_json_put_str(b, t.p, t.len);
	mfm_buf_adds(b, "},{\"type\":\"mrkdwn\",\"text\":");
	mfm_buf_clear(&t);
	mfm_buf_adds(&t, "*Group*\n");
	slack_escape(&t, ev->group.p, ev->group.len, 1800);
	mfm_json_put_str(b, t.p, t.len);
	mfm_buf_adds(b, "}]},{\"type\":\"context\",\"elements\":"
	    "[{\"type\":\"mrkdwn\",\"text\":");
	mfm_buf_clear(&t);
	mfm_buf_adds(&t, "fingerprint ");
	slack_escape(&t, ev->fingerprint.p, ev->fingerprint.len, 64);
	mfm_json_put_str(b, t.p, t.len);
	mfm_buf_adds(b, "}]}");
	*tp = t;
}

static const char *
pd_severity(const struct mfm_deliver_event *ev)
{
	static const char *const ok[] = { "critical", "error", "warning",
	    "info" };
	size_t i;

	for (i = 0; i < 4; i++)
		if (ev->severity.len == strlen(ok[i]) &&
		    memcmp(ev->severity.p, ok[i], ev->severity.len) == 0)
			return ok[i];
	/* PagerDuty refuses any other value; an unknown one is serious. */
	return "error";
}

static void
body_pagerduty(struct mfm_buf *b, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, int redact)
{
	struct mfm_buf t = MFM_BUF_INIT;

	mfm_buf_adds(b, "{\"routing_key\":");
	if (redact || r->routing_key == NULL)
		mfm_json_put_str(b, ELLIPSIS, strlen(ELLIPSIS));
	else
		mfm_json_put_str(b, r->routing_key, strlen(r->routing_key));
	mfm_buf_addf(b, ",\"event_action\":\"%s\",\"dedup_key\":",
	    ev->firing ? "trigger" : "resolve");
	put_s(b, ev->fingerprint);
	if (ev->firing) {
		/* The summary is at most 1024 characters. */
		mfm_buf_add(&t, ev->summary.p,
		    utf8_cut(ev->summary.p, ev->summary.len, 1000));
		mfm_buf_adds(b, ",\"payload\":{\"summary\":");
		mfm_json_put_str(b, t.p, t.len);
		mfm_buf_adds(b, ",\"source\":\"mfm\",\"severity\":");
		mfm_buf_addf(b, "\"%s\",\"class\":", pd_severity(ev));
		put_s(b, ev->rule);
		if (ev->metric.len > 0) {
			mfm_buf_adds(b, ",\"component\":");
			put_s(b, ev->metric);
		}
		mfm_buf_adds(b, ",\"custom_details\":");
		mfm_buf_add(b, ev->body.p, ev->body.len);
		mfm_buf_addc(b, '}');
	}
	mfm_buf_adds(b, ",\"client\":\"mfm-alert\"}");
	mfm_buf_release(&t);
}

/*
 * Alertmanager's API (POST /api/v2/alerts): an array of alerts, each
 * with labels that name it (Alertmanager's identity of an alert, the
 * same in every window), annotations, and the times.  A firing alert is
 * valid until 4 x the longer of the receiver's interval and
 * resend_delay from now, as Prometheus sends them, so that it stays
 * active while mfm-alert re-sends it and ends by itself when mfm stops;
 * a resolved one ends now.
 */
/* Whether the NUL-ended name is one of the NUL-separated names. */
static int
name_taken(const struct mfm_buf *names, const char *name, size_t n)
{
	size_t i = 0, k;

	while (i < names->len) {
		k = strlen(names->p + i) + 1;
		if (k == n && memcmp(names->p + i, name, n) == 0)
			return 1;
		i += k;
	}
	return 0;
}

static void
am_labels(struct mfm_buf *b, const struct mfm_deliver_event *ev)
{
	struct mfm_buf tmp = MFM_BUF_INIT, names = MFM_BUF_INIT,
	    nb = MFM_BUF_INIT;
	const char *k, *v;
	size_t kn, vn;
	int t;

	/* Names written so far, NUL-separated, to keep each once. */
	mfm_buf_adds(b, "{\"alertname\":");
	put_s(b, ev->rule);
	mfm_buf_add(&names, "alertname\0", 10);
	if (ev->severity.len > 0) {
		mfm_buf_adds(b, ",\"severity\":");
		put_s(b, ev->severity);
	}
	mfm_buf_add(&names, "severity\0", 9);
	if (ev->metric.len > 0) {
		mfm_buf_adds(b, ",\"metric\":");
		put_s(b, ev->metric);
	}
	mfm_buf_add(&names, "metric\0", 7);
	for (t = ev->gtok >= 0 ? mfm_json_first(ev->j, ev->gtok) : -1; t >= 0;
	    t = mfm_json_next(ev->j, ev->gtok, t)) {
		k = mfm_json_str(ev->j, t, &kn, &tmp);
		mfm_buf_clear(&nb);
		mfm_prom_label_name(&nb, k, kn);
		mfm_buf_addc(&nb, '\0');
		if (name_taken(&names, nb.p, nb.len)) {
			/* Taken (alertname, ...): as Prometheus renames. */
			mfm_buf_clear(&nb);
			mfm_buf_adds(&nb, "exported_");
			mfm_prom_label_name(&nb, k, kn);
			mfm_buf_addc(&nb, '\0');
		}
		if (name_taken(&names, nb.p, nb.len))
			continue;	/* a second "a.b" beside "a_b" */
		mfm_buf_add(&names, nb.p, nb.len);
		mfm_buf_addc(b, ',');
		mfm_json_put_str(b, nb.p, nb.len - 1);
		mfm_buf_addc(b, ':');
		v = mfm_prom_json_value(ev->j, t + 1, &vn, &tmp);
		mfm_json_put_str(b, v, vn);
	}
	mfm_buf_addc(b, '}');
	mfm_buf_release(&tmp);
	mfm_buf_release(&names);
	mfm_buf_release(&nb);
}

static void
put_tm(struct mfm_buf *b, int64_t us)
{
	char t[MFM_TM_RFC3339_LEN + 1];

	mfm_tm_format_rfc3339(us, t);
	mfm_buf_addf(b, "\"%s\"", t);
}

static int64_t
deliver_now(const struct mfm_deliver *d)
{
	struct timespec ts;

	if (d->now != 0)
		return d->now;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
am_alert(struct mfm_buf *b, const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev)
{
	struct mfm_buf tmp = MFM_BUF_INIT;
	int64_t now = deliver_now(d), start = now, valid;
	const char *p;
	size_t n;
	int t;

	mfm_buf_adds(b, "{\"labels\":");
	am_labels(b, ev);
	put_annotations(b, ev);
	if (ev->wstart.len > 0) {
		mfm_buf_clear(&tmp);
		mfm_buf_add(&tmp, ev->wstart.p, ev->wstart.len);
		mfm_buf_addc(&tmp, '/');
		mfm_buf_add(&tmp, ev->wend.p, ev->wend.len);
		mfm_buf_adds(b, ",\"window\":");
		mfm_json_put_str(b, tmp.p, tmp.len);
	}
	/* The root cause, as mfm-threshold --context joined it. */
	if ((t = mfm_json_member(ev->j, 0, "context", 7)) >= 0) {
		p = mfm_json_raw(ev->j, t, &n);
		mfm_buf_adds(b, ",\"context\":");
		mfm_json_put_str(b, p, n);
	}
	mfm_buf_adds(b, ",\"mfm_fingerprint\":");
	put_s(b, ev->fingerprint);
	mfm_buf_addc(b, '}');
	/* Began: the window it started firing in, else this window. */
	if ((t = mfm_json_member(ev->j, 0, "since", 5)) >= 0 &&
	    mfm_json_type_of(ev->j, t) == MFM_JSON_STRING &&
	    (p = mfm_json_str(ev->j, t, &n, &tmp)) != NULL &&
	    mfm_tm_parse_rfc3339(p, n, &start, NULL) == 0)
		;
	else if (ev->wstart.len == 0 || mfm_tm_parse_rfc3339(ev->wstart.p,
	    ev->wstart.len, &start, NULL) != 0)
		start = now;
	if (start > now)
		start = now;
	mfm_buf_adds(b, ",\"startsAt\":");
	put_tm(b, start);
	valid = r->interval > r->resend_delay ? r->interval : r->resend_delay;
	mfm_buf_adds(b, ",\"endsAt\":");
	put_tm(b, ev->firing ? now + 4 * valid : now);
	if (r->generator_url != NULL) {
		mfm_buf_adds(b, ",\"generatorURL\":");
		mfm_json_put_str(b, r->generator_url,
		    strlen(r->generator_url));
	}
	mfm_buf_addc(b, '}');
	mfm_buf_release(&tmp);
}

static void
body_am_api(struct mfm_buf *b, const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev)
{
	size_t g;

	mfm_buf_addc(b, '[');
	am_alert(b, d, r, ev);
	for (g = 0; g < d->nmore; g++) {
		mfm_buf_addc(b, ',');
		am_alert(b, d, r, d->more[g]);
	}
	mfm_buf_addc(b, ']');
}

void
mfm_deliver_format_body(struct mfm_buf *out, const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev,
    int redact)
{
	size_t g;

	switch (r->type) {
	case MFM_DELIVER_WEBHOOK:
		if (r->format == MFM_DELIVER_FMT_MFM && d->nmore == 0)
			mfm_buf_add(out, ev->body.p, ev->body.len);
		else if (r->format == MFM_DELIVER_FMT_MFM) {
			/* A group: the events in an array. */
			mfm_buf_addc(out, '[');
			mfm_buf_add(out, ev->body.p, ev->body.len);
			for (g = 0; g < d->nmore; g++) {
				mfm_buf_addc(out, ',');
				mfm_buf_add(out, d->more[g]->body.p,
				    d->more[g]->body.len);
			}
			mfm_buf_addc(out, ']');
		} else
			body_alertmanager(out, d, r, ev);
		break;
	case MFM_DELIVER_SLACK:
		body_slack(out, d, ev);
		break;
	case MFM_DELIVER_PAGERDUTY:
		body_pagerduty(out, r, ev, redact);
		break;
	case MFM_DELIVER_ALERTMANAGER:
		body_am_api(out, d, r, ev);
		break;
	case MFM_DELIVER_PUSHGATEWAY:
		break;
	case MFM_DELIVER_STDOUT:
		mfm_deliver_format_line(out, ev);
		break;
	case MFM_DELIVER_EMAIL:
	case MFM_DELIVER_COMMAND:
		/* One event per line, as on the command's input. */
		mfm_buf_add(out, ev->body.p, ev->body.len);
		for (g = 0; g < d->nmore; g++) {
			mfm_buf_addc(out, '\n');
			mfm_buf_add(out, d->more[g]->body.p,
			    d->more[g]->body.len);
		}
		break;
	}
}

/* The headers of an HTTP receiver, one per line, beyond curl's own. */
static void
http_headers(struct mfm_buf *h, const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev,
    const struct mfm_buf *body)
{
	char key[33], sig[65];

	mfm_buf_adds(h, "Content-Type: application/json\n");
	note_key(d, r, ev, key);
	mfm_buf_addf(h, "Idempotency-Key: %s\n", key);
	if (r->hmac != NULL) {
		mfm_deliver_hmac(r->hmac, strlen(r->hmac), body->p, body->len,
		    sig);
		mfm_buf_addf(h, "X-MFM-Signature: sha256=%s\n", sig);
	}
}

static void email_message(struct mfm_buf *out, const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev,
    int64_t now);

void
mfm_deliver_format_request(struct mfm_buf *out, const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev)
{
	struct mfm_buf body = MFM_BUF_INIT, real = MFM_BUF_INIT,
	    h = MFM_BUF_INIT;
	size_t i;

	mfm_buf_addf(out, "# %s ", mfm_deliver_type_name(r->type));
	put_clean(out, r->name, strlen(r->name));
	mfm_buf_addc(out, '\n');
	if (r->type == MFM_DELIVER_COMMAND) {
		mfm_buf_adds(out, "EXEC");
		for (i = 0; i < r->argc; i++) {
			mfm_buf_addc(out, ' ');
			put_clean(out, r->argv[i], strlen(r->argv[i]));
		}
		mfm_buf_adds(out, "\n\n");
		mfm_deliver_format_body(out, d, r, ev, 1);
		mfm_buf_addc(out, '\n');
		return;
	}
	if (r->type == MFM_DELIVER_EMAIL) {
		mfm_buf_addf(out, "SMTP %s%s\n", r->shown,
		    r->starttls && strncmp(r->url, "smtps:", 6) != 0 ?
		    " STARTTLS" : "");
		if (r->username != NULL)
			mfm_buf_adds(out, "AUTH " ELLIPSIS "\n");
		mfm_buf_adds(out, "MAIL FROM:<");
		put_clean(out, r->from, strlen(r->from));
		mfm_buf_adds(out, ">\n");
		for (i = 0; i < r->nto; i++) {
			mfm_buf_adds(out, "RCPT TO:<");
			put_clean(out, r->to[i], strlen(r->to[i]));
			mfm_buf_adds(out, ">\n");
		}
		mfm_buf_adds(out, "\n");
		email_message(out, d, r, ev, d->now);
		return;
	}
	mfm_deliver_format_body(&body, d, r, ev, 1);
	/* The signature is of what would really be sent. */
	mfm_deliver_format_body(&real, d, r, ev, 0);
	http_headers(&h, d, r, ev, &real);
	mfm_buf_addf(out, "POST %s\n", r->shown);
	mfm_buf_addf(out, "Host: %s\n", r->host);
	if (r->userinfo)
		mfm_buf_adds(out, "Authorization: Basic " ELLIPSIS "\n");
	mfm_buf_addf(out, "User-Agent: %s\n", d->user_agent);
	mfm_buf_add(out, h.p, h.len);
	mfm_buf_addf(out, "Content-Length: %zu\n\n", real.len);
	mfm_buf_add(out, body.p, body.len);
	mfm_buf_addc(out, '\n');
	memset(real.p, 0, real.len);
	mfm_buf_release(&real);
	mfm_buf_release(&body);
	mfm_buf_release(&h);
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
	scrub(r, errbuf, sizeof(errbuf));
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
	http_headers(&h, d, r, ev, &body);
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

/* E-mail */

static void
put_date(struct mfm_buf *b, int64_t us)
{
	static const char *const wd[] = { "Thu", "Fri", "Sat", "Sun", "Mon",
	    "Tue", "Wed" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int64_t s = us / 1000000, days, y;
	unsigned m, dd;

	days = s / 86400 - (s % 86400 < 0);
	s -= days * 86400;
	mfm_tm_civil_from_days(days, &y, &m, &dd);
	/* RFC 5322 section 3.3, in UTC: not the reader's locale. */
	mfm_buf_addf(b, "%s, %u %s %lld %02d:%02d:%02d +0000",
	    wd[((days % 7) + 7) % 7], dd, mon[m - 1], (long long)y,
	    (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
}

/*
 * A header value: printable ASCII as is, else RFC 2047 base64 words.
 * Control characters become spaces first: an event's text must never
 * end the header line and start another.
 */
static void
put_header_text(struct mfm_buf *b, const char *src, size_t n)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct mfm_buf c = MFM_BUF_INIT;
	const unsigned char *s;
	size_t i, k, chunk;
	int plain = 1;
	unsigned v;

	n = utf8_cut(src, n, 900);
	for (i = 0; i < n; i++) {
		if ((unsigned char)src[i] < 0x20 || src[i] == 0x7f)
			mfm_buf_addc(&c, ' ');
		else
			mfm_buf_addc(&c, src[i]);
		if ((unsigned char)src[i] < 0x20 ||
		    (unsigned char)src[i] > 0x7e)
			plain = 0;
	}
	s = (const unsigned char *)c.p;
	if (plain) {
		mfm_buf_add(b, c.p, n);
		mfm_buf_release(&c);
		return;
	}
	/* 45 bytes per word (60 characters), split on UTF-8 boundaries. */
	for (i = 0; i < n; i += chunk) {
		chunk = n - i < 45 ? n - i : 45;
		while (i + chunk < n && chunk > 1 &&
		    (s[i + chunk] & 0xc0) == 0x80)
			chunk--;
		if (i > 0)
			mfm_buf_adds(b, "\r\n ");
		mfm_buf_adds(b, "=?UTF-8?B?");
		for (k = 0; k < chunk; k += 3) {
			v = (unsigned)s[i + k] << 16;
			if (k + 1 < chunk)
				v |= (unsigned)s[i + k + 1] << 8;
			if (k + 2 < chunk)
				v |= s[i + k + 2];
			mfm_buf_addc(b, b64[v >> 18 & 63]);
			mfm_buf_addc(b, b64[v >> 12 & 63]);
			mfm_buf_addc(b, k + 1 < chunk ? b64[v >> 6 & 63] : '=');
			mfm_buf_addc(b, k + 2 < chunk ? b64[v & 63] : '=');
		}
		mfm_buf_adds(b, "?=");
	}
	mfm_buf_release(&c);
}

/* Quoted-printable (RFC 2045 6.7), lines of at most 76 characters. */
static void
put_qp(struct mfm_buf *b, const char *s, size_t n)
{
	size_t i, col = 0, w;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\n') {
			mfm_buf_adds(b, "\r\n");
			col = 0;
			continue;
		}
		w = (c >= 33 && c <= 126 && c != '=') ||
		    (c == ' ' && i + 1 < n && s[i + 1] != '\n') ? 1 : 3;
		if (col + w > 75) {
			mfm_buf_adds(b, "=\r\n");
			col = 0;
		}
		if (w == 1)
			mfm_buf_addc(b, (char)c);
		else
			mfm_buf_addf(b, "=%02X", c);
		col += w;
	}
	mfm_buf_adds(b, "\r\n");
}

static void
email_message(struct mfm_buf *out, const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev,
    int64_t now)
{
	struct mfm_buf t = MFM_BUF_INIT;
	const struct mfm_deliver_event *e;
	const char *at = strrchr(r->from, '@');
	char key[33];
	size_t i;

	if (now == 0)
		now = (int64_t)time(NULL) * 1000000;
	note_key(d, r, ev, key);
	mfm_buf_adds(out, "Date: ");
	put_date(out, now);
	/* Stable across retries and restarts: a server that has seen it
	 * may drop the copy. */
	mfm_buf_addf(out, "\r\nMessage-ID: <%s.mfm-alert@%s>\r\n", key,
	    at != NULL && at[1] != '\0' ? at + 1 : "localhost");
	mfm_buf_adds(out, "From: ");
	put_header_text(out, r->from, strlen(r->from));
	mfm_buf_adds(out, "\r\nTo: ");
	for (i = 0; i < r->nto; i++) {
		if (i > 0)
			mfm_buf_adds(out, ",\r\n ");
		put_header_text(out, r->to[i], strlen(r->to[i]));
	}
	mfm_buf_addf(out, "\r\nSubject: ");
	mfm_buf_addf(&t, "[%s", ev->firing ? "FIRING" : ev->status.len ==
	    8 ? "RESOLVED" : "STATUS");
	if (d->nmore > 0)
		mfm_buf_addf(&t, ":%zu", d->nmore + 1);
	mfm_buf_adds(&t, "] ");
	mfm_buf_add(&t, ev->rule.p, ev->rule.len);
	mfm_buf_adds(&t, ": ");
	mfm_buf_add(&t, ev->summary.p, ev->summary.len);
	put_header_text(out, t.p, utf8_cut(t.p, t.len, 200));
	mfm_buf_adds(out, "\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "Auto-Submitted: auto-generated\r\n\r\n");
	mfm_buf_clear(&t);
	for (i = 0; i <= d->nmore; i++) {
		e = i == 0 ? ev : d->more[i - 1];
		if (i > 0)
			mfm_buf_adds(&t, "\n\n----\n\n");
		mfm_buf_add(&t, e->summary.p, e->summary.len);
		mfm_buf_adds(&t, "\n\nstatus: ");
		mfm_buf_add(&t, e->status.p, e->status.len);
		mfm_buf_adds(&t, "\nrule: ");
		mfm_buf_add(&t, e->rule.p, e->rule.len);
		mfm_buf_adds(&t, "\nseverity: ");
		mfm_buf_add(&t, e->severity.p, e->severity.len);
		mfm_buf_adds(&t, "\ngroup: ");
		mfm_buf_add(&t, e->group.p, e->group.len);
		mfm_buf_adds(&t, "\nfingerprint: ");
		mfm_buf_add(&t, e->fingerprint.p, e->fingerprint.len);
		mfm_buf_adds(&t, "\n\nevent:\n");
		mfm_buf_add(&t, e->body.p, e->body.len);
	}
	put_qp(out, t.p, t.len);
	mfm_buf_release(&t);
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
	size_t i;

	email_message(&msg, d, r, ev, d->now);
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
	scrub(r, why, sizeof(why));
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
