/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The manager decides a multi-function request per function, whatever the
 * order of its addresses: a skip or an avoided method on the second
 * function applies to the whole reset (it used to be decided by the first
 * address alone).
 */
#include <stdio.h>

#include "manager-fixture.h"

static void use_policy(struct mfixture *f, const char *text)
{
	struct policy *p = NULL;

	assert_int_equal(policy_load_string("multi.json", text, strlen(text), NULL, &p), 0);
	policy_handle_swap(f->policy, p);
	policy_unref(p);
}

static void skip_on_any_function(void **state)
{
	struct mfixture *f = *state;
	const struct event *e;

	use_policy(f, "{ \"rules\": [ { \"match\": { \"sbdf\": \"0000:01:00.1\" }, "
		      "\"policy\": \"skip\", \"reason\": \"t: hangs the host\" } ] }");
	msubmit(f, "fwd", "0000:01:00.0 0000:01:00.1", NULL);
	msubmit(f, "rev", "0000:01:00.1 0000:01:00.0", "no-strict-reset");
	mrun_until(f, 2);
	for (const char *const *id = (const char *const[]){"fwd", "rev", NULL}; *id; id++) {
		e = mfind(f, *id, true);
		assert_int_equal(e->res.result, RESULT_SKIPPED);
		assert_string_equal(e->res.policy, "skip");
		assert_string_equal(e->res.rule, "multi.json:1");
	}
	assert_int_equal(simdev_reset_count(f->a), 0);
	assert_int_equal(simdev_reset_count(f->d), 0);
}

static void avoid_and_methods_on_any_function(void **state)
{
	struct mfixture *f = *state;
	const struct event *e;

	/* 01:00.1's FLR is known broken; 01:00.0 alone would get an FLR. */
	use_policy(f, "{ \"rules\": [ { \"match\": { \"sbdf\": \"0000:01:00.1\" }, "
		      "\"avoid\": { \"flr\": \"t: FLR hangs it\" } } ] }");
	msubmit(f, "fwd", "0000:01:00.0 0000:01:00.1", NULL);
	mrun_until(f, 1);
	msubmit(f, "rev", "0000:01:00.1 0000:01:00.0", NULL);
	mrun_until(f, 2);
	for (const char *const *id = (const char *const[]){"fwd", "rev", NULL}; *id; id++) {
		e = mfind(f, *id, true);
		assert_int_equal(e->res.result, RESULT_OK);
		assert_string_not_equal(e->res.method, "flr");
		assert_string_equal(e->res.method, mfind(f, "fwd", true)->res.method);
	}

	/* A method list on the second function only: both orders use it. */
	use_policy(f, "{ \"rules\": [ { \"match\": { \"sbdf\": \"0000:01:00.1\" }, "
		      "\"policy\": \"lenient\", \"methods\": [\"bus\"], \"reason\": \"t\" } ] }");
	msubmit(f, "fwd-bus", "0000:01:00.0 0000:01:00.1", NULL);
	mrun_until(f, 3);
	msubmit(f, "rev-bus", "0000:01:00.1 0000:01:00.0", NULL);
	mrun_until(f, 4);
	for (const char *const *id = (const char *const[]){"fwd-bus", "rev-bus", NULL}; *id; id++) {
		e = mfind(f, *id, true);
		assert_int_equal(e->res.result, RESULT_OK);
		assert_string_equal(e->res.method, "bus");
		/* 01:00.0 has no rule: the default, strict, applies to the whole reset. */
		assert_string_equal(e->res.policy, "strict");
		assert_string_equal(e->res.rule, "default");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(skip_on_any_function, mfixture_setup,
					    mfixture_teardown),
	    cmocka_unit_test_setup_teardown(avoid_and_methods_on_any_function, mfixture_setup,
					    mfixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
