/*
 * mfm-report: metric records over time, to look at: a table with bars
 * and sparklines in the terminal, a self-contained HTML page with SVG
 * charts, or one SVG chart.
 *
 * Reads mfm-metric records (the operands), and optionally alert events
 * (-a), root-cause context (--context) and label-free estimates
 * (--estimate), keeps the latest revision of each window and group, and
 * at end of input draws the windows in the --since/--until range.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/cli.h"
#include "lib/page.h"
#include "lib/report.h"
#include "lib/table.h"
#include "lib/tm.h"
#include "lib/tz.h"
#include "lib/banned.h"

/* --since and --until: an RFC 3339 time, or a duration back. */
static int
parse_bound(const char *arg, void *dst, struct mfm_err *err)
{
	struct mfm_report_bound *b = dst;
	struct mfm_err e;

	if (mfm_tm_parse_rfc3339(arg, strlen(arg), &b->us, &e) == 0) {
		b->kind = MFM_REPORT_AT;
		return 0;
	}
	if (mfm_tm_parse_duration(arg, &b->us, 1, &e) == 0) {
		b->kind = MFM_REPORT_BACK;
		return 0;
	}
	return mfm_err_set(err, MFM_ERR_USAGE,
	    "invalid time or duration '%s'", arg);
}

enum { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

static const struct mfm_opt_name colors[] = {
	{ "auto", COLOR_AUTO }, { "always", COLOR_ALWAYS },
	{ "never", COLOR_NEVER }, { NULL, 0 }
};

/* The settings, where the option table puts them. */
static struct {
	int table;
	const char *html, *svg;
	struct mfm_opt_strs alerts, context, estimate;
	struct mfm_opt_paths metrics;
	struct mfm_report_bound since, until;
	struct mfm_cli_zone tz;
	const char *title;
	size_t width;
	int color;
	size_t max_cells, max_events;
} set = {
	.max_cells = MFM_REPORT_MAX_CELLS_DEFAULT,
	.max_events = MFM_REPORT_MAX_EVENTS_DEFAULT
};

static const struct mfm_opt opts[] = {
	{ MFM_OPT_FLAG, "table", 0, NULL, "table",
	  "write the terminal view (the default on a tty, or without --html "
	  "and --svg)", MFM_OPT_AT(set.table) },
	{ MFM_OPT_FILE, "html", 0, "FILE", "html",
	  "write the report as one self-contained page",
	  MFM_OPT_AT(set.html) },
	{ MFM_OPT_FILE, "svg", 0, "FILE", "svg",
	  "write the first metric's chart as SVG", MFM_OPT_AT(set.svg) },
	{ MFM_OPT_FILES, "alerts", 0, "FILE", "alerts",
	  "alert events of mfm-threshold; repeatable",
	  MFM_OPT_AT(set.alerts) },
	{ MFM_OPT_FILES, NULL, 'a', NULL, NULL, NULL, .alias = "alerts" },
	{ MFM_OPT_FILES, "context", 0, "FILE", "context",
	  "context records of mfm-drift, mfm-slice; repeatable",
	  MFM_OPT_AT(set.context) },
	{ MFM_OPT_FILES, "estimate", 0, "FILE", "estimate",
	  "mfm-estimate records; repeatable", MFM_OPT_AT(set.estimate) },
	{ MFM_OPT_PATHS, "metrics", 'm', "LIST", "metrics",
	  "comma-separated metrics to show", MFM_OPT_AT(set.metrics),
	  .show = "all" },
	{ MFM_OPT_CUSTOM, "since", 0, "WHEN", "since",
	  "windows starting at WHEN or later: an RFC 3339 time, or a "
	  "duration back from the latest end", MFM_OPT_AT(set.since),
	  .what = "time or duration", .parse = parse_bound },
	{ MFM_OPT_CUSTOM, "until", 0, "WHEN", "until",
	  "windows starting before WHEN (the same forms)",
	  MFM_OPT_AT(set.until), .what = "time or duration",
	  .parse = parse_bound },
	{ MFM_OPT_CUSTOM, "tz", 'z', "ZONE", "tz",
	  "show times in an IANA zone", MFM_OPT_AT(set.tz), .show = "UTC",
	  .what = "time zone", .parse = mfm_cli_zone_parse,
	  .release = mfm_cli_zone_release },
	{ MFM_OPT_STRING, "title", 0, "TEXT", "title", "the page's title",
	  MFM_OPT_AT(set.title), .show = "mfm report" },
	{ MFM_OPT_COUNT, "width", 0, "N", "width", "terminal columns",
	  MFM_OPT_AT(set.width), .show = "COLUMNS, the terminal, 80",
	  .lo = 20, .hi = 10000 },
	{ MFM_OPT_ENUM, "color", 0, "WHEN", "color",
	  "colour the table: auto, always or never", MFM_OPT_AT(set.color),
	  .dflt = "auto", .names = colors },
	{ MFM_OPT_COUNT, "max-cells", 0, "N", "max_cells",
	  "windows x groups kept at most", MFM_OPT_AT(set.max_cells),
	  .lo = 1, .hi = MFM_CLI_COUNT_MAX },
	{ MFM_OPT_COUNT, "max-events", 0, "N", "max_events",
	  "alert events kept at most", MFM_OPT_AT(set.max_events),
	  .lo = 1, .hi = MFM_CLI_COUNT_MAX },
	{ MFM_OPT_END }
};

static const struct mfm_cli_tool tool = {
	"mfm-report", "report", "[FILE ...]",
	"Show metric records over time: a table in the terminal, an HTML page\n"
	"or an SVG chart.  FILE '-' or none reads stdin.\n",
	opts
};

static struct mfm_report report;

typedef int (*add_fn)(struct mfm_report *, const struct mfm_json *,
    struct mfm_err *);

static void
add_record(void *ctx, const struct mfm_reader *r, const struct mfm_json *j)
{
	add_fn add = *(add_fn *)ctx;
	struct mfm_err err;

	if (mfm_json_member(j, 0, "_mfm", 4) >= 0)
		return;
	mfm_err_clear(&err);
	/* The library's message names the cap (--max-cells, --max-events). */
	if (add(&report, j, &err) != 0)
		mfm_cli_record_err(r, &err, NULL);
}

static void
read_all(const struct mfm_opt_strs *f, add_fn add)
{
	mfm_cli_read_all(f, add_record, &add);
}

static int32_t
tz_offset(const void *tz, int64_t us)
{
	return mfm_tz_offset(tz, us, NULL);
}

/* The metrics to show: --metrics, or the alerted ones first, then all. */
static size_t *
choose_metrics(size_t *n)
{
	size_t *v, i, k;
	long m;

	v = mfm_xcalloc(report.nmetric + 1, sizeof(*v));
	*n = 0;
	if (set.metrics.n > 0) {
		/* Names are split as paths are, so a comma can be escaped. */
		for (i = 0; i < set.metrics.n; i++) {
			const struct mfm_json_path *p = &set.metrics.v[i];

			m = mfm_report_metric(&report, p->seg[0].name);
			if (m < 0) {
				mfm_fail("--metrics: no record has metric "
				    "'%s'", p->text);
				continue;
			}
			for (k = 0; k < *n && v[k] != (size_t)m; k++)
				;
			if (k == *n)
				v[(*n)++] = (size_t)m;
		}
		return v;
	}
	for (i = 0; i < report.nev; i++) {
		size_t em = report.ev[i].metric;

		if (!report.ev[i].shown || !report.metric_in_records[em])
			continue;
		for (k = 0; k < *n && v[k] != em; k++)
			;
		if (k == *n)
			v[(*n)++] = em;
	}
	for (m = 0; m < (long)report.nmetric; m++) {
		if (!report.metric_in_records[m] &&
		    !report.metric_estimated[m])
			continue;
		for (k = 0; k < *n && v[k] != (size_t)m; k++)
			;
		if (k == *n)
			v[(*n)++] = (size_t)m;
	}
	return v;
}

/* Columns: --width, else COLUMNS, else the terminal's, else 80. */
static size_t
columns(size_t width)
{
	struct winsize ws;
	const char *s = getenv("COLUMNS");
	char *end;
	unsigned long v;

	if (width > 0)
		return width;
	if (s != NULL && *s >= '0' && *s <= '9') {
		errno = 0;
		v = strtoul(s, &end, 10);
		if (*end == '\0' && errno == 0 && v >= 20 && v <= 10000)
			return v;
	}
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

/* Write b to path through path.tmp and a rename: never half a page. */
static void
write_file(const char *path, const struct mfm_buf *b)
{
	struct mfm_buf tmp = MFM_BUF_INIT;
	FILE *f;

	mfm_buf_addf(&tmp, "%s.tmp", path);
	f = fopen(tmp.p, "w");
	if (f == NULL)
		mfm_die("%s: %s", tmp.p, strerror(errno));
	if ((b->len > 0 && fwrite(b->p, 1, b->len, f) != b->len) ||
	    fclose(f) != 0) {
		int e = errno;

		(void)remove(tmp.p);
		mfm_die("%s: write error: %s", tmp.p, strerror(e));
	}
	if (rename(tmp.p, path) != 0) {
		int e = errno;

		(void)remove(tmp.p);
		mfm_die("%s: %s", path, strerror(e));
	}
	mfm_buf_release(&tmp);
}

int
main(int argc, char **argv)
{
	struct mfm_err err;
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_table_opts topt;
	struct mfm_page_opts popt;
	const char *zone;
	size_t *chosen, nchosen, i;
	int n, table, colour;
	add_fn add = mfm_report_add_metric;

	n = mfm_cli_parse(&tool, argc, argv);
	argc -= n;
	argv += n;
	for (i = 0; i < set.metrics.n; i++)
		if (set.metrics.v[i].nseg != 1)
			mfm_cli_opt_die("metrics", "invalid metric name '%s'",
			    set.metrics.v[i].text);
	zone = set.tz.name;
	/* The table goes to a terminal, or wherever nothing else was asked. */
	table = set.table || isatty(STDOUT_FILENO) ||
	    (set.html == NULL && set.svg == NULL);
	colour = set.color == COLOR_ALWAYS ||
	    (set.color == COLOR_AUTO && isatty(STDOUT_FILENO) &&
	    (getenv("NO_COLOR") == NULL || *getenv("NO_COLOR") == '\0'));
	mfm_cli_start();

	mfm_report_init(&report, set.max_cells, set.max_events);
	/* The operands first: the metric records. */
	mfm_cli_loop(argc, argv, add_record, &add);
	read_all(&set.estimate, mfm_report_add_estimate);
	read_all(&set.context, mfm_report_add_context);
	read_all(&set.alerts, mfm_report_add_event);
	if (mfm_report_prepare(&report, &set.since, &set.until,
	    zone ? tz_offset : NULL, &set.tz.tz, &err) != 0)
		mfm_die("%s", err.msg);
	chosen = choose_metrics(&nchosen);
	if (nchosen == 0)
		mfm_die("no metric to show");

	memset(&topt, 0, sizeof(topt));
	topt.metrics = chosen;
	topt.nmetric = nchosen;
	topt.width = columns(set.width);
	topt.colour = colour;
	topt.tz_offset = zone ? tz_offset : NULL;
	topt.tz = &set.tz.tz;
	topt.tzname = zone ? zone : "UTC";
	memset(&popt, 0, sizeof(popt));
	popt.metrics = chosen;
	popt.nmetric = nchosen;
	popt.title = set.title;
	popt.tz_offset = topt.tz_offset;
	popt.tz = &set.tz.tz;
	popt.tzname = topt.tzname;
	if (set.html != NULL) {
		mfm_page_html(&b, &report, &popt);
		write_file(set.html, &b);
		mfm_buf_clear(&b);
	}
	if (set.svg != NULL) {
		mfm_page_svg(&b, &report, &popt);
		write_file(set.svg, &b);
		mfm_buf_clear(&b);
	}
	if (table) {
		mfm_table_render(mfm_cli_begin(), &report, &topt);
		mfm_cli_flush();
	}
	if (mfm_cli.verbose)
		fprintf(stderr, "mfm-report: %" PRIu64 " records, %zu "
		    "windows x groups shown, %" PRIu64 " superseded, %zu "
		    "alert events, %" PRIu64 " bad\n", mfm_cli.nread,
		    report.norder, report.nsuperseded, report.nev,
		    mfm_cli.nbad);

	mfm_buf_release(&b);
	free(chosen);
	mfm_report_release(&report);
	return mfm_cli_finish(0);
}
