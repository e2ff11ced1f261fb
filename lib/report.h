/*
 * The data of mfm-report: metric records, alert events, root-cause
 * context and label-free estimates, gathered per window and group, and
 * the view of them that the terminal table and the HTML page draw.
 *
 * A cell is one window and one group.  Its metric record is the latest
 * one read for it: a record with a higher "revision" replaces a lower
 * one whatever the order, and of records with the same revision the one
 * read last wins (a provisional window is written again, with the same
 * or no revision, each time its labels come in, and then once final).
 * Estimates (mfm-estimate) and context (mfm-drift and mfm-slice with
 * --context, or the context member of an alert event) are kept beside
 * the metric record, so a later revision does not drop them.  Alert
 * events count per cell and rule: the one of the highest revision, the
 * latest read among equals, is the one shown.
 *
 * Windows are identified by their start and end times.  Windows whose
 * lengths are within an eighth of each other are of one size class (a
 * calendar day of 23 or 25 hours is still a day); each class is a time
 * line of its own, so hourly and daily windows of one run are never
 * drawn as one line.
 */
#ifndef MFM_REPORT_H
#define MFM_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/json.h"
#include "lib/keymap.h"

#define MFM_REPORT_MAX_CELLS_DEFAULT 1000000
#define MFM_REPORT_MAX_EVENTS_DEFAULT 1000000
#define MFM_REPORT_MAX_METRICS 256
#define MFM_REPORT_TOP 3		/* drifts and slices kept per cell */
#define MFM_REPORT_NO_TIME INT64_MIN

struct mfm_report_window {
	int has;		/* 0: the record had no window (null) */
	int64_t start, end;	/* microseconds */
	size_t cls;		/* size class, after mfm_report_prepare */
	size_t pos;		/* place among its class's windows shown */
};

/* The cells of one group and size class, by window: a line on a chart. */
struct mfm_report_series {
	size_t grp, cls;
	const size_t *cells;	/* points into the report's arrays */
	size_t n;
};

struct mfm_report_group {
	char *canon;		/* canonical JSON text (see lib/rule.h) */
	size_t len;
	char *key;		/* the one member's name, or NULL */
	char *value;		/* the one member's value as text, or NULL */
	char *pairs;		/* "k=v, k2=v2", or "all" for {} */
};

struct mfm_report_drift {
	char *feature;
	double psi;		/* NaN when null */
};

struct mfm_report_slice {
	char *slice;		/* "inputs.channel=partner" */
	char *metric;		/* the context's metric, or NULL */
	double ref, cur;	/* that metric in the reference and window */
	double contribution;
};

struct mfm_report_cell {
	size_t win, grp;
	int has_metrics;	/* a metric record was read for it */
	int provisional;
	int64_t as_of;		/* MFM_REPORT_NO_TIME when not given */
	int64_t revision;	/* 0 when not given */
	uint64_t seq;		/* input order of the record kept */
	double n, labelled, positives, negatives;	/* NaN: absent */
	double coverage, delay_p50, delay_p95, delay_max;
	double *val;		/* per metric index; NaN: null or absent */
	size_t nval;
	double *est;		/* estimates, per metric index */
	size_t nest;
	struct mfm_report_drift drift[MFM_REPORT_TOP];
	size_t ndrift;
	struct mfm_report_slice slice[MFM_REPORT_TOP];
	size_t nslice;
	int ctx_from_event;	/* drift/slice came from an alert event */
};

enum mfm_report_status {
	MFM_REPORT_FIRING = 1,
	MFM_REPORT_RESOLVED = 2
};

struct mfm_report_event {
	size_t cell;
	size_t rule;		/* index in rules */
	size_t metric;		/* index in metrics */
	enum mfm_report_status status;
	double value, threshold;	/* NaN when null */
	int64_t revision;
	int provisional;
	int critical;		/* severity critical */
	uint64_t seq;
	int shown;		/* the latest of its cell and rule */
	char *summary;		/* or NULL */
};

struct mfm_report_rule {
	char *name;
	char *op;		/* or NULL */
	size_t metric;
};

/* A time filter bound: none, an instant, or a duration back. */
struct mfm_report_bound {
	enum { MFM_REPORT_NONE = 0, MFM_REPORT_AT, MFM_REPORT_BACK } kind;
	int64_t us;
};

struct mfm_report {
	size_t max_cells, max_events;

