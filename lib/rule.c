/*
 * The rule engine of mfm-threshold; see rule.h.
 *
 * A rule is kept as parsed (metric name, operator, threshold) and never
 * re-read from its text.  A record is read once for all rules: its
 * members are found, its metrics checked to be numbers or null, and its
 * group written in canonical form for the fingerprints; each rule then
 * costs one member lookup.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/rule.h"
#include "lib/banned.h"

#define FNV_OFFSET	UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME	UINT64_C(0x100000001b3)

/* Longest quoted text in a message, so the reason after it survives. */
#define QUOTE_MAX	64

static const char *const op_names[] = { "<", "<=", ">", ">=", "==", "!=" };
const struct mfm_opt_name mfm_rule_severities[] = {
	{ "info", MFM_RULE_INFO }, { "warning", MFM_RULE_WARNING },
	{ "critical", MFM_RULE_CRITICAL }, { NULL, 0 }
};

const struct mfm_opt_name mfm_rule_missings[] = {
	{ "ignore", MFM_RULE_MISSING_IGNORE },
	{ "breaching", MFM_RULE_MISSING_BREACHING },
	{ "not_breaching", MFM_RULE_MISSING_OK }, { NULL, 0 }
};

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_op_char(char c)
{
	return c == '<' || c == '>' || c == '=' || c == '!';
}

/* Length of the metric name at the start of s, 0 if there is none. */
static size_t
metric_span(const char *s)
{
	size_t n = 0;

	if (!is_alpha(s[0]))
		return 0;
	while (is_alpha(s[n]) || is_digit(s[n]) || s[n] == '.' ||
	    s[n] == '-' || s[n] == '@' || s[n] == '/')
		n++;
	return n;
}

/*
 * Length of the decimal number at the start of s, 0 if there is none:
 * an optional sign, digits with an optional point (at least one digit),
 * an optional exponent.  strtod alone would also take "nan", "inf" and
 * hexadecimal, which are no thresholds.
 */
static size_t
number_span(const char *s)
{
	size_t n = 0, digits = 0, e;

	if (s[n] == '+' || s[n] == '-')
		n++;
	for (; is_digit(s[n]); n++)
		digits++;
	if (s[n] == '.')
		for (n++; is_digit(s[n]); n++)
			digits++;
	if (digits == 0)
		return 0;
	if (s[n] == 'e' || s[n] == 'E') {
		e = n + 1;
		if (s[e] == '+' || s[e] == '-')
			e++;
		if (is_digit(s[e])) {
			while (is_digit(s[e]))
				e++;
			n = e;
		}
	}
	return n;
}

int
mfm_rule_op_parse(const char *s, size_t n, enum mfm_rule_op *op)
{
	size_t i;

	for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
		if (strlen(op_names[i]) == n &&
		    memcmp(op_names[i], s, n) == 0) {
			*op = (enum mfm_rule_op)i;
			return 0;
		}
	return -1;
}

const char *
mfm_rule_op_name(enum mfm_rule_op op)
{
	return op_names[op];
}

int
mfm_rule_severity_parse(const char *s, enum mfm_rule_severity *sev)
{
	int v;

	if (mfm_opt_name_find(mfm_rule_severities, s, &v) != 0)
		return -1;
	*sev = (enum mfm_rule_severity)v;
	return 0;
}

const char *
mfm_rule_severity_name(enum mfm_rule_severity sev)
{
	return mfm_opt_name_of(mfm_rule_severities, (int)sev);
}

int
mfm_rule_test(enum mfm_rule_op op, double value, double threshold)
{
	/* Every comparison with NaN is false but !=, which must not fire. */
	if (value != value)
		return 0;
	switch (op) {
	case MFM_RULE_LT:
		return value < threshold;
	case MFM_RULE_LE:
		return value <= threshold;
	case MFM_RULE_GT:
		return value > threshold;
	case MFM_RULE_GE:
		return value >= threshold;
	case MFM_RULE_EQ:
		return value == threshold;
	case MFM_RULE_NE:
		return value != threshold;
	}
	return 0;
}

/* Parse a finite decimal number of exactly n bytes. */
static int
parse_threshold(const char *s, size_t n, double *out)
{
	char small[64], *copy;
	double v;
	int rc = 0;

	copy = n < sizeof(small) ? small : mfm_xmalloc(n + 1);
	memcpy(copy, s, n);
	copy[n] = '\0';
	errno = 0;
	/* mfm never calls setlocale(), so '.' is the decimal point. */
	v = strtod(copy, NULL);
	if (errno == ERANGE && (v > 1 || v < -1))
		rc = -1;
	if (copy != small)
		free(copy);
	*out = v;
	return rc;
}

/* Set the parts of r and the normalized name "metric op threshold". */
static void
rule_set(struct mfm_rule *r, const char *metric, size_t mlen,
    enum mfm_rule_op op, double threshold)
{
	struct mfm_buf b = MFM_BUF_INIT;

	memset(r, 0, sizeof(*r));
	r->metric = mfm_xmemdup(metric, mlen);
	r->metric_len = mlen;
	r->op = op;
	r->threshold = threshold;
	r->severity = MFM_RULE_WARNING;
	r->for_n = 1;
	mfm_buf_add(&b, metric, mlen);
	mfm_buf_addf(&b, " %s ", op_names[op]);
	mfm_json_put_double(&b, threshold);
	r->name = mfm_buf_detach(&b);
}

