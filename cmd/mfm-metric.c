/*
 * mfm-metric: model metrics per window and group.
 *
 * Reads joined, windowed records (the output of mfm-join and
 * mfm-window), takes each record's score (or prediction) and label, and
 * counts them per window and per group of --by fields, for a binary
 * classifier, a regressor or a multiclass classifier (--task).  A
 * window's metric records are written when a window_closed control
 * record says the window can no longer change, and every window still
 * open at end of input then, sorted by window start and group; so a file
 * and the same records through a slow pipe give the same records.  When
 * the input says more is to come (mfm-join's watermark records, not yet
 * complete, or a --state run), the open windows are written as
 * provisional instead, when they changed, and kept for the next run
 * (mfm(7) LATE LABELS).  Late records for a closed window whose state is
 * kept (--keep-closed) make it be written again with the revision number
 * of its next window_closed.  --partial writes the state instead of the
 * metrics and --merge reads such states back, so sharded runs merge into
 * exactly the single run's answer.  A record whose score or label is
 * unusable is a bad record: reported, counted, kept in --rejects, and
 * the run goes on.  Reading a record's values is lib/mread.c, the
 * windows' lifecycle lib/mwin.c; this file holds options, the record
 * loop and the output.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/field.h"
#include "lib/group.h"
#include "lib/metric.h"
#include "lib/mread.h"
#include "lib/mwin.h"
#include "lib/state.h"
#include "lib/tm.h"
#include "lib/banned.h"

static const struct mfm_opt_name tasks[] = {
	{ "binary", MFM_METRIC_BINARY },
	{ "regression", MFM_METRIC_REGRESSION },
	{ "multiclass", MFM_METRIC_MULTICLASS },
	{ NULL, 0 }
};

/* The settings, where the option table puts them. */
static struct {
	int task;			/* enum mfm_metric_task */
	struct mfm_json_path score, label, weight, delay, window;
	const char *metrics, *positive;
	double threshold, beta;
	struct mfm_opt_paths by;
	uint64_t min_labelled;
	int ci;
	unsigned bootstrap;
	int partial, merge;
	size_t keep_closed, max_groups, max_classes;
	const char *state;
	int drain;
} set = {
	.keep_closed = MFM_MWIN_KEEP_DEFAULT,
	.max_groups = MFM_GROUP_MAX_DEFAULT,
	.max_classes = 256
};

static const struct mfm_opt opts[] = {
	{ MFM_OPT_ENUM, "task", 0, "TASK", "task",
	  "binary, regression or multiclass", MFM_OPT_AT(set.task),
	  .dflt = "binary", .what = "task", .names = tasks },
	{ MFM_OPT_PATH, "score", 0, "PATH", "score",
	  "score or predicted class field", MFM_OPT_AT(set.score),
	  .dflt = "score" },
	{ MFM_OPT_PATH, "label", 0, "PATH", "label", "label field",
	  MFM_OPT_AT(set.label), .dflt = "label" },
	{ MFM_OPT_PATH, "weight", 0, "PATH", "weight", "sample weight field",
	  MFM_OPT_AT(set.weight), .show = "none: weight 1" },
	{ MFM_OPT_PATH, "delay", 0, "PATH", "delay",
	  "label delay field, seconds", MFM_OPT_AT(set.delay),
	  .dflt = "label_delay_s" },
	{ MFM_OPT_STRING, "metrics", 'm', "LIST", "metrics",
	  "comma-separated metric names, or all", MFM_OPT_AT(set.metrics),
	  .show = "auc,precision,recall,f1,accuracy,mse for binary" },
	{ MFM_OPT_NUMBER, "threshold", 0, "X", "threshold",
	  "predicted positive iff score >= X", MFM_OPT_AT(set.threshold),
	  .dflt = "0.5" },
	{ MFM_OPT_NUMBER, "beta", 0, "X", "beta", "the beta of fbeta",
	  MFM_OPT_AT(set.beta), .dflt = "1" },
	{ MFM_OPT_STRING, "positive", 0, "VALUE", "positive",
	  "the label value that means positive", MFM_OPT_AT(set.positive) },
	MFM_CLI_OPTS_GROUPING(set.by, set.window),
	{ MFM_OPT_COUNT, "min-labelled", 0, "N", "min_labelled",
	  "fewer labelled records: metrics null",
	  MFM_OPT_AT(set.min_labelled), .show = "0: no minimum" },
	{ MFM_OPT_COUNT, "min-support", 0, NULL, "min_support", NULL,
	  .alias = "min-labelled" },
	{ MFM_OPT_FLAG, "ci", 0, NULL, "ci",
	  "95% intervals (Wilson, DeLong for auc)", MFM_OPT_AT(set.ci) },
	{ MFM_OPT_COUNT, "bootstrap", 0, "N", "bootstrap",
	  "binary: 95% intervals from N resamples",
	  MFM_OPT_AT(set.bootstrap), .lo = 1, .hi = 100000, .show = "" },
	{ MFM_OPT_FLAG, "partial", 0, NULL, "partial",
	  "write mergeable state, not metrics", MFM_OPT_AT(set.partial) },
	{ MFM_OPT_FLAG, "merge", 0, NULL, "merge",
	  "read --partial state records and merge them",
	  MFM_OPT_AT(set.merge) },
	{ MFM_OPT_COUNT, "keep-closed", 0, "N", "keep_closed",
	  "closed windows kept for revisions", MFM_OPT_AT(set.keep_closed),
	  .show = "16; 2 with mfm-join's watermark records",
	  .hi = MFM_MWIN_KEEP_MAX },
	MFM_CLI_OPT_MAX_GROUPS(set.max_groups),
	{ MFM_OPT_COUNT, "max-classes", 0, "N", "max_classes",
	  "multiclass: classes at most", MFM_OPT_AT(set.max_classes),
	  .lo = 1, .hi = MFM_CLI_COUNT_MAX },
	{ MFM_OPT_FILE, "state", 0, "FILE", "state",
	  "keep windows not yet final in FILE between runs",
	  MFM_OPT_AT(set.state) },
	MFM_CLI_OPT_RESUME,
	{ MFM_OPT_FLAG, "drain", 0, NULL, "drain",
	  "with --state: write every window as final", MFM_OPT_AT(set.drain) },
	{ MFM_OPT_END }
};

