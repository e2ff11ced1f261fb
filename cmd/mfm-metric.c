/*
 * mfm-metric: classification metrics per window and group.
 *
 * Reads joined, windowed records (the output of mfm-join and
 * mfm-window), takes each record's score and label, and counts them per
 * window and per group of --by fields.  At end of input it writes one
 * metric record per window and group, sorted by window start and group.
 * A record whose score or label is unusable is a bad record: reported,
 * counted, kept in --rejects, and the run goes on.  Control records
 * (with a top-level "_mfm" member) are skipped.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/group.h"
#include "lib/metric.h"
#include "lib/banned.h"

static const char usage[] =
"usage: mfm-metric [-huVv] [-c FILE] [--score PATH] [--label PATH]\n"
"                  [--threshold X] [--by PATHS] [--window PATH]\n"
"                  [--positive VALUE] [--max-groups N] [--rejects FILE]\n"
"                  [--max-line SIZE] [FILE ...]\n"
"\n"
"Compute classification metrics per window and group at end of input.\n"
"\n"
"      --score PATH        score field, a number (score)\n"
"      --label PATH        label field: 0/1 or false/true (label)\n"
"      --threshold X       predicted positive iff score >= X (0.5)\n"
"      --by PATHS          comma-separated group fields (none)\n"
"      --window PATH       window object field (window)\n"
"      --positive VALUE    the label value that means positive\n"
"      --max-groups N      windows x groups open at most (100000)\n"
MFM_CLI_HELP;

enum {
	OPT_SCORE = MFM_OPT_TOOL,
	OPT_LABEL,
	OPT_THRESHOLD,
	OPT_BY,
	OPT_WINDOW,
	OPT_POSITIVE,
	OPT_MAX_GROUPS
};

static const struct option longopts[] = {
	{ "score", required_argument, NULL, OPT_SCORE },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "by", required_argument, NULL, OPT_BY },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "positive", required_argument, NULL, OPT_POSITIVE },
	{ "max-groups", required_argument, NULL, OPT_MAX_GROUPS },
	MFM_CLI_LONG,
	{ NULL, 0, NULL, 0 }
};

static const char *const config_keys[] = {
	"score", "label", "threshold", "by", "window", "positive", NULL
};

struct run {
	struct mfm_json_path score, label, window;
	struct mfm_json_path *by;
	size_t nby;
	struct mfm_metric_labels labels;
	double threshold;
	struct mfm_group groups;
	uint64_t nlabelled;
};

static size_t
count_arg(const char *opt, const char *arg)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end != '\0' || errno == ERANGE ||
	    v == 0 || v > SIZE_MAX / 2)
		mfm_usage_error("%s: invalid count '%s'", opt, arg);
	return (size_t)v;
}

static void
metric_file(const char *path, struct run *run)
{
	struct mfm_metric_acc *acc;
	struct mfm_reader r;
	struct mfm_json j;
	struct mfm_err err;
	double score;
	int t, label, created;

	mfm_json_init(&j);
	mfm_cli_open(&r, path);
	while (mfm_cli_next(&r, &j)) {
		if (mfm_json_member(&j, 0, "_mfm", 4) >= 0)
			continue;
		t = mfm_json_get(&j, 0, &run->score);
		if (mfm_json_type_of(&j, t) != MFM_JSON_NUMBER) {
			mfm_cli_bad(&r, "field '%s' is not a number",
			    run->score.text);
			continue;
		}
		if (mfm_json_double(&j, t, &score) != 0) {
			mfm_cli_bad(&r, "field '%s' is out of range",
			    run->score.text);
			continue;
		}
		t = mfm_json_get(&j, 0, &run->label);
		if (mfm_metric_label(&run->labels, &j, t, run->label.text,
		    &label, &err) != 0) {
			mfm_cli_bad(&r, "%s", err.msg);
			continue;
		}
		acc = mfm_group_get(&run->groups, &j, &run->window, run->by,
		    run->nby, &created, &err);
		if (acc == NULL) {
			if (err.kind == MFM_ERR_LIMIT)
				mfm_die("%s (--max-groups)", err.msg);
			mfm_cli_bad(&r, "%s", err.msg);
			continue;
		}
		if (created)
			mfm_metric_acc_init(acc, run->threshold);
		if (mfm_metric_acc_add(acc, score, label, &err) != 0) {
			mfm_cli_bad(&r, "field '%s': %s", run->score.text,
			    err.msg);
			continue;
		}
		if (label != MFM_METRIC_UNLABELLED)
			run->nlabelled++;
	}
	if (mfm_reader_close(&r, &err) != 0)
		mfm_die_err(&err);
	mfm_json_release(&j);
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

/* One metric record per window and group, in order. */
static void
emit_all(struct run *run)
{
	struct mfm_buf *b = &mfm_cli.out, scratch = MFM_BUF_INIT;
	struct mfm_metric_result res;
	struct mfm_metric_acc *acc;
	const char *s;
	size_t i, n;
	int m, nundef;

	mfm_group_sort(&run->groups);
	for (i = 0; i < run->groups.n; i++) {
		acc = mfm_group_val(&run->groups, i);
		mfm_metric_acc_compute(acc, &res, &scratch);
		mfm_buf_adds(b, "{\"window\":");
		s = mfm_group_window(&run->groups, i, &n);
		mfm_buf_add(b, s, n);
		mfm_buf_adds(b, ",\"group\":");
		s = mfm_group_text(&run->groups, i, &n);
		mfm_buf_add(b, s, n);
		mfm_buf_adds(b, ",\"n\":");
		mfm_json_put_int64(b, (int64_t)acc->n);
		mfm_buf_adds(b, ",\"labelled\":");
		mfm_json_put_int64(b, (int64_t)acc->labelled);
		mfm_buf_adds(b, ",\"metrics\":{");
		for (nundef = 0, m = 0; m < MFM_METRIC_COUNT; m++) {
			put_key(b, mfm_metric_name(m), m > 0);
			mfm_json_put_double(b, res.m[m].v);
			nundef += res.m[m].undefined != NULL;
		}
		mfm_buf_addc(b, '}');
		if (nundef > 0) {
			mfm_buf_adds(b, ",\"undefined\":{");
			for (nundef = 0, m = 0; m < MFM_METRIC_COUNT; m++) {
				if (res.m[m].undefined == NULL)
					continue;
				put_key(b, mfm_metric_name(m), nundef++ > 0);
				mfm_json_put_str(b, res.m[m].undefined,
				    strlen(res.m[m].undefined));
			}
			mfm_buf_addc(b, '}');
		}
		mfm_buf_addc(b, '}');
		mfm_cli_emit();
	}
	mfm_buf_release(&scratch);
}

