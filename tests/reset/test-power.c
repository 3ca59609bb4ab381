/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runtime-suspended functions: woken to D0 through power/control before the
 * first attempt and let go after; one that stays powered off is not reset
 * and the trail says why, and nothing is written to it.
 */
#include <stdio.h>

#include "enginetest.h"
#include "pci-regs.h"

#define PORT "0000:00:01.0"
#define EP   "0000:01:00.0"

static struct simdev *setup(struct devmodel *m, enum simdev_power state, bool stuck)
{
	struct simdev *d;

	add_root_port(m, PORT, 1, 2);
	d = add_endpoint(m, EP, PORT, "pciback", true, true);
	simdev_program(d);
	if (state != SIM_POWER_ACTIVE)
		simdev_runtime_suspend(d, state, stuck);
	devmodel_log_clear(m);
	return d;
}

static void d3cold_woken_reset_and_let_go(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d = setup(m, SIM_POWER_D3COLD, false);
	_cleanup_(reset_trail_freep) struct reset_trail *t = test_reset(m, EP, "flr", NULL);

	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(t->effect, EFFECT_VERIFIED);
	assert_int_equal(simdev_reset_count(d), 1);
	/* power/control back to "auto": the function may suspend again, restored as it was. */
	assert_string_equal(simdev_power_control(d), "auto");
	assert_int_equal(simdev_power(d), SIM_POWER_D3COLD);
	assert_int_equal(simdev_peek16(d, PCI_COMMAND), 0x0006);
}

/* D3hot: the PM method needs D0 to start from; woken, it runs. */
static void d3hot_suspended_woken_for_pm(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d = setup(m, SIM_POWER_D3HOT, false);
	_cleanup_(reset_trail_freep) struct reset_trail *t = test_reset(m, EP, "pm", NULL);

	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(simdev_reset_count(d), 1);
	assert_string_equal(simdev_power_control(d), "auto");
}

static void stays_in_d3cold_not_reset(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d = setup(m, SIM_POWER_D3COLD, true);
	_cleanup_(reset_trail_freep) struct reset_trail *t = test_reset(m, EP, "", NULL);

	assert_int_equal(t->verdict, VERDICT_FAILED);
	assert_int_equal(t->n_attempts, 0);
	assert_false(reset_trail_acted(t));
	assert_string_equal(t->message, "0000:01:00.0 stays in D3cold after power/control=on: a "
					"powered-off function cannot be reset; not reset");
	assert_int_equal(simdev_reset_count(d), 0);
	assert_int_equal(devmodel_log_count(m), 0);
	assert_string_equal(simdev_power_control(d), "auto");
}

/* An active function: power/control is left alone. */
static void active_untouched(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d = setup(m, SIM_POWER_ACTIVE, false);
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	t = test_reset(m, EP, "flr", NULL);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_string_equal(simdev_power_control(d), "on");
	assert_int_equal(simdev_power(d), SIM_POWER_ACTIVE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(d3cold_woken_reset_and_let_go),
	    cmocka_unit_test(d3hot_suspended_woken_for_pm),
	    cmocka_unit_test(stays_in_d3cold_not_reset),
	    cmocka_unit_test(active_untouched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
