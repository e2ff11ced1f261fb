/*
 * Unit tests for lib/tm: RFC 3339 and epoch parsing, durations, formatting
 * and floor alignment.  The expected instants were computed apart from
 * mfm (Python's datetime and date -u) and are written here as numbers, so
 * the tests do not check the calendar code against itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "lib/tm.h"

#define DAY_US (INT64_C(86400) * MFM_TM_US_PER_S)

/*
 * For loops of many cases: Check's own asserts write to the parent
 * process on every call, even a passing one, which costs a system call.
 */
#define EXPECT(cond, ...) do {						\
	if (!(cond))							\
		ck_abort_msg(__VA_ARGS__);				\
} while (0)

static const struct {
	const char *s;
	int64_t us;
} valid_times[] = {
	{ "1970-01-01T00:00:00Z", INT64_C(0) },
	{ "2026-11-26T13:36:05Z", INT64_C(1795700165000000) },
	{ "2026-11-26T13:36:05.123456789+01:00", INT64_C(1795696565123456) },
	{ "2026-11-26t13:36:05z", INT64_C(1795700165000000) },
	{ "2026-11-26 13:36:05Z", INT64_C(1795700165000000) },
	{ "2026-11-26T13:36:05-00:00", INT64_C(1795700165000000) },
	{ "2026-11-26T13:36:05+23:59", INT64_C(1795613825000000) },
	{ "2026-11-26T13:36:05-23:59", INT64_C(1795786505000000) },
	{ "2026-11-26T00:00:00+05:30", INT64_C(1795631400000000) },
	{ "2000-02-29T12:00:00Z", INT64_C(951825600000000) },
	{ "2024-02-29T23:59:59.999Z", INT64_C(1709251199999000) },
	{ "1600-02-29T00:00:00Z", INT64_C(-11670998400000000) },
	{ "2016-12-31T23:59:60Z", INT64_C(1483228800000000) },
	{ "2016-12-31T23:59:60.5Z", INT64_C(1483228800500000) },
	{ "1998-12-31T18:59:60-05:00", INT64_C(915148800000000) },
	{ "1969-12-31T23:59:59Z", INT64_C(-1000000) },
	{ "1969-12-31T23:59:59.5Z", INT64_C(-500000) },
	{ "1969-12-31T23:59:59.9999999Z", INT64_C(-1) },
	{ "1969-12-31T23:59:59.000001Z", INT64_C(-999999) },
	{ "1960-06-15T08:30:00.123456789-05:30", INT64_C(-301226399876544) },
	{ "1900-03-01T00:00:00Z", INT64_C(-2203891200000000) },
	{ "0001-01-01T00:00:00Z", INT64_C(-62135596800000000) },
	{ "0000-01-01T00:00:00Z", INT64_C(-62167219200000000) },
	{ "0000-03-01T00:00:00Z", INT64_C(-62162035200000000) },
	{ "0000-01-01T00:00:00-23:59", INT64_C(-62167132860000000) },
	{ "9999-12-31T23:59:59.999999Z", INT64_C(253402300799999999) },
	{ "9999-12-31T23:59:59.999999999999Z", INT64_C(253402300799999999) },
	{ "9999-12-31T23:59:59+00:01", INT64_C(253402300739000000) },
	{ "2038-01-19T03:14:08Z", INT64_C(2147483648000000) },
	{ "2024-02-29T12:34:56Z", INT64_C(1709210096000000) },
	{ "2024-02-29T12:34:56.9Z", INT64_C(1709210096900000) },
	{ "2024-02-29T12:34:56.98Z", INT64_C(1709210096980000) },
	{ "2024-02-29T12:34:56.987Z", INT64_C(1709210096987000) },
	{ "2024-02-29T12:34:56.9876Z", INT64_C(1709210096987600) },
	{ "2024-02-29T12:34:56.98765Z", INT64_C(1709210096987650) },
	{ "2024-02-29T12:34:56.987654Z", INT64_C(1709210096987654) },
	{ "2024-02-29T12:34:56.9876543Z", INT64_C(1709210096987654) },
	{ "2024-02-29T12:34:56.98765432Z", INT64_C(1709210096987654) },
	{ "2024-02-29T12:34:56.987654321Z", INT64_C(1709210096987654) },
	{ "2024-02-29T12:34:56.9876543210Z", INT64_C(1709210096987654) },
	{ "2024-02-29T12:34:56.98765432109Z", INT64_C(1709210096987654) },
	{ "2024-02-29T12:34:56.987654321098Z", INT64_C(1709210096987654) },
	{ "1950-07-04T01:02:03-07:00", INT64_C(-615225477000000) },
	{ "1950-07-04T01:02:03.9-07:00", INT64_C(-615225476100000) },
	{ "1950-07-04T01:02:03.98-07:00", INT64_C(-615225476020000) },
	{ "1950-07-04T01:02:03.987-07:00", INT64_C(-615225476013000) },
	{ "1950-07-04T01:02:03.9876-07:00", INT64_C(-615225476012400) },
	{ "1950-07-04T01:02:03.98765-07:00", INT64_C(-615225476012350) },
	{ "1950-07-04T01:02:03.987654-07:00", INT64_C(-615225476012346) },
	{ "1950-07-04T01:02:03.9876543-07:00", INT64_C(-615225476012346) },
	{ "1950-07-04T01:02:03.98765432-07:00", INT64_C(-615225476012346) },
	{ "1950-07-04T01:02:03.987654321-07:00", INT64_C(-615225476012346) },
	{ "1950-07-04T01:02:03.9876543210-07:00", INT64_C(-615225476012346) },
	{ "1950-07-04T01:02:03.98765432109-07:00", INT64_C(-615225476012346) },
	{ "1950-07-04T01:02:03.987654321098-07:00", INT64_C(-615225476012346) },
};

