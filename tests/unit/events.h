/*
 * Alert events for the unit tests of mfm-alert's library (check_hold.c,
 * check_route.c): an event read from a line that is kept with it, since
 * the event's strings point into the line.
 */
#ifndef MFM_TEST_EVENTS_H
#define MFM_TEST_EVENTS_H

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/alertev.h"

struct event {
	char *line;
	struct mfm_json j;
	struct mfm_deliver_event ev;
};

static inline void
event_read(struct event *e, const char *line)
{
	struct mfm_err err;

	e->line = strdup(line);
	mfm_json_init(&e->j);
	mfm_deliver_event_init(&e->ev);
	ck_assert_int_eq(mfm_json_parse(&e->j, e->line, strlen(e->line),
	    &err), 0);
	ck_assert_msg(mfm_deliver_event_read(&e->ev, &e->j, &err) == 0, "%s",
	    err.msg);
}

static inline void
event_release(struct event *e)
{
	mfm_deliver_event_release(&e->ev);
	mfm_json_release(&e->j);
	free(e->line);
}

#endif
