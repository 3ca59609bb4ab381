/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit trail: the exact entries (through a recording sink), then the
 * same entries through a real systemd-journald and journalctl, then the
 * catalog through a real journalctl --update-catalog.
 */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "audit.h"
#include "journald.h"
#include "privjournal.h"
#include "testlib.h"
#include "testmain.h"

/* ---- A sink that keeps the last entry ---- */

struct rec {
	char *v[256];
	unsigned n;
	unsigned calls;
	int fail; /* returned by send when set */
};

static void rec_clear(struct rec *r)
{
	for (unsigned i = 0; i < r->n; i++)
		free(r->v[i]);
	r->n = 0;
}

static int rec_send(void *userdata, const char *const *fields, unsigned n)
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

/* The value of the index-th field called name, or NULL. */
static const char *field_nth(const struct rec *r, const char *name, unsigned index)
{
	size_t len = strlen(name);

	for (unsigned i = 0; i < r->n; i++)
		if (strncmp(r->v[i], name, len) == 0 && r->v[i][len] == '=' && index-- == 0)
			return r->v[i] + len + 1;
	return NULL;
}

static const char *field(const struct rec *r, const char *name)
{
	return field_nth(r, name, 0);
}

static unsigned field_count(const struct rec *r, const char *name)
{
	unsigned n = 0;

	while (field_nth(r, name, n))
		n++;
	return n;
}

#define assert_field(r, name, value) assert_string_equal(field(r, name) ?: "(absent)", value)
#define assert_no_field(r, name)     assert_null(field(r, name))

/* ---- Fixtures ---- */

#define RULE_FILE "/etc/pcirstd/policy.d/10-x.json"

struct fix {
	struct rec rec;
	struct audit_sink sink;
	struct pcirst_sbdf targets[2];
	struct pci_dev_info info;
	struct policy_rule rule;
	struct policy_decision decision;
	struct reset_trail *trail;
	struct audit_reset a;
	char reason[POLICY_REASON_MAX + 1]; /* the rule's, which is not const */
	/* Here so that teardown stops it even when an assertion failed. */
	struct test_journald jd;
};

static int setup(void **state)
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

static int teardown(void **state)
{
	struct fix *f = *state;

	test_journald_stop(&f->jd);
	rec_clear(&f->rec);
	reset_trail_free(f->trail);
	free(f);
	return 0;
}

static void set_reason(struct fix *f, const char *reason)
{
	snprintf(f->reason, sizeof(f->reason), "%s", reason);
	f->rule.reason = f->reason;
}

static struct trail_attempt *add_attempt(struct reset_trail *t, const char *method,
					 enum attempt_outcome o, int error, const char *msg)
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

static void trail_ok(struct reset_trail *t, const char *method, uint64_t usec)
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

/* As the engine summarizes a failure. */
static void trail_failed(struct reset_trail *t)
{
	add_attempt(t, "flr", ATTEMPT_TIMEDOUT, ETIMEDOUT, "device not ready after 1000 ms");
	add_attempt(t, "pm", ATTEMPT_UNSUPPORTED, 0, "no power management capability");
	t->verdict = VERDICT_FAILED;
	t->usec = 1204000;
	snprintf(t->message, sizeof(t->message),
		 "no method reset 0000:03:00.0: flr timed-out (device not ready after 1000 ms); "
		 "pm unsupported (no power management capability)");
}

/* ---- The events ---- */

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

static void reset_skipped(void **state)
{
	struct fix *f = *state;

	f->rule.mode = POLICY_SKIP;
	set_reason(f, "GPU hangs the host on any reset (vendor bug 1234)");
	f->decision.mode = POLICY_SKIP;
	f->a.outcome = POLICY_OUTCOME_SKIPPED;
	f->a.trail = NULL;
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
	policy_unref(p);
}

/* True when s is valid UTF-8 (what journalctl needs to print a field as text). */
static bool utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned n = *p < 0x80 ? 0 : *p >= 0xf0 ? 3 : *p >= 0xe0 ? 2 : *p >= 0xc2 ? 1 : 9;

		if (n == 9)
			return false;
		p++;
		for (; n; n--, p++)
			if ((*p & 0xc0) != 0x80)
				return false;
	}
	return true;
}

