/*
 * Statistics for comparing two samples, as mfm-drift and mfm-slice need
 * them: the two-sample Kolmogorov-Smirnov statistic and its p-value,
 * Wasserstein-1, Jensen-Shannon distance, the population stability index
 * (PSI), the chi-squared test of homogeneity, L-infinity, the regularized
 * upper incomplete gamma function behind the chi-squared p-value, and
 * Benjamini-Hochberg adjusted p-values.
 *
 * The definitions follow SciPy's (scipy.stats.ks_2samp,
 * wasserstein_distance, chi2_contingency without continuity correction,
 * scipy.spatial.distance.jensenshannon with natural logarithms,
 * scipy.special.gammaincc), so that results can be checked against it;
 * tests/unit/check_stats.c does, to 1e-9, with golden values made by
 * scripts/gen-golden-drift.
 *
 * Samples of numbers are given as sorted arrays of distinct values with
 * their counts, which is what an exact sketch keeps.  Nothing here
 * allocates except mfm_stats_ks_p (one row of the lattice) and
 * mfm_stats_bh (an index array).
 */
#ifndef MFM_STATS_H
#define MFM_STATS_H

#include <stddef.h>

/* One distinct value of a sample and how many times it was seen. */
struct mfm_stats_vc {
	double v;
	double c;
};

/* Samples larger than this get the asymptotic KS p-value by default. */
#define MFM_STATS_KS_EXACT_MAX	10000

/*
 * Q(a, x) = Gamma(a, x) / Gamma(a), for a > 0 and x >= 0: a series for
 * x < a + 1, a continued fraction (modified Lentz) otherwise.  NaN for
 * arguments outside the domain.
 */
double mfm_stats_gammaq(double a, double x);

/* Survival function of the chi-squared distribution: Q(dof / 2, x / 2). */
double mfm_stats_chi2_sf(double x, double dof);

/* Survival function of the normal distribution. */
double mfm_stats_norm_sf(double z);

/*
 * The Kolmogorov distribution's survival function (the limit of
 * sqrt(n) D_n): 2 sum (-1)^(k-1) exp(-2 k^2 x^2); scipy.stats.kstwobign.
 */
double mfm_stats_kolmogorov_sf(double x);

/*
 * The KS statistic sup |F1 - F2| of two non-empty sorted samples
 * a[0..na), b[0..nb) with total counts n1 and n2.
 */
double mfm_stats_ks(const struct mfm_stats_vc *a, size_t na, double n1,
    const struct mfm_stats_vc *b, size_t nb, double n2);

/*
 * Two-sided p-value of a KS statistic d for samples of n1 and n2 values.
 * When max(n1, n2) <= exact_max, the exact probability that D >= d
 * under the null hypothesis (SciPy's method='exact': lattice paths that
 * leave the band |x/n1 - y/n2| < d, counted as probabilities one column
 * at a time, O(n1 * n2) time and O(min(n1, n2)) memory); *exact is set
 * to 1.  Otherwise the Kolmogorov limit at sqrt(n1 n2 / (n1 + n2)) d,
 * and *exact is 0.
 */
double mfm_stats_ks_p(double d, size_t n1, size_t n2, size_t exact_max,
    int *exact);

/* Wasserstein-1 distance between two non-empty sorted samples. */
double mfm_stats_wasserstein(const struct mfm_stats_vc *a, size_t na,
    double n1, const struct mfm_stats_vc *b, size_t nb, double n2);

/*
 * Over k categories or bins with counts p[] and q[] (not normalized;
 * each with a positive total):
 * Jensen-Shannon distance, natural log: sqrt((KL(P||M) + KL(Q||M)) / 2).
 */
double mfm_stats_js(const double *p, const double *q, size_t k);
/* max |P_i - Q_i| of the normalized distributions. */
double mfm_stats_linf(const double *p, const double *q, size_t k);
/*
 * PSI = sum (Q_i - P_i) ln(Q_i / P_i), P the reference, Q the current
 * distribution; a proportion below eps is taken as eps, so an empty
 * bin gives a large, finite term.
 */
double mfm_stats_psi(const double *p, const double *q, size_t k,
    double eps);
/*
 * Chi-squared test of homogeneity on the 2 x k table of counts p[] and
 * q[]; columns empty in both rows are left out.  *dof is the number of
 * remaining columns minus 1; with dof 0 the statistic is 0 and the
 * p-value 1.  Returns the p-value.
 */
double mfm_stats_chi2(const double *p, const double *q, size_t k,
    double *stat, double *dof);

/*
 * Benjamini-Hochberg adjusted p-values (q-values) of p[0..n) into q[]:
 * q_(i) = min over j >= i of p_(j) n / j, capped at 1.
 */
void mfm_stats_bh(const double *p, double *q, size_t n);

#endif
