/*
 * Reading the alert section of the configuration; see alertcfg.h.  Each
 * receiver type has its list of keys (unknown keys are errors at their
 * line and column) and a function for what only it takes; a URL or
 * secret that cannot be read is reported at the key that named its
 * source.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/alertcfg.h"
#include "lib/buf.h"
#include "lib/secret.h"
#include "lib/tm.h"
#include "lib/banned.h"

/* "an alertmanager", "a webhook". */
static const char *
a_an(const char *word)
{
	return strchr("aeiou", word[0]) != NULL ? "an" : "a";
}

/* Put a URL error at the node that named its source. */
static int
at_node(const struct mfm_cfg_node *n, struct mfm_err *err)
{
	char msg[sizeof(err->msg)];

	snprintf(msg, sizeof(msg), "%s", err->msg);
	return mfm_cfg_err(n, err, "%s", msg);
}

/* Keep where a secret is (n: the value naming it), to read it at start. */
static int
cfg_source(struct mfm_deliver_recv *r, enum mfm_deliver_secret what,
    const struct mfm_cfg_node *n, int file, const char *name,
    struct mfm_err *err)
{
	if (mfm_deliver_source_add(r, what, file, name, n->line, n->col, NULL,
	    err) != 0)
		return at_node(n, err);
	return 0;
}

/* A secret from KEY_env or KEY_file; required or not. */
static int
cfg_secret(struct mfm_deliver_recv *r, const struct mfm_cfg_node *m,
    const char *key, int required, enum mfm_deliver_secret what,
    struct mfm_err *err)
{
	const struct mfm_cfg_node *env, *file, *plain;
	char ke[64], kf[64];
	const char *s = NULL;

	snprintf(ke, sizeof(ke), "%s_env", key);
	snprintf(kf, sizeof(kf), "%s_file", key);
	env = mfm_cfg_get(m, ke);
	file = mfm_cfg_get(m, kf);
	/* A secret written into the file is a leak waiting. */
	if ((plain = mfm_cfg_get(m, key)) != NULL)
		return mfm_cfg_err(plain, err, "%s is a secret: give %s or %s, "
		    "not %s", key, ke, kf, key);
	if (env != NULL && file != NULL)
		return mfm_cfg_err(file, err, "give %s or %s, not both", ke,
		    kf);
	if (env == NULL && file == NULL) {
		if (required)
			return mfm_cfg_err(m, err, "a %s receiver needs %s or "
			    "%s", mfm_deliver_type_name(r->type), ke, kf);
		return 0;
	}
	if (mfm_cfg_str(env != NULL ? env : file, &s, err) != 0)
		return -1;
	return cfg_source(r, what, env != NULL ? env : file, env == NULL, s,
	    err);
}

static int
cfg_strdup(const struct mfm_cfg_node *m, const char *key, char **out,
    struct mfm_err *err)
{
	const char *s = NULL;

	if (mfm_cfg_str(mfm_cfg_get(m, key), &s, err) != 0)
		return -1;
	if (s != NULL) {
		free(*out);
		*out = mfm_xstrdup(s);
	}
	return 0;
}

/* A list of strings (or one string) into v, at most max. */
static int
cfg_strings(const struct mfm_cfg_node *n, char **v, size_t *nv, size_t max,
    struct mfm_err *err)
{
	const char *s;
	size_t i;

	if (n == NULL)
		return 0;
	if (n->type != MFM_CFG_SEQ) {
		if (mfm_cfg_str(n, &s, err) != 0)
			return -1;
		v[(*nv)++] = mfm_xstrdup(s);
		return 0;
	}
	if (n->n > max)
		return mfm_cfg_err(n, err, "more than %zu items", max);
	for (i = 0; i < n->n; i++) {
		if (mfm_cfg_str(n->items[i], &s, err) != 0)
			return -1;
		v[(*nv)++] = mfm_xstrdup(s);
	}
	return 0;
}

