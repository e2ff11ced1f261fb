/*
 * Unit tests for alert delivery (lib/deliver.c): reading events, the
 * stdout line and the dry-run request, URLs and their redaction (no
 * message may hold the secret), the retry policy, the receivers of the
 * configuration, and a real attempt against a closed loopback port with
 * the waits recorded instead of slept.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>

#include "lib/cfg.h"
#include "lib/deliver.h"
#include "lib/json.h"

#define SECRET "T0KEN-s3cr3t"

static const char event_line[] =
    "{\"status\":\"firing\",\"rule\":\"auc_low\",\"severity\":\"critical\","
    "\"metric\":\"auc\",\"value\":0.6123,\"fingerprint\":\"9f2c4a1b77e0d3a5\","
    "\"summary\":\"auc 0.6123 < 0.7 for model_version=1.4.0\"}";

struct fixture {
	struct mfm_json j;
	struct mfm_deliver_event ev;
	struct mfm_err err;
	int rc;
};

static void
read_event(struct fixture *f, const char *line)
{
	mfm_json_init(&f->j);
	mfm_deliver_event_init(&f->ev);
	mfm_err_clear(&f->err);
	ck_assert_int_eq(mfm_json_parse(&f->j, line, strlen(line), &f->err),
	    0);
	f->rc = mfm_deliver_event_read(&f->ev, &f->j, &f->err);
}

static void
fixture_release(struct fixture *f)
{
	mfm_deliver_event_release(&f->ev);
	mfm_json_release(&f->j);
}

static int
str_is(struct mfm_deliver_str s, const char *want)
{
	return s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

START_TEST(test_event_read)
{
	struct fixture f;

	read_event(&f, event_line);
	ck_assert_int_eq(f.rc, 0);
	ck_assert_int_eq(f.ev.firing, 1);
	ck_assert(str_is(f.ev.rule, "auc_low"));
	ck_assert(str_is(f.ev.severity, "critical"));
	ck_assert(str_is(f.ev.fingerprint, "9f2c4a1b77e0d3a5"));
	ck_assert(str_is(f.ev.summary,
	    "auc 0.6123 < 0.7 for model_version=1.4.0"));
	/* The body is the record, byte for byte. */
	ck_assert(str_is(f.ev.body, event_line));
	fixture_release(&f);

	read_event(&f, "  {\"status\":\"resolved\",\"rule\":\"r\","
	    "\"fingerprint\":\"f\",\"summary\":\"a\\nb \\u00e9\"} ");
	ck_assert_int_eq(f.rc, 0);
	ck_assert_int_eq(f.ev.firing, 0);
	ck_assert_uint_eq(f.ev.severity.len, 0);
	ck_assert(str_is(f.ev.summary, "a\nb \xc3\xa9"));
	ck_assert(f.ev.body.p[0] == '{');
	ck_assert(f.ev.body.p[f.ev.body.len - 1] == '}');
	fixture_release(&f);
}
END_TEST

START_TEST(test_event_control)
{
	struct fixture f;

	read_event(&f, "{\"_mfm\":{\"closed\":\"x\"}}");
	ck_assert_int_eq(f.rc, 1);
	fixture_release(&f);
}
END_TEST

START_TEST(test_event_bad)
{
	static const struct {
		const char *line, *msg;
	} cases[] = {
		{ "{\"rule\":\"r\",\"fingerprint\":\"f\",\"summary\":\"s\"}",
		    "event has no 'status'" },
		{ "{\"status\":\"firing\",\"fingerprint\":\"f\","
		    "\"summary\":\"s\"}", "event has no 'rule'" },
		{ "{\"status\":\"firing\",\"rule\":\"r\",\"summary\":\"s\"}",
		    "event has no 'fingerprint'" },
		{ "{\"status\":\"firing\",\"rule\":\"r\",\"fingerprint\":\"f\"}",
		    "event has no 'summary'" },
		{ "{\"status\":\"pendin\",\"rule\":\"r\",\"fingerprint\":\"f\","
		    "\"summary\":\"s\"}", "event status is not firing, "
		    "resolved, pending, inactive or insufficient_data" },
		{ "{\"status\":1,\"rule\":\"r\",\"fingerprint\":\"f\","
		    "\"summary\":\"s\"}",
		    "event member 'status' is not a string" },
		{ "{\"status\":\"firing\",\"rule\":7,\"fingerprint\":\"f\","
		    "\"summary\":\"s\"}", "event member 'rule' is not a string" },
		{ "{\"status\":\"firing\",\"rule\":\"r\",\"fingerprint\":\"\","
		    "\"summary\":\"s\"}", "event member 'fingerprint' is empty" },
		{ "{\"status\":\"firing\",\"rule\":\"r\",\"fingerprint\":\"f\","
		    "\"summary\":\"s\",\"severity\":null}",
		    "event member 'severity' is not a string" },
	};
	struct fixture f;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		read_event(&f, cases[i].line);
		ck_assert_int_eq(f.rc, -1);
		ck_assert_int_eq(f.err.kind, MFM_ERR_DATA);
		ck_assert_str_eq(f.err.msg, cases[i].msg);
		fixture_release(&f);
	}
}
END_TEST

