/*
 * mfm-export: metric records as Prometheus metric families, for the
 * monitoring stack a team already runs.
 *
 * Reads metric records (mfm-metric's output) and writes, at the end of
 * input, the Prometheus text exposition format or OpenMetrics: a gauge
 * family per metric, the counts and the label health, with the group
 * and the window's length as labels, of the latest revision of the
 * latest window of each series (lib/export.c).  The exposition goes to
 * standard output, or atomically into a node_exporter textfile
 * (--textfile), or to a Pushgateway (--push-env, --push-file), whose
 * URL is read from the environment or a file like mfm-alert's secrets.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/deliver.h"
#include "lib/export.h"
#include "lib/state.h"
#include "lib/banned.h"

/* The settings, where the option table puts them. */
static struct {
	int openmetrics, timestamps, all, provisional;
	const char *prefix;
	struct mfm_opt_pairs labels;	/* --const-label */
	size_t max_windows;
	const char *textfile;
	const char *push_env, *push_file, *job;
	struct mfm_opt_pairs grouping;
	int method;			/* 0 put, 1 post */
	const char *ca_file;
	int64_t timeout;
	unsigned retries;
} set = {
	.max_windows = MFM_EXPORT_MAX_WINDOWS,
	.timeout = MFM_DELIVER_TIMEOUT,
	.retries = MFM_DELIVER_RETRIES
};

static const struct mfm_opt_name methods[] = {
	{ "put", 0 }, { "post", 1 }, { NULL, 0 }
};

static const struct mfm_opt opts[] = {
	{ MFM_OPT_FLAG, "openmetrics", 0, NULL, "openmetrics",
	  "OpenMetrics text instead of Prometheus text",
	  MFM_OPT_AT(set.openmetrics) },
	{ MFM_OPT_FLAG, "timestamps", 0, NULL, "timestamps",
	  "each sample at its window's end time", MFM_OPT_AT(set.timestamps) },
	{ MFM_OPT_FLAG, "all", 'a', NULL, "all",
	  "every window, not the latest (--timestamps)", MFM_OPT_AT(set.all) },
	{ MFM_OPT_FLAG, "provisional", 0, NULL, "provisional",
	  "windows not yet final too, provisional=\"true\"",
	  MFM_OPT_AT(set.provisional) },
	{ MFM_OPT_STRING, "prefix", 0, "PREFIX", "prefix",
	  "metric name prefix", MFM_OPT_AT(set.prefix), .show = "mfm_" },
	{ MFM_OPT_PAIRS, "const-label", 0, "NAME=VALUE", "const_labels",
	  "a label on every sample (repeatable)", MFM_OPT_AT(set.labels),
	  .why = "a mapping of names to values, as the plural says" },
	{ MFM_OPT_PAIRS, "label", 0, NULL, "labels", NULL,
	  .alias = "const-label" },
	{ MFM_OPT_COUNT, "max-windows", 0, "N", "max_windows",
	  "windows of series kept at most", MFM_OPT_AT(set.max_windows),
	  .lo = 1, .hi = MFM_CLI_COUNT_MAX },
	{ MFM_OPT_FILE, "textfile", 0, "PATH", "textfile",
	  "replace PATH (*.prom) atomically instead",
	  MFM_OPT_AT(set.textfile) },
	{ MFM_OPT_STRING, "push-env", 0, "VAR", "push_env",
	  "PUT to the Pushgateway whose URL is in VAR",
	  MFM_OPT_AT(set.push_env), .group = 1 },
	{ MFM_OPT_FILE, "push-file", 0, "PATH", "push_file",
	  "... whose URL is the first line of PATH",
	  MFM_OPT_AT(set.push_file), .group = 1 },
	{ MFM_OPT_STRING, "job", 0, "NAME", "job", "the Pushgateway job",
	  MFM_OPT_AT(set.job), .dflt = "mfm" },
	{ MFM_OPT_PAIRS, "grouping", 0, "NAME=VALUE", "grouping",
	  "a label of the Pushgateway group (repeatable)",
	  MFM_OPT_AT(set.grouping) },
	{ MFM_OPT_ENUM, "push-method", 0, "METHOD", "push_method",
	  "put (replace the group) or post", MFM_OPT_AT(set.method),
	  .dflt = "put", .what = "method", .names = methods },
	{ MFM_OPT_FILE, "ca-file", 0, "PATH", "ca_file",
	  "verify TLS with the CAs in PATH", MFM_OPT_AT(set.ca_file) },
	{ MFM_OPT_DURATION, "timeout", 0, "DURATION", "timeout",
	  "time allowed for one attempt", MFM_OPT_AT(set.timeout) },
	{ MFM_OPT_COUNT, "retries", 0, "N", "retries",
	  "attempts after the first", MFM_OPT_AT(set.retries),
	  .hi = MFM_DELIVER_RETRIES_MAX },
	/* The push mapping of the first release, one key per option now. */
	{ MFM_OPT_STRING, NULL, 0, NULL, "push.url_env", NULL,
	  .alias = "push-env" },
	{ MFM_OPT_FILE, NULL, 0, NULL, "push.url_file", NULL,
	  .alias = "push-file" },
	{ MFM_OPT_STRING, NULL, 0, NULL, "push.job", NULL, .alias = "job" },
	{ MFM_OPT_PAIRS, NULL, 0, NULL, "push.grouping", NULL,
	  .alias = "grouping" },
	{ MFM_OPT_ENUM, NULL, 0, NULL, "push.method", NULL,
	  .alias = "push-method" },
	{ MFM_OPT_DURATION, NULL, 0, NULL, "push.timeout", NULL,
	  .alias = "timeout" },
	{ MFM_OPT_COUNT, NULL, 0, NULL, "push.retries", NULL,
	  .alias = "retries" },
	{ MFM_OPT_FILE, NULL, 0, NULL, "push.ca_file", NULL,
	  .alias = "ca-file" },
	{ MFM_OPT_REFUSED, NULL, 0, NULL, "push.url", NULL,
	  .why = "a Pushgateway URL may hold a password: give push_env or "
	  "push_file, not url" },
	{ MFM_OPT_END }
};

