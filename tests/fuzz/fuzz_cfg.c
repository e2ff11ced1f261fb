/*
 * libFuzzer target for the YAML configuration loader (make fuzz): the
 * guards of lib/cfg.c (depth, aliases, duplicate keys, tags, NUL bytes,
 * node count) against any input libyaml will tokenize, then every typed
 * read on every scalar, every section lookup, and the rules of a
 * "threshold" section as mfm-threshold reads them.
 *
 * A loaded tree is checked: nesting within MFM_CFG_MAX_DEPTH, at most
 * MFM_CFG_MAX_NODES nodes, positions from 1, scalars without NUL bytes,
 * map keys distinct; a refused input leaves the configuration empty and
 * says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cfg.h"
#include "lib/rule.h"
#include "tests/fuzz/fuzz.h"

static size_t nodes;

static void
typed_reads(const struct mfm_cfg_node *n)
{
	struct mfm_err err;
	const char *s;
	double d;
	long long ll;
	int64_t us;
	int b;

	check(mfm_cfg_str(n, &s, &err) == 0 && s == n->value);
	if (mfm_cfg_double(n, &d, &err) == 0)
		check(d == d && d - d == 0);	/* finite */
	else
		check(err.line == n->line && err.col == n->col);
	(void)mfm_cfg_bool(n, &b, &err);
	if (mfm_cfg_int(n, -5, 100, &ll, &err) == 0)
		check(ll >= -5 && ll <= 100);
	if (mfm_cfg_duration(n, 1, &us, &err) == 0)
		check(us >= 0);
	(void)mfm_cfg_is_null(n);
}

static void
walk(const struct mfm_cfg_node *n, int depth)
{
	size_t i, k;

	check(n != NULL && depth <= MFM_CFG_MAX_DEPTH + 1);
	check(n->line >= 1 && n->col >= 1);
	check(++nodes <= MFM_CFG_MAX_NODES);
	switch (n->type) {
	case MFM_CFG_SCALAR:
		check(n->value != NULL);
		typed_reads(n);
		break;
	case MFM_CFG_MAP:
		for (i = 0; i < n->n; i++) {
			check(n->keys[i] != NULL);
			check(n->key_line[i] >= 1 && n->key_col[i] >= 1);
			/* Quadratic, but inputs are small. */
			for (k = 0; k < i && k < 64; k++)
				check(strcmp(n->keys[k], n->keys[i]) != 0);
			check(mfm_cfg_get(n, n->keys[i]) != NULL);
			walk(n->items[i], depth + 1);
		}
		break;
	case MFM_CFG_SEQ:
		for (i = 0; i < n->n; i++)
			walk(n->items[i], depth + 1);
		break;
	default:
		check(0);
	}
}

static void
rules(const struct mfm_cfg *cfg)
{
	static const char *const known[] = { "rules", NULL };
	const struct mfm_cfg_node *sec, *r;
	struct mfm_rule_set set;
	struct mfm_err err;

	if (mfm_cfg_section(cfg, "threshold", &sec, &err) != 0 || sec == NULL)
		return;
	(void)mfm_cfg_check_keys(sec, known, &err);
	r = mfm_cfg_get(sec, "rules");
	if (r == NULL)
		return;
	mfm_rule_set_init(&set);
	(void)mfm_rule_set_add_cfg(&set, r, &err);
	mfm_rule_set_release(&set);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sections[] = {
		"join", "window", "metric", "threshold", "alert", "drift",
		"slice", "estimate", "bogus"
	};
	const struct mfm_cfg_node *sec;
	struct mfm_cfg cfg;
	struct mfm_err err;
	size_t i;

	if (size > 16384)
		return 0;
	memset(&err, 0, sizeof(err));
	if (mfm_cfg_load_mem(&cfg, "fuzz.yaml", (const char *)data, size,
	    &err) != 0) {
		check(cfg.root == NULL && cfg.path == NULL);
		check(err.msg[0] != '\0');
		return 0;
	}
	nodes = 0;
	if (cfg.root != NULL)
		walk(cfg.root, 1);
	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (mfm_cfg_section(&cfg, sections[i], &sec, &err) == 0 &&
		    sec != NULL)
			check(sec->type == MFM_CFG_MAP);
	rules(&cfg);
	mfm_cfg_release(&cfg);
	check(cfg.root == NULL && cfg.path == NULL);
	return 0;
}