static const struct mfm_cli_tool tool = {
	"mfm-metric", "metric", "[FILE ...]",
	"Compute model metrics per window and group.\n",
	opts
};

/*
 * The fields every record is read for, by number in the field set: "_mfm"
 * and then the fields of lib/mread.h in its order.
 */
enum {
	F_MFM,
	F_SCORE = 1 + MFM_MREAD_SCORE,
	F_LABEL = 1 + MFM_MREAD_LABEL,
	F_DELAY = 1 + MFM_MREAD_DELAY,
	F_WINDOW = 1 + MFM_MREAD_WINDOW,
	F_WEIGHT = 1 + MFM_MREAD_WEIGHT,
	F_BY = 1 + MFM_MREAD_BY
};

struct run {
	struct mfm_json_path mfm;	/* "_mfm" */
	int has_weight;
	struct mfm_field_set fields;
	int *tok;		/* the fields' tokens in the current record */
	struct mfm_hits *hits;	/* whether the paths match (mfm_cli_hits) */
	struct mfm_metric_labels labels;
	struct mfm_metric_conf conf;
	struct mfm_mread rd;	/* the records' values */
	int metrics[MFM_METRIC_COUNT];
	size_t nmetrics;
	struct mfm_mwin mw;	/* the windows and their cells */
	struct mfm_buf scratch;
};

static const char *const default_metrics[] = {
	"auc,precision,recall,f1,accuracy,mse",
	"mse,rmse,mae,r2",
	"accuracy,precision_macro,recall_macro,f1_macro"
};

static void
metrics_arg(struct run *run, const char *list)
{
	const char *p = list, *e;
	int m, k, seen[MFM_METRIC_COUNT] = { 0 };

	run->nmetrics = 0;
	if (strcmp(list, "all") == 0) {
		for (m = 0; m < MFM_METRIC_COUNT; m++)
			if (mfm_metric_applies(run->conf.task, m))
				run->metrics[run->nmetrics++] = m;
		return;
	}
	for (;;) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		m = mfm_metric_lookup(p, (size_t)(e - p));
		k = (int)(e - p);
		if (m < 0)
			mfm_cli_opt_die("metrics", "unknown metric '%.*s'",
			    k, p);
		if (!mfm_metric_applies(run->conf.task, m))
			mfm_cli_opt_die("metrics", "'%.*s' is not a %s metric",
			    k, p, mfm_metric_task_name(run->conf.task));
		if (seen[m]++)
			mfm_cli_opt_die("metrics", "'%.*s' named twice", k, p);
		run->metrics[run->nmetrics++] = m;
		if (*e == '\0')
			break;
		p = e + 1;
	}
}

/* Append "name": (after a comma unless first); names need no escapes. */
static void
put_key(struct mfm_buf *b, const char *name, int comma)
{
	if (comma)
		mfm_buf_addc(b, ',');
	mfm_buf_addc(b, '"');
	mfm_buf_adds(b, name);
	mfm_buf_add(b, "\":", 2);
}

