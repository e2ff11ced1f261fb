/*
 * The rule engine of mfm-threshold: rules ("auc < 0.7") parsed from
 * expressions or from the configuration, and tested against metric
 * records.  No I/O here: the command reads the records, this module says
 * which rules breach and writes the alert events.
 *
 * Evaluation is split in three steps so that later stages (a rule that
 * must breach for N windows, hysteresis, baselines) can sit between
 * them: mfm_rule_rec_load() reads a record once for all rules,
 * mfm_rule_check() gives a rule's verdict on it, and mfm_rule_event()
 * writes the event for a verdict the caller decided to report.
 *
 * Fingerprint: 64-bit FNV-1a over the rule name, one 0 byte, and the
 * canonical text of the record's "group" (compact JSON, object members
 * sorted by key bytes at every level, strings re-encoded by the writer,
 * numbers and literals as written).  So it names one rule on one group,
 * whatever the member order or spacing and whichever window the record
 * is for; it is printed as 16 lowercase hex digits.
 */
#ifndef MFM_RULE_H
#define MFM_RULE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/cfg.h"
#include "lib/err.h"
#include "lib/json.h"
#include "lib/keymap.h"
#include "lib/opt.h"

/* Caps on window counts in a rule: for, keep_firing_for, last. */
#define MFM_RULE_MAX_WINDOWS	1000000
#define MFM_RULE_MAX_LAST	10000
/*
 * Minimum support when a rule sets none (mfm(7) LATE LABELS): labelled
 * records for any metric computed from labels, and records of each class
 * for the rank metrics (auc, pr_auc).
 */
#define MFM_RULE_MIN_LABELLED	30
#define MFM_RULE_MIN_PER_CLASS	10

enum mfm_rule_op {
	MFM_RULE_LT = 0,
	MFM_RULE_LE,
	MFM_RULE_GT,
	MFM_RULE_GE,
	MFM_RULE_EQ,
	MFM_RULE_NE
};

enum mfm_rule_severity {
	MFM_RULE_INFO = 0,
	MFM_RULE_WARNING,
	MFM_RULE_CRITICAL
};

/* What a rule says about one record. */
enum mfm_rule_verdict {
	MFM_RULE_ABSENT = 0,	/* no such metric in the record */
	MFM_RULE_NULL,		/* null: undefined in the window */
	MFM_RULE_OK,		/* a value, within bounds */
	MFM_RULE_BREACH		/* a value, and value OP threshold */
};

/* What a null or absent metric counts as (the rule's "missing"). */
enum mfm_rule_missing {
	MFM_RULE_MISSING_IGNORE = 0,	/* no verdict: state unchanged */
	MFM_RULE_MISSING_BREACHING,	/* a breach */
	MFM_RULE_MISSING_OK		/* within bounds */
};

/* Where the rule's reference value comes from (its "baseline"). */
enum mfm_rule_base {
	MFM_RULE_BASE_NONE = 0,
	MFM_RULE_BASE_WINDOW,	/* the group's value in one window */
	MFM_RULE_BASE_FILE,	/* the group's value in a reference file */
	MFM_RULE_BASE_LAST	/* mean and deviation of the last K windows */
};

/*
 * How the threshold reads against the baseline ("compare"): the value
 * itself, the change from the baseline, the change in percent of the
 * baseline, or the change in standard deviations of the last K windows.
 * Each turns into a threshold on the metric's own scale, so the
 * comparison is always "value OP effective threshold".
 */
enum mfm_rule_compare {
	MFM_RULE_CMP_VALUE = 0,
	MFM_RULE_CMP_CHANGE,
	MFM_RULE_CMP_PERCENT,
	MFM_RULE_CMP_SIGMA
};

/* One group matcher: the group's member key must have this value. */
struct mfm_rule_match {
	char *key;		/* owned */
	char *value;		/* owned; a string's text, else its JSON */
};

