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

/* The rules of the section, read by the table (mfm-config(5)). */
static int
cfg_rules(const struct mfm_cfg_node *n, void *dst, struct mfm_err *err)
{
	mfm_rule_set_release(dst);
	mfm_rule_set_init(dst);
	return mfm_rule_set_add_cfg(dst, n, err);
}

static void
rules_release(void *dst)
{
	mfm_rule_set_release(dst);
}

/* The settings, where the option table puts them. */
static struct {
	struct mfm_opt_strs exprs;	/* -e */
	struct mfm_rule_set rules;	/* the section's, then -e's */
	int severity, missing;
	unsigned for_n, keep_firing;
	double clear;
	uint64_t min_count, min_positives, min_labelled, min_per_class;
	int64_t maturity;
	struct mfm_opt_pairs match;
	int all, backtest;
	const char *state;
	size_t max_series;
	struct mfm_opt_strs context;
	size_t max_context;
} set = {
	.severity = MFM_RULE_WARNING,
	.for_n = 1,
	.max_series = 100000,
	.max_context = MFM_CONTEXT_MAX_DEFAULT
};

#define FOR_E_ONLY "it shapes the rules of -e; a rule of the file sets its " \
	"own (mfm-config(5))"

static const struct mfm_opt opts[] = {
	{ MFM_OPT_STRINGS, "rule", 'e', "EXPR", NULL,
	  "rule METRIC OP NUMBER, OP one of < <= > >= == !=; repeatable, "
	  "e.g. -e 'auc < 0.7'", MFM_OPT_AT(set.exprs),
	  .why = "rules in the file are mappings under 'rules'" },
	{ MFM_OPT_NODE, NULL, 0, NULL, "rules", NULL, MFM_OPT_AT(set.rules),
	  .parse_node = cfg_rules, .release = rules_release,
	  .why = "a list of rules, each a mapping (mfm-config(5)); -e gives "
	  "one rule as an expression" },
	{ MFM_OPT_HEADING, .help = "The next options apply to the rules of "
	  "-e:" },
	{ MFM_OPT_ENUM, "severity", 0, "LEVEL", NULL,
	  "info, warning or critical", MFM_OPT_AT(set.severity),
	  .show = "warning", .what = "severity", .names = mfm_rule_severities,
	  .why = FOR_E_ONLY },
	{ MFM_OPT_COUNT, "for", 0, "N", NULL,
	  "fire after N breaching windows in a row", MFM_OPT_AT(set.for_n),
	  .lo = 1, .hi = MFM_RULE_MAX_WINDOWS, .why = FOR_E_ONLY },
	{ MFM_OPT_COUNT, "keep-firing-for", 0, "N", NULL,
	  "resolve after N + 1 clear windows", MFM_OPT_AT(set.keep_firing),
	  .hi = MFM_RULE_MAX_WINDOWS, .why = FOR_E_ONLY },
	{ MFM_OPT_NUMBER, "clear", 0, "NUMBER", NULL,
	  "hysteresis: resolve only once past NUMBER", MFM_OPT_AT(set.clear),
	  .show = "", .why = FOR_E_ONLY },
	{ MFM_OPT_COUNT, "min-count", 0, "N", NULL,
	  "fewer than N records: insufficient data",
	  MFM_OPT_AT(set.min_count), .show = "", .why = FOR_E_ONLY },
	{ MFM_OPT_COUNT, "min-positives", 0, "N", NULL,
	  "fewer than N positives: insufficient data",
	  MFM_OPT_AT(set.min_positives), .show = "", .why = FOR_E_ONLY },
	{ MFM_OPT_COUNT, "min-labelled", 0, "N", NULL,
	  "fewer than N labelled records: insufficient data",
	  MFM_OPT_AT(set.min_labelled),
	  .show = "30, where the record has the count", .why = FOR_E_ONLY },
	{ MFM_OPT_COUNT, "min-per-class", 0, "N", NULL,
	  "auc, pr_auc: fewer than N of a class: insufficient data",
	  MFM_OPT_AT(set.min_per_class), .show = "10, likewise",
	  .why = FOR_E_ONLY },
	{ MFM_OPT_DURATION, "maturity", 0, "DURATION", NULL,
	  "judge provisional records too, once their as_of is DURATION past "
	  "the window's end", MFM_OPT_AT(set.maturity), .show = "",
	  .flags = MFM_OPT_ZERO, .why = FOR_E_ONLY },
	{ MFM_OPT_ENUM, "missing", 0, "POLICY", NULL,
	  "a null or absent metric: ignore, breaching, not_breaching",
	  MFM_OPT_AT(set.missing), .dflt = "ignore", .what = "policy",
	  .names = mfm_rule_missings, .why = FOR_E_ONLY },
	{ MFM_OPT_PAIRS, "match", 0, "KEY=VALUE", NULL,
	  "only groups whose KEY is VALUE; repeatable",
	  MFM_OPT_AT(set.match), .why = FOR_E_ONLY },
	{ MFM_OPT_HEADING, .help = "Output and state:" },
	{ MFM_OPT_FLAG, "all", 0, NULL, "all",
	  "emit every state, not only firing and resolved",
	  MFM_OPT_AT(set.all) },
	{ MFM_OPT_FILE, "state", 0, "FILE", "state",
	  "keep alert states in FILE between runs", MFM_OPT_AT(set.state) },
	MFM_CLI_OPT_RESUME,
	{ MFM_OPT_FLAG, "backtest", 0, NULL, "backtest",
	  "emit no events; count alerts, flaps and notifications per rule at "
	  "the end", MFM_OPT_AT(set.backtest) },
	{ MFM_OPT_COUNT, "max-series", 0, "N", "max_series",
	  "alert series (rules times groups) at most",
	  MFM_OPT_AT(set.max_series), .lo = 1 },
	{ MFM_OPT_HEADING, .help = "Context:" },
	{ MFM_OPT_FILES, "context", 0, "FILE", "context",
	  "join the context records of FILE (of mfm-drift, mfm-slice) to "
	  "firing events by window and group; repeatable",
	  MFM_OPT_AT(set.context) },
	{ MFM_OPT_COUNT, "max-context", 0, "N", "max_context",
	  "windows and groups of context at most",
	  MFM_OPT_AT(set.max_context), .lo = 1 },
	{ MFM_OPT_END }
};

