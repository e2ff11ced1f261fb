/*
 * Unit tests for the bodies mfm-alert sends (lib/alertfmt.c, amfmt.c):
 * Alertmanager's webhook message for one alert and for a group, its API
 * alerts (labels renamed as Prometheus does, the times of a firing and a
 * resolved alert), Slack's blocks (escapes, the header of a group, the
 * cap of 50 blocks), PagerDuty's trigger and resolve, the mfm format and
 * a command's input for a group, and the headers (key, signature).  The
 * bodies are pinned byte for byte and must parse as JSON.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/deliver.h"

#define NOW (INT64_C(1795694400) * 1000000)	/* 2026-11-26T12:00:00Z */

static const char *const lines[] = {
	"{\"status\":\"firing\",\"rule\":\"auc_low\",\"severity\":"
	    "\"critical\",\"metric\":\"auc\",\"value\":0.6123,\"op\":\"<\","
	    "\"threshold\":0.7,\"window\":{\"start\":"
	    "\"2026-11-26T11:00:00.000Z\",\"end\":"
	    "\"2026-11-26T12:00:00.000Z\"},\"group\":{\"model_version\":"
	    "\"1.4.0\",\"segment\":\"eu\"},\"fingerprint\":"
	    "\"9f2c4a1b77e0d3a5\",\"summary\":"
	    "\"auc 0.6123 < 0.7 for model_version=1.4.0\"}",
	"{\"status\":\"resolved\",\"rule\":\"auc_low\",\"severity\":"
	    "\"critical\",\"metric\":\"auc\",\"value\":0.81,\"threshold\":0.7,"
	    "\"window\":{\"start\":\"2026-11-26T12:00:00.000Z\",\"end\":"
	    "\"2026-11-26T13:00:00.000Z\"},\"group\":{\"model_version\":"
	    "\"1.4.0\",\"segment\":\"us\"},\"since\":"
	    "\"2026-11-26T10:00:00.000Z\",\"context\":{\"drift\":[\"plan\"]},"
	    "\"fingerprint\":\"0b1c\",\"summary\":\"auc back to 0.81\"}",
	"{\"status\":\"firing\",\"rule\":\"r<&>\",\"fingerprint\":\"77\","
	    "\"summary\":\"s \\\"q\\\" \\u00e9\",\"group\":{\"alertname\":"
	    "\"x\",\"a.b\":1,\"a_b\":2,\"n\":null,\"t\":true}}",
};

#define NEV (sizeof(lines) / sizeof(lines[0]))

static struct mfm_json j[NEV];
static struct mfm_deliver_event ev[NEV];
static struct mfm_deliver d;
static struct mfm_buf b;

static void
setup(void)
{
	struct mfm_err err;
	size_t i;

	for (i = 0; i < NEV; i++) {
		mfm_json_init(&j[i]);
		mfm_deliver_event_init(&ev[i]);
		ck_assert_int_eq(mfm_json_parse(&j[i], lines[i],
		    strlen(lines[i]), &err), 0);
		ck_assert_msg(mfm_deliver_event_read(&ev[i], &j[i], &err) == 0,
		    "%s", err.msg);
	}
	mfm_deliver_init(&d);
	d.now = NOW;
	mfm_buf_init(&b);
}

static void
teardown(void)
{
	size_t i;

	for (i = 0; i < NEV; i++) {
		mfm_deliver_event_release(&ev[i]);
		mfm_json_release(&j[i]);
	}
	mfm_deliver_release(&d);
	mfm_buf_release(&b);
}

static struct mfm_deliver_recv *
receiver(enum mfm_deliver_type type)
{
	struct mfm_err err;
	struct mfm_deliver_recv *r = mfm_deliver_add(&d, type, "ops", &err);

	ck_assert_ptr_nonnull(r);
	return r;
}

/* The body of r for ev[first] and the next n - 1 events as its group. */
static const char *
body(struct mfm_deliver_recv *r, size_t first, size_t n)
{
	static const struct mfm_deliver_event *more[NEV];
	struct mfm_json parsed;
	struct mfm_err err;
	size_t i;

	for (i = 1; i < n; i++)
		more[i - 1] = &ev[first + i];
	d.more = more;
	d.nmore = n - 1;
	mfm_buf_clear(&b);
	mfm_deliver_format_body(&b, &d, r, &ev[first], 0);
	d.more = NULL;
	d.nmore = 0;
	if (r->type != MFM_DELIVER_COMMAND && r->type != MFM_DELIVER_STDOUT) {
		mfm_json_init(&parsed);
		ck_assert_msg(mfm_json_parse(&parsed, b.p, b.len, &err) == 0,
		    "%s: %s", err.msg, b.p);
		mfm_json_release(&parsed);
	}
	return b.p;
}

