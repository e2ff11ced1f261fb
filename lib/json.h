/*
 * A strict (RFC 8259), validating, zero-copy JSON tokenizer for one
 * NDJSON line, plus the writer side.
 *
 * mfm_json_parse() reads the line once and builds a flat array of tokens
 * that point into the caller's buffer; nothing is copied and no tree is
 * built.  Values are then read by compiled dotted paths.  Output splices
 * the raw bytes of members it does not touch.
 *
 * Strictness: one value per line (any JSON value; tools usually want an
 * object), surrounded by optional JSON white space only; UTF-8 validated
 * (no overlongs, no surrogates encoded in UTF-8, nothing above U+10FFFF,
 * no truncated sequences); the exact number grammar (no leading zeros,
 * no '+', no '.5', no NaN/Infinity); escapes checked, \u surrogates must
 * pair; raw control characters (< 0x20) and NUL rejected; nesting depth
 * capped (MFM_JSON_MAX_DEPTH by default); a byte order mark is rejected
 * (RFC 8259 forbids sending one; NDJSON lines never start with one).
 * Duplicate keys are accepted, as RFC 8259 allows, and a lookup returns
 * the LAST occurrence, as JavaScript, Python and jq do.  Numbers are
 * checked against the grammar only: 1e999999 is a valid token, and
 * mfm_json_double() reports that it overflows.
 */
#ifndef MFM_JSON_H
#define MFM_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"

#define MFM_JSON_MAX_DEPTH 64

enum mfm_json_type {
	MFM_JSON_NONE = 0,	/* no such value (lookup failed) */
	MFM_JSON_NULL,
	MFM_JSON_FALSE,
	MFM_JSON_TRUE,
	MFM_JSON_NUMBER,
	MFM_JSON_STRING,
	MFM_JSON_ARRAY,
	MFM_JSON_OBJECT
};

/* Token flags. */
#define MFM_JSON_F_ESCAPED	0x01	/* string holds backslash escapes */
#define MFM_JSON_F_INTEGER	0x02	/* number has no fraction/exponent */

/*
 * One token per value and one per object key.  In an object the tokens
 * of a member are the key (a STRING token) followed by its value.  A
 * container's children follow it; `next` is the index of the first token
 * after the value and all its descendants, so siblings are skipped in
 * O(1).  For a key token next is the index of its value.
 */
struct mfm_json_tok {
	uint32_t start;		/* offset of the first byte: quote, bracket, digit */
	uint32_t len;		/* bytes of the whole value, quotes/brackets included */
	uint32_t next;
	uint32_t count;		/* containers: members (objects) or elements */
	uint8_t type;		/* enum mfm_json_type */
	uint8_t flags;
};

/*
 * The members of a record's top-level object that a reader looks into
 * (the first key of each path that has steps after it), for a shallow
 * parse: see struct mfm_json.
 */
struct mfm_json_deep {
	const struct mfm_json_seg *seg;	/* borrowed */
	size_t n;
};

struct mfm_json {
	const char *buf;	/* the line, borrowed; valid while tokens are used */
	size_t len;
	struct mfm_json_tok *tok;
	size_t ntok;
	size_t cap;
	size_t max_depth;	/* 0 means MFM_JSON_MAX_DEPTH */
	size_t max_tokens;	/* 0 means no cap beyond what memory allows */
	/*
	 * A shallow parse, when set (and max_tokens is 0): the value of a
	 * top-level member not named here (or whose key has escapes), if it
	 * is an object or an array, is validated as strictly as the rest but
	 * gets one token, its count right and nothing under it (its next is
	 * the token after it; mfm_json_first finds nothing in it).  For a
	 * reader that looks only into the members it names: a record with a
	 * few fields read out of many is parsed at a fraction of the cost.
	 * Errors are the same.
	 */
	const struct mfm_json_deep *deep;
	/*
	 * Strings that a path step parsed (@json, @number, @csv): their
	 * JSON text follows a copy of the line in own, which buf then
	 * points to, and their tokens follow the line's, so that every
	 * token, old or new, reads the same way.  own never moves while
	 * the record is in use (it is sized once per record), so what was
	 * read before stays valid.  Reset by mfm_json_parse.
	 */
	char *own;
	size_t own_len, own_cap;
	struct mfm_json_parsed {
		int from;		/* the string token */
		int op;			/* its step */
		int to;			/* the root token of what it holds */
	} *parsed;
	size_t nparsed, parsed_cap;
};
/*
 * Set j->max_depth / j->max_tokens / j->deep after mfm_json_init() to
 * change them.
 */

