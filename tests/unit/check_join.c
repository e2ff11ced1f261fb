/*
 * Unit tests for the join engine (lib/join.c) and the key map under it
 * (lib/keymap.c): canonical keys; by id: first/last/error, duplicates and
 * conflicts, repeated prediction ids, outcomes before predictions, expiry
 * in event time with lateness; as-of in each direction with tolerance and
 * exact matches; the pending cap; memory that follows what is pending;
 * the state file (round trip, corrupt, foreign, newer, other options).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "lib/join.h"
#include "lib/keymap.h"

START_TEST(test_keymap_grow)
{
	struct mfm_keymap m;
	char key[32];
	size_t i, *v, n;
	int isnew;

	mfm_keymap_init(&m);
	for (i = 0; i < 100000; i++) {
		n = (size_t)snprintf(key, sizeof(key), "k%zu", i);
		v = mfm_keymap_put(&m, key, n, &isnew);
		ck_assert_int_eq(isnew, 1);
		*v = i;
	}
	ck_assert_uint_eq(m.count, 100000);
	for (i = 0; i < 100000; i++) {
		const char *k;
		size_t klen;

		n = (size_t)snprintf(key, sizeof(key), "k%zu", i);
		v = mfm_keymap_find(&m, key, n);
		ck_assert_ptr_nonnull(v);
		ck_assert_uint_eq(*v, i);
		k = mfm_keymap_key(&m, v, &klen);
		ck_assert_uint_eq(klen, n);
		ck_assert_int_eq(memcmp(k, key, n), 0);
	}
	ck_assert_ptr_null(mfm_keymap_find(&m, "k100000", 7));
	ck_assert_ptr_null(mfm_keymap_find(&m, "", 0));
	v = mfm_keymap_put(&m, "k7", 2, &isnew);
	ck_assert_int_eq(isnew, 0);
	ck_assert_uint_eq(*v, 7);
	mfm_keymap_release(&m);
}
END_TEST

/* The canonical key of the value at path "id" in line. */
static int
key_of(const char *line, struct mfm_buf *key)
{
	struct mfm_json j;
	struct mfm_json_path p;
	struct mfm_err err;
	int rc;

	mfm_json_init(&j);
	ck_assert_int_eq(mfm_json_parse(&j, line, strlen(line), &err), 0);
	ck_assert_int_eq(mfm_json_path_parse(&p, "id", &err), 0);
	rc = mfm_join_key(&j, mfm_json_get(&j, 0, &p), key);
	mfm_json_path_release(&p);
	mfm_json_release(&j);
	return rc;
}

START_TEST(test_keys)
{
	struct mfm_buf a = MFM_BUF_INIT, b = MFM_BUF_INIT;

	ck_assert_int_eq(key_of("{\"id\":\"p-1\"}", &a), 0);
	ck_assert_int_eq(key_of("{\"id\":\"p\\u002d1\"}", &b), 0);
	ck_assert_uint_eq(a.len, b.len);	/* escapes do not matter */
	ck_assert_int_eq(memcmp(a.p, b.p, a.len), 0);
	ck_assert_int_eq(key_of("{\"id\":\"1\"}", &a), 0);
	ck_assert_int_eq(key_of("{\"id\":1}", &b), 0);
	ck_assert(a.len != b.len || memcmp(a.p, b.p, a.len) != 0);
	ck_assert_int_eq(key_of("{\"id\":null}", &a), -1);
	ck_assert_int_eq(key_of("{\"id\":[1]}", &a), -1);
	ck_assert_int_eq(key_of("{\"x\":1}", &a), -1);
	mfm_buf_release(&a);
	mfm_buf_release(&b);
}
END_TEST


/* Every decision as "kind pred|out" lines, for comparison. */
static struct mfm_buf log_;

static void
log_event(void *arg, const struct mfm_join_event *ev)
{
	static const char *const names[] = {
		"matched", "expired", "unmatched", "duplicate_id",
		"duplicate", "conflict", "orphan"
	};

	(void)arg;
	mfm_buf_addf(&log_, "%s %.*s|%.*s\n", names[ev->kind],
	    (int)ev->plen, ev->pred ? ev->pred : "", (int)ev->olen,
	    ev->out ? ev->out : "");
}

