/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device watch's socket filters (daemon/devwatch-filter.h): the programs
 * as the kernel runs them, on a socket pair (SO_ATTACH_FILTER applies to any
 * socket) fed crafted messages; then the watch's own socket on the kernel's
 * group in a private network namespace, fed a Xen attach's worth of uevents
 * (and a tun device's real ones), counting how often the watch wakes with
 * the filter and, on the same socket, without it.
 */
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include "devwatch-filter.h"
#include "devwatch.h"
#include "testmain.h"
#include "uevent.h"

/* ---- the programs, on a socket pair ---- */

/* A udev message: libudev's header with this magic, hash and property offset, then props. */
static size_t udev_message(char *buf, size_t size, uint32_t magic, const char *subsystem,
			   uint32_t props_off, const char *props, size_t props_len)
{
	uint32_t words[8] = {htobe32(magic), DEVWATCH_UDEV_HEADER_SIZE, props_off,
			     (uint32_t)props_len, htobe32(uevent_subsystem_hash(subsystem))};

	assert_true(props_off >= DEVWATCH_UDEV_HEADER_SIZE && props_off + props_len <= size);
	memset(buf, 0, props_off);
	memcpy(buf, "libudev", 8);
	memcpy(buf + 8, words, sizeof(words));
	memcpy(buf + props_off, props, props_len);
	return props_off + props_len;
}

#define PROPS(s) s, sizeof(s) /* the NULs inside and the last one */

struct filter_case {
	const char *what;
	bool udev;	       /* a udev message (else the kernel's format, given in text) */
	const char *text;      /* kernel format, or the udev message's properties */
	size_t len;	       /* of text */
	const char *subsystem; /* udev: the hash's name */
	uint32_t magic, props_off;
	bool pass_kernel, pass_udev; /* through the kernel group's program, the udev group's */
};

static const struct filter_case filter_cases[] = {
    {"kernel remove", false,
     PROPS("remove@/devices/pci0000:00/0000:00:04.0\0ACTION=remove\0"
	   "SUBSYSTEM=pci"),
     NULL, 0, 0, true, true},
    {"kernel remove, other subsystem", false,
     PROPS("remove@/devices/virtual/net/v0\0ACTION=remove\0SUBSYSTEM=net"), NULL, 0, 0, true, true},
    {"kernel add", false, PROPS("add@/devices/pci0000:00/0000:00:04.0\0ACTION=add"), NULL, 0, 0,
     false, false},
    {"kernel bind", false, PROPS("bind@/devices/pci0000:00/0000:00:04.0\0ACTION=bind"), NULL, 0, 0,
     false, false},
    {"kernel unbind", false, PROPS("unbind@/devices/pci0000:00/0000:00:04.0\0ACTION=unbind"), NULL,
     0, 0, false, false},
    {"kernel change", false, PROPS("change@/devices/xen-backend/pci-1-0\0ACTION=change"), NULL, 0,
     0, false, false},
    {"kernel move", false, PROPS("move@/devices/virtual/net/v1\0ACTION=move"), NULL, 0, 0, false,
     false},
    {"kernel offline", false, PROPS("offline@/devices/system/cpu/cpu1\0ACTION=offline"), NULL, 0, 0,
     false, false},
    {"upper case", false, PROPS("REMOVE@/devices/x\0ACTION=remove"), NULL, 0, 0, false, false},
    {"no @", false, PROPS("remove /devices/x\0ACTION=remove"), NULL, 0, 0, false, false},
    {"removed@", false, PROPS("removed@/devices/x\0ACTION=remove"), NULL, 0, 0, false, false},
    /* Too short for the udev program's first load (the magic), not the kernel's. */
    {"just the prefix", false, "remove@", 7, NULL, 0, 0, true, false},
    {"six bytes", false, "remove", 6, NULL, 0, 0, false, false},
    {"one byte", false, "r", 1, NULL, 0, 0, false, false},
    {"udev remove pci", true,
     PROPS("ACTION=remove\0DEVPATH=/devices/pci0000:00/0000:00:04.0\0"
	   "SUBSYSTEM=pci"),
     "pci", DEVWATCH_UDEV_MAGIC, DEVWATCH_UDEV_HEADER_SIZE, false, true},
    {"udev add pci", true, PROPS("ACTION=add\0DEVPATH=/devices/pci0000:00/0000:00:04.0"), "pci",
     DEVWATCH_UDEV_MAGIC, DEVWATCH_UDEV_HEADER_SIZE, false, false},
    {"udev bind pci", true, PROPS("ACTION=bind\0DEVPATH=/devices/pci0000:00/0000:00:04.0"), "pci",
     DEVWATCH_UDEV_MAGIC, DEVWATCH_UDEV_HEADER_SIZE, false, false},
    {"udev removed", true, PROPS("ACTION=removed\0DEVPATH=/devices/pci0000:00/0000:00:04.0"), "pci",
     DEVWATCH_UDEV_MAGIC, DEVWATCH_UDEV_HEADER_SIZE, false, false},
    {"udev remove block", true, PROPS("ACTION=remove\0DEVPATH=/devices/virtual/block/loop0"),
     "block", DEVWATCH_UDEV_MAGIC, DEVWATCH_UDEV_HEADER_SIZE, false, false},
    {"udev remove pci_bus", true, PROPS("ACTION=remove\0DEVPATH=/devices/pci0000:00/pci_bus/0"),
     "pci_bus", DEVWATCH_UDEV_MAGIC, DEVWATCH_UDEV_HEADER_SIZE, false, false},
    /* systemd 253 and later: the database version first. */
    {"udev, versioned, remove", true,
     PROPS("UDEV_DATABASE_VERSION=1\0ACTION=remove\0DEVPATH=/devices/pci0000:00/0000:00:04.0"),
     "pci", DEVWATCH_UDEV_MAGIC, DEVWATCH_UDEV_HEADER_SIZE, false, true},
    {"udev, versioned, add", true,
     PROPS("UDEV_DATABASE_VERSION=1\0ACTION=add\0DEVPATH=/devices/pci0000:00/0000:00:04.0"), "pci",
     DEVWATCH_UDEV_MAGIC, DEVWATCH_UDEV_HEADER_SIZE, false, false},
    {"udev, versioned, change", true,
     PROPS("UDEV_DATABASE_VERSION=7\0ACTION=change\0DEVPATH=/devices/pci0000:00/0000:00:04.0"),
     "pci", DEVWATCH_UDEV_MAGIC, DEVWATCH_UDEV_HEADER_SIZE, false, false},
    {"udev, versioned, other subsystem", true,
     PROPS("UDEV_DATABASE_VERSION=1\0ACTION=remove\0DEVPATH=/devices/virtual/net/v0"), "net",
     DEVWATCH_UDEV_MAGIC, DEVWATCH_UDEV_HEADER_SIZE, false, false},
    /* Laid out otherwise than udevd does: user space judges. */
    {"udev, two-digit version", true,
     PROPS("UDEV_DATABASE_VERSION=10\0ACTION=add\0DEVPATH=/devices/pci0000:00/0000:00:04.0"), "pci",
     DEVWATCH_UDEV_MAGIC, DEVWATCH_UDEV_HEADER_SIZE, false, true},
    {"udev, other first property", true,
     PROPS("UDEV_DATABASE_VERSIOM=1\0ACTION=add\0DEVPATH=/devices/pci0000:00/0000:00:04.0"), "pci",
     DEVWATCH_UDEV_MAGIC, DEVWATCH_UDEV_HEADER_SIZE, false, true},
    {"udev, ACTION not first", true, PROPS("DEVPATH=/devices/pci0000:00/0000:00:04.0\0ACTION=add"),
     "pci", DEVWATCH_UDEV_MAGIC, DEVWATCH_UDEV_HEADER_SIZE, false, true},
    {"udev, longer header", true, PROPS("ACTION=add\0DEVPATH=/devices/pci0000:00/0000:00:04.0"),
     "pci", DEVWATCH_UDEV_MAGIC, DEVWATCH_UDEV_HEADER_SIZE + 8, false, true},
    /* Not udevd's magic: judged as a kernel message, which it is not. */
    {"udev, bad magic", true, PROPS("ACTION=remove\0DEVPATH=/devices/pci0000:00/0000:00:04.0"),
     "pci", 0, DEVWATCH_UDEV_HEADER_SIZE, false, false},
    {"udev, cut short", true, "ACTION=remo", 11, "pci", DEVWATCH_UDEV_MAGIC,
     DEVWATCH_UDEV_HEADER_SIZE, false, false},
};

/* Whether msg gets through a socket carrying the program of source. */
static bool passes(int pair[2], const void *msg, size_t len)
{
	char buf[512];
	ssize_t n;

	assert_int_equal(send(pair[0], msg, len, 0), (ssize_t)len);
	n = recv(pair[1], buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0) {
		assert_int_equal(errno, EAGAIN);
		return false;
	}
	assert_int_equal(n, (ssize_t)len); /* the whole message, never cut */
	return true;
}

static void programs_on_a_socket(void **state)
{
	static const enum devwatch_source sources[] = {DEVWATCH_SOURCE_KERNEL,
						       DEVWATCH_SOURCE_UDEV};
	struct sock_filter insns[DEVWATCH_FILTER_MAX];

	/* The hash udevd writes for "pci" (systemd's MurmurHash2), as the header's test helper has
	 * it. */
	assert_int_equal(DEVWATCH_UDEV_PCI_SUBSYSTEM_HASH, uevent_subsystem_hash("pci"));
	assert_int_equal(devwatch_filter_build(DEVWATCH_SOURCE_NONE, insns), -EINVAL);
	assert_int_equal(devwatch_filter_build(DEVWATCH_SOURCE_AUTO, insns), -EINVAL);
	for (unsigned s = 0; s < ELEMENTSOF(sources); s++) {
		int n = devwatch_filter_build(sources[s], insns), pair[2];
		struct sock_fprog prog = {.len = (unsigned short)n, .filter = insns};

		assert_true(n > 0 && n <= DEVWATCH_FILTER_MAX);
		assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair), 0);
		/* The kernel's checker (sk_chk_filter) accepts it or this fails. */
		assert_int_equal(
		    setsockopt(pair[1], SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)), 0);
		for (unsigned i = 0; i < ELEMENTSOF(filter_cases); i++) {
			const struct filter_case *c = &filter_cases[i];
			bool want =
			    sources[s] == DEVWATCH_SOURCE_UDEV ? c->pass_udev : c->pass_kernel;
			char msg[512];
			size_t len = c->len;

			if (c->udev)
				len = udev_message(msg, sizeof(msg), c->magic, c->subsystem,
						   c->props_off, c->text, c->len);
			else
				memcpy(msg, c->text, len);
			if (passes(pair, msg, len) != want)
				fail_msg("%s group, %s: %s", devwatch_source_name(sources[s]),
					 c->what, want ? "dropped" : "passed");
		}
		close(pair[0]);
		close(pair[1]);
	}
}

