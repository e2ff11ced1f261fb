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

struct mfm_rule {
	char *name;		/* owned; by default the normalized expr */
	char *metric;		/* owned; "n" and "labelled": the counts */
	size_t metric_len;
	enum mfm_rule_op op;
	double threshold;	/* finite */
	enum mfm_rule_severity severity;
	/* Run counters, kept by mfm_rule_check. */
	uint64_t nseen;		/* records with the metric, even null */
	uint64_t nbreach;	/* records the rule breached */
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
	int window, group, metrics, n, labelled;
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

/* Text to enum and back; the parsers return -1 on an unknown name. */
int mfm_rule_op_parse(const char *s, size_t n, enum mfm_rule_op *op);
const char *mfm_rule_op_name(enum mfm_rule_op op);
int mfm_rule_severity_parse(const char *s, enum mfm_rule_severity *sev);
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

#endif
