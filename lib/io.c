/*
 * Block-buffered line reader; see io.h.  The buffer must hold a whole line
 * of max_line bytes, its newline and one spare byte for the NUL after a
 * last line that has no newline, so it grows up to max_line + 2 bytes and
 * no further.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/io.h"
#include "lib/zread.h"
#include "lib/banned.h"

static void
reader_setup(struct mfm_reader *r, int fd, const char *name, size_t max_line)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->name = name;
	r->max_line = max_line ? max_line : MFM_IO_MAX_LINE_DEFAULT;
	r->cap = MFM_IO_BLOCK;
	if (r->cap > r->max_line + 2)
		r->cap = r->max_line + 2;
	r->buf = mfm_xmalloc(r->cap);
}

int
mfm_reader_open(struct mfm_reader *r, const char *path, size_t max_line,
    struct mfm_err *err)
{
	int fd;

	if (path == NULL || strcmp(path, "-") == 0) {
		reader_setup(r, 0, "-", max_line);
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mfm_err_sys(err, "%s", path);
	reader_setup(r, fd, path, max_line);
	r->own_fd = 1;
	return 0;
}

void
mfm_reader_fdopen(struct mfm_reader *r, int fd, const char *name,
    size_t max_line)
{
	reader_setup(r, fd, name, max_line);
}

/*
 * Make room after end: the unread bytes go to the front, and the buffer
 * grows up to its cap.  -2 when it is full (the line is too long).
 */
static int
room(struct mfm_reader *r)
{
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end + 1 >= r->cap) {
		size_t ncap = r->cap * 2;

		if (ncap > r->max_line + 2)
			ncap = r->max_line + 2;
		if (ncap <= r->cap)
			return -2;	/* full: the line is too long */
		r->buf = mfm_xrealloc(r->buf, ncap);
		r->cap = ncap;
	}
	return 0;
}

/*
 * Decode compressed input into the room after end; with may_read, read
 * once when nothing is left to decode.  Returns the bytes decoded, else
 * got plus the bytes read, 0 at the end, -1 on error.
 */
static ssize_t
zfill(struct mfm_reader *r, int may_read, ssize_t got, struct mfm_err *err)
{
	ssize_t n;

	for (;;) {
		n = mfm_zread_decode(r->z, r->buf + r->end,
		    r->cap - 1 - r->end, err);
		if (n < 0)
			return -1;
		r->end += (size_t)n;
		if (n > 0)
			return n;
		if (!may_read || got > 0)
			return got;
		got = mfm_zread_feed(r->z, r->fd, err);
		if (got < 0)
			return -1;
		r->nread += (uint64_t)got;
		if (got == 0) {
			r->eof = 1;
			return 0;
		}
	}
}

/*
 * The first bytes of the input are in buf[0..end): tell what it is, and
 * switch to decoding for gzip and zstd.  Returns n, what fill read, or
 * what zfill returns, or -1 for an encoding not read.
 */
static ssize_t
sniff(struct mfm_reader *r, ssize_t n, struct mfm_err *err)
{
	enum mfm_zread_kind kind;

	kind = mfm_zread_sniff(r->buf, r->end, r->eof, r->name, err);
	switch (kind) {
	case MFM_ZREAD_MORE:
		return n;	/* a prefix of a magic number holds no line */
	case MFM_ZREAD_FOREIGN:
		return -1;
	case MFM_ZREAD_BOM:
		r->start = 3;
		break;
	case MFM_ZREAD_GZIP:
	case MFM_ZREAD_ZSTD:
		r->sniffed = 1;
		r->z = mfm_zread_new(kind, r->name, r->buf, r->end);
		r->start = r->end = 0;
		r->eof = 0;
		return zfill(r, 0, n, err);
	case MFM_ZREAD_PLAIN:
		break;
	}
	r->sniffed = 1;
	return n;
}

/* Read more bytes after end; returns bytes read, 0 at EOF, -1 on error. */
static ssize_t
fill(struct mfm_reader *r, struct mfm_err *err)
{
	ssize_t n;

	if (room(r) != 0)
		return -2;
	if (r->z != NULL)
		return zfill(r, 1, 0, err);
	do
		n = read(r->fd, r->buf + r->end, r->cap - 1 - r->end);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		mfm_err_sys(err, "%s", r->name);
		return -1;
	}
	if (n == 0)
		r->eof = 1;
	r->end += (size_t)n;
	r->nread += (uint64_t)n;
	if (!r->sniffed)
		return sniff(r, n, err);
	return n;
}

