/*
 * libFuzzer target for the size parser of --max-line and the like
 * (make fuzz): mfm_opt_scan_size against a plain model of what it
 * promises: decimal digits, then k, K, M or G (powers of 1024) or
 * nothing, a value above 0 and at most SIZE_MAX / 2; anything else is
 * refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/opt.h"
#include "tests/fuzz/fuzz.h"

/* The model: -1, or 0 with *out. */
static int
model(const char *s, size_t *out)
{
	unsigned __int128 v = 0;
	unsigned shift = 0;
	size_t i = 0;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v > ((unsigned __int128)1 << 80))
			return -1;	/* far beyond any size */
	}
	if (s[i] == 'k' || s[i] == 'K')
		shift = 10, i++;
	else if (s[i] == 'M')
		shift = 20, i++;
	else if (s[i] == 'G')
		shift = 30, i++;
	if (s[i] != '\0' || v == 0)
		return -1;
	v <<= shift;
	if (v > SIZE_MAX / 2)
		return -1;
	*out = (size_t)v;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t got = 0, want = 0;
	char *s;
	int rc;

	if (size > 64)
		return 0;
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	rc = mfm_opt_scan_size(s, &got);
	check(rc == model(s, &want));
	if (rc == 0)
		check(got == want);
	free(s);
	return 0;
}
