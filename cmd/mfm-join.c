/*
 * mfm-join: pair each prediction with its outcome, which arrives later.
 *
 * Both inputs are read at once: regular files merged by event time (so a
 * replay decides as the live run did), pipes and FIFOs as their lines
 * arrive, through poll(2), so that two live streams (tail -F) join while
 * they are open.  One operand alone is a mixed stream: a record with the
 * label field is an outcome.  The engine (lib/join.c) decides and
 * lib/joinread.c reads and merges the inputs; this file takes the
 * options, writes joined predictions on stdout and outcomes that join
 * nothing to their side files, and keeps the state between runs.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cli.h"
#include "lib/control.h"
#include "lib/field.h"
#include "lib/join.h"
#include "lib/joincheck.h"
#include "lib/joinread.h"
#include "lib/pick.h"
#include "lib/banned.h"

static const struct mfm_opt_name modes[] = {
	{ "id", MFM_JOINREAD_ID },
	{ "asof", MFM_JOINREAD_ASOF },
	{ "as-of", MFM_JOINREAD_ASOF },
	{ "hybrid", MFM_JOINREAD_HYBRID },
	{ NULL, 0 }
};

static const struct mfm_opt_name directions[] = {
	{ "backward", MFM_JOIN_BACKWARD },
	{ "forward", MFM_JOIN_FORWARD },
	{ "nearest", MFM_JOIN_NEAREST },
	{ NULL, 0 }
};

static const struct mfm_opt_name keeps[] = {
	{ "first", MFM_JOIN_KEEP_FIRST },
	{ "last", MFM_JOIN_KEEP_LAST },
	{ "error", MFM_JOIN_KEEP_ERROR },
	{ NULL, 0 }
};

/* --shard I/N. */
struct shard {
	uint64_t i, n;		/* n 0: none */
};

static int parse_shard(const char *arg, void *dst, struct mfm_err *err);

/* The settings, where the option table puts them. */
static struct {
	int mode;			/* enum mfm_joinread_mode */
	struct mfm_opt_paths key, okey, entity, oentity, select, oselect;
	struct mfm_json_path kfb, time, otime, label;
	int unit;			/* enum mfm_tm_unit */
	int dir;			/* enum mfm_join_dir */
	int64_t tolerance, ttl, lateness;
	int exact;
	int keep;			/* enum mfm_join_keep */
	const char *orphans, *duplicates, *conflicts;
	const char *state;
	int drain;
	size_t max_pending;
	struct shard shard;
} set = {
	.tolerance = -1,
	.exact = 1,
	.max_pending = MFM_JOIN_MAX_PENDING_DEFAULT
};

