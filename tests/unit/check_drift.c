/*
 * Unit tests for the drift engine and its sketches (lib/drift.c,
 * lib/sketch.c): quantile bins and PSI on a hand-computed case, unseen
 * categories and the missing rate, a save and load round trip that
 * gives the same comparison, merging, and the caps; partial state
 * (--partial, --merge): a round trip, shards merged in any order equal
 * to one set, bad state lines refused whole, and comparisons that do not
 * depend on the order categories were seen in.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/drift.h"

struct fx {
	struct mfm_drift d;
	struct mfm_json_path spec;
	int wild;
	struct mfm_drift_set ref, cur;
};

static void
setup(struct fx *x)
{
	struct mfm_err err;

	memset(x, 0, sizeof(*x));
	mfm_drift_init(&x->d);
	ck_assert_int_eq(mfm_json_path_parse(&x->spec, "in", &err), 0);
	x->wild = 1;
	x->d.spec = &x->spec;
	x->d.wild = &x->wild;
	x->d.nspec = 1;
}

static void
teardown(struct fx *x)
{
	mfm_drift_set_release(&x->d, &x->ref);
	mfm_drift_set_release(&x->d, &x->cur);
	mfm_drift_release(&x->d);
	mfm_json_path_release(&x->spec);
}

static void
add(struct fx *x, struct mfm_drift_set *s, const char *line)
{
	struct mfm_json j;
	struct mfm_err err;

	mfm_json_init(&j);
	ck_assert_int_eq(mfm_json_parse(&j, line, strlen(line), &err), 0);
	ck_assert_int_eq(mfm_drift_add(&x->d, s, &j, &err), 0);
	mfm_json_release(&j);
}

static size_t
id_of(struct fx *x, const char *name)
{
	size_t i;

	for (i = 0; i < x->d.nname; i++)
		if (strcmp(x->d.name[i], name) == 0)
			return i;
	ck_abort_msg("no feature %s", name);
	return 0;
}

START_TEST(numeric_psi_hand)
{
	struct fx x;
	struct mfm_drift_result r = { .top = MFM_BUF_INIT };
	char line[64];
	int i;

	setup(&x);
	x.d.bins = 2;
	for (i = 1; i <= 10; i++) {
		snprintf(line, sizeof(line), "{\"in\":{\"t\":%d}}", i);
		add(&x, &x.ref, line);
	}
	add(&x, &x.cur, "{\"in\":{\"t\":1}}");
	add(&x, &x.cur, "{\"in\":{\"t\":2}}");
	add(&x, &x.cur, "{\"in\":{\"t\":3}}");
	add(&x, &x.cur, "{\"in\":{\"t\":7}}");
	mfm_drift_compare(&x.d, &x.ref, &x.cur, id_of(&x, "in.t"), &r);
	ck_assert_int_eq(r.kind, MFM_DRIFT_NUMERIC);
	/* Edge 6 (the first value past half): shares 0.5/0.5 -> 0.75/0.25. */
	ck_assert(fabs(r.m[MFM_DRIFT_PSI] - (0.25 * log(1.5) -
	    0.25 * log(0.5))) < 1e-12);
	ck_assert(fabs(r.m[MFM_DRIFT_LINF] - 0.25) < 1e-12);
	ck_assert_str_eq(r.top.p, "[{\"bin\":[null,6],\"ref\":0.5,"
	    "\"cur\":0.75,\"change\":0.25},{\"bin\":[6,null],\"ref\":0.5,"
	    "\"cur\":0.25,\"change\":-0.25}]");
	/* KS: F_ref(3) = 0.3, F_cur(3) = 0.75. */
	ck_assert(fabs(r.m[MFM_DRIFT_KS] - 0.45) < 1e-12);
	mfm_buf_release(&r.top);
	teardown(&x);
}
END_TEST

START_TEST(categorical_unseen_missing)
{
	struct fx x;
	struct mfm_drift_result r = { .top = MFM_BUF_INIT };

	setup(&x);
	add(&x, &x.ref, "{\"in\":{\"c\":\"a\"}}");
	add(&x, &x.ref, "{\"in\":{\"c\":\"b\"}}");
	add(&x, &x.cur, "{\"in\":{\"c\":\"a\"}}");
	add(&x, &x.cur, "{\"in\":{\"c\":\"z\"}}");
	add(&x, &x.cur, "{\"in\":{\"c\":null}}");
	add(&x, &x.cur, "{\"in\":{}}");
	mfm_drift_compare(&x.d, &x.ref, &x.cur, id_of(&x, "in.c"), &r);
	ck_assert_int_eq(r.kind, MFM_DRIFT_CATEGORICAL);
	ck_assert(r.m[MFM_DRIFT_UNSEEN] == 1);
	ck_assert(r.m[MFM_DRIFT_UNSEEN_SHARE] == 0.5);
	ck_assert(r.m[MFM_DRIFT_MISSING_RATE_CHANGE] == 0.5);
	/* 0.5/0.5/0 against 0.5/0/0.5 */
	ck_assert(fabs(r.m[MFM_DRIFT_LINF] - 0.5) < 1e-12);
	mfm_buf_release(&r.top);
	teardown(&x);
}
END_TEST

