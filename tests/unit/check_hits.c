/*
 * Unit tests for the path counters (lib/hits.c): found, missing and
 * under a null told apart, until found (every record with all set);
 * paths looked up here only until found; wildcards; the
 * nearest paths suggested, from a bounded sample.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/hits.h"
#include "lib/json.h"

static struct mfm_json j;

static void
parse(const char *s)
{
	struct mfm_err err;

	ck_assert_int_eq(mfm_json_parse(&j, s, strlen(s), &err), 0);
}

static void
path(struct mfm_json_path *p, const char *s)
{
	struct mfm_err err;

	ck_assert_int_eq(mfm_json_path_parse(p, s, &err), 0);
}

/* Count one record through the tokens a caller would pass. */
static void
count_tok(struct mfm_hits *h, const char *rec,
    const struct mfm_json_path *ps, size_t n)
{
	int tok[8];
	size_t i;

	parse(rec);
	for (i = 0; i < n; i++)
		tok[i] = mfm_json_get(&j, 0, &ps[i]);
	mfm_hits_count(h, &j, tok);
}

START_TEST(test_found_missing_null)
{
	struct mfm_json_path p[2];
	struct mfm_hits *h = mfm_hits_new("records");

	mfm_json_init(&j);
	path(&p[0], "outcome.churned");
	path(&p[1], "score");
	mfm_hits_add(h, "--label", &p[0], 0, 0);
	mfm_hits_add(h, "--score", &p[1], 0, 1);
	h->all = 1;
	count_tok(h, "{\"score\":1,\"outcome\":{\"churned\":true}}", p, 2);
	count_tok(h, "{\"score\":1,\"outcome\":{\"churned\":null}}", p, 2);
	count_tok(h, "{\"score\":1,\"outcome\":null}", p, 2);
	count_tok(h, "{\"score\":1,\"outcome\":{}}", p, 2);
	count_tok(h, "{\"score\":1,\"outcome\":\"no object\"}", p, 2);
	count_tok(h, "{\"score\":1}", p, 2);
	ck_assert_uint_eq(h->nrec, 6);
	/* a null value is found; a null object on the way is neither */
	ck_assert_uint_eq(h->e[0].found, 2);
	ck_assert_uint_eq(h->e[0].under_null, 1);
	ck_assert_uint_eq(h->e[0].missing, 3);
	ck_assert_uint_eq(h->e[1].found, 6);
	ck_assert_uint_eq(h->e[1].missing, 0);
	/* Every path found, and all unset: a record is only counted. */
	ck_assert_uint_eq(h->nfound, 2);
	h->all = 0;
	count_tok(h, "{\"score\":1}", p, 2);
	ck_assert_uint_eq(h->e[0].missing, 3);
	ck_assert_uint_eq(h->e[1].found, 6);
	ck_assert_uint_eq(h->nrec, 7);
	mfm_hits_free(h);
	mfm_json_path_release(&p[0]);
	mfm_json_path_release(&p[1]);
	mfm_json_release(&j);
}
END_TEST

/* A path the caller does not look up is looked up until found. */
START_TEST(test_own_lazy)
{
	struct mfm_json_path p;
	struct mfm_hits *h = mfm_hits_new("records"), *all;

	mfm_json_init(&j);
	path(&p, "a.b");
	mfm_hits_add(h, "--select", &p, 0, MFM_HITS_OWN);
	all = mfm_hits_new("records");
	all->all = 1;
	mfm_hits_add(all, "--select", &p, 0, MFM_HITS_OWN);
	parse("{\"x\":1}");
	mfm_hits_count(h, &j, NULL);
	mfm_hits_count(all, &j, NULL);
	parse("{\"a\":{\"b\":2}}");
	mfm_hits_count(h, &j, NULL);
	mfm_hits_count(all, &j, NULL);
	parse("{\"x\":3}");
	mfm_hits_count(h, &j, NULL);
	mfm_hits_count(all, &j, NULL);
	ck_assert_uint_eq(h->nrec, 3);
	ck_assert_uint_eq(h->e[0].found, 1);
	ck_assert_uint_eq(h->e[0].missing, 1);	/* not looked at after */
	ck_assert_uint_eq(all->e[0].found, 1);
	ck_assert_uint_eq(all->e[0].missing, 2);
	mfm_hits_free(h);
	mfm_hits_free(all);
	mfm_json_path_release(&p);
	mfm_json_release(&j);
}
END_TEST

