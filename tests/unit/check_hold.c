/*
 * Unit tests for mfm-alert's hold policy (lib/hold.c), on an outbox in
 * memory: repeats under repeat_interval, which receivers wait for the
 * end of the input, the sets a batch hands out (groups by key, in queue
 * order, each entry once, unconfigured receivers apart), group_wait and
 * group_interval over the runs of a cron job, and Alertmanager's resend.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/deliver.h"
#include "lib/hold.h"
#include "lib/outbox.h"

#include "events.h"

#define MIN (60 * INT64_C(1000000))
#define T0 (INT64_C(1795694400) * 1000000)	/* 2026-11-26T12:00:00Z */

static char *
line(const char *status, const char *rule, const char *fp)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "{\"status\":\"%s\",\"rule\":\"%s\","
	    "\"fingerprint\":\"%s\",\"summary\":\"s\"}", status, rule, fp);
	return buf;
}

static struct mfm_deliver_recv *
receiver(struct mfm_deliver *d, enum mfm_deliver_type type,
    const char *name)
{
	struct mfm_err err;
	struct mfm_deliver_recv *r = mfm_deliver_add(d, type, name, &err);

	ck_assert_ptr_nonnull(r);
	return r;
}

static void
group_by(struct mfm_deliver_recv *r, const char *label)
{
	r->group_by[r->ngroup_by++] = strdup(label);
}

/* Queue line to the receiver named rcv at queued. */
static void
put(struct mfm_outbox *o, const char *rcv, const char *l, int64_t queued)
{
	struct mfm_err err;

	ck_assert_int_eq(mfm_outbox_put_event(o, &rcv, 1, l, strlen(l),
	    queued, NULL, &err), 1);
}

START_TEST(test_repeat)
{
	struct mfm_deliver d;
	struct mfm_deliver_recv *r;
	struct mfm_outbox o;
	struct event fire, res, pend;

	event_read(&fire, line("firing", "auc_low", "f1"));
	event_read(&res, line("resolved", "auc_low", "f1"));
	event_read(&pend, line("pending", "auc_low", "f1"));
	mfm_deliver_init(&d);
	mfm_outbox_init(&o);
	r = receiver(&d, MFM_DELIVER_WEBHOOK, "ops");
	/* Without repeat_interval nothing is a repeat, nor remembered. */
	ck_assert_int_eq(mfm_hold_repeat(&o, r, &fire.ev, T0), 0);
	ck_assert_int_eq(mfm_hold_repeat(&o, r, &fire.ev, T0), 0);
	ck_assert_uint_eq(o.nlast, 0);
	r->repeat_interval = 60 * MIN;
	ck_assert_int_eq(mfm_hold_repeat(&o, r, &fire.ev, T0), 0);
	ck_assert_int_eq(mfm_hold_repeat(&o, r, &fire.ev, T0 + 30 * MIN), 1);
	ck_assert_int_eq(mfm_hold_repeat(&o, r, &fire.ev, T0 + 60 * MIN - 1),
	    1);
	/* Due again: sent, and the interval starts anew. */
	ck_assert_int_eq(mfm_hold_repeat(&o, r, &fire.ev, T0 + 60 * MIN), 0);
	ck_assert_int_eq(mfm_hold_repeat(&o, r, &fire.ev, T0 + 61 * MIN), 1);
	/* A resolution is news once; firing after it at once too. */
	ck_assert_int_eq(mfm_hold_repeat(&o, r, &res.ev, T0 + 62 * MIN), 0);
	ck_assert_int_eq(mfm_hold_repeat(&o, r, &res.ev, T0 + 63 * MIN), 1);
	ck_assert_int_eq(mfm_hold_repeat(&o, r, &fire.ev, T0 + 64 * MIN), 0);
	/* Other statuses are never repeats. */
	ck_assert_int_eq(mfm_hold_repeat(&o, r, &pend.ev, T0 + 64 * MIN), 0);
	ck_assert_int_eq(mfm_hold_repeat(&o, r, &pend.ev, T0 + 64 * MIN), 0);
	/* Per receiver. */
	r = receiver(&d, MFM_DELIVER_SLACK, "chat");
	r->repeat_interval = 60 * MIN;
	ck_assert_int_eq(mfm_hold_repeat(&o, r, &fire.ev, T0 + 65 * MIN), 0);
	mfm_outbox_close(&o, NULL);
	mfm_deliver_release(&d);
	event_release(&fire);
	event_release(&res);
	event_release(&pend);
}
END_TEST

