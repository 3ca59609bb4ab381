/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Walking untrusted capability lists. Each step validates the pointer before
 * it is followed, a bitmap of visited offsets catches every loop, and a hard
 * cap on the number of entries bounds the walk even if both failed.
 */
#include <stdio.h>

#include "capwalk.h"
#include "pci-regs.h"

#define STD_MAX_CAPS 48	 /* (256 - 64) / 4 distinct dword slots */
#define EXT_MAX_CAPS 960 /* (4096 - 256) / 4 */

static int read_err(struct why *why, int r, unsigned off)
{
	if (r == -ENODATA || r == -ERANGE)
		return why_err(why, r, "config space truncated: cannot read offset 0x%03x", off);
	if (r == -ENODEV)
		return why_err(why, r, "device gone while reading offset 0x%03x", off);
	return why_err(why, r, "reading config space at 0x%03x failed: %s", off, strerror(-r));
}

/*
 * Fails with -ENODEV when the function reads all-ones (removed, or dead after a
 * reset). An SR-IOV VF's Vendor and Device ID read 0xffff by definition
 * (SR-IOV 1.1 §3.4.1.1-2), so all-ones there is only believed when the
 * Command/Status dword reads all-ones too.
 */
static int check_alive(struct pci_cfg *cfg, struct why *why)
{
	uint32_t id;
	int r = pci_cfg_read32(cfg, PCI_VENDOR_ID, &id);

	if (r >= 0 && id == 0xffffffff)
		r = pci_cfg_read32(cfg, PCI_COMMAND, &id);
	if (r < 0)
		return read_err(why, r, PCI_VENDOR_ID);
	if (id == 0xffffffff)
		return why_err(why, -ENODEV, "device not responding (config space reads all-ones)");
	return 0;
}

static int walk_std(struct pci_cfg *cfg, pci_cap_visit_fn visit, void *userdata, struct why *why)
{
	uint8_t visited[PCI_CFG_SPACE_SIZE / 4 / 8] = {0};
	uint16_t status;
	uint8_t ptr, from = PCI_CAPABILITY_LIST;
	int r;

	r = pci_cfg_read16(cfg, PCI_STATUS, &status);
	if (r < 0)
		return read_err(why, r, PCI_STATUS);
	if (!(status & PCI_STATUS_CAP_LIST))
		return 0;
	r = pci_cfg_read8(cfg, PCI_CAPABILITY_LIST, &ptr);
	if (r < 0)
		return read_err(why, r, PCI_CAPABILITY_LIST);
	for (unsigned n = 0; ptr; n++) {
		struct pci_cap cap = {0};
		uint16_t pair;
		uint8_t id, next;

		if (ptr < PCI_STD_HEADER_SIZE)
			return why_err(why, -EBADMSG,
				       "capability pointer at 0x%02x points to 0x%02x, inside the "
				       "header",
				       from, ptr);
		if (ptr & 3)
			return why_err(why, -EBADMSG,
				       "capability pointer at 0x%02x points to 0x%02x, not dword "
				       "aligned",
				       from, ptr);
		if (visited[ptr / 32] & (1u << ((ptr / 4) % 8)) || n >= STD_MAX_CAPS)
			return why_err(why, -EBADMSG,
				       "capability list loops at 0x%02x (from 0x%02x)", ptr, from);
		visited[ptr / 32] |= (uint8_t)(1u << ((ptr / 4) % 8));
		/* ID and next pointer in one 16-bit read: one configuration request, one system
		 * call. */
		if ((r = pci_cfg_read16(cfg, ptr, &pair)) < 0)
			return read_err(why, r, ptr);
		id = (uint8_t)pair;
		next = (uint8_t)(pair >> 8);
		if (id == 0xff && next == 0xff)
			return why_err(why, -ENODEV,
				       "capability at 0x%02x reads all-ones: device not responding",
				       ptr);
		cap.id = id;
		cap.off = ptr;
		r = visit(&cap, userdata);
		if (r != 0)
			return r;
		from = (uint8_t)(ptr + 1);
		ptr = next;
	}
	return 0;
}

