/*
 * bench_metric: the time mfm-metric spends computing a window's binary
 * metrics from its distinct-score table, without reading any input: N
 * distinct random scores with random labels are counted, then every
 * binary metric (ROC AUC, average precision and the rest, one sort of
 * the table) is computed R times; the best CPU time is printed.
 *
 *   bench-metric [N [R]]     (defaults 1000000 and 5)
 *
 * Built and run by scripts/bench.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lib/metric.h"
#include "lib/banned.h"

static double
cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct mfm_metric_acc a;
	struct mfm_metric_result r;
	struct mfm_buf scratch = MFM_BUF_INIT;
	struct mfm_err err;
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
	long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 5, i;
	uint64_t x = 1;
	double t, best = 1e9;

	if (n <= 0 || reps <= 0) {
		fprintf(stderr, "usage: bench-metric [N [R]]\n");
		return 2;
	}
	mfm_metric_acc_init(&a, 0.5);
	for (i = 0; i < n; i++) {
		/* A 64-bit LCG: 53 high bits as the score, one low as label. */
		x = x * UINT64_C(6364136223846793005) +
		    UINT64_C(1442695040888963407);
		mfm_metric_acc_add(&a, (double)(x >> 11) * 0x1p-53,
		    (int)((x >> 7) & 1), &err);
	}
	for (i = 0; i < reps; i++) {
		t = cpu_now();
		mfm_metric_acc_compute(&a, &r, &scratch);
		t = cpu_now() - t;
		if (t < best)
			best = t;
	}
	printf("every binary metric over %zu distinct scores: %.3f s cpu "
	    "(best of %ld; auc %.6f)\n", mfm_metric_acc_distinct(&a, &scratch),
	    best, reps, r.m[MFM_METRIC_AUC].v);
	mfm_buf_release(&scratch);
	mfm_metric_acc_release(&a);
	return 0;
}
