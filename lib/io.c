/*
 * Block-buffered line reader; see io.h.  The buffer must hold a whole line
 * of max_line bytes, a CR, its newline and one spare byte for the NUL
 * after a last line that has no newline, so it grows up to max_line + 3
 * bytes (LINE_ROOM) and no further.
 */
#define _GNU_SOURCE	/* tee(2), F_GETPIPE_SZ: held input */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/io.h"
#include "lib/progress.h"
#include "lib/zread.h"
#include "lib/banned.h"

#define LINE_ROOM(max) ((max) + 3)

static void
reader_setup(struct mfm_reader *r, int fd, const char *name, size_t max_line)
{
	memset(r, 0, sizeof(*r));
	r->tee[0] = r->tee[1] = -1;
	r->fd = fd;
	r->name = name;
	r->max_line = max_line ? max_line : MFM_IO_MAX_LINE_DEFAULT;
	r->cap = MFM_IO_BLOCK;
	if (r->cap > LINE_ROOM(r->max_line))
		r->cap = LINE_ROOM(r->max_line);
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

static ssize_t read_held(struct mfm_reader *r, char *dst, size_t room,
    struct mfm_err *err);

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

		if (ncap > LINE_ROOM(r->max_line))
			ncap = LINE_ROOM(r->max_line);
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
		if (got > 0 && r->progress != NULL)
			mfm_progress_read(r->progress, r, (size_t)got);
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
		/* Decoded ahead, it could not be consumed line by line. */
		if (r->hold != MFM_IO_HOLD_NONE)
			return mfm_err_set(err, MFM_ERR_DATA, "%s: %s input "
			    "cannot be read held (as by mfm-alert "
			    "--state-dir): decompress it first (%s -dc)",
			    r->name,
			    kind == MFM_ZREAD_GZIP ? "gzip" : "zstd",
			    kind == MFM_ZREAD_GZIP ? "gzip" : "zstd");
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
	if (r->hold != MFM_IO_HOLD_NONE)
		n = read_held(r, r->buf + r->end, r->cap - 1 - r->end, err);
	else {
		do
			n = read(r->fd, r->buf + r->end, r->cap - 1 - r->end);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			mfm_err_sys(err, "%s", r->name);
	}
	if (n < 0)
		return -1;
	if (n == 0)
		r->eof = 1;
	else if (r->progress != NULL)
		mfm_progress_read(r->progress, r, (size_t)n);
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
	size_t len, cr;
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
	/* The cap is on the content: a CR before the newline is not. */
	cr = len > 0 && r->line[len - 1] == '\r';
	if (len - cr > r->max_line) {
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
	len -= cr;
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
	if (r->tee[0] >= 0)
		close(r->tee[0]);
	if (r->tee[1] >= 0)
		close(r->tee[1]);
	r->tee[0] = r->tee[1] = -1;
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
	    r->cap >= LINE_ROOM(r->max_line);
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

/* Take n bytes of a held pipe, which are there: they were peeked at. */
static int
consume(struct mfm_reader *r, uint64_t n, struct mfm_err *err)
{
	char junk[4096];
	ssize_t m;

	while (n > 0) {
		m = read(r->fd, junk, n < sizeof(junk) ? (size_t)n :
		    sizeof(junk));
		if (m < 0 && errno == EINTR)
			continue;
		if (m < 0)
			return mfm_err_sys(err, "%s", r->name);
		if (m == 0)
			return mfm_err_set(err, MFM_ERR_SYS, "%s: input ended "
			    "under a held line", r->name);
		n -= (uint64_t)m;
		r->taken += (uint64_t)m;
	}
	return 0;
}

/* Read exactly n bytes of the copy's pipe into dst (NULL: drop them). */
static int
read_copy(struct mfm_reader *r, char *dst, size_t n, struct mfm_err *err)
{
	char junk[4096];
	ssize_t m;

	while (n > 0) {
		m = read(r->tee[0], dst ? dst : junk, dst ? n :
		    n < sizeof(junk) ? n : sizeof(junk));
		if (m < 0 && errno == EINTR)
			continue;
		if (m <= 0)
			return mfm_err_sys(err, "%s", r->name);
		n -= (size_t)m;
		if (dst != NULL)
			dst += m;
	}
	return 0;
}

/*
 * A held pipe: tee(2) copies what the pipe holds (from its first byte
 * not consumed) without taking it; the bytes seen before are skipped,
 * the new ones returned.  When the pipe holds nothing new, only part of
 * a line, wait for its writer in sleeps of 1 ms doubling to 100 ms; when
 * that part fills half the pipe, its writer may be blocked on it: take
 * it, to make room.  No writer and nothing new is the end of input.
 */
static ssize_t
peek_pipe(struct mfm_reader *r, char *dst, size_t room,
    struct mfm_err *err)
{
	struct timespec ts;
	struct pollfd pfd;
	size_t seen, want;
	long wait_us = 1000;
	ssize_t n;

	for (;;) {
		seen = (size_t)(r->base + r->nread - r->taken);
		want = seen + room;
		if (want > r->tee_cap)
			want = r->tee_cap;
		if (seen >= want || seen >= r->pipe_cap / 2) {
			if (consume(r, seen, err) != 0)
				return -1;
			continue;
		}
		do
			n = tee(r->fd, r->tee[1], want, 0);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return mfm_err_sys(err, "%s", r->name);
		if (n == 0)
			return 0;
		if ((size_t)n > seen) {
			if (read_copy(r, NULL, seen, err) != 0 ||
			    read_copy(r, dst, (size_t)n - seen, err) != 0)
				return -1;
			return n - (ssize_t)seen;
		}
		if (read_copy(r, NULL, (size_t)n, err) != 0)
			return -1;
		/* No writer: what the pipe holds, seen, is all there is. */
		pfd.fd = r->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLHUP))
			return 0;
		ts.tv_sec = 0;
		ts.tv_nsec = wait_us * 1000;
		nanosleep(&ts, NULL);
		if (wait_us < 100000)
			wait_us *= 2;
	}
}

