/*
 * mfm-window: tag each record with the event-time windows it falls in,
 * and tell downstream tools when a window is complete.
 *
 * Windows of one or more --size values, tumbling or sliding (--step),
 * aligned to the Unix epoch (shifted by --offset) or to local time in
 * the --tz zone.  A record is written once per window holding it, with
 * "window":{"start":"...","end":"..."} appended.  The watermark closes
 * windows: mfm-join's, from the watermark records in the input, else the
 * latest event time minus --allowed-lateness.  Each closed window is
 * announced once with a window_closed control record; a record for a
 * closed window is late, and revises it (or goes to --late).  At the end
 * of input every window is closed, unless the input says more is to come
 * (an incomplete upstream watermark, or --state): then open windows wait
 * for the next run.  The engine is lib/window.c; this file holds options,
 * the record loop and the state.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/control.h"
#include "lib/field.h"
#include "lib/state.h"
#include "lib/tz.h"
#include "lib/window.h"
#include "lib/banned.h"

static const char usage[] =
"usage: mfm-window [-huVv] [-c FILE] [-s SIZES] [-t PATH] [-z ZONE]\n"
"                  [-l DURATION] [--step STEPS] [--offset OFFSETS]\n"
"                  [--late FILE] [--keep-closed N] [--max-windows N]\n"
"                  [--time-unit UNIT] [--state FILE] [--resume]\n"
"                  [--drain] [-o FILE] [--rejects FILE]\n"
"                  [--max-line SIZE] [FILE ...]\n"
"\n"
"Tag each record with the event-time windows it falls in.\n"
"\n"
"  -s, --size SIZES        window sizes, comma-separated: 1h, 1d, 1h,1d (1h)\n"
"      --step STEPS        sliding windows: a new one every STEP (= size)\n"
"      --offset OFFSETS    shift window starts from the epoch (0)\n"
"  -z, --tz ZONE           align windows to local time in an IANA zone\n"
"  -t, --time PATH         event time field (timestamp)\n"
"      --time-unit UNIT    unit of epoch-number times: auto, s, ms, us, ns\n"
"  -l, --allowed-lateness DURATION\n"
"                          without mfm-join's watermark records:\n"
"                          watermark = latest event time - DURATION\n"
"                          (none: windows close at end of input)\n"
"      --late FILE         append late records to FILE instead of\n"
"                          revising their window\n"
"      --keep-closed N     closed windows kept for revisions (16; 2\n"
"                          with mfm-join's watermark records)\n"
"      --max-windows N     windows held at once at most (100000)\n"
"      --state FILE        keep open windows in FILE between runs\n"
"      --resume            with --state: read input files from where the\n"
"                          last run stopped\n"
"      --drain             with --state: close every window at the end\n"
MFM_CLI_HELP;

enum {
	OPT_STEP = MFM_OPT_TOOL,
	OPT_OFFSET,
	OPT_TIME_UNIT,
	OPT_LATE,
	OPT_REVISE,
	OPT_MAX_WINDOWS,
	OPT_KEEP_CLOSED,
	OPT_STATE,
	OPT_DRAIN
};

static const struct option longopts[] = {
	{ "size", required_argument, NULL, 's' },
	{ "step", required_argument, NULL, OPT_STEP },
	{ "offset", required_argument, NULL, OPT_OFFSET },
	{ "tz", required_argument, NULL, 'z' },
	{ "time", required_argument, NULL, 't' },
	{ "time-unit", required_argument, NULL, OPT_TIME_UNIT },
	{ "allowed-lateness", required_argument, NULL, 'l' },
	{ "late", required_argument, NULL, OPT_LATE },
	{ "revise", no_argument, NULL, OPT_REVISE },
	{ "max-windows", required_argument, NULL, OPT_MAX_WINDOWS },
	{ "keep-closed", required_argument, NULL, OPT_KEEP_CLOSED },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "drain", no_argument, NULL, OPT_DRAIN },
	{ "resume", no_argument, NULL, MFM_OPT_RESUME },
	MFM_CLI_LONG,
	{ NULL, 0, NULL, 0 }
};

static const char *const config_keys[] = {
	"size", "step", "offset", "tz", "time", "time_unit",
	"allowed_lateness", "late", "revise", "max_windows", "keep_closed",
	"state", NULL
};

struct run {
	struct mfm_window w;
	struct mfm_json_path time;
	enum mfm_tm_unit unit;
	const char *late_path;
	FILE *late;
	uint64_t nrec, nclosed, nset_aside;
	struct mfm_upstream up;		/* mfm-join's watermark */
	int keep_auto;			/* --keep-closed not given */
	struct mfm_window_text text;	/* window member texts */
	struct mfm_hits *hits;		/* whether --time matches */
};

