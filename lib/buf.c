/*
 * Growable buffers and checked allocation; see buf.h.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/banned.h"

static void
oom(void)
{
	static const char msg[] = "mfm: out of memory\n";

	(void)!write(2, msg, sizeof(msg) - 1);
	abort();
}

void *
mfm_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
mfm_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
mfm_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

void *
mfm_xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		oom();
	return mfm_xrealloc(p, n * size);
}

char *
mfm_xstrdup(const char *s)
{
	return mfm_xmemdup(s, strlen(s));
}

char *
mfm_xmemdup(const void *p, size_t n)
{
	char *s = mfm_xmalloc(n + 1);

	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

void
mfm_buf_init(struct mfm_buf *b)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

void
mfm_buf_release(struct mfm_buf *b)
{
	free(b->p);
	mfm_buf_init(b);
}

void
mfm_buf_grow(struct mfm_buf *b, size_t n)
{
	size_t want;

	if (n > SIZE_MAX - b->len - 1)
		oom();
	want = b->len + n + 1;
	if (want <= b->cap)
		return;
	if (b->cap < 64)
		b->cap = 64;
	while (b->cap < want)
		b->cap = b->cap > SIZE_MAX / 2 ? want : b->cap * 2;
	b->p = mfm_xrealloc(b->p, b->cap);
}

void
mfm_buf_add(struct mfm_buf *b, const void *p, size_t n)
{
	mfm_buf_grow(b, n);
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
mfm_buf_addc(struct mfm_buf *b, char c)
{
	mfm_buf_addc_fast(b, c);
}

void
mfm_buf_adds(struct mfm_buf *b, const char *s)
{
	mfm_buf_add(b, s, strlen(s));
}

void
mfm_buf_addf(struct mfm_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	mfm_buf_grow(b, 64);
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		mfm_buf_grow(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void
mfm_buf_clear(struct mfm_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

char *
mfm_buf_detach(struct mfm_buf *b)
{
	char *p = b->p ? b->p : mfm_xstrdup("");

	mfm_buf_init(b);
	return p;
}