START_TEST(test_am_webhook)
{
	struct mfm_deliver_recv *r = receiver(MFM_DELIVER_WEBHOOK);

	ck_assert_str_eq(body(r, 0, 1),
	    "{\"version\":\"4\",\"groupKey\":\"ops:{fingerprint=\\\"9f2c4a1"
	    "b77e0d3a5\\\"}\",\"truncatedAlerts\":0,\"status\":\"firing\","
	    "\"receiver\":\"ops\",\"groupLabels\":{\"alertname\":\"auc_low"
	    "\"},\"commonLabels\":{\"alertname\":\"auc_low\",\"severity\":"
	    "\"critical\",\"metric\":\"auc\",\"model_version\":\"1.4.0\",\""
	    "segment\":\"eu\"},\"commonAnnotations\":{\"summary\":\"auc 0.6"
	    "123 < 0.7 for model_version=1.4.0\"},\"externalURL\":\"\",\"al"
	    "erts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":\"auc"
	    "_low\",\"severity\":\"critical\",\"metric\":\"auc\",\"model_ve"
	    "rsion\":\"1.4.0\",\"segment\":\"eu\"},\"annotations\":{\"summa"
	    "ry\":\"auc 0.6123 < 0.7 for model_version=1.4.0\",\"value\":\""
	    "0.6123\",\"threshold\":\"0.7\"},\"startsAt\":\"2026-11-26T11:0"
	    "0:00.000Z\",\"endsAt\":\"0001-01-01T00:00:00Z\",\"generatorURL"
	    "\":\"\",\"fingerprint\":\"9f2c4a1b77e0d3a5\"}],\"mfm\":{\"stat"
	    "us\":\"firing\",\"rule\":\"auc_low\",\"severity\":\"critical\""
	    ",\"metric\":\"auc\",\"value\":0.6123,\"op\":\"<\",\"threshold"
	    "\":0.7,\"window\":{\"start\":\"2026-11-26T11:00:00.000Z\",\"en"
	    "d\":\"2026-11-26T12:00:00.000Z\"},\"group\":{\"model_version\""
	    ":\"1.4.0\",\"segment\":\"eu\"},\"fingerprint\":\"9f2c4a1b77e0d"
	    "3a5\",\"summary\":\"auc 0.6123 < 0.7 for model_version=1.4.0\""
	    "}}");
}
END_TEST

START_TEST(test_am_webhook_labels)
{
	struct mfm_deliver_recv *r = receiver(MFM_DELIVER_WEBHOOK);
	static const char labels[] = "{\"alertname\":\"r<&>\","
	    "\"exported_alertname\":\"x\",\"a.b\":\"1\",\"a_b\":\"2\","
	    "\"n\":\"null\",\"t\":\"true\"}";
	char want[256];

	/* A member of the group named like a label before it: renamed, as
	 * the API's labels are, never a second key of the same name. */
	snprintf(want, sizeof(want), "\"commonLabels\":%s,", labels);
	ck_assert_ptr_nonnull(strstr(body(r, 2, 1), want));
	snprintf(want, sizeof(want), "\"labels\":%s,", labels);
	ck_assert_ptr_nonnull(strstr(b.p, want));
}
END_TEST

