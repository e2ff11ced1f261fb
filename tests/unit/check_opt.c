/*
 * Unit tests for lib/opt: each kind's validator and its message, values
 * from the configuration (positions, lists, mappings, nested keys, null,
 * refused keys, old spellings and their notes, a key given under both
 * names), the command line replacing the configuration, defaults from
 * .dflt and from the field, and --help, the synopsis and --list-options
 * made from a table.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/buf.h"
#include "lib/cfg.h"
#include "lib/opt.h"

static const struct mfm_opt_name units[] = {
	{ "s", 1 }, { "ms", 2 }, { "us", 3 }, { NULL, 0 }
};

static struct {
	int flag, unit;
	const char *name, *file;
	struct mfm_opt_strs files;
	struct mfm_json_path path;
	struct mfm_opt_paths paths;
	int64_t dur;
	struct mfm_opt_durations durs;
	size_t size, count;
	unsigned small;
	double num;
	struct mfm_opt_range range;
	struct mfm_opt_pairs pairs;
	int custom;
} v = { .count = 7 };

static int
parse_even(const char *arg, void *dst, struct mfm_err *err)
{
	int n = atoi(arg);

	if (n % 2 != 0)
		return mfm_err_set(err, MFM_ERR_USAGE, "invalid even number "
		    "'%s'", arg);
	*(int *)dst = n;
	return 0;
}

static const struct mfm_opt table[] = {
	{ MFM_OPT_FLAG, "flag", 'f', NULL, "flag", "a flag",
	  MFM_OPT_AT(v.flag) },
	{ MFM_OPT_STRING, "name", 'n', "NAME", "name", "a name",
	  MFM_OPT_AT(v.name), .dflt = "x" },
	{ MFM_OPT_FILE, "file", 0, "FILE", "file", "a file",
	  MFM_OPT_AT(v.file), .group = 1 },
	{ MFM_OPT_FILES, "files", 0, "FILE", "files", "files",
	  MFM_OPT_AT(v.files), .group = 1 },
	{ MFM_OPT_PATH, "path", 'p', "PATH", "path", "a field path",
	  MFM_OPT_AT(v.path), .dflt = "a.b" },
	{ MFM_OPT_PATHS, "paths", 0, "PATHS", "paths", "field paths",
	  MFM_OPT_AT(v.paths) },
	{ MFM_OPT_DURATION, "dur", 0, "DURATION", "dur", "a duration",
	  MFM_OPT_AT(v.dur), .flags = MFM_OPT_ZERO },
	{ MFM_OPT_DURATIONS, "durs", 0, "DURATIONS", "durs", "durations",
	  MFM_OPT_AT(v.durs), .dflt = "1h" },
	{ MFM_OPT_SIZE, "size", 0, "SIZE", "size", "a size",
	  MFM_OPT_AT(v.size), .dflt = "4M" },
	{ MFM_OPT_COUNT, "count", 0, "N", "count", "a count",
	  MFM_OPT_AT(v.count), .lo = 1 },
	{ MFM_OPT_COUNT, "small", 0, "N", "small", "a small count",
	  MFM_OPT_AT(v.small), .lo = 2, .hi = 9 },
	{ MFM_OPT_NUMBER, "num", 0, "X", "num", "a number",
	  MFM_OPT_AT(v.num), .dflt = "0.5" },
	{ MFM_OPT_ENUM, "unit", 'u', "UNIT", "unit", "a unit",
	  MFM_OPT_AT(v.unit), .dflt = "s", .what = "unit", .names = units },
	{ MFM_OPT_RANGE, "range", 0, "START/END", "range", "a time range",
	  MFM_OPT_AT(v.range) },
	{ MFM_OPT_PAIRS, "pair", 0, "KEY=VALUE", "pairs", "pairs",
	  MFM_OPT_AT(v.pairs), .why = "a mapping" },
	{ MFM_OPT_CUSTOM, "even", 0, "N", "even", "an even number",
	  MFM_OPT_AT(v.custom), .what = "even number", .parse = parse_even },
	{ MFM_OPT_HEADING, .help = "Old names:" },
	{ MFM_OPT_STRING, "old-name", 'o', NULL, "old_name", NULL,
	  .alias = "name" },
	{ MFM_OPT_STRING, NULL, 0, NULL, "nest.name", NULL, .alias = "name" },
	{ MFM_OPT_REFUSED, NULL, 0, NULL, "nest.url", NULL,
	  .why = "no URL here" },
	{ MFM_OPT_FLAG, "hidden", 0, NULL, NULL, "hidden",
	  .flags = MFM_OPT_HIDDEN, .why = "test" },
	{ MFM_OPT_END }
};

static struct mfm_opt_state st;
static struct mfm_err err;
static char notes[1024];

static void
on_note(void *ctx, const struct mfm_err *m)
{
	size_t n = strlen(notes);

	(void)ctx;
	snprintf(notes + n, sizeof(notes) - n, "%zu:%zu: %s\n", m->line,
	    m->col, m->msg);
}

static void
setup(void)
{
	notes[0] = '\0';
	mfm_err_clear(&err);
	ck_assert_int_eq(mfm_opt_init(&st, table, &err), 0);
	st.note = on_note;
}

static struct mfm_cfg cfg;

static void
teardown(void)
{
	mfm_opt_release_all(&st);
	mfm_cfg_release(&cfg);
}

static const struct mfm_opt *
entry(const char *name)
{
	long i = mfm_opt_index(&st, name);

	ck_assert_int_ge(i, 0);
	return &table[i];
}

/* Parse arg as entry name: 0, or -1 with err. */
static int
parse(const char *name, const char *arg)
{
	mfm_err_clear(&err);
	return mfm_opt_parse(entry(name), arg, 0, &err);
}

