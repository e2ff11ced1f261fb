/*
 * Receiver secrets and URLs; see secret.h.  A URL is checked twice: by
 * hand first (http or https, a host, no white space), because curl's
 * parser takes "https:///x" as host x and the host is shown in every
 * message; then by curl's own parser, whose parts are remembered as
 * secrets, also URL-decoded as curl may show them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "lib/buf.h"
#include "lib/secret.h"
#include "lib/banned.h"

static void
note_env(struct mfm_deliver_recv *r, const char *var)
{
	if (r->nsecret_env < sizeof(r->secret_env) / sizeof(r->secret_env[0]))
		r->secret_env[r->nsecret_env++] = mfm_xstrdup(var);
}

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
	mfm_deliver_forget_url(r);
	r->url = mfm_xmemdup(url, len);
	if (strncasecmp(r->url, "http://", 7) == 0)
		s = r->url + 7;
	else if (strncasecmp(r->url, "https://", 8) == 0)
		s = r->url + 8;
	else {
		mfm_deliver_forget_url(r);
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "%s: not an http or https URL", from);
	}
	/*
	 * curl reads "https:///x" as host x; then the "host" shown in every
	 * message could be the token.
	 */
	if (*s == '/') {
		mfm_deliver_forget_url(r);
		return mfm_err_set(err, MFM_ERR_USAGE, "%s: URL has no host",
		    from);
	}
	if ((u = curl_url()) == NULL) {
		mfm_deliver_forget_url(r);
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
	mfm_buf_adds(&b, "/" MFM_DELIVER_ELLIPSIS);
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
		mfm_deliver_forget_url(r);
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

/*
 * The value of the environment variable var, which holds a secret: its
 * name is noted, so that a command receiver's program does not inherit
 * it.
 */
static int
secret_env(struct mfm_deliver_recv *r, const char *var, const char **v,
    struct mfm_err *err)
{
	if (*var == '\0')
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "empty environment variable name");
	if ((*v = getenv(var)) == NULL)
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "environment variable %s is not set", var);
	note_env(r, var);
	return 0;
}

/*
 * The first line of the file path into buf (size bytes: at least max +
 * 2), without its newline; *n is its length.  A file whose first max + 1
 * bytes hold no newline is too long: "PATH: WHATlonger than MAX bytes".
 * buf is wiped when this fails.
 */
static int
first_line(const char *path, char *buf, size_t size, size_t max,
    const char *what, size_t *n, struct mfm_err *err)
{
	char *nl;
	FILE *f;
	int rc = 0;

	if ((f = fopen(path, "r")) == NULL)
		return mfm_err_sys(err, "%s", path);
	*n = fread(buf, 1, size - 1, f);
	if (ferror(f))
		rc = mfm_err_sys(err, "%s", path);
	fclose(f);
	if (rc == 0 && (nl = memchr(buf, '\n', *n)) != NULL)
		*n = (size_t)(nl - buf);
	else if (rc == 0 && *n > max)
		rc = mfm_err_set(err, MFM_ERR_LIMIT,
		    "%s: %slonger than %zu bytes", path, what, max);
	if (rc != 0)
		memset(buf, 0, size);
	else
		buf[*n] = '\0';
	return rc;
}

