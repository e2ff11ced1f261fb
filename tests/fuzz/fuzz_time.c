/*
 * libFuzzer target for the timestamp parsers (make fuzz): RFC 3339
 * strings and epoch numbers as text, in every unit.
 *
 * An accepted RFC 3339 time lies in [MFM_TM_MIN, MFM_TM_MAX], formats as
 * 24 bytes of UTC with milliseconds, and that text parses back to the
 * instant floored to the millisecond.  An accepted epoch text is a JSON
 * number (leading zeros aside: the parser reads "0001" too, and only
 * ever gets JSON numbers), lies in range, and agrees with the same
 * number read as a
 * double and converted by mfm_tm_from_epoch to within the double's
 * precision.  Nothing is read outside the n bytes given (the input is
 * copied to a buffer of exactly its size, so ASan sees an overread).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/tm.h"
#include "tests/fuzz/fuzz.h"

static int64_t
floor_ms(int64_t us)
{
	int64_t r = us % 1000;

	return r < 0 ? us - r - 1000 : us - r;
}

static void
rfc3339(const char *s, size_t n)
{
	struct mfm_err err;
	char out[MFM_TM_RFC3339_LEN + 1];
	int64_t us, back;

	if (mfm_tm_parse_rfc3339(s, n, &us, &err) != 0) {
		check(err.kind == MFM_ERR_DATA && err.msg[0] != '\0');
		return;
	}
	check(us >= MFM_TM_MIN && us <= MFM_TM_MAX);
	check(mfm_tm_format_rfc3339(us, out) == MFM_TM_RFC3339_LEN);
	check(strlen(out) == MFM_TM_RFC3339_LEN && out[23] == 'Z');
	check(mfm_tm_parse_rfc3339(out, MFM_TM_RFC3339_LEN, &back,
	    &err) == 0);
	check(back == floor_ms(us));
}

static void
epoch(const char *s, size_t n)
{
	static const enum mfm_tm_unit units[] = {
		MFM_TM_AUTO, MFM_TM_S, MFM_TM_MS, MFM_TM_US, MFM_TM_NS
	};
	struct mfm_json j;
	struct mfm_err err;
	int64_t us, dus;
	double v, tol;
	char *z;
	size_t u, i, k, m;
	int isnum;

	z = malloc(n + 1);
	memcpy(z, s, n);
	z[n] = '\0';
	v = strtod(z, NULL);
	/* Leading zeros dropped, but one. */
	i = z[0] == '-';
	for (k = i; k + 1 < n && z[k] == '0' && z[k + 1] >= '0' &&
	    z[k + 1] <= '9'; k++)
		;
	memmove(z + i, z + k, n - k + 1);
	m = n - (k - i);
	mfm_json_init(&j);
	isnum = mfm_json_parse(&j, z, m, NULL) == 0 && j.ntok == 1 &&
	    j.tok[0].type == MFM_JSON_NUMBER && j.tok[0].start == 0 &&
	    j.tok[0].len == m;
	mfm_json_release(&j);
	free(z);
	for (u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		if (mfm_tm_parse_epoch(s, n, units[u], &us, &err) != 0)
			continue;
		check(isnum);
		check(us >= MFM_TM_MIN && us <= MFM_TM_MAX);
		if (units[u] == MFM_TM_AUTO)
			continue;	/* the double may fall in another unit */
		/*
		 * The double rounds: its error, at most 2^-52 of the value,
		 * plus the microsecond that flooring and rounding differ by.
		 */
		if (mfm_tm_from_epoch(v, units[u], &dus, &err) != 0)
			continue;	/* just past a boundary as a double */
		tol = fabs((double)us) * 0x1p-50 + 2;
		check(fabs((double)us - (double)dus) <= tol);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 256)
		return 0;
	s = malloc(size ? size : 1);
	memcpy(s, data, size);
	rfc3339(s, size);
	epoch(s, size);
	free(s);
	return 0;
}
