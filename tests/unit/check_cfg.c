/*
 * Unit tests for lib/cfg: the tree and its positions, every guard the
 * reader adds to libyaml (depth, aliases and anchors, duplicate keys,
 * non-scalar keys, documents, tags, size, node count), libyaml's own
 * syntax errors with their positions, the typed reads and key checks,
 * and loading from files.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "lib/buf.h"
#include "lib/cfg.h"

static const char full[] =
    "join:\n"
    "  key: id\n"
    "  time: timestamp\n"
    "window:\n"
    "  time: timestamp\n"
    "  size: 1d\n"
    "metric:\n"
    "  score: outputs.probability_churn\n"
    "  label: outcome.churned\n"
    "  threshold: 0.5\n"
    "  by: [model_version]\n"
    "threshold:\n"
    "  rules:\n"
    "    - name: auc_low\n"
    "      expr: \"auc < 0.7\"\n"
    "      severity: critical\n"
    "alert:\n"
    "  receivers:\n"
    "    - type: stdout\n";

static int
load(struct mfm_cfg *cfg, const char *text, struct mfm_err *err)
{
	mfm_err_clear(err);
	return mfm_cfg_load_mem(cfg, "mfm.yaml", text, strlen(text), err);
}

/* Load text that must fail, and check the error and its position. */
static void
expect_error(const char *text, enum mfm_err_kind kind, size_t line,
    size_t col, const char *msg)
{
	struct mfm_cfg cfg;
	struct mfm_err err;

	ck_assert_msg(load(&cfg, text, &err) == -1, "accepted: %s", text);
	ck_assert_ptr_null(cfg.root);
	ck_assert_ptr_null(cfg.path);
	ck_assert_str_eq(err.msg, msg);
	ck_assert_int_eq(err.kind, kind);
	ck_assert_uint_eq(err.line, line);
	ck_assert_uint_eq(err.col, col);
	mfm_cfg_release(&cfg);		/* harmless after a failure */
}

static void
expect_scalar(const struct mfm_cfg_node *n, const char *value, size_t line,
    size_t col)
{
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(n->type, MFM_CFG_SCALAR);
	ck_assert_str_eq(n->value, value);
	ck_assert_uint_eq(n->line, line);
	ck_assert_uint_eq(n->col, col);
}

START_TEST(full_config)
{
	const struct mfm_cfg_node *r, *sec, *n, *rule;
	struct mfm_cfg cfg;
	struct mfm_err err;

	ck_assert_int_eq(load(&cfg, full, &err), 0);
	ck_assert_str_eq(cfg.path, "mfm.yaml");
	r = cfg.root;
	ck_assert_int_eq(r->type, MFM_CFG_MAP);
	ck_assert_uint_eq(r->n, 5);
	ck_assert_str_eq(r->keys[0], "join");
	ck_assert_str_eq(r->keys[4], "alert");
	ck_assert_uint_eq(r->key_line[3], 12);
	ck_assert_uint_eq(r->key_col[3], 1);

	sec = mfm_cfg_get(r, "join");
	ck_assert_int_eq(sec->type, MFM_CFG_MAP);
	ck_assert_uint_eq(sec->line, 2);
	ck_assert_uint_eq(sec->col, 3);
	expect_scalar(mfm_cfg_get(sec, "key"), "id", 2, 8);
	ck_assert_uint_eq(sec->key_line[1], 3);
	ck_assert_uint_eq(sec->key_col[1], 3);

	expect_scalar(mfm_cfg_get(mfm_cfg_get(r, "window"), "size"), "1d",
	    6, 9);
	sec = mfm_cfg_get(r, "metric");
	n = mfm_cfg_get(sec, "threshold");
	expect_scalar(n, "0.5", 10, 14);
	ck_assert_int_eq(n->quoted, 0);
	n = mfm_cfg_get(sec, "by");
	ck_assert_int_eq(n->type, MFM_CFG_SEQ);
	ck_assert_uint_eq(n->n, 1);
	ck_assert_uint_eq(n->line, 11);
	ck_assert_uint_eq(n->col, 7);
	expect_scalar(n->items[0], "model_version", 11, 8);

	n = mfm_cfg_get(mfm_cfg_get(r, "threshold"), "rules");
	ck_assert_int_eq(n->type, MFM_CFG_SEQ);
	ck_assert_uint_eq(n->line, 14);
	ck_assert_uint_eq(n->col, 5);
	rule = n->items[0];
	ck_assert_int_eq(rule->type, MFM_CFG_MAP);
	ck_assert_uint_eq(rule->line, 14);
	ck_assert_uint_eq(rule->col, 7);
	expect_scalar(mfm_cfg_get(rule, "name"), "auc_low", 14, 13);
	n = mfm_cfg_get(rule, "expr");
	expect_scalar(n, "auc < 0.7", 15, 13);
	ck_assert_int_eq(n->quoted, 1);
	ck_assert_uint_eq(rule->key_line[2], 16);
	ck_assert_uint_eq(rule->key_col[2], 7);

	n = mfm_cfg_get(mfm_cfg_get(r, "alert"), "receivers");
	expect_scalar(mfm_cfg_get(n->items[0], "type"), "stdout", 19, 13);

	ck_assert_ptr_null(mfm_cfg_get(r, "slice"));
	ck_assert_ptr_null(mfm_cfg_get(NULL, "join"));
	ck_assert_ptr_null(mfm_cfg_get(mfm_cfg_get(sec, "by"), "x"));
	mfm_cfg_release(&cfg);
	ck_assert_ptr_null(cfg.root);
	ck_assert_ptr_null(cfg.path);
	mfm_cfg_release(&cfg);
}
END_TEST

