/*
 * Option tables: one validator per kind of value, the configuration
 * section read by the table, and --help, the synopsis and the listing
 * made from it; see opt.h.  Nothing here prints: lib/cli.c drives
 * getopt_long and reports.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/opt.h"
#include "lib/tm.h"
#include "lib/banned.h"

#define SHOW_MAX 64		/* bytes of a value shown in a message */
#define WIDTH 79		/* longest line of --help */
#define COLUMN 26		/* where the text of an option line starts */
/* A count bound this large reads as "no bound" in messages. */
#define COUNT_HUGE (1ull << 53)

static const char *
show(char *dst, size_t size, const char *s)
{
	return mfm_err_quote(dst, size, s, strlen(s), SHOW_MAX);
}

int
mfm_opt_name_find(const struct mfm_opt_name *names, const char *s,
    int *value)
{
	for (; names->name != NULL; names++)
		if (strcmp(names->name, s) == 0) {
			*value = names->value;
			return 0;
		}
	return -1;
}

const char *
mfm_opt_name_of(const struct mfm_opt_name *names, int v)
{
	for (; names->name != NULL; names++)
		if (names->value == v)
			return names->name;
	return NULL;
}

void
mfm_opt_names_put(struct mfm_buf *b, const struct mfm_opt_name *names)
{
	size_t i;

	for (i = 0; names[i].name != NULL; i++) {
		if (i > 0)
			mfm_buf_adds(b, names[i + 1].name == NULL ? " or " :
			    ", ");
		mfm_buf_adds(b, names[i].name);
	}
}

static const struct {
	const char *name;	/* in --list-options */
	const char *noun;	/* "expected NOUN" in the configuration */
} kinds[] = {
	[MFM_OPT_END] = { "end", "" },
	[MFM_OPT_HEADING] = { "heading", "" },
	[MFM_OPT_FLAG] = { "flag", "true or false" },
	[MFM_OPT_STRING] = { "string", "a string" },
	[MFM_OPT_FILE] = { "file", "a file name" },
	[MFM_OPT_DIR] = { "dir", "a directory name" },
	[MFM_OPT_STRINGS] = { "strings", "a string or a list of strings" },
	[MFM_OPT_FILES] = { "files", "a file or a list of files" },
	[MFM_OPT_PATH] = { "path", "a field path" },
	[MFM_OPT_PATHS] = { "paths", "a list of field paths" },
	[MFM_OPT_DURATION] = { "duration", "a duration" },
	[MFM_OPT_DURATIONS] = { "durations",
	    "a duration or a list of durations" },
	[MFM_OPT_SIZE] = { "size", "a size" },
	[MFM_OPT_COUNT] = { "count", "a count" },
	[MFM_OPT_NUMBER] = { "number", "a number" },
	[MFM_OPT_ENUM] = { "enum", "a name" },
	[MFM_OPT_RANGE] = { "range", "a time range" },
	[MFM_OPT_PAIRS] = { "pairs", "a mapping of name: value" },
	[MFM_OPT_CUSTOM] = { "custom", "a string" },
	[MFM_OPT_NODE] = { "node", "" },
	[MFM_OPT_REFUSED] = { "refused", "" },
};

const char *
mfm_opt_kind_name(enum mfm_opt_kind kind)
{
	return kinds[kind].name;
}

int
mfm_opt_takes_arg(enum mfm_opt_kind kind)
{
	return kind != MFM_OPT_FLAG && kind != MFM_OPT_HEADING &&
	    kind != MFM_OPT_END && kind != MFM_OPT_NODE &&
	    kind != MFM_OPT_REFUSED;
}

static int
repeatable(enum mfm_opt_kind kind)
{
	return kind == MFM_OPT_STRINGS || kind == MFM_OPT_FILES ||
	    kind == MFM_OPT_PAIRS;
}

/* An unsigned integer into dst of dsize bytes; the type's largest value. */
static unsigned long long
uint_max(size_t dsize)
{
	return dsize >= sizeof(unsigned long long) ? ~0ull :
	    (1ull << (8 * dsize)) - 1;
}

static void
store_uint(void *dst, size_t dsize, unsigned long long v)
{
	unsigned char c = (unsigned char)v;
	uint16_t h = (uint16_t)v;
	uint32_t w = (uint32_t)v;
	uint64_t d = (uint64_t)v;

	switch (dsize) {
	case 1:
		memcpy(dst, &c, 1);
		break;
	case 2:
		memcpy(dst, &h, 2);
		break;
	case 4:
		memcpy(dst, &w, 4);
		break;
	default:
		memcpy(dst, &d, 8);
	}
}

static void
store_int(void *dst, size_t dsize, int v)
{
	if (dsize == sizeof(int))
		memcpy(dst, &v, sizeof(int));
	else
		store_uint(dst, dsize, (unsigned long long)(unsigned)v);
}

