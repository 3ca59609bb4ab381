/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The job state machine. For each method in order (and, for per-function
 * methods, each target in turn) one attempt runs through:
 *
 *   prepare (safety, method check) -> save -> method steps -> extra delay ->
 *   readiness -> effect -> restore -> verify
 *
 * Waits are one sd-event timer; blocking kernel writes are offloaded. A
 * failure after "save" still restores what it can. A method whose effect
 * is absent (a programmed register kept its value) is "ineffective": the
 * functions are restored and the next method is tried. The first method
 * that resets and verifies every target ends the job with verdict OK.
 */
#include <stdio.h>

#include "attempt.h"
#include "engine.h"
#include "job.h"
#include "sriov.h"

void reset_timing_default(struct reset_timing *t)
{
	*t = (struct reset_timing){
	    .pending_timeout = 1000 * USEC_PER_MSEC,
	    .flr_wait = 100 * USEC_PER_MSEC,
	    .pm_d3hot_wait = 10 * USEC_PER_MSEC,
	    .pm_d0_wait = 10 * USEC_PER_MSEC,
	    .sbr_assert = 2 * USEC_PER_MSEC,
	    .sbr_settle_pcie = 100 * USEC_PER_MSEC,
	    /* Trhfa, 2^25 clocks of 30 ns (33.3 MHz): 1.007 s, not Linux's old round 1 s. */
	    .sbr_settle_conv = ((1u << 25) * 30 + 999) / 1000,
	    .link_timeout = 1000 * USEC_PER_MSEC,
	    /* PCIe 6.0 §6.6.1: a function answers without CRS at the latest 1.0 s after reset. */
	    .ready_timeout = 1000 * USEC_PER_MSEC,
	    .poll_interval = 1 * USEC_PER_MSEC,
	    /* Above Linux's own 60 s wait for a function to answer after its reset
	     * (PCIE_RESET_READY_POLL_MS): only a write the kernel itself lost is cut. */
	    .kernel_timeout = 65 * USEC_PER_SEC,
	};
}

const struct method_ops *method_ops_get(enum reset_method_id id)
{
	static const struct method_ops *const ops[_RESET_METHOD_MAX] = {
	    [RESET_FLR] = &method_flr_ops,	 [RESET_AF_FLR] = &method_af_flr_ops,
	    [RESET_PM] = &method_pm_ops,	 [RESET_BUS] = &method_bus_ops,
	    [RESET_KERNEL] = &method_kernel_ops, [RESET_PCIBACK] = &method_pciback_ops,
	};

	return id >= 0 && id < _RESET_METHOD_MAX ? ops[id] : NULL;
}

void attempt_step_end(struct attempt *a)
{
	if (a->step_name && a->trail)
		trail_attempt_step(a->trail, a->step_name, now_usec() - a->step_start);
	a->step_name = NULL;
}

void attempt_step_begin(struct attempt *a, const char *name)
{
	if (a->step_name && streq(a->step_name, name))
		return;
	attempt_step_end(a);
	a->step_name = name;
	a->step_start = now_usec();
}

/* On the worker thread, with its own copy: the attempt may be gone when an abandoned write returns.
 */
static int sysfs_write_fn(void *arg)
{
	const struct attempt_sysfs_write *w = arg;
	struct pci_host *h = w->host;

	if (w->driver[0])
		return h->ops->driver_attr_write(h->ud, w->driver, w->name, w->value);
	return h->ops->attr_write(h->ud, &w->sbdf, w->name, w->value);
}

static void sysfs_write_done(int result, void *userdata)
{
	struct attempt *a = userdata;

	a->offload_result = result;
	if (result == -ETIME)
		a->kernel_abandoned = true;
	a->resume(a);
}

int attempt_offload_sysfs_write(struct attempt *a)
{
	offload_free(a->offload);
	a->offload = NULL;
	return offload_start(a->event, sysfs_write_fn, &a->sysfs_write, sizeof(a->sysfs_write),
			     a->timing->kernel_timeout, sysfs_write_done, a, &a->offload);
}

static void attempt_release(struct reset_job *job)
{
	struct attempt *a = &job->a;

	job_drop_offload(job);
	for (unsigned i = 0; i < a->n_fns; i++) {
		pci_cfg_free(a->fns[i].cfg);
		a->fns[i] = (struct attempt_fn){0};
	}
	pci_cfg_free(a->bridge_cfg);
	a->bridge_cfg = NULL;
}

static void job_schedule(struct reset_job *job, usec_t usec);

