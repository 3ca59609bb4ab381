/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit trail: the exact entry of every event (through a recording
 * sink), and the arguments it refuses. Long and odd text: test-audit-text.c;
 * the same entries through a real systemd-journald and journalctl, and the
 * catalog: test-audit-journald.c.
 */
#include <json-c/json.h>

#include "audit-fixture.h"
#include "privjournal.h"
#include "testmain.h"

static void message_ids(void **state)
{
	for (int e = 0; e < _AUDIT_EVENT_MAX; e++) {
		const char *id = audit_message_id(e);

		assert_non_null(id);
		assert_int_equal(strlen(id), 32);
		assert_int_equal(strspn(id, "0123456789abcdef"), 32);
		for (int o = 0; o < e; o++)
			assert_string_not_equal(id, audit_message_id(o));
	}
	assert_null(audit_message_id(_AUDIT_EVENT_MAX));
	assert_null(audit_message_id(-1));
	assert_int_equal(audit_event_of(POLICY_OUTCOME_OK), AUDIT_RESET_OK);
	assert_int_equal(audit_event_of(POLICY_OUTCOME_FAILED), AUDIT_RESET_FAILED);
	assert_int_equal(audit_event_of(POLICY_OUTCOME_FAILED_IGNORED), AUDIT_RESET_FAILED_IGNORED);
	assert_int_equal(audit_event_of(POLICY_OUTCOME_SKIPPED), AUDIT_RESET_SKIPPED);
	assert_int_equal(audit_event_of(POLICY_OUTCOME_ABORTED), AUDIT_RESET_ABORTED);
	assert_int_equal(audit_event_of(POLICY_OUTCOME_REFUSED), AUDIT_REQUEST_REFUSED);
	/* Nothing unknown may pass for a success. */
	assert_int_equal(audit_event_of(_POLICY_OUTCOME_MAX), AUDIT_RESET_FAILED);
}

static void reset_ok(void **state)
{
	struct fix *f = *state;
	struct json_object *j, *v;

	trail_ok(f->trail, "flr", 104321);
	f->a.outcome = POLICY_OUTCOME_OK;
	assert_int_equal(audit_reset(&f->sink, &f->a), 0);
	assert_int_equal(f->rec.calls, 1);
	assert_field(&f->rec, "MESSAGE",
		     "0000:03:00.0 reset by flr (strict, rule " RULE_FILE
		     ":3:5) in 104 ms; effect verified");
	assert_field(&f->rec, "MESSAGE_ID", audit_message_id(AUDIT_RESET_OK));
	assert_field(&f->rec, "PRIORITY", "6");
	assert_field(&f->rec, "PCI_SBDF", "0000:03:00.0");
	assert_field(&f->rec, "PCI_ID", "8086:1533");
	assert_field(&f->rec, "PCI_SUBSYS", "15d9:1533");
	assert_field(&f->rec, "PCI_CLASS", "0x020000");
	assert_field(&f->rec, "PCI_DRIVER", "pciback");
	assert_field(&f->rec, "DOMID", "12");
	assert_field(&f->rec, "REQUEST_ID", "1234-1-deadbeef");
	assert_field(&f->rec, "REQUEST_REASON", "attach");
	assert_field(&f->rec, "POLICY", "strict");
	assert_field(&f->rec, "POLICY_RULE", RULE_FILE ":3");
	assert_field(&f->rec, "RESET_METHOD", "flr");
	assert_field(&f->rec, "RESET_EFFECT", "verified");
	assert_no_field(&f->rec, "RESET_NOTE");
	assert_field(&f->rec, "RESULT", "ok");
	assert_field(&f->rec, "DURATION_USEC", "104321");
	assert_field(&f->rec, "RESET_ATTEMPT", "flr 0000:03:00.0 ok");
	assert_int_equal(field_count(&f->rec, "RESET_ATTEMPT"), 1);
	assert_no_field(&f->rec, "ERRNO");
	assert_no_field(&f->rec, "POLICY_REASON");
	assert_no_field(&f->rec, "REQUEST_OPTIONS_REFUSED");
	assert_no_field(&f->rec, "RESET_ERROR");
	/* Every field once, except the per-attempt lines. */
	for (unsigned i = 0; i < f->rec.n; i++) {
		char name[64];

		snprintf(name, sizeof(name), "%.*s", (int)strcspn(f->rec.v[i], "="), f->rec.v[i]);
		assert_int_equal(field_count(&f->rec, name), 1);
	}

	j = json_tokener_parse(field(&f->rec, "RESET_TRAIL"));
	assert_non_null(j);
	assert_true(json_object_object_get_ex(j, "verdict", &v));
	assert_string_equal(json_object_get_string(v), "ok");
	assert_true(json_object_object_get_ex(j, "attempts", &v));
	assert_int_equal(json_object_array_length(v), 1);
	/* Compact: one line, no pretty-printing. */
	assert_null(strchr(field(&f->rec, "RESET_TRAIL"), '\n'));
	assert_null(strstr(field(&f->rec, "RESET_TRAIL"), ": "));
	json_object_put(j);
}

