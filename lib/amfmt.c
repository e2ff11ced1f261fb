/*
 * Alertmanager's webhook message and API alerts; see amfmt.h.  Both
 * show the same annotations; the labels differ: the webhook's are the
 * event's as they are, the API's are Prometheus label names, each once.
 */
#include <string.h>

#include "lib/amfmt.h"
#include "lib/json.h"
#include "lib/jw.h"
#include "lib/prom.h"
#include "lib/tm.h"
#include "lib/banned.h"

/* A member whose value is a string of the event. */
static void
member(struct mfm_jw *w, const char *key, struct mfm_deliver_str s)
{
	mfm_jw_key(w, key);
	mfm_jw_str(w, s.p, s.len);
}

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

/*
 * The name of group member k[0..kn) as a label into nb, NUL-ended:
 * as it is, or as a Prometheus label name (prom).
 */
static void
label_name(struct mfm_buf *nb, const char *prefix, const char *k, size_t kn,
    int prom)
{
	mfm_buf_clear(nb);
	mfm_buf_adds(nb, prefix);
	if (prom)
		mfm_prom_label_name(nb, k, kn);
	else
		mfm_buf_add(nb, k, kn);
	mfm_buf_addc(nb, '\0');
}

/*
 * An alert's labels: alertname (the rule), severity and metric, then
 * the members of its group, each name once: a member named like a label
 * before it gets "exported_" in front, as Prometheus renames, and one
 * whose new name is taken too is left out.  For the API (prom) the names
 * are Prometheus label names, and severity and metric are taken even
 * when the event has none; the values are a string's text or another
 * value's JSON text.
 */
static void
put_labels(struct mfm_jw *w, const struct mfm_deliver_event *ev, int prom)
{
	struct mfm_buf tmp = MFM_BUF_INIT, names = MFM_BUF_INIT,
	    nb = MFM_BUF_INIT;
	const char *k, *v;
	size_t kn, vn;
	int t;

	/* Names written so far, NUL-separated, to keep each once. */
	mfm_jw_object(w);
	member(w, "alertname", ev->rule);
	mfm_buf_add(&names, "alertname\0", 10);
	if (ev->severity.len > 0)
		member(w, "severity", ev->severity);
	if (ev->severity.len > 0 || prom)
		mfm_buf_add(&names, "severity\0", 9);
	if (ev->metric.len > 0)
		member(w, "metric", ev->metric);
	if (ev->metric.len > 0 || prom)
		mfm_buf_add(&names, "metric\0", 7);
	for (t = ev->gtok >= 0 ? mfm_json_first(ev->j, ev->gtok) : -1; t >= 0;
	    t = mfm_json_next(ev->j, ev->gtok, t)) {
		/* A member is its key token followed by its value. */
		k = mfm_json_str(ev->j, t, &kn, &tmp);
		label_name(&nb, "", k, kn, prom);
		if (name_taken(&names, nb.p, nb.len))
			label_name(&nb, "exported_", k, kn, prom);
		if (name_taken(&names, nb.p, nb.len))
			continue;	/* a second "a.b" beside "a_b" */
		mfm_buf_add(&names, nb.p, nb.len);
		mfm_jw_keyn(w, nb.p, nb.len - 1);
		v = mfm_prom_json_value(ev->j, t + 1, &vn, &tmp);
		mfm_jw_str(w, v, vn);
	}
	mfm_jw_end(w);
	mfm_buf_release(&tmp);
	mfm_buf_release(&names);
	mfm_buf_release(&nb);
}

/* A time of the event, or Alertmanager's zero time when it has none. */
static void
put_time(struct mfm_jw *w, const char *key, struct mfm_deliver_str s)
{
	mfm_jw_key(w, key);
	if (s.len > 0)
		mfm_jw_str(w, s.p, s.len);
	else
		mfm_jw_strz(w, "0001-01-01T00:00:00Z");
}

