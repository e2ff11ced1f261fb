/*
 * Compressed input: gzip through zlib, zstd through libzstd; see zread.h.
 * The compressed bytes are read into a buffer of their own and decoded
 * into the line reader's buffer, so the line-length cap, the line
 * numbers and the NUL check apply to the decoded text as to any other.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "lib/buf.h"
#include "lib/zread.h"
#include "lib/banned.h"

#define ZREAD_IN (128u << 10)

struct mfm_zread {
	enum mfm_zread_kind kind;
	const char *name;
	unsigned char *in;
	size_t inpos, inlen;	/* not yet decoded: in[inpos..inlen) */
	size_t incap;
	int outfull;		/* the last decode filled its output */
	int midstream;		/* inside a gzip member or zstd frame */
	int failed;		/* corrupt: ferr on every call */
	struct mfm_err ferr;
	z_stream zs;
	ZSTD_DStream *zd;
};

/* Encodings told by their first bytes. */
static const struct magic {
	const char *bytes;
	size_t len;
	enum mfm_zread_kind kind;
	const char *what;	/* MFM_ZREAD_FOREIGN: the message after NAME: */
} magics[] = {
	{ "\x1f\x8b", 2, MFM_ZREAD_GZIP, NULL },
	{ "\x28\xb5\x2f\xfd", 4, MFM_ZREAD_ZSTD, NULL },
	{ "\xef\xbb\xbf", 3, MFM_ZREAD_BOM, NULL },
	{ "\xfd" "7zXZ\0", 6, MFM_ZREAD_FOREIGN,
	    "xz-compressed input: decompress it first (xz -dc)" },
	{ "BZh", 3, MFM_ZREAD_FOREIGN,
	    "bzip2-compressed input: decompress it first (bzip2 -dc)" },
	{ "\x04\x22\x4d\x18", 4, MFM_ZREAD_FOREIGN,
	    "lz4-compressed input: decompress it first (lz4 -dc)" },
	{ "LZIP", 4, MFM_ZREAD_FOREIGN,
	    "lzip-compressed input: decompress it first (lzip -dc)" },
	{ "\x1f\x9d", 2, MFM_ZREAD_FOREIGN,
	    "compress (.Z) input: decompress it first (gzip -dc)" },
	{ "PK\x03\x04", 4, MFM_ZREAD_FOREIGN,
	    "zip archive: extract the file first (unzip -p)" },
	{ "7z\xbc\xaf\x27\x1c", 6, MFM_ZREAD_FOREIGN,
	    "7z archive: extract the file first (7z x)" },
	/* UTF-32 before UTF-16: FF FE is how both little-endian marks begin. */
	{ "\xff\xfe\0\0", 4, MFM_ZREAD_FOREIGN,
	    "UTF-32 input: convert it to UTF-8 first "
	    "(iconv -f UTF-32 -t UTF-8)" },
	{ "\0\0\xfe\xff", 4, MFM_ZREAD_FOREIGN,
	    "UTF-32 input: convert it to UTF-8 first "
	    "(iconv -f UTF-32 -t UTF-8)" },
	{ "\xff\xfe", 2, MFM_ZREAD_FOREIGN,
	    "UTF-16 input: convert it to UTF-8 first "
	    "(iconv -f UTF-16 -t UTF-8)" },
	{ "\xfe\xff", 2, MFM_ZREAD_FOREIGN,
	    "UTF-16 input: convert it to UTF-8 first "
	    "(iconv -f UTF-16 -t UTF-8)" }
};

static enum mfm_zread_kind
foreign(const char *name, const char *what, struct mfm_err *err)
{
	mfm_err_set(err, MFM_ERR_DATA, "%s: %s", name, what);
	return MFM_ZREAD_FOREIGN;
}

/*
 * Text in UTF-16 or UTF-32 without a byte-order mark: JSON starts with
 * an ASCII character, so a NUL among the first bytes gives it away.
 */