/*
 * An optional path (a --key beside its --key-fallback) is counted with
 * all set, and never holds up the fast path when nothing has it.
 */
START_TEST(test_optional)
{
	struct mfm_json_path p[2];
	struct mfm_hits *h = mfm_hits_new("predictions"), *all;

	mfm_json_init(&j);
	path(&p[0], "eventMetadata.inferenceId");
	path(&p[1], "eventMetadata.eventId");
	mfm_hits_add(h, "--key", &p[0], MFM_HITS_OPTIONAL, MFM_HITS_OWN);
	mfm_hits_add(h, "--key-fallback", &p[1], 0, MFM_HITS_OWN);
	all = mfm_hits_new("predictions");
	all->all = 1;
	mfm_hits_add(all, "--key", &p[0], MFM_HITS_OPTIONAL, MFM_HITS_OWN);
	mfm_hits_add(all, "--key-fallback", &p[1], 0, MFM_HITS_OWN);
	ck_assert_uint_eq(h->nfound, 1);
	parse("{\"eventMetadata\":{\"eventId\":\"e1\"}}");
	mfm_hits_count(h, &j, NULL);
	mfm_hits_count(all, &j, NULL);
	/* The fallback found, the optional key need not be: done. */
	ck_assert_uint_eq(h->nfound, 2);
	parse("{\"eventMetadata\":{\"eventId\":\"e2\","
	    "\"inferenceId\":\"i2\"}}");
	mfm_hits_count(h, &j, NULL);
	mfm_hits_count(all, &j, NULL);
	ck_assert_uint_eq(h->e[0].found, 0);	/* not looked at any more */
	ck_assert_uint_eq(h->nfound, 2);
	ck_assert_uint_eq(all->e[0].found, 1);
	ck_assert_uint_eq(all->e[0].missing, 1);
	ck_assert_uint_eq(all->nfound, 2);
	mfm_hits_free(h);
	mfm_hits_free(all);
	mfm_json_path_release(&p[0]);
	mfm_json_path_release(&p[1]);
	mfm_json_release(&j);
}
END_TEST

/* PREFIX.*: found when PREFIX is an object with a member. */
START_TEST(test_wild)
{
	struct mfm_json_path p;
	struct mfm_hits *h = mfm_hits_new("records");

	mfm_json_init(&j);
	path(&p, "inputs");
	mfm_hits_add(h, "--features", &p, MFM_HITS_WILD, MFM_HITS_OWN);
	ck_assert_str_eq(h->e[0].text, "inputs.*");
	h->all = 1;
	parse("{\"inputs\":{\"a\":1}}");
	mfm_hits_count(h, &j, NULL);
	parse("{\"inputs\":{}}");
	mfm_hits_count(h, &j, NULL);
	parse("{\"inputs\":null}");
	mfm_hits_count(h, &j, NULL);
	parse("{\"inputs\":[1]}");
	mfm_hits_count(h, &j, NULL);
	parse("{\"input\":{\"a\":1}}");
	mfm_hits_count(h, &j, NULL);
	ck_assert_uint_eq(h->e[0].found, 1);
	ck_assert_uint_eq(h->e[0].under_null, 1);
	ck_assert_uint_eq(h->e[0].missing, 3);
	mfm_hits_free(h);
	mfm_json_path_release(&p);
	mfm_json_release(&j);
}
END_TEST

static size_t
near(struct mfm_hits *h, size_t i, const char **out, int *close)
{
	return mfm_hits_near(h, i, out, 3, close);
}

