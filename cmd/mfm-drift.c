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
 * by PSI, or with --context one compact record per window and group
 * naming the top drifted features, for an alert to carry.
 *
 * --partial writes the sketches of every window and group instead, and
 * --merge reads such states back, so that a run split into shards and
 * merged writes exactly what one run over all the input would have.
 */
#include <errno.h>
#include <getopt.h>
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

static const char usage[] =
"usage: mfm-drift [-huVv] [-c FILE] [--features PATHS] [--score PATH]\n"
"                 [--label PATH] [--by PATHS] [--window PATH]\n"
"                 [--reference FILE | --reference-range START/END |\n"
"                 --previous] [--save-reference FILE]\n"
"                 [--context | --feature-group] [--bins N] [--top N]\n"
"                 [--ks-exact-max N] [--max-values N] [--max-categories N]\n"
"                 [--max-groups N] [--partial | --merge]\n"
"                 [--rejects FILE] [--max-line SIZE] [FILE ...]\n"
"\n"
"Compare each feature's distribution per window and group with a\n"
"reference, at end of input.\n"
"\n"
"      --features PATHS    comma-separated feature paths; PATH.* is every\n"
"                          member of the object PATH (inputs.*)\n"
"      --score PATH        the score, compared as a numeric feature\n"
"      --label PATH        the label, compared as a feature; counts labelled\n"
"      --by PATHS          comma-separated group fields (none)\n"
"      --window PATH       window object field (window)\n"
"      --reference FILE    reference sketches or records (repeatable)\n"
"      --reference-range START/END\n"
"                          windows starting in [START, END) are the reference\n"
"      --previous          each window against the group's previous window\n"
"      --save-reference FILE  write the reference sketches to FILE\n"
"      --context           one record per window and group: top drifts\n"
"      --feature-group     name the feature in \"group\" too (mfm-threshold)\n"
"      --bins N            quantile bins for numeric features (10)\n"
"      --top N             largest changes listed per feature (3)\n"
"      --ks-exact-max N    exact KS p-value up to N values a side (10000)\n"
"      --max-values N      distinct numbers kept in all sketches (10000000)\n"
"      --max-categories N  categories of one feature (10000)\n"
"      --max-groups N      windows x groups open at most (100000)\n"
"      --partial           write mergeable state, not drift records\n"
"      --merge             read --partial state records and merge them\n"
MFM_CLI_HELP;

enum {
	OPT_FEATURES = MFM_OPT_TOOL,
	OPT_SCORE,
	OPT_LABEL,
	OPT_BY,
	OPT_WINDOW,
	OPT_SAVE,
	OPT_CONTEXT,
	OPT_FEATURE_GROUP,
	OPT_BINS,
	OPT_TOP,
	OPT_KS_EXACT_MAX,
	OPT_MAX_VALUES,
	OPT_MAX_CATEGORIES,
	OPT_MAX_GROUPS,
	OPT_PARTIAL,
	OPT_MERGE
};

static const struct option longopts[] = {
	{ "features", required_argument, NULL, OPT_FEATURES },
	{ "score", required_argument, NULL, OPT_SCORE },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "by", required_argument, NULL, OPT_BY },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "reference", required_argument, NULL, MFM_OPT_REFERENCE },
	{ "reference-range", required_argument, NULL,
	    MFM_OPT_REFERENCE_RANGE },
	{ "previous", no_argument, NULL, MFM_OPT_PREVIOUS },
	{ "save-reference", required_argument, NULL, OPT_SAVE },
	{ "context", no_argument, NULL, OPT_CONTEXT },
	{ "feature-group", no_argument, NULL, OPT_FEATURE_GROUP },
	{ "bins", required_argument, NULL, OPT_BINS },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "ks-exact-max", required_argument, NULL, OPT_KS_EXACT_MAX },
	{ "max-values", required_argument, NULL, OPT_MAX_VALUES },
	{ "max-categories", required_argument, NULL, OPT_MAX_CATEGORIES },
	{ "max-groups", required_argument, NULL, OPT_MAX_GROUPS },
	{ "partial", no_argument, NULL, OPT_PARTIAL },
	{ "merge", no_argument, NULL, OPT_MERGE },
	MFM_CLI_LONG,
	{ NULL, 0, NULL, 0 }
};

static const char *const config_keys[] = {
	"features", "score", "label", "by", "window", "bins", "top", NULL
};

struct run {
	struct mfm_drift d;
	struct mfm_json_path window, score, label;
	struct mfm_json_path *by, *feat, *spec;
	size_t nby, nfeat;
	int *wild;
	struct mfm_refrun rr;		/* window x group -> drift set */
	int context, feature_group;
	int partial, merge;
	struct mfm_buf wkey;		/* a state record's window key */
	struct mfm_hits *hits;		/* whether the paths match */
};

