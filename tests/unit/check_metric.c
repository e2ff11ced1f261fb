/*
 * Unit tests for the metric accumulators (lib/metric.c): ROC AUC with
 * ties against values from scikit-learn and against a brute-force pair
 * count, the confusion counts at the threshold, the undefined cases and
 * their reasons, the distinct-score table as it grows, merging, and
 * reading labels.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/metric.h"

/* Fill a with n records: scores s[i], labels y[i]. */
static void
fill(struct mfm_metric_acc *a, const double *s, const int *y, size_t n)
{
	struct mfm_err err;
	size_t i;

	for (i = 0; i < n; i++)
		ck_assert_int_eq(mfm_metric_acc_add(a, s[i], y[i], &err), 0);
}

static double
auc_of(const double *s, const int *y, size_t n)
{
	struct mfm_metric_acc a;
	struct mfm_buf scratch = MFM_BUF_INIT;
	double v;

	mfm_metric_acc_init(&a, 0.5);
	fill(&a, s, y, n);
	v = mfm_metric_acc_auc(&a, &scratch);
	mfm_buf_release(&scratch);
	mfm_metric_acc_release(&a);
	return v;
}

/* The AUC by its definition: every positive-negative pair, ties 1/2. */
static double
auc_pairs(const double *s, const int *y, size_t n)
{
	double num = 0, np = 0, nn = 0;
	size_t i, k;

	for (i = 0; i < n; i++) {
		if (y[i] == MFM_METRIC_POS)
			np++;
		else if (y[i] == MFM_METRIC_NEG)
			nn++;
	}
	for (i = 0; i < n; i++) {
		if (y[i] != MFM_METRIC_POS)
			continue;
		for (k = 0; k < n; k++) {
			if (y[k] != MFM_METRIC_NEG)
				continue;
			if (s[i] > s[k])
				num += 1;
			else if (s[i] == s[k])
				num += 0.5;
		}
	}
	return num / (np * nn);
}

START_TEST(test_names)
{
	ck_assert_str_eq(mfm_metric_name(MFM_METRIC_AUC), "auc");
	ck_assert_str_eq(mfm_metric_name(MFM_METRIC_MSE), "mse");
	ck_assert_ptr_null(mfm_metric_name(MFM_METRIC_COUNT));
}
END_TEST

START_TEST(test_auc_sklearn)
{
	/* Values from sklearn.metrics.roc_auc_score. */
	static const double s1[] = { 0.1, 0.4, 0.35, 0.8 };
	static const int y1[] = { 0, 0, 1, 1 };
	static const double s2[] = { 0.1, 0.5, 0.5, 0.9 };
	static const int y2[] = { 0, 0, 1, 1 };
	static const double s3[] = { 0.2, 0.2, 0.7, 0.7, 0.7, -3, 1e6, -0.0 };
	static const int y3[] = { 0, 1, 1, 0, 1, 0, 0, 1 };

	ck_assert_double_eq_tol(auc_of(s1, y1, 4), 0.75, 1e-15);
	ck_assert_double_eq_tol(auc_of(s2, y2, 4), 0.875, 1e-15);
	ck_assert_double_eq_tol(auc_of(s3, y3, 8), 0.46875, 1e-15);
}
END_TEST

START_TEST(test_auc_all_equal)
{
	static const double s[] = { 0.5, 0.5, 0.5, 0.5, 0.5 };
	static const int y[] = { 0, 1, 0, 1, 1 };

	ck_assert_double_eq_tol(auc_of(s, y, 5), 0.5, 1e-15);
}
END_TEST

START_TEST(test_auc_zero_sign)
{
	/* -0 and +0 are one score: a tie, not an ordering. */
	static const double s[] = { -0.0, 0.0 };
	static const int y[] = { 1, 0 };
	struct mfm_metric_acc a;
	struct mfm_buf scratch = MFM_BUF_INIT;

	ck_assert_double_eq_tol(auc_of(s, y, 2), 0.5, 1e-15);
	mfm_metric_acc_init(&a, 0.5);
	fill(&a, s, y, 2);
	ck_assert_uint_eq(mfm_metric_acc_distinct(&a, &scratch), 1);
	mfm_buf_release(&scratch);
	mfm_metric_acc_release(&a);
}
END_TEST

START_TEST(test_auc_one_class)
{
	static const double s[] = { 0.1, 0.9, 0.4 };
	static const int pos[] = { 1, 1, 1 }, neg[] = { 0, 0, 0 };
	static const int none[] = { -1, -1, -1 };

	ck_assert(isnan(auc_of(s, pos, 3)));
	ck_assert(isnan(auc_of(s, neg, 3)));
	ck_assert(isnan(auc_of(s, none, 3)));
}
END_TEST

/*
 * Both sort paths (qsort for a few scores, radix for many), negative
 * and positive scores, many ties, against the pair count.
 */
START_TEST(test_auc_random)
{
	static const size_t sizes[] = { 2, 10, 255, 256, 3000 };
	double *s;
	int *y;
	size_t i, k, n;

	srand(7);
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		n = sizes[k];
		s = calloc(n, sizeof(*s));
		y = calloc(n, sizeof(*y));
		for (i = 0; i < n; i++) {
			/* Every third score rounded, so that ties happen. */
			s[i] = (rand() / (double)RAND_MAX - 0.5) * 2000;
			if (i % 3 == 0)
				s[i] = floor(s[i] / 100) * 100;
			y[i] = rand() % 5 == 0 ? MFM_METRIC_UNLABELLED :
			    rand() % 2;
		}
		y[0] = MFM_METRIC_POS;
		y[1] = MFM_METRIC_NEG;
		ck_assert_double_eq_tol(auc_of(s, y, n), auc_pairs(s, y, n),
		    1e-12);
		free(s);
		free(y);
	}
}
END_TEST