/* ---- the watch's socket on the kernel's group, in a network namespace of our own ---- */

struct uevent_msg {
	const char *action, *subsystem, *devpath;
};

/*
 * What an xl pci-assignable-add and pci-attach make the dom0's kernel
 * announce, in kind (driver unbound, pciback bound, the backend device added
 * and its state changed), with one removal at the end. Userspace-sent:
 * libudev drops them all after receiving (not the kernel's), so what is
 * measured is the wake-up, which is what the filter saves.
 */
static const struct uevent_msg attach_like[] = {
    {"unbind", "pci", "/devices/pci0000:00/0000:00:04.0"},
    {"bind", "pci", "/devices/pci0000:00/0000:00:04.0"},
    {"add", "xen-backend", "/devices/xen-backend/pci-1-0"},
    {"change", "xen-backend", "/devices/xen-backend/pci-1-0"},
    {"change", "xen-backend", "/devices/xen-backend/pci-1-0"},
    {"change", "xen-backend", "/devices/xen-backend/pci-1-0"},
    {"add", "xen", "/devices/vif-1-0"},
    {"online", "xen-backend", "/devices/xen-backend/vif-1-0"},
    {"change", "pci", "/devices/pci0000:00/0000:00:04.0"},
    {"remove", "pci", "/devices/pci0000:00/0000:00:05.0"},
};

