/*
 * The data of mfm-report; see report.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/context.h"
#include "lib/report.h"
#include "lib/rule.h"
#include "lib/tm.h"
#include "lib/banned.h"

void
mfm_report_init(struct mfm_report *r, size_t max_cells, size_t max_events)
{
	memset(r, 0, sizeof(*r));
	r->max_cells = max_cells ? max_cells : MFM_REPORT_MAX_CELLS_DEFAULT;
	r->max_events = max_events ? max_events :
	    MFM_REPORT_MAX_EVENTS_DEFAULT;
	mfm_keymap_init(&r->winmap);
	mfm_keymap_init(&r->grpmap);
	mfm_keymap_init(&r->cellmap);
	mfm_keymap_init(&r->rulemap);
	mfm_keymap_init(&r->metricmap);
}

static void
cell_release(struct mfm_report_cell *c)
{
	size_t i;

	free(c->val);
	free(c->est);
	for (i = 0; i < c->ndrift; i++)
		free(c->drift[i].feature);
	for (i = 0; i < c->nslice; i++) {
		free(c->slice[i].slice);
		free(c->slice[i].metric);
	}
	c->ndrift = c->nslice = 0;
}

void
mfm_report_release(struct mfm_report *r)
{
	size_t i;

	for (i = 0; i < r->ngrp; i++) {
		free(r->grp[i].canon);
		free(r->grp[i].key);
		free(r->grp[i].value);
		free(r->grp[i].pairs);
	}
	for (i = 0; i < r->ncell; i++)
		cell_release(&r->cell[i]);
	for (i = 0; i < r->nev; i++)
		free(r->ev[i].summary);
	for (i = 0; i < r->nrule; i++) {
		free(r->rule[i].name);
		free(r->rule[i].op);
	}
	for (i = 0; i < r->nmetric; i++)
		free(r->metric[i]);
	free(r->win);
	free(r->grp);
	free(r->cell);
	free(r->ev);
	free(r->rule);
	free(r->metric);
	free(r->metric_in_records);
	free(r->metric_estimated);
	free(r->order);
	free(r->gorder);
	free(r->grank);
	free(r->class_len);
	free(r->cwin);
	free(r->cwin_off);
	free(r->cwin_n);
	free(r->series);
	free(r->sorder);
	free(r->rank);
	free(r->group_header);
	mfm_keymap_release(&r->winmap);
	mfm_keymap_release(&r->grpmap);
	mfm_keymap_release(&r->cellmap);
	mfm_keymap_release(&r->rulemap);
	mfm_keymap_release(&r->metricmap);
	mfm_buf_release(&r->key);
	mfm_buf_release(&r->scratch);
	mfm_buf_release(&r->text);
	memset(r, 0, sizeof(*r));
}

/* Grow an array of *cap elements of size to hold n + 1. */
static void *
grow(void *p, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 16;
	return mfm_xreallocarray(p, *cap, size);
}

/* A number or null (NaN), absent (NaN); -1 for anything else. */
static int
num_or_null(const struct mfm_json *j, int t, double *v)
{
	*v = NAN;
	switch (mfm_json_type_of(j, t)) {
	case MFM_JSON_NONE:
	case MFM_JSON_NULL:
		return 0;
	case MFM_JSON_NUMBER:
		return mfm_json_double(j, t, v);
	default:
		return -1;
	}
}

/* A time string member of object o, or -1. */
static int
time_member(struct mfm_report *r, const struct mfm_json *j, int o,
    const char *name, int64_t *us)
{
	struct mfm_err err;
	const char *s;
	size_t n;
	int t;

	t = mfm_json_member(j, o, name, strlen(name));
	if (mfm_json_type_of(j, t) != MFM_JSON_STRING)
		return -1;
	s = mfm_json_str(j, t, &n, &r->scratch);
	return mfm_tm_parse_rfc3339(s, n, us, &err);
}

/* The window of record j (member "window"): its index, or -1. */
static long
window_of(struct mfm_report *r, const struct mfm_json *j, int null_ok,
    struct mfm_err *err)
{
	struct mfm_report_window w;
	size_t *v;
	int t, isnew;

	memset(&w, 0, sizeof(w));
	t = mfm_json_member(j, 0, "window", 6);
	switch (mfm_json_type_of(j, t)) {
	case MFM_JSON_NONE:
	case MFM_JSON_NULL:
		if (!null_ok)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "record has no 'window' object");
		break;
	case MFM_JSON_OBJECT:
		if (time_member(r, j, t, "start", &w.start) != 0)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "window start is not a time");
		if (time_member(r, j, t, "end", &w.end) != 0)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "window end is not a time");
		if (w.end < w.start)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "window ends before it starts");
		w.has = 1;
		break;
	default:
		return mfm_err_set(err, MFM_ERR_DATA,
		    "'window' is not an object");
	}
	mfm_buf_clear(&r->key);
	mfm_buf_addc(&r->key, (char)w.has);
	mfm_buf_add(&r->key, &w.start, sizeof(w.start));
	mfm_buf_add(&r->key, &w.end, sizeof(w.end));
	v = mfm_keymap_put(&r->winmap, r->key.p, r->key.len, &isnew);
	if (isnew) {
		r->win = grow(r->win, r->nwin, &r->capwin, sizeof(*r->win));
		r->win[r->nwin] = w;
		*v = r->nwin++;
	}
	return (long)*v;
}

