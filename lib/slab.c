/*
 * Slab allocator; see slab.h.  A freed piece holds the link to the next
 * free piece of its class in its first bytes; a block holds the link to
 * the previous block in its first 16.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/slab.h"
#include "lib/banned.h"

#define BLOCK (64u << 10)
#define HDR 16		/* a block's link, padded to the pieces' alignment */

void
mfm_slab_init(struct mfm_slab *s)
{
	memset(s, 0, sizeof(*s));
}

void
mfm_slab_release(struct mfm_slab *s)
{
	void *b, *next;

	for (b = s->blocks; b != NULL; b = next) {
		memcpy(&next, b, sizeof(next));
		free(b);
	}
	memset(s, 0, sizeof(*s));
}

/* The class of n bytes, n <= MFM_SLAB_MAX (0 is taken as 1). */
static inline size_t
class_of(size_t n)
{
	return n > 0 ? (n - 1) >> 4 : 0;
}

void *
mfm_slab_alloc(struct mfm_slab *s, size_t n)
{
	size_t c, size;
	void *p;

	if (n > MFM_SLAB_MAX) {
		s->nbytes += n;
		return mfm_xmalloc(n);
	}
	c = class_of(n);
	if ((p = s->free[c]) != NULL) {
		memcpy(&s->free[c], p, sizeof(p));
		return p;
	}
	size = (c + 1) << 4;
	if (s->left < size) {
		char *b = mfm_xmalloc(BLOCK);

		memcpy(b, &s->blocks, sizeof(s->blocks));
		s->blocks = b;
		s->cur = b + HDR;
		s->left = BLOCK - HDR;
		s->nbytes += BLOCK;
	}
	p = s->cur;
	s->cur += size;
	s->left -= size;
	return p;
}

void
mfm_slab_free(struct mfm_slab *s, void *p, size_t n)
{
	size_t c;

	if (p == NULL)
		return;
	if (n > MFM_SLAB_MAX) {
		s->nbytes -= n;
		free(p);
		return;
	}
	c = class_of(n);
	memcpy(p, &s->free[c], sizeof(p));
	s->free[c] = p;
}

char *
mfm_slab_dup(struct mfm_slab *s, const void *p, size_t n)
{
	char *q = mfm_slab_alloc(s, n);

	memcpy(q, p, n);
	return q;
}
