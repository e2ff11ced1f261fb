/*
 * The JSON tokenizer and writer; see json.h.
 *
 * The tokenizer is one loop over the line with gotos between its states
 * (value, key, after a value, closing bracket), so that no function is
 * called per token and the nesting depth costs no C stack: while a
 * container is open, its token's `next` field holds the index of the
 * enclosing container, and closing it restores that and stores the real
 * `next`.  A 10000-deep '[' line therefore needs no recursion at all.
 *
 * The byte after the line must be NUL.  Every scanning loop stops on NUL
 * (it is invalid everywhere in JSON), so the hot loops test one byte
 * class instead of both the class and the end pointer, and only a NUL
 * asks "is this the end or a NUL inside the line?".  When the caller's
 * byte after the line is not NUL the line is copied once to a NUL-
 * terminated buffer first; offsets are the same, so the tokens still
 * describe the caller's buffer.
 *
 * Runs of plain string bytes are skipped 16 at a time with SSE2 where
 * the compiler targets it (the x86-64 baseline), or with a table
 * otherwise; bytes >= 0x80 enter the UTF-8 validator one sequence at a
 * time.
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "lib/json.h"
#include "lib/banned.h"

#define NOPARENT	UINT32_MAX

/* The hot helpers must be inlined into the tokenizer's loop. */
#ifdef __GNUC__
#define HOT_INLINE	inline __attribute__((always_inline))
#else
#define HOT_INLINE	inline
#endif

/*
 * Bytes that end a run of plain string content: control characters
 * (NUL included, which is also the end sentinel), '"', '\\' and every
 * byte >= 0x80, which goes to the UTF-8 validator.
 */
static const uint8_t str_stop[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
};

static inline int
is_digit(unsigned c)
{
	return c - '0' < 10;
}

