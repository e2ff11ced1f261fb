/*
 * libFuzzer target for the JSON tokenizer and writer (make fuzz).
 *
 * Each input is parsed as one line.  On success every token is checked
 * (inside the line, `next` moving forward and nesting properly), every
 * number and string is read, strings are written back with
 * mfm_json_put_str and must parse to the same value, numbers written
 * back with mfm_json_put_double must read back bit-identical, and
 * objects spliced with mfm_json_put_open_object must still parse.  The
 * same input is also parsed without the NUL sentinel (the answer must
 * not change), parsed shallow (the same answer, and the full tokens but
 * for what the top-level members not looked into hold) and compiled as
 * a field path.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mfm_json j, j2, j3;
static struct mfm_buf out, scratch, scratch2;

static void
check(int cond)
{
	if (!cond)
		abort();
}

static void
check_string(int t)
{
	const char *s;
	size_t n, n2;
	const char *s2;

	s = mfm_json_str(&j, t, &n, &scratch);
	check(s != NULL);
	check(mfm_json_str_eq(&j, t, s, n));
	if (n > 0)
		check(!mfm_json_str_eq(&j, t, s, n - 1));
	mfm_buf_clear(&out);
	mfm_json_put_str(&out, s, n);
	check(mfm_json_parse(&j2, out.p, out.len, NULL) == 0);
	check(j2.ntok == 1 && j2.tok[0].type == MFM_JSON_STRING);
	s2 = mfm_json_str(&j2, 0, &n2, &scratch2);
	check(n2 == n && memcmp(s, s2, n) == 0);
}

static void
check_number(int t)
{
	static char tmp[8192];
	double d, back, want;
	int64_t v;

	/* Differential: glibc's strtod is correctly rounded. */
	memcpy(tmp, j.buf + j.tok[t].start, j.tok[t].len);
	tmp[j.tok[t].len] = '\0';
	want = strtod(tmp, NULL);
	if (isinf(want))
		check(mfm_json_double(&j, t, &d) == -1);
	if (mfm_json_double(&j, t, &d) == 0) {
		check(!isnan(d) && !isinf(d));
		check(memcmp(&d, &want, sizeof(d)) == 0);
		mfm_buf_clear(&out);
		mfm_json_put_double(&out, d);
		check(mfm_json_parse(&j2, out.p, out.len, NULL) == 0);
		check(mfm_json_double(&j2, 0, &back) == 0);
		check(back == d);
		check(d == 0 || memcmp(&back, &d, sizeof(d)) == 0);
	}
	if (mfm_json_int64(&j, t, &v) == 0) {
		check(j.tok[t].flags & MFM_JSON_F_INTEGER);
		mfm_buf_clear(&out);
		mfm_json_put_int64(&out, v);
		/* -0 is the one integer that does not come back the same. */
		check(out.len == j.tok[t].len || (v == 0 &&
		    j.tok[t].len == 2));
	}
}

static void
check_object(int t)
{
	const struct mfm_json_tok *k = &j.tok[t];
	int m, v;
	size_t n;
	const char *s;

	/* Each key looks up to its own value or a later duplicate. */
	for (m = mfm_json_first(&j, t); m >= 0; m = mfm_json_next(&j, t, m)) {
		check(j.tok[m].type == MFM_JSON_STRING);
		check(j.tok[m].next == (uint32_t)m + 1);
		s = mfm_json_str(&j, m, &n, &scratch2);
		v = mfm_json_member(&j, t, s, n);
		check(v >= m + 1 && (uint32_t)v < k->next);
		check(mfm_json_str_eq(&j, v - 1, s, n));
	}
	mfm_buf_clear(&out);
	if (mfm_json_put_open_object(&out, &j, t) == 1)
		mfm_buf_adds(&out, ",\"x\":1}");
	else
		mfm_buf_adds(&out, "\"x\":1}");
	check(mfm_json_parse(&j2, out.p, out.len, NULL) == 0);
	check(j2.tok[0].count == k->count + 1);
}

