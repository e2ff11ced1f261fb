/*
 * Unit tests for the durable outbox (lib/outbox.c): what is put is there
 * after a reopen until it is done, a torn last line (a crash before its
 * fsync) is dropped and cut off, a dead letter is written once even when
 * a crash came between it and its done, closing compacts the journal,
 * and a second opener of a locked directory is refused.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "lib/outbox.h"

static char dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/mfm-outbox-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *
file(const char *name)
{
	static char path[128];
	static char buf[4096];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void
append(const char *name, const char *s)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "a"));
	fputs(s, f);
	fclose(f);
}

#define EV "{\"status\":\"firing\",\"fingerprint\":\"ab\"}"

START_TEST(test_put_reopen_done)
{
	struct mfm_outbox o;
	struct mfm_err err;
	size_t a, b;

	mfm_outbox_init(&o);
	ck_assert_int_eq(mfm_outbox_open(&o, dir, &err), 0);
	ck_assert_uint_eq(o.n, 0);
	ck_assert_int_eq(mfm_outbox_put(&o, "ops", EV, strlen(EV), 5, &a,
	    &err), 0);
	ck_assert_int_eq(mfm_outbox_put(&o, "pd", EV, strlen(EV), 6, &b,
	    &err), 0);
	ck_assert_int_eq(mfm_outbox_done(&o, a, &err), 0);
	/* No close: as after kill -9.  The lock goes with the process's
	 * descriptors; here we close them by hand. */
	close(o.fd);
	close(o.lockfd);
	o.fd = o.lockfd = -1;
	ck_assert_int_eq(mfm_outbox_close(&o, &err), 0);

	ck_assert_int_eq(mfm_outbox_open(&o, dir, &err), 0);
	ck_assert_uint_eq(o.n, 1);
	ck_assert_str_eq(o.e[0].receiver, "pd");
	ck_assert_uint_eq(o.e[0].id, 2);
	ck_assert_int_eq(o.e[0].queued, 6);
	ck_assert_str_eq(o.e[0].event, EV);
	ck_assert_int_eq(mfm_outbox_done(&o, 0, &err), 0);
	ck_assert_int_eq(mfm_outbox_close(&o, &err), 0);
	/* Compacted: only the next id is left. */
	ck_assert_str_eq(file("outbox.ndjson"), "{\"next\":3}\n");
	ck_assert_int_eq(mfm_outbox_open(&o, dir, &err), 0);
	ck_assert_uint_eq(o.next_id, 3);
	ck_assert_int_eq(mfm_outbox_close(&o, &err), 0);
}
END_TEST

START_TEST(test_torn_tail)
{
	struct mfm_outbox o;
	struct mfm_err err;
	size_t a;

	append("outbox.ndjson", "{\"put\":1,\"receiver\":\"ops\",\"queued\":1,"
	    "\"event\":" EV "}\n{\"put\":2,\"receiver\":\"ops\",\"que");
	mfm_outbox_init(&o);
	ck_assert_int_eq(mfm_outbox_open(&o, dir, &err), 0);
	ck_assert_uint_eq(o.n, 1);
	ck_assert_uint_eq(o.dropped, 1);
	/* The torn tail is cut off, so the next line starts clean. */
	ck_assert_int_eq(mfm_outbox_put(&o, "x", EV, strlen(EV), 2, &a,
	    &err), 0);
	ck_assert_uint_eq(o.e[a].id, 2);
	ck_assert_ptr_null(strstr(file("outbox.ndjson"), "\"que{"));
	ck_assert_int_eq(mfm_outbox_close(&o, &err), 0);
	ck_assert_int_eq(mfm_outbox_open(&o, dir, &err), 0);
	ck_assert_uint_eq(o.n, 2);
	ck_assert_uint_eq(o.dropped, 0);
	ck_assert_int_eq(mfm_outbox_close(&o, &err), 0);
}
END_TEST

START_TEST(test_dead_once)
{
	struct mfm_outbox o;
	struct mfm_err err;
	size_t a;
	char *d;

	mfm_outbox_init(&o);
	ck_assert_int_eq(mfm_outbox_open(&o, dir, &err), 0);
	ck_assert_int_eq(mfm_outbox_put(&o, "pd", EV, strlen(EV), 1, &a,
	    &err), 0);
	ck_assert_int_eq(mfm_outbox_close(&o, &err), 0);
	/* A crash after the dead letter, before its done. */
	append("dead.ndjson",
	    "{\"id\":1,\"receiver\":\"pd\",\"reason\":\"x\"}\n");
	ck_assert_int_eq(mfm_outbox_open(&o, dir, &err), 0);
	ck_assert_uint_eq(o.n, 1);
	ck_assert_int_eq(mfm_outbox_is_dead(&o, 0), 1);
	ck_assert_int_eq(mfm_outbox_dead(&o, 0, "HTTP 400", 9, &err), 0);
	ck_assert_int_eq(mfm_outbox_close(&o, &err), 0);
	d = file("dead.ndjson");
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_null(strchr(strchr(d, '\n') + 1, '\n'));
	ck_assert_str_eq(file("outbox.ndjson"), "{\"next\":2}\n");
}
END_TEST

