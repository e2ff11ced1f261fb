/*
 * Unit tests for the label-free estimates (lib/estimate.c): a hand-made
 * case, the expected AUC against a brute-force pair sum, and the
 * promise of the man page: on calibrated synthetic scores (labels drawn
 * with probability equal to the score) the estimates fall inside the
 * realized metrics' 95 % intervals in at least 95 % of windows.  The
 * realized metrics come from lib/metric.c; the intervals are Wilson's
 * for accuracy, precision and recall, Hanley and McNeil's for AUC, and
 * a percentile bootstrap for F1.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <check.h>

#include "lib/estimate.h"
#include "lib/metric.h"

#define WINDOWS		200
#define RECORDS		400
#define BOOT		200

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: a fixed, portable sequence. */
static double
uniform(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double)((rng_state * 2685821657736338717ULL) >> 11) /
	    9007199254740992.0;
}

static struct mfm_sketch_budget budget = { 1000000, 0, 1 };

static void
estimate_of(const double *p, size_t n, double t, double *v)
{
	struct mfm_estimate e;
	struct mfm_err err;
	size_t i;

	mfm_estimate_init(&e);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(mfm_estimate_add(&e, p[i], &budget, &err), 0);
	mfm_estimate_compute(&e, t, &budget, v);
	mfm_estimate_release(&e, &budget);
}

START_TEST(hand_case)
{
	double p[] = { 0.2, 0.8, 0.8, 0.5 }, v[MFM_ESTIMATE_COUNT];
	double num = 0, den = 0, w;
	size_t i, j;
	struct mfm_estimate e;
	struct mfm_err err;

	estimate_of(p, 4, 0.5, v);
	/* TP 2.1, FP 0.9, FN 0.2, TN 0.8 */
	ck_assert(fabs(v[MFM_ESTIMATE_ACCURACY] - 0.725) < 1e-12);
	ck_assert(fabs(v[MFM_ESTIMATE_PRECISION] - 0.7) < 1e-12);
	ck_assert(fabs(v[MFM_ESTIMATE_RECALL] - 2.1 / 2.3) < 1e-12);
	ck_assert(fabs(v[MFM_ESTIMATE_F1] - 4.2 / 5.3) < 1e-12);
	ck_assert(fabs(v[MFM_ESTIMATE_POSITIVE_RATE] - 0.575) < 1e-12);
	for (i = 0; i < 4; i++)
		for (j = 0; j < 4; j++) {
			if (i == j)
				continue;
			w = p[i] * (1 - p[j]);
			den += w;
			num += w * (p[i] > p[j] ? 1 : p[i] == p[j] ? 0.5 : 0);
		}
	ck_assert(fabs(v[MFM_ESTIMATE_AUC] - num / den) < 1e-12);
	/* Nothing counted: all undefined; a score above 1 is refused. */
	mfm_estimate_init(&e);
	mfm_estimate_compute(&e, 0.5, &budget, v);
	ck_assert(isnan(v[MFM_ESTIMATE_ACCURACY]));
	ck_assert_int_eq(mfm_estimate_add(&e, 1.5, &budget, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_DATA);
	mfm_estimate_release(&e, &budget);
}
END_TEST

static int
wilson_has(double x, double k, double n)
{
	double z = 1.959963984540054, ph, c, h;

	if (n == 0)
		return 1;
	ph = k / n;
	c = (ph + z * z / (2 * n)) / (1 + z * z / n);
	h = z / (1 + z * z / n) * sqrt(ph * (1 - ph) / n + z * z /
	    (4 * n * n));
	return x >= c - h && x <= c + h;
}

static int
hanley_has(double x, double a, double npos, double nneg)
{
	double q1 = a / (2 - a), q2 = 2 * a * a / (1 + a), se;

	se = sqrt((a * (1 - a) + (npos - 1) * (q1 - a * a) + (nneg - 1) *
	    (q2 - a * a)) / (npos * nneg));
	return fabs(x - a) <= 1.959963984540054 * se;
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static double
f1_of(const double *p, const int *y, const size_t *ix, size_t n)
{
	double tp = 0, fp = 0, fn = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[ix[i]] >= 0.5 && y[ix[i]])
			tp++;
		else if (p[ix[i]] >= 0.5)
			fp++;
		else if (y[ix[i]])
			fn++;
	}
	return 2 * tp / (2 * tp + fp + fn);
}

