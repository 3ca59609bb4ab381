/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The waits after a reset are the specifications' unless the function says
 * it needs less: Immediate Readiness (PCIe 6.0 §7.5.1.1.4) or a valid
 * Readiness Time Reporting capability (FLR Time, D3Hot to D0 Time, Reset
 * Time, DL_Up Time). Each test stretches the specification's wait to
 * seconds, so a wait the engine did not shorten shows as seconds against
 * the reset's own duration, never against a budget a loaded machine could
 * overrun; and it checks that the function's own time was waited (a lower
 * bound, which load cannot break). Also: what a reset costs in config
 * reads, each a system call on a real machine.
 */
#include <stdio.h>

#include "enginetest.h"
#include "pci-regs.h"

#define PORT "0000:00:01.0"
#define EP   "0000:01:00.0"
#define EP2  "0000:01:00.1"

#define LONG_WAIT (3 * USEC_PER_SEC) /* the specification's wait, stretched */

static struct simdev *add_rtr_fn(struct devmodel *m, const char *sbdf, const char *parent,
				 const struct simdev_spec *extra)
{
	struct simdev_spec spec = *extra;
	struct simdev *d;

	spec.sbdf = sbdf;
	spec.parent = parent;
	spec.vendor = 0x1af4;
	spec.device = 0x1041;
	spec.class_code = 0x020000;
	spec.driver = "pciback";
	spec.pcie = true;
	spec.flr = true;
	spec.pm = true;
	spec.bar_size[0] = 0x1000;
	spec.bar_size[4] = 0x4000;
	d = devmodel_add(m, &spec);
	simdev_program(d);
	return d;
}

static void assert_verified(const struct reset_trail *t, struct simdev *d)
{
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(t->effect, EFFECT_VERIFIED);
	assert_int_equal(simdev_reset_count(d), 1);
	assert_int_equal(simdev_peek16(d, PCI_COMMAND), 0x0006);
	assert_int_equal(simdev_peek32(d, PCI_BASE_ADDRESS_0), 0xfe000000);
}

/* FLR Time 2 ms: waited (the first access comes no earlier), not the 100 ms (here 3 s). */
static void flr_reported_time(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d = add_rtr_fn(
	    m, EP, NULL,
	    &(struct simdev_spec){.rtr = true, .rtr_valid = true, .rtr_flr = 2 * USEC_PER_MSEC});
	struct reset_timing t;
	_cleanup_(reset_trail_freep) struct reset_trail *trail = NULL;

	test_timing(&t);
	t.flr_wait = LONG_WAIT;
	simdev_behaviour(d)->crs_usec = 2 * USEC_PER_MSEC;
	trail = test_reset(m, EP, "flr", &t);
	assert_verified(trail, d);
	assert_true(trail_step_usec(&trail->attempts[0], "wait") < LONG_WAIT / 2);
	assert_true(devmodel_first_access_after(m, EP, simdev_reset_at(d)) - simdev_reset_at(d) >=
		    2 * USEC_PER_MSEC);
}

/* Valid clear: the times must not be used (the capability says so). */
static void flr_reported_time_not_valid(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d =
	    add_rtr_fn(m, EP, NULL, &(struct simdev_spec){.rtr = true, .rtr_flr = USEC_PER_MSEC});
	struct reset_timing t;
	_cleanup_(reset_trail_freep) struct reset_trail *trail = NULL;

	test_timing(&t);
	t.flr_wait = 30 * USEC_PER_MSEC;
	trail = test_reset(m, EP, "flr", &t);
	assert_verified(trail, d);
	assert_true(trail_step_usec(&trail->attempts[0], "wait") >= 30 * USEC_PER_MSEC);
}

