/*
 * Event-time windows.  A tumbling window of size S with offset O holds
 * the instants t with start <= t < start + S, where start = O + k*S for an
 * integer k; windows are aligned to the Unix epoch (shifted by O).
 */
#ifndef MFM_WINDOW_H
#define MFM_WINDOW_H

#include <stdint.h>

#include "lib/buf.h"

struct mfm_window {
	int64_t size;		/* microseconds, > 0 */
	int64_t offset;		/* microseconds */
};

/* Start of the tumbling window holding t. */
int64_t mfm_window_start(const struct mfm_window *w, int64_t t);

/*
 * Append the window member value {"start":"...","end":"..."} for the
 * window starting at start.
 */
void mfm_window_put(struct mfm_buf *b, int64_t start, int64_t end);

#endif
