/*
 * Typed reads of record fields: the glue between the JSON tokenizer and
 * the value types the tools use (times, numbers).  Errors name the field
 * path, as the record messages need: "field 'timestamp' is not a time".
 */
#ifndef MFM_FIELD_H
#define MFM_FIELD_H

#include <stdint.h>

#include "lib/err.h"
#include "lib/json.h"
#include "lib/opt.h"
#include "lib/tm.h"

/*
 * The instant at path p of the record: an RFC 3339 string or an epoch
 * number in unit.  Returns 1 with *us set, 0 when the field is missing or
 * null, -1 with err when it is present but not a time.
 */
int mfm_field_time(const struct mfm_json *j, const struct mfm_json_path *p,
    enum mfm_tm_unit unit, int64_t *us, struct mfm_err *err);
/* The same for the value at token t (-1: missing), found at path p. */
int mfm_field_time_at(const struct mfm_json *j, int t,
    const struct mfm_json_path *p, enum mfm_tm_unit unit, int64_t *us,
    struct mfm_err *err);

/* Parse a --time-unit value: s, ms, us, ns or auto.  -1 when unknown. */
int mfm_field_unit(const char *s, enum mfm_tm_unit *unit);
/* The names of the units, for an option of kind MFM_OPT_ENUM. */
extern const struct mfm_opt_name mfm_field_units[];

/*
 * Several field paths read from every record: one walk over the
 * record's members finds the first step of all of them, where looking
 * each path up alone walks them once a path.  The paths are borrowed
 * and must outlive the set.
 */
struct mfm_field_set {
	const struct mfm_json_path **path;	/* borrowed */
	size_t *first;		/* path i's first segment is first[i] */
	size_t n;
	const struct mfm_json_seg **seg;	/* distinct first segments */
	size_t nseg;
	int *found;		/* working memory: nseg tokens */
	/*
	 * Segments that a key may be, as bits (up to 64 segments), at a
	 * slot by its length, first and last byte: most members are none
	 * of them, and one load tells.
	 */
	uint64_t cand[256];
};

void mfm_field_set_init(struct mfm_field_set *s);
void mfm_field_set_release(struct mfm_field_set *s);
/* Add path p; returns its number, the index into mfm_field_set_get's out. */
size_t mfm_field_set_add(struct mfm_field_set *s,
    const struct mfm_json_path *p);
/*
 * The token of every path in the object at token 0 of j into
 * out[0..n), exactly what mfm_json_get(j, 0, path) returns for each: -1
 * when missing, the last duplicate key at every step.
 */
void mfm_field_set_get(struct mfm_field_set *s, const struct mfm_json *j,
    int *out);

#endif