static int
parse_count(const struct mfm_opt *o, const char *arg, struct mfm_err *err)
{
	unsigned long long v, hi = o->hi ? o->hi : uint_max(o->dsize);
	char q[SHOW_MAX + 8];
	char *end;

	if (hi > uint_max(o->dsize))
		hi = uint_max(o->dsize);
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end != '\0')
		return mfm_err_set(err, MFM_ERR_USAGE, "invalid count '%s'",
		    show(q, sizeof(q), arg));
	if (errno == ERANGE || v < o->lo || v > hi) {
		if (hi < COUNT_HUGE)
			return mfm_err_set(err, MFM_ERR_USAGE, "invalid count "
			    "'%s' (%llu to %llu)", show(q, sizeof(q), arg),
			    o->lo, hi);
		if (v < o->lo)
			return mfm_err_set(err, MFM_ERR_USAGE, "invalid count "
			    "'%s' (at least %llu)", show(q, sizeof(q), arg),
			    o->lo);
		return mfm_err_set(err, MFM_ERR_USAGE, "invalid count '%s': "
		    "too large", show(q, sizeof(q), arg));
	}
	store_uint(o->dst, o->dsize, v);
	return 0;
}

static int
parse_size(const char *arg, size_t *out, struct mfm_err *err)
{
	char q[SHOW_MAX + 8];
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (*arg < '0' || *arg > '9')
		goto bad;
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (*end == 'k' || *end == 'K')
		shift = 10, end++;
	else if (*end == 'M')
		shift = 20, end++;
	else if (*end == 'G')
		shift = 30, end++;
	if (*end != '\0' || errno == ERANGE || v == 0 ||
	    v > (SIZE_MAX >> 1) >> shift)
		goto bad;
	*out = (size_t)(v << shift);
	return 0;
bad:
	return mfm_err_set(err, MFM_ERR_USAGE, "invalid size '%s'",
	    show(q, sizeof(q), arg));
}

int
mfm_opt_scan_size(const char *arg, size_t *out)
{
	return parse_size(arg, out, NULL);
}

static int
parse_number(const char *arg, double *out, struct mfm_err *err)
{
	char q[SHOW_MAX + 8];

	switch (mfm_cfg_scan_double(arg, out)) {
	case 0:
		return 0;
	case MFM_CFG_OUT_OF_RANGE:
		return mfm_err_set(err, MFM_ERR_USAGE, "invalid number '%s': "
		    "out of range", show(q, sizeof(q), arg));
	default:
		return mfm_err_set(err, MFM_ERR_USAGE, "invalid number '%s'",
		    show(q, sizeof(q), arg));
	}
}

static int
parse_enum(const struct mfm_opt *o, const char *arg, struct mfm_err *err)
{
	struct mfm_buf b = MFM_BUF_INIT;
	char q[SHOW_MAX + 8];
	int v;

	if (mfm_opt_name_find(o->names, arg, &v) == 0) {
		store_int(o->dst, o->dsize, v);
		return 0;
	}
	mfm_opt_names_put(&b, o->names);
	mfm_err_set(err, MFM_ERR_USAGE, "invalid %s '%s' (%s)",
	    o->what ? o->what : "value", show(q, sizeof(q), arg), b.p);
	mfm_buf_release(&b);
	return -1;
}

static int
parse_range(const char *arg, struct mfm_opt_range *r, struct mfm_err *err)
{
	const char *slash = strchr(arg, '/');
	char q[SHOW_MAX + 8];
	struct mfm_err e;
	int64_t from, to;

	if (slash == NULL ||
	    mfm_tm_parse_rfc3339(arg, (size_t)(slash - arg), &from, &e) != 0 ||
	    mfm_tm_parse_rfc3339(slash + 1, strlen(slash + 1), &to,
	    &e) != 0 || to <= from)
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "invalid time range '%s'", show(q, sizeof(q), arg));
	r->from = from;
	r->to = to;
	r->set = 1;
	return 0;
}

/* The end of one item of a comma-separated list of paths. */
static const char *
path_end(const char *p)
{
	int quoted = 0;

	/* A comma inside quotes or after a backslash is part of a key. */
	for (; *p && (quoted || *p != ','); p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '"')
			quoted = !quoted;
	}
	return p;
}

static void
paths_free(struct mfm_opt_paths *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		mfm_json_path_release(&ps->v[i]);
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}

int
mfm_opt_split_paths(const char *arg, struct mfm_json_path **v, size_t *n,
    struct mfm_err *err)
{
	struct mfm_opt_paths ps = { NULL, 0 };
	const char *p = arg, *q;
	char *one;
	int rc;

	for (;;) {
		q = path_end(p);
		one = mfm_xmemdup(p, (size_t)(q - p));
		ps.v = mfm_xreallocarray(ps.v, ps.n + 1, sizeof(*ps.v));
		rc = mfm_json_path_parse(&ps.v[ps.n], one, err);
		free(one);
		if (rc != 0) {
			paths_free(&ps);
			return -1;
		}
		ps.n++;
		if (*q == '\0')
			break;
		p = q + 1;
	}
	*v = ps.v;
	*n = ps.n;
	return 0;
}

/* Durations of a comma-separated list, appended to d. */
static int
add_durations(const struct mfm_opt *o, const char *arg,
    struct mfm_opt_durations *d, struct mfm_err *err)
{
	char *s = mfm_xstrdup(arg), *p = s, *comma;
	int64_t us;