/* "annotations":{"summary":...,"value":"...","threshold":"..." (open) */
static void
put_annotations(struct mfm_jw *w, const struct mfm_deliver_event *ev)
{
	mfm_jw_key(w, "annotations");
	mfm_jw_object(w);
	member(w, "summary", ev->summary);
	/* Numbers as their text: annotations are strings. */
	if (ev->value.len > 0)
		member(w, "value", ev->value);
	if (ev->threshold.len > 0)
		member(w, "threshold", ev->threshold);
}

static void
put_alert(struct mfm_jw *w, const struct mfm_deliver_event *ev)
{
	static const struct mfm_deliver_str none = { "", 0 };

	mfm_jw_object(w);
	member(w, "status", ev->status);
	mfm_jw_key(w, "labels");
	put_labels(w, ev, 0);
	put_annotations(w, ev);
	mfm_jw_end(w);
	put_time(w, "startsAt", ev->wstart);
	put_time(w, "endsAt", ev->firing ? none : ev->wend);
	member(w, "generatorURL", none);
	member(w, "fingerprint", ev->fingerprint);
	mfm_jw_end(w);
}

/* The group_by labels of ev: the labels a group's alerts share. */
static void
put_group_labels(struct mfm_jw *w, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, struct mfm_buf *tmp)
{
	struct mfm_deliver_str v;
	size_t g;

	mfm_jw_object(w);
	for (g = 0; g < r->ngroup_by; g++) {
		mfm_deliver_label(ev, r->group_by[g], &v, tmp);
		member(w, r->group_by[g], v);
	}
	mfm_jw_end(w);
}

/*
 * The groupKey: the receiver and the group_by labels, or the
 * fingerprint when r does not group (one alert per group).
 */
static void
group_key(struct mfm_buf *gk, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, struct mfm_buf *tmp)
{
	struct mfm_deliver_str v;
	size_t g;

	if (r->ngroup_by == 0) {
		mfm_buf_addf(gk, "%s:{fingerprint=\"", r->name);
		mfm_buf_add(gk, ev->fingerprint.p, ev->fingerprint.len);
		mfm_buf_adds(gk, "\"}");
		return;
	}
	mfm_buf_addf(gk, "%s:{", r->name);
	for (g = 0; g < r->ngroup_by; g++) {
		mfm_deliver_label(ev, r->group_by[g], &v, tmp);
		mfm_buf_addf(gk, "%s%s=\"", g > 0 ? "," : "", r->group_by[g]);
		mfm_buf_add(gk, v.p, v.len);
		mfm_buf_addc(gk, '"');
	}
	mfm_buf_addc(gk, '}');
}

void
mfm_deliver_body_am_webhook(struct mfm_buf *b, const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev)
{
	struct mfm_buf gk = MFM_BUF_INIT, tmp = MFM_BUF_INIT;
	struct mfm_jw w;
	size_t i;

	mfm_jw_init(&w, b);
	mfm_jw_object(&w);
	mfm_jw_key(&w, "version");
	mfm_jw_strz(&w, "4");
	group_key(&gk, r, ev, &tmp);
	mfm_jw_key(&w, "groupKey");
	mfm_jw_str(&w, gk.p, gk.len);
	mfm_jw_key(&w, "truncatedAlerts");
	mfm_jw_int(&w, 0);
	member(&w, "status", ev->status);
	mfm_jw_key(&w, "receiver");
	mfm_jw_strz(&w, r->name);
	mfm_jw_key(&w, "groupLabels");
	if (r->ngroup_by == 0) {
		mfm_jw_object(&w);
		member(&w, "alertname", ev->rule);
		mfm_jw_end(&w);
		mfm_jw_key(&w, "commonLabels");
		put_labels(&w, ev, 0);
		mfm_jw_key(&w, "commonAnnotations");
		mfm_jw_object(&w);
		member(&w, "summary", ev->summary);
		mfm_jw_end(&w);
	} else {
		put_group_labels(&w, r, ev, &tmp);
		mfm_jw_key(&w, "commonLabels");
		put_group_labels(&w, r, ev, &tmp);
		mfm_jw_key(&w, "commonAnnotations");
		mfm_jw_object(&w);
		mfm_jw_end(&w);
	}
	mfm_jw_key(&w, "externalURL");
	mfm_jw_strz(&w, "");
	mfm_jw_key(&w, "alerts");
	mfm_jw_array(&w);
	for (i = 0; i <= d->nmore; i++)
		put_alert(&w, mfm_deliver_nth(d, ev, i));
	mfm_jw_end(&w);
	/* The events themselves: the one, or the group's in an array. */
	mfm_jw_key(&w, "mfm");
	if (r->ngroup_by == 0)
		mfm_jw_raw(&w, ev->body.p, ev->body.len);
	else {
		mfm_jw_array(&w);
		for (i = 0; i <= d->nmore; i++)
			mfm_jw_raw(&w, mfm_deliver_nth(d, ev, i)->body.p,
			    mfm_deliver_nth(d, ev, i)->body.len);
		mfm_jw_end(&w);
	}
	mfm_jw_end(&w);
	mfm_buf_release(&gk);
	mfm_buf_release(&tmp);
}

