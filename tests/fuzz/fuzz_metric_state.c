/*
 * libFuzzer target for mfm-metric's state body reader (make fuzz):
 * mfm_mwin_load on the lines of its --state file, after the chain line:
 * the upstream lines, the closed windows kept, and one line per window
 * and group with its accumulator's state.
 *
 * The first byte picks the task whose accumulators the cells are read
 * into (binary, regression, multiclass), so that every state reader of
 * lib/metric.c is reached; the rest is the body, followed by a NUL (the
 * JSON parser reads the byte after a line).  A body that loads is
 * dumped, loaded into fresh windows and dumped again: the two dumps are
 * the same, so a state read and saved by a run that saw no record is
 * the state it read.  For a regressor, the exact sums may be written
 * as other partial sums of the same value (adding a sum's partials
 * again can merge two of them), so there the cells' metrics are
 * compared instead.  One that does not load says why.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mwin.h"
#include "tests/fuzz/fuzz.h"

static void
no_emit(void *ctx, const struct mfm_mwin *m, size_t i, int64_t revision,
    int provisional)
{
	(void)ctx;
	(void)m;
	(void)i;
	(void)revision;
	(void)provisional;
	abort();
}

/* Whether the cells of a and b have the same metrics. */
static int
same_metrics(const struct mfm_mwin *a, const struct mfm_mwin *b)
{
	struct mfm_metric_result ra, rb;
	struct mfm_buf scratch = MFM_BUF_INIT;
	const struct mfm_mwin_cell *ca, *cb;
	size_t i, k;
	int same = 1;

	for (i = 0; same && i < a->groups.n; i++) {
		ca = mfm_group_val(&a->groups, i);
		cb = mfm_group_val(&b->groups, i);
		mfm_metric_acc_compute(&ca->acc, &ra, &scratch);
		mfm_metric_acc_compute(&cb->acc, &rb, &scratch);
		for (k = 0; k < MFM_METRIC_COUNT; k++) {
			/* -0 and 0 are written alike. */
			if (ra.m[k].v != rb.m[k].v &&
			    !(isnan(ra.m[k].v) && isnan(rb.m[k].v)))
				same = 0;
			if ((ra.m[k].undefined == NULL) !=
			    (rb.m[k].undefined == NULL) ||
			    (ra.m[k].undefined != NULL &&
			    strcmp(ra.m[k].undefined, rb.m[k].undefined) != 0))
				same = 0;
		}
		if (ca->closed != cb->closed || ca->dirty != cb->dirty ||
		    ca->revision != cb->revision || ca->acc.n != cb->acc.n ||
		    ca->acc.labelled != cb->acc.labelled)
			same = 0;
	}
	mfm_buf_release(&scratch);
	return same;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum mfm_metric_task tasks[] = {
		MFM_METRIC_BINARY, MFM_METRIC_REGRESSION, MFM_METRIC_MULTICLASS
	};
	struct mfm_metric_conf conf;
	struct mfm_mwin m, m2;
	struct mfm_buf d1 = MFM_BUF_INIT, d2 = MFM_BUF_INIT;
	struct mfm_err err;
	char *body;

	if (size == 0 || size > 65536)
		return 0;
	mfm_metric_conf_init(&conf);
	conf.task = tasks[data[0] % 3];
	conf.max_classes = 16;
	body = malloc(size);
	memcpy(body, data + 1, size - 1);
	body[size - 1] = '\0';
	mfm_mwin_init(&m, &conf, 1000, MFM_MWIN_KEEP_DEFAULT, 1, no_emit,
	    NULL);
	if (mfm_mwin_load(&m, body, size - 1, &err) == 0) {
		mfm_mwin_dump(&m, &d1);
		mfm_buf_addc(&d1, '\0');
		d1.len--;
		mfm_mwin_init(&m2, &conf, 1000, MFM_MWIN_KEEP_DEFAULT, 1,
		    no_emit, NULL);
		check(mfm_mwin_load(&m2, d1.p, d1.len, &err) == 0);
		mfm_mwin_dump(&m2, &d2);
		check(m2.groups.n == m.groups.n && m2.nclosed == m.nclosed);
		if (conf.task == MFM_METRIC_REGRESSION)
			check(same_metrics(&m, &m2));
		else
			check(d1.len == d2.len &&
			    memcmp(d1.p, d2.p, d1.len) == 0);
		mfm_mwin_release(&m2);
	} else {
		check(err.msg[0] != '\0');
		check(err.kind == MFM_ERR_DATA || err.kind == MFM_ERR_LIMIT);
	}
	mfm_mwin_release(&m);
	free(body);
	mfm_buf_release(&d1);
	mfm_buf_release(&d2);
	return 0;
}
