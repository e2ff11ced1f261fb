/*
 * Unit tests for state files (lib/state.c): the text round-trips; a
 * foreign file, another tool's file, another version, a truncated file
 * and a flipped byte are each refused with their own message; a missing
 * file is a fresh start; a save survives reopening; a second opener is
 * refused while the lock is held.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "lib/state.h"

static const char body[] = "{\"a\":1}\n{\"b\":2}\n";

static void
parse_fails(const char *text, size_t n, const char *want)
{
	struct mfm_err err;
	size_t off, len;

	mfm_err_clear(&err);
	ck_assert_int_eq(mfm_state_parse(text, n, "mfm-x", 1, &off, &len,
	    &err), -1);
	ck_assert_msg(strstr(err.msg, want) != NULL, "'%s' not in '%s'",
	    want, err.msg);
}

START_TEST(test_format_parse)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_err err;
	size_t off, len, i;

	mfm_state_format(&b, "mfm-x", 1, body, strlen(body));
	ck_assert(strncmp(b.p, "mfm-state 1 mfm-x 1\n", 20) == 0);
	ck_assert_int_eq(mfm_state_parse(b.p, b.len, "mfm-x", 1, &off, &len,
	    &err), 0);
	ck_assert_uint_eq(len, strlen(body));
	ck_assert(memcmp(b.p + off, body, len) == 0);
	/* Every truncation is refused, none is taken for a shorter state. */
	for (i = 0; i < b.len; i++)
		ck_assert_int_eq(mfm_state_parse(b.p, i, "mfm-x", 1, &off,
		    &len, &err), -1);
	parse_fails(b.p, b.len - 3, "truncated");
	/* One altered byte of the body. */
	b.p[off + 3] ^= 1;
	parse_fails(b.p, b.len, "checksum mismatch");
	mfm_buf_release(&b);

	/* An empty body is valid. */
	mfm_state_format(&b, "mfm-x", 1, "", 0);
	ck_assert_int_eq(mfm_state_parse(b.p, b.len, "mfm-x", 1, &off, &len,
	    &err), 0);
	ck_assert_uint_eq(len, 0);
	mfm_buf_release(&b);
}
END_TEST

START_TEST(test_foreign)
{
	struct mfm_buf b = MFM_BUF_INIT;

	parse_fails("hello\n", 6, "not an mfm state file");
	parse_fails("{\"a\":1}\n", 8, "not an mfm state file");
	mfm_state_format(&b, "mfm-join", 1, body, strlen(body));
	parse_fails(b.p, b.len, "state file of mfm-join, not of mfm-x");
	mfm_buf_clear(&b);
	mfm_state_format(&b, "mfm-x", 2, body, strlen(body));
	parse_fails(b.p, b.len, "state format version 2; this mfm-x reads "
	    "version 1");
	mfm_buf_clear(&b);
	mfm_state_format(&b, "mfm-x", 1, body, strlen(body));
	b.p[b.len - 2] = 'g';
	parse_fails(b.p, b.len, "bad trailer");
	mfm_buf_release(&b);
}
END_TEST

START_TEST(test_open_save)
{
	char dir[] = "/tmp/check_state.XXXXXX", path[64], tmp[80];
	struct mfm_state st, st2;
	struct mfm_buf got = MFM_BUF_INIT;
	struct mfm_err err;
	int found, fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	ck_assert_int_eq(mfm_state_open(&st, path, "mfm-x", 1, &got, &found,
	    &err), 0);
	ck_assert_int_eq(found, 0);
	ck_assert_uint_eq(got.len, 0);
	/* The lock is held: a second opener fails at once. */
	ck_assert_int_eq(mfm_state_open(&st2, path, "mfm-x", 1, &got, &found,
	    &err), -1);
	ck_assert_msg(strstr(err.msg, "locked by another process") != NULL,
	    "%s", err.msg);
	mfm_state_close(&st2);
	ck_assert_int_eq(mfm_state_save(&st, body, strlen(body), &err), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ck_assert_int_eq(access(tmp, F_OK), -1);
	mfm_state_close(&st);
	mfm_state_close(&st);

	ck_assert_int_eq(mfm_state_open(&st, path, "mfm-x", 1, &got, &found,
	    &err), 0);
	ck_assert_int_eq(found, 1);
	ck_assert_str_eq(got.p, body);
	mfm_state_close(&st);

	/* Another tool's file, and an empty file, are errors. */
	ck_assert_int_eq(mfm_state_open(&st, path, "mfm-y", 1, &got, &found,
	    &err), -1);
	ck_assert_str_eq(err.msg, "state file of mfm-x, not of mfm-y");
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(mfm_state_open(&st, path, "mfm-x", 1, &got, &found,
	    &err), -1);
	ck_assert_str_eq(err.msg, "empty file, not an mfm state file");

	unlink(path);
	snprintf(tmp, sizeof(tmp), "%s.lock", path);
	unlink(tmp);
	rmdir(dir);
	mfm_buf_release(&got);
}
END_TEST

START_TEST(test_save_errors)
{
	struct mfm_state st;
	struct mfm_buf got = MFM_BUF_INIT;
	struct mfm_err err;
	int found;

	mfm_state_init(&st);
	mfm_state_close(&st);
	ck_assert_int_eq(mfm_state_open(&st, "/nonexistent/dir/s", "mfm-x", 1,
	    &got, &found, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_SYS);
	ck_assert_int_eq(err.sys, ENOENT);
	mfm_buf_release(&got);
}
END_TEST

Suite *suite_state(void);

Suite *
suite_state(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("state");

	tcase_add_test(tc, test_format_parse);
	tcase_add_test(tc, test_foreign);
	tcase_add_test(tc, test_open_save);
	tcase_add_test(tc, test_save_errors);
	suite_add_tcase(s, tc);
	return s;
}
