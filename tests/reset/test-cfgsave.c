/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Save, restore, verify and readiness (daemon/reset/cfgsave.c) on config
 * space a guest controlled a moment ago or that vanishes under the daemon:
 * every single access failing in turn (the function gone in the middle of a
 * save, a restore or a check) gives an error that names the access, never
 * success or a crash; a function that comes back as someone else, with its
 * ROM BAR, Command register or (a VF) class changed, or with its VFs gone,
 * fails verification with the register named; and readiness waits through
 * all-ones, Configuration Request Retry and foreign ids.
 */
#include <errno.h>
#include <stdio.h>

#include "cfgsave.h"
#include "pci-regs.h"
#include "testlib.h"

#define SRIOV 0x100

/* A PCIe endpoint with PM at 0x40, PCIe (version 2) at 0x50, SR-IOV (VFs enabled) at 0x100. */
static void build(uint8_t *c)
{
	memset(c, 0, 4096);
	c[0x00] = 0x86, c[0x01] = 0x80, c[0x02] = 0xd3, c[0x03] = 0x10; /* 8086:10d3 */
	c[0x04] = 0x06;							/* memory, master */
	c[0x06] = 0x10;							/* capability list */
	c[0x08] = 0x01, c[0x0b] = 0x02;					/* class 020000 */
	c[0x0c] = 0x10, c[0x0d] = 0x20;
	c[0x10] = 0x00, c[0x11] = 0x00, c[0x12] = 0x00, c[0x13] = 0xfe; /* BAR0 */
	c[0x30] = 0x00, c[0x31] = 0x00, c[0x32] = 0xf0, c[0x33] = 0xfe; /* ROM */
	c[0x34] = 0x40;
	c[0x3c] = 0x0b;
	c[0x40] = PCI_CAP_ID_PM, c[0x41] = 0x50, c[0x42] = 0x03;
	c[0x50] = PCI_CAP_ID_EXP, c[0x51] = 0x00, c[0x52] = 0x02; /* version 2 */
	c[0x50 + PCI_EXP_DEVCTL] = 0x10;
	c[SRIOV] = 0x10, c[SRIOV + 2] = 0x01; /* SR-IOV, version 1, last */
	c[SRIOV + PCI_SRIOV_CTRL] = PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE;
	c[SRIOV + PCI_SRIOV_NUM_VF] = 2;
	c[SRIOV + PCI_SRIOV_SYS_PGSIZE] = 1;
	c[SRIOV + PCI_SRIOV_BAR + 3] = 0xfd;
}

/* Config space in memory whose access number fail_at (0: the first) fails with -ENODEV. */
struct flaky {
	uint8_t cfg[4096];
	unsigned accesses, fail_at;
	bool failed;
};

static bool flaky_fails(struct flaky *f)
{
	if (f->accesses++ != f->fail_at)
		return false;
	f->failed = true;
	return true;
}

static ssize_t flaky_read(void *ud, unsigned off, void *buf, size_t len)
{
	struct flaky *f = ud;

	if (flaky_fails(f))
		return -ENODEV;
	memcpy(buf, f->cfg + off, len);
	return (ssize_t)len;
}

static ssize_t flaky_write(void *ud, unsigned off, const void *buf, size_t len)
{
	struct flaky *f = ud;

	if (flaky_fails(f))
		return -ENODEV;
	memcpy(f->cfg + off, buf, len);
	return (ssize_t)len;
}

static void flaky_free(void *ud)
{
	(void)ud;
}

static const struct pci_cfg_ops flaky_ops = {flaky_read, flaky_write, flaky_free};

enum step {
	SAVE,
	RESTORE
};

