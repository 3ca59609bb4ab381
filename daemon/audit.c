/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit trail (see audit.h). Each entry is built as a list of
 * "NAME=value" strings (audit-fields.c) and handed to a sink, so the tests
 * can check the exact fields without a journal and production writes them
 * with sd_journal_sendv(). The field names and MESSAGE_IDs are an interface for
 * administrators (docs/audit.md, systemd/pcirstd.catalog): do not rename them.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <sys/uio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>

#include "audit-fields.h"
#include "audit.h"

/*
 * Fixed forever: generated once with systemd-id128 new. The catalog and
 * the documentation list the same ids, and administrators' queries and
 * alerts use them.
 */
const char *audit_message_id(enum audit_event e)
{
	/* No default: -Wswitch names an event added without an id. */
	switch (e) {
	case AUDIT_RESET_OK:
		return "5183439e4827417ea705786b2be0b95a";
	case AUDIT_RESET_FAILED:
		return "0ace723317174a5299f90c8e8eb9d571";
	case AUDIT_RESET_FAILED_IGNORED:
		return "775ca3b1470d46afbc50d4cae0ad313b";
	case AUDIT_RESET_SKIPPED:
		return "f7d14233c9fc44878d835325589fa682";
	case AUDIT_RESET_ABORTED:
		return "05b0a73869ab476d8b4e3cc4e25361e4";
	case AUDIT_REQUEST_REFUSED:
		return "68dfbe5e5f084940909fef6cec8a0b1b";
	case AUDIT_DEVICE_VANISHED:
		return "ba65b92248584748b7988126dc421248";
	case AUDIT_POLICY_RELOADED:
		return "8c13faf400594405a24ba73fd151aa13";
	case AUDIT_POLICY_REJECTED:
		return "cdb1d99d515d40f0b9179e5c6f704c08";
	case AUDIT_POWER_RESTORED:
		return "1189e708d0034b2098f475e1b3a97c30";
	case AUDIT_POWER_LEFT:
		return "53e3ffeb067949ff96ff4603dab5310f";
	case _AUDIT_EVENT_MAX:
		break;
	}
	return NULL;
}

enum audit_event audit_event_of(enum policy_outcome outcome)
{
	switch (outcome) {
	case POLICY_OUTCOME_OK:
		return AUDIT_RESET_OK;
	case POLICY_OUTCOME_FAILED_IGNORED:
		return AUDIT_RESET_FAILED_IGNORED;
	case POLICY_OUTCOME_SKIPPED:
		return AUDIT_RESET_SKIPPED;
	case POLICY_OUTCOME_ABORTED:
		return AUDIT_RESET_ABORTED;
	case POLICY_OUTCOME_REFUSED:
		return AUDIT_REQUEST_REFUSED;
	default:
		/* An unknown outcome is no success: report it as the strongest failure. */
		return AUDIT_RESET_FAILED;
	}
}

/* ---- Text helpers ---- */

/* "dddd:bb:dd.f dddd:bb:dd.f ...", for the message. */
static char *format_targets(const struct pcirst_sbdf *targets, unsigned n)
{
	char *s = malloc(n ? n * PCIRST_SBDF_STRLEN : 1);

	if (!s)
		return NULL;
	s[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		char b[PCIRST_SBDF_STRLEN];

		if (i)
			strcat(s, " ");
		strcat(s, pcirst_sbdf_format(&targets[i], b));
	}
	return s;
}

static void format_duration(uint64_t usec, char *buf, size_t size)
{
	/* Like the trail: milliseconds are enough once there are ten of them. */
	if (usec >= 10 * USEC_PER_MSEC)
		snprintf(buf, size, "%" PRIu64 " ms", usec / USEC_PER_MSEC);
	else
		snprintf(buf, size, "%" PRIu64 " µs", usec);
}

/* What the outcome means for the requester, said plainly: "; attach refused". */
static const char *consequence(const char *reason, bool fatal)
{
	if (!reason)
		return "";
	if (streq(reason, "attach"))
		return fatal ? "; attach refused" : "; the attach goes on without a verified reset";
	if (streq(reason, "detach"))
		return fatal ? "; detach reported as failed" : "; the detach goes on";
	return "";
}

