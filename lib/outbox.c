/*
 * The durable outbox of mfm-alert; see outbox.h for the files and the
 * promises.  Writes go through write_line (one write(2) of the whole
 * line, then fsync) so that what a later run finds is either the whole
 * line or a torn tail that was never acted on.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/json.h"
#include "lib/outbox.h"
#include "lib/state.h"
#include "lib/tm.h"
#include "lib/banned.h"

void
mfm_outbox_init(struct mfm_outbox *o)
{
	memset(o, 0, sizeof(*o));
	o->lockfd = o->fd = -1;
	o->next_id = 1;
	mfm_keymap_init(&o->seen);
	mfm_keymap_init(&o->queued);
	mfm_chain_init(&o->chain);
}

static char *
path_of(const struct mfm_outbox *o, const char *name)
{
	struct mfm_buf b = MFM_BUF_INIT;

	mfm_buf_addf(&b, "%s/%s", o->dir, name);
	return mfm_buf_detach(&b);
}

static int
write_line(int fd, const struct mfm_buf *b, const char *what,
    struct mfm_err *err)
{
	if (mfm_state_write(fd, b->p, b->len) != 0 || fsync(fd) != 0)
		return mfm_err_sys(err, "%s", what);
	return 0;
}

/* The whole of a file, up to MFM_OUTBOX_MAX_FILE; *p NULL when absent. */
static int
slurp(const char *path, char **p, size_t *n, struct mfm_err *err)
{
	struct mfm_buf b = MFM_BUF_INIT;
	char chunk[65536];
	ssize_t r;
	int fd;

	*p = NULL;
	*n = 0;
	if ((fd = open(path, O_RDONLY)) < 0) {
		if (errno == ENOENT)
			return 0;
		return mfm_err_sys(err, "%s", path);
	}
	for (;;) {
		if ((r = read(fd, chunk, sizeof(chunk))) < 0) {
			if (errno == EINTR)
				continue;
			mfm_err_sys(err, "%s", path);
			goto fail;
		}
		if (r == 0)
			break;
		if (b.len + (size_t)r > MFM_OUTBOX_MAX_FILE) {
			mfm_err_set(err, MFM_ERR_LIMIT, "%s: larger than %u "
			    "bytes", path, MFM_OUTBOX_MAX_FILE);
			goto fail;
		}
		mfm_buf_add(&b, chunk, (size_t)r);
	}
	close(fd);
	mfm_buf_addc(&b, '\0');
	*n = b.len - 1;
	*p = mfm_buf_detach(&b);
	return 0;
fail:
	close(fd);
	mfm_buf_release(&b);
	return -1;
}

static size_t *
seen_slot(const struct mfm_outbox *o, const char *receiver, const char *fp,
    size_t fplen, struct mfm_buf *k)
{
	mfm_buf_clear(k);
	mfm_buf_add(k, receiver, strlen(receiver) + 1);
	mfm_buf_add(k, fp, fplen);
	return mfm_keymap_find(&o->seen, k->p, k->len);
}

int
mfm_outbox_last(const struct mfm_outbox *o, const char *receiver,
    const char *fp, size_t fplen, int64_t *at, int *firing)
{
	struct mfm_buf k = MFM_BUF_INIT;
	size_t *v = seen_slot(o, receiver, fp, fplen, &k);

	mfm_buf_release(&k);
	if (v == NULL)
		return 0;
	*at = o->last[*v].at;
	*firing = o->last[*v].firing;
	return 1;
}

void
mfm_outbox_note(struct mfm_outbox *o, const char *receiver, const char *fp,
    size_t fplen, int64_t at, int firing)
{
	struct mfm_buf k = MFM_BUF_INIT;
	size_t *v;
	int isnew;

	mfm_buf_add(&k, receiver, strlen(receiver) + 1);
	mfm_buf_add(&k, fp, fplen);
	v = mfm_keymap_put(&o->seen, k.p, k.len, &isnew);
	if (isnew) {
		o->last = mfm_xreallocarray(o->last, o->nlast + 1,
		    sizeof(*o->last));
		*v = o->nlast++;
	}
	o->last[*v].at = at;
	o->last[*v].firing = firing;
	mfm_buf_release(&k);
}

