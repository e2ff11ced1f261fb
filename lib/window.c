/*
 * Event-time windows; see window.h.
 */
#include "lib/tm.h"
#include "lib/window.h"
#include "lib/banned.h"

int64_t
mfm_window_start(const struct mfm_window *w, int64_t t)
{
	return mfm_tm_floor(t, w->size, w->offset);
}

void
mfm_window_put(struct mfm_buf *b, int64_t start, int64_t end)
{
	char s[MFM_TM_RFC3339_LEN + 1], e[MFM_TM_RFC3339_LEN + 1];
	size_t ns = mfm_tm_format_rfc3339(start, s);
	size_t ne = mfm_tm_format_rfc3339(end, e);

	mfm_buf_grow(b, ns + ne + 22);
	mfm_buf_add(b, "{\"start\":\"", 10);
	mfm_buf_add(b, s, ns);
	mfm_buf_add(b, "\",\"end\":\"", 9);
	mfm_buf_add(b, e, ne);
	mfm_buf_add(b, "\"}", 2);
}
