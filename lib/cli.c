/*
 * The command-line layer shared by the tools; see cli.h.
 */
#define _GNU_SOURCE	/* F_SETPIPE_SZ */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cli.h"
#include "lib/tm.h"
#include "lib/banned.h"

struct mfm_cli mfm_cli;
static int had_error;
/*
 * Records on their way to stdout.  Tools build records here (through
 * mfm_cli.out or mfm_cli_begin) and it is written in 64 KiB pieces
 * straight to the descriptor: stdout itself is unbuffered, so a record
 * is copied once, not once more into stdio's buffer.
 */
static struct mfm_buf pend;
#define PEND_MAX (64u << 10)

/*
 * Bad-record messages by kind, so that a flood of one kind shows its
 * first MFM_CLI_SHOWN lines and one count.  Kinds past KINDS_MAX share
 * the last slot.
 */
#define KINDS_MAX 64
static struct bad_kind {
	char *text;
	uint64_t n;
} kinds[KINDS_MAX + 1];
static size_t nkinds;
static struct mfm_buf badmsg;
static int opened;	/* an input was opened: -v reports its lines */
/* Path counters, reported and freed by mfm_cli_finish. */
#define HITS_MAX 4
static struct mfm_hits *hits[HITS_MAX];
static size_t nhits;

/* Write what is pending; -1 with errno on a write error. */
static int
write_pending(void)
{
	size_t n = pend.len;

	pend.len = 0;
	if (n > 0 && fwrite_unlocked(pend.p, 1, n, stdout) != n)
		return -1;
	return 0;
}

/* On exit (mfm_die too), what was emitted still goes out, as stdio's. */
static void
flush_at_exit(void)
{
	(void)write_pending();
}

/*
 * Pipes between the tools of a pipeline hold 64 KiB by default: each
 * stage then wakes the next every 64 KiB.  With 1 MiB (the most an
 * unprivileged process may ask for by default) the stages run longer
 * between switches, and a pipeline on two cores finished about a third
 * sooner.  Only a pipe on stdin or stdout is grown; a refusal is no
 * trouble.
 */
#define PIPE_SIZE (1 << 20)

static void
grow_pipe(int fd)
{
#ifdef F_SETPIPE_SZ
	struct stat sb;

	if (fstat(fd, &sb) == 0 && S_ISFIFO(sb.st_mode) &&
	    fcntl(fd, F_GETPIPE_SZ) < PIPE_SIZE)
		(void)fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE);
#else
	(void)fd;
#endif
}

void
mfm_cli_init(const char *prog)
{
	memset(&mfm_cli, 0, sizeof(mfm_cli));
	mfm_cli.prog = prog;
	mfm_buf_init(&mfm_cli.out);
	/* A filter ends quietly when its reader goes away. */
	signal(SIGPIPE, SIG_DFL);
	setvbuf(stdout, NULL, _IONBF, 0);
	atexit(flush_at_exit);
	grow_pipe(0);
	grow_pipe(1);
}

/* The progress line, set up when the first input opens. */
static struct mfm_progress *
progress(void)
{
	static int ready;

	if (!ready) {
		mfm_progress_init(&mfm_cli.progress, STDERR_FILENO,
		    mfm_cli.prog, mfm_cli.progress_mode, &mfm_cli.nread);
		ready = 1;
	}
	return &mfm_cli.progress;
}

static void
vmsg(const char *fmt, va_list ap)
{
	mfm_progress_clear(&mfm_cli.progress);
	fprintf(stderr, "%s: ", mfm_cli.prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
mfm_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void
mfm_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	had_error = 1;
}

static void bad_summary(void);

void
mfm_die(const char *fmt, ...)
{
	va_list ap;

	bad_summary();
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(2);
}

void
mfm_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n",
	    mfm_cli.prog);
	exit(2);
}

void
mfm_die_err(const struct mfm_err *err)
{
	mfm_die("%s", err->msg);
}


/*
 * The option table of the run: the tool's entries, then the common
 * ones (mfm(7) COMMON OPTIONS), and where each value came from.
 */
static const struct mfm_cli_tool *tool;
static struct mfm_opt *table;
static struct mfm_opt_state opts;
static int progress_flag = -1;		/* --progress 1, --no-progress 0 */