/* A reported time longer than the specification's: the specification's, then polling. */
static void flr_reported_time_longer(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d = add_rtr_fn(
	    m, EP, NULL,
	    &(struct simdev_spec){.rtr = true, .rtr_valid = true, .rtr_flr = 2 * LONG_WAIT});
	struct reset_timing t;
	_cleanup_(reset_trail_freep) struct reset_trail *trail = NULL;

	test_timing(&t);
	t.flr_wait = 10 * USEC_PER_MSEC;
	simdev_behaviour(d)->crs_usec = 20 * USEC_PER_MSEC;
	trail = test_reset(m, EP, "flr", &t);
	assert_verified(trail, d);
	assert_true(trail_step_usec(&trail->attempts[0], "wait") >= 10 * USEC_PER_MSEC);
	assert_true(trail_step_usec(&trail->attempts[0], "wait") < LONG_WAIT);
}

/* Immediate Readiness: no wait after the FLR at all (3 s would show). */
static void flr_immediate(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d = add_rtr_fn(m, EP, NULL, &(struct simdev_spec){.imm_ready = true});
	struct reset_timing t;
	_cleanup_(reset_trail_freep) struct reset_trail *trail = NULL;

	test_timing(&t);
	t.flr_wait = LONG_WAIT;
	trail = test_reset(m, EP, "flr", &t);
	assert_verified(trail, d);
	assert_true(trail_step_usec(&trail->attempts[0], "wait") < LONG_WAIT / 2);
}

/* D3Hot to D0 Time 1 ms after the return to D0 instead of 10 ms (here 3 s). */
static void pm_reported_time(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d = add_rtr_fn(
	    m, EP, NULL,
	    &(struct simdev_spec){.rtr = true, .rtr_valid = true, .rtr_d3hot_d0 = USEC_PER_MSEC});
	struct reset_timing t;
	_cleanup_(reset_trail_freep) struct reset_trail *trail = NULL;

	test_timing(&t);
	t.pm_d0_wait = LONG_WAIT;
	trail = test_reset(m, EP, "pm", &t);
	assert_verified(trail, d);
	assert_int_equal(simdev_power_state(d), 0);
	assert_true(trail_step_usec(&trail->attempts[0], "d0") >= USEC_PER_MSEC);
	assert_true(trail_step_usec(&trail->attempts[0], "d0") < LONG_WAIT / 2);
}

/* Immediate Readiness does not cover D3hot->D0: the 10 ms stay (here 30 ms). */
static void pm_immediate_keeps_d0_wait(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d = add_rtr_fn(m, EP, NULL, &(struct simdev_spec){.imm_ready = true});
	struct reset_timing t;
	_cleanup_(reset_trail_freep) struct reset_trail *trail = NULL;

	test_timing(&t);
	t.pm_d0_wait = 30 * USEC_PER_MSEC;
	trail = test_reset(m, EP, "pm", &t);
	assert_verified(trail, d);
	assert_true(trail_step_usec(&trail->attempts[0], "d0") >= 30 * USEC_PER_MSEC);
}

/* Below a <= 5 GT/s port: the Reset Time of every function, not the 100 ms (here 3 s). */
static void bus_reported_reset_time(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d;
	struct reset_timing t;
	_cleanup_(reset_trail_freep) struct reset_trail *trail = NULL;

	add_root_port(m, PORT, 1, 2);
	d = add_rtr_fn(
	    m, EP, PORT,
	    &(struct simdev_spec){.rtr = true, .rtr_valid = true, .rtr_reset = 3 * USEC_PER_MSEC});
	test_timing(&t);
	t.sbr_settle_pcie = LONG_WAIT;
	simdev_behaviour(d)->crs_usec = 3 * USEC_PER_MSEC;
	trail = test_reset(m, EP, "bus", &t);
	assert_verified(trail, d);
	assert_true(trail_step_usec(&trail->attempts[0], "settle") >= 3 * USEC_PER_MSEC);
	assert_true(trail_step_usec(&trail->attempts[0], "settle") < LONG_WAIT / 2);
}

