/*
 * Unit tests for compressed input (lib/zread.c through lib/io.c): gzip
 * and zstd told by their first bytes, from files and from pipes fed a
 * byte at a time; concatenated gzip members and zstd frames; truncated
 * and corrupt streams as a clear error; the line cap on decoded lines;
 * mfm_reader_ready never waiting on a line already in hand; and the
 * encodings that are named rather than read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <zlib.h>
#include <zstd.h>

#include "lib/buf.h"
#include "lib/io.h"
#include "lib/zread.h"

/* s[0..n) compressed as one gzip member, appended to out. */
static void
gzip_add(struct mfm_buf *out, const void *s, size_t n)
{
	z_stream zs;
	size_t bound;

	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	bound = deflateBound(&zs, (uLong)n) + 64;
	mfm_buf_grow(out, bound);
	zs.next_in = (Bytef *)(uintptr_t)s;
	zs.avail_in = (uInt)n;
	zs.next_out = (Bytef *)out->p + out->len;
	zs.avail_out = (uInt)bound;
	ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	out->len += bound - zs.avail_out;
	deflateEnd(&zs);
}

/* s[0..n) compressed as one zstd frame, appended to out. */
static void
zstd_add(struct mfm_buf *out, const void *s, size_t n)
{
	size_t bound = ZSTD_compressBound(n), got;

	mfm_buf_grow(out, bound);
	got = ZSTD_compress(out->p + out->len, bound, s, n, 3);
	ck_assert(!ZSTD_isError(got));
	out->len += got;
}

/* A reader over the bytes s[0..n), through a temporary file. */
static void
open_bytes(struct mfm_reader *r, const void *s, size_t n, size_t max_line)
{
	FILE *f = tmpfile();
	int fd;

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(s, 1, n, f), n);
	fflush(f);
	rewind(f);
	fd = dup(fileno(f));
	fclose(f);
	mfm_reader_fdopen(r, fd, "t.gz", max_line);
	r->own_fd = 1;
}

/* Lines "{\"i\":0}" ... of n records. */
static void
lines(struct mfm_buf *b, size_t from, size_t n)
{
	size_t i;

	for (i = from; i < from + n; i++)
		mfm_buf_addf(b, "{\"i\":%zu}\n", i);
}

/* Read r to the end: every line must be record from, from + 1, ... */
static size_t
read_all(struct mfm_reader *r, size_t from, struct mfm_err *err)
{
	enum mfm_io_status st;
	char want[32];
	size_t n = 0;

	while ((st = mfm_reader_next(r, err)) == MFM_IO_LINE) {
		snprintf(want, sizeof(want), "{\"i\":%zu}", from + n);
		ck_assert_str_eq(r->line, want);
		ck_assert_uint_eq(r->lineno, n + 1);
		n++;
	}
	ck_assert_int_ne(st, MFM_IO_BAD);
	return st == MFM_IO_EOF ? n : (size_t)-1;
}

START_TEST(test_gzip_file)
{
	struct mfm_buf text = MFM_BUF_INIT, z = MFM_BUF_INIT;
	struct mfm_reader r;
	struct mfm_err err;

	lines(&text, 0, 100000);	/* decodes to many reader blocks */
	gzip_add(&z, text.p, text.len);
	open_bytes(&r, z.p, z.len, 0);
	ck_assert_uint_eq(read_all(&r, 0, &err), 100000);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_EOF);
	ck_assert_int_eq(mfm_reader_close(&r, &err), 0);
	mfm_buf_release(&text);
	mfm_buf_release(&z);
}
END_TEST

START_TEST(test_zstd_file)
{
	struct mfm_buf text = MFM_BUF_INIT, z = MFM_BUF_INIT;
	struct mfm_reader r;
	struct mfm_err err;

	lines(&text, 0, 100000);
	zstd_add(&z, text.p, text.len);
	open_bytes(&r, z.p, z.len, 0);
	ck_assert_uint_eq(read_all(&r, 0, &err), 100000);
	mfm_reader_close(&r, &err);
	mfm_buf_release(&text);
	mfm_buf_release(&z);
}
END_TEST

