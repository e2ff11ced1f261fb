/*
 * The bodies and headers mfm-alert sends; see alertfmt.h.  Alertmanager's
 * two formats live in amfmt.c, the e-mail in mime.c; this file holds the
 * rest and chooses among them.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lib/alertfmt.h"
#include "lib/amfmt.h"
#include "lib/jw.h"
#include "lib/mime.h"
#include "lib/utf8.h"
#include "lib/banned.h"

#define ELLIPSIS MFM_DELIVER_ELLIPSIS

static void
put_column(struct mfm_buf *out, const char *s, size_t n, size_t width)
{
	size_t w = mfm_utf8_clean(out, s, n);

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
	mfm_utf8_clean(out, ev->summary.p, ev->summary.len);
}

/* The 2n lowercase hex digits of md[0..n), and a NUL. */
static void
hex(const unsigned char *md, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[2 * n] = '\0';
}

void
mfm_deliver_hmac(const char *key, size_t klen, const char *msg, size_t mlen,
    char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	memset(md, 0, sizeof(md));
	HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, mlen,
	    md, &n);
	hex(md, 32, out);
}

void
mfm_deliver_key(const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	/* NUL between the two: "ab"+"c" and "a"+"bc" differ. */
	if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(c, r->name, strlen(r->name) + 1) != 1 ||
	    EVP_DigestUpdate(c, ev->body.p, ev->body.len) != 1 ||
	    EVP_DigestFinal_ex(c, md, &n) != 1)
		memset(md, 0, sizeof(md));
	EVP_MD_CTX_free(c);
	hex(md, 16, out);
}

void
mfm_deliver_note_key(const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev,
    char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_MD_CTX *c;
	char k[33];
	size_t i;
	int ok;

	if (d->nmore == 0) {
		mfm_deliver_key(r, ev, out);
		return;
	}
	/* The hash of the events' keys, in order. */
	c = EVP_MD_CTX_new();
	ok = c != NULL && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1;
	for (i = 0; ok && i <= d->nmore; i++) {
		mfm_deliver_key(r, mfm_deliver_nth(d, ev, i), k);
		ok = EVP_DigestUpdate(c, k, 32) == 1;
	}
	if (!ok || EVP_DigestFinal_ex(c, md, &n) != 1)
		memset(md, 0, sizeof(md));
	EVP_MD_CTX_free(c);
	hex(md, 16, out);
}

/* A member whose value is a string of the event. */
static void
member(struct mfm_jw *w, const char *key, struct mfm_deliver_str s)
{
	mfm_jw_key(w, key);
	mfm_jw_str(w, s.p, s.len);
}