static const struct mfm_opt opts[] = {
	{ MFM_OPT_ENUM, "mode", 0, "MODE", "mode", "id, asof or hybrid",
	  MFM_OPT_AT(set.mode), .dflt = "id", .what = "mode",
	  .names = modes },
	{ MFM_OPT_ENUM, NULL, 'm', NULL, NULL, NULL, .alias = "mode" },
	{ MFM_OPT_PATHS, "key", 'k', "PATHS", "key",
	  "id fields of a prediction, comma-separated", MFM_OPT_AT(set.key),
	  .dflt = "id" },
	{ MFM_OPT_PATHS, "outcome-key", 0, "PATHS", "outcome_key",
	  "the id fields in outcomes, if different", MFM_OPT_AT(set.okey) },
	{ MFM_OPT_PATH, "key-fallback", 0, "PATH", "key_fallback",
	  "a prediction's id when its --key field is absent",
	  MFM_OPT_AT(set.kfb) },
	{ MFM_OPT_PATHS, "entity", 0, "PATHS", "entity",
	  "as-of entity fields", MFM_OPT_AT(set.entity),
	  .show = "none: one entity" },
	{ MFM_OPT_PATHS, "outcome-entity", 0, "PATHS", "outcome_entity",
	  "the entity fields in outcomes, if different",
	  MFM_OPT_AT(set.oentity) },
	{ MFM_OPT_PATHS, "by", 'b', NULL, "by", NULL, .alias = "entity" },
	{ MFM_OPT_PATHS, "outcome-by", 0, NULL, "outcome_by", NULL,
	  .alias = "outcome-entity" },
	{ MFM_OPT_PATH, "time", 't', "PATH", "time", "prediction time",
	  MFM_OPT_AT(set.time), .dflt = "timestamp" },
	{ MFM_OPT_PATH, "outcome-time", 0, "PATH", "outcome_time",
	  "outcome time, if different from --time", MFM_OPT_AT(set.otime) },
	{ MFM_OPT_ENUM, "time-unit", 0, "UNIT", "time_unit",
	  "unit of epoch-number times: auto, s, ms, us, ns",
	  MFM_OPT_AT(set.unit), .dflt = "auto", .what = "unit",
	  .names = mfm_field_units },
	{ MFM_OPT_ENUM, "direction", 'd', "DIR", "direction",
	  "as-of: backward, forward or nearest", MFM_OPT_AT(set.dir),
	  .dflt = "backward", .what = "direction", .names = directions },
	{ MFM_OPT_DURATION, "tolerance", 0, "DURATION", "tolerance",
	  "as-of: farthest outcome time from the prediction",
	  MFM_OPT_AT(set.tolerance), .show = "none",
	  .flags = MFM_OPT_ZERO },
	{ MFM_OPT_FLAG, "exact", 0, NULL, "exact",
	  "as-of: an outcome at the same time matches (the default)",
	  MFM_OPT_AT(set.exact),
	  .what = "as-of: an outcome at the same time does not match",
	  .flags = MFM_OPT_NEG | MFM_OPT_NOSYN },
	{ MFM_OPT_DURATION, "ttl", 0, "DURATION", "ttl",
	  "expire predictions and orphan outcomes after DURATION",
	  MFM_OPT_AT(set.ttl), .show = "none: nothing expires" },
	{ MFM_OPT_DURATION, "lateness", 0, "DURATION", "lateness",
	  "allowed lateness behind the latest time", MFM_OPT_AT(set.lateness),
	  .dflt = "0", .flags = MFM_OPT_ZERO },
	{ MFM_OPT_ENUM, "keep", 0, "WHICH", "keep",
	  "outcome an id keeps: first, last or error", MFM_OPT_AT(set.keep),
	  .dflt = "first", .what = "choice", .names = keeps },
	{ MFM_OPT_PATH, "label", 'l', "PATH", "label",
	  "outcome label: conflicts, mixed input", MFM_OPT_AT(set.label),
	  .dflt = "label" },
	{ MFM_OPT_FILE, "orphans", 0, "FILE", "orphans",
	  "write outcomes no prediction took to FILE",
	  MFM_OPT_AT(set.orphans) },
	{ MFM_OPT_FILE, "duplicates", 0, "FILE", "duplicates",
	  "write repeated outcomes, same label, to FILE",
	  MFM_OPT_AT(set.duplicates) },
	{ MFM_OPT_FILE, "conflicts", 0, "FILE", "conflicts",
	  "write repeated outcomes with another label to FILE",
	  MFM_OPT_AT(set.conflicts) },
	{ MFM_OPT_FILE, "state", 0, "FILE", "state",
	  "keep pending records in FILE between runs",
	  MFM_OPT_AT(set.state) },
	MFM_CLI_OPT_RESUME,
	{ MFM_OPT_FLAG, "drain", 0, NULL, "drain",
	  "with --state: decide everything at the end",
	  MFM_OPT_AT(set.drain) },
	{ MFM_OPT_SIZE, "max-pending", 0, "N", "max_pending",
	  "most records held at once", MFM_OPT_AT(set.max_pending) },
	{ MFM_OPT_PATHS, "select", 0, "PATHS", "select",
	  "keep only these members of each prediction",
	  MFM_OPT_AT(set.select) },
	{ MFM_OPT_PATHS, NULL, 's', NULL, NULL, NULL, .alias = "select" },
	{ MFM_OPT_PATHS, "outcome-select", 0, "PATHS", "outcome_select",
	  "keep only these members of each outcome",
	  MFM_OPT_AT(set.oselect) },
	{ MFM_OPT_CUSTOM, "shard", 0, "I/N", "shard",
	  "join only the keys of shard I of N (0 <= I < N)",
	  MFM_OPT_AT(set.shard), .parse = parse_shard },
	{ MFM_OPT_END }
};

static const struct mfm_cli_tool tool = {
	"mfm-join", "join", "PREDICTIONS [OUTCOMES]",
	"Pair predictions with the outcomes that arrive later: by id, as-of by\n"
	"entity and time, or id first with as-of as the fallback.  Either\n"
	"operand may be '-' for stdin (not both); one operand is a mixed\n"
	"stream.\n",
	opts
};

