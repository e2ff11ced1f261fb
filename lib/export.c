/*
 * Metric records as Prometheus metric families; see export.h.
 *
 * Each record is read whole when it comes: its series (the label text),
 * its window, its rank among the records of that window, and its values,
 * one per family.  Only then is it kept or dropped, so a bad record
 * adds no sample (a metric family it named first stays known).  At the end the kept records are sorted by series and
 * window, and every family is written with the samples of every record
 * that has a value for it (a null metric has none: undefined is no
 * number, and a missing sample is what Prometheus's absent() finds).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/export.h"
#include "lib/tm.h"
#include "lib/banned.h"

struct mfm_export_val {
	uint32_t fam;
	double v;
};

struct mfm_export_pair {
	char *name;			/* valid label name */
	char *value;			/* escaped */
};

struct mfm_export_rec {
	char *series;			/* name="value",... sorted, owned */
	char *full;			/* the same with provisional="true" */
	int has_window;
	int64_t ws, we;
	int prov;
	int64_t rev;
	uint64_t seq;
	struct mfm_export_val *val;	/* sorted by family */
	size_t nval;
};

/* mfm's own families, in the order they are written. */
enum {
	FAM_RECORDS, FAM_LABELLED, FAM_POSITIVES, FAM_NEGATIVES,
	FAM_COVERAGE, FAM_DELAY_P50, FAM_DELAY_P95, FAM_DELAY_MAX,
	FAM_WSTART, FAM_WEND, FAM_AS_OF, FAM_FIXED
};

static const struct {
	const char *name;
	const char *help;
} fixed[FAM_FIXED] = {
	{ "records", "Records counted in the window and group (n)." },
	{ "labelled", "Records of the window and group whose outcome has "
	    "arrived." },
	{ "positives", "Labelled records of the positive class." },
	{ "negatives", "Labelled records of the negative class." },
	{ "label_coverage", "Share of the records whose outcome has arrived "
	    "(labelled / n)." },
	{ "label_delay_p50_seconds", "Median label delay of the labelled "
	    "records, by nearest rank." },
	{ "label_delay_p95_seconds", "95th percentile of the label delays, "
	    "by nearest rank." },
	{ "label_delay_max_seconds", "Largest label delay." },
	{ "window_start_seconds", "Start of the window the values are of, "
	    "Unix time." },
	{ "window_end_seconds", "End of the window the values are of, Unix "
	    "time." },
	{ "as_of_seconds", "For a provisional window, the join's event time "
	    "when it was computed." },
};

/* Metrics members that are the label health, written as fixed ones. */
static const struct {
	const char *metric;
	int fam;
} health[] = {
	{ "label_coverage", FAM_COVERAGE },
	{ "label_delay_p50", FAM_DELAY_P50 },
	{ "label_delay_p95", FAM_DELAY_P95 },
	{ "label_delay_max", FAM_DELAY_MAX },
};

/* Label names of mfm's own; a group member so named gets "exported_". */
static const char *const reserved[] = { "window", "provisional" };

static void
rec_free(struct mfm_export_rec *r)
{
	if (r == NULL)
		return;
	free(r->series);
	free(r->full);
	free(r->val);
	free(r);
}

static void
add_family(struct mfm_export *x, const char *name, const char *source,
    int is_fixed)
{
	struct mfm_buf b = MFM_BUF_INIT;
	int isnew;

	x->fam = mfm_xreallocarray(x->fam, x->nfam + 1, sizeof(*x->fam));
	mfm_buf_adds(&b, x->prefix);
	mfm_buf_adds(&b, name);
	x->fam[x->nfam].name = mfm_buf_detach(&b);
	x->fam[x->nfam].source = mfm_xstrdup(source);
	x->fam[x->nfam].fixed = is_fixed;
	*mfm_keymap_put(&x->famix, x->fam[x->nfam].name,
	    strlen(x->fam[x->nfam].name), &isnew) = x->nfam;
	x->nfam++;
}

