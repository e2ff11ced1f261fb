/*
 * Unit tests for routing, grouping and muting (lib/route.c): matchers on
 * the event's members and its group's, send_resolved, the statuses only
 * a matcher asks for, group keys, silences in their time range, and
 * inhibition by a firing critical alert of the same group.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/deliver.h"

#include "events.h"

#define T0 (INT64_C(1795694400) * 1000000)	/* 2026-11-26T12:00:00Z */

static void
match(struct mfm_deliver_match *m, size_t *n, const char *name,
    const char *value)
{
	m[*n].name = strdup(name);
	m[*n].value = strdup(value);
	(*n)++;
}

static struct mfm_deliver_recv *
receiver(struct mfm_deliver *d, enum mfm_deliver_type type)
{
	struct mfm_err err;
	struct mfm_deliver_recv *r = mfm_deliver_add(d, type, "r", &err);

	ck_assert_ptr_nonnull(r);
	return r;
}

static const char firing[] =
    "{\"status\":\"firing\",\"rule\":\"auc_low\",\"severity\":\"warning\","
    "\"metric\":\"auc\",\"group\":{\"model\":\"churn\",\"v\":2,"
    "\"seg\":\"a\\u00e9\"},\"fingerprint\":\"f1\",\"summary\":\"s\"}";

START_TEST(test_routes_match)
{
	static const struct {
		const char *name, *value;
		int takes;
	} cases[] = {
		{ "severity", "warning", 1 },
		{ "severity", "critical", 0 },
		{ "rule", "auc_low", 1 },
		{ "metric", "auc", 1 },
		{ "status", "firing", 1 },
		{ "model", "churn", 1 },
		{ "model", "churn ", 0 },
		{ "v", "2", 1 },		/* a number as written */
		{ "v", "2.0", 0 },
		{ "seg", "a\xc3\xa9", 1 },	/* unescaped */
		{ "absent", "", 1 },		/* a missing label is "" */
		{ "absent", "x", 0 },
	};
	struct mfm_deliver d;
	struct mfm_deliver_recv *r;
	struct event e;
	size_t i;

	event_read(&e, firing);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mfm_deliver_init(&d);
		r = receiver(&d, MFM_DELIVER_WEBHOOK);
		match(r->match, &r->nmatch, cases[i].name, cases[i].value);
		ck_assert_msg(mfm_deliver_routes(r, &e.ev) == cases[i].takes,
		    "%s=%s", cases[i].name, cases[i].value);
		mfm_deliver_release(&d);
	}
	/* Every matcher must hold. */
	mfm_deliver_init(&d);
	r = receiver(&d, MFM_DELIVER_WEBHOOK);
	ck_assert_int_eq(mfm_deliver_routes(r, &e.ev), 1);
	match(r->match, &r->nmatch, "model", "churn");
	match(r->match, &r->nmatch, "severity", "warning");
	ck_assert_int_eq(mfm_deliver_routes(r, &e.ev), 1);
	match(r->match, &r->nmatch, "rule", "other");
	ck_assert_int_eq(mfm_deliver_routes(r, &e.ev), 0);
	mfm_deliver_release(&d);
	event_release(&e);
}
END_TEST

START_TEST(test_routes_status)
{
	struct mfm_deliver d;
	struct mfm_deliver_recv *r;
	struct event res, pend;

	event_read(&res, "{\"status\":\"resolved\",\"rule\":\"r\","
	    "\"fingerprint\":\"f\",\"summary\":\"s\"}");
	event_read(&pend, "{\"status\":\"pending\",\"rule\":\"r\","
	    "\"fingerprint\":\"f\",\"summary\":\"s\"}");
	mfm_deliver_init(&d);
	r = receiver(&d, MFM_DELIVER_WEBHOOK);
	ck_assert_int_eq(mfm_deliver_routes(r, &res.ev), 1);
	r->send_resolved = 0;
	ck_assert_int_eq(mfm_deliver_routes(r, &res.ev), 0);
	/* pending, inactive, insufficient_data: only when a matcher asks. */
	ck_assert_int_eq(mfm_deliver_routes(r, &pend.ev), 0);
	match(r->match, &r->nmatch, "status", "pending");
	ck_assert_int_eq(mfm_deliver_routes(r, &pend.ev), 1);
	/* Never to PagerDuty, whose events are trigger and resolve. */
	r = receiver(&d, MFM_DELIVER_PAGERDUTY);
	match(r->match, &r->nmatch, "status", "pending");
	ck_assert_int_eq(mfm_deliver_routes(r, &pend.ev), 0);
	mfm_deliver_release(&d);
	event_release(&res);
	event_release(&pend);
}
END_TEST

