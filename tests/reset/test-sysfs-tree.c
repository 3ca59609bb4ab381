/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sysfs adapter on a tree written by devmodel_export(): identity,
 * drivers, IOMMU groups, SR-IOV, topology and subtrees, attributes, removal,
 * and the fallback to config space when sysfs lacks an attribute.
 */
#include <limits.h>
#include <stdio.h>

#include "pci-regs.h"
#include "sysfs-fixture.h"

static void list_sorted(void **state)
{
	struct fixture *f = *state;
	_cleanup_(freep) struct pcirst_sbdf *v = NULL;
	static const char *const want[] = {"0000:00:01.0", "0000:00:02.0", "0000:00:03.0",
					   "0000:01:00.0", "0000:01:00.1", "0000:02:00.0",
					   "0000:03:01.0", "0000:04:00.0", "0000:04:00.2"};
	char s[PCIRST_SBDF_STRLEN];
	unsigned n;

	assert_int_equal(pci_host_list(f->host, &v, &n), 0);
	assert_int_equal(n, ELEMENTSOF(want));
	for (unsigned i = 0; i < n; i++)
		assert_string_equal(pcirst_sbdf_format(&v[i], s), want[i]);
}

static void identity_and_topology(void **state)
{
	struct fixture *f = *state;
	struct pci_dev_info i;
	struct pcirst_sbdf s;
	char b[PCIRST_SBDF_STRLEN];

	s = S("0000:01:00.0");
	assert_int_equal(pci_host_info(f->host, &s, &i, NULL), 0);
	assert_int_equal(i.vendor, 0x1af4);
	assert_int_equal(i.device, 0x1041);
	assert_int_equal(i.subsys_vendor, 0x1af4);
	assert_int_equal(i.subsys_device, 0x1100);
	assert_int_equal(i.class_code, 0x020000);
	assert_int_equal(i.revision, 1);
	assert_int_equal(i.driver_kind, PCI_DRIVER_PCIBACK);
	assert_string_equal(i.driver, "pciback");
	assert_true(i.has_parent);
	assert_string_equal(pcirst_sbdf_format(&i.parent, b), "0000:00:01.0");
	assert_false(i.is_bridge);
	assert_int_equal(i.iommu_group, -1);

	s = S("0000:01:00.1");
	assert_int_equal(pci_host_info(f->host, &s, &i, NULL), 0);
	assert_int_equal(i.driver_kind, PCI_DRIVER_VFIO);
	assert_int_equal(i.iommu_group, 5);
	assert_true(i.multifunction);

	s = S("0000:03:01.0");
	assert_int_equal(pci_host_info(f->host, &s, &i, NULL), 0);
	assert_int_equal(i.driver_kind, PCI_DRIVER_NONE);
	assert_string_equal(i.driver, "");
	assert_string_equal(pcirst_sbdf_format(&i.parent, b), "0000:02:00.0");
	assert_int_equal(i.revision, 0x20);

	s = S("0000:02:00.0");
	assert_int_equal(pci_host_info(f->host, &s, &i, NULL), 0);
	assert_true(i.is_bridge);
	assert_int_equal(i.header_type, PCI_HEADER_TYPE_BRIDGE);

	s = S("0000:00:03.0");
	assert_int_equal(pci_host_info(f->host, &s, &i, NULL), 0);
	assert_int_equal(i.driver_kind, PCI_DRIVER_OTHER);
	assert_false(i.has_parent);

	s = S("0000:04:00.0");
	assert_int_equal(pci_host_info(f->host, &s, &i, NULL), 0);
	assert_true(i.is_pf);
	assert_int_equal(i.num_vfs, 1);
	assert_false(i.is_vf);

	s = S("0000:04:00.2");
	assert_int_equal(pci_host_info(f->host, &s, &i, NULL), 0);
	assert_true(i.is_vf);
	assert_string_equal(pcirst_sbdf_format(&i.physfn, b), "0000:04:00.0");
	assert_int_equal(i.driver_kind, PCI_DRIVER_PCIBACK); /* "xen-pciback" */
}