START_TEST(rfc3339_valid)
{
	const char *s = valid_times[_i].s;
	struct mfm_err err;
	int64_t us = 42;

	mfm_err_clear(&err);
	ck_assert_msg(mfm_tm_parse_rfc3339(s, strlen(s), &us, &err) == 0,
	    "%s: %s", s, err.msg);
	ck_assert_msg(us == valid_times[_i].us, "%s: got %lld want %lld", s,
	    (long long)us, (long long)valid_times[_i].us);
}
END_TEST

#define OUT_UTC "out of range (years 0000-9999 in UTC)"
#define OUT "out of range (years 0000-9999)"

static const struct {
	const char *s;
	const char *why;
} invalid_times[] = {
	{ "2026-13-01T00:00:00Z", "month out of range" },
	{ "2026-00-01T00:00:00Z", "month out of range" },
	{ "2026-04-31T00:00:00Z", "day out of range" },
	{ "2026-01-32T00:00:00Z", "day out of range" },
	{ "2026-01-00T00:00:00Z", "day out of range" },
	{ "1900-02-29T00:00:00Z", "day out of range" },
	{ "2100-02-29T00:00:00Z", "day out of range" },
	{ "2023-02-29T00:00:00Z", "day out of range" },
	{ "2024-02-30T00:00:00Z", "day out of range" },
	{ "2026-01-01T24:00:00Z", "hour out of range" },
	{ "2026-01-01T00:60:00Z", "minute out of range" },
	{ "2026-01-01T00:00:61Z", "second out of range" },
	{ "2026-01-01T00:00:00", "missing time offset" },
	{ "2026-01-01T00:00:00.5", "missing time offset" },
	{ "2026-01-01T00:00:00+0100", "expected an offset as +hh:mm or "
	    "-hh:mm" },
	{ "2026-01-01T00:00:00+01", "expected an offset as +hh:mm or "
	    "-hh:mm" },
	{ "2026-01-01T00:00:00+1:00", "expected an offset as +hh:mm or "
	    "-hh:mm" },
	{ "2026-01-01T00:00:00+24:00", "offset out of range" },
	{ "2026-01-01T00:00:00-01:60", "offset out of range" },
	{ "2026-01-01T00:00:00UTC", "expected 'Z' or an offset" },
	{ "2026-01-01T00:00:00Zjunk", "trailing characters" },
	{ "2026-01-01T00:00:00Z ", "trailing characters" },
	{ "2026-01-01T00:00:00+01:00Z", "trailing characters" },
	{ "26-01-01T00:00:00Z", "expected a 4-digit year" },
	{ "+2026-01-01T00:00:00Z", "expected a 4-digit year" },
	{ "12026-01-01T00:00:00Z", "expected '-' after the year" },
	{ "20260101T000000Z", "expected '-' after the year" },
	{ "2026-1-01T00:00:00Z", "expected a 2-digit month" },
	{ "2026-01-1T00:00:00Z", "expected a 2-digit day" },
	{ "2026-01-01T0:00:00Z", "expected a 2-digit hour" },
	{ "2026-01-01T00:0:00Z", "expected 2-digit minutes" },
	{ "2026-01-01T00:00:0Z", "expected 2-digit seconds" },
	{ "2026-01-01T00:00Z", "expected ':' after the minutes" },
	{ "2026-01-01T00:00:00.Z", "expected digits after '.'" },
	{ "2026-01-01T00:00:00,5Z", "expected 'Z' or an offset" },
	{ "2026-01-01", "expected 'T' after the date" },
	{ "2026-01-01X00:00:00Z", "expected 'T' after the date" },
	{ "2026-01-01TT00:00:00Z", "expected a 2-digit hour" },
	{ "", "expected a 4-digit year" },
	{ "now", "expected a 4-digit year" },
	{ "0000-01-01T00:00:00+00:01", OUT_UTC },
	{ "9999-12-31T23:59:59-00:01", OUT_UTC },
	{ "9999-12-31T23:59:60Z", OUT_UTC },
	/* The common fixed-place form, wrong in one place. */
	{ "2026-02-29T00:00:00.000Z", "day out of range" },
	{ "2026-13-01T00:00:00.000Z", "month out of range" },
	{ "2026-00-01T00:00:00Z", "month out of range" },
	{ "2026-01-01T24:00:00.000Z", "hour out of range" },
	{ "2026-01-01T00:60:00Z", "minute out of range" },
	{ "2026-01-01T00:00:61.000Z", "second out of range" },
	{ "2026-01-01T00:00:00.0a0Z", "expected 'Z' or an offset" },
	{ "2026-01-01T00:00:00-000Z", "expected an offset as +hh:mm or "
	    "-hh:mm" },
	{ "2O26-01-01T00:00:00.000Z", "expected a 4-digit year" },
	{ "9999-12-31T23:59:60.000Z", OUT_UTC },
};

