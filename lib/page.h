/*
 * mfm-report's HTML page and SVG charts.  The page is one file that
 * opens offline: inline CSS, inline SVG, no script, nothing fetched.  It
 * holds, for each chosen metric, a chart with a line per group over
 * time (an estimate of the metric, from mfm-estimate, dashed beside
 * it), the thresholds of the rules on that metric, firing and resolved
 * alerts marked and provisional windows shaded; charts of the label
 * coverage and label delay; the alerts; and the top drifting features
 * and worst slices of the windows that have them.
 */
#ifndef MFM_PAGE_H
#define MFM_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/report.h"

/* Rows of the alert and root-cause tables at most (the latest). */
#define MFM_PAGE_MAX_ALERTS 50
#define MFM_PAGE_MAX_ROWS 200

struct mfm_page_opts {
	const size_t *metrics;	/* metric indices to chart, in order */
	size_t nmetric;
	const char *title;	/* NULL: "mfm report" */
	int32_t (*tz_offset)(const void *tz, int64_t us);
	const void *tz;
	const char *tzname;	/* "UTC", "Europe/Paris" */
};

/* Append the HTML page of the prepared report r. */
void mfm_page_html(struct mfm_buf *out, const struct mfm_report *r,
    const struct mfm_page_opts *o);

/*
 * Append the chart of the first chosen metric as a standalone SVG
 * document (XML declaration, namespace, its own styles).
 */
void mfm_page_svg(struct mfm_buf *out, const struct mfm_report *r,
    const struct mfm_page_opts *o);

#endif
