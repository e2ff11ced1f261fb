/*
 * Unit tests for typed field reads (lib/field.c): times from RFC 3339
 * strings and epoch numbers, --time-unit names, and the field set, which
 * must find exactly what mfm_json_get finds for every path of every
 * record: duplicates (the last wins), escaped keys, names of every length
 * that differ at any byte, more first segments than its 64-bit filter
 * holds, and random records.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/buf.h"
#include "lib/field.h"

#define S MFM_TM_US_PER_S

/* mfm_field_time on the member "t" of line. */
static int
field_time(const char *line, enum mfm_tm_unit unit, int64_t *us,
    struct mfm_err *err)
{
	struct mfm_json j;
	struct mfm_json_path p;
	int rc;

	mfm_json_init(&j);
	ck_assert_int_eq(mfm_json_parse(&j, line, strlen(line), err), 0);
	ck_assert_int_eq(mfm_json_path_parse(&p, "t", err), 0);
	rc = mfm_field_time(&j, &p, unit, us, err);
	mfm_json_path_release(&p);
	mfm_json_release(&j);
	return rc;
}

START_TEST(test_field_time)
{
	struct mfm_err err;
	int64_t us = 42;

	ck_assert_int_eq(field_time("{\"t\":\"1970-01-01T00:00:01Z\"}",
	    MFM_TM_AUTO, &us, &err), 1);
	ck_assert_int_eq(us, S);
	ck_assert_int_eq(field_time("{\"t\":1500}", MFM_TM_MS, &us, &err), 1);
	ck_assert_int_eq(us, 1500000);
	ck_assert_int_eq(field_time("{\"t\":1763812800123}", MFM_TM_AUTO, &us,
	    &err), 1);
	ck_assert_int_eq(us, INT64_C(1763812800123000));
	ck_assert_int_eq(field_time("{\"x\":1}", MFM_TM_AUTO, &us, &err), 0);
	ck_assert_int_eq(field_time("{\"t\":null}", MFM_TM_AUTO, &us, &err),
	    0);
	ck_assert_int_eq(field_time("{\"t\":true}", MFM_TM_AUTO, &us, &err),
	    -1);
	ck_assert_str_eq(err.msg, "field 't' is not a time");
	ck_assert_int_eq(field_time("{\"t\":\"soon\"}", MFM_TM_AUTO, &us,
	    &err), -1);
	ck_assert_int_eq(strncmp(err.msg, "field 't' is not a time: ", 25), 0);
}
END_TEST

/* A field set finds exactly what mfm_json_get finds, path by path. */
START_TEST(test_field_set)
{
	static const char *const paths[] = {
		"a", "b.c", "b.d", "\"x.y\"", "e\u00e9", "_mfm", "b", "a.z",
		"outputs.p", "outcome.y", "w", "\"\"", "b.c.d"
	};
	static const char *const lines[] = {
		"{\"a\":1,\"b\":{\"c\":2,\"d\":3},\"x.y\":4}",
		"{\"a\":1,\"a\":5,\"b\":{\"c\":2,\"c\":6}}",
		"{\"b\":{\"c\":2},\"b\":7}",
		"{\"b\":7,\"b\":{\"d\":8}}",
		"{\"\\u0061\":9,\"b\\u0020\":1,\"_mfm\":{},\"\":0}",
		"{\"a\":1,\"\\u0061\":2,\"a\":3}",
		"{\"outputs\":{\"p\":0.5},\"outcome\":{\"y\":true},"
		    "\"w\":null}",
		"{\"outcome\":{\"p\":1},\"outputs\":{\"y\":2}}",
		"{}", "[1,2]", "3"
	};
	struct mfm_json_path p[sizeof(paths) / sizeof(paths[0])];
	size_t np = sizeof(paths) / sizeof(paths[0]), i, k;
	struct mfm_field_set set;
	struct mfm_json j;
	struct mfm_err err;
	int out[sizeof(paths) / sizeof(paths[0])];

	mfm_field_set_init(&set);
	for (k = 0; k < np; k++) {
		ck_assert_int_eq(mfm_json_path_parse(&p[k], paths[k], &err), 0);
		ck_assert_uint_eq(mfm_field_set_add(&set, &p[k]), k);
	}
	mfm_json_init(&j);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		ck_assert_int_eq(mfm_json_parse(&j, lines[i],
		    strlen(lines[i]), &err), 0);
		mfm_field_set_get(&set, &j, out);
		for (k = 0; k < np; k++)
			ck_assert_msg(out[k] == mfm_json_get(&j, 0, &p[k]),
			    "line %zu path %s: %d", i, paths[k], out[k]);
	}
	mfm_json_release(&j);
	mfm_field_set_release(&set);
	for (k = 0; k < np; k++)
		mfm_json_path_release(&p[k]);
}
END_TEST

START_TEST(test_field_unit)
{
	enum mfm_tm_unit u;

	ck_assert_int_eq(mfm_field_unit("ms", &u), 0);
	ck_assert_int_eq(u, MFM_TM_MS);
	ck_assert_int_eq(mfm_field_unit("auto", &u), 0);
	ck_assert_int_eq(u, MFM_TM_AUTO);
	ck_assert_int_eq(mfm_field_unit("h", &u), -1);
}
END_TEST

