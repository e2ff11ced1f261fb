/*
 * Time zones from TZif files; see tz.h.  The file is read whole (it is
 * small and capped), its version 1 block skipped, and the 64-bit block
 * checked field by field before anything is kept: counts against the
 * bytes left, type indexes against the type count, transitions strictly
 * increasing, offsets within the limits RFC 8536 sets.  Offsets are
 * then looked up by binary search in the table, and past its end by
 * evaluating the footer rule for the years around the instant.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/tm.h"
#include "lib/tz.h"
#include "lib/banned.h"

#define US MFM_TM_US_PER_S
/* Transition times are clamped here so that microseconds fit in int64. */
#define SEC_LIMIT INT64_C(4000000000000)
/* RFC 8536: UT offsets lie in [-89999, 93599] seconds. */
#define OFF_MIN (-89999)
#define OFF_MAX 93599

void
mfm_tz_init(struct mfm_tz *tz)
{
	memset(tz, 0, sizeof(*tz));
}

void
mfm_tz_release(struct mfm_tz *tz)
{
	free(tz->trans);
	free(tz->trans_off);
	mfm_tz_init(tz);
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Floor division and modulo for b > 0. */
static int64_t
fdiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && a < 0) ? q - 1 : q;
}

static int64_t
fmod64(int64_t a, int64_t b)
{
	return a - fdiv(a, b) * b;
}

/* Rule text parsing: a cursor over s[0..n). */
struct rp {
	const char *s;
	size_t n, i;
};

static int
rp_peek(const struct rp *r)
{
	return r->i < r->n ? (unsigned char)r->s[r->i] : -1;
}

static int
rp_num(struct rp *r, int max, int *out)
{
	int v = 0, nd = 0;

	while (rp_peek(r) >= '0' && rp_peek(r) <= '9') {
		v = v * 10 + (r->s[r->i++] - '0');
		if (v > max || ++nd > 3)
			return -1;
	}
	if (nd == 0)
		return -1;
	*out = v;
	return 0;
}

