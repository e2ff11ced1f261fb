/*
 * Cutting and cleaning UTF-8 text for display; see utf8.h.  Both work on
 * bytes and never decode: a continuation byte (top bits 10) is never where
 * a character starts.
 */
#include "lib/utf8.h"
#include "lib/banned.h"

size_t
mfm_utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

size_t
mfm_utf8_clean(struct mfm_buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, chars = 0;

	for (i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f) {
			mfm_buf_addc(out, '?');
		} else if (p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f) {
			mfm_buf_addc(out, '?');
			i++;
		} else {
			mfm_buf_addc(out, (char)p[i]);
			if ((p[i] & 0xc0) == 0x80)
				continue;
		}
		chars++;
	}
	return chars;
}
