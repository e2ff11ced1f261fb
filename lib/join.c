/*
 * Join engine; see join.h.
 *
 * Every held record has one live item in a min-heap of deadlines,
 * ordered by (deadline, type, arrival), where the deadline is the event
 * time at which the watermark makes its fate final.  Records without a
 * deadline (no time, no TTL) sit at INT64_MAX and are decided at the end.
 * Items are never removed from the middle: an entry that changes state
 * gets a new generation and a new item, and stale items are skipped when
 * they reach the top.  The same order, kept in the state file, makes a
 * run over hourly slices decide exactly as one run over the whole.
 *
 * Id keys live once, in a keymap whose value is the entry index plus one;
 * a decided key's value becomes 0 and the map is rebuilt when dead keys
 * outnumber live ones, so memory follows what is pending.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/io.h"
#include "lib/chain.h"
#include "lib/join.h"
#include "lib/state.h"
#include "lib/banned.h"

enum ent_state {
	ST_FREE = 0,
	ST_PRED,	/* a prediction waits for its outcome */
	ST_OUT,		/* an outcome waits for its prediction */
	ST_HELD,	/* matched, held until the TTL (keep last) */
	ST_DONE		/* matched and emitted; key kept for duplicates */
};

enum item_type {
	IT_ID = 0,
	IT_APRED,	/* as-of prediction: decided before outcomes go */
	IT_AOUT
};

/*
 * An id entry.  Its key's bytes live here, inline when short (ids are
 * mostly 10-40 bytes), so that the lookup that found the slot compares
 * the key in the line it must read anyway for the state; so does the
 * label a matched key keeps (to tell a duplicate from a conflict), when
 * short.  Held records, longer keys and labels are in the slab (jn->slab).
 * Records and labels are shorter than 4 GiB: the tokenizer refuses
 * longer lines.
 */
#define KEY_INLINE 40
#define LABEL_INLINE 8

struct mfm_join_ent {
	uint32_t klen;
	uint32_t tag;		/* the key's hash: see struct mfm_join_slot */
	uint32_t gen;
	uint32_t plen, olen, llen;
	uint8_t st, has_pt, has_ot, has_label, queued;
	union {
		char in[KEY_INLINE];	/* klen <= KEY_INLINE */
		char *p;		/* else, in the slab */
	} key;
	union {
		char in[LABEL_INLINE];	/* llen <= LABEL_INLINE */
		char *p;		/* else, in the slab */
	} label;
	char *pred, *out;	/* in the slab, or NULL */
	int64_t pt, ot;
	int64_t when;		/* deadline of the live item, if queued */
};

/*
 * The id table: open addressing with linear probing over 8-byte slots,
 * at most half full, so that it stays small enough for the caches.  A
 * slot holds 32 bits of the key's hash (its tag, which also gives its
 * home slot: tag & mask) and the entry's index + 1 (0: empty).  Removal
 * shifts the rest of the probe run back, so there are no tombstones and
 * never a rebuild but to grow.
 */
struct mfm_join_slot {
	uint32_t tag;
	uint32_t ent;
};

/* Entries (hence keys) at most: slot indexes and tags are 32-bit. */
#define MAX_ENTRIES ((size_t)1 << 30)

struct mfm_join_heap {
	int64_t when;
	uint64_t seq;
	size_t idx;
	uint32_t gen;
	uint8_t type;
};

/* An as-of record; outcomes are also listed, by time, in their entity. */
struct mfm_join_arec {
	char *raw;
	size_t len;
	int64_t t;
	size_t entity;
	uint32_t gen;
	uint8_t is_out, used, live;
};

struct mfm_join_asof {
	size_t *out;		/* arec indices, by time, ties in arrival */
	size_t nout, capout;
};

/* as-of records, kept apart from the id entries */
struct mfm_join_arecs {
	struct mfm_join_arec *r;
	size_t n, cap, *freel, nfree, capfree;
	size_t last;		/* the record last added */
};

static struct mfm_join_arecs *
arecs_of(struct mfm_join *jn)
{
	return jn->arecs;
}

void
mfm_join_opts_init(struct mfm_join_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->tolerance = -1;
	o->exact = 1;
}

void
mfm_join_init(struct mfm_join *jn, const struct mfm_join_opts *o,
    void (*emit)(void *, const struct mfm_join_event *), void *arg)
{
	memset(jn, 0, sizeof(*jn));
	jn->o = *o;
	if (jn->o.max_pending == 0)
		jn->o.max_pending = MFM_JOIN_MAX_PENDING_DEFAULT;
	if (jn->o.max_pending > MAX_ENTRIES)
		jn->o.max_pending = MAX_ENTRIES;
	jn->emit = emit;
	jn->arg = arg;
	mfm_keymap_init(&jn->ents);
	jn->arecs = mfm_xcalloc(1, sizeof(*jn->arecs));
	mfm_slab_init(&jn->slab);
}

static const char *
ent_label(const struct mfm_join_ent *e)
{
	return e->llen > LABEL_INLINE ? e->label.p : e->label.in;
}

static void
label_free(struct mfm_join *jn, struct mfm_join_ent *e)
{
	if (e->llen > LABEL_INLINE)
		mfm_slab_free(&jn->slab, e->label.p, e->llen);
	e->llen = 0;
}

static void
ent_free(struct mfm_join *jn, struct mfm_join_ent *e)
{
	if (e->klen > KEY_INLINE)
		mfm_slab_free(&jn->slab, e->key.p, e->klen);
	e->klen = 0;
	mfm_slab_free(&jn->slab, e->pred, e->plen);
	mfm_slab_free(&jn->slab, e->out, e->olen);
	label_free(jn, e);
	e->pred = e->out = NULL;
	e->plen = e->olen = 0;
}

void
mfm_join_release(struct mfm_join *jn)
{
	struct mfm_join_arecs *a = arecs_of(jn);
	size_t i;

	free(jn->ent);
	free(jn->freelist);
	free(jn->heap);
	free(jn->q);
	free(jn->tab);
	mfm_keymap_release(&jn->ents);
	for (i = 0; i < jn->nasof; i++)
		free(jn->asof[i].out);
	free(jn->asof);
	if (a != NULL) {
		free(a->r);
		free(a->freel);
		free(a);
	}
	mfm_slab_release(&jn->slab);
	memset(jn, 0, sizeof(*jn));
}

int
mfm_join_key(const struct mfm_json *j, int t, struct mfm_buf *key)
{
	struct mfm_buf tmp = MFM_BUF_INIT;
	const char *s;
	uint32_t n32;
	size_t n;
	char tag;

	switch (mfm_json_type_of(j, t)) {
	case MFM_JSON_STRING:
		tag = 's';
		s = mfm_json_str(j, t, &n, &tmp);
		break;
	case MFM_JSON_NUMBER:
		tag = 'n';
		s = mfm_json_raw(j, t, &n);
		break;
	default:
		return -1;
	}
	/* Tag and length first: ["a,b"] and ["a","b"] must differ. */
	n32 = (uint32_t)n;
	mfm_buf_addc(key, tag);
	mfm_buf_add(key, &n32, sizeof(n32));
	mfm_buf_add(key, s, n);
	mfm_buf_release(&tmp);
	return 0;
}

