/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Effect verification: a method that completes but resets nothing is
 * ineffective and the next one is tried; a function with nothing to observe
 * is unverified, never verified; a genuine reset of a function with 64-bit,
 * I/O, read-only-zero and ROM BARs is verified; the kernel's resets are
 * unverified; and the signature check itself, register by register.
 */
#include <stdio.h>

#include "effect.h"
#include "enginetest.h"
#include "pci-regs.h"

#define PORT "0000:00:01.0"
#define EP   "0000:01:00.0"
#define EP1  "0000:01:00.1"

static struct simdev *add_fn(struct devmodel *m, const char *sbdf, bool flr, bool pm,
			     bool multifunction)
{
	return devmodel_add(m, &(struct simdev_spec){
				   .sbdf = sbdf,
				   .parent = PORT,
				   .vendor = 0x8086,
				   .device = 0x10d3,
				   .class_code = 0x020000,
				   .multifunction = multifunction,
				   .driver = "pciback",
				   .pcie = true,
				   .flr = flr,
				   .pm = pm,
				   .kernel_reset = true,
				   .reset_method = "flr pm bus",
				   .bar_size = {0x20000, 0, 0x1000},
			       });
}

static void assert_restored(struct simdev *d)
{
	assert_int_equal(simdev_peek16(d, PCI_COMMAND), 0x0006);
	assert_int_equal(simdev_peek32(d, PCI_BASE_ADDRESS_0), 0xfe000000);
	assert_int_equal(simdev_peek32(d, PCI_BASE_ADDRESS_0 + 8), 0xfe200000);
}

/* QEMU 7.2's D3hot->D0: PM completes, resets nothing; the engine goes on to bus. */
static void pm_ineffective_then_bus(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d;
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	add_root_port(m, PORT, 1, 2);
	d = add_fn(m, EP, false, true, false);
	simdev_program(d);
	simdev_behaviour(d)->pm_no_effect = true;
	t = test_reset(m, EP, "", NULL);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(t->method.id, RESET_BUS);
	assert_int_equal(t->n_attempts, 4);
	assert_int_equal(t->attempts[2].outcome, ATTEMPT_INEFFECTIVE);
	assert_int_equal(t->attempts[2].error, 0);
	assert_string_equal(t->attempts[2].message, "BAR0 kept 0xfe000000 after D3hot→D0");
	assert_int_equal(t->attempts[2].effect, EFFECT_INEFFECTIVE);
	assert_true(reset_trail_acted(t));
	assert_int_equal(t->attempts[3].outcome, ATTEMPT_OK);
	assert_int_equal(t->attempts[3].effect, EFFECT_VERIFIED);
	assert_string_equal(t->attempts[3].effect_detail,
			    "reset values read back: BAR0, BAR2, Command (was 0x0006)");
	assert_int_equal(t->effect, EFFECT_VERIFIED);
	assert_int_equal(t->effects[0], EFFECT_VERIFIED);
	assert_string_equal(t->message, "bus reset 0000:01:00.0; effect verified");
	assert_int_equal(simdev_reset_count(d), 1); /* the bus reset only */
	assert_restored(d);
}

/* Strict, nothing but an ineffective method: failed, with the evidence, and restored. */
static void only_ineffective_fails(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d;
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	add_root_port(m, PORT, 1, 2);
	d = add_fn(m, EP, true, true, false);
	simdev_program(d);
	simdev_behaviour(d)->flr_no_effect = true;
	simdev_behaviour(d)->pm_no_effect = true;
	t = test_reset(m, EP, "flr,pm", NULL);
	assert_int_equal(t->verdict, VERDICT_FAILED);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_INEFFECTIVE);
	assert_int_equal(t->attempts[1].outcome, ATTEMPT_INEFFECTIVE);
	assert_string_equal(t->message, "no method reset 0000:01:00.0: flr ineffective (BAR0 kept "
					"0xfe000000 after FLR); pm ineffective (BAR0 kept "
					"0xfe000000 after D3hot→D0)");
	assert_int_equal(simdev_power_state(d), 0);
	assert_restored(d);
}

/* Nothing programmed (Command 0, BARs 0): ok, but unverified, never verified. */
static void nothing_to_observe_is_unverified(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d;
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	add_root_port(m, PORT, 1, 2);
	d = add_fn(m, EP, true, true, false);
	simdev_behaviour(d)->flr_no_effect = true; /* and it would not even tell */
	t = test_reset(m, EP, "flr", NULL);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(t->effect, EFFECT_UNVERIFIED);
	assert_int_equal(t->effects[0], EFFECT_UNVERIFIED);
	assert_int_equal(t->attempts[0].effect, EFFECT_UNVERIFIED);
	assert_string_equal(t->attempts[0].effect_detail,
			    "no programmed BAR and no Command decode bit set: nothing to observe");
	assert_string_equal(t->message, "flr reset 0000:01:00.0; effect unverified");
}

