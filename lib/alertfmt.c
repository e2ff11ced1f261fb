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
#include "lib/json.h"
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

void
mfm_deliver_note_key(const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev,
    char out[33])
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
	mfm_buf_add(&t, ev->rule.p, mfm_utf8_cut(ev->rule.p, ev->rule.len,
	    100));
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
		    mfm_utf8_cut(ev->summary.p, ev->summary.len, 1000));
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
		mfm_buf_add(out, ev->body.p, ev->body.len);
		for (g = 0; g < d->nmore; g++) {
			mfm_buf_addc(out, '\n');
			mfm_buf_add(out, d->more[g]->body.p,
			    d->more[g]->body.len);
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
