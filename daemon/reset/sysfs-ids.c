/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A function's identity for the policy: what the kernel read at enumeration
 * and shows in sysfs (vendor, device, subsystem_vendor, subsystem_device,
 * class, revision), not config space as it reads now: a guest that had the
 * device may have rewritten its firmware, and must not choose the rule its
 * reset is decided by. A VF's IDs read 0xffff in its own config space
 * (issue 17): sysfs has them, else its PF's config space does.
 *
 * Six attributes are six open/read/close triples, 18 system calls, each
 * 0.5-1 ms in the Xen dom0. The kernel fixes them when it creates the device
 * directory, so what they showed is kept for that directory: a function
 * removed and added again gets a new directory (kernfs gives it a new inode
 * number), and a directory whose inode, device or change time differs is
 * read again. The caller's stat of the directory replaces the access() it
 * made anyway: no system call is added.
 */
#include <limits.h>
#include <stdio.h>

#include "capwalk.h"
#include "pci-regs.h"
#include "sysfs-internal.h"

/* Reads a hex attribute ("0x8086"); -errno when absent or malformed. */
static int read_hex_attr(const struct sysfs_host *h, const struct pcirst_sbdf *sbdf,
			 const char *attr, unsigned long *out)
{
	char path[PATH_MAX], buf[32], *end;
	int r;

	r = sysfs_dev_path(h, sbdf, attr, path, sizeof(path));
	if (r >= 0)
		r = sysfs_read_file(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	errno = 0;
	*out = strtoul(buf, &end, 16);
	if (errno || end == buf || *end)
		return -EBADMSG;
	return 0;
}

static bool same_dir(const struct sysfs_ids *c, const struct pcirst_sbdf *sbdf,
		     const struct stat *dir)
{
	return pcirst_sbdf_cmp(&c->sbdf, sbdf) == 0 && c->dev == dir->st_dev &&
	       c->ino == dir->st_ino && c->ctime.tv_sec == dir->st_ctim.tv_sec &&
	       c->ctime.tv_nsec == dir->st_ctim.tv_nsec;
}

static struct sysfs_ids *slot_for(struct sysfs_host *h, const struct pcirst_sbdf *sbdf)
{
	struct sysfs_ids *c;

	for (unsigned i = 0; i < h->n_ids; i++)
		if (pcirst_sbdf_cmp(&h->ids[i].sbdf, sbdf) == 0)
			return &h->ids[i];
	if (h->n_ids < SYSFS_IDS_MAX)
		return &h->ids[h->n_ids++];
	c = &h->ids[h->next_id];
	h->next_id = (h->next_id + 1) % SYSFS_IDS_MAX;
	return c;
}

bool sysfs_ids_read(struct sysfs_host *h, struct pci_dev_info *info, const struct stat *dir)
{
	static const struct {
		const char *attr;
		size_t off, width;
	} ids[] = {
#define ID(a, f) {a, offsetof(struct pci_dev_info, f), sizeof(((struct pci_dev_info *)0)->f)}
	    ID("vendor", vendor),
	    ID("device", device),
	    ID("subsystem_vendor", subsys_vendor),
	    ID("subsystem_device", subsys_device),
	    ID("class", class_code),
	    ID("revision", revision),
#undef ID
	};
	struct sysfs_ids *c;
	bool missing = false;
	unsigned long v;

	for (unsigned i = 0; dir && i < h->n_ids; i++)
		if (same_dir(&h->ids[i], &info->sbdf, dir)) {
			c = &h->ids[i];
			info->vendor = c->vendor;
			info->device = c->device;
			info->subsys_vendor = c->subsys_vendor;
			info->subsys_device = c->subsys_device;
			info->class_code = c->class_code;
			info->revision = c->revision;
			return false;
		}
	for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
		if (read_hex_attr(h, &info->sbdf, ids[i].attr, &v) < 0) {
			missing = true;
			continue;
		}
		if (ids[i].width == 1)
			*(uint8_t *)((char *)info + ids[i].off) = (uint8_t)v;
		else if (ids[i].width == 2)
			*(uint16_t *)(void *)((char *)info + ids[i].off) = (uint16_t)v;
		else
			*(uint32_t *)(void *)((char *)info + ids[i].off) = (uint32_t)v & 0xffffff;
	}
	/* Only a whole identity from sysfs is kept: the rest is read each time, as before. */
	if (missing || !dir)
		return missing;
	c = slot_for(h, &info->sbdf);
	*c = (struct sysfs_ids){
	    .sbdf = info->sbdf,
	    .dev = dir->st_dev,
	    .ino = dir->st_ino,
	    .ctime = dir->st_ctim,
	    .vendor = info->vendor,
	    .device = info->device,
	    .subsys_vendor = info->subsys_vendor,
	    .subsys_device = info->subsys_device,
	    .class_code = info->class_code,
	    .revision = info->revision,
	};
	return false;
}