static struct mfm_joinread in;	/* paths, mode, unit, shard */
static struct mfm_join_opts jo;
static FILE *side[MFM_JOIN_NKIND];
static const char *side_path[MFM_JOIN_NKIND];
static struct mfm_buf fingerprint = MFM_BUF_INIT;
static struct mfm_joincheck check;	/* signs of wrong inputs */

/* --shard I/N: two decimal numbers, 0 <= I < N. */
static int
parse_shard(const char *arg, void *dst, struct mfm_err *err)
{
	struct shard *sh = dst;
	const char *p = arg;
	uint64_t v[2] = { 0, 0 };
	int k, nd;

	for (k = 0; k < 2; k++) {
		for (nd = 0; *p >= '0' && *p <= '9' && nd < 10; p++, nd++)
			v[k] = v[k] * 10 + (uint64_t)(*p - '0');
		if (nd == 0 || (k == 0 && *p++ != '/'))
			break;
	}
	if (k < 2 || *p != '\0' || v[1] == 0 || v[0] >= v[1])
		return mfm_err_set(err, MFM_ERR_USAGE, "expected I/N with "
		    "0 <= I < N (at most 10 digits each), not '%s'", arg);
	sh->i = v[0];
	sh->n = v[1];
	return 0;
}

/* Paths as written, comma-separated, into b (the state's fingerprint). */
static void
put_paths(struct mfm_buf *b, const struct mfm_opt_paths *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		mfm_buf_addf(b, "%s%s", i > 0 ? "," : "", ps->v[i].text);
}

/* One side's select paths: picked as each record is read. */
static void
side_select(struct mfm_joinread_side *sd, const struct mfm_opt_paths *sel)
{
	sd->sel = sel->v;
	sd->nsel = sel->n;
	if (sd->nsel > 0)
		mfm_pick_init(&sd->pick, sd->sel, sd->nsel);
}

/* The inputs' paths, from the settings; checks across options. */
static void
configure_inputs(void)
{
	const struct mfm_opt_paths *okey, *oent;

	in.mode = (enum mfm_joinread_mode)set.mode;
	okey = mfm_cli_given("outcome-key") ? &set.okey : &set.key;
	oent = mfm_cli_given("outcome-entity") ? &set.oentity : &set.entity;
	if (okey->n != set.key.n)
		mfm_cli_opt_die("outcome-key", "%zu fields, --key has %zu",
		    okey->n, set.key.n);
	if (oent->n != set.entity.n)
		mfm_cli_opt_die("outcome-entity", "%zu fields, --entity has "
		    "%zu", oent->n, set.entity.n);
	in.ps.key = set.key.v;
	in.ps.nkey = set.key.n;
	in.os.key = okey->v;
	in.os.nkey = okey->n;
	if (mfm_cli_given("key-fallback")) {
		if (set.key.n != 1)
			mfm_cli_opt_die("key-fallback", "--key must name one "
			    "field");
		in.ps.fallback = set.kfb;
		in.ps.has_fallback = 1;
	}
	in.ps.by = set.entity.v;
	in.ps.nby = set.entity.n;
	in.os.by = oent->v;
	in.os.nby = oent->n;
	in.ps.time = set.time;
	in.os.time = mfm_cli_given("outcome-time") ? set.otime : set.time;
	in.label = set.label;
	side_select(&in.ps, &set.select);
	side_select(&in.os, &set.oselect);
	in.unit = (enum mfm_tm_unit)set.unit;
	in.shard_i = set.shard.i;
	in.shard_n = set.shard.n;
	in.threads = 1;
	mfm_joinread_init(&in);

	/* What shapes keys: a state is only read back under the same. */
	mfm_buf_addf(&fingerprint, "mode=%s key=", in.mode ==
	    MFM_JOINREAD_ID ? "id" : in.mode == MFM_JOINREAD_ASOF ? "asof" :
	    "hybrid");
	put_paths(&fingerprint, &set.key);
	mfm_buf_adds(&fingerprint, " outcome-key=");
	put_paths(&fingerprint, okey);
	mfm_buf_addf(&fingerprint, " key-fallback=%s by=",
	    in.ps.has_fallback ? set.kfb.text : "");
	put_paths(&fingerprint, &set.entity);
	mfm_buf_adds(&fingerprint, " outcome-by=");
	put_paths(&fingerprint, oent);
	if (in.shard_n > 0)
		mfm_buf_addf(&fingerprint, " shard=%" PRIu64 "/%" PRIu64,
		    in.shard_i, in.shard_n);
}

