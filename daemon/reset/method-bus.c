/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Secondary bus reset through the parent bridge's Bridge Control register
 * (PCI-to-PCI Bridge 1.2 §3.2.5.18). It resets every function below the
 * bridge, so it is refused unless every one of them is part of this reset.
 *
 * Timing: the reset is held 2 ms (PCI 3.0 §4.3.2: Trst >= 1 ms). After it:
 *  - PCIe port up to 5 GT/s: 100 ms before the first config request
 *    (PCIe 6.0 §6.6.1);
 *  - PCIe port above 5 GT/s: wait for Data Link Layer Link Active (it must
 *    support reporting it, §7.5.3.6), then 100 ms. Some ports advertise the
 *    reporting and never set the bit (QEMU 7.2 root ports at 16 GT/s): when
 *    it has not appeared after link_timeout (1 s, as long as §6.6.1 lets a
 *    device take to answer), the engine polls the functions themselves
 *    instead, bounded by the readiness timeout, and says so in the trail;
 *    effect verification then decides whether a reset happened;
 *  - conventional PCI (including PCIe-to-PCI bridges): 1.007 s (PCI 3.0
 *    §4.3.2, Trhfa = 2^25 clocks of 30 ns at 33.3 MHz).
 * Each of these waits after the reset (after Link Active above 5 GT/s) is
 * shortened to the longest the functions below report, when every one of
 * them reports (readiness.h: Immediate Readiness, Reset/DL_Up Time).
 * Then the engine polls every function for readiness.
 *
 * Hotplug slots: on a port whose Slot Capabilities advertise a Hot-Plug
 * Controller, the link going down and up is a Data Link Layer State Changed
 * (and, with in-band presence detect, a Presence Detect Changed) event, which
 * pciehp handles as a surprise removal: the device is removed from under
 * pciback. As Linux's pciehp_reset_slot() does, those events are masked in
 * Slot Control for the duration (Presence Detect only without an Attention
 * Button), and after the reset their Slot Status bits are cleared (RW1C)
 * before the enables are put back, so no event is delivered late either.
 */
#include <stdio.h>

#include "attempt.h"
#include "capwalk.h"
#include "pci-regs.h"

enum {
	BUS_ASSERT,
	BUS_DEASSERT,
	BUS_LINK,
	BUS_SETTLE,
	BUS_DONE
};
enum {
	MODE_CONVENTIONAL,
	MODE_PCIE_SLOW,
	MODE_PCIE_FAST
};

static int bridge_mode(struct attempt *a, struct why *why)
{
	uint16_t pcie, flags;
	uint32_t lnkcap;
	unsigned type;
	int r;

	r = pci_cap_find(a->bridge_cfg, PCI_CAP_ID_EXP, &pcie, why);
	if (r == -ENOENT)
		return MODE_CONVENTIONAL;
	if (r < 0)
		return r;
	if ((r = pci_cfg_read16(a->bridge_cfg, pcie + PCI_EXP_FLAGS, &flags)) < 0 ||
	    (r = pci_cfg_read32(a->bridge_cfg, pcie + PCI_EXP_LNKCAP, &lnkcap)) < 0)
		return why_err(why, r, "reading the bridge's PCIe capability failed: %s",
			       strerror(-r));
	type = (flags & PCI_EXP_FLAGS_TYPE) >> 4;
	if (type != PCI_EXP_TYPE_ROOT_PORT && type != PCI_EXP_TYPE_DOWNSTREAM)
		return MODE_CONVENTIONAL; /* e.g. a PCIe-to-PCI bridge: its secondary is PCI */
	a->cap = pcie;
	/* Supported Link Speeds 1 = 2.5 GT/s, 2 = 5 GT/s; above that, software waits for the link.
	 */
	if ((lnkcap & PCI_EXP_LNKCAP_SLS) > 2 && (lnkcap & PCI_EXP_LNKCAP_DLLLARC))
		return MODE_PCIE_FAST;
	return MODE_PCIE_SLOW;
}