static inline int
is_ws(unsigned c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static inline int
hexval(unsigned c)
{
	if (c - '0' < 10)
		return (int)(c - '0');
	c |= 0x20;
	if (c - 'a' < 6)
		return (int)(c - 'a' + 10);
	return -1;
}

/*
 * Four hex digits at p, or -1.  Stops at the first bad byte, so it never
 * reads past a NUL.
 */
static inline long
hex4(const unsigned char *p)
{
	long v = 0;
	int i, d;

	for (i = 0; i < 4; i++) {
		if ((d = hexval(p[i])) < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/*
 * Length (2 to 4) of the valid UTF-8 sequence that starts with the byte
 * p[0] >= 0x80, or 0 when it is not one: a stray continuation byte,
 * 0xC0/0xC1 or 0xF5..0xFF, an overlong form, a surrogate, a code point
 * above U+10FFFF, or fewer than the needed bytes within avail.
 */
static inline int
utf8_seq(const unsigned char *p, size_t avail)
{
	unsigned c = p[0], lo = 0x80, hi = 0xBF;

	if (c < 0xC2)
		return 0;
	if (c < 0xE0)
		return avail >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c < 0xF0) {
		if (c == 0xE0)
			lo = 0xA0;	/* overlong below U+0800 */
		else if (c == 0xED)
			hi = 0x9F;	/* U+D800..DFFF */
		if (avail < 3 || p[1] < lo || p[1] > hi ||
		    (p[2] & 0xC0) != 0x80)
			return 0;
		return 3;
	}
	if (c < 0xF5) {
		if (c == 0xF0)
			lo = 0x90;	/* overlong below U+10000 */
		else if (c == 0xF4)
			hi = 0x8F;	/* above U+10FFFF */
		if (avail < 4 || p[1] < lo || p[1] > hi ||
		    (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
			return 0;
		return 4;
	}
	return 0;
}

/*
 * Scan a string's content from p (just after the opening quote) to its
 * closing quote, which is returned.  On error returns NULL with *what
 * and *at set.  *flags gets MFM_JSON_F_ESCAPED when a backslash occurs.
 */
static HOT_INLINE const unsigned char *
scan_string(const unsigned char *p, const unsigned char *end, uint8_t *flags,
    const char **what, const unsigned char **at)
{
	long u, l;
	int n;

	for (;;) {
#ifdef __SSE2__
		/*
		 * One signed compare finds both the control characters
		 * and the bytes >= 0x80 (negative as signed chars).
		 */
		const __m128i quote = _mm_set1_epi8('"');
		const __m128i bslash = _mm_set1_epi8('\\');
		const __m128i space = _mm_set1_epi8(' ');

		while (end - p >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)p);
			__m128i m = _mm_or_si128(_mm_or_si128(
			    _mm_cmpeq_epi8(v, quote),
			    _mm_cmpeq_epi8(v, bslash)),
			    _mm_cmplt_epi8(v, space));
			unsigned mask = (unsigned)_mm_movemask_epi8(m);

			if (mask != 0) {
				p += __builtin_ctz(mask);
				goto special;
			}
			p += 16;
		}
#endif
		while (!str_stop[*p])
			p++;
#ifdef __SSE2__
special:
#endif
		if (*p == '"')
			return p;
		if (*p == '\\') {
			*flags |= MFM_JSON_F_ESCAPED;
			switch (p[1]) {
			case '"': case '\\': case '/': case 'b':
			case 'f': case 'n': case 'r': case 't':
				p += 2;
				continue;
			case 'u':
				if ((u = hex4(p + 2)) < 0) {
					*what = "invalid \\u escape";
					*at = p;
					return NULL;
				}
				if (u >= 0xDC00 && u <= 0xDFFF) {
					*what = "lone surrogate in \\u escape";
					*at = p;
					return NULL;
				}
				if (u >= 0xD800 && u <= 0xDBFF) {
					if (p[6] != '\\' || p[7] != 'u' ||
					    (l = hex4(p + 8)) < 0xDC00 ||
					    l > 0xDFFF) {
						*what = "lone surrogate in "
						    "\\u escape";
						*at = p;
						return NULL;
					}
					p += 12;
				} else
					p += 6;
				continue;
			default:
				if (p + 1 == end) {
					*what = "unterminated string";
					*at = end;
				} else {
					*what = "invalid escape";
					*at = p;
				}
				return NULL;
			}
		}
		if (*p >= 0x80) {
			if ((n = utf8_seq(p, (size_t)(end - p))) == 0) {
				*what = "invalid UTF-8";
				*at = p;
				return NULL;
			}
			p += n;
			continue;
		}
		*at = p;
		if (p == end)
			*what = "unterminated string";
		else if (*p == '\0')
			*what = "NUL byte in string";
		else
			*what = "control character in string";
		return NULL;
	}
}

void
mfm_json_init(struct mfm_json *j)
{
	memset(j, 0, sizeof(*j));
}

void
mfm_json_release(struct mfm_json *j)
{
	free(j->tok);
	free(j->own);
	free(j->parsed);
	mfm_json_init(j);
}

static int
syntax(struct mfm_err *err, const unsigned char *base,
    const unsigned char *at, const char *what)
{
	mfm_err_set(err, MFM_ERR_DATA, "invalid JSON: %s", what);
	if (err != NULL)
		err->col = (size_t)(at - base) + 1;
	return -1;
}

/* "unexpected 'x'" with ctx appended, for the byte at p. */
static int
unexpected(struct mfm_err *err, const unsigned char *base,
    const unsigned char *p, const unsigned char *end, const char *ctx)
{
	if (p == end)
		mfm_err_set(err, MFM_ERR_DATA,
		    "invalid JSON: unexpected end of line%s", ctx);
	else if (*p == '\0')
		mfm_err_set(err, MFM_ERR_DATA, "invalid JSON: NUL byte");
	else if (*p > 0x20 && *p < 0x7F)
		mfm_err_set(err, MFM_ERR_DATA,
		    "invalid JSON: unexpected '%c'%s", *p, ctx);
	else
		mfm_err_set(err, MFM_ERR_DATA,
		    "invalid JSON: unexpected byte 0x%02x%s", *p, ctx);
	if (err != NULL)
		err->col = (size_t)(p - base) + 1;
	return -1;
}

/*
 * Make room for one more token: grow the array, or fail at max_tokens.
 * Returns the new limit for ntok, or 0 at the cap.
 */
static size_t
grow_tokens(struct mfm_json *j, size_t ntok)
{
	size_t ncap;

	if (j->max_tokens != 0 && ntok >= j->max_tokens)
		return 0;
	if (ntok >= j->cap) {
		ncap = j->cap < 64 ? 64 : j->cap * 2;
		j->tok = mfm_xreallocarray(j->tok, ncap, sizeof(*j->tok));
		j->cap = ncap;
	}
	if (j->max_tokens != 0 && j->max_tokens < j->cap)
		return j->max_tokens;
	return j->cap;
}

/* Compact JSON has no white space: one compare decides that case. */
#define SKIP_WS(p) do {							\
	while (*(p) <= ' ' && is_ws(*(p)))				\
		(p)++;							\
} while (0)

/*
 * Push a token of type ty starting at p; its index goes to ti.  `next`
 * is set for a scalar; containers overwrite it.
 */
#define PUSH(ty, ti) do {						\
	if (ntok >= lim) {						\
		if ((lim = grow_tokens(j, ntok)) == 0)			\
			goto too_many;					\
		tok = j->tok;						\
	}								\
	(ti) = (uint32_t)ntok++;					\
	tok[ti].start = (uint32_t)(p - base);				\
	tok[ti].next = (uint32_t)ntok;					\
	tok[ti].count = 0;						\
	tok[ti].type = (ty);						\
	tok[ti].flags = 0;						\
} while (0)

/*
 * For a shallow parse: validate the container at p (at '{' or '['), at
 * most depth_left deep, as the tokenizer would, without tokens.  Returns
 * the byte after its closing bracket, with its member or element count
 * in *count; NULL when the tokenizer would fail (or it nests deeper than
 * 64), which then tokenizes the line in full to say why.
 */
static const unsigned char *
skip_container(const unsigned char *p, const unsigned char *end,
    size_t depth_left, uint32_t *count)
{
	const unsigned char *at;
	const char *what;
	uint64_t objs = 0;	/* bit i: the container at depth i + 1 */
	size_t d = 0;
	uint32_t n = 0;
	uint8_t fl;
	int in_obj;

open:
	if (d >= depth_left || d >= 64)
		return NULL;
	in_obj = *p == '{';
	objs = objs << 1 | (uint64_t)in_obj;
	d++;
	p++;
	SKIP_WS(p);
	if (*p == (in_obj ? '}' : ']'))
		goto close;
	if (!in_obj)
		goto element;
key:
	if (*p != '"')
		return NULL;
	n += d == 1;
	if ((p = scan_string(p + 1, end, &fl, &what, &at)) == NULL)
		return NULL;
	p++;
	SKIP_WS(p);
	if (*p != ':')
		return NULL;
	p++;
	SKIP_WS(p);
	goto value;
element:
	n += d == 1;
value:
	switch (*p) {
	case '"':
		if ((p = scan_string(p + 1, end, &fl, &what, &at)) == NULL)
			return NULL;
		p++;
		break;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		if (*p == '-')
			p++;
		if (*p == '0') {
			if (is_digit(*++p))
				return NULL;
		} else if (*p - '1' < 9u) {
			while (is_digit(*++p))
				;
		} else
			return NULL;
		if (*p == '.') {
			if (!is_digit(*++p))
				return NULL;
			while (is_digit(*++p))
				;
		}
		if ((*p | 0x20) == 'e') {
			p++;
			if (*p == '+' || *p == '-')
				p++;
			if (!is_digit(*p))
				return NULL;
			while (is_digit(*++p))
				;
		}
		break;
	case 't':
		if (p[1] != 'r' || p[2] != 'u' || p[3] != 'e')
			return NULL;
		p += 4;
		break;
	case 'f':
		if (p[1] != 'a' || p[2] != 'l' || p[3] != 's' || p[4] != 'e')
			return NULL;
		p += 5;
		break;
	case 'n':
		if (p[1] != 'u' || p[2] != 'l' || p[3] != 'l')
			return NULL;
		p += 4;
		break;
	case '{':
	case '[':
		goto open;
	default:
		return NULL;
	}
after:
	SKIP_WS(p);
	if (*p == ',') {
		p++;
		SKIP_WS(p);
		if (in_obj)
			goto key;
		goto element;
	}
	if (*p != (in_obj ? '}' : ']'))
		return NULL;
close:
	p++;
	objs >>= 1;
	if (--d == 0) {
		*count = n;
		return p;
	}
	in_obj = (int)(objs & 1);
	goto after;
}

/* Whether the key token k names a member a shallow parse looks into. */
static int
deep_key(const struct mfm_json_deep *deep, const unsigned char *base,
    const struct mfm_json_tok *k)
{
	size_t i, n = k->len - 2;

	if (k->flags & MFM_JSON_F_ESCAPED)
		return 1;
	for (i = 0; i < deep->n; i++)
		if (deep->seg[i].len == n &&
		    memcmp(deep->seg[i].name, base + k->start + 1, n) == 0)
			return 1;
	return 0;
}

static int
tokenize(struct mfm_json *j, const char *buf, size_t len,
    struct mfm_err *err)
{
	const unsigned char *const base = (const unsigned char *)buf;
	const unsigned char *const end = base + len;
	const unsigned char *p = base, *q, *at = NULL, *comma;
	const char *what = NULL;
	struct mfm_json_tok *tok = j->tok;
	size_t ntok = 0, depth = 0, lim;
	size_t max_depth = j->max_depth ? j->max_depth : MFM_JSON_MAX_DEPTH;
	uint32_t cur = NOPARENT, ti, parent, cnt;
	int in_obj = 0, rc;
	uint8_t fl;
	const struct mfm_json_deep *deep = j->max_tokens == 0 ? j->deep : NULL;

	lim = j->cap;
	if (j->max_tokens != 0 && j->max_tokens < lim)
		lim = j->max_tokens;
	j->ntok = 0;

	SKIP_WS(p);
	if (p == end)
		return syntax(err, base, p, "empty line");
	if (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		return syntax(err, base, p, "byte order mark");

value:
	/*
	 * p is at the first byte of a value; white space is skipped.  Here
	 * an array's element (or the root); an object's member, counted at
	 * its key, comes in at member_value.
	 */
	if (cur != NOPARENT)
		tok[cur].count++;
member_value:
	/* Strings first: most values are. */
	if (*p == '"') {
		PUSH(MFM_JSON_STRING, ti);
		q = scan_string(p + 1, end, &tok[ti].flags, &what, &at);
		if (q == NULL)
			goto bad;
		tok[ti].len = (uint32_t)(q + 1 - p);
		p = q + 1;
		goto after_value;
	}
	/*
	 * A shallow parse: an object or array under a top-level member
	 * nobody looks into is one token.  Any doubt (an error, deep
	 * nesting): the whole line again, in full, for the same answer.
	 */
	if (deep != NULL && depth == 1 && in_obj &&
	    (*p == '{' || *p == '[') && !deep_key(deep, base, &tok[ntok - 1])) {
		PUSH(*p == '{' ? MFM_JSON_OBJECT : MFM_JSON_ARRAY, ti);
		if ((q = skip_container(p, end, max_depth - depth, &cnt)) ==
		    NULL) {
			j->deep = NULL;
			rc = tokenize(j, buf, len, err);
			j->deep = deep;
			return rc;
		}
		tok[ti].len = (uint32_t)(q - p);
		tok[ti].count = cnt;
		p = q;
		goto after_value;
	}
	switch (*p) {
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		PUSH(MFM_JSON_NUMBER, ti);
		q = p;
		if (*p == '-')
			p++;
		if (*p == '0') {
			p++;
			if (is_digit(*p)) {
				what = "leading zero in number";
				at = p - 1;
				goto bad;
			}
		} else if (*p - '1' < 9u) {
			p++;
			while (is_digit(*p))
				p++;
		} else {
			what = "digit expected after '-'";
			at = p;
			goto bad;
		}
		fl = MFM_JSON_F_INTEGER;
		if (*p == '.') {
			p++;
			if (!is_digit(*p)) {
				what = "digit expected after '.'";
				at = p;
				goto bad;
			}
			while (is_digit(*p))
				p++;
			fl = 0;
		}
		if ((*p | 0x20) == 'e') {
			p++;
			if (*p == '+' || *p == '-')
				p++;
			if (!is_digit(*p)) {
				what = "digit expected in exponent";
				at = p;
				goto bad;
			}
			while (is_digit(*p))
				p++;
			fl = 0;
		}
		tok[ti].flags = fl;
		tok[ti].len = (uint32_t)(p - q);
		goto after_value;
	case 't':
		PUSH(MFM_JSON_TRUE, ti);
		if (p[1] != 'r' || p[2] != 'u' || p[3] != 'e')
			goto bad_literal;
		tok[ti].len = 4;
		p += 4;
		goto after_value;
	case 'f':
		PUSH(MFM_JSON_FALSE, ti);
		if (p[1] != 'a' || p[2] != 'l' || p[3] != 's' || p[4] != 'e')
			goto bad_literal;
		tok[ti].len = 5;
		p += 5;
		goto after_value;
	case 'n':
		PUSH(MFM_JSON_NULL, ti);
		if (p[1] != 'u' || p[2] != 'l' || p[3] != 'l')
			goto bad_literal;
		tok[ti].len = 4;
		p += 4;
		goto after_value;
	case '{':
	case '[':
		if (depth >= max_depth) {
			mfm_err_set(err, MFM_ERR_DATA,
			    "invalid JSON: nesting deeper than %zu", max_depth);
			if (err != NULL)
				err->col = (size_t)(p - base) + 1;
			return -1;
		}
		depth++;
		in_obj = *p == '{';
		PUSH(in_obj ? MFM_JSON_OBJECT : MFM_JSON_ARRAY, ti);
		tok[ti].next = cur;	/* the parent, until it closes */
		cur = ti;
		p++;
		SKIP_WS(p);
		if (*p == (in_obj ? '}' : ']'))
			goto close;
		if (in_obj)
			goto key;
		goto value;
	default:
		if (p == end && cur != NOPARENT)
			return syntax(err, base, p,
			    in_obj ? "unclosed object" : "unclosed array");
		return unexpected(err, base, p, end, "");
	}

key:
	/* p is where a key must start, after '{' or ','. */
	if (*p != '"') {
		if (p == end)
			return syntax(err, base, p, "unclosed object");
		return unexpected(err, base, p, end, ", expected a key");
	}
	PUSH(MFM_JSON_STRING, ti);
	tok[cur].count++;
	q = scan_string(p + 1, end, &tok[ti].flags, &what, &at);
	if (q == NULL)
		goto bad;
	tok[ti].len = (uint32_t)(q + 1 - p);
	p = q + 1;
	SKIP_WS(p);
	if (*p != ':')
		return unexpected(err, base, p, end, ", expected ':'");
	p++;
	SKIP_WS(p);
	goto member_value;

after_value:
	SKIP_WS(p);
	if (cur == NOPARENT) {
		if (p == end) {
			j->ntok = ntok;
			return 0;
		}
		return unexpected(err, base, p, end, " after value");
	}
	if (*p == ',') {
		comma = p++;
		SKIP_WS(p);
		if (in_obj) {
			if (*p == '}')
				return syntax(err, base, comma,
				    "trailing comma");
			goto key;
		}
		if (*p == ']')
			return syntax(err, base, comma, "trailing comma");
		goto value;
	}
	if (*p == (in_obj ? '}' : ']'))
		goto close;
	if (p == end)
		return syntax(err, base, p,
		    in_obj ? "unclosed object" : "unclosed array");
	return unexpected(err, base, p, end,
	    in_obj ? ", expected ',' or '}'" : ", expected ',' or ']'");

close:
	/* p is at the closing bracket of container cur. */
	parent = tok[cur].next;
	tok[cur].len = (uint32_t)(p + 1 - base) - tok[cur].start;
	tok[cur].next = (uint32_t)ntok;
	cur = parent;
	depth--;
	p++;
	in_obj = cur != NOPARENT && tok[cur].type == MFM_JSON_OBJECT;
	goto after_value;

bad_literal:
	return syntax(err, base, p, "invalid literal");
bad:
	return syntax(err, base, at, what);
too_many:
	mfm_err_set(err, MFM_ERR_DATA, "invalid JSON: more than %zu values",
	    j->max_tokens);
	if (err != NULL)
		err->col = (size_t)(p - base) + 1;
	return -1;
}

int
mfm_json_parse(struct mfm_json *j, const char *buf, size_t len,
    struct mfm_err *err)
{
	char *copy;
	int rc;

	j->buf = buf;
	j->len = len;
	j->ntok = 0;
	j->own_len = 0;
	j->nparsed = 0;
	if (len > UINT32_MAX - 1) {
		mfm_err_set(err, MFM_ERR_DATA,
		    "invalid JSON: line longer than %" PRIu32 " bytes",
		    (uint32_t)(UINT32_MAX - 1));
		if (err != NULL)
			err->col = 0;
		return -1;
	}
	if (buf[len] == '\0')
		return tokenize(j, buf, len, err);
	/* No sentinel: tokenize a terminated copy; offsets are the same. */
	copy = mfm_xmemdup(buf, len);
	rc = tokenize(j, copy, len, err);
	free(copy);
	return rc;
}

/* Path compilation. */

static int
bad_path(struct mfm_json_path *p, const char *spec, struct mfm_err *err)
{
	mfm_json_path_release(p);
	return mfm_err_set(err, MFM_ERR_USAGE, "invalid field path '%.200s'",
	    spec);
}

/* The parse step a bare segment names, or MFM_JSON_STEP_KEY. */
static int
step_op(const char *s, size_t n)
{
	if (n == 5 && memcmp(s, "@json", 5) == 0)
		return MFM_JSON_STEP_JSON;
	if (n == 7 && memcmp(s, "@number", 7) == 0)
		return MFM_JSON_STEP_NUMBER;
	if (n == 4 && memcmp(s, "@csv", 4) == 0)
		return MFM_JSON_STEP_CSV;
	return MFM_JSON_STEP_KEY;
}

int
mfm_json_path_parse(struct mfm_json_path *p, const char *spec,
    struct mfm_err *err)
{
	struct mfm_buf name = MFM_BUF_INIT;
	const char *s = spec;
	size_t cap = 0;
	int quoted;

	memset(p, 0, sizeof(*p));
	if (*s == '\0')
		return bad_path(p, spec, err);
	for (;;) {
		/* One segment: bare, or quoted with "...". */
		mfm_buf_clear(&name);
		mfm_buf_grow(&name, 0);
		quoted = *s == '"';
		if (quoted) {
			for (s++; *s != '"'; s++) {
				if (*s == '\\')
					s++;
				if (*s == '\0')
					goto bad;
				mfm_buf_addc(&name, *s);
			}
			s++;
			if (*s != '.' && *s != '\0')
				goto bad;
		} else {
			for (; *s != '.' && *s != '\0'; s++) {
				if (*s == '\\' && *++s == '\0')
					goto bad;
				mfm_buf_addc(&name, *s);
			}
			if (name.len == 0)
				goto bad;
		}
		if (p->nseg == cap) {
			cap = cap ? cap * 2 : 4;
			p->seg = mfm_xreallocarray(p->seg, cap,
			    sizeof(*p->seg));
		}
		p->seg[p->nseg].len = name.len;
		p->seg[p->nseg].name = mfm_xmemdup(name.p, name.len);
		p->seg[p->nseg].op = quoted ? MFM_JSON_STEP_KEY :
		    step_op(name.p, name.len);
		p->nseg++;
		/* A record is an object: a path starts with a member. */
		if (p->nseg == 1 && p->seg[0].op != MFM_JSON_STEP_KEY)
			goto bad;
		if (*s == '\0')
			break;
		s++;		/* the dot */
		if (*s == '\0')
			goto bad;
	}
	mfm_buf_release(&name);
	p->text = mfm_xstrdup(spec);
	return 0;
bad:
	mfm_buf_release(&name);
	return bad_path(p, spec, err);
}

void
mfm_json_path_release(struct mfm_json_path *p)
{
	size_t i;

	for (i = 0; i < p->nseg; i++)
		free(p->seg[i].name);
	free(p->seg);
	free(p->text);
	memset(p, 0, sizeof(*p));
}

/* Lookups. */

int
mfm_json_member(const struct mfm_json *j, int obj, const char *key,
    size_t keylen)
{
	const struct mfm_json_tok *tok = j->tok, *k;
	uint32_t i, stop;
	int found = -1;

	if (obj < 0 || (size_t)obj >= j->ntok ||
	    tok[obj].type != MFM_JSON_OBJECT)
		return -1;
	stop = tok[obj].next;
	/* Every member is looked at: the last duplicate wins. */
	for (i = (uint32_t)obj + 1; i < stop; i = tok[i + 1].next) {
		k = &tok[i];
		if (k->flags & MFM_JSON_F_ESCAPED) {
			if (mfm_json_str_eq(j, (int)i, key, keylen))
				found = (int)i + 1;
		} else if (k->len - 2 == keylen && (keylen == 0 ||
		    (j->buf[k->start + 1] == key[0] &&
		    memcmp(j->buf + k->start + 1, key, keylen) == 0)))
			found = (int)i + 1;
	}
	return found;
}

int
mfm_json_get(const struct mfm_json *j, int from,
    const struct mfm_json_path *p)
{
	size_t i;
	int t = from;

	for (i = 0; i < p->nseg && t >= 0; i++)
		t = mfm_json_step(j, t, &p->seg[i]);
	return t;
}

/* Parse steps. */

/* Element k of the array at token a (a string of digits), or -1. */
static int
element(const struct mfm_json *j, int a, const char *k, size_t n)
{
	size_t i, idx = 0;
	int t;

	if (n == 0 || n > 9)
		return -1;
	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char)k[i]))
			return -1;
		idx = idx * 10 + (size_t)(k[i] - '0');
	}
	for (t = mfm_json_first(j, a); t >= 0 && idx > 0;
	    t = mfm_json_next(j, a, t))
		idx--;
	return t;
}

