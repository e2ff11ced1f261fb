/*
 * Alert state per series; see track.h.
 *
 * The comparison always happens on the metric's own scale: a baseline
 * turns the rule's number into an effective threshold (base + x, base +
 * x% of |base|, mean + x standard deviations) and the same for the
 * clear threshold, so hysteresis and significance gating work the same
 * with or without a baseline, and events show a threshold a person can
 * hold the value against.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/tm.h"
#include "lib/track.h"
#include "lib/banned.h"

enum { ST_INACTIVE = 0, ST_PENDING, ST_FIRING };

static const char *const state_names[] = { "inactive", "pending", "firing" };

static const char *const status_names[] = {
	"skip", "inactive", "pending", "firing", "resolved",
	"insufficient_data", "no_data", "provisional"
};

size_t
mfm_track_firing(const struct mfm_track *t)
{
	size_t i, n = 0;

	for (i = 0; i < t->n; i++)
		n += t->s[i].cur.state == ST_FIRING;
	return n;
}

const char *
mfm_track_status_name(enum mfm_track_status s)
{
	return status_names[s];
}

void
mfm_track_init(struct mfm_track *t, struct mfm_rule_set *rules, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->rules = rules;
	t->max = max;
	mfm_keymap_init(&t->map);
	mfm_buf_init(&t->key);
	mfm_buf_init(&t->text);
}

static void
snap_release(struct mfm_track_snap *p)
{
	free(p->since);
	free(p->hist);
	memset(p, 0, sizeof(*p));
}

void
mfm_track_release(struct mfm_track *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->s[i].canon);
		snap_release(&t->s[i].cur);
		snap_release(&t->s[i].prev);
		free(t->s[i].last);
		free(t->s[i].last_end);
	}
	free(t->s);
	mfm_keymap_release(&t->map);
	mfm_buf_release(&t->key);
	mfm_buf_release(&t->text);
	memset(t, 0, sizeof(*t));
}

/*
 * A series of a state written before series were told apart by window
 * length (its length 0, and windows seen): it is the one of the length
 * asked for now, whose key t->key holds.
 */
static struct mfm_track_series *
legacy(struct mfm_track *t, int64_t span)
{
	struct mfm_buf k = MFM_BUF_INIT;
	int64_t zero = 0;
	size_t *slot, n = t->key.len - sizeof(span), i;
	int isnew;

	mfm_buf_add(&k, t->key.p, n);
	mfm_buf_add(&k, &zero, sizeof(zero));
	slot = mfm_keymap_find(&t->map, k.p, k.len);
	mfm_buf_release(&k);
	if (slot == NULL || t->s[*slot].span != 0 || t->s[*slot].last == NULL)
		return NULL;
	i = *slot;
	t->s[i].span = span;
	*mfm_keymap_put(&t->map, t->key.p, t->key.len, &isnew) = i;
	return &t->s[i];
}

/* The series of rule ri on a group, created if need be; NULL at the cap. */
static struct mfm_track_series *
series_get(struct mfm_track *t, size_t ri, const char *canon, size_t len,
    int64_t span, struct mfm_err *err)
{
	const struct mfm_rule *r = &t->rules->rule[ri];
	struct mfm_track_series *s;
	size_t *slot;
	int isnew;

	mfm_buf_clear(&t->key);
	mfm_buf_add(&t->key, r->name, strlen(r->name) + 1);
	mfm_buf_add(&t->key, canon, len);
	mfm_buf_add(&t->key, &span, sizeof(span));
	slot = mfm_keymap_find(&t->map, t->key.p, t->key.len);
	if (slot != NULL)
		return &t->s[*slot];
	if (span != 0 && (s = legacy(t, span)) != NULL)
		return s;
	if (t->n >= t->max) {
		mfm_err_set(err, MFM_ERR_LIMIT, "more than %zu alert series "
		    "(rules times groups; see --max-series)", t->max);
		return NULL;
	}
	slot = mfm_keymap_put(&t->map, t->key.p, t->key.len, &isnew);
	*slot = t->n;
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->s = mfm_xreallocarray(t->s, t->cap, sizeof(*t->s));
	}
	s = &t->s[t->n++];
	memset(s, 0, sizeof(*s));
	s->rule = ri;
	s->canon = mfm_xmemdup(canon, len);
	s->canon_len = len;
	s->span = span;
	if (r->base == MFM_RULE_BASE_LAST)
		s->cur.hist = mfm_xcalloc(r->base_last, sizeof(*s->cur.hist));
	return s;
}

static void
set_str(char **dst, const char *s, size_t n)
{
	free(*dst);
	*dst = s != NULL ? mfm_xmemdup(s, n) : NULL;
}

static void
hist_push(struct mfm_track_snap *p, unsigned k, double v)
{
	p->hist[(p->head + p->nhist) % k] = v;
	if (p->nhist < k)
		p->nhist++;
	else
		p->head = (p->head + 1) % k;
}

static double
effective(const struct mfm_rule *r, double x, double base, double sd)
{
	switch (r->cmp) {
	case MFM_RULE_CMP_VALUE:
		return x;
	case MFM_RULE_CMP_CHANGE:
		return base + x;
	case MFM_RULE_CMP_PERCENT:
		return base + x / 100 * fabs(base);
	case MFM_RULE_CMP_SIGMA:
		return base + x * sd;
	}
	return x;
}