static const char *
logged(void)
{
	mfm_buf_addc(&log_, '\0');
	log_.len--;
	return log_.p;
}

/* Hand in "p"/"o" records: key (NULL for as-of), entity, time, label. */
static int
feed(struct mfm_join *jn, int out, const char *key, const char *ent,
    int64_t t, const char *label, const char *raw)
{
	struct mfm_join_rec r;
	struct mfm_err err;

	memset(&r, 0, sizeof(r));
	r.raw = raw;
	r.len = strlen(raw);
	r.key = key;
	r.klen = key ? strlen(key) : 0;
	r.ent = ent;
	r.elen = ent ? strlen(ent) : 0;
	r.label = label;
	r.llen = label ? strlen(label) : 0;
	r.has_time = t >= 0;
	r.time = t;
	return out ? mfm_join_outcome(jn, &r, &err) :
	    mfm_join_prediction(jn, &r, &err);
}

static void
start(struct mfm_join *jn, const struct mfm_join_opts *o)
{
	mfm_buf_clear(&log_);
	mfm_join_init(jn, o, log_event, NULL);
}

START_TEST(test_first_wins)
{
	struct mfm_join_opts o;
	struct mfm_join jn;

	mfm_join_opts_init(&o);
	start(&jn, &o);
	ck_assert_int_eq(feed(&jn, 0, "a", NULL, 10, NULL, "{p:a}"), 0);
	ck_assert_int_eq(feed(&jn, 1, "a", NULL, 20, "1", "{o:a1}"), 0);
	ck_assert_int_eq(feed(&jn, 1, "a", NULL, 30, "1", "{o:a1'}"), 0);
	ck_assert_int_eq(feed(&jn, 1, "a", NULL, 40, "0", "{o:a0}"), 0);
	ck_assert_int_eq(feed(&jn, 0, "a", NULL, 50, NULL, "{p:a'}"), 0);
	/* An outcome first is held for its prediction. */
	ck_assert_int_eq(feed(&jn, 1, "b", NULL, 60, "1", "{o:b}"), 0);
	ck_assert_int_eq(feed(&jn, 0, "b", NULL, 55, NULL, "{p:b}"), 0);
	ck_assert_int_eq(feed(&jn, 0, "c", NULL, 70, NULL, "{p:c}"), 0);
	ck_assert_int_eq(feed(&jn, 1, "d", NULL, 70, NULL, "{o:d}"), 0);
	mfm_join_drain(&jn);
	ck_assert_str_eq(logged(),
	    "matched {p:a}|{o:a1}\n"
	    "duplicate |{o:a1'}\n"
	    "conflict |{o:a0}\n"
	    "duplicate_id {p:a'}|\n"
	    "matched {p:b}|{o:b}\n"
	    "unmatched {p:c}|\n"
	    "orphan |{o:d}\n");
	ck_assert_uint_eq(jn.npred, 4);
	ck_assert_uint_eq(jn.nout, 5);
	ck_assert_uint_eq(jn.nused, 2);
	ck_assert_uint_eq(jn.pending, 0);
	mfm_join_release(&jn);
}
END_TEST

START_TEST(test_keep_last_and_error)
{
	struct mfm_join_opts o;
	struct mfm_join jn;

	mfm_join_opts_init(&o);
	o.keep = MFM_JOIN_KEEP_LAST;
	o.ttl = 100;
	start(&jn, &o);
	feed(&jn, 0, "a", NULL, 0, NULL, "{p:a}");
	feed(&jn, 1, "a", NULL, 10, "1", "{o:1}");
	feed(&jn, 1, "a", NULL, 20, "0", "{o:0}");
	/* Held until the watermark passes 0 + TTL. */
	ck_assert_str_eq(logged(), "conflict |{o:1}\n");
	feed(&jn, 0, "z", NULL, 100, NULL, "{p:z}");
	ck_assert_str_eq(logged(), "conflict |{o:1}\n");
	feed(&jn, 0, "y", NULL, 101, NULL, "{p:y}");
	ck_assert_str_eq(logged(), "conflict |{o:1}\nmatched {p:a}|{o:0}\n");
	mfm_join_release(&jn);

	o.keep = MFM_JOIN_KEEP_ERROR;
	start(&jn, &o);
	ck_assert_int_eq(feed(&jn, 0, "a", NULL, 0, NULL, "{p:a}"), 0);
	ck_assert_int_eq(feed(&jn, 1, "a", NULL, 1, "1", "{o:1}"), 0);
	ck_assert_int_eq(feed(&jn, 1, "a", NULL, 2, "1", "{o:1}"), -1);
	ck_assert_uint_eq(jn.nout, 1);
	mfm_join_release(&jn);
}
END_TEST