int
mfm_deliver_secret(struct mfm_deliver_recv *r, const char *env,
    const char *path, char **out, struct mfm_err *err)
{
	char buf[MFM_DELIVER_MAX_SECRET + 2];
	const char *v;
	size_t n;

	if (env != NULL) {
		if (secret_env(r, env, &v, err) != 0)
			return -1;
		n = strlen(v);
		if (n > MFM_DELIVER_MAX_SECRET)
			return mfm_err_set(err, MFM_ERR_LIMIT,
			    "environment variable %s: longer than %d bytes",
			    env, MFM_DELIVER_MAX_SECRET);
		memcpy(buf, v, n);
	} else if (first_line(path, buf, sizeof(buf), MFM_DELIVER_MAX_SECRET,
	    "", &n, err) != 0)
		return -1;
	while (n > 0 && (buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
	    buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	if (n == 0)
		return mfm_err_set(err, MFM_ERR_USAGE, "%s: empty secret",
		    env != NULL ? env : path);
	mfm_deliver_wipe_free(*out);
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

	if (secret_env(r, var, &v, err) != 0)
		return -1;
	snprintf(from, sizeof(from), "environment variable %s", var);
	return mfm_deliver_url_set(r, v, strlen(v), from, err);
}

int
mfm_deliver_url_file(struct mfm_deliver_recv *r, const char *path,
    struct mfm_err *err)
{
	char buf[MFM_DELIVER_MAX_URL + 2];
	size_t n;
	int rc;

	/* The first line is the URL; a final newline is usual. */
	if (first_line(path, buf, sizeof(buf), MFM_DELIVER_MAX_URL, "URL ",
	    &n, err) != 0)
		return -1;
	rc = mfm_deliver_url_set(r, buf, n, path, err);
	memset(buf, 0, sizeof(buf));
	return rc;
}

int
mfm_deliver_source_add(struct mfm_deliver_recv *r,
    enum mfm_deliver_secret what, int file, const char *name, size_t line,
    size_t col, const char *label, struct mfm_err *err)
{
	struct mfm_deliver_source *s;

	if (r->nsrc >= MFM_DELIVER_MAX_SOURCES)
		return mfm_err_set(err, MFM_ERR_LIMIT, "%s %s: more than %d "
		    "secrets", mfm_deliver_type_name(r->type), r->name,
		    MFM_DELIVER_MAX_SOURCES);
	s = &r->src[r->nsrc++];
	s->what = what;
	s->file = file;
	s->name = mfm_xstrdup(name);
	s->line = line;
	s->col = col;
	s->label = label;
	return 0;
}

/* Where a secret other than the URL goes. */
static char **
secret_field(struct mfm_deliver_recv *r, enum mfm_deliver_secret what)
{
	switch (what) {
	case MFM_DELIVER_SECRET_HMAC:
		return &r->hmac;
	case MFM_DELIVER_SECRET_ROUTING_KEY:
		return &r->routing_key;
	case MFM_DELIVER_SECRET_USERNAME:
		return &r->username;
	case MFM_DELIVER_SECRET_PASSWORD:
		return &r->password;
	default:
		return NULL;
	}
}

/* A check of the configuration: the source is there, and is not read. */
static int
source_check(const struct mfm_deliver_source *s, struct mfm_err *err)
{
	if (s->file)
		return access(s->name, R_OK) == 0 ? 0 :
		    mfm_err_sys(err, "%s", s->name);
	if (*s->name == '\0')
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "empty environment variable name");
	if (getenv(s->name) == NULL)
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "environment variable %s is not set", s->name);
	return 0;
}

static int
source_read(struct mfm_deliver_recv *r, const struct mfm_deliver_source *s,
    struct mfm_err *err)
{
	const char *env = s->file ? NULL : s->name;
	const char *path = s->file ? s->name : NULL;

	if (s->what != MFM_DELIVER_SECRET_URL)
		return mfm_deliver_secret(r, env, path,
		    secret_field(r, s->what), err);
	if ((env != NULL ? mfm_deliver_url_env(r, env, err) :
	    mfm_deliver_url_file(r, path, err)) != 0)
		return -1;
	/* Alertmanager's URL is its own; the API is under it. */
	if (r->type == MFM_DELIVER_ALERTMANAGER)
		return mfm_deliver_url_append(r, "/api/v2/alerts", err);
	return 0;
}

/* An error of source s: at its place in the file, or after its label. */
static int
source_err(const struct mfm_deliver_source *s, struct mfm_err *err)
{
	char msg[sizeof(err->msg)];
	int sys = err->sys;

	if (s->line > 0) {
		err->line = s->line;
		err->col = s->col;
	} else if (s->label != NULL) {
		snprintf(msg, sizeof(msg), "%s", err->msg);
		mfm_err_set(err, err->kind, "%s: %s", s->label, msg);
		err->sys = sys;
	}
	return -1;
}

int
mfm_deliver_read_secrets(struct mfm_deliver *d, struct mfm_err *err)
{
	struct mfm_deliver_recv *r;
	size_t i, k;

	for (i = 0; i < d->n; i++) {
		r = &d->recv[i];
		for (k = 0; k < r->nsrc; k++)
			if ((d->check ? source_check(&r->src[k], err) :
			    source_read(r, &r->src[k], err)) != 0)
				return source_err(&r->src[k], err);
	}
	return 0;
}

void
mfm_deliver_scrub(const struct mfm_deliver_recv *r, char *msg, size_t size)
{
	struct mfm_buf b = MFM_BUF_INIT;
	const char *hit;
	size_t i, n;

	for (i = 0; i < r->nsecrets; i++) {
		n = strlen(r->secrets[i]);
		while ((hit = strstr(msg, r->secrets[i])) != NULL) {
			mfm_buf_clear(&b);
			mfm_buf_add(&b, msg, (size_t)(hit - msg));
			mfm_buf_adds(&b, MFM_DELIVER_ELLIPSIS);
			mfm_buf_adds(&b, hit + n);
			snprintf(msg, size, "%s", b.p);
		}
	}
	mfm_buf_release(&b);
}