static bool in_set(const struct attempt *a, const struct pcirst_sbdf *s)
{
	for (unsigned i = 0; i < a->n_fns; i++)
		if (pcirst_sbdf_cmp(&a->fns[i].info.sbdf, s) == 0)
			return true;
	return false;
}

/* Every function below the bridge must be one of ours, and ours must all be below it. */
static int check_bus_members(struct attempt *a, const char *bridge, struct why *why)
{
	_cleanup_(freep) struct pcirst_sbdf *sub = NULL;
	char others[WHY_MAX] = "", s[PCIRST_SBDF_STRLEN];
	unsigned n = 0, n_others = 0, n_ours = 0;
	int r;

	r = pci_host_subtree(a->host, &a->bridge.sbdf, &sub, &n);
	if (r < 0)
		return why_err(why, r, "listing the functions below %s failed: %s", bridge,
			       strerror(-r));
	for (unsigned i = 0; i < n; i++) {
		struct pci_dev_info info;
		size_t len = strlen(others);

		if (in_set(a, &sub[i])) {
			n_ours++;
			continue;
		}
		if (pci_host_info_brief(a->host, &sub[i], &info, NULL) < 0)
			snprintf(info.driver, sizeof(info.driver), "unknown");
		else if (!info.driver[0])
			snprintf(info.driver, sizeof(info.driver), "unbound");
		snprintf(others + len, sizeof(others) - len, "%s%s (%s)", n_others ? ", " : "",
			 pcirst_sbdf_format(&sub[i], s), info.driver);
		n_others++;
	}
	if (n_others)
		return why_err(why, -EPERM,
			       "a secondary bus reset on %s would also reset %s, which %s not "
			       "part of this reset",
			       bridge, others, n_others > 1 ? "are" : "is");
	if (n_ours != a->n_fns)
		return why_err(why, -EPERM, "the functions of one bus reset must all be below %s",
			       bridge);
	return 0;
}

/* A hotplug slot below the port: which Slot Control events the reset must mask. */
static int slot_check(struct attempt *a, struct why *why)
{
	uint16_t flags;
	uint32_t sltcap;
	int r;

	a->slot_mask = 0;
	if (a->mode == MODE_CONVENTIONAL)
		return 0; /* a->cap is the port's PCIe capability only for PCIe ports */
	if ((r = pci_cfg_read16(a->bridge_cfg, a->cap + PCI_EXP_FLAGS, &flags)) < 0)
		return why_err(why, r, "reading the bridge's PCIe Flags failed: %s", strerror(-r));
	if (!(flags & PCI_EXP_FLAGS_SLOT))
		return 0;
	if ((r = pci_cfg_read32(a->bridge_cfg, a->cap + PCI_EXP_SLTCAP, &sltcap)) < 0)
		return why_err(why, r, "reading Slot Capabilities failed: %s", strerror(-r));
	if (sltcap == 0xffffffff || !(sltcap & PCI_EXP_SLTCAP_HPC))
		return 0;
	a->slot_mask = PCI_EXP_SLTCTL_DLLSCE;
	if (!(sltcap & PCI_EXP_SLTCAP_ABP))
		a->slot_mask |= PCI_EXP_SLTCTL_PDCE;
	return 0;
}

static int slot_fail(struct attempt *a, int r, const char *what)
{
	return why_err(&a->why, r, "%s the hotplug slot's events failed: %s", what, strerror(-r));
}

static int slot_mask_events(struct attempt *a)
{
	uint16_t ctl;
	int r;

	r = pci_cfg_read16(a->bridge_cfg, a->cap + PCI_EXP_SLTCTL, &ctl);
	if (r >= 0 && ctl == 0xffff)
		r = -ENODEV;
	if (r >= 0)
		r = pci_cfg_write16(a->bridge_cfg, a->cap + PCI_EXP_SLTCTL, ctl & ~a->slot_mask);
	if (r < 0)
		return slot_fail(a, r, "masking");
	a->slot_saved = ctl & a->slot_mask;
	a->slot_masked = true;
	return 0;
}