/* Fill the labels of a new group from its object at token t. */
static void
group_labels(struct mfm_report *r, struct mfm_report_group *g,
    const struct mfm_json *j, int t)
{
	struct mfm_buf pairs = MFM_BUF_INIT, val = MFM_BUF_INIT;
	const char *s;
	size_t n, count = 0;
	int k;

	for (k = t >= 0 ? mfm_json_first(j, t) : -1; k >= 0;
	    k = mfm_json_next(j, t, k)) {
		mfm_buf_clear(&val);
		if (mfm_json_type_of(j, k + 1) == MFM_JSON_STRING)
			s = mfm_json_str(j, k + 1, &n, &r->scratch);
		else
			s = mfm_json_raw(j, k + 1, &n);
		mfm_buf_add(&val, s, n);
		if (count++ > 0)
			mfm_buf_adds(&pairs, ", ");
		s = mfm_json_str(j, k, &n, &r->scratch);
		if (count == 1)
			g->key = mfm_xmemdup(s, n);
		mfm_buf_add(&pairs, s, n);
		mfm_buf_addc(&pairs, '=');
		mfm_buf_add(&pairs, val.p, val.len);
	}
	if (count == 1) {
		g->value = mfm_buf_detach(&val);
	} else {
		free(g->key);
		g->key = NULL;
	}
	if (count == 0)
		mfm_buf_adds(&pairs, "all");
	g->pairs = mfm_buf_detach(&pairs);
	mfm_buf_release(&val);
}

/* The group of record j (member "group", {} when absent), or -1. */
static long
group_of(struct mfm_report *r, const struct mfm_json *j,
    struct mfm_err *err)
{
	struct mfm_report_group *g;
	size_t *v;
	int t, isnew;

	t = mfm_json_member(j, 0, "group", 5);
	mfm_buf_clear(&r->text);
	if (t < 0)
		mfm_buf_adds(&r->text, "{}");
	else if (mfm_json_type_of(j, t) != MFM_JSON_OBJECT)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "'group' is not an object");
	else
		mfm_rule_canon(&r->text, j, t);
	v = mfm_keymap_put(&r->grpmap, r->text.p, r->text.len, &isnew);
	if (isnew) {
		r->grp = grow(r->grp, r->ngrp, &r->capgrp, sizeof(*r->grp));
		g = &r->grp[r->ngrp];
		memset(g, 0, sizeof(*g));
		g->canon = mfm_xmemdup(r->text.p, r->text.len);
		g->len = r->text.len;
		group_labels(r, g, j, t);
		*v = r->ngrp++;
	}
	return (long)*v;
}

/* The cell of window w and group g, created if new; NULL at the cap. */
static struct mfm_report_cell *
cell_of(struct mfm_report *r, size_t w, size_t g, struct mfm_err *err)
{
	struct mfm_report_cell *c;
	size_t key[2] = { w, g }, *v;
	int isnew;

	v = mfm_keymap_find(&r->cellmap, key, sizeof(key));
	if (v != NULL)
		return &r->cell[*v];
	if (r->ncell >= r->max_cells) {
		mfm_err_set(err, MFM_ERR_LIMIT,
		    "more than %zu windows and groups (--max-cells)",
		    r->max_cells);
		return NULL;
	}
	v = mfm_keymap_put(&r->cellmap, key, sizeof(key), &isnew);
	r->cell = grow(r->cell, r->ncell, &r->capcell, sizeof(*r->cell));
	c = &r->cell[r->ncell];
	memset(c, 0, sizeof(*c));
	c->win = w;
	c->grp = g;
	c->as_of = MFM_REPORT_NO_TIME;
	c->n = c->labelled = c->positives = c->negatives = NAN;
	c->coverage = c->delay_p50 = c->delay_p95 = c->delay_max = NAN;
	*v = r->ncell++;
	return c;
}

/* The cell of record j's window and group, created if new; or NULL. */
static struct mfm_report_cell *
record_cell(struct mfm_report *r, const struct mfm_json *j, int null_ok,
    struct mfm_err *err)
{
	long w, g;

	if ((w = window_of(r, j, null_ok, err)) < 0 ||
	    (g = group_of(r, j, err)) < 0)
		return NULL;
	return cell_of(r, (size_t)w, (size_t)g, err);
}