static const struct mfm_opt common[] = {
	{ MFM_OPT_FILE, "config", 'c', "FILE", NULL,
	  "read settings from FILE's section for this tool",
	  MFM_OPT_AT(mfm_cli.config_path),
	  .flags = MFM_OPT_COMMON | MFM_OPT_FIRST,
	  .why = "it names the configuration file itself" },
	{ MFM_OPT_FLAG, "check-config", 0, NULL, NULL,
	  "check FILE's section for this tool and exit, reading no input",
	  MFM_OPT_AT(mfm_cli.check_config),
	  .flags = MFM_OPT_COMMON | MFM_OPT_NOSYN,
	  .why = "it checks the configuration file itself" },
	{ MFM_OPT_FILE, "output", 'o', "FILE", "output",
	  "append the output to FILE", MFM_OPT_AT(mfm_cli.output_path),
	  .flags = MFM_OPT_COMMON },
	{ MFM_OPT_FILE, "rejects", 0, "FILE", "rejects",
	  "append bad input lines, whole, to FILE",
	  MFM_OPT_AT(mfm_cli.rejects_path), .flags = MFM_OPT_COMMON },
	{ MFM_OPT_SIZE, "max-line", 0, "SIZE", "max_line",
	  "longest input line", MFM_OPT_AT(mfm_cli.max_line), .dflt = "4M",
	  .flags = MFM_OPT_COMMON },
	{ MFM_OPT_FLAG, "unbuffered", 'u', NULL, "unbuffered",
	  "flush output after every record", MFM_OPT_AT(mfm_cli.unbuffered),
	  .flags = MFM_OPT_COMMON },
	{ MFM_OPT_FLAG, "verbose", 'v', NULL, "verbose",
	  "report counts on stderr at the end", MFM_OPT_AT(mfm_cli.verbose),
	  .flags = MFM_OPT_COMMON },
	{ MFM_OPT_FLAG, "progress", 0, NULL, "progress",
	  "show progress on stderr", MFM_OPT_AT(progress_flag),
	  .show = "default: on a terminal, for inputs over 4 MB",
	  .what = "never show progress",
	  .flags = MFM_OPT_COMMON | MFM_OPT_NOSYN | MFM_OPT_NEG },
	{ MFM_OPT_FLAG, "help", 'h', NULL, NULL, "show this help and exit",
	  .flags = MFM_OPT_COMMON, .why = "it acts at once" },
	{ MFM_OPT_FLAG, "version", 'V', NULL, NULL,
	  "show the version and exit", .flags = MFM_OPT_COMMON,
	  .why = "it acts at once" },
	{ MFM_OPT_FLAG, "list-options", 0, NULL, NULL,
	  "list the options, one a line, tab-separated, and exit",
	  .flags = MFM_OPT_COMMON | MFM_OPT_HIDDEN,
	  .why = "it acts at once" },
	{ MFM_OPT_END }
};

/* An old spelling was used: said, and the run goes on. */
static void
opt_note(void *ctx, const struct mfm_err *m)
{
	(void)ctx;
	if (m->line > 0)
		mfm_note("%s:%zu:%zu: %s", mfm_cli.config_path, m->line,
		    m->col, m->msg);
	else
		mfm_note("%s", m->msg);
}

static void
print_help(void)
{
	struct mfm_buf b = MFM_BUF_INIT;

	mfm_opt_usage(&b, &opts, tool->prog, tool->operands);
	mfm_buf_addf(&b, "\n%s\n", tool->about);
	mfm_opt_help(&b, &opts);
	fwrite(b.p, 1, b.len, stdout);
	mfm_buf_release(&b);
}

static void
print_list(void)
{
	struct mfm_buf b = MFM_BUF_INIT;

	mfm_opt_list(&b, &opts);
	fwrite(b.p, 1, b.len, stdout);
	mfm_buf_release(&b);
}

/* The tool's entries, then the common ones, in one table. */
static struct mfm_opt *
join_tables(const struct mfm_opt *own)
{
	size_t n = 0, m = 0;
	struct mfm_opt *t;

	while (own[n].kind != MFM_OPT_END)
		n++;
	while (common[m].kind != MFM_OPT_END)
		m++;
	t = mfm_xcalloc(n + m + 1, sizeof(*t));
	memcpy(t, own, n * sizeof(*t));
	memcpy(t + n, common, (m + 1) * sizeof(*t));
	return t;
}

/* The configuration section, checked and read by the table. */
static void
read_config(void)
{
	const struct mfm_cfg_node *sec;
	struct mfm_err err;

	if (mfm_cli.config_path == NULL)
		return;
	mfm_err_clear(&err);
	if (mfm_cfg_load(&mfm_cli.cfg, mfm_cli.config_path, &err) != 0 ||
	    mfm_cfg_section(&mfm_cli.cfg, tool->section, &sec, &err) != 0 ||
	    mfm_opt_config(&opts, sec, &err) != 0)
		mfm_cli_config_die(&err);
}

/* What getopt_long returned: entry *i, spelt how (mfm_opt_set_arg). */
static void
which(int ch, size_t *i, int *how)
{
	long k;

	if (ch >= MFM_OPT_VAL) {
		*i = (size_t)(ch - MFM_OPT_VAL) / 2;
		*how = (ch - MFM_OPT_VAL) % 2;
		return;
	}
	k = mfm_opt_letter(&opts, ch);
	if (k < 0)
		mfm_die("internal error: option -%c not in the table", ch);
	*i = (size_t)k;
	*how = 2;
}

static void
set_arg(size_t i, int how, const char *arg)
{
	struct mfm_err err;
	const char *name = table[mfm_opt_target(&opts, i)].name;

	if (mfm_opt_set_arg(&opts, i, how, arg, &err) != 0)
		mfm_usage_error("--%s: %s", name, err.msg);
}

