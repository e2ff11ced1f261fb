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
#include <getopt.h>
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

static const char usage[] =
"usage: mfm-join [-huVv] [-c FILE] [-m MODE] [-k PATHS] [--outcome-key PATHS]\n"
"                [--key-fallback PATH] [-b PATHS] [--outcome-by PATHS]\n"
"                [-t PATH] [--outcome-time PATH]\n"
"                [--time-unit UNIT] [-d DIR] [--tolerance DUR] [--no-exact]\n"
"                [--ttl DUR] [--lateness DUR] [--keep first|last|error]\n"
"                [-l PATH] [--orphans FILE] [--duplicates FILE]\n"
"                [--conflicts FILE] [--state FILE] [--resume] [--drain]\n"
"                [--max-pending N] [-s PATHS] [--outcome-select PATHS]\n"
"                [--shard I/N] [--rejects FILE] [--max-line SIZE]\n"
"                PREDICTIONS [OUTCOMES]\n"
"\n"
"Pair predictions with the outcomes that arrive later: by id, as-of by\n"
"entity and time, or id first with as-of as the fallback.  Either operand\n"
"may be '-' for stdin (not both); one operand is a mixed stream.\n"
"\n"
"  -m, --mode MODE         id, asof or hybrid (id)\n"
"  -k, --key PATHS         id fields of a prediction, comma-separated (id)\n"
"      --outcome-key PATHS the id fields in outcomes, if different\n"
"      --key-fallback PATH a prediction's id when its --key field is absent\n"
"  -b, --by PATHS          as-of entity fields (none: one entity)\n"
"      --outcome-by PATHS  the entity fields in outcomes, if different\n"
"  -t, --time PATH         prediction time (timestamp)\n"
"      --outcome-time PATH outcome time, if different from --time\n"
"      --time-unit UNIT    unit of epoch-number times: auto, s, ms, us, ns\n"
"  -d, --direction DIR     as-of: backward, forward or nearest (backward)\n"
"      --tolerance DUR     as-of: farthest outcome time from the prediction\n"
"      --no-exact          as-of: an outcome at the same time does not match\n"
"      --ttl DUR           expire predictions and orphan outcomes after DUR\n"
"      --lateness DUR      allowed lateness behind the latest time (0)\n"
"      --keep WHICH        outcome an id keeps: first, last, error (first)\n"
"  -l, --label PATH        outcome label: conflicts, mixed input (label)\n"
"      --orphans FILE      write outcomes no prediction took to FILE\n"
"      --duplicates FILE   write repeated outcomes, same label, to FILE\n"
"      --conflicts FILE    write repeated outcomes with another label to FILE\n"
"      --state FILE        keep pending records in FILE between runs\n"
"      --resume            with --state: read input files from where the\n"
"                          last run stopped\n"
"      --drain             with --state: decide everything at the end\n"
"      --max-pending N     most records held at once (10000000)\n"
"  -s, --select PATHS      keep only these members of each prediction\n"
"      --outcome-select PATHS  keep only these members of each outcome\n"
"      --shard I/N         join only the keys of shard I of N (0 <= I < N)\n"
MFM_CLI_HELP;

enum {
	OPT_OUTCOME_KEY = MFM_OPT_TOOL,
	OPT_KEY_FALLBACK,
	OPT_OUTCOME_BY,
	OPT_OUTCOME_TIME,
	OPT_TIME_UNIT,
	OPT_TOLERANCE,
	OPT_NO_EXACT,
	OPT_TTL,
	OPT_LATENESS,
	OPT_KEEP,
	OPT_ORPHANS,
	OPT_DUPLICATES,
	OPT_CONFLICTS,
	OPT_STATE,
	OPT_DRAIN,
	OPT_MAX_PENDING,
	OPT_OUTCOME_SELECT,
	OPT_SHARD
};