/* The positive errno of the last attempt that failed with one, or 0. */
static int last_errno(const struct reset_trail *t)
{
	for (unsigned i = t->n_attempts; i > 0; i--)
		if (t->attempts[i - 1].error)
			return t->attempts[i - 1].error;
	return 0;
}

static void add_trail_json(struct fields *f, const struct reset_trail *t)
{
	struct json_object *o = NULL;
	const char *s;
	size_t len;

	if (f->error)
		return;
	if (reset_trail_to_json(t, &o) < 0) {
		f->error = -ENOMEM;
		return;
	}
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	len = s ? strlen(s) : 0;
	if (s && len > AUDIT_FIELD_MAX) {
		/*
		 * Cut JSON is no JSON: drop the per-step timings first, which
		 * are the bulk and the least needed. RESET_ATTEMPT= keeps one
		 * line per attempt either way.
		 */
		struct json_object *attempts;

		if (json_object_object_get_ex(o, "attempts", &attempts))
			for (size_t i = 0; i < json_object_array_length(attempts); i++)
				json_object_object_del(json_object_array_get_idx(attempts, i),
						       "steps");
		s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		len = s ? strlen(s) : 0;
		if (s && len > AUDIT_FIELD_MAX)
			fields_addf(f, "RESET_TRAIL_TRUNCATED", "%zu", len);
	}
	if (!s)
		f->error = -ENOMEM;
	else
		fields_add_raw(f, "RESET_TRAIL", s, len);
	json_object_put(o);
}

/* ---- Events ---- */

static int reset_priority(enum policy_outcome o, enum policy_mode mode)
{
	switch (o) {
	case POLICY_OUTCOME_OK:
		return LOG_INFO;
	case POLICY_OUTCOME_SKIPPED:
		/* A device handed on unreset is a weakening an auditor must see. */
		return LOG_NOTICE;
	case POLICY_OUTCOME_FAILED_IGNORED:
		return LOG_WARNING;
	case POLICY_OUTCOME_ABORTED:
		/* The policy still decides what an abort means for the attach. */
		return mode == POLICY_STRICT ? LOG_ERR : LOG_WARNING;
	case POLICY_OUTCOME_REFUSED:
		/* As every refused request: nothing was reset, the requester is told so. */
		return LOG_WARNING;
	default:
		return LOG_ERR;
	}
}

static void add_reset_message(struct fields *f, const struct audit_reset *a, const char *sbdfs)
{
	const struct policy_decision *d = a->decision;
	const char *mode = policy_mode_name(d->mode);
	const char *tmsg = a->trail && a->trail->message[0] ? a->trail->message : "no details";
	const char *why = d->rule && d->rule->reason ? d->rule->reason : "none given";
	_cleanup_(freep) char *rule = NULL;
	char m[64], dur[32];

	if (d->rule) {
		if (asprintf(&rule, "%s:%u:%u", d->rule->file, d->rule->line, d->rule->col) < 0)
			rule = NULL;
	} else {
		rule = strdup("default");
	}
	if (!rule) {
		f->error = f->error ?: -ENOMEM;
		return;
	}
	switch (a->outcome) {
	case POLICY_OUTCOME_OK:
		reset_method_spec_format(&a->trail->method, m, sizeof(m));
		format_duration(a->trail->usec, dur, sizeof(dur));
		fields_add_messagef(f, "%s reset by %s (%s, rule %s) in %s; effect %s%s%s", sbdfs,
				    m, mode, rule, dur, reset_effect_name(a->trail->effect),
				    a->trail->power[0] ? "; " : "", a->trail->power);
		break;
	case POLICY_OUTCOME_SKIPPED:
		if (d->request_applied && !d->rule)
			fields_add_messagef(
			    f,
			    "%s: reset skipped as requested, allowed by the built-in "
			    "default (no rule with a policy matches)",
			    sbdfs);
		else if (d->request_applied)
			fields_add_messagef(f,
					    "%s: reset skipped as requested, allowed by policy "
					    "rule %s (reason: %s)",
					    sbdfs, rule, why);
		else
			fields_add_messagef(f, "%s: reset skipped by policy rule %s (reason: %s)",
					    sbdfs, rule, why);
		break;
	case POLICY_OUTCOME_FAILED_IGNORED:
		fields_add_messagef(f, "%s: reset failed, ignored by lenient policy rule %s: %s%s",
				    sbdfs, rule, tmsg, consequence(a->reason, false));
		break;
	case POLICY_OUTCOME_ABORTED:
		fields_add_messagef(f,
				    "%s: reset stopped before an outcome under %s policy (rule "
				    "%s): %s%s",
				    sbdfs, mode, rule, tmsg,
				    consequence(a->reason, d->mode == POLICY_STRICT));
		break;
	case POLICY_OUTCOME_REFUSED:
		fields_add_messagef(f,
				    "%s: reset refused, no policy may reset it (%s, rule %s): %s%s",
				    sbdfs, mode, rule, tmsg, consequence(a->reason, true));
		break;
	default:
		fields_add_messagef(f, "%s: reset failed under %s policy (rule %s): %s%s", sbdfs,
				    mode, rule, tmsg, consequence(a->reason, true));
		break;
	}
}

