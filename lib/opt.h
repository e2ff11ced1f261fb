/*
 * One declarative option table per tool: each entry says once what an
 * option is (long name, short letter, kind of argument, default, config
 * key, help line, where its value lands), and everything else is made
 * from it: getopt_long's tables, the keys the tool's section of the
 * configuration may hold, the parsing of values (one validator per kind,
 * one message form), --help and its synopsis, and the listing that shell
 * completions and the table test read (--list-options).  curl's
 * tool_getparam and tool_parsecfg are the model.
 *
 * How a tool declares its table.  The settings live in one static object
 * of the tool, and each entry points at its field with MFM_OPT_AT:
 *
 *	static struct { struct mfm_opt_durations size; ... } set;
 *	static const struct mfm_opt opts[] = {
 *		{ MFM_OPT_DURATIONS, "size", 's', "SIZES", "size",
 *		  "window sizes, comma-separated: 1h, 1d, 1h,1d",
 *		  MFM_OPT_AT(set.size), .dflt = "1h" },
 *		...
 *		{ MFM_OPT_END }
 *	};
 *
 * The first six members are positional (kind, name, letter, argument
 * placeholder, config key, help); the rest are named.  lib/cli.c's
 * mfm_cli_parse() adds the common options (mfm(7) COMMON OPTIONS: -c,
 * -o, --rejects, --max-line, -u, -v, --progress, --check-config, -h, -V)
 * after the tool's own; a tool with --state puts MFM_CLI_OPT_RESUME
 * (cli.h) after its --state entry.
 *
 * How values land.  Defaults first: .dflt, a text parsed as a value of
 * the kind would be, else whatever the tool's static initializer put in
 * the field (so a constant of lib/ stays the one source of a cap's
 * default: --help shows the field's value for counts, sizes, numbers
 * and durations, or .show when that reads better).  Then the configuration section, every key checked and
 * parsed (a value overridden on the command line is still checked, so
 * --check-config does not depend on the command line).  Then the
 * command line, which wins: a repeatable option (STRINGS, FILES, PAIRS)
 * given there replaces the configuration's list as a whole.  A YAML null
 * sets nothing: the default stays.  Values that own memory (paths,
 * lists) belong to the table until mfm_opt_release_all().
 *
 * Names.  A config key is the long name with '_' for '-', unless there
 * is a reason, which .why states (and --list-options shows): an option
 * with no key (.key NULL: -c, -h, options that shape -e rules), a key
 * with no option (.name NULL: kind MFM_OPT_NODE, a structured value such
 * as mfm-threshold's rules), a key refused on purpose (MFM_OPT_REFUSED).
 * A letter and a word mean the same thing in every tool: mfm(7) OPTION
 * NAMES keeps the list.
 *
 * Aliases and deprecations.  An old spelling is an entry with .alias
 * naming the entry it stands for (by long name, or by config key for a
 * config-only one): its name, letter and key are accepted, each use is
 * noted on stderr ("--allowed-lateness is deprecated: use --lateness";
 * for a key, at its position) without failing the run, and it is
 * hidden from --help and the synopsis.  Its other members are ignored.
 * Old spellings last one release and are listed in mfm(7).
 *
 * Converting a tool (mfm(7) OPTION NAMES says what each one renames):
 * move its settings into the static object and its options into the
 * table; main() becomes mfm_cli_parse(), the checks across options
 * (mfm_cli_opt_die() for a value, so that one from the file is reported
 * at its position), mfm_cli_start(), mfm_cli_loop(); caps go through
 * mfm_cli_limit() or mfm_cli_record_err(), messages through mfm_note()
 * or mfm_fail().  Then its man page: the SYNOPSIS in the table's order,
 * each option in OPTIONS with the default --help shows, every key in
 * CONFIGURATION, old spellings in mfm(7); take the tool off PENDING in
 * scripts/check-options, which checks all of it.
 *
 * Messages.  The library never prints: parsing fails with the kind's
 * message, "invalid duration 'x': expected a number", "invalid count
 * '0' (1 to 100)", "invalid unit 'x' (auto, s, ms, us or ns)", and the
 * caller puts the option ("prog: --size: ...") or the position
 * ("prog: mfm.yaml:3:9: ...") in front.
 */
#ifndef MFM_OPT_H
#define MFM_OPT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/cfg.h"
#include "lib/err.h"
#include "lib/json.h"