	for (;;) {
		if ((comma = strchr(p, ',')) != NULL)
			*comma = '\0';
		if (mfm_tm_parse_duration(p, &us, (o->flags & MFM_OPT_ZERO) != 0,
		    err) != 0) {
			free(s);
			return -1;
		}
		d->v = mfm_xreallocarray(d->v, d->n + 1, sizeof(*d->v));
		d->v[d->n++] = us;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	free(s);
	return 0;
}

static int
add_pair(const struct mfm_opt *o, const char *arg, struct mfm_opt_pairs *ps,
    struct mfm_err *err)
{
	const char *eq = strchr(arg, '=');
	char q[SHOW_MAX + 8];

	if (eq == NULL || eq == arg)
		return mfm_err_set(err, MFM_ERR_USAGE, "invalid pair '%s': "
		    "expected %s", show(q, sizeof(q), arg),
		    o->arg ? o->arg : "NAME=VALUE");
	ps->v = mfm_xreallocarray(ps->v, ps->n + 1, sizeof(*ps->v));
	ps->v[ps->n].name = mfm_xmemdup(arg, (size_t)(eq - arg));
	ps->v[ps->n].value = mfm_xstrdup(eq + 1);
	ps->n++;
	return 0;
}

static void
pairs_free(struct mfm_opt_pairs *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		free(ps->v[i].name);
		free(ps->v[i].value);
	}
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}

void
mfm_opt_release(const struct mfm_opt *o)
{
	struct mfm_opt_strs *ss;
	struct mfm_opt_durations *ds;

	if (o->dst == NULL)
		return;
	switch (o->kind) {
	case MFM_OPT_PATH:
		mfm_json_path_release(o->dst);
		memset(o->dst, 0, sizeof(struct mfm_json_path));
		break;
	case MFM_OPT_PATHS:
		paths_free(o->dst);
		break;
	case MFM_OPT_STRINGS:
	case MFM_OPT_FILES:
		ss = o->dst;
		free(ss->v);
		ss->v = NULL;
		ss->n = 0;
		break;
	case MFM_OPT_DURATIONS:
		ds = o->dst;
		free(ds->v);
		ds->v = NULL;
		ds->n = 0;
		break;
	case MFM_OPT_PAIRS:
		pairs_free(o->dst);
		break;
	case MFM_OPT_CUSTOM:
	case MFM_OPT_NODE:
		if (o->release != NULL)
			o->release(o->dst);
		break;
	default:
		break;
	}
}

static int
parse_flag(const char *arg, int *out, struct mfm_err *err)
{
	char q[SHOW_MAX + 8];

	if (strcmp(arg, "true") == 0)
		*out = 1;
	else if (strcmp(arg, "false") == 0)
		*out = 0;
	else
		return mfm_err_set(err, MFM_ERR_USAGE, "invalid flag '%s' "
		    "(true or false)", show(q, sizeof(q), arg));
	return 0;
}

/*
 * Append the items of list from (a struct with an array v of n items, as
 * mfm_opt_paths and mfm_opt_durations are) to list to, and free from's
 * array.
 */
#define TAKE_LIST(to, from) do {					\
	(to)->v = mfm_xreallocarray((to)->v, (to)->n + (from)->n,	\
	    sizeof(*(to)->v));						\
	if ((from)->n > 0)						\
		memcpy((to)->v + (to)->n, (from)->v,			\
		    (from)->n * sizeof(*(to)->v));			\
	(to)->n += (from)->n;						\
	free((from)->v);						\
} while (0)

int
mfm_opt_parse(const struct mfm_opt *o, const char *arg, int append,
    struct mfm_err *err)
{
	struct mfm_opt_strs *ss;
	struct mfm_opt_paths ps = { NULL, 0 };
	struct mfm_opt_durations d = { NULL, 0 };
	struct mfm_json_path p;
	int64_t us;
	double x;
	size_t sz;

	switch (o->kind) {
	case MFM_OPT_FLAG:
		return parse_flag(arg, o->dst, err);
	case MFM_OPT_STRING:
	case MFM_OPT_FILE:
	case MFM_OPT_DIR:
		*(const char **)o->dst = arg;
		return 0;
	case MFM_OPT_STRINGS:
	case MFM_OPT_FILES:
		if (!append)
			mfm_opt_release(o);
		ss = o->dst;
		ss->v = mfm_xreallocarray(ss->v, ss->n + 1, sizeof(*ss->v));
		ss->v[ss->n++] = arg;
		return 0;
	case MFM_OPT_PATH:
		if (mfm_json_path_parse(&p, arg, err) != 0)
			return -1;
		mfm_opt_release(o);
		*(struct mfm_json_path *)o->dst = p;
		return 0;
	case MFM_OPT_PATHS:
		if (mfm_opt_split_paths(arg, &ps.v, &ps.n, err) != 0)
			return -1;
		if (!append)
			mfm_opt_release(o);
		TAKE_LIST((struct mfm_opt_paths *)o->dst, &ps);
		return 0;
	case MFM_OPT_DURATION:
		if (mfm_tm_parse_duration(arg, &us,
		    (o->flags & MFM_OPT_ZERO) != 0, err) != 0)
			return -1;
		*(int64_t *)o->dst = us;
		return 0;
	case MFM_OPT_DURATIONS:
		if (add_durations(o, arg, &d, err) != 0) {
			free(d.v);
			return -1;
		}
		if (!append)
			mfm_opt_release(o);
		TAKE_LIST((struct mfm_opt_durations *)o->dst, &d);
		return 0;
	case MFM_OPT_SIZE:
		if (parse_size(arg, &sz, err) != 0)
			return -1;
		*(size_t *)o->dst = sz;
		return 0;
	case MFM_OPT_COUNT:
		return parse_count(o, arg, err);
	case MFM_OPT_NUMBER:
		if (parse_number(arg, &x, err) != 0)
			return -1;
		*(double *)o->dst = x;
		return 0;
	case MFM_OPT_ENUM:
		return parse_enum(o, arg, err);
	case MFM_OPT_RANGE:
		return parse_range(arg, o->dst, err);
	case MFM_OPT_PAIRS:
		if (!append)
			mfm_opt_release(o);
		return add_pair(o, arg, o->dst, err);
	case MFM_OPT_CUSTOM:
		return o->parse(arg, o->dst, err);
	default:
		return mfm_err_set(err, MFM_ERR_USAGE, "not a value");
	}
}

