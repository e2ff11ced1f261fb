/*
 * The windows of mfm-metric: cells, closing, kept windows, revisions,
 * the end of input and the state between runs; see mwin.h.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mwin.h"
#include "lib/banned.h"

void
mfm_mwin_init(struct mfm_mwin *m, const struct mfm_metric_conf *conf,
    size_t max_groups, size_t keep_closed, int keep_auto,
    mfm_mwin_emit_fn *emit, void *ctx)
{
	memset(m, 0, sizeof(*m));
	m->conf = conf;
	mfm_group_init(&m->groups, sizeof(struct mfm_mwin_cell), max_groups);
	m->keep_closed = keep_closed;
	m->keep_auto = keep_auto;
	/* Room for a state written under the larger default, too. */
	m->capclosed = (keep_closed > MFM_MWIN_KEEP_DEFAULT ? keep_closed :
	    MFM_MWIN_KEEP_DEFAULT) + 1;
	m->closed = mfm_xreallocarray(NULL, m->capclosed, sizeof(*m->closed));
	mfm_upstream_init(&m->up);
	m->emit = emit;
	m->ctx = ctx;
	mfm_buf_init(&m->wkey);
	mfm_buf_init(&m->str);
	mfm_buf_init(&m->scratch);
}

void
mfm_mwin_release(struct mfm_mwin *m)
{
	size_t i;

	for (i = 0; i < m->groups.n; i++)
		mfm_metric_acc_release(mfm_group_val(&m->groups, i));
	mfm_group_release(&m->groups);
	for (i = 0; i < m->nclosed; i++)
		free(m->closed[i]);
	free(m->closed);
	free(m->dropped_end);
	mfm_upstream_release(&m->up);
	mfm_buf_release(&m->wkey);
	mfm_buf_release(&m->str);
	mfm_buf_release(&m->scratch);
	free(m->order);
	memset(m, 0, sizeof(*m));
}

static void
drop(struct mfm_mwin *m, size_t i)
{
	mfm_metric_acc_release(mfm_group_val(&m->groups, i));
	mfm_group_remove(&m->groups, i);
}

static int
window_is(const struct mfm_mwin *m, size_t i, const char *w, size_t wlen)
{
	const char *s;
	size_t n;

	s = mfm_group_window(&m->groups, i, &n);
	return n == wlen && memcmp(s, w, n) == 0;
}

/* Drop every entry of window w; indices from the top, as removal moves. */
static void
drop_window(struct mfm_mwin *m, const char *w, size_t wlen)
{
	size_t i;

	for (i = m->groups.n; i-- > 0;)
		if (window_is(m, i, w, wlen))
			drop(m, i);
}

/* Whether window w is one of the closed windows whose state is kept. */
static int
kept(const struct mfm_mwin *m, const char *w, size_t wlen)
{
	size_t i;

	for (i = 0; i < m->nclosed; i++)
		if (strlen(m->closed[i]) == wlen &&
		    memcmp(m->closed[i], w, wlen) == 0)
			return 1;
	return 0;
}

/* The end of a window key, as text: "...","end":"END"... */
static const char *
window_end(const char *w, size_t *n)
{
	const char *e = strstr(w, "\"end\":\""), *q;

	if (e == NULL)
		return NULL;
	e += 7;
	if ((q = strchr(e, '"')) == NULL)
		return NULL;
	*n = (size_t)(q - e);
	return e;
}

/* Remember how far the closed windows dropped so far reached. */
static void
note_dropped(struct mfm_mwin *m, const char *w)
{
	const char *e;
	size_t n = 0;

	if (m->dropped == 2)
		return;
	if ((e = window_end(w, &n)) == NULL) {
		m->dropped = 2;
		free(m->dropped_end);
		m->dropped_end = NULL;
		return;
	}
	if (m->dropped == 0 || (strlen(m->dropped_end) == n &&
	    memcmp(e, m->dropped_end, n) > 0)) {
		free(m->dropped_end);
		m->dropped_end = mfm_xmemdup(e, n);
	}
	m->dropped = 1;
}

