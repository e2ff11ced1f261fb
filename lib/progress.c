/*
 * The progress line of long runs; see progress.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/progress.h"
#include "lib/banned.h"

static int64_t
monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
mfm_progress_init(struct mfm_progress *p, int fd, const char *prog,
    enum mfm_progress_mode mode, const uint64_t *records)
{
	struct winsize ws;
	int tty = isatty(fd);

	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->prog = prog;
	p->records = records;
	p->forced = mode == MFM_PROGRESS_ON;
	p->on = p->forced || (mode == MFM_PROGRESS_AUTO && tty);
	p->width = 80;
	if (tty && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		p->width = ws.ws_col;
	p->clock = monotonic;
	p->start = p->last = p->clock();
}

static struct mfm_progress_input *
find(struct mfm_progress *p, const void *key)
{
	size_t i;

	for (i = 0; i < MFM_PROGRESS_INPUTS; i++)
		if (p->in[i].key == key)
			return &p->in[i];
	return NULL;
}

void
mfm_progress_open(struct mfm_progress *p, const void *key, int fd,
    const char *name)
{
	struct mfm_progress_input *in;
	struct stat st;

	if (!p->on)
		return;
	if ((in = find(p, NULL)) == NULL) {
		p->unknown++;
		return;
	}
	memset(in, 0, sizeof(*in));
	in->key = key;
	in->name = name != NULL && strcmp(name, "-") != 0 ? name : NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		in->size = (uint64_t)st.st_size;
}

void
mfm_progress_skip(struct mfm_progress *p, const void *key, uint64_t off)
{
	struct mfm_progress_input *in;

	if (p->on && (in = find(p, key)) != NULL && in->size > 0)
		in->size = off < in->size ? in->size - off : 1;
}

/* Is the run big enough to show, or was the line asked for? */
static int
worth(const struct mfm_progress *p)
{
	uint64_t total = 0;
	size_t i;

	if (p->forced)
		return 1;
	for (i = 0; i < MFM_PROGRESS_INPUTS; i++)
		total += p->in[i].size;
	return total > MFM_PROGRESS_MIN_SIZE ||
	    p->bytes > MFM_PROGRESS_MIN_SIZE;
}

/* "123.4 MB", "512 kB", "900 B" (powers of 1000, as rates are). */
static void
size_text(char *out, size_t size, double v, const char *unit)
{
	if (v >= 1e9)
		snprintf(out, size, "%.2f G%s", v / 1e9, unit);
	else if (v >= 1e6)
		snprintf(out, size, "%.1f M%s", v / 1e6, unit);
	else if (v >= 1e3)
		snprintf(out, size, "%.0f k%s", v / 1e3, unit);
	else
		snprintf(out, size, "%.0f %s", v, unit);
}

/* 1234567 as "1,234,567". */
static void
count_text(char *out, size_t size, uint64_t v)
{
	char digits[32];
	size_t n, i, o = 0;

	n = (size_t)snprintf(digits, sizeof(digits), "%llu",
	    (unsigned long long)v);
	for (i = 0; i < n && o + 2 < size; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

size_t
mfm_progress_format(const struct mfm_progress *p, int64_t now, char *out,
    size_t size)
{
	char bytes[32], rate[32], recs[32], share[64] = "";
	uint64_t total = 0, done = 0;
	size_t i, open = 0, n;
	const char *name = NULL;
	int known = p->unknown == 0;
	double secs = (double)(now - p->start) / 1e6;

	for (i = 0; i < MFM_PROGRESS_INPUTS; i++) {
		if (p->in[i].key == NULL)
			continue;
		open++;
		name = p->in[i].name;
		if (p->in[i].size == 0)
			known = 0;
		total += p->in[i].size;
		done += p->in[i].done;
	}
	if (open == 1 && name != NULL)
		snprintf(share, sizeof(share), " %s", name);
	if (open > 0 && known && total > 0)
		snprintf(share + strlen(share), sizeof(share) - strlen(share),
		    " %3.0f%%", 100.0 * (double)(done < total ? done : total) /
		    (double)total);
	size_text(bytes, sizeof(bytes), (double)p->bytes, "B");
	count_text(recs, sizeof(recs), p->records ? *p->records : 0);
	if (secs >= 0.05)
		size_text(rate, sizeof(rate), (double)p->bytes / secs, "B/s");
	else
		snprintf(rate, sizeof(rate), "- B/s");
	n = (size_t)snprintf(out, size, "%s:%s  %s  %s records  %s", p->prog,
	    share, bytes, recs, rate);
	return n < size ? n : size - 1;
}

static void
put(const struct mfm_progress *p, const char *s, size_t n)
{
	ssize_t w;

	/* A progress line is worth no error of its own: drop what fails. */
	while (n > 0) {
		w = write(p->fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void
draw(struct mfm_progress *p, int64_t now)
{
	char line[256], text[200];
	size_t n, max = p->width > 1 ? p->width - 1 : 1;

	n = mfm_progress_format(p, now, text, sizeof(text));
	if (n > max)
		n = max;	/* one line: a wrapped one cannot be cleared */
	line[0] = '\r';
	memcpy(line + 1, text, n);
	memcpy(line + 1 + n, "\033[K", 3);
	put(p, line, n + 4);
	p->drawn = 1;
	p->last = now;
}

void
mfm_progress_read(struct mfm_progress *p, const void *key, size_t n)
{
	struct mfm_progress_input *in;
	int64_t now;

	if (!p->on)
		return;
	p->bytes += n;
	if ((in = find(p, key)) != NULL)
		in->done += n;
	if (!worth(p))
		return;
	now = p->clock();
	if (!p->drawn || now - p->last >= MFM_PROGRESS_INTERVAL)
		draw(p, now);
}

void
mfm_progress_close(struct mfm_progress *p, const void *key)
{
	struct mfm_progress_input *in;
	size_t i;

	if (!p->on)
		return;
	if ((in = find(p, key)) != NULL)
		memset(in, 0, sizeof(*in));
	else if (p->unknown > 0)
		p->unknown--;
	for (i = 0; i < MFM_PROGRESS_INPUTS; i++)
		if (p->in[i].key != NULL)
			return;
	mfm_progress_clear(p);
}

void
mfm_progress_clear(struct mfm_progress *p)
{
	if (!p->drawn)
		return;
	put(p, "\r\033[K", 4);
	p->drawn = 0;
}
