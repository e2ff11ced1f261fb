/*
 * mfm-report's terminal view: one row per window and group with the
 * counts, the label coverage and the chosen metrics, each with a bar
 * scaled between the metric's lowest and highest value shown; alerts,
 * provisional windows and revisions in a last column; then a sparkline
 * per metric and group over the windows, and the root cause of each
 * firing alert when context was given.  Widths are fitted to a given
 * number of columns; colour (ANSI SGR) only when asked.
 */
#ifndef MFM_TABLE_H
#define MFM_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/report.h"

struct mfm_table_opts {
	const size_t *metrics;	/* metric indices to show, in order */
	size_t nmetric;
	size_t width;		/* terminal columns */
	int colour;
	/* The zone windows are shown in: its UTC offset at an instant. */
	int32_t (*tz_offset)(const void *tz, int64_t us);
	const void *tz;
	const char *tzname;	/* "UTC", "Europe/Paris" */
};

/* Append the view of the prepared report r to out. */
void mfm_table_render(struct mfm_buf *out, const struct mfm_report *r,
    const struct mfm_table_opts *o);

/*
 * Helpers shared with the HTML page.  A value as the views write it:
 * "-" for NaN, whole numbers without a fraction, three decimals below
 * 1000, four significant digits above.  out holds 32 bytes.
 */
void mfm_table_value(double v, char out[32]);
/*
 * An instant in the zone: "2026-11-16" when date_only, else
 * "2026-11-16 13:05" (seconds added when not zero).  out holds 32 bytes.
 */
void mfm_table_time(int64_t us, int32_t offset_s, int date_only,
    char out[32]);
/* Terminal columns taken by UTF-8 text s[0..n): one per character. */
size_t mfm_table_width(const char *s, size_t n);

#endif
