/*
 * Delivery of alert events (mfm-alert(1)): reading an event record,
 * the receivers that take it, and the webhook transport over libcurl.
 *
 * A run holds one struct mfm_deliver with a list of receivers, built
 * from the configuration (mfm_deliver_config) and the command line
 * (mfm_deliver_add, mfm_deliver_url_env/_file), checked and readied by
 * mfm_deliver_start, then fed one event at a time through
 * mfm_deliver_send.  Receivers that write to the terminal (the stdout
 * receiver, and every receiver in a dry run) append their text to a
 * caller's buffer: the library never prints.
 *
 * A webhook URL is a secret (it usually embeds a token).  It is read
 * from the environment or from a file only, kept in one place
 * (recv->url), and never copied into a message: messages name the
 * receiver and the redacted form scheme://host[:port]/…, and libcurl's
 * own error text is scrubbed of the URL's parts before it is shown.
 */
#ifndef MFM_DELIVER_H
#define MFM_DELIVER_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/cfg.h"
#include "lib/err.h"
#include "lib/json.h"
#include "lib/keymap.h"

struct curl_slist;

#define MFM_DELIVER_MAX_RECEIVERS 64
#define MFM_DELIVER_MAX_URL 8192		/* bytes, also of a url_file */
#define MFM_DELIVER_MAX_RESPONSE (1u << 20)	/* body bytes read, then cut */
#define MFM_DELIVER_TIMEOUT (10 * INT64_C(1000000))	/* per attempt */
#define MFM_DELIVER_RETRIES 2			/* after the first attempt */
#define MFM_DELIVER_RETRIES_MAX 10
#define MFM_DELIVER_BACKOFF (500 * INT64_C(1000))	/* first wait */
#define MFM_DELIVER_MAX_BACKOFF (30 * INT64_C(1000000))	/* any one wait */

#define MFM_DELIVER_MAX_SECRET 4096	/* bytes of a key, password, ... */
#define MFM_DELIVER_MAX_REPLY 120	/* bytes of a server's reply shown */
#define MFM_DELIVER_MAX_ARGS 64		/* argv of a command receiver */
#define MFM_DELIVER_MAX_TO 32		/* recipients of an email receiver */
#define MFM_DELIVER_MAX_MATCH 16	/* matchers of a receiver */
#define MFM_DELIVER_PAGERDUTY_URL "https://events.pagerduty.com/v2/enqueue"

enum mfm_deliver_type {
	MFM_DELIVER_STDOUT = 1,	/* one readable line per event */
	MFM_DELIVER_WEBHOOK,	/* HTTP(S) POST: Alertmanager v4 or the event */
	MFM_DELIVER_SLACK,	/* Slack incoming webhook, Block Kit */
	MFM_DELIVER_PAGERDUTY,	/* PagerDuty Events API v2 */
	MFM_DELIVER_EMAIL,	/* SMTP through libcurl */
	MFM_DELIVER_COMMAND,	/* a local program, the event on stdin */
	MFM_DELIVER_ALERTMANAGER,	/* Alertmanager's POST /api/v2/alerts */
	MFM_DELIVER_PUSHGATEWAY	/* mfm-export's push, not an alert receiver */
};

enum mfm_deliver_format {
	MFM_DELIVER_FMT_ALERTMANAGER = 0,	/* webhook format version 4 */
	MFM_DELIVER_FMT_MFM			/* the event, byte for byte */
};

/* A label matcher: name = value, both copied. */
struct mfm_deliver_match {
	char *name;
	char *value;
};

/* A string read from an event: p is not NUL-terminated. */
struct mfm_deliver_str {
	const char *p;
	size_t len;
};

/*
 * One alert event, as mfm-threshold(1) writes it.  The strings point
 * into the record's line or into the event's own scratch buffers; they
 * are valid until the next mfm_deliver_event_read on the same event or
 * until the line changes.
 */