/* Clears what the reset latched, then puts the enables back as they were. */
static int slot_unmask_events(struct attempt *a)
{
	char bridge[PCIRST_SBDF_STRLEN];
	uint16_t sta = 0, ctl;
	size_t len;
	int r;

	if (a->slot_mask & PCI_EXP_SLTCTL_DLLSCE)
		sta |= PCI_EXP_SLTSTA_DLLSC;
	if (a->slot_mask & PCI_EXP_SLTCTL_PDCE)
		sta |= PCI_EXP_SLTSTA_PDC;
	a->slot_masked = false;
	r = pci_cfg_write16(a->bridge_cfg, a->cap + PCI_EXP_SLTSTA, sta);
	if (r >= 0)
		r = pci_cfg_read16(a->bridge_cfg, a->cap + PCI_EXP_SLTCTL, &ctl);
	if (r >= 0)
		r = pci_cfg_write16(a->bridge_cfg, a->cap + PCI_EXP_SLTCTL,
				    (ctl & ~a->slot_mask) | a->slot_saved);
	if (r < 0)
		return slot_fail(a, r, "restoring");
	len = strlen(a->trail->note);
	snprintf(a->trail->note + len, sizeof(a->trail->note) - len,
		 "%shotplug slot of %s: %s events masked during the reset, cleared and "
		 "restored after",
		 len ? "; " : "", pcirst_sbdf_format(&a->bridge.sbdf, bridge),
		 (a->slot_mask & PCI_EXP_SLTCTL_PDCE) ? "Presence Detect and Link State Changed"
						      : "Link State Changed");
	return 0;
}

static int bus_finish(struct attempt *a)
{
	a->phase = BUS_DONE;
	if (a->slot_masked) {
		int r = slot_unmask_events(a);

		if (r < 0)
			return r;
	}
	return STEP_DONE;
}

static int bus_check(struct attempt *a, struct why *why)
{
	const struct pci_dev_info *info = &a->fns[0].info;
	char bridge[PCIRST_SBDF_STRLEN];
	int r;

	if (!info->has_parent)
		return why_err(why, -EOPNOTSUPP, "on a root bus: no bridge above it to reset");
	pcirst_sbdf_format(&info->parent, bridge);
	r = pci_host_info_brief(a->host, &info->parent, &a->bridge, why);
	if (r < 0)
		return r;
	if (!a->bridge.is_bridge)
		return why_err(why, -EOPNOTSUPP, "parent %s is not a PCI-to-PCI bridge", bridge);
	r = check_bus_members(a, bridge, why);
	if (r < 0)
		return r;
	if (!a->bridge_cfg) {
		r = pci_host_cfg_open(a->host, &info->parent, a->writable, &a->bridge_cfg, why);
		if (r < 0)
			return r;
	}
	r = bridge_mode(a, why);
	if (r < 0)
		return r;
	a->mode = r;
	return slot_check(a, why);
}

static int bridge_ctl(struct attempt *a, bool assert)
{
	uint16_t ctl;
	int r;

	r = pci_cfg_read16(a->bridge_cfg, PCI_BRIDGE_CONTROL, &ctl);
	if (r >= 0 && ctl == 0xffff)
		r = -ENODEV;
	if (r >= 0) {
		ctl = assert ? (ctl | PCI_BRIDGE_CTL_BUS_RESET) : (ctl & ~PCI_BRIDGE_CTL_BUS_RESET);
		r = pci_cfg_write16(a->bridge_cfg, PCI_BRIDGE_CONTROL, ctl);
	}
	if (r < 0)
		return why_err(&a->why, r, "%s Secondary Bus Reset failed: %s",
			       assert ? "asserting" : "deasserting", strerror(-r));
	a->sbr_asserted = assert;
	return 0;
}

