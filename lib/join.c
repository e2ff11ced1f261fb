/*
 * Join engine; see join.h.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/join.h"
#include "lib/banned.h"

void
mfm_join_init(struct mfm_join *jn, size_t max_pending)
{
	memset(jn, 0, sizeof(*jn));
	mfm_keymap_init(&jn->keys);
	mfm_buf_init(&jn->store);
	jn->max_pending = max_pending ? max_pending :
	    MFM_JOIN_MAX_PENDING_DEFAULT;
}

void
mfm_join_release(struct mfm_join *jn)
{
	mfm_keymap_release(&jn->keys);
	mfm_buf_release(&jn->store);
	free(jn->out);
	memset(jn, 0, sizeof(*jn));
}

int
mfm_join_key(const struct mfm_json *j, int t, struct mfm_buf *key)
{
	const char *s;
	size_t n;

	mfm_buf_clear(key);
	switch (mfm_json_type_of(j, t)) {
	case MFM_JSON_STRING: {
		struct mfm_buf tmp = MFM_BUF_INIT;

		mfm_buf_addc(key, 's');
		s = mfm_json_str(j, t, &n, &tmp);
		mfm_buf_add(key, s, n);
		mfm_buf_release(&tmp);
		return 0;
	}
	case MFM_JSON_NUMBER:
		mfm_buf_addc(key, 'n');
		s = mfm_json_raw(j, t, &n);
		mfm_buf_add(key, s, n);
		return 0;
	default:
		return -1;
	}
}

int
mfm_join_add(struct mfm_join *jn, const char *key, size_t klen,
    const char *raw, size_t rawlen, int has_time, int64_t time_us,
    struct mfm_err *err)
{
	struct mfm_join_outcome *o;
	size_t *v;
	int isnew;

	if (mfm_keymap_find(&jn->keys, key, klen) != NULL) {
		jn->nduplicate++;
		return 0;
	}
	if (jn->nout >= jn->max_pending)
		return mfm_err_set(err, MFM_ERR_LIMIT,
		    "more than %zu outcomes held (--max-pending)",
		    jn->max_pending);
	v = mfm_keymap_put(&jn->keys, key, klen, &isnew);
	*v = jn->nout;
	if (jn->nout == jn->capout) {
		jn->capout = jn->capout ? jn->capout * 2 : 1024;
		jn->out = mfm_xreallocarray(jn->out, jn->capout,
		    sizeof(*jn->out));
	}
	o = &jn->out[jn->nout++];
	o->off = jn->store.len;
	o->len = rawlen;
	o->has_time = has_time != 0;
	o->time_us = time_us;
	o->used = 0;
	mfm_buf_add(&jn->store, raw, rawlen);
	return 1;
}

enum mfm_join_match
mfm_join_match(struct mfm_join *jn, const char *key, size_t klen,
    const struct mfm_join_outcome **o)
{
	size_t *v = mfm_keymap_find(&jn->keys, key, klen);
	struct mfm_join_outcome *x;

	*o = NULL;
	if (v == NULL)
		return MFM_JOIN_NONE;
	x = &jn->out[*v];
	if (x->used)
		return MFM_JOIN_TAKEN;
	x->used = 1;
	*o = x;
	return MFM_JOIN_MATCHED;
}