/*
 * The minimum support of mfm(7): labelled records for a metric made from
 * labels, and records of each class for a rank metric.  A rule's own
 * minimum needs the count; the defaults apply where the record has it.
 * Returns -1 with the reason in res when the window is too thin.
 */
static int
support(const struct mfm_rule *r, const struct mfm_rule_rec *rec,
    struct mfm_track_result *res)
{
	double min, cnt, pos, neg;
	int has;

	if (!mfm_rule_from_labels(r))
		return 0;
	has = mfm_json_double(rec->j, rec->labelled, &cnt) == 0;
	min = r->has_min_labelled ? r->min_labelled :
	    has ? MFM_RULE_MIN_LABELLED : 0;
	if (min > 0 && !has) {
		snprintf(res->reason, sizeof(res->reason), "the record has no "
		    "count 'labelled' (min_labelled %.17g)", min);
		return -1;
	}
	if (min > 0 && cnt < min) {
		snprintf(res->reason, sizeof(res->reason), "labelled %.17g < "
		    "min_labelled %.17g", cnt, min);
		return -1;
	}
	if (!mfm_rule_rank_metric(r))
		return 0;
	has = mfm_rule_positives(rec, &pos) == 0 &&
	    mfm_rule_negatives(rec, &neg) == 0;
	min = r->has_min_per_class ? r->min_per_class :
	    has ? MFM_RULE_MIN_PER_CLASS : 0;
	if (min > 0 && !has) {
		snprintf(res->reason, sizeof(res->reason), "the record has no "
		    "counts 'positives' and 'negatives' (min_per_class %.17g)",
		    min);
		return -1;
	}
	if (min > 0 && (pos < min || neg < min)) {
		snprintf(res->reason, sizeof(res->reason), "%s %.17g < "
		    "min_per_class %.17g", pos < min ? "positives" :
		    "negatives", pos < min ? pos : neg, min);
		return -1;
	}
	return 0;
}

/* dst becomes a copy of src; k is the length of a base_last ring. */
static void
snap_copy(struct mfm_track_snap *dst, const struct mfm_track_snap *src,
    unsigned k)
{
	char *since = src->since != NULL ? mfm_xstrdup(src->since) : NULL;
	double *hist = NULL;

	if (src->hist != NULL) {
		hist = mfm_xcalloc(k, sizeof(*hist));
		memcpy(hist, src->hist, k * sizeof(*hist));
	}
	snap_release(dst);
	*dst = *src;
	dst->since = since;
	dst->hist = hist;
}

/* What a step added to the rule's counters (for a revision to undo). */
enum { CNT_ALERT = 1, CNT_FLAP = 2, CNT_RESOLVED = 4 };

static void
count_add(struct mfm_rule *r, int what, int sign)
{
	if (what & CNT_ALERT)
		r->nalerts += (uint64_t)(int64_t)sign;
	if (what & CNT_FLAP)
		r->nflaps += (uint64_t)(int64_t)sign;
	if (what & CNT_RESOLVED)
		r->nresolved += (uint64_t)(int64_t)sign;
}

static void
rev_of(const struct mfm_rule_rec *rec, struct mfm_track_rev *rv)
{
	memset(rv, 0, sizeof(*rv));
	rv->final = !mfm_rule_rec_provisional(rec);
	rv->revision = mfm_rule_rec_revision(rec);
	if (!rv->final) {
		(void)mfm_json_double(rec->j, rec->n, &rv->n);
		(void)mfm_json_double(rec->j, rec->labelled, &rv->labelled);
	}
}

/* Later revisions compare greater: final ones, then by number, size. */
static int
rev_cmp(const struct mfm_track_rev *a, const struct mfm_track_rev *b)
{
	if (a->final != b->final)
		return a->final - b->final;
	if (a->revision != b->revision)
		return a->revision < b->revision ? -1 : 1;
	if (a->final)
		return 0;
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	if (a->labelled != b->labelled)
		return a->labelled < b->labelled ? -1 : 1;
	return 0;
}

static int
text_cmp(const char *a, size_t an, const char *b)
{
	size_t bn = b != NULL ? strlen(b) : 0;
	int c = memcmp(a, b != NULL ? b : "", an < bn ? an : bn);

	return c != 0 ? c : (an > bn) - (an < bn);
}

/*
 * How long rec's window lasts, or 0: windows of each length are a series
 * of their own, so that a day's window is not taken for an older window
 * after the hours of that day (mfm-window -s 1h,1d).
 */
static int64_t
window_span(const struct mfm_rule_rec *rec)
{
	const char *a, *b;
	size_t an, bn;
	int64_t start, end;

	if ((a = mfm_rule_window_start(rec, &an)) == NULL ||
	    (b = mfm_rule_window_end(rec, &bn)) == NULL ||
	    mfm_tm_parse_rfc3339(a, an, &start, NULL) != 0 ||
	    mfm_tm_parse_rfc3339(b, bn, &end, NULL) != 0)
		return 0;
	return end - start;
}

