/*
 * mfm-drift: how far each feature's distribution moved, per window and
 * group, against a reference.
 *
 * Reads windowed records (the output of mfm-window, usually after
 * mfm-join), keeps an exact sketch of every feature per window and
 * group, and at end of input compares each window with its reference:
 * saved reference sketches (--reference, merged when given several
 * times), the windows that start in a time range (--reference-range),
 * or the previous window of the same group (--previous).  Writes one
 * record per window, group and feature, the features of a window ranked
 * by PSI, or with --emit-context one compact record per window and
 * group naming the top drifted features, for an alert to carry (the
 * sketches are lib/drift.c, the records lib/driftrec.c).
 *
 * --partial writes the sketches of every window and group instead, and
 * --merge reads such states back, so that a run split into shards and
 * merged writes exactly what one run over all the input would have.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/drift.h"
#include "lib/driftrec.h"
#include "lib/group.h"
#include "lib/refrun.h"
#include "lib/banned.h"

/* The settings, where the option table puts them. */
static struct {
	struct mfm_opt_paths features, by;
	struct mfm_json_path score, label, window;
	struct mfm_cli_ref ref;
	const char *save;
	int emit_context, feature_group;
	size_t bins, top, ks_exact_max, max_values, max_categories;
	size_t max_groups;
	int partial, merge;
} set = {
	.bins = MFM_DRIFT_BINS,
	.top = MFM_DRIFT_TOP,
	.ks_exact_max = MFM_STATS_KS_EXACT_MAX,
	.max_values = MFM_SKETCH_MAX_VALUES,
	.max_categories = MFM_SKETCH_MAX_CATEGORIES,
	.max_groups = MFM_GROUP_MAX_DEFAULT
};

static const struct mfm_opt opts[] = {
	{ MFM_OPT_PATHS, "features", 0, "PATHS", "features",
	  "comma-separated feature paths; PATH.* is every member of the "
	  "object PATH", MFM_OPT_AT(set.features), .dflt = "inputs.*" },
	{ MFM_OPT_PATH, "score", 0, "PATH", "score",
	  "the score, compared as a numeric feature", MFM_OPT_AT(set.score) },
	{ MFM_OPT_PATH, "label", 0, "PATH", "label",
	  "the label, compared as a feature; counts labelled",
	  MFM_OPT_AT(set.label) },
	MFM_CLI_OPTS_GROUPING(set.by, set.window),
	MFM_CLI_OPTS_REFERENCE(set.ref,
	    "reference sketches or records; repeatable"),
	{ MFM_OPT_FILE, "save-reference", 0, "FILE", "save_reference",
	  "write the reference sketches to FILE", MFM_OPT_AT(set.save) },
	{ MFM_OPT_FLAG, "emit-context", 0, NULL, "emit_context",
	  "one record per window and group: top drifts",
	  MFM_OPT_AT(set.emit_context), .group = 2 },
	{ MFM_OPT_FLAG, "feature-group", 0, NULL, "feature_group",
	  "name the feature in \"group\" too (mfm-threshold)",
	  MFM_OPT_AT(set.feature_group), .group = 2 },
	{ MFM_OPT_FLAG, "context", 0, NULL, "context", NULL,
	  .alias = "emit-context" },
	{ MFM_OPT_COUNT, "bins", 0, "N", "bins",
	  "quantile bins for numeric features, at least 2",
	  MFM_OPT_AT(set.bins), .lo = 1, .hi = MFM_CLI_COUNT_MAX },
	{ MFM_OPT_COUNT, "top", 0, "N", "top",
	  "largest changes listed per feature", MFM_OPT_AT(set.top),
	  .lo = 1, .hi = MFM_CLI_COUNT_MAX },
	{ MFM_OPT_COUNT, "ks-exact-max", 0, "N", "ks_exact_max",
	  "exact KS p-value up to N values a side",
	  MFM_OPT_AT(set.ks_exact_max), .lo = 1, .hi = MFM_CLI_COUNT_MAX },
	{ MFM_OPT_COUNT, "max-values", 0, "N", "max_values",
	  "distinct numbers kept in all sketches",
	  MFM_OPT_AT(set.max_values), .lo = 1, .hi = MFM_CLI_COUNT_MAX },
	{ MFM_OPT_COUNT, "max-categories", 0, "N", "max_categories",
	  "categories of one feature", MFM_OPT_AT(set.max_categories),
	  .lo = 1, .hi = MFM_CLI_COUNT_MAX },
	MFM_CLI_OPT_MAX_GROUPS(set.max_groups),
	{ MFM_OPT_FLAG, "partial", 0, NULL, "partial",
	  "write mergeable state, not drift records",
	  MFM_OPT_AT(set.partial) },
	{ MFM_OPT_FLAG, "merge", 0, NULL, "merge",
	  "read --partial state records and merge them",
	  MFM_OPT_AT(set.merge) },
	{ MFM_OPT_END }
};

