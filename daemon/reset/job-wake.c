/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The job's first phase: every runtime-suspended target is woken to D0
 * (power.h) before any attempt, one at a time, the blocking power/control
 * write offloaded like the kernel's reset. A target that cannot be woken
 * fails the job at once: resetting some functions of a set and not others,
 * or "resetting" a powered-off one, would report what did not happen.
 *
 * At the job's end, on every path, each power/control that was written is
 * put back (job_wake_restore()).
 */
#include <stdarg.h>
#include <stdio.h>

#include "job.h"
#include "power-late.h"

void job_drop_offload(struct reset_job *job)
{
	struct attempt *a = &job->a;

	if (a->offload && offload_running(a->offload)) {
		/* Only an abandoned call is dropped while its thread runs (deadline, abort). */
		offload_abandon(a->offload);
		offload_free(job->left);
		job->left = a->offload;
	} else {
		offload_free(a->offload);
	}
	a->offload = NULL;
}

static void wake_write_done(struct reset_job *job)
{
	struct attempt *a = &job->a;
	const struct pcirst_sbdf *sbdf = &job->targets[job->wake_idx];
	char s[PCIRST_SBDF_STRLEN];
	struct why why = {""};

	job_drop_offload(job);
	job->wake_writing = false;
	if (a->offload_result == -ETIME) {
		snprintf(job->refusal, sizeof(job->refusal),
			 "%s is runtime-suspended and the write of 'on' to power/control did not "
			 "return within %llu ms: abandoned; not reset",
			 pcirst_sbdf_format(sbdf, s),
			 (unsigned long long)(job->timing.kernel_timeout / USEC_PER_MSEC));
		job_finish(job, VERDICT_FAILED);
		return;
	}
	if (power_check_awake(job->host, sbdf, a->offload_result, &why) < 0) {
		snprintf(job->refusal, sizeof(job->refusal), "%s", why.msg);
		job_finish(job, VERDICT_FAILED);
		return;
	}
	job->wake_idx++;
}

int job_wake_step(struct reset_job *job)
{
	struct attempt *a = &job->a;
	struct why why = {""};
	int r;

	if (job->wake_writing) {
		wake_write_done(job);
		if (job->finished)
			return -1;
	}
	for (; job->wake_idx < job->n_targets; job->wake_idx++) {
		const struct pcirst_sbdf *sbdf = &job->targets[job->wake_idx];

		r = power_needs_wake(job->host, sbdf, &job->wake[job->wake_idx], &why);
		if (r < 0) {
			snprintf(job->refusal, sizeof(job->refusal), "%s", why.msg);
			job_finish(job, VERDICT_FAILED);
			return -1;
		}
		if (r == 0)
			continue;
		/* An earlier job's "on" is still to be undone: what it undoes to is the original.
		 */
		power_late_original(job->power_late, sbdf, job->wake[job->wake_idx].control,
				    sizeof(job->wake[job->wake_idx].control));
		a->host = job->host;
		a->event = job->event;
		a->timing = &job->timing; /* the kernel-write deadline bounds this write too */
		a->sysfs_write.host = job->host;
		a->sysfs_write.sbdf = *sbdf;
		a->sysfs_write.driver[0] = '\0';
		a->sysfs_write.name = "power/control";
		snprintf(a->sysfs_write.value, sizeof(a->sysfs_write.value), "on");
		/*
		 * Changed from now on, whatever becomes of the write: one abandoned
		 * at its deadline or by an abort may still land.
		 */
		job->wake[job->wake_idx].woken = true;
		r = attempt_offload_sysfs_write(a);
		if (r < 0) {
			a->offload_result = r;
			job->wake_writing = true;
			wake_write_done(job);
			if (job->finished)
				return -1;
			continue;
		}
		job->wake_writing = true;
		job->waiting_async = true;
		return -1;
	}
	job->phase = JOB_NEXT;
	return 0;
}

static void power_note(struct reset_job *job, const char *fmt, ...) _printf_(2, 3);
static void power_note(struct reset_job *job, const char *fmt, ...)
{
	char *p = job->trail ? job->trail->power : NULL;
	size_t len;
	va_list ap;

	if (!p)
		return;
	len = strlen(p);
	if (len && len + 2 < sizeof(job->trail->power))
		len += (size_t)snprintf(p + len, sizeof(job->trail->power) - len, "; ");
	if (len >= sizeof(job->trail->power))
		return;
	va_start(ap, fmt);
	vsnprintf(p + len, sizeof(job->trail->power) - len, fmt, ap);
	va_end(ap);
}

void job_wake_restore(struct reset_job *job)
{
	/* The abandoned write holds the device lock power/control's store takes (power-late.h). */
	bool held = job->left && offload_running(job->left);
	char s[PCIRST_SBDF_STRLEN];
	int r;

	for (unsigned i = 0; job->wake && i < job->n_targets; i++) {
		struct power_wake *w = &job->wake[i];

		if (!w->woken)
			continue;
		w->woken = false;
		pcirst_sbdf_format(&job->targets[i], s);
		if (!held) {
			r = power_restore(job->host, &job->targets[i], w);
			if (r == -ENOENT || r == -ENODEV)
				power_note(job,
					   "power/control of %s not set back: the function is gone",
					   s);
			else if (r < 0)
				power_note(
				    job,
				    "power/control of %s could not be set back to '%s' (%s): "
				    "it stays 'on'",
				    s, w->control, strerror(-r));
			continue;
		}
		r = job->power_late ? power_late_add(job->power_late, job->host, &job->targets[i],
						     w->control, job->left)
				    : -EOPNOTSUPP;
		if (r >= 0)
			power_note(
			    job,
			    "power/control of %s stays 'on' until the abandoned kernel write "
			    "returns, then is set back to '%s'",
			    s, w->control);
		else
			power_note(
			    job,
			    "power/control of %s stays 'on' (it was '%s'): the abandoned kernel "
			    "write still holds the function; set it back with "
			    "'echo %s > /sys/bus/pci/devices/%s/power/control'",
			    s, w->control, w->control, s);
	}
}
