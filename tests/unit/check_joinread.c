/*
 * Unit tests for the input side of mfm-join (lib/joinread.c): two files
 * merged in event time (outcomes first on ties) and handed to the
 * engine, outcomes that come first held until their prediction; bad
 * records said through the caller's ops with their line and counted, the
 * run going on; the engine's cap, an input that cannot be opened and
 * one that cannot be read returned as errors, never printed.  Each runs
 * with and without the reading threads (the loop index): the same
 * decisions, messages and counts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "lib/buf.h"
#include "lib/join.h"
#include "lib/joinread.h"

/* What a run met: the engine's decisions and the bad records said. */
struct seen {
	struct mfm_buf events;	/* "kind pred-id<-out-id delay\n" */
	struct mfm_buf bad;	/* "name:line:col: msg\n" */
	int nopen, nclose;
};

static char dir[256];

static const char *
tmp_file(const char *name, const char *text)
{
	static char path[2][512];
	static int k;
	FILE *f;
	char *p = path[k++ % 2];

	snprintf(p, 512, "%s/%s", dir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	return p;
}

static void
setup(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/check_joinread.XXXXXX",
	    t != NULL ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

/* The value of "id" in a JSON object's bytes, for the event list. */
static void
put_id(struct mfm_buf *b, const char *obj, size_t n)
{
	char text[256];
	const char *p, *e;

	snprintf(text, sizeof(text), "%.*s", obj != NULL ? (int)n : 0,
	    obj != NULL ? obj : "");
	if ((p = strstr(text, "\"id\":\"")) == NULL) {
		mfm_buf_adds(b, "-");
		return;
	}
	p += 6;
	e = strchr(p, '"');
	mfm_buf_add(b, p, (size_t)(e - p));
}

static void
on_event(void *arg, const struct mfm_join_event *ev)
{
	static const char *const kinds[] = {
		"matched", "expired", "unmatched", "duplicate_id",
		"duplicate", "conflict", "orphan"
	};
	struct seen *sn = arg;

	mfm_buf_addf(&sn->events, "%s ", (size_t)ev->kind <
	    sizeof(kinds) / sizeof(kinds[0]) ? kinds[ev->kind] : "?");
	put_id(&sn->events, ev->pred, ev->plen);
	mfm_buf_adds(&sn->events, "<-");
	put_id(&sn->events, ev->out, ev->olen);
	if (ev->pred != NULL && ev->out != NULL && ev->has_pt && ev->has_ot)
		mfm_buf_addf(&sn->events, " %lld",
		    (long long)((ev->ot - ev->pt) / 1000000));
	mfm_buf_addc(&sn->events, '\n');
}

static int
op_open(void *ctx, struct mfm_reader *r, const char *path,
    struct mfm_err *err)
{
	struct seen *sn = ctx;

	if (mfm_reader_open(r, path, 0, err) != 0)
		return -1;
	sn->nopen++;
	return 0;
}

static int
op_close(void *ctx, struct mfm_reader *r, struct mfm_err *err)
{
	struct seen *sn = ctx;

	sn->nclose++;
	return mfm_reader_close(r, err);
}

static void
op_bad(void *ctx, const struct mfm_reader *r, size_t col, const char *msg)
{
	struct seen *sn = ctx;
	const char *base = strrchr(r->name, '/');

	mfm_buf_addf(&sn->bad, "%s:%zu:%zu: %s\n", base ? base + 1 : r->name,
	    r->lineno, col, msg);
}

static const struct mfm_joinread_ops ops = { op_open, op_close, op_bad, NULL };

/* An id join on "id" and "ts" (epoch seconds), label "label". */
struct fixture {
	struct mfm_joinread in;
	struct mfm_json_path id, ts, label;
	struct mfm_join jn;
	struct mfm_join_opts jo;
	struct seen sn;
	uint64_t nread, nblank;
};

static void
fixture_init(struct fixture *fx, int threads, size_t max_pending)
{
	struct mfm_err err;

	memset(fx, 0, sizeof(*fx));
	ck_assert_int_eq(mfm_json_path_parse(&fx->id, "id", &err), 0);
	ck_assert_int_eq(mfm_json_path_parse(&fx->ts, "ts", &err), 0);
	ck_assert_int_eq(mfm_json_path_parse(&fx->label, "label", &err), 0);
	fx->in.mode = MFM_JOINREAD_ID;
	fx->in.ps.key = fx->in.os.key = &fx->id;
	fx->in.ps.nkey = fx->in.os.nkey = 1;
	fx->in.ps.time = fx->in.os.time = fx->ts;
	fx->in.label = fx->label;
	fx->in.unit = MFM_TM_S;
	fx->in.threads = threads;
	fx->in.ops = &ops;
	fx->in.ctx = &fx->sn;
	fx->in.nread = &fx->nread;
	fx->in.nblank = &fx->nblank;
	mfm_joinread_init(&fx->in);
	mfm_join_opts_init(&fx->jo);
	fx->jo.max_pending = max_pending;
	mfm_join_init(&fx->jn, &fx->jo, on_event, &fx->sn);
}

static void
fixture_release(struct fixture *fx)
{
	mfm_join_release(&fx->jn);
	mfm_joinread_release(&fx->in);
	mfm_json_path_release(&fx->id);
	mfm_json_path_release(&fx->ts);
	mfm_json_path_release(&fx->label);
	mfm_buf_release(&fx->sn.events);
	mfm_buf_release(&fx->sn.bad);
}

static const char *
events(struct fixture *fx)
{
	return fx->sn.events.p != NULL ? fx->sn.events.p : "";
}

/*
 * Two files merged in event time: were the predictions read first, c's
 * outcome would match first; were the outcomes, a's prediction would
 * find its outcome at once.  Merged, the engine sees c's and b's
 * outcomes before their predictions (held, then matched, with negative
 * delays) and a's prediction before its outcome; on a tie (d at 40) the
 * outcome goes first.
 */
START_TEST(test_merge_in_time)
{
	struct fixture fx;
	struct mfm_err err;
	char *paths[2];

	fixture_init(&fx, _i, 0);
	paths[0] = (char *)tmp_file("p",
	    "{\"id\":\"a\",\"ts\":10}\n{\"id\":\"b\",\"ts\":20}\n"
	    "{\"id\":\"c\",\"ts\":30}\n{\"id\":\"d\",\"ts\":40}\n");
	paths[1] = (char *)tmp_file("o",
	    "{\"id\":\"c\",\"ts\":5,\"label\":1}\n"
	    "{\"id\":\"b\",\"ts\":15,\"label\":0}\n"
	    "{\"id\":\"a\",\"ts\":25,\"label\":1}\n"
	    "{\"id\":\"d\",\"ts\":40,\"label\":0}\n");
	ck_assert_int_eq(mfm_joinread_run(&fx.in, &fx.jn, paths, 2, &err), 0);
	mfm_join_drain(&fx.jn);
	ck_assert_str_eq(events(&fx),
	    "matched b<-b -5\n"
	    "matched a<-a 15\n"
	    "matched c<-c -25\n"
	    "matched d<-d 0\n");
	ck_assert_uint_eq(fx.nread, 8);
	ck_assert_uint_eq(fx.in.nside[0], 4);
	ck_assert_uint_eq(fx.in.nside[1], 4);
	ck_assert_uint_eq(fx.in.nlabel[1], 4);
	ck_assert_int_eq(fx.sn.nopen, 2);
	ck_assert_int_eq(fx.sn.nclose, 2);
	ck_assert_ptr_null(fx.sn.bad.p);
	fixture_release(&fx);
}
END_TEST

/*
 * One mixed stream: a record with the label is an outcome.  The held
 * outcome of x waits for its prediction; y's prediction is left
 * unmatched at the end, z's outcome an orphan.
 */
START_TEST(test_mixed_held)
{
	struct fixture fx;
	struct mfm_err err;
	char *paths[1];

	fixture_init(&fx, _i, 0);
	paths[0] = (char *)tmp_file("m",
	    "{\"id\":\"x\",\"ts\":1,\"label\":1}\n"
	    "{\"id\":\"y\",\"ts\":2}\n"
	    "\n"
	    "{\"id\":\"x\",\"ts\":3}\n"
	    "{\"id\":\"z\",\"ts\":4,\"label\":0}\n");
	ck_assert_int_eq(mfm_joinread_run(&fx.in, &fx.jn, paths, 1, &err), 0);
	ck_assert_str_eq(events(&fx), "matched x<-x -2\n");
	mfm_join_drain(&fx.jn);
	ck_assert_str_eq(events(&fx),
	    "matched x<-x -2\n"
	    "unmatched y<--\n"
	    "orphan -<-z\n");
	ck_assert_uint_eq(fx.nread, 4);
	ck_assert_uint_eq(fx.nblank, 1);
	fixture_release(&fx);
}
END_TEST

/*
 * Bad records go to ops->bad with their file, line and column, are
 * counted as read, and the run goes on: a line that is not JSON, a
 * record without its key, a time that is not one, a record that is not
 * an object.  The good records still join.
 */
START_TEST(test_bad_records)
{
	struct fixture fx;
	struct mfm_err err;
	char *paths[2];

	fixture_init(&fx, _i, 0);
	paths[0] = (char *)tmp_file("p",
	    "{\"id\":\"a\",\"ts\":10}\n"
	    "{\"id\":\n"
	    "{\"ts\":11}\n"
	    "{\"id\":\"b\",\"ts\":\"soon\"}\n"
	    "[1]\n"
	    "{\"id\":\"c\",\"ts\":12}\n");
	paths[1] = (char *)tmp_file("o",
	    "{\"id\":\"a\",\"ts\":20,\"label\":1}\n"
	    "{\"id\":\"c\",\"ts\":21,\"label\":0}\n");
	ck_assert_int_eq(mfm_joinread_run(&fx.in, &fx.jn, paths, 2, &err), 0);
	mfm_join_drain(&fx.jn);
	ck_assert_str_eq(events(&fx),
	    "matched a<-a 10\n"
	    "matched c<-c 9\n");
	ck_assert_ptr_nonnull(fx.sn.bad.p);
	ck_assert_ptr_nonnull(strstr(fx.sn.bad.p, "p:2:"));
	ck_assert_ptr_nonnull(strstr(fx.sn.bad.p,
	    "p:3:0: field 'id' missing\n"));
	ck_assert_ptr_nonnull(strstr(fx.sn.bad.p, "p:4:0: "));
	ck_assert_ptr_nonnull(strstr(fx.sn.bad.p,
	    "p:5:0: record is not a JSON object\n"));
	ck_assert_uint_eq(fx.nread, 8);
	fixture_release(&fx);
}
END_TEST

/*
 * The engine's cap ends the run: an error returned, with the line of the
 * record that reached it and its input, never a word printed; the
 * inputs are let go of (not through ops->close).
 */
START_TEST(test_cap)
{
	struct fixture fx;
	struct mfm_err err;
	char *paths[2];

	fixture_init(&fx, _i, 2);
	paths[0] = (char *)tmp_file("p",
	    "{\"id\":\"a\",\"ts\":1}\n{\"id\":\"b\",\"ts\":2}\n"
	    "{\"id\":\"c\",\"ts\":3}\n{\"id\":\"d\",\"ts\":4}\n");
	paths[1] = (char *)tmp_file("o", "{\"id\":\"z\",\"ts\":9,\"label\":1}\n");
	ck_assert_int_eq(mfm_joinread_run(&fx.in, &fx.jn, paths, 2, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	ck_assert_ptr_eq(fx.in.fail_name, paths[0]);
	ck_assert_uint_gt(err.line, 0);
	ck_assert_uint_le(err.line, 4);
	ck_assert_int_eq(fx.sn.nclose, 0);
	fixture_release(&fx);
}
END_TEST

/* An input that cannot be opened: ops->open's error, returned. */
START_TEST(test_open_error)
{
	struct fixture fx;
	struct mfm_err err;
	char *paths[2];
	char missing[300];

	fixture_init(&fx, _i, 0);
	paths[0] = (char *)tmp_file("p", "{\"id\":\"a\",\"ts\":1}\n");
	snprintf(missing, sizeof(missing), "%s/none", dir);
	paths[1] = missing;
	ck_assert_int_eq(mfm_joinread_run(&fx.in, &fx.jn, paths, 2, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_SYS);
	ck_assert_int_eq(err.sys, ENOENT);
	ck_assert_ptr_null(fx.in.fail_name);
	ck_assert_ptr_null(fx.sn.events.p);
	fixture_release(&fx);
}
END_TEST

/*
 * An input that cannot be read (a directory opens, but read(2) fails):
 * the read error is returned, after the records before it; with a
 * reading thread too, which then stops.
 */
START_TEST(test_read_error)
{
	struct fixture fx;
	struct mfm_err err;
	char *paths[2];

	fixture_init(&fx, _i, 0);
	paths[0] = (char *)tmp_file("p", "{\"id\":\"a\",\"ts\":1}\n");
	paths[1] = dir;
	ck_assert_int_eq(mfm_joinread_run(&fx.in, &fx.jn, paths, 2, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_SYS);
	ck_assert_int_eq(err.sys, EISDIR);
	fixture_release(&fx);
}
END_TEST

Suite *suite_joinread(void);

Suite *
suite_joinread(void)
{
	Suite *s = suite_create("joinread");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_merge_in_time, 0, 2);
	tcase_add_loop_test(tc, test_mixed_held, 0, 2);
	tcase_add_loop_test(tc, test_bad_records, 0, 2);
	tcase_add_loop_test(tc, test_cap, 0, 2);
	tcase_add_loop_test(tc, test_open_error, 0, 2);
	tcase_add_loop_test(tc, test_read_error, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
