/*
 * mfm-window: tag each record with the event-time windows it falls in,
 * and tell downstream tools when a window is complete.
 *
 * Windows of one or more --size values, tumbling or sliding (--step),
 * aligned to the Unix epoch (shifted by --offset) or to local time in
 * the --tz zone.  A record is written once per window holding it, with
 * "window":{"start":"...","end":"..."} appended.  The watermark closes
 * windows: mfm-join's, from the watermark records in the input, else the
 * latest event time minus --lateness.  Each closed window is
 * announced once with a window_closed control record; a record for a
 * closed window is late, and revises it (or goes to --late).  At the end
 * of input every window is closed, unless the input says more is to come
 * (an incomplete upstream watermark, or --state): then open windows wait
 * for the next run.  The engine is lib/window.c; this file holds options,
 * the record loop and the state.
 */
#include <errno.h>
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

/* The settings, where the option table puts them. */
static struct {
	struct mfm_opt_durations size, step, offset;
	struct mfm_cli_zone tz;
	struct mfm_json_path time;
	int unit;			/* enum mfm_tm_unit */
	int64_t lateness;		/* INT64_MAX: none */
	const char *late;
	int revise;
	size_t keep_closed;
	size_t max_windows;
	const char *state;
	int drain;
} set = {
	.lateness = INT64_MAX,
	.revise = 1,
	.keep_closed = MFM_WINDOW_KEEP_DEFAULT,
	.max_windows = MFM_WINDOW_MAX_DEFAULT
};

static const struct mfm_opt opts[] = {
	{ MFM_OPT_DURATIONS, "size", 's', "SIZES", "size",
	  "window sizes, comma-separated: 1h, 1d, 1h,1d",
	  MFM_OPT_AT(set.size), .dflt = "1h" },
	{ MFM_OPT_DURATIONS, "step", 0, "STEPS", "step",
	  "sliding windows: a new one every STEP", MFM_OPT_AT(set.step),
	  .show = "= size" },
	{ MFM_OPT_DURATIONS, "offset", 0, "OFFSETS", "offset",
	  "shift window starts from the epoch", MFM_OPT_AT(set.offset),
	  .dflt = "0", .flags = MFM_OPT_ZERO },
	{ MFM_OPT_CUSTOM, "tz", 'z', "ZONE", "tz",
	  "align windows to local time in an IANA zone", MFM_OPT_AT(set.tz),
	  .what = "time zone", .parse = mfm_cli_zone_parse,
	  .release = mfm_cli_zone_release },
	{ MFM_OPT_PATH, "time", 't', "PATH", "time", "event time field",
	  MFM_OPT_AT(set.time), .dflt = "timestamp" },
	{ MFM_OPT_ENUM, "time-unit", 0, "UNIT", "time_unit",
	  "unit of epoch-number times: auto, s, ms, us, ns",
	  MFM_OPT_AT(set.unit), .dflt = "auto", .what = "unit",
	  .names = mfm_field_units },
	{ MFM_OPT_DURATION, "lateness", 0, "DURATION", "lateness",
	  "without mfm-join's watermark records: watermark = latest event "
	  "time - DURATION", MFM_OPT_AT(set.lateness),
	  .show = "none: windows close at end of input",
	  .flags = MFM_OPT_ZERO },
	{ MFM_OPT_DURATION, "allowed-lateness", 'l', NULL, "allowed_lateness",
	  NULL, .alias = "lateness" },
	{ MFM_OPT_FILE, "late", 0, "FILE", "late",
	  "append late records to FILE instead of revising their window",
	  MFM_OPT_AT(set.late) },
	{ MFM_OPT_FLAG, "revise", 0, NULL, "revise",
	  "revise the window of a late record: the default, accepted for "
	  "older scripts; 'revise: false' needs 'late'",
	  MFM_OPT_AT(set.revise), .flags = MFM_OPT_HIDDEN },
	{ MFM_OPT_COUNT, "keep-closed", 0, "N", "keep_closed",
	  "closed windows kept for revisions", MFM_OPT_AT(set.keep_closed),
	  .show = "16; 2 with mfm-join's watermark records",
	  .hi = MFM_CLI_COUNT_MAX },
	{ MFM_OPT_SIZE, "max-windows", 0, "N", "max_windows",
	  "windows held at once at most", MFM_OPT_AT(set.max_windows) },
	{ MFM_OPT_FILE, "state", 0, "FILE", "state",
	  "keep open windows in FILE between runs", MFM_OPT_AT(set.state) },
	MFM_CLI_OPT_RESUME,
	{ MFM_OPT_FLAG, "drain", 0, NULL, "drain",
	  "with --state: close every window at the end",
	  MFM_OPT_AT(set.drain) },
	{ MFM_OPT_END }
};

static const struct mfm_cli_tool tool = {
	"mfm-window", "window", "[FILE ...]",
	"Tag each record with the event-time windows it falls in.\n",
	opts
};

struct run {
	struct mfm_window w;
	FILE *late;
	uint64_t nrec, nclosed, nset_aside;
	struct mfm_upstream up;		/* mfm-join's watermark */
	int keep_auto;			/* --keep-closed not given */
	struct mfm_window_text text;	/* window member texts */
	struct mfm_hits *hits;		/* whether --time matches */
};

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
		mfm_die("%s: %s", set.late, strerror(errno));
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

