/*
 * Counting whether field paths match; see hits.h.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/hits.h"
#include "lib/banned.h"

/* Paths longer than this are not compared for suggestions. */
#define NEAR_MAX 256

struct mfm_hits *
mfm_hits_new(const char *noun)
{
	struct mfm_hits *h = mfm_xcalloc(1, sizeof(*h));

	h->noun = mfm_xstrdup(noun);
	return h;
}

void
mfm_hits_free(struct mfm_hits *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++) {
		free(h->e[i].opt);
		free(h->e[i].text);
	}
	for (i = 0; i < h->nseen; i++)
		free(h->seen[i]);
	free(h->seen);
	free(h->e);
	free(h->noun);
	mfm_buf_release(&h->tmp);
	free(h);
}

size_t
mfm_hits_add(struct mfm_hits *h, const char *opt,
    const struct mfm_json_path *p, int flags, size_t f)
{
	struct mfm_hits_path *e;

	h->e = mfm_xreallocarray(h->e, h->n + 1, sizeof(*h->e));
	e = &h->e[h->n];
	memset(e, 0, sizeof(*e));
	e->opt = mfm_xstrdup(opt);
	e->p = p;
	e->flags = flags;
	e->f = f;
	mfm_buf_clear(&h->tmp);
	mfm_buf_adds(&h->tmp, p->text);
	if (flags & MFM_HITS_WILD)
		mfm_buf_adds(&h->tmp, ".*");
	e->text = mfm_buf_detach(&h->tmp);
	if (flags & MFM_HITS_OPTIONAL)
		h->nfound++;
	return h->n++;
}

/*
 * Append key token k of j to the path in b, escaped as paths are; -1
 * for a key no path can name (it holds a NUL).
 */
static int
put_key(struct mfm_buf *b, const struct mfm_json *j, int k, struct mfm_buf *s)
{
	const char *name;
	size_t n, i;

	name = mfm_json_str(j, k, &n, s);
	if (name == NULL || memchr(name, '\0', n) != NULL)
		return -1;
	if (n == 0) {
		mfm_buf_add(b, "\"\"", 2);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (name[i] == '.' || name[i] == '\\' ||
		    (i == 0 && name[i] == '"'))
			mfm_buf_addc(b, '\\');
		mfm_buf_addc(b, name[i]);
	}
	return 0;
}

static void
seen_add(struct mfm_hits *h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < h->nseen; i++)
		if (strlen(h->seen[i]) == n && memcmp(h->seen[i], s, n) == 0)
			return;
	if (h->nseen == MFM_HITS_SEEN_MAX)
		return;
	h->seen = mfm_xreallocarray(h->seen, h->nseen + 1, sizeof(*h->seen));
	h->seen[h->nseen++] = mfm_xmemdup(s, n);
}

/* Every path into the object at token obj, its own path in path. */
static void
collect(struct mfm_hits *h, const struct mfm_json *j, int obj,
    struct mfm_buf *path, int depth, struct mfm_buf *s)
{
	size_t len = path->len;
	int k;

	for (k = mfm_json_first(j, obj); k >= 0; k = mfm_json_next(j, obj, k)) {
		path->len = len;
		if (len > 0)
			mfm_buf_addc(path, '.');
		if (put_key(path, j, k, s) != 0)
			continue;
		seen_add(h, path->p, path->len);
		if (depth + 1 < MFM_HITS_DEPTH &&
		    mfm_json_type_of(j, k + 1) == MFM_JSON_OBJECT)
			collect(h, j, k + 1, path, depth + 1, s);
	}
	path->len = len;
	if (path->p != NULL)
		path->p[len] = '\0';
}

/* j is one of the first records or new in shape (h->nrec counts it). */
static int
wanted(const struct mfm_hits *h, const struct mfm_json *j, uint64_t nrec)
{
	uint64_t bit;

	if (j->ntok == 0 || j->tok[0].type != MFM_JSON_OBJECT)
		return 0;
	bit = UINT64_C(1) << (j->tok[0].count % 64);
	return nrec <= MFM_HITS_FIRST || !(h->shapes & bit);
}

int
mfm_hits_samples(const struct mfm_hits *h, const struct mfm_json *j)
{
	return (h->nfound < h->n || h->all) &&
	    h->nsampled < MFM_HITS_SAMPLE && wanted(h, j, h->nrec + 1);
}

/* Keep the paths of j if it is one of the first records or new in shape. */
static void
sample(struct mfm_hits *h, const struct mfm_json *j)
{
	struct mfm_buf path = MFM_BUF_INIT;
	uint64_t bit;

	if (!wanted(h, j, h->nrec))
		return;
	bit = UINT64_C(1) << (j->tok[0].count % 64);
	h->shapes |= bit;
	h->nsampled++;
	collect(h, j, 0, &path, 0, &h->tmp);
	mfm_buf_release(&path);
}

/*
 * Path e is not plainly found in j (token t): found, missing or null?
 * Returns 1 when found.
 */