static void reset_ok_short_and_several(void **state)
{
	struct fix *f = *state;

	/* A bus reset of two functions, no request id (pcirstctl), no domid, no driver. */
	trail_ok(f->trail, "bus", 850);
	snprintf(f->trail->attempts[0].note, sizeof(f->trail->attempts[0].note),
		 "bridge 0000:00:1c.0 never reported Data Link Layer Link Active within 1000 ms; "
		 "polled the device instead");
	f->a.targets = f->targets;
	f->a.n_targets = 2;
	f->a.request_id = NULL;
	f->a.domid = -1;
	f->a.reason = "manual";
	f->info.driver[0] = '\0';
	f->a.outcome = POLICY_OUTCOME_OK;
	assert_int_equal(audit_reset(&f->sink, &f->a), 0);
	assert_field(&f->rec, "MESSAGE",
		     "0000:03:00.0 0000:03:00.1 reset by bus (strict, rule " RULE_FILE
		     ":3:5) in 850 µs; effect unverified");
	assert_field(&f->rec, "RESET_EFFECT", "unverified");
	assert_field(&f->rec, "RESET_NOTE",
		     "bus 0000:03:00.0 bridge 0000:00:1c.0 never reported Data Link Layer Link "
		     "Active within 1000 ms; polled the device instead");
	/* One field each, so that a match on either address finds the entry. */
	assert_int_equal(field_count(&f->rec, "PCI_SBDF"), 2);
	assert_string_equal(field_nth(&f->rec, "PCI_SBDF", 0), "0000:03:00.0");
	assert_string_equal(field_nth(&f->rec, "PCI_SBDF", 1), "0000:03:00.1");
	assert_no_field(&f->rec, "REQUEST_ID");
	assert_no_field(&f->rec, "DOMID");
	assert_no_field(&f->rec, "PCI_DRIVER");
	assert_field(&f->rec, "REQUEST_REASON", "manual");
}

static void reset_failed_strict(void **state)
{
	struct fix *f = *state;

	trail_failed(f->trail);
	f->decision.rule = NULL; /* the built-in default */
	f->a.outcome = POLICY_OUTCOME_FAILED;
	assert_int_equal(audit_reset(&f->sink, &f->a), 0);
	assert_field(
	    &f->rec, "MESSAGE",
	    "0000:03:00.0: reset failed under strict policy (rule default): no method reset "
	    "0000:03:00.0: flr timed-out (device not ready after 1000 ms); pm unsupported "
	    "(no power management capability); attach refused");
	assert_field(&f->rec, "MESSAGE_ID", audit_message_id(AUDIT_RESET_FAILED));
	assert_field(&f->rec, "PRIORITY", "3");
	assert_field(&f->rec, "POLICY", "strict");
	assert_field(&f->rec, "POLICY_RULE", "default");
	assert_field(&f->rec, "RESULT", "failed");
	assert_field(&f->rec, "ERRNO", "110");
	assert_field(&f->rec, "DURATION_USEC", "1204000");
	assert_field(&f->rec, "RESET_ERROR", f->trail->message);
	assert_no_field(&f->rec, "RESET_METHOD");
	assert_no_field(&f->rec, "POLICY_REASON");
	assert_int_equal(field_count(&f->rec, "RESET_ATTEMPT"), 2);
	assert_string_equal(field_nth(&f->rec, "RESET_ATTEMPT", 0),
			    "flr 0000:03:00.0 timed-out device not ready after 1000 ms");
	assert_string_equal(field_nth(&f->rec, "RESET_ATTEMPT", 1),
			    "pm 0000:03:00.0 unsupported no power management capability");

	/* A detach is not "refused": say what it means there. */
	f->a.reason = "detach";
	assert_int_equal(audit_reset(&f->sink, &f->a), 0);
	assert_non_null(strstr(field(&f->rec, "MESSAGE"), "; detach reported as failed"));
	assert_null(strstr(field(&f->rec, "MESSAGE"), "attach refused"));
}