/* A bus reset checks every function: one that kept its BAR makes it ineffective. */
static void bus_one_function_keeps_its_bar(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d0, *d1;
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	add_root_port(m, PORT, 1, 2);
	d0 = add_fn(m, EP, false, false, true);
	d1 = add_fn(m, EP1, false, false, true);
	simdev_program(d0);
	simdev_program(d1);
	simdev_behaviour(d1)->bus_no_effect = true;
	t = test_reset(m, EP "," EP1, "bus", NULL);
	assert_int_equal(t->verdict, VERDICT_FAILED);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_INEFFECTIVE);
	assert_string_equal(t->attempts[0].message,
			    "0000:01:00.1: BAR0 kept 0xfe000000 after the secondary bus reset");
	assert_int_equal(simdev_reset_count(d0), 1);
	assert_restored(d0);
	assert_restored(d1);
}

/* Both functions reset: verified per function and overall. */
static void bus_every_function_verified(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d0, *d1;
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	add_root_port(m, PORT, 1, 2);
	d0 = add_fn(m, EP, false, false, true);
	d1 = add_fn(m, EP1, false, false, true);
	simdev_program(d0); /* d1 never enabled: nothing to observe on it */
	t = test_reset(m, EP "," EP1, "bus", NULL);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(t->effects[0], EFFECT_VERIFIED);
	assert_int_equal(t->effects[1], EFFECT_UNVERIFIED);
	assert_int_equal(t->effect, EFFECT_UNVERIFIED);
	simdev_program(d1);
	reset_trail_free(t);
	t = test_reset(m, EP "," EP1, "bus", NULL);
	assert_int_equal(t->effects[1], EFFECT_VERIFIED);
	assert_int_equal(t->effect, EFFECT_VERIFIED);
	assert_non_null(strstr(t->attempts[0].effect_detail, "0000:01:00.1: reset values"));
}

static struct simdev *add_wide(struct devmodel *m)
{
	/* BAR0-1 64-bit prefetchable, BAR2 I/O, BAR3 read-only zero, BAR4 32-bit, ROM. */
	return devmodel_add(m, &(struct simdev_spec){
				   .sbdf = EP,
				   .parent = PORT,
				   .vendor = 0x10de,
				   .device = 0x1eb8,
				   .class_code = 0x030200,
				   .driver = "pciback",
				   .pcie = true,
				   .flr = true,
				   .bar_size = {0x10000000, 0, 0x80, 0, 0x1000000},
				   .bar_flags = {0x0c, 0, 0x01},
				   .rom_size = 0x80000,
			       });
}

/* A genuine reset of a function with 64-bit, I/O, RO-zero and ROM BARs is verified. */
static void wide_bars_verified(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d;
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	add_root_port(m, PORT, 1, 2);
	d = add_wide(m);
	simdev_program(d);
	/* The 64-bit BAR's low address bits are 0: only its upper half holds the address. */
	assert_int_equal(simdev_peek32(d, PCI_BASE_ADDRESS_0), 0x0000000c);
	assert_int_equal(simdev_peek32(d, PCI_BASE_ADDRESS_0 + 4), 1);
	t = test_reset(m, EP, "flr", NULL);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(t->effect, EFFECT_VERIFIED);
	assert_string_equal(t->attempts[0].effect_detail,
			    "reset values read back: BAR0, BAR2, BAR4, Command (was 0x0006)");
	assert_int_equal(simdev_peek32(d, PCI_BASE_ADDRESS_0 + 4), 1);
	assert_int_equal(simdev_peek32(d, PCI_ROM_ADDRESS), 0xfd000000);
}

static void wide_bar_kept(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d;
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	add_root_port(m, PORT, 1, 2);
	d = add_wide(m);
	simdev_program(d);
	simdev_behaviour(d)->flr_no_effect = true;
	t = test_reset(m, EP, "flr", NULL);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_INEFFECTIVE);
	assert_string_equal(t->attempts[0].message, "BAR0 kept 0x0000000100000000 after FLR");
}