START_TEST(test_ttl_watermark)
{
	struct mfm_join_opts o;
	struct mfm_join jn;

	mfm_join_opts_init(&o);
	o.ttl = 100;
	o.lateness = 10;
	start(&jn, &o);
	feed(&jn, 0, "a", NULL, 0, NULL, "{p:a}");
	feed(&jn, 1, "x", NULL, 5, NULL, "{o:x}");
	/* Watermark 110 - 10 = 100: not past 0 + 100 yet. */
	feed(&jn, 0, "b", NULL, 110, NULL, "{p:b}");
	ck_assert_str_eq(logged(), "");
	/* A late record does not move the watermark back. */
	feed(&jn, 0, "c", NULL, 50, NULL, "{p:c}");
	ck_assert_str_eq(logged(), "");
	feed(&jn, 0, "d", NULL, 111, NULL, "{p:d}");
	ck_assert_str_eq(logged(), "expired {p:a}|\n");
	feed(&jn, 0, "e", NULL, 116, NULL, "{p:e}");
	ck_assert_str_eq(logged(), "expired {p:a}|\norphan |{o:x}\n");
	/* The key of an expired prediction is free again. */
	feed(&jn, 1, "a", NULL, 116, NULL, "{o:a}");
	mfm_join_drain(&jn);
	ck_assert_str_eq(logged(), "expired {p:a}|\norphan |{o:x}\n"
	    "unmatched {p:c}|\nunmatched {p:b}|\nunmatched {p:d}|\n"
	    "unmatched {p:e}|\norphan |{o:a}\n");
	mfm_join_release(&jn);
}
END_TEST

START_TEST(test_asof)
{
	static const struct {
		enum mfm_join_dir dir;
		int64_t tol;
		int exact;
		const char *want;
	} c[] = {
		{ MFM_JOIN_BACKWARD, -1, 1, "-{o:10}{o:20}{o:20}" },
		{ MFM_JOIN_BACKWARD, -1, 0, "-{o:10}{o:10}{o:20}" },
		{ MFM_JOIN_BACKWARD, 3, 1, "--{o:20}-" },
		{ MFM_JOIN_FORWARD, -1, 1, "{o:B}{o:20}{o:20}{o:30}" },
		{ MFM_JOIN_FORWARD, -1, 0, "{o:B}{o:20}{o:30}{o:30}" },
		{ MFM_JOIN_FORWARD, 3, 1, "{o:B}-{o:20}-" },
		{ MFM_JOIN_NEAREST, -1, 1, "{o:B}{o:10}{o:20}{o:20}" },
		{ MFM_JOIN_NEAREST, -1, 0, "{o:B}{o:10}{o:10}{o:20}" },
	};
	struct mfm_join_opts o;
	struct mfm_join jn;
	struct mfm_buf got = MFM_BUF_INIT;
	size_t i;
	char *p, *q;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		mfm_join_opts_init(&o);
		o.dir = c[i].dir;
		o.tolerance = c[i].tol;
		o.exact = c[i].exact;
		start(&jn, &o);
		feed(&jn, 0, NULL, "B", 5, NULL, "{p:B5}");
		feed(&jn, 1, NULL, "B", 6, NULL, "{o:B}");
		feed(&jn, 1, NULL, "A", 10, NULL, "{o:10}");
		feed(&jn, 0, NULL, "A", 15, NULL, "{p:15}");
		feed(&jn, 1, NULL, "A", 20, NULL, "{o:20}");
		feed(&jn, 0, NULL, "A", 20, NULL, "{p:20}");
		feed(&jn, 0, NULL, "A", 24, NULL, "{p:24}");
		feed(&jn, 1, NULL, "A", 30, NULL, "{o:30}");
		mfm_join_drain(&jn);
		/* Reduce the log to the outcome per prediction, in order. */
		mfm_buf_clear(&got);
		for (p = log_.p; p < log_.p + log_.len; p = q + 1) {
			q = memchr(p, '\n', (size_t)(log_.p + log_.len - p));
			if (strncmp(p, "matched ", 8) == 0)
				mfm_buf_add(&got, strchr(p, '|') + 1,
				    (size_t)(q - strchr(p, '|') - 1));
			else if (strncmp(p, "unmatched ", 10) == 0)
				mfm_buf_addc(&got, '-');
		}
		mfm_buf_addc(&got, '\0');
		ck_assert_msg(strcmp(got.p, c[i].want) == 0,
		    "case %zu: got %s want %s", i, got.p, c[i].want);
		mfm_join_release(&jn);
	}
	mfm_buf_release(&got);
}
END_TEST

