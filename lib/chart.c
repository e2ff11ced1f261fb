/*
 * SVG line charts over time; see chart.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chart.h"
#include "lib/table.h"
#include "lib/tm.h"
#include "lib/banned.h"

#define W 900			/* the chart's width */
#define PH 220			/* the plot's height */
#define ML 58			/* margins: left, right, top, bottom */
#define MR 20
#define MT 34
#define MB 34
#define PW (W - ML - MR)
#define LEGEND_ROW 18
#define FIRING_COLOUR "#d62728"
#define RESOLVED_COLOUR "#2ca02c"
#define THRESHOLD_COLOUR "#b03a2e"

static const char *const palette[MFM_CHART_COLOURS] = {
	"#1f77b4", "#ff7f0e", "#7f7f7f", "#9467bd", "#17becf",
	"#8c564b", "#e377c2", "#bcbd22", "#393b79"
};

const char *
mfm_chart_colour(size_t i)
{
	return palette[i % MFM_CHART_COLOURS];
}

void
mfm_chart_escape(struct mfm_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '&':
			mfm_buf_adds(b, "&amp;");
			break;
		case '<':
			mfm_buf_adds(b, "&lt;");
			break;
		case '>':
			mfm_buf_adds(b, "&gt;");
			break;
		case '"':
			mfm_buf_adds(b, "&quot;");
			break;
		case '\'':
			mfm_buf_adds(b, "&#39;");
			break;
		default:
			/* XML 1.0 has no place for other control bytes. */
			if (c < 0x20 && c != '\t' && c != '\n')
				mfm_buf_adds(b, "\xef\xbf\xbd");
			else
				mfm_buf_addc(b, (char)c);
		}
	}
}

static void
esc(struct mfm_buf *b, const char *s)
{
	mfm_chart_escape(b, s, strlen(s));
}

double
mfm_chart_nice(double lo, double hi, int n, double *first, int *count)
{
	double raw, mag, norm, step;

	if (!(hi > lo))
		hi = lo + 1;
	raw = (hi - lo) / (n > 0 ? n : 1);
	mag = pow(10, floor(log10(raw)));
	norm = raw / mag;
	step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
	*first = ceil(lo / step - 1e-9) * step;
	*count = (int)floor((hi - *first) / step + 1e-9) + 1;
	return step;
}

#define US_MIN (60 * MFM_TM_US_PER_S)
#define US_HOUR (3600 * MFM_TM_US_PER_S)
#define US_DAY (86400 * MFM_TM_US_PER_S)

static int32_t
off_at(int32_t (*tz_offset)(const void *, int64_t), const void *tz,
    int64_t us)
{
	return tz_offset ? tz_offset(tz, us) : 0;
}

/* The instant at which the local clock reads local (near enough). */
static int64_t
utc_of(int32_t (*tz_offset)(const void *, int64_t), const void *tz,
    int64_t local)
{
	int64_t u = local - (int64_t)off_at(tz_offset, tz, local) *
	    MFM_TM_US_PER_S;

	return local - (int64_t)off_at(tz_offset, tz, u) * MFM_TM_US_PER_S;
}

