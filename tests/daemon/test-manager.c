/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The manager on the device model with a real policy: every result kind,
 * parallel resets on independent devices, serialization on a shared bus,
 * identical requests sharing one reset, removal and shutdown mid-reset.
 */
#include <stdio.h>

#include "manager-fixture.h"
#include "pci-regs.h"

static void result_kinds(void **state)
{
	struct mfixture *f = *state;
	const struct event *e;

	simdev_behaviour(f->b)->never_ready = true;
	msubmit(f, "ok", "0000:01:00.0", NULL);
	msubmit(f, "lenient", "0000:02:00.0", NULL);
	msubmit(f, "skip", "0000:03:00.0", NULL);
	msubmit(f, "missing", "0000:09:00.0", NULL);
	mrun_until(f, 4);

	e = mfind(f, "ok", true);
	assert_int_equal(e->res.result, RESULT_OK);
	assert_string_equal(e->res.method, "flr");
	assert_string_equal(e->res.policy, "strict");
	assert_string_equal(e->res.rule, "default");
	assert_string_equal(e->res.error, "");
	/* Never enabled: nothing showed whether the FLR happened. */
	assert_string_equal(e->res.effect, "unverified");
	assert_true(e->res.duration_ms >= 30);
	assert_int_equal(simdev_reset_count(f->a), 1);

	e = mfind(f, "lenient", true);
	assert_int_equal(e->res.result, RESULT_FAILED_IGNORED);
	assert_string_equal(e->res.policy, "lenient");
	assert_string_equal(e->res.rule, "test.json:2");
	assert_non_null(strstr(e->res.error, "not ready"));

	e = mfind(f, "skip", true);
	assert_int_equal(e->res.result, RESULT_SKIPPED);
	assert_string_equal(e->res.error,
			    "skipped by policy rule test.json:4 (reason: test: never reset)");
	assert_int_equal(simdev_reset_count(f->c), 0);

	e = mfind(f, "missing", true);
	assert_int_equal(e->res.result, RESULT_REFUSED);
	assert_string_equal(e->res.error, "0000:09:00.0: no such device");
	/* Refused requests are never "accepted". */
	for (unsigned i = 0; i < f->rec.n; i++)
		assert_false(!f->rec.ev[i].done && streq(f->rec.ev[i].id, "missing"));
	/* One audit entry per answer. */
	assert_int_equal(f->rec.n_audit, 4);
}

/* Resets that complete and change nothing: never "ok"; lenient ignores them, strict fails. */
static void ineffective_resets(void **state)
{
	struct mfixture *f = *state;
	const struct event *e;

	simdev_program(f->a);
	simdev_program(f->b);
	simdev_program(f->d);
	simdev_behaviour(f->a)->flr_no_effect = true;
	simdev_behaviour(f->a)->pm_no_effect = true;
	for (struct simdev_behaviour *b = simdev_behaviour(f->b); b; b = NULL)
		b->flr_no_effect = b->pm_no_effect = b->bus_no_effect = true;
	msubmit(f, "strict", "0000:01:00.0", NULL);
	msubmit(f, "lenient", "0000:02:00.0", NULL);
	msubmit(f, "real", "0000:01:00.1", NULL);
	mrun_until(f, 3);

	e = mfind(f, "strict", true);
	assert_int_equal(e->res.result, RESULT_FAILED);
	assert_string_equal(e->res.effect, "");
	assert_non_null(strstr(e->res.error, "flr ineffective (BAR0 kept 0xfe000000 after FLR)"));
	assert_non_null(strstr(e->res.error, "pm ineffective (BAR0 kept 0xfe000000 after D3hot"));

	e = mfind(f, "lenient", true);
	assert_int_equal(e->res.result, RESULT_FAILED_IGNORED);
	assert_non_null(strstr(e->res.error, "bus ineffective (BAR0 kept 0xfe000000 after the "
					     "secondary bus reset)"));

	e = mfind(f, "real", true);
	assert_int_equal(e->res.result, RESULT_OK);
	assert_string_equal(e->res.method, "flr");
	assert_string_equal(e->res.effect, "verified");
}

