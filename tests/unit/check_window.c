/*
 * Unit tests for windows and the watermark (lib/window.c).
 */
#include <string.h>

#include <check.h>

#include "lib/tz.h"
#include "lib/window.h"

#define S MFM_TM_US_PER_S

/* A window engine with one spec and no zone. */
static void
setup1(struct mfm_window *w, int64_t size, int64_t step, int64_t offset)
{
	struct mfm_err err;

	mfm_window_init(w);
	ck_assert_int_eq(mfm_window_add(w, size, step, offset, &err), 0);
}

START_TEST(test_tumbling)
{
	struct mfm_window w;
	struct mfm_err err;

	setup1(&w, 86400 * S, 86400 * S, 0);
	ck_assert_int_eq(mfm_window_assign(&w, 0, &err), 0);
	ck_assert_int_eq(w.ntag, 1);
	ck_assert_int_eq(w.tag[0].start, 0);
	ck_assert_int_eq(w.tag[0].end, 86400 * S);
	ck_assert_int_eq(w.tag[0].revision, 0);
	ck_assert_int_eq(mfm_window_assign(&w, 86400 * S - 1, &err), 0);
	ck_assert_int_eq(w.tag[0].start, 0);
	/* Before the epoch the division floors. */
	ck_assert_int_eq(mfm_window_assign(&w, -1, &err), 0);
	ck_assert_int_eq(w.tag[0].start, -86400 * S);
	ck_assert_int_eq(w.tag[0].end, 0);
	mfm_window_release(&w);

	setup1(&w, 86400 * S, 86400 * S, 2 * 3600 * S);
	ck_assert_int_eq(mfm_window_assign(&w, 2 * 3600 * S - 1, &err), 0);
	ck_assert_int_eq(w.tag[0].start, (2 - 24) * 3600 * S);
	ck_assert_int_eq(mfm_window_assign(&w, 2 * 3600 * S, &err), 0);
	ck_assert_int_eq(w.tag[0].start, 2 * 3600 * S);
	mfm_window_release(&w);
}
END_TEST

START_TEST(test_sliding)
{
	struct mfm_window w;
	struct mfm_err err;
	size_t i;

	/* 1h windows every 15m: an instant is in four of them. */
	setup1(&w, 3600 * S, 900 * S, 0);
	ck_assert_int_eq(mfm_window_assign(&w, 600 * S, &err), 0);
	ck_assert_int_eq(w.ntag, 4);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(w.tag[i].start, (-2700 + 900 * (int)i) * S);
		ck_assert_int_eq(w.tag[i].end, w.tag[i].start + 3600 * S);
	}
	/* On a boundary: the window starting there, not the one ending. */
	ck_assert_int_eq(mfm_window_assign(&w, 900 * S, &err), 0);
	ck_assert_int_eq(w.ntag, 4);
	ck_assert_int_eq(w.tag[0].start, -1800 * S);
	ck_assert_int_eq(w.tag[3].start, 900 * S);
	mfm_window_release(&w);
}
END_TEST

START_TEST(test_add_errors)
{
	struct mfm_window w;
	struct mfm_err err;

	mfm_window_init(&w);
	ck_assert_int_eq(mfm_window_add(&w, 3600 * S, 2 * 3600 * S, 0, &err),
	    -1);
	ck_assert_str_eq(err.msg,
	    "the step must be above 0 and at most the size");
	ck_assert_int_eq(mfm_window_add(&w, 0, 1, 0, &err), -1);
	ck_assert_int_eq(mfm_window_add(&w, MFM_WINDOW_MAX_SIZE + 1,
	    MFM_WINDOW_MAX_SIZE + 1, 0, &err), -1);
	ck_assert_int_eq(mfm_window_add(&w, 3600 * S, 3600 * S, 0, &err), 0);
	ck_assert_int_eq(mfm_window_add(&w, 3600 * S, 60 * S, 0, &err), -1);
	ck_assert_str_eq(err.msg, "size 1h given twice");
	w.max_windows = 10;
	ck_assert_int_eq(mfm_window_add(&w, 86400 * S, 3600 * S, 0, &err),
	    -1);
	ck_assert_str_eq(err.msg, "size 1d over its step gives more than 10 "
	    "windows per record");
	ck_assert_int_eq(w.nspec, 1);
	mfm_window_release(&w);
}
END_TEST

