/*
 * UTF-8 text as receivers and terminals are shown it: cut to a limit
 * between two characters (a cut inside one would reach the reader as
 * U+FFFD), and with the control characters that could move a terminal's
 * cursor or end a line shown as '?'.
 */
#ifndef MFM_UTF8_H
#define MFM_UTF8_H

#include <stddef.h>

#include "lib/buf.h"

/* The length of s[0..n) cut to at most max bytes on a character boundary. */
size_t mfm_utf8_cut(const char *s, size_t n, size_t max);

/*
 * Append s[0..n) with every control character (C0, DEL, and the C1 range
 * U+0080..U+009F that terminals also obey) as '?'.  Returns the number of
 * characters written, for columns.
 */
size_t mfm_utf8_clean(struct mfm_buf *out, const char *s, size_t n);

#endif
