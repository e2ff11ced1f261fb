/*
 * Compressed input for the line reader (lib/io.c): gzip and zstd are
 * told by their magic bytes, never by a file name, and decoded as they
 * are read, from files and pipes alike.  Any other encoding a log may
 * come in (xz, bzip2, lz4, zip, UTF-16, UTF-32, ...) is named in one
 * message that says how to decode it, rather than read as thousands of
 * bad records.
 */
#ifndef MFM_ZREAD_H
#define MFM_ZREAD_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/err.h"

/* What the first bytes of an input say it is. */
enum mfm_zread_kind {
	MFM_ZREAD_MORE = -2,	/* too few bytes yet to tell */
	MFM_ZREAD_FOREIGN = -1,	/* an encoding not read: err names it */
	MFM_ZREAD_PLAIN = 0,	/* text, as it is */
	MFM_ZREAD_BOM,		/* UTF-8 text after a 3-byte byte-order mark */
	MFM_ZREAD_GZIP,
	MFM_ZREAD_ZSTD
};

/* The most bytes mfm_zread_sniff needs to tell. */
#define MFM_ZREAD_SNIFF 6

/*
 * Tell p[0..n), the first bytes of input name, with eof set when no more
 * will come.  MFM_ZREAD_MORE only when !eof and n < MFM_ZREAD_SNIFF;
 * MFM_ZREAD_FOREIGN with err "NAME: xz-compressed input: decompress it
 * first (xz -dc)".
 */
enum mfm_zread_kind mfm_zread_sniff(const void *p, size_t n, int eof,
    const char *name, struct mfm_err *err);

struct mfm_zread;

/*
 * A decoder of kind (MFM_ZREAD_GZIP or MFM_ZREAD_ZSTD) for input name
 * (borrowed, for messages), whose first n compressed bytes, already
 * read, are p[0..n) (copied).
 */
struct mfm_zread *mfm_zread_new(enum mfm_zread_kind kind, const char *name,
    const void *p, size_t n);
void mfm_zread_free(struct mfm_zread *z);

/*
 * Decode into out[0..cap) what the input read so far holds.  Returns the
 * bytes written (0 when more input is needed, or at the end), or -1 with
 * err on corrupt data, and the same error on every later call.
 * Concatenated gzip members and zstd frames are one stream.
 */
ssize_t mfm_zread_decode(struct mfm_zread *z, void *out, size_t cap,
    struct mfm_err *err);
/*
 * Whether mfm_zread_decode may write more without more input: input not
 * yet decoded, or output the last call had no room for.
 */
int mfm_zread_pending(const struct mfm_zread *z);
/*
 * One read(2) of compressed bytes from fd, when nothing is pending.
 * Returns the bytes read; 0 at the end of the input (-1 with err when
 * the stream stops inside a gzip member or a zstd frame: "NAME:
 * truncated gzip input"); -1 with err on a read error.
 */
ssize_t mfm_zread_feed(struct mfm_zread *z, int fd, struct mfm_err *err);

#endif
