/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to the engine: the job object shared by engine.c (state machine) and job.c (lifecycle).
 */
#pragma once

#include "attempt.h"

enum job_phase {
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

	struct reset_trail *trail;
	enum job_phase phase;
	unsigned mi, ti; /* method, and target for per-function methods */
	struct attempt a;
	struct attempt_fn *fns;
	unsigned ready_idx;
	usec_t job_start, attempt_start;

	sd_event_source *timer, *defer;
	bool started, waiting_async, finished, abort_requested;
	char abort_reason[WHY_MAX];
};

/* Advances the job as far as it can go without waiting. */
void job_run(struct reset_job *job);
/* The job's deferred event source: runs the job, or reports it finished. */
int job_on_defer(sd_event_source *s, void *userdata);