/* Every method avoided by knowledge rules (quirks): "no method", naming them. */
static void all_methods_avoided(void **state)
{
	static const char text[] =
	    "{ \"rules\": [\n"
	    "  { \"match\": { \"sbdf\": \"0000:01:00.0\" }, \"avoid\": {\n"
	    "    \"flr\": \"test: FLR hangs it\", \"af-flr\": \"test: none\",\n"
	    "    \"pm\": \"test: PM resets nothing\", \"bus\": \"test: bus kills it\",\n"
	    "    \"kernel\": \"test: no\", \"pciback\": \"test: no\" } }\n"
	    "] }\n";
	struct mfixture *f = *state;
	struct policy *p = NULL;
	const struct event *e;

	assert_int_equal(policy_load_string("quirks.json", text, strlen(text), NULL, &p), 0);
	policy_handle_swap(f->policy, p);
	policy_unref(p);
	msubmit(f, "avoided", "0000:01:00.0", NULL);
	mrun_until(f, 1);
	e = mfind(f, "avoided", true);
	assert_int_equal(e->res.result, RESULT_FAILED);
	assert_string_equal(e->res.policy, "strict");
	assert_non_null(strstr(e->res.error, "every method is avoided as known broken"));
	assert_non_null(strstr(e->res.error, "flr (quirks.json:3: test: FLR hangs it)"));
	assert_non_null(strstr(e->res.error, "bus (quirks.json:4: test: bus kills it)"));
	assert_null(strstr(e->res.error, "cannot start"));
}

/*
 * No rule with a policy matches 01:00.0: the built-in default lets a
 * request weaken it (xl reset=lenient, reset=skip). A rule that matches
 * every device takes that back: the request is refused, strict applies.
 */
static void default_allows_weakening(void **state)
{
	static const char catch_all[] =
	    "{\"rules\": [{\"match\": {\"class\": \"0x000000\", \"class-mask\": \"0x000000\"},\n"
	    "  \"policy\": \"strict\", \"reason\": \"test: every device strict\"}]}\n";
	struct mfixture *f = *state;
	struct policy *p = NULL;
	const struct event *e;

	simdev_behaviour(f->a)->never_ready = true;
	msubmit(f, "lenient", "0000:01:00.0", "no-strict-reset");
	mrun_until(f, 1);
	e = mfind(f, "lenient", true);
	assert_int_equal(e->res.result, RESULT_FAILED_IGNORED);
	assert_string_equal(e->res.policy, "lenient");
	assert_string_equal(e->res.rule, "default");
	assert_non_null(strstr(e->res.error, "flr timed-out"));

	msubmit(f, "skip", "0000:01:00.0", "no-reset");
	mrun_until(f, 2);
	e = mfind(f, "skip", true);
	assert_int_equal(e->res.result, RESULT_SKIPPED);
	assert_string_equal(e->res.policy, "skip");
	assert_string_equal(e->res.error,
			    "skipped as requested: request weakened the policy to skip (allowed by "
			    "the built-in default: no rule with a policy matches this device)");

	assert_int_equal(
	    policy_load_string("catch-all.json", catch_all, strlen(catch_all), NULL, &p), 0);
	policy_handle_swap(f->policy, p);
	policy_unref(p);
	msubmit(f, "refused", "0000:01:00.0", "no-reset");
	mrun_until(f, 3);
	e = mfind(f, "refused", true);
	assert_int_equal(e->res.result, RESULT_FAILED);
	assert_string_equal(e->res.policy, "strict");
	assert_string_equal(e->res.rule, "catch-all.json:1");
	/* The earlier timeout left the function not responding: strict tried every method. */
	assert_non_null(strstr(e->res.error, "no method reset 0000:01:00.0"));
}