/* The engine's settings. */
static void
configure_join(void)
{
	mfm_join_opts_init(&jo);
	jo.dir = (enum mfm_join_dir)set.dir;
	jo.keep = (enum mfm_join_keep)set.keep;
	jo.tolerance = set.tolerance;
	jo.ttl = set.ttl;
	jo.lateness = set.lateness;
	jo.exact = set.exact;
	jo.max_pending = set.max_pending;
}

/*
 * Which paths mfm_joinread_hits checks beyond what the mode needs; then
 * mfm_cli_finish reports those that match nothing.
 */
static void
hits(int mixed)
{
	int otime = mfm_cli_given("outcome-time"), k;

	mfm_joinread_hits(&in, (mfm_cli_given("time") || otime ||
	    jo.ttl > 0 ? MFM_JOINREAD_TIME : 0) |
	    (mfm_cli_given("label") ? MFM_JOINREAD_LABEL : 0) |
	    (mfm_cli_given("outcome-key") ? MFM_JOINREAD_OKEY : 0) |
	    (mfm_cli_given("outcome-entity") ? MFM_JOINREAD_OBY : 0) |
	    (otime ? MFM_JOINREAD_OTIME : 0), mixed);
	for (k = 0; k < 3; k++)
		if (in.hits[k] != NULL)
			mfm_cli_hits(in.hits[k]);
}

/* How lib/joinread.c reads: through lib/cli.c, as every tool does. */
static int
read_open(void *ctx, struct mfm_reader *r, const char *path,
    struct mfm_err *err)
{
	(void)ctx;
	(void)err;
	mfm_cli_open_input(r, path);
	return 0;
}

static int
read_close(void *ctx, struct mfm_reader *r, struct mfm_err *err)
{
	(void)ctx;
	(void)err;
	mfm_cli_close_input(r);
	return 0;
}

static void
read_bad(void *ctx, const struct mfm_reader *r, size_t col, const char *msg)
{
	(void)ctx;
	mfm_cli_bad_at(r, col, "%s", msg);
}

static int
read_wait(void *ctx, struct mfm_err *err)
{
	(void)ctx;
	(void)err;
	mfm_cli_flush();
	return 0;
}

static const struct mfm_joinread_ops read_ops = {
	read_open, read_close, read_bad, read_wait
};

/* Read the operands into the join; what ends the run exits 2. */
static void
run_inputs(struct mfm_join *jn, char **paths, size_t n)
{
	struct mfm_err err;

	in.ops = &read_ops;
	in.keep_lines = mfm_cli.rejects_path != NULL;
	in.nread = &mfm_cli.nread;
	in.nblank = &mfm_cli.nblank;
	if (mfm_joinread_run(&in, jn, paths, n, &err) == 0)
		return;
	if (in.fail_name != NULL)
		mfm_die("%s:%zu: %s", in.fail_name, err.line, err.msg);
	mfm_die_err(&err);
}

/* After a run of two inputs, say what looks wrong with them. */
static void
check_inputs(void)
{
	struct mfm_buf msgs = MFM_BUF_INIT;
	char *p, *nl;

	if (mfm_joincheck_finish(&check, &in, &msgs) > 0)
		for (p = msgs.p; p != NULL; p = nl ? nl + 1 : NULL) {
			nl = strchr(p, '\n');
			mfm_fail("%.*s", nl ? (int)(nl - p) : (int)strlen(p), p);
		}
	mfm_buf_release(&msgs);
}

static FILE *
open_side(const char *path)
{
	FILE *f;

	if (path == NULL)
		return NULL;
	if ((f = mfm_cli_create(path, "w")) == NULL)
		mfm_die("%s: %s", path, strerror(errno));
	return f;
}

static void
close_sides(void)
{
	int k;

	for (k = 0; k < MFM_JOIN_NKIND; k++)
		if (side[k] != NULL && (ferror(side[k]) | fclose(side[k])))
			mfm_die("%s: write error", side_path[k]);
}

/*
 * Watermark records (mfm(7) LATE LABELS), written when the join's
 * watermark enters a new hour, or a new minute once MFM_MARK_RECORDS
 * records have gone out since the last one: often enough that a window
 * closes promptly downstream, rarely enough to add next to nothing.  The
 * watermark is the inputs' (latest time less the lateness) less the hold,
 * so the checks are done on the latest time, and only when it reaches the
 * next point where a record may be due (in.after_at).
 */
/* Watermark records: whether the join can say one, and their pace. */
static int has_hold;
static struct mfm_mark_pace pace;

