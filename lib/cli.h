/*
 * The command-line layer shared by the tools in cmd/: messages in the
 * house form ("prog: file:line: what is wrong"), the option table of
 * lib/opt.h driven through getopt_long and the configuration file, the
 * common options, the operand loop with bad-record accounting and
 * --rejects, and the checked close of stdout.  Unlike the rest of lib/,
 * this module prints and exits: it is the part of main() that every
 * tool shares.
 *
 * A tool's main() reads top to bottom:
 *
 *	argc -= mfm_cli_parse(&tool, argc, argv); argv += ...;
 *	... checks across options: mfm_cli_opt_die() for a bad value ...
 *	mfm_cli_start();	  (--check-config ends here; -o opens)
 *	mfm_cli_loop(argc, argv, record, &run);
 *	... end of input ...
 *	return mfm_cli_finish(0);
 */
#ifndef MFM_CLI_H
#define MFM_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/buf.h"
#include "lib/cfg.h"
#include "lib/chain.h"
#include "lib/err.h"
#include "lib/hits.h"
#include "lib/io.h"
#include "lib/json.h"
#include "lib/opt.h"
#include "lib/progress.h"
#include "lib/tz.h"

struct mfm_cli {
	const char *prog;
	int unbuffered;
	int verbose;
	size_t max_line;
	const char *config_path;
	struct mfm_cfg cfg;
	const char *rejects_path;
	FILE *rejects;
	uint64_t nread;		/* input records (non-blank lines) */
	uint64_t nblank;	/* blank lines skipped */
	uint64_t nbad;		/* bad records reported */
	uint64_t nout;		/* records written */
	struct mfm_buf out;	/* the record being built */
	enum mfm_progress_mode progress_mode;
	struct mfm_progress progress;	/* set up at the first input */
	const char *output_path;	/* -o, or NULL for stdout */
	int resume;			/* --resume */
	int check_config;		/* --check-config */
	struct mfm_chain chain;		/* -o and --resume under --state */
};

/* The process-wide tool state, so that mfm_die() knows the name. */
extern struct mfm_cli mfm_cli;

/* A tool on the option table. */
struct mfm_cli_tool {
	const char *prog;		/* "mfm-window" */
	const char *section;		/* its configuration section */
	const char *operands;		/* the synopsis's end: "[FILE ...]" */
	const char *about;		/* --help's paragraph, lines ended */
	const struct mfm_opt *opts;	/* ended by MFM_OPT_END */
};

/*
 * --resume, for a tool with --state, placed after its --state entry.
 * Its value is mfm_cli.resume.
 */
#define MFM_CLI_OPT_RESUME \
	{ MFM_OPT_FLAG, "resume", 0, NULL, "resume", \
	  "with --state: read input files from where the last run stopped", \
	  MFM_OPT_AT(mfm_cli.resume) }

/*
 * Parse the command line and the tool's configuration section (-c) by
 * the tool's table followed by the common options: defaults, then the
 * section, then the command line, which wins.  -h, -V and --list-options
 * print and exit 0 where they stand.  Errors exit 2: a bad option value
 * as "prog: --opt: invalid KIND 'x'" with a pointer to --help, a bad
 * configuration value as "prog: file:line:col: ...".  Returns optind.
 */
int mfm_cli_parse(const struct mfm_cli_tool *tool, int argc, char **argv);
/* Whether the option (long name, or config key) was given, either way. */
int mfm_cli_given(const char *name);
/*
 * The configuration node that set option name (long name, or config
 * key), for a position; NULL when the file did not set it (the command
 * line did, or nothing).
 */
const struct mfm_cfg_node *mfm_cli_opt_node(const char *name);
/*
 * Options a and b (long names) exclude each other: when both are given
 * (a flag: true), "give --a or --b, not both", at the one the file set if any (b's
 * first), else as a usage error.  Exits 2.
 */
void mfm_cli_not_both(const char *a, const char *b);
/*
 * A usage error about option name whose message is whole (no "--name: "
 * before it): at the option's place in the configuration when it was
 * set there.  Exits 2.
 */
