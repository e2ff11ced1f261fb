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
#include "lib/track.h"
#include "lib/banned.h"

enum { ST_INACTIVE = 0, ST_PENDING, ST_FIRING };

static const char *const state_names[] = { "inactive", "pending", "firing" };

static const char *const status_names[] = {
	"skip", "inactive", "pending", "firing", "resolved",
	"insufficient_data", "no_data"
};

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

void
mfm_track_release(struct mfm_track *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->s[i].canon);
		free(t->s[i].since);
		free(t->s[i].last);
		free(t->s[i].hist);
	}
	free(t->s);
	mfm_keymap_release(&t->map);
	mfm_buf_release(&t->key);
	mfm_buf_release(&t->text);
	memset(t, 0, sizeof(*t));
}

/* The series of rule ri on a group, created if need be; NULL at the cap. */
static struct mfm_track_series *
series_get(struct mfm_track *t, size_t ri, const char *canon, size_t len,
    struct mfm_err *err)
{
	const struct mfm_rule *r = &t->rules->rule[ri];
	struct mfm_track_series *s;
	size_t *slot;
	int isnew;

	mfm_buf_clear(&t->key);
	mfm_buf_add(&t->key, r->name, strlen(r->name) + 1);
	mfm_buf_add(&t->key, canon, len);
	slot = mfm_keymap_find(&t->map, t->key.p, t->key.len);
	if (slot != NULL)
		return &t->s[*slot];
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
	if (r->base == MFM_RULE_BASE_LAST)
		s->hist = mfm_xcalloc(r->base_last, sizeof(*s->hist));
	return s;
}

static void
set_str(char **dst, const char *s, size_t n)
{
	free(*dst);
	*dst = s != NULL ? mfm_xmemdup(s, n) : NULL;
}

