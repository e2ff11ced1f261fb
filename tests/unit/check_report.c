/*
 * Unit tests for mfm-report's data (lib/report.c): the latest revision
 * of a window and group wins whatever the order, provisional records
 * are replaced by later ones, events are shown per cell and rule by
 * revision, estimates and context survive a revision, bad records say
 * what is wrong, caps hold, and the view selects by time and sorts.
 */
#include <math.h>
#include <string.h>

#include <check.h>

#include "lib/report.h"
#include "lib/tm.h"

#define WIN(h) "\"window\":{\"start\":\"2026-11-22T" h ":00:00.000Z\"," \
	"\"end\":\"2026-11-22T" h ":59:59.000Z\"}"

static int
add(struct mfm_report *r, int (*fn)(struct mfm_report *,
    const struct mfm_json *, struct mfm_err *), const char *line,
    struct mfm_err *err)
{
	struct mfm_json j;
	int rc;

	mfm_json_init(&j);
	ck_assert_int_eq(mfm_json_parse(&j, line, strlen(line), err), 0);
	mfm_err_clear(err);
	rc = fn(r, &j, err);
	mfm_json_release(&j);
	return rc;
}

static void
ok(struct mfm_report *r, int (*fn)(struct mfm_report *,
    const struct mfm_json *, struct mfm_err *), const char *line)
{
	struct mfm_err err;

	ck_assert_msg(add(r, fn, line, &err) == 0, "%s: %s", line, err.msg);
}