START_TEST(test_queued)
{
	struct mfm_deliver d;
	struct mfm_deliver_recv *r;

	mfm_deliver_init(&d);
	r = receiver(&d, MFM_DELIVER_STDOUT, "stdout");
	ck_assert_int_eq(mfm_hold_queued(r, 0), 0);
	ck_assert_int_eq(mfm_hold_queued(r, 1), 0);
	r = receiver(&d, MFM_DELIVER_WEBHOOK, "ops");
	ck_assert_int_eq(mfm_hold_queued(r, 0), 0);
	ck_assert_int_eq(mfm_hold_queued(r, 1), 1);
	group_by(r, "rule");
	ck_assert_int_eq(mfm_hold_queued(r, 0), 1);
	ck_assert_int_eq(mfm_hold_queued(r, 1), 1);
	mfm_deliver_release(&d);
}
END_TEST

START_TEST(test_group_wait_interval)
{
	struct mfm_buf a = MFM_BUF_INIT, b = MFM_BUF_INIT;
	struct mfm_deliver d;
	struct mfm_deliver_recv *r;
	struct mfm_outbox o;

	mfm_deliver_init(&d);
	mfm_outbox_init(&o);
	r = receiver(&d, MFM_DELIVER_WEBHOOK, "am");
	group_by(r, "rule");
	r->group_wait = 5 * MIN;
	r->group_interval = 60 * MIN;
	mfm_buf_add(&a, "firing\0auc_low", 14);
	mfm_buf_add(&b, "firing\0brier_high", 17);
	/* New: held until group_wait after its first notification. */
	ck_assert_int_eq(mfm_hold_group(&o, r, &a, T0, T0), 1);
	ck_assert_int_eq(mfm_hold_group(&o, r, &a, T0, T0 + 3 * MIN), 1);
	ck_assert_int_eq(mfm_hold_group(&o, r, &a, T0, T0 + 5 * MIN), 0);
	/* Notified: the next message group_interval after it. */
	ck_assert_int_eq(mfm_hold_group(&o, r, &a, T0 + 30 * MIN,
	    T0 + 30 * MIN), 1);
	ck_assert_int_eq(mfm_hold_group(&o, r, &a, T0 + 30 * MIN,
	    T0 + 65 * MIN - 1), 1);
	ck_assert_int_eq(mfm_hold_group(&o, r, &a, T0 + 30 * MIN,
	    T0 + 65 * MIN), 0);
	/* Another group keeps its own time. */
	ck_assert_int_eq(mfm_hold_group(&o, r, &b, T0 + 60 * MIN,
	    T0 + 65 * MIN), 0);
	/* The groups' memory is apart from the repeats' of a fingerprint
	 * that happens to be the same bytes. */
	mfm_outbox_note(&o, "am", b.p, b.len, T0 + 66 * MIN, 1);
	mfm_outbox_note(&o, "am", "\1x", 2, T0 + 66 * MIN, 1);
	mfm_buf_clear(&b);
	mfm_buf_adds(&b, "y");
	ck_assert_int_eq(mfm_hold_group(&o, r, &b, T0, T0 + 70 * MIN), 0);
	/* Without group_wait and group_interval nothing waits. */
	r->group_wait = r->group_interval = 0;
	ck_assert_int_eq(mfm_hold_group(&o, r, &a, T0 + 70 * MIN,
	    T0 + 70 * MIN), 0);
	ck_assert_int_eq(mfm_hold_group(&o, r, &a, T0 + 70 * MIN,
	    T0 + 70 * MIN), 0);
	mfm_buf_release(&a);
	mfm_buf_release(&b);
	mfm_outbox_close(&o, NULL);
	mfm_deliver_release(&d);
}
END_TEST

/* The entries of a set, as "0,2". */
static const char *
members(const struct mfm_hold_set *s)
{
	static char buf[128];
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < s->n; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%zu",
		    i > 0 ? "," : "", s->idx[i]);
	return buf;
}

/* The batch's next set at now: to r (NULL: none), of the entries want. */
static const struct mfm_hold_set *
expect(struct mfm_hold *h, int64_t now, const struct mfm_deliver_recv *r,
    const char *want)
{
	static struct mfm_hold_set s;

	ck_assert_int_eq(mfm_hold_next(h, now, &s), 1);
	ck_assert_ptr_eq(s.r, r);
	ck_assert_str_eq(members(&s), want);
	return &s;
}