static void reset_failed_ignored(void **state)
{
	struct fix *f = *state;

	trail_failed(f->trail);
	f->rule.mode = POLICY_LENIENT;
	set_reason(f, "NIC firmware resets itself; FLR times out");
	f->decision.mode = POLICY_LENIENT;
	f->a.outcome = POLICY_OUTCOME_FAILED_IGNORED;
	assert_int_equal(audit_reset(&f->sink, &f->a), 0);
	assert_field(&f->rec, "MESSAGE",
		     "0000:03:00.0: reset failed, ignored by lenient policy rule " RULE_FILE
		     ":3:5: no method reset 0000:03:00.0: flr timed-out (device not ready after "
		     "1000 ms); pm unsupported (no power management capability); the attach goes "
		     "on without a verified reset");
	assert_field(&f->rec, "MESSAGE_ID", audit_message_id(AUDIT_RESET_FAILED_IGNORED));
	assert_field(&f->rec, "PRIORITY", "4");
	assert_field(&f->rec, "POLICY", "lenient");
	assert_field(&f->rec, "POLICY_REASON", "NIC firmware resets itself; FLR times out");
	assert_field(&f->rec, "RESULT", "failed-ignored");
	assert_field(&f->rec, "ERRNO", "110");
}

/* The engine's refusal (an SR-IOV PF whose VF a domain holds): refused under any mode. */
static void reset_refused_by_engine(void **state)
{
	static const char why[] = "0000:03:00.0 is an SR-IOV PF: resetting it disables its VFs, "
				  "and this one is in use: 0000:03:00.2 (assigned to a domain)";
	struct fix *f = *state;
	struct trail_attempt *at;
	struct reset_method_spec flr = {.id = RESET_FLR};

	at = reset_trail_add(f->trail, &flr, &f->targets[0]);
	assert_non_null(at);
	at->outcome = ATTEMPT_REFUSED;
	at->error = EPERM; /* as the engine records it */
	snprintf(at->message, sizeof(at->message), "%s", why);
	f->trail->verdict = VERDICT_REFUSED;
	f->trail->usec = 900;
	snprintf(f->trail->message, sizeof(f->trail->message), "%s", why);
	f->rule.mode = POLICY_LENIENT;
	f->decision.mode = POLICY_LENIENT;
	f->a.outcome = policy_outcome_of(f->decision.mode, f->trail->verdict);
	assert_int_equal(f->a.outcome, POLICY_OUTCOME_REFUSED);
	assert_int_equal(audit_reset(&f->sink, &f->a), 0);
	assert_field(&f->rec, "MESSAGE",
		     "0000:03:00.0: reset refused, no policy may reset it (lenient, rule " RULE_FILE
		     ":3:5): 0000:03:00.0 is an SR-IOV PF: resetting it disables its VFs, and "
		     "this one is in use: 0000:03:00.2 (assigned to a domain); attach refused");
	assert_field(&f->rec, "MESSAGE_ID", audit_message_id(AUDIT_REQUEST_REFUSED));
	assert_field(&f->rec, "PRIORITY", "4");
	assert_field(&f->rec, "RESULT", "refused");
	assert_field(&f->rec, "POLICY", "lenient");
	assert_field(&f->rec, "REQUEST_ERROR", why);
	assert_field(&f->rec, "RESET_ERROR", why);
	assert_field(&f->rec, "RESET_ATTEMPT",
		     "flr 0000:03:00.0 refused 0000:03:00.0 is an SR-IOV "
		     "PF: resetting it disables its VFs, and this one is in "
		     "use: 0000:03:00.2 (assigned to a domain)");
	assert_no_field(&f->rec, "RESET_METHOD");
	assert_field(&f->rec, "ERRNO", "1");
}

