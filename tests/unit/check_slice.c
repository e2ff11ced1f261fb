/*
 * Unit tests for the slice engine (lib/slice.c): synthetic windows with
 * a known cause, and the decomposition must attribute each correctly:
 * a pure mix shift (slice weights move, accuracy inside every slice
 * stays), a pure within-slice drop (weights stay, one slice gets
 * worse), and both at once; mix + within equals the overall change for
 * every feature, exactly; the tests and their Benjamini-Hochberg
 * q-values; numeric bins at the reference's quantiles.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/slice.h"

#define TOL 1e-12

struct fixture {
	struct mfm_slice s;
	struct mfm_json_path score, label, inputs;
	struct mfm_metric_labels labels;
	int wild;
	struct mfm_slice_rows ref, cur;
};

static void
setup(struct fixture *fx)
{
	struct mfm_err err;

	memset(fx, 0, sizeof(*fx));
	mfm_slice_init(&fx->s);
	ck_assert_int_eq(mfm_json_path_parse(&fx->score, "score", &err), 0);
	ck_assert_int_eq(mfm_json_path_parse(&fx->label, "label", &err), 0);
	ck_assert_int_eq(mfm_json_path_parse(&fx->inputs, "inputs", &err),
	    0);
	mfm_metric_labels_init(&fx->labels, NULL);
	fx->wild = 1;
	fx->s.score = &fx->score;
	fx->s.label = &fx->label;
	fx->s.labels = &fx->labels;
	fx->s.spec = &fx->inputs;
	fx->s.wild = &fx->wild;
	fx->s.nspec = 1;
	fx->s.min_support = 10;
}

static void
teardown(struct fixture *fx)
{
	mfm_slice_rows_release(&fx->ref);
	mfm_slice_rows_release(&fx->cur);
	mfm_slice_release(&fx->s);
	mfm_json_path_release(&fx->score);
	mfm_json_path_release(&fx->label);
	mfm_json_path_release(&fx->inputs);
}

/*
 * Add records of slice g (and a second feature h) to r: right of them
 * predicted correctly, wrong of them not.
 */
static void
add(struct fixture *fx, struct mfm_slice_rows *r, const char *g,
    const char *h, int right, int wrong)
{
	char line[256];
	struct mfm_json j;
	struct mfm_err err;
	int i;

	mfm_json_init(&j);
	for (i = 0; i < right + wrong; i++) {
		snprintf(line, sizeof(line),
		    "{\"score\":0.9,\"label\":%d,\"inputs\":{\"g\":\"%s\","
		    "\"h\":\"%s\"}}", i < right, g, h);
		ck_assert_int_eq(mfm_json_parse(&j, line, strlen(line), &err),
		    0);
		ck_assert_int_eq(mfm_slice_add(&fx->s, r, &j, &err), 0);
	}
	mfm_json_release(&j);
}

static const struct mfm_slice_result *
find(const struct mfm_slice_report *rep, const char *key)
{
	size_t i;

	for (i = 0; i < rep->nres; i++)
		if (strcmp(rep->res[i].key.p, key) == 0)
			return &rep->res[i];
	ck_abort_msg("no slice %s", key);
	return NULL;
}

static void
near(double got, double want, const char *what)
{
	ck_assert_msg(fabs(got - want) <= TOL, "%s: got %.17g, want %.17g",
	    what, got, want);
}

/* Every feature's mix and within add up to the overall change. */
static void
sums_hold(const struct mfm_slice_report *rep)
{
	size_t i;

	for (i = 0; i < rep->nres; i++)
		near(rep->res[i].fmix + rep->res[i].fwithin, rep->change,
		    rep->res[i].key.p);
}

