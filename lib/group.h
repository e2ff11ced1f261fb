/*
 * Records grouped by window and by the values of some fields: the table
 * that mfm-metric keeps one accumulator per entry of.
 *
 * The key of a record is its window value (the window object's members
 * as written, less a "revision" member, or null when the record has
 * none) and its group, a JSON object
 * built from the --by paths as written and the raw values of those
 * fields (null when missing).  Strings written with escapes are decoded
 * and written back in mfm's own form, so "caf\u00e9" and "café" are one
 * group; other values are compared as written.
 *
 * Each entry carries a caller-sized value block, zeroed when the entry
 * is created; the table never looks inside it.  The number of entries
 * is capped, since every one of them grows with the input.
 */
#ifndef MFM_GROUP_H
#define MFM_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/json.h"

#define MFM_GROUP_MAX_DEFAULT 100000
#define MFM_GROUP_MEMO 512	/* a power of two */

struct mfm_group_entry {
	char *key;		/* window bytes, then group text; owned */
	size_t wlen;		/* bytes of the window part */
	size_t len;		/* bytes of the whole key */
	size_t hash;
	int wclass;		/* 0 no window, 1 start is a time, 2 other */
	int64_t start;		/* wclass 1: the start, microseconds */
	void *val;		/* valsize bytes, owned */
};

struct mfm_group {
	size_t valsize;
	size_t max;		/* entries at most */
	struct mfm_group_entry *ent;
	size_t n, alloc;
	size_t *slot;		/* hash index: entry number + 1, 0 empty */
	size_t cap;		/* slots, a power of two, or 0 */
	int sorted;		/* entries reordered: rebuild the index */
	struct mfm_buf key;	/* the key being looked up */
	struct mfm_buf str;	/* scratch for decoding strings */
	struct mfm_buf byname;	/* mfm_group_by: "name": of every path */
	size_t *byend;		/* where path i's name ends in byname */
	size_t nby;
	/*
	 * mfm_group_get_at's memory of its answers: the raw bytes of the
	 * fields it was given and the value block it found, at a slot by
	 * the bytes' hash.  Equal bytes make an equal key, so a record like
	 * one seen lately is answered without building its key, however
	 * many windows and groups are open at once (a join's output comes
	 * in the order outcomes arrive: from many windows).  Emptied, by a
	 * new memo_gen, when an entry is removed.
	 */
	struct mfm_group_memo {
		struct mfm_buf raw;	/* each field: type, length, bytes */
		size_t hash;
		void *val;		/* NULL: empty */
		uint64_t gen;		/* valid while memo_gen is the same */
	} memo[MFM_GROUP_MEMO];
	uint64_t memo_gen;
};

/* max 0 means MFM_GROUP_MAX_DEFAULT. */
void mfm_group_init(struct mfm_group *g, size_t valsize, size_t max);
/* Frees the entries and their value blocks; release what they hold first. */
void mfm_group_release(struct mfm_group *g);

/*
 * The value block of record j's entry, created (zeroed, *created set to
 * 1) if new.  window is the path of the window object; by[0..nby) the
 * group paths.  NULL with MFM_ERR_DATA when the window field is neither
 * an object nor null, or MFM_ERR_LIMIT ("more than N windows and groups
 * open", cap MFM_CAP_GROUPS) when a new entry would pass the cap.  The
 * pointer stays valid until mfm_group_release.
 */
void *mfm_group_get(struct mfm_group *g, const struct mfm_json *j,
    const struct mfm_json_path *window, const struct mfm_json_path *by,
    size_t nby, int *created, struct mfm_err *err);

/*
 * The same when the caller has looked the fields up: w is the token of
 * the window field (window names it in messages) and val[0..nby) those
 * of the group fields, -1 when missing, with the paths set by
 * mfm_group_by (which mfm_group_get also sets, to its by).  Building
 * the key is all that is left to do.
 */
void mfm_group_by(struct mfm_group *g, const struct mfm_json_path *by,
    size_t nby);
void *mfm_group_get_at(struct mfm_group *g, const struct mfm_json *j,
    const struct mfm_json_path *window, int w, const int *val,
    int *created, struct mfm_err *err);

/*
 * The same for a key given as bytes: a window as mfm_group_put_window
 * writes it, and a group object's JSON text.
 */
void *mfm_group_get_key(struct mfm_group *g, const char *window,
    size_t wlen, const char *group, size_t glen, int *created,
    struct mfm_err *err);

/*
 * Append the window object at token t of j (t < 0 or not an object:
 * "null") as entries are keyed by it: its members as written, without
 * white space between them and without a "revision" member, so a revised
 * window is the same window.
 */
void mfm_group_put_window(struct mfm_buf *b, const struct mfm_json *j,
    int t);

/*
 * Remove entry i, freeing its key and value block (release what the
 * block holds first).  The last entry takes its number.
 */
void mfm_group_remove(struct mfm_group *g, size_t i);

/*
 * Order the entries for output: by window start (no window first, then
 * windows whose "start" is an RFC 3339 time, by that time, then any
 * other window), then by the window's bytes, then by the group's JSON
 * text in byte order.  Entry numbers change; value blocks stay put.
 */
void mfm_group_sort(struct mfm_group *g);

/* Entry i's window JSON ("null" when none) and group JSON object. */
const char *mfm_group_window(const struct mfm_group *g, size_t i,
    size_t *lenp);
const char *mfm_group_text(const struct mfm_group *g, size_t i,
    size_t *lenp);
/*
 * Start an output record with entry i's key, {"window":W,"group":G,
 * left open for the tool's members.
 */
void mfm_group_put_head(struct mfm_buf *b, const struct mfm_group *g,
    size_t i);

static inline void *
mfm_group_val(const struct mfm_group *g, size_t i)
{
	return g->ent[i].val;
}

#endif
