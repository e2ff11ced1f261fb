/*
 * Control records and the upstream watermark; see control.h.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/control.h"
#include "lib/tm.h"
#include "lib/banned.h"

int
mfm_control_is(const struct mfm_json *j)
{
	int k = mfm_json_first(j, 0);

	return mfm_json_type_of(j, 0) == MFM_JSON_OBJECT &&
	    mfm_json_at(j, 0)->count == 1 && k >= 0 &&
	    mfm_json_str_eq(j, k, "_mfm", 4);
}

/* A time member: 1 with *us, 0 for null or absent, -1 when not a time. */
static int
get_time(const struct mfm_json *j, int obj, const char *name, int64_t *us)
{
	int t = mfm_json_member(j, obj, name, strlen(name));
	const char *raw;
	size_t n;

	if (t < 0 || mfm_json_type_of(j, t) == MFM_JSON_NULL)
		return 0;
	if (mfm_json_type_of(j, t) != MFM_JSON_STRING)
		return -1;
	raw = mfm_json_raw(j, t, &n);
	return mfm_tm_parse_rfc3339(raw + 1, n - 2, us, NULL) == 0 ? 1 : -1;
}

static int
get_shard(const struct mfm_json *j, int obj, struct mfm_control_mark *m)
{
	int t = mfm_json_member(j, obj, "shard", 5), a, b;
	int64_t i, n;

	if (t < 0)
		return 0;
	if (mfm_json_type_of(j, t) != MFM_JSON_ARRAY ||
	    mfm_json_at(j, t)->count != 2)
		return -1;
	a = mfm_json_first(j, t);
	b = mfm_json_next(j, t, a);
	if (mfm_json_int64(j, a, &i) != 0 || mfm_json_int64(j, b, &n) != 0 ||
	    n < 1 || i < 0 || i >= n)
		return -1;
	m->shard_i = (uint64_t)i;
	m->shard_n = (uint64_t)n;
	return 0;
}

int
mfm_control_type(const struct mfm_json *j, enum mfm_control_type *type,
    struct mfm_control_mark *m, struct mfm_err *err)
{
	int c = mfm_json_member(j, 0, "_mfm", 4), t, k, rw, rn;

	*type = MFM_CONTROL_OTHER;
	t = mfm_json_member(j, c, "type", 4);
	if (mfm_json_str_eq(j, t, "window_closed", 13)) {
		*type = MFM_CONTROL_WINDOW_CLOSED;
		return 0;
	}
	if (!mfm_json_str_eq(j, t, "watermark", 9))
		return 0;
	*type = MFM_CONTROL_WATERMARK;
	memset(m, 0, sizeof(*m));
	rw = get_time(j, c, "watermark", &m->w);
	rn = get_time(j, c, "time", &m->now);
	k = mfm_json_member(j, c, "complete", 8);
	if (rw < 0 || rn < 0 || get_shard(j, c, m) != 0 || (k >= 0 &&
	    mfm_json_type_of(j, k) != MFM_JSON_TRUE &&
	    mfm_json_type_of(j, k) != MFM_JSON_FALSE))
		return mfm_err_set(err, MFM_ERR_DATA, "watermark record: "
		    "'watermark' and 'time' must be times or null, 'shard' "
		    "[i,n], 'complete' true or false");
	m->has_w = rw;
	m->has_now = rn;
	m->complete = mfm_json_type_of(j, k) == MFM_JSON_TRUE;
	return 0;
}

static void
put_time(struct mfm_buf *b, int has, int64_t us)
{
	char s[MFM_TM_RFC3339_LEN + 1];
	size_t n;

	if (!has || (n = mfm_tm_format_rfc3339(us, s)) == 0) {
		mfm_buf_add(b, "null", 4);
		return;
	}
	mfm_buf_addc(b, '"');
	mfm_buf_add(b, s, n);
	mfm_buf_addc(b, '"');
}

void
mfm_control_put_watermark(struct mfm_buf *b, const struct mfm_control_mark *m)
{
	mfm_buf_adds(b, "{\"_mfm\":{\"type\":\"watermark\",\"watermark\":");
	put_time(b, m->has_w, m->w);
	mfm_buf_adds(b, ",\"time\":");
	put_time(b, m->has_now, m->now);
	if (m->shard_n > 0)
		mfm_buf_addf(b, ",\"shard\":[%llu,%llu]",
		    (unsigned long long)m->shard_i,
		    (unsigned long long)m->shard_n);
	if (m->complete)
		mfm_buf_adds(b, ",\"complete\":true");
	mfm_buf_adds(b, "}}");
}

void
mfm_upstream_init(struct mfm_upstream *u)
{
	memset(u, 0, sizeof(*u));
}