size_t
mfm_chart_time_ticks(int64_t x0, int64_t x1, size_t max, int64_t min_step,
    int32_t (*tz_offset)(const void *tz, int64_t us), const void *tz,
    int64_t *out, char (*labels)[32])
{
	static const int64_t sub[] = { US_MIN, 2 * US_MIN, 5 * US_MIN,
	    10 * US_MIN, 15 * US_MIN, 30 * US_MIN, US_HOUR, 2 * US_HOUR,
	    3 * US_HOUR, 6 * US_HOUR, 12 * US_HOUR };
	static const int days[] = { 1, 2, 7, 14 };
	static const int months[] = { 1, 2, 3, 6, 12, 24, 60, 120, 600,
	    1200 };
	int64_t span = x1 - x0, l0, l1, t, y;
	size_t i, n = 0;
	unsigned m, d;
	int prev_day = -1;

	if (max == 0 || span <= 0)
		return 0;
	l0 = x0 + (int64_t)off_at(tz_offset, tz, x0) * MFM_TM_US_PER_S;
	l1 = x1 + (int64_t)off_at(tz_offset, tz, x1) * MFM_TM_US_PER_S;
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		if (span / sub[i] + 1 > (int64_t)max || sub[i] < min_step)
			continue;
		for (t = mfm_tm_floor(l0, sub[i], 0); t <= l1 && n < max;
		    t += sub[i]) {
			int64_t u = utc_of(tz_offset, tz, t);
			int dd;

			if (u < x0 || u > x1)
				continue;
			mfm_tm_civil_from_days(mfm_tm_floor(t, US_DAY, 0) /
			    US_DAY, &y, &m, &d);
			dd = (int)(m * 32 + d);
			out[n] = u;
			if (dd != prev_day)
				snprintf(labels[n], 32, "%02u-%02u %02d:%02d",
				    m, d, (int)((t - mfm_tm_floor(t, US_DAY,
				    0)) / US_HOUR), (int)((t - mfm_tm_floor(t,
				    US_HOUR, 0)) / US_MIN));
			else
				snprintf(labels[n], 32, "%02d:%02d",
				    (int)((t - mfm_tm_floor(t, US_DAY, 0)) /
				    US_HOUR), (int)((t - mfm_tm_floor(t,
				    US_HOUR, 0)) / US_MIN));
			prev_day = dd;
			n++;
		}
		return n;
	}
	for (i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
		int64_t k = days[i];

		if (span / (k * US_DAY) + 1 > (int64_t)max ||
		    k * US_DAY < min_step - min_step / 8)
			continue;
		for (t = mfm_tm_floor(l0, US_DAY, 0); t <= l1 && n < max;
		    t += US_DAY) {
			int64_t dn = t / US_DAY, u;

			/* Weeks start on Monday; 1970-01-05 was one. */
			if ((k >= 7 ? (dn - 4) % k : dn % k) != 0)
				continue;
			u = utc_of(tz_offset, tz, t);
			if (u < x0 || u > x1)
				continue;
			mfm_tm_civil_from_days(dn, &y, &m, &d);
			out[n] = u;
			snprintf(labels[n], 32, "%04lld-%02u-%02u",
			    (long long)y, m, d);
			n++;
		}
		return n;
	}
	for (i = 0; i < sizeof(months) / sizeof(months[0]); i++) {
		int64_t k = months[i], mi, mi1;

		if (span / (k * 28 * US_DAY) + 1 > (int64_t)max &&
		    i + 1 < sizeof(months) / sizeof(months[0]))
			continue;
		mfm_tm_civil_from_days(mfm_tm_floor(l0, US_DAY, 0) / US_DAY,
		    &y, &m, &d);
		mi = y * 12 + (m - 1);
		mfm_tm_civil_from_days(mfm_tm_floor(l1, US_DAY, 0) / US_DAY,
		    &y, &m, &d);
		mi1 = y * 12 + (m - 1);
		for (; mi <= mi1 && n < max; mi++) {
			int64_t u, yy = mi >= 0 ? mi / 12 : -((-mi + 11) / 12);
			unsigned mm = (unsigned)(mi - yy * 12) + 1;

			if (mi % k != 0)
				continue;
			u = utc_of(tz_offset, tz,
			    mfm_tm_days_from_civil(yy, mm, 1) * US_DAY);
			if (u < x0 || u > x1)
				continue;
			out[n] = u;
			if (k >= 12)
				snprintf(labels[n], 32, "%04lld",
				    (long long)yy);
			else
				snprintf(labels[n], 32, "%04lld-%02u",
				    (long long)yy, mm);
			n++;
		}
		return n;
	}
	return n;
}

/* The drawing: scales and the output buffer. */
struct draw {
	struct mfm_buf *b;
	const struct mfm_chart *c;
	double ylo, yhi;
	int height;		/* the whole SVG's */
	int bucketed;
	size_t nb;		/* buckets when bucketed */
};

static double
px(const struct draw *d, int64_t x)
{
	const struct mfm_chart *c = d->c;

	if (c->x1 <= c->x0)
		return ML + PW / 2.0;
	return ML + (double)(x - c->x0) / (double)(c->x1 - c->x0) * PW;
}

static double
py(const struct draw *d, double y)
{
	double v = MT + (1 - (y - d->ylo) / (d->yhi - d->ylo)) * PH;

	/* Values outside a fixed domain stay on the plot's edge. */
	return v < MT ? MT : v > MT + PH ? MT + PH : v;
}

