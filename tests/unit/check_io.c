/*
 * Unit tests for the line reader (lib/io.c): CRLF, a last line without
 * newline, NUL bytes, the line-length cap with spill, lines across block
 * boundaries, and line numbers; offsets (tell, seek, whole lines) and
 * held input (a pipe peeked at and consumed on commit, a file's offset
 * moved on commit).
 */
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "lib/buf.h"
#include "lib/io.h"

/* A reader over the bytes s[0..n), through a pipe-less temporary file. */
static void
open_bytes(struct mfm_reader *r, const char *s, size_t n, size_t max_line)
{
	FILE *f = tmpfile();
	int fd;

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(s, 1, n, f), n);
	fflush(f);
	rewind(f);
	fd = dup(fileno(f));
	fclose(f);
	mfm_reader_fdopen(r, fd, "t", max_line);
	r->own_fd = 1;
}

START_TEST(test_lines)
{
	static const char in[] = "a\nbb\r\n\nlast";
	struct mfm_reader r;
	struct mfm_err err;

	open_bytes(&r, in, sizeof(in) - 1, 0);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_str_eq(r.line, "a");
	ck_assert_uint_eq(r.lineno, 1);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_str_eq(r.line, "bb");
	ck_assert_uint_eq(r.len, 2);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_uint_eq(r.len, 0);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_str_eq(r.line, "last");
	ck_assert_uint_eq(r.lineno, 4);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_EOF);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_EOF);
	ck_assert_int_eq(mfm_reader_close(&r, &err), 0);
}
END_TEST

START_TEST(test_nul)
{
	static const char in[] = "ok\nx\0y\nafter\n";
	struct mfm_reader r;
	struct mfm_err err;

	open_bytes(&r, in, sizeof(in) - 1, 0);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_BAD);
	ck_assert_str_eq(err.msg, "NUL byte in line");
	ck_assert_uint_eq(err.line, 2);
	ck_assert_uint_eq(r.len, 3);	/* kept whole for --rejects */
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_str_eq(r.line, "after");
	ck_assert_uint_eq(r.lineno, 3);
	mfm_reader_close(&r, &err);

	/* Left to a caller that parses the line (nul_later): a line. */
	open_bytes(&r, in, sizeof(in) - 1, 0);
	r.nul_later = 1;
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_uint_eq(r.len, 3);
	ck_assert_int_eq(memcmp(r.line, "x\0y", 4), 0);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_str_eq(r.line, "after");
	mfm_reader_close(&r, &err);
}
END_TEST

START_TEST(test_cap)
{
	struct mfm_buf in = MFM_BUF_INIT;
	struct mfm_reader r;
	struct mfm_err err;
	char *spilled = NULL;
	size_t spilled_len = 0, i;
	FILE *spill;

	/* Exactly at the cap, one over, one far over, then a short line. */
	for (i = 0; i < 100; i++)
		mfm_buf_addc(&in, 'a');
	mfm_buf_addc(&in, '\n');
	for (i = 0; i < 101; i++)
		mfm_buf_addc(&in, 'b');
	mfm_buf_addc(&in, '\n');
	for (i = 0; i < 100000; i++)
		mfm_buf_addc(&in, 'c');
	mfm_buf_adds(&in, "\nshort");
	spill = open_memstream(&spilled, &spilled_len);
	open_bytes(&r, in.p, in.len, 100);
	r.spill = spill;
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_uint_eq(r.len, 100);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_BAD);
	ck_assert_str_eq(err.msg, "line longer than 100 bytes");
	ck_assert_uint_eq(err.line, 2);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_BAD);
	ck_assert_uint_eq(err.line, 3);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_str_eq(r.line, "short");
	ck_assert_uint_eq(r.lineno, 4);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_EOF);
	mfm_reader_close(&r, &err);
	fclose(spill);
	/* The overlong lines were spilled whole. */
	ck_assert_uint_eq(spilled_len, 101 + 1 + 100000 + 1);
	ck_assert_int_eq(spilled[0], 'b');
	ck_assert_int_eq(spilled[102], 'c');
	free(spilled);
	mfm_buf_release(&in);
}
END_TEST

/*
 * The cap is on a line's content: with CRLF, a line of exactly the cap
 * is accepted as with LF, one byte more is refused and spilled whole, CR
 * included; also when the line is the first thing in a fresh buffer.
 */
START_TEST(test_cap_crlf)
{
	struct mfm_buf in = MFM_BUF_INIT;
	struct mfm_reader r;
	struct mfm_err err;
	char *spilled = NULL;
	size_t spilled_len = 0, i;
	FILE *spill;

	for (i = 0; i < 100; i++)
		mfm_buf_addc(&in, 'a');
	mfm_buf_adds(&in, "\r\n");
	for (i = 0; i < 101; i++)
		mfm_buf_addc(&in, 'b');
	mfm_buf_adds(&in, "\r\n");
	for (i = 0; i < 100; i++)
		mfm_buf_addc(&in, 'c');
	mfm_buf_adds(&in, "\r");	/* a last line without newline */
	spill = open_memstream(&spilled, &spilled_len);
	open_bytes(&r, in.p, in.len, 100);
	r.spill = spill;
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_uint_eq(r.len, 100);
	ck_assert_int_eq(r.line[99], 'a');
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_BAD);
	ck_assert_str_eq(err.msg, "line longer than 100 bytes");
	ck_assert_uint_eq(err.line, 2);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_uint_eq(r.len, 100);
	ck_assert_int_eq(r.line[99], 'c');
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_EOF);
	mfm_reader_close(&r, &err);
	fclose(spill);
	ck_assert_uint_eq(spilled_len, 101 + 2);
	ck_assert_int_eq(spilled[101], '\r');
	free(spilled);
	mfm_buf_release(&in);
}
END_TEST