void
mfm_upstream_release(struct mfm_upstream *u)
{
	free(u->shard);
	mfm_upstream_init(u);
}

/* Merge m into the latest of its source, p. */
static void
latest(struct mfm_control_mark *p, const struct mfm_control_mark *m)
{
	if (m->has_w && (!p->has_w || m->w > p->w)) {
		p->has_w = 1;
		p->w = m->w;
	}
	if (m->has_now && (!p->has_now || m->now > p->now)) {
		p->has_now = 1;
		p->now = m->now;
	}
	p->complete |= m->complete;
}

/*
 * The least watermark of the shards, once all n have spoken (records of
 * a shard not heard from yet may still come); a complete shard holds
 * nothing back.  The stream is complete when every shard in it is: a
 * stage that reads one shard's output alone ends complete with it, and a
 * stage that reads them all has heard from each by the end of its input.
 */
static void
least(const struct mfm_upstream *u, struct mfm_control_mark *all)
{
	const struct mfm_control_mark *s;
	int first = 1, heard = 1;
	uint64_t i;

	all->has_w = all->complete = 1;
	all->has_now = 0;
	for (i = 0; i < u->nshards; i++) {
		s = &u->shard[i];
		if (s->shard_n == 0) {
			heard = 0;
			continue;
		}
		if (s->has_now && (!all->has_now || s->now < all->now)) {
			all->has_now = 1;
			all->now = s->now;
		}
		all->complete &= s->complete;
		if (s->complete)
			continue;
		if (!s->has_w)
			all->has_w = 0;
		else if (first || s->w < all->w)
			all->w = s->w;
		first = 0;
	}
	if (!heard || first)
		all->has_w = 0;
}

int
mfm_upstream_add(struct mfm_upstream *u, const struct mfm_control_mark *m,
    struct mfm_err *err)
{
	struct mfm_control_mark all;
	int moved;

	memset(&all, 0, sizeof(all));
	if (m->shard_n == 0 && u->nshards == 0) {
		all.has_w = u->has_w;
		all.w = u->w;
		all.has_now = u->has_now;
		all.now = u->now;
		all.complete = u->complete;
		latest(&all, m);
	} else {
		if (m->shard_n == 0 || (u->nshards != 0 &&
		    m->shard_n != u->nshards) ||
		    m->shard_n > MFM_CONTROL_MAX_SHARDS || (u->nshards == 0 &&
		    u->seen))
			return mfm_err_set(err, MFM_ERR_DATA, "watermark "
			    "records of differently sharded joins in one "
			    "stream");
		if (u->nshards == 0) {
			u->nshards = m->shard_n;
			u->shard = mfm_xcalloc(m->shard_n, sizeof(*u->shard));
		}
		latest(&u->shard[m->shard_i], m);
		u->shard[m->shard_i].shard_n = m->shard_n;
		least(u, &all);
	}
	u->seen = 1;
	moved = (all.has_w && (!u->has_w || all.w > u->w)) ||
	    (all.complete && !u->complete);
	if (all.has_w && (!u->has_w || all.w > u->w)) {
		u->has_w = 1;
		u->w = all.w;
	}
	if (all.has_now && (!u->has_now || all.now > u->now)) {
		u->has_now = 1;
		u->now = all.now;
	}
	/* Sharded, each record may change it; unsharded, it stays. */
	u->complete = m->shard_n > 0 ? all.complete : u->complete |
	    all.complete;
	return moved;
}

static void
put_mark(struct mfm_buf *b, const struct mfm_control_mark *m)
{
	mfm_buf_addf(b, "%d,%lld,%d,%lld,%d", m->has_w, (long long)m->w,
	    m->has_now, (long long)m->now, m->complete);
}

void
mfm_upstream_dump(const struct mfm_upstream *u, struct mfm_buf *b)
{
	struct mfm_control_mark m;
	uint64_t i;

	if (!u->seen)
		return;
	memset(&m, 0, sizeof(m));
	m.has_w = u->has_w;
	m.w = u->w;
	m.has_now = u->has_now;
	m.now = u->now;
	m.complete = u->complete;
	mfm_buf_addf(b, "{\"upstream\":[%llu,", (unsigned long long)u->nshards);
	put_mark(b, &m);
	mfm_buf_adds(b, "]}\n");
	for (i = 0; i < u->nshards; i++) {
		if (u->shard[i].shard_n == 0)
			continue;
		mfm_buf_addf(b, "{\"upstream_shard\":[%llu,",
		    (unsigned long long)i);
		put_mark(b, &u->shard[i]);
		mfm_buf_adds(b, "]}\n");
	}
}