int
mfm_cli_parse(const struct mfm_cli_tool *t, int argc, char **argv)
{
	struct mfm_buf shorts = MFM_BUF_INIT;
	struct option *longs;
	struct mfm_err err;
	struct given {
		size_t i;
		int how;
		const char *arg;
	} *seen = NULL;
	size_t nseen = 0, i, k;
	const char *name;
	int ch, how;

	mfm_cli_init(t->prog);
	tool = t;
	table = join_tables(t->opts);
	mfm_err_clear(&err);
	if (mfm_opt_init(&opts, table, &err) != 0)
		mfm_die("internal error: %s", err.msg);
	opts.note = opt_note;
	mfm_opt_getopt(&opts, &shorts, &longs);
	while ((ch = getopt_long(argc, argv, shorts.p, longs, NULL)) != -1) {
		if (ch == '?' || ch == ':') {
			/* getopt_long has said what was wrong. */
			fprintf(stderr, "Try '%s --help' for more "
			    "information.\n", mfm_cli.prog);
			exit(2);
		}
		which(ch, &i, &how);
		k = mfm_opt_target(&opts, i);
		name = table[k].name;
		if (strcmp(name, "help") == 0) {
			print_help();
			exit(mfm_cli_finish(0));
		}
		if (strcmp(name, "version") == 0) {
			printf("%s %s\n", mfm_cli.prog, MFM_VERSION);
			exit(mfm_cli_finish(0));
		}
		if (strcmp(name, "list-options") == 0) {
			print_list();
			exit(mfm_cli_finish(0));
		}
		/* -c is needed before the rest: the configuration comes first. */
		if (strcmp(name, "config") == 0) {
			set_arg(i, how, optarg);
			continue;
		}
		seen = mfm_xreallocarray(seen, nseen + 1, sizeof(*seen));
		seen[nseen].i = i;
		seen[nseen].how = how;
		seen[nseen++].arg = optarg;
	}
	for (i = 0; longs[i].name != NULL; i++)
		if ((longs[i].val - MFM_OPT_VAL) % 2 == 1)
			free((char *)longs[i].name);
	free(longs);
	mfm_buf_release(&shorts);
	read_config();
	for (i = 0; i < nseen; i++)
		set_arg(seen[i].i, seen[i].how, seen[i].arg);
	free(seen);
	mfm_cli.progress_mode = progress_flag < 0 ? MFM_PROGRESS_AUTO :
	    progress_flag ? MFM_PROGRESS_ON : MFM_PROGRESS_OFF;
	if (mfm_cli.check_config && mfm_cli.config_path == NULL)
		mfm_usage_error("--check-config needs -c FILE");
	return optind;
}

int
mfm_cli_given(const char *name)
{
	return mfm_opt_given(&opts, name);
}

const struct mfm_cfg_node *
mfm_cli_opt_node(const char *name)
{
	long i = mfm_opt_index(&opts, name);

	if (i < 0 || opts.src[i] != MFM_OPT_SRC_CONFIG)
		return NULL;
	return opts.node[i];
}

/* Option name given, and for a flag given true. */
static int
given_on(const char *name)
{
	long i = mfm_opt_index(&opts, name);

	if (i < 0 || opts.src[i] == MFM_OPT_SRC_DEFAULT)
		return 0;
	return table[i].kind != MFM_OPT_FLAG || *(const int *)table[i].dst;
}

void
mfm_cli_not_both(const char *a, const char *b)
{
	if (given_on(a) && given_on(b))
		mfm_cli_usage_at(mfm_cli_opt_node(b) != NULL ? b : a,
		    "give --%s or --%s, not both", a, b);
}

/*
 * A message about option name, msg: at the option's place in the
 * configuration when it was set there, else as a usage error with the
 * command line's prefix before it.
 */
static void __attribute__((noreturn))
option_die(const char *name, const char *prefix, const char *msg)
{
	const struct mfm_cfg_node *n = mfm_cli_opt_node(name);
	struct mfm_err err;

	if (n != NULL) {
		mfm_cfg_err(n, &err, "%s", msg);
		mfm_cli_config_die(&err);
	}
	mfm_usage_error("%s%s", prefix, msg);
}