/* ,"provisional":true,"as_of":"..." for a window not yet final. */
static void
put_provisional(const struct mfm_upstream *up, struct mfm_buf *b)
{
	char t[MFM_TM_RFC3339_LEN + 1];
	size_t n;

	mfm_buf_adds(b, ",\"provisional\":true");
	if (up->has_now && (n = mfm_tm_format_rfc3339(up->now, t)) > 0) {
		mfm_buf_adds(b, ",\"as_of\":\"");
		mfm_buf_add(b, t, n);
		mfm_buf_addc(b, '"');
	}
}

/*
 * Write the metric (or state) record of entry i: final, or provisional
 * (the window may still change).
 */
static void
emit(void *ctx, const struct mfm_mwin *mw, size_t i, int64_t revision,
    int provisional)
{
	struct run *run = ctx;
	struct mfm_buf *b = &mfm_cli.out;
	struct mfm_metric_result res;
	const struct mfm_mwin_cell *c = mfm_group_val(&mw->groups, i);
	const struct mfm_metric_value *v;
	const char *s;
	size_t n, k;
	int m, nundef, nci;

	mfm_buf_adds(b, "{\"window\":");
	s = mfm_group_window(&mw->groups, i, &n);
	mfm_buf_add(b, s, n);
	if (revision > 0) {
		mfm_buf_adds(b, ",\"revision\":");
		mfm_json_put_int64(b, revision);
	}
	mfm_buf_adds(b, ",\"group\":");
	s = mfm_group_text(&mw->groups, i, &n);
	mfm_buf_add(b, s, n);
	if (provisional)
		put_provisional(&mw->up, b);
	if (set.partial) {
		mfm_buf_adds(b, ",\"state\":");
		mfm_metric_acc_write_state(&c->acc, b, &run->scratch);
		mfm_buf_addc(b, '}');
		mfm_cli_emit();
		return;
	}
	mfm_metric_acc_compute(&c->acc, &res, &run->scratch);
	mfm_buf_adds(b, ",\"n\":");
	mfm_json_put_int64(b, (int64_t)c->acc.n);
	mfm_buf_adds(b, ",\"labelled\":");
	mfm_json_put_int64(b, (int64_t)c->acc.labelled);
	if (run->conf.task == MFM_METRIC_BINARY) {
		/* What minimum support needs: records of each class. */
		mfm_buf_adds(b, ",\"positives\":");
		mfm_json_put_int64(b, (int64_t)c->acc.npos);
		mfm_buf_adds(b, ",\"negatives\":");
		mfm_json_put_int64(b, (int64_t)(c->acc.labelled -
		    c->acc.npos));
	}
	mfm_buf_adds(b, ",\"labels\":{\"coverage\":");
	mfm_json_put_double(b, res.m[MFM_METRIC_LABEL_COVERAGE].v);
	mfm_buf_adds(b, ",\"delay_p50\":");
	mfm_json_put_double(b, res.m[MFM_METRIC_LABEL_DELAY_P50].v);
	mfm_buf_adds(b, ",\"delay_p95\":");
	mfm_json_put_double(b, res.m[MFM_METRIC_LABEL_DELAY_P95].v);
	mfm_buf_adds(b, ",\"delay_max\":");
	mfm_json_put_double(b, res.m[MFM_METRIC_LABEL_DELAY_MAX].v);
	mfm_buf_adds(b, "},\"metrics\":{");
	for (nundef = 0, nci = 0, k = 0; k < run->nmetrics; k++) {
		v = &res.m[run->metrics[k]];
		put_key(b, mfm_metric_name(run->metrics[k]), k > 0);
		mfm_json_put_double(b, v->v);
		nundef += v->undefined != NULL;
		nci += !isnan(v->lo) && v->undefined == NULL;
	}
	mfm_buf_addc(b, '}');
	if (nundef > 0) {
		mfm_buf_adds(b, ",\"undefined\":{");
		for (nundef = 0, k = 0; k < run->nmetrics; k++) {
			m = run->metrics[k];
			if (res.m[m].undefined == NULL)
				continue;
			put_key(b, mfm_metric_name(m), nundef++ > 0);
			mfm_json_put_str(b, res.m[m].undefined,
			    strlen(res.m[m].undefined));
		}
		mfm_buf_addc(b, '}');
	}
	if (nci > 0) {
		mfm_buf_adds(b, ",\"ci\":{");
		for (nci = 0, k = 0; k < run->nmetrics; k++) {
			v = &res.m[run->metrics[k]];
			if (isnan(v->lo) || v->undefined != NULL)
				continue;
			put_key(b, mfm_metric_name(run->metrics[k]), nci++ > 0);
			mfm_buf_addc(b, '[');
			mfm_json_put_double(b, v->lo);
			mfm_buf_addc(b, ',');
			mfm_json_put_double(b, v->hi);
			mfm_buf_addc(b, ']');
		}
		mfm_buf_addc(b, '}');
	}
	mfm_buf_addc(b, '}');
	mfm_cli_emit();
}

