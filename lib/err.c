/*
 * Error structure helpers; see err.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/err.h"
#include "lib/banned.h"

static int
vset(struct mfm_err *err, enum mfm_err_kind kind, enum mfm_err_cap cap,
    const char *fmt, va_list ap)
{
	if (err == NULL)
		return -1;
	err->kind = kind;
	err->cap = cap;
	err->sys = 0;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return -1;
}

int
mfm_err_set(struct mfm_err *err, enum mfm_err_kind kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, kind, MFM_CAP_NONE, fmt, ap);
	va_end(ap);
	return -1;
}

int
mfm_err_limit(struct mfm_err *err, enum mfm_err_cap cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, MFM_ERR_LIMIT, cap, fmt, ap);
	va_end(ap);
	return -1;
}

int
mfm_err_sys(struct mfm_err *err, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;
	size_t n;

	if (err == NULL)
		return -1;
	err->kind = MFM_ERR_SYS;
	err->cap = MFM_CAP_NONE;
	err->sys = saved;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	if (n > 0 && n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %s",
		    strerror(saved));
	else if (n == 0)
		snprintf(err->msg, sizeof(err->msg), "%s", strerror(saved));
	errno = saved;
	return -1;
}

void
mfm_err_clear(struct mfm_err *err)
{
	/* Called per record: the message buffer needs only its first byte. */
	if (err == NULL)
		return;
	err->kind = MFM_ERR_NONE;
	err->cap = MFM_CAP_NONE;
	err->sys = 0;
	err->line = 0;
	err->col = 0;
	err->msg[0] = '\0';
}

const char *
mfm_err_quote(char *dst, size_t size, const char *s, size_t n, size_t max)
{
	size_t i, k, cut = n;

	if (cut > max) {
		cut = max;
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
	}
	for (i = 0, k = 0; i < cut && k + 4 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[k++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (cut < n && k + 4 < size) {
		memcpy(dst + k, "...", 3);
		k += 3;
	}
	dst[k] = '\0';
	return dst;
}

const char *
mfm_err_count(char *dst, unsigned long long v)
{
	char digits[24];
	int n, i, k = 0;

	n = snprintf(digits, sizeof(digits), "%llu", v);
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			dst[k++] = ',';
		dst[k++] = digits[i];
	}
	dst[k] = '\0';
	return dst;
}