static void
families_reset(struct mfm_export *x)
{
	size_t i;

	for (i = 0; i < x->nfam; i++) {
		free(x->fam[i].name);
		free(x->fam[i].source);
	}
	free(x->fam);
	x->fam = NULL;
	x->nfam = 0;
	mfm_keymap_release(&x->famix);
	mfm_keymap_init(&x->famix);
	for (i = 0; i < FAM_FIXED; i++)
		add_family(x, fixed[i].name, fixed[i].name, 1);
}

void
mfm_export_init(struct mfm_export *x)
{
	memset(x, 0, sizeof(*x));
	x->prefix = mfm_xstrdup("mfm_");
	x->max_windows = MFM_EXPORT_MAX_WINDOWS;
	mfm_keymap_init(&x->slot);
	mfm_keymap_init(&x->famix);
	families_reset(x);
}

void
mfm_export_release(struct mfm_export *x)
{
	size_t i;

	for (i = 0; i < x->nrec; i++)
		rec_free(x->rec[i]);
	free(x->rec);
	for (i = 0; i < x->nfam; i++) {
		free(x->fam[i].name);
		free(x->fam[i].source);
	}
	free(x->fam);
	for (i = 0; i < x->nlabel; i++) {
		free(x->label[i].name);
		free(x->label[i].value);
	}
	free(x->prefix);
	mfm_keymap_release(&x->slot);
	mfm_keymap_release(&x->famix);
	mfm_buf_release(&x->tmp);
	mfm_buf_release(&x->tmp2);
	mfm_buf_release(&x->key);
	memset(x, 0, sizeof(*x));
}

int
mfm_export_label(struct mfm_export *x, const char *name, const char *value,
    struct mfm_err *err)
{
	size_t i;

	if (!mfm_prom_label_name_ok(name, strlen(name)))
		return mfm_err_set(err, MFM_ERR_USAGE, "invalid label name "
		    "'%s' (letters, digits and '_', not a digit first nor "
		    "\"__\")", name);
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(name, reserved[i]) == 0)
			return mfm_err_set(err, MFM_ERR_USAGE, "label '%s' is "
			    "mfm-export's own", name);
	for (i = 0; i < x->nlabel; i++)
		if (strcmp(x->label[i].name, name) == 0)
			return mfm_err_set(err, MFM_ERR_USAGE, "label '%s' "
			    "given twice", name);
	if (x->nlabel >= MFM_EXPORT_MAX_LABELS)
		return mfm_err_set(err, MFM_ERR_LIMIT, "more than %d labels",
		    MFM_EXPORT_MAX_LABELS);
	x->label[x->nlabel].name = mfm_xstrdup(name);
	x->label[x->nlabel].value = mfm_xstrdup(value);
	x->nlabel++;
	return 0;
}

int
mfm_export_prefix(struct mfm_export *x, const char *prefix,
    struct mfm_err *err)
{
	size_t i, n = strlen(prefix);

	for (i = 0; i < n; i++)
		if (!((prefix[i] >= 'a' && prefix[i] <= 'z') ||
		    (prefix[i] >= 'A' && prefix[i] <= 'Z') || prefix[i] == '_' ||
		    (i > 0 && prefix[i] >= '0' && prefix[i] <= '9')))
			return mfm_err_set(err, MFM_ERR_USAGE, "invalid prefix "
			    "'%s' (letters, digits and '_', not a digit "
			    "first)", prefix);
	free(x->prefix);
	x->prefix = mfm_xstrdup(prefix);
	families_reset(x);
	return 0;
}

/* Reading a record */

static int
pair_cmp(const void *a, const void *b)
{
	const struct mfm_export_pair *p = a, *q = b;

	return strcmp(p->name, q->name);
}

static void
pairs_free(struct mfm_export_pair *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(p[i].name);
		free(p[i].value);
	}
	free(p);
}

/* name="value",... of pairs, with provisional="true" merged in order. */
static char *
pairs_text(const struct mfm_export_pair *p, size_t n, int prov)
{
	struct mfm_buf b = MFM_BUF_INIT;
	size_t i;
	int done = !prov;

	for (i = 0; i <= n; i++) {
		if (!done && (i == n || strcmp(p[i].name, "provisional") > 0)) {
			mfm_buf_adds(&b, b.len > 0 ? ",provisional=\"true\"" :
			    "provisional=\"true\"");
			done = 1;
		}
		if (i == n)
			break;
		if (b.len > 0)
			mfm_buf_addc(&b, ',');
		mfm_buf_addf(&b, "%s=\"%s\"", p[i].name, p[i].value);
	}
	return mfm_buf_detach(&b);
}