START_TEST(test_watermark)
{
	struct mfm_window w;
	struct mfm_err err;

	setup1(&w, 3600 * S, 3600 * S, 0);
	w.lateness = 600 * S;
	ck_assert_int_eq(mfm_window_assign(&w, 10 * 60 * S, &err), 0);
	mfm_window_advance(&w, 10 * 60 * S);
	ck_assert_int_eq(w.nclosed, 0);
	/* 01:05 puts the watermark at 00:55: the first hour stays open. */
	ck_assert_int_eq(mfm_window_assign(&w, 65 * 60 * S, &err), 0);
	mfm_window_advance(&w, 65 * 60 * S);
	ck_assert_int_eq(w.nclosed, 0);
	ck_assert_int_eq(w.watermark, 55 * 60 * S);
	/* Not late yet: 00:20 is before the watermark, its window open. */
	ck_assert_int_eq(mfm_window_assign(&w, 20 * 60 * S, &err), 0);
	ck_assert_int_eq(w.tag[0].revision, 0);
	mfm_window_advance(&w, 20 * 60 * S);
	ck_assert_int_eq(w.watermark, 55 * 60 * S);
	/* 01:10 moves it to 01:00, which closes [00:00, 01:00). */
	ck_assert_int_eq(mfm_window_assign(&w, 70 * 60 * S, &err), 0);
	mfm_window_advance(&w, 70 * 60 * S);
	ck_assert_int_eq(w.nclosed, 1);
	ck_assert_int_eq(w.closed[0].start, 0);
	ck_assert_int_eq(w.closed[0].end, 3600 * S);
	ck_assert_int_eq(w.closed[0].revision, 0);
	ck_assert_int_eq(w.nopen, 1);
	/* Now 00:30 is late; without revise the tag says -1. */
	ck_assert_int_eq(mfm_window_assign(&w, 30 * 60 * S, &err), 0);
	ck_assert_int_eq(w.ntag, 1);
	ck_assert_int_eq(w.tag[0].revision, -1);
	ck_assert_int_eq(w.nlate, 1);
	ck_assert_int_eq(w.nopen, 1);
	mfm_window_advance(&w, 30 * 60 * S);
	ck_assert_int_eq(w.nclosed, 0);
	mfm_window_finish(&w);
	ck_assert_int_eq(w.nclosed, 1);
	ck_assert_int_eq(w.closed[0].start, 3600 * S);
	ck_assert_int_eq(w.nopen, 0);
	mfm_window_release(&w);
}
END_TEST

/*
 * Records inside the last record's tumbling windows reuse its tags: the
 * same tags and state as an engine made to work each record out.
 */
START_TEST(test_same_windows)
{
	struct mfm_window a, b;
	struct mfm_err err;
	uint64_t x = 12345;
	int64_t t, base = 0;
	size_t i, k;
	int r;

	for (r = 0; r < 2; r++) {
		mfm_window_init(&a);
		mfm_window_init(&b);
		ck_assert_int_eq(mfm_window_add(&a, 3600 * S, 3600 * S, 0,
		    &err), 0);
		ck_assert_int_eq(mfm_window_add(&b, 3600 * S, 3600 * S, 0,
		    &err), 0);
		ck_assert_int_eq(mfm_window_add(&a, 86400 * S, 86400 * S, 0,
		    &err), 0);
		ck_assert_int_eq(mfm_window_add(&b, 86400 * S, 86400 * S, 0,
		    &err), 0);
		a.lateness = b.lateness = 1800 * S;
		a.revise = b.revise = r;
		for (i = 0; i < 20000; i++) {
			/* Mostly forward, in bursts, now and then late. */
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			base += (int64_t)(x >> 58) * S;
			t = base - (int64_t)((x >> 40) % 3000) * S;
			b.same = 0;
			ck_assert_int_eq(mfm_window_assign(&a, t, &err), 0);
			ck_assert_int_eq(mfm_window_assign(&b, t, &err), 0);
			ck_assert_uint_eq(a.ntag, b.ntag);
			for (k = 0; k < a.ntag; k++) {
				ck_assert_int_eq(a.tag[k].start,
				    b.tag[k].start);
				ck_assert_int_eq(a.tag[k].end, b.tag[k].end);
				ck_assert_int_eq(a.tag[k].revision,
				    b.tag[k].revision);
			}
			ck_assert_uint_eq(a.nopen, b.nopen);
			ck_assert_uint_eq(a.nkept, b.nkept);
			ck_assert_uint_eq(a.nlate, b.nlate);
			mfm_window_advance(&a, t);
			mfm_window_advance(&b, t);
			ck_assert_uint_eq(a.nclosed, b.nclosed);
		}
		ck_assert_uint_gt(a.nlate, 0);
		mfm_window_release(&a);
		mfm_window_release(&b);
	}
}
END_TEST