static int
bad_expr(struct mfm_err *err, const char *expr, const char *why)
{
	size_t n = strlen(expr);

	if (n > QUOTE_MAX)
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "invalid rule '%.*s...': %s", QUOTE_MAX, expr, why);
	return mfm_err_set(err, MFM_ERR_USAGE, "invalid rule '%s': %s",
	    expr, why);
}

int
mfm_rule_parse(struct mfm_rule *r, const char *expr, struct mfm_err *err)
{
	const char *s = expr, *metric, *op;
	size_t mlen, oplen, nlen;
	enum mfm_rule_op o;
	double v;

	while (is_space(*s))
		s++;
	metric = s;
	mlen = metric_span(s);
	if (mlen == 0)
		return bad_expr(err, expr, "expected a metric name");
	s += mlen;
	if (*s != '\0' && !is_space(*s) && !is_op_char(*s))
		return bad_expr(err, expr, "invalid character in metric name");
	while (is_space(*s))
		s++;
	op = s;
	for (oplen = 0; is_op_char(s[oplen]); oplen++)
		continue;
	if (oplen == 0)
		return bad_expr(err, expr,
		    "expected an operator (< <= > >= == !=)");
	if (mfm_rule_op_parse(op, oplen, &o) != 0)
		return bad_expr(err, expr,
		    "invalid operator (< <= > >= == !=)");
	s += oplen;
	while (is_space(*s))
		s++;
	nlen = number_span(s);
	if (nlen == 0)
		return bad_expr(err, expr, "expected a number");
	if (parse_threshold(s, nlen, &v) != 0)
		return bad_expr(err, expr, "number out of range");
	s += nlen;
	while (is_space(*s))
		s++;
	if (*s != '\0')
		return bad_expr(err, expr, "unexpected text after the number");
	rule_set(r, metric, mlen, o, v);
	return 0;
}

void
mfm_rule_release(struct mfm_rule *r)
{
	size_t i;

	if (r == NULL)
		return;

	free(r->name);
	free(r->metric);
	for (i = 0; i < r->nmatch; i++) {
		free(r->match[i].key);
		free(r->match[i].value);
	}
	free(r->match);
	free(r->base_window);
	free(r->base_file);
	mfm_keymap_release(&r->base_ref);
	free(r->base_val);
	memset(r, 0, sizeof(*r));
}

/* Configuration. */

/* Re-position err (already filled) at node n, keeping its message. */
static int
cfg_at(const struct mfm_cfg_node *n, struct mfm_err *err)
{
	char msg[sizeof(err->msg)];

	memcpy(msg, err->msg, sizeof(msg));
	return mfm_cfg_err(n, err, "%s", msg);
}

static int
cfg_string(const struct mfm_cfg_node *n, const char **out,
    struct mfm_err *err)
{
	if (n == NULL)
		return 0;
	if (n->type != MFM_CFG_SCALAR)
		return mfm_cfg_err(n, err, "expected a string");
	return mfm_cfg_str(n, out, err);
}

int
mfm_rule_missing_parse(const char *s, enum mfm_rule_missing *m)
{
	int v;

	if (mfm_opt_name_find(mfm_rule_missings, s, &v) != 0)
		return -1;
	*m = (enum mfm_rule_missing)v;
	return 0;
}

int
mfm_rule_add_match(struct mfm_rule *r, const char *key, size_t klen,
    const char *value)
{
	if (klen == 0)
		return -1;
	r->match = mfm_xreallocarray(r->match, r->nmatch + 1,
	    sizeof(*r->match));
	r->match[r->nmatch].key = mfm_xmemdup(key, klen);
	r->match[r->nmatch].value = mfm_xstrdup(value);
	r->nmatch++;
	return 0;
}

/* A count from the configuration: an integer from lo to hi. */
static int
cfg_count(const struct mfm_cfg_node *n, long long lo, long long hi,
    long long *out, struct mfm_err *err)
{
	if (n == NULL)
		return 0;
	return mfm_cfg_int(n, lo, hi, out, err);
}

int
mfm_rule_check_conditions(const struct mfm_rule *r, struct mfm_err *err)
{
	if (r->has_clear) {
		if (r->op == MFM_RULE_EQ || r->op == MFM_RULE_NE)
			return mfm_err_set(err, MFM_ERR_USAGE,
			    "'clear' needs an operator < <= > or >=");
		if ((r->op == MFM_RULE_LT || r->op == MFM_RULE_LE) ?
		    r->clear < r->threshold : r->clear > r->threshold)
			return mfm_err_set(err, MFM_ERR_USAGE,
			    "'clear' must be on the safe side of the "
			    "threshold: %s the rule's %.15g",
			    r->op == MFM_RULE_LT || r->op == MFM_RULE_LE ?
			    ">=" : "<=", r->threshold);
	}
	if (r->significance && (r->op == MFM_RULE_EQ || r->op == MFM_RULE_NE))
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "'significance' needs an operator < <= > or >=");
	if (r->cmp != MFM_RULE_CMP_VALUE && r->base == MFM_RULE_BASE_NONE)
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "'compare' needs a 'baseline'");
	if (r->cmp == MFM_RULE_CMP_SIGMA && r->base != MFM_RULE_BASE_LAST)
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "'compare: sigma' needs a 'baseline' of 'last' windows");
	if (r->cmp == MFM_RULE_CMP_SIGMA && r->base_last < 2)
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "'compare: sigma' needs at least 2 'last' windows");
	return 0;
}

static int
cfg_baseline(struct mfm_rule *r, const struct mfm_cfg_node *b,
    struct mfm_err *err)
{
	static const char *const known[] = { "window", "file", "last", NULL };
	const struct mfm_cfg_node *w, *f, *l;
	const char *s = NULL;
	long long k = 0;