/*
 * A comma-separated list of durations into *v (allocated), *n items.
 * A bad item is an error at the option, or at the config node when the
 * list came from the config file (node not NULL).
 */
static void
duration_list(const char *opt, const char *arg,
    const struct mfm_cfg_node *node, int allow_zero, int64_t **v, size_t *n)
{
	char *s = mfm_xstrdup(arg), *p = s, *comma;
	struct mfm_err err, cerr;

	*v = NULL;
	*n = 0;
	for (;;) {
		comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		*v = mfm_xreallocarray(*v, *n + 1, sizeof(**v));
		if (mfm_tm_parse_duration(p, &(*v)[*n], allow_zero,
		    &err) != 0) {
			if (node == NULL)
				mfm_usage_error("%s: %s", opt, err.msg);
			mfm_cfg_err(node, &cerr, "%s", err.msg);
			mfm_cli_config_die(&cerr);
		}
		(*n)++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	free(s);
}

/* Write the records' closed windows as control records. */
static void
emit_closed(struct run *run)
{
	size_t i;

	for (i = 0; i < run->w.nclosed; i++) {
		mfm_window_put_closed(&mfm_cli.out, &run->w.closed[i],
		    run->w.watermark);
		mfm_cli_emit();
		run->nclosed++;
	}
}

static void
late_write(struct run *run)
{
	struct mfm_buf *b = &mfm_cli.out;

	mfm_buf_addc(b, '\n');
	if (fwrite(b->p, 1, b->len, run->late) != b->len ||
	    (mfm_cli.unbuffered && fflush(run->late) != 0))
		mfm_die("%s: %s", run->late_path, strerror(errno));
	mfm_buf_clear(b);
}

/*
 * A control record, passed on in place; a watermark record of mfm-join
 * also moves the watermark, closing windows.
 */
static void
control(struct run *run, const struct mfm_reader *r, const struct mfm_json *j)
{
	struct mfm_control_mark m;
	enum mfm_control_type type;
	struct mfm_err err;
	const char *raw;
	size_t n;
	int rc;

	raw = mfm_json_raw(j, 0, &n);
	mfm_buf_add(&mfm_cli.out, raw, n);
	mfm_cli_emit();
	if (mfm_control_type(j, &type, &m, &err) != 0) {
		mfm_cli_bad(r, "%s", err.msg);
		return;
	}
	if (type != MFM_CONTROL_WATERMARK)
		return;
	if ((rc = mfm_upstream_add(&run->up, &m, &err)) < 0) {
		mfm_cli_bad(r, "%s", err.msg);
		return;
	}
	if (rc > 0 && run->up.has_w) {
		mfm_window_advance_to(&run->w, run->up.w);
		emit_closed(run);
	}
	/* From the first watermark record on, records move none. */
	run->w.external = 1;
	if (run->keep_auto)
		run->w.keep_closed = MFM_WINDOW_KEEP_JOINED;
}

/* A late record for a window whose count of revisions is gone. */
static void
too_late(struct run *run, const struct mfm_reader *r,
    const struct mfm_window_tag *tg)
{
	char s[MFM_TM_RFC3339_LEN + 1];

	if (run->late != NULL)
		return;
	mfm_tm_format_rfc3339(tg->start, s);
	mfm_cli_bad(r, "too late to revise window %s: it closed before the "
	    "last %zu kept (--keep-closed), or use --late FILE", s,
	    run->w.keep_closed);
}

static void
window_file(struct run *run, const char *path)
{
	struct mfm_buf *b = &mfm_cli.out, *o;
	struct mfm_window_tag *tg;
	struct mfm_reader r;
	struct mfm_json j;
	struct mfm_err err;
	size_t i;
	int64_t t;
	int rc, aside, tok;

	mfm_json_init(&j);
	mfm_cli_open_input(&r, path);
	while (mfm_cli_next(&r, &j)) {
		if (mfm_control_is(&j)) {
			control(run, &r, &j);
			continue;
		}
		tok = mfm_json_get(&j, 0, &run->time);
		mfm_hits_count(run->hits, &j, &tok);
		rc = mfm_field_time_at(&j, tok, &run->time, run->unit, &t,
		    &err);
		if (rc == 0) {
			mfm_cli_bad(&r, "field '%s' missing", run->time.text);
			continue;
		}
		if (rc < 0) {
			mfm_cli_bad(&r, "%s", err.msg);
			continue;
		}
		if (mfm_window_assign(&run->w, t, &err) != 0) {
			if (err.kind == MFM_ERR_LIMIT)
				mfm_die("%s:%zu: %s (--max-windows)", r.name,
				    r.lineno, err.msg);
			mfm_cli_bad(&r, "%s", err.msg);
			continue;
		}
		run->nrec++;
		for (i = 0; i < run->w.ntag; i++) {
			tg = &run->w.tag[i];
			if (tg->revision == -2)
				too_late(run, &r, tg);
			aside = tg->revision < 0;
			if (aside && run->late == NULL)
				continue;
			run->nset_aside += aside;
			/* In place on its way to stdout, unless set aside. */
			o = aside ? b : mfm_cli_begin();
			if (mfm_json_put_open_object(o, &j, 0))
				mfm_buf_addc(o, ',');
			mfm_buf_adds(o, "\"window\":");
			mfm_window_put_cached(o, &run->text, tg->start,
			    tg->end, aside ? 0 : tg->revision);
			mfm_buf_addc(o, '}');
			if (aside)
				late_write(run);
			else
				mfm_cli_end();
		}
		mfm_window_advance(&run->w, t);
		emit_closed(run);
	}
	mfm_cli_close_input(&r);
	mfm_json_release(&j);
}

#define STATE_VERSION 1

/* Lock and read the state: chain line, upstream lines, windows. */
static void
state_open(struct run *run, struct mfm_state *st, const char *path)
{
	struct mfm_buf body = MFM_BUF_INIT;
	struct mfm_err err;
	size_t rest, up;
	int found;

	mfm_state_init(st);
	if (mfm_state_open(st, path, "mfm-window", STATE_VERSION, &body,
	    &found, &err) != 0)
		mfm_die("%s: %s", path, err.msg);
	mfm_cli_chain_begin(body.p, body.len, &rest);
	if (found && (mfm_upstream_load_head(&run->up, body.p + rest,
	    body.len - rest, &up, &err) != 0 || mfm_window_load(&run->w,
	    body.p + rest + up, body.len - rest - up, &err) != 0))
		mfm_die("%s: %s", path, err.msg);
	if (run->up.seen) {
		run->w.external = 1;
		if (run->keep_auto)
			run->w.keep_closed = MFM_WINDOW_KEEP_JOINED;
	}
	mfm_buf_release(&body);
}

static void
state_save(struct run *run, struct mfm_state *st, const char *path)
{
	struct mfm_buf body = MFM_BUF_INIT;
	struct mfm_err err;

	mfm_cli_chain_end(&body);
	mfm_upstream_dump(&run->up, &body);
	mfm_window_dump(&run->w, &body);
	if (mfm_state_save(st, body.p, body.len, &err) != 0)
		mfm_die("%s: %s", path, err.msg);
	mfm_state_close(st);
	mfm_buf_release(&body);
}

/* A list option: one value for every size, or one per size. */
static int64_t
nth(const int64_t *v, size_t n, size_t i, const char *opt, size_t nsize)
{
	if (n != 1 && n != nsize)
		mfm_usage_error("%s: give one value or one per size (%zu)",
		    opt, nsize);
	return v[n == 1 ? 0 : i];
}

int
main(int argc, char **argv)
{
	const struct mfm_cfg_node *sec, *size_n = NULL, *step_n = NULL;
	const struct mfm_cfg_node *offset_n = NULL;
	const char *size_s = NULL, *step_s = NULL, *offset_s = NULL;
	const char *time_s = NULL, *unit_s = NULL, *tz_s = NULL;
	const char *late_s = NULL, *state_s = NULL;
	int64_t *size = NULL, *step = NULL, *offset = NULL, lateness = 0;
	size_t nsize, nstep, noffset, i, maxw = 0, keep = 0;
	int ch, revise = -1, have_lateness = 0, drain = 0, have_keep = 0;
	long long v;
	struct mfm_tz tz;
	struct mfm_err err;
	struct mfm_state st;
	struct run run;

	memset(&run, 0, sizeof(run));
	mfm_window_init(&run.w);
	mfm_tz_init(&tz);
	mfm_cli_init("mfm-window", usage);
	while ((ch = getopt_long(argc, argv, MFM_CLI_SHORT "s:t:z:l:",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			size_s = optarg;
			break;
		case OPT_STEP:
			step_s = optarg;
			break;
		case OPT_OFFSET:
			offset_s = optarg;
			break;
		case 'z':
			tz_s = optarg;
			break;
		case 't':
			time_s = optarg;
			break;
		case OPT_TIME_UNIT:
			unit_s = optarg;
			break;
		case 'l':
			lateness = mfm_cli_duration0("--allowed-lateness",
			    optarg);
			have_lateness = 1;
			break;
		case OPT_LATE:
			late_s = optarg;
			break;
		case OPT_REVISE:
			revise = 1;
			break;
		case OPT_MAX_WINDOWS:
			maxw = mfm_cli_size("--max-windows", optarg);
			if (maxw == 0)
				mfm_usage_error("--max-windows: must be at "
				    "least 1");
			break;
		case OPT_KEEP_CLOSED:
			keep = mfm_cli_count("--keep-closed", optarg, 0,
			    MFM_CLI_COUNT_MAX);
			have_keep = 1;
			break;
		case OPT_STATE:
			state_s = optarg;
			break;
		case OPT_DRAIN:
			drain = 1;
			break;
		default:
			mfm_cli_option(ch, optarg);
		}
	}
	argc -= optind;
	argv += optind;

	sec = mfm_cli_config("window", config_keys);
	if (size_s == NULL) {
		size_n = mfm_cfg_get(sec, "size");
		size_s = mfm_cli_cfg_str(size_n, "1h");
	}
	if (step_s == NULL) {
		step_n = mfm_cfg_get(sec, "step");
		step_s = mfm_cli_cfg_str(step_n, NULL);
	}
	if (offset_s == NULL) {
		offset_n = mfm_cfg_get(sec, "offset");
		offset_s = mfm_cli_cfg_str(offset_n, "0");
	}
	if (tz_s == NULL)
		tz_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "tz"), NULL);
	if (time_s == NULL)
		time_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "time"),
		    "timestamp");
	if (unit_s == NULL)
		unit_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "time_unit"),
		    "auto");
	/* Without a lateness nothing is late: windows close at the end. */
	if (!have_lateness)
		lateness = mfm_cli_cfg_duration(mfm_cfg_get(sec,
		    "allowed_lateness"), INT64_MAX, 1);
	if (late_s == NULL)
		late_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "late"), NULL);
	if (revise < 0 && mfm_cfg_get(sec, "revise") != NULL &&
	    mfm_cfg_bool(mfm_cfg_get(sec, "revise"), &revise, &err) != 0)
		mfm_cli_config_die(&err);
	/* Late records revise their window, or go to --late: never lost. */
	if (revise == 0 && late_s == NULL) {
		mfm_cfg_err(mfm_cfg_get(sec, "revise"), &err, "late records "
		    "must go somewhere: revise their window (the default) "
		    "or set 'late' to a file");
		mfm_cli_config_die(&err);
	}
	if (!have_keep && mfm_cfg_get(sec, "keep_closed") != NULL) {
		keep = mfm_cli_cfg_count(mfm_cfg_get(sec, "keep_closed"),
		    "keep_closed", MFM_WINDOW_KEEP_DEFAULT, 0, 1e9);
		have_keep = 1;
	}
	if (!have_keep) {
		keep = MFM_WINDOW_KEEP_DEFAULT;
		run.keep_auto = 1;
	}
	if (state_s == NULL)
		state_s = mfm_cli_cfg_str(mfm_cfg_get(sec, "state"), NULL);
	mfm_cli_need_state(state_s);
	if (drain && state_s == NULL)
		mfm_usage_error("--drain needs --state");
	if (maxw == 0 && mfm_cfg_get(sec, "max_windows") != NULL) {
		if (mfm_cfg_int(mfm_cfg_get(sec, "max_windows"), 1,
		    1000000000, &v, &err) != 0)
			mfm_cli_config_die(&err);
		maxw = (size_t)v;
	}

	mfm_cli_path("--time", time_s, &run.time);
	run.hits = mfm_hits_new("records");
	mfm_hits_add(run.hits, "--time", &run.time, 0, 0);
	mfm_cli_hits(run.hits);
	if (mfm_field_unit(unit_s, &run.unit) != 0)
		mfm_usage_error("--time-unit: invalid unit '%s'", unit_s);
	if (tz_s != NULL) {
		if (mfm_tz_load(&tz, NULL, tz_s, &err) != 0) {
			if (err.kind == MFM_ERR_USAGE)
				mfm_usage_error("--tz: %s", err.msg);
			mfm_die_err(&err);
		}
		run.w.tz = &tz;
	}
	run.w.tz_name = tz_s;
	run.w.lateness = lateness;
	run.w.revise = late_s == NULL;
	run.w.keep_closed = keep;
	if (maxw != 0)
		run.w.max_windows = maxw;
	duration_list("--size", size_s, size_n, 0, &size, &nsize);
	if (step_s != NULL)
		duration_list("--step", step_s, step_n, 0, &step, &nstep);
	duration_list("--offset", offset_s, offset_n, 1, &offset, &noffset);
	for (i = 0; i < nsize; i++) {
		if (mfm_window_add(&run.w, size[i], step_s == NULL ? size[i] :
		    nth(step, nstep, i, "--step", nsize),
		    nth(offset, noffset, i, "--offset", nsize), &err) != 0)
			mfm_usage_error("--size: %s", err.msg);
	}
	free(size);
	free(step);
	free(offset);
	if (late_s != NULL) {
		run.late_path = late_s;
		run.late = mfm_cli_create(late_s, "a");
		if (run.late == NULL)
			mfm_die("%s: %s", late_s, strerror(errno));
	}

	mfm_upstream_init(&run.up);
	if (state_s != NULL)
		state_open(&run, &st, state_s);
	if (argc == 0)
		window_file(&run, "-");
	for (i = 0; i < (size_t)argc; i++)
		window_file(&run, argv[i]);
	/*
	 * Every window closes at the end of a complete stream; when more is
	 * to come (a join still waiting, or a cron run), they wait.
	 */
	if (drain || run.up.complete || (!run.up.seen && state_s == NULL))
		mfm_window_finish(&run.w);
	else
		mfm_window_pause(&run.w);
	emit_closed(&run);
	if (state_s != NULL)
		state_save(&run, &st, state_s);

	if (run.late != NULL && fclose(run.late) != 0)
		mfm_die("%s: %s", late_s, strerror(errno));
	if (mfm_cli.verbose)
		fprintf(stderr, "mfm-window: %" PRIu64 " records windowed, %"
		    PRIu64 " late (%" PRIu64 " set aside, %" PRIu64 " too late"
		    " to revise), %" PRIu64 " windows closed, %zu open, %"
		    PRIu64 " bad\n", run.nrec, run.w.nlate, run.nset_aside,
		    run.w.ntoo_late, run.nclosed, run.w.nopen, mfm_cli.nbad);
	mfm_upstream_release(&run.up);
	mfm_json_path_release(&run.time);
	mfm_window_release(&run.w);
	mfm_tz_release(&tz);
	return mfm_cli_finish(0);
}