struct mfm_deliver_event {
	int firing;			/* 1 firing, 0 resolved */
	struct mfm_deliver_str rule;
	struct mfm_deliver_str severity;	/* len 0 when absent */
	struct mfm_deliver_str fingerprint;
	struct mfm_deliver_str summary;
	struct mfm_deliver_str status;	/* as written: firing, resolved, ... */
	struct mfm_deliver_str metric;	/* len 0 when absent */
	struct mfm_deliver_str wstart;	/* window.start, len 0 when absent */
	struct mfm_deliver_str wend;	/* window.end */
	struct mfm_deliver_str group;	/* raw JSON object, "{}" when absent */
	struct mfm_deliver_str value;	/* raw JSON, len 0 when absent */
	struct mfm_deliver_str threshold;	/* raw JSON */
	struct mfm_deliver_str body;	/* the whole record, raw JSON */
	const struct mfm_json *j;	/* the parsed record, for labels */
	int gtok;			/* its group token, -1 when absent */
	struct mfm_buf scratch[8];
};

struct mfm_deliver_recv {
	enum mfm_deliver_type type;
	char *name;			/* for messages: "webhook ops: ..." */
	/* Webhook only. */
	char *url;			/* the secret: never in a message */
	char *shown;			/* scheme://host[:port]/… */
	char *host;			/* the Host header curl sends */
	char **secrets;			/* parts of url scrubbed from messages */
	size_t nsecrets;
	int userinfo;			/* url carries user[:password]@ */
	char *ca_file;			/* NULL: the system's CA store */
	int64_t timeout;		/* us, per attempt */
	int64_t backoff;		/* us, first wait; doubles */
	int64_t max_backoff;		/* us, cap on any one wait */
	unsigned retries;		/* attempts after the first */
	int64_t deadline;		/* us after queueing, then dead */
	/* Routing. */
	struct mfm_deliver_match match[MFM_DELIVER_MAX_MATCH];
	size_t nmatch;
	int send_resolved;		/* default 1 */
	int64_t repeat_interval;	/* us; 0: every event is sent */
	/* Webhook. */
	enum mfm_deliver_format format;
	char *hmac;			/* secret, NULL: no signature */
	/* PagerDuty: the routing key is a secret, the URL is not. */
	char *routing_key;
	/* Email. */
	char *from;
	char *to[MFM_DELIVER_MAX_TO];
	size_t nto;
	char *username, *password;	/* secrets, NULL: no login */
	int starttls;			/* 1: required (default) */
	/* Command. */
	char *argv[MFM_DELIVER_MAX_ARGS + 1];
	size_t argc;
	/* Labels whose values make a group (see mfm_deliver_send_group). */
	char *group_by[MFM_DELIVER_MAX_MATCH];
	size_t ngroup_by;
	int64_t group_wait;		/* us a new group is held, --state */
	int64_t group_interval;		/* us between a group's messages */
	/* Alertmanager: a firing alert is valid until 4 x the longer of
	 * interval (how often mfm-alert runs) and resend_delay, and sent
	 * again once resend_delay has passed, as Prometheus does. */
	char *generator_url;		/* NULL: none */
	int64_t resend_delay;		/* us, default 1m */
	int64_t interval;		/* us, default 1h */
	/* Environment variables that hold this receiver's secrets: a
	 * command receiver's program does not inherit them. */
	char *secret_env[4];
	size_t nsecret_env;
};

/* What one delivery came to, for the receipt. */
struct mfm_deliver_result {
	unsigned attempts;
	long code;			/* HTTP, SMTP or exit status */
	int permanent;			/* failed, and retrying will not help */
};

/* A silence: events matching every matcher are muted from start to end. */
struct mfm_deliver_silence {
	struct mfm_deliver_match match[MFM_DELIVER_MAX_MATCH];
	size_t nmatch;
	int64_t start, end;		/* us since the epoch, [start, end) */
};

#define MFM_DELIVER_MAX_SILENCES 256

struct mfm_deliver {
	struct mfm_deliver_recv *recv;
	size_t n;
	struct mfm_deliver_silence *silence;
	size_t nsilence;
	int inhibit;			/* critical mutes the rest: default 1 */
	struct mfm_keymap critical;	/* group JSON -> 1 while firing */
	int dry_run;			/* show what would be sent, send nothing */
	/* Waits between attempts; tests replace it.  Default: nanosleep. */
	void (*sleep)(int64_t us);
	/* Spreads a backoff wait; NULL for none (tests).  Default: w/2..w. */
	int64_t (*jitter)(int64_t us);
	struct mfm_deliver_result last;	/* of the last mfm_deliver_send */
	/* Events sent along with the one given, in a group send. */
	const struct mfm_deliver_event *const *more;
	size_t nmore;
	const char *user_agent;		/* default "mfm-alert/VERSION" */
	int64_t now;			/* us since the epoch; 0: the clock */
	/* Counts, for -v. */
	uint64_t nsent;
	uint64_t nfailed;
	/* libcurl state: one easy handle, reused so connections are too. */
	int curl_global;
	void *curl;
	struct curl_slist *headers;
	size_t got;			/* response bytes of the attempt */
	int cut;			/* the response went past the cap */
	/* The last reply line an SMTP server sent, control characters as
	 * '?', for the message of a failure. */
	char reply[MFM_DELIVER_MAX_REPLY + 1];
};

