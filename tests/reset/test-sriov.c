/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SR-IOV: a VF (Vendor/Device ID 0xffff by definition) reset by FLR and
 * verified; a PF whose VFs are in use refused, naming them; a PF reset that
 * brings its VFs back (the SR-IOV capability saved and restored).
 */
#include <stdio.h>
#include <sys/stat.h>

#include "capwalk.h"
#include "ctlrun.h"
#include "enginetest.h"
#include "pci-regs.h"

#define PF	   "0000:03:00.0"
#define VF1	   "0000:03:00.1"
#define VF2	   "0000:03:00.2"
#define SRIOV(reg) (SIM_SRIOV_CAP + (reg))

static struct simdev *add_pf(struct devmodel *m, const char *driver)
{
	struct simdev_spec s = nvme_spec(PF, driver);
	struct simdev *d;

	s.multifunction = true;
	s.pf = true;
	s.total_vfs = 2;
	s.vf_device = 0x0010;
	d = devmodel_add(m, &s);
	simdev_program(d);
	return d;
}

static struct simdev *add_vf(struct devmodel *m, const char *sbdf, const char *driver)
{
	struct simdev_spec s = nvme_spec(sbdf, driver);

	s.vf = true;
	s.physfn = PF;
	return devmodel_add(m, &s);
}

/* Bus Master Enable: the one Command bit a VF implements (SR-IOV 1.1 §3.4.1.3). */
static void vf_set_bme(struct simdev *vf)
{
	simdev_cfg(vf)[PCI_COMMAND] = 0x04;
}

static void vf_flr_resets_and_verifies(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *pf = add_pf(m, "nvme");
	struct simdev *vf = add_vf(m, VF1, "pciback");
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	add_vf(m, VF2, "");
	simdev_sriov_enable(pf, 2);
	vf_set_bme(vf);
	assert_int_equal(simdev_peek32(vf, PCI_VENDOR_ID), 0xffffffff);
	t = test_reset(m, VF1, "", NULL); /* the default order: FLR is the one a VF has */
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(t->method.id, RESET_FLR);
	assert_int_equal(t->effect, EFFECT_VERIFIED);
	assert_non_null(strstr(t->attempts[0].effect_detail, "Command (was 0x0004)"));
	assert_int_equal(simdev_reset_count(vf), 1);
	assert_int_equal(simdev_peek16(vf, PCI_COMMAND), 0x0004); /* restored */
	assert_int_equal(simdev_reset_count(pf), 0);
	assert_int_equal(simdev_peek16(pf, SRIOV(PCI_SRIOV_CTRL)) & PCI_SRIOV_CTRL_VFE, 1);
}

/* A VF whose PF's VF Enable went away reads all-ones everywhere: not ready, not reset. */
static void vf_without_vf_enable_not_responding(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *pf = add_pf(m, "nvme");
	struct simdev *vf = add_vf(m, VF1, "pciback");
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	(void)pf;
	t = test_reset(m, VF1, "flr", NULL);
	assert_int_equal(t->verdict, VERDICT_FAILED);
	assert_non_null(strstr(t->message, "not responding"));
	assert_int_equal(simdev_reset_count(vf), 0);
}

/* Without sysfs's vendor/device files a VF's identity comes from its PF. */
static void vf_identity_from_pf(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	_cleanup_(pci_host_freep) struct pci_host *host = NULL;
	struct simdev *pf = add_pf(m, "nvme");
	struct pci_dev_info info;
	struct pcirst_sbdf s;
	char root[] = "/tmp/pcirst-sriov-XXXXXX", path[512], cmd[600];

	add_vf(m, VF1, "pciback");
	simdev_sriov_enable(pf, 2);
	assert_non_null(mkdtemp(root));
	assert_int_equal(devmodel_export(m, root), 0);
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/vendor", root, VF1);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/device", root, VF1);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(sysfs_host_new(root, &host), 0);
	assert_int_equal(pcirst_sbdf_parse(VF1, &s), 0);
	assert_int_equal(pci_host_info(host, &s, &info, NULL), 0);
	assert_true(info.is_vf);
	assert_int_equal(info.vendor, 0x1b36);
	assert_int_equal(info.device, 0x0010);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static struct reset_trail *reset_pf(struct devmodel *m, const char *assigned)
{
	struct pcirst_sbdf target, in_use;
	struct reset_options opts = {.targets = &target, .n_targets = 1};
	struct reset_method_spec flr = {.id = RESET_FLR};
	struct reset_trail *t = NULL;

	assert_int_equal(pcirst_sbdf_parse(PF, &target), 0);
	if (assigned) {
		assert_int_equal(pcirst_sbdf_parse(assigned, &in_use), 0);
		opts.assigned = &in_use;
		opts.n_assigned = 1;
	}
	opts.methods = &flr;
	opts.n_methods = 1;
	test_timing(&opts.timing);
	assert_int_equal(reset_run_sync(devmodel_host(m), &opts, &t), 0);
	return t;
}