/* Position err at node n (a value's error, made without one). */
static int
at_node(const struct mfm_cfg_node *n, struct mfm_err *err)
{
	if (err != NULL && err->line == 0) {
		err->line = n->line;
		err->col = n->col;
	}
	return -1;
}

static int
expected(const struct mfm_opt *o, const struct mfm_cfg_node *n,
    struct mfm_err *err)
{
	struct mfm_buf b = MFM_BUF_INIT;

	if (o->kind == MFM_OPT_ENUM) {
		mfm_buf_adds(&b, "one of ");
		mfm_opt_names_put(&b, o->names);
	} else if (o->kind == MFM_OPT_CUSTOM && o->what != NULL)
		mfm_buf_addf(&b, "a %s", o->what);
	else
		mfm_buf_adds(&b, kinds[o->kind].noun);
	mfm_cfg_err(n, err, "expected %s", b.p);
	mfm_buf_release(&b);
	return -1;
}

/* A list from a sequence of scalars, the first replacing the value. */
static int
parse_seq(const struct mfm_opt *o, const struct mfm_cfg_node *n,
    struct mfm_err *err)
{
	size_t i;

	if (n->n == 0) {
		mfm_opt_release(o);
		return 0;
	}
	for (i = 0; i < n->n; i++) {
		if (n->items[i]->type != MFM_CFG_SCALAR)
			return expected(o, n->items[i], err);
		mfm_err_clear(err);
		if (mfm_opt_parse(o, n->items[i]->value, i > 0, err) != 0)
			return at_node(n->items[i], err);
	}
	return 0;
}

static int
parse_map(const struct mfm_opt *o, const struct mfm_cfg_node *n,
    struct mfm_err *err)
{
	struct mfm_opt_pairs *ps = o->dst;
	size_t i;

	mfm_opt_release(o);
	for (i = 0; i < n->n; i++) {
		if (n->items[i]->type != MFM_CFG_SCALAR)
			return mfm_cfg_err(n->items[i], err,
			    "expected a string");
		ps->v = mfm_xreallocarray(ps->v, ps->n + 1, sizeof(*ps->v));
		ps->v[ps->n].name = mfm_xstrdup(n->keys[i]);
		ps->v[ps->n].value = mfm_xstrdup(n->items[i]->value);
		ps->n++;
	}
	return 0;
}

int
mfm_opt_parse_node(const struct mfm_opt *o, const struct mfm_cfg_node *n,
    struct mfm_err *err)
{
	int b;

	if (mfm_cfg_is_null(n))
		return 0;
	switch (o->kind) {
	case MFM_OPT_NODE:
		return o->parse_node(n, o->dst, err);
	case MFM_OPT_FLAG:
		if (mfm_cfg_bool(n, &b, err) != 0)
			return -1;
		*(int *)o->dst = b;
		return 0;
	case MFM_OPT_PAIRS:
		if (n->type != MFM_CFG_MAP)
			return expected(o, n, err);
		return parse_map(o, n, err);
	case MFM_OPT_STRINGS:
	case MFM_OPT_FILES:
	case MFM_OPT_PATHS:
	case MFM_OPT_DURATIONS:
		if (n->type == MFM_CFG_SEQ)
			return parse_seq(o, n, err);
		break;
	default:
		break;
	}
	if (n->type != MFM_CFG_SCALAR)
		return expected(o, n, err);
	mfm_err_clear(err);
	if (mfm_opt_parse(o, n->value, 0, err) != 0)
		return at_node(n, err);
	return 0;
}

/* Applying a table. */

int
mfm_opt_init(struct mfm_opt_state *st, const struct mfm_opt *t,
    struct mfm_err *err)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	st->t = t;
	while (t[st->n].kind != MFM_OPT_END)
		st->n++;
	st->src = mfm_xcalloc(st->n ? st->n : 1, sizeof(*st->src));
	st->node = mfm_xcalloc(st->n ? st->n : 1, sizeof(*st->node));
	for (i = 0; i < st->n; i++) {
		if (t[i].alias != NULL) {
			if (mfm_opt_index(st, t[i].alias) < 0)
				return mfm_err_set(err, MFM_ERR_USAGE, "option "
				    "table: '%s' is an alias of nothing",
				    t[i].name ? t[i].name : t[i].key);
			continue;
		}
		if (t[i].dflt == NULL || t[i].kind == MFM_OPT_FLAG)
			continue;
		mfm_err_clear(err);
		if (mfm_opt_parse(&t[i], t[i].dflt, 0, err) != 0)
			return -1;
	}
	return 0;
}