/*
 * Was window w (a key) dropped, or could it have been?  It ends no later
 * than a dropped one; a later window was never seen, and a revision of
 * it stands on its own.
 */
static int
maybe_dropped(const struct mfm_mwin *m, const char *w, size_t wlen)
{
	struct mfm_buf k = MFM_BUF_INIT;
	const char *e;
	size_t n;
	int r;

	if (m->dropped != 1)
		return m->dropped == 2;
	mfm_buf_add(&k, w, wlen);
	e = window_end(k.p, &n);
	r = e == NULL || n != strlen(m->dropped_end) ||
	    memcmp(e, m->dropped_end, n) <= 0;
	mfm_buf_release(&k);
	return r;
}

/* A cell found or made: set up if made, due to be written again. */
static struct mfm_mwin_cell *
touch(struct mfm_mwin *m, struct mfm_mwin_cell *c, int created, int64_t rev)
{
	if (created)
		mfm_metric_acc_init_conf(&c->acc, m->conf);
	c->dirty = 1;
	if (rev > c->revision)
		c->revision = rev;
	return c;
}

/*
 * A group new to a revised window: fine if the window's state is kept
 * (the group is written at its next close), or if the window was never
 * seen (it had no record before it closed); refused, and the new entry
 * removed, if it was dropped, since the revision cannot be computed.
 */
static int
refused(struct mfm_mwin *m, struct mfm_mwin_cell *c, int64_t rev,
    struct mfm_err *err)
{
	const char *w;
	size_t i, n;

	for (i = m->groups.n; i-- > 0;)
		if (mfm_group_val(&m->groups, i) == c)
			break;
	w = mfm_group_window(&m->groups, i, &n);
	if (kept(m, w, n)) {
		c->closed = 1;
	} else if (maybe_dropped(m, w, n)) {
		mfm_group_remove(&m->groups, i);
		mfm_err_set(err, MFM_ERR_DATA, "revision %" PRId64 " of a "
		    "window no longer kept (--keep-closed)", rev);
		return 1;
	}
	return 0;
}

struct mfm_mwin_cell *
mfm_mwin_cell(struct mfm_mwin *m, const struct mfm_json *j,
    const struct mfm_json_path *window, int w, const int *by,
    struct mfm_err *err)
{
	struct mfm_mwin_cell *c;
	int64_t rev = 0;
	int t, created;

	t = mfm_json_member(j, w, "revision", 8);
	if (t >= 0 && (mfm_json_int64(j, t, &rev) != 0 || rev < 0)) {
		mfm_err_set(err, MFM_ERR_DATA, "field '%s.revision' is not a "
		    "count", window->text);
		return NULL;
	}
	c = mfm_group_get_at(&m->groups, j, window, w, by, &created, err);
	if (c == NULL || (created && rev > 0 && refused(m, c, rev, err)))
		return NULL;
	return touch(m, c, created, rev);
}

/* The same for a window and group given as JSON text. */
static struct mfm_mwin_cell *
cell_key(struct mfm_mwin *m, const char *window, size_t wlen,
    const char *group, size_t glen, int64_t rev, struct mfm_err *err)
{
	struct mfm_mwin_cell *c;
	int created;

	c = mfm_group_get_key(&m->groups, window, wlen, group, glen, &created,
	    err);
	if (c == NULL)
		return NULL;
	return touch(m, c, created, rev);
}

int
mfm_mwin_merge(struct mfm_mwin *m, const struct mfm_json *j,
    struct mfm_err *err)
{
	struct mfm_metric_acc check;
	struct mfm_mwin_cell *c;
	const char *g;
	size_t glen;
	int64_t rev = 0;
	int t, rc;

