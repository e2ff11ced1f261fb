/*
 * Unit tests for reference runs (lib/refrun.c): PATH.* expansion, the
 * previous-window mode, the reference range, reference files taken in,
 * and the groups left without a reference.  A value is an int, merging
 * adds, and emitting logs the window's value against its reference's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/refrun.h"
#include "lib/tm.h"

struct fixture {
	struct mfm_refrun rr;
	struct mfm_json_path window, by;
	struct mfm_json j;
	struct mfm_err err;
	char log[256];		/* "cur/ref " per emit, "?" per missing */
	int nrelease;
};

static int
merge(void *ctx, void *dst, void *src, struct mfm_err *err)
{
	(void)ctx, (void)err;
	*(int *)dst += *(int *)src;
	return 0;
}

static void
release(void *ctx, void *val)
{
	struct fixture *f = ctx;

	(void)val;
	f->nrelease++;
}

static void
emit(void *ctx, struct mfm_group *g, size_t i, void *ref)
{
	struct fixture *f = ctx;
	size_t n = strlen(f->log);

	snprintf(f->log + n, sizeof(f->log) - n, "%d/%d ",
	    *(int *)mfm_group_val(g, i), *(int *)ref);
}

static void
missing(void *ctx, const char *group, size_t n)
{
	struct fixture *f = ctx;
	size_t len = strlen(f->log);

	(void)n;
	snprintf(f->log + len, sizeof(f->log) - len, "%s",
	    group == NULL ? "?range " : "? ");
}

static const struct mfm_refrun_ops ops = { merge, release, emit, missing };

static void
setup(struct fixture *f, const struct mfm_refrun_mode *mode)
{
	memset(f, 0, sizeof(*f));
	mfm_refrun_init(&f->rr, mode, sizeof(int), 0, &ops, f);
	mfm_json_init(&f->j);
	ck_assert_int_eq(mfm_json_path_parse(&f->window, "window", &f->err),
	    0);
	ck_assert_int_eq(mfm_json_path_parse(&f->by, "g", &f->err), 0);
}

static void
teardown(struct fixture *f)
{
	mfm_json_path_release(&f->window);
	mfm_json_path_release(&f->by);
	mfm_json_release(&f->j);
	mfm_refrun_release(&f->rr);
}

/* Add v to the value of day's window and group g, in table t. */
static void
add(struct fixture *f, struct mfm_group *t, int day, const char *g, int v)
{
	char line[128];
	int *p, created;

	snprintf(line, sizeof(line), "{\"window\":{\"start\":"
	    "\"2026-01-%02dT00:00:00Z\"},\"g\":\"%s\"}", day, g);
	ck_assert_int_eq(mfm_json_parse(&f->j, line, strlen(line), &f->err),
	    0);
	p = mfm_group_get(t, &f->j, &f->window, &f->by, 1, &created,
	    &f->err);
	ck_assert_ptr_nonnull(p);
	*p += v;
}

START_TEST(test_wild)
{
	struct mfm_json_path p[3];
	struct mfm_err err;
	int *wild, i;

	ck_assert_int_eq(mfm_json_path_parse(&p[0], "inputs.*", &err), 0);
	ck_assert_int_eq(mfm_json_path_parse(&p[1], "age", &err), 0);
	ck_assert_int_eq(mfm_json_path_parse(&p[2], "*", &err), 0);
	wild = mfm_refrun_wild(p, 3);
	ck_assert_int_eq(wild[0], 1);
	ck_assert_str_eq(p[0].text, "inputs");
	ck_assert_uint_eq(p[0].nseg, 1);
	ck_assert_int_eq(wild[1], 0);
	/* A lone "*" is a member named so, not an object's members. */
	ck_assert_int_eq(wild[2], 0);
	ck_assert_str_eq(p[2].text, "*");
	/* Room for the score and the label. */
	ck_assert_int_eq(wild[3], 0);
	ck_assert_int_eq(wild[4], 0);
	free(wild);
	for (i = 0; i < 3; i++)
		mfm_json_path_release(&p[i]);
}
END_TEST