START_TEST(test_dead_times)
{
	struct mfm_outbox o;
	struct mfm_err err;
	size_t a;

	mfm_outbox_init(&o);
	ck_assert_int_eq(mfm_outbox_open(&o, dir, &err), 0);
	/* 2026-11-26T12:00:00.123456Z, failed 4.5 s later. */
	ck_assert_int_eq(mfm_outbox_put(&o, "pd", EV, strlen(EV),
	    INT64_C(1795694400123456), &a, &err), 0);
	ck_assert_int_eq(mfm_outbox_dead(&o, a, "HTTP 400",
	    INT64_C(1795694404623456), &err), 0);
	ck_assert_int_eq(mfm_outbox_close(&o, &err), 0);
	ck_assert_str_eq(file("dead.ndjson"), "{\"id\":1,\"receiver\":\"pd\","
	    "\"queued\":\"2026-11-26T12:00:00.123Z\","
	    "\"failed\":\"2026-11-26T12:00:04.623Z\",\"reason\":\"HTTP 400\","
	    "\"event\":" EV "}\n");
}
END_TEST

START_TEST(test_put_event_places)
{
	static const char *const both[] = { "ops", "pd" };
	struct mfm_chain_file *in;
	struct mfm_outbox o;
	struct mfm_err err;
	uint64_t off;
	int fd;
	char path[160], path2[160];

	snprintf(path, sizeof(path), "%s/alerts.ndjson", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, EV "\n" EV "\n", 2 * sizeof(EV)), 2 *
	    sizeof(EV));
	mfm_outbox_init(&o);
	ck_assert_int_eq(mfm_outbox_open(&o, dir, &err), 0);
	ck_assert_int_eq(mfm_chain_start(&o.chain, path, fd, &off, &err), 0);
	ck_assert_uint_eq(off, 0);
	ck_assert_ptr_nonnull(in = mfm_outbox_place(&o, path));
	/* One line for both receivers, with the place past the event. */
	in->offset = sizeof(EV);
	ck_assert_int_eq(mfm_outbox_put_event(&o, both, 2, EV, strlen(EV), 5,
	    in, &err), 2);
	ck_assert_uint_eq(o.n, 2);
	ck_assert_ptr_nonnull(strstr(file("outbox.ndjson"),
	    "{\"put\":1,\"receivers\":[\"ops\",\"pd\"],\"queued\":5,"));
	ck_assert_ptr_nonnull(strstr(file("outbox.ndjson"), ",\"off\":39}}\n"));
	/* The same event again, pending for both: not queued twice. */
	ck_assert_int_eq(mfm_outbox_put_event(&o, both, 2, EV, strlen(EV), 6,
	    in, &err), 0);
	ck_assert_int_eq(mfm_outbox_done(&o, 0, &err), 0);
	ck_assert_int_eq(mfm_outbox_put_event(&o, both, 2, EV, strlen(EV), 6,
	    in, &err), 1);
	ck_assert_str_eq(o.e[2].receiver, "ops");
	/* As after kill -9: the journal as written. */
	close(o.fd);
	close(o.lockfd);
	o.fd = o.lockfd = -1;
	ck_assert_int_eq(mfm_outbox_close(&o, &err), 0);

	ck_assert_int_eq(mfm_outbox_open(&o, dir, &err), 0);
	ck_assert_uint_eq(o.n, 2);
	ck_assert_uint_eq(o.e[0].id, 2);
	ck_assert_str_eq(o.e[0].receiver, "pd");
	ck_assert_uint_eq(o.e[1].id, 3);
	ck_assert_str_eq(o.e[1].receiver, "ops");
	ck_assert_uint_eq(o.next_id, 4);
	ck_assert_uint_eq(o.chain.nwas, 1);
	ck_assert_int_eq(mfm_chain_start(&o.chain, path, fd, &off, &err), 0);
	ck_assert_uint_eq(off, 39);
	/* Reloaded pending entries still count as queued. */
	ck_assert_int_eq(mfm_outbox_put_event(&o, both + 1, 1, EV,
	    strlen(EV), 7, NULL, &err), 0);
	mfm_outbox_place(&o, path)->offset = 78;
	ck_assert_int_eq(mfm_outbox_close(&o, &err), 0);
	/* Compacted: the place kept on its own line. */
	ck_assert_ptr_nonnull(strstr(file("outbox.ndjson"), "{\"next\":4}\n"
	    "{\"in\":{\"path\":"));
	ck_assert_ptr_nonnull(strstr(file("outbox.ndjson"), ",\"off\":78}}\n"
	    "{\"put\":2,\"receiver\":\"pd\","));
	/* A run that reads no file keeps the places. */
	ck_assert_int_eq(mfm_outbox_open(&o, dir, &err), 0);
	ck_assert_int_eq(mfm_outbox_close(&o, &err), 0);
	ck_assert_ptr_nonnull(strstr(file("outbox.ndjson"), ",\"off\":78}}\n"));

	/* Shorter than its place: an error; replaced: from its start. */
	ck_assert_int_eq(mfm_outbox_open(&o, dir, &err), 0);
	ck_assert_int_eq(ftruncate(fd, 10), 0);
	ck_assert_int_eq(mfm_chain_start(&o.chain, path, fd, &off, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_DATA);
	close(fd);
	snprintf(path2, sizeof(path2), "%s/new", dir);
	fd = open(path2, O_RDWR | O_CREAT, 0600);
	ck_assert_int_eq(rename(path2, path), 0);
	ck_assert_int_eq(mfm_chain_start(&o.chain, path, fd, &off, &err), 0);
	ck_assert_uint_eq(off, 0);
	close(fd);
	ck_assert_int_eq(mfm_outbox_close(&o, &err), 0);
}
END_TEST

