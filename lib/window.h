/*
 * Event-time windows with a watermark.
 *
 * A window spec has a size S, a step P (P = S for tumbling windows,
 * P < S for sliding ones) and an offset O.  Its windows start at the
 * local times L_k = O + k*P for every integer k and end at L_k + S; a
 * record at instant t belongs to every window [B(L_k), B(L_k + S)) that
 * holds t, where B maps a local time to the first instant at which the
 * clock reads it: the identity in UTC (windows aligned to the Unix
 * epoch), mfm_tz_utc() in a named zone, so that a 1d window is a
 * calendar day of 23, 24 or 25 hours.  B never decreases, so the
 * windows of a tumbling spec tile the time line with no gap and no
 * overlap.
 *
 * The engine also keeps the watermark: the latest event time seen minus
 * the allowed lateness, or one given from upstream (mfm_window_advance_to,
 * for the watermark records of mfm-join).  A window is open from its
 * first record until the watermark reaches its end; then it is closed and
 * reported once.  A record for a closed window is late: it is flagged,
 * and with revise on it opens a revision of the window, numbered 1, 2,
 * ... per window, which is closed in turn at the next watermark advance.
 * The last keep_closed closed windows are kept to number revisions; a
 * record for a window closed before them is too late to revise.
 *
 * The state (open windows, kept ones, times) can be written and read
 * back, so that a cron run goes on where the last one stopped.
 */
#ifndef MFM_WINDOW_H
#define MFM_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/tm.h"
#include "lib/tz.h"

/* Default cap on windows held at once: open, and kept for revisions. */
#define MFM_WINDOW_MAX_DEFAULT 100000
/*
 * Default number of closed windows kept to number revisions: 16, or 2
 * when the watermark comes from mfm-join (a record then comes late only
 * when its prediction came later than the join's TTL).
 */
#define MFM_WINDOW_KEEP_DEFAULT 16
#define MFM_WINDOW_KEEP_JOINED 2
/* The longest window size: 100 years of 366 days. */
#define MFM_WINDOW_MAX_SIZE (INT64_C(36600) * 86400 * MFM_TM_US_PER_S)

struct mfm_window_spec {
	int64_t size;		/* microseconds, > 0 */
	int64_t step;		/* microseconds, 0 < step <= size */
	int64_t offset;		/* microseconds, any sign */
};

/* One window of one record, or one window to report as closed. */
struct mfm_window_tag {
	int64_t start, end;
	/*
	 * Tags of a record: 0 for an open window, N > 0 for a late record
	 * in revision N of a closed window (revise on), -1 for a late
	 * record otherwise, -2 for one too late to revise (its window
	 * closed before the kept ones).  Closed windows: the revision
	 * being closed.
	 */
	int revision;
	int pending;		/* kept windows: revision not yet closed */
};

struct mfm_window {
	/* Settings: fill before the first record. */
	struct mfm_window_spec *spec;	/* owned, see mfm_window_add */
	size_t nspec;
	const struct mfm_tz *tz;	/* borrowed; NULL for UTC/epoch */
	const char *tz_name;		/* borrowed: its name, for states */
	int64_t lateness;		/* >= 0; INT64_MAX: no watermark */
	int revise;
	size_t max_windows;		/* cap on open + kept windows */
	size_t keep_closed;		/* closed windows kept, revise on */
	int external;	/* the watermark comes from mfm_window_advance_to */

	/* State. */
	int have_time;
	int64_t max_time;		/* latest event time */
	int64_t watermark;		/* INT64_MIN before the first record */
	int same;	/* tag[] is one open window per spec, all tumbling */
	struct mfm_window_tag *open;	/* sorted by (end, start) */
	size_t nopen, capopen;
	struct mfm_window_tag *kept;	/* closed windows, revise only */
	size_t nkept, capkept, npending;