int audit_reset(const struct audit_sink *sink, const struct audit_reset *a)
{
	_cleanup_(freep) char *sbdfs = NULL;
	_cleanup_(freep) char *rule = NULL;
	const struct policy_decision *d;
	const struct reset_trail *t;
	struct fields f = {0};
	bool ok;

	if (!sink || !a || !a->decision || !a->targets || a->n_targets == 0)
		return -EINVAL;
	d = a->decision;
	t = a->trail;
	/* Success is claimed only with a trail that proves it. */
	ok = a->outcome == POLICY_OUTCOME_OK;
	if (ok && (!t || t->verdict != VERDICT_OK))
		return -EINVAL;
	sbdfs = format_targets(a->targets, a->n_targets);
	if (!sbdfs)
		return -ENOMEM;
	/* As the xenstore response's "rule" spells it, so one string finds both. */
	if (d->rule) {
		if (asprintf(&rule, "%s:%u", d->rule->file, d->rule->line) < 0)
			rule = NULL;
	} else {
		rule = strdup("default");
	}
	if (!rule)
		return -ENOMEM;

	add_reset_message(&f, a, sbdfs);
	fields_begin(&f, audit_event_of(a->outcome), reset_priority(a->outcome, d->mode));
	/*
	 * One field per function, not one list: journalctl matches whole
	 * values, so "journalctl PCI_SBDF=0000:03:00.1" must find a bus reset
	 * of 03:00.0 and 03:00.1 too.
	 */
	for (unsigned i = 0; i < a->n_targets; i++) {
		char s[PCIRST_SBDF_STRLEN];

		fields_add(&f, "PCI_SBDF", pcirst_sbdf_format(&a->targets[i], s));
	}
	if (a->info) {
		fields_addf(&f, "PCI_ID", "%04x:%04x", a->info->vendor, a->info->device);
		fields_addf(&f, "PCI_SUBSYS", "%04x:%04x", a->info->subsys_vendor,
			    a->info->subsys_device);
		fields_addf(&f, "PCI_CLASS", "0x%06" PRIx32, a->info->class_code & 0xffffff);
		if (a->info->driver[0])
			fields_add(&f, "PCI_DRIVER", a->info->driver);
	}
	if (a->domid >= 0)
		fields_addf(&f, "DOMID", "%d", a->domid);
	fields_add(&f, "REQUEST_ID", a->request_id);
	fields_add(&f, "REQUEST_REASON", a->reason);
	fields_add(&f, "POLICY", policy_mode_name(d->mode));
	fields_add(&f, "POLICY_RULE", rule);
	if (d->rule && d->rule->reason)
		fields_add(&f, "POLICY_REASON", d->rule->reason);
	if (d->request_refused)
		fields_add(&f, "REQUEST_OPTIONS_REFUSED", d->request_note);
	else if (d->request_applied)
		fields_add(&f, "REQUEST_OPTIONS_APPLIED", d->request_note);
	fields_add(&f, "RESULT", policy_outcome_name(a->outcome));
	if (t) {
		char m[64], s[PCIRST_SBDF_STRLEN];
		int e = last_errno(t);

		if (t->verdict == VERDICT_OK) {
			fields_add(&f, "RESET_METHOD",
				   reset_method_spec_format(&t->method, m, sizeof(m)));
			fields_add(&f, "RESET_EFFECT", reset_effect_name(t->effect));
		}
		fields_addf(&f, "DURATION_USEC", "%" PRIu64, t->usec);
		if (e)
			fields_addf(&f, "ERRNO", "%d", e);
		if (!ok && t->message[0])
			fields_add(&f, "RESET_ERROR", t->message);
		/* Like every refusal's: one query (REQUEST_ERROR) finds all reasons. */
		if (a->outcome == POLICY_OUTCOME_REFUSED && t->message[0])
			fields_add(&f, "REQUEST_ERROR", t->message);
		if (t->power[0])
			fields_add(&f, "POWER_CONTROL_NOTE", t->power);
		for (unsigned i = 0; i < t->n_attempts && i < AUDIT_LIST_MAX; i++) {
			const struct trail_attempt *at = &t->attempts[i];

			fields_addf(&f, "RESET_ATTEMPT", "%s %s %s%s%s",
				    reset_method_spec_format(&at->method, m, sizeof(m)),
				    pcirst_sbdf_format(&at->sbdf, s),
				    attempt_outcome_name(at->outcome), at->message[0] ? " " : "",
				    at->message);
		}
		if (t->n_attempts > AUDIT_LIST_MAX)
			fields_addf(&f, "RESET_ATTEMPTS_OMITTED", "%u",
				    t->n_attempts - AUDIT_LIST_MAX);
		/* What a method worked around (a bridge that never reports Link Active). */
		for (unsigned i = 0; i < t->n_attempts && i < AUDIT_LIST_MAX; i++)
			if (t->attempts[i].note[0])
				fields_addf(
				    &f, "RESET_NOTE", "%s %s %s",
				    reset_method_spec_format(&t->attempts[i].method, m, sizeof(m)),
				    pcirst_sbdf_format(&t->attempts[i].sbdf, s),
				    t->attempts[i].note);
		add_trail_json(&f, t);
	}
	return fields_send(&f, sink);
}

