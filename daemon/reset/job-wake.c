/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The job's first phase: every runtime-suspended target is woken to D0
 * (power.h) before any attempt, one at a time, the blocking power/control
 * write offloaded like the kernel's reset. A target that cannot be woken
 * fails the job at once: resetting some functions of a set and not others,
 * or "resetting" a powered-off one, would report what did not happen.
 */
#include <stdio.h>

#include "job.h"

static void wake_write_done(struct reset_job *job)
{
	struct attempt *a = &job->a;
	const struct pcirst_sbdf *sbdf = &job->targets[job->wake_idx];
	struct why why = {""};

	offload_free(a->offload);
	a->offload = NULL;
	job->wake_writing = false;
	job->wake[job->wake_idx].woken = true;
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
		a->host = job->host;
		a->event = job->event;
		a->timing = &job->timing; /* the kernel-write deadline bounds this write too */
		a->sysfs_write.host = job->host;
		a->sysfs_write.sbdf = *sbdf;
		a->sysfs_write.driver[0] = '\0';
		a->sysfs_write.name = "power/control";
		snprintf(a->sysfs_write.value, sizeof(a->sysfs_write.value), "on");
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

void job_wake_restore(struct reset_job *job)
{
	for (unsigned i = 0; job->wake && i < job->n_targets; i++)
		power_restore(job->host, &job->targets[i], &job->wake[i]);
}
