/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcirst-simtree [--serve] DIR: writes a simulated PCI tree under DIR/sys
 * for the demonstration and the daemon's integration tests: the devices of
 * the planned Xen-in-QEMU system test, each behind its own root port.
 *
 *   00:01.0 root port -> 01:00.0 virtio-net   FLR, PM        pciback
 *   00:02.0 root port -> 02:00.0 NVMe         FLR            pciback
 *   00:03.0 root port -> 03:00.0 e1000e       PM (no FLR)    pciback, never enabled
 *   00:04.0 root port -> 04:00.0 NIC fn 0     FLR            pciback
 *                        04:00.1 NIC fn 1                    e1000e (in use by dom0)
 *   00:05.0 root port -> 05:00.0 NVMe PF      FLR, SR-IOV    pciback, 2 VFs enabled
 *                        05:00.1 its VF 1     FLR            pciback
 *                        05:00.2 its VF 2     FLR            pciback
 *   00:1f.2 SATA controller on the root bus                  ahci
 *
 * The endpoints are programmed as a guest left them (Command 0006, BARs
 * assigned), except 03:00.0, which has nothing for effect verification to
 * observe. Config files are plain files: writing one resets nothing, so
 * every config-space reset of a programmed function is rightly found
 * ineffective. With --serve a background process (its pid in
 * DIR/simtree.pid; it ends when the tree is removed) makes FLR real: when a
 * config file shows Initiate FLR set, it writes the function's power-on
 * image back (PCIe 6.0 §6.6.2). PM and bus resets are not emulated: their
 * transient states (D3hot for 10 ms, SBR for 2 ms) cannot be seen reliably
 * through inotify, so they stay ineffective on programmed functions.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "devmodel.h"
#include "enginetest.h"
#include "pci-regs.h"

#define MAX_SERVED 8

/* A function whose FLR the server makes real: its config file and power-on image. */
struct served {
	const char *sbdf;
	char path[512];
	uint8_t poweron[PCI_CFG_SPACE_EXP_SIZE];
	int wd;
};

static struct served served[MAX_SERVED];
static unsigned n_served;

static void endpoint(struct devmodel *m, struct simdev_spec spec, bool program)
{
	struct simdev *d;

	spec.pcie = true;
	spec.bar_size[0] = 0x4000;
	spec.has_iommu_group = true;
	d = devmodel_add(m, &spec);
	if (spec.flr && n_served < MAX_SERVED) {
		struct served *sv = &served[n_served++];

		memcpy(sv->poweron, simdev_cfg(d), sizeof(sv->poweron));
		sv->sbdf = spec.sbdf; /* a string literal */
	}
	if (program)
		simdev_program(d);
}

/*
 * An SR-IOV PF with its two VFs enabled, as the dom0 system test's NVMe
 * (QEMU's nvme with sriov_max_vfs): the daemon's tests take it to check the
 * PF rule (an SR-IOV PF whose VFs are in use is refused) against a real
 * xenstored's pci backend nodes.
 */
static void sriov_pf(struct devmodel *m)
{
	struct simdev_spec pf = nvme_spec("0000:05:00.0", "pciback");
	struct simdev_spec vf = nvme_spec("0000:05:00.1", "pciback");
	struct simdev *d;

	pf.parent = "0000:00:05.0";
	pf.multifunction = true;
	pf.pf = true;
	pf.total_vfs = 2;
	pf.vf_device = 0x0010;
	pf.iommu_group = 5;
	endpoint(m, pf, true);
	d = devmodel_find(m, pf.sbdf);
	simdev_sriov_enable(d, 2);
	vf.parent = "0000:00:05.0";
	vf.vf = true;
	vf.physfn = pf.sbdf;
	for (int i = 1; i <= 2; i++) {
		vf.sbdf = i == 1 ? "0000:05:00.1" : "0000:05:00.2";
		vf.iommu_group = 5 + i;
		endpoint(m, vf, false);
	}
}

/* One config file changed: if Initiate FLR is set, the function resets. */
static void serve_one(struct served *sv)
{
	uint8_t ctl[2];
	int fd = open(sv->path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	if (pread(fd, ctl, 2, SIM_PCIE_CAP + PCI_EXP_DEVCTL) == 2 &&
	    ((ctl[0] | ctl[1] << 8) & PCI_EXP_DEVCTL_BCR_FLR))
		(void)!pwrite(fd, sv->poweron, sizeof(sv->poweron), 0);
	close(fd);
}

static void serve_loop(int in, unsigned watches)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (watches > 0) {
		ssize_t len = read(in, buf, sizeof(buf));

		if (len <= 0 && errno != EINTR)
			return;
		for (char *p = buf; len > 0 && p < buf + len;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			for (unsigned i = 0; i < n_served; i++) {
				if (ev->wd != served[i].wd)
					continue;
				if (ev->mask & IN_IGNORED)
					watches--; /* the file is gone */
				else if (ev->mask & IN_MODIFY)
					serve_one(&served[i]);
			}
			p += sizeof(*ev) + ev->len;
		}
	}
}

