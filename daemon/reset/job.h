/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to the engine: the job object shared by engine.c (state machine) and job.c (lifecycle).
 */
#pragma once

#include "attempt.h"
#include "power.h"

enum job_phase {
	JOB_WAKE, /* before the first attempt: wake runtime-suspended targets */
	JOB_NEXT,
	JOB_SAVE,
	JOB_METHOD,
	JOB_EXTRA,
	JOB_READY,
	JOB_EFFECT,
	JOB_RESTORE,
	JOB_DONE
};

struct reset_job {
	sd_event *event;
	struct pci_host *host;
	struct pcirst_sbdf *targets;
	unsigned n_targets;
	struct reset_method_spec *methods;
	unsigned n_methods;
	struct reset_timing timing;
	reset_done_fn done;
	void *userdata;

	struct reset_assigned_source assigned_src;
	struct pcirst_sbdf *assigned; /* functions domains hold, once asked (sriov.h) */
	unsigned n_assigned;
	bool assigned_asked;

	struct reset_trail *trail;
	enum job_phase phase;
	unsigned mi, ti; /* method, and target for per-function methods */
	struct attempt a;
	struct attempt_fn *fns;
	unsigned ready_idx;
	usec_t job_start, attempt_start;
	struct power_wake *wake;    /* per target */
	struct pci_dev_info *given; /* per target, reset_options.infos, or NULL */
	bool *given_fresh;	    /* per target: given[] not yet used by an attempt */
	struct pci_cfg **given_cfg; /* per target, from reset_options.cfgs, or NULL */
	unsigned wake_idx;
	bool wake_writing;
	struct power_late *power_late;
	/* A kernel write abandoned while its thread was in the kernel (job_drop_offload()). */
	struct offload *left;
	/* Set: the job ended for this reason, before any attempt or refused (below). */
	char refusal[WHY_MAX];
	bool refused; /* a target no method may reset (an SR-IOV PF whose VFs are in use) */

	sd_event_source *timer, *defer;
	bool started, waiting_async, finished, abort_requested;
	char abort_reason[WHY_MAX];
};

/* Writes the trail's one-line message from the verdict and the attempts (job-summary.c). */
void job_summarize(struct reset_job *job);
/* Ends the job with verdict; the devices must be in a restored state. */
void job_finish(struct reset_job *job, enum reset_verdict verdict);
/*
 * JOB_WAKE (job-wake.c): wakes the next runtime-suspended target. 0: go on
 * (phase advanced to JOB_NEXT when all are awake), -1: stop for now (an
 * offloaded write runs, or the job finished).
 */
int job_wake_step(struct reset_job *job);
/*
 * After the job: puts back the power/control values job_wake_step() changed,
 * at once, or (a kernel write abandoned and still in the kernel) handed to
 * job->power_late for when it returns; what could not be done is in the
 * trail's power note.
 */
void job_wake_restore(struct reset_job *job);
/*
 * Frees the attempt's offloaded call; one whose thread is still in the
 * kernel (abandoned) is kept in job->left until the job is freed, so the
 * power/control restore can wait for it.
 */
void job_drop_offload(struct reset_job *job);

/*
 * Target t's config space for an attempt, writable: the caller's, opened with
 * the info the attempt takes (given_fresh), else opened now.
 */
int job_cfg_open(struct reset_job *job, unsigned t, struct pci_cfg **out, struct why *why);

/* The functions domains hold, asked of the source on first use (sriov_assigned_fn). */
int job_assigned(void *userdata, const struct pcirst_sbdf **list, unsigned *n);

/* Advances the job as far as it can go without waiting. */
void job_run(struct reset_job *job);
/* The job's deferred event source: runs the job, or reports it finished. */
int job_on_defer(sd_event_source *s, void *userdata);
