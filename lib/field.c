/*
 * Typed field reads; see field.h.
 */
#include <string.h>

#include "lib/field.h"
#include "lib/banned.h"

int
mfm_field_time(const struct mfm_json *j, const struct mfm_json_path *p,
    enum mfm_tm_unit unit, int64_t *us, struct mfm_err *err)
{
	int t = mfm_json_get(j, 0, p);
	struct mfm_buf tmp = MFM_BUF_INIT;
	struct mfm_err e;
	const char *s;
	size_t n;
	int rc;

	switch (mfm_json_type_of(j, t)) {
	case MFM_JSON_NONE:
	case MFM_JSON_NULL:
		return 0;
	case MFM_JSON_STRING:
		s = mfm_json_str(j, t, &n, &tmp);
		rc = mfm_tm_parse_rfc3339(s, n, us, &e);
		mfm_buf_release(&tmp);
		break;
	case MFM_JSON_NUMBER:
		/* From the text, exactly: a double would round nanoseconds. */
		s = mfm_json_raw(j, t, &n);
		rc = mfm_tm_parse_epoch(s, n, unit, us, &e);
		break;
	default:
		return mfm_err_set(err, MFM_ERR_DATA,
		    "field '%s' is not a time", p->text);
	}
	if (rc != 0)
		return mfm_err_set(err, MFM_ERR_DATA,
		    "field '%s' is not a time: %s", p->text, e.msg);
	return 1;
}

int
mfm_field_unit(const char *s, enum mfm_tm_unit *unit)
{
	static const struct {
		const char *name;
		enum mfm_tm_unit unit;
	} units[] = {
		{ "auto", MFM_TM_AUTO }, { "s", MFM_TM_S }, { "ms", MFM_TM_MS },
		{ "us", MFM_TM_US }, { "ns", MFM_TM_NS }
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(s, units[i].name) == 0) {
			*unit = units[i].unit;
			return 0;
		}
	return -1;
}
