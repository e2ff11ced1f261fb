/*
 * A run of mfm-alert(1), between reading its input and writing its
 * output: each event routed to the receivers that take it (lib/route.h),
 * muted (silences, inhibition, repeats), sent at once or queued in the
 * outbox (lib/outbox.h, lib/hold.h); then what is queued sent as
 * lib/hold.h hands it out, each notification settled (done, dead, or
 * left queued) with a receipt when asked; at the end the alerts firing
 * at Alertmanager sent again.
 *
 * The caller reads the input (held, or resumed from the journal's
 * place) and hands each record to mfm_alert_record; what the run has to
 * say goes through its ops: a line for standard output (a receipt, a
 * stdout receiver's line, a dry run's request) and messages.  The
 * library never prints.  A function returns -1 only when the outbox
 * could not be written: then nothing can be settled, and the run stops.
 */
#ifndef MFM_ALERTRUN_H
#define MFM_ALERTRUN_H

#include <stddef.h>
#include <stdint.h>

#include "lib/alertev.h"
#include "lib/buf.h"
#include "lib/chain.h"
#include "lib/deliver.h"
#include "lib/err.h"
#include "lib/json.h"
#include "lib/outbox.h"

/* Firing events that reach no receiver: said for the first few. */
#define MFM_ALERT_UNROUTED_SHOWN 5

struct mfm_alert_counts {
	uint64_t events, control;	/* records read */
	uint64_t muted;			/* silenced, inhibited, repeats */
	uint64_t queued, dead, held;	/* notifications left so */
	uint64_t unrouted;		/* firing events no receiver takes */
	uint64_t resent;		/* firing alerts sent to Alertmanager
					   again */
};

struct mfm_alert_ops {
	/*
	 * out holds a line for standard output, without its newline: write
	 * it and clear out.  sync: a receipt, a record of delivery, to be
	 * written out before the next send, so that a crash does not take
	 * the receipts of what was sent.
	 */
	void (*line)(void *ctx, int sync);
	/* A failure: the run goes on, and its exit status says trouble. */
	void (*fail)(void *ctx, const char *msg);
	/* A note for -v; NULL: none. */
	void (*note)(void *ctx, const char *msg);
	void *ctx;
};

struct mfm_alert_run {
	struct mfm_deliver *d;		/* borrowed */
	struct mfm_outbox *o;		/* borrowed */
	int state;			/* o is kept in a state directory */
	int receipts;			/* a receipt per notification */
	struct mfm_buf *out;		/* borrowed: lines for ops.line */
	struct mfm_alert_ops ops;
	struct mfm_alert_counts c;
	struct mfm_deliver_event ev;	/* the record being routed */
};

/*
 * Start a run over the receivers of d and the outbox o (opened when
 * state, else used in memory only).
 */
void mfm_alert_run_init(struct mfm_alert_run *a, struct mfm_deliver *d,
    struct mfm_outbox *o, int state, int receipts, struct mfm_buf *out,
    const struct mfm_alert_ops *ops);
void mfm_alert_run_release(struct mfm_alert_run *a);

/*
 * Ready the receivers of d for a run, the configuration's and the
 * command line's all added: with none, the stdout receiver, unless
 * receipts (standard output carries them; a stdout receiver is then an
 * error that names it); timeout (unless 0) and ca_file (unless NULL) set
 * for every receiver that sends, over its own (a command takes no
 * ca_file).
 */
int mfm_alert_receivers(struct mfm_deliver *d, int receipts, int64_t timeout,
    const char *ca_file, struct mfm_err *err);

/* What a record of the input was. */
enum mfm_alert_read {
	MFM_ALERT_EVENT = 0,	/* an event, routed */
	MFM_ALERT_CONTROL,	/* a control record, skipped */
	MFM_ALERT_BAD,		/* not an event: err says why */
	MFM_ALERT_UNROUTED	/* a firing event no receiver's match takes,
				   one of the first MFM_ALERT_UNROUTED_SHOWN
				   while receivers are configured */
};

/*
 * Read the record j as an event and route it: muted, sent at once, or
 * queued for every receiver that waits in one durable step of the
 * journal, with in (the place in an input read with --resume, just past
 * the event; NULL otherwise).  Returns what j was, or -1 with err.
 */
int mfm_alert_record(struct mfm_alert_run *a, const struct mfm_json *j,
    const struct mfm_chain_file *in, struct mfm_err *err);

/*
 * Send what is queued and not settled, as lib/hold.h hands it out:
 * first what an earlier run left, then this run's input; a group as one
 * notification, or held (group_wait, group_interval) for a later run.
 */
int mfm_alert_flush(struct mfm_alert_run *a, struct mfm_err *err);

/*
 * With a state directory: send again each alert still firing at an
 * Alertmanager receiver once its resend_delay has passed (lib/hold.h),
 * through the outbox, and forget those of receivers no longer
 * configured, which Alertmanager lets expire.
 */
int mfm_alert_resend(struct mfm_alert_run *a, struct mfm_err *err);

/*
 * At the end: a firing alert that nobody is told of is a failure of the
 * monitor, not a success; say so, with what to configure.
 */
void mfm_alert_end(struct mfm_alert_run *a);

#endif
