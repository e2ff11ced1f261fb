/*
 * Unit tests for the drift engine and its sketches (lib/drift.c,
 * lib/sketch.c): quantile bins and PSI on a hand-computed case, unseen
 * categories and the missing rate, a save and load round trip that
 * gives the same comparison, merging, and the caps.
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
	    "{\"_mfm\":\"reference\",\"group\":{},\"feature\":\"in.t\","
	    "\"numbers\":[[0,1],[1.5,2]],\"categories\":{}}\n"
	    "{\"_mfm\":\"reference\",\"group\":{},\"feature\":\"in.c\","
	    "\"numbers\":[],\"categories\":{\"x\xc3\xa9\":1,\"y\":2}}\n");
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
	suite_add_tcase(s, tc);
	return s;
}