int job_on_defer(sd_event_source *s, void *userdata)
{
	struct reset_job *job = userdata;

	sd_event_source_set_enabled(s, SD_EVENT_OFF);
	if (job->finished) {
		if (job->done)
			job->done(job, job->userdata); /* may free the job: nothing after this */
		return 0;
	}
	job_run(job);
	return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	job_run(userdata);
	return 0;
}

static void job_resume(struct attempt *a)
{
	struct reset_job *job =
	    (struct reset_job *)(void *)((char *)a - offsetof(struct reset_job, a));

	job->waiting_async = false;
	job_run(job);
}

/* Runs job_run() after usec (0: from the loop at once, never recursively). */
static void job_schedule(struct reset_job *job, usec_t usec)
{
	int r;

	if (usec == 0) {
		sd_event_source_set_enabled(job->defer, SD_EVENT_ONESHOT);
		return;
	}
	/*
	 * Absolute time from the clock, not sd_event's *_relative(): those count from
	 * the loop's cached "now" of this iteration, which would shorten a
	 * specification wait by whatever work this iteration already did.
	 */
	usec = now_usec() + usec;
	if (!job->timer)
		r = sd_event_add_time(job->event, &job->timer, CLOCK_MONOTONIC, usec, 1, on_timer,
				      job);
	else
		r = sd_event_source_set_time(job->timer, usec);
	if (r >= 0)
		r = sd_event_source_set_enabled(job->timer, SD_EVENT_ONESHOT);
	if (r < 0) {
		/* Cannot wait: abort rather than spin or stall; the abort path needs no timer. */
		snprintf(job->abort_reason, sizeof(job->abort_reason), "cannot arm a timer: %s",
			 strerror(-r));
		job->abort_requested = true;
		sd_event_source_set_enabled(job->defer, SD_EVENT_ONESHOT);
	}
}

void job_finish(struct reset_job *job, enum reset_verdict verdict)
{
	job->trail->verdict = verdict;
	if (verdict == VERDICT_OK) {
		job->trail->effect = EFFECT_VERIFIED;
		for (unsigned i = 0; i < job->n_targets; i++)
			if (job->trail->effects[i] != EFFECT_VERIFIED)
				job->trail->effect = EFFECT_UNVERIFIED;
	}
	job->trail->usec = now_usec() - job->job_start;
	attempt_release(job);
	job_wake_restore(job);
	job_summarize(job);
	job->phase = JOB_DONE;
	job->finished = true;
	if (job->timer)
		sd_event_source_set_enabled(job->timer, SD_EVENT_OFF);
	sd_event_source_set_enabled(job->defer, SD_EVENT_ONESHOT);
}

static bool per_function(const struct reset_job *job)
{
	return job->methods[job->mi].id != RESET_BUS;
}

/* Ends the running attempt; a failure after "save" first undoes what it can. */
static void attempt_end(struct reset_job *job, enum attempt_outcome outcome, int err)
{
	struct attempt *a = &job->a;
	const struct method_ops *ops = method_ops_get(a->method.id);

	attempt_step_end(a);
	if (outcome != ATTEMPT_OK && job->phase > JOB_SAVE && !a->kernel_abandoned) {
		if (ops->cleanup)
			ops->cleanup(a);
		for (unsigned i = 0; i < a->n_fns; i++)
			if (a->fns[i].saved_ok)
				(void)cfg_restore(a->fns[i].cfg, &a->fns[i].saved, NULL);
	}
	a->trail->outcome = outcome;
	a->trail->error = err < 0 ? -err : 0;
	if (outcome != ATTEMPT_OK)
		snprintf(a->trail->message, sizeof(a->trail->message), "%s", a->why.msg);
	a->trail->usec = now_usec() - job->attempt_start;
	if (outcome == ATTEMPT_OK)
		for (unsigned i = 0, first = (unsigned)(a->fns - job->fns); i < a->n_fns; i++)
			job->trail->effects[first + i] = a->fns[i].effect;
	attempt_release(job);

	if (outcome == ATTEMPT_ABORTED) {
		job_finish(job, VERDICT_ABORTED);
		return;
	}
	if (job->refused) {
		job_finish(job, VERDICT_REFUSED);
		return;
	}
	if (a->kernel_abandoned) {
		/* The kernel may still hold the function: no other method may touch it now. */
		job_finish(job, VERDICT_FAILED);
		return;
	}
	if (outcome == ATTEMPT_OK && per_function(job) && job->ti + 1 < job->n_targets) {
		job->ti++;
	} else if (outcome == ATTEMPT_OK) {
		job->trail->method = job->methods[job->mi];
		job_finish(job, VERDICT_OK);
		return;
	} else {
		job->mi++;
		job->ti = 0;
	}
	job->phase = JOB_NEXT;
	job_schedule(job, 0);
}

