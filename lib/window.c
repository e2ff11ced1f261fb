/*
 * Event-time windows with a watermark; see window.h.
 *
 * Open windows are kept in an array sorted by (end, start): the
 * watermark closes a prefix of it, and a record's windows are found by
 * binary search.  Records mostly arrive near the latest time, so new
 * windows go near the end and the insertion moves little.  With revise
 * on, closed windows are kept in a second array of the same order, to
 * number their revisions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/tm.h"
#include "lib/window.h"
#include "lib/banned.h"

void
mfm_window_init(struct mfm_window *w)
{
	memset(w, 0, sizeof(*w));
	w->max_windows = MFM_WINDOW_MAX_DEFAULT;
	w->keep_closed = MFM_WINDOW_KEEP_DEFAULT;
	w->watermark = INT64_MIN;
}

void
mfm_window_release(struct mfm_window *w)
{
	free(w->spec);
	free(w->open);
	free(w->kept);
	free(w->tag);
	free(w->closed);
	mfm_window_init(w);
}

int
mfm_window_add(struct mfm_window *w, int64_t size, int64_t step,
    int64_t offset, struct mfm_err *err)
{
	char s[32];
	size_t i;

	if (size <= 0 || size > MFM_WINDOW_MAX_SIZE)
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "window size must be above 0 and at most 36600d");
	if (step <= 0 || step > size)
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "the step must be above 0 and at most the size");
	mfm_tm_format_duration(size, s);
	for (i = 0; i < w->nspec; i++)
		if (w->spec[i].size == size)
			return mfm_err_set(err, MFM_ERR_USAGE,
			    "size %s given twice", s);
	/* size / step windows hold each instant; one more at a DST fold. */
	if ((uint64_t)(size / step) + 1 > w->max_windows)
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "size %s over its step gives more than %zu windows per "
		    "record", s, w->max_windows);
	w->spec = mfm_xreallocarray(w->spec, w->nspec + 1, sizeof(*w->spec));
	w->spec[w->nspec].size = size;
	w->spec[w->nspec].step = step;
	w->spec[w->nspec].offset = offset;
	w->nspec++;
	return 0;
}

/* The first instant of local time l (the identity without a zone). */
static int64_t
bound(const struct mfm_window *w, int64_t l)
{
	return w->tz ? mfm_tz_utc(w->tz, l) : l;
}

static int
tag_cmp(const struct mfm_window_tag *a, int64_t start, int64_t end)
{
	if (a->end != end)
		return a->end < end ? -1 : 1;
	if (a->start != start)
		return a->start < start ? -1 : 1;
	return 0;
}

/* Binary search by (end, start): 1 when found; *pos the place. */
static int
find(const struct mfm_window_tag *a, size_t n, int64_t start, int64_t end,
    size_t *pos)
{
	size_t lo = 0, hi = n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = tag_cmp(&a[mid], start, end);
		if (c == 0) {
			*pos = mid;
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return 0;
}

static struct mfm_window_tag *
insert(struct mfm_window_tag **a, size_t *n, size_t *cap, size_t pos)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*a = mfm_xreallocarray(*a, *cap, sizeof(**a));
	}
	memmove(*a + pos + 1, *a + pos, (*n - pos) * sizeof(**a));
	(*n)++;
	memset(*a + pos, 0, sizeof(**a));
	return *a + pos;
}

static void
push(struct mfm_window_tag **a, size_t *n, size_t *cap,
    const struct mfm_window_tag *t)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*a = mfm_xreallocarray(*a, *cap, sizeof(**a));
	}
	(*a)[(*n)++] = *t;
}