void
mfm_cli_opt_die(const char *name, const char *fmt, ...)
{
	char msg[sizeof(((struct mfm_err *)0)->msg)], prefix[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(prefix, sizeof(prefix), "--%s: ", name);
	option_die(name, prefix, msg);
}

void
mfm_cli_usage_at(const char *name, const char *fmt, ...)
{
	char msg[sizeof(((struct mfm_err *)0)->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	option_die(name, "", msg);
}

static void output_open(void);

void
mfm_cli_start(void)
{
	const struct mfm_cfg_node *sec = NULL;
	struct mfm_err err;

	if (mfm_cli.check_config) {
		if (mfm_cli.verbose) {
			(void)mfm_cfg_section(&mfm_cli.cfg, tool->section,
			    &sec, &err);
			mfm_note("%s: %s", mfm_cli.config_path, sec != NULL ?
			    "the section checked is valid" :
			    "no section for this tool: the defaults apply");
		}
		exit(mfm_cli_finish(0));
	}
	output_open();
}

void
mfm_cli_operands(int argc, char *const *argv,
    void (*fn)(void *ctx, const char *path), void *ctx)
{
	int i;

	if (argc == 0)
		fn(ctx, "-");
	for (i = 0; i < argc; i++)
		fn(ctx, argv[i]);
}

struct loop {
	mfm_cli_record_fn *fn;
	void *ctx;
};

static void
loop_input(void *ctx, const char *path)
{
	struct loop *l = ctx;

	mfm_cli_read_input(path, l->fn, l->ctx);
}

void
mfm_cli_loop(int argc, char *const *argv, mfm_cli_record_fn *fn, void *ctx)
{
	struct loop l = { fn, ctx };

	mfm_cli_operands(argc, argv, loop_input, &l);
}

void
mfm_cli_resumable(int argc, char *const *argv)
{
	struct stat st;
	int i;

	if (!mfm_cli.resume)
		return;
	if (argc == 0)
		mfm_usage_error("--resume: standard input cannot be resumed; "
		    "name the files");
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0)
			mfm_usage_error("--resume: standard input cannot be "
			    "resumed; name the files");
		if (stat(argv[i], &st) == 0 && !S_ISREG(st.st_mode))
			mfm_usage_error("%s: --resume needs regular files, not "
			    "a pipe or a terminal", argv[i]);
	}
}

void
mfm_cli_read_all(const struct mfm_opt_strs *files, mfm_cli_record_fn *fn,
    void *ctx)
{
	size_t i;

	for (i = 0; i < files->n; i++)
		mfm_cli_read(files->v[i], fn, ctx);
}

int
mfm_cli_zone_parse(const char *arg, void *dst, struct mfm_err *err)
{
	struct mfm_cli_zone *z = dst;
	struct mfm_tz tz;

	mfm_tz_init(&tz);
	if (mfm_tz_load(&tz, NULL, arg, err) != 0)
		return -1;
	mfm_cli_zone_release(z);
	z->name = arg;
	z->tz = tz;
	return 0;
}

void
mfm_cli_zone_release(void *dst)
{
	struct mfm_cli_zone *z = dst;

	if (z->name != NULL)
		mfm_tz_release(&z->tz);
	z->name = NULL;
}










int
mfm_cli_ref_given(const struct mfm_cli_ref *ref)
{
	return (ref->files.n > 0) + (ref->range.set != 0) +
	    (ref->previous != 0);
}

void
mfm_cli_ref_one(struct mfm_cli_ref *ref)
{
	static const char *const names[] = {
		"previous", "reference-range", "reference"
	};
	const char *msg = "--reference, --reference-range and --previous "
	    "exclude each other";
	struct mfm_err err;
	long k[3];
	size_t i;
	int argv = 0;

	for (i = 0; i < 3; i++) {
		k[i] = mfm_opt_index(&opts, names[i]);
		argv |= k[i] >= 0 && opts.src[k[i]] == MFM_OPT_SRC_ARGV;
	}
	/* The command line's reference replaces the file's. */
	for (i = 0; argv && i < 3; i++)
		if (k[i] >= 0 && opts.src[k[i]] == MFM_OPT_SRC_CONFIG)
			mfm_opt_release(&table[k[i]]);
	if (argv && k[0] >= 0 && opts.src[k[0]] == MFM_OPT_SRC_CONFIG)
		ref->previous = 0;
	if (argv && k[1] >= 0 && opts.src[k[1]] == MFM_OPT_SRC_CONFIG)
		ref->range.set = 0;
	switch (mfm_cli_ref_given(ref)) {
	case 0:
		mfm_usage_error("a reference is needed: --reference, "
		    "--reference-range or --previous");
	case 1:
		return;
	}
	/* Two from the file: say where. */
	for (i = 0; i < 3; i++)
		if (k[i] >= 0 && opts.src[k[i]] == MFM_OPT_SRC_CONFIG &&
		    opts.node[k[i]] != NULL) {
			mfm_cfg_err(opts.node[k[i]], &err, "%s", msg);
			mfm_cli_config_die(&err);
		}
	mfm_usage_error("%s", msg);
}

void
mfm_cli_missing_reference(void *ctx, const char *group, size_t n)
{
	(void)ctx;
	if (group == NULL)
		mfm_fail("--reference-range: no window starts in the range");
	else
		mfm_fail("no reference for group %.*s", (int)n, group);
}




void
mfm_cli_config_die(const struct mfm_err *err)
{
	const char *path = mfm_cli.config_path ? mfm_cli.config_path : "-";

	if (err->line > 0)
		mfm_die("%s:%zu:%zu: %s", path, err->line, err->col, err->msg);
	mfm_die("%s: %s", path, err->msg);
}

/*
 * -o: the output file takes standard output's place, opened for
 * appending (once, however many times this is reached).
 */
static void
output_open(void)
{
	static int done;
	int fd;

	if (mfm_cli.output_path == NULL || done)
		return;
	done = 1;
	fd = open(mfm_cli.output_path, O_WRONLY | O_CREAT | O_APPEND |
	    O_CLOEXEC, 0600);
	if (fd < 0)
		mfm_die("%s: %s", mfm_cli.output_path, strerror(errno));
	if (fd != STDOUT_FILENO) {
		if (dup2(fd, STDOUT_FILENO) < 0)
			mfm_die("%s: %s", mfm_cli.output_path,
			    strerror(errno));
		close(fd);
	}
}










static void open_rejects(void);

void
mfm_cli_open(struct mfm_reader *r, const char *path)
{
	struct mfm_err err;

	if (mfm_reader_open(r, path, mfm_cli.max_line, &err) != 0)
		mfm_die_err(&err);
	/* Over-long lines spill there as read, before a word is said. */
	open_rejects();
	r->spill = mfm_cli.rejects;
	opened = 1;
	r->progress = progress();
	mfm_progress_open(r->progress, r, r->fd, r->name);
}

void
mfm_cli_need_state(const char *state_path, int drain)
{
	if (mfm_cli.resume && state_path == NULL)
		mfm_cli_usage_at("resume",
		    "--resume needs --state: the offsets are "
		    "kept there");
	if (drain && state_path == NULL)
		mfm_cli_usage_at("drain",
		    "--drain needs --state");
}

void
mfm_cli_chain_begin(const char *body, size_t len, size_t *rest)
{
	struct mfm_err err;

	mfm_err_clear(&err);
	if (mfm_chain_load(&mfm_cli.chain, body, len, rest, &err) != 0)
		mfm_die_err(&err);
	output_open();
	if (mfm_cli.output_path != NULL && mfm_chain_recover(&mfm_cli.chain,
	    STDOUT_FILENO, mfm_cli.output_path, &err) != 0)
		mfm_die_err(&err);
}

void
mfm_cli_open_input(struct mfm_reader *r, const char *path)
{
	struct mfm_err err;
	uint64_t off;

	mfm_cli_open(r, path);
	if (!mfm_cli.resume)
		return;
	mfm_err_clear(&err);
	if (strcmp(path, "-") == 0)
		mfm_usage_error("--resume: standard input cannot be resumed; "
		    "name the files");
	if (mfm_chain_start(&mfm_cli.chain, path, r->fd, &off, &err) != 0 ||
	    (off > 0 && mfm_reader_seek(r, off, &err) != 0))
		mfm_die_err(&err);
	if (off > 0 && r->progress != NULL)
		mfm_progress_skip(r->progress, r, off);
	r->hold_partial = 1;
}

void
mfm_cli_close_input(struct mfm_reader *r)
{
	struct mfm_err err;

	if (mfm_cli.resume) {
		mfm_chain_stop(&mfm_cli.chain, r->name, mfm_reader_offset(r));
		if (r->held > 0 && mfm_cli.verbose)
			mfm_fail("%s: a last line of %zu bytes without a "
			    "newline is left for the next run", r->name,
			    r->held);
	}
	if (mfm_reader_close(r, &err) != 0)
		mfm_die_err(&err);
}

void
mfm_cli_chain_end(struct mfm_buf *body)
{
	struct mfm_err err;
	uint64_t len = 0;
	int has_out = mfm_cli.output_path != NULL;

	/* Output first: a crash before the save repeats, never loses. */
	mfm_cli_flush();
	if (has_out && mfm_chain_sync(STDOUT_FILENO, mfm_cli.output_path,
	    &len, &err) != 0)
		mfm_die_err(&err);
	mfm_chain_put(&mfm_cli.chain, body, has_out, len);
}

void
mfm_cli_read_input(const char *path,
    void (*fn)(void *ctx, const struct mfm_reader *r, const struct mfm_json *j),
    void *ctx)
{
	struct mfm_reader r;
	struct mfm_json j;

	mfm_json_init(&j);
	mfm_cli_open_input(&r, path);
	while (mfm_cli_next(&r, &j))
		fn(ctx, &r, &j);
	mfm_cli_close_input(&r);
	mfm_json_release(&j);
}

void
mfm_cli_read(const char *path,
    void (*fn)(void *ctx, const struct mfm_reader *r, const struct mfm_json *j),
    void *ctx)
{
	struct mfm_reader r;
	struct mfm_json j;
	struct mfm_err err;

	mfm_json_init(&j);
	mfm_cli_open(&r, path);
	while (mfm_cli_next(&r, &j))
		fn(ctx, &r, &j);
	if (mfm_reader_close(&r, &err) != 0)
		mfm_die_err(&err);
	mfm_json_release(&j);
}

FILE *
mfm_cli_create(const char *path, const char *mode)
{
	FILE *f;
	int fd, e;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC |
	    (mode[0] == 'a' ? O_APPEND : O_TRUNC), 0600);
	if (fd < 0)
		return NULL;
	if ((f = fdopen(fd, mode)) == NULL) {
		e = errno;
		close(fd);
		errno = e;
	}
	return f;
}

