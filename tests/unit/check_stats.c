/*
 * Unit tests for the two-sample statistics (lib/stats.c): every case of
 * tests/data/drift/golden.txt, made by scripts/gen-golden-drift from
 * SciPy, must agree to 1e-9 (KS statistic and exact p-value,
 * Wasserstein-1, Jensen-Shannon, chi-squared and its p-value, the
 * incomplete gamma function, the Kolmogorov distribution); PSI and the
 * Benjamini-Hochberg adjustment against hand-computed cases.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/buf.h"
#include "lib/stats.h"

#define TOL 1e-9

static void
close_to(double got, double want, const char *what, int line)
{
	double tol = TOL * (fabs(want) > 1 ? fabs(want) : 1);

	ck_assert_msg(fabs(got - want) <= tol,
	    "%s (golden line %d): got %.17g, want %.17g", what, line, got,
	    want);
}

/*
 * p-values also relatively: a tiny p-value computed as 1 minus
 * something would pass the absolute test while being all noise.
 */
static void
close_rel(double got, double want, const char *what, int line)
{
	close_to(got, want, what, line);
	ck_assert_msg(fabs(got - want) <= 1e-9 * fabs(want),
	    "%s (golden line %d): got %.17g, want %.17g (relative)", what,
	    line, got, want);
}

static FILE *
golden(void)
{
	const char *dir = getenv("MFM_TESTDATA");
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/drift/golden.txt",
	    dir != NULL ? dir : "tests/data");
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	return f;
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* Read n numbers and make the sorted distinct-value sample of them. */
static struct mfm_stats_vc *
read_sample(FILE *f, size_t n, size_t *nd)
{
	double *x = mfm_xcalloc(n, sizeof(*x));
	struct mfm_stats_vc *vc = mfm_xcalloc(n, sizeof(*vc));
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		ck_assert_int_eq(fscanf(f, "%lf", &x[i]), 1);
	qsort(x, n, sizeof(*x), cmp_double);
	for (i = 0; i < n; i++) {
		if (k > 0 && vc[k - 1].v == x[i])
			vc[k - 1].c++;
		else {
			vc[k].v = x[i];
			vc[k++].c = 1;
		}
	}
	free(x);
	*nd = k;
	return vc;
}

START_TEST(golden_cases)
{
	FILE *f = golden();
	char kind[16];
	int line = 0, nks = 0, nw = 0, nh = 0, ng = 0, nk = 0, exact;
	size_t n1, n2, na, nb, k, i;

	while (fscanf(f, "%15s", kind) == 1) {
		line++;
		if (strcmp(kind, "gammaq") == 0) {
			double a, x, q;

			ck_assert_int_eq(fscanf(f, "%lf %lf %lf", &a, &x, &q),
			    3);
			close_rel(mfm_stats_gammaq(a, x), q, "gammaq", line);
			ng++;
		} else if (strcmp(kind, "kolm") == 0) {
			double x, sf;

			ck_assert_int_eq(fscanf(f, "%lf %lf", &x, &sf), 2);
			close_to(mfm_stats_kolmogorov_sf(x), sf, "kolm", line);
			nk++;
		} else if (strcmp(kind, "ks") == 0 ||
		    strcmp(kind, "wass") == 0) {
			struct mfm_stats_vc *a, *b;
			double d, p, w, got;

			ck_assert_int_eq(fscanf(f, "%zu %zu", &n1, &n2), 2);
			a = read_sample(f, n1, &na);
			b = read_sample(f, n2, &nb);
			if (kind[0] == 'k') {
				ck_assert_int_eq(fscanf(f, "%lf %lf", &d, &p),
				    2);
				got = mfm_stats_ks(a, na, n1, b, nb, n2);
				close_to(got, d, "ks", line);
				close_rel(mfm_stats_ks_p(got, n1, n2,
				    MFM_STATS_KS_EXACT_MAX, &exact), p,
				    "ks_p", line);
				ck_assert_int_eq(exact, 1);
				nks++;
			} else {
				ck_assert_int_eq(fscanf(f, "%lf", &w), 1);
				close_to(mfm_stats_wasserstein(a, na, n1, b, nb,
				    n2), w, "wasserstein", line);
				nw++;
			}
			free(a);
			free(b);
		} else if (strcmp(kind, "hist") == 0) {
			double *p, *q, js, chi2, dof, cp, s, df;

			ck_assert_int_eq(fscanf(f, "%zu", &k), 1);
			p = mfm_xcalloc(k, sizeof(*p));
			q = mfm_xcalloc(k, sizeof(*q));
			for (i = 0; i < k; i++)
				ck_assert_int_eq(fscanf(f, "%lf", &p[i]), 1);
			for (i = 0; i < k; i++)
				ck_assert_int_eq(fscanf(f, "%lf", &q[i]), 1);
			ck_assert_int_eq(fscanf(f, "%lf %lf %lf %lf", &js,
			    &chi2, &dof, &cp), 4);
			close_to(mfm_stats_js(p, q, k), js, "js", line);
			close_rel(mfm_stats_chi2(p, q, k, &s, &df), cp,
			    "chi2_p", line);
			close_to(s, chi2, "chi2", line);
			ck_assert(df == dof);
			free(p);
			free(q);
			nh++;
		} else
			ck_abort_msg("golden line %d: unknown case '%s'", line,
			    kind);
	}
	fclose(f);
	/* The file holds every kind of case, and enough of them. */
	ck_assert_int_ge(ng, 40);
	ck_assert_int_ge(nk, 10);
	ck_assert_int_ge(nks, 12);
	ck_assert_int_ge(nw, 12);
	ck_assert_int_ge(nh, 6);
}
END_TEST