/* The windows of spec sp holding t, appended to w->tag, starts ascending. */
static int
spec_windows(struct mfm_window *w, const struct mfm_window_spec *sp,
    int64_t t, struct mfm_err *err)
{
	struct mfm_window_tag tg;
	int64_t local, l, e;
	size_t first = w->ntag, i, j;

	local = t;
	if (w->tz != NULL)
		local += (int64_t)mfm_tz_offset(w->tz, t, NULL) *
		    MFM_TM_US_PER_S;
	l = mfm_tm_floor(local, sp->step, sp->offset);
	/* Where clocks were set back, t may already be in a later one. */
	while (bound(w, l + sp->step) <= t)
		l += sp->step;
	memset(&tg, 0, sizeof(tg));
	while ((e = bound(w, l + sp->size)) > t) {
		tg.start = bound(w, l);
		tg.end = e;
		if (tg.start < MFM_TM_MIN || tg.end > MFM_TM_MAX)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "its window lies outside the years 0000-9999");
		push(&w->tag, &w->ntag, &w->captag, &tg);
		l -= sp->step;
	}
	for (i = first, j = w->ntag; j > 0 && i < j - 1; i++, j--) {
		tg = w->tag[i];
		w->tag[i] = w->tag[j - 1];
		w->tag[j - 1] = tg;
	}
	return 0;
}

int
mfm_window_assign(struct mfm_window *w, int64_t t, struct mfm_err *err)
{
	struct mfm_window_tag *tg, *k;
	size_t i, pos, need = 0, before;
	int late = 0, reuse = 1;

	/*
	 * Tumbling windows tile the time line, so a record inside every
	 * window of the last record's tags, all still open, has the same
	 * tags and changes nothing: the common case, decided without
	 * searching the open windows.
	 */
	if (w->same) {
		for (i = 0; i < w->ntag; i++) {
			tg = &w->tag[i];
			if (t < tg->start || t >= tg->end ||
			    tg->end <= w->watermark)
				break;
		}
		if (i == w->ntag)
			return 0;
	}
	w->same = 0;
	w->ntag = 0;
	for (i = 0; i < w->nspec; i++) {
		before = w->ntag;
		if (spec_windows(w, &w->spec[i], t, err) != 0) {
			w->ntag = 0;
			return -1;
		}
		if (w->ntag != before + 1 || w->spec[i].step != w->spec[i].size)
			reuse = 0;	/* not one tumbling window */
	}
	/* Check the cap before anything changes. */
	for (i = 0; i < w->ntag; i++) {
		tg = &w->tag[i];
		if (tg->end > w->watermark) {
			if (!find(w->open, w->nopen, tg->start, tg->end, &pos))
				need++;
		} else if (w->revise &&
		    !find(w->kept, w->nkept, tg->start, tg->end, &pos))
			need++;
	}
	if (w->nopen + w->nkept + need > w->max_windows) {
		w->ntag = 0;
		return mfm_err_set(err, MFM_ERR_LIMIT,
		    "more than %zu windows open", w->max_windows);
	}
	for (i = 0; i < w->ntag; i++) {
		tg = &w->tag[i];
		if (tg->end > w->watermark) {
			if (!find(w->open, w->nopen, tg->start, tg->end, &pos))
				*insert(&w->open, &w->nopen, &w->capopen,
				    pos) = *tg;
			tg->revision = 0;
			continue;
		}
		late = 1;
		if (!w->revise) {
			tg->revision = -1;
			continue;
		}
		if (!find(w->kept, w->nkept, tg->start, tg->end, &pos) &&
		    w->have_dropped && tg->end <= w->dropped_end) {
			/* Closed before the kept windows: its count is gone. */
			tg->revision = -2;
			w->ntoo_late++;
			continue;
		}
		if (!find(w->kept, w->nkept, tg->start, tg->end, &pos)) {
			k = insert(&w->kept, &w->nkept, &w->capkept, pos);
			k->start = tg->start;
			k->end = tg->end;
		}
		k = &w->kept[pos];
		if (!k->pending) {
			k->revision++;
			k->pending = 1;
			w->npending++;
		}
		tg->revision = k->revision;
	}
	if (late)
		w->nlate++;
	w->same = reuse && !late;
	return 0;
}

