/*
 * mfm-report's HTML page and SVG charts; see page.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chart.h"
#include "lib/page.h"
#include "lib/table.h"
#include "lib/tm.h"
#include "lib/banned.h"

static const char css[] =
"body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;"
"margin:1.5em auto;max-width:940px;padding:0 1em;color:#222;"
"background:#fafafa}"
"h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.6em 0 .5em;"
"border-bottom:1px solid #ddd;padding-bottom:.2em}"
".meta{color:#555;margin:0 0 1em}"
"figure{margin:0 0 1em;background:#fff;border:1px solid #e3e3e3;"
"border-radius:4px}"
"svg.chart{display:block;max-width:100%;height:auto}"
"table{border-collapse:collapse;font-size:.85em;width:100%;"
"background:#fff}"
"th,td{text-align:left;padding:.25em .5em;border-bottom:1px solid #eee;"
"vertical-align:top}"
"th{background:#f0f0f0}td.num{text-align:right;"
"font-variant-numeric:tabular-nums}"
"td:first-child{white-space:nowrap}"
".firing{color:#b71c1c;font-weight:bold}.resolved{color:#1b5e20}"
".note{color:#666;font-size:.85em}"
"footer{color:#888;font-size:.8em;margin-top:2em}";

static void
esc(struct mfm_buf *b, const char *s)
{
	mfm_chart_escape(b, s, strlen(s));
}

static int32_t
offset_at(const struct mfm_page_opts *o, int64_t us)
{
	return o->tz_offset ? o->tz_offset(o->tz, us) : 0;
}

static void
when(struct mfm_buf *b, const struct mfm_report *r,
    const struct mfm_page_opts *o, size_t w)
{
	const struct mfm_report_window *win = &r->win[w];
	char t[32];

	if (!win->has) {
		mfm_buf_adds(b, "-");
		return;
	}
	mfm_table_time(win->start, offset_at(o, win->start), r->daily, t);
	mfm_buf_adds(b, t);
}

static const char *
group_label(const struct mfm_report *r, size_t g)
{
	const struct mfm_report_group *grp = &r->grp[g];

	return grp->value != NULL && strcmp(r->group_header, "group") != 0 ?
	    grp->value : grp->pairs;
}

/* The arrays behind one chart, freed together. */
struct parts {
	struct mfm_chart_series *series;
	size_t nseries;
	int64_t **xs;
	double **ys;
	unsigned char **provs;
	char ***tips;
	char **labels;
	size_t nalloc;
	struct mfm_chart_mark *marks;
	size_t nmarks;
	struct mfm_chart_threshold *th;
	size_t nth;
	int64_t **thx;
	double **thy;
	struct mfm_chart_span *spans;
	size_t nspans;
	size_t *grp_series;	/* group -> series index, or SIZE_MAX */
};

static void
parts_release(struct parts *p)
{
	size_t i;

	for (i = 0; i < p->nalloc; i++) {
		size_t k;

		for (k = 0; p->tips[i] != NULL && p->tips[i][k] != NULL; k++)
			free(p->tips[i][k]);
		free(p->tips[i]);
		free(p->xs[i]);
		free(p->ys[i]);
		free(p->provs[i]);
		free(p->labels[i]);
	}
	for (i = 0; i < p->nth; i++) {
		free(p->thx[i]);
		free(p->thy[i]);
		free((char *)p->th[i].label);
	}
	free(p->series);
	free(p->xs);
	free(p->ys);
	free(p->provs);
	free(p->tips);
	free(p->labels);
	free(p->marks);
	free(p->th);
	free(p->thx);
	free(p->thy);
	free(p->spans);
	free(p->grp_series);
	memset(p, 0, sizeof(*p));
}

static void
parts_init(struct parts *p, const struct mfm_report *r)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->grp_series = mfm_xcalloc(r->ngrp + 1, sizeof(size_t));
	for (i = 0; i <= r->ngrp; i++)
		p->grp_series[i] = SIZE_MAX;
}

/* What a line of a chart shows of a cell. */
enum what { METRIC, COVERAGE, DELAY_P50, DELAY_P95 };

