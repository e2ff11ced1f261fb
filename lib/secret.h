/*
 * The secrets of mfm-alert's receivers (webhook URLs, which usually
 * embed a token; routing keys, passwords, HMAC keys): read from the
 * environment or from a file only, never from argv or the configuration
 * itself, kept in the receiver's own strings, and never copied into a
 * message.  A URL is shown as scheme://host[:port]/… (recv->shown), and
 * every part of it, and every other secret, is remembered
 * (recv->secrets) so that a message from elsewhere (libcurl's error
 * text, an SMTP server's reply) can be scrubbed of them.  The names of
 * the environment variables read are kept too (recv->secret_env): a
 * command receiver's program does not inherit them.
 */
#ifndef MFM_SECRET_H
#define MFM_SECRET_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/receiver.h"

#define MFM_DELIVER_MAX_URL 8192		/* bytes, also of a url_file */
#define MFM_DELIVER_MAX_SECRET 4096	/* bytes of a key, password, ... */

/*
 * Set a webhook's URL from the environment variable var, or from the
 * first line of the file path.  Surrounding white space is dropped; the
 * URL must be http or https with a host, and no message ever quotes it.
 */
int mfm_deliver_url_env(struct mfm_deliver_recv *r, const char *var,
    struct mfm_err *err);
int mfm_deliver_url_file(struct mfm_deliver_recv *r, const char *path,
    struct mfm_err *err);
/*
 * Put path after r's URL (its trailing slashes dropped): Alertmanager's
 * /api/v2/alerts, a Pushgateway's /metrics/job/....  The whole is
 * checked again and kept as secret as the URL was.
 */
int mfm_deliver_url_append(struct mfm_deliver_recv *r, const char *path,
    struct mfm_err *err);
/*
 * Read a secret (routing key, password, HMAC key) from the environment
 * variable env or from the file path (its first line), whichever is not
 * NULL; *out is a new string the caller frees (after wiping it).  The
 * secret is also remembered in r so that messages are scrubbed of it.
 */
int mfm_deliver_secret(struct mfm_deliver_recv *r, const char *env,
    const char *path, char **out, struct mfm_err *err);
/* The same from a string, for the two above and for tests. */
int mfm_deliver_url_set(struct mfm_deliver_recv *r, const char *url,
    size_t len, const char *from, struct mfm_err *err);

/*
 * Sources.  The configuration (lib/alertcfg.h) and the command line only
 * say where a secret is: mfm_deliver_source_add keeps that r's secret
 * what is in the environment variable name (file 0) or the first line of
 * the file name (file 1), named at line:col of the configuration, or by
 * the option label (line 0; a static string, "--webhook-env").  Past
 * MFM_DELIVER_MAX_SOURCES it fails.
 *
 * mfm_deliver_read_secrets, called by mfm_deliver_start, reads the
 * secrets of every receiver of d into place: a URL as
 * mfm_deliver_url_env and _file read it, with Alertmanager's
 * /api/v2/alerts put after it; a key, a password, a login as
 * mfm_deliver_secret.  With d->check it reads none: it checks that
 * each variable is set and each file can be read, no more.  An error is
 * positioned where the configuration names the source (err->line,
 * err->col), or has the label in front.
 */
int mfm_deliver_source_add(struct mfm_deliver_recv *r,
    enum mfm_deliver_secret what, int file, const char *name, size_t line,
    size_t col, const char *label, struct mfm_err *err);
int mfm_deliver_read_secrets(struct mfm_deliver *d, struct mfm_err *err);

/* Replace every copy of r's secrets in msg (size bytes) with "…". */
void mfm_deliver_scrub(const struct mfm_deliver_recv *r, char *msg,
    size_t size);

#endif