static const struct mfm_cli_tool tool = {
	"mfm-threshold", "threshold", "[FILE ...]",
	"Emit alert events when metric records breach rules.\n"
	"Exit 0 if no alert is firing, 1 if one is, 2 on trouble.\n",
	opts
};

static struct mfm_context context;	/* the answers to "why" */
static uint64_t nrecords;	/* metric records tested */
static uint64_t nfiring;	/* firing events (or alerts in a backtest) */

struct run {
	struct mfm_track *t;
	struct mfm_rule_rec *rec;
};

/* One metric record, judged by every rule. */
static void
threshold_record(void *ctx, const struct mfm_reader *r,
    const struct mfm_json *j)
{
	struct run *run = ctx;
	struct mfm_track *t = run->t;
	struct mfm_rule_rec *rec = run->rec;
	struct mfm_err err;
	struct mfm_track_result res;
	const struct mfm_context_entry *ce;
	struct mfm_rule *rule;
	size_t i;

	switch (mfm_rule_rec_load(rec, j, &err)) {
	case -1:
		mfm_cli_bad(r, "%s", err.msg);
		return;
	case 0:
		return;
	}
	nrecords++;
	for (i = 0; i < t->rules->n; i++) {
		rule = &t->rules->rule[i];
		if (mfm_track_eval(t, i, rec, &res, &err) != 0) {
			mfm_cli_bad(r, "%s", err.msg);
			break;
		}
		if (res.status == MFM_TRACK_SKIP || set.backtest)
			continue;
		if (!set.all && res.status != MFM_TRACK_FIRING &&
		    res.status != MFM_TRACK_RESOLVED)
			continue;
		ce = NULL;
		if (res.status == MFM_TRACK_FIRING) {
			nfiring++;
			ce = mfm_context_find(&context, j, rec->window,
			    rec->canon.p, rec->canon.len);
		}
		mfm_track_event(&mfm_cli.out, rule, rec, &res, ce);
		mfm_cli_emit();
	}
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
	/* The library's message names the cap (--max-context). */
	if (mfm_context_add(&context, j, &err) != 0)
		mfm_cli_record_err(r, &err, NULL);
}

/* A record of a rule's baseline file. */
struct base {
	struct mfm_rule *rule;
	struct mfm_rule_rec *rec;
};

static void
base_record(void *ctx, const struct mfm_reader *r, const struct mfm_json *j)
{
	struct base *b = ctx;
	struct mfm_err err;

	switch (mfm_rule_rec_load(b->rec, j, &err)) {
	case -1:
		mfm_cli_bad(r, "%s", err.msg);
		break;
	case 1:
		mfm_rule_base_add(b->rule, b->rec);
		break;
	}
}

