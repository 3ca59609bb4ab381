/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reset_probe(): the statuses and reasons pcirstctl probe shows, and that it writes nothing. */
#include <stdio.h>

#include "enginetest.h"
#include "pci-regs.h"

struct expect {
	enum reset_method_id id;
	enum probe_status status;
	const char *why; /* exact, "" when supported */
};

static void check(struct devmodel *m, const char *sbdf, const struct expect *e, size_t n)
{
	struct pcirst_sbdf s;
	struct probe_result p;

	assert_int_equal(pcirst_sbdf_parse(sbdf, &s), 0);
	assert_int_equal(reset_probe(devmodel_host(m), &s, &p), 0);
	for (size_t i = 0; i < n; i++) {
		print_message("%s %s\n", sbdf, reset_method_name(e[i].id));
		assert_int_equal(p.methods[e[i].id].status, e[i].status);
		assert_string_equal(p.methods[e[i].id].why, e[i].why);
	}
}

static void probe_topology(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *nvme;

	add_root_port(m, "0000:00:01.0", 1, 2);
	nvme = devmodel_add(m, &(struct simdev_spec){
				   .sbdf = "0000:01:00.0",
				   .parent = "0000:00:01.0",
				   .vendor = 0x1b36,
				   .device = 0x0010,
				   .class_code = 0x010802,
				   .driver = "pciback",
				   .pcie = true,
				   .flr = true,
				   .kernel_reset = true,
				   .reset_method = "flr bus",
			       });
	add_root_port(m, "0000:00:02.0", 2, 2);
	devmodel_add(m, &(struct simdev_spec){
			    .sbdf = "0000:02:00.0",
			    .parent = "0000:00:02.0",
			    .vendor = 0x8086,
			    .device = 0x10d3,
			    .class_code = 0x020000,
			    .driver = "e1000e",
			    .pcie = true,
			    .pm = true,
			});
	devmodel_set_do_flr(m, true);

	check(m, "0000:01:00.0",
	      (const struct expect[]){
		  {RESET_FLR, PROBE_SUPPORTED, ""},
		  {RESET_AF_FLR, PROBE_UNSUPPORTED, "no Advanced Features capability"},
		  {RESET_PM, PROBE_UNSUPPORTED, "no Power Management capability"},
		  {RESET_BUS, PROBE_SUPPORTED, ""},
		  {RESET_KERNEL, PROBE_SUPPORTED, ""},
		  {RESET_PCIBACK, PROBE_SUPPORTED, ""},
	      },
	      6);
	/* A live driver: the capability is there, the reset is refused. */
	check(m, "0000:02:00.0",
	      (const struct expect[]){
		  {RESET_FLR, PROBE_UNSUPPORTED, "Device Capabilities does not advertise FLR"},
		  {RESET_PM, PROBE_REFUSED,
		   "0000:02:00.0 is bound to driver 'e1000e' (only unbound functions and "
		   "functions bound to pciback, pci-stub or vfio-pci are reset)"},
		  {RESET_KERNEL, PROBE_UNSUPPORTED, "the kernel offers no reset for this function"},
		  {RESET_PCIBACK, PROBE_UNSUPPORTED, "not bound to pciback"},
	      },
	      4);
	/* A bridge. */
	check(m, "0000:00:01.0",
	      (const struct expect[]){
		  {RESET_PM, PROBE_REFUSED,
		   "0000:00:01.0 is bound to driver 'pcieport' (only unbound functions and "
		   "functions bound to pciback, pci-stub or vfio-pci are reset)"},
		  {RESET_BUS, PROBE_UNSUPPORTED, "on a root bus: no bridge above it to reset"},
	      },
	      2);
	/* Probing wrote nothing. */
	assert_int_equal(devmodel_log_count(m), 0);
	assert_int_equal(simdev_reset_count(nvme), 0);
}

static void probe_hostile_and_gone(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *d = add_endpoint(m, "0000:03:00.0", NULL, "pciback", true, true);
	struct pcirst_sbdf s;
	struct probe_result p;

	/* PCIe capability's next pointer into the header. */
	simdev_cfg(d)[SIM_PCIE_CAP + 1] = 0x10;
	check(m, "0000:03:00.0",
	      (const struct expect[]){
		  {RESET_AF_FLR, PROBE_ERROR,
		   "capability pointer at 0x61 points to 0x10, inside the header"},
	      },
	      1);
	simdev_behaviour(d)->gone = true;
	check(m, "0000:03:00.0",
	      (const struct expect[]){
		  {RESET_FLR, PROBE_ERROR, "device not responding (config space reads all-ones)"},
	      },
	      1);
	devmodel_remove(d);
	assert_int_equal(pcirst_sbdf_parse("0000:03:00.0", &s), 0);
	assert_int_equal(reset_probe(devmodel_host(m), &s, &p), -ENODEV);
	assert_string_equal(p.error, "0000:03:00.0: no such device");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(probe_topology),
	    cmocka_unit_test(probe_hostile_and_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
