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

/* A source of the functions domains hold that counts how often the engine asks. */
struct held {
	const char *sbdf; /* NULL: none */
	int error;	  /* < 0: the source fails so */
	unsigned asked;
};

static int held_list(void *userdata, struct pcirst_sbdf **out, unsigned *n)
{
	struct held *h = userdata;

	h->asked++;
	if (h->error < 0)
		return h->error;
	*out = NULL;
	*n = 0;
	if (!h->sbdf)
		return 0;
	*out = malloc(sizeof(**out));
	assert_non_null(*out);
	assert_int_equal(pcirst_sbdf_parse(h->sbdf, *out), 0);
	*n = 1;
	return 0;
}

/* Resets target with the comma-separated methods ("": the default order). */
static struct reset_trail *reset_with(struct devmodel *m, const char *target, const char *methods,
				      struct held *held)
{
	struct pcirst_sbdf t;
	struct reset_method_spec specs[_RESET_METHOD_MAX];
	struct reset_options opts = {.targets = &t, .n_targets = 1};
	struct reset_trail *trail = NULL;
	char list[64], *save = NULL;

	assert_int_equal(pcirst_sbdf_parse(target, &t), 0);
	snprintf(list, sizeof(list), "%s", methods);
	for (char *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		assert_true(opts.n_methods < _RESET_METHOD_MAX);
		assert_int_equal(reset_method_spec_parse(w, &specs[opts.n_methods++]), 0);
	}
	opts.methods = opts.n_methods ? specs : NULL;
	if (held)
		opts.assigned = (struct reset_assigned_source){held_list, held};
	test_timing(&opts.timing);
	assert_int_equal(reset_run_sync(devmodel_host(m), &opts, &trail), 0);
	return trail;
}

static struct reset_trail *reset_pf(struct devmodel *m, const char *assigned)
{
	struct held held = {.sbdf = assigned};

	return reset_with(m, PF, "flr", &held);
}

/*
 * A PF whose VFs are in use is refused by the engine (verdict refused, not
 * failed): every method would take the VFs away, so none is tried after the
 * first refusal, whatever the method order.
 */
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
		for (int order = 0; order < 2; order++) {
			_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
			struct simdev *pf = add_pf(m, "pciback");
			_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;
			struct held held = {.sbdf = cases[i].assigned};

			add_vf(m, VF1, cases[i].vf1_driver);
			add_vf(m, VF2, cases[i].vf2_driver);
			simdev_sriov_enable(pf, 2);
			devmodel_log_clear(m);
			t = reset_with(m, PF, order ? "" : "flr", &held);
			print_message("case %zu, %s: %s\n", i, order ? "default order" : "flr",
				      t->message);
			assert_int_equal(t->verdict, VERDICT_REFUSED);
			assert_string_equal(reset_verdict_name(t->verdict), "refused");
			assert_int_equal(t->n_attempts, 1);
			assert_int_equal(t->attempts[0].outcome, ATTEMPT_REFUSED);
			assert_non_null(strstr(t->attempts[0].message, cases[i].message));
			/* The summary is the refusal itself, naming the VFs. */
			assert_non_null(strstr(t->message, "0000:03:00.0 is an SR-IOV PF"));
			assert_non_null(strstr(t->message, cases[i].message));
			assert_false(reset_trail_acted(t));
			assert_int_equal(held.asked, 1);
			assert_int_equal(simdev_reset_count(pf), 0);
			assert_int_equal(devmodel_log_find(m, PF, PCI_COMMAND),
					 -1); /* nothing written */
		}
	}
}

/*
 * Which functions domains hold costs the daemon xenstore round trips: the
 * engine asks only for a PF with VFs, and once per job however many
 * methods it tries; a source that fails leaves the VFs' drivers to judge.
 */
static void assigned_asked_only_for_a_pf_with_vfs(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *pf = add_pf(m, "pciback");
	struct simdev *other;
	struct simdev_spec spec = nvme_spec("0000:04:00.0", "pciback");
	struct reset_trail *t;
	struct held held = {0};

	other = devmodel_add(m, &spec);
	simdev_program(other);
	/* A function without SR-IOV, and the PF before its VFs are enabled: never asked. */
	t = reset_with(m, "0000:04:00.0", "flr", &held);
	assert_int_equal(t->verdict, VERDICT_OK);
	reset_trail_free(t);
	t = reset_with(m, PF, "flr", &held);
	assert_int_equal(t->verdict, VERDICT_OK);
	reset_trail_free(t);
	assert_int_equal(held.asked, 0);

	/* A VF: never asked either (its reset leaves its siblings alone). */
	add_vf(m, VF1, "pciback");
	add_vf(m, VF2, "");
	simdev_sriov_enable(pf, 2);
	t = reset_with(m, VF1, "flr", &held);
	assert_int_equal(t->verdict, VERDICT_OK);
	reset_trail_free(t);
	assert_int_equal(held.asked, 0);

	/* The PF with VFs: asked once, though three methods are tried (FLR shows no effect). */
	simdev_behaviour(pf)->flr_no_effect = true;
	simdev_program(pf);
	t = reset_with(m, PF, "flr,af-flr,pm", &held);
	assert_int_equal(t->verdict, VERDICT_FAILED);
	assert_int_equal(t->n_attempts, 3);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_INEFFECTIVE);
	reset_trail_free(t);
	assert_int_equal(held.asked, 1);

	/* A failing source: the VFs are judged by their drivers alone. */
	simdev_behaviour(pf)->flr_no_effect = false;
	held = (struct held){.sbdf = VF1, .error = -ENOTCONN};
	t = reset_with(m, PF, "flr", &held);
	assert_int_equal(t->verdict, VERDICT_OK);
	reset_trail_free(t);
	assert_int_equal(held.asked, 1);
	simdev_set_driver(devmodel_find(m, VF2), "nvme");
	t = reset_with(m, PF, "flr", &held);
	assert_int_equal(t->verdict, VERDICT_REFUSED);
	assert_non_null(strstr(t->message, "0000:03:00.2 (driver 'nvme')"));
	assert_null(strstr(t->message, VF1));
	reset_trail_free(t);
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
	    cmocka_unit_test(assigned_asked_only_for_a_pf_with_vfs),
	    cmocka_unit_test(pf_reset_brings_vfs_back),
	    cmocka_unit_test(probe_relations),
	    cmocka_unit_test(probe_cli_relations),
	    cmocka_unit_test(pf_reset_keeping_vf_enable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