/* Forks the server; returns once its watches are in place and its pid is written. */
static int serve(const char *dir)
{
	char pidfile[512];
	unsigned watches = 0;
	int pipefd[2], in;
	pid_t pid;
	FILE *f;

	in = inotify_init1(IN_CLOEXEC);
	if (in < 0 || pipe(pipefd) < 0)
		return -errno;
	for (unsigned i = 0; i < n_served; i++) {
		snprintf(served[i].path, sizeof(served[i].path), "%s/sys/bus/pci/devices/%s/config",
			 dir, served[i].sbdf);
		served[i].wd = inotify_add_watch(in, served[i].path, IN_MODIFY);
		if (served[i].wd < 0)
			return -errno;
		watches++;
	}
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		char c;

		close(pipefd[1]);
		return read(pipefd[0], &c, 1) == 1 ? 0 : -EIO;
	}
	setsid();
	/*
	 * Hardware resets itself within the 100 ms the engine waits after an
	 * FLR; so must this process, however loaded the machine running the
	 * tests is. Real-time scheduling where allowed (root), else the
	 * highest priority this user may take.
	 */
	if (sched_setscheduler(0, SCHED_FIFO, &(struct sched_param){.sched_priority = 1}) < 0)
		(void)!setpriority(PRIO_PROCESS, 0, -20);
	snprintf(pidfile, sizeof(pidfile), "%s/simtree.pid", dir);
	f = fopen(pidfile, "w");
	if (f) {
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
	(void)!write(pipefd[1], "r", 1);
	close(pipefd[1]);
	close(pipefd[0]);
	for (int fd = 0; fd < 3; fd++) {
		int null = open("/dev/null", O_RDWR);

		if (null >= 0 && null != fd) {
			dup2(null, fd);
			close(null);
		}
	}
	serve_loop(in, watches);
	_exit(0);
}

int main(int argc, char **argv)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	bool serving = argc == 3 && streq(argv[1], "--serve");
	const char *dir = argv[argc - 1];
	int r;

	if (argc != 2 && !serving) {
		fprintf(stderr, "usage: pcirst-simtree [--serve] DIR\n");
		return 2;
	}
	add_root_port(m, "0000:00:01.0", 1, 2);
	add_root_port(m, "0000:00:02.0", 2, 2);
	add_root_port(m, "0000:00:03.0", 3, 2);
	add_root_port(m, "0000:00:04.0", 4, 2);
	add_root_port(m, "0000:00:05.0", 5, 2);
	endpoint(m,
		 (struct simdev_spec){.sbdf = "0000:01:00.0",
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
				      .iommu_group = 1},
		 true);
	endpoint(m,
		 (struct simdev_spec){.sbdf = "0000:02:00.0",
				      .parent = "0000:00:02.0",
				      .vendor = 0x1b36,
				      .device = 0x0010,
				      .class_code = 0x010802,
				      .revision = 2,
				      .driver = "pciback",
				      .flr = true,
				      .kernel_reset = true,
				      .reset_method = "flr bus",
				      .iommu_group = 2},
		 true);
	endpoint(m,
		 (struct simdev_spec){.sbdf = "0000:03:00.0",
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
				      .iommu_group = 3},
		 false);
	endpoint(m,
		 (struct simdev_spec){.sbdf = "0000:04:00.0",
				      .parent = "0000:00:04.0",
				      .vendor = 0x8086,
				      .device = 0x1521,
				      .class_code = 0x020000,
				      .multifunction = true,
				      .driver = "pciback",
				      .flr = true,
				      .iommu_group = 4},
		 true);
	endpoint(m,
		 (struct simdev_spec){.sbdf = "0000:04:00.1",
				      .parent = "0000:00:04.0",
				      .vendor = 0x8086,
				      .device = 0x1521,
				      .class_code = 0x020000,
				      .multifunction = true,
				      .driver = "e1000e",
				      .flr = true,
				      .iommu_group = 4},
		 true);
	sriov_pf(m);
	devmodel_add(m, &(struct simdev_spec){.sbdf = "0000:00:1f.2",
					      .vendor = 0x8086,
					      .device = 0x2922,
					      .class_code = 0x010601,
					      .driver = "ahci",
					      .pm = true});
	r = devmodel_export(m, dir);
	if (r < 0) {
		fprintf(stderr, "pcirst-simtree: cannot write %s: %s\n", dir, strerror(-r));
		return 1;
	}
	if (serving && (r = serve(dir)) < 0) {
		fprintf(stderr, "pcirst-simtree: cannot serve %s: %s\n", dir, strerror(-r));
		return 1;
	}
	return 0;
}
