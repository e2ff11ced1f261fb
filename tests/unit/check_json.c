/*
 * Tests of the JSON tokenizer and writer (lib/json.c): the conformance
 * corpus in tests/data/json (y_*.json must parse, n_*.json must not),
 * then token structure, lookups by path, number and string decoding,
 * the writer's round trips, error positions and the caps.
 */
#include <dirent.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/json.h"

/* Parse a NUL-terminated literal; the parser may rely on the NUL. */
static int
parse(struct mfm_json *j, const char *s, struct mfm_err *err)
{
	return mfm_json_parse(j, s, strlen(s), err);
}

static char *
read_file(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t cap = 0, len = 0, n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			p = realloc(p, cap + 1);
			ck_assert_ptr_nonnull(p);
		}
		n = fread(p + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	p[len] = '\0';
	*lenp = len;
	return p;
}

START_TEST(test_corpus)
{
	const char *dir = getenv("MFM_TESTDATA");
	char path[4096];
	struct mfm_json j;
	struct mfm_err err;
	struct dirent *d;
	DIR *dp;
	int ny = 0, nn = 0, rc;
	size_t len;
	char *buf;

	if (dir == NULL)
		dir = "../data";
	snprintf(path, sizeof(path), "%s/json", dir);
	dp = opendir(path);
	ck_assert_msg(dp != NULL, "cannot open %s", path);
	mfm_json_init(&j);
	while ((d = readdir(dp)) != NULL) {
		if ((d->d_name[0] != 'y' && d->d_name[0] != 'n') ||
		    d->d_name[1] != '_')
			continue;
		snprintf(path, sizeof(path), "%s/json/%s", dir, d->d_name);
		buf = read_file(path, &len);
		mfm_err_clear(&err);
		rc = mfm_json_parse(&j, buf, len, &err);
		if (d->d_name[0] == 'y') {
			ck_assert_msg(rc == 0, "%s rejected: %s", d->d_name,
			    err.msg);
			ck_assert_uint_eq(j.tok[0].start +
			    j.tok[0].len <= len, 1);
			ny++;
		} else {
			ck_assert_msg(rc == -1, "%s accepted", d->d_name);
			ck_assert_msg(strncmp(err.msg, "invalid JSON: ", 14)
			    == 0, "%s: %s", d->d_name, err.msg);
			ck_assert_int_eq(err.kind, MFM_ERR_DATA);
			ck_assert_msg(err.col >= 1 && err.col <= len + 1,
			    "%s: col %zu", d->d_name, err.col);
			nn++;
		}
		/* Without the NUL sentinel the answer must not change. */
		buf[len] = '"';
		ck_assert_int_eq(mfm_json_parse(&j, buf, len, NULL), rc);
		free(buf);
	}
	closedir(dp);
	mfm_json_release(&j);
	ck_assert_int_ge(ny, 50);
	ck_assert_int_ge(nn, 100);
}
END_TEST

START_TEST(test_tokens)
{
	static const char line[] =
	    "{\"a\":[1,2,{\"b\":null}],\"c\":{\"d\":\"x\\ny\"},\"e\":-1.5e3}";
	struct mfm_json j;
	struct mfm_err err;
	int k, n;

	mfm_json_init(&j);
	ck_assert_int_eq(parse(&j, line, &err), 0);
	ck_assert_uint_eq(j.ntok, 14);
	ck_assert_int_eq(j.tok[0].type, MFM_JSON_OBJECT);
	ck_assert_uint_eq(j.tok[0].start, 0);
	ck_assert_uint_eq(j.tok[0].len, strlen(line));
	ck_assert_uint_eq(j.tok[0].next, 14);
	ck_assert_uint_eq(j.tok[0].count, 3);
	/* "a" key then the array */
	ck_assert_int_eq(j.tok[1].type, MFM_JSON_STRING);
	ck_assert_uint_eq(j.tok[1].next, 2);
	ck_assert_int_eq(j.tok[2].type, MFM_JSON_ARRAY);
	ck_assert_uint_eq(j.tok[2].count, 3);
	ck_assert_uint_eq(j.tok[2].next, 8);
	ck_assert_uint_eq(j.tok[2].start, 5);
	ck_assert_uint_eq(j.tok[2].len, 16);
	ck_assert_int_eq(j.tok[3].type, MFM_JSON_NUMBER);
	ck_assert_int_eq(j.tok[3].flags, MFM_JSON_F_INTEGER);
	ck_assert_uint_eq(j.tok[3].next, 4);
	ck_assert_int_eq(j.tok[5].type, MFM_JSON_OBJECT);
	ck_assert_uint_eq(j.tok[5].count, 1);
	ck_assert_int_eq(j.tok[7].type, MFM_JSON_NULL);
	ck_assert_int_eq(j.tok[8].type, MFM_JSON_STRING);	/* "c" */
	ck_assert_int_eq(j.tok[11].type, MFM_JSON_STRING);	/* "x\ny" */
	ck_assert_int_eq(j.tok[11].flags, MFM_JSON_F_ESCAPED);
	ck_assert_int_eq(j.tok[12].type, MFM_JSON_STRING);	/* "e" */
	ck_assert_uint_eq(j.tok[12].next, 13);
	ck_assert_int_eq(j.tok[13].type, MFM_JSON_NUMBER);
	ck_assert_int_eq(j.tok[13].flags, 0);
	ck_assert_uint_eq(j.tok[13].len, 6);
	ck_assert_uint_eq(j.tok[13].next, 14);
	/* Iteration over members and elements. */
	n = 0;
	for (k = mfm_json_first(&j, 0); k >= 0; k = mfm_json_next(&j, 0, k))
		n++;
	ck_assert_int_eq(n, 3);
	n = 0;
	for (k = mfm_json_first(&j, 2); k >= 0; k = mfm_json_next(&j, 2, k))
		n++;
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(mfm_json_first(&j, 3), -1);
	ck_assert_int_eq(mfm_json_type_of(&j, -1), MFM_JSON_NONE);
	/* The array is kept and reused across parses. */
	ck_assert_int_eq(parse(&j, "[]", &err), 0);
	ck_assert_uint_eq(j.ntok, 1);
	ck_assert_uint_eq(j.tok[0].count, 0);
	ck_assert_int_eq(mfm_json_first(&j, 0), -1);
	mfm_json_release(&j);
}
END_TEST

