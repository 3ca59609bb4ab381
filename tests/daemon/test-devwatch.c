/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device watch: uevent interpretation as a table, hostile input, the
 * choice of source, the real libudev adapter on real netlink sockets (the
 * kernel group as opened; the udev group fed with synthetic messages in a
 * private network namespace, so nothing on this machine hears them and no
 * device is touched) (the wiring to a manager: test-devwatch-manager.c;
 * the socket filters: test-devwatch-filter.c).
 */
#include <endian.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "devwatch.h"
#include "enginetest.h"
#include "manager.h"
#include "testmain.h"
#include "uevent.h"

/* ---- what the callback saw ---- */

#define MAX_SEEN 16

struct seen {
	unsigned n;
	char sbdf[MAX_SEEN][PCIRST_SBDF_STRLEN];
};

static void record(void *userdata, const struct pcirst_sbdf *sbdf)
{
	struct seen *s = userdata;

	assert_true(s->n < MAX_SEEN);
	pcirst_sbdf_format(sbdf, s->sbdf[s->n++]);
}

/* ---- interpretation ---- */

struct interpret_case {
	const char *action, *subsystem, *sysname, *devpath;
	const char *want; /* the removed function's address, or NULL: ignored */
};

static const struct interpret_case interpret_cases[] = {
    {"remove", "pci", "0000:03:00.0", NULL, "0000:03:00.0"},
    /* Raw kernel uevents carry DEVPATH; the name is its last component. */
    {"remove", "pci", NULL, "/devices/pci0000:00/0000:00:01.0/0000:01:00.1", "0000:01:00.1"},
    {"remove", "pci", "", "/devices/pci0000:00/0000:00:1c.0/0000:3a:00.7", "0000:3a:00.7"},
    {"remove", "pci", NULL, "0000:05:1f.7", "0000:05:1f.7"},
    /* The sysname wins over the devpath. */
    {"remove", "pci", "0000:03:00.0", "/devices/pci0000:00/0000:04:00.0", "0000:03:00.0"},
    {"remove", "pci", "0000:0A:1F.7", NULL, "0000:0a:1f.7"},
    {"remove", "pci", "ffff:ff:1f.7", NULL, "ffff:ff:1f.7"},
    /* Present: an addition, driver changes and the like. */
    {"add", "pci", "0000:03:00.0", NULL, NULL},
    {"add", "pci", NULL, "/devices/pci0000:00/0000:00:01.0/0000:01:00.1", NULL},
    {"bind", "pci", "0000:03:00.0", NULL, NULL},
    {"unbind", "pci", "0000:03:00.0", NULL, NULL},
    {"change", "pci", "0000:03:00.0", NULL, NULL},
    {"move", "pci", "0000:03:00.0", NULL, NULL},
    {"online", "pci", "0000:03:00.0", NULL, NULL},
    {"offline", "pci", "0000:03:00.0", NULL, NULL},
    {"ADD", "pci", "0000:03:00.0", NULL, NULL},
    {"", "pci", "0000:03:00.0", NULL, NULL},
    /* Not functions. */
    {"remove", "pci_bus", "0000:01", NULL, NULL},
    {"remove", "pci_bus", "0000:01:00.0", NULL, NULL},
    {"remove", "PCI", "0000:03:00.0", NULL, NULL},
    {"remove", "block", "sda", "/devices/pci0000:00/0000:00:17.0/ata1/host0", NULL},
    {"remove", "", "0000:03:00.0", NULL, NULL},
    /* Names the strict parser refuses. */
    {"remove", "pci", "10000:00:00.0", NULL, NULL}, /* VMD domain */
    {"remove", "pci", "0000:03:20.0", NULL, NULL},
    {"remove", "pci", "0000:03:00.8", NULL, NULL},
    {"remove", "pci", "0000:03:00.0 ", NULL, NULL},
    {"remove", "pci", "0000:03:00.0\n", NULL, NULL},
    {"remove", "pci", " 0000:03:00.0", NULL, NULL},
    {"remove", "pci", "0000:03:00.00", NULL, NULL},
    {"remove", "pci", "0000:3:00.0", NULL, NULL},
    {"remove", "pci", "pci0000:00", NULL, NULL},
    {"remove", "pci", NULL, "/devices/pci0000:00/0000:00:01.0/", NULL},
    {"remove", "pci", NULL, "/", NULL},
    {"remove", "pci", NULL, "", NULL},
    /* Incomplete. */
    {NULL, "pci", "0000:03:00.0", NULL, NULL},
    {"remove", NULL, "0000:03:00.0", NULL, NULL},
    {"remove", "pci", NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static void interpret_table(void **state)
{
	for (unsigned i = 0; i < ELEMENTSOF(interpret_cases); i++) {
		const struct interpret_case *c = &interpret_cases[i];
		struct pcirst_sbdf s = {0xdead, 1, 2, 3};
		char buf[PCIRST_SBDF_STRLEN];
		int r = devwatch_interpret(c->action, c->subsystem, c->sysname, c->devpath, &s);

		if (!c->want) {
			if (r != 0)
				fail_msg("case %u (%s %s %s): not ignored", i, c->action,
					 c->subsystem, c->sysname);
			/* Ignored events leave the output alone. */
			assert_int_equal(s.domain, 0xdead);
			continue;
		}
		if (r != 1)
			fail_msg("case %u (%s %s %s): ignored", i, c->action, c->subsystem,
				 c->sysname);
		assert_string_equal(pcirst_sbdf_format(&s, buf), c->want);
	}
}

/* Long, binary and random strings: ignored, never a crash (ASan in CI). */
static void hostile_events(void **state)
{
	static const char *const pool[] = {"",	   "pci",   "remove", "add",	      ":",
					   ".",	   "/",	    "0000",   "0000:03:00.0", "\xff\xfe",
					   "%s%n", "../..", "0:0:0.0"};
	char *big = malloc(65536), random_name[32];
	struct pcirst_sbdf s;
	unsigned seed = 1;

	memset(big, 'a', 65535);
	big[65535] = '\0';
	assert_int_equal(devwatch_interpret(big, big, big, big, &s), 0);
	assert_int_equal(devwatch_interpret("remove", "pci", big, NULL, &s), 0);
	assert_int_equal(devwatch_interpret("remove", "pci", NULL, big, &s), 0);
	memset(big, '/', 65535);
	assert_int_equal(devwatch_interpret("remove", "pci", NULL, big, &s), 0);
	free(big);
	for (unsigned i = 0; i < 20000; i++) {
		const char *f[4];

		for (unsigned k = 0; k < 4; k++)
			f[k] = (rand_r(&seed) & 3) ? pool[rand_r(&seed) % ELEMENTSOF(pool)] : NULL;
		for (unsigned k = 0; k + 1 < sizeof(random_name); k++)
			random_name[k] = (char)(1 + rand_r(&seed) % 255);
		random_name[1 + rand_r(&seed) % (sizeof(random_name) - 1)] = '\0';
		devwatch_interpret(f[0], f[1], f[2], f[3], &s);
		devwatch_interpret("remove", "pci", random_name, f[3], &s);
		devwatch_interpret("remove", "pci", NULL, random_name, &s);
	}
}

/* Without a monitor, devwatch_dispatch() is the only way in: exactly the adapter's path. */
static void dispatch_calls_back(void **state)
{
	_cleanup_(devwatch_freep) struct devwatch *w = NULL;
	struct devwatch_stats st;
	struct seen seen = {0};

	assert_int_equal(devwatch_new(NULL, NULL, DEVWATCH_SOURCE_NONE, record, &seen, &w), 0);
	assert_int_equal(devwatch_get_source(w), DEVWATCH_SOURCE_NONE);
	assert_int_equal(devwatch_get_fd(w), -EBADF);
	assert_int_equal(devwatch_dispatch(w, "add", "pci", "0000:03:00.0", NULL), 0);
	assert_int_equal(devwatch_dispatch(w, "unbind", "pci", "0000:03:00.0", NULL), 0);
	assert_int_equal(devwatch_dispatch(w, "remove", "pci_bus", "0000:03", NULL), 0);
	assert_int_equal(devwatch_dispatch(w, "remove", "pci", NULL, "/devices/x/0000:03:00.0"), 1);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.sbdf[0], "0000:03:00.0");
	devwatch_get_stats(w, &st);
	assert_false(st.filtered);
	assert_int_equal(st.wakeups, 0);
	assert_int_equal(st.events, 4);
	assert_int_equal(st.removals, 1);
	assert_int_equal(devwatch_new(NULL, NULL, (enum devwatch_source)7, record, &seen, &w),
			 -EINVAL);
}

/* ---- sources ---- */

/* The names of --device-watch, both ways. */
static void source_names(void **state)
{
	static const char *const names[] = {"none", "udev", "kernel", "auto"};
	enum devwatch_source s;

	for (unsigned i = 0; i < ELEMENTSOF(names); i++) {
		assert_int_equal(devwatch_source_from_name(names[i], &s), 0);
		assert_int_equal(s, (enum devwatch_source)i);
		assert_string_equal(devwatch_source_name(s), names[i]);
	}
	s = DEVWATCH_SOURCE_UDEV;
	assert_int_equal(devwatch_source_from_name("Kernel", &s), -EINVAL);
	assert_int_equal(devwatch_source_from_name("", &s), -EINVAL);
	assert_int_equal(devwatch_source_from_name("invalid", &s), -EINVAL);
	assert_int_equal(s, DEVWATCH_SOURCE_UDEV);
}

/* A fresh directory standing for "/", with udevd's control socket or without. */
static void make_root(char *dir, size_t size, bool udevd)
{
	char path[PATH_MAX];
	int fd;

	snprintf(dir, size, "/tmp/pcirst-devwatch-XXXXXX");
	assert_non_null(mkdtemp(dir));
	if (!udevd)
		return;
	snprintf(path, sizeof(path), "%s/run", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/run/udev", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	/* Existence is all that counts (a socket when udevd runs). */
	snprintf(path, sizeof(path), "%s/run/udev/control", dir);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
}

static void remove_root(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/run/udev/control", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/run/udev", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/run", dir);
	rmdir(path);
	assert_int_equal(rmdir(dir), 0);
}

static void pick_source(void **state)
{
	char with[64], without[64];

	make_root(with, sizeof(with), true);
	make_root(without, sizeof(without), false);
	assert_int_equal(devwatch_pick_source(with), DEVWATCH_SOURCE_UDEV);
	assert_int_equal(devwatch_pick_source(without), DEVWATCH_SOURCE_KERNEL);
	/* This machine: whatever its /run/udev/control says (no udevd where this was written). */
	assert_int_equal(devwatch_pick_source(NULL), access("/run/udev/control", F_OK) == 0
							 ? DEVWATCH_SOURCE_UDEV
							 : DEVWATCH_SOURCE_KERNEL);
	assert_int_equal(devwatch_pick_source("/"), devwatch_pick_source(NULL));
	remove_root(with);
	remove_root(without);
}

/* The netlink multicast groups the monitor's socket is bound to: 1 kernel, 2 udev. */
static unsigned bound_groups(int fd)
{
	struct sockaddr_nl nl = {0};
	socklen_t len = sizeof(nl);
	int proto;
	socklen_t plen = sizeof(proto);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&nl, &len), 0);
	assert_int_equal(nl.nl_family, AF_NETLINK);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &plen), 0);
	assert_int_equal(proto, NETLINK_KOBJECT_UEVENT);
	return nl.nl_groups;
}

