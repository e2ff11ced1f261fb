/*
 * bench-gen: a deterministic prediction log and its outcome log, fast, for
 * scripts/bench.
 *
 *   bench-gen [-s seed] [-p predictions] [-o outcomes] [shape options] n
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
 *
 * Shape options change the logs for scripts/bench's grid of shapes; the
 * defaults are the shape above, byte for byte (a knob left alone draws
 * no number, so the sequence of draws is the same):
 *   --gap MS          mean time between predictions (2600)
 *   --labelled F      share of predictions that get an outcome (0.9)
 *   --delay DIST      label delay: loguniform:MIN:MAX (loguniform:1m:74.1h,
 *                     the default), or lognormal:MEDIAN:SIGMA:MAX (at least
 *                     a minute, at most MAX); durations as 90s, 5m, 3h, 2d
 *   --ids FORMAT      p8 ("p-00000001"), r7 ("r0000001"), uuid (random
 *                     version 4 UUIDs, from the number and the seed) or int
 *                     (a JSON number)
 *   --disorder MS     a prediction's timestamp is up to MS (below 30000)
 *                     earlier than its place in the log: the log is out of
 *                     order by that much (0)
 *   --width N         N more input features in each prediction (0)
 *   --depth D         the extra features nested D objects deep (1)
 *   --retries F       share of predictions logged twice (0.005)
 *   --resend F        share of outcomes sent twice (0.005)
 *   --flip F          share of resent outcomes with the other label (0)
 *   --orphans F       share of outcomes whose id no prediction has (0.002)
 *   --outcome-time s  outcomes' timestamps in whole seconds (ms)
 *   --label int       labels as 0 and 1, not false and true (bool)
 */
#include <errno.h>
#include <getopt.h>
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

/*
 * Room for one line written twice (a retry): a line is at most about
 * 400 bytes, 2 KB more for 99 extra features, 256 for 32 levels.
 */
#define LINE_ROOM 8192

static char *
out_room(struct out *o)
{
	if (sizeof(o->buf) - o->len < LINE_ROOM)
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

/* The shape of the logs: see the options at the top. */
enum ids { IDS_P8, IDS_R7, IDS_UUID, IDS_INT };

static struct shape {
	double gap_ms, labelled;
	int lognormal;
	double dmin_ms, dspan, dmedian_ms, dsigma, dmax_ms;
	enum ids ids;
	uint64_t uuid_seed;
	int64_t disorder_ms;
	int width, depth;
	double retries, resend, flip, orphans;
	int outcome_s, label_int;
} sh = {
	MEAN_GAP_MS, 0.9,
	0, 60000.0, 8.4, 0, 0, 0,
	IDS_P8, 0,
	0,
	0, 1,
	0.005, 0.005, 0, 0.002,
	0, 0
};

/* v in at least w digits, zero-padded. */
static char *
put_upad(char *p, uint64_t v, int w)
{
	uint64_t lim = 1;
	int i;

	for (i = 0; i < w; i++)
		lim *= 10;
	return v < lim ? put_uw(p, v, w) : put_u(p, v);
}

/* A 64-bit mix of x (splitmix64's finalizer). */
static uint64_t
mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static char *
put_hex(char *p, uint64_t v, int digits)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = digits - 1; i >= 0; i--) {
		p[i] = hex[v & 15];
		v >>= 4;
	}
	return p + digits;
}

static char *
put_id(char *p, uint32_t id)
{
	uint64_t a, b;

	switch (sh.ids) {
	case IDS_P8:
		p = put_s(p, "\"id\":\"p-");
		p = put_upad(p, id, 8);
		break;
	case IDS_R7:
		p = put_s(p, "\"id\":\"r");
		p = put_upad(p, id, 7);
		break;
	case IDS_UUID:
		/* A version 4 UUID, a function of the number: no draw. */
		a = mix64(sh.uuid_seed ^ (id * 0x9e3779b97f4a7c15ULL));
		b = mix64(a + id);
		p = put_s(p, "\"id\":\"");
		p = put_hex(p, a >> 32, 8);
		*p++ = '-';
		p = put_hex(p, a >> 16, 4);
		*p++ = '-';
		*p++ = '4';
		p = put_hex(p, a, 3);
		*p++ = '-';
		*p++ = "89ab"[b >> 62];
		p = put_hex(p, b >> 48, 3);
		*p++ = '-';
		p = put_hex(p, b, 12);
		break;
	case IDS_INT:
		p = put_s(p, "\"id\":");
		return put_u(p, id);
	}
	*p++ = '"';
	return p;
}

/* An outcome's arrival time as written: whole seconds with --outcome-time s. */
static char *
put_otime(char *p, int64_t ms)
{
	if (!sh.outcome_s)
		return put_time(p, ms);
	p = put_time(p, ms - ms % 1000);
	p -= 5;		/* ".000Z" */
	return put_s(p, "Z");
}