static void reset_skipped(void **state)
{
	struct fix *f = *state;

	fix_skip(f, "GPU hangs the host on any reset (vendor bug 1234)");
	assert_int_equal(audit_reset(&f->sink, &f->a), 0);
	assert_field(&f->rec, "MESSAGE",
		     "0000:03:00.0: reset skipped by policy rule " RULE_FILE
		     ":3:5 (reason: GPU hangs the host on any reset (vendor bug 1234))");
	assert_field(&f->rec, "MESSAGE_ID", audit_message_id(AUDIT_RESET_SKIPPED));
	assert_field(&f->rec, "PRIORITY", "5");
	assert_field(&f->rec, "POLICY", "skip");
	assert_field(&f->rec, "POLICY_RULE", RULE_FILE ":3");
	assert_field(&f->rec, "POLICY_REASON", "GPU hangs the host on any reset (vendor bug 1234)");
	assert_field(&f->rec, "RESULT", "skipped");
	assert_field(&f->rec, "PCI_ID", "8086:1533");
	/* Nothing ran: no method, no duration, no trail. */
	assert_no_field(&f->rec, "RESET_METHOD");
	assert_no_field(&f->rec, "DURATION_USEC");
	assert_no_field(&f->rec, "RESET_TRAIL");
	assert_no_field(&f->rec, "RESET_ATTEMPT");
	assert_no_field(&f->rec, "ERRNO");
}

static void reset_aborted(void **state)
{
	struct fix *f = *state;

	f->trail->verdict = VERDICT_ABORTED;
	f->trail->usec = 20000;
	snprintf(f->trail->message, sizeof(f->trail->message), "aborted: the daemon is stopping");
	f->a.outcome = POLICY_OUTCOME_ABORTED;
	assert_int_equal(audit_reset(&f->sink, &f->a), 0);
	assert_field(
	    &f->rec, "MESSAGE",
	    "0000:03:00.0: reset stopped before an outcome under strict policy (rule " RULE_FILE
	    ":3:5): aborted: the daemon is stopping; attach refused");
	assert_field(&f->rec, "MESSAGE_ID", audit_message_id(AUDIT_RESET_ABORTED));
	assert_field(&f->rec, "PRIORITY", "3");
	assert_field(&f->rec, "RESULT", "aborted");

	/* Lenient: the attach goes on, so a warning. */
	f->decision.mode = POLICY_LENIENT;
	assert_int_equal(audit_reset(&f->sink, &f->a), 0);
	assert_field(&f->rec, "PRIORITY", "4");
	assert_non_null(strstr(field(&f->rec, "MESSAGE"), "the attach goes on"));
}

/* With the real policy code: a refused weakening and an allowed one. */
static void request_options(void **state)
{
	struct fix *f = *state;
	static const char strict_doc[] =
	    "{\"rules\": [\n"
	    "  {\"match\": {\"vendor\": \"0x8086\"}, \"policy\": \"strict\"}\n"
	    "]}\n";
	static const char weaken_doc[] =
	    "{\"rules\": [\n"
	    "  {\"match\": {\"vendor\": \"0x8086\"}, \"policy\": \"strict\",\n"
	    "   \"allow-request-weaken\": true, \"reason\": \"lab machine\"}\n"
	    "]}\n";
	struct policy_request req = {0};
	struct policy *p = NULL;
	struct why why = {""};

	assert_int_equal(policy_request_add_option(&req, "no-reset", &why), 0);

	assert_int_equal(
	    policy_load_string("10-x.json", strict_doc, sizeof(strict_doc) - 1, NULL, &p), 0);
	policy_decide(p, &f->info, &f->decision);
	policy_apply_request(&f->decision, &req);
	assert_true(f->decision.request_refused);
	trail_ok(f->trail, "flr", 30000);
	f->a.outcome = policy_outcome_of(f->decision.mode, f->trail->verdict);
	assert_int_equal(audit_reset(&f->sink, &f->a), 0);
	assert_field(&f->rec, "MESSAGE",
		     "0000:03:00.0 reset by flr (strict, rule 10-x.json:2:3) in 30 ms; effect "
		     "verified");
	assert_field(&f->rec, "POLICY_RULE", "10-x.json:2");
	assert_field(&f->rec, "REQUEST_OPTIONS_REFUSED", f->decision.request_note);
	assert_non_null(
	    strstr(field(&f->rec, "REQUEST_OPTIONS_REFUSED"), "request for skip refused"));
	assert_no_field(&f->rec, "REQUEST_OPTIONS_APPLIED");
	p = policy_unref(p);

	assert_int_equal(
	    policy_load_string("10-x.json", weaken_doc, sizeof(weaken_doc) - 1, NULL, &p), 0);
	policy_decide(p, &f->info, &f->decision);
	policy_apply_request(&f->decision, &req);
	assert_true(f->decision.request_applied);
	f->a.outcome = policy_outcome_of(f->decision.mode, VERDICT_OK);
	f->a.trail = NULL;
	assert_int_equal(audit_reset(&f->sink, &f->a), 0);
	assert_field(
	    &f->rec, "MESSAGE",
	    "0000:03:00.0: reset skipped as requested, allowed by policy rule 10-x.json:2:3 "
	    "(reason: lab machine)");
	assert_field(&f->rec, "PRIORITY", "5");
	assert_field(&f->rec, "POLICY", "skip");
	assert_field(&f->rec, "REQUEST_OPTIONS_APPLIED", f->decision.request_note);
	assert_no_field(&f->rec, "REQUEST_OPTIONS_REFUSED");
	p = policy_unref(p);

	/* No rule with a policy: the built-in default lets the request weaken it, audited. */
	assert_int_equal(policy_new_empty(&p), 0);
	policy_decide(p, &f->info, &f->decision);
	policy_apply_request(&f->decision, &req);
	assert_true(f->decision.request_applied);
	f->a.outcome = policy_outcome_of(f->decision.mode, VERDICT_OK);
	assert_int_equal(audit_reset(&f->sink, &f->a), 0);
	assert_field(
	    &f->rec, "MESSAGE",
	    "0000:03:00.0: reset skipped as requested, allowed by the built-in default (no "
	    "rule with a policy matches)");
	assert_field(&f->rec, "PRIORITY", "5");
	assert_field(&f->rec, "POLICY_RULE", "default");
	assert_field(
	    &f->rec, "REQUEST_OPTIONS_APPLIED",
	    "request weakened the policy to skip (allowed by the built-in default: no rule "
	    "with a policy matches this device)");
	policy_unref(p);
}

