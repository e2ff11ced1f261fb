/*
 * Crash-safe, locked state files; see state.h.
 *
 * The order of a save is what makes it crash-safe: the new contents
 * reach the disk (fsync of the temporary file) before the name moves to
 * them (rename), and the rename itself reaches the disk (fsync of the
 * directory) before the save reports success.  A kill at any point
 * leaves the state file whole, old or new, and at worst a stale
 * temporary file that the next save overwrites.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/state.h"
#include "lib/banned.h"

#define MAGIC		"mfm-state 1 "
#define END		"mfm-state-end "

#define FNV_INIT	UINT64_C(0xcbf29ce484222325)
#define HEAD_MAX	160	/* longest first line, newline included */
#define TAIL_MAX	80	/* longest last line, newline included */
#define CHUNK		(64u << 10)

static uint64_t
fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ s[i]) * UINT64_C(0x100000001b3);
	return h;
}

void
mfm_state_format(struct mfm_buf *out, const char *tool, unsigned version,
    const void *body, size_t len)
{
	uint64_t h = fnv1a(FNV_INIT, body, len);

	mfm_buf_addf(out, MAGIC "%s %u\n", tool, version);
	mfm_buf_add(out, body, len);
	/* The trailer on a line of its own, or the file would not read. */
	if (len > 0 && ((const char *)body)[len - 1] != '\n') {
		mfm_buf_addc(out, '\n');
		h = fnv1a(h, "\n", 1);
		len++;
	}
	mfm_buf_addf(out, END "%zu %016" PRIx64 "\n", len, h);
}

/*
 * The pieces of the one reader of state files, shared by mfm_state_parse
 * (a file in memory) and mfm_state_read (a file read in pieces).
 *
 * parse_head checks the first line among the n bytes of text (the
 * file's first bytes, at most HEAD_MAX of them are needed); *hlen is
 * its length with the newline.
 */
static int
parse_head(const char *text, size_t n, const char *tool, unsigned version,
    size_t *hlen, struct mfm_err *err)
{
	const char *nl, *p;
	char head[HEAD_MAX];
	size_t tl;
	unsigned long v;

	if (n > HEAD_MAX)
		n = HEAD_MAX;
	nl = memchr(text, '\n', n);
	if (n < sizeof(MAGIC) - 1 || memcmp(text, MAGIC, sizeof(MAGIC) - 1) ||
	    nl == NULL)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "not an mfm state file");
	p = text + sizeof(MAGIC) - 1;
	snprintf(head, sizeof(head), "%s %u", tool, version);
	if ((size_t)(nl - p) != strlen(head) || memcmp(p, head, nl - p)) {
		tl = strcspn(p, " \n");
		if (tl > (size_t)(nl - p))
			tl = (size_t)(nl - p);
		if (tl != strlen(tool) || memcmp(p, tool, tl) != 0)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "state file of %.*s, not of %s",
			    (int)(tl > 32 ? 32 : tl), p, tool);
		v = strtoul(p + tl, NULL, 10);
		return mfm_err_set(err, MFM_ERR_DATA,
		    "state format version %lu; this %s reads version %u", v,
		    tool, version);
	}
	*hlen = (size_t)(nl - text) + 1;
	return 0;
}

/*
 * parse_tail checks the last line: tail holds the last tn bytes of the
 * avail bytes that follow the header (tn is all of them or at least
 * TAIL_MAX + 1).  *tlen is the trailer's length with its newline, and
 * *blen and *sum what it says of the body.
 */
static int
parse_tail(const char *tail, size_t tn, size_t avail, size_t *tlen,
    size_t *blen, uint64_t *sum, struct mfm_err *err)
{
	char line[TAIL_MAX];
	size_t s, n;
	int k;

	if (tn == 0 || tail[tn - 1] != '\n')
		return mfm_err_set(err, MFM_ERR_DATA,
		    "corrupt state file: truncated");
	for (s = tn - 1; s > 0 && tail[s - 1] != '\n'; s--)
		continue;
	n = tn - 1 - s;		/* without the newline */
	if ((s == 0 && tn < avail) || n >= sizeof(line) ||
	    n < sizeof(END) - 1 || memcmp(tail + s, END, sizeof(END) - 1))
		return mfm_err_set(err, MFM_ERR_DATA,
		    "corrupt state file: truncated");
	memcpy(line, tail + s, n);
	line[n] = '\0';
	k = -1;
	if (line[sizeof(END) - 1] < '0' || line[sizeof(END) - 1] > '9' ||
	    sscanf(line + sizeof(END) - 1, "%zu %16" SCNx64 "%n", blen, sum,
	    &k) != 2 || k < 0 || line[sizeof(END) - 1 + k] != '\0')
		return mfm_err_set(err, MFM_ERR_DATA,
		    "corrupt state file: bad trailer");
	*tlen = n + 1;
	return 0;
}