/*
 * Append text[0..n) to j as JSON: into own (a copy of the line first,
 * then each parsed text, NUL after each), its tokens after j's.  own is
 * sized once per record, for the line and 16 times its length, so that
 * it never moves while the record is read; past that a step fails.
 * Returns the root token, or -1 when the text is no JSON or no room.
 */
static int
append_json(struct mfm_json *j, const char *text, size_t n)
{
	struct mfm_json tmp;
	size_t need, i, lim;
	uint32_t base, shift;
	int root;

	if (j->buf != j->own || j->own_len == 0) {
		need = j->len * 17 + 4096;
		if (j->own_cap < need) {
			free(j->own);
			j->own = mfm_xmalloc(need);
			j->own_cap = need;
		}
		memcpy(j->own, j->buf, j->len);
		j->own[j->len] = '\0';
		j->own_len = j->len + 1;
		j->buf = j->own;
	}
	if (n >= j->own_cap - j->own_len)
		return -1;
	base = (uint32_t)j->own_len;
	memcpy(j->own + base, text, n);
	j->own[base + n] = '\0';
	mfm_json_init(&tmp);
	tmp.max_depth = j->max_depth;
	if (mfm_json_parse(&tmp, j->own + base, n, NULL) != 0) {
		mfm_json_release(&tmp);
		return -1;
	}
	root = (int)j->ntok;
	shift = (uint32_t)j->ntok;
	for (i = 0; i < tmp.ntok; i++) {
		if ((lim = grow_tokens(j, j->ntok)) == 0 || j->ntok >= lim) {
			j->ntok = (size_t)root;
			mfm_json_release(&tmp);
			return -1;
		}
		j->tok[j->ntok] = tmp.tok[i];
		j->tok[j->ntok].start += base;
		j->tok[j->ntok].next += shift;
		j->ntok++;
	}
	j->own_len = base + n + 1;
	mfm_json_release(&tmp);
	return root;
}