/* Without udevd (the QEMU dom0's case) the automatic choice is the kernel group. */
static void kernel_source_without_udevd(void **state)
{
	_cleanup_(devwatch_freep) struct devwatch *w = NULL;
	struct seen seen = {0};
	sd_event *event = NULL;
	char root[64];
	int fd;

	make_root(root, sizeof(root), false);
	assert_int_equal(sd_event_new(&event), 0);
	assert_int_equal(devwatch_new(event, root, DEVWATCH_SOURCE_AUTO, record, &seen, &w), 0);
	assert_int_equal(devwatch_get_source(w), DEVWATCH_SOURCE_KERNEL);
	fd = devwatch_get_fd(w);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(bound_groups(fd), 1);
	/* The io source is registered and the loop runs with it (real uevents, if any, pass). */
	assert_true(sd_event_run(event, 0) >= 0);
	devwatch_free(w);
	w = NULL;

	/* Asked for explicitly, whatever the root says. */
	assert_int_equal(devwatch_new(event, NULL, DEVWATCH_SOURCE_KERNEL, record, &seen, &w), 0);
	assert_int_equal(devwatch_get_source(w), DEVWATCH_SOURCE_KERNEL);
	assert_int_equal(bound_groups(devwatch_get_fd(w)), 1);
	devwatch_free(w);
	w = NULL;
	sd_event_unref(event);
	remove_root(root);
}