static void
walk(size_t size)
{
	size_t t, c, n;
	const struct mfm_json_tok *k;

	check(j.ntok >= 1);
	check(j.tok[0].next == j.ntok);
	for (t = 0; t < j.ntok; t++) {
		k = &j.tok[t];
		check(k->start < size && k->len >= 1);
		check((size_t)k->start + k->len <= size);
		check(k->next > t && k->next <= j.ntok);
		switch (k->type) {
		case MFM_JSON_OBJECT:
		case MFM_JSON_ARRAY:
			/* Children sit inside their container. */
			n = 0;
			for (c = t + 1; c < k->next; c = j.tok[c].next) {
				check(j.tok[c].start > k->start);
				check(j.tok[c].start + j.tok[c].len <
				    k->start + k->len);
				n++;
			}
			check(c == k->next);
			check(n == (k->type == MFM_JSON_OBJECT ?
			    2 * k->count : k->count));
			if (k->type == MFM_JSON_OBJECT)
				check_object((int)t);
			break;
		case MFM_JSON_STRING:
			check(j.buf[k->start] == '"');
			check(j.buf[k->start + k->len - 1] == '"');
			check_string((int)t);
			break;
		case MFM_JSON_NUMBER:
			check_number((int)t);
			break;
		case MFM_JSON_NULL:
		case MFM_JSON_TRUE:
		case MFM_JSON_FALSE:
			check(k->len == 4 || k->len == 5);
			break;
		default:
			check(0);
		}
	}
}

/*
 * A shallow parse, looking into members "a" and "b" only, gives the same
 * answer as the full one (rc), and the full tokens less those under the
 * other top-level members' objects and arrays, which keep their count.
 */
static void
check_shallow(const char *buf, size_t size, int rc)
{
	static const struct mfm_json_seg seg[] = {
		{ "a", 1, MFM_JSON_STEP_KEY }, { "b", 1, MFM_JSON_STEP_KEY }
	};
	static const struct mfm_json_deep deep = { seg, 2 };
	static uint32_t map[8192 * 2 + 2];
	static unsigned char keep[8192 * 2 + 2];
	const struct mfm_json_tok *k, *v, *x;
	size_t t, n;
	uint32_t m, c;
	int deep_member;

	j3.deep = &deep;
	check(mfm_json_parse(&j3, buf, size, NULL) == rc);
	if (rc != 0)
		return;
	check(j.ntok < sizeof(keep) - 1);
	memset(keep, 1, j.ntok);
	if (j.tok[0].type == MFM_JSON_OBJECT)
		for (m = 1; m < j.tok[0].next; m = j.tok[m + 1].next) {
			k = &j.tok[m];
			v = &j.tok[m + 1];
			deep_member = (k->flags & MFM_JSON_F_ESCAPED) ||
			    (k->len == 3 && (j.buf[k->start + 1] == 'a' ||
			    j.buf[k->start + 1] == 'b'));
			if (!deep_member && (v->type == MFM_JSON_OBJECT ||
			    v->type == MFM_JSON_ARRAY))
				for (c = m + 2; c < v->next; c++)
					keep[c] = 0;
		}
	for (t = n = 0; t < j.ntok; t++) {
		map[t] = (uint32_t)n;
		n += keep[t];
	}
	map[j.ntok] = (uint32_t)n;
	check(j3.ntok == n);
	for (t = n = 0; t < j.ntok; t++) {
		if (!keep[t])
			continue;
		k = &j.tok[t];
		x = &j3.tok[n++];
		check(x->start == k->start && x->len == k->len &&
		    x->type == k->type && x->flags == k->flags &&
		    x->count == k->count && x->next == map[k->next]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mfm_json_path p;
	char *buf;
	int rc, rc2;

	if (size >= 8192)
		return 0;	/* numbers are copied to an 8 KiB buffer */
	buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	rc = mfm_json_parse(&j, buf, size, NULL);
	if (rc == 0)
		walk(size);
	/* Without the sentinel the answer is the same. */
	buf[size] = '1';
	j2.max_depth = 0;
	rc2 = mfm_json_parse(&j2, buf, size, NULL);
	check(rc == rc2);
	if (rc == 0)
		check(j2.ntok == j.ntok && memcmp(j.tok, j2.tok,
		    j.ntok * sizeof(*j.tok)) == 0);
	buf[size] = '\0';
	check_shallow(buf, size, rc);
	/* The input as a field path. */
	if (mfm_json_path_parse(&p, buf, NULL) == 0) {
		check(p.nseg >= 1);
		if (rc == 0)
			(void)mfm_json_get(&j, 0, &p);
		mfm_json_path_release(&p);
	}
	free(buf);
	return 0;
}
