/*
 * Reference runs: what mfm-drift and mfm-slice share.  Both keep a value
 * per window and group (a drift set, a table of rows), and at end of
 * input compare each window with its group's reference: values merged
 * from reference files, the windows that start in a time range, or, in
 * previous-window mode, the group's previous window.  This module keeps
 * the table and the references and walks the windows; what a value is,
 * how two merge and what a comparison writes are the tool's, through
 * struct mfm_refrun_ops.
 *
 * It also expands the "PATH.*" feature paths both tools accept.
 */
#ifndef MFM_REFRUN_H
#define MFM_REFRUN_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/group.h"
#include "lib/json.h"
#include "lib/keymap.h"

struct mfm_refrun_ops {
	/* Merge src into dst (zeroed when new); 0, or -1 with err. */
	int (*merge)(void *ctx, void *dst, void *src, struct mfm_err *err);
	/* Free what a value holds. */
	void (*release)(void *ctx, void *val);
	/* Compare window i of g with ref and write the result. */
	void (*emit)(void *ctx, struct mfm_group *g, size_t i, void *ref);
	/*
	 * A missing reference: the group's text, or NULL when no window
	 * starts in the reference range.  The run is marked in trouble.
	 */
	void (*missing)(void *ctx, const char *group, size_t n);
};

/* Where the references come from, besides reference files. */
struct mfm_refrun_mode {
	int has_range;		/* windows in [from, to) are the ref */
	int64_t from, to;
	int previous;		/* each window against the last one */
};

struct mfm_refrun {
	const struct mfm_refrun_ops *ops;
	void *ctx;			/* passed to every op */
	size_t valsize;
	struct mfm_group groups;	/* window x group -> value */
	struct mfm_keymap refmap;	/* group text -> ref[] */
	void *ref;			/* nref values of valsize bytes */
	size_t nref;
	struct mfm_refrun_mode mode;
	int trouble;			/* a reference was missing */
};

void mfm_refrun_init(struct mfm_refrun *rr, const struct mfm_refrun_mode *mode,
    size_t valsize, size_t max_groups, const struct mfm_refrun_ops *ops,
    void *ctx);
/* Releases every value, of the windows and of the references. */
void mfm_refrun_release(struct mfm_refrun *rr);

/*
 * The reference of a group (its JSON text), zeroed and added if new when
 * create, else NULL when there is none.  Valid until the next creation.
 */
void *mfm_refrun_ref(struct mfm_refrun *rr, const char *group, size_t n,
    int create);

/*
 * Merge every value of g (a reference file read by window and group)
 * into its group's reference, and release it.  g itself stays the
 * caller's.
 */
int mfm_refrun_take(struct mfm_refrun *rr, struct mfm_group *g,
    struct mfm_err *err);

/*
 * End of input: sort the windows, merge those in the reference range
 * into the references, then emit every other window against its
 * reference, or against its group's previous window.  A group's first
 * window in previous-window mode is only a reference.  Returns -1 with
 * err when a merge fails.
 */
int mfm_refrun_finish(struct mfm_refrun *rr, struct mfm_err *err);

/*
 * Turn each of the n paths that ends in ".*" into the path of the object
 * (PATH.* stands for every member of it).  Returns the flags, 1 for such
 * a path, with two more zero flags for paths the caller adds after them
 * (the score, the label); free() them.
 */
int *mfm_refrun_wild(struct mfm_json_path *p, size_t n);

#endif
