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
#include <getopt.h>
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

static const char usage[] =
"usage: mfm-report [-huVv] [-c FILE] [--table] [--html FILE] [--svg FILE]\n"
"                  [-a FILE] [--context FILE] [--estimate FILE]\n"
"                  [-m LIST] [--since WHEN] [--until WHEN] [-z ZONE]\n"
"                  [--title TEXT] [--width N] [--color WHEN]\n"
"                  [--max-cells N] [--max-events N]\n"
"                  [--rejects FILE] [--max-line SIZE] [FILE ...]\n"
"\n"
"Show metric records over time: a table in the terminal, an HTML page\n"
"or an SVG chart.  FILE '-' or none reads stdin.\n"
"\n"
"      --table             write the terminal view (the default on a tty,\n"
"                          or without --html and --svg)\n"
"      --html FILE         write the report as one self-contained page\n"
"      --svg FILE          write the first metric's chart as SVG\n"
"  -a, --alerts FILE       alert events of mfm-threshold; repeatable\n"
"      --context FILE      mfm-drift/mfm-slice --context records; repeatable\n"
"      --estimate FILE     mfm-estimate records; repeatable\n"
"  -m, --metrics LIST      comma-separated metrics to show (all)\n"
"      --since WHEN        windows starting at WHEN or later: an RFC 3339\n"
"                          time, or a duration back from the latest end\n"
"      --until WHEN        windows starting before WHEN (the same forms)\n"
"  -z, --tz ZONE           show times in an IANA zone (UTC)\n"
"      --title TEXT        the page's title (mfm report)\n"
"      --width N           terminal columns (COLUMNS, the terminal, 80)\n"
"      --color WHEN        colour the table: auto, always or never (auto)\n"
"      --max-cells N       windows x groups kept at most (1000000)\n"
"      --max-events N      alert events kept at most (1000000)\n"
MFM_CLI_HELP;

enum {
	OPT_TABLE = MFM_OPT_TOOL,
	OPT_HTML,
	OPT_SVG,
	OPT_CONTEXT,
	OPT_ESTIMATE,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_TITLE,
	OPT_WIDTH,
	OPT_COLOR,
	OPT_MAX_CELLS,
	OPT_MAX_EVENTS
};

static const struct option longopts[] = {
	{ "table", no_argument, NULL, OPT_TABLE },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "svg", required_argument, NULL, OPT_SVG },
	{ "alerts", required_argument, NULL, 'a' },
	{ "context", required_argument, NULL, OPT_CONTEXT },
	{ "estimate", required_argument, NULL, OPT_ESTIMATE },
	{ "metrics", required_argument, NULL, 'm' },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "tz", required_argument, NULL, 'z' },
	{ "title", required_argument, NULL, OPT_TITLE },
	{ "width", required_argument, NULL, OPT_WIDTH },
	{ "color", required_argument, NULL, OPT_COLOR },
	{ "max-cells", required_argument, NULL, OPT_MAX_CELLS },
	{ "max-events", required_argument, NULL, OPT_MAX_EVENTS },
	MFM_CLI_LONG,
	{ NULL, 0, NULL, 0 }
};

static const char *const config_keys[] = {
	"metrics", "tz", "title", "alerts", "context", "estimate", NULL
};

/* Files named by a repeatable option. */
struct files {
	const char **v;
	size_t n;
};

static void
files_add(struct files *f, const char *path)
{
	f->v = mfm_xreallocarray(f->v, f->n + 1, sizeof(*f->v));
	f->v[f->n++] = path;
}

