/*
 * The configuration reader: libyaml's event stream turned into the small
 * tree of cfg.h, with the guards libyaml 0.2.5 lacks applied while the
 * events arrive, so a hostile file is refused at its first offence and
 * its position: no alias or anchor is ever followed (which rules out
 * cycles and "billion laughs" expansion), nesting stops at
 * MFM_CFG_MAX_DEPTH, and a repeated key is caught when it is read (a
 * small hash set per open mapping keeps that linear for large maps).
 *
 * The tree is built without recursion: an explicit stack of open
 * collections, each new node attached to its parent as soon as it is
 * made, so that on any error freeing the root frees everything.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "lib/buf.h"
#include "lib/cfg.h"
#include "lib/tm.h"
#include "lib/banned.h"

#define CORE_TAG "tag:yaml.org,2002:"
#define SHOW_MAX 64		/* bytes of a key or value shown in a message */

/* Every section a tool reads; a top-level key outside it is a typo. */
static const char *const sections[] = {
	"join", "window", "metric", "threshold", "alert", "drift", "slice",
	"estimate", "report", "export",
	NULL
};

/* Keys seen in one open mapping: open addressing over key indices. */
struct keyset {
	size_t *slot;		/* index + 1 into the map's keys, 0 empty */
	uint32_t *hash;		/* hash of the key in each slot */
	size_t cap;		/* a power of two, or 0 */
	size_t n;
};

struct frame {
	struct mfm_cfg_node *node;	/* the MAP or SEQ being filled */
	size_t cap;			/* room in the node's arrays */
	char *key;			/* MAP: key read, value not yet */
	size_t key_line, key_col;
	struct keyset seen;		/* MAP: keys so far */
};

struct builder {
	struct frame stack[MFM_CFG_MAX_DEPTH];
	size_t depth;
	struct mfm_cfg_node *root;
	size_t nodes;
	struct mfm_err *err;
};

