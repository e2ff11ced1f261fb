/*
 * bench-gen: a deterministic prediction log and its outcome log, fast, for
 * scripts/bench.
 *
 *   bench-gen [-s seed] [-p predictions] [-o outcomes] n
 *
 * Writes n predictions of a churn model to the -p file and their outcomes
 * to the -o file ("-" is stdout; a file not named is not written, but the
 * same numbers are drawn, so the two logs of one (n, seed) always pair,
 * whether written by one run or by two).  The same n and seed give the
 * same bytes on every machine: the generator is xoshiro256** seeded by
 * splitmix64, and every number is printed with integer arithmetic, never
 * through the locale or the C library's float formatting.
 *
 * The shapes are the ones mfm meets in production:
 *   - predictions in time order, one every 2.6 s on average from
 *     2026-11-01T00:00:00Z (1M predictions span about 30 days), with an
 *     id, a model version (1.4.0, or 1.5.0-canary for 20 %), nested
 *     inputs (an object in an object, an array, now and then a string
 *     with escapes or non-ASCII text) and outputs, about 279 bytes a line;
 *   - 0.5 % of the predictions logged twice: the same line again, as a
 *     client retry does (mfm-join gives the copy a null outcome; a peer
 *     that counts distinct ids gets the same labelled count because the
 *     copies are identical);
 *   - outcomes for 90 % of the predictions, delayed from a minute to
 *     about three days (log-uniform), written in the order they arrive
 *     (outcome time); 0.5 % of them sent twice, the copy later; 0.2 %
 *     more are orphans whose id no prediction has;
 *   - the label drawn from a true churn probability the score follows
 *     with noise, the canary a little worse, scores with 4 decimals so
 *     that ties occur as in real logs.
 * Both logs are written as the time goes: an outcome is held (16 bytes, in a
 * heap ordered by arrival time) only until the first prediction not
 * earlier than its arrival, and is written before it.  So each file is in
 * time order, and the two, named as two pipes, together form one stream
 * in time order, out of step by no more than the buffers: a live source
 * for mfm-join, as scripts/bench --stream uses it.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 2026-11-01T00:00:00Z in ms since the epoch. */
#define T0_MS		1793491200000LL
#define MEAN_GAP_MS	2600.0

struct outcome {
	int64_t t_ms;		/* arrival time */
	uint32_t id;		/* prediction number; orphans are past n */
	uint32_t label;		/* 0 or 1 */
};

static uint64_t rs[4];

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
rnd_next(void)
{
	uint64_t r = rotl(rs[1] * 5, 7) * 9, t = rs[1] << 17;

	rs[2] ^= rs[0];
	rs[3] ^= rs[1];
	rs[1] ^= rs[2];
	rs[0] ^= rs[3];
	rs[2] ^= t;
	rs[3] = rotl(rs[3], 45);
	return r;
}