/*
 * libudev itself refuses the udev group (binds to no group) when neither
 * udevd runs nor /dev is a devtmpfs, to keep containers from hearing the
 * host: then the udev group cannot be tested here.
 */
static bool udev_group_usable(struct devwatch *w)
{
	unsigned g = bound_groups(devwatch_get_fd(w));

	assert_true(g == 2 || g == 0);
	return g == 2;
}

static void udev_source_with_udevd(void **state)
{
	_cleanup_(devwatch_freep) struct devwatch *w = NULL;
	sd_event *event = NULL;
	char root[64];

	make_root(root, sizeof(root), true);
	assert_int_equal(sd_event_new(&event), 0);
	assert_int_equal(devwatch_new(event, root, DEVWATCH_SOURCE_AUTO, NULL, NULL, &w), 0);
	assert_int_equal(devwatch_get_source(w), DEVWATCH_SOURCE_UDEV);
	assert_true(devwatch_get_fd(w) >= 0);
	if (!udev_group_usable(w))
		print_message(
		    "note: libudev disabled the udev group here (no udevd, no devtmpfs)\n");
	devwatch_free(w);
	w = NULL;
	sd_event_unref(event);
	remove_root(root);
}

/*
 * No socket can be opened (out of file descriptors): the automatic choice
 * goes on without a source, an explicit one fails with the reason.
 */