static void long_and_odd_text(void **state)
{
	struct fix *f = *state;
	char *big = malloc(3 * AUDIT_FIELD_MAX);
	const char *m;

	assert_non_null(big);
	/* Two-byte characters, so a blind cut would split one. */
	for (unsigned i = 0; i + 2 < 3 * AUDIT_FIELD_MAX; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	big[3 * AUDIT_FIELD_MAX - 2] = '\0';
	assert_int_equal(audit_refused(&f->sink, "r1", big, NULL, 0), 0);
	m = field(&f->rec, "REQUEST_ERROR");
	assert_true(strlen(m) <= AUDIT_FIELD_MAX);
	assert_true(strlen(m) > AUDIT_FIELD_MAX - 8);
	assert_true(utf8_valid(m));
	assert_string_equal(m + strlen(m) - 3, "\xe2\x80\xa6"); /* "…": visibly cut */
	m = field(&f->rec, "MESSAGE");
	assert_true(strlen(m) <= AUDIT_FIELD_MAX);
	assert_true(utf8_valid(m));
	assert_true(strncmp(m, "request r1 refused: \xc3\xa9\xc3\xa9", 24) == 0);
	free(big);

	/* Newlines and control characters: one MESSAGE line, the field keeps them. */
	f->rule.mode = POLICY_SKIP;
	set_reason(f, "line one\nline two\tand\x01 bad \xff byte");
	f->decision.mode = POLICY_SKIP;
	f->a.outcome = POLICY_OUTCOME_SKIPPED;
	f->a.trail = NULL;
	assert_int_equal(audit_reset(&f->sink, &f->a), 0);
	assert_field(&f->rec, "MESSAGE",
		     "0000:03:00.0: reset skipped by policy rule " RULE_FILE
		     ":3:5 (reason: line one line two and  bad ? byte)");
	assert_field(&f->rec, "POLICY_REASON", f->rule.reason);

	assert_int_equal(audit_refused(&f->sink, "r2", "bad\r\nvalue", NULL, 0), 0);
	assert_field(&f->rec, "MESSAGE", "request r2 refused: bad  value");
	assert_field(&f->rec, "REQUEST_ERROR", "bad\r\nvalue");
}

static void long_trail(void **state)
{
	struct fix *f = *state;
	char msg[WHY_MAX];
	struct json_object *j;

	/* 80 attempts with full messages and steps: far beyond one field. */
	memset(msg, 'x', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	for (int i = 0; i < 80; i++) {
		struct trail_attempt *a =
		    add_attempt(f->trail, i % 2 ? "pm" : "flr", ATTEMPT_FAILED, EIO, msg);

		for (int s = 0; s < TRAIL_MAX_STEPS; s++)
			trail_attempt_step(a, "step-with-a-long-name", 1000);
	}
	f->trail->verdict = VERDICT_FAILED;
	snprintf(f->trail->message, sizeof(f->trail->message), "no method reset 0000:03:00.0");
	f->a.outcome = POLICY_OUTCOME_FAILED;
	assert_int_equal(audit_reset(&f->sink, &f->a), 0);
	assert_int_equal(field_count(&f->rec, "RESET_ATTEMPT"), AUDIT_LIST_MAX);
	assert_field(&f->rec, "RESET_ATTEMPTS_OMITTED", "16");
	assert_field(&f->rec, "ERRNO", "5");
	for (unsigned i = 0; i < f->rec.n; i++)
		assert_true(strlen(strchr(f->rec.v[i], '=') + 1) <= AUDIT_FIELD_MAX);
	/* Too long even without the steps: cut, and said so. */
	assert_non_null(field(&f->rec, "RESET_TRAIL_TRUNCATED"));
	assert_true((unsigned)atoi(field(&f->rec, "RESET_TRAIL_TRUNCATED")) > AUDIT_FIELD_MAX);

	/* A few attempts with steps: the steps go, the JSON stays whole. */
	reset_trail_free(f->trail);
	f->trail = reset_trail_new(f->targets, 1);
	assert_non_null(f->trail);
	for (int i = 0; i < 8; i++) {
		struct trail_attempt *a =
		    add_attempt(f->trail, "flr", ATTEMPT_FAILED, EIO, "short");

		for (int s = 0; s < TRAIL_MAX_STEPS; s++)
			trail_attempt_step(a, "step-with-a-long-name", 1000);
	}
	f->trail->verdict = VERDICT_FAILED;
	f->a.trail = f->trail;
	assert_int_equal(audit_reset(&f->sink, &f->a), 0);
	assert_no_field(&f->rec, "RESET_TRAIL_TRUNCATED");
	j = json_tokener_parse(field(&f->rec, "RESET_TRAIL"));
	assert_non_null(j);
	assert_null(strstr(field(&f->rec, "RESET_TRAIL"), "\"steps\""));
	json_object_put(j);
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

/* ---- A real journald (journald.c) ---- */

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Reads back the entries with REQUEST_ID=id (and match), waiting up to 3 s for want of them. */
static unsigned journal_read(const char *id, const char *match, unsigned want,
			     struct json_object **out, unsigned max)
{
	usec_t until = now_usec() + 3 * USEC_PER_SEC;
	unsigned n;

	for (;;) {
		char cmd[256], *line = NULL;
		size_t size = 0;
		FILE *p;

		n = 0;
		snprintf(cmd, sizeof(cmd),
			 "journalctl --no-pager -o json REQUEST_ID=%s %s 2>/dev/null", id, match);
		p = popen(cmd, "r");
		assert_non_null(p);
		while (getline(&line, &size, p) > 0 && n < max) {
			out[n] = json_tokener_parse(line);
			assert_non_null(out[n]);
			n++;
		}
		free(line);
		pclose(p);
		if (n >= want || now_usec() > until)
			return n;
		while (n)
			json_object_put(out[--n]);
		usleep(20000);
	}
}

static const char *jget(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static void journald__real_journal(void **state)
{
	struct fix *f = *state;
	struct test_journald *jd = &f->jd;
	struct json_object *e[4], *by_sbdf[4], *by_id[4], *ok = NULL, *skipped = NULL, *v;
	char id[64], pid[16], match[64];
	unsigned n, n_sbdf, n_id;

	if (test_journald_start(jd) < 0)
		test_skip();
	snprintf(id, sizeof(id), "audit-test-%d-%llu", (int)getpid(),
		 (unsigned long long)now_usec());
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	f->a.request_id = id;

	/* A bus reset of two functions... */
	trail_ok(f->trail, "bus", 104321);
	add_attempt(f->trail, "pm", ATTEMPT_UNSUPPORTED, 0, "line\nbreak"); /* binary-safe */
	f->a.n_targets = 2;
	f->a.outcome = POLICY_OUTCOME_OK;
	assert_int_equal(audit_reset(&audit_journal_sink, &f->a), 0);

	/* ... and a skip of one. */
	f->rule.mode = POLICY_SKIP;
	set_reason(f, "GPU hangs the host on any reset");
	f->decision.mode = POLICY_SKIP;
	f->a.n_targets = 1;
	f->a.outcome = POLICY_OUTCOME_SKIPPED;
	f->a.trail = NULL;
	assert_int_equal(audit_reset(&audit_journal_sink, &f->a), 0);

	/* The queries docs/audit.md suggests. */
	n = journal_read(id, "", 2, e, ELEMENTSOF(e));
	n_sbdf = journal_read(id, "PCI_SBDF=0000:03:00.1", 1, by_sbdf, ELEMENTSOF(by_sbdf));
	snprintf(match, sizeof(match), "MESSAGE_ID=%s", audit_message_id(AUDIT_RESET_SKIPPED));
	n_id = journal_read(id, match, 1, by_id, ELEMENTSOF(by_id));
	test_journald_stop(jd);

	assert_int_equal(n, 2);
	for (unsigned i = 0; i < n; i++) {
		if (streq(jget(e[i], "RESULT") ?: "", "ok"))
			ok = e[i];
		else if (streq(jget(e[i], "RESULT") ?: "", "skipped"))
			skipped = e[i];
		/* Written by this process: journald's trusted field, not ours. */
		assert_string_equal(jget(e[i], "_PID"), pid);
		assert_string_equal(jget(e[i], "POLICY_RULE"), RULE_FILE ":3");
		assert_string_equal(jget(e[i], "REQUEST_ID"), id);
	}
	assert_non_null(ok);
	assert_non_null(skipped);
	assert_string_equal(jget(ok, "MESSAGE_ID"), audit_message_id(AUDIT_RESET_OK));
	assert_string_equal(jget(ok, "PRIORITY"), "6");
	assert_string_equal(jget(ok, "MESSAGE"),
			    "0000:03:00.0 0000:03:00.1 reset by bus (strict, "
			    "rule " RULE_FILE ":3:5) in 104 ms; effect unverified");
	/* A repeated field comes back as an array, in order. */
	assert_true(json_object_object_get_ex(ok, "PCI_SBDF", &v));
	assert_true(json_object_is_type(v, json_type_array));
	assert_int_equal(json_object_array_length(v), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 1)),
			    "0000:03:00.1");
	assert_true(json_object_object_get_ex(ok, "RESET_ATTEMPT", &v));
	assert_true(json_object_is_type(v, json_type_array));
	assert_int_equal(json_object_array_length(v), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 0)),
			    "bus 0000:03:00.0 ok");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 1)),
			    "pm 0000:03:00.0 unsupported line\nbreak");
	assert_string_equal(jget(skipped, "MESSAGE_ID"), audit_message_id(AUDIT_RESET_SKIPPED));
	assert_string_equal(jget(skipped, "PRIORITY"), "5");
	assert_string_equal(jget(skipped, "PCI_SBDF"), "0000:03:00.0");
	assert_string_equal(jget(skipped, "POLICY_REASON"), "GPU hangs the host on any reset");

	/* A match on the second function finds the bus reset only; the skip id the skip only. */
	assert_int_equal(n_sbdf, 1);
	assert_string_equal(jget(by_sbdf[0], "RESULT"), "ok");
	assert_int_equal(n_id, 1);
	assert_string_equal(jget(by_id[0], "RESULT"), "skipped");

	for (unsigned i = 0; i < n; i++)
		json_object_put(e[i]);
	json_object_put(by_sbdf[0]);
	json_object_put(by_id[0]);
}

