/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Power-management reset: D0 -> D3hot -> D0. PCI PM 1.2 §5.6.1 (Table 5-6):
 * a function needs 10 ms in D3hot and 10 ms after returning to D0 before it
 * is accessed. The transition back to D0 is an internal reset only when the
 * function's PMCSR clears NoSoftReset (§3.2.4); with NoSoftReset set it keeps
 * its state, so the method does not apply.
 */
#include <stdio.h>

#include "attempt.h"
#include "capwalk.h"
#include "pci-regs.h"

enum {
	PM_D3HOT,
	PM_D0,
	PM_DONE
};

#define PM_STATE_D0    0
#define PM_STATE_D3HOT 3

static int pm_check(struct attempt *a, struct why *why)
{
	struct pci_cfg *cfg = a->fns[0].cfg;
	uint16_t pmcsr;
	int r;

	r = pci_cap_find(cfg, PCI_CAP_ID_PM, &a->cap, why);
	if (r == -ENOENT)
		return why_err(why, -EOPNOTSUPP, "no Power Management capability");
	if (r < 0)
		return r;
	r = pci_cfg_read16(cfg, a->cap + PCI_PM_CTRL, &pmcsr);
	if (r < 0)
		return why_err(why, r, "reading PMCSR failed: %s", strerror(-r));
	if (pmcsr == 0xffff)
		return why_err(why, -ENODEV, "device not responding (PMCSR reads all-ones)");
	if (pmcsr & PCI_PM_CTRL_NO_SOFT_RESET)
		return why_err(why, -EOPNOTSUPP,
			       "NoSoftReset is set: D3hot->D0 keeps the function's state");
	if ((pmcsr & PCI_PM_CTRL_STATE_MASK) != PM_STATE_D0)
		return why_err(why, -EOPNOTSUPP, "function is in D%u, not D0",
			       pmcsr & PCI_PM_CTRL_STATE_MASK);
	return 0;
}

static int pm_set_state(struct attempt *a, unsigned state)
{
	struct pci_cfg *cfg = a->fns[0].cfg;
	uint16_t pmcsr;
	int r;

	r = pci_cfg_read16(cfg, a->cap + PCI_PM_CTRL, &pmcsr);
	if (r >= 0) {
		/* Keep PME_Status (W1C) untouched: write it as 0. */
		pmcsr = (pmcsr & ~(PCI_PM_CTRL_STATE_MASK | 0x8000)) | state;
		r = pci_cfg_write16(cfg, a->cap + PCI_PM_CTRL, pmcsr);
	}
	if (r < 0)
		return why_err(&a->why, r, "setting D%u failed: %s", state, strerror(-r));
	return 0;
}

static int pm_step(struct attempt *a)
{
	bool known;
	int r;

	switch (a->phase) {
	case PM_D3HOT:
		attempt_step_begin(a, "d3hot");
		r = pm_set_state(a, PM_STATE_D3HOT);
		if (r < 0)
			return r;
		a->phase = PM_D0;
		a->wait = a->timing->pm_d3hot_wait;
		return STEP_WAIT;
	case PM_D0:
		attempt_step_begin(a, "d0");
		r = pm_set_state(a, PM_STATE_D0);
		if (r < 0)
			return r;
		a->phase = PM_DONE;
		/* 10 ms, or the D3Hot to D0 Time a Readiness Time Reporting capability reports. */
		a->wait = readiness_wait(&a->fns[0].saved.ready, READY_AFTER_D3HOT_D0,
					 a->timing->pm_d0_wait, &known);
		return STEP_WAIT;
	default:
		return STEP_DONE;
	}
}

/* If the attempt stopped in D3hot, bring the function back to D0 before restoring it. */
static void pm_cleanup(struct attempt *a)
{
	if (a->phase == PM_D0)
		(void)pm_set_state(a, PM_STATE_D0);
}

const struct method_ops method_pm_ops = {
    .id = RESET_PM,
    .check = pm_check,
    .step = pm_step,
    .cleanup = pm_cleanup,
};