/* Runs save (and restore after an FLR, then verify) with access n failing. */
static int run(struct flaky *f, enum step upto, unsigned n, struct why *why)
{
	struct pci_cfg *cfg = NULL;
	struct cfg_saved s;
	int r;

	build(f->cfg);
	f->accesses = 0;
	f->failed = false;
	f->fail_at = n;
	assert_int_equal(pci_cfg_new(&flaky_ops, f, 4096, &cfg), 0);
	r = cfg_save(cfg, false, &s, why);
	if (r >= 0 && upto >= RESTORE) {
		/* What an FLR clears: BAR, ROM, Command, Device Control, the VFs. */
		memset(f->cfg + 0x04, 0, 2);
		memset(f->cfg + 0x0c, 0, 2);
		memset(f->cfg + 0x10, 0, 4);
		memset(f->cfg + 0x30, 0, 4);
		memset(f->cfg + 0x3c, 0, 1);
		memset(f->cfg + 0x50 + PCI_EXP_DEVCTL, 0, 2);
		memset(f->cfg + SRIOV + PCI_SRIOV_CTRL, 0, 2);
		memset(f->cfg + SRIOV + PCI_SRIOV_NUM_VF, 0, 2);
		memset(f->cfg + SRIOV + PCI_SRIOV_BAR, 0, 4);
		r = cfg_restore(cfg, &s, why);
		/* A read restore only uses to skip writes may fail: then it writes all; a
		 * restore that says it succeeded must have restored everything. */
		if (r >= 0)
			r = cfg_verify(cfg, &s, why);
	}
	pci_cfg_free(cfg);
	return r;
}

/*
 * Each access of save, restore and verify failing in turn: an error naming
 * it, or (a read restore may do without) a restore verified complete.
 */
static void every_access_failing(void **state)
{
	static const char *const steps[] = {"save", "restore and verify"};
	struct flaky f;
	struct why why;
	unsigned total[2], tolerated = 0;

	(void)state;
	for (enum step st = SAVE; st <= RESTORE; st++) {
		/* How many accesses the step makes when nothing fails. */
		assert_int_equal(run(&f, st, UINT32_MAX, &why), 0);
		total[st] = f.accesses;
	}
	/* Restore and verify run together: verification is part of restore's outcome. */
	for (unsigned n = 0; n < total[RESTORE]; n++) {
		enum step st = n < total[SAVE] ? SAVE : RESTORE;
		int r;

		why.msg[0] = '\0';
		r = run(&f, st, n, &why);
		assert_true(f.failed);
		if (r == 0 && st == RESTORE) {
			tolerated++;
			continue;
		}
		/* "device gone while reading (offset 0x...)", or the capability walk's words */
		if (r != -ENODEV || !strstr(why.msg, "gone"))
			fail_msg("%s, access %u failing: %d '%s'", steps[st], n, r, why.msg);
	}
	print_message("accesses: save %u, restore and verify %u; each failed in turn, %u "
		      "restore reads done without\n",
		      total[SAVE], total[RESTORE] - total[SAVE], tolerated);
	assert_true(total[SAVE] > 5 && total[RESTORE] > total[SAVE] + 15);
	assert_true(tolerated < total[RESTORE] - total[SAVE]);
}

/*
 * The engine's way for an FLR: the check finds the capabilities on one
 * header block (cfg_caps_find()), the save reuses them (cfg_save_known()).
 * Each access failing in turn is an error naming the device gone, never a
 * save that succeeded on what it could not read; and it takes fewer
 * accesses than the check's own walk plus a save.
 */
