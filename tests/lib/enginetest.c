/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "enginetest.h"
#include "pci-regs.h"

void test_timing(struct reset_timing *t)
{
	reset_timing_default(t);
	t->pending_timeout = 20 * USEC_PER_MSEC;
	t->flr_wait = 5 * USEC_PER_MSEC;
	t->pm_d3hot_wait = 1 * USEC_PER_MSEC;
	t->pm_d0_wait = 1 * USEC_PER_MSEC;
	t->sbr_assert = 2 * USEC_PER_MSEC;
	t->sbr_settle_pcie = 5 * USEC_PER_MSEC;
	t->sbr_settle_conv = 15 * USEC_PER_MSEC;
	t->link_timeout = 50 * USEC_PER_MSEC;
	t->ready_timeout = 100 * USEC_PER_MSEC;
	t->poll_interval = 1 * USEC_PER_MSEC;
}

static unsigned split(const char *list, char items[][32], unsigned max)
{
	unsigned n = 0;

	for (const char *p = list; *p && n < max;) {
		size_t len = strcspn(p, ",");

		snprintf(items[n++], 32, "%.*s", (int)len, p);
		p += len;
		p += *p == ',';
	}
	return n;
}

struct reset_trail *test_reset(struct devmodel *m, const char *targets, const char *methods,
			       const struct reset_timing *t)
{
	char items[16][32];
	struct pcirst_sbdf sbdfs[16];
	struct reset_method_spec specs[16];
	struct reset_options opts = {.targets = sbdfs, .methods = specs};
	struct reset_trail *trail = NULL;
	unsigned n;

	n = split(targets, items, 16);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(pcirst_sbdf_parse(items[i], &sbdfs[i]), 0);
	opts.n_targets = n;
	n = split(methods, items, 16);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(reset_method_spec_parse(items[i], &specs[i]), 0);
	opts.n_methods = n;
	if (t)
		opts.timing = *t;
	else
		test_timing(&opts.timing);
	assert_int_equal(reset_run_sync(devmodel_host(m), &opts, &trail), 0);
	assert_non_null(trail);
	return trail;
}

uint64_t trail_step_usec(const struct trail_attempt *a, const char *name)
{
	for (unsigned i = 0; i < a->n_steps; i++)
		if (streq(a->steps[i].name, name))
			return a->steps[i].usec;
	return UINT64_MAX;
}

struct simdev *add_root_port(struct devmodel *m, const char *sbdf, uint8_t secondary,
			     uint8_t link_speed)
{
	return devmodel_add(m, &(struct simdev_spec){
				   .sbdf = sbdf,
				   .vendor = 0x8086,
				   .device = 0x7c10,
				   .class_code = 0x060400,
				   .bridge = true,
				   .secondary_bus = secondary,
				   .subordinate_bus = secondary,
				   .driver = "pcieport",
				   .pcie = true,
				   .pcie_type = PCI_EXP_TYPE_ROOT_PORT,
				   .link_speed = link_speed,
				   .dlllarc = true,
				   .pm = true,
			       });
}

struct simdev *add_endpoint(struct devmodel *m, const char *sbdf, const char *parent,
			    const char *driver, bool flr, bool pm)
{
	return devmodel_add(m, &(struct simdev_spec){
				   .sbdf = sbdf,
				   .parent = parent,
				   .vendor = 0x1af4,
				   .device = 0x1041,
				   .subsys_vendor = 0x1af4,
				   .subsys_device = 0x1100,
				   .class_code = 0x020000,
				   .revision = 1,
				   .driver = driver,
				   .pcie = true,
				   .flr = flr,
				   .pm = pm,
				   .bar_size = {0x1000, 0, 0, 0, 0x4000, 0},
			       });
}

struct simdev_spec nvme_spec(const char *sbdf, const char *driver)
{
	return (struct simdev_spec){
	    .sbdf = sbdf,
	    .vendor = 0x1b36,
	    .device = 0x0010,
	    .class_code = 0x010802,
	    .driver = driver,
	    .pcie = true,
	    .flr = true,
	    .bar_size = {0x4000},
	};
}