int
main(int argc, char **argv)
{
	const struct mfm_cfg_node *sec;
	const char *score_s = NULL, *label_s = NULL, *window_s = NULL;
	const char *by_s = NULL, *positive = NULL;
	int threshold_set = 0;
	size_t max_groups = MFM_GROUP_MAX_DEFAULT, i;
	struct run run;
	int ch;

	memset(&run, 0, sizeof(run));
	mfm_cli_init("mfm-metric", usage);
	while ((ch = getopt_long(argc, argv, MFM_CLI_SHORT, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case OPT_SCORE:
			score_s = optarg;
			break;
		case OPT_LABEL:
			label_s = optarg;
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
		case OPT_POSITIVE:
			positive = optarg;
			break;
		case OPT_MAX_GROUPS:
			max_groups = count_arg("--max-groups", optarg);
			break;
		default:
			mfm_cli_option(ch, optarg);
		}
	}
	argc -= optind;
	argv += optind;

	/* Command-line options win over the configuration file. */
	sec = mfm_cli_config("metric", config_keys);
	if (score_s == NULL)
		score_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "score"), "score");
	if (label_s == NULL)
		label_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "label"), "label");
	if (window_s == NULL)
		window_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "window"),
		    "window");
	if (positive == NULL)
		positive = mfm_cli_cfg_str(mfm_cfg_get(sec, "positive"),
		    NULL);
	if (!threshold_set)
		run.threshold = mfm_cli_cfg_double(mfm_cfg_get(sec,
		    "threshold"), 0.5);
	mfm_cli_path("--score", score_s, &run.score);
	mfm_cli_path("--label", label_s, &run.label);
	mfm_cli_path("--window", window_s, &run.window);
	if (by_s != NULL)
		mfm_cli_paths("--by", by_s, &run.by, &run.nby);
	else
		mfm_cli_cfg_paths(mfm_cfg_get(sec, "by"), &run.by, &run.nby);
	if (positive != NULL && *positive == '\0')
		mfm_usage_error("--positive: empty value");
	mfm_metric_labels_init(&run.labels, positive);
	mfm_group_init(&run.groups, sizeof(struct mfm_metric_acc),
	    max_groups);

	if (argc == 0)
		metric_file("-", &run);
	for (i = 0; i < (size_t)argc; i++)
		metric_file(argv[i], &run);
	emit_all(&run);
	if (mfm_cli.verbose)
		fprintf(stderr, "mfm-metric: %" PRIu64 " records, %" PRIu64
		    " labelled, %zu windows x groups, %" PRIu64 " bad\n",
		    mfm_cli.nread, run.nlabelled, run.groups.n, mfm_cli.nbad);

	for (i = 0; i < run.groups.n; i++)
		mfm_metric_acc_release(mfm_group_val(&run.groups, i));
	mfm_group_release(&run.groups);
	for (i = 0; i < run.nby; i++)
		mfm_json_path_release(&run.by[i]);
	free(run.by);
	mfm_json_path_release(&run.score);
	mfm_json_path_release(&run.label);
	mfm_json_path_release(&run.window);
	return mfm_cli_finish(0);
}
