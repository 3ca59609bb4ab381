/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A marker in the MSI message registers, to see whether the kernel's reset
 * happened although the kernel restores config space around it.
 *
 * Why the marker survives only a reset that did not happen:
 *  - The sysfs "reset" attribute runs pci_reset_function() (drivers/pci/
 *    pci.c), which brackets the reset with pci_save_state() and
 *    pci_restore_state(). pci_restore_state() writes the header back
 *    (pci_restore_config_space(), dwords 0-15), the PCIe, PCI-X, LTR, VC and
 *    other saved capabilities, and calls pci_restore_msi_state()
 *    (drivers/pci/msi/msi.c). __pci_restore_msi_state() returns at once when
 *    the kernel has not enabled MSI for the device (dev->msi_enabled clear);
 *    otherwise it rewrites the message the kernel programmed itself (its
 *    cached msi_msg), never what it read before the reset. pci_save_state()
 *    does not save the MSI capability at all. (Read in torvalds/linux at
 *    017239c8db20.)
 *  - PCI 3.0 §6.8.1.4/§6.8.1.6: Message Address bits 31:2 and Message Data
 *    are read/write and reset to 0.
 * So with MSI disabled, a real reset leaves both registers 0, and a reset
 * that did nothing leaves the marker. With MSI enabled the device may be
 * signalling through these registers (a guest's or dom0's vector): they
 * are never touched. xen-pciback's do_flr is assumed to reset through the
 * same pci_reset_function() path.
 *
 * The marker looks like an x86 interrupt address (0xfee00000 window); with
 * MSI disabled the function never sends it.
 */
#include <stdio.h>

#include "capwalk.h"
#include "effect-msi.h"
#include "pci-regs.h"
#include "trail.h"

#define MSI_MARKER_ADDR 0xfee5a5acu /* bits 1:0 are read-only 0 (§6.8.1.4) */
#define MSI_MARKER_DATA 0xa55au

static int read_pair(struct pci_cfg *cfg, const struct msi_marker *m, uint32_t *addr,
		     uint16_t *data)
{
	int r = pci_cfg_read32(cfg, m->cap + PCI_MSI_ADDRESS_LO, addr);

	return r < 0 ? r : pci_cfg_read16(cfg, m->data_off, data);
}

static int write_pair(struct pci_cfg *cfg, const struct msi_marker *m, uint32_t addr, uint16_t data)
{
	int r = pci_cfg_write32(cfg, m->cap + PCI_MSI_ADDRESS_LO, addr);

	return r < 0 ? r : pci_cfg_write16(cfg, m->data_off, data);
}

void msi_marker_place(struct pci_cfg *cfg, struct msi_marker *m)
{
	struct why why = {""};
	uint16_t ctl, data;
	uint32_t addr;
	int r;

	*m = (struct msi_marker){0};
	r = pci_cap_find(cfg, PCI_CAP_ID_MSI, &m->cap, &why);
	if (r == -ENOENT) {
		snprintf(m->why_not, sizeof(m->why_not), "no MSI capability");
		return;
	}
	if (r < 0) {
		/* A hostile or broken list: write nothing anywhere it points. */
		snprintf(m->why_not, sizeof(m->why_not), "capability list unusable: %.60s",
			 why.msg);
		return;
	}
	r = pci_cfg_read16(cfg, m->cap + PCI_MSI_FLAGS, &ctl);
	if (r < 0) {
		snprintf(m->why_not, sizeof(m->why_not), "MSI Message Control unreadable");
		return;
	}
	if (ctl & PCI_MSI_FLAGS_ENABLE) {
		snprintf(m->why_not, sizeof(m->why_not), "MSI is enabled");
		return;
	}
	m->data_off = m->cap + ((ctl & PCI_MSI_FLAGS_64BIT) ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32);
	if (read_pair(cfg, m, &m->addr_lo, &m->data) < 0) {
		snprintf(m->why_not, sizeof(m->why_not), "MSI message registers unreadable");
		return;
	}
	m->set = true; /* from here on the saved values are owed back */
	r = write_pair(cfg, m, MSI_MARKER_ADDR, MSI_MARKER_DATA);
	if (r >= 0)
		r = read_pair(cfg, m, &addr, &data);
	if (r < 0 || addr != MSI_MARKER_ADDR || data != MSI_MARKER_DATA) {
		msi_marker_put_back(cfg, m);
		snprintf(m->why_not, sizeof(m->why_not),
			 "the MSI message registers do not hold a marker");
		m->set = false;
	}
}

void msi_marker_put_back(struct pci_cfg *cfg, struct msi_marker *m)
{
	if (m->set && write_pair(cfg, m, m->addr_lo, m->data) >= 0)
		m->set = false;
}

int msi_marker_check(struct pci_cfg *cfg, struct msi_marker *m, char *detail, size_t size)
{
	uint32_t addr;
	uint16_t data;
	int r, e;

	if (!m->set) {
		snprintf(detail, size,
			 "the kernel restores config space inside its reset: nothing to observe "
			 "(%s)",
			 m->why_not[0] ? m->why_not : "no MSI marker");
		return EFFECT_UNVERIFIED;
	}
	r = read_pair(cfg, m, &addr, &data);
	e = write_pair(cfg, m, m->addr_lo, m->data);
	if (e >= 0)
		m->set = false;
	if (r < 0)
		return r;
	if (e < 0)
		return e;
	if (addr == 0 && data == 0) {
		snprintf(detail, size,
			 "MSI Message Address and Data read back 0 (marker 0x%08x/0x%04x cleared)",
			 MSI_MARKER_ADDR, MSI_MARKER_DATA);
		return EFFECT_VERIFIED;
	}
	if (addr == MSI_MARKER_ADDR && data == MSI_MARKER_DATA) {
		snprintf(detail, size, "MSI address kept 0x%08x", addr);
		return EFFECT_INEFFECTIVE;
	}
	snprintf(detail, size,
		 "MSI Message Address reads 0x%08x, Data 0x%04x: neither the reset values nor "
		 "the marker",
		 addr, data);
	return EFFECT_UNVERIFIED;
}