START_TEST(pure_mix)
{
	struct fixture fx;
	struct mfm_slice_report rep;
	struct mfm_err err;
	const struct mfm_slice_result *a, *b;

	setup(&fx);
	/* Reference: a 100 at 0.9, b 100 at 0.5.  Window: a 160, b 40. */
	add(&fx, &fx.ref, "a", "x", 90, 10);
	add(&fx, &fx.ref, "b", "y", 50, 50);
	add(&fx, &fx.cur, "a", "x", 144, 16);
	add(&fx, &fx.cur, "b", "y", 20, 20);
	ck_assert_int_eq(mfm_slice_compare(&fx.s, &fx.ref, &fx.cur, &rep,
	    &err), 0);
	near(rep.m0, 0.7, "m0");
	near(rep.m1, 0.8 * 0.9 + 0.2 * 0.5, "m1");
	a = find(&rep, "{\"inputs.g\":\"a\"}");
	b = find(&rep, "{\"inputs.g\":\"b\"}");
	/* No slice changed inside: all of the change is mix. */
	near(a->within, 0, "within a");
	near(b->within, 0, "within b");
	near(a->fwithin, 0, "within total");
	near(a->fmix, rep.change, "mix total");
	near(a->mix, (0.8 - 0.5) * (0.9 - 0.7), "mix a");
	near(b->mix, (0.2 - 0.5) * (0.5 - 0.7), "mix b");
	/* Accuracy inside the slices did not move: nothing significant. */
	ck_assert(a->p > 0.5 && b->p > 0.5);
	sums_hold(&rep);
	mfm_slice_report_release(&rep);
	teardown(&fx);
}
END_TEST

START_TEST(pure_within)
{
	struct fixture fx;
	struct mfm_slice_report rep;
	struct mfm_err err;
	const struct mfm_slice_result *a, *b;

	setup(&fx);
	/* Same weights; b drops from 0.9 to 0.5. */
	add(&fx, &fx.ref, "a", "x", 90, 10);
	add(&fx, &fx.ref, "b", "x", 90, 10);
	add(&fx, &fx.cur, "a", "x", 90, 10);
	add(&fx, &fx.cur, "b", "x", 50, 50);
	ck_assert_int_eq(mfm_slice_compare(&fx.s, &fx.ref, &fx.cur, &rep,
	    &err), 0);
	a = find(&rep, "{\"inputs.g\":\"a\"}");
	b = find(&rep, "{\"inputs.g\":\"b\"}");
	near(rep.change, -0.2, "change");
	near(a->mix, 0, "mix a");
	near(b->mix, 0, "mix b");
	near(a->within, 0, "within a");
	near(b->within, 0.5 * (0.5 - 0.9), "within b");
	/* b is the worst slice, first, and its drop is significant. */
	ck_assert_str_eq(rep.res[0].key.p, "{\"inputs.g\":\"b\"}");
	ck_assert(b->q < 0.05);
	ck_assert(a->q > 0.05);
	/* h has one value: all of the traffic, which is no slice. */
	ck_assert_uint_eq(rep.nres, 2);
	sums_hold(&rep);
	mfm_slice_report_release(&rep);
	teardown(&fx);
}
END_TEST

START_TEST(mix_and_within)
{
	struct fixture fx;
	struct mfm_slice_report rep;
	struct mfm_err err;
	const struct mfm_slice_result *a, *b;

	setup(&fx);
	/*
	 * Reference: a 100 at 0.9, b 100 at 0.7 (M0 0.8).  Window: a 40
	 * at 0.9, b 160 at 0.5 (M1 0.58): b grew and got worse.
	 */
	add(&fx, &fx.ref, "a", "x", 90, 10);
	add(&fx, &fx.ref, "b", "y", 70, 30);
	add(&fx, &fx.cur, "a", "x", 36, 4);
	add(&fx, &fx.cur, "b", "y", 80, 80);
	ck_assert_int_eq(mfm_slice_compare(&fx.s, &fx.ref, &fx.cur, &rep,
	    &err), 0);
	a = find(&rep, "{\"inputs.g\":\"a\"}");
	b = find(&rep, "{\"inputs.g\":\"b\"}");
	near(rep.change, 0.58 - 0.8, "change");
	near(a->mix, (0.2 - 0.5) * (0.9 - 0.8), "mix a");
	near(b->mix, (0.8 - 0.5) * (0.7 - 0.8), "mix b");
	near(a->within, 0, "within a");
	near(b->within, 0.8 * (0.5 - 0.7), "within b");
	near(a->fmix, -0.06, "mix total");
	near(a->fwithin, -0.16, "within total");
	ck_assert_str_eq(rep.res[0].key.p, "{\"inputs.g\":\"b\"}");
	sums_hold(&rep);
	mfm_slice_report_release(&rep);
	teardown(&fx);
}
END_TEST