/* A provisional record is judged once as_of is the maturity past end. */
static int
mature(const struct mfm_rule *r, const struct mfm_rule_rec *rec)
{
	const char *raw, *e;
	size_t n, en;
	int64_t as_of, end;

	if (!r->has_maturity || rec->as_of < 0 ||
	    (e = mfm_rule_window_end(rec, &en)) == NULL)
		return 0;
	raw = mfm_json_raw(rec->j, rec->as_of, &n);
	if (mfm_tm_parse_rfc3339(raw + 1, n - 2, &as_of, NULL) != 0 ||
	    mfm_tm_parse_rfc3339(e, en, &end, NULL) != 0)
		return 0;
	return as_of >= end && as_of - end >= r->maturity;
}

static int
insufficient(struct mfm_rule *r, struct mfm_track_result *res)
{
	res->status = MFM_TRACK_INSUFFICIENT;
	r->ninsufficient++;
	return 0;
}

/*
 * Take series s one step on rec for window ws, from its current state:
 * the state machine, minimum support, baseline and significance.
 */
static int
judge(struct mfm_rule *r, struct mfm_track_series *s,
    const struct mfm_rule_rec *rec, enum mfm_rule_verdict verdict, double v,
    const char *ws, size_t wn, struct mfm_track_result *res)
{
	double base = 0, sd = 0, cnt, lo, hi;
	unsigned i;
	int breach, clear;

	r->nwindows++;
	res->since = s->cur.since;
	res->has_clear = r->has_clear;
	res->clear = r->clear;

	if (verdict == MFM_RULE_ABSENT || verdict == MFM_RULE_NULL) {
		const char *what = verdict == MFM_RULE_NULL ? "null" :
		    "absent";

		switch (r->missing) {
		case MFM_RULE_MISSING_IGNORE:
			res->status = MFM_TRACK_NODATA;
			snprintf(res->reason, sizeof(res->reason),
			    "%s is %s", r->metric, what);
			return 0;
		case MFM_RULE_MISSING_BREACHING:
			breach = 1;
			clear = 0;
			break;
		default:
			breach = 0;
			clear = 1;
			break;
		}
		snprintf(res->reason, sizeof(res->reason), "%s is %s, "
		    "counted as %s", r->metric, what,
		    breach ? "breaching" : "not breaching");
		goto step;
	}
	res->has_value = 1;
	res->value = v;

	/* Minimum support: too few records say nothing either way. */
	if (support(r, rec, res) != 0)
		return insufficient(r, res);
	if (r->min_count > 0) {
		if (mfm_json_double(rec->j, rec->n, &cnt) != 0) {
			snprintf(res->reason, sizeof(res->reason),
			    "the record has no count n (min_count %.17g)",
			    r->min_count);
			return insufficient(r, res);
		}
		if (cnt < r->min_count) {
			snprintf(res->reason, sizeof(res->reason),
			    "n %.17g < min_count %.17g", cnt, r->min_count);
			return insufficient(r, res);
		}
	}
	if (r->min_positives > 0) {
		if (mfm_rule_positives(rec, &cnt) != 0) {
			snprintf(res->reason, sizeof(res->reason),
			    "the record has no count of positives "
			    "(min_positives %.17g)", r->min_positives);
			return insufficient(r, res);
		}
		if (cnt < r->min_positives) {
			snprintf(res->reason, sizeof(res->reason),
			    "positives %.17g < min_positives %.17g", cnt,
			    r->min_positives);
			return insufficient(r, res);
		}
	}

	switch (r->base) {
	case MFM_RULE_BASE_NONE:
		break;
	case MFM_RULE_BASE_WINDOW:
		if (ws != NULL && strlen(r->base_window) == wn &&
		    memcmp(r->base_window, ws, wn) == 0) {
			s->cur.ref = v;
			s->cur.has_ref = 1;
		}
		if (!s->cur.has_ref) {
			snprintf(res->reason, sizeof(res->reason),
			    "no value yet from baseline window %.64s",
			    r->base_window);
			return insufficient(r, res);
		}
		base = s->cur.ref;
		break;
	case MFM_RULE_BASE_FILE:
		if (mfm_rule_base_find(r, rec, &base) != 0) {
			snprintf(res->reason, sizeof(res->reason),
			    "no baseline for this group in %.64s",
			    r->base_file);
			return insufficient(r, res);
		}
		break;
	case MFM_RULE_BASE_LAST:
		if (s->cur.nhist < r->base_last) {
			snprintf(res->reason, sizeof(res->reason),
			    "baseline needs %u earlier windows, has %u",
			    r->base_last, s->cur.nhist);
			hist_push(&s->cur, r->base_last, v);
			return insufficient(r, res);
		}
		for (i = 0; i < s->cur.nhist; i++)
			base += s->cur.hist[i];
		base /= s->cur.nhist;
		for (i = 0; i < s->cur.nhist; i++)
			sd += (s->cur.hist[i] - base) * (s->cur.hist[i] - base);
		/* The sample standard deviation (n - 1), as pandas' std(). */
		sd = sqrt(sd / (s->cur.nhist - 1));
		hist_push(&s->cur, r->base_last, v);
		break;
	}
	if (r->base != MFM_RULE_BASE_NONE) {
		res->has_base = 1;
		res->base = base;
	}
	res->threshold = effective(r, r->threshold, base, sd);
	res->clear = effective(r, r->clear, base, sd);

	if (r->significance) {
		if (mfm_rule_ci(r, rec, &lo, &hi) != 0) {
			snprintf(res->reason, sizeof(res->reason),
			    "no valid confidence interval for %.64s",
			    r->metric);
			return insufficient(r, res);
		}
		res->has_ci = 1;
		res->lo = lo;
		res->hi = hi;
		/* The whole interval must lie beyond the threshold. */
		breach = mfm_rule_test(r->op, r->op == MFM_RULE_LT ||
		    r->op == MFM_RULE_LE ? hi : lo, res->threshold);
	} else {
		breach = mfm_rule_test(r->op, v, res->threshold);
	}
	clear = !mfm_rule_test(r->op, v, r->has_clear ? res->clear :
	    res->threshold);
step:
	res->breach = breach;
	if (s->cur.state != ST_FIRING) {
		if (!breach) {
			s->cur.nbreach = 0;
			s->cur.state = ST_INACTIVE;
			res->status = MFM_TRACK_INACTIVE;
			return 0;
		}
		if (s->cur.nbreach < UINT32_MAX)
			s->cur.nbreach++;
		if (s->cur.nbreach < r->for_n) {
			s->cur.state = ST_PENDING;
			res->status = MFM_TRACK_PENDING;
			res->count = s->cur.nbreach;
			return 0;
		}
		s->cur.state = ST_FIRING;
		s->cur.nclear = 0;
		set_str(&s->cur.since, ws, wn);
		res->since = s->cur.since;
		res->status = MFM_TRACK_FIRING;
		res->started = 1;
		res->count = s->cur.nbreach;
		r->nalerts++;
		if (s->cur.resolved)
			r->nflaps++;
		return 0;
	}
	res->since = s->cur.since;
	if (!clear) {
		s->cur.nclear = 0;
		res->status = MFM_TRACK_FIRING;
		return 0;
	}
	s->cur.nclear++;
	if (s->cur.nclear <= r->keep_firing) {
		res->status = MFM_TRACK_FIRING;
		res->count = s->cur.nclear;
		return 0;
	}
	s->cur.state = ST_INACTIVE;
	s->cur.nbreach = 0;
	s->cur.nclear = 0;
	s->cur.resolved = 1;
	res->status = MFM_TRACK_RESOLVED;
	r->nresolved++;
	return 0;
}

