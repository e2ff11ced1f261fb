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

static uint64_t
fnv1a(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ s[i]) * UINT64_C(0x100000001b3);
	return h;
}

void
mfm_state_format(struct mfm_buf *out, const char *tool, unsigned version,
    const void *body, size_t len)
{
	mfm_buf_addf(out, MAGIC "%s %u\n", tool, version);
	mfm_buf_add(out, body, len);
	mfm_buf_addf(out, END "%zu %016" PRIx64 "\n", len, fnv1a(body, len));
}

int
mfm_state_parse(const char *text, size_t n, const char *tool,
    unsigned version, size_t *off, size_t *len, struct mfm_err *err)
{
	const char *nl, *p, *end;
	char head[160], tail[80];
	size_t hlen, tlen, blen;
	unsigned long v;
	uint64_t sum;
	int k;

	nl = memchr(text, '\n', n);
	if (n < sizeof(MAGIC) - 1 || memcmp(text, MAGIC, sizeof(MAGIC) - 1) ||
	    nl == NULL)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "not an mfm state file");
	hlen = (size_t)(nl - text);
	p = text + sizeof(MAGIC) - 1;
	if (hlen >= sizeof(head))
		return mfm_err_set(err, MFM_ERR_DATA,
		    "not an mfm state file");
	snprintf(head, sizeof(head), "%s %u", tool, version);
	if ((size_t)(nl - p) != strlen(head) || memcmp(p, head, nl - p)) {
		size_t tl = strcspn(p, " \n");

		if (tl != strlen(tool) || memcmp(p, tool, tl) != 0)
			return mfm_err_set(err, MFM_ERR_DATA,
			    "state file of %.*s, not of %s",
			    (int)(tl > 32 ? 32 : tl), p, tool);
		v = strtoul(p + tl, NULL, 10);
		return mfm_err_set(err, MFM_ERR_DATA,
		    "state format version %lu; this %s reads version %u", v,
		    tool, version);
	}
	/* The trailer: the last line, which must end the file. */
	if (n < hlen + 2 || text[n - 1] != '\n')
		return mfm_err_set(err, MFM_ERR_DATA,
		    "corrupt state file: truncated");
	end = text + n - 1;
	for (p = end; p > nl && p[-1] != '\n'; p--)
		continue;
	tlen = (size_t)(end - p);
	if (p <= nl || tlen >= sizeof(tail) ||
	    memcmp(p, END, sizeof(END) - 1) != 0)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "corrupt state file: truncated");
	memcpy(tail, p, tlen);
	tail[tlen] = '\0';
	k = -1;
	if (sscanf(tail + sizeof(END) - 1, "%zu %16" SCNx64 "%n", &blen,
	    &sum, &k) != 2 || k < 0 || tail[sizeof(END) - 1 + k] != '\0')
		return mfm_err_set(err, MFM_ERR_DATA,
		    "corrupt state file: bad trailer");
	*off = hlen + 1;
	*len = (size_t)(p - (nl + 1));
	if (blen != *len)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "corrupt state file: %zu bytes of body, trailer says %zu",
		    *len, blen);
	if (fnv1a(text + *off, *len) != sum)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "corrupt state file: checksum mismatch");
	return 0;
}

static void
state_free(struct mfm_state *st)
{
	if (st->lockfd >= 0)
		close(st->lockfd);	/* drops the flock */
	free(st->path);
	free(st->tool);
	st->path = st->tool = NULL;
	st->lockfd = -1;
}

int
mfm_state_open(struct mfm_state *st, const char *path, const char *tool,
    unsigned version, struct mfm_buf *body, int *found, struct mfm_err *err)
{
	struct mfm_buf lock = MFM_BUF_INIT, text = MFM_BUF_INIT;
	struct stat sb;
	size_t off, len;
	ssize_t r;
	int fd = -1;

	memset(st, 0, sizeof(*st));
	st->lockfd = -1;
	*found = 0;
	mfm_buf_addf(&lock, "%s.lock", path);
	st->lockfd = open(lock.p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (st->lockfd < 0) {
		mfm_err_sys(err, "%s", lock.p);
		goto fail;
	}
	if (flock(st->lockfd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			mfm_err_set(err, MFM_ERR_SYS, "locked by another "
			    "process (%s)", lock.p);
		else
			mfm_err_sys(err, "%s", lock.p);
		goto fail;
	}
	st->path = mfm_xstrdup(path);
	st->tool = mfm_xstrdup(tool);
	st->version = version;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			mfm_buf_release(&lock);
			return 0;
		}
		mfm_err_sys(err, "%s", "");
		goto fail;
	}
	if (fstat(fd, &sb) != 0) {
		mfm_err_sys(err, "%s", "");
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		mfm_err_set(err, MFM_ERR_DATA, "not a regular file");
		goto fail;
	}
	if ((uintmax_t)sb.st_size > MFM_STATE_MAX_SIZE) {
		mfm_err_set(err, MFM_ERR_LIMIT, "state file over %u bytes",
		    MFM_STATE_MAX_SIZE);
		goto fail;
	}
	mfm_buf_grow(&text, (size_t)sb.st_size + 1);
	for (;;) {
		if (text.len == MFM_STATE_MAX_SIZE + 1) {
			mfm_err_set(err, MFM_ERR_LIMIT,
			    "state file over %u bytes", MFM_STATE_MAX_SIZE);
			goto fail;
		}
		mfm_buf_grow(&text, 4096);
		r = read(fd, text.p + text.len, text.cap - text.len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			mfm_err_sys(err, "%s", "");
			goto fail;
		}
		if (r == 0)
			break;
		text.len += (size_t)r;
		text.p[text.len] = '\0';
	}
	close(fd);
	fd = -1;
	if (text.len == 0) {
		mfm_err_set(err, MFM_ERR_DATA,
		    "empty file, not an mfm state file");
		goto fail;
	}
	if (mfm_state_parse(text.p, text.len, tool, version, &off, &len,
	    err) != 0)
		goto fail;
	mfm_buf_add(body, text.p + off, len);
	*found = 1;
	mfm_buf_release(&text);
	mfm_buf_release(&lock);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	mfm_buf_release(&text);
	mfm_buf_release(&lock);
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
mfm_state_save(struct mfm_state *st, const void *body, size_t len,
    struct mfm_err *err)
{
	struct mfm_buf text = MFM_BUF_INIT;
	int rc;

	mfm_state_format(&text, st->tool, st->version, body, len);
	rc = mfm_state_replace(st->path, text.p, text.len, 0600, err);
	mfm_buf_release(&text);
	return rc;
}

void
mfm_state_init(struct mfm_state *st)
{
	memset(st, 0, sizeof(*st));
	st->lockfd = -1;
}

void
mfm_state_close(struct mfm_state *st)
{
	if (st == NULL)
		return;
	state_free(st);
}
