/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bench's simulated tree (tests/lib/devmodel exported as sysfs): n
 * independent endpoints, each behind its own root port in its own IOMMU
 * group, FLR-capable, bound to pciback and never enabled (so an FLR is
 * "unverified" and needs no --serve process). Endpoint 0 is the zero-wait
 * device: its policy resets it through the kernel's "reset" attribute only,
 * which on the tree is a plain file write.
 */
#include <stdlib.h>

#include "bench.h"
#include "devmodel.h"
#include "enginetest.h"

void bench_sbdf(unsigned i, char buf[static 16])
{
	snprintf(buf, 16, "0000:%02x:00.0", i + 1);
}

int bench_tree(const char *dir, unsigned n)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	char root[512];

	for (unsigned i = 0; i < n && i < BENCH_DEVICES_MAX; i++) {
		char port[16], sbdf[16];

		snprintf(port, sizeof(port), "0000:00:%02x.%x", 1 + i / 8, i % 8);
		bench_sbdf(i, sbdf);
		add_root_port(m, port, (uint8_t)(i + 1), 2);
		devmodel_add(m, &(struct simdev_spec){.sbdf = sbdf,
						      .parent = port,
						      .vendor = 0x1b36,
						      .device = 0x0010,
						      .class_code = 0x010802,
						      .driver = "pciback",
						      .has_iommu_group = true,
						      .iommu_group = (int)i + 1,
						      .pcie = true,
						      .flr = true,
						      .kernel_reset = true,
						      .reset_method = "flr",
						      .bar_size = {0x4000}});
	}
	snprintf(root, sizeof(root), "%s/root", dir);
	return devmodel_export(m, root);
}

int bench_policy_file(const char *path, unsigned n_rules, bool zero_wait)
{
	FILE *f = fopen(path, "we");
	bool first = true;

	if (!f)
		return -errno;
	fputs("{\n  \"rules\": [\n", f);
	if (zero_wait) {
		fputs("    { \"match\": { \"sbdf\": \"0000:01:00.0\" }, \"policy\": \"strict\", "
		      "\"methods\": [\"kernel\"], \"reason\": \"bench: the zero-wait device\" }",
		      f);
		first = false;
	}
	/* Vendors the tree does not use: every rule is examined, none matches. */
	for (unsigned i = 0; i < n_rules; i++) {
		fprintf(f,
			"%s    { \"match\": { \"vendor\": \"0x%04x\", \"device\": \"0x%04x\" }, "
			"\"policy\": \"%s\", \"reason\": \"bench rule %u\" }",
			first ? "" : ",\n", 0x2000 + i / 256, 0x1000 + i % 256,
			i % 2 ? "lenient" : "strict", i);
		first = false;
	}
	fputs("\n  ]\n}\n", f);
	return fclose(f) == 0 ? 0 : -errno;
}