/* sent.ndjson: {"receiver":"ops","fingerprint":"...","at":T,"firing":1} */
static int
load_seen(struct mfm_outbox *o, struct mfm_json *j, struct mfm_err *err)
{
	struct mfm_buf s1 = MFM_BUF_INIT, s2 = MFM_BUF_INIT;
	char *path = path_of(o, "sent.ndjson"), *p, *nl, *line, *rcv;
	const char *r, *f;
	size_t n, rn, fn;
	int64_t at, fi;
	int tr, tf, ta, ti;

	if (slurp(path, &p, &n, err) != 0) {
		free(path);
		return -1;
	}
	for (line = p; p != NULL && (nl = strchr(line, '\n')) != NULL;
	    line = nl + 1) {
		/* A line that does not read is forgotten: a repeat at worst. */
		if (mfm_json_parse(j, line, (size_t)(nl - line), err) != 0 ||
		    (tr = mfm_json_member(j, 0, "receiver", 8)) < 0 ||
		    (tf = mfm_json_member(j, 0, "fingerprint", 11)) < 0 ||
		    (ta = mfm_json_member(j, 0, "at", 2)) < 0 ||
		    (ti = mfm_json_member(j, 0, "firing", 6)) < 0 ||
		    (r = mfm_json_str(j, tr, &rn, &s1)) == NULL ||
		    (f = mfm_json_str(j, tf, &fn, &s2)) == NULL ||
		    mfm_json_int64(j, ta, &at) != 0 ||
		    mfm_json_int64(j, ti, &fi) != 0)
			continue;
		rcv = mfm_xmemdup(r, rn);
		mfm_outbox_note(o, rcv, f, fn, at, fi != 0);
		free(rcv);
	}
	mfm_err_clear(err);
	mfm_buf_release(&s1);
	mfm_buf_release(&s2);
	free(p);
	free(path);
	return 0;
}

static int
save_seen(struct mfm_outbox *o, struct mfm_err *err)
{
	struct mfm_buf b = MFM_BUF_INIT;
	char *path = path_of(o, "sent.ndjson");
	const struct mfm_keymap_slot *sl;
	const char *k, *nul;
	size_t i;
	int rc;

	for (i = 0; i < o->seen.nslot; i++) {
		sl = &o->seen.slot[i];
		if (!sl->used)
			continue;
		k = o->seen.arena + sl->off;
		nul = memchr(k, '\0', sl->len);
		mfm_buf_adds(&b, "{\"receiver\":");
		mfm_json_put_str(&b, k, (size_t)(nul - k));
		mfm_buf_adds(&b, ",\"fingerprint\":");
		mfm_json_put_str(&b, nul + 1, sl->len - (size_t)(nul - k) - 1);
		mfm_buf_addf(&b, ",\"at\":%" PRId64 ",\"firing\":%d}\n",
		    o->last[sl->value].at, o->last[sl->value].firing);
	}
	rc = mfm_state_replace(path, b.p, b.len, 0600, err);
	mfm_buf_release(&b);
	free(path);
	return rc;
}

/* firing.ndjson */

static void
alert_free(struct mfm_outbox_alert *a)
{
	free(a->receiver);
	free(a->fp);
	free(a->event);
	memset(a, 0, sizeof(*a));
}

static int
save_firing(struct mfm_outbox *o, struct mfm_err *err)
{
	struct mfm_buf b = MFM_BUF_INIT;
	char *path;
	size_t i;
	int rc;

	if (o->fd < 0)
		return 0;
	for (i = 0; i < o->nalert; i++) {
		mfm_buf_adds(&b, "{\"receiver\":");
		mfm_json_put_str(&b, o->alert[i].receiver,
		    strlen(o->alert[i].receiver));
		mfm_buf_adds(&b, ",\"fingerprint\":");
		mfm_json_put_str(&b, o->alert[i].fp, o->alert[i].fplen);
		mfm_buf_addf(&b, ",\"sent\":%" PRId64 ",\"event\":",
		    o->alert[i].sent);
		mfm_buf_add(&b, o->alert[i].event, o->alert[i].event_len);
		mfm_buf_adds(&b, "}\n");
	}
	path = path_of(o, "firing.ndjson");
	rc = mfm_state_replace(path, b.p != NULL ? b.p : "", b.len, 0600,
	    err);
	free(path);
	mfm_buf_release(&b);
	return rc;
}

