/*
 * Unit tests for mfm-report's terminal view (lib/table.c): how values
 * and times are written, widths fitted to the columns given, colour
 * only when asked, alerts and provisional windows in the notes.
 */
#include <string.h>

#include <check.h>

#include "lib/table.h"
#include "lib/tm.h"

static void
add(struct mfm_report *r, int (*fn)(struct mfm_report *,
    const struct mfm_json *, struct mfm_err *), const char *line)
{
	struct mfm_json j;
	struct mfm_err err;

	mfm_json_init(&j);
	ck_assert_int_eq(mfm_json_parse(&j, line, strlen(line), &err), 0);
	ck_assert_msg(fn(r, &j, &err) == 0, "%s", err.msg);
	mfm_json_release(&j);
}

/* Three days of two groups, a drop and an alert on the last day. */
static void
load(struct mfm_report *r)
{
	static const char *const days[] = { "16", "17", "18" };
	struct mfm_buf line = MFM_BUF_INIT;
	struct mfm_err err;
	size_t d, g;

	mfm_report_init(r, 0, 0);
	for (d = 0; d < 3; d++) {
		for (g = 0; g < 2; g++) {
			mfm_buf_clear(&line);
			mfm_buf_addf(&line, "{\"window\":{\"start\":\"2026-11-%sT"
			    "00:00:00Z\",\"end\":\"2026-11-%02dT00:00:00Z\"},"
			    "\"group\":{\"model_version\":\"%s\"},\"n\":%zu,"
			    "\"labelled\":%zu,%s\"metrics\":{\"auc\":%s,"
			    "\"accuracy\":0.8}}", days[d], 17 + (int)d,
			    g ? "1.5.0-canary" : "1.4.0", 300 + d * 10 + g,
			    280 + d, d == 2 && g == 1 ?
			    "\"provisional\":true,\"as_of\":\"2026-11-19T06:00:"
			    "00Z\"," : "", d == 2 ? (g ? "0.61" : "0.62") :
			    (g ? "0.85" : "0.84"));
			add(r, mfm_report_add_metric, line.p);
		}
	}
	add(r, mfm_report_add_event, "{\"status\":\"firing\",\"rule\":"
	    "\"auc_low\",\"metric\":\"auc\",\"value\":0.62,\"threshold\":0.7,"
	    "\"window\":{\"start\":\"2026-11-18T00:00:00Z\",\"end\":"
	    "\"2026-11-19T00:00:00Z\"},\"group\":{\"model_version\":"
	    "\"1.4.0\"}}");
	ck_assert_int_eq(mfm_report_prepare(r, NULL, NULL, NULL, NULL, &err),
	    0);
	mfm_buf_release(&line);
}

static void
render(struct mfm_buf *out, const struct mfm_report *r, size_t width,
    int colour)
{
	static const size_t metrics[] = { 0, 1 };
	struct mfm_table_opts o;

	memset(&o, 0, sizeof(o));
	o.metrics = metrics;
	o.nmetric = 2;
	o.width = width;
	o.colour = colour;
	o.tzname = "UTC";
	mfm_buf_clear(out);
	mfm_table_render(out, r, &o);
}

START_TEST(test_values)
{
	char t[32];

	mfm_table_value(0.84227, t);
	ck_assert_str_eq(t, "0.842");
	mfm_table_value(350, t);
	ck_assert_str_eq(t, "350");
	mfm_table_value(-0.0, t);
	ck_assert_str_eq(t, "0");
	mfm_table_value(0.0000123, t);
	ck_assert_str_eq(t, "1.23e-05");
	mfm_table_value(123456.7, t);
	ck_assert_str_eq(t, "1.235e+05");
	mfm_table_value(0.0 / 0.0, t);
	ck_assert_str_eq(t, "-");
}
END_TEST

START_TEST(test_times)
{
	char t[32];
	int64_t us;
	struct mfm_err err;

	ck_assert_int_eq(mfm_tm_parse_rfc3339("2026-11-16T23:30:00Z", 20, &us,
	    &err), 0);
	mfm_table_time(us, 0, 1, t);
	ck_assert_str_eq(t, "2026-11-16");
	mfm_table_time(us, 0, 0, t);
	ck_assert_str_eq(t, "2026-11-16 23:30");
	/* An hour east of UTC it is the next day. */
	mfm_table_time(us, 3600, 0, t);
	ck_assert_str_eq(t, "2026-11-17 00:30");
	mfm_table_time(us + 5 * MFM_TM_US_PER_S, -3600, 0, t);
	ck_assert_str_eq(t, "2026-11-16 22:30:05");
	ck_assert_uint_eq(mfm_table_width("a\u2588b", strlen("a\u2588b")), 3);
}
END_TEST