/* Read the reference records of every rule with a baseline file. */
static void
load_baselines(struct mfm_rule_set *rules, struct mfm_rule_rec *rec)
{
	struct base b;
	size_t i;

	b.rec = rec;
	for (i = 0; i < rules->n; i++) {
		if (rules->rule[i].base != MFM_RULE_BASE_FILE)
			continue;
		b.rule = &rules->rule[i];
		mfm_cli_read(rules->rule[i].base_file, base_record, &b);
	}
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
			mfm_fail("rule '%s': metric '%s' is in none of the "
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
		mfm_fail("no metric records: nothing to judge");
		return;
	}
	if (t->njudged > 0 || t->nundecided == 0)
		return;
	for (i = 0; i < t->rules->n; i++)
		insufficient += t->rules->rule[i].ninsufficient;
	mfm_fail("no window could be judged: %" PRIu64 " with too little "
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

/*
 * The rules of -e, after the section's, each with the conditions the
 * options give.
 */
static void
add_cli_rules(struct mfm_rule_set *rules)
{
	struct mfm_rule c;
	struct mfm_err err;
	size_t i, k;

	for (i = 0; i < set.exprs.n; i++) {
		mfm_err_clear(&err);
		if (mfm_rule_parse(&c, set.exprs.v[i], &err) != 0)
			mfm_usage_error("-e: %s", err.msg);
		c.severity = (enum mfm_rule_severity)set.severity;
		c.for_n = set.for_n;
		c.keep_firing = set.keep_firing;
		c.has_clear = mfm_cli_given("clear");
		c.clear = set.clear;
		c.min_count = (double)set.min_count;
		c.min_positives = (double)set.min_positives;
		c.has_min_labelled = mfm_cli_given("min-labelled");
		c.min_labelled = (double)set.min_labelled;
		c.has_min_per_class = mfm_cli_given("min-per-class");
		c.min_per_class = (double)set.min_per_class;
		c.has_maturity = mfm_cli_given("maturity");
		c.maturity = set.maturity;
		c.missing = (enum mfm_rule_missing)set.missing;
		for (k = 0; k < set.match.n; k++)
			mfm_rule_add_match(&c, set.match.v[k].name,
			    strlen(set.match.v[k].name), set.match.v[k].value);
		if (mfm_rule_check_conditions(&c, &err) != 0)
			mfm_usage_error("-e '%s': %s", c.name, err.msg);
		if (mfm_rule_set_take(rules, &c, &err) != 0)
			mfm_usage_error("-e: %s", err.msg);
	}
}

int
main(int argc, char **argv)
{
	struct mfm_rule_set *rules = &set.rules;
	struct mfm_rule_rec rec;
	struct mfm_track track;
	struct mfm_state st;
	struct mfm_buf body = MFM_BUF_INIT;
	struct mfm_err err;
	struct run run;
	size_t i, rest;
	int n, found, firing;

	mfm_state_init(&st);
	n = mfm_cli_parse(&tool, argc, argv);
	argc -= n;
	argv += n;
	if (set.backtest && set.state != NULL)
		mfm_cli_usage_at("backtest",
		    "--backtest replays history from a clean "
		    "state: it takes no --state");
	mfm_cli_need_state(set.state, 0);
	/* Command-line rules come after the configuration's. */
	add_cli_rules(rules);
	if (rules->n == 0)
		mfm_usage_error("no rules: give -e EXPR or a threshold "
		    "'rules' list in the configuration");
	mfm_cli_start();

	mfm_context_init(&context, set.max_context);
	mfm_cli_read_all(&set.context, context_record, NULL);
	mfm_rule_rec_init(&rec);
	mfm_track_init(&track, rules, set.max_series);
	load_baselines(rules, &rec);
	if (set.state != NULL) {
		if (mfm_state_open(&st, set.state, "mfm-threshold",
		    STATE_VERSION, &body, &found, &err) != 0)
			mfm_die("%s: %s", set.state, err.msg);
		mfm_cli_chain_begin(body.p, body.len, &rest);
		if (found && mfm_track_load(&track, body.p + rest,
		    body.len - rest, &err) != 0)
			mfm_die("%s: state line %zu: %s", set.state,
			    err.line + (rest > 0), err.msg);
		if (track.ndropped > 0 && mfm_cli.verbose)
			mfm_note("%s: %" PRIu64 " series of rules no longer "
			    "given were dropped", set.state, track.ndropped);
	}
	run.t = &track;
	run.rec = &rec;
	mfm_cli_loop(argc, argv, threshold_record, &run);
	if (set.backtest) {
		for (i = 0; i <= rules->n; i++) {
			nfiring = mfm_track_backtest(&track, i, &mfm_cli.out);
			mfm_cli_emit();
		}
	}
	if (set.state != NULL) {
		mfm_buf_clear(&body);
		mfm_cli_chain_end(&body);
		mfm_track_dump(&track, &body);
		if (mfm_state_save(&st, body.p ? body.p : "", body.len,
		    &err) != 0)
			mfm_die("%s: %s", set.state, err.msg);
		mfm_state_close(&st);
	}
	check_unseen(rules);
	check_judged(&track, set.state != NULL);
	if (mfm_cli.verbose)
		verbose(&track);
	firing = nfiring > 0 || (!set.backtest && mfm_track_firing(&track) > 0);
	mfm_buf_release(&body);
	mfm_track_release(&track);
	mfm_rule_rec_release(&rec);
	mfm_context_release(&context);
	return mfm_cli_finish(firing ? 1 : 0);
}
