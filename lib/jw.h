/*
 * A small JSON writer: objects and arrays written member by member into
 * a struct mfm_buf, the commas and the closing brackets handled by the
 * writer, so that a body is written as what it holds rather than as a
 * chain of ",\"key\":" literals.  Output is compact JSON, as every mfm
 * tool writes it: no white space, strings escaped by mfm_json_put_str,
 * numbers by mfm_json_put_int64 and mfm_json_put_double.
 *
 *   struct mfm_jw w;
 *
 *   mfm_jw_init(&w, &buf);
 *   mfm_jw_object(&w);
 *   mfm_jw_key(&w, "status");
 *   mfm_jw_strz(&w, "firing");
 *   mfm_jw_key(&w, "alerts");
 *   mfm_jw_array(&w);
 *   mfm_jw_raw(&w, event, len);
 *   mfm_jw_end(&w);
 *   mfm_jw_end(&w);
 *
 * writes {"status":"firing","alerts":[EVENT]}.  A value written after a
 * key is that member's value; any other value is the next element of the
 * array (or the value at the top).  The writer checks nothing else: the
 * caller writes a key before each value of an object and ends what it
 * opened.  Nesting is the caller's code, not its input: at most
 * MFM_JW_MAX_DEPTH containers are open at once.
 *
 * Written for mfm-alert's bodies (Alertmanager, Slack, PagerDuty); the
 * other tools' hand-written records (mfm-metric, mfm-threshold, the
 * receipts, the state files) may adopt it as they are next changed.
 */
#ifndef MFM_JW_H
#define MFM_JW_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

#define MFM_JW_MAX_DEPTH 63

struct mfm_jw {
	struct mfm_buf *out;		/* borrowed: appended to */
	unsigned depth;			/* containers open */
	uint64_t more;			/* bit d: level d has a value already */
	uint64_t array;			/* bit d: level d is an array */
	int key;			/* a key was written: a value is next */
};

/* Write to out, after what it holds. */
void mfm_jw_init(struct mfm_jw *w, struct mfm_buf *out);

/* Open an object or an array (a value); mfm_jw_end closes the last. */
void mfm_jw_object(struct mfm_jw *w);
void mfm_jw_array(struct mfm_jw *w);
void mfm_jw_end(struct mfm_jw *w);

/* The key of the next member of the open object; escaped as a string. */
void mfm_jw_key(struct mfm_jw *w, const char *key);
void mfm_jw_keyn(struct mfm_jw *w, const char *key, size_t n);

/* Values. */
void mfm_jw_str(struct mfm_jw *w, const char *s, size_t n);
void mfm_jw_strz(struct mfm_jw *w, const char *s);
void mfm_jw_int(struct mfm_jw *w, int64_t v);
void mfm_jw_double(struct mfm_jw *w, double v);	/* NaN, inf: null */
void mfm_jw_bool(struct mfm_jw *w, int v);
void mfm_jw_null(struct mfm_jw *w);
/* JSON text the caller vouches for (a record's raw bytes), as it is. */
void mfm_jw_raw(struct mfm_jw *w, const char *json, size_t n);

#endif