/*
 * Seconds from microseconds, as mfm_json_put_double would write us / 1e6
 * (shortest round trip), without printf: below 2^51 us (71 years) the
 * exact decimal with at most six fraction digits is that shortest form,
 * since doubles there are closer together than 1e-6 / 2.
 */
static const char digits2[] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

void
mfm_join_put_delay(struct mfm_buf *b, int64_t us)
{
	char tmp[32];
	uint64_t u, sec, frac;
	size_t n = sizeof(tmp), k;
	int i;

	if (us <= -(INT64_C(1) << 51) || us >= (INT64_C(1) << 51) ||
	    (us > -100 && us < 100 && us != 0)) {
		/* beyond 71 years, or below 1e-4 s (an exponent then) */
		mfm_json_put_double(b, (double)us / 1e6);
		return;
	}
	u = us < 0 ? (uint64_t)-us : (uint64_t)us;
	sec = u / 1000000;
	frac = u % 1000000;
	if (frac != 0) {
		/* Six digits, two at a time, then the trailing zeros go. */
		for (i = 0; i < 3; i++) {
			n -= 2;
			memcpy(tmp + n, digits2 + 2 * (frac % 100), 2);
			frac /= 100;
		}
		tmp[--n] = '.';
		for (k = sizeof(tmp); tmp[k - 1] == '0'; k--)
			;
	} else
		k = sizeof(tmp);
	while (sec >= 100) {
		n -= 2;
		memcpy(tmp + n, digits2 + 2 * (sec % 100), 2);
		sec /= 100;
	}
	if (sec >= 10) {
		n -= 2;
		memcpy(tmp + n, digits2 + 2 * sec, 2);
	} else
		tmp[--n] = (char)('0' + sec);
	if (us < 0)
		tmp[--n] = '-';
	mfm_buf_add(b, tmp + n, k - n);
}

/* --- heap of deadlines --- */

static int
item_less(const struct mfm_join_heap *a, const struct mfm_join_heap *b)
{
	if (a->when != b->when)
		return a->when < b->when;
	if (a->type != b->type)
		return a->type < b->type;
	return a->seq < b->seq;
}

/*
 * How far back from the queue's tail an item may be placed: records come
 * a little out of order (a log written by several threads), and so do
 * their deadlines.
 */
#define NEAR_TAIL 64

/*
 * Deadlines mostly come in order (records arrive roughly by time), so an
 * item not earlier than one of the last NEAR_TAIL queued ones goes into
 * a queue kept in order, in O(1) when at the tail; only the others pay
 * for the heap, whose cost grows with what is pending.  The next item is
 * the smaller head.
 */
static void
heap_push(struct mfm_join *jn, int64_t when, uint8_t type, size_t idx,
    uint32_t gen)
{
	struct mfm_join_heap it, *h, *q;
	size_t i, p, k, stop;

	it.when = when;
	it.type = type;
	it.idx = idx;
	it.gen = gen;
	it.seq = jn->seq++;
	q = jn->q != NULL ? jn->q + jn->qhead : NULL;	/* none yet: NULL */
	k = jn->qlen;
	stop = k > NEAR_TAIL ? k - NEAR_TAIL : 0;
	while (k > stop && item_less(&it, &q[k - 1]))
		k--;
	if (k > stop || k == 0) {
		/* It goes at q[k]: after every item not later than it. */
		if (jn->qhead + jn->qlen == jn->capq) {
			if (jn->qhead > jn->capq / 2) {
				memmove(jn->q, jn->q + jn->qhead,
				    jn->qlen * sizeof(*jn->q));
				jn->qhead = 0;
			} else {
				jn->capq = jn->capq ? jn->capq * 2 : 1024;
				jn->q = mfm_xreallocarray(jn->q, jn->capq,
				    sizeof(*jn->q));
			}
			q = jn->q + jn->qhead;
		}
		if (k < jn->qlen)
			memmove(q + k + 1, q + k,
			    (jn->qlen - k) * sizeof(*q));
		q[k] = it;
		jn->qlen++;
		return;
	}
	if (jn->nheap == jn->capheap) {
		jn->capheap = jn->capheap ? jn->capheap * 2 : 1024;
		jn->heap = mfm_xreallocarray(jn->heap, jn->capheap,
		    sizeof(*jn->heap));
	}
	h = jn->heap;
	for (i = jn->nheap++; i > 0; i = p) {
		p = (i - 1) / 2;
		if (!item_less(&it, &h[p]))
			break;
		h[i] = h[p];
	}
	h[i] = it;
}

/* The next item due, or NULL when none is left. */
static const struct mfm_join_heap *
heap_top(const struct mfm_join *jn)
{
	const struct mfm_join_heap *q = jn->qlen ? &jn->q[jn->qhead] : NULL;

	if (jn->nheap == 0)
		return q;
	if (q == NULL || item_less(&jn->heap[0], q))
		return &jn->heap[0];
	return q;
}

static struct mfm_join_heap
heap_pop(struct mfm_join *jn)
{
	struct mfm_join_heap top, last, *h = jn->heap;
	size_t i, c, n;

	if (jn->qlen > 0 && (jn->nheap == 0 ||
	    !item_less(&jn->heap[0], &jn->q[jn->qhead]))) {
		top = jn->q[jn->qhead++];
		if (--jn->qlen == 0)
			jn->qhead = 0;
		return top;
	}
	top = h[0];
	last = h[--jn->nheap];
	n = jn->nheap;
	for (i = 0; (c = 2 * i + 1) < n; i = c) {
		if (c + 1 < n && item_less(&h[c + 1], &h[c]))
			c++;
		if (!item_less(&h[c], &last))
			break;
		h[i] = h[c];
	}
	if (n > 0)
		h[i] = last;
	return top;
}

/* --- events --- */

static void
emit(struct mfm_join *jn, enum mfm_join_kind kind, const char *pred,
    size_t plen, int has_pt, int64_t pt, const char *out, size_t olen,
    int has_ot, int64_t ot)
{
	struct mfm_join_event ev;

	ev.kind = kind;
	ev.pred = pred;
	ev.plen = plen;
	ev.out = out;
	ev.olen = olen;
	ev.has_pt = has_pt;
	ev.pt = pt;
	ev.has_ot = has_ot;
	ev.ot = ot;
	jn->n[kind]++;
	jn->emit(jn->arg, &ev);
}

static int64_t
deadline(int has_t, int64_t t, int64_t horizon)
{
	if (!has_t || horizon < 0 || t > INT64_MAX - horizon)
		return INT64_MAX;
	return t + horizon;
}

static int64_t
ttl_deadline(const struct mfm_join *jn, int has_t, int64_t t)
{
	return deadline(has_t, t, jn->o.ttl > 0 ? jn->o.ttl : -1);
}