/* The window's length as a label: DST days still read "1d". */
static void
window_label(int64_t len, char out[32])
{
	int64_t day = 86400 * INT64_C(1000000), hour = 3600 * INT64_C(1000000);
	int64_t days = (len + day / 2) / day;

	/* A calendar day in a zone with summer time is 23 or 25 hours. */
	if (len >= 20 * hour && len % day != 0 && len - days * day <= hour &&
	    days * day - len <= hour)
		len = days * day;
	mfm_tm_format_duration(len, out);
}

static int
get_time(const struct mfm_json *j, int obj, const char *key, int64_t *us)
{
	struct mfm_buf s = MFM_BUF_INIT;
	const char *p;
	size_t n;
	int t = mfm_json_member(j, obj, key, strlen(key)), rc = -1;

	if (t >= 0 && mfm_json_type_of(j, t) == MFM_JSON_STRING &&
	    (p = mfm_json_str(j, t, &n, &s)) != NULL)
		rc = mfm_tm_parse_rfc3339(p, n, us, NULL);
	mfm_buf_release(&s);
	return rc;
}

static void
put_val(struct mfm_export_rec *r, size_t *cap, int fam, double v)
{
	if (r->nval == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		r->val = mfm_xreallocarray(r->val, *cap, sizeof(*r->val));
	}
	r->val[r->nval].fam = (uint32_t)fam;
	r->val[r->nval].v = v;
	r->nval++;
}

/* A number or null (no value) at t; -1 for anything else. */
static int
number_or_null(const struct mfm_json *j, int t, double *v, int *has)
{
	*has = 0;
	if (t < 0 || mfm_json_type_of(j, t) == MFM_JSON_NULL)
		return 0;
	if (mfm_json_type_of(j, t) != MFM_JSON_NUMBER ||
	    mfm_json_double(j, t, v) != 0)
		return -1;
	*has = 1;
	return 0;
}

static int
val_cmp(const void *a, const void *b)
{
	const struct mfm_export_val *p = a, *q = b;

	return p->fam < q->fam ? -1 : p->fam > q->fam;
}

/* The family of metrics member m, registered on first sight. */
static int
metric_family(struct mfm_export *x, const char *m, size_t mn,
    struct mfm_err *err)
{
	struct mfm_buf *b = &x->tmp2;
	struct mfm_export_family *f;
	size_t *ix;

	mfm_buf_clear(b);
	mfm_buf_adds(b, x->prefix);
	mfm_prom_metric_name(b, m, mn);
	if ((ix = mfm_keymap_find(&x->famix, b->p, b->len)) != NULL) {
		f = &x->fam[*ix];
		if (f->fixed)
			return mfm_err_set(err, MFM_ERR_DATA, "metric '%.*s' "
			    "would be exported as %s, one of mfm-export's own "
			    "families", (int)mn, m, b->p);
		if (strlen(f->source) != mn || memcmp(f->source, m, mn) != 0)
			return mfm_err_set(err, MFM_ERR_DATA, "metrics '%s' "
			    "and '%.*s' would both be exported as %s",
			    f->source, (int)mn, m, b->p);
		return (int)*ix;
	}
	if (x->nfam >= MFM_EXPORT_MAX_FAMILIES)
		return mfm_err_set(err, MFM_ERR_LIMIT, "more than %d metric "
		    "families", MFM_EXPORT_MAX_FAMILIES);
	{
		char *src = mfm_xmemdup(m, mn);

		add_family(x, b->p + strlen(x->prefix), src, 0);
		free(src);
	}
	return (int)x->nfam - 1;
}

/* The labels of the record: constant, group members, window. */
static int
read_labels(struct mfm_export *x, const struct mfm_json *j, int g,
    const char *wlabel, struct mfm_export_pair **pp, size_t *np,
    struct mfm_err *err)
{
	struct mfm_export_pair *p = NULL;
	size_t n = 0, cap = 0, i, k, vn, kn;
	struct mfm_buf nb = MFM_BUF_INIT, vb = MFM_BUF_INIT;
	const char *v, *key;
	int t, clash;