static void refused_vanished(void **state)
{
	struct fix *f = *state;

	assert_int_equal(
	    audit_refused(&f->sink, "abc-1",
			  "field 'sbdf': '0000:03:00' is not a PCI address (DDDD:BB:DD.F)", NULL,
			  0),
	    0);
	assert_field(&f->rec, "MESSAGE",
		     "request abc-1 refused: field 'sbdf': '0000:03:00' is not a PCI address "
		     "(DDDD:BB:DD.F)");
	assert_field(&f->rec, "MESSAGE_ID", audit_message_id(AUDIT_REQUEST_REFUSED));
	assert_field(&f->rec, "PRIORITY", "4");
	assert_field(&f->rec, "REQUEST_ID", "abc-1");
	assert_field(&f->rec, "RESULT", "refused");
	assert_no_field(&f->rec, "PCI_SBDF");

	/* A well-formed request for a function no policy may reset names it. */
	assert_int_equal(
	    audit_refused(&f->sink, "abc-3", "bound to driver 'e1000e'", &f->targets[1], 1), 0);
	assert_field(&f->rec, "PCI_SBDF", "0000:03:00.1");
	assert_field(&f->rec, "RESULT", "refused");

	assert_int_equal(audit_vanished(&f->sink, "abc-2", &f->targets[1]), 0);
	assert_field(&f->rec, "MESSAGE",
		     "0000:03:00.1 was removed during the reset for request abc-2");
	assert_field(&f->rec, "MESSAGE_ID", audit_message_id(AUDIT_DEVICE_VANISHED));
	assert_field(&f->rec, "PRIORITY", "4");
	assert_field(&f->rec, "PCI_SBDF", "0000:03:00.1");
	assert_field(&f->rec, "REQUEST_ID", "abc-2");
	/* The reset's own entry carries the RESULT. */
	assert_no_field(&f->rec, "RESULT");
}