static double thread_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

struct replay {
	unsigned woke[ELEMENTSOF(attach_like)];
	unsigned wakeups;
	double cpu_us; /* in the event loop, summed over the messages */
};

/* Sends each message and runs the loop once without waiting: did it wake? */
static void replay(int sock, sd_event *event, struct replay *out)
{
	*out = (struct replay){0};
	for (unsigned i = 0; i < ELEMENTSOF(attach_like); i++) {
		const struct uevent_msg *m = &attach_like[i];
		double t0;
		int r = uevent_send_kernel(sock, m->action, m->subsystem, m->devpath);

		if (r < 0)
			fail_msg("sending to the kernel group: %s", strerror(-r));
		/* Netlink delivers (or filters) within sendmsg: no waiting needed. */
		t0 = thread_cpu_us();
		r = sd_event_run(event, 0);
		out->cpu_us += thread_cpu_us() - t0;
		assert_true(r >= 0);
		out->woke[i] = (unsigned)r;
		out->wakeups += (unsigned)r;
	}
	assert_int_equal(sd_event_run(event, 0), 0); /* nothing left over */
}

/* A tun device of this namespace: its kernel uevents reach only this namespace. */
static int tun_open(const char *name)
{
	struct ifreq ifr = {.ifr_flags = IFF_TUN | IFF_NO_PI};
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* Runs the loop until nothing more is ready; the wake-ups. */
static unsigned drain(sd_event *event, double *cpu_us)
{
	double t0 = thread_cpu_us();
	unsigned n = 0;
	int r;

	while ((r = sd_event_run(event, 0)) > 0)
		n++;
	assert_true(r == 0);
	*cpu_us += thread_cpu_us() - t0;
	return n;
}

#define TUN_CYCLES 20

struct tun_run {
	unsigned wakeups, wakeups_on_add;
	double cpu_us;
};

/*
 * Creates and removes a tun device TUN_CYCLES times, running the loop after
 * each step: the kernel's own uevents (the device and its queues), which
 * libudev parses in full before its subsystem check drops them, as it does
 * the dom0's pciback and xen-backend events.
 */
static void tun_cycles(sd_event *event, struct tun_run *out)
{
	*out = (struct tun_run){0};
	for (unsigned i = 0; i < TUN_CYCLES; i++) {
		int tun = tun_open("pcirstw1");
		unsigned n;

		if (tun < 0)
			fail_msg("cannot create a tun device in the namespace: %s", strerror(-tun));
		n = drain(event, &out->cpu_us);
		out->wakeups_on_add += n;
		out->wakeups += n;
		close(tun);
		out->wakeups += drain(event, &out->cpu_us);
	}
}

static void kernel__group_filter(void **state)
{
	_cleanup_(devwatch_freep) struct devwatch *w = NULL;
	struct replay with, without;
	struct tun_run tun_with, tun_without;
	struct devwatch_stats st;
	sd_event *event = NULL;
	unsigned removals = 0;
	int sock, tun, fd;

	if (unshare(CLONE_NEWNET) < 0) {
		print_message("skipped: cannot create a network namespace: %s\n", strerror(errno));
		test_skip();
	}
	assert_int_equal(sd_event_new(&event), 0);
	assert_int_equal(devwatch_new(event, NULL, DEVWATCH_SOURCE_KERNEL, NULL, NULL, &w), 0);
	fd = devwatch_get_fd(w);
	devwatch_get_stats(w, &st);
	assert_true(st.filtered);
	sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	assert_true(sock >= 0);

	/* Only the removal wakes the watch. */
	replay(sock, event, &with);
	for (unsigned i = 0; i < ELEMENTSOF(attach_like); i++) {
		bool removal = streq(attach_like[i].action, "remove");

		removals += removal;
		if (with.woke[i] != removal)
			fail_msg("%s of %s: %s", attach_like[i].action, attach_like[i].devpath,
				 removal ? "did not wake the watch" : "woke the watch");
	}
	assert_int_equal(with.wakeups, removals);

	/*
	 * The kernel's own uevents, from a tun device: its addition does not
	 * wake the watch, its removal (when the last descriptor closes) does,
	 * and libudev takes it (the kernel sent it; "net", so not handed on).
	 */
	tun = tun_open("pcirstw0");
	if (tun == -ENOENT || tun == -ENODEV) {
		print_message("skipped: no tun device here (/dev/net/tun): %s\n", strerror(-tun));
		close(sock);
		sd_event_unref(event);
		test_skip();
	}
	if (tun < 0)
		fail_msg("cannot create a tun device in the namespace: %s", strerror(-tun));
	assert_int_equal(sd_event_run(event, 0), 0);
	close(tun);
	assert_int_equal(sd_event_run(event, 5 * USEC_PER_SEC), 1);
	while (sd_event_run(event, 0) > 0)
		;
	tun_cycles(event, &tun_with);
	assert_int_equal(tun_with.wakeups_on_add, 0);

	/* The same socket without the filter: every message wakes it, and nothing else changes. */
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &(int){0}, sizeof(int)), 0);
	replay(sock, event, &without);
	assert_int_equal(without.wakeups, ELEMENTSOF(attach_like));
	tun_cycles(event, &tun_without);
	assert_true(tun_without.wakeups_on_add > 0);
	devwatch_get_stats(w, &st);
	assert_int_equal(st.removals, 0);
	print_message("%-38s %8s %10s\n", "attach-like sequence, kernel group", "wake-ups",
		      "loop CPU");
	print_message("%-38s %8u %7.0f us\n", "with the filter", with.wakeups, with.cpu_us);
	print_message("%-38s %8u %7.0f us\n", "without (same socket, detached)", without.wakeups,
		      without.cpu_us);
	print_message("%-38s %7.2fx %9.2fx\n", "ratio without / with",
		      (double)without.wakeups / with.wakeups,
		      with.cpu_us > 0 ? without.cpu_us / with.cpu_us : 0.0);
	print_message("%-38s %8s %10s\n", "tun device added and removed, 20x", "wake-ups",
		      "loop CPU");
	print_message("%-38s %8u %7.0f us\n", "with the filter", tun_with.wakeups, tun_with.cpu_us);
	print_message("%-38s %8u %7.0f us\n", "without (same socket, detached)",
		      tun_without.wakeups, tun_without.cpu_us);
	print_message("%-38s %7.2fx %9.2fx\n", "ratio without / with",
		      tun_with.wakeups ? (double)tun_without.wakeups / tun_with.wakeups : 0.0,
		      tun_with.cpu_us > 0 ? tun_without.cpu_us / tun_with.cpu_us : 0.0);
	close(sock);
	devwatch_free(w);
	w = NULL;
	sd_event_unref(event);
}