	cap = x->nlabel + (g >= 0 ? mfm_json_at(j, g)->count : 0) + 1;
	p = mfm_xcalloc(cap, sizeof(*p));
	for (i = 0; i < x->nlabel; i++) {
		p[n].name = mfm_xstrdup(x->label[i].name);
		mfm_buf_clear(&vb);
		mfm_prom_label_value(&vb, x->label[i].value,
		    strlen(x->label[i].value));
		p[n++].value = mfm_xstrdup(vb.p != NULL ? vb.p : "");
	}
	for (t = g >= 0 ? mfm_json_first(j, g) : -1; t >= 0;
	    t = mfm_json_next(j, g, t)) {
		key = mfm_json_str(j, t, &kn, &x->tmp);
		mfm_buf_clear(&nb);
		mfm_prom_label_name(&nb, key, kn);
		/* Taken by mfm or by --label: the group's is "exported_". */
		clash = 0;
		for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
			clash |= strcmp(nb.p, reserved[i]) == 0;
		for (i = 0; i < x->nlabel; i++)
			clash |= strcmp(nb.p, x->label[i].name) == 0;
		if (clash) {
			mfm_buf_clear(&vb);
			mfm_buf_adds(&vb, "exported_");
			mfm_buf_adds(&vb, nb.p);
			mfm_buf_clear(&nb);
			mfm_buf_adds(&nb, vb.p);
		}
		for (k = 0; k < n; k++)
			if (strcmp(p[k].name, nb.p) == 0) {
				mfm_err_set(err, MFM_ERR_DATA, "group member "
				    "'%.*s' would be label %s, which another "
				    "already is", (int)kn, key, nb.p);
				pairs_free(p, n);
				mfm_buf_release(&nb);
				mfm_buf_release(&vb);
				return -1;
			}
		v = mfm_prom_json_value(j, t + 1, &vn, &x->tmp);
		mfm_buf_clear(&vb);
		mfm_prom_label_value(&vb, v, vn);
		p[n].name = mfm_xstrdup(nb.p);
		p[n++].value = mfm_xstrdup(vb.p != NULL ? vb.p : "");
	}
	if (wlabel != NULL) {
		p[n].name = mfm_xstrdup("window");
		p[n++].value = mfm_xstrdup(wlabel);
	}
	if (n > 1)
		qsort(p, n, sizeof(*p), pair_cmp);
	mfm_buf_release(&nb);
	mfm_buf_release(&vb);
	*pp = p;
	*np = n;
	return 0;
}

static struct mfm_export_rec *
read_record(struct mfm_export *x, const struct mfm_json *j,
    struct mfm_err *err)
{
	struct mfm_export_rec *r = mfm_xcalloc(1, sizeof(*r));
	struct mfm_export_pair *pairs = NULL;
	static const char *const counts[] = { "n", "labelled", "positives",
	    "negatives" };
	static const char *const lh[] = { "coverage", "delay_p50",
	    "delay_p95", "delay_max" };
	size_t npairs = 0, cap = 0, i, kn;
	int w, g, m, lab, t, has, f;
	int64_t as_of, rev;
	char wl[32];
	const char *key;
	double v;

