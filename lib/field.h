/*
 * Typed reads of record fields: the glue between the JSON tokenizer and
 * the value types the tools use (times, numbers).  Errors name the field
 * path, as the record messages need: "field 'timestamp' is not a time".
 */
#ifndef MFM_FIELD_H
#define MFM_FIELD_H

#include <stdint.h>

#include "lib/err.h"
#include "lib/json.h"
#include "lib/tm.h"

/*
 * The instant at path p of the record: an RFC 3339 string or an epoch
 * number in unit.  Returns 1 with *us set, 0 when the field is missing or
 * null, -1 with err when it is present but not a time.
 */
int mfm_field_time(const struct mfm_json *j, const struct mfm_json_path *p,
    enum mfm_tm_unit unit, int64_t *us, struct mfm_err *err);

/* Parse a --time-unit value: s, ms, us, ns or auto.  -1 when unknown. */
int mfm_field_unit(const char *s, enum mfm_tm_unit *unit);

#endif
