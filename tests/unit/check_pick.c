/*
 * Unit tests for picking members out of a record (lib/pick.c): nested
 * paths, their order, missing members and emptied objects, repeated
 * members, a path that is a prefix of another, escaped names, values of
 * every type, and the root path; the same with the top members found by
 * lib/field.c's one walk.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/cli.h"
#include "lib/field.h"
#include "lib/pick.h"

/* The record picked by the comma-separated paths spec. */
static char *
picked(const char *spec, const char *record)
{
	struct mfm_json_path *ps;
	struct mfm_pick pk;
	struct mfm_json j;
	struct mfm_buf out = MFM_BUF_INIT, again = MFM_BUF_INIT;
	struct mfm_field_set fs;
	struct mfm_err err;
	size_t n, i;
	int *top;

	ck_assert_int_eq(mfm_opt_split_paths(spec, &ps, &n, &err), 0);
	mfm_pick_init(&pk, ps, n);
	mfm_json_init(&j);
	ck_assert_int_eq(mfm_json_parse(&j, record, strlen(record), &err), 0);
	mfm_pick_put(&pk, &j, &out);
	/* With the top members found by one walk, the same bytes. */
	mfm_field_set_init(&fs);
	for (i = 0; i < pk.ntop; i++)
		ck_assert_uint_eq(mfm_field_set_add(&fs, &pk.top[i]), i);
	top = calloc(pk.ntop + 1, sizeof(*top));
	ck_assert_ptr_nonnull(top);
	mfm_field_set_get(&fs, &j, top);
	mfm_pick_put_at(&pk, &j, top, &again);
	ck_assert_str_eq(again.p, out.p);
	mfm_buf_release(&again);
	mfm_field_set_release(&fs);
	free(top);
	mfm_json_release(&j);
	mfm_pick_release(&pk);
	for (i = 0; i < n; i++)
		mfm_json_path_release(&ps[i]);
	free(ps);
	return mfm_buf_detach(&out);
}

static const struct {
	const char *spec, *in, *want;
} cases[] = {
	{ "a", "{\"a\":1,\"b\":2}", "{\"a\":1}" },
	/* In the order of the paths, whatever the record's. */
	{ "b,a", "{\"a\":1,\"b\":2}", "{\"b\":2,\"a\":1}" },
	{ "a.b", "{\"a\":{\"b\":1,\"c\":2},\"d\":3}", "{\"a\":{\"b\":1}}" },
	{ "a.b,d", "{\"a\":{\"b\":1,\"c\":2},\"d\":3}",
	    "{\"a\":{\"b\":1},\"d\":3}" },
	{ "a.c,d,a.b", "{\"a\":{\"b\":1,\"c\":2},\"d\":3}",
	    "{\"a\":{\"c\":2,\"b\":1},\"d\":3}" },
	/* Missing members are left out; so is an object left empty. */
	{ "x", "{\"a\":1}", "{}" },
	{ "a.x", "{\"a\":{\"b\":1}}", "{}" },
	{ "a.x,b", "{\"a\":{\"b\":1},\"b\":2}", "{\"b\":2}" },
	{ "b,a.x,c", "{\"a\":{},\"b\":2,\"c\":3}", "{\"b\":2,\"c\":3}" },
	{ "a.b", "{\"a\":[1,2]}", "{}" },
	{ "a.b", "{\"a\":null}", "{}" },
	/* A whole value, whatever it is. */
	{ "a,b,c,d,e,f", "{\"a\":[1,{\"x\":2}],\"b\":{\"y\":[]},\"c\":null,"
	    "\"d\":true,\"e\":-1.5e3,\"f\":\"s\\\"t\"}",
	    "{\"a\":[1,{\"x\":2}],\"b\":{\"y\":[]},\"c\":null,\"d\":true,"
	    "\"e\":-1.5e3,\"f\":\"s\\\"t\"}" },
	/* The last of repeated members counts. */
	{ "a", "{\"a\":1,\"a\":2}", "{\"a\":2}" },
	/* A prefix keeps the whole value, before or after the longer path. */
	{ "a,a.b", "{\"a\":{\"b\":1,\"c\":2}}", "{\"a\":{\"b\":1,\"c\":2}}" },
	{ "a.b,a", "{\"a\":{\"b\":1,\"c\":2}}", "{\"a\":{\"b\":1,\"c\":2}}" },
	{ "a,a", "{\"a\":1}", "{\"a\":1}" },
	/* Names as the record wrote them, escapes and all. */
	{ "\"k.1\"", "{\"k.1\":1,\"k\":{\"1\":2}}", "{\"k.1\":1}" },
	{ "\u00e9", "{\"\\u00e9\":1}", "{\"\\u00e9\":1}" },
	/* White space in the record goes; values are copied as written. */
	{ "a.b", "{ \"a\" : { \"b\" : [ 1 , 2 ] } }", "{\"a\":{\"b\":[ 1 , 2 ]}}" },
	{ "a.b.c", "{\"a\":{\"b\":{\"c\":0,\"d\":1}}}",
	    "{\"a\":{\"b\":{\"c\":0}}}" },
};

START_TEST(test_pick)
{
	char *got = picked(cases[_i].spec, cases[_i].in);

	ck_assert_str_eq(got, cases[_i].want);
	free(got);
}
END_TEST

Suite *suite_pick(void);

Suite *
suite_pick(void)
{
	Suite *s = suite_create("pick");
	TCase *tc = tcase_create("pick");

	tcase_add_loop_test(tc, test_pick, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	suite_add_tcase(s, tc);
	return s;
}
