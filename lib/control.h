/*
 * Control records: the markers that travel down a pipeline beside the
 * records, as objects whose single top-level member is "_mfm" (mfm(7)).
 * This module writes and reads the watermark records of mfm-join and
 * combines them into the upstream watermark the later stages go by:
 *
 *	{"_mfm":{"type":"watermark","watermark":"T","time":"U"}}
 *
 * T: every prediction with an event time before it has been written (or
 * null: nothing can be said yet); U: the latest event time the join has
 * seen, less its lateness (or null before the first time).  A sharded
 * join adds "shard":[i,n]; the last record of a run that decided
 * everything adds "complete":true.
 *
 * The upstream watermark of a stream is the latest T read, or with
 * shards the least of the shards' latest, once all n have reported; it
 * never goes back.  The stream is complete once every source has said so.
 */
#ifndef MFM_CONTROL_H
#define MFM_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/json.h"

/* Shards a watermark reader tells apart at most. */
#define MFM_CONTROL_MAX_SHARDS 4096

enum mfm_control_type {
	MFM_CONTROL_OTHER = 0,	/* a control record of another type */
	MFM_CONTROL_WATERMARK,
	MFM_CONTROL_WINDOW_CLOSED
};

/* One watermark record. */
struct mfm_control_mark {
	int has_w, has_now, complete;
	int64_t w, now;
	uint64_t shard_i, shard_n;	/* shard_n 0: not sharded */
};

/* Is j a control record (an object whose single member is "_mfm")? */
int mfm_control_is(const struct mfm_json *j);
/*
 * The type of control record j; for a watermark, its contents in *m.
 * -1 (MFM_ERR_DATA) for a watermark record that does not read.
 */
int mfm_control_type(const struct mfm_json *j, enum mfm_control_type *type,
    struct mfm_control_mark *m, struct mfm_err *err);

/* Append a watermark record (no newline). */
void mfm_control_put_watermark(struct mfm_buf *b,
    const struct mfm_control_mark *m);

/*
 * When mfm-join writes a watermark record (mfm(7) LATE LABELS): once the
 * watermark enters a new minute, but when fewer than MFM_MARK_RECORDS
 * records went out since the last one, not before it enters a new hour
 * or those records are out.  The watermark is the latest event time
 * less shift (the join's lateness and hold).  The caller asks again once
 * the latest time reaches *after_at:
 *
 *	mfm_mark_pace_init(&p, shift, &after_at);
 *	per record, once latest >= after_at:
 *		if (mfm_mark_pace_reached(&p, latest, nout, &after_at))
 *			write a mark for latest - shift, then
 *			mfm_mark_pace_written(&p, nout after it);
 *	per record written: mfm_mark_pace_out(&p, nout, &after_at);
 */
#define MFM_MARK_RECORDS 1000

struct mfm_mark_pace {
	int64_t shift;		/* latest time - watermark */
	int has;		/* a mark was written */
	int64_t next_minute;	/* then: where the next minute, */
	int64_t next_hour;	/* and the next hour, begin */
	uint64_t nout;		/* records out then */
	int rearm;		/* a minute is due once the records are out */
};

/* Pace marks for shift; *after_at: at once. */
void mfm_mark_pace_init(struct mfm_mark_pace *p, int64_t shift,
    int64_t *after_at);
/* The latest time at which the watermark reaches w. */
int64_t mfm_mark_pace_at(const struct mfm_mark_pace *p, int64_t w);
/*
 * The latest time has reached *after_at, with nout records out: 1 when
 * a mark is due now, 0 when not; *after_at is when to ask again.
 */
int mfm_mark_pace_reached(struct mfm_mark_pace *p, int64_t latest,
    uint64_t nout, int64_t *after_at);
/* A mark went out; nout records are out with it. */
void mfm_mark_pace_written(struct mfm_mark_pace *p, uint64_t nout);

/* A record went out (nout now): a minute held for records may be due. */
static inline void
mfm_mark_pace_out(struct mfm_mark_pace *p, uint64_t nout, int64_t *after_at)
{
	if (p->rearm && nout - p->nout >= MFM_MARK_RECORDS) {
		p->rearm = 0;
		*after_at = mfm_mark_pace_at(p, p->next_minute);
	}
}

/* The upstream watermark of a stream, from its watermark records. */
struct mfm_upstream {
	int seen;		/* a watermark record was read */
	int has_w;		/* w holds the upstream watermark */
	int64_t w;
	int has_now;
	int64_t now;		/* the latest "time" read */
	int complete;		/* every source said complete */
	/* Sharded sources: the latest of each. */
	uint64_t nshards;
	struct mfm_control_mark *shard;	/* nshards of them, or NULL */
	int unsharded_complete;
};

void mfm_upstream_init(struct mfm_upstream *u);
void mfm_upstream_release(struct mfm_upstream *u);
/*
 * Take a watermark record.  Returns 1 when the upstream watermark moved
 * (or the stream became complete), 0 otherwise; -1 (MFM_ERR_DATA) for a
 * shard count that differs from an earlier record's or passes
 * MFM_CONTROL_MAX_SHARDS.
 */
int mfm_upstream_add(struct mfm_upstream *u, const struct mfm_control_mark *m,
    struct mfm_err *err);
/*
 * For state files: append one line {"upstream":[...]} (and one per
 * shard); load reads such a line back (1), or says it is not one (0),
 * or -1 (MFM_ERR_DATA) for a bad one.
 */
void mfm_upstream_dump(const struct mfm_upstream *u, struct mfm_buf *b);
int mfm_upstream_load(struct mfm_upstream *u, const struct mfm_json *j,
    struct mfm_err *err);
/*
 * Read the upstream lines at the head of a state body; *rest is where the
 * lines after them start.  err->line counts from the body's first line.
 */
int mfm_upstream_load_head(struct mfm_upstream *u, const char *body,
    size_t len, size_t *rest, struct mfm_err *err);

#endif