/* What the trailer says against what the body is. */
static int
check_body(size_t len, uint64_t sum, size_t blen, uint64_t want,
    struct mfm_err *err)
{
	if (blen != len)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "corrupt state file: %zu bytes of body, trailer says %zu",
		    len, blen);
	if (sum != want)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "corrupt state file: checksum mismatch");
	return 0;
}

int
mfm_state_parse(const char *text, size_t n, const char *tool,
    unsigned version, size_t *off, size_t *len, struct mfm_err *err)
{
	size_t hlen, tlen, blen, avail, tn;
	uint64_t sum;

	if (parse_head(text, n, tool, version, &hlen, err) != 0)
		return -1;
	avail = n - hlen;
	tn = avail > TAIL_MAX + 1 ? TAIL_MAX + 1 : avail;
	if (parse_tail(text + n - tn, tn, avail, &tlen, &blen, &sum,
	    err) != 0)
		return -1;
	*off = hlen;
	*len = avail - tlen;
	return check_body(*len, fnv1a(FNV_INIT, text + hlen, *len), blen,
	    sum, err);
}

static void
state_unlink_tmp(const struct mfm_state *st)
{
	struct mfm_buf tmp = MFM_BUF_INIT;

	mfm_buf_addf(&tmp, "%s.tmp", st->path);
	unlink(tmp.p);
	mfm_buf_release(&tmp);
}

static void
state_free(struct mfm_state *st)
{
	if (st->lockfd >= 0)
		close(st->lockfd);	/* drops the flock */
	if (st->fd >= 0)
		close(st->fd);
	if (st->wfd >= 0) {
		close(st->wfd);
		state_unlink_tmp(st);
	}
	free(st->path);
	free(st->tool);
	free(st->buf);
	mfm_state_init(st);
}

