/*
 * libFuzzer target for mfm-threshold's state body reader (make fuzz):
 * mfm_track_load on the lines of its --state file, for a rule set with a
 * plain rule, one with hysteresis and "for", and one with a baseline of
 * the last 3 windows (whose series carry a history).
 *
 * The body is given as mfm_state_open gives it, followed by a NUL (the
 * JSON parser reads the byte after a line).  When it loads, the
 * series are dumped, loaded into a fresh tracker and dumped again: the
 * two dumps are the same, so a state read and saved by a run that saw
 * no record is the state it read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cfg.h"
#include "lib/rule.h"
#include "lib/track.h"
#include "tests/fuzz/fuzz.h"

static struct mfm_rule_set rules;
static int ready;

static void
setup(void)
{
	static const char yaml[] =
	    "threshold:\n"
	    "  rules:\n"
	    "    - name: low\n"
	    "      expr: auc < 0.7\n"
	    "    - name: flap\n"
	    "      expr: auc < 0.8\n"
	    "      for: 2\n"
	    "      clear: 0.85\n"
	    "    - name: drop\n"
	    "      expr: auc < -0.05\n"
	    "      baseline: {last: 3}\n"
	    "      compare: change\n";
	const struct mfm_cfg_node *sec;
	struct mfm_cfg cfg;
	struct mfm_err err;

	check(mfm_cfg_load_mem(&cfg, "rules.yaml", yaml, sizeof(yaml) - 1,
	    &err) == 0);
	check(mfm_cfg_section(&cfg, "threshold", &sec, &err) == 0);
	mfm_rule_set_init(&rules);
	check(mfm_rule_set_add_cfg(&rules, mfm_cfg_get(sec, "rules"),
	    &err) == 0);
	mfm_cfg_release(&cfg);
	ready = 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mfm_track t, t2;
	struct mfm_buf d1 = MFM_BUF_INIT, d2 = MFM_BUF_INIT;
	struct mfm_err err;
	char *body;

	if (!ready)
		setup();
	if (size > 16384)
		return 0;
	body = malloc(size + 1);
	memcpy(body, data, size);
	body[size] = '\0';
	mfm_track_init(&t, &rules, 1000);
	if (mfm_track_load(&t, body, size, &err) == 0) {
		mfm_track_dump(&t, &d1);
		mfm_track_init(&t2, &rules, 1000);
		check(mfm_track_load(&t2, d1.p ? d1.p : "", d1.len,
		    &err) == 0);
		mfm_track_dump(&t2, &d2);
		check(d1.len == d2.len && (d1.len == 0 ||
		    memcmp(d1.p, d2.p, d1.len) == 0));
		mfm_track_release(&t2);
	} else {
		check(err.msg[0] != '\0' && err.line >= 1);
	}
	mfm_track_release(&t);
	free(body);
	mfm_buf_release(&d1);
	mfm_buf_release(&d2);
	return 0;
}