START_TEST(test_table_growth)
{
	/*
	 * Scores i/n, positives at odd i: the positive at 2k+1 beats k+1
	 * negatives, so with m pairs AUC = (m + 1) / 2m exactly.
	 */
	struct mfm_metric_acc a;
	struct mfm_buf scratch = MFM_BUF_INIT;
	struct mfm_err err;
	size_t i, n = 200000, m = n / 2;

	mfm_metric_acc_init(&a, 0.5);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(mfm_metric_acc_add(&a, (double)i / n,
		    (int)(i % 2), &err), 0);
	/* Again: the table counts, it does not grow. */
	for (i = 0; i < n; i++)
		ck_assert_int_eq(mfm_metric_acc_add(&a, (double)i / n,
		    (int)(i % 2), &err), 0);
	ck_assert_uint_eq(mfm_metric_acc_distinct(&a, &scratch), n);
	ck_assert_uint_le(a.scores.n, n);
	ck_assert_uint_le(a.scores.capadd, n);
	ck_assert_uint_eq(a.n, 2 * n);
	ck_assert_double_eq_tol(mfm_metric_acc_auc(&a, &scratch),
	    (double)(m + 1) / (2.0 * m), 1e-15);
	mfm_buf_release(&scratch);
	mfm_metric_acc_release(&a);
}
END_TEST

START_TEST(test_threshold_boundary)
{
	struct mfm_metric_acc a;
	struct mfm_err err;

	mfm_metric_acc_init(&a, 0.5);
	/* At the threshold is predicted positive; just below is not. */
	ck_assert_int_eq(mfm_metric_acc_add(&a, 0.5, 1, &err), 0);
	ck_assert_int_eq(mfm_metric_acc_add(&a, 0.5, 0, &err), 0);
	ck_assert_int_eq(mfm_metric_acc_add(&a, nextafter(0.5, 0), 1, &err),
	    0);
	ck_assert_int_eq(mfm_metric_acc_add(&a, nextafter(0.5, 0), 0, &err),
	    0);
	ck_assert_int_eq(mfm_metric_acc_add(&a, 0.9, -1, &err), 0);
	ck_assert_double_eq(a.tp, 1);
	ck_assert_double_eq(a.fp, 1);
	ck_assert_double_eq(a.fn, 1);
	ck_assert_double_eq(a.tn, 1);
	ck_assert_uint_eq(a.n, 5);
	ck_assert_uint_eq(a.labelled, 4);
	mfm_metric_acc_release(&a);
}
END_TEST

START_TEST(test_nonfinite)
{
	struct mfm_metric_acc a;
	struct mfm_err err;

	mfm_metric_acc_init(&a, 0.5);
	ck_assert_int_eq(mfm_metric_acc_add(&a, NAN, 1, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_DATA);
	ck_assert_str_eq(err.msg, "score is not finite");
	ck_assert_int_eq(mfm_metric_acc_add(&a, INFINITY, 0, &err), -1);
	ck_assert_int_eq(mfm_metric_acc_add(&a, -INFINITY, -1, &err), -1);
	ck_assert_uint_eq(a.n, 0);
	ck_assert_uint_eq(a.scores.n + a.scores.nadd, 0);
	mfm_metric_acc_release(&a);
}
END_TEST

static void
compute(const double *s, const int *y, size_t n, double threshold,
    struct mfm_metric_result *r)
{
	struct mfm_metric_acc a;
	struct mfm_buf scratch = MFM_BUF_INIT;

	mfm_metric_acc_init(&a, threshold);
	fill(&a, s, y, n);
	mfm_metric_acc_compute(&a, r, &scratch);
	mfm_buf_release(&scratch);
	mfm_metric_acc_release(&a);
}

#define ck_defined(r, id, val) do { \
	ck_assert_ptr_null((r)->m[id].undefined); \
	ck_assert_double_eq_tol((r)->m[id].v, (val), 1e-15); \
} while (0)
#define ck_undefined(r, id, why) do { \
	ck_assert(isnan((r)->m[id].v)); \
	ck_assert_str_eq((r)->m[id].undefined, (why)); \
} while (0)

START_TEST(test_compute)
{
	/*
	 * sklearn: precision_score, recall_score, f1_score, accuracy_score
	 * on y_pred = s >= 0.5, and brier_score_loss.
	 */
	static const double s[] = { 0.9, 0.8, 0.3, 0.6, 0.2, 0.1, 0.7 };
	static const int y[] = { 1, 0, 1, 1, 0, 0, -1 };
	struct mfm_metric_result r;

	compute(s, y, 7, 0.5, &r);
	ck_defined(&r, MFM_METRIC_AUC, 7.0 / 9);
	ck_defined(&r, MFM_METRIC_PRECISION, 2.0 / 3);
	ck_defined(&r, MFM_METRIC_RECALL, 2.0 / 3);
	ck_defined(&r, MFM_METRIC_F1, 2.0 / 3);
	ck_defined(&r, MFM_METRIC_ACCURACY, 4.0 / 6);
	ck_defined(&r, MFM_METRIC_MSE,
	    (0.01 + 0.64 + 0.49 + 0.16 + 0.04 + 0.01) / 6);
}
END_TEST