	if (b->type != MFM_CFG_MAP || b->n != 1)
		return mfm_cfg_err(b, err, "expected one of 'window', 'file' "
		    "or 'last' in 'baseline'");
	if (mfm_cfg_check_keys(b, known, err) != 0)
		return -1;
	w = mfm_cfg_get(b, "window");
	f = mfm_cfg_get(b, "file");
	l = mfm_cfg_get(b, "last");
	if (w != NULL) {
		if (cfg_string(w, &s, err) != 0)
			return -1;
		if (*s == '\0')
			return mfm_cfg_err(w, err, "empty window start");
		r->base = MFM_RULE_BASE_WINDOW;
		r->base_window = mfm_xstrdup(s);
	} else if (f != NULL) {
		if (cfg_string(f, &s, err) != 0)
			return -1;
		if (*s == '\0')
			return mfm_cfg_err(f, err, "empty file name");
		r->base = MFM_RULE_BASE_FILE;
		r->base_file = mfm_xstrdup(s);
	} else {
		if (cfg_count(l, 1, MFM_RULE_MAX_LAST, &k, err) != 0)
			return -1;
		r->base = MFM_RULE_BASE_LAST;
		r->base_last = (unsigned)k;
	}
	return 0;
}

/* The keys beyond the comparison: matchers, support, timing, baseline. */
static int
cfg_conditions(struct mfm_rule *r, const struct mfm_cfg_node *n,
    struct mfm_err *err)
{
	const struct mfm_cfg_node *m, *v;
	const char *s;
	long long k;
	int b;
	size_t i;

	if ((m = mfm_cfg_get(n, "match")) != NULL) {
		if (m->type != MFM_CFG_MAP)
			return mfm_cfg_err(m, err, "expected a mapping of "
			    "group members to values");
		for (i = 0; i < m->n; i++) {
			if (cfg_string(m->items[i], &s, err) != 0)
				return -1;
			mfm_rule_add_match(r, m->keys[i], strlen(m->keys[i]),
			    s);
		}
	}
	k = 0;
	if (cfg_count(mfm_cfg_get(n, "min_count"), 0, INT64_MAX, &k, err))
		return -1;
	r->min_count = (double)k;
	k = 0;
	if (cfg_count(mfm_cfg_get(n, "min_positives"), 0, INT64_MAX, &k,
	    err))
		return -1;
	r->min_positives = (double)k;
	if ((v = mfm_cfg_get(n, "min_labelled")) != NULL) {
		if (cfg_count(v, 0, INT64_MAX, &k, err))
			return -1;
		r->min_labelled = (double)k;
		r->has_min_labelled = 1;
	}
	if ((v = mfm_cfg_get(n, "min_per_class")) != NULL) {
		if (cfg_count(v, 0, INT64_MAX, &k, err))
			return -1;
		r->min_per_class = (double)k;
		r->has_min_per_class = 1;
	}
	if ((v = mfm_cfg_get(n, "maturity")) != NULL) {
		if (mfm_cfg_duration(v, 1, &r->maturity, err) != 0)
			return -1;
		r->has_maturity = 1;
	}
	k = 1;
	if (cfg_count(mfm_cfg_get(n, "for"), 1, MFM_RULE_MAX_WINDOWS, &k,
	    err))
		return -1;
	r->for_n = (unsigned)k;
	k = 0;
	if (cfg_count(mfm_cfg_get(n, "keep_firing_for"), 0,
	    MFM_RULE_MAX_WINDOWS, &k, err))
		return -1;
	r->keep_firing = (unsigned)k;
	if ((v = mfm_cfg_get(n, "clear")) != NULL) {
		if (mfm_cfg_double(v, &r->clear, err) != 0)
			return -1;
		r->has_clear = 1;
	}
	if ((v = mfm_cfg_get(n, "missing")) != NULL) {
		if (cfg_string(v, &s, err) != 0)
			return -1;
		if (mfm_rule_missing_parse(s, &r->missing) != 0)
			return mfm_cfg_err(v, err, "invalid missing policy "
			    "'%.*s' (ignore, breaching or not_breaching)",
			    QUOTE_MAX, s);
	}
	if ((v = mfm_cfg_get(n, "significance")) != NULL) {
		if (mfm_cfg_bool(v, &b, err) != 0)
			return -1;
		r->significance = b;
	}
	if ((v = mfm_cfg_get(n, "baseline")) != NULL &&
	    cfg_baseline(r, v, err) != 0)
		return -1;
	if ((v = mfm_cfg_get(n, "compare")) != NULL) {
		if (cfg_string(v, &s, err) != 0)
			return -1;
		if (strcmp(s, "value") == 0)
			r->cmp = MFM_RULE_CMP_VALUE;
		else if (strcmp(s, "change") == 0)
			r->cmp = MFM_RULE_CMP_CHANGE;
		else if (strcmp(s, "percent") == 0)
			r->cmp = MFM_RULE_CMP_PERCENT;
		else if (strcmp(s, "sigma") == 0)
			r->cmp = MFM_RULE_CMP_SIGMA;
		else
			return mfm_cfg_err(v, err, "invalid comparison "
			    "'%.*s' (value, change, percent or sigma)",
			    QUOTE_MAX, s);
	}
	if (mfm_rule_check_conditions(r, err) != 0)
		return cfg_at(n, err);
	return 0;
}