static void
num(struct mfm_buf *b, double v)
{
	mfm_buf_addf(b, "%.1f", fabs(v) < 0.05 ? 0.0 : v);
}

static size_t
bucket_of(const struct draw *d, int64_t x)
{
	const struct mfm_chart *c = d->c;
	size_t k;

	if (c->x1 <= c->x0)
		return 0;
	k = (size_t)((double)(x - c->x0) / (double)(c->x1 - c->x0) *
	    (double)d->nb);
	return k >= d->nb ? d->nb - 1 : k;
}

static int64_t
bucket_mid(const struct draw *d, size_t k)
{
	const struct mfm_chart *c = d->c;

	return c->x0 + (int64_t)(((double)k + 0.5) / (double)d->nb *
	    (double)(c->x1 - c->x0));
}

/* The value domain: every value, threshold and mark, padded, rounded. */
static void
domain(struct draw *d)
{
	const struct mfm_chart *c = d->c;
	double lo = INFINITY, hi = -INFINITY, step, first, pad;
	size_t i, k;
	int count;

#define SEE(v) do { \
		double v_ = (v); \
		if (isfinite(v_) && v_ < lo) \
			lo = v_; \
		if (isfinite(v_) && v_ > hi) \
			hi = v_; \
	} while (0)
	for (i = 0; i < c->nseries; i++)
		for (k = 0; k < c->series[i].n; k++)
			SEE(c->series[i].y[k]);
	for (i = 0; i < c->nthresholds; i++)
		for (k = 0; k < c->thresholds[i].n; k++)
			SEE(c->thresholds[i].y[k]);
	for (i = 0; i < c->nmarks; i++)
		SEE(c->marks[i].y);
#undef SEE
	if (c->fixed_y) {
		d->ylo = c->y0;
		d->yhi = c->y1;
		return;
	}
	if (lo > hi) {
		lo = 0;
		hi = 1;
	}
	if (hi - lo < 1e-12) {
		pad = fabs(lo) > 0 ? fabs(lo) * 0.05 : 0.5;
		lo -= pad;
		hi += pad;
	}
	pad = (hi - lo) * 0.05;
	lo -= pad;
	hi += pad;
	step = mfm_chart_nice(lo, hi, 5, &first, &count);
	d->ylo = floor(lo / step + 1e-9) * step;
	d->yhi = ceil(hi / step - 1e-9) * step;
	if (d->yhi <= d->ylo)
		d->yhi = d->ylo + step;
}

static void
axes(struct draw *d)
{
	const struct mfm_chart *c = d->c;
	struct mfm_buf *b = d->b;
	int64_t ticks[16];
	char labels[16][32], t[48];
	double step, first, v;
	size_t i, n;
	int count, k, dec;

	step = mfm_chart_nice(d->ylo, d->yhi, 5, &first, &count);
	dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
	mfm_buf_adds(b, "<g class=\"yaxis\" fill=\"#555\" "
	    "text-anchor=\"end\">");
	for (k = 0; k < count && k < 20; k++) {
		v = first + k * step;
		mfm_buf_addf(b, "<line x1=\"%d\" x2=\"", ML);
		num(b, ML + PW);
		mfm_buf_adds(b, "\" y1=\"");
		num(b, py(d, v));
		mfm_buf_adds(b, "\" y2=\"");
		num(b, py(d, v));
		mfm_buf_addf(b, "\" stroke=\"#e6e6e6\"/><text x=\"%d\" y=\"", ML - 6);
		num(b, py(d, v) + 4);
		snprintf(t, sizeof(t), "%.*f", dec, fabs(v) < step / 2 ? 0 : v);
		mfm_buf_addf(b, "\">%s</text>", t);
	}
	mfm_buf_adds(b, "</g>");
	n = mfm_chart_time_ticks(c->x0, c->x1, PW / 110, c->step, c->tz_offset,
	    c->tz, ticks, labels);
	mfm_buf_adds(b, "<g class=\"xaxis\" fill=\"#555\" "
	    "text-anchor=\"middle\">");
	for (i = 0; i < n; i++) {
		double x = px(d, ticks[i]);
		int half = (int)strlen(labels[i]) * 3 + 2;

		mfm_buf_adds(b, "<line x1=\"");
		num(b, x);
		mfm_buf_adds(b, "\" x2=\"");
		num(b, x);
		mfm_buf_addf(b, "\" y1=\"%d\" y2=\"%d\" stroke=\"#bbb\"/>",
		    MT + PH, MT + PH + 5);
		/* A label that would leave the picture is left out. */
		if (x - half < 0 || x + half > W)
			continue;
		mfm_buf_adds(b, "<text x=\"");
		num(b, x);
		mfm_buf_addf(b, "\" y=\"%d\">%s</text>", MT + PH + 18,
		    labels[i]);
	}
	mfm_buf_adds(b, "</g>");
	mfm_buf_addf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" "
	    "stroke=\"#999\"/>", ML, ML + PW, MT + PH, MT + PH);
}