/*
 * A compiled field path: "a.b.c"; "a\.b" or "\"a.b\".c" for a dot in a
 * key.  A step that is a whole number also picks that element (from 0)
 * of an array.  The bare steps @json, @number and @csv parse the string
 * they are applied to (a quoted "@json" is a key of that name):
 *   @json    the string's text as JSON, for the steps after it
 *   @number  the string's text, less white space around it, as a number
 *   @csv     the string split at commas into an array of strings (a
 *            field in double quotes may hold commas, "" is a quote)
 * Applied to a value that is not a string, each is the value itself (so
 * a path reads a member whether it was logged as JSON or as a string of
 * JSON); a string that does not parse stays the string.
 */
enum mfm_json_op {
	MFM_JSON_STEP_KEY = 0,
	MFM_JSON_STEP_JSON,
	MFM_JSON_STEP_NUMBER,
	MFM_JSON_STEP_CSV
};

struct mfm_json_path {
	size_t nseg;
	struct mfm_json_seg {
		char *name;		/* unescaped key, owned */
		size_t len;
		int op;			/* enum mfm_json_op */
	} *seg;
	char *text;		/* the path as written, owned, for messages */
};

void mfm_json_init(struct mfm_json *j);
void mfm_json_release(struct mfm_json *j);

/*
 * Tokenize buf[0..len).  buf must stay valid and unchanged while the
 * tokens are used.  The byte buf[len] must be readable (a NUL terminator
 * is what the line reader provides); it is never treated as part of the
 * value.  When it is NUL the parser uses it as its end sentinel; when it
 * is not, the line is first copied (slower, same result).  The token
 * array is kept between calls and grows as needed.  On error returns -1,
 * with j->ntok 0, err->kind MFM_ERR_DATA, err->col set to the 1-based
 * byte column (err->line untouched) and a message such as
 * "invalid JSON: leading zero in number"; also for a line of
 * UINT32_MAX bytes or more (col 0) and at max_tokens
 * ("invalid JSON: more than N values").
 */
int mfm_json_parse(struct mfm_json *j, const char *buf, size_t len,
    struct mfm_err *err);

/* Root token index is always 0 after a successful parse. */
static inline const struct mfm_json_tok *
mfm_json_at(const struct mfm_json *j, int t)
{
	return &j->tok[t];
}

static inline enum mfm_json_type
mfm_json_type_of(const struct mfm_json *j, int t)
{
	return t < 0 ? MFM_JSON_NONE : (enum mfm_json_type)j->tok[t].type;
}

/*
 * Compile a dotted path.  In a bare segment a backslash takes the next
 * character literally (a\.b is the key "a.b"); a segment that starts
 * with '"' runs to the next unescaped '"' and is taken literally
 * ("a.b".c), and "" names the empty key.  Returns -1, with p empty and
 * the message "invalid field path 'SPEC'" (MFM_ERR_USAGE), on an empty
 * path or segment ("a..b", ".a", "a."), a trailing backslash, or bad
 * quoting.
 */
int mfm_json_path_parse(struct mfm_json_path *p, const char *spec,
    struct mfm_err *err);
void mfm_json_path_release(struct mfm_json_path *p);

