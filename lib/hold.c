/*
 * mfm-alert's hold policy; see hold.h.  A batch parses every pending
 * entry of the outbox once, up front, since a group needs its events
 * side by side; the sets it hands out point into those parses.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/hold.h"
#include "lib/route.h"
#include "lib/banned.h"

int
mfm_hold_repeat(struct mfm_outbox *o, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, int64_t now)
{
	int64_t at;
	int firing, known, resolved;

	resolved = mfm_deliver_str_is(ev->status, "resolved");
	if (r->repeat_interval <= 0 || (!ev->firing && !resolved))
		return 0;
	known = mfm_outbox_last(o, r->name, ev->fingerprint.p,
	    ev->fingerprint.len, &at, &firing);
	if (known && ev->firing && firing && now - at < r->repeat_interval)
		return 1;
	if (known && resolved && !firing)
		return 1;
	mfm_outbox_note(o, r->name, ev->fingerprint.p, ev->fingerprint.len,
	    now, ev->firing);
	return 0;
}

int
mfm_hold_queued(const struct mfm_deliver_recv *r, int state)
{
	return r->type != MFM_DELIVER_STDOUT && (state || r->ngroup_by > 0);
}

int
mfm_hold_group(struct mfm_outbox *o, const struct mfm_deliver_recv *r,
    const struct mfm_buf *key, int64_t queued, int64_t now)
{
	struct mfm_buf k = MFM_BUF_INIT;
	int64_t at;
	int firing, known, hold;

	/* "\1" first: no fingerprint of the repeats' memory starts so. */
	mfm_buf_addc(&k, '\1');
	mfm_buf_add(&k, key->p, key->len);
	known = mfm_outbox_last(o, r->name, k.p, k.len, &at, &firing);
	hold = known ? now - at < r->group_interval :
	    now - queued < r->group_wait;
	if (!hold)
		mfm_outbox_note(o, r->name, k.p, k.len, now, 1);
	mfm_buf_release(&k);
	return hold;
}

void
mfm_hold_start(struct mfm_hold *h, struct mfm_deliver *d,
    struct mfm_outbox *o, int state)
{
	struct mfm_outbox_entry *e;
	struct mfm_err err;
	size_t i, n = o->n;

	memset(h, 0, sizeof(*h));
	h->d = d;
	h->o = o;
	h->state = state;
	h->n = n;
	h->j = mfm_xcalloc(n + 1, sizeof(*h->j));
	h->ev = mfm_xcalloc(n + 1, sizeof(*h->ev));
	h->skip = mfm_xcalloc(n + 1, sizeof(*h->skip));
	h->bad = mfm_xcalloc(n + 1, sizeof(*h->bad));
	h->set_ev = mfm_xcalloc(n + 1, sizeof(*h->set_ev));
	h->set_idx = mfm_xcalloc(n + 1, sizeof(*h->set_idx));
	mfm_buf_init(&h->key);
	mfm_buf_init(&h->k2);
	for (i = 0; i < n; i++) {
		e = &o->e[i];
		mfm_json_init(&h->j[i]);
		mfm_deliver_event_init(&h->ev[i]);
		if (e->settled) {
			h->skip[i] = 1;
			continue;
		}
		mfm_err_clear(&err);
		h->bad[i] = mfm_deliver_find(d, e->receiver,
		    strlen(e->receiver)) == NULL ||
		    mfm_json_parse(&h->j[i], e->event, e->event_len,
		    &err) != 0 ||
		    mfm_deliver_event_read(&h->ev[i], &h->j[i], &err) != 0;
	}
}

/* Whether entry k may join the group of key to r. */
static int
joins(struct mfm_hold *h, size_t k, const struct mfm_deliver_recv *r)
{
	if (h->skip[k] || h->bad[k] || h->o->e[k].settled ||
	    strcmp(h->o->e[k].receiver, r->name) != 0)
		return 0;
	mfm_buf_clear(&h->k2);
	mfm_deliver_group_key(r, &h->ev[k], &h->k2);
	return h->k2.len == h->key.len &&
	    memcmp(h->k2.p, h->key.p, h->key.len) == 0;
}

