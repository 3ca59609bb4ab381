/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capability list walker for the standard list (pointer at 0x34, PCI 3.0
 * §6.7) and the extended list (from 0x100, PCIe 6.0 §7.6).
 *
 * The config space walked here was controlled by a guest a moment ago and is
 * untrusted input: loops, pointers into the header, misaligned or
 * out-of-range pointers, truncated files and all-ones (device gone) each end
 * the walk with an error and a message, never a hang or an invalid read.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "pci-cfg.h"

struct pci_cap {
	uint16_t id;
	uint16_t off;
	uint8_t version; /* extended capabilities only */
	bool extended;
};

/*
 * Finds the first standard capability with the given id.
 * Returns 0 (offset in *off), -ENOENT when the device has no such capability,
 * -EBADMSG when the list is malformed, -ENODEV when the device reads all-ones,
 * -ENODATA/-ERANGE/-EIO when config space cannot be read that far. On every
 * error but -ENOENT, why says what was wrong and where.
 */
int pci_cap_find(struct pci_cfg *cfg, uint8_t id, uint16_t *off, struct why *why);

/* The same for the extended list; -ENOENT also when config space is only 256 bytes. */
int pci_ecap_find(struct pci_cfg *cfg, uint16_t id, uint16_t *off, struct why *why);

/*
 * Walks both lists once, standard first, calling visit for every capability:
 * visit returns 0 to go on, > 0 to stop the walk there (then 0 is returned).
 * Returns 0 or the first error as above. One walk instead of one find per
 * capability: each step is a configuration read, and a system call through
 * sysfs.
 */
typedef int (*pci_cap_visit_fn)(const struct pci_cap *cap, void *userdata);
int pci_cap_walk(struct pci_cfg *cfg, pci_cap_visit_fn visit, void *userdata, struct why *why);

/*
 * Lists both lists (standard first). Stores at most max entries, sets *n to
 * the number stored. Returns 0 or the first error as above.
 */
int pci_cap_list(struct pci_cfg *cfg, struct pci_cap *caps, unsigned max, unsigned *n,
		 struct why *why);
