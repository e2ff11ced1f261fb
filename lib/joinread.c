/*
 * The input side of mfm-join; see joinread.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"
#include "lib/joinread.h"
#include "lib/banned.h"

/*
 * Records are read a batch ahead: each is parsed, its key, time and label
 * taken, and its bytes kept in the batch's arena, and the engine is told
 * to start fetching where its key lives (mfm_join_prefetch), so that by
 * the time the merge hands it in the memory is there.  A batch never
 * waits for a live stream: it takes what is ready.
 *
 * When every input is a regular file (and no --rejects asks for the bad
 * lines whole), each is read by a thread of its own, RING batches (at
 * most RING_BYTES of them) ahead of the merge: reading and parsing, most
 * of mfm-join's work, then runs
 * on another core than the engine and the output.  A reading thread says
 * nothing: what it met (bad records, a read error) goes with the batch,
 * and the merge reports it when it takes the batch up, where reading in
 * line would have, so that messages, counts and output are the same.
 */
#define BATCH 16
#define RING 256
/*
 * What a ring holds is capped in bytes too (lines may be long), and a
 * batch that grew past KEEP_BYTES gives its memory back once taken.
 */
#define RING_BYTES (32u << 20)
#define KEEP_BYTES (64u << 10)

struct item {
	struct mfm_join_rec rec;	/* pointers set when the batch is full */
	size_t raw, key, ent, label, line;	/* offsets in the arena */
	size_t linelen, lineno;
	int out;			/* an outcome */
	int other;			/* another shard's: only its time */
};

/* Up to BATCH records of one input, and what reading them met. */
struct batch {
	struct item it[BATCH];
	size_t nit;
	struct mfm_buf arena;	/* the batch's bytes */
	/* With a reading thread: */
	struct mfm_buf bad;	/* bad records, as struct bad + message */
	uint64_t nread;		/* records read (mfm_cli.nread) */
	uint64_t nblank;	/* blank lines (mfm_cli.nblank) */
	uint64_t bytes;		/* bytes read for it (the progress line) */
	int eof;		/* the input ends after this batch */
	int fail;		/* a read error ends it: err */
	struct mfm_err err;
	int step;		/* prefetching done by the merge: see prefetch_to */
	size_t held;		/* its bytes, as counted in the ring's */
};

/* A bad record met by a reading thread; its message follows. */
struct bad {
	size_t lineno, col, len;
};

/* One input and the records read ahead from it. */
struct stream {
	struct mfm_reader r;
	struct mfm_json j;
	int kind;		/* 0 predictions, 1 outcomes, -1 mixed */
	int live;		/* a pipe, FIFO or terminal: polled */
	int eof;		/* the merge has seen the input end */
	struct batch *b;	/* the head batch */
	size_t cur;		/* the head is b->it[cur], while cur < b->nit */
	int head_out;		/* of the record being taken */
	struct mfm_join_rec rec;
	struct mfm_buf key, ent, picked;
	struct mfm_joinread *in;
	/* the field set's working memory and tokens, this reader's own */
	struct mfm_field_set fields;
	int *ftok;
	/* Read by a thread (threaded): the ring of batches it fills. */
	int threaded;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch *ring;
	size_t rhead, rcount;	/* taken by the merge / filled, in order */
	size_t rbytes;		/* held by the filled batches */
	int waiting;		/* one side sleeps on cv */
	int peof;		/* the thread has met the end */
	struct mfm_progress *progress;	/* the reader's, told by the merge */
	struct batch one;	/* without a thread: the only batch */
};

#define HEAD(s) ((s)->b != NULL && (s)->cur < (s)->b->nit)