START_TEST(test_am_webhook_group)
{
	struct mfm_deliver_recv *r = receiver(MFM_DELIVER_WEBHOOK);

	r->group_by[r->ngroup_by++] = strdup("model_version");
	r->group_by[r->ngroup_by++] = strdup("rule");
	ck_assert_str_eq(body(r, 0, 2),
	    "{\"version\":\"4\",\"groupKey\":\"ops:{model_version=\\\"1.4.0"
	    "\\\",rule=\\\"auc_low\\\"}\",\"truncatedAlerts\":0,\"status\":"
	    "\"firing\",\"receiver\":\"ops\",\"groupLabels\":{\"model_versi"
	    "on\":\"1.4.0\",\"rule\":\"auc_low\"},\"commonLabels\":{\"model"
	    "_version\":\"1.4.0\",\"rule\":\"auc_low\"},\"commonAnnotations"
	    "\":{},\"externalURL\":\"\",\"alerts\":[{\"status\":\"firing\","
	    "\"labels\":{\"alertname\":\"auc_low\",\"severity\":\"critical"
	    "\",\"metric\":\"auc\",\"model_version\":\"1.4.0\",\"segment\":"
	    "\"eu\"},\"annotations\":{\"summary\":\"auc 0.6123 < 0.7 for mo"
	    "del_version=1.4.0\",\"value\":\"0.6123\",\"threshold\":\"0.7\""
	    "},\"startsAt\":\"2026-11-26T11:00:00.000Z\",\"endsAt\":\"0001-"
	    "01-01T00:00:00Z\",\"generatorURL\":\"\",\"fingerprint\":\"9f2c"
	    "4a1b77e0d3a5\"},{\"status\":\"resolved\",\"labels\":{\"alertna"
	    "me\":\"auc_low\",\"severity\":\"critical\",\"metric\":\"auc\","
	    "\"model_version\":\"1.4.0\",\"segment\":\"us\"},\"annotations"
	    "\":{\"summary\":\"auc back to 0.81\",\"value\":\"0.81\",\"thre"
	    "shold\":\"0.7\"},\"startsAt\":\"2026-11-26T12:00:00.000Z\",\"e"
	    "ndsAt\":\"2026-11-26T13:00:00.000Z\",\"generatorURL\":\"\",\"f"
	    "ingerprint\":\"0b1c\"}],\"mfm\":[{\"status\":\"firing\",\"rule"
	    "\":\"auc_low\",\"severity\":\"critical\",\"metric\":\"auc\",\""
	    "value\":0.6123,\"op\":\"<\",\"threshold\":0.7,\"window\":{\"st"
	    "art\":\"2026-11-26T11:00:00.000Z\",\"end\":\"2026-11-26T12:00:"
	    "00.000Z\"},\"group\":{\"model_version\":\"1.4.0\",\"segment\":"
	    "\"eu\"},\"fingerprint\":\"9f2c4a1b77e0d3a5\",\"summary\":\"auc"
	    " 0.6123 < 0.7 for model_version=1.4.0\"},{\"status\":\"resolve"
	    "d\",\"rule\":\"auc_low\",\"severity\":\"critical\",\"metric\":"
	    "\"auc\",\"value\":0.81,\"threshold\":0.7,\"window\":{\"start\""
	    ":\"2026-11-26T12:00:00.000Z\",\"end\":\"2026-11-26T13:00:00.00"
	    "0Z\"},\"group\":{\"model_version\":\"1.4.0\",\"segment\":\"us"
	    "\"},\"since\":\"2026-11-26T10:00:00.000Z\",\"context\":{\"drif"
	    "t\":[\"plan\"]},\"fingerprint\":\"0b1c\",\"summary\":\"auc bac"
	    "k to 0.81\"}]}");
}
END_TEST

