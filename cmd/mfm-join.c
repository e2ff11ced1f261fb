/*
 * mfm-join: pair each prediction with its outcome by an id field.
 *
 * The outcomes are read first and held by key (the first outcome for a
 * key wins; later ones are counted as duplicates).  Then the predictions
 * stream through in their own order: each is written with its outcome
 * appended, or, once the outcome input has ended without one, with a null
 * outcome.  Outcomes no prediction asked for are orphans: counted, and
 * written to --orphans FILE when asked.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/field.h"
#include "lib/join.h"
#include "lib/banned.h"

static const char usage[] =
"usage: mfm-join [-huVv] [-c FILE] [-k PATH] [-t PATH] [--outcome-key PATH]\n"
"                [--outcome-time PATH] [--time-unit UNIT] [--orphans FILE]\n"
"                [--max-pending N] [--rejects FILE] [--max-line SIZE]\n"
"                PREDICTIONS OUTCOMES\n"
"\n"
"Pair predictions with the outcomes that arrive later, by an id field.\n"
"Either operand may be '-' for stdin (not both).\n"
"\n"
"  -k, --key PATH          field pairing a prediction with its outcome (id)\n"
"      --outcome-key PATH  the key's path in outcomes, if different\n"
"  -t, --time PATH         prediction time, for the label delay (timestamp)\n"
"      --outcome-time PATH outcome time, if different from --time\n"
"      --time-unit UNIT    unit of epoch-number times: auto, s, ms, us, ns\n"
"      --orphans FILE      write outcomes no prediction matched to FILE\n"
"      --max-pending N     most outcomes held at once (10000000)\n"
MFM_CLI_HELP;

enum {
	OPT_OUTCOME_KEY = MFM_OPT_TOOL,
	OPT_OUTCOME_TIME,
	OPT_TIME_UNIT,
	OPT_ORPHANS,
	OPT_MAX_PENDING
};

static const struct option longopts[] = {
	{ "key", required_argument, NULL, 'k' },
	{ "outcome-key", required_argument, NULL, OPT_OUTCOME_KEY },
	{ "time", required_argument, NULL, 't' },
	{ "outcome-time", required_argument, NULL, OPT_OUTCOME_TIME },
	{ "time-unit", required_argument, NULL, OPT_TIME_UNIT },
	{ "orphans", required_argument, NULL, OPT_ORPHANS },
	{ "max-pending", required_argument, NULL, OPT_MAX_PENDING },
	MFM_CLI_LONG,
	{ NULL, 0, NULL, 0 }
};

static const char *const config_keys[] = {
	"key", "outcome_key", "time", "outcome_time", "time_unit",
	"max_pending", NULL
};

struct opts {
	const char *key, *outcome_key, *time, *outcome_time, *unit;
	const char *orphans;
	size_t max_pending;
};

struct counts {
	uint64_t preds, matched, unmatched, taken;
	uint64_t outcomes, held, orphans;
};

static struct mfm_json_path key_p, okey_p, time_p, otime_p;
static enum mfm_tm_unit unit;

static void
configure(struct opts *o)
{
	const struct mfm_cfg_node *sec = mfm_cli_config("join", config_keys);
	const char *s;

	if (sec != NULL) {
		if (o->key == NULL)
			o->key = mfm_cli_cfg_str(mfm_cfg_get(sec, "key"), NULL);
		if (o->outcome_key == NULL)
			o->outcome_key = mfm_cli_cfg_str(
			    mfm_cfg_get(sec, "outcome_key"), NULL);
		if (o->time == NULL)
			o->time = mfm_cli_cfg_str(mfm_cfg_get(sec, "time"),
			    NULL);
		if (o->outcome_time == NULL)
			o->outcome_time = mfm_cli_cfg_str(
			    mfm_cfg_get(sec, "outcome_time"), NULL);
		if (o->unit == NULL)
			o->unit = mfm_cli_cfg_str(mfm_cfg_get(sec,
			    "time_unit"), NULL);
		if (o->max_pending == 0 &&
		    (s = mfm_cli_cfg_str(mfm_cfg_get(sec, "max_pending"),
		    NULL)) != NULL)
			o->max_pending = mfm_cli_size("max_pending", s);
	}
	mfm_cli_path("--key", o->key ? o->key : "id", &key_p);
	mfm_cli_path("--outcome-key", o->outcome_key ? o->outcome_key :
	    key_p.text, &okey_p);
	mfm_cli_path("--time", o->time ? o->time : "timestamp", &time_p);
	mfm_cli_path("--outcome-time", o->outcome_time ? o->outcome_time :
	    time_p.text, &otime_p);
	if (mfm_field_unit(o->unit ? o->unit : "auto", &unit) != 0)
		mfm_usage_error("--time-unit: invalid unit '%s'", o->unit);
}

/* Read every outcome into the join table. */
static void
load_outcomes(struct mfm_join *jn, const char *path, struct counts *c)
{
	struct mfm_reader r;
	struct mfm_json j;
	struct mfm_buf key = MFM_BUF_INIT;
	struct mfm_err err;
	int64_t t;
	int has_t, k;

	mfm_json_init(&j);
	mfm_cli_open(&r, path);
	while (mfm_cli_next(&r, &j)) {
		k = mfm_json_get(&j, 0, &okey_p);
		if (k < 0) {
			mfm_cli_bad(&r, "field '%s' missing", okey_p.text);
			continue;
		}
		if (mfm_join_key(&j, k, &key) != 0) {
			mfm_cli_bad(&r, "field '%s' is not a string or number",
			    okey_p.text);
			continue;
		}
		has_t = mfm_field_time(&j, &otime_p, unit, &t, &err);
		if (has_t < 0) {
			mfm_cli_bad(&r, "%s", err.msg);
			continue;
		}
		c->outcomes++;
		switch (mfm_join_add(jn, key.p, key.len, j.buf + j.tok[0].start,
		    j.tok[0].len, has_t, t, &err)) {
		case -1:
			mfm_die("%s:%zu: %s", r.name, r.lineno, err.msg);
		case 1:
			c->held++;
			break;
		}
	}
	if (mfm_reader_close(&r, &err) != 0)
		mfm_die_err(&err);
	mfm_json_release(&j);
	mfm_buf_release(&key);
}

