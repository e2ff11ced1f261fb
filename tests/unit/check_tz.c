/*
 * Unit tests for time zones (lib/tz.c): TZif parsing and its failures,
 * POSIX footer rules, offsets against golden data from Python's
 * zoneinfo (scripts/gen-tz-golden), and local time to instant at the
 * switches, where the daily windows of mfm-window get their bounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/buf.h"
#include "lib/tm.h"
#include "lib/tz.h"

#define S MFM_TM_US_PER_S
#define H (3600 * S)

static void
load(struct mfm_tz *tz, const char *name)
{
	struct mfm_err err;

	mfm_tz_init(tz);
	ck_assert_msg(mfm_tz_load(tz, NULL, name, &err) == 0, "%s: %s", name,
	    err.msg);
}

/* Instant of a UTC civil time. */
static int64_t
utc(int y, unsigned mo, unsigned d, int h, int mi)
{
	return (mfm_tm_days_from_civil(y, mo, d) * 86400 + h * 3600 +
	    mi * 60) * S;
}

START_TEST(test_paris_table)
{
	struct mfm_tz tz;
	int64_t until;

	load(&tz, "Europe/Paris");
	ck_assert_int_gt(tz.ntrans, 100);
	ck_assert_int_eq(mfm_tz_offset(&tz, utc(2026, 3, 29, 1, 0) - 1,
	    &until), 3600);
	ck_assert_int_eq(until, utc(2026, 3, 29, 1, 0));
	ck_assert_int_eq(mfm_tz_offset(&tz, utc(2026, 3, 29, 1, 0), &until),
	    7200);
	ck_assert_int_eq(until, utc(2026, 10, 25, 1, 0));
	ck_assert_int_eq(mfm_tz_offset(&tz, utc(2026, 10, 25, 1, 0), NULL),
	    3600);
	mfm_tz_release(&tz);
}
END_TEST

START_TEST(test_paris_rule)
{
	struct mfm_tz tz;
	int64_t until;

	/* 2050 is past the table: the footer rule answers. */
	load(&tz, "Europe/Paris");
	ck_assert_int_eq(tz.rule, 2);
	ck_assert_int_eq(tz.std_off, 3600);
	ck_assert_int_eq(tz.dst_off, 7200);
	ck_assert_int_eq(mfm_tz_offset(&tz, utc(2050, 1, 10, 0, 0), &until),
	    3600);
	ck_assert_int_eq(until, INT64_C(2531955600) * S);
	ck_assert_int_eq(mfm_tz_offset(&tz, INT64_C(2531955600) * S, &until),
	    7200);
	ck_assert_int_eq(until, INT64_C(2550704400) * S);
	ck_assert_int_eq(mfm_tz_offset(&tz, INT64_C(2550704400) * S - 1,
	    NULL), 7200);
	ck_assert_int_eq(mfm_tz_offset(&tz, INT64_C(2550704400) * S, NULL),
	    3600);
	mfm_tz_release(&tz);
}
END_TEST

START_TEST(test_paris_local)
{
	struct mfm_tz tz;

	load(&tz, "Europe/Paris");
	/* Midnight of the short day and of the long one. */
	ck_assert_int_eq(mfm_tz_utc(&tz, utc(2026, 3, 29, 0, 0)),
	    utc(2026, 3, 28, 23, 0));
	ck_assert_int_eq(mfm_tz_utc(&tz, utc(2026, 3, 30, 0, 0)),
	    utc(2026, 3, 29, 22, 0));
	ck_assert_int_eq(mfm_tz_utc(&tz, utc(2026, 10, 25, 0, 0)),
	    utc(2026, 10, 24, 22, 0));
	ck_assert_int_eq(mfm_tz_utc(&tz, utc(2026, 10, 26, 0, 0)),
	    utc(2026, 10, 25, 23, 0));
	/* 02:30 never happens on 29 March: the jump at 01:00Z. */
	ck_assert_int_eq(mfm_tz_utc(&tz, utc(2026, 3, 29, 2, 30)),
	    utc(2026, 3, 29, 1, 0));
	/* 02:30 happens twice on 25 October: the first one. */
	ck_assert_int_eq(mfm_tz_utc(&tz, utc(2026, 10, 25, 2, 30)),
	    utc(2026, 10, 25, 0, 30));
	ck_assert_int_eq(mfm_tz_utc(&tz, utc(2026, 10, 25, 3, 0)),
	    utc(2026, 10, 25, 2, 0));
	mfm_tz_release(&tz);
}
END_TEST