START_TEST(test_undefined)
{
	static const double s[] = { 0.1, 0.2, 0.3 };
	static const int neg[] = { 0, 0, 0 }, none[] = { -1, -1, -1 };
	static const int pos[] = { 1, 1, 1 };
	struct mfm_metric_result r;
	int m;

	/* Nothing predicted positive, nothing positive. */
	compute(s, neg, 3, 0.5, &r);
	ck_undefined(&r, MFM_METRIC_AUC, "one class only");
	ck_undefined(&r, MFM_METRIC_PRECISION, "no predicted positives");
	ck_undefined(&r, MFM_METRIC_RECALL, "no actual positives");
	ck_undefined(&r, MFM_METRIC_F1, "no positives");
	ck_defined(&r, MFM_METRIC_ACCURACY, 1);

	/* Positives, none predicted: precision undefined, f1 is 0. */
	compute(s, pos, 3, 0.5, &r);
	ck_undefined(&r, MFM_METRIC_PRECISION, "no predicted positives");
	ck_defined(&r, MFM_METRIC_RECALL, 0);
	ck_defined(&r, MFM_METRIC_F1, 0);

	/* No labels: one reason for everything. */
	compute(s, none, 3, 0.5, &r);
	for (m = 0; m <= MFM_METRIC_PREVALENCE; m++)
		ck_undefined(&r, m, "no labels");
	compute(s, none, 0, 0.5, &r);
	for (m = 0; m <= MFM_METRIC_PREVALENCE; m++)
		ck_undefined(&r, m, "no labels");
}
END_TEST

START_TEST(test_mse_compensated)
{
	/*
	 * A million times (0.1 - 0)^2: plain summation drifts by about
	 * 1e-13 here; the compensated sum stays within an ulp or two.
	 */
	struct mfm_metric_acc a;
	struct mfm_metric_result r;
	struct mfm_buf scratch = MFM_BUF_INIT;
	struct mfm_err err;
	int i;

	mfm_metric_acc_init(&a, 0.5);
	for (i = 0; i < 1000000; i++)
		mfm_metric_acc_add(&a, 0.1, 0, &err);
	mfm_metric_acc_compute(&a, &r, &scratch);
	ck_assert_double_eq_tol(r.m[MFM_METRIC_MSE].v, 0.1 * 0.1, 1e-17);
	mfm_buf_release(&scratch);
	mfm_metric_acc_release(&a);
}
END_TEST

START_TEST(test_merge)
{
	struct mfm_metric_acc all, part[3], other;
	struct mfm_metric_result ra, rm;
	struct mfm_buf scratch = MFM_BUF_INIT;
	struct mfm_err err;
	double s;
	int i, y, m;

	srand(11);
	mfm_metric_acc_init(&all, 0.4);
	for (i = 0; i < 3; i++)
		mfm_metric_acc_init(&part[i], 0.4);
	for (i = 0; i < 5000; i++) {
		s = floor(rand() / (double)RAND_MAX * 500) / 500;
		y = rand() % 4 == 0 ? -1 : rand() % 2;
		mfm_metric_acc_add(&all, s, y, &err);
		mfm_metric_acc_add(&part[i % 3], s, y, &err);
	}
	ck_assert_int_eq(mfm_metric_acc_merge(&part[0], &part[1], &err), 0);
	ck_assert_int_eq(mfm_metric_acc_merge(&part[0], &part[2], &err), 0);
	ck_assert_uint_eq(part[0].n, all.n);
	ck_assert_uint_eq(part[0].labelled, all.labelled);
	ck_assert_uint_eq(mfm_metric_acc_distinct(&part[0], &scratch),
	    mfm_metric_acc_distinct(&all, &scratch));
	mfm_metric_acc_compute(&all, &ra, &scratch);
	mfm_metric_acc_compute(&part[0], &rm, &scratch);
	/* From the same sorted table: equal bit for bit, nulls included. */
	for (m = 0; m < MFM_METRIC_COUNT; m++)
		ck_assert_mem_eq(&rm.m[m].v, &ra.m[m].v, sizeof(double));

	/* Counts at different thresholds do not add up. */
	mfm_metric_acc_init(&other, 0.5);
	ck_assert_int_eq(mfm_metric_acc_merge(&other, &all, &err), -1);
	ck_assert_int_eq(err.kind, MFM_ERR_USAGE);

	mfm_metric_acc_clear(&all);
	ck_assert_uint_eq(all.n, 0);
	ck_assert_uint_eq(mfm_metric_acc_distinct(&all, &scratch), 0);
	mfm_metric_acc_add(&all, 0.3, 1, &err);
	mfm_metric_acc_add(&all, 0.2, 0, &err);
	ck_assert_double_eq(mfm_metric_acc_auc(&all, &scratch), 1);

	mfm_buf_release(&scratch);
	mfm_metric_acc_release(&all);
	mfm_metric_acc_release(&other);
	for (i = 0; i < 3; i++)
		mfm_metric_acc_release(&part[i]);
}
END_TEST