static const struct mfm_cli_tool tool = {
	"mfm-drift", "drift", "[FILE ...]",
	"Compare each feature's distribution per window and group with a\n"
	"reference, at end of input.\n",
	opts
};

struct run {
	struct mfm_drift d;
	struct mfm_json_path *feat;	/* features, score, label: borrowed */
	int *wild;
	struct mfm_refrun rr;		/* window x group -> drift set */
	struct mfm_buf wkey;		/* a state record's window key */
	struct mfm_hits *hits;		/* whether the paths match */
};

/* Whether record j is a drift state line ("_mfm":"drift_state"). */
static int
is_state(const struct mfm_json *j, int t)
{
	return t >= 0 && mfm_json_str_eq(j, t, "drift_state", 11);
}

/* The option of a sketch's cap that err says was reached, if one. */
static const char *
cap_of(const struct mfm_err *err)
{
	switch (err->cap) {
	case MFM_CAP_VALUES:
		return "--max-values";
	case MFM_CAP_CATEGORIES:
		return "--max-categories";
	default:
		return NULL;
	}
}

/* A --partial state line: merge it into its window and group. */
static void
merge_state(struct run *run, const struct mfm_reader *r,
    const struct mfm_json *j)
{
	struct mfm_drift_set *s;
	struct mfm_err err;
	const char *g;
	size_t glen;
	int t, created;

	t = mfm_json_member(j, 0, "group", 5);
	if (mfm_json_type_of(j, t) != MFM_JSON_OBJECT) {
		mfm_cli_bad(r, "drift state without a group object");
		return;
	}
	g = mfm_json_raw(j, t, &glen);
	t = mfm_json_member(j, 0, "window", 6);
	if (mfm_json_type_of(j, t) != MFM_JSON_OBJECT &&
	    mfm_json_type_of(j, t) != MFM_JSON_NULL) {
		mfm_cli_bad(r, "drift state without a window object or null");
		return;
	}
	/* A bad line must not even open its window and group. */
	if (mfm_drift_check_state(&run->d, j, &err) != 0) {
		mfm_cli_bad(r, "%s", err.msg);
		return;
	}
	mfm_buf_clear(&run->wkey);
	mfm_group_put_window(&run->wkey, j, t);
	s = mfm_group_get_key(&run->rr.groups, run->wkey.p, run->wkey.len, g,
	    glen, &created, &err);
	if (s == NULL)
		mfm_cli_limit(r, "--max-groups", err.msg);
	/* Checked above: what is left is a cap. */
	if (mfm_drift_read_state(&run->d, s, j, &err) != 0)
		mfm_cli_limit(r, cap_of(&err), err.msg);
}

/*
 * The paths whose matching is checked, in the input (not the reference):
 * the features, score, label and groups; the window when given (without
 * one a record is in the run's one window).
 */
static void
hits_init(struct run *run, size_t nspec, int window_given)
{
	size_t i;

	run->hits = mfm_hits_new("records");
	for (i = 0; i < nspec; i++)
		mfm_hits_add(run->hits, i < set.features.n ? "--features" :
		    run->d.label != NULL && i + 1 == nspec ? "--label" :
		    "--score", &run->feat[i], run->wild[i] ? MFM_HITS_WILD : 0,
		    MFM_HITS_OWN);
	mfm_cli_hits_groups(run->hits, set.by.v, set.by.n,
	    window_given ? &set.window : NULL);
}

