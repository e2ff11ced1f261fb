/*
 * Unit tests for the join engine (lib/join.c) and the key map under it
 * (lib/keymap.c): canonical keys, first outcome wins, duplicates, repeated
 * prediction ids, the pending cap, and a map grown past many rehashes.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "lib/join.h"
#include "lib/keymap.h"

START_TEST(test_keymap_grow)
{
	struct mfm_keymap m;
	char key[32];
	size_t i, *v, n;
	int isnew;

	mfm_keymap_init(&m);
	for (i = 0; i < 100000; i++) {
		n = (size_t)snprintf(key, sizeof(key), "k%zu", i);
		v = mfm_keymap_put(&m, key, n, &isnew);
		ck_assert_int_eq(isnew, 1);
		*v = i;
	}
	ck_assert_uint_eq(m.count, 100000);
	for (i = 0; i < 100000; i++) {
		const char *k;
		size_t klen;

		n = (size_t)snprintf(key, sizeof(key), "k%zu", i);
		v = mfm_keymap_find(&m, key, n);
		ck_assert_ptr_nonnull(v);
		ck_assert_uint_eq(*v, i);
		k = mfm_keymap_key(&m, v, &klen);
		ck_assert_uint_eq(klen, n);
		ck_assert_int_eq(memcmp(k, key, n), 0);
	}
	ck_assert_ptr_null(mfm_keymap_find(&m, "k100000", 7));
	ck_assert_ptr_null(mfm_keymap_find(&m, "", 0));
	v = mfm_keymap_put(&m, "k7", 2, &isnew);
	ck_assert_int_eq(isnew, 0);
	ck_assert_uint_eq(*v, 7);
	mfm_keymap_release(&m);
}
END_TEST

/* The canonical key of the value at path "id" in line. */
static int
key_of(const char *line, struct mfm_buf *key)
{
	struct mfm_json j;
	struct mfm_json_path p;
	struct mfm_err err;
	int rc;

	mfm_json_init(&j);
	ck_assert_int_eq(mfm_json_parse(&j, line, strlen(line), &err), 0);
	ck_assert_int_eq(mfm_json_path_parse(&p, "id", &err), 0);
	rc = mfm_join_key(&j, mfm_json_get(&j, 0, &p), key);
	mfm_json_path_release(&p);
	mfm_json_release(&j);
	return rc;
}

START_TEST(test_keys)
{
	struct mfm_buf a = MFM_BUF_INIT, b = MFM_BUF_INIT;

	ck_assert_int_eq(key_of("{\"id\":\"p-1\"}", &a), 0);
	ck_assert_int_eq(key_of("{\"id\":\"p\\u002d1\"}", &b), 0);
	ck_assert_uint_eq(a.len, b.len);	/* escapes do not matter */
	ck_assert_int_eq(memcmp(a.p, b.p, a.len), 0);
	ck_assert_int_eq(key_of("{\"id\":\"1\"}", &a), 0);
	ck_assert_int_eq(key_of("{\"id\":1}", &b), 0);
	ck_assert(a.len != b.len || memcmp(a.p, b.p, a.len) != 0);
	ck_assert_int_eq(key_of("{\"id\":null}", &a), -1);
	ck_assert_int_eq(key_of("{\"id\":[1]}", &a), -1);
	ck_assert_int_eq(key_of("{\"x\":1}", &a), -1);
	mfm_buf_release(&a);
	mfm_buf_release(&b);
}
END_TEST

START_TEST(test_first_wins)
{
	const struct mfm_join_outcome *o;
	struct mfm_join jn;
	struct mfm_err err;

	mfm_join_init(&jn, 0);
	ck_assert_int_eq(mfm_join_add(&jn, "sa", 2, "{\"y\":1}", 7, 1, 10,
	    &err), 1);
	ck_assert_int_eq(mfm_join_add(&jn, "sa", 2, "{\"y\":0}", 7, 1, 20,
	    &err), 0);
	ck_assert_int_eq(mfm_join_add(&jn, "sb", 2, "{\"y\":0}", 7, 0, 0,
	    &err), 1);
	ck_assert_uint_eq(jn.nduplicate, 1);
	ck_assert_int_eq(mfm_join_match(&jn, "sa", 2, &o), MFM_JOIN_MATCHED);
	ck_assert_int_eq(memcmp(mfm_join_raw(&jn, o), "{\"y\":1}", 7), 0);
	ck_assert_int_eq(o->time_us, 10);
	ck_assert_int_eq(mfm_join_match(&jn, "sa", 2, &o), MFM_JOIN_TAKEN);
	ck_assert_ptr_null(o);
	ck_assert_int_eq(mfm_join_match(&jn, "sc", 2, &o), MFM_JOIN_NONE);
	ck_assert_int_eq(jn.out[1].used, 0);	/* "sb" is an orphan */
	mfm_join_release(&jn);
}
END_TEST

START_TEST(test_cap)
{
	struct mfm_join jn;
	struct mfm_err err;

	mfm_join_init(&jn, 2);
	ck_assert_int_eq(mfm_join_add(&jn, "s1", 2, "{}", 2, 0, 0, &err), 1);
	ck_assert_int_eq(mfm_join_add(&jn, "s2", 2, "{}", 2, 0, 0, &err), 1);
	/* A duplicate at the cap is still only a duplicate. */
	ck_assert_int_eq(mfm_join_add(&jn, "s2", 2, "{}", 2, 0, 0, &err), 0);
	ck_assert_int_eq(mfm_join_add(&jn, "s3", 2, "{}", 2, 0, 0, &err), -1);
	ck_assert_str_eq(err.msg, "more than 2 outcomes held (--max-pending)");
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	mfm_join_release(&jn);
}
END_TEST

Suite *suite_join(void);

Suite *
suite_join(void)
{
	Suite *s = suite_create("join");
	TCase *tc = tcase_create("engine");

	tcase_add_test(tc, test_keymap_grow);
	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_first_wins);
	tcase_add_test(tc, test_cap);
	suite_add_tcase(s, tc);
	return s;
}
