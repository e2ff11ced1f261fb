/*
 * Writing mfm-drift's records; see driftrec.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/driftrec.h"
#include "lib/json.h"
#include "lib/banned.h"

/* A feature's place in a window's ranking. */
struct rank {
	double psi;		/* NaN: undefined */
	size_t pos;		/* in the order of mfm_drift_sort_features */
	size_t id;
};

/*
 * Largest PSI first; undefined last; then in the order of
 * mfm_drift_sort_features, which does not depend on the input's order.
 */
static int
cmp_rank(const void *x, const void *y)
{
	const struct rank *a = x, *b = y;

	if (isnan(a->psi) != isnan(b->psi))
		return isnan(a->psi) ? 1 : -1;
	if (!isnan(a->psi) && a->psi != b->psi)
		return a->psi > b->psi ? -1 : 1;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/*
 * The window and the group; with a feature name (feature_group) the
 * group also holds "feature", so that mfm-threshold, which keys alerts
 * by window and group, keeps one alert per feature.
 */
static void
put_head(struct mfm_buf *b, struct mfm_group *g, size_t i,
    const char *feature)
{
	size_t n;

	mfm_group_put_head(b, g, i);
	if (feature == NULL)
		return;
	/* Reopen the group object for one more member. */
	(void)mfm_group_text(g, i, &n);
	b->p[--b->len] = '\0';
	mfm_buf_adds(b, n > 2 ? ",\"feature\":" : "\"feature\":");
	mfm_json_put_str(b, feature, strlen(feature));
	mfm_buf_addc(b, '}');
}

static const char *const kind_name[] = { "empty", "numeric", "categorical" };

/* Whether metric m is one of a feature of kind k. */
static int
of_kind(enum mfm_drift_kind k, int m)
{
	if (k != MFM_DRIFT_NUMERIC && (m == MFM_DRIFT_KS ||
	    m == MFM_DRIFT_KS_P || m == MFM_DRIFT_WASSERSTEIN ||
	    m == MFM_DRIFT_WASSERSTEIN_NORM))
		return 0;
	if (k != MFM_DRIFT_CATEGORICAL &&
	    (m == MFM_DRIFT_UNSEEN || m == MFM_DRIFT_UNSEEN_SHARE))
		return 0;
	return 1;
}

static void
put_feature(const struct mfm_driftrec *w, struct mfm_group *g, size_t i,
    const struct mfm_drift_set *ref, const struct mfm_drift_set *cur,
    size_t id, const struct mfm_drift_result *r, size_t rank)
{
	struct mfm_buf *b = w->out;
	const char *name = w->d->name[id];
	int m, first = 1;

	put_head(b, g, i, w->feature_group ? name : NULL);
	mfm_buf_adds(b, ",\"feature\":");
	mfm_json_put_str(b, name, strlen(name));
	mfm_buf_adds(b, ",\"kind\":\"");
	mfm_buf_adds(b, kind_name[r->kind]);
	mfm_buf_adds(b, "\",\"rank\":");
	mfm_json_put_int64(b, (int64_t)rank);
	mfm_buf_adds(b, ",\"n\":");
	mfm_json_put_double(b, cur->nrec);
	mfm_buf_adds(b, ",\"labelled\":");
	mfm_json_put_double(b, cur->nlab);
	mfm_buf_adds(b, ",\"present\":");
	mfm_json_put_double(b, r->cur_present);
	mfm_buf_adds(b, ",\"reference\":{\"n\":");
	mfm_json_put_double(b, ref->nrec);
	mfm_buf_adds(b, ",\"present\":");
	mfm_json_put_double(b, r->ref_present);
	mfm_buf_adds(b, "},\"metrics\":{");
	for (m = 0; m < MFM_DRIFT_NMETRIC; m++) {
		if (!of_kind(r->kind, m))
			continue;
		if (!first)
			mfm_buf_addc(b, ',');
		first = 0;
		mfm_buf_addc(b, '"');
		mfm_buf_adds(b, mfm_drift_metric_name(m));
		mfm_buf_adds(b, "\":");
		mfm_json_put_double(b, r->m[m]);
	}
	mfm_buf_addc(b, '}');
	if (r->kind == MFM_DRIFT_NUMERIC && !isnan(r->m[MFM_DRIFT_KS_P])) {
		mfm_buf_adds(b, ",\"ks_p_method\":");
		mfm_buf_adds(b, r->ks_exact ? "\"exact\"" : "\"asymptotic\"");
	}
	if (r->top.len > 0) {
		mfm_buf_adds(b, ",\"top_changes\":");
		mfm_buf_add(b, r->top.p, r->top.len);
	}
	mfm_buf_addc(b, '}');
	w->emit(w->ctx);
}

static void
put_context(const struct mfm_driftrec *w, struct mfm_group *g, size_t i,
    const struct mfm_drift_result *res, const struct rank *rk, size_t nrk)
{
	struct mfm_buf *b = w->out;
	const struct mfm_drift_result *r;
	const char *name;
	size_t k, n = nrk < w->d->top ? nrk : w->d->top;

	put_head(b, g, i, NULL);
	mfm_buf_adds(b, ",\"context\":{\"top_drift\":[");
	for (k = 0; k < n; k++) {
		r = &res[rk[k].id];
		name = w->d->name[rk[k].id];
		if (k > 0)
			mfm_buf_addc(b, ',');
		mfm_buf_adds(b, "{\"feature\":");
		mfm_json_put_str(b, name, strlen(name));
		mfm_buf_adds(b, ",\"psi\":");
		mfm_json_put_double(b, r->m[MFM_DRIFT_PSI]);
		mfm_buf_adds(b, ",\"js\":");
		mfm_json_put_double(b, r->m[MFM_DRIFT_JS]);
		if (r->top.len > 2) {
			/* The largest change alone: the first element. */
			const char *p = r->top.p + 1, *e = strchr(p, '}');

			mfm_buf_adds(b, ",\"change\":");
			mfm_buf_add(b, p, (size_t)(e - p) + 1);
		}
		mfm_buf_addc(b, '}');
	}
	mfm_buf_adds(b, "]}}");
	w->emit(w->ctx);
}

void
mfm_driftrec_window(const struct mfm_driftrec *w, struct mfm_group *g,
    size_t i, struct mfm_drift_set *ref)
{
	struct mfm_drift *d = w->d;
	struct mfm_drift_set *cur = mfm_group_val(g, i);
	struct mfm_drift_result *res;
	struct rank *rk;
	size_t nf = d->nname, k, n = 0;

	res = mfm_xcalloc(nf ? nf : 1, sizeof(*res));
	rk = mfm_xcalloc(nf ? nf : 1, sizeof(*rk));
	for (k = 0; k < nf; k++) {
		if (!mfm_drift_wanted(d, k))
			continue;
		mfm_drift_compare(d, ref, cur, k, &res[k]);
		if (res[k].kind == MFM_DRIFT_EMPTY)
			continue;
		rk[n].psi = res[k].m[MFM_DRIFT_PSI];
		rk[n].pos = d->pos[k];
		rk[n].id = k;
		n++;
	}
	qsort(rk, n, sizeof(*rk), cmp_rank);
	if (w->context)
		put_context(w, g, i, res, rk, n);
	else
		for (k = 0; k < n; k++)
			put_feature(w, g, i, ref, cur, rk[k].id, &res[rk[k].id],
			    k + 1);
	for (k = 0; k < nf; k++)
		mfm_buf_release(&res[k].top);
	free(res);
	free(rk);
}

struct gkey {
	const char *p;
	size_t n;
};

static int
cmp_gkey(const void *x, const void *y)
{
	const struct gkey *a = x, *b = y;
	int c = memcmp(a->p, b->p, a->n < b->n ? a->n : b->n);

	if (c != 0)
		return c;
	return (a->n > b->n) - (a->n < b->n);
}

int
mfm_driftrec_save(struct mfm_drift *d, struct mfm_refrun *rr, FILE *f,
    struct mfm_err *err)
{
	struct mfm_buf b = MFM_BUF_INIT;
	struct gkey *gk;
	size_t i, k = 0;
	int rc = 0;

	gk = mfm_xcalloc(rr->nref + 1, sizeof(*gk));
	for (i = 0; i < rr->refmap.nslot; i++)
		if (rr->refmap.slot[i].used && k < rr->nref) {
			gk[k].p = mfm_keymap_key(&rr->refmap,
			    &rr->refmap.slot[i].value, &gk[k].n);
			k++;
		}
	qsort(gk, k, sizeof(*gk), cmp_gkey);
	for (i = 0; i < k; i++) {
		mfm_buf_clear(&b);
		mfm_drift_save(d, mfm_refrun_ref(rr, gk[i].p, gk[i].n, 0),
		    gk[i].p, gk[i].n, &b);
		if (b.len > 0 && fwrite(b.p, 1, b.len, f) != b.len) {
			rc = mfm_err_sys(err, "write error");
			break;
		}
	}
	free(gk);
	mfm_buf_release(&b);
	return rc;
}

int
mfm_driftrec_ref_line(struct mfm_drift *d, struct mfm_refrun *rr,
    struct mfm_group *g, const struct mfm_json *j,
    const struct mfm_json_path *window, const struct mfm_json_path *by,
    size_t nby, struct mfm_err *err)
{
	struct mfm_drift_set *s;
	const char *txt;
	size_t n;
	int t, created;

	t = mfm_json_member(j, 0, "_mfm", 4);
	if (t >= 0) {
		if (!mfm_json_str_eq(j, t, "reference", 9))
			return 0;
		t = mfm_json_member(j, 0, "group", 5);
		if (mfm_json_type_of(j, t) != MFM_JSON_OBJECT)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "reference line without a group");
		txt = mfm_json_raw(j, t, &n);
		return mfm_drift_load(d, mfm_refrun_ref(rr, txt, n, 1), j, err);
	}
	s = mfm_group_get(g, j, window, by, nby, &created, err);
	if (s == NULL)
		return -1;
	return mfm_drift_add(d, s, j, err);
}