/* ---- The catalog, through a real journalctl ---- */

/* Runs cmd with sh; returns its whole output (malloc'ed) and sets its wait status. */
static char *run(const char *cmd, int *status)
{
	char *buf = NULL, chunk[4096];
	size_t size = 0, n;
	FILE *p = popen(cmd, "r"), *m = open_memstream(&buf, &size);

	assert_non_null(p);
	assert_non_null(m);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		fwrite(chunk, 1, n, m);
	*status = pclose(p);
	fclose(m);
	return buf;
}

/* Records, in f->rec, a typical entry of event e, with every field it can have. */
static void sample(struct fix *f, enum audit_event e)
{
	static const char doc[] = "{\"rules\": [{\"match\": {\"vendor\": \"0x8086\"}, "
				  "\"policy\": \"strict\"}]}";
	static const char bad[] = "{\"rules\": [{\"match\": {}, \"policy\": \"strictt\"}]}";
	struct policy_diags diags = {0};
	struct policy *p = NULL;

	switch (e) {
	case AUDIT_RESET_OK:
		trail_ok(f->trail, "flr", 30000);
		f->a.outcome = POLICY_OUTCOME_OK;
		break;
	case AUDIT_RESET_FAILED:
		trail_failed(f->trail);
		f->a.outcome = POLICY_OUTCOME_FAILED;
		break;
	case AUDIT_RESET_FAILED_IGNORED:
		trail_failed(f->trail);
		set_reason(f, "known broken FLR");
		f->decision.mode = f->rule.mode = POLICY_LENIENT;
		f->a.outcome = POLICY_OUTCOME_FAILED_IGNORED;
		break;
	case AUDIT_RESET_SKIPPED:
		set_reason(f, "hangs the host");
		f->decision.mode = f->rule.mode = POLICY_SKIP;
		f->a.outcome = POLICY_OUTCOME_SKIPPED;
		f->a.trail = NULL;
		break;
	case AUDIT_RESET_ABORTED:
		f->trail->verdict = VERDICT_ABORTED;
		snprintf(f->trail->message, sizeof(f->trail->message), "aborted: stopping");
		f->a.outcome = POLICY_OUTCOME_ABORTED;
		break;
	case AUDIT_REQUEST_REFUSED:
		assert_int_equal(audit_refused(&f->sink, "r", "too many fields", NULL, 0), 0);
		return;
	case AUDIT_DEVICE_VANISHED:
		assert_int_equal(audit_vanished(&f->sink, "r", &f->targets[0]), 0);
		return;
	case AUDIT_POLICY_RELOADED:
		assert_int_equal(policy_load_string("a.json", doc, sizeof(doc) - 1, NULL, &p), 0);
		assert_int_equal(audit_policy_reloaded(&f->sink, p), 0);
		policy_unref(p);
		return;
	case AUDIT_POLICY_REJECTED:
		assert_true(policy_load_string("b.json", bad, sizeof(bad) - 1, &diags, &p) < 0);
		assert_int_equal(audit_policy_rejected(&f->sink, &diags), 0);
		policy_diags_clear(&diags);
		return;
	default:
		fail();
	}
	assert_int_equal(audit_reset(&f->sink, &f->a), 0);
}