START_TEST(save_load_merge)
{
	struct fx x;
	struct mfm_drift_set loaded = { 0 }, half = { 0 };
	struct mfm_drift_result a = { .top = MFM_BUF_INIT };
	struct mfm_drift_result b = { .top = MFM_BUF_INIT };
	struct mfm_buf out = MFM_BUF_INIT;
	struct mfm_json j;
	struct mfm_err err;
	char *line, *nl;
	size_t id, m;

	setup(&x);
	add(&x, &x.ref, "{\"in\":{\"t\":1.5,\"c\":\"x\\u00e9\"}}");
	add(&x, &x.ref, "{\"in\":{\"t\":-0.0,\"c\":\"y\"}}");
	add(&x, &half, "{\"in\":{\"t\":1.5,\"c\":\"y\"}}");
	ck_assert_int_eq(mfm_drift_merge(&x.d, &x.ref, &half, &err), 0);
	add(&x, &x.cur, "{\"in\":{\"t\":2,\"c\":\"y\"}}");
	mfm_drift_save(&x.d, &x.ref, "{}", 2, &out);
	ck_assert_str_eq(out.p,
	    "{\"_mfm\":\"reference\",\"group\":{},\"records\":3,"
	    "\"labelled\":0}\n"
	    "{\"_mfm\":\"reference\",\"group\":{},\"feature\":\"in.c\","
	    "\"numbers\":[],\"categories\":{\"x\xc3\xa9\":1,\"y\":2}}\n"
	    "{\"_mfm\":\"reference\",\"group\":{},\"feature\":\"in.t\","
	    "\"numbers\":[[0,1],[1.5,2]],\"categories\":{}}\n");
	mfm_json_init(&j);
	for (line = out.p; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		ck_assert_int_eq(mfm_json_parse(&j, line, (size_t)(nl - line),
		    &err), 0);
		ck_assert_int_eq(mfm_drift_load(&x.d, &loaded, &j, &err), 0);
	}
	mfm_json_release(&j);
	for (id = 0; id < x.d.nname; id++) {
		mfm_drift_compare(&x.d, &x.ref, &x.cur, id, &a);
		mfm_drift_compare(&x.d, &loaded, &x.cur, id, &b);
		for (m = 0; m < MFM_DRIFT_NMETRIC; m++)
			ck_assert(a.m[m] == b.m[m] ||
			    (isnan(a.m[m]) && isnan(b.m[m])));
		ck_assert_str_eq(a.top.p, b.top.p);
	}
	mfm_buf_release(&a.top);
	mfm_buf_release(&b.top);
	mfm_buf_release(&out);
	mfm_drift_set_release(&x.d, &loaded);
	mfm_drift_set_release(&x.d, &half);
	teardown(&x);
}
END_TEST

