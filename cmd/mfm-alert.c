/*
 * mfm-alert: deliver the alert events mfm-threshold writes to the
 * receivers the user configured: a readable line on stdout, or a
 * webhook that gets each event's JSON in a POST.
 *
 * Each event goes to every receiver in turn; a receiver that fails
 * (after its retries) is reported and the run goes on, so one dead
 * endpoint does not hold the others' alerts back.  The exit status then
 * says that something was not delivered.  The receivers themselves live
 * in lib/deliver.c; this file reads the options and runs the loop.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/deliver.h"
#include "lib/banned.h"

static const char usage[] =
"usage: mfm-alert [-hnuVv] [-c FILE] [--webhook-env VAR]\n"
"                 [--webhook-file PATH] [--ca-file PATH]\n"
"                 [--timeout DURATION] [--rejects FILE] [--max-line SIZE]\n"
"                 [FILE ...]\n"
"\n"
"Deliver alert events (from mfm-threshold) to receivers: a summary line\n"
"on stdout by default, or a webhook.  FILE '-' or none reads stdin.\n"
"\n"
"      --webhook-env VAR    POST each event to the URL in variable VAR\n"
"      --webhook-file PATH  POST each event to the URL in file PATH\n"
"      --ca-file PATH       verify webhook TLS with the CAs in PATH\n"
"      --timeout DURATION   time allowed for one webhook attempt (10s)\n"
"  -n, --dry-run            print the requests instead of sending them\n"
MFM_CLI_HELP;

enum {
	OPT_WEBHOOK_ENV = MFM_OPT_TOOL,
	OPT_WEBHOOK_FILE,
	OPT_CA_FILE,
	OPT_TIMEOUT
};

static const struct option longopts[] = {
	{ "webhook-env", required_argument, NULL, OPT_WEBHOOK_ENV },
	{ "webhook-file", required_argument, NULL, OPT_WEBHOOK_FILE },
	{ "ca-file", required_argument, NULL, OPT_CA_FILE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "dry-run", no_argument, NULL, 'n' },
	MFM_CLI_LONG,
	{ NULL, 0, NULL, 0 }
};

static const char *const config_keys[] = { "receivers", NULL };

struct opts {
	const char *webhook_env, *webhook_file, *ca_file;
	int64_t timeout;
	int dry_run;
};

struct counts {
	uint64_t events, control;
};

/* Receivers from -c, then the command line's webhook; stdout if none. */
static void
configure(struct mfm_deliver *d, const struct opts *o)
{
	const struct mfm_cfg_node *sec = mfm_cli_config("alert", config_keys);
	struct mfm_deliver_recv *r;
	struct mfm_err err;
	size_t i;

	mfm_err_clear(&err);
	if (sec != NULL && mfm_deliver_config(d, sec, &err) != 0)
		mfm_cli_config_die(&err);
	if (o->webhook_env != NULL || o->webhook_file != NULL) {
		const char *src = o->webhook_env ? o->webhook_env :
		    o->webhook_file;

		if ((r = mfm_deliver_add(d, MFM_DELIVER_WEBHOOK, src,
		    &err)) == NULL)
			mfm_die_err(&err);
		if (o->webhook_env != NULL &&
		    mfm_deliver_url_env(r, o->webhook_env, &err) != 0)
			mfm_die("--webhook-env: %s", err.msg);
		if (o->webhook_file != NULL &&
		    mfm_deliver_url_file(r, o->webhook_file, &err) != 0)
			mfm_die("--webhook-file: %s", err.msg);
	}
	if (d->n == 0 &&
	    mfm_deliver_add(d, MFM_DELIVER_STDOUT, "stdout", &err) == NULL)
		mfm_die_err(&err);
	/* The command line overrides the configuration, for every webhook. */
	for (i = 0; i < d->n; i++) {
		r = &d->recv[i];
		if (r->type != MFM_DELIVER_WEBHOOK)
			continue;
		if (o->timeout > 0)
			r->timeout = o->timeout;
		if (o->ca_file != NULL) {
			free(r->ca_file);
			r->ca_file = mfm_xstrdup(o->ca_file);
		}
	}
	d->dry_run = o->dry_run;
	if (mfm_deliver_start(d, &err) != 0)
		mfm_die_err(&err);
}

static void
deliver(struct mfm_deliver *d, const char *path, struct counts *c)
{
	struct mfm_deliver_event ev;
	struct mfm_reader r;
	struct mfm_json j;
	struct mfm_err err;
	size_t i;

	mfm_json_init(&j);
	mfm_deliver_event_init(&ev);
	mfm_cli_open(&r, path);
	while (mfm_cli_next(&r, &j)) {
		mfm_err_clear(&err);
		switch (mfm_deliver_event_read(&ev, &j, &err)) {
		case 1:
			c->control++;
			continue;
		case -1:
			mfm_cli_bad(&r, "%s", err.msg);
			continue;
		}
		c->events++;
		for (i = 0; i < d->n; i++) {
			if (mfm_deliver_send(d, &d->recv[i], &ev, &mfm_cli.out,
			    &err) != 0)
				mfm_warn("%s", err.msg);
			if (mfm_cli.out.len > 0)
				mfm_cli_emit();
		}
	}
	if (mfm_reader_close(&r, &err) != 0)
		mfm_die_err(&err);
	mfm_deliver_event_release(&ev);
	mfm_json_release(&j);
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct counts c = { 0 };
	struct mfm_deliver d;
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
		case OPT_CA_FILE:
			o.ca_file = optarg;
			break;
		case OPT_TIMEOUT:
			o.timeout = mfm_cli_duration("--timeout", optarg);
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

	mfm_deliver_init(&d);
	configure(&d, &o);
	if (argc == 0)
		deliver(&d, "-", &c);
	for (i = 0; i < argc; i++)
		deliver(&d, argv[i], &c);
	if (mfm_cli.verbose)
		fprintf(stderr, "mfm-alert: events %" PRIu64
		    "; deliveries %" PRIu64 ", failed %" PRIu64
		    "; control records %" PRIu64 "; bad %" PRIu64 "\n",
		    c.events, d.nsent, d.nfailed, c.control, mfm_cli.nbad);
	mfm_deliver_release(&d);
	return mfm_cli_finish(0);
}
