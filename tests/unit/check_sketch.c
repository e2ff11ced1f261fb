/*
 * Unit tests for the exact feature sketches (lib/sketch.c): numbers
 * counted exactly through compaction (-0 and +0 one value), categories as
 * bytes, merge adds counts in any order, the shared budget charged for
 * distinct values only and given back on release, a value already kept
 * still counted at the cap, the category cap per sketch.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "lib/sketch.h"

static struct mfm_sketch_budget
budget(size_t values, size_t cats)
{
	struct mfm_sketch_budget b = { values, 0, cats };

	return b;
}

/* The numbers of s, compacted, as "v:c v:c ...". */
static const char *
nums(struct mfm_sketch *s, struct mfm_sketch_budget *b)
{
	static char out[4096];
	size_t i, k = 0;

	mfm_sketch_compact(s, b);
	out[0] = '\0';
	for (i = 0; i < s->nnum && k < sizeof(out) - 64; i++)
		k += (size_t)snprintf(out + k, sizeof(out) - k, "%s%g:%g",
		    i ? " " : "", s->num[i].v, s->num[i].c);
	return out;
}

START_TEST(test_numbers)
{
	struct mfm_sketch_budget b = budget(1000, 10);
	struct mfm_sketch s;
	struct mfm_err err;
	static const double v[] = { 3, 1, 2, 3, -0.0, 0, 1, 3, 2.5, -7 };
	size_t i;

	mfm_sketch_init(&s);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ck_assert_int_eq(mfm_sketch_add_num(&s, v[i], 1, &b, &err), 0);
	ck_assert_int_eq(mfm_sketch_add_num(&s, 1, 2.5, &b, &err), 0);
	ck_assert_double_eq(s.present, 12.5);
	ck_assert_double_eq(s.numc, 12.5);
	ck_assert_str_eq(nums(&s, &b), "-7:1 0:2 1:4.5 2:1 2.5:1 3:3");
	/* Only distinct values stay charged. */
	ck_assert_uint_eq(b.used, 6);
	mfm_sketch_compact(&s, &b);	/* idempotent */
	ck_assert_uint_eq(b.used, 6);
	mfm_sketch_release(&s, &b);
	ck_assert_uint_eq(b.used, 0);
	mfm_sketch_release(NULL, &b);
}
END_TEST

/* Many values, few distinct: the array stays small as it grows. */
START_TEST(test_compact_on_growth)
{
	struct mfm_sketch_budget b = budget(1000, 10);
	struct mfm_sketch s;
	struct mfm_err err;
	size_t i;

	mfm_sketch_init(&s);
	for (i = 0; i < 100000; i++)
		ck_assert_int_eq(mfm_sketch_add_num(&s, (double)(i % 5), 1, &b,
		    &err), 0);
	ck_assert_uint_le(s.numcap, 64);
	ck_assert_uint_le(b.used, 64);
	ck_assert_str_eq(nums(&s, &b), "0:20000 1:20000 2:20000 3:20000 "
	    "4:20000");
	ck_assert_uint_eq(b.used, 5);
	mfm_sketch_release(&s, &b);
	ck_assert_uint_eq(b.used, 0);
}
END_TEST