START_TEST(test_format_line)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct fixture f;

	read_event(&f, event_line);
	mfm_deliver_format_line(&b, &f.ev);
	ck_assert_str_eq(b.p, "FIRING    critical  auc_low  "
	    "auc 0.6123 < 0.7 for model_version=1.4.0");
	fixture_release(&f);

	/* No severity; controls (C0, DEL, C1 CSI) shown as '?'; UTF-8 kept. */
	mfm_buf_clear(&b);
	read_event(&f, "{\"status\":\"resolved\",\"rule\":\"r\\u001b[2J\","
	    "\"fingerprint\":\"f\",\"summary\":\"a\\nb\\u007f\\u009b1m "
	    "\\u00e9\"}");
	ck_assert_int_eq(f.rc, 0);
	mfm_deliver_format_line(&b, &f.ev);
	ck_assert_str_eq(b.p, "RESOLVED  -         r?[2J  a?b??1m \xc3\xa9");
	fixture_release(&f);

	/* A long severity pushes the rest right, two spaces apart. */
	mfm_buf_clear(&b);
	read_event(&f, "{\"status\":\"firing\",\"rule\":\"r\",\"severity\":"
	    "\"emergency\",\"fingerprint\":\"f\",\"summary\":\"s\"}");
	mfm_deliver_format_line(&b, &f.ev);
	ck_assert_str_eq(b.p, "FIRING    emergency  r  s");
	fixture_release(&f);
	mfm_buf_release(&b);
}
END_TEST

static struct mfm_deliver_recv *
webhook(struct mfm_deliver *d, const char *url, struct mfm_err *err)
{
	struct mfm_deliver_recv *r;

	r = mfm_deliver_add(d, MFM_DELIVER_WEBHOOK, "ops", err);
	ck_assert_ptr_nonnull(r);
	if (url != NULL && mfm_deliver_url_set(r, url, strlen(url), "test",
	    err) != 0)
		return NULL;
	return r;
}

START_TEST(test_url_redact)
{
	static const struct {
		const char *url, *shown, *host;
		int userinfo;
	} cases[] = {
		{ "https://hooks.example.com/services/T0/B1/" SECRET,
		    "https://hooks.example.com/\xe2\x80\xa6",
		    "hooks.example.com", 0 },
		{ "https://127.0.0.1:8443/hook?token=" SECRET,
		    "https://127.0.0.1:8443/\xe2\x80\xa6", "127.0.0.1:8443", 0 },
		{ "https://h.example:443/x", "https://h.example:443/\xe2\x80\xa6",
		    "h.example", 0 },
		{ "http://h.example:80/x", "http://h.example:80/\xe2\x80\xa6",
		    "h.example", 0 },
		{ "http://alice:" SECRET "@h.example/",
		    "http://h.example/\xe2\x80\xa6", "h.example", 1 },
		{ "http://[::1]:8080/" SECRET, "http://[::1]:8080/\xe2\x80\xa6",
		    "[::1]:8080", 0 },
		{ "  https://h.example/" SECRET "\r\n",
		    "https://h.example/\xe2\x80\xa6", "h.example", 0 },
		{ "HTTPS://H.example/x", "https://H.example/\xe2\x80\xa6",
		    "H.example", 0 },
	};
	struct mfm_deliver d;
	struct mfm_deliver_recv *r;
	struct mfm_err err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mfm_deliver_init(&d);
		mfm_err_clear(&err);
		r = webhook(&d, cases[i].url, &err);
		ck_assert_msg(r != NULL, "%s: %s", cases[i].url, err.msg);
		ck_assert_str_eq(r->shown, cases[i].shown);
		ck_assert_str_eq(r->host, cases[i].host);
		ck_assert_int_eq(r->userinfo, cases[i].userinfo);
		ck_assert_ptr_null(strstr(r->shown, SECRET));
		mfm_deliver_release(&d);
	}
}
END_TEST