/* The configuration's file or list of files, when none was given. */
static void
files_cfg(struct files *f, const struct mfm_cfg_node *n)
{
	struct mfm_err err;
	size_t i;

	if (f->n > 0 || n == NULL)
		return;
	if (n->type == MFM_CFG_SCALAR) {
		files_add(f, mfm_cli_cfg_str(n, NULL));
	} else if (n->type == MFM_CFG_SEQ) {
		for (i = 0; i < n->n; i++)
			files_add(f, mfm_cli_cfg_str(n->items[i], NULL));
	} else {
		mfm_cfg_err(n, &err, "expected a file or a list of files");
		mfm_cli_config_die(&err);
	}
}

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
	if (add(&report, j, &err) == 0)
		return;
	if (err.kind == MFM_ERR_LIMIT)
		mfm_die("%s:%zu: %s", r->name, r->lineno, err.msg);
	mfm_cli_bad(r, "%s", err.msg);
}

static void
read_all(const struct files *f, add_fn add)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		mfm_cli_read(f->v[i], add_record, &add);
}

/* --since and --until: an RFC 3339 time, or a duration back. */
static void
parse_bound(const char *opt, const char *arg, struct mfm_report_bound *b)
{
	struct mfm_err err;

	if (mfm_tm_parse_rfc3339(arg, strlen(arg), &b->us, &err) == 0) {
		b->kind = MFM_REPORT_AT;
		return;
	}
	if (mfm_tm_parse_duration(arg, &b->us, 1, &err) == 0) {
		b->kind = MFM_REPORT_BACK;
		return;
	}
	mfm_usage_error("%s: invalid time or duration '%s'", opt, arg);
}

static int32_t
tz_offset(const void *tz, int64_t us)
{
	return mfm_tz_offset(tz, us, NULL);
}

