/*
 * Label-free estimates of classification metrics from scores alone,
 * for predictions whose labels have not arrived: what mfm-estimate
 * keeps per window and group.
 *
 * Assumption: the scores are calibrated probabilities, P(y = 1 | p) = p.
 * Then each record is positive with probability p, and at a threshold t
 * the expected confusion counts are
 *
 *   TP = sum p [p >= t]        FP = sum (1 - p) [p >= t]
 *   FN = sum p [p < t]         TN = sum (1 - p) [p < t]
 *
 * Expected accuracy (TP + TN) / n is exact.  Precision TP / (TP + FP),
 * recall TP / (TP + FN) and F1 2TP / (2TP + FP + FN) are ratios of
 * expected counts, close to the expected ratios when the counts are
 * large.  The expected AUC is the expected number of correctly ordered
 * (positive, negative) pairs over the expected number of such pairs:
 *
 *   sum_{i != j} p_i (1 - p_j) ([s_i > s_j] + [s_i = s_j] / 2)
 *   ---------------------------------------------------------
 *               sum_{i != j} p_i (1 - p_j)
 *
 * computed in O(d log d) over the d distinct scores.  The scores are
 * kept as an exact sketch (distinct value and count), so estimates
 * merge across shards and memory follows the distinct scores.
 */
#ifndef MFM_ESTIMATE_H
#define MFM_ESTIMATE_H

#include "lib/err.h"
#include "lib/sketch.h"

enum mfm_estimate_id {
	MFM_ESTIMATE_AUC,
	MFM_ESTIMATE_PRECISION,
	MFM_ESTIMATE_RECALL,
	MFM_ESTIMATE_F1,
	MFM_ESTIMATE_ACCURACY,
	MFM_ESTIMATE_POSITIVE_RATE,
	MFM_ESTIMATE_COUNT
};

struct mfm_estimate {
	struct mfm_sketch scores;
	double labelled;	/* records that already have a label */
};

/* "expected_auc", ... */
const char *mfm_estimate_name(enum mfm_estimate_id id);

void mfm_estimate_init(struct mfm_estimate *e);
void mfm_estimate_release(struct mfm_estimate *e,
    struct mfm_sketch_budget *b);
/* Count a score; -1 with MFM_ERR_DATA unless 0 <= p <= 1. */
int mfm_estimate_add(struct mfm_estimate *e, double p,
    struct mfm_sketch_budget *b, struct mfm_err *err);
/* The estimates at threshold t into v[]; NaN when undefined. */
void mfm_estimate_compute(struct mfm_estimate *e, double t,
    struct mfm_sketch_budget *b, double v[MFM_ESTIMATE_COUNT]);

#endif