static void info_from_config(struct pci_dev_info *info, bool need_ids, struct pci_cfg *cfg)
{
	uint32_t v;
	uint8_t hdr;

	if (pci_cfg_read8(cfg, PCI_HEADER_TYPE, &hdr) >= 0 && hdr != 0xff) {
		info->header_type = hdr & PCI_HEADER_TYPE_MASK;
		info->multifunction = hdr & PCI_HEADER_TYPE_MFD;
		info->is_bridge = info->header_type == PCI_HEADER_TYPE_BRIDGE;
	}
	if (!need_ids)
		return;
	if (pci_cfg_read32(cfg, PCI_VENDOR_ID, &v) >= 0 && v != 0xffffffff) {
		info->vendor = v & 0xffff;
		info->device = v >> 16;
	}
	if (pci_cfg_read32(cfg, PCI_REVISION_ID, &v) >= 0 && v != 0xffffffff) {
		info->revision = v & 0xff;
		info->class_code = v >> 8;
	}
	if (!info->is_bridge && pci_cfg_read32(cfg, PCI_SUBSYSTEM_VENDOR_ID, &v) >= 0 &&
	    v != 0xffffffff) {
		info->subsys_vendor = v & 0xffff;
		info->subsys_device = v >> 16;
	}
}

void sysfs_info_from_config(struct sysfs_host *h, struct pci_dev_info *info, bool need_ids,
			    struct pci_cfg *given, struct pci_cfg **keep)
{
	_cleanup_(pci_cfg_freep) struct pci_cfg *own = NULL;
	int r = -EBADF;

	if (given) {
		info_from_config(info, need_ids, given);
		return;
	}
	/* Writable for the caller's job; read-only where that is not allowed (a test tree). */
	if (keep)
		r = sysfs_cfg_open(h, &info->sbdf, true, &own, NULL);
	if (r < 0 && r != -ENODEV && sysfs_cfg_open(h, &info->sbdf, false, &own, NULL) < 0)
		return;
	if (!own)
		return;
	info_from_config(info, need_ids, own);
	if (r >= 0) {
		*keep = own;
		own = NULL;
	}
}

/*
 * A VF's Vendor/Device ID read 0xffff in its own config space (SR-IOV 1.1
 * §3.4.1.1-2); without sysfs's vendor/device files they come from the PF: its
 * Vendor ID and its SR-IOV capability's VF Device ID (§3.3.11).
 */
void sysfs_vf_ids_from_pf(struct sysfs_host *h, struct pci_dev_info *info)
{
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	uint16_t vendor, did, cap;

	if (sysfs_cfg_open(h, &info->physfn, false, &cfg, NULL) < 0 ||
	    pci_ecap_find(cfg, PCI_EXT_CAP_ID_SRIOV, &cap, NULL) < 0 ||
	    pci_cfg_read16(cfg, PCI_VENDOR_ID, &vendor) < 0 ||
	    pci_cfg_read16(cfg, cap + PCI_SRIOV_VF_DID, &did) < 0 || vendor == 0xffff)
		return;
	info->vendor = vendor;
	info->device = did;
}
