/*
 * Attempts and the waits between them, shared by mfm-alert's three
 * transports (HTTP, SMTP, a command): which failures are worth another
 * attempt, how long to wait before it (backoff doubled per attempt,
 * spread by jitter, or the server's Retry-After), and SIGPIPE ignored
 * around an attempt, so that a peer that hangs up is a failure to
 * report rather than the end of the run.
 */
#ifndef MFM_RETRY_H
#define MFM_RETRY_H

#include <signal.h>
#include <stdint.h>

#include "lib/receiver.h"

/*
 * Retry policy, public for tests.  mfm_deliver_retryable says whether an
 * attempt that ended with libcurl code `code` (CURLcode) and, when code
 * is 0, HTTP status `http`, is worth another try: connection errors,
 * timeouts, 429 and 5xx are; a TLS verification failure, a 2xx, 3xx or
 * another 4xx is not.  mfm_deliver_wait is the wait in microseconds
 * after attempt number `attempt` (1-based): backoff doubled per attempt,
 * or the server's Retry-After (seconds, 0 when absent) on 429 and 503,
 * either capped at max_backoff.
 */
int mfm_deliver_retryable(int code, long http);
int64_t mfm_deliver_wait(const struct mfm_deliver_recv *r, unsigned attempt,
    long http, int64_t retry_after);

/*
 * Wait after attempt number `attempt` to r, as mfm_deliver_wait says,
 * through d->sleep; spread by d->jitter (when set) unless the wait is
 * the server's own Retry-After, which is kept as it is.  http and
 * retry_after are 0 for transports without them.
 */
void mfm_deliver_pause(const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, unsigned attempt, long http,
    int64_t retry_after);

/*
 * The defaults of d->sleep (nanosleep, resumed when a signal cuts it)
 * and d->jitter ("equal jitter": half the wait kept, half random).
 */
void mfm_deliver_sleep(int64_t us);
int64_t mfm_deliver_jitter(int64_t us);

/* Ignore SIGPIPE, the old action kept in *old for sigaction to restore. */
void mfm_deliver_nopipe(struct sigaction *old);

#endif
