/*
 * Reading and counting mfm-metric's records; see mread.h.
 */
#include <string.h>

#include "lib/mread.h"
#include "lib/banned.h"

/* One record's values, read before anything is counted. */
struct val {
	double score;		/* binary and regression */
	int label;		/* binary: MFM_METRIC_POS, _NEG, _UNLABELLED */
	double y;		/* regression: the label */
	double w;		/* 1 without a weight path */
	double delay;
	int has_y;		/* the label is there and not null */
	int has_delay;		/* labelled, with a delay not null */
};

void
mfm_mread_init(struct mfm_mread *m, struct mfm_mwin *mw,
    const struct mfm_json_path *window,
    const struct mfm_metric_labels *labels, const char *score,
    const char *label, const char *weight, const char *delay)
{
	memset(m, 0, sizeof(*m));
	m->mw = mw;
	m->window = window;
	m->labels = labels;
	m->score = score;
	m->label = label;
	m->weight = weight;
	m->delay = delay;
}

void
mfm_mread_release(struct mfm_mread *m)
{
	mfm_buf_release(&m->ptext);
	mfm_buf_release(&m->ytext);
	mfm_buf_release(&m->str);
}

/*
 * Value t of j as a class, in canonical form (strings decoded and
 * re-encoded) in b; -1 for a value that is no class.
 */
static int
class_of(struct mfm_mread *m, struct mfm_buf *b, const struct mfm_json *j,
    int t)
{
	const char *s;
	size_t n;

	switch (mfm_json_type_of(j, t)) {
	case MFM_JSON_STRING:
		mfm_buf_clear(b);
		s = mfm_json_str(j, t, &n, &m->str);
		mfm_json_put_str(b, s, n);
		return 0;
	case MFM_JSON_NUMBER:
	case MFM_JSON_TRUE:
	case MFM_JSON_FALSE:
		mfm_buf_clear(b);
		s = mfm_json_raw(j, t, &n);
		mfm_buf_add(b, s, n);
		return 0;
	default:
		return -1;
	}
}

/* A number at t of j (there) into *x: -1 naming path when it is not. */
static inline int
number(const struct mfm_json *j, int t, const char *path, double *x,
    struct mfm_err *err)
{
	if (mfm_json_type_of(j, t) != MFM_JSON_NUMBER)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "field '%s' is not a number", path);
	if (mfm_json_double(j, t, x) != 0)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "field '%s' is out of range", path);
	return 0;
}

static inline int
score_of(struct mfm_mread *m, const struct mfm_json *j, int t,
    struct val *v, struct mfm_err *err)
{
	if (m->mw->conf->task != MFM_METRIC_MULTICLASS) {
		if (t < 0)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "field '%s' missing", m->score);
		return number(j, t, m->score, &v->score, err);
	}
	if (mfm_json_type_of(j, t) == MFM_JSON_NONE)
		return mfm_err_set(err, MFM_ERR_DATA, "field '%s' missing",
		    m->score);
	if (class_of(m, &m->ptext, j, t) != 0)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "field '%s' is not a class", m->score);
	return 0;
}

static inline int
label_of(struct mfm_mread *m, const struct mfm_json *j, int t,
    struct val *v, struct mfm_err *err)
{
	enum mfm_metric_task task = m->mw->conf->task;

	v->has_y = t >= 0 && mfm_json_type_of(j, t) != MFM_JSON_NULL;
	if (task == MFM_METRIC_BINARY)
		return mfm_metric_label(m->labels, j, t, m->label, &v->label,
		    err);
	if (!v->has_y)
		return 0;
	if (task == MFM_METRIC_REGRESSION)
		return number(j, t, m->label, &v->y, err);
	if (class_of(m, &m->ytext, j, t) != 0)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "field '%s' is not a class", m->label);
	return 0;
}

static inline int
weight_of(const struct mfm_mread *m, const struct mfm_json *j, int t,
    struct val *v, struct mfm_err *err)
{
	if (m->weight == NULL)
		return 0;
	if (t < 0)
		return mfm_err_set(err, MFM_ERR_DATA, "field '%s' missing",
		    m->weight);
	if (mfm_json_type_of(j, t) == MFM_JSON_NUMBER &&
	    mfm_json_double(j, t, &v->w) != 0)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "field '%s' is out of range", m->weight);
	if (mfm_json_type_of(j, t) != MFM_JSON_NUMBER || !(v->w >= 0))
		return mfm_err_set(err, MFM_ERR_DATA,
		    "field '%s' is not a number >= 0", m->weight);
	return 0;
}

/* The values of record j into v: 0, or -1 for a bad value. */
static inline int
values(struct mfm_mread *m, const struct mfm_json *j, const int *tok,
    struct val *v, struct mfm_err *err)
{
	int t;

	v->score = 0;
	v->label = MFM_METRIC_UNLABELLED;
	v->y = 0;
	v->w = 1;
	v->delay = 0;
	v->has_delay = 0;
	if (score_of(m, j, tok[MFM_MREAD_SCORE], v, err) != 0 ||
	    label_of(m, j, tok[MFM_MREAD_LABEL], v, err) != 0 ||
	    weight_of(m, j, tok[MFM_MREAD_WEIGHT], v, err) != 0)
		return -1;
	t = tok[MFM_MREAD_DELAY];
	if (!v->has_y || t < 0 || mfm_json_type_of(j, t) == MFM_JSON_NULL)
		return 0;
	if (number(j, t, m->delay, &v->delay, err) != 0)
		return -1;
	v->has_delay = 1;
	return 0;
}

int
mfm_mread_count(struct mfm_mread *m, const struct mfm_json *j,
    const int *tok, struct mfm_err *err)
{
	char msg[sizeof(err->msg)];
	struct mfm_mwin_cell *c;
	struct mfm_metric_acc *a;
	struct val v;
	int rc;

	if (values(m, j, tok, &v, err) != 0)
		return -1;
	c = mfm_mwin_cell(m->mw, j, m->window, tok[MFM_MREAD_WINDOW],
	    tok + MFM_MREAD_BY, err);
	if (c == NULL)
		return -1;
	a = &c->acc;
	switch (m->mw->conf->task) {
	case MFM_METRIC_BINARY:
		rc = mfm_metric_acc_addw(a, v.score, v.label, v.w, err);
		break;
	case MFM_METRIC_REGRESSION:
		rc = mfm_metric_acc_add_reg(a, v.score, v.y, v.has_y, v.w,
		    err);
		break;
	default:
		rc = mfm_metric_acc_add_mc(a, m->ptext.p, m->ptext.len,
		    v.has_y ? m->ytext.p : NULL, m->ytext.len, v.w, err);
	}
	if (rc != 0 && err->kind != MFM_ERR_LIMIT) {
		memcpy(msg, err->msg, sizeof(msg));
		return mfm_err_set(err, MFM_ERR_DATA, "field '%s': %s",
		    m->score, msg);
	}
	if (rc != 0)
		return -1;
	if (v.has_y) {
		m->nlabelled++;
		if (v.has_delay)
			mfm_metric_acc_add_delay(a, v.delay);
	}
	return 0;
}
