/*
 * SVG line charts over time, for mfm-report's page: lines per series
 * with gaps, alert marks, threshold lines, shaded spans (provisional
 * windows), a time axis with ticks at round local times, a value axis
 * with round steps, and a legend, all inline (presentation attributes,
 * no stylesheet needed).
 *
 * A chart of many windows is drawn from at most MFM_CHART_POINTS spans
 * of equal time: per series and span the mean as the line and the range
 * (lowest to highest) as a band, one mark per series, span and status,
 * so that a page over 10,000 windows stays small and a single bad window
 * still shows.
 */
#ifndef MFM_CHART_H
#define MFM_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

#define MFM_CHART_POINTS 400
#define MFM_CHART_DOTS 60	/* points drawn as dots up to this many */
#define MFM_CHART_COLOURS 9

enum { MFM_CHART_FIRING = 1, MFM_CHART_RESOLVED = 2 };

struct mfm_chart_series {
	const char *label;	/* legend text */
	const char *key;	/* data-group attribute */
	size_t colour;		/* palette index */
	int estimate;		/* dashed: an estimate, or a second line */
	const char *kind;	/* class of the line (NULL: "series", or
				   "estimate" when dashed) */
	size_t n;
	const int64_t *x;	/* window middles, increasing */
	const double *y;	/* NaN: no value */
	const unsigned char *prov;	/* provisional points, or NULL */
	char *const *tips;	/* tooltip of each point's dot, or NULL */
};

struct mfm_chart_mark {
	int64_t x;
	double y;
	size_t series;
	int status;		/* MFM_CHART_FIRING or _RESOLVED */
	const char *title;	/* tooltip text, or NULL */
};

/* A threshold: a line across when constant, else a step per window. */
struct mfm_chart_threshold {
	const char *label;
	size_t n;
	const int64_t *x;	/* window middles */
	const double *y;
};

/* A shaded span of time, [from, to). */
struct mfm_chart_span {
	int64_t from, to;
};

struct mfm_chart {
	const char *id;		/* data-chart attribute, e.g. the metric */
	const char *title;
	const char *ylabel;
	int standalone;		/* an SVG document of its own */
	int64_t x0, x1;		/* the time domain */
	int64_t step;		/* nominal window length: gaps, spans */
	int fixed_y;		/* use y0, y1 as the value domain */
	double y0, y1;
	const struct mfm_chart_series *series;
	size_t nseries;
	const struct mfm_chart_mark *marks;
	size_t nmarks;
	const struct mfm_chart_threshold *thresholds;
	size_t nthresholds;
	const struct mfm_chart_span *spans;
	const char *span_label;	/* legend text of the spans */
	size_t nspans;
	int32_t (*tz_offset)(const void *tz, int64_t us);
	const void *tz;
	const char *tzname;
};

/* Append the chart as an <svg> element (a document when standalone). */
void mfm_chart_svg(struct mfm_buf *b, const struct mfm_chart *c);

/* The palette colour i (cycled), as "#rrggbb". */
const char *mfm_chart_colour(size_t i);

/*
 * Round steps for an axis from lo to hi with about n ticks: the step
 * (1, 2 or 5 times a power of ten) and the first tick; *count ticks.
 */
double mfm_chart_nice(double lo, double hi, int n, double *first,
    int *count);

/*
 * Time ticks from x0 to x1, at most max of them, at round local times
 * (minutes, hours, days, weeks starting on Monday, months, years) of
 * the zone (tz_offset NULL: UTC), no closer than min_step (the windows'
 * length: daily windows get no ticks at noon; 0 for any).  Writes up to
 * max instants to out and their labels (32 bytes each) to labels;
 * returns the number.
 */
size_t mfm_chart_time_ticks(int64_t x0, int64_t x1, size_t max,
    int64_t min_step,
    int32_t (*tz_offset)(const void *tz, int64_t us), const void *tz,
    int64_t *out, char (*labels)[32]);

/* Append s[0..n) escaped for XML text and attributes. */
void mfm_chart_escape(struct mfm_buf *b, const char *s, size_t n);

#endif
