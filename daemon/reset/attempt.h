/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal to the engine: one attempt of one method, and the interface each
 * method implements. A method is a step function the engine calls
 * repeatedly; it keeps its position in a->phase and asks for a wait by
 * returning STEP_WAIT with a->wait set, so no method ever sleeps.
 */
#pragma once

#include "cfgsave.h"
#include "effect-msi.h"
#include "engine.h"
#include "offload.h"
#include "pci-regs.h"

/* A function the attempt resets: saved before, polled, restored and verified after. */
struct attempt_fn {
	struct pci_dev_info info;
	struct pci_cfg *cfg;
	struct cfg_saved saved;
	bool saved_ok;
	/* Found by the method's check on this cfg, reused by the save (cfg_caps_find()). */
	struct cfg_caps caps;
	bool caps_ok;
	/* The standard space as the effect check read it after the reset, for the restore. */
	uint8_t now[PCI_CFG_SPACE_SIZE];
	unsigned now_len;	  /* bytes of it read in one block: 0, 64 or 256 */
	enum reset_effect effect; /* set by attempt_effect() */
	struct msi_marker msi;	  /* kernel and pciback: the marker the reset should clear */
};

enum step_result {
	STEP_DONE = 0,	/* the reset itself is complete */
	STEP_AGAIN = 1, /* call again at once (next phase) */
	STEP_WAIT = 2,	/* call again after a->wait µs */
	STEP_ASYNC = 3, /* call again when the offloaded call completes */
};

struct attempt {
	struct pci_host *host;
	const struct reset_timing *timing;
	struct reset_method_spec method;
	struct trail_attempt *trail;

	/* The function a per-function method resets (fns[0]); a bus reset resets them all. */
	struct attempt_fn *fns;
	unsigned n_fns;

	/* Bus reset: the bridge whose secondary bus is reset. */
	struct pci_dev_info bridge;
	struct pci_cfg *bridge_cfg;

	/* Method scratch state. */
	unsigned phase;
	usec_t wait;
	usec_t deadline;
	usec_t interval;
	uint16_t cap;  /* offset of the capability the method drives */
	int mode;      /* method-specific variant (bus: how to wait after SBR) */
	bool writable; /* config space opened for writing (false when probing) */
	bool sbr_asserted;
	uint16_t slot_mask;  /* bus: Slot Control events to mask (a hotplug slot), 0 none */
	uint16_t slot_saved; /* bus: Slot Control's masked bits before the reset */
	bool slot_masked;
	bool kernel_selected; /* reset_method was changed and must be restored */
	char kernel_prev[128];
	/* A blocking sysfs write, run by attempt_offload() on a copy of this. */
	struct attempt_sysfs_write {
		struct pci_host *host;
		struct pcirst_sbdf sbdf;
		char driver[PCI_DRIVER_NAME_MAX]; /* set: a driver attribute */
		const char *name;		  /* a string literal */
		char value[PCIRST_SBDF_STRLEN];
	} sysfs_write;
	struct offload *offload;
	int offload_result; /* -ETIME: no answer by timing.kernel_timeout, abandoned */
	/*
	 * A kernel write was abandoned: the kernel may still be resetting (and
	 * lock config space), so nothing more touches the function: no
	 * cleanup, no restore, no further method.
	 */
	bool kernel_abandoned;
	sd_event *event;
	void (*resume)(struct attempt *a); /* the engine's: continue after the offload */

	const char *step_name; /* the step running now, NULL before the first */
	usec_t step_start;

	struct why why;
};

struct method_ops {
	enum reset_method_id id;
	/*
	 * Read-only: can the method reset a->fns[0] (or, for bus, the set)?
	 * Returns 0, -EOPNOTSUPP (the function lacks it) or -EPERM (unsafe or
	 * not allowed), with the reason in why. The bus method replaces a->fns
	 * with every function behind the bridge.
	 */
	int (*check)(struct attempt *a, struct why *why);
	/* One step: a step_result, or -errno with a->why and the failed step set. */
	int (*step)(struct attempt *a);
	/* Undoes what an interrupted step left behind (SBR asserted, reset_method changed). */
	void (*cleanup)(struct attempt *a);
};

extern const struct method_ops method_flr_ops;
extern const struct method_ops method_af_flr_ops;
extern const struct method_ops method_pm_ops;
extern const struct method_ops method_bus_ops;
extern const struct method_ops method_kernel_ops;
extern const struct method_ops method_pciback_ops;

const struct method_ops *method_ops_get(enum reset_method_id id);

/*
 * Runs a->sysfs_write on a worker thread; the method returns STEP_ASYNC and is
 * called again with the write's result in a->offload_result.
 */
int attempt_offload_sysfs_write(struct attempt *a);

/* Closes the running step's timing in the trail and starts a new one named name. */
void attempt_step_begin(struct attempt *a, const char *name);
/* Ends the running step (if any) and records its duration. */
void attempt_step_end(struct attempt *a);

/*
 * Shared by FLR and AF-FLR: poll a "transactions pending" bit (mask in the
 * 16-bit register at off) until clear or pending_timeout. Returns STEP_WAIT
 * to poll again, STEP_AGAIN when clear or when the bound passed (then a note
 * is added to the trail: the reset goes ahead, as PCIe 6.0 §6.6.2 allows
 * after the Completion Timeout).
 */
int attempt_wait_pending(struct attempt *a, unsigned off, uint16_t mask, bool wide);

/*
 * After readiness, before restore: checks every function of the attempt for
 * the signature of a reset (effect.c) and records it in the functions and
 * the trail. 0 when none is ineffective, 1 when one is (a->why says which
 * register kept what), or -errno with a->why.
 */
int attempt_effect(struct attempt *a);

/*
 * Safety rules that hold for every method (never reset a function bound to
 * a driver other than pciback/pci-stub/vfio-pci, never a bridge as an
 * endpoint, virtual functions only by FLR). 0 or -EPERM with why.
 */
int safety_check(const struct pci_dev_info *info, const struct reset_method_spec *method,
		 struct why *why);
