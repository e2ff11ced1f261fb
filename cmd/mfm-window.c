/*
 * mfm-window: tag each record with the event-time window it falls in.
 *
 * Tumbling windows of --size, aligned to the Unix epoch (shifted by
 * --offset), over the time at --time.  Each record is written unchanged
 * with "window":{"start":"...","end":"..."} appended.  A record whose time
 * is missing or not a time is a bad record: reported, counted, kept in
 * --rejects, and the run goes on.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/field.h"
#include "lib/window.h"
#include "lib/banned.h"

static const char usage[] =
"usage: mfm-window [-huVv] [-c FILE] [-s DURATION] [-t PATH]\n"
"                  [--offset DURATION] [--time-unit UNIT] [--rejects FILE]\n"
"                  [--max-line SIZE] [FILE ...]\n"
"\n"
"Tag each record with the tumbling event-time window it falls in.\n"
"\n"
"  -s, --size DURATION     window size: 90s, 15m, 1h, 1d, 7d (1h)\n"
"  -t, --time PATH         event time field (timestamp)\n"
"      --offset DURATION   shift window starts from the epoch (0)\n"
"      --time-unit UNIT    unit of epoch-number times: auto, s, ms, us, ns\n"
MFM_CLI_HELP;

enum {
	OPT_OFFSET = MFM_OPT_TOOL,
	OPT_TIME_UNIT
};

static const struct option longopts[] = {
	{ "size", required_argument, NULL, 's' },
	{ "time", required_argument, NULL, 't' },
	{ "offset", required_argument, NULL, OPT_OFFSET },
	{ "time-unit", required_argument, NULL, OPT_TIME_UNIT },
	MFM_CLI_LONG,
	{ NULL, 0, NULL, 0 }
};

static const char *const config_keys[] = {
	"size", "time", "offset", "time_unit", NULL
};

static void
window_file(const char *path, const struct mfm_window *w,
    const struct mfm_json_path *time_p, enum mfm_tm_unit unit,
    uint64_t *nrec)
{
	struct mfm_buf *b = &mfm_cli.out;
	struct mfm_reader r;
	struct mfm_json j;
	struct mfm_err err;
	int64_t t, start;
	int rc;

	mfm_json_init(&j);
	mfm_cli_open(&r, path);
	while (mfm_cli_next(&r, &j)) {
		rc = mfm_field_time(&j, time_p, unit, &t, &err);
		if (rc == 0) {
			mfm_cli_bad(&r, "field '%s' missing", time_p->text);
			continue;
		}
		if (rc < 0) {
			mfm_cli_bad(&r, "%s", err.msg);
			continue;
		}
		start = mfm_window_start(w, t);
		if (mfm_json_put_open_object(b, &j, 0))
			mfm_buf_addc(b, ',');
		mfm_buf_adds(b, "\"window\":");
		mfm_window_put(b, start, start + w->size);
		mfm_buf_addc(b, '}');
		mfm_cli_emit();
		(*nrec)++;
	}
	if (mfm_reader_close(&r, &err) != 0)
		mfm_die_err(&err);
	mfm_json_release(&j);
}

int
main(int argc, char **argv)
{
	const struct mfm_cfg_node *sec;
	const char *size_s = NULL, *offset_s = NULL, *time_s = NULL;
	const char *unit_s = NULL;
	struct mfm_window w = { 0, 0 };
	struct mfm_json_path time_p;
	enum mfm_tm_unit unit;
	uint64_t nrec = 0;
	int ch, i;

	mfm_cli_init("mfm-window", usage);
	while ((ch = getopt_long(argc, argv, MFM_CLI_SHORT "s:t:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			size_s = optarg;
			w.size = mfm_cli_duration("--size", optarg);
			break;
		case 't':
			time_s = optarg;
			break;
		case OPT_OFFSET:
			offset_s = optarg;
			w.offset = mfm_cli_duration0("--offset", optarg);
			break;
		case OPT_TIME_UNIT:
			unit_s = optarg;
			break;
		default:
			mfm_cli_option(ch, optarg);
		}
	}
	argc -= optind;
	argv += optind;

	sec = mfm_cli_config("window", config_keys);
	if (size_s == NULL)
		w.size = mfm_cli_cfg_duration(mfm_cfg_get(sec, "size"),
		    3600 * MFM_TM_US_PER_S, 0);
	if (offset_s == NULL)
		w.offset = mfm_cli_cfg_duration(mfm_cfg_get(sec, "offset"), 0,
		    1);
	if (time_s == NULL)
		time_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "time"),
		    "timestamp");
	if (unit_s == NULL)
		unit_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "time_unit"),
		    "auto");
	mfm_cli_path("--time", time_s, &time_p);
	if (mfm_field_unit(unit_s, &unit) != 0)
		mfm_usage_error("--time-unit: invalid unit '%s'", unit_s);

	if (argc == 0)
		window_file("-", &w, &time_p, unit, &nrec);
	for (i = 0; i < argc; i++)
		window_file(argv[i], &w, &time_p, unit, &nrec);
	if (mfm_cli.verbose)
		fprintf(stderr, "mfm-window: %" PRIu64 " records windowed, %"
		    PRIu64 " bad\n", nrec, mfm_cli.nbad);
	mfm_json_path_release(&time_p);
	return mfm_cli_finish(0);
}