static double
cell_y(const struct mfm_report_cell *c, enum what what, size_t m,
    double scale)
{
	switch (what) {
	case METRIC:
		return mfm_report_value(c, m);
	case COVERAGE:
		return c->coverage;
	case DELAY_P50:
		return c->delay_p50 / scale;
	default:
		return c->delay_p95 / scale;
	}
}

static int64_t
middle(const struct mfm_report *r, size_t w)
{
	return r->win[w].start + (r->win[w].end - r->win[w].start) / 2;
}

/* "2026-11-16 1.4.0: auc 0.842; n 350, labelled 314 ..." */
static char *
tip(const struct mfm_report *r, const struct mfm_page_opts *o,
    const struct mfm_report_cell *c, double y, const char *name)
{
	struct mfm_buf b = MFM_BUF_INIT;
	char v[32], t[32];

	when(&b, r, o, c->win);
	mfm_buf_addf(&b, " %s: ", group_label(r, c->grp));
	mfm_table_value(y, v);
	mfm_buf_addf(&b, "%s %s", name, v);
	mfm_table_value(c->n, v);
	mfm_buf_addf(&b, "; n %s", v);
	if (!isnan(c->labelled)) {
		mfm_table_value(c->labelled, v);
		mfm_buf_addf(&b, ", labelled %s", v);
	}
	if (!isnan(c->positives) && !isnan(c->negatives)) {
		mfm_table_value(c->positives, v);
		mfm_table_value(c->negatives, t);
		mfm_buf_addf(&b, " (%s positive, %s negative)", v, t);
	}
	if (c->revision > 0)
		mfm_buf_addf(&b, "; revision %lld", (long long)c->revision);
	if (c->provisional) {
		mfm_buf_adds(&b, "; provisional");
		if (c->as_of != MFM_REPORT_NO_TIME) {
			mfm_table_time(c->as_of, offset_at(o, c->as_of), 0,
			    t);
			mfm_buf_addf(&b, " as of %s", t);
		}
	}
	return mfm_buf_detach(&b);
}

/* Add one line per series of class cls; returns how many had a value. */
static size_t
add_lines(struct parts *p, const struct mfm_report *r,
    const struct mfm_page_opts *o, size_t cls, enum what what, size_t m,
    double scale, int dashed, const char *kind, const char *suffix,
    const char *name)
{
	size_t s, i, added = 0;

	for (s = 0; s < r->nseries; s++) {
		const struct mfm_report_series *se = &r->series[s];
		struct mfm_chart_series *cs;
		size_t k = p->nseries, any = 0;
		struct mfm_buf label = MFM_BUF_INIT;

		if (se->cls != cls)
			continue;
		p->series = mfm_xreallocarray(p->series, k + 1,
		    sizeof(*p->series));
		p->xs = mfm_xreallocarray(p->xs, k + 1, sizeof(*p->xs));
		p->ys = mfm_xreallocarray(p->ys, k + 1, sizeof(*p->ys));
		p->provs = mfm_xreallocarray(p->provs, k + 1,
		    sizeof(*p->provs));
		p->labels = mfm_xreallocarray(p->labels, k + 1,
		    sizeof(*p->labels));
		p->tips = mfm_xreallocarray(p->tips, k + 1, sizeof(*p->tips));
		p->tips[k] = NULL;
		p->xs[k] = mfm_xcalloc(se->n, sizeof(int64_t));
		p->ys[k] = mfm_xcalloc(se->n, sizeof(double));
		p->provs[k] = mfm_xcalloc(se->n, 1);
		for (i = 0; i < se->n; i++) {
			const struct mfm_report_cell *c =
			    &r->cell[se->cells[i]];

			p->xs[k][i] = middle(r, c->win);
			p->ys[k][i] = cell_y(c, what, m, scale);
			p->provs[k][i] = (unsigned char)c->provisional;
			any |= isfinite(p->ys[k][i]);
		}
		/* Dots are drawn, with a tooltip, for few points only. */
		if (se->n <= MFM_CHART_DOTS && !dashed) {
			p->tips[k] = mfm_xcalloc(se->n + 1, sizeof(char *));
			for (i = 0; i < se->n; i++)
				p->tips[k][i] = tip(r, o, &r->cell[se->cells[i]],
				    p->ys[k][i], name);
		}
		mfm_buf_adds(&label, group_label(r, se->grp));
		if (suffix != NULL)
			mfm_buf_adds(&label, suffix);
		p->labels[k] = mfm_buf_detach(&label);
		p->nalloc = k + 1;
		if (!any && dashed)
			continue;	/* no estimate for this group */
		cs = &p->series[p->nseries++];
		memset(cs, 0, sizeof(*cs));
		cs->label = p->labels[k];
		cs->key = group_label(r, se->grp);
		cs->colour = r->grank[se->grp];
		cs->estimate = dashed;
		cs->kind = kind;
		cs->n = se->n;
		cs->x = p->xs[k];
		cs->y = p->ys[k];
		cs->prov = p->provs[k];
		cs->tips = p->tips[k];
		if (!dashed)
			p->grp_series[se->grp] = cs - p->series;
		added += any;
	}
	return added;
}

