/*
 * mfm-threshold: test metric records against rules and emit an alert
 * event for every rule a record breaches.
 *
 * Rules come from the configuration's threshold section and from -e
 * expressions, in that order.  Each metric record (as mfm-metric writes
 * it) is tested against every rule; a breach writes one "firing" event.
 * Control records (reserved member "_mfm") are passed over; any other
 * record without a "metrics" object is a bad record.  The exit status
 * answers the question: 0 when something fired, 1 when nothing did, 2 on
 * trouble of any kind, which wins over the answer.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/cli.h"
#include "lib/rule.h"
#include "lib/banned.h"

static const char usage[] =
"usage: mfm-threshold [-huVv] [-c FILE] [-e EXPR] [--severity LEVEL]\n"
"                     [--rejects FILE] [--max-line SIZE] [FILE ...]\n"
"\n"
"Emit an alert event for every rule a metric record breaches.\n"
"Exit 0 if any rule fired, 1 if none did, 2 on error.\n"
"\n"
"  -e, --rule EXPR       rule METRIC OP NUMBER, OP one of < <= > >= == !=;\n"
"                        repeatable, e.g. -e 'auc < 0.7'\n"
"      --severity LEVEL  severity of -e rules: info, warning, critical\n"
"                        (warning)\n"
MFM_CLI_HELP;

enum {
	OPT_SEVERITY = MFM_OPT_TOOL
};

static const struct option longopts[] = {
	{ "rule", required_argument, NULL, 'e' },
	{ "severity", required_argument, NULL, OPT_SEVERITY },
	MFM_CLI_LONG,
	{ NULL, 0, NULL, 0 }
};

static const char *const config_keys[] = { "rules", NULL };

static uint64_t nrecords;	/* metric records tested */
static uint64_t nfiring;	/* events written */

static void
threshold_file(const char *path, struct mfm_rule_set *rules,
    struct mfm_rule_rec *rec)
{
	struct mfm_reader r;
	struct mfm_json j;
	struct mfm_err err;
	struct mfm_rule *rule;
	double v;
	size_t i;

	mfm_json_init(&j);
	mfm_cli_open(&r, path);
	while (mfm_cli_next(&r, &j)) {
		switch (mfm_rule_rec_load(rec, &j, &err)) {
		case -1:
			mfm_cli_bad(&r, "%s", err.msg);
			continue;
		case 0:
			continue;
		}
		nrecords++;
		for (i = 0; i < rules->n; i++) {
			rule = &rules->rule[i];
			/* Null and absent metrics never fire, yet. */
			if (mfm_rule_check(rule, rec, &v) != MFM_RULE_BREACH)
				continue;
			mfm_rule_event(&mfm_cli.out, rule, rec, "firing", v);
			mfm_cli_emit();
			nfiring++;
		}
	}
	if (mfm_reader_close(&r, &err) != 0)
		mfm_die_err(&err);
	mfm_json_release(&j);
}

/*
 * A rule whose metric is in none of the records is most likely a typo,
 * and a typo'd rule would answer "nothing breached" forever.
 */
static void
check_unseen(const struct mfm_rule_set *rules)
{
	size_t i;

	if (nrecords == 0)
		return;
	for (i = 0; i < rules->n; i++)
		if (rules->rule[i].nseen == 0)
			mfm_warn("rule '%s': metric '%s' is in none of the "
			    "%" PRIu64 " metric records", rules->rule[i].name,
			    rules->rule[i].metric, nrecords);
}

int
main(int argc, char **argv)
{
	struct mfm_rule_set rules, cli_rules;
	struct mfm_rule_rec rec;
	struct mfm_rule r;
	struct mfm_err err;
	enum mfm_rule_severity sev = MFM_RULE_WARNING;
	size_t i;
	int ch;

	mfm_cli_init("mfm-threshold", usage);
	mfm_rule_set_init(&rules);
	mfm_rule_set_init(&cli_rules);
	while ((ch = getopt_long(argc, argv, MFM_CLI_SHORT "e:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'e':
			if (mfm_rule_parse(&r, optarg, &err) != 0 ||
			    mfm_rule_set_take(&cli_rules, &r, &err) != 0)
				mfm_usage_error("-e: %s", err.msg);
			break;
		case OPT_SEVERITY:
			if (mfm_rule_severity_parse(optarg, &sev) != 0)
				mfm_usage_error("--severity: invalid severity "
				    "'%s' (info, warning or critical)", optarg);
			break;
		default:
			mfm_cli_option(ch, optarg);
		}
	}
	argc -= optind;
	argv += optind;

	mfm_err_clear(&err);
	if (mfm_rule_set_add_cfg(&rules, mfm_cfg_get(mfm_cli_config(
	    "threshold", config_keys), "rules"), &err) != 0)
		mfm_cli_config_die(&err);
	/* Command-line rules come after the configuration's. */
	for (i = 0; i < cli_rules.n; i++) {
		cli_rules.rule[i].severity = sev;
		if (mfm_rule_set_take(&rules, &cli_rules.rule[i], &err) != 0)
			mfm_usage_error("-e: %s", err.msg);
	}
	cli_rules.n = 0;
	mfm_rule_set_release(&cli_rules);
	if (rules.n == 0)
		mfm_usage_error("no rules: give -e EXPR or a threshold "
		    "'rules' list in the configuration");

	mfm_rule_rec_init(&rec);
	if (argc == 0)
		threshold_file("-", &rules, &rec);
	for (i = 0; i < (size_t)argc; i++)
		threshold_file(argv[i], &rules, &rec);
	check_unseen(&rules);
	if (mfm_cli.verbose)
		fprintf(stderr, "mfm-threshold: %" PRIu64 " records, %zu "
		    "rules, %" PRIu64 " firing, %" PRIu64 " bad\n",
		    mfm_cli.nread, rules.n, nfiring, mfm_cli.nbad);
	mfm_rule_rec_release(&rec);
	mfm_rule_set_release(&rules);
	return mfm_cli_finish(nfiring > 0 ? 0 : 1);
}
