/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device watch wired to a manager as main.c wires it (minus the socket):
 * a function's removal aborts its running reset and answers what was queued
 * for it; a removal that touches no request changes nothing.
 */
#include <stdio.h>

#include "devwatch.h"
#include "manager-fixture.h"

struct wfixture {
	struct mfixture *m;
	struct devwatch *w;
};

static int wsetup(void **state)
{
	struct wfixture *f = calloc(1, sizeof(*f));
	struct reset_timing t;

	assert_int_equal(mfixture_setup((void **)&f->m), 0);
	test_timing(&t);
	t.flr_wait = 60 * USEC_PER_MSEC; /* long enough for the removal to land mid-reset */
	manager_set_timing(f->m->m, &t);
	assert_int_equal(devwatch_new(f->m->event, NULL, DEVWATCH_SOURCE_NONE, devwatch_to_manager,
				      f->m->m, &f->w),
			 0);
	*state = f;
	return 0;
}

static int wteardown(void **state)
{
	struct wfixture *f = *state;

	devwatch_free(f->w);
	mfixture_teardown((void **)&f->m);
	free(f);
	return 0;
}

static const struct manager_result *answer(const struct wfixture *f, const char *id)
{
	return &mfind(f->m, id, true)->res;
}

/*
 * The uevents of a hot-unplug, 10 ms into the FLR wait. The model's device
 * stays in place on purpose: only the event can make the reset fail.
 */
static int unplug_events(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct wfixture *f = userdata;

	assert_int_equal(devwatch_dispatch(f->w, "unbind", "pci", "0000:01:00.0", NULL), 0);
	assert_int_equal(devwatch_dispatch(f->w, "remove", "pci_bus", "0000:01", NULL), 0);
	assert_int_equal(devwatch_dispatch(f->w, "add", "pci", "0000:01:00.0", NULL), 0);
	assert_int_equal(manager_running(f->m->m), 2); /* none of these changes anything */
	assert_int_equal(devwatch_dispatch(f->w, "remove", "pci", NULL,
					   "/devices/pci0000:00/0000:00:01.0/0000:01:00.0"),
			 1);
	return 0;
}

static void removal_aborts_reset(void **state)
{
	struct wfixture *f = *state;
	const struct manager_result *res;
	sd_event_source *timer = NULL;

	msubmit(f->m, "gone", "0000:01:00.0", NULL);
	msubmit(f->m, "queued", "0000:01:00.0", "strict-reset"); /* other options: queued behind */
	msubmit(f->m, "other", "0000:02:00.0", NULL);
	assert_int_equal(manager_running(f->m->m), 2);
	assert_int_equal(manager_queued(f->m->m), 1);
	assert_int_equal(sd_event_add_time_relative(f->m->event, &timer, CLOCK_MONOTONIC,
						    10 * USEC_PER_MSEC, 1, unplug_events, f),
			 0);
	mrun_until(f->m, 3);

	res = answer(f, "gone");
	assert_int_equal(res->result, RESULT_FAILED);
	assert_string_equal(res->error, "0000:01:00.0 was removed during the reset");
	assert_true(res->duration_ms < 60); /* aborted, not waited out */
	res = answer(f, "queued");
	assert_int_equal(res->result, RESULT_FAILED);
	assert_non_null(strstr(res->error, "0000:01:00.0 was removed"));
	/* The function next door is not disturbed. */
	res = answer(f, "other");
	assert_int_equal(res->result, RESULT_OK);
	assert_string_equal(res->method, "flr");
	assert_int_equal(simdev_reset_count(f->m->b), 1);
	assert_int_equal(manager_running(f->m->m) + manager_queued(f->m->m), 0);
	sd_event_source_unref(timer);
}

/* A removal that touches no request answers nothing and changes nothing. */
static void removal_of_idle_function(void **state)
{
	struct wfixture *f = *state;
	unsigned counts[_RESULT_MAX];

	assert_int_equal(devwatch_dispatch(f->w, "remove", "pci", "0000:01:00.0", NULL), 1);
	assert_int_equal(devwatch_dispatch(f->w, "remove", "pci", "0000:01:00.0", NULL), 1);
	msubmit(f->m, "after", "0000:02:00.0", NULL);
	mrun_until(f->m, 1);
	assert_int_equal(answer(f, "after")->result, RESULT_OK);
	assert_int_equal(f->m->rec.n_done, 1);
	manager_counts(f->m->m, counts);
	assert_int_equal(counts[RESULT_FAILED], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(removal_aborts_reset, wsetup, wteardown),
	    cmocka_unit_test_setup_teardown(removal_of_idle_function, wsetup, wteardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