	t = mfm_json_member(j, 0, "group", 5);
	if (mfm_json_type_of(j, t) != MFM_JSON_OBJECT)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "state record without a group object");
	g = mfm_json_raw(j, t, &glen);
	t = mfm_json_member(j, 0, "revision", 8);
	if (t >= 0 && (mfm_json_int64(j, t, &rev) != 0 || rev < 0))
		return mfm_err_set(err, MFM_ERR_DATA,
		    "field 'revision' is not a count");
	/* A bad state changes nothing: read once alone, to check it. */
	t = mfm_json_member(j, 0, "state", 5);
	mfm_metric_acc_init_conf(&check, m->conf);
	rc = mfm_metric_acc_read_state(&check, j, t, err);
	mfm_metric_acc_release(&check);
	if (rc != 0)
		return -1;
	t = mfm_json_member(j, 0, "window", 6);
	mfm_buf_clear(&m->wkey);
	mfm_group_put_window(&m->wkey, j, t);
	c = cell_key(m, m->wkey.p, m->wkey.len, g, glen, rev, err);
	if (c == NULL)
		return -1;
	return mfm_metric_acc_read_state(&c->acc, j,
	    mfm_json_member(j, 0, "state", 5), err);
}

/* An entry of the closing window, by its group's text. */
struct member {
	const char *g;
	size_t n, i;
};

static int
cmp_member(const void *pa, const void *pb)
{
	const struct member *a = pa, *b = pb;
	int c = memcmp(a->g, b->g, a->n < b->n ? a->n : b->n);

	return c != 0 ? c : (a->n > b->n) - (a->n < b->n);
}

/* Keep window w among the closed ones, the oldest going at the keep. */
static void
keep(struct mfm_mwin *m, const char *w, size_t wlen)
{
	if (m->keep_closed == 0) {
		note_dropped(m, w);
		drop_window(m, w, wlen);
		return;
	}
	if (kept(m, w, wlen))
		return;
	while (m->nclosed > 0 && m->nclosed >= m->keep_closed) {
		/* The oldest closed window goes, and its revisions with it. */
		note_dropped(m, m->closed[0]);
		drop_window(m, m->closed[0], strlen(m->closed[0]));
		free(m->closed[0]);
		memmove(m->closed, m->closed + 1,
		    (m->nclosed - 1) * sizeof(*m->closed));
		m->nclosed--;
	}
	m->closed[m->nclosed++] = mfm_xmemdup(w, wlen);
}

/*
 * A window_closed control record for window w: write its groups in
 * group order (unless written already and unchanged), then keep or
 * drop its state.
 */
static void
close_window(struct mfm_mwin *m, const char *w, size_t wlen,
    int64_t revision)
{
	struct mfm_mwin_cell *c;
	struct member *mb;
	size_t n = 0, i, k;

	if (m->caporder < m->groups.n) {
		m->caporder = m->groups.n;
		m->order = mfm_xreallocarray(m->order, m->caporder,
		    sizeof(*mb));
	}
	mb = m->order;
	for (i = 0; i < m->groups.n; i++)
		if (window_is(m, i, w, wlen)) {
			mb[n].g = mfm_group_text(&m->groups, i, &mb[n].n);
			mb[n++].i = i;
		}
	if (n == 0)
		return;
	qsort(mb, n, sizeof(*mb), cmp_member);
	for (k = 0; k < n; k++) {
		c = mfm_group_val(&m->groups, mb[k].i);
		if (revision > c->revision)
			c->revision = revision;
		if (!c->closed || c->dirty)
			m->emit(m->ctx, m, mb[k].i, c->revision, 0);
		c->closed = 1;
		c->dirty = 0;
	}
	keep(m, w, wlen);
}

/*
 * Input with mfm-join's watermark records: a record comes late for a
 * closed window only when its prediction came later than the join's TTL,
 * so fewer closed windows are kept, unless the keep was given.
 */
static void
keep_joined(struct mfm_mwin *m)
{
	if (m->keep_auto && m->keep_closed > MFM_MWIN_KEEP_JOINED)
		m->keep_closed = MFM_MWIN_KEEP_JOINED;
}