/* The API's alerts. */

static void
put_tm(struct mfm_jw *w, const char *key, int64_t us)
{
	char t[MFM_TM_RFC3339_LEN + 1];

	mfm_tm_format_rfc3339(us, t);
	mfm_jw_key(w, key);
	mfm_jw_strz(w, t);
}

/* When the alert began: the window it started firing in, else this one. */
static int64_t
began(const struct mfm_deliver_event *ev, int64_t now, struct mfm_buf *tmp)
{
	int64_t start = now;
	const char *p;
	size_t n;
	int t;

	if ((t = mfm_json_member(ev->j, 0, "since", 5)) >= 0 &&
	    mfm_json_type_of(ev->j, t) == MFM_JSON_STRING &&
	    (p = mfm_json_str(ev->j, t, &n, tmp)) != NULL &&
	    mfm_tm_parse_rfc3339(p, n, &start, NULL) == 0)
		;
	else if (ev->wstart.len == 0 || mfm_tm_parse_rfc3339(ev->wstart.p,
	    ev->wstart.len, &start, NULL) != 0)
		start = now;
	return start > now ? now : start;
}

static void
am_alert(struct mfm_jw *w, const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev)
{
	struct mfm_buf tmp = MFM_BUF_INIT;
	int64_t now = mfm_deliver_now(d), valid;
	const char *p;
	size_t n;
	int t;

	mfm_jw_object(w);
	mfm_jw_key(w, "labels");
	put_labels(w, ev, 1);
	put_annotations(w, ev);
	if (ev->wstart.len > 0) {
		mfm_buf_add(&tmp, ev->wstart.p, ev->wstart.len);
		mfm_buf_addc(&tmp, '/');
		mfm_buf_add(&tmp, ev->wend.p, ev->wend.len);
		mfm_jw_key(w, "window");
		mfm_jw_str(w, tmp.p, tmp.len);
	}
	/* The root cause, as mfm-threshold --context joined it. */
	if ((t = mfm_json_member(ev->j, 0, "context", 7)) >= 0) {
		p = mfm_json_raw(ev->j, t, &n);
		mfm_jw_key(w, "context");
		mfm_jw_str(w, p, n);
	}
	member(w, "mfm_fingerprint", ev->fingerprint);
	mfm_jw_end(w);
	put_tm(w, "startsAt", began(ev, now, &tmp));
	valid = r->interval > r->resend_delay ? r->interval : r->resend_delay;
	put_tm(w, "endsAt", ev->firing ? now + 4 * valid : now);
	if (r->generator_url != NULL) {
		mfm_jw_key(w, "generatorURL");
		mfm_jw_strz(w, r->generator_url);
	}
	mfm_jw_end(w);
	mfm_buf_release(&tmp);
}

void
mfm_deliver_body_am_api(struct mfm_buf *b, const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev)
{
	struct mfm_jw w;
	size_t i;

	mfm_jw_init(&w, b);
	mfm_jw_array(&w);
	for (i = 0; i <= d->nmore; i++)
		am_alert(&w, d, r, mfm_deliver_nth(d, ev, i));
	mfm_jw_end(&w);
}