START_TEST(flow_and_block)
{
	const char *text =
	    "a: {b: [x, 'y', \"z\"], c: {}}\n"
	    "d:\n"
	    "  - 1\n"
	    "  -\n"
	    "  - e: f\n"
	    "    g: |\n"
	    "      text\n"
	    "h: []\n";
	const struct mfm_cfg_node *a, *b, *d;
	struct mfm_cfg cfg;
	struct mfm_err err;

	ck_assert_int_eq(load(&cfg, text, &err), 0);
	a = mfm_cfg_get(cfg.root, "a");
	ck_assert_uint_eq(a->key_col[0], 5);
	b = mfm_cfg_get(a, "b");
	ck_assert_uint_eq(b->n, 3);
	expect_scalar(b->items[0], "x", 1, 9);
	ck_assert_int_eq(b->items[0]->quoted, 0);
	ck_assert_int_eq(b->items[1]->quoted, 1);
	ck_assert_int_eq(b->items[2]->quoted, 1);
	ck_assert_int_eq(mfm_cfg_get(a, "c")->type, MFM_CFG_MAP);
	ck_assert_uint_eq(mfm_cfg_get(a, "c")->n, 0);
	d = mfm_cfg_get(cfg.root, "d");
	ck_assert_uint_eq(d->n, 3);
	expect_scalar(d->items[0], "1", 3, 5);
	ck_assert(mfm_cfg_is_null(d->items[1]));
	expect_scalar(mfm_cfg_get(d->items[2], "e"), "f", 5, 8);
	expect_scalar(mfm_cfg_get(d->items[2], "g"), "text\n", 6, 8);
	ck_assert_int_eq(mfm_cfg_get(d->items[2], "g")->quoted, 1);
	ck_assert_int_eq(mfm_cfg_get(cfg.root, "h")->type, MFM_CFG_SEQ);
	ck_assert_uint_eq(mfm_cfg_get(cfg.root, "h")->n, 0);
	mfm_cfg_release(&cfg);
}
END_TEST

START_TEST(empty)
{
	static const char *const texts[] = {
		"", "\n", "# only a comment\n", "---\n", "--- ~\n", "null\n",
		"---\n...\n", "\xef\xbb\xbf"
	};
	struct mfm_cfg cfg;
	struct mfm_err err;
	const struct mfm_cfg_node *sec = (void *)&cfg;
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		ck_assert_int_eq(load(&cfg, texts[i], &err), 0);
		ck_assert_ptr_null(cfg.root);
		ck_assert_str_eq(cfg.path, "mfm.yaml");
		ck_assert_int_eq(mfm_cfg_section(&cfg, "join", &sec, &err), 0);
		ck_assert_ptr_null(sec);
		mfm_cfg_release(&cfg);
	}
	/* A quoted empty string is a value, not an empty file. */
	ck_assert_int_eq(load(&cfg, "''", &err), 0);
	ck_assert_ptr_nonnull(cfg.root);
	mfm_cfg_release(&cfg);
}
END_TEST

static char *
nested_flow(int depth)
{
	struct mfm_buf b = MFM_BUF_INIT;
	int i;

	for (i = 0; i < depth; i++)
		mfm_buf_addc(&b, '[');
	for (i = 0; i < depth; i++)
		mfm_buf_addc(&b, ']');
	return mfm_buf_detach(&b);
}

static char *
nested_block(int depth)
{
	struct mfm_buf b = MFM_BUF_INIT;
	int i;

	for (i = 0; i < depth; i++)
		mfm_buf_addf(&b, "%*sk:\n", i, "");
	mfm_buf_addf(&b, "%*sk: v\n", depth, "");
	return mfm_buf_detach(&b);
}

START_TEST(depth)
{
	const struct mfm_cfg_node *n;
	struct mfm_cfg cfg;
	struct mfm_err err;
	char *s;
	int i;

	s = nested_flow(MFM_CFG_MAX_DEPTH);
	ck_assert_int_eq(load(&cfg, s, &err), 0);
	for (n = cfg.root, i = 1; n->n > 0; n = n->items[0])
		i++;
	ck_assert_int_eq(i, MFM_CFG_MAX_DEPTH);
	mfm_cfg_release(&cfg);
	free(s);

	s = nested_flow(MFM_CFG_MAX_DEPTH + 1);
	expect_error(s, MFM_ERR_LIMIT, 1, 33, "nested deeper than 32 levels");
	free(s);

	/* A hostile depth stops at the first level too many. */
	s = nested_flow(100000);
	expect_error(s, MFM_ERR_LIMIT, 1, 33, "nested deeper than 32 levels");
	free(s);

	/* Block mappings: the root and 31 more levels, then one too many. */
	s = nested_block(MFM_CFG_MAX_DEPTH - 1);
	ck_assert_int_eq(load(&cfg, s, &err), 0);
	mfm_cfg_release(&cfg);
	free(s);
	s = nested_block(MFM_CFG_MAX_DEPTH);
	expect_error(s, MFM_ERR_LIMIT, 33, 33, "nested deeper than 32 levels");
	free(s);
}
END_TEST