int
mfm_mwin_control(struct mfm_mwin *m, const struct mfm_json *j,
    struct mfm_err *err)
{
	struct mfm_control_mark mk;
	enum mfm_control_type type;
	int c, t, w;
	int64_t rev = 0;

	if (mfm_control_type(j, &type, &mk, err) != 0)
		return -1;
	if (type == MFM_CONTROL_WATERMARK) {
		if (mfm_upstream_add(&m->up, &mk, err) < 0)
			return -1;
		keep_joined(m);
		return 0;
	}
	if (type != MFM_CONTROL_WINDOW_CLOSED)
		return 0;
	c = mfm_json_member(j, 0, "_mfm", 4);
	w = mfm_json_member(j, c, "window", 6);
	if (mfm_json_type_of(j, w) != MFM_JSON_OBJECT)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "window_closed without a window object");
	t = mfm_json_member(j, c, "revision", 8);
	if (t >= 0 && (mfm_json_int64(j, t, &rev) != 0 || rev < 0))
		return mfm_err_set(err, MFM_ERR_DATA,
		    "window_closed revision is not a count");
	mfm_buf_clear(&m->wkey);
	mfm_group_put_window(&m->wkey, j, w);
	close_window(m, m->wkey.p, m->wkey.len, rev);
	return 0;
}

int
mfm_mwin_complete(const struct mfm_mwin *m, int drain, int has_state)
{
	return drain || m->up.complete || (!m->up.seen && !has_state);
}

void
mfm_mwin_finish(struct mfm_mwin *m, int complete)
{
	struct mfm_mwin_cell *c;
	size_t i;

	mfm_group_sort(&m->groups);
	for (i = 0; i < m->groups.n; i++) {
		c = mfm_group_val(&m->groups, i);
		if (!c->dirty && (c->closed || !complete))
			continue;
		m->emit(m->ctx, m, i, c->revision, !complete && !c->closed);
		c->dirty = 0;
		c->closed |= complete;
	}
}

void
mfm_mwin_dump(struct mfm_mwin *m, struct mfm_buf *b)
{
	struct mfm_mwin_cell *c;
	const char *s;
	size_t i, n;

	mfm_upstream_dump(&m->up, b);
	mfm_buf_adds(b, "{\"closed\":[");
	for (i = 0; i < m->nclosed; i++) {
		if (i > 0)
			mfm_buf_addc(b, ',');
		mfm_json_put_str(b, m->closed[i], strlen(m->closed[i]));
	}
	mfm_buf_addf(b, "],\"dropped\":%d,\"dropped_end\":", m->dropped);
	if (m->dropped_end != NULL)
		mfm_json_put_str(b, m->dropped_end, strlen(m->dropped_end));
	else
		mfm_buf_adds(b, "null");
	mfm_buf_adds(b, "}\n");
	for (i = 0; i < m->groups.n; i++) {
		c = mfm_group_val(&m->groups, i);
		mfm_buf_adds(b, "{\"window\":");
		s = mfm_group_window(&m->groups, i, &n);
		mfm_buf_add(b, s, n);
		mfm_buf_adds(b, ",\"group\":");
		s = mfm_group_text(&m->groups, i, &n);
		mfm_buf_add(b, s, n);
		mfm_buf_addf(b, ",\"cell\":[%d,%d,%" PRId64 "],\"state\":",
		    c->closed, c->dirty, c->revision);
		mfm_metric_acc_write_state(&c->acc, b, &m->scratch);
		mfm_buf_adds(b, "}\n");
	}
}