static void pf_refused_while_vfs_in_use(void **state)
{
	static const struct {
		const char *vf1_driver, *vf2_driver, *assigned, *message;
	} cases[] = {
	    {"nvme", "pciback", NULL, "in use: 0000:03:00.1 (driver 'nvme')"},
	    {"pciback", "pciback", VF2, "this one is in use: 0000:03:00.2 (assigned to a domain)"},
	    {"nvme", "", VF2,
	     "these are in use: 0000:03:00.1 (driver 'nvme'), 0000:03:00.2 (assigned to a "
	     "domain)"},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
		struct simdev *pf = add_pf(m, "pciback");
		_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

		add_vf(m, VF1, cases[i].vf1_driver);
		add_vf(m, VF2, cases[i].vf2_driver);
		simdev_sriov_enable(pf, 2);
		devmodel_log_clear(m);
		t = reset_pf(m, cases[i].assigned);
		print_message("case %zu: %s\n", i, t->message);
		assert_int_equal(t->verdict, VERDICT_FAILED);
		assert_int_equal(t->attempts[0].outcome, ATTEMPT_REFUSED);
		assert_non_null(strstr(t->attempts[0].message, cases[i].message));
		assert_int_equal(simdev_reset_count(pf), 0);
		assert_int_equal(devmodel_log_find(m, PF, PCI_COMMAND), -1); /* nothing written */
	}
}

