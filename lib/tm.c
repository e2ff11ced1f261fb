/*
 * Time without the C library's calendar: RFC 3339 and epoch numbers in,
 * RFC 3339 UTC with milliseconds out, durations both ways, and floor
 * alignment for windows.  Instants are int64 microseconds since the
 * epoch; the calendar is the proleptic Gregorian one, computed from day
 * counts by plain integer arithmetic (eras of 400 years, years starting
 * in March so the leap day comes last), so nothing reads TZ or the
 * locale and nothing hands back static storage.
 *
 * Every rounding is a floor: an instant before 1970 loses its extra
 * fraction digits toward the past exactly as one after 1970 does, so
 * ordering and window membership never change with the sign.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/tm.h"
#include "lib/banned.h"

#define US_PER_MS INT64_C(1000)
#define US_PER_DAY (INT64_C(86400) * MFM_TM_US_PER_S)
#define QUOTE_MAX 48		/* bytes of a bad input shown in a message */

/* Floor division for b > 0: rounds toward -infinity, not toward zero. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && a < 0)
		q--;
	return q;
}

/* A bad input as shown inside '...' in a message (see err.h). */
static void
quote(char *dst, size_t size, const char *s, size_t n)
{
	mfm_err_quote(dst, size, s, n, QUOTE_MAX);
}

int
mfm_tm_is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

unsigned
mfm_tm_days_in_month(int64_t y, unsigned m)
{
	static const unsigned char mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && mfm_tm_is_leap(y))
		return 29;
	return mdays[m - 1];
}

/*
 * Count in 400-year eras of 146097 days from 0000-03-01, with the year
 * running March to February so that February's variable length falls at
 * the end of a year; 719468 days separate 0000-03-01 from 1970-01-01.
 */
int64_t
mfm_tm_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;
	unsigned mp;

	if (m <= 2)
		y--;
	era = floor_div(y, 400);
	yoe = y - era * 400;			/* 0..399 */
	mp = m > 2 ? m - 3 : m + 9;		/* March = 0 */
	doy = (153 * (int64_t)mp + 2) / 5 + (int64_t)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
mfm_tm_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t z, era, doe, yoe, doy, mp;

	z = days + 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;			/* 0..146096 */
	/* Remove the leap days before doe to get whole 365-day years. */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);	/* 0..365 */
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Cursor over an RFC 3339 string being parsed. */
struct scan {
	const char *s;
	size_t n, i;
};

/* Exactly k digits at the cursor, or -1. */
static int
digits(struct scan *sc, int k)
{
	int v = 0;

	if (sc->n - sc->i < (size_t)k)
		return -1;
	while (k-- > 0) {
		unsigned char c = (unsigned char)sc->s[sc->i];

		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
		sc->i++;
	}
	return v;
}

static int
lit(struct scan *sc, char c)
{
	if (sc->i < sc->n && sc->s[sc->i] == c) {
		sc->i++;
		return 1;
	}
	return 0;
}

static int
bad_time(struct mfm_err *err, const char *s, size_t n, const char *why)
{
	char q[QUOTE_MAX + 8];

	quote(q, sizeof(q), s, n);
	return mfm_err_set(err, MFM_ERR_DATA, "invalid time '%s': %s", q, why);
}

/* Two digits at s as a number, or a negative number. */
static int
two(const char *s)
{
	unsigned a = (unsigned char)s[0] - '0', b = (unsigned char)s[1] - '0';

	return a < 10 && b < 10 ? (int)(a * 10 + b) : -100;
}

/*
 * The form nearly every log writes, "YYYY-MM-DDTHH:MM:SSZ" with no
 * fraction or with milliseconds, read at fixed places: 0 with *us set,
 * or -1 for anything else (valid or not), which the full parser reads.
 */
