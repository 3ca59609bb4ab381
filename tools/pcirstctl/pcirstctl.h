/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcirstctl: commands share this header. main.c parses the global options
 * and dispatches to one cmd_*() per command; each command parses its own
 * options (getopt_long) and answers --help.
 */
#pragma once

#include <stdbool.h>

/* Exit codes, documented in docs/pcirstctl.md. */
enum {
	CTL_EXIT_OK = 0,	     /* success: reset ok / policy valid */
	CTL_EXIT_FAILED = 1,	     /* the reset failed / the policy is invalid */
	CTL_EXIT_USAGE = 2,	     /* bad command line */
	CTL_EXIT_REFUSED = 3,	     /* no method was allowed or supported; nothing was done */
	CTL_EXIT_ENVIRONMENT = 4,    /* device missing, permission denied, I/O error, no daemon */
	CTL_EXIT_FAILED_IGNORED = 5, /* request: the reset failed, the lenient policy ignores it */
	CTL_EXIT_SKIPPED = 6,	     /* request: the policy skips this device */
};

struct ctl_globals {
	const char *sysfs_root; /* --sysfs-root or $PCIRST_SYSFS_ROOT, default "/" */
};

int cmd_probe(int argc, char **argv, const struct ctl_globals *g);
int cmd_reset(int argc, char **argv, const struct ctl_globals *g);
int cmd_request(int argc, char **argv, const struct ctl_globals *g);
int cmd_status(int argc, char **argv, const struct ctl_globals *g);
/* tools/pcirstctl/cmd-policy.c */
int cmd_policy(int argc, char **argv, const struct ctl_globals *g);
/* pcirstctl policy explain (policy-explain.c): argv[0] is "explain". */
int cmd_policy_explain(int argc, char **argv, const struct ctl_globals *g);
