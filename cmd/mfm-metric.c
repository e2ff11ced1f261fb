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
 * of its next window_closed.  --partial writes the state instead of the metrics and
 * --merge reads such states back, so sharded runs merge into exactly the
 * single run's answer.  A record whose score or label is unusable is a
 * bad record: reported, counted, kept in --rejects, and the run goes on.
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/control.h"
#include "lib/field.h"
#include "lib/state.h"
#include "lib/group.h"
#include "lib/metric.h"
#include "lib/tm.h"
#include "lib/banned.h"

static const char usage[] =
"usage: mfm-metric [-huVv] [-c FILE] [--task TASK] [--score PATH]\n"
"                  [--label PATH] [--weight PATH] [--delay PATH]\n"
"                  [--metrics LIST] [--threshold X] [--beta X]\n"
"                  [--positive VALUE] [--by PATHS] [--window PATH]\n"
"                  [--min-support N] [--ci] [--bootstrap N]\n"
"                  [--partial | --merge]\n"
"                  [--keep-closed N] [--max-groups N] [--max-classes N]\n"
"                  [--state FILE] [--resume] [--drain] [-o FILE]\n"
"                  [--rejects FILE] [--max-line SIZE] [FILE ...]\n"
"\n"
"Compute model metrics per window and group.\n"
"\n"
"      --task TASK         binary, regression or multiclass (binary)\n"
"      --score PATH        score or predicted class field (score)\n"
"      --label PATH        label field (label)\n"
"      --weight PATH       sample weight field (none: weight 1)\n"
"      --delay PATH        label delay field, seconds (label_delay_s)\n"
"      --metrics LIST      comma-separated metric names, or all\n"
"      --threshold X       predicted positive iff score >= X (0.5)\n"
"      --beta X            the beta of fbeta (1)\n"
"      --positive VALUE    the label value that means positive\n"
"      --by PATHS          comma-separated group fields (none)\n"
"      --window PATH       window object field (window)\n"
"      --min-support N     fewer labelled records: metrics null (0)\n"
"      --ci                95% intervals (Wilson, DeLong for auc)\n"
"      --bootstrap N       binary: 95% intervals from N resamples\n"
"      --partial           write mergeable state, not metrics\n"
"      --merge             read --partial state records and merge them\n"
"      --keep-closed N     closed windows kept for revisions (16; 2\n"
"                          with mfm-join's watermark records)\n"
"      --max-groups N      windows x groups open at most (100000)\n"
"      --max-classes N     multiclass: classes at most (256)\n"
"      --state FILE        keep windows not yet final in FILE between runs\n"
"      --resume            with --state: read input files from where the\n"
"                          last run stopped\n"
"      --drain             with --state: write every window as final\n"
MFM_CLI_HELP;

enum {
	OPT_SCORE = MFM_OPT_TOOL,
	OPT_LABEL,
	OPT_THRESHOLD,
	OPT_BY,
	OPT_WINDOW,
	OPT_POSITIVE,
	OPT_MAX_GROUPS,
	OPT_TASK,
	OPT_WEIGHT,
	OPT_DELAY,
	OPT_METRICS,
	OPT_BETA,
	OPT_MIN_SUPPORT,
	OPT_CI,
	OPT_PARTIAL,
	OPT_MERGE,
	OPT_KEEP_CLOSED,
	OPT_MAX_CLASSES,
	OPT_BOOTSTRAP,
	OPT_STATE,
	OPT_DRAIN
};

static const struct option longopts[] = {
	{ "score", required_argument, NULL, OPT_SCORE },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "by", required_argument, NULL, OPT_BY },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "positive", required_argument, NULL, OPT_POSITIVE },
	{ "max-groups", required_argument, NULL, OPT_MAX_GROUPS },
	{ "task", required_argument, NULL, OPT_TASK },
	{ "weight", required_argument, NULL, OPT_WEIGHT },
	{ "delay", required_argument, NULL, OPT_DELAY },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "beta", required_argument, NULL, OPT_BETA },
	{ "min-support", required_argument, NULL, OPT_MIN_SUPPORT },
	{ "ci", no_argument, NULL, OPT_CI },
	{ "partial", no_argument, NULL, OPT_PARTIAL },
	{ "merge", no_argument, NULL, OPT_MERGE },
	{ "keep-closed", required_argument, NULL, OPT_KEEP_CLOSED },
	{ "max-classes", required_argument, NULL, OPT_MAX_CLASSES },
	{ "bootstrap", required_argument, NULL, OPT_BOOTSTRAP },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "drain", no_argument, NULL, OPT_DRAIN },
	{ "resume", no_argument, NULL, MFM_OPT_RESUME },
	MFM_CLI_LONG,
	{ NULL, 0, NULL, 0 }
};

static const char *const config_keys[] = {
	"score", "label", "threshold", "by", "window", "positive", "task",
	"weight", "delay", "metrics", "beta", "min_support", "state",
	"keep_closed", NULL
};

/* What the group table holds per window and group. */
struct cell {
	struct mfm_metric_acc acc;
	int closed;		/* written at its window_closed */
	int dirty;		/* records came since it was last written */
	int64_t revision;
};

