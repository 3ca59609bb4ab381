/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The capabilities cfg_save() needs, found once per attempt (cfgsave.h).
 * The walk runs on a view of config space that answers the header's 64
 * bytes from one block read and passes every other access through, so the
 * walker's checks (all-ones, the Capabilities List bit, every pointer) run
 * unchanged on the same values it would have read one by one.
 */
#include <endian.h>

#include "capwalk.h"
#include "cfgsave.h"
#include "pci-regs.h"

struct block_view {
	struct pci_cfg *cfg;
	const uint8_t *img;
	unsigned len;
};

static ssize_t view_read(void *ud, unsigned off, void *buf, size_t len)
{
	struct block_view *v = ud;

	if (off + len <= v->len) {
		memcpy(buf, v->img + off, len);
		return (ssize_t)len;
	}
	return v->cfg->ops->read(v->cfg->ud, off, buf, len);
}

static ssize_t view_write(void *ud, unsigned off, const void *buf, size_t len)
{
	struct block_view *v = ud;

	return v->cfg->ops->write(v->cfg->ud, off, buf, len);
}

static const struct pci_cfg_ops view_ops = {
    .read = view_read,
    .write = view_write,
    .free = free,
};

static int caps_visit(const struct pci_cap *cap, void *userdata)
{
	struct cfg_caps *c = userdata;
	uint16_t *slot = NULL;

	if (!cap->extended && cap->id == PCI_CAP_ID_EXP)
		slot = &c->pcie;
	else if (!cap->extended && cap->id == PCI_CAP_ID_PM)
		slot = &c->pm;
	else if (cap->extended && cap->id == PCI_EXT_CAP_ID_SRIOV)
		slot = &c->sriov;
	else if (cap->extended && cap->id == PCI_EXT_CAP_ID_RTR)
		slot = &c->rtr;
	if (slot && !*slot)
		*slot = cap->off;
	return 0;
}

int cfg_caps_walk(struct pci_cfg *cfg, struct cfg_caps *c, struct why *why)
{
	*c = (struct cfg_caps){0};
	return pci_cap_walk(cfg, caps_visit, c, why);
}

/*
 * The standard config space in one block: 256 bytes cost one system call, as
 * the header's 64 did (the kernel reads either as dwords). Where the file is
 * too short for 256 bytes, the header alone.
 */
static int read_std(struct pci_cfg *cfg, struct cfg_caps *c)
{
	int r = -ERANGE;

	if (cfg->size >= sizeof(c->std)) {
		r = pci_cfg_read_block(cfg, 0, c->std, sizeof(c->std));
		if (r >= 0)
			c->std_len = sizeof(c->std);
	}
	if (r == -ERANGE || r == -ENODATA) {
		r = pci_cfg_read_block(cfg, 0, c->std, PCI_STD_HEADER_SIZE);
		if (r >= 0)
			c->std_len = PCI_STD_HEADER_SIZE;
	}
	return r;
}

int cfg_caps_find(struct pci_cfg *cfg, struct cfg_caps *c, struct why *why)
{
	_cleanup_(pci_cfg_freep) struct pci_cfg *view = NULL;
	struct block_view *v;
	int r;

	*c = (struct cfg_caps){0};
	r = read_std(cfg, c);
	if (r == -ERANGE || r == -ENODATA)
		/* Too short for a block (a truncated file): the walk reads as it goes. */
		return cfg_caps_walk(cfg, c, why);
	if (r < 0) {
		if (r == -ENODEV)
			return why_err(why, r, "device gone while reading offset 0x000");
		return why_err(why, r, "reading config space at 0x000 failed: %s", strerror(-r));
	}
	v = calloc(1, sizeof(*v));
	if (!v)
		return why_err(why, -ENOMEM, "out of memory");
	*v = (struct block_view){.cfg = cfg, .img = c->std, .len = c->std_len};
	r = pci_cfg_new(&view_ops, v, cfg->size, &view);
	if (r < 0)
		return why_err(why, r, "out of memory");
	/* The walk fills only the capability offsets: the block stays in c. */
	r = pci_cap_walk(view, caps_visit, c, why);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < 16; i++) {
		uint32_t d;

		memcpy(&d, c->std + 4 * i, sizeof(d));
		c->header[i] = le32toh(d);
	}
	c->header_ok = true;
	return 0;
}

static bool held(const struct cfg_caps *c, unsigned off, unsigned len, unsigned align)
{
	return c && len && off % align == 0 && off + len <= c->std_len;
}

int cfg_caps_read_block(const struct cfg_caps *c, struct pci_cfg *cfg, unsigned off, void *buf,
			unsigned len)
{
	if (!held(c, off, len, 4) || len % 4)
		return pci_cfg_read_block(cfg, off, buf, len);
	memcpy(buf, c->std + off, len);
	return 0;
}

int cfg_caps_read16(const struct cfg_caps *c, struct pci_cfg *cfg, unsigned off, uint16_t *val)
{
	if (!held(c, off, 2, 2))
		return pci_cfg_read16(cfg, off, val);
	*val = (uint16_t)(c->std[off] | c->std[off + 1] << 8);
	return 0;
}

int cfg_caps_read32(const struct cfg_caps *c, struct pci_cfg *cfg, unsigned off, uint32_t *val)
{
	if (!held(c, off, 4, 4))
		return pci_cfg_read32(cfg, off, val);
	*val = (uint32_t)c->std[off] | (uint32_t)c->std[off + 1] << 8 |
	       (uint32_t)c->std[off + 2] << 16 | (uint32_t)c->std[off + 3] << 24;
	return 0;
}
