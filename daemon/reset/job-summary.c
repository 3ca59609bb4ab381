/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The trail's one-line summary of a finished job (reset_trail.message). */
#include <stdio.h>

#include "job.h"

static void summarize(struct reset_job *job);

void job_summarize(struct reset_job *job)
{
	struct reset_trail *t = job->trail;
	size_t len;

	summarize(job);
	/* The function's power setting changed and was not put back: every reader must know. */
	len = strlen(t->message);
	if (t->power[0] && len < sizeof(t->message))
		snprintf(t->message + len, sizeof(t->message) - len, "; %s", t->power);
}

static void summarize(struct reset_job *job)
{
	struct reset_trail *t = job->trail;
	char m[64], s[PCIRST_SBDF_STRLEN];
	size_t len;

	if (t->verdict == VERDICT_OK) {
		snprintf(t->message, sizeof(t->message), "%s reset %s%s; effect %s",
			 reset_method_spec_format(&t->method, m, sizeof(m)),
			 pcirst_sbdf_format(&t->targets[0], s),
			 t->n_targets > 1 ? " and the functions reset with it" : "",
			 reset_effect_name(t->effect));
		return;
	}
	if (job->refusal[0]) {
		snprintf(t->message, sizeof(t->message), "%s", job->refusal);
		return;
	}
	if (t->verdict == VERDICT_ABORTED) {
		snprintf(t->message, sizeof(t->message), "aborted: %s", job->abort_reason);
		return;
	}
	snprintf(t->message, sizeof(t->message), "no method reset %s",
		 pcirst_sbdf_format(&t->targets[0], s));
	if (t->n_attempts == 0)
		snprintf(t->message + strlen(t->message), sizeof(t->message) - strlen(t->message),
			 ": no methods to try");
	for (unsigned i = 0; i < t->n_attempts; i++) {
		const struct trail_attempt *a = &t->attempts[i];

		/* A reason shared with the previous attempt (a safety refusal) is said once. */
		bool same = i > 0 && a->outcome == t->attempts[i - 1].outcome &&
			    streq(a->message, t->attempts[i - 1].message);

		len = strlen(t->message);
		snprintf(t->message + len, sizeof(t->message) - len, "%s %s %s%s%s%s",
			 i ? ";" : ":", reset_method_spec_format(&a->method, m, sizeof(m)),
			 attempt_outcome_name(a->outcome), same ? "" : " (",
			 same ? " (same reason)" : a->message, same ? "" : ")");
	}
}