static void
emit_joined(const struct mfm_join *jn, const struct mfm_json *j,
    const struct mfm_join_outcome *o, int has_t, int64_t t, const char *how)
{
	struct mfm_buf *b = &mfm_cli.out;

	if (mfm_json_put_open_object(b, j, 0))
		mfm_buf_addc(b, ',');
	mfm_buf_adds(b, "\"outcome\":");
	if (o != NULL)
		mfm_buf_add(b, mfm_join_raw(jn, o), o->len);
	else
		mfm_buf_adds(b, "null");
	mfm_buf_adds(b, ",\"label_delay_s\":");
	if (o != NULL && has_t && o->has_time)
		mfm_json_put_double(b, (double)(o->time_us - t) / 1e6);
	else
		mfm_buf_adds(b, "null");
	mfm_buf_adds(b, ",\"join\":\"");
	mfm_buf_adds(b, how);
	mfm_buf_adds(b, "\"}");
	mfm_cli_emit();
}

static void
join_predictions(struct mfm_join *jn, const char *path, struct counts *c)
{
	const struct mfm_join_outcome *o;
	struct mfm_reader r;
	struct mfm_json j;
	struct mfm_buf key = MFM_BUF_INIT;
	struct mfm_err err;
	int64_t t;
	int has_t, k;

	mfm_json_init(&j);
	mfm_cli_open(&r, path);
	while (mfm_cli_next(&r, &j)) {
		k = mfm_json_get(&j, 0, &key_p);
		if (k < 0) {
			mfm_cli_bad(&r, "field '%s' missing", key_p.text);
			continue;
		}
		if (mfm_join_key(&j, k, &key) != 0) {
			mfm_cli_bad(&r, "field '%s' is not a string or number",
			    key_p.text);
			continue;
		}
		has_t = mfm_field_time(&j, &time_p, unit, &t, &err);
		if (has_t < 0) {
			mfm_cli_bad(&r, "%s", err.msg);
			continue;
		}
		c->preds++;
		switch (mfm_join_match(jn, key.p, key.len, &o)) {
		case MFM_JOIN_MATCHED:
			c->matched++;
			emit_joined(jn, &j, o, has_t, t, "matched");
			break;
		case MFM_JOIN_TAKEN:
			/* A repeated prediction id: the outcome went to the first. */
			c->taken++;
			emit_joined(jn, &j, NULL, 0, 0, "duplicate_id");
			break;
		case MFM_JOIN_NONE:
			c->unmatched++;
			emit_joined(jn, &j, NULL, 0, 0, "unmatched");
			break;
		}
	}
	if (mfm_reader_close(&r, &err) != 0)
		mfm_die_err(&err);
	mfm_json_release(&j);
	mfm_buf_release(&key);
}