int audit_refused(const struct audit_sink *sink, const char *request_id, const char *error,
		  const struct pcirst_sbdf *targets, unsigned n_targets)
{
	struct fields f = {0};
	char s[PCIRST_SBDF_STRLEN];

	if (!sink)
		return -EINVAL;
	if (!error)
		error = "no reason given";
	if (request_id)
		fields_add_messagef(&f, "request %s refused: %s", request_id, error);
	else
		fields_add_messagef(&f, "request refused: %s", error);
	/* The requester falls back or fails; either way no reset ran. */
	fields_begin(&f, AUDIT_REQUEST_REFUSED, LOG_WARNING);
	fields_add(&f, "REQUEST_ID", request_id);
	fields_add(&f, "RESULT", "refused");
	fields_add(&f, "REQUEST_ERROR", error);
	/* When the request named its functions, journalctl PCI_SBDF=… finds the refusal too. */
	for (unsigned i = 0; targets && i < n_targets; i++)
		fields_add(&f, "PCI_SBDF", pcirst_sbdf_format(&targets[i], s));
	return fields_send(&f, sink);
}

int audit_vanished(const struct audit_sink *sink, const char *request_id,
		   const struct pcirst_sbdf *sbdf)
{
	struct fields f = {0};
	char s[PCIRST_SBDF_STRLEN];

	if (!sink || !sbdf)
		return -EINVAL;
	pcirst_sbdf_format(sbdf, s);
	if (request_id)
		fields_add_messagef(&f, "%s was removed during the reset for request %s", s,
				    request_id);
	else
		fields_add_messagef(&f, "%s was removed during the reset", s);
	fields_begin(&f, AUDIT_DEVICE_VANISHED, LOG_WARNING);
	fields_add(&f, "PCI_SBDF", s);
	fields_add(&f, "REQUEST_ID", request_id);
	/* No RESULT: the reset's own entry follows with one, and counting both would double it. */
	return fields_send(&f, sink);
}

