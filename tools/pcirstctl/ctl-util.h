/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by pcirstctl's commands. */
#pragma once

#include <pcirst/sbdf.h>

#include "pci-host.h"
#include "policy.h"

/*
 * Parses the addresses in argv[0..argc), printing "pcirstctl CMD: invalid PCI
 * address 'x'" on the first bad one. Returns 0 or -EINVAL; *out is malloc'ed.
 */
int ctl_parse_sbdfs(const char *cmd, int argc, char **argv, struct pcirst_sbdf **out);

/* Opens the sysfs adapter at root, printing why on failure. */
int ctl_open_host(const char *cmd, const char *root, struct pci_host **out);

/* The most --policy-dir options a command takes. */
#define CTL_POLICY_DIRS_MAX 16

/*
 * Appends dir to dirs[CTL_POLICY_DIRS_MAX], printing "pcirstctl CMD: at most
 * 16 policy directories" when they are full. Returns 0 or -E2BIG.
 */
int ctl_add_policy_dir(const char *cmd, const char **dirs, unsigned *n, const char *dir);

/* The exit status for a failed ctl_load_policy(): invalid or unreadable. */
int ctl_load_failure(int r);

/*
 * Loads the policy from dirs, lowest priority first (the standard
 * directories when n_dirs is 0), printing its diagnostics on stderr.
 * Returns 0 or the negative errno of policy_load().
 */
int ctl_load_policy(const char *const *dirs, unsigned n_dirs, struct policy **out);

/*
 * Prints one line per method the decision avoids, "METHOD  FILE:LINE:COL  REASON";
 * the first line starts with first, the others with rest (equal widths).
 */
void ctl_print_avoided(FILE *f, const struct policy_decision *d, const char *first,
		       const char *rest);
