/*
 * bench-json: how fast the tokenizer reads a prediction log.
 *
 *   bench-json [-c] [-r reps] [-a path] [-b path] file.ndjson
 *
 * The file is read into memory and split into lines once; each '\n'
 * becomes the NUL the line reader provides after every line.  Then, best
 * of `reps` passes each:
 *
 *   memchr   finding the newlines only: the upper bound of any reader
 *   parse    mfm_json_parse() of every line (validating, tokens built)
 *   fields   parse, then two fields by path: a string (-a, default "id")
 *            and a double (-b, default "outputs.probability_churn"),
 *            the work of a typical tool on each record
 *
 * Figures are MB/s of input (10^6 bytes), lines included with their
 * newline.  Time is wall-clock time, or with -c the CPU time of the
 * thread, which is steadier on a machine busy with other work.
 * Generate input with build/bench-gen (tests/bench/gen_logs.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/json.h"

struct line {
	const char *p;
	size_t len;
};

static clockid_t clock_id = CLOCK_MONOTONIC;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(clock_id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
slurp(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t cap = 0, len = 0, n;

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	for (;;) {
		if (cap - len < (1 << 20)) {
			cap = cap ? cap * 2 : (64 << 20);
			p = mfm_xrealloc(p, cap + 1);
		}
		n = fread(p + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		perror(path);
		exit(2);
	}
	fclose(f);
	p[len] = '\0';
	*lenp = len;
	return p;
}

int
main(int argc, char **argv)
{
	const char *apath = "id", *bpath = "outputs.probability_churn";
	struct mfm_json_path pa, pb;
	struct mfm_json j;
	struct mfm_err err;
	struct line *lines = NULL;
	size_t nlines = 0, cap = 0, size, i, bad, slen, sum_len, nscan = 0;
	double best_scan = 1e9, best_parse = 1e9, best_fields = 1e9, t, d;
	double sum = 0;
	int reps = 5, r, c, ta, tb;
	char *data, *p, *e, *nl;
	const char *s;

	while ((c = getopt(argc, argv, "cr:a:b:")) != -1) {
		switch (c) {
		case 'c':
			clock_id = CLOCK_THREAD_CPUTIME_ID;
			break;
		case 'r':
			reps = (int)strtol(optarg, NULL, 10);
			break;
		case 'a':
			apath = optarg;
			break;
		case 'b':
			bpath = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind + 1 != argc || reps < 1)
		goto usage;
	if (mfm_json_path_parse(&pa, apath, &err) == -1 ||
	    mfm_json_path_parse(&pb, bpath, &err) == -1) {
		fprintf(stderr, "bench-json: %s\n", err.msg);
		return 2;
	}
	data = slurp(argv[optind], &size);

	/* memchr: the newline scan alone (the data is still intact). */
	for (r = 0; r < reps; r++) {
		size_t n = 0;

		t = now();
		for (p = data, e = data + size; p < e; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(e - p));
			if (nl == NULL)
				nl = e;
			n++;
		}
		t = now() - t;
		if (t < best_scan)
			best_scan = t;
		nscan = n;
	}

	/* Split once, as the line reader would: '\n' becomes NUL. */
	nlines = 0;
	for (p = data, e = data + size; p < e; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(e - p));
		if (nl == NULL)
			nl = e;
		*nl = '\0';
		if (nlines == cap) {
			cap = cap ? cap * 2 : 1024;
			lines = mfm_xreallocarray(lines, cap, sizeof(*lines));
		}
		lines[nlines].p = p;
		lines[nlines].len = (size_t)(nl - p);
		if (nl > p && nl[-1] == '\r') {
			nl[-1] = '\0';
			lines[nlines].len--;
		}
		nlines++;
	}

	mfm_json_init(&j);
	for (r = 0; r < reps; r++) {
		bad = 0;
		t = now();
		for (i = 0; i < nlines; i++)
			bad += mfm_json_parse(&j, lines[i].p, lines[i].len,
			    &err) != 0;
		t = now() - t;
		if (t < best_parse)
			best_parse = t;
	}

	for (r = 0; r < reps; r++) {
		bad = 0;
		sum = 0;
		sum_len = 0;
		t = now();
		for (i = 0; i < nlines; i++) {
			if (mfm_json_parse(&j, lines[i].p, lines[i].len,
			    &err) != 0) {
				bad++;
				continue;
			}
			ta = mfm_json_get(&j, 0, &pa);
			tb = mfm_json_get(&j, 0, &pb);
			s = mfm_json_str(&j, ta, &slen, NULL);
			if (s != NULL)
				sum_len += slen;
			if (mfm_json_double(&j, tb, &d) == 0)
				sum += d;
		}
		t = now() - t;
		if (t < best_fields)
			best_fields = t;
	}
	printf("%zu lines, %.1f MB, best of %d, %s time\n", nlines,
	    size / 1e6, reps, clock_id == CLOCK_MONOTONIC ? "wall" : "CPU");
	printf("memchr  %8.0f MB/s  (newline scan only: upper bound)\n",
	    size / 1e6 / best_scan);
	printf("parse   %8.0f MB/s  (validate and tokenize)\n",
	    size / 1e6 / best_parse);
	printf("fields  %8.0f MB/s  (parse, get '%s' as string and '%s' "
	    "as double)\n", size / 1e6 / best_fields, apath, bpath);
	printf("%zu bad lines; checksum %.6f %zu\n", bad, sum, sum_len);
	if (nscan != nlines)
		printf("line counts differ: %zu %zu\n", nscan, nlines);
	mfm_json_release(&j);
	mfm_json_path_release(&pa);
	mfm_json_path_release(&pb);
	free(lines);
	free(data);
	return 0;
usage:
	fprintf(stderr, "usage: bench-json [-c] [-r reps] [-a path] "
	    "[-b path] file.ndjson\n");
	return 2;
}
