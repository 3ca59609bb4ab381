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