START_TEST(aliases_and_anchors)
{
	static const char msg[] = "aliases and anchors are not supported";

	expect_error("a: &x 1\nb: *x\n", MFM_ERR_USAGE, 1, 4, msg);
	expect_error("a: 1\nb: *x\n", MFM_ERR_USAGE, 2, 4, msg);
	expect_error("a: &x [1]\n", MFM_ERR_USAGE, 1, 4, msg);
	expect_error("a:\n  &x b: 1\n", MFM_ERR_USAGE, 2, 3, msg);
	expect_error("a: &x\n  b: 1\n", MFM_ERR_USAGE, 1, 4, msg);
	expect_error("&x a: 1\n", MFM_ERR_USAGE, 1, 1, msg);
	expect_error("- &a [*a]\n", MFM_ERR_USAGE, 1, 3, msg);
	/* The "billion laughs" never gets past its first anchor. */
	expect_error("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n",
	    MFM_ERR_USAGE, 1, 4, msg);
}
END_TEST

START_TEST(duplicate_keys)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_cfg cfg;
	struct mfm_err err;
	char want[64];
	int i;

	expect_error("a: 1\nb: 2\na: 3\n", MFM_ERR_USAGE, 3, 1,
	    "duplicate key 'a'");
	expect_error("a: 1\n'a': 2\n", MFM_ERR_USAGE, 2, 1,
	    "duplicate key 'a'");
	expect_error("x:\n  k: 1\n  j: 2\n  k: 3\n", MFM_ERR_USAGE, 4, 3,
	    "duplicate key 'k'");
	expect_error("{a: 1, b: 2, a: 3}", MFM_ERR_USAGE, 1, 14,
	    "duplicate key 'a'");
	expect_error("- {a: 1}\n- x: 1\n  x: 2\n", MFM_ERR_USAGE, 3, 3,
	    "duplicate key 'x'");
	expect_error("a: 1\n\"\\na\": 2\n\"\\na\": 3\n", MFM_ERR_USAGE, 3, 1,
	    "duplicate key '?a'");
	/* The same key in different mappings is fine. */
	ck_assert_int_eq(load(&cfg, "a: {k: 1}\nb: {k: 2}\nk: 3\n", &err),
	    0);
	mfm_cfg_release(&cfg);
	ck_assert_int_eq(load(&cfg, "a: 1\nA: 2\n\"a \": 3\n", &err), 0);
	mfm_cfg_release(&cfg);

	/* Many keys: all distinct, then one repeat at the end. */
	for (i = 0; i < 20000; i++)
		mfm_buf_addf(&b, "k%d: %d\n", i, i);
	ck_assert_int_eq(load(&cfg, b.p, &err), 0);
	ck_assert_uint_eq(cfg.root->n, 20000);
	ck_assert_str_eq(mfm_cfg_get(cfg.root, "k19999")->value, "19999");
	mfm_cfg_release(&cfg);
	mfm_buf_adds(&b, "k12345: again\n");
	snprintf(want, sizeof(want), "duplicate key 'k12345'");
	expect_error(b.p, MFM_ERR_USAGE, 20001, 1, want);
	mfm_buf_release(&b);
}
END_TEST

START_TEST(keys_must_be_scalars)
{
	static const char msg[] = "a mapping key must be a scalar";

	expect_error("? [a]\n: 1\n", MFM_ERR_USAGE, 1, 3, msg);
	expect_error("? {a: 1}\n: 1\n", MFM_ERR_USAGE, 1, 3, msg);
	expect_error("x:\n  ? - a\n  : 1\n", MFM_ERR_USAGE, 2, 5, msg);
	expect_error("{[a]: 1}", MFM_ERR_USAGE, 1, 2, msg);
}
END_TEST

START_TEST(documents)
{
	static const char msg[] = "more than one document in the file";
	struct mfm_cfg cfg;
	struct mfm_err err;

	expect_error("a: 1\n---\nb: 2\n", MFM_ERR_USAGE, 2, 1, msg);
	expect_error("---\na: 1\n...\n---\nb: 2\n", MFM_ERR_USAGE, 4, 1,
	    msg);
	expect_error("---\n---\n", MFM_ERR_USAGE, 2, 1, msg);
	/* One explicit document, with its end marker, is fine. */
	ck_assert_int_eq(load(&cfg, "%YAML 1.2\n---\na: 1\n...\n", &err), 0);
	expect_scalar(mfm_cfg_get(cfg.root, "a"), "1", 3, 4);
	mfm_cfg_release(&cfg);
}
END_TEST

