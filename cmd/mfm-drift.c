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
 * group naming the top drifted features, for an alert to carry.
 *
 * --partial writes the sketches of every window and group instead, and
 * --merge reads such states back, so that a run split into shards and
 * merged writes exactly what one run over all the input would have.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/drift.h"
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
	if (strncmp(err->msg, "more than ", 10) != 0)
		return NULL;
	return strstr(err->msg, "categories") != NULL ? "--max-categories" :
	    "--max-values";
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
	struct mfm_drift_set *s;
	const char *txt;
	size_t n;
	int t, created;

	mfm_group_init(&g, sizeof(struct mfm_drift_set), 0);
	mfm_json_init(&j);
	mfm_cli_open(&r, path);
	while (mfm_cli_next(&r, &j)) {
		t = mfm_json_member(&j, 0, "_mfm", 4);
		if (t >= 0) {
			if (!mfm_json_str_eq(&j, t, "reference", 9))
				continue;
			t = mfm_json_member(&j, 0, "group", 5);
			if (mfm_json_type_of(&j, t) != MFM_JSON_OBJECT)
				mfm_die("%s:%zu: reference line without a "
				    "group", path, r.lineno);
			txt = mfm_json_raw(&j, t, &n);
			if (mfm_drift_load(&run->d,
			    mfm_refrun_ref(&run->rr, txt, n, 1), &j, &err) != 0)
				mfm_die("%s:%zu: %s", path, r.lineno, err.msg);
			continue;
		}
		s = mfm_group_get(&g, &j, &set.window, set.by.v, set.by.n,
		    &created, &err);
		if (s == NULL || mfm_drift_add(&run->d, s, &j, &err) != 0)
			mfm_die("%s:%zu: %s", path, r.lineno, err.msg);
	}
	if (mfm_reader_close(&r, &err) != 0)
		mfm_die_err(&err);
	if (mfm_cli.nbad > 0)
		mfm_die("%s: bad reference records", path);
	if (mfm_refrun_take(&run->rr, &g, &err) != 0)
		mfm_die("%s: %s", path, err.msg);
	mfm_group_release(&g);
	mfm_json_release(&j);
}

struct gkey {
	const char *p;
	size_t n;
};

static int
cmp_gkey(const void *x, const void *y)
{
	const struct gkey *a = x, *b = y;
	int c = memcmp(a->p, b->p, a->n < b->n ? a->n : b->n);

	if (c != 0)
		return c;
	return (a->n > b->n) - (a->n < b->n);
}

/*
 * The groups in byte order of their text, so that the file does not
 * depend on the order the input came in (a merged run writes the same).
 */
static void
save_reference(const char *path, struct run *run)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct gkey *gk;
	const char *g;
	size_t i, k = 0, n;
	FILE *f;

	f = fopen(path, "w");
	if (f == NULL)
		mfm_die("%s: %s", path, strerror(errno));
	gk = mfm_xcalloc(run->rr.nref + 1, sizeof(*gk));
	for (i = 0; i < run->rr.refmap.nslot; i++)
		if (run->rr.refmap.slot[i].used && k < run->rr.nref) {
			gk[k].p = mfm_keymap_key(&run->rr.refmap,
			    &run->rr.refmap.slot[i].value, &gk[k].n);
			k++;
		}
	qsort(gk, k, sizeof(*gk), cmp_gkey);
	for (i = 0; i < k; i++) {
		g = gk[i].p;
		n = gk[i].n;
		mfm_buf_clear(&b);
		mfm_drift_save(&run->d, mfm_refrun_ref(&run->rr, g, n, 0), g, n,
		    &b);
		if (b.len > 0 && fwrite(b.p, 1, b.len, f) != b.len)
			break;
	}
	free(gk);
	mfm_buf_release(&b);
	if (ferror(f) | (fclose(f) != 0))
		mfm_die("%s: write error", path);
}

static struct mfm_drift_result *cmp_res;
static const size_t *cmp_pos;

/*
 * Largest PSI first; undefined last; then in the order of
 * mfm_drift_sort_features, which does not depend on the input's order.
 */
static int
cmp_rank(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	double pa = cmp_res[a].m[MFM_DRIFT_PSI];
	double pb = cmp_res[b].m[MFM_DRIFT_PSI];

	if (isnan(pa) != isnan(pb))
		return isnan(pa) ? 1 : -1;
	if (!isnan(pa) && pa != pb)
		return pa > pb ? -1 : 1;
	a = cmp_pos[a];
	b = cmp_pos[b];
	return a < b ? -1 : a > b;
}

/*
 * The window and the group; with a feature name (--feature-group) the
 * group also holds "feature", so that mfm-threshold, which keys alerts
 * by window and group, keeps one alert per feature.
 */
static void
put_head(struct mfm_buf *b, struct mfm_group *g, size_t i,
    const char *feature)
{
	size_t n;

	mfm_group_put_head(b, g, i);
	if (feature == NULL)
		return;
	/* Reopen the group object for one more member. */
	(void)mfm_group_text(g, i, &n);
	b->p[--b->len] = '\0';
	mfm_buf_adds(b, n > 2 ? ",\"feature\":" : "\"feature\":");
	mfm_json_put_str(b, feature, strlen(feature));
	mfm_buf_addc(b, '}');
}

static const char *const kind_name[] = { "empty", "numeric", "categorical" };