static int
cfg_matchers(const struct mfm_cfg_node *mt, struct mfm_deliver_match *match,
    size_t *nmatch, struct mfm_err *err)
{
	const char *v;
	size_t i;

	if (mt == NULL)
		return 0;
	if (mt->type != MFM_CFG_MAP)
		return mfm_cfg_err(mt, err,
		    "expected a mapping of label: value");
	if (mt->n > MFM_DELIVER_MAX_MATCH)
		return mfm_cfg_err(mt, err, "more than %d matchers",
		    MFM_DELIVER_MAX_MATCH);
	for (i = 0; i < mt->n; i++) {
		if (mfm_cfg_str(mt->items[i], &v, err) != 0)
			return -1;
		match[*nmatch].name = mfm_xstrdup(mt->keys[i]);
		match[*nmatch].value = mfm_xstrdup(v);
		(*nmatch)++;
	}
	return 0;
}

static int
cfg_match(struct mfm_deliver_recv *r, const struct mfm_cfg_node *m,
    struct mfm_err *err)
{
	return cfg_matchers(mfm_cfg_get(m, "match"), r->match, &r->nmatch,
	    err);
}

static int
cfg_time(const struct mfm_cfg_node *n, int64_t *out, struct mfm_err *err)
{
	const char *s = NULL;
	char msg[sizeof(err->msg)];

	if (n == NULL)
		return 0;
	if (mfm_cfg_str(n, &s, err) != 0)
		return -1;
	if (mfm_tm_parse_rfc3339(s, strlen(s), out, err) != 0) {
		snprintf(msg, sizeof(msg), "%s", err->msg);
		return mfm_cfg_err(n, err, "%s", msg);
	}
	return 0;
}

int
mfm_deliver_config_silences(struct mfm_deliver *d,
    const struct mfm_cfg_node *list, struct mfm_err *err)
{
	static const char *const keys[] = { "match", "start", "end",
	    "comment", NULL };
	const struct mfm_cfg_node *m;
	struct mfm_deliver_silence *s;
	size_t i;

	if (list->type != MFM_CFG_SEQ)
		return mfm_cfg_err(list, err, "expected a list of silences");
	if (list->n > MFM_DELIVER_MAX_SILENCES)
		return mfm_cfg_err(list, err, "more than %d silences",
		    MFM_DELIVER_MAX_SILENCES);
	for (i = 0; i < list->n; i++) {
		m = list->items[i];
		if (m->type != MFM_CFG_MAP)
			return mfm_cfg_err(m, err, "expected a silence: a "
			    "mapping with match, start and end");
		if (mfm_cfg_check_keys(m, keys, err) != 0)
			return -1;
		if (mfm_cfg_get(m, "match") == NULL)
			return mfm_cfg_err(m, err, "a silence needs match");
		d->silence = mfm_xreallocarray(d->silence, d->nsilence + 1,
		    sizeof(*d->silence));
		s = &d->silence[d->nsilence++];
		memset(s, 0, sizeof(*s));
		s->end = INT64_MAX;
		s->start = INT64_MIN;
		if (cfg_matchers(mfm_cfg_get(m, "match"), s->match,
		    &s->nmatch, err) != 0 ||
		    cfg_time(mfm_cfg_get(m, "start"), &s->start, err) != 0 ||
		    cfg_time(mfm_cfg_get(m, "end"), &s->end, err) != 0)
			return -1;
		if (s->end <= s->start)
			return mfm_cfg_err(m, err, "a silence ends before it "
			    "starts");
	}
	return 0;
}

/* What every receiver that sends somewhere shares. */
static int
cfg_common(struct mfm_deliver_recv *r, const struct mfm_cfg_node *m,
    struct mfm_err *err)
{
	const struct mfm_cfg_node *n;
	long long retries = r->retries;