/* Every token stays in the line and `next` moves forward. */
START_TEST(test_token_invariants)
{
	static const char *const lines[] = {
		"[[[]],[{}],{\"a\":[{\"b\":[]}]}]",
		"{\"a\":{\"b\":{\"c\":1}},\"d\":[true,false]}",
		"  \"lone\"  ",
	};
	struct mfm_json j;
	size_t i, t, n;

	mfm_json_init(&j);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		n = strlen(lines[i]);
		ck_assert_int_eq(parse(&j, lines[i], NULL), 0);
		for (t = 0; t < j.ntok; t++) {
			ck_assert_uint_le(j.tok[t].start + j.tok[t].len, n);
			ck_assert_uint_gt(j.tok[t].next, t);
			ck_assert_uint_le(j.tok[t].next, j.ntok);
		}
	}
	mfm_json_release(&j);
}
END_TEST

static int
get(struct mfm_json *j, const char *path)
{
	struct mfm_json_path p;
	struct mfm_err err;
	int t;

	ck_assert_msg(mfm_json_path_parse(&p, path, &err) == 0, "%s: %s",
	    path, err.msg);
	t = mfm_json_get(j, 0, &p);
	mfm_json_path_release(&p);
	return t;
}

START_TEST(test_get)
{
	static const char line[] =
	    "{\"id\":\"p-1\",\"outputs\":{\"probability_churn\":0.7312,"
	    "\"label\":1},\"a.b\":\"dot\",\"x\":{\"y\":[1]},\"dup\":1,"
	    "\"dup\":2,\"e\\u0073c\":3,\"q\\\"k\":4,\"\":5,\"n\":{\"dup\":"
	    "{\"z\":1},\"dup\":{\"z\":2}}}";
	struct mfm_json j;
	double d;
	int64_t v;
	size_t len;
	const char *s;
	int t;

	mfm_json_init(&j);
	ck_assert_int_eq(parse(&j, line, NULL), 0);
	t = get(&j, "outputs.probability_churn");
	ck_assert_int_ge(t, 0);
	ck_assert_int_eq(mfm_json_double(&j, t, &d), 0);
	ck_assert(d == 0.7312);
	t = get(&j, "id");
	s = mfm_json_str(&j, t, &len, NULL);
	ck_assert_uint_eq(len, 3);
	ck_assert(memcmp(s, "p-1", 3) == 0);
	ck_assert_int_eq(get(&j, "outputs.missing"), -1);
	ck_assert_int_eq(get(&j, "missing.label"), -1);
	/* An intermediate that is not an object. */
	ck_assert_int_eq(get(&j, "id.x"), -1);
	/* An array's element by its number (x.y is [1]). */
	ck_assert_int_ge(get(&j, "x.y.0"), 0);
	ck_assert_int_eq(get(&j, "x.y.1"), -1);
	ck_assert_int_eq(get(&j, "x.y.z"), -1);
	ck_assert_int_eq(get(&j, "outputs.label.x"), -1);
	/* Keys with a dot, escaped or quoted. */
	ck_assert_int_eq(mfm_json_type_of(&j, get(&j, "a\\.b")),
	    MFM_JSON_STRING);
	ck_assert_int_eq(mfm_json_type_of(&j, get(&j, "\"a.b\"")),
	    MFM_JSON_STRING);
	ck_assert_int_eq(get(&j, "a.b"), -1);
	/* The last duplicate wins, also deeper down. */
	ck_assert_int_eq(mfm_json_int64(&j, get(&j, "dup"), &v), 0);
	ck_assert_int_eq(v, 2);
	ck_assert_int_eq(mfm_json_int64(&j, get(&j, "n.dup.z"), &v), 0);
	ck_assert_int_eq(v, 2);
	/* Keys written with escapes in the line. */
	ck_assert_int_eq(mfm_json_int64(&j, get(&j, "esc"), &v), 0);
	ck_assert_int_eq(v, 3);
	ck_assert_int_eq(mfm_json_int64(&j, get(&j, "q\"k"), &v), 0);
	ck_assert_int_eq(v, 4);
	ck_assert_int_eq(mfm_json_int64(&j, get(&j, "\"\""), &v), 0);
	ck_assert_int_eq(v, 5);
	ck_assert_int_eq(mfm_json_member(&j, 0, "esc", 3), get(&j, "esc"));
	ck_assert_int_eq(mfm_json_member(&j, 0, "es", 2), -1);
	ck_assert_int_eq(mfm_json_member(&j, -1, "id", 2), -1);
	/* Lookups from a token other than the root. */
	ck_assert_int_eq(mfm_json_member(&j, get(&j, "outputs"), "label", 5),
	    get(&j, "outputs.label"));
	/* A root that is not an object. */
	ck_assert_int_eq(parse(&j, "[1]", NULL), 0);
	ck_assert_int_eq(get(&j, "a"), -1);
	mfm_json_release(&j);
}
END_TEST

