/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcirst-simtree DIR: writes a simulated PCI tree under DIR/sys for the
 * demonstration and the daemon's integration tests: the devices of the
 * planned Xen-in-QEMU system test, each behind its own root port.
 *
 *   00:01.0 root port -> 01:00.0 virtio-net   FLR, PM        pciback
 *   00:02.0 root port -> 02:00.0 NVMe         FLR            pciback
 *   00:03.0 root port -> 03:00.0 e1000e       PM (no FLR)    pciback
 *   00:04.0 root port -> 04:00.0 NIC fn 0     FLR            pciback
 *                        04:00.1 NIC fn 1                    e1000e (in use by dom0)
 *   00:1f.2 SATA controller on the root bus                  ahci
 */
#include <stdio.h>

#include "devmodel.h"
#include "enginetest.h"
#include "pci-regs.h"

static void endpoint(struct devmodel *m, struct simdev_spec spec)
{
	spec.pcie = true;
	spec.bar_size[0] = 0x4000;
	spec.has_iommu_group = true;
	simdev_program(devmodel_add(m, &spec));
}

int main(int argc, char **argv)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: pcirst-simtree DIR\n");
		return 2;
	}
	add_root_port(m, "0000:00:01.0", 1, 2);
	add_root_port(m, "0000:00:02.0", 2, 2);
	add_root_port(m, "0000:00:03.0", 3, 2);
	add_root_port(m, "0000:00:04.0", 4, 2);
	endpoint(m, (struct simdev_spec){.sbdf = "0000:01:00.0",
					 .parent = "0000:00:01.0",
					 .vendor = 0x1af4,
					 .device = 0x1041,
					 .subsys_vendor = 0x1af4,
					 .subsys_device = 0x1100,
					 .class_code = 0x020000,
					 .revision = 1,
					 .driver = "pciback",
					 .flr = true,
					 .pm = true,
					 .kernel_reset = true,
					 .reset_method = "flr pm bus",
					 .iommu_group = 1});
	endpoint(m, (struct simdev_spec){.sbdf = "0000:02:00.0",
					 .parent = "0000:00:02.0",
					 .vendor = 0x1b36,
					 .device = 0x0010,
					 .class_code = 0x010802,
					 .revision = 2,
					 .driver = "pciback",
					 .flr = true,
					 .kernel_reset = true,
					 .reset_method = "flr bus",
					 .iommu_group = 2});
	endpoint(m, (struct simdev_spec){.sbdf = "0000:03:00.0",
					 .parent = "0000:00:03.0",
					 .vendor = 0x8086,
					 .device = 0x10d3,
					 .subsys_vendor = 0x8086,
					 .subsys_device = 0x0000,
					 .class_code = 0x020000,
					 .driver = "pciback",
					 .pm = true,
					 .kernel_reset = true,
					 .reset_method = "pm bus",
					 .iommu_group = 3});
	endpoint(m, (struct simdev_spec){.sbdf = "0000:04:00.0",
					 .parent = "0000:00:04.0",
					 .vendor = 0x8086,
					 .device = 0x1521,
					 .class_code = 0x020000,
					 .multifunction = true,
					 .driver = "pciback",
					 .flr = true,
					 .iommu_group = 4});
	endpoint(m, (struct simdev_spec){.sbdf = "0000:04:00.1",
					 .parent = "0000:00:04.0",
					 .vendor = 0x8086,
					 .device = 0x1521,
					 .class_code = 0x020000,
					 .multifunction = true,
					 .driver = "e1000e",
					 .flr = true,
					 .iommu_group = 4});
	devmodel_add(m, &(struct simdev_spec){.sbdf = "0000:00:1f.2",
					      .vendor = 0x8086,
					      .device = 0x2922,
					      .class_code = 0x010601,
					      .driver = "ahci",
					      .pm = true});
	r = devmodel_export(m, argv[1]);
	if (r < 0) {
		fprintf(stderr, "pcirst-simtree: cannot write %s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	return 0;
}
