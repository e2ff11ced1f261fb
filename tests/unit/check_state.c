/*
 * Unit tests for state files (lib/state.c): the text round-trips; a
 * foreign file, another tool's file, another version, a truncated file
 * and a flipped byte are each refused with their own message; a missing
 * file is a fresh start; a save survives reopening; a second opener is
 * refused while the lock is held; the piecewise writer and the line
 * reader (mfm-join's) make and check the same files.
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

	/*
	 * A body without its last newline gets one: the trailer must be a
	 * line of its own (found by fuzz-state).
	 */
	mfm_buf_clear(&b);
	mfm_state_format(&b, "mfm-x", 1, "{\"a\":1}", 7);
	ck_assert_int_eq(mfm_state_parse(b.p, b.len, "mfm-x", 1, &off, &len,
	    &err), 0);
	ck_assert_uint_eq(len, 8);
	ck_assert(memcmp(b.p + off, "{\"a\":1}\n", 8) == 0);
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

/* Write text whole to path. */
static void
put_file(const char *path, const char *text, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, n), (ssize_t)n);
	close(fd);
}

/* Read path as a state of mfm-x 1, its lines joined by '|'. */
static int
read_lines(const char *path, size_t max_line, struct mfm_buf *out,
    struct mfm_err *err)
{
	struct mfm_state st;
	enum mfm_io_status rs;
	int found, rc = -1;

	mfm_buf_clear(out);
	mfm_buf_adds(out, "");
	if (mfm_state_lock(&st, path, "mfm-x", 1, err) != 0)
		return -1;
	if (mfm_state_read(&st, max_line, &found, err) != 0)
		goto out;
	if (!found)
		mfm_buf_adds(out, "(none)");
	while ((rs = mfm_state_next(&st, err)) == MFM_IO_LINE) {
		ck_assert_uint_eq(strlen(st.line), st.len);
		mfm_buf_addf(out, "%zu:%s|", st.lineno, st.line);
	}
	if (rs == MFM_IO_EOF)
		rc = 0;
out:
	mfm_state_close(&st);
	return rc;
}

/*
 * The piecewise writer and line reader: same file as mfm_state_save,
 * lines numbered as in the file, every cut refused before any line is
 * handed out, a line over the cap refused.
 */
START_TEST(test_stream)
{
	char dir[] = "/tmp/check_state.XXXXXX", path[64], aux[80];
	struct mfm_buf b = MFM_BUF_INIT, got = MFM_BUF_INIT;
	struct mfm_state st;
	struct mfm_err err;
	size_t i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	ck_assert_int_eq(read_lines(path, 0, &got, &err), 0);
	ck_assert_str_eq(got.p, "(none)");
	ck_assert_int_eq(mfm_state_lock(&st, path, "mfm-x", 1, &err), 0);
	ck_assert_int_eq(mfm_state_begin(&st, &err), 0);
	ck_assert_int_eq(mfm_state_add(&st, body, 3, &err), 0);
	ck_assert_int_eq(mfm_state_add(&st, body + 3, strlen(body) - 4,
	    &err), 0);	/* the last newline is added */
	ck_assert_int_eq(mfm_state_commit(&st, &err), 0);
	mfm_state_close(&st);
	snprintf(aux, sizeof(aux), "%s.tmp", path);
	ck_assert_int_eq(access(aux, F_OK), -1);
	ck_assert_int_eq(read_lines(path, 0, &got, &err), 0);
	ck_assert_str_eq(got.p, "2:{\"a\":1}|3:{\"b\":2}|");
	/* The same bytes as the whole-body writer. */
	mfm_state_format(&b, "mfm-x", 1, body, strlen(body));
	put_file(aux, b.p, b.len);
	ck_assert_int_eq(read_lines(aux, 0, &got, &err), 0);
	ck_assert_str_eq(got.p, "2:{\"a\":1}|3:{\"b\":2}|");
	/* Every cut is refused, before a line is handed out. */
	for (i = 0; i < b.len; i++) {
		put_file(path, b.p, i);
		ck_assert_int_eq(read_lines(path, 0, &got, &err), -1);
		ck_assert_str_eq(got.p, "");
	}
	/* Every flipped bit of the body too. */
	for (i = 20; i < 20 + strlen(body); i++) {
		b.p[i] ^= 0x20;
		put_file(path, b.p, b.len);
		ck_assert_int_eq(read_lines(path, 0, &got, &err), -1);
		ck_assert_msg(strstr(err.msg, i + 1 < 20 + strlen(body) ?
		    "checksum mismatch" : "truncated") != NULL, "%zu: %s", i,
		    err.msg);
		b.p[i] ^= 0x20;
	}
	/* A line over the cap. */
	put_file(path, b.p, b.len);
	ck_assert_int_eq(read_lines(path, 7, &got, &err), 0);
	ck_assert_int_eq(read_lines(path, 6, &got, &err), -1);
	ck_assert_str_eq(err.msg, "line 2 longer than 6 bytes");
	/* An empty body, and a body too large for mfm_state_open. */
	mfm_buf_clear(&b);
	mfm_state_format(&b, "mfm-x", 1, "", 0);
	put_file(path, b.p, b.len);
	ck_assert_int_eq(read_lines(path, 0, &got, &err), 0);
	ck_assert_str_eq(got.p, "");

	unlink(path);
	unlink(aux);
	snprintf(aux, sizeof(aux), "%s.lock", path);
	unlink(aux);
	snprintf(aux, sizeof(aux), "%s.tmp.lock", path);
	unlink(aux);
	rmdir(dir);
	mfm_buf_release(&b);
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
	tcase_add_test(tc, test_stream);
	suite_add_tcase(s, tc);
	return s;
}
