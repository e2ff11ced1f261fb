/*
 * Unit tests for the progress line (lib/progress.c): its text, when it
 * is drawn (forced, on a terminal only, for big inputs only, at most
 * every interval), and that it is cleared when the inputs end.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "lib/progress.h"

static int64_t now;

static int64_t
fake_clock(void)
{
	return now;
}

/* What was drawn on the pipe so far. */
static size_t
drained(int fd, char *buf, size_t size)
{
	ssize_t n;
	size_t got = 0;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (got + 1 < size && (n = read(fd, buf + got, size - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	return got;
}

START_TEST(test_format)
{
	struct mfm_progress p;
	uint64_t records = 1234567;
	char out[200];
	int key;

	mfm_progress_init(&p, -1, "mfm-metric", MFM_PROGRESS_ON, &records);
	p.clock = fake_clock;
	p.start = 0;
	/* A pipe: no size, no share. */
	p.in[0].key = &key;
	p.bytes = 120300000;
	mfm_progress_format(&p, 2000000, out, sizeof(out));
	ck_assert_str_eq(out, "mfm-metric:  120.3 MB  1,234,567 records  "
	    "60.1 MB/s");
	/* A file of known size, and its name. */
	p.in[0].name = "a.ndjson";
	p.in[0].size = 240600000;
	p.in[0].done = 120300000;
	mfm_progress_format(&p, 10000, out, sizeof(out));
	ck_assert_str_eq(out, "mfm-metric: a.ndjson  50%  120.3 MB  "
	    "1,234,567 records  - B/s");
	/* Two inputs: no name, the share of both. */
	p.in[1].key = &records;
	p.in[1].size = 60150000;
	p.in[1].done = 60150000;
	p.bytes = 2500;
	records = 12;
	mfm_progress_format(&p, 1000000, out, sizeof(out));
	ck_assert_str_eq(out, "mfm-metric:  60%  2 kB  12 records  2 kB/s");
}
END_TEST

START_TEST(test_drawing)
{
	struct mfm_progress p;
	uint64_t records = 0;
	char buf[4096];
	int fds[2], key;

	ck_assert_int_eq(pipe(fds), 0);
	mfm_progress_init(&p, fds[1], "t", MFM_PROGRESS_ON, &records);
	p.clock = fake_clock;
	now = p.start = p.last = 0;
	mfm_progress_open(&p, &key, fds[0], "-");
	/* The first read draws at once; the next ones every interval. */
	mfm_progress_read(&p, &key, 1000);
	drained(fds[0], buf, sizeof(buf));
	ck_assert_str_eq(buf, "\rt:  1 kB  0 records  - B/s\033[K");
	now = MFM_PROGRESS_INTERVAL - 1;
	mfm_progress_read(&p, &key, 1000);
	ck_assert_uint_eq(drained(fds[0], buf, sizeof(buf)), 0);
	now = MFM_PROGRESS_INTERVAL;
	records = 3;
	mfm_progress_read(&p, &key, 1000);
	drained(fds[0], buf, sizeof(buf));
	ck_assert_str_eq(buf, "\rt:  3 kB  3 records  15 kB/s\033[K");
	/* The input ends: the line goes. */
	mfm_progress_close(&p, &key);
	drained(fds[0], buf, sizeof(buf));
	ck_assert_str_eq(buf, "\r\033[K");
	mfm_progress_clear(&p);
	ck_assert_uint_eq(drained(fds[0], buf, sizeof(buf)), 0);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* Automatic: not on a pipe; off: never. */
START_TEST(test_modes)
{
	struct mfm_progress p;
	char buf[64];
	int fds[2], key;

	ck_assert_int_eq(pipe(fds), 0);
	mfm_progress_init(&p, fds[1], "t", MFM_PROGRESS_AUTO, NULL);
	ck_assert_int_eq(p.on, 0);
	mfm_progress_open(&p, &key, fds[0], "-");
	mfm_progress_read(&p, &key, 100u << 20);
	mfm_progress_close(&p, &key);
	ck_assert_uint_eq(drained(fds[0], buf, sizeof(buf)), 0);
	mfm_progress_init(&p, fds[1], "t", MFM_PROGRESS_OFF, NULL);
	ck_assert_int_eq(p.on, 0);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* Automatic on a terminal: only past the size (set on by hand here). */
START_TEST(test_size)
{
	struct mfm_progress p;
	char buf[256];
	int fds[2], key;

	ck_assert_int_eq(pipe(fds), 0);
	mfm_progress_init(&p, fds[1], "t", MFM_PROGRESS_AUTO, NULL);
	p.on = 1;		/* as on a terminal */
	p.clock = fake_clock;
	now = 0;
	mfm_progress_open(&p, &key, fds[0], "-");
	mfm_progress_read(&p, &key, MFM_PROGRESS_MIN_SIZE);
	ck_assert_uint_eq(drained(fds[0], buf, sizeof(buf)), 0);
	mfm_progress_read(&p, &key, 1);
	ck_assert_uint_gt(drained(fds[0], buf, sizeof(buf)), 0);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* A regular file's size is known from the start, and so is the share. */
START_TEST(test_file_size)
{
	struct mfm_progress p;
	char path[] = "/tmp/mfm-progress-XXXXXX", out[200];
	int fd, key;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 5u << 20), 0);
	mfm_progress_init(&p, -1, "t", MFM_PROGRESS_AUTO, NULL);
	p.on = 1;
	mfm_progress_open(&p, &key, fd, "x.ndjson");
	ck_assert_uint_eq(p.in[0].size, 5u << 20);
	p.in[0].done = 1u << 20;
	mfm_progress_format(&p, p.start, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "x.ndjson  20%"));
	close(fd);
	unlink(path);
}
END_TEST

Suite *suite_progress(void);

Suite *
suite_progress(void)
{
	Suite *s = suite_create("progress");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_drawing);
	tcase_add_test(tc, test_modes);
	tcase_add_test(tc, test_size);
	tcase_add_test(tc, test_file_size);
	suite_add_tcase(s, tc);
	return s;
}
