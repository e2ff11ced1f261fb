/*
 * Unit tests for the window and group table (lib/group.c): keys, the
 * canonical form of escaped strings, missing fields, the cap, and the
 * output order.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "lib/group.h"

struct fixture {
	struct mfm_group g;
	struct mfm_json_path window, by[2];
	struct mfm_json j;
	struct mfm_err err;
};

static void
setup(struct fixture *f, size_t max)
{
	mfm_group_init(&f->g, sizeof(int), max);
	mfm_json_init(&f->j);
	ck_assert_int_eq(mfm_json_path_parse(&f->window, "window", &f->err),
	    0);
	ck_assert_int_eq(mfm_json_path_parse(&f->by[0], "v", &f->err), 0);
	ck_assert_int_eq(mfm_json_path_parse(&f->by[1], "in.seg", &f->err),
	    0);
}

static void
teardown(struct fixture *f)
{
	mfm_json_path_release(&f->window);
	mfm_json_path_release(&f->by[0]);
	mfm_json_path_release(&f->by[1]);
	mfm_json_release(&f->j);
	mfm_group_release(&f->g);
}

/* The value block of line's entry, grouped by nby paths. */
static int *
get(struct fixture *f, const char *line, size_t nby, int *created)
{
	ck_assert_int_eq(mfm_json_parse(&f->j, line, strlen(line), &f->err),
	    0);
	return mfm_group_get(&f->g, &f->j, &f->window, f->by, nby, created,
	    &f->err);
}

static void
ck_entry(const struct fixture *f, size_t i, const char *window,
    const char *group)
{
	const char *s;
	size_t n;

	s = mfm_group_window(&f->g, i, &n);
	ck_assert_uint_eq(n, strlen(window));
	ck_assert(memcmp(s, window, n) == 0);
	s = mfm_group_text(&f->g, i, &n);
	ck_assert_uint_eq(n, strlen(group));
	ck_assert(memcmp(s, group, n) == 0);
}

START_TEST(test_keys)
{
	struct fixture f;
	int *a, *b, created;

	setup(&f, 0);
	a = get(&f, "{\"v\":\"1.4\",\"in\":{\"seg\":3}}", 2, &created);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(created, 1);
	ck_assert_int_eq(*a, 0);
	*a = 42;
	b = get(&f, "{\"in\":{\"seg\":3},\"x\":1,\"v\":\"1.4\"}", 2, &created);
	ck_assert_ptr_eq(a, b);
	ck_assert_int_eq(created, 0);
	/* Escapes decode to the same group; other values as written. */
	b = get(&f, "{\"v\":\"\\u0031.4\",\"in\":{\"seg\":3}}", 2, &created);
	ck_assert_ptr_eq(a, b);
	b = get(&f, "{\"v\":\"1.4\",\"in\":{\"seg\":3.0}}", 2, &created);
	ck_assert_ptr_ne(a, b);
	/* Missing is null, and so is null. */
	a = get(&f, "{\"v\":\"1.4\"}", 2, &created);
	ck_assert_int_eq(created, 1);
	b = get(&f, "{\"v\":\"1.4\",\"in\":{\"seg\":null}}", 2, &created);
	ck_assert_ptr_eq(a, b);
	ck_assert_uint_eq(f.g.n, 3);
	ck_entry(&f, 2, "null", "{\"v\":\"1.4\",\"in.seg\":null}");
	teardown(&f);
}
END_TEST