/* The index of metric name[0..n), added if new; -1 at the cap. */
static long
metric_index(struct mfm_report *r, const char *name, size_t n,
    struct mfm_err *err)
{
	size_t *v;
	int isnew;

	v = mfm_keymap_find(&r->metricmap, name, n);
	if (v != NULL)
		return (long)*v;
	if (r->nmetric >= MFM_REPORT_MAX_METRICS)
		return mfm_err_set(err, MFM_ERR_LIMIT,
		    "more than %d metric names", MFM_REPORT_MAX_METRICS);
	v = mfm_keymap_put(&r->metricmap, name, n, &isnew);
	r->metric = mfm_xreallocarray(r->metric, r->nmetric + 1,
	    sizeof(*r->metric));
	r->metric_in_records = mfm_xreallocarray(r->metric_in_records,
	    r->nmetric + 1, sizeof(int));
	r->metric_estimated = mfm_xreallocarray(r->metric_estimated,
	    r->nmetric + 1, sizeof(int));
	r->metric[r->nmetric] = mfm_xmemdup(name, n);
	r->metric_in_records[r->nmetric] = 0;
	r->metric_estimated[r->nmetric] = 0;
	*v = r->nmetric++;
	return (long)*v;
}

long
mfm_report_metric(const struct mfm_report *r, const char *name)
{
	size_t *v = mfm_keymap_find(&r->metricmap, name, strlen(name));

	return v != NULL ? (long)*v : -1;
}

/* Check the metrics object at token m: every member a number or null. */
static int
check_metrics(struct mfm_report *r, const struct mfm_json *j, int m,
    struct mfm_err *err)
{
	char q[80];
	const char *s;
	size_t n;
	double v;
	int k;

	if (mfm_json_type_of(j, m) != MFM_JSON_OBJECT)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "record has no 'metrics' object");
	for (k = mfm_json_first(j, m); k >= 0; k = mfm_json_next(j, m, k)) {
		if (num_or_null(j, k + 1, &v) != 0) {
			s = mfm_json_str(j, k, &n, &r->scratch);
			return mfm_err_set(err, MFM_ERR_DATA,
			    "metric '%s' is not a number",
			    mfm_err_quote(q, sizeof(q), s, n, 64));
		}
	}
	return 0;
}

/* Register the names of the metrics object at token m; -1 at the cap. */
static int
register_metrics(struct mfm_report *r, const struct mfm_json *j, int m,
    struct mfm_err *err)
{
	const char *s;
	size_t n;
	int k;

	for (k = mfm_json_first(j, m); k >= 0; k = mfm_json_next(j, m, k)) {
		s = mfm_json_str(j, k, &n, &r->scratch);
		if (metric_index(r, s, n, err) < 0)
			return -1;
	}
	return 0;
}

/* Store the metrics object at token m in *vals (grown to nmetric). */
static void
store_metrics(struct mfm_report *r, const struct mfm_json *j, int m,
    double **vals, size_t *nvals, int *seen)
{
	const char *s;
	size_t i, n;
	long idx;
	double v;
	int k;

	*vals = mfm_xreallocarray(*vals, r->nmetric ? r->nmetric : 1,
	    sizeof(**vals));
	for (i = 0; i < r->nmetric; i++)
		(*vals)[i] = NAN;
	*nvals = r->nmetric;
	for (k = mfm_json_first(j, m); k >= 0; k = mfm_json_next(j, m, k)) {
		s = mfm_json_str(j, k, &n, &r->scratch);
		idx = (long)*mfm_keymap_find(&r->metricmap, s, n);
		(void)num_or_null(j, k + 1, &v);
		(*vals)[idx] = v;
		seen[idx] = 1;
	}
}

/* Number members of the top level that must be numbers when present. */
static int
top_number(const struct mfm_json *j, int obj, const char *name, double *v,
    struct mfm_err *err)
{
	if (num_or_null(j, mfm_json_member(j, obj, name, strlen(name)),
	    v) != 0)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "'%s' is not a number", name);
	return 0;
}

static int
revision_of(const struct mfm_json *j, int64_t *rev, struct mfm_err *err)
{
	int t = mfm_json_member(j, 0, "revision", 8);

	*rev = 0;
	if (t < 0 || mfm_json_type_of(j, t) == MFM_JSON_NULL)
		return 0;
	if (mfm_json_int64(j, t, rev) != 0 || *rev < 0)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "'revision' is not a whole number >= 0");
	return 0;
}

static int
provisional_of(const struct mfm_json *j, int *prov, struct mfm_err *err)
{
	int t = mfm_json_member(j, 0, "provisional", 11);

	*prov = 0;
	switch (mfm_json_type_of(j, t)) {
	case MFM_JSON_NONE:
	case MFM_JSON_NULL:
	case MFM_JSON_FALSE:
		return 0;
	case MFM_JSON_TRUE:
		*prov = 1;
		return 0;
	default:
		return mfm_err_set(err, MFM_ERR_DATA,
		    "'provisional' is not true or false");
	}
}