START_TEST(test_batch)
{
	struct mfm_deliver d;
	struct mfm_deliver_recv *w, *p;
	struct mfm_outbox o;
	const struct mfm_hold_set *s;
	struct mfm_hold_set end;
	struct mfm_hold h;
	struct mfm_err err;

	mfm_deliver_init(&d);
	mfm_outbox_init(&o);
	group_by(receiver(&d, MFM_DELIVER_WEBHOOK, "w"), "rule");
	p = receiver(&d, MFM_DELIVER_PAGERDUTY, "p");
	w = &d.recv[0];		/* the add moved it */
	put(&o, "w", line("firing", "a", "1"), T0);		/* 0 */
	put(&o, "w", line("firing", "b", "2"), T0);		/* 1 */
	put(&o, "w", line("firing", "a", "3"), T0);		/* 2 */
	put(&o, "p", line("firing", "a", "4"), T0);		/* 3 */
	put(&o, "gone", line("firing", "a", "5"), T0);		/* 4 */
	put(&o, "w", line("resolved", "a", "6"), T0);		/* 5 */
	put(&o, "w", "{\"status\":\"firing\"}", T0);		/* 6 */
	put(&o, "w", line("firing", "a", "7"), T0);		/* 7 */
	put(&o, "p", line("firing", "a", "8"), T0);		/* 8 */
	/* Settled before the batch: not handed out. */
	ck_assert_int_eq(mfm_outbox_done(&o, 8, &err), 0);

	mfm_hold_start(&h, &d, &o, 0);
	s = expect(&h, T0, w, "0,2,7");
	ck_assert_int_eq(s->held, 0);
	ck_assert_ptr_eq(s->ev[1]->body.p, o.e[2].event);
	expect(&h, T0, w, "1");
	expect(&h, T0, p, "3");
	/* Its receiver is not configured any more. */
	expect(&h, T0, NULL, "4");
	/* Another status, another group. */
	expect(&h, T0, w, "5");
	/* An event that does not read. */
	expect(&h, T0, NULL, "6");
	/* Each entry once, though none was settled. */
	ck_assert_int_eq(mfm_hold_next(&h, T0, &end), 0);
	ck_assert_int_eq(mfm_hold_next(&h, T0, &end), 0);
	mfm_hold_release(&h);
	ck_assert_int_eq(o.e[0].settled, 0);

	/* A second batch: what the first settled is left out. */
	ck_assert_int_eq(mfm_outbox_done(&o, 0, &err), 0);
	ck_assert_int_eq(mfm_outbox_done(&o, 2, &err), 0);
	mfm_hold_start(&h, &d, &o, 0);
	expect(&h, T0, w, "1");
	expect(&h, T0, p, "3");
	expect(&h, T0, NULL, "4");
	expect(&h, T0, w, "5");
	expect(&h, T0, NULL, "6");
	expect(&h, T0, w, "7");
	ck_assert_int_eq(mfm_hold_next(&h, T0, &end), 0);
	mfm_hold_release(&h);
	mfm_outbox_close(&o, NULL);
	mfm_deliver_release(&d);
}
END_TEST

/* Whether the batch's next set is held; its members in *m. */
static int
next_held(struct mfm_hold *h, int64_t now, const char **m)
{
	struct mfm_hold_set s;

	ck_assert_int_eq(mfm_hold_next(h, now, &s), 1);
	*m = members(&s);
	return s.held;
}

START_TEST(test_batch_cron)
{
	struct mfm_deliver d;
	struct mfm_deliver_recv *w;
	struct mfm_outbox o;
	struct mfm_hold h;
	struct mfm_hold_set s;
	struct mfm_err err;
	const char *m;

	mfm_deliver_init(&d);
	mfm_outbox_init(&o);
	w = receiver(&d, MFM_DELIVER_WEBHOOK, "am");
	group_by(w, "rule");
	w->group_wait = 5 * MIN;
	w->group_interval = 60 * MIN;
	/* 12:00, two alerts: held for group_wait. */
	put(&o, "am", line("firing", "a", "1"), T0);
	put(&o, "am", line("firing", "a", "2"), T0);
	mfm_hold_start(&h, &d, &o, 1);
	ck_assert_int_eq(next_held(&h, T0, &m), 1);
	ck_assert_str_eq(m, "0,1");
	ck_assert_int_eq(mfm_hold_next(&h, T0, &s), 0);
	mfm_hold_release(&h);
	/* Without a state directory nothing is held. */
	mfm_hold_start(&h, &d, &o, 0);
	ck_assert_int_eq(next_held(&h, T0, &m), 0);
	mfm_hold_release(&h);
	/* 12:03, a third joins; still within group_wait of the first. */
	put(&o, "am", line("firing", "a", "3"), T0 + 3 * MIN);
	mfm_hold_start(&h, &d, &o, 1);
	ck_assert_int_eq(next_held(&h, T0 + 3 * MIN, &m), 1);
	ck_assert_str_eq(m, "0,1,2");
	mfm_hold_release(&h);
	/* 12:06: the three go. */
	mfm_hold_start(&h, &d, &o, 1);
	ck_assert_int_eq(next_held(&h, T0 + 6 * MIN, &m), 0);
	ck_assert_str_eq(m, "0,1,2");
	mfm_hold_release(&h);
	ck_assert_int_eq(mfm_outbox_done(&o, 0, &err), 0);
	ck_assert_int_eq(mfm_outbox_done(&o, 1, &err), 0);
	ck_assert_int_eq(mfm_outbox_done(&o, 2, &err), 0);
	/* 12:30, a fourth: within group_interval of 12:06. */
	put(&o, "am", line("firing", "a", "4"), T0 + 30 * MIN);
	mfm_hold_start(&h, &d, &o, 1);
	ck_assert_int_eq(next_held(&h, T0 + 30 * MIN, &m), 1);
	ck_assert_str_eq(m, "3");
	mfm_hold_release(&h);
	mfm_hold_start(&h, &d, &o, 1);
	ck_assert_int_eq(next_held(&h, T0 + 65 * MIN, &m), 1);
	mfm_hold_release(&h);
	/* 13:06: group_interval is over. */
	mfm_hold_start(&h, &d, &o, 1);
	ck_assert_int_eq(next_held(&h, T0 + 66 * MIN, &m), 0);
	ck_assert_str_eq(m, "3");
	mfm_hold_release(&h);
	mfm_outbox_close(&o, NULL);
	mfm_deliver_release(&d);
}
END_TEST