/* Checks the entry of one id in journalctl --dump-catalog's output. */
static void check_catalog_entry(const char *dump, enum audit_event e)
{
	const char *id = audit_message_id(e), *start, *end, *body;
	char header[64];
	struct fix *f;

	snprintf(header, sizeof(header), "-- %s\n", id);
	start = strstr(dump, header);
	if (!start) {
		fail_msg("no catalog entry for %s", id);
		return; /* not reached: for the compiler, which does not know that */
	}
	end = strstr(start + 1, "\n-- ") ?: start + strlen(start);
	body = strstr(start, "\n\n");
	assert_true(body && body < end);
	/* The headers journalctl -x shows, and a real explanation after them. */
	assert_true(memmem(start, body - start, "\nSubject: ", 10));
	assert_true(memmem(start, body - start, "\nDefined-By: pcirstd\n", 21));
	assert_true(memmem(start, body - start, "\nSupport: ", 10));
	assert_true(memmem(start, body - start, "\nDocumentation: ", 16));
	assert_true(end - body > 200);

	/* Every @FIELD@ must be one this event's entries carry, or journalctl prints its name. */
	assert_int_equal(setup((void **)&f), 0);
	sample(f, e);
	for (const char *at = memchr(body, '@', end - body); at && at < end;
	     at = memchr(at + 1, '@', end - at - 1)) {
		size_t n = strspn(at + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		char name[64];

		if (n == 0 || at[1 + n] != '@')
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)n, at + 1);
		if (!field(&f->rec, name))
			fail_msg("catalog entry %s uses @%s@, which its entries lack", id, name);
		at += n + 1;
	}
	teardown((void **)&f);
}

