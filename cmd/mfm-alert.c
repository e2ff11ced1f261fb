/*
 * mfm-alert: deliver the alert events mfm-threshold writes to the
 * receivers the user configured: a readable line on stdout, webhooks
 * (Alertmanager's format or the event as it is), Slack, PagerDuty,
 * e-mail and local commands.
 *
 * Each event goes to every receiver whose matchers it meets, unless a
 * silence or a firing critical alert of its group mutes it.  With
 * --state DIR every event of the input is first written to the durable
 * outbox (lib/outbox.c), for all its receivers in one synced line, before
 * the input is consumed past it (a held reader, lib/io.c); then the
 * outbox is sent, oldest first, and each entry settled only when
 * delivered or dead: a crash loses nothing that was taken from the
 * input, and the next run resends what is pending.  With --resume the
 * input files are read from the place the journal keeps, moved past
 * each event by the line that queues it.
 * Without --state each event is sent as it is read, for streams.  A
 * receiver that fails (after its retries) is reported and the run goes
 * on, so one dead endpoint does not hold the others' alerts back; the
 * exit status then says that something was not delivered.  The
 * receivers live in lib/deliver.h, what waits and what goes together in
 * lib/hold.h; this file reads the options and runs the loop.
 */
#include <sys/stat.h>

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/deliver.h"
#include "lib/alertrun.h"
#include "lib/outbox.h"
#include "lib/tm.h"
#include "lib/banned.h"

static const char usage[] =
"usage: mfm-alert [-hnuVv] [-c FILE] [--state DIR [--resume]] [--receipts]\n"
"                 [--webhook-env VAR] [--webhook-file PATH]\n"
"                 [--webhook-format FORMAT] [--ca-file PATH]\n"
"                 [--timeout DURATION] [--now TIME] [--rejects FILE]\n"
"                 [--max-line SIZE] [FILE ...]\n"
"\n"
"Deliver alert events (from mfm-threshold) to receivers: a summary line\n"
"on stdout by default, or those of the configuration.  FILE '-' or none\n"
"reads stdin.\n"
"\n"
"      --state DIR          durable outbox: queue, resume, dead letters\n"
"      --resume             read each FILE from where the last run stopped\n"
"      --receipts           one NDJSON receipt per notification on stdout\n"
"      --webhook-env VAR    POST each event to the URL in variable VAR\n"
"      --webhook-file PATH  POST each event to the URL in file PATH\n"
"      --webhook-format F   alertmanager (default) or mfm (the event)\n"
"      --ca-file PATH       verify TLS with the CAs in PATH\n"
"      --timeout DURATION   time allowed for one attempt (10s)\n"
"      --now TIME           the time for silences (RFC 3339)\n"
"  -n, --dry-run            print the requests instead of sending them\n"
MFM_CLI_HELP;

enum {
	OPT_WEBHOOK_ENV = MFM_OPT_TOOL,
	OPT_WEBHOOK_FILE,
	OPT_WEBHOOK_FORMAT,
	OPT_CA_FILE,
	OPT_TIMEOUT,
	OPT_STATE,
	OPT_RECEIPTS,
	OPT_NOW
};

static const struct option longopts[] = {
	{ "webhook-env", required_argument, NULL, OPT_WEBHOOK_ENV },
	{ "webhook-file", required_argument, NULL, OPT_WEBHOOK_FILE },
	{ "webhook-format", required_argument, NULL, OPT_WEBHOOK_FORMAT },
	{ "ca-file", required_argument, NULL, OPT_CA_FILE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "receipts", no_argument, NULL, OPT_RECEIPTS },
	{ "resume", no_argument, NULL, MFM_OPT_RESUME },
	{ "now", required_argument, NULL, OPT_NOW },
	{ "dry-run", no_argument, NULL, 'n' },
	MFM_CLI_LONG,
	{ NULL, 0, NULL, 0 }
};

static const char *const config_keys[] = { "receivers", "silences",
    "inhibit", NULL };

struct opts {
	const char *webhook_env, *webhook_file, *ca_file, *state;
	int format;
	int64_t timeout;
	int64_t now;
	int dry_run, receipts;
};

/* The run's output and messages, as lib/alertrun.h hands them out. */
static void
out_line(void *ctx, int sync)
{
	(void)ctx;
	mfm_cli_emit();
	if (sync)
		mfm_cli_flush();
}

static void
out_fail(void *ctx, const char *msg)
{
	(void)ctx;
	mfm_fail("%s", msg);
}

static void
out_note(void *ctx, const char *msg)
{
	(void)ctx;
	mfm_note("%s", msg);
}