static void
input_record(void *ctx, const struct mfm_reader *r, const struct mfm_json *j)
{
	struct run *run = ctx;
	struct mfm_drift_set *s;
	struct mfm_err err;
	int t, created;

	t = mfm_json_member(j, 0, "_mfm", 4);
	if (set.merge) {
		if (is_state(j, t))
			merge_state(run, r, j);
		else if (t < 0)
			mfm_cli_bad(r, "not a drift state (--merge reads what "
			    "--partial writes)");
		return;
	}
	if (is_state(j, t)) {
		mfm_cli_bad(r, "a drift state: read it with --merge");
		return;
	}
	if (t >= 0)
		return;
	mfm_hits_count(run->hits, j, NULL);
	s = mfm_group_get(&run->rr.groups, j, &set.window, set.by.v,
	    set.by.n, &created, &err);
	if (s == NULL)
		mfm_cli_record_err(r, &err, "--max-groups");
	else if (mfm_drift_add(&run->d, s, j, &err) != 0)
		mfm_cli_record_err(r, &err, cap_of(&err));
}

/*
 * A reference file: saved sketch lines ("_mfm": "reference") are merged
 * as they are; any other record is counted like input, by group.  A bad
 * line here is fatal, since a reference with holes would skew every
 * comparison made against it.
 */
static void
read_reference(const char *path, struct run *run)
{
	struct mfm_group g;
	struct mfm_reader r;
	struct mfm_json j;
	struct mfm_err err;

	mfm_group_init(&g, sizeof(struct mfm_drift_set), 0);
	mfm_json_init(&j);
	mfm_cli_open(&r, path);
	while (mfm_cli_next(&r, &j))
		if (mfm_driftrec_ref_line(&run->d, &run->rr, &g, &j,
		    &set.window, set.by.v, set.by.n, &err) != 0)
			mfm_die("%s:%zu: %s", path, r.lineno, err.msg);
	if (mfm_reader_close(&r, &err) != 0)
		mfm_die_err(&err);
	if (mfm_cli.nbad > 0)
		mfm_die("%s: bad reference records", path);
	if (mfm_refrun_take(&run->rr, &g, &err) != 0)
		mfm_die("%s: %s", path, err.msg);
	mfm_group_release(&g);
	mfm_json_release(&j);
}

static void
save_reference(const char *path, struct run *run)
{
	struct mfm_err err;
	FILE *f;
	int rc;

	f = fopen(path, "w");
	if (f == NULL)
		mfm_die("%s: %s", path, strerror(errno));
	rc = mfm_driftrec_save(&run->d, &run->rr, f, &err);
	if ((rc != 0) | ferror(f) | (fclose(f) != 0))
		mfm_die("%s: write error", path);
}

/* Write mfm_cli.out as one record. */
static void
emit_out(void *ctx)
{
	(void)ctx;
	mfm_cli_emit();
}

/* Compare window i with ref and write its records. */
static void
emit_window(void *ctx, struct mfm_group *g, size_t i, void *ref)
{
	struct run *run = ctx;
	struct mfm_driftrec w = {
		&run->d, set.emit_context, set.feature_group, &mfm_cli.out,
		emit_out, NULL
	};

	mfm_driftrec_window(&w, g, i, ref);
}

static int
merge_set(void *ctx, void *dst, void *src, struct mfm_err *err)
{
	struct run *run = ctx;

	return mfm_drift_merge(&run->d, dst, src, err);
}

static void
release_set(void *ctx, void *val)
{
	struct run *run = ctx;

	mfm_drift_set_release(&run->d, val);
}

/*
 * After --merge: a feature with more values than its window has records
 * means a head line missing (a shard's output cut short, say) or state
 * lines counted twice.  Each line was good alone, so this is reported
 * per window and group, and makes the exit status 2.
 */
static void
check_merged(struct run *run)
{
	struct mfm_group *g = &run->rr.groups;
	struct mfm_drift_set *s;
	const char *w, *t;
	size_t i, k, id, wn, tn;

	mfm_group_sort(g);
	mfm_drift_sort_features(&run->d);
	for (i = 0; i < g->n; i++) {
		s = mfm_group_val(g, i);
		for (k = 0; k < run->d.nname; k++) {
			id = run->d.order[k];
			if (id >= s->nf || s->f[id].present <= s->nrec)
				continue;
			w = mfm_group_window(g, i, &wn);
			t = mfm_group_text(g, i, &tn);
			mfm_fail("window %.*s, group %.*s: feature '%s' has "
			    "more values than records", (int)wn, w, (int)tn, t,
			    run->d.name[id]);
			break;
		}
	}
}