static size_t
firing_find(const struct mfm_outbox *o, const char *receiver, const char *fp,
    size_t fplen)
{
	size_t i;

	for (i = 0; i < o->nalert; i++)
		if (o->alert[i].fplen == fplen &&
		    memcmp(o->alert[i].fp, fp, fplen) == 0 &&
		    strcmp(o->alert[i].receiver, receiver) == 0)
			return i;
	return (size_t)-1;
}

static int
firing_add(struct mfm_outbox *o, const char *receiver, const char *fp,
    size_t fplen, const char *event, size_t len, int64_t sent,
    struct mfm_err *err)
{
	struct mfm_outbox_alert *a;
	size_t i = firing_find(o, receiver, fp, fplen);

	if (i == (size_t)-1) {
		if (o->nalert >= MFM_OUTBOX_MAX_FIRING)
			return mfm_err_set(err, MFM_ERR_LIMIT, "%s: more than "
			    "%d alerts firing at Alertmanager", o->dir,
			    MFM_OUTBOX_MAX_FIRING);
		o->alert = mfm_xreallocarray(o->alert, o->nalert + 1,
		    sizeof(*o->alert));
		a = &o->alert[o->nalert++];
		memset(a, 0, sizeof(*a));
		a->receiver = mfm_xstrdup(receiver);
		a->fp = mfm_xmemdup(fp, fplen);
		a->fplen = fplen;
	} else {
		a = &o->alert[i];
		free(a->event);
	}
	a->event = mfm_xmemdup(event, len);
	a->event_len = len;
	a->sent = sent;
	return 0;
}

static int
load_firing(struct mfm_outbox *o, struct mfm_json *j, struct mfm_err *err)
{
	struct mfm_buf s1 = MFM_BUF_INIT, s2 = MFM_BUF_INIT;
	char *path = path_of(o, "firing.ndjson"), *p, *nl, *line, *rcv;
	const char *r, *f, *ev;
	size_t n, rn, fn, evn, lineno = 0;
	int64_t sent;
	int tr, tf, ts, te, rc = 0;

	if (slurp(path, &p, &n, err) != 0) {
		free(path);
		return -1;
	}
	for (line = p; p != NULL && (nl = strchr(line, '\n')) != NULL;
	    line = nl + 1) {
		lineno++;
		if (mfm_json_parse(j, line, (size_t)(nl - line), err) != 0 ||
		    (tr = mfm_json_member(j, 0, "receiver", 8)) < 0 ||
		    (tf = mfm_json_member(j, 0, "fingerprint", 11)) < 0 ||
		    (ts = mfm_json_member(j, 0, "sent", 4)) < 0 ||
		    (te = mfm_json_member(j, 0, "event", 5)) < 0 ||
		    mfm_json_type_of(j, te) != MFM_JSON_OBJECT ||
		    (r = mfm_json_str(j, tr, &rn, &s1)) == NULL ||
		    (f = mfm_json_str(j, tf, &fn, &s2)) == NULL ||
		    mfm_json_int64(j, ts, &sent) != 0) {
			/* Written whole and renamed: not ours, or altered. */
			rc = mfm_err_set(err, MFM_ERR_DATA, "%s:%zu: corrupt "
			    "line", path, lineno);
			break;
		}
		ev = mfm_json_raw(j, te, &evn);
		rcv = mfm_xmemdup(r, rn);
		rc = firing_add(o, rcv, f, fn, ev, evn, sent, err);
		free(rcv);
		if (rc != 0)
			break;
	}
	mfm_buf_release(&s1);
	mfm_buf_release(&s2);
	free(p);
	free(path);
	return rc;
}

int
mfm_outbox_firing_set(struct mfm_outbox *o, const char *receiver,
    const char *fp, size_t fplen, const char *event, size_t len, int64_t now,
    struct mfm_err *err)
{
	if (firing_add(o, receiver, fp, fplen, event, len, now, err) != 0)
		return -1;
	return save_firing(o, err);
}

