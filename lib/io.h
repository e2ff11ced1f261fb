/*
 * Line input for NDJSON: files, stdin and pipes, read in large blocks and
 * handed out in place (no copy per line).  Each line is NUL-terminated
 * where its newline was, a CR before the newline is dropped, a last line
 * without a newline is still a line, and the line number is kept for
 * "file:line" messages.  Lines longer than max_line bytes and lines with
 * a NUL byte are bad lines: reported, never silently dropped.
 */
#ifndef MFM_IO_H
#define MFM_IO_H

#include <stddef.h>
#include <stdio.h>

#include "lib/err.h"

#define MFM_IO_MAX_LINE_DEFAULT (4u << 20)	/* 4 MiB */
#define MFM_IO_BLOCK (256u << 10)

enum mfm_io_status {
	MFM_IO_ERROR = -1,	/* read error: err filled, stop reading */
	MFM_IO_EOF = 0,
	MFM_IO_LINE = 1,	/* a line in line/len */
	MFM_IO_BAD = 2		/* a bad line: err says why; line/len hold what is kept */
};

struct mfm_reader {
	const char *name;	/* for messages: the path, or "-" for stdin */
	int fd;
	int own_fd;
	int eof;
	char *buf;
	size_t cap, start, end;
	size_t max_line;
	size_t lineno;		/* number of the line last returned */
	FILE *spill;		/* if set, overlong lines are copied here whole */
	/*
	 * Set by a caller that parses every line as JSON: a NUL byte fails
	 * the parse, so the caller looks for one only in a line that does
	 * not parse, and the reader does not scan each line for it.
	 */
	int nul_later;
	/* The line last returned, valid until the next call. */
	char *line;
	size_t len;
};

/* Open path ("-" or NULL for stdin).  max_line 0 means the default. */
int mfm_reader_open(struct mfm_reader *r, const char *path, size_t max_line,
    struct mfm_err *err);
/* Read from an already open descriptor, not closed by mfm_reader_close. */
void mfm_reader_fdopen(struct mfm_reader *r, int fd, const char *name,
    size_t max_line);
/*
 * Next line.  For MFM_IO_BAD, err->line is the line number and line/len
 * hold the line (an overlong line is not kept: len is 0, and it went to
 * spill if set).
 */
enum mfm_io_status mfm_reader_next(struct mfm_reader *r, struct mfm_err *err);
int mfm_reader_close(struct mfm_reader *r, struct mfm_err *err);

/*
 * For readers of live streams polled together (mfm-join): is
 * mfm_reader_next sure to return without reading, because a whole line
 * is buffered, the input has ended, or the buffer is full with an
 * overlong line (whose rest is then read and skipped)?
 */
int mfm_reader_ready(const struct mfm_reader *r);
/*
 * One read(2) into the buffer, after poll(2) said the descriptor is
 * readable.  Returns the bytes read, 0 at end of input, -1 on a read
 * error (err filled), -2 when the buffer is full (mfm_reader_ready is
 * then true).
 */
long mfm_reader_fill(struct mfm_reader *r, struct mfm_err *err);

/* Is the line empty or JSON white space only? */
int mfm_io_blank(const char *p, size_t n);

#endif
