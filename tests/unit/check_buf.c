/*
 * Unit tests for the growable buffer and checked allocation (lib/buf.c):
 * always NUL-terminated, bytes kept across growth, addf of any length,
 * clear keeps the memory, detach never NULL; out of memory and an
 * overflowing size abort with one message.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "lib/buf.h"

START_TEST(test_empty)
{
	struct mfm_buf b = MFM_BUF_INIT;
	char *s;

	ck_assert_ptr_null(b.p);
	mfm_buf_clear(&b);		/* no memory yet: nothing to do */
	ck_assert_ptr_null(b.p);
	s = mfm_buf_detach(&b);		/* never NULL */
	ck_assert_str_eq(s, "");
	free(s);
	mfm_buf_add(&b, "", 0);		/* an empty add makes a string */
	ck_assert_ptr_nonnull(b.p);
	ck_assert_str_eq(b.p, "");
	ck_assert_uint_eq(b.len, 0);
	mfm_buf_release(&b);
	ck_assert_ptr_null(b.p);
	ck_assert_uint_eq(b.cap, 0);
	mfm_buf_release(&b);		/* twice is fine */
}
END_TEST

START_TEST(test_adds)
{
	struct mfm_buf b;

	mfm_buf_init(&b);
	mfm_buf_adds(&b, "ab");
	mfm_buf_addc(&b, 'c');
	mfm_buf_add(&b, "d\0e", 3);	/* bytes, NUL included */
	ck_assert_uint_eq(b.len, 6);
	ck_assert_int_eq(memcmp(b.p, "abcd\0e", 7), 0);	/* and the NUL */
	mfm_buf_clear(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.p, "");
	ck_assert_uint_ge(b.cap, 64);	/* memory kept */
	mfm_buf_addc_fast(&b, 'x');
	ck_assert_str_eq(b.p, "x");
	mfm_buf_release(&b);
}
END_TEST

/* Every byte survives the doublings; the NUL always follows. */
START_TEST(test_growth)
{
	struct mfm_buf b = MFM_BUF_INIT;
	size_t i, cap = 0, grew = 0;

	for (i = 0; i < 100000; i++) {
		mfm_buf_addc(&b, (char)('a' + i % 26));
		ck_assert_uint_lt(b.len, b.cap);
		ck_assert_int_eq(b.p[b.len], '\0');
		if (b.cap != cap) {
			grew++;
			cap = b.cap;
		}
	}
	for (i = 0; i < 100000; i++)
		ck_assert_int_eq(b.p[i], 'a' + i % 26);
	ck_assert_uint_le(grew, 12);	/* doubling, from 64 */
	mfm_buf_release(&b);
}
END_TEST

/* grow, then put: the appends mfm_buf_grow made room for. */
START_TEST(test_grow_put)
{
	struct mfm_buf b = MFM_BUF_INIT;
	size_t cap;

	mfm_buf_adds(&b, "head:");
	mfm_buf_grow(&b, 1000);
	cap = b.cap;
	ck_assert_uint_ge(cap, b.len + 1000 + 1);
	mfm_buf_put(&b, "0123456789", 10);
	mfm_buf_put(&b, "abc", 3);
	b.p[b.len] = '\0';	/* put writes no NUL */
	ck_assert_str_eq(b.p, "head:0123456789abc");
	ck_assert_uint_eq(b.cap, cap);	/* no realloc */
	mfm_buf_grow(&b, 0);
	ck_assert_uint_eq(b.cap, cap);
	mfm_buf_release(&b);
}
END_TEST