int
mfm_rule_from_cfg(struct mfm_rule *r, const struct mfm_cfg_node *n,
    struct mfm_err *err)
{
	static const char *const known[] = {
		"name", "expr", "metric", "op", "value", "severity", "match",
		"min_count", "min_positives", "min_labelled",
		"min_per_class", "maturity", "for", "keep_firing_for",
		"clear", "missing", "significance", "baseline", "compare",
		NULL
	};
	const struct mfm_cfg_node *nname, *nexpr, *nmetric, *nop, *nvalue;
	const struct mfm_cfg_node *nsev;
	const char *name = NULL, *expr = NULL, *metric = NULL, *op = NULL;
	const char *sev = NULL;
	enum mfm_rule_op o;
	enum mfm_rule_severity sv = MFM_RULE_WARNING;
	double v = 0;

	memset(r, 0, sizeof(*r));
	if (n->type != MFM_CFG_MAP)
		return mfm_cfg_err(n, err,
		    "expected a rule (a mapping with 'expr' or 'metric')");
	if (mfm_cfg_check_keys(n, known, err) != 0)
		return -1;
	nname = mfm_cfg_get(n, "name");
	nexpr = mfm_cfg_get(n, "expr");
	nmetric = mfm_cfg_get(n, "metric");
	nop = mfm_cfg_get(n, "op");
	nvalue = mfm_cfg_get(n, "value");
	nsev = mfm_cfg_get(n, "severity");
	if (cfg_string(nname, &name, err) != 0 ||
	    cfg_string(nexpr, &expr, err) != 0 ||
	    cfg_string(nmetric, &metric, err) != 0 ||
	    cfg_string(nop, &op, err) != 0 ||
	    cfg_string(nsev, &sev, err) != 0)
		return -1;
	if (nname != NULL && *name == '\0')
		return mfm_cfg_err(nname, err, "empty rule name");
	if (sev != NULL && mfm_rule_severity_parse(sev, &sv) != 0)
		return mfm_cfg_err(nsev, err,
		    "invalid severity '%.*s' (info, warning or critical)",
		    QUOTE_MAX, sev);
	if (nexpr != NULL) {
		const struct mfm_cfg_node *extra = nmetric ? nmetric :
		    nop ? nop : nvalue;

		if (extra != NULL)
			return mfm_cfg_err(extra, err,
			    "give 'expr' or 'metric', 'op' and 'value', "
			    "not both");
		if (mfm_rule_parse(r, expr, err) != 0)
			return cfg_at(nexpr, err);
	} else {
		if (nmetric == NULL)
			return mfm_cfg_err(n, err,
			    "rule needs 'expr', or 'metric', 'op' and 'value'");
		if (nop == NULL)
			return mfm_cfg_err(n, err, "rule needs 'op'");
		if (nvalue == NULL)
			return mfm_cfg_err(n, err, "rule needs 'value'");
		if (metric_span(metric) != strlen(metric) || *metric == '\0')
			return mfm_cfg_err(nmetric, err,
			    "invalid metric name '%.*s'", QUOTE_MAX, metric);
		if (mfm_rule_op_parse(op, strlen(op), &o) != 0)
			return mfm_cfg_err(nop, err,
			    "invalid operator '%.*s' (< <= > >= == !=)",
			    QUOTE_MAX, op);
		if (mfm_cfg_double(nvalue, &v, err) != 0)
			return -1;
		if (v != v || v > 1.7976931348623157e308 ||
		    v < -1.7976931348623157e308)
			return mfm_cfg_err(nvalue, err,
			    "expected a finite number");
		rule_set(r, metric, strlen(metric), o, v);
	}
	r->severity = sv;
	if (name != NULL) {
		free(r->name);
		r->name = mfm_xstrdup(name);
	}
	return cfg_conditions(r, n, err);
}

/* Rule sets. */

void
mfm_rule_set_init(struct mfm_rule_set *s)
{
	memset(s, 0, sizeof(*s));
}

void
mfm_rule_set_release(struct mfm_rule_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		mfm_rule_release(&s->rule[i]);
	free(s->rule);
	memset(s, 0, sizeof(*s));
}

int
mfm_rule_set_take(struct mfm_rule_set *s, struct mfm_rule *r,
    struct mfm_err *err)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->rule[i].name, r->name) == 0) {
			mfm_err_set(err, MFM_ERR_USAGE,
			    "duplicate rule name '%.*s'", QUOTE_MAX, r->name);
			mfm_rule_release(r);
			return -1;
		}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 8;
		s->rule = mfm_xreallocarray(s->rule, s->cap, sizeof(*s->rule));
	}
	s->rule[s->n++] = *r;
	memset(r, 0, sizeof(*r));
	return 0;
}

int
mfm_rule_set_add_cfg(struct mfm_rule_set *s, const struct mfm_cfg_node *rules,
    struct mfm_err *err)
{
	struct mfm_rule r;
	size_t i;

	if (rules == NULL)
		return 0;
	if (rules->type != MFM_CFG_SEQ)
		return mfm_cfg_err(rules, err, "expected a list of rules");
	for (i = 0; i < rules->n; i++) {
		if (mfm_rule_from_cfg(&r, rules->items[i], err) != 0) {
			mfm_rule_release(&r);
			return -1;
		}
		if (mfm_rule_set_take(s, &r, err) != 0) {
			const struct mfm_cfg_node *at;

			at = mfm_cfg_get(rules->items[i], "name");
			return cfg_at(at ? at : rules->items[i], err);
		}
	}
	return 0;
}

/* Records. */

void
mfm_rule_rec_init(struct mfm_rule_rec *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->window = rec->group = rec->metrics = -1;
	rec->n = rec->labelled = rec->ci = rec->positives = -1;
	rec->negatives = rec->revision = rec->provisional = rec->as_of = -1;
	mfm_buf_init(&rec->canon);
	mfm_buf_init(&rec->scratch);
}