/* cat a.gz b.gz, and zstd frames one after another: one stream. */
START_TEST(test_concatenated)
{
	struct mfm_buf a = MFM_BUF_INIT, b = MFM_BUF_INIT, z = MFM_BUF_INIT;
	struct mfm_reader r;
	struct mfm_err err;
	int k;

	lines(&a, 0, 3);
	lines(&b, 3, 4);
	for (k = 0; k < 2; k++) {
		mfm_buf_clear(&z);
		if (k == 0) {
			gzip_add(&z, a.p, a.len);
			gzip_add(&z, b.p, b.len);
			gzip_add(&z, "", 0);	/* an empty member too */
		} else {
			zstd_add(&z, a.p, a.len);
			zstd_add(&z, "", 0);
			zstd_add(&z, b.p, b.len);
		}
		open_bytes(&r, z.p, z.len, 0);
		ck_assert_uint_eq(read_all(&r, 0, &err), 7);
		mfm_reader_close(&r, &err);
	}
	mfm_buf_release(&a);
	mfm_buf_release(&b);
	mfm_buf_release(&z);
}
END_TEST

/*
 * Every cut of a stream short of its end is an error that says so,
 * after the lines decoded before it; a cut at a member boundary is a
 * whole stream.
 */
START_TEST(test_truncated)
{
	struct mfm_buf text = MFM_BUF_INIT, z = MFM_BUF_INIT;
	struct mfm_reader r;
	struct mfm_err err;
	enum mfm_io_status st;
	size_t cut, first, n;
	int k;

	lines(&text, 0, 50);
	for (k = 0; k < 2; k++) {
		mfm_buf_clear(&z);
		if (k == 0)
			gzip_add(&z, text.p, text.len);
		else
			zstd_add(&z, text.p, text.len);
		first = z.len;
		if (k == 0)
			gzip_add(&z, text.p, text.len);
		else
			zstd_add(&z, text.p, text.len);
		/* Shorter than its magic number, it is not told as one. */
		for (cut = k == 0 ? 2 : 4; cut < z.len; cut++) {
			open_bytes(&r, z.p, cut, 0);
			n = 0;
			while ((st = mfm_reader_next(&r, &err)) == MFM_IO_LINE)
				n++;
			if (cut == first) {
				ck_assert_int_eq(st, MFM_IO_EOF);
				ck_assert_uint_eq(n, 50);
			} else {
				ck_assert_int_eq(st, MFM_IO_ERROR);
				ck_assert_str_eq(err.msg, k == 0 ?
				    "t.gz: truncated gzip input (it ends "
				    "inside a member)" :
				    "t.gz: truncated zstd input (it ends "
				    "inside a frame)");
				ck_assert_uint_le(n, cut < first ? 50 : 100);
				/* and it stays an error */
				ck_assert_int_eq(mfm_reader_next(&r, &err),
				    MFM_IO_ERROR);
			}
			mfm_reader_close(&r, &err);
		}
	}
	mfm_buf_release(&text);
	mfm_buf_release(&z);
}
END_TEST

START_TEST(test_corrupt)
{
	struct mfm_buf text = MFM_BUF_INIT, z = MFM_BUF_INIT;
	struct mfm_reader r;
	struct mfm_err err;
	enum mfm_io_status st;

	lines(&text, 0, 20);
	/* A flipped byte in the CRC-32 trailer. */
	gzip_add(&z, text.p, text.len);
	z.p[z.len - 6] ^= 0x55;
	open_bytes(&r, z.p, z.len, 0);
	while ((st = mfm_reader_next(&r, &err)) == MFM_IO_LINE)
		;
	ck_assert_int_eq(st, MFM_IO_ERROR);
	ck_assert_str_eq(err.msg, "t.gz: corrupt gzip input: incorrect data "
	    "check");
	mfm_reader_close(&r, &err);
	/* Something after the last member. */
	mfm_buf_clear(&z);
	gzip_add(&z, text.p, text.len);
	mfm_buf_adds(&z, "{\"i\":20}\n");
	open_bytes(&r, z.p, z.len, 0);
	ck_assert_uint_eq(read_all(&r, 0, &err), (size_t)-1);
	ck_assert_str_eq(err.msg, "t.gz: corrupt gzip input: data after the "
	    "last member");
	mfm_reader_close(&r, &err);
	/* zstd: garbage where the next frame should start. */
	mfm_buf_clear(&z);
	zstd_add(&z, text.p, text.len);
	mfm_buf_adds(&z, "garbage!");
	open_bytes(&r, z.p, z.len, 0);
	ck_assert_uint_eq(read_all(&r, 0, &err), (size_t)-1);
	ck_assert_int_eq(strncmp(err.msg, "t.gz: corrupt zstd input: ", 26),
	    0);
	mfm_reader_close(&r, &err);
	mfm_buf_release(&text);
	mfm_buf_release(&z);
}
END_TEST