static void
spans(struct draw *d)
{
	const struct mfm_chart *c = d->c;
	struct mfm_buf *b = d->b;
	size_t i;

	if (c->nspans == 0)
		return;
	mfm_buf_adds(b, "<g class=\"spans\">");
	for (i = 0; i < c->nspans; i++) {
		double a = px(d, c->spans[i].from), z = px(d, c->spans[i].to);

		if (z - a < 1)
			z = a + 1;
		mfm_buf_adds(b, "<rect class=\"provisional\" x=\"");
		num(b, a);
		mfm_buf_addf(b, "\" y=\"%d\" width=\"", MT);
		num(b, z - a);
		mfm_buf_addf(b, "\" height=\"%d\" fill=\"#9e9e9e\" "
		    "fill-opacity=\"0.18\"/>", PH);
	}
	mfm_buf_adds(b, "</g>");
}

static void
thresholds(struct draw *d)
{
	const struct mfm_chart *c = d->c;
	struct mfm_buf *b = d->b;
	size_t i, k;

	if (c->nthresholds == 0)
		return;
	mfm_buf_adds(b, "<g class=\"thresholds\" fill=\"" THRESHOLD_COLOUR
	    "\" text-anchor=\"end\">");
	for (i = 0; i < c->nthresholds; i++) {
		const struct mfm_chart_threshold *t = &c->thresholds[i];
		int constant = 1;
		double ly;

		if (t->n == 0)
			continue;
		for (k = 1; k < t->n; k++)
			if (t->y[k] != t->y[0])
				constant = 0;
		mfm_buf_adds(b, "<path class=\"threshold\" fill=\"none\" "
		    "stroke=\"" THRESHOLD_COLOUR "\" stroke-width=\"1.2\" "
		    "stroke-dasharray=\"6 4\" d=\"");
		if (constant) {
			mfm_buf_addf(b, "M%d ", ML);
			num(b, py(d, t->y[0]));
			mfm_buf_addf(b, "H%d", ML + PW);
		} else {
			double half = (px(d, c->x0 + c->step) - px(d, c->x0)) /
			    2;

			if (half < 1)
				half = 1;
			for (k = 0; k < t->n; k++) {
				if (!isfinite(t->y[k]))
					continue;
				mfm_buf_addc(b, 'M');
				num(b, px(d, t->x[k]) - half);
				mfm_buf_addc(b, ' ');
				num(b, py(d, t->y[k]));
				mfm_buf_addc(b, 'h');
				num(b, 2 * half);
			}
		}
		mfm_buf_adds(b, "\"><title>");
		esc(b, t->label);
		mfm_buf_adds(b, "</title></path>");
		ly = py(d, t->y[t->n - 1]) - 4;
		mfm_buf_addf(b, "<text x=\"%d\" y=\"", ML + PW - 4);
		num(b, ly < MT + 10 ? ly + 16 : ly);
		mfm_buf_adds(b, "\">");
		esc(b, t->label);
		mfm_buf_adds(b, "</text>");
	}
	mfm_buf_adds(b, "</g>");
}

/*
 * One series: its path (with gaps where values are missing or windows
 * are absent), and when bucketed the band of each span's range; dots
 * when there are few points.
 */
