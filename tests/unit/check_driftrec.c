/*
 * Unit tests for mfm-drift's records (lib/driftrec.c): a window's
 * records written whole, one per feature with a value, ranked by PSI
 * with undefined ones last and ties in feature order; the metrics of
 * each kind; the feature in the group (--feature-group), with and
 * without other group members; the one context record of the top
 * features (--emit-context); reference files read a line at a time and
 * saved in group order, a saved file reading back to the same bytes,
 * bad lines and a failed write refused.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "lib/driftrec.h"

struct fx {
	struct mfm_drift d;
	struct mfm_json_path spec, window, by;
	size_t nby;			/* 0, or 1: grouped by g */
	int wild;
	struct mfm_group g;		/* window x group -> current set */
	struct mfm_drift_set ref;
	struct mfm_buf out, log;	/* a record, the records written */
	struct mfm_driftrec w;
};

/* One record written: to the log, a line each. */
static void
log_emit(void *ctx)
{
	struct fx *x = ctx;

	mfm_buf_add(&x->log, x->out.p, x->out.len);
	mfm_buf_addc(&x->log, '\n');
	mfm_buf_clear(&x->out);
}

static void
setup(struct fx *x)
{
	struct mfm_err err;

	memset(x, 0, sizeof(*x));
	mfm_drift_init(&x->d);
	ck_assert_int_eq(mfm_json_path_parse(&x->spec, "in", &err), 0);
	ck_assert_int_eq(mfm_json_path_parse(&x->window, "window", &err), 0);
	ck_assert_int_eq(mfm_json_path_parse(&x->by, "g", &err), 0);
	x->wild = 1;
	x->d.spec = &x->spec;
	x->d.wild = &x->wild;
	x->d.nspec = 1;
	x->d.bins = 2;
	mfm_group_init(&x->g, sizeof(struct mfm_drift_set), 0);
	x->w.d = &x->d;
	x->w.out = &x->out;
	x->w.emit = log_emit;
	x->w.ctx = x;
}

static void
teardown(struct fx *x)
{
	size_t i;

	for (i = 0; i < x->g.n; i++)
		mfm_drift_set_release(&x->d, mfm_group_val(&x->g, i));
	mfm_group_release(&x->g);
	mfm_drift_set_release(&x->d, &x->ref);
	mfm_drift_release(&x->d);
	mfm_json_path_release(&x->spec);
	mfm_json_path_release(&x->window);
	mfm_json_path_release(&x->by);
	mfm_buf_release(&x->out);
	mfm_buf_release(&x->log);
}

