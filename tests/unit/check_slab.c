/*
 * Unit tests for the slab allocator (lib/slab.c): strings of every size
 * keep their bytes while others come and go, a freed piece is reused by
 * the next string of its class, large strings go to malloc, and a stream
 * of strings that come and go in steady numbers takes no more blocks
 * after the first round.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/slab.h"

START_TEST(test_slab_bytes_kept)
{
	struct mfm_slab s;
	char *p[2 * MFM_SLAB_MAX + 2];
	size_t n, i;

	mfm_slab_init(&s);
	for (n = 0; n <= 2 * MFM_SLAB_MAX + 1; n++) {
		p[n] = mfm_slab_alloc(&s, n);
		ck_assert_ptr_nonnull(p[n]);
		ck_assert_uint_eq((uintptr_t)p[n] % 16, 0);
		memset(p[n], (int)(n & 0xff), n);
	}
	/* Free every other one; the rest keep their bytes. */
	for (n = 1; n <= 2 * MFM_SLAB_MAX + 1; n += 2)
		mfm_slab_free(&s, p[n], n);
	for (n = 0; n <= 2 * MFM_SLAB_MAX + 1; n += 2)
		for (i = 0; i < n; i++)
			ck_assert_int_eq((unsigned char)p[n][i], n & 0xff);
	/* The large ones are malloc's: the slab's release does not free. */
	for (n = 0; n <= 2 * MFM_SLAB_MAX + 1; n += 2)
		mfm_slab_free(&s, p[n], n);
	mfm_slab_release(&s);
}
END_TEST

START_TEST(test_slab_reuse)
{
	struct mfm_slab s;
	char *a, *b, *c;

	mfm_slab_init(&s);
	a = mfm_slab_dup(&s, "0123456789abcdefXYZ", 19);
	b = mfm_slab_alloc(&s, 30);
	ck_assert(memcmp(a, "0123456789abcdefXYZ", 19) == 0);
	mfm_slab_free(&s, a, 19);
	/* 17 to 32 bytes: the same class; the freed piece comes back. */
	c = mfm_slab_alloc(&s, 32);
	ck_assert_ptr_eq(c, a);
	/* Another class does not take it. */
	mfm_slab_free(&s, c, 32);
	ck_assert_ptr_ne(mfm_slab_alloc(&s, 16), c);
	ck_assert_ptr_eq(mfm_slab_alloc(&s, 17), c);
	mfm_slab_free(&s, b, 30);
	mfm_slab_free(&s, NULL, 5);
	mfm_slab_release(&s);
}
END_TEST

START_TEST(test_slab_large)
{
	struct mfm_slab s;
	char *p;
	size_t before;

	mfm_slab_init(&s);
	before = s.nbytes;
	p = mfm_slab_alloc(&s, MFM_SLAB_MAX + 1);
	ck_assert_uint_eq(s.nbytes, before + MFM_SLAB_MAX + 1);
	memset(p, 'x', MFM_SLAB_MAX + 1);
	mfm_slab_free(&s, p, MFM_SLAB_MAX + 1);
	ck_assert_uint_eq(s.nbytes, before);
	mfm_slab_release(&s);
}
END_TEST

/* A window of 1000 strings of varying sizes sliding over 100000. */
START_TEST(test_slab_steady)
{
	struct mfm_slab s;
	char *p[1000];
	size_t len[1000], i, k, after_first = 0;

	mfm_slab_init(&s);
	memset(p, 0, sizeof(p));
	for (i = 0; i < 100000; i++) {
		k = i % 1000;
		if (p[k] != NULL) {
			ck_assert_int_eq(p[k][0], (char)k);
			mfm_slab_free(&s, p[k], len[k]);
		}
		len[k] = 1 + (i * 7919) % 600;
		p[k] = mfm_slab_alloc(&s, len[k]);
		memset(p[k], (char)k, len[k]);
		if (i == 99999 - 50000)
			after_first = s.nbytes;
	}
	ck_assert_uint_eq(s.nbytes, after_first);
	ck_assert_uint_le(s.nbytes, 2 * 1000 * 600 + (64u << 10) * 64);
	mfm_slab_release(&s);
}
END_TEST

Suite *suite_slab(void);

Suite *
suite_slab(void)
{
	Suite *s = suite_create("slab");
	TCase *tc = tcase_create("slab");

	tcase_add_test(tc, test_slab_bytes_kept);
	tcase_add_test(tc, test_slab_reuse);
	tcase_add_test(tc, test_slab_large);
	tcase_add_test(tc, test_slab_steady);
	suite_add_tcase(s, tc);
	return s;
}