START_TEST(tags)
{
	static const char *const ok[] = {
		"a: !!str 1", "a: !!int 1", "a: !!float 1.5", "a: !!bool true",
		"a: !!null ~", "a: !!map {b: 1}", "a: !!seq [1]",
		"!!map\na: 1", "!!str a: 1", "a: !<tag:yaml.org,2002:str> x",
	};
	struct mfm_cfg cfg;
	struct mfm_err err;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(load(&cfg, ok[i], &err) == 0, "%s: %s", ok[i],
		    err.msg);
		mfm_cfg_release(&cfg);
	}
	expect_error("a: !foo 1", MFM_ERR_USAGE, 1, 4,
	    "tag '!foo' is not supported (only the core schema's)");
	expect_error("a: ! 1", MFM_ERR_USAGE, 1, 4,
	    "tag '!' is not supported (only the core schema's)");
	expect_error("a: !!binary aGk=", MFM_ERR_USAGE, 1, 4,
	    "tag '!!binary' is not supported on a scalar");
	expect_error("a: !!map 1", MFM_ERR_USAGE, 1, 4,
	    "tag '!!map' is not supported on a scalar");
	expect_error("a: !!seq {b: 1}", MFM_ERR_USAGE, 1, 4,
	    "tag '!!seq' is not supported on a mapping");
	expect_error("a: !!str [1]", MFM_ERR_USAGE, 1, 4,
	    "tag '!!str' is not supported on a sequence");
	expect_error("a: !!set {b}", MFM_ERR_USAGE, 1, 4,
	    "tag '!!set' is not supported on a mapping");
	/* A %TAG directive cannot give "!!" another meaning. */
	expect_error("%TAG !! tag:example.com,2000:\n---\na: !!str x\n",
	    MFM_ERR_USAGE, 3, 4, "tag 'tag:example.com,2000:str' is not "
	    "supported (only the core schema's)");
}
END_TEST

START_TEST(syntax_errors)
{
	expect_error("a: [1, 2\n", MFM_ERR_USAGE, 2, 1, "did not find "
	    "expected ',' or ']', while parsing a flow sequence at 1:4");
	expect_error("a: b: c\n", MFM_ERR_USAGE, 1, 5,
	    "mapping values are not allowed in this context");
	expect_error("a: 1\n b: 2\n", MFM_ERR_USAGE, 2, 3,
	    "mapping values are not allowed in this context");
	expect_error("a: \"open\n", MFM_ERR_USAGE, 2, 1, "found unexpected "
	    "end of stream, while scanning a quoted scalar at 1:4");
	expect_error("a:\n\tb: 1\n", MFM_ERR_USAGE, 2, 1, "found character "
	    "that cannot start any token, while scanning for the next "
	    "token at 2:1");
	/* Reader errors have a byte offset, turned into line and column. */
	expect_error("a: 1\nb: \xff\n", MFM_ERR_USAGE, 2, 4,
	    "invalid leading UTF-8 octet (byte 0xff)");
	expect_error("a: \xc3\xa9\xc3\xa9 \x01\n", MFM_ERR_USAGE, 1, 7,
	    "control characters are not allowed (byte 0x01)");
	expect_error("a: \"x\\0y\"\n", MFM_ERR_USAGE, 1, 4,
	    "NUL character in a scalar");
}
END_TEST