/* A string's fields, split at commas, as a JSON array of strings. */
static void
csv_to_json(struct mfm_buf *out, const char *s, size_t n)
{
	struct mfm_buf f = MFM_BUF_INIT;
	size_t i = 0;
	int more = 1;

	/* A line end after the last field is not a field of its own. */
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	mfm_buf_addc(out, '[');
	while (more) {
		mfm_buf_clear(&f);
		mfm_buf_grow(&f, 0);
		if (i < n && s[i] == '"') {
			for (i++; i < n; i++) {
				if (s[i] == '"' && i + 1 < n && s[i + 1] == '"')
					mfm_buf_addc(&f, s[i++]);
				else if (s[i] == '"')
					break;
				else
					mfm_buf_addc(&f, s[i]);
			}
			while (i < n && s[i] != ',')
				i++;
		} else
			for (; i < n && s[i] != ','; i++)
				mfm_buf_addc(&f, s[i]);
		more = i < n;
		i++;
		if (out->len > 1)
			mfm_buf_addc(out, ',');
		mfm_json_put_str(out, f.p, f.len);
	}
	mfm_buf_addc(out, ']');
	mfm_buf_release(&f);
}

int
mfm_json_step(const struct mfm_json *cj, int t,
    const struct mfm_json_seg *seg)
{
	/* The one place a lookup adds to j; see json.h. */
	struct mfm_json *j = (struct mfm_json *)cj;
	struct mfm_buf str = MFM_BUF_INIT, text = MFM_BUF_INIT;
	const char *p;
	size_t i, n;
	int to = -1;

	if (t < 0 || (size_t)t >= j->ntok)
		return -1;
	if (seg->op == MFM_JSON_STEP_KEY) {
		if (j->tok[t].type == MFM_JSON_ARRAY)
			return element(j, t, seg->name, seg->len);
		return mfm_json_member(j, t, seg->name, seg->len);
	}
	/* Not a string: already what the step would make of it. */
	if (j->tok[t].type != MFM_JSON_STRING)
		return t;
	for (i = 0; i < j->nparsed; i++)
		if (j->parsed[i].from == t && j->parsed[i].op == seg->op)
			return j->parsed[i].to;
	p = mfm_json_str(j, t, &n, &str);
	if (seg->op == MFM_JSON_STEP_CSV)
		csv_to_json(&text, p, n);
	else {
		if (seg->op == MFM_JSON_STEP_NUMBER) {
			while (n > 0 && is_ws((unsigned char)*p)) {
				p++;
				n--;
			}
			while (n > 0 && is_ws((unsigned char)p[n - 1]))
				n--;
		}
		mfm_buf_add(&text, p, n);
	}
	if (text.len > 0)
		to = append_json(j, text.p, text.len);
	mfm_buf_release(&str);
	mfm_buf_release(&text);
	/* A string that is not what the step reads stays the string. */
	if (to < 0 || (seg->op == MFM_JSON_STEP_NUMBER &&
	    j->tok[to].type != MFM_JSON_NUMBER))
		to = t;
	if (j->nparsed == j->parsed_cap) {
		j->parsed_cap = j->parsed_cap ? j->parsed_cap * 2 : 8;
		j->parsed = mfm_xreallocarray(j->parsed, j->parsed_cap,
		    sizeof(*j->parsed));
	}
	j->parsed[j->nparsed].from = t;
	j->parsed[j->nparsed].op = seg->op;
	j->parsed[j->nparsed].to = to;
	j->nparsed++;
	return to;
}

