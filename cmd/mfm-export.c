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
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/deliver.h"
#include "lib/export.h"
#include "lib/state.h"
#include "lib/banned.h"

static const char usage[] =
"usage: mfm-export [-ahuVv] [-c FILE] [--openmetrics] [--timestamps]\n"
"                  [--provisional] [--prefix PREFIX] [--label NAME=VALUE]\n"
"                  [--max-windows N] [--textfile PATH]\n"
"                  [--push-env VAR | --push-file PATH] [--job NAME]\n"
"                  [--grouping NAME=VALUE] [--push-method METHOD]\n"
"                  [--ca-file PATH] [--timeout DURATION] [-o FILE]\n"
"                  [--rejects FILE] [--max-line SIZE] [FILE ...]\n"
"\n"
"Write metric records (from mfm-metric) as Prometheus metric families:\n"
"the latest window of each series, at end of input.\n"
"\n"
"      --openmetrics        OpenMetrics text instead of Prometheus text\n"
"      --timestamps         each sample at its window's end time\n"
"  -a, --all                every window, not the latest (--timestamps)\n"
"      --provisional        windows not yet final too, provisional=\"true\"\n"
"      --prefix PREFIX      metric name prefix (mfm_)\n"
"      --label NAME=VALUE   a label on every sample (repeatable)\n"
"      --max-windows N      windows of series kept at most (100000)\n"
"      --textfile PATH      replace PATH (*.prom) atomically instead\n"
"      --push-env VAR       PUT to the Pushgateway whose URL is in VAR\n"
"      --push-file PATH     ... whose URL is the first line of PATH\n"
"      --job NAME           the Pushgateway job (mfm)\n"
"      --grouping NAME=VALUE  a label of the Pushgateway group (repeatable)\n"
"      --push-method M      put (replace the group, default) or post\n"
"      --ca-file PATH       verify TLS with the CAs in PATH\n"
"      --timeout DURATION   time allowed for one attempt (10s)\n"
MFM_CLI_HELP;

enum {
	OPT_OPENMETRICS = MFM_OPT_TOOL,
	OPT_TIMESTAMPS,
	OPT_PROVISIONAL,
	OPT_PREFIX,
	OPT_LABEL,
	OPT_MAX_WINDOWS,
	OPT_TEXTFILE,
	OPT_PUSH_ENV,
	OPT_PUSH_FILE,
	OPT_JOB,
	OPT_GROUPING,
	OPT_PUSH_METHOD,
	OPT_CA_FILE,
	OPT_TIMEOUT
};

static const struct option longopts[] = {
	{ "openmetrics", no_argument, NULL, OPT_OPENMETRICS },
	{ "timestamps", no_argument, NULL, OPT_TIMESTAMPS },
	{ "all", no_argument, NULL, 'a' },
	{ "provisional", no_argument, NULL, OPT_PROVISIONAL },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "max-windows", required_argument, NULL, OPT_MAX_WINDOWS },
	{ "textfile", required_argument, NULL, OPT_TEXTFILE },
	{ "push-env", required_argument, NULL, OPT_PUSH_ENV },
	{ "push-file", required_argument, NULL, OPT_PUSH_FILE },
	{ "job", required_argument, NULL, OPT_JOB },
	{ "grouping", required_argument, NULL, OPT_GROUPING },
	{ "push-method", required_argument, NULL, OPT_PUSH_METHOD },
	{ "ca-file", required_argument, NULL, OPT_CA_FILE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	MFM_CLI_LONG,
	{ NULL, 0, NULL, 0 }
};

static const char *const config_keys[] = {
	"prefix", "labels", "provisional", "max_windows", "textfile", "push",
	NULL
};
static const char *const push_keys[] = {
	"url_env", "url_file", "job", "grouping", "method", "timeout",
	"retries", "ca_file", NULL
};

#define MAX_PAIRS MFM_EXPORT_MAX_LABELS

struct pairs {
	struct mfm_export_label p[MAX_PAIRS];
	size_t n;
};

struct opts {
	const char *textfile;
	const char *push_env, *push_file, *job, *method, *ca_file;
	int64_t timeout;
	long long retries;
	struct pairs labels, grouping;
};