int
mfm_report_add_metric(struct mfm_report *r, const struct mfm_json *j,
    struct mfm_err *err)
{
	struct mfm_report_cell *c;
	double n, labelled, pos, neg, cov, p50, p95, dmax;
	int64_t rev, as_of = MFM_REPORT_NO_TIME;
	int m, t, prov;

	m = mfm_json_member(j, 0, "metrics", 7);
	if (check_metrics(r, j, m, err) != 0)
		return -1;
	if (top_number(j, 0, "n", &n, err) != 0 ||
	    top_number(j, 0, "labelled", &labelled, err) != 0 ||
	    top_number(j, 0, "positives", &pos, err) != 0 ||
	    top_number(j, 0, "negatives", &neg, err) != 0 ||
	    revision_of(j, &rev, err) != 0 ||
	    provisional_of(j, &prov, err) != 0)
		return -1;
	cov = p50 = p95 = dmax = NAN;
	t = mfm_json_member(j, 0, "labels", 6);
	if (t >= 0 && mfm_json_type_of(j, t) != MFM_JSON_NULL) {
		if (mfm_json_type_of(j, t) != MFM_JSON_OBJECT)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "'labels' is not an object");
		if (top_number(j, t, "coverage", &cov, err) != 0 ||
		    top_number(j, t, "delay_p50", &p50, err) != 0 ||
		    top_number(j, t, "delay_p95", &p95, err) != 0 ||
		    top_number(j, t, "delay_max", &dmax, err) != 0)
			return -1;
	}
	t = mfm_json_member(j, 0, "as_of", 5);
	if (t >= 0 && mfm_json_type_of(j, t) != MFM_JSON_NULL &&
	    time_member(r, j, 0, "as_of", &as_of) != 0)
		return mfm_err_set(err, MFM_ERR_DATA, "'as_of' is not a time");
	if ((c = record_cell(r, j, 1, err)) == NULL ||
	    register_metrics(r, j, m, err) != 0)
		return -1;
	r->seq++;
	r->nmetric_records++;
	if (c->has_metrics && rev < c->revision) {
		r->nsuperseded++;
		return 0;
	}
	if (c->has_metrics)
		r->nsuperseded++;
	c->has_metrics = 1;
	c->revision = rev;
	c->provisional = prov;
	c->as_of = as_of;
	c->seq = r->seq;
	c->n = n;
	c->labelled = labelled;
	c->positives = pos;
	c->negatives = neg;
	c->coverage = cov;
	c->delay_p50 = p50;
	c->delay_p95 = p95;
	c->delay_max = dmax;
	/* Without a labels object, the coverage follows from the counts. */
	if (isnan(c->coverage) && n > 0 && !isnan(labelled))
		c->coverage = labelled / n;
	store_metrics(r, j, m, &c->val, &c->nval, r->metric_in_records);
	return 0;
}

int
mfm_report_add_estimate(struct mfm_report *r, const struct mfm_json *j,
    struct mfm_err *err)
{
	struct mfm_report_cell *c;
	int m;

	m = mfm_json_member(j, 0, "metrics", 7);
	if (check_metrics(r, j, m, err) != 0 ||
	    (c = record_cell(r, j, 1, err)) == NULL ||
	    register_metrics(r, j, m, err) != 0)
		return -1;
	r->seq++;
	store_metrics(r, j, m, &c->est, &c->nest, r->metric_estimated);
	return 0;
}