void
mfm_rule_rec_release(struct mfm_rule_rec *rec)
{
	if (rec == NULL)
		return;
	mfm_buf_release(&rec->canon);
	mfm_buf_release(&rec->scratch);
}

/* A member's key for a message: its raw text, cut at QUOTE_MAX bytes. */
static int
key_err(struct mfm_err *err, const struct mfm_json *j, int k,
    const char *what)
{
	size_t n;
	const char *raw = mfm_json_raw(j, k, &n);

	n -= 2;
	return mfm_err_set(err, MFM_ERR_DATA, "metric '%.*s' %s",
	    (int)(n > QUOTE_MAX ? QUOTE_MAX : n), raw + 1, what);
}

struct canon_member {
	const char *key;	/* decoded, in the arena */
	size_t off, len;
	int tok;		/* key token */
};

static int
canon_cmp(const void *a, const void *b)
{
	const struct canon_member *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	/* Duplicate keys keep input order, so the order is total. */
	return x->tok < y->tok ? -1 : x->tok > y->tok;
}

/*
 * Write the canonical text of value t: objects with members sorted by
 * their decoded keys (bytewise), strings re-encoded by the writer, so
 * that "\u0041" and "A" agree, everything else as written.  The depth is
 * bounded by the tokenizer's nesting cap.
 */
static void
canon(struct mfm_buf *b, const struct mfm_json *j, int t,
    struct mfm_buf *scratch)
{
	struct mfm_buf arena = MFM_BUF_INIT;
	struct canon_member *m;
	const char *s, *raw;
	size_t n, i, len;
	int k;

	switch (mfm_json_type_of(j, t)) {
	case MFM_JSON_OBJECT:
		n = j->tok[t].count;
		if (n == 0) {
			mfm_buf_add(b, "{}", 2);
			return;
		}
		m = mfm_xreallocarray(NULL, n, sizeof(*m));
		/* Allocated now, so that "" keys still have a pointer. */
		mfm_buf_grow(&arena, 64);
		i = 0;
		for (k = mfm_json_first(j, t); k >= 0 && i < n;
		    k = mfm_json_next(j, t, k), i++) {
			s = mfm_json_str(j, k, &len, scratch);
			m[i].off = arena.len;
			m[i].len = len;
			m[i].tok = k;
			mfm_buf_add(&arena, s, len);
		}
		n = i;
		/* Pointers only now: the arena moved while it grew. */
		for (i = 0; i < n; i++)
			m[i].key = arena.p + m[i].off;
		qsort(m, n, sizeof(*m), canon_cmp);
		mfm_buf_addc(b, '{');
		for (i = 0; i < n; i++) {
			if (i > 0)
				mfm_buf_addc(b, ',');
			mfm_json_put_str(b, m[i].key, m[i].len);
			mfm_buf_addc(b, ':');
			canon(b, j, m[i].tok + 1, scratch);
		}
		mfm_buf_addc(b, '}');
		free(m);
		mfm_buf_release(&arena);
		return;
	case MFM_JSON_ARRAY:
		mfm_buf_addc(b, '[');
		for (k = mfm_json_first(j, t); k >= 0;
		    k = mfm_json_next(j, t, k)) {
			if (k != t + 1)
				mfm_buf_addc(b, ',');
			canon(b, j, k, scratch);
		}
		mfm_buf_addc(b, ']');
		return;
	case MFM_JSON_STRING:
		s = mfm_json_str(j, t, &len, scratch);
		mfm_json_put_str(b, s, len);
		return;
	default:
		raw = mfm_json_raw(j, t, &len);
		mfm_buf_add(b, raw, len);
		return;
	}
}

void
mfm_rule_canon(struct mfm_buf *b, const struct mfm_json *j, int t)
{
	struct mfm_buf scratch = MFM_BUF_INIT;

	canon(b, j, t, &scratch);
	mfm_buf_release(&scratch);
}

static int
object_or_absent(const struct mfm_json *j, int t, const char *name,
    struct mfm_err *err)
{
	if (t >= 0 && mfm_json_type_of(j, t) != MFM_JSON_OBJECT)
		return mfm_err_set(err, MFM_ERR_DATA, "'%s' is not an object",
		    name);
	return 0;
}

static int
count_or_absent(const struct mfm_json *j, int t, const char *name,
    struct mfm_err *err)
{
	double v;

	if (t >= 0 && mfm_json_type_of(j, t) != MFM_JSON_NUMBER)
		return mfm_err_set(err, MFM_ERR_DATA, "'%s' is not a number",
		    name);
	if (t >= 0 && mfm_json_double(j, t, &v) != 0)
		return mfm_err_set(err, MFM_ERR_DATA, "'%s' is out of range",
		    name);
	return 0;
}

int
mfm_rule_rec_load(struct mfm_rule_rec *rec, const struct mfm_json *j,
    struct mfm_err *err)
{
	enum mfm_json_type type;
	int64_t rev;
	double v;
	int k;

