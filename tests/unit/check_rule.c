/*
 * Unit tests for the rule engine (lib/rule.c): expressions valid and
 * invalid, every operator at its boundary, NaN, the records a rule reads
 * (control records, bad records, null and absent metrics, the counts),
 * the event text, fingerprints that ignore member order, spacing and
 * window, and rules from the configuration.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/cfg.h"
#include "lib/json.h"
#include "lib/rule.h"

static const char example[] =
    "{\"window\":{\"start\":\"2026-11-22T00:00:00.000Z\","
    "\"end\":\"2026-11-23T00:00:00.000Z\"},"
    "\"group\":{\"model_version\":\"1.4.0\"},\"n\":612,\"labelled\":549,"
    "\"metrics\":{\"auc\":0.6123,\"precision\":0.5,\"recall\":0.4,"
    "\"f1\":0.44,\"accuracy\":0.71,\"mse\":0.2},\"undefined\":{}}";

/* Parse expr, which must be valid. */
static void
parse_ok(struct mfm_rule *r, const char *expr)
{
	struct mfm_err err;

	mfm_err_clear(&err);
	ck_assert_msg(mfm_rule_parse(r, expr, &err) == 0, "%s: %s", expr,
	    err.msg);
}

/* Load line into rec through j; returns what mfm_rule_rec_load did. */
static int
load(struct mfm_json *j, struct mfm_rule_rec *rec, const char *line,
    struct mfm_err *err)
{
	struct mfm_err perr;

	ck_assert_msg(mfm_json_parse(j, line, strlen(line), &perr) == 0,
	    "%s", perr.msg);
	return mfm_rule_rec_load(rec, j, err);
}

START_TEST(test_parse_valid)
{
	static const struct {
		const char *expr, *metric, *name;
		enum mfm_rule_op op;
		double v;
	} t[] = {
		{ "auc < 0.7", "auc", "auc < 0.7", MFM_RULE_LT, 0.7 },
		{ "f1<=0.5", "f1", "f1 <= 0.5", MFM_RULE_LE, 0.5 },
		{ "  mse>0.25  ", "mse", "mse > 0.25", MFM_RULE_GT, 0.25 },
		{ "recall >= 0.70", "recall", "recall >= 0.7", MFM_RULE_GE,
		    0.7 },
		{ "n == 0", "n", "n == 0", MFM_RULE_EQ, 0 },
		{ "labelled != 1e3", "labelled", "labelled != 1000",
		    MFM_RULE_NE, 1000 },
		{ "bias>-0.5", "bias", "bias > -0.5", MFM_RULE_GT, -0.5 },
		{ "x<.5", "x", "x < 0.5", MFM_RULE_LT, 0.5 },
		{ "x\t<\t+5.", "x", "x < 5", MFM_RULE_LT, 5 },
		{ "f0.5 < 1E-2", "f0.5", "f0.5 < 0.01", MFM_RULE_LT, 0.01 },
		{ "pr_auc-macro < 1", "pr_auc-macro", "pr_auc-macro < 1",
		    MFM_RULE_LT, 1 },
	};
	struct mfm_rule r;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		parse_ok(&r, t[i].expr);
		ck_assert_str_eq(r.metric, t[i].metric);
		ck_assert_uint_eq(r.metric_len, strlen(t[i].metric));
		ck_assert_str_eq(r.name, t[i].name);
		ck_assert_int_eq(r.op, t[i].op);
		ck_assert(r.threshold == t[i].v);
		ck_assert_int_eq(r.severity, MFM_RULE_WARNING);
		mfm_rule_release(&r);
	}
	mfm_rule_release(NULL);
}
END_TEST

