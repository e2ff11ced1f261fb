/*
 * libFuzzer target for mfm-alert's outbox reader (make fuzz): what
 * mfm_outbox_open reads back from a --state directory after a crash.
 *
 * The input is cut at its first two NUL bytes into outbox.ndjson (the
 * journal), sent.ndjson and dead.ndjson; a part that is not there is a
 * file that is not there.  When the directory opens, every pending entry
 * has an id below the next id to give, and closing (which compacts the
 * journal) then opening again gives the same pending entries: what a
 * run that sent nothing leaves is what it found.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/outbox.h"
#include "tests/fuzz/fuzz.h"

static const char *dir;

static void
put(const char *name, const uint8_t *p, size_t n, int present)
{
	char path[300];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	if (!present)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	check(fd >= 0);
	check(write(fd, p, n) == (ssize_t)n);
	close(fd);
}

/* The pending entries, as text to compare. */
static void
pending(const struct mfm_outbox *o, struct mfm_buf *b)
{
	size_t i;

	for (i = 0; i < o->n; i++) {
		check(o->e[i].id < o->next_id);
		mfm_buf_addf(b, "%llu %s %lld ",
		    (unsigned long long)o->e[i].id, o->e[i].receiver,
		    (long long)o->e[i].queued);
		mfm_buf_add(b, o->e[i].event, o->e[i].event_len);
		mfm_buf_addc(b, '\n');
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"outbox.ndjson", "sent.ndjson", "dead.ndjson"
	};
	struct mfm_buf b1 = MFM_BUF_INIT, b2 = MFM_BUF_INIT;
	struct mfm_outbox o;
	struct mfm_err err;
	const uint8_t *p = data, *end = data + size, *z;
	int i;

	if (dir == NULL)
		dir = fuzz_tmpdir("outbox");
	if (size > 16384)
		return 0;
	for (i = 0; i < 3; i++) {
		z = p != NULL ? memchr(p, '\0', (size_t)(end - p)) : NULL;
		put(names[i], p, p == NULL ? 0 : z != NULL ?
		    (size_t)(z - p) : (size_t)(end - p), p != NULL);
		p = z != NULL ? z + 1 : NULL;
	}
	mfm_outbox_init(&o);
	if (mfm_outbox_open(&o, dir, &err) != 0) {
		check(err.msg[0] != '\0');
		(void)mfm_outbox_close(&o, &err);
		return 0;
	}
	pending(&o, &b1);
	check(mfm_outbox_close(&o, &err) == 0);
	mfm_outbox_init(&o);
	check(mfm_outbox_open(&o, dir, &err) == 0);
	pending(&o, &b2);
	check(b1.len == b2.len && (b1.len == 0 ||
	    memcmp(b1.p, b2.p, b1.len) == 0));
	check(mfm_outbox_close(&o, &err) == 0);
	mfm_buf_release(&b1);
	mfm_buf_release(&b2);
	return 0;
}
