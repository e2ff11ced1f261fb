/*
 * Unit tests for the Prometheus text pieces (lib/prom.c) and the export
 * of metric records (lib/export.c): names made valid, label values and
 * HELP texts escaped, timestamps in both formats, the Pushgateway's
 * path with base64url values, and which record of a series is written.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/export.h"
#include "lib/prom.h"

static char *
name(int label, const char *s)
{
	struct mfm_buf b = MFM_BUF_INIT;

	if (label)
		mfm_prom_label_name(&b, s, strlen(s));
	else
		mfm_prom_metric_name(&b, s, strlen(s));
	return mfm_buf_detach(&b);
}

START_TEST(test_names)
{
	static const struct {
		int label;
		const char *in, *out;
	} c[] = {
		{ 0, "auc", "auc" },
		{ 0, "f0.5-x", "f0_5_x" },
		{ 0, "9lives", "_9lives" },
		{ 0, "", "_" },
		{ 0, "a:b", "a_b" },
		{ 0, "caf\xc3\xa9", "caf__" },
		{ 1, "inputs.plan", "inputs_plan" },
		{ 1, "__name__", "group__name__" },
		{ 1, "_x", "_x" },
	};
	size_t i;
	char *s;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		s = name(c[i].label, c[i].in);
		ck_assert_str_eq(s, c[i].out);
		free(s);
	}
	ck_assert(mfm_prom_label_name_ok("model", 5));
	ck_assert(!mfm_prom_label_name_ok("__x", 3));
	ck_assert(!mfm_prom_label_name_ok("1x", 2));
	ck_assert(!mfm_prom_label_name_ok("a.b", 3));
	ck_assert(!mfm_prom_label_name_ok("", 0));
}
END_TEST

START_TEST(test_escapes)
{
	struct mfm_buf b = MFM_BUF_INIT;
	const char v[] = "a\"b\\c\nd\te \xe2\x98\x95";

	mfm_prom_label_value(&b, v, strlen(v));
	ck_assert_str_eq(b.p, "a\\\"b\\\\c\\nd\te \xe2\x98\x95");
	mfm_buf_clear(&b);
	mfm_prom_help(&b, v, strlen(v));
	ck_assert_str_eq(b.p, "a\"b\\\\c\\nd\te \xe2\x98\x95");
	mfm_buf_release(&b);
}
END_TEST

START_TEST(test_timestamps)
{
	struct mfm_buf b = MFM_BUF_INIT;

	mfm_prom_timestamp(&b, MFM_PROM_TEXT, INT64_C(1795392000123456));
	ck_assert_str_eq(b.p, "1795392000123");
	mfm_buf_clear(&b);
	mfm_prom_timestamp(&b, MFM_PROM_OPENMETRICS,
	    INT64_C(1795392000123456));
	ck_assert_str_eq(b.p, "1795392000.123");
	mfm_buf_clear(&b);
	mfm_prom_timestamp(&b, MFM_PROM_OPENMETRICS, INT64_C(1795392000000000));
	ck_assert_str_eq(b.p, "1795392000");
	mfm_buf_clear(&b);
	/* Before 1970: floored to the millisecond, then written. */
	mfm_prom_timestamp(&b, MFM_PROM_OPENMETRICS, INT64_C(-1500000));
	ck_assert_str_eq(b.p, "-1.500");
	mfm_buf_clear(&b);
	mfm_prom_timestamp(&b, MFM_PROM_TEXT, INT64_C(-1));
	ck_assert_str_eq(b.p, "-1");
	mfm_buf_release(&b);
}
END_TEST

START_TEST(test_push_path)
{
	struct mfm_export_label g[3] = {
		{ "model", "churn" },
		{ "team", "ml ops/\xc3\xa5" },
		{ "empty", "" },
	};
	struct mfm_buf b = MFM_BUF_INIT;

	mfm_export_push_path(&b, "mfm", g, 3);
	/* "ml ops/å" in base64url: bWwgb3BzL8Ol. */
	ck_assert_str_eq(b.p, "/metrics/job/mfm/model/churn/"
	    "team@base64/bWwgb3BzL8Ol/empty@base64/=");
	mfm_buf_clear(&b);
	mfm_export_push_path(&b, "a/b", NULL, 0);
	ck_assert_str_eq(b.p, "/metrics/job@base64/YS9i");
	mfm_buf_clear(&b);
	/* 0xfb 0xff: the URL-safe alphabet's '-' and '_'. */
	mfm_export_push_path(&b, "\xfb\xff", NULL, 0);
	ck_assert_str_eq(b.p, "/metrics/job@base64/-_8=");
	mfm_buf_release(&b);
}
END_TEST

/* The exposition of lines, one record each. */
static char *
export(int all, int prov, const char *const *lines, size_t n)
{
	struct mfm_export x;
	struct mfm_buf out = MFM_BUF_INIT;
	struct mfm_json j;
	struct mfm_err err;
	size_t i;

	mfm_export_init(&x);
	x.all = x.timestamps = all;
	x.provisional = prov;
	mfm_json_init(&j);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(mfm_json_parse(&j, lines[i],
		    strlen(lines[i]), &err), 0);
		ck_assert_int_ge(mfm_export_add(&x, &j, &err), 0);
	}
	mfm_export_write(&x, &out);
	mfm_json_release(&j);
	mfm_export_release(&x);
	return mfm_buf_detach(&out);
}

