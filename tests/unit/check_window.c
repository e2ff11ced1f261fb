/*
 * Unit tests for tumbling windows (lib/window.c) and typed field reads
 * (lib/field.c).
 */
#include <string.h>

#include <check.h>

#include "lib/field.h"
#include "lib/window.h"

#define S MFM_TM_US_PER_S

START_TEST(test_start)
{
	struct mfm_window day = { 86400 * S, 0 };
	struct mfm_window shifted = { 86400 * S, 2 * 3600 * S };

	ck_assert_int_eq(mfm_window_start(&day, 0), 0);
	ck_assert_int_eq(mfm_window_start(&day, 86400 * S - 1), 0);
	ck_assert_int_eq(mfm_window_start(&day, 86400 * S), 86400 * S);
	/* Before the epoch the division floors. */
	ck_assert_int_eq(mfm_window_start(&day, -1), -86400 * S);
	ck_assert_int_eq(mfm_window_start(&day, -86400 * S), -86400 * S);
	ck_assert_int_eq(mfm_window_start(&shifted, 2 * 3600 * S - 1),
	    (2 - 24) * 3600 * S);
	ck_assert_int_eq(mfm_window_start(&shifted, 2 * 3600 * S),
	    2 * 3600 * S);
}
END_TEST

START_TEST(test_put)
{
	struct mfm_buf b = MFM_BUF_INIT;

	mfm_window_put(&b, 0, 3600 * S);
	ck_assert_str_eq(b.p, "{\"start\":\"1970-01-01T00:00:00.000Z\","
	    "\"end\":\"1970-01-01T01:00:00.000Z\"}");
	mfm_buf_release(&b);
}
END_TEST

/* mfm_field_time on the member "t" of line. */
static int
field_time(const char *line, enum mfm_tm_unit unit, int64_t *us,
    struct mfm_err *err)
{
	struct mfm_json j;
	struct mfm_json_path p;
	int rc;

	mfm_json_init(&j);
	ck_assert_int_eq(mfm_json_parse(&j, line, strlen(line), err), 0);
	ck_assert_int_eq(mfm_json_path_parse(&p, "t", err), 0);
	rc = mfm_field_time(&j, &p, unit, us, err);
	mfm_json_path_release(&p);
	mfm_json_release(&j);
	return rc;
}

START_TEST(test_field_time)
{
	struct mfm_err err;
	int64_t us = 42;

	ck_assert_int_eq(field_time("{\"t\":\"1970-01-01T00:00:01Z\"}",
	    MFM_TM_AUTO, &us, &err), 1);
	ck_assert_int_eq(us, S);
	ck_assert_int_eq(field_time("{\"t\":1500}", MFM_TM_MS, &us, &err), 1);
	ck_assert_int_eq(us, 1500000);
	ck_assert_int_eq(field_time("{\"t\":1763812800123}", MFM_TM_AUTO, &us,
	    &err), 1);
	ck_assert_int_eq(us, INT64_C(1763812800123000));
	ck_assert_int_eq(field_time("{\"x\":1}", MFM_TM_AUTO, &us, &err), 0);
	ck_assert_int_eq(field_time("{\"t\":null}", MFM_TM_AUTO, &us, &err),
	    0);
	ck_assert_int_eq(field_time("{\"t\":true}", MFM_TM_AUTO, &us, &err),
	    -1);
	ck_assert_str_eq(err.msg, "field 't' is not a time");
	ck_assert_int_eq(field_time("{\"t\":\"soon\"}", MFM_TM_AUTO, &us,
	    &err), -1);
	ck_assert_int_eq(strncmp(err.msg, "field 't' is not a time: ", 25), 0);
}
END_TEST

START_TEST(test_field_unit)
{
	enum mfm_tm_unit u;

	ck_assert_int_eq(mfm_field_unit("ms", &u), 0);
	ck_assert_int_eq(u, MFM_TM_MS);
	ck_assert_int_eq(mfm_field_unit("auto", &u), 0);
	ck_assert_int_eq(u, MFM_TM_AUTO);
	ck_assert_int_eq(mfm_field_unit("h", &u), -1);
}
END_TEST

Suite *suite_window(void);

Suite *
suite_window(void)
{
	Suite *s = suite_create("window");
	TCase *tc = tcase_create("window");

	tcase_add_test(tc, test_start);
	tcase_add_test(tc, test_put);
	tcase_add_test(tc, test_field_time);
	tcase_add_test(tc, test_field_unit);
	suite_add_tcase(s, tc);
	return s;
}