START_TEST(test_near)
{
	struct mfm_json_path p[5];
	struct mfm_hits *h = mfm_hits_new("records");
	const char *out[3];
	int close, tok[5] = { -1, -1, -1, -1, -1 };

	mfm_json_init(&j);
	path(&p[0], "outcome.churnd");
	path(&p[1], "probability_churn");
	path(&p[2], "modelversion");
	path(&p[3], "zzzzzzzzzzzzzzzzzz");
	path(&p[4], "dotted");
	mfm_hits_add(h, "--label", &p[0], 0, 0);
	mfm_hits_add(h, "--score", &p[1], 0, 1);
	mfm_hits_add(h, "--by", &p[2], 0, 2);
	mfm_hits_add(h, "--by", &p[3], 0, 3);
	mfm_hits_add(h, "--by", &p[4], 0, 4);
	parse("{\"id\":1,\"model_version\":\"1\",\"outputs\":"
	    "{\"probability_churn\":0.5},\"outcome\":{\"churned\":true},"
	    "\"dot.ted\":1}");
	mfm_hits_count(h, &j, tok);
	ck_assert_uint_eq(near(h, 0, out, &close), 1);
	ck_assert_int_eq(close, 1);
	ck_assert_str_eq(out[0], "outcome.churned");
	/* the same last segment is nearest of all */
	ck_assert_uint_eq(near(h, 1, out, &close), 1);
	ck_assert_int_eq(close, 1);
	ck_assert_str_eq(out[0], "outputs.probability_churn");
	ck_assert_uint_eq(near(h, 2, out, &close), 1);
	ck_assert_str_eq(out[0], "model_version");
	/* nothing near: the nearest three, not a guess */
	ck_assert_uint_eq(near(h, 3, out, &close), 3);
	ck_assert_int_eq(close, 0);
	/* a key with a dot is written as a path names it */
	ck_assert_uint_ge(near(h, 4, out, &close), 1);
	ck_assert_int_eq(close, 1);
	ck_assert_str_eq(out[0], "dot\\.ted");
	mfm_hits_free(h);
	for (tok[0] = 0; tok[0] < 5; tok[0]++)
		mfm_json_path_release(&p[tok[0]]);
	mfm_json_release(&j);
}
END_TEST

/*
 * The sample is bounded: the first records, then only records of a
 * shape not seen; at most MFM_HITS_SEEN_MAX paths.
 */
START_TEST(test_sample_bounded)
{
	struct mfm_json_path p;
	struct mfm_hits *h = mfm_hits_new("records");
	char rec[64];
	const char *out[3];
	int close, tok = -1;
	size_t i;

	mfm_json_init(&j);
	path(&p, "churnd");
	mfm_hits_add(h, "--label", &p, 0, 0);
	for (i = 0; i < 5000; i++) {
		snprintf(rec, sizeof(rec), "{\"k%zu\":1,\"id\":2}", i);
		parse(rec);
		mfm_hits_count(h, &j, &tok);
	}
	ck_assert_uint_eq(h->nsampled, MFM_HITS_FIRST);
	ck_assert_uint_le(h->nseen, MFM_HITS_FIRST + 1);
	/* a new shape late in the input is still sampled */
	parse("{\"id\":1,\"churned\":0,\"t\":3}");
	mfm_hits_count(h, &j, &tok);
	ck_assert_uint_eq(near(h, 0, out, &close), 1);
	ck_assert_str_eq(out[0], "churned");
	for (i = 0; i < 200; i++) {
		snprintf(rec, sizeof(rec), "{\"x\":{\"a\":1,\"b%zu\":1}}", i);
		parse(rec);
		mfm_hits_count(h, &j, &tok);
	}
	ck_assert_uint_le(h->nsampled, MFM_HITS_SAMPLE);
	ck_assert_uint_le(h->nseen, MFM_HITS_SEEN_MAX);
	ck_assert_uint_eq(h->e[0].missing, 5201);
	mfm_hits_free(h);
	mfm_json_path_release(&p);
	mfm_json_release(&j);
}
END_TEST

Suite *suite_hits(void);

Suite *
suite_hits(void)
{
	Suite *s = suite_create("hits");
	TCase *tc = tcase_create("hits");

	tcase_add_test(tc, test_found_missing_null);
	tcase_add_test(tc, test_own_lazy);
	tcase_add_test(tc, test_optional);
	tcase_add_test(tc, test_wild);
	tcase_add_test(tc, test_near);
	tcase_add_test(tc, test_sample_bounded);
	suite_add_tcase(s, tc);
	return s;
}
