/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What real machines add to the device model: SR-IOV (a PF's capability,
 * VFs that exist only while VF Enable is set and whose Vendor/Device IDs read
 * 0xffff), hotplug-capable slots (Slot Control event enables, Slot Status
 * events latched by a secondary bus reset, and the interrupts pciehp would
 * take for them), and runtime power management (runtime-suspended functions
 * in D3hot or D3cold, woken through power/control).
 */
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

#define SLTCTL	    (SIM_PCIE_CAP + PCI_EXP_SLTCTL)
#define SLTSTA	    (SIM_PCIE_CAP + PCI_EXP_SLTSTA)
#define SLOT_EVENTS (PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_DLLSC)

/* A Readiness Time field: Value x 32^Scale ns >= usec, the smallest scale that fits. */
static uint32_t rtr_encode(usec_t usec)
{
	uint64_t ns = usec * 1000, unit = 1;

	for (uint32_t scale = 0; scale <= 5; scale++, unit *= 32)
		if ((ns + unit - 1) / unit <= 0x1ff)
			return (scale << 9) | (uint32_t)((ns + unit - 1) / unit);
	abort();
}

static void rtr_layout(struct simdev *d, uint8_t *c)
{
	const struct simdev_spec *s = &d->spec;
	unsigned p = s->pf ? SIM_RTR_CAP_PF : PCI_CFG_SPACE_SIZE;

	if (s->pf) /* link it after SR-IOV: version 1, next p */
		put16(c, SIM_SRIOV_CAP + 2, (uint16_t)(1 | p << 4));
	put16(c, p, 0x0022);
	put16(c, p + 2, 1);
	put32(c, p + 4,
	      rtr_encode(s->rtr_reset) | rtr_encode(s->rtr_dl_up) << 12 |
		  (s->rtr_valid ? 0x80000000u : 0));
	put32(c, p + 8, rtr_encode(s->rtr_flr) | rtr_encode(s->rtr_d3hot_d0) << 12);
}

void simdev_hw_layout(struct simdev *d)
{
	const struct simdev_spec *s = &d->spec;
	uint8_t *c = d->poweron;

	if (s->pf && d->size > PCI_CFG_SPACE_SIZE) {
		unsigned p = SIM_SRIOV_CAP;
		uint16_t total = s->total_vfs ? s->total_vfs : 7;

		/* SR-IOV 1.1 §3.3: TotalVFs, InitialVFs, offset/stride, VF Device ID RO. */
		put16(c, p, PCI_EXT_CAP_ID_SRIOV);
		put16(c, p + 2, 1);
		put16(c, p + PCI_SRIOV_INITIAL_VF, total);
		put16(c, p + PCI_SRIOV_TOTAL_VF, total);
		put16(c, p + PCI_SRIOV_VF_OFFSET, 1);
		put16(c, p + PCI_SRIOV_VF_STRIDE, 1);
		put16(c, p + PCI_SRIOV_VF_DID, s->vf_device);
		put16(c, p + 0x1c, 0x0553); /* supported page sizes */
		put16(c, p + PCI_SRIOV_SYS_PGSIZE, 0x0001);
		put16(d->wmask, p + PCI_SRIOV_CTRL, 0x001f);
		put16(d->wmask, p + PCI_SRIOV_NUM_VF, 0xffff);
		put16(d->wmask, p + PCI_SRIOV_SYS_PGSIZE, 0xffff);
		put16(d->wmask, p + PCI_SRIOV_BAR, 0xc000); /* VF BAR0: 16 KiB per VF */
		put16(d->wmask, p + PCI_SRIOV_BAR + 2, 0xffff);
	}
	if (s->rtr && d->size > PCI_CFG_SPACE_SIZE)
		rtr_layout(d, c);
	if (s->imm_ready)
		c[PCI_STATUS] |= PCI_STATUS_IMM_READY;
	if (s->vf) {
		/* SR-IOV 1.1 §3.4.1.1-2: a VF's Vendor and Device ID read 0xffff. */
		put16(c, PCI_VENDOR_ID, 0xffff);
		put16(c, PCI_DEVICE_ID, 0xffff);
		/* §3.4.1.3: only Bus Master Enable is writable; memory decoding is the PF's. */
		put16(d->wmask, PCI_COMMAND, 0x0004);
		for (unsigned i = 0; i < 6; i++)
			memset(d->wmask + PCI_BASE_ADDRESS_0 + 4 * i, 0, 4);
		memset(c + PCI_BASE_ADDRESS_0, 0, 24);
	}
	if (s->hpc && s->pcie) {
		put16(c, SIM_PCIE_CAP + PCI_EXP_FLAGS,
		      get16(c, SIM_PCIE_CAP + PCI_EXP_FLAGS) | PCI_EXP_FLAGS_SLOT);
		c[SIM_PCIE_CAP + PCI_EXP_SLTCAP] = PCI_EXP_SLTCAP_HPC;
		put16(d->wmask, SLTCTL, 0x1fff);
	}
}