/*
 * The wait after the reset (or after Link Active): the specification's,
 * unless every function below says it needs less (Immediate Readiness, or
 * the Reset/DL_Up Time of a Readiness Time Reporting capability): then the
 * longest of theirs.
 */
static usec_t bus_settle(struct attempt *a, enum readiness_event event, usec_t spec)
{
	usec_t longest = 0;

	for (unsigned i = 0; i < a->n_fns; i++) {
		bool known;
		usec_t t = readiness_wait(&a->fns[i].saved.ready, event, spec, &known);

		if (!known)
			return spec;
		if (t > longest)
			longest = t;
	}
	return longest;
}

static int bus_link(struct attempt *a)
{
	char bridge[PCIRST_SBDF_STRLEN];
	uint16_t sta;
	usec_t now = now_usec();
	int r;

	r = pci_cfg_read16(a->bridge_cfg, a->cap + PCI_EXP_LNKSTA, &sta);
	if (r < 0)
		return why_err(&a->why, r, "reading Link Status failed: %s", strerror(-r));
	if (sta != 0xffff && (sta & PCI_EXP_LNKSTA_DLLLA)) {
		a->phase = BUS_SETTLE;
		attempt_step_begin(a, "settle");
		a->wait = bus_settle(a, READY_AFTER_DL_UP, a->timing->sbr_settle_pcie);
		return STEP_WAIT;
	}
	if (now >= a->deadline) {
		/* The port does not report what it advertises: ask the functions instead. */
		snprintf(a->trail->note, sizeof(a->trail->note),
			 "bridge %s never reported Data Link Layer Link Active within %llu ms; "
			 "polled the device instead",
			 pcirst_sbdf_format(&a->bridge.sbdf, bridge),
			 (unsigned long long)(a->timing->link_timeout / USEC_PER_MSEC));
		return bus_finish(a);
	}
	a->wait = a->interval;
	if (now + a->wait > a->deadline)
		a->wait = a->deadline - now;
	if (a->interval < 64 * a->timing->poll_interval)
		a->interval *= 2;
	return STEP_WAIT;
}

static int bus_step(struct attempt *a)
{
	int r;

	switch (a->phase) {
	case BUS_ASSERT:
		if (a->slot_mask) {
			attempt_step_begin(a, "slot-mask");
			r = slot_mask_events(a);
			if (r < 0)
				return r;
		}
		attempt_step_begin(a, "assert");
		r = bridge_ctl(a, true);
		if (r < 0)
			return r;
		a->phase = BUS_DEASSERT;
		a->wait = a->timing->sbr_assert;
		return STEP_WAIT;
	case BUS_DEASSERT:
		attempt_step_begin(a, "deassert");
		r = bridge_ctl(a, false);
		if (r < 0)
			return r;
		if (a->mode == MODE_PCIE_FAST) {
			a->phase = BUS_LINK;
			attempt_step_begin(a, "link");
			a->deadline = now_usec() + a->timing->link_timeout;
			a->interval = a->timing->poll_interval;
			return STEP_AGAIN;
		}
		a->phase = BUS_SETTLE;
		attempt_step_begin(a, "settle");
		a->wait = bus_settle(a, READY_AFTER_RESET,
				     a->mode == MODE_PCIE_SLOW ? a->timing->sbr_settle_pcie
							       : a->timing->sbr_settle_conv);
		return STEP_WAIT;
	case BUS_LINK:
		return bus_link(a);
	default:
		return bus_finish(a);
	}
}

/* Never leave the bus held in reset, nor the slot's events masked. */
static void bus_cleanup(struct attempt *a)
{
	if (a->sbr_asserted)
		(void)bridge_ctl(a, false);
	if (a->slot_masked)
		(void)slot_unmask_events(a);
}

const struct method_ops method_bus_ops = {
    .id = RESET_BUS,
    .check = bus_check,
    .step = bus_step,
    .cleanup = bus_cleanup,
};
