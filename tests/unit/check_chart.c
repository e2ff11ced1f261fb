/*
 * Unit tests for mfm-report's charts (lib/chart.c) and page
 * (lib/page.c): round value steps, time ticks at round local times,
 * escaping, one line per series, marks and spans, a bounded size for
 * 10,000 windows, and a page that fetches nothing.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/chart.h"
#include "lib/page.h"
#include "lib/tm.h"
#include "lib/tz.h"

static int64_t
at(const char *s)
{
	struct mfm_err err;
	int64_t us;

	ck_assert_int_eq(mfm_tm_parse_rfc3339(s, strlen(s), &us, &err), 0);
	return us;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

START_TEST(test_nice)
{
	double first, step;
	int n;

	step = mfm_chart_nice(0.55, 0.9, 5, &first, &n);
	ck_assert_double_eq_tol(step, 0.05, 1e-12);
	ck_assert_double_eq_tol(first, 0.55, 1e-12);
	ck_assert_int_eq(n, 8);
	step = mfm_chart_nice(0, 1, 5, &first, &n);
	ck_assert_double_eq_tol(step, 0.2, 1e-12);
	ck_assert_int_eq(n, 6);
	step = mfm_chart_nice(-3, 120, 5, &first, &n);
	ck_assert_double_eq(step, 20);
	ck_assert_double_eq(first, 0);
	ck_assert_int_eq(n, 7);
}
END_TEST

START_TEST(test_ticks_utc)
{
	int64_t t[16];
	char l[16][32];
	size_t n;

	/* A week: every other day (even days since 1970), at midnight. */
	n = mfm_chart_time_ticks(at("2026-11-16T00:00:00Z"),
	    at("2026-11-23T00:00:00Z"), 7, 0, NULL, NULL, t, l);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(l[0], "2026-11-17");
	ck_assert_str_eq(l[3], "2026-11-23");
	ck_assert_int_eq(t[1], at("2026-11-19T00:00:00Z"));
	n = mfm_chart_time_ticks(at("2026-11-16T00:00:00Z"),
	    at("2026-11-23T00:00:00Z"), 8, 0, NULL, NULL, t, l);
	ck_assert_uint_eq(n, 8);
	ck_assert_str_eq(l[0], "2026-11-16");
	/* No ticks closer than the windows. */
	n = mfm_chart_time_ticks(at("2026-11-16T00:00:00Z"),
	    at("2026-11-19T00:00:00Z"), 8, 86400 * MFM_TM_US_PER_S, NULL,
	    NULL, t, l);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(l[1], "2026-11-17");
	/* Six hours: hours, the date where it changes. */
	n = mfm_chart_time_ticks(at("2026-11-22T21:30:00Z"),
	    at("2026-11-23T02:10:00Z"), 8, 0, NULL, NULL, t, l);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(l[0], "11-22 22:00");
	ck_assert_str_eq(l[1], "23:00");
	ck_assert_str_eq(l[2], "11-23 00:00");
	ck_assert_str_eq(l[4], "02:00");
	/* Two years: half years; sixteen: two years. */
	n = mfm_chart_time_ticks(at("2025-01-10T00:00:00Z"),
	    at("2026-12-20T00:00:00Z"), 8, 0, NULL, NULL, t, l);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(l[0], "2025-07");
	ck_assert_int_eq(t[0], at("2025-07-01T00:00:00Z"));
	ck_assert_str_eq(l[1], "2026-01");
	n = mfm_chart_time_ticks(at("2010-01-10T00:00:00Z"),
	    at("2026-12-20T00:00:00Z"), 8, 0, NULL, NULL, t, l);
	ck_assert_str_eq(l[0], "2015");
	ck_assert_str_eq(l[2], "2025");
	ck_assert_uint_eq(n, 3);
	/* Weeks start on Monday (2026-11-16 is one); here every other. */
	n = mfm_chart_time_ticks(at("2026-10-01T00:00:00Z"),
	    at("2026-12-20T00:00:00Z"), 8, 0, NULL, NULL, t, l);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(l[0], "2026-10-12");
	ck_assert_str_eq(l[3], "2026-11-23");
	n = mfm_chart_time_ticks(at("2026-10-01T00:00:00Z"),
	    at("2026-11-20T00:00:00Z"), 8, 0, NULL, NULL, t, l);
	ck_assert_uint_eq(n, 7);
	ck_assert_str_eq(l[0], "2026-10-05");
	ck_assert_str_eq(l[6], "2026-11-16");
}
END_TEST