/*
 * A control record: a window_closed writes its window, mfm-join's
 * watermark says how complete the input is; any other is ignored.
 */
static void
control(struct run *run, const struct mfm_reader *r, const struct mfm_json *j)
{
	struct mfm_err err;

	if (mfm_mwin_control(&run->mw, j, &err) != 0)
		mfm_cli_bad(r, "%s", err.msg);
}

/* The option of the cap an MFM_ERR_LIMIT error reached. */
static const char *
cap_opt(const struct mfm_err *err)
{
	return err->cap == MFM_CAP_CLASSES ? "--max-classes" : "--max-groups";
}

/*
 * A record's error from the windows or the counts: a cap is the windows
 * and groups' or an accumulator's classes; anything else a bad record.
 */
static void
record_err(const struct mfm_reader *r, const struct mfm_err *err)
{
	mfm_cli_record_err(r, err, cap_opt(err));
}

/* Read the record's values and count them in its window and group. */
static void
count(struct run *run, const struct mfm_reader *r, const struct mfm_json *j)
{
	struct mfm_err err;

	if (mfm_mread_count(&run->rd, j, run->tok + F_SCORE, &err) != 0)
		record_err(r, &err);
}

/* A --partial state record: merged into its window and group. */
static void
merge_state(struct run *run, const struct mfm_reader *r,
    const struct mfm_json *j)
{
	struct mfm_err err;

	if (mfm_mwin_merge(&run->mw, j, &err) != 0)
		record_err(r, &err);
}

static void
metric_record(void *ctx, const struct mfm_reader *r, const struct mfm_json *j)
{
	struct run *run = ctx;

	if (set.merge) {
		if (mfm_json_member(j, 0, "_mfm", 4) >= 0)
			control(run, r, j);
		else
			merge_state(run, r, j);
		return;
	}
	mfm_field_set_get(&run->fields, j, run->tok);
	if (run->tok[F_MFM] >= 0) {
		control(run, r, j);
		return;
	}
	mfm_hits_count(run->hits, j, run->tok);
	count(run, r, j);
}

/*
 * The paths whose matching is checked: the score and the label always,
 * the others when given (a record without a window is in the run's one
 * window, and without a delay has none).
 */
static void
hits_init(struct run *run, int delay_given, int window_given)
{
	size_t i;

	run->hits = mfm_hits_new("records");
	mfm_hits_add(run->hits, "--score", &set.score, 0, F_SCORE);
	mfm_hits_add(run->hits, "--label", &set.label, 0, F_LABEL);
	if (delay_given)
		mfm_hits_add(run->hits, "--delay", &set.delay, 0, F_DELAY);
	if (window_given)
		mfm_hits_add(run->hits, "--window", &set.window, 0, F_WINDOW);
	if (run->has_weight)
		mfm_hits_add(run->hits, "--weight", &set.weight, 0, F_WEIGHT);
	for (i = 0; i < set.by.n; i++)
		mfm_hits_add(run->hits, "--by", &set.by.v[i], 0, F_BY + i);
	mfm_cli_hits(run->hits);
}

#define STATE_VERSION 1

/* The field set in F_ order; without --weight F_WEIGHT finds "_mfm". */
static void
fields_init(struct run *run)
{
	struct mfm_err err;
	size_t i;

	if (mfm_json_path_parse(&run->mfm, "_mfm", &err) != 0)
		mfm_die_err(&err);
	mfm_field_set_init(&run->fields);
	mfm_field_set_add(&run->fields, &run->mfm);
	mfm_field_set_add(&run->fields, &set.score);
	mfm_field_set_add(&run->fields, &set.label);
	mfm_field_set_add(&run->fields, &set.delay);
	mfm_field_set_add(&run->fields, &set.window);
	mfm_field_set_add(&run->fields, run->has_weight ? &set.weight :
	    &run->mfm);
	for (i = 0; i < set.by.n; i++)
		mfm_field_set_add(&run->fields, &set.by.v[i]);
	run->tok = mfm_xreallocarray(NULL, run->fields.n,
	    sizeof(*run->tok));
}