	if (mfm_cfg_duration(mfm_cfg_get(m, "timeout"), 0, &r->timeout,
	    err) != 0 ||
	    mfm_cfg_duration(mfm_cfg_get(m, "backoff"), 1, &r->backoff,
	    err) != 0 ||
	    mfm_cfg_duration(mfm_cfg_get(m, "max_backoff"), 1,
	    &r->max_backoff, err) != 0 ||
	    mfm_cfg_duration(mfm_cfg_get(m, "deadline"), 1, &r->deadline,
	    err) != 0 ||
	    mfm_cfg_int(mfm_cfg_get(m, "retries"), 0, MFM_DELIVER_RETRIES_MAX,
	    &retries, err) != 0)
		return -1;
	r->retries = (unsigned)retries;
	if (cfg_strdup(m, "ca_file", &r->ca_file, err) != 0)
		return -1;
	if ((n = mfm_cfg_get(m, "ca_file")) != NULL) {
		r->ca_line = n->line;
		r->ca_col = n->col;
	}
	return 0;
}

static int
cfg_url(struct mfm_deliver_recv *r, const struct mfm_cfg_node *m,
    struct mfm_err *err)
{
	const struct mfm_cfg_node *env, *file, *url;
	const char *s = NULL;

	env = mfm_cfg_get(m, "url_env");
	file = mfm_cfg_get(m, "url_file");
	if ((url = mfm_cfg_get(m, "url")) != NULL)
		return mfm_cfg_err(url, err,
		    "%s %s URL is a secret: give url_env or url_file, not url",
		    a_an(mfm_deliver_type_name(r->type)),
		    mfm_deliver_type_name(r->type));
	if (env != NULL && file != NULL)
		return mfm_cfg_err(file, err,
		    "give url_env or url_file, not both");
	if (env == NULL && file == NULL)
		return mfm_cfg_err(m, err,
		    "%s %s receiver needs url_env or url_file",
		    a_an(mfm_deliver_type_name(r->type)),
		    mfm_deliver_type_name(r->type));
	if (mfm_cfg_str(env != NULL ? env : file, &s, err) != 0)
		return -1;
	if (mfm_cfg_get(m, "name") == NULL) {
		free(r->name);
		r->name = mfm_xstrdup(s);
	}
	return cfg_source(r, MFM_DELIVER_SECRET_URL, env != NULL ? env : file,
	    env == NULL, s, err);
}

static int
cfg_webhook(struct mfm_deliver_recv *r, const struct mfm_cfg_node *m,
    struct mfm_err *err)
{
	const struct mfm_cfg_node *fmt;
	const char *s = NULL;

	if (cfg_url(r, m, err) != 0 || cfg_common(r, m, err) != 0)
		return -1;
	if ((fmt = mfm_cfg_get(m, "format")) != NULL) {
		if (mfm_cfg_str(fmt, &s, err) != 0)
			return -1;
		if (strcmp(s, "alertmanager") == 0)
			r->format = MFM_DELIVER_FMT_ALERTMANAGER;
		else if (strcmp(s, "mfm") == 0)
			r->format = MFM_DELIVER_FMT_MFM;
		else
			return mfm_cfg_err(fmt, err, "unknown format '%s' "
			    "(alertmanager or mfm)", s);
	}
	return cfg_secret(r, m, "hmac_secret", 0, MFM_DELIVER_SECRET_HMAC,
	    err);
}

static int
cfg_alertmanager(struct mfm_deliver_recv *r, const struct mfm_cfg_node *m,
    struct mfm_err *err)
{
	const struct mfm_cfg_node *g;

	/* The URL is Alertmanager's own: the API's path is put after it
	 * when it is read (lib/secret.h). */
	if (cfg_url(r, m, err) != 0 || cfg_common(r, m, err) != 0 ||
	    cfg_strdup(m, "generator_url", &r->generator_url, err) != 0 ||
	    mfm_cfg_duration(mfm_cfg_get(m, "resend_delay"), 0,
	    &r->resend_delay, err) != 0 ||
	    mfm_cfg_duration(mfm_cfg_get(m, "interval"), 0, &r->interval,
	    err) != 0)
		return -1;
	if ((g = mfm_cfg_get(m, "group_by")) != NULL ||
	    (g = mfm_cfg_get(m, "repeat_interval")) != NULL)
		return mfm_cfg_err(g, err, "an alertmanager receiver takes no "
		    "group_by or repeat_interval: Alertmanager groups and "
		    "repeats by its own routes");
	return 0;
}