static ssize_t
read_held(struct mfm_reader *r, char *dst, size_t room, struct mfm_err *err)
{
	ssize_t n;

	switch (r->hold) {
	case MFM_IO_HOLD_PIPE:
		return peek_pipe(r, dst, room, err);
	case MFM_IO_HOLD_SEEK:
		do
			n = pread(r->fd, dst, room, (off_t)(r->base + r->nread));
		while (n < 0 && errno == EINTR);
		break;
	default:
		do
			n = read(r->fd, dst, room > 0 ? 1 : 0);
		while (n < 0 && errno == EINTR);
		if (n > 0)
			r->taken += (uint64_t)n;
		break;
	}
	if (n < 0)
		mfm_err_sys(err, "%s", r->name);
	return n;
}

int
mfm_reader_hold(struct mfm_reader *r, struct mfm_err *err)
{
	struct stat st;
	off_t off;
	int cap;

	if (fstat(r->fd, &st) != 0)
		return mfm_err_sys(err, "%s", r->name);
	r->taken = r->base + r->nread;
	if (S_ISFIFO(st.st_mode)) {
		if (pipe2(r->tee, O_CLOEXEC) != 0)
			return mfm_err_sys(err, "%s", r->name);
		cap = fcntl(r->fd, F_GETPIPE_SZ);
		r->pipe_cap = cap > 0 ? (size_t)cap : 65536;
		/* The copy holds all the input pipe can, if allowed. */
		(void)fcntl(r->tee[1], F_SETPIPE_SZ, (int)r->pipe_cap);
		cap = fcntl(r->tee[1], F_GETPIPE_SZ);
		r->tee_cap = cap > 0 ? (size_t)cap : 65536;
		r->hold = MFM_IO_HOLD_PIPE;
	} else if (S_ISREG(st.st_mode)) {
		if (r->own_fd)
			return 0;
		if ((off = lseek(r->fd, 0, SEEK_CUR)) < 0)
			return mfm_err_sys(err, "%s", r->name);
		r->base = r->taken = (uint64_t)off;
		r->hold = MFM_IO_HOLD_SEEK;
	} else
		r->hold = MFM_IO_HOLD_BYTE;
	return 0;
}

int
mfm_reader_commit(struct mfm_reader *r, struct mfm_err *err)
{
	uint64_t to = mfm_reader_offset(r);

	if (to <= r->taken)
		return 0;
	switch (r->hold) {
	case MFM_IO_HOLD_PIPE:
		return consume(r, to - r->taken, err);
	case MFM_IO_HOLD_SEEK:
		if (lseek(r->fd, (off_t)to, SEEK_SET) < 0)
			return mfm_err_sys(err, "%s", r->name);
		r->taken = to;
		return 0;
	default:
		return 0;
	}
}