/* The fields every record is read for, by number in the field set. */
enum { F_MFM, F_SCORE, F_LABEL, F_DELAY, F_WINDOW, F_WEIGHT, F_BY };

struct run {
	struct mfm_json_path score, label, window, weight, delay, mfm;
	int has_weight;
	struct mfm_json_path *by;
	size_t nby;
	struct mfm_field_set fields;
	int *tok;		/* the fields' tokens in the current record */
	struct mfm_hits *hits;	/* whether the paths match (mfm_cli_hits) */
	struct mfm_metric_labels labels;
	struct mfm_metric_conf conf;
	int metrics[MFM_METRIC_COUNT];
	size_t nmetrics;
	int partial, merge;
	size_t keep_closed;
	int keep_auto;		/* --keep-closed not given */
	struct mfm_group groups;
	char **closed;		/* kept closed windows, oldest first */
	size_t nclosed;
	int dropped;		/* see note_dropped */
	char *dropped_end;
	struct mfm_upstream up;	/* mfm-join's watermark */
	struct mfm_buf wkey, scratch, ptext, ytext, str;
	uint64_t nlabelled;
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
			mfm_usage_error("--metrics: unknown metric '%.*s'",
			    k, p);
		if (!mfm_metric_applies(run->conf.task, m))
			mfm_usage_error("--metrics: '%.*s' is not a %s metric",
			    k, p, mfm_metric_task_name(run->conf.task));
		if (seen[m]++)
			mfm_usage_error("--metrics: '%.*s' named twice", k, p);
		run->metrics[run->nmetrics++] = m;
		if (*e == '\0')
			break;
		p = e + 1;
	}
}