static int
cfg_pagerduty(struct mfm_deliver_recv *r, const struct mfm_cfg_node *m,
    struct mfm_err *err)
{
	const struct mfm_cfg_node *u = mfm_cfg_get(m, "url");
	const char *s = MFM_DELIVER_PAGERDUTY_URL;

	/* The endpoint is no secret (the routing key is): url is allowed. */
	if (u != NULL && mfm_cfg_str(u, &s, err) != 0)
		return -1;
	if (mfm_deliver_url_set(r, s, strlen(s), "url", err) != 0)
		return at_node(u != NULL ? u : m, err);
	if (cfg_common(r, m, err) != 0)
		return -1;
	return cfg_secret(r, m, "routing_key", 1,
	    MFM_DELIVER_SECRET_ROUTING_KEY, err);
}

/*
 * local@domain, printable ASCII without space, <, > or a second @: the
 * address goes into SMTP commands and headers, where a line end or a
 * bracket from the configuration would start something else.
 */
static int
plain_address(const char *a)
{
	const char *at = strchr(a, '@');
	const char *p;

	if (at == NULL || at == a || at[1] == '\0' || strchr(at + 1, '@') ||
	    strlen(a) > 254)
		return 0;
	for (p = a; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '<' || *p == '>' ||
		    *p == ',' || *p == '"')
			return 0;
	return 1;
}

static int
cfg_email(struct mfm_deliver_recv *r, const struct mfm_cfg_node *m,
    struct mfm_err *err)
{
	const struct mfm_cfg_node *u = mfm_cfg_get(m, "url");
	const char *s = NULL;
	size_t i;
	int tls = 1;

	if (u == NULL)
		return mfm_cfg_err(m, err, "an email receiver needs url "
		    "(smtp://host:port or smtps://host:port)");
	if (mfm_cfg_str(u, &s, err) != 0)
		return -1;
	if ((strncmp(s, "smtp://", 7) != 0 && strncmp(s, "smtps://", 8) != 0)
	    || strchr(s, '@') != NULL || strlen(s) > MFM_DELIVER_MAX_URL)
		return mfm_cfg_err(u, err, "url: expected smtp://host[:port] "
		    "or smtps://host[:port], without user information "
		    "(give username_env and password_env)");
	r->url = mfm_xstrdup(s);
	r->shown = mfm_xstrdup(s);
	if (cfg_common(r, m, err) != 0 ||
	    cfg_strdup(m, "from", &r->from, err) != 0 ||
	    cfg_strings(mfm_cfg_get(m, "to"), r->to, &r->nto,
	    MFM_DELIVER_MAX_TO, err) != 0 ||
	    cfg_secret(r, m, "username", 0, MFM_DELIVER_SECRET_USERNAME,
	    err) != 0 ||
	    cfg_secret(r, m, "password", 0, MFM_DELIVER_SECRET_PASSWORD,
	    err) != 0 ||
	    mfm_cfg_bool(mfm_cfg_get(m, "starttls"), &tls, err) != 0)
		return -1;
	r->starttls = tls;
	if (r->from == NULL)
		return mfm_cfg_err(m, err, "an email receiver needs from");
	if (r->nto == 0)
		return mfm_cfg_err(m, err, "an email receiver needs to");
	if (!plain_address(r->from))
		return mfm_cfg_err(mfm_cfg_get(m, "from"), err,
		    "from: expected an address such as alerts@example.com");
	for (i = 0; i < r->nto; i++)
		if (!plain_address(r->to[i]))
			return mfm_cfg_err(mfm_cfg_get(m, "to"), err,
			    "to: address %zu is not one such as "
			    "oncall@example.com", i + 1);
	return 0;
}

static int
cfg_command(struct mfm_deliver_recv *r, const struct mfm_cfg_node *m,
    struct mfm_err *err)
{
	const struct mfm_cfg_node *a = mfm_cfg_get(m, "argv");