/*
 * Look a path up from token `from` (0 for the root).  Returns the token
 * index of the value, or -1 when any step is missing or not an object.
 * With duplicate keys the last occurrence is taken at every step.
 */
int mfm_json_get(const struct mfm_json *j, int from,
    const struct mfm_json_path *p);
/*
 * One step of a path from token t: a member of an object, an element of
 * an array, or a parse step; -1 when it leads nowhere.  A parse step
 * adds tokens to j (j is not changed otherwise: the cast is the
 * documented exception to const), at most once per string and step.
 */
int mfm_json_step(const struct mfm_json *j, int t,
    const struct mfm_json_seg *seg);
/*
 * Look one key up in the object at token obj, comparing unescaped keys;
 * -1 if absent or obj is not an object.  The last duplicate wins.
 */
int mfm_json_member(const struct mfm_json *j, int obj, const char *key,
    size_t keylen);

/*
 * Iterate an object's members or an array's elements:
 *   for (int k = mfm_json_first(j, obj); k >= 0; k = mfm_json_next(j, obj, k))
 * For objects k is the key token and k + 1 its value.
 */
int mfm_json_first(const struct mfm_json *j, int container);
int mfm_json_next(const struct mfm_json *j, int container, int cur);

/*
 * Number value of a NUMBER token: correctly rounded, independent of the
 * locale.  Returns -1 (no error struct: the caller names the field) if
 * the token is not a number or the value overflows a double.
 */
int mfm_json_double(const struct mfm_json *j, int t, double *out);
/* Integer value; -1 when not an integer token or out of int64 range. */
int mfm_json_int64(const struct mfm_json *j, int t, int64_t *out);

/*
 * String value of a STRING token, unescaped.  When the string has no
 * escapes the returned pointer points into the line (not NUL-terminated:
 * use *lenp); otherwise the string is decoded into scratch (cleared
 * first) and scratch->p is returned.  Returns NULL if not a string.
 * A decoded string may hold NUL bytes ("\u0000"): always use *lenp.
 */
const char *mfm_json_str(const struct mfm_json *j, int t, size_t *lenp,
    struct mfm_buf *scratch);
/* Compare a STRING token's unescaped value with s[0..n); 1 when equal. */
int mfm_json_str_eq(const struct mfm_json *j, int t, const char *s, size_t n);

/* Raw bytes of a token's value, exactly as in the input. */
static inline const char *
mfm_json_raw(const struct mfm_json *j, int t, size_t *lenp)
{
	*lenp = j->tok[t].len;
	return j->buf + j->tok[t].start;
}

/* Writer.  All output is compact JSON, valid UTF-8 in, valid JSON out. */

/*
 * Append s[0..n) as a JSON string, quotes included.  '"', backslash and
 * the control characters are escaped (\n, \t... or \u00XX); other valid
 * UTF-8, U+2028/U+2029 included, is copied as it is.  Input should be
 * UTF-8: each byte that is not part of a valid UTF-8 sequence becomes
 * U+FFFD, so the output is always valid JSON.
 */
void mfm_json_put_str(struct mfm_buf *b, const char *s, size_t n);
/*
 * Append a double in shortest round-trip form (integers below 1e15
 * without fraction or exponent: "3"; otherwise as %g: "0.1", "1e+20");
 * -0 becomes 0; NaN and infinities become null.
 */
void mfm_json_put_double(struct mfm_buf *b, double v);
void mfm_json_put_int64(struct mfm_buf *b, int64_t v);
/*
 * Append the object at token obj without its closing brace, so members
 * can be appended after it.  Returns 1 when the object had members (the
 * next appended member needs a leading comma), 0 when it was empty,
 * -1 (nothing written) when obj is not an object.  White space before
 * the closing brace is dropped.
 */
int mfm_json_put_open_object(struct mfm_buf *b, const struct mfm_json *j,
    int obj);

#endif
