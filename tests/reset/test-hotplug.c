/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A secondary bus reset below a hotplug-capable port: the slot's Presence
 * Detect / Data Link Layer State Changed events are masked while the link is
 * down, their status cleared and the enables restored after, so pciehp sees
 * no surprise removal (the model counts the interrupts it would have taken).
 */
#include <stdio.h>

#include "enginetest.h"
#include "pci-regs.h"

#define PORT "0000:00:01.0"
#define EP   "0000:01:00.0"

#define SLTCTL (SIM_PCIE_CAP + PCI_EXP_SLTCTL)
#define SLTSTA (SIM_PCIE_CAP + PCI_EXP_SLTSTA)
#define EVENTS (PCI_EXP_SLTCTL_PDCE | PCI_EXP_SLTCTL_DLLSCE)

static struct simdev *add_port(struct devmodel *m, bool hpc)
{
	return devmodel_add(m, &(struct simdev_spec){
				   .sbdf = PORT,
				   .vendor = 0x1b36,
				   .device = 0x000c,
				   .class_code = 0x060400,
				   .bridge = true,
				   .secondary_bus = 1,
				   .subordinate_bus = 1,
				   .driver = "pcieport",
				   .pcie = true,
				   .pcie_type = PCI_EXP_TYPE_ROOT_PORT,
				   .link_speed = 2,
				   .hpc = hpc,
			       });
}

static void hotplug_events_masked_during_bus_reset(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *port = add_port(m, true);
	struct simdev *ep = add_endpoint(m, EP, PORT, "pciback", false, false);
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;
	uint16_t before = simdev_peek16(port, SLTCTL);
	int last_ctl;

	simdev_program(ep);
	t = test_reset(m, EP, "bus", NULL);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(simdev_reset_count(ep), 1);
	/* No event reached pciehp, none is left latched, the enables are back. */
	assert_int_equal(simdev_slot_interrupts(port), 0);
	assert_int_equal(simdev_peek16(port, SLTSTA) & (PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_DLLSC),
			 0);
	assert_int_equal(simdev_peek16(port, SLTCTL), before);
	assert_int_equal(before & EVENTS, EVENTS);
	/* The first write masks them, before SBR; the last restores them, after SBR. */
	assert_int_equal(devmodel_log_get(m, 0)->off, SLTCTL);
	assert_int_equal(devmodel_log_get(m, 0)->value & EVENTS, 0);
	last_ctl = devmodel_log_find(m, PORT, SLTCTL);
	assert_int_equal(devmodel_log_get(m, (unsigned)last_ctl)->value & EVENTS, EVENTS);
	assert_true(last_ctl > devmodel_log_find(m, PORT, PCI_BRIDGE_CONTROL));
	assert_true(devmodel_log_find(m, PORT, SLTSTA) < last_ctl); /* cleared first */
	assert_non_null(strstr(t->attempts[0].note, "hotplug slot of 0000:00:01.0: Presence "
						    "Detect and Link State Changed events masked"));
}

/* With an Attention Button, Presence Detect stays enabled (as pciehp_reset_slot()). */
static void attention_button_keeps_presence_detect(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *port = add_port(m, true);
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	simdev_cfg(port)[SIM_PCIE_CAP + PCI_EXP_SLTCAP] |= PCI_EXP_SLTCAP_ABP;
	simdev_program(add_endpoint(m, EP, PORT, "pciback", false, false));
	t = test_reset(m, EP, "bus", NULL);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(devmodel_log_get(m, 0)->off, SLTCTL);
	assert_int_equal(devmodel_log_get(m, 0)->value & EVENTS, PCI_EXP_SLTCTL_PDCE);
	assert_non_null(strstr(t->attempts[0].note, ": Link State Changed events masked"));
}

/* A port without a hotplug controller: Slot Control is never written. */
static void no_hotplug_no_slot_writes(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	add_port(m, false);
	simdev_program(add_endpoint(m, EP, PORT, "pciback", false, false));
	t = test_reset(m, EP, "bus", NULL);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(devmodel_log_find(m, PORT, SLTCTL), -1);
	assert_int_equal(devmodel_log_find(m, PORT, SLTSTA), -1);
	assert_int_equal(t->attempts[0].note[0], '\0');
}

/* A reset that fails after masking still puts the enables back. */
static void failed_reset_restores_slot(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *port = add_port(m, true);
	struct simdev *ep = add_endpoint(m, EP, PORT, "pciback", false, false);
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;
	uint16_t before = simdev_peek16(port, SLTCTL);

	simdev_program(ep);
	simdev_behaviour(ep)->never_ready = true;
	t = test_reset(m, EP, "bus", NULL);
	assert_int_equal(t->verdict, VERDICT_FAILED);
	assert_int_equal(simdev_peek16(port, SLTCTL), before);
	assert_int_equal(simdev_slot_interrupts(port), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(hotplug_events_masked_during_bus_reset),
	    cmocka_unit_test(attention_button_keeps_presence_detect),
	    cmocka_unit_test(no_hotplug_no_slot_writes),
	    cmocka_unit_test(failed_reset_restores_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