	struct mfm_report_window *win;
	size_t nwin, capwin;
	struct mfm_report_group *grp;
	size_t ngrp, capgrp;
	struct mfm_report_cell *cell;
	size_t ncell, capcell;
	struct mfm_report_event *ev;
	size_t nev, capev;
	struct mfm_report_rule *rule;
	size_t nrule, caprule;
	char **metric;		/* metric names, in first-seen order */
	int *metric_in_records;	/* seen in a metric record (not only */
	int *metric_estimated;	/* an event or an estimate) */
	size_t nmetric;

	uint64_t seq;
	uint64_t nsuperseded;	/* metric records older than the kept one */
	uint64_t nskipped;	/* events of other statuses */
	uint64_t nmetric_records;

	/* After mfm_report_prepare: the view. */
	int64_t from, to;	/* window starts shown: [from, to) */
	size_t *order;		/* cells with metrics in range, by window
				   (start, end), then group */
	size_t norder;
	size_t *gorder;		/* groups by canonical text */
	size_t *grank;		/* group index -> rank in gorder */
	size_t *class_len;	/* nominal length (us) of each size class */
	size_t nclass;
	size_t *cwin;		/* windows shown, by class, then start, end */
	size_t *cwin_off, *cwin_n;	/* each class's part of cwin */
	struct mfm_report_series *series;	/* by group, then class */
	size_t nseries;
	size_t *sorder;		/* the cells of order, by series */
	size_t *rank;		/* cell -> its place in order, or SIZE_MAX */
	int daily;		/* every window shown starts at local midnight
				   and lasts about a day or more */
	char *group_header;	/* "model_version", or "group" */

	struct mfm_keymap winmap, grpmap, cellmap, rulemap, metricmap;
	struct mfm_buf key, scratch, text;
};

void mfm_report_init(struct mfm_report *r, size_t max_cells,
    size_t max_events);
void mfm_report_release(struct mfm_report *r);

/*
 * Add one record of each kind.  -1 with MFM_ERR_DATA for a bad record
 * (the message says what is wrong; nothing was kept), MFM_ERR_LIMIT
 * when a cap is reached (more cells, events or metric names than
 * allowed).  An event of a status other than firing or resolved (from
 * mfm-threshold --all) is counted in nskipped and otherwise ignored.
 */
int mfm_report_add_metric(struct mfm_report *r, const struct mfm_json *j,
    struct mfm_err *err);
int mfm_report_add_event(struct mfm_report *r, const struct mfm_json *j,
    struct mfm_err *err);
int mfm_report_add_context(struct mfm_report *r, const struct mfm_json *j,
    struct mfm_err *err);
int mfm_report_add_estimate(struct mfm_report *r, const struct mfm_json *j,
    struct mfm_err *err);

/* The index of metric name, or -1. */
long mfm_report_metric(const struct mfm_report *r, const char *name);

/*
 * Decide which event of each cell and rule is shown, sort windows and
 * groups, give windows their size classes, and select the cells with a
 * metric record whose window starts in [since, until): a bound given as
 * a duration back counts from the end of the latest window.  Windowless
 * cells are shown only when no bound is given.  tz_offset (may be NULL)
 * gives the UTC offset in seconds of the zone the views use, to tell
 * whether windows are whole local days.  -1 (MFM_ERR_DATA) when no
 * metric record falls in the range.
 */
int mfm_report_prepare(struct mfm_report *r,
    const struct mfm_report_bound *since,
    const struct mfm_report_bound *until,
    int32_t (*tz_offset)(const void *tz, int64_t us), const void *tz,
    struct mfm_err *err);

/* A cell's value of metric m: its own, else its estimate's; NaN if none. */
double mfm_report_value(const struct mfm_report_cell *c, size_t m);

/* Is window w in the range prepared? */
int mfm_report_in_range(const struct mfm_report *r, size_t w);

/* What the prepared view holds, for its summaries. */
struct mfm_report_counts {
	size_t windows;		/* distinct windows shown */
	size_t provisional;	/* cells shown that are provisional */
	size_t firing, resolved;	/* alerts shown */
};
void mfm_report_count(const struct mfm_report *r,
    struct mfm_report_counts *n);

/*
 * The alert events shown of the cells shown, in their order (window,
 * group), then by rule; *n of them, in an array to free().
 */
size_t *mfm_report_events(const struct mfm_report *r, size_t *n);

#endif