static void attempt_fail(struct reset_job *job, int err)
{
	if (job->a.step_name)
		snprintf(job->a.trail->failed_step, sizeof(job->a.trail->failed_step), "%s",
			 job->a.step_name);
	attempt_end(job, err == -ETIMEDOUT ? ATTEMPT_TIMEDOUT : ATTEMPT_FAILED, err);
}

/* Sets up the next attempt and runs its checks; false when the attempt already ended. */
static bool attempt_prepare(struct reset_job *job)
{
	struct attempt *a = &job->a;
	const struct method_ops *ops;
	unsigned first = 0;
	int r;

	if (job->mi >= job->n_methods) {
		job_finish(job, VERDICT_FAILED);
		return false;
	}
	*a = (struct attempt){
	    .host = job->host,
	    .timing = &job->timing,
	    .method = job->methods[job->mi],
	    .event = job->event,
	    .resume = job_resume,
	    .writable = true,
	};
	if (per_function(job)) {
		first = job->ti;
		a->n_fns = 1;
	} else {
		a->n_fns = job->n_targets;
	}
	a->fns = job->fns + first;
	job->attempt_start = now_usec();
	job->ready_idx = 0;
	a->trail = reset_trail_add(job->trail, &a->method, &job->targets[first]);
	if (!a->trail) {
		snprintf(job->abort_reason, sizeof(job->abort_reason), "out of memory");
		job_finish(job, VERDICT_ABORTED);
		return false;
	}
	for (unsigned i = 0; i < a->n_fns; i++) {
		struct attempt_fn *fn = &a->fns[i];

		/* Config space opened first, so the info reads it through the same descriptor:
		 * one open per function and attempt (each a system call in the dom0). */
		fn->caps_ok = false;
		r = job_cfg_open(job, first + i, &fn->cfg, &a->why);
		if (r >= 0 && job->given_fresh && job->given_fresh[first + i]) {
			/* The caller's, read just before the job: the first attempt's checks. */
			fn->info = job->given[first + i];
			job->given_fresh[first + i] = false;
		} else if (r >= 0) {
			r = pci_host_info_brief_cfg(job->host, &job->targets[first + i], fn->cfg,
						    &fn->info, &a->why);
		}
		if (r < 0)
			goto fail;
		r = safety_check(&fn->info, &a->method, &a->why);
		if (r < 0)
			goto fail;
		/* Any method would take the VFs away: the job is refused, not failed. */
		r = sriov_check_pf(job->host, &fn->info, job_assigned, job, &a->why);
		if (r == -EPERM) {
			snprintf(job->refusal, sizeof(job->refusal), "%s", a->why.msg);
			job->refused = true;
		}
		if (r < 0)
			goto fail;
	}
	ops = method_ops_get(a->method.id);
	r = ops->check(a, &a->why);
	if (r < 0)
		goto fail;
	job->phase = JOB_SAVE;
	return true;
fail:
	attempt_end(job,
		    r == -EOPNOTSUPP ? ATTEMPT_UNSUPPORTED
		    : r == -EPERM    ? ATTEMPT_REFUSED
				     : ATTEMPT_FAILED,
		    r);
	return false;
}

/* Polls every function of the attempt; a result < 0 fails it, STEP_WAIT polls again. */
static int attempt_ready(struct reset_job *job)
{
	struct attempt *a = &job->a;
	char s[PCIRST_SBDF_STRLEN];
	struct why why = {""};
	usec_t now = now_usec();
	int r;

	if (a->deadline == 0) {
		a->deadline = now + job->timing.ready_timeout;
		a->interval = job->timing.poll_interval;
	}
	for (; job->ready_idx < a->n_fns; job->ready_idx++) {
		struct attempt_fn *fn = &a->fns[job->ready_idx];

		r = cfg_ready(fn->cfg, fn->saved_ok ? &fn->saved : NULL, &why);
		if (r < 0)
			return why_err(&a->why, r, "%s: %s", pcirst_sbdf_format(&fn->info.sbdf, s),
				       why.msg);
		if (r == 0)
			break;
	}
	if (job->ready_idx == a->n_fns)
		return STEP_DONE;
	if (now >= a->deadline)
		return why_err(&a->why, -ETIMEDOUT, "%s not ready %llu ms after reset: %s",
			       pcirst_sbdf_format(&a->fns[job->ready_idx].info.sbdf, s),
			       (unsigned long long)(job->timing.ready_timeout / USEC_PER_MSEC),
			       why.msg);
	a->wait = a->interval;
	if (now + a->wait > a->deadline)
		a->wait = a->deadline - now;
	if (a->interval < 64 * job->timing.poll_interval)
		a->interval *= 2;
	return STEP_WAIT;
}