static void journalctl__catalog(void **state)
{
	const char *data = getenv("PCIRST_TEST_DATA");
	char root[] = "/tmp/pcirst-catalog-XXXXXX", cmd[PATH_MAX * 2 + 256];
	_cleanup_(freep) char *update = NULL, *dump = NULL;
	int st_update, st_dump;
	unsigned n = 0;

	if (!data || access("/usr/bin/journalctl", X_OK) < 0) {
		fprintf(stderr, "# skip: needs PCIRST_TEST_DATA and journalctl\n");
		test_skip();
	}
	/* journalctl --root builds and reads the database under root, not the system's. */
	assert_non_null(mkdtemp(root));
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/usr/lib/systemd/catalog && "
		 "cp %s/../../systemd/pcirstd.catalog %s/usr/lib/systemd/catalog/ && "
		 "journalctl --root=%s --update-catalog 2>&1",
		 root, data, root, root);
	update = run(cmd, &st_update);
	snprintf(cmd, sizeof(cmd), "journalctl --root=%s --dump-catalog 2>&1", root);
	dump = run(cmd, &st_dump);
	rm_rf(root);

	/* Any complaint (a malformed header, a duplicate id) means a broken catalog. */
	if (st_update != 0 || update[0])
		fail_msg("journalctl --update-catalog: status %d: %s", st_update, update);
	assert_int_equal(st_dump, 0);
	for (int e = 0; e < _AUDIT_EVENT_MAX; e++)
		check_catalog_entry(dump, e);
	/* Nothing but ours: no stale or mistyped ids. */
	for (const char *p = dump; (p = strstr(p, "-- ")); p += 3)
		if (p == dump || p[-1] == '\n')
			n++;
	assert_int_equal(n, _AUDIT_EVENT_MAX);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(message_ids),
	    cmocka_unit_test_setup_teardown(reset_ok, setup, teardown),
	    cmocka_unit_test_setup_teardown(reset_ok_short_and_several, setup, teardown),
	    cmocka_unit_test_setup_teardown(reset_failed_strict, setup, teardown),
	    cmocka_unit_test_setup_teardown(reset_failed_ignored, setup, teardown),
	    cmocka_unit_test_setup_teardown(reset_skipped, setup, teardown),
	    cmocka_unit_test_setup_teardown(reset_aborted, setup, teardown),
	    cmocka_unit_test_setup_teardown(request_options, setup, teardown),
	    cmocka_unit_test_setup_teardown(long_and_odd_text, setup, teardown),
	    cmocka_unit_test_setup_teardown(long_trail, setup, teardown),
	    cmocka_unit_test_setup_teardown(refused_vanished, setup, teardown),
	    cmocka_unit_test_setup_teardown(policy_events, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_arguments, setup, teardown),
	    cmocka_unit_test_setup_teardown(journald__real_journal, setup, teardown),
	    cmocka_unit_test(journalctl__catalog),
	};

	/* Before any entry is sent: never the host's journal. */
	privjournal_enter_or_skip();
	return test_run(tests, NULL, NULL, argc, argv);
}