/* The line cap holds for decoded lines, spill gets them whole. */
START_TEST(test_cap)
{
	struct mfm_buf text = MFM_BUF_INIT, z = MFM_BUF_INIT;
	struct mfm_reader r;
	struct mfm_err err;
	char *spilled = NULL;
	size_t spilled_len = 0, i;
	FILE *spill;
	int k;

	for (i = 0; i < 10; i++)
		mfm_buf_addc(&text, 'a');
	mfm_buf_addc(&text, '\n');
	for (i = 0; i < 1000000; i++)		/* past every buffer */
		mfm_buf_addc(&text, 'b');
	mfm_buf_adds(&text, "\nok\n");
	for (k = 0; k < 2; k++) {
		mfm_buf_clear(&z);
		if (k == 0)
			gzip_add(&z, text.p, text.len);
		else
			zstd_add(&z, text.p, text.len);
		spill = open_memstream(&spilled, &spilled_len);
		open_bytes(&r, z.p, z.len, 10);
		r.spill = spill;
		ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
		ck_assert_uint_eq(r.len, 10);
		ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_BAD);
		ck_assert_str_eq(err.msg, "line longer than 10 bytes");
		ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
		ck_assert_str_eq(r.line, "ok");
		ck_assert_uint_eq(r.lineno, 3);
		ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_EOF);
		mfm_reader_close(&r, &err);
		fclose(spill);
		ck_assert_uint_eq(spilled_len, 1000001);
		free(spilled);
		spilled = NULL;
	}
	mfm_buf_release(&text);
	mfm_buf_release(&z);
}
END_TEST

/*
 * A pipe fed one byte at a time: every read is short, the magic number
 * arrives in pieces, and the lines come out all the same.
 */
START_TEST(test_short_reads)
{
	struct mfm_buf text = MFM_BUF_INIT, z = MFM_BUF_INIT;
	struct mfm_reader r;
	struct mfm_err err;
	size_t i, n = 0;
	int fd[2], k;

	lines(&text, 0, 30);
	for (k = 0; k < 3; k++) {
		mfm_buf_clear(&z);
		if (k == 0)
			gzip_add(&z, text.p, text.len);
		else if (k == 1)
			zstd_add(&z, text.p, text.len);
		else
			mfm_buf_add(&z, text.p, text.len);
		ck_assert_int_eq(pipe(fd), 0);
		mfm_reader_fdopen(&r, fd[0], "pipe", 0);
		n = 0;
		for (i = 0; i < z.len; i++) {
			ck_assert_int_eq(write(fd[1], z.p + i, 1), 1);
			ck_assert_int_ge(mfm_reader_fill(&r, &err), 1);
			while (mfm_reader_ready(&r)) {
				ck_assert_int_eq(mfm_reader_next(&r, &err),
				    MFM_IO_LINE);
				n++;
			}
		}
		ck_assert_uint_eq(n, 30);
		close(fd[1]);
		ck_assert_int_eq(mfm_reader_fill(&r, &err), 0);
		ck_assert_int_eq(mfm_reader_ready(&r), 1);
		ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_EOF);
		mfm_reader_close(&r, &err);
		close(fd[0]);
	}
	mfm_buf_release(&text);
	mfm_buf_release(&z);
}
END_TEST

/*
 * One read brings more than the buffer holds once decoded: ready() must
 * stay true while decoded lines remain, the pipe still open, so that a
 * poll(2) never waits on input already read.
 */
