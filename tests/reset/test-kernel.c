/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resets the kernel performs (reset, reset_method, pciback do_flr) and the safety rules. */
#include <stdio.h>

#include "enginetest.h"
#include "pci-regs.h"

#define EP "0000:01:00.0"

static struct simdev *add_dev(struct devmodel *m, const char *driver, const char *reset_method)
{
	struct simdev_spec s = nvme_spec(EP, driver);
	struct simdev *d;

	s.pm = true;
	s.kernel_reset = true;
	s.reset_method = reset_method;
	d = devmodel_add(m, &s);
	simdev_program(d);
	return d;
}

static void kernel_default_order(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d = add_dev(m, "pciback", "flr bus");
	_cleanup_(reset_trail_freep) struct reset_trail *t = test_reset(m, EP, "kernel", NULL);

	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(simdev_kernel_reset_count(d), 1);
	assert_string_equal(simdev_kernel_reset_with(d), "flr bus");
	assert_int_equal(trail_step_usec(&t->attempts[0], "select"), UINT64_MAX);
	assert_true(trail_step_usec(&t->attempts[0], "kernel-reset") != UINT64_MAX);
}

static void kernel_selects_method_and_restores(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d = add_dev(m, "vfio-pci", "flr bus");
	_cleanup_(reset_trail_freep) struct reset_trail *t = test_reset(m, EP, "kernel:bus", NULL);

	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(t->method.id, RESET_KERNEL);
	assert_string_equal(t->method.kernel_method, "bus");
	assert_string_equal(simdev_kernel_reset_with(d), "bus");
	assert_string_equal(simdev_reset_method(d), "flr bus");
}

static void kernel_method_not_offered(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d = add_dev(m, "pciback", "flr bus");
	_cleanup_(reset_trail_freep) struct reset_trail *t = test_reset(m, EP, "kernel:pm", NULL);

	assert_int_equal(t->attempts[0].outcome, ATTEMPT_UNSUPPORTED);
	assert_string_equal(
	    t->attempts[0].message,
	    "the kernel does not offer 'pm' for this function (reset_method: flr bus)");
	assert_int_equal(simdev_kernel_reset_count(d), 0);
}

static void kernel_without_reset_method_attribute(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	add_dev(m, "pciback", NULL);
	t = test_reset(m, EP, "kernel:flr", NULL);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_UNSUPPORTED);
	assert_non_null(strstr(t->attempts[0].message, "older than 5.15"));
}

static void kernel_failure_restores_selection(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d = add_dev(m, "pciback", "flr bus");
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	simdev_behaviour(d)->kernel_reset_errno = ENOTTY;
	t = test_reset(m, EP, "kernel:bus", NULL);
	assert_int_equal(t->verdict, VERDICT_FAILED);
	assert_int_equal(t->attempts[0].error, ENOTTY);
	assert_string_equal(simdev_reset_method(d), "flr bus");
	assert_int_equal(simdev_peek16(d, PCI_COMMAND), 0x0006);
}

static void pciback_do_flr(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d = add_dev(m, "pciback", "flr bus");
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	t = test_reset(m, EP, "pciback", NULL);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_UNSUPPORTED);
	assert_string_equal(t->attempts[0].message,
			    "this kernel's pciback has no do_flr attribute");
	reset_trail_free(t);
	devmodel_set_do_flr(m, true);
	t = test_reset(m, EP, "pciback", NULL);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(simdev_reset_count(d), 1);
	assert_int_equal(simdev_peek16(d, PCI_COMMAND), 0x0006);
}

struct safety_case {
	const char *name;
	const char *driver;
	bool bridge, vf;
	const char *methods;
	enum attempt_outcome outcome;
	const char *message; /* substring */
};

static void safety_table(void **state)
{
	static const struct safety_case cases[] = {
	    {"live driver", "nvme", false, false, "flr", ATTEMPT_REFUSED,
	     "is bound to driver 'nvme'"},
	    {"live driver, kernel", "e1000e", false, false, "kernel", ATTEMPT_REFUSED,
	     "is bound to driver 'e1000e'"},
	    {"unbound", "", false, false, "flr", ATTEMPT_OK, NULL},
	    {"pci-stub", "pci-stub", false, false, "flr", ATTEMPT_OK, NULL},
	    {"vfio-pci", "vfio-pci", false, false, "pm", ATTEMPT_OK, NULL},
	    {"xen-pciback name", "xen-pciback", false, false, "flr", ATTEMPT_OK, NULL},
	    {"bridge", "pciback", true, false, "flr", ATTEMPT_REFUSED,
	     "is a bridge; bridges are not reset as endpoints"},
	    {"VF pm", "pciback", false, true, "pm", ATTEMPT_REFUSED,
	     "virtual function; only FLR applies"},
	    {"VF kernel", "pciback", false, true, "kernel", ATTEMPT_REFUSED,
	     "virtual function; only FLR applies"},
	    {"VF flr", "pciback", false, true, "flr", ATTEMPT_OK, NULL},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const struct safety_case *c = &cases[i];
		_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
		_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;
		struct simdev *d;

		if (c->vf)
			simdev_sriov_enable(
			    devmodel_add(m, &(struct simdev_spec){.sbdf = "0000:01:00.0",
								  .vendor = 0x8086,
								  .device = 0x1521,
								  .pcie = true,
								  .pf = true,
								  .vf_device = 0x1520,
								  .driver = "igb"}),
			    4);
		d = devmodel_add(m, &(struct simdev_spec){
					.sbdf = "0000:01:00.4",
					.vendor = 0x8086,
					.device = c->vf ? 0x1520 : 0x1521,
					.class_code = c->bridge ? 0x060400 : 0x020000,
					.bridge = c->bridge,
					.driver = c->driver,
					.vf = c->vf,
					.physfn = c->vf ? "0000:01:00.0" : NULL,
					.pcie = true,
					.flr = true,
					.pm = true,
					.kernel_reset = true,
				    });
		t = test_reset(m, "0000:01:00.4", c->methods, NULL);
		print_message("case: %s\n", c->name);
		assert_int_equal(t->attempts[0].outcome, c->outcome);
		if (c->message)
			assert_non_null(strstr(t->attempts[0].message, c->message));
		assert_int_equal(simdev_reset_count(d), c->outcome == ATTEMPT_OK ? 1 : 0);
		if (c->outcome == ATTEMPT_REFUSED)
			assert_int_equal(devmodel_log_count(m), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(kernel_default_order),
	    cmocka_unit_test(kernel_selects_method_and_restores),
	    cmocka_unit_test(kernel_method_not_offered),
	    cmocka_unit_test(kernel_without_reset_method_attribute),
	    cmocka_unit_test(kernel_failure_restores_selection),
	    cmocka_unit_test(pciback_do_flr),
	    cmocka_unit_test(safety_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