static void
open_rejects(void)
{
	if (mfm_cli.rejects_path == NULL || mfm_cli.rejects != NULL)
		return;
	mfm_cli.rejects = mfm_cli_create(mfm_cli.rejects_path, "a");
	if (mfm_cli.rejects == NULL)
		mfm_die("%s: %s", mfm_cli.rejects_path, strerror(errno));
}

/*
 * The length of msg's kind: the text up to the first ": " that a value
 * follows (a quote or a digit in the rest), so that "field 't' is not a
 * time: invalid time 'x'" and "... 'y'" are one kind; the whole text
 * when no value follows, as in "invalid JSON: unclosed object".
 */
static size_t
kind_len(const char *msg)
{
	const char *p, *q;

	for (p = msg; (p = strstr(p, ": ")) != NULL; p += 2)
		for (q = p + 2; *q != '\0'; q++)
			if (*q == '\'' || (*q >= '0' && *q <= '9'))
				return (size_t)(p - msg);
	return strlen(msg);
}

/* Count msg in its kind; whether it is still to be shown. */
static int
bad_kind(const char *msg)
{
	size_t n = kind_len(msg), i;

	for (i = 0; i < nkinds; i++)
		if (strlen(kinds[i].text) == n &&
		    memcmp(kinds[i].text, msg, n) == 0)
			break;
	if (i == nkinds) {
		if (nkinds == KINDS_MAX) {
			i = KINDS_MAX;
			if (kinds[i].text == NULL)
				kinds[i].text = mfm_xstrdup(
				    "bad records of other kinds");
		} else
			kinds[nkinds++].text = mfm_xmemdup(msg, n);
	}
	return ++kinds[i].n <= MFM_CLI_SHOWN;
}

