/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Function Level Reset, two ways:
 *  - PCIe FLR (PCIe 6.0 §6.6.2): Device Capabilities advertises it, Device
 *    Control bit 15 initiates it, Device Status bit 5 is Transactions Pending.
 *  - AF-FLR (PCI Advanced Features ECN): the same for conventional PCI, with
 *    the AF capability's TP and FLR capability bits, control and status.
 * Both: wait (bounded) for pending transactions, initiate, wait 100 ms before
 * the first configuration request (§6.6.2), then the engine polls readiness.
 */
#include <stdio.h>

#include "attempt.h"
#include "capwalk.h"
#include "pci-regs.h"

enum {
	FLR_PENDING,
	FLR_INITIATE,
	FLR_WAIT,
	FLR_DONE
};

static int cfg_fail(struct attempt *a, int r, const char *what)
{
	if (r == -ENODEV)
		return why_err(&a->why, r, "device gone while %s", what);
	return why_err(&a->why, r, "%s failed: %s", what, strerror(-r));
}

int attempt_wait_pending(struct attempt *a, unsigned off, uint16_t mask, bool wide)
{
	struct pci_cfg *cfg = a->fns[0].cfg;
	uint16_t v = 0;
	uint8_t v8;
	usec_t now = now_usec();
	int r;

	if (a->deadline == 0) {
		a->deadline = now + a->timing->pending_timeout;
		a->interval = a->timing->poll_interval;
	}
	if (wide) {
		r = pci_cfg_read16(a->fns[0].cfg, off, &v);
	} else {
		r = pci_cfg_read8(cfg, off, &v8);
		v = v8;
	}
	if (r < 0)
		return cfg_fail(a, r, "reading Transactions Pending");
	if (v == (wide ? 0xffff : 0xff))
		return why_err(&a->why, -ENODEV, "device not responding (reads all-ones)");
	if (!(v & mask))
		return STEP_AGAIN;
	if (now >= a->deadline) {
		snprintf(a->trail->note, sizeof(a->trail->note),
			 "transactions still pending after %llu ms; reset issued anyway",
			 (unsigned long long)(a->timing->pending_timeout / USEC_PER_MSEC));
		return STEP_AGAIN;
	}
	a->wait = a->interval;
	if (now + a->wait > a->deadline)
		a->wait = a->deadline - now;
	if (a->interval < 64 * a->timing->poll_interval)
		a->interval *= 2;
	return STEP_WAIT;
}

static int flr_check(struct attempt *a, struct why *why)
{
	struct attempt_fn *fn = &a->fns[0];
	uint32_t devcap;
	int r;

	/* Both lists in one walk, which the save then reuses instead of walking again. */
	if (!fn->caps_ok) {
		r = cfg_caps_find(fn->cfg, &fn->caps, why);
		if (r < 0)
			return r;
		fn->caps_ok = true;
	}
	if (!fn->caps.pcie)
		return why_err(why, -EOPNOTSUPP, "no PCI Express capability");
	a->cap = fn->caps.pcie;
	r = cfg_caps_read32(&fn->caps, fn->cfg, a->cap + PCI_EXP_DEVCAP, &devcap);
	if (r < 0)
		return why_err(why, r, "reading Device Capabilities failed: %s", strerror(-r));
	if (!(devcap & PCI_EXP_DEVCAP_FLR))
		return why_err(why, -EOPNOTSUPP, "Device Capabilities does not advertise FLR");
	return 0;
}

/*
 * PCIe 6.0 §6.6.2: 100 ms before the first configuration request after an
 * FLR (the AF ECN: the same for AF-FLR). None with Immediate Readiness
 * (Status bit 0, §7.5.1.1.4), as Linux's pcie_flr(); the reported FLR Time
 * where the function has a valid Readiness Time Reporting capability and
 * reports less. Both were read by cfg_save(), before the reset. Readiness
 * then polls for Configuration RRS (cfg_ready()).
 */
static usec_t flr_wait(struct attempt *a)
{
	bool known;

	return readiness_wait(&a->fns[0].saved.ready, READY_AFTER_FLR, a->timing->flr_wait, &known);
}