int
mfm_outbox_firing_clear(struct mfm_outbox *o, const char *receiver,
    const char *fp, size_t fplen, struct mfm_err *err)
{
	size_t i = firing_find(o, receiver, fp, fplen);

	if (i == (size_t)-1)
		return 0;
	alert_free(&o->alert[i]);
	memmove(&o->alert[i], &o->alert[i + 1],
	    (o->nalert - i - 1) * sizeof(*o->alert));
	o->nalert--;
	return save_firing(o, err);
}

void
mfm_outbox_firing_sent(struct mfm_outbox *o, size_t i, int64_t now)
{
	o->alert[i].sent = now;
}

/*
 * The map of queued notifications, for mfm_outbox_put_event to see that
 * the same event is already pending for a receiver.  The key is two
 * hashes (receiver, event); a hit is confirmed against the entry's bytes.
 */
static void
queued_key(const char *receiver, const char *event, size_t len,
    char key[16])
{
	uint64_t a = mfm_keymap_hash(receiver, strlen(receiver) + 1);
	uint64_t b = mfm_keymap_hash(event, len);

	memcpy(key, &a, 8);
	memcpy(key + 8, &b, 8);
}

static void
note_queued(struct mfm_outbox *o, size_t idx)
{
	char key[16];
	int isnew;

	queued_key(o->e[idx].receiver, o->e[idx].event, o->e[idx].event_len,
	    key);
	*mfm_keymap_put(&o->queued, key, sizeof(key), &isnew) = idx;
}

static int
is_queued(const struct mfm_outbox *o, const char *receiver,
    const char *event, size_t len)
{
	const struct mfm_outbox_entry *e;
	const size_t *v;
	char key[16];

	queued_key(receiver, event, len, key);
	if ((v = mfm_keymap_find(&o->queued, key, sizeof(key))) == NULL ||
	    *v >= o->n)
		return 0;
	e = &o->e[*v];
	return !e->settled && strcmp(e->receiver, receiver) == 0 &&
	    e->event_len == len && memcmp(e->event, event, len) == 0;
}

static void
index_queued(struct mfm_outbox *o)
{
	size_t i;

	mfm_keymap_release(&o->queued);
	mfm_keymap_init(&o->queued);
	for (i = 0; i < o->n; i++)
		note_queued(o, i);
}

static struct mfm_chain_file *
place_find(struct mfm_chain_file *f, size_t n, const char *path)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(f[i].path, path) == 0)
			return &f[i];
	return NULL;
}

struct mfm_chain_file *
mfm_outbox_place(struct mfm_outbox *o, const char *path)
{
	return place_find(o->chain.now, o->chain.nnow, path);
}

/* "in":{"path":P,"dev":D,"ino":I,"off":N} */
static void
put_place(struct mfm_buf *b, const struct mfm_chain_file *in)
{
	mfm_buf_adds(b, "\"in\":{\"path\":");
	mfm_json_put_str(b, in->path, strlen(in->path));
	mfm_buf_addf(b, ",\"dev\":%" PRIu64 ",\"ino\":%" PRIu64 ",\"off\":%"
	    PRIu64 "}", in->dev, in->ino, in->offset);
}