/* Skip the rest of an overlong line, copying it to spill. */
static int
skip_long(struct mfm_reader *r, struct mfm_err *err)
{
	for (;;) {
		char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		size_t upto = nl ? (size_t)(nl - r->buf) : r->end;

		if (r->spill)
			fwrite(r->buf + r->start, 1, upto - r->start,
			    r->spill);
		if (nl) {
			r->start = upto + 1;
			break;
		}
		r->start = r->end = 0;
		if (r->eof)
			break;
		if (fill(r, err) == -1)
			return -1;
	}
	if (r->spill)
		fputc('\n', r->spill);
	return 0;
}

enum mfm_io_status
mfm_reader_next(struct mfm_reader *r, struct mfm_err *err)
{
	char *nl;
	size_t len;
	ssize_t n;

	r->line = NULL;
	r->len = 0;
	for (;;) {
		nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		if (nl == NULL && r->eof && r->hold_partial && r->z == NULL) {
			r->held = r->end - r->start;
			return MFM_IO_EOF;
		}
		if (nl != NULL || (r->eof && r->end > r->start))
			break;
		if (r->eof)
			return MFM_IO_EOF;
		n = fill(r, err);
		if (n == -1)
			return MFM_IO_ERROR;
		if (n == -2) {
			r->lineno++;
			if (skip_long(r, err) == -1)
				return MFM_IO_ERROR;
			mfm_err_set(err, MFM_ERR_LIMIT,
			    "line longer than %zu bytes", r->max_line);
			err->line = r->lineno;
			return MFM_IO_BAD;
		}
	}
	r->lineno++;
	r->line = r->buf + r->start;
	if (nl != NULL) {
		len = (size_t)(nl - r->line);
		r->start += len + 1;
	} else {
		len = r->end - r->start;	/* last line, no newline */
		r->start = r->end;
	}
	if (len > r->max_line) {
		mfm_err_set(err, MFM_ERR_LIMIT, "line longer than %zu bytes",
		    r->max_line);
		err->line = r->lineno;
		if (r->spill) {
			fwrite(r->line, 1, len, r->spill);
			fputc('\n', r->spill);
		}
		r->line = NULL;
		return MFM_IO_BAD;
	}
	if (len > 0 && r->line[len - 1] == '\r')
		len--;
	r->line[len] = '\0';	/* buf always has room: cap - 1 is the limit */
	r->len = len;
	if (memchr(r->line, '\0', len) != NULL) {
		mfm_err_set(err, MFM_ERR_DATA, "NUL byte in line");
		err->line = r->lineno;
		return MFM_IO_BAD;
	}
	return MFM_IO_LINE;
}

int
mfm_reader_close(struct mfm_reader *r, struct mfm_err *err)
{
	int rc = 0;

	if (r->own_fd && r->fd >= 0 && close(r->fd) != 0)
		rc = mfm_err_sys(err, "%s", r->name);
	mfm_zread_free(r->z);
	r->z = NULL;
	free(r->buf);
	r->buf = NULL;
	r->fd = -1;
	return rc;
}

int
mfm_reader_seek(struct mfm_reader *r, uint64_t off, struct mfm_err *err)
{
	if (lseek(r->fd, (off_t)off, SEEK_SET) == (off_t)-1)
		return mfm_err_sys(err, "%s", r->name);
	r->base = off;
	return 0;
}

uint64_t
mfm_reader_offset(const struct mfm_reader *r)
{
	if (r->z != NULL)
		return r->base + r->nread;
	return r->base + r->nread - (r->end - r->start);
}

int
mfm_reader_ready(struct mfm_reader *r)
{
	struct mfm_err err;

	/*
	 * Decode what is in hand, without reading: a line may be in it, and
	 * poll(2) cannot tell.  An error is left for mfm_reader_next.
	 */
	while (r->z != NULL && mfm_zread_pending(r->z) &&
	    memchr(r->buf + r->start, '\n', r->end - r->start) == NULL &&
	    room(r) == 0)
		if (zfill(r, 0, 0, &err) < 0)
			return 1;
	if (r->eof || memchr(r->buf + r->start, '\n', r->end - r->start))
		return 1;
	return r->start == 0 && r->end + 1 >= r->cap &&
	    r->cap >= r->max_line + 2;
}

long
mfm_reader_fill(struct mfm_reader *r, struct mfm_err *err)
{
	return (long)fill(r, err);
}

int
mfm_io_blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return 0;
	return 1;
}
