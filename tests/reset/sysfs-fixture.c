/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The exported tree of tests/reset/test-sysfs-*.c (sysfs-fixture.h). */
#include <ftw.h>
#include <stdio.h>

#include "sysfs-fixture.h"

struct pcirst_sbdf S(const char *s) {
	struct pcirst_sbdf v;

	assert_int_equal(pcirst_sbdf_parse(s, &v), 0);
	return v;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

int sysfs_tree_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();

	add_root_port(m, "0000:00:01.0", 1, 2);
	add_endpoint(m, "0000:01:00.0", "0000:00:01.0", "pciback", true, true);
	devmodel_add(m, &(struct simdev_spec){.sbdf = "0000:01:00.1",
					      .parent = "0000:00:01.0",
					      .vendor = 0x10de,
					      .device = 0x10f0,
					      .class_code = 0x040300,
					      .multifunction = true,
					      .driver = "vfio-pci",
					      .has_iommu_group = true,
					      .iommu_group = 5});
	devmodel_add(m, &(struct simdev_spec){.sbdf = "0000:00:02.0",
					      .vendor = 0x8086,
					      .device = 0x244e,
					      .class_code = 0x060400,
					      .bridge = true,
					      .secondary_bus = 2,
					      .subordinate_bus = 3});
	devmodel_add(m, &(struct simdev_spec){.sbdf = "0000:02:00.0",
					      .parent = "0000:00:02.0",
					      .vendor = 0x104c,
					      .device = 0x8240,
					      .class_code = 0x060400,
					      .bridge = true,
					      .secondary_bus = 3,
					      .subordinate_bus = 3});
	devmodel_add(m, &(struct simdev_spec){.sbdf = "0000:03:01.0",
					      .parent = "0000:02:00.0",
					      .vendor = 0x10ec,
					      .device = 0x8139,
					      .class_code = 0x020000,
					      .revision = 0x20});
	devmodel_add(m, &(struct simdev_spec){.sbdf = "0000:00:03.0",
					      .vendor = 0x8086,
					      .device = 0x10d3,
					      .class_code = 0x020000,
					      .driver = "e1000e",
					      .pcie = true});
	simdev_sriov_enable(devmodel_add(m, &(struct simdev_spec){.sbdf = "0000:04:00.0",
								  .vendor = 0x8086,
								  .device = 0x1521,
								  .class_code = 0x020000,
								  .driver = "igb",
								  .pcie = true,
								  .pf = true,
								  .vf_device = 0x1520}),
			    1);
	devmodel_add(m, &(struct simdev_spec){.sbdf = "0000:04:00.2",
					      .vendor = 0x8086,
					      .device = 0x1520,
					      .class_code = 0x020000,
					      .driver = "xen-pciback",
					      .pcie = true,
					      .vf = true,
					      .physfn = "0000:04:00.0",
					      .kernel_reset = true,
					      .reset_method = "flr"});
	devmodel_set_do_flr(m, true);
	snprintf(f->root, sizeof(f->root), "/tmp/pcirst-sysfs-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	assert_int_equal(devmodel_export(m, f->root), 0);
	assert_int_equal(sysfs_host_new(f->root, &f->host), 0);
	*state = f;
	return 0;
}

int sysfs_tree_teardown(void **state)
{
	struct fixture *f = *state;

	pci_host_free(f->host);
	nftw(f->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}