START_TEST(test_golden)
{
	const char *dir = getenv("MFM_TESTDATA");
	char path[4096], zone[64], cur[64] = "";
	struct mfm_tz tz;
	long long sec;
	int off, n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tz-offsets.txt",
	    dir ? dir : "tests/data");
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s", path);
	mfm_tz_init(&tz);
	while (fscanf(f, "%63s %lld %d", zone, &sec, &off) == 3) {
		if (strcmp(zone, cur) != 0) {
			mfm_tz_release(&tz);
			load(&tz, zone);
			snprintf(cur, sizeof(cur), "%s", zone);
		}
		ck_assert_msg(mfm_tz_offset(&tz, sec * S, NULL) == off,
		    "%s at %lld: %d, expected %d", zone, sec,
		    mfm_tz_offset(&tz, sec * S, NULL), off);
		n++;
	}
	fclose(f);
	mfm_tz_release(&tz);
	ck_assert_int_gt(n, 5000);
}
END_TEST

static void
rule(struct mfm_tz *tz, const char *s, int ok)
{
	struct mfm_err err;

	mfm_tz_init(tz);
	ck_assert_msg(mfm_tz_parse_rule(tz, s, strlen(s), &err) == (ok ? 0 :
	    -1), "rule '%s'", s);
}

START_TEST(test_rules)
{
	struct mfm_tz tz;
	struct mfm_err err;

	rule(&tz, "EST5EDT,M3.2.0,M11.1.0", 1);
	ck_assert_int_eq(tz.std_off, -5 * 3600);
	ck_assert_int_eq(tz.dst_off, -4 * 3600);
	ck_assert_int_eq(tz.start.secs, 7200);
	/* 2026-03-08 07:00Z and 2026-11-01 06:00Z. */
	ck_assert_int_eq(mfm_tz_offset(&tz, utc(2026, 3, 8, 7, 0) - 1, NULL),
	    -5 * 3600);
	ck_assert_int_eq(mfm_tz_offset(&tz, utc(2026, 3, 8, 7, 0), NULL),
	    -4 * 3600);
	ck_assert_int_eq(mfm_tz_offset(&tz, utc(2026, 11, 1, 6, 0), NULL),
	    -5 * 3600);
	rule(&tz, "<+0330>-3:30", 1);
	ck_assert_int_eq(tz.rule, 1);
	ck_assert_int_eq(mfm_tz_offset(&tz, 0, NULL), 3 * 3600 + 1800);
	/* Southern hemisphere: DST over the new year. */
	rule(&tz, "AEST-10AEDT,M10.1.0,M4.1.0/3", 1);
	ck_assert_int_eq(mfm_tz_offset(&tz, utc(2026, 1, 15, 0, 0), NULL),
	    11 * 3600);
	ck_assert_int_eq(mfm_tz_offset(&tz, utc(2026, 6, 15, 0, 0), NULL),
	    10 * 3600);
	/* DST all year, written as a rule (RFC 8536 3.3.1). */
	rule(&tz, "EST5EDT,0/0,J365/25", 1);
	ck_assert_int_eq(mfm_tz_offset(&tz, utc(2026, 1, 1, 12, 0), NULL),
	    -4 * 3600);
	ck_assert_int_eq(mfm_tz_offset(&tz, utc(2026, 12, 31, 23, 0), NULL),
	    -4 * 3600);
	ck_assert_int_eq(mfm_tz_offset(&tz, utc(2027, 1, 1, 5, 30), NULL),
	    -4 * 3600);
	/* Julian day 60 is 1 March, leap year or not. */
	rule(&tz, "AAA0BBB,J60/0,J300/0", 1);
	ck_assert_int_eq(mfm_tz_offset(&tz, utc(2028, 3, 1, 0, 0) - 1, NULL),
	    0);
	ck_assert_int_eq(mfm_tz_offset(&tz, utc(2028, 3, 1, 0, 0), NULL),
	    3600);
	rule(&tz, "", 1);
	ck_assert_int_eq(tz.rule, 0);
	rule(&tz, "EST", 0);
	rule(&tz, "ES5", 0);
	rule(&tz, "EST5EDT", 0);
	rule(&tz, "EST5EDT,M3.2.0", 0);
	rule(&tz, "EST5EDT,M13.2.0,M11.1.0", 0);
	rule(&tz, "EST5EDT,M3.6.0,M11.1.0", 0);
	rule(&tz, "EST5EDT,M3.2.7,M11.1.0", 0);
	rule(&tz, "EST5EDT,J0,J100", 0);
	rule(&tz, "EST5EDT,M3.2.0/168,M11.1.0", 0);
	rule(&tz, "EST25", 0);
	rule(&tz, "<A>5", 0);
	rule(&tz, "EST5EDT,M3.2.0,M11.1.0x", 0);
	ck_assert_int_eq(mfm_tz_parse_rule(&tz, "EST", 3, &err), -1);
	ck_assert_str_eq(err.msg, "bad footer rule 'EST'");
}
END_TEST