START_TEST(test_parse_invalid)
{
	static const struct {
		const char *expr, *msg;
	} t[] = {
		{ "", "invalid rule '': expected a metric name" },
		{ "   ", "invalid rule '   ': expected a metric name" },
		{ "< 0.7", "invalid rule '< 0.7': expected a metric name" },
		{ "1auc < 0.7", "invalid rule '1auc < 0.7': expected a metric "
		    "name" },
		{ "auc", "invalid rule 'auc': expected an operator "
		    "(< <= > >= == !=)" },
		{ "auc 0.7", "invalid rule 'auc 0.7': expected an operator "
		    "(< <= > >= == !=)" },
		{ "auc <", "invalid rule 'auc <': expected a number" },
		{ "auc < x", "invalid rule 'auc < x': expected a number" },
		{ "auc < nan", "invalid rule 'auc < nan': expected a number" },
		{ "auc < inf", "invalid rule 'auc < inf': expected a number" },
		{ "auc < -", "invalid rule 'auc < -': expected a number" },
		{ "auc < .", "invalid rule 'auc < .': expected a number" },
		{ "auc = 0.7", "invalid rule 'auc = 0.7': invalid operator "
		    "(< <= > >= == !=)" },
		{ "auc =< 0.7", "invalid rule 'auc =< 0.7': invalid operator "
		    "(< <= > >= == !=)" },
		{ "auc <> 0.7", "invalid rule 'auc <> 0.7': invalid operator "
		    "(< <= > >= == !=)" },
		{ "auc < 0.7 x", "invalid rule 'auc < 0.7 x': unexpected text "
		    "after the number" },
		{ "auc < 0x10", "invalid rule 'auc < 0x10': unexpected text "
		    "after the number" },
		{ "auc < 1e", "invalid rule 'auc < 1e': unexpected text after "
		    "the number" },
		{ "auc < 0.7 < 1", "invalid rule 'auc < 0.7 < 1': unexpected "
		    "text after the number" },
		{ "auc < 1e999", "invalid rule 'auc < 1e999': number out of "
		    "range" },
		{ "au$c < 1", "invalid rule 'au$c < 1': invalid character in "
		    "metric name" },
	};
	struct mfm_rule r;
	struct mfm_err err;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		mfm_err_clear(&err);
		ck_assert_msg(mfm_rule_parse(&r, t[i].expr, &err) == -1, "%s",
		    t[i].expr);
		ck_assert_int_eq(err.kind, MFM_ERR_USAGE);
		ck_assert_str_eq(err.msg, t[i].msg);
	}
}
END_TEST

START_TEST(test_parse_long)
{
	char expr[300];
	struct mfm_rule r;
	struct mfm_err err;

	/* The reason must survive a long expression in the message. */
	memset(expr, 'a', sizeof(expr) - 1);
	expr[sizeof(expr) - 1] = '\0';
	ck_assert_int_eq(mfm_rule_parse(&r, expr, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "...': expected an operator"));
	/* A tiny threshold underflows to a subnormal: still a number. */
	parse_ok(&r, "x > 1e-320");
	ck_assert(r.threshold > 0);
	mfm_rule_release(&r);
}
END_TEST

START_TEST(test_ops)
{
	static const char *const ops[] = { "<", "<=", ">", ">=", "==", "!=" };
	/* Verdicts for value below, equal to and above the threshold. */
	static const int want[][3] = {
		{ 1, 0, 0 }, { 1, 1, 0 }, { 0, 0, 1 }, { 0, 1, 1 },
		{ 0, 1, 0 }, { 1, 0, 1 }
	};
	enum mfm_rule_op op;
	size_t i;

	for (i = 0; i < 6; i++) {
		ck_assert_int_eq(mfm_rule_op_parse(ops[i], strlen(ops[i]), &op),
		    0);
		ck_assert_int_eq(op, (int)i);
		ck_assert_str_eq(mfm_rule_op_name(op), ops[i]);
		ck_assert_int_eq(mfm_rule_test(op, 0.6999999, 0.7), want[i][0]);
		ck_assert_int_eq(mfm_rule_test(op, 0.7, 0.7), want[i][1]);
		ck_assert_int_eq(mfm_rule_test(op, 0.7000001, 0.7), want[i][2]);
		/* NaN never fires, not even for != . */
		ck_assert_int_eq(mfm_rule_test(op, NAN, 0.7), 0);
	}
	ck_assert_int_eq(mfm_rule_op_parse("=", 1, &op), -1);
	ck_assert_int_eq(mfm_rule_op_parse("<", 0, &op), -1);
}
END_TEST

