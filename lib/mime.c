/*
 * The e-mail message of an email receiver; see mime.h.  Every header
 * line is ours: a text from the event goes into a header only through
 * put_header_text, which turns its control characters into spaces, so
 * that no event can end a header line and start another (a Bcc: of its
 * own).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/mime.h"
#include "lib/tm.h"
#include "lib/utf8.h"
#include "lib/banned.h"

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

	n = mfm_utf8_cut(src, n, 900);
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

void
mfm_deliver_email_message(struct mfm_buf *out, const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev,
    const char *key, int64_t now)
{
	struct mfm_buf t = MFM_BUF_INIT;
	const struct mfm_deliver_event *e;
	const char *at = strrchr(r->from, '@');
	size_t i;

	if (now == 0)
		now = (int64_t)time(NULL) * 1000000;
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
	put_header_text(out, t.p, mfm_utf8_cut(t.p, t.len, 200));
	mfm_buf_adds(out, "\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "Auto-Submitted: auto-generated\r\n\r\n");
	mfm_buf_clear(&t);
	for (i = 0; i <= d->nmore; i++) {
		e = mfm_deliver_nth(d, ev, i);
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