static int
cmp_x(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;

	return (*x > *y) - (*x < *y);
}

/* Marks and thresholds of the events shown on metric m in class cls. */
static void
add_events(struct parts *p, const struct mfm_report *r, size_t cls,
    size_t m)
{
	size_t i, k, rule;

	for (i = 0; i < r->nev; i++) {
		const struct mfm_report_event *e = &r->ev[i];
		const struct mfm_report_cell *c = &r->cell[e->cell];
		struct mfm_chart_mark *mk;
		double y;

		if (!e->shown || e->metric != m || !r->win[c->win].has ||
		    r->win[c->win].cls != cls ||
		    !mfm_report_in_range(r, c->win) ||
		    p->grp_series[c->grp] == SIZE_MAX)
			continue;
		/* On the line drawn; the event's own value when it has none. */
		y = mfm_report_value(c, m);
		if (!isfinite(y))
			y = e->value;
		p->marks = mfm_xreallocarray(p->marks, p->nmarks + 1,
		    sizeof(*p->marks));
		mk = &p->marks[p->nmarks++];
		mk->x = middle(r, c->win);
		mk->y = y;
		mk->series = p->grp_series[c->grp];
		mk->status = e->status == MFM_REPORT_FIRING ?
		    MFM_CHART_FIRING : MFM_CHART_RESOLVED;
		mk->title = e->summary ? e->summary : r->rule[e->rule].name;
	}
	for (rule = 0; rule < r->nrule; rule++) {
		struct mfm_chart_threshold *t;
		struct mfm_buf label = MFM_BUF_INIT;
		int64_t *pairs = NULL;	/* x, then the bits of y */
		size_t n = 0;

		if (r->rule[rule].metric != m)
			continue;
		for (i = 0; i < r->nev; i++) {
			const struct mfm_report_event *e = &r->ev[i];
			const struct mfm_report_cell *c = &r->cell[e->cell];

			if (!e->shown || e->rule != rule ||
			    !isfinite(e->threshold) ||
			    !r->win[c->win].has ||
			    r->win[c->win].cls != cls ||
			    !mfm_report_in_range(r, c->win))
				continue;
			pairs = mfm_xreallocarray(pairs, 2 * (n + 1),
			    sizeof(*pairs));
			pairs[2 * n] = middle(r, c->win);
			memcpy(&pairs[2 * n + 1], &e->threshold,
			    sizeof(double));
			n++;
		}
		if (n == 0)
			continue;
		qsort(pairs, n, 2 * sizeof(*pairs), cmp_x);
		p->th = mfm_xreallocarray(p->th, p->nth + 1, sizeof(*p->th));
		p->thx = mfm_xreallocarray(p->thx, p->nth + 1,
		    sizeof(*p->thx));
		p->thy = mfm_xreallocarray(p->thy, p->nth + 1,
		    sizeof(*p->thy));
		p->thx[p->nth] = mfm_xcalloc(n, sizeof(int64_t));
		p->thy[p->nth] = mfm_xcalloc(n, sizeof(double));
		for (k = 0; k < n; k++) {
			p->thx[p->nth][k] = pairs[2 * k];
			memcpy(&p->thy[p->nth][k], &pairs[2 * k + 1],
			    sizeof(double));
		}
		mfm_buf_adds(&label, r->rule[rule].name);
		if (r->rule[rule].op != NULL) {
			char v[32];

			snprintf(v, sizeof(v), "%.6g", p->thy[p->nth][n - 1]);
			mfm_buf_addf(&label, ": %s %s %s", r->metric[m],
			    r->rule[rule].op, v);
			/* A rule named by its expression says it once. */
			if (strncmp(label.p + strlen(r->rule[rule].name) + 2,
			    r->rule[rule].name,
			    strlen(r->rule[rule].name)) == 0) {
				mfm_buf_clear(&label);
				mfm_buf_adds(&label, r->rule[rule].name);
			}
		}
		t = &p->th[p->nth];
		t->label = mfm_buf_detach(&label);
		t->n = n;
		t->x = p->thx[p->nth];
		t->y = p->thy[p->nth];
		p->nth++;
		free(pairs);
	}
}

