/*
 * Unit tests for mfm-metric's windows (lib/mwin.c): cells, window_closed,
 * the closed windows kept and dropped, revisions, provisional output at
 * the end of input, --partial state records and the state between runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/mwin.h"

/* A run: the windows, the paths records are read by, what was written. */
struct run {
	struct mfm_metric_conf conf;
	struct mfm_mwin m;
	struct mfm_json_path window, by;
	struct mfm_json j;
	struct mfm_buf out;	/* one line per record written */
};

/* "WINDOW GROUP rREVISION n=N [provisional]" */
static void
log_emit(void *ctx, const struct mfm_mwin *m, size_t i, int64_t revision,
    int provisional)
{
	struct run *r = ctx;
	const struct mfm_mwin_cell *c = mfm_group_val(&m->groups, i);
	const char *s;
	size_t n;

	s = mfm_group_window(&m->groups, i, &n);
	mfm_buf_add(&r->out, s, n);
	mfm_buf_addc(&r->out, ' ');
	s = mfm_group_text(&m->groups, i, &n);
	mfm_buf_add(&r->out, s, n);
	mfm_buf_addf(&r->out, " r%d n=%d%s\n", (int)revision, (int)c->acc.n,
	    provisional ? " provisional" : "");
}

static void
run_init(struct run *r, size_t keep, int keep_auto)
{
	struct mfm_err err;

	memset(r, 0, sizeof(*r));
	mfm_metric_conf_init(&r->conf);
	mfm_mwin_init(&r->m, &r->conf, 10, keep, keep_auto, log_emit, r);
	ck_assert_int_eq(mfm_json_path_parse(&r->window, "window", &err), 0);
	ck_assert_int_eq(mfm_json_path_parse(&r->by, "g", &err), 0);
	mfm_group_by(&r->m.groups, &r->by, 1);
	mfm_json_init(&r->j);
}

static void
run_release(struct run *r)
{
	mfm_mwin_release(&r->m);
	mfm_json_path_release(&r->window);
	mfm_json_path_release(&r->by);
	mfm_json_release(&r->j);
	mfm_buf_release(&r->out);
}

/* What was written since the last call, as a string. */
static const char *
written(struct run *r)
{
	static char s[4096];

	ck_assert_uint_lt(r->out.len, sizeof(s));
	memcpy(s, r->out.p ? r->out.p : "", r->out.len);
	s[r->out.len] = '\0';
	mfm_buf_clear(&r->out);
	return s;
}

static void
parse(struct run *r, const char *line)
{
	struct mfm_err err;

	ck_assert_msg(mfm_json_parse(&r->j, line, strlen(line), &err) == 0,
	    "%s: %s", line, err.msg);
}

/* A record {"score":S,"label":L,"g":G,"window":W}: 0, or -1 with err. */
static int
record(struct run *r, const char *line, struct mfm_err *err)
{
	struct mfm_mwin_cell *c;
	double score = 0;
	int by, label = MFM_METRIC_UNLABELLED, t;

	parse(r, line);
	t = mfm_json_member(&r->j, 0, "score", 5);
	ck_assert_int_eq(mfm_json_double(&r->j, t, &score), 0);
	t = mfm_json_member(&r->j, 0, "label", 5);
	if (t >= 0)
		label = r->j.tok[t].type == MFM_JSON_TRUE;
	by = mfm_json_get(&r->j, 0, &r->by);
	c = mfm_mwin_cell(&r->m, &r->j, &r->window,
	    mfm_json_get(&r->j, 0, &r->window), &by, err);
	if (c == NULL)
		return -1;
	ck_assert_int_eq(mfm_metric_acc_addw(&c->acc, score, label, 1, err),
	    0);
	return 0;
}

static void
ok(struct run *r, const char *line)
{
	struct mfm_err err;

	ck_assert_msg(record(r, line, &err) == 0, "%s: %s", line, err.msg);
}

static int
control(struct run *r, const char *line, struct mfm_err *err)
{
	parse(r, line);
	return mfm_mwin_control(&r->m, &r->j, err);
}

