/*
 * Unit tests for alert series (lib/track.c): the state machine of for,
 * keep_firing_for and a clear threshold step by step; stale windows;
 * the cap on series; the baseline of the last K windows against values
 * computed by hand; a dump that loads back to the same states, and
 * loads that fail on a bad line.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/json.h"
#include "lib/rule.h"
#include "lib/track.h"

struct fixture {
	struct mfm_rule_set set;
	struct mfm_track t;
	struct mfm_rule_rec rec;
	struct mfm_json j;
	char line[512];
	int day;
};

static void
setup(struct fixture *f, const char *expr, size_t max)
{
	struct mfm_rule r;
	struct mfm_err err;

	memset(f, 0, sizeof(*f));
	mfm_rule_set_init(&f->set);
	ck_assert_int_eq(mfm_rule_parse(&r, expr, &err), 0);
	ck_assert_int_eq(mfm_rule_set_take(&f->set, &r, &err), 0);
	mfm_track_init(&f->t, &f->set, max);
	mfm_rule_rec_init(&f->rec);
	mfm_json_init(&f->j);
}

static void
teardown(struct fixture *f)
{
	mfm_json_release(&f->j);
	mfm_rule_rec_release(&f->rec);
	mfm_track_release(&f->t);
	mfm_rule_set_release(&f->set);
}

/* Evaluate auc = v for group g in window day; returns the status. */
static enum mfm_track_status
step(struct fixture *f, int day, const char *g, double v,
    struct mfm_track_result *res)
{
	struct mfm_err err;

	snprintf(f->line, sizeof(f->line), "{\"window\":{\"start\":"
	    "\"2026-11-%02dT00:00:00.000Z\"},\"group\":{\"g\":\"%s\"},"
	    "\"n\":100,\"metrics\":{\"auc\":%.17g}}", day, g, v);
	ck_assert_int_eq(mfm_json_parse(&f->j, f->line, strlen(f->line),
	    &err), 0);
	ck_assert_int_eq(mfm_rule_rec_load(&f->rec, &f->j, &err), 1);
	ck_assert_int_eq(mfm_track_eval(&f->t, 0, &f->rec, res, &err), 0);
	return res->status;
}

START_TEST(test_for_clear_keep)
{
	struct fixture f;
	struct mfm_track_result res;
	struct mfm_rule *r;

	setup(&f, "auc < 0.7", 10);
	r = &f.set.rule[0];
	r->for_n = 2;
	r->has_clear = 1;
	r->clear = 0.73;
	r->keep_firing = 1;
	ck_assert_int_eq(step(&f, 1, "a", 0.69, &res), MFM_TRACK_PENDING);
	ck_assert_uint_eq(res.count, 1);
	ck_assert_int_eq(step(&f, 2, "a", 0.71, &res), MFM_TRACK_INACTIVE);
	ck_assert_int_eq(step(&f, 3, "a", 0.69, &res), MFM_TRACK_PENDING);
	ck_assert_int_eq(step(&f, 4, "a", 0.60, &res), MFM_TRACK_FIRING);
	ck_assert(res.started);
	ck_assert_str_eq(res.since, "2026-11-04T00:00:00.000Z");
	/* In the band between 0.7 and 0.73: still firing, not started. */
	ck_assert_int_eq(step(&f, 5, "a", 0.72, &res), MFM_TRACK_FIRING);
	ck_assert(!res.started);
	/* Past 0.73 once: kept by keep_firing_for 1; twice: resolved. */
	ck_assert_int_eq(step(&f, 6, "a", 0.73, &res), MFM_TRACK_FIRING);
	ck_assert_uint_eq(res.count, 1);
	ck_assert_int_eq(step(&f, 7, "a", 0.72, &res), MFM_TRACK_FIRING);
	ck_assert_int_eq(step(&f, 8, "a", 0.80, &res), MFM_TRACK_FIRING);
	ck_assert_int_eq(step(&f, 9, "a", 0.80, &res), MFM_TRACK_RESOLVED);
	ck_assert_str_eq(res.since, "2026-11-04T00:00:00.000Z");
	/* Another group is another series. */
	ck_assert_int_eq(step(&f, 9, "b", 0.60, &res), MFM_TRACK_PENDING);
	ck_assert_int_eq(step(&f, 10, "a", 0.60, &res), MFM_TRACK_PENDING);
	ck_assert_int_eq(step(&f, 11, "a", 0.60, &res), MFM_TRACK_FIRING);
	ck_assert_uint_eq(r->nalerts, 2);
	ck_assert_uint_eq(r->nflaps, 1);
	ck_assert_uint_eq(r->nresolved, 1);
	teardown(&f);
}
END_TEST