/* Every truncation and many corruptions of a real file fail cleanly. */
START_TEST(test_malformed)
{
	struct mfm_tz tz;
	struct mfm_err err;
	struct mfm_buf b = MFM_BUF_INIT;
	char chunk[4096];
	size_t n, i;
	FILE *f = fopen(MFM_TZ_DIR "/Europe/Paris", "rb");

	ck_assert_ptr_nonnull(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		mfm_buf_add(&b, chunk, n);
	fclose(f);
	mfm_tz_init(&tz);
	ck_assert_int_eq(mfm_tz_parse(&tz, b.p, b.len, &err), 0);
	for (i = 0; i + 1 < b.len; i++) {
		/* Without the last newline the footer is unterminated. */
		ck_assert_int_eq(mfm_tz_parse(&tz, b.p, i, &err), -1);
		ck_assert_int_eq(tz.ntrans, 0);
	}
	ck_assert_str_eq(err.msg, "malformed TZif file");
	ck_assert_int_eq(mfm_tz_parse(&tz, "TZif1", 5, &err), -1);
	ck_assert_str_eq(err.msg, "not a TZif file");
	/* Flip each byte of the headers and the data: no crash. */
	for (i = 0; i < b.len; i++) {
		b.p[i] ^= 0xff;
		(void)mfm_tz_parse(&tz, b.p, b.len, &err);
		b.p[i] ^= 0xff;
	}
	b.p[4] = '1';
	ck_assert_int_eq(mfm_tz_parse(&tz, b.p, b.len, &err), -1);
	ck_assert_str_eq(err.msg, "TZif version 1 is not supported");
	mfm_tz_release(&tz);
	mfm_buf_release(&b);
}
END_TEST

START_TEST(test_load_errors)
{
	struct mfm_tz tz;
	struct mfm_err err;

	mfm_tz_init(&tz);
	ck_assert_int_eq(mfm_tz_load(&tz, NULL, "Mars/Olympus", &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_USAGE);
	ck_assert_str_eq(err.msg, "unknown time zone 'Mars/Olympus'");
	ck_assert_int_eq(mfm_tz_load(&tz, NULL, "Europe", &err), -1);
	ck_assert_str_eq(err.msg, "unknown time zone 'Europe'");
	ck_assert_int_eq(mfm_tz_load(&tz, NULL, "../../etc/passwd", &err),
	    -1);
	ck_assert_str_eq(err.msg, "invalid time zone name '../../etc/passwd'");
	ck_assert_int_eq(mfm_tz_load(&tz, NULL, "/etc/localtime", &err), -1);
	ck_assert_int_eq(mfm_tz_load(&tz, NULL, "Europe//Paris", &err), -1);
	ck_assert_int_eq(mfm_tz_load(&tz, NULL, "", &err), -1);
	ck_assert_int_eq(mfm_tz_load(&tz, NULL, "Europe/Paris x", &err), -1);
	/* A file that is not a zone. */
	ck_assert_int_eq(mfm_tz_load(&tz, NULL, "tzdata.zi", &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_DATA);
	ck_assert_str_eq(err.msg, MFM_TZ_DIR "/tzdata.zi: not a TZif file");
	/* UTC: no transitions, the footer "UTC0". */
	load(&tz, "UTC");
	ck_assert_int_eq(mfm_tz_offset(&tz, 0, NULL), 0);
	ck_assert_int_eq(mfm_tz_utc(&tz, 12345), 12345);
	mfm_tz_release(&tz);
}
END_TEST

Suite *suite_tz(void);

Suite *
suite_tz(void)
{
	Suite *s = suite_create("tz");
	TCase *tc = tcase_create("tz");

	tcase_add_test(tc, test_paris_table);
	tcase_add_test(tc, test_paris_rule);
	tcase_add_test(tc, test_paris_local);
	tcase_add_test(tc, test_golden);
	tcase_add_test(tc, test_rules);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_load_errors);
	suite_add_tcase(s, tc);
	tcase_set_timeout(tc, 60);
	return s;
}