/* The settings of every accumulator, and the metrics written. */
static void
conf_init(struct run *run)
{
	struct mfm_metric_conf *c = &run->conf;

	mfm_metric_conf_init(c);
	c->task = (enum mfm_metric_task)set.task;
	c->threshold = set.threshold;
	if (!(set.beta > 0))
		mfm_cli_opt_die("beta", "must be a positive number");
	c->beta = set.beta;
	c->min_support = set.min_labelled;
	c->bootstrap = set.bootstrap;
	c->ci = set.ci || set.bootstrap > 0;
	c->max_classes = set.max_classes;
	if (set.bootstrap > 0 && c->task != MFM_METRIC_BINARY)
		mfm_cli_opt_die("bootstrap", "only for --task binary");
	metrics_arg(run, set.metrics != NULL ? set.metrics :
	    default_metrics[c->task]);
	if (set.positive != NULL && *set.positive == '\0')
		mfm_cli_opt_die("positive", "empty value");
	if (set.positive != NULL && c->task != MFM_METRIC_BINARY)
		mfm_cli_opt_die("positive", "only for --task binary");
	mfm_metric_labels_init(&run->labels, set.positive);
}

/* Lock and read the state: chain line, then the windows' body. */
static void
state_open(struct run *run, struct mfm_state *st, struct mfm_buf *body)
{
	struct mfm_err err;
	size_t rest;
	int found;

	if (mfm_state_open(st, set.state, "mfm-metric", STATE_VERSION, body,
	    &found, &err) != 0)
		mfm_die("%s: %s", set.state, err.msg);
	mfm_cli_chain_begin(body->p, body->len, &rest);
	if (!found || mfm_mwin_load(&run->mw, body->p + rest,
	    body->len - rest, &err) == 0)
		return;
	if (err.kind == MFM_ERR_LIMIT)
		mfm_die("%s: %s (%s)", set.state, err.msg, cap_opt(&err));
	mfm_die("%s: %s", set.state, err.msg);
}

static void
state_save(struct run *run, struct mfm_state *st, struct mfm_buf *body)
{
	struct mfm_err err;

	mfm_buf_clear(body);
	mfm_cli_chain_end(body);
	mfm_mwin_dump(&run->mw, body);
	if (mfm_state_save(st, body->p, body->len, &err) != 0)
		mfm_die("%s: %s", set.state, err.msg);
	mfm_state_close(st);
}

int
main(int argc, char **argv)
{
	struct mfm_buf body = MFM_BUF_INIT;
	struct mfm_state st;
	struct run run;
	int n;

	memset(&run, 0, sizeof(run));
	mfm_state_init(&st);
	n = mfm_cli_parse(&tool, argc, argv);
	argc -= n;
	argv += n;
	mfm_cli_need_state(set.state, set.drain);
	if (set.state != NULL && (set.partial || set.merge))
		mfm_cli_usage_at("state",
		    "--state keeps windows between runs of a plain "
		    "run: not with --partial or --merge");
	conf_init(&run);
	run.has_weight = mfm_cli_given("weight");
	mfm_mwin_init(&run.mw, &run.conf, set.max_groups, set.keep_closed,
	    !mfm_cli_given("keep-closed"), emit, &run);
	mfm_group_by(&run.mw.groups, set.by.v, set.by.n);
	mfm_mread_init(&run.rd, &run.mw, &set.window, &run.labels,
	    set.score.text, set.label.text,
	    run.has_weight ? set.weight.text : NULL, set.delay.text);
	fields_init(&run);
	if (!set.merge)
		hits_init(&run, mfm_cli_given("delay"), mfm_cli_given("window"));
	mfm_cli_start();

	if (set.state != NULL)
		state_open(&run, &st, &body);
	mfm_cli_loop(argc, argv, metric_record, &run);
	mfm_mwin_finish(&run.mw, mfm_mwin_complete(&run.mw, set.drain,
	    set.state != NULL));
	if (set.state != NULL)
		state_save(&run, &st, &body);
	mfm_buf_release(&body);
	if (mfm_cli.verbose)
		fprintf(stderr, "mfm-metric: %" PRIu64 " records, %" PRIu64
		    " labelled, %zu windows x groups, %" PRIu64 " bad\n",
		    mfm_cli.nread, run.rd.nlabelled, run.mw.groups.n, mfm_cli.nbad);

	mfm_mwin_release(&run.mw);
	mfm_buf_release(&run.scratch);
	mfm_mread_release(&run.rd);
	mfm_json_path_release(&run.mfm);
	mfm_field_set_release(&run.fields);
	free(run.tok);
	return mfm_cli_finish(0);
}