/* --- id entries --- */

static const char *
ent_key(const struct mfm_join_ent *e)
{
	return e->klen > KEY_INLINE ? e->key.p : e->key.in;
}

static uint32_t
key_tag(const char *key, size_t len)
{
	return (uint32_t)(mfm_keymap_hash(key, len) >> 32);
}

/* The slot of key: where it is, or the empty slot where it would go. */
static size_t
id_probe(const struct mfm_join *jn, const char *key, size_t len,
    uint32_t tag)
{
	size_t mask = jn->ntab - 1, i = tag & mask;
	const struct mfm_join_ent *e;

	for (;; i = (i + 1) & mask) {
		if (jn->tab[i].ent == 0)
			return i;
		if (jn->tab[i].tag != tag)
			continue;
		e = &jn->ent[jn->tab[i].ent - 1];
		if (e->klen == len && memcmp(ent_key(e), key, len) == 0)
			return i;
	}
}

/* Room for one more key: double the table at half full. */
static void
id_reserve(struct mfm_join *jn)
{
	struct mfm_join_slot *old = jn->tab;
	size_t i, j, mask, oldn = jn->ntab;

	if ((jn->nkeys + 1) * 2 <= jn->ntab)
		return;
	jn->ntab = oldn ? oldn * 2 : 1024;
	jn->tab = mfm_xcalloc(jn->ntab, sizeof(*jn->tab));
	mask = jn->ntab - 1;
	for (i = 0; i < oldn; i++) {
		if (old[i].ent == 0)
			continue;
		for (j = old[i].tag & mask; jn->tab[j].ent != 0;
		    j = (j + 1) & mask)
			;
		jn->tab[j] = old[i];
	}
	free(old);
}

/* Take e's key out of the table, closing the gap in its probe run. */
static void
id_remove(struct mfm_join *jn, const struct mfm_join_ent *e)
{
	size_t mask = jn->ntab - 1, i, j, home;
	uint32_t idx = (uint32_t)(e - jn->ent) + 1;

	for (i = e->tag & mask; jn->tab[i].ent != idx; i = (i + 1) & mask)
		;
	for (j = i;;) {
		jn->tab[i].ent = 0;
		for (;;) {
			j = (j + 1) & mask;
			if (jn->tab[j].ent == 0)
				goto out;
			home = jn->tab[j].tag & mask;
			/* Stays when its home lies cyclically in (i, j]. */
			if (i <= j ? (home <= i || home > j) :
			    (home <= i && home > j))
				break;
		}
		jn->tab[i] = jn->tab[j];
		i = j;
	}
out:
	jn->nkeys--;
}

/*
 * A new entry for key, which id_probe put at slot i (id_reserve came
 * first).
 */
static struct mfm_join_ent *
ent_new(struct mfm_join *jn, size_t i, const char *key, size_t len,
    uint32_t tag)
{
	struct mfm_join_ent *e;
	uint32_t gen;
	size_t k;

	if (jn->nfree > 0) {
		/* A reused entry starts clean; only its generation goes on. */
		k = jn->freelist[--jn->nfree];
		gen = jn->ent[k].gen;
		memset(&jn->ent[k], 0, sizeof(jn->ent[k]));
		jn->ent[k].gen = gen;
	} else {
		if (jn->nent == jn->capent) {
			jn->capent = jn->capent ? jn->capent * 2 : 1024;
			jn->ent = mfm_xreallocarray(jn->ent, jn->capent,
			    sizeof(*jn->ent));
		}
		k = jn->nent++;
		memset(&jn->ent[k], 0, sizeof(jn->ent[k]));
	}
	e = &jn->ent[k];
	e->klen = (uint32_t)len;
	e->tag = tag;
	if (len > KEY_INLINE)
		e->key.p = mfm_slab_dup(&jn->slab, key, len);
	else if (len > 0)
		memcpy(e->key.in, key, len);
	jn->tab[i].tag = tag;
	jn->tab[i].ent = (uint32_t)k + 1;
	jn->nkeys++;
	jn->pending++;
	return e;
}

static void
ent_kill(struct mfm_join *jn, struct mfm_join_ent *e)
{
	size_t i = (size_t)(e - jn->ent);

	id_remove(jn, e);
	ent_free(jn, e);
	e->st = ST_FREE;
	e->gen++;
	e->queued = 0;
	jn->pending--;
	if (jn->nfree == jn->capfree) {
		jn->capfree = jn->capfree ? jn->capfree * 2 : 1024;
		jn->freelist = mfm_xreallocarray(jn->freelist, jn->capfree,
		    sizeof(*jn->freelist));
	}
	jn->freelist[jn->nfree++] = i;
}

static void
ent_schedule(struct mfm_join *jn, struct mfm_join_ent *e, int64_t when)
{
	if (e->queued && e->when == when)
		return;		/* the live item stands */
	e->gen++;
	e->when = when;
	e->queued = 1;
	heap_push(jn, when, IT_ID, (size_t)(e - jn->ent), e->gen);
}

static int
same_label(const struct mfm_join_ent *e, const struct mfm_join_rec *r)
{
	if (!e->has_label || r->label == NULL)
		return !e->has_label && r->label == NULL;
	return e->llen == r->llen && memcmp(ent_label(e), r->label,
	    r->llen) == 0;
}

static void
keep_label(struct mfm_join *jn, struct mfm_join_ent *e, const char *l,
    size_t n)
{
	label_free(jn, e);
	e->has_label = l != NULL;
	if (l != NULL) {
		if (n > LABEL_INLINE)
			e->label.p = mfm_slab_dup(&jn->slab, l, n);
		else
			memcpy(e->label.in, l, n);
		e->llen = (uint32_t)n;
	}
}

/* Hold a copy of the record r as e's prediction or outcome. */
static void
hold(struct mfm_join *jn, char **p, uint32_t *len,
    const struct mfm_join_rec *r)
{
	*p = mfm_slab_dup(&jn->slab, r->raw, r->len);
	*len = (uint32_t)r->len;
}

static void
unhold(struct mfm_join *jn, char **p, uint32_t *len)
{
	mfm_slab_free(&jn->slab, *p, *len);
	*p = NULL;
	*len = 0;
}

/*
 * Emit the match of e's prediction and outcome, one of them given as the
 * record r that just arrived (not copied); e becomes DONE.
 */
static void
ent_match(struct mfm_join *jn, struct mfm_join_ent *e,
    const struct mfm_join_rec *r, int r_is_out)
{
	if (r_is_out) {
		keep_label(jn, e, r->label, r->llen);
		emit(jn, MFM_JOIN_MATCHED, e->pred, e->plen, e->has_pt,
		    e->pt, r->raw, r->len, r->has_time, r->time);
	} else
		emit(jn, MFM_JOIN_MATCHED, r->raw, r->len, r->has_time,
		    r->time, e->out, e->olen, e->has_ot, e->ot);
	if (!r_is_out) {
		e->has_pt = r->has_time != 0;
		e->pt = r->time;
	}
	jn->nused++;
	unhold(jn, &e->pred, &e->plen);
	unhold(jn, &e->out, &e->olen);
	e->st = ST_DONE;
	ent_schedule(jn, e, ttl_deadline(jn, e->has_pt, e->pt));
}

