/*
 * The input side of mfm-join; see joinread.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
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
 */
#define BATCH 16

struct item {
	struct mfm_join_rec rec;	/* pointers set when the batch is full */
	size_t raw, key, ent, label, line;	/* offsets in the arena */
	size_t linelen, lineno;
	int out;			/* an outcome */
	int other;			/* another shard's: only its time */
};

/* One input and the records read ahead from it. */
struct stream {
	struct mfm_reader r;
	struct mfm_json j;
	int kind;		/* 0 predictions, 1 outcomes, -1 mixed */
	int live;		/* a pipe, FIFO or terminal: polled */
	int eof;
	struct item it[BATCH];
	size_t nit, cur;	/* the head is it[cur], while cur < nit */
	struct mfm_buf arena;	/* the batch's bytes */
	int head_out;		/* of the record being taken */
	struct mfm_join_rec rec;
	struct mfm_buf key, ent, picked;
	struct mfm_joinread *in;
};

#define HEAD(s) ((s)->cur < (s)->nit)

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
 * Every path a record is read for (the label, each side's key, fallback,
 * entity, time and picked members) goes in one field set: one walk over
 * a record's members finds them all.
 */
void
mfm_joinread_init(struct mfm_joinread *in)
{
	mfm_field_set_init(&in->fields);
	in->label_f = mfm_field_set_add(&in->fields, &in->label);
	side_fields(in, &in->ps);
	side_fields(in, &in->os);
	in->ftok = mfm_xcalloc(in->fields.n, sizeof(*in->ftok));
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

/* Read the record in s->j into s->rec; 0 when good, else reported. */
static int
take(struct stream *s)
{
	struct mfm_joinread *in = s->in;
	struct mfm_join_rec *r = &s->rec;
	const struct mfm_joinread_side *sd;
	const char *bad;
	struct mfm_err err;
	int t, missing, has_key;

	mfm_field_set_get(&in->fields, &s->j, in->ftok);
	t = in->ftok[in->label_f];
	s->head_out = s->kind >= 0 ? s->kind : t >= 0;
	sd = s->head_out ? &in->os : &in->ps;
	in->nside[s->head_out]++;
	in->nlabel[s->head_out] += t >= 0;
	if (in->hits[s->head_out] != NULL)
		mfm_hits_count(in->hits[s->head_out], &s->j, in->ftok);
	if (in->hits[2] != NULL)
		mfm_hits_count(in->hits[2], &s->j, in->ftok);
	memset(r, 0, sizeof(*r));
	if (sd->nsel > 0) {
		mfm_buf_clear(&s->picked);
		mfm_pick_put_at(&sd->pick, &s->j, in->ftok + sd->top_f,
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
		if (get_key(&s->j, in->ftok, sd->key, sd->key_f, sd->nkey,
		    &s->key, &bad, &missing) == 0)
			has_key = 1;
		else if (missing && sd->has_fallback && get_key(&s->j,
		    in->ftok, &sd->fallback, &sd->fallback_f, 1, &s->key,
		    &bad, &missing) == 0)
			has_key = 1;
		else if (in->mode == MFM_JOINREAD_ID || !missing) {
			mfm_cli_bad(&s->r, missing ? "field '%s' missing" :
			    "field '%s' is not a string or number", bad);
			return -1;
		}
	}
	if (has_key) {
		r->key = s->key.p;
		r->klen = s->key.len;
	} else {
		if (get_key(&s->j, in->ftok, sd->by, sd->by_f, sd->nby,
		    &s->ent, &bad, &missing) != 0) {
			mfm_cli_bad(&s->r, missing ? "field '%s' missing" :
			    "field '%s' is not a string or number", bad);
			return -1;
		}
		r->ent = s->ent.p ? s->ent.p : "";
		r->elen = s->ent.len;
	}
	r->has_time = mfm_field_time_at(&s->j, in->ftok[sd->time_f],
	    &sd->time, in->unit, &r->time, &err);
	if (r->has_time < 0) {
		mfm_cli_bad(&s->r, "%s", err.msg);
		return -1;
	}
	if (!has_key && !r->has_time) {
		mfm_cli_bad(&s->r, "field '%s' missing (an as-of join needs "
		    "a time)", sd->time.text);
		return -1;
	}
	return 0;
}

/* Keep the record just taken, s->rec, in the batch. */
static void
stash(struct stream *s)
{
	struct item *it = &s->it[s->nit++];
	struct mfm_buf *a = &s->arena;

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
 * With the head batch used up, read the next: up to BATCH records, fewer
 * at the end or when a live stream has no more ready.
 */
static void
fill(const struct mfm_join *jn, struct stream *s)
{
	struct item *it;
	size_t i;
	int rc;

	if (HEAD(s))
		return;
	s->nit = s->cur = 0;
	mfm_buf_clear(&s->arena);
	while (s->nit < BATCH && !s->eof &&
	    (!s->live || mfm_reader_ready(&s->r))) {
		rc = mfm_cli_step(&s->r, &s->j);
		if (rc < 0)
			s->eof = 1;
		else if (rc == 1 && take(s) == 0) {
			stash(s);
			/* As early as can be: the rest of the batch is read
			 * while the slot comes (its key is still s->key). */
			it = &s->it[s->nit - 1];
			if (!it->other)
				mfm_join_prefetch(jn, &it->rec);
		}
	}
	/* The arena is settled: point into it. */
	for (i = 0; i < s->nit; i++) {
		it = &s->it[i];
		it->rec.raw = s->arena.p + it->raw;
		if (it->rec.key != NULL)
			it->rec.key = s->arena.p + it->key;
		if (it->rec.ent != NULL)
			it->rec.ent = s->arena.p + it->ent;
		if (it->rec.label != NULL)
			it->rec.label = s->arena.p + it->label;
	}
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
	struct item *it = &s->it[s->cur++];
	struct mfm_reader at;
	struct mfm_err err;
	int rc;

	if (s->cur + 3 < s->nit)
		mfm_join_prefetch_entry(jn, &s->it[s->cur + 3].rec);
	if (s->cur + 1 < s->nit && s->it[s->cur + 1].out)
		mfm_join_prefetch_held(jn, &s->it[s->cur + 1].rec);
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
	at = s->r;
	at.lineno = it->lineno;
	at.line = it->linelen > 0 ? s->arena.p + it->line : NULL;
	at.len = it->linelen;
	mfm_cli_bad(&at, "%s", err.msg);
}

/* Earlier event time first; no time counts as earliest; outcomes on ties. */
static int
before(const struct stream *sa, const struct stream *sb)
{
	const struct item *a = &sa->it[sa->cur], *b = &sb->it[sb->cur];

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
	s->kind = kind;
	s->live = fstat(s->r.fd, &sb) == 0 && !S_ISREG(sb.st_mode);
}

static void
close_stream(struct stream *s)
{
	mfm_cli_close_input(&s->r);
	mfm_json_release(&s->j);
	mfm_buf_release(&s->key);
	mfm_buf_release(&s->ent);
	mfm_buf_release(&s->picked);
	mfm_buf_release(&s->arena);
}


void
mfm_joinread_run(struct mfm_joinread *in, struct mfm_join *jn,
    char *const *paths, size_t n)
{
	struct stream *st = mfm_xcalloc(n, sizeof(*st));
	size_t i;

	for (i = 0; i < n; i++)
		open_stream(in, &st[i], paths[i], n == 1 ? -1 : (int)i);
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
	free(in->ftok);
	in->ftok = NULL;
}
