/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "job.h"

int reset_job_new(sd_event *event, struct pci_host *host, const struct reset_options *opts,
		  reset_done_fn done, void *userdata, struct reset_job **out)
{
	_cleanup_(reset_job_freep) struct reset_job *job = NULL;
	const struct reset_method_spec *methods = opts->methods;
	unsigned n_methods = opts->n_methods;
	int r;

	if (opts->n_targets == 0)
		return -EINVAL;
	if (n_methods == 0) {
		methods = reset_method_default_order;
		n_methods = ELEMENTSOF(reset_method_default_order);
	}
	for (unsigned i = 0; i < n_methods; i++)
		if (!method_ops_get(methods[i].id))
			return -EINVAL;
	/* Per-function methods take the targets one by one; a set only makes sense for "bus". */
	job = calloc(1, sizeof(*job));
	if (!job)
		return -ENOMEM;
	job->event = sd_event_ref(event);
	job->host = host;
	job->timing = opts->timing;
	if (job->timing.poll_interval == 0)
		job->timing.poll_interval = USEC_PER_MSEC;
	job->done = done;
	job->userdata = userdata;
	job->power_late = opts->power_late;
	job->targets = calloc(opts->n_targets, sizeof(*job->targets));
	job->fns = calloc(opts->n_targets, sizeof(*job->fns));
	job->methods = calloc(n_methods, sizeof(*job->methods));
	job->trail = reset_trail_new(opts->targets, opts->n_targets);
	job->wake = calloc(opts->n_targets, sizeof(*job->wake));
	job->assigned_src = opts->assigned;
	if (!job->targets || !job->fns || !job->methods || !job->trail || !job->wake)
		return -ENOMEM;
	if (opts->infos) {
		job->given = calloc(opts->n_targets, sizeof(*job->given));
		job->given_fresh = calloc(opts->n_targets, sizeof(*job->given_fresh));
		job->given_cfg = calloc(opts->n_targets, sizeof(*job->given_cfg));
		if (!job->given || !job->given_fresh || !job->given_cfg)
			return -ENOMEM;
		for (unsigned i = 0; i < opts->n_targets; i++) {
			/* Only an info of the very target: a mismatch is asked again. */
			job->given[i] = opts->infos[i];
			job->given_fresh[i] =
			    pcirst_sbdf_cmp(&opts->infos[i].sbdf, &opts->targets[i]) == 0;
			if (opts->cfgs && job->given_fresh[i]) {
				job->given_cfg[i] = opts->cfgs[i];
				opts->cfgs[i] = NULL;
			}
		}
	}
	memcpy(job->targets, opts->targets, opts->n_targets * sizeof(*job->targets));
	job->n_targets = opts->n_targets;
	memcpy(job->methods, methods, n_methods * sizeof(*methods));
	job->n_methods = n_methods;
	r = sd_event_add_defer(event, &job->defer, job_on_defer, job);
	if (r < 0)
		return r;
	sd_event_source_set_enabled(job->defer, SD_EVENT_OFF);
	*out = job;
	job = NULL;
	return 0;
}

int job_assigned(void *userdata, const struct pcirst_sbdf **list, unsigned *n)
{
	struct reset_job *job = userdata;

	/* One question per job: each answer may cost the daemon xenstore round trips. */
	if (!job->assigned_asked && job->assigned_src.list) {
		job->assigned_asked = true;
		if (job->assigned_src.list(job->assigned_src.userdata, &job->assigned,
					   &job->n_assigned) < 0) {
			free(job->assigned);
			job->assigned = NULL;
			job->n_assigned = 0;
		}
	}
	*list = job->assigned;
	*n = job->n_assigned;
	return 0;
}

int reset_job_start(struct reset_job *job)
{
	if (job->started)
		return -EALREADY;
	job->started = true;
	job->job_start = now_usec();
	job->phase = 0;
	/* Run from the loop, so done never runs inside the caller's reset_job_start(). */
	return sd_event_source_set_enabled(job->defer, SD_EVENT_ONESHOT);
}

void reset_job_abort(struct reset_job *job, const char *reason)
{
	if (job->finished || job->abort_requested)
		return;
	snprintf(job->abort_reason, sizeof(job->abort_reason), "%s", reason);
	job->abort_requested = true;
	/* A kernel write in progress cannot be interrupted: abandon it rather than wait. */
	if (job->waiting_async && job->a.offload) {
		job_drop_offload(job);
		job->a.kernel_abandoned = true;
		job->waiting_async = false;
	}
	if (job->timer)
		sd_event_source_set_enabled(job->timer, SD_EVENT_OFF);
	if (job->started)
		sd_event_source_set_enabled(job->defer, SD_EVENT_ONESHOT);
}

const struct reset_trail *reset_job_trail(const struct reset_job *job)
{
	return job->trail;
}

bool reset_job_finished(const struct reset_job *job)
{
	return job->finished;
}

void reset_job_free(struct reset_job *job)
{
	if (!job)
		return;
	/* Freed before its end: power/control is still put back (or handed over). */
	if (job->started && !job->finished) {
		job_drop_offload(job);
		job_wake_restore(job);
	}
	offload_free(job->a.offload);
	offload_free(job->left);
	for (unsigned i = 0; job->fns && i < job->n_targets; i++)
		pci_cfg_free(job->fns[i].cfg);
	pci_cfg_free(job->a.bridge_cfg);
	sd_event_source_disable_unref(job->timer);
	sd_event_source_disable_unref(job->defer);
	sd_event_unref(job->event);
	reset_trail_free(job->trail);
	free(job->targets);
	free(job->fns);
	free(job->methods);
	free(job->wake);
	free(job->given);
	free(job->given_fresh);
	for (unsigned i = 0; job->given_cfg && i < job->n_targets; i++)
		pci_cfg_free(job->given_cfg[i]);
	free(job->given_cfg);
	free(job->assigned);
	free(job);
}

int job_cfg_open(struct reset_job *job, unsigned t, struct pci_cfg **out, struct why *why)
{
	if (job->given_fresh && job->given_fresh[t] && job->given_cfg[t]) {
		*out = job->given_cfg[t];
		job->given_cfg[t] = NULL;
		return 0;
	}
	return pci_host_cfg_open(job->host, &job->targets[t], true, out, why);
}

static void sync_done(struct reset_job *job, void *userdata)
{
	sd_event_exit(userdata, 0);
}

int reset_run_sync(struct pci_host *host, const struct reset_options *opts,
		   struct reset_trail **out)
{
	_cleanup_(reset_job_freep) struct reset_job *job = NULL;
	sd_event *event = NULL;
	int r;

	r = sd_event_new(&event);
	if (r < 0)
		return r;
	r = reset_job_new(event, host, opts, sync_done, event, &job);
	if (r >= 0)
		r = reset_job_start(job);
	if (r >= 0)
		r = sd_event_loop(event);
	if (r >= 0) {
		*out = job->trail;
		job->trail = NULL;
	}
	reset_job_free(job);
	job = NULL;
	sd_event_unref(event);
	return r;
}