/* NAME=VALUE into pairs; the name checked as a label name. */
static void
pair_arg(const char *opt, const char *arg, struct pairs *ps)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg)
		mfm_usage_error("%s: expected NAME=VALUE, not '%s'", opt, arg);
	if (!mfm_prom_label_name_ok(arg, (size_t)(eq - arg)))
		mfm_usage_error("%s: invalid label name '%.*s' (letters, "
		    "digits and '_', not a digit first nor \"__\")", opt,
		    (int)(eq - arg), arg);
	if (ps->n >= MAX_PAIRS)
		mfm_usage_error("%s: more than %d labels", opt, MAX_PAIRS);
	ps->p[ps->n].name = mfm_xmemdup(arg, (size_t)(eq - arg));
	ps->p[ps->n].value = mfm_xstrdup(eq + 1);
	ps->n++;
}

/* A mapping of names to values from the configuration, unless given. */
static void
cfg_pairs(const struct mfm_cfg_node *m, const char *key, struct pairs *ps)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_err err;
	size_t i;

	if (m == NULL || ps->n > 0)
		return;
	mfm_err_clear(&err);
	if (m->type != MFM_CFG_MAP) {
		mfm_cfg_err(m, &err, "%s: expected a mapping of name: value",
		    key);
		mfm_cli_config_die(&err);
	}
	for (i = 0; i < m->n; i++) {
		mfm_buf_clear(&b);
		mfm_buf_addf(&b, "%s=%s", m->keys[i],
		    mfm_cli_cfg_str(m->items[i], ""));
		pair_arg(key, b.p, ps);
	}
	mfm_buf_release(&b);
}

static void
pairs_free(struct pairs *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		free(ps->p[i].name);
		free(ps->p[i].value);
	}
}

static void
read_record(void *ctx, const struct mfm_reader *r, const struct mfm_json *j)
{
	struct mfm_export *x = ctx;
	struct mfm_err err;

	mfm_err_clear(&err);
	if (mfm_export_add(x, j, &err) >= 0)
		return;
	if (err.kind == MFM_ERR_LIMIT)
		mfm_die("%s:%zu: %s (--max-windows)", r->name, r->lineno,
		    err.msg);
	mfm_cli_bad(r, "%s", err.msg);
}

/*
 * The Pushgateway's group as a receiver of lib/deliver.c: its URL read
 * (from the environment or a file) and checked before any input is.
 */
static void
push_setup(const struct opts *o, struct mfm_deliver *d)
{
	struct mfm_buf path = MFM_BUF_INIT;
	struct mfm_deliver_recv *r;
	struct mfm_err err;

	mfm_deliver_init(d);
	mfm_err_clear(&err);
	d->user_agent = "mfm-export/" MFM_VERSION;
	r = mfm_deliver_add(d, MFM_DELIVER_PUSHGATEWAY,
	    o->push_env != NULL ? o->push_env : o->push_file, &err);
	if (r == NULL)
		mfm_die_err(&err);
	if (o->timeout > 0)
		r->timeout = o->timeout;
	if (o->retries >= 0)
		r->retries = (unsigned)o->retries;
	if (o->ca_file != NULL)
		r->ca_file = mfm_xstrdup(o->ca_file);
	if ((o->push_env != NULL ? mfm_deliver_url_env(r, o->push_env, &err) :
	    mfm_deliver_url_file(r, o->push_file, &err)) != 0)
		mfm_die("%s: %s", o->push_env != NULL ? "--push-env" :
		    "--push-file", err.msg);
	mfm_export_push_path(&path, o->job, o->grouping.p, o->grouping.n);
	if (mfm_deliver_url_append(r, path.p, &err) != 0 ||
	    mfm_deliver_start(d, &err) != 0)
		mfm_die_err(&err);
	mfm_buf_release(&path);
}

