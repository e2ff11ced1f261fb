/*
 * Functions mfm does not use, as git bans them: unbounded string writes,
 * silent number parsing, and time functions that read TZ or return static
 * storage.  Include this last in every .c file of lib/ and cmd/.
 */
#ifndef MFM_BANNED_H
#define MFM_BANNED_H

#define MFM_BANNED(func) sorry_##func##_is_banned_in_mfm

#undef sprintf
#define sprintf(...) MFM_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) MFM_BANNED(vsprintf)
#undef strcpy
#define strcpy(x, y) MFM_BANNED(strcpy)
#undef strcat
#define strcat(x, y) MFM_BANNED(strcat)
#undef strtok
#define strtok(x, y) MFM_BANNED(strtok)
#undef atoi
#define atoi(x) MFM_BANNED(atoi)
#undef atof
#define atof(x) MFM_BANNED(atof)
#undef gmtime
#define gmtime(x) MFM_BANNED(gmtime)
#undef localtime
#define localtime(x) MFM_BANNED(localtime)

#endif
