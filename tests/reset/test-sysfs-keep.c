/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The manager's look at a function keeping the config space it opened for
 * the header type, for the job that starts at once (reset_options.cfgs):
 * pci_host_info_keep_cfg() on the sysfs adapter (sysfs-fixture.h).
 */
#include <ftw.h>
#include <grp.h>
#include <stdio.h>
#include <sys/wait.h>

#include "pci-regs.h"
#include "sysfs-fixture.h"

/* Writes one byte of a function's config file in the tree (what a device would show). */
static void poke_config(const struct fixture *f, const char *sbdf, unsigned off, uint8_t v)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/config", f->root, sbdf);
	fp = fopen(path, "r+");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, off, SEEK_SET), 0);
	assert_int_equal(fputc(v, fp), v);
	assert_int_equal(fclose(fp), 0);
}

/*
 * The manager's info with the config space it opened for the header type
 * kept for the job (reset_options.cfgs): the same info as pci_host_info(),
 * the config space writable and of that function; none for a function that
 * is gone. The header type is the device's now: an endpoint that shows a
 * bridge's header is a bridge to the safety rules, read through the kept
 * config space as through a closed one.
 */
static void info_keeping_cfg(void **state)
{
	struct fixture *f = *state;
	static const char *const all[] = {"0000:00:01.0", "0000:01:00.0", "0000:04:00.2"};
	struct pcirst_sbdf gone = S("0000:40:00.0"), ep = S("0000:01:00.0");
	struct pci_dev_info info, kept;
	struct pci_cfg *cfg = (struct pci_cfg *)&cfg;
	struct why why = {""};
	uint8_t v;

	for (size_t i = 0; i < ELEMENTSOF(all); i++) {
		struct pcirst_sbdf s = S(all[i]);
		_cleanup_(pci_cfg_freep) struct pci_cfg *keep = NULL, *check = NULL;

		assert_int_equal(pci_host_info(f->host, &s, &info, NULL), 0);
		assert_int_equal(pci_host_info_keep_cfg(f->host, &s, &kept, &keep, NULL), 0);
		assert_int_equal(pcirst_sbdf_cmp(&kept.sbdf, &s), 0);
		assert_int_equal(kept.vendor, info.vendor);
		assert_int_equal(kept.device, info.device);
		assert_int_equal(kept.class_code, info.class_code);
		assert_int_equal(kept.header_type, info.header_type);
		assert_int_equal(kept.multifunction, info.multifunction);
		assert_int_equal(kept.is_bridge, info.is_bridge);
		assert_string_equal(kept.driver, info.driver);
		assert_int_equal(kept.is_vf, info.is_vf);
		assert_int_equal(kept.is_pf, info.is_pf);
		assert_non_null(keep);
		/* Writable, and this function's: Cache Line Size written, read back elsewhere. */
		assert_int_equal(pci_cfg_write8(keep, PCI_CACHE_LINE_SIZE, 0x10 + i), 0);
		assert_int_equal(pci_host_cfg_open(f->host, &s, false, &check, NULL), 0);
		assert_int_equal(pci_cfg_read8(check, PCI_CACHE_LINE_SIZE, &v), 0);
		assert_int_equal(v, 0x10 + i);
	}
	assert_int_equal(pci_host_info_keep_cfg(f->host, &gone, &kept, &cfg, &why), -ENODEV);
	assert_null(cfg);
	assert_non_null(strstr(why.msg, "0000:40:00.0: no such device"));

	poke_config(f, "0000:01:00.0", PCI_HEADER_TYPE,
		    PCI_HEADER_TYPE_BRIDGE | PCI_HEADER_TYPE_MFD);
	assert_int_equal(pci_host_info_keep_cfg(f->host, &ep, &kept, &cfg, NULL), 0);
	pci_cfg_free(cfg);
	assert_true(kept.is_bridge && kept.multifunction);
	assert_int_equal(safety_check_target(&kept, &why), -EPERM);
	assert_non_null(strstr(why.msg, "0000:01:00.0 is a bridge"));
	/* All ones (a function that does not answer): no header type, as pci_host_info() says. */
	poke_config(f, "0000:01:00.0", PCI_HEADER_TYPE, 0xff);
	assert_int_equal(pci_host_info(f->host, &ep, &info, NULL), 0);
	assert_int_equal(pci_host_info_keep_cfg(f->host, &ep, &kept, &cfg, NULL), 0);
	pci_cfg_free(cfg);
	assert_int_equal(kept.is_bridge, info.is_bridge);
	assert_int_equal(kept.header_type, info.header_type);
}

static int open_dir(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return flag == FTW_D ? chmod(path, 0755) : 0;
}

/* In a child that may not write the config file: what the manager's info says of the bridge. */
static int keep_read_only(const char *root, bool drop_root)
{
	struct pcirst_sbdf s = S("0000:00:01.0");
	struct pci_host *host = NULL;
	struct pci_cfg *cfg = NULL;
	struct pci_dev_info info;

	if (drop_root && (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0))
		return 2;
	if (sysfs_host_new(root, &host) < 0 ||
	    pci_host_info_keep_cfg(host, &s, &info, &cfg, NULL) < 0)
		return 3;
	pci_host_free(host);
	/* Nothing kept (not writable), but the header type read: still a bridge. */
	return cfg ? 4 : info.is_bridge && info.header_type == PCI_HEADER_TYPE_BRIDGE ? 0 : 5;
}

/*
 * A config file the daemon may not open for writing: the header type is read
 * read-only as before and nothing is kept (the job opens its own and says
 * why it cannot), so the bridge rule never rests on a writable open.
 */
static void info_keeping_cfg_read_only(void **state)
{
	struct fixture *f = *state;
	char path[256];
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/0000:00:01.0/config", f->root);
	assert_int_equal(chmod(path, 0444), 0);
	if (geteuid() != 0) {
		assert_int_equal(keep_read_only(f->root, false), 0);
		return;
	}
	/* root writes a 0444 file: a child as nobody, who can read the tree. */
	assert_int_equal(nftw(f->root, open_dir, 16, FTW_PHYS), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(keep_read_only(f->root, true));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

#define T(test) cmocka_unit_test_setup_teardown(test, sysfs_tree_setup, sysfs_tree_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(info_keeping_cfg),
	    T(info_keeping_cfg_read_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
