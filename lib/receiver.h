/*
 * The receivers of mfm-alert(1) and the state a delivery run shares:
 * what every part of lib/deliver.h (the configuration, routing, the
 * bodies, the HTTP, SMTP and command transports) reads or fills.  This
 * header holds the types and the list of receivers; the parts that act
 * on them have headers of their own, all gathered by lib/deliver.h, and
 * keep the mfm_deliver_ prefix of that one API.
 *
 * A receiver's secrets (a webhook URL, a routing key, a password, an
 * HMAC key) live in its strings only; mfm_deliver_recv_release wipes
 * them before the memory is freed.
 */
#ifndef MFM_RECEIVER_H
#define MFM_RECEIVER_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/keymap.h"

struct mfm_deliver_event;

#define MFM_DELIVER_MAX_RECEIVERS 64
#define MFM_DELIVER_ELLIPSIS "\xe2\x80\xa6"	/* U+2026, for what is hidden */
#define MFM_DELIVER_TIMEOUT (10 * INT64_C(1000000))	/* per attempt */
#define MFM_DELIVER_RETRIES 2			/* after the first attempt */
#define MFM_DELIVER_RETRIES_MAX 10
#define MFM_DELIVER_BACKOFF (500 * INT64_C(1000))	/* first wait */
#define MFM_DELIVER_MAX_BACKOFF (30 * INT64_C(1000000))	/* any one wait */

#define MFM_DELIVER_MAX_REPLY 120	/* bytes of a server's reply shown */
#define MFM_DELIVER_MAX_ARGS 64		/* argv of a command receiver */
#define MFM_DELIVER_MAX_TO 32		/* recipients of an email receiver */
#define MFM_DELIVER_MAX_MATCH 16	/* matchers of a receiver */

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

/*
 * The secrets of a receiver, each read from an environment variable or
 * the first line of a file (lib/secret.h).
 */
enum mfm_deliver_secret {
	MFM_DELIVER_SECRET_URL = 0,	/* url: url_env, url_file */
	MFM_DELIVER_SECRET_HMAC,	/* hmac: hmac_secret_env, _file */
	MFM_DELIVER_SECRET_ROUTING_KEY,	/* routing_key */
	MFM_DELIVER_SECRET_USERNAME,	/* username */
	MFM_DELIVER_SECRET_PASSWORD	/* password */
};

/*
 * Where one secret is to be read from, as the configuration or the
 * command line names it: kept when the configuration is parsed, read
 * when the run starts (mfm_deliver_start), so that a check of the
 * configuration need not read it.
 */
struct mfm_deliver_source {
	enum mfm_deliver_secret what;
	int file;			/* 1: a file's first line; 0: a variable */
	char *name;			/* the variable or the file */
	size_t line, col;		/* where the configuration names it */
	const char *label;		/* else its messages' prefix, static:
					   "--webhook-env" */
};

#define MFM_DELIVER_MAX_SOURCES 4	/* a receiver's secrets */

/* A label matcher: name = value, both copied. */
struct mfm_deliver_match {
	char *name;
	char *value;
};

struct mfm_deliver_recv {
	enum mfm_deliver_type type;
	char *name;			/* for messages: "webhook ops: ..." */
	/* Webhook only. */
	char *url;			/* the secret: never in a message */
	char *shown;			/* scheme://host[:port]/… */
	char *host;			/* the Host header curl sends */
	char **secrets;			/* parts of url, kept out of messages */
	size_t nsecrets;
	int userinfo;			/* url carries user[:password]@ */
	char *ca_file;			/* NULL: the system's CA store */
	size_t ca_line, ca_col;		/* where the configuration names it */
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
	/* Where its secrets are read from, when the run starts. */
	struct mfm_deliver_source src[MFM_DELIVER_MAX_SOURCES];
	size_t nsrc;
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
	int dry_run;			/* show what would be sent; send none */
	int check;			/* check only (--check-config): the
					   secrets' sources are checked to
					   exist, never read */
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
	/* libcurl state (lib/http.c): one easy handle, reused so that
	 * connections are too. */
	int curl_global;
	void *curl;
	size_t got;			/* response bytes of the attempt */
	int cut;			/* the response went past the cap */
	/* The last reply line an SMTP server sent, control characters as
	 * '?', for the message of a failure (lib/smtp.c). */
	char reply[MFM_DELIVER_MAX_REPLY + 1];
};

/*
 * Event i of a notification: ev, then the group's others, d->more[0..
 * d->nmore); i from 0 to d->nmore.
 */
static inline const struct mfm_deliver_event *
mfm_deliver_nth(const struct mfm_deliver *d,
    const struct mfm_deliver_event *ev, size_t i)
{
	return i == 0 ? ev : d->more[i - 1];
}

/*
 * Add a receiver with the defaults of its type; name is copied.  Returns
 * NULL with err set past MFM_DELIVER_MAX_RECEIVERS.  The pointer is valid
 * until the next add.
 */
struct mfm_deliver_recv *mfm_deliver_add(struct mfm_deliver *d,
    enum mfm_deliver_type type, const char *name, struct mfm_err *err);

/*
 * The time now, in us since the epoch: d->now when set (a replay's, which
 * stands still), else the system's clock, read at each call.
 */
int64_t mfm_deliver_now(const struct mfm_deliver *d);

/* Find a receiver by name; NULL when none. */
struct mfm_deliver_recv *mfm_deliver_find(struct mfm_deliver *d,
    const char *name, size_t len);

/* The name of a receiver type, "webhook"; NULL for none. */
const char *mfm_deliver_type_name(enum mfm_deliver_type t);

/*
 * Free the receivers and the silences of d, secrets wiped first; d->n
 * and d->nsilence are then 0.
 */
void mfm_deliver_receivers_release(struct mfm_deliver *d);

/*
 * Forget r's URL: the URL, its shown form and host, and the secrets
 * remembered for scrubbing (the URL's parts, and any read before it),
 * wiped and freed.  Its matchers and its own keys stay.
 */
void mfm_deliver_forget_url(struct mfm_deliver_recv *r);

/* Wipe the string s (a secret), then free it; NULL is fine. */
void mfm_deliver_wipe_free(char *s);

#endif
