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
