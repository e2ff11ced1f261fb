/*
 * The join engine of mfm-join: predictions and outcomes arrive in any
 * order, on two streams, and this module decides, in event time, what
 * becomes of each.  No I/O here: the command reads records, extracts
 * their key, entity and time, and hands them in; the engine holds what
 * must wait (each record's raw bytes, owned, freed as soon as it is
 * decided; each key stored once) and reports every decision through a
 * callback, so that every record handed in comes out exactly once as a
 * matched, expired, unmatched, duplicate-id, duplicate, conflicting or
 * orphan record, or stays pending (and goes to the state file).
 *
 * Two kinds of join live side by side:
 *  - by id: one outcome per key; the first (or last) outcome wins, later
 *    ones are duplicates, or conflicts when their label differs;
 *  - as-of: by entity and time, as pandas merge_asof (backward, forward,
 *    nearest; tolerance; exact matches or not); an outcome may serve
 *    several predictions.
 * Hybrid joins route each record: with an id to the first, without to the
 * second.
 *
 * Time: the watermark is the latest event time seen minus the allowed
 * lateness.  A pending prediction expires when the watermark passes its
 * time plus the TTL; an outcome waiting for its prediction becomes an
 * orphan likewise.  Replays therefore give the live answer.
 */
#ifndef MFM_JOIN_H
#define MFM_JOIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/json.h"
#include "lib/keymap.h"
#include "lib/slab.h"
#include "lib/state.h"

#define MFM_JOIN_MAX_PENDING_DEFAULT 10000000
#define MFM_JOIN_STATE_VERSION 1

enum mfm_join_kind {
	MFM_JOIN_MATCHED = 0,	/* a prediction with its outcome */
	MFM_JOIN_EXPIRED,	/* TTL passed in event time, no outcome */
	MFM_JOIN_UNMATCHED,	/* input ended (or as-of: nothing fits) */
	MFM_JOIN_DUPLICATE_ID,	/* a repeated prediction id */
	MFM_JOIN_DUPLICATE,	/* another outcome, same label */
	MFM_JOIN_CONFLICT,	/* another outcome, different label */
	MFM_JOIN_ORPHAN,	/* an outcome no prediction took */
	MFM_JOIN_NKIND
};

/* Which outcome a prediction keeps when several arrive for its id. */
enum mfm_join_keep {
	MFM_JOIN_KEEP_FIRST = 0,	/* emitted at once */
	MFM_JOIN_KEEP_LAST,		/* emitted when its TTL passes */
	MFM_JOIN_KEEP_ERROR		/* a second outcome is a bad record */
};

enum mfm_join_dir {
	MFM_JOIN_BACKWARD = 0,
	MFM_JOIN_FORWARD,
	MFM_JOIN_NEAREST
};

/* One decision; the pointers are valid during the callback only. */
struct mfm_join_event {
	enum mfm_join_kind kind;
	const char *pred;	/* NULL for outcome kinds */
	size_t plen;
	const char *out;	/* NULL when there is no outcome */
	size_t olen;
	int has_pt, has_ot;
	int64_t pt, ot;		/* event times, microseconds */
};

/* A record handed in. */
struct mfm_join_rec {
	const char *raw;	/* the whole JSON object */
	size_t len;
	const char *key;	/* id key (mfm_join_key bytes), or NULL */
	size_t klen;
	const char *ent;	/* as-of entity key, or NULL */
	size_t elen;
	const char *label;	/* outcome label's raw JSON, or NULL */
	size_t llen;
	int has_time;
	int64_t time;
	int hashed;		/* set by mfm_join_prefetch: hash is key's */
	uint32_t hash;
};

struct mfm_join_opts {
	int64_t ttl;		/* 0: none */
	int64_t lateness;
	int64_t tolerance;	/* as-of; -1: none */
	enum mfm_join_keep keep;
	enum mfm_join_dir dir;
	int exact;		/* as-of: equal times match */
	size_t max_pending;	/* 0: the default */
};

struct mfm_join_ent;
struct mfm_join_slot;
struct mfm_join_heap;
struct mfm_join_asof;
struct mfm_join_arecs;

struct mfm_join {
	struct mfm_join_opts o;
	void (*emit)(void *arg, const struct mfm_join_event *ev);
	void *arg;
	/* by id */
	struct mfm_join_slot *tab;	/* id key -> entry (join.c) */
	size_t ntab, nkeys;
	struct mfm_join_ent *ent;
	size_t nent, capent, nfree, *freelist, capfree;
	struct mfm_join_heap *heap;	/* deadlines out of order */
	size_t nheap, capheap;
	struct mfm_join_heap *q;	/* deadlines in order: a queue */
	size_t qhead, qlen, capq;
	/* as-of */
	struct mfm_keymap ents;		/* entity -> index into asof + 1 */
	struct mfm_join_asof *asof;	/* per entity: outcomes by time */
	size_t nasof, capasof;
	struct mfm_join_arecs *arecs;	/* held as-of records */
	struct mfm_slab slab;		/* held records' bytes, long keys */
	uint64_t seq;			/* arrival order, for ties */
	/* time */
	int has_max;
	int64_t max_time;		/* latest event time seen */
	size_t pending;			/* records held */
	/* decisions, by kind; predictions and outcomes taken in */
	uint64_t n[MFM_JOIN_NKIND];
	uint64_t npred, nout, nused;	/* nused: outcomes matched */
	uint64_t nload_pred, nload_out;	/* records read from the state */
};