START_TEST(test_url_bad)
{
	static const struct {
		const char *url, *msg;
	} cases[] = {
		{ "ftp://h.example/" SECRET, "test: not an http or https URL" },
		{ "file:///etc/" SECRET, "test: not an http or https URL" },
		{ "h.example/" SECRET, "test: not an http or https URL" },
		{ "https://", "test: invalid URL: " },
		{ "https:///" SECRET, "test: URL has no host" },
		{ "https://?" SECRET, "test: invalid URL: " },
		{ "https://h.example/a b" SECRET,
		    "test: URL holds white space or a control character" },
		{ "https://h.example:99999/" SECRET, "test: invalid URL: " },
		{ " \r\n", "test: no URL" },
	};
	struct mfm_deliver d;
	struct mfm_err err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mfm_deliver_init(&d);
		mfm_err_clear(&err);
		ck_assert_msg(webhook(&d, cases[i].url, &err) == NULL, "%s",
		    cases[i].url);
		ck_assert_msg(strncmp(err.msg, cases[i].msg,
		    strlen(cases[i].msg)) == 0, "%s: %s", cases[i].url,
		    err.msg);
		ck_assert_ptr_null(strstr(err.msg, SECRET));
		ck_assert_ptr_null(d.recv[0].url);
		mfm_deliver_release(&d);
	}
}
END_TEST

START_TEST(test_url_cap)
{
	struct mfm_deliver d;
	struct mfm_err err;
	char *url = malloc(MFM_DELIVER_MAX_URL + 2);
	size_t n = strlen("https://h.example/");

	memcpy(url, "https://h.example/", n);
	memset(url + n, 'a', MFM_DELIVER_MAX_URL + 1 - n);
	url[MFM_DELIVER_MAX_URL] = '\0';
	mfm_deliver_init(&d);
	ck_assert_ptr_nonnull(webhook(&d, url, &err));
	url[MFM_DELIVER_MAX_URL] = 'a';
	url[MFM_DELIVER_MAX_URL + 1] = '\0';
	ck_assert_ptr_null(webhook(&d, url, &err));
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	ck_assert_str_eq(err.msg, "test: URL longer than 8192 bytes");
	mfm_deliver_release(&d);
	free(url);
}
END_TEST