START_TEST(test_path_parse)
{
	struct mfm_json_path p;
	struct mfm_err err;
	static const char *const bad[] = {
		"", "a..b", ".a", "a.", ".", "a\\", "\"a", "\"a\"b",
		"a.\"b", "\"a\"\"b\""
	};
	size_t i;

	ck_assert_int_eq(mfm_json_path_parse(&p,
	    "outputs.probability_churn", &err), 0);
	ck_assert_uint_eq(p.nseg, 2);
	ck_assert_str_eq(p.seg[0].name, "outputs");
	ck_assert_uint_eq(p.seg[1].len, 17);
	ck_assert_str_eq(p.text, "outputs.probability_churn");
	mfm_json_path_release(&p);

	ck_assert_int_eq(mfm_json_path_parse(&p, "a\\.b.c\\\\d", &err), 0);
	ck_assert_uint_eq(p.nseg, 2);
	ck_assert_str_eq(p.seg[0].name, "a.b");
	ck_assert_str_eq(p.seg[1].name, "c\\d");
	mfm_json_path_release(&p);

	ck_assert_int_eq(mfm_json_path_parse(&p, "\"a.b\".c", &err), 0);
	ck_assert_uint_eq(p.nseg, 2);
	ck_assert_str_eq(p.seg[0].name, "a.b");
	ck_assert_str_eq(p.seg[1].name, "c");
	mfm_json_path_release(&p);

	ck_assert_int_eq(mfm_json_path_parse(&p, "x.\"q\\\"d\"", &err), 0);
	ck_assert_str_eq(p.seg[1].name, "q\"d");
	mfm_json_path_release(&p);

	/* "" names the empty key; a quote inside a bare segment is literal. */
	ck_assert_int_eq(mfm_json_path_parse(&p, "\"\".a\"b", &err), 0);
	ck_assert_uint_eq(p.nseg, 2);
	ck_assert_uint_eq(p.seg[0].len, 0);
	ck_assert_str_eq(p.seg[1].name, "a\"b");
	mfm_json_path_release(&p);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[64];

		mfm_err_clear(&err);
		ck_assert_msg(mfm_json_path_parse(&p, bad[i], &err) == -1,
		    "accepted '%s'", bad[i]);
		snprintf(want, sizeof(want), "invalid field path '%s'",
		    bad[i]);
		ck_assert_str_eq(err.msg, want);
		ck_assert_int_eq(err.kind, MFM_ERR_USAGE);
		ck_assert_uint_eq(p.nseg, 0);
		mfm_json_path_release(&p);	/* harmless after failure */
	}
}
END_TEST

static double
num(const char *s, int *rc)
{
	struct mfm_json j;
	double d = 12345;

	mfm_json_init(&j);
	ck_assert_msg(parse(&j, s, NULL) == 0, "rejected %s", s);
	*rc = mfm_json_double(&j, 0, &d);
	mfm_json_release(&j);
	return d;
}

static void
check_double(const char *s, double want)
{
	int rc;
	double d = num(s, &rc);

	ck_assert_msg(rc == 0, "%s: failed", s);
	ck_assert_msg(memcmp(&d, &want, sizeof(d)) == 0,
	    "%s: got %.17g want %.17g", s, d, want);
}

START_TEST(test_double)
{
	int rc;

	check_double("0.1", 0.1);
	check_double("1e23", 1e23);
	check_double("2.2250738585072011e-308", 2.2250738585072011e-308);
	check_double("2.2250738585072012e-308", 2.2250738585072012e-308);
	check_double("9007199254740993", 9007199254740992.0);
	check_double("9007199254740995", 9007199254740996.0);
	check_double("0.30000000000000004", 0.30000000000000004);
	check_double("1.7976931348623157e308", DBL_MAX);
	check_double("5e-324", 4.9406564584124654e-324);
	check_double("2.4703282292062328e-324", 4.9406564584124654e-324);
	check_double("1e-400", 0.0);
	check_double("-1e-400", -0.0);
	check_double("1e-999999", 0.0);
	check_double("0e999999", 0.0);
	check_double("-0", -0.0);
	check_double("0.0e+0", 0.0);
	check_double("123456789012345678901234567890",
	    123456789012345678901234567890.0);
	check_double("0.000001", 0.000001);
	check_double("0.7312", 0.7312);
	check_double("42.5", 42.5);
	check_double("-1.5E3", -1500.0);
	check_double("1e22", 1e22);
	check_double("1e-22", 1e-22);
	check_double("3.14159265358979323846", 3.14159265358979323846);
	check_double("18446744073709551615", 18446744073709551615.0);
	check_double("0.0000000000000000000000000001", 1e-28);
	check_double("89255.0e-22", 89255.0e-22);
	check_double("8.98846567431158e307", 8.98846567431158e307);
	num("1e400", &rc);
	ck_assert_int_eq(rc, -1);
	num("-1e999999", &rc);
	ck_assert_int_eq(rc, -1);
	num("1.8e308", &rc);
	ck_assert_int_eq(rc, -1);
	num("\"1\"", &rc);
	ck_assert_int_eq(rc, -1);
}
END_TEST

/*
 * Random numbers of 1 to 20 significant digits, with a decimal point
 * anywhere and exponents from -340 to 340, against glibc's correctly
 * rounded strtod: this covers the exact fast path, the 128-bit path and
 * the strtod fallback, and the borders between them.
 */