START_TEST(test_am_api)
{
	struct mfm_deliver_recv *r = receiver(MFM_DELIVER_ALERTMANAGER);

	r->generator_url = strdup("https://g.example/x?a=1");
	/* Firing: valid until 4 x max(interval, resend_delay) from now. */
	ck_assert_ptr_nonnull(strstr(body(r, 0, 1),
	    "\"startsAt\":\"2026-11-26T11:00:00.000Z\","
	    "\"endsAt\":\"2026-11-26T16:00:00.000Z\""));
	r->interval = 60 * INT64_C(1000000);
	r->resend_delay = 2 * 60 * INT64_C(1000000);
	ck_assert_ptr_nonnull(strstr(body(r, 0, 1),
	    "\"endsAt\":\"2026-11-26T12:08:00.000Z\""));
	r->interval = 3600 * INT64_C(1000000);
	/* Resolved: began when it started firing ("since"), ends now; the
	 * window and the context as annotations. */
	ck_assert_str_eq(body(r, 1, 1),
	    "[{\"labels\":{\"alertname\":\"auc_low\",\"severity\":\"critica"
	    "l\",\"metric\":\"auc\",\"model_version\":\"1.4.0\",\"segment\""
	    ":\"us\"},\"annotations\":{\"summary\":\"auc back to 0.81\",\"v"
	    "alue\":\"0.81\",\"threshold\":\"0.7\",\"window\":\"2026-11-26T"
	    "12:00:00.000Z/2026-11-26T13:00:00.000Z\",\"context\":\"{\\\"dr"
	    "ift\\\":[\\\"plan\\\"]}\",\"mfm_fingerprint\":\"0b1c\"},\"star"
	    "tsAt\":\"2026-11-26T10:00:00.000Z\",\"endsAt\":\"2026-11-26T12"
	    ":00:00.000Z\",\"generatorURL\":\"https://g.example/x?a=1\"}]");
	/* Labels as Prometheus names, each once; no window: began now. */
	ck_assert_str_eq(body(r, 2, 1),
	    "[{\"labels\":{\"alertname\":\"r<&>\",\"exported_alertname\":\""
	    "x\",\"a_b\":\"1\",\"exported_a_b\":\"2\",\"n\":\"null\",\"t\":"
	    "\"true\"},\"annotations\":{\"summary\":\"s \\\"q\\\" "
	    "\xc3\xa9" "\",\"mfm_fingerprint\":\"77\"},\"startsAt\":\"2026-"
	    "11-26T12:00:00.000Z\",\"endsAt\":\"2026-11-26T16:00:00.000Z\","
	    "\"generatorURL\":\"https://g.example/x?a=1\"}]");
	/* A group: an array of the alerts. */
	ck_assert_ptr_nonnull(strstr(body(r, 0, 3),
	    "\"mfm_fingerprint\":\"9f2c4a1b77e0d3a5\"},"));
	ck_assert_ptr_nonnull(strstr(b.p, "\"mfm_fingerprint\":\"77\"}"));
}
END_TEST

START_TEST(test_slack)
{
	static const struct mfm_deliver_event *more[30];
	struct mfm_deliver_recv *r = receiver(MFM_DELIVER_SLACK);
	struct mfm_json parsed;
	struct mfm_err err;
	size_t i;
	int t, k, n;

	/* Slack's three escaped in mrkdwn, not in the plain header. */
	ck_assert_str_eq(body(r, 2, 1),
	    "{\"text\":\":rotating_light: [FIRING] r&lt;&amp;&gt;: s \\\"q"
	    "\\\" \xc3\xa9" "\",\"blocks\":[{\"type\":\"header\",\"text\":{"
	    "\"type\":\"plain_text\",\"text\":\"FIRING r<&>\"}},{\"type\":"
	    "\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":\"s \\\"q\\"
	    "\" \xc3\xa9" "\"},\"fields\":[{\"type\":\"mrkdwn\",\"text\":\""
	    "*Severity*\\n-\"},{\"type\":\"mrkdwn\",\"text\":\"*Group*\\n{"
	    "\\\"alertname\\\":\\\"x\\\",\\\"a.b\\\":1,\\\"a_b\\\":2,\\\"n"
	    "\\\":null,\\\"t\\\":true}\"}]},{\"type\":\"context\",\"element"
	    "s\":[{\"type\":\"mrkdwn\",\"text\":\"fingerprint 77\"}]}]}");
	ck_assert_ptr_nonnull(strstr(body(r, 0, 3),
	    "{\"type\":\"header\",\"text\":{\"type\":\"plain_text\","
	    "\"text\":\"FIRING 3 alerts\"}}"));
	/* 31 alerts: a header, 24 alerts of two blocks, and a count. */
	for (i = 0; i < 30; i++)
		more[i] = &ev[2];
	d.more = more;
	d.nmore = 30;
	mfm_buf_clear(&b);
	mfm_deliver_format_body(&b, &d, r, &ev[0], 0);
	d.more = NULL;
	d.nmore = 0;
	ck_assert_ptr_nonnull(strstr(b.p, "{\"type\":\"section\",\"text\":"
	    "{\"type\":\"mrkdwn\",\"text\":\"and 7 more\"}}]}"));
	mfm_json_init(&parsed);
	ck_assert_int_eq(mfm_json_parse(&parsed, b.p, b.len, &err), 0);
	t = mfm_json_member(&parsed, 0, "blocks", 6);
	n = 0;
	for (k = mfm_json_first(&parsed, t); k >= 0;
	    k = mfm_json_next(&parsed, t, k))
		n++;
	ck_assert_int_eq(n, 50);
	mfm_json_release(&parsed);
}
END_TEST