static int
parse_common(const char *s, size_t n, int64_t *us)
{
	/*
	 * Records come mostly from one day at a time: the last date read
	 * (its ten bytes, checked, and its day number) is kept, per thread.
	 */
	static _Thread_local char last_date[10];
	static _Thread_local int64_t last_days;
	int year, mon, day, hour, min, sec, ms = 0;
	int64_t t, days;

	if ((n != 20 && n != 24) || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[n - 1] != 'Z')
		return -1;
	if (n == 24) {
		if (s[19] != '.' || two(s + 20) < 0 || two(s + 21) < 0)
			return -1;
		ms = two(s + 20) * 10 + (s[22] - '0');
	}
	hour = two(s + 11);
	min = two(s + 14);
	sec = two(s + 17);
	if (hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 ||
	    sec > 60)
		return -1;
	if (memcmp(s, last_date, 10) == 0)
		days = last_days;
	else {
		year = two(s) * 100 + two(s + 2);
		mon = two(s + 5);
		day = two(s + 8);
		if (two(s) < 0 || two(s + 2) < 0 || mon < 1 || mon > 12 ||
		    day < 1 || (unsigned)day > mfm_tm_days_in_month(year, mon))
			return -1;
		days = mfm_tm_days_from_civil(year, mon, day);
		memcpy(last_date, s, 10);
		last_days = days;
	}
	t = (days * 86400 + hour * 3600 + min * 60 + sec) * MFM_TM_US_PER_S +
	    ms * 1000;
	if (t > MFM_TM_MAX)
		return -1;	/* 9999-12-31T23:59:60Z */
	*us = t;
	return 0;
}

int
mfm_tm_parse_rfc3339(const char *s, size_t n, int64_t *us,
    struct mfm_err *err)
{
	struct scan sc = { s, n, 0 };
	int year, mon, day, hour, min, sec, oh = 0, om = 0, sign = 0;
	int64_t frac = 0, scale = 100000, secs, t;
	char c;

	if (parse_common(s, n, us) == 0)
		return 0;
	if ((year = digits(&sc, 4)) < 0)
		return bad_time(err, s, n, "expected a 4-digit year");
	if (!lit(&sc, '-'))
		return bad_time(err, s, n, "expected '-' after the year");
	if ((mon = digits(&sc, 2)) < 0)
		return bad_time(err, s, n, "expected a 2-digit month");
	if (mon < 1 || mon > 12)
		return bad_time(err, s, n, "month out of range");
	if (!lit(&sc, '-'))
		return bad_time(err, s, n, "expected '-' after the month");
	if ((day = digits(&sc, 2)) < 0)
		return bad_time(err, s, n, "expected a 2-digit day");
	if (day < 1 || (unsigned)day > mfm_tm_days_in_month(year, mon))
		return bad_time(err, s, n, "day out of range");
	if (!lit(&sc, 'T') && !lit(&sc, 't') && !lit(&sc, ' '))
		return bad_time(err, s, n, "expected 'T' after the date");
	if ((hour = digits(&sc, 2)) < 0)
		return bad_time(err, s, n, "expected a 2-digit hour");
	if (hour > 23)
		return bad_time(err, s, n, "hour out of range");
	if (!lit(&sc, ':'))
		return bad_time(err, s, n, "expected ':' after the hour");
	if ((min = digits(&sc, 2)) < 0)
		return bad_time(err, s, n, "expected 2-digit minutes");
	if (min > 59)
		return bad_time(err, s, n, "minute out of range");
	if (!lit(&sc, ':'))
		return bad_time(err, s, n, "expected ':' after the minutes");
	if ((sec = digits(&sc, 2)) < 0)
		return bad_time(err, s, n, "expected 2-digit seconds");
	if (sec > 60)
		return bad_time(err, s, n, "second out of range");
	if (lit(&sc, '.')) {
		size_t first = sc.i;

		/*
		 * Keep six digits and drop the rest: the fraction is
		 * added to whole seconds, so dropping digits is a floor
		 * for instants before 1970 too.
		 */
		while (sc.i < n && s[sc.i] >= '0' && s[sc.i] <= '9') {
			frac += (s[sc.i] - '0') * scale;
			scale /= 10;
			sc.i++;
		}
		if (sc.i == first)
			return bad_time(err, s, n, "expected digits after '.'");
	}
	if (sc.i == n)
		return bad_time(err, s, n, "missing time offset");
	c = s[sc.i++];
	if (c == '+' || c == '-') {
		sign = c == '+' ? 1 : -1;
		if ((oh = digits(&sc, 2)) < 0 || !lit(&sc, ':') ||
		    (om = digits(&sc, 2)) < 0)
			return bad_time(err, s, n,
			    "expected an offset as +hh:mm or -hh:mm");
		if (oh > 23 || om > 59)
			return bad_time(err, s, n, "offset out of range");
	} else if (c != 'Z' && c != 'z')
		return bad_time(err, s, n, "expected 'Z' or an offset");
	if (sc.i != n)
		return bad_time(err, s, n, "trailing characters");