/* Shade the windows of class cls that some group has provisional. */
static void
add_spans(struct parts *p, const struct mfm_report *r, size_t cls)
{
	size_t i;

	for (i = 0; i < r->norder; i++) {
		const struct mfm_report_cell *c = &r->cell[r->order[i]];
		const struct mfm_report_window *w = &r->win[c->win];
		struct mfm_chart_span *last = p->nspans ?
		    &p->spans[p->nspans - 1] : NULL;

		if (!c->provisional || !w->has || w->cls != cls)
			continue;
		if (last != NULL && w->start <= last->to) {
			if (w->end > last->to)
				last->to = w->end;
			continue;
		}
		p->spans = mfm_xreallocarray(p->spans, p->nspans + 1,
		    sizeof(*p->spans));
		p->spans[p->nspans].from = w->start;
		p->spans[p->nspans].to = w->end;
		p->nspans++;
	}
}

static void
chart_frame(struct mfm_chart *ch, const struct mfm_report *r, size_t cls,
    const struct mfm_page_opts *o)
{
	size_t first = r->cwin[r->cwin_off[cls]];
	size_t last = r->cwin[r->cwin_off[cls] + r->cwin_n[cls] - 1];
	size_t i;

	memset(ch, 0, sizeof(*ch));
	ch->x0 = r->win[first].start;
	ch->x1 = r->win[first].end;
	for (i = 0; i < r->cwin_n[cls]; i++) {
		const struct mfm_report_window *w =
		    &r->win[r->cwin[r->cwin_off[cls] + i]];

		if (w->end > ch->x1)
			ch->x1 = w->end;
	}
	(void)last;
	ch->step = (int64_t)r->class_len[cls];
	ch->tz_offset = o->tz_offset;
	ch->tz = o->tz;
	ch->tzname = o->tzname;
}

/* A title with the class's window length when there are several. */
static void
chart_title(struct mfm_buf *b, const struct mfm_report *r, size_t cls,
    const char *what)
{
	char d[32];

	mfm_buf_adds(b, what);
	if (r->nclass > 1) {
		mfm_tm_format_duration((int64_t)r->class_len[cls], d);
		mfm_buf_addf(b, ", %s windows", d);
	}
}

/* The chart of metric m in class cls; returns 0 when it has no line. */
static int
metric_chart(struct mfm_buf *b, const struct mfm_report *r, size_t m,
    size_t cls, const struct mfm_page_opts *o, int standalone)
{
	struct parts p;
	struct mfm_chart ch;
	struct mfm_buf title = MFM_BUF_INIT, name = MFM_BUF_INIT;
	long est = -1;
	size_t lines;

	parts_init(&p, r);
	lines = add_lines(&p, r, o, cls, METRIC, m, 1, 0, NULL, NULL,
	    r->metric[m]);
	mfm_buf_addf(&name, "expected_%s", r->metric[m]);
	est = mfm_report_metric(r, name.p);
	if (est >= 0 && r->metric_estimated[est])
		lines += add_lines(&p, r, o, cls, METRIC, (size_t)est, 1, 1,
		    "estimate", " (estimate)", name.p);
	add_events(&p, r, cls, m);
	add_spans(&p, r, cls);
	chart_frame(&ch, r, cls, o);
	chart_title(&title, r, cls, r->metric[m]);
	ch.id = r->metric[m];
	ch.title = title.p;
	ch.standalone = standalone;
	ch.series = p.series;
	ch.nseries = p.nseries;
	ch.marks = p.marks;
	ch.nmarks = p.nmarks;
	ch.thresholds = p.th;
	ch.nthresholds = p.nth;
	ch.spans = p.spans;
	ch.nspans = p.nspans;
	ch.span_label = "provisional";
	if (lines > 0 || p.nmarks > 0) {
		if (!standalone)
			mfm_buf_adds(b, "<figure>");
		mfm_chart_svg(b, &ch);
		if (!standalone)
			mfm_buf_adds(b, "</figure>\n");
	}
	parts_release(&p);
	mfm_buf_release(&title);
	mfm_buf_release(&name);
	return lines > 0 || ch.nmarks > 0;
}