static void parallel_and_serialized(void **state)
{
	struct mfixture *f = *state;
	const struct event *a, *d, *b;

	/* 01:00.0 and 01:00.1 share a bridge: one after the other; 02:00.0 runs alongside. */
	msubmit(f, "a", "0000:01:00.0", NULL);
	msubmit(f, "d", "0000:01:00.1", NULL);
	msubmit(f, "b", "0000:02:00.0", NULL);
	assert_int_equal(manager_running(f->m), 2);
	assert_int_equal(manager_queued(f->m), 1);
	mrun_until(f, 3);
	a = mfind(f, "a", true);
	d = mfind(f, "d", true);
	b = mfind(f, "b", true);
	assert_int_equal(a->res.result, RESULT_OK);
	assert_int_equal(d->res.result, RESULT_OK);
	assert_int_equal(b->res.result, RESULT_OK);
	/* b overlapped a; d started only after a finished (each FLR waits 30 ms). */
	assert_true(b->at < a->at + 20 * USEC_PER_MSEC);
	assert_true(d->at >= a->at + 30 * USEC_PER_MSEC);
	assert_true(d->res.duration_ms >= 60);
}

static void identical_requests_share_one_reset(void **state)
{
	struct mfixture *f = *state;

	msubmit(f, "first", "0000:01:00.0", NULL);
	msubmit(f, "second", "0000:01:00.0", NULL);
	assert_int_equal(manager_submit(f->m, &(struct request){.id = "first"}), -EEXIST);
	mrun_until(f, 2);
	assert_int_equal(simdev_reset_count(f->a), 1);
	assert_int_equal(mfind(f, "first", true)->res.result, RESULT_OK);
	assert_int_equal(mfind(f, "second", true)->res.result, RESULT_OK);
	assert_int_equal(f->rec.n_audit, 2);
}

static int remove_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct mfixture *f = userdata;
	struct pcirst_sbdf sbdf;

	devmodel_remove(f->a);
	pcirst_sbdf_parse("0000:01:00.0", &sbdf);
	manager_device_removed(f->m, &sbdf);
	return 0;
}

static void device_removed_mid_reset(void **state)
{
	struct mfixture *f = *state;
	sd_event_source *timer = NULL;
	const struct event *e;

	msubmit(f, "gone", "0000:01:00.0", NULL);
	msubmit(f, "queued", "0000:01:00.0",
		"strict-reset"); /* different options: queued, not shared */
	assert_int_equal(sd_event_add_time_relative(f->event, &timer, CLOCK_MONOTONIC,
						    10 * USEC_PER_MSEC, 1, remove_cb, f),
			 0);
	mrun_until(f, 2);
	e = mfind(f, "gone", true);
	assert_int_equal(e->res.result, RESULT_FAILED);
	assert_string_equal(e->res.error, "0000:01:00.0 was removed during the reset");
	e = mfind(f, "queued", true);
	assert_int_equal(e->res.result, RESULT_FAILED);
	sd_event_source_unref(timer);
}

static void shutdown_answers_everything(void **state)
{
	struct mfixture *f = *state;
	const struct event *e;

	msubmit(f, "running", "0000:01:00.0", NULL);
	msubmit(f, "waiting", "0000:01:00.1", NULL);
	manager_abort_all(f->m, "pcirstd is stopping");
	mrun_until(f, 2);
	e = mfind(f, "running", true);
	assert_int_equal(e->res.result, RESULT_FAILED);
	assert_string_equal(e->res.error, "aborted: pcirstd is stopping");
	e = mfind(f, "waiting", true);
	assert_int_equal(e->res.result, RESULT_FAILED);
	assert_string_equal(e->res.error, "pcirstd is stopping");
	assert_int_equal(simdev_reset_count(f->d), 0);
	assert_int_equal(manager_running(f->m) + manager_queued(f->m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(result_kinds, mfixture_setup, mfixture_teardown),
	    cmocka_unit_test_setup_teardown(ineffective_resets, mfixture_setup, mfixture_teardown),
	    cmocka_unit_test_setup_teardown(default_allows_weakening, mfixture_setup,
					    mfixture_teardown),
	    cmocka_unit_test_setup_teardown(all_methods_avoided, mfixture_setup, mfixture_teardown),
	    cmocka_unit_test_setup_teardown(parallel_and_serialized, mfixture_setup,
					    mfixture_teardown),
	    cmocka_unit_test_setup_teardown(identical_requests_share_one_reset, mfixture_setup,
					    mfixture_teardown),
	    cmocka_unit_test_setup_teardown(device_removed_mid_reset, mfixture_setup,
					    mfixture_teardown),
	    cmocka_unit_test_setup_teardown(shutdown_answers_everything, mfixture_setup,
					    mfixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