/* --partial: the state of every window and group, in output order. */
static void
write_states(struct run *run)
{
	struct mfm_group *g = &run->rr.groups;
	const char *w, *t;
	size_t i, wn, tn;

	mfm_group_sort(g);
	for (i = 0; i < g->n; i++) {
		w = mfm_group_window(g, i, &wn);
		t = mfm_group_text(g, i, &tn);
		mfm_drift_write_state(&run->d, mfm_group_val(g, i), w, wn, t,
		    tn, &mfm_cli.out);
		/* mfm_cli_emit adds the last newline. */
		if (mfm_cli.out.len > 0)
			mfm_cli.out.p[--mfm_cli.out.len] = '\0';
		mfm_cli_emit();
	}
}

static const struct mfm_refrun_ops refrun_ops = {
	merge_set, release_set, emit_window, mfm_cli_missing_reference
};

/*
 * The paths the sketches are kept of: the features, then the score and
 * the label when given (compared as features too), all borrowed from
 * the table.  Returns how many.
 */
static size_t
specs_init(struct run *run)
{
	size_t n = set.features.n;

	run->wild = mfm_refrun_wild(set.features.v, set.features.n);
	run->feat = mfm_xcalloc(n + 2, sizeof(*run->feat));
	memcpy(run->feat, set.features.v, n * sizeof(*run->feat));
	if (mfm_cli_given("score"))
		run->feat[n++] = set.score;
	if (mfm_cli_given("label")) {
		run->feat[n++] = set.label;
		run->d.label = &set.label;
	}
	run->d.spec = run->feat;
	run->d.wild = run->wild;
	run->d.nspec = n;
	return n;
}

/*
 * Shards cannot each count a reference file, and the windows of a
 * reference range or the previous windows may be in other shards: the
 * step that compares takes the reference.
 */
static void
check_reference(void)
{
	if (set.partial) {
		if (mfm_cli_ref_given(&set.ref) > 0 || set.save != NULL)
			mfm_cli_usage_at("partial",
			    "--partial takes no reference: give "
			    "it to --merge");
	} else
		mfm_cli_ref_one(&set.ref);
	if (set.save != NULL && set.ref.previous)
		mfm_cli_usage_at("save-reference",
		    "--save-reference needs --reference or "
		    "--reference-range");
}

int
main(int argc, char **argv)
{
	struct mfm_refrun_mode mode;
	struct mfm_err err;
	struct run run;
	size_t i, nspec;
	int n;

	memset(&run, 0, sizeof(run));
	n = mfm_cli_parse(&tool, argc, argv);
	argc -= n;
	argv += n;
	check_reference();
	if (set.bins < 2)
		mfm_cli_opt_die("bins", "need at least 2");
	mfm_drift_init(&run.d);
	run.d.bins = set.bins;
	run.d.top = set.top;
	run.d.ks_exact_max = set.ks_exact_max;
	run.d.budget.max_values = set.max_values;
	run.d.budget.max_categories = set.max_categories;
	nspec = specs_init(&run);
	if (!set.merge)
		hits_init(&run, nspec, mfm_cli_given("window"));
	memset(&mode, 0, sizeof(mode));
	mode.has_range = set.ref.range.set;
	mode.from = set.ref.range.from;
	mode.to = set.ref.range.to;
	mode.previous = set.ref.previous;
	mfm_refrun_init(&run.rr, &mode, sizeof(struct mfm_drift_set),
	    set.max_groups, &refrun_ops, &run);
	mfm_cli_start();

	for (i = 0; i < set.ref.files.n; i++)
		read_reference(set.ref.files.v[i], &run);
	mfm_cli_loop(argc, argv, input_record, &run);
	if (set.merge)
		check_merged(&run);
	mfm_drift_sort_features(&run.d);
	if (set.partial)
		write_states(&run);
	else if (mfm_refrun_finish(&run.rr, &err) != 0)
		mfm_die("%s", err.msg);
	if (set.save != NULL)
		save_reference(set.save, &run);
	if (mfm_cli.verbose)
		fprintf(stderr, "mfm-drift: %" PRIu64 " records, %zu features,"
		    " %zu windows x groups, %" PRIu64 " bad\n", mfm_cli.nread,
		    run.d.nname, run.rr.groups.n, mfm_cli.nbad);

	mfm_refrun_release(&run.rr);
	mfm_buf_release(&run.wkey);
	free(run.feat);
	free(run.wild);
	mfm_drift_release(&run.d);
	return mfm_cli_finish(0);
}