#define W(d) "\"window\":{\"start\":\"2026-11-" d "T00:00:00Z\"," \
	"\"end\":\"2026-11-" d "T12:00:00Z\"}"

START_TEST(test_latest)
{
	static const char *const in[] = {
		"{" W("22") ",\"group\":{\"m\":\"a\"},\"metrics\":{\"auc\":0.6}}",
		"{" W("22") ",\"revision\":2,\"metrics\":{\"auc\":0.62},"
		    "\"group\":{\"m\":\"a\"}}",
		"{" W("22") ",\"revision\":1,\"group\":{\"m\":\"a\"},"
		    "\"metrics\":{\"auc\":0.99}}",
		"{" W("21") ",\"revision\":5,\"group\":{\"m\":\"a\"},"
		    "\"metrics\":{\"auc\":0.1}}",
		"{" W("23") ",\"provisional\":true,\"group\":{\"m\":\"a\"},"
		    "\"metrics\":{\"auc\":0.4}}",
		"{" W("22") ",\"provisional\":true,\"group\":{\"m\":\"a\"},"
		    "\"metrics\":{\"auc\":0.3}}",
	};
	char *s;

	s = export(0, 0, in, 6);
	ck_assert_ptr_nonnull(strstr(s,
	    "\nmfm_auc{m=\"a\",window=\"12h\"} 0.62\n"));
	ck_assert_ptr_null(strstr(s, "provisional"));
	free(s);
	/* The later provisional window too; not the one a final beats. */
	s = export(0, 1, in, 6);
	ck_assert_ptr_nonnull(strstr(s,
	    "\nmfm_auc{m=\"a\",provisional=\"true\",window=\"12h\"} 0.4\n"));
	ck_assert_ptr_nonnull(strstr(s,
	    "\nmfm_auc{m=\"a\",window=\"12h\"} 0.62\n"));
	ck_assert_ptr_null(strstr(s, " 0.3\n"));
	free(s);
	/* Every window, at its end, the latest revision of each. */
	s = export(1, 0, in, 6);
	ck_assert_ptr_nonnull(strstr(s,
	    "\nmfm_auc{m=\"a\",window=\"12h\"} 0.1 1795262400000\n"
	    "mfm_auc{m=\"a\",window=\"12h\"} 0.62 1795348800000\n"));
	free(s);
}
END_TEST

/* A calendar day of 23 or 25 hours is "1d"; 22 hours are not. */
START_TEST(test_window_label)
{
	static const char *const in[] = {
		"{\"window\":{\"start\":\"2026-03-29T00:00:00+01:00\","
		    "\"end\":\"2026-03-30T00:00:00+02:00\"},\"metrics\":{}"
		    ",\"n\":1}",
		"{\"window\":{\"start\":\"2026-10-25T00:00:00+02:00\","
		    "\"end\":\"2026-10-26T00:00:00+01:00\"},\"group\":"
		    "{\"a\":1},\"n\":1,\"metrics\":{}}",
		"{\"window\":{\"start\":\"2026-10-25T00:00:00Z\","
		    "\"end\":\"2026-10-25T22:00:00Z\"},\"group\":"
		    "{\"a\":2},\"n\":1,\"metrics\":{}}",
	};
	char *s = export(0, 0, in, 3);

	ck_assert_ptr_nonnull(strstr(s, "mfm_records{window=\"1d\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(s,
	    "mfm_records{a=\"1\",window=\"1d\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(s,
	    "mfm_records{a=\"2\",window=\"22h\"} 1\n"));
	free(s);
}
END_TEST

START_TEST(test_cap)
{
	struct mfm_export x;
	struct mfm_json j;
	struct mfm_err err;
	const char *a = "{\"group\":{\"m\":1},\"metrics\":{}}";
	const char *b = "{\"group\":{\"m\":2},\"metrics\":{}}";

	mfm_export_init(&x);
	x.max_windows = 1;
	mfm_json_init(&j);
	ck_assert_int_eq(mfm_json_parse(&j, a, strlen(a), &err), 0);
	ck_assert_int_eq(mfm_export_add(&x, &j, &err), 0);
	/* The same series again is no new window. */
	ck_assert_int_eq(mfm_export_add(&x, &j, &err), 0);
	ck_assert_int_eq(mfm_json_parse(&j, b, strlen(b), &err), 0);
	ck_assert_int_eq(mfm_export_add(&x, &j, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	mfm_json_release(&j);
	mfm_export_release(&x);
}
END_TEST

Suite *suite_prom(void);

Suite *
suite_prom(void)
{
	Suite *s = suite_create("prom");
	TCase *tc = tcase_create("prom");

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_escapes);
	tcase_add_test(tc, test_timestamps);
	tcase_add_test(tc, test_push_path);
	tcase_add_test(tc, test_latest);
	tcase_add_test(tc, test_window_label);
	tcase_add_test(tc, test_cap);
	suite_add_tcase(s, tc);
	return s;
}