/* Number a side's paths in the field set. */
static void
side_fields(struct mfm_joinread *in, struct mfm_joinread_side *sd)
{
	size_t i;

	sd->key_f = mfm_xcalloc(sd->nkey + 1, sizeof(*sd->key_f));
	for (i = 0; i < sd->nkey; i++)
		sd->key_f[i] = mfm_field_set_add(&in->fields, &sd->key[i]);
	sd->by_f = mfm_xcalloc(sd->nby + 1, sizeof(*sd->by_f));
	for (i = 0; i < sd->nby; i++)
		sd->by_f[i] = mfm_field_set_add(&in->fields, &sd->by[i]);
	if (sd->has_fallback)
		sd->fallback_f = mfm_field_set_add(&in->fields, &sd->fallback);
	sd->time_f = mfm_field_set_add(&in->fields, &sd->time);
	/* The picked top members follow each other: ftok + top_f. */
	sd->top_f = in->fields.n;
	for (i = 0; i < sd->pick.ntop; i++)
		mfm_field_set_add(&in->fields, &sd->pick.top[i]);
}

/*
 * The first key of p is looked into if a step follows it (steps such as
 * @json before it apply to the record itself).
 */
static void
add_deep(struct mfm_json_deep *d, const struct mfm_json_path *p)
{
	struct mfm_json_seg *seg = (struct mfm_json_seg *)d->seg;
	size_t k;

	for (k = 0; k < p->nseg && p->seg[k].op != MFM_JSON_STEP_KEY; k++)
		;
	if (k + 1 >= p->nseg)
		return;
	seg = mfm_xreallocarray(seg, d->n + 1, sizeof(*seg));
	seg[d->n++] = p->seg[k];
	d->seg = seg;
}

/*
 * Every path a record is read for (the label, each side's key, fallback,
 * entity, time and picked members) goes in one field set: one walk over
 * a record's members finds them all.  Records are parsed shallow: only
 * the top-level members that a path goes into get tokens for what they
 * hold (mfm_json's deep); a member picked whole is copied as written.
 */
void
mfm_joinread_init(struct mfm_joinread *in)
{
	size_t i;

	mfm_field_set_init(&in->fields);
	in->label_f = mfm_field_set_add(&in->fields, &in->label);
	side_fields(in, &in->ps);
	side_fields(in, &in->os);
	memset(&in->deep, 0, sizeof(in->deep));
	for (i = 0; i < in->fields.n; i++)
		add_deep(&in->deep, in->fields.path[i]);
	for (i = 0; i < in->ps.nsel; i++)
		add_deep(&in->deep, &in->ps.sel[i]);
	for (i = 0; i < in->os.nsel; i++)
		add_deep(&in->deep, &in->os.sel[i]);
}

void
mfm_joinread_hits(struct mfm_joinread *in, int what, int mixed)
{
	const struct mfm_joinread_side *sd;
	struct mfm_hits *h;
	size_t i;
	int k;

	in->label_given = (what & MFM_JOINREAD_LABEL) != 0;
	for (k = 0; k < 2; k++) {
		sd = k ? &in->os : &in->ps;
		h = in->hits[k] = mfm_hits_new(k ? "outcomes" : "predictions");
		/*
		 * With a fallback the key may be absent from every record
		 * (a caller that never sets it); the fallback must match.
		 */
		if (in->mode != MFM_JOINREAD_ASOF)
			for (i = 0; i < sd->nkey; i++)
				mfm_hits_add(h, k && (what & MFM_JOINREAD_OKEY) ?
				    "--outcome-key" : "--key", &sd->key[i],
				    sd->has_fallback ? MFM_HITS_OPTIONAL : 0,
				    sd->key_f[i]);
		if (sd->has_fallback)
			mfm_hits_add(h, "--key-fallback", &sd->fallback, 0,
			    sd->fallback_f);
		if (in->mode != MFM_JOINREAD_ID)
			for (i = 0; i < sd->nby; i++)
				mfm_hits_add(h, k && (what & MFM_JOINREAD_OBY) ?
				    "--outcome-by" : "--by", &sd->by[i], 0,
				    sd->by_f[i]);
		if (in->mode != MFM_JOINREAD_ID ||
		    (what & (k ? MFM_JOINREAD_OTIME : MFM_JOINREAD_TIME)))
			mfm_hits_add(h, k && (what & MFM_JOINREAD_OTIME) ?
			    "--outcome-time" : "--time", &sd->time, 0,
			    sd->time_f);
		for (i = 0; i < sd->nsel; i++)
			mfm_hits_add(h, k ? "--outcome-select" : "--select",
			    &sd->sel[i], 0, MFM_HITS_OWN);
		if (!mixed && k && (what & MFM_JOINREAD_LABEL))
			mfm_hits_add(h, "--label", &in->label, 0, in->label_f);
		mfm_cli_hits(h);
	}
	if (mixed) {
		h = in->hits[2] = mfm_hits_new("records");
		mfm_hits_add(h, "--label", &in->label, 0, in->label_f);
		mfm_cli_hits(h);
	}
}