static void no_source_when_sockets_fail(void **state)
{
	_cleanup_(devwatch_freep) struct devwatch *w = NULL;
	struct rlimit old, low;
	sd_event *event = NULL;
	int lowest, r_auto, r_kernel;
	struct devwatch *w2 = NULL;

	assert_int_equal(sd_event_new(&event), 0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	lowest = dup(0);
	assert_true(lowest >= 0);
	close(lowest);
	low = (struct rlimit){.rlim_cur = (rlim_t)lowest, .rlim_max = old.rlim_max};
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	r_auto = devwatch_new(event, NULL, DEVWATCH_SOURCE_AUTO, NULL, NULL, &w);
	r_kernel = devwatch_new(event, NULL, DEVWATCH_SOURCE_KERNEL, NULL, NULL, &w2);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);

	assert_int_equal(r_auto, 0);
	assert_int_equal(devwatch_get_source(w), DEVWATCH_SOURCE_NONE);
	assert_int_equal(devwatch_get_fd(w), -EBADF);
	assert_int_equal(r_kernel, -EMFILE);
	assert_null(w2);
	sd_event_unref(event);
}

/* ---- the real adapter on the udev group, fed synthetic messages ---- */

/* Sends one event to the udev group as udevd would (tests/lib/uevent.c); magic 0: corrupt. */
static void send_udev_event(int sock, const char *action, const char *subsystem,
			    const char *devpath, uint32_t magic)
{
	int r = uevent_send_udev(sock, action, subsystem, devpath, magic);

	if (r < 0)
		fail_msg("sendmsg: %s", strerror(-r));
}