/* [lead, has_w, w, has_now, now, complete] of member name into *m. */
static int
get_mark(const struct mfm_json *j, int a, int64_t *lead,
    struct mfm_control_mark *m)
{
	int64_t v[6];
	size_t i = 0;
	int t;

	if (mfm_json_type_of(j, a) != MFM_JSON_ARRAY ||
	    mfm_json_at(j, a)->count != 6)
		return -1;
	for (t = mfm_json_first(j, a); t >= 0; t = mfm_json_next(j, a, t))
		if (mfm_json_int64(j, t, &v[i++]) != 0)
			return -1;
	*lead = v[0];
	m->has_w = v[1] != 0;
	m->w = v[2];
	m->has_now = v[3] != 0;
	m->now = v[4];
	m->complete = v[5] != 0;
	return 0;
}

int
mfm_upstream_load(struct mfm_upstream *u, const struct mfm_json *j,
    struct mfm_err *err)
{
	struct mfm_control_mark m;
	int64_t lead;
	int a;

	memset(&m, 0, sizeof(m));
	if ((a = mfm_json_member(j, 0, "upstream", 8)) >= 0) {
		if (get_mark(j, a, &lead, &m) != 0 || lead < 0 ||
		    lead > MFM_CONTROL_MAX_SHARDS || u->seen)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "bad upstream watermark");
		u->seen = 1;
		u->has_w = m.has_w;
		u->w = m.w;
		u->has_now = m.has_now;
		u->now = m.now;
		u->complete = m.complete;
		u->nshards = (uint64_t)lead;
		if (lead > 0)
			u->shard = mfm_xcalloc((size_t)lead, sizeof(*u->shard));
		return 1;
	}
	if ((a = mfm_json_member(j, 0, "upstream_shard", 14)) < 0)
		return 0;
	if (get_mark(j, a, &lead, &m) != 0 || lead < 0 ||
	    (uint64_t)lead >= u->nshards)
		return mfm_err_set(err, MFM_ERR_DATA, "bad upstream shard");
	m.shard_i = (uint64_t)lead;
	m.shard_n = u->nshards;
	u->shard[lead] = m;
	return 1;
}

int
mfm_upstream_load_head(struct mfm_upstream *u, const char *body, size_t len,
    size_t *rest, struct mfm_err *err)
{
	struct mfm_json j;
	const char *p = body, *end = body + len, *nl;
	size_t line = 0;
	int rc = 0;

	*rest = 0;
	mfm_json_init(&j);
	while (p < end && (size_t)(end - p) > 12 &&
	    memcmp(p, "{\"upstream", 10) == 0) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		line++;
		if (mfm_json_parse(&j, p, (size_t)(nl - p), err) != 0 ||
		    (rc = mfm_upstream_load(u, &j, err)) != 1) {
			if (rc == 0)
				mfm_err_set(err, MFM_ERR_DATA,
				    "bad upstream watermark");
			err->kind = MFM_ERR_DATA;
			err->line = line;
			mfm_json_release(&j);
			return -1;
		}
		p = nl < end ? nl + 1 : end;
		*rest = (size_t)(p - body);
	}
	mfm_json_release(&j);
	return 0;
}

#define MINUTE (60 * MFM_TM_US_PER_S)
#define HOUR (60 * MINUTE)

void
mfm_mark_pace_init(struct mfm_mark_pace *p, int64_t shift, int64_t *after_at)
{
	memset(p, 0, sizeof(*p));
	p->shift = shift;
	*after_at = INT64_MIN;
}

int64_t
mfm_mark_pace_at(const struct mfm_mark_pace *p, int64_t w)
{
	return w > INT64_MAX - p->shift ? INT64_MAX : w + p->shift;
}

int
mfm_mark_pace_reached(struct mfm_mark_pace *p, int64_t latest,
    uint64_t nout, int64_t *after_at)
{
	int64_t w = latest - p->shift;

	if (p->has && w < p->next_hour && nout - p->nout < MFM_MARK_RECORDS) {
		/* A new minute, but too few records yet: at the hour. */
		*after_at = mfm_mark_pace_at(p, p->next_hour);
		p->rearm = 1;
		return 0;
	}
	p->has = 1;
	p->rearm = 0;
	p->next_minute = mfm_tm_floor(w, MINUTE, 0) + MINUTE;
	p->next_hour = mfm_tm_floor(w, HOUR, 0) + HOUR;
	*after_at = mfm_mark_pace_at(p, p->next_minute);
	return 1;
}

void
mfm_mark_pace_written(struct mfm_mark_pace *p, uint64_t nout)
{
	p->nout = nout;
}