/* Set o to the defaults: no TTL, backward, exact matches, keep first. */
void mfm_join_opts_init(struct mfm_join_opts *o);

void mfm_join_init(struct mfm_join *jn, const struct mfm_join_opts *o,
    void (*emit)(void *, const struct mfm_join_event *), void *arg);
void mfm_join_release(struct mfm_join *jn);

/*
 * The canonical bytes of a key value, appended to key: a string's
 * unescaped text or a number's JSON text, tagged with its type and
 * length so that "1" and 1 differ and multi-field keys cannot collide.
 * Returns -1 when the token is not a string or a number.
 */
int mfm_join_key(const struct mfm_json *j, int t, struct mfm_buf *key);

/*
 * Hand in a prediction or an outcome.  Decisions are reported through the
 * callback, possibly several (expiries the record's time caused).
 * Returns -1 with err: MFM_ERR_LIMIT at max_pending, MFM_ERR_DATA for a
 * second outcome under MFM_JOIN_KEEP_ERROR or an as-of record without a
 * time (the record is then not taken in: the caller counts it as bad).
 */
int mfm_join_prediction(struct mfm_join *jn, const struct mfm_join_rec *r,
    struct mfm_err *err);
int mfm_join_outcome(struct mfm_join *jn, const struct mfm_join_rec *r,
    struct mfm_err *err);

/*
 * Optional, for speed: hash r's key and start fetching where the engine
 * will look for it, so that the memory is on its way while the caller
 * does other work (reads the other stream) before handing r in.
 */
void mfm_join_prefetch(const struct mfm_join *jn, struct mfm_join_rec *r);
/* The hashing alone, which needs no engine: for a thread that reads. */
void mfm_join_hash(struct mfm_join_rec *r);
/*
 * The second step, a little later, once the slot has come: start fetching
 * the entry the key has, if any.
 */
void mfm_join_prefetch_entry(const struct mfm_join *jn,
    const struct mfm_join_rec *r);
/* The third, once the entry has come: the prediction it holds. */
void mfm_join_prefetch_held(const struct mfm_join *jn,
    const struct mfm_join_rec *r);

/*
 * A record that another shard joins (mfm-join --shard): its time moves
 * the watermark, as it does in the single run, and nothing else.
 */
void mfm_join_observe(struct mfm_join *jn, const struct mfm_join_rec *r);

/*
 * The shard, of n, that the canonical key bytes belong to: the same on
 * every machine (FNV-1a over the bytes).
 */
uint64_t mfm_join_shard(const char *key, size_t len, uint64_t n);

/* Records held now: predictions (held ones included) and outcomes. */
void mfm_join_pending(const struct mfm_join *jn, uint64_t *npred,
    uint64_t *nout);

/*
 * Append a label delay of us microseconds in seconds, exactly as
 * mfm_json_put_double(b, us / 1e6) writes it, but faster.
 */
void mfm_join_put_delay(struct mfm_buf *b, int64_t us);

/*
 * The join's output watermark (mfm(7) LATE LABELS): every prediction with
 * an event time before it has been decided, since the watermark of the
 * inputs (the latest event time less the lateness) has passed its time
 * plus what a prediction may wait, *hold: the TTL for id joins, the as-of
 * horizon (0 backward, else the tolerance, else the TTL) for as-of ones,
 * the larger for both (id and asof say which kinds are joined).  -1 when
 * predictions may wait for ever: there is no watermark before the end.
 */
int mfm_join_hold(const struct mfm_join *jn, int id, int asof,
    int64_t *hold);

/* End of input: decide everything still pending (no state kept). */
void mfm_join_drain(struct mfm_join *jn);

/*
 * State between runs, in a state file of lib/state.c (header, body,
 * checked trailer; st locked by the caller with mfm_state_lock).  Save
 * writes everything pending, the latest event time and the fingerprint
 * of the options that shape keys (so that a state is never read under
 * other options), crash-safe.  Load checks the whole file, then reads it
 * back before the first record; a missing file is an empty state; a
 * corrupt, foreign or newer file is an error naming the file (and the
 * line, for a body that passed the checksum yet makes no sense).  head
 * is a line of the caller's that goes first in the body (the chain line
 * of lib/chain.h: input offsets, output length); load gives it back, or
 * leaves head empty when the body has none.
 */
int mfm_join_save(const struct mfm_join *jn, struct mfm_state *st,
    const char *fingerprint, const struct mfm_buf *head,
    struct mfm_err *err);
int mfm_join_load(struct mfm_join *jn, struct mfm_state *st,
    const char *fingerprint, size_t max_line, struct mfm_buf *head,
    struct mfm_err *err);

#endif