/* The token for a missing field is -1; times read from their exact text. */
START_TEST(test_field_time_at)
{
	struct mfm_json j;
	struct mfm_json_path p;
	struct mfm_err err;
	int64_t us = 7;
	static const char line[] = "{\"t\":\"\\u0032026-11-16T10:00:00.5Z\","
	    "\"n\":1700000000123456789,\"f\":-1.5}";

	mfm_json_init(&j);
	ck_assert_int_eq(mfm_json_parse(&j, line, strlen(line), &err), 0);
	ck_assert_int_eq(mfm_json_path_parse(&p, "t", &err), 0);
	ck_assert_int_eq(mfm_field_time_at(&j, -1, &p, MFM_TM_AUTO, &us, &err),
	    0);
	ck_assert_int_eq(us, 7);		/* untouched */
	/* An escaped string is read unescaped. */
	ck_assert_int_eq(mfm_field_time_at(&j, mfm_json_get(&j, 0, &p), &p,
	    MFM_TM_AUTO, &us, &err), 1);
	ck_assert_int_eq(us, INT64_C(1794823200500000));
	mfm_json_path_release(&p);
	/* Nanoseconds from the text, floored to the microsecond. */
	ck_assert_int_eq(mfm_json_path_parse(&p, "n", &err), 0);
	ck_assert_int_eq(mfm_field_time(&j, &p, MFM_TM_NS, &us, &err), 1);
	ck_assert_int_eq(us, INT64_C(1700000000123456));
	mfm_json_path_release(&p);
	ck_assert_int_eq(mfm_json_path_parse(&p, "f", &err), 0);
	ck_assert_int_eq(mfm_field_time(&j, &p, MFM_TM_S, &us, &err), 1);
	ck_assert_int_eq(us, -S - S / 2);
	mfm_json_path_release(&p);
	/* An object is not a time, and the message names the path. */
	ck_assert_int_eq(mfm_json_parse(&j, "{\"a\":{\"b\":{}}}", 14, &err),
	    0);
	ck_assert_int_eq(mfm_json_path_parse(&p, "a.b", &err), 0);
	ck_assert_int_eq(mfm_field_time(&j, &p, MFM_TM_AUTO, &us, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_DATA);
	ck_assert_str_eq(err.msg, "field 'a.b' is not a time");
	mfm_json_path_release(&p);
	mfm_json_release(&j);
}
END_TEST

/* Check a set of paths against mfm_json_get on one record. */
static void
same_as_get(struct mfm_field_set *set, struct mfm_json_path *p, size_t np,
    const char *line)
{
	struct mfm_json j;
	struct mfm_err err;
	int *out = calloc(np, sizeof(*out));
	size_t k;

	ck_assert_ptr_nonnull(out);
	mfm_json_init(&j);
	ck_assert_msg(mfm_json_parse(&j, line, strlen(line), &err) == 0,
	    "%s: %s", line, err.msg);
	mfm_field_set_get(set, &j, out);
	for (k = 0; k < np; k++)
		ck_assert_msg(out[k] == mfm_json_get(&j, 0, &p[k]),
		    "record %s path %s: %d, mfm_json_get %d", line, p[k].text,
		    out[k], mfm_json_get(&j, 0, &p[k]));
	mfm_json_release(&j);
	free(out);
}

/*
 * Names of every length from 1 to 20 bytes, each path against keys that
 * differ from it at one byte (the first, the last, each in between),
 * are one byte longer or shorter: only the exact name is found.
 */
START_TEST(test_field_set_lengths)
{
	struct mfm_json_path p[20];
	struct mfm_field_set set;
	struct mfm_buf line = MFM_BUF_INIT;
	struct mfm_err err;
	char name[32], key[32];
	size_t n, i, k;

	mfm_field_set_init(&set);
	for (n = 1; n <= 20; n++) {
		for (i = 0; i < n; i++)
			name[i] = (char)('a' + (n + i) % 26);
		name[n] = '\0';
		ck_assert_int_eq(mfm_json_path_parse(&p[n - 1], name, &err), 0);
		mfm_field_set_add(&set, &p[n - 1]);
	}
	for (n = 1; n <= 20; n++) {
		for (i = 0; i < n; i++)
			name[i] = (char)('a' + (n + i) % 26);
		for (k = 0; k < n; k++) {
			memcpy(key, name, n);
			key[k] = 'Z';
			mfm_buf_clear(&line);
			mfm_buf_addf(&line, "{\"%.*s\":1,\"%.*sx\":2,\"%.*s\":3}",
			    (int)n, key, (int)n, name, (int)(n - 1), name);
			same_as_get(&set, p, 20, line.p);
		}
		mfm_buf_clear(&line);
		mfm_buf_addf(&line, "{\"x\":0,\"%.*s\":4}", (int)n, name);
		same_as_get(&set, p, 20, line.p);
	}
	mfm_buf_release(&line);
	mfm_field_set_release(&set);
	for (n = 0; n < 20; n++)
		mfm_json_path_release(&p[n]);
}
END_TEST

/* Past 64 first segments every key is compared with each. */
START_TEST(test_field_set_many)
{
	struct mfm_json_path p[100];
	struct mfm_field_set set;
	struct mfm_buf line = MFM_BUF_INIT;
	struct mfm_err err;
	char name[32];
	size_t k;

	mfm_field_set_init(&set);
	for (k = 0; k < 100; k++) {
		snprintf(name, sizeof(name), "f%zu.v", k);
		ck_assert_int_eq(mfm_json_path_parse(&p[k], name, &err), 0);
		mfm_field_set_add(&set, &p[k]);
	}
	mfm_buf_adds(&line, "{");
	for (k = 0; k < 100; k += 3)
		mfm_buf_addf(&line, "%s\"f%zu\":{\"v\":%zu}", k ? "," : "", k, k);
	mfm_buf_adds(&line, ",\"f99\":{\"v\":\"last\"}}");
	same_as_get(&set, p, 100, line.p);
	mfm_buf_release(&line);
	mfm_field_set_release(&set);
	for (k = 0; k < 100; k++)
		mfm_json_path_release(&p[k]);
}
END_TEST

/* A small deterministic generator: the same records every run. */
static uint32_t
rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* A key of a small alphabet, sometimes written with escapes. */
static void
put_key(struct mfm_buf *b, uint32_t *x)
{
	static const char *const keys[] = {
		"a", "b", "ab", "ba", "id", "di", "outputs", "outcome",
		"\\u0061", "a\\u0062", "", "x.y", "\\u00e9", "\xc3\xa9"
	};

	mfm_buf_addf(b, "\"%s\"", keys[rnd(x) % 14]);
}

static void
put_value(struct mfm_buf *b, uint32_t *x, int depth)
{
	size_t n, i;

	switch (depth > 2 ? rnd(x) % 3 : rnd(x) % 5) {
	case 0:
		mfm_buf_addf(b, "%u", rnd(x) % 100);
		break;
	case 1:
		mfm_buf_adds(b, "null");
		break;
	case 2:
		mfm_buf_adds(b, "\"s\"");
		break;
	case 3:
		mfm_buf_adds(b, "[");
		n = rnd(x) % 3;
		for (i = 0; i < n; i++) {
			if (i)
				mfm_buf_addc(b, ',');
			put_value(b, x, depth + 1);
		}
		mfm_buf_adds(b, "]");
		break;
	default:
		mfm_buf_adds(b, "{");
		n = rnd(x) % 5;
		for (i = 0; i < n; i++) {
			if (i)
				mfm_buf_addc(b, ',');
			put_key(b, x);
			mfm_buf_addc(b, ':');
			put_value(b, x, depth + 1);
		}
		mfm_buf_adds(b, "}");
		break;
	}
}

/* 5,000 random records, duplicates and escapes included. */
START_TEST(test_field_set_random)
{
	static const char *const paths[] = {
		"a", "b", "ab", "ba", "id", "di", "outputs", "outcome",
		"a.b", "a.a", "b.a.b", "ab.ba", "a.0", "b.1.a", "\"x.y\"",
		"\"x.y\".a", "\"\"", "\"\".a", "\xc3\xa9", "\xc3\xa9.id",
		"outputs.outcome", "a.@json", "a.@number", "id.@csv.0"
	};
	size_t np = sizeof(paths) / sizeof(paths[0]), k, r;
	struct mfm_json_path p[sizeof(paths) / sizeof(paths[0])];
	struct mfm_field_set set;
	struct mfm_buf line = MFM_BUF_INIT;
	struct mfm_err err;
	uint32_t x = 2463534242u;
	size_t n, i;

	mfm_field_set_init(&set);
	for (k = 0; k < np; k++) {
		ck_assert_int_eq(mfm_json_path_parse(&p[k], paths[k], &err), 0);
		mfm_field_set_add(&set, &p[k]);
	}
	for (r = 0; r < 5000; r++) {
		mfm_buf_clear(&line);
		mfm_buf_adds(&line, "{");
		n = rnd(&x) % 8;
		for (i = 0; i < n; i++) {
			if (i)
				mfm_buf_addc(&line, ',');
			put_key(&line, &x);
			mfm_buf_addc(&line, ':');
			put_value(&line, &x, 0);
		}
		mfm_buf_adds(&line, "}");
		same_as_get(&set, p, np, line.p);
	}
	mfm_buf_release(&line);
	mfm_field_set_release(&set);
	for (k = 0; k < np; k++)
		mfm_json_path_release(&p[k]);
}
END_TEST

Suite *suite_field(void);

Suite *
suite_field(void)
{
	Suite *s = suite_create("field");
	TCase *tc = tcase_create("field");

	tcase_add_test(tc, test_field_time);
	tcase_add_test(tc, test_field_time_at);
	tcase_add_test(tc, test_field_unit);
	tcase_add_test(tc, test_field_set);
	tcase_add_test(tc, test_field_set_lengths);
	tcase_add_test(tc, test_field_set_many);
	tcase_add_test(tc, test_field_set_random);
	suite_add_tcase(s, tc);
	return s;
}