/*
 * Keep the last keep_closed closed windows (by end), and those with a
 * revision pending; remember how far the dropped ones reached.
 */
static void
prune(struct mfm_window *w)
{
	size_t i, n = 0;

	for (i = 0; i < w->nkept && w->nkept - n > w->keep_closed; i++) {
		if (w->kept[i].pending)
			break;
		if (!w->have_dropped || w->kept[i].end > w->dropped_end)
			w->dropped_end = w->kept[i].end;
		w->have_dropped = 1;
		n++;
	}
	if (n == 0)
		return;
	memmove(w->kept, w->kept + n, (w->nkept - n) * sizeof(*w->kept));
	w->nkept -= n;
}

/*
 * Put the first nclose open windows and every pending revision into
 * w->closed, merged by (end, start).
 */
static void
close_windows(struct mfm_window *w, size_t nclose)
{
	struct mfm_window_tag c;
	size_t i = 0, j = 0, pos;

	w->nclosed = 0;
	for (;;) {
		if (w->npending == 0)
			j = w->nkept;
		while (j < w->nkept && !w->kept[j].pending)
			j++;
		if (i >= nclose && j >= w->nkept)
			break;
		if (i < nclose && (j >= w->nkept ||
		    tag_cmp(&w->kept[j], w->open[i].start,
		    w->open[i].end) > 0)) {
			c = w->open[i++];
			c.revision = 0;
		} else {
			c = w->kept[j];
			w->kept[j].pending = 0;
			w->npending--;
			j++;
		}
		c.pending = 0;
		push(&w->closed, &w->nclosed, &w->capclosed, &c);
	}
	/* With revise, closed windows are kept to number revisions. */
	for (i = 0; w->revise && i < nclose; i++) {
		if (!find(w->kept, w->nkept, w->open[i].start, w->open[i].end,
		    &pos)) {
			c = w->open[i];
			c.revision = 0;
			c.pending = 0;
			*insert(&w->kept, &w->nkept, &w->capkept, pos) = c;
		}
	}
	if (nclose > 0)
		memmove(w->open, w->open + nclose, (w->nopen - nclose) *
		    sizeof(*w->open));
	w->nopen -= nclose;
	prune(w);
}

/* The watermark reaches wm (above the current one): close windows. */
static void
move(struct mfm_window *w, int64_t wm)
{
	size_t n;

	w->watermark = wm;
	for (n = 0; n < w->nopen && w->open[n].end <= wm; n++)
		;
	close_windows(w, n);
}

void
mfm_window_advance_to(struct mfm_window *w, int64_t wm)
{
	w->nclosed = 0;
	w->external = 1;
	if (wm < MFM_TM_MIN)
		wm = MFM_TM_MIN;
	if (wm > w->watermark)
		move(w, wm);
}

void
mfm_window_advance(struct mfm_window *w, int64_t t)
{
	int64_t wm;

	w->nclosed = 0;
	if (w->have_time && t <= w->max_time)
		return;
	w->have_time = 1;
	w->max_time = t;
	if (w->external)
		return;
	/* Never below year 0, so that the watermark can be written. */
	if (w->lateness > t - MFM_TM_MIN)
		wm = MFM_TM_MIN;
	else
		wm = t - w->lateness;
	if (wm > w->watermark)
		move(w, wm);
}

void
mfm_window_finish(struct mfm_window *w)
{
	/* All input is in: the watermark catches up with the latest time. */
	if (w->have_time && w->max_time > w->watermark)
		w->watermark = w->max_time;
	close_windows(w, w->nopen);
	w->same = 0;	/* the windows of the last tags are closed now */
}

void
mfm_window_pause(struct mfm_window *w)
{
	close_windows(w, 0);
}

