/*
 * The command receiver of mfm-alert: a local program (for automated
 * retraining, say) run without a shell, argv[0] an absolute path, the
 * event (or the events of a group, a line each) on its standard input,
 * its standard output sent to our standard error (standard output
 * carries the receipts), in a process group of its own that is killed
 * whole at the receiver's timeout.  It does not inherit the environment
 * variables that hold any receiver's secrets.  Exit status 0 is
 * delivered; 75 (EX_TEMPFAIL) and a timeout are retried as lib/retry.h
 * says; any other status is a permanent failure, and so is a program
 * that cannot be run: "command NAME: /path: No such file or directory",
 * with the code 127 in d->last, as a shell's.
 */
#ifndef MFM_COMMAND_H
#define MFM_COMMAND_H

#include "lib/alertev.h"
#include "lib/err.h"
#include "lib/receiver.h"

/* Run r for ev (and d->more); d->last says how it went. */
int mfm_deliver_command_run(struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev,
    struct mfm_err *err);

#endif