static void
bad(const char *name, const char *arg, const char *msg)
{
	ck_assert_msg(parse(name, arg) == -1, "%s accepted '%s'", name, arg);
	ck_assert_str_eq(err.msg, msg);
}

/* Sizes: digits and k, K, M or G; above 0, at most SIZE_MAX / 2. */
START_TEST(scan_size)
{
	static const struct {
		const char *arg;
		int rc;
		size_t v;
	} t[] = {
		{ "1", 0, 1 }, { "4096", 0, 4096 }, { "4k", 0, 4096 },
		{ "4K", 0, 4096 }, { "4M", 0, 4u << 20 },
		{ "2G", 0, (size_t)2 << 30 },
		{ "8589934591G", 0, (size_t)8589934591 << 30 },
		{ "8589934592G", -1, 0 }, { "9223372036854775807", 0,
		    (size_t)9223372036854775807 },
		{ "9223372036854775808", -1, 0 },
		{ "99999999999999999999", -1, 0 },	/* overflows */
		{ "0", -1, 0 }, { "0k", -1, 0 }, { "", -1, 0 }, { "-1", -1, 0 },
		{ "+1", -1, 0 }, { " 1", -1, 0 }, { "1 ", -1, 0 },
		{ "1.5M", -1, 0 }, { "1m", -1, 0 }, { "1kB", -1, 0 },
		{ "k", -1, 0 }, { "1T", -1, 0 }
	};
	size_t i, got;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = 12345;
		ck_assert_msg(mfm_opt_scan_size(t[i].arg, &got) == t[i].rc,
		    "'%s'", t[i].arg);
		if (t[i].rc == 0)
			ck_assert_msg(got == t[i].v, "'%s': %zu", t[i].arg, got);
		else
			ck_assert_uint_eq(got, 12345);	/* left alone */
	}
}
END_TEST

START_TEST(defaults)
{
	ck_assert_str_eq(v.name, "x");
	ck_assert_str_eq(v.path.text, "a.b");
	ck_assert_uint_eq(v.durs.n, 1);
	ck_assert_int_eq(v.durs.v[0], INT64_C(3600000000));
	ck_assert_uint_eq(v.size, 4u << 20);
	ck_assert_uint_eq(v.count, 7);	/* the field's own */
	ck_assert(v.num == 0.5);
	ck_assert_int_eq(v.unit, 1);
	ck_assert(!mfm_opt_given(&st, "name"));
}
END_TEST