/* A normal deviate (Box-Muller), for lognormal delays. */
static double
rnd_normal(void)
{
	double u = 1.0 - rnd_unit(), v = rnd_unit();

	return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* A label delay, ms. */
static double
rnd_delay(void)
{
	double d;

	if (!sh.lognormal)
		return sh.dmin_ms * exp(rnd_unit() * sh.dspan);
	d = sh.dmedian_ms * exp(sh.dsigma * rnd_normal());
	if (d < 60000.0)
		d = 60000.0;
	if (d > sh.dmax_ms)
		d = sh.dmax_ms;
	return d;
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

static const char *levels[] = { "low", "medium", "high", "unknown" };

/*
 * The --width extra features, in --depth nested objects: numbers with
 * four decimals, small integers, flags and short strings in turn.
 */
static char *
put_features(char *p)
{
	int i;

	p = put_s(p, ",\"features\":{");
	for (i = 1; i < sh.depth; i++)
		p = put_s(p, "\"ctx\":{");
	for (i = 0; i < sh.width; i++) {
		if (i > 0)
			*p++ = ',';
		p = put_s(p, "\"f");
		p = put_uw(p, (uint64_t)i, 2);
		p = put_s(p, "\":");
		switch (i % 4) {
		case 0:
			p = put_fixed(p, rnd_below(1000000), 4);
			break;
		case 1:
			p = put_u(p, rnd_below(1000));
			break;
		case 2:
			p = put_s(p, rnd_below(2) ? "true" : "false");
			break;
		case 3:
			*p++ = '"';
			p = put_s(p, PICK(levels));
			*p++ = '"';
			break;
		}
	}
	for (i = 0; i < sh.depth; i++)
		*p++ = '}';
	return p;
}

static void
usage(void)
{
	fputs("usage: bench-gen [-s seed] [-p predictions] [-o outcomes] "
	    "[--gap MS]\n"
	    "                 [--labelled F] [--delay DIST] [--ids FORMAT] "
	    "[--disorder MS]\n"
	    "                 [--width N] [--depth D] [--retries F] "
	    "[--resend F] [--flip F]\n"
	    "                 [--orphans F] [--outcome-time s|ms] "
	    "[--label bool|int] n\n", stderr);
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
		p = put_otime(p, o.t_ms);
		if (sh.label_int)
			p = put_s(p, o.label ? "\",\"churned\":1}\n" :
			    "\",\"churned\":0}\n");
		else
			p = put_s(p, o.label ? "\",\"churned\":true}\n" :
			    "\",\"churned\":false}\n");
		oo.len += (size_t)(p - start);
	}
}

/* A duration such as 90s, 5m, 3h or 2d, in ms; -1 when bad. */
static double
duration_ms(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0)
		return -1;
	switch (*end) {
	case 's':
		v *= 1000;
		break;
	case 'm':
		v *= 60000;
		break;
	case 'h':
		v *= 3600000;
		break;
	case 'd':
		v *= 86400000;
		break;
	default:
		return -1;
	}
	return end[1] == '\0' ? v : -1;
}

/* A number in [lo, hi]; usage() when not. */
static double
number(const char *s, double lo, double hi)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v >= lo && v <= hi))
		usage();
	return v;
}

/* --delay loguniform:MIN:MAX or lognormal:MEDIAN:SIGMA:MAX */
static void
parse_delay(const char *arg)
{
	char buf[128], *f[4], *save = NULL;
	int nf = 0;

	if (strlen(arg) >= sizeof(buf))
		usage();
	strcpy(buf, arg);
	for (f[nf] = strtok_r(buf, ":", &save); f[nf] != NULL && nf < 3;
	    f[nf] = strtok_r(NULL, ":", &save))
		nf++;
	if (f[nf] != NULL)
		nf++;
	if (nf == 3 && strcmp(f[0], "loguniform") == 0) {
		double lo = duration_ms(f[1]), hi = duration_ms(f[2]);

		if (lo < 60000 || hi <= lo)
			usage();
		sh.lognormal = 0;
		sh.dmin_ms = lo;
		sh.dspan = log(hi / lo);
	} else if (nf == 4 && strcmp(f[0], "lognormal") == 0) {
		sh.lognormal = 1;
		sh.dmedian_ms = duration_ms(f[1]);
		sh.dsigma = number(f[2], 0, 10);
		sh.dmax_ms = duration_ms(f[3]);
		if (sh.dmedian_ms < 60000 || sh.dmax_ms < sh.dmedian_ms)
			usage();
	} else
		usage();
}

enum {
	OPT_GAP = 0x100, OPT_LABELLED, OPT_DELAY, OPT_IDS, OPT_DISORDER,
	OPT_WIDTH, OPT_DEPTH, OPT_RETRIES, OPT_RESEND, OPT_FLIP, OPT_ORPHANS,
	OPT_OUTCOME_TIME, OPT_LABEL
};

