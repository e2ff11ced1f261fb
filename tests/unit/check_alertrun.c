/*
 * Unit tests for a run of mfm-alert (lib/alertrun.c), with receivers
 * that need no network (stdout, commands): what each record is, the
 * receipts byte for byte (delivered, failed, muted three ways, held,
 * dead), firing events that reach no receiver, groups sent at the end,
 * the receivers a run starts with, a dead letter in a state directory,
 * and an Alertmanager alert forgotten when its receiver has gone.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "lib/alertrun.h"
#include "lib/buf.h"
#include "lib/deliver.h"
#include "lib/outbox.h"

#define T0 (INT64_C(1795694400) * 1000000)	/* 2026-11-26T12:00:00Z */

/* What the run handed out. */
static struct mfm_buf out, lines, fails, notes;

static void
on_line(void *ctx, int sync)
{
	(void)ctx;
	mfm_buf_add(&lines, out.p, out.len);
	mfm_buf_adds(&lines, sync ? "\n" : " (text)\n");
	mfm_buf_clear(&out);
}

static void
on_fail(void *ctx, const char *msg)
{
	(void)ctx;
	mfm_buf_addf(&fails, "%s\n", msg);
}

static void
on_note(void *ctx, const char *msg)
{
	(void)ctx;
	mfm_buf_addf(&notes, "%s\n", msg);
}

static const struct mfm_alert_ops ops = { on_line, on_fail, on_note, NULL };

static struct mfm_deliver d;
static struct mfm_outbox o;
static struct mfm_alert_run run;
static char dir[64];

static void
setup(void)
{
	mfm_buf_init(&out);
	mfm_buf_init(&lines);
	mfm_buf_init(&fails);
	mfm_buf_init(&notes);
	mfm_deliver_init(&d);
	d.now = T0;
	mfm_outbox_init(&o);
	memset(&run, 0, sizeof(run));
	mfm_deliver_event_init(&run.ev);
	dir[0] = '\0';
}

static void
teardown(void)
{
	struct mfm_err err;
	char cmd[128];

	mfm_alert_run_release(&run);
	mfm_outbox_close(&o, &err);
	mfm_deliver_release(&d);
	if (dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		ck_assert_int_eq(system(cmd), 0);
	}
	mfm_buf_release(&out);
	mfm_buf_release(&lines);
	mfm_buf_release(&fails);
	mfm_buf_release(&notes);
}

static struct mfm_deliver_recv *
command(const char *name, const char *prog)
{
	struct mfm_err err;
	struct mfm_deliver_recv *r = mfm_deliver_add(&d, MFM_DELIVER_COMMAND,
	    name, &err);

	ck_assert_ptr_nonnull(r);
	r->argv[r->argc++] = strdup(prog);
	r->retries = 0;
	return r;
}

static void
start(int state, int receipts)
{
	struct mfm_err err;

	mfm_err_clear(&err);
	if (state) {
		snprintf(dir, sizeof(dir), "/tmp/mfm-alertrun-XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(dir));
		ck_assert_int_eq(mfm_outbox_open(&o, dir, &err), 0);
	}
	ck_assert_msg(mfm_deliver_start(&d, &err) == 0, "%s", err.msg);
	mfm_alert_run_init(&run, &d, &o, state, receipts, &out, &ops);
}

/* Hand the run one record; returns what it was. */
static int
record(const char *line)
{
	struct mfm_json j;
	struct mfm_err err;
	int rc;

	mfm_json_init(&j);
	ck_assert_int_eq(mfm_json_parse(&j, line, strlen(line), &err), 0);
	rc = mfm_alert_record(&run, &j, NULL, &err);
	ck_assert_int_ne(rc, -1);
	if (rc == MFM_ALERT_BAD)
		mfm_buf_addf(&fails, "bad: %s\n", err.msg);
	mfm_json_release(&j);
	return rc;
}

static const char *
event(const char *status, const char *severity, const char *fp,
    const char *version)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "{\"status\":\"%s\",\"rule\":\"auc_low\","
	    "\"severity\":\"%s\",\"group\":{\"v\":\"%s\"},"
	    "\"fingerprint\":\"%s\",\"summary\":\"s\"}", status, severity,
	    version, fp);
	return buf;
}