/* Keep the drifts and worst slices of context object ctx in cell c. */
static void
take_context(struct mfm_report *r, struct mfm_report_cell *c,
    const struct mfm_json *j, int ctx)
{
	const char *s;
	size_t n;
	int t, k, f, metric;

	t = mfm_json_member(j, ctx, "top_drift", 9);
	if (mfm_json_type_of(j, t) == MFM_JSON_ARRAY) {
		while (c->ndrift > 0)
			free(c->drift[--c->ndrift].feature);
		for (k = mfm_json_first(j, t); k >= 0 &&
		    c->ndrift < MFM_REPORT_TOP; k = mfm_json_next(j, t, k)) {
			f = mfm_json_member(j, k, "feature", 7);
			if (mfm_json_type_of(j, f) != MFM_JSON_STRING)
				continue;
			s = mfm_json_str(j, f, &n, &r->scratch);
			c->drift[c->ndrift].feature = mfm_xmemdup(s, n);
			(void)num_or_null(j, mfm_json_member(j, k, "psi", 3),
			    &c->drift[c->ndrift].psi);
			c->ndrift++;
		}
	}
	t = mfm_json_member(j, ctx, "worst_slices", 12);
	if (mfm_json_type_of(j, t) == MFM_JSON_ARRAY) {
		while (c->nslice > 0) {
			c->nslice--;
			free(c->slice[c->nslice].slice);
			free(c->slice[c->nslice].metric);
		}
		metric = mfm_json_member(j, ctx, "metric", 6);
		for (k = mfm_json_first(j, t); k >= 0 &&
		    c->nslice < MFM_REPORT_TOP; k = mfm_json_next(j, t, k)) {
			struct mfm_report_slice *sl = &c->slice[c->nslice];

			f = mfm_json_member(j, k, "slice", 5);
			if (mfm_json_type_of(j, f) != MFM_JSON_OBJECT)
				continue;
			mfm_buf_clear(&r->text);
			mfm_context_slice(&r->text, j, f, &r->scratch);
			memset(sl, 0, sizeof(*sl));
			sl->slice = mfm_xmemdup(r->text.p, r->text.len);
			sl->ref = sl->cur = NAN;
			(void)num_or_null(j, mfm_json_member(j, k,
			    "contribution", 12), &sl->contribution);
			(void)num_or_null(j, mfm_json_member(j, k,
			    "reference_metric", 16), &sl->ref);
			if (mfm_json_type_of(j, metric) == MFM_JSON_STRING) {
				s = mfm_json_str(j, metric, &n, &r->scratch);
				sl->metric = mfm_xmemdup(s, n);
				(void)num_or_null(j, mfm_json_member(j, k, s,
				    n), &sl->cur);
			}
			c->nslice++;
		}
	}
}

int
mfm_report_add_context(struct mfm_report *r, const struct mfm_json *j,
    struct mfm_err *err)
{
	struct mfm_report_cell *c;
	int ctx;

	ctx = mfm_json_member(j, 0, "context", 7);
	if (mfm_json_type_of(j, ctx) != MFM_JSON_OBJECT)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "record has no 'context' object");
	if ((c = record_cell(r, j, 0, err)) == NULL)
		return -1;
	r->seq++;
	if (c->ctx_from_event) {
		/* A context record says more than an event's copy of it. */
		while (c->ndrift > 0)
			free(c->drift[--c->ndrift].feature);
		while (c->nslice > 0) {
			c->nslice--;
			free(c->slice[c->nslice].slice);
			free(c->slice[c->nslice].metric);
		}
		c->ctx_from_event = 0;
	}
	take_context(r, c, j, ctx);
	return 0;
}

/* A string member of the top level, required. */
static const char *
need_string(struct mfm_report *r, const struct mfm_json *j,
    const char *name, size_t *n, struct mfm_err *err)
{
	int t = mfm_json_member(j, 0, name, strlen(name));

	if (mfm_json_type_of(j, t) != MFM_JSON_STRING) {
		mfm_err_set(err, MFM_ERR_DATA, "event has no '%s' string",
		    name);
		return NULL;
	}
	return mfm_json_str(j, t, n, &r->scratch);
}

static long
rule_index(struct mfm_report *r, const char *name, size_t n, size_t metric,
    const char *op, size_t opn)
{
	size_t *v;
	int isnew;

	v = mfm_keymap_put(&r->rulemap, name, n, &isnew);
	if (isnew) {
		r->rule = grow(r->rule, r->nrule, &r->caprule,
		    sizeof(*r->rule));
		r->rule[r->nrule].name = mfm_xmemdup(name, n);
		r->rule[r->nrule].op = op ? mfm_xmemdup(op, opn) : NULL;
		r->rule[r->nrule].metric = metric;
		*v = r->nrule++;
	}
	return (long)*v;
}

int
mfm_report_add_event(struct mfm_report *r, const struct mfm_json *j,
    struct mfm_err *err)
{
	struct mfm_report_event e;
	struct mfm_report_cell *c;
	enum mfm_report_status status;
	char *op = NULL, *rule = NULL;
	const char *s;
	size_t n, opn = 0, rulen;
	long w, g, metric;
	int t, ctx;