int
mfm_json_first(const struct mfm_json *j, int c)
{
	if (c < 0 || (size_t)c >= j->ntok)
		return -1;
	if (j->tok[c].type != MFM_JSON_OBJECT &&
	    j->tok[c].type != MFM_JSON_ARRAY)
		return -1;
	/* Not count > 0: a container a shallow parse skipped has none. */
	return (uint32_t)c + 1 < j->tok[c].next ? c + 1 : -1;
}

int
mfm_json_next(const struct mfm_json *j, int c, int cur)
{
	uint32_t n;

	if (j->tok[c].type == MFM_JSON_OBJECT)
		n = j->tok[cur + 1].next;
	else
		n = j->tok[cur].next;
	return n < j->tok[c].next ? (int)n : -1;
}

/* Numbers. */

static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 u128;

static const uint64_t pow5[] = {
	1ULL, 5ULL, 25ULL, 125ULL, 625ULL, 3125ULL, 15625ULL, 78125ULL,
	390625ULL, 1953125ULL, 9765625ULL, 48828125ULL, 244140625ULL,
	1220703125ULL, 6103515625ULL, 30517578125ULL, 152587890625ULL,
	762939453125ULL, 3814697265625ULL, 19073486328125ULL,
	95367431640625ULL, 476837158203125ULL, 2384185791015625ULL,
	11920928955078125ULL, 59604644775390625ULL, 298023223876953125ULL,
	1490116119384765625ULL, 7450580596923828125ULL
};