static void
series(struct draw *d, size_t si, double *mean, double *lo, double *hi)
{
	const struct mfm_chart *c = d->c;
	const struct mfm_chart_series *s = &c->series[si];
	struct mfm_buf *b = d->b;
	const char *colour = mfm_chart_colour(s->colour);
	size_t i, n, *cnt = NULL;
	int pen = 0;

	if (d->bucketed) {
		cnt = mfm_xcalloc(d->nb, sizeof(*cnt));
		for (i = 0; i < d->nb; i++) {
			mean[i] = 0;
			lo[i] = INFINITY;
			hi[i] = -INFINITY;
		}
		for (i = 0; i < s->n; i++) {
			size_t k = bucket_of(d, s->x[i]);

			if (!isfinite(s->y[i]))
				continue;
			mean[k] += s->y[i];
			cnt[k]++;
			if (s->y[i] < lo[k])
				lo[k] = s->y[i];
			if (s->y[i] > hi[k])
				hi[k] = s->y[i];
		}
		for (i = 0; i < d->nb; i++)
			mean[i] = cnt[i] ? mean[i] / (double)cnt[i] : NAN;
		/* The band: each run of spans with values, low then high. */
		mfm_buf_addf(b, "<path class=\"band\" fill=\"%s\" "
		    "fill-opacity=\"0.2\" stroke=\"none\" d=\"", colour);
		for (i = 0; i < d->nb; i++) {
			size_t j, e;

			if (isnan(mean[i]))
				continue;
			for (e = i; e + 1 < d->nb && !isnan(mean[e + 1]); e++)
				;
			for (j = i; j <= e; j++) {
				mfm_buf_addc(b, j == i ? 'M' : 'L');
				num(b, px(d, bucket_mid(d, j)));
				mfm_buf_addc(b, ' ');
				num(b, py(d, lo[j]));
			}
			for (j = e + 1; j-- > i;) {
				mfm_buf_addc(b, 'L');
				num(b, px(d, bucket_mid(d, j)));
				mfm_buf_addc(b, ' ');
				num(b, py(d, hi[j]));
			}
			mfm_buf_addc(b, 'Z');
			i = e;
		}
		mfm_buf_adds(b, "\"/>");
	}
	mfm_buf_addf(b, "<path class=\"%s\" data-group=\"", s->kind ?
	    s->kind : s->estimate ? "estimate" : "series");
	esc(b, s->key ? s->key : s->label);
	mfm_buf_addf(b, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s "
	    "stroke-linejoin=\"round\" d=\"", colour, s->estimate ? "1.4" :
	    "1.8", s->estimate ? " stroke-dasharray=\"5 3\"" : "");
	n = d->bucketed ? d->nb : s->n;
	for (i = 0; i < n; i++) {
		int64_t x = d->bucketed ? bucket_mid(d, i) : s->x[i];
		double y = d->bucketed ? mean[i] : s->y[i];

		if (!isfinite(y)) {
			pen = 0;
			continue;
		}
		/* An absent window breaks the line too. */
		if (!d->bucketed && i > 0 && c->step > 0 &&
		    s->x[i] - s->x[i - 1] > c->step + c->step / 2)
			pen = 0;
		mfm_buf_addc(b, pen ? 'L' : 'M');
		num(b, px(d, x));
		mfm_buf_addc(b, ' ');
		num(b, py(d, y));
		/* A lone point still shows: a dot of the line's width. */
		if (!pen && (i + 1 == n || !isfinite(d->bucketed ?
		    mean[i + 1] : s->y[i + 1])))
			mfm_buf_adds(b, "h0.1");
		pen = 1;
	}
	mfm_buf_adds(b, "\"><title>");
	esc(b, s->label);
	mfm_buf_adds(b, "</title></path>");
	if (!d->bucketed && s->n <= MFM_CHART_DOTS && !s->estimate) {
		for (i = 0; i < s->n; i++) {
			int p = s->prov != NULL && s->prov[i];

			if (!isfinite(s->y[i]))
				continue;
			mfm_buf_addf(b, "<circle%s cx=\"", p ?
			    " class=\"provisional-point\"" : "");
			num(b, px(d, s->x[i]));
			mfm_buf_adds(b, "\" cy=\"");
			num(b, py(d, s->y[i]));
			mfm_buf_addf(b, "\" r=\"2.6\" fill=\"%s\" stroke=\"%s\"",
			    p ? "#fff" : colour, colour);
			if (s->tips != NULL && s->tips[i] != NULL) {
				mfm_buf_adds(b, "><title>");
				esc(b, s->tips[i]);
				mfm_buf_adds(b, "</title></circle>");
			} else {
				mfm_buf_adds(b, "/>");
			}
		}
	}
	free(cnt);
}