START_TEST(test_cap)
{
	struct mfm_join_opts o;
	struct mfm_join jn;
	struct mfm_join_rec r;
	struct mfm_err err;

	mfm_join_opts_init(&o);
	o.max_pending = 2;
	start(&jn, &o);
	ck_assert_int_eq(feed(&jn, 1, "1", NULL, -1, NULL, "{}"), 0);
	ck_assert_int_eq(feed(&jn, 1, "2", NULL, -1, NULL, "{}"), 0);
	/* A duplicate at the cap is still only a duplicate. */
	ck_assert_int_eq(feed(&jn, 1, "2", NULL, -1, NULL, "{}"), 0);
	memset(&r, 0, sizeof(r));
	r.raw = "{}";
	r.len = 2;
	r.key = "3";
	r.klen = 1;
	ck_assert_int_eq(mfm_join_outcome(&jn, &r, &err), -1);
	ck_assert_str_eq(err.msg,
	    "more than 2 records pending (--max-pending)");
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	mfm_join_release(&jn);
}
END_TEST

/* With a TTL, memory follows what is pending, not what was seen. */
START_TEST(test_memory_follows_pending)
{
	struct mfm_join_opts o;
	struct mfm_join jn;
	char key[32];
	int64_t i;

	mfm_join_opts_init(&o);
	o.ttl = 10;
	start(&jn, &o);
	for (i = 0; i < 200000; i++) {
		snprintf(key, sizeof(key), "k%lld", (long long)i);
		ck_assert_int_eq(feed(&jn, 0, key, NULL, i, NULL, "{}"), 0);
		if (i % 2 == 0)
			ck_assert_int_eq(feed(&jn, 1, key, NULL, i, NULL,
			    "{}"), 0);
		mfm_buf_clear(&log_);
	}
	ck_assert_uint_le(jn.pending, 12);
	ck_assert_uint_eq(jn.nkeys, jn.pending);
	ck_assert_uint_le(jn.ntab, 1024);	/* never grew */
	ck_assert_uint_lt(jn.nent, 100);
	ck_assert_uint_eq(jn.n[MFM_JOIN_MATCHED], 100000);
	ck_assert_uint_ge(jn.n[MFM_JOIN_EXPIRED], 100000 - 12);
	mfm_join_release(&jn);
}
END_TEST

static char *
tmp_path(const char *name)
{
	const char *dir = getenv("TMPDIR");
	char *p = malloc(4096);

	snprintf(p, 4096, "%s/check_join.%ld.%s", dir ? dir : "/tmp",
	    (long)getpid(), name);
	return p;
}

/*
 * The id table under churn: keys come and go (the TTL kills them) in a
 * table that stays small, so probe runs wrap and close up all the time;
 * short keys live in their entry, long ones apart.  A prediction at t is
 * matched by its outcome at t + d exactly when d <= ttl.
 */
struct churn {
	int64_t t;
	int out;
	unsigned id;
};

static int
churn_cmp(const void *a, const void *b)
{
	const struct churn *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->out - y->out;
}