static const struct mfm_cli_tool tool = {
	"mfm-export", "export", "[FILE ...]",
	"Write metric records (from mfm-metric) as Prometheus metric families:\n"
	"the latest window of each series, at end of input.\n",
	opts
};

#define MAX_PAIRS MFM_EXPORT_MAX_LABELS

/* Names of --const-label and --grouping: Prometheus label names. */
static void
check_names(const char *opt, const struct mfm_opt_pairs *ps)
{
	size_t i;

	if (ps->n > MAX_PAIRS)
		mfm_cli_opt_die(opt, "more than %d labels", MAX_PAIRS);
	for (i = 0; i < ps->n; i++)
		if (!mfm_prom_label_name_ok(ps->v[i].name,
		    strlen(ps->v[i].name)))
			mfm_cli_opt_die(opt, "invalid label name '%s' "
			    "(letters, digits and '_', not a digit first nor "
			    "\"__\")", ps->v[i].name);
}

static void
read_record(void *ctx, const struct mfm_reader *r, const struct mfm_json *j)
{
	struct mfm_export *x = ctx;
	struct mfm_err err;

	mfm_err_clear(&err);
	if (mfm_export_add(x, j, &err) < 0)
		mfm_cli_record_err(r, &err, "--max-windows");
}

/*
 * The Pushgateway's group as a receiver of lib/deliver.c: its URL read
 * (from the environment or a file) and checked before any input is.
 */
static void
push_setup(struct mfm_deliver *d)
{
	struct mfm_buf path = MFM_BUF_INIT;
	struct mfm_export_label g[MAX_PAIRS];
	struct mfm_deliver_recv *r;
	struct mfm_err err;
	size_t i;

	mfm_deliver_init(d);
	mfm_err_clear(&err);
	d->user_agent = "mfm-export/" MFM_VERSION;
	r = mfm_deliver_add(d, MFM_DELIVER_PUSHGATEWAY,
	    set.push_env != NULL ? set.push_env : set.push_file, &err);
	if (r == NULL)
		mfm_die_err(&err);
	r->timeout = set.timeout;
	r->retries = set.retries;
	if (set.ca_file != NULL)
		r->ca_file = mfm_xstrdup(set.ca_file);
	if ((set.push_env != NULL ? mfm_deliver_url_env(r, set.push_env,
	    &err) : mfm_deliver_url_file(r, set.push_file, &err)) != 0)
		mfm_die("%s: %s", set.push_env != NULL ? "--push-env" :
		    "--push-file", err.msg);
	for (i = 0; i < set.grouping.n; i++) {
		g[i].name = set.grouping.v[i].name;
		g[i].value = set.grouping.v[i].value;
	}
	mfm_export_push_path(&path, set.job, g, set.grouping.n);
	if (mfm_deliver_url_append(r, path.p, &err) != 0 ||
	    mfm_deliver_start(d, &err) != 0)
		mfm_die_err(&err);
	mfm_buf_release(&path);
}