START_TEST(kinds)
{
	ck_assert_int_eq(parse("dur", "0"), 0);
	ck_assert_int_eq(v.dur, 0);
	ck_assert_int_eq(parse("durs", "1h,0s,30m"), -1);
	ck_assert_str_eq(err.msg, "invalid duration '0s': must be greater "
	    "than zero");
	ck_assert_int_eq(parse("durs", "1h,30m"), 0);
	ck_assert_uint_eq(v.durs.n, 2);
	ck_assert_int_eq(parse("paths", "a,\"b,c\".d,e\\,f"), 0);
	ck_assert_uint_eq(v.paths.n, 3);
	ck_assert_str_eq(v.paths.v[1].seg[0].name, "b,c");
	ck_assert_str_eq(v.paths.v[2].seg[0].name, "e,f");
	ck_assert_int_eq(parse("size", "2k"), 0);
	ck_assert_uint_eq(v.size, 2048);
	ck_assert_int_eq(parse("small", "9"), 0);
	ck_assert_uint_eq(v.small, 9);
	ck_assert_int_eq(parse("num", "-1e-3"), 0);
	ck_assert(v.num == -1e-3);
	ck_assert_int_eq(parse("unit", "us"), 0);
	ck_assert_int_eq(v.unit, 3);
	ck_assert_int_eq(parse("range", "2026-01-01T00:00:00Z/"
	    "2026-01-02T00:00:00Z"), 0);
	ck_assert(v.range.set && v.range.to - v.range.from ==
	    INT64_C(86400000000));
	ck_assert_int_eq(parse("even", "4"), 0);
	ck_assert_int_eq(v.custom, 4);
}
END_TEST

START_TEST(messages)
{
	bad("path", "a..b", "invalid field path 'a..b'");
	bad("dur", "1x", "invalid duration '1x': unknown unit 'x'");
	bad("size", "0", "invalid size '0'");
	bad("size", "1T", "invalid size '1T'");
	bad("count", "x", "invalid count 'x'");
	bad("count", "1.5", "invalid count '1.5'");
	bad("count", "-1", "invalid count '-1'");
	bad("count", "0", "invalid count '0' (at least 1)");
	bad("count", "99999999999999999999999",
	    "invalid count '99999999999999999999999': too large");
	bad("small", "1", "invalid count '1' (2 to 9)");
	bad("small", "10", "invalid count '10' (2 to 9)");
	bad("num", "abc", "invalid number 'abc'");
	bad("num", "0x10", "invalid number '0x10'");
	bad("num", "inf", "invalid number 'inf'");
	bad("num", "1e400", "invalid number '1e400': out of range");
	bad("unit", "ns", "invalid unit 'ns' (s, ms or us)");
	bad("range", "2026-01-02T00:00:00Z/2026-01-01T00:00:00Z",
	    "invalid time range '2026-01-02T00:00:00Z/2026-01-01T00:00:00Z'");
	bad("pair", "=x", "invalid pair '=x': expected KEY=VALUE");
	bad("even", "3", "invalid even number '3'");
}
END_TEST

/* Load a section "t:" of text into the state (the tree kept: values
 * borrow from it). */
static int
config(const char *text)
{
	const struct mfm_cfg_node *sec;

	mfm_cfg_release(&cfg);
	mfm_err_clear(&err);
	ck_assert_int_eq(mfm_cfg_load_mem(&cfg, "c.yaml", text, strlen(text),
	    &err), 0);
	sec = mfm_cfg_get(cfg.root, "t");
	return mfm_opt_config(&st, sec, &err);
}

static void
config_bad(const char *text, size_t line, size_t col, const char *msg)
{
	ck_assert_msg(config(text) == -1, "accepted: %s", text);
	ck_assert_str_eq(err.msg, msg);
	ck_assert_uint_eq(err.line, line);
	ck_assert_uint_eq(err.col, col);
}