static int set_optmem_max(unsigned long bytes)
{
	FILE *f = fopen("/proc/sys/net/core/optmem_max", "we");
	int r;

	if (!f)
		return -errno;
	r = fprintf(f, "%lu\n", bytes) < 0 ? -EIO : 0;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	return r;
}

/*
 * A filter the kernel refuses: the socket option memory of a namespace of our
 * own (net.core.optmem_max, per namespace since Linux 6.9) raised from 1 byte
 * until the watch opens. Below that, libudev's own filter is refused and the
 * open fails; at the first limit where it opens, ours, charged while
 * libudev's still is, cannot fit (Debian 12's libudev attaches none on the
 * kernel group: then it opens at 1 byte). The watch must say it is
 * unfiltered and work: a non-removal wakes it.
 */
static void optmem__filter_refused(void **state)
{
	_cleanup_(devwatch_freep) struct devwatch *w = NULL;
	struct devwatch_stats st;
	sd_event *event = NULL;
	unsigned long limit;
	int sock, r;

	if (unshare(CLONE_NEWNET) < 0) {
		print_message("skipped: cannot create a network namespace: %s\n", strerror(errno));
		test_skip();
	}
	if (set_optmem_max(1) < 0) {
		print_message("skipped: net.core.optmem_max is not per namespace here\n");
		test_skip();
	}
	assert_int_equal(sd_event_new(&event), 0);
	for (limit = 1; limit <= 65536; limit++) {
		assert_int_equal(set_optmem_max(limit), 0);
		r = devwatch_new(event, NULL, DEVWATCH_SOURCE_KERNEL, NULL, NULL, &w);
		if (r == 0)
			break;
		assert_int_equal(r, -ENOMEM); /* libudev's own filter refused */
	}
	assert_non_null(w);
	print_message("the watch opened at optmem_max %lu\n", limit);
	devwatch_get_stats(w, &st);
	assert_false(st.filtered);
	sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	assert_true(sock >= 0);
	assert_int_equal(
	    uevent_send_kernel(sock, "bind", "pci", "/devices/pci0000:00/0000:00:04.0"), 0);
	assert_int_equal(sd_event_run(event, 0), 1);
	devwatch_get_stats(w, &st);
	assert_int_equal(st.wakeups, 1);
	close(sock);
	devwatch_free(w);
	w = NULL;
	sd_event_unref(event);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(programs_on_a_socket),
	    /* Moves the process into a network namespace of its own. */
	    cmocka_unit_test(kernel__group_filter),
	    cmocka_unit_test(optmem__filter_refused),
	};

	return test_run(tests, NULL, NULL, argc, argv);
}