static int
classify(struct mfm_hits_path *e, const struct mfm_json *j, int t)
{
	const struct mfm_json_path *p = e->p;
	size_t k;

	if (t >= 0) {
		/* Only a wildcard's prefix comes here found. */
		if (mfm_json_type_of(j, t) == MFM_JSON_NULL)
			e->under_null++;
		else if (mfm_json_type_of(j, t) == MFM_JSON_OBJECT &&
		    mfm_json_first(j, t) >= 0)
			return e->found++, 1;
		else
			e->missing++;
		return 0;
	}
	for (t = 0, k = 0; k < p->nseg; k++) {
		if (mfm_json_type_of(j, t) == MFM_JSON_NULL) {
			e->under_null++;
			return 0;
		}
		t = mfm_json_step(j, t, &p->seg[k]);
		if (t < 0)
			break;
	}
	e->missing++;
	return 0;
}

/* Until every path is found (mfm_hits_count), or with all. */
void
mfm_hits_count_slow(struct mfm_hits *h, const struct mfm_json *j,
    const int *tok)
{
	struct mfm_hits_path *e;
	size_t i;
	int t;

	if (h->nsampled < MFM_HITS_SAMPLE)
		sample(h, j);
	for (i = 0; i < h->n; i++) {
		e = &h->e[i];
		t = e->f != MFM_HITS_OWN ? tok[e->f] :
		    mfm_json_get(j, 0, e->p);
		if (t >= 0 && !(e->flags & MFM_HITS_WILD)) {
			h->nfound += e->found++ == 0 &&
			    !(e->flags & MFM_HITS_OPTIONAL);
			continue;
		}
		if (classify(e, j, t) && e->found == 1 &&
		    !(e->flags & MFM_HITS_OPTIONAL))
			h->nfound++;
	}
}

/* Edit distance with transpositions (optimal string alignment). */
static size_t
distance(const char *a, size_t n, const char *b, size_t m)
{
	size_t row[3][NEAR_MAX + 1], *r2, *r1, *r0, i, k, c, v;

	for (k = 0; k <= m; k++)
		row[1][k] = k;
	r2 = row[0];
	r1 = row[1];
	r0 = row[2];
	for (i = 1; i <= n; i++) {
		r0[0] = i;
		for (k = 1; k <= m; k++) {
			c = a[i - 1] != b[k - 1];
			v = r1[k - 1] + c;
			if (r1[k] + 1 < v)
				v = r1[k] + 1;
			if (r0[k - 1] + 1 < v)
				v = r0[k - 1] + 1;
			if (i > 1 && k > 1 && a[i - 1] == b[k - 2] &&
			    a[i - 2] == b[k - 1] && r2[k - 2] + 1 < v)
				v = r2[k - 2] + 1;
			r0[k] = v;
		}
		/* rotate: r2 <- r1 <- r0 */
		{
			size_t *t = r2;

			r2 = r1;
			r1 = r0;
			r0 = t;
		}
	}
	return r1[m];
}

/* The last segment of a path as written: after its last unescaped dot. */
static const char *
last_seg(const char *s)
{
	const char *last = s;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		else if (*s == '.')
			last = s + 1;
	}
	return last;
}

size_t
mfm_hits_near(const struct mfm_hits *h, size_t i, const char **out,
    size_t max, int *close)
{
	char *want;
	const char *ws;
	size_t n, m, k, q, got = 0, *rank, best = SIZE_MAX;

	*close = 0;
	if (h->nseen == 0 || max == 0)
		return 0;
	/* The paths may be gone by now: only their copied text is used. */
	n = strlen(h->e[i].text);
	if (h->e[i].flags & MFM_HITS_WILD)
		n -= 2;		/* ".*" */
	want = mfm_xmemdup(h->e[i].text, n);
	ws = last_seg(want);
	rank = mfm_xcalloc(h->nseen, sizeof(*rank));
	for (k = 0; k < h->nseen; k++) {
		m = strlen(h->seen[k]);
		if (strcmp(last_seg(h->seen[k]), ws) == 0)
			rank[k] = 0;
		else if (n > NEAR_MAX || m > NEAR_MAX)
			rank[k] = SIZE_MAX;
		else
			rank[k] = distance(want, n, h->seen[k], m) + 1;
		if (rank[k] < best)
			best = rank[k];
	}
	/* Near enough to be a slip: a third of the path, at least 1. */
	*close = best <= 1 + (n / 3 > 1 ? n / 3 : 1);
	while (got < max) {
		q = SIZE_MAX;
		for (k = 0; k < h->nseen; k++)
			if (rank[k] != SIZE_MAX && (q == SIZE_MAX ||
			    rank[k] < rank[q]))
				q = k;
		if (q == SIZE_MAX || (*close && rank[q] != best))
			break;
		out[got++] = h->seen[q];
		rank[q] = SIZE_MAX;
	}
	free(rank);
	free(want);
	return got;
}