START_TEST(test_ready_pending)
{
	struct mfm_buf text = MFM_BUF_INIT, z = MFM_BUF_INIT;
	struct mfm_reader r;
	struct mfm_err err;
	size_t n = 0;
	int fd[2];

	for (n = 0; n < 200000; n++)	/* 2.6 MB, a few KB compressed */
		mfm_buf_adds(&text, "{\"same\":\"line\"}\n");
	n = 0;
	gzip_add(&z, text.p, text.len);
	ck_assert_uint_lt(z.len, 60000);	/* fits the pipe's buffer */
	ck_assert_int_eq(pipe(fd), 0);
	ck_assert_int_eq(write(fd[1], z.p, z.len), (ssize_t)z.len);
	mfm_reader_fdopen(&r, fd[0], "pipe", 0);
	while (!mfm_reader_ready(&r))
		ck_assert_int_gt(mfm_reader_fill(&r, &err), 0);
	while (mfm_reader_ready(&r)) {
		ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
		n++;
	}
	ck_assert_uint_eq(n, 200000);
	close(fd[1]);
	ck_assert_int_eq(mfm_reader_fill(&r, &err), 0);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_EOF);
	mfm_reader_close(&r, &err);
	close(fd[0]);
	mfm_buf_release(&text);
	mfm_buf_release(&z);
}
END_TEST

/* Input through mfm_reader_open, and an empty gzip stream. */
START_TEST(test_open_path)
{
	char path[] = "/tmp/mfm-zread-XXXXXX";
	struct mfm_buf text = MFM_BUF_INIT, z = MFM_BUF_INIT;
	struct mfm_reader r;
	struct mfm_err err;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	lines(&text, 0, 5);
	zstd_add(&z, text.p, text.len);
	ck_assert_int_eq(write(fd, z.p, z.len), (ssize_t)z.len);
	close(fd);
	ck_assert_int_eq(mfm_reader_open(&r, path, 0, &err), 0);
	ck_assert_uint_eq(read_all(&r, 0, &err), 5);
	ck_assert_int_eq(mfm_reader_close(&r, &err), 0);
	unlink(path);
	mfm_buf_clear(&z);
	gzip_add(&z, "", 0);
	open_bytes(&r, z.p, z.len, 0);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_EOF);
	mfm_reader_close(&r, &err);
	mfm_buf_release(&text);
	mfm_buf_release(&z);
}
END_TEST

/* Encodings that are named, with how to decode them. */
START_TEST(test_foreign)
{
	static const struct {
		const char *bytes;
		size_t n;
		const char *msg;
	} cases[] = {
		{ "\xfd" "7zXZ\0rest", 10,
		    "x: xz-compressed input: decompress it first (xz -dc)" },
		{ "BZh91AY&SY", 10, "x: bzip2-compressed input: decompress "
		    "it first (bzip2 -dc)" },
		{ "\x04\x22\x4d\x18rest", 8, "x: lz4-compressed input: "
		    "decompress it first (lz4 -dc)" },
		{ "PK\x03\x04rest", 8, "x: zip archive: extract the file "
		    "first (unzip -p)" },
		{ "\x1f\x9d\x90rest", 7, "x: compress (.Z) input: decompress "
		    "it first (gzip -dc)" },
		{ "\xff\xfe{\0\"\0", 6, "x: UTF-16 input: convert it to UTF-8 "
		    "first (iconv -f UTF-16 -t UTF-8)" },
		{ "\xfe\xff\0{\0\"", 6, "x: UTF-16 input: convert it to UTF-8 "
		    "first (iconv -f UTF-16 -t UTF-8)" },
		{ "\xff\xfe\0\0{\0\0\0", 8, "x: UTF-32 input: convert it to "
		    "UTF-8 first (iconv -f UTF-32 -t UTF-8)" },
		{ "{\0\"\0a\0", 6, "x: UTF-16LE input: convert it to UTF-8 "
		    "first (iconv -f UTF-16LE -t UTF-8)" },
		{ "\0{\0\"\0a", 6, "x: UTF-16BE input: convert it to UTF-8 "
		    "first (iconv -f UTF-16BE -t UTF-8)" },
		{ "{\0\0\0\"\0\0\0", 8, "x: UTF-32LE input: convert it to "
		    "UTF-8 first (iconv -f UTF-32LE -t UTF-8)" },
		{ "\0\0\0{\0\0\0\"", 8, "x: UTF-32BE input: convert it to "
		    "UTF-8 first (iconv -f UTF-32BE -t UTF-8)" },
	};
	struct mfm_reader r;
	struct mfm_err err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mfm_err_clear(&err);
		ck_assert_int_eq(mfm_zread_sniff(cases[i].bytes, cases[i].n, 0,
		    "x", &err), MFM_ZREAD_FOREIGN);
		ck_assert_str_eq(err.msg, cases[i].msg);
		/* and through the reader: a read error, not bad lines */
		open_bytes(&r, cases[i].bytes, cases[i].n, 0);
		r.name = "x";
		ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_ERROR);
		ck_assert_str_eq(err.msg, cases[i].msg);
		mfm_reader_close(&r, &err);
	}
}
END_TEST