/* A zone abbreviation: 3 or more letters, or <...> of [A-Za-z0-9+-]. */
static int
rp_name(struct rp *r)
{
	size_t st = r->i;
	int c;

	if (rp_peek(r) == '<') {
		r->i++;
		while ((c = rp_peek(r)) != '>') {
			if (c < 0 || !((c >= 'A' && c <= 'Z') ||
			    (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			    c == '+' || c == '-'))
				return -1;
			r->i++;
		}
		r->i++;
		return r->i - st >= 5 ? 0 : -1;
	}
	while ((c = rp_peek(r)) >= 0 && ((c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z')))
		r->i++;
	return r->i - st >= 3 ? 0 : -1;
}

/* [+-]hh[:mm[:ss]] in seconds; hh at most maxh. */
static int
rp_hms(struct rp *r, int maxh, int32_t *out)
{
	int neg = 0, h, m = 0, sec = 0;

	if (rp_peek(r) == '+' || rp_peek(r) == '-')
		neg = r->s[r->i++] == '-';
	if (rp_num(r, maxh, &h) != 0)
		return -1;
	if (rp_peek(r) == ':') {
		r->i++;
		if (rp_num(r, 59, &m) != 0)
			return -1;
		if (rp_peek(r) == ':') {
			r->i++;
			if (rp_num(r, 59, &sec) != 0)
				return -1;
		}
	}
	*out = (int32_t)(h * 3600 + m * 60 + sec);
	if (neg)
		*out = -*out;
	return 0;
}

/* ,date[/time] */
static int
rp_date(struct rp *r, struct mfm_tz_date *d)
{
	if (rp_peek(r) != ',')
		return -1;
	r->i++;
	memset(d, 0, sizeof(*d));
	d->secs = 2 * 3600;
	if (rp_peek(r) == 'J') {
		r->i++;
		d->kind = 'J';
		if (rp_num(r, 365, &d->day) != 0 || d->day < 1)
			return -1;
	} else if (rp_peek(r) == 'M') {
		r->i++;
		d->kind = 'M';
		if (rp_num(r, 12, &d->m) != 0 || d->m < 1 ||
		    rp_peek(r) != '.')
			return -1;
		r->i++;
		if (rp_num(r, 5, &d->w) != 0 || d->w < 1 || rp_peek(r) != '.')
			return -1;
		r->i++;
		if (rp_num(r, 6, &d->d) != 0)
			return -1;
	} else {
		d->kind = 'D';
		if (rp_num(r, 365, &d->day) != 0)
			return -1;
	}
	if (rp_peek(r) == '/') {
		r->i++;
		/* RFC 8536 3.3.1 extends the hours to -167..167. */
		if (rp_hms(r, 167, &d->secs) != 0)
			return -1;
	}
	return 0;
}

int
mfm_tz_parse_rule(struct mfm_tz *tz, const char *s, size_t n,
    struct mfm_err *err)
{
	struct rp r = { s, n, 0 };
	int32_t off;

	tz->rule = 0;
	if (n == 0)
		return 0;
	if (rp_name(&r) != 0 || rp_hms(&r, 24, &off) != 0)
		goto bad;
	tz->std_off = -off;	/* POSIX counts west of Greenwich */
	tz->rule = 1;
	if (r.i == n)
		return 0;
	if (rp_name(&r) != 0)
		goto bad;
	tz->dst_off = tz->std_off + 3600;
	if (rp_peek(&r) != ',' && r.i < n) {
		if (rp_hms(&r, 24, &off) != 0)
			goto bad;
		tz->dst_off = -off;
	}
	/* Without dates POSIX leaves the rule to the implementation. */
	if (rp_date(&r, &tz->start) != 0 || rp_date(&r, &tz->end) != 0 ||
	    r.i != n)
		goto bad;
	tz->rule = 2;
	return 0;
bad:
	tz->rule = 0;
	return mfm_err_set(err, MFM_ERR_DATA, "bad footer rule '%.*s'",
	    (int)(n > 64 ? 64 : n), s);
}

/* The instant (seconds) at which rule date d happens in year y. */
static int64_t
rule_secs(const struct mfm_tz_date *d, int64_t y, int32_t off_before)
{
	int64_t days, wd1;
	unsigned dim;

	switch (d->kind) {
	case 'J':
		days = mfm_tm_days_from_civil(y, 1, 1) + d->day - 1;
		if (mfm_tm_is_leap(y) && d->day >= 60)
			days++;
		break;
	case 'D':
		days = mfm_tm_days_from_civil(y, 1, 1) + d->day;
		break;
	default:
		days = mfm_tm_days_from_civil(y, (unsigned)d->m, 1);
		wd1 = fmod64(days + 4, 7);	/* 1970-01-01 was a Thursday */
		days += fmod64(d->d - wd1, 7) + 7 * (d->w - 1);
		dim = mfm_tm_days_in_month(y, (unsigned)d->m);
		while (days >= mfm_tm_days_from_civil(y, (unsigned)d->m, dim) +
		    1)
			days -= 7;
		break;
	}
	return days * 86400 + d->secs - off_before;
}

/* Offset by the footer rule at instant us. */
static int32_t
rule_offset(const struct mfm_tz *tz, int64_t us, int64_t *until)
{
	int64_t sec = fdiv(us, US), y, at[6], t;
	int32_t off[6], o;
	unsigned m, d;
	int i, j, n = 0;

	if (tz->rule != 2) {
		*until = INT64_MAX;
		return tz->rule == 1 ? tz->std_off : tz->off0;
	}
	mfm_tm_civil_from_days(fdiv(sec + tz->std_off, 86400), &y, &m, &d);
	for (y--, i = 0; i < 3; i++, y++) {
		at[n] = rule_secs(&tz->start, y, tz->std_off);
		off[n++] = tz->dst_off;
		at[n] = rule_secs(&tz->end, y, tz->dst_off);
		off[n++] = tz->std_off;
	}
	/* Insertion sort, stable: at a tie the later rule entry wins. */
	for (i = 1; i < n; i++) {
		t = at[i];
		o = off[i];
		for (j = i; j > 0 && at[j - 1] > t; j--) {
			at[j] = at[j - 1];
			off[j] = off[j - 1];
		}
		at[j] = t;
		off[j] = o;
	}
	o = off[n - 1] == tz->dst_off ? tz->std_off : tz->dst_off;
	*until = INT64_MAX;
	for (i = 0; i < n; i++) {
		if (at[i] <= sec) {
			o = off[i];
			continue;
		}
		*until = at[i] > SEC_LIMIT ? INT64_MAX : at[i] * US;
		break;
	}
	return o;
}

int32_t
mfm_tz_offset(const struct mfm_tz *tz, int64_t us, int64_t *until)
{
	size_t lo = 0, hi = tz->ntrans, mid;
	int64_t u;

	if (until == NULL)
		until = &u;
	if (tz->ntrans == 0)
		return rule_offset(tz, us, until);
	if (us < tz->trans[0]) {
		*until = tz->trans[0];
		return tz->off0;
	}
	/* The last transition <= us. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (tz->trans[mid] <= us)
			lo = mid;
		else
			hi = mid;
	}
	if (lo + 1 < tz->ntrans) {
		*until = tz->trans[lo + 1];
		return tz->trans_off[lo];
	}
	if (tz->rule == 0) {
		*until = INT64_MAX;
		return tz->trans_off[lo];
	}
	return rule_offset(tz, us, until);
}

int64_t
mfm_tz_utc(const struct mfm_tz *tz, int64_t local)
{
	int64_t u, until, cand;
	int32_t off;
	int i;

	/* Offsets are under 26 hours, so u + offset(u) < local here. */
	u = local - 26 * 3600 * US;
	for (i = 0; i < 64; i++) {
		off = mfm_tz_offset(tz, u, &until);
		if (u + off * US >= local)
			return u;
		cand = local - off * US;
		if (cand < until)
			return cand;
		u = until;
	}
	return u;
}

int
mfm_tz_parse(struct mfm_tz *tz, const void *data, size_t n,
    struct mfm_err *err)
{
	const unsigned char *p = data, *q, *end = p + n;
	uint32_t isut, isstd, leap, timecnt, typecnt, charcnt, i;
	size_t need;
	int64_t t, prev = 0;
	int32_t *type_off = NULL;
	const unsigned char *idx;
	const char *f;
	size_t flen;
	int pass;

	mfm_tz_release(tz);
	if (n < 44 || memcmp(p, "TZif", 4) != 0)
		return mfm_err_set(err, MFM_ERR_DATA, "not a TZif file");
	if (p[4] < '2')
		return mfm_err_set(err, MFM_ERR_DATA,
		    "TZif version 1 is not supported");
	/* Pass 0: the 32-bit block, skipped; pass 1: the 64-bit one. */
	for (pass = 0; pass < 2; pass++) {
		if ((size_t)(end - p) < 44 || memcmp(p, "TZif", 4) != 0)
			goto trunc;
		isut = be32(p + 20);
		isstd = be32(p + 24);
		leap = be32(p + 28);
		timecnt = be32(p + 32);
		typecnt = be32(p + 36);
		charcnt = be32(p + 40);
		p += 44;
		if (timecnt > 100000 || typecnt > 256 || charcnt > 65536 ||
		    leap > 100000 || isut > 256 || isstd > 256)
			goto trunc;
		need = (size_t)timecnt * (pass ? 9 : 5) + (size_t)typecnt * 6 +
		    charcnt + (size_t)leap * (pass ? 12 : 8) + isstd + isut;
		if ((size_t)(end - p) < need)
			goto trunc;
		if (pass == 0) {
			p += need;
			continue;
		}
		if (leap != 0)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "leap-second zones are not supported");
		if (typecnt == 0 || (isut != 0 && isut != typecnt) ||
		    (isstd != 0 && isstd != typecnt))
			goto trunc;
		idx = p + (size_t)timecnt * 8;
		q = idx + timecnt;
		type_off = mfm_xcalloc(typecnt, sizeof(*type_off));
		for (i = 0; i < typecnt; i++) {
			type_off[i] = (int32_t)be32(q + 6 * i);
			if (type_off[i] < OFF_MIN || type_off[i] > OFF_MAX ||
			    q[6 * i + 4] > 1 || q[6 * i + 5] >= charcnt)
				goto trunc;
		}
		tz->off0 = type_off[0];
		tz->trans = mfm_xcalloc(timecnt ? timecnt : 1,
		    sizeof(*tz->trans));
		tz->trans_off = mfm_xcalloc(timecnt ? timecnt : 1,
		    sizeof(*tz->trans_off));
		for (i = 0; i < timecnt; i++) {
			t = be64(p + 8 * i);
			if ((i > 0 && t <= prev) || idx[i] >= typecnt)
				goto trunc;
			prev = t;
			if (t < -SEC_LIMIT)
				t = -SEC_LIMIT;
			if (t > SEC_LIMIT)
				t = SEC_LIMIT;
			tz->trans[i] = t * US;
			tz->trans_off[i] = type_off[idx[i]];
		}
		tz->ntrans = timecnt;
		p += need;
	}
	free(type_off);
	type_off = NULL;
	/* The footer: "\n" rule "\n". */
	if (p >= end || *p != '\n')
		goto trunc;
	f = (const char *)++p;
	q = memchr(p, '\n', (size_t)(end - p));
	if (q == NULL)
		goto trunc;
	flen = (size_t)(q - p);
	if (mfm_tz_parse_rule(tz, f, flen, err) != 0) {
		mfm_tz_release(tz);
		return -1;
	}
	return 0;
trunc:
	free(type_off);
	mfm_tz_release(tz);
	return mfm_err_set(err, MFM_ERR_DATA, "malformed TZif file");
}

static int
name_ok(const char *name)
{
	const char *s, *seg = name;
	size_t len;

	if (*name == '\0' || *name == '/')
		return 0;
	for (s = name; ; s++) {
		if (*s == '/' || *s == '\0') {
			len = (size_t)(s - seg);
			if (len == 0 || (len == 1 && seg[0] == '.') ||
			    (len == 2 && seg[0] == '.' && seg[1] == '.'))
				return 0;
			if (*s == '\0')
				return 1;
			seg = s + 1;
			continue;
		}
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '+' ||
		    *s == '-' || *s == '.'))
			return 0;
	}
}

int
mfm_tz_load(struct mfm_tz *tz, const char *dir, const char *name,
    struct mfm_err *err)
{
	struct mfm_buf path = MFM_BUF_INIT, data = MFM_BUF_INIT;
	struct mfm_err perr;
	ssize_t got;
	int fd, rc;

	mfm_tz_release(tz);
	if (!name_ok(name))
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "invalid time zone name '%.64s'", name);
	mfm_buf_addf(&path, "%s/%s", dir ? dir : MFM_TZ_DIR, name);
	fd = open(path.p, O_RDONLY);
	if (fd < 0) {
		rc = errno == ENOENT || errno == ENOTDIR ?
		    mfm_err_set(err, MFM_ERR_USAGE,
		    "unknown time zone '%.64s'", name) :
		    mfm_err_sys(err, "%s", path.p);
		mfm_buf_release(&path);
		return rc;
	}
	for (;;) {
		mfm_buf_grow(&data, 65536);
		got = read(fd, data.p + data.len, 65536);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = errno == EISDIR ? mfm_err_set(err, MFM_ERR_USAGE,
			    "unknown time zone '%.64s'", name) :
			    mfm_err_sys(err, "%s", path.p);
			goto out;
		}
		if (got == 0)
			break;
		data.len += (size_t)got;
		if (data.len > MFM_TZ_MAX_FILE) {
			rc = mfm_err_set(err, MFM_ERR_DATA,
			    "%s: not a time zone file", path.p);
			goto out;
		}
	}
	rc = mfm_tz_parse(tz, data.p, data.len, &perr);
	if (rc != 0)
		rc = mfm_err_set(err, MFM_ERR_DATA, "%s: %s", path.p,
		    perr.msg);
out:
	close(fd);
	mfm_buf_release(&path);
	mfm_buf_release(&data);
	return rc;
}
