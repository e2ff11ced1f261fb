/*
 * The alert section of the configuration (mfm-config(5), mfm-alert(1)):
 * its receivers, each checked against the keys of its type, with the
 * defaults of receiver.h for what it does not say; its silences; and
 * inhibit.  A secret is never taken from the file itself: a key that
 * would hold one (url, routing_key, password, ...) is refused by name,
 * and KEY_env or KEY_file names where to read it (lib/secret.h).
 */
#ifndef MFM_ALERTCFG_H
#define MFM_ALERTCFG_H

#include "lib/cfg.h"
#include "lib/err.h"
#include "lib/receiver.h"

#define MFM_DELIVER_PAGERDUTY_URL "https://events.pagerduty.com/v2/enqueue"

/*
 * Read the alert section of the configuration: its "receivers" list
 * (added to d, after any d has), "silences" and "inhibit"; the section's
 * own keys are checked by the caller.  Errors carry the line and column
 * of the offending node.  A section without receivers adds none.
 */
int mfm_deliver_config(struct mfm_deliver *d,
    const struct mfm_cfg_node *section, struct mfm_err *err);

#endif