void
mfm_opt_release_all(struct mfm_opt_state *st)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (st->t[i].alias == NULL)
			mfm_opt_release(&st->t[i]);
	free(st->src);
	free(st->node);
	st->src = NULL;
	st->node = NULL;
	st->n = 0;
}

long
mfm_opt_index(const struct mfm_opt_state *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (st->t[i].name != NULL && st->t[i].alias == NULL &&
		    strcmp(st->t[i].name, name) == 0)
			return (long)i;
	for (i = 0; i < st->n; i++)
		if (st->t[i].key != NULL && st->t[i].alias == NULL &&
		    strcmp(st->t[i].key, name) == 0)
			return (long)i;
	return -1;
}

size_t
mfm_opt_target(const struct mfm_opt_state *st, size_t i)
{
	long k;

	if (st->t[i].alias == NULL)
		return i;
	k = mfm_opt_index(st, st->t[i].alias);
	return k < 0 ? i : (size_t)k;
}

long
mfm_opt_letter(const struct mfm_opt_state *st, int letter)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (st->t[i].letter == letter)
			return (long)i;
	return -1;
}

int
mfm_opt_given(const struct mfm_opt_state *st, const char *name)
{
	long i = mfm_opt_index(st, name);

	return i >= 0 && st->src[i] != MFM_OPT_SRC_DEFAULT;
}

static void
note(const struct mfm_opt_state *st, size_t line, size_t col,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
note(const struct mfm_opt_state *st, size_t line, size_t col,
    const char *fmt, ...)
{
	struct mfm_err m;
	va_list ap;

	if (st->note == NULL)
		return;
	mfm_err_clear(&m);
	m.line = line;
	m.col = col;
	va_start(ap, fmt);
	vsnprintf(m.msg, sizeof(m.msg), fmt, ap);
	va_end(ap);
	st->note(st->ctx, &m);
}

int
mfm_opt_set_arg(struct mfm_opt_state *st, size_t i, int how,
    const char *arg, struct mfm_err *err)
{
	size_t k = mfm_opt_target(st, i);
	const struct mfm_opt *o = &st->t[k];
	char old[SHOW_MAX];

	if (k != i) {
		if (how == 2)
			snprintf(old, sizeof(old), "-%c", st->t[i].letter);
		else
			snprintf(old, sizeof(old), "--%s", st->t[i].name);
		if (o->name != NULL)
			note(st, 0, 0, "%s is deprecated: use --%s", old,
			    o->name);
	}
	mfm_err_clear(err);
	if (o->kind == MFM_OPT_FLAG) {
		if (o->dst != NULL)
			*(int *)o->dst = how != 1;
	} else if (mfm_opt_parse(o, arg, repeatable(o->kind) &&
	    st->src[k] == MFM_OPT_SRC_ARGV, err) != 0)
		return -1;
	st->src[k] = MFM_OPT_SRC_ARGV;
	return 0;
}

/* The entry of config key key, or -1. */
static long
key_index(const struct mfm_opt_state *st, const char *key)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (st->t[i].key != NULL && strcmp(st->t[i].key, key) == 0)
			return (long)i;
	return -1;
}

/* Whether some key of the table is "prefix.something". */
static int
is_prefix(const struct mfm_opt_state *st, const char *prefix)
{
	size_t i, n = strlen(prefix);

	for (i = 0; i < st->n; i++)
		if (st->t[i].key != NULL &&
		    strncmp(st->t[i].key, prefix, n) == 0 &&
		    st->t[i].key[n] == '.')
			return 1;
	return 0;
}

static int
unknown(const char *key, size_t line, size_t col, struct mfm_err *err)
{
	char q[SHOW_MAX + 8];

	mfm_err_set(err, MFM_ERR_USAGE, "unknown key '%s'",
	    show(q, sizeof(q), key));
	err->line = line;
	err->col = col;
	return -1;
}

/* Whether key is one of the keys of map m before key i. */
static int
earlier(const struct mfm_cfg_node *m, size_t i, const char *key)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (strcmp(m->keys[j], key) == 0)
			return 1;
	return 0;
}

/* Key i of map m (spelled full, "push.job" under a prefix) is entry e. */
static int
config_key(struct mfm_opt_state *st, const struct mfm_cfg_node *m, size_t i,
    size_t e, struct mfm_err *err)
{
	size_t k = mfm_opt_target(st, e), x;
	const struct mfm_opt *o = &st->t[k];
	const struct mfm_cfg_node *v = m->items[i];
	const char *before = o->key;
	char q[SHOW_MAX + 8], r[SHOW_MAX + 8];

	if (st->t[e].kind == MFM_OPT_REFUSED) {
		mfm_cfg_err(v, err, "%s", st->t[e].why);
		return -1;
	}
	if (k != e)
		note(st, m->key_line[i], m->key_col[i],
		    "key '%s' is deprecated: use '%s'", st->t[e].key, o->key);
	if (st->src[k] == MFM_OPT_SRC_CONFIG) {
		/*
		 * Set by the new name, or (this being it) by an old one: one
		 * of this mapping's earlier keys, if one is.
		 */
		for (x = 0; k == e && x < st->n; x++)
			if (x != k && st->t[x].key != NULL &&
			    mfm_opt_target(st, x) == k &&
			    (before == o->key || earlier(m, i, st->t[x].key)))
				before = st->t[x].key;
		mfm_err_set(err, MFM_ERR_USAGE, "'%s' sets what '%s' set "
		    "already", show(q, sizeof(q), st->t[e].key),
		    show(r, sizeof(r), before));
		err->line = m->key_line[i];
		err->col = m->key_col[i];
		return -1;
	}
	mfm_err_clear(err);
	if (mfm_opt_parse_node(o, v, err) != 0)
		return -1;
	if (mfm_cfg_is_null(v))
		return 0;
	st->src[k] = MFM_OPT_SRC_CONFIG;
	st->node[k] = v;
	return 0;
}

