/*
 * mfm-report's terminal view; see table.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/table.h"
#include "lib/tm.h"
#include "lib/banned.h"

#define GROUP_MAX 24		/* widest group column */
#define BAR_MAX 10		/* widest bar */
#define NOTES_MIN 20		/* notes kept before bars are drawn */
#define SGR_BOLD "\033[1m"
#define SGR_DIM "\033[2m"
#define SGR_RED "\033[1;31m"
#define SGR_GREEN "\033[32m"
#define SGR_RESET "\033[0m"

void
mfm_table_value(double v, char out[32])
{
	if (isnan(v))
		snprintf(out, 32, "-");
	else if (v == floor(v) && fabs(v) < 1e15)
		snprintf(out, 32, "%.0f", v == 0 ? 0.0 : v);
	else if (fabs(v) < 1e-3)
		snprintf(out, 32, "%.2e", v);
	else if (fabs(v) < 1000)
		snprintf(out, 32, "%.3f", v);
	else
		snprintf(out, 32, "%.4g", v);
}

void
mfm_table_time(int64_t us, int32_t offset_s, int date_only, char out[32])
{
	int64_t local = us + (int64_t)offset_s * MFM_TM_US_PER_S, y;
	int64_t day = 86400 * MFM_TM_US_PER_S;
	int64_t d0 = mfm_tm_floor(local, day, 0);
	int64_t secs = (local - d0) / MFM_TM_US_PER_S;
	unsigned m, d;

	mfm_tm_civil_from_days(d0 / day, &y, &m, &d);
	if (date_only)
		snprintf(out, 32, "%04lld-%02u-%02u", (long long)y, m, d);
	else if (secs % 60 != 0)
		snprintf(out, 32, "%04lld-%02u-%02u %02d:%02d:%02d",
		    (long long)y, m, d, (int)(secs / 3600),
		    (int)(secs / 60 % 60), (int)(secs % 60));
	else
		snprintf(out, 32, "%04lld-%02u-%02u %02d:%02d", (long long)y,
		    m, d, (int)(secs / 3600), (int)(secs / 60 % 60));
}

