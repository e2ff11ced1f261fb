/*
 * mfm-slice: which slices of traffic a metric change comes from.
 *
 * Reads joined, windowed records (score, label and features), keeps
 * them per window and group, and at end of input compares each window
 * with its reference (--reference-range, --reference FILE or
 * --previous): the metric per slice (a category, a quantile bin of a
 * numeric feature, or with --pairs a pair of them), each slice's
 * contribution to the overall change split into mix shift and
 * within-slice change, and a test per slice with Benjamini-Hochberg
 * control.  Writes the slices ranked by contribution, worst first, or
 * with --context one compact record per window and group.
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/group.h"
#include "lib/refrun.h"
#include "lib/slice.h"
#include "lib/banned.h"

static const char usage[] =
"usage: mfm-slice [-huVv] [-c FILE] [--score PATH] [--label PATH]\n"
"                 [--positive VALUE] [--threshold X] [--metric NAME]\n"
"                 [--features PATHS] [--pairs] [--bins N] [--by PATHS]\n"
"                 [--window PATH] [--reference FILE |\n"
"                 --reference-range START/END | --previous]\n"
"                 [--min-support N] [--fdr Q] [--top N] [--context]\n"
"                 [--max-records N] [--max-slices N] [--max-groups N]\n"
"                 [--rejects FILE] [--max-line SIZE] [FILE ...]\n"
"\n"
"Rank slices of traffic by their contribution to a metric's change\n"
"against a reference, at end of input.\n"
"\n"
"      --score PATH        score field, a number (score)\n"
"      --label PATH        label field: 0/1 or false/true (label)\n"
"      --positive VALUE    the label value that means positive\n"
"      --threshold X       predicted positive iff score >= X (0.5)\n"
"      --metric NAME       accuracy or auc (accuracy)\n"
"      --features PATHS    comma-separated slice features; PATH.* is every\n"
"                          member of the object PATH (inputs.*)\n"
"      --pairs             slices of pairs of features too\n"
"      --bins N            quantile bins of numeric features (10)\n"
"      --by PATHS          comma-separated group fields (none)\n"
"      --window PATH       window object field (window)\n"
"      --reference FILE    reference records (repeatable)\n"
"      --reference-range START/END\n"
"                          windows starting in [START, END) are the reference\n"
"      --previous          each window against the group's previous window\n"
"      --min-support N     labelled records a side to test a slice (30)\n"
"      --fdr Q             Benjamini-Hochberg false discovery rate (0.05)\n"
"      --top N             slices written per window and group (10)\n"
"      --context           one record per window and group: worst slices\n"
"      --max-records N     records kept in all windows (10000000)\n"
"      --max-slices N      slices of one comparison (100000)\n"
"      --max-groups N      windows x groups open at most (100000)\n"
MFM_CLI_HELP;

enum {
	OPT_SCORE = MFM_OPT_TOOL,
	OPT_LABEL,
	OPT_POSITIVE,
	OPT_THRESHOLD,
	OPT_METRIC,
	OPT_FEATURES,
	OPT_PAIRS,
	OPT_BINS,
	OPT_BY,
	OPT_WINDOW,
	OPT_MIN_SUPPORT,
	OPT_FDR,
	OPT_TOP,
	OPT_CONTEXT,
	OPT_MAX_RECORDS,
	OPT_MAX_SLICES,
	OPT_MAX_GROUPS
};

static const struct option longopts[] = {
	{ "score", required_argument, NULL, OPT_SCORE },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "positive", required_argument, NULL, OPT_POSITIVE },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "metric", required_argument, NULL, OPT_METRIC },
	{ "features", required_argument, NULL, OPT_FEATURES },
	{ "pairs", no_argument, NULL, OPT_PAIRS },
	{ "bins", required_argument, NULL, OPT_BINS },
	{ "by", required_argument, NULL, OPT_BY },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "reference", required_argument, NULL, MFM_OPT_REFERENCE },
	{ "reference-range", required_argument, NULL,
	    MFM_OPT_REFERENCE_RANGE },
	{ "previous", no_argument, NULL, MFM_OPT_PREVIOUS },
	{ "min-support", required_argument, NULL, OPT_MIN_SUPPORT },
	{ "fdr", required_argument, NULL, OPT_FDR },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "context", no_argument, NULL, OPT_CONTEXT },
	{ "max-records", required_argument, NULL, OPT_MAX_RECORDS },
	{ "max-slices", required_argument, NULL, OPT_MAX_SLICES },
	{ "max-groups", required_argument, NULL, OPT_MAX_GROUPS },
	MFM_CLI_LONG,
	{ NULL, 0, NULL, 0 }
};

static const char *const config_keys[] = {
	"score", "label", "positive", "threshold", "metric", "features",
	"by", "window", "bins", "min_support", "fdr", "top", NULL
};

struct run {
	struct mfm_slice s;
	struct mfm_json_path window, score, label;
	struct mfm_json_path *by, *feat;
	size_t nby, nfeat;
	int *wild;
	struct mfm_metric_labels labels;
	struct mfm_refrun rr;		/* window x group -> rows */
	int context;
	double fdr;
	size_t top;
	struct mfm_hits *hits;		/* whether the paths match */
};

