/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Effect verification of the resets the kernel performs, by the MSI marker
 * (effect-msi.c): a real reset clears it, a reset that did nothing leaves it,
 * MSI that is enabled or absent is never touched, and the saved message
 * registers are written back whatever happens.
 */
#include <stdio.h>

#include "devmodel-internal.h"
#include "effect-msi.h"
#include "enginetest.h"
#include "pci-regs.h"

#define EP	   "0000:01:00.0"
#define MARK_ADDR  0xfee5a5acu
#define MARK_DATA  0xa55au
#define SAVED_ADDR 0xfee01000u /* what a driver left before pci_disable_msi() */
#define SAVED_DATA 0x4021u

static struct simdev *add_msi_dev(struct devmodel *m, bool msi, bool msi_64)
{
	struct simdev *d = devmodel_add(m, &(struct simdev_spec){
					       .sbdf = EP,
					       .vendor = 0x8086,
					       .device = 0x10d3, /* e1000e */
					       .class_code = 0x020000,
					       .driver = "pciback",
					       .pcie = true,
					       .flr = true,
					       .pm = true,
					       .msi = msi,
					       .msi_64 = msi_64,
					       .kernel_reset = true,
					       .reset_method = "flr pm bus",
					       .bar_size = {0x20000},
					   });
	simdev_program(d);
	if (msi)
		simdev_program_msi(d, false, SAVED_ADDR, SAVED_DATA);
	devmodel_set_do_flr(m, true);
	return d;
}

static void assert_msi(const struct simdev *d, uint32_t addr, uint16_t data)
{
	assert_int_equal(simdev_peek32(d, SIM_MSI_CAP + PCI_MSI_ADDRESS_LO), addr);
	assert_int_equal(simdev_peek16(d, simdev_msi_data_off(d)), data);
}

/* A config write of value to the register at off went through the host. */
static bool wrote(const struct devmodel *m, unsigned off, uint32_t value)
{
	for (unsigned i = 0; i < devmodel_log_count(m); i++) {
		const struct devmodel_write *w = devmodel_log_get(m, i);

		if (w->off == off && w->value == value)
			return true;
	}
	return false;
}

/* A kernel reset that happens clears the marker: verified; saved values back. */
static void kernel_and_pciback_verified(void **state)
{
	static const struct {
		const char *method;
		bool msi_64;
	} cases[] = {{"kernel", false}, {"kernel:pm", true}, {"pciback", false}, {"pciback", true}};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
		struct simdev *d = add_msi_dev(m, true, cases[i].msi_64);
		_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

		print_message("case: %s%s\n", cases[i].method, cases[i].msi_64 ? " 64-bit" : "");
		t = test_reset(m, EP, cases[i].method, NULL);
		assert_int_equal(t->verdict, VERDICT_OK);
		assert_int_equal(t->effect, EFFECT_VERIFIED);
		assert_int_equal(t->attempts[0].effect, EFFECT_VERIFIED);
		assert_string_equal(t->attempts[0].effect_detail,
				    "MSI Message Address and Data read back 0 (marker "
				    "0xfee5a5ac/0xa55a cleared)");
		assert_int_equal(simdev_reset_count(d), 1);
		/* The marker went in before the reset; the saved message is back after. */
		assert_true(devmodel_log_find(m, EP, SIM_MSI_CAP + PCI_MSI_ADDRESS_LO) >= 0);
		assert_msi(d, SAVED_ADDR, SAVED_DATA);
		assert_int_equal(simdev_peek16(d, PCI_COMMAND), 0x0006);
	}
}

/* QEMU 7.2's D3hot->D0 under the kernel: the marker stays; next method runs. */
static void kernel_no_effect_ineffective(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d = add_msi_dev(m, true, false);
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	simdev_behaviour(d)->kernel_no_effect = true;
	t = test_reset(m, EP, "kernel,flr", NULL);
	assert_int_equal(t->n_attempts, 2);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_INEFFECTIVE);
	assert_int_equal(t->attempts[0].effect, EFFECT_INEFFECTIVE);
	assert_string_equal(t->attempts[0].message,
			    "MSI address kept 0xfee5a5ac after the kernel's reset");
	assert_int_equal(t->attempts[1].outcome, ATTEMPT_OK);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(t->method.id, RESET_FLR);
	assert_int_equal(t->effect, EFFECT_VERIFIED);
	assert_int_equal(simdev_kernel_reset_count(d), 1);
	assert_int_equal(simdev_reset_count(d), 1); /* only the FLR reset it */
	/* The kernel attempt put the saved message back; the FLR then cleared it. */
	assert_true(wrote(m, SIM_MSI_CAP + PCI_MSI_ADDRESS_LO, SAVED_ADDR));
	assert_true(wrote(m, simdev_msi_data_off(d), SAVED_DATA));
	assert_msi(d, 0, 0);
}

/* Only ineffective methods: the job fails (strict: failed) with the evidence. */
static void ineffective_only_fails(void **state)
{
	static const char *const methods[] = {"kernel", "pciback"};

	for (size_t i = 0; i < ELEMENTSOF(methods); i++) {
		_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
		struct simdev *d = add_msi_dev(m, true, i == 1);
		_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;
		char want[WHY_MAX];

		simdev_behaviour(d)->kernel_no_effect = true;
		t = test_reset(m, EP, methods[i], NULL);
		assert_int_equal(t->verdict, VERDICT_FAILED);
		snprintf(want, sizeof(want),
			 "no method reset " EP ": %s ineffective (MSI address kept 0xfee5a5ac "
			 "after %s)",
			 methods[i], i == 0 ? "the kernel's reset" : "pciback's do_flr");
		assert_string_equal(t->message, want);
		assert_msi(d, SAVED_ADDR, SAVED_DATA);
	}
}