size_t
mfm_table_width(const char *s, size_t n)
{
	size_t i, w = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

/* Append s cut to at most w columns ("…" at a cut), padded to w. */
static void
put_cell(struct mfm_buf *b, const char *s, size_t w, int right)
{
	size_t n = strlen(s), sw = mfm_table_width(s, n), i, cols;

	if (sw > w) {
		/* Keep w - 1 characters and the ellipsis. */
		for (i = 0, cols = 0; i < n; i++) {
			if (((unsigned char)s[i] & 0xc0) != 0x80) {
				if (cols == w - 1)
					break;
				cols++;
			}
		}
		if (w > 0) {
			mfm_buf_add(b, s, i);
			mfm_buf_adds(b, "\u2026");
		}
		return;
	}
	if (right)
		for (i = sw; i < w; i++)
			mfm_buf_addc(b, ' ');
	mfm_buf_add(b, s, n);
	if (!right)
		for (i = sw; i < w; i++)
			mfm_buf_addc(b, ' ');
}

/* The last cell of a line: s cut to at most w columns, not padded. */
static void
put_last(struct mfm_buf *b, const char *s, size_t w)
{
	if (mfm_table_width(s, strlen(s)) <= w)
		mfm_buf_adds(b, s);
	else
		put_cell(b, s, w, 0);
}

/* Drop trailing blanks of the line being ended, then the newline. */
static void
end_line(struct mfm_buf *b)
{
	while (b->len > 0 && b->p[b->len - 1] == ' ')
		b->len--;
	mfm_buf_addc(b, '\n');
}

struct view {
	const struct mfm_report *r;
	const struct mfm_table_opts *o;
	size_t *first_ev;	/* per cell: first shown event, or SIZE_MAX */
	size_t *next_ev;	/* per event: the next of its cell */
	double *lo, *hi;	/* per chosen metric, over the cells shown */
	size_t wwin, wgrp, wn, wlab, wcov, wnotes, bar;
	size_t *wval;
	size_t nshow;		/* metrics that fit */
	int date_only;
};

static int32_t
offset_at(const struct view *v, int64_t us)
{
	return v->o->tz_offset ? v->o->tz_offset(v->o->tz, us) : 0;
}

static void
window_text(const struct view *v, size_t w, char *out, size_t size)
{
	const struct mfm_report_window *win = &v->r->win[w];
	char t[32], d[32];

	if (!win->has) {
		snprintf(out, size, "-");
		return;
	}
	mfm_table_time(win->start, offset_at(v, win->start), v->date_only,
	    t);
	if (v->r->nclass > 1) {
		mfm_tm_format_duration(win->end - win->start, d);
		snprintf(out, size, "%s +%s", t, d);
	} else {
		snprintf(out, size, "%s", t);
	}
}

static const char *
group_text(const struct mfm_report *r, size_t g)
{
	const struct mfm_report_group *grp = &r->grp[g];

	return grp->value != NULL && strcmp(r->group_header, "group") != 0 ?
	    grp->value : grp->pairs;
}

/* The notes of cell c: its alerts shown, provisional, revision. */
static void
notes(const struct view *v, size_t c, struct mfm_buf *b, int colour)
{
	const struct mfm_report_cell *cell = &v->r->cell[c];
	size_t e;

	for (e = v->first_ev[c]; e != SIZE_MAX; e = v->next_ev[e]) {
		const struct mfm_report_event *ev = &v->r->ev[e];
		int firing = ev->status == MFM_REPORT_FIRING;

		if (b->len > 0)
			mfm_buf_adds(b, ", ");
		if (colour)
			mfm_buf_adds(b, firing ? SGR_RED : SGR_GREEN);
		mfm_buf_adds(b, firing ? "FIRING " : "resolved ");
		mfm_buf_adds(b, v->r->rule[ev->rule].name);
		if (colour)
			mfm_buf_adds(b, SGR_RESET);
	}
	if (cell->provisional) {
		char t[32];

		if (b->len > 0)
			mfm_buf_adds(b, ", ");
		mfm_buf_adds(b, "provisional");
		if (cell->as_of != MFM_REPORT_NO_TIME) {
			/* Short: the month, day and time, not the year. */
			mfm_table_time(cell->as_of, offset_at(v, cell->as_of),
			    0, t);
			mfm_buf_adds(b, " as of ");
			mfm_buf_adds(b, strlen(t) > 5 ? t + 5 : t);
		}
	}
	if (cell->revision > 0) {
		if (b->len > 0)
			mfm_buf_adds(b, ", ");
		mfm_buf_addf(b, "revision %lld", (long long)cell->revision);
	}
}

/* Does cell c have a firing alert shown on metric m? */
static int
firing_on(const struct view *v, size_t c, size_t m)
{
	size_t e;

	for (e = v->first_ev[c]; e != SIZE_MAX; e = v->next_ev[e])
		if (v->r->ev[e].status == MFM_REPORT_FIRING &&
		    v->r->ev[e].metric == m)
			return 1;
	return 0;
}

/* A bar of w cells for value x in [lo, hi], in eighths, at least one. */
static void
put_bar(struct mfm_buf *b, double x, double lo, double hi, size_t w)
{
	static const char *const part[] = { "", "\u258f", "\u258e",
	    "\u258d", "\u258c", "\u258b", "\u258a", "\u2589" };
	size_t units, i;

	if (isnan(x)) {
		for (i = 0; i < w; i++)
			mfm_buf_addc(b, ' ');
		return;
	}
	if (hi > lo)
		units = 1 + (size_t)lround((x - lo) / (hi - lo) *
		    (double)(w * 8 - 1));
	else
		units = w * 8;
	if (units > w * 8)
		units = w * 8;
	for (i = 0; i < units / 8; i++)
		mfm_buf_adds(b, "\u2588");
	if (units % 8)
		mfm_buf_adds(b, part[units % 8]);
	for (i = units / 8 + (units % 8 != 0); i < w; i++)
		mfm_buf_addc(b, ' ');
}

/* Widths of every column, and how many metrics fit in o->width. */
static void
fit(struct view *v)
{
	const struct mfm_report *r = v->r;
	struct mfm_buf b = MFM_BUF_INIT;
	char t[80];
	size_t i, k, total, spare, sum = 0;

	v->wwin = strlen("window");
	v->wgrp = mfm_table_width(r->group_header, strlen(r->group_header));
	v->wn = 1;
	v->wlab = strlen("labelled");
	v->wcov = 4;
	v->wnotes = 0;
	for (k = 0; k < v->o->nmetric; k++)
		v->wval[k] = strlen(r->metric[v->o->metrics[k]]);
	for (i = 0; i < r->norder; i++) {
		const struct mfm_report_cell *c = &r->cell[r->order[i]];
		const char *g = group_text(r, c->grp);
		size_t w;

		window_text(v, c->win, t, sizeof(t));
		if (strlen(t) > v->wwin)
			v->wwin = strlen(t);
		w = mfm_table_width(g, strlen(g));
		if (w > v->wgrp)
			v->wgrp = w < GROUP_MAX ? w : GROUP_MAX;
		mfm_table_value(c->n, t);
		if (strlen(t) > v->wn)
			v->wn = strlen(t);
		mfm_table_value(c->labelled, t);
		if (strlen(t) > v->wlab)
			v->wlab = strlen(t);
		for (k = 0; k < v->o->nmetric; k++) {
			mfm_table_value(mfm_report_value(c, v->o->metrics[k]),
			    t);
			if (strlen(t) > v->wval[k])
				v->wval[k] = strlen(t);
		}
		mfm_buf_clear(&b);
		notes(v, r->order[i], &b, 0);
		w = mfm_table_width(b.p ? b.p : "", b.len);
		if (w > v->wnotes)
			v->wnotes = w;
	}
	mfm_buf_release(&b);
	total = v->wwin + 2 + v->wgrp + 2 + v->wn + 2 + v->wlab + 2 + v->wcov;
	v->nshow = v->o->nmetric;
	for (k = 0; k < v->nshow; k++)
		sum += 2 + v->wval[k];
	/* Metrics go from the right while they do not fit; one stays. */
	while (v->nshow > 1 && total + sum > v->o->width) {
		v->nshow--;
		sum -= 2 + v->wval[v->nshow];
	}
	total += sum;
	if (total > v->o->width && v->wgrp > 8) {
		size_t cut = total - v->o->width;

		if (cut > v->wgrp - 8)
			cut = v->wgrp - 8;
		v->wgrp -= cut;
		total -= cut;
	}
	spare = v->o->width > total ? v->o->width - total : 0;
	/* Notes may be cut: the first alert's rule is what must show. */
	if (v->wnotes > 0) {
		size_t keep = v->wnotes < NOTES_MIN ? v->wnotes : NOTES_MIN;

		spare = spare > keep + 2 ? spare - keep - 2 : 0;
	}
	v->bar = 0;
	if (v->nshow > 0 && spare / v->nshow >= 3) {
		v->bar = spare / v->nshow - 1;
		if (v->bar > BAR_MAX)
			v->bar = BAR_MAX;
	}
}

static void
title(struct view *v, struct mfm_buf *out)
{
	const struct mfm_report *r = v->r;
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_report_counts n;
	size_t k;

	mfm_report_count(r, &n);
	for (k = 0; k < v->o->nmetric; k++) {
		if (k == v->nshow)
			mfm_buf_adds(&b, " (not shown, too narrow: ");
		else if (k > 0)
			mfm_buf_adds(&b, ", ");
		mfm_buf_adds(&b, r->metric[v->o->metrics[k]]);
	}
	if (v->nshow < v->o->nmetric)
		mfm_buf_addc(&b, ')');
	mfm_buf_addf(&b, " per window (%s) and %s: %zu window%s, %zu group%s",
	    v->o->tzname ? v->o->tzname : "UTC", r->group_header, n.windows,
	    n.windows == 1 ? "" : "s", r->ngrp, r->ngrp == 1 ? "" : "s");
	if (n.firing > 0)
		mfm_buf_addf(&b, ", %zu firing", n.firing);
	if (n.resolved > 0)
		mfm_buf_addf(&b, ", %zu resolved", n.resolved);
	if (n.provisional > 0)
		mfm_buf_addf(&b, ", %zu provisional", n.provisional);
	if (v->o->colour)
		mfm_buf_adds(out, SGR_BOLD);
	put_last(out, b.p, v->o->width);
	if (v->o->colour)
		mfm_buf_adds(out, SGR_RESET);
	end_line(out);
	mfm_buf_release(&b);
}

/* Columns before the notes, with the two blanks before them. */
static size_t
used_width(const struct view *v)
{
	size_t k, used = v->wwin + v->wgrp + v->wn + v->wlab + v->wcov + 10;

	for (k = 0; k < v->nshow; k++)
		used += 2 + v->wval[k] + (v->bar ? v->bar + 1 : 0);
	return used;
}

static void
header(struct view *v, struct mfm_buf *out)
{
	size_t k;

	if (v->o->colour)
		mfm_buf_adds(out, SGR_BOLD);
	put_cell(out, "window", v->wwin, 0);
	mfm_buf_adds(out, "  ");
	put_cell(out, v->r->group_header, v->wgrp, 0);
	mfm_buf_adds(out, "  ");
	put_cell(out, "n", v->wn, 1);
	mfm_buf_adds(out, "  ");
	put_cell(out, "labelled", v->wlab, 1);
	mfm_buf_adds(out, "  ");
	put_cell(out, "cov", v->wcov, 1);
	for (k = 0; k < v->nshow; k++) {
		mfm_buf_adds(out, "  ");
		put_cell(out, v->r->metric[v->o->metrics[k]],
		    v->wval[k] + (v->bar ? v->bar + 1 : 0), 0);
	}
	if (v->wnotes > 0 && v->o->width > used_width(v) + 1) {
		mfm_buf_adds(out, "  ");
		put_last(out, "notes", v->o->width - used_width(v));
	}
	if (v->o->colour)
		mfm_buf_adds(out, SGR_RESET);
	end_line(out);
}

static void
row(struct view *v, struct mfm_buf *out, size_t c)
{
	const struct mfm_report_cell *cell = &v->r->cell[c];
	struct mfm_buf b = MFM_BUF_INIT;
	char t[80];
	size_t k, used;
	int colour = v->o->colour;

	if (colour && cell->provisional)
		mfm_buf_adds(out, SGR_DIM);
	window_text(v, cell->win, t, sizeof(t));
	put_cell(out, t, v->wwin, 0);
	mfm_buf_adds(out, "  ");
	put_cell(out, group_text(v->r, cell->grp), v->wgrp, 0);
	mfm_buf_adds(out, "  ");
	mfm_table_value(cell->n, t);
	put_cell(out, t, v->wn, 1);
	mfm_buf_adds(out, "  ");
	mfm_table_value(cell->labelled, t);
	put_cell(out, t, v->wlab, 1);
	mfm_buf_adds(out, "  ");
	if (isnan(cell->coverage))
		snprintf(t, sizeof(t), "-");
	else
		snprintf(t, sizeof(t), "%.0f%%", cell->coverage * 100);
	put_cell(out, t, v->wcov, 1);
	for (k = 0; k < v->nshow; k++) {
		size_t m = v->o->metrics[k];
		double x = mfm_report_value(cell, m);
		int red = colour && firing_on(v, c, m);

		mfm_buf_adds(out, "  ");
		mfm_table_value(x, t);
		if (red)
			mfm_buf_adds(out, SGR_RED);
		put_cell(out, t, v->wval[k], 1);
		if (v->bar > 0) {
			mfm_buf_addc(out, ' ');
			put_bar(out, x, v->lo[k], v->hi[k], v->bar);
		}
		if (red)
			mfm_buf_adds(out, colour && cell->provisional ?
			    SGR_RESET SGR_DIM : SGR_RESET);
	}
	if (v->wnotes > 0) {
		notes(v, c, &b, colour);
		if (b.len > 0) {
			mfm_buf_adds(out, "  ");
			/* The last column: cut at the width, plain only. */
			used = used_width(v);
			if (!colour && used < v->o->width)
				put_last(out, b.p, v->o->width - used);
			else
				mfm_buf_add(out, b.p, b.len);
		}
	}
	if (colour && cell->provisional)
		mfm_buf_adds(out, SGR_RESET);
	end_line(out);
	mfm_buf_release(&b);
}

/*
 * One sparkline per chosen metric and series: one character per window,
 * or when there are more windows than room, per span of windows the one
 * farthest from the series' mean, so that a drop still shows.
 */
static void
sparklines(struct view *v, struct mfm_buf *out)
{
	static const char *const level[] = { "\u2581", "\u2582", "\u2583",
	    "\u2584", "\u2585", "\u2586", "\u2587", "\u2588" };
	const struct mfm_report *r = v->r;
	size_t k, s, i, wname = 0, wgrp = 0, room, len, cap = 0;
	double *val = NULL;
	unsigned char *fire = NULL, *prov = NULL;
	char t[96], a[32], z[32];

	for (k = 0; k < v->o->nmetric; k++)
		if (strlen(r->metric[v->o->metrics[k]]) > wname)
			wname = strlen(r->metric[v->o->metrics[k]]);
	for (s = 0; s < r->nseries; s++) {
		const char *g = group_text(r, r->series[s].grp);
		size_t w = mfm_table_width(g, strlen(g));

		if (r->nclass > 1)
			w += 6;
		if (w > wgrp)
			wgrp = w < GROUP_MAX ? w : GROUP_MAX;
	}
	for (k = 0; k < r->nclass; k++)
		if (r->cwin_n[k] > cap)
			cap = r->cwin_n[k];
	if (r->nseries == 0 || cap == 0)
		return;
	val = mfm_xcalloc(cap, sizeof(*val));
	fire = mfm_xcalloc(cap, 1);
	prov = mfm_xcalloc(cap, 1);
	mfm_buf_addc(out, '\n');
	for (k = 0; k < v->o->nmetric; k++) {
		size_t m = v->o->metrics[k];

		for (s = 0; s < r->nseries; s++) {
			const struct mfm_report_series *se = &r->series[s];
			size_t nwin = r->cwin_n[se->cls], nfire = 0, nval = 0;
			double mean = 0, first = NAN, last = NAN;

			for (i = 0; i < nwin; i++) {
				val[i] = NAN;
				fire[i] = prov[i] = 0;
			}
			for (i = 0; i < se->n; i++) {
				const struct mfm_report_cell *c =
				    &r->cell[se->cells[i]];
				size_t p = r->win[c->win].pos;
				double x = mfm_report_value(c, m);

				val[p] = x;
				fire[p] = firing_on(v, se->cells[i], m);
				prov[p] = (unsigned char)c->provisional;
				nfire += fire[p];
				if (!isnan(x)) {
					mean += x;
					nval++;
					if (isnan(first))
						first = x;
					last = x;
				}
			}
			mean = nval ? mean / (double)nval : 0;
			mfm_table_value(first, a);
			mfm_table_value(last, z);
			snprintf(t, sizeof(t), "  %s .. %s", a, z);
			if (nfire > 0)
				snprintf(t + strlen(t), sizeof(t) - strlen(t),
				    ", %zu firing", nfire);
			room = wname + 2 + wgrp + 2 + strlen(t);
			room = v->o->width > room + 4 ? v->o->width - room : 4;
			len = nwin < room ? nwin : room;
			put_cell(out, s == 0 ? r->metric[m] : "", wname, 0);
			mfm_buf_adds(out, "  ");
			{
				const char *g = group_text(r, se->grp);
				char gl[96];

				if (r->nclass > 1) {
					char d[32];

					mfm_tm_format_duration((int64_t)
					    r->class_len[se->cls], d);
					snprintf(gl, sizeof(gl), "%s (%s)", g,
					    d);
					g = gl;
				}
				put_cell(out, g, wgrp, 0);
			}
			mfm_buf_adds(out, "  ");
			for (i = 0; i < len; i++) {
				size_t a0 = i * nwin / len;
				size_t a1 = (i + 1) * nwin / len, q;
				int f = 0, pr = 0, lv;
				double x = NAN;

				for (q = a0; q < a1; q++) {
					f |= fire[q];
					pr |= prov[q];
					if (!isnan(val[q]) && (isnan(x) ||
					    fabs(val[q] - mean) >
					    fabs(x - mean)))
						x = val[q];
				}
				if (isnan(x)) {
					mfm_buf_addc(out, ' ');
					continue;
				}
				lv = v->hi[k] > v->lo[k] ? (int)lround((x -
				    v->lo[k]) / (v->hi[k] - v->lo[k]) * 7) : 3;
				if (lv < 0)
					lv = 0;
				if (lv > 7)
					lv = 7;
				if (v->o->colour && (f || pr))
					mfm_buf_adds(out, f ? SGR_RED :
					    SGR_DIM);
				mfm_buf_adds(out, level[lv]);
				if (v->o->colour && (f || pr))
					mfm_buf_adds(out, SGR_RESET);
			}
			mfm_buf_adds(out, t);
			end_line(out);
		}
	}
	free(val);
	free(fire);
	free(prov);
}

/* The root cause of each firing alert shown, when context was given. */
static void
causes(struct view *v, struct mfm_buf *out)
{
	const struct mfm_report *r = v->r;
	struct mfm_buf b = MFM_BUF_INIT;
	size_t i, e, k;
	int any = 0;

	for (i = 0; i < r->norder; i++) {
		size_t c = r->order[i];
		const struct mfm_report_cell *cell = &r->cell[c];
		char t[80], x[32], y[32];
		int firing = 0;

		for (e = v->first_ev[c]; e != SIZE_MAX; e = v->next_ev[e])
			firing |= r->ev[e].status == MFM_REPORT_FIRING;
		if (!firing || (cell->ndrift == 0 && cell->nslice == 0))
			continue;
		if (!any++)
			mfm_buf_addc(out, '\n');
		mfm_buf_clear(&b);
		window_text(v, cell->win, t, sizeof(t));
		mfm_buf_addf(&b, "%s %s:", t, group_text(r, cell->grp));
		/* The first of each, as alert summaries say it. */
		for (k = 0; k < cell->nslice && k < 1; k++) {
			const struct mfm_report_slice *sl = &cell->slice[k];

			mfm_buf_addf(&b, " worst slice %s", sl->slice);
			if (sl->metric != NULL && !isnan(sl->cur)) {
				mfm_table_value(sl->ref, x);
				mfm_table_value(sl->cur, y);
				mfm_buf_addf(&b, " (%s %s -> %s)", sl->metric,
				    x, y);
			}
		}
		for (k = 0; k < cell->ndrift && k < 1; k++) {
			mfm_buf_addf(&b, "%s %s", cell->nslice ?
			    "; top drift" : " top drift",
			    cell->drift[k].feature);
			if (!isnan(cell->drift[k].psi)) {
				mfm_table_value(cell->drift[k].psi, x);
				mfm_buf_addf(&b, " (PSI %s)", x);
			}
		}
		put_last(out, b.p, v->o->width);
		end_line(out);
	}
	mfm_buf_release(&b);
}

void
mfm_table_render(struct mfm_buf *out, const struct mfm_report *r,
    const struct mfm_table_opts *o)
{
	struct view v;
	size_t i, k, e, *shown, nshown;

	memset(&v, 0, sizeof(v));
	v.r = r;
	v.o = o;
	v.date_only = r->daily && r->nclass <= 1;
	v.first_ev = mfm_xcalloc(r->ncell ? r->ncell : 1, sizeof(size_t));
	v.next_ev = mfm_xcalloc(r->nev ? r->nev : 1, sizeof(size_t));
	for (i = 0; i < r->ncell; i++)
		v.first_ev[i] = SIZE_MAX;
	/* Each cell's events in rule order: linked from the last. */
	shown = mfm_report_events(r, &nshown);
	for (i = nshown; i-- > 0;) {
		e = shown[i];
		v.next_ev[e] = v.first_ev[r->ev[e].cell];
		v.first_ev[r->ev[e].cell] = e;
	}
	free(shown);
	v.lo = mfm_xcalloc(o->nmetric + 1, sizeof(double));
	v.hi = mfm_xcalloc(o->nmetric + 1, sizeof(double));
	v.wval = mfm_xcalloc(o->nmetric + 1, sizeof(size_t));
	for (k = 0; k < o->nmetric; k++) {
		v.lo[k] = INFINITY;
		v.hi[k] = -INFINITY;
		for (i = 0; i < r->norder; i++) {
			double x = mfm_report_value(&r->cell[r->order[i]],
			    o->metrics[k]);

			if (x < v.lo[k])
				v.lo[k] = x;
			if (x > v.hi[k])
				v.hi[k] = x;
		}
	}
	fit(&v);
	title(&v, out);
	header(&v, out);
	for (i = 0; i < r->norder; i++)
		row(&v, out, r->order[i]);
	sparklines(&v, out);
	causes(&v, out);
	free(v.first_ev);
	free(v.next_ev);
	free(v.lo);
	free(v.hi);
	free(v.wval);
}
