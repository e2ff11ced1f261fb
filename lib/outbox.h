/*
 * The durable outbox of mfm-alert(1): a state directory where every
 * notification is written, and forced to disk, before it is sent, so
 * that a crash at any point loses nothing and a restart resumes.
 *
 * The directory holds three files:
 *   lock           held with flock(2) for the whole run: one sender
 *   outbox.ndjson  a journal: {"put":ID,"receiver":R,...} when a
 *                  notification is queued, or {"put":ID,"receivers":[R,
 *                  ...],...} for one event to several receivers (ids ID,
 *                  ID+1, ...: one line, so one durable step);
 *                  {"done":ID} when it is settled (sent, or moved to the
 *                  dead letters); a put without its done is pending.  A
 *                  put may carry "in":{"path":P,"dev":D,"ino":I,"off":N},
 *                  the place in an input file read with --resume just
 *                  past its event: the event is queued and the place
 *                  moved past it at once; {"in":{...}} alone keeps a
 *                  place when the journal is compacted (the places of
 *                  files not read in a run are kept too)
 *   dead.ndjson    the dead letters: notifications that failed for good
 *                  or past their deadline, with the reason and the times
 *                  queued and failed (RFC 3339 UTC, milliseconds)
 * A line is written whole with one write(2) and fsync(2)ed before the
 * caller goes on.  A crash can leave a last line without its newline; it
 * was never acted on (the fsync had not returned), so loading drops it.
 * Closing rewrites the journal with only the pending notifications (a
 * new file, fsync, rename, fsync of the directory), so it stays small.
 *
 * A fourth file, sent.ndjson, remembers per receiver and fingerprint the
 * last status notified and when, for repeat_interval; it is rewritten at
 * close (new file, rename), and a crash that loses its last changes only
 * lets a repeat through, never suppresses a change.
 *
 * A fifth, firing.ndjson, holds the alerts an alertmanager receiver was
 * told are firing: {"receiver":R,"fingerprint":F,"sent":T,"event":E},
 * the latest firing event of each and when it was last sent, so that
 * later runs send it again before Alertmanager lets it expire.  It is
 * replaced (new file, fsync, rename) each time an alert starts firing,
 * changes or resolves, before the notification is marked done, so a
 * crash can leave it ahead of the journal (the notification is sent
 * again), never behind; the times sent are saved at close.
 *
 * Entries name their receiver, never hold its secrets: the receiver's
 * URL, key or password is read from the environment or its file again
 * by the run that sends.
 */
#ifndef MFM_OUTBOX_H
#define MFM_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "lib/chain.h"
#include "lib/err.h"
#include "lib/keymap.h"

#define MFM_OUTBOX_MAX_FILE (256u << 20)	/* bytes of the journal */
#define MFM_OUTBOX_MAX_PENDING 1000000
#define MFM_OUTBOX_MAX_FIRING 100000	/* alerts firing at Alertmanager */

/* An alert firing at an alertmanager receiver. */
struct mfm_outbox_alert {
	char *receiver;
	char *fp;			/* the event's fingerprint */
	size_t fplen;
	int64_t sent;			/* us since the epoch, last sent */
	char *event;			/* the latest firing event, JSON */
	size_t event_len;
};

struct mfm_outbox_entry {
	uint64_t id;
	char *receiver;
	int64_t queued;			/* us since the epoch */
	char *event;			/* the event record, JSON */
	size_t event_len;
	int settled;
};