/* An extra outcome for e: a duplicate or a conflict, or an error. */
static int
extra_outcome(struct mfm_join *jn, struct mfm_join_ent *e,
    const struct mfm_join_rec *r, struct mfm_err *err)
{
	enum mfm_join_kind k;

	if (jn->o.keep == MFM_JOIN_KEEP_ERROR)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "another outcome for a key already joined");
	jn->nout++;
	k = same_label(e, r) ? MFM_JOIN_DUPLICATE : MFM_JOIN_CONFLICT;
	if (jn->o.keep == MFM_JOIN_KEEP_LAST && e->st != ST_DONE) {
		/* The newer outcome replaces the held one. */
		emit(jn, k, NULL, 0, 0, 0, e->out, e->olen, e->has_ot, e->ot);
		unhold(jn, &e->out, &e->olen);
		hold(jn, &e->out, &e->olen, r);
		e->has_ot = r->has_time != 0;
		e->ot = r->time;
		keep_label(jn, e, r->label, r->llen);
		if (e->st == ST_OUT)
			ent_schedule(jn, e, ttl_deadline(jn, e->has_ot,
			    e->ot));
		return 0;
	}
	emit(jn, k, NULL, 0, 0, 0, r->raw, r->len, r->has_time, r->time);
	return 0;
}

static int
full(const struct mfm_join *jn, struct mfm_err *err)
{
	if (jn->pending < jn->o.max_pending)
		return 0;
	return mfm_err_set(err, MFM_ERR_LIMIT,
	    "more than %zu records pending (--max-pending)",
	    jn->o.max_pending);
}

void
mfm_join_hash(struct mfm_join_rec *r)
{
	if (r->key != NULL) {
		r->hash = key_tag(r->key, r->klen);
		r->hashed = 1;
	}
}

void
mfm_join_prefetch(const struct mfm_join *jn, struct mfm_join_rec *r)
{
	if (r->key == NULL)
		return;
	if (!r->hashed)
		mfm_join_hash(r);
	if (jn->ntab > 0)
		__builtin_prefetch(&jn->tab[r->hash & (jn->ntab - 1)]);
}

/* The entry r's key seems to have (its tag matches), or NULL. */
static const struct mfm_join_ent *
ent_guess(const struct mfm_join *jn, const struct mfm_join_rec *r)
{
	size_t mask = jn->ntab - 1, i, k;

	if (!r->hashed || jn->ntab == 0)
		return NULL;
	for (i = r->hash & mask, k = 0; k < 4 && jn->tab[i].ent != 0;
	    i = (i + 1) & mask, k++)
		if (jn->tab[i].tag == r->hash)
			return &jn->ent[jn->tab[i].ent - 1];
	return NULL;
}

void
mfm_join_prefetch_entry(const struct mfm_join *jn,
    const struct mfm_join_rec *r)
{
	const struct mfm_join_ent *e = ent_guess(jn, r);

	if (e != NULL) {
		__builtin_prefetch(e);
		__builtin_prefetch(&e->pred);
	}
}

void
mfm_join_prefetch_held(const struct mfm_join *jn,
    const struct mfm_join_rec *r)
{
	const struct mfm_join_ent *e = ent_guess(jn, r);

	if (e != NULL && e->pred != NULL) {
		__builtin_prefetch(e->pred);
		__builtin_prefetch(e->pred + e->plen - 1);
	}
}

/* The entry of r's key; NULL with *slot where a new one goes. */
static struct mfm_join_ent *
id_lookup(struct mfm_join *jn, const struct mfm_join_rec *r, size_t *slot,
    uint32_t *tag)
{
	id_reserve(jn);
	*tag = r->hashed ? r->hash : key_tag(r->key, r->klen);
	*slot = id_probe(jn, r->key, r->klen, *tag);
	return jn->tab[*slot].ent ? &jn->ent[jn->tab[*slot].ent - 1] : NULL;
}

static int
id_prediction(struct mfm_join *jn, const struct mfm_join_rec *r,
    struct mfm_err *err)
{
	struct mfm_join_ent *e;
	size_t slot;
	uint32_t tag;

	if ((e = id_lookup(jn, r, &slot, &tag)) != NULL) {
		jn->npred++;
		if (e->st != ST_OUT) {
			emit(jn, MFM_JOIN_DUPLICATE_ID, r->raw, r->len,
			    r->has_time, r->time, NULL, 0, 0, 0);
			return 0;
		}
		if (jn->o.keep != MFM_JOIN_KEEP_LAST) {
			ent_match(jn, e, r, 0);
			return 0;
		}
		hold(jn, &e->pred, &e->plen, r);
		e->has_pt = r->has_time != 0;
		e->pt = r->time;
		e->st = ST_HELD;
		ent_schedule(jn, e, ttl_deadline(jn, e->has_pt, e->pt));
		return 0;
	}
	if (full(jn, err))
		return -1;
	jn->npred++;
	e = ent_new(jn, slot, r->key, r->klen, tag);
	e->st = ST_PRED;
	hold(jn, &e->pred, &e->plen, r);
	e->has_pt = r->has_time != 0;
	e->pt = r->time;
	ent_schedule(jn, e, ttl_deadline(jn, e->has_pt, e->pt));
	return 0;
}

static int
id_outcome(struct mfm_join *jn, const struct mfm_join_rec *r,
    struct mfm_err *err)
{
	struct mfm_join_ent *e;
	size_t slot;
	uint32_t tag;

	if ((e = id_lookup(jn, r, &slot, &tag)) != NULL) {
		if (e->st != ST_PRED)
			return extra_outcome(jn, e, r, err);
		jn->nout++;
		if (jn->o.keep != MFM_JOIN_KEEP_LAST) {
			ent_match(jn, e, r, 1);
			return 0;
		}
		hold(jn, &e->out, &e->olen, r);
		e->has_ot = r->has_time != 0;
		e->ot = r->time;
		keep_label(jn, e, r->label, r->llen);
		e->st = ST_HELD;
		return 0;	/* the prediction's deadline stands */
	}
	if (full(jn, err))
		return -1;
	jn->nout++;
	e = ent_new(jn, slot, r->key, r->klen, tag);
	e->st = ST_OUT;
	hold(jn, &e->out, &e->olen, r);
	e->has_ot = r->has_time != 0;
	e->ot = r->time;
	keep_label(jn, e, r->label, r->llen);
	ent_schedule(jn, e, ttl_deadline(jn, e->has_ot, e->ot));
	return 0;
}