/* Where records go, and whether a bad one is fatal (a reference). */
struct sink {
	struct run *run;
	struct mfm_group *g;
	int fatal;
};

/* Read a record into g; a bad one is reported, or fatal when fatal. */
static void
slice_record(void *ctx, const struct mfm_reader *r, const struct mfm_json *j)
{
	struct sink *k = ctx;
	struct run *run = k->run;
	struct mfm_slice_rows *rows;
	struct mfm_err err;
	int created;

	if (mfm_json_member(j, 0, "_mfm", 4) >= 0)
		return;
	if (!k->fatal)
		mfm_hits_count(run->hits, j, NULL);
	rows = mfm_group_get(k->g, j, &run->window, run->by, run->nby,
	    &created, &err);
	if (rows != NULL && mfm_slice_add(&run->s, rows, j, &err) == 0)
		return;
	if (err.kind == MFM_ERR_LIMIT)
		mfm_die("%s: %s", r->name, err.msg);
	if (k->fatal)
		mfm_die("%s:%zu: %s", r->name, r->lineno, err.msg);
	mfm_cli_bad(r, "%s", err.msg);
}

/*
 * The paths whose matching is checked, in the input (not the reference):
 * score, label, features and groups; the window when given (without one
 * a record is in the run's one window).
 */
static void
hits_init(struct run *run, int window_given)
{
	size_t i;

	run->hits = mfm_hits_new("records");
	mfm_hits_add(run->hits, "--score", &run->score, 0, MFM_HITS_OWN);
	mfm_hits_add(run->hits, "--label", &run->label, 0, MFM_HITS_OWN);
	for (i = 0; i < run->nfeat; i++)
		mfm_hits_add(run->hits, "--features", &run->feat[i],
		    run->wild[i] ? MFM_HITS_WILD : 0, MFM_HITS_OWN);
	mfm_cli_hits_groups(run->hits, run->by, run->nby,
	    window_given ? &run->window : NULL);
}

static void
read_file(const char *path, struct run *run, struct mfm_group *g,
    int fatal)
{
	struct sink k = { run, g, fatal };

	mfm_cli_read(path, slice_record, &k);
	if (fatal && mfm_cli.nbad > 0)
		mfm_die("%s: bad reference records", path);
}

static void
read_reference(const char *path, struct run *run)
{
	struct mfm_group g;
	struct mfm_err err;

	mfm_group_init(&g, sizeof(struct mfm_slice_rows), 0);
	read_file(path, run, &g, 1);
	if (mfm_refrun_take(&run->rr, &g, &err) != 0)
		mfm_die("%s: %s", path, err.msg);
	mfm_group_release(&g);
}

static void
put_num(struct mfm_buf *b, const char *name, double v)
{
	mfm_buf_addc(b, '"');
	mfm_buf_adds(b, name);
	mfm_buf_add(b, "\":", 2);
	mfm_json_put_double(b, v);
}

