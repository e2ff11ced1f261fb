/*
 * mfm-alert: deliver the alert events mfm-threshold writes to the
 * receivers the user configured: a readable line on stdout, webhooks
 * (Alertmanager's format or the event as it is), Slack, PagerDuty,
 * e-mail, local commands and Alertmanager.
 *
 * Each event goes to every receiver whose matchers it meets, unless a
 * silence or a firing critical alert of its group mutes it.  With
 * --state-dir DIR every event of the input is first written to the
 * durable outbox (lib/outbox.h), for all its receivers in one synced
 * line, before the input is consumed past it (a held reader, lib/io.h);
 * then the outbox is sent, oldest first, and each entry settled only
 * when delivered or dead: a crash loses nothing that was taken from the
 * input, and the next run resends what is pending.  With --resume the
 * input files are read from the place the journal keeps, moved past
 * each event by the line that queues it.  Without a state directory
 * each event is sent as it is read, for streams.  A receiver that fails
 * (after its retries) is reported and the run goes on, so one dead
 * endpoint does not hold the others' alerts back; the exit status then
 * says that something was not delivered.
 *
 * The receivers live in lib/deliver.h, what waits and what goes
 * together in lib/hold.h, the run (routing, sending, settling,
 * receipts) in lib/alertrun.h; this file reads the options, runs the
 * input loop and writes what the run hands it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/alertrun.h"
#include "lib/cli.h"
#include "lib/deliver.h"
#include "lib/outbox.h"
#include "lib/tm.h"
#include "lib/banned.h"

/* --now: an RFC 3339 time, in us since the epoch. */
static int
parse_now(const char *arg, void *dst, struct mfm_err *err)
{
	return mfm_tm_parse_rfc3339(arg, strlen(arg), dst, err);
}

/* The receivers and the silences of the section (mfm-alert(1)). */
static int
cfg_receivers(const struct mfm_cfg_node *n, void *dst, struct mfm_err *err)
{
	return mfm_deliver_config_receivers(dst, n, err);
}

static int
cfg_silences(const struct mfm_cfg_node *n, void *dst, struct mfm_err *err)
{
	return mfm_deliver_config_silences(dst, n, err);
}

static void
deliver_release(void *dst)
{
	mfm_deliver_release(dst);
}

/* The settings, where the option table puts them. */
static struct {
	struct mfm_deliver d;		/* receivers, silences, inhibit */
	int dry_run;
	const char *state_dir;
	int receipts;
	const char *webhook_env, *webhook_file;
	int webhook_format;
	const char *ca_file;
	int64_t timeout;		/* 0: each receiver's own */
	int64_t now;			/* 0: the clock */
} set;

static const struct mfm_opt_name formats[] = {
	{ "alertmanager", MFM_DELIVER_FMT_ALERTMANAGER },
	{ "mfm", MFM_DELIVER_FMT_MFM },
	{ NULL, 0 }
};

static const struct mfm_opt opts[] = {
	{ MFM_OPT_FLAG, "dry-run", 'n', NULL, "dry_run",
	  "print the requests instead of sending them",
	  MFM_OPT_AT(set.dry_run) },
	{ MFM_OPT_DIR, "state-dir", 0, "DIR", "state_dir",
	  "durable outbox in DIR: queue, resume, dead letters",
	  MFM_OPT_AT(set.state_dir) },
	{ MFM_OPT_FLAG, "resume", 0, NULL, "resume",
	  "with --state-dir: read each FILE from where the last run stopped",
	  MFM_OPT_AT(mfm_cli.resume) },
	{ MFM_OPT_DIR, "state", 0, NULL, "state", NULL,
	  .alias = "state-dir" },
	{ MFM_OPT_FLAG, "receipts", 0, NULL, "receipts",
	  "one NDJSON receipt per notification on stdout",
	  MFM_OPT_AT(set.receipts) },
	{ MFM_OPT_STRING, "webhook-env", 0, "VAR", "webhook_env",
	  "POST each event to the URL in variable VAR",
	  MFM_OPT_AT(set.webhook_env), .group = 1 },
	{ MFM_OPT_FILE, "webhook-file", 0, "PATH", "webhook_file",
	  "... to the URL on the first line of PATH",
	  MFM_OPT_AT(set.webhook_file), .group = 1 },
	{ MFM_OPT_ENUM, "webhook-format", 0, "FORMAT", "webhook_format",
	  "that webhook's body: alertmanager or mfm (the event)",
	  MFM_OPT_AT(set.webhook_format), .dflt = "alertmanager",
	  .what = "format", .names = formats },
	{ MFM_OPT_FILE, "ca-file", 0, "PATH", "ca_file",
	  "verify TLS with the CAs in PATH, for every receiver",
	  MFM_OPT_AT(set.ca_file) },
	{ MFM_OPT_DURATION, "timeout", 0, "DURATION", "timeout",
	  "time allowed for one attempt, for every receiver",
	  MFM_OPT_AT(set.timeout), .show = "each receiver's, 10s by default" },
	{ MFM_OPT_CUSTOM, "now", 0, "TIME", NULL,
	  "the time of the run (RFC 3339), for replays",
	  MFM_OPT_AT(set.now), .what = "time", .parse = parse_now,
	  .why = "it stands for one run's time: a file that kept it would "
	  "stop the clock of every run" },
	{ MFM_OPT_FLAG, "inhibit", 0, NULL, "inhibit",
	  "a firing critical alert mutes the others of its group",
	  MFM_OPT_AT(set.d.inhibit), .show = "on",
	  .what = "never mute by inhibition",
	  .flags = MFM_OPT_NEG | MFM_OPT_NOSYN },
	{ MFM_OPT_NODE, NULL, 0, NULL, "receivers", NULL,
	  MFM_OPT_AT(set.d), .parse_node = cfg_receivers,
	  .release = deliver_release,
	  .why = "a list of receivers, each a mapping (CONFIGURATION); "
	  "--webhook-env or --webhook-file adds one" },
	/* Released with the receivers: one struct mfm_deliver. */
	{ MFM_OPT_NODE, NULL, 0, NULL, "silences", NULL,
	  MFM_OPT_AT(set.d), .parse_node = cfg_silences,
	  .why = "a list of silences, each a mapping with match, start and "
	  "end" },
	{ MFM_OPT_END }
};