static int32_t
offset(const void *tz, int64_t us)
{
	return mfm_tz_offset(tz, us, NULL);
}

START_TEST(test_ticks_zone)
{
	struct mfm_tz tz;
	struct mfm_err err;
	int64_t t[16];
	char l[16][32];
	size_t n;

	mfm_tz_init(&tz);
	ck_assert_int_eq(mfm_tz_load(&tz, NULL, "Europe/Paris", &err), 0);
	/* Local midnights across the switch to summer time. */
	n = mfm_chart_time_ticks(at("2026-03-27T00:00:00Z"),
	    at("2026-03-31T00:00:00Z"), 8, 0, offset, &tz, t, l);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(l[0], "2026-03-28");
	ck_assert_int_eq(t[0], at("2026-03-27T23:00:00Z"));
	ck_assert_int_eq(t[1], at("2026-03-28T23:00:00Z"));
	ck_assert_str_eq(l[2], "2026-03-30");
	ck_assert_int_eq(t[2], at("2026-03-29T22:00:00Z"));
	mfm_tz_release(&tz);
}
END_TEST

START_TEST(test_escape)
{
	struct mfm_buf b = MFM_BUF_INIT;

	mfm_chart_escape(&b, "a<b>&\"c'\x01\xc3\xa9", 11);
	ck_assert_str_eq(b.p, "a&lt;b&gt;&amp;&quot;c&#39;\xef\xbf\xbd\xc3\xa9");
	mfm_buf_release(&b);
}
END_TEST

START_TEST(test_chart)
{
	int64_t x[3], tx[1];
	double y1[3] = { 0.8, NAN, 0.6 }, y2[3] = { 0.85, 0.84, 0.83 };
	double ty[1] = { 0.7 };
	unsigned char prov[3] = { 0, 0, 1 };
	struct mfm_chart_series s[2];
	struct mfm_chart_mark mk = { 0, 0.6, 0, MFM_CHART_FIRING, "a < b" };
	struct mfm_chart_threshold th = { "auc < 0.7", 1, tx, ty };
	struct mfm_chart_span sp;
	struct mfm_chart c;
	struct mfm_buf b = MFM_BUF_INIT;
	int i;

	for (i = 0; i < 3; i++)
		x[i] = at("2026-11-16T12:00:00Z") + i * 86400 * MFM_TM_US_PER_S;
	tx[0] = x[2];
	mk.x = x[2];
	memset(s, 0, sizeof(s));
	s[0].label = "1.4.0";
	s[0].n = 3;
	s[0].x = x;
	s[0].y = y1;
	s[0].prov = prov;
	s[1].label = "<canary>";
	s[1].colour = 1;
	s[1].n = 3;
	s[1].x = x;
	s[1].y = y2;
	sp.from = at("2026-11-18T00:00:00Z");
	sp.to = at("2026-11-19T00:00:00Z");
	memset(&c, 0, sizeof(c));
	c.id = "auc";
	c.title = "auc";
	c.standalone = 1;
	c.x0 = at("2026-11-16T00:00:00Z");
	c.x1 = at("2026-11-19T00:00:00Z");
	c.step = 86400 * MFM_TM_US_PER_S;
	c.series = s;
	c.nseries = 2;
	c.marks = &mk;
	c.nmarks = 1;
	c.thresholds = &th;
	c.nthresholds = 1;
	c.spans = &sp;
	c.nspans = 1;
	mfm_chart_svg(&b, &c);
	ck_assert_ptr_eq(strstr(b.p, "<?xml version=\"1.0\""), b.p);
	ck_assert_uint_eq(count(b.p, "class=\"series\""), 2);
	ck_assert_uint_eq(count(b.p, "class=\"alert-firing\""), 1);
	ck_assert_uint_eq(count(b.p, "class=\"provisional\""), 1);
	ck_assert_uint_eq(count(b.p, "class=\"provisional-point\""), 1);
	ck_assert_uint_eq(count(b.p, "class=\"threshold\""), 1);
	ck_assert_ptr_nonnull(strstr(b.p, "&lt;canary&gt;"));
	/* The gap: the first line starts twice. */
	ck_assert_ptr_nonnull(strstr(b.p, "data-group=\"1.4.0\""));
	{
		const char *p = strstr(b.p, "data-group=\"1.4.0\"");
		const char *d = strstr(p, " d=\"");
		const char *e = strchr(d + 4, '"');
		size_t moves = 0;

		for (; d < e; d++)
			moves += *d == 'M';
		ck_assert_uint_eq(moves, 2);
	}
	ck_assert_str_eq(b.p + b.len - 7, "</svg>\n");
	mfm_buf_release(&b);
}
END_TEST

