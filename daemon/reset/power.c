/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "power.h"

int power_needs_wake(struct pci_host *host, const struct pcirst_sbdf *sbdf, struct power_wake *w,
		     struct why *why)
{
	char status[32] = "", state[32] = "", s[PCIRST_SBDF_STRLEN];
	bool suspended;
	int r;

	*w = (struct power_wake){0};
	r = pci_host_attr_read(host, sbdf, "power/runtime_status", status, sizeof(status));
	if (r < 0 && r != -ENOENT)
		return why_err(why, r, "%s: reading power/runtime_status failed: %s",
			       pcirst_sbdf_format(sbdf, s), strerror(-r));
	/* "suspending" is on its way to "suspended": waking waits for it (rpm_resume). */
	suspended = streq(status, "suspended") || streq(status, "suspending");
	/* Read only where it decides (D3cold while runtime-active) or is said (below). */
	if (!suspended) {
		r = pci_host_attr_read(host, sbdf, "power_state", state, sizeof(state));
		if (r < 0 && r != -ENOENT)
			return why_err(why, r, "%s: reading power_state failed: %s",
				       pcirst_sbdf_format(sbdf, s), strerror(-r));
		if (!streq(state, "D3cold"))
			return 0;
	}
	r = pci_host_attr_read(host, sbdf, "power/control", w->control, sizeof(w->control));
	if (r < 0 && suspended &&
	    pci_host_attr_read(host, sbdf, "power_state", state, sizeof(state)) < 0)
		state[0] = '\0';
	if (r < 0)
		return why_err(why, -EPERM,
			       "%s is in %s (runtime %s) and has no power/control to wake it: "
			       "not reset",
			       pcirst_sbdf_format(sbdf, s), state[0] ? state : "an unknown state",
			       status[0] ? status : "status unknown");
	return 1;
}

int power_check_awake(struct pci_host *host, const struct pcirst_sbdf *sbdf, int result,
		      struct why *why)
{
	char state[32] = "", s[PCIRST_SBDF_STRLEN];
	int r;

	pcirst_sbdf_format(sbdf, s);
	if (result < 0)
		return why_err(why, -EPERM,
			       "%s is runtime-suspended and writing 'on' to power/control failed: "
			       "%s; not reset",
			       s, strerror(-result));
	r = pci_host_attr_read(host, sbdf, "power_state", state, sizeof(state));
	if (r == -ENOENT)
		return 0; /* kernels before 5.x have no power_state: the methods will tell */
	if (r < 0 || !streq(state, "D0"))
		return why_err(why, -EPERM,
			       "%s stays in %s after power/control=on: a powered-off function "
			       "cannot be reset; not reset",
			       s, r < 0 ? "an unknown power state" : state);
	return 0;
}

int power_restore(struct pci_host *host, const struct pcirst_sbdf *sbdf, const struct power_wake *w)
{
	/*
	 * "auto" lets the function suspend again; Linux's pm_runtime_allow()
	 * only queues an idle check (RPM_ASYNC), so this write does not block.
	 */
	return pci_host_attr_write(host, sbdf, "power/control", w->control);
}
