/*
 * Byte-string hash map; see keymap.h.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/keymap.h"
#include "lib/banned.h"

void
mfm_keymap_init(struct mfm_keymap *m)
{
	memset(m, 0, sizeof(*m));
}

void
mfm_keymap_release(struct mfm_keymap *m)
{
	free(m->slot);
	free(m->arena);
	mfm_keymap_init(m);
}

/*
 * 64-bit hash: eight bytes at a time multiplied and folded, good enough
 * for keys under the caller's control and much faster than byte-wise FNV
 * on ids of 10-40 bytes.
 */
uint64_t
mfm_keymap_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0xff51afd7ed558ccdULL);
	uint64_t w;

	while (n >= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
		s += 8;
		n -= 8;
	}
	w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * 0x94d049bb133111ebULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return h;
}

static struct mfm_keymap_slot *
lookup(const struct mfm_keymap *m, uint64_t h, const void *key, size_t len)
{
	size_t mask = m->nslot - 1, i = (size_t)h & mask;

	for (;; i = (i + 1) & mask) {
		struct mfm_keymap_slot *s = &m->slot[i];

		if (!s->used)
			return s;
		if (s->hash == h && s->len == len &&
		    memcmp(m->arena + s->off, key, len) == 0)
			return s;
	}
}

size_t *
mfm_keymap_find(const struct mfm_keymap *m, const void *key, size_t len)
{
	struct mfm_keymap_slot *s;

	if (m->nslot == 0)
		return NULL;
	s = lookup(m, mfm_keymap_hash(key, len), key, len);
	return s->used ? &s->value : NULL;
}

static void
rehash(struct mfm_keymap *m)
{
	struct mfm_keymap_slot *old = m->slot;
	size_t i, oldn = m->nslot;

	m->nslot = oldn ? oldn * 2 : 64;
	m->slot = mfm_xcalloc(m->nslot, sizeof(*m->slot));
	for (i = 0; i < oldn; i++) {
		size_t mask = m->nslot - 1, j;

		if (!old[i].used)
			continue;
		for (j = (size_t)old[i].hash & mask; m->slot[j].used;
		    j = (j + 1) & mask)
			;
		m->slot[j] = old[i];
	}
	free(old);
}

size_t *
mfm_keymap_put(struct mfm_keymap *m, const void *key, size_t len, int *isnew)
{
	struct mfm_keymap_slot *s;
	uint64_t h = mfm_keymap_hash(key, len);

	if ((m->count + 1) * 2 > m->nslot)
		rehash(m);
	s = lookup(m, h, key, len);
	if (s->used) {
		*isnew = 0;
		return &s->value;
	}
	/* An arena even for an empty key: lookups memcmp at its offset. */
	if (m->arena == NULL || m->arena_len + len > m->arena_cap) {
		size_t cap = m->arena_cap ? m->arena_cap : 4096;

		while (cap < m->arena_len + len)
			cap *= 2;
		m->arena = mfm_xrealloc(m->arena, cap);
		m->arena_cap = cap;
	}
	if (len > 0)
		memcpy(m->arena + m->arena_len, key, len);
	s->off = m->arena_len;
	s->len = (uint32_t)len;
	s->hash = h;
	s->used = 1;
	s->value = 0;
	m->arena_len += len;
	m->count++;
	*isnew = 1;
	return &s->value;
}

const char *
mfm_keymap_key(const struct mfm_keymap *m, const size_t *v, size_t *lenp)
{
	const struct mfm_keymap_slot *s = (const struct mfm_keymap_slot *)
	    ((const char *)v - offsetof(struct mfm_keymap_slot, value));

	*lenp = s->len;
	return m->arena + s->off;
}
