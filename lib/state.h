/*
 * State files: what a tool must carry from one cron run to the next
 * (alert states, pending joins, open windows), kept so that a crash at
 * any instant leaves either the old or the new state, whole, and two
 * overlapping runs cannot interleave.
 *
 * A run opens the state (which takes the lock and reads the current
 * contents), works, saves once or more, and closes.  Saving writes a
 * temporary file beside the state file, fsyncs it, renames it over the
 * state file and fsyncs the directory, so the name always points at a
 * complete file.  The lock is flock(2) on a separate FILE.lock (the
 * state file itself is replaced by each save, so a lock on it would not
 * survive the first one); it is taken without waiting: a second run
 * fails at once with a clear error rather than queueing behind a hung
 * one.
 *
 * The file is versioned and checked: a first line
 * "mfm-state 1 TOOL VERSION", the tool's body, and a last line
 * "mfm-state-end LENGTH CHECKSUM" (the body's length in bytes and its
 * 64-bit FNV-1a in hex).  A file that is not a state file, belongs to
 * another tool, has another format version, is truncated or was altered
 * is an error naming what is wrong; it is never taken for an empty state.
 */
#ifndef MFM_STATE_H
#define MFM_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/io.h"	/* enum mfm_io_status */

/* Largest state file read, in bytes. */
#define MFM_STATE_MAX_SIZE (256u << 20)

struct mfm_state {
	char *path;		/* owned copy of the state file's path */
	char *tool;		/* owned; e.g. "mfm-threshold" */
	unsigned version;	/* the tool's body format version */
	int lockfd;		/* -1 when not open */
	/* Reading the body line by line (mfm_state_read, mfm_state_next). */
	int fd;			/* the state file; -1 when not reading */
	uint64_t pos, end;	/* next offset to read; end of the body */
	char *buf;		/* lines being handed out */
	size_t cap, start, fill, max_line;
	size_t lineno;		/* line of the file last handed out */
	const char *line;	/* the line last handed out, NUL-terminated */
	size_t len;
	/* Writing in pieces (mfm_state_begin, _add, _commit). */
	int wfd;		/* FILE.tmp; -1 when not writing */
	size_t wlen;		/* body bytes written */
	uint64_t wsum;		/* their FNV-1a */
	char wlast;		/* the last of them */
};

/* An st that is closed, so that mfm_state_close is harmless. */
void mfm_state_init(struct mfm_state *st);
/*
 * Lock path (through path.lock, created mode 0600 if need be) and read
 * it.  *found is 0 when path does not exist yet (body left empty), 1
 * when its body was read into body (appended).  Errors (st is left
 * closed): MFM_ERR_SYS for a failed system call, "locked by another
 * process" when the lock is held, MFM_ERR_LIMIT over
 * MFM_STATE_MAX_SIZE, MFM_ERR_DATA for a file that is not a valid state
 * file of this tool and version.  Messages do not repeat the path.
 */
int mfm_state_open(struct mfm_state *st, const char *path, const char *tool,
    unsigned version, struct mfm_buf *body, int *found, struct mfm_err *err);
/* Replace the state file with body, durably; the lock stays held. */
int mfm_state_save(struct mfm_state *st, const void *body, size_t len,
    struct mfm_err *err);
/* Release the lock and free st; harmless on a closed st. */
void mfm_state_close(struct mfm_state *st);

/*
 * The same files for a body too large to hold twice in memory (mfm-join's
 * pending records), read and written a line or a piece at a time.
 *
 * mfm_state_lock takes the lock as mfm_state_open does, reading nothing.
 * mfm_state_read then checks the whole file (header, trailer, length and
 * checksum, no size limit) before it hands out anything, so that a
 * corrupt file is refused before one line of it is used; *found as for
 * mfm_state_open.  mfm_state_next hands out the body's lines in st->line
 * and st->len (without the newline), st->lineno being the line's number
 * in the file (the header is line 1): MFM_IO_LINE, MFM_IO_EOF after the
 * last, MFM_IO_BAD for a line over max_line bytes (0: the default
 * MFM_IO_MAX_LINE_DEFAULT), MFM_IO_ERROR for a read error; after either
 * stop reading.  The line is valid until the next call.
 *
 * mfm_state_begin opens FILE.tmp (mode 0600) and writes the header;
 * mfm_state_add appends to the body; mfm_state_commit writes the trailer
 * and replaces the state file durably.  A body that does not end with a
 * newline is given one (here and in mfm_state_format, mfm_state_save),
 * so that the trailer is a line of its own and the file reads back.  After an error in _add or
 * _commit the temporary file is gone and the old state stands.
 */
int mfm_state_lock(struct mfm_state *st, const char *path, const char *tool,
    unsigned version, struct mfm_err *err);
int mfm_state_read(struct mfm_state *st, size_t max_line, int *found,
    struct mfm_err *err);
enum mfm_io_status mfm_state_next(struct mfm_state *st, struct mfm_err *err);
int mfm_state_begin(struct mfm_state *st, struct mfm_err *err);
int mfm_state_add(struct mfm_state *st, const void *p, size_t n,
    struct mfm_err *err);
int mfm_state_commit(struct mfm_state *st, struct mfm_err *err);

/*
 * The durable replace under every state file of mfm, for callers with a
 * format of their own.  mfm_state_write writes all of p to fd (0, or -1
 * with errno).  mfm_state_publish takes an open descriptor on tmp (a file
 * beside path that the caller wrote), fsyncs and closes it, renames it
 * over path and fsyncs the directory, so path names the old contents or
 * the new, whole; on error tmp is removed and fd closed.
 * mfm_state_replace does all of it for a buffer: path.tmp, created with
 * mode (before the umask), then published.
 */
int mfm_state_write(int fd, const void *p, size_t n);
int mfm_state_publish(int fd, const char *tmp, const char *path,
    struct mfm_err *err);
int mfm_state_replace(const char *path, const void *p, size_t n,
    unsigned mode, struct mfm_err *err);

/*
 * Check a state file's text (header, trailer, checksum) and find its
 * body; used by mfm_state_open and by tests.  Returns 0 with *off and
 * *len giving the body within text.
 */
int mfm_state_parse(const char *text, size_t n, const char *tool,
    unsigned version, size_t *off, size_t *len, struct mfm_err *err);
/* Append the complete file text for body to out. */
void mfm_state_format(struct mfm_buf *out, const char *tool,
    unsigned version, const void *body, size_t len);

#endif
