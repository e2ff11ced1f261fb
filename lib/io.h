/*
 * Line input for NDJSON: files, stdin and pipes, read in large blocks and
 * handed out in place (no copy per line).  Each line is NUL-terminated
 * where its newline was, a CR before the newline is dropped, a last line
 * without a newline is still a line, and the line number is kept for
 * "file:line" messages.  Lines longer than max_line bytes and lines with
 * a NUL byte are bad lines: reported, never silently dropped.  Input
 * compressed with gzip or zstd is decoded as it is read, told by its
 * first bytes (a UTF-8 byte-order mark is skipped); any other encoding is
 * a read error that names it (lib/zread.h).  Compressed input cannot be
 * held (mfm_reader_hold): it is decoded ahead of the lines.
 */
#ifndef MFM_IO_H
#define MFM_IO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"

struct mfm_progress;
struct mfm_zread;

#define MFM_IO_MAX_LINE_DEFAULT (4u << 20)	/* 4 MiB */
#define MFM_IO_BLOCK (256u << 10)

enum mfm_io_status {
	MFM_IO_ERROR = -1,	/* read error: err filled, stop reading */
	MFM_IO_EOF = 0,
	MFM_IO_LINE = 1,	/* a line in line/len */
	MFM_IO_BAD = 2		/* a bad line: err says why; line/len hold what is kept */
};

/* How a held reader takes its input (mfm_reader_hold). */
enum mfm_io_hold {
	MFM_IO_HOLD_NONE = 0,	/* read(2) in blocks: consumed as read */
	MFM_IO_HOLD_PIPE,	/* tee(2) a copy, consume on commit */
	MFM_IO_HOLD_SEEK,	/* pread(2), the offset moved on commit */
	MFM_IO_HOLD_BYTE	/* read(2) a byte at a time */
};

struct mfm_reader {
	const char *name;	/* for messages: the path, or "-" for stdin */
	int fd;
	int own_fd;
	int eof;
	char *buf;
	size_t cap, start, end;
	enum mfm_io_hold hold;
	uint64_t taken;		/* input consumed, when held */
	int tee[2];		/* MFM_IO_HOLD_PIPE: the copy's pipe */
	size_t tee_cap;		/* its capacity */
	size_t pipe_cap;	/* the input pipe's capacity */
	size_t max_line;
	size_t lineno;		/* number of the line last returned */
	FILE *spill;		/* if set, overlong lines are copied here whole */
	/*
	 * Set by a caller that parses every line as JSON: a NUL byte fails
	 * the parse, so the caller looks for one only in a line that does
	 * not parse, and the reader does not scan each line for it.
	 */
	int nul_later;
	int sniffed;		/* the first bytes were told (lib/zread.h) */
	struct mfm_zread *z;	/* gzip or zstd input: its decoder */
	struct mfm_progress *progress;	/* if set, told of every read */
	/*
	 * Set before the first read: a last line without a newline is not
	 * returned (its writer may not have finished it) and held counts
	 * its bytes.
	 */
	int hold_partial;
	size_t held;
	uint64_t base;		/* offset of the first byte read */
	uint64_t nread;		/* bytes read from fd */
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
 * Start reading at byte off of the file (before the first read), for
 * inputs resumed where an earlier run stopped.
 */
int mfm_reader_seek(struct mfm_reader *r, uint64_t off, struct mfm_err *err);
/*
 * The offset just past the last whole line returned (or skipped).  Of
 * compressed input, which hold_partial does not hold back (a gzip member
 * or zstd frame is whole), the compressed bytes read: exact at its end.
 */
uint64_t mfm_reader_offset(const struct mfm_reader *r);

/*
 * Held input, for a tool that must not take from its input more than it
 * has made durable (mfm-alert --state-dir): after mfm_reader_hold, lines
 * are read as usual, but the input is consumed only up to what
 * mfm_reader_commit says, the end of the last line returned
 * (mfm_reader_offset).  A pipe is
 * peeked at with tee(2) and read on commit (waiting, in short sleeps,
 * while it holds only a part of a line, unless the part fills half the
 * pipe); an inherited regular file is read with pread(2) and its offset
 * moved on commit; anything else (a terminal, a socket) is read a byte at
 * a time, so at most the line being read is taken.  A regular file the
 * reader opened itself is read as usual: nobody else sees its offset.
 */
int mfm_reader_hold(struct mfm_reader *r, struct mfm_err *err);
int mfm_reader_commit(struct mfm_reader *r, struct mfm_err *err);

/*
 * For readers of live streams polled together (mfm-join): is
 * mfm_reader_next sure to return without reading, because a whole line
 * is buffered, the input has ended, or the buffer is full with an
 * overlong line (whose rest is then read and skipped)?
 */
int mfm_reader_ready(struct mfm_reader *r);
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