START_TEST(test_resend_told)
{
	struct mfm_deliver d;
	struct mfm_deliver_recv *r;
	struct mfm_outbox o;
	struct mfm_err err;
	struct event fire, res, pend;
	const struct mfm_deliver_event *ev[2];

	event_read(&fire, line("firing", "auc_low", "f1"));
	event_read(&res, line("resolved", "auc_low", "f1"));
	event_read(&pend, line("pending", "auc_low", "f1"));
	mfm_deliver_init(&d);
	mfm_outbox_init(&o);
	r = receiver(&d, MFM_DELIVER_ALERTMANAGER, "am");
	/* Told it fires: kept, with the time sent and the event. */
	ev[0] = &fire.ev;
	ck_assert_int_eq(mfm_hold_told(&o, r, ev, 1, T0, &err), 0);
	ck_assert_uint_eq(o.nalert, 1);
	ck_assert_str_eq(o.alert[0].receiver, "am");
	ck_assert_int_eq(o.alert[0].sent, T0);
	ck_assert_str_eq(o.alert[0].event, fire.line);
	/* Sent again once resend_delay (1m by default) has passed. */
	ck_assert_int_eq(mfm_hold_resend(&o, r, 0, T0 + MIN - 1), 0);
	ck_assert_int_eq(mfm_hold_resend(&o, r, 0, T0 + MIN), 1);
	/* Not while a notification of it is pending: that one is newer. */
	put(&o, "am", line("firing", "auc_low", "f1"), T0 + MIN);
	ck_assert_int_eq(mfm_hold_resend(&o, r, 0, T0 + 2 * MIN), 0);
	ck_assert_int_eq(mfm_outbox_done(&o, 0, &err), 0);
	ck_assert_int_eq(mfm_hold_resend(&o, r, 0, T0 + 2 * MIN), 1);
	/* A pending one to another receiver does not count. */
	put(&o, "other", line("firing", "auc_low", "f1"), T0 + MIN);
	ck_assert_int_eq(mfm_hold_resend(&o, r, 0, T0 + 2 * MIN), 1);
	/* Other statuses tell nothing; a resolution forgets it. */
	ev[0] = &pend.ev;
	ck_assert_int_eq(mfm_hold_told(&o, r, ev, 1, T0, &err), 0);
	ck_assert_uint_eq(o.nalert, 1);
	ev[0] = &fire.ev;
	ev[1] = &res.ev;
	ck_assert_int_eq(mfm_hold_told(&o, r, ev, 2, T0 + 3 * MIN, &err), 0);
	ck_assert_uint_eq(o.nalert, 0);
	mfm_outbox_close(&o, NULL);
	mfm_deliver_release(&d);
	event_release(&fire);
	event_release(&res);
	event_release(&pend);
}
END_TEST

Suite *suite_hold(void);

Suite *
suite_hold(void)
{
	Suite *s = suite_create("hold");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_repeat);
	tcase_add_test(tc, test_queued);
	tcase_add_test(tc, test_group_wait_interval);
	tcase_add_test(tc, test_batch);
	tcase_add_test(tc, test_batch_cron);
	tcase_add_test(tc, test_resend_told);
	suite_add_tcase(s, tc);
	return s;
}
