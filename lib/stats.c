/*
 * Two-sample statistics; see stats.h.
 *
 * The incomplete gamma function is the textbook pair: the power series
 * of P(a, x) where it converges fast (x < a + 1) and Legendre's
 * continued fraction for Q(a, x) elsewhere, evaluated with the modified
 * Lentz method, both to double precision.  The exact KS p-value walks
 * the lattice of the two samples column by column, holding each cell as
 * a probability (the share of paths to it that left the band) rather
 * than a count, so nothing overflows and no large binomial coefficient
 * is ever divided out.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/buf.h"
#include "lib/stats.h"
#include "lib/banned.h"

#define GAMMA_EPS	1e-16
#define GAMMA_ITMAX	100000
#define GAMMA_TINY	1e-300

static double
gamma_p_series(double a, double x)
{
	double sum, del, ap;
	int i;

	ap = a;
	sum = del = 1.0 / a;
	for (i = 0; i < GAMMA_ITMAX; i++) {
		ap += 1;
		del *= x / ap;
		sum += del;
		if (fabs(del) < fabs(sum) * GAMMA_EPS)
			break;
	}
	return sum * exp(-x + a * log(x) - lgamma(a));
}

static double
gamma_q_fraction(double a, double x)
{
	double b, c, d, h, an, del;
	int i;

	b = x + 1 - a;
	c = 1 / GAMMA_TINY;
	d = 1 / b;
	h = d;
	for (i = 1; i < GAMMA_ITMAX; i++) {
		an = -i * (i - a);
		b += 2;
		d = an * d + b;
		if (fabs(d) < GAMMA_TINY)
			d = GAMMA_TINY;
		c = b + an / c;
		if (fabs(c) < GAMMA_TINY)
			c = GAMMA_TINY;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < GAMMA_EPS)
			break;
	}
	return exp(-x + a * log(x) - lgamma(a)) * h;
}

double
mfm_stats_gammaq(double a, double x)
{
	if (isnan(a) || isnan(x) || a <= 0 || x < 0)
		return NAN;
	if (x == 0)
		return 1;
	if (isinf(x))
		return 0;
	if (x < a + 1)
		return 1 - gamma_p_series(a, x);
	return gamma_q_fraction(a, x);
}

double
mfm_stats_chi2_sf(double x, double dof)
{
	if (dof <= 0)
		return NAN;
	if (x <= 0)
		return 1;
	return mfm_stats_gammaq(dof / 2, x / 2);
}

double
mfm_stats_norm_sf(double z)
{
	return 0.5 * erfc(z / sqrt(2.0));
}

double
mfm_stats_kolmogorov_sf(double x)
{
	double s, t, cdf;
	int k;

	if (x <= 0)
		return 1;
	if (x < 1) {
		/* The theta-function form converges fast for small x. */
		cdf = 0;
		for (k = 1; k < 100; k++) {
			t = exp(-(2.0 * k - 1) * (2.0 * k - 1) * M_PI * M_PI /
			    (8 * x * x));
			cdf += t;
			if (t < 1e-20)
				break;
		}
		return 1 - sqrt(2 * M_PI) / x * cdf;
	}
	s = 0;
	for (k = 1; k < 100; k++) {
		t = exp(-2.0 * k * k * x * x);
		s += (k % 2 ? t : -t);
		if (t < 1e-20)
			break;
	}
	s *= 2;
	return s < 0 ? 0 : s > 1 ? 1 : s;
}

double
mfm_stats_ks(const struct mfm_stats_vc *a, size_t na, double n1,
    const struct mfm_stats_vc *b, size_t nb, double n2)
{
	double ca = 0, cb = 0, d = 0, diff, v;
	size_t i = 0, j = 0;

	/* Both empirical CDFs at every distinct value, right-continuous. */
	while (i < na || j < nb) {
		if (j >= nb || (i < na && a[i].v < b[j].v))
			v = a[i].v;
		else
			v = b[j].v;
		while (i < na && a[i].v == v)
			ca += a[i++].c;
		while (j < nb && b[j].v == v)
			cb += b[j++].c;
		diff = fabs(ca / n1 - cb / n2);
		if (diff > d)
			d = diff;
	}
	return d;
}