int
mfm_opt_config(struct mfm_opt_state *st, const struct mfm_cfg_node *sec,
    struct mfm_err *err)
{
	struct mfm_buf full = MFM_BUF_INIT;
	const struct mfm_cfg_node *sub;
	size_t i, j;
	long e;
	int rc = 0;

	if (sec == NULL)
		return 0;
	if (sec->type != MFM_CFG_MAP)
		return mfm_cfg_err(sec, err, "expected a mapping");
	for (i = 0; i < sec->n && rc == 0; i++) {
		if ((e = key_index(st, sec->keys[i])) >= 0) {
			rc = config_key(st, sec, i, (size_t)e, err);
			continue;
		}
		if (!is_prefix(st, sec->keys[i])) {
			rc = unknown(sec->keys[i], sec->key_line[i],
			    sec->key_col[i], err);
			continue;
		}
		sub = sec->items[i];
		if (mfm_cfg_is_null(sub))
			continue;
		if (sub->type != MFM_CFG_MAP) {
			rc = mfm_cfg_err(sub, err, "%s: expected a mapping",
			    sec->keys[i]);
			continue;
		}
		for (j = 0; j < sub->n && rc == 0; j++) {
			mfm_buf_clear(&full);
			mfm_buf_addf(&full, "%s.%s", sec->keys[i],
			    sub->keys[j]);
			if ((e = key_index(st, full.p)) < 0)
				rc = unknown(sub->keys[j], sub->key_line[j],
				    sub->key_col[j], err);
			else
				rc = config_key(st, sub, j, (size_t)e, err);
		}
	}
	mfm_buf_release(&full);
	return rc;
}

/* getopt_long's tables. */

void
mfm_opt_getopt(const struct mfm_opt_state *st, struct mfm_buf *shorts,
    struct option **longs)
{
	struct option *lo;
	size_t i, n = 0;
	int arg;

	lo = mfm_xcalloc(2 * st->n + 1, sizeof(*lo));
	mfm_buf_clear(shorts);
	/* '+' would stop at the first operand; GNU order is wanted. */
	for (i = 0; i < st->n; i++) {
		const struct mfm_opt *o = &st->t[mfm_opt_target(st, i)];

		if (!mfm_opt_takes_arg(o->kind) && o->kind != MFM_OPT_FLAG)
			continue;
		arg = mfm_opt_takes_arg(o->kind) ? required_argument :
		    no_argument;
		if (st->t[i].letter != 0) {
			mfm_buf_addc(shorts, (char)st->t[i].letter);
			if (arg == required_argument)
				mfm_buf_addc(shorts, ':');
		}
		if (st->t[i].name == NULL)
			continue;
		lo[n].name = st->t[i].name;
		lo[n].has_arg = arg;
		lo[n].val = MFM_OPT_VAL + 2 * (int)i;
		n++;
		if (o->flags & MFM_OPT_NEG && st->t[i].alias == NULL) {
			char *neg = mfm_xmalloc(strlen(o->name) + 4);

			memcpy(neg, "no-", 3);
			memcpy(neg + 3, o->name, strlen(o->name) + 1);
			lo[n].name = neg;
			lo[n].has_arg = no_argument;
			lo[n].val = MFM_OPT_VAL + 2 * (int)i + 1;
			n++;
		}
	}
	if (shorts->p == NULL)
		mfm_buf_adds(shorts, "");
	*longs = lo;
}

/* --help and the synopsis. */

static int
visible(const struct mfm_opt *o)
{
	return o->alias == NULL && !(o->flags & MFM_OPT_HIDDEN) &&
	    (o->name != NULL || o->kind == MFM_OPT_HEADING);
}

/* Words of a paragraph, wrapped: first line after *col, others at indent. */
struct wrap {
	struct mfm_buf *b;
	size_t col, indent;
	int fresh;		/* nothing on this line yet */
};

static void
wrap_word(struct wrap *w, const char *s, size_t n)
{
	if (!w->fresh && w->col + 1 + n > WIDTH) {
		mfm_buf_addc(w->b, '\n');
		mfm_buf_addf(w->b, "%*s", (int)w->indent, "");
		w->col = w->indent;
		w->fresh = 1;
	}
	if (!w->fresh) {
		mfm_buf_addc(w->b, ' ');
		w->col++;
	}
	mfm_buf_add(w->b, s, n);
	w->col += n;
	w->fresh = 0;
}

static void
wrap_text(struct wrap *w, const char *s)
{
	const char *e;

	for (;;) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			return;
		for (e = s; *e != '\0' && *e != ' '; e++)
			;
		wrap_word(w, s, (size_t)(e - s));
		s = e;
	}
}