struct mfm_outbox {
	char *dir;
	int lockfd;
	int fd;				/* the journal, O_APPEND */
	uint64_t next_id;
	struct mfm_outbox_entry *e;	/* pending at open, then queued */
	size_t n;
	uint64_t *dead;			/* ids in dead.ndjson */
	size_t ndead;
	size_t dropped;			/* torn lines dropped at open */
	/* receiver NUL fingerprint -> index in last[] */
	struct mfm_keymap seen;
	struct mfm_outbox_last {
		int64_t at;		/* us since the epoch */
		int firing;
	} *last;
	size_t nlast;
	/*
	 * Places in --resume inputs: chain.was from the journal, chain.now
	 * the files of this run (mfm_chain_start, lib/chain.h).
	 */
	struct mfm_chain chain;
	/* hash of receiver and event -> the latest entry with them */
	struct mfm_keymap queued;
	/* firing.ndjson */
	struct mfm_outbox_alert *alert;
	size_t nalert;
};

void mfm_outbox_init(struct mfm_outbox *o);
/*
 * Create dir (mode 0700) if missing, lock it (an error if another run
 * holds it), load the journal.  Pending entries are o->e[0..n).
 */
int mfm_outbox_open(struct mfm_outbox *o, const char *dir,
    struct mfm_err *err);
/* Queue a notification; written and synced on return.  *idx: its entry. */
int mfm_outbox_put(struct mfm_outbox *o, const char *receiver,
    const char *event, size_t len, int64_t now, size_t *idx,
    struct mfm_err *err);
/*
 * Queue one event for the n receivers of rcv, as one journal line,
 * written and synced on return, carrying the place in (a file of
 * chain.now, moved past the event) unless in is NULL.  A receiver for
 * which the same event is already pending (a notification with the same
 * key: a line read again after a crash that came between its put and the
 * input's commit) is left out.  Returns the number of notifications
 * queued; -1 on error.
 */
int mfm_outbox_put_event(struct mfm_outbox *o, const char *const *rcv,
    size_t n, const char *event, size_t len, int64_t now,
    const struct mfm_chain_file *in, struct mfm_err *err);
/* The file of chain.now named path, or NULL. */
struct mfm_chain_file *mfm_outbox_place(struct mfm_outbox *o,
    const char *path);
/* Entry idx was delivered. */
int mfm_outbox_done(struct mfm_outbox *o, size_t idx, struct mfm_err *err);
/*
 * Entry idx failed for good at now (us since the epoch): to dead.ndjson
 * with reason and the times queued and failed, then done.
 */
int mfm_outbox_dead(struct mfm_outbox *o, size_t idx, const char *reason,
    int64_t now, struct mfm_err *err);
/* Whether entry idx is already a dead letter (a crash came between). */
int mfm_outbox_is_dead(const struct mfm_outbox *o, size_t idx);
/*
 * What was last notified to receiver for fingerprint fp: returns 1 and
 * fills *at and *firing, or 0 when nothing was.  mfm_outbox_note records
 * a notification.  Both work without mfm_outbox_open (in memory only).
 */
int mfm_outbox_last(const struct mfm_outbox *o, const char *receiver,
    const char *fp, size_t fplen, int64_t *at, int *firing);
void mfm_outbox_note(struct mfm_outbox *o, const char *receiver,
    const char *fp, size_t fplen, int64_t at, int firing);
/*
 * Alerts firing at Alertmanager.  mfm_outbox_firing_set records that
 * receiver was sent event (firing, of fingerprint fp) at now, replacing
 * what it held for fp; mfm_outbox_firing_clear forgets fp (resolved).
 * Both replace firing.ndjson durably when the outbox is open (in memory
 * otherwise).  mfm_outbox_firing_sent notes a resend of o->alert[i].
 */
int mfm_outbox_firing_set(struct mfm_outbox *o, const char *receiver,
    const char *fp, size_t fplen, const char *event, size_t len, int64_t now,
    struct mfm_err *err);
int mfm_outbox_firing_clear(struct mfm_outbox *o, const char *receiver,
    const char *fp, size_t fplen, struct mfm_err *err);
void mfm_outbox_firing_sent(struct mfm_outbox *o, size_t i, int64_t now);

/* Compact the journal, unlock, free.  Safe after a failed open. */
int mfm_outbox_close(struct mfm_outbox *o, struct mfm_err *err);

#endif