START_TEST(test_id_table_churn)
{
	enum { N = 60000, TTL = 500 };
	struct mfm_join_opts o;
	struct mfm_join jn;
	struct churn *ev;
	char key[96];
	unsigned long long want = 0, rnd = 88172645463325252ULL;
	size_t i, n = 0;

	ev = calloc(2 * N, sizeof(*ev));
	ck_assert_ptr_nonnull(ev);
	for (i = 0; i < N; i++) {
		int64_t d;

		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		d = (int64_t)(rnd % (2 * TTL + 1));
		ev[n].t = 10 * (int64_t)i;
		ev[n++].id = (unsigned)i;
		if (rnd % 7 == 0)
			continue;	/* never labelled */
		ev[n].t = 10 * (int64_t)i + d;
		ev[n].out = 1;
		ev[n++].id = (unsigned)i;
		want += d <= TTL;
	}
	qsort(ev, n, sizeof(*ev), churn_cmp);
	mfm_join_opts_init(&o);
	o.ttl = TTL;
	start(&jn, &o);
	for (i = 0; i < n; i++) {
		if (ev[i].id % 2)
			snprintf(key, sizeof(key), "k%u", ev[i].id);
		else	/* longer than an entry holds inline */
			snprintf(key, sizeof(key), "%064u", ev[i].id);
		ck_assert_int_eq(feed(&jn, ev[i].out, key, NULL, ev[i].t,
		    "1", "{}"), 0);
		mfm_buf_clear(&log_);
	}
	ck_assert_uint_eq(jn.n[MFM_JOIN_MATCHED], want);
	ck_assert_uint_eq(jn.nkeys, jn.pending);
	ck_assert_uint_le(jn.ntab, 1024);
	mfm_join_drain(&jn);
	ck_assert_uint_eq(jn.nkeys, 0);
	ck_assert_uint_eq(jn.n[MFM_JOIN_MATCHED], want);
	ck_assert_uint_eq(jn.n[MFM_JOIN_EXPIRED] + jn.n[MFM_JOIN_UNMATCHED] +
	    jn.n[MFM_JOIN_MATCHED], N);
	mfm_join_release(&jn);
	free(ev);
}
END_TEST

/*
 * Deadlines that come out of order, a little (within the queue's reach
 * back from its tail) or a lot (to the heap), and ties: predictions are
 * decided in the order of their deadlines, ties in arrival order.
 */
struct late {
	int64_t t;
	unsigned arrival;
};

static int
late_cmp(const void *a, const void *b)
{
	const struct late *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->arrival < y->arrival ? -1 : x->arrival > y->arrival;
}

START_TEST(test_expiry_disorder)
{
	enum { N = 20000, TTL = 1000000 };
	struct mfm_join_opts o;
	struct mfm_join jn;
	struct late *ev;
	struct mfm_buf want = MFM_BUF_INIT;
	unsigned long long rnd = 2463534242ULL;
	char key[32], raw[64];
	const char *got;
	size_t i;

	ev = calloc(N, sizeof(*ev));
	ck_assert_ptr_nonnull(ev);
	for (i = 0; i < N; i++) {
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		/* 10 apart; most a few places early, some far, some tied. */
		ev[i].t = 10000 + 10 * (int64_t)i - (int64_t)(rnd % 80);
		if (i % 97 == 0)
			ev[i].t -= 5000;
		if (i % 89 == 0 && i > 0)
			ev[i].t = ev[i - 1].t;
		ev[i].arrival = (unsigned)i;
	}
	mfm_join_opts_init(&o);
	o.ttl = TTL;
	start(&jn, &o);
	for (i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		snprintf(raw, sizeof(raw), "{p:%zu}", i);
		ck_assert_int_eq(feed(&jn, 0, key, NULL, ev[i].t, NULL, raw),
		    0);
	}
	/* Past every deadline: all expire, in order, then the last one. */
	feed(&jn, 0, "end", NULL, 20000 + 10 * (int64_t)N + TTL, NULL,
	    "{p:end}");
	mfm_join_drain(&jn);
	qsort(ev, N, sizeof(*ev), late_cmp);
	for (i = 0; i < N; i++)
		mfm_buf_addf(&want, "expired {p:%u}|\n", ev[i].arrival);
	mfm_buf_adds(&want, "unmatched {p:end}|\n");
	got = logged();
	for (i = 0; got[i] != '\0' && got[i] == want.p[i]; i++)
		;
	ck_assert_msg(got[i] == want.p[i], "differs at byte %zu: %.40s",
	    i, got + i);
	ck_assert_uint_gt(jn.capheap, 0);	/* the far ones went there */
	mfm_join_release(&jn);
	mfm_buf_release(&want);
	free(ev);
}
END_TEST

