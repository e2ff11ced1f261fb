/*
 * Chains of files (mfm(7)): a tool that keeps a --state reads its input
 * files from where its last run stopped (--resume) and appends its output
 * to a file (-o) whose length at the last save is kept in the state, so
 * that a run killed at any point and run again writes each record once,
 * and a job's cost follows what came since its last run.
 *
 * What the state keeps is one line at the head of the tool's state body:
 *
 *	{"chain":{"output":LENGTH,"inputs":[["PATH",DEV,INO,OFFSET],...]}}
 *
 * ("output" only when there is an output file).  An input is known by its
 * path as given, its device and its inode: a file with another inode was
 * replaced (rotated) and is read from its start; one shorter than the
 * offset shrank, which is an error.
 */
#ifndef MFM_CHAIN_H
#define MFM_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"

#define MFM_CHAIN_TAG "{\"chain\":"
/* The most input files one state remembers. */
#define MFM_CHAIN_MAX_INPUTS 4096

struct mfm_chain_file {
	char *path;		/* owned */
	uint64_t dev, ino, offset;
};

struct mfm_chain {
	/* From the state: the last run. */
	struct mfm_chain_file *was;
	size_t nwas;
	int has_len;
	uint64_t len;		/* the output's length at the last save */
	/* This run's inputs, with where reading stopped. */
	struct mfm_chain_file *now;
	size_t nnow;
};

void mfm_chain_init(struct mfm_chain *c);
void mfm_chain_release(struct mfm_chain *c);

/*
 * Split a state body: when it starts with the chain line, read that line
 * into c and set *rest to the offset of the tool's own body after it; else
 * *rest is 0.  MFM_ERR_DATA for a chain line that does not read.
 */
int mfm_chain_load(struct mfm_chain *c, const char *body, size_t len,
    size_t *rest, struct mfm_err *err);

/*
 * Append the chain line, with a newline, for the next run: the inputs read
 * in this run and, when has_out, the output length out_len.  Nothing when
 * there is neither.
 */
void mfm_chain_put(const struct mfm_chain *c, struct mfm_buf *b, int has_out,
    uint64_t out_len);

/*
 * An input file opened on fd for reading: *off is where to start (0 for a
 * file the last run did not read, or read under another inode).  The file
 * is remembered for this run.  MFM_ERR_DATA when it shrank below the
 * offset, MFM_ERR_LIMIT past MFM_CHAIN_MAX_INPUTS files.
 */
int mfm_chain_start(struct mfm_chain *c, const char *path, int fd,
    uint64_t *off, struct mfm_err *err);
/* Where reading of path (started above) stopped. */
void mfm_chain_stop(struct mfm_chain *c, const char *path, uint64_t off);

/*
 * The output file on fd, at the start of a run: cut back to the length
 * the state gave (what a killed run appended after the last save goes).
 * MFM_ERR_DATA when the file is shorter than that.  Nothing to do when the
 * state gave no length.
 */
int mfm_chain_recover(const struct mfm_chain *c, int fd, const char *path,
    struct mfm_err *err);
/* Force fd's file to disk and give its length, before the state is saved. */
int mfm_chain_sync(int fd, const char *path, uint64_t *len,
    struct mfm_err *err);

#endif
