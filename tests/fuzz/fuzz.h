/*
 * What the fuzz targets share: check(), which aborts so that libFuzzer
 * reports the input, and a scratch directory for targets that read
 * files, in /dev/shm when it can (files are written for every input),
 * removed with what it holds when the run ends.
 */
#ifndef MFM_FUZZ_H
#define MFM_FUZZ_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void
check(int cond)
{
	if (!cond)
		abort();
}

static char fuzz_dir[200];

static inline void
fuzz_rmdir(void)
{
	char path[512];
	struct dirent *e;
	DIR *d = opendir(fuzz_dir);

	while (d != NULL && (e = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_dir, e->d_name);
		(void)unlink(path);
	}
	if (d != NULL)
		closedir(d);
	(void)rmdir(fuzz_dir);
}

/* The scratch directory, made on the first call. */
static inline const char *
fuzz_tmpdir(const char *name)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" :
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";

	if (fuzz_dir[0] != '\0')
		return fuzz_dir;
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/fuzz-%s.XXXXXX", base, name);
	check(mkdtemp(fuzz_dir) != NULL);
	atexit(fuzz_rmdir);
	return fuzz_dir;
}

#endif