START_TEST(rfc3339_invalid)
{
	const char *s = invalid_times[_i].s;
	struct mfm_err err;
	char want[256];
	int64_t us = 42;

	mfm_err_clear(&err);
	ck_assert_int_eq(mfm_tm_parse_rfc3339(s, strlen(s), &us, &err), -1);
	ck_assert_msg(us == 42, "%s: output written on error", s);
	ck_assert_int_eq(err.kind, MFM_ERR_DATA);
	snprintf(want, sizeof(want), "invalid time '%s': %s", s,
	    invalid_times[_i].why);
	ck_assert_str_eq(err.msg, want);
}
END_TEST

START_TEST(rfc3339_length)
{
	const char s[] = "2026-01-01T00:00:00Zxyz";
	const char nul[] = "2026-01-01T00:00:00Z\0";
	struct mfm_err err;
	int64_t us;

	/* n bounds the string: no NUL needed, bytes past n ignored. */
	ck_assert_int_eq(mfm_tm_parse_rfc3339(s, 20, &us, &err), 0);
	ck_assert(us == INT64_C(1767225600000000));
	ck_assert_int_eq(mfm_tm_parse_rfc3339(s, 19, &us, &err), -1);
	ck_assert_str_eq(err.msg, "invalid time '2026-01-01T00:00:00': "
	    "missing time offset");
	ck_assert_int_eq(mfm_tm_parse_rfc3339(nul, 21, &us, &err), -1);
	ck_assert_str_eq(err.msg, "invalid time '2026-01-01T00:00:00Z?': "
	    "trailing characters");
}
END_TEST

START_TEST(rfc3339_message_quoting)
{
	char s[200];
	struct mfm_err err;
	int64_t us;

	/* A long bad value is cut in the message, not the whole line. */
	memset(s, 'x', sizeof(s));
	ck_assert_int_eq(mfm_tm_parse_rfc3339(s, sizeof(s), &us, &err), -1);
	ck_assert_str_eq(err.msg, "invalid time "
	    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...': "
	    "expected a 4-digit year");
	ck_assert_int_eq(mfm_tm_parse_rfc3339("2026\n", 5, &us, &err), -1);
	ck_assert_str_eq(err.msg, "invalid time '2026?': "
	    "expected '-' after the year");
	ck_assert_int_eq(mfm_tm_parse_rfc3339("x", 1, &us, NULL), -1);
}
END_TEST

/*
 * The fixed-place reading of "...SSZ" and "...SS.mmmZ" gives what the
 * full parser gives for the same instant written with "+00:00".
 */
START_TEST(rfc3339_common_form)
{
	char z[32], ms[32], off[32];
	int64_t t, a, b, c, y;

	for (t = MFM_TM_MIN; t <= MFM_TM_MAX; t += INT64_C(7777777777777)) {
		int64_t s = mfm_tm_floor(t, MFM_TM_US_PER_S, 0) /
		    MFM_TM_US_PER_S;
		int64_t days = mfm_tm_floor(s, 86400, 0) / 86400;
		int64_t sod = s - days * 86400;
		int milli = (int)((t - s * MFM_TM_US_PER_S) / 1000);
		unsigned m, d;

		mfm_tm_civil_from_days(days, &y, &m, &d);
		snprintf(z, sizeof(z), "%04d-%02u-%02uT%02d:%02d:%02dZ",
		    (int)y, m, d, (int)(sod / 3600), (int)(sod / 60 % 60),
		    (int)(sod % 60));
		snprintf(ms, sizeof(ms), "%.19s.%03dZ", z, milli);
		snprintf(off, sizeof(off), "%.19s.%03d+00:00", z, milli);
		ck_assert_int_eq(mfm_tm_parse_rfc3339(z, 20, &a, NULL), 0);
		ck_assert_int_eq(mfm_tm_parse_rfc3339(ms, 24, &b, NULL), 0);
		ck_assert_int_eq(mfm_tm_parse_rfc3339(off, strlen(off), &c,
		    NULL), 0);
		ck_assert(a == s * MFM_TM_US_PER_S);
		ck_assert(b == c);
		ck_assert(b == a + milli * 1000);
	}
}
END_TEST

START_TEST(rfc3339_leap_second)
{
	int64_t a, b;

	/* 23:59:60 is the same instant as the next day's 00:00:00. */
	ck_assert_int_eq(mfm_tm_parse_rfc3339("2016-12-31T23:59:60Z", 20, &a,
	    NULL), 0);
	ck_assert_int_eq(mfm_tm_parse_rfc3339("2017-01-01T00:00:00Z", 20, &b,
	    NULL), 0);
	ck_assert(a == b);
}
END_TEST

