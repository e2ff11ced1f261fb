/*
 * Chains of files: where each input file was left, and how long the
 * output file was, carried in a tool's state; see chain.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/chain.h"
#include "lib/json.h"
#include "lib/banned.h"

void
mfm_chain_init(struct mfm_chain *c)
{
	memset(c, 0, sizeof(*c));
}

static void
files_free(struct mfm_chain_file *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(f[i].path);
	free(f);
}

void
mfm_chain_release(struct mfm_chain *c)
{
	files_free(c->was, c->nwas);
	files_free(c->now, c->nnow);
	mfm_chain_init(c);
}

/* A count member of the chain line: a whole number >= 0. */
static int
count(const struct mfm_json *j, int t, uint64_t *v)
{
	int64_t x;

	if (mfm_json_int64(j, t, &x) != 0 || x < 0)
		return -1;
	*v = (uint64_t)x;
	return 0;
}

/* One ["PATH",DEV,INO,OFFSET] of the inputs array. */
static int
input(struct mfm_chain *c, const struct mfm_json *j, int a,
    struct mfm_buf *scratch)
{
	struct mfm_chain_file f;
	const char *s;
	size_t n;
	int t;

	if (mfm_json_type_of(j, a) != MFM_JSON_ARRAY ||
	    mfm_json_at(j, a)->count != 4)
		return -1;
	t = mfm_json_first(j, a);
	if ((s = mfm_json_str(j, t, &n, scratch)) == NULL ||
	    memchr(s, '\0', n) != NULL)
		return -1;
	t = mfm_json_next(j, a, t);
	if (count(j, t, &f.dev) != 0)
		return -1;
	t = mfm_json_next(j, a, t);
	if (count(j, t, &f.ino) != 0)
		return -1;
	t = mfm_json_next(j, a, t);
	if (count(j, t, &f.offset) != 0 || c->nwas == MFM_CHAIN_MAX_INPUTS)
		return -1;
	f.path = mfm_xmemdup(s, n);
	c->was = mfm_xreallocarray(c->was, c->nwas + 1, sizeof(*c->was));
	c->was[c->nwas++] = f;
	return 0;
}

static int
parse(struct mfm_chain *c, const struct mfm_json *j)
{
	struct mfm_buf scratch = MFM_BUF_INIT;
	int ch, t, a, rc = 0;

	ch = mfm_json_member(j, 0, "chain", 5);
	if (mfm_json_type_of(j, ch) != MFM_JSON_OBJECT)
		return -1;
	t = mfm_json_member(j, ch, "output", 6);
	if (t >= 0) {
		if (count(j, t, &c->len) != 0)
			return -1;
		c->has_len = 1;
	}
	t = mfm_json_member(j, ch, "inputs", 6);
	if (t >= 0) {
		if (mfm_json_type_of(j, t) != MFM_JSON_ARRAY)
			return -1;
		for (a = mfm_json_first(j, t); a >= 0 && rc == 0;
		    a = mfm_json_next(j, t, a))
			rc = input(c, j, a, &scratch);
	}
	mfm_buf_release(&scratch);
	return rc;
}

int
mfm_chain_load(struct mfm_chain *c, const char *body, size_t len,
    size_t *rest, struct mfm_err *err)
{
	const char *nl;
	struct mfm_json j;
	size_t n, tag = sizeof(MFM_CHAIN_TAG) - 1;
	int rc;

	*rest = 0;
	if (len < tag || memcmp(body, MFM_CHAIN_TAG, tag) != 0)
		return 0;
	nl = memchr(body, '\n', len);
	n = nl != NULL ? (size_t)(nl - body) : len;
	mfm_json_init(&j);
	rc = mfm_json_parse(&j, body, n, err);
	if (rc == 0 && (rc = parse(c, &j)) != 0)
		mfm_err_set(err, MFM_ERR_DATA, "corrupt state file: bad "
		    "chain line (input offsets and output length)");
	mfm_json_release(&j);
	if (rc != 0) {
		files_free(c->was, c->nwas);
		c->was = NULL;
		c->nwas = 0;
		c->has_len = 0;
		return -1;
	}
	*rest = nl != NULL ? n + 1 : n;
	return 0;
}