int audit_power(const struct audit_sink *sink, const struct power_late_report *r)
{
	struct fields f = {0};
	char s[PCIRST_SBDF_STRLEN];

	if (!sink || !r)
		return -EINVAL;
	fields_add_messagef(&f, "%s", r->message);
	/* Left changed: the function can no longer runtime-suspend, and only an admin can fix it.
	 */
	fields_begin(&f, r->result == 0 ? AUDIT_POWER_RESTORED : AUDIT_POWER_LEFT,
		     r->result == 0 ? LOG_NOTICE : LOG_WARNING);
	fields_add(&f, "PCI_SBDF", pcirst_sbdf_format(&r->sbdf, s));
	fields_add(&f, "POWER_CONTROL", r->value);
	if (r->result < 0 && r->result != -ECANCELED)
		fields_addf(&f, "ERRNO", "%d", -r->result);
	fields_addf(&f, "WAITED_USEC", "%" PRIu64, (uint64_t)r->waited);
	return fields_send(&f, sink);
}

int audit_policy_reloaded(const struct audit_sink *sink, const struct policy *p)
{
	struct fields f = {0};

	if (!sink || !p)
		return -EINVAL;
	fields_add_messagef(&f, "policy reloaded: generation %" PRIu64 ", %u rules from %u files",
			    p->generation, p->n_rules, p->n_files);
	/* Which devices get reset, and how, just changed: notice, not info. */
	fields_begin(&f, AUDIT_POLICY_RELOADED, LOG_NOTICE);
	fields_addf(&f, "POLICY_GENERATION", "%" PRIu64, p->generation);
	fields_addf(&f, "POLICY_RULES", "%u", p->n_rules);
	for (unsigned i = 0; i < p->n_files && i < AUDIT_LIST_MAX; i++)
		fields_add(&f, "POLICY_FILE", p->files[i]);
	if (p->n_files > AUDIT_LIST_MAX)
		fields_addf(&f, "POLICY_FILES_OMITTED", "%u", p->n_files - AUDIT_LIST_MAX);
	return fields_send(&f, sink);
}

int audit_policy_rejected(const struct audit_sink *sink, const struct policy_diags *diags)
{
	struct fields f = {0};
	char line[1024] = "";
	unsigned n_errors = 0, shown = 0;

	if (!sink)
		return -EINVAL;
	for (unsigned i = 0; diags && i < diags->n; i++)
		if (diags->v[i].severity == POLICY_ERROR) {
			if (!n_errors)
				policy_diag_format(&diags->v[i], line, sizeof(line));
			n_errors++;
		}
	if (n_errors)
		fields_add_messagef(
		    &f, "policy rejected (%u error%s), the running policy stays in force: %s",
		    n_errors, n_errors == 1 ? "" : "s", line);
	else
		fields_add_messagef(&f, "policy rejected, the running policy stays in force");
	fields_begin(&f, AUDIT_POLICY_REJECTED, LOG_ERR);
	fields_addf(&f, "POLICY_ERRORS", "%u", n_errors);
	/* Errors first: they are why; warnings only fill what room is left. */
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; diags && i < diags->n && shown < AUDIT_LIST_MAX; i++) {
			const struct policy_diag *dg = &diags->v[i];

			if ((pass == 0) != (dg->severity == POLICY_ERROR))
				continue;
			policy_diag_format(dg, line, sizeof(line));
			fields_add(&f, "POLICY_DIAG", line);
			shown++;
		}
	if (diags && diags->n > shown)
		fields_addf(&f, "POLICY_DIAGS_OMITTED", "%u", diags->n - shown);
	return fields_send(&f, sink);
}

/* ---- The journal ---- */

static int journal_send(void *userdata, const char *const *fields, unsigned n)
{
	_cleanup_(freep) struct iovec *iov = calloc(n ? n : 1, sizeof(*iov));

	if (!iov)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		iov[i] =
		    (struct iovec){.iov_base = (void *)fields[i], .iov_len = strlen(fields[i])};
	/* Fields with newlines are sent in journald's binary form by sd_journal_sendv(). */
	return sd_journal_sendv(iov, (int)n);
}

const struct audit_sink audit_journal_sink = {
    .send = journal_send,
    .userdata = NULL,
};