/* Count line in the reference (ref 1) or in its window and group. */
static void
add(struct fx *x, int ref, const char *line)
{
	struct mfm_json j;
	struct mfm_err err;
	struct mfm_drift_set *s = &x->ref;
	int created;

	mfm_json_init(&j);
	ck_assert_int_eq(mfm_json_parse(&j, line, strlen(line), &err), 0);
	if (!ref)
		s = mfm_group_get(&x->g, &j, &x->window, &x->by, x->nby,
		    &created, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(mfm_drift_add(&x->d, s, &j, &err), 0);
	mfm_json_release(&j);
}

/* The records of entry i, as lines. */
static const char *
window(struct fx *x, size_t i)
{
	mfm_buf_clear(&x->log);
	mfm_drift_sort_features(&x->d);
	mfm_driftrec_window(&x->w, &x->g, i, &x->ref);
	ck_assert_uint_eq(x->out.len, 0);
	mfm_buf_addc(&x->log, '\0');
	return x->log.p;
}

/*
 * in.a moves, in.b does not, in.c gains a category (the same PSI as
 * in.a), in.0 is only in the window (PSI undefined: ranked last though
 * first in feature order), in.e is null everywhere (no record).
 */
static void
fill(struct fx *x, const char *group)
{
	char line[256];
	int i;

	for (i = 0; i < 4; i++) {
		snprintf(line, sizeof(line), "{\"in\":{\"a\":%d,\"b\":%d,"
		    "\"c\":\"x\",\"e\":null}}", i, i);
		add(x, 1, line);
	}
	for (i = 0; i < 4; i++) {
		snprintf(line, sizeof(line), "{%s\"in\":{\"a\":%d,\"b\":%d,"
		    "\"c\":\"%s\",\"0\":%d,\"e\":null}}", group, i + 2, i,
		    i < 2 ? "x" : "y", i);
		add(x, 0, line);
	}
}

/* got is want; else both are shown (too long for a Check message). */
static void
same(const char *got, const char *want)
{
	if (strcmp(got, want) != 0)
		fprintf(stderr, "got:\n%swant:\n%s", got, want);
	ck_assert_msg(strcmp(got, want) == 0, "records differ");
}

/* Whether s starts with prefix. */
static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

START_TEST(test_features)
{
	struct fx x;
	const char *s;
	size_t i;

	setup(&x);
	fill(&x, "");
	same(window(&x, 0),
	    "{\"window\":null,\"group\":{},\"feature\":\"in.a\","
	    "\"kind\":\"numeric\",\"rank\":1,\"n\":4,\"labelled\":0,"
	    "\"present\":4,\"reference\":{\"n\":4,\"present\":4},"
	    "\"metrics\":{\"psi\":4.60431846666895,"
	    "\"js\":0.46450140402245893,\"ks\":0.5,"
	    "\"ks_p\":0.7714285714285715,\"wasserstein\":2,"
	    "\"wasserstein_norm\":1.7888543819998317,"
	    "\"chi2\":2.666666666666667,\"chi2_p\":0.10247043485974938,"
	    "\"cramers_v\":0.5773502691896258,\"linf\":0.5,"
	    "\"missing_rate_change\":0},\"ks_p_method\":\"exact\","
	    "\"top_changes\":[{\"bin\":[null,2],\"ref\":0.5,\"cur\":0,"
	    "\"change\":-0.5},{\"bin\":[2,null],\"ref\":0.5,\"cur\":1,"
	    "\"change\":0.5}]}\n"
	    "{\"window\":null,\"group\":{},\"feature\":\"in.c\","
	    "\"kind\":\"categorical\",\"rank\":2,\"n\":4,\"labelled\":0,"
	    "\"present\":4,\"reference\":{\"n\":4,\"present\":4},"
	    "\"metrics\":{\"psi\":4.60431846666895,"
	    "\"js\":0.46450140402245893,\"chi2\":2.6666666666666665,"
	    "\"chi2_p\":0.1024704348597496,\"cramers_v\":0.5773502691896257,"
	    "\"linf\":0.5,\"missing_rate_change\":0,\"unseen\":1,"
	    "\"unseen_share\":0.5},\"top_changes\":[{\"value\":\"x\","
	    "\"ref\":1,\"cur\":0.5,\"change\":-0.5},{\"value\":\"y\","
	    "\"ref\":0,\"cur\":0.5,\"change\":0.5}]}\n"
	    "{\"window\":null,\"group\":{},\"feature\":\"in.b\","
	    "\"kind\":\"numeric\",\"rank\":3,\"n\":4,\"labelled\":0,"
	    "\"present\":4,\"reference\":{\"n\":4,\"present\":4},"
	    "\"metrics\":{\"psi\":0,\"js\":0,\"ks\":0,\"ks_p\":1,"
	    "\"wasserstein\":0,\"wasserstein_norm\":0,\"chi2\":0,"
	    "\"chi2_p\":1,\"cramers_v\":0,\"linf\":0,"
	    "\"missing_rate_change\":0},\"ks_p_method\":\"exact\","
	    "\"top_changes\":[{\"bin\":[null,2],\"ref\":0.5,\"cur\":0.5,"
	    "\"change\":0},{\"bin\":[2,null],\"ref\":0.5,\"cur\":0.5,"
	    "\"change\":0}]}\n"
	    "{\"window\":null,\"group\":{},\"feature\":\"in.0\","
	    "\"kind\":\"numeric\",\"rank\":4,\"n\":4,\"labelled\":0,"
	    "\"present\":4,\"reference\":{\"n\":4,\"present\":0},"
	    "\"metrics\":{\"psi\":null,\"js\":null,\"ks\":null,"
	    "\"ks_p\":null,\"wasserstein\":null,\"wasserstein_norm\":null,"
	    "\"chi2\":null,\"chi2_p\":null,\"cramers_v\":null,"
	    "\"linf\":null,\"missing_rate_change\":-1}}\n");
	/* A feature not wanted (only a saved reference names it): none. */
	for (i = 0; i < x.d.nname; i++)
		if (strcmp(x.d.name[i], "in.b") == 0)
			x.d.wanted[i] = 0;
	s = window(&x, 0);
	ck_assert_ptr_null(strstr(s, "in.b"));
	ck_assert_ptr_nonnull(strstr(s, "\"feature\":\"in.0\",\"kind\":"
	    "\"numeric\",\"rank\":3,"));
	teardown(&x);
}
END_TEST

/* The feature joins the group, alone or after its members. */
START_TEST(test_feature_group)
{
	struct fx x;
	const char *s;

	setup(&x);
	fill(&x, "");
	x.w.feature_group = 1;
	s = window(&x, 0);
	ck_assert(starts(s, "{\"window\":null,\"group\":"
	    "{\"feature\":\"in.a\"},\"feature\":\"in.a\",\"kind\":"));
	ck_assert_ptr_nonnull(strstr(s, "\n{\"window\":null,\"group\":"
	    "{\"feature\":\"in.0\"},\"feature\":\"in.0\",\"kind\":"));
	teardown(&x);

	setup(&x);
	x.nby = 1;
	fill(&x, "\"g\":1,");
	x.w.feature_group = 1;
	s = window(&x, 0);
	ck_assert(starts(s, "{\"window\":null,\"group\":{\"g\":1,"
	    "\"feature\":\"in.a\"},\"feature\":\"in.a\",\"kind\":"));
	ck_assert_ptr_nonnull(strstr(s, "\n{\"window\":null,\"group\":"
	    "{\"g\":1,\"feature\":\"in.c\"},\"feature\":\"in.c\","));
	/* Without it the group is the group alone. */
	x.w.feature_group = 0;
	s = window(&x, 0);
	ck_assert(starts(s, "{\"window\":null,\"group\":{\"g\":1},"
	    "\"feature\":\"in.a\","));
	teardown(&x);
}
END_TEST

/* One context record: the first top features, their largest change. */
START_TEST(test_context)
{
	struct fx x;

	setup(&x);
	fill(&x, "");
	x.w.context = 1;
	x.d.top = 2;
	same(window(&x, 0),
	    "{\"window\":null,\"group\":{},\"context\":{\"top_drift\":["
	    "{\"feature\":\"in.a\",\"psi\":4.60431846666895,"
	    "\"js\":0.46450140402245893,\"change\":{\"bin\":[null,2],"
	    "\"ref\":0.5,\"cur\":0,\"change\":-0.5}},"
	    "{\"feature\":\"in.c\",\"psi\":4.60431846666895,"
	    "\"js\":0.46450140402245893,\"change\":{\"value\":\"x\","
	    "\"ref\":1,\"cur\":0.5,\"change\":-0.5}}]}}\n");
	/* A feature with no change to show has none. */
	x.d.top = 10;
	ck_assert_ptr_nonnull(strstr(window(&x, 0),
	    ",{\"feature\":\"in.0\",\"psi\":null,\"js\":null}]}}\n"));
	teardown(&x);
}
END_TEST

/* The references of a run: what --reference reads, --save-reference writes. */
struct refs {
	struct mfm_drift *d;
	struct mfm_refrun rr;
	struct mfm_group g;	/* a reference file's records */
	struct mfm_json j;
	struct mfm_err err;
};

static int
ref_merge(void *ctx, void *dst, void *src, struct mfm_err *err)
{
	struct refs *r = ctx;

	return mfm_drift_merge(r->d, dst, src, err);
}

static void
ref_release(void *ctx, void *val)
{
	struct refs *r = ctx;

	mfm_drift_set_release(r->d, val);
}

static void
ref_emit(void *ctx, struct mfm_group *g, size_t i, void *ref)
{
	(void)ctx;
	(void)g;
	(void)i;
	(void)ref;
}

static void
ref_missing(void *ctx, const char *group, size_t n)
{
	(void)ctx;
	(void)group;
	(void)n;
}

static const struct mfm_refrun_ops ref_ops = {
	ref_merge, ref_release, ref_emit, ref_missing
};

static void
refs_init(struct refs *r, struct mfm_drift *d)
{
	struct mfm_refrun_mode mode;

	memset(r, 0, sizeof(*r));
	memset(&mode, 0, sizeof(mode));
	r->d = d;
	mfm_refrun_init(&r->rr, &mode, sizeof(struct mfm_drift_set), 0,
	    &ref_ops, r);
	mfm_group_init(&r->g, sizeof(struct mfm_drift_set), 0);
	mfm_json_init(&r->j);
}

static void
refs_release(struct refs *r)
{
	mfm_refrun_release(&r->rr);
	mfm_group_release(&r->g);
	mfm_json_release(&r->j);
}

/* One line of a reference file, grouped by g: 0 or -1. */
static int
ref_line(struct refs *r, struct fx *x, const char *line, size_t len)
{
	ck_assert_int_eq(mfm_json_parse(&r->j, line, len, &r->err), 0);
	mfm_err_clear(&r->err);
	return mfm_driftrec_ref_line(r->d, &r->rr, &r->g, &r->j, &x->window,
	    &x->by, 1, &r->err);
}

/* Read a file's text, a line at a time, then take its records. */
static void
ref_read(struct refs *r, struct fx *x, const char *text)
{
	const char *nl;

	for (; *text != '\0'; text = nl + 1) {
		nl = strchr(text, '\n');
		ck_assert_ptr_nonnull(nl);
		ck_assert_int_eq(ref_line(r, x, text, (size_t)(nl - text)), 0);
	}
	ck_assert_int_eq(mfm_refrun_take(&r->rr, &r->g, &r->err), 0);
}

/* What mfm_driftrec_save writes, as a string in b. */
static const char *
ref_save(struct refs *r, struct mfm_buf *b)
{
	FILE *f = tmpfile();
	char chunk[4096];
	size_t n;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(mfm_driftrec_save(r->d, &r->rr, f, &r->err), 0);
	rewind(f);
	mfm_buf_clear(b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		mfm_buf_add(b, chunk, n);
	ck_assert_int_eq(ferror(f), 0);
	fclose(f);
	mfm_buf_addc(b, '\0');
	return b->p;
}

/*
 * Records and saved lines read; other control records skipped; the
 * groups saved in byte order, and the saved file read back saves the
 * same bytes.
 */
START_TEST(test_reference)
{
	struct fx x;
	struct refs a, b;
	static const char *const order[] = {
		"\"group\":{\"g\":1}", "\"group\":{\"g\":2}",
		"\"group\":{\"g\":3}", "\"group\":{\"g\":5}",
		"\"group\":{\"g\":7}"
	};
	struct mfm_buf t1 = MFM_BUF_INIT, t2 = MFM_BUF_INIT;
	const char *s, *prev, *next;
	size_t i;

	setup(&x);
	refs_init(&a, &x.d);
	ref_read(&a, &x, "{\"g\":2,\"in\":{\"a\":1,\"c\":\"x\"}}\n"
	    "{\"_mfm\":{\"type\":\"watermark\"}}\n"
	    "{\"_mfm\":\"drift_state\",\"group\":3}\n"
	    "{\"g\":1,\"in\":{\"a\":2}}\n"
	    "{\"g\":2,\"in\":{\"a\":3}}\n"
	    "{\"g\":7,\"in\":{\"a\":3}}\n"
	    "{\"g\":10,\"in\":{\"a\":3}}\n"
	    "{\"g\":5,\"in\":{\"a\":3}}\n"
	    "{\"g\":3,\"in\":{\"a\":3}}\n");
	ck_assert_uint_eq(a.rr.nref, 6);
	mfm_drift_sort_features(&x.d);
	s = ref_save(&a, &t1);
	/* Byte order: {"g":10} before {"g":1}. */
	ck_assert(starts(s, "{\"_mfm\":\"reference\",\"group\":{\"g\":10},"
	    "\"records\":1,"));
	for (i = 0, prev = s; i < 5; i++) {
		next = strstr(s, order[i]);
		ck_assert_msg(next != NULL && next > prev, "%s", order[i]);
		prev = next;
	}
	ck_assert_ptr_nonnull(strstr(s, "\"group\":{\"g\":2},\"records\":2,"));

	refs_init(&b, &x.d);
	ref_read(&b, &x, s);
	ck_assert_uint_eq(b.rr.nref, 6);
	ck_assert_str_eq(ref_save(&b, &t2), s);
	/* Saved lines and records add up. */
	ref_read(&b, &x, "{\"g\":1,\"in\":{\"a\":9}}\n");
	ck_assert_ptr_nonnull(strstr(ref_save(&b, &t2),
	    "\"group\":{\"g\":1},\"records\":2,"));
	refs_release(&a);
	refs_release(&b);
	mfm_buf_release(&t1);
	mfm_buf_release(&t2);
	teardown(&x);
}
END_TEST

START_TEST(test_reference_errors)
{
	static const char *const bad[] = {
		"{\"_mfm\":\"reference\"}",
		"{\"_mfm\":\"reference\",\"group\":[]}",
		"{\"_mfm\":\"reference\",\"group\":{},\"feature\":3}",
		"{\"g\":1,\"window\":3,\"in\":{\"a\":1}}"
	};
	struct fx x;
	struct refs r;
	FILE *f;
	size_t i;

	setup(&x);
	refs_init(&r, &x.d);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(ref_line(&r, &x, bad[i], strlen(bad[i])) == -1,
		    "%s", bad[i]);
		ck_assert_int_eq(r.err.kind, MFM_ERR_DATA);
		if (i < 2)
			ck_assert_str_eq(r.err.msg,
			    "reference line without a group");
	}
	ck_assert_uint_eq(r.g.n, 0);
	/* A write that fails. */
	ref_read(&r, &x, "{\"g\":1,\"in\":{\"a\":1}}\n");
	mfm_drift_sort_features(&x.d);
	f = fopen("/dev/null", "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(mfm_driftrec_save(&x.d, &r.rr, f, &r.err), -1);
	ck_assert_int_eq(r.err.kind, MFM_ERR_SYS);
	fclose(f);
	refs_release(&r);
	teardown(&x);
}
END_TEST

Suite *suite_driftrec(void);

Suite *
suite_driftrec(void)
{
	Suite *s = suite_create("driftrec");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_features);
	tcase_add_test(tc, test_feature_group);
	tcase_add_test(tc, test_context);
	tcase_add_test(tc, test_reference);
	tcase_add_test(tc, test_reference_errors);
	suite_add_tcase(s, tc);
	return s;
}
