/*
 * mfm-threshold: test metric records against rules and emit alert
 * events: "firing" while a rule's alert fires, "resolved" when it stops,
 * and with --all every other state too (pending, inactive,
 * insufficient_data, no_data).
 *
 * Rules come from the configuration's threshold section and from -e
 * expressions, in that order.  Each metric record (as mfm-metric writes
 * it) steps the alert series (rule and group) it concerns, in input
 * order; lib/track.c holds the state machine.  With --state the series
 * outlive the run, in a locked, crash-safe state file (lib/state.c).
 * With --backtest nothing is emitted per record: the run ends with how
 * many alerts, flaps and notifications the rules would have produced.
 * Control records (reserved member "_mfm") are passed over; any other
 * record without a "metrics" object is a bad record.  Provisional
 * records and later revisions of a window are judged as mfm(7) LATE
 * LABELS says.  The exit status answers the question as diff(1) does:
 * 0 when no alert is firing, 1 when one is, 2 on trouble of any kind
 * (a run that could judge nothing included), which wins over the answer.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/context.h"
#include "lib/rule.h"
#include "lib/state.h"
#include "lib/track.h"
#include "lib/banned.h"

#define STATE_VERSION	1

static const char usage[] =
"usage: mfm-threshold [-huVv] [-c FILE] [-e EXPR] [--severity LEVEL]\n"
"                     [--for N] [--keep-firing-for N] [--clear NUMBER]\n"
"                     [--min-count N] [--min-positives N]\n"
"                     [--min-labelled N] [--min-per-class N]\n"
"                     [--maturity DURATION] [--missing POLICY]\n"
"                     [--match KEY=VALUE] [--all] [--state FILE]\n"
"                     [--resume] [--backtest] [--max-series N]\n"
"                     [--context FILE] [--max-context N] [-o FILE]\n"
"                     [--rejects FILE] [--max-line SIZE] [FILE ...]\n"
"\n"
"Emit alert events when metric records breach rules.\n"
"Exit 0 if no alert is firing, 1 if one is, 2 on trouble.\n"
"\n"
"  -e, --rule EXPR       rule METRIC OP NUMBER, OP one of < <= > >= == !=;\n"
"                        repeatable, e.g. -e 'auc < 0.7'\n"
"The next options apply to the rules of -e:\n"
"      --severity LEVEL  info, warning or critical (warning)\n"
"      --for N           fire after N breaching windows in a row (1)\n"
"      --keep-firing-for N  resolve after N + 1 clear windows (0)\n"
"      --clear NUMBER    hysteresis: resolve only once past NUMBER\n"
"      --min-count N     fewer than N records: insufficient data\n"
"      --min-positives N fewer than N positives: insufficient data\n"
"      --min-labelled N  fewer than N labelled records: insufficient\n"
"                        data (30, where the record has the count)\n"
"      --min-per-class N auc, pr_auc: fewer than N of a class:\n"
"                        insufficient data (10, likewise)\n"
"      --maturity DURATION  judge provisional records too, once their\n"
"                        as_of is DURATION past the window's end\n"
"      --missing POLICY  a null or absent metric: ignore, breaching,\n"
"                        not_breaching (ignore)\n"
"      --match KEY=VALUE only groups whose KEY is VALUE; repeatable\n"
"Output and state:\n"
"      --all             emit every state, not only firing and resolved\n"
"      --state FILE      keep alert states in FILE between runs\n"
"      --resume          read input files from where the last run\n"
"                        with this --state stopped\n"
"      --backtest        emit no events; count alerts, flaps and\n"
"                        notifications per rule at the end\n"
"      --max-series N    alert series (rules times groups) at most\n"
"                        (100000)\n"
"Context:\n"
"      --context FILE    join the context records of FILE (mfm-drift,\n"
"                        mfm-slice --context) to firing events by window\n"
"                        and group; repeatable\n"
"      --max-context N   windows and groups of context at most (100000)\n"
MFM_CLI_HELP;

enum {
	OPT_SEVERITY = MFM_OPT_TOOL,
	OPT_FOR,
	OPT_KEEP,
	OPT_CLEAR,
	OPT_MIN_COUNT,
	OPT_MIN_POSITIVES,
	OPT_MISSING,
	OPT_MATCH,
	OPT_ALL,
	OPT_STATE,
	OPT_BACKTEST,
	OPT_MAX_SERIES,
	OPT_CONTEXT,
	OPT_MAX_CONTEXT,
	OPT_MIN_LABELLED,
	OPT_MIN_PER_CLASS,
	OPT_MATURITY
};

static const struct option longopts[] = {
	{ "rule", required_argument, NULL, 'e' },
	{ "severity", required_argument, NULL, OPT_SEVERITY },
	{ "for", required_argument, NULL, OPT_FOR },
	{ "keep-firing-for", required_argument, NULL, OPT_KEEP },
	{ "clear", required_argument, NULL, OPT_CLEAR },
	{ "min-count", required_argument, NULL, OPT_MIN_COUNT },
	{ "min-positives", required_argument, NULL, OPT_MIN_POSITIVES },
	{ "missing", required_argument, NULL, OPT_MISSING },
	{ "match", required_argument, NULL, OPT_MATCH },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "backtest", no_argument, NULL, OPT_BACKTEST },
	{ "max-series", required_argument, NULL, OPT_MAX_SERIES },
	{ "context", required_argument, NULL, OPT_CONTEXT },
	{ "max-context", required_argument, NULL, OPT_MAX_CONTEXT },
	{ "min-labelled", required_argument, NULL, OPT_MIN_LABELLED },
	{ "min-per-class", required_argument, NULL, OPT_MIN_PER_CLASS },
	{ "maturity", required_argument, NULL, OPT_MATURITY },
	{ "resume", no_argument, NULL, MFM_OPT_RESUME },
	MFM_CLI_LONG,
	{ NULL, 0, NULL, 0 }
};

static const char *const config_keys[] = { "rules", "context", NULL };

static int all, backtest;
static struct mfm_context context;	/* the answers to "why" */
static uint64_t nrecords;	/* metric records tested */
static uint64_t nfiring;	/* firing events (or alerts in a backtest) */