/* The metrics to show: --metrics, or the alerted ones first, then all. */
static size_t *
choose_metrics(const char *list, size_t *n)
{
	size_t *v, i, k;
	long m;

	v = mfm_xcalloc(report.nmetric + 1, sizeof(*v));
	*n = 0;
	if (list != NULL) {
		struct mfm_json_path *ps;
		size_t np;

		/* Names are split as paths are, so a comma can be escaped. */
		mfm_cli_paths("--metrics", list, &ps, &np);
		for (i = 0; i < np; i++) {
			if (ps[i].nseg != 1)
				mfm_usage_error("--metrics: invalid metric "
				    "name '%s'", ps[i].text);
			m = mfm_report_metric(&report, ps[i].seg[0].name);
			if (m < 0) {
				mfm_warn("--metrics: no record has metric "
				    "'%s'", ps[i].text);
				continue;
			}
			for (k = 0; k < *n && v[k] != (size_t)m; k++)
				;
			if (k == *n)
				v[(*n)++] = (size_t)m;
		}
		mfm_cli_paths_free(ps, np);
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
	const struct mfm_cfg_node *sec;
	struct files metrics = { 0 }, alerts = { 0 }, ctx = { 0 },
	    est = { 0 };
	struct mfm_report_bound since = { 0 }, until = { 0 };
	struct mfm_tz tz;
	struct mfm_err err;
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_table_opts topt;
	struct mfm_page_opts popt;
	const char *html = NULL, *svg = NULL, *list = NULL, *zone = NULL;
	const char *title = NULL, *color = "auto";
	size_t width = 0, max_cells = 0, max_events = 0, *chosen, nchosen;
	size_t i;
	int ch, table = 0, colour;

	mfm_cli_init("mfm-report", usage);
	while ((ch = getopt_long(argc, argv, MFM_CLI_SHORT "a:m:z:",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_TABLE:
			table = 1;
			break;
		case OPT_HTML:
			html = optarg;
			break;
		case OPT_SVG:
			svg = optarg;
			break;
		case 'a':
			files_add(&alerts, optarg);
			break;
		case OPT_CONTEXT:
			files_add(&ctx, optarg);
			break;
		case OPT_ESTIMATE:
			files_add(&est, optarg);
			break;
		case 'm':
			list = optarg;
			break;
		case OPT_SINCE:
			parse_bound("--since", optarg, &since);
			break;
		case OPT_UNTIL:
			parse_bound("--until", optarg, &until);
			break;
		case 'z':
			zone = optarg;
			break;
		case OPT_TITLE:
			title = optarg;
			break;
		case OPT_WIDTH:
			width = mfm_cli_count("--width", optarg, 20, 10000);
			break;
		case OPT_COLOR:
			if (strcmp(optarg, "auto") != 0 &&
			    strcmp(optarg, "always") != 0 &&
			    strcmp(optarg, "never") != 0)
				mfm_usage_error("--color: invalid value '%s' "
				    "(auto, always or never)", optarg);
			color = optarg;
			break;
		case OPT_MAX_CELLS:
			max_cells = mfm_cli_count("--max-cells", optarg, 1,
			    MFM_CLI_COUNT_MAX);
			break;
		case OPT_MAX_EVENTS:
			max_events = mfm_cli_count("--max-events", optarg, 1,
			    MFM_CLI_COUNT_MAX);
			break;
		default:
			mfm_cli_option(ch, optarg);
		}
	}
	argc -= optind;
	argv += optind;

	sec = mfm_cli_config("report", config_keys);
	if (list == NULL)
		list = mfm_cli_cfg_str(mfm_cfg_get(sec, "metrics"), NULL);
	if (zone == NULL)
		zone = mfm_cli_cfg_str(mfm_cfg_get(sec, "tz"), NULL);
	if (title == NULL)
		title = mfm_cli_cfg_str(mfm_cfg_get(sec, "title"), NULL);
	files_cfg(&alerts, mfm_cfg_get(sec, "alerts"));
	files_cfg(&ctx, mfm_cfg_get(sec, "context"));
	files_cfg(&est, mfm_cfg_get(sec, "estimate"));
	mfm_tz_init(&tz);
	if (zone != NULL && mfm_tz_load(&tz, NULL, zone, &err) != 0)
		mfm_usage_error("--tz: %s", err.msg);
	/* The table goes to a terminal, or wherever nothing else was asked. */
	if (isatty(STDOUT_FILENO) || (html == NULL && svg == NULL))
		table = 1;
	colour = strcmp(color, "always") == 0 ||
	    (strcmp(color, "auto") == 0 && isatty(STDOUT_FILENO) &&
	    (getenv("NO_COLOR") == NULL || *getenv("NO_COLOR") == '\0'));

	mfm_report_init(&report, max_cells, max_events);
	if (argc == 0)
		files_add(&metrics, "-");
	for (i = 0; i < (size_t)argc; i++)
		files_add(&metrics, argv[i]);
	read_all(&metrics, mfm_report_add_metric);
	read_all(&est, mfm_report_add_estimate);
	read_all(&ctx, mfm_report_add_context);
	read_all(&alerts, mfm_report_add_event);
	if (mfm_report_prepare(&report, &since, &until,
	    zone ? tz_offset : NULL, &tz, &err) != 0)
		mfm_die("%s", err.msg);
	chosen = choose_metrics(list, &nchosen);
	if (nchosen == 0)
		mfm_die("no metric to show");

	memset(&topt, 0, sizeof(topt));
	topt.metrics = chosen;
	topt.nmetric = nchosen;
	topt.width = columns(width);
	topt.colour = colour;
	topt.tz_offset = zone ? tz_offset : NULL;
	topt.tz = &tz;
	topt.tzname = zone ? zone : "UTC";
	memset(&popt, 0, sizeof(popt));
	popt.metrics = chosen;
	popt.nmetric = nchosen;
	popt.title = title;
	popt.tz_offset = topt.tz_offset;
	popt.tz = &tz;
	popt.tzname = topt.tzname;
	if (html != NULL) {
		mfm_page_html(&b, &report, &popt);
		write_file(html, &b);
		mfm_buf_clear(&b);
	}
	if (svg != NULL) {
		mfm_page_svg(&b, &report, &popt);
		write_file(svg, &b);
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
	free(metrics.v);
	free(alerts.v);
	free(ctx.v);
	free(est.v);
	mfm_report_release(&report);
	mfm_tz_release(&tz);
	return mfm_cli_finish(0);
}