enum mfm_opt_kind {
	MFM_OPT_END = 0,	/* ends a table */
	MFM_OPT_HEADING,	/* a heading line of --help: .help only */
	MFM_OPT_FLAG,		/* int, 1 when given (0 for --no-NAME);
				   config true or false */
	MFM_OPT_STRING,		/* const char * */
	MFM_OPT_FILE,		/* const char *, a file name */
	MFM_OPT_DIR,		/* const char *, a directory name */
	MFM_OPT_STRINGS,	/* struct mfm_opt_strs: repeatable;
				   config a scalar or a list */
	MFM_OPT_FILES,		/* struct mfm_opt_strs of file names, likewise */
	MFM_OPT_PATH,		/* struct mfm_json_path, a field path */
	MFM_OPT_PATHS,		/* struct mfm_opt_paths: comma-separated;
				   config also a list */
	MFM_OPT_DURATION,	/* int64_t, microseconds */
	MFM_OPT_DURATIONS,	/* struct mfm_opt_durations: comma-separated;
				   config also a list */
	MFM_OPT_SIZE,		/* size_t: above 0, suffixes k, M, G */
	MFM_OPT_COUNT,		/* an unsigned integer of .dsize bytes, from
				   .lo to .hi (.hi 0: the type's largest) */
	MFM_OPT_NUMBER,		/* double, finite */
	MFM_OPT_ENUM,		/* int (.dsize bytes): the value of a name of
				   .names */
	MFM_OPT_RANGE,		/* struct mfm_opt_range: START/END */
	MFM_OPT_PAIRS,		/* struct mfm_opt_pairs: NAME=VALUE,
				   repeatable; config a mapping */
	MFM_OPT_CUSTOM,		/* .parse reads the text */
	MFM_OPT_NODE,		/* config only: .parse_node reads the node */
	MFM_OPT_REFUSED		/* config only: a key refused, .why says why */
};

/* Flags of an entry. */
#define MFM_OPT_HIDDEN	0x01	/* not in --help nor the synopsis */
#define MFM_OPT_NOSYN	0x02	/* in --help, not in the synopsis */
#define MFM_OPT_ZERO	0x04	/* DURATION(S): 0 allowed */
#define MFM_OPT_NEG	0x08	/* FLAG: --no-NAME too, which sets 0 */
#define MFM_OPT_FIRST	0x10	/* first in the synopsis, after the letters */
#define MFM_OPT_COMMON	0x20	/* a common option, described in mfm(7) */

/* An enum's names and values, ended by a NULL name. */
struct mfm_opt_name {
	const char *name;
	int value;
};

struct mfm_opt_strs {
	const char **v;		/* borrowed from argv or the config tree */
	size_t n;
};

struct mfm_opt_paths {
	struct mfm_json_path *v;
	size_t n;
};

struct mfm_opt_durations {
	int64_t *v;
	size_t n;
};

struct mfm_opt_range {
	int64_t from, to;	/* from < to, microseconds */
	int set;
};

struct mfm_opt_pairs {
	struct mfm_opt_pair {
		char *name, *value;	/* owned */
	} *v;
	size_t n;
};

struct mfm_opt {
	enum mfm_opt_kind kind;
	const char *name;	/* long option, "size"; NULL: config only */
	int letter;		/* short option, 's', or 0 */
	const char *arg;	/* the argument in --help, "SIZES" */
	const char *key;	/* config key, "size"; NULL: none (.why) */
	const char *help;	/* --help's text, wrapped there */
	void *dst;		/* where the value lands (MFM_OPT_AT) */
	size_t dsize;		/* sizeof *dst */
	const char *dflt;	/* the default, as a value's text */
	const char *show;	/* the default as --help says it, if not dflt;
				   "" says none */
	const char *what;	/* ENUM, CUSTOM: "invalid WHAT 'x'";
				   FLAG with MFM_OPT_NEG: --no-NAME's help */
	const struct mfm_opt_name *names;	/* ENUM */
	unsigned long long lo, hi;		/* COUNT */
	/* CUSTOM: set *dst from text (replacing what was there). */
	int (*parse)(const char *arg, void *dst, struct mfm_err *err);
	/* NODE: set *dst from a config node; errors positioned. */
	int (*parse_node)(const struct mfm_cfg_node *n, void *dst,
	    struct mfm_err *err);
	/* CUSTOM, NODE: free what *dst owns (NULL: nothing). */
	void (*release)(void *dst);
	const char *alias;	/* an old spelling of the entry so named */
	const char *why;	/* why no key, or no option */
	unsigned flags;
	int group;		/* synopsis: a group's entries are [a | b] */
};

#define MFM_OPT_AT(x) .dst = &(x), .dsize = sizeof(x)

/* Where an entry's value came from. */
enum mfm_opt_src {
	MFM_OPT_SRC_DEFAULT = 0,
	MFM_OPT_SRC_CONFIG,
	MFM_OPT_SRC_ARGV
};

/*
 * A table being applied: where each entry's value came from, and the
 * configuration node that set it (for messages at its position).  note,
 * when not NULL, is told of each use of an old spelling (a message with
 * line and col for a key, without for an option); it must not fail.
 */