START_TEST(test_locked)
{
	struct mfm_outbox a, b;
	struct mfm_err err;

	mfm_outbox_init(&a);
	mfm_outbox_init(&b);
	ck_assert_int_eq(mfm_outbox_open(&a, dir, &err), 0);
	ck_assert_int_eq(mfm_outbox_open(&b, dir, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "in use by another mfm-alert"));
	ck_assert_int_eq(mfm_outbox_close(&b, &err), 0);
	ck_assert_int_eq(mfm_outbox_close(&a, &err), 0);
	ck_assert_int_eq(mfm_outbox_open(&b, dir, &err), 0);
	ck_assert_int_eq(mfm_outbox_close(&b, &err), 0);
}
END_TEST

START_TEST(test_corrupt)
{
	struct mfm_outbox o;
	struct mfm_err err;

	append("outbox.ndjson", "{\"put\":1}\n");
	mfm_outbox_init(&o);
	ck_assert_int_eq(mfm_outbox_open(&o, dir, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "outbox.ndjson:1: corrupt "
	    "journal line"));
	ck_assert_int_eq(mfm_outbox_close(&o, &err), 0);
}
END_TEST

START_TEST(test_seen)
{
	struct mfm_outbox o;
	struct mfm_err err;
	int64_t at;
	int firing;

	mfm_outbox_init(&o);
	/* In memory, without a directory. */
	ck_assert_int_eq(mfm_outbox_last(&o, "ops", "ab", 2, &at, &firing),
	    0);
	mfm_outbox_note(&o, "ops", "ab", 2, 7, 1);
	ck_assert_int_eq(mfm_outbox_close(&o, &err), 0);

	ck_assert_int_eq(mfm_outbox_open(&o, dir, &err), 0);
	mfm_outbox_note(&o, "ops", "ab", 2, 10, 1);
	mfm_outbox_note(&o, "ops", "ab", 2, 11, 0);
	/* The receiver and fingerprint are one key, not their bytes run
	 * together. */
	mfm_outbox_note(&o, "op", "sab", 3, 12, 1);
	ck_assert_int_eq(mfm_outbox_close(&o, &err), 0);
	ck_assert_int_eq(mfm_outbox_open(&o, dir, &err), 0);
	ck_assert_int_eq(mfm_outbox_last(&o, "ops", "ab", 2, &at, &firing),
	    1);
	ck_assert_int_eq(at, 11);
	ck_assert_int_eq(firing, 0);
	ck_assert_int_eq(mfm_outbox_last(&o, "op", "sab", 3, &at, &firing),
	    1);
	ck_assert_int_eq(at, 12);
	ck_assert_int_eq(mfm_outbox_last(&o, "ops", "x", 1, &at, &firing),
	    0);
	ck_assert_int_eq(mfm_outbox_close(&o, &err), 0);
}
END_TEST

Suite *suite_outbox(void);

Suite *
suite_outbox(void)
{
	Suite *s = suite_create("outbox");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_put_reopen_done);
	tcase_add_test(tc, test_torn_tail);
	tcase_add_test(tc, test_dead_once);
	tcase_add_test(tc, test_dead_times);
	tcase_add_test(tc, test_put_event_places);
	tcase_add_test(tc, test_locked);
	tcase_add_test(tc, test_corrupt);
	tcase_add_test(tc, test_seen);
	suite_add_tcase(s, tc);
	return s;
}