START_TEST(test_severity)
{
	enum mfm_rule_severity s;

	ck_assert_int_eq(mfm_rule_severity_parse("info", &s), 0);
	ck_assert_int_eq(s, MFM_RULE_INFO);
	ck_assert_int_eq(mfm_rule_severity_parse("critical", &s), 0);
	ck_assert_int_eq(s, MFM_RULE_CRITICAL);
	ck_assert_int_eq(mfm_rule_severity_parse("warning", &s), 0);
	ck_assert_str_eq(mfm_rule_severity_name(s), "warning");
	ck_assert_int_eq(mfm_rule_severity_parse("Critical", &s), -1);
	ck_assert_int_eq(mfm_rule_severity_parse("", &s), -1);
}
END_TEST

START_TEST(test_records)
{
	struct mfm_json j;
	struct mfm_rule_rec rec;
	struct mfm_err err;

	mfm_json_init(&j);
	mfm_rule_rec_init(&rec);
	ck_assert_int_eq(load(&j, &rec, example, &err), 1);
	ck_assert_int_eq(load(&j, &rec,
	    "{\"_mfm\":{\"closed\":\"x\"},\"window\":1}", &err), 0);
	ck_assert_int_eq(load(&j, &rec, "{\"_mfm\":1,\"metrics\":{}}", &err),
	    0);
	ck_assert_int_eq(load(&j, &rec, "{\"n\":1}", &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_DATA);
	ck_assert_str_eq(err.msg, "record has no 'metrics' object");
	ck_assert_int_eq(load(&j, &rec, "{\"metrics\":[1]}", &err), -1);
	ck_assert_str_eq(err.msg, "record has no 'metrics' object");
	ck_assert_int_eq(load(&j, &rec, "{\"metrics\":{\"auc\":\"0.7\"}}",
	    &err), -1);
	ck_assert_str_eq(err.msg, "metric 'auc' is not a number or null");
	ck_assert_int_eq(load(&j, &rec, "{\"metrics\":{\"a\\\"b\":1e999}}",
	    &err), -1);
	ck_assert_str_eq(err.msg, "metric 'a\\\"b' is out of range");
	ck_assert_int_eq(load(&j, &rec, "{\"metrics\":{},\"window\":\"x\"}",
	    &err), -1);
	ck_assert_str_eq(err.msg, "'window' is not an object");
	ck_assert_int_eq(load(&j, &rec, "{\"metrics\":{},\"group\":null}",
	    &err), -1);
	ck_assert_str_eq(err.msg, "'group' is not an object");
	ck_assert_int_eq(load(&j, &rec, "{\"metrics\":{},\"n\":\"3\"}", &err),
	    -1);
	ck_assert_str_eq(err.msg, "'n' is not a number");
	ck_assert_int_eq(load(&j, &rec, "{\"metrics\":{},\"labelled\":true}",
	    &err), -1);
	ck_assert_str_eq(err.msg, "'labelled' is not a number");
	/* The least a metric record needs. */
	ck_assert_int_eq(load(&j, &rec, "{\"metrics\":{}}", &err), 1);
	ck_assert_str_eq(rec.canon.p, "{}");
	mfm_rule_rec_release(&rec);
	mfm_json_release(&j);
}
END_TEST

START_TEST(test_check)
{
	struct mfm_json j;
	struct mfm_rule_rec rec;
	struct mfm_rule r;
	struct mfm_err err;
	double v = -1;

	mfm_json_init(&j);
	mfm_rule_rec_init(&rec);
	ck_assert_int_eq(load(&j, &rec, example, &err), 1);
	parse_ok(&r, "auc < 0.7");
	ck_assert_int_eq(mfm_rule_check(&r, &rec, &v), MFM_RULE_BREACH);
	ck_assert(v == 0.6123);
	mfm_rule_release(&r);
	parse_ok(&r, "auc < 0.6123");
	ck_assert_int_eq(mfm_rule_check(&r, &rec, &v), MFM_RULE_OK);
	mfm_rule_release(&r);
	parse_ok(&r, "auc <= 0.6123");
	ck_assert_int_eq(mfm_rule_check(&r, &rec, &v), MFM_RULE_BREACH);
	mfm_rule_release(&r);
	/* The counts come from the top level. */
	parse_ok(&r, "n < 1000");
	ck_assert_int_eq(mfm_rule_check(&r, &rec, &v), MFM_RULE_BREACH);
	ck_assert(v == 612);
	mfm_rule_release(&r);
	parse_ok(&r, "labelled >= 550");
	ck_assert_int_eq(mfm_rule_check(&r, &rec, &v), MFM_RULE_OK);
	ck_assert(v == 549);
	mfm_rule_release(&r);
	parse_ok(&r, "rmse > 0");
	ck_assert_int_eq(mfm_rule_check(&r, &rec, &v), MFM_RULE_ABSENT);
	ck_assert_uint_eq(r.nseen, 0);
	mfm_rule_release(&r);

	ck_assert_int_eq(load(&j, &rec,
	    "{\"metrics\":{\"auc\":null,\"f1\":0.1,\"n\":5},"
	    "\"undefined\":{\"auc\":\"one class only\"}}", &err), 1);
	parse_ok(&r, "auc != 0.5");
	ck_assert_int_eq(mfm_rule_check(&r, &rec, &v), MFM_RULE_NULL);
	ck_assert_uint_eq(r.nseen, 1);
	ck_assert_uint_eq(r.nbreach, 0);
	mfm_rule_release(&r);
	/* "n" under metrics is not the count: the record has none. */
	parse_ok(&r, "n > 0");
	ck_assert_int_eq(mfm_rule_check(&r, &rec, &v), MFM_RULE_ABSENT);
	mfm_rule_release(&r);
	parse_ok(&r, "f1 < 0.5");
	ck_assert_int_eq(mfm_rule_check(&r, &rec, &v), MFM_RULE_BREACH);
	ck_assert_int_eq(mfm_rule_check(&r, &rec, &v), MFM_RULE_BREACH);
	ck_assert_uint_eq(r.nseen, 2);
	ck_assert_uint_eq(r.nbreach, 2);
	mfm_rule_release(&r);
	/* The last of duplicate keys counts, as everywhere in mfm. */
	ck_assert_int_eq(load(&j, &rec,
	    "{\"metrics\":{\"auc\":0.1,\"auc\":0.9}}", &err), 1);
	parse_ok(&r, "auc < 0.5");
	ck_assert_int_eq(mfm_rule_check(&r, &rec, &v), MFM_RULE_OK);
	mfm_rule_release(&r);
	mfm_rule_rec_release(&rec);
	mfm_json_release(&j);
}
END_TEST

/* The event of rule expr (named name when not NULL) on line. */
static void
event(struct mfm_buf *b, const char *expr, const char *name,
    const char *line)
{
	struct mfm_json j;
	struct mfm_rule_rec rec;
	struct mfm_rule r;
	struct mfm_err err;
	double v;

	mfm_json_init(&j);
	mfm_rule_rec_init(&rec);
	ck_assert_int_eq(load(&j, &rec, line, &err), 1);
	parse_ok(&r, expr);
	if (name != NULL) {
		free(r.name);
		r.name = mfm_xstrdup(name);
	}
	r.severity = MFM_RULE_CRITICAL;
	ck_assert_int_eq(mfm_rule_check(&r, &rec, &v), MFM_RULE_BREACH);
	mfm_buf_clear(b);
	mfm_rule_event(b, &r, &rec, "firing", v);
	mfm_rule_release(&r);
	mfm_rule_rec_release(&rec);
	mfm_json_release(&j);
}

START_TEST(test_event)
{
	struct mfm_buf b = MFM_BUF_INIT;

	event(&b, "auc < 0.7", "auc_low", example);
	ck_assert_str_eq(b.p,
	    "{\"status\":\"firing\",\"rule\":\"auc_low\","
	    "\"severity\":\"critical\",\"metric\":\"auc\",\"value\":0.6123,"
	    "\"op\":\"<\",\"threshold\":0.7,"
	    "\"window\":{\"start\":\"2026-11-22T00:00:00.000Z\","
	    "\"end\":\"2026-11-23T00:00:00.000Z\"},"
	    "\"group\":{\"model_version\":\"1.4.0\"},\"n\":612,"
	    "\"labelled\":549,\"fingerprint\":\"e326be88fb74ca18\","
	    "\"summary\":\"auc 0.6123 < 0.7 for model_version=1.4.0 in "
	    "window 2026-11-22T00:00:00.000Z/2026-11-23T00:00:00.000Z\"}");

	/* No group, no window, no counts: the schema stays. */
	event(&b, "auc < 0.7", NULL, "{\"metrics\":{\"auc\":0.5}}");
	ck_assert_str_eq(b.p,
	    "{\"status\":\"firing\",\"rule\":\"auc < 0.7\","
	    "\"severity\":\"critical\",\"metric\":\"auc\",\"value\":0.5,"
	    "\"op\":\"<\",\"threshold\":0.7,\"window\":null,\"group\":{},"
	    "\"n\":null,\"labelled\":null,"
	    "\"fingerprint\":\"19ba54d5ebdcc2f1\","
	    "\"summary\":\"auc 0.5 < 0.7 for all traffic\"}");

	/*
	 * Several members, escapes decoded for the summary; the group is
	 * copied as written but for the white space outside its strings.
	 */
	event(&b, "mse > 0.25", NULL,
	    "{\"group\": { \"v\" :\t\"1\\\" 2\" , \"k\":3,\"b\":true } ,"
	    "\"metrics\":{\"mse\":0.30000000000000004}}");
	ck_assert_ptr_nonnull(strstr(b.p, "\"value\":0.30000000000000004,"));
	ck_assert_ptr_nonnull(strstr(b.p, "\"group\":{\"v\":\"1\\\" 2\","
	    "\"k\":3,\"b\":true},"));
	ck_assert_ptr_nonnull(strstr(b.p, "\"summary\":\"mse "
	    "0.3 > 0.25 for v=1\\\" 2, k=3, b=true\"}"));

	/* The summary rounds to 4 digits, but never into a false sentence. */
	event(&b, "auc < 0.7", NULL, "{\"metrics\":{\"auc\":0.69996}}");
	ck_assert_ptr_nonnull(strstr(b.p, "\"value\":0.69996,"));
	ck_assert_ptr_nonnull(strstr(b.p, "\"summary\":\"auc 0.69996 < 0.7 "));
	event(&b, "auc < 0.7", NULL, "{\"metrics\":{\"auc\":0.62710040160642}}");
	ck_assert_ptr_nonnull(strstr(b.p, "\"summary\":\"auc 0.6271 < 0.7 "));
	event(&b, "f1 != 0.5", NULL, "{\"metrics\":{\"f1\":0.50000001}}");
	ck_assert_ptr_nonnull(strstr(b.p, "\"summary\":\"f1 0.50000001 != 0.5 "));
	mfm_buf_release(&b);
}
END_TEST

/* The fingerprint of rule name on line, read from the event. */
static void
fingerprint(char out[17], const char *name, const char *line)
{
	struct mfm_buf b = MFM_BUF_INIT;
	const char *p;

	event(&b, "auc < 0.7", name, line);
	p = strstr(b.p, "\"fingerprint\":\"");
	ck_assert_ptr_nonnull(p);
	memcpy(out, p + 15, 16);
	out[16] = '\0';
	mfm_buf_release(&b);
}

START_TEST(test_fingerprint)
{
	char a[17], b[17];

	fingerprint(a, "r", "{\"window\":{\"start\":\"1\"},"
	    "\"group\":{\"model_version\":\"1.4.0\",\"segment\":\"eu\"},"
	    "\"metrics\":{\"auc\":0.5}}");
	/* Member order, spacing, escapes and window do not matter. */
	fingerprint(b, "r", "{\"metrics\":{\"auc\":0.6},"
	    "\"group\": { \"segment\" : \"e\\u0075\", "
	    "\"model\\u005fversion\":\"1.4.0\" },"
	    "\"window\":{\"start\":\"2\"}}");
	ck_assert_str_eq(a, b);
	/* Another value, another rule, another fingerprint. */
	fingerprint(b, "r", "{\"group\":{\"model_version\":\"1.4.0\","
	    "\"segment\":\"us\"},\"metrics\":{\"auc\":0.5}}");
	ck_assert_str_ne(a, b);
	fingerprint(b, "r2", "{\"group\":{\"model_version\":\"1.4.0\","
	    "\"segment\":\"eu\"},\"metrics\":{\"auc\":0.5}}");
	ck_assert_str_ne(a, b);
	/* Nested objects are sorted too; arrays keep their order. */
	fingerprint(a, "r", "{\"group\":{\"x\":{\"b\":1,\"a\":[2,1]},"
	    "\"\":0},\"metrics\":{\"auc\":0.5}}");
	fingerprint(b, "r", "{\"group\":{\"\":0,\"x\":{\"a\":[2,1],"
	    "\"b\":1}},\"metrics\":{\"auc\":0.5}}");
	ck_assert_str_eq(a, b);
	fingerprint(b, "r", "{\"group\":{\"\":0,\"x\":{\"a\":[1,2],"
	    "\"b\":1}},\"metrics\":{\"auc\":0.5}}");
	ck_assert_str_ne(a, b);
	/* An absent group is the empty group. */
	fingerprint(a, "r", "{\"metrics\":{\"auc\":0.5}}");
	fingerprint(b, "r", "{\"group\":{},\"metrics\":{\"auc\":0.5}}");
	ck_assert_str_eq(a, b);
	/* The documented definition, computed by hand. */
	fingerprint(a, "auc < 0.7",
	    "{\"group\":{\"model_version\":\"1.4.0\"},"
	    "\"metrics\":{\"auc\":0.5}}");
	ck_assert_str_eq(a, "bc102b89c3b02c96");
}
END_TEST

START_TEST(test_canon)
{
	struct mfm_json j;
	struct mfm_rule_rec rec;
	struct mfm_err err;

	mfm_json_init(&j);
	mfm_rule_rec_init(&rec);
	ck_assert_int_eq(load(&j, &rec, "{\"metrics\":{},\"group\":"
	    "{ \"b\" : [ 1 , {\"z\":null,\"y\":\"\\u00e9\"} ], \"a\":-1.50,"
	    "\"ab\":false,\"a\":2}}", &err), 1);
	/* Bytewise key order, duplicates in input order, numbers as written. */
	ck_assert_str_eq(rec.canon.p, "{\"a\":-1.50,\"a\":2,\"ab\":false,"
	    "\"b\":[1,{\"y\":\"\xc3\xa9\",\"z\":null}]}");
	mfm_rule_rec_release(&rec);
	mfm_json_release(&j);
}
END_TEST

/* Load YAML text and return its threshold.rules node. */
static const struct mfm_cfg_node *
rules_of(struct mfm_cfg *cfg, const char *yaml)
{
	struct mfm_err err;

	mfm_err_clear(&err);
	ck_assert_msg(mfm_cfg_load_mem(cfg, "t.yaml", yaml, strlen(yaml),
	    &err) == 0, "%s", err.msg);
	return mfm_cfg_get(mfm_cfg_get(cfg->root, "threshold"), "rules");
}

START_TEST(test_cfg)
{
	struct mfm_cfg cfg;
	struct mfm_rule_set s;
	struct mfm_err err;

	memset(&cfg, 0, sizeof(cfg));
	mfm_rule_set_init(&s);
	mfm_err_clear(&err);
	ck_assert_int_eq(mfm_rule_set_add_cfg(&s, rules_of(&cfg,
	    "threshold:\n"
	    "  rules:\n"
	    "    - name: auc_low\n"
	    "      expr: \"auc < 0.7\"\n"
	    "      severity: critical\n"
	    "    - expr: f1<=0.50\n"
	    "    - metric: mse\n"
	    "      op: '>'\n"
	    "      value: 0.25\n"
	    "      severity: info\n"), &err), 0);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_str_eq(s.rule[0].name, "auc_low");
	ck_assert_str_eq(s.rule[0].metric, "auc");
	ck_assert_int_eq(s.rule[0].severity, MFM_RULE_CRITICAL);
	ck_assert_str_eq(s.rule[1].name, "f1 <= 0.5");
	ck_assert_int_eq(s.rule[1].severity, MFM_RULE_WARNING);
	ck_assert_str_eq(s.rule[2].name, "mse > 0.25");
	ck_assert_int_eq(s.rule[2].op, MFM_RULE_GT);
	ck_assert(s.rule[2].threshold == 0.25);
	ck_assert_int_eq(s.rule[2].severity, MFM_RULE_INFO);
	mfm_rule_set_release(&s);
	mfm_cfg_release(&cfg);

	/* No rules list is no rules. */
	ck_assert_int_eq(mfm_rule_set_add_cfg(&s, NULL, &err), 0);
	ck_assert_uint_eq(s.n, 0);
}
END_TEST

START_TEST(test_cfg_conditions)
{
	struct mfm_cfg cfg;
	struct mfm_rule_set s;
	struct mfm_rule_rec rec;
	struct mfm_json j;
	struct mfm_err err;
	double lo, hi, p;

	memset(&cfg, 0, sizeof(cfg));
	mfm_rule_set_init(&s);
	mfm_err_clear(&err);
	ck_assert_int_eq(mfm_rule_set_add_cfg(&s, rules_of(&cfg,
	    "threshold:\n"
	    "  rules:\n"
	    "    - expr: auc < 0.7\n"
	    "      match: {model_version: 1.4.0}\n"
	    "      min_count: 100\n"
	    "      min_positives: 10\n"
	    "      for: 3\n"
	    "      keep_firing_for: 2\n"
	    "      clear: 0.73\n"
	    "      missing: breaching\n"
	    "      significance: true\n"
	    "    - expr: auc < -3\n"
	    "      baseline: {last: 7}\n"
	    "      compare: sigma\n"), &err), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_uint_eq(s.rule[0].nmatch, 1);
	ck_assert_str_eq(s.rule[0].match[0].key, "model_version");
	ck_assert_str_eq(s.rule[0].match[0].value, "1.4.0");
	ck_assert(s.rule[0].min_count == 100);
	ck_assert(s.rule[0].min_positives == 10);
	ck_assert_uint_eq(s.rule[0].for_n, 3);
	ck_assert_uint_eq(s.rule[0].keep_firing, 2);
	ck_assert(s.rule[0].has_clear && s.rule[0].clear == 0.73);
	ck_assert_int_eq(s.rule[0].missing, MFM_RULE_MISSING_BREACHING);
	ck_assert(s.rule[0].significance);
	ck_assert_int_eq(s.rule[1].base, MFM_RULE_BASE_LAST);
	ck_assert_uint_eq(s.rule[1].base_last, 7);
	ck_assert_int_eq(s.rule[1].cmp, MFM_RULE_CMP_SIGMA);
	ck_assert_uint_eq(s.rule[1].for_n, 1);

	mfm_json_init(&j);
	mfm_rule_rec_init(&rec);
	ck_assert_int_eq(load(&j, &rec, "{\"group\":{\"model_version\":"
	    "\"1.4.0\"},\"metrics\":{\"auc\":0.6,\"tp\":3,\"fn\":4},"
	    "\"ci\":{\"auc\":[0.5,0.65]}}", &err), 1);
	ck_assert(mfm_rule_matches(&s.rule[0], &rec));
	ck_assert_int_eq(mfm_rule_ci(&s.rule[0], &rec, &lo, &hi), 0);
	ck_assert(lo == 0.5 && hi == 0.65);
	ck_assert_int_eq(mfm_rule_positives(&rec, &p), 0);
	ck_assert(p == 7);
	ck_assert_int_eq(load(&j, &rec, "{\"group\":{\"model_version\":"
	    "\"1.5.0\"},\"positives\":9,\"metrics\":{\"auc\":0.6},"
	    "\"ci\":{\"auc\":[0.7]}}", &err), 1);
	ck_assert(!mfm_rule_matches(&s.rule[0], &rec));
	ck_assert_int_eq(mfm_rule_ci(&s.rule[0], &rec, &lo, &hi), -1);
	ck_assert_int_eq(mfm_rule_positives(&rec, &p), 0);
	ck_assert(p == 9);
	ck_assert_int_eq(load(&j, &rec, "{\"metrics\":{\"auc\":0.6},"
	    "\"ci\":[1,2]}", &err), -1);
	ck_assert_str_eq(err.msg, "'ci' is not an object");
	mfm_rule_rec_release(&rec);
	mfm_json_release(&j);
	mfm_rule_set_release(&s);
	mfm_cfg_release(&cfg);
}
END_TEST

START_TEST(test_cfg_errors)
{
	static const struct {
		const char *rules;	/* items under "  rules:\n" */
		size_t line, col;
		const char *msg;
	} t[] = {
		{ "    - expr: auc < 0.7\n      sevrity: info\n", 4, 7,
		    "unknown key 'sevrity'" },
		{ "    - expr: auc <\n", 3, 13,
		    "invalid rule 'auc <': expected a number" },
		{ "    - expr: auc < 0.7\n      metric: auc\n", 4, 15,
		    "give 'expr' or 'metric', 'op' and 'value', not both" },
		{ "    - name: x\n", 3, 7,
		    "rule needs 'expr', or 'metric', 'op' and 'value'" },
		{ "    - metric: auc\n      value: 1\n", 3, 7,
		    "rule needs 'op'" },
		{ "    - metric: auc\n      op: '<'\n", 3, 7,
		    "rule needs 'value'" },
		{ "    - metric: 'a c'\n      op: '<'\n      value: 1\n", 3, 15,
		    "invalid metric name 'a c'" },
		{ "    - metric: auc\n      op: '=<'\n      value: 1\n", 4, 11,
		    "invalid operator '=<' (< <= > >= == !=)" },
		{ "    - expr: auc < 1\n      severity: high\n", 4, 17,
		    "invalid severity 'high' (info, warning or critical)" },
		{ "    - expr: auc < 1\n      name: ''\n", 4, 13,
		    "empty rule name" },
		{ "    - expr: auc < 1\n"
		    "    - name: auc < 1\n      expr: x > 1\n",
		    4, 13, "duplicate rule name 'auc < 1'" },
		{ "    - auc < 1\n", 3, 7,
		    "expected a rule (a mapping with 'expr' or 'metric')" },
	};
	struct mfm_cfg cfg;
	struct mfm_rule_set s;
	struct mfm_err err;
	char yaml[512];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&cfg, 0, sizeof(cfg));
		mfm_rule_set_init(&s);
		mfm_err_clear(&err);
		snprintf(yaml, sizeof(yaml), "threshold:\n  rules:\n%s",
		    t[i].rules);
		ck_assert_msg(mfm_rule_set_add_cfg(&s, rules_of(&cfg, yaml),
		    &err) == -1, "case %zu", i);
		ck_assert_msg(strcmp(err.msg, t[i].msg) == 0,
		    "case %zu: %s", i, err.msg);
		ck_assert_msg(err.line == t[i].line && err.col == t[i].col,
		    "case %zu: at %zu:%zu", i, err.line, err.col);
		mfm_rule_set_release(&s);
		mfm_cfg_release(&cfg);
	}
	/* Not a list. */
	memset(&cfg, 0, sizeof(cfg));
	ck_assert_int_eq(mfm_rule_set_add_cfg(&s, rules_of(&cfg,
	    "threshold:\n  rules: auc < 1\n"), &err), -1);
	ck_assert_str_eq(err.msg, "expected a list of rules");
	mfm_cfg_release(&cfg);
}
END_TEST