/* The label coverage and delay charts of class cls. */
static void
label_charts(struct mfm_buf *b, const struct mfm_report *r, size_t cls,
    const struct mfm_page_opts *o)
{
	struct parts p;
	struct mfm_chart ch;
	struct mfm_buf title = MFM_BUF_INIT;
	double most = 0, scale;
	const char *unit;
	size_t i;

	parts_init(&p, r);
	if (add_lines(&p, r, o, cls, COVERAGE, 0, 1, 0, NULL, NULL,
	    "coverage") > 0) {
		add_spans(&p, r, cls);
		chart_frame(&ch, r, cls, o);
		chart_title(&title, r, cls, "label coverage");
		ch.id = "label_coverage";
		ch.title = title.p;
		ch.fixed_y = 1;
		ch.y0 = 0;
		ch.y1 = 1;
		ch.series = p.series;
		ch.nseries = p.nseries;
		ch.spans = p.spans;
		ch.nspans = p.nspans;
		ch.span_label = "provisional";
		mfm_buf_adds(b, "<figure>");
		mfm_chart_svg(b, &ch);
		mfm_buf_adds(b, "</figure>\n");
	}
	parts_release(&p);
	mfm_buf_clear(&title);
	for (i = 0; i < r->norder; i++) {
		const struct mfm_report_cell *c = &r->cell[r->order[i]];

		if (r->win[c->win].has && r->win[c->win].cls == cls &&
		    c->delay_p95 > most)
			most = c->delay_p95;
	}
	if (!(most > 0)) {
		mfm_buf_release(&title);
		return;
	}
	if (most < 2 * 3600) {
		scale = 60;
		unit = "minutes";
	} else if (most < 2 * 86400) {
		scale = 3600;
		unit = "hours";
	} else {
		scale = 86400;
		unit = "days";
	}
	parts_init(&p, r);
	add_lines(&p, r, o, cls, DELAY_P50, 0, scale, 0, "delay", " p50",
	    "delay p50");
	add_lines(&p, r, o, cls, DELAY_P95, 0, scale, 1, "delay", " p95",
	    "delay p95");
	chart_frame(&ch, r, cls, o);
	mfm_buf_addf(&title, "label delay, %s", unit);
	if (r->nclass > 1) {
		char d[32];

		mfm_tm_format_duration((int64_t)r->class_len[cls], d);
		mfm_buf_addf(&title, " (%s windows)", d);
	}
	ch.id = "label_delay";
	ch.title = title.p;
	ch.series = p.series;
	ch.nseries = p.nseries;
	mfm_buf_adds(b, "<figure>");
	mfm_chart_svg(b, &ch);
	mfm_buf_adds(b, "</figure>\n");
	parts_release(&p);
	mfm_buf_release(&title);
}

/* Is metric m drawn on the chart of another chosen metric? */
static int
overlaid(const struct mfm_report *r, const struct mfm_page_opts *o,
    size_t m)
{
	size_t k;

	if (strncmp(r->metric[m], "expected_", 9) != 0)
		return 0;
	for (k = 0; k < o->nmetric; k++)
		if (strcmp(r->metric[o->metrics[k]], r->metric[m] + 9) == 0)
			return 1;
	return 0;
}