/* Advances by one phase; returns how long to wait (0: go on), or -1 to stop for now. */
static int64_t job_advance(struct reset_job *job)
{
	struct attempt *a = &job->a;
	int r;

	switch (job->phase) {
	case JOB_WAKE:
		job->a.resume = job_resume;
		return job_wake_step(job);
	case JOB_NEXT:
		return attempt_prepare(job) ? 0 : -1;
	case JOB_SAVE:
		attempt_step_begin(a, "save");
		for (unsigned i = 0; i < a->n_fns; i++) {
			struct attempt_fn *fn = &a->fns[i];

			r = cfg_save_known(fn->cfg, fn->info.is_vf, fn->caps_ok ? &fn->caps : NULL,
					   &fn->saved, &a->why);
			if (r < 0) {
				attempt_fail(job, r);
				return -1;
			}
			a->fns[i].saved_ok = true;
		}
		attempt_step_end(a);
		job->phase = JOB_METHOD;
		a->phase = 0;
		return 0;
	case JOB_METHOD:
		job_drop_offload(job);
		r = method_ops_get(a->method.id)->step(a);
		if (r < 0) {
			attempt_fail(job, r);
			return -1;
		}
		if (r == STEP_WAIT)
			return (int64_t)a->wait;
		if (r == STEP_ASYNC) {
			job->waiting_async = true;
			return -1;
		}
		if (r == STEP_DONE)
			job->phase = JOB_EXTRA;
		return 0;
	case JOB_EXTRA:
		job->phase = JOB_READY;
		a->deadline = 0;
		if (job->timing.extra_delay) {
			attempt_step_begin(a, "extra-delay");
			return (int64_t)job->timing.extra_delay;
		}
		return 0;
	case JOB_READY:
		attempt_step_begin(a, "ready");
		r = attempt_ready(job);
		if (r < 0) {
			attempt_fail(job, r);
			return -1;
		}
		if (r == STEP_WAIT)
			return (int64_t)a->wait;
		job->phase = JOB_EFFECT;
		return 0;
	case JOB_EFFECT:
		/* Before restore: what the reset left is what proves it happened. */
		attempt_step_begin(a, "effect");
		r = attempt_effect(a);
		if (r < 0) {
			attempt_fail(job, r);
			return -1;
		}
		if (r > 0) {
			attempt_end(job, ATTEMPT_INEFFECTIVE, 0);
			return -1;
		}
		job->phase = JOB_RESTORE;
		return 0;
	case JOB_RESTORE:
		for (unsigned i = 0; i < a->n_fns; i++) {
			attempt_step_begin(a, "restore");
			r = cfg_restore_seen(a->fns[i].cfg, &a->fns[i].saved, a->fns[i].now,
					     a->fns[i].now_len, &a->why);
			if (r >= 0) {
				attempt_step_begin(a, "verify");
				r = cfg_verify(a->fns[i].cfg, &a->fns[i].saved, &a->why);
			}
			if (r < 0) {
				a->fns[i].saved_ok = false; /* already restored once */
				attempt_fail(job, r);
				return -1;
			}
		}
		attempt_end(job, ATTEMPT_OK, 0);
		return -1;
	case JOB_DONE:
	default:
		return -1;
	}
}

void job_run(struct reset_job *job)
{
	if (job->finished || job->waiting_async)
		return;
	if (job->abort_requested) {
		snprintf(job->a.why.msg, sizeof(job->a.why.msg), "%s", job->abort_reason);
		if (job->phase <= JOB_NEXT)
			job_finish(job, VERDICT_ABORTED);
		else
			attempt_end(job, ATTEMPT_ABORTED, -ECANCELED);
		return;
	}
	for (;;) {
		int64_t wait = job_advance(job);

		if (wait < 0)
			return;
		if (wait > 0) {
			job_schedule(job, (usec_t)wait);
			return;
		}
	}
}