	rec->j = j;
	rec->window = rec->group = rec->metrics = -1;
	rec->n = rec->labelled = rec->ci = rec->positives = -1;
	rec->negatives = rec->revision = rec->provisional = rec->as_of = -1;
	mfm_buf_clear(&rec->canon);
	if (mfm_json_member(j, 0, "_mfm", 4) >= 0)
		return 0;
	rec->metrics = mfm_json_member(j, 0, "metrics", 7);
	if (mfm_json_type_of(j, rec->metrics) != MFM_JSON_OBJECT)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "record has no 'metrics' object");
	for (k = mfm_json_first(j, rec->metrics); k >= 0;
	    k = mfm_json_next(j, rec->metrics, k)) {
		type = mfm_json_type_of(j, k + 1);
		if (type == MFM_JSON_NULL)
			continue;
		if (type != MFM_JSON_NUMBER)
			return key_err(err, j, k, "is not a number or null");
		if (mfm_json_double(j, k + 1, &v) != 0)
			return key_err(err, j, k, "is out of range");
	}
	rec->window = mfm_json_member(j, 0, "window", 6);
	rec->group = mfm_json_member(j, 0, "group", 5);
	rec->n = mfm_json_member(j, 0, "n", 1);
	rec->labelled = mfm_json_member(j, 0, "labelled", 8);
	rec->ci = mfm_json_member(j, 0, "ci", 2);
	rec->positives = mfm_json_member(j, 0, "positives", 9);
	rec->negatives = mfm_json_member(j, 0, "negatives", 9);
	rec->revision = mfm_json_member(j, 0, "revision", 8);
	rec->provisional = mfm_json_member(j, 0, "provisional", 11);
	rec->as_of = mfm_json_member(j, 0, "as_of", 5);
	if (rec->revision >= 0 && (mfm_json_int64(j, rec->revision,
	    &rev) != 0 || rev < 0))
		return mfm_err_set(err, MFM_ERR_DATA,
		    "'revision' is not a count");
	if (rec->provisional >= 0 &&
	    mfm_json_type_of(j, rec->provisional) != MFM_JSON_TRUE &&
	    mfm_json_type_of(j, rec->provisional) != MFM_JSON_FALSE)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "'provisional' is not true or false");
	if (rec->as_of >= 0 &&
	    mfm_json_type_of(j, rec->as_of) != MFM_JSON_STRING)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "'as_of' is not a time");
	if (object_or_absent(j, rec->window, "window", err) != 0 ||
	    object_or_absent(j, rec->ci, "ci", err) != 0 ||
	    count_or_absent(j, rec->positives, "positives", err) != 0 ||
	    count_or_absent(j, rec->negatives, "negatives", err) != 0 ||
	    object_or_absent(j, rec->group, "group", err) != 0 ||
	    count_or_absent(j, rec->n, "n", err) != 0 ||
	    count_or_absent(j, rec->labelled, "labelled", err) != 0)
		return -1;
	if (rec->group >= 0)
		canon(&rec->canon, j, rec->group, &rec->scratch);
	else
		mfm_buf_add(&rec->canon, "{}", 2);
	return 1;
}

enum mfm_rule_verdict
mfm_rule_check(struct mfm_rule *r, const struct mfm_rule_rec *rec,
    double *value)
{
	const struct mfm_json *j = rec->j;
	int t;

	/* The counts live at the top level, not under "metrics". */
	if (strcmp(r->metric, "n") == 0)
		t = rec->n;
	else if (strcmp(r->metric, "labelled") == 0)
		t = rec->labelled;
	else
		t = mfm_json_member(j, rec->metrics, r->metric, r->metric_len);
	if (t < 0)
		return MFM_RULE_ABSENT;
	r->nseen++;
	if (mfm_json_type_of(j, t) == MFM_JSON_NULL ||
	    mfm_json_double(j, t, value) != 0)
		return MFM_RULE_NULL;
	if (!mfm_rule_test(r->op, *value, r->threshold))
		return MFM_RULE_OK;
	r->nbreach++;
	return MFM_RULE_BREACH;
}

uint64_t
mfm_rule_fingerprint_of(const char *name, const char *canon, size_t len)
{
	const unsigned char *p;
	uint64_t h = FNV_OFFSET;
	size_t i, n;

	p = (const unsigned char *)name;
	n = strlen(name) + 1;	/* the 0 byte ends the name */
	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	p = (const unsigned char *)canon;
	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	return h;
}

uint64_t
mfm_rule_fingerprint(const struct mfm_rule *r, const struct mfm_rule_rec *rec)
{
	return mfm_rule_fingerprint_of(r->name, rec->canon.p, rec->canon.len);
}

int
mfm_rule_matches(const struct mfm_rule *r, const struct mfm_rule_rec *rec)
{
	struct mfm_buf scratch = MFM_BUF_INIT;
	const char *s;
	size_t i, n;
	int t, ok = 1;

	for (i = 0; i < r->nmatch && ok; i++) {
		t = mfm_json_member(rec->j, rec->group, r->match[i].key,
		    strlen(r->match[i].key));
		if (t < 0) {
			ok = 0;
			break;
		}
		if (mfm_json_type_of(rec->j, t) == MFM_JSON_STRING)
			s = mfm_json_str(rec->j, t, &n, &scratch);
		else
			s = mfm_json_raw(rec->j, t, &n);
		ok = n == strlen(r->match[i].value) &&
		    memcmp(s, r->match[i].value, n) == 0;
	}
	mfm_buf_release(&scratch);
	return ok;
}

int
mfm_rule_ci(const struct mfm_rule *r, const struct mfm_rule_rec *rec,
    double *lo, double *hi)
{
	const struct mfm_json *j = rec->j;
	int t, a, b;

	t = mfm_json_member(j, rec->ci, r->metric, r->metric_len);
	if (mfm_json_type_of(j, t) != MFM_JSON_ARRAY || j->tok[t].count != 2)
		return -1;
	a = mfm_json_first(j, t);
	b = mfm_json_next(j, t, a);
	if (mfm_json_double(j, a, lo) != 0 || mfm_json_double(j, b, hi) != 0 ||
	    *lo != *lo || *hi != *hi || *lo > *hi)
		return -1;
	return 0;
}