/* 2^e for -1022 <= e <= 1023, built from its bits. */
static inline double
pow2(int e)
{
	uint64_t bits = (uint64_t)(e + 1023) << 52;
	double d;

	memcpy(&d, &bits, sizeof(d));
	return d;
}

/*
 * m * 10^e for 0 < m < 2^64 and |e| <= 27, beyond Clinger's fast path
 * (17-digit numbers such as Python writes are the common case).  The
 * value is m * 5^e * 2^e, and the 5^e part is done exactly in 128-bit
 * integers: a product for e >= 0, else a quotient of at least 65 bits
 * whose last bit records a non-zero remainder.  The one rounding is the
 * conversion of that integer to double (round to nearest even, the bit
 * for the remainder breaking ties correctly); scaling by a power of two
 * is exact, as the results stay far from overflow and subnormals.
 */
static double
wide_double(uint64_t m, long e)
{
	u128 num, q;
	int c;

	if (e >= 0) {
		q = (u128)m * pow5[e];
		return (double)q * pow2((int)e);
	}
	c = __builtin_clzll(m);
	num = (u128)(m << c) << 64;
	q = num / pow5[-e];
	if (num % pow5[-e] != 0)
		q |= 1;
	return (double)q * pow2((int)(e - 64 - c));
}
#endif

/*
 * The slow path: strtod on a NUL-terminated copy.  strtod depends on
 * LC_NUMERIC; mfm never calls setlocale(), so it runs in the "C" locale
 * and '.' is the decimal point.  glibc's strtod is correctly rounded.
 */
static int
slow_double(const char *s, size_t n, double *out)
{
	char small[64], *copy = n < sizeof(small) ? small : mfm_xmalloc(n + 1);
	double d;

	memcpy(copy, s, n);
	copy[n] = '\0';
	errno = 0;
	d = strtod(copy, NULL);
	if (copy != small)
		free(copy);
	if (isinf(d))
		return -1;
	*out = d;	/* underflow gives 0 or a subnormal: fine */
	return 0;
}

