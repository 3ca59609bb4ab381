/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * power/control values to put back after their job has ended. A job that
 * woke a function (power.h) and then abandoned a kernel write on it (the
 * power-on write itself, or the reset: offload.h) cannot write power/control
 * back at its end: Linux's power/control store takes the device lock, which
 * the abandoned write holds (drivers/base/power/sysfs.c control_store(),
 * drivers/pci/pci.c pci_dev_lock()), so the write would block the engine's
 * thread, and a power-on write that lands later would undo it. The job hands
 * the value over to this list instead: a worker thread writes it as soon as
 * the abandoned write returns, and the owner is told (report), never waited
 * for. Whoever runs jobs for longer than one job owns the list (the
 * daemon's manager).
 */
#pragma once

#include <systemd/sd-event.h>

#include "offload.h"
#include "pci-host.h"

struct power_late_report {
	struct pcirst_sbdf sbdf;
	char value[8]; /* what power/control is set back to, "auto" or "on" */
	/*
	 * 0: set back; -ECANCELED: the list was freed first (pcirstd stopping)
	 * and power/control stays "on"; else the write's -errno.
	 */
	int result;
	usec_t waited; /* from the hand-over to the result */
	char message[WHY_MAX];
};

typedef void (*power_late_report_fn)(void *userdata, const struct power_late_report *r);

struct power_late;

int power_late_new(sd_event *event, power_late_report_fn report, void *userdata,
		   struct power_late **out);
/*
 * Reports every value still waiting as not restored (-ECANCELED) and lets
 * their threads go without waiting; a thread still waiting never writes.
 */
void power_late_free(struct power_late *pl);
DEFINE_FREEP(struct power_late, power_late_free)

/*
 * Writes value to sbdf's power/control once after's thread has returned.
 * host must outlive the list. 0, or -errno (nothing is written then).
 */
int power_late_add(struct power_late *pl, struct pci_host *host, const struct pcirst_sbdf *sbdf,
		   const char *value, struct offload *after);
/*
 * Writes value to sbdf's power/control on a worker thread: a value the
 * pcirstd before this one reported left "on" when it stopped. The caller
 * checked that power/control still reads "on". 0 or -errno.
 */
int power_late_inherit(struct power_late *pl, struct pci_host *host, const struct pcirst_sbdf *sbdf,
		       const char *value);
/*
 * The value a pending write will put back on sbdf (the newest, if several),
 * into buf: true; false when none is pending. A later job that finds
 * power/control "on" while the kernel still holds the function must put
 * back this value, not the "on" an earlier job left.
 */
bool power_late_original(const struct power_late *pl, const struct pcirst_sbdf *sbdf, char *buf,
			 size_t size);
/* Values handed over and not yet written (tests, status). */
unsigned power_late_pending(const struct power_late *pl);
