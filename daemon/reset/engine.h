/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reset engine. A reset job resets a set of functions (one function, or
 * the functions that must be reset together) by trying methods in order
 * until one resets every function and verifies. Each job is a state machine
 * whose waits are sd-event timers, so one thread runs many jobs at once; the
 * kernel's blocking sysfs writes run in an offloaded worker (offload.h).
 */
#pragma once

#include <stdbool.h>

#include <systemd/sd-event.h>

#include "method.h"
#include "pci-host.h"
#include "trail.h"
#include "util.h"

/*
 * Waits and bounds. Defaults (reset_timing_default) are the specifications';
 * tests shrink them to run fast.
 */
struct reset_timing {
	usec_t pending_timeout; /* wait for Transactions Pending to clear before FLR */
	usec_t flr_wait;	/* after initiating FLR (PCIe 6.0 §6.6.2: 100 ms) */
	usec_t pm_d3hot_wait;	/* in D3hot (PCI PM 1.2 §5.6.1, Table 5-6: 10 ms) */
	usec_t pm_d0_wait;	/* after returning to D0 (the same: 10 ms) */
	usec_t sbr_assert;	/* SBR held (PCI 3.0 §4.3.2 Trst >= 1 ms; we hold 2 ms) */
	usec_t sbr_settle_pcie; /* after SBR, PCIe (PCIe 6.0 §6.6.1: 100 ms) */
	usec_t sbr_settle_conv; /* after SBR, conventional PCI (PCI 3.0 §4.3.2 Trhfa: 1.007 s) */
	usec_t link_timeout;	/* for Data Link Layer Link Active after SBR (> 5 GT/s) */
	usec_t ready_timeout;	/* for config reads to answer (neither all-ones nor CRS) */
	usec_t poll_interval;	/* first readiness poll interval; doubles up to 64x */
	usec_t extra_delay;	/* after the reset, before restoring (policy's choice) */
	usec_t kernel_timeout;	/* a write to reset/do_flr that has not returned is abandoned */
};

void reset_timing_default(struct reset_timing *t);

/*
 * Where a job learns which functions domains hold: list gives a malloc'ed
 * array (or returns -errno).
 */
struct reset_assigned_source {
	int (*list)(void *userdata, struct pcirst_sbdf **out, unsigned *n);
	void *userdata;
};

struct power_late;

struct reset_options {
	const struct pcirst_sbdf *targets;
	unsigned n_targets;
	/* Methods in order; n_methods 0 means reset_method_default_order. */
	const struct reset_method_spec *methods;
	unsigned n_methods;
	struct reset_timing timing;
	/*
	 * Which functions domains hold (the daemon reads them from xenstore's pci
	 * backends): an SR-IOV PF whose VF is among them is refused (sriov.h).
	 * Asked only when a target is a PF with VFs, at most once per job;
	 * list NULL or failing: VFs are judged by their drivers alone.
	 */
	struct reset_assigned_source assigned;
	/*
	 * Where a job that woke a function hands its power/control value when
	 * a kernel write it abandoned still holds the function (power-late.h).
	 * NULL: the trail says power/control was left "on".
	 */
	struct power_late *power_late;
	/*
	 * Optional, n_targets entries: each target's info as the caller read it
	 * (pci_host_info()) just before creating the job, for the job's first
	 * attempt on that target instead of asking the host again (the links,
	 * the driver, SR-IOV: about seven system calls). Later attempts ask.
	 * NULL: every attempt asks.
	 */
	const struct pci_dev_info *infos;
	/*
	 * Optional, with infos: each target's config space as the caller
	 * opened it (writable) to read that info (pci_host_info_keep_cfg()),
	 * for the same first attempt instead of opening it again (open and
	 * fstat here, a close there). reset_job_new() moves each non-NULL entry
	 * it takes into the job (setting it NULL); what it leaves stays the
	 * caller's. NULL entries, or NULL: the attempt opens its own.
	 */
	struct pci_cfg **cfgs;
};

struct reset_job;
typedef void (*reset_done_fn)(struct reset_job *job, void *userdata);

/*
 * Creates a job; nothing touches the device until reset_job_start(). The
 * options are copied. done is called exactly once, from the event loop,
 * after the job has finished (or was aborted) and the devices are left in a
 * restored state. Verdict REFUSED: a target may not be reset by any method
 * (an SR-IOV PF whose VFs are in use); no method was tried after that.
 */
int reset_job_new(sd_event *event, struct pci_host *host, const struct reset_options *opts,
		  reset_done_fn done, void *userdata, struct reset_job **out);
int reset_job_start(struct reset_job *job);
/*
 * Stops the job at its next safe point: SBR is deasserted and config space
 * restored before done is called with verdict ABORTED.
 */
void reset_job_abort(struct reset_job *job, const char *reason);
const struct reset_trail *reset_job_trail(const struct reset_job *job);
bool reset_job_finished(const struct reset_job *job);
void reset_job_free(struct reset_job *job);
DEFINE_FREEP(struct reset_job, reset_job_free)

/* What a method would do on a function, without touching it. */
enum probe_status {
	PROBE_SUPPORTED,
	PROBE_UNSUPPORTED,
	PROBE_REFUSED,
	PROBE_ERROR, /* config space could not be examined: hostile, gone, I/O error */
};

struct probe_entry {
	struct reset_method_spec method;
	enum probe_status status;
	char why[WHY_MAX];
};

#define PROBE_MAX_VFS 64

struct probe_result {
	struct pci_dev_info info;
	struct probe_entry methods[_RESET_METHOD_MAX];
	char kernel_reset_methods[128];	       /* the reset_method attribute, "" if absent */
	struct pcirst_sbdf vfs[PROBE_MAX_VFS]; /* an SR-IOV PF's VFs (the first PROBE_MAX_VFS) */
	unsigned n_vfs;			       /* how many it has */
	char error[WHY_MAX];		       /* set when the device could not be examined */
};

const char *probe_status_name(enum probe_status s);

/* Read-only: examines config space and sysfs. Returns 0 or -errno (device gone). */
int reset_probe(struct pci_host *host, const struct pcirst_sbdf *sbdf, struct probe_result *out);

/* Runs one job to completion on a private event loop (pcirstctl's direct mode). */
int reset_run_sync(struct pci_host *host, const struct reset_options *opts,
		   struct reset_trail **out);

/*
 * What no method or policy can change, checked before anything is tried: a
 * function bound to a driver other than pciback/pci-stub/vfio-pci, or a
 * bridge as an endpoint. 0, or -EPERM with why (safety.c).
 */
int safety_check_target(const struct pci_dev_info *info, struct why *why);