static uint64_t
gcd64(uint64_t a, uint64_t b)
{
	uint64_t t;

	while (b != 0) {
		t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/*
 * P(D >= h / lcm) for samples of m >= n values: the share of lattice
 * paths from (0, 0) to (m, n) that touch or leave the band
 * |i ng - j mg| < h (ng = n / g, mg = m / g).  col[j] holds, for the
 * current column i, the probability that a random path to (i, j) has
 * left the band on the way: 1 outside the band, and inside it the mean
 * of the cell to the left (weight i / (i + j)) and the one below
 * (weight j / (i + j)).  Computing the outside share directly, rather
 * than 1 minus the inside share, keeps p-values far below the machine
 * epsilon accurate.
 */
static double
ks_exact(uint64_t m, uint64_t n, uint64_t h)
{
	uint64_t g = gcd64(m, n), mg = m / g, ng = n / g, i, j;
	int64_t lo, hi, plo = 0, phi;
	double *col, p;

	col = mfm_xreallocarray(NULL, n + 1, sizeof(*col));
	for (j = 0; j <= n; j++)
		col[j] = 1;
	/* Column 0: rows with j mg < h are inside. */
	phi = (int64_t)((h + mg - 1) / mg) - 1;
	if (phi > (int64_t)n)
		phi = (int64_t)n;
	for (j = 0; (int64_t)j <= phi; j++)
		col[j] = 0;
	for (i = 1; i <= m; i++) {
		/* Rows with |i ng - j mg| < h. */
		int64_t c = (int64_t)(i * ng), hh = (int64_t)h;

		lo = c - hh < 0 ? 0 : (c - hh) / (int64_t)mg + 1;
		hi = (c + hh - 1) / (int64_t)mg;
		if (hi > (int64_t)n)
			hi = (int64_t)n;
		if (lo > hi) {
			free(col);
			return 1;
		}
		for (j = (uint64_t)plo; (int64_t)j < lo; j++)
			col[j] = 1;
		for (j = (uint64_t)lo; (int64_t)j <= hi; j++) {
			double left = col[j], below = j > 0 ? col[j - 1] : 0;

			col[j] = (left * (double)i + below * (double)j) /
			    (double)(i + j);
		}
		plo = lo;
	}
	p = col[n];
	free(col);
	return p < 0 ? 0 : p > 1 ? 1 : p;
}

double
mfm_stats_ks_p(double d, size_t n1, size_t n2, size_t exact_max,
    int *exact)
{
	uint64_t m = n1, n = n2, g, lcm, h;
	double en;

	if (m < n) {
		m = n2;
		n = n1;
	}
	*exact = 0;
	if (n == 0)
		return NAN;
	if (m <= exact_max) {
		g = gcd64(m, n);
		lcm = m / g * n;
		h = (uint64_t)llround(d * (double)lcm);
		*exact = 1;
		if (h == 0)
			return 1;
		return ks_exact(m, n, h);
	}
	en = (double)m * (double)n / ((double)m + (double)n);
	return mfm_stats_kolmogorov_sf(sqrt(en) * d);
}

double
mfm_stats_wasserstein(const struct mfm_stats_vc *a, size_t na, double n1,
    const struct mfm_stats_vc *b, size_t nb, double n2)
{
	double ca = 0, cb = 0, sum = 0, v, next;
	size_t i = 0, j = 0;

	/* The integral of |F1 - F2| between consecutive distinct values. */
	while (i < na || j < nb) {
		if (j >= nb || (i < na && a[i].v < b[j].v))
			v = a[i].v;
		else
			v = b[j].v;
		while (i < na && a[i].v == v)
			ca += a[i++].c;
		while (j < nb && b[j].v == v)
			cb += b[j++].c;
		if (i >= na && j >= nb)
			break;
		if (j >= nb || (i < na && a[i].v < b[j].v))
			next = a[i].v;
		else
			next = b[j].v;
		sum += fabs(ca / n1 - cb / n2) * (next - v);
	}
	return sum;
}

static double
total(const double *p, size_t k)
{
	double s = 0;
	size_t i;

	for (i = 0; i < k; i++)
		s += p[i];
	return s;
}

static double
rel_entr(double x, double y)
{
	if (x == 0)
		return 0;
	return x * log(x / y);
}

double
mfm_stats_js(const double *p, const double *q, size_t k)
{
	double sp = total(p, k), sq = total(q, k), l = 0, r = 0, a, b, m;
	size_t i;

	for (i = 0; i < k; i++) {
		a = p[i] / sp;
		b = q[i] / sq;
		m = (a + b) / 2;
		l += rel_entr(a, m);
		r += rel_entr(b, m);
	}
	m = (l + r) / 2;
	return sqrt(m < 0 ? 0 : m);
}

double
mfm_stats_linf(const double *p, const double *q, size_t k)
{
	double sp = total(p, k), sq = total(q, k), d = 0, x;
	size_t i;

	for (i = 0; i < k; i++) {
		x = fabs(p[i] / sp - q[i] / sq);
		if (x > d)
			d = x;
	}
	return d;
}

double
mfm_stats_psi(const double *p, const double *q, size_t k, double eps)
{
	double sp = total(p, k), sq = total(q, k), s = 0, a, b;
	size_t i;

	for (i = 0; i < k; i++) {
		a = p[i] / sp;
		b = q[i] / sq;
		if (a < eps)
			a = eps;
		if (b < eps)
			b = eps;
		s += (b - a) * log(b / a);
	}
	return s;
}

double
mfm_stats_chi2(const double *p, const double *q, size_t k, double *stat,
    double *dof)
{
	double sp = total(p, k), sq = total(q, k), n = sp + sq, s = 0, c, e;
	size_t i, cols = 0;

	for (i = 0; i < k; i++) {
		c = p[i] + q[i];
		if (c == 0)
			continue;
		cols++;
		e = sp * c / n;
		s += (p[i] - e) * (p[i] - e) / e;
		e = sq * c / n;
		s += (q[i] - e) * (q[i] - e) / e;
	}
	if (cols <= 1) {
		*stat = 0;
		*dof = 0;
		return 1;
	}
	*stat = s;
	*dof = (double)(cols - 1);
	return mfm_stats_chi2_sf(s, *dof);
}

static const double *bh_p;

static int
cmp_p(const void *x, const void *y)
{
	double a = bh_p[*(const size_t *)x], b = bh_p[*(const size_t *)y];

	return a < b ? -1 : a > b;
}

void
mfm_stats_bh(const double *p, double *q, size_t n)
{
	size_t *ix, i;
	double run = 1, v;

	if (n == 0)
		return;
	ix = mfm_xreallocarray(NULL, n, sizeof(*ix));
	for (i = 0; i < n; i++)
		ix[i] = i;
	bh_p = p;
	qsort(ix, n, sizeof(*ix), cmp_p);
	for (i = n; i-- > 0;) {
		v = p[ix[i]] * (double)n / (double)(i + 1);
		if (v < run)
			run = v;
		q[ix[i]] = run;
	}
	free(ix);
}