static void subtrees(void **state)
{
	struct fixture *f = *state;
	_cleanup_(freep) struct pcirst_sbdf *a = NULL, *b = NULL;
	struct pcirst_sbdf s;
	char x[PCIRST_SBDF_STRLEN];
	unsigned n;

	s = S("0000:00:01.0");
	assert_int_equal(pci_host_subtree(f->host, &s, &a, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(pcirst_sbdf_format(&a[0], x), "0000:01:00.0");
	assert_string_equal(pcirst_sbdf_format(&a[1], x), "0000:01:00.1");
	s = S("0000:00:02.0");
	assert_int_equal(pci_host_subtree(f->host, &s, &b, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(pcirst_sbdf_format(&b[0], x), "0000:02:00.0");
	assert_string_equal(pcirst_sbdf_format(&b[1], x), "0000:03:01.0");
}

/*
 * The topology comes from each function's link in /sys/bus/pci/devices, one
 * readlink for the whole chain of bridges above it; the kernel's links are
 * relative ("../../../devices/pci0000:00/..."), the export's absolute.
 */
static void ancestors_from_links(void **state)
{
	struct fixture *f = *state;
	_cleanup_(freep) struct pcirst_sbdf *sub = NULL;
	struct pcirst_sbdf up[4], s = S("0000:03:01.0");
	struct pci_dev_info info;
	char path[256], x[PCIRST_SBDF_STRLEN];
	unsigned n;

	assert_int_equal(f->host->ops->ancestors(f->host->ud, &s, up, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(pcirst_sbdf_format(&up[0], x), "0000:02:00.0");
	assert_string_equal(pcirst_sbdf_format(&up[1], x), "0000:00:02.0");
	assert_int_equal(f->host->ops->ancestors(f->host->ud, &s, up, 1, &n), -E2BIG);
	/* As the kernel writes it: relative. */
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/0000:03:01.0", f->root);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(
	    symlink("../../../devices/pci0000:00/0000:00:02.0/0000:02:00.0/0000:03:01.0", path), 0);
	assert_int_equal(f->host->ops->ancestors(f->host->ud, &s, up, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(pcirst_sbdf_format(&up[0], x), "0000:02:00.0");
	assert_int_equal(pci_host_info(f->host, &s, &info, NULL), 0);
	assert_true(info.has_parent);
	assert_string_equal(pcirst_sbdf_format(&info.parent, x), "0000:02:00.0");
	s = S("0000:00:02.0");
	assert_int_equal(pci_host_subtree(f->host, &s, &sub, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(pcirst_sbdf_format(&sub[1], x), "0000:03:01.0");
	/* A function on the root bus has none; a link left dangling is a removed device. */
	s = S("0000:00:03.0");
	assert_int_equal(f->host->ops->ancestors(f->host->ud, &s, up, 4, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(pci_host_info(f->host, &s, &info, NULL), 0);
	assert_false(info.has_parent);
	s = S("0000:03:01.0");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(
	    symlink("../../../devices/pci0000:00/0000:00:02.0/gone/0000:03:01.0", path), 0);
	assert_int_equal(pci_host_info(f->host, &s, &info, NULL), -ENODEV);
}

/* The engine's brief info: everything but the identity, which it does not use. */
static void brief_info(void **state)
{
	struct fixture *f = *state;
	static const char *const all[] = {"0000:00:01.0", "0000:01:00.0", "0000:01:00.1",
					  "0000:02:00.0", "0000:03:01.0", "0000:04:00.0",
					  "0000:04:00.2"};

	for (size_t i = 0; i < ELEMENTSOF(all); i++) {
		struct pcirst_sbdf s = S(all[i]);
		struct pci_dev_info full, brief;

		assert_int_equal(pci_host_info(f->host, &s, &full, NULL), 0);
		assert_int_equal(pci_host_info_brief(f->host, &s, &brief, NULL), 0);
		assert_int_equal(brief.vendor, 0);
		assert_int_equal(brief.class_code, 0);
		assert_int_equal(pcirst_sbdf_cmp(&brief.sbdf, &full.sbdf), 0);
		assert_int_equal(brief.header_type, full.header_type);
		assert_int_equal(brief.multifunction, full.multifunction);
		assert_int_equal(brief.is_bridge, full.is_bridge);
		assert_int_equal(brief.driver_kind, full.driver_kind);
		assert_string_equal(brief.driver, full.driver);
		assert_int_equal(brief.iommu_group, full.iommu_group);
		assert_int_equal(brief.has_parent, full.has_parent);
		assert_true(!full.has_parent || pcirst_sbdf_cmp(&brief.parent, &full.parent) == 0);
		assert_int_equal(brief.is_vf, full.is_vf);
		assert_true(!full.is_vf || pcirst_sbdf_cmp(&brief.physfn, &full.physfn) == 0);
		assert_int_equal(brief.is_pf, full.is_pf);
		assert_int_equal(brief.num_vfs, full.num_vfs);
	}
}

/*
 * The engine's info: the brief info with the header type read through the
 * engine's own open config space (one open per function and attempt), not
 * a descriptor of its own. A config space in memory whose header type
 * contradicts the file's shows which one was read.
 */
static void brief_info_through_cfg(void **state)
{
	struct fixture *f = *state;
	static const char *const all[] = {"0000:00:01.0", "0000:01:00.0", "0000:04:00.2"};

	for (size_t i = 0; i < ELEMENTSOF(all); i++) {
		struct pcirst_sbdf s = S(all[i]);
		_cleanup_(pci_cfg_freep) struct pci_cfg *file = NULL, *mem = NULL;
		struct pci_dev_info brief, viafile, viamem;
		uint8_t buf[PCI_STD_HEADER_SIZE] = {0};

		assert_int_equal(pci_host_info_brief(f->host, &s, &brief, NULL), 0);
		assert_int_equal(pci_host_cfg_open(f->host, &s, false, &file, NULL), 0);
		assert_int_equal(pci_host_info_brief_cfg(f->host, &s, file, &viafile, NULL), 0);
		assert_int_equal(viafile.header_type, brief.header_type);
		assert_int_equal(viafile.multifunction, brief.multifunction);
		assert_int_equal(viafile.is_bridge, brief.is_bridge);
		assert_string_equal(viafile.driver, brief.driver);
		assert_int_equal(viafile.is_vf, brief.is_vf);

		buf[PCI_HEADER_TYPE] = brief.is_bridge
					   ? PCI_HEADER_TYPE_NORMAL
					   : PCI_HEADER_TYPE_BRIDGE | PCI_HEADER_TYPE_MFD;
		assert_int_equal(pci_cfg_new_mem(buf, sizeof(buf), &mem), 0);
		assert_int_equal(pci_host_info_brief_cfg(f->host, &s, mem, &viamem, NULL), 0);
		assert_int_equal(viamem.is_bridge, !brief.is_bridge);
		assert_int_equal(viamem.multifunction, !brief.is_bridge);
		assert_string_equal(viamem.driver, brief.driver);
		assert_int_equal(viamem.has_parent, brief.has_parent);
	}
}

static void attributes(void **state)
{
	struct fixture *f = *state;
	struct pcirst_sbdf s = S("0000:04:00.2");
	char buf[64], path[256];
	FILE *fp;

	assert_int_equal(pci_host_attr_read(f->host, &s, "reset_method", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "flr"); /* trailing newline stripped */
	assert_int_equal(pci_host_attr_read(f->host, &s, "nonexistent", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(pci_host_attr_read(f->host, &s, "../config", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(pci_host_attr_write(f->host, &s, "reset", "1"), 0);
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/0000:04:00.2/reset", f->root);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_string_equal(buf, "1");
	assert_true(f->host->ops->driver_attr_exists(f->host->ud, "pciback", "do_flr"));
	assert_false(f->host->ops->driver_attr_exists(f->host->ud, "pciback", "bind"));
	assert_false(f->host->ops->driver_attr_exists(f->host->ud, "..", "do_flr"));
	assert_int_equal(
	    f->host->ops->driver_attr_write(f->host->ud, "pciback", "do_flr", "0000:04:00.2"), 0);
}

/*
 * The identity the kernel showed is kept for its device directory (sysfs-ids.c):
 * a later info takes it from there, and a directory that changed is read again.
 */
static void identity_kept_per_directory(void **state)
{
	struct fixture *f = *state;
	struct pcirst_sbdf s = S("0000:03:01.0");
	struct pci_dev_info i;
	char path[256], dir[PATH_MAX];
	FILE *fp;

	assert_int_equal(pci_host_info(f->host, &s, &i, NULL), 0);
	assert_int_equal(i.vendor, 0x10ec);
	/* Rewritten in place (sysfs never does): the same directory, the identity kept. */
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/0000:03:01.0/vendor", f->root);
	assert_non_null(fp = fopen(path, "w"));
	fputs("0x1234\n", fp);
	fclose(fp);
	assert_int_equal(pci_host_info(f->host, &s, &i, NULL), 0);
	assert_int_equal(i.vendor, 0x10ec);
	assert_int_equal(i.class_code, 0x020000);
	/* The directory changed (an entry added, as a driver's link is): read again. */
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/0000:03:01.0", f->root);
	assert_non_null(realpath(path, dir));
	snprintf(path, sizeof(path), "%s/new-entry", dir);
	assert_non_null(fp = fopen(path, "w"));
	fclose(fp);
	assert_int_equal(pci_host_info(f->host, &s, &i, NULL), 0);
	assert_int_equal(i.vendor, 0x1234);
	assert_int_equal(i.class_code, 0x020000);
}

static void removal_and_fallback(void **state)
{
	struct fixture *f = *state;
	struct pcirst_sbdf s = S("0000:03:01.0");
	struct pci_dev_info i;
	struct pci_cfg *cfg = NULL;
	struct why why = {""};
	struct pci_host *h2 = NULL;
	char path[256];

	/* Without the id attributes, identity comes from config space. */
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/0000:03:01.0/vendor", f->root);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/0000:03:01.0/class", f->root);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/", f->root);
	assert_int_equal(sysfs_host_new(path, &h2), 0); /* a trailing slash is fine */
	assert_int_equal(pci_host_info(h2, &s, &i, NULL), 0);
	assert_int_equal(i.vendor, 0x10ec);
	assert_int_equal(i.class_code, 0x020000);

	/* Hot-unplug: the link goes away. */
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/0000:03:01.0", f->root);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(pci_host_info(h2, &s, &i, &why), -ENODEV);
	assert_non_null(strstr(why.msg, "0000:03:01.0: no such device"));
	assert_int_equal(pci_host_cfg_open(h2, &s, false, &cfg, &why), -ENODEV);
	assert_null(cfg);
	pci_host_free(h2);
}

#define T(test) cmocka_unit_test_setup_teardown(test, sysfs_tree_setup, sysfs_tree_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(list_sorted),
	    T(identity_and_topology),
	    T(subtrees),
	    T(ancestors_from_links),
	    T(brief_info),
	    T(brief_info_through_cfg),
	    T(attributes),
	    T(identity_kept_per_directory),
	    T(removal_and_fallback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