/* One line per kind of which some were not shown; then none again. */
static void
bad_summary(void)
{
	char num[MFM_ERR_COUNT_SIZE];
	size_t i;

	if (nkinds == 0 && kinds[KINDS_MAX].n == 0)
		return;
	mfm_progress_clear(&mfm_cli.progress);

	for (i = 0; i <= KINDS_MAX; i++) {
		if (kinds[i].n > MFM_CLI_SHOWN)
			fprintf(stderr, "%s: %s more: %s\n", mfm_cli.prog,
			    mfm_err_count(num, kinds[i].n - MFM_CLI_SHOWN),
			    kinds[i].text);
		free(kinds[i].text);
		kinds[i].text = NULL;
		kinds[i].n = 0;
	}
	nkinds = 0;
	mfm_buf_release(&badmsg);
}

static void
vbad(const struct mfm_reader *r, size_t col, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	mfm_buf_clear(&badmsg);
	if (n > 0) {
		mfm_buf_grow(&badmsg, (size_t)n);
		vsnprintf(badmsg.p, (size_t)n + 1, fmt, ap);
		badmsg.len = (size_t)n;
	}
	if (bad_kind(badmsg.p != NULL ? badmsg.p : "")) {
		mfm_progress_clear(&mfm_cli.progress);
		if (col > 0)
			fprintf(stderr, "%s: %s:%zu:%zu: %s\n", mfm_cli.prog,
			    r->name, r->lineno, col, badmsg.p);
		else
			fprintf(stderr, "%s: %s:%zu: %s\n", mfm_cli.prog,
			    r->name, r->lineno, badmsg.p);
	}
	mfm_cli.nbad++;
	had_error = 1;
	if (mfm_cli.rejects_path != NULL && r->line != NULL) {
		open_rejects();
		fwrite(r->line, 1, r->len, mfm_cli.rejects);
		fputc('\n', mfm_cli.rejects);
	}
}

void
mfm_cli_bad(const struct mfm_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vbad(r, 0, fmt, ap);
	va_end(ap);
}

void
mfm_cli_limit(const struct mfm_reader *r, const char *opt, const char *msg)
{
	if (opt != NULL)
		mfm_die("%s:%zu: %s (%s)", r->name, r->lineno, msg, opt);
	mfm_die("%s:%zu: %s", r->name, r->lineno, msg);
}

void
mfm_cli_record_err(const struct mfm_reader *r, const struct mfm_err *err,
    const char *opt)
{
	if (err->kind == MFM_ERR_LIMIT)
		mfm_cli_limit(r, opt, err->msg);
	mfm_cli_bad(r, "%s", err->msg);
}

void
mfm_cli_bad_at(const struct mfm_reader *r, size_t col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vbad(r, col, fmt, ap);
	va_end(ap);
}

/*
 * A line that does not parse.  The reader leaves NUL bytes to us (a NUL
 * fails any parse): such a line is reported as the reader would have.
 */
static void
parse_error(const struct mfm_reader *r, const struct mfm_err *err)
{
	if (memchr(r->line, '\0', r->len) != NULL)
		mfm_cli_bad_at(r, 0, "NUL byte in line");
	else
		mfm_cli_bad_at(r, err->col, "%s", err->msg);
}

int
mfm_cli_next(struct mfm_reader *r, struct mfm_json *j)
{
	struct mfm_err err;

	if (mfm_cli.rejects_path != NULL && mfm_cli.rejects == NULL) {
		open_rejects();
		r->spill = mfm_cli.rejects;
	}
	r->nul_later = 1;
	for (;;) {
		mfm_err_clear(&err);
		switch (mfm_reader_next(r, &err)) {
		case MFM_IO_EOF:
			if (r->progress != NULL)
				mfm_progress_close(r->progress, r);
			r->progress = NULL;
			return 0;
		case MFM_IO_ERROR:
			mfm_die_err(&err);
		case MFM_IO_BAD:
			mfm_cli.nread++;
			mfm_cli_bad_at(r, 0, "%s", err.msg);
			continue;
		case MFM_IO_LINE:
			break;
		}
		if (mfm_io_blank(r->line, r->len)) {
			mfm_cli.nblank++;
			continue;
		}
		mfm_cli.nread++;
		if (mfm_json_parse(j, r->line, r->len, &err) != 0) {
			parse_error(r, &err);
			continue;
		}
		if (j->tok[0].type != MFM_JSON_OBJECT) {
			mfm_cli_bad_at(r, 0, "record is not a JSON object");
			continue;
		}
		return 1;
	}
}

