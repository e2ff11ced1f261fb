/*
 * Alert state per series (one rule on one group) for mfm-threshold: the
 * state machine behind for, keep_firing_for and hysteresis, the
 * baselines that need history (a reference window, the last K windows),
 * minimum support and the missing-data policy; and the text form of all
 * that for a state file (lib/state.h).
 *
 * A series is inactive, pending (breaching, fewer than "for" windows in
 * a row) or firing.  Each metric record moves every series it concerns
 * by one step, in order of window (start, then end).  A later revision
 * of the series' latest window (a final record after provisional ones, a
 * higher "revision", a provisional record with more records or labels)
 * takes that window's step again from the state before it, so that it
 * may fire, resolve or update the alert (mfm(7) LATE LABELS); a record
 * that repeats one already judged, or revises an older window, leaves
 * the series alone.  Provisional records are judged only by a rule with
 * a maturity, once mature.  An evaluation without a verdict
 * (insufficient data, or a missing metric under "missing: ignore")
 * leaves the state as it was, "for" count included; for a revision, as
 * the earlier revision left it.
 */
#ifndef MFM_TRACK_H
#define MFM_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/keymap.h"
#include "lib/context.h"
#include "lib/rule.h"

enum mfm_track_status {
	MFM_TRACK_SKIP = 0,	/* not this rule's record, or stale */
	MFM_TRACK_INACTIVE,
	MFM_TRACK_PENDING,
	MFM_TRACK_FIRING,
	MFM_TRACK_RESOLVED,
	MFM_TRACK_INSUFFICIENT,
	MFM_TRACK_NODATA,
	MFM_TRACK_PROVISIONAL	/* a provisional record, not judged */
};

/* The outcome of one evaluation, valid until the next one. */
struct mfm_track_result {
	enum mfm_track_status status;
	int stale;		/* SKIP: a repeat, or an older window */
	int revised;		/* judged a later revision of a window */
	int started;		/* FIRING that began with this window */
	int has_value;
	double value;
	double threshold;	/* effective: after the baseline */
	int has_clear;
	double clear;		/* effective clear threshold */
	int has_base;
	double base;
	int breach;		/* the verdict the state machine used */
	int has_ci;		/* significance: the interval used */
	double lo, hi;
	unsigned count;		/* PENDING: breaching windows so far;
				   FIRING kept: clear windows so far */
	const char *since;	/* FIRING, RESOLVED: first firing window */
	char reason[160];	/* INSUFFICIENT, NODATA */
};

/* What a step changes: the series' state machine and its history. */
struct mfm_track_snap {
	int state;		/* 0 inactive, 1 pending, 2 firing */
	unsigned nbreach;	/* breaching windows in a row */
	unsigned nclear;	/* clear windows in a row while firing */
	char *since;		/* owned or NULL: first firing window */
	int has_ref;		/* BASE_WINDOW: the reference value */
	double ref;
	double *hist;		/* BASE_LAST: ring of base_last values */
	unsigned nhist, head;
	int resolved;		/* has resolved once: a new alert is a flap */
};

/* Which revision of a window: later ones compare greater. */
struct mfm_track_rev {
	int final;		/* 0 for a provisional record */
	int64_t revision;
	double n, labelled;	/* provisional records grow */
};

struct mfm_track_series {
	size_t rule;		/* index in the rule set */
	char *canon;		/* owned: the group's canonical text */
	size_t canon_len;
	int64_t span;		/* its windows' length, or 0 */
	struct mfm_track_snap cur;
	/* The last window stepped, and the state from before its step. */
	char *last;		/* owned or NULL: its start */
	char *last_end;		/* owned or NULL: its end */
	struct mfm_track_rev last_rev;
	struct mfm_track_snap prev;
	int has_prev;
	int last_status;	/* enum mfm_track_status of its step */
	int last_counted;	/* what its step added: 1 alert, 2 flap, */
				/* 4 resolved */
};

struct mfm_track {
	struct mfm_rule_set *rules;	/* borrowed */
	struct mfm_keymap map;		/* "name\0canon" -> series index */
	struct mfm_track_series *s;
	size_t n, cap;
	size_t max;			/* series at most */
	uint64_t nstale;		/* repeats and older windows skipped */
	uint64_t njudged;		/* steps with a verdict */
	uint64_t nundecided;		/* insufficient data, no data */
	uint64_t ndropped;		/* loaded series of unknown rules */
	struct mfm_buf key, text;
};

void mfm_track_init(struct mfm_track *t, struct mfm_rule_set *rules,
    size_t max);
void mfm_track_release(struct mfm_track *t);
/*
 * Evaluate rule ri of the set on rec and step its series.  Fails with
 * MFM_ERR_LIMIT "more than N alert series" when a new series would pass
 * the cap (the record is then the caller's to report).
 */
int mfm_track_eval(struct mfm_track *t, size_t ri,
    const struct mfm_rule_rec *rec, struct mfm_track_result *res,
    struct mfm_err *err);
/* How many series are firing now. */
size_t mfm_track_firing(const struct mfm_track *t);
/* "firing", "resolved", "pending", "inactive", "insufficient_data"... */
const char *mfm_track_status_name(enum mfm_track_status s);
/*
 * Append the event (compact JSON, no newline) for res.  With a context
 * entry (see lib/context.h), its sentence ends the summary and its
 * members go in a "context" member.
 */
void mfm_track_event(struct mfm_buf *b, const struct mfm_rule *r,
    const struct mfm_rule_rec *rec, const struct mfm_track_result *res,
    const struct mfm_context_entry *ctx);
/*
 * Append backtest line i (no newline): for rule i, or for all rules when
 * i is the number of rules.  Returns the line's count of alerts.
 * Alerts are series that began firing, flaps those of them that had
 * resolved before, notifications alerts plus resolved notices (what a
 * receiver that sends resolved notices and no repeats would get).
 */
uint64_t mfm_track_backtest(const struct mfm_track *t, size_t i,
    struct mfm_buf *out);
/* Append every series, one JSON object a line, for a state file. */
void mfm_track_dump(const struct mfm_track *t, struct mfm_buf *out);
/*
 * Read what mfm_track_dump wrote; body[len] must be readable, as for
 * mfm_json_parse (mfm_state_open ends the body with a NUL).  Series of
 * rules no longer in the set are counted in ndropped and forgotten.  MFM_ERR_DATA with err->line
 * (1-based within body) on a line that is not a valid series.
 */
int mfm_track_load(struct mfm_track *t, const char *body, size_t len,
    struct mfm_err *err);

#endif