START_TEST(test_group_key)
{
	struct mfm_buf k = MFM_BUF_INIT;
	struct mfm_deliver d;
	struct mfm_deliver_recv *r;
	struct event e;

	event_read(&e, firing);
	mfm_deliver_init(&d);
	r = receiver(&d, MFM_DELIVER_WEBHOOK);
	/* No group_by: the status alone. */
	mfm_deliver_group_key(r, &e.ev, &k);
	ck_assert_uint_eq(k.len, 6);
	ck_assert(memcmp(k.p, "firing", 6) == 0);
	r->group_by[r->ngroup_by++] = strdup("rule");
	r->group_by[r->ngroup_by++] = strdup("v");
	r->group_by[r->ngroup_by++] = strdup("absent");
	r->group_by[r->ngroup_by++] = strdup("seg");
	mfm_buf_clear(&k);
	mfm_deliver_group_key(r, &e.ev, &k);
	ck_assert_uint_eq(k.len, 21);
	ck_assert(memcmp(k.p, "firing\0auc_low\0" "2\0\0a\xc3\xa9", 21) == 0);
	mfm_buf_release(&k);
	mfm_deliver_release(&d);
	event_release(&e);
}
END_TEST

START_TEST(test_silenced)
{
	struct mfm_deliver d;
	struct mfm_deliver_silence *s;
	struct event e;

	event_read(&e, firing);
	mfm_deliver_init(&d);
	ck_assert_int_eq(mfm_deliver_silenced(&d, &e.ev, T0), 0);
	d.silence = calloc(2, sizeof(*d.silence));
	d.nsilence = 2;
	s = &d.silence[0];
	match(s->match, &s->nmatch, "model", "churn");
	match(s->match, &s->nmatch, "rule", "other");
	s->start = INT64_MIN;
	s->end = INT64_MAX;
	/* Every matcher of one silence must hold. */
	ck_assert_int_eq(mfm_deliver_silenced(&d, &e.ev, T0), 0);
	s = &d.silence[1];
	match(s->match, &s->nmatch, "model", "churn");
	s->start = T0;
	s->end = T0 + 3600 * INT64_C(1000000);
	/* [start, end) */
	ck_assert_int_eq(mfm_deliver_silenced(&d, &e.ev, T0 - 1), 0);
	ck_assert_int_eq(mfm_deliver_silenced(&d, &e.ev, T0), 1);
	ck_assert_int_eq(mfm_deliver_silenced(&d, &e.ev, s->end - 1), 1);
	ck_assert_int_eq(mfm_deliver_silenced(&d, &e.ev, s->end), 0);
	mfm_deliver_release(&d);
	event_release(&e);
}
END_TEST

static struct event *
ev_at(struct event *e, const char *status, const char *severity,
    const char *group)
{
	char line[256];

	snprintf(line, sizeof(line), "{\"status\":\"%s\",\"rule\":\"r\","
	    "\"severity\":\"%s\",\"group\":%s,\"fingerprint\":\"f\","
	    "\"summary\":\"s\"}", status, severity, group);
	event_read(e, line);
	return e;
}

START_TEST(test_inhibited)
{
	struct mfm_deliver d;
	struct event crit, warn, warn_b, res_warn, crit_res;

	ev_at(&crit, "firing", "critical", "{\"m\":\"a\"}");
	ev_at(&warn, "firing", "warning", "{\"m\":\"a\"}");
	ev_at(&warn_b, "firing", "warning", "{\"m\":\"b\"}");
	ev_at(&res_warn, "resolved", "warning", "{\"m\":\"a\"}");
	ev_at(&crit_res, "resolved", "critical", "{\"m\":\"a\"}");
	mfm_deliver_init(&d);
	ck_assert_int_eq(mfm_deliver_inhibited(&d, &warn.ev), 0);
	/* A firing critical alert is never muted, and mutes its group. */
	ck_assert_int_eq(mfm_deliver_inhibited(&d, &crit.ev), 0);
	ck_assert_int_eq(mfm_deliver_inhibited(&d, &warn.ev), 1);
	ck_assert_int_eq(mfm_deliver_inhibited(&d, &warn_b.ev), 0);
	/* A resolution is never muted: it closes what was sent. */
	ck_assert_int_eq(mfm_deliver_inhibited(&d, &res_warn.ev), 0);
	/* The critical one resolved: its group speaks again. */
	ck_assert_int_eq(mfm_deliver_inhibited(&d, &crit_res.ev), 0);
	ck_assert_int_eq(mfm_deliver_inhibited(&d, &warn.ev), 0);
	/* inhibit: false. */
	ck_assert_int_eq(mfm_deliver_inhibited(&d, &crit.ev), 0);
	d.inhibit = 0;
	ck_assert_int_eq(mfm_deliver_inhibited(&d, &warn.ev), 0);
	mfm_deliver_release(&d);
	event_release(&crit);
	event_release(&warn);
	event_release(&warn_b);
	event_release(&res_warn);
	event_release(&crit_res);
}
END_TEST

Suite *suite_route(void);

Suite *
suite_route(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_routes_match);
	tcase_add_test(tc, test_routes_status);
	tcase_add_test(tc, test_group_key);
	tcase_add_test(tc, test_silenced);
	tcase_add_test(tc, test_inhibited);
	suite_add_tcase(s, tc);
	return s;
}
