/*
 * Unit tests for the byte-string hash map (lib/keymap.c): keys are bytes
 * (NUL, empty, long), put finds what it inserted, values survive the
 * table's doublings and the arena's moves, the key comes back from its
 * value pointer; checked against a plain list on many keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/keymap.h"

START_TEST(test_put_find)
{
	struct mfm_keymap m;
	size_t *v;
	int isnew;

	mfm_keymap_init(&m);
	ck_assert_ptr_null(mfm_keymap_find(&m, "a", 1));	/* no table */
	v = mfm_keymap_put(&m, "a", 1, &isnew);
	ck_assert_int_eq(isnew, 1);
	ck_assert_uint_eq(*v, 0);		/* a new key's value is 0 */
	*v = 11;
	v = mfm_keymap_put(&m, "a", 1, &isnew);
	ck_assert_int_eq(isnew, 0);
	ck_assert_uint_eq(*v, 11);
	ck_assert_ptr_eq(mfm_keymap_find(&m, "a", 1), v);
	ck_assert_ptr_null(mfm_keymap_find(&m, "b", 1));
	ck_assert_ptr_null(mfm_keymap_find(&m, "a", 0));	/* a prefix */
	ck_assert_ptr_null(mfm_keymap_find(&m, "aa", 2));
	ck_assert_uint_eq(m.count, 1);
	mfm_keymap_release(&m);
	ck_assert_uint_eq(m.count, 0);
	ck_assert_ptr_null(mfm_keymap_find(&m, "a", 1));
}
END_TEST