static void
marks(struct draw *d)
{
	const struct mfm_chart *c = d->c;
	struct mfm_buf *b = d->b;
	size_t i, k = 0, *first = NULL, *count = NULL, slots = 0;

	if (c->nmarks == 0)
		return;
	/* Bucketed: one mark per series, span and status, counted. */
	if (d->bucketed) {
		slots = c->nseries * d->nb * 2;
		first = mfm_xcalloc(slots, sizeof(*first));
		count = mfm_xcalloc(slots, sizeof(*count));
		for (i = 0; i < c->nmarks; i++) {
			const struct mfm_chart_mark *m = &c->marks[i];

			k = (m->series * d->nb + bucket_of(d, m->x)) * 2 +
			    (m->status == MFM_CHART_RESOLVED);
			if (count[k]++ == 0)
				first[k] = i;
		}
	}
	mfm_buf_adds(b, "<g class=\"marks\">");
	for (i = 0; i < c->nmarks; i++) {
		const struct mfm_chart_mark *m = &c->marks[i];
		int firing = m->status == MFM_CHART_FIRING;
		int64_t x = m->x;

		if (!isfinite(m->y))
			continue;
		if (d->bucketed) {
			k = (m->series * d->nb + bucket_of(d, m->x)) * 2 +
			    !firing;
			if (first[k] != i)
				continue;
			x = bucket_mid(d, bucket_of(d, m->x));
		}
		mfm_buf_addf(b, "<circle class=\"%s\" cx=\"", firing ?
		    "alert-firing" : "alert-resolved");
		num(b, px(d, x));
		mfm_buf_adds(b, "\" cy=\"");
		num(b, py(d, m->y));
		if (firing)
			mfm_buf_adds(b, "\" r=\"5\" fill=\"" FIRING_COLOUR
			    "\" stroke=\"#fff\" stroke-width=\"1.5\">");
		else
			mfm_buf_adds(b, "\" r=\"5\" fill=\"#fff\" stroke=\""
			    RESOLVED_COLOUR "\" stroke-width=\"2\">");
		mfm_buf_adds(b, "<title>");
		if (d->bucketed && count[k] > 1)
			mfm_buf_addf(b, "%zu %s alerts in this span; the first: ",
			    count[k], firing ? "firing" : "resolved");
		if (m->title != NULL)
			esc(b, m->title);
		mfm_buf_adds(b, "</title></circle>");
	}
	mfm_buf_adds(b, "</g>");
	free(first);
	free(count);
}

