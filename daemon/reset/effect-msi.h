/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Effect verification for the resets the kernel performs ("kernel",
 * "kernel:<m>", "pciback"): the kernel saves and restores config space
 * around them, so the header shows nothing; a marker in the MSI message
 * registers, which the kernel leaves alone while MSI is disabled, does.
 * docs/reset-engine.md ("Effect verification") says why this holds.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pci-cfg.h"

struct msi_marker {
	bool set;	   /* the marker is in the function: msi_marker_put_back() owes a write */
	uint16_t cap;	   /* MSI capability offset */
	uint16_t data_off; /* Message Data: cap + 8, or cap + 12 with 64-bit addresses */
	uint32_t addr_lo;  /* saved Message Address (low dword) */
	uint16_t data;	   /* saved Message Data */
	char why_not[96];  /* when not set: why no marker could be placed */
};

/*
 * Before the kernel's reset: when the function has an MSI capability with MSI
 * Enable clear, saves Message Address (low) and Message Data, writes the
 * marker and keeps it only if it reads back as written. Never fails the
 * reset: a missing capability, MSI enabled, a malformed capability list or a
 * register that does not take the marker leave m->set false and say why in
 * m->why_not.
 */
void msi_marker_place(struct pci_cfg *cfg, struct msi_marker *m);

/*
 * After the kernel's reset: EFFECT_VERIFIED when both registers read 0,
 * EFFECT_INEFFECTIVE when both still hold the marker, EFFECT_UNVERIFIED for
 * anything else or when no marker was placed; detail says what was read.
 * Then writes the saved values back (always, even when reading failed).
 * Returns the effect or -errno when the registers cannot be read.
 */
int msi_marker_check(struct pci_cfg *cfg, struct msi_marker *m, char *detail, size_t size);

/* Writes the saved values back if the marker is still in place (failure paths). */
void msi_marker_put_back(struct pci_cfg *cfg, struct msi_marker *m);
