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
 * with --emit-context one compact record per window and group.
 */
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

static const struct mfm_opt_name metrics[] = {
	{ "accuracy", MFM_SLICE_ACCURACY },
	{ "auc", MFM_SLICE_AUC },
	{ NULL, 0 }
};

/* The settings, where the option table puts them. */
static struct {
	struct mfm_json_path score, label, window;
	const char *positive;
	double threshold, fdr;
	int metric;			/* enum mfm_slice_metric */
	struct mfm_opt_paths features, by;
	int pairs, emit_context;
	size_t bins, min_labelled, top;
	struct mfm_cli_ref ref;
	size_t max_records, max_slices, max_groups;
} set = {
	.bins = MFM_SLICE_BINS,
	.min_labelled = MFM_SLICE_MIN_SUPPORT,
	.fdr = MFM_SLICE_FDR,
	.top = 10,
	.max_records = MFM_SLICE_MAX_ROWS,
	.max_slices = MFM_SLICE_MAX_SLICES,
	.max_groups = MFM_GROUP_MAX_DEFAULT
};

static const struct mfm_opt opts[] = {
	{ MFM_OPT_PATH, "score", 0, "PATH", "score", "score field, a number",
	  MFM_OPT_AT(set.score), .dflt = "score" },
	{ MFM_OPT_PATH, "label", 0, "PATH", "label",
	  "label field: 0/1 or false/true", MFM_OPT_AT(set.label),
	  .dflt = "label" },
	{ MFM_OPT_STRING, "positive", 0, "VALUE", "positive",
	  "the label value that means positive", MFM_OPT_AT(set.positive) },
	{ MFM_OPT_NUMBER, "threshold", 0, "X", "threshold",
	  "predicted positive iff score >= X", MFM_OPT_AT(set.threshold),
	  .dflt = "0.5" },
	{ MFM_OPT_ENUM, "metric", 0, "NAME", "metric", "accuracy or auc",
	  MFM_OPT_AT(set.metric), .dflt = "accuracy", .what = "metric",
	  .names = metrics },
	{ MFM_OPT_PATHS, "features", 0, "PATHS", "features",
	  "comma-separated slice features; PATH.* is every member of the "
	  "object PATH", MFM_OPT_AT(set.features), .dflt = "inputs.*" },
	{ MFM_OPT_FLAG, "pairs", 0, NULL, "pairs",
	  "slices of pairs of features too", MFM_OPT_AT(set.pairs) },
	{ MFM_OPT_COUNT, "bins", 0, "N", "bins",
	  "quantile bins of numeric features, at least 2",
	  MFM_OPT_AT(set.bins), .lo = 1, .hi = MFM_CLI_COUNT_MAX },
	MFM_CLI_OPTS_GROUPING(set.by, set.window),
	MFM_CLI_OPTS_REFERENCE(set.ref, "reference records; repeatable"),
	{ MFM_OPT_COUNT, "min-labelled", 0, "N", "min_labelled",
	  "labelled records a side to test a slice",
	  MFM_OPT_AT(set.min_labelled), .lo = 1, .hi = MFM_CLI_COUNT_MAX },
	{ MFM_OPT_COUNT, "min-support", 0, NULL, "min_support", NULL,
	  .alias = "min-labelled" },
	{ MFM_OPT_NUMBER, "fdr", 0, "Q", "fdr",
	  "Benjamini-Hochberg false discovery rate, between 0 and 1",
	  MFM_OPT_AT(set.fdr) },
	{ MFM_OPT_COUNT, "top", 0, "N", "top",
	  "slices written per window and group", MFM_OPT_AT(set.top),
	  .lo = 1, .hi = MFM_CLI_COUNT_MAX },
	{ MFM_OPT_FLAG, "emit-context", 0, NULL, "emit_context",
	  "one record per window and group: worst slices",
	  MFM_OPT_AT(set.emit_context) },
	{ MFM_OPT_FLAG, "context", 0, NULL, "context", NULL,
	  .alias = "emit-context" },
	{ MFM_OPT_COUNT, "max-records", 0, "N", "max_records",
	  "records kept in all windows", MFM_OPT_AT(set.max_records),
	  .lo = 1, .hi = MFM_CLI_COUNT_MAX },
	{ MFM_OPT_COUNT, "max-slices", 0, "N", "max_slices",
	  "slices of one comparison", MFM_OPT_AT(set.max_slices),
	  .lo = 1, .hi = MFM_CLI_COUNT_MAX },
	MFM_CLI_OPT_MAX_GROUPS(set.max_groups),
	{ MFM_OPT_END }
};

static const struct mfm_cli_tool tool = {
	"mfm-slice", "slice", "[FILE ...]",
	"Rank slices of traffic by their contribution to a metric's change\n"
	"against a reference, at end of input.\n",
	opts
};