/* The kernel restores config space inside its reset: without MSI nothing can be observed. */
static void kernel_and_pciback_unverified(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d;
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	add_root_port(m, PORT, 1, 2);
	d = add_fn(m, EP, true, true, false);
	simdev_program(d);
	t = test_reset(m, EP, "kernel", NULL);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(t->effect, EFFECT_UNVERIFIED);
	assert_string_equal(t->attempts[0].effect_detail,
			    "the kernel restores config space inside its reset: nothing to observe "
			    "(no MSI capability)");
	reset_trail_free(t);
	devmodel_set_do_flr(m, true);
	t = test_reset(m, EP, "pciback", NULL);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(t->effect, EFFECT_UNVERIFIED);
	assert_restored(d);
}

struct sig_case {
	const char *name;
	uint16_t cmd_before, cmd_after;
	uint32_t bar_before[6], bar_after[6];
	int effect;
	const char *detail;
};

/* The signature, register by register, on a bare config image. */
static void signature_table(void **state)
{
	static const struct sig_case cases[] = {
	    {"nothing programmed", 0, 0, {0}, {0}, EFFECT_UNVERIFIED, "nothing to observe"},
	    {"type bits only", 0, 0, {0x8, 0x1}, {0x8, 0x1}, EFFECT_UNVERIFIED, NULL},
	    {"command only", 0x4, 0, {0}, {0}, EFFECT_VERIFIED, "Command (was 0x0004)"},
	    {"command kept", 0x6, 0x2, {0}, {0}, EFFECT_INEFFECTIVE, "Command kept 0x0002"},
	    {"command kept, other bits",
	     0x0406,
	     0x0406,
	     {0},
	     {0},
	     EFFECT_INEFFECTIVE,
	     "Command kept 0x0006"},
	    {"BAR cleared", 0x2, 0, {0xfebc0000}, {0}, EFFECT_VERIFIED, "BAR0, Command"},
	    {"BAR kept",
	     0x2,
	     0,
	     {0xfebc0000},
	     {0xfebc0000},
	     EFFECT_INEFFECTIVE,
	     "BAR0 kept 0xfebc0000"},
	    {"BAR to a non-zero default", 0, 0, {0xfebc0000}, {0x10000}, EFFECT_VERIFIED, "BAR0"},
	    {"I/O BAR kept",
	     0x1,
	     0,
	     {0, 0xc001},
	     {0, 0xc001},
	     EFFECT_INEFFECTIVE,
	     "BAR1 kept 0x0000c000"},
	    {"64-bit, upper half kept",
	     0,
	     0,
	     {0x4, 0x2},
	     {0x4, 0x2},
	     EFFECT_INEFFECTIVE,
	     "BAR0 kept 0x0000000200000000"},
	    {"64-bit, cleared", 0, 0, {0xc000000c, 0x2}, {0xc, 0}, EFFECT_VERIFIED, "BAR0"},
	    {"64-bit upper half is not BAR1",
	     0,
	     0,
	     {0xc000000c, 0x2},
	     {0xc, 0x0},
	     EFFECT_VERIFIED,
	     "reset values read back: BAR0"},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const struct sig_case *c = &cases[i];
		uint8_t img[PCI_CFG_SPACE_SIZE] = {0x86, 0x80, 0xd3, 0x10};
		_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
		struct cfg_saved s;
		struct why why;
		char detail[WHY_MAX];

		print_message("case: %s\n", c->name);
		assert_int_equal(pci_cfg_new_mem(img, sizeof(img), &cfg), 0);
		assert_int_equal(pci_cfg_write16(cfg, PCI_COMMAND, c->cmd_before), 0);
		for (unsigned b = 0; b < 6; b++)
			assert_int_equal(
			    pci_cfg_write32(cfg, PCI_BASE_ADDRESS_0 + 4 * b, c->bar_before[b]), 0);
		assert_int_equal(cfg_save(cfg, false, &s, &why), 0);
		assert_int_equal(pci_cfg_write16(cfg, PCI_COMMAND, c->cmd_after), 0);
		for (unsigned b = 0; b < 6; b++)
			assert_int_equal(
			    pci_cfg_write32(cfg, PCI_BASE_ADDRESS_0 + 4 * b, c->bar_after[b]), 0);
		assert_int_equal(cfg_effect_check(cfg, &s, detail, sizeof(detail)), c->effect);
		if (c->detail)
			assert_non_null(strstr(detail, c->detail));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(pm_ineffective_then_bus),
	    cmocka_unit_test(only_ineffective_fails),
	    cmocka_unit_test(nothing_to_observe_is_unverified),
	    cmocka_unit_test(bus_one_function_keeps_its_bar),
	    cmocka_unit_test(bus_every_function_verified),
	    cmocka_unit_test(wide_bars_verified),
	    cmocka_unit_test(wide_bar_kept),
	    cmocka_unit_test(kernel_and_pciback_unverified),
	    cmocka_unit_test(signature_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