/* 10,000 windows of 5 groups: spans, not points, and a small page. */
START_TEST(test_many_windows)
{
	struct mfm_report r;
	struct mfm_page_opts o;
	struct mfm_buf line = MFM_BUF_INIT, out = MFM_BUF_INIT;
	struct mfm_json j;
	struct mfm_err err;
	size_t i, g, metric = 0;
	int64_t t0 = at("2026-01-01T00:00:00Z");

	mfm_report_init(&r, 0, 0);
	mfm_json_init(&j);
	for (i = 0; i < 10000; i++) {
		for (g = 0; g < 5; g++) {
			char s[32], e[32];

			mfm_tm_format_rfc3339(t0 + (int64_t)i * 3600 *
			    MFM_TM_US_PER_S, s);
			mfm_tm_format_rfc3339(t0 + (int64_t)(i + 1) * 3600 *
			    MFM_TM_US_PER_S, e);
			mfm_buf_clear(&line);
			mfm_buf_addf(&line, "{\"window\":{\"start\":\"%s\","
			    "\"end\":\"%s\"},\"group\":{\"g\":%zu},\"n\":100,"
			    "\"labelled\":90,\"labels\":{\"coverage\":0.9,"
			    "\"delay_p50\":60,\"delay_p95\":600},"
			    "\"metrics\":{\"auc\":%.4f}}", s, e, g,
			    0.8 + 0.05 * sin((double)i / 50 + (double)g));
			ck_assert_int_eq(mfm_json_parse(&j, line.p, line.len,
			    &err), 0);
			ck_assert_int_eq(mfm_report_add_metric(&r, &j, &err),
			    0);
			if (i % 100 == 7 && g == 2) {
				mfm_buf_clear(&line);
				mfm_buf_addf(&line, "{\"status\":\"firing\","
				    "\"rule\":\"r\",\"metric\":\"auc\",\"value\""
				    ":0.5,\"threshold\":0.7,\"window\":{\"start"
				    "\":\"%s\",\"end\":\"%s\"},\"group\":"
				    "{\"g\":2}}", s, e);
				ck_assert_int_eq(mfm_json_parse(&j, line.p,
				    line.len, &err), 0);
				ck_assert_int_eq(mfm_report_add_event(&r, &j,
				    &err), 0);
			}
		}
	}
	ck_assert_int_eq(mfm_report_prepare(&r, NULL, NULL, NULL, NULL, &err),
	    0);
	memset(&o, 0, sizeof(o));
	o.metrics = &metric;
	o.nmetric = 1;
	o.tzname = "UTC";
	mfm_page_html(&out, &r, &o);
	ck_assert_uint_lt(out.len, 2u << 20);
	/*
	 * One line per group on the metric's and the coverage chart, two
	 * on the delay chart; a band for each.
	 */
	ck_assert_uint_eq(count(out.p, "class=\"series\""), 5 + 5);
	ck_assert_uint_eq(count(out.p, "class=\"delay\""), 10);
	ck_assert_uint_eq(count(out.p, "class=\"band\""), 5 * 4);
	/* 100 alerts, at most one mark per span of the chart. */
	ck_assert_uint_le(count(out.p, "class=\"alert-firing\""), 100);
	ck_assert_uint_ge(count(out.p, "class=\"alert-firing\""), 90);
	ck_assert_uint_eq(count(out.p, "r=\"2.6\""), 0);
	/* Nothing to fetch: no script, no link, no image, no URL but SVG's. */
	ck_assert_uint_eq(count(out.p, "<script"), 0);
	ck_assert_uint_eq(count(out.p, "<link"), 0);
	ck_assert_uint_eq(count(out.p, "<img"), 0);
	ck_assert_uint_eq(count(out.p, "url("), 0);
	ck_assert_uint_eq(count(out.p, "http"), count(out.p,
	    "xmlns=\"http://www.w3.org/2000/svg\""));
	mfm_buf_release(&out);
	mfm_buf_release(&line);
	mfm_json_release(&j);
	mfm_report_release(&r);
}
END_TEST

Suite *suite_chart(void);

Suite *
suite_chart(void)
{
	Suite *s = suite_create("chart");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_nice);
	tcase_add_test(tc, test_ticks_utc);
	tcase_add_test(tc, test_ticks_zone);
	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_chart);
	tcase_add_test(tc, test_many_windows);
	suite_add_tcase(s, tc);
	return s;
}