/* The sum of two members of rec's metrics (tp and fn, tn and fp). */
static int
metric_sum(const struct mfm_rule_rec *rec, const char *a, const char *b,
    double *out)
{
	double x, y;

	if (mfm_json_double(rec->j, mfm_json_member(rec->j, rec->metrics, a,
	    strlen(a)), &x) != 0 || mfm_json_double(rec->j,
	    mfm_json_member(rec->j, rec->metrics, b, strlen(b)), &y) != 0)
		return -1;
	*out = x + y;
	return 0;
}

int
mfm_rule_negatives(const struct mfm_rule_rec *rec, double *out)
{
	if (rec->negatives >= 0)
		return mfm_json_double(rec->j, rec->negatives, out);
	return metric_sum(rec, "tn", "fp", out);
}

int
mfm_rule_from_labels(const struct mfm_rule *r)
{
	static const char *const free_of_labels[] = {
		"n", "labelled", "positive_rate", "label_coverage",
		"label_delay_p50", "label_delay_p95", "label_delay_max",
		/* mfm-drift's, made from the features' values */
		"psi", "js", "ks", "ks_p", "wasserstein", "wasserstein_norm",
		"chi2", "chi2_p", "cramers_v", "linf", "missing_rate_change",
		"unseen", "unseen_share", NULL
	};
	size_t i;

	if (strncmp(r->metric, "expected_", 9) == 0)
		return 0;	/* mfm-estimate's, made without labels */
	for (i = 0; free_of_labels[i] != NULL; i++)
		if (strcmp(r->metric, free_of_labels[i]) == 0)
			return 0;
	return 1;
}

int
mfm_rule_rank_metric(const struct mfm_rule *r)
{
	return strcmp(r->metric, "auc") == 0 ||
	    strcmp(r->metric, "pr_auc") == 0;
}

int
mfm_rule_rec_provisional(const struct mfm_rule_rec *rec)
{
	return mfm_json_type_of(rec->j, rec->provisional) == MFM_JSON_TRUE;
}

int64_t
mfm_rule_rec_revision(const struct mfm_rule_rec *rec)
{
	int64_t rev = 0;

	if (rec->revision >= 0)
		(void)mfm_json_int64(rec->j, rec->revision, &rev);
	return rev;
}

int
mfm_rule_positives(const struct mfm_rule_rec *rec, double *out)
{
	if (rec->positives >= 0)
		return mfm_json_double(rec->j, rec->positives, out);
	return metric_sum(rec, "tp", "fn", out);
}

/* A window bound as text; plain ASCII times need no decoding. */
static const char *
window_bound(const struct mfm_rule_rec *rec, const char *name, size_t *n)
{
	int t = mfm_json_member(rec->j, rec->window, name, strlen(name));
	const char *raw;

	if (mfm_json_type_of(rec->j, t) != MFM_JSON_STRING)
		return NULL;
	raw = mfm_json_raw(rec->j, t, n);
	if (memchr(raw, '\\', *n) != NULL)
		return NULL;
	*n -= 2;
	return raw + 1;
}

const char *
mfm_rule_window_start(const struct mfm_rule_rec *rec, size_t *n)
{
	return window_bound(rec, "start", n);
}

const char *
mfm_rule_window_end(const struct mfm_rule_rec *rec, size_t *n)
{
	return window_bound(rec, "end", n);
}

void
mfm_rule_base_add(struct mfm_rule *r, const struct mfm_rule_rec *rec)
{
	size_t *slot;
	double v;
	int t, isnew;

	t = mfm_json_member(rec->j, rec->metrics, r->metric, r->metric_len);
	if (t < 0 || mfm_json_type_of(rec->j, t) != MFM_JSON_NUMBER ||
	    mfm_json_double(rec->j, t, &v) != 0)
		return;
	slot = mfm_keymap_put(&r->base_ref, rec->canon.p, rec->canon.len,
	    &isnew);
	if (isnew) {
		if (r->nbase_val == r->base_cap) {
			r->base_cap = r->base_cap ? 2 * r->base_cap : 16;
			r->base_val = mfm_xreallocarray(r->base_val,
			    r->base_cap, sizeof(*r->base_val));
		}
		*slot = r->nbase_val++;
	}
	r->base_val[*slot] = v;
}

int
mfm_rule_base_find(const struct mfm_rule *r, const struct mfm_rule_rec *rec,
    double *out)
{
	size_t *slot;

	slot = mfm_keymap_find(&r->base_ref, rec->canon.p, rec->canon.len);
	if (slot == NULL)
		return -1;
	*out = r->base_val[*slot];
	return 0;
}

/* Append a value for the summary: a string's text, else its JSON. */
static void
summary_value(struct mfm_buf *b, const struct mfm_json *j, int t,
    struct mfm_buf *scratch)
{
	const char *s;
	size_t n;

	if (mfm_json_type_of(j, t) == MFM_JSON_STRING)
		s = mfm_json_str(j, t, &n, scratch);
	else
		s = mfm_json_raw(j, t, &n);
	mfm_buf_add(b, s, n);
}

/*
 * "auc 0.6123 < 0.7 for model_version=1.4.0 in window START/END": the
 * group's members in input order, "all traffic" for an empty group; the
 * window part only when it has string start and end.
 */