START_TEST(test_url_env_file)
{
	struct mfm_deliver d;
	struct mfm_deliver_recv *r;
	struct mfm_err err;
	char path[] = "/tmp/mfm-deliver-XXXXXX";
	FILE *f;
	int fd;

	mfm_deliver_init(&d);
	r = webhook(&d, NULL, &err);
	unsetenv("MFM_TEST_HOOK");
	ck_assert_int_eq(mfm_deliver_url_env(r, "MFM_TEST_HOOK", &err), -1);
	ck_assert_str_eq(err.msg,
	    "environment variable MFM_TEST_HOOK is not set");
	setenv("MFM_TEST_HOOK", "https://h.example/" SECRET "\n", 1);
	ck_assert_int_eq(mfm_deliver_url_env(r, "MFM_TEST_HOOK", &err), 0);
	ck_assert_str_eq(r->url, "https://h.example/" SECRET);
	setenv("MFM_TEST_HOOK", "gopher://h.example/" SECRET, 1);
	ck_assert_int_eq(mfm_deliver_url_env(r, "MFM_TEST_HOOK", &err), -1);
	ck_assert_str_eq(err.msg, "environment variable MFM_TEST_HOOK: "
	    "not an http or https URL");

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs("http://127.0.0.1:9/" SECRET "\nsecond line\n", f);
	fclose(f);
	ck_assert_int_eq(mfm_deliver_url_file(r, path, &err), 0);
	ck_assert_str_eq(r->url, "http://127.0.0.1:9/" SECRET);
	f = fopen(path, "w");
	fclose(f);
	ck_assert_int_eq(mfm_deliver_url_file(r, path, &err), -1);
	ck_assert(strstr(err.msg, ": no URL") != NULL);
	unlink(path);
	ck_assert_int_eq(mfm_deliver_url_file(r, path, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_SYS);
	ck_assert(strstr(err.msg, "No such file or directory") != NULL);
	mfm_deliver_release(&d);
}
END_TEST

START_TEST(test_retry_policy)
{
	struct mfm_deliver d;
	struct mfm_deliver_recv *r;
	struct mfm_err err;

	ck_assert_int_eq(mfm_deliver_retryable(0, 500), 1);
	ck_assert_int_eq(mfm_deliver_retryable(0, 503), 1);
	ck_assert_int_eq(mfm_deliver_retryable(0, 429), 1);
	ck_assert_int_eq(mfm_deliver_retryable(0, 400), 0);
	ck_assert_int_eq(mfm_deliver_retryable(0, 404), 0);
	ck_assert_int_eq(mfm_deliver_retryable(0, 301), 0);
	ck_assert_int_eq(mfm_deliver_retryable(0, 200), 0);
	ck_assert_int_eq(mfm_deliver_retryable(7, 0), 1);	/* connect */
	ck_assert_int_eq(mfm_deliver_retryable(28, 0), 1);	/* timeout */
	ck_assert_int_eq(mfm_deliver_retryable(52, 0), 1);	/* nothing */
	ck_assert_int_eq(mfm_deliver_retryable(60, 0), 0);	/* verify */
	ck_assert_int_eq(mfm_deliver_retryable(1, 0), 0);	/* protocol */

	mfm_deliver_init(&d);
	r = webhook(&d, NULL, &err);
	ck_assert_int_eq(mfm_deliver_wait(r, 1, 500, 0), 500000);
	ck_assert_int_eq(mfm_deliver_wait(r, 2, 500, 0), 1000000);
	ck_assert_int_eq(mfm_deliver_wait(r, 3, 0, 0), 2000000);
	ck_assert_int_eq(mfm_deliver_wait(r, 10, 0, 0), 30000000);
	ck_assert_int_eq(mfm_deliver_wait(r, 1000, 0, 0), 30000000);
	/* Retry-After counts on 429 and 503 only, capped. */
	ck_assert_int_eq(mfm_deliver_wait(r, 1, 429, 7), 7000000);
	ck_assert_int_eq(mfm_deliver_wait(r, 1, 503, 2), 2000000);
	ck_assert_int_eq(mfm_deliver_wait(r, 1, 500, 7), 500000);
	ck_assert_int_eq(mfm_deliver_wait(r, 1, 429, 3600), 30000000);
	ck_assert_int_eq(mfm_deliver_wait(r, 1, 429, INT64_MAX), 30000000);
	r->backoff = 0;
	ck_assert_int_eq(mfm_deliver_wait(r, 5, 0, 0), 0);
	mfm_deliver_release(&d);
}
END_TEST

START_TEST(test_format_request)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_deliver d;
	struct mfm_deliver_recv *r;
	struct mfm_err err;
	struct fixture f;
	char want[1024], key[33];

	read_event(&f, event_line);
	mfm_deliver_init(&d);
	d.dry_run = 1;
	r = webhook(&d, "https://bob:" SECRET "@127.0.0.1:8443/h/" SECRET,
	    &err);
	r->format = MFM_DELIVER_FMT_MFM;
	mfm_deliver_key(r, &f.ev, key);
	ck_assert_int_eq(mfm_deliver_start(&d, &err), 0);
	ck_assert_int_eq(mfm_deliver_send(&d, r, &f.ev, &b, &err), 0);
	snprintf(want, sizeof(want), "# webhook ops\n"
	    "POST https://127.0.0.1:8443/\xe2\x80\xa6\n"
	    "Host: 127.0.0.1:8443\n"
	    "Authorization: Basic \xe2\x80\xa6\n"
	    "User-Agent: mfm-alert/" MFM_VERSION "\n"
	    "Content-Type: application/json\n"
	    "Idempotency-Key: %s\n"
	    "Content-Length: %zu\n\n%s\n", key, strlen(event_line),
	    event_line);
	ck_assert_str_eq(b.p, want);
	ck_assert_ptr_null(strstr(b.p, SECRET));
	mfm_buf_release(&b);
	mfm_deliver_release(&d);
	fixture_release(&f);
}
END_TEST

START_TEST(test_send_stdout)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_deliver d;
	struct mfm_deliver_recv *r;
	struct mfm_err err;
	struct fixture f;

	read_event(&f, event_line);
	mfm_deliver_init(&d);
	r = mfm_deliver_add(&d, MFM_DELIVER_STDOUT, "stdout", &err);
	ck_assert_int_eq(mfm_deliver_start(&d, &err), 0);
	ck_assert_ptr_null(d.curl);	/* no webhook, no libcurl */
	ck_assert_int_eq(mfm_deliver_send(&d, r, &f.ev, &b, &err), 0);
	ck_assert(strncmp(b.p, "FIRING    critical  auc_low  ", 29) == 0);
	ck_assert_uint_eq(d.nsent, 1);
	mfm_buf_release(&b);
	mfm_deliver_release(&d);
	fixture_release(&f);
}
END_TEST

