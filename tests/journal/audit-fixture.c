/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audit tests' fixture (audit-fixture.h). */
#include "audit-fixture.h"

void rec_clear(struct rec *r)
{
	for (unsigned i = 0; i < r->n; i++)
		free(r->v[i]);
	r->n = 0;
}

int rec_send(void *userdata, const char *const *fields, unsigned n)
{
	struct rec *r = userdata;

	rec_clear(r);
	r->calls++;
	assert_true(n <= ELEMENTSOF(r->v));
	for (unsigned i = 0; i < n; i++) {
		/* Every field is NAME=value with a journal-valid name. */
		const char *eq = strchr(fields[i], '=');

		assert_non_null(eq);
		assert_true(eq > fields[i]);
		for (const char *c = fields[i]; c < eq; c++)
			assert_true((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
				    *c == '_');
		r->v[i] = strdup(fields[i]);
		assert_non_null(r->v[i]);
	}
	r->n = n;
	return r->fail;
}

const char *field_nth(const struct rec *r, const char *name, unsigned index)
{
	size_t len = strlen(name);

	for (unsigned i = 0; i < r->n; i++)
		if (strncmp(r->v[i], name, len) == 0 && r->v[i][len] == '=' && index-- == 0)
			return r->v[i] + len + 1;
	return NULL;
}

const char *field(const struct rec *r, const char *name)
{
	return field_nth(r, name, 0);
}

unsigned field_count(const struct rec *r, const char *name)
{
	unsigned n = 0;

	while (field_nth(r, name, n))
		n++;
	return n;
}

int audit_fix_setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->sink = (struct audit_sink){.send = rec_send, .userdata = &f->rec};
	assert_int_equal(pcirst_sbdf_parse("0000:03:00.0", &f->targets[0]), 0);
	assert_int_equal(pcirst_sbdf_parse("0000:03:00.1", &f->targets[1]), 0);
	f->info = (struct pci_dev_info){
	    .sbdf = f->targets[0],
	    .vendor = 0x8086,
	    .device = 0x1533,
	    .subsys_vendor = 0x15d9,
	    .subsys_device = 0x1533,
	    .class_code = 0x020000,
	    .driver_kind = PCI_DRIVER_PCIBACK,
	    .driver = "pciback",
	    .iommu_group = 7,
	};
	f->rule = (struct policy_rule){
	    .mode = POLICY_STRICT,
	    .file = RULE_FILE,
	    .line = 3,
	    .col = 5,
	};
	f->decision = (struct policy_decision){.mode = POLICY_STRICT, .rule = &f->rule};
	f->trail = reset_trail_new(f->targets, 1);
	assert_non_null(f->trail);
	f->a = (struct audit_reset){
	    .request_id = "1234-1-deadbeef",
	    .domid = 12,
	    .reason = "attach",
	    .targets = f->targets,
	    .n_targets = 1,
	    .info = &f->info,
	    .decision = &f->decision,
	    .trail = f->trail,
	};
	*state = f;
	return 0;
}

int audit_fix_teardown(void **state)
{
	struct fix *f = *state;

	test_journald_stop(&f->jd);
	rec_clear(&f->rec);
	reset_trail_free(f->trail);
	free(f);
	return 0;
}

void set_reason(struct fix *f, const char *reason)
{
	snprintf(f->reason, sizeof(f->reason), "%s", reason);
	f->rule.reason = f->reason;
}

void fix_skip(struct fix *f, const char *reason)
{
	f->rule.mode = POLICY_SKIP;
	set_reason(f, reason);
	f->decision.mode = POLICY_SKIP;
	f->a.outcome = POLICY_OUTCOME_SKIPPED;
	f->a.trail = NULL;
}

struct trail_attempt *add_attempt(struct reset_trail *t, const char *method, enum attempt_outcome o,
				  int error, const char *msg)
{
	struct reset_method_spec m;
	struct trail_attempt *a;

	assert_int_equal(reset_method_spec_parse(method, &m), 0);
	a = reset_trail_add(t, &m, &t->targets[0]);
	assert_non_null(a);
	a->outcome = o;
	a->error = error;
	snprintf(a->message, sizeof(a->message), "%s", msg);
	return a;
}

void trail_ok(struct reset_trail *t, const char *method, uint64_t usec)
{
	struct trail_attempt *a = add_attempt(t, method, ATTEMPT_OK, 0, "");

	a->usec = usec;
	trail_attempt_step(a, "save", 100);
	trail_attempt_step(a, "reset", usec - 100);
	t->verdict = VERDICT_OK;
	t->method = a->method;
	t->usec = usec;
	/* The bus trails stand for a reset with nothing to observe. */
	a->effect = streq(method, "bus") ? EFFECT_UNVERIFIED : EFFECT_VERIFIED;
	t->effect = a->effect;
	for (unsigned i = 0; i < t->n_targets; i++)
		t->effects[i] = a->effect;
	snprintf(t->message, sizeof(t->message), "%s reset 0000:03:00.0; effect %s", method,
		 reset_effect_name(t->effect));
}

void trail_failed(struct reset_trail *t)
{
	add_attempt(t, "flr", ATTEMPT_TIMEDOUT, ETIMEDOUT, "device not ready after 1000 ms");
	add_attempt(t, "pm", ATTEMPT_UNSUPPORTED, 0, "no power management capability");
	t->verdict = VERDICT_FAILED;
	t->usec = 1204000;
	snprintf(t->message, sizeof(t->message),
		 "no method reset 0000:03:00.0: flr timed-out (device not ready after 1000 ms); "
		 "pm unsupported (no power management capability)");
}
