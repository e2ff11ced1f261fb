/*
 * Unit tests for the command-line layer (lib/cli.c), the parts that do
 * not end the process on the way: the common options of a tool's
 * table, the record loop (blank, bad and non-object lines
 * reported at file:line[:col], counted, kept whole in --rejects), the
 * flood of one mistake cut to MFM_CLI_SHOWN lines and one count, files of
 * records created 0600, records written and the exit status of
 * mfm_cli_finish.  Each test runs in a process of its own (CK_FORK), so the
 * module's state starts fresh; standard output and error go to files.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "lib/cli.h"
#include "lib/tm.h"

static char dir[256];

/* A scratch directory and the tool's state, as main() would set it up. */
static void
setup(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/mfm-cli.XXXXXX", t ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	mfm_cli_init("mfm-test");
}

static void
teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
}

/* dir/name, in a static buffer of four. */
static const char *
at(const char *name)
{
	static char p[4][300];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

static void
write_file(const char *name, const char *text)
{
	FILE *f = fopen(at(name), "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* The whole of dir/name, or "" when there is no such file. */
static char *
read_file(const char *name)
{
	static char buf[8192];
	FILE *f = fopen(at(name), "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f == NULL)
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Send file descriptor fd to dir/name from now on. */
static void
redirect(int fd, const char *name)
{
	int f = open(at(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_int_ge(f, 0);
	ck_assert_int_eq(dup2(f, fd), fd);
	close(f);
}


/*
 * The common options of a tool's table land in the tool's state; the
 * tool's own options in its fields; the operands are left.
 */
static const char *key;
static const struct mfm_opt own[] = {
	{ MFM_OPT_STRING, "key", 'k', "PATH", "key", "the key",
	  MFM_OPT_AT(key) },
	{ MFM_OPT_END }
};
static const struct mfm_cli_tool test_tool = {
	"mfm-test", "test", "[FILE ...]", "A tool of the tests.\n", own
};

START_TEST(test_parse)
{
	char *argv[] = { "mfm-test", "-u", "-v", "-o", "out.ndjson",
	    "--rejects", "r", "--max-line", "1k", "--no-progress", "-k", "id",
	    "in.ndjson", NULL };
	int argc = 13, n;

	n = mfm_cli_parse(&test_tool, argc, argv);
	ck_assert_int_eq(argc - n, 1);
	ck_assert_str_eq(argv[n], "in.ndjson");
	ck_assert_int_eq(mfm_cli.unbuffered, 1);
	ck_assert_int_eq(mfm_cli.verbose, 1);
	ck_assert_str_eq(mfm_cli.output_path, "out.ndjson");
	ck_assert_str_eq(mfm_cli.rejects_path, "r");
	ck_assert_uint_eq(mfm_cli.max_line, 1024);
	ck_assert_int_eq(mfm_cli.progress_mode, MFM_PROGRESS_OFF);
	ck_assert_str_eq(key, "id");
}
END_TEST

/*
 * The record loop: good records come back; blank lines are skipped and
 * counted; bad JSON (with its column), a line that is not an object
 * and a line past --max-line are reported at file:line, counted and
 * kept whole in --rejects, created 0600; reading goes on.
 */
START_TEST(test_next)
{
	struct mfm_reader r;
	struct mfm_json j;
	int rec = 0;
	struct stat st;
	char *err;

	write_file("in", "{\"a\":1}\n"
	    "\n"
	    "   \n"
	    "{\"a\":\n"
	    "[1,2]\n"
	    "{\"b\":\"this line is longer than the cap of sixty-four bytes "
	    "set here\"}\n"
	    "{\"a\":2}\n");
	mfm_cli.max_line = 64;
	mfm_cli.rejects_path = at("rejects");
	umask(022);
	redirect(2, "err");
	mfm_json_init(&j);
	mfm_cli_open(&r, at("in"));
	while (mfm_cli_next(&r, &j)) {
		rec++;
		ck_assert_int_eq(j.tok[0].type, MFM_JSON_OBJECT);
	}
	ck_assert_int_eq(mfm_reader_close(&r, NULL), 0);
	mfm_json_release(&j);
	ck_assert_int_eq(rec, 2);
	ck_assert_uint_eq(mfm_cli.nread, 5);	/* non-blank lines */
	ck_assert_uint_eq(mfm_cli.nblank, 2);
	ck_assert_uint_eq(mfm_cli.nbad, 3);
	ck_assert_int_eq(mfm_cli_finish(0), 2);	/* bad records: trouble */
	err = read_file("err");
	ck_assert_msg(strstr(err, "mfm-test: ") == err, "%s", err);
	ck_assert_msg(strstr(err, "/in:4:6: ") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "/in:5: record is not a JSON object\n") !=
	    NULL, "%s", err);
	ck_assert_msg(strstr(err, "/in:6: ") != NULL, "%s", err);
	ck_assert_str_eq(read_file("rejects"), "{\"a\":\n[1,2]\n"
	    "{\"b\":\"this line is longer than the cap of sixty-four bytes "
	    "set here\"}\n");
	ck_assert_int_eq(stat(at("rejects"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
}
END_TEST

/* mfm_cli_step: one line at a time, 1 a record, 0 none, -1 the end. */
START_TEST(test_step)
{
	struct mfm_reader r;
	struct mfm_json j;

	write_file("in", "{\"a\":1}\n\nnope\n{\"a\":2}\n");
	redirect(2, "err");
	mfm_json_init(&j);
	mfm_cli_open(&r, at("in"));
	ck_assert_int_eq(mfm_cli_step(&r, &j), 1);
	ck_assert_int_eq(mfm_cli_step(&r, &j), 0);	/* blank */
	ck_assert_int_eq(mfm_cli_step(&r, &j), 0);	/* bad */
	ck_assert_int_eq(mfm_cli_step(&r, &j), 1);
	ck_assert_int_eq(mfm_cli_step(&r, &j), -1);
	mfm_reader_close(&r, NULL);
	mfm_json_release(&j);
	ck_assert_uint_eq(mfm_cli.nread, 3);
	ck_assert_uint_eq(mfm_cli.nblank, 1);
	ck_assert_uint_eq(mfm_cli.nbad, 1);
}
END_TEST

/*
 * A flood of one mistake: its first MFM_CLI_SHOWN lines, then one count
 * at the end; the kind is the text up to a ": " that a value follows, so
 * messages that differ in their value are one kind.
 */
START_TEST(test_bad_flood)
{
	struct mfm_reader r;
	struct mfm_json j;
	char *err, *p;
	int shown = 0;

	write_file("in", "{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n");
	redirect(2, "err");
	mfm_json_init(&j);
	mfm_cli_open(&r, at("in"));
	while (mfm_cli_next(&r, &j)) {
		mfm_cli_bad(&r, "field 't' is not a time: invalid time '%zu'",
		    r.lineno);
		if (r.lineno % 5 == 0)
			mfm_cli_bad(&r, "field 'score' missing");
	}
	mfm_reader_close(&r, NULL);
	mfm_json_release(&j);
	ck_assert_uint_eq(mfm_cli.nbad, 12);
	ck_assert_int_eq(mfm_cli_finish(0), 2);
	err = read_file("err");
	for (p = err; (p = strstr(p, "is not a time")) != NULL; p++)
		shown++;
	ck_assert_int_eq(shown, MFM_CLI_SHOWN + 1);	/* and the count */
	ck_assert_msg(strstr(err, "/in:5: field 't' is not a time: invalid "
	    "time '5'\n") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "invalid time '6'") == NULL, "%s", err);
	ck_assert_msg(strstr(err, "/in:10: field 'score' missing\n") != NULL,
	    "%s", err);
	ck_assert_msg(strstr(err, "mfm-test: 5 more: field 't' is not a "
	    "time\n") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "more: field 'score'") == NULL, "%s", err);
}
END_TEST

/* Records out in order, each a line; no bad record: the tool's status. */
START_TEST(test_emit)
{
	struct mfm_buf *b;

	redirect(1, "out");
	mfm_buf_adds(&mfm_cli.out, "{\"a\":1}");
	mfm_cli_emit();
	b = mfm_cli_begin();
	mfm_buf_adds(b, "{\"b\":2}");
	mfm_cli_end();
	mfm_cli_emit();			/* an empty record is an empty line */
	ck_assert_uint_eq(mfm_cli.nout, 3);
	ck_assert_int_eq(mfm_cli_finish(1), 1);
	ck_assert_str_eq(read_file("out"), "{\"a\":1}\n{\"b\":2}\n\n");
}
END_TEST

/* A full disk is a write error: status 2 and a message. */
START_TEST(test_write_error)
{
	int fd = open("/dev/full", O_WRONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, 1), 1);
	close(fd);
	redirect(2, "err");
	mfm_buf_adds(&mfm_cli.out, "{\"a\":1}");
	mfm_cli_emit();
	ck_assert_int_eq(mfm_cli_finish(0), 2);
	ck_assert_str_eq(read_file("err"), "mfm-test: write error: No space "
	    "left on device\n");
}
END_TEST

/* Files of records are created 0600 whatever the umask; an old file keeps
 * its mode. */
START_TEST(test_create)
{
	struct stat st;
	FILE *f;

	umask(0);
	f = mfm_cli_create(at("new"), "w");
	ck_assert_ptr_nonnull(f);
	fputs("x\n", f);
	fclose(f);
	ck_assert_int_eq(stat(at("new"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	write_file("old", "a\n");
	ck_assert_int_eq(chmod(at("old"), 0644), 0);
	f = mfm_cli_create(at("old"), "a");
	fputs("b\n", f);
	fclose(f);
	ck_assert_int_eq(stat(at("old"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0644);
	ck_assert_str_eq(read_file("old"), "a\nb\n");
	f = mfm_cli_create(at("old"), "w");	/* truncates */
	fclose(f);
	ck_assert_str_eq(read_file("old"), "");
	ck_assert_ptr_null(mfm_cli_create(at("no/such/dir"), "w"));
}
END_TEST

Suite *suite_cli(void);

Suite *
suite_cli(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("cli");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_next);
	tcase_add_test(tc, test_step);
	tcase_add_test(tc, test_bad_flood);
	tcase_add_test(tc, test_emit);
	tcase_add_test(tc, test_write_error);
	tcase_add_test(tc, test_create);
	suite_add_tcase(s, tc);
	return s;
}