struct mfm_rule {
	char *name;		/* owned; by default the normalized expr */
	char *metric;		/* owned; "n" and "labelled": the counts */
	size_t metric_len;
	enum mfm_rule_op op;
	double threshold;	/* finite */
	enum mfm_rule_severity severity;
	/* Conditions; zero values mean "not set". */
	struct mfm_rule_match *match;	/* owned, nmatch of them, all hold */
	size_t nmatch;
	double min_count;	/* n below it: insufficient data; 0: none */
	double min_positives;	/* positives below it: likewise */
	int has_min_labelled;	/* else MFM_RULE_MIN_LABELLED, where known */
	double min_labelled;	/* labelled below it: likewise */
	int has_min_per_class;	/* else MFM_RULE_MIN_PER_CLASS, likewise */
	double min_per_class;	/* positives or negatives below it */
	int has_maturity;	/* judge provisional records once mature */
	int64_t maturity;	/* microseconds past the window's end */
	unsigned for_n;		/* breaching windows before firing (>= 1) */
	unsigned keep_firing;	/* clear windows before resolving */
	int has_clear;		/* hysteresis: resolve only past clear */
	double clear;
	enum mfm_rule_missing missing;
	int significance;	/* breach only when the whole CI does */
	enum mfm_rule_base base;
	char *base_window;	/* owned; BASE_WINDOW: the window's start */
	char *base_file;	/* owned; BASE_FILE: the path */
	unsigned base_last;	/* BASE_LAST: K */
	enum mfm_rule_compare cmp;
	struct mfm_keymap base_ref;	/* BASE_FILE: group -> base_val[] */
	double *base_val;
	size_t nbase_val, base_cap;
	/* Run counters, kept by mfm_rule_check and the tracker. */
	uint64_t nseen;		/* records with the metric, even null */
	uint64_t nbreach;	/* records the rule breached */
	uint64_t nwindows;	/* evaluations that changed or kept state */
	uint64_t nalerts;	/* transitions into firing */
	uint64_t nresolved;	/* transitions out of firing */
	uint64_t nflaps;	/* alerts of a series that had resolved */
	uint64_t ninsufficient;	/* insufficient_data verdicts */
	uint64_t nrepeat;	/* records judged before, skipped */
	uint64_t nsuperseded;	/* revisions of windows older than the last */
	uint64_t nprovisional;	/* provisional records not yet mature */
};

/* The rules of a run, in order; names are unique. */
struct mfm_rule_set {
	struct mfm_rule *rule;
	size_t n, cap;
};

/*
 * One metric record, read once for all rules.  Token indices are -1 when
 * the member is absent.  Valid while the parsed line is.
 */
struct mfm_rule_rec {
	const struct mfm_json *j;
	int window, group, metrics, n, labelled, ci, positives, negatives;
	int revision, provisional, as_of;	/* mfm(7) LATE LABELS */
	struct mfm_buf canon;	/* the group's canonical text */
	struct mfm_buf scratch;
};

/*
 * Parse "METRIC OP NUMBER" into r (released first is not needed: r is
 * overwritten).  White space around the parts is optional.  METRIC is
 * letters, digits and "_.-@/", starting with a letter or '_'; OP one of
 * < <= > >= == !=; NUMBER a finite decimal number.  r gets the
 * normalized expression as its name and severity warning.  On error
 * returns -1 with MFM_ERR_USAGE and a message such as
 * "invalid rule 'auc <': expected a number".
 */
int mfm_rule_parse(struct mfm_rule *r, const char *expr, struct mfm_err *err);
/*
 * Build r from one item of a configuration "rules" list: a mapping with
 * keys name, expr (or metric, op and value) and severity.  Errors are
 * positioned at the node that is wrong.
 */
int mfm_rule_from_cfg(struct mfm_rule *r, const struct mfm_cfg_node *n,
    struct mfm_err *err);
void mfm_rule_release(struct mfm_rule *r);
/*
 * Check the combination of r's conditions (a clear threshold on the safe
 * side, compare with a baseline...); MFM_ERR_USAGE when wrong.
 */
int mfm_rule_check_conditions(const struct mfm_rule *r, struct mfm_err *err);
/* Add a group matcher key=value; -1 for an empty key. */
int mfm_rule_add_match(struct mfm_rule *r, const char *key, size_t klen,
    const char *value);
/* "ignore", "breaching", "not_breaching"; -1 for anything else. */
int mfm_rule_missing_parse(const char *s, enum mfm_rule_missing *m);

/* Text to enum and back; the parsers return -1 on an unknown name. */
int mfm_rule_op_parse(const char *s, size_t n, enum mfm_rule_op *op);
const char *mfm_rule_op_name(enum mfm_rule_op op);
int mfm_rule_severity_parse(const char *s, enum mfm_rule_severity *sev);
/* The names of severities and missing-value policies, for options. */
extern const struct mfm_opt_name mfm_rule_severities[];
extern const struct mfm_opt_name mfm_rule_missings[];
const char *mfm_rule_severity_name(enum mfm_rule_severity sev);

/* Does value OP threshold hold?  A NaN value never does. */
int mfm_rule_test(enum mfm_rule_op op, double value, double threshold);

void mfm_rule_set_init(struct mfm_rule_set *s);
void mfm_rule_set_release(struct mfm_rule_set *s);
/*
 * Append r, taking ownership of its strings (r is left empty).  A name
 * already in the set is an error "duplicate rule name 'x'", and r is
 * released: two rules with one name would share their fingerprints.
 */
int mfm_rule_set_take(struct mfm_rule_set *s, struct mfm_rule *r,
    struct mfm_err *err);
/*
 * Append every rule of a configuration "rules" list (a sequence of
 * mappings), errors positioned as for mfm_rule_from_cfg.
 */
int mfm_rule_set_add_cfg(struct mfm_rule_set *s,
    const struct mfm_cfg_node *rules, struct mfm_err *err);

