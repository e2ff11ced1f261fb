/*
 * libFuzzer target for mfm-join's state body reader (make fuzz): the
 * lines of its --state file, after lib/state.c has checked the envelope.
 *
 * The first byte picks the join options (TTL, --keep, as-of direction,
 * tolerance, exact matches, a small pending cap); the rest is the body,
 * wrapped in a valid header and trailer so that every input reaches
 * mfm_join_load.  When it loads, its state is saved, loaded again into
 * a fresh join and saved again: the two saved files are byte for byte
 * the same, and draining the first join and the reloaded one decides the
 * same records in the same order (what a cron run after a reload does).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/join.h"
#include "lib/state.h"
#include "tests/fuzz/fuzz.h"

static char path[3][256];

static void
setup(void)
{
	int i;

	for (i = 0; i < 3; i++)
		snprintf(path[i], sizeof(path[i]), "%s/s%d",
		    fuzz_tmpdir("join"), i);
}

/* Decisions as text: kind, prediction, outcome. */
static void
log_event(void *arg, const struct mfm_join_event *ev)
{
	struct mfm_buf *b = arg;

	mfm_buf_addf(b, "%d %.*s %.*s %d %lld %d %lld\n", (int)ev->kind,
	    (int)ev->plen, ev->pred ? ev->pred : "", (int)ev->olen,
	    ev->out ? ev->out : "", ev->has_pt, (long long)ev->pt,
	    ev->has_ot, (long long)ev->ot);
}

static int
load(struct mfm_join *jn, const char *p, struct mfm_err *err)
{
	struct mfm_state st;
	int rc;

	check(mfm_state_lock(&st, p, "mfm-join", MFM_JOIN_STATE_VERSION,
	    err) == 0);
	rc = mfm_join_load(jn, &st, "x", 4096, NULL, err);
	mfm_state_close(&st);
	return rc;
}

static void
save(const struct mfm_join *jn, const char *p)
{
	struct mfm_state st;
	struct mfm_err err;

	check(mfm_state_lock(&st, p, "mfm-join", MFM_JOIN_STATE_VERSION,
	    &err) == 0);
	check(mfm_join_save(jn, &st, "x", NULL, &err) == 0);
	mfm_state_close(&st);
}

static void
slurp(const char *p, struct mfm_buf *b)
{
	char chunk[4096];
	ssize_t r;
	int fd = open(p, O_RDONLY);

	check(fd >= 0);
	while ((r = read(fd, chunk, sizeof(chunk))) > 0)
		mfm_buf_add(b, chunk, (size_t)r);
	check(r == 0);
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mfm_buf text = MFM_BUF_INIT, s1 = MFM_BUF_INIT;
	struct mfm_buf s2 = MFM_BUF_INIT, log1 = MFM_BUF_INIT;
	struct mfm_buf log2 = MFM_BUF_INIT;
	struct mfm_join_opts o;
	struct mfm_join jn, jn2;
	struct mfm_err err;
	int fd;

	if (path[0][0] == '\0')
		setup();
	if (size == 0 || size > 16384)
		return 0;
	mfm_join_opts_init(&o);
	o.ttl = data[0] & 1 ? 100 : 0;
	o.keep = (enum mfm_join_keep)((data[0] >> 1) % 3);
	o.dir = (enum mfm_join_dir)((data[0] >> 3) % 3);
	o.exact = (data[0] >> 5) & 1;
	o.tolerance = data[0] & 0x40 ? 50 : -1;
	o.max_pending = data[0] & 0x80 ? 3 : 0;
	mfm_state_format(&text, "mfm-join", MFM_JOIN_STATE_VERSION, data + 1,
	    size - 1);
	fd = open(path[0], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	check(fd >= 0 && write(fd, text.p, text.len) == (ssize_t)text.len);
	close(fd);

	mfm_join_init(&jn, &o, log_event, &log1);
	if (load(&jn, path[0], &err) != 0) {
		check(err.msg[0] != '\0');
		mfm_join_release(&jn);
		mfm_buf_release(&text);
		return 0;
	}
	save(&jn, path[1]);
	mfm_join_init(&jn2, &o, log_event, &log2);
	check(load(&jn2, path[1], &err) == 0);
	save(&jn2, path[2]);
	slurp(path[1], &s1);
	slurp(path[2], &s2);
	check(s1.len == s2.len && memcmp(s1.p, s2.p, s1.len) == 0);
	mfm_join_drain(&jn);
	mfm_join_drain(&jn2);
	check(log1.len == log2.len && (log1.len == 0 ||
	    memcmp(log1.p, log2.p, log1.len) == 0));
	mfm_join_release(&jn);
	mfm_join_release(&jn2);
	mfm_buf_release(&text);
	mfm_buf_release(&s1);
	mfm_buf_release(&s2);
	mfm_buf_release(&log1);
	mfm_buf_release(&log2);
	return 0;
}
