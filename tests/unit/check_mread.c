/*
 * Unit tests for reading mfm-metric's records (lib/mread.c): the score,
 * label, weight and delay of each task read and checked, every bad value
 * refused with the message mfm-metric reports, nothing counted and no
 * cell made then; good records counted in their window and group, with
 * their label delays; the refusals of the cells and counts (the caps, an
 * overflowing term) passed on.
 */
#include <math.h>
#include <string.h>

#include <check.h>

#include "lib/mread.h"

/*
 * A reader of top-level fields score, label, w (when weighted), delay,
 * window and g (the group), counting in the cells of mw; acc is the
 * counts of the cell of window null and group g null.
 */
struct fix {
	struct mfm_metric_conf conf;
	struct mfm_metric_labels labels;
	struct mfm_mwin mw;
	struct mfm_json_path window, by;
	struct mfm_mread rd;
	struct mfm_json j;
	struct mfm_err err;
	struct mfm_metric_acc acc;	/* a copy, after each record */
};

static void
no_emit(void *ctx, const struct mfm_mwin *m, size_t i, int64_t revision,
    int provisional)
{
	(void)ctx;
	(void)m;
	(void)i;
	(void)revision;
	(void)provisional;
}

static void
fix_init(struct fix *f, enum mfm_metric_task task, const char *positive,
    int weighted)
{
	memset(f, 0, sizeof(*f));
	mfm_metric_conf_init(&f->conf);
	f->conf.task = task;
	f->conf.max_classes = 2;
	mfm_metric_labels_init(&f->labels, positive);
	mfm_mwin_init(&f->mw, &f->conf, 3, 16, 0, no_emit, NULL);
	ck_assert_int_eq(mfm_json_path_parse(&f->window, "window", &f->err),
	    0);
	ck_assert_int_eq(mfm_json_path_parse(&f->by, "g", &f->err), 0);
	mfm_group_by(&f->mw.groups, &f->by, 1);
	mfm_mread_init(&f->rd, &f->mw, &f->window, &f->labels, "score",
	    "label", weighted ? "w" : NULL, "delay");
	mfm_json_init(&f->j);
}

static void
fix_release(struct fix *f)
{
	mfm_mread_release(&f->rd);
	mfm_mwin_release(&f->mw);
	mfm_json_path_release(&f->window);
	mfm_json_path_release(&f->by);
	mfm_json_release(&f->j);
}

/*
 * Count line: 0 or -1.  acc is then the first cell's counts (zero
 * before there is one).
 */
static int
record(struct fix *f, const char *line)
{
	static const char *const name[] = {
		[MFM_MREAD_SCORE] = "score", [MFM_MREAD_LABEL] = "label",
		[MFM_MREAD_DELAY] = "delay", [MFM_MREAD_WINDOW] = "window",
		[MFM_MREAD_WEIGHT] = "w", [MFM_MREAD_BY] = "g"
	};
	int tok[MFM_MREAD_BY + 1], i, rc;

	ck_assert_int_eq(mfm_json_parse(&f->j, line, strlen(line), &f->err),
	    0);
	for (i = 0; i <= MFM_MREAD_BY; i++)
		tok[i] = mfm_json_member(&f->j, 0, name[i], strlen(name[i]));
	mfm_err_clear(&f->err);
	rc = mfm_mread_count(&f->rd, &f->j, tok, &f->err);
	memset(&f->acc, 0, sizeof(f->acc));
	if (f->mw.groups.n > 0)
		f->acc = ((struct mfm_mwin_cell *)mfm_group_val(
		    &f->mw.groups, 0))->acc;
	return rc;
}

/* line is a bad record with this message; nothing is counted. */
static void
bad(struct fix *f, const char *line, const char *msg)
{
	uint64_t n = f->acc.n;
	size_t cells = f->mw.groups.n;

	ck_assert_msg(record(f, line) == -1, "%s counted", line);
	ck_assert_int_eq(f->err.kind, MFM_ERR_DATA);
	ck_assert_str_eq(f->err.msg, msg);
	ck_assert_uint_eq(f->acc.n, n);
	ck_assert_uint_eq(f->mw.groups.n, cells);
}