	memset(&e, 0, sizeof(e));
	if ((s = need_string(r, j, "status", &n, err)) == NULL)
		return -1;
	if (n == 6 && memcmp(s, "firing", 6) == 0)
		status = MFM_REPORT_FIRING;
	else if (n == 8 && memcmp(s, "resolved", 8) == 0)
		status = MFM_REPORT_RESOLVED;
	else
		status = 0;
	if ((s = need_string(r, j, "rule", &rulen, err)) == NULL)
		return -1;
	rule = mfm_xmemdup(s, rulen);
	if ((s = need_string(r, j, "metric", &n, err)) == NULL)
		goto bad;
	if ((metric = metric_index(r, s, n, err)) < 0)
		goto bad;
	t = mfm_json_member(j, 0, "op", 2);
	if (mfm_json_type_of(j, t) == MFM_JSON_STRING) {
		s = mfm_json_str(j, t, &opn, &r->scratch);
		op = mfm_xmemdup(s, opn);
	}
	if (top_number(j, 0, "value", &e.value, err) != 0 ||
	    top_number(j, 0, "threshold", &e.threshold, err) != 0 ||
	    revision_of(j, &e.revision, err) != 0 ||
	    provisional_of(j, &e.provisional, err) != 0)
		goto bad;
	ctx = mfm_json_member(j, 0, "context", 7);
	if (ctx >= 0 && mfm_json_type_of(j, ctx) != MFM_JSON_OBJECT) {
		mfm_err_set(err, MFM_ERR_DATA, "'context' is not an object");
		goto bad;
	}
	if ((w = window_of(r, j, 0, err)) < 0 ||
	    (g = group_of(r, j, err)) < 0)
		goto bad;
	r->seq++;
	if (status == 0) {
		r->nskipped++;
		goto done;
	}
	if (r->nev >= r->max_events) {
		mfm_err_set(err, MFM_ERR_LIMIT,
		    "more than %zu alert events (--max-events)",
		    r->max_events);
		goto bad;
	}
	if ((c = cell_of(r, (size_t)w, (size_t)g, err)) == NULL)
		goto bad;
	e.cell = (size_t)(c - r->cell);
	e.status = status;
	e.metric = (size_t)metric;
	e.rule = (size_t)rule_index(r, rule, rulen, (size_t)metric, op, opn);
	e.seq = r->seq;
	t = mfm_json_member(j, 0, "severity", 8);
	e.critical = mfm_json_type_of(j, t) == MFM_JSON_STRING &&
	    mfm_json_str_eq(j, t, "critical", 8);
	t = mfm_json_member(j, 0, "summary", 7);
	if (mfm_json_type_of(j, t) == MFM_JSON_STRING) {
		s = mfm_json_str(j, t, &n, &r->scratch);
		e.summary = mfm_xmemdup(s, n);
	}
	if (ctx >= 0 && c->ndrift == 0 && c->nslice == 0) {
		take_context(r, c, j, ctx);
		c->ctx_from_event = 1;
	}
	r->ev = grow(r->ev, r->nev, &r->capev, sizeof(*r->ev));
	r->ev[r->nev++] = e;
done:
	free(rule);
	free(op);
	return 0;
bad:
	free(rule);
	free(op);
	return -1;
}

double
mfm_report_value(const struct mfm_report_cell *c, size_t m)
{
	if (m < c->nval && !isnan(c->val[m]))
		return c->val[m];
	if (m < c->nest)
		return c->est[m];
	return NAN;
}

int
mfm_report_in_range(const struct mfm_report *r, size_t w)
{
	const struct mfm_report_window *win = &r->win[w];

	if (!win->has)
		return r->from == INT64_MIN && r->to == INT64_MAX;
	return win->start >= r->from && win->start < r->to;
}

/* For the sorts, which have no context argument. */
static const struct mfm_report *sorting;

static int
cmp_group(const void *a, const void *b)
{
	const struct mfm_report_group *x = &sorting->grp[*(const size_t *)a];
	const struct mfm_report_group *y = &sorting->grp[*(const size_t *)b];
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->canon, y->canon, n);

	if (c != 0)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

static int
cmp_cell(const void *a, const void *b)
{
	const struct mfm_report_cell *x = &sorting->cell[*(const size_t *)a];
	const struct mfm_report_cell *y = &sorting->cell[*(const size_t *)b];
	const struct mfm_report_window *wx = &sorting->win[x->win];
	const struct mfm_report_window *wy = &sorting->win[y->win];

	if (wx->has != wy->has)
		return wx->has - wy->has;
	if (wx->start != wy->start)
		return wx->start < wy->start ? -1 : 1;
	if (wx->end != wy->end)
		return wx->end < wy->end ? -1 : 1;
	return (sorting->grank[x->grp] > sorting->grank[y->grp]) -
	    (sorting->grank[x->grp] < sorting->grank[y->grp]);
}