int
mfm_track_eval(struct mfm_track *t, size_t ri,
    const struct mfm_rule_rec *rec, struct mfm_track_result *res,
    struct mfm_err *err)
{
	struct mfm_rule *r = &t->rules->rule[ri];
	struct mfm_track_series *s;
	struct mfm_track_snap after;
	struct mfm_track_rev rev;
	enum mfm_rule_verdict verdict;
	const char *ws, *we = NULL;
	uint64_t before[3];
	size_t wn = 0, en = 0;
	double v = 0;
	int c, revise = 0, counted;

	memset(res, 0, sizeof(*res));
	res->threshold = r->threshold;
	if (!mfm_rule_matches(r, rec))
		return 0;
	verdict = mfm_rule_check(r, rec, &v);
	if (verdict == MFM_RULE_ABSENT && r->missing == MFM_RULE_MISSING_IGNORE)
		return 0;
	if ((s = series_get(t, ri, rec->canon.p, rec->canon.len,
	    window_span(rec), err)) == NULL)
		return -1;
	rev_of(rec, &rev);
	if (!rev.final && !mature(r, rec)) {
		res->status = MFM_TRACK_PROVISIONAL;
		res->has_value = verdict == MFM_RULE_OK ||
		    verdict == MFM_RULE_BREACH;
		res->value = v;
		r->nprovisional++;
		return 0;
	}
	ws = mfm_rule_window_start(rec, &wn);
	if (ws != NULL)
		we = mfm_rule_window_end(rec, &en);
	if (ws != NULL && s->last != NULL) {
		c = text_cmp(ws, wn, s->last);
		if (c == 0 && we != NULL)
			c = text_cmp(we, en, s->last_end);
		revise = c == 0;
		if (revise)
			c = rev_cmp(&rev, &s->last_rev);
		if (c <= 0 || (revise && !s->has_prev)) {
			/* A repeat, or a window older than the last one. */
			res->stale = 1;
			t->nstale++;
			if (revise)
				r->nrepeat++;
			else
				r->nsuperseded++;
			return 0;
		}
	}
	memset(&after, 0, sizeof(after));
	if (revise) {
		snap_copy(&after, &s->cur, r->base_last);
		snap_copy(&s->cur, &s->prev, r->base_last);
		count_add(r, s->last_counted, -1);
	} else {
		snap_copy(&s->prev, &s->cur, r->base_last);
		s->has_prev = 1;
	}
	if (ws != NULL) {
		set_str(&s->last, ws, wn);
		set_str(&s->last_end, we, en);
		s->last_rev = rev;
	}
	before[0] = r->nalerts;
	before[1] = r->nflaps;
	before[2] = r->nresolved;
	judge(r, s, rec, verdict, v, ws, wn, res);
	counted = (r->nalerts != before[0] ? CNT_ALERT : 0) |
	    (r->nflaps != before[1] ? CNT_FLAP : 0) |
	    (r->nresolved != before[2] ? CNT_RESOLVED : 0);
	res->revised = revise;
	if (res->status == MFM_TRACK_INSUFFICIENT ||
	    res->status == MFM_TRACK_NODATA) {
		t->nundecided++;
		if (revise) {
			/* No verdict: the earlier revision's stands. */
			snap_copy(&s->cur, &after, r->base_last);
			count_add(r, s->last_counted, 1);
			res->since = s->cur.since;
			snap_release(&after);
			return 0;
		}
	} else {
		t->njudged++;
	}
	if (revise && s->last_status == MFM_TRACK_FIRING &&
	    (res->status == MFM_TRACK_INACTIVE ||
	    res->status == MFM_TRACK_PENDING)) {
		/* An earlier revision fired; this one withdraws it. */
		set_str(&s->cur.since, after.since, after.since != NULL ?
		    strlen(after.since) : 0);
		s->cur.resolved = 1;
		r->nresolved++;
		counted |= CNT_RESOLVED;
		res->status = MFM_TRACK_RESOLVED;
		res->since = s->cur.since;
	}
	snap_release(&after);
	s->last_status = res->status;
	s->last_counted = counted;
	return 0;
}

