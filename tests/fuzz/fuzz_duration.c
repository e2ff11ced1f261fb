/*
 * libFuzzer target for the duration parser (make fuzz): what
 * mfm_tm_parse_duration accepts is above 0 (or 0 when allowed), and
 * mfm_tm_format_duration writes it back as text that parses to the same
 * value; zero is accepted only when allowed; a refusal says why.  The
 * input is NUL-terminated, as an option or a configuration value is.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tm.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mfm_err err;
	char *s, out[32];
	int64_t us, us0, back;
	int rc, rc0;

	if (size > 256)
		return 0;
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	rc = mfm_tm_parse_duration(s, &us, 0, &err);
	if (rc != 0)
		check(err.msg[0] != '\0');
	rc0 = mfm_tm_parse_duration(s, &us0, 1, &err);
	if (rc0 != 0)
		check(err.msg[0] != '\0');
	/* Allowing zero changes the answer for zero only. */
	if (rc == 0) {
		check(us > 0);
		check(rc0 == 0 && us0 == us);
	} else if (rc0 == 0) {
		check(us0 == 0);
	}
	if (rc0 == 0) {
		check(us0 >= 0);
		mfm_tm_format_duration(us0, out);
		check(strlen(out) < sizeof(out));
		check(mfm_tm_parse_duration(out, &back, 1, &err) == 0);
		check(back == us0);
	}
	free(s);
	return 0;
}
