/*
 * Unit tests for the error structure (lib/err.c): set and sys fill it
 * and return -1, NULL is allowed, the message is cut at its size, sys
 * keeps errno; quote makes bad input one printable line cut on a UTF-8
 * boundary; count groups digits by three.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <check.h>

#include "lib/err.h"

START_TEST(test_set)
{
	struct mfm_err err;

	mfm_err_clear(&err);
	ck_assert_int_eq(err.kind, MFM_ERR_NONE);
	ck_assert_str_eq(err.msg, "");
	err.line = 4;
	err.col = 7;
	ck_assert_int_eq(mfm_err_set(&err, MFM_ERR_DATA, "field '%s' %d",
	    "x", 3), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_DATA);
	ck_assert_int_eq(err.sys, 0);
	ck_assert_str_eq(err.msg, "field 'x' 3");
	ck_assert_uint_eq(err.line, 4);	/* the location is the caller's */
	mfm_err_clear(&err);
	ck_assert_uint_eq(err.line, 0);
	ck_assert_uint_eq(err.col, 0);
	/* Without a structure: still -1, nothing written. */
	ck_assert_int_eq(mfm_err_set(NULL, MFM_ERR_USAGE, "x"), -1);
	ck_assert_int_eq(mfm_err_sys(NULL, "x"), -1);
	mfm_err_clear(NULL);
}
END_TEST

/* A limit says which cap; anything set after it says none. */
START_TEST(test_limit)
{
	struct mfm_err err;

	mfm_err_clear(&err);
	ck_assert_int_eq(err.cap, MFM_CAP_NONE);
	ck_assert_int_eq(mfm_err_limit(&err, MFM_CAP_CLASSES,
	    "more than %d classes", 2), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	ck_assert_int_eq(err.cap, MFM_CAP_CLASSES);
	ck_assert_str_eq(err.msg, "more than 2 classes");
	mfm_err_set(&err, MFM_ERR_LIMIT, "x");
	ck_assert_int_eq(err.cap, MFM_CAP_NONE);
	mfm_err_limit(&err, MFM_CAP_GROUPS, "x");
	mfm_err_sys(&err, "x");
	ck_assert_int_eq(err.cap, MFM_CAP_NONE);
	mfm_err_limit(&err, MFM_CAP_GROUPS, "x");
	mfm_err_clear(&err);
	ck_assert_int_eq(err.cap, MFM_CAP_NONE);
	ck_assert_int_eq(mfm_err_limit(NULL, MFM_CAP_GROUPS, "x"), -1);
}
END_TEST

START_TEST(test_set_long)
{
	struct mfm_err err;
	char big[1000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	mfm_err_set(&err, MFM_ERR_LIMIT, "%s", big);
	ck_assert_uint_eq(strlen(err.msg), sizeof(err.msg) - 1);
}
END_TEST

START_TEST(test_sys)
{
	struct mfm_err err;

	errno = ENOENT;
	ck_assert_int_eq(mfm_err_sys(&err, "%s", "preds.ndjson"), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_SYS);
	ck_assert_int_eq(err.sys, ENOENT);
	ck_assert_str_eq(err.msg, "preds.ndjson: No such file or directory");
	ck_assert_int_eq(errno, ENOENT);	/* kept for the caller */
	errno = EACCES;
	mfm_err_sys(&err, "%s", "");
	ck_assert_str_eq(err.msg, "Permission denied");
}
END_TEST

/* A message that fills the buffer gets no strerror (no room). */
START_TEST(test_sys_long)
{
	struct mfm_err err;
	char big[600];

	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	errno = EIO;
	mfm_err_sys(&err, "%s", big);
	ck_assert_uint_eq(strlen(err.msg), sizeof(err.msg) - 1);
	ck_assert_int_eq(err.msg[0], 'b');
	ck_assert_int_eq(err.sys, EIO);
}
END_TEST

START_TEST(test_quote)
{
	char d[64];

	ck_assert_str_eq(mfm_err_quote(d, sizeof(d), "abc", 3, 10), "abc");
	/* Control bytes and DEL are '?': one printable line. */
	ck_assert_str_eq(mfm_err_quote(d, sizeof(d), "a\nb\tc\x7f\x01", 7,
	    20), "a?b?c??");
	/* Cut at max and marked. */
	ck_assert_str_eq(mfm_err_quote(d, sizeof(d), "abcdefgh", 8, 5),
	    "abcde...");
	/* Exactly max: not cut. */
	ck_assert_str_eq(mfm_err_quote(d, sizeof(d), "abcde", 5, 5), "abcde");
	/* Never inside a UTF-8 character: "é" is 2 bytes, "€" 3. */
	ck_assert_str_eq(mfm_err_quote(d, sizeof(d), "ab\xc3\xa9z", 5, 3),
	    "ab...");
	ck_assert_str_eq(mfm_err_quote(d, sizeof(d), "a\xe2\x82\xac", 4, 3),
	    "a...");
	ck_assert_str_eq(mfm_err_quote(d, sizeof(d), "a\xe2\x82\xac", 4, 4),
	    "a\xe2\x82\xac");
	/* UTF-8 passes through. */
	ck_assert_str_eq(mfm_err_quote(d, sizeof(d), "\xc3\xa9t\xc3\xa9", 5,
	    40), "\xc3\xa9t\xc3\xa9");
	/* A NUL byte in the input is a control byte too. */
	ck_assert_str_eq(mfm_err_quote(d, sizeof(d), "a\0b", 3, 9), "a?b");
	ck_assert_str_eq(mfm_err_quote(d, sizeof(d), "", 0, 9), "");
}
END_TEST

/* The destination bounds the copy: room for max + 4 is enough. */
START_TEST(test_quote_small)
{
	char d[8];

	memset(d, 'X', sizeof(d));
	mfm_err_quote(d, sizeof(d), "abcdefghijklmnop", 16, 3);
	ck_assert_str_eq(d, "abc...");
	memset(d, 'X', sizeof(d));
	mfm_err_quote(d, 5, "abcdefghijklmnop", 16, 16);
	ck_assert_uint_lt(strlen(d), 5);
	ck_assert_int_eq(d[5], 'X');	/* nothing past size */
}
END_TEST

START_TEST(test_count)
{
	char d[MFM_ERR_COUNT_SIZE];

	ck_assert_str_eq(mfm_err_count(d, 0), "0");
	ck_assert_str_eq(mfm_err_count(d, 999), "999");
	ck_assert_str_eq(mfm_err_count(d, 1000), "1,000");
	ck_assert_str_eq(mfm_err_count(d, 4244), "4,244");
	ck_assert_str_eq(mfm_err_count(d, 100000), "100,000");
	ck_assert_str_eq(mfm_err_count(d, 1234567), "1,234,567");
	ck_assert_str_eq(mfm_err_count(d, ULLONG_MAX),
	    "18,446,744,073,709,551,615");
	ck_assert_uint_lt(strlen(d), MFM_ERR_COUNT_SIZE);
}
END_TEST

Suite *suite_err(void);

Suite *
suite_err(void)
{
	Suite *s = suite_create("err");
	TCase *tc = tcase_create("err");

	tcase_add_test(tc, test_set);
	tcase_add_test(tc, test_limit);
	tcase_add_test(tc, test_set_long);
	tcase_add_test(tc, test_sys);
	tcase_add_test(tc, test_sys_long);
	tcase_add_test(tc, test_quote);
	tcase_add_test(tc, test_quote_small);
	tcase_add_test(tc, test_count);
	suite_add_tcase(s, tc);
	return s;
}