START_TEST(test_receivers_cap)
{
	struct mfm_deliver d;
	struct mfm_err err;
	int i;

	mfm_deliver_init(&d);
	for (i = 0; i < MFM_DELIVER_MAX_RECEIVERS; i++)
		ck_assert_ptr_nonnull(mfm_deliver_add(&d, MFM_DELIVER_STDOUT,
		    "s", &err));
	ck_assert_ptr_null(mfm_deliver_add(&d, MFM_DELIVER_STDOUT, "s",
	    &err));
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	mfm_deliver_release(&d);
}
END_TEST

START_TEST(test_start_checks)
{
	struct mfm_deliver d;
	struct mfm_deliver_recv *r;
	struct mfm_err err;

	mfm_deliver_init(&d);
	webhook(&d, NULL, &err);
	ck_assert_int_eq(mfm_deliver_start(&d, &err), -1);
	ck_assert_str_eq(err.msg, "webhook ops: no URL");
	mfm_deliver_release(&d);

	mfm_deliver_init(&d);
	r = webhook(&d, "https://h.example/x", &err);
	r->ca_file = strdup("/nonexistent/ca.pem");
	ck_assert_int_eq(mfm_deliver_start(&d, &err), -1);
	ck_assert_str_eq(err.msg, "webhook ops: /nonexistent/ca.pem: "
	    "No such file or directory");
	mfm_deliver_release(&d);
}
END_TEST

static int64_t waits[16];
static size_t nwaits;

static void
record_wait(int64_t us)
{
	if (nwaits < 16)
		waits[nwaits++] = us;
}

/* A loopback port with nothing listening: bound, then closed. */
static int
closed_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(s, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
	close(s);
	return ntohs(a.sin_port);
}

START_TEST(test_send_refused)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_deliver d;
	struct mfm_deliver_recv *r;
	struct mfm_err err;
	struct fixture f;
	char url[128], want[128];
	int port = closed_port();

	read_event(&f, event_line);
	mfm_deliver_init(&d);
	d.sleep = record_wait;
	d.jitter = NULL;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook/" SECRET, port);
	r = webhook(&d, url, &err);
	r->timeout = 2000000;
	ck_assert_int_eq(mfm_deliver_start(&d, &err), 0);
	nwaits = 0;
	ck_assert_int_eq(mfm_deliver_send(&d, r, &f.ev, &b, &err), -1);
	ck_assert_uint_eq(b.len, 0);
	snprintf(want, sizeof(want), "webhook ops: POST to "
	    "http://127.0.0.1:%d/\xe2\x80\xa6 failed after 3 attempts: ", port);
	ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "%s",
	    err.msg);
	ck_assert_ptr_null(strstr(err.msg, SECRET));
	ck_assert_uint_eq(nwaits, 2);
	ck_assert_int_eq(waits[0], 500000);
	ck_assert_int_eq(waits[1], 1000000);
	ck_assert_uint_eq(d.nfailed, 1);

	/* No retries: one attempt, no wait. */
	r->retries = 0;
	nwaits = 0;
	ck_assert_int_eq(mfm_deliver_send(&d, r, &f.ev, &b, &err), -1);
	ck_assert(strstr(err.msg, "failed after 1 attempt: ") != NULL);
	ck_assert_uint_eq(nwaits, 0);
	mfm_buf_release(&b);
	mfm_deliver_release(&d);
	fixture_release(&f);
}
END_TEST

static int
load(struct mfm_cfg *cfg, const char *yaml, struct mfm_deliver *d,
    struct mfm_err *err)
{
	const struct mfm_cfg_node *sec, *list;

	mfm_deliver_init(d);
	mfm_err_clear(err);
	ck_assert_int_eq(mfm_cfg_load_mem(cfg, "t.yaml", yaml, strlen(yaml),
	    err), 0);
	sec = mfm_cfg_get(cfg->root, "alert");
	if ((list = mfm_cfg_get(sec, "receivers")) != NULL &&
	    mfm_deliver_config_receivers(d, list, err) != 0)
		return -1;
	return mfm_deliver_read_secrets(d, err);
}