static const struct {
	double v;
	enum mfm_tm_unit unit;
	int64_t us;
} epochs[] = {
	{ 0, MFM_TM_AUTO, 0 },
	{ 1.5, MFM_TM_AUTO, 1500000 },
	{ -1.5, MFM_TM_AUTO, -1500000 },
	{ 1700000000, MFM_TM_AUTO, INT64_C(1700000000000000) },
	{ 1700000000.123456, MFM_TM_AUTO, INT64_C(1700000000123456) },
	{ 1700000000123.0, MFM_TM_AUTO, INT64_C(1700000000123000) },
	{ 1700000000123.456, MFM_TM_AUTO, INT64_C(1700000000123456) },
	{ 1700000000123456.0, MFM_TM_AUTO, INT64_C(1700000000123456) },
	{ 1700000000123456000.0, MFM_TM_AUTO, INT64_C(1700000000123456) },
	/* The magnitude boundaries: 1e11, 1e14 and 1e17. */
	{ 99999999999.0, MFM_TM_AUTO, INT64_C(99999999999000000) },
	{ 1e11, MFM_TM_AUTO, INT64_C(100000000000000) },
	{ -62135596800.0, MFM_TM_AUTO, -INT64_C(62135596800000000) },
	{ -1e11, MFM_TM_AUTO, -INT64_C(100000000000000) },
	{ 99999999999999.0, MFM_TM_AUTO, INT64_C(99999999999999000) },
	{ 1e14, MFM_TM_AUTO, INT64_C(100000000000000) },
	{ 99999999999999984.0, MFM_TM_AUTO, INT64_C(99999999999999984) },
	{ 1e17, MFM_TM_AUTO, INT64_C(100000000000000) },
	{ 1e11, MFM_TM_S, INT64_C(100000000000000000) },
	{ 1700000000, MFM_TM_MS, INT64_C(1700000000000) },
	{ 1700000000, MFM_TM_US, INT64_C(1700000000) },
	{ 1700000000, MFM_TM_NS, INT64_C(1700000) },
	{ 1500, MFM_TM_NS, 2 },		/* 1.5 us rounds up */
	{ 1499, MFM_TM_NS, 1 },
	{ -1500, MFM_TM_NS, -1 },	/* halves go up, also below zero */
	{ -1501, MFM_TM_NS, -2 },
	{ -1499.5, MFM_TM_NS, -1 },
	/* As a double this is ...456768 ns: rounded, not floored. */
	{ 1700000000123456789.0, MFM_TM_NS, INT64_C(1700000000123457) },
	{ 0.0000005, MFM_TM_S, 1 },
	{ -0.0000005, MFM_TM_S, 0 },
	{ -0.25, MFM_TM_AUTO, -250000 },
	{ 1e12, MFM_TM_MS, INT64_C(1000000000000000) },
	{ -62167219200.0, MFM_TM_AUTO, MFM_TM_MIN },
	{ 253402300799.0, MFM_TM_S, INT64_C(253402300799000000) },
};

START_TEST(epoch_valid)
{
	struct mfm_err err;
	int64_t us = 42;

	mfm_err_clear(&err);
	ck_assert_msg(mfm_tm_from_epoch(epochs[_i].v, epochs[_i].unit, &us,
	    &err) == 0, "%.17g: %s", epochs[_i].v, err.msg);
	ck_assert_msg(us == epochs[_i].us, "%.17g: got %lld want %lld",
	    epochs[_i].v, (long long)us, (long long)epochs[_i].us);
}
END_TEST

START_TEST(epoch_invalid)
{
	struct mfm_err err;
	int64_t us = 42;

	ck_assert_int_eq(mfm_tm_from_epoch(0.0 / 0.0, MFM_TM_AUTO, &us, &err),
	    -1);
	ck_assert_int_eq(err.kind, MFM_ERR_DATA);
	ck_assert_str_eq(err.msg, "invalid time 'nan': not a finite number");
	ck_assert_int_eq(mfm_tm_from_epoch(1.0 / 0.0, MFM_TM_AUTO, &us, &err),
	    -1);
	ck_assert_str_eq(err.msg, "invalid time 'inf': not a finite number");
	ck_assert_int_eq(mfm_tm_from_epoch(-1.0 / 0.0, MFM_TM_S, &us, &err),
	    -1);
	ck_assert_str_eq(err.msg, "invalid time '-inf': not a finite number");
	ck_assert_int_eq(mfm_tm_from_epoch(1e17, MFM_TM_MS, &us, &err), -1);
	ck_assert_int_eq(mfm_tm_from_epoch(1e20, MFM_TM_NS, &us, &err), -1);
	ck_assert_int_eq(mfm_tm_from_epoch(-62167219201.0, MFM_TM_AUTO, &us,
	    &err), -1);
	ck_assert_str_eq(err.msg, "invalid time '-62167219201': "
	    "out of range (years 0000-9999)");
	ck_assert_int_eq(mfm_tm_from_epoch(-99999999999.0, MFM_TM_AUTO, &us,
	    &err), -1);
	ck_assert_int_eq(mfm_tm_from_epoch(253402300800.0, MFM_TM_S, &us,
	    &err), -1);
	ck_assert_int_eq(mfm_tm_from_epoch(1e12, MFM_TM_S, &us, &err), -1);
	ck_assert_int_eq(mfm_tm_from_epoch(1e300, MFM_TM_AUTO, &us, &err), -1);
	ck_assert_int_eq(mfm_tm_from_epoch(-1e300, MFM_TM_US, &us, &err), -1);
	ck_assert_int_eq(mfm_tm_from_epoch(1e19, MFM_TM_US, &us, NULL), -1);
	ck_assert(us == 42);
}
END_TEST