static int flr_step(struct attempt *a)
{
	struct pci_cfg *cfg = a->fns[0].cfg;
	usec_t wait;
	uint16_t ctl;
	int r;

	switch (a->phase) {
	case FLR_PENDING:
		attempt_step_begin(a, "pending");
		r = attempt_wait_pending(a, a->cap + PCI_EXP_DEVSTA, PCI_EXP_DEVSTA_TRPND, true);
		if (r == STEP_AGAIN)
			a->phase = FLR_INITIATE;
		return r;
	case FLR_INITIATE:
		attempt_step_begin(a, "initiate");
		wait = flr_wait(a);
		/* Device Control as the save read it a moment ago: nothing wrote it since. */
		if (a->fns[0].saved_ok && a->fns[0].saved.pcie == a->cap) {
			ctl = a->fns[0].saved.devctl;
			r = 0;
		} else {
			r = pci_cfg_read16(cfg, a->cap + PCI_EXP_DEVCTL, &ctl);
		}
		if (r >= 0)
			r = pci_cfg_write16(cfg, a->cap + PCI_EXP_DEVCTL,
					    ctl | PCI_EXP_DEVCTL_BCR_FLR);
		if (r < 0)
			return cfg_fail(a, r, "initiating FLR");
		a->phase = FLR_WAIT;
		attempt_step_begin(a, "wait");
		a->wait = wait;
		return STEP_WAIT;
	default:
		return STEP_DONE;
	}
}

static int af_flr_check(struct attempt *a, struct why *why)
{
	struct pci_cfg *cfg = a->fns[0].cfg;
	uint8_t len, cap;
	int r;

	r = pci_cap_find(cfg, PCI_CAP_ID_AF, &a->cap, why);
	if (r == -ENOENT)
		return why_err(why, -EOPNOTSUPP, "no Advanced Features capability");
	if (r < 0)
		return r;
	if ((r = pci_cfg_read8(cfg, a->cap + PCI_AF_LENGTH, &len)) < 0 ||
	    (r = pci_cfg_read8(cfg, a->cap + PCI_AF_CAP, &cap)) < 0)
		return why_err(why, r, "reading the AF capability failed: %s", strerror(-r));
	/* The ECN fixes the capability's length at 6; anything else is not an AF capability. */
	if (len != 6)
		return why_err(why, -EOPNOTSUPP, "AF capability at 0x%02x has length %u, not 6",
			       a->cap, len);
	if (!(cap & PCI_AF_CAP_FLR) || !(cap & PCI_AF_CAP_TP))
		return why_err(why, -EOPNOTSUPP, "AF capability does not advertise %s",
			       !(cap & PCI_AF_CAP_FLR) ? "FLR" : "Transactions Pending");
	return 0;
}

static int af_flr_step(struct attempt *a)
{
	usec_t wait;
	int r;

	switch (a->phase) {
	case FLR_PENDING:
		attempt_step_begin(a, "pending");
		r = attempt_wait_pending(a, a->cap + PCI_AF_STATUS, PCI_AF_STATUS_TP, false);
		if (r == STEP_AGAIN)
			a->phase = FLR_INITIATE;
		return r;
	case FLR_INITIATE:
		attempt_step_begin(a, "initiate");
		wait = flr_wait(a);
		r = pci_cfg_write8(a->fns[0].cfg, a->cap + PCI_AF_CTRL, PCI_AF_CTRL_FLR);
		if (r < 0)
			return cfg_fail(a, r, "initiating AF-FLR");
		a->phase = FLR_WAIT;
		attempt_step_begin(a, "wait");
		a->wait = wait;
		return STEP_WAIT;
	default:
		return STEP_DONE;
	}
}

const struct method_ops method_flr_ops = {
    .id = RESET_FLR,
    .check = flr_check,
    .step = flr_step,
};

const struct method_ops method_af_flr_ops = {
    .id = RESET_AF_FLR,
    .check = af_flr_check,
    .step = af_flr_step,
};
