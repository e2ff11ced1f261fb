/*
 * mfm-join: pair each prediction with its outcome, which arrives later.
 *
 * Both inputs are read at once: regular files merged by event time (so a
 * replay decides as the live run did), pipes and FIFOs as their lines
 * arrive, through poll(2), so that two live streams (tail -F) join while
 * they are open.  One operand alone is a mixed stream: a record with the
 * label field is an outcome.  The engine (lib/join.c) decides; this file
 * reads records, writes joined predictions on stdout and outcomes that
 * join nothing to their side files, and keeps the state between runs.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cli.h"
#include "lib/field.h"
#include "lib/join.h"
#include "lib/pick.h"
#include "lib/banned.h"

static const char usage[] =
"usage: mfm-join [-huVv] [-c FILE] [-m MODE] [-k PATHS] [--outcome-key PATHS]\n"
"                [--key-fallback PATH] [-b PATHS] [--outcome-by PATHS]\n"
"                [-t PATH] [--outcome-time PATH]\n"
"                [--time-unit UNIT] [-d DIR] [--tolerance DUR] [--no-exact]\n"
"                [--ttl DUR] [--lateness DUR] [--keep first|last|error]\n"
"                [-l PATH] [--orphans FILE] [--duplicates FILE]\n"
"                [--conflicts FILE] [--state FILE] [--drain]\n"
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

enum mode { MODE_ID, MODE_ASOF, MODE_HYBRID };

struct opts {
	const char *mode, *key, *okey, *kfb, *by, *oby, *time, *otime, *unit;
	const char *dir, *keep, *label, *state;
	const char *orphans, *duplicates, *conflicts;
	const char *tolerance, *ttl, *lateness, *select, *oselect, *shard;
	int no_exact, drain;
	size_t max_pending;
};

/* The paths of one side (predictions or outcomes). */
struct side {
	struct mfm_json_path *key, *by, time, fallback, *sel;
	size_t nkey, nby, nsel;
	int has_fallback;
	struct mfm_pick pick;	/* with nsel > 0: what is kept */
	/* The paths' numbers in the field set (see find_fields). */
	size_t *key_f, *by_f, time_f, fallback_f, top_f;
};

/*
 * Records are read a batch ahead: each is parsed, its key, time and label
 * taken, and its bytes kept in the batch's arena, and the engine is told
 * to start fetching where its key lives (mfm_join_prefetch), so that by
 * the time the merge hands it in the memory is there.  A batch never
 * waits for a live stream: it takes what is ready.
 */
#define BATCH 16

struct item {
	struct mfm_join_rec rec;	/* pointers set when the batch is full */
	size_t raw, key, ent, label, line;	/* offsets in the arena */
	size_t linelen, lineno;
	int out;			/* an outcome */
	int other;			/* another shard's: only its time */
};

/* One input and the records read ahead from it. */
struct stream {
	struct mfm_reader r;
	struct mfm_json j;
	int kind;		/* 0 predictions, 1 outcomes, -1 mixed */
	int live;		/* a pipe, FIFO or terminal: polled */
	int eof;
	struct item it[BATCH];
	size_t nit, cur;	/* the head is it[cur], while cur < nit */
	struct mfm_buf arena;	/* the batch's bytes */
	int head_out;		/* of the record being taken */
	struct mfm_join_rec rec;
	struct mfm_buf key, ent, picked;
};

#define HEAD(s) ((s)->cur < (s)->nit)

static enum mode mode;
static struct side ps, os;
static struct mfm_json_path label_p;
static enum mfm_tm_unit unit;
static struct mfm_join_opts jo;
static FILE *side[MFM_JOIN_NKIND];
static const char *side_path[MFM_JOIN_NKIND];
static struct mfm_buf fingerprint = MFM_BUF_INIT;
static uint64_t shard_i, shard_n;	/* --shard; shard_n 0: none */
static struct mfm_field_set fields;	/* every path read, both sides */
static size_t label_f;
static int *ftok;			/* their tokens in the record */
static uint64_t nother;			/* records of other shards */

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
	shard_i = v[0];
	shard_n = v[1];
}