static const struct {
	const char *s;
	enum mfm_tm_unit unit;
	int64_t us;
} epoch_texts[] = {
	{ "0", MFM_TM_AUTO, 0 },
	{ "-0", MFM_TM_AUTO, 0 },
	{ "0.0000001", MFM_TM_AUTO, 0 },
	{ "-0.0000001", MFM_TM_AUTO, -1 },		/* floor */
	{ "1.5", MFM_TM_AUTO, 1500000 },
	{ "-1.5", MFM_TM_AUTO, -1500000 },
	{ "-1.0000005", MFM_TM_AUTO, -1000001 },
	{ "1700000000", MFM_TM_AUTO, INT64_C(1700000000000000) },
	{ "1700000000.123456", MFM_TM_AUTO, INT64_C(1700000000123456) },
	{ "1700000000.1234569", MFM_TM_AUTO, INT64_C(1700000000123456) },
	{ "1700000000123", MFM_TM_AUTO, INT64_C(1700000000123000) },
	{ "1700000000123.456", MFM_TM_AUTO, INT64_C(1700000000123456) },
	{ "1700000000123456", MFM_TM_AUTO, INT64_C(1700000000123456) },
	{ "1700000000123456789", MFM_TM_AUTO, INT64_C(1700000000123456) },
	{ "-1700000000123456789", MFM_TM_AUTO, -INT64_C(1700000000123457) },
	{ "17e8", MFM_TM_AUTO, INT64_C(1700000000000000) },
	{ "1.7E+9", MFM_TM_AUTO, INT64_C(1700000000000000) },
	{ "1700000000123e-3", MFM_TM_AUTO, INT64_C(1700000000123000) },
	{ "0.0017e12", MFM_TM_AUTO, INT64_C(1700000000000000) },
	{ "000000001", MFM_TM_AUTO, 1000000 },
	{ "99999999999", MFM_TM_AUTO, INT64_C(99999999999000000) },
	{ "99999999999.999999", MFM_TM_AUTO, INT64_C(99999999999999999) },
	{ "100000000000", MFM_TM_AUTO, INT64_C(100000000000000) },
	{ "99999999999999", MFM_TM_AUTO, INT64_C(99999999999999000) },
	{ "100000000000000", MFM_TM_AUTO, INT64_C(100000000000000) },
	{ "99999999999999999", MFM_TM_AUTO, INT64_C(99999999999999999) },
	{ "100000000000000000", MFM_TM_AUTO, INT64_C(100000000000000) },
	{ "-100000000000", MFM_TM_AUTO, -INT64_C(100000000000000) },
	{ "0e999999999999", MFM_TM_AUTO, 0 },
	{ "1e-999999999999", MFM_TM_AUTO, 0 },
	{ "-1e-999999999999", MFM_TM_AUTO, -1 },
	{ "1700000000", MFM_TM_MS, INT64_C(1700000000000) },
	{ "1700000000", MFM_TM_US, INT64_C(1700000000) },
	{ "1700000000", MFM_TM_NS, INT64_C(1700000) },
	{ "1999", MFM_TM_NS, 1 },
	{ "-1999", MFM_TM_NS, -2 },
	{ "-62167219200", MFM_TM_AUTO, MFM_TM_MIN },
	{ "253402300799.999999", MFM_TM_S, MFM_TM_MAX },
	{ "253402300799.9999999999", MFM_TM_S, MFM_TM_MAX },
};

START_TEST(epoch_text_valid)
{
	const char *s = epoch_texts[_i].s;
	struct mfm_err err;
	int64_t us = 42;

	mfm_err_clear(&err);
	ck_assert_msg(mfm_tm_parse_epoch(s, strlen(s), epoch_texts[_i].unit,
	    &us, &err) == 0, "%s: %s", s, err.msg);
	ck_assert_msg(us == epoch_texts[_i].us, "%s: got %lld want %lld", s,
	    (long long)us, (long long)epoch_texts[_i].us);
}
END_TEST

START_TEST(epoch_text_invalid)
{
	static const struct {
		const char *s;
		enum mfm_tm_unit unit;
		const char *why;
	} t[] = {
		{ "", MFM_TM_AUTO, "expected a number" },
		{ "-", MFM_TM_AUTO, "expected a number" },
		{ "+1", MFM_TM_AUTO, "expected a number" },
		{ "1.", MFM_TM_AUTO, "expected a number" },
		{ ".5", MFM_TM_AUTO, "expected a number" },
		{ "1e", MFM_TM_AUTO, "expected a number" },
		{ "1e+", MFM_TM_AUTO, "expected a number" },
		{ "1x", MFM_TM_AUTO, "expected a number" },
		{ "1 ", MFM_TM_AUTO, "expected a number" },
		{ "nan", MFM_TM_AUTO, "expected a number" },
		{ "0x10", MFM_TM_AUTO, "expected a number" },
		{ "-62167219201", MFM_TM_AUTO, OUT },
		{ "-99999999999", MFM_TM_AUTO, OUT },
		{ "253402300800", MFM_TM_S, OUT },
		{ "1e999999999999", MFM_TM_AUTO, OUT },
		{ "99999999999999999999999", MFM_TM_US, OUT },
	};
	char want[256];
	struct mfm_err err;
	int64_t us = 42;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(mfm_tm_parse_epoch(t[i].s, strlen(t[i].s),
		    t[i].unit, &us, &err), -1);
		ck_assert_int_eq(err.kind, MFM_ERR_DATA);
		snprintf(want, sizeof(want), "invalid time '%s': %s", t[i].s,
		    t[i].why);
		ck_assert_str_eq(err.msg, want);
	}
	ck_assert(us == 42);
	/* n bounds the text. */
	ck_assert_int_eq(mfm_tm_parse_epoch("12,", 2, MFM_TM_AUTO, &us, NULL),
	    0);
	ck_assert(us == 12000000);
}
END_TEST