/* The receipts, their keys cut out (checked apart, below). */
static const char *
receipts(void)
{
	static char buf[4096];
	const char *p = lines.p ? lines.p : "";
	char *q = buf, *k;

	snprintf(buf, sizeof(buf), "%s", p);
	while ((k = strstr(q, "\"key\":\"")) != NULL) {
		k += 7;
		ck_assert_uint_ge(strlen(k), 33);
		ck_assert_int_eq(k[32], '"');
		memmove(k, k + 32, strlen(k + 32) + 1);
		q = k;
	}
	return buf;
}

START_TEST(test_record_kinds)
{
	mfm_deliver_add(&d, MFM_DELIVER_STDOUT, "stdout", NULL);
	start(0, 0);
	ck_assert_int_eq(record("{\"_mfm\":{\"watermark\":1}}"),
	    MFM_ALERT_CONTROL);
	ck_assert_int_eq(record("{\"status\":\"firing\"}"), MFM_ALERT_BAD);
	ck_assert_str_eq(fails.p, "bad: event has no 'rule'\n");
	ck_assert_int_eq(record(event("firing", "warning", "f1", "1")),
	    MFM_ALERT_EVENT);
	/* The stdout receiver's line is text, not a receipt. */
	ck_assert_str_eq(lines.p, "FIRING    warning   auc_low  s (text)\n");
	ck_assert_uint_eq(run.c.events, 1);
	ck_assert_uint_eq(run.c.control, 1);
	ck_assert_uint_eq(d.nsent, 1);
}
END_TEST

START_TEST(test_receipts)
{
	struct mfm_deliver_silence *s;
	struct mfm_deliver_recv *r;
	struct mfm_deliver_event ev;
	struct mfm_json j;
	struct mfm_err err;
	char key[33];
	const char *l;

	command("ok", "/bin/true");
	command("fails", "/bin/false");
	r = command("repeats", "/bin/true");
	r->repeat_interval = 3600 * INT64_C(1000000);
	r->match[0].name = strdup("v");
	r->match[0].value = strdup("1");
	r->nmatch = 1;
	d.silence = calloc(2, sizeof(*d.silence));
	s = &d.silence[d.nsilence++];
	s->match[0].name = strdup("v");
	s->match[0].value = strdup("9");
	s->nmatch = 1;
	s->start = T0 - 1;
	s->end = T0 + 1;
	s = &d.silence[d.nsilence++];
	s->match[0].name = strdup("v");
	s->match[0].value = strdup("3");
	s->match[1].name = strdup("severity");
	s->match[1].value = strdup("critical");
	s->nmatch = 2;
	s->start = T0 - 1;
	s->end = T0 + 1;
	start(0, 1);
	l = event("firing", "warning", "f1", "1");
	ck_assert_int_eq(record(l), MFM_ALERT_EVENT);
	ck_assert_str_eq(receipts(),
	    "{\"receiver\":\"ok\",\"type\":\"command\",\"status\":\"firing\","
	    "\"fingerprint\":\"f1\",\"result\":\"delivered\",\"attempts\":1,"
	    "\"code\":0,\"key\":\"\"}\n"
	    "{\"receiver\":\"fails\",\"type\":\"command\",\"status\":\"firing\","
	    "\"fingerprint\":\"f1\",\"result\":\"failed\",\"attempts\":1,"
	    "\"code\":1,\"key\":\"\",\"permanent\":true,"
	    "\"error\":\"command fails: exit status 1 after 1 attempt\"}\n"
	    "{\"receiver\":\"repeats\",\"type\":\"command\","
	    "\"status\":\"firing\",\"fingerprint\":\"f1\","
	    "\"result\":\"delivered\",\"attempts\":1,\"code\":0,"
	    "\"key\":\"\"}\n");
	ck_assert_str_eq(fails.p,
	    "command fails: exit status 1 after 1 attempt\n");
	/* The key is the notification's. */
	mfm_json_init(&j);
	mfm_deliver_event_init(&ev);
	ck_assert_int_eq(mfm_json_parse(&j, l, strlen(l), &err), 0);
	ck_assert_int_eq(mfm_deliver_event_read(&ev, &j, &err), 0);
	mfm_deliver_key(&d.recv[0], &ev, key);
	ck_assert_ptr_nonnull(strstr(lines.p, key));
	mfm_deliver_event_release(&ev);
	mfm_json_release(&j);

	/* Muted: a repeat, a silence, inhibition; no attempts, no code. */
	mfm_buf_clear(&lines);
	ck_assert_int_eq(record(event("firing", "warning", "f1", "1")),
	    MFM_ALERT_EVENT);
	ck_assert_ptr_nonnull(strstr(receipts(), "{\"receiver\":\"repeats\","
	    "\"type\":\"command\",\"status\":\"firing\",\"fingerprint\":\"f1\","
	    "\"result\":\"repeat\",\"key\":\"\"}\n"));
	mfm_buf_clear(&lines);
	record(event("firing", "warning", "f9", "9"));
	ck_assert_str_eq(receipts(),
	    "{\"receiver\":\"ok\",\"type\":\"command\",\"status\":\"firing\","
	    "\"fingerprint\":\"f9\",\"result\":\"silenced\",\"key\":\"\"}\n"
	    "{\"receiver\":\"fails\",\"type\":\"command\",\"status\":\"firing\","
	    "\"fingerprint\":\"f9\",\"result\":\"silenced\",\"key\":\"\"}\n");
	record(event("firing", "critical", "c2", "2"));
	mfm_buf_clear(&lines);
	record(event("firing", "warning", "w2", "2"));
	ck_assert_ptr_nonnull(strstr(receipts(), "\"fingerprint\":\"w2\","
	    "\"result\":\"inhibited\",\"key\":\"\"}"));
	/* A silenced critical alert still inhibits the others. */
	record(event("firing", "critical", "c3", "3"));
	mfm_buf_clear(&lines);
	record(event("firing", "warning", "w3", "3"));
	ck_assert_ptr_nonnull(strstr(receipts(), "\"fingerprint\":\"w3\","
	    "\"result\":\"inhibited\",\"key\":\"\"}"));
	ck_assert_uint_eq(run.c.muted, 9);
}
END_TEST