void mfm_deliver_init(struct mfm_deliver *d);
void mfm_deliver_release(struct mfm_deliver *d);

/*
 * Read the receivers of the alert section of the configuration (its
 * "receivers" list; the section's own keys are checked by the caller).
 * Errors carry the line and column of the offending node.  A section
 * without receivers adds none.
 */
int mfm_deliver_config(struct mfm_deliver *d,
    const struct mfm_cfg_node *section, struct mfm_err *err);

/*
 * Add a receiver with the defaults of its type; name is copied.  Returns
 * NULL with err set past MFM_DELIVER_MAX_RECEIVERS.  The pointer is valid
 * until the next add.
 */
struct mfm_deliver_recv *mfm_deliver_add(struct mfm_deliver *d,
    enum mfm_deliver_type type, const char *name, struct mfm_err *err);

/*
 * Set a webhook's URL from the environment variable var, or from the
 * first line of the file path.  Surrounding white space is dropped; the
 * URL must be http or https with a host, and no message ever quotes it.
 */
int mfm_deliver_url_env(struct mfm_deliver_recv *r, const char *var,
    struct mfm_err *err);
int mfm_deliver_url_file(struct mfm_deliver_recv *r, const char *path,
    struct mfm_err *err);
/*
 * Put path after r's URL (its trailing slashes dropped): Alertmanager's
 * /api/v2/alerts, a Pushgateway's /metrics/job/....  The whole is
 * checked again and kept as secret as the URL was.
 */
int mfm_deliver_url_append(struct mfm_deliver_recv *r, const char *path,
    struct mfm_err *err);
/*
 * Read a secret (routing key, password, HMAC key) from the environment
 * variable env or from the file path (its first line), whichever is not
 * NULL; *out is a new string the caller frees (after wiping it).  The
 * secret is also remembered in r so that messages are scrubbed of it.
 */
int mfm_deliver_secret(struct mfm_deliver_recv *r, const char *env,
    const char *path, char **out, struct mfm_err *err);
/* The same from a string, for the two above and for tests. */
int mfm_deliver_url_set(struct mfm_deliver_recv *r, const char *url,
    size_t len, const char *from, struct mfm_err *err);

/*
 * Check every receiver (a webhook has a URL, its ca_file is readable)
 * and, unless dry_run, set libcurl up.  Call once, after the receivers
 * are complete and before the first send.
 */
int mfm_deliver_start(struct mfm_deliver *d, struct mfm_err *err);

/*
 * Read an event from a parsed record.  Returns 0 for an event, 1 for a
 * control record (one with the reserved top-level member "_mfm"), which
 * the caller skips, and -1 with a MFM_ERR_DATA error for a bad event:
 * "event has no 'fingerprint'".  Required: status ("firing" or
 * "resolved"), rule, fingerprint and summary, all strings; severity is
 * optional, a string when present.
 */
void mfm_deliver_event_init(struct mfm_deliver_event *ev);
void mfm_deliver_event_release(struct mfm_deliver_event *ev);
int mfm_deliver_event_read(struct mfm_deliver_event *ev,
    const struct mfm_json *j, struct mfm_err *err);

/*
 * Deliver ev to receiver r.  Text for the terminal (the stdout receiver's
 * line, a dry run's request) is appended to out without a final newline;
 * out is left alone otherwise.  A webhook is POSTed, retried as
 * mfm_deliver_retryable and mfm_deliver_wait say, and a failure after the
 * last attempt returns -1 with "webhook ops: HTTP 500 from
 * https://host/… after 3 attempts".
 */
int mfm_deliver_send(struct mfm_deliver *d, struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, struct mfm_buf *out,
    struct mfm_err *err);

