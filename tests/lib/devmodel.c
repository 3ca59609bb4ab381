/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The device model's functions: config space layout, write side effects, resets. */
#include <stdio.h>

#include "devmodel-internal.h"
#include "pci-regs.h"

static void put16(uint8_t *b, unsigned off, uint16_t v)
{
	b[off] = (uint8_t)v;
	b[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *b, unsigned off, uint32_t v)
{
	put16(b, off, (uint16_t)v);
	put16(b, off + 2, (uint16_t)(v >> 16));
}

static uint16_t get16(const uint8_t *b, unsigned off)
{
	return (uint16_t)(b[off] | b[off + 1] << 8);
}

static uint32_t get32(const uint8_t *b, unsigned off)
{
	return get16(b, off) | (uint32_t)get16(b, off + 2) << 16;
}

static void wmask16(struct simdev *d, unsigned off, uint16_t mask)
{
	put16(d->wmask, off, mask);
}

static void wmask32(struct simdev *d, unsigned off, uint32_t mask)
{
	put32(d->wmask, off, mask);
}

/* Lays out the power-on image and the write mask the way the spec asks a function to. */
static void build_config(struct simdev *d)
{
	const struct simdev_spec *s = &d->spec;
	uint8_t *c = d->poweron;
	uint8_t last = 0; /* offset of the last standard capability's next pointer */

	put16(c, PCI_VENDOR_ID, s->vendor);
	put16(c, PCI_DEVICE_ID, s->device);
	put32(c, PCI_REVISION_ID, (s->class_code << 8) | s->revision);
	c[PCI_HEADER_TYPE] = (uint8_t)((s->bridge ? PCI_HEADER_TYPE_BRIDGE : 0) |
				       (s->multifunction ? PCI_HEADER_TYPE_MFD : 0));
	wmask16(d, PCI_COMMAND, 0x0547);
	d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	d->wmask[PCI_CACHE_LINE_SIZE + 1] = 0xff;
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
	c[PCI_INTERRUPT_LINE + 1] = 1; /* INTA */
	if (s->bridge) {
		c[PCI_SECONDARY_BUS] = s->secondary_bus;
		c[PCI_SUBORDINATE_BUS] = s->subordinate_bus;
		wmask32(d, PCI_PRIMARY_BUS, 0xffffffff);
		wmask16(d, 0x1c, 0xffff);
		for (unsigned off = 0x20; off < 0x34; off += 4)
			wmask32(d, off, 0xffffffff);
		wmask16(d, PCI_BRIDGE_CONTROL, 0x0fff);
	} else {
		put16(c, PCI_SUBSYSTEM_VENDOR_ID, s->subsys_vendor);
		put16(c, PCI_SUBSYSTEM_ID, s->subsys_device);
		for (unsigned i = 0; i < 6; i++) {
			unsigned off = PCI_BASE_ADDRESS_0 + 4 * i;
			uint8_t fl = s->bar_flags[i];

			if (!s->bar_size[i])
				continue;
			put32(c, off, fl);
			wmask32(d, off, ~(s->bar_size[i] - 1) & ((fl & 0x1) ? ~0x3u : ~0xfu));
			if ((fl & 0x7) == 0x4 && i < 5)
				wmask32(d, off + 4, 0xffffffff);
		}
		if (s->rom_size)
			wmask32(d, PCI_ROM_ADDRESS, ~(s->rom_size - 1) | 0x1);
	}
	if (s->pm) {
		c[SIM_PM_CAP] = PCI_CAP_ID_PM;
		put16(c, SIM_PM_CAP + 2, 0x0003); /* PM 1.2 */
		put16(c, SIM_PM_CAP + PCI_PM_CTRL,
		      s->no_soft_reset ? PCI_PM_CTRL_NO_SOFT_RESET : 0);
		wmask16(d, SIM_PM_CAP + PCI_PM_CTRL, 0x0103);
		c[PCI_CAPABILITY_LIST] = SIM_PM_CAP;
		last = SIM_PM_CAP + 1;
	}
	if (s->msi) {
		/* PCI 3.0 §6.8.1: Enable and Multiple Message Enable RW, 64-bit RO, message RW. */
		c[SIM_MSI_CAP] = PCI_CAP_ID_MSI;
		put16(c, SIM_MSI_CAP + PCI_MSI_FLAGS, s->msi_64 ? PCI_MSI_FLAGS_64BIT : 0);
		wmask16(d, SIM_MSI_CAP + PCI_MSI_FLAGS, 0x0071);
		wmask32(d, SIM_MSI_CAP + PCI_MSI_ADDRESS_LO, 0xfffffffc);
		if (s->msi_64)
			wmask32(d, SIM_MSI_CAP + PCI_MSI_ADDRESS_LO + 4, 0xffffffff);
		wmask16(d, simdev_msi_data_off(d), 0xffff);
		c[last ? last : PCI_CAPABILITY_LIST] = SIM_MSI_CAP;
		last = SIM_MSI_CAP + 1;
	}
	if (s->pcie) {
		unsigned p = SIM_PCIE_CAP;

		c[p] = PCI_CAP_ID_EXP;
		put16(c, p + PCI_EXP_FLAGS, (uint16_t)(0x0002 | (s->pcie_type << 4)));
		put32(c, p + PCI_EXP_DEVCAP, s->flr ? PCI_EXP_DEVCAP_FLR : 0);
		put16(c, p + PCI_EXP_DEVCTL,
		      0x2810); /* spec defaults: MRRS 512, relaxed ordering */
		wmask16(d, p + PCI_EXP_DEVCTL, 0x7fff);
		put32(c, p + PCI_EXP_LNKCAP,
		      (s->link_speed ? s->link_speed : 1) |
			  (s->dlllarc ? PCI_EXP_LNKCAP_DLLLARC : 0));
		wmask16(d, p + PCI_EXP_LNKCTL, 0x0ffb);
		wmask16(d, p + PCI_EXP_DEVCTL2, 0xffff);
		wmask16(d, p + PCI_EXP_LNKCTL2, 0xffff);
		c[last ? last : PCI_CAPABILITY_LIST] = (uint8_t)p;
		last = (uint8_t)(p + 1);
	}
	if (s->af) {
		c[SIM_AF_CAP] = PCI_CAP_ID_AF;
		c[SIM_AF_CAP + PCI_AF_LENGTH] = 6;
		c[SIM_AF_CAP + PCI_AF_CAP] = PCI_AF_CAP_TP | PCI_AF_CAP_FLR;
		c[last ? last : PCI_CAPABILITY_LIST] = SIM_AF_CAP;
	}
	if (c[PCI_CAPABILITY_LIST])
		put16(c, PCI_STATUS, PCI_STATUS_CAP_LIST);
	simdev_hw_layout(d);
	memcpy(d->cfg, d->poweron, sizeof(d->cfg));
	simdev_hw_created(d);
}

static char *dup_or_null(const char *s)
{
	char *r = s ? strdup(s) : NULL;

	if (s && !r)
		abort();
	return r;
}

struct simdev *devmodel_add(struct devmodel *m, const struct simdev_spec *spec)
{
	struct simdev *d = calloc(1, sizeof(*d)), **v;

	if (!d || pcirst_sbdf_parse(spec->sbdf, &d->sbdf) < 0) {
		fprintf(stderr, "devmodel: bad spec '%s'\n", spec->sbdf ? spec->sbdf : "(null)");
		abort();
	}
	d->m = m;
	d->spec = *spec;
	d->spec.sbdf = d->name = dup_or_null(spec->sbdf);
	d->spec.parent = dup_or_null(spec->parent);
	d->spec.physfn = dup_or_null(spec->physfn);
	d->spec.reset_method = NULL;
	d->spec.driver = NULL;
	if (spec->parent && pcirst_sbdf_parse(spec->parent, &d->parent) < 0)
		abort();
	if (spec->physfn && pcirst_sbdf_parse(spec->physfn, &d->physfn) < 0)
		abort();
	snprintf(d->driver, sizeof(d->driver), "%s", spec->driver ? spec->driver : "");
	if (spec->reset_method) {
		d->has_reset_method = true;
		snprintf(d->reset_method, sizeof(d->reset_method), "%s", spec->reset_method);
		snprintf(d->reset_method_orig, sizeof(d->reset_method_orig), "%s",
			 spec->reset_method);
	}
	d->size = spec->cfg_size ? spec->cfg_size
		  : spec->pcie	 ? PCI_CFG_SPACE_EXP_SIZE
				 : PCI_CFG_SPACE_SIZE;
	build_config(d);
	d->created = now_usec();
	v = reallocarray(m->devs, m->n + 1, sizeof(*v));
	if (!v)
		abort();
	m->devs = v;
	m->devs[m->n++] = d;
	return d;
}

void simdev_free(struct simdev *d)
{
	free(d->name);
	free((char *)d->spec.parent);
	free((char *)d->spec.physfn);
	free(d);
}

static bool below(struct devmodel *m, const struct simdev *d, const struct simdev *bridge)
{
	for (unsigned depth = 0; depth < 64 && d->spec.parent; depth++) {
		if (pcirst_sbdf_cmp(&d->parent, &bridge->sbdf) == 0)
			return true;
		d = devmodel_find_sbdf(m, &d->parent);
		if (!d)
			return false;
	}
	return false;
}

void simdev_do_reset(struct simdev *d)
{
	usec_t now = now_usec();
	uint8_t sriov_ctl = d->cfg[SIM_SRIOV_CAP + PCI_SRIOV_CTRL];

	memcpy(d->cfg, d->poweron, sizeof(d->cfg));
	if (d->spec.pf && d->b.reset_keeps_vf_enable)
		d->cfg[SIM_SRIOV_CAP + PCI_SRIOV_CTRL] = sriov_ctl & PCI_SRIOV_CTRL_VFE;
	d->reset_count++;
	d->reset_at = now;
	d->ready_at = d->b.crs_forever ? UINT64_MAX : now + d->b.crs_usec;
	if (d->b.never_ready)
		d->dead = true;
}

/*
 * The kernel's reset as Linux does it: pci_reset_function() brackets the
 * reset with pci_save_state()/pci_restore_state(), which put back the header
 * and the saved capabilities but the MSI registers only when MSI is enabled
 * (__pci_restore_msi_state(), drivers/pci/msi/msi.c). Linux tests its own
 * dev->msi_enabled; the model uses the MSI Enable bit, which is the same for
 * a function whose MSI the kernel set up.
 */
void simdev_kernel_reset(struct simdev *d)
{
	uint8_t saved[PCI_CFG_SPACE_EXP_SIZE];
	unsigned msi_end = SIM_MSI_CAP + (d->spec.msi_64 ? 0x0e : 0x0a);
	bool msi_enabled = get16(d->cfg, SIM_MSI_CAP + PCI_MSI_FLAGS) & PCI_MSI_FLAGS_ENABLE;

	if (d->b.kernel_no_effect)
		return;
	memcpy(saved, d->cfg, sizeof(saved));
	simdev_do_reset(d);
	d->ready_at = 0; /* the kernel waited for the function inside its reset */
	for (unsigned off = 0; off < sizeof(saved); off++)
		if (!d->spec.msi || msi_enabled || off < SIM_MSI_CAP || off >= msi_end)
			d->cfg[off] = saved[off];
}

unsigned simdev_msi_data_off(const struct simdev *d)
{
	return SIM_MSI_CAP + (d->spec.msi_64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32);
}

void simdev_program_msi(struct simdev *d, bool enable, uint32_t addr, uint16_t data)
{
	uint16_t ctl = get16(d->cfg, SIM_MSI_CAP + PCI_MSI_FLAGS) & ~PCI_MSI_FLAGS_ENABLE;

	if (!d->spec.msi)
		abort();
	put16(d->cfg, SIM_MSI_CAP + PCI_MSI_FLAGS, ctl | (enable ? PCI_MSI_FLAGS_ENABLE : 0));
	put32(d->cfg, SIM_MSI_CAP + PCI_MSI_ADDRESS_LO, addr & ~0x3u);
	put16(d->cfg, simdev_msi_data_off(d), data);
}

bool simdev_port(const struct simdev *d)
{
	return d->spec.pcie && (d->spec.pcie_type == PCI_EXP_TYPE_ROOT_PORT ||
				d->spec.pcie_type == PCI_EXP_TYPE_DOWNSTREAM);
}

/* Side effects of a write whose bytes [off, off+width) were just stored. */
static void write_effects(struct simdev *d, unsigned off, unsigned width, uint32_t val,
			  const uint8_t *before)
{
	struct devmodel *m = d->m;
	usec_t now = now_usec();
	unsigned p = SIM_PCIE_CAP + PCI_EXP_DEVCTL, pm = SIM_PM_CAP + PCI_PM_CTRL;
	unsigned ctl = PCI_BRIDGE_CONTROL;

#define TOUCHES(reg, len) (off <= (reg) && off + width >= (reg) + (len))
	if (d->spec.pcie && TOUCHES(p, 2)) {
		uint16_t v = (uint16_t)(val >> ((p - off) * 8));

		if ((v & PCI_EXP_DEVCTL_BCR_FLR) && d->spec.flr && !d->b.flr_no_effect)
			simdev_do_reset(d);
	}
	if (d->spec.af && TOUCHES(SIM_AF_CAP + PCI_AF_CTRL, 1)) {
		uint8_t v = (uint8_t)(val >> ((SIM_AF_CAP + PCI_AF_CTRL - off) * 8));

		if ((v & PCI_AF_CTRL_FLR) && !d->b.flr_no_effect)
			simdev_do_reset(d);
	}
	if (d->spec.pm && TOUCHES(pm, 2)) {
		unsigned old = get16(before, pm) & PCI_PM_CTRL_STATE_MASK;
		unsigned cur = get16(d->cfg, pm) & PCI_PM_CTRL_STATE_MASK;

		/* PCI PM 1.2 §5.4.1: D3hot->D0 is an internal reset unless NoSoftReset. */
		if (old == 3 && cur == 0 && !d->spec.no_soft_reset && !d->b.pm_no_effect)
			simdev_do_reset(d);
	}
	if (d->spec.bridge && TOUCHES(ctl, 2)) {
		bool was = get16(before, ctl) & PCI_BRIDGE_CTL_BUS_RESET;
		bool is = get16(d->cfg, ctl) & PCI_BRIDGE_CTL_BUS_RESET;

		if (!was && is)
			d->sbr_asserted_at = now;
		if (was && !is) {
			d->sbr_deasserted_at = now;
			d->link_down_until =
			    d->b.link_never_active ? UINT64_MAX : now + d->b.link_up_usec;
		}
		for (unsigned i = 0; was != is && i < m->n; i++) {
			struct simdev *c = m->devs[i];

			if (c->removed || !below(m, c, d))
				continue;
			c->in_reset = is;
			if (!is && !c->b.bus_no_effect)
				simdev_do_reset(c);
		}
	}
	simdev_hw_write(d, off, width, val, before);
#undef TOUCHES
}

int simdev_cfg_write(struct simdev *d, unsigned off, const uint8_t *buf, unsigned len)
{
	uint8_t before[PCI_CFG_SPACE_EXP_SIZE];
	uint32_t val = 0;

	if (d->removed)
		return -ENODEV;
	if (d->b.write_fail_errno)
		return -d->b.write_fail_errno;
	if (off + len > d->size)
		return -EIO;
	devmodel_log_access(d->m, d, off, len, true, buf);
	if (d->b.gone || d->in_reset || d->dead || simdev_offline(d) || now_usec() < d->ready_at)
		return (int)len; /* a function that does not answer drops writes */
	memcpy(before, d->cfg, sizeof(before));
	for (unsigned i = 0; i < len; i++) {
		uint8_t mask = d->wmask[off + i];

		d->cfg[off + i] = (uint8_t)((d->cfg[off + i] & ~mask) | (buf[i] & mask));
		val |= (uint32_t)buf[i] << (8 * i);
	}
	write_effects(d, off, len, val, before);
	return (int)len;
}

int simdev_cfg_read(struct simdev *d, unsigned off, uint8_t *buf, unsigned len)
{
	usec_t now = now_usec();
	uint8_t view[PCI_CFG_SPACE_EXP_SIZE];

	if (d->removed)
		return -ENODEV;
	if (off >= d->size)
		return 0;
	if (off + len > d->size)
		len = d->size - off;
	devmodel_log_access(d->m, d, off, len, false, NULL);
	if (d->b.gone || d->in_reset || d->dead || simdev_offline(d)) {
		memset(buf, 0xff, len);
		return (int)len;
	}
	if (now < d->ready_at) {
		/* PCIe 6.0 §2.3.1: with CRS Software Visibility a Vendor ID read returns 0x0001. */
		memset(buf, 0xff, len);
		if (off == 0) {
			buf[0] = 0x01;
			if (len > 1)
				buf[1] = 0x00;
		}
		return (int)len;
	}
	memcpy(view + off, d->cfg + off, len);
	if (d->spec.pcie) {
		unsigned sta = SIM_PCIE_CAP + PCI_EXP_DEVSTA, lnk = SIM_PCIE_CAP + PCI_EXP_LNKSTA;
		bool pending = d->b.pending_forever || now < d->created + d->b.pending_usec;
		uint16_t v = get16(d->cfg, sta) | (pending ? PCI_EXP_DEVSTA_TRPND : 0);
		uint16_t l = get16(d->cfg, lnk);

		if (simdev_port(d) && now >= d->link_down_until)
			l |= PCI_EXP_LNKSTA_DLLLA;
		put16(view, sta, v);
		put16(view, lnk, l);
	}
	if (d->spec.af) {
		bool pending = d->b.pending_forever || now < d->created + d->b.pending_usec;

		view[SIM_AF_CAP + PCI_AF_STATUS] = pending ? PCI_AF_STATUS_TP : 0;
	}
	memcpy(buf, view + off, len);
	return (int)len;
}

void simdev_program(struct simdev *d)
{
	const struct simdev_spec *s = &d->spec;

	put16(d->cfg, PCI_COMMAND, 0x0006);
	for (unsigned i = 0; i < 6 && !s->bridge; i++) {
		unsigned off = PCI_BASE_ADDRESS_0 + 4 * i;
		uint32_t mask = ~(s->bar_size[i] - 1);
		uint8_t fl = s->bar_flags[i];

		if (!s->bar_size[i])
			continue;
		if (fl & 0x1) {
			put32(d->cfg, off, ((0xc000u + i * 0x100u) & mask) | fl);
		} else if ((fl & 0x6) == 0x4 && i < 5) {
			/* Above 4 GiB: the low dword's address bits may well be 0. */
			put32(d->cfg, off, ((i * 0x100000u) & mask) | fl);
			put32(d->cfg, off + 4, 0x00000001);
		} else {
			put32(d->cfg, off, ((0xfe000000u + i * 0x100000u) & mask) | fl);
		}
	}
	if (!s->bridge && s->rom_size)
		put32(d->cfg, PCI_ROM_ADDRESS, 0xfd000000u & ~(s->rom_size - 1));
	d->cfg[PCI_INTERRUPT_LINE] = 0x0b;
}

uint32_t simdev_peek32(const struct simdev *d, unsigned off)
{
	return get32(d->cfg, off);
}

uint16_t simdev_peek16(const struct simdev *d, unsigned off)
{
	return get16(d->cfg, off);
}

unsigned simdev_power_state(const struct simdev *d)
{
	return d->spec.pm ? get16(d->cfg, SIM_PM_CAP + PCI_PM_CTRL) & 3 : 0;
}