int
mfm_hold_next(struct mfm_hold *h, int64_t now, struct mfm_hold_set *s)
{
	struct mfm_outbox_entry *e;
	size_t i, k;

	for (i = h->next; i < h->n; i++)
		if (!h->skip[i] && !h->o->e[i].settled)
			break;
	if (i >= h->n) {
		h->next = h->n;
		return 0;
	}
	h->next = i + 1;
	h->skip[i] = 1;
	e = &h->o->e[i];
	memset(s, 0, sizeof(*s));
	s->ev = h->set_ev;
	s->idx = h->set_idx;
	s->ev[0] = &h->ev[i];
	s->idx[0] = i;
	s->n = 1;
	if (h->bad[i])
		return 1;
	s->r = mfm_deliver_find(h->d, e->receiver, strlen(e->receiver));
	if (s->r->ngroup_by == 0)
		return 1;
	mfm_buf_clear(&h->key);
	mfm_deliver_group_key(s->r, &h->ev[i], &h->key);
	for (k = i + 1; k < h->n; k++) {
		if (!joins(h, k, s->r))
			continue;
		h->skip[k] = 1;
		s->ev[s->n] = &h->ev[k];
		s->idx[s->n++] = k;
	}
	s->held = h->state && mfm_hold_group(h->o, s->r, &h->key, e->queued,
	    now);
	return 1;
}

void
mfm_hold_release(struct mfm_hold *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		mfm_deliver_event_release(&h->ev[i]);
		mfm_json_release(&h->j[i]);
	}
	free(h->j);
	free(h->ev);
	free(h->skip);
	free(h->bad);
	free(h->set_ev);
	free(h->set_idx);
	mfm_buf_release(&h->key);
	mfm_buf_release(&h->k2);
	memset(h, 0, sizeof(*h));
}

/* Whether a notification of fingerprint fp to r is pending in o. */
static int
pending_fp(const struct mfm_outbox *o, const struct mfm_deliver_recv *r,
    const char *fp, size_t fplen)
{
	struct mfm_buf tmp = MFM_BUF_INIT;
	const struct mfm_outbox_entry *e;
	struct mfm_json j;
	struct mfm_err err;
	const char *f;
	size_t i, n;
	int t, hit = 0;

	mfm_json_init(&j);
	for (i = 0; i < o->n && !hit; i++) {
		e = &o->e[i];
		if (e->settled || strcmp(e->receiver, r->name) != 0 ||
		    mfm_json_parse(&j, e->event, e->event_len, &err) != 0 ||
		    (t = mfm_json_member(&j, 0, "fingerprint", 11)) < 0 ||
		    (f = mfm_json_str(&j, t, &n, &tmp)) == NULL)
			continue;
		hit = n == fplen && memcmp(f, fp, n) == 0;
	}
	mfm_json_release(&j);
	mfm_buf_release(&tmp);
	return hit;
}

int
mfm_hold_resend(const struct mfm_outbox *o, const struct mfm_deliver_recv *r,
    size_t i, int64_t now)
{
	const struct mfm_outbox_alert *a = &o->alert[i];

	return now - a->sent >= r->resend_delay &&
	    !pending_fp(o, r, a->fp, a->fplen);
}

int
mfm_hold_told(struct mfm_outbox *o, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *const *ev, size_t n, int64_t now,
    struct mfm_err *err)
{
	const struct mfm_deliver_event *e;
	size_t k;
	int rc = 0;

	for (k = 0; k < n && rc == 0; k++) {
		e = ev[k];
		if (e->firing)
			rc = mfm_outbox_firing_set(o, r->name,
			    e->fingerprint.p, e->fingerprint.len, e->body.p,
			    e->body.len, now, err);
		else if (mfm_deliver_str_is(e->status, "resolved"))
			rc = mfm_outbox_firing_clear(o, r->name,
			    e->fingerprint.p, e->fingerprint.len, err);
	}
	return rc;
}