/* Keys are bytes: empty, with NULs, differing after a NUL, long. */
START_TEST(test_bytes)
{
	struct mfm_keymap m;
	char big[10000];
	const char *k;
	size_t *v, n;
	int isnew;

	mfm_keymap_init(&m);
	*mfm_keymap_put(&m, "", 0, &isnew) = 1;
	ck_assert_int_eq(isnew, 1);
	*mfm_keymap_put(&m, "x\0a", 3, &isnew) = 2;
	*mfm_keymap_put(&m, "x\0b", 3, &isnew) = 3;
	ck_assert_int_eq(isnew, 1);
	*mfm_keymap_put(&m, "x", 1, &isnew) = 4;
	memset(big, 'k', sizeof(big));
	*mfm_keymap_put(&m, big, sizeof(big), &isnew) = 5;
	ck_assert_uint_eq(*mfm_keymap_find(&m, "", 0), 1);
	ck_assert_uint_eq(*mfm_keymap_find(&m, "x\0a", 3), 2);
	ck_assert_uint_eq(*mfm_keymap_find(&m, "x\0b", 3), 3);
	ck_assert_uint_eq(*mfm_keymap_find(&m, "x", 1), 4);
	v = mfm_keymap_find(&m, big, sizeof(big));
	ck_assert_uint_eq(*v, 5);
	k = mfm_keymap_key(&m, v, &n);
	ck_assert_uint_eq(n, sizeof(big));
	ck_assert_int_eq(memcmp(k, big, n), 0);
	big[sizeof(big) - 1] = 'j';
	ck_assert_ptr_null(mfm_keymap_find(&m, big, sizeof(big)));
	k = mfm_keymap_key(&m, mfm_keymap_find(&m, "x\0b", 3), &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(memcmp(k, "x\0b", 3), 0);
	k = mfm_keymap_key(&m, mfm_keymap_find(&m, "", 0), &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(m.count, 5);
	mfm_keymap_release(&m);
}
END_TEST

/* Equal bytes hash equal; one byte's difference anywhere changes it. */
START_TEST(test_hash)
{
	char a[40], b[40];
	size_t n, i;

	for (n = 0; n <= sizeof(a); n++) {
		memset(a, 'q', sizeof(a));
		memcpy(b, a, sizeof(b));
		ck_assert_uint_eq(mfm_keymap_hash(a, n), mfm_keymap_hash(b, n));
		for (i = 0; i < n; i++) {
			b[i] ^= 1;
			ck_assert_uint_ne(mfm_keymap_hash(a, n),
			    mfm_keymap_hash(b, n));
			b[i] ^= 1;
		}
	}
	/* The length counts: "" and "\0" differ. */
	ck_assert_uint_ne(mfm_keymap_hash("\0", 0), mfm_keymap_hash("\0", 1));
}
END_TEST

/*
 * 100,000 keys through many doublings and arena moves: each found with
 * its value, each key given back by its value pointer, the absent ones
 * absent, and a put of an old key is not new.
 */
START_TEST(test_many)
{
	struct mfm_keymap m;
	char key[32];
	const char *k;
	size_t i, n, *v, nslot = 0, doublings = 0;
	int isnew, len;

	mfm_keymap_init(&m);
	for (i = 0; i < 100000; i++) {
		len = snprintf(key, sizeof(key), "p-%06zu", i * 7919 % 1000003);
		v = mfm_keymap_put(&m, key, (size_t)len, &isnew);
		ck_assert_int_eq(isnew, 1);
		*v = i;
		if (m.nslot != nslot) {
			doublings++;
			nslot = m.nslot;
		}
		ck_assert_uint_le(m.count * 2, m.nslot);	/* load <= 50 % */
	}
	ck_assert_uint_eq(m.count, 100000);
	ck_assert_uint_ge(doublings, 10);
	for (i = 0; i < 100000; i++) {
		len = snprintf(key, sizeof(key), "p-%06zu", i * 7919 % 1000003);
		v = mfm_keymap_find(&m, key, (size_t)len);
		ck_assert_ptr_nonnull(v);
		ck_assert_uint_eq(*v, i);
		k = mfm_keymap_key(&m, v, &n);
		ck_assert_uint_eq(n, (size_t)len);
		ck_assert_int_eq(memcmp(k, key, n), 0);
		ck_assert_ptr_eq(mfm_keymap_put(&m, key, (size_t)len, &isnew),
		    v);
		ck_assert_int_eq(isnew, 0);
		len = snprintf(key, sizeof(key), "q-%06zu", i);
		ck_assert_ptr_null(mfm_keymap_find(&m, key, (size_t)len));
	}
	ck_assert_uint_eq(m.count, 100000);
	mfm_keymap_release(&m);
}
END_TEST

/* Keys that share their hash slot: probing finds each one. */
START_TEST(test_collisions)
{
	struct mfm_keymap m;
	char key[16];
	size_t i, want = 40, found = 0, *v, mask;
	uint64_t target;
	int isnew, len;

	mfm_keymap_init(&m);
	*mfm_keymap_put(&m, "seed", 4, &isnew) = 1000;	/* 64 slots now */
	mask = m.nslot - 1;
	target = mfm_keymap_hash("seed", 4) & mask;
	for (i = 0; found < want / 2 && i < 1000000; i++) {
		len = snprintf(key, sizeof(key), "c%zu", i);
		if ((mfm_keymap_hash(key, (size_t)len) & mask) != target)
			continue;
		*mfm_keymap_put(&m, key, (size_t)len, &isnew) = i;
		ck_assert_int_eq(isnew, 1);
		found++;
	}
	ck_assert_uint_eq(found, want / 2);
	for (i = 0; i < 1000000 && found > 0; i++) {
		len = snprintf(key, sizeof(key), "c%zu", i);
		if ((mfm_keymap_hash(key, (size_t)len) & mask) != target)
			continue;
		v = mfm_keymap_find(&m, key, (size_t)len);
		ck_assert_ptr_nonnull(v);
		ck_assert_uint_eq(*v, i);
		found--;
	}
	ck_assert_uint_eq(*mfm_keymap_find(&m, "seed", 4), 1000);
	mfm_keymap_release(&m);
}
END_TEST

Suite *suite_keymap(void);

Suite *
suite_keymap(void)
{
	Suite *s = suite_create("keymap");
	TCase *tc = tcase_create("keymap");

	tcase_add_test(tc, test_put_find);
	tcase_add_test(tc, test_bytes);
	tcase_add_test(tc, test_hash);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_collisions);
	suite_add_tcase(s, tc);
	return s;
}
