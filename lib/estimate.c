/*
 * Label-free metric estimates; see estimate.h.
 *
 * The expected AUC walks the distinct scores in increasing order,
 * carrying the expected negatives below the current score: each
 * distinct value v seen c times adds c v (negatives below) plus, for
 * the ties, half of the pairs inside the group, c (c - 1) v (1 - v) / 2
 * (a record is never paired with itself).
 */
#include <math.h>
#include <string.h>

#include "lib/estimate.h"
#include "lib/banned.h"

static const char *const names[MFM_ESTIMATE_COUNT] = {
	"expected_auc", "expected_precision", "expected_recall",
	"expected_f1", "expected_accuracy", "expected_positive_rate"
};

const char *
mfm_estimate_name(enum mfm_estimate_id id)
{
	return (unsigned)id < MFM_ESTIMATE_COUNT ? names[id] : NULL;
}

void
mfm_estimate_init(struct mfm_estimate *e)
{
	memset(e, 0, sizeof(*e));
	mfm_sketch_init(&e->scores);
}

void
mfm_estimate_release(struct mfm_estimate *e, struct mfm_sketch_budget *b)
{
	mfm_sketch_release(&e->scores, b);
}

int
mfm_estimate_add(struct mfm_estimate *e, double p,
    struct mfm_sketch_budget *b, struct mfm_err *err)
{
	if (!(p >= 0 && p <= 1))
		return mfm_err_set(err, MFM_ERR_DATA,
		    "is not a probability between 0 and 1");
	return mfm_sketch_add_num(&e->scores, p, 1, b, err);
}

void
mfm_estimate_compute(struct mfm_estimate *e, double t,
    struct mfm_sketch_budget *b, double v[MFM_ESTIMATE_COUNT])
{
	const struct mfm_stats_vc *x;
	double n = 0, tp = 0, fp = 0, fn = 0, tn = 0, sp = 0, sq = 0;
	double self = 0, num = 0, negbelow = 0, c, p;
	size_t i, nd;

	mfm_sketch_compact(&e->scores, b);
	x = e->scores.num;
	nd = e->scores.nnum;
	for (i = 0; i < nd; i++) {
		p = x[i].v;
		c = x[i].c;
		n += c;
		if (p >= t) {
			tp += c * p;
			fp += c * (1 - p);
		} else {
			fn += c * p;
			tn += c * (1 - p);
		}
		sp += c * p;
		sq += c * (1 - p);
		self += c * p * (1 - p);
		/* Positives here over the negatives below, then the ties. */
		num += c * p * negbelow + c * (c - 1) * p * (1 - p) / 2;
		negbelow += c * (1 - p);
	}
	for (i = 0; i < MFM_ESTIMATE_COUNT; i++)
		v[i] = NAN;
	if (n == 0)
		return;
	v[MFM_ESTIMATE_ACCURACY] = (tp + tn) / n;
	v[MFM_ESTIMATE_POSITIVE_RATE] = sp / n;
	if (tp + fp > 0)
		v[MFM_ESTIMATE_PRECISION] = tp / (tp + fp);
	if (tp + fn > 0)
		v[MFM_ESTIMATE_RECALL] = tp / (tp + fn);
	if (2 * tp + fp + fn > 0)
		v[MFM_ESTIMATE_F1] = 2 * tp / (2 * tp + fp + fn);
	if (sp * sq - self > 0)
		v[MFM_ESTIMATE_AUC] = num / (sp * sq - self);
}