/* Receivers from -c, then the command line's webhook; stdout if none. */
static void
configure(struct mfm_deliver *d, const struct opts *o)
{
	const struct mfm_cfg_node *sec = mfm_cli_config("alert", config_keys);
	struct mfm_deliver_recv *r;
	struct mfm_err err;
	size_t i;

	mfm_err_clear(&err);
	if (sec != NULL && (mfm_cfg_bool(mfm_cfg_get(sec, "inhibit"),
	    &d->inhibit, &err) != 0 ||
	    (mfm_cfg_get(sec, "silences") != NULL &&
	    mfm_deliver_config_silences(d, mfm_cfg_get(sec, "silences"),
	    &err) != 0) ||
	    (mfm_cfg_get(sec, "receivers") != NULL &&
	    mfm_deliver_config_receivers(d, mfm_cfg_get(sec, "receivers"),
	    &err) != 0)))
		mfm_cli_config_die(&err);
	if (o->webhook_env != NULL || o->webhook_file != NULL) {
		const char *src = o->webhook_env ? o->webhook_env :
		    o->webhook_file;

		if ((r = mfm_deliver_add(d, MFM_DELIVER_WEBHOOK, src,
		    &err)) == NULL ||
		    mfm_deliver_source_add(r, MFM_DELIVER_SECRET_URL,
		    o->webhook_env == NULL, src, 0, 0, o->webhook_env ?
		    "--webhook-env" : "--webhook-file", &err) != 0)
			mfm_die_err(&err);
		r->format = (enum mfm_deliver_format)o->format;
	}
	if (d->n == 0 && !o->receipts &&
	    mfm_deliver_add(d, MFM_DELIVER_STDOUT, "stdout", &err) == NULL)
		mfm_die_err(&err);
	/* The command line overrides the configuration, for every receiver. */
	for (i = 0; i < d->n; i++) {
		r = &d->recv[i];
		if (r->type == MFM_DELIVER_STDOUT) {
			if (o->receipts)
				mfm_usage_error("--receipts: stdout carries "
				    "the receipts; remove the stdout receiver "
				    "%s", r->name);
			continue;
		}
		if (o->timeout > 0)
			r->timeout = o->timeout;
		if (o->ca_file != NULL && r->type != MFM_DELIVER_COMMAND) {
			free(r->ca_file);
			r->ca_file = mfm_xstrdup(o->ca_file);
		}
	}
	d->dry_run = o->dry_run;
	d->now = o->now;
	if (mfm_deliver_start(d, &err) != 0) {
		if (err.line > 0)
			mfm_cli_config_die(&err);
		mfm_die_err(&err);
	}
}

/*
 * Read one input and hand its records to the run.  With a state
 * directory the input is held: consumed only up to the event last
 * queued (what was taken from a pipe is in the outbox), and with
 * --resume read from the place the journal keeps for it, which each
 * event's put moves past it.
 */
static void
deliver(struct mfm_alert_run *run, const char *path, int resume)
{
	struct mfm_reader r;
	struct mfm_json j;
	struct mfm_err err;
	struct mfm_chain_file *in = NULL;
	uint64_t off;

	mfm_json_init(&j);
	mfm_cli_open(&r, path);
	mfm_err_clear(&err);
	if (resume) {
		if (mfm_chain_start(&run->o->chain, path, r.fd, &off,
		    &err) != 0 || mfm_reader_seek(&r, off, &err) != 0) {
			/* A file that shrank: the others go on. */
			if (err.kind != MFM_ERR_DATA)
				mfm_die_err(&err);
			mfm_fail("%s", err.msg);
			goto out;
		}
		in = mfm_outbox_place(run->o, path);
		/* Its writer may be writing the last line still. */
		r.hold_partial = 1;
	} else if (run->state && mfm_reader_hold(&r, &err) != 0)
		mfm_die_err(&err);
	while (mfm_cli_next(&r, &j)) {
		if (in != NULL)
			in->offset = mfm_reader_offset(&r);
		switch (mfm_alert_record(run, &j, in, &err)) {
		case -1:
			mfm_die_err(&err);
		case MFM_ALERT_BAD:
			mfm_cli_bad(&r, "%s", err.msg);
			break;
		case MFM_ALERT_UNROUTED:
			mfm_fail("%s:%zu: firing event reaches no receiver: no "
			    "receiver's match takes it", r.name, r.lineno);
			break;
		}
		/* Queued, synced: the input may move past it. */
		if (mfm_reader_commit(&r, &err) != 0)
			mfm_die_err(&err);
	}
	if (in != NULL) {
		in->offset = mfm_reader_offset(&r);
		if (r.held > 0 && mfm_cli.verbose)
			mfm_note("%s: a last line of %zu bytes without a "
			    "newline is left for the next run", r.name, r.held);
	}
	if (mfm_reader_commit(&r, &err) != 0)
		mfm_die_err(&err);
out:
	if (mfm_reader_close(&r, &err) != 0)
		mfm_die_err(&err);
	mfm_json_release(&j);
}