static const struct option longopts[] = {
	{ "mode", required_argument, NULL, 'm' },
	{ "key", required_argument, NULL, 'k' },
	{ "outcome-key", required_argument, NULL, OPT_OUTCOME_KEY },
	{ "key-fallback", required_argument, NULL, OPT_KEY_FALLBACK },
	{ "by", required_argument, NULL, 'b' },
	{ "outcome-by", required_argument, NULL, OPT_OUTCOME_BY },
	{ "time", required_argument, NULL, 't' },
	{ "outcome-time", required_argument, NULL, OPT_OUTCOME_TIME },
	{ "time-unit", required_argument, NULL, OPT_TIME_UNIT },
	{ "direction", required_argument, NULL, 'd' },
	{ "tolerance", required_argument, NULL, OPT_TOLERANCE },
	{ "no-exact", no_argument, NULL, OPT_NO_EXACT },
	{ "ttl", required_argument, NULL, OPT_TTL },
	{ "lateness", required_argument, NULL, OPT_LATENESS },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "label", required_argument, NULL, 'l' },
	{ "orphans", required_argument, NULL, OPT_ORPHANS },
	{ "duplicates", required_argument, NULL, OPT_DUPLICATES },
	{ "conflicts", required_argument, NULL, OPT_CONFLICTS },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "resume", no_argument, NULL, MFM_OPT_RESUME },
	{ "drain", no_argument, NULL, OPT_DRAIN },
	{ "max-pending", required_argument, NULL, OPT_MAX_PENDING },
	{ "select", required_argument, NULL, 's' },
	{ "outcome-select", required_argument, NULL, OPT_OUTCOME_SELECT },
	{ "shard", required_argument, NULL, OPT_SHARD },
	MFM_CLI_LONG,
	{ NULL, 0, NULL, 0 }
};

static const char *const config_keys[] = {
	"mode", "key", "outcome_key", "key_fallback", "by", "outcome_by", "time",
	"outcome_time", "time_unit", "direction", "tolerance", "exact", "ttl",
	"lateness", "keep", "label", "state", "max_pending", "select",
	"outcome_select", "shard", NULL
};

struct opts {
	const char *mode, *key, *okey, *kfb, *by, *oby, *time, *otime, *unit;
	const char *dir, *keep, *label, *state;
	const char *orphans, *duplicates, *conflicts;
	const char *tolerance, *ttl, *lateness, *select, *oselect, *shard;
	int no_exact, drain;
	size_t max_pending;
};

static struct mfm_joinread in;	/* paths, mode, unit, shard */
static struct mfm_join_opts jo;
static FILE *side[MFM_JOIN_NKIND];
static const char *side_path[MFM_JOIN_NKIND];
static struct mfm_buf fingerprint = MFM_BUF_INIT;
static struct mfm_joincheck check;	/* signs of wrong inputs */

static const char *
cfg_str(const struct mfm_cfg_node *sec, const char *key, const char *cur)
{
	if (cur != NULL || sec == NULL)
		return cur;
	return mfm_cli_cfg_str(mfm_cfg_get(sec, key), NULL);
}

/* --shard I/N: two decimal numbers, 0 <= I < N. */
static void
parse_shard(const char *arg)
{
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
		mfm_usage_error("--shard: expected I/N with 0 <= I < N "
		    "(at most 10 digits each), not '%s'", arg);
	in.shard_i = v[0];
	in.shard_n = v[1];
}

/* A side's --select paths, from the option or else the config. */
static void
select_paths(const struct mfm_cfg_node *sec, const char *key,
    const char *arg, struct mfm_joinread_side *sd)
{
	const struct mfm_cfg_node *n;

	if (arg != NULL)
		mfm_cli_paths(key[0] == 's' ? "--select" : "--outcome-select",
		    arg, &sd->sel, &sd->nsel);
	else if (sec != NULL && (n = mfm_cfg_get(sec, key)) != NULL)
		mfm_cli_cfg_paths(n, &sd->sel, &sd->nsel);
	if (sd->nsel > 0)
		mfm_pick_init(&sd->pick, sd->sel, sd->nsel);
}

