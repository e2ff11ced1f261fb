/*
 * The join engine of mfm-join: outcomes held by key, predictions matched
 * against them.  No I/O here: the command reads the records, this module
 * keeps the outcomes (their raw JSON bytes, stored once) and answers which
 * outcome a prediction gets.
 */
#ifndef MFM_JOIN_H
#define MFM_JOIN_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/json.h"
#include "lib/keymap.h"

#define MFM_JOIN_MAX_PENDING_DEFAULT 10000000

struct mfm_join_outcome {
	size_t off, len;	/* raw JSON object in the store */
	int64_t time_us;
	uint8_t has_time;
	uint8_t used;		/* given to a prediction */
};

struct mfm_join {
	struct mfm_keymap keys;		/* key -> index into out */
	struct mfm_join_outcome *out;	/* in arrival order */
	size_t nout, capout;
	struct mfm_buf store;
	size_t max_pending;
	uint64_t nduplicate;		/* later outcomes for a held key */
};

enum mfm_join_match {
	MFM_JOIN_NONE = 0,	/* no outcome with this key */
	MFM_JOIN_MATCHED,	/* an outcome, now used */
	MFM_JOIN_TAKEN		/* its outcome went to an earlier prediction */
};

void mfm_join_init(struct mfm_join *jn, size_t max_pending);
void mfm_join_release(struct mfm_join *jn);

/*
 * The canonical bytes of a key value: a string's unescaped text or a
 * number's JSON text, tagged with its type so that "1" and 1 differ.
 * Returns -1 when the token is not a string or a number.
 */
int mfm_join_key(const struct mfm_json *j, int t, struct mfm_buf *key);

/*
 * Hold an outcome.  The first outcome for a key wins: a later one is
 * counted as a duplicate and 0 is returned; 1 when held; -1 with err at
 * the max_pending cap.
 */
int mfm_join_add(struct mfm_join *jn, const char *key, size_t klen,
    const char *raw, size_t rawlen, int has_time, int64_t time_us,
    struct mfm_err *err);

/* Match a prediction's key; *o is the outcome for MFM_JOIN_MATCHED. */
enum mfm_join_match mfm_join_match(struct mfm_join *jn, const char *key,
    size_t klen, const struct mfm_join_outcome **o);

/* Raw bytes of a held outcome. */
static inline const char *
mfm_join_raw(const struct mfm_join *jn, const struct mfm_join_outcome *o)
{
	return jn->store.p + o->off;
}

#endif
