/*
 * Unit tests for receiver secrets (lib/secret.c): a key read from the
 * environment or from a file's first line, trimmed, capped, refused when
 * empty; the variables noted so that a command does not inherit them; a
 * URL read from a file of any length up to its cap; a path put after a
 * URL; messages scrubbed of every secret and URL part; and sources,
 * read when the run starts or, for a check, only looked for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "lib/deliver.h"

#define SECRET "s3cr3t-T0KEN"

static char path[64];

static void
setup(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/mfm-secret-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void
teardown(void)
{
	unlink(path);
}

static void
write_file(const char *s, size_t n)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(s, 1, n, f), n);
	fclose(f);
}

static struct mfm_deliver_recv *
receiver(struct mfm_deliver *d)
{
	struct mfm_err err;

	mfm_deliver_init(d);
	return mfm_deliver_add(d, MFM_DELIVER_PAGERDUTY, "pd", &err);
}

START_TEST(test_secret_env)
{
	struct mfm_deliver d;
	struct mfm_deliver_recv *r = receiver(&d);
	struct mfm_err err;
	char *key = NULL, *big;

	setenv("MFM_TEST_KEY", SECRET " \t\r", 1);
	ck_assert_int_eq(mfm_deliver_secret(r, "MFM_TEST_KEY", NULL, &key,
	    &err), 0);
	ck_assert_str_eq(key, SECRET);
	/* Noted: scrubbed from messages, kept from commands. */
	ck_assert_uint_eq(r->nsecrets, 1);
	ck_assert_str_eq(r->secrets[0], SECRET);
	ck_assert_uint_eq(r->nsecret_env, 1);
	ck_assert_str_eq(r->secret_env[0], "MFM_TEST_KEY");

	unsetenv("MFM_TEST_UNSET");
	ck_assert_int_eq(mfm_deliver_secret(r, "MFM_TEST_UNSET", NULL, &key,
	    &err), -1);
	ck_assert_str_eq(err.msg,
	    "environment variable MFM_TEST_UNSET is not set");
	ck_assert_int_eq(mfm_deliver_secret(r, "", NULL, &key, &err), -1);
	ck_assert_str_eq(err.msg, "empty environment variable name");
	setenv("MFM_TEST_KEY", " \t\r", 1);
	ck_assert_int_eq(mfm_deliver_secret(r, "MFM_TEST_KEY", NULL, &key,
	    &err), -1);
	ck_assert_str_eq(err.msg, "MFM_TEST_KEY: empty secret");
	/* The cap, and one byte past it. */
	big = malloc(MFM_DELIVER_MAX_SECRET + 2);
	memset(big, 'k', MFM_DELIVER_MAX_SECRET + 1);
	big[MFM_DELIVER_MAX_SECRET] = '\0';
	setenv("MFM_TEST_KEY", big, 1);
	ck_assert_int_eq(mfm_deliver_secret(r, "MFM_TEST_KEY", NULL, &key,
	    &err), 0);
	ck_assert_uint_eq(strlen(key), MFM_DELIVER_MAX_SECRET);
	big[MFM_DELIVER_MAX_SECRET] = 'k';
	big[MFM_DELIVER_MAX_SECRET + 1] = '\0';
	setenv("MFM_TEST_KEY", big, 1);
	ck_assert_int_eq(mfm_deliver_secret(r, "MFM_TEST_KEY", NULL, &key,
	    &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	ck_assert_str_eq(err.msg, "environment variable MFM_TEST_KEY: "
	    "longer than 4096 bytes");
	free(big);
	mfm_deliver_wipe_free(key);
	mfm_deliver_release(&d);
}
END_TEST

START_TEST(test_secret_file)
{
	struct mfm_deliver d;
	struct mfm_deliver_recv *r = receiver(&d);
	struct mfm_err err;
	char *key = NULL, *big, want[128];

	/* The first line, without its end and trailing blanks. */
	write_file(SECRET "\r\nsecond line\n", strlen(SECRET) + 14);
	ck_assert_int_eq(mfm_deliver_secret(r, NULL, path, &key, &err), 0);
	ck_assert_str_eq(key, SECRET);
	ck_assert_uint_eq(r->nsecret_env, 0);
	write_file(SECRET, strlen(SECRET));
	ck_assert_int_eq(mfm_deliver_secret(r, NULL, path, &key, &err), 0);
	ck_assert_str_eq(key, SECRET);
	write_file("\n" SECRET, strlen(SECRET) + 1);
	ck_assert_int_eq(mfm_deliver_secret(r, NULL, path, &key, &err), -1);
	snprintf(want, sizeof(want), "%s: empty secret", path);
	ck_assert_str_eq(err.msg, want);
	/* A first line at the cap, a file longer than it without a newline. */
	big = malloc(MFM_DELIVER_MAX_SECRET + 2);
	memset(big, 'k', MFM_DELIVER_MAX_SECRET + 2);
	big[MFM_DELIVER_MAX_SECRET] = '\n';
	write_file(big, MFM_DELIVER_MAX_SECRET + 2);
	ck_assert_int_eq(mfm_deliver_secret(r, NULL, path, &key, &err), 0);
	ck_assert_uint_eq(strlen(key), MFM_DELIVER_MAX_SECRET);
	big[MFM_DELIVER_MAX_SECRET] = 'k';
	write_file(big, MFM_DELIVER_MAX_SECRET + 1);
	ck_assert_int_eq(mfm_deliver_secret(r, NULL, path, &key, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	snprintf(want, sizeof(want), "%s: longer than 4096 bytes", path);
	ck_assert_str_eq(err.msg, want);
	free(big);
	unlink(path);
	ck_assert_int_eq(mfm_deliver_secret(r, NULL, path, &key, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_SYS);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	ck_assert_str_eq(err.msg, want);
	mfm_deliver_wipe_free(key);
	mfm_deliver_release(&d);
}
END_TEST

START_TEST(test_url_file_cap)
{
	struct mfm_deliver d;
	struct mfm_deliver_recv *r = receiver(&d);
	struct mfm_err err;
	size_t pre = strlen("https://h.example/");
	char *url = malloc(MFM_DELIVER_MAX_URL + 2), want[128];

	/* A URL of the cap's length, then one byte more (no newline). */
	memcpy(url, "https://h.example/", pre);
	memset(url + pre, 'a', MFM_DELIVER_MAX_URL + 1 - pre);
	write_file(url, MFM_DELIVER_MAX_URL);
	ck_assert_int_eq(mfm_deliver_url_file(r, path, &err), 0);
	ck_assert_uint_eq(strlen(r->url), MFM_DELIVER_MAX_URL);
	write_file(url, MFM_DELIVER_MAX_URL + 1);
	ck_assert_int_eq(mfm_deliver_url_file(r, path, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	snprintf(want, sizeof(want), "%s: URL longer than 8192 bytes", path);
	ck_assert_str_eq(err.msg, want);
	free(url);
	mfm_deliver_release(&d);
}
END_TEST

START_TEST(test_url_append)
{
	struct mfm_deliver d;
	struct mfm_deliver_recv *r = receiver(&d);
	struct mfm_err err;
	const char *u = "https://am.example:9093/" SECRET "//";

	ck_assert_int_eq(mfm_deliver_url_append(r, "/api/v2/alerts", &err),
	    -1);
	ck_assert_str_eq(err.msg, "pagerduty pd: no URL");
	ck_assert_int_eq(mfm_deliver_url_set(r, u, strlen(u), "t", &err), 0);
	ck_assert_int_eq(mfm_deliver_url_append(r, "/api/v2/alerts", &err),
	    0);
	ck_assert_str_eq(r->url, "https://am.example:9093/" SECRET
	    "/api/v2/alerts");
	ck_assert_str_eq(r->shown, "https://am.example:9093/\xe2\x80\xa6");
	ck_assert_str_eq(r->host, "am.example:9093");
	mfm_deliver_release(&d);
}
END_TEST

START_TEST(test_scrub)
{
	struct mfm_deliver d;
	struct mfm_deliver_recv *r = receiver(&d);
	struct mfm_err err;
	const char *u = "https://bob:pw%21x@h.example/hook/" SECRET "?t=1";
	char *key = NULL;
	char msg[256];

	ck_assert_int_eq(mfm_deliver_url_set(r, u, strlen(u), "t", &err), 0);
	setenv("MFM_TEST_KEY", "R0UT1NG", 1);
	ck_assert_int_eq(mfm_deliver_secret(r, "MFM_TEST_KEY", NULL, &key,
	    &err), 0);
	/* The URL, its parts, decoded too, and the other secrets. */
	snprintf(msg, sizeof(msg), "Failed %s; path /hook/" SECRET "; "
	    "user bob pass pw!x; key R0UT1NG R0UT1NG; host h.example", u);
	mfm_deliver_scrub(r, msg, sizeof(msg));
	ck_assert_str_eq(msg, "Failed \xe2\x80\xa6; path \xe2\x80\xa6; "
	    "user \xe2\x80\xa6 pass \xe2\x80\xa6; key \xe2\x80\xa6 "
	    "\xe2\x80\xa6; host h.example");
	/* Short parts ("/", one byte) hide nothing and are left. */
	u = "https://h.example/";
	ck_assert_int_eq(mfm_deliver_url_set(r, u, strlen(u), "t", &err), 0);
	snprintf(msg, sizeof(msg), "a/b");
	mfm_deliver_scrub(r, msg, sizeof(msg));
	ck_assert_str_eq(msg, "a/b");
	mfm_deliver_wipe_free(key);
	mfm_deliver_release(&d);
}
END_TEST

/*
 * Sources: read when the run starts, each secret into its place, the
 * Alertmanager API's path after its URL; with d.check none is read, and
 * only a variable not set or a file not readable is an error; errors at
 * the source's place in the file, or after its option.
 */
START_TEST(test_sources)
{
	struct mfm_deliver d;
	struct mfm_deliver_recv *r = receiver(&d), *w, *am;
	struct mfm_err err;

	mfm_err_clear(&err);
	write_file(SECRET "\n", strlen(SECRET) + 1);
	setenv("MFM_TEST_HOOK", "https://h.example/" SECRET, 1);
	unsetenv("MFM_TEST_UNSET");
	ck_assert_int_eq(mfm_deliver_source_add(r,
	    MFM_DELIVER_SECRET_ROUTING_KEY, 1, path, 4, 21, NULL, &err), 0);
	w = mfm_deliver_add(&d, MFM_DELIVER_WEBHOOK, "w", &err);
	ck_assert_int_eq(mfm_deliver_source_add(w, MFM_DELIVER_SECRET_URL, 0,
	    "MFM_TEST_HOOK", 0, 0, "--webhook-env", &err), 0);
	ck_assert_int_eq(mfm_deliver_source_add(w, MFM_DELIVER_SECRET_HMAC, 0,
	    "MFM_TEST_HOOK", 7, 24, NULL, &err), 0);
	am = mfm_deliver_add(&d, MFM_DELIVER_ALERTMANAGER, "am", &err);
	ck_assert_int_eq(mfm_deliver_source_add(am, MFM_DELIVER_SECRET_URL, 0,
	    "MFM_TEST_HOOK", 9, 16, NULL, &err), 0);
	/* The list may have moved. */
	r = &d.recv[0];
	w = &d.recv[1];

	/* A check reads nothing. */
	d.check = 1;
	ck_assert_int_eq(mfm_deliver_read_secrets(&d, &err), 0);
	ck_assert_ptr_null(r->routing_key);
	ck_assert_ptr_null(w->url);
	ck_assert_ptr_null(w->hmac);
	ck_assert_uint_eq(w->nsecrets, 0);
	ck_assert_uint_eq(w->nsecret_env, 0);

	/* The run reads each into its place. */
	d.check = 0;
	ck_assert_int_eq(mfm_deliver_read_secrets(&d, &err), 0);
	ck_assert_str_eq(r->routing_key, SECRET);
	ck_assert_str_eq(w->url, "https://h.example/" SECRET);
	ck_assert_str_eq(w->hmac, "https://h.example/" SECRET);
	ck_assert_str_eq(am->url, "https://h.example/" SECRET
	    "/api/v2/alerts");
	mfm_deliver_release(&d);

	/* Errors: at the place in the file, or after the option. */
	r = receiver(&d);
	d.check = 1;
	ck_assert_int_eq(mfm_deliver_source_add(r,
	    MFM_DELIVER_SECRET_ROUTING_KEY, 0, "MFM_TEST_UNSET", 4, 26, NULL,
	    &err), 0);
	mfm_err_clear(&err);
	ck_assert_int_eq(mfm_deliver_read_secrets(&d, &err), -1);
	ck_assert_str_eq(err.msg, "environment variable MFM_TEST_UNSET is "
	    "not set");
	ck_assert_uint_eq(err.line, 4);
	ck_assert_uint_eq(err.col, 26);
	mfm_deliver_release(&d);
	r = receiver(&d);
	d.check = 1;
	unlink(path);
	ck_assert_int_eq(mfm_deliver_source_add(r, MFM_DELIVER_SECRET_URL, 1,
	    path, 0, 0, "--webhook-file", &err), 0);
	mfm_err_clear(&err);
	ck_assert_int_eq(mfm_deliver_read_secrets(&d, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_SYS);
	ck_assert_uint_eq(err.line, 0);
	ck_assert(strncmp(err.msg, "--webhook-file: /tmp/mfm-secret-", 32) ==
	    0);
	ck_assert(strstr(err.msg, ": No such file or directory") != NULL);
	mfm_deliver_release(&d);
}
END_TEST

/* A receiver has at most MFM_DELIVER_MAX_SOURCES secrets. */
START_TEST(test_sources_cap)
{
	struct mfm_deliver d;
	struct mfm_deliver_recv *r = receiver(&d);
	struct mfm_err err;
	int i;

	for (i = 0; i < MFM_DELIVER_MAX_SOURCES; i++)
		ck_assert_int_eq(mfm_deliver_source_add(r,
		    MFM_DELIVER_SECRET_HMAC, 0, "V", 1, 1, NULL, &err), 0);
	ck_assert_int_eq(mfm_deliver_source_add(r, MFM_DELIVER_SECRET_HMAC,
	    0, "V", 1, 1, NULL, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	mfm_deliver_release(&d);
}
END_TEST

Suite *suite_secret(void);

Suite *
suite_secret(void)
{
	Suite *s = suite_create("secret");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_secret_env);
	tcase_add_test(tc, test_secret_file);
	tcase_add_test(tc, test_url_file_cap);
	tcase_add_test(tc, test_url_append);
	tcase_add_test(tc, test_scrub);
	tcase_add_test(tc, test_sources);
	tcase_add_test(tc, test_sources_cap);
	suite_add_tcase(s, tc);
	return s;
}