/*
 * Canonical key bytes of paths p[0..n), field numbers f[0..n), into b;
 * -1 with *bad set.
 */
static int
get_key(const struct mfm_json *j, const int *ftok,
    const struct mfm_json_path *p, const size_t *f, size_t n,
    struct mfm_buf *b, const char **bad, int *missing)
{
	size_t i;
	int t;

	mfm_buf_clear(b);
	for (i = 0; i < n; i++) {
		t = ftok[f[i]];
		*bad = p[i].text;
		*missing = t < 0 || mfm_json_type_of(j, t) == MFM_JSON_NULL;
		if (*missing || mfm_join_key(j, t, b) != 0)
			return -1;
	}
	return 0;
}

/*
 * A bad record at the reader's line and column col (0: none): reported
 * now, or with a reading thread kept in the batch for the merge.
 */
static void
report(struct stream *s, struct batch *b, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
report(struct stream *s, struct batch *b, size_t col, const char *fmt, ...)
{
	struct mfm_buf msg = MFM_BUF_INIT;
	struct bad x;
	va_list ap, aq;
	int n;

	va_start(ap, fmt);
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	mfm_buf_grow(&msg, n > 0 ? (size_t)n : 0);
	vsnprintf(msg.p, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
	va_end(ap);
	msg.len = n > 0 ? (size_t)n : 0;
	if (!s->threaded)
		mfm_cli_bad_at(&s->r, col, "%s", msg.p);
	else {
		x.lineno = s->r.lineno;
		x.col = col;
		x.len = msg.len;
		mfm_buf_add(&b->bad, &x, sizeof(x));
		mfm_buf_add(&b->bad, msg.p, x.len);
	}
	mfm_buf_release(&msg);
}

/* Read the record in s->j into s->rec; 0 when good, else reported. */
static int
take(struct stream *s, struct batch *b)
{
	struct mfm_joinread *in = s->in;
	struct mfm_join_rec *r = &s->rec;
	const struct mfm_joinread_side *sd;
	const int *ftok = s->ftok;
	const char *bad;
	struct mfm_err err;
	int t, missing, has_key;

	mfm_field_set_get(&s->fields, &s->j, s->ftok);
	t = ftok[in->label_f];
	s->head_out = s->kind >= 0 ? s->kind : t >= 0;
	sd = s->head_out ? &in->os : &in->ps;
	in->nside[s->head_out]++;
	in->nlabel[s->head_out] += t >= 0;
	/* A record whose paths are kept for suggestions is parsed in full. */
	if ((in->hits[s->head_out] != NULL &&
	    mfm_hits_samples(in->hits[s->head_out], &s->j)) ||
	    (in->hits[2] != NULL && mfm_hits_samples(in->hits[2], &s->j))) {
		s->j.deep = NULL;
		if (mfm_json_parse(&s->j, s->r.line, s->r.len, &err) != 0)
			abort();	/* it parsed a moment ago */
		s->j.deep = &in->deep;
		mfm_field_set_get(&s->fields, &s->j, s->ftok);
	}
	if (in->hits[s->head_out] != NULL)
		mfm_hits_count(in->hits[s->head_out], &s->j, s->ftok);
	if (in->hits[2] != NULL)
		mfm_hits_count(in->hits[2], &s->j, s->ftok);
	memset(r, 0, sizeof(*r));
	if (sd->nsel > 0) {
		mfm_buf_clear(&s->picked);
		mfm_pick_put_at(&sd->pick, &s->j, ftok + sd->top_f,
		    &s->picked);
		r->raw = s->picked.p;
		r->len = s->picked.len;
	} else {
		r->raw = s->j.buf + s->j.tok[0].start;
		r->len = s->j.tok[0].len;
	}
	if (t >= 0)
		r->label = mfm_json_raw(&s->j, t, &r->llen);
	has_key = 0;
	if (in->mode != MFM_JOINREAD_ASOF) {
		if (get_key(&s->j, ftok, sd->key, sd->key_f, sd->nkey,
		    &s->key, &bad, &missing) == 0)
			has_key = 1;
		else if (missing && sd->has_fallback && get_key(&s->j,
		    ftok, &sd->fallback, &sd->fallback_f, 1, &s->key,
		    &bad, &missing) == 0)
			has_key = 1;
		else if (in->mode == MFM_JOINREAD_ID || !missing) {
			report(s, b, 0, missing ? "field '%s' missing" :
			    "field '%s' is not a string or number", bad);
			return -1;
		}
	}
	if (has_key) {
		r->key = s->key.p;
		r->klen = s->key.len;
	} else {
		if (get_key(&s->j, ftok, sd->by, sd->by_f, sd->nby,
		    &s->ent, &bad, &missing) != 0) {
			report(s, b, 0, missing ? "field '%s' missing" :
			    "field '%s' is not a string or number", bad);
			return -1;
		}
		r->ent = s->ent.p ? s->ent.p : "";
		r->elen = s->ent.len;
	}
	r->has_time = mfm_field_time_at(&s->j, ftok[sd->time_f],
	    &sd->time, in->unit, &r->time, &err);
	if (r->has_time < 0) {
		report(s, b, 0, "%s", err.msg);
		return -1;
	}
	if (!has_key && !r->has_time) {
		report(s, b, 0, "field '%s' missing (an as-of join needs "
		    "a time)", sd->time.text);
		return -1;
	}
	return 0;
}

/* Keep the record just taken, s->rec, in the batch. */
static void
stash(struct stream *s, struct batch *b)
{
	struct item *it = &b->it[b->nit++];
	struct mfm_buf *a = &b->arena;

	it->rec = s->rec;
	it->out = s->head_out;
	it->lineno = s->r.lineno;
	it->other = s->in->shard_n > 0 && (s->rec.key != NULL ?
	    mfm_join_shard(s->rec.key, s->rec.klen, s->in->shard_n) :
	    mfm_join_shard(s->rec.ent, s->rec.elen, s->in->shard_n)) !=
	    s->in->shard_i;
	if (it->other) {
		/* Only its time is used: keep no bytes. */
		it->rec.key = it->rec.ent = it->rec.label = NULL;
		it->rec.len = it->rec.klen = it->rec.elen = it->rec.llen = 0;
		it->raw = it->key = it->ent = it->label = it->line = a->len;
		it->linelen = 0;
		return;
	}
	/* The whole line too, for --rejects, if the engine refuses it. */
	it->linelen = mfm_cli.rejects_path != NULL ? s->r.len : 0;
	mfm_buf_grow(a, s->rec.len + s->rec.klen + s->rec.elen +
	    s->rec.llen + it->linelen);
	it->raw = a->len;
	mfm_buf_put(a, s->rec.raw, s->rec.len);
	it->key = a->len;
	if (s->rec.key != NULL)
		mfm_buf_put(a, s->rec.key, s->rec.klen);
	it->ent = a->len;
	if (s->rec.ent != NULL)
		mfm_buf_put(a, s->rec.ent, s->rec.elen);
	it->label = a->len;
	if (s->rec.label != NULL)
		mfm_buf_put(a, s->rec.label, s->rec.llen);
	it->line = a->len;
	if (it->linelen > 0)
		mfm_buf_put(a, s->r.line, s->r.len);
	a->p[a->len] = '\0';
}

/*
 * The next line of s: 1 a record in s->j, 0 none (blank, or bad and
 * reported), -1 the end.  A reading thread keeps a bad line's report in
 * b and a read error in b->err (then -1).
 */
static int
next_line(struct stream *s, struct batch *b)
{
	struct mfm_err err;

	if (!s->threaded)
		return mfm_cli_step(&s->r, &s->j);
	switch (mfm_cli_scan(&s->r, &s->j, &err)) {
	case MFM_CLI_EOF:
		return -1;
	case MFM_CLI_FAIL:
		b->fail = 1;
		b->err = err;
		return -1;
	case MFM_CLI_BAD:
		b->nread++;
		report(s, b, err.col, "%s", err.msg);
		return 0;
	case MFM_CLI_BLANK:
		b->nblank++;
		return 0;
	case MFM_CLI_RECORD:
		break;
	}
	b->nread++;
	return 1;
}

/*
 * Read the next batch into b: up to BATCH records, fewer at the end or
 * when a live stream has no more ready; *eof is set at the end.
 */
static void
read_batch(const struct mfm_join *jn, struct stream *s, struct batch *b,
    int *eof)
{
	struct item *it;
	size_t i;
	int rc;

	b->nit = 0;
	b->nread = b->nblank = 0;
	b->bytes = s->r.nread;
	b->eof = b->fail = b->step = 0;
	mfm_buf_clear(&b->arena);
	mfm_buf_clear(&b->bad);
	while (b->nit < BATCH && !*eof &&
	    (!s->live || mfm_reader_ready(&s->r))) {
		rc = next_line(s, b);
		if (rc < 0)
			*eof = 1;
		else if (rc == 1 && take(s, b) == 0) {
			stash(s, b);
			it = &b->it[b->nit - 1];
			if (it->other)
				continue;
			/*
			 * As early as can be: the rest of the batch is read
			 * while the slot comes (its key is still s->key).  A
			 * reading thread only hashes: the table is the
			 * merge's; it fetches when it takes the batch.
			 */
			if (s->threaded)
				mfm_join_hash(&it->rec);
			else
				mfm_join_prefetch(jn, &it->rec);
		}
	}
	/* The arena is settled: point into it. */
	for (i = 0; i < b->nit; i++) {
		it = &b->it[i];
		it->rec.raw = b->arena.p + it->raw;
		if (it->rec.key != NULL)
			it->rec.key = b->arena.p + it->key;
		if (it->rec.ent != NULL)
			it->rec.ent = b->arena.p + it->ent;
		if (it->rec.label != NULL)
			it->rec.label = b->arena.p + it->label;
	}
	b->eof = *eof;
	b->bytes = s->r.nread - b->bytes;
}

/*
 * A reading thread: fill the ring until the input ends.  Each side wakes
 * the other only when the ring is half full or half empty again (or the
 * input ends), not for every batch: a wake-up costs more than a batch.
 */
static void *
reader_thread(void *arg)
{
	struct stream *s = arg;
	struct batch *b;

	do {
		pthread_mutex_lock(&s->mu);
		while (s->rcount == RING ||
		    (s->rcount > 0 && s->rbytes >= RING_BYTES)) {
			s->waiting = 1;
			pthread_cond_wait(&s->cv, &s->mu);
		}
		b = &s->ring[(s->rhead + s->rcount) % RING];
		pthread_mutex_unlock(&s->mu);
		read_batch(NULL, s, b, &s->peof);
		b->held = b->arena.cap + b->bad.cap;
		pthread_mutex_lock(&s->mu);
		s->rcount++;
		s->rbytes += b->held;
		if (s->waiting && (s->rcount >= RING / 2 ||
		    s->rbytes >= RING_BYTES / 2 || b->eof)) {
			s->waiting = 0;
			pthread_cond_signal(&s->cv);
		}
		pthread_mutex_unlock(&s->mu);
	} while (!b->eof);
	return NULL;
}

/* Take batch b's prefetching to step: 1 slots, 2 entries, 3 records. */
static void
prefetch_to(const struct mfm_join *jn, struct batch *b, int step)
{
	size_t i;

	for (; b->step < step; b->step++)
		for (i = 0; i < b->nit; i++) {
			if (b->it[i].other)
				continue;
			if (b->step == 0)
				mfm_join_prefetch(jn, &b->it[i].rec);
			else if (b->step == 1)
				mfm_join_prefetch_entry(jn, &b->it[i].rec);
			else if (b->it[i].out)
				mfm_join_prefetch_held(jn, &b->it[i].rec);
		}
}

/*
 * The merge takes the next batch a reading thread filled (giving back
 * the one it has used up): what reading it met is said now.
 */
static void
take_batch(const struct mfm_join *jn, struct stream *s)
{
	struct batch *b;
	struct mfm_reader at;
	struct bad x;
	size_t off, ahead, held = 0;

	if (s->b != NULL) {
		/* Still ours until handed back: shrink it if it grew. */
		held = s->b->held;
		if (s->b->arena.cap > KEEP_BYTES)
			mfm_buf_release(&s->b->arena);
		if (s->b->bad.cap > KEEP_BYTES)
			mfm_buf_release(&s->b->bad);
	}
	pthread_mutex_lock(&s->mu);
	if (s->b != NULL) {
		s->rhead = (s->rhead + 1) % RING;
		s->rcount--;
		s->rbytes -= held;
		s->b = NULL;
		if (s->waiting && s->rcount <= RING / 2 &&
		    s->rbytes <= RING_BYTES / 2) {
			s->waiting = 0;
			pthread_cond_signal(&s->cv);
		}
	}
	while (s->rcount == 0) {
		s->waiting = 1;
		pthread_cond_wait(&s->cv, &s->mu);
	}
	b = &s->ring[s->rhead];
	ahead = s->rcount - 1;
	pthread_mutex_unlock(&s->mu);
	s->b = b;
	s->cur = 0;
	memset(&at, 0, sizeof(at));
	at.name = s->r.name;
	for (off = 0; off < b->bad.len; off += sizeof(x) + x.len) {
		memcpy(&x, b->bad.p + off, sizeof(x));
		at.lineno = x.lineno;
		mfm_cli_bad_at(&at, x.col, "%.*s", (int)x.len,
		    b->bad.p + off + sizeof(x));
	}
	mfm_cli.nread += b->nread;
	mfm_cli.nblank += b->nblank;
	if (s->progress != NULL && b->bytes > 0)
		mfm_progress_read(s->progress, &s->r, b->bytes);
	if (b->fail)
		mfm_die_err(&b->err);
	if (b->eof) {
		s->eof = 1;
		if (s->progress != NULL)
			mfm_progress_close(s->progress, &s->r);
		s->progress = NULL;
	}
	/*
	 * The engine's memory for a record comes in three dependent steps
	 * (the table slot, the entry it names, the record the entry holds):
	 * one step a batch, two batches ahead, where the ring has them.
	 */
	prefetch_to(jn, b, 3);
	if (ahead >= 1)
		prefetch_to(jn, &s->ring[(s->rhead + 1) % RING], 2);
	if (ahead >= 2)
		prefetch_to(jn, &s->ring[(s->rhead + 2) % RING], 1);
}

/*
 * With the head batch used up, read the next: up to BATCH records, fewer
 * at the end or when a live stream has no more ready.
 */
static void
fill(const struct mfm_join *jn, struct stream *s)
{
	if (HEAD(s))
		return;
	if (s->threaded) {
		if (!s->eof)
			take_batch(jn, s);
		return;
	}
	s->b = &s->one;
	s->cur = 0;
	read_batch(jn, s, s->b, &s->eof);
}

static inline void
after(struct mfm_joinread *in, const struct mfm_join *jn)
{
	if (in->after != NULL && jn->has_max && jn->max_time >= in->after_at)
		in->after(in->after_arg);
}

static void
process(struct mfm_join *jn, struct stream *s)
{
	struct item *it = &s->b->it[s->cur++];
	const struct batch *b = s->b;
	struct mfm_reader at;
	struct mfm_err err;
	int rc;

	if (!s->threaded && s->cur + 3 < b->nit)
		mfm_join_prefetch_entry(jn, &b->it[s->cur + 3].rec);
	if (!s->threaded && s->cur + 1 < b->nit && b->it[s->cur + 1].out)
		mfm_join_prefetch_held(jn, &b->it[s->cur + 1].rec);
	if (it->other) {
		mfm_join_observe(jn, &it->rec);
		s->in->nother++;
		after(s->in, jn);
		return;
	}
	mfm_err_clear(&err);
	rc = it->out ? mfm_join_outcome(jn, &it->rec, &err) :
	    mfm_join_prediction(jn, &it->rec, &err);
	after(s->in, jn);
	if (rc == 0)
		return;
	if (err.kind == MFM_ERR_LIMIT)
		mfm_die("%s:%zu: %s", s->r.name, it->lineno, err.msg);
	/* Said of the record's own line, read a batch ago. */
	memset(&at, 0, sizeof(at));
	at.name = s->r.name;
	at.lineno = it->lineno;
	at.line = it->linelen > 0 ? b->arena.p + it->line : NULL;
	at.len = it->linelen;
	mfm_cli_bad(&at, "%s", err.msg);
}

/* Earlier event time first; no time counts as earliest; outcomes on ties. */
static int
before(const struct stream *sa, const struct stream *sb)
{
	const struct item *a = &sa->b->it[sa->cur], *b = &sb->b->it[sb->cur];

	if (!a->rec.has_time || !b->rec.has_time) {
		if (a->rec.has_time != b->rec.has_time)
			return !a->rec.has_time;
	} else if (a->rec.time != b->rec.time)
		return a->rec.time < b->rec.time;
	return a->out >= b->out;
}

static void
wait_input(struct stream *st, size_t n)
{
	struct pollfd pfd[2];
	struct mfm_err err;
	size_t i, np = 0, map[2];
	long rc;

	/* Whatever is joined so far goes out before we sleep. */
	mfm_cli_flush();
	for (i = 0; i < n; i++)
		if (!st[i].eof && !HEAD(&st[i])) {
			pfd[np].fd = st[i].r.fd;
			pfd[np].events = POLLIN;
			map[np++] = i;
		}
	while (poll(pfd, np, -1) < 0)
		if (errno != EINTR)
			mfm_die("poll: %s", strerror(errno));
	for (i = 0; i < np; i++)
		if (pfd[i].revents != 0) {
			rc = mfm_reader_fill(&st[map[i]].r, &err);
			if (rc == -1)
				mfm_die_err(&err);
		}
}

static void
merge(struct mfm_join *jn, struct stream *st, size_t n)
{
	struct stream *pick;
	size_t i;

	for (;;) {
		pick = NULL;
		for (i = 0; i < n; i++) {
			fill(jn, &st[i]);
			if (HEAD(&st[i]) && (pick == NULL ||
			    before(&st[i], pick)))
				pick = &st[i];
		}
		/*
		 * Live streams never wait for each other; but a file is not
		 * read ahead of a live stream, or its later times would move
		 * the watermark past records the stream has yet to bring.
		 */
		for (i = 0; pick != NULL && !pick->live && i < n; i++)
			if (st[i].live && !st[i].eof && !HEAD(&st[i]))
				pick = NULL;
		if (pick != NULL) {
			process(jn, pick);
			continue;
		}
		for (i = 0; i < n && st[i].eof && !HEAD(&st[i]); i++)
			;
		if (i == n)
			return;
		wait_input(st, n);
	}
}

static void
open_stream(struct mfm_joinread *in, struct stream *s, const char *path,
    int kind)
{
	struct stat sb;

	memset(s, 0, sizeof(*s));
	s->in = in;
	mfm_cli_open_input(&s->r, path);
	mfm_json_init(&s->j);
	s->j.deep = &in->deep;
	s->kind = kind;
	s->live = fstat(s->r.fd, &sb) == 0 && !S_ISREG(sb.st_mode);
	/* The field set is shared but for its working memory. */
	s->fields = in->fields;
	s->fields.found = mfm_xcalloc(in->fields.nseg + 1,
	    sizeof(*s->fields.found));
	s->ftok = mfm_xcalloc(in->fields.n + 1, sizeof(*s->ftok));
}

static void
start_thread(struct stream *s)
{
	int rc;

	s->threaded = 1;
	s->ring = mfm_xcalloc(RING, sizeof(*s->ring));
	/* The progress line is the merge's to draw: told as it takes up. */
	s->progress = s->r.progress;
	s->r.progress = NULL;
	if ((rc = pthread_mutex_init(&s->mu, NULL)) != 0 ||
	    (rc = pthread_cond_init(&s->cv, NULL)) != 0 ||
	    (rc = pthread_create(&s->thread, NULL, reader_thread, s)) != 0)
		mfm_die("%s: cannot start a reading thread: %s", s->r.name,
		    strerror(rc));
}

static void
close_stream(struct stream *s)
{
	size_t i;

	if (s->threaded) {
		/* The merge has taken the last batch: the thread is done. */
		pthread_join(s->thread, NULL);
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		for (i = 0; i < RING; i++) {
			mfm_buf_release(&s->ring[i].arena);
			mfm_buf_release(&s->ring[i].bad);
		}
		free(s->ring);
	}
	mfm_cli_close_input(&s->r);
	mfm_json_release(&s->j);
	mfm_buf_release(&s->key);
	mfm_buf_release(&s->ent);
	mfm_buf_release(&s->picked);
	mfm_buf_release(&s->one.arena);
	mfm_buf_release(&s->one.bad);
	free(s->fields.found);
	free(s->ftok);
}


void
mfm_joinread_run(struct mfm_joinread *in, struct mfm_join *jn,
    char *const *paths, size_t n)
{
	struct stream *st = mfm_xcalloc(n, sizeof(*st));
	size_t i;
	int files = 1;

	for (i = 0; i < n; i++) {
		open_stream(in, &st[i], paths[i], n == 1 ? -1 : (int)i);
		files &= !st[i].live;
	}
	/*
	 * Threads for files only: a live stream is polled (and a file is
	 * not read ahead of one), and an overlong line goes to --rejects as
	 * it is read.
	 */
	if (files && mfm_cli.rejects_path == NULL && in->threads)
		for (i = 0; i < n; i++)
			start_thread(&st[i]);
	merge(jn, st, n);
	for (i = 0; i < n; i++)
		close_stream(&st[i]);
	free(st);
}

static void
side_release(struct mfm_joinread_side *sd)
{
	free(sd->key_f);
	free(sd->by_f);
	sd->key_f = sd->by_f = NULL;
}

void
mfm_joinread_release(struct mfm_joinread *in)
{
	side_release(&in->ps);
	side_release(&in->os);
	mfm_field_set_release(&in->fields);
	free((void *)in->deep.seg);
	memset(&in->deep, 0, sizeof(in->deep));
}