START_TEST(test_stale_and_cap)
{
	struct fixture f;
	struct mfm_track_result res;
	struct mfm_err err;

	setup(&f, "auc < 0.7", 2);
	ck_assert_int_eq(step(&f, 5, "a", 0.6, &res), MFM_TRACK_FIRING);
	ck_assert_int_eq(step(&f, 5, "a", 0.9, &res), MFM_TRACK_SKIP);
	ck_assert(res.stale);
	ck_assert_int_eq(step(&f, 4, "a", 0.9, &res), MFM_TRACK_SKIP);
	ck_assert_uint_eq(f.t.nstale, 2);
	ck_assert_int_eq(step(&f, 6, "a", 0.9, &res), MFM_TRACK_RESOLVED);
	ck_assert_int_eq(step(&f, 1, "b", 0.9, &res), MFM_TRACK_INACTIVE);
	/* A third series passes the cap of two. */
	snprintf(f.line, sizeof(f.line), "{\"group\":{\"g\":\"c\"},"
	    "\"metrics\":{\"auc\":0.5}}");
	ck_assert_int_eq(mfm_json_parse(&f.j, f.line, strlen(f.line), &err),
	    0);
	ck_assert_int_eq(mfm_rule_rec_load(&f.rec, &f.j, &err), 1);
	ck_assert_int_eq(mfm_track_eval(&f.t, 0, &f.rec, &res, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	ck_assert_uint_eq(f.t.n, 2);
	teardown(&f);
}
END_TEST

START_TEST(test_baseline_last)
{
	static const double v[] = { 0.80, 0.82, 0.81, 0.70 };
	struct fixture f;
	struct mfm_track_result res;
	struct mfm_rule *r;
	double mean, sd;
	int i;

	setup(&f, "auc < -2", 10);
	r = &f.set.rule[0];
	r->base = MFM_RULE_BASE_LAST;
	r->base_last = 3;
	r->cmp = MFM_RULE_CMP_SIGMA;
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(step(&f, i + 1, "a", v[i], &res),
		    MFM_TRACK_INSUFFICIENT);
	ck_assert_int_eq(step(&f, 4, "a", v[3], &res), MFM_TRACK_FIRING);
	mean = (0.80 + 0.82 + 0.81) / 3;
	sd = sqrt(((0.80 - mean) * (0.80 - mean) + (0.82 - mean) *
	    (0.82 - mean) + (0.81 - mean) * (0.81 - mean)) / 2);
	ck_assert(fabs(res.base - mean) < 1e-12);
	ck_assert(fabs(res.threshold - (mean - 2 * sd)) < 1e-12);
	teardown(&f);
}
END_TEST

START_TEST(test_dump_load)
{
	struct fixture f, g;
	struct mfm_track_result res;
	struct mfm_buf a = MFM_BUF_INIT, b = MFM_BUF_INIT;
	struct mfm_err err;

	setup(&f, "auc < 0.7", 10);
	f.set.rule[0].for_n = 3;
	step(&f, 1, "a", 0.6, &res);
	step(&f, 2, "a", 0.6, &res);
	step(&f, 1, "b\\\"q", 0.6, &res);
	mfm_track_dump(&f.t, &a);
	setup(&g, "auc < 0.7", 10);
	g.set.rule[0].for_n = 3;
	ck_assert_int_eq(mfm_track_load(&g.t, a.p, a.len, &err), 0);
	mfm_track_dump(&g.t, &b);
	ck_assert_str_eq(a.p, b.p);
	/* The same series again: the later line wins, nothing is added. */
	ck_assert_int_eq(mfm_track_load(&g.t, a.p, a.len, &err), 0);
	ck_assert_uint_eq(g.t.n, 2);
	/* The loaded series goes on where it stopped: third window fires. */
	ck_assert_int_eq(step(&g, 3, "a", 0.6, &res), MFM_TRACK_FIRING);
	ck_assert_int_eq(step(&g, 1, "b\\\"q", 0.6, &res), MFM_TRACK_SKIP);
	teardown(&g);

	/* A rule no longer given: its series are dropped. */
	setup(&g, "auc < 0.8", 10);
	ck_assert_int_eq(mfm_track_load(&g.t, a.p, a.len, &err), 0);
	ck_assert_uint_eq(g.t.ndropped, 2);
	ck_assert_uint_eq(g.t.n, 0);
	teardown(&g);

	/* Bad lines: positioned. */
	setup(&g, "auc < 0.7", 10);
	mfm_buf_adds(&a, "{\"rule\":\"auc < 0.7\",\"group\":{},"
	    "\"state\":\"burning\"}\n");
	ck_assert_int_eq(mfm_track_load(&g.t, a.p, a.len, &err), -1);
	ck_assert_uint_eq(err.line, 3);
	ck_assert_int_eq(mfm_track_load(&g.t, "nope\n", 5, &err), -1);
	ck_assert_uint_eq(err.line, 1);
	/* JSON but not an object: said so (found by fuzz-threshold_state). */
	snprintf(err.msg, sizeof(err.msg), "stale");
	ck_assert_int_eq(mfm_track_load(&g.t, "0\n", 2, &err), -1);
	ck_assert_uint_eq(err.line, 1);
	ck_assert_str_eq(err.msg, "not a JSON object");
	teardown(&g);
	teardown(&f);
	mfm_buf_release(&a);
	mfm_buf_release(&b);
}
END_TEST

Suite *suite_track(void);

Suite *
suite_track(void)
{
	Suite *s = suite_create("track");
	TCase *tc = tcase_create("track");

	tcase_add_test(tc, test_for_clear_keep);
	tcase_add_test(tc, test_stale_and_cap);
	tcase_add_test(tc, test_baseline_last);
	tcase_add_test(tc, test_dump_load);
	suite_add_tcase(s, tc);
	return s;
}