	if (a == NULL || a->type != MFM_CFG_SEQ || a->n == 0)
		return mfm_cfg_err(a != NULL ? a : m, err, "a command receiver "
		    "needs argv: a list, the program's absolute path first");
	if (cfg_strings(a, r->argv, &r->argc, MFM_DELIVER_MAX_ARGS, err) != 0)
		return -1;
	if (r->argv[0][0] != '/')
		return mfm_cfg_err(a->items[0], err, "argv[0] must be an "
		    "absolute path (no shell, no PATH search)");
	/* Retries of a program that failed by itself are seldom wanted. */
	return cfg_common(r, m, err);
}

static int
cfg_slack(struct mfm_deliver_recv *r, const struct mfm_cfg_node *m,
    struct mfm_err *err)
{
	if (cfg_url(r, m, err) != 0)
		return -1;
	return cfg_common(r, m, err);
}

#define COMMON "type", "name", "match", "send_resolved", \
	"repeat_interval", "group_by", "group_wait", "group_interval"
#define SENDING "timeout", "retries", "backoff", "max_backoff", "deadline", \
	"ca_file"
static const char *const stdout_keys[] = { COMMON, NULL };
static const char *const webhook_keys[] = {
	COMMON, SENDING, "url_env", "url_file", "format", "hmac_secret_env",
	"hmac_secret_file", NULL
};
static const char *const slack_keys[] = {
	COMMON, SENDING, "url_env", "url_file", NULL
};
static const char *const pagerduty_keys[] = {
	COMMON, SENDING, "url", "routing_key_env", "routing_key_file", NULL
};
static const char *const email_keys[] = {
	COMMON, SENDING, "url", "from", "to", "username_env", "username_file",
	"password_env", "password_file", "starttls", NULL
};
static const char *const command_keys[] = { COMMON, SENDING, "argv", NULL };
static const char *const alertmanager_keys[] = {
	COMMON, SENDING, "url_env", "url_file", "generator_url",
	"resend_delay", "interval", NULL
};
#undef COMMON
#undef SENDING

/* The receiver types: their keys, and what only they take. */
static const struct recv_type {
	const char *name;
	enum mfm_deliver_type type;
	const char *const *keys;
	int (*cfg)(struct mfm_deliver_recv *, const struct mfm_cfg_node *,
	    struct mfm_err *);
} types[] = {
	{ "stdout", MFM_DELIVER_STDOUT, stdout_keys, NULL },
	{ "webhook", MFM_DELIVER_WEBHOOK, webhook_keys, cfg_webhook },
	{ "slack", MFM_DELIVER_SLACK, slack_keys, cfg_slack },
	{ "pagerduty", MFM_DELIVER_PAGERDUTY, pagerduty_keys, cfg_pagerduty },
	{ "email", MFM_DELIVER_EMAIL, email_keys, cfg_email },
	{ "command", MFM_DELIVER_COMMAND, command_keys, cfg_command },
	{ "alertmanager", MFM_DELIVER_ALERTMANAGER, alertmanager_keys,
	    cfg_alertmanager },
};

/* The type of receiver m, by its key type; NULL with err set. */
static const struct recv_type *
cfg_type(const struct mfm_cfg_node *m, struct mfm_err *err)
{
	const struct mfm_cfg_node *t;
	const char *type = NULL;
	size_t k;

	if ((t = mfm_cfg_get(m, "type")) == NULL) {
		mfm_cfg_err(m, err, "receiver has no type");
		return NULL;
	}
	if (mfm_cfg_str(t, &type, err) != 0)
		return NULL;
	for (k = 0; k < sizeof(types) / sizeof(types[0]); k++)
		if (strcmp(type, types[k].name) == 0)
			return &types[k];
	mfm_cfg_err(t, err, "unknown receiver type '%s'", type);
	return NULL;
}

/* A key that would hold a secret in the file itself. */
static int
cfg_no_secret(const struct recv_type *t, const struct mfm_cfg_node *m,
    struct mfm_err *err)
{
	static const char *const secret_keys[] = { "routing_key",
	    "password", "hmac_secret", "username" };
	const struct mfm_cfg_node *n;
	size_t k;