/* The label of member "y" of line, or -2 with err on a bad label. */
static int
label_of(const char *positive, const char *line, struct mfm_err *err)
{
	struct mfm_metric_labels l;
	struct mfm_json j;
	struct mfm_json_path p;
	int label, rc;

	mfm_metric_labels_init(&l, positive);
	mfm_json_init(&j);
	ck_assert_int_eq(mfm_json_parse(&j, line, strlen(line), err), 0);
	ck_assert_int_eq(mfm_json_path_parse(&p, "y", err), 0);
	rc = mfm_metric_label(&l, &j, mfm_json_get(&j, 0, &p), p.text,
	    &label, err);
	mfm_json_path_release(&p);
	mfm_json_release(&j);
	return rc == 0 ? label : -2;
}

START_TEST(test_labels_default)
{
	struct mfm_err err;

	ck_assert_int_eq(label_of(NULL, "{\"y\":1}", &err), MFM_METRIC_POS);
	ck_assert_int_eq(label_of(NULL, "{\"y\":1.0}", &err), MFM_METRIC_POS);
	ck_assert_int_eq(label_of(NULL, "{\"y\":0}", &err), MFM_METRIC_NEG);
	ck_assert_int_eq(label_of(NULL, "{\"y\":-0.0}", &err),
	    MFM_METRIC_NEG);
	ck_assert_int_eq(label_of(NULL, "{\"y\":true}", &err),
	    MFM_METRIC_POS);
	ck_assert_int_eq(label_of(NULL, "{\"y\":false}", &err),
	    MFM_METRIC_NEG);
	ck_assert_int_eq(label_of(NULL, "{\"y\":null}", &err),
	    MFM_METRIC_UNLABELLED);
	ck_assert_int_eq(label_of(NULL, "{\"x\":1}", &err),
	    MFM_METRIC_UNLABELLED);
	ck_assert_int_eq(label_of(NULL, "{\"y\":2}", &err), -2);
	ck_assert_str_eq(err.msg, "field 'y' is not 0 or 1");
	ck_assert_int_eq(err.kind, MFM_ERR_DATA);
	ck_assert_int_eq(label_of(NULL, "{\"y\":0.5}", &err), -2);
	ck_assert_int_eq(label_of(NULL, "{\"y\":\"1\"}", &err), -2);
	ck_assert_str_eq(err.msg, "field 'y' is a string (see --positive)");
	ck_assert_int_eq(label_of(NULL, "{\"y\":[1]}", &err), -2);
	ck_assert_str_eq(err.msg, "field 'y' is not 0, 1, true or false");
}
END_TEST

START_TEST(test_labels_positive)
{
	struct mfm_err err;

	ck_assert_int_eq(label_of("churned", "{\"y\":\"churned\"}", &err),
	    MFM_METRIC_POS);
	ck_assert_int_eq(label_of("churned", "{\"y\":\"ch\\u0075rned\"}",
	    &err), MFM_METRIC_POS);
	ck_assert_int_eq(label_of("churned", "{\"y\":\"stayed\"}", &err),
	    MFM_METRIC_NEG);
	ck_assert_int_eq(label_of("churned", "{\"y\":\"Churned\"}", &err),
	    MFM_METRIC_NEG);
	ck_assert_int_eq(label_of("churned", "{\"y\":null}", &err),
	    MFM_METRIC_UNLABELLED);
	ck_assert_int_eq(label_of("churned", "{\"y\":true}", &err), -2);
	ck_assert_str_eq(err.msg, "field 'y' is true or false and the "
	    "positive label 'churned' is not");
	ck_assert_int_eq(label_of("churned", "{\"y\":1}", &err), -2);
	ck_assert_str_eq(err.msg, "field 'y' is a number and the "
	    "positive label 'churned' is not");
	/* A number: numeric comparison, and strings still as text. */
	ck_assert_int_eq(label_of("2", "{\"y\":2.0}", &err), MFM_METRIC_POS);
	ck_assert_int_eq(label_of("2", "{\"y\":1}", &err), MFM_METRIC_NEG);
	ck_assert_int_eq(label_of("2", "{\"y\":\"2\"}", &err),
	    MFM_METRIC_POS);
	ck_assert_int_eq(label_of("2", "{\"y\":\"2.0\"}", &err),
	    MFM_METRIC_NEG);
	/* true/false: the word picks the positive one. */
	ck_assert_int_eq(label_of("false", "{\"y\":false}", &err),
	    MFM_METRIC_POS);
	ck_assert_int_eq(label_of("false", "{\"y\":true}", &err),
	    MFM_METRIC_NEG);
	/* "inf" and "0x10" are not numbers in JSON. */
	ck_assert_int_eq(label_of("inf", "{\"y\":1}", &err), -2);
	ck_assert_int_eq(label_of("0x10", "{\"y\":16}", &err), -2);
}
END_TEST

START_TEST(test_lookup)
{
	ck_assert_int_eq(mfm_metric_lookup("pr_auc", 6), MFM_METRIC_PR_AUC);
	ck_assert_int_eq(mfm_metric_lookup("f1_macro", 8),
	    MFM_METRIC_F1_MACRO);
	ck_assert_int_eq(mfm_metric_lookup("f1x", 2), MFM_METRIC_F1);
	ck_assert_int_eq(mfm_metric_lookup("nope", 4), -1);
	ck_assert(mfm_metric_applies(MFM_METRIC_BINARY, MFM_METRIC_MCC));
	ck_assert(!mfm_metric_applies(MFM_METRIC_BINARY, MFM_METRIC_RMSE));
	ck_assert(mfm_metric_applies(MFM_METRIC_REGRESSION, MFM_METRIC_MSE));
	ck_assert(!mfm_metric_applies(MFM_METRIC_REGRESSION,
	    MFM_METRIC_ACCURACY));
	ck_assert(mfm_metric_applies(MFM_METRIC_MULTICLASS,
	    MFM_METRIC_ACCURACY));
	ck_assert(mfm_metric_applies(MFM_METRIC_MULTICLASS,
	    MFM_METRIC_LABEL_DELAY_P95));
	ck_assert_int_eq(mfm_metric_task_lookup("regression"),
	    MFM_METRIC_REGRESSION);
	ck_assert_int_eq(mfm_metric_task_lookup("ranking"), -1);
}
END_TEST