/* The line of the closed windows kept. */
static int
load_closed(struct mfm_mwin *m, const struct mfm_json *j)
{
	const char *s;
	size_t n;
	int64_t d;
	int a, t;

	a = mfm_json_member(j, 0, "closed", 6);
	if (mfm_json_type_of(j, a) != MFM_JSON_ARRAY ||
	    mfm_json_at(j, a)->count >= m->capclosed)
		return -1;
	for (t = mfm_json_first(j, a); t >= 0; t = mfm_json_next(j, a, t)) {
		if ((s = mfm_json_str(j, t, &n, &m->str)) == NULL)
			return -1;
		m->closed[m->nclosed++] = mfm_xmemdup(s, n);
	}
	if (mfm_json_int64(j, mfm_json_member(j, 0, "dropped", 7), &d) != 0 ||
	    d < 0 || d > 2)
		return -1;
	m->dropped = (int)d;
	t = mfm_json_member(j, 0, "dropped_end", 11);
	if ((m->dropped == 1) != (mfm_json_type_of(j, t) == MFM_JSON_STRING))
		return -1;
	if (mfm_json_type_of(j, t) == MFM_JSON_STRING) {
		s = mfm_json_str(j, t, &n, &m->str);
		m->dropped_end = mfm_xmemdup(s, n);
	} else if (mfm_json_type_of(j, t) != MFM_JSON_NULL) {
		return -1;
	}
	return 0;
}

/* A line of one cell. */
static int
load_cell(struct mfm_mwin *m, const struct mfm_json *j, struct mfm_err *err)
{
	const char *w, *g;
	size_t wn, gn;
	int64_t v[3];
	int t, a, k, created;
	struct mfm_mwin_cell *c;

	t = mfm_json_member(j, 0, "window", 6);
	k = mfm_json_member(j, 0, "group", 5);
	a = mfm_json_member(j, 0, "cell", 4);
	if ((mfm_json_type_of(j, t) != MFM_JSON_OBJECT &&
	    mfm_json_type_of(j, t) != MFM_JSON_NULL) ||
	    mfm_json_type_of(j, k) != MFM_JSON_OBJECT ||
	    mfm_json_type_of(j, a) != MFM_JSON_ARRAY ||
	    mfm_json_at(j, a)->count != 3)
		return mfm_err_set(err, MFM_ERR_DATA, "bad window line");
	for (k = mfm_json_first(j, a), t = 0; k >= 0;
	    k = mfm_json_next(j, a, k), t++)
		if (mfm_json_int64(j, k, &v[t]) != 0 || v[t] < 0)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "bad window line");
	w = mfm_json_raw(j, mfm_json_member(j, 0, "window", 6), &wn);
	g = mfm_json_raw(j, mfm_json_member(j, 0, "group", 5), &gn);
	c = mfm_group_get_key(&m->groups, w, wn, g, gn, &created, err);
	if (c == NULL)
		return -1;
	if (!created)
		return mfm_err_set(err, MFM_ERR_DATA, "window and group "
		    "given twice");
	mfm_metric_acc_init_conf(&c->acc, m->conf);
	c->closed = v[0] != 0;
	c->dirty = v[1] != 0;
	c->revision = v[2];
	return mfm_metric_acc_read_state(&c->acc, j,
	    mfm_json_member(j, 0, "state", 5), err);
}

int
mfm_mwin_load(struct mfm_mwin *m, const char *body, size_t len,
    struct mfm_err *err)
{
	struct mfm_json j;
	const char *p, *end = body + len, *nl;
	char msg[sizeof(err->msg)];
	size_t rest, line;
	int rc = 0;

	mfm_err_clear(err);
	if (mfm_upstream_load_head(&m->up, body, len, &rest, err) != 0)
		return -1;
	if (m->up.seen)
		keep_joined(m);
	mfm_json_init(&j);
	line = 0;
	for (p = body + rest; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (mfm_json_parse(&j, p, (size_t)(nl - p), err) != 0 ||
		    (line == 0 ? (load_closed(m, &j) != 0 ? mfm_err_set(err,
		    MFM_ERR_DATA, "bad closed windows") : 0) :
		    load_cell(m, &j, err)) != 0) {
			if (err->kind != MFM_ERR_LIMIT) {
				memcpy(msg, err->msg, sizeof(msg));
				mfm_err_set(err, err->kind, "corrupt state "
				    "file: %s", msg);
			}
			rc = -1;
			break;
		}
		line++;
	}
	mfm_json_release(&j);
	return rc;
}