START_TEST(test_double_random)
{
	struct mfm_json j;
	char tmp[64];
	uint64_t x = 88172645463325252ULL;
	double d, want;
	int i, k, nd, dot, e, pos;

	mfm_json_init(&j);
	for (i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		nd = 1 + (int)(x % 20);
		dot = (int)(x >> 8 & 31) % (nd + 1);
		e = (i & 1) ? (int)(x >> 16 & 63) - 32 :
		    (int)(x >> 16 & 1023) % 681 - 340;
		pos = 0;
		if (x >> 63)
			tmp[pos++] = '-';
		for (k = 0; k < nd; k++) {
			if (k == dot && k > 0)
				tmp[pos++] = '.';
			tmp[pos++] = (char)('0' + (x >> (24 + k * 2) & 0xF) %
			    10);
			if (k == 0 && tmp[pos - 1] == '0')
				tmp[pos - 1] = (x >> 5 & 1) ? '9' : '1';
		}
		snprintf(tmp + pos, sizeof(tmp) - pos, "e%d", e);
		ck_assert_msg(parse(&j, tmp, NULL) == 0, "%s", tmp);
		want = strtod(tmp, NULL);
		if (isinf(want)) {
			ck_assert_int_eq(mfm_json_double(&j, 0, &d), -1);
			continue;
		}
		ck_assert_int_eq(mfm_json_double(&j, 0, &d), 0);
		ck_assert_msg(memcmp(&d, &want, sizeof(d)) == 0,
		    "%s: got %.17g want %.17g", tmp, d, want);
	}
	/* Ties and near-ties around 2^53, where rounding is hardest. */
	for (i = -2000; i < 2000; i++) {
		uint64_t m = (UINT64_C(1) << 53) + (uint64_t)(int64_t)i;

		for (e = -27; e <= 27; e += 3) {
			snprintf(tmp, sizeof(tmp), "%" PRIu64 "e%d", m, e);
			ck_assert_int_eq(parse(&j, tmp, NULL), 0);
			ck_assert_int_eq(mfm_json_double(&j, 0, &d), 0);
			want = strtod(tmp, NULL);
			ck_assert_msg(memcmp(&d, &want, sizeof(d)) == 0,
			    "%s: got %.17g want %.17g", tmp, d, want);
		}
	}
	mfm_json_release(&j);
}
END_TEST

START_TEST(test_int64)
{
	static const struct {
		const char *s;
		int rc;
		int64_t v;
	} c[] = {
		{ "0", 0, 0 },
		{ "-0", 0, 0 },
		{ "42", 0, 42 },
		{ "9223372036854775807", 0, INT64_MAX },
		{ "-9223372036854775808", 0, INT64_MIN },
		{ "9223372036854775808", -1, 0 },
		{ "-9223372036854775809", -1, 0 },
		{ "99999999999999999999", -1, 0 },
		{ "1.0", -1, 0 },
		{ "1e3", -1, 0 },
		{ "true", -1, 0 },
	};
	struct mfm_json j;
	int64_t v;
	size_t i;

	mfm_json_init(&j);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		v = 7;
		ck_assert_int_eq(parse(&j, c[i].s, NULL), 0);
		ck_assert_msg(mfm_json_int64(&j, 0, &v) == c[i].rc, "%s",
		    c[i].s);
		if (c[i].rc == 0)
			ck_assert_msg(v == c[i].v, "%s", c[i].s);
	}
	mfm_json_release(&j);
}
END_TEST

START_TEST(test_str)
{
	struct mfm_json j;
	struct mfm_buf scratch = MFM_BUF_INIT;
	const char *s;
	size_t len;

	mfm_json_init(&j);
	ck_assert_int_eq(parse(&j, "[\"plain\","
	    "\"a\\\"\\\\\\/\\b\\f\\n\\r\\tz\","
	    "\"\\u0041\\u00e9\\u20ac\\ud83d\\ude00\\u0000!\",1]", NULL), 0);
	s = mfm_json_str(&j, 1, &len, &scratch);
	ck_assert_uint_eq(len, 5);
	ck_assert(s == j.buf + 2);	/* zero copy */
	s = mfm_json_str(&j, 2, &len, &scratch);
	ck_assert_uint_eq(len, 10);
	ck_assert(memcmp(s, "a\"\\/\b\f\n\r\tz", 10) == 0);
	ck_assert(s == scratch.p);
	s = mfm_json_str(&j, 3, &len, &scratch);
	ck_assert_uint_eq(len, 1 + 2 + 3 + 4 + 1 + 1);
	ck_assert(memcmp(s, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\0!",
	    len) == 0);
	ck_assert_ptr_null(mfm_json_str(&j, 4, &len, &scratch));
	ck_assert_ptr_null(mfm_json_str(&j, 0, &len, &scratch));

	ck_assert_int_eq(mfm_json_str_eq(&j, 1, "plain", 5), 1);
	ck_assert_int_eq(mfm_json_str_eq(&j, 1, "plai", 4), 0);
	ck_assert_int_eq(mfm_json_str_eq(&j, 2, "a\"\\/\b\f\n\r\tz", 10), 1);
	ck_assert_int_eq(mfm_json_str_eq(&j, 2, "a\"\\/\b\f\n\r\t", 9), 0);
	ck_assert_int_eq(mfm_json_str_eq(&j, 2, "a\"\\/\b\f\n\r\tzz", 11),
	    0);
	ck_assert_int_eq(mfm_json_str_eq(&j, 3,
	    "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\0!", 12), 1);
	ck_assert_int_eq(mfm_json_str_eq(&j, 3,
	    "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x81\0!", 12), 0);
	ck_assert_int_eq(mfm_json_str_eq(&j, 4, "1", 1), 0);
	mfm_buf_release(&scratch);
	mfm_json_release(&j);
}
END_TEST

static void
check_error(const char *line, const char *msg, size_t col)
{
	struct mfm_json j;
	struct mfm_err err;

	mfm_json_init(&j);
	mfm_err_clear(&err);
	ck_assert_msg(parse(&j, line, &err) == -1, "accepted %s", line);
	ck_assert_str_eq(err.msg, msg);
	ck_assert_msg(err.col == col, "%s: col %zu, want %zu", line, err.col,
	    col);
	ck_assert_int_eq(err.kind, MFM_ERR_DATA);
	ck_assert_uint_eq(j.ntok, 0);
	mfm_json_release(&j);
}