START_TEST(config_values)
{
	ck_assert_int_eq(config("t:\n  flag: true\n  durs: [1h, 1d]\n"
	    "  paths: a,b\n  pairs: {x: 1, y: two}\n  count: 5\n"
	    "  num: ~\n"), 0);
	ck_assert_int_eq(v.flag, 1);
	ck_assert_uint_eq(v.durs.n, 2);
	ck_assert_uint_eq(v.paths.n, 2);
	ck_assert_uint_eq(v.pairs.n, 2);
	ck_assert_str_eq(v.pairs.v[1].name, "y");
	ck_assert_str_eq(v.pairs.v[1].value, "two");
	ck_assert_uint_eq(v.count, 5);
	ck_assert(v.num == 0.5);	/* null: the default stays */
	ck_assert(mfm_opt_given(&st, "count"));
	ck_assert(mfm_opt_given(&st, "pair"));
	ck_assert(!mfm_opt_given(&st, "num"));
}
END_TEST

START_TEST(config_errors)
{
	config_bad("t:\n  sise: 1\n", 2, 3, "unknown key 'sise'");
	config_bad("t:\n  durs: [1h, 1x]\n", 2, 14,
	    "invalid duration '1x': unknown unit 'x'");
	config_bad("t:\n  count: 0\n", 2, 10,
	    "invalid count '0' (at least 1)");
	config_bad("t:\n  flag: yes\n", 2, 9, "expected true or false");
	config_bad("t:\n  num: [1]\n", 2, 8, "expected a number");
	config_bad("t:\n  unit: [s]\n", 2, 9, "expected one of s, ms or us");
	config_bad("t:\n  files: {a: b}\n", 2, 10,
	    "expected a file or a list of files");
	config_bad("t:\n  pairs: a=b\n", 2, 10,
	    "expected a mapping of name: value");
	config_bad("t:\n  nest:\n    url: x\n", 3, 10, "no URL here");
	config_bad("t:\n  nest:\n    what: x\n", 3, 5, "unknown key 'what'");
	config_bad("t:\n  nest: x\n", 2, 9, "nest: expected a mapping");
	config_bad("t: [1]\n", 1, 4, "expected a mapping");
}
END_TEST

START_TEST(old_spellings)
{
	ck_assert_int_eq(config("t:\n  old_name: from-config\n"), 0);
	ck_assert_str_eq(v.name, "from-config");
	ck_assert_str_eq(notes, "2:3: key 'old_name' is deprecated: use "
	    "'name'\n");
	notes[0] = '\0';
	mfm_opt_release_all(&st);
	setup();
	ck_assert_int_eq(config("t:\n  nest:\n    name: from-config\n"), 0);
	ck_assert_str_eq(notes, "3:5: key 'nest.name' is deprecated: use "
	    "'name'\n");
	mfm_opt_release_all(&st);
	setup();
	config_bad("t:\n  name: a\n  old_name: b\n", 3, 3,
	    "'old_name' sets what 'name' set already");
	mfm_opt_release_all(&st);
	setup();
	config_bad("t:\n  old_name: b\n  name: a\n", 3, 3,
	    "'name' sets what 'old_name' set already");
}
END_TEST

START_TEST(argv_wins)
{
	long i = mfm_opt_index(&st, "files"), k;

	ck_assert_int_eq(config("t:\n  files: [a, b]\n  count: 5\n"), 0);
	ck_assert_uint_eq(v.files.n, 2);
	/* The first occurrence replaces the file's list, others add. */
	ck_assert_int_eq(mfm_opt_set_arg(&st, (size_t)i, 0, "c", &err), 0);
	ck_assert_int_eq(mfm_opt_set_arg(&st, (size_t)i, 0, "d", &err), 0);
	ck_assert_uint_eq(v.files.n, 2);
	ck_assert_str_eq(v.files.v[0], "c");
	ck_assert_str_eq(v.files.v[1], "d");
	k = mfm_opt_letter(&st, 'o');
	ck_assert_int_ge(k, 0);
	ck_assert_int_eq(mfm_opt_set_arg(&st, (size_t)k, 2, "y", &err), 0);
	ck_assert_str_eq(v.name, "y");
	ck_assert_str_eq(notes, "0:0: -o is deprecated: use --name\n");
	k = mfm_opt_index(&st, "count");
	ck_assert_int_eq(mfm_opt_set_arg(&st, (size_t)k, 0, "0", &err), -1);
	ck_assert_str_eq(err.msg, "invalid count '0' (at least 1)");
	k = mfm_opt_index(&st, "flag");
	ck_assert_int_eq(mfm_opt_set_arg(&st, (size_t)k, 2, NULL, &err), 0);
	ck_assert_int_eq(v.flag, 1);
}
END_TEST