void
mfm_rule_put_number(struct mfm_buf *b, enum mfm_rule_op op, double value,
    double threshold)
{
	char text[40];
	int prec;

	/*
	 * Four significant digits read best, but never so few that the
	 * sentence turns false: 0.69996 < 0.7 is not written "0.7 < 0.7".
	 * The event's "value" member keeps the exact number.
	 */
	for (prec = 4; prec < 17; prec++) {
		snprintf(text, sizeof(text), "%.*g", prec, value);
		if (mfm_rule_test(op, strtod(text, NULL), threshold) ==
		    mfm_rule_test(op, value, threshold))
			break;
	}
	if (prec == 17) {
		mfm_json_put_double(b, value);
		return;
	}
	mfm_buf_adds(b, text);
}

static void
summary(struct mfm_buf *b, const struct mfm_rule *r,
    const struct mfm_rule_rec *rec, double value)
{
	mfm_buf_add(b, r->metric, r->metric_len);
	mfm_buf_addc(b, ' ');
	mfm_rule_put_number(b, r->op, value, r->threshold);
	mfm_buf_addf(b, " %s ", op_names[r->op]);
	mfm_json_put_double(b, r->threshold);
	mfm_rule_put_where(b, rec);
}

void
mfm_rule_put_where(struct mfm_buf *b, const struct mfm_rule_rec *rec)
{
	const struct mfm_json *j = rec->j;
	struct mfm_buf scratch = MFM_BUF_INIT;
	int k, start, end;

	mfm_buf_adds(b, " for ");
	k = mfm_json_first(j, rec->group);
	if (k < 0)
		mfm_buf_adds(b, "all traffic");
	for (; k >= 0; k = mfm_json_next(j, rec->group, k)) {
		if (k != rec->group + 1)
			mfm_buf_adds(b, ", ");
		summary_value(b, j, k, &scratch);
		mfm_buf_addc(b, '=');
		summary_value(b, j, k + 1, &scratch);
	}
	start = mfm_json_member(j, rec->window, "start", 5);
	end = mfm_json_member(j, rec->window, "end", 3);
	if (mfm_json_type_of(j, start) == MFM_JSON_STRING &&
	    mfm_json_type_of(j, end) == MFM_JSON_STRING) {
		mfm_buf_adds(b, " in window ");
		summary_value(b, j, start, &scratch);
		mfm_buf_addc(b, '/');
		summary_value(b, j, end, &scratch);
	}
	mfm_buf_release(&scratch);
}

/*
 * A member of the record as written, less the white space outside its
 * strings so that the event stays compact; null when it is absent.
 */
static void
put_raw(struct mfm_buf *b, const struct mfm_json *j, int t)
{
	const char *raw, *run;
	size_t n, i;
	int instr = 0;

	if (t < 0) {
		mfm_buf_add(b, "null", 4);
		return;
	}
	raw = mfm_json_raw(j, t, &n);
	run = raw;
	for (i = 0; i < n; i++) {
		if (instr) {
			if (raw[i] == '\\')
				i++;
			else if (raw[i] == '"')
				instr = 0;
		} else if (raw[i] == '"') {
			instr = 1;
		} else if (is_space(raw[i])) {
			mfm_buf_add(b, run, (size_t)(raw + i - run));
			run = raw + i + 1;
		}
	}
	mfm_buf_add(b, run, (size_t)(raw + n - run));
}

void
mfm_rule_event(struct mfm_buf *b, const struct mfm_rule *r,
    const struct mfm_rule_rec *rec, const char *status, double value)
{
	struct mfm_buf text = MFM_BUF_INIT;

	mfm_rule_event_head(b, r, rec, status, 1, value, r->threshold);
	mfm_buf_adds(b, ",\"summary\":");
	summary(&text, r, rec, value);
	mfm_json_put_str(b, text.p, text.len);
	mfm_buf_addc(b, '}');
	mfm_buf_release(&text);
}

void
mfm_rule_event_head(struct mfm_buf *b, const struct mfm_rule *r,
    const struct mfm_rule_rec *rec, const char *status, int has_value,
    double value, double threshold)
{
	mfm_buf_adds(b, "{\"status\":");
	mfm_json_put_str(b, status, strlen(status));
	mfm_buf_adds(b, ",\"rule\":");
	mfm_json_put_str(b, r->name, strlen(r->name));
	mfm_buf_addf(b, ",\"severity\":\"%s\",\"metric\":",
	    mfm_rule_severity_name(r->severity));
	mfm_json_put_str(b, r->metric, r->metric_len);
	mfm_buf_adds(b, ",\"value\":");
	if (has_value)
		mfm_json_put_double(b, value);
	else
		mfm_buf_add(b, "null", 4);
	mfm_buf_addf(b, ",\"op\":\"%s\",\"threshold\":", op_names[r->op]);
	mfm_json_put_double(b, threshold);
	mfm_buf_adds(b, ",\"window\":");
	put_raw(b, rec->j, rec->window);
	mfm_buf_adds(b, ",\"group\":");
	if (rec->group >= 0)
		put_raw(b, rec->j, rec->group);
	else
		mfm_buf_add(b, "{}", 2);
	mfm_buf_adds(b, ",\"n\":");
	put_raw(b, rec->j, rec->n);
	mfm_buf_adds(b, ",\"labelled\":");
	put_raw(b, rec->j, rec->labelled);
	if (mfm_rule_rec_revision(rec) > 0) {
		mfm_buf_adds(b, ",\"revision\":");
		mfm_json_put_int64(b, mfm_rule_rec_revision(rec));
	}
	if (mfm_rule_rec_provisional(rec))
		mfm_buf_adds(b, ",\"provisional\":true");
	mfm_buf_addf(b, ",\"fingerprint\":\"%016" PRIx64 "\"",
	    mfm_rule_fingerprint(r, rec));
}