static int
cmp_series(const void *a, const void *b)
{
	const struct mfm_report_cell *x = &sorting->cell[*(const size_t *)a];
	const struct mfm_report_cell *y = &sorting->cell[*(const size_t *)b];
	size_t gx = sorting->grank[x->grp], gy = sorting->grank[y->grp];
	size_t cx = sorting->win[x->win].cls, cy = sorting->win[y->win].cls;

	if (gx != gy)
		return (gx > gy) - (gx < gy);
	if (cx != cy)
		return (cx > cy) - (cx < cy);
	return cmp_cell(a, b);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The latest revision of each cell and rule, the last read among equals. */
static void
mark_shown(struct mfm_report *r)
{
	struct mfm_keymap m;
	size_t i, key[2], *v;
	int isnew;

	mfm_keymap_init(&m);
	for (i = 0; i < r->nev; i++) {
		struct mfm_report_event *e = &r->ev[i], *o;

		key[0] = e->cell;
		key[1] = e->rule;
		v = mfm_keymap_put(&m, key, sizeof(key), &isnew);
		if (isnew) {
			*v = i;
			e->shown = 1;
			continue;
		}
		o = &r->ev[*v];
		if (e->revision >= o->revision) {
			o->shown = 0;
			e->shown = 1;
			*v = i;
		}
	}
	mfm_keymap_release(&m);
}

/*
 * Size classes: sorted window lengths within an eighth of the class's
 * shortest are one class, named by its median length.
 */
static void
size_classes(struct mfm_report *r)
{
	int64_t *len, *cmax, base = 0;
	size_t i, n = 0, k, from = 0;

	/* The windows of metric records (not of bad records, events). */
	len = mfm_xcalloc(r->ncell ? r->ncell : 1, sizeof(*len));
	for (i = 0; i < r->ncell; i++) {
		const struct mfm_report_window *w = &r->win[r->cell[i].win];

		if (w->has && r->cell[i].has_metrics)
			len[n++] = w->end - w->start;
	}
	qsort(len, n, sizeof(*len), cmp_i64);
	free(r->class_len);
	r->class_len = mfm_xcalloc(n ? n : 1, sizeof(*r->class_len));
	cmax = mfm_xcalloc(n ? n : 1, sizeof(*cmax));
	r->nclass = 0;
	for (i = 0; i < n; i++) {
		if (r->nclass == 0 || len[i] > base + base / 8) {
			base = len[i];
			from = i;
			r->nclass++;
		}
		r->class_len[r->nclass - 1] = (size_t)len[(from + i) / 2];
		cmax[r->nclass - 1] = len[i];
	}
	for (i = 0; i < r->nwin; i++) {
		int64_t l = r->win[i].end - r->win[i].start;

		for (k = 0; k + 1 < r->nclass && l > cmax[k]; k++)
			;
		r->win[i].cls = k;
	}
	free(cmax);
	free(len);
}

/* The windows of each class, and the series, of the cells in order. */
static void
views(struct mfm_report *r)
{
	size_t i, k, n, prev = SIZE_MAX;

	free(r->cwin);
	free(r->cwin_off);
	free(r->cwin_n);
	free(r->series);
	free(r->sorder);
	r->cwin = mfm_xcalloc(r->norder ? r->norder : 1, sizeof(size_t));
	r->cwin_off = mfm_xcalloc(r->nclass + 1, sizeof(size_t));
	r->cwin_n = mfm_xcalloc(r->nclass + 1, sizeof(size_t));
	/* order is by window: count each class's distinct windows. */
	for (i = 0; i < r->norder; i++) {
		size_t w = r->cell[r->order[i]].win;

		if (w != prev && r->win[w].has)
			r->cwin_n[r->win[w].cls]++;
		prev = w;
	}
	for (k = 1; k <= r->nclass; k++)
		r->cwin_off[k] = r->cwin_off[k - 1] + r->cwin_n[k - 1];
	memset(r->cwin_n, 0, (r->nclass + 1) * sizeof(size_t));
	prev = SIZE_MAX;
	for (i = 0; i < r->norder; i++) {
		size_t w = r->cell[r->order[i]].win, c = r->win[w].cls;

		if (w != prev && r->win[w].has) {
			r->win[w].pos = r->cwin_n[c];
			r->cwin[r->cwin_off[c] + r->cwin_n[c]++] = w;
		}
		prev = w;
	}
	/* Series: the windowed cells by group, class and window. */
	r->sorder = mfm_xcalloc(r->norder ? r->norder : 1, sizeof(size_t));
	for (i = n = 0; i < r->norder; i++)
		if (r->win[r->cell[r->order[i]].win].has)
			r->sorder[n++] = r->order[i];
	qsort(r->sorder, n, sizeof(size_t), cmp_series);
	r->series = mfm_xcalloc(n ? n : 1, sizeof(*r->series));
	r->nseries = 0;
	for (i = 0; i < n; i++) {
		const struct mfm_report_cell *c = &r->cell[r->sorder[i]];
		struct mfm_report_series *s = r->nseries ?
		    &r->series[r->nseries - 1] : NULL;

		if (s == NULL || s->grp != c->grp ||
		    s->cls != r->win[c->win].cls) {
			s = &r->series[r->nseries++];
			s->grp = c->grp;
			s->cls = r->win[c->win].cls;
			s->cells = &r->sorder[i];
			s->n = 0;
		}
		s->n++;
	}
}

static int64_t
bound(const struct mfm_report_bound *b, int64_t latest, int64_t dflt)
{
	if (b == NULL || b->kind == MFM_REPORT_NONE)
		return dflt;
	if (b->kind == MFM_REPORT_AT)
		return b->us;
	return latest - b->us;
}

int
mfm_report_prepare(struct mfm_report *r,
    const struct mfm_report_bound *since,
    const struct mfm_report_bound *until,
    int32_t (*tz_offset)(const void *tz, int64_t us), const void *tz,
    struct mfm_err *err)
{
	int64_t latest = INT64_MIN;
	const char *key = NULL;
	size_t i;
	int any = 0, same = 1;

	mark_shown(r);
	size_classes(r);
	free(r->gorder);
	free(r->grank);
	r->gorder = mfm_xcalloc(r->ngrp ? r->ngrp : 1, sizeof(size_t));
	r->grank = mfm_xcalloc(r->ngrp ? r->ngrp : 1, sizeof(size_t));
	for (i = 0; i < r->ngrp; i++)
		r->gorder[i] = i;
	sorting = r;
	qsort(r->gorder, r->ngrp, sizeof(size_t), cmp_group);
	for (i = 0; i < r->ngrp; i++)
		r->grank[r->gorder[i]] = i;
	for (i = 0; i < r->ncell; i++) {
		const struct mfm_report_window *win = &r->win[r->cell[i].win];

		if (r->cell[i].has_metrics && win->has && win->end > latest)
			latest = win->end;
	}
	r->from = bound(since, latest, INT64_MIN);
	r->to = bound(until, latest, INT64_MAX);
	free(r->order);
	r->order = mfm_xcalloc(r->ncell ? r->ncell : 1, sizeof(size_t));
	r->norder = 0;
	for (i = 0; i < r->ncell; i++)
		if (r->cell[i].has_metrics &&
		    mfm_report_in_range(r, r->cell[i].win))
			r->order[r->norder++] = i;
	qsort(r->order, r->norder, sizeof(size_t), cmp_cell);
	free(r->rank);
	r->rank = mfm_xcalloc(r->ncell ? r->ncell : 1, sizeof(size_t));
	for (i = 0; i < r->ncell; i++)
		r->rank[i] = SIZE_MAX;
	for (i = 0; i < r->norder; i++)
		r->rank[r->order[i]] = i;
	views(r);
	r->daily = r->norder > 0;
	for (i = 0; i < r->norder; i++) {
		const struct mfm_report_cell *c = &r->cell[r->order[i]];
		const struct mfm_report_group *g = &r->grp[c->grp];
		const struct mfm_report_window *win = &r->win[c->win];
		int64_t local, day = 86400 * MFM_TM_US_PER_S;

		if (!win->has || win->end - win->start < day * 5 / 6) {
			r->daily = 0;
		} else {
			local = win->start + (tz_offset ?
			    (int64_t)tz_offset(tz, win->start) *
			    MFM_TM_US_PER_S : 0);
			if (mfm_tm_floor(local, day, 0) != local)
				r->daily = 0;
		}
		if (g->key == NULL || (key != NULL && strcmp(key, g->key)))
			same = 0;
		key = g->key;
		any = 1;
	}
	free(r->group_header);
	r->group_header = mfm_xstrdup(any && same && key ? key : "group");
	if (r->norder == 0) {
		if (r->nmetric_records == 0)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "no metric records");
		return mfm_err_set(err, MFM_ERR_DATA,
		    "no metric record in the time range");
	}
	return 0;
}

