/*
 * libFuzzer target for the state-file reader of lib/state.c (make
 * fuzz), which every state file of mfm goes through.
 *
 * The first byte picks what the rest is: a whole file (to fuzz the
 * header and the trailer), or a body that is wrapped in a valid header
 * and trailer (to reach the line reader).  Either way the file is read
 * three ways that must agree: mfm_state_parse in memory, mfm_state_open
 * (the whole body), and mfm_state_read with mfm_state_next (a line at a
 * time, as mfm-join reads): all accept or all refuse, and give the same
 * body.  A wrapped body always reads back as it was (with a newline at
 * its end if it had none).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/state.h"
#include "tests/fuzz/fuzz.h"

static char path[256];

static void
put_file(const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	check(fd >= 0);
	check(write(fd, p, n) == (ssize_t)n);
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mfm_buf text = MFM_BUF_INIT, whole = MFM_BUF_INIT;
	struct mfm_buf lines = MFM_BUF_INIT;
	struct mfm_state st;
	struct mfm_err err;
	enum mfm_io_status rs;
	size_t off = 0, len = 0;
	int ok, found, rc;

	if (path[0] == '\0')
		snprintf(path, sizeof(path), "%s/s", fuzz_tmpdir("state"));
	if (size == 0 || size > 65536)
		return 0;
	if (data[0] & 1)
		mfm_state_format(&text, "mfm-x", 1, data + 1, size - 1);
	else
		mfm_buf_add(&text, data + 1, size - 1);
	mfm_buf_addc(&text, '\0');
	text.len--;
	ok = mfm_state_parse(text.p, text.len, "mfm-x", 1, &off, &len,
	    &err) == 0;
	if (data[0] & 1) {
		/* What was wrapped, with a last newline if it had none. */
		check(ok);
		check(memcmp(text.p + off, data + 1, size - 1) == 0);
		check(len == size - 1 || (len == size &&
		    text.p[off + len - 1] == '\n'));
	}
	if (!ok)
		check(err.msg[0] != '\0');
	put_file(text.p, text.len);

	/* The whole body. */
	rc = mfm_state_open(&st, path, "mfm-x", 1, &whole, &found, &err);
	check((rc == 0) == ok);
	if (ok) {
		check(found || text.len == 0);
		check(whole.len == len && (len == 0 ||
		    memcmp(whole.p, text.p + off, len) == 0));
	}
	mfm_state_close(&st);

	/* A line at a time. */
	check(mfm_state_lock(&st, path, "mfm-x", 1, &err) == 0);
	rc = mfm_state_read(&st, size + 1, &found, &err);
	check((rc == 0) == ok);
	if (rc == 0) {
		while ((rs = mfm_state_next(&st, &err)) == MFM_IO_LINE) {
			check(st.len == strlen(st.line) ||
			    memchr(st.line, '\0', st.len) != NULL);
			check(st.lineno >= 2);
			mfm_buf_add(&lines, st.line, st.len);
			mfm_buf_addc(&lines, '\n');
		}
		check(rs == MFM_IO_EOF);
		check(lines.len == len && (len == 0 ||
		    memcmp(lines.p, text.p + off, len) == 0));
	}
	mfm_state_close(&st);
	mfm_buf_release(&text);
	mfm_buf_release(&whole);
	mfm_buf_release(&lines);
	return 0;
}