static const struct {
	const char *s;
	int allow_zero;
	int64_t us;
} durations[] = {
	{ "90s", 0, INT64_C(90000000) },
	{ "15m", 0, INT64_C(900000000) },
	{ "1h30m", 0, INT64_C(5400000000) },
	{ "1h", 0, INT64_C(3600000000) },
	{ "7d", 0, INT64_C(604800000000) },
	{ "2w", 0, INT64_C(1209600000000) },
	{ "1d12h", 0, INT64_C(129600000000) },
	{ "1500ms", 0, INT64_C(1500000) },
	{ "250us", 0, 250 },
	{ "1m30s", 0, INT64_C(90000000) },
	{ "1s500ms", 0, INT64_C(1500000) },
	{ "1w2d3h4m5s6ms7us", 0, INT64_C(788645006007) },
	{ "007s", 0, INT64_C(7000000) },
	{ "0", 1, 0 },
	{ "0s", 1, 0 },
	{ "0h0m", 1, 0 },
	{ "0h1m", 0, INT64_C(60000000) },
	{ "9223372036854775807us", 0, INT64_MAX },
	{ "15250284w", 0, INT64_C(9223371763200000000) },
	{ "15250284w273654s775ms", 0, INT64_MAX - 807 },
	{ "15250284w273654s775807us", 0, INT64_MAX },
};

START_TEST(duration_valid)
{
	struct mfm_err err;
	int64_t us = 42;

	mfm_err_clear(&err);
	ck_assert_msg(mfm_tm_parse_duration(durations[_i].s, &us,
	    durations[_i].allow_zero, &err) == 0, "%s: %s", durations[_i].s,
	    err.msg);
	ck_assert_msg(us == durations[_i].us, "%s: got %lld want %lld",
	    durations[_i].s, (long long)us, (long long)durations[_i].us);
}
END_TEST

static const struct {
	const char *s;
	int allow_zero;
	const char *why;
} bad_durations[] = {
	{ "", 1, "empty" },
	{ "0", 0, "must be greater than zero" },
	{ "0s", 0, "must be greater than zero" },
	{ "0ms0us", 0, "must be greater than zero" },
	{ "1x", 0, "unknown unit 'x'" },
	{ "1H", 0, "unknown unit 'H'" },
	{ "2hours", 0, "unknown unit 'hours'" },
	{ "1mss", 0, "unknown unit 'mss'" },
	{ "abc", 0, "expected a number" },
	{ "-1s", 1, "expected a number" },
	{ "+1s", 0, "expected a number" },
	{ " 1s", 0, "expected a number" },
	{ "1s ", 0, "expected a number" },
	{ "h", 0, "expected a number" },
	{ "10", 0, "missing unit (us, ms, s, m, h, d, w)" },
	{ "00", 1, "missing unit (us, ms, s, m, h, d, w)" },
	{ "1h30", 0, "missing unit (us, ms, s, m, h, d, w)" },
	{ "1.5h", 0, "expected a unit (us, ms, s, m, h, d, w)" },
	{ "1 s", 0, "expected a unit (us, ms, s, m, h, d, w)" },
	{ "1m1m", 0, "unit 'm' repeated" },
	{ "30m1h", 0, "units out of order (largest first)" },
	{ "1s1m", 0, "units out of order (largest first)" },
	{ "9223372036854775808us", 0, "too large" },
	{ "99999999999999999999s", 0, "too large" },
	{ "15250285w", 0, "too large" },
	{ "9223372036855s", 0, "too large" },
	{ "15250284w273654s775808us", 0, "too large" },
	{ "15250284w273655s", 0, "too large" },
};

START_TEST(duration_invalid)
{
	struct mfm_err err;
	char want[256];
	int64_t us = 42;

	mfm_err_clear(&err);
	ck_assert_int_eq(mfm_tm_parse_duration(bad_durations[_i].s, &us,
	    bad_durations[_i].allow_zero, &err), -1);
	ck_assert(us == 42);
	ck_assert_int_eq(err.kind, MFM_ERR_USAGE);
	snprintf(want, sizeof(want), "invalid duration '%s': %s",
	    bad_durations[_i].s, bad_durations[_i].why);
	ck_assert_str_eq(err.msg, want);
}
END_TEST

START_TEST(duration_format)
{
	static const struct {
		int64_t us;
		const char *s;
	} t[] = {
		{ 0, "0s" },
		{ 1, "1us" },
		{ 999, "999us" },
		{ 1000, "1ms" },
		{ 1500000, "1500ms" },
		{ 90000000, "90s" },
		{ 5400000000, "90m" },
		{ 3600000000, "1h" },
		{ 86400000000, "1d" },
		{ 129600000000, "36h" },
		{ 604800000000, "1w" },
		{ 1209600000000, "2w" },
		{ 691200000000, "8d" },
		{ -5000000, "-5s" },
		{ INT64_MAX, "9223372036854775807us" },
		{ INT64_MIN, "-9223372036854775808us" },
	};
	char out[32];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		mfm_tm_format_duration(t[i].us, out);
		ck_assert_str_eq(out, t[i].s);
	}
}
END_TEST