START_TEST(test_errors)
{
	check_error("[01]", "invalid JSON: leading zero in number", 2);
	check_error("{\"a\":-00}", "invalid JSON: leading zero in number", 7);
	check_error("[\"ab\xc0\xaf\"]", "invalid JSON: invalid UTF-8", 5);
	check_error("[\"\\ud83d\"]",
	    "invalid JSON: lone surrogate in \\u escape", 3);
	check_error("[1,]", "invalid JSON: trailing comma", 3);
	check_error("{\"a\":1 , }", "invalid JSON: trailing comma", 8);
	check_error("{\"a\":1}x", "invalid JSON: unexpected 'x' after value",
	    8);
	check_error("\"abc", "invalid JSON: unterminated string", 5);
	check_error("[\"a\tb\"]", "invalid JSON: control character in string",
	    4);
	check_error("", "invalid JSON: empty line", 1);
	check_error("  ", "invalid JSON: empty line", 3);
	check_error("[1 2]",
	    "invalid JSON: unexpected '2', expected ',' or ']'", 4);
	check_error("{\"a\":1", "invalid JSON: unclosed object", 7);
	check_error("[\"\\x\"]", "invalid JSON: invalid escape", 3);
	check_error("[1.]", "invalid JSON: digit expected after '.'", 4);
	check_error("\xef\xbb\xbf[]", "invalid JSON: byte order mark", 1);
}
END_TEST

START_TEST(test_depth)
{
	struct mfm_json j;
	struct mfm_err err;
	char buf[20002];
	int i;

	mfm_json_init(&j);
	for (i = 0; i < 64; i++) {
		buf[i] = '[';
		buf[64 + i] = ']';
	}
	buf[128] = '\0';
	ck_assert_int_eq(parse(&j, buf, &err), 0);
	ck_assert_uint_eq(j.ntok, 64);
	for (i = 0; i < 65; i++) {
		buf[i] = '[';
		buf[65 + i] = ']';
	}
	buf[130] = '\0';
	ck_assert_int_eq(parse(&j, buf, &err), -1);
	ck_assert_str_eq(err.msg, "invalid JSON: nesting deeper than 64");
	ck_assert_uint_eq(err.col, 65);
	/* A caller may allow more (no recursion, so any depth is safe). */
	memset(buf, '[', 10000);
	memset(buf + 10000, ']', 10000);
	buf[20000] = '\0';
	ck_assert_int_eq(parse(&j, buf, &err), -1);
	j.max_depth = 10000;
	ck_assert_int_eq(parse(&j, buf, &err), 0);
	ck_assert_uint_eq(j.tok[0].next, 10000);
	ck_assert_uint_eq(j.tok[9999].next, 10000);
	j.max_depth = 2;
	ck_assert_int_eq(parse(&j, "[[1]]", &err), 0);
	ck_assert_int_eq(parse(&j, "[[[1]]]", &err), -1);
	ck_assert_str_eq(err.msg, "invalid JSON: nesting deeper than 2");
	mfm_json_release(&j);
}
END_TEST

START_TEST(test_token_cap)
{
	struct mfm_json j;
	struct mfm_err err;

	mfm_json_init(&j);
	j.max_tokens = 4;
	ck_assert_int_eq(parse(&j, "[1,2,3]", &err), 0);
	ck_assert_int_eq(parse(&j, "{\"a\":1,\"b\":2}", &err), -1);
	ck_assert_str_eq(err.msg, "invalid JSON: more than 4 values");
	ck_assert_int_eq(err.kind, MFM_ERR_DATA);
	ck_assert_uint_eq(err.col, 12);
	ck_assert_int_eq(parse(&j, "[1,2,3,4]", &err), -1);
	j.max_tokens = 0;
	ck_assert_int_eq(parse(&j, "[1,2,3,4]", &err), 0);
	mfm_json_release(&j);
}
END_TEST

/* A line inside a larger buffer: the byte after it is not NUL. */
START_TEST(test_no_sentinel)
{
	static const char two[] = "{\"a\":\"xy\"}{\"a\":1}";
	struct mfm_json j;

	mfm_json_init(&j);
	ck_assert_int_eq(mfm_json_parse(&j, two, 10, NULL), 0);
	ck_assert(j.buf == two);
	ck_assert_int_eq(mfm_json_str_eq(&j, 2, "xy", 2), 1);
	ck_assert_int_eq(mfm_json_parse(&j, two, 7, NULL), -1);
	ck_assert_int_eq(mfm_json_parse(&j, "12", 1, NULL), 0);
	ck_assert_uint_eq(j.tok[0].len, 1);
	mfm_json_release(&j);
}
END_TEST

