/*
 * Errors reported by the library.  The library never prints and never
 * exits: a fallible function returns -1 and fills a caller-supplied
 * struct mfm_err, and the command decides what to do with it.
 */
#ifndef MFM_ERR_H
#define MFM_ERR_H

#include <stddef.h>

enum mfm_err_kind {
	MFM_ERR_NONE = 0,
	MFM_ERR_DATA,		/* a bad record: report, count, go on */
	MFM_ERR_USAGE,		/* a bad option or configuration value */
	MFM_ERR_SYS,		/* a failed system call; errno kept in sys */
	MFM_ERR_LIMIT		/* a cap was reached */
};

/*
 * Which cap an MFM_ERR_LIMIT error reached, set by the module that holds
 * it, so that the command names the option that raises it whatever the
 * message says.
 */
enum mfm_err_cap {
	MFM_CAP_NONE = 0,	/* not said, or not a limit */
	MFM_CAP_GROUPS,		/* windows and groups (lib/group.h) */
	MFM_CAP_CLASSES,	/* a multiclass accumulator's (lib/metric.h) */
	MFM_CAP_VALUES,		/* a sketch's distinct values (lib/sketch.h) */
	MFM_CAP_CATEGORIES	/* a sketch's categories (lib/sketch.h) */
};

struct mfm_err {
	enum mfm_err_kind kind;
	enum mfm_err_cap cap;	/* MFM_ERR_LIMIT: which cap, else none */
	int sys;		/* errno for MFM_ERR_SYS, else 0 */
	size_t line;		/* 1-based, 0 when unknown */
	size_t col;		/* 1-based, 0 when unknown */
	char msg[256];
};

/* Fill err (if not NULL) and return -1, so that `return mfm_err_set(...)`. */
int mfm_err_set(struct mfm_err *err, enum mfm_err_kind kind,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Like mfm_err_set with MFM_ERR_LIMIT, saying which cap was reached. */
int mfm_err_limit(struct mfm_err *err, enum mfm_err_cap cap,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Like mfm_err_set with MFM_ERR_SYS and the current errno appended. */
int mfm_err_sys(struct mfm_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mfm_err_clear(struct mfm_err *err);
/*
 * Bad input as shown inside '...' in a message: s[0..n) cut at max bytes
 * on a UTF-8 character boundary and marked "...", control bytes as '?',
 * so the message stays one printable line.  dst holds size bytes (room
 * for max + 4 is enough); returns dst.
 */
const char *mfm_err_quote(char *dst, size_t size, const char *s, size_t n,
    size_t max);
/*
 * A count as messages write it, digits in groups of three: "4,244".
 * dst holds MFM_ERR_COUNT_SIZE bytes; returns dst.
 */
#define MFM_ERR_COUNT_SIZE 32
const char *mfm_err_count(char *dst, unsigned long long v);

#endif