/* An id entry's deadline came, or input ended (final). */
static void
id_decide(struct mfm_join *jn, struct mfm_join_ent *e, int final)
{
	switch (e->st) {
	case ST_PRED:
		emit(jn, final ? MFM_JOIN_UNMATCHED : MFM_JOIN_EXPIRED,
		    e->pred, e->plen, e->has_pt, e->pt, NULL, 0, 0, 0);
		break;
	case ST_OUT:
		emit(jn, MFM_JOIN_ORPHAN, NULL, 0, 0, 0, e->out, e->olen,
		    e->has_ot, e->ot);
		break;
	case ST_HELD:
		emit(jn, MFM_JOIN_MATCHED, e->pred, e->plen, e->has_pt, e->pt,
		    e->out, e->olen, e->has_ot, e->ot);
		jn->nused++;
		break;
	}
	ent_kill(jn, e);
}

/* --- as-of --- */

static size_t
arec_new(struct mfm_join *jn, const struct mfm_join_rec *r, size_t entity,
    int is_out)
{
	struct mfm_join_arecs *a = arecs_of(jn);
	struct mfm_join_arec *x;
	size_t i;

	if (a->nfree > 0)
		i = a->freel[--a->nfree];
	else {
		if (a->n == a->cap) {
			a->cap = a->cap ? a->cap * 2 : 1024;
			a->r = mfm_xreallocarray(a->r, a->cap, sizeof(*a->r));
		}
		i = a->n++;
		memset(&a->r[i], 0, sizeof(a->r[i]));
	}
	a->last = i;
	x = &a->r[i];
	x->raw = mfm_slab_dup(&jn->slab, r->raw, r->len);
	x->len = r->len;
	x->t = r->time;
	x->entity = entity;
	x->is_out = is_out != 0;
	x->used = 0;
	x->live = 1;
	jn->pending++;
	return i;
}

static void
arec_kill(struct mfm_join *jn, size_t i)
{
	struct mfm_join_arecs *a = arecs_of(jn);

	mfm_slab_free(&jn->slab, a->r[i].raw, a->r[i].len);
	a->r[i].raw = NULL;
	a->r[i].live = 0;
	a->r[i].gen++;
	jn->pending--;
	if (a->nfree == a->capfree) {
		a->capfree = a->capfree ? a->capfree * 2 : 1024;
		a->freel = mfm_xreallocarray(a->freel, a->capfree,
		    sizeof(*a->freel));
	}
	a->freel[a->nfree++] = i;
}

static size_t
entity_of(struct mfm_join *jn, const struct mfm_join_rec *r)
{
	size_t *v;
	int isnew;

	v = mfm_keymap_put(&jn->ents, r->ent, r->elen, &isnew);
	if (isnew) {
		if (jn->nasof == jn->capasof) {
			jn->capasof = jn->capasof ? jn->capasof * 2 : 256;
			jn->asof = mfm_xreallocarray(jn->asof, jn->capasof,
			    sizeof(*jn->asof));
		}
		memset(&jn->asof[jn->nasof], 0, sizeof(jn->asof[0]));
		*v = ++jn->nasof;
	}
	return *v - 1;
}

/* How long after its time a prediction's match is final. */
static int64_t
asof_horizon(const struct mfm_join *jn)
{
	if (jn->o.dir == MFM_JOIN_BACKWARD)
		return 0;
	if (jn->o.tolerance >= 0)
		return jn->o.tolerance;
	return jn->o.ttl > 0 ? jn->o.ttl : -1;
}

/* How long after its time an outcome may still serve a prediction. */
static int64_t
asof_reach(const struct mfm_join *jn)
{
	int64_t h = asof_horizon(jn), w;

	w = jn->o.tolerance >= 0 ? jn->o.tolerance :
	    jn->o.ttl > 0 ? jn->o.ttl : -1;
	if (h < 0 || w < 0 || h > INT64_MAX - w)
		return -1;
	return h + w;
}

static int
asof_need_time(const struct mfm_join_rec *r, struct mfm_err *err)
{
	if (r->has_time)
		return 0;
	return mfm_err_set(err, MFM_ERR_DATA, "as-of join needs a time");
}

static int
asof_prediction(struct mfm_join *jn, const struct mfm_join_rec *r,
    struct mfm_err *err)
{
	struct mfm_join_arecs *a = arecs_of(jn);
	size_t i, ent;

	if (asof_need_time(r, err) || full(jn, err))
		return -1;
	jn->npred++;
	ent = entity_of(jn, r);
	i = arec_new(jn, r, ent, 0);
	heap_push(jn, deadline(1, r->time, asof_horizon(jn)), IT_APRED,
	    i, a->r[i].gen);
	return 0;
}

static int
asof_outcome(struct mfm_join *jn, const struct mfm_join_rec *r,
    struct mfm_err *err)
{
	struct mfm_join_arecs *a = arecs_of(jn);
	struct mfm_join_asof *e;
	size_t i, k;

	if (asof_need_time(r, err) || full(jn, err))
		return -1;
	jn->nout++;
	k = entity_of(jn, r);	/* may move jn->asof */
	e = &jn->asof[k];
	i = arec_new(jn, r, k, 1);
	if (e->nout == e->capout) {
		e->capout = e->capout ? e->capout * 2 : 4;
		e->out = mfm_xreallocarray(e->out, e->capout,
		    sizeof(*e->out));
	}
	/* Insert after every outcome not later than this one. */
	for (k = e->nout; k > 0 && a->r[e->out[k - 1]].t > r->time; k--)
		e->out[k] = e->out[k - 1];
	e->out[k] = i;
	e->nout++;
	heap_push(jn, deadline(1, r->time, asof_reach(jn)), IT_AOUT, i,
	    a->r[i].gen);
	return 0;
}