static void
configure(struct opts *o)
{
	const struct mfm_cfg_node *sec = mfm_cli_config("join", config_keys);
	const struct mfm_cfg_node *n;
	const char *s;

	o->mode = cfg_str(sec, "mode", o->mode);
	o->key = cfg_str(sec, "key", o->key);
	o->okey = cfg_str(sec, "outcome_key", o->okey);
	o->kfb = cfg_str(sec, "key_fallback", o->kfb);
	o->by = cfg_str(sec, "by", o->by);
	o->oby = cfg_str(sec, "outcome_by", o->oby);
	o->time = cfg_str(sec, "time", o->time);
	o->otime = cfg_str(sec, "outcome_time", o->otime);
	o->unit = cfg_str(sec, "time_unit", o->unit);
	o->dir = cfg_str(sec, "direction", o->dir);
	o->tolerance = cfg_str(sec, "tolerance", o->tolerance);
	o->ttl = cfg_str(sec, "ttl", o->ttl);
	o->lateness = cfg_str(sec, "lateness", o->lateness);
	o->keep = cfg_str(sec, "keep", o->keep);
	o->label = cfg_str(sec, "label", o->label);
	o->state = cfg_str(sec, "state", o->state);
	o->shard = cfg_str(sec, "shard", o->shard);
	if (sec != NULL && !o->no_exact &&
	    (n = mfm_cfg_get(sec, "exact")) != NULL) {
		s = mfm_cli_cfg_str(n, NULL);
		if (strcmp(s, "false") == 0)
			o->no_exact = 1;
		else if (strcmp(s, "true") != 0)
			mfm_usage_error("exact: expected true or false, not "
			    "'%s'", s);
	}
	if (o->max_pending == 0 && (s = cfg_str(sec, "max_pending", NULL)))
		o->max_pending = mfm_cli_size("max_pending", s);

	s = o->mode ? o->mode : "id";
	if (strcmp(s, "id") == 0)
		in.mode = MFM_JOINREAD_ID;
	else if (strcmp(s, "asof") == 0 || strcmp(s, "as-of") == 0)
		in.mode = MFM_JOINREAD_ASOF;
	else if (strcmp(s, "hybrid") == 0)
		in.mode = MFM_JOINREAD_HYBRID;
	else
		mfm_usage_error("--mode: invalid mode '%s'", s);
	mfm_cli_paths("--key", o->key ? o->key : "id", &in.ps.key, &in.ps.nkey);
	mfm_cli_paths("--outcome-key", o->okey ? o->okey : o->key ? o->key :
	    "id", &in.os.key, &in.os.nkey);
	if (in.os.nkey != in.ps.nkey)
		mfm_usage_error("--outcome-key: %zu fields, --key has %zu",
		    in.os.nkey, in.ps.nkey);
	if (o->kfb != NULL) {
		if (in.ps.nkey != 1)
			mfm_usage_error("--key-fallback: --key must name one "
			    "field");
		mfm_cli_path("--key-fallback", o->kfb, &in.ps.fallback);
		in.ps.has_fallback = 1;
	}
	if (o->by != NULL)
		mfm_cli_paths("--by", o->by, &in.ps.by, &in.ps.nby);
	if (o->oby != NULL || o->by != NULL)
		mfm_cli_paths("--outcome-by", o->oby ? o->oby : o->by, &in.os.by,
		    &in.os.nby);
	if (in.os.nby != in.ps.nby)
		mfm_usage_error("--outcome-by: %zu fields, --by has %zu",
		    in.os.nby, in.ps.nby);
	mfm_cli_path("--time", o->time ? o->time : "timestamp", &in.ps.time);
	mfm_cli_path("--outcome-time", o->otime ? o->otime : in.ps.time.text,
	    &in.os.time);
	mfm_cli_path("--label", o->label ? o->label : "label", &in.label);
	select_paths(sec, "select", o->select, &in.ps);
	select_paths(sec, "outcome_select", o->oselect, &in.os);
	if (mfm_field_unit(o->unit ? o->unit : "auto", &in.unit) != 0)
		mfm_usage_error("--time-unit: invalid unit '%s'", o->unit);

	mfm_join_opts_init(&jo);
	s = o->dir ? o->dir : "backward";
	if (strcmp(s, "backward") == 0)
		jo.dir = MFM_JOIN_BACKWARD;
	else if (strcmp(s, "forward") == 0)
		jo.dir = MFM_JOIN_FORWARD;
	else if (strcmp(s, "nearest") == 0)
		jo.dir = MFM_JOIN_NEAREST;
	else
		mfm_usage_error("--direction: invalid direction '%s'", s);
	s = o->keep ? o->keep : "first";
	if (strcmp(s, "first") == 0)
		jo.keep = MFM_JOIN_KEEP_FIRST;
	else if (strcmp(s, "last") == 0)
		jo.keep = MFM_JOIN_KEEP_LAST;
	else if (strcmp(s, "error") == 0)
		jo.keep = MFM_JOIN_KEEP_ERROR;
	else
		mfm_usage_error("--keep: invalid choice '%s'", s);
	if (o->tolerance != NULL)
		jo.tolerance = mfm_cli_duration0("--tolerance", o->tolerance);
	if (o->ttl != NULL)
		jo.ttl = mfm_cli_duration("--ttl", o->ttl);
	if (o->lateness != NULL)
		jo.lateness = mfm_cli_duration0("--lateness", o->lateness);
	jo.exact = !o->no_exact;
	jo.max_pending = o->max_pending;
	if (o->drain && o->state == NULL)
		mfm_usage_error("--drain needs --state");
	mfm_cli_need_state(o->state);
	if (o->shard != NULL)
		parse_shard(o->shard);
	in.threads = 1;
	mfm_joinread_init(&in);

	/* What shapes keys: a state is only read back under the same. */
	mfm_buf_addf(&fingerprint, "mode=%s key=%s outcome-key=%s "
	    "key-fallback=%s by=%s outcome-by=%s", in.mode == MFM_JOINREAD_ID ? "id" :
	    in.mode == MFM_JOINREAD_ASOF ? "asof" : "hybrid", o->key ? o->key : "id",
	    o->okey ? o->okey : o->key ? o->key : "id", o->kfb ? o->kfb : "",
	    o->by ? o->by : "", o->oby ? o->oby : o->by ? o->by : "");
	if (in.shard_n > 0)
		mfm_buf_addf(&fingerprint, " shard=%" PRIu64 "/%" PRIu64,
		    in.shard_i, in.shard_n);
}

