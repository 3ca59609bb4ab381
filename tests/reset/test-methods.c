/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Each reset method on the device model: success, every failure path, and
 * that the device really went through a reset and came back restored.
 */
#include <stdio.h>

#include "enginetest.h"
#include "pci-regs.h"

#define EP   "0000:01:00.0"
#define EP2  "0000:01:00.1"
#define PORT "0000:00:01.0"

struct fixture {
	struct devmodel *m;
	struct simdev *port, *ep;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->m = devmodel_new();
	f->port = add_root_port(f->m, PORT, 1, 2);
	f->ep = add_endpoint(f->m, EP, PORT, "pciback", true, true);
	simdev_program(f->ep);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	devmodel_free(f->m);
	free(f);
	return 0;
}

/* The function was reset exactly n times and left as it was programmed. */
static void assert_restored(struct simdev *d, unsigned resets)
{
	assert_int_equal(simdev_reset_count(d), resets);
	assert_int_equal(simdev_peek16(d, PCI_COMMAND), 0x0006);
	assert_int_equal(simdev_peek32(d, PCI_BASE_ADDRESS_0), 0xfe000000);
	assert_int_equal(simdev_peek32(d, PCI_BASE_ADDRESS_0 + 16), 0xfe400000);
	assert_int_equal(simdev_cfg(d)[PCI_INTERRUPT_LINE], 0x0b);
}

static void flr_ok(void **state)
{
	struct fixture *f = *state;
	_cleanup_(reset_trail_freep) struct reset_trail *t = test_reset(f->m, EP, "flr", NULL);

	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(t->method.id, RESET_FLR);
	assert_int_equal(t->n_attempts, 1);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_OK);
	assert_string_equal(t->attempts[0].note, "");
	for (const char *const *s = (const char *const[]){"save", "pending", "initiate", "wait",
							  "ready", "restore", "verify", NULL};
	     *s; s++)
		assert_true(trail_step_usec(&t->attempts[0], *s) != UINT64_MAX);
	assert_true(trail_step_usec(&t->attempts[0], "wait") >= 5 * USEC_PER_MSEC);
	assert_restored(f->ep, 1);
	/* The FLR bit is not left set, and the Command register was written after the BARs. */
	assert_int_equal(simdev_peek16(f->ep, SIM_PCIE_CAP + PCI_EXP_DEVCTL) & 0x8000, 0);
	assert_true(devmodel_log_find(f->m, EP, PCI_COMMAND) >
		    devmodel_log_find(f->m, EP, PCI_BASE_ADDRESS_0));
}

/*
 * Immediate Readiness (Status bit 0): no 100 ms wait after the FLR, the
 * readiness step polls at once, and the reset is as complete as ever.
 */
static void flr_immediate_readiness(void **state)
{
	struct fixture *f = *state;
	struct reset_timing spec;

	reset_timing_default(&spec); /* the real 100 ms, so skipping it shows */
	simdev_cfg(f->ep)[PCI_STATUS] |= PCI_STATUS_IMM_READY;
	_cleanup_(reset_trail_freep) struct reset_trail *t = test_reset(f->m, EP, "flr", &spec);

	assert_int_equal(t->verdict, VERDICT_OK);
	assert_true(trail_step_usec(&t->attempts[0], "wait") < 50 * USEC_PER_MSEC);
	assert_true(trail_step_usec(&t->attempts[0], "ready") != UINT64_MAX);
	assert_restored(f->ep, 1);
}

static void flr_waits_out_crs(void **state)
{
	struct fixture *f = *state;

	simdev_behaviour(f->ep)->crs_usec = 30 * USEC_PER_MSEC;
	_cleanup_(reset_trail_freep) struct reset_trail *t = test_reset(f->m, EP, "flr", NULL);
	assert_int_equal(t->verdict, VERDICT_OK);
	/* Ready no earlier than the device's 30 ms of CRS after the FLR: the FLR
	 * wait and the polling together (a loaded machine can stretch the wait). */
	assert_true(trail_step_usec(&t->attempts[0], "wait") +
			trail_step_usec(&t->attempts[0], "ready") >=
		    27 * USEC_PER_MSEC);
	assert_restored(f->ep, 1);
}

static void flr_never_ready(void **state)
{
	struct fixture *f = *state;

	simdev_behaviour(f->ep)->never_ready = true;
	_cleanup_(reset_trail_freep) struct reset_trail *t = test_reset(f->m, EP, "flr", NULL);
	assert_int_equal(t->verdict, VERDICT_FAILED);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_TIMEDOUT);
	assert_int_equal(t->attempts[0].error, ETIMEDOUT);
	assert_string_equal(t->attempts[0].failed_step, "ready");
	assert_non_null(strstr(t->attempts[0].message, "not ready 100 ms after reset"));
	assert_non_null(strstr(t->attempts[0].message, "all-ones"));
	assert_true(reset_trail_acted(t));
}