START_TEST(psi_hand)
{
	double p[] = { 50, 30, 20 }, q[] = { 30, 30, 40 };
	double p0[] = { 100, 0 }, q0[] = { 50, 50 };

	/* (0.3 - 0.5) ln(0.3 / 0.5) + 0 + (0.4 - 0.2) ln(0.4 / 0.2) */
	close_to(mfm_stats_psi(p, q, 3, 1e-4), 0.2 * log(10.0 / 3), "psi",
	    0);
	close_to(mfm_stats_psi(p, p, 3, 1e-4), 0, "psi same", 0);
	/* An empty reference bin counts as 1e-4. */
	close_to(mfm_stats_psi(p0, q0, 2, 1e-4),
	    0.5 * log(2.0) + (0.5 - 1e-4) * log(0.5 / 1e-4), "psi eps", 0);
	close_to(mfm_stats_linf(p, q, 3), 0.2, "linf", 0);
}
END_TEST

START_TEST(chi2_degenerate)
{
	double p[] = { 10, 0 }, q[] = { 5, 0 }, s, dof;

	ck_assert(mfm_stats_chi2(p, q, 2, &s, &dof) == 1);
	ck_assert(s == 0 && dof == 0);
	ck_assert(mfm_stats_gammaq(1, 0) == 1);
	ck_assert(isnan(mfm_stats_gammaq(-1, 1)));
	ck_assert(mfm_stats_chi2_sf(0, 3) == 1);
}
END_TEST

START_TEST(ks_large_asymptotic)
{
	int exact;
	double p;

	/* Above the exact limit: the Kolmogorov limit at sqrt(en) d. */
	p = mfm_stats_ks_p(0.01, 20000, 20000, MFM_STATS_KS_EXACT_MAX,
	    &exact);
	ck_assert_int_eq(exact, 0);
	close_to(p, mfm_stats_kolmogorov_sf(sqrt(10000.0) * 0.01), "asymp",
	    0);
	/* A zero statistic is p = 1. */
	ck_assert(mfm_stats_ks_p(0, 10, 20, 100, &exact) == 1);
}
END_TEST

START_TEST(bh_hand)
{
	double p[] = { 0.01, 0.04, 0.03, 0.5 }, q[4];

	mfm_stats_bh(p, q, 4);
	/* sorted 0.01 0.03 0.04 0.5: 0.04, 0.04 * 4 / 3, ... */
	close_to(q[0], 0.04, "bh0", 0);
	close_to(q[2], 0.04 * 4 / 3, "bh2", 0);
	close_to(q[1], 0.04 * 4 / 3, "bh1", 0);
	close_to(q[3], 0.5, "bh3", 0);
}
END_TEST

Suite *suite_stats(void);

Suite *
suite_stats(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("stats");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, golden_cases);
	tcase_add_test(tc, psi_hand);
	tcase_add_test(tc, chi2_degenerate);
	tcase_add_test(tc, ks_large_asymptotic);
	tcase_add_test(tc, bh_hand);
	suite_add_tcase(s, tc);
	return s;
}