/* Whether record j is a drift state line ("_mfm":"drift_state"). */
static int
is_state(const struct mfm_json *j, int t)
{
	return t >= 0 && mfm_json_str_eq(j, t, "drift_state", 11);
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
		mfm_die("%s:%zu: %s (--max-groups)", r->name, r->lineno,
		    err.msg);
	if (mfm_drift_read_state(&run->d, s, j, &err) != 0)
		mfm_die("%s:%zu: %s", r->name, r->lineno, err.msg);
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
		mfm_hits_add(run->hits, i < run->nfeat ? "--features" :
		    run->d.label != NULL && i + 1 == nspec ? "--label" :
		    "--score", &run->feat[i], run->wild[i] ? MFM_HITS_WILD : 0,
		    MFM_HITS_OWN);
	mfm_cli_hits_groups(run->hits, run->by, run->nby,
	    window_given ? &run->window : NULL);
}

static void
input_record(void *ctx, const struct mfm_reader *r, const struct mfm_json *j)
{
	struct run *run = ctx;
	struct mfm_drift_set *s;
	struct mfm_err err;
	int t, created;

	t = mfm_json_member(j, 0, "_mfm", 4);
	if (run->merge) {
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
	s = mfm_group_get(&run->rr.groups, j, &run->window, run->by, run->nby,
	    &created, &err);
	if (s == NULL) {
		if (err.kind == MFM_ERR_LIMIT)
			mfm_die("%s (--max-groups)", err.msg);
		mfm_cli_bad(r, "%s", err.msg);
		return;
	}
	if (mfm_drift_add(&run->d, s, j, &err) != 0) {
		if (err.kind == MFM_ERR_LIMIT)
			mfm_die("%s: %s", r->name, err.msg);
		mfm_cli_bad(r, "%s", err.msg);
	}
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
		s = mfm_group_get(&g, &j, &run->window, run->by, run->nby,
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

	put_head(b, g, i, run->feature_group ? run->d.name[id] : NULL);
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
	if (run->context)
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
static int
check_merged(struct run *run)
{
	struct mfm_group *g = &run->rr.groups;
	struct mfm_drift_set *s;
	const char *w, *t;
	size_t i, k, id, wn, tn;
	int bad = 0;

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
			fprintf(stderr, "mfm-drift: window %.*s, group %.*s: "
			    "feature '%s' has more values than records\n",
			    (int)wn, w, (int)tn, t, run->d.name[id]);
			bad = 1;
			break;
		}
	}
	return bad;
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

int
main(int argc, char **argv)
{
	const struct mfm_cfg_node *sec;
	const char *feat_s = NULL, *score_s = NULL, *label_s = NULL;
	const char *window_s = NULL, *by_s = NULL, *save = NULL;
	size_t max_groups = MFM_GROUP_MAX_DEFAULT, i, nspec;
	int bins_set = 0, top_set = 0, ch, window_given;
	struct mfm_cli_reference ref;
	struct mfm_err err;
	struct run run;

	memset(&run, 0, sizeof(run));
	memset(&ref, 0, sizeof(ref));
	mfm_cli_init("mfm-drift", usage);
	mfm_drift_init(&run.d);
	while ((ch = getopt_long(argc, argv, MFM_CLI_SHORT, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case OPT_FEATURES:
			feat_s = optarg;
			break;
		case OPT_SCORE:
			score_s = optarg;
			break;
		case OPT_LABEL:
			label_s = optarg;
			break;
		case OPT_BY:
			by_s = optarg;
			break;
		case OPT_WINDOW:
			window_s = optarg;
			break;
		case OPT_SAVE:
			save = optarg;
			break;
		case OPT_CONTEXT:
			run.context = 1;
			break;
		case OPT_FEATURE_GROUP:
			run.feature_group = 1;
			break;
		case OPT_BINS:
			run.d.bins = mfm_cli_count("--bins", optarg, 1,
			    MFM_CLI_COUNT_MAX);
			if (run.d.bins < 2)
				mfm_usage_error("--bins: need at least 2");
			bins_set = 1;
			break;
		case OPT_TOP:
			run.d.top = mfm_cli_count("--top", optarg, 1,
			    MFM_CLI_COUNT_MAX);
			top_set = 1;
			break;
		case OPT_KS_EXACT_MAX:
			run.d.ks_exact_max = mfm_cli_count("--ks-exact-max",
			    optarg, 1, MFM_CLI_COUNT_MAX);
			break;
		case OPT_MAX_VALUES:
			run.d.budget.max_values = mfm_cli_count("--max-values",
			    optarg, 1, MFM_CLI_COUNT_MAX);
			break;
		case OPT_MAX_CATEGORIES:
			run.d.budget.max_categories =
			mfm_cli_count("--max-categories", optarg, 1,
			    MFM_CLI_COUNT_MAX);
			break;
		case OPT_MAX_GROUPS:
			max_groups = mfm_cli_count("--max-groups", optarg, 1,
			    MFM_CLI_COUNT_MAX);
			break;
		case OPT_PARTIAL:
			run.partial = 1;
			break;
		case OPT_MERGE:
			run.merge = 1;
			break;
		default:
			if (!mfm_cli_reference_option(&ref, ch, optarg))
				mfm_cli_option(ch, optarg);
		}
	}
	argc -= optind;
	argv += optind;
	if (run.partial) {
		/*
		 * Shards cannot each count a reference file, and the windows
		 * of a reference range or the previous windows may be in
		 * other shards: the step that compares takes the reference.
		 */
		if (ref.nfiles > 0 || ref.mode.has_range ||
		    ref.mode.previous || save != NULL)
			mfm_usage_error("--partial takes no reference: give "
			    "it to --merge");
	} else
		mfm_cli_reference_modes(&ref);
	if (save != NULL && ref.mode.previous)
		mfm_usage_error("--save-reference needs --reference or "
		    "--reference-range");

	/* Command-line options win over the configuration file. */
	sec = mfm_cli_config("drift", config_keys);
	window_given = window_s != NULL || mfm_cfg_get(sec, "window") != NULL;
	if (window_s == NULL)
		window_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "window"),
		    "window");
	if (score_s == NULL)
		score_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "score"), NULL);
	if (label_s == NULL)
		label_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "label"), NULL);
	if (!bins_set && mfm_cfg_get(sec, "bins") != NULL)
		run.d.bins = mfm_cli_cfg_count(mfm_cfg_get(sec, "bins"), "bins",
		    10, 2, 100000);
	if (!top_set && mfm_cfg_get(sec, "top") != NULL)
		run.d.top = mfm_cli_cfg_count(mfm_cfg_get(sec, "top"), "top", 3,
		    1, 100000);
	mfm_cli_path("--window", window_s, &run.window);
	mfm_cli_opt_paths("--features", feat_s, mfm_cfg_get(sec, "features"),
	    "inputs.*", &run.feat, &run.nfeat);
	run.wild = mfm_refrun_wild(run.feat, run.nfeat);
	/* The score and the label are features too, declared last. */
	nspec = run.nfeat;
	run.feat = mfm_xreallocarray(run.feat, nspec + 2, sizeof(*run.feat));
	if (score_s != NULL)
		mfm_cli_path("--score", score_s, &run.feat[nspec++]);
	if (label_s != NULL) {
		mfm_cli_path("--label", label_s, &run.label);
		mfm_cli_path("--label", label_s, &run.feat[nspec++]);
		run.d.label = &run.label;
	}
	mfm_cli_opt_paths("--by", by_s, mfm_cfg_get(sec, "by"), NULL, &run.by,
	    &run.nby);
	run.d.spec = run.feat;
	run.d.wild = run.wild;
	run.d.nspec = nspec;
	if (!run.merge)
		hits_init(&run, nspec, window_given);
	mfm_refrun_init(&run.rr, &ref.mode, sizeof(struct mfm_drift_set),
	    max_groups, &refrun_ops, &run);

	for (i = 0; i < ref.nfiles; i++)
		read_reference(ref.files[i], &run);
	if (argc == 0)
		mfm_cli_read("-", input_record, &run);
	for (i = 0; i < (size_t)argc; i++)
		mfm_cli_read(argv[i], input_record, &run);
	if (run.merge && check_merged(&run))
		run.rr.trouble = 1;
	mfm_drift_sort_features(&run.d);
	if (run.partial)
		write_states(&run);
	else if (mfm_refrun_finish(&run.rr, &err) != 0)
		mfm_die("%s", err.msg);
	if (save != NULL)
		save_reference(save, &run);
	if (mfm_cli.verbose)
		fprintf(stderr, "mfm-drift: %" PRIu64 " records, %zu features,"
		    " %zu windows x groups, %" PRIu64 " bad\n", mfm_cli.nread,
		    run.d.nname, run.rr.groups.n, mfm_cli.nbad);

	mfm_refrun_release(&run.rr);
	mfm_buf_release(&run.wkey);
	mfm_cli_paths_free(run.feat, nspec);
	free(run.wild);
	mfm_cli_paths_free(run.by, run.nby);
	free(ref.files);
	mfm_json_path_release(&run.window);
	if (run.d.label != NULL)
		mfm_json_path_release(&run.label);
	mfm_drift_release(&run.d);
	if (run.rr.trouble)
		(void)mfm_cli_finish(0), exit(2);
	return mfm_cli_finish(0);
}