static void
alerts_table(struct mfm_buf *b, const struct mfm_report *r,
    const struct mfm_page_opts *o)
{
	size_t i, n = 0, total, *list;
	char v[32];

	/* Latest window first. */
	list = mfm_report_events(r, &total);
	for (i = 0; i < total / 2; i++) {
		size_t t = list[i];

		list[i] = list[total - 1 - i];
		list[total - 1 - i] = t;
	}
	if (total == 0) {
		free(list);
		return;
	}
	mfm_buf_adds(b, "<h2 id=\"alerts\">Alerts</h2>\n<table class=\"alerts\">"
	    "<tr><th>window</th><th>");
	esc(b, r->group_header);
	mfm_buf_adds(b, "</th><th>status</th><th>rule</th><th>value</th>"
	    "<th>threshold</th><th>summary</th></tr>\n");
	for (n = 0; n < total && n < MFM_PAGE_MAX_ALERTS; n++) {
		const struct mfm_report_event *e = &r->ev[list[n]];
		const struct mfm_report_cell *c = &r->cell[e->cell];
		int firing = e->status == MFM_REPORT_FIRING;

		mfm_buf_adds(b, "<tr><td>");
		when(b, r, o, c->win);
		mfm_buf_adds(b, "</td><td>");
		esc(b, group_label(r, c->grp));
		mfm_buf_addf(b, "</td><td class=\"%s\">%s%s%s</td><td>",
		    firing ? "firing" : "resolved", firing ? "FIRING" :
		    "resolved", e->provisional ? " (provisional)" : "",
		    e->revision > 0 ? " (revised)" : "");
		esc(b, r->rule[e->rule].name);
		mfm_table_value(e->value, v);
		mfm_buf_addf(b, "</td><td class=\"num\">%s</td>", v);
		mfm_table_value(e->threshold, v);
		mfm_buf_addf(b, "<td class=\"num\">%s</td><td>", v);
		if (e->summary != NULL)
			esc(b, e->summary);
		mfm_buf_adds(b, "</td></tr>\n");
	}
	mfm_buf_adds(b, "</table>\n");
	if (total > n)
		mfm_buf_addf(b, "<p class=\"note\">%zu earlier alerts are not "
		    "listed.</p>\n", total - n);
	free(list);
}

static void
causes_table(struct mfm_buf *b, const struct mfm_report *r,
    const struct mfm_page_opts *o)
{
	size_t i, k, n = 0, total = 0;
	char x[32], y[32];

	for (i = 0; i < r->norder; i++) {
		const struct mfm_report_cell *c = &r->cell[r->order[i]];

		total += c->ndrift > 0 || c->nslice > 0;
	}
	if (total == 0)
		return;
	mfm_buf_adds(b, "<h2 id=\"causes\">Why: drifting features and worst "
	    "slices</h2>\n<table class=\"causes\"><tr><th>window</th><th>");
	esc(b, r->group_header);
	mfm_buf_adds(b, "</th><th>top drifting features (PSI)</th>"
	    "<th>worst slices</th></tr>\n");
	for (i = r->norder; i-- > 0 && n < MFM_PAGE_MAX_ROWS;) {
		const struct mfm_report_cell *c = &r->cell[r->order[i]];

		if (c->ndrift == 0 && c->nslice == 0)
			continue;
		n++;
		mfm_buf_adds(b, "<tr><td>");
		when(b, r, o, c->win);
		mfm_buf_adds(b, "</td><td>");
		esc(b, group_label(r, c->grp));
		mfm_buf_adds(b, "</td><td>");
		for (k = 0; k < c->ndrift; k++) {
			if (k > 0)
				mfm_buf_adds(b, "<br>");
			esc(b, c->drift[k].feature);
			mfm_table_value(c->drift[k].psi, x);
			mfm_buf_addf(b, " (%s)", x);
		}
		mfm_buf_adds(b, "</td><td>");
		for (k = 0; k < c->nslice; k++) {
			const struct mfm_report_slice *s = &c->slice[k];

			if (k > 0)
				mfm_buf_adds(b, "<br>");
			esc(b, s->slice);
			if (s->metric != NULL && isfinite(s->cur)) {
				mfm_table_value(s->ref, x);
				mfm_table_value(s->cur, y);
				mfm_buf_adds(b, ": ");
				esc(b, s->metric);
				mfm_buf_addf(b, " %s &#8594; %s", x, y);
			}
			if (isfinite(s->contribution)) {
				mfm_table_value(s->contribution, x);
				mfm_buf_addf(b, " (contribution %s)", x);
			}
		}
		mfm_buf_adds(b, "</td></tr>\n");
	}
	mfm_buf_adds(b, "</table>\n");
	if (total > n)
		mfm_buf_addf(b, "<p class=\"note\">%zu earlier windows are not "
		    "listed.</p>\n", total - n);
}