void mfm_cli_usage_at(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
/*
 * A bad value of an option, found after parsing (a check across options,
 * a value the tool's engine refuses): reported where it came from,
 * "prog: file:line:col: msg" from the configuration, else "prog: --name:
 * msg" as a usage error.  Exits 2.
 */
void mfm_cli_opt_die(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
/*
 * Options and configuration are checked: with --check-config the run
 * ends here (status 0, or 2 when something was reported), reading no
 * input; else -o's file is opened.
 */
void mfm_cli_start(void);

/*
 * The operand loop (mblaze's blaze822_loop): every operand in order, no
 * operand meaning standard input, each opened through
 * mfm_cli_open_input (so --resume applies), its records handed to fn
 * with the reader for messages, and closed checked.
 */
typedef void mfm_cli_record_fn(void *ctx, const struct mfm_reader *r,
    const struct mfm_json *j);
void mfm_cli_loop(int argc, char *const *argv, mfm_cli_record_fn *fn,
    void *ctx);
/*
 * The operands alone, for a tool that reads each its own way (mfm-alert:
 * held, or resumed from its outbox): fn(ctx, path) for every operand in
 * order, or for "-" when there is none.
 */
void mfm_cli_operands(int argc, char *const *argv,
    void (*fn)(void *ctx, const char *path), void *ctx);
/*
 * With --resume: every operand must name a regular file (standard input
 * and pipes cannot be read again from a place); checked before any is
 * opened, since a named pipe's open waits for its writer.  A usage error
 * otherwise.
 */
void mfm_cli_resumable(int argc, char *const *argv);
/* Side inputs (files of an option), each read whole with mfm_cli_read. */
void mfm_cli_read_all(const struct mfm_opt_strs *files,
    mfm_cli_record_fn *fn, void *ctx);

/*
 * The time zone of an option (-z): MFM_OPT_CUSTOM with .parse
 * mfm_cli_zone_parse and .release mfm_cli_zone_release over a struct
 * mfm_cli_zone, loaded from tzdata when parsed.
 */
struct mfm_cli_zone {
	const char *name;	/* NULL: none given */
	struct mfm_tz tz;
};
int mfm_cli_zone_parse(const char *arg, void *dst, struct mfm_err *err);
void mfm_cli_zone_release(void *dst);

void mfm_cli_init(const char *prog);

/*
 * Messages, by what they do to the run:
 * mfm_note: "prog: msg" on stderr; the run's status is unchanged.
 * mfm_fail: "prog: msg" on stderr; the run goes on and exits 2.
 * mfm_die: "prog: msg" on stderr, exit 2 now.
 * mfm_usage_error: the same and "Try 'prog --help'.", exit 2 now.
 * mfm_cli_bad (below): a bad record, counted; the run goes on, exits 2.
 * mfm_cli_limit (below): a cap reached, at a record; exit 2 now.
 */
void mfm_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mfm_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mfm_die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
/* "prog: msg" and "Try 'prog --help'." on stderr, exit 2. */
void mfm_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
/* Print an error from the library and exit 2. */
void mfm_die_err(const struct mfm_err *err) __attribute__((noreturn));

/*
 * The largest count a table's counts take: room is left to multiply a
 * count by an element size.
 */
#define MFM_CLI_COUNT_MAX (SIZE_MAX / 16)

/*
 * Entries that several tables share: the grouping (--by PATHS, shown as
 * "none" by default, and --window PATH, default "window") and the cap on
 * windows x groups open at once.
 */
#define MFM_CLI_OPTS_GROUPING(by, window) \
	{ MFM_OPT_PATHS, "by", 0, "PATHS", "by", \
	  "comma-separated group fields", MFM_OPT_AT(by), .show = "none" }, \
	{ MFM_OPT_PATH, "window", 0, "PATH", "window", \
	  "window object field", MFM_OPT_AT(window), .dflt = "window" }
#define MFM_CLI_OPT_MAX_GROUPS(n) \
	{ MFM_OPT_COUNT, "max-groups", 0, "N", "max_groups", \
	  "windows x groups open at most", MFM_OPT_AT(n), \
	  .lo = 1, .hi = MFM_CLI_COUNT_MAX }

struct mfm_cli_ref {
	struct mfm_opt_strs files;	/* --reference */
	struct mfm_opt_range range;	/* --reference-range */
	int previous;			/* --previous */
};
#define MFM_CLI_OPTS_REFERENCE(ref, files_help) \
	{ MFM_OPT_FILES, "reference", 0, "FILE", "reference", files_help, \
	  MFM_OPT_AT((ref).files), .group = 1 }, \
	{ MFM_OPT_RANGE, "reference-range", 0, "START/END", \
	  "reference_range", "windows starting in [START, END) are the " \
	  "reference", MFM_OPT_AT((ref).range), .group = 1 }, \
	{ MFM_OPT_FLAG, "previous", 0, NULL, "previous", \
	  "each window against the group's previous window", \
	  MFM_OPT_AT((ref).previous), .group = 1 }
/*
 * How many kinds of reference were given.  mfm_cli_ref_one: a
 * reference given on the command line replaces the configuration's;
 * then exactly one kind must be given, else exit 2 (at the position of
 * one of them when the configuration gave both).
 */
int mfm_cli_ref_given(const struct mfm_cli_ref *ref);
void mfm_cli_ref_one(struct mfm_cli_ref *ref);

/*
 * Warn of a missing reference (struct mfm_refrun_ops): of the group, or
 * with group NULL of any window in --reference-range.
 */
void mfm_cli_missing_reference(void *ctx, const char *group, size_t n);

/* Report a config error at a node and exit 2. */
void mfm_cli_config_die(const struct mfm_err *err) __attribute__((noreturn));
/* Open an input operand ("-" for stdin); exits 2 on failure. */
void mfm_cli_open(struct mfm_reader *r, const char *path);

/*
 * Chains of files (mfm(7), lib/chain.h), for tools with --state.
 * mfm_cli_need_state: --resume or --drain (drain set) without a state
 * is a usage error, at its place in the configuration if set there.
 * mfm_cli_chain_begin, once the state is read: take the chain line off
 * the head of its body (*rest: where the tool's own body starts) and cut
 * the -o file back to the length of the last save.
 * mfm_cli_open_input / mfm_cli_close_input: an input operand, resumed
 * from where the last run stopped under --resume (a last line without a
 * newline is then left for the next run), and closed checked.
 * mfm_cli_chain_end, before the state is saved: write out and force the
 * -o file to disk, and start the new body with the chain line.
 * Errors exit 2.
 */
void mfm_cli_need_state(const char *state_path, int drain);
void mfm_cli_chain_begin(const char *body, size_t len, size_t *rest);
void mfm_cli_open_input(struct mfm_reader *r, const char *path);
void mfm_cli_close_input(struct mfm_reader *r);
void mfm_cli_chain_end(struct mfm_buf *body);
/* mfm_cli_read for input operands: through mfm_cli_open_input. */
void mfm_cli_read_input(const char *path,
    void (*fn)(void *ctx, const struct mfm_reader *r, const struct mfm_json *j),
    void *ctx);

/*
 * The record loop: open path ("-" for stdin), hand fn every record that
 * mfm_cli_next() returns, with the reader for messages (its name is the
 * path), and close it, checked.  Errors exit 2.
 */
void mfm_cli_read(const char *path,
    void (*fn)(void *ctx, const struct mfm_reader *r, const struct mfm_json *j),
    void *ctx);

/*
 * Next record of r as a parsed JSON object.  Blank lines are skipped (they
 * hold no record); bad lines and lines that are not JSON objects are
 * reported, counted and written to --rejects, and reading goes on.
 * Returns 1 with j holding the record, 0 at end of input.  A read error
 * exits 2.
 */
int mfm_cli_next(struct mfm_reader *r, struct mfm_json *j);

/*
 * One line of r, for readers polled together: like mfm_cli_next but
 * never reads past one line.  Returns 1 with j holding a record, 0 when
 * the line was blank or bad (reported), -1 at end of input.
 */
int mfm_cli_step(struct mfm_reader *r, struct mfm_json *j);

/*
 * mfm_cli_step's work without a word or a count, for a thread that reads
 * ahead of the one that reports: the next line of r as a record in j,
 * a blank line, a bad line (err says why, with err->col; the line is in
 * r->line), the end, or a read error (err).
 */
enum mfm_cli_scan {
	MFM_CLI_EOF = -1,
	MFM_CLI_BLANK = 0,
	MFM_CLI_RECORD = 1,
	MFM_CLI_BAD = 2,
	MFM_CLI_FAIL = 3
};
enum mfm_cli_scan mfm_cli_scan(struct mfm_reader *r, struct mfm_json *j,
    struct mfm_err *err);

/*
 * Open path for writing ("a" to append, "w" to truncate) as a file that
 * holds input records (--rejects, side files, outputs): created mode
 * 0600 whatever the umask, an existing file keeping its mode.  NULL with
 * errno on failure.
 */
FILE *mfm_cli_create(const char *path, const char *mode);

/*
 * Report a bad record at the reader's current line and count it.  Of each
 * kind of message (its text up to the first ": " followed by a value,
 * quoted or numeric) the first MFM_CLI_SHOWN are printed; the others are
 * counted, and mfm_cli_finish (or mfm_die) ends with one line per kind,
 * "prog: 4,239 more: field 'score' missing".
 */
#define MFM_CLI_SHOWN 5
void mfm_cli_bad(const struct mfm_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The same at column col of the line (0: none). */
void mfm_cli_bad_at(const struct mfm_reader *r, size_t col, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
/*
 * A cap reached at the reader's current line: "prog: file:line: msg
 * (--opt)" (no option when opt is NULL), exit 2.
 */
void mfm_cli_limit(const struct mfm_reader *r, const char *opt,
    const char *msg) __attribute__((noreturn));
/*
 * A record's error from the library: a cap reached (MFM_ERR_LIMIT) is
 * mfm_cli_limit with opt, anything else a bad record.
 */
void mfm_cli_record_err(const struct mfm_reader *r, const struct mfm_err *err,
    const char *opt);

/*
 * Take h (lib/hits.h), whose paths the tool counts record by record:
 * mfm_cli_finish reports each path that matches nothing though records
 * were read, as an error (exit 2), "prog: --label: path 'outcome.churnd'
 * matches nothing in 4,244 records; did you mean 'outcome.churned'?",
 * and with -v each path that some records miss; then frees h.
 */
void mfm_cli_hits(struct mfm_hits *h);
/*
 * The same after adding the paths that group records, which the caller
 * does not look up itself: by[0..nby) as --by and, when given (not
 * NULL), window as --window.
 */
void mfm_cli_hits_groups(struct mfm_hits *h, const struct mfm_json_path *by,
    size_t nby, const struct mfm_json_path *window);

/* Write mfm_cli.out plus a newline to stdout, then clear it. */
void mfm_cli_emit(void);
/*
 * Or build the record in place, in the buffer on its way to stdout:
 * append it to mfm_cli_begin()'s buffer (nothing else may be emitted
 * meanwhile), then mfm_cli_end() ends the line.  Saves a copy per record.
 */
struct mfm_buf *mfm_cli_begin(void);
void mfm_cli_end(void);
/* Write out every record emitted so far (before waiting on input). */
void mfm_cli_flush(void);

/*
 * End of run: the count of bad records of each kind not shown, the
 * paths that match nothing (mfm_cli_hits), with -v
 * the lines read ("prog: 4,250 lines: 4,244 records, 3 bad, 3 blank"),
 * then close --rejects and stdout, checked.  Returns the exit status: 2
 * if any bad record or error was reported, else ok_status.
 */
int mfm_cli_finish(int ok_status);

#endif
