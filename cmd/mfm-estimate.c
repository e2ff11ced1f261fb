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
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/estimate.h"
#include "lib/group.h"
#include "lib/banned.h"

static const char usage[] =
"usage: mfm-estimate [-huVv] [-c FILE] [--score PATH] [--label PATH]\n"
"                    [--unlabelled-only] [--threshold X] [--by PATHS]\n"
"                    [--window PATH] [--max-values N] [--max-groups N]\n"
"                    [--rejects FILE] [--max-line SIZE] [FILE ...]\n"
"\n"
"Estimate classification metrics per window and group from calibrated\n"
"scores, without labels, at end of input.\n"
"\n"
"      --score PATH        score field, a probability (score)\n"
"      --label PATH        label field: records with one count as labelled\n"
"      --unlabelled-only   estimate over records without a label only\n"
"      --threshold X       predicted positive iff score >= X (0.5)\n"
"      --by PATHS          comma-separated group fields (none)\n"
"      --window PATH       window object field (window)\n"
"      --max-values N      distinct scores kept in all groups (10000000)\n"
"      --max-groups N      windows x groups open at most (100000)\n"
MFM_CLI_HELP;

enum {
	OPT_SCORE = MFM_OPT_TOOL,
	OPT_LABEL,
	OPT_UNLABELLED,
	OPT_THRESHOLD,
	OPT_BY,
	OPT_WINDOW,
	OPT_MAX_VALUES,
	OPT_MAX_GROUPS
};

static const struct option longopts[] = {
	{ "score", required_argument, NULL, OPT_SCORE },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "unlabelled-only", no_argument, NULL, OPT_UNLABELLED },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "by", required_argument, NULL, OPT_BY },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "max-values", required_argument, NULL, OPT_MAX_VALUES },
	{ "max-groups", required_argument, NULL, OPT_MAX_GROUPS },
	MFM_CLI_LONG,
	{ NULL, 0, NULL, 0 }
};

static const char *const config_keys[] = {
	"score", "label", "threshold", "by", "window", NULL
};

struct run {
	struct mfm_json_path score, label, window;
	struct mfm_json_path *by;
	size_t nby;
	int has_label, unlabelled_only;
	double threshold;
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
		t = mfm_json_get(j, 0, &run->label);
		labelled = t >= 0 && mfm_json_type_of(j, t) != MFM_JSON_NULL;
		if (labelled && run->unlabelled_only)
			return;
	}
	t = mfm_json_get(j, 0, &run->score);
	if (t < 0) {
		mfm_cli_bad(r, "field '%s' missing", run->score.text);
		return;
	}
	if (mfm_json_type_of(j, t) != MFM_JSON_NUMBER) {
		mfm_cli_bad(r, "field '%s' is not a number", run->score.text);
		return;
	}
	if (mfm_json_double(j, t, &score) != 0) {
		mfm_cli_bad(r, "field '%s' is out of range", run->score.text);
		return;
	}
	if (!(score >= 0 && score <= 1)) {
		mfm_cli_bad(r, "field '%s' is not a probability between "
		    "0 and 1", run->score.text);
		return;
	}
	e = mfm_group_get(&run->groups, j, &run->window, run->by, run->nby,
	    &created, &err);
	if (e == NULL) {
		if (err.kind == MFM_ERR_LIMIT)
			mfm_die("%s (--max-groups)", err.msg);
		mfm_cli_bad(r, "%s", err.msg);
		return;
	}
	if (created)
		mfm_estimate_init(e);
	if (mfm_estimate_add(e, score, &run->budget, &err) != 0)
		mfm_die("%s: %s (--max-values)", r->name, err.msg);
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
	mfm_hits_add(run->hits, "--score", &run->score, 0, MFM_HITS_OWN);
	if (run->has_label)
		mfm_hits_add(run->hits, "--label", &run->label, 0,
		    MFM_HITS_OWN);
	mfm_cli_hits_groups(run->hits, run->by, run->nby,
	    window_given ? &run->window : NULL);
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
		mfm_estimate_compute(e, run->threshold, &run->budget, v);
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
	const struct mfm_cfg_node *sec;
	const char *score_s = NULL, *label_s = NULL, *window_s = NULL;
	const char *by_s = NULL;
	size_t max_groups = MFM_GROUP_MAX_DEFAULT, i;
	int threshold_set = 0, ch, window_given;
	struct run run;

	memset(&run, 0, sizeof(run));
	run.budget.max_values = MFM_SKETCH_MAX_VALUES;
	run.budget.max_categories = 1;
	mfm_cli_init("mfm-estimate", usage);
	while ((ch = getopt_long(argc, argv, MFM_CLI_SHORT, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case OPT_SCORE:
			score_s = optarg;
			break;
		case OPT_LABEL:
			label_s = optarg;
			break;
		case OPT_UNLABELLED:
			run.unlabelled_only = 1;
			break;
		case OPT_THRESHOLD:
			run.threshold = mfm_cli_double("--threshold", optarg);
			threshold_set = 1;
			break;
		case OPT_BY:
			by_s = optarg;
			break;
		case OPT_WINDOW:
			window_s = optarg;
			break;
		case OPT_MAX_VALUES:
			run.budget.max_values = mfm_cli_count("--max-values",
			    optarg, 1, MFM_CLI_COUNT_MAX);
			break;
		case OPT_MAX_GROUPS:
			max_groups = mfm_cli_count("--max-groups", optarg, 1,
			    MFM_CLI_COUNT_MAX);
			break;
		default:
			mfm_cli_option(ch, optarg);
		}
	}
	argc -= optind;
	argv += optind;

	/* Command-line options win over the configuration file. */
	sec = mfm_cli_config("estimate", config_keys);
	window_given = window_s != NULL || mfm_cfg_get(sec, "window") != NULL;
	if (score_s == NULL)
		score_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "score"), "score");
	if (label_s == NULL)
		label_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "label"), NULL);
	if (window_s == NULL)
		window_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "window"),
		    "window");
	if (!threshold_set)
		run.threshold = mfm_cli_cfg_double(mfm_cfg_get(sec,
		    "threshold"), 0.5);
	if (run.unlabelled_only && label_s == NULL)
		mfm_usage_error("--unlabelled-only needs --label");
	mfm_cli_path("--score", score_s, &run.score);
	mfm_cli_path("--window", window_s, &run.window);
	if (label_s != NULL) {
		mfm_cli_path("--label", label_s, &run.label);
		run.has_label = 1;
	}
	mfm_cli_opt_paths("--by", by_s, mfm_cfg_get(sec, "by"), NULL, &run.by,
	    &run.nby);
	mfm_group_init(&run.groups, sizeof(struct mfm_estimate), max_groups);
	hits_init(&run, window_given);

	if (argc == 0)
		mfm_cli_read("-", estimate_record, &run);
	for (i = 0; i < (size_t)argc; i++)
		mfm_cli_read(argv[i], estimate_record, &run);
	emit_all(&run);
	if (mfm_cli.verbose)
		fprintf(stderr, "mfm-estimate: %" PRIu64 " records, %zu "
		    "windows x groups, %" PRIu64 " bad\n", mfm_cli.nread,
		    run.groups.n, mfm_cli.nbad);

	for (i = 0; i < run.groups.n; i++)
		mfm_estimate_release(mfm_group_val(&run.groups, i),
		    &run.budget);
	mfm_group_release(&run.groups);
	mfm_cli_paths_free(run.by, run.nby);
	mfm_json_path_release(&run.score);
	mfm_json_path_release(&run.window);
	if (run.has_label)
		mfm_json_path_release(&run.label);
	return mfm_cli_finish(0);
}
