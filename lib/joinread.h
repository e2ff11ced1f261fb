/*
 * The input side of mfm-join: two streams (or one mixed stream) read a
 * batch of records ahead, each record's key, entity, time and label
 * taken (and its members picked, with --select) in one walk over its
 * members, the engine told to fetch where each key lives before the
 * record's turn, and the records handed to the engine merged in event
 * time.  Live streams (pipes, FIFOs, terminals) are polled: joined
 * records go out while the streams are open, and a file is never read
 * ahead of a live stream.  With a shard set, records of other shards
 * only move the watermark.  Files (with threads set) are read and parsed
 * by threads of their own while the engine works: the same decisions,
 * output and messages.
 */
#ifndef MFM_JOINREAD_H
#define MFM_JOINREAD_H

#include <stddef.h>
#include <stdint.h>

#include "lib/field.h"
#include "lib/hits.h"
#include "lib/join.h"
#include "lib/json.h"
#include "lib/pick.h"
#include "lib/tm.h"

enum mfm_joinread_mode {
	MFM_JOINREAD_ID,	/* every record needs its key */
	MFM_JOINREAD_ASOF,	/* records go by entity and time */
	MFM_JOINREAD_HYBRID	/* by key when there is one, else as-of */
};

/* The paths of one side (predictions or outcomes). */
struct mfm_joinread_side {
	struct mfm_json_path *key, *by, time, fallback, *sel;
	size_t nkey, nby, nsel;
	int has_fallback;
	struct mfm_pick pick;	/* with nsel > 0: what is kept */
	/* Set by mfm_joinread_init: the paths' numbers in the field set. */
	size_t *key_f, *by_f, time_f, fallback_f, top_f;
};

struct mfm_joinread {
	enum mfm_joinread_mode mode;
	struct mfm_joinread_side ps, os;	/* predictions, outcomes */
	struct mfm_json_path label;	/* its presence marks an outcome */
	enum mfm_tm_unit unit;		/* of epoch-number times */
	uint64_t shard_i, shard_n;	/* shard_n 0: no shards */
	uint64_t nother;		/* out: records of other shards */
	int threads;		/* files may be read by threads of their own */
	/*
	 * If set, called after a record is handed to the engine when the
	 * engine's latest time has reached after_at (which it may move).
	 */
	void (*after)(void *arg);
	void *after_arg;
	int64_t after_at;
	/* Set by mfm_joinread_init: every path, found in one walk. */
	struct mfm_field_set fields;
	size_t label_f;
	/* the top-level members looked into: the rest is parsed shallow */
	struct mfm_json_deep deep;
	/*
	 * Set by mfm_joinread_hits: whether the paths match, of predictions
	 * (hits[0]), outcomes (hits[1]) and, for a mixed stream, of every
	 * record (hits[2], its label); owned by lib/cli.c's mfm_cli_hits.
	 * With a reading thread per input, each side's are counted by its
	 * thread, and read when the threads are done.
	 */
	struct mfm_hits *hits[3];
	/*
	 * Records taken of each side, and of them those with the label
	 * field: with two inputs, a sign that they are swapped.
	 */
	uint64_t nside[2], nlabel[2];
	int label_given;		/* set by mfm_joinread_hits */
};

/* Once the paths are set (and each side's pick, if any). */
void mfm_joinread_init(struct mfm_joinread *in);

/* What mfm_joinread_hits checks beyond what the mode needs. */
enum {
	MFM_JOINREAD_TIME = 1,		/* predictions' time: given, or --ttl */
	MFM_JOINREAD_LABEL = 2,		/* --label given */
	MFM_JOINREAD_OKEY = 4,		/* --outcome-key given */
	MFM_JOINREAD_OBY = 8,		/* --outcome-by given */
	MFM_JOINREAD_OTIME = 16		/* --outcome-time given */
};
/*
 * After mfm_joinread_init, check that the paths match (lib/hits.h,
 * mfm_cli_hits): each side's key (id and hybrid joins), fallback, entity
 * (as-of and hybrid), time (as-of and hybrid, or as what says) and
 * --select paths; the label of a mixed stream, or with
 * MFM_JOINREAD_LABEL of the outcomes.
 */
void mfm_joinread_hits(struct mfm_joinread *in, int what, int mixed);
void mfm_joinread_release(struct mfm_joinread *in);

/*
 * Read paths[0..n): predictions and outcomes (n 2), or one mixed stream
 * (n 1), "-" for stdin; hand every good record to jn in event-time
 * order until every input ends.  Bad records are reported (mfm_cli_bad)
 * and counted; a record the engine refuses is reported with its own
 * line; --max-pending, read and write errors end the run (mfm_die).
 */
void mfm_joinread_run(struct mfm_joinread *in, struct mfm_join *jn,
    char *const *paths, size_t n);

#endif