/* "[-s SIZES]", "[--step STEPS]", "[--all]", or the inside of a group. */
static void
put_syn(struct mfm_buf *b, const struct mfm_opt *o)
{
	if (o->letter != 0)
		mfm_buf_addf(b, "-%c", o->letter);
	else
		mfm_buf_addf(b, "--%s", o->name);
	if (mfm_opt_takes_arg(o->kind))
		mfm_buf_addf(b, " %s", o->arg ? o->arg : "ARG");
}

static int
in_synopsis(const struct mfm_opt *o)
{
	return visible(o) && o->kind != MFM_OPT_HEADING &&
	    !(o->flags & MFM_OPT_NOSYN) &&
	    !(o->kind == MFM_OPT_FLAG && o->letter != 0);
}

/* The letters of flags, as "huVv": by letter, a capital first. */
static int
letter_cmp(const void *a, const void *b)
{
	int x = *(const char *)a, y = *(const char *)b;
	int lx = x | 0x20, ly = y | 0x20;

	if (lx != ly)
		return lx - ly;
	return x - y;
}

void
mfm_opt_usage(struct mfm_buf *b, const struct mfm_opt_state *st,
    const char *prog, const char *operands)
{
	struct mfm_buf word = MFM_BUF_INIT, letters = MFM_BUF_INIT;
	struct wrap w;
	size_t i, pass, j, k;

	for (i = 0; i < st->n; i++)
		if (visible(&st->t[i]) && st->t[i].kind == MFM_OPT_FLAG &&
		    st->t[i].letter != 0)
			mfm_buf_addc(&letters, (char)st->t[i].letter);
	mfm_buf_addf(b, "usage: %s", prog);
	w.b = b;
	w.col = strlen("usage: ") + strlen(prog);
	w.indent = w.col + 1;
	w.fresh = 0;
	if (letters.len > 0) {
		qsort(letters.p, letters.len, 1, letter_cmp);
		mfm_buf_clear(&word);
		mfm_buf_addf(&word, "[-%s]", letters.p);
		wrap_word(&w, word.p, word.len);
	}
	/* Pass 0: the entries marked first (-c); pass 1: the others. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < st->n; i++) {
			const struct mfm_opt *o = &st->t[i];
			int first = (o->flags & MFM_OPT_FIRST) != 0;

			if (!in_synopsis(o) || first != (pass == 0))
				continue;
			/* A group: [a | b | c], broken at the bars. */
			for (j = i; o->group != 0 && j + 1 < st->n &&
			    st->t[j + 1].group == o->group; j++)
				;
			for (k = i; k <= j; k++) {
				mfm_buf_clear(&word);
				if (k == i)
					mfm_buf_addc(&word, '[');
				put_syn(&word, &st->t[k]);
				mfm_buf_adds(&word, k < j ? " |" : "]");
				wrap_word(&w, word.p, word.len);
			}
			i = j;
		}
	}
	if (operands != NULL && *operands != '\0') {
		/* "[FILE ...]" stays whole. */
		const char *s = operands, *e;

		while (*s != '\0') {
			if (*s == '[')
				e = strchr(s, ']') ? strchr(s, ']') + 1 :
				    s + strlen(s);
			else
				for (e = s; *e != '\0' && *e != ' '; e++)
					;
			wrap_word(&w, s, (size_t)(e - s));
			s = e;
			while (*s == ' ')
				s++;
		}
	}
	mfm_buf_addc(b, '\n');
	mfm_buf_release(&word);
	mfm_buf_release(&letters);
}

/* One option line: the option, then its text at COLUMN, wrapped. */
static void
help_line(struct mfm_buf *b, const struct mfm_opt *o, int neg,
    const char *text, const char *dflt)
{
	struct mfm_buf head = MFM_BUF_INIT;
	struct wrap w;

	if (o->letter != 0 && !neg)
		mfm_buf_addf(&head, "  -%c, ", o->letter);
	else
		mfm_buf_adds(&head, "      ");
	mfm_buf_addf(&head, "--%s%s", neg ? "no-" : "", o->name);
	if (mfm_opt_takes_arg(o->kind))
		mfm_buf_addf(&head, " %s", o->arg ? o->arg : "ARG");
	mfm_buf_add(b, head.p, head.len);
	w.b = b;
	w.indent = COLUMN;
	if (head.len + 2 > COLUMN) {
		mfm_buf_addc(b, '\n');
		mfm_buf_addf(b, "%*s", COLUMN, "");
	} else
		mfm_buf_addf(b, "%*s", (int)(COLUMN - head.len), "");
	w.col = COLUMN;
	w.fresh = 1;
	wrap_text(&w, text ? text : "");
	if (dflt != NULL) {
		struct mfm_buf d = MFM_BUF_INIT;

		mfm_buf_addf(&d, "(%s)", dflt);
		/* The default's words wrap like the text's. */
		{
			const char *s = d.p, *e;

			while (*s != '\0') {
				for (e = s; *e != '\0' && *e != ' '; e++)
					;
				wrap_word(&w, s, (size_t)(e - s));
				s = *e ? e + 1 : e;
			}
		}
		mfm_buf_release(&d);
	}
	mfm_buf_addc(b, '\n');
	mfm_buf_release(&head);
}