START_TEST(test_put_str)
{
	struct mfm_buf b = MFM_BUF_INIT, scratch = MFM_BUF_INIT;
	struct mfm_json j;
	struct mfm_err err;
	char all[256];
	const char *s;
	size_t len;
	int i;

	/* Every ASCII byte, control characters included, round-trips. */
	for (i = 0; i < 127; i++)
		all[i] = (char)(i + 1);
	mfm_json_init(&j);
	mfm_json_put_str(&b, all, 127);
	ck_assert_int_eq(mfm_json_parse(&j, b.p, b.len, &err), 0);
	s = mfm_json_str(&j, 0, &len, &scratch);
	ck_assert_uint_eq(len, 127);
	ck_assert(memcmp(s, all, 127) == 0);
	ck_assert_ptr_nonnull(strstr(b.p, "\\u0001"));
	ck_assert_ptr_nonnull(strstr(b.p, "\\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "\\u001f"));

	mfm_buf_clear(&b);
	mfm_json_put_str(&b, "a\0b", 3);
	ck_assert_str_eq(b.p, "\"a\\u0000b\"");

	mfm_buf_clear(&b);
	mfm_json_put_str(&b, "\"\\\b\f\n\r\t", 7);
	ck_assert_str_eq(b.p, "\"\\\"\\\\\\b\\f\\n\\r\\t\"");

	/* Valid UTF-8 is kept as it is, U+2028 included. */
	mfm_buf_clear(&b);
	mfm_json_put_str(&b, "\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x80", 9);
	ck_assert_str_eq(b.p, "\"\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x80\"");

	/* Invalid UTF-8: one U+FFFD per bad byte, output still valid. */
	mfm_buf_clear(&b);
	mfm_json_put_str(&b, "a\xff" "b\xc0\xaf\xed\xa0\x80\xe2\x82", 10);
	ck_assert_str_eq(b.p, "\"a\xef\xbf\xbd" "b"
	    "\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd\"");
	ck_assert_int_eq(mfm_json_parse(&j, b.p, b.len, &err), 0);

	mfm_buf_clear(&b);
	mfm_json_put_str(&b, NULL, 0);
	ck_assert_str_eq(b.p, "\"\"");

	/* Random bytes always give a string that parses. */
	for (i = 0; i < 2000; i++) {
		int k;

		for (k = 0; k < 64; k++)
			all[k] = (char)(rand() & 0xFF);
		mfm_buf_clear(&b);
		mfm_json_put_str(&b, all, 64);
		ck_assert_int_eq(mfm_json_parse(&j, b.p, b.len, &err), 0);
	}
	mfm_buf_release(&b);
	mfm_buf_release(&scratch);
	mfm_json_release(&j);
}
END_TEST

static const char *
put_double(struct mfm_buf *b, double v)
{
	mfm_buf_clear(b);
	mfm_json_put_double(b, v);
	return b->p;
}

START_TEST(test_put_double)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_json j;
	uint64_t x = 0x9E3779B97F4A7C15ULL, bits;
	double v, back;
	int i;

	ck_assert_str_eq(put_double(&b, 3.0), "3");
	ck_assert_str_eq(put_double(&b, -42.0), "-42");
	ck_assert_str_eq(put_double(&b, 0.1), "0.1");
	ck_assert_str_eq(put_double(&b, 0.7312), "0.7312");
	ck_assert_str_eq(put_double(&b, 1.0 / 3), "0.3333333333333333");
	ck_assert_str_eq(put_double(&b, 0.1 + 0.2), "0.30000000000000004");
	ck_assert_str_eq(put_double(&b, 1e20), "1e+20");
	ck_assert_str_eq(put_double(&b, 123456789012345.0),
	    "123456789012345");
	ck_assert_str_eq(put_double(&b, 5e-324), "5e-324");
	ck_assert_str_eq(put_double(&b, -0.0), "0");
	ck_assert_str_eq(put_double(&b, 0.0), "0");
	ck_assert_str_eq(put_double(&b, NAN), "null");
	ck_assert_str_eq(put_double(&b, INFINITY), "null");
	ck_assert_str_eq(put_double(&b, -INFINITY), "null");

	/* Random bit patterns: valid JSON, read back bit-identical. */
	mfm_json_init(&j);
	for (i = 0; i < 30000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		bits = x;
		memcpy(&v, &bits, sizeof(v));
		put_double(&b, v);
		ck_assert_msg(mfm_json_parse(&j, b.p, b.len, NULL) == 0,
		    "%s", b.p);
		if (isnan(v) || isinf(v)) {
			ck_assert_int_eq(j.tok[0].type, MFM_JSON_NULL);
			continue;
		}
		ck_assert_int_eq(mfm_json_double(&j, 0, &back), 0);
		if (v == 0)
			ck_assert(back == 0);
		else
			ck_assert_msg(memcmp(&v, &back, sizeof(v)) == 0,
			    "%.17g -> %s", v, b.p);
	}
	mfm_buf_release(&b);
	mfm_json_release(&j);
}
END_TEST

/* The shortest round-trip form the slow way: %.Ng for N = 15, 16, 17. */
static const char *
shortest_ref(char *tmp, size_t size, double v)
{
	int prec;

	for (prec = fabs(v) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
		snprintf(tmp, size, "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	return tmp;
}

/*
 * The fast path for short decimals must print what the general path
 * prints, byte for byte: decimals of every length and scale, both signs,
 * the edges of its range (1e-4, 1e15), and neighbours one ulp away, which
 * need 16 or 17 digits and so fall back.
 */
START_TEST(test_put_double_short)
{
	struct mfm_buf b = MFM_BUF_INIT;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	char ref[64];
	double v, p;
	int i, k;

	static const double edge[] = { 1e-4, 1e15, 999999999999999.0,
	    999999999999999.9, 0.00010000000000000001, 0.5, 2500.79,
	    30215.044, 0.0485, 123456.789012, 1e-4 * 3, 0.3, 0.7, 0.9999 };

	for (i = 0; i < (int)(sizeof(edge) / sizeof(edge[0])); i++) {
		for (k = -1; k <= 1; k++) {
			v = edge[i];
			if (k != 0)
				v = nextafter(v, k * INFINITY);
			shortest_ref(ref, sizeof(ref), v);
			ck_assert_str_eq(put_double(&b, v), ref);
			shortest_ref(ref, sizeof(ref), -v);
			ck_assert_str_eq(put_double(&b, -v), ref);
		}
	}
	for (i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* k / 10^d: up to 15 digits, d from 0 to 20. */
		p = pow(10, (double)(x % 21));
		v = (double)((x >> 8) % 1000000000000000ULL) / p;
		if (i % 3 == 1)
			v = (double)((x >> 8) % 100000) / p;
		else if (i % 3 == 2)
			v = nextafter(v, INFINITY);
		if (v == 0 || v == (double)(int64_t)v)
			continue;
		shortest_ref(ref, sizeof(ref), v);
		ck_assert_str_eq(put_double(&b, v), ref);
	}
	mfm_buf_release(&b);
}
END_TEST

START_TEST(test_put_int64)
{
	struct mfm_buf b = MFM_BUF_INIT;

	mfm_json_put_int64(&b, INT64_MIN);
	mfm_buf_addc(&b, ' ');
	mfm_json_put_int64(&b, INT64_MAX);
	mfm_buf_addc(&b, ' ');
	mfm_json_put_int64(&b, 0);
	ck_assert_str_eq(b.p,
	    "-9223372036854775808 9223372036854775807 0");
	mfm_buf_release(&b);
}
END_TEST

START_TEST(test_put_open_object)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_json j;

	mfm_json_init(&j);
	ck_assert_int_eq(parse(&j, "{\"a\":1,\"b\":[2]}", NULL), 0);
	ck_assert_int_eq(mfm_json_put_open_object(&b, &j, 0), 1);
	ck_assert_str_eq(b.p, "{\"a\":1,\"b\":[2]");

	mfm_buf_clear(&b);
	ck_assert_int_eq(parse(&j, " { \"a\" : 1 \t } ", NULL), 0);
	ck_assert_int_eq(mfm_json_put_open_object(&b, &j, 0), 1);
	mfm_buf_adds(&b, ",\"z\":2}");
	ck_assert_str_eq(b.p, "{ \"a\" : 1,\"z\":2}");

	mfm_buf_clear(&b);
	ck_assert_int_eq(parse(&j, "{ }", NULL), 0);
	ck_assert_int_eq(mfm_json_put_open_object(&b, &j, 0), 0);
	mfm_buf_adds(&b, "\"z\":2}");
	ck_assert_str_eq(b.p, "{\"z\":2}");

	/* A nested object. */
	mfm_buf_clear(&b);
	ck_assert_int_eq(parse(&j, "{\"o\":{\"k\":true}}", NULL), 0);
	ck_assert_int_eq(mfm_json_put_open_object(&b, &j, 2), 1);
	ck_assert_str_eq(b.p, "{\"k\":true");

	/* Not an object: nothing is written. */
	mfm_buf_clear(&b);
	ck_assert_int_eq(parse(&j, "[1]", NULL), 0);
	ck_assert_int_eq(mfm_json_put_open_object(&b, &j, 0), -1);
	ck_assert_uint_eq(b.len, 0);
	mfm_buf_release(&b);
	mfm_json_release(&j);
}
END_TEST


/*
 * A shallow parse: objects and arrays under top-level members not named
 * deep are one token each, with their count; named ones (and keys with
 * escapes) are in full; errors anywhere, and nesting past the limit in a
 * skipped member, are reported as by a full parse.
 */
START_TEST(test_shallow)
{
	static const struct mfm_json_seg seg[] = {
		{ "out", 3, MFM_JSON_STEP_KEY }
	};
	static const struct mfm_json_deep deep = { seg, 1 };
	static const char *const bad[] = {
		"{\"in\":{\"a\":[1,2,]},\"out\":{}}",
		"{\"in\":{\"a\":01}}",
		"{\"in\":[\"x\001\"]}",
		"{\"in\":{\"a\" 1}}",
		"{\"in\":[tru]}",
		"{\"in\":{\"a\":\"\\ud800\"}}",
		"{\"in\":[[[[1]]]]}",
		"{\"in\":{\"a\":1}",
	};
	struct mfm_json f, s;
	struct mfm_err ef, es;
	const char *line =
	    "{\"id\":1,\"in\":{\"a\":[1,{\"b\":null}],\"c\":\"x\"},"
	    "\"out\":{\"p\":0.5,\"q\":[true]},\"l\":[1,2,3],"
	    "\"\\u006fx\":{\"z\":1},\"e\":{},\"t\":\"s\"}";
	size_t i;

	mfm_json_init(&f);
	mfm_json_init(&s);
	s.deep = &deep;
	ck_assert_int_eq(mfm_json_parse(&f, line, strlen(line), &ef), 0);
	ck_assert_int_eq(mfm_json_parse(&s, line, strlen(line), &es), 0);
	/* in: one token, 2 members; out: in full; l: one token, 3; the
	 * object of a key with escapes, in full; e: empty. */
	ck_assert_uint_eq(s.ntok, f.ntok - 8 - 3);
	i = (size_t)mfm_json_member(&s, 0, "in", 2);
	ck_assert_int_eq(s.tok[i].type, MFM_JSON_OBJECT);
	ck_assert_uint_eq(s.tok[i].count, 2);
	ck_assert_uint_eq(s.tok[i].next, i + 1);
	ck_assert_uint_eq(s.tok[i].len,
	    f.tok[mfm_json_member(&f, 0, "in", 2)].len);
	i = (size_t)mfm_json_member(&s, 0, "l", 1);
	ck_assert_int_eq(s.tok[i].type, MFM_JSON_ARRAY);
	ck_assert_uint_eq(s.tok[i].count, 3);
	ck_assert_int_ge(mfm_json_member(&s, mfm_json_member(&s, 0, "out", 3),
	    "q", 1), 0);
	ck_assert_int_ge(mfm_json_member(&s, mfm_json_member(&s, 0, "ox", 2),
	    "z", 1), 0);	/* a key with escapes: in full */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f.max_depth = s.max_depth = 4;
		ck_assert_int_eq(mfm_json_parse(&f, bad[i], strlen(bad[i]),
		    &ef), -1);
		ck_assert_int_eq(mfm_json_parse(&s, bad[i], strlen(bad[i]),
		    &es), -1);
		ck_assert_str_eq(es.msg, ef.msg);
		ck_assert_uint_eq(es.col, ef.col);
	}
	mfm_json_release(&f);
	mfm_json_release(&s);
}
END_TEST

/* Path steps that parse strings: @json, @number, @csv, elements. */
static const char *
step_get(struct mfm_json *j, const char *line, const char *path,
    size_t *n)
{
	struct mfm_json_path p;
	struct mfm_err err;
	int t;

	ck_assert_int_eq(mfm_json_parse(j, line, strlen(line), &err), 0);
	ck_assert_int_eq(mfm_json_path_parse(&p, path, &err), 0);
	t = mfm_json_get(j, 0, &p);
	mfm_json_path_release(&p);
	if (t < 0) {
		*n = 0;
		return NULL;
	}
	return mfm_json_raw(j, t, n);
}

START_TEST(test_path_steps)
{
	static const struct {
		const char *line, *path, *want;
	} c[] = {
		{ "{\"d\":\"{\\\"p\\\":[{\\\"s\\\":0.87}]}\"}",
		    "d.@json.p.0.s", "0.87" },
		{ "{\"d\":\" 0.87\\n\"}", "d.@number", "0.87" },
		{ "{\"d\":\"1\"}", "d.@number", "1" },
		/* Not a number: the string stays, for the tool to report. */
		{ "{\"d\":\"yes\"}", "d.@number", "\"yes\"" },
		{ "{\"d\":\"true\"}", "d.@number", "\"true\"" },
		/* Already JSON: the step is the value itself. */
		{ "{\"d\":{\"p\":[1,2]}}", "d.@json.p.1", "2" },
		{ "{\"d\":0.5}", "d.@number", "0.5" },
		{ "{\"d\":\"0.13,0.87\\n\"}", "d.@csv.1.@number", "0.87" },
		{ "{\"d\":\"x,\\\"q\\\"\\\"q\\\",y\"}", "d.@csv.1",
		    "\"q\\\"q\"" },
		{ "{\"d\":\"a,,\"}", "d.@csv.2", "\"\"" },
		/* A broken string of JSON leads nowhere further. */
		{ "{\"d\":\"{oops\"}", "d.@json.p", NULL },
		{ "{\"a\":[10,20,30]}", "a.2", "30" },
		{ "{\"a\":[10,20,30]}", "a.3", NULL },
		{ "{\"a\":{\"0\":\"key\"}}", "a.0", "\"key\"" },
		/* A quoted step is a key of that name. */
		{ "{\"a\":{\"@json\":7}}", "a.\"@json\"", "7" },
		{ "{\"@timestamp\":1}", "@timestamp", "1" },
		/* Nested: a string of JSON inside a string of JSON. */
		{ "{\"r\":\"{\\\"in\\\":\\\"[4,5]\\\"}\"}", "r.@json.in.@json.1",
		    "5" },
	};
	struct mfm_json j;
	const char *v;
	size_t i, n;

	mfm_json_init(&j);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		v = step_get(&j, c[i].line, c[i].path, &n);
		if (c[i].want == NULL)
			ck_assert_msg(v == NULL, "case %zu: found %.*s", i,
			    (int)n, v);
		else {
			ck_assert_msg(v != NULL, "case %zu: nothing", i);
			ck_assert_msg(n == strlen(c[i].want) &&
			    memcmp(v, c[i].want, n) == 0,
			    "case %zu: %.*s", i, (int)n, v);
		}
	}
	mfm_json_release(&j);
}
END_TEST

