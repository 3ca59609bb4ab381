/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runtime power management around a reset. A runtime-suspended function
 * (power/runtime_status "suspended") may sit in D3hot or D3cold; in D3cold
 * its config space reads all-ones and no method can reset it. Before the
 * first attempt the job wakes every such target the way an administrator
 * would, by writing "on" to power/control (Linux resumes the function and
 * restores its config state, drivers/pci/pci-driver.c pci_pm_runtime_resume),
 * checks that power_state now reads D0, and after the job writes back what
 * power/control held. A function that does not come to D0 is not reset: the
 * job fails before any attempt, saying so.
 */
#pragma once

#include <stdbool.h>

#include "pci-host.h"
#include "util.h"

struct power_wake {
	bool woken;	 /* power/control was written (or a write started) and is put back */
	char control[8]; /* what power/control held */
};

/*
 * Whether sbdf must be woken before it is reset: 1 (w->control saved), 0 (no
 * power attributes, or active), -errno with why.
 */
int power_needs_wake(struct pci_host *host, const struct pcirst_sbdf *sbdf, struct power_wake *w,
		     struct why *why);
/*
 * After power/control was written (result: the write's): 0 when power_state
 * reads D0, else -EPERM with why ("is in D3cold ...; not reset").
 */
int power_check_awake(struct pci_host *host, const struct pcirst_sbdf *sbdf, int result,
		      struct why *why);
/*
 * Writes back what power/control held (w->control): 0 or -errno. Only where
 * nothing holds the device lock (power-late.h), or it blocks.
 */
int power_restore(struct pci_host *host, const struct pcirst_sbdf *sbdf,
		  const struct power_wake *w);