static void
hist_push(struct mfm_track_series *s, unsigned k, double v)
{
	s->hist[(s->head + s->nhist) % k] = v;
	if (s->nhist < k)
		s->nhist++;
	else
		s->head = (s->head + 1) % k;
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

static int
insufficient(struct mfm_rule *r, struct mfm_track_result *res)
{
	res->status = MFM_TRACK_INSUFFICIENT;
	r->ninsufficient++;
	return 0;
}

int
mfm_track_eval(struct mfm_track *t, size_t ri,
    const struct mfm_rule_rec *rec, struct mfm_track_result *res,
    struct mfm_err *err)
{
	struct mfm_rule *r = &t->rules->rule[ri];
	struct mfm_track_series *s;
	enum mfm_rule_verdict verdict;
	const char *ws;
	double v = 0, base = 0, sd = 0, cnt, lo, hi;
	size_t wn = 0;
	unsigned i;
	int breach, clear;

	memset(res, 0, sizeof(*res));
	res->threshold = r->threshold;
	if (!mfm_rule_matches(r, rec))
		return 0;
	verdict = mfm_rule_check(r, rec, &v);
	if (verdict == MFM_RULE_ABSENT && r->missing == MFM_RULE_MISSING_IGNORE)
		return 0;
	if ((s = series_get(t, ri, rec->canon.p, rec->canon.len, err)) == NULL)
		return -1;
	ws = mfm_rule_window_start(rec, &wn);
	if (ws != NULL && s->last != NULL) {
		size_t ln = strlen(s->last);
		int c = memcmp(ws, s->last, wn < ln ? wn : ln);

		if (c < 0 || (c == 0 && wn <= ln)) {
			res->stale = 1;
			t->nstale++;
			return 0;
		}
	}
	if (ws != NULL)
		set_str(&s->last, ws, wn);
	r->nwindows++;
	res->since = s->since;
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
			s->ref = v;
			s->has_ref = 1;
		}
		if (!s->has_ref) {
			snprintf(res->reason, sizeof(res->reason),
			    "no value yet from baseline window %.64s",
			    r->base_window);
			return insufficient(r, res);
		}
		base = s->ref;
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
		if (s->nhist < r->base_last) {
			snprintf(res->reason, sizeof(res->reason),
			    "baseline needs %u earlier windows, has %u",
			    r->base_last, s->nhist);
			hist_push(s, r->base_last, v);
			return insufficient(r, res);
		}
		for (i = 0; i < s->nhist; i++)
			base += s->hist[i];
		base /= s->nhist;
		for (i = 0; i < s->nhist; i++)
			sd += (s->hist[i] - base) * (s->hist[i] - base);
		/* The sample standard deviation (n - 1), as pandas' std(). */
		sd = sqrt(sd / (s->nhist - 1));
		hist_push(s, r->base_last, v);
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
	if (s->state != ST_FIRING) {
		if (!breach) {
			s->nbreach = 0;
			s->state = ST_INACTIVE;
			res->status = MFM_TRACK_INACTIVE;
			return 0;
		}
		if (s->nbreach < UINT32_MAX)
			s->nbreach++;
		if (s->nbreach < r->for_n) {
			s->state = ST_PENDING;
			res->status = MFM_TRACK_PENDING;
			res->count = s->nbreach;
			return 0;
		}
		s->state = ST_FIRING;
		s->nclear = 0;
		set_str(&s->since, ws, wn);
		res->since = s->since;
		res->status = MFM_TRACK_FIRING;
		res->started = 1;
		res->count = s->nbreach;
		r->nalerts++;
		if (s->resolved)
			r->nflaps++;
		return 0;
	}
	res->since = s->since;
	if (!clear) {
		s->nclear = 0;
		res->status = MFM_TRACK_FIRING;
		return 0;
	}
	s->nclear++;
	if (s->nclear <= r->keep_firing) {
		res->status = MFM_TRACK_FIRING;
		res->count = s->nclear;
		return 0;
	}
	s->state = ST_INACTIVE;
	s->nbreach = 0;
	s->nclear = 0;
	s->resolved = 1;
	res->status = MFM_TRACK_RESOLVED;
	r->nresolved++;
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
		if (t->s[k].rule == i && t->s[k].state == ST_FIRING)
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

void
mfm_track_dump(const struct mfm_track *t, struct mfm_buf *out)
{
	const struct mfm_track_series *s;
	const struct mfm_rule *r;
	size_t i;
	unsigned k;

	for (i = 0; i < t->n; i++) {
		s = &t->s[i];
		r = &t->rules->rule[s->rule];
		mfm_buf_adds(out, "{\"rule\":");
		mfm_json_put_str(out, r->name, strlen(r->name));
		mfm_buf_adds(out, ",\"group\":");
		mfm_buf_add(out, s->canon, s->canon_len);
		mfm_buf_addf(out, ",\"state\":\"%s\",\"breach\":%u,"
		    "\"clear\":%u,\"resolved\":%s,\"since\":",
		    state_names[s->state], s->nbreach, s->nclear,
		    s->resolved ? "true" : "false");
		put_opt_str(out, s->since);
		mfm_buf_adds(out, ",\"last\":");
		put_opt_str(out, s->last);
		if (s->has_ref) {
			mfm_buf_adds(out, ",\"ref\":");
			mfm_json_put_double(out, s->ref);
		}
		if (s->hist != NULL) {
			mfm_buf_adds(out, ",\"hist\":[");
			for (k = 0; k < s->nhist; k++) {
				if (k > 0)
					mfm_buf_addc(out, ',');
				mfm_json_put_double(out, s->hist[(s->head +
				    k) % r->base_last]);
			}
			mfm_buf_addc(out, ']');
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

static int
load_line(struct mfm_track *t, const struct mfm_json *j, struct mfm_err *err)
{
	struct mfm_track_series *s, tmp;
	struct mfm_buf sc = MFM_BUF_INIT;
	const struct mfm_rule *r = NULL;
	const char *name, *canon;
	size_t n, clen, ri;
	int k, st, h;
	double v;

	k = mfm_json_member(j, 0, "rule", 4);
	if (mfm_json_type_of(j, k) != MFM_JSON_STRING)
		return mfm_err_set(err, MFM_ERR_DATA, "no rule name");
	name = mfm_json_str(j, k, &n, &sc);
	for (ri = 0; ri < t->rules->n; ri++)
		if (strlen(t->rules->rule[ri].name) == n &&
		    memcmp(t->rules->rule[ri].name, name, n) == 0)
			break;
	mfm_buf_release(&sc);
	if (ri == t->rules->n) {
		t->ndropped++;
		return 0;
	}
	r = &t->rules->rule[ri];
	k = mfm_json_member(j, 0, "group", 5);
	if (mfm_json_type_of(j, k) != MFM_JSON_OBJECT)
		return mfm_err_set(err, MFM_ERR_DATA, "no group");
	/* Written in canonical form by mfm_track_dump, and checksummed. */
	canon = mfm_json_raw(j, k, &clen);
	memset(&tmp, 0, sizeof(tmp));
	k = mfm_json_member(j, 0, "state", 5);
	for (st = 0; st < 3; st++)
		if (mfm_json_str_eq(j, k, state_names[st],
		    strlen(state_names[st])))
			break;
	h = mfm_json_type_of(j, mfm_json_member(j, 0, "resolved", 8));
	if (st == 3 ||
	    load_uint(j, mfm_json_member(j, 0, "breach", 6), &tmp.nbreach) ||
	    load_uint(j, mfm_json_member(j, 0, "clear", 5), &tmp.nclear) ||
	    (h != MFM_JSON_TRUE && h != MFM_JSON_FALSE))
		return mfm_err_set(err, MFM_ERR_DATA, "bad state fields");
	tmp.resolved = h == MFM_JSON_TRUE;
	if ((s = series_get(t, ri, canon, clen, err)) == NULL)
		return -1;
	s->state = st;
	s->nbreach = tmp.nbreach;
	s->nclear = tmp.nclear;
	s->resolved = tmp.resolved;
	if (load_str(j, mfm_json_member(j, 0, "since", 5), &s->since, &sc) ||
	    load_str(j, mfm_json_member(j, 0, "last", 4), &s->last, &sc)) {
		mfm_buf_release(&sc);
		return mfm_err_set(err, MFM_ERR_DATA, "bad since or last");
	}
	mfm_buf_release(&sc);
	k = mfm_json_member(j, 0, "ref", 3);
	if (k >= 0) {
		if (mfm_json_double(j, k, &s->ref) != 0)
			return mfm_err_set(err, MFM_ERR_DATA, "bad ref");
		s->has_ref = 1;
	}
	k = mfm_json_member(j, 0, "hist", 4);
	if (k >= 0 && s->hist != NULL) {
		if (mfm_json_type_of(j, k) != MFM_JSON_ARRAY)
			return mfm_err_set(err, MFM_ERR_DATA, "bad hist");
		/* K may have changed since: keep the newest values. */
		for (h = mfm_json_first(j, k); h >= 0;
		    h = mfm_json_next(j, k, h)) {
			if (mfm_json_double(j, h, &v) != 0)
				return mfm_err_set(err, MFM_ERR_DATA,
				    "bad hist");
			hist_push(s, r->base_last, v);
		}
	}
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