/* Which paths mfm_joinread_hits checks beyond what the mode needs. */
static int
hits_what(const struct opts *o)
{
	return (o->time || o->otime || jo.ttl > 0 ? MFM_JOINREAD_TIME : 0) |
	    (o->label ? MFM_JOINREAD_LABEL : 0) |
	    (o->okey ? MFM_JOINREAD_OKEY : 0) |
	    (o->oby ? MFM_JOINREAD_OBY : 0) |
	    (o->otime ? MFM_JOINREAD_OTIME : 0);
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
			mfm_warn("%.*s", nl ? (int)(nl - p) : (int)strlen(p), p);
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
 * watermark enters a new hour, or a new minute once WATERMARK_RECORDS
 * records have gone out since the last one: often enough that a window
 * closes promptly downstream, rarely enough to add next to nothing.  The
 * watermark is the inputs' (latest time less the lateness) less the hold,
 * so the checks are done on the latest time, and only when it reaches the
 * next point where a record may be due (in.after_at).
 */
#define MINUTE (60 * MFM_TM_US_PER_S)
#define HOUR (60 * MINUTE)
#define WATERMARK_RECORDS 1000

static struct {
	int has_hold;
	int64_t shift;		/* lateness + hold: latest time - watermark */
	int has;		/* one was written */
	int64_t next_minute;	/* then: where the next minute, */
	int64_t next_hour;	/* and the next hour, begin */
	uint64_t nout;		/* mfm_cli.nout then */
	int rearm;		/* a minute is due once the records are */
} mark;

/* The latest time at which the watermark reaches w. */
static int64_t
at(int64_t w)
{
	return w > INT64_MAX - mark.shift ? INT64_MAX : w + mark.shift;
}

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
	mark.nout = mfm_cli.nout;
}

/* When the latest time reaches in.after_at: a watermark record if due. */
static void
after_record(void *arg)
{
	const struct mfm_join *jn = arg;
	int64_t now = jn->max_time - jn->o.lateness, w = jn->max_time -
	    mark.shift;

	if (mark.has && w < mark.next_hour &&
	    mfm_cli.nout - mark.nout < WATERMARK_RECORDS) {
		/* A new minute, but too few records yet: at the hour. */
		in.after_at = at(mark.next_hour);
		mark.rearm = 1;
		return;
	}
	mark.has = 1;
	mark.rearm = 0;
	mark.next_minute = mfm_tm_floor(w, MINUTE, 0) + MINUTE;
	mark.next_hour = mfm_tm_floor(w, HOUR, 0) + HOUR;
	in.after_at = at(mark.next_minute);
	put_mark(1, w, 1, now, 0);
}

/* Records out: a minute held back for them may be due now. */
static inline void
record_out(void)
{
	if (mark.rearm && mfm_cli.nout - mark.nout >= WATERMARK_RECORDS) {
		mark.rearm = 0;
		in.after_at = at(mark.next_minute);
	}
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
	mark.has_hold = 1;
	mark.shift = jn->o.lateness > INT64_MAX - hold ? INT64_MAX :
	    jn->o.lateness + hold;
	in.after = after_record;
	in.after_arg = (void *)jn;
	in.after_at = INT64_MIN;
}