enum mfm_cli_scan
mfm_cli_scan(struct mfm_reader *r, struct mfm_json *j, struct mfm_err *err)
{
	r->nul_later = 1;
	mfm_err_clear(err);
	switch (mfm_reader_next(r, err)) {
	case MFM_IO_EOF:
		return MFM_CLI_EOF;
	case MFM_IO_ERROR:
		return MFM_CLI_FAIL;
	case MFM_IO_BAD:
		err->col = 0;
		return MFM_CLI_BAD;
	case MFM_IO_LINE:
		break;
	}
	if (mfm_io_blank(r->line, r->len))
		return MFM_CLI_BLANK;
	if (mfm_json_parse(j, r->line, r->len, err) != 0) {
		/* The reader leaves NUL bytes to us: said as it would. */
		if (memchr(r->line, '\0', r->len) != NULL) {
			mfm_err_set(err, MFM_ERR_DATA, "NUL byte in line");
			err->col = 0;
		}
		return MFM_CLI_BAD;
	}
	if (j->tok[0].type != MFM_JSON_OBJECT) {
		mfm_err_set(err, MFM_ERR_DATA, "record is not a JSON object");
		err->col = 0;
		return MFM_CLI_BAD;
	}
	return MFM_CLI_RECORD;
}

int
mfm_cli_step(struct mfm_reader *r, struct mfm_json *j)
{
	struct mfm_err err;

	if (mfm_cli.rejects_path != NULL && r->spill == NULL) {
		open_rejects();
		r->spill = mfm_cli.rejects;
	}
	switch (mfm_cli_scan(r, j, &err)) {
	case MFM_CLI_EOF:
		if (r->progress != NULL)
			mfm_progress_close(r->progress, r);
		r->progress = NULL;
		return -1;
	case MFM_CLI_FAIL:
		mfm_die_err(&err);
	case MFM_CLI_BAD:
		mfm_cli.nread++;
		mfm_cli_bad_at(r, err.col, "%s", err.msg);
		return 0;
	case MFM_CLI_BLANK:
		mfm_cli.nblank++;
		return 0;
	case MFM_CLI_RECORD:
		break;
	}
	mfm_cli.nread++;
	return 1;
}

void
mfm_cli_flush(void)
{
	if (write_pending() != 0 || fflush(stdout) != 0)
		mfm_die("write error: %s", strerror(errno));
}

/* A record is complete in pend: write when enough has come (or -u). */
static void
record_done(void)
{
	mfm_cli.nout++;
	if (pend.len >= PEND_MAX || mfm_cli.unbuffered)
		mfm_cli_flush();
}

void
mfm_cli_emit(void)
{
	struct mfm_buf *b = &mfm_cli.out;

	mfm_buf_grow(&pend, b->len + 1);
	if (b->len > 0)
		memcpy(pend.p + pend.len, b->p, b->len);
	pend.len += b->len;
	pend.p[pend.len++] = '\n';
	pend.p[pend.len] = '\0';
	mfm_buf_clear(b);
	record_done();
}

struct mfm_buf *
mfm_cli_begin(void)
{
	return &pend;
}

void
mfm_cli_end(void)
{
	mfm_buf_addc(&pend, '\n');
	record_done();
}

void
mfm_cli_hits(struct mfm_hits *h)
{
	if (nhits == HITS_MAX)
		mfm_die("internal error: more than %d path counters", HITS_MAX);
	h->all = mfm_cli.verbose;
	hits[nhits++] = h;
}

void
mfm_cli_hits_groups(struct mfm_hits *h, const struct mfm_json_path *by,
    size_t nby, const struct mfm_json_path *window)
{
	size_t i;

	for (i = 0; i < nby; i++)
		mfm_hits_add(h, "--by", &by[i], 0, MFM_HITS_OWN);
	if (window != NULL)
		mfm_hits_add(h, "--window", window, 0, MFM_HITS_OWN);
	mfm_cli_hits(h);
}

/* "4,244 records", "1 record": the noun's plural ends in 's'. */
static void
put_count(struct mfm_buf *b, uint64_t n, const char *noun)
{
	char num[MFM_ERR_COUNT_SIZE];
	size_t len = strlen(noun);

	mfm_buf_addf(b, "%s %.*s", mfm_err_count(num, n),
	    (int)(n == 1 && len > 1 && noun[len - 1] == 's' ? len - 1 : len),
	    noun);
}

/*
 * Where option opt ("--label") was set, "file:line:col: ", when the
 * configuration set it.
 */