struct mfm_opt_state {
	const struct mfm_opt *t;
	size_t n;			/* entries before MFM_OPT_END */
	unsigned char *src;		/* enum mfm_opt_src per entry */
	const struct mfm_cfg_node **node;	/* per entry, or NULL */
	void (*note)(void *ctx, const struct mfm_err *msg);
	void *ctx;
};

/* A name's value, 0; -1 when no name of names is s. */
int mfm_opt_name_find(const struct mfm_opt_name *names, const char *s,
    int *value);
/* "a, b or c" appended to b. */
void mfm_opt_names_put(struct mfm_buf *b, const struct mfm_opt_name *names);
/* The name of value v, or NULL. */
const char *mfm_opt_name_of(const struct mfm_opt_name *names, int v);

/* "duration", "count", ... as --list-options writes the kind. */
const char *mfm_opt_kind_name(enum mfm_opt_kind kind);
/* Whether the kind takes an argument on the command line. */
int mfm_opt_takes_arg(enum mfm_opt_kind kind);

/*
 * Values, without state: parse text as o's kind into o->dst, replacing
 * the value there (append: add to a repeatable's list instead).  Errors
 * are the kind's message, without the option's name.
 */
int mfm_opt_parse(const struct mfm_opt *o, const char *arg, int append,
    struct mfm_err *err);
/* The same from a configuration node; errors positioned at it. */
int mfm_opt_parse_node(const struct mfm_opt *o, const struct mfm_cfg_node *n,
    struct mfm_err *err);
/* Free what o's value owns and zero it (not for plain scalars). */
void mfm_opt_release(const struct mfm_opt *o);

/* Sizes as MFM_OPT_SIZE reads them: 0, or -1 for anything else. */
int mfm_opt_scan_size(const char *arg, size_t *out);
/*
 * A comma-separated list of field paths (a comma inside quotes or after
 * a backslash is part of a key): *n paths allocated in *v.
 */
int mfm_opt_split_paths(const char *arg, struct mfm_json_path **v,
    size_t *n, struct mfm_err *err);

/*
 * Applying a table: init counts the entries and sets every default (a
 * bad default is an error of the table); set_arg applies one command
 * line occurrence of entry i, following an alias (how it was spelt, for
 * the note about an old spelling: 0 the long name, 1 its --no- form, 2
 * the letter);
 * config checks the section's keys and sets their values; release_all
 * frees every value and the state.
 */
int mfm_opt_init(struct mfm_opt_state *st, const struct mfm_opt *t,
    struct mfm_err *err);
int mfm_opt_set_arg(struct mfm_opt_state *st, size_t i, int how,
    const char *arg, struct mfm_err *err);
int mfm_opt_config(struct mfm_opt_state *st, const struct mfm_cfg_node *sec,
    struct mfm_err *err);
void mfm_opt_release_all(struct mfm_opt_state *st);

/* The entry named name (long name, else key), following no alias; -1. */
long mfm_opt_index(const struct mfm_opt_state *st, const char *name);
/* The entry an alias stands for (i itself when not an alias). */
size_t mfm_opt_target(const struct mfm_opt_state *st, size_t i);
/* The entry with this letter, or -1. */
long mfm_opt_letter(const struct mfm_opt_state *st, int letter);
/* Whether entry name was set by the configuration or the command line. */
int mfm_opt_given(const struct mfm_opt_state *st, const char *name);

/*
 * getopt_long's short option string and long options: each long option's
 * val is MFM_OPT_VAL + 2 * index, + 1 for a --no- form.  *longs is
 * allocated, ended by a zero entry; free() it.
 */
#define MFM_OPT_VAL 0x1000
struct option;
void mfm_opt_getopt(const struct mfm_opt_state *st, struct mfm_buf *shorts,
    struct option **longs);

/*
 * --help: "usage: prog [-huVv] [-c FILE] ... OPERANDS" wrapped at 80
 * columns; then the option lines of every visible entry, the text in a
 * column of its own and the default after it: "(1h)".  Defaults are
 * read from the fields, so these run before any value is applied.
 */
void mfm_opt_usage(struct mfm_buf *b, const struct mfm_opt_state *st,
    const char *prog, const char *operands);
void mfm_opt_help(struct mfm_buf *b, const struct mfm_opt_state *st);
/*
 * --list-options: one line per entry, tab-separated: long name, letter,
 * kind, placeholder, config key, flags (hidden, nosyn, common, neg,
 * deprecated, repeat), enum names (space-separated), alias target,
 * default as shown, reason (.why), help, help of the --no- form; "-"
 * for an empty field.  Shell completions and the table test read it.
 */
void mfm_opt_list(struct mfm_buf *b, const struct mfm_opt_state *st);

#endif