/* -v: what the run came to. */
static void
verbose(const struct mfm_alert_run *run)
{
	const struct mfm_alert_counts *c = &run->c;

	fprintf(stderr, "mfm-alert: events %" PRIu64 "; deliveries %" PRIu64
	    ", failed %" PRIu64 " (queued %" PRIu64 ", dead %" PRIu64
	    "), muted %" PRIu64, c->events, run->d->nsent, run->d->nfailed,
	    c->queued, c->dead, c->muted);
	if (c->resent > 0)
		fprintf(stderr, "; sent to Alertmanager again %" PRIu64,
		    c->resent);
	fprintf(stderr, "; control records %" PRIu64 "; bad %" PRIu64 "\n",
	    c->control, mfm_cli.nbad);
}

int
main(int argc, char **argv)
{
	struct mfm_alert_ops ops = { out_line, out_fail, NULL, NULL };
	static struct mfm_deliver d;
	static struct mfm_outbox o;
	static struct mfm_alert_run run;
	struct opts opt = { 0 };
	struct mfm_err err;
	struct stat st;
	int ch, i;

	mfm_cli_init("mfm-alert", usage);
	while ((ch = getopt_long(argc, argv, MFM_CLI_SHORT "n", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case OPT_WEBHOOK_ENV:
			opt.webhook_env = optarg;
			break;
		case OPT_WEBHOOK_FILE:
			opt.webhook_file = optarg;
			break;
		case OPT_WEBHOOK_FORMAT:
			if (strcmp(optarg, "alertmanager") == 0)
				opt.format = MFM_DELIVER_FMT_ALERTMANAGER;
			else if (strcmp(optarg, "mfm") == 0)
				opt.format = MFM_DELIVER_FMT_MFM;
			else
				mfm_usage_error("--webhook-format: expected "
				    "alertmanager or mfm");
			break;
		case OPT_CA_FILE:
			opt.ca_file = optarg;
			break;
		case OPT_TIMEOUT:
			opt.timeout = mfm_cli_duration("--timeout", optarg);
			break;
		case OPT_STATE:
			opt.state = optarg;
			break;
		case OPT_RECEIPTS:
			opt.receipts = 1;
			break;
		case OPT_NOW:
			mfm_err_clear(&err);
			if (mfm_tm_parse_rfc3339(optarg, strlen(optarg),
			    &opt.now, &err) != 0)
				mfm_usage_error("--now: %s", err.msg);
			break;
		case 'n':
			opt.dry_run = 1;
			break;
		default:
			mfm_cli_option(ch, optarg);
		}
	}
	argc -= optind;
	argv += optind;
	if (opt.webhook_env != NULL && opt.webhook_file != NULL)
		mfm_usage_error("give --webhook-env or --webhook-file, "
		    "not both");
	if (opt.dry_run && opt.receipts)
		mfm_usage_error("give -n or --receipts, not both");
	if (opt.dry_run && opt.state != NULL)
		mfm_usage_error("a dry run does not use --state");
	mfm_cli_need_state(opt.state);
	/* Checked before anything is read or sent (a named pipe's open
	 * would wait for a writer). */
	if (mfm_cli.resume && argc == 0)
		mfm_usage_error("--resume: standard input cannot be resumed; "
		    "name the files");
	for (i = 0; mfm_cli.resume && i < argc; i++) {
		if (strcmp(argv[i], "-") == 0)
			mfm_usage_error("--resume: standard input cannot be "
			    "resumed; name the files");
		if (stat(argv[i], &st) == 0 && !S_ISREG(st.st_mode))
			mfm_usage_error("%s: --resume needs regular files, not "
			    "a pipe or a terminal", argv[i]);
	}

	mfm_deliver_init(&d);
	mfm_outbox_init(&o);
	configure(&d, &opt);
	mfm_err_clear(&err);
	if (opt.state != NULL && mfm_outbox_open(&o, opt.state, &err) != 0)
		mfm_die_err(&err);
	if (mfm_cli.verbose)
		ops.note = out_note;
	mfm_alert_run_init(&run, &d, &o, opt.state != NULL, opt.receipts,
	    &mfm_cli.out, &ops);
	if (argc == 0)
		deliver(&run, "-", 0);
	for (i = 0; i < argc; i++)
		deliver(&run, argv[i], mfm_cli.resume);
	if (mfm_alert_flush(&run, &err) != 0 ||
	    (run.state && mfm_alert_resend(&run, &err) != 0))
		mfm_die_err(&err);
	mfm_alert_end(&run);
	if (mfm_outbox_close(&o, &err) != 0)
		mfm_die_err(&err);
	if (mfm_cli.verbose)
		verbose(&run);
	mfm_alert_run_release(&run);
	mfm_deliver_release(&d);
	return mfm_cli_finish(0);
}
