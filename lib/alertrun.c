/*
 * A run of mfm-alert between its input and its output; see alertrun.h.
 * The decisions of what waits and what goes together are lib/hold.c's;
 * this file routes, sends, settles and writes the receipts.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/alertrun.h"
#include "lib/hold.h"
#include "lib/jw.h"
#include "lib/banned.h"

/* An entry of no outbox: sent at once, without a state directory. */
#define NO_ENTRY ((size_t)-1)

void
mfm_alert_run_init(struct mfm_alert_run *a, struct mfm_deliver *d,
    struct mfm_outbox *o, int state, int receipts, struct mfm_buf *out,
    const struct mfm_alert_ops *ops)
{
	memset(a, 0, sizeof(*a));
	a->d = d;
	a->o = o;
	a->state = state;
	a->receipts = receipts;
	a->out = out;
	a->ops = *ops;
	mfm_deliver_event_init(&a->ev);
}

void
mfm_alert_run_release(struct mfm_alert_run *a)
{
	mfm_deliver_event_release(&a->ev);
}

int
mfm_alert_receivers(struct mfm_deliver *d, int receipts, int64_t timeout,
    const char *ca_file, struct mfm_err *err)
{
	struct mfm_deliver_recv *r;
	size_t i;

	if (d->n == 0 && !receipts &&
	    mfm_deliver_add(d, MFM_DELIVER_STDOUT, "stdout", err) == NULL)
		return -1;
	for (i = 0; i < d->n; i++) {
		r = &d->recv[i];
		if (r->type == MFM_DELIVER_STDOUT) {
			if (receipts)
				return mfm_err_set(err, MFM_ERR_USAGE, "stdout "
				    "carries the receipts; remove the stdout "
				    "receiver %s", r->name);
			continue;
		}
		if (timeout > 0)
			r->timeout = timeout;
		if (ca_file != NULL && r->type != MFM_DELIVER_COMMAND) {
			free(r->ca_file);
			r->ca_file = mfm_xstrdup(ca_file);
			r->ca_line = r->ca_col = 0;
		}
	}
	return 0;
}

static void __attribute__((format(printf, 3, 4)))
say(struct mfm_alert_run *a, void (*fn)(void *, const char *),
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(a->ops.ctx, msg);
}

static int64_t
now_us(const struct mfm_alert_run *a)
{
	return mfm_deliver_now(a->d);
}

/* Results that carry no attempt: nothing was sent. */
static int
muted(const char *result)
{
	return strcmp(result, "silenced") == 0 ||
	    strcmp(result, "inhibited") == 0 ||
	    strcmp(result, "repeat") == 0 || strcmp(result, "held") == 0;
}

/*
 * A receipt: {"receiver":"ops","type":"webhook","status":"firing",
 * "fingerprint":"…","result":"delivered","attempts":1,"code":200,
 * "key":"…"}; with a state directory also "id"; a failure adds
 * "permanent" and "error".
 */
static void
receipt(struct mfm_alert_run *a, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, const char *result, uint64_t id,
    const char *why)
{
	struct mfm_jw w;
	char key[33];

	if (!a->receipts)
		return;
	mfm_jw_init(&w, a->out);
	mfm_jw_object(&w);
	mfm_jw_key(&w, "receiver");
	mfm_jw_strz(&w, r->name);
	mfm_jw_key(&w, "type");
	mfm_jw_strz(&w, mfm_deliver_type_name(r->type));
	mfm_jw_key(&w, "status");
	mfm_jw_str(&w, ev->status.p, ev->status.len);
	mfm_jw_key(&w, "fingerprint");
	mfm_jw_str(&w, ev->fingerprint.p, ev->fingerprint.len);
	mfm_jw_key(&w, "result");
	mfm_jw_strz(&w, result);
	if (!muted(result)) {
		mfm_jw_key(&w, "attempts");
		mfm_jw_int(&w, a->d->last.attempts);
		mfm_jw_key(&w, "code");
		mfm_jw_int(&w, a->d->last.code);
	}
	mfm_deliver_key(r, ev, key);
	mfm_jw_key(&w, "key");
	mfm_jw_strz(&w, key);
	if (id > 0) {
		mfm_jw_key(&w, "id");
		mfm_jw_int(&w, (int64_t)id);
	}
	if (why != NULL) {
		mfm_jw_key(&w, "permanent");
		mfm_jw_bool(&w, a->d->last.permanent);
		mfm_jw_key(&w, "error");
		mfm_jw_strz(&w, why);
	}
	mfm_jw_end(&w);
	a->ops.line(a->ops.ctx, 1);
}

/* Settle entry e (idx) of a notification that went as rc says. */
static int
settle(struct mfm_alert_run *a, size_t idx, int rc, int dead,
    const char *why, struct mfm_err *err)
{
	/* Settled; in memory only without a state directory. */
	if (rc == 0 || !a->state)
		return mfm_outbox_done(a->o, idx, err);
	if (dead) {
		a->c.dead++;
		return mfm_outbox_dead(a->o, idx, why, now_us(a), err);
	}
	a->c.queued++;
	return 0;
}