static void
put_mark(int has_w, int64_t w, int has_now, int64_t now, int complete)
{
	struct mfm_control_mark m;

	memset(&m, 0, sizeof(m));
	m.has_w = has_w;
	m.w = w;
	m.has_now = has_now;
	m.now = now;
	m.complete = complete;
	m.shard_i = in.shard_i;
	m.shard_n = in.shard_n;
	mfm_control_put_watermark(&mfm_cli.out, &m);
	mfm_cli_emit();
	mfm_mark_pace_written(&pace, mfm_cli.nout);
}

/* When the latest time reaches in.after_at: a watermark record if due. */
static void
after_record(void *arg)
{
	const struct mfm_join *jn = arg;

	if (mfm_mark_pace_reached(&pace, jn->max_time, mfm_cli.nout,
	    &in.after_at))
		put_mark(1, jn->max_time - pace.shift, 1,
		    jn->max_time - jn->o.lateness, 0);
}

/* Set up the watermark records for the join's options. */
static void
marks_init(const struct mfm_join *jn)
{
	int64_t hold;

	in.after_at = INT64_MAX;
	if (mfm_join_hold(jn, in.mode != MFM_JOINREAD_ASOF,
	    in.mode != MFM_JOINREAD_ID, &hold) != 0)
		return;
	has_hold = 1;
	mfm_mark_pace_init(&pace, jn->o.lateness > INT64_MAX - hold ?
	    INT64_MAX : jn->o.lateness + hold, &in.after_at);
	in.after = after_record;
	in.after_arg = (void *)jn;
}

/* The run's last watermark record: complete when it decided everything. */
static void
last_mark(const struct mfm_join *jn, int complete)
{
	int64_t now = jn->max_time - jn->o.lateness;

	put_mark(has_hold && jn->has_max, jn->max_time - pace.shift,
	    jn->has_max, now, complete);
}

/* A string literal, into room grown beforehand. */
#define PUT_LIT(b, s) mfm_buf_put(b, s, sizeof(s) - 1)

static void
on_event(void *arg, const struct mfm_join_event *ev)
{
	static const char *const names[] = {
		"matched\"}", "expired\"}", "unmatched\"}", "duplicate_id\"}"
	};
	struct mfm_buf *b;
	size_t n;

	(void)arg;
	mfm_joincheck_event(&check, ev);
	if (ev->pred == NULL) {
		if (side[ev->kind] != NULL) {
			fwrite(ev->out, 1, ev->olen, side[ev->kind]);
			fputc('\n', side[ev->kind]);
		}
		return;
	}
	/*
	 * The held bytes are one JSON object, as the tokenizer delimited
	 * it: drop its closing brace (and white space before it) and
	 * append, with no second parse.  One grow covers every piece.
	 */
	b = mfm_cli_begin();
	n = ev->plen - 1;
	while (n > 1 && (ev->pred[n - 1] == ' ' || ev->pred[n - 1] == '\t' ||
	    ev->pred[n - 1] == '\r' || ev->pred[n - 1] == '\n'))
		n--;
	mfm_buf_grow(b, n + (ev->out != NULL ? ev->olen : 0) + 96);
	mfm_buf_put(b, ev->pred, n);
	if (ev->pred[n - 1] != '{')
		PUT_LIT(b, ",");
	PUT_LIT(b, "\"outcome\":");
	if (ev->out != NULL)
		mfm_buf_put(b, ev->out, ev->olen);
	else
		PUT_LIT(b, "null");
	PUT_LIT(b, ",\"label_delay_s\":");
	if (ev->out != NULL && ev->has_pt && ev->has_ot)
		mfm_join_put_delay(b, ev->ot - ev->pt);
	else
		PUT_LIT(b, "null");
	PUT_LIT(b, ",\"join\":\"");
	mfm_buf_put(b, names[ev->kind], strlen(names[ev->kind]));
	b->p[b->len] = '\0';
	mfm_cli_end();
	mfm_mark_pace_out(&pace, mfm_cli.nout, &in.after_at);
}