static enum mfm_zread_kind
wide(const unsigned char *p, size_t n, const char *name, struct mfm_err *err)
{
	if (n >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] != 0)
		return foreign(name, "UTF-32BE input: convert it to UTF-8 "
		    "first (iconv -f UTF-32BE -t UTF-8)", err);
	if (n >= 4 && p[0] != 0 && p[1] == 0 && p[2] == 0 && p[3] == 0)
		return foreign(name, "UTF-32LE input: convert it to UTF-8 "
		    "first (iconv -f UTF-32LE -t UTF-8)", err);
	if (n >= 2 && p[0] == 0 && p[1] != 0)
		return foreign(name, "UTF-16BE input: convert it to UTF-8 "
		    "first (iconv -f UTF-16BE -t UTF-8)", err);
	if (n >= 2 && p[0] != 0 && p[1] == 0)
		return foreign(name, "UTF-16LE input: convert it to UTF-8 "
		    "first (iconv -f UTF-16LE -t UTF-8)", err);
	return MFM_ZREAD_PLAIN;
}

enum mfm_zread_kind
mfm_zread_sniff(const void *v, size_t n, int eof, const char *name,
    struct mfm_err *err)
{
	const unsigned char *p = v;
	size_t i;

	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		const struct magic *m = &magics[i];

		if (n >= m->len && memcmp(p, m->bytes, m->len) == 0)
			return m->kind == MFM_ZREAD_FOREIGN ?
			    foreign(name, m->what, err) : m->kind;
		if (n < m->len && !eof && memcmp(p, m->bytes, n) == 0)
			return MFM_ZREAD_MORE;
	}
	/* A zstd skippable frame (metadata) may come first: 5? 2A 4D 18. */
	if (n >= 4 && (p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d &&
	    p[3] == 0x18)
		return MFM_ZREAD_ZSTD;
	if (n < 4 && !eof && (n < 2 || (p[0] & 0xf0) == 0x50 ||
	    p[0] == 0 || p[1] == 0))
		return MFM_ZREAD_MORE;
	return wide(p, n, name, err);
}

struct mfm_zread *
mfm_zread_new(enum mfm_zread_kind kind, const char *name, const void *p,
    size_t n)
{
	struct mfm_zread *z = mfm_xcalloc(1, sizeof(*z));

	z->kind = kind;
	z->name = name;
	z->incap = n > ZREAD_IN ? n : ZREAD_IN;
	z->in = mfm_xmalloc(z->incap);
	memcpy(z->in, p, n);
	z->inlen = n;
	if (kind == MFM_ZREAD_GZIP) {
		/* 16 + MAX_WBITS: a gzip header and trailer, no zlib ones. */
		if (inflateInit2(&z->zs, 16 + MAX_WBITS) != Z_OK) {
			z->failed = 1;
			mfm_err_set(&z->ferr, MFM_ERR_SYS, "%s: zlib: cannot "
			    "start decoding", name);
		}
	} else {
		z->zd = ZSTD_createDStream();
		if (z->zd == NULL || ZSTD_isError(ZSTD_initDStream(z->zd))) {
			z->failed = 1;
			mfm_err_set(&z->ferr, MFM_ERR_SYS, "%s: libzstd: cannot "
			    "start decoding", name);
		}
	}
	return z;
}

void
mfm_zread_free(struct mfm_zread *z)
{
	if (z == NULL)
		return;
	if (z->kind == MFM_ZREAD_GZIP)
		inflateEnd(&z->zs);
	else
		ZSTD_freeDStream(z->zd);
	free(z->in);
	free(z);
}

static ssize_t
fail(struct mfm_zread *z, struct mfm_err *err)
{
	z->failed = 1;
	if (err != NULL)
		*err = z->ferr;
	return -1;
}