static void
bad(struct mfm_report *r, int (*fn)(struct mfm_report *,
    const struct mfm_json *, struct mfm_err *), const char *line,
    const char *msg)
{
	struct mfm_err err;

	ck_assert_int_eq(add(r, fn, line, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_DATA);
	ck_assert_str_eq(err.msg, msg);
}

static void
prepare(struct mfm_report *r)
{
	struct mfm_err err;

	ck_assert_msg(mfm_report_prepare(r, NULL, NULL, NULL, NULL, &err) ==
	    0, "%s", err.msg);
}

/* The value of metric name in the cell shown at place i. */
static double
shown(const struct mfm_report *r, size_t i, const char *name)
{
	long m = mfm_report_metric(r, name);

	ck_assert_int_ge(m, 0);
	ck_assert_uint_lt(i, r->norder);
	return mfm_report_value(&r->cell[r->order[i]], (size_t)m);
}

START_TEST(test_revisions)
{
	struct mfm_report r;

	mfm_report_init(&r, 0, 0);
	/* Revision 2 read first; revision 1 and an unrevised one after. */
	ok(&r, mfm_report_add_metric, "{" WIN("01") ",\"revision\":2,"
	    "\"group\":{\"v\":\"a\"},\"n\":3,\"metrics\":{\"auc\":0.3}}");
	ok(&r, mfm_report_add_metric, "{" WIN("01") ",\"revision\":1,"
	    "\"group\":{\"v\":\"a\"},\"n\":2,\"metrics\":{\"auc\":0.2}}");
	ok(&r, mfm_report_add_metric, "{" WIN("01") ",\"group\":{\"v\":\"a\"},"
	    "\"n\":1,\"metrics\":{\"auc\":0.1}}");
	/* The same revision read later wins (a window written again). */
	ok(&r, mfm_report_add_metric, "{" WIN("00") ",\"group\":{\"v\":\"a\"},"
	    "\"provisional\":true,\"as_of\":\"2026-11-22T02:00:00Z\","
	    "\"n\":5,\"labelled\":1,\"metrics\":{\"auc\":0.5}}");
	ok(&r, mfm_report_add_metric, "{" WIN("00") ",\"group\":{\"v\":\"a\"},"
	    "\"n\":5,\"labelled\":5,\"positives\":2,\"negatives\":3,"
	    "\"metrics\":{\"auc\":0.6}}");
	prepare(&r);
	ck_assert_uint_eq(r.norder, 2);
	ck_assert_double_eq(shown(&r, 0, "auc"), 0.6);
	ck_assert_int_eq(r.cell[r.order[0]].provisional, 0);
	ck_assert_double_eq(r.cell[r.order[0]].positives, 2);
	ck_assert_double_eq(r.cell[r.order[0]].coverage, 1);
	ck_assert_double_eq(shown(&r, 1, "auc"), 0.3);
	ck_assert_int_eq(r.cell[r.order[1]].revision, 2);
	ck_assert(isnan(r.cell[r.order[1]].positives));
	ck_assert_uint_eq(r.nsuperseded, 3);
	mfm_report_release(&r);
}
END_TEST

START_TEST(test_provisional)
{
	struct mfm_report r;
	const struct mfm_report_cell *c;
	int64_t t;
	struct mfm_err err;

	mfm_report_init(&r, 0, 0);
	ok(&r, mfm_report_add_metric, "{" WIN("03") ",\"provisional\":true,"
	    "\"as_of\":\"2026-11-22T05:00:00.000Z\",\"n\":4,\"labelled\":1,"
	    "\"metrics\":{\"auc\":null}}");
	prepare(&r);
	c = &r.cell[r.order[0]];
	ck_assert_int_eq(c->provisional, 1);
	ck_assert_int_eq(mfm_tm_parse_rfc3339("2026-11-22T05:00:00Z", 20, &t,
	    &err), 0);
	ck_assert_int_eq(c->as_of, t);
	ck_assert(isnan(shown(&r, 0, "auc")));
	ck_assert_double_eq(c->coverage, 0.25);
	mfm_report_release(&r);
}
END_TEST

START_TEST(test_events)
{
	struct mfm_report r;
	size_t i, nshown = 0;

	mfm_report_init(&r, 0, 0);
	ok(&r, mfm_report_add_metric, "{" WIN("02") ",\"group\":{\"v\":\"a\"},"
	    "\"metrics\":{\"auc\":0.6}}");
	ok(&r, mfm_report_add_event, "{\"status\":\"resolved\",\"rule\":\"r\","
	    "\"metric\":\"auc\",\"value\":0.8,\"threshold\":0.7,"
	    "\"revision\":1," WIN("02") ",\"group\":{\"v\":\"a\"}}");
	ok(&r, mfm_report_add_event, "{\"status\":\"firing\",\"rule\":\"r\","
	    "\"metric\":\"auc\",\"value\":0.6,\"threshold\":0.7,"
	    WIN("02") ",\"group\":{\"v\":\"a\"},\"provisional\":true}");
	/* Other statuses of --all are passed over. */
	ok(&r, mfm_report_add_event, "{\"status\":\"pending\",\"rule\":\"r\","
	    "\"metric\":\"auc\"," WIN("02") "}");
	/* An event's context counts when no context record is given. */
	ok(&r, mfm_report_add_event, "{\"status\":\"firing\",\"rule\":\"s\","
	    "\"metric\":\"f1\",\"value\":0.1," WIN("02") ",\"group\":"
	    "{\"v\":\"a\"},\"context\":{\"top_drift\":[{\"feature\":\"x\","
	    "\"psi\":0.3}]}}");
	prepare(&r);
	ck_assert_uint_eq(r.nev, 3);
	ck_assert_uint_eq(r.nskipped, 1);
	for (i = 0; i < r.nev; i++) {
		if (!r.ev[i].shown)
			continue;
		nshown++;
		if (strcmp(r.rule[r.ev[i].rule].name, "r") == 0) {
			/* Revision 1 wins over the later revision 0. */
			ck_assert_int_eq(r.ev[i].status, MFM_REPORT_RESOLVED);
			ck_assert_int_eq(r.ev[i].revision, 1);
		}
	}
	ck_assert_uint_eq(nshown, 2);
	ck_assert_uint_eq(r.cell[r.order[0]].ndrift, 1);
	ck_assert_str_eq(r.cell[r.order[0]].drift[0].feature, "x");
	ck_assert_int_ge(mfm_report_metric(&r, "f1"), 0);
	ck_assert_int_eq(r.metric_in_records[mfm_report_metric(&r, "f1")], 0);
	mfm_report_release(&r);
}
END_TEST

START_TEST(test_context_and_estimates)
{
	struct mfm_report r;
	const struct mfm_report_cell *c;
	long m;

	mfm_report_init(&r, 0, 0);
	ok(&r, mfm_report_add_estimate, "{" WIN("04") ",\"group\":{},"
	    "\"n\":4,\"metrics\":{\"expected_auc\":0.83}}");
	ok(&r, mfm_report_add_context, "{" WIN("04") ",\"group\":{},"
	    "\"context\":{\"metric\":\"accuracy\",\"worst_slices\":[{\"slice\":"
	    "{\"c\":\"p\",\"t\":[null,2]},\"contribution\":-0.2,\"accuracy\":"
	    "0.25,\"reference_metric\":0.75}]}}");
	ok(&r, mfm_report_add_metric, "{" WIN("04") ",\"n\":4,"
	    "\"metrics\":{\"auc\":0.7}}");
	/* A revision keeps the estimate and the context. */
	ok(&r, mfm_report_add_metric, "{" WIN("04") ",\"revision\":1,"
	    "\"n\":5,\"metrics\":{\"auc\":0.72}}");
	prepare(&r);
	c = &r.cell[r.order[0]];
	m = mfm_report_metric(&r, "expected_auc");
	ck_assert_double_eq(mfm_report_value(c, (size_t)m), 0.83);
	ck_assert_int_eq(r.metric_estimated[m], 1);
	ck_assert_uint_eq(c->nslice, 1);
	ck_assert_str_eq(c->slice[0].slice, "c=p, t=<2");
	ck_assert_str_eq(c->slice[0].metric, "accuracy");
	ck_assert_double_eq(c->slice[0].ref, 0.75);
	ck_assert_double_eq(c->slice[0].cur, 0.25);
	ck_assert_double_eq(c->slice[0].contribution, -0.2);
	ck_assert_str_eq(r.grp[c->grp].pairs, "all");
	ck_assert_str_eq(r.group_header, "group");
	mfm_report_release(&r);
}
END_TEST

START_TEST(test_bad_records)
{
	struct mfm_report r;

	mfm_report_init(&r, 0, 0);
	bad(&r, mfm_report_add_metric, "{\"n\":1}",
	    "record has no 'metrics' object");
	bad(&r, mfm_report_add_metric, "{\"metrics\":{\"auc\":\"x\"}}",
	    "metric 'auc' is not a number");
	bad(&r, mfm_report_add_metric, "{\"window\":{\"start\":\"a\","
	    "\"end\":\"b\"},\"metrics\":{}}", "window start is not a time");
	bad(&r, mfm_report_add_metric, "{\"window\":{\"start\":"
	    "\"2026-11-22T00:00:00Z\",\"end\":\"2026-11-21T00:00:00Z\"},"
	    "\"metrics\":{}}", "window ends before it starts");
	bad(&r, mfm_report_add_metric, "{\"window\":3,\"metrics\":{}}",
	    "'window' is not an object");
	bad(&r, mfm_report_add_metric, "{\"group\":[],\"metrics\":{}}",
	    "'group' is not an object");
	bad(&r, mfm_report_add_metric, "{\"revision\":-1,\"metrics\":{}}",
	    "'revision' is not a whole number >= 0");
	bad(&r, mfm_report_add_metric, "{\"provisional\":1,\"metrics\":{}}",
	    "'provisional' is not true or false");
	bad(&r, mfm_report_add_metric, "{\"as_of\":\"now\",\"metrics\":{}}",
	    "'as_of' is not a time");
	bad(&r, mfm_report_add_metric, "{\"positives\":\"3\",\"metrics\":{}}",
	    "'positives' is not a number");
	bad(&r, mfm_report_add_metric, "{\"labels\":{\"coverage\":true},"
	    "\"metrics\":{}}", "'coverage' is not a number");
	bad(&r, mfm_report_add_event, "{\"rule\":\"r\"}",
	    "event has no 'status' string");
	bad(&r, mfm_report_add_event, "{\"status\":\"firing\",\"rule\":\"r\","
	    "\"metric\":\"auc\"}", "record has no 'window' object");
	bad(&r, mfm_report_add_context, "{" WIN("00") "}",
	    "record has no 'context' object");
	/* Nothing of the bad records was kept. */
	ck_assert_uint_eq(r.ncell, 0);
	ck_assert_uint_eq(r.nev, 0);
	mfm_report_release(&r);
}
END_TEST

START_TEST(test_caps)
{
	struct mfm_report r;
	struct mfm_err err;

	mfm_report_init(&r, 2, 1);
	ok(&r, mfm_report_add_metric, "{" WIN("00") ",\"metrics\":{}}");
	ok(&r, mfm_report_add_metric, "{" WIN("01") ",\"metrics\":{}}");
	ck_assert_int_eq(add(&r, mfm_report_add_metric, "{" WIN("02")
	    ",\"metrics\":{}}", &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	ck_assert_str_eq(err.msg,
	    "more than 2 windows and groups (--max-cells)");
	ok(&r, mfm_report_add_event, "{\"status\":\"firing\",\"rule\":\"r\","
	    "\"metric\":\"auc\"," WIN("00") "}");
	ck_assert_int_eq(add(&r, mfm_report_add_event, "{\"status\":"
	    "\"firing\",\"rule\":\"r\",\"metric\":\"auc\"," WIN("01") "}",
	    &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	mfm_report_release(&r);
}
END_TEST

START_TEST(test_metric_names_cap)
{
	struct mfm_report r;
	struct mfm_buf line = MFM_BUF_INIT;
	struct mfm_err err;
	int i;

	mfm_report_init(&r, 0, 0);
	mfm_buf_adds(&line, "{\"metrics\":{");
	for (i = 0; i <= MFM_REPORT_MAX_METRICS; i++)
		mfm_buf_addf(&line, "%s\"m%d\":1", i ? "," : "", i);
	mfm_buf_adds(&line, "}}");
	ck_assert_int_eq(add(&r, mfm_report_add_metric, line.p, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	mfm_buf_release(&line);
	mfm_report_release(&r);
}
END_TEST

START_TEST(test_range_and_order)
{
	struct mfm_report r;
	struct mfm_report_bound since = { MFM_REPORT_BACK, 0 };
	struct mfm_report_bound until = { MFM_REPORT_BACK, 0 };
	struct mfm_err err;
	static const char *const hours[] = { "03", "00", "02", "01" };
	struct mfm_buf line = MFM_BUF_INIT;
	size_t i;

	mfm_report_init(&r, 0, 0);
	for (i = 0; i < 4; i++) {
		mfm_buf_clear(&line);
		mfm_buf_addf(&line, "{\"window\":{\"start\":\"2026-11-22T%s:00:"
		    "00Z\",\"end\":\"2026-11-22T%s:59:59Z\"},\"group\":{\"v\":"
		    "\"%c\"},\"metrics\":{\"auc\":%zu}}", hours[i], hours[i],
		    i % 2 ? 'b' : 'a', i);
		ok(&r, mfm_report_add_metric, line.p);
	}
	ok(&r, mfm_report_add_metric, "{\"window\":{\"start\":\"2026-11-22T"
	    "01:00:00Z\",\"end\":\"2026-11-22T01:59:59Z\"},\"group\":{\"v\":"
	    "\"a\"},\"metrics\":{\"auc\":9}}");
	prepare(&r);
	ck_assert_uint_eq(r.norder, 5);
	/* By window start, then group. */
	ck_assert_double_eq(shown(&r, 0, "auc"), 1);
	ck_assert_double_eq(shown(&r, 1, "auc"), 9);
	ck_assert_double_eq(shown(&r, 2, "auc"), 3);
	ck_assert_double_eq(shown(&r, 4, "auc"), 0);
	ck_assert_str_eq(r.group_header, "v");
	ck_assert_uint_eq(r.nseries, 2);
	ck_assert_uint_eq(r.nclass, 1);
	ck_assert_uint_eq(r.cwin_n[0], 4);
	/* The last two hours: from the latest end back 2h. */
	since.us = 2 * 3600 * MFM_TM_US_PER_S;
	ck_assert_int_eq(mfm_report_prepare(&r, &since, NULL, NULL, NULL,
	    &err), 0);
	ck_assert_uint_eq(r.norder, 2);
	ck_assert_double_eq(shown(&r, 0, "auc"), 2);
	/* The hour before the last. */
	until.us = 3600 * MFM_TM_US_PER_S;
	ck_assert_int_eq(mfm_report_prepare(&r, &since, &until, NULL, NULL,
	    &err), 0);
	ck_assert_uint_eq(r.norder, 1);
	ck_assert_double_eq(shown(&r, 0, "auc"), 2);
	/* An instant; and nothing left is an error. */
	since.kind = MFM_REPORT_AT;
	ck_assert_int_eq(mfm_tm_parse_rfc3339("2026-11-23T00:00:00Z", 20,
	    &since.us, &err), 0);
	ck_assert_int_eq(mfm_report_prepare(&r, &since, NULL, NULL, NULL,
	    &err), -1);
	ck_assert_str_eq(err.msg, "no metric record in the time range");
	mfm_buf_release(&line);
	mfm_report_release(&r);
}
END_TEST

START_TEST(test_size_classes)
{
	struct mfm_report r;

	mfm_report_init(&r, 0, 0);
	/* Days of 23, 24 and 25 hours are one class; hours another. */
	ok(&r, mfm_report_add_metric, "{\"window\":{\"start\":\"2026-03-28T23:"
	    "00:00Z\",\"end\":\"2026-03-29T22:00:00Z\"},\"metrics\":{}}");
	ok(&r, mfm_report_add_metric, "{\"window\":{\"start\":\"2026-03-29T22:"
	    "00:00Z\",\"end\":\"2026-03-30T22:00:00Z\"},\"metrics\":{}}");
	ok(&r, mfm_report_add_metric, "{\"window\":{\"start\":\"2026-10-24T22:"
	    "00:00Z\",\"end\":\"2026-10-25T23:00:00Z\"},\"metrics\":{}}");
	ok(&r, mfm_report_add_metric, "{\"window\":{\"start\":\"2026-10-25T22:"
	    "00:00Z\",\"end\":\"2026-10-25T23:00:00Z\"},\"metrics\":{}}");
	ok(&r, mfm_report_add_metric, "{\"window\":{\"start\":\"2026-10-25T23:"
	    "00:00Z\",\"end\":\"2026-10-26T00:00:00Z\"},\"metrics\":{}}");
	prepare(&r);
	ck_assert_uint_eq(r.nclass, 2);
	ck_assert_uint_eq(r.class_len[0], 3600 * MFM_TM_US_PER_S);
	ck_assert_uint_eq(r.class_len[1], 24 * 3600 * MFM_TM_US_PER_S);
	ck_assert_uint_eq(r.cwin_n[0], 2);
	ck_assert_uint_eq(r.cwin_n[1], 3);
	ck_assert_uint_eq(r.nseries, 2);
	mfm_report_release(&r);
}
END_TEST

START_TEST(test_no_records)
{
	struct mfm_report r;
	struct mfm_err err;

	mfm_report_init(&r, 0, 0);
	ck_assert_int_eq(mfm_report_prepare(&r, NULL, NULL, NULL, NULL, &err),
	    -1);
	ck_assert_str_eq(err.msg, "no metric records");
	mfm_report_release(&r);
}
END_TEST

Suite *suite_report(void);

Suite *
suite_report(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_revisions);
	tcase_add_test(tc, test_provisional);
	tcase_add_test(tc, test_events);
	tcase_add_test(tc, test_context_and_estimates);
	tcase_add_test(tc, test_bad_records);
	tcase_add_test(tc, test_caps);
	tcase_add_test(tc, test_metric_names_cap);
	tcase_add_test(tc, test_range_and_order);
	tcase_add_test(tc, test_size_classes);
	tcase_add_test(tc, test_no_records);
	suite_add_tcase(s, tc);
	return s;
}
