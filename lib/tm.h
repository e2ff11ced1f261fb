/*
 * Time: instants are int64 microseconds since the Unix epoch (UTC), and
 * durations int64 microseconds.  Parsing and formatting never depend on
 * the locale or the TZ variable, and never call gmtime/localtime.
 *
 * Every instant the parsers return lies in [MFM_TM_MIN, MFM_TM_MAX], the
 * years 0000-9999 that RFC 3339 can write, so whatever was read can be
 * written back.
 */
#ifndef MFM_TM_H
#define MFM_TM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define MFM_TM_US_PER_S INT64_C(1000000)

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z. */
#define MFM_TM_MIN (-INT64_C(62167219200000000))
#define MFM_TM_MAX INT64_C(253402300799999999)

enum mfm_tm_unit {
	MFM_TM_AUTO = 0,	/* by magnitude, see mfm_tm_from_epoch */
	MFM_TM_S,
	MFM_TM_MS,
	MFM_TM_US,
	MFM_TM_NS
};

/*
 * RFC 3339 date-time: "2026-11-26T13:36:05Z", "...05.123456789+01:00",
 * 't'/'z' and ' ' for 'T' accepted as RFC 3339 §5.6 allows; the offset
 * (Z or +hh:mm/-hh:mm) is required.  Any number of fraction digits, the
 * instant floored to the microsecond (toward the past, also before
 * 1970); leap second 60 accepted and folded into the next second.
 * Years 0000-9999, and the instant in UTC must stay within them.  The n
 * bytes of s are the whole string: anything after the offset is an
 * error.  Errors (MFM_ERR_DATA) read "invalid time '...': month out of
 * range".
 */
int mfm_tm_parse_rfc3339(const char *s, size_t n, int64_t *us,
    struct mfm_err *err);

/*
 * Epoch number to instant.  MFM_TM_AUTO picks the unit by magnitude of
 * |v|: < 1e11 seconds, < 1e14 milliseconds, < 1e17 microseconds, else
 * nanoseconds (so 1e11 s = year 5138 is the boundary).  Fractions are
 * kept to the microsecond, rounded to the nearest one (a double holds
 * no more, and 1700000000.123456 must give ...123456, not ...123455).
 * -1 (MFM_ERR_DATA) when the value is not finite or the instant is
 * outside [MFM_TM_MIN, MFM_TM_MAX].
 */
int mfm_tm_from_epoch(double v, enum mfm_tm_unit unit, int64_t *us,
    struct mfm_err *err);

/*
 * Epoch number as text, exactly: a JSON number ("1700000000",
 * "1700000000123.456", "-1.5", "17e8"), unit by magnitude as above when
 * MFM_TM_AUTO (|v| < 1e11 seconds, ...), converted without a double
 * and floored to the microsecond as RFC 3339 fractions are, so
 * "1700000000123456789" (ns) is ...123456 exactly.  Prefer this over
 * mfm_tm_from_epoch when the text is at hand.  The n bytes of s are the
 * whole number.  Errors (MFM_ERR_DATA): "invalid time 'x': expected a
 * number", "... out of range (years 0000-9999)".
 */
int mfm_tm_parse_epoch(const char *s, size_t n, enum mfm_tm_unit unit,
    int64_t *us, struct mfm_err *err);

/*
 * Duration: one or more <integer><unit> parts, units us, ms, s, m, h, d,
 * w, e.g. "90s", "15m", "1h30m", "7d"; the parts' units must go from
 * larger to smaller, each at most once ("30m1h" and "1m1m" are errors).
 * No sign, fraction or space.  A bare "0" is zero.  Must be > 0 unless
 * allow_zero.  A sum beyond INT64_MAX microseconds is an error.  Errors
 * (MFM_ERR_USAGE) say what is wrong: "invalid duration '1x': unknown
 * unit 'x'".
 */
int mfm_tm_parse_duration(const char *s, int64_t *us, int allow_zero,
    struct mfm_err *err);

/*
 * Format a duration back in the largest exact unit: "1d", "90m",
 * "1500ms", "2w"; zero is "0s", a negative duration gets a '-'.  What is
 * written parses back to the same value (negatives aside).
 */
void mfm_tm_format_duration(int64_t us, char out[32]);

/*
 * RFC 3339 UTC with milliseconds: "2026-11-26T13:36:05.000Z", the
 * instant floored to the millisecond (toward the past, also before
 * 1970).  out holds at least MFM_TM_RFC3339_LEN + 1 bytes.  Returns the
 * length written, always MFM_TM_RFC3339_LEN; an instant outside
 * [MFM_TM_MIN, MFM_TM_MAX] has no such form: out is set to "" and 0 is
 * returned.
 */
#define MFM_TM_RFC3339_LEN 24
size_t mfm_tm_format_rfc3339(int64_t us, char *out);

/*
 * Civil date helpers (proleptic Gregorian, UTC, year 0 = 1 BC).  Days
 * are counted from 1970-01-01; m is 1-12, d 1-31 (not checked against
 * the month: 2021-02-31 is 2021-03-03).  Exact for |y| < 2^40.
 */
int64_t mfm_tm_days_from_civil(int64_t y, unsigned m, unsigned d);
void mfm_tm_civil_from_days(int64_t days, int64_t *y, unsigned *m,
    unsigned *d);
/* 1 if y is a Gregorian leap year; days in month m (1-12) of year y. */
int mfm_tm_is_leap(int64_t y);
unsigned mfm_tm_days_in_month(int64_t y, unsigned m);

/*
 * Floor division of an instant to a multiple of size, shifted by offset:
 * the largest t <= us with t = offset + k * size for an integer k, also
 * for negative us and offset (a floor, not a truncation toward zero).
 * size must be > 0 (else us is returned unchanged); the result must fit
 * in int64, which holds for any us within [MFM_TM_MIN, MFM_TM_MAX].
 */
int64_t mfm_tm_floor(int64_t us, int64_t size, int64_t offset);

#endif