START_TEST(getopt_tables)
{
	struct mfm_buf shorts = MFM_BUF_INIT;
	struct option *longs;
	size_t i;
	int seen = 0;

	mfm_opt_getopt(&st, &shorts, &longs);
	ck_assert_str_eq(shorts.p, "fn:p:u:o:");
	for (i = 0; longs[i].name != NULL; i++) {
		if (strcmp(longs[i].name, "old-name") == 0) {
			ck_assert_int_eq(longs[i].has_arg, required_argument);
			seen++;
		}
		if (strcmp(longs[i].name, "flag") == 0) {
			ck_assert_int_eq(longs[i].has_arg, no_argument);
			ck_assert_int_eq(longs[i].val, MFM_OPT_VAL);
			seen++;
		}
	}
	ck_assert_int_eq(seen, 2);
	free(longs);
	mfm_buf_release(&shorts);
}
END_TEST

START_TEST(help_text)
{
	struct mfm_buf b = MFM_BUF_INIT;

	mfm_opt_usage(&b, &st, "mfm-test", "[FILE ...]");
	ck_assert_str_eq(b.p,
	    "usage: mfm-test [-f] [-n NAME] [--file FILE | --files FILE] "
	    "[-p PATH]\n"
	    "                [--paths PATHS] [--dur DURATION] "
	    "[--durs DURATIONS]\n"
	    "                [--size SIZE] [--count N] [--small N] [--num X] "
	    "[-u UNIT]\n"
	    "                [--range START/END] [--pair KEY=VALUE] "
	    "[--even N] [FILE ...]\n");
	mfm_buf_clear(&b);
	mfm_opt_help(&b, &st);
	ck_assert_msg(strstr(b.p, "  -n, --name NAME         a name (x)\n") !=
	    NULL, "%s", b.p);
	ck_assert_msg(strstr(b.p, "      --count N           a count (7)\n") !=
	    NULL, "%s", b.p);
	ck_assert_msg(strstr(b.p, "      --range START/END   a time range\n") !=
	    NULL, "%s", b.p);
	ck_assert_msg(strstr(b.p, "Old names:\n") != NULL, "%s", b.p);
	ck_assert_ptr_null(strstr(b.p, "old-name"));
	ck_assert_ptr_null(strstr(b.p, "hidden"));
	mfm_buf_clear(&b);
	mfm_opt_list(&b, &st);
	ck_assert_msg(strstr(b.p, "unit\tu\tenum\tUNIT\tunit\t-\ts ms us\t-\t"
	    "s\t-\ta unit\t-\n") != NULL, "%s", b.p);
	ck_assert_msg(strstr(b.p, "old-name\to\tstring\tNAME\told_name\t"
	    "hidden,deprecated\t-\tname\t-\t-\t-\t-\n") != NULL, "%s", b.p);
	mfm_buf_release(&b);
}
END_TEST

START_TEST(names)
{
	struct mfm_buf b = MFM_BUF_INIT;
	int x = 0;

	ck_assert_int_eq(mfm_opt_name_find(units, "ms", &x), 0);
	ck_assert_int_eq(x, 2);
	ck_assert_int_eq(mfm_opt_name_find(units, "m", &x), -1);
	ck_assert_str_eq(mfm_opt_name_of(units, 3), "us");
	ck_assert_ptr_null(mfm_opt_name_of(units, 9));
	mfm_opt_names_put(&b, units);
	ck_assert_str_eq(b.p, "s, ms or us");
	mfm_buf_release(&b);
}
END_TEST

Suite *suite_opt(void);

Suite *
suite_opt(void)
{
	Suite *s = suite_create("opt");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, scan_size);
	tcase_add_test(tc, kinds);
	tcase_add_test(tc, messages);
	tcase_add_test(tc, config_values);
	tcase_add_test(tc, config_errors);
	tcase_add_test(tc, old_spellings);
	tcase_add_test(tc, argv_wins);
	tcase_add_test(tc, getopt_tables);
	tcase_add_test(tc, help_text);
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);
	return s;
}