/* What was read before a parse step stays valid; the record is whole. */
START_TEST(test_path_steps_stable)
{
	const char *line = "{\"k\":\"v\",\"d\":\"[1,2]\",\"e\":\"[3]\"}";
	struct mfm_json_path p1, p2, p3;
	struct mfm_json j;
	struct mfm_err err;
	const char *k, *all;
	size_t n, kn;
	int t;

	mfm_json_init(&j);
	ck_assert_int_eq(mfm_json_parse(&j, line, strlen(line), &err), 0);
	ck_assert_int_eq(mfm_json_path_parse(&p1, "d.@json.1", &err), 0);
	ck_assert_int_eq(mfm_json_path_parse(&p2, "e.@json.0", &err), 0);
	ck_assert_int_eq(mfm_json_path_parse(&p3, "k", &err), 0);
	k = mfm_json_raw(&j, mfm_json_get(&j, 0, &p3), &kn);
	t = mfm_json_get(&j, 0, &p1);
	ck_assert_int_ge(t, 0);
	ck_assert_int_eq(mfm_json_get(&j, 0, &p1), t);	/* parsed once */
	t = mfm_json_get(&j, 0, &p2);
	ck_assert_str_eq(mfm_json_raw(&j, t, &n), "3]");
	ck_assert_uint_eq(n, 1);
	ck_assert(kn == 3 && memcmp(k, "\"v\"", 3) == 0);
	all = mfm_json_raw(&j, 0, &n);
	ck_assert(n == strlen(line) && memcmp(all, line, n) == 0);
	mfm_json_path_release(&p1);
	mfm_json_path_release(&p2);
	mfm_json_path_release(&p3);
	/* A step may not start a path: a record is an object. */
	ck_assert_int_eq(mfm_json_path_parse(&p1, "@json.a", &err), -1);
	mfm_json_release(&j);
}
END_TEST

Suite *suite_json(void);

Suite *
suite_json(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("json");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_corpus);
	tcase_add_test(tc, test_tokens);
	tcase_add_test(tc, test_token_invariants);
	tcase_add_test(tc, test_get);
	tcase_add_test(tc, test_path_parse);
	tcase_add_test(tc, test_double);
	tcase_add_test(tc, test_double_random);
	tcase_add_test(tc, test_int64);
	tcase_add_test(tc, test_str);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_token_cap);
	tcase_add_test(tc, test_no_sentinel);
	tcase_add_test(tc, test_put_str);
	tcase_add_test(tc, test_put_double);
	tcase_add_test(tc, test_put_double_short);
	tcase_add_test(tc, test_put_int64);
	tcase_add_test(tc, test_put_open_object);
	tcase_add_test(tc, test_shallow);
	tcase_add_test(tc, test_path_steps);
	tcase_add_test(tc, test_path_steps_stable);
	suite_add_tcase(s, tc);
	return s;
}