/* The window member value into out; returns its length. */
static size_t
window_text(char out[MFM_WINDOW_TEXT_MAX], int64_t start, int64_t end,
    int revision)
{
	size_t n = 0;
	int k;

	memcpy(out, "{\"start\":\"", 10);
	n = 10;
	n += mfm_tm_format_rfc3339(start, out + n);
	memcpy(out + n, "\",\"end\":\"", 9);
	n += 9;
	n += mfm_tm_format_rfc3339(end, out + n);
	out[n++] = '"';
	if (revision > 0) {
		/* At most 12 + 10 bytes: fits, with the brace and a NUL. */
		k = snprintf(out + n, MFM_WINDOW_TEXT_MAX - n,
		    ",\"revision\":%d", revision);
		n += (size_t)k;
	}
	out[n++] = '}';
	return n;
}

void
mfm_window_put(struct mfm_buf *b, int64_t start, int64_t end, int revision)
{
	char s[MFM_WINDOW_TEXT_MAX];

	mfm_buf_add(b, s, window_text(s, start, end, revision));
}

void
mfm_window_put_cached(struct mfm_buf *b, struct mfm_window_text *c,
    int64_t start, int64_t end, int revision)
{
	struct mfm_window_text_slot *e;
	uint64_t h;

	/* Starts are far apart multiples of the step: mix, take top bits. */
	h = ((uint64_t)start ^ ((uint64_t)end << 1) ^ (uint64_t)revision) *
	    UINT64_C(0x9e3779b97f4a7c15);
	e = &c->slot[h >> 56];	/* 8 bits: MFM_WINDOW_TEXT_SLOTS */
	if (e->len == 0 || e->start != start || e->end != end ||
	    e->revision != revision) {
		e->len = window_text(e->s, start, end, revision);
		e->start = start;
		e->end = end;
		e->revision = revision;
	}
	mfm_buf_add(b, e->s, e->len);
}

void
mfm_window_put_closed(struct mfm_buf *b, const struct mfm_window_tag *c,
    int64_t watermark)
{
	char m[MFM_TM_RFC3339_LEN + 1];
	size_t nm = mfm_tm_format_rfc3339(watermark, m);

	mfm_buf_adds(b, "{\"_mfm\":{\"type\":\"window_closed\",\"window\":");
	mfm_window_put(b, c->start, c->end, c->revision);
	mfm_buf_adds(b, ",\"watermark\":\"");
	mfm_buf_add(b, m, nm);
	mfm_buf_addf(b, "\",\"revision\":%d}}", c->revision);
}

/* The settings a state belongs to: specs and zone. */
static void
put_specs(const struct mfm_window *w, struct mfm_buf *b)
{
	size_t i;

	for (i = 0; i < w->nspec; i++)
		mfm_buf_addf(b, "%s%lld/%lld/%lld", i > 0 ? "," : "",
		    (long long)w->spec[i].size, (long long)w->spec[i].step,
		    (long long)w->spec[i].offset);
	if (w->tz != NULL)
		mfm_buf_addf(b, " %s", w->tz_name != NULL ? w->tz_name : "?");
}

void
mfm_window_dump(const struct mfm_window *w, struct mfm_buf *b)
{
	struct mfm_buf specs = MFM_BUF_INIT;
	size_t i;

	put_specs(w, &specs);
	mfm_buf_adds(b, "{\"specs\":");
	mfm_json_put_str(b, specs.p, specs.len);
	mfm_buf_addf(b, ",\"time\":[%d,%lld,%lld,%d,%lld]}\n", w->have_time,
	    (long long)w->max_time, (long long)w->watermark, w->have_dropped,
	    (long long)w->dropped_end);
	mfm_buf_release(&specs);
	for (i = 0; i < w->nopen; i++)
		mfm_buf_addf(b, "{\"open\":[%lld,%lld]}\n",
		    (long long)w->open[i].start, (long long)w->open[i].end);
	for (i = 0; i < w->nkept; i++)
		mfm_buf_addf(b, "{\"kept\":[%lld,%lld,%d,%d]}\n",
		    (long long)w->kept[i].start, (long long)w->kept[i].end,
		    w->kept[i].revision, w->kept[i].pending);
}