/* A small fixed generator so the random cases repeat run to run. */
static uint64_t
next_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

START_TEST(duration_round_trip)
{
	uint64_t state = 0x9e3779b97f4a7c15u;
	char out[32];
	int64_t us, back;
	int i;

	for (i = 0; i < 100000; i++) {
		us = (int64_t)(next_rand(&state) >> (1 + i % 63));
		if (i % 3 == 0)	/* favour whole units */
			us -= us % (i % 2 ? INT64_C(60000000) :
			    INT64_C(86400000000));
		mfm_tm_format_duration(us, out);
		EXPECT(mfm_tm_parse_duration(out, &back, 1, NULL) == 0,
		    "%s", out);
		EXPECT(back == us, "%s", out);
	}
}
END_TEST

static const struct {
	int64_t us;
	const char *s;
} formats[] = {
	{ 0, "1970-01-01T00:00:00.000Z" },
	{ 1, "1970-01-01T00:00:00.000Z" },
	{ 999, "1970-01-01T00:00:00.000Z" },
	{ 1000, "1970-01-01T00:00:00.001Z" },
	{ -1, "1969-12-31T23:59:59.999Z" },
	{ -999, "1969-12-31T23:59:59.999Z" },
	{ -1000, "1969-12-31T23:59:59.999Z" },
	{ -1001, "1969-12-31T23:59:59.998Z" },
	{ -1000000, "1969-12-31T23:59:59.000Z" },
	{ -1000001, "1969-12-31T23:59:58.999Z" },
	{ INT64_C(1795700165123999), "2026-11-26T13:36:05.123Z" },
	{ INT64_C(951825600000000), "2000-02-29T12:00:00.000Z" },
	{ INT64_C(-2203891200000001), "1900-02-28T23:59:59.999Z" },
	{ MFM_TM_MIN, "0000-01-01T00:00:00.000Z" },
	{ MFM_TM_MAX, "9999-12-31T23:59:59.999Z" },
	{ INT64_C(-62162035200000000) - 1, "0000-02-29T23:59:59.999Z" },
	{ INT64_C(165433028427320631), "7212-05-13T03:00:27.320Z" },
	{ INT64_C(-34331988625415088), "0882-01-23T00:29:34.584Z" },
	{ INT64_C(-7904943678123989), "1719-07-03T14:18:41.876Z" },
	{ INT64_C(61597857661079285), "3921-12-17T04:01:01.079Z" },
	{ INT64_C(-12622013910593320), "1570-01-09T21:01:29.406Z" },
	{ INT64_C(178892615333996378), "7638-11-18T09:08:53.996Z" },
	{ INT64_C(76565554815241103), "4396-04-07T09:40:15.241Z" },
	{ INT64_C(-28092334124676570), "1079-10-16T05:51:15.323Z" },
	{ INT64_C(-26506174685377111), "1130-01-20T13:41:54.622Z" },
	{ INT64_C(-33580928786376172), "0905-11-11T20:13:33.623Z" },
	{ INT64_C(65277779063921356), "4038-07-27T20:24:23.921Z" },
	{ INT64_C(14602838117029579), "2432-09-29T07:55:17.029Z" },
	{ INT64_C(179449989801235862), "7656-07-17T11:23:21.235Z" },
	{ INT64_C(249516973247358628), "9876-11-16T22:20:47.358Z" },
	{ INT64_C(-2759647397341813), "1882-07-20T15:16:42.658Z" },
	{ INT64_C(46133055382410567), "3431-11-25T09:36:22.410Z" },
};

START_TEST(rfc3339_format)
{
	char out[MFM_TM_RFC3339_LEN + 1];

	ck_assert_uint_eq(mfm_tm_format_rfc3339(formats[_i].us, out),
	    MFM_TM_RFC3339_LEN);
	ck_assert_str_eq(out, formats[_i].s);
}
END_TEST

START_TEST(rfc3339_format_range)
{
	char out[MFM_TM_RFC3339_LEN + 1];
	const int64_t bad[] = {
		MFM_TM_MIN - 1, MFM_TM_MAX + 1, INT64_MIN, INT64_MAX
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(out, 'x', sizeof(out));
		ck_assert_uint_eq(mfm_tm_format_rfc3339(bad[i], out), 0);
		ck_assert_str_eq(out, "");
	}
}
END_TEST

START_TEST(rfc3339_round_trip)
{
	uint64_t state = 0x2545f4914f6cdd1du;
	uint64_t span = (uint64_t)(MFM_TM_MAX - MFM_TM_MIN) + 1;
	char out[MFM_TM_RFC3339_LEN + 1];
	int64_t us, back, want;
	int i;

	for (i = 0; i < 200000; i++) {
		us = MFM_TM_MIN + (int64_t)(next_rand(&state) % span);
		EXPECT(mfm_tm_format_rfc3339(us, out) == MFM_TM_RFC3339_LEN,
		    "%lld", (long long)us);
		EXPECT(mfm_tm_parse_rfc3339(out, strlen(out), &back, NULL) ==
		    0, "%s", out);
		want = us - ((us % 1000) + 1000) % 1000;
		EXPECT(back == want, "%lld -> %s -> %lld",
		    (long long)us, out, (long long)back);
	}
}
END_TEST