static void
emit_slice(struct run *run, struct mfm_group *g, size_t i,
    const struct mfm_slice_report *rep, const struct mfm_slice_result *r,
    size_t rank)
{
	struct mfm_buf *b = &mfm_cli.out;
	const char *m = run->s.metric == MFM_SLICE_AUC ? "auc" : "accuracy";

	mfm_group_put_head(b, g, i);
	mfm_buf_adds(b, ",\"slice\":");
	mfm_buf_add(b, r->key.p, r->key.len);
	mfm_buf_adds(b, ",\"rank\":");
	mfm_json_put_int64(b, (int64_t)rank);
	mfm_buf_addc(b, ',');
	put_num(b, "n", r->n1);
	mfm_buf_addc(b, ',');
	put_num(b, "labelled", r->n1);
	mfm_buf_adds(b, ",\"reference\":{");
	put_num(b, "labelled", r->n0);
	mfm_buf_addc(b, ',');
	put_num(b, m, r->m0);
	mfm_buf_addc(b, ',');
	put_num(b, "weight", r->w0);
	mfm_buf_adds(b, "},\"metrics\":{");
	put_num(b, m, r->m1);
	mfm_buf_addc(b, ',');
	put_num(b, "weight", r->w1);
	mfm_buf_addc(b, ',');
	put_num(b, "contribution", r->contribution);
	mfm_buf_addc(b, ',');
	put_num(b, "mix", r->mix);
	mfm_buf_addc(b, ',');
	put_num(b, "within", r->within);
	mfm_buf_addc(b, ',');
	put_num(b, "p", r->p);
	mfm_buf_addc(b, ',');
	put_num(b, "q", r->q);
	mfm_buf_adds(b, "},\"significant\":");
	mfm_buf_adds(b, !isnan(r->q) && r->q <= run->fdr ? "true" : "false");
	mfm_buf_adds(b, ",\"overall\":{");
	put_num(b, "reference", rep->m0);
	mfm_buf_addc(b, ',');
	put_num(b, "window", rep->m1);
	mfm_buf_addc(b, ',');
	put_num(b, "change", rep->change);
	mfm_buf_addc(b, ',');
	put_num(b, "mix", r->fmix);
	mfm_buf_addc(b, ',');
	put_num(b, "within", r->fwithin);
	if (run->s.metric == MFM_SLICE_AUC) {
		mfm_buf_addc(b, ',');
		put_num(b, "residual", r->fresidual);
	}
	mfm_buf_adds(b, "}}");
	mfm_cli_emit();
}

static void
emit_context(struct run *run, struct mfm_group *g, size_t i,
    const struct mfm_slice_report *rep)
{
	struct mfm_buf *b = &mfm_cli.out;
	const char *m = run->s.metric == MFM_SLICE_AUC ? "auc" : "accuracy";
	size_t k, n = rep->nres < run->top ? rep->nres : run->top;

	mfm_group_put_head(b, g, i);
	mfm_buf_adds(b, ",\"context\":{\"metric\":\"");
	mfm_buf_adds(b, m);
	mfm_buf_adds(b, "\",");
	put_num(b, "reference", rep->m0);
	mfm_buf_addc(b, ',');
	put_num(b, "window", rep->m1);
	mfm_buf_adds(b, ",\"worst_slices\":[");
	for (k = 0; k < n; k++) {
		const struct mfm_slice_result *r = &rep->res[k];

		mfm_buf_adds(b, k ? ",{\"slice\":" : "{\"slice\":");
		mfm_buf_add(b, r->key.p, r->key.len);
		mfm_buf_addc(b, ',');
		put_num(b, "contribution", r->contribution);
		mfm_buf_addc(b, ',');
		put_num(b, "mix", r->mix);
		mfm_buf_addc(b, ',');
		put_num(b, "within", r->within);
		mfm_buf_addc(b, ',');
		put_num(b, "weight", r->w1);
		mfm_buf_addc(b, ',');
		put_num(b, "reference_weight", r->w0);
		mfm_buf_addc(b, ',');
		put_num(b, m, r->m1);
		mfm_buf_addc(b, ',');
		put_num(b, "reference_metric", r->m0);
		mfm_buf_addc(b, ',');
		put_num(b, "q", r->q);
		mfm_buf_addc(b, '}');
	}
	mfm_buf_adds(b, "]}}");
	mfm_cli_emit();
}