/* The outcome for a prediction at t, as merge_asof picks it; -1 none. */
static long
asof_pick(struct mfm_join *jn, const struct mfm_join_asof *e, int64_t t)
{
	struct mfm_join_arecs *a = arecs_of(jn);
	size_t lo = 0, hi = e->nout, mid;
	long b = -1, f = -1;
	int64_t tol = jn->o.tolerance, bd = 0, fd = 0;

	/* lo: the first outcome later than t */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (a->r[e->out[mid]].t <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (jn->o.dir != MFM_JOIN_FORWARD && lo > 0) {
		size_t k = lo - 1;

		if (!jn->o.exact)
			while (a->r[e->out[k]].t == t && k > 0)
				k--;
		if (a->r[e->out[k]].t < t ||
		    (jn->o.exact && a->r[e->out[k]].t == t)) {
			bd = t - a->r[e->out[k]].t;
			if (tol < 0 || bd <= tol)
				b = (long)k;
		}
	}
	if (jn->o.dir != MFM_JOIN_BACKWARD) {
		size_t k = lo;

		/* the first outcome at t or later (at t only if exact) */
		if (jn->o.exact)
			while (k > 0 && a->r[e->out[k - 1]].t == t)
				k--;
		if (k < e->nout) {
			fd = a->r[e->out[k]].t - t;
			if (tol < 0 || fd <= tol)
				f = (long)k;
		}
	}
	if (b >= 0 && f >= 0)
		return bd <= fd ? b : f;
	return b >= 0 ? b : f;
}

static void
asof_decide_pred(struct mfm_join *jn, size_t i)
{
	struct mfm_join_arecs *a = arecs_of(jn);
	struct mfm_join_arec *p = &a->r[i], *o;
	const struct mfm_join_asof *e = &jn->asof[p->entity];
	long k = asof_pick(jn, e, p->t);

	if (k < 0)
		emit(jn, MFM_JOIN_UNMATCHED, p->raw, p->len, 1, p->t, NULL,
		    0, 0, 0);
	else {
		o = &a->r[e->out[k]];
		o->used = 1;
		emit(jn, MFM_JOIN_MATCHED, p->raw, p->len, 1, p->t, o->raw,
		    o->len, 1, o->t);
	}
	arec_kill(jn, i);
}

static void
asof_drop_out(struct mfm_join *jn, size_t i)
{
	struct mfm_join_arecs *a = arecs_of(jn);
	struct mfm_join_arec *o = &a->r[i];
	struct mfm_join_asof *e = &jn->asof[o->entity];
	size_t k;

	for (k = 0; k < e->nout && e->out[k] != i; k++)
		;
	if (k < e->nout) {
		memmove(e->out + k, e->out + k + 1,
		    (e->nout - k - 1) * sizeof(*e->out));
		e->nout--;
	}
	if (o->used)
		jn->nused++;
	else
		emit(jn, MFM_JOIN_ORPHAN, NULL, 0, 0, 0, o->raw, o->len, 1,
		    o->t);
	arec_kill(jn, i);
}

/* --- time --- */

/* Pop and decide every item due before wm (all of them when final). */
static void
advance(struct mfm_join *jn, int64_t wm, int final)
{
	struct mfm_join_arecs *a = arecs_of(jn);
	struct mfm_join_heap it;

	const struct mfm_join_heap *top, *ahead;
	const struct mfm_join_ent *e;

	while ((top = heap_top(jn)) != NULL && (final || top->when < wm)) {
		/*
		 * Entries fall due long after they were last touched, so
		 * deciding one waits on memory three times: the entry, its
		 * table slot, its record.  Start those loads a few items
		 * ahead in the ordered queue, in two steps, since the slot
		 * and the record are found in the entry.  (In line: GCC
		 * drops calls to a static function that only prefetches.)
		 */
		if (jn->qlen > 8 &&
		    (ahead = &jn->q[jn->qhead + 8])->type == IT_ID) {
			e = &jn->ent[ahead->idx];
			__builtin_prefetch(e);
			__builtin_prefetch(&e->pred);	/* the next line */
		}
		if (jn->qlen > 4 &&
		    (ahead = &jn->q[jn->qhead + 4])->type == IT_ID) {
			e = &jn->ent[ahead->idx];
			__builtin_prefetch(&jn->tab[e->tag & (jn->ntab - 1)]);
			if (e->pred != NULL)
				__builtin_prefetch(e->pred + e->plen - 1);
		}
		it = heap_pop(jn);
		switch (it.type) {
		case IT_ID:
			if (jn->ent[it.idx].gen == it.gen &&
			    jn->ent[it.idx].st != ST_FREE)
				id_decide(jn, &jn->ent[it.idx], final);
			break;
		case IT_APRED:
			if (a->r[it.idx].gen == it.gen && a->r[it.idx].live)
				asof_decide_pred(jn, it.idx);
			break;
		case IT_AOUT:
			if (a->r[it.idx].gen == it.gen && a->r[it.idx].live)
				asof_drop_out(jn, it.idx);
			break;
		}
	}
}

static void
tick(struct mfm_join *jn, const struct mfm_join_rec *r)
{
	int64_t wm;

	if (r->has_time && (!jn->has_max || r->time > jn->max_time)) {
		jn->has_max = 1;
		jn->max_time = r->time;
	}
	if (!jn->has_max)
		return;
	wm = jn->max_time - jn->o.lateness;
	advance(jn, wm, 0);
}

int
mfm_join_prediction(struct mfm_join *jn, const struct mfm_join_rec *r,
    struct mfm_err *err)
{
	/*
	 * The watermark moves first: an outcome later than its
	 * prediction's time plus the TTL finds the prediction expired.
	 */
	tick(jn, r);
	return r->key != NULL ? id_prediction(jn, r, err) :
	    asof_prediction(jn, r, err);
}

int
mfm_join_outcome(struct mfm_join *jn, const struct mfm_join_rec *r,
    struct mfm_err *err)
{
	tick(jn, r);
	return r->key != NULL ? id_outcome(jn, r, err) :
	    asof_outcome(jn, r, err);
}

void
mfm_join_observe(struct mfm_join *jn, const struct mfm_join_rec *r)
{
	tick(jn, r);
}

uint64_t
mfm_join_shard(const char *key, size_t len, uint64_t n)
{
	uint64_t h = UINT64_C(14695981039346656037);
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)key[i]) * UINT64_C(1099511628211);
	return h % n;
}

int
mfm_join_hold(const struct mfm_join *jn, int id, int asof, int64_t *hold)
{
	int64_t h;

	*hold = 0;
	if (id) {
		if (jn->o.ttl <= 0)
			return -1;
		*hold = jn->o.ttl;
	}
	if (asof) {
		if ((h = asof_horizon(jn)) < 0)
			return -1;
		if (h > *hold)
			*hold = h;
	}
	return 0;
}

void
mfm_join_drain(struct mfm_join *jn)
{
	advance(jn, 0, 1);
}

void
mfm_join_pending(const struct mfm_join *jn, uint64_t *npred, uint64_t *nout)
{
	const struct mfm_join_arecs *a = jn->arecs;
	size_t i;

	*npred = *nout = 0;
	for (i = 0; i < jn->nent; i++) {
		uint8_t st = jn->ent[i].st;

		*npred += st == ST_PRED || st == ST_HELD;
		*nout += st == ST_OUT || st == ST_HELD;
	}
	for (i = 0; i < a->n; i++)
		if (a->r[i].live) {
			*npred += !a->r[i].is_out;
			*nout += a->r[i].is_out;
		}
}

/* --- state file --- */

static void
put_hex(struct mfm_buf *b, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	mfm_buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		mfm_buf_addc(b, hex[(unsigned char)p[i] >> 4]);
		mfm_buf_addc(b, hex[(unsigned char)p[i] & 15]);
	}
	mfm_buf_addc(b, '"');
}

static void
put_time(struct mfm_buf *b, const char *name, int has, int64_t t)
{
	mfm_buf_addf(b, ",\"%s\":", name);
	if (has)
		mfm_json_put_int64(b, t);
	else
		mfm_buf_adds(b, "null");
}

static int
item_cmp(const void *a, const void *b)
{
	return item_less(a, b) ? -1 : item_less(b, a) ? 1 : 0;
}

/* Entity keys by entity index, for the state file. */
struct ekeys {
	const char **p;
	size_t *n;
};