/* One function below that reports nothing: the specification's wait for all. */
static void bus_reset_time_needs_every_function(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d0, *d1;
	struct reset_timing t;
	_cleanup_(reset_trail_freep) struct reset_trail *trail = NULL;

	add_root_port(m, PORT, 1, 2);
	d0 = add_rtr_fn(
	    m, EP, PORT,
	    &(struct simdev_spec){
		.rtr = true, .rtr_valid = true, .rtr_reset = USEC_PER_MSEC, .multifunction = true});
	d1 = add_rtr_fn(m, EP2, PORT, &(struct simdev_spec){.multifunction = true});
	test_timing(&t);
	t.sbr_settle_pcie = 30 * USEC_PER_MSEC;
	trail = test_reset(m, EP "," EP2, "bus", &t);
	assert_verified(trail, d0);
	assert_int_equal(simdev_reset_count(d1), 1);
	assert_true(trail_step_usec(&trail->attempts[0], "settle") >= 30 * USEC_PER_MSEC);
}

/* Above 5 GT/s: Link Active, then the DL_Up Time instead of 100 ms (here 3 s). */
static void bus_reported_dl_up_time(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *port, *d;
	struct reset_timing t;
	_cleanup_(reset_trail_freep) struct reset_trail *trail = NULL;

	port = add_root_port(m, PORT, 1, 4);
	d = add_rtr_fn(
	    m, EP, PORT,
	    &(struct simdev_spec){.rtr = true, .rtr_valid = true, .rtr_dl_up = 2 * USEC_PER_MSEC});
	simdev_behaviour(port)->link_up_usec = 10 * USEC_PER_MSEC;
	test_timing(&t);
	t.sbr_settle_pcie = LONG_WAIT;
	trail = test_reset(m, EP, "bus", &t);
	assert_verified(trail, d);
	assert_true(trail_step_usec(&trail->attempts[0], "link") >= 9 * USEC_PER_MSEC);
	assert_true(trail_step_usec(&trail->attempts[0], "settle") >= 2 * USEC_PER_MSEC);
	assert_true(trail_step_usec(&trail->attempts[0], "settle") < LONG_WAIT / 2);
}

/* A conventional bridge keeps Trhfa when nothing below reports less (here 30 ms). */
static void bus_conventional_keeps_trhfa(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d;
	struct reset_timing t;
	_cleanup_(reset_trail_freep) struct reset_trail *trail = NULL;

	devmodel_add(m, &(struct simdev_spec){.sbdf = "0000:00:1e.0",
					      .vendor = 0x8086,
					      .device = 0x244e,
					      .class_code = 0x060400,
					      .bridge = true,
					      .secondary_bus = 5,
					      .subordinate_bus = 5});
	d = devmodel_add(m, &(struct simdev_spec){.sbdf = "0000:05:01.0",
						  .parent = "0000:00:1e.0",
						  .vendor = 0x10ec,
						  .device = 0x8139,
						  .class_code = 0x020000,
						  .driver = "pci-stub",
						  .bar_size = {0x100}});
	simdev_program(d);
	test_timing(&t);
	t.sbr_settle_conv = 30 * USEC_PER_MSEC;
	trail = test_reset(m, "0000:05:01.0", "bus", &t);
	assert_int_equal(trail->verdict, VERDICT_OK);
	assert_true(trail_step_usec(&trail->attempts[0], "settle") >= 30 * USEC_PER_MSEC);
}

/* The specification's own times, as defaults: Trhfa is 2^25 clocks of 30 ns, not a round 1 s. */
static void default_timing_is_the_specifications(void **state)
{
	struct reset_timing t;

	reset_timing_default(&t);
	assert_true(t.sbr_settle_conv * 1000 >= (1ull << 25) * 30);
	assert_int_equal(t.sbr_settle_pcie, 100 * USEC_PER_MSEC);
	assert_int_equal(t.flr_wait, 100 * USEC_PER_MSEC);
	assert_int_equal(t.pm_d3hot_wait, 10 * USEC_PER_MSEC);
	assert_int_equal(t.pm_d0_wait, 10 * USEC_PER_MSEC);
	assert_true(t.sbr_assert >= USEC_PER_MSEC);
}

