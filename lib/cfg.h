/*
 * The YAML configuration file (mfm-config(5)), read with libyaml into a
 * small tree that the tools walk.  libyaml 0.2.5 accepts duplicate keys,
 * cyclic aliases and unbounded nesting; this reader refuses all three
 * itself: nesting beyond MFM_CFG_MAX_DEPTH, any alias or anchor, and a
 * key given twice in one mapping are errors with file:line:col.  Tags
 * other than the core schema's are errors too, as are more than one
 * document, a mapping key that is not a scalar, a NUL in a scalar, a
 * file over MFM_CFG_MAX_SIZE bytes and a tree over MFM_CFG_MAX_NODES
 * nodes.
 *
 * A tool takes its own section (mfm_cfg_section(cfg, "join", ...)) and
 * checks the keys it knows with mfm_cfg_check_keys(), so a typo is an
 * error "mfm.yaml:4:7: unknown key 'sevrity'" rather than a silent
 * default.  Scalars are kept as text; the typed reads below interpret
 * them by the YAML 1.2 core schema.
 */
#ifndef MFM_CFG_H
#define MFM_CFG_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define MFM_CFG_MAX_DEPTH 32
#define MFM_CFG_MAX_SIZE (16u << 20)	/* bytes of YAML at most */
/*
 * Scalars (keys included) and collections at most: 16 MiB of "[0,0,...]"
 * would otherwise become some 8 million nodes.
 */
#define MFM_CFG_MAX_NODES (1u << 17)

enum mfm_cfg_type {
	MFM_CFG_SCALAR = 1,
	MFM_CFG_MAP,
	MFM_CFG_SEQ
};

struct mfm_cfg_node {
	enum mfm_cfg_type type;
	size_t line, col;		/* 1-based position in the file */
	char *value;			/* SCALAR: NUL-terminated text */
	int quoted;			/* SCALAR: not plain (quoted, | or >) */
	size_t n;			/* MAP: pairs; SEQ: items */
	char **keys;			/* MAP: n keys, in file order */
	size_t *key_line, *key_col;	/* MAP: positions of the keys */
	struct mfm_cfg_node **items;	/* MAP: n values; SEQ: n items */
};

struct mfm_cfg {
	char *path;			/* as given, for messages */
	struct mfm_cfg_node *root;	/* NULL for an empty file */
};

/*
 * Load path.  err->line/col are set for syntax and guard errors (0 when
 * the error has no position, as for a failed open(2)); the message does
 * not repeat the file name (the caller prints "prog: path:line:col: msg"
 * or "prog: path: msg").  Kinds: MFM_ERR_SYS (open, read), MFM_ERR_LIMIT
 * (size, depth, node count), MFM_ERR_USAGE (everything else).  A file
 * with no document, or whose one document is empty or null, gives
 * root == NULL.  On failure cfg is left empty (path and root NULL); on
 * success the caller calls mfm_cfg_release.
 */
int mfm_cfg_load(struct mfm_cfg *cfg, const char *path, struct mfm_err *err);
/* Same from memory, for tests; name is used as path. */
int mfm_cfg_load_mem(struct mfm_cfg *cfg, const char *name, const char *data,
    size_t len, struct mfm_err *err);
/* Free the tree and path; cfg is left empty.  Harmless on an empty cfg. */
void mfm_cfg_release(struct mfm_cfg *cfg);

/*
 * A tool's section: *out = the mapping under name at the top level, or
 * NULL when the file is empty or has no such section or the section is
 * null ("join:" alone).  Errors: the top level is not a mapping, a
 * top-level key is not a known section (join, window, metric,
 * threshold, alert, drift, slice: so "tresholds:" is caught by every
 * tool), the section is not a mapping.
 */
int mfm_cfg_section(const struct mfm_cfg *cfg, const char *name,
    const struct mfm_cfg_node **out, struct mfm_err *err);

/* Value of key in a MAP node, or NULL (also when map is NULL or not a map). */
const struct mfm_cfg_node *mfm_cfg_get(const struct mfm_cfg_node *map,
    const char *key);
/*
 * Fail on the first key of map not in the NULL-terminated list known,
 * with err line/col at that key: "unknown key 'sevrity'".  A NULL map
 * passes; a node that is not a map fails: "expected a mapping".
 */
int mfm_cfg_check_keys(const struct mfm_cfg_node *map,
    const char *const *known, struct mfm_err *err);

/* 1 if n is a plain scalar meaning null: empty, "~", null/Null/NULL. */
int mfm_cfg_is_null(const struct mfm_cfg_node *n);

/*
 * Typed reads of a scalar, with err line/col at the node on a type error
 * ("expected a number", "expected true or false", "expected a string").
 * A NULL node leaves *out unchanged and returns 0 (an absent key keeps
 * the default).  Plain and quoted scalars are read alike.
 *
 * mfm_cfg_str: any scalar; *out points into the tree (valid until
 * mfm_cfg_release).  mfm_cfg_double: a decimal number as the YAML 1.2
 * core schema writes one ("0.5", "-3", "1e-3", ".5", "2."), read in the
 * C locale whatever the process locale; ".inf", ".nan" and numbers too
 * large for a double are "expected a finite number"; hex, octal,
 * surrounding space and trailing text are "expected a number".
 * mfm_cfg_bool: true, True, TRUE, false, False, FALSE (the YAML 1.2 core
 * schema: yes, no, on, off are not booleans).
 */
int mfm_cfg_str(const struct mfm_cfg_node *n, const char **out,
    struct mfm_err *err);
int mfm_cfg_double(const struct mfm_cfg_node *n, double *out,
    struct mfm_err *err);
int mfm_cfg_bool(const struct mfm_cfg_node *n, int *out, struct mfm_err *err);
/*
 * The number of mfm_cfg_double in text s, for readers of the same
 * numbers elsewhere (options): 0 with *out set, or why not.
 */
#define MFM_CFG_NOT_NUMBER	(-1)	/* not the core schema's decimal */
#define MFM_CFG_NOT_FINITE	(-2)	/* .inf, .nan and their kin */
#define MFM_CFG_OUT_OF_RANGE	(-3)	/* too large for a double */
int mfm_cfg_scan_double(const char *s, double *out);
/*
 * A decimal integer ([-+]?[0-9]+) within [min, max]: "expected an
 * integer", "expected an integer from 1 to 100".
 */
int mfm_cfg_int(const struct mfm_cfg_node *n, long long min, long long max,
    long long *out, struct mfm_err *err);
/*
 * A duration as mfm_tm_parse_duration reads it ("15m", "1h30m"), in
 * microseconds; its error message, positioned at the node.
 */
int mfm_cfg_duration(const struct mfm_cfg_node *n, int allow_zero,
    int64_t *out, struct mfm_err *err);
/* Error positioned at node n (kind MFM_ERR_USAGE): returns -1. */
int mfm_cfg_err(const struct mfm_cfg_node *n, struct mfm_err *err,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
