/*
 * Unit tests for control records (lib/control.c): a watermark record
 * written reads back the same, with and without its parts; the upstream
 * watermark of shards is the least of theirs once all have reported and
 * never goes back (mfm_upstream_add says 1 when it moved); and the pace of mfm-join's watermark records: the
 * first at once, then one per new minute of the watermark when enough
 * records went out, else at the next hour or once they have.
 */
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "lib/control.h"
#include "lib/tm.h"

#define S MFM_TM_US_PER_S
#define MIN (60 * S)
#define HR (60 * MIN)

/* Write m, read it back into *back. */
static void
round_trip(const struct mfm_control_mark *m, struct mfm_control_mark *back)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_json j;
	struct mfm_err err;
	enum mfm_control_type type;

	mfm_control_put_watermark(&b, m);
	mfm_json_init(&j);
	ck_assert_int_eq(mfm_json_parse(&j, b.p, b.len, &err), 0);
	ck_assert_int_eq(mfm_control_is(&j), 1);
	memset(back, 0, sizeof(*back));
	ck_assert_int_eq(mfm_control_type(&j, &type, back, &err), 0);
	ck_assert_int_eq(type, MFM_CONTROL_WATERMARK);
	mfm_json_release(&j);
	mfm_buf_release(&b);
}

START_TEST(test_round_trip)
{
	struct mfm_control_mark m, back;

	memset(&m, 0, sizeof(m));
	m.has_w = 1;
	m.w = INT64_C(1795392000) * S;		/* 2026-11-22T00:00:00Z */
	m.has_now = 1;
	m.now = m.w + 3 * HR;
	m.complete = 1;
	m.shard_i = 2;
	m.shard_n = 3;
	round_trip(&m, &back);
	ck_assert_int_eq(back.has_w, 1);
	ck_assert_int_eq(back.w, m.w);
	ck_assert_int_eq(back.has_now, 1);
	ck_assert_int_eq(back.now, m.now);
	ck_assert_int_eq(back.complete, 1);
	ck_assert_uint_eq(back.shard_i, 2);
	ck_assert_uint_eq(back.shard_n, 3);
	/* Nothing said yet: nulls, no shard, not complete. */
	memset(&m, 0, sizeof(m));
	round_trip(&m, &back);
	ck_assert_int_eq(back.has_w, 0);
	ck_assert_int_eq(back.has_now, 0);
	ck_assert_int_eq(back.complete, 0);
	ck_assert_uint_eq(back.shard_n, 0);
}
END_TEST

START_TEST(test_upstream_shards)
{
	struct mfm_upstream u;
	struct mfm_control_mark m;
	struct mfm_err err;

	mfm_upstream_init(&u);
	memset(&m, 0, sizeof(m));
	m.has_w = 1;
	m.shard_n = 2;
	m.shard_i = 0;
	m.w = 10 * HR;
	ck_assert_int_eq(mfm_upstream_add(&u, &m, &err), 0);
	ck_assert_int_eq(u.has_w, 0);	/* shard 1 has not reported */
	m.shard_i = 1;
	m.w = 8 * HR;
	ck_assert_int_eq(mfm_upstream_add(&u, &m, &err), 1);
	ck_assert_int_eq(u.has_w, 1);
	ck_assert_int_eq(u.w, 8 * HR);	/* the least */
	m.w = 12 * HR;
	ck_assert_int_eq(mfm_upstream_add(&u, &m, &err), 1);
	ck_assert_int_eq(u.w, 10 * HR);
	m.w = 9 * HR;			/* a shard going back moves nothing */
	ck_assert_int_eq(mfm_upstream_add(&u, &m, &err), 0);
	ck_assert_int_eq(u.w, 10 * HR);
	mfm_upstream_release(&u);
}
END_TEST

/* The first mark at once; the next when the watermark enters a minute. */
START_TEST(test_pace_minutes)
{
	struct mfm_mark_pace p;
	int64_t after, shift = 2 * HR, t0 = 100 * HR + 30 * S;

	mfm_mark_pace_init(&p, shift, &after);
	ck_assert_int_eq(after, INT64_MIN);
	ck_assert_int_eq(mfm_mark_pace_reached(&p, t0, 0, &after), 1);
	mfm_mark_pace_written(&p, 0);
	/* Asked again when the watermark (latest - shift) enters a minute. */
	ck_assert_int_eq(after, 98 * HR + MIN + shift);
	/* With MFM_MARK_RECORDS records out since, a mark is due. */
	ck_assert_int_eq(mfm_mark_pace_reached(&p, after, MFM_MARK_RECORDS,
	    &after), 1);
	mfm_mark_pace_written(&p, MFM_MARK_RECORDS);
	ck_assert_int_eq(after, 98 * HR + 2 * MIN + shift);
}
END_TEST

/*
 * A new minute with few records out: held to the next hour, or until the
 * records are out, whichever comes first.
 */
START_TEST(test_pace_held)
{
	struct mfm_mark_pace p;
	int64_t after, shift = 0;

	mfm_mark_pace_init(&p, shift, &after);
	ck_assert_int_eq(mfm_mark_pace_reached(&p, 10 * HR + 5 * S, 7,
	    &after), 1);
	mfm_mark_pace_written(&p, 7);
	ck_assert_int_eq(after, 10 * HR + MIN);
	/* Only 10 records since: not due; asked again at the hour. */
	ck_assert_int_eq(mfm_mark_pace_reached(&p, 10 * HR + MIN, 17,
	    &after), 0);
	ck_assert_int_eq(after, 11 * HR);
	/* Records going out re-arm the minute once there are enough. */
	mfm_mark_pace_out(&p, 17 + 500, &after);
	ck_assert_int_eq(after, 11 * HR);
	mfm_mark_pace_out(&p, 7 + MFM_MARK_RECORDS, &after);
	ck_assert_int_eq(after, 10 * HR + MIN);
	ck_assert_int_eq(mfm_mark_pace_reached(&p, 10 * HR + 2 * MIN,
	    7 + MFM_MARK_RECORDS, &after), 1);
	mfm_mark_pace_written(&p, 7 + MFM_MARK_RECORDS);
	ck_assert_int_eq(after, 10 * HR + 3 * MIN);
	/* Few records, but a new hour: due. */
	ck_assert_int_eq(mfm_mark_pace_reached(&p, 11 * HR + 10 * S,
	    8 + MFM_MARK_RECORDS, &after), 1);
	ck_assert_int_eq(after, 11 * HR + MIN);
}
END_TEST

/* A shift near the end of time: the point saturates, never wraps. */
START_TEST(test_pace_saturates)
{
	struct mfm_mark_pace p;
	int64_t after;

	mfm_mark_pace_init(&p, INT64_MAX, &after);
	ck_assert_int_eq(mfm_mark_pace_at(&p, HR), INT64_MAX);
	ck_assert_int_eq(mfm_mark_pace_at(&p, -HR), INT64_MAX - HR);
}
END_TEST

Suite *suite_control(void);

Suite *
suite_control(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("control");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_upstream_shards);
	tcase_add_test(tc, test_pace_minutes);
	tcase_add_test(tc, test_pace_held);
	tcase_add_test(tc, test_pace_saturates);
	suite_add_tcase(s, tc);
	return s;
}
