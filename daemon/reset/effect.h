/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Effect verification: after a reset and before the saved state is put
 * back, does the function show the signature of a reset? A method can
 * complete every step and reset nothing (QEMU 7.2's D3hot->D0; devices that
 * advertise NoSoftReset- and keep their state); what it leaves in config
 * space tells. docs/reset-engine.md says which registers are used and why.
 */
#pragma once

#include <stddef.h>

#include "cfgsave.h"
#include "trail.h"

/*
 * Compares the function's Command register and BARs with what was saved
 * before the reset. Returns EFFECT_VERIFIED (everything observable reads
 * back reset), EFFECT_UNVERIFIED (nothing was programmed, so nothing can be
 * observed) or EFFECT_INEFFECTIVE (a register kept its programmed value;
 * detail names it, e.g. "BAR0 kept 0xfebc0000"), or -errno when config
 * space cannot be read. detail says what was observed in every case.
 */
int cfg_effect_check(struct pci_cfg *cfg, const struct cfg_saved *s, char *detail, size_t size);
/*
 * The same, reading the standard config space in one block (256 bytes; the
 * header alone where the file is shorter) and handing it back in now
 * (PCI_CFG_SPACE_SIZE bytes, as config space holds them), *now_len the bytes
 * read (0: none in one block): the restore that follows compares with it
 * (cfg_restore_seen()).
 */
int cfg_effect_check_hdr(struct pci_cfg *cfg, const struct cfg_saved *s, char *detail, size_t size,
			 uint8_t *now, unsigned *now_len);