static const struct option longopts[] = {
	{ "gap", required_argument, NULL, OPT_GAP },
	{ "labelled", required_argument, NULL, OPT_LABELLED },
	{ "delay", required_argument, NULL, OPT_DELAY },
	{ "ids", required_argument, NULL, OPT_IDS },
	{ "disorder", required_argument, NULL, OPT_DISORDER },
	{ "width", required_argument, NULL, OPT_WIDTH },
	{ "depth", required_argument, NULL, OPT_DEPTH },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "resend", required_argument, NULL, OPT_RESEND },
	{ "flip", required_argument, NULL, OPT_FLIP },
	{ "orphans", required_argument, NULL, OPT_ORPHANS },
	{ "outcome-time", required_argument, NULL, OPT_OUTCOME_TIME },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char **argv)
{
	const char *ppath = NULL, *opath = NULL;
	unsigned long long seed = 1;
	uint64_t n, i;
	double t = 0;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "s:p:o:", longopts, NULL)) !=
	    -1) {
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
		case OPT_GAP:
			sh.gap_ms = number(optarg, 1, 1e9);
			break;
		case OPT_LABELLED:
			sh.labelled = number(optarg, 0, 1);
			break;
		case OPT_DELAY:
			parse_delay(optarg);
			break;
		case OPT_IDS:
			if (strcmp(optarg, "p8") == 0)
				sh.ids = IDS_P8;
			else if (strcmp(optarg, "r7") == 0)
				sh.ids = IDS_R7;
			else if (strcmp(optarg, "uuid") == 0)
				sh.ids = IDS_UUID;
			else if (strcmp(optarg, "int") == 0)
				sh.ids = IDS_INT;
			else
				usage();
			break;
		case OPT_DISORDER:
			sh.disorder_ms = (int64_t)number(optarg, 0, 29999);
			break;
		case OPT_WIDTH:
			sh.width = (int)number(optarg, 0, 99);
			break;
		case OPT_DEPTH:
			sh.depth = (int)number(optarg, 1, 32);
			break;
		case OPT_RETRIES:
			sh.retries = number(optarg, 0, 1);
			break;
		case OPT_RESEND:
			sh.resend = number(optarg, 0, 1);
			break;
		case OPT_FLIP:
			sh.flip = number(optarg, 0, 1);
			break;
		case OPT_ORPHANS:
			sh.orphans = number(optarg, 0, 1);
			break;
		case OPT_OUTCOME_TIME:
			if (strcmp(optarg, "s") != 0 &&
			    strcmp(optarg, "ms") != 0)
				usage();
			sh.outcome_s = optarg[0] == 's';
			break;
		case OPT_LABEL:
			if (strcmp(optarg, "bool") != 0 &&
			    strcmp(optarg, "int") != 0)
				usage();
			sh.label_int = optarg[0] == 'i';
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
	sh.uuid_seed = mix64(seed + 0x9e3779b97f4a7c15ULL);

	for (i = 1; i <= n; i++) {
		int canary = rnd_unit() < 0.2, twice = rnd_unit() < sh.retries;
		double truth, score, noise;
		int64_t tms, ems;
		uint32_t label;
		char *p, *start;

		t += rnd_exp(sh.gap_ms);
		tms = T0_MS + (int64_t)t;
		write_outcomes(tms);
		/* Its event time: earlier than its place with --disorder. */
		ems = tms;
		if (sh.disorder_ms > 0)
			ems -= rnd_below((uint32_t)sh.disorder_ms);
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
		p = put_time(p, ems);
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
		*p++ = '}';
		if (sh.width > 0)
			p = put_features(p);
		p = put_s(p, ",\"outputs\":{\"probability_churn\":");
		p = put_fixed(p, (uint64_t)(score * 10000 + 0.5), 4);
		p = put_s(p, "}}\n");
		po.len += (size_t)(p - start);
		if (twice) {
			/* The retry: the same bytes again. */
			memcpy(p, start, (size_t)(p - start));
			po.len += (size_t)(p - start);
		}

		if (rnd_unit() < sh.labelled) {
			/* One minute to about three days by default. */
			double d = rnd_delay();
			int resend = rnd_unit() < sh.resend;
			struct outcome o;

			o.t_ms = ems + (int64_t)d;
			o.id = (uint32_t)i;
			o.label = label;
			heap_push(o);
			if (resend) {
				o.t_ms += 1000 + rnd_below(3600000);
				if (sh.flip > 0 && rnd_unit() < sh.flip)
					o.label ^= 1;
				heap_push(o);
			}
			if (rnd_unit() < sh.orphans) {
				o.t_ms = ems + (int64_t)d;
				o.id = (uint32_t)(n + i);
				o.label = label;
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
