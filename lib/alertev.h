/*
 * An alert event as mfm-threshold(1) writes it and mfm-alert(1) reads
 * it: the members every receiver needs, picked out of the parsed record
 * without copying, and the value of a label (an event member or a member
 * of its group) for routing, grouping and the bodies.
 */
#ifndef MFM_ALERTEV_H
#define MFM_ALERTEV_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/json.h"

/* A string read from an event: p is not NUL-terminated. */
struct mfm_deliver_str {
	const char *p;
	size_t len;
};

/*
 * One alert event.  The strings point into the record's line or into
 * the event's own scratch buffers; they are valid until the next
 * mfm_deliver_event_read on the same event or until the line changes.
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

/*
 * Read an event from a parsed record.  Returns 0 for an event, 1 for a
 * control record (one with the reserved top-level member "_mfm"), which
 * the caller skips, and -1 with a MFM_ERR_DATA error for a bad event:
 * "event has no 'fingerprint'".  Required: status ("firing",
 * "resolved", "pending", "inactive" or "insufficient_data"), rule,
 * fingerprint and summary, all strings; severity and metric are
 * optional, strings when present; group, when present, an object.
 */
void mfm_deliver_event_init(struct mfm_deliver_event *ev);
void mfm_deliver_event_release(struct mfm_deliver_event *ev);
int mfm_deliver_event_read(struct mfm_deliver_event *ev,
    const struct mfm_json *j, struct mfm_err *err);

/*
 * The value of label name for ev: the event's status, severity, rule or
 * metric, or else the member of its group of that name (a string
 * unescaped, into tmp when it must be; anything else as its JSON text),
 * or "" when there is none.
 */
void mfm_deliver_label(const struct mfm_deliver_event *ev, const char *name,
    struct mfm_deliver_str *v, struct mfm_buf *tmp);

/* Whether s is the NUL-terminated w. */
int mfm_deliver_str_is(struct mfm_deliver_str s, const char *w);

#endif