static void udev__group_end_to_end(void **state)
{
	_cleanup_(devwatch_freep) struct devwatch *w = NULL;
	struct devwatch_stats st;
	struct seen seen = {0};
	sd_event *event = NULL;
	char root[64];
	int sock;

	/* A network namespace of our own: the udev group is per namespace, ours is private. */
	if (unshare(CLONE_NEWNET) < 0) {
		print_message("skipped: cannot create a network namespace: %s\n", strerror(errno));
		test_skip();
	}
	make_root(root, sizeof(root), true);
	assert_int_equal(sd_event_new(&event), 0);
	assert_int_equal(devwatch_new(event, root, DEVWATCH_SOURCE_AUTO, record, &seen, &w), 0);
	assert_int_equal(devwatch_get_source(w), DEVWATCH_SOURCE_UDEV);
	remove_root(root);
	if (!udev_group_usable(w)) {
		sd_event_unref(event);
		test_skip();
	}
	sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	assert_true(sock >= 0);

	/*
	 * All queued before the loop runs: one wake-up must drain them all.
	 * The socket filter keeps the other subsystem, the corrupt message and
	 * the non-removals out of the queue; the removal whose name is no
	 * address passes it and is ignored in user space.
	 */
	send_udev_event(sock, "remove", "pci", "/devices/pci0000:00/0000:00:01.0/0000:05:00.0",
			0xfeedcafe);
	send_udev_event(sock, "remove", "block", "/devices/virtual/block/loop0", 0xfeedcafe);
	send_udev_event(sock, "remove", "pci", "/devices/pci0000:00/0000:00:01.0/0000:05:00.2",
			0); /* corrupt: never handed over, more follow */
	send_udev_event(sock, "unbind", "pci", "/devices/pci0000:00/0000:00:01.0/0000:05:00.0",
			0xfeedcafe);
	send_udev_event(sock, "remove", "pci", "/devices/pci0000:00/0000:00:01.0/not-an-address",
			0xfeedcafe);
	send_udev_event(sock, "add", "pci", "/devices/pci0000:00/0000:00:02.0/0000:06:00.1",
			0xfeedcafe);
	send_udev_event(sock, "remove", "pci", "/devices/pci0000:00/0000:00:03.0/0000:07:1f.7",
			0xfeedcafe);
	close(sock);

	assert_int_equal(sd_event_run(event, 2 * USEC_PER_SEC), 1);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.sbdf[0], "0000:05:00.0");
	assert_string_equal(seen.sbdf[1], "0000:07:1f.7");
	devwatch_get_stats(w, &st);
	assert_true(st.filtered);
	assert_int_equal(st.wakeups, 1);
	assert_int_equal(st.events, 3);
	assert_int_equal(st.removals, 2);
	/* Drained: nothing left to wake the loop. */
	assert_int_equal(sd_event_run(event, 0), 0);
	devwatch_free(w);
	w = NULL;
	sd_event_unref(event);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(interpret_table),
	    cmocka_unit_test(hostile_events),
	    cmocka_unit_test(dispatch_calls_back),
	    cmocka_unit_test(source_names),
	    cmocka_unit_test(pick_source),
	    cmocka_unit_test(kernel_source_without_udevd),
	    cmocka_unit_test(udev_source_with_udevd),
	    cmocka_unit_test(no_source_when_sockets_fail),
	    /* Last: it moves the process into a network namespace of its own. */
	    cmocka_unit_test(udev__group_end_to_end),
	};

	return test_run(tests, NULL, NULL, argc, argv);
}