static void save_known_every_access_failing(void **state)
{
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	struct cfg_saved s, plain;
	struct cfg_caps caps;
	struct flaky f;
	struct why why;
	unsigned total;
	int r;

	(void)state;
	build(f.cfg);
	f.fail_at = UINT32_MAX;
	f.accesses = 0;
	assert_int_equal(pci_cfg_new(&flaky_ops, &f, 4096, &cfg), 0);
	assert_int_equal(cfg_caps_find(cfg, &caps, &why), 0);
	assert_true(caps.header_ok);
	assert_int_equal(cfg_save_known(cfg, false, &caps, &s, &why), 0);
	total = f.accesses;
	f.accesses = 0;
	assert_int_equal(cfg_save(cfg, false, &plain, &why), 0);
	assert_memory_equal(s.header, plain.header, sizeof(s.header));
	assert_int_equal(s.pcie, plain.pcie);
	assert_int_equal(s.devctl, plain.devctl);
	assert_int_equal(s.sriov_num_vfs, plain.sriov_num_vfs);
	/* The header block and the walk's first reads are the save's: fewer than a walk of its
	 * own (which still reads Vendor ID, Status and the pointer) plus the save. */
	assert_true(total < f.accesses);
	for (unsigned n = 0; n < total; n++) {
		build(f.cfg);
		f.accesses = 0;
		f.failed = false;
		f.fail_at = n;
		why.msg[0] = '\0';
		r = cfg_caps_find(cfg, &caps, &why);
		if (r >= 0)
			r = cfg_save_known(cfg, false, &caps, &s, &why);
		assert_true(f.failed);
		if (r != -ENODEV || !strstr(why.msg, "gone"))
			fail_msg("access %u failing: %d '%s'", n, r, why.msg);
	}
}

static void put32(uint8_t *c, unsigned off, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		c[off + i] = (uint8_t)(v >> (8 * i));
}

/* What a function may come back as after its reset, and what verification says of it. */
static void verify_names_the_register(void **state)
{
	static const struct {
		const char *what;
		unsigned off;
		uint32_t val;
		int width; /* 4, 2 or 1 */
		bool vf;
		int err;
		const char *why;
	} cases[] = {
	    {"another device", 0x00, 0x15338086, 4, false, -EIO,
	     "device identity changed: 8086:10d3 before, 8086:1533 after"},
	    {"all ones", 0x00, 0xffffffff, 4, false, -ENODEV, "device not responding after reset"},
	    {"ROM BAR", 0x30, 0, 4, false, -EIO,
	     "expansion ROM BAR reads 0x00000000 instead of 0xfef00000"},
	    {"Command", 0x04, 0x0002, 2, false, -EIO,
	     "Command register reads 0x0002 instead of 0x0006"},
	    {"VFs gone", SRIOV + PCI_SRIOV_CTRL, 0, 2, false, -EIO,
	     "SR-IOV VF Enable 0, NumVFs 2 after restore instead of 1, 2"},
	    {"NumVFs lost", SRIOV + PCI_SRIOV_NUM_VF, 0, 2, false, -EIO,
	     "SR-IOV VF Enable 1, NumVFs 0 after restore instead of 1, 2"},
	    {"VF class", 0x08, 0x01800001, 4, true, -EIO,
	     "virtual function's class/revision changed: 02000001 before, 01800001 after"},
	    {"VF gone", 0x04, 0xffffffff, 4, true, -ENODEV,
	     "virtual function not responding after reset"},
	};
	uint8_t c[4096];

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct pci_cfg *cfg = NULL;
		struct cfg_saved s;
		struct why why = {""};
		int r;

		build(c);
		if (cases[i].vf)
			put32(c, 0, 0xffffffff); /* a VF's Vendor/Device ID */
		assert_int_equal(pci_cfg_new_mem(c, sizeof(c), &cfg), 0);
		assert_int_equal(cfg_save(cfg, cases[i].vf, &s, &why), 0);
		assert_int_equal(cfg_verify(cfg, &s, &why), 0);
		if (cases[i].width == 4)
			assert_int_equal(pci_cfg_write32(cfg, cases[i].off, cases[i].val), 0);
		else
			assert_int_equal(pci_cfg_write16(cfg, cases[i].off, (uint16_t)cases[i].val),
					 0);
		r = cfg_verify(cfg, &s, &why);
		if (r != cases[i].err || !strstr(why.msg, cases[i].why))
			fail_msg("%s: %d '%s', expected %d '%s'", cases[i].what, r, why.msg,
				 cases[i].err, cases[i].why);
		pci_cfg_free(cfg);
	}
}