	/* A leap second 60 simply counts on into the next minute. */
	secs = mfm_tm_days_from_civil(year, mon, day) * 86400 +
	    hour * 3600 + min * 60 + sec - sign * (oh * 3600 + om * 60);
	t = secs * MFM_TM_US_PER_S + frac;
	if (t < MFM_TM_MIN || t > MFM_TM_MAX)
		return bad_time(err, s, n,
		    "out of range (years 0000-9999 in UTC)");
	*us = t;
	return 0;
}

/* Round f (|f| < 2^52) to the nearest integer, halves upward, without libm. */
static int64_t
round_half_up(double f)
{
	int64_t t = (int64_t)f;
	double r = f - (double)t;	/* exact: t is f truncated */

	if (r >= 0.5)
		t++;
	else if (r < -0.5)
		t--;
	return t;
}

int
mfm_tm_from_epoch(double v, enum mfm_tm_unit unit, int64_t *us,
    struct mfm_err *err)
{
	double a = v < 0 ? -v : v, frac;
	int64_t ip, q, mult, t;

	if (!isfinite(v))
		return mfm_err_set(err, MFM_ERR_DATA,
		    "invalid time '%s': not a finite number",
		    v != v ? "nan" : v < 0 ? "-inf" : "inf");
	if (unit == MFM_TM_AUTO)
		unit = a < 1e11 ? MFM_TM_S : a < 1e14 ? MFM_TM_MS :
		    a < 1e17 ? MFM_TM_US : MFM_TM_NS;
	/* Wide bounds first so that the conversions below are defined. */
	if (!(a < 9e18) || (unit == MFM_TM_S && !(a < 1e13)) ||
	    (unit == MFM_TM_MS && !(a < 1e16)))
		goto range;
	/*
	 * Whole and fractional parts apart, so that an integer epoch is
	 * converted exactly (1e17 - 1000 as a double product would not
	 * be) and only the fraction is rounded.
	 */
	ip = (int64_t)v;
	frac = v - (double)ip;
	if (unit == MFM_TM_NS) {
		q = ip / 1000;
		if (ip % 1000 < 0)
			q--;
		t = q + (ip - q * 1000 + frac >= 500);
	} else {
		mult = unit == MFM_TM_S ? MFM_TM_US_PER_S :
		    unit == MFM_TM_MS ? US_PER_MS : 1;
		t = ip * mult + round_half_up(frac * (double)mult);
	}
	if (t < MFM_TM_MIN || t > MFM_TM_MAX)
		goto range;
	*us = t;
	return 0;
range:
	return mfm_err_set(err, MFM_ERR_DATA,
	    "invalid time '%.17g': out of range (years 0000-9999)", v);
}

/* The k-th digit of a number written as int digits, '.', frac digits. */
static int
nth_digit(const char *s, size_t i0, size_t p, size_t f0, int64_t k)
{
	return k < (int64_t)p ? s[i0 + k] - '0' : s[f0 + (k - p)] - '0';
}

