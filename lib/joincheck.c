/*
 * Signs of wrong inputs to mfm-join; see joincheck.h.
 */
#include <sys/stat.h>

#include "lib/joincheck.h"
#include "lib/banned.h"

int
mfm_joincheck_files(const char *a, const char *b, struct mfm_err *err)
{
	struct stat sa, sb;

	if (strcmp(a, "-") == 0 || strcmp(b, "-") == 0)
		return 0;
	if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
		return 0;	/* opening them says what is wrong */
	/* /dev/null twice is the way to decide a state with no input. */
	if (!S_ISREG(sa.st_mode) || sa.st_dev != sb.st_dev ||
	    sa.st_ino != sb.st_ino)
		return 0;
	return mfm_err_set(err, MFM_ERR_USAGE, "PREDICTIONS and OUTCOMES are "
	    "the same file, %s", strcmp(a, b) == 0 ? a : b);
}

/* More than half of a non-zero total. */
static int
most(uint64_t n, uint64_t of)
{
	return of > 0 && n > of / 2;
}

static void
line(struct mfm_buf *msgs, int *n)
{
	if ((*n)++ > 0)
		mfm_buf_addc(msgs, '\n');
}

int
mfm_joincheck_finish(const struct mfm_joincheck *c,
    const struct mfm_joinread *in, struct mfm_buf *msgs)
{
	char a[MFM_ERR_COUNT_SIZE], b[MFM_ERR_COUNT_SIZE];
	char x[MFM_ERR_COUNT_SIZE], y[MFM_ERR_COUNT_SIZE];
	int n = 0;

	if (most(c->same, c->matched)) {
		line(msgs, &n);
		mfm_buf_addf(msgs, "%s of %s joined predictions are the same "
		    "record as their outcome: are the predictions given as "
		    "OUTCOMES too?", mfm_err_count(a, c->same),
		    mfm_err_count(b, c->matched));
	} else if (in->mode == MFM_JOINREAD_ID &&
	    most(c->negative, c->timed)) {
		line(msgs, &n);
		mfm_buf_addf(msgs, "%s of %s label delays are negative (the "
		    "outcome before its prediction): are PREDICTIONS and "
		    "OUTCOMES swapped? (predictions come first)",
		    mfm_err_count(a, c->negative), mfm_err_count(b, c->timed));
	}
	/* Only a label given: a prediction may carry "label": null. */
	if (in->label_given && most(in->nlabel[0], in->nside[0]) &&
	    !most(in->nlabel[1], in->nside[1])) {
		line(msgs, &n);
		mfm_buf_addf(msgs, "the label '%s' is in %s of %s predictions "
		    "and %s of %s outcomes: are PREDICTIONS and OUTCOMES "
		    "swapped? (predictions come first)", in->label.text,
		    mfm_err_count(a, in->nlabel[0]),
		    mfm_err_count(b, in->nside[0]),
		    mfm_err_count(x, in->nlabel[1]),
		    mfm_err_count(y, in->nside[1]));
	}
	return n;
}