START_TEST(test_xsum)
{
	static const double v[] = { 1e100, 1, -1e100, 0.1, 1e-30, -0.1,
	    3.5, 1e16, -1e16, 2 };
	struct mfm_metric_xsum a, b, c;
	double x, y;
	int i;

	/* Exact whatever the order: forwards, backwards, interleaved. */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	for (i = 0; i < 10; i++) {
		mfm_metric_xsum_add(&a, v[i]);
		mfm_metric_xsum_add(&b, v[9 - i]);
		mfm_metric_xsum_add(&c, v[(i * 3) % 10]);
	}
	x = mfm_metric_xsum_value(&a);
	ck_assert_double_eq(x, 6.5 + 1e-30);
	y = mfm_metric_xsum_value(&b);
	ck_assert_mem_eq(&x, &y, sizeof(x));
	y = mfm_metric_xsum_value(&c);
	ck_assert_mem_eq(&x, &y, sizeof(x));
	/* Correctly rounded, as math.fsum: ten times 0.1 is 1. */
	memset(&a, 0, sizeof(a));
	for (i = 0; i < 10; i++)
		mfm_metric_xsum_add(&a, 0.1);
	ck_assert_double_eq(mfm_metric_xsum_value(&a), 1.0);
	memset(&a, 0, sizeof(a));
	ck_assert_double_eq(mfm_metric_xsum_value(&a), 0);
}
END_TEST

START_TEST(test_wilson)
{
	double lo, hi;

	/* 8 of 10: the textbook Wilson interval. */
	mfm_metric_wilson(8, 10, &lo, &hi);
	ck_assert_double_eq_tol(lo, 0.4901624715366418, 1e-15);
	ck_assert_double_eq_tol(hi, 0.9433178485456248, 1e-15);
	mfm_metric_wilson(0, 5, &lo, &hi);
	ck_assert_double_eq(lo, 0);
	ck_assert(hi > 0 && hi < 1);
	mfm_metric_wilson(5, 5, &lo, &hi);
	ck_assert_double_eq(hi, 1);
}
END_TEST

START_TEST(test_pr_auc_log_loss)
{
	/* sklearn: average_precision_score, log_loss. */
	static const double s[] = { 0.1, 0.4, 0.35, 0.8 };
	static const int y[] = { 0, 0, 1, 1 };
	static const double s2[] = { 0.9, 0.1, 0.2, 0.65 };
	static const int y2[] = { 1, 0, 0, 1 };
	struct mfm_metric_result r;

	compute(s, y, 4, 0.5, &r);
	ck_defined(&r, MFM_METRIC_PR_AUC, 0.8333333333333333);
	compute(s2, y2, 4, 0.5, &r);
	ck_defined(&r, MFM_METRIC_LOG_LOSS, 0.21616187468057912);
	ck_defined(&r, MFM_METRIC_SPECIFICITY, 1);
	ck_defined(&r, MFM_METRIC_MCC, 1);
	ck_defined(&r, MFM_METRIC_POSITIVE_RATE, 0.5);
	/* A score outside [0, 1]: no log loss, no Brier score. */
	compute((const double[]){ 1.5, 0.2 }, (const int[]){ 1, 0 }, 2, 0.5,
	    &r);
	ck_undefined(&r, MFM_METRIC_LOG_LOSS, "scores outside [0, 1]");
	ck_undefined(&r, MFM_METRIC_BRIER, "scores outside [0, 1]");
	ck_defined(&r, MFM_METRIC_MSE, 0.25 / 2 + 0.04 / 2);
}
END_TEST

START_TEST(test_regression)
{
	struct mfm_metric_conf conf;
	struct mfm_metric_acc a;
	struct mfm_metric_result r;
	struct mfm_buf scratch = MFM_BUF_INIT;
	struct mfm_err err;
	static const double y[] = { 3, -0.5, 2, 7 }, p[] = { 2.5, 0, 2, 8 };
	int i;

	mfm_metric_conf_init(&conf);
	conf.task = MFM_METRIC_REGRESSION;
	mfm_metric_acc_init_conf(&a, &conf);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(mfm_metric_acc_add_reg(&a, p[i], y[i], 1, 1,
		    &err), 0);
	ck_assert_int_eq(mfm_metric_acc_add_reg(&a, 1, 0, 0, 1, &err), 0);
	ck_assert_int_eq(mfm_metric_acc_add_reg(&a, 1e200, 0, 1, 1, &err),
	    -1);
	ck_assert_int_eq(mfm_metric_acc_add_reg(&a, NAN, 0, 1, 1, &err), -1);
	ck_assert_uint_eq(a.n, 5);
	ck_assert_uint_eq(a.labelled, 4);
	mfm_metric_acc_compute(&a, &r, &scratch);
	/* sklearn: r2_score, mean_absolute_percentage_error. */
	ck_defined(&r, MFM_METRIC_R2, 0.9486081370449679);
	ck_defined(&r, MFM_METRIC_MAPE, 0.3273809523809524);
	ck_defined(&r, MFM_METRIC_MSE, 0.375);
	ck_defined(&r, MFM_METRIC_MAX_ERROR, 1);
	ck_defined(&r, MFM_METRIC_MEAN_ERROR, 0.25);
	ck_undefined(&r, MFM_METRIC_MSLE, "negative values");
	ck_undefined(&r, MFM_METRIC_AUC, "not computed");
	mfm_metric_acc_release(&a);

	/* Constant labels, one label: no r2. */
	mfm_metric_acc_init_conf(&a, &conf);
	mfm_metric_acc_add_reg(&a, 1, 4, 1, 1, &err);
	mfm_metric_acc_compute(&a, &r, &scratch);
	ck_undefined(&r, MFM_METRIC_R2, "fewer than two labels");
	mfm_metric_acc_add_reg(&a, 2, 4, 1, 1, &err);
	mfm_metric_acc_compute(&a, &r, &scratch);
	ck_undefined(&r, MFM_METRIC_R2, "constant labels");
	ck_defined(&r, MFM_METRIC_MSLE,
	    (pow(log1p(1.0) - log1p(4.0), 2) + pow(log1p(2.0) - log1p(4.0), 2))
	    / 2);
	mfm_metric_acc_release(&a);
	mfm_buf_release(&scratch);
}
END_TEST

