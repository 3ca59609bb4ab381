/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by pcirstctl's commands. */
#pragma once

#include <pcirst/sbdf.h>

#include "pci-host.h"

/*
 * Parses the addresses in argv[0..argc), printing "pcirstctl CMD: invalid PCI
 * address 'x'" on the first bad one. Returns 0 or -EINVAL; *out is malloc'ed.
 */
int ctl_parse_sbdfs(const char *cmd, int argc, char **argv, struct pcirst_sbdf **out);

/* Opens the sysfs adapter at root, printing why on failure. */
int ctl_open_host(const char *cmd, const char *root, struct pci_host **out);
