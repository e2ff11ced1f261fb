/*
 * The alert section of the configuration (mfm-config(5), mfm-alert(1)):
 * its receivers, each checked against the keys of its type, with the
 * defaults of receiver.h for what it does not say, and its silences.  A
 * secret is never taken from the file itself: a key that would hold one
 * (url, routing_key, password, ...) is refused by name, and KEY_env or
 * KEY_file names where to read it (lib/secret.h).
 */
#ifndef MFM_ALERTCFG_H
#define MFM_ALERTCFG_H

#include "lib/cfg.h"
#include "lib/err.h"
#include "lib/receiver.h"

#define MFM_DELIVER_PAGERDUTY_URL "https://events.pagerduty.com/v2/enqueue"

/*
 * Read the lists of the alert section: "receivers" (added to d, after
 * any d has) and "silences" (likewise).  A receiver's secrets are not
 * read here: where each one is (url_env, url_file, KEY_env, KEY_file) is
 * kept, and mfm_deliver_start reads it (lib/secret.h), so that the
 * configuration can be checked without them.  The section's own keys,
 * inhibit among them, are the caller's.  Errors carry the line and
 * column of the offending node.
 */
int mfm_deliver_config_receivers(struct mfm_deliver *d,
    const struct mfm_cfg_node *list, struct mfm_err *err);
int mfm_deliver_config_silences(struct mfm_deliver *d,
    const struct mfm_cfg_node *list, struct mfm_err *err);

#endif