START_TEST(test_multiclass)
{
	static const char *const y[] = { "a", "b", "c", "a", "b", "c", "a" };
	static const char *const p[] = { "a", "b", "b", "a", "c", "c", "c" };
	struct mfm_metric_conf conf;
	struct mfm_metric_acc a, b;
	struct mfm_metric_result r;
	struct mfm_buf scratch = MFM_BUF_INIT;
	struct mfm_err err;
	int i;

	mfm_metric_conf_init(&conf);
	conf.task = MFM_METRIC_MULTICLASS;
	conf.max_classes = 3;
	mfm_metric_acc_init_conf(&a, &conf);
	mfm_metric_acc_init_conf(&b, &conf);
	for (i = 0; i < 7; i++)
		ck_assert_int_eq(mfm_metric_acc_add_mc(i < 3 ? &a : &b, p[i], 1,
		    y[i], 1, 1, &err), 0);
	ck_assert_int_eq(mfm_metric_acc_add_mc(&a, "z", 1, NULL, 0, 1, &err),
	    0);
	ck_assert_int_eq(mfm_metric_acc_merge(&a, &b, &err), 0);
	ck_assert_uint_eq(a.n, 8);
	mfm_metric_acc_compute(&a, &r, &scratch);
	/* sklearn: f1_score, precision_score, recall_score. */
	ck_defined(&r, MFM_METRIC_ACCURACY, 4.0 / 7);
	ck_defined(&r, MFM_METRIC_F1_MACRO, 0.5666666666666668);
	ck_defined(&r, MFM_METRIC_PRECISION_WEIGHTED, 0.6666666666666667);
	ck_defined(&r, MFM_METRIC_RECALL_MACRO, 0.5555555555555555);
	ck_defined(&r, MFM_METRIC_F1_MICRO, 4.0 / 7);
	/* A fourth class passes the cap. */
	ck_assert_int_eq(mfm_metric_acc_add_mc(&a, "d", 1, "a", 1, 1, &err),
	    -1);
	ck_assert_int_eq(err.kind, MFM_ERR_LIMIT);
	ck_assert_int_eq(err.cap, MFM_CAP_CLASSES);
	mfm_metric_acc_release(&a);
	mfm_metric_acc_release(&b);
	mfm_buf_release(&scratch);
}
END_TEST

START_TEST(test_delays)
{
	struct mfm_metric_acc a;
	struct mfm_metric_result r;
	struct mfm_buf scratch = MFM_BUF_INIT;
	int i;

	/* Nearest rank: p50 of 1..20 is the 10th, p95 the 19th. */
	mfm_metric_acc_init(&a, 0.5);
	mfm_metric_acc_compute(&a, &r, &scratch);
	ck_undefined(&r, MFM_METRIC_LABEL_DELAY_P50, "no label delays");
	for (i = 20; i >= 1; i--)
		mfm_metric_acc_add_delay(&a, i);
	mfm_metric_acc_compute(&a, &r, &scratch);
	ck_defined(&r, MFM_METRIC_LABEL_DELAY_P50, 10);
	ck_defined(&r, MFM_METRIC_LABEL_DELAY_P95, 19);
	ck_defined(&r, MFM_METRIC_LABEL_DELAY_MAX, 20);
	mfm_metric_acc_release(&a);
	mfm_buf_release(&scratch);
}
END_TEST

/* Write a's state, read it into a fresh b: equal results, bit for bit. */
static void
roundtrip(struct mfm_metric_acc *a, struct mfm_metric_acc *b)
{
	struct mfm_buf text = MFM_BUF_INIT, scratch = MFM_BUF_INIT;
	struct mfm_metric_result ra, rb;
	struct mfm_json j;
	struct mfm_err err;
	int m;

	mfm_metric_acc_write_state(a, &text, &scratch);
	mfm_json_init(&j);
	ck_assert_int_eq(mfm_json_parse(&j, text.p, text.len, &err), 0);
	ck_assert_int_eq(mfm_metric_acc_read_state(b, &j, 0, &err), 0);
	mfm_metric_acc_compute(a, &ra, &scratch);
	mfm_metric_acc_compute(b, &rb, &scratch);
	for (m = 0; m < MFM_METRIC_COUNT; m++)
		ck_assert_mem_eq(&ra.m[m].v, &rb.m[m].v, sizeof(double));
	ck_assert_uint_eq(a->n, b->n);
	mfm_json_release(&j);
	mfm_buf_release(&text);
	mfm_buf_release(&scratch);
}