START_TEST(size_cap)
{
	size_t n = MFM_CFG_MAX_SIZE;
	struct mfm_cfg cfg;
	struct mfm_err err;
	char *s = malloc(n + 1);

	/* Exactly the cap: one long comment line, an empty file. */
	memset(s, '#', n + 1);
	s[n - 1] = '\n';
	ck_assert_int_eq(mfm_cfg_load_mem(&cfg, "big", s, n, &err), 0);
	ck_assert_ptr_null(cfg.root);
	mfm_cfg_release(&cfg);
	ck_assert_int_eq(mfm_cfg_load_mem(&cfg, "big", s, n + 1, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	ck_assert_str_eq(err.msg, "file larger than 16 MiB");
	ck_assert_uint_eq(err.line, 0);
	free(s);
}
END_TEST

static char *
flow_seq(size_t items)
{
	struct mfm_buf b = MFM_BUF_INIT;
	size_t i;

	mfm_buf_addc(&b, '[');
	for (i = 0; i < items; i++)
		mfm_buf_adds(&b, i ? ",0" : "0");
	mfm_buf_addc(&b, ']');
	return mfm_buf_detach(&b);
}

START_TEST(node_cap)
{
	struct mfm_cfg cfg;
	struct mfm_err err;
	char msg[64];
	char *s;

	/* The sequence itself is one node. */
	s = flow_seq(MFM_CFG_MAX_NODES - 1);
	ck_assert_int_eq(load(&cfg, s, &err), 0);
	ck_assert_uint_eq(cfg.root->n, MFM_CFG_MAX_NODES - 1);
	mfm_cfg_release(&cfg);
	free(s);
	s = flow_seq(MFM_CFG_MAX_NODES);
	snprintf(msg, sizeof(msg), "more than %u nodes", MFM_CFG_MAX_NODES);
	expect_error(s, MFM_ERR_LIMIT, 1, 2 * MFM_CFG_MAX_NODES, msg);
	free(s);
}
END_TEST

START_TEST(get_str)
{
	const struct mfm_cfg_node *r;
	struct mfm_cfg cfg;
	struct mfm_err err;
	const char *s = "default";

	ck_assert_int_eq(load(&cfg, "a: x\nb: 'y z'\nc: [1]\nd: 12\ne:\n",
	    &err), 0);
	r = cfg.root;
	ck_assert_int_eq(mfm_cfg_str(mfm_cfg_get(r, "zz"), &s, &err), 0);
	ck_assert_str_eq(s, "default");
	ck_assert_int_eq(mfm_cfg_str(mfm_cfg_get(r, "a"), &s, &err), 0);
	ck_assert_str_eq(s, "x");
	ck_assert_int_eq(mfm_cfg_str(mfm_cfg_get(r, "b"), &s, &err), 0);
	ck_assert_str_eq(s, "y z");
	ck_assert_int_eq(mfm_cfg_str(mfm_cfg_get(r, "d"), &s, &err), 0);
	ck_assert_str_eq(s, "12");
	ck_assert_int_eq(mfm_cfg_str(mfm_cfg_get(r, "e"), &s, &err), 0);
	ck_assert_str_eq(s, "");
	ck_assert(mfm_cfg_is_null(mfm_cfg_get(r, "e")));
	ck_assert(!mfm_cfg_is_null(mfm_cfg_get(r, "a")));
	ck_assert(!mfm_cfg_is_null(NULL));
	ck_assert_int_eq(mfm_cfg_str(mfm_cfg_get(r, "c"), &s, &err), -1);
	ck_assert_str_eq(err.msg, "expected a string");
	ck_assert_int_eq(err.kind, MFM_ERR_USAGE);
	ck_assert_uint_eq(err.line, 3);
	ck_assert_uint_eq(err.col, 4);
	mfm_cfg_release(&cfg);
}
END_TEST

/* The one scalar of "v: <text>", for the typed reads. */
static const struct mfm_cfg_node *
value(struct mfm_cfg *cfg, const char *text)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_err err;

	mfm_buf_addf(&b, "v: %s\n", text);
	ck_assert_msg(load(cfg, b.p, &err) == 0, "%s: %s", text, err.msg);
	mfm_buf_release(&b);
	return mfm_cfg_get(cfg->root, "v");
}

START_TEST(get_double)
{
	static const struct {
		const char *text;
		double v;
	} ok[] = {
		{ "0.5", 0.5 }, { "-3", -3 }, { "+1.5E+2", 150 },
		{ "1e-3", 0.001 }, { ".5", 0.5 }, { "2.", 2 }, { "007", 7 },
		{ "'0.25'", 0.25 }, { "\"-1e2\"", -100 }, { "1e-400", 0 },
		{ "0.1", 0.1 }, { "123456789012345678", 123456789012345678.0 },
	};
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ ".inf", "expected a finite number" },
		{ "-.Inf", "expected a finite number" },
		{ "+.INF", "expected a finite number" },
		{ ".nan", "expected a finite number" },
		{ ".NaN", "expected a finite number" },
		{ "1e999", "number out of range" },
		{ "-1e999", "number out of range" },
		{ "abc", "expected a number" },
		{ "inf", "expected a number" },
		{ "nan", "expected a number" },
		{ "0x10", "expected a number" },
		{ "0o17", "expected a number" },
		{ "1,5", "expected a number" },
		{ "'1 '", "expected a number" },
		{ "' 1'", "expected a number" },
		{ "1e", "expected a number" },
		{ ".", "expected a number" },
		{ "'-'", "expected a number" },
		{ "''", "expected a number" },
		{ "1_000", "expected a number" },
		{ "[1]", "expected a number" },
		{ "{a: 1}", "expected a number" },
	};
	struct mfm_cfg cfg;
	struct mfm_err err;
	double d;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		d = -42;
		ck_assert_msg(mfm_cfg_double(value(&cfg, ok[i].text), &d,
		    &err) == 0, "%s: %s", ok[i].text, err.msg);
		ck_assert_msg(d == ok[i].v, "%s: %g", ok[i].text, d);
		mfm_cfg_release(&cfg);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = -42;
		ck_assert_msg(mfm_cfg_double(value(&cfg, bad[i].text), &d,
		    &err) == -1, "%s accepted", bad[i].text);
		ck_assert_str_eq(err.msg, bad[i].msg);
		ck_assert_uint_eq(err.line, 1);
		ck_assert_uint_eq(err.col, 4);
		ck_assert(d == -42);
		mfm_cfg_release(&cfg);
	}
	d = 7;
	ck_assert_int_eq(mfm_cfg_double(NULL, &d, &err), 0);
	ck_assert(d == 7);
}
END_TEST