/* PUT (or POST) the exposition to the group. */
static int
push(struct mfm_deliver *d, const struct mfm_buf *body)
{
	struct mfm_err err;

	mfm_err_clear(&err);
	if (mfm_deliver_http(d, &d->recv[0], set.method == 1 ? "POST" : "PUT",
	    MFM_PROM_TEXT_TYPE, body->p != NULL ? body->p : "", body->len,
	    &err) != 0) {
		mfm_fail("%s", err.msg);
		return -1;
	}
	return 0;
}

/* Options that cannot work together, refused before any input is read. */
static void
check_options(struct mfm_export *x)
{
	struct mfm_err err;
	size_t i, n;

	if (set.push_env != NULL && set.push_file != NULL)
		mfm_cli_not_both("push-env", "push-file");
	check_names("grouping", &set.grouping);
	check_names("const-label", &set.labels);
	for (i = 0; i < set.grouping.n; i++)
		if (strcmp(set.grouping.v[i].name, "job") == 0)
			mfm_cli_opt_die("grouping", "the job is --job");
	/* Where the exposition may not hold what the options ask for. */
	if ((set.push_env != NULL || set.push_file != NULL) &&
	    (set.timestamps || set.openmetrics))
		mfm_cli_usage_at(set.timestamps ? "timestamps" : "openmetrics",
		    "a Pushgateway takes the Prometheus text "
		    "format without timestamps: drop --timestamps, --all and "
		    "--openmetrics");
	if (set.textfile != NULL && (set.timestamps || set.openmetrics))
		mfm_cli_usage_at(set.timestamps ? "timestamps" : "openmetrics",
		    "node_exporter's textfile collector takes the "
		    "Prometheus text format without timestamps: drop "
		    "--timestamps, --all and --openmetrics");
	n = set.textfile != NULL ? strlen(set.textfile) : 0;
	if (set.textfile != NULL && (n < 6 ||
	    strcmp(set.textfile + n - 5, ".prom") != 0))
		mfm_cli_opt_die("textfile", "node_exporter reads only files "
		    "named *.prom, not '%s'", set.textfile);
	mfm_err_clear(&err);
	if (set.prefix != NULL && mfm_export_prefix(x, set.prefix, &err) != 0)
		mfm_cli_opt_die("prefix", "%s", err.msg);
	for (i = 0; i < set.labels.n; i++)
		if (mfm_export_label(x, set.labels.v[i].name,
		    set.labels.v[i].value, &err) != 0)
			mfm_cli_opt_die("const-label", "%s", err.msg);
}

int
main(int argc, char **argv)
{
	struct mfm_export x;
	struct mfm_deliver d;
	struct mfm_buf out = MFM_BUF_INIT;
	struct mfm_err err;
	int n, ok = 1, pushing;

	mfm_export_init(&x);
	n = mfm_cli_parse(&tool, argc, argv);
	argc -= n;
	argv += n;
	if (set.all)
		set.timestamps = 1;
	check_options(&x);
	x.format = set.openmetrics ? MFM_PROM_OPENMETRICS : x.format;
	x.timestamps = set.timestamps;
	x.all = set.all;
	x.provisional = set.provisional;
	x.max_windows = set.max_windows;
	pushing = set.push_env != NULL || set.push_file != NULL;
	mfm_cli_start();
	if (pushing)
		push_setup(&d);

	mfm_cli_loop(argc, argv, read_record, &x);
	mfm_export_write(&x, &out);

	if (set.textfile != NULL) {
		/* Readable by node_exporter's user; a new file, renamed. */
		if (mfm_state_replace(set.textfile, out.p != NULL ? out.p : "",
		    out.len, 0644, &err) != 0) {
			mfm_fail("%s", err.msg);
			ok = 0;
		}
	}
	if (pushing) {
		if (push(&d, &out) != 0)
			ok = 0;
		mfm_deliver_release(&d);
	}
	if (set.textfile == NULL && !pushing && out.len > 0) {
		/* The exposition is one piece; its last line end is the
		 * record's. */
		mfm_buf_add(mfm_cli_begin(), out.p, out.len - 1);
		mfm_cli_end();
	}
	if (mfm_cli.verbose)
		fprintf(stderr, "mfm-export: %" PRIu64 " records, %zu windows "
		    "of series, %zu samples in %zu families; %" PRIu64
		    " superseded, %" PRIu64 " of older windows, %" PRIu64
		    " provisional left out, %" PRIu64 " bad\n", mfm_cli.nread,
		    x.written.windows, x.written.samples, x.written.families,
		    x.nsuperseded, x.nolder, x.nprovisional, mfm_cli.nbad);
	mfm_buf_release(&out);
	mfm_export_release(&x);
	return mfm_cli_finish(ok ? 0 : 2);
}
