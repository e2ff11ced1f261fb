/*
 * Routing, grouping and muting of alert events; see route.h.  A label
 * compares as bytes with the value of a matcher: a number in a group as
 * it is written in the event.
 */
#include <string.h>

#include "lib/route.h"
#include "lib/banned.h"

void
mfm_deliver_group_key(const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, struct mfm_buf *out)
{
	struct mfm_buf tmp = MFM_BUF_INIT;
	struct mfm_deliver_str v;
	size_t g;

	mfm_buf_add(out, ev->status.p, ev->status.len);
	for (g = 0; g < r->ngroup_by; g++) {
		mfm_deliver_label(ev, r->group_by[g], &v, &tmp);
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
		mfm_deliver_label(ev, m->name, &v, &tmp);
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
	if (mfm_deliver_str_is(ev->severity, "critical")) {
		if (ev->firing) {
			v = mfm_keymap_put(&d->critical, ev->group.p,
			    ev->group.len, &isnew);
			*v = 1;
		} else if (mfm_deliver_str_is(ev->status, "resolved") &&
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
	if (mfm_deliver_str_is(ev->status, "resolved"))
		return r->send_resolved;
	/* pending, inactive, insufficient_data: only when asked for, and
	 * never to PagerDuty, whose events are trigger and resolve. */
	return status_named && r->type != MFM_DELIVER_PAGERDUTY;
}
