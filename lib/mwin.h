/*
 * The windows of mfm-metric: one metric accumulator (lib/metric.h) per
 * window and group, and what happens to them between the first record
 * and the last output (mfm-metric(1) STREAMING).
 *
 * A cell is made by the first record of its window and group and counts
 * every later one.  A window_closed control record writes the window's
 * cells that are not written yet or changed since, in group order, and
 * then keeps the window for revisions (the last keep_closed closed
 * windows are kept, the oldest dropped first) or drops it at once
 * (keep_closed 0).  A record whose window carries "revision":N counts in
 * its window's cell and raises the cell's revision; when the window was
 * dropped (or could have been: it ends no later than a dropped one) the
 * record cannot be counted and is refused.  mfm-join's watermark records
 * say whether the input is complete and as of when provisional records
 * are written, and, unless the keep was given, that two closed windows
 * are enough.  At the end of input, mfm_mwin_finish writes every cell
 * not yet written or changed since, as final when the input is complete,
 * else as provisional (and keeps it).  The cells, the kept windows and
 * the upstream watermark are the state of --state (mfm_mwin_dump and
 * mfm_mwin_load).
 *
 * Writing a record is the caller's: the emit callback is called with
 * the cell's entry in groups, in the order the records are to be
 * written, and reads what it needs from the cell and from up.
 */
#ifndef MFM_MWIN_H
#define MFM_MWIN_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/control.h"
#include "lib/err.h"
#include "lib/group.h"
#include "lib/json.h"
#include "lib/metric.h"

/* Closed windows kept for revisions unless told: mfm-window's default. */
#define MFM_MWIN_KEEP_DEFAULT 16
/* ... and with mfm-join's watermark records, whose late records are few. */
#define MFM_MWIN_KEEP_JOINED 2
/* keep_closed at most. */
#define MFM_MWIN_KEEP_MAX 1000000

/* What the group table holds per window and group. */
struct mfm_mwin_cell {
	struct mfm_metric_acc acc;
	int closed;		/* written at its window_closed */
	int dirty;		/* records came since it was last written */
	int64_t revision;
};

struct mfm_mwin;

/*
 * Write the record of groups entry i (its value a struct mfm_mwin_cell)
 * with this revision (0: none), as final or provisional.
 */
typedef void mfm_mwin_emit_fn(void *ctx, const struct mfm_mwin *m, size_t i,
    int64_t revision, int provisional);

struct mfm_mwin {
	const struct mfm_metric_conf *conf;	/* borrowed, for new cells */
	struct mfm_group groups;	/* window x group -> cell */
	size_t keep_closed;
	int keep_auto;			/* keep_closed not given: follow up */
	char **closed;			/* kept closed windows, oldest first */
	size_t nclosed, capclosed;
	/*
	 * How far the closed windows dropped so far reached: dropped is 0
	 * before any, 1 with the latest end in dropped_end, 2 when a
	 * dropped window had no end to compare by.
	 */
	int dropped;
	char *dropped_end;
	struct mfm_upstream up;		/* mfm-join's watermark */
	mfm_mwin_emit_fn *emit;
	void *ctx;
	struct mfm_buf wkey, str, scratch;
	void *order;			/* a closing window's entries */
	size_t caporder;
};

/*
 * Start with no cell.  conf is borrowed; max_groups caps the cells (0:
 * MFM_GROUP_MAX_DEFAULT); keep_closed is the number of closed windows
 * kept, keep_auto 1 when the caller did not choose it (MFM_MWIN_KEEP_
 * JOINED then applies once watermark records come).  emit writes the
 * records.
 */
void mfm_mwin_init(struct mfm_mwin *m, const struct mfm_metric_conf *conf,
    size_t max_groups, size_t keep_closed, int keep_auto,
    mfm_mwin_emit_fn *emit, void *ctx);
void mfm_mwin_release(struct mfm_mwin *m);

/*
 * The cell of record j, as mfm_group_get_at finds it (window the window
 * path, w its token, by[] the tokens of the group paths set with
 * mfm_group_by on m->groups): made if new, marked changed, its revision
 * raised to the window's "revision" member.  The caller counts the
 * record in it.  NULL with MFM_ERR_LIMIT (MFM_CAP_GROUPS) when one more
 * cell would pass the cap, MFM_ERR_DATA for a window that is not an
 * object or whose revision is not a count, or a revision of a window
 * dropped already ("revision N of a window no longer kept
 * (--keep-closed)"); no cell is made then.
 */
struct mfm_mwin_cell *mfm_mwin_cell(struct mfm_mwin *m,
    const struct mfm_json *j, const struct mfm_json_path *window, int w,
    const int *by, struct mfm_err *err);
/*
 * A state record of --partial, {"window":W,"group":G,"state":S} with
 * "revision":N after the window when revised: S merged into the cell of
 * W and G.  -1 with MFM_ERR_LIMIT at the cap of cells (MFM_CAP_GROUPS)
 * or of a cell's classes (MFM_CAP_CLASSES), MFM_ERR_DATA for a record
 * that does not read or a state of another task or threshold.
 */
int mfm_mwin_merge(struct mfm_mwin *m, const struct mfm_json *j,
    struct mfm_err *err);

/*
 * A control record: a watermark record of mfm-join is taken into up; a
 * window_closed record writes and closes its window.  Others are
 * ignored.  -1 with MFM_ERR_DATA for one that does not read.
 */
int mfm_mwin_control(struct mfm_mwin *m, const struct mfm_json *j,
    struct mfm_err *err);

/*
 * Whether the input is complete at its end: nothing more can come for
 * any window (mfm(7) LATE LABELS).  drain says so; so does a last
 * watermark record that says complete, or no watermark record in a run
 * without state (has_state 0).
 */
int mfm_mwin_complete(const struct mfm_mwin *m, int drain, int has_state);

/*
 * End of input: write every cell not yet written or changed since,
 * sorted by window and group; as final when complete, else the cells of
 * windows not closed as provisional.
 */
void mfm_mwin_finish(struct mfm_mwin *m, int complete);

/*
 * The state between runs: the upstream lines, one line of the closed
 * windows kept, then one line per cell with its counts as --partial
 * writes them.  load reads such a body into a fresh m: -1 with
 * MFM_ERR_LIMIT when its cells or a cell's classes pass their cap (the
 * cap said as by mfm_mwin_merge), MFM_ERR_DATA for anything else that
 * does not read ("corrupt state file: ..." past the upstream lines).
 */
void mfm_mwin_dump(struct mfm_mwin *m, struct mfm_buf *b);
int mfm_mwin_load(struct mfm_mwin *m, const char *body, size_t len,
    struct mfm_err *err);

#endif
