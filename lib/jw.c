/*
 * The JSON writer; see jw.h.  Each level of nesting keeps two bits: has
 * it a value already (the next one needs a comma), and is it an array
 * (it ends with ']').
 */
#include <stdint.h>
#include <string.h>

#include "lib/json.h"
#include "lib/jw.h"
#include "lib/banned.h"

void
mfm_jw_init(struct mfm_jw *w, struct mfm_buf *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
}

/* Before a value: a comma unless it is the first, or a key precedes it. */
static void
value(struct mfm_jw *w)
{
	uint64_t bit = UINT64_C(1) << w->depth;

	if (w->key) {
		w->key = 0;
		return;
	}
	if (w->more & bit)
		mfm_buf_addc(w->out, ',');
	w->more |= bit;
}

static void
open_container(struct mfm_jw *w, char c, int array)
{
	uint64_t bit;

	value(w);
	mfm_buf_addc(w->out, c);
	if (w->depth < MFM_JW_MAX_DEPTH)
		w->depth++;
	bit = UINT64_C(1) << w->depth;
	w->more &= ~bit;
	if (array)
		w->array |= bit;
	else
		w->array &= ~bit;
}

void
mfm_jw_object(struct mfm_jw *w)
{
	open_container(w, '{', 0);
}

void
mfm_jw_array(struct mfm_jw *w)
{
	open_container(w, '[', 1);
}

void
mfm_jw_end(struct mfm_jw *w)
{
	if (w->depth == 0)
		return;
	mfm_buf_addc(w->out, w->array & (UINT64_C(1) << w->depth) ? ']' :
	    '}');
	w->depth--;
	w->key = 0;
}

void
mfm_jw_keyn(struct mfm_jw *w, const char *key, size_t n)
{
	uint64_t bit = UINT64_C(1) << w->depth;

	if (w->more & bit)
		mfm_buf_addc(w->out, ',');
	w->more |= bit;
	mfm_json_put_str(w->out, key, n);
	mfm_buf_addc(w->out, ':');
	w->key = 1;
}

void
mfm_jw_key(struct mfm_jw *w, const char *key)
{
	mfm_jw_keyn(w, key, strlen(key));
}

void
mfm_jw_str(struct mfm_jw *w, const char *s, size_t n)
{
	value(w);
	mfm_json_put_str(w->out, s, n);
}

void
mfm_jw_strz(struct mfm_jw *w, const char *s)
{
	mfm_jw_str(w, s, strlen(s));
}

void
mfm_jw_int(struct mfm_jw *w, int64_t v)
{
	value(w);
	mfm_json_put_int64(w->out, v);
}

void
mfm_jw_double(struct mfm_jw *w, double v)
{
	value(w);
	mfm_json_put_double(w->out, v);
}

void
mfm_jw_bool(struct mfm_jw *w, int v)
{
	value(w);
	mfm_buf_adds(w->out, v ? "true" : "false");
}

void
mfm_jw_null(struct mfm_jw *w)
{
	value(w);
	mfm_buf_adds(w->out, "null");
}

void
mfm_jw_raw(struct mfm_jw *w, const char *json, size_t n)
{
	value(w);
	mfm_buf_add(w->out, json, n);
}