	/* Results, valid until the next call. */
	struct mfm_window_tag *tag;	/* the windows of the last record */
	size_t ntag, captag;
	struct mfm_window_tag *closed;	/* just closed, by (end, start) */
	size_t nclosed, capclosed;
	uint64_t nlate;			/* records late for some window */
	uint64_t ntoo_late;		/* of them, too late to revise */
	int have_dropped;		/* closed windows were dropped: */
	int64_t dropped_end;		/* the latest end among them */
};

void mfm_window_init(struct mfm_window *w);
void mfm_window_release(struct mfm_window *w);

/*
 * Add a spec.  -1 (MFM_ERR_USAGE) when the size is not in
 * (0, MFM_WINDOW_MAX_SIZE], the step not in (0, size], the size equals
 * that of an earlier spec, or a record would fall in more windows than
 * max_windows (size / step too large): set max_windows first.
 */
int mfm_window_add(struct mfm_window *w, int64_t size, int64_t step,
    int64_t offset, struct mfm_err *err);

/*
 * The windows of a record at instant t, in w->tag[0..w->ntag): specs in
 * the order added, starts ascending.  Opens the windows that are new
 * and, for late ones with revise on, starts their next revision.  The
 * watermark is not moved: call mfm_window_advance() after writing the
 * record.  -1 leaves the state unchanged: MFM_ERR_DATA when a window
 * would end after the year 9999, MFM_ERR_LIMIT ("more than N windows
 * open") at the cap.
 */
int mfm_window_assign(struct mfm_window *w, int64_t t, struct mfm_err *err);

/*
 * Move the watermark for a record at t.  When it advances, the windows
 * it closes and the pending revisions are put in
 * w->closed[0..w->nclosed), by end then start; otherwise nclosed is 0.
 */
void mfm_window_advance(struct mfm_window *w, int64_t t);

/*
 * A watermark from upstream: from now on records move no watermark
 * (w->external), and the windows that ends at or before wm closes, with
 * the pending revisions, go into w->closed as for mfm_window_advance.
 */
void mfm_window_advance_to(struct mfm_window *w, int64_t wm);

/*
 * End of input: the watermark moves up to the latest event time, and
 * every open window and pending revision goes into closed.
 */
void mfm_window_finish(struct mfm_window *w);
/*
 * End of a run that is not the end of the stream: only the pending
 * revisions go into closed (their windows had closed before).
 */
void mfm_window_pause(struct mfm_window *w);

/*
 * The state for the next run: one line per open and kept window, and
 * one for the times, appended to b.  Load reads it back into a w set up
 * with the same specs; MFM_ERR_DATA with err->line on a bad line.
 */
void mfm_window_dump(const struct mfm_window *w, struct mfm_buf *b);
int mfm_window_load(struct mfm_window *w, const char *body, size_t len,
    struct mfm_err *err);

/*
 * Append the window member value {"start":"...","end":"..."}, with
 * ,"revision":N before the brace when revision > 0.
 */
void mfm_window_put(struct mfm_buf *b, int64_t start, int64_t end,
    int revision);

/*
 * The texts mfm_window_put appends, kept for the windows tagged last:
 * records mostly fall in a few recent windows, and formatting two times
 * is most of what tagging a record costs.  Zero it to start empty.
 */
#define MFM_WINDOW_TEXT_MAX 96
#define MFM_WINDOW_TEXT_SLOTS 256
struct mfm_window_text {
	struct mfm_window_text_slot {
		int64_t start, end;
		int revision;
		size_t len;		/* 0: holds nothing yet */
		char s[MFM_WINDOW_TEXT_MAX];
	} slot[MFM_WINDOW_TEXT_SLOTS];
};

/* mfm_window_put through the cache c, which is refilled on a miss. */
void mfm_window_put_cached(struct mfm_buf *b, struct mfm_window_text *c,
    int64_t start, int64_t end, int revision);

/*
 * Append a window_closed control record (no newline):
 * {"_mfm":{"type":"window_closed","window":{...},"watermark":"...",
 * "revision":N}}.
 */
void mfm_window_put_closed(struct mfm_buf *b, const struct mfm_window_tag *c,
    int64_t watermark);

#endif