START_TEST(caps)
{
	struct fx x;
	struct mfm_json j;
	struct mfm_err err;
	const char *line = "{\"in\":{\"t\":3}}";

	setup(&x);
	x.d.budget.max_values = 2;
	x.d.budget.max_categories = 1;
	add(&x, &x.cur, "{\"in\":{\"t\":1}}");
	add(&x, &x.cur, "{\"in\":{\"t\":2}}");
	/* A repeated value costs nothing once merged. */
	add(&x, &x.cur, "{\"in\":{\"t\":2}}");
	mfm_json_init(&j);
	ck_assert_int_eq(mfm_json_parse(&j, line, strlen(line), &err), 0);
	ck_assert_int_eq(mfm_drift_add(&x.d, &x.cur, &j, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	add(&x, &x.cur, "{\"in\":{\"c\":\"a\"}}");
	line = "{\"in\":{\"c\":\"b\"}}";
	ck_assert_int_eq(mfm_json_parse(&j, line, strlen(line), &err), 0);
	ck_assert_int_eq(mfm_drift_add(&x.d, &x.cur, &j, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	/* A bad value is refused whole. */
	line = "{\"in\":{\"c\":\"a\",\"o\":{}}}";
	ck_assert_int_eq(mfm_json_parse(&j, line, strlen(line), &err), 0);
	ck_assert_int_eq(mfm_drift_add(&x.d, &x.cur, &j, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_DATA);
	ck_assert(x.cur.f[id_of(&x, "in.c")].present == 1);
	mfm_json_release(&j);
	teardown(&x);
}
END_TEST


/* Read every line of text into s with mfm_drift_read_state. */
static void
read_lines(struct fx *x, struct mfm_drift_set *s, const char *text)
{
	struct mfm_json j;
	struct mfm_err err;
	const char *line, *nl;

	mfm_json_init(&j);
	for (line = text; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		ck_assert_ptr_nonnull(nl);
		ck_assert_int_eq(mfm_json_parse(&j, line, (size_t)(nl - line),
		    &err), 0);
		ck_assert_msg(mfm_drift_read_state(&x->d, s, &j, &err) == 0,
		    "%s", err.msg);
	}
	mfm_json_release(&j);
}

static void
write_state(struct fx *x, struct mfm_drift_set *s, struct mfm_buf *b)
{
	mfm_buf_clear(b);
	mfm_drift_write_state(&x->d, s, "null", 4, "{}", 2, b);
}

/* Every feature of a and b compares the same against ref, bit for bit. */
static void
same_results(struct fx *x, struct mfm_drift_set *ref,
    struct mfm_drift_set *a, struct mfm_drift_set *b)
{
	struct mfm_drift_result ra = { .top = MFM_BUF_INIT };
	struct mfm_drift_result rb = { .top = MFM_BUF_INIT };
	size_t id, m;

	for (id = 0; id < x->d.nname; id++) {
		mfm_drift_compare(&x->d, ref, a, id, &ra);
		mfm_drift_compare(&x->d, ref, b, id, &rb);
		ck_assert_int_eq(ra.kind, rb.kind);
		for (m = 0; m < MFM_DRIFT_NMETRIC; m++)
			ck_assert(memcmp(&ra.m[m], &rb.m[m],
			    sizeof(ra.m[m])) == 0);
		ck_assert_str_eq(ra.top.len ? ra.top.p : "",
		    rb.top.len ? rb.top.p : "");
	}
	mfm_buf_release(&ra.top);
	mfm_buf_release(&rb.top);
}

static const char *const recs[] = {
	"{\"in\":{\"t\":1.5,\"c\":\"x\\u00e9\"},\"y\":1}",
	"{\"in\":{\"t\":-0.0,\"c\":\"\"},\"y\":null}",
	"{\"in\":{\"t\":0.1,\"c\":\"tab\\there\"},\"y\":0}",
	"{\"in\":{\"t\":1e-300,\"c\":7},\"y\":1}",
	"{\"in\":{\"t\":0.1,\"c\":true}}",
	"{\"in\":{\"c\":\"web\"}}",
	"{\"in\":{\"t\":1.7976931348623157e308,\"c\":\"app\"}}",
	"{\"in\":{\"t\":0.30000000000000004,\"c\":\"web\"},\"y\":0}",
	"{\"in\":{\"t\":2,\"c\":\"partner\",\"n\":null}}"
};
#define NRECS	(sizeof(recs) / sizeof(recs[0]))

START_TEST(state_round_trip)
{
	struct fx x;
	struct mfm_json_path label;
	struct mfm_drift_set back = { 0 };
	struct mfm_buf a = MFM_BUF_INIT, b = MFM_BUF_INIT;
	struct mfm_err err;
	const char *want;
	size_t i;

	setup(&x);
	ck_assert_int_eq(mfm_json_path_parse(&label, "y", &err), 0);
	x.d.label = &label;
	for (i = 0; i < NRECS; i++)
		add(&x, &x.cur, recs[i]);
	add(&x, &x.ref, recs[0]);
	add(&x, &x.ref, recs[5]);
	write_state(&x, &x.cur, &a);
	/* The head line, then the features with a value, in.n left out. */
	want = "{\"_mfm\":\"drift_state\",\"version\":1,"
	    "\"window\":null,\"group\":{},\"records\":9,\"labelled\":4,"
	    "\"features\":[\"in.*\"],\"label\":\"y\"}\n"
	    "{\"_mfm\":\"drift_state\",\"version\":1,\"window\":null,"
	    "\"group\":{},\"feature\":\"in.c\",\"numbers\":[[7,1]],"
	    "\"categories\":{\"\":1,\"app\":1,\"partner\":1,\"tab\\there\":1,"
	    "\"true\":1,\"web\":2,\"x\xc3\xa9\":1}}\n";
	ck_assert(strncmp(a.p, want, strlen(want)) == 0);
	ck_assert_ptr_null(strstr(a.p, "in.n"));
	read_lines(&x, &back, a.p);
	write_state(&x, &back, &b);
	ck_assert_str_eq(a.p, b.p);
	ck_assert(back.nrec == 9 && back.nlab == 4);
	same_results(&x, &x.ref, &x.cur, &back);
	mfm_buf_release(&a);
	mfm_buf_release(&b);
	mfm_drift_set_release(&x.d, &back);
	mfm_json_path_release(&label);
	teardown(&x);
}
END_TEST

/*
 * Shards of the records, each in its own order, written as states and
 * read back in reverse: the merged set writes the same state as one set
 * of all the records, and compares the same, bit for bit.
 */
START_TEST(state_merge_any_order)
{
	struct fx x;
	struct mfm_drift_set shard[3] = { { 0 } }, merged = { 0 };
	struct mfm_buf st[3] = { MFM_BUF_INIT, MFM_BUF_INIT, MFM_BUF_INIT };
	struct mfm_buf one = MFM_BUF_INIT, all = MFM_BUF_INIT;
	struct mfm_drift_result ra = { .top = MFM_BUF_INIT };
	struct mfm_drift_result rb = { .top = MFM_BUF_INIT };
	size_t i, k;

	setup(&x);
	for (i = 0; i < NRECS; i++)
		add(&x, &x.cur, recs[i]);
	for (i = 0; i < NRECS; i++)
		add(&x, &x.ref, recs[(i * 4) % NRECS]);
	/* Shard k takes every third record, last first. */
	for (i = NRECS; i-- > 0;)
		add(&x, &shard[i % 3], recs[i]);
	for (k = 0; k < 3; k++)
		write_state(&x, &shard[k], &st[k]);
	for (k = 3; k-- > 0;)
		read_lines(&x, &merged, st[k].p);
	write_state(&x, &x.cur, &one);
	write_state(&x, &merged, &all);
	ck_assert_str_eq(one.p, all.p);
	same_results(&x, &x.ref, &x.cur, &merged);
	/* As the reference too. */
	for (i = 0; i < x.d.nname; i++) {
		mfm_drift_compare(&x.d, &x.cur, &x.ref, i, &ra);
		mfm_drift_compare(&x.d, &merged, &x.ref, i, &rb);
		for (k = 0; k < MFM_DRIFT_NMETRIC; k++)
			ck_assert(memcmp(&ra.m[k], &rb.m[k],
			    sizeof(ra.m[k])) == 0);
		ck_assert_str_eq(ra.top.len ? ra.top.p : "",
		    rb.top.len ? rb.top.p : "");
	}
	mfm_buf_release(&ra.top);
	mfm_buf_release(&rb.top);
	for (k = 0; k < 3; k++) {
		mfm_buf_release(&st[k]);
		mfm_drift_set_release(&x.d, &shard[k]);
	}
	mfm_buf_release(&one);
	mfm_buf_release(&all);
	mfm_drift_set_release(&x.d, &merged);
	teardown(&x);
}
END_TEST

/* Categories seen in another order compare the same, bit for bit. */
START_TEST(category_order)
{
	struct fx x;
	struct mfm_drift_set ref2 = { 0 }, cur2 = { 0 };
	static const char *const c[] = { "web", "app", "partner", "store",
	    "web", "web", "app", "kiosk", "partner", "web" };
	char line[64];
	size_t i, n = sizeof(c) / sizeof(c[0]);
	struct mfm_drift_result a = { .top = MFM_BUF_INIT };
	struct mfm_drift_result b = { .top = MFM_BUF_INIT };

	setup(&x);
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "{\"in\":{\"c\":\"%s\"}}", c[i]);
		add(&x, i < 6 ? &x.ref : &x.cur, line);
		snprintf(line, sizeof(line), "{\"in\":{\"c\":\"%s\"}}",
		    c[n - 1 - i]);
		add(&x, n - 1 - i < 6 ? &ref2 : &cur2, line);
	}
	mfm_drift_compare(&x.d, &x.ref, &x.cur, 0, &a);
	mfm_drift_compare(&x.d, &ref2, &cur2, 0, &b);
	for (i = 0; i < MFM_DRIFT_NMETRIC; i++)
		ck_assert(memcmp(&a.m[i], &b.m[i], sizeof(a.m[i])) == 0);
	ck_assert_str_eq(a.top.p, b.top.p);
	mfm_buf_release(&a.top);
	mfm_buf_release(&b.top);
	mfm_drift_set_release(&x.d, &ref2);
	mfm_drift_set_release(&x.d, &cur2);
	teardown(&x);
}
END_TEST

/* Bad state lines are refused whole; a cap is a limit error. */
START_TEST(state_bad)
{
	static const char *const bad[] = {
		"{\"_mfm\":\"drift_state\",\"records\":1,\"labelled\":0,"
		    "\"features\":[\"in.*\"],\"label\":null}",
		"{\"_mfm\":\"drift_state\",\"version\":2,\"records\":1,"
		    "\"labelled\":0,\"features\":[\"in.*\"],\"label\":null}",
		"{\"version\":1,\"records\":1.5,\"labelled\":0,"
		    "\"features\":[\"in.*\"],\"label\":null}",
		"{\"version\":1,\"records\":1,\"labelled\":2,"
		    "\"features\":[\"in.*\"],\"label\":null}",
		"{\"version\":1,\"records\":-1,\"labelled\":0,"
		    "\"features\":[\"in.*\"],\"label\":null}",
		"{\"version\":1,\"records\":1e300,\"labelled\":0,"
		    "\"features\":[\"in.*\"],\"label\":null}",
		"{\"version\":1,\"records\":1,\"labelled\":0,"
		    "\"features\":[\"other\"],\"label\":null}",
		"{\"version\":1,\"records\":1,\"labelled\":0,"
		    "\"features\":[\"in.*\"],\"label\":\"y\"}",
		"{\"version\":1,\"records\":1,\"labelled\":0}",
		"{\"version\":1,\"feature\":\"in.t\",\"numbers\":[[1,1],[2,0]],"
		    "\"categories\":{}}",
		"{\"version\":1,\"feature\":\"in.t\",\"numbers\":[[1,1],[2]],"
		    "\"categories\":{}}",
		"{\"version\":1,\"feature\":\"in.t\",\"numbers\":[[1,1],"
		    "[\"2\",1]],\"categories\":{}}",
		"{\"version\":1,\"feature\":\"in.t\",\"numbers\":[[1e999,1]],"
		    "\"categories\":{}}",
		"{\"version\":1,\"feature\":\"in.t\",\"numbers\":[[1,1]],"
		    "\"categories\":{\"a\":1,\"b\":0.5}}",
		"{\"version\":1,\"feature\":\"in.t\",\"numbers\":[[1,1]]}",
		"{\"version\":1,\"feature\":\"in.t\",\"numbers\":{},"
		    "\"categories\":{}}",
		"{\"version\":1,\"feature\":null,\"numbers\":[],"
		    "\"categories\":{}}",
	};
	struct fx x;
	struct mfm_json j;
	struct mfm_err err;
	const char *good = "{\"version\":1,\"feature\":\"in.t\","
	    "\"numbers\":[[1,2],[2,1],[3,1]],\"categories\":{}}";
	size_t i;

	setup(&x);
	mfm_json_init(&j);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(mfm_json_parse(&j, bad[i], strlen(bad[i]),
		    &err), 0);
		ck_assert_msg(mfm_drift_read_state(&x.d, &x.cur, &j,
		    &err) == -1, "accepted %s", bad[i]);
		ck_assert_int_eq(err.kind, MFM_ERR_DATA);
		ck_assert(x.cur.nrec == 0 && x.cur.nf == 0 &&
		    x.d.nname == 0);
	}
	/* At the cap: three distinct values where two may be kept. */
	x.d.budget.max_values = 2;
	ck_assert_int_eq(mfm_json_parse(&j, good, strlen(good), &err), 0);
	ck_assert_int_eq(mfm_drift_read_state(&x.d, &x.cur, &j, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	mfm_json_release(&j);
	teardown(&x);
}
END_TEST

Suite *suite_drift(void);

Suite *
suite_drift(void)
{
	Suite *s = suite_create("drift");
	TCase *tc = tcase_create("drift");

	tcase_add_test(tc, numeric_psi_hand);
	tcase_add_test(tc, categorical_unseen_missing);
	tcase_add_test(tc, save_load_merge);
	tcase_add_test(tc, caps);
	tcase_add_test(tc, state_round_trip);
	tcase_add_test(tc, state_merge_any_order);
	tcase_add_test(tc, category_order);
	tcase_add_test(tc, state_bad);
	suite_add_tcase(s, tc);
	return s;
}