START_TEST(test_config)
{
	static const char yaml[] =
	    "alert:\n"
	    "  receivers:\n"
	    "    - type: stdout\n"
	    "    - type: webhook\n"
	    "      name: ops\n"
	    "      url_env: MFM_TEST_HOOK\n"
	    "      timeout: 3s\n"
	    "      retries: 5\n"
	    "      backoff: 0\n"
	    "      max_backoff: 2s\n"
	    "      ca_file: ca.pem\n"
	    "    - type: webhook\n"
	    "      url_env: MFM_TEST_HOOK\n";
	struct mfm_deliver d;
	struct mfm_cfg cfg;
	struct mfm_err err;

	setenv("MFM_TEST_HOOK", "https://h.example/" SECRET, 1);
	ck_assert_msg(load(&cfg, yaml, &d, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(d.n, 3);
	ck_assert_int_eq(d.recv[0].type, MFM_DELIVER_STDOUT);
	ck_assert_int_eq(d.recv[1].type, MFM_DELIVER_WEBHOOK);
	ck_assert_str_eq(d.recv[1].name, "ops");
	ck_assert_str_eq(d.recv[1].url, "https://h.example/" SECRET);
	ck_assert_int_eq(d.recv[1].timeout, 3000000);
	ck_assert_uint_eq(d.recv[1].retries, 5);
	ck_assert_int_eq(d.recv[1].backoff, 0);
	ck_assert_int_eq(d.recv[1].max_backoff, 2000000);
	ck_assert_str_eq(d.recv[1].ca_file, "ca.pem");
	/* Unnamed: called after where its URL comes from; defaults. */
	ck_assert_str_eq(d.recv[2].name, "MFM_TEST_HOOK");
	ck_assert_int_eq(d.recv[2].timeout, MFM_DELIVER_TIMEOUT);
	ck_assert_uint_eq(d.recv[2].retries, MFM_DELIVER_RETRIES);
	mfm_deliver_release(&d);
	mfm_cfg_release(&cfg);
}
END_TEST

START_TEST(test_config_errors)
{
	static const struct {
		const char *yaml, *msg;
		size_t line, col;
	} cases[] = {
		{ "alert:\n  receivers: stdout\n",
		    "expected a list of receivers", 2, 14 },
		{ "alert:\n  receivers:\n    - stdout\n",
		    "expected a receiver: a mapping with a type", 3, 7 },
		{ "alert:\n  receivers:\n    - name: x\n",
		    "receiver has no type", 3, 7 },
		{ "alert:\n  receivers:\n    - type: sms\n",
		    "unknown receiver type 'sms'", 3, 13 },
		{ "alert:\n  receivers:\n    - type: stdout\n      url: x\n",
		    "unknown key 'url'", 4, 7 },
		{ "alert:\n  receivers:\n    - type: webhook\n"
		    "      url: https://h.example/" SECRET "\n",
		    "a webhook URL is a secret: give url_env or url_file, "
		    "not url", 4, 12 },
		{ "alert:\n  receivers:\n    - type: webhook\n"
		    "      url_env: MFM_TEST_HOOK\n      timout: 3s\n",
		    "unknown key 'timout'", 5, 7 },
		{ "alert:\n  receivers:\n    - type: webhook\n      name: a\n",
		    "a webhook receiver needs url_env or url_file", 3, 7 },
		{ "alert:\n  receivers:\n    - type: webhook\n"
		    "      url_env: MFM_TEST_HOOK\n      url_file: f\n",
		    "give url_env or url_file, not both", 5, 17 },
		{ "alert:\n  receivers:\n    - type: webhook\n"
		    "      url_env: MFM_TEST_UNSET\n",
		    "environment variable MFM_TEST_UNSET is not set", 4, 16 },
		{ "alert:\n  receivers:\n    - type: webhook\n"
		    "      url_env: MFM_TEST_HOOK\n      retries: 11\n",
		    "expected an integer from 0 to 10", 5, 16 },
		{ "alert:\n  receivers:\n    - type: webhook\n"
		    "      url_env: MFM_TEST_HOOK\n      timeout: 0\n",
		    NULL, 5, 16 },
	};
	struct mfm_deliver d;
	struct mfm_cfg cfg;
	struct mfm_err err;
	size_t i;

	setenv("MFM_TEST_HOOK", "https://h.example/" SECRET, 1);
	unsetenv("MFM_TEST_UNSET");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(load(&cfg, cases[i].yaml, &d, &err) == -1,
		    "case %zu", i);
		if (cases[i].msg != NULL)
			ck_assert_str_eq(err.msg, cases[i].msg);
		ck_assert_msg(err.line == cases[i].line &&
		    err.col == cases[i].col, "case %zu: %zu:%zu: %s", i,
		    err.line, err.col, err.msg);
		ck_assert_ptr_null(strstr(err.msg, SECRET));
		mfm_deliver_release(&d);
		mfm_cfg_release(&cfg);
	}
}
END_TEST

START_TEST(test_hmac_vectors)
{
	char out[65];
	char key[20];

	/* RFC 4231 test cases 1 and 2. */
	memset(key, 0x0b, sizeof(key));
	mfm_deliver_hmac(key, sizeof(key), "Hi There", 8, out);
	ck_assert_str_eq(out, "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7");
	mfm_deliver_hmac("Jefe", 4, "what do ya want for nothing?", 28, out);
	ck_assert_str_eq(out, "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
}
END_TEST

START_TEST(test_key_stable)
{
	struct mfm_deliver d;
	struct mfm_deliver_recv *a, *b;
	struct mfm_err err;
	struct fixture f;
	char k1[33], k2[33], k3[33];

	read_event(&f, event_line);
	mfm_deliver_init(&d);
	a = mfm_deliver_add(&d, MFM_DELIVER_WEBHOOK, "a", &err);
	mfm_deliver_key(a, &f.ev, k1);
	mfm_deliver_key(a, &f.ev, k2);
	b = mfm_deliver_add(&d, MFM_DELIVER_WEBHOOK, "b", &err);
	mfm_deliver_key(b, &f.ev, k3);
	ck_assert_str_eq(k1, k2);
	ck_assert_str_ne(k1, k3);
	ck_assert_uint_eq(strlen(k1), 32);
	mfm_deliver_release(&d);
	fixture_release(&f);
}
END_TEST

START_TEST(test_body_slack_pagerduty)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_deliver d;
	struct mfm_deliver_recv *r;
	struct mfm_err err;
	struct fixture f;

	read_event(&f, "{\"status\":\"firing\",\"rule\":\"r<1>\","
	    "\"severity\":\"sev-9\",\"fingerprint\":\"ab\","
	    "\"summary\":\"a & <b>\"}");
	ck_assert_int_eq(f.rc, 0);
	mfm_deliver_init(&d);
	r = mfm_deliver_add(&d, MFM_DELIVER_SLACK, "s", &err);
	mfm_deliver_format_body(&b, &d, r, &f.ev, 0);
	ck_assert_ptr_nonnull(strstr(b.p, "\"text\":\":rotating_light: "
	    "[FIRING] r&lt;1&gt;: a &amp; &lt;b&gt;\""));
	ck_assert_ptr_null(strstr(b.p, "<b>"));
	mfm_buf_clear(&b);
	r = mfm_deliver_add(&d, MFM_DELIVER_PAGERDUTY, "p", &err);
	r->routing_key = mfm_xstrdup(SECRET);
	mfm_deliver_format_body(&b, &d, r, &f.ev, 1);
	/* An unknown severity is an error to PagerDuty; redacted key. */
	ck_assert_ptr_nonnull(strstr(b.p, "\"severity\":\"error\""));
	ck_assert_ptr_nonnull(strstr(b.p, "\"dedup_key\":\"ab\""));
	ck_assert_ptr_null(strstr(b.p, SECRET));
	mfm_buf_clear(&b);
	mfm_deliver_format_body(&b, &d, r, &f.ev, 0);
	ck_assert_ptr_nonnull(strstr(b.p, "\"routing_key\":\"" SECRET "\""));
	mfm_buf_release(&b);
	mfm_deliver_release(&d);
	fixture_release(&f);
}
END_TEST

START_TEST(test_email_message)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_deliver d;
	struct mfm_deliver_recv *r;
	struct mfm_err err;
	struct fixture f;
	const char *body;
	char *line, *save = NULL;

	/* A summary in UTF-8 with a CR LF that must not end the header. */
	read_event(&f, "{\"status\":\"firing\",\"rule\":\"r\","
	    "\"fingerprint\":\"ab\",\"summary\":\"caf\\u00e9 = "
	    "\\r\\nBcc: x@evil\"}");
	mfm_deliver_init(&d);
	d.dry_run = 1;
	d.now = INT64_C(1764158400) * 1000000;	/* 2025-11-26T12:00:00Z */
	r = mfm_deliver_add(&d, MFM_DELIVER_EMAIL, "mail", &err);
	r->url = mfm_xstrdup("smtp://127.0.0.1:25");
	r->shown = mfm_xstrdup(r->url);
	r->from = mfm_xstrdup("a@example.com");
	r->to[r->nto++] = mfm_xstrdup("b@example.com");
	ck_assert_int_eq(mfm_deliver_send(&d, r, &f.ev, &b, &err), 0);
	ck_assert_ptr_nonnull(strstr(b.p,
	    "Date: Wed, 26 Nov 2025 12:00:00 +0000\r\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "SMTP smtp://127.0.0.1:25 "
	    "STARTTLS\n"));
	/* "[FIRING] r: café = ", a space each for CR and LF. */
	ck_assert_msg(strstr(b.p, "Subject: =?UTF-8?B?"
	    "W0ZJUklOR10gcjogY2Fmw6kgPSAgIEJjYzogeEBldmls?=\r\n") != NULL,
	    "%s", b.p);
	ck_assert_ptr_nonnull(strstr(b.p, "Message-ID: <"));
	body = strstr(b.p, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	/* The header block holds no line of the event's own. */
	*(char *)body = '\0';
	ck_assert_ptr_null(strstr(b.p, "\nBcc:"));
	*(char *)body = '\r';
	ck_assert_ptr_nonnull(strstr(body, "caf=C3=A9 =3D =0D\r\n"));
	/* No line of the quoted-printable body is longer than 76 + CR. */
	for (line = strtok_r((char *)body, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		ck_assert_uint_le(strlen(line), 77);
	mfm_buf_release(&b);
	mfm_deliver_release(&d);
	fixture_release(&f);
}
END_TEST

START_TEST(test_routes)
{
	struct mfm_deliver d;
	struct mfm_deliver_recv *r;
	struct mfm_err err;
	struct fixture f;

	read_event(&f, "{\"status\":\"resolved\",\"rule\":\"r\","
	    "\"severity\":\"warning\",\"group\":{\"v\":\"1\",\"n\":2},"
	    "\"fingerprint\":\"ab\",\"summary\":\"s\"}");
	mfm_deliver_init(&d);
	r = mfm_deliver_add(&d, MFM_DELIVER_WEBHOOK, "w", &err);
	ck_assert_int_eq(mfm_deliver_routes(r, &f.ev), 1);
	r->send_resolved = 0;
	ck_assert_int_eq(mfm_deliver_routes(r, &f.ev), 0);
	r->send_resolved = 1;
	r->match[0].name = mfm_xstrdup("v");
	r->match[0].value = mfm_xstrdup("1");
	r->match[1].name = mfm_xstrdup("n");
	r->match[1].value = mfm_xstrdup("2");
	r->nmatch = 2;
	ck_assert_int_eq(mfm_deliver_routes(r, &f.ev), 1);
	free(r->match[1].value);
	r->match[1].value = mfm_xstrdup("3");
	ck_assert_int_eq(mfm_deliver_routes(r, &f.ev), 0);
	mfm_deliver_release(&d);
	fixture_release(&f);
}
END_TEST

Suite *suite_deliver(void);

Suite *
suite_deliver(void)
{
	Suite *s = suite_create("deliver");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_event_read);
	tcase_add_test(tc, test_event_control);
	tcase_add_test(tc, test_event_bad);
	tcase_add_test(tc, test_format_line);
	tcase_add_test(tc, test_url_redact);
	tcase_add_test(tc, test_url_bad);
	tcase_add_test(tc, test_url_cap);
	tcase_add_test(tc, test_url_env_file);
	tcase_add_test(tc, test_retry_policy);
	tcase_add_test(tc, test_format_request);
	tcase_add_test(tc, test_send_stdout);
	tcase_add_test(tc, test_receivers_cap);
	tcase_add_test(tc, test_start_checks);
	tcase_add_test(tc, test_send_refused);
	tcase_add_test(tc, test_config);
	tcase_add_test(tc, test_config_errors);
	tcase_add_test(tc, test_hmac_vectors);
	tcase_add_test(tc, test_key_stable);
	tcase_add_test(tc, test_body_slack_pagerduty);
	tcase_add_test(tc, test_email_message);
	tcase_add_test(tc, test_routes);
	suite_add_tcase(s, tc);
	return s;
}