/* "auc 0.6123 < 0.7" when it holds, "auc 0.75 not < 0.7" when not. */
static void
phrase(struct mfm_buf *b, const struct mfm_rule *r,
    const struct mfm_track_result *res, double thr)
{
	int holds;

	mfm_buf_add(b, r->metric, r->metric_len);
	if (!res->has_value) {
		/* The reason reads "METRIC is null, counted as ...". */
		if (strlen(res->reason) > r->metric_len)
			mfm_buf_adds(b, res->reason + r->metric_len);
		return;
	}
	holds = mfm_rule_test(r->op, res->value, thr);
	mfm_buf_addc(b, ' ');
	mfm_rule_put_number(b, r->op, res->value, thr);
	mfm_buf_addf(b, " %s%s ", holds ? "" : "not ",
	    mfm_rule_op_name(r->op));
	mfm_json_put_double(b, thr);
	if (res->has_ci) {
		mfm_buf_adds(b, holds && !res->breach ? ", not significant: "
		    "interval [" : ", interval [");
		mfm_json_put_double(b, res->lo);
		mfm_buf_adds(b, ", ");
		mfm_json_put_double(b, res->hi);
		mfm_buf_addc(b, ']');
	}
}

static void
summary(struct mfm_buf *b, const struct mfm_rule *r,
    const struct mfm_rule_rec *rec, const struct mfm_track_result *res)
{
	switch (res->status) {
	case MFM_TRACK_FIRING:
		if (res->breach || !res->has_value) {
			phrase(b, r, res, res->threshold);
		} else if (res->count > 0) {
			mfm_buf_addf(b, "still firing (keep_firing_for, %u of "
			    "%u): ", res->count, r->keep_firing);
			phrase(b, r, res, res->has_clear ? res->clear :
			    res->threshold);
		} else if (res->has_clear) {
			mfm_buf_adds(b, "still firing until past the clear "
			    "threshold: ");
			phrase(b, r, res, res->clear);
		} else {
			phrase(b, r, res, res->threshold);
		}
		break;
	case MFM_TRACK_RESOLVED:
		mfm_buf_adds(b, "resolved: ");
		phrase(b, r, res, res->has_clear ? res->clear :
		    res->threshold);
		break;
	case MFM_TRACK_PENDING:
		mfm_buf_addf(b, "pending (%u of %u windows): ", res->count,
		    r->for_n);
		phrase(b, r, res, res->threshold);
		break;
	case MFM_TRACK_INACTIVE:
		phrase(b, r, res, res->threshold);
		break;
	case MFM_TRACK_INSUFFICIENT:
		mfm_buf_addf(b, "insufficient data for %s: %s", r->name,
		    res->reason);
		break;
	case MFM_TRACK_PROVISIONAL:
		mfm_buf_adds(b, "provisional, not judged until final");
		if (r->has_maturity)
			mfm_buf_adds(b, " or mature");
		mfm_buf_adds(b, ": ");
		if (res->has_value)
			phrase(b, r, res, res->threshold);
		else
			mfm_buf_addf(b, "%s is null", r->metric);
		break;
	default:
		mfm_buf_addf(b, "no data: %s", res->reason);
		break;
	}
	if (res->started && r->for_n > 1)
		mfm_buf_addf(b, " (%u windows in a row)", r->for_n);
	mfm_rule_put_where(b, rec);
}