static void
good(struct fix *f, const char *line)
{
	ck_assert_msg(record(f, line) == 0, "%s: %s", line, f->err.msg);
}

/* The label delays counted, by their largest (NaN: none). */
static double
delay_max(const struct fix *f)
{
	struct mfm_metric_result r;
	struct mfm_buf scratch = MFM_BUF_INIT;

	mfm_metric_acc_compute(&f->acc, &r, &scratch);
	mfm_buf_release(&scratch);
	return r.m[MFM_METRIC_LABEL_DELAY_MAX].v;
}

START_TEST(test_binary)
{
	struct fix f;

	fix_init(&f, MFM_METRIC_BINARY, NULL, 0);
	good(&f, "{\"score\":0.9,\"label\":1}");
	ck_assert_double_eq(f.acc.tp, 1);
	good(&f, "{\"score\":0.2,\"label\":false}");
	ck_assert_double_eq(f.acc.tn, 1);
	good(&f, "{\"score\":0.7,\"label\":true}");
	good(&f, "{\"score\":0.7,\"label\":0}");
	ck_assert_double_eq(f.acc.fp, 1);
	/* Unlabelled: missing or null label; its delay is not read. */
	good(&f, "{\"score\":0.4}");
	good(&f, "{\"score\":0.4,\"label\":null,\"delay\":\"x\"}");
	ck_assert_uint_eq(f.acc.n, 6);
	ck_assert_uint_eq(f.acc.labelled, 4);
	ck_assert_uint_eq(f.acc.npos, 2);
	ck_assert_double_eq(f.acc.tp, 2);
	ck_assert_uint_eq(f.rd.nlabelled, 4);

	bad(&f, "{\"label\":1}", "field 'score' missing");
	bad(&f, "{\"score\":\"0.9\",\"label\":1}",
	    "field 'score' is not a number");
	bad(&f, "{\"score\":null,\"label\":1}",
	    "field 'score' is not a number");
	bad(&f, "{\"score\":1e999,\"label\":1}",
	    "field 'score' is out of range");
	bad(&f, "{\"score\":0.9,\"label\":2}", "field 'label' is not 0 or 1");
	bad(&f, "{\"score\":0.9,\"label\":\"yes\"}",
	    "field 'label' is a string (see --positive)");
	bad(&f, "{\"score\":0.9,\"label\":[1]}",
	    "field 'label' is not 0, 1, true or false");
	bad(&f, "{\"score\":0.9,\"label\":1e999}",
	    "field 'label' is out of range");
	/* A bad record of a new group makes no cell. */
	bad(&f, "{\"score\":\"x\",\"g\":1}", "field 'score' is not a number");
	ck_assert_uint_eq(f.acc.labelled, 4);
	ck_assert_uint_eq(f.rd.nlabelled, 4);
	fix_release(&f);
}
END_TEST

/* With a positive label value, labels are compared with it. */
START_TEST(test_binary_positive)
{
	struct fix f;

	fix_init(&f, MFM_METRIC_BINARY, "churned", 0);
	good(&f, "{\"score\":0.9,\"label\":\"churned\"}");
	ck_assert_uint_eq(f.acc.npos, 1);
	good(&f, "{\"score\":0.9,\"label\":\"stayed\"}");
	ck_assert_uint_eq(f.acc.npos, 1);
	ck_assert_uint_eq(f.acc.labelled, 2);
	bad(&f, "{\"score\":0.9,\"label\":1}", "field 'label' is a number "
	    "and the positive label 'churned' is not");
	bad(&f, "{\"score\":0.9,\"label\":true}", "field 'label' is true or "
	    "false and the positive label 'churned' is not");
	fix_release(&f);
}
END_TEST