/* The run's last watermark record: complete when it decided everything. */
static void
last_mark(const struct mfm_join *jn, int complete)
{
	int64_t now = jn->max_time - jn->o.lateness;

	put_mark(mark.has_hold && jn->has_max, jn->max_time - mark.shift,
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
	record_out();
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
	struct opts o = { 0 };
	struct mfm_join jn;
	struct mfm_err err;
	size_t i;
	struct mfm_state st;
	struct mfm_buf head = MFM_BUF_INIT;
	size_t rest;
	int ch;

	mfm_cli_init("mfm-join", usage);
	while ((ch = getopt_long(argc, argv, MFM_CLI_SHORT "m:k:b:t:d:l:s:",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			o.mode = optarg;
			break;
		case 'k':
			o.key = optarg;
			break;
		case OPT_OUTCOME_KEY:
			o.okey = optarg;
			break;
		case OPT_KEY_FALLBACK:
			o.kfb = optarg;
			break;
		case 'b':
			o.by = optarg;
			break;
		case OPT_OUTCOME_BY:
			o.oby = optarg;
			break;
		case 't':
			o.time = optarg;
			break;
		case OPT_OUTCOME_TIME:
			o.otime = optarg;
			break;
		case OPT_TIME_UNIT:
			o.unit = optarg;
			break;
		case 'd':
			o.dir = optarg;
			break;
		case OPT_TOLERANCE:
			o.tolerance = optarg;
			break;
		case OPT_NO_EXACT:
			o.no_exact = 1;
			break;
		case OPT_TTL:
			o.ttl = optarg;
			break;
		case OPT_LATENESS:
			o.lateness = optarg;
			break;
		case OPT_KEEP:
			o.keep = optarg;
			break;
		case 'l':
			o.label = optarg;
			break;
		case OPT_ORPHANS:
			o.orphans = optarg;
			break;
		case OPT_DUPLICATES:
			o.duplicates = optarg;
			break;
		case OPT_CONFLICTS:
			o.conflicts = optarg;
			break;
		case OPT_STATE:
			o.state = optarg;
			break;
		case OPT_DRAIN:
			o.drain = 1;
			break;
		case OPT_MAX_PENDING:
			o.max_pending = mfm_cli_size("--max-pending", optarg);
			break;
		case 's':
			o.select = optarg;
			break;
		case OPT_OUTCOME_SELECT:
			o.oselect = optarg;
			break;
		case OPT_SHARD:
			o.shard = optarg;
			break;
		default:
			mfm_cli_option(ch, optarg);
		}
	}
	argc -= optind;
	argv += optind;
	/* --drain with no operands reads nothing: it ends a sequence. */
	if (argc > 2 || (argc == 0 && !o.drain))
		mfm_usage_error("expected PREDICTIONS and OUTCOMES, or one "
		    "mixed stream");
	if (argc == 2 && strcmp(argv[0], "-") == 0 &&
	    strcmp(argv[1], "-") == 0)
		mfm_usage_error("only one operand can be '-'");
	configure(&o);
	mfm_joinread_hits(&in, hits_what(&o), argc == 1);
	if (argc == 2 && mfm_joincheck_files(argv[0], argv[1], &err) != 0)
		mfm_die("%s", err.msg);

	mfm_join_init(&jn, &jo, on_event, NULL);
	mfm_state_init(&st);
	if (o.state != NULL) {
		/* Held for the whole run: overlapping cron runs never mix. */
		if (mfm_state_lock(&st, o.state, "mfm-join",
		    MFM_JOIN_STATE_VERSION, &err) != 0) {
			if (err.sys != 0)	/* names FILE.lock */
				mfm_die("%s", err.msg);
			mfm_die("%s: %s", o.state, err.msg);
		}
		if (mfm_join_load(&jn, &st, fingerprint.p,
		    3 * (mfm_cli.max_line ? mfm_cli.max_line :
		    MFM_IO_MAX_LINE_DEFAULT) + 4096, &head, &err) != 0)
			mfm_die_err(&err);
		mfm_cli_chain_begin(head.p, head.len, &rest);
	}
	side_path[MFM_JOIN_ORPHAN] = o.orphans;
	side_path[MFM_JOIN_DUPLICATE] = o.duplicates;
	side_path[MFM_JOIN_CONFLICT] = o.conflicts;
	for (i = 0; i < MFM_JOIN_NKIND; i++)
		side[i] = open_side(side_path[i]);

	marks_init(&jn);
	if (argc > 0)
		mfm_joinread_run(&in, &jn, argv, (size_t)argc);

	if (o.state == NULL || o.drain)
		mfm_join_drain(&jn);
	last_mark(&jn, o.state == NULL || o.drain);
	if (o.state != NULL) {
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