START_TEST(civil)
{
	static const struct {
		int64_t y;
		unsigned m, d;
		int64_t days;
	} t[] = {
		{ 1970, 1, 1, 0 },
		{ 1969, 12, 31, -1 },
		{ 2000, 3, 1, 11017 },
		{ 1600, 2, 29, -135081 },
		{ 1, 1, 1, -719162 },
		{ 0, 1, 1, -719528 },
		{ 0, 2, 29, -719469 },
		{ -1, 12, 31, -719529 },
		{ -400, 1, 1, -719528 - 146097 },
		{ 10000, 1, 1, 2932897 },
	};
	int64_t y;
	unsigned m, d;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert(mfm_tm_days_from_civil(t[i].y, t[i].m, t[i].d) ==
		    t[i].days);
		mfm_tm_civil_from_days(t[i].days, &y, &m, &d);
		ck_assert(y == t[i].y && m == t[i].m && d == t[i].d);
	}
	ck_assert(mfm_tm_is_leap(2000) && mfm_tm_is_leap(2024));
	ck_assert(mfm_tm_is_leap(0) && mfm_tm_is_leap(-4));
	ck_assert(!mfm_tm_is_leap(1900) && !mfm_tm_is_leap(2023));
	ck_assert(!mfm_tm_is_leap(-100));
	ck_assert_uint_eq(mfm_tm_days_in_month(2024, 2), 29);
	ck_assert_uint_eq(mfm_tm_days_in_month(1900, 2), 28);
	ck_assert_uint_eq(mfm_tm_days_in_month(2026, 4), 30);
	ck_assert_uint_eq(mfm_tm_days_in_month(2026, 13), 0);
}
END_TEST

START_TEST(civil_every_day)
{
	int64_t days, y = -1000, py;
	unsigned m = 12, d = 31, pm, pd;

	/* Each day of years -999..10999 follows the one before. */
	for (days = mfm_tm_days_from_civil(-999, 1, 1) - 1;
	    days < mfm_tm_days_from_civil(11000, 1, 1); days++) {
		py = y, pm = m, pd = d;
		mfm_tm_civil_from_days(days + 1, &y, &m, &d);
		EXPECT(mfm_tm_days_from_civil(y, m, d) == days + 1,
		    "day %lld", (long long)days + 1);
		if (pd < mfm_tm_days_in_month(py, pm))
			EXPECT(y == py && m == pm && d == pd + 1,
			    "day %lld", (long long)days + 1);
		else if (pm < 12)
			EXPECT(y == py && m == pm + 1 && d == 1,
			    "day %lld", (long long)days + 1);
		else
			EXPECT(y == py + 1 && m == 1 && d == 1,
			    "day %lld", (long long)days + 1);
	}
}
END_TEST

START_TEST(floor_values)
{
	static const struct {
		int64_t us, size, offset, want;
	} t[] = {
		{ 0, 10, 0, 0 },
		{ 9, 10, 0, 0 },
		{ 10, 10, 0, 10 },
		{ -1, 10, 0, -10 },
		{ -10, 10, 0, -10 },
		{ -11, 10, 0, -20 },
		{ 5, 10, 3, 3 },
		{ 2, 10, 3, -7 },
		{ -8, 10, 3, -17 },
		{ 5, 10, -3, -3 },
		{ 25, 10, 13, 23 },
		{ -1, DAY_US, 0, -DAY_US },
		{ -DAY_US, DAY_US, 0, -DAY_US },
		{ INT64_MAX, 10, 0, INT64_C(9223372036854775800) },
		{ INT64_MAX, 10, INT64_MIN, INT64_C(9223372036854775802) },
		{ INT64_MIN, 10, INT64_MIN, INT64_MIN },
		{ 7, 0, 0, 7 },
		{ 7, -5, 0, 7 },
		{ MFM_TM_MIN, DAY_US, 0, MFM_TM_MIN },
		{ MFM_TM_MAX, DAY_US, 0, MFM_TM_MAX + 1 - DAY_US },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(mfm_tm_floor(t[i].us, t[i].size, t[i].offset) ==
		    t[i].want, "case %zu", i);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *suite_tm(void);

Suite *
suite_tm(void)
{
	Suite *s = suite_create("tm");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, rfc3339_valid, 0, N(valid_times));
	tcase_add_loop_test(tc, rfc3339_invalid, 0, N(invalid_times));
	tcase_add_test(tc, rfc3339_length);
	tcase_add_test(tc, rfc3339_message_quoting);
	tcase_add_test(tc, rfc3339_leap_second);
	tcase_add_test(tc, rfc3339_common_form);
	tcase_add_loop_test(tc, epoch_valid, 0, N(epochs));
	tcase_add_test(tc, epoch_invalid);
	tcase_add_loop_test(tc, epoch_text_valid, 0, N(epoch_texts));
	tcase_add_test(tc, epoch_text_invalid);
	tcase_add_loop_test(tc, duration_valid, 0, N(durations));
	tcase_add_loop_test(tc, duration_invalid, 0, N(bad_durations));
	tcase_add_test(tc, duration_format);
	tcase_add_test(tc, duration_round_trip);
	tcase_add_loop_test(tc, rfc3339_format, 0, N(formats));
	tcase_add_test(tc, rfc3339_format_range);
	tcase_add_test(tc, rfc3339_round_trip);
	tcase_add_test(tc, civil);
	tcase_add_test(tc, civil_every_day);
	tcase_add_test(tc, floor_values);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