	w = mfm_json_member(j, 0, "window", 6);
	if (w >= 0 && mfm_json_type_of(j, w) != MFM_JSON_NULL) {
		if (mfm_json_type_of(j, w) != MFM_JSON_OBJECT ||
		    get_time(j, w, "start", &r->ws) != 0 ||
		    get_time(j, w, "end", &r->we) != 0 || r->we < r->ws) {
			mfm_err_set(err, MFM_ERR_DATA, "record's 'window' is "
			    "not an object with start and end times");
			goto bad;
		}
		r->has_window = 1;
		window_label(r->we - r->ws, wl);
	}
	if (x->all && !r->has_window) {
		mfm_err_set(err, MFM_ERR_DATA, "record has no window to time "
		    "its samples by (--all)");
		goto bad;
	}
	if ((g = mfm_json_member(j, 0, "group", 5)) >= 0 &&
	    mfm_json_type_of(j, g) == MFM_JSON_NULL)
		g = -1;
	if (g >= 0 && mfm_json_type_of(j, g) != MFM_JSON_OBJECT) {
		mfm_err_set(err, MFM_ERR_DATA, "record's 'group' is not an "
		    "object");
		goto bad;
	}
	if ((m = mfm_json_member(j, 0, "metrics", 7)) < 0 ||
	    mfm_json_type_of(j, m) != MFM_JSON_OBJECT) {
		mfm_err_set(err, MFM_ERR_DATA, "record has no 'metrics' "
		    "object");
		goto bad;
	}
	t = mfm_json_member(j, 0, "provisional", 11);
	r->prov = t >= 0 && mfm_json_type_of(j, t) == MFM_JSON_TRUE;
	/* The revision, top-level as mfm-metric writes it, or in the window. */
	rev = 0;
	if ((t = mfm_json_member(j, 0, "revision", 8)) < 0 && w >= 0 &&
	    r->has_window)
		t = mfm_json_member(j, w, "revision", 8);
	if (t >= 0 && (mfm_json_int64(j, t, &rev) != 0 || rev < 0)) {
		mfm_err_set(err, MFM_ERR_DATA, "record's 'revision' is not a "
		    "whole number");
		goto bad;
	}
	r->rev = rev;
	for (i = 0; i < 4; i++) {
		t = mfm_json_member(j, 0, counts[i], strlen(counts[i]));
		if (number_or_null(j, t, &v, &has) != 0) {
			mfm_err_set(err, MFM_ERR_DATA, "record's '%s' is not a "
			    "number", counts[i]);
			goto bad;
		}
		if (has)
			put_val(r, &cap, FAM_RECORDS + (int)i, v);
	}
	lab = mfm_json_member(j, 0, "labels", 6);
	if (lab >= 0 && mfm_json_type_of(j, lab) != MFM_JSON_OBJECT)
		lab = -1;
	for (i = 0; lab >= 0 && i < 4; i++) {
		t = mfm_json_member(j, lab, lh[i], strlen(lh[i]));
		if (number_or_null(j, t, &v, &has) != 0) {
			mfm_err_set(err, MFM_ERR_DATA, "record's 'labels.%s' "
			    "is not a number", lh[i]);
			goto bad;
		}
		if (has)
			put_val(r, &cap, FAM_COVERAGE + (int)i, v);
	}
	for (t = mfm_json_first(j, m); t >= 0; t = mfm_json_next(j, m, t)) {
		key = mfm_json_str(j, t, &kn, &x->tmp);
		if (number_or_null(j, t + 1, &v, &has) != 0) {
			mfm_err_set(err, MFM_ERR_DATA, "metric '%.*s' is not a "
			    "number or null", (int)kn, key);
			goto bad;
		}
		f = -1;
		for (i = 0; i < sizeof(health) / sizeof(health[0]); i++)
			if (strlen(health[i].metric) == kn &&
			    memcmp(health[i].metric, key, kn) == 0)
				f = health[i].fam;
		if (f >= 0) {
			/* The labels member, when there, says the same. */
			if (lab < 0 && has)
				put_val(r, &cap, f, v);
			continue;
		}
		if ((f = metric_family(x, key, kn, err)) < 0)
			goto bad;
		if (has)
			put_val(r, &cap, f, v);
	}
	if (r->has_window) {
		put_val(r, &cap, FAM_WSTART, (double)r->ws / 1e6);
		put_val(r, &cap, FAM_WEND, (double)r->we / 1e6);
	}
	if (r->prov && get_time(j, 0, "as_of", &as_of) == 0)
		put_val(r, &cap, FAM_AS_OF, (double)as_of / 1e6);
	if (r->nval > 1)
		qsort(r->val, r->nval, sizeof(*r->val), val_cmp);
	if (read_labels(x, j, g, r->has_window ? wl : NULL, &pairs, &npairs,
	    err) != 0)
		goto bad;
	r->series = pairs_text(pairs, npairs, 0);
	r->full = pairs_text(pairs, npairs, r->prov);
	pairs_free(pairs, npairs);
	r->seq = ++x->seq;
	return r;
bad:
	rec_free(r);
	return NULL;
}