START_TEST(test_revise)
{
	struct mfm_window w;
	struct mfm_err err;

	setup1(&w, 3600 * S, 3600 * S, 0);
	w.revise = 1;
	ck_assert_int_eq(mfm_window_assign(&w, 0, &err), 0);
	mfm_window_advance(&w, 0);
	ck_assert_int_eq(mfm_window_assign(&w, 3600 * S, &err), 0);
	mfm_window_advance(&w, 3600 * S);
	ck_assert_int_eq(w.nclosed, 1);
	ck_assert_int_eq(w.nkept, 1);
	/* Two late records make one revision... */
	ck_assert_int_eq(mfm_window_assign(&w, 60 * S, &err), 0);
	ck_assert_int_eq(w.tag[0].revision, 1);
	mfm_window_advance(&w, 60 * S);
	ck_assert_int_eq(w.nclosed, 0);
	ck_assert_int_eq(mfm_window_assign(&w, 120 * S, &err), 0);
	ck_assert_int_eq(w.tag[0].revision, 1);
	ck_assert_int_eq(w.nlate, 2);
	/* ...closed at the next advance, by end then start. */
	ck_assert_int_eq(mfm_window_assign(&w, 7200 * S, &err), 0);
	mfm_window_advance(&w, 7200 * S);
	ck_assert_int_eq(w.nclosed, 2);
	ck_assert_int_eq(w.closed[0].start, 0);
	ck_assert_int_eq(w.closed[0].revision, 1);
	ck_assert_int_eq(w.closed[1].start, 3600 * S);
	ck_assert_int_eq(w.closed[1].revision, 0);
	/* The next late one starts revision 2. */
	ck_assert_int_eq(mfm_window_assign(&w, 180 * S, &err), 0);
	ck_assert_int_eq(w.tag[0].revision, 2);
	/* A window that never had a record starts at revision 1. */
	ck_assert_int_eq(mfm_window_assign(&w, -1, &err), 0);
	ck_assert_int_eq(w.tag[0].revision, 1);
	mfm_window_finish(&w);
	ck_assert_int_eq(w.nclosed, 3);
	ck_assert_int_eq(w.closed[0].start, -3600 * S);
	ck_assert_int_eq(w.closed[0].revision, 1);
	ck_assert_int_eq(w.closed[1].start, 0);
	ck_assert_int_eq(w.closed[1].revision, 2);
	ck_assert_int_eq(w.closed[2].start, 7200 * S);
	ck_assert_int_eq(w.closed[2].revision, 0);
	mfm_window_release(&w);
}
END_TEST