START_TEST(calibrated_coverage)
{
	double p[RECORDS], v[MFM_ESTIMATE_COUNT], boot[BOOT], u;
	int y[RECORDS];
	size_t ix[RECORDS], w, i, b, inside[MFM_ESTIMATE_COUNT] = { 0 };
	struct mfm_metric_acc acc;
	struct mfm_metric_result res;
	struct mfm_buf scratch = MFM_BUF_INIT;
	struct mfm_err err;
	double npos, nneg, ppos;

	for (w = 0; w < WINDOWS; w++) {
		/* Scores skewed low, as churn scores are; windows vary. */
		double shape = 1 + 2 * uniform();

		mfm_metric_acc_init(&acc, 0.5);
		npos = nneg = ppos = 0;
		for (i = 0; i < RECORDS; i++) {
			u = uniform();
			p[i] = pow(u, shape);
			y[i] = uniform() < p[i];
			npos += y[i];
			nneg += !y[i];
			ppos += p[i] >= 0.5;
			ck_assert_int_eq(mfm_metric_acc_add(&acc, p[i],
			    y[i] ? MFM_METRIC_POS : MFM_METRIC_NEG, &err), 0);
		}
		mfm_metric_acc_compute(&acc, &res, &scratch);
		estimate_of(p, RECORDS, 0.5, v);
		inside[MFM_ESTIMATE_ACCURACY] += wilson_has(
		    v[MFM_ESTIMATE_ACCURACY],
		    res.m[MFM_METRIC_ACCURACY].v * RECORDS, RECORDS);
		inside[MFM_ESTIMATE_PRECISION] += wilson_has(
		    v[MFM_ESTIMATE_PRECISION],
		    res.m[MFM_METRIC_PRECISION].v * ppos, ppos);
		inside[MFM_ESTIMATE_RECALL] += wilson_has(
		    v[MFM_ESTIMATE_RECALL],
		    res.m[MFM_METRIC_RECALL].v * npos, npos);
		inside[MFM_ESTIMATE_AUC] += hanley_has(v[MFM_ESTIMATE_AUC],
		    res.m[MFM_METRIC_AUC].v, npos, nneg);
		for (b = 0; b < BOOT; b++) {
			for (i = 0; i < RECORDS; i++)
				ix[i] = (size_t)(uniform() * RECORDS);
			boot[b] = f1_of(p, y, ix, RECORDS);
		}
		qsort(boot, BOOT, sizeof(*boot), cmp_double);
		inside[MFM_ESTIMATE_F1] += v[MFM_ESTIMATE_F1] >=
		    boot[(size_t)(0.025 * BOOT)] &&
		    v[MFM_ESTIMATE_F1] <= boot[(size_t)(0.975 * BOOT) - 1];
		mfm_metric_acc_release(&acc);
	}
	mfm_buf_release(&scratch);
	for (i = 0; i < MFM_ESTIMATE_COUNT; i++) {
		if (i == MFM_ESTIMATE_POSITIVE_RATE)
			continue;
		ck_assert_msg(inside[i] * 100 >= 95 * WINDOWS,
		    "%s inside the 95%% interval in %zu of %d windows",
		    mfm_estimate_name(i), inside[i], WINDOWS);
	}
}
END_TEST

Suite *suite_estimate(void);

Suite *
suite_estimate(void)
{
	Suite *s = suite_create("estimate");
	TCase *tc = tcase_create("estimate");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hand_case);
	tcase_add_test(tc, calibrated_coverage);
	suite_add_tcase(s, tc);
	return s;
}