/* Keeping the latest */

/* Whether a is later than b: its window, then its rank. */
static int
later(const struct mfm_export_rec *a, const struct mfm_export_rec *b)
{
	if (a->ws != b->ws)
		return a->ws > b->ws;
	if (a->we != b->we)
		return a->we > b->we;
	if (a->prov != b->prov)
		return !a->prov;
	if (a->rev != b->rev)
		return a->rev > b->rev;
	return a->seq > b->seq;
}

int
mfm_export_add(struct mfm_export *x, const struct mfm_json *j,
    struct mfm_err *err)
{
	struct mfm_export_rec *r;
	size_t *slot;
	int isnew;

	if (mfm_json_member(j, 0, "_mfm", 4) >= 0)
		return 1;
	if ((r = read_record(x, j, err)) == NULL)
		return -1;
	if (r->prov && !x->provisional) {
		x->nprovisional++;
		rec_free(r);
		return 0;
	}
	/* The slot: final or provisional, series, and with all the window. */
	mfm_buf_clear(&x->key);
	mfm_buf_addc(&x->key, r->prov ? 'p' : 'f');
	mfm_buf_adds(&x->key, r->series);
	if (x->all) {
		mfm_buf_addc(&x->key, '\0');
		mfm_buf_add(&x->key, &r->ws, sizeof(r->ws));
		mfm_buf_add(&x->key, &r->we, sizeof(r->we));
	}
	slot = mfm_keymap_find(&x->slot, x->key.p, x->key.len);
	if (slot == NULL) {
		if (x->nrec >= x->max_windows) {
			rec_free(r);
			return mfm_err_set(err, MFM_ERR_LIMIT, "more than %zu "
			    "windows of series kept", x->max_windows);
		}
		slot = mfm_keymap_put(&x->slot, x->key.p, x->key.len, &isnew);
		*slot = x->nrec;
		x->rec = mfm_xreallocarray(x->rec, x->nrec + 1,
		    sizeof(*x->rec));
		x->rec[x->nrec++] = r;
		return 0;
	}
	if (r->ws == x->rec[*slot]->ws && r->we == x->rec[*slot]->we)
		x->nsuperseded++;
	else
		x->nolder++;
	if (later(r, x->rec[*slot])) {
		rec_free(x->rec[*slot]);
		x->rec[*slot] = r;
	} else
		rec_free(r);
	return 0;
}

/* Writing */

static int
out_cmp(const void *a, const void *b)
{
	const struct mfm_export_rec *p = *(struct mfm_export_rec *const *)a;
	const struct mfm_export_rec *q = *(struct mfm_export_rec *const *)b;
	int c = strcmp(p->full, q->full);

	if (c != 0)
		return c;
	if (p->we != q->we)
		return p->we < q->we ? -1 : 1;
	return p->ws < q->ws ? -1 : p->ws > q->ws;
}

/* Whether kept record r is written: a provisional one is superseded by
 * a final record of its window (all) or of a window as late (latest). */
static int
written(struct mfm_export *x, const struct mfm_export_rec *r)
{
	const struct mfm_export_rec *f;
	size_t *slot;

	if (!r->prov)
		return 1;
	mfm_buf_clear(&x->key);
	mfm_buf_addc(&x->key, 'f');
	mfm_buf_adds(&x->key, r->series);
	if (x->all) {
		mfm_buf_addc(&x->key, '\0');
		mfm_buf_add(&x->key, &r->ws, sizeof(r->ws));
		mfm_buf_add(&x->key, &r->we, sizeof(r->we));
	}
	if ((slot = mfm_keymap_find(&x->slot, x->key.p, x->key.len)) == NULL)
		return 1;
	f = x->rec[*slot];
	return later(r, f) && (r->ws != f->ws || r->we != f->we);
}