START_TEST(get_bool)
{
	static const char *const yes[] = { "true", "True", "TRUE", "'true'" };
	static const char *const no[] = { "false", "False", "FALSE" };
	static const char *const bad[] = {
		"yes", "no", "on", "off", "y", "1", "0", "tRUE", "''", "[true]"
	};
	struct mfm_cfg cfg;
	struct mfm_err err;
	size_t i;
	int b;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		b = -1;
		ck_assert_int_eq(mfm_cfg_bool(value(&cfg, yes[i]), &b, &err),
		    0);
		ck_assert_int_eq(b, 1);
		mfm_cfg_release(&cfg);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		b = -1;
		ck_assert_int_eq(mfm_cfg_bool(value(&cfg, no[i]), &b, &err),
		    0);
		ck_assert_int_eq(b, 0);
		mfm_cfg_release(&cfg);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = -1;
		ck_assert_int_eq(mfm_cfg_bool(value(&cfg, bad[i]), &b, &err),
		    -1);
		ck_assert_str_eq(err.msg, "expected true or false");
		ck_assert_uint_eq(err.line, 1);
		ck_assert_uint_eq(err.col, 4);
		ck_assert_int_eq(b, -1);
		mfm_cfg_release(&cfg);
	}
	b = 5;
	ck_assert_int_eq(mfm_cfg_bool(NULL, &b, &err), 0);
	ck_assert_int_eq(b, 5);
}
END_TEST

START_TEST(get_int)
{
	struct mfm_cfg cfg;
	struct mfm_err err;
	long long v;

	ck_assert_int_eq(mfm_cfg_int(value(&cfg, "42"), 1, 100, &v, &err), 0);
	ck_assert_int_eq(v, 42);
	mfm_cfg_release(&cfg);
	ck_assert_int_eq(mfm_cfg_int(value(&cfg, "-7"), -10, 10, &v, &err),
	    0);
	ck_assert_int_eq(v, -7);
	mfm_cfg_release(&cfg);
	ck_assert_int_eq(mfm_cfg_int(value(&cfg, "'+3'"), 0, 10, &v, &err), 0);
	ck_assert_int_eq(v, 3);
	mfm_cfg_release(&cfg);
	ck_assert_int_eq(mfm_cfg_int(value(&cfg, "9223372036854775807"),
	    LLONG_MIN, LLONG_MAX, &v, &err), 0);
	ck_assert(v == LLONG_MAX);
	mfm_cfg_release(&cfg);
	ck_assert_int_eq(mfm_cfg_int(value(&cfg, "-9223372036854775808"),
	    LLONG_MIN, LLONG_MAX, &v, &err), 0);
	ck_assert(v == LLONG_MIN);
	mfm_cfg_release(&cfg);

	v = 99;
	ck_assert_int_eq(mfm_cfg_int(value(&cfg, "9223372036854775808"),
	    LLONG_MIN, LLONG_MAX, &v, &err), -1);
	ck_assert_str_eq(err.msg, "expected an integer from "
	    "-9223372036854775808 to 9223372036854775807");
	mfm_cfg_release(&cfg);
	ck_assert_int_eq(mfm_cfg_int(value(&cfg, "99999999999999999999999"),
	    0, 10, &v, &err), -1);
	ck_assert_str_eq(err.msg, "expected an integer from 0 to 10");
	mfm_cfg_release(&cfg);
	ck_assert_int_eq(mfm_cfg_int(value(&cfg, "0"), 1, 100, &v, &err), -1);
	ck_assert_str_eq(err.msg, "expected an integer from 1 to 100");
	ck_assert_uint_eq(err.col, 4);
	mfm_cfg_release(&cfg);
	ck_assert_int_eq(mfm_cfg_int(value(&cfg, "1.0"), 0, 9, &v, &err), -1);
	ck_assert_str_eq(err.msg, "expected an integer");
	mfm_cfg_release(&cfg);
	ck_assert_int_eq(mfm_cfg_int(value(&cfg, "'-'"), 0, 9, &v, &err),
	    -1);
	ck_assert_str_eq(err.msg, "expected an integer");
	mfm_cfg_release(&cfg);
	ck_assert_int_eq(mfm_cfg_int(value(&cfg, "0x1"), 0, 9, &v, &err), -1);
	ck_assert_str_eq(err.msg, "expected an integer");
	mfm_cfg_release(&cfg);
	ck_assert_int_eq(mfm_cfg_int(value(&cfg, "[1]"), 0, 9, &v, &err), -1);
	ck_assert_str_eq(err.msg, "expected an integer");
	mfm_cfg_release(&cfg);
	ck_assert(v == 99);
	ck_assert_int_eq(mfm_cfg_int(NULL, 0, 9, &v, &err), 0);
	ck_assert(v == 99);
}
END_TEST

START_TEST(get_duration)
{
	struct mfm_cfg cfg;
	struct mfm_err err;
	int64_t us = 5;

	ck_assert_int_eq(mfm_cfg_duration(value(&cfg, "1h30m"), 0, &us, &err),
	    0);
	ck_assert(us == INT64_C(5400000000));
	mfm_cfg_release(&cfg);
	ck_assert_int_eq(mfm_cfg_duration(value(&cfg, "0"), 1, &us, &err), 0);
	ck_assert(us == 0);
	mfm_cfg_release(&cfg);
	ck_assert_int_eq(mfm_cfg_duration(value(&cfg, "1x"), 0, &us, &err),
	    -1);
	ck_assert_str_eq(err.msg, "invalid duration '1x': unknown unit 'x'");
	ck_assert_int_eq(err.kind, MFM_ERR_USAGE);
	ck_assert_uint_eq(err.line, 1);
	ck_assert_uint_eq(err.col, 4);
	mfm_cfg_release(&cfg);
	ck_assert_int_eq(mfm_cfg_duration(value(&cfg, "{a: 1}"), 0, &us,
	    &err), -1);
	ck_assert_str_eq(err.msg, "expected a duration");
	mfm_cfg_release(&cfg);
	us = 5;
	ck_assert_int_eq(mfm_cfg_duration(NULL, 0, &us, &err), 0);
	ck_assert(us == 5);
}
END_TEST

