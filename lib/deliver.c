/*
 * Delivery of alert events to receivers; see deliver.h.  This file
 * readies a run and hands each notification to the part that sends it:
 * the terminal's line, a dry run's text, or one of the transports.
 */
#include <string.h>
#include <unistd.h>

#include "lib/deliver.h"
#include "lib/banned.h"

void
mfm_deliver_init(struct mfm_deliver *d)
{
	memset(d, 0, sizeof(*d));
	d->sleep = mfm_deliver_sleep;
	d->jitter = mfm_deliver_jitter;
	d->inhibit = 1;
	mfm_keymap_init(&d->critical);
	d->user_agent = "mfm-alert/" MFM_VERSION;
}

void
mfm_deliver_release(struct mfm_deliver *d)
{
	mfm_deliver_receivers_release(d);
	mfm_keymap_release(&d->critical);
	mfm_deliver_curl_release(d);
	mfm_deliver_init(d);
}

int
mfm_deliver_start(struct mfm_deliver *d, struct mfm_err *err)
{
	struct mfm_deliver_recv *r;
	int net = 0;
	size_t i;

	if (mfm_deliver_read_secrets(d, err) != 0)
		return -1;
	for (i = 0; i < d->n; i++) {
		r = &d->recv[i];
		if (r->type == MFM_DELIVER_STDOUT ||
		    r->type == MFM_DELIVER_COMMAND)
			continue;
		net++;
		/* A check reads no URL that is a secret. */
		if (r->url == NULL && !d->check)
			return mfm_err_set(err, MFM_ERR_USAGE,
			    "%s %s: no URL", mfm_deliver_type_name(r->type),
			    r->name);
		if (r->ca_file != NULL && access(r->ca_file, R_OK) != 0) {
			mfm_err_sys(err, "%s %s: %s",
			    mfm_deliver_type_name(r->type), r->name,
			    r->ca_file);
			/* At the key that names it, if one does. */
			err->line = r->ca_line;
			err->col = r->ca_col;
			return -1;
		}
	}
	if (net == 0 || d->dry_run || d->check)
		return 0;
	return mfm_deliver_curl_start(d, err);
}

int
mfm_deliver_send_group(struct mfm_deliver *d, struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *const *ev, size_t n, struct mfm_buf *out,
    struct mfm_err *err)
{
	int rc;

	d->more = ev + 1;
	d->nmore = n - 1;
	rc = mfm_deliver_send(d, r, ev[0], out, err);
	d->more = NULL;
	d->nmore = 0;
	return rc;
}

int
mfm_deliver_send(struct mfm_deliver *d, struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, struct mfm_buf *out,
    struct mfm_err *err)
{
	int rc = 0;

	memset(&d->last, 0, sizeof(d->last));
	if (r->type == MFM_DELIVER_STDOUT) {
		mfm_deliver_format_line(out, ev);
		d->nsent++;
		return 0;
	}
	if (d->dry_run) {
		mfm_deliver_format_request(out, d, r, ev);
		d->nsent++;
		return 0;
	}
	if (r->type != MFM_DELIVER_COMMAND && d->curl == NULL)
		return mfm_err_set(err, MFM_ERR_USAGE,
		    "%s %s: mfm_deliver_start was not called",
		    mfm_deliver_type_name(r->type), r->name);
	switch (r->type) {
	case MFM_DELIVER_WEBHOOK:
	case MFM_DELIVER_SLACK:
	case MFM_DELIVER_PAGERDUTY:
	case MFM_DELIVER_ALERTMANAGER:
		rc = mfm_deliver_http_post(d, r, ev, err);
		break;
	case MFM_DELIVER_PUSHGATEWAY:
		return mfm_err_set(err, MFM_ERR_USAGE, "pushgateway %s: not "
		    "a receiver of alerts", r->name);
	case MFM_DELIVER_EMAIL:
		rc = mfm_deliver_smtp_send(d, r, ev, err);
		break;
	case MFM_DELIVER_COMMAND:
		rc = mfm_deliver_command_run(d, r, ev, err);
		break;
	case MFM_DELIVER_STDOUT:
		break;
	}
	if (rc != 0) {
		d->nfailed++;
		return -1;
	}
	d->nsent++;
	return 0;
}
