/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running a request: its reset started with the options its policy decision
 * gives, and its answer (with its followers') reported and audited.
 */
#include <stdio.h>

#include "decision.h"
#include "log.h"
#include "manager-internal.h"

static void format_rule(const struct policy_decision *d, char *buf, size_t size)
{
	if (d->rule)
		snprintf(buf, size, "%s:%u", d->rule->file, d->rule->line);
	else
		snprintf(buf, size, "default");
}

static enum manager_result_kind result_of(enum policy_mode mode, enum policy_outcome o)
{
	switch (o) {
	case POLICY_OUTCOME_OK:
		return RESULT_OK;
	case POLICY_OUTCOME_SKIPPED:
		return RESULT_SKIPPED;
	case POLICY_OUTCOME_FAILED_IGNORED:
		return RESULT_FAILED_IGNORED;
	case POLICY_OUTCOME_ABORTED:
		/* No outcome: the policy still decides whether the attach may go on. */
		return mode == POLICY_LENIENT ? RESULT_FAILED_IGNORED : RESULT_FAILED;
	case POLICY_OUTCOME_REFUSED:
		/* The engine found a function no policy may reset: nothing was tried. */
		return RESULT_REFUSED;
	default:
		return RESULT_FAILED;
	}
}

/* Answers e (and its followers) with the outcome of the reset that ran for it. */
void entry_finish(struct entry *e, const struct reset_trail *trail, enum policy_outcome o)
{
	struct manager *m = e->m;
	struct manager_result res = {0};
	char s[PCIRST_SBDF_STRLEN];
	struct entry *f, *next;

	res.result = result_of(e->decision.mode, o);
	snprintf(res.policy, sizeof(res.policy), "%s", policy_mode_name(e->decision.mode));
	format_rule(&e->decision, res.rule, sizeof(res.rule));
	if (trail && trail->verdict == VERDICT_OK) {
		reset_method_spec_format(&trail->method, res.method, sizeof(res.method));
		snprintf(res.effect, sizeof(res.effect), "%s", reset_effect_name(trail->effect));
	}
	if (o == POLICY_OUTCOME_SKIPPED && e->decision.request_applied)
		snprintf(res.error, sizeof(res.error), "skipped as requested: %.290s",
			 e->decision.request_note);
	else if (o == POLICY_OUTCOME_SKIPPED)
		snprintf(res.error, sizeof(res.error), "skipped by policy rule %s (reason: %s)",
			 res.rule,
			 e->decision.rule && e->decision.rule->reason ? e->decision.rule->reason
								      : "none given");
	else if (e->vanished)
		snprintf(res.error, sizeof(res.error), "%s was removed during the reset",
			 pcirst_sbdf_format(&e->req.targets[0], s));
	else if (trail && trail->verdict != VERDICT_OK)
		snprintf(res.error, sizeof(res.error), "%s", trail->message);
	res.duration_ms = (now_usec() - e->accepted_at) / USEC_PER_MSEC;

	for (f = e; f; f = next) {
		struct audit_reset a = {
		    .request_id = f->req.id,
		    .domid = f->req.domid,
		    .reason = request_reason_name(f->req.reason),
		    .targets = f->req.targets,
		    .n_targets = f->req.n_targets,
		    .info = &f->info[0],
		    .decision = &e->decision,
		    .outcome = o,
		    .trail = trail,
		};

		/* The next follower of e, found before f is freed. */
		for (next = (f == e ? m->head : f->next); next; next = next->next)
			if (next->state == ENTRY_FOLLOWING && next->leader == e)
				break;
		if (e->vanished)
			audit_vanished(m->audit, f->req.id, &f->req.targets[0]);
		audit_reset(m->audit, &a);
		m->counts[res.result]++;
		m->reporter.done(m->reporter.userdata, &f->req, &res);
		if (f != e)
			entry_free(f);
	}
	entry_free(e);
	schedule(m);
}

static void on_job_done(struct reset_job *job, void *userdata)
{
	struct entry *e = userdata;
	const struct reset_trail *t = reset_job_trail(job);
	char s[PCIRST_SBDF_STRLEN], m[64];

	/* A method that worked around something (a bridge without Link Active) is a warning. */
	for (unsigned i = 0; i < t->n_attempts; i++)
		if (t->attempts[i].note[0])
			log_warning("request %s: %s on %s: %s", e->req.id,
				    reset_method_spec_format(&t->attempts[i].method, m, sizeof(m)),
				    pcirst_sbdf_format(&t->attempts[i].sbdf, s),
				    t->attempts[i].note);

	entry_finish(e, t, policy_outcome_of(e->decision.mode, t->verdict));
}

/*
 * Which functions domains hold, for e's job: the engine asks only when a
 * target is an SR-IOV PF with VFs (and once per job), so no other reset
 * waits for the store.
 */
static int entry_assigned(void *userdata, struct pcirst_sbdf **out, unsigned *n)
{
	struct entry *e = userdata;
	int r = e->m->assigned.list(e->m->assigned.userdata, out, n);

	if (r < 0)
		log_warning("request %s: cannot tell which functions domains hold (%s); "
			    "judging SR-IOV VFs by their drivers only",
			    e->req.id, strerror(-r));
	return r;
}

void entry_start(struct entry *e)
{
	struct manager *m = e->m;
	struct reset_options opts = {
	    .targets = e->req.targets,
	    .n_targets = e->req.n_targets,
	    .timing = m->timing,
	    .power_late = m->power_late,
	};
	int r;

	e->state = ENTRY_RUNNING;
	if (e->decision.mode == POLICY_SKIP) {
		entry_finish(e, NULL, POLICY_OUTCOME_SKIPPED);
		return;
	}
	r = policy_decision_to_reset_options(&e->decision, &opts);
	if (m->submitting == e) {
		opts.infos = e->info;
		opts.cfgs = m->submit_cfgs;
	}
	if (m->assigned.list)
		opts.assigned = (struct reset_assigned_source){entry_assigned, e};
	if (r >= 0)
		r = reset_job_new(m->event, m->host, &opts, on_job_done, e, &e->job);
	if (r >= 0)
		r = reset_job_start(e->job);
	if (r < 0) {
		/*
		 * Cannot even start: answer as a failed reset with the reason;
		 * -ENOENT: every method is avoided as known broken (quirks).
		 */
		_cleanup_(reset_trail_freep) struct reset_trail *t =
		    reset_trail_new(e->req.targets, e->req.n_targets);

		if (t && r == -ENOENT)
			snprintf(t->message, sizeof(t->message), "%s", e->decision.no_method_why);
		else if (t)
			snprintf(t->message, sizeof(t->message), "cannot start the reset: %s",
				 strerror(-r));
		entry_finish(e, t, policy_outcome_of(e->decision.mode, VERDICT_FAILED));
	}
}

/* Answers a request that never started: failed (or failed-ignored) with reason. */
void entry_cancel(struct entry *e, const char *reason)
{
	_cleanup_(reset_trail_freep) struct reset_trail *t =
	    reset_trail_new(e->req.targets, e->req.n_targets);

	if (t) {
		t->verdict = VERDICT_ABORTED;
		snprintf(t->message, sizeof(t->message), "%s", reason);
	}
	entry_finish(e, t,
		     e->decision.mode == POLICY_SKIP ? POLICY_OUTCOME_SKIPPED
						     : POLICY_OUTCOME_ABORTED);
}