START_TEST(test_blocks)
{
	struct mfm_buf in = MFM_BUF_INIT;
	struct mfm_reader r;
	struct mfm_err err;
	size_t i, n = 0;

	/* Lines of varying length across many block boundaries. */
	for (i = 0; i < 200000; i++) {
		mfm_buf_addf(&in, "{\"i\":%zu,\"pad\":\"%.*s\"}\n", i,
		    (int)(i % 37), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	}
	open_bytes(&r, in.p, in.len, 0);
	while (mfm_reader_next(&r, &err) == MFM_IO_LINE) {
		char want[32];

		snprintf(want, sizeof(want), "{\"i\":%zu,", n);
		ck_assert_int_eq(strncmp(r.line, want, strlen(want)), 0);
		ck_assert_uint_eq(r.lineno, n + 1);
		n++;
	}
	ck_assert_uint_eq(n, 200000);
	mfm_reader_close(&r, &err);
	mfm_buf_release(&in);
}
END_TEST

START_TEST(test_open_missing)
{
	struct mfm_reader r;
	struct mfm_err err;

	ck_assert_int_eq(mfm_reader_open(&r, "/nonexistent/x", 0, &err), -1);
	ck_assert_str_eq(err.msg, "/nonexistent/x: No such file or directory");
	ck_assert_int_eq(err.kind, MFM_ERR_SYS);
}
END_TEST

START_TEST(test_blank)
{
	ck_assert_int_eq(mfm_io_blank("", 0), 1);
	ck_assert_int_eq(mfm_io_blank(" \t\r", 3), 1);
	ck_assert_int_eq(mfm_io_blank(" x", 2), 0);
}
END_TEST

/*
 * mfm_reader_ready and mfm_reader_fill, as mfm-join polls two pipes: a
 * partial line is not ready, one read completes it, end of input is
 * ready, and an overlong line at the cap is ready (next skips it).
 */
START_TEST(test_ready_fill)
{
	struct mfm_reader r;
	struct mfm_err err;
	int fd[2];

	ck_assert_int_eq(pipe(fd), 0);
	mfm_reader_fdopen(&r, fd[0], "pipe", 8);
	ck_assert_int_eq(mfm_reader_ready(&r), 0);
	ck_assert_int_eq(write(fd[1], "ab", 2), 2);
	ck_assert_int_eq(mfm_reader_fill(&r, &err), 2);
	ck_assert_int_eq(mfm_reader_ready(&r), 0);
	ck_assert_int_eq(write(fd[1], "c\nd", 3), 3);
	ck_assert_int_eq(mfm_reader_fill(&r, &err), 3);
	ck_assert_int_eq(mfm_reader_ready(&r), 1);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_str_eq(r.line, "abc");
	ck_assert_int_eq(mfm_reader_ready(&r), 0);
	/* "d" and nine more bytes: past the cap of 8, so full and ready */
	ck_assert_int_eq(write(fd[1], "123456789\nok\n", 13), 13);
	while (!mfm_reader_ready(&r))
		ck_assert_int_ge(mfm_reader_fill(&r, &err), 0);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_BAD);
	ck_assert_int_eq(mfm_reader_ready(&r), 1);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_str_eq(r.line, "ok");
	close(fd[1]);
	ck_assert_int_eq(mfm_reader_ready(&r), 0);
	ck_assert_int_eq(mfm_reader_fill(&r, &err), 0);
	ck_assert_int_eq(mfm_reader_ready(&r), 1);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_EOF);
	mfm_reader_close(&r, &err);
	close(fd[0]);
}
END_TEST

START_TEST(test_offset_seek_partial)
{
	static const char in[] = "a\nbb\r\n\nlast";
	struct mfm_reader r;
	struct mfm_err err;

	/* A 4-byte cap makes the buffer small: offsets across fills. */
	open_bytes(&r, in, sizeof(in) - 1, 4);
	ck_assert_uint_eq(mfm_reader_offset(&r), 0);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_uint_eq(mfm_reader_offset(&r), 2);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_uint_eq(mfm_reader_offset(&r), 6);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_uint_eq(mfm_reader_offset(&r), 7);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_str_eq(r.line, "last");
	ck_assert_uint_eq(mfm_reader_offset(&r), 11);
	ck_assert_int_eq(mfm_reader_close(&r, &err), 0);

	/* Whole lines only: "last" has no newline yet, it is left. */
	open_bytes(&r, in, sizeof(in) - 1, 0);
	r.hold_partial = 1;
	ck_assert_int_eq(mfm_reader_seek(&r, 2, &err), 0);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_str_eq(r.line, "bb");
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_EOF);
	ck_assert_uint_eq(mfm_reader_offset(&r), 7);
	ck_assert_uint_eq(r.held, 4);
	ck_assert_int_eq(mfm_reader_close(&r, &err), 0);
}
END_TEST