static void flr_crs_forever(void **state)
{
	struct fixture *f = *state;

	simdev_behaviour(f->ep)->crs_forever = true;
	_cleanup_(reset_trail_freep) struct reset_trail *t = test_reset(f->m, EP, "flr", NULL);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_TIMEDOUT);
	assert_non_null(strstr(t->attempts[0].message, "Configuration Request Retry"));
}

static void flr_pending_forever_goes_ahead(void **state)
{
	struct fixture *f = *state;

	simdev_behaviour(f->ep)->pending_forever = true;
	_cleanup_(reset_trail_freep) struct reset_trail *t = test_reset(f->m, EP, "flr", NULL);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_non_null(strstr(t->attempts[0].note, "transactions still pending after 20 ms"));
	assert_true(trail_step_usec(&t->attempts[0], "pending") >= 20 * USEC_PER_MSEC);
	assert_restored(f->ep, 1);
}

static void flr_pending_clears(void **state)
{
	struct fixture *f = *state;

	simdev_behaviour(f->ep)->pending_usec = 8 * USEC_PER_MSEC;
	_cleanup_(reset_trail_freep) struct reset_trail *t = test_reset(f->m, EP, "flr", NULL);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_string_equal(t->attempts[0].note, "");
	assert_restored(f->ep, 1);
}

static void flr_unsupported(void **state)
{
	struct fixture *f = *state;
	struct simdev *d = add_endpoint(f->m, "0000:02:00.0", NULL, "pciback", false, false);
	_cleanup_(reset_trail_freep) struct reset_trail *t =
	    test_reset(f->m, "0000:02:00.0", "flr", NULL);

	assert_int_equal(t->verdict, VERDICT_FAILED);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_UNSUPPORTED);
	assert_string_equal(t->attempts[0].message, "Device Capabilities does not advertise FLR");
	assert_false(reset_trail_acted(t));
	assert_int_equal(simdev_reset_count(d), 0);
	assert_int_equal(devmodel_log_count(f->m), 0);
}

static void af_flr_ok(void **state)
{
	struct fixture *f = *state;
	struct simdev *d = devmodel_add(f->m, &(struct simdev_spec){
						  .sbdf = "0000:03:00.0",
						  .vendor = 0x10ec,
						  .device = 0x8139,
						  .class_code = 0x020000,
						  .af = true,
						  .driver = "pci-stub",
						  .bar_size = {0x100},
					      });
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	simdev_program(d);
	t = test_reset(f->m, "0000:03:00.0", "", NULL);
	/* Default order: FLR (no PCIe capability), then AF-FLR. */
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(t->method.id, RESET_AF_FLR);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_UNSUPPORTED);
	assert_string_equal(t->attempts[0].message, "no PCI Express capability");
	assert_int_equal(simdev_reset_count(d), 1);
	assert_int_equal(simdev_peek16(d, PCI_COMMAND), 0x0006);
}

static void pm_ok(void **state)
{
	struct fixture *f = *state;
	_cleanup_(reset_trail_freep) struct reset_trail *t = test_reset(f->m, EP, "pm", NULL);

	assert_int_equal(t->verdict, VERDICT_OK);
	assert_true(trail_step_usec(&t->attempts[0], "d3hot") >= 1 * USEC_PER_MSEC);
	assert_int_equal(simdev_power_state(f->ep), 0);
	assert_restored(f->ep, 1);
}

static void pm_no_soft_reset(void **state)
{
	struct fixture *f = *state;
	struct simdev *d = devmodel_add(f->m, &(struct simdev_spec){
						  .sbdf = "0000:04:00.0",
						  .vendor = 0x8086,
						  .device = 0x10d3,
						  .class_code = 0x020000,
						  .pcie = true,
						  .pm = true,
						  .no_soft_reset = true,
						  .driver = "pciback",
					      });
	_cleanup_(reset_trail_freep) struct reset_trail *t =
	    test_reset(f->m, "0000:04:00.0", "pm", NULL);

	assert_int_equal(t->attempts[0].outcome, ATTEMPT_UNSUPPORTED);
	assert_non_null(strstr(t->attempts[0].message, "NoSoftReset"));
	assert_int_equal(simdev_reset_count(d), 0);
	assert_int_equal(simdev_power_state(d), 0);
}