/*
 * The default as --help shows it, or NULL: .show, else .dflt, else the
 * field's value (before anything was applied) for counts, sizes,
 * numbers and durations.
 */
static const char *
shown_default(const struct mfm_opt *o, struct mfm_buf *b)
{
	unsigned long long v = 0;
	uint32_t w;
	size_t sz;
	char d[32];

	if (o->show != NULL)
		return *o->show != '\0' ? o->show : NULL;
	if (o->kind == MFM_OPT_FLAG || o->dst == NULL)
		return NULL;
	if (o->dflt != NULL)
		return o->dflt;
	mfm_buf_clear(b);
	switch (o->kind) {
	case MFM_OPT_COUNT:
		if (o->dsize == sizeof(w)) {
			memcpy(&w, o->dst, sizeof(w));
			v = w;
		} else
			memcpy(&v, o->dst, sizeof(v));
		mfm_buf_addf(b, "%llu", v);
		break;
	case MFM_OPT_SIZE:
		sz = *(const size_t *)o->dst;
		if (sz > 0 && sz % (1u << 30) == 0)
			mfm_buf_addf(b, "%zuG", sz >> 30);
		else if (sz > 0 && sz % (1u << 20) == 0)
			mfm_buf_addf(b, "%zuM", sz >> 20);
		else if (sz > 0 && sz % (1u << 10) == 0)
			mfm_buf_addf(b, "%zuk", sz >> 10);
		else
			mfm_buf_addf(b, "%zu", sz);
		break;
	case MFM_OPT_NUMBER:
		mfm_json_put_double(b, *(const double *)o->dst);
		break;
	case MFM_OPT_DURATION:
		mfm_tm_format_duration(*(const int64_t *)o->dst, d);
		mfm_buf_adds(b, d);
		break;
	default:
		return NULL;
	}
	return b->p;
}

void
mfm_opt_help(struct mfm_buf *b, const struct mfm_opt_state *st)
{
	struct mfm_buf d = MFM_BUF_INIT;
	size_t i;

	for (i = 0; i < st->n; i++) {
		const struct mfm_opt *o = &st->t[i];

		if (!visible(o))
			continue;
		if (o->kind == MFM_OPT_HEADING) {
			mfm_buf_addf(b, "%s\n", o->help);
			continue;
		}
		help_line(b, o, 0, o->help, shown_default(o, &d));
		if (o->flags & MFM_OPT_NEG)
			help_line(b, o, 1, o->what, NULL);
	}
	mfm_buf_release(&d);
}

/* A field of --list-options: "-" when empty; no tab or newline inside. */
static void
list_field(struct mfm_buf *b, const char *s, int last)
{
	if (s == NULL || *s == '\0')
		mfm_buf_addc(b, '-');
	else
		for (; *s != '\0'; s++)
			mfm_buf_addc(b, *s == '\t' || *s == '\n' ? ' ' : *s);
	mfm_buf_addc(b, last ? '\n' : '\t');
}

void
mfm_opt_list(struct mfm_buf *b, const struct mfm_opt_state *st)
{
	struct mfm_buf f = MFM_BUF_INIT, d = MFM_BUF_INIT;
	size_t i, k;
	char letter[2];

	for (i = 0; i < st->n; i++) {
		const struct mfm_opt *e = &st->t[i];
		const struct mfm_opt *o = &st->t[mfm_opt_target(st, i)];

		if (e->kind == MFM_OPT_HEADING)
			continue;
		letter[0] = (char)e->letter;
		letter[1] = '\0';
		list_field(b, e->name, 0);
		list_field(b, letter, 0);
		list_field(b, mfm_opt_kind_name(o->kind), 0);
		list_field(b, mfm_opt_takes_arg(o->kind) ? o->arg : NULL, 0);
		list_field(b, e->key, 0);
		mfm_buf_clear(&f);
		if (e->alias != NULL || (e->flags & MFM_OPT_HIDDEN))
			mfm_buf_adds(&f, ",hidden");
		if (e->flags & MFM_OPT_NOSYN)
			mfm_buf_adds(&f, ",nosyn");
		if (e->flags & MFM_OPT_COMMON)
			mfm_buf_adds(&f, ",common");
		if (o->flags & MFM_OPT_NEG)
			mfm_buf_adds(&f, ",neg");
		if (e->alias != NULL)
			mfm_buf_adds(&f, ",deprecated");
		if (repeatable(o->kind))
			mfm_buf_adds(&f, ",repeat");
		list_field(b, f.len > 0 ? f.p + 1 : NULL, 0);
		mfm_buf_clear(&f);
		if (o->kind == MFM_OPT_ENUM)
			for (k = 0; o->names[k].name != NULL; k++)
				mfm_buf_addf(&f, "%s%s", k ? " " : "",
				    o->names[k].name);
		list_field(b, f.p, 0);
		list_field(b, e->alias, 0);
		list_field(b, e->alias ? NULL : shown_default(o, &d), 0);
		list_field(b, e->why, 0);
		list_field(b, e->alias ? NULL : o->help, 0);
		list_field(b, e->alias == NULL && (o->flags & MFM_OPT_NEG) ?
		    o->what : NULL, 1);
	}
	mfm_buf_release(&f);
	mfm_buf_release(&d);
}
