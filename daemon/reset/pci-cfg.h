/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Configuration space access behind an ops table, so the reset engine runs
 * unchanged on a real <dev>/config file (pread/pwrite) and on the in-memory
 * device model of the unit tests.
 *
 * Configuration space is little-endian; the accessors convert. Every access
 * checks its range against the size the backend reports, so a truncated
 * config file or a hostile offset gives an error, never an out-of-range read.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

struct pci_cfg_ops {
	/* Returns the number of bytes read (short at the end of the data) or -errno. */
	ssize_t (*read)(void *ud, unsigned off, void *buf, size_t len);
	/* Returns the number of bytes written or -errno. */
	ssize_t (*write)(void *ud, unsigned off, const void *buf, size_t len);
	void (*free)(void *ud);
};

struct pci_cfg {
	const struct pci_cfg_ops *ops;
	void *ud;
	/* Bytes of configuration space the backend claims: 64, 256 or 4096. */
	unsigned size;
};

/* Takes ownership of ud (freed with ops->free). */
int pci_cfg_new(const struct pci_cfg_ops *ops, void *ud, unsigned size, struct pci_cfg **out);
void pci_cfg_free(struct pci_cfg *cfg);
DEFINE_FREEP(struct pci_cfg, pci_cfg_free)

/*
 * Opens a sysfs-style config file. The size is the file's size capped at
 * 4096. Returns -errno from open() (e.g. -ENOENT when the device is gone).
 */
int pci_cfg_open_file(const char *path, bool writable, struct pci_cfg **out);

/*
 * A config space over a caller-owned buffer (not copied, not freed): for
 * tests and for parsing a saved image.
 */
int pci_cfg_new_mem(uint8_t *buf, unsigned size, struct pci_cfg **out);

/*
 * Accessors. Return 0, -ERANGE when off+width exceeds cfg->size or off is
 * not naturally aligned, -ENODATA when a read returned fewer bytes than the
 * backend claims to have (a truncated file), -EIO for a short write, or the
 * backend's -errno.
 */
int pci_cfg_read8(struct pci_cfg *cfg, unsigned off, uint8_t *val);
int pci_cfg_read16(struct pci_cfg *cfg, unsigned off, uint16_t *val);
int pci_cfg_read32(struct pci_cfg *cfg, unsigned off, uint32_t *val);
/*
 * Reads len bytes from off in one access of the backend (one pread of the
 * sysfs config file: the kernel reads it as dwords where aligned, so a
 * dword-aligned block costs the same configuration requests as dword reads,
 * and one system call instead of one per dword). Little-endian bytes.
 */
int pci_cfg_read_block(struct pci_cfg *cfg, unsigned off, void *buf, unsigned len);
int pci_cfg_write8(struct pci_cfg *cfg, unsigned off, uint8_t val);
int pci_cfg_write16(struct pci_cfg *cfg, unsigned off, uint16_t val);
int pci_cfg_write32(struct pci_cfg *cfg, unsigned off, uint32_t val);
