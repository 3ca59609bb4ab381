/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <endian.h>
#include <stdio.h>

#include "capwalk.h"
#include "cfgsave.h"
#include "pci-regs.h"

#define PCIE_CAP_VERSION(flags) ((flags)&0x000f)

static uint16_t hdr16(const struct cfg_saved *s, unsigned off);

static int io_err(struct why *why, int r, const char *what, unsigned off)
{
	if (r == -ENODEV)
		return why_err(why, r, "device gone while %s (offset 0x%03x)", what, off);
	return why_err(why, r, "%s config space at 0x%03x failed: %s", what, off, strerror(-r));
}

static int sriov_save(struct pci_cfg *cfg, struct cfg_saved *s, struct why *why)
{
	unsigned p;
	int r;

	if (!s->sriov)
		return 0;
	p = s->sriov;
	if ((r = pci_cfg_read16(cfg, p + PCI_SRIOV_CTRL, &s->sriov_ctrl)) < 0 ||
	    (r = pci_cfg_read16(cfg, p + PCI_SRIOV_NUM_VF, &s->sriov_num_vfs)) < 0 ||
	    (r = pci_cfg_read32(cfg, p + PCI_SRIOV_SYS_PGSIZE, &s->sriov_pgsz)) < 0)
		return io_err(why, r, "reading", p);
	for (unsigned i = 0; i < 6; i++)
		if ((r = pci_cfg_read32(cfg, p + PCI_SRIOV_BAR + 4 * i, &s->sriov_bar[i])) < 0)
			return io_err(why, r, "reading", p + PCI_SRIOV_BAR + 4 * i);
	return 0;
}

/*
 * The order of Linux's sriov_restore_state(): ARI Capable Hierarchy first
 * (it changes First VF Offset and VF Stride), then the VF BARs, the System
 * Page Size and NumVFs, and VF Enable last (SR-IOV 1.1 §3.3.3.1: NumVFs and
 * the BARs may only change while VF Enable is clear). A PF whose reset left
 * VF Enable set with NumVFs as saved is left alone (Linux does the same);
 * one that kept VF Enable but lost NumVFs (QEMU 7.2's FLR, measured in the
 * Xen dom0) gets VF Enable cleared first, so the sequence can run.
 */