static void
emit_feature(struct run *run, struct mfm_group *g, size_t i,
    struct mfm_drift_set *ref, struct mfm_drift_set *cur, size_t id,
    struct mfm_drift_result *r, size_t rank)
{
	struct mfm_buf *b = &mfm_cli.out;
	int m, first = 1;

	put_head(b, g, i, set.feature_group ? run->d.name[id] : NULL);
	mfm_buf_adds(b, ",\"feature\":");
	mfm_json_put_str(b, run->d.name[id], strlen(run->d.name[id]));
	mfm_buf_adds(b, ",\"kind\":\"");
	mfm_buf_adds(b, kind_name[r->kind]);
	mfm_buf_adds(b, "\",\"rank\":");
	mfm_json_put_int64(b, (int64_t)rank);
	mfm_buf_adds(b, ",\"n\":");
	mfm_json_put_double(b, cur->nrec);
	mfm_buf_adds(b, ",\"labelled\":");
	mfm_json_put_double(b, cur->nlab);
	mfm_buf_adds(b, ",\"present\":");
	mfm_json_put_double(b, r->cur_present);
	mfm_buf_adds(b, ",\"reference\":{\"n\":");
	mfm_json_put_double(b, ref->nrec);
	mfm_buf_adds(b, ",\"present\":");
	mfm_json_put_double(b, r->ref_present);
	mfm_buf_adds(b, "},\"metrics\":{");
	for (m = 0; m < MFM_DRIFT_NMETRIC; m++) {
		/* Only the metrics of the feature's kind. */
		if (r->kind != MFM_DRIFT_NUMERIC && (m == MFM_DRIFT_KS ||
		    m == MFM_DRIFT_KS_P || m == MFM_DRIFT_WASSERSTEIN ||
		    m == MFM_DRIFT_WASSERSTEIN_NORM))
			continue;
		if (r->kind != MFM_DRIFT_CATEGORICAL &&
		    (m == MFM_DRIFT_UNSEEN || m == MFM_DRIFT_UNSEEN_SHARE))
			continue;
		if (!first)
			mfm_buf_addc(b, ',');
		first = 0;
		mfm_buf_addc(b, '"');
		mfm_buf_adds(b, mfm_drift_metric_name(m));
		mfm_buf_adds(b, "\":");
		mfm_json_put_double(b, r->m[m]);
	}
	mfm_buf_addc(b, '}');
	if (r->kind == MFM_DRIFT_NUMERIC && !isnan(r->m[MFM_DRIFT_KS_P])) {
		mfm_buf_adds(b, ",\"ks_p_method\":");
		mfm_buf_adds(b, r->ks_exact ? "\"exact\"" : "\"asymptotic\"");
	}
	if (r->top.len > 0) {
		mfm_buf_adds(b, ",\"top_changes\":");
		mfm_buf_add(b, r->top.p, r->top.len);
	}
	mfm_buf_addc(b, '}');
	mfm_cli_emit();
}

static void
emit_context(struct run *run, struct mfm_group *g, size_t i,
    const size_t *order, size_t nord)
{
	struct mfm_buf *b = &mfm_cli.out;
	struct mfm_drift_result *r;
	size_t k, n = nord < run->d.top ? nord : run->d.top;

	put_head(b, g, i, NULL);
	mfm_buf_adds(b, ",\"context\":{\"top_drift\":[");
	for (k = 0; k < n; k++) {
		r = &cmp_res[order[k]];
		if (k > 0)
			mfm_buf_addc(b, ',');
		mfm_buf_adds(b, "{\"feature\":");
		mfm_json_put_str(b, run->d.name[order[k]],
		    strlen(run->d.name[order[k]]));
		mfm_buf_adds(b, ",\"psi\":");
		mfm_json_put_double(b, r->m[MFM_DRIFT_PSI]);
		mfm_buf_adds(b, ",\"js\":");
		mfm_json_put_double(b, r->m[MFM_DRIFT_JS]);
		if (r->top.len > 2) {
			/* The largest change alone: the first element. */
			const char *p = r->top.p + 1, *e = strchr(p, '}');

			mfm_buf_adds(b, ",\"change\":");
			mfm_buf_add(b, p, (size_t)(e - p) + 1);
		}
		mfm_buf_addc(b, '}');
	}
	mfm_buf_adds(b, "]}}");
	mfm_cli_emit();
}

/* Compare window i with ref and write its records. */
static void
emit_window(void *ctx, struct mfm_group *g, size_t i, void *ref)
{
	struct run *run = ctx;
	struct mfm_drift_set *cur = mfm_group_val(g, i);
	size_t nf = run->d.nname, k, n = 0, *order;

	cmp_res = mfm_xcalloc(nf ? nf : 1, sizeof(*cmp_res));
	order = mfm_xcalloc(nf ? nf : 1, sizeof(*order));
	for (k = 0; k < nf; k++) {
		if (!mfm_drift_wanted(&run->d, k))
			continue;
		mfm_drift_compare(&run->d, ref, cur, k, &cmp_res[k]);
		if (cmp_res[k].kind != MFM_DRIFT_EMPTY)
			order[n++] = k;
	}
	cmp_pos = run->d.pos;
	qsort(order, n, sizeof(*order), cmp_rank);
	if (set.emit_context)
		emit_context(run, g, i, order, n);
	else
		for (k = 0; k < n; k++)
			emit_feature(run, g, i, ref, cur, order[k],
			    &cmp_res[order[k]], k + 1);
	for (k = 0; k < nf; k++)
		mfm_buf_release(&cmp_res[k].top);
	free(cmp_res);
	cmp_res = NULL;
	free(order);
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