START_TEST(test_plain)
{
	static const char *const want[] = {
	    "auc, accuracy per window (UTC) and model_version: 3 windows, 2 groups, 1 firing, 1 provisional",
	    "window      model_version    n  labelled   cov  auc           accuracy         notes",
	    "2026-11-16  1.4.0          300       280   93%  0.840 \u2588\u2588\u2588\u2588\u2588\u258a     0.800 \u2588\u2588\u2588\u2588\u2588\u2588",
	    "2026-11-16  1.5.0-canary   301       280   93%  0.850 \u2588\u2588\u2588\u2588\u2588\u2588     0.800 \u2588\u2588\u2588\u2588\u2588\u2588",
	    "2026-11-17  1.4.0          310       281   91%  0.840 \u2588\u2588\u2588\u2588\u2588\u258a     0.800 \u2588\u2588\u2588\u2588\u2588\u2588",
	    "2026-11-17  1.5.0-canary   311       281   90%  0.850 \u2588\u2588\u2588\u2588\u2588\u2588     0.800 \u2588\u2588\u2588\u2588\u2588\u2588",
	    "2026-11-18  1.4.0          320       282   88%  0.620 \u258d          0.800 \u2588\u2588\u2588\u2588\u2588\u2588  FIRING auc_low",
	    "2026-11-18  1.5.0-canary   321       282   88%  0.610 \u258f          0.800 \u2588\u2588\u2588\u2588\u2588\u2588  provisional as of 11\u2026",
	    "",
	    "auc       1.4.0         \u2588\u2588\u2581  0.840 .. 0.620, 1 firing",
	    "          1.5.0-canary  \u2588\u2588\u2581  0.850 .. 0.610",
	    "accuracy  1.4.0         \u2584\u2584\u2584  0.800 .. 0.800",
	    "          1.5.0-canary  \u2584\u2584\u2584  0.800 .. 0.800",
	};
	struct mfm_report r;
	struct mfm_buf out = MFM_BUF_INIT;
	const char *p = NULL, *nl;
	size_t i;

	load(&r);
	render(&out, &r, 100, 0);
	for (i = 0, p = out.p; i < sizeof(want) / sizeof(want[0]); i++) {
		nl = strchr(p, '\n');
		ck_assert_ptr_nonnull(nl);
		ck_assert_msg(strlen(want[i]) == (size_t)(nl - p) &&
		    memcmp(want[i], p, (size_t)(nl - p)) == 0,
		    "line %zu: '%.*s'", i + 1, (int)(nl - p), p);
		p = nl + 1;
	}
	ck_assert_str_eq(p, "");
	ck_assert_ptr_null(strchr(out.p, '\033'));
	mfm_buf_release(&out);
	mfm_report_release(&r);
}
END_TEST

START_TEST(test_colour)
{
	struct mfm_report r;
	struct mfm_buf out = MFM_BUF_INIT;

	load(&r);
	render(&out, &r, 100, 1);
	/* Bold headers, the alert red, the provisional row dim. */
	ck_assert_ptr_nonnull(strstr(out.p, "\033[1mwindow"));
	ck_assert_ptr_nonnull(strstr(out.p, "\033[1;31mFIRING auc_low\033[0m"));
	ck_assert_ptr_nonnull(strstr(out.p, "\033[2m2026-11-18  1.5.0-canary"));
	ck_assert_ptr_nonnull(strstr(out.p, "\033[1;31m0.620"));
	mfm_buf_release(&out);
	mfm_report_release(&r);
}
END_TEST

/* Every line fits the width it was given, bars and metrics giving way. */
START_TEST(test_widths)
{
	struct mfm_report r;
	struct mfm_buf out = MFM_BUF_INIT;
	size_t width;

	load(&r);
	for (width = 60; width <= 200; width += 7) {
		const char *p, *nl;

		render(&out, &r, width, 0);
		for (p = out.p; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
			ck_assert_msg(mfm_table_width(p, (size_t)(nl - p)) <=
			    width, "width %zu: '%.*s'", width, (int)(nl - p), p);
	}
	/* At 60 columns one metric goes, and the title says so. */
	render(&out, &r, 60, 0);
	ck_assert_ptr_nonnull(strstr(out.p, "auc (not shown, too narrow: "
	    "accuracy) per window (UTC) and \u2026\n"));
	ck_assert_ptr_null(strstr(out.p, "  accuracy\n"));
	ck_assert_ptr_null(strstr(out.p, "\u2588 "));
	render(&out, &r, 200, 0);
	ck_assert_ptr_nonnull(strstr(out.p, "\u2588\u2588\u2588\u2588\u2588"
	    "\u2588\u2588\u2588\u2588\u2588"));
	mfm_buf_release(&out);
	mfm_report_release(&r);
}
END_TEST

Suite *suite_table(void);

Suite *
suite_table(void)
{
	Suite *s = suite_create("table");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_times);
	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_colour);
	tcase_add_test(tc, test_widths);
	suite_add_tcase(s, tc);
	return s;
}