/* Append value t of j in canonical form: strings decoded and re-encoded. */
static void
put_class(struct run *run, struct mfm_buf *b, const struct mfm_json *j,
    int t)
{
	const char *s;
	size_t n;

	mfm_buf_clear(b);
	if (j->tok[t].type == MFM_JSON_STRING) {
		s = mfm_json_str(j, t, &n, &run->str);
		mfm_json_put_str(b, s, n);
		return;
	}
	s = mfm_json_raw(j, t, &n);
	mfm_buf_add(b, s, n);
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
put_provisional(const struct run *run, struct mfm_buf *b)
{
	char t[MFM_TM_RFC3339_LEN + 1];
	size_t n;

	mfm_buf_adds(b, ",\"provisional\":true");
	if (run->up.has_now && (n = mfm_tm_format_rfc3339(run->up.now,
	    t)) > 0) {
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
emit(struct run *run, size_t i, int64_t revision, int provisional)
{
	struct mfm_buf *b = &mfm_cli.out;
	struct mfm_metric_result res;
	struct cell *c = mfm_group_val(&run->groups, i);
	const struct mfm_metric_value *v;
	const char *s;
	size_t n, k;
	int m, nundef, nci;

	mfm_buf_adds(b, "{\"window\":");
	s = mfm_group_window(&run->groups, i, &n);
	mfm_buf_add(b, s, n);
	if (revision > 0) {
		mfm_buf_adds(b, ",\"revision\":");
		mfm_json_put_int64(b, revision);
	}
	mfm_buf_adds(b, ",\"group\":");
	s = mfm_group_text(&run->groups, i, &n);
	mfm_buf_add(b, s, n);
	if (provisional)
		put_provisional(run, b);
	if (run->partial) {
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

static void
drop(struct run *run, size_t i)
{
	mfm_metric_acc_release(mfm_group_val(&run->groups, i));
	mfm_group_remove(&run->groups, i);
}

static int
window_is(const struct run *run, size_t i, const char *w, size_t wlen)
{
	const char *s;
	size_t n;

	s = mfm_group_window(&run->groups, i, &n);
	return n == wlen && memcmp(s, w, n) == 0;
}

/* Drop every entry of window w; indices from the top, as removal moves. */
static void
drop_window(struct run *run, const char *w, size_t wlen)
{
	size_t i;

	for (i = run->groups.n; i-- > 0;)
		if (window_is(run, i, w, wlen))
			drop(run, i);
}

/* Whether window w is one of the closed windows whose state is kept. */
static int
kept(const struct run *run, const char *w, size_t wlen)
{
	size_t i;

	for (i = 0; i < run->nclosed; i++)
		if (strlen(run->closed[i]) == wlen &&
		    memcmp(run->closed[i], w, wlen) == 0)
			return 1;
	return 0;
}

static const struct mfm_group *cmp_groups;

static int
cmp_group_text(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb, an, bn;
	const char *as = mfm_group_text(cmp_groups, a, &an);
	const char *bs = mfm_group_text(cmp_groups, b, &bn);
	int c = memcmp(as, bs, an < bn ? an : bn);

	return c != 0 ? c : (an > bn) - (an < bn);
}

/* The end of a window key, as text: "...","end":"END"... */
static const char *
window_end(const char *w, size_t *n)
{
	const char *e = strstr(w, "\"end\":\""), *q;

	if (e == NULL)
		return NULL;
	e += 7;
	if ((q = strchr(e, '"')) == NULL)
		return NULL;
	*n = (size_t)(q - e);
	return e;
}

/*
 * Remember how far the closed windows dropped so far reached: dropped is
 * 0 before any, 1 with the latest end in dropped_end, 2 when a dropped
 * window had no end to compare by.
 */
static void
note_dropped(struct run *run, const char *w)
{
	const char *e;
	size_t n = 0;

	if (run->dropped == 2)
		return;
	if ((e = window_end(w, &n)) == NULL) {
		run->dropped = 2;
		free(run->dropped_end);
		run->dropped_end = NULL;
		return;
	}
	if (run->dropped == 0 || (strlen(run->dropped_end) == n &&
	    memcmp(e, run->dropped_end, n) > 0)) {
		free(run->dropped_end);
		run->dropped_end = mfm_xmemdup(e, n);
	}
	run->dropped = 1;
}

/*
 * Was window w (a key) dropped, or could it have been?  It ends no later
 * than a dropped one; a later window was never seen, and a revision of
 * it stands on its own.
 */
static int
maybe_dropped(const struct run *run, const char *w, size_t wlen)
{
	struct mfm_buf k = MFM_BUF_INIT;
	const char *e;
	size_t n;
	int r;

	if (run->dropped != 1)
		return run->dropped == 2;
	mfm_buf_add(&k, w, wlen);
	e = window_end(k.p, &n);
	r = e == NULL || n != strlen(run->dropped_end) ||
	    memcmp(e, run->dropped_end, n) <= 0;
	mfm_buf_release(&k);
	return r;
}

/*
 * A window_closed control record for window w: write its groups in
 * group order (unless written already and unchanged), then keep or
 * drop its state.
 */
static void
close_window(struct run *run, const char *w, size_t wlen, int64_t revision)
{
	struct cell *c;
	size_t *idx, n = 0, i, k;

	idx = mfm_xreallocarray(NULL, run->groups.n + 1, sizeof(*idx));
	for (i = 0; i < run->groups.n; i++)
		if (window_is(run, i, w, wlen))
			idx[n++] = i;
	cmp_groups = &run->groups;
	qsort(idx, n, sizeof(*idx), cmp_group_text);
	for (k = 0; k < n; k++) {
		c = mfm_group_val(&run->groups, idx[k]);
		if (revision > c->revision)
			c->revision = revision;
		if (!c->closed || c->dirty)
			emit(run, idx[k], c->revision, 0);
		c->closed = 1;
		c->dirty = 0;
	}
	free(idx);
	if (n == 0)
		return;
	if (run->keep_closed == 0) {
		note_dropped(run, w);
		drop_window(run, w, wlen);
		return;
	}
	if (kept(run, w, wlen))
		return;
	while (run->nclosed > 0 && run->nclosed >= run->keep_closed) {
		/* The oldest closed window goes, and its revisions with it. */
		note_dropped(run, run->closed[0]);
		drop_window(run, run->closed[0], strlen(run->closed[0]));
		free(run->closed[0]);
		memmove(run->closed, run->closed + 1,
		    (run->nclosed - 1) * sizeof(*run->closed));
		run->nclosed--;
	}
	run->closed[run->nclosed++] = mfm_xmemdup(w, wlen);
}

/*
 * Input with mfm-join's watermark records: a record comes late for a
 * closed window only when its prediction came later than the join's TTL,
 * so fewer closed windows are kept, unless --keep-closed said how many.
 */
static void
keep_joined(struct run *run)
{
	if (run->keep_auto && run->keep_closed > 2)
		run->keep_closed = 2;
}

/*
 * A control record: act on window_closed, follow mfm-join's watermark
 * (for as_of and whether the input is complete), ignore any other.
 */
static void
control(struct run *run, const struct mfm_reader *r, const struct mfm_json *j)
{
	struct mfm_control_mark m;
	enum mfm_control_type type;
	struct mfm_err err;
	int c, t, w;
	int64_t rev = 0;

	if (mfm_control_type(j, &type, &m, &err) != 0 ||
	    (type == MFM_CONTROL_WATERMARK &&
	    mfm_upstream_add(&run->up, &m, &err) < 0)) {
		mfm_cli_bad(r, "%s", err.msg);
		return;
	}
	if (type == MFM_CONTROL_WATERMARK)
		keep_joined(run);
	if (type != MFM_CONTROL_WINDOW_CLOSED)
		return;
	c = mfm_json_member(j, 0, "_mfm", 4);
	w = mfm_json_member(j, c, "window", 6);
	if (mfm_json_type_of(j, w) != MFM_JSON_OBJECT) {
		mfm_cli_bad(r, "window_closed without a window object");
		return;
	}
	t = mfm_json_member(j, c, "revision", 8);
	if (t >= 0 && (mfm_json_int64(j, t, &rev) != 0 || rev < 0)) {
		mfm_cli_bad(r, "window_closed revision is not a count");
		return;
	}
	mfm_buf_clear(&run->wkey);
	mfm_group_put_window(&run->wkey, j, w);
	close_window(run, run->wkey.p, run->wkey.len, rev);
}

/* The revision member of the record's window; 0 when none. */
static int
record_revision(const struct run *run, const struct mfm_json *j,
    int64_t *rev)
{
	int t;

	*rev = 0;
	t = mfm_json_member(j, run->tok[F_WINDOW], "revision", 8);
	if (t < 0)
		return 0;
	return mfm_json_int64(j, t, rev) != 0 || *rev < 0 ? -1 : 0;
}

/*
 * The cell c of a record whose window has revision rev, set up if
 * created; NULL (reported, and the new entry removed) when the record
 * revises a window whose state was dropped.  A record for a closed
 * window makes it due to be written again.
 */
static struct cell *
cell_of(struct run *run, const struct mfm_reader *r, int64_t rev,
    struct cell *c, int created)
{
	const char *w;
	size_t i, n;

	if (created && rev > 0 && !run->merge) {
		/*
		 * A group new to a revised window: fine if the window's state
		 * is kept (the group is written at its next close), or if the
		 * window was never seen (it had no record before it closed);
		 * an error if it was dropped, since the revision cannot be
		 * computed.
		 */
		for (i = run->groups.n; i-- > 0;)
			if (mfm_group_val(&run->groups, i) == c)
				break;
		w = mfm_group_window(&run->groups, i, &n);
		if (kept(run, w, n)) {
			c->closed = 1;
		} else if (maybe_dropped(run, w, n)) {
			mfm_group_remove(&run->groups, i);
			mfm_cli_bad(r, "revision %" PRId64 " of a window no "
			    "longer kept (--keep-closed)", rev);
			return NULL;
		}
	}
	if (created)
		mfm_metric_acc_init_conf(&c->acc, &run->conf);
	c->dirty = 1;
	if (rev > c->revision)
		c->revision = rev;
	return c;
}

static void
group_error(const struct mfm_reader *r, const struct mfm_err *err)
{
	if (err->kind == MFM_ERR_LIMIT)
		mfm_die("%s (--max-groups)", err->msg);
	mfm_cli_bad(r, "%s", err->msg);
}

/* Read the record's values and count it; bad values are reported. */
static void
count(struct run *run, const struct mfm_reader *r, const struct mfm_json *j)
{
	struct mfm_err err;
	struct cell *c;
	double score = 0, y = 0, w = 1, delay = 0;
	int t, label = MFM_METRIC_UNLABELLED, has_y, has_delay = 0, created;
	int64_t rev;
	enum mfm_metric_task task = run->conf.task;

	t = run->tok[F_SCORE];
	if (task == MFM_METRIC_MULTICLASS) {
		switch (mfm_json_type_of(j, t)) {
		case MFM_JSON_STRING:
		case MFM_JSON_NUMBER:
		case MFM_JSON_TRUE:
		case MFM_JSON_FALSE:
			put_class(run, &run->ptext, j, t);
			break;
		case MFM_JSON_NONE:
			mfm_cli_bad(r, "field '%s' missing", run->score.text);
			return;
		default:
			mfm_cli_bad(r, "field '%s' is not a class",
			    run->score.text);
			return;
		}
	} else if (t < 0) {
		mfm_cli_bad(r, "field '%s' missing", run->score.text);
		return;
	} else if (mfm_json_type_of(j, t) != MFM_JSON_NUMBER) {
		mfm_cli_bad(r, "field '%s' is not a number", run->score.text);
		return;
	} else if (mfm_json_double(j, t, &score) != 0) {
		mfm_cli_bad(r, "field '%s' is out of range", run->score.text);
		return;
	}
	t = run->tok[F_LABEL];
	has_y = t >= 0 && mfm_json_type_of(j, t) != MFM_JSON_NULL;
	if (task == MFM_METRIC_BINARY) {
		if (mfm_metric_label(&run->labels, j, t, run->label.text,
		    &label, &err) != 0) {
			mfm_cli_bad(r, "%s", err.msg);
			return;
		}
	} else if (has_y && task == MFM_METRIC_REGRESSION) {
		if (mfm_json_type_of(j, t) != MFM_JSON_NUMBER) {
			mfm_cli_bad(r, "field '%s' is not a number",
			    run->label.text);
			return;
		}
		if (mfm_json_double(j, t, &y) != 0) {
			mfm_cli_bad(r, "field '%s' is out of range",
			    run->label.text);
			return;
		}
	} else if (has_y) {
		switch (mfm_json_type_of(j, t)) {
		case MFM_JSON_STRING:
		case MFM_JSON_NUMBER:
		case MFM_JSON_TRUE:
		case MFM_JSON_FALSE:
			put_class(run, &run->ytext, j, t);
			break;
		default:
			mfm_cli_bad(r, "field '%s' is not a class",
			    run->label.text);
			return;
		}
	}
	if (run->has_weight) {
		t = run->tok[F_WEIGHT];
		if (t < 0) {
			mfm_cli_bad(r, "field '%s' missing", run->weight.text);
			return;
		}
		if (mfm_json_type_of(j, t) == MFM_JSON_NUMBER &&
		    mfm_json_double(j, t, &w) != 0) {
			mfm_cli_bad(r, "field '%s' is out of range",
			    run->weight.text);
			return;
		}
		if (mfm_json_type_of(j, t) != MFM_JSON_NUMBER || !(w >= 0)) {
			mfm_cli_bad(r, "field '%s' is not a number >= 0",
			    run->weight.text);
			return;
		}
	}
	t = run->tok[F_DELAY];
	if (has_y && t >= 0 && mfm_json_type_of(j, t) != MFM_JSON_NULL) {
		if (mfm_json_type_of(j, t) != MFM_JSON_NUMBER) {
			mfm_cli_bad(r, "field '%s' is not a number",
			    run->delay.text);
			return;
		}
		if (mfm_json_double(j, t, &delay) != 0) {
			mfm_cli_bad(r, "field '%s' is out of range",
			    run->delay.text);
			return;
		}
		has_delay = 1;
	}
	if (record_revision(run, j, &rev) != 0) {
		mfm_cli_bad(r, "field '%s.revision' is not a count",
		    run->window.text);
		return;
	}
	c = mfm_group_get_at(&run->groups, j, &run->window,
	    run->tok[F_WINDOW], run->tok + F_BY, &created, &err);
	if (c == NULL) {
		group_error(r, &err);
		return;
	}
	if ((c = cell_of(run, r, rev, c, created)) == NULL)
		return;
	switch (task) {
	case MFM_METRIC_BINARY:
		t = mfm_metric_acc_addw(&c->acc, score, label, w, &err);
		break;
	case MFM_METRIC_REGRESSION:
		t = mfm_metric_acc_add_reg(&c->acc, score, y, has_y, w, &err);
		break;
	default:
		t = mfm_metric_acc_add_mc(&c->acc, run->ptext.p,
		    run->ptext.len, has_y ? run->ytext.p : NULL,
		    run->ytext.len, w, &err);
	}
	if (t != 0) {
		if (err.kind == MFM_ERR_LIMIT)
			mfm_die("%s (--max-classes)", err.msg);
		mfm_cli_bad(r, "field '%s': %s", run->score.text, err.msg);
		return;
	}
	if (has_y) {
		run->nlabelled++;
		if (has_delay)
			mfm_metric_acc_add_delay(&c->acc, delay);
	}
}

/* A --partial state record: merge it into its window and group. */
static void
merge_state(struct run *run, const struct mfm_reader *r,
    const struct mfm_json *j)
{
	struct mfm_err err;
	struct cell *c;
	const char *g;
	size_t glen;
	int64_t rev = 0;
	int t, created;

	t = mfm_json_member(j, 0, "group", 5);
	if (mfm_json_type_of(j, t) != MFM_JSON_OBJECT) {
		mfm_cli_bad(r, "state record without a group object");
		return;
	}
	g = mfm_json_raw(j, t, &glen);
	t = mfm_json_member(j, 0, "revision", 8);
	if (t >= 0 && (mfm_json_int64(j, t, &rev) != 0 || rev < 0)) {
		mfm_cli_bad(r, "field 'revision' is not a count");
		return;
	}
	t = mfm_json_member(j, 0, "window", 6);
	mfm_buf_clear(&run->wkey);
	mfm_group_put_window(&run->wkey, j, t);
	c = mfm_group_get_key(&run->groups, run->wkey.p, run->wkey.len, g,
	    glen, &created, &err);
	if (c == NULL) {
		group_error(r, &err);
		return;
	}
	c = cell_of(run, r, rev, c, created);
	t = mfm_json_member(j, 0, "state", 5);
	if (mfm_metric_acc_read_state(&c->acc, j, t, &err) != 0)
		mfm_cli_bad(r, "%s", err.msg);
}

static void
metric_record(void *ctx, const struct mfm_reader *r, const struct mfm_json *j)
{
	struct run *run = ctx;

	if (run->merge) {
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
 * End of input: every window not yet written, or changed since; as
 * final when the input is complete, else as provisional (the windows
 * not closed) and kept.
 */
static void
emit_all(struct run *run, int complete)
{
	struct cell *c;
	size_t i;

	mfm_group_sort(&run->groups);
	for (i = 0; i < run->groups.n; i++) {
		c = mfm_group_val(&run->groups, i);
		if (!c->dirty && (c->closed || !complete))
			continue;
		emit(run, i, c->revision, !complete && !c->closed);
		c->dirty = 0;
		c->closed |= complete;
	}
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
	mfm_hits_add(run->hits, "--score", &run->score, 0, F_SCORE);
	mfm_hits_add(run->hits, "--label", &run->label, 0, F_LABEL);
	if (delay_given)
		mfm_hits_add(run->hits, "--delay", &run->delay, 0, F_DELAY);
	if (window_given)
		mfm_hits_add(run->hits, "--window", &run->window, 0, F_WINDOW);
	if (run->has_weight)
		mfm_hits_add(run->hits, "--weight", &run->weight, 0, F_WEIGHT);
	for (i = 0; i < run->nby; i++)
		mfm_hits_add(run->hits, "--by", &run->by[i], 0, F_BY + i);
	mfm_cli_hits(run->hits);
}

#define STATE_VERSION 1

/*
 * The state between runs: after the chain and upstream lines, one line
 * for the closed windows kept, then one per window and group, with its
 * counts as --partial writes them.
 */
static void
state_dump(struct run *run, struct mfm_buf *b)
{
	struct cell *c;
	const char *s;
	size_t i, n;

	mfm_upstream_dump(&run->up, b);
	mfm_buf_adds(b, "{\"closed\":[");
	for (i = 0; i < run->nclosed; i++) {
		if (i > 0)
			mfm_buf_addc(b, ',');
		mfm_json_put_str(b, run->closed[i], strlen(run->closed[i]));
	}
	mfm_buf_addf(b, "],\"dropped\":%d,\"dropped_end\":", run->dropped);
	if (run->dropped_end != NULL)
		mfm_json_put_str(b, run->dropped_end,
		    strlen(run->dropped_end));
	else
		mfm_buf_adds(b, "null");
	mfm_buf_adds(b, "}\n");
	for (i = 0; i < run->groups.n; i++) {
		c = mfm_group_val(&run->groups, i);
		mfm_buf_adds(b, "{\"window\":");
		s = mfm_group_window(&run->groups, i, &n);
		mfm_buf_add(b, s, n);
		mfm_buf_adds(b, ",\"group\":");
		s = mfm_group_text(&run->groups, i, &n);
		mfm_buf_add(b, s, n);
		mfm_buf_addf(b, ",\"cell\":[%d,%d,%" PRId64 "],\"state\":",
		    c->closed, c->dirty, c->revision);
		mfm_metric_acc_write_state(&c->acc, b, &run->scratch);
		mfm_buf_adds(b, "}\n");
	}
}

static int
load_closed(struct run *run, const struct mfm_json *j)
{
	const char *s;
	size_t n;
	int64_t d;
	int a, t;

	a = mfm_json_member(j, 0, "closed", 6);
	if (mfm_json_type_of(j, a) != MFM_JSON_ARRAY ||
	    mfm_json_at(j, a)->count > (run->keep_closed > 16 ?
	    run->keep_closed : 16))
		return -1;
	for (t = mfm_json_first(j, a); t >= 0; t = mfm_json_next(j, a, t)) {
		if ((s = mfm_json_str(j, t, &n, &run->str)) == NULL)
			return -1;
		run->closed[run->nclosed++] = mfm_xmemdup(s, n);
	}
	if (mfm_json_int64(j, mfm_json_member(j, 0, "dropped", 7), &d) != 0 ||
	    d < 0 || d > 2)
		return -1;
	run->dropped = (int)d;
	t = mfm_json_member(j, 0, "dropped_end", 11);
	if ((run->dropped == 1) != (mfm_json_type_of(j, t) == MFM_JSON_STRING))
		return -1;
	if (mfm_json_type_of(j, t) == MFM_JSON_STRING) {
		s = mfm_json_str(j, t, &n, &run->str);
		run->dropped_end = mfm_xmemdup(s, n);
	} else if (mfm_json_type_of(j, t) != MFM_JSON_NULL) {
		return -1;
	}
	return 0;
}

static int
load_cell(struct run *run, const struct mfm_json *j, struct mfm_err *err)
{
	const char *w, *g;
	size_t wn, gn;
	int64_t v[3];
	int t, a, k, created;
	struct cell *c;

	t = mfm_json_member(j, 0, "window", 6);
	k = mfm_json_member(j, 0, "group", 5);
	a = mfm_json_member(j, 0, "cell", 4);
	if ((mfm_json_type_of(j, t) != MFM_JSON_OBJECT &&
	    mfm_json_type_of(j, t) != MFM_JSON_NULL) ||
	    mfm_json_type_of(j, k) != MFM_JSON_OBJECT ||
	    mfm_json_type_of(j, a) != MFM_JSON_ARRAY ||
	    mfm_json_at(j, a)->count != 3)
		return mfm_err_set(err, MFM_ERR_DATA, "bad window line");
	for (k = mfm_json_first(j, a), t = 0; k >= 0;
	    k = mfm_json_next(j, a, k), t++)
		if (mfm_json_int64(j, k, &v[t]) != 0 || v[t] < 0)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "bad window line");
	w = mfm_json_raw(j, mfm_json_member(j, 0, "window", 6), &wn);
	g = mfm_json_raw(j, mfm_json_member(j, 0, "group", 5), &gn);
	c = mfm_group_get_key(&run->groups, w, wn, g, gn, &created, err);
	if (c == NULL)
		return -1;
	if (!created)
		return mfm_err_set(err, MFM_ERR_DATA, "window and group "
		    "given twice");
	mfm_metric_acc_init_conf(&c->acc, &run->conf);
	c->closed = v[0] != 0;
	c->dirty = v[1] != 0;
	c->revision = v[2];
	return mfm_metric_acc_read_state(&c->acc, j,
	    mfm_json_member(j, 0, "state", 5), err);
}

static void
state_load(struct run *run, const char *path, const char *body, size_t len)
{
	struct mfm_json j;
	struct mfm_err err;
	const char *p, *end = body + len, *nl;
	size_t rest, line;

	mfm_err_clear(&err);
	if (mfm_upstream_load_head(&run->up, body, len, &rest, &err) != 0)
		mfm_die("%s: %s", path, err.msg);
	if (run->up.seen)
		keep_joined(run);
	mfm_json_init(&j);
	line = 0;
	for (p = body + rest; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (mfm_json_parse(&j, p, (size_t)(nl - p), &err) != 0 ||
		    (line == 0 ? (load_closed(run, &j) != 0 ? mfm_err_set(&err,
		    MFM_ERR_DATA, "bad closed windows") : 0) :
		    load_cell(run, &j, &err)) != 0) {
			if (err.kind == MFM_ERR_LIMIT)
				mfm_die("%s: %s (--max-groups)", path,
				    err.msg);
			mfm_die("%s: corrupt state file: %s", path, err.msg);
		}
		line++;
	}
	mfm_json_release(&j);
}

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
	mfm_field_set_add(&run->fields, &run->score);
	mfm_field_set_add(&run->fields, &run->label);
	mfm_field_set_add(&run->fields, &run->delay);
	mfm_field_set_add(&run->fields, &run->window);
	mfm_field_set_add(&run->fields, run->has_weight ? &run->weight :
	    &run->mfm);
	for (i = 0; i < run->nby; i++)
		mfm_field_set_add(&run->fields, &run->by[i]);
	run->tok = mfm_xreallocarray(NULL, run->fields.n,
	    sizeof(*run->tok));
}

static void
min_support_cfg(struct run *run, const struct mfm_cfg_node *n)
{
	struct mfm_err err;
	double v = mfm_cli_cfg_double(n, 0);

	if (!(v >= 0 && v <= 1e15 && v == floor(v))) {
		mfm_cfg_err(n, &err, "min_support: not a count");
		mfm_cli_config_die(&err);
	}
	run->conf.min_support = (uint64_t)v;
}

int
main(int argc, char **argv)
{
	const struct mfm_cfg_node *sec;
	const char *score_s = NULL, *label_s = NULL, *window_s = NULL;
	const char *by_s = NULL, *positive = NULL, *task_s = NULL;
	const char *weight_s = NULL, *delay_s = NULL, *metrics_s = NULL;
	int threshold_set = 0, beta_set = 0, support_set = 0, task;
	int delay_given, window_given;
	const char *state_s = NULL;
	size_t max_groups = MFM_GROUP_MAX_DEFAULT, i, rest;
	struct mfm_buf body = MFM_BUF_INIT;
	struct mfm_state st;
	struct mfm_err err;
	struct run run;
	int ch, drain = 0, found, keep_set = 0;

	memset(&run, 0, sizeof(run));
	mfm_metric_conf_init(&run.conf);
	run.keep_closed = 16;
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
			run.conf.threshold = mfm_cli_double("--threshold",
			    optarg);
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
			max_groups = mfm_cli_count("--max-groups", optarg, 1,
			    SIZE_MAX / 2);
			break;
		case OPT_TASK:
			task_s = optarg;
			break;
		case OPT_WEIGHT:
			weight_s = optarg;
			break;
		case OPT_DELAY:
			delay_s = optarg;
			break;
		case OPT_METRICS:
			metrics_s = optarg;
			break;
		case OPT_BETA:
			run.conf.beta = mfm_cli_double("--beta", optarg);
			beta_set = 1;
			break;
		case OPT_MIN_SUPPORT:
			run.conf.min_support = mfm_cli_count("--min-support",
			    optarg, 0, SIZE_MAX / 2);
			support_set = 1;
			break;
		case OPT_CI:
			run.conf.ci = 1;
			break;
		case OPT_PARTIAL:
			run.partial = 1;
			break;
		case OPT_MERGE:
			run.merge = 1;
			break;
		case OPT_KEEP_CLOSED:
			run.keep_closed = mfm_cli_count("--keep-closed", optarg,
			    0, 1000000);
			keep_set = 1;
			break;
		case OPT_STATE:
			state_s = optarg;
			break;
		case OPT_DRAIN:
			drain = 1;
			break;
		case OPT_BOOTSTRAP:
			i = mfm_cli_count("--bootstrap", optarg, 1,
			    SIZE_MAX / 2);
			if (i > 100000)
				mfm_usage_error("--bootstrap: at most 100000");
			run.conf.bootstrap = (unsigned)i;
			run.conf.ci = 1;
			break;
		case OPT_MAX_CLASSES:
			run.conf.max_classes = mfm_cli_count("--max-classes",
			    optarg, 1, SIZE_MAX / 2);
			break;
		default:
			mfm_cli_option(ch, optarg);
		}
	}
	argc -= optind;
	argv += optind;

	/* Command-line options win over the configuration file. */
	sec = mfm_cli_config("metric", config_keys);
	delay_given = delay_s != NULL || mfm_cfg_get(sec, "delay") != NULL;
	window_given = window_s != NULL || mfm_cfg_get(sec, "window") != NULL;
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
	if (task_s == NULL)
		task_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "task"), "binary");
	if (weight_s == NULL)
		weight_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "weight"), NULL);
	if (delay_s == NULL)
		delay_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "delay"),
		    "label_delay_s");
	if (metrics_s == NULL)
		metrics_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "metrics"),
		    NULL);
	if (!threshold_set)
		run.conf.threshold = mfm_cli_cfg_double(mfm_cfg_get(sec,
		    "threshold"), 0.5);
	if (!beta_set)
		run.conf.beta = mfm_cli_cfg_double(mfm_cfg_get(sec, "beta"),
		    1);
	if (!support_set)
		min_support_cfg(&run, mfm_cfg_get(sec, "min_support"));
	if (!keep_set && mfm_cfg_get(sec, "keep_closed") != NULL)
		run.keep_closed = mfm_cli_cfg_count(mfm_cfg_get(sec,
		    "keep_closed"), "keep_closed", 16, 0, 1000000);
	else if (!keep_set)
		run.keep_auto = 1;
	if (state_s == NULL)
		state_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "state"), NULL);
	mfm_cli_need_state(state_s);
	if (drain && state_s == NULL)
		mfm_usage_error("--drain needs --state");
	mfm_state_init(&st);
	if (!(run.conf.beta > 0) || !isfinite(run.conf.beta))
		mfm_usage_error("--beta: must be a positive number");
	if ((task = mfm_metric_task_lookup(task_s)) < 0)
		mfm_usage_error("--task: unknown task '%s'", task_s);
	run.conf.task = task;
	if (run.conf.bootstrap > 0 && task != MFM_METRIC_BINARY)
		mfm_usage_error("--bootstrap: only for --task binary");
	metrics_arg(&run, metrics_s != NULL ? metrics_s :
	    default_metrics[task]);
	mfm_cli_path("--score", score_s, &run.score);
	mfm_cli_path("--label", label_s, &run.label);
	mfm_cli_path("--window", window_s, &run.window);
	mfm_cli_path("--delay", delay_s, &run.delay);
	if (weight_s != NULL) {
		mfm_cli_path("--weight", weight_s, &run.weight);
		run.has_weight = 1;
	}
	mfm_cli_opt_paths("--by", by_s, mfm_cfg_get(sec, "by"), NULL, &run.by,
	    &run.nby);
	if (positive != NULL && *positive == '\0')
		mfm_usage_error("--positive: empty value");
	if (positive != NULL && task != MFM_METRIC_BINARY)
		mfm_usage_error("--positive: only for --task binary");
	mfm_metric_labels_init(&run.labels, positive);
	mfm_group_init(&run.groups, sizeof(struct cell), max_groups);
	mfm_group_by(&run.groups, run.by, run.nby);
	fields_init(&run);
	if (!run.merge)
		hits_init(&run, delay_given, window_given);
	/* Room for a state written under the larger default, too. */
	run.closed = mfm_xreallocarray(NULL, (run.keep_closed > 16 ?
	    run.keep_closed : 16) + 1, sizeof(*run.closed));

	mfm_upstream_init(&run.up);
	if (state_s != NULL) {
		if (run.partial || run.merge)
			mfm_usage_error("--state keeps windows between runs "
			    "of a plain run: not with --partial or --merge");
		if (mfm_state_open(&st, state_s, "mfm-metric", STATE_VERSION,
		    &body, &found, &err) != 0)
			mfm_die("%s: %s", state_s, err.msg);
		mfm_cli_chain_begin(body.p, body.len, &rest);
		if (found)
			state_load(&run, state_s, body.p + rest,
			    body.len - rest);
	}
	if (argc == 0)
		mfm_cli_read_input("-", metric_record, &run);
	for (i = 0; i < (size_t)argc; i++)
		mfm_cli_read_input(argv[i], metric_record, &run);
	/* Complete: nothing more can come for any window (mfm(7)). */
	emit_all(&run, drain || run.up.complete ||
	    (!run.up.seen && state_s == NULL));
	if (state_s != NULL) {
		mfm_buf_clear(&body);
		mfm_cli_chain_end(&body);
		state_dump(&run, &body);
		if (mfm_state_save(&st, body.p, body.len, &err) != 0)
			mfm_die("%s: %s", state_s, err.msg);
		mfm_state_close(&st);
	}
	mfm_buf_release(&body);
	if (mfm_cli.verbose)
		fprintf(stderr, "mfm-metric: %" PRIu64 " records, %" PRIu64
		    " labelled, %zu windows x groups, %" PRIu64 " bad\n",
		    mfm_cli.nread, run.nlabelled, run.groups.n, mfm_cli.nbad);

	for (i = 0; i < run.groups.n; i++)
		mfm_metric_acc_release(mfm_group_val(&run.groups, i));
	mfm_group_release(&run.groups);
	for (i = 0; i < run.nclosed; i++)
		free(run.closed[i]);
	free(run.closed);
	free(run.dropped_end);
	mfm_upstream_release(&run.up);
	mfm_cli_paths_free(run.by, run.nby);
	mfm_buf_release(&run.wkey);
	mfm_buf_release(&run.scratch);
	mfm_buf_release(&run.ptext);
	mfm_buf_release(&run.ytext);
	mfm_buf_release(&run.str);
	mfm_json_path_release(&run.score);
	mfm_json_path_release(&run.label);
	mfm_json_path_release(&run.window);
	mfm_json_path_release(&run.delay);
	mfm_json_path_release(&run.mfm);
	mfm_field_set_release(&run.fields);
	free(run.tok);
	if (run.has_weight)
		mfm_json_path_release(&run.weight);
	return mfm_cli_finish(0);
}
