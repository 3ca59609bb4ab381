/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Saving and restoring what a reset clears, and checking afterwards that the
 * function came back as itself. Every method runs between cfg_save() and
 * cfg_restore(); cfg_verify() decides whether the reset succeeded.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "pci-cfg.h"
#include "readiness.h"
#include "util.h"

struct cfg_saved {
	uint32_t header[16]; /* 0x00..0x3f, both header types */
	bool vf;	     /* an SR-IOV VF: its Vendor/Device ID read 0xffff */
	uint8_t header_type;
	uint16_t pcie; /* PCIe capability offset, 0 if none */
	uint16_t pcie_flags;
	uint16_t devctl, lnkctl, devctl2, lnkctl2;
	uint16_t pm; /* PM capability offset, 0 if none */
	uint16_t pmcsr;
	/* SR-IOV capability offset (a PF), 0 if none; what Linux's sriov_restore_state() writes */
	uint16_t sriov;
	uint16_t sriov_ctrl, sriov_num_vfs;
	uint32_t sriov_pgsz, sriov_bar[6];
	uint16_t rtr; /* Readiness Time Reporting capability offset, 0 if none */
	/* What the function says about its own readiness (readiness.h). */
	struct readiness_times ready;
};

/*
 * Reads everything cfg_restore() writes back, and the function's readiness
 * reporting: the header in one block read, both capability lists in one
 * walk. Needs a readable, answering
 * function. vf: the function is an SR-IOV VF (sysfs says so: its physfn
 * link), whose Vendor/Device ID read 0xffff (SR-IOV 1.1 §3.4.1.1-2), so its
 * liveness and identity are judged by Command/Status and Class Code instead.
 */
int cfg_save(struct pci_cfg *cfg, bool vf, struct cfg_saved *s, struct why *why);

/*
 * The capabilities cfg_save() needs (the first of each kind, 0 if none), the
 * header, and the standard config space as one block read it (its first
 * std_len bytes: 256, 64 where the file is too short, 0 where not even the
 * header could be read as a block).
 */
struct cfg_caps {
	uint16_t pcie, pm, sriov, rtr;
	uint32_t header[16]; /* as cfg_saved's, when header_ok */
	bool header_ok;
	uint8_t std[256]; /* PCI_CFG_SPACE_SIZE bytes as config space holds them */
	unsigned std_len;
};

/*
 * Reads of the standard space answered from c's block where it holds them
 * (nothing was written since the walk read it), else by one access of cfg,
 * with pci_cfg_read_block()'s, _read16()'s and _read32()'s errors; c NULL:
 * always cfg. The check and the save take the registers they need from the
 * walk's block: in the Xen dom0 each read is a system call.
 */
int cfg_caps_read_block(const struct cfg_caps *c, struct pci_cfg *cfg, unsigned off, void *buf,
			unsigned len);
int cfg_caps_read16(const struct cfg_caps *c, struct pci_cfg *cfg, unsigned off, uint16_t *val);
int cfg_caps_read32(const struct cfg_caps *c, struct pci_cfg *cfg, unsigned off, uint32_t *val);

/*
 * Reads the standard config space (256 bytes, the header where the file is
 * shorter) in one block and walks both capability lists once (pci_cap_walk(),
 * its errors), the walk taking Vendor ID, Status, the Capabilities Pointer
 * and the whole standard list from that block (cfgcaps.c). A method's check that
 * needs a capability takes it from here, and cfg_save_known() reuses the
 * header and the walk: in the Xen dom0 every config access is a system call
 * and a trap (docs/performance.md). Where the block cannot be read, the walk
 * reads config space itself and header_ok is false.
 */
int cfg_caps_find(struct pci_cfg *cfg, struct cfg_caps *c, struct why *why);
/* The walk alone, on reads of its own (header_ok false): cfg_save() without known. */
int cfg_caps_walk(struct pci_cfg *cfg, struct cfg_caps *c, struct why *why);

/* cfg_save() with the capabilities already found by cfg_caps_find() on this cfg (NULL: walks). */
int cfg_save_known(struct pci_cfg *cfg, bool vf, const struct cfg_caps *known, struct cfg_saved *s,
		   struct why *why);

/*
 * Writes the saved state back: capability control registers, then the
 * header (BARs, ROM, cache line, latency, interrupt line, bridge windows),
 * the Command register last so the function decodes nothing until its BARs
 * are in place.
 */
int cfg_restore(struct pci_cfg *cfg, const struct cfg_saved *s, struct why *why);
/*
 * The same with config space as the function reads it now already in hand
 * (now_len bytes from offset 0, as config space holds them: the effect
 * check's block, read after the reset with nothing written since), so the
 * restore does not read again what it holds: the header, and with 256 bytes
 * the PCIe capability's control registers and PMCSR. now_len 0: read.
 */
int cfg_restore_seen(struct pci_cfg *cfg, const struct cfg_saved *s, const uint8_t *now,
		     unsigned now_len, struct why *why);

/*
 * After restore: vendor/device unchanged, BARs, ROM and Command read back as
 * saved. -EIO with the first mismatch in why ("BAR2 reads 0x0 instead of
 * 0xfe200000"), -ENODEV when the function reads all-ones.
 */
int cfg_verify(struct pci_cfg *cfg, const struct cfg_saved *s, struct why *why);

/*
 * Readiness after a reset: reads the Vendor/Device dword. Returns 1 when it
 * answers with the saved ids (s NULL: any), 0 while it reads all-ones,
 * Configuration Request Retry (Vendor ID 0x0001, PCIe 6.0 §2.3.1 with CRS
 * Software Visibility) or other ids (why says which), -errno when the read
 * itself fails (why says so). A VF answers when its Command/Status dword no
 * longer reads all-ones and its Class Code is the saved one (Linux's
 * pci_dev_wait() polls the Command dword for every function).
 */
int cfg_ready(struct pci_cfg *cfg, const struct cfg_saved *s, struct why *why);
