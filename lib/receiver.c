/*
 * The list of receivers of a delivery run: adding one with the defaults
 * of its type, finding one by name, and freeing them all with their
 * secrets wiped.  See receiver.h.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/receiver.h"
#include "lib/banned.h"

void
mfm_deliver_wipe_free(char *s)
{
	if (s == NULL)
		return;
	memset(s, 0, strlen(s));
	free(s);
}

static void
matchers_release(struct mfm_deliver_match *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(m[i].name);
		free(m[i].value);
	}
}

void
mfm_deliver_forget_url(struct mfm_deliver_recv *r)
{
	size_t i;

	/* Do not leave the secrets in freed memory. */
	mfm_deliver_wipe_free(r->url);
	free(r->shown);
	free(r->host);
	for (i = 0; i < r->nsecrets; i++)
		mfm_deliver_wipe_free(r->secrets[i]);
	free(r->secrets);
	r->url = r->shown = r->host = NULL;
	r->secrets = NULL;
	r->nsecrets = 0;
	r->userinfo = 0;
}

static void
recv_release(struct mfm_deliver_recv *r)
{
	size_t i;

	free(r->name);
	mfm_deliver_forget_url(r);
	free(r->ca_file);
	matchers_release(r->match, r->nmatch);
	mfm_deliver_wipe_free(r->hmac);
	mfm_deliver_wipe_free(r->routing_key);
	mfm_deliver_wipe_free(r->username);
	mfm_deliver_wipe_free(r->password);
	free(r->from);
	for (i = 0; i < r->nto; i++)
		free(r->to[i]);
	for (i = 0; i < r->argc; i++)
		free(r->argv[i]);
	for (i = 0; i < r->nsecret_env; i++)
		free(r->secret_env[i]);
	for (i = 0; i < r->nsrc; i++)
		free(r->src[i].name);
	for (i = 0; i < r->ngroup_by; i++)
		free(r->group_by[i]);
	free(r->generator_url);
}

void
mfm_deliver_receivers_release(struct mfm_deliver *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		recv_release(&d->recv[i]);
	free(d->recv);
	d->recv = NULL;
	d->n = 0;
	for (i = 0; i < d->nsilence; i++)
		matchers_release(d->silence[i].match, d->silence[i].nmatch);
	free(d->silence);
	d->silence = NULL;
	d->nsilence = 0;
}

struct mfm_deliver_recv *
mfm_deliver_add(struct mfm_deliver *d, enum mfm_deliver_type type,
    const char *name, struct mfm_err *err)
{
	struct mfm_deliver_recv *r;

	if (d->n >= MFM_DELIVER_MAX_RECEIVERS) {
		mfm_err_set(err, MFM_ERR_LIMIT, "more than %d receivers",
		    MFM_DELIVER_MAX_RECEIVERS);
		return NULL;
	}
	d->recv = mfm_xreallocarray(d->recv, d->n + 1, sizeof(*d->recv));
	r = &d->recv[d->n++];
	memset(r, 0, sizeof(*r));
	r->type = type;
	r->name = mfm_xstrdup(name);
	r->timeout = MFM_DELIVER_TIMEOUT;
	r->backoff = MFM_DELIVER_BACKOFF;
	r->max_backoff = MFM_DELIVER_MAX_BACKOFF;
	r->retries = MFM_DELIVER_RETRIES;
	r->deadline = 3600 * INT64_C(1000000);
	r->send_resolved = 1;
	r->starttls = 1;
	r->resend_delay = 60 * INT64_C(1000000);
	r->interval = 3600 * INT64_C(1000000);
	return r;
}

const char *
mfm_deliver_type_name(enum mfm_deliver_type t)
{
	switch (t) {
	case MFM_DELIVER_STDOUT:
		return "stdout";
	case MFM_DELIVER_WEBHOOK:
		return "webhook";
	case MFM_DELIVER_SLACK:
		return "slack";
	case MFM_DELIVER_PAGERDUTY:
		return "pagerduty";
	case MFM_DELIVER_EMAIL:
		return "email";
	case MFM_DELIVER_COMMAND:
		return "command";
	case MFM_DELIVER_ALERTMANAGER:
		return "alertmanager";
	case MFM_DELIVER_PUSHGATEWAY:
		return "pushgateway";
	}
	return NULL;
}

struct mfm_deliver_recv *
mfm_deliver_find(struct mfm_deliver *d, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strlen(d->recv[i].name) == len &&
		    memcmp(d->recv[i].name, name, len) == 0)
			return &d->recv[i];
	return NULL;
}

int64_t
mfm_deliver_now(const struct mfm_deliver *d)
{
	struct timespec ts;

	if (d->now != 0)
		return d->now;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