int
mfm_json_double(const struct mfm_json *j, int t, double *out)
{
	const struct mfm_json_tok *k;
	const unsigned char *s, *e;
	uint64_t m = 0;
	int neg = 0, ndig = 0, esign = 1;
	long exp10 = 0, ex = 0;
	double d;

	if (t < 0 || (size_t)t >= j->ntok ||
	    j->tok[t].type != MFM_JSON_NUMBER)
		return -1;
	k = &j->tok[t];
	s = (const unsigned char *)j->buf + k->start;
	e = s + k->len;
	/*
	 * Clinger's fast path: up to 19 significant digits that fit in a
	 * uint64 and stay <= 2^53, and a power of ten <= 1e22, are exact
	 * doubles, so one multiply or divide rounds correctly.
	 */
	if (*s == '-') {
		neg = 1;
		s++;
	}
	while (s < e && *s == '0')
		s++;
	for (; s < e && is_digit(*s); s++) {
		if (++ndig > 19)
			goto slow;
		m = m * 10 + (*s - '0');
	}
	if (s < e && *s == '.') {
		s++;
		if (m == 0)
			while (s < e && *s == '0') {
				s++;
				exp10--;
			}
		for (; s < e && is_digit(*s); s++) {
			if (++ndig > 19)
				goto slow;
			m = m * 10 + (*s - '0');
			exp10--;
		}
	}
	if (s < e) {
		s++;		/* 'e' or 'E' */
		if (*s == '-' || *s == '+')
			esign = *s++ == '-' ? -1 : 1;
		for (; s < e; s++)
			if (ex < 100000)
				ex = ex * 10 + (*s - '0');
		exp10 += esign * ex;
	}
	if (m == 0) {
		*out = neg ? -0.0 : 0.0;
		return 0;
	}
	if (m <= (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
		d = (double)m;
		d = exp10 < 0 ? d / pow10_exact[-exp10] :
		    d * pow10_exact[exp10];
		*out = neg ? -d : d;
		return 0;
	}
#ifdef __SIZEOF_INT128__
	if (exp10 >= -27 && exp10 <= 27) {
		d = wide_double(m, exp10);
		*out = neg ? -d : d;
		return 0;
	}
#endif
slow:
	return slow_double(j->buf + k->start, k->len, out);
}

int
mfm_json_int64(const struct mfm_json *j, int t, int64_t *out)
{
	const struct mfm_json_tok *k;
	const char *s, *e;
	uint64_t m = 0, limit;
	int neg = 0;
	unsigned d;

	if (t < 0 || (size_t)t >= j->ntok ||
	    j->tok[t].type != MFM_JSON_NUMBER ||
	    !(j->tok[t].flags & MFM_JSON_F_INTEGER))
		return -1;
	k = &j->tok[t];
	s = j->buf + k->start;
	e = s + k->len;
	if (*s == '-') {
		neg = 1;
		s++;
	}
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; s < e; s++) {
		d = (unsigned)(*s - '0');
		if (m > (limit - d) / 10)
			return -1;
		m = m * 10 + d;
	}
	if (neg)
		*out = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
	else
		*out = (int64_t)m;
	return 0;
}

/* Strings. */

static inline size_t
put_utf8(unsigned char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/*
 * Decode the escape at *sp (a backslash, already validated by the
 * tokenizer) into o; advance *sp past it and return the bytes written.
 */
static size_t
unescape1(const unsigned char **sp, unsigned char *o)
{
	const unsigned char *s = *sp;
	unsigned long cp;

	*sp = s + 2;
	switch (s[1]) {
	case 'b': o[0] = '\b'; return 1;
	case 'f': o[0] = '\f'; return 1;
	case 'n': o[0] = '\n'; return 1;
	case 'r': o[0] = '\r'; return 1;
	case 't': o[0] = '\t'; return 1;
	case 'u':
		cp = (unsigned long)hex4(s + 2);
		*sp = s + 6;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			cp = 0x10000 + ((cp - 0xD800) << 10) +
			    ((unsigned long)hex4(s + 8) - 0xDC00);
			*sp = s + 12;
		}
		return put_utf8(o, cp);
	default:
		o[0] = s[1];
		return 1;
	}
}

const char *
mfm_json_str(const struct mfm_json *j, int t, size_t *lenp,
    struct mfm_buf *scratch)
{
	const struct mfm_json_tok *k;
	const unsigned char *s, *e, *run;
	unsigned char *o;

	if (t < 0 || (size_t)t >= j->ntok ||
	    j->tok[t].type != MFM_JSON_STRING)
		return NULL;
	k = &j->tok[t];
	s = (const unsigned char *)j->buf + k->start + 1;
	e = s + k->len - 2;
	if (!(k->flags & MFM_JSON_F_ESCAPED)) {
		*lenp = k->len - 2;
		return (const char *)s;
	}
	/* Decoding never makes a string longer than its escaped form. */
	mfm_buf_clear(scratch);
	mfm_buf_grow(scratch, k->len);
	o = (unsigned char *)scratch->p;
	while (s < e) {
		run = s;
		while (s < e && *s != '\\')
			s++;
		memcpy(o, run, (size_t)(s - run));
		o += s - run;
		if (s < e)
			o += unescape1(&s, o);
	}
	scratch->len = (size_t)(o - (unsigned char *)scratch->p);
	scratch->p[scratch->len] = '\0';
	*lenp = scratch->len;
	return scratch->p;
}

int
mfm_json_str_eq(const struct mfm_json *j, int t, const char *str, size_t n)
{
	const struct mfm_json_tok *k;
	const unsigned char *s, *e, *want = (const unsigned char *)str;
	const unsigned char *wend = want + n;
	unsigned char tmp[4];
	size_t m;

	if (t < 0 || (size_t)t >= j->ntok ||
	    j->tok[t].type != MFM_JSON_STRING)
		return 0;
	k = &j->tok[t];
	s = (const unsigned char *)j->buf + k->start + 1;
	e = s + k->len - 2;
	if (!(k->flags & MFM_JSON_F_ESCAPED))
		return k->len - 2 == n && memcmp(s, str, n) == 0;
	while (s < e) {
		if (*s != '\\') {
			if (want == wend || *want != *s)
				return 0;
			want++;
			s++;
			continue;
		}
		m = unescape1(&s, tmp);
		if ((size_t)(wend - want) < m || memcmp(want, tmp, m) != 0)
			return 0;
		want += m;
	}
	return want == wend;
}

