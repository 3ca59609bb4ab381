/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit trail's text beyond its limits: fields cut at a character
 * boundary and said so, one-line messages from control characters, and
 * trails too long for one field.
 */
#include <json-c/json.h>

#include "audit-fixture.h"
#include "privjournal.h"
#include "testmain.h"

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
	fix_skip(f, "line one\nline two\tand\x01 bad \xff byte");
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

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(long_and_odd_text, audit_fix_setup, audit_fix_teardown),
	    cmocka_unit_test_setup_teardown(long_trail, audit_fix_setup, audit_fix_teardown),
	};

	/* Before any entry is sent: never the host's journal. */
	privjournal_enter_or_skip();
	return test_run(tests, NULL, NULL, argc, argv);
}