static void
put_where(struct mfm_buf *b, const char *opt)
{
	const struct mfm_cfg_node *n;
	struct mfm_err err;

	if (strncmp(opt, "--", 2) != 0 ||
	    (n = mfm_cli_opt_node(opt + 2)) == NULL)
		return;
	mfm_cfg_err(n, &err, "%s", "");
	if (err.line > 0)
		mfm_buf_addf(b, "%s:%zu:%zu: ", mfm_cli.config_path, err.line,
		    err.col);
}

/* Path i of h matches nothing: say so, and what it may have meant. */
static void
path_error(const struct mfm_hits *h, size_t i, struct mfm_buf *b)
{
	const char *near[3];
	size_t n, k;
	int close;

	put_where(b, h->e[i].opt);
	mfm_buf_addf(b, "%s: path '%s' matches nothing in ", h->e[i].opt,
	    h->e[i].text);
	put_count(b, h->nrec, h->noun);
	n = mfm_hits_near(h, i, near, 3, &close);
	for (k = 0; k < n; k++) {
		if (k == 0)
			mfm_buf_adds(b, close ? "; did you mean " :
			    "; nearest paths: ");
		else
			mfm_buf_adds(b, close && k + 1 == n ? " or " : ", ");
		mfm_buf_addf(b, "'%s%s'", near[k],
		    h->e[i].flags & MFM_HITS_WILD ? ".*" : "");
	}
	if (n > 0 && close)
		mfm_buf_addc(b, '?');
}

/* -v: how many records a path was found in, missing from, null above. */
static void
path_misses(const struct mfm_hits *h, size_t i, struct mfm_buf *b)
{
	const struct mfm_hits_path *e = &h->e[i];
	char num[MFM_ERR_COUNT_SIZE];

	mfm_buf_addf(b, "%s: path '%s' found in %s of ", e->opt, e->text,
	    mfm_err_count(num, e->found));
	put_count(b, h->nrec, h->noun);
	if (e->missing > 0)
		mfm_buf_addf(b, ", missing in %s",
		    mfm_err_count(num, e->missing));
	if (e->under_null > 0)
		mfm_buf_addf(b, ", under a null in %s",
		    mfm_err_count(num, e->under_null));
}

static void
report_hits(void)
{
	struct mfm_buf b = MFM_BUF_INIT;
	const struct mfm_hits_path *e;
	size_t k, i;

	for (k = 0; k < nhits; k++) {
		for (i = 0; i < hits[k]->n; i++) {
			e = &hits[k]->e[i];
			mfm_buf_clear(&b);
			if (hits[k]->nrec > 0 && e->found == 0 &&
			    e->missing > 0 && !(e->flags & MFM_HITS_OPTIONAL)) {
				path_error(hits[k], i, &b);
				mfm_fail("%s", b.p);
			} else if (mfm_cli.verbose &&
			    (e->missing > 0 || e->under_null > 0)) {
				path_misses(hits[k], i, &b);
				fprintf(stderr, "%s: %s\n", mfm_cli.prog, b.p);
			}
		}
		mfm_hits_free(hits[k]);
	}
	nhits = 0;
	mfm_buf_release(&b);
}

/* -v: the lines read add up: records, bad ones and blank ones. */
static void
report_lines(void)
{
	char a[MFM_ERR_COUNT_SIZE], b[MFM_ERR_COUNT_SIZE];
	char c[MFM_ERR_COUNT_SIZE], d[MFM_ERR_COUNT_SIZE];
	uint64_t nbad = mfm_cli.nbad < mfm_cli.nread ? mfm_cli.nbad :
	    mfm_cli.nread;

	fprintf(stderr, "%s: lines %s: records %s, bad %s, blank %s\n",
	    mfm_cli.prog, mfm_err_count(a, mfm_cli.nread + mfm_cli.nblank),
	    mfm_err_count(b, mfm_cli.nread - nbad), mfm_err_count(c, nbad),
	    mfm_err_count(d, mfm_cli.nblank));
}

int
mfm_cli_finish(int ok_status)
{
	int status;

	mfm_progress_clear(&mfm_cli.progress);
	bad_summary();
	report_hits();
	if (mfm_cli.verbose && opened)
		report_lines();
	status = had_error || mfm_cli.nbad ? 2 : ok_status;

	if (mfm_cli.rejects != NULL) {
		if (fclose(mfm_cli.rejects) != 0) {
			mfm_fail("%s: %s", mfm_cli.rejects_path,
			    strerror(errno));
			status = 2;
		}
		mfm_cli.rejects = NULL;
	}
	errno = 0;
	if (write_pending() != 0 || fflush(stdout) != 0 || ferror(stdout)) {
		int e = errno ? errno : EIO;

		fprintf(stderr, "%s: write error: %s\n", mfm_cli.prog,
		    strerror(e));
		fclose(stdout);
		return 2;
	}
	if (fclose(stdout) != 0) {
		fprintf(stderr, "%s: write error: %s\n", mfm_cli.prog,
		    strerror(errno));
		return 2;
	}
	mfm_buf_release(&mfm_cli.out);
	mfm_buf_release(&pend);
	if (table != NULL) {
		mfm_opt_release_all(&opts);
		free(table);
		table = NULL;
	}
	mfm_cfg_release(&mfm_cli.cfg);
	return status;
}