static void fallback_to_next_method(void **state)
{
	struct fixture *f = *state;
	struct simdev *d = devmodel_add(f->m, &(struct simdev_spec){
						  .sbdf = "0000:05:00.0",
						  .vendor = 0x8086,
						  .device = 0x10d3,
						  .class_code = 0x020000,
						  .pcie = true,
						  .flr = true,
						  .driver = "pciback",
						  .kernel_reset = true,
						  .reset_method = "flr bus",
						  .bar_size = {0x1000, 0, 0, 0, 0x4000},
					      });
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	/* The kernel's reset fails as libxl users see it; FLR through config space then works. */
	simdev_program(d);
	simdev_behaviour(d)->kernel_reset_errno = ENOTTY;
	t = test_reset(f->m, "0000:05:00.0", "pm,kernel,flr", NULL);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(t->method.id, RESET_FLR);
	assert_int_equal(t->n_attempts, 3);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_UNSUPPORTED);
	assert_string_equal(t->attempts[0].message, "no Power Management capability");
	assert_int_equal(t->attempts[1].outcome, ATTEMPT_FAILED);
	assert_int_equal(t->attempts[1].error, ENOTTY);
	assert_string_equal(t->attempts[1].failed_step, "kernel-reset");
	assert_non_null(strstr(t->attempts[1].message, "Inappropriate ioctl for device"));
	assert_int_equal(t->attempts[2].outcome, ATTEMPT_OK);
	assert_int_equal(simdev_kernel_reset_count(d), 1);
	assert_restored(d, 1);
}

static void verify_catches_bar_not_restored(void **state)
{
	struct fixture *f = *state;

	/* A BAR value whose read-only type bits cannot be written back (bit 2: 64-bit). */
	simdev_cfg(f->ep)[PCI_BASE_ADDRESS_0] |= 0x04;
	_cleanup_(reset_trail_freep) struct reset_trail *t = test_reset(f->m, EP, "flr", NULL);
	assert_int_equal(t->verdict, VERDICT_FAILED);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_FAILED);
	assert_string_equal(t->attempts[0].failed_step, "verify");
	assert_string_equal(t->attempts[0].message,
			    "BAR0 reads 0xfe000000 instead of 0xfe000004 after restore");
}

static void write_failure(void **state)
{
	struct fixture *f = *state;

	simdev_behaviour(f->ep)->write_fail_errno = EIO;
	_cleanup_(reset_trail_freep) struct reset_trail *t = test_reset(f->m, EP, "flr", NULL);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_FAILED);
	assert_int_equal(t->attempts[0].error, EIO);
	assert_string_equal(t->attempts[0].failed_step, "initiate");
	assert_int_equal(simdev_reset_count(f->ep), 0);
}

static void hostile_capability_loop(void **state)
{
	struct fixture *f = *state;

	/* The PM capability's next pointer points back at itself. */
	simdev_cfg(f->ep)[SIM_PM_CAP + 1] = SIM_PM_CAP;
	_cleanup_(reset_trail_freep) struct reset_trail *t = test_reset(f->m, EP, "flr,pm", NULL);
	assert_int_equal(t->verdict, VERDICT_FAILED);
	for (unsigned i = 0; i < t->n_attempts; i++) {
		assert_int_equal(t->attempts[i].outcome, ATTEMPT_FAILED);
		assert_int_equal(t->attempts[i].error, EBADMSG);
		assert_non_null(strstr(t->attempts[i].message, "loops at 0x40"));
	}
	assert_int_equal(simdev_reset_count(f->ep), 0);
}

static void surprise_removal(void **state)
{
	struct fixture *f = *state;

	simdev_behaviour(f->ep)->gone = true;
	_cleanup_(reset_trail_freep) struct reset_trail *t = test_reset(f->m, EP, "", NULL);
	assert_int_equal(t->verdict, VERDICT_FAILED);
	assert_true(t->n_attempts >= 1);
	assert_int_equal(t->attempts[0].error, ENODEV);
	assert_non_null(strstr(t->attempts[0].message, "all-ones"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(flr_ok, setup, teardown),
	    cmocka_unit_test_setup_teardown(flr_immediate_readiness, setup, teardown),
	    cmocka_unit_test_setup_teardown(flr_waits_out_crs, setup, teardown),
	    cmocka_unit_test_setup_teardown(flr_never_ready, setup, teardown),
	    cmocka_unit_test_setup_teardown(flr_crs_forever, setup, teardown),
	    cmocka_unit_test_setup_teardown(flr_pending_forever_goes_ahead, setup, teardown),
	    cmocka_unit_test_setup_teardown(flr_pending_clears, setup, teardown),
	    cmocka_unit_test_setup_teardown(flr_unsupported, setup, teardown),
	    cmocka_unit_test_setup_teardown(af_flr_ok, setup, teardown),
	    cmocka_unit_test_setup_teardown(pm_ok, setup, teardown),
	    cmocka_unit_test_setup_teardown(pm_no_soft_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(fallback_to_next_method, setup, teardown),
	    cmocka_unit_test_setup_teardown(verify_catches_bar_not_restored, setup, teardown),
	    cmocka_unit_test_setup_teardown(write_failure, setup, teardown),
	    cmocka_unit_test_setup_teardown(hostile_capability_loop, setup, teardown),
	    cmocka_unit_test_setup_teardown(surprise_removal, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