/* What a notification came to, for its receipt. */
static const char *
result_of(const struct mfm_alert_run *a, int rc, int entry, int dead)
{
	if (rc == 0)
		return "delivered";
	if (!a->state || !entry)
		return "failed";
	return dead ? "dead" : "queued";
}

/*
 * Send ev[0..n) to r as one notification; idx[k] is ev[k]'s outbox
 * entry, or NO_ENTRY (without a state directory, n is 1).  Every entry
 * is settled alike: done, dead or left queued.
 */
static int
send_set(struct mfm_alert_run *a, struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *const *ev, const size_t *idx, size_t n,
    struct mfm_err *err)
{
	struct mfm_outbox_entry *e;
	struct mfm_err why;
	size_t k;
	int rc, dead = 0;

	mfm_err_clear(&why);
	memset(&a->d->last, 0, sizeof(a->d->last));
	/* A crash came after the dead letter, before its done. */
	if (n == 1 && idx[0] != NO_ENTRY && a->state &&
	    mfm_outbox_is_dead(a->o, idx[0]))
		return mfm_outbox_done(a->o, idx[0], err);
	rc = mfm_deliver_send_group(a->d, r, ev, n, a->out, &why);
	if (rc == 0 && a->out->len > 0)
		a->ops.line(a->ops.ctx, 0);
	/* What Alertmanager was told, before the notification is settled. */
	if (rc == 0 && r->type == MFM_DELIVER_ALERTMANAGER &&
	    mfm_hold_told(a->o, r, ev, n, now_us(a), err) != 0)
		return -1;
	if (rc != 0)
		say(a, a->ops.fail, "%s", why.msg);
	if (rc != 0 && a->state && idx[0] != NO_ENTRY)
		dead = a->d->last.permanent ||
		    now_us(a) - a->o->e[idx[0]].queued >= r->deadline;
	for (k = 0; k < n; k++) {
		e = idx[k] != NO_ENTRY ? &a->o->e[idx[k]] : NULL;
		if (e != NULL && settle(a, idx[k], rc, dead, why.msg,
		    err) != 0)
			return -1;
		receipt(a, r, ev[k], result_of(a, rc, e != NULL, dead),
		    e != NULL && a->state ? e->id : 0,
		    rc == 0 ? NULL : why.msg);
	}
	return 0;
}

static int
send_one(struct mfm_alert_run *a, struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, size_t idx, struct mfm_err *err)
{
	return send_set(a, r, &ev, &idx, 1, err);
}

/*
 * Hand ev to every receiver that takes it; *taken: how many do (muted or
 * not), so that a firing event that reaches none is seen.
 */
static int
route(struct mfm_alert_run *a, const struct mfm_deliver_event *ev,
    const struct mfm_chain_file *in, size_t *taken, struct mfm_err *err)
{
	const char *queue[MFM_DELIVER_MAX_RECEIVERS];
	struct mfm_deliver_recv *r;
	const char *mute = NULL;
	size_t i, nq = 0;
	int silenced, inhibited;

	/* Both asked: inhibition follows every event's status. */
	silenced = mfm_deliver_silenced(a->d, ev, now_us(a));
	inhibited = mfm_deliver_inhibited(a->d, ev);
	if (silenced || inhibited)
		mute = silenced ? "silenced" : "inhibited";
	*taken = 0;
	for (i = 0; i < a->d->n; i++) {
		r = &a->d->recv[i];
		if (!mfm_deliver_routes(r, ev))
			continue;
		(*taken)++;
		memset(&a->d->last, 0, sizeof(a->d->last));
		if (mute != NULL || mfm_hold_repeat(a->o, r, ev, now_us(a))) {
			a->c.muted++;
			receipt(a, r, ev, mute != NULL ? mute : "repeat", 0,
			    NULL);
			continue;
		}
		if (!mfm_hold_queued(r, a->state)) {
			if (send_one(a, r, ev, NO_ENTRY, err) != 0)
				return -1;
			continue;
		}
		queue[nq++] = r->name;
	}
	/*
	 * Queued now, for every receiver at once and with the input's place
	 * after the event (--resume): one line of the journal, one durable
	 * step.  Sent by flush once the input is all queued; without a
	 * state directory in memory only, for group_by.
	 */
	if (nq > 0 && mfm_outbox_put_event(a->o, queue, nq, ev->body.p,
	    ev->body.len, now_us(a), in, err) < 0)
		return -1;
	return 0;
}

int
mfm_alert_record(struct mfm_alert_run *a, const struct mfm_json *j,
    const struct mfm_chain_file *in, struct mfm_err *err)
{
	size_t taken;

	mfm_err_clear(err);
	switch (mfm_deliver_event_read(&a->ev, j, err)) {
	case 1:
		a->c.control++;
		return MFM_ALERT_CONTROL;
	case -1:
		return MFM_ALERT_BAD;
	}
	a->c.events++;
	if (route(a, &a->ev, in, &taken, err) != 0)
		return -1;
	if (taken == 0 && a->ev.firing &&
	    a->c.unrouted++ < MFM_ALERT_UNROUTED_SHOWN && a->d->n > 0)
		return MFM_ALERT_UNROUTED;
	return MFM_ALERT_EVENT;
}