static void
state_line(const struct mfm_join *jn, const struct mfm_join_heap *it,
    const struct ekeys *ek, struct mfm_buf *b)
{
	const struct mfm_join_arecs *a = jn->arecs;
	static const char *const names[] = {
		"", "pred", "out", "held", "done"
	};
	const struct mfm_join_ent *e;
	const struct mfm_join_arec *x;

	if (it->type == IT_ID) {
		e = &jn->ent[it->idx];
		if (e->gen != it->gen || e->st == ST_FREE)
			return;
		mfm_buf_addf(b, "{\"st\":\"%s\",\"k\":", names[e->st]);
		put_hex(b, ent_key(e), e->klen);
		if (e->st != ST_OUT)
			put_time(b, "pt", e->has_pt, e->pt);
		if (e->pred != NULL) {
			mfm_buf_adds(b, ",\"p\":");
			mfm_buf_add(b, e->pred, e->plen);
		}
		if (e->st == ST_OUT || e->st == ST_HELD) {
			put_time(b, "ot", e->has_ot, e->ot);
			mfm_buf_adds(b, ",\"o\":");
			mfm_buf_add(b, e->out, e->olen);
		}
		if (e->has_label) {
			mfm_buf_adds(b, ",\"l\":");
			mfm_buf_add(b, ent_label(e), e->llen);
		}
	} else {
		x = &a->r[it->idx];
		if (x->gen != it->gen || !x->live)
			return;
		mfm_buf_addf(b, "{\"st\":\"%s\",\"k\":", x->is_out ?
		    "aout" : "apred");
		put_hex(b, ek->p[x->entity], ek->n[x->entity]);
		put_time(b, "t", 1, x->t);
		mfm_buf_addf(b, ",\"used\":%s,\"r\":", x->used ? "true" :
		    "false");
		mfm_buf_add(b, x->raw, x->len);
	}
	mfm_buf_adds(b, "}\n");
}

/* Write out what b holds and empty it. */
static int
put_piece(struct mfm_state *st, struct mfm_buf *b, struct mfm_err *err)
{
	int rc = mfm_state_add(st, b->p, b->len, err);

	mfm_buf_clear(b);
	return rc;
}

int
mfm_join_save(const struct mfm_join *jn, struct mfm_state *st,
    const char *fingerprint, const struct mfm_buf *head, struct mfm_err *err)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct mfm_join_heap *items;
	struct ekeys ek;
	size_t i, nitems;
	int rc = -1;

	ek.p = mfm_xcalloc(jn->nasof + 1, sizeof(*ek.p));
	ek.n = mfm_xcalloc(jn->nasof + 1, sizeof(*ek.n));
	for (i = 0; i < jn->ents.nslot; i++)
		if (jn->ents.slot[i].used) {
			size_t v = jn->ents.slot[i].value - 1;

			ek.p[v] = jn->ents.arena + jn->ents.slot[i].off;
			ek.n[v] = jn->ents.slot[i].len;
		}
	/* Heap order, so that a reload decides in the same order. */
	nitems = jn->nheap + jn->qlen;
	items = mfm_xreallocarray(NULL, nitems + 1, sizeof(*items));
	if (jn->nheap > 0)
		memcpy(items, jn->heap, jn->nheap * sizeof(*items));
	if (jn->qlen > 0)
		memcpy(items + jn->nheap, jn->q + jn->qhead,
		    jn->qlen * sizeof(*items));
	qsort(items, nitems, sizeof(*items), item_cmp);

	/*
	 * The body is written in pieces, so that it is never held twice in
	 * memory; lib/state.c puts the header and the checked trailer
	 * around it and replaces the file crash-safe.
	 */
	if (mfm_state_begin(st, err) != 0)
		goto out;
	if (head != NULL)
		mfm_buf_add(&b, head->p, head->len);
	mfm_buf_addf(&b, "{\"mfm_join_state\":%d,\"options\":",
	    MFM_JOIN_STATE_VERSION);
	mfm_json_put_str(&b, fingerprint, strlen(fingerprint));
	put_time(&b, "max_time", jn->has_max, jn->max_time);
	mfm_buf_adds(&b, "}\n");
	for (i = 0; i < nitems; i++) {
		state_line(jn, &items[i], &ek, &b);
		if (b.len >= (1u << 16) && put_piece(st, &b, err) != 0)
			goto out;
	}
	if (put_piece(st, &b, err) != 0)
		goto out;
	rc = mfm_state_commit(st, err);
out:
	free(items);
	free(ek.p);
	free(ek.n);
	mfm_buf_release(&b);
	return rc;
}

/* --- loading --- */

static int
unhex(const struct mfm_json *j, int t, struct mfm_buf *out)
{
	const char *s;
	size_t n, i;
	int hi, lo;

	mfm_buf_clear(out);
	if (mfm_json_type_of(j, t) != MFM_JSON_STRING)
		return -1;
	s = mfm_json_raw(j, t, &n);
	s++;
	n -= 2;
	if (n % 2 != 0)
		return -1;
	/*
	 * Never a NULL key, even an empty one (the one entity of an as-of
	 * join without --by): it is hashed and compared with memcmp.
	 */
	mfm_buf_grow(out, n / 2 + 1);
	for (i = 0; i < n; i += 2) {
		hi = s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10 :
		    s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1;
		lo = s[i + 1] >= 'a' && s[i + 1] <= 'f' ? s[i + 1] - 'a' + 10 :
		    s[i + 1] >= '0' && s[i + 1] <= '9' ? s[i + 1] - '0' : -1;
		if (hi < 0 || lo < 0)
			return -1;
		mfm_buf_addc(out, (char)(hi << 4 | lo));
	}
	return 0;
}

/* A time member: 1 set, 0 null, -1 bad or missing. */
static int
get_time(const struct mfm_json *j, const char *name, int64_t *t)
{
	int k = mfm_json_member(j, 0, name, strlen(name));

	if (mfm_json_type_of(j, k) == MFM_JSON_NULL)
		return 0;
	if (k < 0 || mfm_json_int64(j, k, t) != 0)
		return -1;
	return 1;
}

static const char *
get_obj(const struct mfm_json *j, const char *name, size_t *n)
{
	int k = mfm_json_member(j, 0, name, strlen(name));

	if (mfm_json_type_of(j, k) != MFM_JSON_OBJECT)
		return NULL;
	return mfm_json_raw(j, k, n);
}

