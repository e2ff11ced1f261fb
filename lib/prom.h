/*
 * The pieces of Prometheus's text exposition format (version 0.0.4) and
 * of OpenMetrics 1.0 text that mfm writes: metric and label names made
 * valid, label values and HELP texts escaped, numbers and timestamps.
 * Used by mfm-export(1) for its families and by mfm-alert(1) for the
 * labels of alerts it posts to an Alertmanager, so that a group becomes
 * the same labels in both places.
 *
 * Names: a metric or label name is [a-zA-Z_][a-zA-Z0-9_]*.  Every other
 * byte (a UTF-8 character's bytes one by one, '.', '-', ':' too, which
 * Prometheus keeps for recording rules) becomes '_', and a name that
 * would start with a digit or be empty gets a leading '_'.  Label names
 * starting with "__" are Prometheus's own: such a name gets the prefix
 * "group" in front ("__x" becomes "group__x").
 *
 * Label values are any UTF-8; a backslash, a double quote and a line
 * feed are written \\, \" and \n, as both formats require.  A HELP text
 * escapes the backslash and the line feed.
 */
#ifndef MFM_PROM_H
#define MFM_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/json.h"

enum mfm_prom_format {
	MFM_PROM_TEXT = 0,		/* text/plain; version=0.0.4 */
	MFM_PROM_OPENMETRICS		/* application/openmetrics-text 1.0.0 */
};

#define MFM_PROM_TEXT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define MFM_PROM_OPENMETRICS_TYPE \
	"application/openmetrics-text; version=1.0.0; charset=utf-8"

/* Append s[0..n) as a valid metric name (see above). */
void mfm_prom_metric_name(struct mfm_buf *b, const char *s, size_t n);
/* Append s[0..n) as a valid label name, not one of Prometheus's own. */
void mfm_prom_label_name(struct mfm_buf *b, const char *s, size_t n);
/* Whether s[0..n) is already a valid label name of the user's. */
int mfm_prom_label_name_ok(const char *s, size_t n);
/* Append s[0..n) escaped as a label value (without the quotes). */
void mfm_prom_label_value(struct mfm_buf *b, const char *s, size_t n);
/* Append s[0..n) escaped as a HELP text. */
void mfm_prom_help(struct mfm_buf *b, const char *s, size_t n);
/* Append a sample value: shortest round-trip form, as JSON writes it. */
void mfm_prom_value(struct mfm_buf *b, double v);
/*
 * Append a sample timestamp for us microseconds since the epoch:
 * milliseconds, an integer, in the text format; seconds, with the
 * milliseconds as a fraction, in OpenMetrics.
 */
void mfm_prom_timestamp(struct mfm_buf *b, enum mfm_prom_format f,
    int64_t us);

/*
 * The value of a JSON token as a label value: a string's text, any
 * other value its JSON text (1, true, null, {"a":1}); tmp is scratch.
 * *lenp is set; the pointer is valid while j and tmp are.
 */
const char *mfm_prom_json_value(const struct mfm_json *j, int t,
    size_t *lenp, struct mfm_buf *tmp);

#endif