int
mfm_alert_flush(struct mfm_alert_run *a, struct mfm_err *err)
{
	struct mfm_hold_set s;
	struct mfm_hold h;
	size_t k;
	int rc = 0;

	mfm_hold_start(&h, a->d, a->o, a->state);
	while (rc == 0 && mfm_hold_next(&h, now_us(a), &s)) {
		if (s.r == NULL) {
			/* Only a dead letter can keep it now. */
			say(a, a->ops.fail, "%s: receiver %s is not configured "
			    "any more", a->o->dir, a->o->e[s.idx[0]].receiver);
			rc = mfm_outbox_dead(a->o, s.idx[0], "receiver not "
			    "configured", now_us(a), err);
			a->c.dead++;
		} else if (s.held) {
			for (k = 0; k < s.n; k++)
				receipt(a, s.r, s.ev[k], "held",
				    a->o->e[s.idx[k]].id, NULL);
			a->c.held += s.n;
		} else
			rc = send_set(a, s.r, s.ev, s.idx, s.n, err);
	}
	mfm_hold_release(&h);
	return rc;
}

/*
 * Alert i of the registry, whose receiver is no longer an Alertmanager
 * one: forgotten, and Alertmanager lets it expire at its endsAt.
 */
static int
forget(struct mfm_alert_run *a, size_t i, struct mfm_err *err)
{
	char *fp = mfm_xmemdup(a->o->alert[i].fp, a->o->alert[i].fplen);
	size_t fplen = a->o->alert[i].fplen;
	char *name = mfm_xstrdup(a->o->alert[i].receiver);
	int rc;

	say(a, a->ops.note, "%s: receiver %s is not configured any more: "
	    "alert %s no longer sent", a->o->dir, name, fp);
	rc = mfm_outbox_firing_clear(a->o, name, fp, fplen, err);
	free(fp);
	free(name);
	return rc;
}

/* Send alert i of the registry to r again, through the outbox. */
static int
resend_one(struct mfm_alert_run *a, struct mfm_deliver_recv *r, size_t i,
    int64_t now, struct mfm_err *err)
{
	struct mfm_deliver_event ev;
	struct mfm_json j;
	struct mfm_err bad;
	const char *name = r->name;
	/* A copy: sending it replaces the registry's. */
	size_t len = a->o->alert[i].event_len;
	char *event = mfm_xmemdup(a->o->alert[i].event, len);
	int rc = 0;

	mfm_json_init(&j);
	mfm_deliver_event_init(&ev);
	mfm_err_clear(&bad);
	if (mfm_json_parse(&j, event, len, &bad) != 0 ||
	    mfm_deliver_event_read(&ev, &j, &bad) != 0)
		say(a, a->ops.fail, "%s/firing.ndjson: %s", a->o->dir,
		    bad.msg);
	else {
		switch (mfm_outbox_put_event(a->o, &name, 1, event, len, now,
		    NULL, err)) {
		case -1:
			rc = -1;
			break;
		case 0:
			break;		/* the same, pending */
		default:
			a->c.resent++;
			rc = send_one(a, r, &ev, a->o->n - 1, err);
		}
	}
	free(event);
	mfm_deliver_event_release(&ev);
	mfm_json_release(&j);
	return rc;
}

int
mfm_alert_resend(struct mfm_alert_run *a, struct mfm_err *err)
{
	struct mfm_deliver_recv *r;
	size_t i = 0;
	int64_t now;

	while (i < a->o->nalert) {
		now = now_us(a);
		r = mfm_deliver_find(a->d, a->o->alert[i].receiver,
		    strlen(a->o->alert[i].receiver));
		if (r == NULL || r->type != MFM_DELIVER_ALERTMANAGER) {
			/* Alert i is gone: the next one takes its place. */
			if (forget(a, i, err) != 0)
				return -1;
			continue;
		}
		if (mfm_hold_resend(a->o, r, i, now) &&
		    resend_one(a, r, i, now, err) != 0)
			return -1;
		i++;
	}
	return 0;
}

void
mfm_alert_end(struct mfm_alert_run *a)
{
	uint64_t n = a->c.unrouted;
	const char *s = n == 1 ? "" : "s";

	if (n == 0)
		return;
	if (a->d->n == 0)
		say(a, a->ops.fail, "%" PRIu64 " firing event%s reached no "
		    "receiver: none is configured, and with --receipts "
		    "standard output carries receipts only; add receivers to "
		    "the alert section of the configuration (-c FILE), or give "
		    "--webhook-env or --webhook-file", n, s);
	else
		say(a, a->ops.fail, "%" PRIu64 " firing event%s reached no "
		    "receiver: add a receiver without match, or one whose "
		    "match takes %s", n, s, n == 1 ? "it" : "them");
}