struct run {
	struct mfm_slice s;
	int *wild;
	struct mfm_metric_labels labels;
	struct mfm_refrun rr;		/* window x group -> rows */
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
	rows = mfm_group_get(k->g, j, &set.window, set.by.v, set.by.n,
	    &created, &err);
	if (rows != NULL && mfm_slice_add(&run->s, rows, j, &err) == 0)
		return;
	if (k->fatal && err.kind != MFM_ERR_LIMIT)
		mfm_die("%s:%zu: %s", r->name, r->lineno, err.msg);
	mfm_cli_record_err(r, &err, rows == NULL ? "--max-groups" :
	    "--max-records");
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
	mfm_hits_add(run->hits, "--score", &set.score, 0, MFM_HITS_OWN);
	mfm_hits_add(run->hits, "--label", &set.label, 0, MFM_HITS_OWN);
	for (i = 0; i < set.features.n; i++)
		mfm_hits_add(run->hits, "--features", &set.features.v[i],
		    run->wild[i] ? MFM_HITS_WILD : 0, MFM_HITS_OWN);
	mfm_cli_hits_groups(run->hits, set.by.v, set.by.n,
	    window_given ? &set.window : NULL);
}

/* An input record, kept in its window and group. */
static void
input_record(void *ctx, const struct mfm_reader *r, const struct mfm_json *j)
{
	struct run *run = ctx;
	struct sink k = { run, &run->rr.groups, 0 };

	slice_record(&k, r, j);
}

/* A reference file, whose records all go to their group's reference. */
static void
read_reference(const char *path, struct run *run)
{
	struct mfm_group g;
	struct mfm_err err;
	struct sink k = { run, &g, 1 };

	mfm_group_init(&g, sizeof(struct mfm_slice_rows), 0);
	mfm_cli_read(path, slice_record, &k);
	if (mfm_cli.nbad > 0)
		mfm_die("%s: bad reference records", path);
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
	mfm_buf_adds(b, !isnan(r->q) && r->q <= set.fdr ? "true" : "false");
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
	size_t k, n = rep->nres < set.top ? rep->nres : set.top;

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
	if (set.emit_context)
		emit_context(run, g, i, &rep);
	else
		for (k = 0; k < rep.nres && k < set.top; k++)
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

/* The slicer's settings, from the table's. */
static void
slice_init(struct run *run)
{
	mfm_slice_init(&run->s);
	run->s.threshold = set.threshold;
	run->s.metric = (enum mfm_slice_metric)set.metric;
	run->s.pairs = set.pairs;
	run->s.bins = set.bins;
	run->s.min_support = (double)set.min_labelled;
	run->s.max_rows = set.max_records;
	run->s.max_slices = set.max_slices;
	run->wild = mfm_refrun_wild(set.features.v, set.features.n);
	mfm_metric_labels_init(&run->labels, set.positive);
	run->s.score = &set.score;
	run->s.label = &set.label;
	run->s.labels = &run->labels;
	run->s.spec = set.features.v;
	run->s.wild = run->wild;
	run->s.nspec = set.features.n;
}

int
main(int argc, char **argv)
{
	struct mfm_refrun_mode mode;
	struct mfm_err err;
	struct run run;
	size_t i;
	int n;

	memset(&run, 0, sizeof(run));
	n = mfm_cli_parse(&tool, argc, argv);
	argc -= n;
	argv += n;
	mfm_cli_ref_one(&set.ref);
	if (!(set.fdr > 0 && set.fdr < 1))
		mfm_cli_opt_die("fdr", "invalid rate '%g'", set.fdr);
	if (set.bins < 2)
		mfm_cli_opt_die("bins", "need at least 2");
	if (set.positive != NULL && *set.positive == '\0')
		mfm_cli_opt_die("positive", "empty value");
	slice_init(&run);
	hits_init(&run, mfm_cli_given("window"));
	memset(&mode, 0, sizeof(mode));
	mode.has_range = set.ref.range.set;
	mode.from = set.ref.range.from;
	mode.to = set.ref.range.to;
	mode.previous = set.ref.previous;
	mfm_refrun_init(&run.rr, &mode, sizeof(struct mfm_slice_rows),
	    set.max_groups, &refrun_ops, &run);
	mfm_cli_start();

	for (i = 0; i < set.ref.files.n; i++)
		read_reference(set.ref.files.v[i], &run);
	mfm_cli_loop(argc, argv, input_record, &run);
	if (mfm_refrun_finish(&run.rr, &err) != 0)
		mfm_die("%s", err.msg);
	if (mfm_cli.verbose)
		fprintf(stderr, "mfm-slice: %" PRIu64 " records, %zu features,"
		    " %zu windows x groups, %" PRIu64 " bad\n", mfm_cli.nread,
		    run.s.nname, run.rr.groups.n, mfm_cli.nbad);

	mfm_refrun_release(&run.rr);
	free(run.wild);
	mfm_slice_release(&run.s);
	return mfm_cli_finish(0);
}