START_TEST(test_unrouted)
{
	struct mfm_deliver_recv *r = command("pager", "/bin/true");
	int i;

	r->match[0].name = strdup("severity");
	r->match[0].value = strdup("critical");
	r->nmatch = 1;
	start(0, 0);
	for (i = 0; i < MFM_ALERT_UNROUTED_SHOWN; i++)
		ck_assert_int_eq(record(event("firing", "warning", "f1", "1")),
		    MFM_ALERT_UNROUTED);
	ck_assert_int_eq(record(event("firing", "warning", "f1", "1")),
	    MFM_ALERT_EVENT);
	/* A resolved event that nobody takes is no trouble. */
	ck_assert_int_eq(record(event("resolved", "warning", "f1", "1")),
	    MFM_ALERT_EVENT);
	mfm_alert_end(&run);
	ck_assert_str_eq(fails.p, "6 firing events reached no receiver: add "
	    "a receiver without match, or one whose match takes them\n");
}
END_TEST

START_TEST(test_unrouted_none)
{
	/* With --receipts and no receiver, nothing takes anything. */
	start(0, 1);
	ck_assert_int_eq(record(event("firing", "warning", "f1", "1")),
	    MFM_ALERT_EVENT);
	mfm_alert_end(&run);
	ck_assert_ptr_nonnull(strstr(fails.p, "1 firing event reached no "
	    "receiver: none is configured"));
}
END_TEST

START_TEST(test_groups)
{
	struct mfm_deliver_recv *r = command("team", "/bin/true");
	struct mfm_err err;

	r->group_by[r->ngroup_by++] = strdup("v");
	start(0, 1);
	record(event("firing", "warning", "a1", "1"));
	record(event("firing", "warning", "a2", "2"));
	record(event("firing", "warning", "b1", "1"));
	/* Nothing goes before the end of the input. */
	ck_assert_ptr_null(lines.p);
	ck_assert_int_eq(mfm_alert_flush(&run, &err), 0);
	ck_assert_uint_eq(d.nsent, 2);
	ck_assert_ptr_nonnull(strstr(lines.p, "\"fingerprint\":\"a1\""));
	ck_assert_ptr_nonnull(strstr(lines.p, "\"fingerprint\":\"b1\""));
	ck_assert_ptr_nonnull(strstr(lines.p, "\"fingerprint\":\"a2\""));
	/* Group v=1 went as one notification: a1 and b1 share its key. */
	ck_assert(strstr(lines.p, "\"a1\"") < strstr(lines.p, "\"b1\""));
	ck_assert(strstr(lines.p, "\"b1\"") < strstr(lines.p, "\"a2\""));
}
END_TEST

