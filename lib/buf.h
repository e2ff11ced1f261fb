/*
 * A growable byte buffer, always NUL-terminated after len bytes.
 * Running out of memory is the one condition the library does not report
 * through struct mfm_err: mfm_xmalloc and friends print
 * "mfm: out of memory" and abort, as git's xmalloc does, because no
 * caller could do better.
 */
#ifndef MFM_BUF_H
#define MFM_BUF_H

#include <stddef.h>
#include <string.h>

struct mfm_buf {
	char *p;		/* NULL until the first add; else NUL-terminated */
	size_t len;
	size_t cap;
};

#define MFM_BUF_INIT { NULL, 0, 0 }

void *mfm_xmalloc(size_t n);
void *mfm_xcalloc(size_t n, size_t size);
void *mfm_xrealloc(void *p, size_t n);
/* realloc for an array of n elements of size; checks the multiplication. */
void *mfm_xreallocarray(void *p, size_t n, size_t size);
char *mfm_xstrdup(const char *s);
char *mfm_xmemdup(const void *p, size_t n);	/* NUL-terminated copy */

void mfm_buf_init(struct mfm_buf *b);
void mfm_buf_release(struct mfm_buf *b);
/* Make room for n more bytes (plus the NUL). */
void mfm_buf_grow(struct mfm_buf *b, size_t n);
void mfm_buf_add(struct mfm_buf *b, const void *p, size_t n);
void mfm_buf_addc(struct mfm_buf *b, char c);
void mfm_buf_adds(struct mfm_buf *b, const char *s);
void mfm_buf_addf(struct mfm_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Empty the buffer, keeping its memory. */
void mfm_buf_clear(struct mfm_buf *b);
/* Take the string out; the buffer is left empty.  Never NULL. */
char *mfm_buf_detach(struct mfm_buf *b);

/*
 * Append n bytes the buffer has room for (mfm_buf_grow made it): no
 * check and no NUL, for a record built of many pieces after one grow.
 */
static inline void
mfm_buf_put(struct mfm_buf *b, const void *p, size_t n)
{
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static inline void
mfm_buf_addc_fast(struct mfm_buf *b, char c)
{
	if (b->len + 1 >= b->cap)
		mfm_buf_grow(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

#endif