/* addf: short, exactly at the room left, and longer than 64 bytes. */
START_TEST(test_addf)
{
	struct mfm_buf b = MFM_BUF_INIT;
	char big[5000];
	size_t room;

	mfm_buf_addf(&b, "%d-%s", 42, "x");
	ck_assert_str_eq(b.p, "42-x");
	room = b.cap - b.len - 1;
	memset(big, 'y', room);
	big[room] = '\0';
	mfm_buf_addf(&b, "%s", big);	/* fills to the last byte */
	ck_assert_uint_eq(b.len, 4 + room);
	ck_assert_int_eq(b.p[b.len], '\0');
	ck_assert_int_eq(b.p[b.len - 1], 'y');
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	mfm_buf_addf(&b, "<%s>", big);	/* past the room: formatted again */
	ck_assert_uint_eq(b.len, 4 + room + sizeof(big) - 1 + 2);
	ck_assert_int_eq(b.p[4 + room], '<');
	ck_assert_int_eq(b.p[b.len - 1], '>');
	ck_assert_int_eq(b.p[b.len - 2], 'z');
	ck_assert_uint_eq(strlen(b.p), b.len);
	mfm_buf_release(&b);
}
END_TEST

START_TEST(test_detach)
{
	struct mfm_buf b = MFM_BUF_INIT;
	char *s;

	mfm_buf_adds(&b, "kept");
	s = mfm_buf_detach(&b);
	ck_assert_str_eq(s, "kept");
	ck_assert_ptr_null(b.p);	/* the buffer is left empty */
	ck_assert_uint_eq(b.len, 0);
	mfm_buf_adds(&b, "new");	/* and usable */
	ck_assert_str_eq(b.p, "new");
	ck_assert_str_eq(s, "kept");
	free(s);
	mfm_buf_release(&b);
}
END_TEST

START_TEST(test_dup)
{
	char *s = mfm_xmemdup("a\0bc", 4), *t = mfm_xstrdup("xyz");
	void *z = mfm_xmalloc(0), *c = mfm_xcalloc(0, 8);
	int *a;

	ck_assert_int_eq(memcmp(s, "a\0bc\0", 5), 0);
	ck_assert_str_eq(t, "xyz");
	ck_assert_ptr_nonnull(z);	/* never NULL, even for 0 bytes */
	ck_assert_ptr_nonnull(c);
	a = mfm_xcalloc(4, sizeof(*a));
	ck_assert_int_eq(a[0] | a[1] | a[2] | a[3], 0);
	a = mfm_xreallocarray(a, 1000, sizeof(*a));
	a[999] = 7;
	ck_assert_int_eq(a[999], 7);
	free(a);
	free(s);
	free(t);
	free(z);
	free(c);
}
END_TEST

/* The abort's message is expected: keep it out of the test log. */
static void
quiet(void)
{
	int fd = open("/dev/null", O_WRONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, 2), 2);
	close(fd);
}

/* A count times a size that overflows is out of memory, not a small block. */
START_TEST(test_reallocarray_overflow)
{
	quiet();
	(void)mfm_xreallocarray(NULL, SIZE_MAX / 2 + 1, 2);
}
END_TEST

/* A buffer cannot grow past SIZE_MAX: abort, never wrap around. */
START_TEST(test_grow_overflow)
{
	struct mfm_buf b = MFM_BUF_INIT;

	mfm_buf_adds(&b, "abc");
	quiet();
	mfm_buf_grow(&b, SIZE_MAX - 3);
}
END_TEST

/* malloc's NULL (ASan reports such a size itself, and exits). */
START_TEST(test_malloc_fails)
{
	quiet();
	(void)mfm_xmalloc(SIZE_MAX - 4096);
}
END_TEST

Suite *suite_buf(void);

Suite *
suite_buf(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("buf");

	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_adds);
	tcase_add_test(tc, test_growth);
	tcase_add_test(tc, test_grow_put);
	tcase_add_test(tc, test_addf);
	tcase_add_test(tc, test_detach);
	tcase_add_test(tc, test_dup);
	tcase_add_test_raise_signal(tc, test_reallocarray_overflow, SIGABRT);
	tcase_add_test_raise_signal(tc, test_grow_overflow, SIGABRT);
#ifndef __SANITIZE_ADDRESS__
	tcase_add_test_raise_signal(tc, test_malloc_fails, SIGABRT);
#endif
	suite_add_tcase(s, tc);
	return s;
}
