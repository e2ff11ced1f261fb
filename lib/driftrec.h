/*
 * mfm-drift's records: a window and group compared with its reference
 * feature by feature (lib/drift.h), written as the drift records
 * mfm-threshold reads, one a feature ranked by PSI, or as one context
 * record a window (--emit-context) that an alert can carry.
 */
#ifndef MFM_DRIFTREC_H
#define MFM_DRIFTREC_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/drift.h"
#include "lib/group.h"

/* How a window's records are written. */
struct mfm_driftrec {
	struct mfm_drift *d;	/* the features and settings; borrowed */
	int context;		/* one context record a window instead */
	int feature_group;	/* the feature in the group too */
	struct mfm_buf *out;	/* each record is built here, then */
	void (*emit)(void *ctx);	/* called to write out and clear it */
	void *ctx;
};

/*
 * Compare entry i of g (a struct mfm_drift_set) with ref and write its
 * records: for every feature wanted that has a value on either side,
 * {"window":W,"group":G,"feature":F,"kind":K,"rank":R,"n":..,
 * "labelled":..,"present":..,"reference":{"n":..,"present":..},
 * "metrics":{...}} with "ks_p_method" and "top_changes" when there are
 * some, ranked by PSI (largest first, undefined last, then in the order
 * of mfm_drift_sort_features); with context, one record
 * {"window":W,"group":G,"context":{"top_drift":[...]}} of the first
 * d->top of them.  With feature_group the group also holds "feature",
 * so that mfm-threshold keeps one alert per feature.
 */
void mfm_driftrec_window(const struct mfm_driftrec *w, struct mfm_group *g,
    size_t i, struct mfm_drift_set *ref);

#endif
