/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Secondary bus reset: timing per bridge kind, Link Active (and ports that
 * never report it), who else is on the bus.
 */
#include <stdio.h>

#include "enginetest.h"
#include "pci-regs.h"

#define PORT "0000:00:01.0"
#define FN0  "0000:01:00.0"
#define FN1  "0000:01:00.1"

static struct simdev *add_fn(struct devmodel *m, const char *sbdf, const char *parent,
			     const char *driver, bool multifunction)
{
	struct simdev *d = devmodel_add(m, &(struct simdev_spec){
					       .sbdf = sbdf,
					       .parent = parent,
					       .vendor = 0x8086,
					       .device = 0x10d3,
					       .class_code = 0x020000,
					       .multifunction = multifunction,
					       .driver = driver,
					       .pcie = true,
					       .bar_size = {0x20000, 0, 0x1000},
					   });
	simdev_program(d);
	return d;
}

static void assert_restored(struct simdev *d)
{
	assert_int_equal(simdev_peek16(d, PCI_COMMAND), 0x0006);
	assert_int_equal(simdev_peek32(d, PCI_BASE_ADDRESS_0), 0xfe000000);
}

static void bus_ok_slow_link(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *port = add_root_port(m, PORT, 1, 2); /* 5 GT/s: fixed wait */
	struct simdev *d = add_fn(m, FN0, PORT, "pciback", false);
	_cleanup_(reset_trail_freep) struct reset_trail *t = test_reset(m, FN0, "bus", NULL);

	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(simdev_reset_count(d), 1);
	assert_int_equal(simdev_reset_count(port), 0);
	assert_restored(d);
	/* SBR held >= 1 ms (PCI 3.0 §4.3.2), and released. */
	assert_true(simdev_sbr_deasserted_at(port) - simdev_sbr_asserted_at(port) >= USEC_PER_MSEC);
	assert_int_equal(simdev_peek16(port, PCI_BRIDGE_CONTROL) & PCI_BRIDGE_CTL_BUS_RESET, 0);
	assert_true(trail_step_usec(&t->attempts[0], "settle") >= 5 * USEC_PER_MSEC);
	assert_int_equal(trail_step_usec(&t->attempts[0], "link"), UINT64_MAX);
}

static void bus_waits_for_link_active(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *port = add_root_port(m, PORT, 1, 4); /* 16 GT/s: wait for the link */
	struct simdev *d = add_fn(m, FN0, PORT, "pciback", false);
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	simdev_behaviour(port)->link_up_usec = 20 * USEC_PER_MSEC;
	t = test_reset(m, FN0, "bus", NULL);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_true(trail_step_usec(&t->attempts[0], "link") >= 19 * USEC_PER_MSEC);
	assert_true(trail_step_usec(&t->attempts[0], "settle") >= 5 * USEC_PER_MSEC);
	assert_int_equal(simdev_reset_count(d), 1);
	assert_restored(d);
}

/*
 * QEMU 7.2 root ports at 16 GT/s: Link Active reporting advertised, never set.
 * After the link wait the engine polls the device itself; it answers, the
 * reset shows its effect: ok, with a note naming the bridge.
 */
static void bus_link_never_active_device_answers(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *port = add_root_port(m, PORT, 1, 4);
	struct simdev *d = add_fn(m, FN0, PORT, "pciback", false);
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	simdev_behaviour(port)->link_never_active = true;
	simdev_behaviour(d)->crs_usec = 60 * USEC_PER_MSEC; /* still retrying after the wait */
	t = test_reset(m, FN0, "bus", NULL);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_OK);
	assert_string_equal(t->attempts[0].note,
			    "bridge 0000:00:01.0 never reported Data Link Layer Link Active "
			    "within 50 ms; polled the device instead");
	assert_true(trail_step_usec(&t->attempts[0], "link") >= 49 * USEC_PER_MSEC);
	assert_int_equal(trail_step_usec(&t->attempts[0], "settle"), UINT64_MAX);
	/* The device answered only after its 60 ms of CRS: the engine did not call
	 * it ready earlier. Link wait and readiness together, not readiness alone:
	 * on a loaded machine the link wait can overrun the CRS time. */
	assert_true(trail_step_usec(&t->attempts[0], "link") +
			trail_step_usec(&t->attempts[0], "ready") >=
		    55 * USEC_PER_MSEC);
	assert_int_equal(t->effect, EFFECT_VERIFIED);
	assert_int_equal(simdev_reset_count(d), 1);
	assert_int_equal(simdev_peek16(port, PCI_BRIDGE_CONTROL) & PCI_BRIDGE_CTL_BUS_RESET, 0);
	assert_restored(d);
}