/* The bytes a pipe holds now, taken out of it. */
static size_t
drain(int fd, char *out, size_t cap)
{
	ssize_t m;
	size_t n = 0;

	ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	while (n < cap && (m = read(fd, out + n, cap - n)) > 0)
		n += (size_t)m;
	out[n] = '\0';
	return n;
}

START_TEST(test_hold_pipe)
{
	struct mfm_reader r;
	struct mfm_err err;
	char rest[64];
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], "a\nb\npar", 7), 7);
	mfm_reader_fdopen(&r, p[0], "p", 0);
	ck_assert_int_eq(mfm_reader_hold(&r, &err), 0);
	ck_assert_int_eq(r.hold, MFM_IO_HOLD_PIPE);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_str_eq(r.line, "a");
	ck_assert_int_eq(mfm_reader_commit(&r, &err), 0);
	/* Read, not committed: "b" is still in the pipe, as is the part. */
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_str_eq(r.line, "b");
	ck_assert_uint_eq(drain(p[0], rest, sizeof(rest) - 1), 5);
	ck_assert_str_eq(rest, "b\npar");
	close(p[1]);
	ck_assert_int_eq(mfm_reader_close(&r, &err), 0);
}
END_TEST

START_TEST(test_hold_pipe_writer)
{
	static char big[100001];
	struct mfm_reader r;
	struct mfm_err err;
	int p[2], st;
	pid_t pid;

	/* A line in three writes, with pauses; then one line longer than the
	 * pipe (its writer blocks until the reader takes a part); then a
	 * last line without newline, and the writer goes. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\n';
	ck_assert_int_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		if (write(p[1], "ab", 2) != 2)
			_exit(1);
		usleep(20000);
		if (write(p[1], "c", 1) != 1)
			_exit(1);
		usleep(20000);
		if (write(p[1], "d\n", 2) != 2 ||
		    write(p[1], big, sizeof(big)) != (ssize_t)sizeof(big) ||
		    write(p[1], "end", 3) != 3)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	mfm_reader_fdopen(&r, p[0], "p", 0);
	ck_assert_int_eq(mfm_reader_hold(&r, &err), 0);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_str_eq(r.line, "abcd");
	ck_assert_int_eq(mfm_reader_commit(&r, &err), 0);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_uint_eq(r.len, sizeof(big) - 1);
	ck_assert_int_eq(mfm_reader_commit(&r, &err), 0);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_str_eq(r.line, "end");
	ck_assert_int_eq(mfm_reader_commit(&r, &err), 0);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_EOF);
	ck_assert_uint_eq(mfm_reader_offset(&r), 5 + sizeof(big) + 3);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_int_eq(st, 0);
	ck_assert_int_eq(mfm_reader_close(&r, &err), 0);
}
END_TEST

START_TEST(test_hold_file)
{
	static const char in[] = "skip\na\nb\n";
	struct mfm_reader r;
	struct mfm_err err;
	FILE *f = tmpfile();
	int fd;

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(in, 1, sizeof(in) - 1, f), sizeof(in) - 1);
	fflush(f);
	fd = dup(fileno(f));
	fclose(f);
	/* Inherited at offset 5, like stdin after a reader before us. */
	ck_assert_int_eq(lseek(fd, 5, SEEK_SET), 5);
	mfm_reader_fdopen(&r, fd, "-", 0);
	ck_assert_int_eq(mfm_reader_hold(&r, &err), 0);
	ck_assert_int_eq(r.hold, MFM_IO_HOLD_SEEK);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_str_eq(r.line, "a");
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 5);
	ck_assert_int_eq(mfm_reader_commit(&r, &err), 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 7);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_str_eq(r.line, "b");
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 7);
	ck_assert_int_eq(mfm_reader_close(&r, &err), 0);
	close(fd);
}
END_TEST

Suite *suite_io(void);

Suite *
suite_io(void)
{
	Suite *s = suite_create("io");
	TCase *tc = tcase_create("reader");

	tcase_add_test(tc, test_lines);
	tcase_add_test(tc, test_nul);
	tcase_add_test(tc, test_cap);
	tcase_add_test(tc, test_cap_crlf);
	tcase_add_test(tc, test_blocks);
	tcase_add_test(tc, test_open_missing);
	tcase_add_test(tc, test_blank);
	tcase_add_test(tc, test_ready_fill);
	tcase_add_test(tc, test_offset_seek_partial);
	tcase_add_test(tc, test_hold_pipe);
	tcase_add_test(tc, test_hold_pipe_writer);
	tcase_add_test(tc, test_hold_file);
	suite_add_tcase(s, tc);
	return s;
}