/* No MSI capability, MSI enabled, a register that does not take the marker: unverified. */
static void nothing_to_mark_unverified(void **state)
{
	static const struct {
		const char *name;
		bool msi, enabled, readonly;
		const char *why;
	} cases[] = {
	    {"no MSI", false, false, false, "no MSI capability"},
	    {"MSI enabled", true, true, false, "MSI is enabled"},
	    {"read-only data", true, false, true, "the MSI message registers do not hold a marker"},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
		struct simdev *d = add_msi_dev(m, cases[i].msi, false);
		_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;
		char want[WHY_MAX];

		print_message("case: %s\n", cases[i].name);
		if (cases[i].enabled)
			simdev_program_msi(d, true, SAVED_ADDR, SAVED_DATA);
		if (cases[i].readonly)
			memset(d->wmask + simdev_msi_data_off(d), 0, 2);
		t = test_reset(m, EP, "kernel", NULL);
		assert_int_equal(t->verdict, VERDICT_OK);
		assert_int_equal(t->effect, EFFECT_UNVERIFIED);
		snprintf(want, sizeof(want),
			 "the kernel restores config space inside its reset: nothing to observe "
			 "(%s)",
			 cases[i].why);
		assert_string_equal(t->attempts[0].effect_detail, want);
		if (!cases[i].readonly) /* untouched: not a single write to the capability */
			for (unsigned off = SIM_MSI_CAP; off < SIM_MSI_CAP + 0x0e; off++)
				assert_int_equal(devmodel_log_find(m, EP, off), -1);
		if (cases[i].enabled) /* the kernel restores an enabled MSI itself */
			assert_msi(d, SAVED_ADDR, SAVED_DATA);
	}
}

/* The kernel's reset fails: the saved message is written back all the same. */
static void failed_reset_puts_msi_back(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d = add_msi_dev(m, true, false);
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	simdev_behaviour(d)->kernel_reset_errno = ENOTTY;
	t = test_reset(m, EP, "kernel", NULL);
	assert_int_equal(t->verdict, VERDICT_FAILED);
	assert_int_equal(t->attempts[0].error, ENOTTY);
	assert_true(devmodel_log_find(m, EP, SIM_MSI_CAP + PCI_MSI_ADDRESS_LO) >= 0);
	assert_msi(d, SAVED_ADDR, SAVED_DATA);
}

static uint32_t le32(const uint8_t *b)
{
	return b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void put_le32(uint8_t *b, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

/* msi_marker_check() on a bare config image: every reading, saved values always back. */
static void marker_readings(void **state)
{
	static const struct {
		uint32_t addr;
		uint16_t data;
		int effect;
	} cases[] = {
	    {0, 0, EFFECT_VERIFIED},
	    {MARK_ADDR, MARK_DATA, EFFECT_INEFFECTIVE},
	    {0, MARK_DATA, EFFECT_UNVERIFIED},
	    {MARK_ADDR, 0, EFFECT_UNVERIFIED},
	    {0x12345678, 0x9abc, EFFECT_UNVERIFIED},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		uint8_t img[PCI_CFG_SPACE_SIZE] = {0};
		struct pci_cfg *cfg = NULL;
		struct msi_marker mk;
		char detail[WHY_MAX];

		img[PCI_STATUS] = PCI_STATUS_CAP_LIST;
		img[PCI_CAPABILITY_LIST] = 0x50;
		img[0x50] = PCI_CAP_ID_MSI;
		put_le32(img + 0x54, SAVED_ADDR);
		put_le32(img + 0x58, SAVED_DATA);
		assert_int_equal(pci_cfg_new_mem(img, sizeof(img), &cfg), 0);
		msi_marker_place(cfg, &mk);
		assert_true(mk.set);
		assert_int_equal(le32(img + 0x54), MARK_ADDR);
		assert_int_equal(le32(img + 0x58), MARK_DATA);
		put_le32(img + 0x54, cases[i].addr);
		put_le32(img + 0x58, cases[i].data);
		assert_int_equal(msi_marker_check(cfg, &mk, detail, sizeof(detail)),
				 cases[i].effect);
		assert_false(mk.set);
		assert_int_equal(le32(img + 0x54), SAVED_ADDR);
		assert_int_equal(le32(img + 0x58), SAVED_DATA);
		pci_cfg_free(cfg);
	}
}

/* A looping capability list: no marker, not one byte written. */
static void hostile_list_untouched(void **state)
{
	uint8_t img[PCI_CFG_SPACE_SIZE] = {0}, before[PCI_CFG_SPACE_SIZE];
	struct pci_cfg *cfg = NULL;
	struct msi_marker mk;

	img[PCI_STATUS] = PCI_STATUS_CAP_LIST;
	img[PCI_CAPABILITY_LIST] = 0x40;
	img[0x40] = PCI_CAP_ID_PM, img[0x41] = 0x40; /* points at itself */
	memcpy(before, img, sizeof(img));
	assert_int_equal(pci_cfg_new_mem(img, sizeof(img), &cfg), 0);
	msi_marker_place(cfg, &mk);
	assert_false(mk.set);
	assert_non_null(strstr(mk.why_not, "capability list unusable"));
	assert_memory_equal(img, before, sizeof(img));
	pci_cfg_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(kernel_and_pciback_verified),
	    cmocka_unit_test(kernel_no_effect_ineffective),
	    cmocka_unit_test(ineffective_only_fails),
	    cmocka_unit_test(nothing_to_mark_unverified),
	    cmocka_unit_test(failed_reset_puts_msi_back),
	    cmocka_unit_test(marker_readings),
	    cmocka_unit_test(hostile_list_untouched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