START_TEST(check_keys)
{
	static const char *const known[] = { "key", "time", "ttl", NULL };
	static const char *const none[] = { NULL };
	const struct mfm_cfg_node *join;
	struct mfm_cfg cfg;
	struct mfm_err err;

	ck_assert_int_eq(load(&cfg, "join:\n  key: id\n  time: t\n"
	    "  ttl: 1d\n  tiem: x\n  also: y\n", &err), 0);
	join = mfm_cfg_get(cfg.root, "join");
	ck_assert_int_eq(mfm_cfg_check_keys(join, known, &err), -1);
	ck_assert_str_eq(err.msg, "unknown key 'tiem'");
	ck_assert_int_eq(err.kind, MFM_ERR_USAGE);
	ck_assert_uint_eq(err.line, 5);
	ck_assert_uint_eq(err.col, 3);
	ck_assert_int_eq(mfm_cfg_check_keys(NULL, known, &err), 0);
	ck_assert_int_eq(mfm_cfg_check_keys(mfm_cfg_get(join, "key"), known,
	    &err), -1);
	ck_assert_str_eq(err.msg, "expected a mapping");
	ck_assert_uint_eq(err.line, 2);
	ck_assert_uint_eq(err.col, 8);
	mfm_cfg_release(&cfg);

	ck_assert_int_eq(load(&cfg, "key: 1\ntime: 2\n", &err), 0);
	ck_assert_int_eq(mfm_cfg_check_keys(cfg.root, known, &err), 0);
	ck_assert_int_eq(mfm_cfg_check_keys(cfg.root, none, &err), -1);
	ck_assert_str_eq(err.msg, "unknown key 'key'");
	mfm_cfg_release(&cfg);

	/* A long or odd key is shown cut and on one line. */
	ck_assert_int_eq(load(&cfg, "\"a\\tb\": 1\n"
	    "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	    "kkkk: 2\n", &err), 0);
	ck_assert_int_eq(mfm_cfg_check_keys(cfg.root, none, &err), -1);
	ck_assert_str_eq(err.msg, "unknown key 'a?b'");
	ck_assert_int_eq(mfm_cfg_check_keys(cfg.root, known + 3, &err), -1);
	mfm_cfg_release(&cfg);
}
END_TEST

START_TEST(section)
{
	const struct mfm_cfg_node *sec;
	struct mfm_cfg cfg;
	struct mfm_err err;

	ck_assert_int_eq(load(&cfg, full, &err), 0);
	ck_assert_int_eq(mfm_cfg_section(&cfg, "metric", &sec, &err), 0);
	ck_assert_ptr_eq(sec, mfm_cfg_get(cfg.root, "metric"));
	ck_assert_int_eq(mfm_cfg_section(&cfg, "drift", &sec, &err), 0);
	ck_assert_ptr_null(sec);
	mfm_cfg_release(&cfg);

	ck_assert_int_eq(load(&cfg, "join:\nwindow: ~\n", &err), 0);
	ck_assert_int_eq(mfm_cfg_section(&cfg, "join", &sec, &err), 0);
	ck_assert_ptr_null(sec);
	ck_assert_int_eq(mfm_cfg_section(&cfg, "window", &sec, &err), 0);
	ck_assert_ptr_null(sec);
	mfm_cfg_release(&cfg);

	ck_assert_int_eq(load(&cfg, "join: {}\ntresholds:\n  x: 1\n", &err),
	    0);
	ck_assert_int_eq(mfm_cfg_section(&cfg, "join", &sec, &err), -1);
	ck_assert_str_eq(err.msg, "unknown section 'tresholds'");
	ck_assert_uint_eq(err.line, 2);
	ck_assert_uint_eq(err.col, 1);
	mfm_cfg_release(&cfg);

	ck_assert_int_eq(load(&cfg, "join: id\n", &err), 0);
	ck_assert_int_eq(mfm_cfg_section(&cfg, "join", &sec, &err), -1);
	ck_assert_str_eq(err.msg, "section 'join' must be a mapping");
	ck_assert_uint_eq(err.line, 1);
	ck_assert_uint_eq(err.col, 7);
	mfm_cfg_release(&cfg);

	ck_assert_int_eq(load(&cfg, "- join\n", &err), 0);
	ck_assert_int_eq(mfm_cfg_section(&cfg, "join", &sec, &err), -1);
	ck_assert_str_eq(err.msg,
	    "expected a mapping of tool sections");
	ck_assert_uint_eq(err.line, 1);
	ck_assert_uint_eq(err.col, 1);
	mfm_cfg_release(&cfg);
}
END_TEST

START_TEST(error_helper)
{
	struct mfm_cfg cfg;
	struct mfm_err err;

	ck_assert_int_eq(mfm_cfg_err(value(&cfg, "sevrity"), &err,
	    "unknown severity '%s'", "sevrity"), -1);
	ck_assert_str_eq(err.msg, "unknown severity 'sevrity'");
	ck_assert_int_eq(err.kind, MFM_ERR_USAGE);
	ck_assert_uint_eq(err.line, 1);
	ck_assert_uint_eq(err.col, 4);
	mfm_cfg_release(&cfg);
	ck_assert_int_eq(mfm_cfg_err(NULL, &err, "x"), -1);
	ck_assert_uint_eq(err.line, 0);
	ck_assert_int_eq(mfm_cfg_err(NULL, NULL, "x"), -1);
}
END_TEST

static const char *
data_path(char *buf, size_t size, const char *name)
{
	const char *dir = getenv("MFM_TESTDATA");

	snprintf(buf, size, "%s/cfg/%s", dir ? dir : "tests/data", name);
	return buf;
}

START_TEST(load_files)
{
	struct mfm_cfg cfg;
	struct mfm_err err;
	char path[4096];

	mfm_err_clear(&err);
	ck_assert_msg(mfm_cfg_load(&cfg, data_path(path, sizeof(path),
	    "full.yaml"), &err) == 0, "%s: %s", path, err.msg);
	ck_assert_str_eq(cfg.path, path);
	expect_scalar(mfm_cfg_get(mfm_cfg_get(cfg.root, "window"), "size"),
	    "1d", 7, 9);
	mfm_cfg_release(&cfg);

	ck_assert_int_eq(mfm_cfg_load(&cfg, data_path(path, sizeof(path),
	    "duplicate.yaml"), &err), -1);
	ck_assert_str_eq(err.msg, "duplicate key 'score'");
	ck_assert_uint_eq(err.line, 4);
	ck_assert_uint_eq(err.col, 3);

	ck_assert_int_eq(mfm_cfg_load(&cfg, data_path(path, sizeof(path),
	    "no-such-file.yaml"), &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_SYS);
	ck_assert_int_eq(err.sys, ENOENT);
	ck_assert_str_eq(err.msg, strerror(ENOENT));
	ck_assert_uint_eq(err.line, 0);
	ck_assert_ptr_null(cfg.path);

	ck_assert_int_eq(mfm_cfg_load(&cfg, data_path(path, sizeof(path),
	    ""), &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_SYS);
	ck_assert_int_eq(err.sys, EISDIR);
}
END_TEST

/* A temporary file of n bytes of c, for the size cap when loading. */
static void
write_temp(char *path, size_t size, size_t n, char c)
{
	const char *tmp = getenv("TMPDIR");
	char chunk[65536];
	size_t k;
	int fd;

	snprintf(path, size, "%s/mfm-cfg-XXXXXX", tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	memset(chunk, c, sizeof(chunk));
	for (; n > 0; n -= k) {
		k = n < sizeof(chunk) ? n : sizeof(chunk);
		ck_assert_int_eq(write(fd, chunk, k), (ssize_t)k);
	}
	ck_assert_int_eq(close(fd), 0);
}

START_TEST(load_size_cap)
{
	struct mfm_cfg cfg;
	struct mfm_err err;
	char path[4096];

	write_temp(path, sizeof(path), MFM_CFG_MAX_SIZE, '#');
	ck_assert_int_eq(mfm_cfg_load(&cfg, path, &err), 0);
	ck_assert_ptr_null(cfg.root);
	mfm_cfg_release(&cfg);
	unlink(path);

	write_temp(path, sizeof(path), MFM_CFG_MAX_SIZE + 1, '#');
	ck_assert_int_eq(mfm_cfg_load(&cfg, path, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	ck_assert_str_eq(err.msg, "file larger than 16 MiB");
	unlink(path);

	write_temp(path, sizeof(path), 0, '#');
	ck_assert_int_eq(mfm_cfg_load(&cfg, path, &err), 0);
	ck_assert_ptr_null(cfg.root);
	mfm_cfg_release(&cfg);
	unlink(path);
}
END_TEST

Suite *suite_cfg(void);

Suite *
suite_cfg(void)
{
	Suite *s = suite_create("cfg");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, full_config);
	tcase_add_test(tc, flow_and_block);
	tcase_add_test(tc, empty);
	tcase_add_test(tc, depth);
	tcase_add_test(tc, aliases_and_anchors);
	tcase_add_test(tc, duplicate_keys);
	tcase_add_test(tc, keys_must_be_scalars);
	tcase_add_test(tc, documents);
	tcase_add_test(tc, tags);
	tcase_add_test(tc, syntax_errors);
	tcase_add_test(tc, size_cap);
	tcase_add_test(tc, node_cap);
	tcase_add_test(tc, get_str);
	tcase_add_test(tc, get_double);
	tcase_add_test(tc, get_bool);
	tcase_add_test(tc, get_int);
	tcase_add_test(tc, get_duration);
	tcase_add_test(tc, check_keys);
	tcase_add_test(tc, section);
	tcase_add_test(tc, error_helper);
	tcase_add_test(tc, load_files);
	tcase_add_test(tc, load_size_cap);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