static void
threshold_file(const char *path, struct mfm_track *t,
    struct mfm_rule_rec *rec)
{
	struct mfm_reader r;
	struct mfm_json j;
	struct mfm_err err;
	struct mfm_track_result res;
	const struct mfm_context_entry *ctx;
	struct mfm_rule *rule;
	size_t i;

	mfm_json_init(&j);
	mfm_cli_open_input(&r, path);
	while (mfm_cli_next(&r, &j)) {
		switch (mfm_rule_rec_load(rec, &j, &err)) {
		case -1:
			mfm_cli_bad(&r, "%s", err.msg);
			continue;
		case 0:
			continue;
		}
		nrecords++;
		for (i = 0; i < t->rules->n; i++) {
			rule = &t->rules->rule[i];
			if (mfm_track_eval(t, i, rec, &res, &err) != 0) {
				mfm_cli_bad(&r, "%s", err.msg);
				break;
			}
			if (res.status == MFM_TRACK_SKIP || backtest)
				continue;
			if (!all && res.status != MFM_TRACK_FIRING &&
			    res.status != MFM_TRACK_RESOLVED)
				continue;
			ctx = NULL;
			if (res.status == MFM_TRACK_FIRING) {
				nfiring++;
				ctx = mfm_context_find(&context, &j,
				    rec->window, rec->canon.p, rec->canon.len);
			}
			mfm_track_event(&mfm_cli.out, rule, rec, &res, ctx);
			mfm_cli_emit();
		}
	}
	mfm_cli_close_input(&r);
	mfm_json_release(&j);
}

/* Keep a context record. */
static void
context_record(void *unused, const struct mfm_reader *r,
    const struct mfm_json *j)
{
	struct mfm_err err;

	(void)unused;
	if (mfm_json_member(j, 0, "_mfm", 4) >= 0)
		return;
	if (mfm_context_add(&context, j, &err) == 0)
		return;
	if (err.kind == MFM_ERR_LIMIT)
		mfm_die("%s:%zu: %s", r->name, r->lineno, err.msg);
	mfm_cli_bad(r, "%s", err.msg);
}