START_TEST(test_categories)
{
	struct mfm_sketch_budget b = budget(10, 10);
	struct mfm_sketch s;
	struct mfm_err err;
	const char *k;
	size_t n;

	mfm_sketch_init(&s);
	ck_assert_int_eq(mfm_sketch_add_cat(&s, "web", 3, 1, &b, &err), 0);
	ck_assert_int_eq(mfm_sketch_add_cat(&s, "", 0, 1, &b, &err), 0);
	ck_assert_int_eq(mfm_sketch_add_cat(&s, "a\0b", 3, 2, &b, &err), 0);
	ck_assert_int_eq(mfm_sketch_add_cat(&s, "web", 3, 1, &b, &err), 0);
	ck_assert_uint_eq(s.ncat, 3);
	ck_assert_double_eq(s.catc, 5);
	ck_assert_double_eq(s.present, 5);
	ck_assert_double_eq(mfm_sketch_cat_count(&s, "web", 3), 2);
	ck_assert_double_eq(mfm_sketch_cat_count(&s, "", 0), 1);
	ck_assert_double_eq(mfm_sketch_cat_count(&s, "a\0b", 3), 2);
	ck_assert_double_eq(mfm_sketch_cat_count(&s, "a", 1), 0);
	ck_assert_double_eq(mfm_sketch_cat_count(&s, "app", 3), 0);
	/* In the order first seen. */
	k = mfm_sketch_cat_key(&s, 0, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(memcmp(k, "web", 3), 0);
	k = mfm_sketch_cat_key(&s, 1, &n);
	ck_assert_uint_eq(n, 0);
	k = mfm_sketch_cat_key(&s, 2, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(memcmp(k, "a\0b", 3), 0);
	ck_assert_uint_eq(b.used, 0);	/* categories: the per-sketch cap */
	mfm_sketch_release(&s, &b);
}
END_TEST

/* Keys stay readable after the keymap's arena moved. */
START_TEST(test_category_keys_move)
{
	struct mfm_sketch_budget b = budget(10, 5000);
	struct mfm_sketch s;
	struct mfm_err err;
	char key[64];
	const char *k;
	size_t i, n;
	int len;

	mfm_sketch_init(&s);
	for (i = 0; i < 3000; i++) {
		len = snprintf(key, sizeof(key), "category-%zu-%s", i,
		    "with-a-longer-name-to-fill-the-arena");
		ck_assert_int_eq(mfm_sketch_add_cat(&s, key, (size_t)len, 1, &b,
		    &err), 0);
	}
	for (i = 0; i < 3000; i++) {
		len = snprintf(key, sizeof(key), "category-%zu-%s", i,
		    "with-a-longer-name-to-fill-the-arena");
		k = mfm_sketch_cat_key(&s, i, &n);
		ck_assert_uint_eq(n, (size_t)len);
		ck_assert_int_eq(memcmp(k, key, n), 0);
	}
	mfm_sketch_release(&s, &b);
}
END_TEST

/* Shards merged in either order hold the single sketch's counts. */
START_TEST(test_merge)
{
	struct mfm_sketch_budget b = budget(1000, 10);
	struct mfm_sketch one, s1, s2, m12, m21;
	struct mfm_err err;
	static const char *const cat[] = { "web", "app", "partner" };
	size_t i;
	double v;

	mfm_sketch_init(&one);
	mfm_sketch_init(&s1);
	mfm_sketch_init(&s2);
	mfm_sketch_init(&m12);
	mfm_sketch_init(&m21);
	for (i = 0; i < 200; i++) {
		v = (double)(i * 37 % 23) / 4;
		mfm_sketch_add_num(&one, v, 1, &b, &err);
		mfm_sketch_add_num(i % 3 ? &s1 : &s2, v, 1, &b, &err);
		mfm_sketch_add_cat(&one, cat[i % 3], strlen(cat[i % 3]), 1, &b,
		    &err);
		mfm_sketch_add_cat(i % 2 ? &s1 : &s2, cat[i % 3],
		    strlen(cat[i % 3]), 1, &b, &err);
	}
	ck_assert_int_eq(mfm_sketch_merge(&m12, &s1, &b, &err), 0);
	ck_assert_int_eq(mfm_sketch_merge(&m12, &s2, &b, &err), 0);
	ck_assert_int_eq(mfm_sketch_merge(&m21, &s2, &b, &err), 0);
	ck_assert_int_eq(mfm_sketch_merge(&m21, &s1, &b, &err), 0);
	ck_assert_str_eq(nums(&m12, &b), nums(&one, &b));
	ck_assert_str_eq(nums(&m21, &b), nums(&one, &b));
	ck_assert_double_eq(m12.present, one.present);
	ck_assert_double_eq(m21.numc, one.numc);
	for (i = 0; i < 3; i++) {
		ck_assert_double_eq(mfm_sketch_cat_count(&m12, cat[i],
		    strlen(cat[i])), mfm_sketch_cat_count(&one, cat[i],
		    strlen(cat[i])));
		ck_assert_double_eq(mfm_sketch_cat_count(&m21, cat[i],
		    strlen(cat[i])), mfm_sketch_cat_count(&one, cat[i],
		    strlen(cat[i])));
	}
	mfm_sketch_release(&one, &b);
	mfm_sketch_release(&s1, &b);
	mfm_sketch_release(&s2, &b);
	mfm_sketch_release(&m12, &b);
	mfm_sketch_release(&m21, &b);
	ck_assert_uint_eq(b.used, 0);	/* every entry given back */
}
END_TEST

/*
 * The budget is shared and counts the entries held: at the cap the
 * sketch being added to is compacted first; past it a new value is
 * MFM_ERR_LIMIT, a value already kept is still counted, and a release
 * makes room again.
 */
START_TEST(test_budget)
{
	struct mfm_sketch_budget b = budget(4, 10);
	struct mfm_sketch s1, s2;
	struct mfm_err err;

	mfm_sketch_init(&s1);
	mfm_sketch_init(&s2);
	ck_assert_int_eq(mfm_sketch_add_num(&s1, 1, 1, &b, &err), 0);
	ck_assert_int_eq(mfm_sketch_add_num(&s1, 2, 1, &b, &err), 0);
	ck_assert_int_eq(mfm_sketch_add_num(&s2, 3, 1, &b, &err), 0);
	ck_assert_int_eq(mfm_sketch_add_num(&s2, 3, 1, &b, &err), 0);
	ck_assert_uint_eq(b.used, 4);
	/* s2's repeated 3 is compacted away: room for one more. */
	ck_assert_int_eq(mfm_sketch_add_num(&s2, 5, 1, &b, &err), 0);
	ck_assert_uint_eq(b.used, 4);
	ck_assert_int_eq(mfm_sketch_add_num(&s1, 6, 1, &b, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	ck_assert_int_eq(err.cap, MFM_CAP_VALUES);
	ck_assert_str_eq(err.msg, "more than 4 distinct values kept");
	/* A value s1 holds is still counted. */
	ck_assert_int_eq(mfm_sketch_add_num(&s1, 2, 2, &b, &err), 0);
	ck_assert_str_eq(nums(&s1, &b), "1:1 2:3");
	ck_assert_double_eq(s1.present, 4);
	ck_assert_str_eq(nums(&s2, &b), "3:2 5:1");
	mfm_sketch_release(&s2, &b);
	ck_assert_uint_eq(b.used, 2);
	ck_assert_int_eq(mfm_sketch_add_num(&s1, 6, 1, &b, &err), 0);
	mfm_sketch_release(&s1, &b);
	ck_assert_uint_eq(b.used, 0);
}
END_TEST

START_TEST(test_category_cap)
{
	struct mfm_sketch_budget b = budget(10, 2);
	struct mfm_sketch s;
	struct mfm_err err;

	mfm_sketch_init(&s);
	ck_assert_int_eq(mfm_sketch_add_cat(&s, "a", 1, 1, &b, &err), 0);
	ck_assert_int_eq(mfm_sketch_add_cat(&s, "b", 1, 1, &b, &err), 0);
	ck_assert_int_eq(mfm_sketch_add_cat(&s, "c", 1, 1, &b, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	ck_assert_int_eq(err.cap, MFM_CAP_CATEGORIES);
	ck_assert_str_eq(err.msg, "more than 2 categories in one feature");
	ck_assert_int_eq(mfm_sketch_add_cat(&s, "a", 1, 1, &b, &err), 0);
	ck_assert_double_eq(mfm_sketch_cat_count(&s, "a", 1), 2);
	ck_assert_double_eq(s.catc, 3);		/* the refused one not counted */
	mfm_sketch_release(&s, &b);
}
END_TEST

/* A merge stops at the first limit and says which. */
START_TEST(test_merge_limit)
{
	struct mfm_sketch_budget b = budget(100, 2);
	struct mfm_sketch dst, src;
	struct mfm_err err;

	mfm_sketch_init(&dst);
	mfm_sketch_init(&src);
	mfm_sketch_add_cat(&dst, "a", 1, 1, &b, &err);
	mfm_sketch_add_cat(&dst, "b", 1, 1, &b, &err);
	mfm_sketch_add_cat(&src, "c", 1, 1, &b, &err);
	ck_assert_int_eq(mfm_sketch_merge(&dst, &src, &b, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	mfm_sketch_release(&dst, &b);
	mfm_sketch_release(&src, &b);
}
END_TEST

Suite *suite_sketch(void);

Suite *
suite_sketch(void)
{
	Suite *s = suite_create("sketch");
	TCase *tc = tcase_create("sketch");

	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_compact_on_growth);
	tcase_add_test(tc, test_categories);
	tcase_add_test(tc, test_category_keys_move);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_budget);
	tcase_add_test(tc, test_category_cap);
	tcase_add_test(tc, test_merge_limit);
	suite_add_tcase(s, tc);
	return s;
}
