/*
 * Alertmanager's webhook message and API alerts; see amfmt.h.  Both
 * show the same annotations; the labels differ: the webhook's are the
 * event's as they are, the API's are Prometheus label names, each once.
 */
#include <string.h>
#include <time.h>

#include "lib/amfmt.h"
#include "lib/json.h"
#include "lib/prom.h"
#include "lib/tm.h"
#include "lib/banned.h"

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
		mfm_deliver_label(ev, r->group_by[g], &v, tmp);
		if (g > 0)
			mfm_buf_addc(b, ',');
		mfm_json_put_str(b, r->group_by[g], strlen(r->group_by[g]));
		mfm_buf_addc(b, ':');
		put_s(b, v);
	}
	mfm_buf_addc(b, '}');
}

void
mfm_deliver_body_am_webhook(struct mfm_buf *b, const struct mfm_deliver *d,
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
			mfm_deliver_label(ev, r->group_by[g], &v, &tmp);
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

/* The API's alerts. */

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

void
mfm_deliver_body_am_api(struct mfm_buf *b, const struct mfm_deliver *d,
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