static void pf_reset_brings_vfs_back(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *pf = add_pf(m, "pciback");
	struct simdev *vf = add_vf(m, VF1, "pciback");
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;
	uint8_t *c = simdev_cfg(pf);

	add_vf(m, VF2, "");
	simdev_sriov_enable(pf, 2);
	c[SRIOV(PCI_SRIOV_BAR) + 2] = 0x10; /* VF BAR0 at 0x00100000 */
	c[SRIOV(PCI_SRIOV_SYS_PGSIZE)] = 0x02;
	t = reset_pf(m, NULL);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(t->effect, EFFECT_VERIFIED);
	assert_int_equal(simdev_reset_count(pf), 1);
	/* The capability as it was: VF Enable, VF MSE, NumVFs, page size, VF BAR. */
	assert_int_equal(simdev_peek16(pf, SRIOV(PCI_SRIOV_CTRL)),
			 PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	assert_int_equal(simdev_peek16(pf, SRIOV(PCI_SRIOV_NUM_VF)), 2);
	assert_int_equal(simdev_peek32(pf, SRIOV(PCI_SRIOV_SYS_PGSIZE)), 2);
	assert_int_equal(simdev_peek32(pf, SRIOV(PCI_SRIOV_BAR)), 0x00100000);
	/* VF Enable written last, after NumVFs (SR-IOV 1.1 §3.3.3.1). */
	assert_true(devmodel_log_find(m, PF, SRIOV(PCI_SRIOV_CTRL)) >
		    devmodel_log_find(m, PF, SRIOV(PCI_SRIOV_NUM_VF)));
	/* The VFs answer again. */
	assert_int_equal(simdev_peek32(vf, PCI_REVISION_ID) >> 8, 0x010802);
	assert_int_not_equal(simdev_peek32(vf, PCI_COMMAND), 0xffffffff);
}

/* What pcirstctl probe shows: the PF's VFs, the VF's PF, and the refusal. */
static void probe_relations(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *pf = add_pf(m, "pciback");
	struct probe_result p;
	struct pcirst_sbdf s;
	char a[PCIRST_SBDF_STRLEN], b[PCIRST_SBDF_STRLEN];

	add_vf(m, VF1, "nvme");
	add_vf(m, VF2, "");
	simdev_sriov_enable(pf, 2);
	assert_int_equal(pcirst_sbdf_parse(PF, &s), 0);
	assert_int_equal(reset_probe(devmodel_host(m), &s, &p), 0);
	assert_true(p.info.is_pf);
	assert_int_equal(p.n_vfs, 2);
	assert_string_equal(pcirst_sbdf_format(&p.vfs[0], a), VF1);
	assert_string_equal(pcirst_sbdf_format(&p.vfs[1], b), VF2);
	assert_int_equal(p.methods[RESET_FLR].status, PROBE_REFUSED);
	assert_non_null(strstr(p.methods[RESET_FLR].why, "0000:03:00.1 (driver 'nvme')"));
	assert_int_equal(pcirst_sbdf_parse(VF2, &s), 0);
	assert_int_equal(reset_probe(devmodel_host(m), &s, &p), 0);
	assert_true(p.info.is_vf);
	assert_string_equal(pcirst_sbdf_format(&p.info.physfn, a), PF);
	assert_int_equal(p.methods[RESET_FLR].status, PROBE_SUPPORTED);
	assert_int_equal(p.methods[RESET_PM].status, PROBE_UNSUPPORTED);
}

/* pcirstctl probe on the exported tree: the sriov line and the JSON fields. */
static void probe_cli_relations(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *pf = add_pf(m, "pciback");
	char root[] = "/tmp/pcirst-sriov-XXXXXX", cmd[600], *vfs, *end;
	struct ctl_run r;

	add_vf(m, VF1, "pciback");
	add_vf(m, VF2, "");
	simdev_sriov_enable(pf, 2);
	assert_non_null(mkdtemp(root));
	assert_int_equal(devmodel_export(m, root), 0);
	/* One line each: the relations lead the words. */
	r = ctl_run((const char *const[]){"--sysfs-root", root, "probe", PF, VF2, NULL});
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "[PF, VFs 0000:03:00.1 0000:03:00.2] "));
	assert_non_null(strstr(r.out, "[VF of 0000:03:00.0] "));
	ctl_run_free(&r);
	r = ctl_run((const char *const[]){"--sysfs-root", root, "probe", "-v", PF, VF2, NULL});
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "    sriov    PF          VFs 0000:03:00.1 0000:03:00.2\n"));
	assert_non_null(strstr(r.out, "    sriov    VF          VF of 0000:03:00.0\n"));
	ctl_run_free(&r);
	r = ctl_run((const char *const[]){"--sysfs-root", root, "probe", "--json", PF, VF2, NULL});
	assert_int_equal(r.status, 0);
	vfs = strstr(r.out, "\"vfs\":[");
	assert_non_null(vfs);
	end = strchr(vfs, ']');
	assert_non_null(end);
	*end = '\0';
	assert_non_null(strstr(vfs, "\"0000:03:00.1\""));
	assert_non_null(strstr(vfs, "\"0000:03:00.2\""));
	assert_non_null(strstr(end + 1, "\"physfn\":\"0000:03:00.0\""));
	ctl_run_free(&r);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

/* QEMU 7.2's FLR keeps VF Enable but clears NumVFs: VF Enable is cleared to restore. */
static void pf_reset_keeping_vf_enable(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *pf = add_pf(m, "");
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	add_vf(m, VF1, "pciback");
	simdev_sriov_enable(pf, 2);
	simdev_behaviour(pf)->reset_keeps_vf_enable = true;
	t = reset_pf(m, NULL);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(simdev_reset_count(pf), 1);
	assert_int_equal(simdev_peek16(pf, SRIOV(PCI_SRIOV_NUM_VF)), 2);
	assert_int_equal(simdev_peek16(pf, SRIOV(PCI_SRIOV_CTRL)),
			 PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(vf_flr_resets_and_verifies),
	    cmocka_unit_test(vf_without_vf_enable_not_responding),
	    cmocka_unit_test(vf_identity_from_pf),
	    cmocka_unit_test(pf_refused_while_vfs_in_use),
	    cmocka_unit_test(pf_reset_brings_vfs_back),
	    cmocka_unit_test(probe_relations),
	    cmocka_unit_test(probe_cli_relations),
	    cmocka_unit_test(pf_reset_keeping_vf_enable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