void mfm_rule_rec_init(struct mfm_rule_rec *rec);
void mfm_rule_rec_release(struct mfm_rule_rec *rec);
/*
 * Read a parsed record.  Returns 1 for a metric record; 0 for a control
 * record (one with the reserved top-level member "_mfm"), which the
 * caller passes over; -1 with MFM_ERR_DATA for a bad record: no
 * "metrics" object, a metric that is neither a number nor null, a
 * "window" or "group" that is not an object, counts that are not numbers.
 */
int mfm_rule_rec_load(struct mfm_rule_rec *rec, const struct mfm_json *j,
    struct mfm_err *err);

/* Verdict of r on rec; the metric's value in *value for OK and BREACH. */
enum mfm_rule_verdict mfm_rule_check(struct mfm_rule *r,
    const struct mfm_rule_rec *rec, double *value);
/*
 * Does rec's group satisfy r's matchers?  A member that is absent fails;
 * a string member compares by its text, any other by its JSON text.
 */
int mfm_rule_matches(const struct mfm_rule *r, const struct mfm_rule_rec *rec);
/*
 * The confidence interval of r's metric in rec ("ci":{"auc":[lo,hi]}):
 * 0 with *lo and *hi, -1 when the record has none for it.
 */
int mfm_rule_ci(const struct mfm_rule *r, const struct mfm_rule_rec *rec,
    double *lo, double *hi);
/*
 * The count of actual positives in rec: its top-level "positives", else
 * the sum of its metrics "tp" and "fn"; -1 when it has neither.
 */
int mfm_rule_positives(const struct mfm_rule_rec *rec, double *out);
/* The count of actual negatives in rec, "negatives", or tn + fp; or -1. */
int mfm_rule_negatives(const struct mfm_rule_rec *rec, double *out);
/*
 * Is r's metric computed from labels (so that minimum support applies)?
 * All are but n, labelled, positive_rate, the label health and the
 * estimates of mfm-estimate.  Is it a rank metric (auc, pr_auc)?
 */
int mfm_rule_from_labels(const struct mfm_rule *r);
int mfm_rule_rank_metric(const struct mfm_rule *r);
/* Is rec provisional ("provisional":true)? */
int mfm_rule_rec_provisional(const struct mfm_rule_rec *rec);
/* rec's revision: its "revision", 0 when absent. */
int64_t mfm_rule_rec_revision(const struct mfm_rule_rec *rec);
/* The start of rec's window as text, or NULL (*n its length). */
const char *mfm_rule_window_start(const struct mfm_rule_rec *rec,
    size_t *n);
/* The end of rec's window as text, or NULL (*n its length). */
const char *mfm_rule_window_end(const struct mfm_rule_rec *rec, size_t *n);
/*
 * Record a reference value for BASE_FILE rule r from rec (a record of
 * the reference file): the last value for a group wins.  Null and
 * absent values are passed over.
 */
void mfm_rule_base_add(struct mfm_rule *r, const struct mfm_rule_rec *rec);
/* The reference value of rec's group for BASE_FILE rule r: 0, or -1. */
int mfm_rule_base_find(const struct mfm_rule *r,
    const struct mfm_rule_rec *rec, double *out);
/*
 * Append the canonical text of value t of j: objects with their members
 * sorted by decoded key, strings re-encoded by the writer, the rest as
 * written.  Groups are compared in this form.
 */
void mfm_rule_canon(struct mfm_buf *b, const struct mfm_json *j, int t);
/* The fingerprint of a rule name on a group's canonical text. */
uint64_t mfm_rule_fingerprint_of(const char *name, const char *canon,
    size_t len);
/* The fingerprint of r on rec's group (see the top of this file). */
uint64_t mfm_rule_fingerprint(const struct mfm_rule *r,
    const struct mfm_rule_rec *rec);
/*
 * Append the alert event (compact JSON, no newline) for r on rec with
 * status ("firing") and the metric's value.  The record's window, group
 * and counts are copied as written, less white space outside strings.
 */
void mfm_rule_event(struct mfm_buf *b, const struct mfm_rule *r,
    const struct mfm_rule_rec *rec, const char *status, double value);
/*
 * The same event's members up to "fingerprint" (no summary, no closing
 * brace), with value null when has_value is 0 and the given threshold,
 * for events that append members of their own.
 */
void mfm_rule_event_head(struct mfm_buf *b, const struct mfm_rule *r,
    const struct mfm_rule_rec *rec, const char *status, int has_value,
    double value, double threshold);
/*
 * Append value for a sentence about "value OP threshold": four
 * significant digits, more when four would make the sentence false.
 */
void mfm_rule_put_number(struct mfm_buf *b, enum mfm_rule_op op,
    double value, double threshold);
/*
 * Append " for GROUP in window START/END" as the summary ends: the
 * group's members in input order, "all traffic" for an empty group; the
 * window part only when it has string start and end.
 */
void mfm_rule_put_where(struct mfm_buf *b, const struct mfm_rule_rec *rec);

#endif