void simdev_hw_created(struct simdev *d)
{
	/* pciehp's setup: presence detect and link state events on, with interrupts. */
	if (d->spec.hpc && d->spec.pcie)
		put16(d->cfg, SLTCTL, PCI_EXP_SLTCTL_PDCE | PCI_EXP_SLTCTL_DLLSCE | 0x0020);
}

static struct simdev *pf_of(const struct simdev *d)
{
	return d->spec.vf && d->spec.physfn ? devmodel_find_sbdf(d->m, &d->physfn) : NULL;
}

unsigned simdev_num_vfs(const struct simdev *d)
{
	if (!d->spec.pf || !(get16(d->cfg, SIM_SRIOV_CAP + PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_VFE))
		return 0;
	return get16(d->cfg, SIM_SRIOV_CAP + PCI_SRIOV_NUM_VF);
}

bool simdev_offline(const struct simdev *d)
{
	const struct simdev *pf = pf_of(d);

	if (d->power == SIM_POWER_D3COLD)
		return true;
	return pf && !(get16(pf->cfg, SIM_SRIOV_CAP + PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_VFE);
}

/* A slot event latched in Slot Status reaches pciehp when its enable is set. */
static void slot_event(struct simdev *port, uint16_t events)
{
	uint16_t ctl = get16(port->cfg, SLTCTL);

	put16(port->cfg, SLTSTA, get16(port->cfg, SLTSTA) | events);
	if (((events & PCI_EXP_SLTSTA_PDC) && (ctl & PCI_EXP_SLTCTL_PDCE)) ||
	    ((events & PCI_EXP_SLTSTA_DLLSC) && (ctl & PCI_EXP_SLTCTL_DLLSCE)))
		port->slot_interrupts++;
}

void simdev_hw_write(struct simdev *d, unsigned off, unsigned width, uint32_t val,
		     const uint8_t *before)
{
#define TOUCHES(reg, len) (off <= (reg) && off + width >= (reg) + (len))
	if (d->spec.hpc && TOUCHES(SLTSTA, 2)) {
		/* RW1C (PCIe 6.0 §7.5.3.11). */
		uint16_t w = (uint16_t)(val >> ((SLTSTA - off) * 8));

		put16(d->cfg, SLTSTA, get16(d->cfg, SLTSTA) & ~(w & SLOT_EVENTS));
	}
	if (d->spec.hpc && TOUCHES(SLTCTL, 2)) {
		/* Enabling an event whose status is still set interrupts at once. */
		uint16_t was = get16(before, SLTCTL), is = get16(d->cfg, SLTCTL);
		uint16_t sta = get16(d->cfg, SLTSTA), on = is & ~was;

		if (((on & PCI_EXP_SLTCTL_PDCE) && (sta & PCI_EXP_SLTSTA_PDC)) ||
		    ((on & PCI_EXP_SLTCTL_DLLSCE) && (sta & PCI_EXP_SLTSTA_DLLSC)))
			d->slot_interrupts++;
	}
	if (d->spec.hpc && TOUCHES(PCI_BRIDGE_CONTROL, 2)) {
		bool was = get16(before, PCI_BRIDGE_CONTROL) & PCI_BRIDGE_CTL_BUS_RESET;
		bool is = get16(d->cfg, PCI_BRIDGE_CONTROL) & PCI_BRIDGE_CTL_BUS_RESET;

		/* The link goes down on assert and up after deassert: both change state. */
		if (was != is)
			slot_event(d, SLOT_EVENTS);
	}
	if (d->spec.pf && TOUCHES(SIM_SRIOV_CAP + PCI_SRIOV_CTRL, 2)) {
		bool was = get16(before, SIM_SRIOV_CAP + PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_VFE;
		bool is = get16(d->cfg, SIM_SRIOV_CAP + PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_VFE;

		/* VFs come up from their power-on state when VF Enable is set. */
		for (unsigned i = 0; !was && is && i < d->m->n; i++)
			if (pf_of(d->m->devs[i]) == d)
				memcpy(d->m->devs[i]->cfg, d->m->devs[i]->poweron,
				       sizeof(d->m->devs[i]->cfg));
	}
#undef TOUCHES
}

void simdev_sriov_enable(struct simdev *pf, uint16_t num_vfs)
{
	uint8_t before[PCI_CFG_SPACE_EXP_SIZE];

	memcpy(before, pf->cfg, sizeof(before));
	put16(pf->cfg, SIM_SRIOV_CAP + PCI_SRIOV_NUM_VF, num_vfs);
	put16(pf->cfg, SIM_SRIOV_CAP + PCI_SRIOV_CTRL,
	      num_vfs ? PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE : 0);
	simdev_hw_write(pf, SIM_SRIOV_CAP + PCI_SRIOV_CTRL, 2, 0, before);
}

unsigned simdev_slot_interrupts(const struct simdev *d)
{
	return d->slot_interrupts;
}

void simdev_runtime_suspend(struct simdev *d, enum simdev_power state, bool stuck)
{
	d->power = state;
	d->power_stuck = stuck;
	snprintf(d->power_control, sizeof(d->power_control), "auto");
	if (state == SIM_POWER_D3HOT && d->spec.pm)
		put16(d->cfg, SIM_PM_CAP + PCI_PM_CTRL,
		      (get16(d->cfg, SIM_PM_CAP + PCI_PM_CTRL) & ~PCI_PM_CTRL_STATE_MASK) | 3);
	d->suspended_as = state;
}

enum simdev_power simdev_power(const struct simdev *d)
{
	return d->power;
}

const char *simdev_power_control(const struct simdev *d)
{
	return d->power_control[0] ? d->power_control : "on";
}

static const char *power_state_name(const struct simdev *d)
{
	if (d->power == SIM_POWER_D3COLD)
		return "D3cold";
	return d->spec.pm && (get16(d->cfg, SIM_PM_CAP + PCI_PM_CTRL) & 3) == 3 ? "D3hot" : "D0";
}

int simdev_power_attr_read(const struct simdev *d, const char *name, char *buf, unsigned size)
{
	if (streq(name, "power_state"))
		snprintf(buf, size, "%s", power_state_name(d));
	else if (streq(name, "power/runtime_status"))
		snprintf(buf, size, "%s", d->power != SIM_POWER_ACTIVE ? "suspended" : "active");
	else if (streq(name, "power/control"))
		snprintf(buf, size, "%s", simdev_power_control(d));
	else
		return -ENOENT;
	return 0;
}

/*
 * power/control: "on" resumes the function as Linux does (back to D0 with the
 * config state the PCI core saved before suspending it), "auto" lets it
 * suspend again into the state it was in.
 */
int simdev_power_attr_write(struct simdev *d, const char *name, const char *value)
{
	if (!streq(name, "power/control"))
		return -ENOENT;
	if (streq(value, "on")) {
		snprintf(d->power_control, sizeof(d->power_control), "on");
		if (d->power_stuck)
			return 0;
		if (d->power == SIM_POWER_D3HOT && d->spec.pm)
			put16(d->cfg, SIM_PM_CAP + PCI_PM_CTRL,
			      get16(d->cfg, SIM_PM_CAP + PCI_PM_CTRL) & ~PCI_PM_CTRL_STATE_MASK);
		d->power = SIM_POWER_ACTIVE;
		return 0;
	}
	if (streq(value, "auto")) {
		if (d->suspended_as != SIM_POWER_ACTIVE && d->power == SIM_POWER_ACTIVE)
			simdev_runtime_suspend(d, d->suspended_as, d->power_stuck);
		snprintf(d->power_control, sizeof(d->power_control), "auto");
		return 0;
	}
	return -EINVAL;
}