void
mfm_track_event(struct mfm_buf *b, const struct mfm_rule *r,
    const struct mfm_rule_rec *rec, const struct mfm_track_result *res,
    const struct mfm_context_entry *ctx)
{
	struct mfm_buf text = MFM_BUF_INIT;

	mfm_rule_event_head(b, r, rec, status_names[res->status],
	    res->has_value, res->value, res->threshold);
	mfm_buf_adds(b, ",\"summary\":");
	summary(&text, r, rec, res);
	if (ctx != NULL && ctx->why.len > 0) {
		mfm_buf_adds(&text, "; ");
		mfm_buf_add(&text, ctx->why.p, ctx->why.len);
	}
	mfm_json_put_str(b, text.p, text.len);
	if (res->has_clear) {
		mfm_buf_adds(b, ",\"clear_threshold\":");
		mfm_json_put_double(b, res->clear);
	}
	if (res->has_base) {
		mfm_buf_adds(b, ",\"baseline\":");
		mfm_json_put_double(b, res->base);
	}
	if (r->for_n > 1)
		mfm_buf_addf(b, ",\"for\":%u", r->for_n);
	if (res->has_ci) {
		mfm_buf_adds(b, ",\"ci\":[");
		mfm_json_put_double(b, res->lo);
		mfm_buf_addc(b, ',');
		mfm_json_put_double(b, res->hi);
		mfm_buf_addc(b, ']');
	}
	if ((res->status == MFM_TRACK_FIRING ||
	    res->status == MFM_TRACK_RESOLVED) && res->since != NULL) {
		mfm_buf_adds(b, ",\"since\":");
		mfm_json_put_str(b, res->since, strlen(res->since));
	}
	if (res->status == MFM_TRACK_INSUFFICIENT ||
	    res->status == MFM_TRACK_NODATA) {
		mfm_buf_adds(b, ",\"reason\":");
		mfm_json_put_str(b, res->reason, strlen(res->reason));
	}
	if (ctx != NULL) {
		mfm_buf_adds(b, ",\"context\":{");
		mfm_buf_add(b, ctx->members.p, ctx->members.len);
		mfm_buf_addc(b, '}');
	}
	mfm_buf_addc(b, '}');
	mfm_buf_release(&text);
}

/* Rule i's windows, alerts, flaps, resolved, firing, insufficient. */
static void
backtest_counts(const struct mfm_track *t, size_t i, uint64_t v[6])
{
	const struct mfm_rule *r = &t->rules->rule[i];
	size_t k;

	v[0] = r->nwindows;
	v[1] = r->nalerts;
	v[2] = r->nflaps;
	v[3] = r->nresolved;
	v[4] = 0;
	for (k = 0; k < t->n; k++)
		if (t->s[k].rule == i && t->s[k].cur.state == ST_FIRING)
			v[4]++;
	v[5] = r->ninsufficient;
}

uint64_t
mfm_track_backtest(const struct mfm_track *t, size_t i, struct mfm_buf *out)
{
	const struct mfm_rule_set *rules = t->rules;
	uint64_t v[6] = { 0 }, w[6];
	size_t k, m;

	if (i < rules->n) {
		backtest_counts(t, i, v);
		mfm_buf_adds(out, "{\"backtest\":{\"rule\":");
		mfm_json_put_str(out, rules->rule[i].name,
		    strlen(rules->rule[i].name));
	} else {
		for (k = 0; k < rules->n; k++) {
			backtest_counts(t, k, w);
			for (m = 0; m < 6; m++)
				v[m] += w[m];
		}
		mfm_buf_addf(out, "{\"backtest\":{\"rules\":%zu", rules->n);
	}
	mfm_buf_addf(out, ",\"windows\":%" PRIu64 ",\"alerts\":%" PRIu64
	    ",\"flaps\":%" PRIu64 ",\"resolved\":%" PRIu64
	    ",\"notifications\":%" PRIu64 ",\"firing_at_end\":%" PRIu64
	    ",\"insufficient_data\":%" PRIu64 "}}", v[0], v[1], v[2], v[3],
	    v[1] + v[3], v[4], v[5]);
	return v[1];
}

static void
put_opt_str(struct mfm_buf *b, const char *s)
{
	if (s == NULL)
		mfm_buf_add(b, "null", 4);
	else
		mfm_json_put_str(b, s, strlen(s));
}

/* The baseline's history of a state: ,"ref":x and ,"hist":[...]. */
static void
put_history(struct mfm_buf *out, const struct mfm_track_snap *p,
    const struct mfm_rule *r)
{
	unsigned k;

	if (p->has_ref) {
		mfm_buf_adds(out, ",\"ref\":");
		mfm_json_put_double(out, p->ref);
	}
	if (p->hist != NULL) {
		mfm_buf_adds(out, ",\"hist\":[");
		for (k = 0; k < p->nhist; k++) {
			if (k > 0)
				mfm_buf_addc(out, ',');
			mfm_json_put_double(out, p->hist[(p->head + k) %
			    r->base_last]);
		}
		mfm_buf_addc(out, ']');
	}
}