/* Restore brings the VFs back when the reset cleared VF Enable and NumVFs (QEMU's PF FLR). */
static void restore_brings_vfs_back(void **state)
{
	uint8_t c[4096];
	struct pci_cfg *cfg = NULL;
	struct cfg_saved s;
	struct why why = {""};
	uint16_t v;

	(void)state;
	build(c);
	assert_int_equal(pci_cfg_new_mem(c, sizeof(c), &cfg), 0);
	assert_int_equal(cfg_save(cfg, false, &s, &why), 0);
	/* Kept VF Enable but lost NumVFs: VF Enable is cleared before NumVFs is written. */
	assert_int_equal(pci_cfg_write16(cfg, SRIOV + PCI_SRIOV_NUM_VF, 0), 0);
	assert_int_equal(pci_cfg_write32(cfg, SRIOV + PCI_SRIOV_BAR, 0), 0);
	assert_int_equal(cfg_restore(cfg, &s, &why), 0);
	assert_int_equal(cfg_verify(cfg, &s, &why), 0);
	assert_int_equal(pci_cfg_read16(cfg, SRIOV + PCI_SRIOV_NUM_VF, &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(pci_cfg_read16(cfg, SRIOV + PCI_SRIOV_CTRL, &v), 0);
	assert_int_equal(v, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	pci_cfg_free(cfg);
}

/* Readiness: all ones, CRS and other ids wait (with the reason); the saved ids answer. */
static void readiness_waits_for_its_own_ids(void **state)
{
	static const struct {
		uint32_t ids;
		int want;
		const char *why;
	} cases[] = {
	    {0xffffffff, 0, "reads all-ones"},
	    {0x10d30001, 0, "answers Configuration Request Retry"},
	    {0x15338086, 0, "reads 8086:1533 instead of 8086:10d3"},
	    {0x10d38086, 1, ""},
	};
	uint8_t c[4096];
	struct pci_cfg *cfg = NULL;
	struct cfg_saved s;
	struct why why;

	(void)state;
	build(c);
	assert_int_equal(pci_cfg_new_mem(c, sizeof(c), &cfg), 0);
	assert_int_equal(cfg_save(cfg, false, &s, &why), 0);
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		why.msg[0] = '\0';
		put32(c, 0, cases[i].ids);
		assert_int_equal(cfg_ready(cfg, &s, &why), cases[i].want);
		assert_string_equal(why.msg, cases[i].why);
	}
	/* Without saved ids (nothing to compare), any answer counts. */
	put32(c, 0, 0x15338086);
	assert_int_equal(cfg_ready(cfg, NULL, &why), 1);
	pci_cfg_free(cfg);
}

/* A VF is ready when its Command dword answers and its class is its own. */
static void vf_readiness(void **state)
{
	uint8_t c[4096];
	struct pci_cfg *cfg = NULL;
	struct cfg_saved s;
	struct why why = {""};

	(void)state;
	build(c);
	put32(c, 0, 0xffffffff);
	assert_int_equal(pci_cfg_new_mem(c, sizeof(c), &cfg), 0);
	assert_int_equal(cfg_save(cfg, true, &s, &why), 0);
	put32(c, 0x04, 0xffffffff);
	assert_int_equal(cfg_ready(cfg, &s, &why), 0);
	assert_string_equal(why.msg, "Command/Status reads all-ones");
	put32(c, 0x04, 0x00100006);
	put32(c, 0x08, 0x01800001);
	assert_int_equal(cfg_ready(cfg, &s, &why), 0); /* not itself yet */
	put32(c, 0x08, 0x02000001);
	assert_int_equal(cfg_ready(cfg, &s, &why), 1);
	pci_cfg_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_access_failing),
	    cmocka_unit_test(save_known_every_access_failing),
	    cmocka_unit_test(verify_names_the_register),
	    cmocka_unit_test(restore_brings_vfs_back),
	    cmocka_unit_test(readiness_waits_for_its_own_ids),
	    cmocka_unit_test(vf_readiness),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