START_TEST(new_slice_and_pairs)
{
	struct fixture fx;
	struct mfm_slice_report rep;
	struct mfm_err err;
	const struct mfm_slice_result *c;

	setup(&fx);
	fx.s.pairs = 1;
	add(&fx, &fx.ref, "a", "x", 80, 20);
	add(&fx, &fx.cur, "a", "x", 80, 20);
	add(&fx, &fx.cur, "c", "y", 30, 70);
	ck_assert_int_eq(mfm_slice_compare(&fx.s, &fx.ref, &fx.cur, &rep,
	    &err), 0);
	/* A slice the reference never saw counts as within, vs M0. */
	c = find(&rep, "{\"inputs.g\":\"c\"}");
	ck_assert(isnan(c->m0));
	near(c->mix, 0, "mix c");
	near(c->within, 0.5 * (0.3 - 0.8), "within c");
	ck_assert(isnan(c->p));		/* no support in the reference */
	c = find(&rep, "{\"inputs.g\":\"c\",\"inputs.h\":\"y\"}");
	near(c->within, 0.5 * (0.3 - 0.8), "pair within");
	sums_hold(&rep);
	mfm_slice_report_release(&rep);
	teardown(&fx);
}
END_TEST

START_TEST(numeric_bins)
{
	struct fixture fx;
	struct mfm_slice_report rep;
	struct mfm_err err;
	struct mfm_json j;
	char line[128];
	int i;

	setup(&fx);
	fx.s.bins = 2;
	mfm_json_init(&j);
	/* Reference 1..10: the median edge is 6 (first past 5 of 10). */
	for (i = 1; i <= 20; i++) {
		snprintf(line, sizeof(line),
		    "{\"score\":0.9,\"label\":1,\"inputs\":{\"t\":%d}}",
		    i <= 10 ? i : i - 10);
		ck_assert_int_eq(mfm_json_parse(&j, line, strlen(line), &err),
		    0);
		ck_assert_int_eq(mfm_slice_add(&fx.s, i <= 10 ? &fx.ref :
		    &fx.cur, &j, &err), 0);
	}
	ck_assert_int_eq(mfm_slice_compare(&fx.s, &fx.ref, &fx.cur, &rep,
	    &err), 0);
	ck_assert_uint_eq(rep.nres, 2);
	near(find(&rep, "{\"inputs.t\":[null,6]}")->n0, 5, "low bin");
	near(find(&rep, "{\"inputs.t\":[6,null]}")->n1, 5, "high bin");
	mfm_slice_report_release(&rep);
	/* A bad value is refused whole, and the cap holds. */
	snprintf(line, sizeof(line), "{\"score\":0.9,\"label\":1,"
	    "\"inputs\":{\"t\":[1]}}");
	ck_assert_int_eq(mfm_json_parse(&j, line, strlen(line), &err), 0);
	ck_assert_int_eq(mfm_slice_add(&fx.s, &fx.cur, &j, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_DATA);
	ck_assert_uint_eq(fx.cur.n, 10);
	fx.s.max_rows = fx.s.nrows;
	snprintf(line, sizeof(line), "{\"score\":0.9,\"label\":1}");
	ck_assert_int_eq(mfm_json_parse(&j, line, strlen(line), &err), 0);
	ck_assert_int_eq(mfm_slice_add(&fx.s, &fx.cur, &j, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	mfm_json_release(&j);
	teardown(&fx);
}
END_TEST

Suite *suite_slice(void);

Suite *
suite_slice(void)
{
	Suite *s = suite_create("slice");
	TCase *tc = tcase_create("slice");

	tcase_add_test(tc, pure_mix);
	tcase_add_test(tc, pure_within);
	tcase_add_test(tc, mix_and_within);
	tcase_add_test(tc, new_slice_and_pairs);
	tcase_add_test(tc, numeric_bins);
	suite_add_tcase(s, tc);
	return s;
}