/* Number a side's paths in the field set. */
static void
side_fields(struct side *sd)
{
	size_t i;

	sd->key_f = mfm_xcalloc(sd->nkey + 1, sizeof(*sd->key_f));
	for (i = 0; i < sd->nkey; i++)
		sd->key_f[i] = mfm_field_set_add(&fields, &sd->key[i]);
	sd->by_f = mfm_xcalloc(sd->nby + 1, sizeof(*sd->by_f));
	for (i = 0; i < sd->nby; i++)
		sd->by_f[i] = mfm_field_set_add(&fields, &sd->by[i]);
	if (sd->has_fallback)
		sd->fallback_f = mfm_field_set_add(&fields, &sd->fallback);
	sd->time_f = mfm_field_set_add(&fields, &sd->time);
	/* The picked top members follow each other: ftok + top_f. */
	sd->top_f = fields.n;
	for (i = 0; i < sd->pick.ntop; i++)
		mfm_field_set_add(&fields, &sd->pick.top[i]);
}

/*
 * Every path a record is read for (the label, each side's key, fallback,
 * entity, time and picked members) goes in one field set: one walk over
 * a record's members finds them all.
 */
static void
find_fields(void)
{
	mfm_field_set_init(&fields);
	label_f = mfm_field_set_add(&fields, &label_p);
	side_fields(&ps);
	side_fields(&os);
	ftok = mfm_xcalloc(fields.n, sizeof(*ftok));
}

/* A side's --select paths, from the option or else the config. */
static void
select_paths(const struct mfm_cfg_node *sec, const char *key,
    const char *arg, struct side *sd)
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
		mode = MODE_ID;
	else if (strcmp(s, "asof") == 0 || strcmp(s, "as-of") == 0)
		mode = MODE_ASOF;
	else if (strcmp(s, "hybrid") == 0)
		mode = MODE_HYBRID;
	else
		mfm_usage_error("--mode: invalid mode '%s'", s);
	mfm_cli_paths("--key", o->key ? o->key : "id", &ps.key, &ps.nkey);
	mfm_cli_paths("--outcome-key", o->okey ? o->okey : o->key ? o->key :
	    "id", &os.key, &os.nkey);
	if (os.nkey != ps.nkey)
		mfm_usage_error("--outcome-key: %zu fields, --key has %zu",
		    os.nkey, ps.nkey);
	if (o->kfb != NULL) {
		if (ps.nkey != 1)
			mfm_usage_error("--key-fallback: --key must name one "
			    "field");
		mfm_cli_path("--key-fallback", o->kfb, &ps.fallback);
		ps.has_fallback = 1;
	}
	if (o->by != NULL)
		mfm_cli_paths("--by", o->by, &ps.by, &ps.nby);
	if (o->oby != NULL || o->by != NULL)
		mfm_cli_paths("--outcome-by", o->oby ? o->oby : o->by, &os.by,
		    &os.nby);
	if (os.nby != ps.nby)
		mfm_usage_error("--outcome-by: %zu fields, --by has %zu",
		    os.nby, ps.nby);
	mfm_cli_path("--time", o->time ? o->time : "timestamp", &ps.time);
	mfm_cli_path("--outcome-time", o->otime ? o->otime : ps.time.text,
	    &os.time);
	mfm_cli_path("--label", o->label ? o->label : "label", &label_p);
	select_paths(sec, "select", o->select, &ps);
	select_paths(sec, "outcome_select", o->oselect, &os);
	if (mfm_field_unit(o->unit ? o->unit : "auto", &unit) != 0)
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
	if (o->shard != NULL)
		parse_shard(o->shard);
	find_fields();

	/* What shapes keys: a state is only read back under the same. */
	mfm_buf_addf(&fingerprint, "mode=%s key=%s outcome-key=%s "
	    "key-fallback=%s by=%s outcome-by=%s", mode == MODE_ID ? "id" :
	    mode == MODE_ASOF ? "asof" : "hybrid", o->key ? o->key : "id",
	    o->okey ? o->okey : o->key ? o->key : "id", o->kfb ? o->kfb : "",
	    o->by ? o->by : "", o->oby ? o->oby : o->by ? o->by : "");
	if (shard_n > 0)
		mfm_buf_addf(&fingerprint, " shard=%" PRIu64 "/%" PRIu64,
		    shard_i, shard_n);
}