START_TEST(test_cap)
{
	struct mfm_window w;
	struct mfm_err err;

	setup1(&w, 3600 * S, 3600 * S, 0);
	w.lateness = 86400 * S;
	w.max_windows = 2;
	ck_assert_int_eq(mfm_window_assign(&w, 0, &err), 0);
	mfm_window_advance(&w, 0);
	ck_assert_int_eq(mfm_window_assign(&w, 3600 * S, &err), 0);
	mfm_window_advance(&w, 3600 * S);
	ck_assert_int_eq(mfm_window_assign(&w, 10 * S, &err), 0);
	ck_assert_int_eq(mfm_window_assign(&w, 7200 * S, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	ck_assert_str_eq(err.msg, "more than 2 windows open");
	ck_assert_int_eq(w.nopen, 2);
	ck_assert_int_eq(w.ntag, 0);
	mfm_window_release(&w);
}
END_TEST

START_TEST(test_range)
{
	struct mfm_window w;
	struct mfm_err err;

	setup1(&w, 86400 * S, 86400 * S, 0);
	ck_assert_int_eq(mfm_window_assign(&w, MFM_TM_MAX, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_DATA);
	ck_assert_int_eq(mfm_window_assign(&w, MFM_TM_MIN, &err), 0);
	ck_assert_int_eq(w.tag[0].start, MFM_TM_MIN);
	mfm_window_release(&w);
}
END_TEST

/*
 * In a zone, tumbling windows tile the time line across both switches:
 * every minute of the switch days is in exactly one window, and each
 * window starts where the previous one ended.
 */
START_TEST(test_tz_tiling)
{
	static const char *const zones[] = {
		"Europe/Paris", "Australia/Lord_Howe", "America/Havana"
	};
	static const int64_t sizes[] = { 1800 * S, 3600 * S, 86400 * S };
	struct mfm_window w;
	struct mfm_tz tz;
	struct mfm_err err;
	int64_t t, start, end, prev_start = 0, prev_end, from;
	size_t z, k;
	int days;

	for (z = 0; z < 3; z++) {
		mfm_tz_init(&tz);
		ck_assert_int_eq(mfm_tz_load(&tz, NULL, zones[z], &err), 0);
		for (k = 0; k < 3; k++) {
			setup1(&w, sizes[k], sizes[k], 0);
			w.tz = &tz;
			/* The year 2026, a minute at a time near switches. */
			prev_end = INT64_MIN;
			for (days = 0; days < 365; days++) {
				from = (INT64_C(20454) + days) * 86400 * S;
				if (mfm_tz_offset(&tz, from, NULL) ==
				    mfm_tz_offset(&tz, from + 86400 * S, NULL)) {
					prev_end = INT64_MIN;
					continue;
				}
				for (t = from - 86400 * S; t < from + 2 * 86400 * S;
				    t += 60 * S) {
					ck_assert_int_eq(mfm_window_assign(&w, t,
					    &err), 0);
					ck_assert_int_eq(w.ntag, 1);
					start = w.tag[0].start;
					end = w.tag[0].end;
					ck_assert(start <= t && t < end);
					if (prev_end != INT64_MIN &&
					    start == prev_start)
						ck_assert_int_eq(end, prev_end);
					else if (prev_end != INT64_MIN)
						ck_assert_int_eq(start, prev_end);
					prev_start = start;
					prev_end = end;
				}
				prev_end = INT64_MIN;
			}
			mfm_window_release(&w);
		}
		mfm_tz_release(&tz);
	}
}
END_TEST

START_TEST(test_put)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_window_tag c = { 0, 3600 * S, 2, 0 };

	mfm_window_put(&b, 0, 3600 * S, 0);
	ck_assert_str_eq(b.p, "{\"start\":\"1970-01-01T00:00:00.000Z\","
	    "\"end\":\"1970-01-01T01:00:00.000Z\"}");
	mfm_buf_clear(&b);
	mfm_window_put_closed(&b, &c, 3600 * S);
	ck_assert_str_eq(b.p, "{\"_mfm\":{\"type\":\"window_closed\","
	    "\"window\":{\"start\":\"1970-01-01T00:00:00.000Z\","
	    "\"end\":\"1970-01-01T01:00:00.000Z\",\"revision\":2},"
	    "\"watermark\":\"1970-01-01T01:00:00.000Z\",\"revision\":2}}");
	mfm_buf_release(&b);
}
END_TEST

/* The cached texts equal the formatted ones, across misses and revisions. */
START_TEST(test_put_cached)
{
	static struct mfm_window_text cache;
	struct mfm_buf a = MFM_BUF_INIT, b = MFM_BUF_INIT;
	int64_t start;
	int i, rev;

	memset(&cache, 0, sizeof(cache));
	for (i = 0; i < 2000; i++) {
		/* Windows revisited out of order, more of them than slots. */
		start = (int64_t)((i * 7919) % 97) * 3600 * S;
		rev = i % 5 == 0 ? i % 3 : 0;
		mfm_buf_clear(&a);
		mfm_buf_clear(&b);
		mfm_window_put(&a, start, start + 7200 * S, rev);
		mfm_window_put_cached(&b, &cache, start, start + 7200 * S,
		    rev);
		ck_assert_str_eq(a.p, b.p);
	}
	mfm_buf_clear(&b);
	mfm_window_put_cached(&b, &cache, MFM_TM_MIN, MFM_TM_MAX,
	    2147483647);
	ck_assert_str_eq(b.p, "{\"start\":\"0000-01-01T00:00:00.000Z\","
	    "\"end\":\"9999-12-31T23:59:59.999Z\",\"revision\":2147483647}");
	mfm_buf_release(&a);
	mfm_buf_release(&b);
}
END_TEST

Suite *suite_window(void);

Suite *
suite_window(void)
{
	Suite *s = suite_create("window");
	TCase *tc = tcase_create("window");

	tcase_add_test(tc, test_tumbling);
	tcase_add_test(tc, test_sliding);
	tcase_add_test(tc, test_add_errors);
	tcase_add_test(tc, test_watermark);
	tcase_add_test(tc, test_same_windows);
	tcase_add_test(tc, test_revise);
	tcase_add_test(tc, test_cap);
	tcase_add_test(tc, test_range);
	tcase_add_test(tc, test_tz_tiling);
	tcase_add_test(tc, test_put);
	tcase_add_test(tc, test_put_cached);
	suite_add_tcase(s, tc);
	return s;
}