static void policy_events(void **state)
{
	struct fix *f = *state;
	static const char doc[] =
	    "{\"rules\": [\n"
	    "  {\"match\": {\"sbdf\": \"0000:03:00.0\"}, \"policy\": \"skip\",\n"
	    "   \"reason\": \"broken\"},\n"
	    "  {\"match\": {\"vendor\": \"0x10de\"}, \"policy\": \"strict\"}\n"
	    "]}\n";
	static const char bad[] = "{\"rules\": [{\"match\": {}, \"policy\": \"strictt\"}]}";
	struct policy_diags diags = {0};
	struct policy *p = NULL;

	assert_int_equal(policy_load_string("50-a.json", doc, sizeof(doc) - 1, NULL, &p), 0);
	assert_int_equal(audit_policy_reloaded(&f->sink, p), 0);
	assert_field(&f->rec, "MESSAGE_ID", audit_message_id(AUDIT_POLICY_RELOADED));
	assert_field(&f->rec, "PRIORITY", "5");
	assert_field(&f->rec, "POLICY_RULES", "2");
	assert_int_equal(field_count(&f->rec, "POLICY_FILE"), p->n_files);
	assert_non_null(strstr(field(&f->rec, "MESSAGE"), "2 rules"));
	assert_true(strncmp(field(&f->rec, "MESSAGE"), "policy reloaded: generation ", 28) == 0);
	policy_unref(p);

	assert_true(policy_load_string("50-b.json", bad, sizeof(bad) - 1, &diags, &p) < 0);
	assert_true(diags.n_errors > 0);
	assert_int_equal(audit_policy_rejected(&f->sink, &diags), 0);
	assert_field(&f->rec, "MESSAGE_ID", audit_message_id(AUDIT_POLICY_REJECTED));
	assert_field(&f->rec, "PRIORITY", "3");
	assert_true(strncmp(field(&f->rec, "MESSAGE"), "policy rejected (", 17) == 0);
	assert_non_null(
	    strstr(field(&f->rec, "MESSAGE"), "the running policy stays in force: 50-b.json:1:"));
	assert_int_equal(field_count(&f->rec, "POLICY_DIAG"), diags.n);
	assert_true(strncmp(field(&f->rec, "POLICY_DIAG"), "50-b.json:1:", 12) == 0);
	policy_diags_clear(&diags);
}

static void bad_arguments(void **state)
{
	struct fix *f = *state;

	f->a.outcome = POLICY_OUTCOME_OK;
	/* "ok" without a verified trail would be a false claim. */
	assert_int_equal(audit_reset(&f->sink, &f->a), -EINVAL);
	f->a.trail = NULL;
	assert_int_equal(audit_reset(&f->sink, &f->a), -EINVAL);
	assert_int_equal(audit_reset(NULL, &f->a), -EINVAL);
	f->a.outcome = POLICY_OUTCOME_SKIPPED;
	f->a.decision = NULL;
	assert_int_equal(audit_reset(&f->sink, &f->a), -EINVAL);
	f->a.decision = &f->decision;
	f->a.n_targets = 0;
	assert_int_equal(audit_reset(&f->sink, &f->a), -EINVAL);
	assert_int_equal(f->rec.calls, 0);
	assert_int_equal(audit_vanished(&f->sink, "x", NULL), -EINVAL);
	assert_int_equal(audit_policy_reloaded(&f->sink, NULL), -EINVAL);

	/* The sink's error reaches the caller. */
	f->rec.fail = -ENOTCONN;
	assert_int_equal(audit_refused(&f->sink, "x", "y", NULL, 0), -ENOTCONN);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(message_ids),
	    cmocka_unit_test_setup_teardown(reset_ok, audit_fix_setup, audit_fix_teardown),
	    cmocka_unit_test_setup_teardown(reset_ok_short_and_several, audit_fix_setup,
					    audit_fix_teardown),
	    cmocka_unit_test_setup_teardown(reset_failed_strict, audit_fix_setup,
					    audit_fix_teardown),
	    cmocka_unit_test_setup_teardown(reset_failed_ignored, audit_fix_setup,
					    audit_fix_teardown),
	    cmocka_unit_test_setup_teardown(reset_refused_by_engine, audit_fix_setup,
					    audit_fix_teardown),
	    cmocka_unit_test_setup_teardown(reset_skipped, audit_fix_setup, audit_fix_teardown),
	    cmocka_unit_test_setup_teardown(reset_aborted, audit_fix_setup, audit_fix_teardown),
	    cmocka_unit_test_setup_teardown(request_options, audit_fix_setup, audit_fix_teardown),
	    cmocka_unit_test_setup_teardown(refused_vanished, audit_fix_setup, audit_fix_teardown),
	    cmocka_unit_test_setup_teardown(policy_events, audit_fix_setup, audit_fix_teardown),
	    cmocka_unit_test_setup_teardown(bad_arguments, audit_fix_setup, audit_fix_teardown),
	};

	/* Before any entry is sent: never the host's journal. */
	privjournal_enter_or_skip();
	return test_run(tests, NULL, NULL, argc, argv);
}