static uint32_t
hash_key(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* A key or value as shown inside '...' in a message (see err.h). */
static const char *
show(char *dst, size_t size, const char *s)
{
	return mfm_err_quote(dst, size, s, strlen(s), SHOW_MAX);
}

static int
err_at(struct mfm_err *err, enum mfm_err_kind kind, size_t line, size_t col,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
err_at(struct mfm_err *err, enum mfm_err_kind kind, size_t line, size_t col,
    const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->kind = kind;
	err->sys = 0;
	err->line = line;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
mfm_cfg_err(const struct mfm_cfg_node *n, struct mfm_err *err,
    const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->kind = MFM_ERR_USAGE;
	err->sys = 0;
	err->line = n ? n->line : 0;
	err->col = n ? n->col : 0;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static void
node_free(struct mfm_cfg_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	/* Depth is bounded by MFM_CFG_MAX_DEPTH, so recursion is safe. */
	for (i = 0; i < n->n; i++) {
		node_free(n->items[i]);
		if (n->keys)
			free(n->keys[i]);
	}
	free(n->items);
	free(n->keys);
	free(n->key_line);
	free(n->key_col);
	free(n->value);
	free(n);
}

/* Look key up in the set of map; add it as index map->n when absent. */
static int
keyset_add(struct keyset *ks, const struct mfm_cfg_node *map, const char *key)
{
	uint32_t h = hash_key(key);
	size_t i, j, mask;

	if (2 * (ks->n + 1) > ks->cap) {
		size_t ncap = ks->cap ? 2 * ks->cap : 16;
		size_t *slot = mfm_xcalloc(ncap, sizeof(*slot));
		uint32_t *hash = mfm_xcalloc(ncap, sizeof(*hash));

		for (i = 0; i < ks->cap; i++) {
			if (ks->slot[i] == 0)
				continue;
			for (j = ks->hash[i] & (ncap - 1); slot[j] != 0;
			    j = (j + 1) & (ncap - 1))
				;
			slot[j] = ks->slot[i];
			hash[j] = ks->hash[i];
		}
		free(ks->slot);
		free(ks->hash);
		ks->slot = slot;
		ks->hash = hash;
		ks->cap = ncap;
	}
	mask = ks->cap - 1;
	for (i = h & mask; ks->slot[i] != 0; i = (i + 1) & mask)
		if (ks->hash[i] == h &&
		    strcmp(map->keys[ks->slot[i] - 1], key) == 0)
			return -1;
	ks->slot[i] = map->n + 1;
	ks->hash[i] = h;
	ks->n++;
	return 0;
}

static void
frame_release(struct frame *f)
{
	free(f->key);
	free(f->seen.slot);
	free(f->seen.hash);
	memset(f, 0, sizeof(*f));
}

/* Hang a new node under the open collection at the top, or make it root. */
static void
attach(struct builder *b, struct mfm_cfg_node *node)
{
	struct frame *f;
	struct mfm_cfg_node *p;

	if (b->depth == 0) {
		b->root = node;
		return;
	}
	f = &b->stack[b->depth - 1];
	p = f->node;
	if (p->n == f->cap) {
		/* Doubling: one realloc per item would be quadratic. */
		f->cap = f->cap ? 2 * f->cap : 4;
		p->items = mfm_xreallocarray(p->items, f->cap,
		    sizeof(*p->items));
		if (p->type == MFM_CFG_MAP) {
			p->keys = mfm_xreallocarray(p->keys, f->cap,
			    sizeof(*p->keys));
			p->key_line = mfm_xreallocarray(p->key_line, f->cap,
			    sizeof(*p->key_line));
			p->key_col = mfm_xreallocarray(p->key_col, f->cap,
			    sizeof(*p->key_col));
		}
	}
	if (p->type == MFM_CFG_MAP) {
		p->keys[p->n] = f->key;
		p->key_line[p->n] = f->key_line;
		p->key_col[p->n] = f->key_col;
		f->key = NULL;
	}
	p->items[p->n++] = node;
}

/* The open collection is a map that waits for a key, not a value. */
static int
wants_key(const struct builder *b)
{
	const struct frame *f;

	if (b->depth == 0)
		return 0;
	f = &b->stack[b->depth - 1];
	return f->node->type == MFM_CFG_MAP && f->key == NULL;
}

/*
 * Only the core schema's tags, each on its kind of node.  libyaml hands
 * tags over resolved, "!!int" as "tag:yaml.org,2002:int", so a %TAG
 * directive cannot smuggle another meaning in under "!!".
 */
static int
check_tag(const char *tag, enum mfm_cfg_type type, yaml_mark_t m,
    struct mfm_err *err)
{
	static const char *const scalar_tags[] = {
		"str", "int", "float", "bool", "null", NULL
	};
	char buf[SHOW_MAX + 8];
	const char *name;
	size_t i;

	if (tag == NULL)
		return 0;
	if (strncmp(tag, CORE_TAG, strlen(CORE_TAG)) != 0)
		return err_at(err, MFM_ERR_USAGE, m.line + 1, m.column + 1,
		    "tag '%s' is not supported (only the core schema's)",
		    show(buf, sizeof(buf), tag));
	name = tag + strlen(CORE_TAG);
	if (type == MFM_CFG_MAP && strcmp(name, "map") == 0)
		return 0;
	if (type == MFM_CFG_SEQ && strcmp(name, "seq") == 0)
		return 0;
	if (type == MFM_CFG_SCALAR)
		for (i = 0; scalar_tags[i] != NULL; i++)
			if (strcmp(name, scalar_tags[i]) == 0)
				return 0;
	return err_at(err, MFM_ERR_USAGE, m.line + 1, m.column + 1,
	    "tag '!!%s' is not supported on a %s", show(buf, sizeof(buf), name),
	    type == MFM_CFG_MAP ? "mapping" : type == MFM_CFG_SEQ ?
	    "sequence" : "scalar");
}

static struct mfm_cfg_node *
new_node(struct builder *b, enum mfm_cfg_type type, yaml_mark_t m)
{
	struct mfm_cfg_node *n;

	if (++b->nodes > MFM_CFG_MAX_NODES) {
		err_at(b->err, MFM_ERR_LIMIT, m.line + 1, m.column + 1,
		    "more than %u nodes", MFM_CFG_MAX_NODES);
		return NULL;
	}
	n = mfm_xcalloc(1, sizeof(*n));
	n->type = type;
	n->line = m.line + 1;
	n->col = m.column + 1;
	return n;
}

static int
on_scalar(struct builder *b, const yaml_event_t *ev)
{
	const char *text = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	yaml_mark_t m = ev->start_mark;
	struct mfm_cfg_node *n;
	struct frame *f;
	char buf[SHOW_MAX + 8];

	if (ev->data.scalar.anchor != NULL)
		return err_at(b->err, MFM_ERR_USAGE, m.line + 1, m.column + 1,
		    "aliases and anchors are not supported");
	if (check_tag((const char *)ev->data.scalar.tag, MFM_CFG_SCALAR, m,
	    b->err) < 0)
		return -1;
	/* "\0" in a quoted scalar would cut the C string short unseen. */
	if (memchr(text, '\0', len) != NULL)
		return err_at(b->err, MFM_ERR_USAGE, m.line + 1, m.column + 1,
		    "NUL character in a scalar");
	if (wants_key(b)) {
		f = &b->stack[b->depth - 1];
		if (++b->nodes > MFM_CFG_MAX_NODES)
			return err_at(b->err, MFM_ERR_LIMIT, m.line + 1,
			    m.column + 1, "more than %u nodes",
			    MFM_CFG_MAX_NODES);
		if (keyset_add(&f->seen, f->node, text) < 0)
			return err_at(b->err, MFM_ERR_USAGE, m.line + 1,
			    m.column + 1, "duplicate key '%s'",
			    show(buf, sizeof(buf), text));
		f->key = mfm_xmemdup(text, len);
		f->key_line = m.line + 1;
		f->key_col = m.column + 1;
		return 0;
	}
	if ((n = new_node(b, MFM_CFG_SCALAR, m)) == NULL)
		return -1;
	n->value = mfm_xmemdup(text, len);
	n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
	attach(b, n);
	return 0;
}

static int
on_start(struct builder *b, const yaml_event_t *ev, enum mfm_cfg_type type)
{
	yaml_mark_t m = ev->start_mark;
	const yaml_char_t *anchor, *tag;
	struct mfm_cfg_node *n;
	struct frame *f;

	if (type == MFM_CFG_MAP) {
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
	} else {
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
	}
	if (anchor != NULL)
		return err_at(b->err, MFM_ERR_USAGE, m.line + 1, m.column + 1,
		    "aliases and anchors are not supported");
	if (check_tag((const char *)tag, type, m, b->err) < 0)
		return -1;
	if (wants_key(b))
		return err_at(b->err, MFM_ERR_USAGE, m.line + 1, m.column + 1,
		    "a mapping key must be a scalar");
	if (b->depth == MFM_CFG_MAX_DEPTH)
		return err_at(b->err, MFM_ERR_LIMIT, m.line + 1, m.column + 1,
		    "nested deeper than %d levels", MFM_CFG_MAX_DEPTH);
	if ((n = new_node(b, type, m)) == NULL)
		return -1;
	attach(b, n);
	f = &b->stack[b->depth++];
	memset(f, 0, sizeof(*f));
	f->node = n;
	return 0;
}

/*
 * A reader error (bad UTF-8, a control character) has a byte offset but
 * no mark; count lines and characters up to it as libyaml's marks do.
 */
static void
offset_position(const char *data, size_t len, size_t off, size_t *line,
    size_t *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && i < len; i++) {
		if (data[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)data[i] & 0xc0) != 0x80)
			(*col)++;
	}
}

static int
syntax_error(const yaml_parser_t *p, const char *data, size_t len,
    struct mfm_err *err)
{
	size_t line, col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return err_at(err, MFM_ERR_SYS, 0, 0, "out of memory");
	case YAML_READER_ERROR:
		offset_position(data, len, p->problem_offset, &line, &col);
		if (p->problem_value != -1)
			return err_at(err, MFM_ERR_USAGE, line, col,
			    "%s (byte 0x%02x)", p->problem,
			    (unsigned)p->problem_value & 0xff);
		return err_at(err, MFM_ERR_USAGE, line, col, "%s", p->problem);
	default:
		line = p->problem_mark.line + 1;
		col = p->problem_mark.column + 1;
		if (p->context != NULL)
			return err_at(err, MFM_ERR_USAGE, line, col,
			    "%s, %s at %zu:%zu", p->problem ? p->problem :
			    "syntax error", p->context,
			    p->context_mark.line + 1,
			    p->context_mark.column + 1);
		return err_at(err, MFM_ERR_USAGE, line, col, "%s",
		    p->problem ? p->problem : "syntax error");
	}
}

static int
build(struct builder *b, const char *data, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int docs = 0, done = 0, rc = 0;
	yaml_mark_t m;

	if (!yaml_parser_initialize(&parser))
		return err_at(b->err, MFM_ERR_SYS, 0, 0, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)data,
	    len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = syntax_error(&parser, data, len, b->err);
			break;
		}
		m = ev.start_mark;
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (docs++ > 0)
				rc = err_at(b->err, MFM_ERR_USAGE, m.line + 1,
				    m.column + 1,
				    "more than one document in the file");
			break;
		case YAML_ALIAS_EVENT:
			rc = err_at(b->err, MFM_ERR_USAGE, m.line + 1,
			    m.column + 1,
			    "aliases and anchors are not supported");
			break;
		case YAML_SCALAR_EVENT:
			rc = on_scalar(b, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			rc = on_start(b, &ev, MFM_CFG_SEQ);
			break;
		case YAML_MAPPING_START_EVENT:
			rc = on_start(b, &ev, MFM_CFG_MAP);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			frame_release(&b->stack[--b->depth]);
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return rc;
}

int
mfm_cfg_load_mem(struct mfm_cfg *cfg, const char *name, const char *data,
    size_t len, struct mfm_err *err)
{
	struct builder b;

	cfg->path = NULL;
	cfg->root = NULL;
	if (len > MFM_CFG_MAX_SIZE)
		return err_at(err, MFM_ERR_LIMIT, 0, 0,
		    "file larger than %u MiB", MFM_CFG_MAX_SIZE >> 20);
	memset(&b, 0, sizeof(b));
	b.err = err;
	if (build(&b, data, len) < 0) {
		while (b.depth > 0)
			frame_release(&b.stack[--b.depth]);
		node_free(b.root);
		return -1;
	}
	/* An empty or null document is no configuration at all. */
	if (mfm_cfg_is_null(b.root)) {
		node_free(b.root);
		b.root = NULL;
	}
	cfg->root = b.root;
	cfg->path = mfm_xstrdup(name);
	return 0;
}

int
mfm_cfg_load(struct mfm_cfg *cfg, const char *path, struct mfm_err *err)
{
	struct mfm_buf buf = MFM_BUF_INIT;
	ssize_t r;
	int fd, rc;

	cfg->path = NULL;
	cfg->root = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		goto sys;
	for (;;) {
		/* Read one byte past the cap to know it was passed. */
		mfm_buf_grow(&buf, 65536);
		r = read(fd, buf.p + buf.len, buf.cap - buf.len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto sys;
		if (r == 0)
			break;
		buf.len += (size_t)r;
		buf.p[buf.len] = '\0';
		if (buf.len > MFM_CFG_MAX_SIZE) {
			close(fd);
			mfm_buf_release(&buf);
			return err_at(err, MFM_ERR_LIMIT, 0, 0,
			    "file larger than %u MiB", MFM_CFG_MAX_SIZE >> 20);
		}
	}
	close(fd);
	rc = mfm_cfg_load_mem(cfg, path, buf.p ? buf.p : "", buf.len, err);
	mfm_buf_release(&buf);
	return rc;
sys:
	rc = errno;
	if (fd >= 0)
		close(fd);
	mfm_buf_release(&buf);
	err_at(err, MFM_ERR_SYS, 0, 0, "%s", strerror(rc));
	if (err != NULL)
		err->sys = rc;
	errno = rc;
	return -1;
}

void
mfm_cfg_release(struct mfm_cfg *cfg)
{
	if (cfg == NULL)
		return;
	node_free(cfg->root);
	free(cfg->path);
	cfg->root = NULL;
	cfg->path = NULL;
}

const struct mfm_cfg_node *
mfm_cfg_get(const struct mfm_cfg_node *map, const char *key)
{
	size_t i;

	if (map == NULL || map->type != MFM_CFG_MAP)
		return NULL;
	for (i = 0; i < map->n; i++)
		if (strcmp(map->keys[i], key) == 0)
			return map->items[i];
	return NULL;
}

static int
in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

int
mfm_cfg_check_keys(const struct mfm_cfg_node *map,
    const char *const *known, struct mfm_err *err)
{
	char buf[SHOW_MAX + 8];
	size_t i;

	if (map == NULL)
		return 0;
	if (map->type != MFM_CFG_MAP)
		return mfm_cfg_err(map, err, "expected a mapping");
	for (i = 0; i < map->n; i++)
		if (!in_list(map->keys[i], known))
			return err_at(err, MFM_ERR_USAGE, map->key_line[i],
			    map->key_col[i], "unknown key '%s'",
			    show(buf, sizeof(buf), map->keys[i]));
	return 0;
}

int
mfm_cfg_section(const struct mfm_cfg *cfg, const char *name,
    const struct mfm_cfg_node **out, struct mfm_err *err)
{
	const struct mfm_cfg_node *root = cfg->root, *n;
	char buf[SHOW_MAX + 8];
	size_t i;

	*out = NULL;
	if (root == NULL)
		return 0;
	if (root->type != MFM_CFG_MAP)
		return mfm_cfg_err(root, err,
		    "expected a mapping of tool sections");
	for (i = 0; i < root->n; i++)
		if (!in_list(root->keys[i], sections))
			return err_at(err, MFM_ERR_USAGE, root->key_line[i],
			    root->key_col[i], "unknown section '%s'",
			    show(buf, sizeof(buf), root->keys[i]));
	n = mfm_cfg_get(root, name);
	if (n == NULL || mfm_cfg_is_null(n))
		return 0;
	if (n->type != MFM_CFG_MAP)
		return mfm_cfg_err(n, err, "section '%s' must be a mapping",
		    show(buf, sizeof(buf), name));
	*out = n;
	return 0;
}

int
mfm_cfg_is_null(const struct mfm_cfg_node *n)
{
	const char *v;

	if (n == NULL || n->type != MFM_CFG_SCALAR || n->quoted)
		return 0;
	v = n->value;
	return *v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

int
mfm_cfg_str(const struct mfm_cfg_node *n, const char **out,
    struct mfm_err *err)
{
	if (n == NULL)
		return 0;
	if (n->type != MFM_CFG_SCALAR)
		return mfm_cfg_err(n, err, "expected a string");
	*out = n->value;
	return 0;
}

/* Skip [0-9]* and return how many. */
static size_t
skip_digits(const char **p)
{
	const char *s = *p;

	while (**p >= '0' && **p <= '9')
		(*p)++;
	return (size_t)(*p - s);
}

/*
 * The core schema's float, [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)
 * ([eE][-+]?[0-9]+)?, its int being a case of it.
 */
static int
is_decimal(const char *s)
{
	size_t k;

	if (*s == '-' || *s == '+')
		s++;
	k = skip_digits(&s);
	if (*s == '.') {
		s++;
		k += skip_digits(&s);
	}
	if (k == 0)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (skip_digits(&s) == 0)
			return 0;
	}
	return *s == '\0';
}

static int
is_inf_nan(const char *s)
{
	static const char *const words[] = {
		".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN", NULL
	};

	if ((*s == '-' || *s == '+') && s[1] == '.')
		s++;
	return in_list(s, words);
}

/* strtod in the C locale, whatever LC_NUMERIC the process has set. */
static double
c_strtod(const char *s)
{
	locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0), old;
	double d;

	if (c == (locale_t)0)
		return strtod(s, NULL);
	old = uselocale(c);
	d = strtod(s, NULL);
	uselocale(old);
	freelocale(c);
	return d;
}

int
mfm_cfg_scan_double(const char *s, double *out)
{
	double d;

	if (is_inf_nan(s))
		return MFM_CFG_NOT_FINITE;
	if (!is_decimal(s))
		return MFM_CFG_NOT_NUMBER;
	d = c_strtod(s);
	/* Overflow gives HUGE_VAL; an underflow to 0 is a fine answer. */
	if (!isfinite(d))
		return MFM_CFG_OUT_OF_RANGE;
	*out = d;
	return 0;
}

int
mfm_cfg_double(const struct mfm_cfg_node *n, double *out,
    struct mfm_err *err)
{
	if (n == NULL)
		return 0;
	if (n->type != MFM_CFG_SCALAR)
		return mfm_cfg_err(n, err, "expected a number");
	switch (mfm_cfg_scan_double(n->value, out)) {
	case MFM_CFG_NOT_FINITE:
		return mfm_cfg_err(n, err, "expected a finite number");
	case MFM_CFG_NOT_NUMBER:
		return mfm_cfg_err(n, err, "expected a number");
	case MFM_CFG_OUT_OF_RANGE:
		return mfm_cfg_err(n, err, "number out of range");
	}
	return 0;
}

int
mfm_cfg_bool(const struct mfm_cfg_node *n, int *out, struct mfm_err *err)
{
	static const char *const t[] = { "true", "True", "TRUE", NULL };
	static const char *const f[] = { "false", "False", "FALSE", NULL };

	if (n == NULL)
		return 0;
	if (n->type == MFM_CFG_SCALAR && in_list(n->value, t))
		*out = 1;
	else if (n->type == MFM_CFG_SCALAR && in_list(n->value, f))
		*out = 0;
	else
		return mfm_cfg_err(n, err, "expected true or false");
	return 0;
}

int
mfm_cfg_int(const struct mfm_cfg_node *n, long long min, long long max,
    long long *out, struct mfm_err *err)
{
	unsigned long long mag = 0, lim;
	const char *s;
	long long v;
	int neg = 0, over = 0;

	if (n == NULL)
		return 0;
	if (n->type != MFM_CFG_SCALAR)
		return mfm_cfg_err(n, err, "expected an integer");
	s = n->value;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (*s < '0' || *s > '9')
		return mfm_cfg_err(n, err, "expected an integer");
	for (; *s >= '0' && *s <= '9'; s++) {
		if (mag > (ULLONG_MAX - (unsigned)(*s - '0')) / 10)
			over = 1;
		else
			mag = mag * 10 + (unsigned)(*s - '0');
	}
	if (*s != '\0')
		return mfm_cfg_err(n, err, "expected an integer");
	lim = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
	if (!over && mag <= lim) {
		v = !neg ? (long long)mag : mag == lim ? LLONG_MIN :
		    -(long long)mag;
		if (v >= min && v <= max) {
			*out = v;
			return 0;
		}
	}
	return mfm_cfg_err(n, err, "expected an integer from %lld to %lld",
	    min, max);
}

int
mfm_cfg_duration(const struct mfm_cfg_node *n, int allow_zero,
    int64_t *out, struct mfm_err *err)
{
	if (n == NULL)
		return 0;
	if (n->type != MFM_CFG_SCALAR)
		return mfm_cfg_err(n, err, "expected a duration");
	if (mfm_tm_parse_duration(n->value, out, allow_zero, err) < 0) {
		if (err != NULL) {
			err->line = n->line;
			err->col = n->col;
		}
		return -1;
	}
	return 0;
}
