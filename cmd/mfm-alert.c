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
#include "lib/hold.h"
#include "lib/jw.h"
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

struct counts {
	uint64_t events, control, muted, queued, dead, held;
	uint64_t unrouted;	/* firing events no receiver takes */
	uint64_t resent;	/* firing alerts sent to Alertmanager again */
};

/* Firing events that reach no receiver: a line each for the first few. */
#define UNROUTED_SHOWN 5

struct run {
	struct mfm_deliver d;
	struct mfm_outbox o;
	int state;
	int resume;		/* --resume: files from the journal's place */
	int receipts;
	struct counts c;
};

/*
 * The time now, in us since the epoch: the system's clock, read at each
 * use, so that the times recorded (queued, failed) and judged (silences,
 * deadlines, repeat and group intervals) are the real ones; or --now,
 * which stands still for the run, so that a replay decides the same.
 */
static int64_t
now_us(const struct run *run)
{
	return mfm_deliver_now(&run->d);
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
 * A receipt: {"receiver":"ops","type":"webhook","status":"firing",
 * "fingerprint":"…","result":"delivered","attempts":1,"code":200,
 * "key":"…"}; with --state also "id".
 */
static void
receipt(struct run *run, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, const char *result, uint64_t id,
    const char *why)
{
	struct mfm_jw w;
	char key[33];

	if (!run->receipts)
		return;
	mfm_jw_init(&w, &mfm_cli.out);
	mfm_jw_object(&w);
	mfm_jw_key(&w, "receiver");
	mfm_jw_strz(&w, r->name);
	mfm_jw_key(&w, "type");
	mfm_jw_strz(&w, mfm_deliver_type_name(r->type));
	mfm_jw_key(&w, "status");
	mfm_jw_str(&w, ev->status.p, ev->status.len);
	mfm_jw_key(&w, "fingerprint");
	mfm_jw_str(&w, ev->fingerprint.p, ev->fingerprint.len);
	mfm_jw_key(&w, "result");
	mfm_jw_strz(&w, result);
	if (strcmp(result, "silenced") != 0 &&
	    strcmp(result, "inhibited") != 0 &&
	    strcmp(result, "repeat") != 0 &&
	    strcmp(result, "held") != 0) {
		mfm_jw_key(&w, "attempts");
		mfm_jw_int(&w, run->d.last.attempts);
		mfm_jw_key(&w, "code");
		mfm_jw_int(&w, run->d.last.code);
	}
	mfm_deliver_key(r, ev, key);
	mfm_jw_key(&w, "key");
	mfm_jw_strz(&w, key);
	if (id > 0) {
		mfm_jw_key(&w, "id");
		mfm_jw_int(&w, (int64_t)id);
	}
	if (why != NULL) {
		mfm_jw_key(&w, "permanent");
		mfm_jw_bool(&w, run->d.last.permanent);
		mfm_jw_key(&w, "error");
		mfm_jw_strz(&w, why);
	}
	mfm_jw_end(&w);
	mfm_cli_emit();
	/* A receipt is a record of delivery: out before the next send, so
	 * that a crash does not take the receipts of what was sent. */
	mfm_cli_flush();
}

/*
 * Send ev[0..n) to r as one notification; idx[k] is ev[k]'s outbox
 * entry, or (size_t)-1 when it has none (no --state, n is 1).  Every
 * entry is settled alike: done, dead or left queued.
 */
static void
send_set(struct run *run, struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *const *ev, const size_t *idx, size_t n)
{
	struct mfm_outbox_entry *e;
	struct mfm_err err, e2;
	const char *result;
	size_t k;
	int rc, dead = 0;

	mfm_err_clear(&err);
	mfm_err_clear(&e2);
	memset(&run->d.last, 0, sizeof(run->d.last));
	if (n == 1 && idx[0] != (size_t)-1 && run->state &&
	    mfm_outbox_is_dead(&run->o, idx[0])) {
		/* A crash came after the dead letter, before its done. */
		if (mfm_outbox_done(&run->o, idx[0], &e2) != 0)
			mfm_die_err(&e2);
		return;
	}
	rc = mfm_deliver_send_group(&run->d, r, ev, n, &mfm_cli.out, &err);
	if (rc == 0 && mfm_cli.out.len > 0)
		mfm_cli_emit();
	/* What Alertmanager was told, before the notification is settled. */
	if (rc == 0 && r->type == MFM_DELIVER_ALERTMANAGER &&
	    mfm_hold_told(&run->o, r, ev, n, now_us(run), &e2) != 0)
		mfm_die_err(&e2);
	if (rc != 0)
		mfm_warn("%s", err.msg);
	if (rc != 0 && run->state && idx[0] != (size_t)-1) {
		e = &run->o.e[idx[0]];
		dead = run->d.last.permanent ||
		    now_us(run) - e->queued >= r->deadline;
	}
	for (k = 0; k < n; k++) {
		e = idx[k] != (size_t)-1 ? &run->o.e[idx[k]] : NULL;
		if (rc == 0)
			result = "delivered";
		else if (!run->state || e == NULL)
			result = "failed";
		else
			result = dead ? "dead" : "queued";
		if (e != NULL && (rc == 0 || !run->state)) {
			/* Settled; in memory only without --state. */
			if (mfm_outbox_done(&run->o, idx[k], &e2) != 0)
				mfm_die_err(&e2);
		} else if (e != NULL && dead) {
			if (mfm_outbox_dead(&run->o, idx[k], err.msg,
			    now_us(run), &e2) != 0)
				mfm_die_err(&e2);
			run->c.dead++;
		} else if (e != NULL)
			run->c.queued++;
		receipt(run, r, ev[k], result, e != NULL && run->state ?
		    e->id : 0, rc == 0 ? NULL : err.msg);
	}
}

static void
send_one(struct run *run, struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, size_t idx)
{
	send_set(run, r, &ev, &idx, 1);
}

/*
 * Hand ev to every receiver that takes it; returns how many do (muted
 * or not), so that a firing event that reaches none is seen.
 */
static size_t
route(struct run *run, const struct mfm_deliver_event *ev,
    const struct mfm_chain_file *in)
{
	const char *queue[MFM_DELIVER_MAX_RECEIVERS];
	struct mfm_deliver_recv *r;
	struct mfm_err err;
	int silenced, inhibited;
	size_t i, nq = 0, taken = 0;

	silenced = mfm_deliver_silenced(&run->d, ev, now_us(run));
	inhibited = mfm_deliver_inhibited(&run->d, ev);
	for (i = 0; i < run->d.n; i++) {
		r = &run->d.recv[i];
		if (!mfm_deliver_routes(r, ev))
			continue;
		taken++;
		memset(&run->d.last, 0, sizeof(run->d.last));
		if (silenced || inhibited) {
			run->c.muted++;
			receipt(run, r, ev, silenced ? "silenced" :
			    "inhibited", 0, NULL);
			continue;
		}
		if (mfm_hold_repeat(&run->o, r, ev, now_us(run))) {
			run->c.muted++;
			receipt(run, r, ev, "repeat", 0, NULL);
			continue;
		}
		if (!mfm_hold_queued(r, run->state)) {
			send_one(run, r, ev, (size_t)-1);
			continue;
		}
		queue[nq++] = r->name;
	}
	/*
	 * Queued now, for every receiver at once and with the input's place
	 * after the event (--resume): one line of the journal, one durable
	 * step.  Sent by flush once the input is all queued; without
	 * --state in memory only, for group_by.
	 */
	mfm_err_clear(&err);
	if (nq > 0 && mfm_outbox_put_event(&run->o, queue, nq, ev->body.p,
	    ev->body.len, now_us(run), in, &err) < 0)
		mfm_die_err(&err);
	return taken;
}

/*
 * Send what is queued and not settled, as lib/hold.h hands it out: first
 * what an earlier run left, then this run's input; a group as one
 * notification, or held (group_wait, group_interval) for a later run.
 */
static void
flush(struct run *run)
{
	struct mfm_hold_set s;
	struct mfm_hold h;
	struct mfm_err err;
	size_t k;

	mfm_hold_start(&h, &run->d, &run->o, run->state);
	while (mfm_hold_next(&h, now_us(run), &s)) {
		if (s.r == NULL) {
			/* Only a dead letter can keep it now. */
			mfm_warn("%s: receiver %s is not configured any more",
			    run->o.dir, run->o.e[s.idx[0]].receiver);
			mfm_err_clear(&err);
			if (mfm_outbox_dead(&run->o, s.idx[0], "receiver not "
			    "configured", now_us(run), &err) != 0)
				mfm_die_err(&err);
			run->c.dead++;
		} else if (s.held) {
			for (k = 0; k < s.n; k++)
				receipt(run, s.r, s.ev[k], "held",
				    run->o.e[s.idx[k]].id, NULL);
			run->c.held += s.n;
		} else
			send_set(run, s.r, s.ev, s.idx, s.n);
	}
	mfm_hold_release(&h);
}

/*
 * Alertmanager forgets a firing alert that is not sent again before its
 * endsAt: send each alert still firing again once resend_delay has
 * passed since it was last sent, as Prometheus does, through the outbox
 * (queued, then sent and settled like any notification), unless a
 * notification of it is pending, which is newer.  With --state only:
 * a run without it remembers nothing for the next.
 */
static void
resend(struct run *run)
{
	struct mfm_deliver_event ev;
	struct mfm_deliver_recv *r;
	struct mfm_json j;
	struct mfm_err err;
	const char *name;
	char *event, *fp;
	size_t i, len, fplen;
	int64_t now;

	mfm_json_init(&j);
	mfm_deliver_event_init(&ev);
	for (i = 0; i < run->o.nalert; i++) {
		now = now_us(run);
		r = mfm_deliver_find(&run->d, run->o.alert[i].receiver,
		    strlen(run->o.alert[i].receiver));
		if (r == NULL || r->type != MFM_DELIVER_ALERTMANAGER) {
			/* Not configured any more: Alertmanager lets it
			 * expire at its endsAt. */
			mfm_err_clear(&err);
			fp = mfm_xmemdup(run->o.alert[i].fp,
			    run->o.alert[i].fplen);
			fplen = run->o.alert[i].fplen;
			name = run->o.alert[i].receiver;
			if (mfm_cli.verbose)
				mfm_warn("%s: receiver %s is not configured "
				    "any more: alert %s no longer sent",
				    run->o.dir, name, fp);
			if (mfm_outbox_firing_clear(&run->o, name, fp, fplen,
			    &err) != 0)
				mfm_die_err(&err);
			free(fp);
			i--;
			continue;
		}
		if (!mfm_hold_resend(&run->o, r, i, now))
			continue;
		/* A copy: sending it replaces the registry's. */
		len = run->o.alert[i].event_len;
		event = mfm_xmemdup(run->o.alert[i].event, len);
		mfm_err_clear(&err);
		if (mfm_json_parse(&j, event, len, &err) != 0 ||
		    mfm_deliver_event_read(&ev, &j, &err) != 0) {
			mfm_warn("%s/firing.ndjson: %s", run->o.dir, err.msg);
			free(event);
			continue;
		}
		name = r->name;
		switch (mfm_outbox_put_event(&run->o, &name, 1, event, len,
		    now, NULL, &err)) {
		case -1:
			mfm_die_err(&err);
		case 0:
			break;		/* the same, pending */
		default:
			run->c.resent++;
			send_one(run, r, &ev, run->o.n - 1);
		}
		free(event);
	}
	mfm_deliver_event_release(&ev);
	mfm_json_release(&j);
}

/*
 * Read one input and route its events.  With --state the input is held:
 * consumed only up to the event last queued (what was taken from a pipe
 * is in the outbox), and with --resume read from the place the journal
 * keeps for it, which each event's put moves past it.
 */
static void
deliver(struct run *run, const char *path)
{
	struct mfm_deliver_event ev;
	struct mfm_reader r;
	struct mfm_json j;
	struct mfm_err err;
	struct mfm_chain_file *in = NULL;
	uint64_t off;

	mfm_json_init(&j);
	mfm_deliver_event_init(&ev);
	mfm_cli_open(&r, path);
	mfm_err_clear(&err);
	if (run->resume) {
		if (mfm_chain_start(&run->o.chain, path, r.fd, &off,
		    &err) != 0 || mfm_reader_seek(&r, off, &err) != 0) {
			/* A file that shrank: the others go on. */
			if (err.kind != MFM_ERR_DATA)
				mfm_die_err(&err);
			mfm_warn("%s", err.msg);
			goto out;
		}
		in = mfm_outbox_place(&run->o, path);
		/* Its writer may be writing the last line still. */
		r.hold_partial = 1;
	} else if (run->state && mfm_reader_hold(&r, &err) != 0)
		mfm_die_err(&err);
	while (mfm_cli_next(&r, &j)) {
		mfm_err_clear(&err);
		if (in != NULL)
			in->offset = mfm_reader_offset(&r);
		switch (mfm_deliver_event_read(&ev, &j, &err)) {
		case 1:
			run->c.control++;
			break;
		case -1:
			mfm_cli_bad(&r, "%s", err.msg);
			break;
		default:
			run->c.events++;
			if (route(run, &ev, in) == 0 && ev.firing &&
			    run->c.unrouted++ < UNROUTED_SHOWN && run->d.n > 0)
				mfm_warn("%s:%zu: firing event reaches no "
				    "receiver: no receiver's match takes it",
				    r.name, r.lineno);
		}
		/* Queued, synced: the input may move past it. */
		if (mfm_reader_commit(&r, &err) != 0)
			mfm_die_err(&err);
	}
	if (in != NULL) {
		in->offset = mfm_reader_offset(&r);
		if (r.held > 0 && mfm_cli.verbose)
			mfm_warn("%s: a last line of %zu bytes without a "
			    "newline is left for the next run", r.name, r.held);
	}
	if (mfm_reader_commit(&r, &err) != 0)
		mfm_die_err(&err);
out:
	if (mfm_reader_close(&r, &err) != 0)
		mfm_die_err(&err);
	mfm_deliver_event_release(&ev);
	mfm_json_release(&j);
}

/*
 * A firing alert that nobody is told of is a failure of the monitor, not
 * a success: say so, and what to configure, with exit status 2.
 */
static void
unrouted(const struct run *run)
{
	uint64_t n = run->c.unrouted;
	const char *s = n == 1 ? "" : "s";

	if (n == 0)
		return;
	if (run->d.n == 0)
		mfm_warn("%" PRIu64 " firing event%s reached no receiver: none "
		    "is configured, and with --receipts standard output "
		    "carries receipts only; add receivers to the alert section "
		    "of the configuration (-c FILE), or give --webhook-env or "
		    "--webhook-file", n, s);
	else
		mfm_warn("%" PRIu64 " firing event%s reached no receiver: add "
		    "a receiver without match, or one whose match takes %s", n,
		    s, n == 1 ? "it" : "them");
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct mfm_err err;
	struct stat st;
	static struct run run;
	int ch, i;

	mfm_cli_init("mfm-alert", usage);
	while ((ch = getopt_long(argc, argv, MFM_CLI_SHORT "n", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case OPT_WEBHOOK_ENV:
			o.webhook_env = optarg;
			break;
		case OPT_WEBHOOK_FILE:
			o.webhook_file = optarg;
			break;
		case OPT_WEBHOOK_FORMAT:
			if (strcmp(optarg, "alertmanager") == 0)
				o.format = MFM_DELIVER_FMT_ALERTMANAGER;
			else if (strcmp(optarg, "mfm") == 0)
				o.format = MFM_DELIVER_FMT_MFM;
			else
				mfm_usage_error("--webhook-format: expected "
				    "alertmanager or mfm");
			break;
		case OPT_CA_FILE:
			o.ca_file = optarg;
			break;
		case OPT_TIMEOUT:
			o.timeout = mfm_cli_duration("--timeout", optarg);
			break;
		case OPT_STATE:
			o.state = optarg;
			break;
		case OPT_RECEIPTS:
			o.receipts = 1;
			break;
		case OPT_NOW:
			mfm_err_clear(&err);
			if (mfm_tm_parse_rfc3339(optarg, strlen(optarg),
			    &o.now, &err) != 0)
				mfm_usage_error("--now: %s", err.msg);
			break;
		case 'n':
			o.dry_run = 1;
			break;
		default:
			mfm_cli_option(ch, optarg);
		}
	}
	argc -= optind;
	argv += optind;
	if (o.webhook_env != NULL && o.webhook_file != NULL)
		mfm_usage_error("give --webhook-env or --webhook-file, "
		    "not both");
	if (o.dry_run && o.receipts)
		mfm_usage_error("give -n or --receipts, not both");
	if (o.dry_run && o.state != NULL)
		mfm_usage_error("a dry run does not use --state");
	mfm_cli_need_state(o.state);
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

	mfm_deliver_init(&run.d);
	mfm_outbox_init(&run.o);
	configure(&run.d, &o);
	run.receipts = o.receipts;
	mfm_err_clear(&err);
	if (o.state != NULL) {
		if (mfm_outbox_open(&run.o, o.state, &err) != 0)
			mfm_die_err(&err);
		run.state = 1;
		run.resume = mfm_cli.resume;
	}
	if (argc == 0)
		deliver(&run, "-");
	for (i = 0; i < argc; i++)
		deliver(&run, argv[i]);
	flush(&run);
	if (run.state)
		resend(&run);
	unrouted(&run);
	if (mfm_outbox_close(&run.o, &err) != 0)
		mfm_die_err(&err);
	if (mfm_cli.verbose) {
		fprintf(stderr, "mfm-alert: events %" PRIu64
		    "; deliveries %" PRIu64 ", failed %" PRIu64
		    " (queued %" PRIu64 ", dead %" PRIu64 "), muted %" PRIu64,
		    run.c.events, run.d.nsent, run.d.nfailed, run.c.queued,
		    run.c.dead, run.c.muted);
		if (run.c.resent > 0)
			fprintf(stderr, "; sent to Alertmanager again %" PRIu64,
			    run.c.resent);
		fprintf(stderr, "; control records %" PRIu64 "; bad %" PRIu64
		    "\n", run.c.control, mfm_cli.nbad);
	}
	mfm_deliver_release(&run.d);
	return mfm_cli_finish(0);
}