/* Legend entries, wrapped in rows; returns the rows used. */
static int
legend(struct draw *d, int draw, int y0)
{
	const struct mfm_chart *c = d->c;
	struct mfm_buf *b = d->b;
	size_t i, k;
	int x = ML, row = 0, firing = 0, resolved = 0, w;

	for (i = 0; i < c->nmarks; i++) {
		firing |= c->marks[i].status == MFM_CHART_FIRING;
		resolved |= c->marks[i].status == MFM_CHART_RESOLVED;
	}
	if (draw)
		mfm_buf_adds(b, "<g class=\"legend\" fill=\"#333\">");
	/* Entries: series, thresholds, the marks, the spans. */
	for (k = 0; k < c->nseries + c->nthresholds + 3; k++) {
		const char *text;
		int kind;	/* 0 line, 1 dashed, 2 threshold, 3 4 marks, 5 span */
		const char *colour = "#333";

		if (k < c->nseries) {
			text = c->series[k].label;
			kind = c->series[k].estimate;
			colour = mfm_chart_colour(c->series[k].colour);
		} else if (k < c->nseries + c->nthresholds) {
			text = c->thresholds[k - c->nseries].label;
			kind = 2;
		} else if (k == c->nseries + c->nthresholds) {
			if (!firing)
				continue;
			text = "firing";
			kind = 3;
		} else if (k == c->nseries + c->nthresholds + 1) {
			if (!resolved)
				continue;
			text = "resolved";
			kind = 4;
		} else {
			if (c->nspans == 0)
				continue;
			text = c->span_label ? c->span_label : "provisional";
			kind = 5;
		}
		w = 28 + (int)mfm_table_width(text, strlen(text)) * 7 + 16;
		if (x + w > W - MR && x > ML) {
			x = ML;
			row++;
		}
		if (draw) {
			int y = y0 + row * LEGEND_ROW;

			switch (kind) {
			case 0:
			case 1:
				mfm_buf_addf(b, "<line x1=\"%d\" x2=\"%d\" "
				    "y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
				    "stroke-width=\"2\"%s/>", x, x + 22, y - 4,
				    y - 4, colour, kind ?
				    " stroke-dasharray=\"5 3\"" : "");
				break;
			case 2:
				mfm_buf_addf(b, "<line x1=\"%d\" x2=\"%d\" "
				    "y1=\"%d\" y2=\"%d\" stroke=\""
				    THRESHOLD_COLOUR "\" stroke-dasharray="
				    "\"6 4\"/>", x, x + 22, y - 4, y - 4);
				break;
			case 3:
				mfm_buf_addf(b, "<circle cx=\"%d\" cy=\"%d\" "
				    "r=\"5\" fill=\"" FIRING_COLOUR "\"/>",
				    x + 11, y - 4);
				break;
			case 4:
				mfm_buf_addf(b, "<circle cx=\"%d\" cy=\"%d\" "
				    "r=\"4\" fill=\"#fff\" stroke=\""
				    RESOLVED_COLOUR "\" stroke-width=\"2\"/>",
				    x + 11, y - 4);
				break;
			default:
				mfm_buf_addf(b, "<rect x=\"%d\" y=\"%d\" "
				    "width=\"22\" height=\"10\" fill=\"#9e9e9e\" "
				    "fill-opacity=\"0.35\"/>", x, y - 9);
			}
			mfm_buf_addf(b, "<text x=\"%d\" y=\"%d\">", x + 28, y);
			esc(b, text);
			mfm_buf_adds(b, "</text>");
		}
		x += w;
	}
	if (draw)
		mfm_buf_adds(b, "</g>");
	return row + 1;
}

void
mfm_chart_svg(struct mfm_buf *b, const struct mfm_chart *c)
{
	struct draw d;
	double *mean = NULL, *lo = NULL, *hi = NULL;
	size_t i, most = 0;
	int rows;

	memset(&d, 0, sizeof(d));
	d.b = b;
	d.c = c;
	for (i = 0; i < c->nseries; i++)
		if (c->series[i].n > most)
			most = c->series[i].n;
	d.bucketed = most > MFM_CHART_POINTS;
	d.nb = MFM_CHART_POINTS;
	domain(&d);
	rows = legend(&d, 0, 0);
	d.height = MT + PH + MB + rows * LEGEND_ROW + 6;
	if (c->standalone)
		mfm_buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	mfm_buf_addf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "class=\"chart\" data-chart=\"");
	esc(b, c->id);
	mfm_buf_addf(b, "\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	    "font-family=\"sans-serif\" font-size=\"11\" role=\"img\">",
	    W, d.height, W, d.height);
	mfm_buf_adds(b, "<title>");
	esc(b, c->title);
	mfm_buf_addf(b, "</title><rect width=\"%d\" height=\"%d\" "
	    "fill=\"#fff\"/>", W, d.height);
	mfm_buf_addf(b, "<text x=\"%d\" y=\"20\" font-size=\"13\" "
	    "font-weight=\"bold\" fill=\"#222\">", ML);
	esc(b, c->title);
	mfm_buf_addf(b, "</text><text x=\"%d\" y=\"20\" text-anchor=\"end\" "
	    "fill=\"#777\">", W - MR);
	esc(b, c->tzname ? c->tzname : "UTC");
	mfm_buf_adds(b, "</text>");
	axes(&d);
	spans(&d);
	thresholds(&d);
	if (d.bucketed) {
		mean = mfm_xcalloc(d.nb, sizeof(*mean));
		lo = mfm_xcalloc(d.nb, sizeof(*lo));
		hi = mfm_xcalloc(d.nb, sizeof(*hi));
	}
	mfm_buf_adds(b, "<g class=\"lines\">");
	for (i = 0; i < c->nseries; i++)
		series(&d, i, mean, lo, hi);
	mfm_buf_adds(b, "</g>");
	marks(&d);
	legend(&d, 1, MT + PH + MB + 12);
	mfm_buf_adds(b, "</svg>");
	if (c->standalone)
		mfm_buf_addc(b, '\n');
	free(mean);
	free(lo);
	free(hi);
}