static int
get_u64_in(const struct mfm_json *j, int obj, const char *key,
    uint64_t *out)
{
	int64_t v;
	int t = mfm_json_member(j, obj, key, strlen(key));

	if (t < 0 || mfm_json_int64(j, t, &v) != 0 || v < 0)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

static int
get_u64(const struct mfm_json *j, const char *key, uint64_t *out)
{
	return get_u64_in(j, 0, key, out);
}

/* A place "in":{...}: what the last runs read of a file. */
static int
load_place(struct mfm_outbox *o, const struct mfm_json *j, int t,
    struct mfm_err *err)
{
	struct mfm_buf scratch = MFM_BUF_INIT;
	struct mfm_chain *c = &o->chain;
	struct mfm_chain_file in, *f;
	const char *p;
	size_t n;
	int tp;

	if (mfm_json_type_of(j, t) != MFM_JSON_OBJECT ||
	    (tp = mfm_json_member(j, t, "path", 4)) < 0 ||
	    (p = mfm_json_str(j, tp, &n, &scratch)) == NULL || n == 0 ||
	    memchr(p, '\0', n) != NULL ||
	    get_u64_in(j, t, "dev", &in.dev) != 0 ||
	    get_u64_in(j, t, "ino", &in.ino) != 0 ||
	    get_u64_in(j, t, "off", &in.offset) != 0) {
		mfm_buf_release(&scratch);
		return -1;
	}
	in.path = mfm_xmemdup(p, n);
	mfm_buf_release(&scratch);
	if ((f = place_find(c->was, c->nwas, in.path)) == NULL) {
		if (c->nwas >= MFM_CHAIN_MAX_INPUTS) {
			free(in.path);
			mfm_err_set(err, MFM_ERR_LIMIT, "%s: more than %d "
			    "input files to resume", o->dir,
			    MFM_CHAIN_MAX_INPUTS);
			return -2;
		}
		c->was = mfm_xreallocarray(c->was, c->nwas + 1,
		    sizeof(*c->was));
		f = &c->was[c->nwas++];
		f->path = in.path;
	} else
		free(in.path);
	f->dev = in.dev;
	f->ino = in.ino;
	f->offset = in.offset;
	return 0;
}

static size_t
find(const struct mfm_outbox *o, uint64_t id)
{
	size_t i;

	/* Ids are appended in increasing order: search from the end. */
	for (i = o->n; i > 0; i--)
		if (o->e[i - 1].id == id)
			return i - 1;
	return (size_t)-1;
}

static void
entry_free(struct mfm_outbox_entry *e)
{
	free(e->receiver);
	free(e->event);
	memset(e, 0, sizeof(*e));
}

/* Drop the settled entries, keeping the order of the others. */
static void
pack(struct mfm_outbox *o)
{
	size_t i, k = 0;

	for (i = 0; i < o->n; i++) {
		if (o->e[i].settled)
			entry_free(&o->e[i]);
		else
			o->e[k++] = o->e[i];
	}
	o->n = k;
}

static int
load_line(struct mfm_outbox *o, struct mfm_json *j, const char *line,
    size_t len, const char *path, size_t lineno, struct mfm_err *err)
{
	struct mfm_buf scratch = MFM_BUF_INIT;
	struct mfm_outbox_entry *e;
	const char *s, *ev;
	uint64_t id, q;
	size_t n, evn, k, nrcv;
	int t, tr, tin;

	if (mfm_json_parse(j, line, len, err) != 0 ||
	    mfm_json_type_of(j, 0) != MFM_JSON_OBJECT)
		goto corrupt;
	if (get_u64(j, "next", &id) == 0) {
		if (id > o->next_id)
			o->next_id = id;
		return 0;
	}
	if (get_u64(j, "done", &id) == 0) {
		if ((k = find(o, id)) != (size_t)-1)
			o->e[k].settled = 1;
		return 0;
	}
	if ((tin = mfm_json_member(j, 0, "in", 2)) >= 0) {
		switch (load_place(o, j, tin, err)) {
		case -1:
			goto corrupt;
		case -2:
			return -1;
		}
	}
	if (get_u64(j, "put", &id) != 0) {
		if (tin >= 0 && mfm_json_member(j, 0, "put", 3) < 0)
			return 0;	/* a place alone */
		goto corrupt;
	}
	/* "receiver":R, or "receivers":[R,...] for ids id, id+1, ... */
	if ((tr = mfm_json_member(j, 0, "receiver", 8)) >= 0) {
		if (mfm_json_type_of(j, tr) != MFM_JSON_STRING)
			goto corrupt;
		nrcv = 1;
	} else if ((tr = mfm_json_member(j, 0, "receivers", 9)) >= 0 &&
	    mfm_json_type_of(j, tr) == MFM_JSON_ARRAY) {
		nrcv = 0;
		for (t = mfm_json_first(j, tr); t >= 0;
		    t = mfm_json_next(j, tr, t)) {
			if (mfm_json_type_of(j, t) != MFM_JSON_STRING)
				goto corrupt;
			nrcv++;
		}
		if (nrcv == 0)
			goto corrupt;
	} else
		goto corrupt;
	if (get_u64(j, "queued", &q) != 0 ||
	    (t = mfm_json_member(j, 0, "event", 5)) < 0)
		goto corrupt;
	ev = mfm_json_raw(j, t, &evn);
	if (o->n + nrcv > MFM_OUTBOX_MAX_PENDING)
		return mfm_err_set(err, MFM_ERR_LIMIT, "%s: more than %d "
		    "pending notifications", path, MFM_OUTBOX_MAX_PENDING);
	o->e = mfm_xreallocarray(o->e, o->n + nrcv, sizeof(*o->e));
	t = nrcv == 1 && mfm_json_type_of(j, tr) == MFM_JSON_STRING ? tr :
	    mfm_json_first(j, tr);
	for (k = 0; k < nrcv; k++) {
		e = &o->e[o->n++];
		memset(e, 0, sizeof(*e));
		e->id = id + k;
		e->queued = (int64_t)q;
		s = mfm_json_str(j, t, &n, &scratch);
		e->receiver = mfm_xmemdup(s, n);
		e->event = mfm_xmemdup(ev, evn);
		e->event_len = evn;
		if (k + 1 < nrcv)
			t = mfm_json_next(j, tr, t);
	}
	mfm_buf_release(&scratch);
	if (id + nrcv > o->next_id)
		o->next_id = id + nrcv;
	return 0;
corrupt:
	mfm_buf_release(&scratch);
	return mfm_err_set(err, MFM_ERR_DATA, "%s:%zu: corrupt journal line",
	    path, lineno);
}

static int
load_dead(struct mfm_outbox *o, struct mfm_json *j, struct mfm_err *err)
{
	char *path = path_of(o, "dead.ndjson"), *p, *nl, *line;
	size_t n;
	uint64_t id;

	if (slurp(path, &p, &n, err) != 0) {
		free(path);
		return -1;
	}
	for (line = p; p != NULL && (nl = strchr(line, '\n')) != NULL;
	    line = nl + 1) {
		if (mfm_json_parse(j, line, (size_t)(nl - line), err) == 0 &&
		    get_u64(j, "id", &id) == 0) {
			o->dead = mfm_xreallocarray(o->dead, o->ndead + 1,
			    sizeof(*o->dead));
			o->dead[o->ndead++] = id;
		}
	}
	free(p);
	free(path);
	return 0;
}

int
mfm_outbox_open(struct mfm_outbox *o, const char *dir, struct mfm_err *err)
{
	char *lock, *jpath = NULL, *p = NULL, *line, *nl;
	struct mfm_json j;
	size_t n, lineno = 0;
	int rc = -1;

	o->dir = mfm_xstrdup(dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return mfm_err_sys(err, "%s", dir);
	lock = path_of(o, "lock");
	o->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(lock);
	if (o->lockfd < 0)
		return mfm_err_sys(err, "%s/lock", dir);
	if (flock(o->lockfd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			return mfm_err_set(err, MFM_ERR_USAGE, "%s: in use by "
			    "another mfm-alert", dir);
		return mfm_err_sys(err, "%s/lock", dir);
	}
	mfm_json_init(&j);
	jpath = path_of(o, "outbox.ndjson");
	if (slurp(jpath, &p, &n, err) != 0)
		goto out;
	for (line = p; p != NULL && line < p + n; line = nl + 1) {
		lineno++;
		if ((nl = memchr(line, '\n', (size_t)(p + n - line))) ==
		    NULL) {
			/* Torn by a crash before its fsync: never acted on. */
			o->dropped++;
			n = (size_t)(line - p);
			break;
		}
		if (load_line(o, &j, line, (size_t)(nl - line), jpath, lineno,
		    err) != 0)
			goto out;
	}
	pack(o);
	index_queued(o);
	if (load_dead(o, &j, err) != 0 || load_seen(o, &j, err) != 0 ||
	    load_firing(o, &j, err) != 0)
		goto out;
	o->fd = open(jpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (o->fd < 0 || (o->dropped > 0 && ftruncate(o->fd, (off_t)n) != 0)) {
		mfm_err_sys(err, "%s", jpath);
		goto out;
	}
	rc = 0;
out:
	mfm_json_release(&j);
	free(p);
	free(jpath);
	return rc;
}

/*
 * One journal line for an event to n receivers (ids next_id, ...), with
 * the input's place when in is not NULL; then the entries.
 */
static int
put(struct mfm_outbox *o, const char *const *rcv, size_t n,
    const char *event, size_t len, int64_t now,
    const struct mfm_chain_file *in, struct mfm_err *err)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_outbox_entry *e;
	size_t k;
	int rc;

	if (o->n + n > MFM_OUTBOX_MAX_PENDING)
		return mfm_err_set(err, MFM_ERR_LIMIT, "%s: more than %d "
		    "queued notifications", o->dir, MFM_OUTBOX_MAX_PENDING);
	mfm_buf_addf(&b, "{\"put\":%" PRIu64 ",\"receiver%s\":", o->next_id,
	    n == 1 ? "" : "s");
	if (n > 1)
		mfm_buf_addc(&b, '[');
	for (k = 0; k < n; k++) {
		if (k > 0)
			mfm_buf_addc(&b, ',');
		mfm_json_put_str(&b, rcv[k], strlen(rcv[k]));
	}
	if (n > 1)
		mfm_buf_addc(&b, ']');
	mfm_buf_addf(&b, ",\"queued\":%" PRId64 ",\"event\":", now);
	mfm_buf_add(&b, event, len);
	if (in != NULL) {
		mfm_buf_addc(&b, ',');
		put_place(&b, in);
	}
	mfm_buf_adds(&b, "}\n");
	/* Not open: an outbox in memory, for one run. */
	rc = o->fd >= 0 ? write_line(o->fd, &b, o->dir, err) : 0;
	mfm_buf_release(&b);
	if (rc != 0)
		return -1;
	o->e = mfm_xreallocarray(o->e, o->n + n, sizeof(*o->e));
	for (k = 0; k < n; k++) {
		e = &o->e[o->n];
		memset(e, 0, sizeof(*e));
		e->id = o->next_id++;
		e->receiver = mfm_xstrdup(rcv[k]);
		e->queued = now;
		e->event = mfm_xmemdup(event, len);
		e->event_len = len;
		note_queued(o, o->n++);
	}
	return 0;
}

int
mfm_outbox_put(struct mfm_outbox *o, const char *receiver, const char *event,
    size_t len, int64_t now, size_t *idx, struct mfm_err *err)
{
	if (put(o, &receiver, 1, event, len, now, NULL, err) != 0)
		return -1;
	*idx = o->n - 1;
	return 0;
}

int
mfm_outbox_put_event(struct mfm_outbox *o, const char *const *rcv, size_t n,
    const char *event, size_t len, int64_t now,
    const struct mfm_chain_file *in, struct mfm_err *err)
{
	const char **take = mfm_xcalloc(n ? n : 1, sizeof(*take));
	size_t i, k = 0;
	int rc = 0;

	/* In memory (no state directory) every event is its own. */
	for (i = 0; i < n; i++)
		if (o->fd < 0 || !is_queued(o, rcv[i], event, len))
			take[k++] = rcv[i];
	if (k > 0)
		rc = put(o, take, k, event, len, now, in, err);
	free(take);
	return rc != 0 ? -1 : (int)k;
}

int
mfm_outbox_done(struct mfm_outbox *o, size_t idx, struct mfm_err *err)
{
	struct mfm_buf b = MFM_BUF_INIT;
	int rc;

	mfm_buf_addf(&b, "{\"done\":%" PRIu64 "}\n", o->e[idx].id);
	rc = o->fd >= 0 ? write_line(o->fd, &b, o->dir, err) : 0;
	mfm_buf_release(&b);
	if (rc == 0)
		o->e[idx].settled = 1;
	return rc;
}

int
mfm_outbox_is_dead(const struct mfm_outbox *o, size_t idx)
{
	size_t i;

	for (i = 0; i < o->ndead; i++)
		if (o->dead[i] == o->e[idx].id)
			return 1;
	return 0;
}

int
mfm_outbox_dead(struct mfm_outbox *o, size_t idx, const char *reason,
    int64_t now, struct mfm_err *err)
{
	struct mfm_outbox_entry *e = &o->e[idx];
	struct mfm_buf b = MFM_BUF_INIT;
	char tq[MFM_TM_RFC3339_LEN + 1], tf[MFM_TM_RFC3339_LEN + 1];
	char *path;
	int fd, rc;

	/* Written before: a crash between the two files left it there. */
	if (!mfm_outbox_is_dead(o, idx)) {
		path = path_of(o, "dead.ndjson");
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		    0600);
		if (fd < 0) {
			mfm_err_sys(err, "%s", path);
			free(path);
			return -1;
		}
		mfm_buf_addf(&b, "{\"id\":%" PRIu64 ",\"receiver\":", e->id);
		mfm_json_put_str(&b, e->receiver, strlen(e->receiver));
		/* Times as mfm writes them, for the people who read it. */
		mfm_tm_format_rfc3339(e->queued, tq);
		mfm_tm_format_rfc3339(now, tf);
		mfm_buf_addf(&b, ",\"queued\":\"%s\",\"failed\":\"%s\""
		    ",\"reason\":", tq, tf);
		mfm_json_put_str(&b, reason, strlen(reason));
		mfm_buf_adds(&b, ",\"event\":");
		mfm_buf_add(&b, e->event, e->event_len);
		mfm_buf_adds(&b, "}\n");
		rc = write_line(fd, &b, path, err);
		close(fd);
		free(path);
		mfm_buf_release(&b);
		if (rc != 0)
			return -1;
		o->dead = mfm_xreallocarray(o->dead, o->ndead + 1,
		    sizeof(*o->dead));
		o->dead[o->ndead++] = e->id;
	}
	return mfm_outbox_done(o, idx, err);
}

/* Rewrite the journal with the pending entries only. */
static int
compact(struct mfm_outbox *o, struct mfm_err *err)
{
	struct mfm_buf b = MFM_BUF_INIT;
	char *jpath = path_of(o, "outbox.ndjson");
	size_t i;
	int rc;

	pack(o);
	mfm_buf_addf(&b, "{\"next\":%" PRIu64 "}\n", o->next_id);
	/* This run's places, and those of files it did not read. */
	for (i = 0; i < o->chain.nnow; i++) {
		mfm_buf_addc(&b, '{');
		put_place(&b, &o->chain.now[i]);
		mfm_buf_adds(&b, "}\n");
	}
	for (i = 0; i < o->chain.nwas; i++) {
		if (place_find(o->chain.now, o->chain.nnow,
		    o->chain.was[i].path) != NULL)
			continue;
		mfm_buf_addc(&b, '{');
		put_place(&b, &o->chain.was[i]);
		mfm_buf_adds(&b, "}\n");
	}
	for (i = 0; i < o->n; i++) {
		mfm_buf_addf(&b, "{\"put\":%" PRIu64 ",\"receiver\":",
		    o->e[i].id);
		mfm_json_put_str(&b, o->e[i].receiver,
		    strlen(o->e[i].receiver));
		mfm_buf_addf(&b, ",\"queued\":%" PRId64 ",\"event\":",
		    o->e[i].queued);
		mfm_buf_add(&b, o->e[i].event, o->e[i].event_len);
		mfm_buf_adds(&b, "}\n");
	}
	rc = mfm_state_replace(jpath, b.p, b.len, 0600, err);
	mfm_buf_release(&b);
	free(jpath);
	return rc;
}

int
mfm_outbox_close(struct mfm_outbox *o, struct mfm_err *err)
{
	size_t i;
	int rc = 0;

	if (o->fd >= 0) {
		/* The seen file first: compact syncs the directory. */
		rc = save_seen(o, err);
		if (rc == 0)
			rc = save_firing(o, err);
		if (rc == 0)
			rc = compact(o, err);
		close(o->fd);
	}
	if (o->lockfd >= 0)
		close(o->lockfd);	/* releases the lock */
	for (i = 0; i < o->n; i++)
		entry_free(&o->e[i]);
	for (i = 0; i < o->nalert; i++)
		alert_free(&o->alert[i]);
	free(o->alert);
	free(o->e);
	free(o->dead);
	free(o->dir);
	free(o->last);
	mfm_keymap_release(&o->seen);
	mfm_keymap_release(&o->queued);
	mfm_chain_release(&o->chain);
	mfm_outbox_init(o);
	return rc;
}