START_TEST(test_pagerduty)
{
	struct mfm_deliver_recv *r = receiver(MFM_DELIVER_PAGERDUTY);

	r->routing_key = strdup("KEY");
	ck_assert_str_eq(body(r, 0, 1),
	    "{\"routing_key\":\"KEY\",\"event_action\":\"trigger\",\"dedup_"
	    "key\":\"9f2c4a1b77e0d3a5\",\"payload\":{\"summary\":\"auc 0.61"
	    "23 < 0.7 for model_version=1.4.0\",\"source\":\"mfm\",\"severi"
	    "ty\":\"critical\",\"class\":\"auc_low\",\"component\":\"auc\","
	    "\"custom_details\":{\"status\":\"firing\",\"rule\":\"auc_low\""
	    ",\"severity\":\"critical\",\"metric\":\"auc\",\"value\":0.6123"
	    ",\"op\":\"<\",\"threshold\":0.7,\"window\":{\"start\":\"2026-1"
	    "1-26T11:00:00.000Z\",\"end\":\"2026-11-26T12:00:00.000Z\"},\"g"
	    "roup\":{\"model_version\":\"1.4.0\",\"segment\":\"eu\"},\"fing"
	    "erprint\":\"9f2c4a1b77e0d3a5\",\"summary\":\"auc 0.6123 < 0.7 "
	    "for model_version=1.4.0\"}},\"client\":\"mfm-alert\"}");
	/* A resolve has no payload. */
	ck_assert_str_eq(body(r, 1, 1),
	    "{\"routing_key\":\"KEY\",\"event_action\":\"resolve\",\"dedup_"
	    "key\":\"0b1c\",\"client\":\"mfm-alert\"}");
}
END_TEST

START_TEST(test_mfm_and_command)
{
	struct mfm_deliver_recv *r = receiver(MFM_DELIVER_WEBHOOK);
	char want[2048];

	r->format = MFM_DELIVER_FMT_MFM;
	ck_assert_str_eq(body(r, 0, 1), lines[0]);
	snprintf(want, sizeof(want), "[%s,%s,%s]", lines[0], lines[1],
	    lines[2]);
	ck_assert_str_eq(body(r, 0, 3), want);
	/* A command's input: the events of a group, a line each. */
	r = receiver(MFM_DELIVER_COMMAND);
	snprintf(want, sizeof(want), "%s\n%s", lines[1], lines[2]);
	ck_assert_str_eq(body(r, 1, 2), want);
}
END_TEST

START_TEST(test_headers)
{
	static const struct mfm_deliver_event *more[1];
	struct mfm_buf h = MFM_BUF_INIT;
	struct mfm_deliver_recv *r = receiver(MFM_DELIVER_WEBHOOK);
	char key[33], k1[33], group[33], sig[65], want[256];

	r->hmac = strdup("hk");
	body(r, 0, 1);
	mfm_deliver_http_headers(&h, &d, r, &ev[0], &b);
	mfm_deliver_key(r, &ev[0], key);
	mfm_deliver_hmac("hk", 2, b.p, b.len, sig);
	snprintf(want, sizeof(want), "Content-Type: application/json\n"
	    "Idempotency-Key: %s\nX-MFM-Signature: sha256=%s\n", key, sig);
	ck_assert_str_eq(h.p, want);
	/* A group's key is of all its events, and not any one's. */
	more[0] = &ev[1];
	d.more = more;
	d.nmore = 1;
	mfm_deliver_note_key(&d, r, &ev[0], group);
	d.more = NULL;
	d.nmore = 0;
	mfm_deliver_note_key(&d, r, &ev[0], k1);
	ck_assert_str_eq(k1, key);
	ck_assert_str_ne(group, key);
	ck_assert_uint_eq(strlen(group), 32);
	mfm_deliver_key(r, &ev[1], k1);
	ck_assert_str_ne(group, k1);
	mfm_buf_release(&h);
}
END_TEST

Suite *suite_alertfmt(void);

Suite *
suite_alertfmt(void)
{
	Suite *s = suite_create("alertfmt");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_am_webhook);
	tcase_add_test(tc, test_am_webhook_labels);
	tcase_add_test(tc, test_am_webhook_group);
	tcase_add_test(tc, test_am_api);
	tcase_add_test(tc, test_slack);
	tcase_add_test(tc, test_pagerduty);
	tcase_add_test(tc, test_mfm_and_command);
	tcase_add_test(tc, test_headers);
	suite_add_tcase(s, tc);
	return s;
}