void
mfm_track_dump(const struct mfm_track *t, struct mfm_buf *out)
{
	const struct mfm_track_series *s;
	const struct mfm_rule *r;
	size_t i;

	for (i = 0; i < t->n; i++) {
		s = &t->s[i];
		r = &t->rules->rule[s->rule];
		mfm_buf_adds(out, "{\"rule\":");
		mfm_json_put_str(out, r->name, strlen(r->name));
		mfm_buf_adds(out, ",\"group\":");
		mfm_buf_add(out, s->canon, s->canon_len);
		if (s->span != 0)
			mfm_buf_addf(out, ",\"span\":%" PRId64, s->span);
		mfm_buf_addf(out, ",\"state\":\"%s\",\"breach\":%u,"
		    "\"clear\":%u,\"resolved\":%s,\"since\":",
		    state_names[s->cur.state], s->cur.nbreach, s->cur.nclear,
		    s->cur.resolved ? "true" : "false");
		put_opt_str(out, s->cur.since);
		mfm_buf_adds(out, ",\"last\":");
		put_opt_str(out, s->last);
		if (s->last != NULL) {
			mfm_buf_adds(out, ",\"last_end\":");
			put_opt_str(out, s->last_end);
			mfm_buf_addf(out, ",\"rev\":[%d,%" PRId64 ",",
			    s->last_rev.final, s->last_rev.revision);
			mfm_json_put_double(out, s->last_rev.n);
			mfm_buf_addc(out, ',');
			mfm_json_put_double(out, s->last_rev.labelled);
			mfm_buf_addf(out, "],\"status\":\"%s\",\"counted\":%d",
			    status_names[s->last_status], s->last_counted);
		}
		put_history(out, &s->cur, r);
		if (s->has_prev && s->last != NULL) {
			mfm_buf_addf(out, ",\"prev\":{\"state\":\"%s\","
			    "\"breach\":%u,\"clear\":%u,\"resolved\":%s,"
			    "\"since\":", state_names[s->prev.state],
			    s->prev.nbreach, s->prev.nclear,
			    s->prev.resolved ? "true" : "false");
			put_opt_str(out, s->prev.since);
			put_history(out, &s->prev, r);
			mfm_buf_addc(out, '}');
		}
		mfm_buf_adds(out, "}\n");
	}
}

static int
load_str(const struct mfm_json *j, int t, char **out, struct mfm_buf *sc)
{
	const char *s;
	size_t n;

	if (t < 0 || mfm_json_type_of(j, t) == MFM_JSON_NULL)
		return 0;
	if (mfm_json_type_of(j, t) != MFM_JSON_STRING)
		return -1;
	s = mfm_json_str(j, t, &n, sc);
	/* A series given twice: the later line wins. */
	free(*out);
	*out = mfm_xmemdup(s, n);
	return 0;
}