static int
cmp_dbl(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

/*
 * Many delays, most distinct, some repeated, -0 and 0 among them, past
 * several merges of the pending values: the percentiles of a sorted
 * copy; the same state in any order, read back or merged from parts.
 */
START_TEST(test_delays_many)
{
	enum { N = 20000 };
	struct mfm_metric_acc a, b, c, d;
	struct mfm_metric_result r;
	struct mfm_buf scratch = MFM_BUF_INIT, sa = MFM_BUF_INIT;
	struct mfm_buf sb = MFM_BUF_INIT;
	struct mfm_err err;
	static double v[N];
	uint64_t x = 99;
	size_t i, k;

	for (i = 0; i < N; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		v[i] = i % 5 == 0 ? (double)(x >> 60) :
		    (double)(x >> 20) / 1000.0 - 1e6;
		if (i % 777 == 0)
			v[i] = i % 2 ? -0.0 : 0.0;
	}
	mfm_metric_acc_init(&a, 0.5);
	mfm_metric_acc_init(&b, 0.5);
	mfm_metric_acc_init(&c, 0.5);
	mfm_metric_acc_init(&d, 0.5);
	for (i = 0; i < N; i++) {
		mfm_metric_acc_add_delay(&a, v[i]);
		mfm_metric_acc_add_delay(&b, v[N - 1 - i]);
		mfm_metric_acc_add_delay(i % 3 ? &c : &d, v[i]);
		/* A state read in the middle, as a partial run would. */
		if (i == N / 2)
			mfm_metric_acc_compute(&a, &r, &scratch);
	}
	ck_assert_int_eq(mfm_metric_acc_merge(&c, &d, &err), 0);
	mfm_metric_acc_write_state(&a, &sa, &scratch);
	mfm_metric_acc_write_state(&b, &sb, &scratch);
	ck_assert_str_eq(sa.p, sb.p);
	mfm_buf_clear(&sb);
	mfm_metric_acc_write_state(&c, &sb, &scratch);
	ck_assert_str_eq(sa.p, sb.p);
	mfm_metric_acc_compute(&a, &r, &scratch);
	qsort(v, N, sizeof(v[0]), cmp_dbl);
	k = (size_t)ceil(0.5 * N);
	ck_defined(&r, MFM_METRIC_LABEL_DELAY_P50, v[k - 1]);
	k = (size_t)ceil(0.95 * N);
	ck_defined(&r, MFM_METRIC_LABEL_DELAY_P95, v[k - 1]);
	ck_defined(&r, MFM_METRIC_LABEL_DELAY_MAX, v[N - 1]);
	mfm_metric_acc_release(&d);
	mfm_metric_acc_init(&d, 0.5);
	roundtrip(&a, &d);
	mfm_buf_clear(&sb);
	mfm_metric_acc_write_state(&d, &sb, &scratch);
	ck_assert_str_eq(sa.p, sb.p);
	mfm_metric_acc_clear(&a);
	mfm_metric_acc_compute(&a, &r, &scratch);
	ck_undefined(&r, MFM_METRIC_LABEL_DELAY_P50, "no label delays");
	mfm_metric_acc_release(&a);
	mfm_metric_acc_release(&b);
	mfm_metric_acc_release(&c);
	mfm_metric_acc_release(&d);
	mfm_buf_release(&scratch);
	mfm_buf_release(&sa);
	mfm_buf_release(&sb);
}
END_TEST

START_TEST(test_state)
{
	struct mfm_metric_conf conf;
	struct mfm_metric_acc a, b;
	struct mfm_json j;
	struct mfm_err err;
	static const char bad[] = "{\"task\":\"binary\",\"threshold\":0.5,"
	    "\"n\":1,\"labelled\":2,\"delays\":[],\"scores\":[]}";
	static const char negative[] = "{\"task\":\"regression\","
	    "\"threshold\":0.5,\"n\":2,\"labelled\":2,\"delays\":[],"
	    "\"sums\":[[2],[-2],[2.5],[2],[3],[0.1],[3.5],[9.25]],"
	    "\"max_error\":1.5,\"ymin\":0.5,\"ymax\":3,\"negative\":1e100}";
	int i;

	mfm_metric_conf_init(&conf);
	conf.ci = 1;
	mfm_metric_acc_init_conf(&a, &conf);
	mfm_metric_acc_init_conf(&b, &conf);
	for (i = 0; i < 500; i++) {
		mfm_metric_acc_addw(&a, (i * 37 % 101) / 100.0,
		    i % 7 == 0 ? MFM_METRIC_UNLABELLED : i % 3 == 0,
		    1 + i % 4 * 0.25, &err);
		mfm_metric_acc_add_delay(&a, i % 13 * 60);
	}
	roundtrip(&a, &b);
	mfm_metric_acc_release(&a);
	mfm_metric_acc_release(&b);

	conf.task = MFM_METRIC_REGRESSION;
	mfm_metric_acc_init_conf(&a, &conf);
	mfm_metric_acc_init_conf(&b, &conf);
	for (i = 0; i < 100; i++)
		mfm_metric_acc_add_reg(&a, i * 0.1, i * 0.11 + 1e-9 * i,
		    i % 9 != 0, 1, &err);
	roundtrip(&a, &b);
	mfm_metric_acc_release(&a);
	mfm_metric_acc_release(&b);

	conf.task = MFM_METRIC_MULTICLASS;
	mfm_metric_acc_init_conf(&a, &conf);
	mfm_metric_acc_init_conf(&b, &conf);
	for (i = 0; i < 100; i++)
		mfm_metric_acc_add_mc(&a, i % 3 ? "\"x\"" : "\"y\"", 3,
		    i % 5 ? "\"x\"" : "2", i % 5 ? 3 : 1, 1, &err);
	roundtrip(&a, &b);
	/* A state of another task, or inconsistent counts, is refused. */
	mfm_json_init(&j);
	ck_assert_int_eq(mfm_json_parse(&j, bad, strlen(bad), &err), 0);
	ck_assert_int_eq(mfm_metric_acc_read_state(&a, &j, 0, &err), -1);
	mfm_metric_acc_release(&a);
	mfm_metric_acc_init(&a, 0.5);
	ck_assert_int_eq(mfm_metric_acc_read_state(&a, &j, 0, &err), -1);
	ck_assert_str_eq(err.msg, "bad state: threshold, n or labelled");
	mfm_metric_acc_release(&a);
	/* More records below 0 than labelled ones (1e100 was cast). */
	conf.task = MFM_METRIC_REGRESSION;
	mfm_metric_acc_init_conf(&a, &conf);
	ck_assert_int_eq(mfm_json_parse(&j, negative, strlen(negative),
	    &err), 0);
	ck_assert_int_eq(mfm_metric_acc_read_state(&a, &j, 0, &err), -1);
	ck_assert_str_eq(err.msg, "bad state: negative");
	mfm_json_release(&j);
	mfm_metric_acc_release(&a);
	mfm_metric_acc_release(&b);
}
END_TEST

START_TEST(test_bootstrap)
{
	struct mfm_metric_conf conf;
	struct mfm_metric_acc a;
	struct mfm_metric_result r, r2;
	struct mfm_buf scratch = MFM_BUF_INIT;
	struct mfm_err err;
	double dlo, dhi, s;
	uint64_t x = 12345;
	int i, y;

	/* DeLong first, then a 1000-resample bootstrap of the same data. */
	mfm_metric_conf_init(&conf);
	conf.ci = 1;
	mfm_metric_acc_init_conf(&a, &conf);
	for (i = 0; i < 2000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		y = (x >> 33) % 10 < 4;
		s = (double)((x >> 20) % 1000) / 1000 + (y ? 0.3 : 0);
		mfm_metric_acc_add(&a, s / 1.3, y, &err);
	}
	mfm_metric_acc_compute(&a, &r, &scratch);
	dlo = r.m[MFM_METRIC_AUC].lo;
	dhi = r.m[MFM_METRIC_AUC].hi;
	ck_assert(dlo < r.m[MFM_METRIC_AUC].v && r.m[MFM_METRIC_AUC].v < dhi);
	conf.bootstrap = 1000;
	mfm_metric_acc_compute(&a, &r, &scratch);
	ck_assert_double_eq_tol(r.m[MFM_METRIC_AUC].lo, dlo, 0.01);
	ck_assert_double_eq_tol(r.m[MFM_METRIC_AUC].hi, dhi, 0.01);
	/* Every binary metric gets one, deterministic, around the value. */
	ck_assert(r.m[MFM_METRIC_MCC].lo < r.m[MFM_METRIC_MCC].v);
	ck_assert(r.m[MFM_METRIC_MCC].v < r.m[MFM_METRIC_MCC].hi);
	ck_assert(r.m[MFM_METRIC_LOG_LOSS].lo < r.m[MFM_METRIC_LOG_LOSS].hi);
	mfm_metric_acc_compute(&a, &r2, &scratch);
	ck_assert_mem_eq(&r.m[MFM_METRIC_F1].lo, &r2.m[MFM_METRIC_F1].lo,
	    sizeof(double));
	mfm_metric_acc_release(&a);
	mfm_buf_release(&scratch);
}
END_TEST

Suite *suite_metric(void);

Suite *
suite_metric(void)
{
	Suite *s = suite_create("metric");
	TCase *tc = tcase_create("metric");

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_auc_sklearn);
	tcase_add_test(tc, test_auc_all_equal);
	tcase_add_test(tc, test_auc_zero_sign);
	tcase_add_test(tc, test_auc_one_class);
	tcase_add_test(tc, test_auc_random);
	tcase_add_test(tc, test_table_growth);
	tcase_add_test(tc, test_threshold_boundary);
	tcase_add_test(tc, test_nonfinite);
	tcase_add_test(tc, test_compute);
	tcase_add_test(tc, test_undefined);
	tcase_add_test(tc, test_mse_compensated);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_labels_default);
	tcase_add_test(tc, test_labels_positive);
	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_xsum);
	tcase_add_test(tc, test_wilson);
	tcase_add_test(tc, test_pr_auc_log_loss);
	tcase_add_test(tc, test_regression);
	tcase_add_test(tc, test_multiclass);
	tcase_add_test(tc, test_delays);
	tcase_add_test(tc, test_delays_many);
	tcase_add_test(tc, test_state);
	tcase_add_test(tc, test_bootstrap);
	suite_add_tcase(s, tc);
	return s;
}