static void
closed(struct run *r, const char *w, int rev)
{
	char line[256];
	struct mfm_err err;

	snprintf(line, sizeof(line), "{\"_mfm\":{\"type\":\"window_closed\","
	    "\"window\":%s,\"revision\":%d}}", w, rev);
	ck_assert_msg(control(r, line, &err) == 0, "%s: %s", line, err.msg);
}

#define A "{\"start\":\"a\",\"end\":\"b\"}"
#define B "{\"start\":\"b\",\"end\":\"c\"}"
#define C "{\"start\":\"c\",\"end\":\"d\"}"

START_TEST(test_close)
{
	struct run r;

	run_init(&r, 16, 0);
	ok(&r, "{\"score\":0.9,\"label\":true,\"g\":\"y\",\"window\":" A "}");
	ok(&r, "{\"score\":0.1,\"label\":false,\"g\":\"x\",\"window\":" A "}");
	ok(&r, "{\"score\":0.2,\"label\":false,\"g\":\"x\",\"window\":" B "}");
	ok(&r, "{\"score\":0.3,\"label\":false,\"g\":\"x\",\"window\":" A "}");
	ck_assert_str_eq(written(&r), "");
	/* Its groups in group order, the other window left alone. */
	closed(&r, A, 0);
	ck_assert_str_eq(written(&r),
	    A " {\"g\":\"x\"} r0 n=2\n"
	    A " {\"g\":\"y\"} r0 n=1\n");
	/* Closed again, unchanged: nothing. */
	closed(&r, A, 0);
	ck_assert_str_eq(written(&r), "");
	/* A window with no record: nothing, and nothing kept. */
	closed(&r, C, 0);
	ck_assert_str_eq(written(&r), "");
	ck_assert_uint_eq(r.m.nclosed, 1);
	/* The end of a complete input: what is not written yet. */
	ck_assert_int_eq(mfm_mwin_complete(&r.m, 0, 0), 1);
	mfm_mwin_finish(&r.m, 1);
	ck_assert_str_eq(written(&r), B " {\"g\":\"x\"} r0 n=1\n");
	mfm_mwin_finish(&r.m, 1);
	ck_assert_str_eq(written(&r), "");
	run_release(&r);
}
END_TEST