START_TEST(test_weight)
{
	struct fix f;

	fix_init(&f, MFM_METRIC_BINARY, NULL, 1);
	good(&f, "{\"score\":0.9,\"label\":1,\"w\":2.5}");
	ck_assert_double_eq(f.acc.tp, 2.5);
	good(&f, "{\"score\":0.9,\"label\":1,\"w\":0}");
	ck_assert_double_eq(f.acc.tp, 2.5);
	bad(&f, "{\"score\":0.9,\"label\":1}", "field 'w' missing");
	bad(&f, "{\"score\":0.9,\"label\":1,\"w\":-1}",
	    "field 'w' is not a number >= 0");
	bad(&f, "{\"score\":0.9,\"label\":1,\"w\":\"2\"}",
	    "field 'w' is not a number >= 0");
	bad(&f, "{\"score\":0.9,\"label\":1,\"w\":null}",
	    "field 'w' is not a number >= 0");
	bad(&f, "{\"score\":0.9,\"label\":1,\"w\":1e999}",
	    "field 'w' is out of range");
	/* The score is read first, the label next, the weight last. */
	bad(&f, "{\"score\":\"x\",\"label\":2,\"w\":-1}",
	    "field 'score' is not a number");
	bad(&f, "{\"score\":0.9,\"label\":2,\"w\":-1}",
	    "field 'label' is not 0 or 1");
	ck_assert_uint_eq(f.acc.n, 2);
	fix_release(&f);

	/* Without a weight path, a field w is not read: weight 1. */
	fix_init(&f, MFM_METRIC_BINARY, NULL, 0);
	good(&f, "{\"score\":0.9,\"label\":1,\"w\":-1}");
	ck_assert_double_eq(f.acc.tp, 1);
	fix_release(&f);
}
END_TEST

START_TEST(test_delay)
{
	struct fix f;

	fix_init(&f, MFM_METRIC_BINARY, NULL, 0);
	good(&f, "{\"score\":0.9,\"label\":1}");
	ck_assert(isnan(delay_max(&f)));
	good(&f, "{\"score\":0.9,\"label\":1,\"delay\":5}");
	ck_assert_double_eq(delay_max(&f), 5);
	good(&f, "{\"score\":0.9,\"label\":1,\"delay\":null}");
	/* An unlabelled record's delay is none, whatever it holds. */
	good(&f, "{\"score\":0.9,\"delay\":99}");
	good(&f, "{\"score\":0.9,\"label\":null,\"delay\":99}");
	ck_assert_double_eq(delay_max(&f), 5);
	bad(&f, "{\"score\":0.9,\"label\":1,\"delay\":\"5\"}",
	    "field 'delay' is not a number");
	bad(&f, "{\"score\":0.9,\"label\":1,\"delay\":1e999}",
	    "field 'delay' is out of range");
	ck_assert_double_eq(delay_max(&f), 5);
	ck_assert_uint_eq(f.acc.labelled, 3);
	fix_release(&f);
}
END_TEST

START_TEST(test_regression)
{
	struct fix f;

	fix_init(&f, MFM_METRIC_REGRESSION, NULL, 0);
	good(&f, "{\"score\":2,\"label\":1.5,\"delay\":7}");
	/* Unlabelled: missing or null; a label of any value is read. */
	good(&f, "{\"score\":2}");
	good(&f, "{\"score\":2,\"label\":null,\"delay\":\"x\"}");
	good(&f, "{\"score\":2,\"label\":-40}");
	ck_assert_uint_eq(f.acc.n, 4);
	ck_assert_uint_eq(f.acc.labelled, 2);
	ck_assert_uint_eq(f.rd.nlabelled, 2);
	/* sum of (p - y)^2: 0.25 + 42^2 */
	ck_assert_double_eq(mfm_metric_xsum_value(
	    &f.acc.reg->s[MFM_METRIC_RS_E2]), 0.25 + 42 * 42);
	bad(&f, "{\"label\":1}", "field 'score' missing");
	bad(&f, "{\"score\":true,\"label\":1}",
	    "field 'score' is not a number");
	bad(&f, "{\"score\":2,\"label\":true}",
	    "field 'label' is not a number");
	bad(&f, "{\"score\":2,\"label\":\"1\"}",
	    "field 'label' is not a number");
	bad(&f, "{\"score\":2,\"label\":-1e999}",
	    "field 'label' is out of range");
	/* The counts refuse a term beyond a double: named by the score. */
	bad(&f, "{\"score\":1e200,\"label\":-1e200}", "field 'score': "
	    "overflow: a weighted term of score and label is beyond the "
	    "range of a double");
	ck_assert_double_eq(delay_max(&f), 7);
	ck_assert_uint_eq(f.rd.nlabelled, 2);
	fix_release(&f);
}
END_TEST

