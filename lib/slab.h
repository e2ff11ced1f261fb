/*
 * A slab allocator for many small byte strings that come and go, such as
 * the records mfm-join holds while they wait: sizes are rounded up to a
 * class (16 bytes apart up to MFM_SLAB_MAX), each class carves its
 * pieces from 64 KiB blocks and keeps the freed ones on a list for the
 * next string of the class, so that holding a record costs neither a
 * malloc nor a free, nor the allocator's bookkeeping around them.
 * Larger strings go to malloc.  Memory comes back to the system only at
 * mfm_slab_release: a stream whose sizes do not drift reuses what it has.
 */
#ifndef MFM_SLAB_H
#define MFM_SLAB_H

#include <stddef.h>

#define MFM_SLAB_MAX 1024
#define MFM_SLAB_NCLASS (MFM_SLAB_MAX / 16)

struct mfm_slab {
	void *free[MFM_SLAB_NCLASS];	/* per class: freed pieces, linked */
	char *cur;			/* the block being carved */
	size_t left;			/* bytes left in it */
	void *blocks;			/* every block, linked, for release */
	size_t nbytes;			/* in blocks and in large strings */
};

void mfm_slab_init(struct mfm_slab *s);
void mfm_slab_release(struct mfm_slab *s);

/* Room for n bytes (n > 0), aligned for any string. */
void *mfm_slab_alloc(struct mfm_slab *s, size_t n);
/* Give back p, which mfm_slab_alloc(s, n) returned, with the same n. */
void mfm_slab_free(struct mfm_slab *s, void *p, size_t n);
/* A copy of p[0..n) in the slab (n > 0). */
char *mfm_slab_dup(struct mfm_slab *s, const void *p, size_t n);

#endif