static int walk_ext(struct pci_cfg *cfg, pci_cap_visit_fn visit, void *userdata, struct why *why)
{
	uint8_t visited[PCI_CFG_SPACE_EXP_SIZE / 4 / 8] = {0};
	unsigned off = PCI_CFG_SPACE_SIZE, from = 0;
	int r;

	if (cfg->size <= PCI_CFG_SPACE_SIZE)
		return 0;
	for (unsigned n = 0;; n++) {
		struct pci_cap cap = {.extended = true};
		uint32_t hdr;
		unsigned next;

		if (visited[off / 32] & (1u << ((off / 4) % 8)) || n >= EXT_MAX_CAPS)
			return why_err(why, -EBADMSG,
				       "extended capability list loops at 0x%03x (from 0x%03x)",
				       off, from);
		visited[off / 32] |= (uint8_t)(1u << ((off / 4) % 8));
		r = pci_cfg_read32(cfg, off, &hdr);
		if (r < 0)
			return read_err(why, r, off);
		/* 0 (no capabilities) or all-ones (no extended space, e.g. conventional PCI). */
		if (hdr == 0 || (hdr == 0xffffffff && off == PCI_CFG_SPACE_SIZE))
			return 0;
		if (hdr == 0xffffffff)
			return why_err(why, -ENODEV,
				       "extended capability at 0x%03x reads all-ones: device not "
				       "responding",
				       off);
		cap.id = hdr & 0xffff;
		cap.version = (hdr >> 16) & 0xf;
		cap.off = (uint16_t)off;
		r = visit(&cap, userdata);
		if (r != 0)
			return r;
		next = hdr >> 20;
		if (next == 0)
			return 0;
		if (next < PCI_CFG_SPACE_SIZE)
			return why_err(why, -EBADMSG,
				       "extended capability at 0x%03x points to 0x%03x, inside the "
				       "standard space",
				       off, next);
		if (next & 3)
			return why_err(why, -EBADMSG,
				       "extended capability at 0x%03x points to 0x%03x, not dword "
				       "aligned",
				       off, next);
		if (next + 4 > cfg->size)
			return why_err(why, -EBADMSG,
				       "extended capability at 0x%03x points to 0x%03x, beyond the "
				       "%u bytes of config space",
				       off, next, cfg->size);
		from = off;
		off = next;
	}
}

struct find_ctx {
	uint16_t id;
	uint16_t off;
};

static int find_visit(const struct pci_cap *cap, void *userdata)
{
	struct find_ctx *f = userdata;

	if (cap->id != f->id)
		return 0;
	f->off = cap->off;
	return 1;
}

int pci_cap_find(struct pci_cfg *cfg, uint8_t id, uint16_t *off, struct why *why)
{
	struct find_ctx f = {.id = id};
	int r;

	r = check_alive(cfg, why);
	if (r < 0)
		return r;
	r = walk_std(cfg, find_visit, &f, why);
	if (r < 0)
		return r;
	if (r == 0)
		return -ENOENT;
	*off = f.off;
	return 0;
}

int pci_ecap_find(struct pci_cfg *cfg, uint16_t id, uint16_t *off, struct why *why)
{
	struct find_ctx f = {.id = id};
	int r;

	r = check_alive(cfg, why);
	if (r < 0)
		return r;
	r = walk_ext(cfg, find_visit, &f, why);
	if (r < 0)
		return r;
	if (r == 0)
		return -ENOENT;
	*off = f.off;
	return 0;
}

int pci_cap_walk(struct pci_cfg *cfg, pci_cap_visit_fn visit, void *userdata, struct why *why)
{
	int r;

	r = check_alive(cfg, why);
	if (r >= 0)
		r = walk_std(cfg, visit, userdata, why);
	if (r == 0)
		r = walk_ext(cfg, visit, userdata, why);
	return r < 0 ? r : 0;
}

struct list_ctx {
	struct pci_cap *caps;
	unsigned max, n;
};

static int list_visit(const struct pci_cap *cap, void *userdata)
{
	struct list_ctx *l = userdata;

	if (l->n < l->max)
		l->caps[l->n++] = *cap;
	return 0;
}

int pci_cap_list(struct pci_cfg *cfg, struct pci_cap *caps, unsigned max, unsigned *n,
		 struct why *why)
{
	struct list_ctx l = {.caps = caps, .max = max};
	int r;

	*n = 0;
	r = check_alive(cfg, why);
	if (r >= 0)
		r = walk_std(cfg, list_visit, &l, why);
	if (r >= 0)
		r = walk_ext(cfg, list_visit, &l, why);
	*n = l.n;
	return r < 0 ? r : 0;
}