START_TEST(test_multiclass)
{
	struct fix f;

	fix_init(&f, MFM_METRIC_MULTICLASS, NULL, 0);
	/* Classes in canonical form: "\u0061" is "a". */
	good(&f, "{\"score\":\"\\u0061\",\"label\":\"a\"}");
	ck_assert_uint_eq(f.acc.mc->k, 1);
	ck_assert_ptr_nonnull(mfm_keymap_find(&f.acc.mc->classes, "\"a\"",
	    3));
	good(&f, "{\"score\":\"a\"}");
	good(&f, "{\"score\":\"a\",\"label\":null}");
	ck_assert_uint_eq(f.acc.n, 3);
	ck_assert_uint_eq(f.acc.labelled, 1);
	ck_assert_uint_eq(f.acc.mc->k, 1);

	bad(&f, "{\"label\":\"a\"}", "field 'score' missing");
	bad(&f, "{\"score\":null,\"label\":\"a\"}",
	    "field 'score' is not a class");
	bad(&f, "{\"score\":{},\"label\":\"a\"}",
	    "field 'score' is not a class");
	bad(&f, "{\"score\":\"a\",\"label\":[\"a\"]}",
	    "field 'label' is not a class");
	ck_assert_uint_eq(f.acc.mc->k, 1);

	/* Numbers and true/false are classes too, as written. */
	good(&f, "{\"score\":true,\"label\":\"a\"}");
	ck_assert_ptr_nonnull(mfm_keymap_find(&f.acc.mc->classes, "true",
	    4));
	/* A third class passes the cap of two: the limit, not bad data. */
	ck_assert_int_eq(record(&f, "{\"score\":1,\"label\":\"a\"}"), -1);
	ck_assert_int_eq(f.err.kind, MFM_ERR_LIMIT);
	ck_assert_int_eq(f.err.cap, MFM_CAP_CLASSES);
	ck_assert_str_eq(f.err.msg, "more than 2 classes");
	ck_assert_uint_eq(f.acc.n, 4);
	fix_release(&f);
}
END_TEST

/* The windows and groups: a cell each, up to the cap of three. */
START_TEST(test_cells)
{
	struct fix f;

	fix_init(&f, MFM_METRIC_BINARY, NULL, 0);
	good(&f, "{\"score\":0.9,\"label\":1}");
	good(&f, "{\"score\":0.9,\"label\":1,\"g\":1}");
	good(&f, "{\"score\":0.9,\"label\":1,\"window\":{\"start\":\"x\"}}");
	good(&f, "{\"score\":0.9,\"label\":1,\"g\":1}");
	ck_assert_uint_eq(f.mw.groups.n, 3);
	ck_assert_int_eq(record(&f, "{\"score\":0.9,\"label\":1,\"g\":2}"),
	    -1);
	ck_assert_int_eq(f.err.kind, MFM_ERR_LIMIT);
	ck_assert_int_eq(f.err.cap, MFM_CAP_GROUPS);
	ck_assert_int_eq(record(&f, "{\"score\":0.9,\"window\":3}"), -1);
	ck_assert_int_eq(f.err.kind, MFM_ERR_DATA);
	ck_assert_uint_eq(f.mw.groups.n, 3);
	ck_assert_uint_eq(f.rd.nlabelled, 4);
	fix_release(&f);
}
END_TEST

Suite *suite_mread(void);

Suite *
suite_mread(void)
{
	Suite *s = suite_create("mread");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_binary);
	tcase_add_test(tc, test_binary_positive);
	tcase_add_test(tc, test_weight);
	tcase_add_test(tc, test_delay);
	tcase_add_test(tc, test_regression);
	tcase_add_test(tc, test_multiclass);
	tcase_add_test(tc, test_cells);
	suite_add_tcase(s, tc);
	return s;
}