/* The n integers of array member name of j's root into v; -1 if not. */
static int
ints(const struct mfm_json *j, const char *name, int64_t *v, size_t n)
{
	int a = mfm_json_member(j, 0, name, strlen(name)), t;
	size_t i = 0;

	if (mfm_json_type_of(j, a) != MFM_JSON_ARRAY ||
	    mfm_json_at(j, a)->count != n)
		return -1;
	for (t = mfm_json_first(j, a); t >= 0; t = mfm_json_next(j, a, t))
		if (mfm_json_int64(j, t, &v[i++]) != 0)
			return -1;
	return 0;
}

static int
load_line(struct mfm_window *w, const struct mfm_json *j, int first,
    struct mfm_buf *specs, struct mfm_err *err)
{
	struct mfm_window_tag tg;
	struct mfm_buf sc = MFM_BUF_INIT;
	const char *s;
	int64_t v[5];
	size_t n, pos;
	int t, ok;

	memset(&tg, 0, sizeof(tg));
	if (first) {
		t = mfm_json_member(j, 0, "specs", 5);
		s = mfm_json_str(j, t, &n, &sc);
		ok = s != NULL && n == specs->len && memcmp(s, specs->p, n) == 0;
		mfm_buf_release(&sc);
		if (s == NULL || ints(j, "time", v, 5) != 0)
			return mfm_err_set(err, MFM_ERR_DATA, "bad times");
		if (!ok)
			return mfm_err_set(err, MFM_ERR_USAGE, "the state was "
			    "written for other window sizes, steps, offsets "
			    "or zone");
		w->have_time = v[0] != 0;
		w->max_time = v[1];
		w->watermark = v[2];
		w->have_dropped = v[3] != 0;
		w->dropped_end = v[4];
		return 0;
	}
	if (ints(j, "open", v, 2) == 0) {
		if (v[0] >= v[1] || find(w->open, w->nopen, v[0], v[1], &pos) ||
		    w->nopen + w->nkept >= w->max_windows)
			return mfm_err_set(err, MFM_ERR_DATA, "bad open window");
		tg.start = v[0];
		tg.end = v[1];
		*insert(&w->open, &w->nopen, &w->capopen, pos) = tg;
		return 0;
	}
	if (ints(j, "kept", v, 4) == 0) {
		if (v[0] >= v[1] || v[2] < 0 || v[2] > INT32_MAX ||
		    (v[3] != 0 && v[3] != 1) ||
		    find(w->kept, w->nkept, v[0], v[1], &pos) ||
		    w->nopen + w->nkept >= w->max_windows)
			return mfm_err_set(err, MFM_ERR_DATA, "bad kept window");
		tg.start = v[0];
		tg.end = v[1];
		tg.revision = (int)v[2];
		tg.pending = (int)v[3];
		*insert(&w->kept, &w->nkept, &w->capkept, pos) = tg;
		w->npending += tg.pending;
		return 0;
	}
	return mfm_err_set(err, MFM_ERR_DATA, "not a window state line");
}

int
mfm_window_load(struct mfm_window *w, const char *body, size_t len,
    struct mfm_err *err)
{
	struct mfm_buf specs = MFM_BUF_INIT;
	struct mfm_json j;
	const char *p = body, *end = body + len, *nl;
	size_t line = 0;
	int rc = 0;

	put_specs(w, &specs);
	mfm_json_init(&j);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (mfm_json_parse(&j, p, (size_t)(nl - p), err) != 0 ||
		    mfm_json_type_of(&j, 0) != MFM_JSON_OBJECT ||
		    load_line(w, &j, line == 0, &specs, err) != 0) {
			if (err->kind != MFM_ERR_USAGE)
				err->kind = MFM_ERR_DATA;
			err->line = line + 1;
			rc = -1;
			break;
		}
		line++;
		p = nl + 1;
	}
	mfm_json_release(&j);
	mfm_buf_release(&specs);
	w->same = 0;
	return rc;
}