/* Labels longer than an entry holds inline tell conflicts as well. */
START_TEST(test_long_labels)
{
	struct mfm_join_opts o;
	struct mfm_join jn;

	mfm_join_opts_init(&o);
	start(&jn, &o);
	feed(&jn, 0, "a", NULL, 1, NULL, "{p:a}");
	feed(&jn, 1, "a", NULL, 2, "\"churned-yes\"", "{o:1}");
	feed(&jn, 1, "a", NULL, 3, "\"churned-yes\"", "{o:2}");
	feed(&jn, 1, "a", NULL, 4, "\"churned-no\"", "{o:3}");
	feed(&jn, 1, "a", NULL, 5, "\"churned-yes!\"", "{o:4}");
	feed(&jn, 1, "a", NULL, 6, "true", "{o:5}");
	ck_assert_str_eq(logged(), "matched {p:a}|{o:1}\n"
	    "duplicate |{o:2}\nconflict |{o:3}\nconflict |{o:4}\n"
	    "conflict |{o:5}\n");
	mfm_join_release(&jn);
}
END_TEST

/*
 * Shards must agree across machines and versions: the hash is FNV-1a,
 * checked against its published values.
 */
START_TEST(test_shard_hash)
{
	ck_assert_uint_eq(mfm_join_shard("a", 1, UINT64_MAX),
	    UINT64_C(0xaf63dc4c8601ec8c));
	ck_assert_uint_eq(mfm_join_shard("", 0, UINT64_MAX),
	    UINT64_C(0xcbf29ce484222325));
	ck_assert_uint_eq(mfm_join_shard("a", 1, 1000003), 783675);
	ck_assert_uint_eq(mfm_join_shard("p-00000036", 10, 4), 3);
	ck_assert_uint_eq(mfm_join_shard("p-00000036", 10, 1), 0);
}
END_TEST

/* Another shard's record moves the watermark and nothing else. */
START_TEST(test_observe)
{
	struct mfm_join_opts o;
	struct mfm_join jn;
	struct mfm_join_rec r;

	mfm_join_opts_init(&o);
	o.ttl = 10;
	start(&jn, &o);
	ck_assert_int_eq(feed(&jn, 0, "a", NULL, 0, NULL, "{p:a}"), 0);
	memset(&r, 0, sizeof(r));
	r.key = "z";
	r.klen = 1;
	r.has_time = 1;
	r.time = 50;
	mfm_join_observe(&jn, &r);
	ck_assert_str_eq(logged(), "expired {p:a}|\n");
	ck_assert_uint_eq(jn.npred, 1);
	ck_assert_uint_eq(jn.nout, 0);
	ck_assert_uint_eq(jn.nkeys, 0);
	mfm_join_release(&jn);
}
END_TEST

/* Remove a state file and its lock. */
static void
unlink_state(const char *path)
{
	char lock[4200];

	unlink(path);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	unlink(lock);
}

/* mfm_join_load, or _save, on a state file locked for the call. */
static int
state_at(struct mfm_join *jn, const char *path, const char *fp, int save,
    struct mfm_err *err)
{
	struct mfm_state st;
	int rc;

	if (mfm_state_lock(&st, path, "mfm-join", MFM_JOIN_STATE_VERSION,
	    err) != 0)
		return -1;
	rc = save ? mfm_join_save(jn, &st, fp, NULL, err) :
	    mfm_join_load(jn, &st, fp, 0, NULL, err);
	mfm_state_close(&st);
	return rc;
}