static int
load_uint(const struct mfm_json *j, int t, unsigned *out)
{
	int64_t v;

	if (mfm_json_int64(j, t, &v) != 0 || v < 0 || v > UINT32_MAX)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* The state fields of object obj (a series line, or its "prev"). */
static int
load_snap(const struct mfm_json *j, int obj, struct mfm_track_snap *p,
    const struct mfm_rule *r, struct mfm_buf *sc)
{
	int k, st, h;
	double v;

	k = mfm_json_member(j, obj, "state", 5);
	for (st = 0; st < 3; st++)
		if (mfm_json_str_eq(j, k, state_names[st],
		    strlen(state_names[st])))
			break;
	h = mfm_json_type_of(j, mfm_json_member(j, obj, "resolved", 8));
	if (st == 3 ||
	    load_uint(j, mfm_json_member(j, obj, "breach", 6), &p->nbreach) ||
	    load_uint(j, mfm_json_member(j, obj, "clear", 5), &p->nclear) ||
	    (h != MFM_JSON_TRUE && h != MFM_JSON_FALSE) ||
	    load_str(j, mfm_json_member(j, obj, "since", 5), &p->since, sc))
		return -1;
	p->state = st;
	p->resolved = h == MFM_JSON_TRUE;
	k = mfm_json_member(j, obj, "ref", 3);
	if (k >= 0) {
		if (mfm_json_double(j, k, &p->ref) != 0)
			return -1;
		p->has_ref = 1;
	}
	k = mfm_json_member(j, obj, "hist", 4);
	if (k < 0 || p->hist == NULL)
		return 0;
	if (mfm_json_type_of(j, k) != MFM_JSON_ARRAY)
		return -1;
	/* K may have changed since: keep the newest values. */
	for (h = mfm_json_first(j, k); h >= 0; h = mfm_json_next(j, k, h)) {
		if (mfm_json_double(j, h, &v) != 0)
			return -1;
		hist_push(p, r->base_last, v);
	}
	return 0;
}

/* The last window's revision and step: "rev", "status", "counted". */
static int
load_last(const struct mfm_json *j, struct mfm_track_series *s)
{
	int k, a, st;
	int64_t x;

	k = mfm_json_member(j, 0, "rev", 3);
	if (k < 0) {
		/* A state written before revisions: its windows were final. */
		s->last_rev.final = 1;
		return 0;
	}
	if (mfm_json_type_of(j, k) != MFM_JSON_ARRAY ||
	    mfm_json_at(j, k)->count != 4)
		return -1;
	a = mfm_json_first(j, k);
	if (mfm_json_int64(j, a, &x) != 0 || (x != 0 && x != 1))
		return -1;
	s->last_rev.final = (int)x;
	a = mfm_json_next(j, k, a);
	if (mfm_json_int64(j, a, &s->last_rev.revision) != 0)
		return -1;
	a = mfm_json_next(j, k, a);
	if (mfm_json_double(j, a, &s->last_rev.n) != 0)
		return -1;
	a = mfm_json_next(j, k, a);
	if (mfm_json_double(j, a, &s->last_rev.labelled) != 0)
		return -1;
	k = mfm_json_member(j, 0, "status", 6);
	for (st = MFM_TRACK_SKIP; st <= MFM_TRACK_PROVISIONAL; st++)
		if (mfm_json_str_eq(j, k, status_names[st],
		    strlen(status_names[st])))
			break;
	if (st > MFM_TRACK_PROVISIONAL || mfm_json_int64(j,
	    mfm_json_member(j, 0, "counted", 7), &x) != 0 || x < 0 || x > 7)
		return -1;
	s->last_status = st;
	s->last_counted = (int)x;
	return 0;
}

static int
load_line(struct mfm_track *t, const struct mfm_json *j, struct mfm_err *err)
{
	struct mfm_track_series *s;
	struct mfm_track_snap tmp;
	struct mfm_buf sc = MFM_BUF_INIT;
	const struct mfm_rule *r = NULL;
	const char *name, *canon;
	size_t n, clen, ri;
	int64_t span;
	int k, rc;

	k = mfm_json_member(j, 0, "rule", 4);
	if (mfm_json_type_of(j, k) != MFM_JSON_STRING)
		return mfm_err_set(err, MFM_ERR_DATA, "no rule name");
	name = mfm_json_str(j, k, &n, &sc);
	for (ri = 0; ri < t->rules->n; ri++)
		if (strlen(t->rules->rule[ri].name) == n &&
		    memcmp(t->rules->rule[ri].name, name, n) == 0)
			break;
	if (ri == t->rules->n) {
		mfm_buf_release(&sc);
		t->ndropped++;
		return 0;
	}
	r = &t->rules->rule[ri];
	k = mfm_json_member(j, 0, "group", 5);
	if (mfm_json_type_of(j, k) != MFM_JSON_OBJECT) {
		mfm_buf_release(&sc);
		return mfm_err_set(err, MFM_ERR_DATA, "no group");
	}
	/* Written in canonical form by mfm_track_dump, and checksummed. */
	canon = mfm_json_raw(j, k, &clen);
	memset(&tmp, 0, sizeof(tmp));
	if (r->base == MFM_RULE_BASE_LAST)
		tmp.hist = mfm_xcalloc(r->base_last, sizeof(*tmp.hist));
	if (load_snap(j, 0, &tmp, r, &sc) != 0) {
		snap_release(&tmp);
		mfm_buf_release(&sc);
		return mfm_err_set(err, MFM_ERR_DATA, "bad state fields");
	}
	span = 0;
	k = mfm_json_member(j, 0, "span", 4);
	if (k >= 0 && mfm_json_int64(j, k, &span) != 0) {
		snap_release(&tmp);
		mfm_buf_release(&sc);
		return mfm_err_set(err, MFM_ERR_DATA, "bad span");
	}
	if ((s = series_get(t, ri, canon, clen, span, err)) == NULL) {
		snap_release(&tmp);
		mfm_buf_release(&sc);
		return -1;
	}
	snap_release(&s->cur);
	s->cur = tmp;
	rc = load_str(j, mfm_json_member(j, 0, "last", 4), &s->last, &sc) ||
	    load_str(j, mfm_json_member(j, 0, "last_end", 8), &s->last_end,
	    &sc) || load_last(j, s);
	k = mfm_json_member(j, 0, "prev", 4);
	if (rc == 0 && k >= 0) {
		snap_release(&s->prev);
		if (r->base == MFM_RULE_BASE_LAST)
			s->prev.hist = mfm_xcalloc(r->base_last,
			    sizeof(*s->prev.hist));
		rc = mfm_json_type_of(j, k) != MFM_JSON_OBJECT ||
		    load_snap(j, k, &s->prev, r, &sc) != 0;
		s->has_prev = rc == 0;
	}
	mfm_buf_release(&sc);
	if (rc != 0)
		return mfm_err_set(err, MFM_ERR_DATA, "bad last window");
	return 0;
}

int
mfm_track_load(struct mfm_track *t, const char *body, size_t len,
    struct mfm_err *err)
{
	struct mfm_json j;
	const char *p = body, *end = body + len, *nl;
	size_t line = 0;
	int rc = 0;

	mfm_json_init(&j);
	while (p < end) {
		line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (mfm_json_parse(&j, p, (size_t)(nl - p), err) != 0 ||
		    (mfm_json_type_of(&j, 0) != MFM_JSON_OBJECT &&
		    mfm_err_set(err, MFM_ERR_DATA, "not a JSON object")) ||
		    load_line(t, &j, err) != 0) {
			if (err->kind != MFM_ERR_LIMIT)
				err->kind = MFM_ERR_DATA;
			err->line = line;
			rc = -1;
			break;
		}
		p = nl + 1;
	}
	mfm_json_release(&j);
	return rc;
}
