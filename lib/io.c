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

/* Read more bytes after end; returns bytes read, 0 at EOF, -1 on error. */
static ssize_t
fill(struct mfm_reader *r, struct mfm_err *err)
{
	ssize_t n;

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
	if (!r->nul_later && memchr(r->line, '\0', len) != NULL) {
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
	free(r->buf);
	r->buf = NULL;
	r->fd = -1;
	return rc;
}

int
mfm_reader_ready(const struct mfm_reader *r)
{
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
