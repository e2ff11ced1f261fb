/*
 * Unit tests for alert context (lib/context.c): records joined by window
 * and canonical group, several records for one key, the summary sentence
 * and the cap.
 */
#include <string.h>

#include <check.h>

#include "lib/context.h"
#include "lib/rule.h"

static const char *W =
    "\"window\":{\"start\":\"2026-11-22T00:00:00.000Z\","
    "\"end\":\"2026-11-23T00:00:00.000Z\"}";

static int
add(struct mfm_context *c, const char *line, struct mfm_err *err)
{
	struct mfm_json j;
	int rc;

	mfm_json_init(&j);
	ck_assert_int_eq(mfm_json_parse(&j, line, strlen(line), err), 0);
	rc = mfm_context_add(c, &j, err);
	mfm_json_release(&j);
	return rc;
}

/* The entry for the metric record line, found as mfm-threshold does. */
static const struct mfm_context_entry *
find(struct mfm_context *c, struct mfm_json *j, const char *line)
{
	struct mfm_buf canon = MFM_BUF_INIT;
	struct mfm_err err;
	const struct mfm_context_entry *e;
	int g;

	ck_assert_int_eq(mfm_json_parse(j, line, strlen(line), &err), 0);
	g = mfm_json_member(j, 0, "group", 5);
	if (g >= 0)
		mfm_rule_canon(&canon, j, g);
	else
		mfm_buf_adds(&canon, "{}");
	e = mfm_context_find(c, j, mfm_json_member(j, 0, "window", 6),
	    canon.p, canon.len);
	mfm_buf_release(&canon);
	return e;
}

START_TEST(test_join)
{
	struct mfm_context c;
	struct mfm_buf line = MFM_BUF_INIT;
	struct mfm_json j;
	struct mfm_err err;
	const struct mfm_context_entry *e;

	mfm_context_init(&c, 0);
	mfm_json_init(&j);
	mfm_buf_addf(&line, "{%s,\"group\":{\"b\":2,\"a\":\"x\"},\"context\":"
	    "{\"metric\":\"accuracy\",\"worst_slices\":[{\"slice\":{\"c\":"
	    "\"partner\"},\"accuracy\":0.25,\"reference_metric\":0.774}]}}",
	    W);
	ck_assert_int_eq(add(&c, line.p, &err), 0);
	mfm_buf_clear(&line);
	mfm_buf_addf(&line, "{\"group\":{\"a\":\"\\u0078\",\"b\":2},%s,"
	    "\"context\":{\"top_drift\":[{\"feature\":\"c\",\"psi\":0.5}]}}",
	    W);
	ck_assert_int_eq(add(&c, line.p, &err), 0);
	ck_assert_uint_eq(c.n, 1);	/* one window and group */

	/* Member order and escapes of the group do not matter. */
	mfm_buf_clear(&line);
	mfm_buf_addf(&line, "{%s,\"group\":{\"a\":\"x\",\"b\":2}}", W);
	e = find(&c, &j, line.p);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->why.p, "worst slice c=partner (accuracy 0.77 -> "
	    "0.25); top drift c (PSI 0.50)");
	ck_assert_str_eq(e->members.p, "\"metric\":\"accuracy\","
	    "\"worst_slices\":[{\"slice\":{\"c\":\"partner\"},\"accuracy\":"
	    "0.25,\"reference_metric\":0.774}],\"top_drift\":[{\"feature\":"
	    "\"c\",\"psi\":0.5}]");

	/* Another group, another window, no window: nothing. */
	mfm_buf_clear(&line);
	mfm_buf_addf(&line, "{%s,\"group\":{\"a\":\"y\",\"b\":2}}", W);
	ck_assert_ptr_null(find(&c, &j, line.p));
	ck_assert_ptr_null(find(&c, &j, "{\"window\":{\"start\":\"a\","
	    "\"end\":\"b\"},\"group\":{\"a\":\"x\",\"b\":2}}"));
	ck_assert_ptr_null(find(&c, &j, "{\"group\":{}}"));
	mfm_json_release(&j);
	mfm_buf_release(&line);
	mfm_context_release(&c);
}
END_TEST

START_TEST(test_bins_and_errors)
{
	struct mfm_context c;
	struct mfm_err err;

	mfm_context_init(&c, 1);
	ck_assert_int_eq(add(&c, "{\"window\":{\"start\":\"a\",\"end\":\"b\"},"
	    "\"context\":{\"worst_slices\":[{\"slice\":{\"t\":[1,2],"
	    "\"u\":[5,null],\"v\":[null,3]}}]}}", &err), 0);
	ck_assert_str_eq(c.e[0].why.p, "worst slice t=[1, 2), u=>=5, v=<3");
	ck_assert_int_eq(add(&c, "{\"window\":{\"start\":\"a\"},\"context\":{}}",
	    &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_DATA);
	ck_assert_int_eq(add(&c, "{\"window\":{\"start\":\"a\",\"end\":\"b\"},"
	    "\"group\":1,\"context\":{}}", &err), -1);
	ck_assert_int_eq(add(&c, "{\"window\":{\"start\":\"a\",\"end\":\"b\"},"
	    "\"context\":[]}", &err), -1);
	/* The same key again is no new entry; a new one is past the cap. */
	ck_assert_int_eq(add(&c, "{\"window\":{\"start\":\"a\",\"end\":\"b\"},"
	    "\"group\":{},\"context\":{}}", &err), 0);
	ck_assert_int_eq(add(&c, "{\"window\":{\"start\":\"a\",\"end\":\"c\"},"
	    "\"context\":{}}", &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	mfm_context_release(&c);
}
END_TEST

Suite *suite_context(void);

Suite *
suite_context(void)
{
	Suite *s = suite_create("context");
	TCase *tc = tcase_create("context");

	tcase_add_test(tc, test_join);
	tcase_add_test(tc, test_bins_and_errors);
	suite_add_tcase(s, tc);
	return s;
}