#define load_at(jn, path, fp, err)	state_at(jn, path, fp, 0, err)
#define save_at(jn, path, fp, err)	state_at(jn, path, fp, 1, err)

START_TEST(test_state_round_trip)
{
	struct mfm_join_opts o;
	struct mfm_join jn;
	struct mfm_err err;
	char *path = tmp_path("state");
	char *whole;

	/* One run over everything... */
	mfm_join_opts_init(&o);
	o.ttl = 100;
	start(&jn, &o);
	feed(&jn, 0, "a", NULL, 0, NULL, "{\"p\":\"a\"}");
	feed(&jn, 1, "b", NULL, 5, "1", "{\"o\":\"b\"}");
	feed(&jn, 0, NULL, "E", 6, NULL, "{\"p\":\"E\"}");
	feed(&jn, 1, NULL, "E", 2, NULL, "{\"o\":\"E\"}");
	feed(&jn, 0, "c", NULL, 7, NULL, "{\"p\":\"c\"}");
	feed(&jn, 1, "c", NULL, 8, "1", "{\"o\":\"c\"}");
	feed(&jn, 1, "c", NULL, 150, "0", "{\"o\":\"c'\"}");
	feed(&jn, 0, "b", NULL, 160, NULL, "{\"p\":\"b\"}");
	mfm_join_drain(&jn);
	whole = strdup(logged());
	mfm_join_release(&jn);

	/* ...equals two runs with the state between them. */
	start(&jn, &o);
	ck_assert_int_eq(load_at(&jn, path, "x", &err), 0);
	feed(&jn, 0, "a", NULL, 0, NULL, "{\"p\":\"a\"}");
	feed(&jn, 1, "b", NULL, 5, "1", "{\"o\":\"b\"}");
	feed(&jn, 0, NULL, "E", 6, NULL, "{\"p\":\"E\"}");
	feed(&jn, 1, NULL, "E", 2, NULL, "{\"o\":\"E\"}");
	feed(&jn, 0, "c", NULL, 7, NULL, "{\"p\":\"c\"}");
	feed(&jn, 1, "c", NULL, 8, "1", "{\"o\":\"c\"}");
	ck_assert_int_eq(save_at(&jn, path, "x", &err), 0);
	mfm_join_release(&jn);
	/* The log goes on: the second run appends to it. */
	mfm_join_init(&jn, &o, log_event, NULL);
	ck_assert_msg(load_at(&jn, path, "x", &err) == 0, "%s",
	    err.msg);
	ck_assert_uint_eq(jn.nload_pred, 1);
	ck_assert_uint_eq(jn.nload_out, 2);
	feed(&jn, 1, "c", NULL, 150, "0", "{\"o\":\"c'\"}");
	feed(&jn, 0, "b", NULL, 160, NULL, "{\"p\":\"b\"}");
	mfm_join_drain(&jn);
	ck_assert_str_eq(logged(), whole);
	/* Other options: refused, not misread. */
	mfm_join_release(&jn);
	start(&jn, &o);
	ck_assert_int_eq(load_at(&jn, path, "y", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "other join options (x)"));
	mfm_join_release(&jn);
	unlink_state(path);
	free(path);
	free(whole);
}
END_TEST

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(test_state_bad_files)
{
	/* Files as they are, then bodies wrapped in a valid envelope. */
	static const struct {
		int wrap;
		const char *text, *msg;
	} c[] = {
		{ 0, "", "empty file, not an mfm state file" },
		{ 0, "hello\n", "not an mfm state file" },
		{ 0, "{\"mfm_join_state\":1,\"options\":\"x\","
		  "\"max_time\":null}\n", "not an mfm state file" },
		{ 1, "", "empty state body" },
		{ 1, "hello\n", ":2: corrupt state file" },
		{ 1, "{\"a\":1}\n", "not an mfm-join state file" },
		{ 1, "{\"mfm_join_state\":2,\"options\":\"x\"}\n",
		  "state format 2, this mfm-join reads 1" },
		{ 1, "{\"mfm_join_state\":1,\"options\":\"x\",\"max_time\":null}\n"
		  "{\"st\":\"pred\",\"k\":\"zz\",\"pt\":1,\"p\":{}}\n",
		  ":3: corrupt state file" },
		{ 1, "{\"mfm_join_state\":1,\"options\":\"x\",\"max_time\":null}\n"
		  "{\"st\":\"pred\",\"k\":\"61\",\"pt\":1,\"p\":{}}\n"
		  "{\"st\":\"pred\",\"k\":\"61\",\"pt\":1,\"p\":{}}\n",
		  ":4: corrupt state file" },
		{ 1, "{\"mfm_join_state\":1,\"options\":\"x\",\"max_time\":null}\n"
		  "{\"st\":\"pred\",\"k\":\"61\",\"pt\":1,\"p\":{}",
		  ":3: corrupt state file" },
	};
	struct mfm_join_opts o;
	struct mfm_join jn;
	struct mfm_err err;
	struct mfm_buf b = MFM_BUF_INIT;
	char *path = tmp_path("bad");
	size_t i;

	mfm_join_opts_init(&o);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		mfm_buf_clear(&b);
		if (c[i].wrap)
			mfm_state_format(&b, "mfm-join",
			    MFM_JOIN_STATE_VERSION, c[i].text,
			    strlen(c[i].text));
		else
			mfm_buf_adds(&b, c[i].text);
		write_file(path, b.p ? b.p : "");
		start(&jn, &o);
		ck_assert_int_eq(load_at(&jn, path, "x", &err), -1);
		ck_assert_msg(strstr(err.msg, c[i].msg) != NULL,
		    "case %zu: %s", i, err.msg);
		mfm_join_release(&jn);
	}
	mfm_buf_release(&b);
	unlink(path);
	/* A missing file is the first run. */
	start(&jn, &o);
	ck_assert_int_eq(load_at(&jn, path, "x", &err), 0);
	mfm_join_release(&jn);
	unlink_state(path);
	free(path);
}
END_TEST