START_TEST(test_previous)
{
	struct mfm_refrun_mode mode = { 0, 0, 0, 1 };
	struct fixture f;

	setup(&f, &mode);
	add(&f, &f.rr.groups, 3, "a", 30);
	add(&f, &f.rr.groups, 1, "a", 10);
	add(&f, &f.rr.groups, 2, "a", 20);
	add(&f, &f.rr.groups, 2, "b", 5);
	ck_assert_int_eq(mfm_refrun_finish(&f.rr, &f.err), 0);
	/* Day 1 of a and the only window of b are references only. */
	ck_assert_str_eq(f.log, "20/10 30/20 ");
	ck_assert_int_eq(f.rr.trouble, 0);
	teardown(&f);
	ck_assert_int_eq(f.nrelease, 4);
}
END_TEST

START_TEST(test_range)
{
	struct mfm_refrun_mode mode = { 1, 0, 0, 0 };
	struct fixture f;

	ck_assert_int_eq(mfm_tm_parse_rfc3339("2026-01-01T00:00:00Z", 20,
	    &mode.from, &f.err), 0);
	ck_assert_int_eq(mfm_tm_parse_rfc3339("2026-01-03T00:00:00Z", 20,
	    &mode.to, &f.err), 0);
	setup(&f, &mode);
	add(&f, &f.rr.groups, 1, "a", 1);
	add(&f, &f.rr.groups, 2, "a", 2);
	add(&f, &f.rr.groups, 3, "a", 7);
	add(&f, &f.rr.groups, 4, "b", 9);
	ck_assert_int_eq(mfm_refrun_finish(&f.rr, &f.err), 0);
	/* a's days 1 and 2 merge into its reference; b has none. */
	ck_assert_str_eq(f.log, "7/3 ? ");
	ck_assert_int_eq(f.rr.trouble, 1);
	teardown(&f);
}
END_TEST

START_TEST(test_empty_range)
{
	struct mfm_refrun_mode mode = { 1, 0, 1, 0 };
	struct fixture f;

	setup(&f, &mode);
	add(&f, &f.rr.groups, 1, "a", 1);
	ck_assert_int_eq(mfm_refrun_finish(&f.rr, &f.err), 0);
	ck_assert_str_eq(f.log, "?range ? ");
	ck_assert_int_eq(f.rr.trouble, 1);
	teardown(&f);
}
END_TEST

START_TEST(test_take)
{
	struct mfm_refrun_mode mode = { 0, 0, 0, 0 };
	struct fixture f;
	struct mfm_group file;
	int *ref;

	setup(&f, &mode);
	mfm_group_init(&file, sizeof(int), 0);
	add(&f, &file, 1, "a", 4);
	add(&f, &file, 2, "a", 6);
	ck_assert_int_eq(mfm_refrun_take(&f.rr, &file, &f.err), 0);
	ck_assert_int_eq(f.nrelease, 2);
	mfm_group_release(&file);
	ref = mfm_refrun_ref(&f.rr, "{\"g\":\"a\"}", 9, 0);
	ck_assert_ptr_nonnull(ref);
	ck_assert_int_eq(*ref, 10);
	ck_assert_ptr_null(mfm_refrun_ref(&f.rr, "{\"g\":\"b\"}", 9, 0));
	add(&f, &f.rr.groups, 5, "a", 1);
	ck_assert_int_eq(mfm_refrun_finish(&f.rr, &f.err), 0);
	ck_assert_str_eq(f.log, "1/10 ");
	teardown(&f);
}
END_TEST

Suite *suite_refrun(void);

Suite *
suite_refrun(void)
{
	Suite *s = suite_create("refrun");
	TCase *tc = tcase_create("refrun");

	tcase_add_test(tc, test_wild);
	tcase_add_test(tc, test_previous);
	tcase_add_test(tc, test_range);
	tcase_add_test(tc, test_empty_range);
	tcase_add_test(tc, test_take);
	suite_add_tcase(s, tc);
	return s;
}