static void
emit_window(void *ctx, struct mfm_group *g, size_t i, void *ref)
{
	struct run *run = ctx;
	struct mfm_slice_report rep;
	struct mfm_err err;
	size_t k;

	if (mfm_slice_compare(&run->s, ref, mfm_group_val(g, i), &rep,
	    &err) != 0)
		mfm_die("%s (--max-slices)", err.msg);
	if (run->context)
		emit_context(run, g, i, &rep);
	else
		for (k = 0; k < rep.nres && k < run->top; k++)
			emit_slice(run, g, i, &rep, &rep.res[k], k + 1);
	mfm_slice_report_release(&rep);
}

static int
merge_rows(void *ctx, void *dst, void *src, struct mfm_err *err)
{
	struct run *run = ctx;

	return mfm_slice_rows_merge(&run->s, dst, src, err);
}

static void
release_rows(void *ctx, void *val)
{
	(void)ctx;
	mfm_slice_rows_release(val);
}

static const struct mfm_refrun_ops refrun_ops = {
	merge_rows, release_rows, emit_window, mfm_cli_missing_reference
};

int
main(int argc, char **argv)
{
	const struct mfm_cfg_node *sec;
	const char *score_s = NULL, *label_s = NULL, *window_s = NULL;
	const char *by_s = NULL, *feat_s = NULL, *positive = NULL;
	const char *metric_s = NULL;
	size_t max_groups = MFM_GROUP_MAX_DEFAULT, i;
	int threshold_set = 0, bins_set = 0, min_set = 0, fdr_set = 0;
	int top_set = 0, ch, window_given;
	struct mfm_cli_reference ref;
	struct mfm_err err;
	struct run run;

	memset(&run, 0, sizeof(run));
	memset(&ref, 0, sizeof(ref));
	mfm_cli_init("mfm-slice", usage);
	mfm_slice_init(&run.s);
	run.fdr = MFM_SLICE_FDR;
	run.top = 10;
	while ((ch = getopt_long(argc, argv, MFM_CLI_SHORT, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case OPT_SCORE:
			score_s = optarg;
			break;
		case OPT_LABEL:
			label_s = optarg;
			break;
		case OPT_POSITIVE:
			positive = optarg;
			break;
		case OPT_THRESHOLD:
			run.s.threshold = mfm_cli_double("--threshold", optarg);
			threshold_set = 1;
			break;
		case OPT_METRIC:
			metric_s = optarg;
			break;
		case OPT_FEATURES:
			feat_s = optarg;
			break;
		case OPT_PAIRS:
			run.s.pairs = 1;
			break;
		case OPT_BINS:
			run.s.bins = mfm_cli_count("--bins", optarg, 1,
			    MFM_CLI_COUNT_MAX);
			if (run.s.bins < 2)
				mfm_usage_error("--bins: need at least 2");
			bins_set = 1;
			break;
		case OPT_BY:
			by_s = optarg;
			break;
		case OPT_WINDOW:
			window_s = optarg;
			break;
		case OPT_MIN_SUPPORT:
			run.s.min_support =
			    (double)mfm_cli_count("--min-support", optarg, 1,
			    MFM_CLI_COUNT_MAX);
			min_set = 1;
			break;
		case OPT_FDR:
			run.fdr = mfm_cli_double("--fdr", optarg);
			if (!(run.fdr > 0 && run.fdr < 1))
				mfm_usage_error("--fdr: invalid rate '%s'",
				    optarg);
			fdr_set = 1;
			break;
		case OPT_TOP:
			run.top = mfm_cli_count("--top", optarg, 1,
			    MFM_CLI_COUNT_MAX);
			top_set = 1;
			break;
		case OPT_CONTEXT:
			run.context = 1;
			break;
		case OPT_MAX_RECORDS:
			run.s.max_rows = mfm_cli_count("--max-records", optarg,
			    1, MFM_CLI_COUNT_MAX);
			break;
		case OPT_MAX_SLICES:
			run.s.max_slices = mfm_cli_count("--max-slices", optarg,
			    1, MFM_CLI_COUNT_MAX);
			break;
		case OPT_MAX_GROUPS:
			max_groups = mfm_cli_count("--max-groups", optarg, 1,
			    MFM_CLI_COUNT_MAX);
			break;
		default:
			if (!mfm_cli_reference_option(&ref, ch, optarg))
				mfm_cli_option(ch, optarg);
		}
	}
	argc -= optind;
	argv += optind;
	mfm_cli_reference_modes(&ref);

	/* Command-line options win over the configuration file. */
	sec = mfm_cli_config("slice", config_keys);
	if (score_s == NULL)
		score_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "score"), "score");
	if (label_s == NULL)
		label_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "label"), "label");
	window_given = window_s != NULL || mfm_cfg_get(sec, "window") != NULL;
	if (window_s == NULL)
		window_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "window"),
		    "window");
	if (positive == NULL)
		positive = mfm_cli_cfg_str(mfm_cfg_get(sec, "positive"),
		    NULL);
	if (metric_s == NULL)
		metric_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "metric"),
		    "accuracy");
	if (!threshold_set)
		run.s.threshold = mfm_cli_cfg_double(mfm_cfg_get(sec,
		    "threshold"), 0.5);
	if (!bins_set && mfm_cfg_get(sec, "bins") != NULL)
		run.s.bins = mfm_cli_cfg_count(mfm_cfg_get(sec, "bins"), "bins",
		    10, 1, 1e9);
	if (!min_set && mfm_cfg_get(sec, "min_support") != NULL)
		run.s.min_support = (double)mfm_cli_cfg_count(mfm_cfg_get(sec,
		    "min_support"), "min_support", 30, 1, 1e9);
	if (!top_set && mfm_cfg_get(sec, "top") != NULL)
		run.top = mfm_cli_cfg_count(mfm_cfg_get(sec, "top"), "top", 10,
		    1, 1e9);
	if (!fdr_set && mfm_cfg_get(sec, "fdr") != NULL)
		run.fdr = mfm_cli_cfg_double(mfm_cfg_get(sec, "fdr"), 0.05);
	if (strcmp(metric_s, "accuracy") == 0)
		run.s.metric = MFM_SLICE_ACCURACY;
	else if (strcmp(metric_s, "auc") == 0)
		run.s.metric = MFM_SLICE_AUC;
	else
		mfm_usage_error("--metric: unknown metric '%s'", metric_s);
	mfm_cli_path("--score", score_s, &run.score);
	mfm_cli_path("--label", label_s, &run.label);
	mfm_cli_path("--window", window_s, &run.window);
	mfm_cli_opt_paths("--features", feat_s, mfm_cfg_get(sec, "features"),
	    "inputs.*", &run.feat, &run.nfeat);
	run.wild = mfm_refrun_wild(run.feat, run.nfeat);
	mfm_cli_opt_paths("--by", by_s, mfm_cfg_get(sec, "by"), NULL, &run.by,
	    &run.nby);
	if (positive != NULL && *positive == '\0')
		mfm_usage_error("--positive: empty value");
	mfm_metric_labels_init(&run.labels, positive);
	run.s.score = &run.score;
	run.s.label = &run.label;
	run.s.labels = &run.labels;
	run.s.spec = run.feat;
	run.s.wild = run.wild;
	run.s.nspec = run.nfeat;
	hits_init(&run, window_given);
	mfm_refrun_init(&run.rr, &ref.mode, sizeof(struct mfm_slice_rows),
	    max_groups, &refrun_ops, &run);

	for (i = 0; i < ref.nfiles; i++)
		read_reference(ref.files[i], &run);
	if (argc == 0)
		read_file("-", &run, &run.rr.groups, 0);
	for (i = 0; i < (size_t)argc; i++)
		read_file(argv[i], &run, &run.rr.groups, 0);
	if (mfm_refrun_finish(&run.rr, &err) != 0)
		mfm_die("%s", err.msg);
	if (mfm_cli.verbose)
		fprintf(stderr, "mfm-slice: %" PRIu64 " records, %zu features,"
		    " %zu windows x groups, %" PRIu64 " bad\n", mfm_cli.nread,
		    run.s.nname, run.rr.groups.n, mfm_cli.nbad);

	mfm_refrun_release(&run.rr);
	mfm_cli_paths_free(run.feat, run.nfeat);
	free(run.wild);
	mfm_cli_paths_free(run.by, run.nby);
	free(ref.files);
	mfm_json_path_release(&run.score);
	mfm_json_path_release(&run.label);
	mfm_json_path_release(&run.window);
	mfm_slice_release(&run.s);
	if (run.rr.trouble)
		(void)mfm_cli_finish(0), exit(2);
	return mfm_cli_finish(0);
}