START_TEST(test_windows)
{
	struct fixture f;
	int *a, *b, created;

	setup(&f, 0);
	a = get(&f, "{\"window\":{\"start\":\"2026-01-01T00:00:00Z\"}}", 0,
	    &created);
	b = get(&f, "{\"window\":{\"start\":\"2026-01-02T00:00:00Z\"}}", 0,
	    &created);
	ck_assert_ptr_ne(a, b);
	b = get(&f, "{\"window\":null}", 0, &created);
	ck_assert_ptr_ne(a, b);
	ck_assert_ptr_eq(b, get(&f, "{}", 0, &created));
	ck_entry(&f, 0, "{\"start\":\"2026-01-01T00:00:00Z\"}", "{}");
	ck_entry(&f, 2, "null", "{}");
	ck_assert_ptr_null(get(&f, "{\"window\":\"today\"}", 0, &created));
	ck_assert_int_eq(f.err.kind, MFM_ERR_DATA);
	ck_assert_str_eq(f.err.msg, "field 'window' is not an object");
	ck_assert_ptr_null(get(&f, "{\"window\":[1]}", 0, &created));
	teardown(&f);
}
END_TEST

START_TEST(test_cap)
{
	struct fixture f;
	int created;

	setup(&f, 2);
	ck_assert_ptr_nonnull(get(&f, "{\"v\":1}", 1, &created));
	ck_assert_ptr_nonnull(get(&f, "{\"v\":2}", 1, &created));
	ck_assert_ptr_null(get(&f, "{\"v\":3}", 1, &created));
	ck_assert_int_eq(f.err.kind, MFM_ERR_LIMIT);
	ck_assert_int_eq(f.err.cap, MFM_CAP_GROUPS);
	ck_assert_str_eq(f.err.msg, "more than 2 windows and groups open");
	/* Known keys still work at the cap. */
	ck_assert_ptr_nonnull(get(&f, "{\"v\":1}", 1, &created));
	teardown(&f);
}
END_TEST

START_TEST(test_sort)
{
	static const char *const lines[] = {
		"{\"window\":{\"start\":\"2026-01-02T00:00:00.000Z\"},"
		    "\"v\":\"b\"}",
		"{\"window\":{\"start\":\"2026-01-01T23:00:00-02:00\"},"
		    "\"v\":\"a\"}",
		"{\"window\":{\"start\":\"2026-01-02T00:00:00.000Z\"},"
		    "\"v\":\"a\"}",
		"{\"window\":{\"start\":\"soon\"},\"v\":\"a\"}",
		"{\"window\":{\"start\":\"2026-01-01T00:00:00.000Z\"},"
		    "\"v\":\"B\"}",
		"{\"v\":\"z\"}",
		"{\"window\":{\"start\":\"2026-01-01T00:00:00.000Z\"}}",
	};
	struct fixture f;
	size_t i;
	int *v, created;

	setup(&f, 0);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		v = get(&f, lines[i], 1, &created);
		ck_assert_ptr_nonnull(v);
		*v = (int)i;
	}
	mfm_group_sort(&f.g);
	/*
	 * No window first; then by start time (the -02:00 one is
	 * 2026-01-02T01:00Z); ties by group text in byte order, where
	 * "B" < "a" < "b" < null; a start that is no time last.
	 */
	ck_assert_int_eq(*(int *)mfm_group_val(&f.g, 0), 5);
	ck_assert_int_eq(*(int *)mfm_group_val(&f.g, 1), 4);
	ck_assert_int_eq(*(int *)mfm_group_val(&f.g, 2), 6);
	ck_assert_int_eq(*(int *)mfm_group_val(&f.g, 3), 2);
	ck_assert_int_eq(*(int *)mfm_group_val(&f.g, 4), 0);
	ck_assert_int_eq(*(int *)mfm_group_val(&f.g, 5), 1);
	ck_assert_int_eq(*(int *)mfm_group_val(&f.g, 6), 3);
	ck_entry(&f, 2, "{\"start\":\"2026-01-01T00:00:00.000Z\"}",
	    "{\"v\":null}");
	/* Looking up still works after sorting. */
	v = get(&f, lines[1], 1, &created);
	ck_assert_int_eq(created, 0);
	ck_assert_int_eq(*v, 1);
	teardown(&f);
}
END_TEST

