/*
 * A hash map from byte-string keys to caller-defined slots, with the keys
 * stored once in an arena.  Open addressing with linear probing; the
 * table doubles at 50 % load.  Used for join keys and group keys, where a
 * key is hashed and compared as bytes.
 */
#ifndef MFM_KEYMAP_H
#define MFM_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

struct mfm_keymap {
	struct mfm_keymap_slot {
		uint64_t hash;
		size_t off;		/* key offset in the arena */
		uint32_t len;
		uint32_t used;
		size_t value;		/* the caller's value */
	} *slot;
	size_t nslot;		/* a power of two */
	size_t count;
	char *arena;
	size_t arena_len, arena_cap;
};

void mfm_keymap_init(struct mfm_keymap *m);
void mfm_keymap_release(struct mfm_keymap *m);

uint64_t mfm_keymap_hash(const void *p, size_t n);

/*
 * Find key; returns a pointer to its value, or NULL.  The pointer is valid
 * until the next insertion.
 */
size_t *mfm_keymap_find(const struct mfm_keymap *m, const void *key,
    size_t len);
/*
 * Find or insert key.  *isnew says which; a new key's value is 0.  Keys
 * longer than UINT32_MAX bytes are the caller's to refuse.
 */
size_t *mfm_keymap_put(struct mfm_keymap *m, const void *key, size_t len,
    int *isnew);
/* The bytes of the key whose value pointer is v (from find or put). */
const char *mfm_keymap_key(const struct mfm_keymap *m, const size_t *v,
    size_t *lenp);

#endif