static int
load_line(struct mfm_join *jn, const struct mfm_json *j, struct mfm_buf *key)
{
	struct mfm_join_arecs *a = jn->arecs;
	struct mfm_join_rec r;
	struct mfm_join_ent *e;
	struct mfm_err err;
	int st, hp, ho, k;
	int64_t pt = 0, ot = 0;
	size_t slot;
	uint32_t tag;
	const char *name;
	size_t n;

	k = mfm_json_member(j, 0, "st", 2);
	if (mfm_json_type_of(j, k) != MFM_JSON_STRING ||
	    unhex(j, mfm_json_member(j, 0, "k", 1), key) != 0)
		return -1;
	name = mfm_json_raw(j, k, &n);
	memset(&r, 0, sizeof(r));
	if (n == 7 && memcmp(name, "\"apred\"", 7) == 0) {
		r.ent = key->p;
		r.elen = key->len;
		if (get_time(j, "t", &r.time) != 1 ||
		    (r.raw = get_obj(j, "r", &r.len)) == NULL)
			return -1;
		r.has_time = 1;
		if (asof_prediction(jn, &r, &err) != 0)
			return -1;
		jn->npred--;
		jn->nload_pred++;
		return 0;
	}
	if (n == 6 && memcmp(name, "\"aout\"", 6) == 0) {
		r.ent = key->p;
		r.elen = key->len;
		if (get_time(j, "t", &r.time) != 1 ||
		    (r.raw = get_obj(j, "r", &r.len)) == NULL)
			return -1;
		r.has_time = 1;
		if (asof_outcome(jn, &r, &err) != 0)
			return -1;
		jn->nout--;
		jn->nload_out++;
		k = mfm_json_member(j, 0, "used", 4);
		if (mfm_json_type_of(j, k) == MFM_JSON_TRUE)
			a->r[a->last].used = 1;
		return 0;
	}
	if (n == 6 && memcmp(name, "\"pred\"", 6) == 0)
		st = ST_PRED;
	else if (n == 5 && memcmp(name, "\"out\"", 5) == 0)
		st = ST_OUT;
	else if (n == 6 && memcmp(name, "\"held\"", 6) == 0)
		st = ST_HELD;
	else if (n == 6 && memcmp(name, "\"done\"", 6) == 0)
		st = ST_DONE;
	else
		return -1;
	hp = ho = 0;
	if (st != ST_OUT && (hp = get_time(j, "pt", &pt)) < 0)
		return -1;
	if ((st == ST_OUT || st == ST_HELD) &&
	    (ho = get_time(j, "ot", &ot)) < 0)
		return -1;
	r.key = key->p;
	r.klen = key->len;
	if (id_lookup(jn, &r, &slot, &tag) != NULL)
		return -1;	/* a key twice */
	e = ent_new(jn, slot, r.key, r.klen, tag);
	e->st = (uint8_t)st;
	e->has_pt = hp == 1;
	e->pt = pt;
	e->has_ot = ho == 1;
	e->ot = ot;
	if (st == ST_PRED || st == ST_HELD) {
		if ((name = get_obj(j, "p", &n)) == NULL)
			goto bad;
		e->pred = mfm_slab_dup(&jn->slab, name, n);
		e->plen = (uint32_t)n;
		jn->nload_pred++;
	}
	if (st == ST_OUT || st == ST_HELD) {
		if ((name = get_obj(j, "o", &n)) == NULL)
			goto bad;
		e->out = mfm_slab_dup(&jn->slab, name, n);
		e->olen = (uint32_t)n;
		jn->nload_out++;
	}
	k = mfm_json_member(j, 0, "l", 1);
	if (k >= 0) {
		name = mfm_json_raw(j, k, &n);
		keep_label(jn, e, name, n);
	}
	ent_schedule(jn, e, st == ST_OUT ? ttl_deadline(jn, e->has_ot, e->ot) :
	    ttl_deadline(jn, e->has_pt, e->pt));
	return 0;
bad:
	e->st = ST_PRED;
	ent_kill(jn, e);
	return -1;
}

int
mfm_join_load(struct mfm_join *jn, struct mfm_state *st,
    const char *fingerprint, size_t max_line, struct mfm_buf *head,
    struct mfm_err *err)
{
	struct mfm_json j;
	struct mfm_buf key = MFM_BUF_INIT;
	enum mfm_io_status rs;
	int64_t v, t;
	int k, rc = -1, ht, found;
	size_t n, hdr = 2, tag = sizeof(MFM_CHAIN_TAG) - 1;
	const char *s, *path = st->path;

	/* The whole file is checked before one line of it is used. */
	if (mfm_state_read(st, max_line, &found, err) != 0) {
		char msg[sizeof(err->msg)];
		int sys = err->sys;

		/* Name the file; kind and errno stay. */
		memcpy(msg, err->msg, sizeof(msg));
		mfm_err_set(err, err->kind, "%s: %s", path, msg);
		err->sys = sys;
		return -1;
	}
	if (!found)
		return 0;	/* the first run */
	mfm_json_init(&j);
	while ((rs = mfm_state_next(st, err)) != MFM_IO_EOF) {
		if (rs == MFM_IO_ERROR)
			goto out;
		if (rs == MFM_IO_LINE && st->lineno == 2 && st->len >= tag &&
		    memcmp(st->line, MFM_CHAIN_TAG, tag) == 0) {
			/* The caller's line, before the join's own. */
			if (head != NULL) {
				mfm_buf_add(head, st->line, st->len);
				mfm_buf_addc(head, '\n');
			}
			hdr = 3;
			continue;
		}
		if (rs == MFM_IO_BAD || mfm_json_parse(&j, st->line, st->len,
		    err) != 0 || j.tok[0].type != MFM_JSON_OBJECT) {
			mfm_err_set(err, MFM_ERR_DATA, "%s:%zu: corrupt state "
			    "file", path, st->lineno);
			goto out;
		}
		if (st->lineno == hdr) {
			k = mfm_json_member(&j, 0, "mfm_join_state", 14);
			if (k < 0 || mfm_json_int64(&j, k, &v) != 0) {
				mfm_err_set(err, MFM_ERR_DATA, "%s: not an "
				    "mfm-join state file", path);
				goto out;
			}
			if (v != MFM_JOIN_STATE_VERSION) {
				mfm_err_set(err, MFM_ERR_DATA, "%s: state "
				    "format %lld, this mfm-join reads %d",
				    path, (long long)v,
				    MFM_JOIN_STATE_VERSION);
				goto out;
			}
			k = mfm_json_member(&j, 0, "options", 7);
			s = mfm_json_str(&j, k, &n, &key);
			if (s == NULL || n != strlen(fingerprint) ||
			    memcmp(s, fingerprint, n) != 0) {
				mfm_err_set(err, MFM_ERR_USAGE, "%s: state "
				    "written for other join options (%.*s)",
				    path, s ? (int)n : 0, s ? s : "");
				goto out;
			}
			if ((ht = get_time(&j, "max_time", &t)) < 0) {
				mfm_err_set(err, MFM_ERR_DATA, "%s:%zu: corrupt "
				    "state file", path, hdr);
				goto out;
			}
			jn->has_max = ht;
			jn->max_time = t;
			continue;
		}
		if (load_line(jn, &j, &key) != 0) {
			mfm_err_set(err, MFM_ERR_DATA, "%s:%zu: corrupt state "
			    "file", path, st->lineno);
			goto out;
		}
	}
	if (st->lineno < hdr) {
		mfm_err_set(err, MFM_ERR_DATA, "%s: empty state body "
		    "(not written by mfm-join)", path);
		goto out;
	}
	rc = 0;
out:
	mfm_json_release(&j);
	mfm_buf_release(&key);
	return rc;
}