START_TEST(test_many)
{
	struct fixture f;
	char line[64];
	int i, *v, created;

	setup(&f, 0);
	for (i = 0; i < 20000; i++) {
		snprintf(line, sizeof(line), "{\"v\":%d}", i);
		v = get(&f, line, 1, &created);
		ck_assert_int_eq(created, 1);
		*v = i;
	}
	for (i = 0; i < 20000; i += 7) {
		snprintf(line, sizeof(line), "{\"v\":%d}", i);
		v = get(&f, line, 1, &created);
		ck_assert_int_eq(created, 0);
		ck_assert_int_eq(*v, i);
	}
	ck_assert_uint_eq(f.g.n, 20000);
	teardown(&f);
}
END_TEST

START_TEST(test_revision)
{
	struct fixture f;
	int *v, *w, created;
	size_t i;

	setup(&f, 0);
	/* A revised window is the same window; spacing does not matter. */
	v = get(&f, "{\"window\":{\"start\":\"a\",\"end\":\"b\"}}", 0,
	    &created);
	ck_assert_int_eq(created, 1);
	*v = 7;
	w = get(&f, "{\"window\":{ \"start\" : \"a\",\"revision\":3,"
	    "\"end\":\"b\" }}", 0, &created);
	ck_assert_int_eq(created, 0);
	ck_assert_ptr_eq(v, w);
	ck_entry(&f, 0, "{\"start\":\"a\",\"end\":\"b\"}", "{}");
	/* The same entry by its key bytes. */
	w = mfm_group_get_key(&f.g, "{\"start\":\"a\",\"end\":\"b\"}", 23,
	    "{}", 2, &created, &f.err);
	ck_assert_ptr_eq(v, w);
	ck_assert_int_eq(created, 0);
	/* Removal: the entry goes, the others stay findable. */
	get(&f, "{\"window\":{\"start\":\"c\"}}", 0, &created);
	get(&f, "{\"window\":null}", 0, &created);
	ck_assert_uint_eq(f.g.n, 3);
	for (i = 0; i < f.g.n; i++)
		if (mfm_group_val(&f.g, i) == v)
			mfm_group_remove(&f.g, i);
	ck_assert_uint_eq(f.g.n, 2);
	get(&f, "{\"window\":{\"start\":\"c\"}}", 0, &created);
	ck_assert_int_eq(created, 0);
	get(&f, "{}", 0, &created);
	ck_assert_int_eq(created, 0);
	v = get(&f, "{\"window\":{\"start\":\"a\",\"end\":\"b\"}}", 0,
	    &created);
	ck_assert_int_eq(created, 1);
	ck_assert_int_eq(*v, 0);
	teardown(&f);
}
END_TEST

/* The window key: the object's members as written, less "revision". */
START_TEST(test_put_window)
{
	static const char *const cases[][2] = {
		{ "{\"start\":\"a\",\"end\":\"b\"}",
		    "{\"start\":\"a\",\"end\":\"b\"}" },
		{ "{ \"start\":\"a\" , \"end\" :\"b\"\t}",
		    "{\"start\":\"a\",\"end\":\"b\"}" },
		{ "{\"start\":\"a\",\"revision\":2}", "{\"start\":\"a\"}" },
		{ "{\"revision\":2,\"start\":\"a\"}", "{\"start\":\"a\"}" },
		{ "{\"revisio\\u006e\":2,\"x\":1}", "{\"x\":1}" },
		{ "{\"revisioN\":2}", "{\"revisioN\":2}" },
		{ "{\"a\":{ \"b\" : [1, 2] }}", "{\"a\":{ \"b\" : [1, 2] }}" },
		{ "{\"a\": {\"b\":1}}", "{\"a\":{\"b\":1}}" },
		{ "{}", "{}" },
		{ "{ }", "{}" },
		{ "{\"revision\":1}", "{}" },
		{ "[1]", "null" },
		{ "\"x\"", "null" },
	};
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_json j;
	struct mfm_err err;
	size_t i;

	mfm_json_init(&j);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(mfm_json_parse(&j, cases[i][0],
		    strlen(cases[i][0]), &err), 0);
		mfm_buf_clear(&b);
		mfm_group_put_window(&b, &j, 0);
		ck_assert_str_eq(b.p, cases[i][1]);
	}
	mfm_group_put_window(&b, &j, -1);
	ck_assert_str_eq(b.p, "nullnull");
	mfm_buf_release(&b);
	mfm_json_release(&j);
}
END_TEST

