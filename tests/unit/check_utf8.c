/*
 * Unit tests for lib/utf8.c: a cut never splits a character, and the
 * control characters a terminal obeys (C0, DEL, C1) are shown as '?'
 * while other text, UTF-8 included, stays and counts one a character.
 */
#include <string.h>

#include <check.h>

#include "lib/utf8.h"

START_TEST(test_cut)
{
	/* "aé€𝄞": 1, 2, 3 and 4 bytes. */
	static const char s[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e";
	static const size_t want[] = { 0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10 };
	size_t max;

	for (max = 0; max <= 10; max++)
		ck_assert_msg(mfm_utf8_cut(s, 10, max) == want[max],
		    "max %zu", max);
	ck_assert_uint_eq(mfm_utf8_cut(s, 10, 99), 10);
	ck_assert_uint_eq(mfm_utf8_cut("", 0, 0), 0);
}
END_TEST

START_TEST(test_clean)
{
	struct mfm_buf b = MFM_BUF_INIT;
	static const char s[] = "a\tb\x1b[2J\x7f\xc2\x9b" "1m \xc3\xa9\xc2\xa0";

	ck_assert_uint_eq(mfm_utf8_clean(&b, s, strlen(s)), 14);
	ck_assert_str_eq(b.p, "a?b?[2J??1m \xc3\xa9\xc2\xa0");
	mfm_buf_release(&b);
}
END_TEST

Suite *suite_utf8(void);

Suite *
suite_utf8(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_cut);
	tcase_add_test(tc, test_clean);
	suite_add_tcase(s, tc);
	return s;
}