/*
 * Grouping.  mfm_deliver_group_key appends to out the key of ev's group
 * for r: its status and the values of r's group_by labels.
 * mfm_deliver_send_group delivers ev[0..n) to r as one notification: one
 * Alertmanager message with n alerts, one Slack message, one e-mail, the
 * n events on one command's input.  Its key covers every event.
 */
void mfm_deliver_group_key(const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, struct mfm_buf *out);
int mfm_deliver_send_group(struct mfm_deliver *d, struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *const *ev, size_t n, struct mfm_buf *out,
    struct mfm_err *err);

/*
 * One HTTP request to r's URL outside the alert receivers (mfm-export's
 * push to a Pushgateway): method ("PUT", "POST"), the Content-Type and
 * the body, retried as r says (retries, backoff, Retry-After), TLS
 * verified, redirects not followed, any 2xx a success.  A failure
 * returns -1 with "pushgateway NAME: HTTP 400 from http://host/… after
 * 1 attempt"; d->last says how it went.  mfm_deliver_start first.
 */
int mfm_deliver_http(struct mfm_deliver *d, struct mfm_deliver_recv *r,
    const char *method, const char *content_type, const char *body,
    size_t len, struct mfm_err *err);

/* The name of a receiver type, "webhook"; NULL for none. */
const char *mfm_deliver_type_name(enum mfm_deliver_type t);

/*
 * Whether receiver r takes event ev: its matchers (severity, rule,
 * status, metric, or a member of the event's group) all equal, resolved
 * events only with send_resolved, and statuses other than firing and
 * resolved only when a matcher names that status.
 */
int mfm_deliver_routes(const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev);

/*
 * Muting.  mfm_deliver_silenced: ev matches a silence active at now (us
 * since the epoch).  mfm_deliver_inhibited: ev is a firing non-critical
 * event of a group whose critical alert is firing (as seen by earlier
 * calls: a firing critical event sets its group, a resolved one clears
 * it); always 0 when d->inhibit is off.  Call it once per event.
 */
int mfm_deliver_silenced(const struct mfm_deliver *d,
    const struct mfm_deliver_event *ev, int64_t now);
int mfm_deliver_inhibited(struct mfm_deliver *d,
    const struct mfm_deliver_event *ev);

/* Find a receiver by name; NULL when none. */
struct mfm_deliver_recv *mfm_deliver_find(struct mfm_deliver *d,
    const char *name, size_t len);

/*
 * The Idempotency-Key of (receiver, event): 32 hex digits of SHA-256
 * over the receiver's name and the event record.  The same event to the
 * same receiver always has the same key, across retries and restarts.
 */
void mfm_deliver_key(const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, char out[33]);

/* The body r sends for ev; secrets shown as an ellipsis when redact. */
void mfm_deliver_format_body(struct mfm_buf *out,
    const struct mfm_deliver *d, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, int redact);

/* HMAC-SHA256 of msg under key, as 64 lowercase hex digits. */
void mfm_deliver_hmac(const char *key, size_t klen, const char *msg,
    size_t mlen, char out[65]);

/*
 * The stdout receiver's line:
 *   FIRING    critical  auc_low  auc 0.6123 < 0.7 for ...
 * Control characters from the event (which could move a terminal's
 * cursor or end the line) are shown as '?'.
 */
void mfm_deliver_format_line(struct mfm_buf *out,
    const struct mfm_deliver_event *ev);
/* A dry run's text: the request r would send, URL redacted. */
void mfm_deliver_format_request(struct mfm_buf *out,
    const struct mfm_deliver *d, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev);

/*
 * Retry policy, public for tests.  mfm_deliver_retryable says whether an
 * attempt that ended with libcurl code `code` (CURLcode) and, when code
 * is 0, HTTP status `http`, is worth another try: connection errors,
 * timeouts, 429 and 5xx are; a TLS verification failure, a 2xx, 3xx or
 * another 4xx is not.  mfm_deliver_wait is the wait in microseconds
 * after attempt number `attempt` (1-based): backoff doubled per attempt,
 * or the server's Retry-After (seconds, 0 when absent) on 429 and 503,
 * either capped at max_backoff.
 */
int mfm_deliver_retryable(int code, long http);
int64_t mfm_deliver_wait(const struct mfm_deliver_recv *r, unsigned attempt,
    long http, int64_t retry_after);

#endif
