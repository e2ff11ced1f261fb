/*
 * Unit tests for the JSON writer (lib/jw.c): commas between members and
 * elements at every level, keys and strings escaped, numbers as mfm
 * writes them, raw JSON spliced as it is, nesting to the cap, and what
 * it writes parses back.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "lib/json.h"
#include "lib/jw.h"

/* The writer's output is valid JSON: it parses. */
static void
parses(const struct mfm_buf *b)
{
	struct mfm_json j;
	struct mfm_err err;

	mfm_json_init(&j);
	ck_assert_msg(mfm_json_parse(&j, b->p, b->len, &err) == 0, "%s: %s",
	    b->p, err.msg);
	mfm_json_release(&j);
}

START_TEST(test_empty)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_jw w;

	mfm_jw_init(&w, &b);
	mfm_jw_object(&w);
	mfm_jw_end(&w);
	ck_assert_str_eq(b.p, "{}");
	mfm_buf_clear(&b);
	mfm_jw_init(&w, &b);
	mfm_jw_array(&w);
	mfm_jw_object(&w);
	mfm_jw_end(&w);
	mfm_jw_array(&w);
	mfm_jw_end(&w);
	mfm_jw_end(&w);
	ck_assert_str_eq(b.p, "[{},[]]");
	/* An end too many writes nothing. */
	mfm_jw_end(&w);
	ck_assert_str_eq(b.p, "[{},[]]");
	mfm_buf_release(&b);
}
END_TEST

START_TEST(test_members)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_jw w;

	mfm_jw_init(&w, &b);
	mfm_jw_object(&w);
	mfm_jw_key(&w, "s");
	mfm_jw_strz(&w, "a\"b\\c\n");
	mfm_jw_key(&w, "i");
	mfm_jw_int(&w, -42);
	mfm_jw_key(&w, "big");
	mfm_jw_int(&w, INT64_MIN);
	mfm_jw_key(&w, "d");
	mfm_jw_double(&w, 0.1);
	mfm_jw_key(&w, "nan");
	mfm_jw_double(&w, NAN);
	mfm_jw_key(&w, "t");
	mfm_jw_bool(&w, 1);
	mfm_jw_key(&w, "f");
	mfm_jw_bool(&w, 0);
	mfm_jw_key(&w, "n");
	mfm_jw_null(&w);
	mfm_jw_key(&w, "raw");
	mfm_jw_raw(&w, "{\"x\":[1,2]}", 11);
	mfm_jw_keyn(&w, "k\"ey\0x", 6);
	mfm_jw_str(&w, "nul\0", 4);
	mfm_jw_end(&w);
	ck_assert_str_eq(b.p, "{\"s\":\"a\\\"b\\\\c\\n\",\"i\":-42,"
	    "\"big\":-9223372036854775808,\"d\":0.1,\"nan\":null,\"t\":true,"
	    "\"f\":false,\"n\":null,\"raw\":{\"x\":[1,2]},"
	    "\"k\\\"ey\\u0000x\":\"nul\\u0000\"}");
	parses(&b);
	mfm_buf_release(&b);
}
END_TEST

START_TEST(test_nested)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_jw w;

	/* A comma after a closed container, none after a key. */
	mfm_jw_init(&w, &b);
	mfm_jw_array(&w);
	mfm_jw_object(&w);
	mfm_jw_key(&w, "a");
	mfm_jw_array(&w);
	mfm_jw_int(&w, 1);
	mfm_jw_object(&w);
	mfm_jw_end(&w);
	mfm_jw_strz(&w, "x");
	mfm_jw_end(&w);
	mfm_jw_key(&w, "b");
	mfm_jw_object(&w);
	mfm_jw_key(&w, "c");
	mfm_jw_null(&w);
	mfm_jw_end(&w);
	mfm_jw_end(&w);
	mfm_jw_raw(&w, "7", 1);
	mfm_jw_end(&w);
	ck_assert_str_eq(b.p, "[{\"a\":[1,{},\"x\"],\"b\":{\"c\":null}},7]");
	parses(&b);
	mfm_buf_release(&b);
}
END_TEST

START_TEST(test_appends)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_jw w;

	/* After what the buffer holds; a second writer starts afresh. */
	mfm_buf_adds(&b, "x=");
	mfm_jw_init(&w, &b);
	mfm_jw_object(&w);
	mfm_jw_key(&w, "a");
	mfm_jw_int(&w, 1);
	mfm_jw_end(&w);
	mfm_buf_addc(&b, ' ');
	mfm_jw_init(&w, &b);
	mfm_jw_object(&w);
	mfm_jw_key(&w, "b");
	mfm_jw_int(&w, 2);
	mfm_jw_end(&w);
	ck_assert_str_eq(b.p, "x={\"a\":1} {\"b\":2}");
	mfm_buf_release(&b);
}
END_TEST

START_TEST(test_depth)
{
	struct mfm_buf b = MFM_BUF_INIT, want = MFM_BUF_INIT;
	struct mfm_jw w;
	int i;

	/* The cap; each level holds a number, the next level, a number. */
	mfm_jw_init(&w, &b);
	for (i = 0; i < MFM_JW_MAX_DEPTH; i++) {
		mfm_jw_array(&w);
		mfm_jw_int(&w, i);
		mfm_buf_addf(&want, "[%d,", i);
	}
	for (i = 0; i < MFM_JW_MAX_DEPTH; i++) {
		mfm_jw_int(&w, 0);
		mfm_jw_end(&w);
		mfm_buf_adds(&want, i == 0 ? "0]" : ",0]");
	}
	ck_assert_str_eq(b.p, want.p);
	ck_assert_uint_eq(w.depth, 0);
	parses(&b);
	mfm_buf_release(&b);
	mfm_buf_release(&want);
}
END_TEST

Suite *suite_jw(void);

Suite *
suite_jw(void)
{
	Suite *s = suite_create("jw");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_members);
	tcase_add_test(tc, test_nested);
	tcase_add_test(tc, test_appends);
	tcase_add_test(tc, test_depth);
	suite_add_tcase(s, tc);
	return s;
}