/* Slack's three: the rest of mrkdwn is left as written. */
static void
slack_escape(struct mfm_buf *out, const char *s, size_t n, size_t max)
{
	size_t i, m = mfm_utf8_cut(s, n, max);

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

/* A Block Kit block of the type, left open: {"type":TYPE */
static void
block(struct mfm_jw *w, const char *type)
{
	mfm_jw_object(w);
	mfm_jw_key(w, "type");
	mfm_jw_strz(w, type);
}

/* A Block Kit text object: {"type":TYPE,"text":T}. */
static void
text_object(struct mfm_jw *w, const char *type, const struct mfm_buf *t)
{
	block(w, type);
	mfm_jw_key(w, "text");
	mfm_jw_str(w, t->p, t->len);
	mfm_jw_end(w);
}

/* A field of an alert: "*TITLE*", then s cut at max, or "-". */
static void
field(struct mfm_jw *w, struct mfm_buf *t, const char *title,
    struct mfm_deliver_str s, size_t max)
{
	mfm_buf_clear(t);
	mfm_buf_addf(t, "*%s*\n", title);
	if (s.len > 0)
		slack_escape(t, s.p, s.len, max);
	else
		mfm_buf_adds(t, "-");
	text_object(w, "mrkdwn", t);
}

/*
 * An alert's two blocks: a section of its summary with the severity and
 * the group as fields, and a context block of its fingerprint.  t is
 * scratch.
 */
static void
slack_alert(struct mfm_jw *w, const struct mfm_deliver_event *ev,
    struct mfm_buf *t)
{
	block(w, "section");
	mfm_jw_key(w, "text");
	mfm_buf_clear(t);
	slack_escape(t, ev->summary.p, ev->summary.len, 2900);
	text_object(w, "mrkdwn", t);
	mfm_jw_key(w, "fields");
	mfm_jw_array(w);
	field(w, t, "Severity", ev->severity, 100);
	field(w, t, "Group", ev->group, 1800);
	mfm_jw_end(w);
	mfm_jw_end(w);
	block(w, "context");
	mfm_jw_key(w, "elements");
	mfm_jw_array(w);
	mfm_buf_clear(t);
	mfm_buf_adds(t, "fingerprint ");
	slack_escape(t, ev->fingerprint.p, ev->fingerprint.len, 64);
	text_object(w, "mrkdwn", t);
	mfm_jw_end(w);
	mfm_jw_end(w);
}

/*
 * Slack's incoming webhook message: the text of a notification (what
 * the phone shows), then blocks: a header, and the alerts (at most 24:
 * Slack takes 50 blocks, a header and two per alert, then a count).
 */
static void
body_slack(struct mfm_buf *b, const struct mfm_deliver *d,
    const struct mfm_deliver_event *ev)
{
	const char *status = ev->firing ? "FIRING" : "RESOLVED";
	struct mfm_buf t = MFM_BUF_INIT;
	struct mfm_jw w;
	size_t i;

	mfm_jw_init(&w, b);
	mfm_jw_object(&w);
	mfm_buf_addf(&t, "%s [%s] ", ev->firing ? ":rotating_light:" :
	    ":white_check_mark:", status);
	slack_escape(&t, ev->rule.p, ev->rule.len, 200);
	mfm_buf_adds(&t, ": ");
	slack_escape(&t, ev->summary.p, ev->summary.len, 2000);
	mfm_jw_key(&w, "text");
	mfm_jw_str(&w, t.p, t.len);
	mfm_jw_key(&w, "blocks");
	mfm_jw_array(&w);
	/* The header is plain text, at most 150 characters. */
	mfm_buf_clear(&t);
	if (d->nmore > 0)
		mfm_buf_addf(&t, "%s %zu alerts", status, d->nmore + 1);
	else {
		mfm_buf_addf(&t, "%s ", status);
		mfm_buf_add(&t, ev->rule.p, mfm_utf8_cut(ev->rule.p,
		    ev->rule.len, 100));
	}
	block(&w, "header");
	mfm_jw_key(&w, "text");
	text_object(&w, "plain_text", &t);
	mfm_jw_end(&w);
	for (i = 0; i <= d->nmore && i < 24; i++)
		slack_alert(&w, mfm_deliver_nth(d, ev, i), &t);
	if (i <= d->nmore) {
		mfm_buf_clear(&t);
		mfm_buf_addf(&t, "and %zu more", d->nmore + 1 - i);
		block(&w, "section");
		mfm_jw_key(&w, "text");
		text_object(&w, "mrkdwn", &t);
		mfm_jw_end(&w);
	}
	mfm_jw_end(&w);
	mfm_jw_end(&w);
	mfm_buf_release(&t);
}

static const char *
pd_severity(const struct mfm_deliver_event *ev)
{
	static const char *const ok[] = { "critical", "error", "warning",
	    "info" };
	size_t i;

	for (i = 0; i < 4; i++)
		if (mfm_deliver_str_is(ev->severity, ok[i]))
			return ok[i];
	/* PagerDuty refuses any other value; an unknown one is serious. */
	return "error";
}

/*
 * PagerDuty's Events API v2: trigger or resolve the incident of the
 * fingerprint (dedup_key); a trigger has the payload, the event itself
 * as its custom_details.
 */
static void
body_pagerduty(struct mfm_buf *b, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, int redact)
{
	struct mfm_jw w;

	mfm_jw_init(&w, b);
	mfm_jw_object(&w);
	mfm_jw_key(&w, "routing_key");
	mfm_jw_strz(&w, redact || r->routing_key == NULL ? ELLIPSIS :
	    r->routing_key);
	mfm_jw_key(&w, "event_action");
	mfm_jw_strz(&w, ev->firing ? "trigger" : "resolve");
	member(&w, "dedup_key", ev->fingerprint);
	if (ev->firing) {
		mfm_jw_key(&w, "payload");
		mfm_jw_object(&w);
		/* The summary is at most 1024 characters. */
		mfm_jw_key(&w, "summary");
		mfm_jw_str(&w, ev->summary.p, mfm_utf8_cut(ev->summary.p,
		    ev->summary.len, 1000));
		mfm_jw_key(&w, "source");
		mfm_jw_strz(&w, "mfm");
		mfm_jw_key(&w, "severity");
		mfm_jw_strz(&w, pd_severity(ev));
		member(&w, "class", ev->rule);
		if (ev->metric.len > 0)
			member(&w, "component", ev->metric);
		mfm_jw_key(&w, "custom_details");
		mfm_jw_raw(&w, ev->body.p, ev->body.len);
		mfm_jw_end(&w);
	}
	mfm_jw_key(&w, "client");
	mfm_jw_strz(&w, "mfm-alert");
	mfm_jw_end(&w);
}

/* The mfm format: the event as it is, or a group's in an array. */
static void
body_mfm(struct mfm_buf *b, const struct mfm_deliver *d,
    const struct mfm_deliver_event *ev)
{
	const struct mfm_deliver_event *e;
	struct mfm_jw w;
	size_t i;

	if (d->nmore == 0) {
		mfm_buf_add(b, ev->body.p, ev->body.len);
		return;
	}
	mfm_jw_init(&w, b);
	mfm_jw_array(&w);
	for (i = 0; i <= d->nmore; i++) {
		e = mfm_deliver_nth(d, ev, i);
		mfm_jw_raw(&w, e->body.p, e->body.len);
	}
	mfm_jw_end(&w);
}

void
mfm_deliver_format_body(struct mfm_buf *out, const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev,
    int redact)
{
	const struct mfm_deliver_event *e;
	size_t i;

	switch (r->type) {
	case MFM_DELIVER_WEBHOOK:
		if (r->format == MFM_DELIVER_FMT_MFM)
			body_mfm(out, d, ev);
		else
			mfm_deliver_body_am_webhook(out, d, r, ev);
		break;
	case MFM_DELIVER_SLACK:
		body_slack(out, d, ev);
		break;
	case MFM_DELIVER_PAGERDUTY:
		body_pagerduty(out, r, ev, redact);
		break;
	case MFM_DELIVER_ALERTMANAGER:
		mfm_deliver_body_am_api(out, d, r, ev);
		break;
	case MFM_DELIVER_PUSHGATEWAY:
		break;
	case MFM_DELIVER_STDOUT:
		mfm_deliver_format_line(out, ev);
		break;
	case MFM_DELIVER_EMAIL:
	case MFM_DELIVER_COMMAND:
		/* One event per line, as on the command's input. */
		for (i = 0; i <= d->nmore; i++) {
			if (i > 0)
				mfm_buf_addc(out, '\n');
			e = mfm_deliver_nth(d, ev, i);
			mfm_buf_add(out, e->body.p, e->body.len);
		}
		break;
	}
}

void
mfm_deliver_http_headers(struct mfm_buf *h, const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev,
    const struct mfm_buf *body)
{
	char key[33], sig[65];

	mfm_buf_adds(h, "Content-Type: application/json\n");
	mfm_deliver_note_key(d, r, ev, key);
	mfm_buf_addf(h, "Idempotency-Key: %s\n", key);
	if (r->hmac != NULL) {
		mfm_deliver_hmac(r->hmac, strlen(r->hmac), body->p, body->len,
		    sig);
		mfm_buf_addf(h, "X-MFM-Signature: sha256=%s\n", sig);
	}
}

void
mfm_deliver_format_request(struct mfm_buf *out, const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev)
{
	struct mfm_buf body = MFM_BUF_INIT, real = MFM_BUF_INIT,
	    h = MFM_BUF_INIT;
	char key[33];
	size_t i;

	mfm_buf_addf(out, "# %s ", mfm_deliver_type_name(r->type));
	mfm_utf8_clean(out, r->name, strlen(r->name));
	mfm_buf_addc(out, '\n');
	if (r->type == MFM_DELIVER_COMMAND) {
		mfm_buf_adds(out, "EXEC");
		for (i = 0; i < r->argc; i++) {
			mfm_buf_addc(out, ' ');
			mfm_utf8_clean(out, r->argv[i], strlen(r->argv[i]));
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
		mfm_utf8_clean(out, r->from, strlen(r->from));
		mfm_buf_adds(out, ">\n");
		for (i = 0; i < r->nto; i++) {
			mfm_buf_adds(out, "RCPT TO:<");
			mfm_utf8_clean(out, r->to[i], strlen(r->to[i]));
			mfm_buf_adds(out, ">\n");
		}
		mfm_buf_adds(out, "\n");
		mfm_deliver_note_key(d, r, ev, key);
		mfm_deliver_email_message(out, d, r, ev, key, d->now);
		return;
	}
	mfm_deliver_format_body(&body, d, r, ev, 1);
	/* The signature is of what would really be sent. */
	mfm_deliver_format_body(&real, d, r, ev, 0);
	mfm_deliver_http_headers(&h, d, r, ev, &real);
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