/*
 * mfm_group_get_at, which remembers recent answers, finds what
 * mfm_group_get finds, through escapes, nulls and removals.
 */
START_TEST(test_get_at)
{
	static const char *const lines[] = {
		"{\"window\":{\"start\":\"a\"},\"v\":\"x\"}",
		"{\"window\":{\"start\":\"a\"},\"v\":\"y\"}",
		"{\"window\":{\"start\":\"b\"},\"v\":\"x\"}",
		"{\"window\":{\"start\":\"a\"},\"v\":\"\\u0078\"}",
		"{\"window\":{\"start\":\"a\",\"revision\":1},\"v\":\"x\"}",
		"{\"window\":{ \"start\":\"a\"},\"v\":\"x\",\"in\":{}}",
		"{\"v\":\"x\"}",
		"{\"window\":null,\"v\":\"x\"}",
		"{\"window\":null,\"v\":null}",
		"{\"window\":null}",
		"{\"window\":{\"start\":\"a\"},\"v\":1,\"in\":{\"seg\":2}}",
		"{\"window\":{\"start\":\"a\"},\"v\":\"1\",\"in\":{\"seg\":2}}",
		"{\"window\":{\"start\":\"c\"},\"v\":[1,2]}",
	};
	size_t nl = sizeof(lines) / sizeof(lines[0]), i, k;
	struct fixture f;
	struct mfm_group g2;
	int *a, *b, ca, cb, val[2], id = 0;
	uint64_t x = 7;

	setup(&f, 0);
	mfm_group_init(&g2, sizeof(int), 0);
	mfm_group_by(&f.g, f.by, 2);
	for (i = 0; i < 3000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		k = (size_t)(x >> 33) % nl;
		ck_assert_int_eq(mfm_json_parse(&f.j, lines[k],
		    strlen(lines[k]), &f.err), 0);
		val[0] = mfm_json_get(&f.j, 0, &f.by[0]);
		val[1] = mfm_json_get(&f.j, 0, &f.by[1]);
		a = mfm_group_get_at(&f.g, &f.j, &f.window,
		    mfm_json_get(&f.j, 0, &f.window), val, &ca, &f.err);
		b = mfm_group_get(&g2, &f.j, &f.window, f.by, 2, &cb, &f.err);
		ck_assert_ptr_nonnull(a);
		ck_assert_ptr_nonnull(b);
		ck_assert_int_eq(ca, cb);
		if (ca)
			*a = *b = ++id;
		ck_assert_int_eq(*a, *b);
		/* Now and then an entry goes from both, the same one. */
		if ((x >> 20) % 17 == 0) {
			k = (size_t)(x >> 40) % f.g.n;
			ck_assert_uint_eq(f.g.n, g2.n);
			ck_assert_int_eq(*(int *)mfm_group_val(&f.g, k),
			    *(int *)mfm_group_val(&g2, k));
			mfm_group_remove(&f.g, k);
			mfm_group_remove(&g2, k);
		}
	}
	ck_assert_int_gt(id, 20);
	mfm_group_release(&g2);
	teardown(&f);
}
END_TEST

Suite *suite_group(void);

Suite *
suite_group(void)
{
	Suite *s = suite_create("group");
	TCase *tc = tcase_create("group");

	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_windows);
	tcase_add_test(tc, test_cap);
	tcase_add_test(tc, test_sort);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_revision);
	tcase_add_test(tc, test_put_window);
	tcase_add_test(tc, test_get_at);
	suite_add_tcase(s, tc);
	return s;
}