void
mfm_report_count(const struct mfm_report *r, struct mfm_report_counts *n)
{
	size_t i, prev = SIZE_MAX;

	memset(n, 0, sizeof(*n));
	for (i = 0; i < r->norder; i++) {
		const struct mfm_report_cell *c = &r->cell[r->order[i]];

		n->windows += c->win != prev;
		prev = c->win;
		n->provisional += c->provisional != 0;
	}
	for (i = 0; i < r->nev; i++) {
		if (!r->ev[i].shown || r->rank[r->ev[i].cell] == SIZE_MAX)
			continue;
		if (r->ev[i].status == MFM_REPORT_FIRING)
			n->firing++;
		else
			n->resolved++;
	}
}

static int
cmp_event(const void *a, const void *b)
{
	const struct mfm_report_event *x = &sorting->ev[*(const size_t *)a];
	const struct mfm_report_event *y = &sorting->ev[*(const size_t *)b];
	size_t rx = sorting->rank[x->cell], ry = sorting->rank[y->cell];

	if (rx != ry)
		return (rx > ry) - (rx < ry);
	return (x->rule > y->rule) - (x->rule < y->rule);
}

size_t *
mfm_report_events(const struct mfm_report *r, size_t *n)
{
	size_t i, *v = mfm_xcalloc(r->nev ? r->nev : 1, sizeof(*v));

	*n = 0;
	for (i = 0; i < r->nev; i++)
		if (r->ev[i].shown && r->rank[r->ev[i].cell] != SIZE_MAX)
			v[(*n)++] = i;
	sorting = r;
	qsort(v, *n, sizeof(*v), cmp_event);
	return v;
}