/* "7 windows (2026-11-16 to 2026-11-22, UTC), 2 groups, 2 firing" */
static void
summary(struct mfm_buf *b, const struct mfm_report *r,
    const struct mfm_page_opts *o)
{
	struct mfm_report_counts n;
	size_t i, first = SIZE_MAX, last = SIZE_MAX;

	mfm_report_count(r, &n);
	for (i = 0; i < r->norder; i++) {
		size_t w = r->cell[r->order[i]].win;

		if (r->win[w].has) {
			if (first == SIZE_MAX)
				first = w;
			last = w;
		}
	}
	mfm_buf_addf(b, "<p class=\"meta\">%zu window%s", n.windows,
	    n.windows == 1 ? "" : "s");
	if (first != SIZE_MAX) {
		mfm_buf_adds(b, " (");
		when(b, r, o, first);
		mfm_buf_adds(b, " to ");
		when(b, r, o, last);
		mfm_buf_adds(b, ", ");
		esc(b, o->tzname ? o->tzname : "UTC");
		mfm_buf_adds(b, ")");
	}
	mfm_buf_addf(b, ", %zu group%s", r->ngrp, r->ngrp == 1 ? "" : "s");
	if (strcmp(r->group_header, "group") != 0) {
		mfm_buf_adds(b, " by ");
		esc(b, r->group_header);
	}
	mfm_buf_addf(b, "; %zu firing and %zu resolved alert%s", n.firing,
	    n.resolved, n.resolved == 1 ? "" : "s");
	if (n.provisional > 0)
		mfm_buf_addf(b, "; %zu provisional window%s and group%s, "
		    "shaded: their labels are not all in", n.provisional,
		    n.provisional == 1 ? "" : "s",
		    n.provisional == 1 ? "" : "s");
	mfm_buf_adds(b, ".</p>\n");
}

void
mfm_page_html(struct mfm_buf *b, const struct mfm_report *r,
    const struct mfm_page_opts *o)
{
	const char *title = o->title ? o->title : "mfm report";
	size_t k, cls;

	mfm_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n<title>");
	esc(b, title);
	mfm_buf_addf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n"
	    "<header><h1>", css);
	esc(b, title);
	mfm_buf_adds(b, "</h1>\n");
	summary(b, r, o);
	mfm_buf_adds(b, "</header>\n");
	mfm_buf_adds(b, "<h2 id=\"metrics\">Metrics</h2>\n");
	for (k = 0; k < o->nmetric; k++) {
		if (overlaid(r, o, o->metrics[k]))
			continue;
		for (cls = 0; cls < r->nclass; cls++)
			if (r->cwin_n[cls] > 0)
				metric_chart(b, r, o->metrics[k], cls, o, 0);
	}
	alerts_table(b, r, o);
	mfm_buf_adds(b, "<h2 id=\"labels\">Labels</h2>\n");
	for (cls = 0; cls < r->nclass; cls++)
		if (r->cwin_n[cls] > 0)
			label_charts(b, r, cls, o);
	causes_table(b, r, o);
	mfm_buf_adds(b, "<footer>Written by mfm-report " MFM_VERSION
	    ".</footer>\n</body>\n</html>\n");
}

void
mfm_page_svg(struct mfm_buf *b, const struct mfm_report *r,
    const struct mfm_page_opts *o)
{
	size_t cls;

	for (cls = 0; cls < r->nclass; cls++)
		if (r->cwin_n[cls] > 0 &&
		    metric_chart(b, r, o->metrics[0], cls, o, 1))
			return;
	/* No line to draw: an empty chart, still a valid document. */
	{
		struct mfm_chart ch;

		memset(&ch, 0, sizeof(ch));
		ch.id = r->metric[o->metrics[0]];
		ch.title = r->metric[o->metrics[0]];
		ch.standalone = 1;
		ch.tzname = o->tzname;
		mfm_chart_svg(b, &ch);
	}
}