static ssize_t
gzip_decode(struct mfm_zread *z, void *out, size_t cap, struct mfm_err *err)
{
	z_stream *zs = &z->zs;
	uInt in0, out0;
	int rc;

	zs->next_in = z->in + z->inpos;
	zs->avail_in = (uInt)(z->inlen - z->inpos);
	zs->next_out = out;
	zs->avail_out = (uInt)(cap > UINT_MAX ? UINT_MAX : cap);
	while (zs->avail_out > 0) {
		if (!z->midstream && zs->avail_in > 0 &&
		    zs->next_in[0] != 0x1f) {
			mfm_err_set(&z->ferr, MFM_ERR_DATA, "%s: corrupt gzip "
			    "input: data after the last member", z->name);
			return fail(z, err);
		}
		in0 = zs->avail_in;
		out0 = zs->avail_out;
		rc = inflate(zs, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			/* A member ends; another may follow (cat a.gz b.gz). */
			z->midstream = 0;
			inflateReset(zs);
			if (zs->avail_in == 0)
				break;
			continue;
		}
		if (rc == Z_BUF_ERROR)
			break;		/* needs input, or room */
		if (rc != Z_OK) {
			mfm_err_set(&z->ferr, MFM_ERR_DATA, "%s: corrupt gzip "
			    "input: %s", z->name, zs->msg != NULL ? zs->msg :
			    "bad data");
			return fail(z, err);
		}
		if (zs->avail_in < in0)
			z->midstream = 1;
		if (zs->avail_in == in0 && zs->avail_out == out0)
			break;
	}
	z->inpos = z->inlen - zs->avail_in;
	z->outfull = zs->avail_out == 0;
	return (ssize_t)((unsigned char *)zs->next_out - (unsigned char *)out);
}

static ssize_t
zstd_decode(struct mfm_zread *z, void *out, size_t cap, struct mfm_err *err)
{
	ZSTD_inBuffer ib = { z->in, z->inlen, z->inpos };
	ZSTD_outBuffer ob = { out, cap, 0 };
	size_t rc, in0, out0;

	while (ob.pos < ob.size) {
		in0 = ib.pos;
		out0 = ob.pos;
		rc = ZSTD_decompressStream(z->zd, &ob, &ib);
		if (ZSTD_isError(rc)) {
			mfm_err_set(&z->ferr, MFM_ERR_DATA, "%s: corrupt zstd "
			    "input: %s", z->name, ZSTD_getErrorName(rc));
			return fail(z, err);
		}
		if (ib.pos == in0 && ob.pos == out0)
			break;
		/* 0: a frame is decoded and flushed whole. */
		z->midstream = rc != 0;
	}
	z->inpos = ib.pos;
	z->outfull = ob.pos == ob.size;
	return (ssize_t)ob.pos;
}

ssize_t
mfm_zread_decode(struct mfm_zread *z, void *out, size_t cap,
    struct mfm_err *err)
{
	if (z->failed)
		return fail(z, err);
	if (cap == 0)
		return 0;
	if (z->kind == MFM_ZREAD_GZIP)
		return gzip_decode(z, out, cap, err);
	return zstd_decode(z, out, cap, err);
}

int
mfm_zread_pending(const struct mfm_zread *z)
{
	return !z->failed && (z->inpos < z->inlen || z->outfull);
}

ssize_t
mfm_zread_feed(struct mfm_zread *z, int fd, struct mfm_err *err)
{
	ssize_t n;

	if (z->failed)
		return fail(z, err);
	if (z->inpos > 0) {
		memmove(z->in, z->in + z->inpos, z->inlen - z->inpos);
		z->inlen -= z->inpos;
		z->inpos = 0;
	}
	do
		n = read(fd, z->in + z->inlen, z->incap - z->inlen);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return mfm_err_sys(err, "%s", z->name);
	if (n == 0 && z->midstream) {
		mfm_err_set(&z->ferr, MFM_ERR_DATA, "%s: truncated %s input "
		    "(it ends inside a %s)", z->name,
		    z->kind == MFM_ZREAD_GZIP ? "gzip" : "zstd",
		    z->kind == MFM_ZREAD_GZIP ? "member" : "frame");
		return fail(z, err);
	}
	z->inlen += (size_t)n;
	return n;
}