int
mfm_tm_parse_epoch(const char *s, size_t n, enum mfm_tm_unit unit,
    int64_t *us, struct mfm_err *err)
{
	size_t i = 0, i0, p, f0, nfrac = 0;
	int64_t len, exp = 0, z, q, k, m = 0, t;
	int neg = 0, eneg = 0, rest = 0, shift;

	if (i < n && s[i] == '-') {
		neg = 1;
		i++;
	}
	for (i0 = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		;
	p = i - i0;
	f0 = i;
	if (p > 0 && i < n && s[i] == '.') {
		for (f0 = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		nfrac = i - f0;
		if (nfrac == 0)
			p = 0;		/* "1." is not a number */
	}
	if (p > 0 && i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t e0;

		if (++i < n && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		/* Past 1e9 the answer is 0 or out of range anyway. */
		for (e0 = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			if (exp < 1000000000)
				exp = exp * 10 + (s[i] - '0');
		if (i == e0)
			p = 0;
		if (eneg)
			exp = -exp;
	}
	if (p == 0 || i != n)
		return bad_time(err, s, n, "expected a number");

	/*
	 * The value is 0.d0d1d2... * 10^(p + exp) over the len digits;
	 * z is the first nonzero digit, so p + exp - z digits stand
	 * before the point once leading zeros are gone.
	 */
	len = (int64_t)(p + nfrac);
	for (z = 0; z < len && nth_digit(s, i0, p, f0, z) == 0; z++)
		;
	if (unit == MFM_TM_AUTO) {
		k = z < len ? (int64_t)p + exp - z : 0;
		unit = k <= 11 ? MFM_TM_S : k <= 14 ? MFM_TM_MS :
		    k <= 17 ? MFM_TM_US : MFM_TM_NS;
	}
	shift = unit == MFM_TM_S ? 6 : unit == MFM_TM_MS ? 3 :
	    unit == MFM_TM_NS ? -3 : 0;
	/* Microseconds are the digits before position q; floor the rest. */
	q = (int64_t)p + exp + shift;
	if (z < len && q - z > 18)
		goto range;
	for (k = z; z < len && k < q; k++)
		m = m * 10 + (k < len ? nth_digit(s, i0, p, f0, k) : 0);
	for (k = q > 0 ? q : 0; k < len && !rest; k++)
		rest = nth_digit(s, i0, p, f0, k) != 0;
	t = neg ? -m - rest : m;
	if (t < MFM_TM_MIN || t > MFM_TM_MAX)
		goto range;
	*us = t;
	return 0;
range:
	return bad_time(err, s, n, "out of range (years 0000-9999)");
}

static const struct unit {
	const char *name;
	int64_t us;
} units[] = {			/* from larger to smaller */
	{ "w", INT64_C(604800000000) },
	{ "d", INT64_C(86400000000) },
	{ "h", INT64_C(3600000000) },
	{ "m", INT64_C(60000000) },
	{ "s", INT64_C(1000000) },
	{ "ms", INT64_C(1000) },
	{ "us", INT64_C(1) },
};
#define NUNITS (sizeof(units) / sizeof(units[0]))

static int
bad_duration(struct mfm_err *err, const char *s, const char *why)
{
	char q[QUOTE_MAX + 8];

	quote(q, sizeof(q), s, strlen(s));
	return mfm_err_set(err, MFM_ERR_USAGE, "invalid duration '%s': %s",
	    q, why);
}

int
mfm_tm_parse_duration(const char *s, int64_t *us, int allow_zero,
    struct mfm_err *err)
{
	const char *p = s, *u;
	int64_t total = 0, v;
	size_t k, last = 0, len;
	char name[QUOTE_MAX + 8], why[QUOTE_MAX + 32];
	int first = 1;

	if (*s == '\0')
		return bad_duration(err, s, "empty");
	if (strcmp(s, "0") == 0)
		p = s + 1;
	while (*p != '\0') {
		if (*p < '0' || *p > '9')
			return bad_duration(err, s, "expected a number");
		for (v = 0; *p >= '0' && *p <= '9'; p++) {
			if (v > (INT64_MAX - (*p - '0')) / 10)
				return bad_duration(err, s, "too large");
			v = v * 10 + (*p - '0');
		}
		for (u = p; (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z'); p++)
			;
		len = (size_t)(p - u);
		if (len == 0)
			return bad_duration(err, s, *p == '\0' ?
			    "missing unit (us, ms, s, m, h, d, w)" :
			    "expected a unit (us, ms, s, m, h, d, w)");
		for (k = 0; k < NUNITS; k++)
			if (strlen(units[k].name) == len &&
			    memcmp(units[k].name, u, len) == 0)
				break;
		if (k == NUNITS) {
			quote(name, sizeof(name), u, len);
			snprintf(why, sizeof(why), "unknown unit '%s'", name);
			return bad_duration(err, s, why);
		}
		if (!first && k == last) {
			snprintf(why, sizeof(why), "unit '%s' repeated",
			    units[k].name);
			return bad_duration(err, s, why);
		}
		if (!first && k < last)
			return bad_duration(err, s,
			    "units out of order (largest first)");
		if (v > INT64_MAX / units[k].us ||
		    v * units[k].us > INT64_MAX - total)
			return bad_duration(err, s, "too large");
		total += v * units[k].us;
		last = k;
		first = 0;
	}
	if (total == 0 && !allow_zero)
		return bad_duration(err, s, "must be greater than zero");
	*us = total;
	return 0;
}

void
mfm_tm_format_duration(int64_t us, char out[32])
{
	uint64_t mag = us < 0 ? -(uint64_t)us : (uint64_t)us;
	size_t k;

	if (us == 0) {
		snprintf(out, 32, "0s");
		return;
	}
	for (k = 0; k < NUNITS - 1; k++)
		if (mag % (uint64_t)units[k].us == 0)
			break;
	snprintf(out, 32, "%s%llu%s", us < 0 ? "-" : "",
	    (unsigned long long)(mag / (uint64_t)units[k].us), units[k].name);
}

/* Write v as exactly k decimal digits, zero-padded. */
static void
put_digits(char *p, unsigned v, int k)
{
	while (k-- > 0) {
		p[k] = (char)('0' + v % 10);
		v /= 10;
	}
}

size_t
mfm_tm_format_rfc3339(int64_t us, char *out)
{
	int64_t secs, days, sod, y;
	unsigned m, d, ms;

	if (us < MFM_TM_MIN || us > MFM_TM_MAX) {
		out[0] = '\0';
		return 0;
	}
	secs = floor_div(us, MFM_TM_US_PER_S);
	ms = (unsigned)((us - secs * MFM_TM_US_PER_S) / US_PER_MS);
	days = floor_div(secs, 86400);
	sod = secs - days * 86400;
	mfm_tm_civil_from_days(days, &y, &m, &d);
	put_digits(out, (unsigned)y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, d, 2);
	out[10] = 'T';
	put_digits(out + 11, (unsigned)(sod / 3600), 2);
	out[13] = ':';
	put_digits(out + 14, (unsigned)(sod / 60 % 60), 2);
	out[16] = ':';
	put_digits(out + 17, (unsigned)(sod % 60), 2);
	out[19] = '.';
	put_digits(out + 20, ms, 3);
	out[23] = 'Z';
	out[24] = '\0';
	return MFM_TM_RFC3339_LEN;
}

int64_t
mfm_tm_floor(int64_t us, int64_t size, int64_t offset)
{
	int64_t a, b, r;

	if (size <= 0)
		return us;
	/*
	 * (us - offset) mod size without computing us - offset, which
	 * could overflow: reduce both into [0, size) first.
	 */
	a = us % size;
	if (a < 0)
		a += size;
	b = offset % size;
	if (b < 0)
		b += size;
	r = a - b;
	if (r < 0)
		r += size;
	return us - r;
}