void
mfm_chain_put(const struct mfm_chain *c, struct mfm_buf *b, int has_out,
    uint64_t out_len)
{
	size_t i;

	if (!has_out && c->nnow == 0)
		return;
	mfm_buf_adds(b, MFM_CHAIN_TAG "{");
	if (has_out) {
		mfm_buf_addf(b, "\"output\":%" PRIu64, out_len);
		if (c->nnow > 0)
			mfm_buf_addc(b, ',');
	}
	if (c->nnow > 0) {
		mfm_buf_adds(b, "\"inputs\":[");
		for (i = 0; i < c->nnow; i++) {
			mfm_buf_adds(b, i > 0 ? ",[" : "[");
			mfm_json_put_str(b, c->now[i].path,
			    strlen(c->now[i].path));
			mfm_buf_addf(b, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]",
			    c->now[i].dev, c->now[i].ino, c->now[i].offset);
		}
		mfm_buf_addc(b, ']');
	}
	mfm_buf_adds(b, "}}\n");
}

static struct mfm_chain_file *
find(struct mfm_chain_file *f, size_t n, const char *path)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(f[i].path, path) == 0)
			return &f[i];
	return NULL;
}

int
mfm_chain_start(struct mfm_chain *c, const char *path, int fd,
    uint64_t *off, struct mfm_err *err)
{
	struct mfm_chain_file *w, *f;
	struct stat st;

	*off = 0;
	if (fstat(fd, &st) != 0)
		return mfm_err_sys(err, "%s", path);
	if (!S_ISREG(st.st_mode))
		return mfm_err_set(err, MFM_ERR_USAGE, "%s: --resume needs "
		    "regular files, not a pipe or a terminal", path);
	w = find(c->was, c->nwas, path);
	if (w != NULL && w->dev == (uint64_t)st.st_dev &&
	    w->ino == (uint64_t)st.st_ino) {
		if ((uint64_t)st.st_size < w->offset)
			return mfm_err_set(err, MFM_ERR_DATA, "%s: file shrank "
			    "to %jd bytes, below the %" PRIu64 " read by the "
			    "last run: truncated or rewritten in place "
			    "(rotate it by moving it away)", path,
			    (intmax_t)st.st_size, w->offset);
		*off = w->offset;
	}
	f = find(c->now, c->nnow, path);
	if (f == NULL) {
		if (c->nnow == MFM_CHAIN_MAX_INPUTS)
			return mfm_err_set(err, MFM_ERR_LIMIT, "more than %d "
			    "input files to resume", MFM_CHAIN_MAX_INPUTS);
		c->now = mfm_xreallocarray(c->now, c->nnow + 1,
		    sizeof(*c->now));
		f = &c->now[c->nnow++];
		f->path = mfm_xstrdup(path);
	}
	f->dev = (uint64_t)st.st_dev;
	f->ino = (uint64_t)st.st_ino;
	f->offset = *off;
	return 0;
}

void
mfm_chain_stop(struct mfm_chain *c, const char *path, uint64_t off)
{
	struct mfm_chain_file *f = find(c->now, c->nnow, path);

	if (f != NULL)
		f->offset = off;
}

int
mfm_chain_recover(const struct mfm_chain *c, int fd, const char *path,
    struct mfm_err *err)
{
	struct stat st;

	if (!c->has_len)
		return 0;
	if (fstat(fd, &st) != 0)
		return mfm_err_sys(err, "%s", path);
	if (!S_ISREG(st.st_mode))
		return 0;
	if ((uint64_t)st.st_size < c->len)
		return mfm_err_set(err, MFM_ERR_DATA, "%s: %jd bytes, shorter "
		    "than the %" PRIu64 " the state says were written: "
		    "truncated, or another file", path, (intmax_t)st.st_size,
		    c->len);
	if ((uint64_t)st.st_size > c->len &&
	    ftruncate(fd, (off_t)c->len) != 0)
		return mfm_err_sys(err, "%s", path);
	return 0;
}

int
mfm_chain_sync(int fd, const char *path, uint64_t *len, struct mfm_err *err)
{
	struct stat st;

	if (fsync(fd) != 0 && errno != EINVAL)
		return mfm_err_sys(err, "%s", path);
	if (fstat(fd, &st) != 0)
		return mfm_err_sys(err, "%s", path);
	*len = (uint64_t)st.st_size;
	return 0;
}