START_TEST(test_revise)
{
	struct run r;
	struct mfm_err err;

	run_init(&r, 1, 0);
	ok(&r, "{\"score\":0.9,\"g\":\"x\",\"window\":" A "}");
	ok(&r, "{\"score\":0.8,\"g\":\"x\",\"window\":" B "}");
	closed(&r, A, 0);
	closed(&r, B, 0);
	ck_assert_str_eq(written(&r),
	    A " {\"g\":\"x\"} r0 n=1\n" B " {\"g\":\"x\"} r0 n=1\n");
	/* One window kept: A went when B closed. */
	ck_assert_uint_eq(r.m.nclosed, 1);
	ck_assert_str_eq(r.m.closed[0], B);
	ck_assert_uint_eq(r.m.groups.n, 1);
	ck_assert_int_eq(r.m.dropped, 1);
	ck_assert_str_eq(r.m.dropped_end, "b");
	/* A revision of A cannot be computed; no cell is made. */
	ck_assert_int_eq(record(&r, "{\"score\":0.5,\"g\":\"x\",\"window\":"
	    "{\"start\":\"a\",\"end\":\"b\",\"revision\":1}}", &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_DATA);
	ck_assert_str_eq(err.msg,
	    "revision 1 of a window no longer kept (--keep-closed)");
	ck_assert_uint_eq(r.m.groups.n, 1);
	/* A revision of B, kept: a new group too, written at B's close. */
	ok(&r, "{\"score\":0.5,\"g\":\"x\",\"window\":"
	    "{\"start\":\"b\",\"end\":\"c\",\"revision\":1}}");
	ok(&r, "{\"score\":0.5,\"g\":\"y\",\"window\":"
	    "{\"start\":\"b\",\"end\":\"c\",\"revision\":1}}");
	closed(&r, B, 1);
	ck_assert_str_eq(written(&r),
	    B " {\"g\":\"x\"} r1 n=2\n" B " {\"g\":\"y\"} r1 n=1\n");
	/* A revision of a window never seen stands on its own. */
	ok(&r, "{\"score\":0.5,\"g\":\"x\",\"window\":"
	    "{\"start\":\"c\",\"end\":\"d\",\"revision\":2}}");
	mfm_mwin_finish(&r.m, 1);
	ck_assert_str_eq(written(&r), C " {\"g\":\"x\"} r2 n=1\n");
	/* A revision that is not a count. */
	ck_assert_int_eq(record(&r, "{\"score\":0.5,\"window\":"
	    "{\"start\":\"c\",\"revision\":-1}}", &err), -1);
	ck_assert_str_eq(err.msg, "field 'window.revision' is not a count");
	run_release(&r);
}
END_TEST

START_TEST(test_keep_zero)
{
	struct run r;
	struct mfm_err err;

	run_init(&r, 0, 0);
	ok(&r, "{\"score\":0.9,\"window\":" B "}");
	closed(&r, B, 0);
	ck_assert_str_eq(written(&r), B " {\"g\":null} r0 n=1\n");
	/* Its state freed at once. */
	ck_assert_uint_eq(r.m.groups.n, 0);
	ck_assert_uint_eq(r.m.nclosed, 0);
	/* An older window may have been dropped too; a later not. */
	ck_assert_int_eq(record(&r, "{\"score\":0.5,\"window\":"
	    "{\"start\":\"a\",\"end\":\"b\",\"revision\":1}}", &err), -1);
	ok(&r, "{\"score\":0.5,\"window\":"
	    "{\"start\":\"c\",\"end\":\"d\",\"revision\":1}}");
	/* A dropped window without an end: every revision is refused. */
	closed(&r, "{\"start\":\"x\"}", 0);
	ok(&r, "{\"score\":0.5,\"window\":{\"start\":\"x\"}}");
	closed(&r, "{\"start\":\"x\"}", 0);
	ck_assert_int_eq(r.m.dropped, 2);
	ck_assert_int_eq(record(&r, "{\"score\":0.5,\"window\":"
	    "{\"start\":\"e\",\"end\":\"f\",\"revision\":1}}", &err), -1);
	run_release(&r);
}
END_TEST

START_TEST(test_watermark)
{
	struct run r;
	struct mfm_err err;

	/* Watermark records: two closed windows kept, unless told. */
	run_init(&r, 16, 1);
	ck_assert_int_eq(mfm_mwin_complete(&r.m, 0, 0), 1);
	ck_assert_int_eq(mfm_mwin_complete(&r.m, 0, 1), 0);
	ck_assert_int_eq(control(&r, "{\"_mfm\":{\"type\":\"watermark\","
	    "\"watermark\":\"2026-11-01T00:00:00Z\",\"time\":"
	    "\"2026-11-02T00:00:00Z\"}}", &err), 0);
	ck_assert_uint_eq(r.m.keep_closed, MFM_MWIN_KEEP_JOINED);
	ck_assert_int_eq(r.m.up.has_now, 1);
	/* More is to come: not complete, unless drained. */
	ck_assert_int_eq(mfm_mwin_complete(&r.m, 0, 0), 0);
	ck_assert_int_eq(mfm_mwin_complete(&r.m, 1, 0), 1);
	ck_assert_int_eq(control(&r, "{\"_mfm\":{\"type\":\"watermark\","
	    "\"watermark\":\"2026-11-02T00:00:00Z\",\"time\":"
	    "\"2026-11-03T00:00:00Z\",\"complete\":true}}", &err), 0);
	ck_assert_int_eq(mfm_mwin_complete(&r.m, 0, 1), 1);
	/* Bad control records; others ignored. */
	ck_assert_int_eq(control(&r, "{\"_mfm\":{\"type\":\"watermark\","
	    "\"watermark\":3}}", &err), -1);
	ck_assert_int_eq(control(&r, "{\"_mfm\":{\"type\":\"window_closed\","
	    "\"window\":\"x\"}}", &err), -1);
	ck_assert_str_eq(err.msg, "window_closed without a window object");
	ck_assert_int_eq(control(&r, "{\"_mfm\":{\"type\":\"window_closed\","
	    "\"window\":{},\"revision\":-1}}", &err), -1);
	ck_assert_str_eq(err.msg, "window_closed revision is not a count");
	ck_assert_int_eq(control(&r, "{\"_mfm\":{\"type\":\"other\"}}",
	    &err), 0);
	run_release(&r);

	/* Told: the keep stays. */
	run_init(&r, 5, 0);
	ck_assert_int_eq(control(&r, "{\"_mfm\":{\"type\":\"watermark\","
	    "\"watermark\":null,\"time\":null}}", &err), 0);
	ck_assert_uint_eq(r.m.keep_closed, 5);
	run_release(&r);
}
END_TEST

START_TEST(test_provisional)
{
	struct run r;

	run_init(&r, 16, 0);
	ok(&r, "{\"score\":0.9,\"window\":" A "}");
	ok(&r, "{\"score\":0.9,\"window\":" B "}");
	closed(&r, A, 0);
	ck_assert_str_eq(written(&r), A " {\"g\":null} r0 n=1\n");
	/* Not complete: the open window as provisional, kept. */
	mfm_mwin_finish(&r.m, 0);
	ck_assert_str_eq(written(&r), B " {\"g\":null} r0 n=1 provisional\n");
	ck_assert_uint_eq(r.m.groups.n, 2);
	/* Unchanged since: nothing; changed: provisional again. */
	mfm_mwin_finish(&r.m, 0);
	ck_assert_str_eq(written(&r), "");
	ok(&r, "{\"score\":0.1,\"window\":" B "}");
	mfm_mwin_finish(&r.m, 0);
	ck_assert_str_eq(written(&r), B " {\"g\":null} r0 n=2 provisional\n");
	/* Complete: final, even unchanged. */
	mfm_mwin_finish(&r.m, 1);
	ck_assert_str_eq(written(&r), B " {\"g\":null} r0 n=2\n");
	run_release(&r);
}
END_TEST

/* Dump r's state, load it into a fresh run, and dump that: the same. */
static void
reload(struct run *r, struct run *r2, size_t keep, int keep_auto)
{
	struct mfm_buf a = MFM_BUF_INIT, b = MFM_BUF_INIT;
	struct mfm_err err;

	mfm_mwin_dump(&r->m, &a);
	run_init(r2, keep, keep_auto);
	ck_assert_msg(mfm_mwin_load(&r2->m, a.p, a.len, &err) == 0, "%s",
	    err.msg);
	mfm_mwin_dump(&r2->m, &b);
	ck_assert_uint_eq(a.len, b.len);
	ck_assert(memcmp(a.p, b.p, a.len) == 0);
	mfm_buf_release(&a);
	mfm_buf_release(&b);
}

/* The same input in one run and split in two with the state between. */
static const char *const stream[] = {
	"{\"_mfm\":{\"type\":\"watermark\",\"watermark\":null,\"time\":"
	    "\"2026-11-02T00:00:00Z\"}}",
	"{\"score\":0.9,\"label\":true,\"g\":\"x\",\"window\":" A "}",
	"{\"score\":0.4,\"label\":false,\"g\":\"y\",\"window\":" A "}",
	"{\"score\":0.7,\"g\":\"x\",\"window\":" B "}",
	"W" A,
	"{\"score\":0.3,\"label\":true,\"g\":\"y\",\"window\":"
	    "{\"start\":\"a\",\"end\":\"b\",\"revision\":1}}",
	"{\"score\":0.6,\"label\":false,\"g\":\"x\",\"window\":" C "}",
	"W" B,
	"W" A,
	"{\"score\":0.2,\"label\":false,\"g\":\"y\",\"window\":" C "}",
};

static void
feed(struct run *r, size_t from, size_t to)
{
	for (; from < to; from++)
		if (stream[from][0] == 'W')
			closed(r, stream[from] + 1, from == 8);
		else if (strstr(stream[from], "_mfm") != NULL) {
			struct mfm_err err;

			ck_assert_int_eq(control(r, stream[from], &err), 0);
		} else
			ok(r, stream[from]);
}

static int
cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of b sorted, each ended by a newline, into to. */
static void
sorted(struct mfm_buf *to, const struct mfm_buf *b)
{
	char *copy, *v[64], *p, *e;
	size_t n = 0, i;

	copy = mfm_xmemdup(b->p ? b->p : "", b->len);
	for (p = copy; *p != '\0'; p = e + 1) {
		e = strchr(p, '\n');
		*e = '\0';
		ck_assert_uint_lt(n, 64);
		v[n++] = p;
	}
	qsort(v, n, sizeof(v[0]), cmp_line);
	mfm_buf_clear(to);
	for (i = 0; i < n; i++)
		mfm_buf_addf(to, "%s\n", v[i]);
	free(copy);
}

/* Append the lines of b (whole lines) that are not provisional to to. */
static void
finals(struct mfm_buf *to, const struct mfm_buf *b)
{
	char line[256];
	const char *p, *e;

	for (p = b->p; b->len > 0 && p < b->p + b->len; p = e + 1) {
		e = memchr(p, '\n', (size_t)(b->p + b->len - p));
		ck_assert_uint_lt((size_t)(e - p), sizeof(line));
		memcpy(line, p, (size_t)(e - p));
		line[e - p] = '\0';
		if (strstr(line, "provisional") == NULL)
			mfm_buf_addf(to, "%s\n", line);
	}
}

START_TEST(test_state)
{
	struct run one, r, r2;
	struct mfm_buf all = MFM_BUF_INIT, split = MFM_BUF_INIT;
	struct mfm_buf got = MFM_BUF_INIT, want = MFM_BUF_INIT;
	size_t n = sizeof(stream) / sizeof(stream[0]), cut;

	run_init(&one, 16, 1);
	feed(&one, 0, n);
	mfm_mwin_finish(&one.m, 1);
	finals(&all, &one.out);
	ck_assert_uint_eq(all.len, one.out.len);
	/* The revision of A, and the windows of both closes. */
	ck_assert_str_eq(all.p,
	    A " {\"g\":\"x\"} r0 n=1\n" A " {\"g\":\"y\"} r0 n=1\n"
	    B " {\"g\":\"x\"} r0 n=1\n" A " {\"g\":\"y\"} r1 n=2\n"
	    C " {\"g\":\"x\"} r0 n=1\n" C " {\"g\":\"y\"} r0 n=1\n");
	sorted(&want, &all);
	run_release(&one);
	for (cut = 1; cut < n; cut++) {
		run_init(&r, 16, 1);
		feed(&r, 0, cut);
		/* The end of a run whose input is not complete. */
		mfm_mwin_finish(&r.m, 0);
		reload(&r, &r2, 16, 1);
		ck_assert_uint_eq(r2.m.keep_closed, MFM_MWIN_KEEP_JOINED);
		ck_assert_uint_eq(r2.m.groups.n, r.m.groups.n);
		feed(&r2, cut, n);
		mfm_mwin_finish(&r2.m, 1);
		/*
		 * The final records of both runs: those of the one run.  A
		 * revision of a closed window is final at the end of the run
		 * it came in, before its window_closed: sorted.
		 */
		mfm_buf_clear(&split);
		finals(&split, &r.out);
		finals(&split, &r2.out);
		sorted(&got, &split);
		ck_assert_msg(got.len == want.len &&
		    memcmp(got.p, want.p, want.len) == 0,
		    "cut %zu:\n%.*s\nnot\n%.*s", cut, (int)got.len,
		    got.p, (int)want.len, want.p);
		run_release(&r);
		run_release(&r2);
	}
	mfm_buf_release(&all);
	mfm_buf_release(&split);
	mfm_buf_release(&got);
	mfm_buf_release(&want);
}
END_TEST

START_TEST(test_load_errors)
{
	static const struct {
		const char *body, *msg;
		enum mfm_err_kind kind;
	} bad[] = {
		{ "{\"closed\":{},\"dropped\":0,\"dropped_end\":null}\n",
		  "corrupt state file: bad closed windows", MFM_ERR_DATA },
		{ "{\"closed\":[],\"dropped\":1,\"dropped_end\":null}\n",
		  "corrupt state file: bad closed windows", MFM_ERR_DATA },
		{ "{\"closed\":[],\"dropped\":3,\"dropped_end\":null}\n",
		  "corrupt state file: bad closed windows", MFM_ERR_DATA },
		{ "{\"closed\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\","
		  "\"h\",\"i\",\"j\",\"k\",\"l\",\"m\",\"n\",\"o\",\"p\","
		  "\"q\"],\"dropped\":0,\"dropped_end\":null}\n",
		  "corrupt state file: bad closed windows", MFM_ERR_DATA },
		{ "{\"closed\":[],\"dropped\":0,\"dropped_end\":null}\n"
		  "{\"window\":null,\"group\":{},\"cell\":[0,1]}\n",
		  "corrupt state file: bad window line", MFM_ERR_DATA },
		{ "{\"closed\":[],\"dropped\":0,\"dropped_end\":null}\n"
		  "{\"window\":null,\"group\":{},\"cell\":[0,1,-1]}\n",
		  "corrupt state file: bad window line", MFM_ERR_DATA },
		{ "{\"closed\":[],\"dropped\":0,\"dropped_end\":null}\n"
		  "{\"window\":null,\"group\":{},\"cell\":[0,0,0],\"state\":"
		  "{\"task\":\"binary\",\"threshold\":0.5,\"n\":0,"
		  "\"labelled\":0,\"positives\":0,\"delays\":[],"
		  "\"scores\":[]}}\n"
		  "{\"window\":null,\"group\":{},\"cell\":[0,0,0],\"state\":"
		  "{}}\n",
		  "corrupt state file: window and group given twice",
		  MFM_ERR_DATA },
		{ "{\"closed\":[],\"dropped\":0,\"dropped_end\":null}\n{\n",
		  NULL, MFM_ERR_DATA },
		{ "{\"upstream\":7}\n", NULL, MFM_ERR_DATA },
	};
	struct run r;
	struct mfm_err err;
	struct mfm_buf b = MFM_BUF_INIT;
	size_t i, k;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run_init(&r, 16, 0);
		ck_assert_msg(mfm_mwin_load(&r.m, bad[i].body,
		    strlen(bad[i].body), &err) == -1, "%zu", i);
		ck_assert_int_eq(err.kind, bad[i].kind);
		if (bad[i].msg != NULL)
			ck_assert_str_eq(err.msg, bad[i].msg);
		run_release(&r);
	}
	/* Eleven cells for a cap of ten. */
	mfm_buf_adds(&b, "{\"closed\":[],\"dropped\":0,\"dropped_end\":null}\n");
	for (k = 0; k < 11; k++)
		mfm_buf_addf(&b, "{\"window\":null,\"group\":{\"g\":%zu},"
		    "\"cell\":[0,0,0],\"state\":{\"task\":\"binary\","
		    "\"threshold\":0.5,\"n\":0,\"labelled\":0,\"positives\":0,"
		    "\"delays\":[],\"scores\":[]}}\n", k);
	run_init(&r, 16, 0);
	ck_assert_int_eq(mfm_mwin_load(&r.m, b.p, b.len, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	ck_assert_int_eq(err.cap, MFM_CAP_GROUPS);
	run_release(&r);
	/* A cell with more classes than its cap of two. */
	mfm_buf_clear(&b);
	mfm_buf_adds(&b, "{\"closed\":[],\"dropped\":0,\"dropped_end\":null}\n"
	    "{\"window\":null,\"group\":{},\"cell\":[0,0,0],\"state\":{"
	    "\"task\":\"multiclass\",\"threshold\":0.5,\"n\":1,"
	    "\"labelled\":1,\"delays\":[],\"classes\":[\"a\",\"b\",\"c\"],"
	    "\"cm\":[[0,1,1]]}}\n");
	run_init(&r, 16, 0);
	r.conf.task = MFM_METRIC_MULTICLASS;
	r.conf.max_classes = 2;
	ck_assert_int_eq(mfm_mwin_load(&r.m, b.p, b.len, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	ck_assert_int_eq(err.cap, MFM_CAP_CLASSES);
	ck_assert_str_eq(err.msg, "more than 2 classes");
	run_release(&r);
	mfm_buf_release(&b);
}
END_TEST

START_TEST(test_merge)
{
	struct run r;
	struct mfm_err err;

	run_init(&r, 16, 0);
	parse(&r, "{\"window\":" A ",\"group\":{\"g\":1},\"state\":{"
	    "\"task\":\"binary\",\"threshold\":0.5,\"n\":2,\"labelled\":1,"
	    "\"positives\":1,\"delays\":[],\"scores\":[[0.9,1,0,1]]}}");
	ck_assert_int_eq(mfm_mwin_merge(&r.m, &r.j, &err), 0);
	ck_assert_int_eq(mfm_mwin_merge(&r.m, &r.j, &err), 0);
	/* A revised window's state is taken as is. */
	parse(&r, "{\"window\":" B ",\"revision\":3,\"group\":{},\"state\":{"
	    "\"task\":\"binary\",\"threshold\":0.5,\"n\":1,\"labelled\":0,"
	    "\"positives\":0,\"delays\":[],\"scores\":[[0.5,0,0,1]]}}");
	ck_assert_int_eq(mfm_mwin_merge(&r.m, &r.j, &err), 0);
	mfm_mwin_finish(&r.m, 1);
	ck_assert_str_eq(written(&r),
	    A " {\"g\":1} r0 n=4\n" B " {} r3 n=1\n");
	parse(&r, "{\"window\":null,\"group\":[],\"state\":{}}");
	ck_assert_int_eq(mfm_mwin_merge(&r.m, &r.j, &err), -1);
	ck_assert_str_eq(err.msg, "state record without a group object");
	parse(&r, "{\"window\":null,\"revision\":\"x\",\"group\":{}}");
	ck_assert_int_eq(mfm_mwin_merge(&r.m, &r.j, &err), -1);
	ck_assert_str_eq(err.msg, "field 'revision' is not a count");
	parse(&r, "{\"window\":null,\"group\":{},\"state\":{\"task\":"
	    "\"regression\"}}");
	ck_assert_int_eq(mfm_mwin_merge(&r.m, &r.j, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_DATA);
	/* A bad state changes nothing, not even its first rows. */
	parse(&r, "{\"window\":" A ",\"group\":{\"g\":1},\"state\":{"
	    "\"task\":\"binary\",\"threshold\":0.5,\"n\":2,\"labelled\":2,"
	    "\"delays\":[[5,1]],\"scores\":[[0.9,1,0,0],[0.1]]}}");
	ck_assert_int_eq(mfm_mwin_merge(&r.m, &r.j, &err), -1);
	ck_assert_str_eq(err.msg, "bad state: scores");
	/* Nor does an older one whose positives pass its labelled. */
	parse(&r, "{\"window\":" C ",\"group\":{},\"state\":{"
	    "\"task\":\"binary\",\"threshold\":0.5,\"n\":1,\"labelled\":1,"
	    "\"delays\":[],\"scores\":[[0.9,2,0,0]]}}");
	ck_assert_int_eq(mfm_mwin_merge(&r.m, &r.j, &err), -1);
	ck_assert_str_eq(err.msg, "bad state: positives");
	ck_assert_uint_eq(r.m.groups.n, 2);
	mfm_mwin_finish(&r.m, 1);
	ck_assert_str_eq(written(&r), "");
	run_release(&r);
}
END_TEST

START_TEST(test_cap)
{
	struct run r;
	struct mfm_err err;
	char line[128];
	int k;

	run_init(&r, 16, 0);
	for (k = 0; k < 10; k++) {
		snprintf(line, sizeof(line), "{\"score\":0.5,\"g\":%d}", k);
		ok(&r, line);
	}
	ck_assert_int_eq(record(&r, "{\"score\":0.5,\"g\":10}", &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	ck_assert_int_eq(err.cap, MFM_CAP_GROUPS);
	ok(&r, "{\"score\":0.5,\"g\":9}");
	/* A window that is not an object. */
	ck_assert_int_eq(record(&r, "{\"score\":0.5,\"g\":9,\"window\":3}",
	    &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_DATA);
	run_release(&r);
}
END_TEST

Suite *suite_mwin(void);

Suite *
suite_mwin(void)
{
	Suite *s = suite_create("mwin");
	TCase *tc = tcase_create("mwin");

	tcase_add_test(tc, test_close);
	tcase_add_test(tc, test_revise);
	tcase_add_test(tc, test_keep_zero);
	tcase_add_test(tc, test_watermark);
	tcase_add_test(tc, test_provisional);
	tcase_add_test(tc, test_state);
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_cap);
	suite_add_tcase(s, tc);
	return s;
}