START_TEST(test_receivers)
{
	struct mfm_deliver_recv *r;
	struct mfm_err err;

	/* None: the stdout receiver, unless receipts. */
	ck_assert_int_eq(mfm_alert_receivers(&d, 1, 0, NULL, &err), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_int_eq(mfm_alert_receivers(&d, 0, 0, NULL, &err), 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.recv[0].type, MFM_DELIVER_STDOUT);
	ck_assert_int_eq(mfm_alert_receivers(&d, 1, 0, NULL, &err), -1);
	ck_assert_str_eq(err.msg, "stdout carries the receipts; remove the "
	    "stdout receiver stdout");
	/* The command line's timeout and CAs, over every receiver's own. */
	mfm_deliver_release(&d);
	mfm_deliver_init(&d);
	command("c", "/bin/true");
	r = mfm_deliver_add(&d, MFM_DELIVER_WEBHOOK, "w", &err);
	r->ca_file = strdup("own.pem");
	ck_assert_int_eq(mfm_alert_receivers(&d, 0, 5000000, "ca.pem", &err),
	    0);
	ck_assert_uint_eq(d.n, 2);
	ck_assert_int_eq(d.recv[0].timeout, 5000000);
	ck_assert_ptr_null(d.recv[0].ca_file);
	ck_assert_int_eq(d.recv[1].timeout, 5000000);
	ck_assert_str_eq(d.recv[1].ca_file, "ca.pem");
	ck_assert_int_eq(mfm_alert_receivers(&d, 0, 0, NULL, &err), 0);
	ck_assert_int_eq(d.recv[1].timeout, 5000000);
}
END_TEST

START_TEST(test_dead_letter)
{
	struct mfm_err err;

	command("fails", "/bin/false");
	start(1, 1);
	/* Queued with a state directory, sent at the end. */
	record(event("firing", "warning", "f1", "1"));
	ck_assert_ptr_null(lines.p);
	ck_assert_int_eq(mfm_alert_flush(&run, &err), 0);
	ck_assert_str_eq(receipts(),
	    "{\"receiver\":\"fails\",\"type\":\"command\",\"status\":\"firing\","
	    "\"fingerprint\":\"f1\",\"result\":\"dead\",\"attempts\":1,"
	    "\"code\":1,\"key\":\"\",\"id\":1,\"permanent\":true,"
	    "\"error\":\"command fails: exit status 1 after 1 attempt\"}\n");
	ck_assert_uint_eq(run.c.dead, 1);
	ck_assert_uint_eq(o.ndead, 1);
}
END_TEST

START_TEST(test_forget)
{
	static const char ev[] = "{\"status\":\"firing\",\"rule\":\"r\","
	    "\"fingerprint\":\"f1\",\"summary\":\"s\"}";
	struct mfm_err err;

	command("am", "/bin/true");
	start(1, 1);
	ck_assert_int_eq(mfm_outbox_firing_set(&o, "am", "f1", 2, ev,
	    strlen(ev), T0, &err), 0);
	ck_assert_uint_eq(o.nalert, 1);
	/* Its receiver is no Alertmanager now: forgotten, with a note. */
	ck_assert_int_eq(mfm_alert_resend(&run, &err), 0);
	ck_assert_uint_eq(o.nalert, 0);
	ck_assert_ptr_null(fails.p);
	ck_assert_ptr_nonnull(strstr(notes.p, "receiver am is not configured "
	    "any more: alert f1 no longer sent"));
	ck_assert_ptr_null(lines.p);
}
END_TEST

Suite *suite_alertrun(void);

Suite *
suite_alertrun(void)
{
	Suite *s = suite_create("alertrun");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_record_kinds);
	tcase_add_test(tc, test_receipts);
	tcase_add_test(tc, test_unrouted);
	tcase_add_test(tc, test_unrouted_none);
	tcase_add_test(tc, test_groups);
	tcase_add_test(tc, test_receivers);
	tcase_add_test(tc, test_dead_letter);
	tcase_add_test(tc, test_forget);
	suite_add_tcase(s, tc);
	return s;
}