static FILE *
open_side(const char *path)
{
	FILE *f;

	if (path == NULL)
		return NULL;
	if ((f = fopen(path, "w")) == NULL)
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

/* Append n bytes to b, which has room for them (grown beforehand). */
static void
put(struct mfm_buf *b, const char *p, size_t n)
{
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

#define PUT_LIT(b, s) put(b, s, sizeof(s) - 1)

static void
on_event(void *arg, const struct mfm_join_event *ev)
{
	static const char *const names[] = {
		"matched\"}", "expired\"}", "unmatched\"}", "duplicate_id\"}"
	};
	struct mfm_buf *b;
	size_t n;

	(void)arg;
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
	put(b, ev->pred, n);
	if (ev->pred[n - 1] != '{')
		PUT_LIT(b, ",");
	PUT_LIT(b, "\"outcome\":");
	if (ev->out != NULL)
		put(b, ev->out, ev->olen);
	else
		PUT_LIT(b, "null");
	PUT_LIT(b, ",\"label_delay_s\":");
	if (ev->out != NULL && ev->has_pt && ev->has_ot)
		mfm_join_put_delay(b, ev->ot - ev->pt);
	else
		PUT_LIT(b, "null");
	PUT_LIT(b, ",\"join\":\"");
	put(b, names[ev->kind], strlen(names[ev->kind]));
	b->p[b->len] = '\0';
	mfm_cli_end();
}

/*
 * Canonical key bytes of paths p[0..n), field numbers f[0..n), into b;
 * -1 with *bad set.
 */
static int
get_key(const struct mfm_json *j, const struct mfm_json_path *p,
    const size_t *f, size_t n, struct mfm_buf *b, const char **bad,
    int *missing)
{
	size_t i;
	int t;

	mfm_buf_clear(b);
	for (i = 0; i < n; i++) {
		t = ftok[f[i]];
		*bad = p[i].text;
		*missing = t < 0 || mfm_json_type_of(j, t) == MFM_JSON_NULL;
		if (*missing || mfm_join_key(j, t, b) != 0)
			return -1;
	}
	return 0;
}

/* Read the record in s->j into s->rec; 0 when good, else reported. */
static int
take(struct stream *s)
{
	struct mfm_join_rec *r = &s->rec;
	const struct side *sd;
	const char *bad;
	struct mfm_err err;
	int t, missing, has_key;

	mfm_field_set_get(&fields, &s->j, ftok);
	t = ftok[label_f];
	s->head_out = s->kind >= 0 ? s->kind : t >= 0;
	sd = s->head_out ? &os : &ps;
	memset(r, 0, sizeof(*r));
	if (sd->nsel > 0) {
		mfm_buf_clear(&s->picked);
		mfm_pick_put_at(&sd->pick, &s->j, ftok + sd->top_f,
		    &s->picked);
		r->raw = s->picked.p;
		r->len = s->picked.len;
	} else {
		r->raw = s->j.buf + s->j.tok[0].start;
		r->len = s->j.tok[0].len;
	}
	if (t >= 0)
		r->label = mfm_json_raw(&s->j, t, &r->llen);
	has_key = 0;
	if (mode != MODE_ASOF) {
		if (get_key(&s->j, sd->key, sd->key_f, sd->nkey, &s->key,
		    &bad, &missing) == 0)
			has_key = 1;
		else if (missing && sd->has_fallback && get_key(&s->j,
		    &sd->fallback, &sd->fallback_f, 1, &s->key, &bad,
		    &missing) == 0)
			has_key = 1;
		else if (mode == MODE_ID || !missing) {
			mfm_cli_bad(&s->r, missing ? "field '%s' missing" :
			    "field '%s' is not a string or number", bad);
			return -1;
		}
	}
	if (has_key) {
		r->key = s->key.p;
		r->klen = s->key.len;
	} else {
		if (get_key(&s->j, sd->by, sd->by_f, sd->nby, &s->ent, &bad,
		    &missing) != 0) {
			mfm_cli_bad(&s->r, missing ? "field '%s' missing" :
			    "field '%s' is not a string or number", bad);
			return -1;
		}
		r->ent = s->ent.p ? s->ent.p : "";
		r->elen = s->ent.len;
	}
	r->has_time = mfm_field_time_at(&s->j, ftok[sd->time_f], &sd->time,
	    unit, &r->time, &err);
	if (r->has_time < 0) {
		mfm_cli_bad(&s->r, "%s", err.msg);
		return -1;
	}
	if (!has_key && !r->has_time) {
		mfm_cli_bad(&s->r, "field '%s' missing (an as-of join needs "
		    "a time)", sd->time.text);
		return -1;
	}
	return 0;
}

/* Keep the record just taken, s->rec, in the batch. */
static void
stash(struct stream *s)
{
	struct item *it = &s->it[s->nit++];
	struct mfm_buf *a = &s->arena;

	it->rec = s->rec;
	it->out = s->head_out;
	it->lineno = s->r.lineno;
	it->other = shard_n > 0 && (s->rec.key != NULL ?
	    mfm_join_shard(s->rec.key, s->rec.klen, shard_n) :
	    mfm_join_shard(s->rec.ent, s->rec.elen, shard_n)) != shard_i;
	/* The whole line too, for --rejects, if the engine refuses it. */
	it->linelen = mfm_cli.rejects_path != NULL ? s->r.len : 0;
	mfm_buf_grow(a, s->rec.len + s->rec.klen + s->rec.elen +
	    s->rec.llen + it->linelen);
	it->raw = a->len;
	put(a, s->rec.raw, s->rec.len);
	it->key = a->len;
	if (s->rec.key != NULL)
		put(a, s->rec.key, s->rec.klen);
	it->ent = a->len;
	if (s->rec.ent != NULL)
		put(a, s->rec.ent, s->rec.elen);
	it->label = a->len;
	if (s->rec.label != NULL)
		put(a, s->rec.label, s->rec.llen);
	it->line = a->len;
	if (it->linelen > 0)
		put(a, s->r.line, s->r.len);
	a->p[a->len] = '\0';
}

/*
 * With the head batch used up, read the next: up to BATCH records, fewer
 * at the end or when a live stream has no more ready.
 */
static void
fill(const struct mfm_join *jn, struct stream *s)
{
	struct item *it;
	size_t i;
	int rc;

	if (HEAD(s))
		return;
	s->nit = s->cur = 0;
	mfm_buf_clear(&s->arena);
	while (s->nit < BATCH && !s->eof &&
	    (!s->live || mfm_reader_ready(&s->r))) {
		rc = mfm_cli_step(&s->r, &s->j);
		if (rc < 0)
			s->eof = 1;
		else if (rc == 1 && take(s) == 0) {
			/* As early as can be: the rest of the batch is read
			 * while the slot comes. */
			mfm_join_prefetch(jn, &s->rec);
			stash(s);
		}
	}
	/* The arena is settled: point into it. */
	for (i = 0; i < s->nit; i++) {
		it = &s->it[i];
		it->rec.raw = s->arena.p + it->raw;
		if (it->rec.key != NULL)
			it->rec.key = s->arena.p + it->key;
		if (it->rec.ent != NULL)
			it->rec.ent = s->arena.p + it->ent;
		if (it->rec.label != NULL)
			it->rec.label = s->arena.p + it->label;
	}
}

static void
process(struct mfm_join *jn, struct stream *s)
{
	struct item *it = &s->it[s->cur++];
	struct mfm_reader at;
	struct mfm_err err;
	int rc;

	if (s->cur + 3 < s->nit)
		mfm_join_prefetch_entry(jn, &s->it[s->cur + 3].rec);
	if (s->cur + 1 < s->nit && s->it[s->cur + 1].out)
		mfm_join_prefetch_held(jn, &s->it[s->cur + 1].rec);
	if (it->other) {
		mfm_join_observe(jn, &it->rec);
		nother++;
		return;
	}
	mfm_err_clear(&err);
	rc = it->out ? mfm_join_outcome(jn, &it->rec, &err) :
	    mfm_join_prediction(jn, &it->rec, &err);
	if (rc == 0)
		return;
	if (err.kind == MFM_ERR_LIMIT)
		mfm_die("%s:%zu: %s", s->r.name, it->lineno, err.msg);
	/* Said of the record's own line, read a batch ago. */
	at = s->r;
	at.lineno = it->lineno;
	at.line = it->linelen > 0 ? s->arena.p + it->line : NULL;
	at.len = it->linelen;
	mfm_cli_bad(&at, "%s", err.msg);
}

/* Earlier event time first; no time counts as earliest; outcomes on ties. */
static int
before(const struct stream *sa, const struct stream *sb)
{
	const struct item *a = &sa->it[sa->cur], *b = &sb->it[sb->cur];

	if (!a->rec.has_time || !b->rec.has_time) {
		if (a->rec.has_time != b->rec.has_time)
			return !a->rec.has_time;
	} else if (a->rec.time != b->rec.time)
		return a->rec.time < b->rec.time;
	return a->out >= b->out;
}

static void
wait_input(struct stream *st, size_t n)
{
	struct pollfd pfd[2];
	struct mfm_err err;
	size_t i, np = 0, map[2];
	long rc;

	/* Whatever is joined so far goes out before we sleep. */
	mfm_cli_flush();
	for (i = 0; i < n; i++)
		if (!st[i].eof && !HEAD(&st[i])) {
			pfd[np].fd = st[i].r.fd;
			pfd[np].events = POLLIN;
			map[np++] = i;
		}
	while (poll(pfd, np, -1) < 0)
		if (errno != EINTR)
			mfm_die("poll: %s", strerror(errno));
	for (i = 0; i < np; i++)
		if (pfd[i].revents != 0) {
			rc = mfm_reader_fill(&st[map[i]].r, &err);
			if (rc == -1)
				mfm_die_err(&err);
		}
}

static void
run(struct mfm_join *jn, struct stream *st, size_t n)
{
	struct stream *pick;
	size_t i;

	for (;;) {
		pick = NULL;
		for (i = 0; i < n; i++) {
			fill(jn, &st[i]);
			if (HEAD(&st[i]) && (pick == NULL ||
			    before(&st[i], pick)))
				pick = &st[i];
		}
		/*
		 * Live streams never wait for each other; but a file is not
		 * read ahead of a live stream, or its later times would move
		 * the watermark past records the stream has yet to bring.
		 */
		for (i = 0; pick != NULL && !pick->live && i < n; i++)
			if (st[i].live && !st[i].eof && !HEAD(&st[i]))
				pick = NULL;
		if (pick != NULL) {
			process(jn, pick);
			continue;
		}
		for (i = 0; i < n && st[i].eof && !HEAD(&st[i]); i++)
			;
		if (i == n)
			return;
		wait_input(st, n);
	}
}

static void
open_stream(struct stream *s, const char *path, int kind)
{
	struct stat sb;

	memset(s, 0, sizeof(*s));
	mfm_cli_open(&s->r, path);
	mfm_json_init(&s->j);
	s->kind = kind;
	s->live = fstat(s->r.fd, &sb) == 0 && !S_ISREG(sb.st_mode);
}

static void
close_stream(struct stream *s)
{
	struct mfm_err err;

	if (mfm_reader_close(&s->r, &err) != 0)
		mfm_die_err(&err);
	mfm_json_release(&s->j);
	mfm_buf_release(&s->key);
	mfm_buf_release(&s->ent);
	mfm_buf_release(&s->picked);
	mfm_buf_release(&s->arena);
}

/*
 * Hold FILE.lock for the whole run, so that two overlapping runs (cron)
 * never read and write one state.  The lock file stays; the state file
 * itself is replaced by rename and so cannot carry the lock.
 */
static int
lock_state(const char *path)
{
	struct mfm_buf b = MFM_BUF_INIT;
	int fd;

	mfm_buf_addf(&b, "%s.lock", path);
	fd = open(b.p, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		mfm_die("%s: %s", b.p, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			mfm_die("%s: in use by another mfm-join run", path);
		mfm_die("%s: %s", b.p, strerror(errno));
	}
	mfm_buf_release(&b);
	return fd;
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
	if (shard_n > 0)
		fprintf(stderr, "mfm-join: shard %" PRIu64 "/%" PRIu64
		    ": records of other shards %" PRIu64 "\n", shard_i,
		    shard_n, nother);
	if (jn->nload_pred || jn->nload_out)
		fprintf(stderr, "mfm-join: from state: predictions %" PRIu64
		    ", outcomes %" PRIu64 "\n", jn->nload_pred,
		    jn->nload_out);
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct stream st[2];
	struct mfm_join jn;
	struct mfm_err err;
	size_t i, n;
	int ch, lockfd = -1;

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
	if (argc != 1 && argc != 2)
		mfm_usage_error("expected PREDICTIONS and OUTCOMES, or one "
		    "mixed stream");
	if (argc == 2 && strcmp(argv[0], "-") == 0 &&
	    strcmp(argv[1], "-") == 0)
		mfm_usage_error("only one operand can be '-'");
	configure(&o);

	mfm_join_init(&jn, &jo, on_event, NULL);
	if (o.state != NULL) {
		lockfd = lock_state(o.state);
		if (mfm_join_load(&jn, o.state, fingerprint.p,
		    3 * (mfm_cli.max_line ? mfm_cli.max_line :
		    MFM_IO_MAX_LINE_DEFAULT) + 4096, &err) != 0)
			mfm_die_err(&err);
	}
	side_path[MFM_JOIN_ORPHAN] = o.orphans;
	side_path[MFM_JOIN_DUPLICATE] = o.duplicates;
	side_path[MFM_JOIN_CONFLICT] = o.conflicts;
	for (i = 0; i < MFM_JOIN_NKIND; i++)
		side[i] = open_side(side_path[i]);

	n = (size_t)argc;
	for (i = 0; i < n; i++)
		open_stream(&st[i], argv[i], n == 1 ? -1 : (int)i);
	run(&jn, st, n);
	for (i = 0; i < n; i++)
		close_stream(&st[i]);

	if (o.state == NULL || o.drain)
		mfm_join_drain(&jn);
	if (o.state != NULL) {
		/* Output first: a crash before the save repeats, never loses. */
		mfm_cli_flush();
		if (mfm_join_save(&jn, o.state, fingerprint.p, &err) != 0)
			mfm_die_err(&err);
	}
	close_sides();
	if (mfm_cli.verbose)
		report(&jn);
	mfm_join_release(&jn);
	if (lockfd >= 0)
		close(lockfd);
	mfm_buf_release(&fingerprint);
	return mfm_cli_finish(0);
}
