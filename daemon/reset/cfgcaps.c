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

struct header_view {
	struct pci_cfg *cfg;
	uint8_t hdr[PCI_STD_HEADER_SIZE];
};

static ssize_t view_read(void *ud, unsigned off, void *buf, size_t len)
{
	struct header_view *v = ud;

	if (off + len <= sizeof(v->hdr)) {
		memcpy(buf, v->hdr + off, len);
		return (ssize_t)len;
	}
	return v->cfg->ops->read(v->cfg->ud, off, buf, len);
}

static ssize_t view_write(void *ud, unsigned off, const void *buf, size_t len)
{
	struct header_view *v = ud;

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

int cfg_caps_find(struct pci_cfg *cfg, struct cfg_caps *c, struct why *why)
{
	_cleanup_(pci_cfg_freep) struct pci_cfg *view = NULL;
	struct header_view *v;
	int r;

	*c = (struct cfg_caps){0};
	v = calloc(1, sizeof(*v));
	if (!v)
		return why_err(why, -ENOMEM, "out of memory");
	v->cfg = cfg;
	r = pci_cfg_read_block(cfg, 0, v->hdr, sizeof(v->hdr));
	if (r == -ERANGE || r == -ENODATA) {
		/* Too short for a block (a truncated file): the walk reads as it goes. */
		free(v);
		return cfg_caps_walk(cfg, c, why);
	}
	if (r < 0) {
		free(v);
		if (r == -ENODEV)
			return why_err(why, r, "device gone while reading offset 0x000");
		return why_err(why, r, "reading config space at 0x000 failed: %s", strerror(-r));
	}
	r = pci_cfg_new(&view_ops, v, cfg->size, &view);
	if (r < 0)
		return why_err(why, r, "out of memory");
	r = pci_cap_walk(view, caps_visit, c, why);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < 16; i++) {
		uint32_t d;

		memcpy(&d, v->hdr + 4 * i, sizeof(d));
		c->header[i] = le32toh(d);
	}
	c->header_ok = true;
	return 0;
}