static int sriov_restore(struct pci_cfg *cfg, const struct cfg_saved *s, unsigned *off)
{
	unsigned p = s->sriov;
	uint16_t ctl, num;
	int r;

	*off = p + PCI_SRIOV_CTRL;
	if ((r = pci_cfg_read16(cfg, *off, &ctl)) < 0 ||
	    (r = pci_cfg_read16(cfg, p + PCI_SRIOV_NUM_VF, &num)) < 0)
		return r;
	if ((ctl & PCI_SRIOV_CTRL_VFE) && num == s->sriov_num_vfs)
		return 0;
	ctl &= ~(PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	ctl = (ctl & ~PCI_SRIOV_CTRL_ARI) | (s->sriov_ctrl & PCI_SRIOV_CTRL_ARI);
	if ((r = pci_cfg_write16(cfg, *off, ctl)) < 0)
		return r;
	for (unsigned i = 0; i < 6; i++) {
		*off = p + PCI_SRIOV_BAR + 4 * i;
		if ((r = pci_cfg_write32(cfg, *off, s->sriov_bar[i])) < 0)
			return r;
	}
	*off = p + PCI_SRIOV_SYS_PGSIZE;
	if ((r = pci_cfg_write32(cfg, *off, s->sriov_pgsz)) < 0)
		return r;
	*off = p + PCI_SRIOV_NUM_VF;
	if ((r = pci_cfg_write16(cfg, *off, s->sriov_num_vfs)) < 0)
		return r;
	*off = p + PCI_SRIOV_CTRL;
	return pci_cfg_write16(cfg, *off, s->sriov_ctrl);
}

/* The header as 16 dwords, in one read; dword by dword where the file is too short for a block. */
static int read_header(struct pci_cfg *cfg, uint32_t *h, struct why *why)
{
	int r = pci_cfg_read_block(cfg, 0, h, 16 * sizeof(*h));

	if (r >= 0) {
		for (unsigned i = 0; i < 16; i++)
			h[i] = le32toh(h[i]);
		return 0;
	}
	if (r != -ERANGE && r != -ENODATA)
		return io_err(why, r, "reading", 0);
	for (unsigned i = 0; i < 16; i++)
		if ((r = pci_cfg_read32(cfg, i * 4, &h[i])) < 0)
			return io_err(why, r, "reading", i * 4);
	return 0;
}

/*
 * The PCIe capability's control registers in one block read (one system
 * call instead of up to five), as cfg_restore() reads them; register by
 * register where the block runs past the end of config space.
 */
static int pcie_save(struct pci_cfg *cfg, const struct cfg_caps *known, struct cfg_saved *s,
		     struct why *why)
{
	uint8_t b[PCI_EXP_LNKCTL2 + 4];
	unsigned p = s->pcie;
	int r;

	r = cfg_caps_read_block(known, cfg, p, b, sizeof(b));
	if (r >= 0) {
#define B16(o) ((uint16_t)(b[o] | b[(o) + 1] << 8))
		s->pcie_flags = B16(PCI_EXP_FLAGS);
		s->devctl = B16(PCI_EXP_DEVCTL);
		s->lnkctl = B16(PCI_EXP_LNKCTL);
		/* DevCtl2/LnkCtl2 exist from capability version 2 on (PCIe 6.0 §7.5.3). */
		if (PCIE_CAP_VERSION(s->pcie_flags) >= 2) {
			s->devctl2 = B16(PCI_EXP_DEVCTL2);
			s->lnkctl2 = B16(PCI_EXP_LNKCTL2);
		}
#undef B16
		return 0;
	}
	if (r != -ERANGE && r != -ENODATA)
		return io_err(why, r, "reading", p);
	if ((r = pci_cfg_read16(cfg, p + PCI_EXP_FLAGS, &s->pcie_flags)) < 0 ||
	    (r = pci_cfg_read16(cfg, p + PCI_EXP_DEVCTL, &s->devctl)) < 0 ||
	    (r = pci_cfg_read16(cfg, p + PCI_EXP_LNKCTL, &s->lnkctl)) < 0)
		return io_err(why, r, "reading", p);
	if (PCIE_CAP_VERSION(s->pcie_flags) >= 2 &&
	    ((r = pci_cfg_read16(cfg, p + PCI_EXP_DEVCTL2, &s->devctl2)) < 0 ||
	     (r = pci_cfg_read16(cfg, p + PCI_EXP_LNKCTL2, &s->lnkctl2)) < 0))
		return io_err(why, r, "reading", p);
	return 0;
}

int cfg_save(struct pci_cfg *cfg, bool vf, struct cfg_saved *s, struct why *why)
{
	return cfg_save_known(cfg, vf, NULL, s, why);
}

int cfg_save_known(struct pci_cfg *cfg, bool vf, const struct cfg_caps *known, struct cfg_saved *s,
		   struct why *why)
{
	struct cfg_caps caps;
	struct why capwhy;
	int r;

	*s = (struct cfg_saved){.vf = vf};
	if (known && known->header_ok)
		memcpy(s->header, known->header, sizeof(s->header));
	else if ((r = read_header(cfg, s->header, why)) < 0)
		return r;
	if (s->header[vf ? PCI_COMMAND / 4 : 0] == 0xffffffff)
		return why_err(why, -ENODEV, "device not responding (config space reads all-ones)");
	s->header_type = (s->header[PCI_HEADER_TYPE / 4] >> 16) & PCI_HEADER_TYPE_MASK;

	if (known) {
		caps = *known;
	} else {
		r = cfg_caps_walk(cfg, &caps, &capwhy);
		if (r < 0)
			return why_err(why, r, "%s", capwhy.msg);
	}
	s->pcie = caps.pcie;
	s->pm = caps.pm;
	s->sriov = caps.sriov;
	s->rtr = caps.rtr;
	if (s->pcie) {
		r = pcie_save(cfg, known, s, why);
		if (r < 0)
			return r;
	}
	if (s->pm) {
		r = cfg_caps_read16(known, cfg, s->pm + PCI_PM_CTRL, &s->pmcsr);
		if (r < 0)
			return io_err(why, r, "reading", s->pm + PCI_PM_CTRL);
	}
	r = readiness_times_read(cfg, hdr16(s, PCI_STATUS), s->rtr, &s->ready);
	if (r < 0)
		return io_err(why, r, "reading", s->rtr);
	return sriov_save(cfg, s, why);
}

static uint16_t hdr16(const struct cfg_saved *s, unsigned off)
{
	return (uint16_t)(s->header[off / 4] >> ((off & 2) * 8));
}

static uint8_t hdr8(const struct cfg_saved *s, unsigned off)
{
	return (uint8_t)(s->header[off / 4] >> ((off & 3) * 8));
}

/* Registers restored as whole dwords: BARs and, for bridges, bus numbers and windows. */
static bool restore_dword(uint8_t header_type, unsigned off)
{
	if (header_type == PCI_HEADER_TYPE_BRIDGE)
		/* BAR0-1, bus numbers + secondary latency, I/O base/limit (status is W1C: 16 bits
		 * only), memory and prefetchable windows and their upper halves, I/O upper, ROM. */
		return (off >= 0x10 && off <= 0x18) || (off >= 0x20 && off <= 0x30) ||
		       off == PCI_ROM_ADDRESS1;
	return (off >= PCI_BASE_ADDRESS_0 && off <= 0x24) || off == PCI_ROM_ADDRESS;
}

/*
 * What the function reads now, read in two blocks before the restore, so
 * that a register already holding its saved value is not written again (as
 * Linux's pci_restore_config_dword() does): in the Xen dom0 under QEMU a
 * config write costs a trap and often a remapping, several times a read.
 * A block that cannot be read leaves every register it covers written.
 */
struct now_view {
	uint8_t hdr[PCI_STD_HEADER_SIZE];
	uint8_t pcie[PCI_EXP_LNKCTL2 + 4];
	bool hdr_ok, pcie_ok;
};

static int put8(struct pci_cfg *cfg, unsigned off, uint8_t v, const uint8_t *now)
{
	return now && now[0] == v ? 0 : pci_cfg_write8(cfg, off, v);
}

static int put16(struct pci_cfg *cfg, unsigned off, uint16_t v, const uint8_t *now)
{
	return now && (uint16_t)(now[0] | now[1] << 8) == v ? 0 : pci_cfg_write16(cfg, off, v);
}

static int put32(struct pci_cfg *cfg, unsigned off, uint32_t v, const uint8_t *now)
{
	return now && ((uint32_t)now[0] | (uint32_t)now[1] << 8 | (uint32_t)now[2] << 16 |
		       (uint32_t)now[3] << 24) == v
		   ? 0
		   : pci_cfg_write32(cfg, off, v);
}

int cfg_restore(struct pci_cfg *cfg, const struct cfg_saved *s, struct why *why)
{
	return cfg_restore_seen(cfg, s, NULL, 0, why);
}

int cfg_restore_seen(struct pci_cfg *cfg, const struct cfg_saved *s, const uint8_t *now,
		     unsigned now_len, struct why *why)
{
	struct now_view v;
	unsigned off = 0;
	uint16_t pmcsr;
	int r;

#define HDR(o)	(v.hdr_ok ? v.hdr + (o) : NULL)
#define PCIE(o) (v.pcie_ok ? v.pcie + (o) : NULL)
	if (now && now_len >= sizeof(v.hdr)) {
		memcpy(v.hdr, now, sizeof(v.hdr));
		v.hdr_ok = true;
	} else {
		now_len = 0;
		v.hdr_ok = pci_cfg_read_block(cfg, 0, v.hdr, sizeof(v.hdr)) >= 0;
	}
	if (s->pcie && s->pcie + sizeof(v.pcie) <= now_len) {
		memcpy(v.pcie, now + s->pcie, sizeof(v.pcie));
		v.pcie_ok = true;
	} else {
		v.pcie_ok =
		    s->pcie && pci_cfg_read_block(cfg, s->pcie, v.pcie, sizeof(v.pcie)) >= 0;
	}
	if (s->pcie) {
		off = s->pcie;
		if ((r = put16(cfg, off + PCI_EXP_DEVCTL, s->devctl & ~PCI_EXP_DEVCTL_BCR_FLR,
			       PCIE(PCI_EXP_DEVCTL))) < 0 ||
		    (r = put16(cfg, off + PCI_EXP_LNKCTL, s->lnkctl, PCIE(PCI_EXP_LNKCTL))) < 0)
			goto fail;
		if (PCIE_CAP_VERSION(s->pcie_flags) >= 2 &&
		    ((r = put16(cfg, off + PCI_EXP_DEVCTL2, s->devctl2, PCIE(PCI_EXP_DEVCTL2))) <
			 0 ||
		     (r = put16(cfg, off + PCI_EXP_LNKCTL2, s->lnkctl2, PCIE(PCI_EXP_LNKCTL2))) <
			 0))
			goto fail;
	}
	if (s->pm) {
		/* Bit 15 (PME_Status) is write-one-to-clear: never write it back. */
		off = s->pm + PCI_PM_CTRL;
		/* The block's PMCSR: the PCIe writes above touch no PM register. */
		if (off + 2 <= now_len)
			pmcsr = (uint16_t)(now[off] | now[off + 1] << 8);
		else if (pci_cfg_read16(cfg, off, &pmcsr) < 0)
			pmcsr = (uint16_t)~s->pmcsr;
		if ((pmcsr & 0x7fff) != (s->pmcsr & 0x7fff))
			if ((r = pci_cfg_write16(cfg, off, s->pmcsr & 0x7fff)) < 0)
				goto fail;
	}
	for (off = PCI_BASE_ADDRESS_0; off < PCI_STD_HEADER_SIZE; off += 4)
		if (restore_dword(s->header_type, off) &&
		    (r = put32(cfg, off, s->header[off / 4], HDR(off))) < 0)
			goto fail;
	if (s->header_type == PCI_HEADER_TYPE_BRIDGE) {
		off = 0x1c; /* I/O base and limit; the status half is W1C */
		if ((r = put16(cfg, off, hdr16(s, off), HDR(off))) < 0)
			goto fail;
		off = PCI_BRIDGE_CONTROL;
		if ((r = put16(cfg, off, hdr16(s, off) & ~PCI_BRIDGE_CTL_BUS_RESET, HDR(off))) < 0)
			goto fail;
	}
	/* Cache line size and latency timer; not BIST at 0x0f (writing it can start a self-test).
	 */
	off = PCI_CACHE_LINE_SIZE;
	if ((r = put8(cfg, off, hdr8(s, off), HDR(off))) < 0 ||
	    (r = put8(cfg, off + 1, hdr8(s, off + 1), HDR(off + 1))) < 0)
		goto fail;
	off = PCI_INTERRUPT_LINE;
	if ((r = put8(cfg, off, hdr8(s, off), HDR(off))) < 0)
		goto fail;
	if (s->sriov && (r = sriov_restore(cfg, s, &off)) < 0)
		goto fail;
	/* Command last (PCI 3.0 §6.2.2): the function decodes only once its BARs are back. */
	off = PCI_COMMAND;
	if ((r = put16(cfg, off, hdr16(s, off), HDR(off))) < 0)
		goto fail;
	return 0;
#undef HDR
#undef PCIE
fail:
	return io_err(why, r, "writing", off);
}

/*
 * A VF's identity: its Vendor/Device ID read 0xffff, so it is alive while its
 * Command/Status dword does not read all-ones, and itself while its Class
 * Code and Revision read as saved (SR-IOV 1.1 §3.4.1.5-6: they are the VF's
 * own, fixed in hardware).
 */
static int vf_identity_of(uint32_t cmd, uint32_t rev, const struct cfg_saved *s, struct why *why)
{
	if (cmd == 0xffffffff)
		return why_err(why, -ENODEV,
			       "virtual function not responding after reset (Command/Status "
			       "reads all-ones; VF Enable cleared on its PF?)");
	if (rev != s->header[PCI_REVISION_ID / 4])
		return why_err(why, -EIO,
			       "virtual function's class/revision changed: %08x before, %08x "
			       "after",
			       s->header[PCI_REVISION_ID / 4], rev);
	return 0;
}

static int vf_identity(struct pci_cfg *cfg, const struct cfg_saved *s, struct why *why)
{
	uint32_t cmd, rev = 0;
	int r;

	r = pci_cfg_read32(cfg, PCI_COMMAND, &cmd);
	if (r < 0)
		return io_err(why, r, "reading", PCI_COMMAND);
	if (cmd != 0xffffffff && (r = pci_cfg_read32(cfg, PCI_REVISION_ID, &rev)) < 0)
		return io_err(why, r, "reading", PCI_REVISION_ID);
	return vf_identity_of(cmd, rev, s, why);
}

/* The VFs are back: VF Enable and NumVFs read as saved. */
static int sriov_verify(struct pci_cfg *cfg, const struct cfg_saved *s, struct why *why)
{
	uint16_t ctl, num;
	int r;

	if (!s->sriov || !(s->sriov_ctrl & PCI_SRIOV_CTRL_VFE))
		return 0;
	if ((r = pci_cfg_read16(cfg, s->sriov + PCI_SRIOV_CTRL, &ctl)) < 0 ||
	    (r = pci_cfg_read16(cfg, s->sriov + PCI_SRIOV_NUM_VF, &num)) < 0)
		return io_err(why, r, "reading", s->sriov);
	if (!(ctl & PCI_SRIOV_CTRL_VFE) || num != s->sriov_num_vfs)
		return why_err(why, -EIO,
			       "SR-IOV VF Enable %u, NumVFs %u after restore instead of 1, %u: "
			       "the VFs did not come back",
			       ctl & PCI_SRIOV_CTRL_VFE, num, s->sriov_num_vfs);
	return 0;
}

/* One block read of the header, then every comparison on it. */
int cfg_verify(struct pci_cfg *cfg, const struct cfg_saved *s, struct why *why)
{
	unsigned nbars = s->header_type == PCI_HEADER_TYPE_BRIDGE ? 2 : 6;
	unsigned rom =
	    s->header_type == PCI_HEADER_TYPE_BRIDGE ? PCI_ROM_ADDRESS1 : PCI_ROM_ADDRESS;
	uint32_t h[16], v;
	uint16_t cmd;
	int r;

	r = read_header(cfg, h, why);
	if (r < 0)
		return r;
	v = h[PCI_VENDOR_ID / 4];
	if (s->vf && (r = vf_identity_of(h[PCI_COMMAND / 4], h[PCI_REVISION_ID / 4], s, why)) < 0)
		return r;
	if (!s->vf && v == 0xffffffff)
		return why_err(why, -ENODEV, "device not responding after reset (reads all-ones)");
	if (!s->vf && v != s->header[0])
		return why_err(why, -EIO,
			       "device identity changed: %04x:%04x before, %04x:%04x after",
			       s->header[0] & 0xffff, s->header[0] >> 16, v & 0xffff, v >> 16);
	for (unsigned i = 0; i < nbars; i++) {
		unsigned off = PCI_BASE_ADDRESS_0 + 4 * i;

		if (h[off / 4] != s->header[off / 4])
			return why_err(why, -EIO,
				       "BAR%u reads 0x%08x instead of 0x%08x after restore", i,
				       h[off / 4], s->header[off / 4]);
	}
	if (h[rom / 4] != s->header[rom / 4])
		return why_err(why, -EIO, "expansion ROM BAR reads 0x%08x instead of 0x%08x",
			       h[rom / 4], s->header[rom / 4]);
	cmd = (uint16_t)h[PCI_COMMAND / 4];
	if (cmd != hdr16(s, PCI_COMMAND))
		return why_err(why, -EIO, "Command register reads 0x%04x instead of 0x%04x", cmd,
			       hdr16(s, PCI_COMMAND));
	return sriov_verify(cfg, s, why);
}

int cfg_ready(struct pci_cfg *cfg, const struct cfg_saved *s, struct why *why)
{
	uint32_t v, ids = s ? s->header[0] : 0;
	int r;

	if (s && s->vf) {
		r = vf_identity(cfg, s, why);
		if (r == -ENODEV)
			why_set(why, "Command/Status reads all-ones");
		if (r == -ENODEV || r == -EIO)
			return 0; /* not answering yet, or not as itself yet */
		return r < 0 ? r : 1;
	}
	r = pci_cfg_read32(cfg, PCI_VENDOR_ID, &v);
	if (r < 0)
		return io_err(why, r, "reading", PCI_VENDOR_ID);
	if (v == 0xffffffff) {
		why_set(why, "reads all-ones");
		return 0;
	}
	/* PCIe 6.0 §2.3.1: with CRS Software Visibility a retried Vendor ID read returns 0x0001. */
	if ((v & 0xffff) == 0x0001) {
		why_set(why, "answers Configuration Request Retry");
		return 0;
	}
	/* A link still training may deliver garbage: only the function's own ids count. */
	if (ids && v != ids) {
		why_set(why, "reads %04x:%04x instead of %04x:%04x", v & 0xffff, v >> 16,
			ids & 0xffff, ids >> 16);
		return 0;
	}
	return 1;
}
