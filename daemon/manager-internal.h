/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the manager: manager.c keeps the queue (submitting, scheduling
 * around conflicts, removal, stopping); manager-run.c starts a request's
 * reset and answers it with the outcome. Nothing else includes this.
 */
#pragma once

#include "manager.h"
#include "power-late.h"

_Static_assert(REQUEST_TARGETS_MAX == POLICY_TARGETS_MAX, "a request decides every target");

enum entry_state {
	ENTRY_QUEUED,
	ENTRY_RUNNING,
	ENTRY_FOLLOWING
};

struct entry {
	struct manager *m;
	struct entry *prev, *next;
	enum entry_state state;
	struct entry *leader; /* ENTRY_FOLLOWING: whose outcome this one shares */
	struct request req;
	struct pci_dev_info info[REQUEST_TARGETS_MAX];
	struct policy *policy; /* the policy the decision points into */
	struct policy_decision decision;
	struct reset_job *job;
	usec_t accepted_at;
	char abort_reason[WHY_MAX];
	bool vanished;
};

struct manager {
	sd_event *event;
	struct pci_host *host;
	struct policy_handle *policy;
	const struct audit_sink *audit;
	struct manager_reporter reporter;
	struct reset_timing timing;
	struct manager_assigned_source assigned;
	struct entry *head, *tail;
	unsigned n_entries, max_entries; /* queued, running and following: bounded */
	unsigned counts[_RESULT_MAX];
	/* power/control values jobs handed over: written and audited when the kernel lets go. */
	struct power_late *power_late;
	struct manager_power_keeper keeper;
	bool stopping; /* no new resets start */
	/*
	 * The entry manager_submit() is scheduling, whose info it has just read:
	 * its job takes that info instead of reading it again (reset_options.infos).
	 * One that waited for another takes none: what held then may have changed.
	 */
	const struct entry *submitting;
	/*
	 * Its targets' config spaces, opened to read that info: its job takes
	 * them too (reset_options.cfgs); manager_submit() closes the rest.
	 */
	struct pci_cfg **submit_cfgs;
};

/* manager.c */
/* Unlinks and frees e. */
void entry_free(struct entry *e);
/* Starts every queued request that conflicts with nothing running or queued before it. */
void schedule(struct manager *m);

/* manager-run.c */
/* Runs e's reset (or answers it at once: skip, or a reset that cannot start). */
void entry_start(struct entry *e);
/* Answers e (and its followers) with the outcome of the reset that ran for it; frees them. */
void entry_finish(struct entry *e, const struct reset_trail *trail, enum policy_outcome o);
/* Answers a request that never started: failed (or failed-ignored) with reason. */
void entry_cancel(struct entry *e, const char *reason);
