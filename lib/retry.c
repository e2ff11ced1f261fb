/*
 * Attempts and waits; see retry.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "lib/retry.h"
#include "lib/banned.h"

int
mfm_deliver_retryable(int code, long http)
{
	switch ((CURLcode)code) {
	case CURLE_OK:
		return http == 429 || (http >= 500 && http <= 599);
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_HTTP2_STREAM:
	case CURLE_AGAIN:
	case CURLE_HTTP3:
	case CURLE_QUIC_CONNECT_ERROR:
	case CURLE_PROXY:
		return 1;
	default:
		/* Verification, bad options, our own cap: no use again. */
		return 0;
	}
}

int64_t
mfm_deliver_wait(const struct mfm_deliver_recv *r, unsigned attempt,
    long http, int64_t retry_after)
{
	int64_t w = r->backoff;
	unsigned i;

	if ((http == 429 || http == 503) && retry_after > 0) {
		if (retry_after > r->max_backoff / 1000000)
			return r->max_backoff;
		return retry_after * 1000000;
	}
	for (i = 1; i < attempt && w < r->max_backoff; i++)
		w = w > INT64_MAX / 2 ? INT64_MAX : w * 2;
	return w < r->max_backoff ? w : r->max_backoff;
}

void
mfm_deliver_pause(const struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, unsigned attempt, long http,
    int64_t retry_after)
{
	int64_t w = mfm_deliver_wait(r, attempt, http, retry_after);

	/* The server's own Retry-After is kept as it is. */
	if (d->jitter != NULL && !((http == 429 || http == 503) &&
	    retry_after > 0))
		w = d->jitter(w);
	d->sleep(w);
}

void
mfm_deliver_sleep(int64_t us)
{
	struct timespec ts;

	if (us <= 0)
		return;
	ts.tv_sec = (time_t)(us / 1000000);
	ts.tv_nsec = (long)(us % 1000000) * 1000;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		continue;
}

int64_t
mfm_deliver_jitter(int64_t us)
{
	static int seeded;

	if (!seeded) {
		srandom((unsigned)time(NULL) ^ (unsigned)getpid());
		seeded = 1;
	}
	/* Equal jitter: half the wait kept, half random, so that many
	 * senders that failed together do not retry together. */
	if (us < 2)
		return us;
	return us / 2 + (int64_t)((uint64_t)random() % (uint64_t)(us / 2 + 1));
}

void
mfm_deliver_nopipe(struct sigaction *old)
{
	struct sigaction ign;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, old);
}
