/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every enum value has a name, and out-of-range values get "invalid" (or
 * NULL where documented), never a hole read as NULL or past an array: a
 * missing name crashed pcirstctl probe --json (PROBE_ERROR had none).
 */
#include <stdio.h>

#include "audit.h"
#include "engine.h"
#include "manager.h"
#include "policy.h"
#include "request.h"
#include "testlib.h"
#include "trail.h"

typedef const char *(*name_fn)(int);

struct table {
	const char *what;
	name_fn name;
	int n; /* values 0..n-1 must be named */
};

/* Wrappers: calling a function through another function type is undefined. */
#define W(fn)                            \
	static const char *w_##fn(int v) \
	{                                \
		return fn(v);            \
	}
W(probe_status_name)
W(reset_method_name)
W(pci_driver_kind_name)
W(attempt_outcome_name)
W(reset_effect_name)
W(reset_verdict_name)
W(request_reason_name)
W(manager_result_name)
W(policy_mode_name)
W(policy_specificity_name)
W(policy_outcome_name)
W(policy_candidate_result_name)
W(audit_message_id)

#define T(fn, n)               \
	{                      \
#fn, w_##fn, n \
	}

static const struct table tables[] = {
    T(probe_status_name, PROBE_ERROR + 1),
    T(reset_method_name, _RESET_METHOD_MAX),
    T(pci_driver_kind_name, PCI_DRIVER_OTHER + 1),
    T(attempt_outcome_name, _ATTEMPT_OUTCOME_MAX),
    T(reset_effect_name, _EFFECT_MAX),
    T(reset_verdict_name, _VERDICT_MAX),
    T(request_reason_name, _REQUEST_REASON_MAX),
    T(manager_result_name, _RESULT_MAX),
    T(policy_mode_name, _POLICY_MODE_MAX),
    T(policy_specificity_name, _POLICY_SPEC_MAX),
    T(policy_outcome_name, _POLICY_OUTCOME_MAX),
    T(policy_candidate_result_name, POLICY_CAND_KNOWLEDGE + 1),
    T(audit_message_id, _AUDIT_EVENT_MAX),
};

static void every_value_named(void **state)
{
	for (unsigned t = 0; t < ELEMENTSOF(tables); t++) {
		for (int v = 0; v < tables[t].n; v++) {
			const char *s = tables[t].name(v);

			print_message("%s(%d) = %s\n", tables[t].what, v, s ? s : "NULL");
			assert_non_null(s);
			assert_true(s[0]);
			assert_string_not_equal(s, "invalid");
			/* Names are distinct within a table. */
			for (int w = 0; w < v; w++)
				assert_string_not_equal(s, tables[t].name(w));
		}
	}
}

static void out_of_range(void **state)
{
	for (unsigned t = 0; t < ELEMENTSOF(tables); t++) {
		const char *s = tables[t].name(tables[t].n), *neg = tables[t].name(-1);

		if (tables[t].name == w_audit_message_id) {
			assert_null(s);
			assert_null(neg);
			continue;
		}
		assert_string_equal(s, "invalid");
		assert_string_equal(neg, "invalid");
	}
}

static void probe_error_named(void **state)
{
	assert_string_equal(probe_status_name(PROBE_ERROR), "error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(probe_error_named),
	    cmocka_unit_test(every_value_named),
	    cmocka_unit_test(out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