/* PUT (or POST) the exposition to the group. */
static int
push(const struct opts *o, struct mfm_deliver *d, const struct mfm_buf *body)
{
	struct mfm_err err;

	mfm_err_clear(&err);
	if (mfm_deliver_http(d, &d->recv[0], strcmp(o->method, "post") == 0 ?
	    "POST" : "PUT", MFM_PROM_TEXT_TYPE, body->p != NULL ? body->p : "",
	    body->len, &err) != 0) {
		mfm_warn("%s", err.msg);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const struct mfm_cfg_node *sec, *pc = NULL;
	struct mfm_export x;
	struct mfm_deliver d;
	struct mfm_buf out = MFM_BUF_INIT;
	struct mfm_err err;
	struct opts o;
	const char *prefix = NULL;
	size_t max_windows = 0, i;
	int ch, provisional = 0, ok = 1;

	memset(&o, 0, sizeof(o));
	o.retries = -1;
	mfm_export_init(&x);
	mfm_cli_init("mfm-export", usage);
	while ((ch = getopt_long(argc, argv, MFM_CLI_SHORT "a", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case OPT_OPENMETRICS:
			x.format = MFM_PROM_OPENMETRICS;
			break;
		case OPT_TIMESTAMPS:
			x.timestamps = 1;
			break;
		case 'a':
			x.all = x.timestamps = 1;
			break;
		case OPT_PROVISIONAL:
			provisional = 1;
			break;
		case OPT_PREFIX:
			prefix = optarg;
			break;
		case OPT_LABEL:
			pair_arg("--label", optarg, &o.labels);
			break;
		case OPT_MAX_WINDOWS:
			max_windows = mfm_cli_count("--max-windows", optarg, 1,
			    MFM_CLI_COUNT_MAX);
			break;
		case OPT_TEXTFILE:
			o.textfile = optarg;
			break;
		case OPT_PUSH_ENV:
			o.push_env = optarg;
			break;
		case OPT_PUSH_FILE:
			o.push_file = optarg;
			break;
		case OPT_JOB:
			o.job = optarg;
			break;
		case OPT_GROUPING:
			pair_arg("--grouping", optarg, &o.grouping);
			break;
		case OPT_PUSH_METHOD:
			o.method = optarg;
			break;
		case OPT_CA_FILE:
			o.ca_file = optarg;
			break;
		case OPT_TIMEOUT:
			o.timeout = mfm_cli_duration("--timeout", optarg);
			break;
		default:
			mfm_cli_option(ch, optarg);
		}
	}
	argc -= optind;
	argv += optind;

	/* Command-line options win over the configuration file. */
	sec = mfm_cli_config("export", config_keys);
	mfm_err_clear(&err);
	if (prefix == NULL)
		prefix = mfm_cli_cfg_str(mfm_cfg_get(sec, "prefix"), NULL);
	if (!provisional && mfm_cfg_get(sec, "provisional") != NULL &&
	    mfm_cfg_bool(mfm_cfg_get(sec, "provisional"), &provisional,
	    &err) != 0)
		mfm_cli_config_die(&err);
	if (max_windows == 0)
		max_windows = mfm_cli_cfg_count(mfm_cfg_get(sec,
		    "max_windows"), "max_windows", MFM_EXPORT_MAX_WINDOWS, 1,
		    1e12);
	if (o.textfile == NULL)
		o.textfile = mfm_cli_cfg_str(mfm_cfg_get(sec, "textfile"),
		    NULL);
	cfg_pairs(mfm_cfg_get(sec, "labels"), "labels", &o.labels);
	if ((pc = mfm_cfg_get(sec, "push")) != NULL) {
		if (pc->type != MFM_CFG_MAP) {
			mfm_cfg_err(pc, &err, "push: expected a mapping");
			mfm_cli_config_die(&err);
		}
		if (mfm_cfg_check_keys(pc, push_keys, &err) != 0)
			mfm_cli_config_die(&err);
		if (mfm_cfg_get(pc, "url") != NULL) {
			mfm_cfg_err(mfm_cfg_get(pc, "url"), &err, "a "
			    "Pushgateway URL may hold a password: give url_env "
			    "or url_file, not url");
			mfm_cli_config_die(&err);
		}
		if (o.push_env == NULL && o.push_file == NULL) {
			o.push_env = mfm_cli_cfg_str(mfm_cfg_get(pc,
			    "url_env"), NULL);
			o.push_file = mfm_cli_cfg_str(mfm_cfg_get(pc,
			    "url_file"), NULL);
		}
		if (o.job == NULL)
			o.job = mfm_cli_cfg_str(mfm_cfg_get(pc, "job"), NULL);
		if (o.method == NULL)
			o.method = mfm_cli_cfg_str(mfm_cfg_get(pc, "method"),
			    NULL);
		if (o.ca_file == NULL)
			o.ca_file = mfm_cli_cfg_str(mfm_cfg_get(pc,
			    "ca_file"), NULL);
		if (o.timeout == 0)
			o.timeout = mfm_cli_cfg_duration(mfm_cfg_get(pc,
			    "timeout"), 0, 0);
		if (mfm_cfg_get(pc, "retries") != NULL &&
		    mfm_cfg_int(mfm_cfg_get(pc, "retries"), 0,
		    MFM_DELIVER_RETRIES_MAX, &o.retries, &err) != 0)
			mfm_cli_config_die(&err);
		cfg_pairs(mfm_cfg_get(pc, "grouping"), "grouping",
		    &o.grouping);
	}
	if (o.job == NULL)
		o.job = "mfm";
	if (o.method == NULL)
		o.method = "put";
	if (strcmp(o.method, "put") != 0 && strcmp(o.method, "post") != 0)
		mfm_usage_error("--push-method: expected put or post, not "
		    "'%s'", o.method);
	if (o.push_env != NULL && o.push_file != NULL)
		mfm_usage_error("give --push-env or --push-file, not both");
	for (i = 0; i < o.grouping.n; i++)
		if (strcmp(o.grouping.p[i].name, "job") == 0)
			mfm_usage_error("--grouping: the job is --job");
	/* Where the exposition may not hold what the options ask for. */
	if ((o.push_env != NULL || o.push_file != NULL) &&
	    (x.timestamps || x.format == MFM_PROM_OPENMETRICS))
		mfm_usage_error("a Pushgateway takes the Prometheus text "
		    "format without timestamps: drop --timestamps, --all and "
		    "--openmetrics");
	if (o.textfile != NULL && (x.timestamps ||
	    x.format == MFM_PROM_OPENMETRICS))
		mfm_usage_error("node_exporter's textfile collector takes the "
		    "Prometheus text format without timestamps: drop "
		    "--timestamps, --all and --openmetrics");
	if (o.textfile != NULL && (strlen(o.textfile) < 6 ||
	    strcmp(o.textfile + strlen(o.textfile) - 5, ".prom") != 0))
		mfm_usage_error("--textfile: node_exporter reads only files "
		    "named *.prom, not '%s'", o.textfile);
	if (prefix != NULL && mfm_export_prefix(&x, prefix, &err) != 0)
		mfm_usage_error("--prefix: %s", err.msg);
	for (i = 0; i < o.labels.n; i++)
		if (mfm_export_label(&x, o.labels.p[i].name,
		    o.labels.p[i].value, &err) != 0)
			mfm_usage_error("--label: %s", err.msg);
	x.provisional = provisional;
	x.max_windows = max_windows;
	if (o.push_env != NULL || o.push_file != NULL)
		push_setup(&o, &d);

	if (argc == 0)
		mfm_cli_read("-", read_record, &x);
	for (i = 0; i < (size_t)argc; i++)
		mfm_cli_read(argv[i], read_record, &x);
	mfm_export_write(&x, &out);

	if (o.textfile != NULL) {
		/* Readable by node_exporter's user; a new file, renamed. */
		if (mfm_state_replace(o.textfile, out.p != NULL ? out.p : "",
		    out.len, 0644, &err) != 0) {
			mfm_warn("%s", err.msg);
			ok = 0;
		}
	}
	if (o.push_env != NULL || o.push_file != NULL) {
		if (push(&o, &d, &out) != 0)
			ok = 0;
		mfm_deliver_release(&d);
	}
	if (o.textfile == NULL && o.push_env == NULL && o.push_file == NULL &&
	    out.len > 0) {
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
	pairs_free(&o.labels);
	pairs_free(&o.grouping);
	return mfm_cli_finish(ok ? 0 : 2);
}
