/*
 * Whether the field paths given to a tool match anything.  A misspelled
 * --label made every record unlabelled and a wrong --by grouped every
 * record under null, with no word: so each path a tool reads is counted,
 * record by record, as found, missing, or under a null (a step on the
 * way is null, as the outcome of a joined record that expired: the
 * record legitimately has no such field, and that is no miss).  A path
 * found in no record though some miss it is an error the caller reports
 * (mfm_cli_hits), with the paths seen in the first records that are
 * nearest to it: "did you mean 'outcome.churned'?".
 *
 * Once every path has been found in some record, nothing is left to
 * find out: a record then costs an increment.  Until then a path the
 * caller does not look up anyway is looked up here, and a record that
 * misses a path is looked at further.  With all set (-v), every path
 * is counted in every record, so that the misses can be told.  Paths
 * are collected for suggestions
 * from a few records only: the first ones, then those with a number of
 * members not seen yet (the outcomes after the predictions of a mixed
 * stream), MFM_HITS_SAMPLE in all.
 */
#ifndef MFM_HITS_H
#define MFM_HITS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/json.h"

#define MFM_HITS_SAMPLE 64	/* records whose paths are kept */
#define MFM_HITS_FIRST 32	/* of which the first records */
#define MFM_HITS_SEEN_MAX 1024	/* distinct paths kept from them */
#define MFM_HITS_DEPTH 8	/* nesting they are collected to */

enum {
	/*
	 * The path is PREFIX of a wildcard PREFIX.* (mfm_refrun_wild): found
	 * when it is an object with a member.
	 */
	MFM_HITS_WILD = 1,
	/*
	 * The path may match nothing (a --key beside its --key-fallback):
	 * counted for -v, never an error, and never waited for.
	 */
	MFM_HITS_OPTIONAL = 2
};

struct mfm_hits_path {
	char *opt;		/* the option that names it, "--label" */
	char *text;		/* the path as written, for messages */
	const struct mfm_json_path *p;	/* borrowed, for counting only */
	int flags;
	size_t f;		/* its token's index in the caller's array */
#define MFM_HITS_OWN SIZE_MAX	/* f: looked up here */
	/* With all unset, counted only until every path is found. */
	uint64_t found, missing, under_null;
};

struct mfm_hits {
	char *noun;		/* the records, in messages: "outcomes" */
	struct mfm_hits_path *e;
	size_t n;
	uint64_t nrec;		/* records counted */
	int all;		/* count every path in every record (-v) */
	size_t nfound;		/* paths found in some record */
	char **seen;		/* paths of the first records, for suggestions */
	size_t nseen;
	uint64_t nsampled;
	uint64_t shapes;	/* member counts sampled, as bits mod 64 */
	struct mfm_buf tmp;
};

struct mfm_hits *mfm_hits_new(const char *noun);
void mfm_hits_free(struct mfm_hits *h);

/*
 * Count path p (borrowed: it must outlive the counting), named by option
 * opt, whose token the caller finds at index f of the array it passes to
 * mfm_hits_count, or MFM_HITS_OWN.  Returns its number.
 */
size_t mfm_hits_add(struct mfm_hits *h, const char *opt,
    const struct mfm_json_path *p, int flags, size_t f);

/*
 * Count record j, whose path tokens the caller has looked up: tok[f] for
 * each path (-1 when missing, as mfm_field_set_get and mfm_json_get
 * give); tok may be NULL when every path is MFM_HITS_OWN.  The caller
 * skips control records (a top-level "_mfm"): they never count.
 */
void mfm_hits_count_slow(struct mfm_hits *h, const struct mfm_json *j,
    const int *tok);

/*
 * Whether mfm_hits_count(h, j, ...) will keep the paths of record j for
 * suggestions, which then needs all of j's tokens (not a shallow parse:
 * see struct mfm_json).  The record's top-level count is enough to tell.
 */
int mfm_hits_samples(const struct mfm_hits *h, const struct mfm_json *j);

static inline void
mfm_hits_count(struct mfm_hits *h, const struct mfm_json *j, const int *tok)
{
	h->nrec++;
	if (h->nfound < h->n || h->all)
		mfm_hits_count_slow(h, j, tok);
}

/*
 * Up to max paths seen in the first records that are nearest to path i
 * (by edit distance; the same last segment counts as nearest), best
 * first, into out (valid until h is freed); of a wildcard, nearest to
 * its prefix.  *close is set when the best is near enough to be the path
 * meant.  Returns how many.
 */
size_t mfm_hits_near(const struct mfm_hits *h, size_t i, const char **out,
    size_t max, int *close);

#endif
