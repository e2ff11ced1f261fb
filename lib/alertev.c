/*
 * Reading an alert event; see alertev.h.  Nothing is copied: the
 * strings point into the parsed line, or into the event's scratch
 * buffers when they hold escapes.
 */
#include <string.h>

#include "lib/alertev.h"
#include "lib/banned.h"

void
mfm_deliver_event_init(struct mfm_deliver_event *ev)
{
	size_t i;

	memset(ev, 0, sizeof(*ev));
	for (i = 0; i < sizeof(ev->scratch) / sizeof(ev->scratch[0]); i++)
		mfm_buf_init(&ev->scratch[i]);
}

void
mfm_deliver_event_release(struct mfm_deliver_event *ev)
{
	size_t i;

	for (i = 0; i < sizeof(ev->scratch) / sizeof(ev->scratch[0]); i++)
		mfm_buf_release(&ev->scratch[i]);
	mfm_deliver_event_init(ev);
}

static int
event_str(const struct mfm_json *j, const char *key, int required,
    struct mfm_deliver_str *out, struct mfm_buf *scratch, struct mfm_err *err)
{
	int t = mfm_json_member(j, 0, key, strlen(key));

	out->p = "";
	out->len = 0;
	if (t < 0) {
		if (required)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "event has no '%s'", key);
		return 0;
	}
	if (mfm_json_type_of(j, t) != MFM_JSON_STRING)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "event member '%s' is not a string", key);
	out->p = mfm_json_str(j, t, &out->len, scratch);
	if (required && out->len == 0)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "event member '%s' is empty", key);
	return 0;
}

int
mfm_deliver_str_is(struct mfm_deliver_str s, const char *w)
{
	return s.len == strlen(w) && memcmp(s.p, w, s.len) == 0;
}

/* Raw JSON of member key of object obj, or len 0. */
static void
event_raw(const struct mfm_json *j, int obj, const char *key,
    struct mfm_deliver_str *out)
{
	int t = obj < 0 ? -1 : mfm_json_member(j, obj, key, strlen(key));

	out->p = "";
	out->len = 0;
	if (t >= 0)
		out->p = mfm_json_raw(j, t, &out->len);
}

int
mfm_deliver_event_read(struct mfm_deliver_event *ev, const struct mfm_json *j,
    struct mfm_err *err)
{
	int t, w;

	if (mfm_json_member(j, 0, "_mfm", 4) >= 0)
		return 1;
	if (event_str(j, "status", 1, &ev->status, &ev->scratch[4], err) != 0)
		return -1;
	ev->firing = mfm_deliver_str_is(ev->status, "firing");
	if (!ev->firing && !mfm_deliver_str_is(ev->status, "resolved") &&
	    !mfm_deliver_str_is(ev->status, "pending") &&
	    !mfm_deliver_str_is(ev->status, "inactive") &&
	    !mfm_deliver_str_is(ev->status, "insufficient_data"))
		return mfm_err_set(err, MFM_ERR_DATA, "event status is not "
		    "firing, resolved, pending, inactive or insufficient_data");
	if (event_str(j, "rule", 1, &ev->rule, &ev->scratch[0], err) != 0 ||
	    event_str(j, "fingerprint", 1, &ev->fingerprint,
	    &ev->scratch[1], err) != 0 ||
	    event_str(j, "summary", 1, &ev->summary, &ev->scratch[2],
	    err) != 0 ||
	    event_str(j, "severity", 0, &ev->severity, &ev->scratch[3],
	    err) != 0 ||
	    event_str(j, "metric", 0, &ev->metric, &ev->scratch[5],
	    err) != 0)
		return -1;
	ev->wstart.p = ev->wend.p = "";
	ev->wstart.len = ev->wend.len = 0;
	if ((w = mfm_json_member(j, 0, "window", 6)) >= 0 &&
	    mfm_json_type_of(j, w) == MFM_JSON_OBJECT) {
		if ((t = mfm_json_member(j, w, "start", 5)) >= 0 &&
		    mfm_json_type_of(j, t) == MFM_JSON_STRING)
			ev->wstart.p = mfm_json_str(j, t, &ev->wstart.len,
			    &ev->scratch[6]);
		if ((t = mfm_json_member(j, w, "end", 3)) >= 0 &&
		    mfm_json_type_of(j, t) == MFM_JSON_STRING)
			ev->wend.p = mfm_json_str(j, t, &ev->wend.len,
			    &ev->scratch[7]);
	}
	ev->gtok = mfm_json_member(j, 0, "group", 5);
	if (ev->gtok >= 0 && mfm_json_type_of(j, ev->gtok) != MFM_JSON_OBJECT)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "event member 'group' is not an object");
	if (ev->gtok >= 0)
		ev->group.p = mfm_json_raw(j, ev->gtok, &ev->group.len);
	else {
		ev->group.p = "{}";
		ev->group.len = 2;
	}
	event_raw(j, 0, "value", &ev->value);
	event_raw(j, 0, "threshold", &ev->threshold);
	ev->j = j;
	ev->body.p = mfm_json_raw(j, 0, &ev->body.len);
	return 0;
}

void
mfm_deliver_label(const struct mfm_deliver_event *ev, const char *name,
    struct mfm_deliver_str *v, struct mfm_buf *tmp)
{
	int t;

	v->p = "";
	v->len = 0;
	if (strcmp(name, "status") == 0)
		*v = ev->status;
	else if (strcmp(name, "severity") == 0)
		*v = ev->severity;
	else if (strcmp(name, "rule") == 0)
		*v = ev->rule;
	else if (strcmp(name, "metric") == 0)
		*v = ev->metric;
	else if (ev->gtok >= 0 && (t = mfm_json_member(ev->j, ev->gtok,
	    name, strlen(name))) >= 0) {
		if (mfm_json_type_of(ev->j, t) == MFM_JSON_STRING)
			v->p = mfm_json_str(ev->j, t, &v->len, tmp);
		else
			v->p = mfm_json_raw(ev->j, t, &v->len);
	}
}