static void
report(const struct mfm_join *jn)
{
	uint64_t pp, po;

	mfm_join_pending(jn, &pp, &po);
	fprintf(stderr, "mfm-join: predictions %" PRIu64 " (matched %" PRIu64
	    ", expired %" PRIu64 ", unmatched %" PRIu64 ", duplicate id %"
	    PRIu64 ", pending %" PRIu64 "); outcomes %" PRIu64 " (matched %"
	    PRIu64 ", duplicate %" PRIu64 ", conflicting %" PRIu64
	    ", orphan %" PRIu64 ", pending %" PRIu64 "); rejected %" PRIu64
	    "\n", jn->npred, jn->n[MFM_JOIN_MATCHED], jn->n[MFM_JOIN_EXPIRED],
	    jn->n[MFM_JOIN_UNMATCHED], jn->n[MFM_JOIN_DUPLICATE_ID], pp,
	    jn->nout, jn->nused, jn->n[MFM_JOIN_DUPLICATE],
	    jn->n[MFM_JOIN_CONFLICT], jn->n[MFM_JOIN_ORPHAN], po,
	    mfm_cli.nbad);
	if (in.shard_n > 0)
		fprintf(stderr, "mfm-join: shard %" PRIu64 "/%" PRIu64
		    ": records of other shards %" PRIu64 "\n", in.shard_i,
		    in.shard_n, in.nother);
	if (jn->nload_pred || jn->nload_out)
		fprintf(stderr, "mfm-join: from state: predictions %" PRIu64
		    ", outcomes %" PRIu64 "\n", jn->nload_pred,
		    jn->nload_out);
}

int
main(int argc, char **argv)
{
	struct mfm_join jn;
	struct mfm_err err;
	size_t i;
	struct mfm_state st;
	struct mfm_buf head = MFM_BUF_INIT;
	size_t rest;
	int n;

	n = mfm_cli_parse(&tool, argc, argv);
	argc -= n;
	argv += n;
	configure_inputs();
	configure_join();
	mfm_cli_need_state(set.state, set.drain);
	/* --drain with no operands reads nothing: it ends a sequence. */
	if (!mfm_cli.check_config && (argc > 2 || (argc == 0 && !set.drain)))
		mfm_usage_error("expected PREDICTIONS and OUTCOMES, or one "
		    "mixed stream");
	if (argc == 2 && strcmp(argv[0], "-") == 0 &&
	    strcmp(argv[1], "-") == 0)
		mfm_usage_error("only one operand can be '-'");
	hits(argc == 1);
	mfm_cli_start();
	if (argc == 2 && mfm_joincheck_files(argv[0], argv[1], &err) != 0)
		mfm_die("%s", err.msg);

	mfm_join_init(&jn, &jo, on_event, NULL);
	mfm_state_init(&st);
	if (set.state != NULL) {
		/* Held for the whole run: overlapping cron runs never mix. */
		if (mfm_state_lock(&st, set.state, "mfm-join",
		    MFM_JOIN_STATE_VERSION, &err) != 0) {
			if (err.sys != 0)	/* names FILE.lock */
				mfm_die("%s", err.msg);
			mfm_die("%s: %s", set.state, err.msg);
		}
		if (mfm_join_load(&jn, &st, fingerprint.p,
		    3 * (mfm_cli.max_line ? mfm_cli.max_line :
		    MFM_IO_MAX_LINE_DEFAULT) + 4096, &head, &err) != 0)
			mfm_die_err(&err);
		mfm_cli_chain_begin(head.p, head.len, &rest);
	}
	side_path[MFM_JOIN_ORPHAN] = set.orphans;
	side_path[MFM_JOIN_DUPLICATE] = set.duplicates;
	side_path[MFM_JOIN_CONFLICT] = set.conflicts;
	for (i = 0; i < MFM_JOIN_NKIND; i++)
		side[i] = open_side(side_path[i]);

	marks_init(&jn);
	if (argc > 0)
		run_inputs(&jn, argv, (size_t)argc);

	if (set.state == NULL || set.drain)
		mfm_join_drain(&jn);
	last_mark(&jn, set.state == NULL || set.drain);
	if (set.state != NULL) {
		/*
		 * Output first (and with -o, forced to disk): a crash before
		 * the save repeats, never loses.
		 */
		mfm_buf_clear(&head);
		mfm_cli_chain_end(&head);
		if (mfm_join_save(&jn, &st, fingerprint.p, &head, &err) != 0)
			mfm_die_err(&err);
	}
	mfm_buf_release(&head);
	close_sides();
	if (argc == 2)
		check_inputs();
	if (mfm_cli.verbose)
		report(&jn);
	mfm_join_release(&jn);
	mfm_joinread_release(&in);
	mfm_state_close(&st);
	mfm_buf_release(&fingerprint);
	return mfm_cli_finish(0);
}