static void
rnd_seed(uint64_t s)
{
	int i;

	for (i = 0; i < 4; i++) {
		uint64_t z = (s += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		rs[i] = z ^ (z >> 31);
	}
}

/* Uniform in [0, 1). */
static double
rnd_unit(void)
{
	return (double)(rnd_next() >> 11) * 0x1.0p-53;
}

static uint32_t
rnd_below(uint32_t n)
{
	return (uint32_t)(((rnd_next() >> 32) * n) >> 32);
}

/* Exponential with mean m, by inversion; log() is exact enough here and
 * gives the same result on every IEEE machine for the same input. */
static double
rnd_exp(double m)
{
	return -m * log(1.0 - rnd_unit());
}

/*
 * An output buffer: lines are built in place and written in large blocks.
 */
struct out {
	FILE *f;
	const char *name;
	char buf[1 << 16];
	size_t len;
};

static void
out_flush(struct out *o)
{
	if (o->f != NULL && o->len > 0 &&
	    fwrite(o->buf, 1, o->len, o->f) != o->len) {
		fprintf(stderr, "bench-gen: %s: %s\n", o->name,
		    strerror(errno));
		exit(2);
	}
	o->len = 0;
}

/* Room for one line; lines here are far shorter than 1 KB. */
static char *
out_room(struct out *o)
{
	if (sizeof(o->buf) - o->len < 1024)
		out_flush(o);
	return o->buf + o->len;
}

static char *
put_s(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static char *
put_u(char *p, uint64_t v)
{
	char t[24];
	int n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	while (n > 0)
		*p++ = t[--n];
	return p;
}

/* v zero-padded to w digits. */
static char *
put_uw(char *p, uint64_t v, int w)
{
	int i;

	for (i = w - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + w;
}

/* A fixed-point number v / 10^d, trailing zeros kept as loggers do. */
static char *
put_fixed(char *p, uint64_t v, int d)
{
	uint64_t s = 1;
	int i;

	for (i = 0; i < d; i++)
		s *= 10;
	p = put_u(p, v / s);
	*p++ = '.';
	return put_uw(p, v % s, d);
}

/* RFC 3339 UTC time with milliseconds, from ms since the epoch. */
static char *
put_time(char *p, int64_t ms)
{
	int64_t days = ms / 86400000, rem = ms % 86400000;
	int64_t z, era, doe, yoe, y, doy, mp, d, m;

	/* Civil date from days since 1970-01-01 (proleptic Gregorian). */
	z = days + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	p = put_uw(p, (uint64_t)y, 4);
	*p++ = '-';
	p = put_uw(p, (uint64_t)m, 2);
	*p++ = '-';
	p = put_uw(p, (uint64_t)d, 2);
	*p++ = 'T';
	p = put_uw(p, (uint64_t)(rem / 3600000), 2);
	*p++ = ':';
	p = put_uw(p, (uint64_t)(rem / 60000 % 60), 2);
	*p++ = ':';
	p = put_uw(p, (uint64_t)(rem / 1000 % 60), 2);
	*p++ = '.';
	p = put_uw(p, (uint64_t)(rem % 1000), 3);
	return put_s(p, "Z");
}

static char *
put_id(char *p, uint32_t id)
{
	p = put_s(p, "\"id\":\"p-");
	p = put_uw(p, id, 8);
	*p++ = '"';
	return p;
}

static const char *plans[] = { "monthly", "annual", "weekly", "trial",
	"family" };
static const char *regions[] = { "eu-west", "eu-central", "us-east",
	"us-west", "ap-south", "sa-east" };
static const char *channels[] = { "web", "ios-app", "android-app",
	"partner", "call-center" };
static const char *devices[] = { "ios", "android", "desktop", "tablet",
	"tv" };
static const char *countries[] = { "FR", "DE", "US", "GB", "BR", "IN", "JP",
	"ES", "IT", "CA" };
/* Already JSON-escaped: what real logs carry now and then. */
static const char *notes[] = { "Z\\u00fcrich", "S\u00e3o Paulo",
	"\\u6771\\u4eac", "na\\u00efve \\\"quoted\\\"", "tab\\there",
	"emoji \\ud83d\\ude00", "a/b\\\\c", "Krak\u00f3w" };

#define PICK(a) (a[rnd_below(sizeof(a) / sizeof(a[0]))])

static void
usage(void)
{
	fputs("usage: bench-gen [-s seed] [-p predictions] [-o outcomes] n\n",
	    stderr);
	exit(2);
}

static FILE *
open_out(const char *path)
{
	FILE *f;

	if (path == NULL)
		return NULL;
	if (strcmp(path, "-") == 0)
		return stdout;
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "bench-gen: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return f;
}

static int
cmp_outcome(const void *a, const void *b)
{
	const struct outcome *x = a, *y = b;

	if (x->t_ms != y->t_ms)
		return x->t_ms < y->t_ms ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static struct out po, oo;

/* The outcomes not yet written: a binary min-heap in cmp_outcome order. */
static struct outcome *oc;
static size_t noc, cap;

static void
heap_push(struct outcome o)
{
	size_t i, up;

	if (noc == cap) {
		cap = cap ? cap * 2 : 1 << 16;
		oc = realloc(oc, cap * sizeof(*oc));
		if (oc == NULL) {
			fputs("bench-gen: out of memory\n", stderr);
			exit(2);
		}
	}
	for (i = noc++; i > 0; i = up) {
		up = (i - 1) / 2;
		if (cmp_outcome(&oc[up], &o) <= 0)
			break;
		oc[i] = oc[up];
	}
	oc[i] = o;
}

static struct outcome
heap_pop(void)
{
	struct outcome top = oc[0], last = oc[--noc];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < noc) {
		if (c + 1 < noc && cmp_outcome(&oc[c + 1], &oc[c]) < 0)
			c++;
		if (cmp_outcome(&last, &oc[c]) <= 0)
			break;
		oc[i] = oc[c];
		i = c;
	}
	oc[i] = last;
	return top;
}

/*
 * Write the outcomes that arrive at or before t (all of them with
 * INT64_MAX).  Every outcome drawn later arrives at least a minute after
 * its prediction, so later than t: the outcome log comes out in the order
 * a sort of all of them would give, and outcomes precede a prediction of
 * the same time, as mfm-join reads them.
 */
static void
write_outcomes(int64_t t)
{
	while (noc > 0 && oc[0].t_ms <= t) {
		struct outcome o = heap_pop();
		char *p, *start;

		if (oo.f == NULL)
			continue;
		start = p = out_room(&oo);
		*p++ = '{';
		p = put_id(p, o.id);
		p = put_s(p, ",\"timestamp\":\"");
		p = put_time(p, o.t_ms);
		p = put_s(p, o.label ? "\",\"churned\":true}\n" :
		    "\",\"churned\":false}\n");
		oo.len += (size_t)(p - start);
	}
}

int
main(int argc, char **argv)
{
	const char *ppath = NULL, *opath = NULL;
	unsigned long long seed = 1;
	uint64_t n, i;
	double t = 0;
	char *end;
	int c;

	while ((c = getopt(argc, argv, "s:p:o:")) != -1) {
		switch (c) {
		case 's':
			seed = strtoull(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0')
				usage();
			break;
		case 'p':
			ppath = optarg;
			break;
		case 'o':
			opath = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	n = strtoull(argv[optind], &end, 10);
	if (*argv[optind] == '\0' || *end != '\0' || n == 0 || n > 49999999)
		usage();
	po.f = open_out(ppath);
	po.name = ppath;
	oo.f = open_out(opath);
	oo.name = opath;
	rnd_seed(seed);

	for (i = 1; i <= n; i++) {
		int canary = rnd_unit() < 0.2, twice = rnd_unit() < 0.005;
		double truth, score, noise;
		int64_t tms;
		uint32_t label;
		char *p, *start;

		t += rnd_exp(MEAN_GAP_MS);
		tms = T0_MS + (int64_t)t;
		write_outcomes(tms);
		/* A true churn probability, skewed low as churn is rare-ish. */
		truth = rnd_unit();
		truth = truth * truth * 0.9 + 0.02;
		label = rnd_unit() < truth;
		noise = (rnd_unit() + rnd_unit() + rnd_unit() - 1.5) *
		    (canary ? 0.5 : 0.35);
		score = truth + noise;
		if (score < 0)
			score = -score * 0.1;
		if (score > 1)
			score = 1 - (score - 1) * 0.1;

		start = p = out_room(&po);
		*p++ = '{';
		p = put_id(p, (uint32_t)i);
		p = put_s(p, ",\"timestamp\":\"");
		p = put_time(p, tms);
		p = put_s(p, canary ? "\",\"model_version\":\"1.5.0-canary\"" :
		    "\",\"model_version\":\"1.4.0\"");
		p = put_s(p, ",\"inputs\":{\"plan\":\"");
		p = put_s(p, PICK(plans));
		p = put_s(p, "\",\"region\":\"");
		p = put_s(p, PICK(regions));
		p = put_s(p, "\",\"channel\":\"");
		p = put_s(p, PICK(channels));
		p = put_s(p, "\",\"tenure\":");
		p = put_u(p, rnd_below(121));
		p = put_s(p, ",\"spend\":");
		p = put_fixed(p, rnd_below(25000), 2);
		p = put_s(p, ",\"device\":\"");
		p = put_s(p, PICK(devices));
		p = put_s(p, "\",\"geo\":{\"country\":\"");
		p = put_s(p, PICK(countries));
		p = put_s(p, "\"},\"segments\":[");
		p = put_u(p, rnd_below(40));
		*p++ = ',';
		p = put_u(p, rnd_below(40));
		*p++ = ']';
		if (rnd_unit() < 0.02) {
			p = put_s(p, ",\"note\":\"");
			p = put_s(p, PICK(notes));
			*p++ = '"';
		} else if (rnd_unit() < 0.05) {
			p = put_s(p, ",\"referrer\":null");
		}
		p = put_s(p, "},\"outputs\":{\"probability_churn\":");
		p = put_fixed(p, (uint64_t)(score * 10000 + 0.5), 4);
		p = put_s(p, "}}\n");
		po.len += (size_t)(p - start);
		if (twice) {
			/* The retry: the same bytes again. */
			memcpy(p, start, (size_t)(p - start));
			po.len += (size_t)(p - start);
		}

		if (rnd_unit() < 0.9) {
			/* Log-uniform delay, one minute to about three days. */
			double d = 60000.0 * exp(rnd_unit() * 8.4);
			int resend = rnd_unit() < 0.005;
			struct outcome o;

			o.t_ms = tms + (int64_t)d;
			o.id = (uint32_t)i;
			o.label = label;
			heap_push(o);
			if (resend) {
				o.t_ms += 1000 + rnd_below(3600000);
				heap_push(o);
			}
			if (rnd_unit() < 0.002) {
				o.t_ms = tms + (int64_t)d;
				o.id = (uint32_t)(n + i);
				heap_push(o);
			}
		}
	}
	/* The last predictions before the outcomes that come after them. */
	out_flush(&po);
	write_outcomes(INT64_MAX);
	out_flush(&oo);
	free(oc);
	if ((po.f != NULL && fflush(po.f) == EOF) ||
	    (oo.f != NULL && fflush(oo.f) == EOF)) {
		fprintf(stderr, "bench-gen: write error: %s\n",
		    strerror(errno));
		return 2;
	}
	return 0;
}