/* The same port, and the device never answers: timed out in readiness, state put back. */
static void bus_link_never_active_device_silent(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *port = add_root_port(m, PORT, 1, 4);
	struct simdev *d = add_fn(m, FN0, PORT, "pciback", false);
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	simdev_behaviour(port)->link_never_active = true;
	simdev_behaviour(d)->crs_forever = true;
	t = test_reset(m, FN0, "bus", NULL);
	assert_int_equal(t->verdict, VERDICT_FAILED);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_TIMEDOUT);
	assert_string_equal(t->attempts[0].failed_step, "ready");
	assert_string_equal(t->attempts[0].message,
			    "0000:01:00.0 not ready 100 ms after reset: answers Configuration "
			    "Request Retry");
	assert_non_null(strstr(t->attempts[0].note, "polled the device instead"));
	assert_int_equal(simdev_peek16(port, PCI_BRIDGE_CONTROL) & PCI_BRIDGE_CTL_BUS_RESET, 0);
}

static void bus_conventional_bridge_waits_longer(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d;
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	devmodel_add(m, &(struct simdev_spec){
			    .sbdf = "0000:00:1e.0",
			    .vendor = 0x8086,
			    .device = 0x244e,
			    .class_code = 0x060400,
			    .bridge = true,
			    .secondary_bus = 5,
			    .subordinate_bus = 5,
			});
	d = devmodel_add(m, &(struct simdev_spec){
				.sbdf = "0000:05:01.0",
				.parent = "0000:00:1e.0",
				.vendor = 0x10ec,
				.device = 0x8139,
				.class_code = 0x020000,
				.driver = "pci-stub",
				.bar_size = {0x100},
			    });
	simdev_program(d);
	t = test_reset(m, "0000:05:01.0", "", NULL);
	/* Nothing but bus applies; conventional PCI waits Trhfa (test timing: 15 ms). */
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(t->method.id, RESET_BUS);
	assert_int_equal(t->n_attempts, 4);
	assert_true(trail_step_usec(&t->attempts[3], "settle") >= 15 * USEC_PER_MSEC);
	assert_int_equal(simdev_reset_count(d), 1);
}

static void bus_refused_for_bystander(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *port = add_root_port(m, PORT, 1, 2);
	struct simdev *d0 = add_fn(m, FN0, PORT, "pciback", true);
	struct simdev *d1 = add_fn(m, FN1, PORT, "e1000e", true);
	_cleanup_(reset_trail_freep) struct reset_trail *t = test_reset(m, FN0, "bus", NULL);

	assert_int_equal(t->verdict, VERDICT_FAILED);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_REFUSED);
	assert_string_equal(t->attempts[0].message,
			    "a secondary bus reset on 0000:00:01.0 would also reset 0000:01:00.1 "
			    "(e1000e), which is not part of this reset");
	assert_false(reset_trail_acted(t));
	assert_int_equal(simdev_reset_count(d0), 0);
	assert_int_equal(simdev_reset_count(d1), 0);
	assert_int_equal(simdev_sbr_asserted_at(port), 0);
	assert_int_equal(devmodel_log_count(m), 0);
}

static void bus_resets_functions_together(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *port = add_root_port(m, PORT, 1, 2);
	struct simdev *d0 = add_fn(m, FN0, PORT, "pciback", true);
	struct simdev *d1 = add_fn(m, FN1, PORT, "", true);
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	simdev_behaviour(d1)->crs_usec = 10 * USEC_PER_MSEC;
	t = test_reset(m, FN0 "," FN1, "bus", NULL);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(t->n_attempts, 1);
	assert_int_equal(simdev_reset_count(d0), 1);
	assert_int_equal(simdev_reset_count(d1), 1);
	assert_true(simdev_sbr_asserted_at(port) > 0);
	assert_restored(d0);
	assert_restored(d1);
}

static void bus_unsupported_on_root_bus(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	add_fn(m, "0000:00:03.0", NULL, "pciback", false);
	t = test_reset(m, "0000:00:03.0", "bus", NULL);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_UNSUPPORTED);
	assert_string_equal(t->attempts[0].message, "on a root bus: no bridge above it to reset");
}

static void bus_refused_for_functions_below_another_bridge(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	add_root_port(m, PORT, 1, 2);
	add_root_port(m, "0000:00:02.0", 2, 2);
	add_fn(m, FN0, PORT, "pciback", false);
	add_fn(m, "0000:02:00.0", "0000:00:02.0", "pciback", false);
	t = test_reset(m, FN0 ",0000:02:00.0", "bus", NULL);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_REFUSED);
	assert_string_equal(t->attempts[0].message,
			    "the functions of one bus reset must all be below 0000:00:01.0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(bus_ok_slow_link),
	    cmocka_unit_test(bus_waits_for_link_active),
	    cmocka_unit_test(bus_link_never_active_device_answers),
	    cmocka_unit_test(bus_link_never_active_device_silent),
	    cmocka_unit_test(bus_conventional_bridge_waits_longer),
	    cmocka_unit_test(bus_refused_for_bystander),
	    cmocka_unit_test(bus_resets_functions_together),
	    cmocka_unit_test(bus_unsupported_on_root_bus),
	    cmocka_unit_test(bus_refused_for_functions_below_another_bridge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