int
mfm_state_lock(struct mfm_state *st, const char *path, const char *tool,
    unsigned version, struct mfm_err *err)
{
	struct mfm_buf lock = MFM_BUF_INIT;
	int rc = -1;

	mfm_state_init(st);
	mfm_buf_addf(&lock, "%s.lock", path);
	st->lockfd = open(lock.p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (st->lockfd < 0) {
		mfm_err_sys(err, "%s", lock.p);
	} else if (flock(st->lockfd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			mfm_err_set(err, MFM_ERR_SYS, "locked by another "
			    "process (%s)", lock.p);
		else
			mfm_err_sys(err, "%s", lock.p);
	} else {
		st->path = mfm_xstrdup(path);
		st->tool = mfm_xstrdup(tool);
		st->version = version;
		rc = 0;
	}
	mfm_buf_release(&lock);
	if (rc != 0)
		state_free(st);
	return rc;
}

/* All n bytes at off, or an error: a short file is a truncated one. */
static int
read_at(int fd, char *p, size_t n, uint64_t off, struct mfm_err *err)
{
	ssize_t r;

	while (n > 0) {
		r = pread(fd, p, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return mfm_err_sys(err, "%s", "");
		if (r == 0)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "corrupt state file: truncated");
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

/*
 * Check the open state file whole, a piece at a time: header, trailer,
 * then the body's length and checksum; *off and *len give the body.
 */
static int
check_file(struct mfm_state *st, uint64_t size, uint64_t *off,
    uint64_t *len, struct mfm_err *err)
{
	char *chunk = mfm_xmalloc(CHUNK);
	size_t hlen, tlen, blen, n;
	uint64_t avail, tn, at, sum, h = FNV_INIT;
	int rc = -1;

	if (size == 0) {
		mfm_err_set(err, MFM_ERR_DATA,
		    "empty file, not an mfm state file");
		goto out;
	}
	n = size > HEAD_MAX ? HEAD_MAX : (size_t)size;
	if (read_at(st->fd, chunk, n, 0, err) != 0 ||
	    parse_head(chunk, n, st->tool, st->version, &hlen, err) != 0)
		goto out;
	avail = size - hlen;
	tn = avail > TAIL_MAX + 1 ? TAIL_MAX + 1 : avail;
	if (read_at(st->fd, chunk, (size_t)tn, size - tn, err) != 0 ||
	    parse_tail(chunk, (size_t)tn, (size_t)avail, &tlen, &blen, &sum,
	    err) != 0)
		goto out;
	*off = hlen;
	*len = avail - tlen;
	for (at = 0; at < *len; at += n) {
		n = *len - at > CHUNK ? CHUNK : (size_t)(*len - at);
		if (read_at(st->fd, chunk, n, *off + at, err) != 0)
			goto out;
		h = fnv1a(h, chunk, n);
	}
	rc = check_body((size_t)*len, h, blen, sum, err);
out:
	free(chunk);
	return rc;
}

int
mfm_state_read(struct mfm_state *st, size_t max_line, int *found,
    struct mfm_err *err)
{
	struct stat sb;
	uint64_t off, len;

	*found = 0;
	st->fd = open(st->path, O_RDONLY | O_CLOEXEC);
	if (st->fd < 0) {
		if (errno == ENOENT)
			return 0;
		return mfm_err_sys(err, "%s", "");
	}
	if (fstat(st->fd, &sb) != 0)
		return mfm_err_sys(err, "%s", "");
	if (!S_ISREG(sb.st_mode))
		return mfm_err_set(err, MFM_ERR_DATA, "not a regular file");
	if (check_file(st, (uint64_t)sb.st_size, &off, &len, err) != 0)
		return -1;
	st->pos = off;
	st->end = off + len;
	st->lineno = 1;
	st->max_line = max_line ? max_line : MFM_IO_MAX_LINE_DEFAULT;
	*found = 1;
	return 0;
}

enum mfm_io_status
mfm_state_next(struct mfm_state *st, struct mfm_err *err)
{
	char *nl;
	size_t n;

	st->line = NULL;
	st->len = 0;
	if (st->fd < 0)
		return MFM_IO_EOF;
	for (;;) {
		nl = st->fill > st->start ? memchr(st->buf + st->start, '\n',
		    st->fill - st->start) : NULL;
		if (nl != NULL)
			break;
		if (st->pos == st->end) {
			/* The body ends with a newline: it was checked. */
			close(st->fd);
			st->fd = -1;
			return MFM_IO_EOF;
		}
		if (st->start > 0) {
			memmove(st->buf, st->buf + st->start,
			    st->fill - st->start);
			st->fill -= st->start;
			st->start = 0;
		}
		if (st->fill + 1 >= st->cap) {
			n = st->cap < CHUNK ? CHUNK : st->cap * 2;
			if (n > st->max_line + 2)
				n = st->max_line + 2;
			if (n <= st->cap) {
				mfm_err_set(err, MFM_ERR_LIMIT, "line %zu "
				    "longer than %zu bytes", st->lineno + 1,
				    st->max_line);
				err->line = st->lineno + 1;
				return MFM_IO_BAD;
			}
			st->buf = mfm_xrealloc(st->buf, n);
			st->cap = n;
		}
		n = st->cap - 1 - st->fill;
		if (n > st->end - st->pos)
			n = (size_t)(st->end - st->pos);
		if (read_at(st->fd, st->buf + st->fill, n, st->pos, err) != 0)
			return MFM_IO_ERROR;
		st->fill += n;
		st->pos += n;
	}
	st->lineno++;
	st->line = st->buf + st->start;
	st->len = (size_t)(nl - st->line);
	*nl = '\0';
	st->start += st->len + 1;
	if (st->len > st->max_line) {
		mfm_err_set(err, MFM_ERR_LIMIT, "line %zu longer than %zu "
		    "bytes", st->lineno, st->max_line);
		err->line = st->lineno;
		return MFM_IO_BAD;
	}
	return MFM_IO_LINE;
}

int
mfm_state_open(struct mfm_state *st, const char *path, const char *tool,
    unsigned version, struct mfm_buf *body, int *found, struct mfm_err *err)
{
	struct stat sb;
	size_t n;

	*found = 0;
	if (mfm_state_lock(st, path, tool, version, err) != 0)
		return -1;
	/* Held whole in memory: refuse a file over the cap before reading. */
	if (stat(path, &sb) == 0 &&
	    (uintmax_t)sb.st_size > MFM_STATE_MAX_SIZE) {
		mfm_err_set(err, MFM_ERR_LIMIT, "state file over %u bytes",
		    MFM_STATE_MAX_SIZE);
		goto fail;
	}
	if (mfm_state_read(st, MFM_STATE_MAX_SIZE, found, err) != 0)
		goto fail;
	if (*found) {
		n = (size_t)(st->end - st->pos);
		mfm_buf_grow(body, n + 1);
		if (read_at(st->fd, body->p + body->len, n, st->pos,
		    err) != 0)
			goto fail;
		body->len += n;
		body->p[body->len] = '\0';
		close(st->fd);
		st->fd = -1;
	}
	return 0;
fail:
	*found = 0;
	state_free(st);
	return -1;
}

int
mfm_state_write(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* fsync the directory that holds path: a rename is durable only then. */
static int
sync_dir(const char *path, struct mfm_err *err)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, rc = 0;

	if (slash == path)
		dir = mfm_xstrdup("/");
	else if (slash != NULL)
		dir = mfm_xmemdup(path, (size_t)(slash - path));
	else
		dir = mfm_xstrdup(".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		rc = mfm_err_sys(err, "%s", dir);
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

int
mfm_state_publish(int fd, const char *tmp, const char *path,
    struct mfm_err *err)
{
	if (fsync(fd) != 0) {
		mfm_err_sys(err, "%s", tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) != 0) {
		mfm_err_sys(err, "%s", tmp);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		mfm_err_sys(err, "%s", path);
		unlink(tmp);
		return -1;
	}
	return sync_dir(path, err);
}

int
mfm_state_replace(const char *path, const void *p, size_t n, unsigned mode,
    struct mfm_err *err)
{
	struct mfm_buf tmp = MFM_BUF_INIT;
	int fd, rc = -1;

	/*
	 * One fixed name: the caller holds the lock, and a temporary file
	 * left by a killed run is simply overwritten.
	 */
	mfm_buf_addf(&tmp, "%s.tmp", path);
	fd = open(tmp.p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    (mode_t)mode);
	if (fd < 0) {
		mfm_err_sys(err, "%s", tmp.p);
	} else if (mfm_state_write(fd, p, n) != 0) {
		mfm_err_sys(err, "%s", tmp.p);
		close(fd);
		unlink(tmp.p);
	} else {
		rc = mfm_state_publish(fd, tmp.p, path, err);
	}
	mfm_buf_release(&tmp);
	return rc;
}

int
mfm_state_begin(struct mfm_state *st, struct mfm_err *err)
{
	struct mfm_buf b = MFM_BUF_INIT;
	int rc = 0;

	/*
	 * One fixed name: the caller holds the lock, and a temporary file
	 * left by a killed run is simply overwritten.
	 */
	mfm_buf_addf(&b, "%s.tmp", st->path);
	st->wfd = open(b.p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (st->wfd < 0) {
		rc = mfm_err_sys(err, "%s", b.p);
	} else {
		mfm_buf_clear(&b);
		mfm_buf_addf(&b, MAGIC "%s %u\n", st->tool, st->version);
		if (mfm_state_write(st->wfd, b.p, b.len) != 0) {
			mfm_buf_clear(&b);
			mfm_buf_addf(&b, "%s.tmp", st->path);
			rc = mfm_err_sys(err, "%s", b.p);
			close(st->wfd);
			st->wfd = -1;
			unlink(b.p);
		}
	}
	st->wlen = 0;
	st->wsum = FNV_INIT;
	mfm_buf_release(&b);
	return rc;
}

/* A failed write: the temporary file goes, the old state stands. */
static int
write_failed(struct mfm_state *st, struct mfm_err *err)
{
	struct mfm_buf tmp = MFM_BUF_INIT;

	mfm_buf_addf(&tmp, "%s.tmp", st->path);
	mfm_err_sys(err, "%s", tmp.p);
	close(st->wfd);
	st->wfd = -1;
	unlink(tmp.p);
	mfm_buf_release(&tmp);
	return -1;
}

int
mfm_state_add(struct mfm_state *st, const void *p, size_t n,
    struct mfm_err *err)
{
	if (mfm_state_write(st->wfd, p, n) != 0)
		return write_failed(st, err);
	st->wlen += n;
	st->wsum = fnv1a(st->wsum, p, n);
	if (n > 0)
		st->wlast = ((const char *)p)[n - 1];
	return 0;
}

int
mfm_state_commit(struct mfm_state *st, struct mfm_err *err)
{
	struct mfm_buf b = MFM_BUF_INIT;
	int fd, rc;

	/* The trailer on a line of its own, or the file would not read. */
	if (st->wlen > 0 && st->wlast != '\n' &&
	    mfm_state_add(st, "\n", 1, err) != 0)
		return -1;
	mfm_buf_addf(&b, END "%zu %016" PRIx64 "\n", st->wlen, st->wsum);
	rc = mfm_state_write(st->wfd, b.p, b.len);
	mfm_buf_clear(&b);
	if (rc != 0) {
		mfm_buf_release(&b);
		return write_failed(st, err);
	}
	mfm_buf_addf(&b, "%s.tmp", st->path);
	fd = st->wfd;
	st->wfd = -1;
	rc = mfm_state_publish(fd, b.p, st->path, err);
	mfm_buf_release(&b);
	return rc;
}

int
mfm_state_save(struct mfm_state *st, const void *body, size_t len,
    struct mfm_err *err)
{
	if (mfm_state_begin(st, err) != 0 ||
	    mfm_state_add(st, body, len, err) != 0)
		return -1;
	return mfm_state_commit(st, err);
}

void
mfm_state_init(struct mfm_state *st)
{
	memset(st, 0, sizeof(*st));
	st->lockfd = st->fd = st->wfd = -1;
}

void
mfm_state_close(struct mfm_state *st)
{
	if (st == NULL)
		return;
	state_free(st);
}