static void
write_orphans(const struct mfm_join *jn, const char *path, struct counts *c)
{
	FILE *f = NULL;
	size_t i;

	if (path != NULL && (f = fopen(path, "w")) == NULL)
		mfm_die("%s: %s", path, strerror(errno));
	for (i = 0; i < jn->nout; i++) {
		const struct mfm_join_outcome *o = &jn->out[i];

		if (o->used)
			continue;
		c->orphans++;
		if (f != NULL) {
			fwrite(mfm_join_raw(jn, o), 1, o->len, f);
			fputc('\n', f);
		}
	}
	if (f != NULL && (ferror(f) | fclose(f)) != 0)
		mfm_die("%s: write error", path);
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct counts c = { 0 };
	struct mfm_join jn;
	int ch;

	mfm_cli_init("mfm-join", usage);
	while ((ch = getopt_long(argc, argv, MFM_CLI_SHORT "k:t:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'k':
			o.key = optarg;
			break;
		case OPT_OUTCOME_KEY:
			o.outcome_key = optarg;
			break;
		case 't':
			o.time = optarg;
			break;
		case OPT_OUTCOME_TIME:
			o.outcome_time = optarg;
			break;
		case OPT_TIME_UNIT:
			o.unit = optarg;
			break;
		case OPT_ORPHANS:
			o.orphans = optarg;
			break;
		case OPT_MAX_PENDING:
			o.max_pending = mfm_cli_size("--max-pending", optarg);
			break;
		default:
			mfm_cli_option(ch, optarg);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		mfm_usage_error("expected two operands: PREDICTIONS OUTCOMES");
	if (strcmp(argv[0], "-") == 0 && strcmp(argv[1], "-") == 0)
		mfm_usage_error("only one operand can be '-'");
	configure(&o);

	mfm_join_init(&jn, o.max_pending);
	load_outcomes(&jn, argv[1], &c);
	join_predictions(&jn, argv[0], &c);
	write_orphans(&jn, o.orphans, &c);
	if (mfm_cli.verbose)
		fprintf(stderr, "mfm-join: predictions %" PRIu64 " (matched %"
		    PRIu64 ", unmatched %" PRIu64 ", duplicate id %" PRIu64
		    "); outcomes %" PRIu64 " (matched %" PRIu64
		    ", duplicate %" PRIu64 ", orphan %" PRIu64 "); bad %"
		    PRIu64 "\n", c.preds, c.matched, c.unmatched, c.taken,
		    c.outcomes, c.matched, jn.nduplicate, c.orphans,
		    mfm_cli.nbad);
	mfm_join_release(&jn);
	return mfm_cli_finish(0);
}