static void
family_head(struct mfm_export *x, struct mfm_buf *out,
    const struct mfm_export_family *f, size_t ix)
{
	size_t n = strlen(f->name);

	if (x->format == MFM_PROM_OPENMETRICS) {
		mfm_buf_addf(out, "# TYPE %s gauge\n", f->name);
		if (n > 8 && strcmp(f->name + n - 8, "_seconds") == 0)
			mfm_buf_addf(out, "# UNIT %s seconds\n", f->name);
	}
	mfm_buf_addf(out, "# HELP %s ", f->name);
	if (f->fixed)
		mfm_buf_adds(out, fixed[ix].help);
	else {
		mfm_buf_adds(out, "mfm metric ");
		mfm_prom_help(out, f->source, strlen(f->source));
		mfm_buf_adds(out, " of the window and group (mfm-metric(1)).");
	}
	mfm_buf_addc(out, '\n');
	if (x->format == MFM_PROM_TEXT)
		mfm_buf_addf(out, "# TYPE %s gauge\n", f->name);
}

void
mfm_export_write(struct mfm_export *x, struct mfm_buf *out)
{
	struct mfm_export_rec **o;
	size_t *cur, n = 0, i, f, k;
	int head;

	o = mfm_xcalloc(x->nrec + 1, sizeof(*o));
	for (i = 0; i < x->nrec; i++)
		if (written(x, x->rec[i]))
			o[n++] = x->rec[i];
	if (n > 1)
		qsort(o, n, sizeof(*o), out_cmp);
	cur = mfm_xcalloc(n + 1, sizeof(*cur));
	memset(&x->written, 0, sizeof(x->written));
	x->written.windows = n;
	for (f = 0; f < x->nfam; f++) {
		head = 0;
		for (i = 0; i < n; i++) {
			k = cur[i];
			while (k < o[i]->nval && o[i]->val[k].fam < f)
				k++;
			cur[i] = k;
			if (k >= o[i]->nval || o[i]->val[k].fam != f)
				continue;
			if (!head) {
				family_head(x, out, &x->fam[f], f);
				head = 1;
				x->written.families++;
			}
			mfm_buf_adds(out, x->fam[f].name);
			if (o[i]->full[0] != '\0')
				mfm_buf_addf(out, "{%s}", o[i]->full);
			mfm_buf_addc(out, ' ');
			mfm_prom_value(out, o[i]->val[k].v);
			if (x->timestamps && o[i]->has_window) {
				mfm_buf_addc(out, ' ');
				mfm_prom_timestamp(out, x->format, o[i]->we);
			}
			mfm_buf_addc(out, '\n');
			x->written.samples++;
		}
	}
	if (x->format == MFM_PROM_OPENMETRICS)
		mfm_buf_adds(out, "# EOF\n");
	free(cur);
	free(o);
}


/* Pushgateway */

static int
url_plain(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' ||
		    *s == '_' || *s == '~'))
			return 0;
	return 1;
}

/* "/name/value", or "/name@base64/..." for a value that is not plain. */
static void
push_part(struct mfm_buf *b, const char *name, const char *v)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *s = (const unsigned char *)v;
	size_t i, n = strlen(v);
	unsigned w;

	if (url_plain(v)) {
		mfm_buf_addf(b, "/%s/%s", name, v);
		return;
	}
	/* Base64url (RFC 4648 section 5); "=" for the empty value. */
	mfm_buf_addf(b, "/%s@base64/", name);
	if (n == 0)
		mfm_buf_addc(b, '=');
	for (i = 0; i < n; i += 3) {
		w = (unsigned)s[i] << 16;
		if (i + 1 < n)
			w |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			w |= s[i + 2];
		mfm_buf_addc(b, b64[w >> 18 & 63]);
		mfm_buf_addc(b, b64[w >> 12 & 63]);
		mfm_buf_addc(b, i + 1 < n ? b64[w >> 6 & 63] : '=');
		mfm_buf_addc(b, i + 2 < n ? b64[w & 63] : '=');
	}
}

void
mfm_export_push_path(struct mfm_buf *b, const char *job,
    const struct mfm_export_label *g, size_t n)
{
	size_t i;

	mfm_buf_adds(b, "/metrics");
	push_part(b, "job", job);
	for (i = 0; i < n; i++)
		push_part(b, g[i].name, g[i].value);
}