/* Read the reference records of every rule with a baseline file. */
static void
load_baselines(struct mfm_rule_set *rules, struct mfm_rule_rec *rec)
{
	struct mfm_reader r;
	struct mfm_json j;
	struct mfm_err err;
	size_t i;

	mfm_json_init(&j);
	for (i = 0; i < rules->n; i++) {
		if (rules->rule[i].base != MFM_RULE_BASE_FILE)
			continue;
		mfm_cli_open(&r, rules->rule[i].base_file);
		while (mfm_cli_next(&r, &j))
			switch (mfm_rule_rec_load(rec, &j, &err)) {
			case -1:
				mfm_cli_bad(&r, "%s", err.msg);
				break;
			case 1:
				mfm_rule_base_add(&rules->rule[i], rec);
				break;
			}
		if (mfm_reader_close(&r, &err) != 0)
			mfm_die_err(&err);
	}
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

/*
 * A run that judged nothing while windows were due (every one too thin,
 * or without a value) cannot answer: that is trouble, not a pass.
 */
static void
check_judged(const struct mfm_track *t, int has_state)
{
	uint64_t insufficient = 0;
	size_t i;

	/* A cron run with nothing new is fine; a one-off with nothing not. */
	if (nrecords == 0 && !has_state) {
		mfm_warn("no metric records: nothing to judge");
		return;
	}
	if (t->njudged > 0 || t->nundecided == 0)
		return;
	for (i = 0; i < t->rules->n; i++)
		insufficient += t->rules->rule[i].ninsufficient;
	mfm_warn("no window could be judged: %" PRIu64 " with too little "
	    "data (see min_labelled, min_per_class), %" PRIu64 " without a "
	    "value (nothing labelled?); run with --all to see why",
	    insufficient, t->nundecided - insufficient);
}

static void
verbose(const struct mfm_track *t)
{
	uint64_t rep = 0, sup = 0, prov = 0;
	size_t i;

	for (i = 0; i < t->rules->n; i++) {
		rep += t->rules->rule[i].nrepeat;
		sup += t->rules->rule[i].nsuperseded;
		prov += t->rules->rule[i].nprovisional;
	}
	fprintf(stderr, "mfm-threshold: %" PRIu64 " records, %zu rules, %"
	    PRIu64 " firing events, %zu alerts firing at the end, %" PRIu64
	    " judged, %" PRIu64 " undecided, %" PRIu64 " provisional, %"
	    PRIu64 " repeated, %" PRIu64 " superseded, %" PRIu64
	    " bad\n", mfm_cli.nread, t->rules->n, nfiring, mfm_track_firing(t),
	    t->njudged, t->nundecided, prov, rep, sup, mfm_cli.nbad);
}

int
main(int argc, char **argv)
{
	struct mfm_rule_set rules, cli_rules;
	struct mfm_rule_rec rec;
	struct mfm_rule r, opts;
	struct mfm_track track;
	struct mfm_state st;
	struct mfm_buf body = MFM_BUF_INIT;
	struct mfm_err err;
	const struct mfm_cfg_node *sec, *cn;
	const char *state_path = NULL, *eq;
	const char **ctx_files = NULL;
	size_t i, k, max_series = 100000, nctx = 0, max_context = 0, rest;
	int ch, found, firing;

	mfm_cli_init("mfm-threshold", usage);
	mfm_rule_set_init(&rules);
	mfm_rule_set_init(&cli_rules);
	mfm_state_init(&st);
	/* The conditions the options give every -e rule. */
	memset(&opts, 0, sizeof(opts));
	opts.severity = MFM_RULE_WARNING;
	opts.for_n = 1;
	while ((ch = getopt_long(argc, argv, MFM_CLI_SHORT "e:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'e':
			if (mfm_rule_parse(&r, optarg, &err) != 0 ||
			    mfm_rule_set_take(&cli_rules, &r, &err) != 0)
				mfm_usage_error("-e: %s", err.msg);
			break;
		case OPT_SEVERITY:
			if (mfm_rule_severity_parse(optarg, &opts.severity))
				mfm_usage_error("--severity: invalid severity "
				    "'%s' (info, warning or critical)", optarg);
			break;
		case OPT_FOR:
			opts.for_n = mfm_cli_count_in("--for", optarg, 1,
			    MFM_RULE_MAX_WINDOWS);
			break;
		case OPT_KEEP:
			opts.keep_firing = mfm_cli_count_in("--keep-firing-for",
			    optarg, 0, MFM_RULE_MAX_WINDOWS);
			break;
		case OPT_CLEAR:
			opts.clear = mfm_cli_double("--clear", optarg);
			opts.has_clear = 1;
			break;
		case OPT_MIN_COUNT:
			opts.min_count = mfm_cli_count_in("--min-count", optarg,
			    0, (unsigned long)-1);
			break;
		case OPT_MIN_POSITIVES:
			opts.min_positives = mfm_cli_count_in("--min-positives",
			    optarg, 0, (unsigned long)-1);
			break;
		case OPT_MIN_LABELLED:
			opts.min_labelled = mfm_cli_count_in("--min-labelled",
			    optarg, 0, (unsigned long)-1);
			opts.has_min_labelled = 1;
			break;
		case OPT_MIN_PER_CLASS:
			opts.min_per_class = mfm_cli_count_in("--min-per-class",
			    optarg, 0, (unsigned long)-1);
			opts.has_min_per_class = 1;
			break;
		case OPT_MATURITY:
			opts.maturity = mfm_cli_duration0("--maturity", optarg);
			opts.has_maturity = 1;
			break;
		case OPT_MISSING:
			if (mfm_rule_missing_parse(optarg, &opts.missing))
				mfm_usage_error("--missing: invalid policy "
				    "'%s' (ignore, breaching or not_breaching)",
				    optarg);
			break;
		case OPT_MATCH:
			eq = strchr(optarg, '=');
			if (eq == NULL || eq == optarg)
				mfm_usage_error("--match: expected KEY=VALUE, "
				    "not '%s'", optarg);
			mfm_rule_add_match(&opts, optarg,
			    (size_t)(eq - optarg), eq + 1);
			break;
		case OPT_ALL:
			all = 1;
			break;
		case OPT_STATE:
			state_path = optarg;
			break;
		case OPT_BACKTEST:
			backtest = 1;
			break;
		case OPT_MAX_SERIES:
			max_series = mfm_cli_count_in("--max-series", optarg, 1,
			    (unsigned long)-1);
			break;
		case OPT_CONTEXT:
			ctx_files = mfm_xreallocarray(ctx_files, nctx + 1,
			    sizeof(*ctx_files));
			ctx_files[nctx++] = optarg;
			break;
		case OPT_MAX_CONTEXT:
			max_context = mfm_cli_count_in("--max-context", optarg,
			    1, (unsigned long)-1);
			break;
		default:
			mfm_cli_option(ch, optarg);
		}
	}
	argc -= optind;
	argv += optind;
	if (backtest && state_path != NULL)
		mfm_usage_error("--backtest replays history from a clean "
		    "state: it takes no --state");
	mfm_cli_need_state(state_path);

	mfm_err_clear(&err);
	sec = mfm_cli_config("threshold", config_keys);
	if (mfm_rule_set_add_cfg(&rules, mfm_cfg_get(sec, "rules"),
	    &err) != 0)
		mfm_cli_config_die(&err);
	/* Context files: the command line's, else the configuration's. */
	cn = mfm_cfg_get(sec, "context");
	if (nctx == 0 && cn != NULL && cn->type == MFM_CFG_SCALAR) {
		ctx_files = mfm_xreallocarray(NULL, 1, sizeof(*ctx_files));
		ctx_files[nctx++] = mfm_cli_cfg_str(cn, NULL);
	} else if (nctx == 0 && cn != NULL && cn->type == MFM_CFG_SEQ) {
		ctx_files = mfm_xreallocarray(NULL, cn->n ? cn->n : 1,
		    sizeof(*ctx_files));
		for (i = 0; i < cn->n; i++)
			ctx_files[nctx++] = mfm_cli_cfg_str(cn->items[i],
			    NULL);
	} else if (nctx == 0 && cn != NULL) {
		mfm_cfg_err(cn, &err, "expected a file or a list of files");
		mfm_cli_config_die(&err);
	}
	/* Command-line rules come after the configuration's. */
	for (i = 0; i < cli_rules.n; i++) {
		struct mfm_rule *c = &cli_rules.rule[i];

		c->severity = opts.severity;
		c->for_n = opts.for_n;
		c->keep_firing = opts.keep_firing;
		c->has_clear = opts.has_clear;
		c->clear = opts.clear;
		c->min_count = opts.min_count;
		c->min_positives = opts.min_positives;
		c->has_min_labelled = opts.has_min_labelled;
		c->min_labelled = opts.min_labelled;
		c->has_min_per_class = opts.has_min_per_class;
		c->min_per_class = opts.min_per_class;
		c->has_maturity = opts.has_maturity;
		c->maturity = opts.maturity;
		c->missing = opts.missing;
		for (k = 0; k < opts.nmatch; k++)
			mfm_rule_add_match(c, opts.match[k].key,
			    strlen(opts.match[k].key), opts.match[k].value);
		if (mfm_rule_check_conditions(c, &err) != 0)
			mfm_usage_error("-e '%s': %s", c->name, err.msg);
		if (mfm_rule_set_take(&rules, c, &err) != 0)
			mfm_usage_error("-e: %s", err.msg);
	}
	cli_rules.n = 0;
	mfm_rule_set_release(&cli_rules);
	mfm_rule_release(&opts);
	if (rules.n == 0)
		mfm_usage_error("no rules: give -e EXPR or a threshold "
		    "'rules' list in the configuration");

	mfm_context_init(&context, max_context);
	for (i = 0; i < nctx; i++)
		mfm_cli_read(ctx_files[i], context_record, NULL);
	free(ctx_files);
	mfm_rule_rec_init(&rec);
	mfm_track_init(&track, &rules, max_series);
	load_baselines(&rules, &rec);
	if (state_path != NULL) {
		if (mfm_state_open(&st, state_path, "mfm-threshold",
		    STATE_VERSION, &body, &found, &err) != 0)
			mfm_die("%s: %s", state_path, err.msg);
		mfm_cli_chain_begin(body.p, body.len, &rest);
		if (found && mfm_track_load(&track, body.p + rest,
		    body.len - rest, &err) != 0)
			mfm_die("%s: state line %zu: %s", state_path,
			    err.line + (rest > 0), err.msg);
		if (track.ndropped > 0 && mfm_cli.verbose)
			mfm_warn("%s: %" PRIu64 " series of rules no longer "
			    "given were dropped", state_path, track.ndropped);
	}
	if (argc == 0)
		threshold_file("-", &track, &rec);
	for (i = 0; i < (size_t)argc; i++)
		threshold_file(argv[i], &track, &rec);
	if (backtest) {
		for (i = 0; i <= rules.n; i++) {
			nfiring = mfm_track_backtest(&track, i, &mfm_cli.out);
			mfm_cli_emit();
		}
	}
	if (state_path != NULL) {
		mfm_buf_clear(&body);
		mfm_cli_chain_end(&body);
		mfm_track_dump(&track, &body);
		if (mfm_state_save(&st, body.p ? body.p : "", body.len,
		    &err) != 0)
			mfm_die("%s: %s", state_path, err.msg);
		mfm_state_close(&st);
	}
	check_unseen(&rules);
	check_judged(&track, state_path != NULL);
	if (mfm_cli.verbose)
		verbose(&track);
	firing = nfiring > 0 || (!backtest && mfm_track_firing(&track) > 0);
	mfm_buf_release(&body);
	mfm_track_release(&track);
	mfm_rule_rec_release(&rec);
	mfm_rule_set_release(&rules);
	mfm_context_release(&context);
	return mfm_cli_finish(firing ? 1 : 0);
}