/* The fast delay writer equals the general double writer. */
START_TEST(test_put_delay)
{
	static const int64_t fixed[] = {
		0, 1, -1, 10, 999999, 1000000, 1500000, -1500000, 86400500000,
		123456789012, INT64_C(2251799813685247),
		-INT64_C(2251799813685247), INT64_C(2251799813685248),
		INT64_MAX, INT64_MIN + 1
	};
	struct mfm_buf a = MFM_BUF_INIT, b = MFM_BUF_INIT;
	uint64_t x = 88172645463325252ULL;
	int64_t us;
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]) + 200000; i++) {
		if (i < sizeof(fixed) / sizeof(fixed[0]))
			us = fixed[i];
		else {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* every magnitude, both signs */
			us = (int64_t)(x >> (x % 60 + 3));
			if (x & 4)
				us = -us;
		}
		mfm_buf_clear(&a);
		mfm_buf_clear(&b);
		mfm_join_put_delay(&a, us);
		mfm_json_put_double(&b, (double)us / 1e6);
		mfm_buf_addc(&a, '\0');
		mfm_buf_addc(&b, '\0');
		ck_assert_msg(strcmp(a.p, b.p) == 0, "%lld: %s != %s",
		    (long long)us, a.p, b.p);
	}
	mfm_buf_release(&a);
	mfm_buf_release(&b);
}
END_TEST

Suite *suite_join(void);

Suite *
suite_join(void)
{
	Suite *s = suite_create("join");
	TCase *tc = tcase_create("engine");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_keymap_grow);
	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_first_wins);
	tcase_add_test(tc, test_keep_last_and_error);
	tcase_add_test(tc, test_ttl_watermark);
	tcase_add_test(tc, test_asof);
	tcase_add_test(tc, test_cap);
	tcase_add_test(tc, test_memory_follows_pending);
	tcase_add_test(tc, test_id_table_churn);
	tcase_add_test(tc, test_expiry_disorder);
	tcase_add_test(tc, test_long_labels);
	tcase_add_test(tc, test_shard_hash);
	tcase_add_test(tc, test_observe);
	tcase_add_test(tc, test_state_round_trip);
	tcase_add_test(tc, test_state_bad_files);
	tcase_add_test(tc, test_put_delay);
	suite_add_tcase(s, tc);
	return s;
}