/*
 * What an FLR of a plain endpoint (PM and PCIe capabilities, two BARs
 * programmed) costs in config accesses, each a system call on sysfs' config
 * file and a trapped configuration cycle in the Xen dom0. Reads: the header
 * in one block, both capability lists walked once at save (it was 16 dword
 * reads and three walks, each capability's ID and next pointer in one read),
 * verification and the effect check in one block each (it was nine reads
 * and one per programmed register): 60 before, then 27, of which 3 let the
 * restore skip writes. Now 15: the FLR check reads the header in one block
 * and walks both lists once, on Vendor ID, Status and the Capabilities
 * Pointer from that block, and the save reuses both (the check walked the
 * standard list on its own reads, then the save read the header and walked
 * again); the save reads the PCIe capability's control registers in one
 * block (it was five reads). 14: the restore compares with the header the
 * effect check read just before (nothing is written between them). 6:
 * the check reads the whole standard space (256 bytes) in one block, so the
 * walk of the standard list, Device Capabilities, the save's PCIe block and
 * PMCSR, and the Device Control the FLR sets a bit in come from it (8 reads
 * before the FLR's write were 2 + one per capability); after the reset the
 * effect check reads 256 bytes too, and the restore takes the PCIe block and
 * PMCSR from them (two reads fewer). Left: the block, the extended list's
 * first header, Transactions Pending, the readiness poll, the effect
 * check's block and the verification's.
 * Writes: only
 * the registers the reset changed are written back (Linux's
 * pci_restore_config_dword() does the same): 17 before, now 5, the FLR
 * itself included.
 */
static void flr_config_accesses(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d = add_rtr_fn(m, EP, NULL, &(struct simdev_spec){0});
	_cleanup_(reset_trail_freep) struct reset_trail *trail = test_reset(m, EP, "flr", NULL);
	unsigned reads = devmodel_read_count(m, EP), writes = devmodel_log_count(m);

	assert_verified(trail, d);
	printf("config accesses for one FLR: %u reads, %u writes\n", reads, writes);
	assert_true(reads <= 6);
	assert_true(writes <= 5);
	/* Still Command last, after the BARs. */
	assert_true(devmodel_log_find(m, EP, PCI_COMMAND) >
		    devmodel_log_find(m, EP, PCI_BASE_ADDRESS_0));
}

/* A register the reset left as it was is not written; one it changed is. */
static void restore_writes_what_changed(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d = add_rtr_fn(m, EP, NULL, &(struct simdev_spec){0});
	_cleanup_(reset_trail_freep) struct reset_trail *trail = NULL;

	simdev_cfg(d)[PCI_CACHE_LINE_SIZE] = 0x10; /* a reset clears it: written back */
	trail = test_reset(m, EP, "flr", NULL);
	assert_verified(trail, d);
	assert_int_equal(simdev_cfg(d)[PCI_CACHE_LINE_SIZE], 0x10);
	assert_true(devmodel_log_find(m, EP, PCI_CACHE_LINE_SIZE) >= 0);
	assert_int_equal(devmodel_log_find(m, EP, PCI_BASE_ADDRESS_0 + 4),
			 -1); /* 0 before and after */
	assert_int_equal(devmodel_log_find(m, EP, PCI_CACHE_LINE_SIZE + 1), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(flr_reported_time),
	    cmocka_unit_test(flr_reported_time_not_valid),
	    cmocka_unit_test(flr_reported_time_longer),
	    cmocka_unit_test(flr_immediate),
	    cmocka_unit_test(pm_reported_time),
	    cmocka_unit_test(pm_immediate_keeps_d0_wait),
	    cmocka_unit_test(bus_reported_reset_time),
	    cmocka_unit_test(bus_reset_time_needs_every_function),
	    cmocka_unit_test(bus_reported_dl_up_time),
	    cmocka_unit_test(bus_conventional_keeps_trhfa),
	    cmocka_unit_test(default_timing_is_the_specifications),
	    cmocka_unit_test(flr_config_accesses),
	    cmocka_unit_test(restore_writes_what_changed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
