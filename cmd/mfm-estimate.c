/*
 * mfm-estimate: label-free estimates of classification metrics per
 * window and group, from calibrated scores alone.
 *
 * Reads windowed records, takes each record's score (a probability) and
 * at end of input writes, per window and group, the metrics expected if
 * the scores are calibrated: accuracy, precision, recall, F1 at the
 * threshold, AUC, and the positive rate.  It needs no label, so a drop
 * shows before the outcomes arrive; with --label, records that already
 * have one are counted, or left out (--unlabelled-only).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/estimate.h"
#include "lib/group.h"
#include "lib/banned.h"

/* The settings, where the option table puts them. */
static struct {
	struct mfm_json_path score, label, window;
	struct mfm_opt_paths by;
	int unlabelled_only;
	double threshold;
	size_t max_values, max_groups;
} set = {
	.max_values = MFM_SKETCH_MAX_VALUES,
	.max_groups = MFM_GROUP_MAX_DEFAULT
};

static const struct mfm_opt opts[] = {
	{ MFM_OPT_PATH, "score", 0, "PATH", "score",
	  "score field, a probability", MFM_OPT_AT(set.score),
	  .dflt = "score" },
	{ MFM_OPT_PATH, "label", 0, "PATH", "label",
	  "label field: records with one count as labelled",
	  MFM_OPT_AT(set.label) },
	{ MFM_OPT_FLAG, "unlabelled-only", 0, NULL, "unlabelled_only",
	  "estimate over records without a label only",
	  MFM_OPT_AT(set.unlabelled_only) },
	{ MFM_OPT_NUMBER, "threshold", 0, "X", "threshold",
	  "predicted positive iff score >= X", MFM_OPT_AT(set.threshold),
	  .dflt = "0.5" },
	MFM_CLI_OPTS_GROUPING(set.by, set.window),
	{ MFM_OPT_COUNT, "max-values", 0, "N", "max_values",
	  "distinct scores kept in all groups", MFM_OPT_AT(set.max_values),
	  .lo = 1, .hi = MFM_CLI_COUNT_MAX },
	MFM_CLI_OPT_MAX_GROUPS(set.max_groups),
	{ MFM_OPT_END }
};

static const struct mfm_cli_tool tool = {
	"mfm-estimate", "estimate", "[FILE ...]",
	"Estimate classification metrics per window and group from calibrated\n"
	"scores, without labels, at end of input.\n",
	opts
};

struct run {
	int has_label;
	struct mfm_sketch_budget budget;
	struct mfm_group groups;
	struct mfm_hits *hits;		/* whether the paths match */
};

static void
estimate_record(void *ctx, const struct mfm_reader *r,
    const struct mfm_json *j)
{
	struct run *run = ctx;
	struct mfm_estimate *e;
	struct mfm_err err;
	double score;
	int t, created, labelled = 0;

	if (mfm_json_member(j, 0, "_mfm", 4) >= 0)
		return;
	mfm_hits_count(run->hits, j, NULL);
	if (run->has_label) {
		t = mfm_json_get(j, 0, &set.label);
		labelled = t >= 0 && mfm_json_type_of(j, t) != MFM_JSON_NULL;
		if (labelled && set.unlabelled_only)
			return;
	}
	t = mfm_json_get(j, 0, &set.score);
	if (t < 0) {
		mfm_cli_bad(r, "field '%s' missing", set.score.text);
		return;
	}
	if (mfm_json_type_of(j, t) != MFM_JSON_NUMBER) {
		mfm_cli_bad(r, "field '%s' is not a number", set.score.text);
		return;
	}
	if (mfm_json_double(j, t, &score) != 0) {
		mfm_cli_bad(r, "field '%s' is out of range", set.score.text);
		return;
	}
	if (!(score >= 0 && score <= 1)) {
		mfm_cli_bad(r, "field '%s' is not a probability between "
		    "0 and 1", set.score.text);
		return;
	}
	e = mfm_group_get(&run->groups, j, &set.window, set.by.v, set.by.n,
	    &created, &err);
	if (e == NULL) {
		mfm_cli_record_err(r, &err, "--max-groups");
		return;
	}
	if (created)
		mfm_estimate_init(e);
	if (mfm_estimate_add(e, score, &run->budget, &err) != 0)
		mfm_cli_limit(r, "--max-values", err.msg);
	e->labelled += labelled;
}

/*
 * The paths whose matching is checked: the score; the label, groups and
 * window when given (without a window a record is in the run's one).
 */
static void
hits_init(struct run *run, int window_given)
{
	run->hits = mfm_hits_new("records");
	mfm_hits_add(run->hits, "--score", &set.score, 0, MFM_HITS_OWN);
	if (run->has_label)
		mfm_hits_add(run->hits, "--label", &set.label, 0,
		    MFM_HITS_OWN);
	mfm_cli_hits_groups(run->hits, set.by.v, set.by.n,
	    window_given ? &set.window : NULL);
}

static void
emit_all(struct run *run)
{
	struct mfm_buf *b = &mfm_cli.out;
	double v[MFM_ESTIMATE_COUNT];
	struct mfm_estimate *e;
	size_t i;
	int m;

	mfm_group_sort(&run->groups);
	for (i = 0; i < run->groups.n; i++) {
		e = mfm_group_val(&run->groups, i);
		mfm_estimate_compute(e, set.threshold, &run->budget, v);
		mfm_group_put_head(b, &run->groups, i);
		mfm_buf_adds(b, ",\"n\":");
		mfm_json_put_double(b, e->scores.numc);
		mfm_buf_adds(b, ",\"labelled\":");
		mfm_json_put_double(b, e->labelled);
		mfm_buf_adds(b, ",\"metrics\":{");
		for (m = 0; m < MFM_ESTIMATE_COUNT; m++) {
			if (m > 0)
				mfm_buf_addc(b, ',');
			mfm_buf_addc(b, '"');
			mfm_buf_adds(b, mfm_estimate_name(m));
			mfm_buf_adds(b, "\":");
			mfm_json_put_double(b, v[m]);
		}
		mfm_buf_adds(b, "}}");
		mfm_cli_emit();
	}
}

int
main(int argc, char **argv)
{
	struct run run;
	size_t i;
	int n;

	memset(&run, 0, sizeof(run));
	n = mfm_cli_parse(&tool, argc, argv);
	argc -= n;
	argv += n;
	run.has_label = mfm_cli_given("label");
	if (set.unlabelled_only && !run.has_label)
		mfm_cli_usage_at("unlabelled-only",
		    "--unlabelled-only needs --label");
	run.budget.max_values = set.max_values;
	run.budget.max_categories = 1;
	mfm_group_init(&run.groups, sizeof(struct mfm_estimate),
	    set.max_groups);
	hits_init(&run, mfm_cli_given("window"));
	mfm_cli_start();

	mfm_cli_loop(argc, argv, estimate_record, &run);
	emit_all(&run);
	if (mfm_cli.verbose)
		fprintf(stderr, "mfm-estimate: %" PRIu64 " records, %zu "
		    "windows x groups, %" PRIu64 " bad\n", mfm_cli.nread,
		    run.groups.n, mfm_cli.nbad);

	for (i = 0; i < run.groups.n; i++)
		mfm_estimate_release(mfm_group_val(&run.groups, i),
		    &run.budget);
	mfm_group_release(&run.groups);
	return mfm_cli_finish(0);
}