START_TEST(test_set_take)
{
	struct mfm_rule_set s;
	struct mfm_rule r;
	struct mfm_err err;
	char expr[32];
	int i;

	mfm_rule_set_init(&s);
	for (i = 0; i < 20; i++) {
		snprintf(expr, sizeof(expr), "m%d > %d", i, i);
		parse_ok(&r, expr);
		ck_assert_int_eq(mfm_rule_set_take(&s, &r, &err), 0);
		ck_assert_ptr_null(r.name);
	}
	parse_ok(&r, "m3>3.0");
	ck_assert_int_eq(mfm_rule_set_take(&s, &r, &err), -1);
	ck_assert_str_eq(err.msg, "duplicate rule name 'm3 > 3'");
	ck_assert_ptr_null(r.name);
	ck_assert_uint_eq(s.n, 20);
	ck_assert_str_eq(s.rule[19].name, "m19 > 19");
	mfm_rule_set_release(&s);
	mfm_rule_set_release(NULL);
}
END_TEST

Suite *suite_rule(void);

Suite *
suite_rule(void)
{
	Suite *s = suite_create("rule");
	TCase *tc = tcase_create("rule");

	tcase_add_test(tc, test_parse_valid);
	tcase_add_test(tc, test_parse_invalid);
	tcase_add_test(tc, test_parse_long);
	tcase_add_test(tc, test_ops);
	tcase_add_test(tc, test_severity);
	tcase_add_test(tc, test_records);
	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_event);
	tcase_add_test(tc, test_fingerprint);
	tcase_add_test(tc, test_canon);
	tcase_add_test(tc, test_cfg);
	tcase_add_test(tc, test_cfg_conditions);
	tcase_add_test(tc, test_cfg_errors);
	tcase_add_test(tc, test_set_take);
	suite_add_tcase(s, tc);
	return s;
}
