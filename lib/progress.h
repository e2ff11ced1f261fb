/*
 * A progress line for long runs: bytes read, records, rate and, when
 * the sizes of the inputs are known, the share read, redrawn in place
 * on standard error at most every MFM_PROGRESS_INTERVAL and cleared
 * when the inputs end, so that it never mixes with messages and never
 * reaches standard output.
 *
 * The shared reader (lib/io.c) calls mfm_progress_read() once per block
 * it reads, so a run pays one test per 256 KiB when the line is off.
 * Like lib/cli.c, this module writes: it is part of the tools' face.
 *
 * When: with MFM_PROGRESS_AUTO, when the descriptor drawn on is a
 * terminal and the inputs are larger than MFM_PROGRESS_MIN_SIZE (known
 * from their sizes, or once that much has been read of a pipe);
 * MFM_PROGRESS_ON draws whatever the descriptor and the size;
 * MFM_PROGRESS_OFF never.
 */
#ifndef MFM_PROGRESS_H
#define MFM_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#define MFM_PROGRESS_MIN_SIZE (4u << 20)
#define MFM_PROGRESS_INTERVAL 200000	/* microseconds between draws */
#define MFM_PROGRESS_INPUTS 4		/* inputs followed at once */

enum mfm_progress_mode {
	MFM_PROGRESS_AUTO = 0,
	MFM_PROGRESS_ON,
	MFM_PROGRESS_OFF
};

struct mfm_progress {
	int fd;			/* drawn on */
	int on;			/* may draw at all (mode, terminal) */
	int forced;		/* MFM_PROGRESS_ON */
	size_t width;		/* the terminal's columns, or 80 */
	const char *prog;
	const uint64_t *records;	/* the record count shown, or NULL */
	uint64_t bytes;		/* read in all */
	struct mfm_progress_input {
		const void *key;	/* the reader; NULL: free */
		const char *name;
		uint64_t size;		/* 0: unknown (a pipe) */
		uint64_t done;
	} in[MFM_PROGRESS_INPUTS];
	int unknown;		/* inputs past the table, size unknown */
	int64_t start, last;	/* microseconds on the clock */
	int drawn;		/* a line is on the screen */
	int64_t (*clock)(void);	/* monotonic microseconds */
};

/*
 * Set p up to draw on fd for prog, counting *records (may be NULL).
 * Whether it may draw is decided here, from mode and isatty(fd).
 */
void mfm_progress_init(struct mfm_progress *p, int fd, const char *prog,
    enum mfm_progress_mode mode, const uint64_t *records);

/* An input opened: key names it (the reader), fd gives its size. */
void mfm_progress_open(struct mfm_progress *p, const void *key, int fd,
    const char *name);
/*
 * Input key is read from offset off on (--resume): its share counts
 * what is left to read.
 */
void mfm_progress_skip(struct mfm_progress *p, const void *key,
    uint64_t off);
/* n bytes read from input key; may draw. */
void mfm_progress_read(struct mfm_progress *p, const void *key, size_t n);
/* Input key ended; the line is cleared when no input is left. */
void mfm_progress_close(struct mfm_progress *p, const void *key);
/* Clear the line if one is drawn (before a message, at the end). */
void mfm_progress_clear(struct mfm_progress *p);

/*
 * The line as drawn at time now (microseconds on p's clock), at most
 * size - 1 bytes: "mfm-metric: a.ndjson 45%  120.3 MB  431,200 records
 * 95.1 MB/s".  Returns its length.
 */
size_t mfm_progress_format(const struct mfm_progress *p, int64_t now,
    char *out, size_t size);

#endif