static const struct mfm_cli_tool tool = {
	"mfm-alert", "alert", "[FILE ...]",
	"Deliver alert events (from mfm-threshold) to receivers: a summary line\n"
	"on stdout by default, or those of the configuration.\n",
	opts
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

/*
 * The receivers: the configuration's, the webhook of the command line,
 * the stdout receiver when there is none; their secrets read (or, with
 * --check-config, only looked for).
 */
static void
configure(struct mfm_deliver *d)
{
	const char *opt = set.webhook_env ? "webhook-env" : "webhook-file";
	const char *name = set.webhook_env ? set.webhook_env :
	    set.webhook_file;
	const struct mfm_cfg_node *n = mfm_cli_opt_node(opt);
	struct mfm_deliver_recv *r;
	struct mfm_err err;

	mfm_err_clear(&err);
	if (name != NULL) {
		if ((r = mfm_deliver_add(d, MFM_DELIVER_WEBHOOK, name,
		    &err)) == NULL ||
		    mfm_deliver_source_add(r, MFM_DELIVER_SECRET_URL,
		    set.webhook_file != NULL, name, n ? n->line : 0,
		    n ? n->col : 0, set.webhook_env ? "--webhook-env" :
		    "--webhook-file", &err) != 0)
			mfm_die_err(&err);
		r->format = (enum mfm_deliver_format)set.webhook_format;
	}
	/* Every receiver's: reported at its key, if the file gave it. */
	if (set.ca_file != NULL && access(set.ca_file, R_OK) != 0) {
		if (mfm_cli_opt_node("ca-file") != NULL)
			mfm_cli_opt_die("ca-file", "%s: %s", set.ca_file,
			    strerror(errno));
		mfm_die("--ca-file: %s: %s", set.ca_file, strerror(errno));
	}
	if (mfm_alert_receivers(d, set.receipts, set.timeout, set.ca_file,
	    &err) != 0)
		mfm_cli_opt_die("receipts", "%s", err.msg);
	d->dry_run = set.dry_run;
	d->now = set.now;
	d->check = mfm_cli.check_config;
	if (mfm_deliver_start(d, &err) != 0) {
		if (err.line > 0)
			mfm_cli_config_die(&err);
		mfm_die_err(&err);
	}
}

/*
 * The input loop: one operand, its records handed to the run.  With a
 * state directory the input is held: consumed only up to the event last
 * queued (what was taken from a pipe is in the outbox), and with
 * --resume read from the place the journal keeps for it, which each
 * event's put moves past it.
 */
static void
deliver(void *ctx, const char *path)
{
	struct mfm_alert_run *run = ctx;
	struct mfm_reader r;
	struct mfm_json j;
	struct mfm_err err;
	struct mfm_chain_file *in = NULL;
	uint64_t off;

	mfm_json_init(&j);
	mfm_cli_open(&r, path);
	mfm_err_clear(&err);
	if (mfm_cli.resume) {
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
	static struct mfm_outbox o;
	static struct mfm_alert_run run;
	struct mfm_err err;
	int n;

	mfm_deliver_init(&set.d);
	mfm_outbox_init(&o);
	n = mfm_cli_parse(&tool, argc, argv);
	argc -= n;
	argv += n;
	mfm_cli_not_both("webhook-env", "webhook-file");
	mfm_cli_not_both("dry-run", "receipts");
	/* Reported at the one the file set, if any. */
	if (set.dry_run && set.state_dir != NULL)
		mfm_cli_opt_die(mfm_cli_opt_node("state-dir") ? "state-dir" :
		    "dry-run", "a dry run does not use --state-dir");
	if (mfm_cli.resume && set.state_dir == NULL)
		mfm_cli_opt_die("resume", "needs --state-dir, where the "
		    "places in the input files are kept");
	/* The operands are the command line's, not the file's to check. */
	if (!mfm_cli.check_config)
		mfm_cli_resumable(argc, argv);
	configure(&set.d);
	mfm_cli_start();

	mfm_err_clear(&err);
	if (set.state_dir != NULL &&
	    mfm_outbox_open(&o, set.state_dir, &err) != 0)
		mfm_die_err(&err);
	if (mfm_cli.verbose)
		ops.note = out_note;
	mfm_alert_run_init(&run, &set.d, &o, set.state_dir != NULL,
	    set.receipts, &mfm_cli.out, &ops);
	mfm_cli_operands(argc, argv, deliver, &run);
	if (mfm_alert_flush(&run, &err) != 0 ||
	    (run.state && mfm_alert_resend(&run, &err) != 0))
		mfm_die_err(&err);
	mfm_alert_end(&run);
	if (mfm_outbox_close(&o, &err) != 0)
		mfm_die_err(&err);
	if (mfm_cli.verbose)
		verbose(&run);
	mfm_alert_run_release(&run);
	return mfm_cli_finish(0);
}