/* One input record: windowed, or a control record passed on. */
static void
window_record(void *ctx, const struct mfm_reader *r, const struct mfm_json *j)
{
	struct run *run = ctx;
	struct mfm_buf *b = &mfm_cli.out, *o;
	struct mfm_window_tag *tg;
	struct mfm_err err;
	size_t i;
	int64_t t;
	int rc, aside, tok;

	if (mfm_control_is(j)) {
		control(run, r, j);
		return;
	}
	tok = mfm_json_get(j, 0, &set.time);
	mfm_hits_count(run->hits, j, &tok);
	rc = mfm_field_time_at(j, tok, &set.time, (enum mfm_tm_unit)set.unit,
	    &t, &err);
	if (rc == 0) {
		mfm_cli_bad(r, "field '%s' missing", set.time.text);
		return;
	}
	if (rc < 0) {
		mfm_cli_bad(r, "%s", err.msg);
		return;
	}
	if (mfm_window_assign(&run->w, t, &err) != 0) {
		mfm_cli_record_err(r, &err, "--max-windows");
		return;
	}
	run->nrec++;
	for (i = 0; i < run->w.ntag; i++) {
		tg = &run->w.tag[i];
		if (tg->revision == -2)
			too_late(run, r, tg);
		aside = tg->revision < 0;
		if (aside && run->late == NULL)
			continue;
		run->nset_aside += aside;
		/* In place on its way to stdout, unless set aside. */
		o = aside ? b : mfm_cli_begin();
		if (mfm_json_put_open_object(o, j, 0))
			mfm_buf_addc(o, ',');
		mfm_buf_adds(o, "\"window\":");
		mfm_window_put_cached(o, &run->text, tg->start, tg->end,
		    aside ? 0 : tg->revision);
		mfm_buf_addc(o, '}');
		if (aside)
			late_write(run);
		else
			mfm_cli_end();
	}
	mfm_window_advance(&run->w, t);
	emit_closed(run);
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
nth(const struct mfm_opt_durations *v, size_t i, const char *opt,
    size_t nsize)
{
	if (v->n != 1 && v->n != nsize)
		mfm_cli_opt_die(opt, "give one value or one per size (%zu)",
		    nsize);
	return v->v[v->n == 1 ? 0 : i];
}

/* The window specs of --size, --step and --offset. */
static void
add_specs(struct run *run)
{
	struct mfm_err err;
	size_t i, n = set.size.n;

	for (i = 0; i < n; i++)
		if (mfm_window_add(&run->w, set.size.v[i], set.step.n == 0 ?
		    set.size.v[i] : nth(&set.step, i, "step", n),
		    nth(&set.offset, i, "offset", n), &err) != 0)
			mfm_cli_opt_die("size", "%s", err.msg);
}

int
main(int argc, char **argv)
{
	struct mfm_state st;
	struct run run;
	int n;

	memset(&run, 0, sizeof(run));
	mfm_window_init(&run.w);
	n = mfm_cli_parse(&tool, argc, argv);
	argc -= n;
	argv += n;
	/* Late records revise their window, or go to --late: never lost. */
	if (!set.revise && set.late == NULL)
		mfm_cli_opt_die("revise", "late records must go somewhere: "
		    "revise their window (the default) or set 'late' to a "
		    "file");
	run.keep_auto = !mfm_cli_given("keep-closed");
	mfm_cli_need_state(set.state, set.drain);
	run.hits = mfm_hits_new("records");
	mfm_hits_add(run.hits, "--time", &set.time, 0, 0);
	mfm_cli_hits(run.hits);
	if (set.tz.name != NULL)
		run.w.tz = &set.tz.tz;
	run.w.tz_name = set.tz.name;
	/* Without a lateness nothing is late: windows close at the end. */
	run.w.lateness = set.lateness;
	run.w.revise = set.late == NULL;
	run.w.keep_closed = set.keep_closed;
	run.w.max_windows = set.max_windows;
	add_specs(&run);
	mfm_cli_start();
	if (set.late != NULL) {
		run.late = mfm_cli_create(set.late, "a");
		if (run.late == NULL)
			mfm_die("%s: %s", set.late, strerror(errno));
	}

	mfm_upstream_init(&run.up);
	if (set.state != NULL)
		state_open(&run, &st, set.state);
	mfm_cli_loop(argc, argv, window_record, &run);
	/*
	 * Every window closes at the end of a complete stream; when more is
	 * to come (a join still waiting, or a cron run), they wait.
	 */
	if (set.drain || run.up.complete || (!run.up.seen && set.state == NULL))
		mfm_window_finish(&run.w);
	else
		mfm_window_pause(&run.w);
	emit_closed(&run);
	if (set.state != NULL)
		state_save(&run, &st, set.state);

	if (run.late != NULL && fclose(run.late) != 0)
		mfm_die("%s: %s", set.late, strerror(errno));
	if (mfm_cli.verbose)
		fprintf(stderr, "mfm-window: %" PRIu64 " records windowed, %"
		    PRIu64 " late (%" PRIu64 " set aside, %" PRIu64 " too late"
		    " to revise), %" PRIu64 " windows closed, %zu open, %"
		    PRIu64 " bad\n", run.nrec, run.w.nlate, run.nset_aside,
		    run.w.ntoo_late, run.nclosed, run.w.nopen, mfm_cli.nbad);
	mfm_upstream_release(&run.up);
	mfm_window_release(&run.w);
	return mfm_cli_finish(0);
}
