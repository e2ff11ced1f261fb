/*
 * Time zones from the compiled IANA database (TZif files, RFC 8536),
 * read directly so that calendar windows never depend on the TZ
 * variable, localtime() or the C library's zone cache.
 *
 * A zone is a table of transitions (instants where the UTC offset
 * changes) and, for instants after the last one, the POSIX TZ rule of
 * the file's footer ("CET-1CEST,M3.5.0,M10.5.0/3").  Only version 2 and
 * later files are read (their 64-bit section); files with leap-second
 * records ("right/" zones) are refused, as mfm time has no leap seconds.
 */
#ifndef MFM_TZ_H
#define MFM_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* Where the compiled zones live (Debian package tzdata). */
#define MFM_TZ_DIR "/usr/share/zoneinfo"
/* A TZif file larger than this is not a zone file. */
#define MFM_TZ_MAX_FILE (1024 * 1024)

/* A day of the year in a POSIX TZ rule, and the local time of day. */
struct mfm_tz_date {
	char kind;		/* 'J' Julian 1-365, 'D' day 0-365, 'M' m.w.d */
	int day;		/* J and D */
	int m, w, d;		/* M: month 1-12, week 1-5, weekday 0-6 */
	int32_t secs;		/* seconds after local midnight, may be < 0 */
};

struct mfm_tz {
	size_t ntrans;
	int64_t *trans;		/* transition instants, us, increasing */
	int32_t *trans_off;	/* UTC offset in seconds from trans[i] on */
	int32_t off0;		/* offset before the first transition */
	int rule;		/* footer: 0 none, 1 fixed offset, 2 with DST */
	int32_t std_off, dst_off;	/* UTC offsets in seconds (east > 0) */
	struct mfm_tz_date start, end;	/* DST begins, ends */
};

void mfm_tz_init(struct mfm_tz *tz);
void mfm_tz_release(struct mfm_tz *tz);

/*
 * Parse the n bytes of a TZif file.  -1 (MFM_ERR_DATA) on anything
 * malformed, with a message such as "not a TZif file" or "bad footer
 * rule 'x'".
 */
int mfm_tz_parse(struct mfm_tz *tz, const void *data, size_t n,
    struct mfm_err *err);

/*
 * Parse a POSIX TZ rule such as "EST5EDT,M3.2.0,M11.1.0" into tz's
 * footer fields; an empty rule means none.  -1 (MFM_ERR_DATA) when bad.
 */
int mfm_tz_parse_rule(struct mfm_tz *tz, const char *s, size_t n,
    struct mfm_err *err);

/*
 * Load the zone name ("Europe/Paris", "UTC") from dir (MFM_TZ_DIR when
 * NULL).  The name must be relative, without "." or ".." parts, made of
 * letters, digits and "/_+-.".  Errors: MFM_ERR_USAGE for a bad or
 * unknown name ("unknown time zone 'x'"), MFM_ERR_DATA for a bad file.
 */
int mfm_tz_load(struct mfm_tz *tz, const char *dir, const char *name,
    struct mfm_err *err);

/*
 * The UTC offset in seconds at instant us, and in *until (if not NULL)
 * the next instant after us at which it may change (INT64_MAX when
 * never).
 */
int32_t mfm_tz_offset(const struct mfm_tz *tz, int64_t us, int64_t *until);

/*
 * The first instant at which the local clock reads local or later:
 * min { u : u + offset(u) >= local }.  When local time `local` exists
 * once, that is its instant; when it exists twice (clocks set back),
 * the earlier one; when it is skipped (clocks set forward), the instant
 * of the jump.  Non-decreasing in local, so consecutive local bounds
 * give windows that tile the time line.
 */
int64_t mfm_tz_utc(const struct mfm_tz *tz, int64_t local);

#endif
