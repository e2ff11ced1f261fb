/*
 * Prometheus and OpenMetrics text: names, escapes, numbers; see prom.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/prom.h"
#include "lib/banned.h"

static int
name_char(unsigned char c, int first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return 1;
	return !first && c >= '0' && c <= '9';
}

static void
put_name(struct mfm_buf *b, const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !name_char((unsigned char)s[0], 1))
		mfm_buf_addc(b, '_');
	for (i = 0; i < n; i++)
		mfm_buf_addc(b, name_char((unsigned char)s[i], 0) ? s[i] : '_');
}

void
mfm_prom_metric_name(struct mfm_buf *b, const char *s, size_t n)
{
	put_name(b, s, n);
}

void
mfm_prom_label_name(struct mfm_buf *b, const char *s, size_t n)
{
	/* "__" names are Prometheus's own (__name__, __address__, ...). */
	if (n >= 2 && s[0] == '_' && s[1] == '_')
		mfm_buf_adds(b, "group");
	put_name(b, s, n);
}

int
mfm_prom_label_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || (n >= 2 && s[0] == '_' && s[1] == '_'))
		return 0;
	for (i = 0; i < n; i++)
		if (!name_char((unsigned char)s[i], i == 0))
			return 0;
	return 1;
}

void
mfm_prom_label_value(struct mfm_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\\')
			mfm_buf_adds(b, "\\\\");
		else if (s[i] == '"')
			mfm_buf_adds(b, "\\\"");
		else if (s[i] == '\n')
			mfm_buf_adds(b, "\\n");
		else
			mfm_buf_addc(b, s[i]);
	}
}

void
mfm_prom_help(struct mfm_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\\')
			mfm_buf_adds(b, "\\\\");
		else if (s[i] == '\n')
			mfm_buf_adds(b, "\\n");
		else
			mfm_buf_addc(b, s[i]);
	}
}

void
mfm_prom_value(struct mfm_buf *b, double v)
{
	mfm_json_put_double(b, v);
}

void
mfm_prom_timestamp(struct mfm_buf *b, enum mfm_prom_format f, int64_t us)
{
	int64_t ms = us / 1000 - (us % 1000 < 0);

	if (f == MFM_PROM_TEXT) {
		mfm_buf_addf(b, "%" PRId64, ms);
		return;
	}
	/* Seconds; the milliseconds as a fraction, written only if any. */
	if (ms % 1000 == 0)
		mfm_buf_addf(b, "%" PRId64, ms / 1000);
	else
		mfm_buf_addf(b, "%s%" PRId64 ".%03d", ms < 0 ? "-" : "",
		    (ms < 0 ? -ms : ms) / 1000, (int)((ms < 0 ? -ms : ms) %
		    1000));
}

const char *
mfm_prom_json_value(const struct mfm_json *j, int t, size_t *lenp,
    struct mfm_buf *tmp)
{
	if (mfm_json_type_of(j, t) == MFM_JSON_STRING)
		return mfm_json_str(j, t, lenp, tmp);
	return mfm_json_raw(j, t, lenp);
}