/* Text as it is; a UTF-8 byte-order mark is skipped; prefixes wait. */
START_TEST(test_sniff_plain)
{
	struct mfm_reader r;
	struct mfm_err err;

	ck_assert_int_eq(mfm_zread_sniff("{\"a\":1}", 7, 0, "x", &err),
	    MFM_ZREAD_PLAIN);
	ck_assert_int_eq(mfm_zread_sniff("\n\n", 2, 0, "x", &err),
	    MFM_ZREAD_PLAIN);
	ck_assert_int_eq(mfm_zread_sniff("{", 1, 0, "x", &err),
	    MFM_ZREAD_MORE);
	ck_assert_int_eq(mfm_zread_sniff("{", 1, 1, "x", &err),
	    MFM_ZREAD_PLAIN);
	ck_assert_int_eq(mfm_zread_sniff("\x1f", 1, 0, "x", &err),
	    MFM_ZREAD_MORE);
	ck_assert_int_eq(mfm_zread_sniff("\x1f", 1, 1, "x", &err),
	    MFM_ZREAD_PLAIN);
	ck_assert_int_eq(mfm_zread_sniff("\xfd" "7zX", 4, 0, "x", &err),
	    MFM_ZREAD_MORE);
	ck_assert_int_eq(mfm_zread_sniff("\x1f\x8b", 2, 0, "x", &err),
	    MFM_ZREAD_GZIP);
	ck_assert_int_eq(mfm_zread_sniff("\x28\xb5\x2f\xfd", 4, 0, "x", &err),
	    MFM_ZREAD_ZSTD);
	ck_assert_int_eq(mfm_zread_sniff("\x50\x2a\x4d\x18", 4, 0, "x", &err),
	    MFM_ZREAD_ZSTD);
	ck_assert_int_eq(mfm_zread_sniff("", 0, 1, "x", &err),
	    MFM_ZREAD_PLAIN);
	open_bytes(&r, "\xef\xbb\xbf{\"a\":1}\n{}", 13, 0);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_str_eq(r.line, "{\"a\":1}");
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_str_eq(r.line, "{}");
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_EOF);
	mfm_reader_close(&r, &err);
	/* one byte and the end: a line like any other */
	open_bytes(&r, "x", 1, 0);
	ck_assert_int_eq(mfm_reader_next(&r, &err), MFM_IO_LINE);
	ck_assert_str_eq(r.line, "x");
	mfm_reader_close(&r, &err);
}
END_TEST

Suite *suite_zread(void);

Suite *
suite_zread(void)
{
	Suite *s = suite_create("zread");
	TCase *tc = tcase_create("decode");

	tcase_add_test(tc, test_gzip_file);
	tcase_add_test(tc, test_zstd_file);
	tcase_add_test(tc, test_concatenated);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_corrupt);
	tcase_add_test(tc, test_cap);
	tcase_add_test(tc, test_short_reads);
	tcase_add_test(tc, test_ready_pending);
	tcase_add_test(tc, test_open_path);
	tcase_add_test(tc, test_foreign);
	tcase_add_test(tc, test_sniff_plain);
	suite_add_tcase(s, tc);
	return s;
}