/* Writer. */

/* Bytes put_str copies as they are: printable ASCII but '"' and '\\'. */
static inline int
plain_out(unsigned c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

void
mfm_json_put_str(struct mfm_buf *b, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str, *e = s + n, *run;
	char esc[6];
	int k;

	mfm_buf_grow(b, n + 2);
	b->p[b->len++] = '"';
	while (s < e) {
		run = s;
		while (s < e && plain_out(*s))
			s++;
		if (s > run)
			mfm_buf_add(b, run, (size_t)(s - run));
		if (s == e)
			break;
		if (*s >= 0x80) {
			k = utf8_seq(s, (size_t)(e - s));
			if (k > 0) {
				mfm_buf_add(b, s, (size_t)k);
				s += k;
			} else {
				/* Not UTF-8: U+FFFD for this byte. */
				mfm_buf_add(b, "\xEF\xBF\xBD", 3);
				s++;
			}
			continue;
		}
		esc[0] = '\\';
		switch (*s) {
		case '"': esc[1] = '"'; k = 2; break;
		case '\\': esc[1] = '\\'; k = 2; break;
		case '\b': esc[1] = 'b'; k = 2; break;
		case '\f': esc[1] = 'f'; k = 2; break;
		case '\n': esc[1] = 'n'; k = 2; break;
		case '\r': esc[1] = 'r'; k = 2; break;
		case '\t': esc[1] = 't'; k = 2; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[*s >> 4];
			esc[5] = hex[*s & 0xF];
			k = 6;
			break;
		}
		mfm_buf_add(b, esc, (size_t)k);
		s++;
	}
	mfm_buf_addc(b, '"');
}

void
mfm_json_put_int64(struct mfm_buf *b, int64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	/* The magnitude as unsigned: INT64_MIN has no positive int64. */
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	/* By hand: snprintf's format parsing cost more than the digits. */
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		*--p = '-';
	mfm_buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

/*
 * The shortest form of v when it has at most 15 significant digits and
 * %g would print it without an exponent (1e-4 <= |v| < 1e15): the usual
 * case for scores, seconds and rates, and several times faster than the
 * snprintf() and strtod() round trip below, which dominated mfm-join's
 * profile.  For d = 1, 2, ... fractional digits, m = round(|v| * 10^d) is
 * the only candidate with d digits, and m / 10^d, a division of two
 * exact doubles, is rounded as strtod() would round that decimal; the
 * first d that gives back v is the fewest digits.  When the shortest form
 * has at most 15 digits, %.15g prints exactly that decimal, so the output
 * is the same as the general path's.  Returns 0 when v needs that path.
 */
static int
put_double_short(struct mfm_buf *b, double v)
{
	static const double p10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
	    1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
	    1e19 };
	double a = fabs(v), x;
	char tmp[40], *p = tmp + sizeof(tmp);
	int64_t m;
	int d, i;

	if (!(a >= 1e-4 && a < 1e15))
		return 0;
	for (d = 1; d < (int)(sizeof(p10) / sizeof(p10[0])); d++) {
		x = a * p10[d];
		if (x >= 1e15)
			return 0;
		m = (int64_t)(x + 0.5);
		if ((double)m / p10[d] == a)
			break;
	}
	if (d == (int)(sizeof(p10) / sizeof(p10[0])))
		return 0;
	/* Digits right to left: d fractional ones, '.', the integer part. */
	for (i = 0; i < d; i++) {
		*--p = (char)('0' + m % 10);
		m /= 10;
	}
	*--p = '.';
	do {
		*--p = (char)('0' + m % 10);
		m /= 10;
	} while (m > 0);
	if (v < 0)
		*--p = '-';
	mfm_buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
	return 1;
}

void
mfm_json_put_double(struct mfm_buf *b, double v)
{
	char tmp[40];
	int prec, n = 0;

	if (isnan(v) || isinf(v)) {
		mfm_buf_add(b, "null", 4);
		return;
	}
	if (v == 0) {
		mfm_buf_addc(b, '0');	/* -0 too: JSON readers differ on it */
		return;
	}
	if (fabs(v) < 1e15 && v == (double)(int64_t)v) {
		mfm_json_put_int64(b, (int64_t)v);
		return;
	}
	if (put_double_short(b, v))
		return;
	/*
	 * %.15g gives the shortest form for every normal double whose
	 * shortest form has at most 15 digits; otherwise 16 or 17 digits.
	 * Subnormals have less precision, so they start from 1 digit.
	 * Like strtod, %g uses the "C" locale's '.' since mfm never calls
	 * setlocale().
	 */
	prec = fabs(v) < DBL_MIN ? 1 : 15;
	for (; prec <= 17; prec++) {
		n = snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	mfm_buf_add(b, tmp, (size_t)n);
}

int
mfm_json_put_open_object(struct mfm_buf *b, const struct mfm_json *j,
    int obj)
{
	const struct mfm_json_tok *k;
	const char *raw;
	size_t n;

	if (obj < 0 || (size_t)obj >= j->ntok ||
	    j->tok[obj].type != MFM_JSON_OBJECT)
		return -1;
	k = &j->tok[obj];
	if (k->count == 0) {
		mfm_buf_addc(b, '{');
		return 0;
	}
	raw = j->buf + k->start;
	n = k->len - 1;		/* without the closing brace */
	while (n > 1 && is_ws((unsigned char)raw[n - 1]))
		n--;
	mfm_buf_add(b, raw, n);
	return 1;
}