	if ((t->type == MFM_DELIVER_WEBHOOK || t->type == MFM_DELIVER_SLACK ||
	    t->type == MFM_DELIVER_ALERTMANAGER) &&
	    (n = mfm_cfg_get(m, "url")) != NULL)
		return mfm_cfg_err(n, err, "%s %s URL is a secret: give url_env "
		    "or url_file, not url", a_an(t->name), t->name);
	for (k = 0; k < sizeof(secret_keys) / sizeof(secret_keys[0]); k++)
		if ((n = mfm_cfg_get(m, secret_keys[k])) != NULL)
			return mfm_cfg_err(n, err, "%s is a secret: give %s_env "
			    "or %s_file, not %s", secret_keys[k],
			    secret_keys[k], secret_keys[k], secret_keys[k]);
	return 0;
}

/* Routing and grouping, which every type reads alike. */
static int
cfg_routing(struct mfm_deliver_recv *r, const struct mfm_cfg_node *m,
    struct mfm_err *err)
{
	int sr = 1;

	if (mfm_cfg_bool(mfm_cfg_get(m, "send_resolved"), &sr, err) != 0 ||
	    cfg_match(r, m, err) != 0 ||
	    mfm_cfg_duration(mfm_cfg_get(m, "repeat_interval"), 1,
	    &r->repeat_interval, err) != 0)
		return -1;
	r->send_resolved = sr;
	if (cfg_strings(mfm_cfg_get(m, "group_by"), r->group_by,
	    &r->ngroup_by, MFM_DELIVER_MAX_MATCH, err) != 0 ||
	    mfm_cfg_duration(mfm_cfg_get(m, "group_wait"), 1,
	    &r->group_wait, err) != 0 ||
	    mfm_cfg_duration(mfm_cfg_get(m, "group_interval"), 1,
	    &r->group_interval, err) != 0)
		return -1;
	if (r->ngroup_by == 0 && (r->group_wait > 0 || r->group_interval > 0))
		return mfm_cfg_err(m, err, "group_wait and group_interval need "
		    "group_by");
	/* PagerDuty deduplicates per alert; stdout is per line. */
	if (r->ngroup_by > 0 && (r->type == MFM_DELIVER_PAGERDUTY ||
	    r->type == MFM_DELIVER_STDOUT))
		return mfm_cfg_err(mfm_cfg_get(m, "group_by"), err, "a %s "
		    "receiver takes no group_by", mfm_deliver_type_name(r->type));
	return 0;
}

/* One receiver of the list. */
static int
cfg_receiver(struct mfm_deliver *d, const struct mfm_cfg_node *m,
    struct mfm_err *err)
{
	const struct recv_type *t;
	struct mfm_deliver_recv *r;
	const char *name;

	if (m->type != MFM_CFG_MAP)
		return mfm_cfg_err(m, err,
		    "expected a receiver: a mapping with a type");
	if ((t = cfg_type(m, err)) == NULL)
		return -1;
	name = t->name;
	if (mfm_cfg_str(mfm_cfg_get(m, "name"), &name, err) != 0 ||
	    cfg_no_secret(t, m, err) != 0 ||
	    mfm_cfg_check_keys(m, t->keys, err) != 0)
		return -1;
	if (mfm_deliver_find(d, name, strlen(name)) != NULL)
		return mfm_cfg_err(m, err, "two receivers named '%s'", name);
	if ((r = mfm_deliver_add(d, t->type, name, err)) == NULL)
		return at_node(m, err);
	if (cfg_routing(r, m, err) != 0)
		return -1;
	return t->cfg != NULL ? t->cfg(r, m, err) : 0;
}

int
mfm_deliver_config_receivers(struct mfm_deliver *d,
    const struct mfm_cfg_node *list, struct mfm_err *err)
{
	size_t i;

	if (list->type != MFM_CFG_SEQ)
		return mfm_cfg_err(list, err, "expected a list of receivers");
	for (i = 0; i < list->n; i++)
		if (cfg_receiver(d, list->items[i], err) != 0)
			return -1;
	return 0;
}
