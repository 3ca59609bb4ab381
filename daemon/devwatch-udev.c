/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libudev adapter of the device watch. libudev speaks both netlink
 * groups: "udev" (udevd's re-broadcast after its rules ran) and "kernel"
 * (the kernel's uevents as they happen, which is all a dom0 without udevd
 * has). Either way a removal carries ACTION, SUBSYSTEM and DEVPATH, which is
 * all the watch needs; nothing here reads sysfs.
 */
#include <poll.h>
#include <libudev.h>
#include <sys/socket.h>

#include "devwatch-filter.h"
#include "devwatch-udev.h"
#include "log.h"

/*
 * Events handled per wake-up before yielding to the rest of the loop; the io
 * source is level-triggered, so what is left wakes it again at once.
 */
#define DRAIN_MAX 1024
/* A burst (SR-IOV VFs going away, a hotplug of a whole switch) must not overflow the socket. */
#define RCVBUF_SIZE (4 * 1024 * 1024)

struct devwatch_udev {
	struct udev *udev;
	struct udev_monitor *monitor;
	sd_event_source *io;
	struct devwatch *watch;
	bool filtered;
	unsigned long wakeups;
};

static bool still_readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

static void handle_device(struct devwatch_udev *u, struct udev_device *d)
{
	devwatch_dispatch(u->watch, udev_device_get_action(d), udev_device_get_subsystem(d),
			  udev_device_get_sysname(d), udev_device_get_devpath(d));
}

/* Why receiving returned nothing; EAGAIN is the normal end of a drain. */
static void log_receive_error(int err)
{
	if (err == ENOBUFS)
		log_warning("device watch: the kernel dropped uevents (receive queue full); a "
			    "device removed meanwhile is noticed when its config space stops "
			    "answering");
	else if (err && err != EAGAIN && err != EWOULDBLOCK && err != EINTR)
		log_debug("device watch: a uevent was dropped: %s", strerror(err));
}

/*
 * Drains the socket. libudev returns NULL both when the queue is empty and
 * when it discarded one message (from an untrusted sender, malformed, or not
 * passing the filter), so "empty" is asked of the socket itself.
 */
static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct devwatch_udev *u = userdata;

	u->wakeups++;
	for (unsigned i = 0; i < DRAIN_MAX; i++) {
		struct udev_device *d;

		errno = 0;
		d = udev_monitor_receive_device(u->monitor);
		if (d) {
			handle_device(u, d);
			udev_device_unref(d);
			continue;
		}
		log_receive_error(errno);
		if (!still_readable(fd))
			break;
	}
	/* An error return would disable the source for good: never give up on the watch. */
	return 0;
}

/*
 * Replaces libudev's socket filter, where it attached one (SO_ATTACH_FILTER
 * keeps one program per socket), with ours, which also checks the subsystem
 * libudev's checked: so only after udev_monitor_enable_receiving(), which
 * attaches libudev's. Events queued before are checked in user space like
 * all others.
 */
static void attach_filter(struct devwatch_udev *u, enum devwatch_source source)
{
	struct sock_filter insns[DEVWATCH_FILTER_MAX];
	struct sock_fprog prog = {.filter = insns};
	int n = devwatch_filter_build(source, insns);

	if (n < 0)
		return;
	prog.len = (unsigned short)n;
	if (setsockopt(udev_monitor_get_fd(u->monitor), SOL_SOCKET, SO_ATTACH_FILTER, &prog,
		       sizeof(prog)) < 0) {
		log_notice("device watch: cannot attach the uevent filter (%s); every %s uevent "
			   "wakes pcirstd and is checked in user space",
			   strerror(errno), devwatch_source_name(source));
		return;
	}
	u->filtered = true;
}

static int open_monitor(struct devwatch_udev *u, enum devwatch_source source)
{
	const char *group = source == DEVWATCH_SOURCE_UDEV ? "udev" : "kernel";
	int r;

	u->udev = udev_new();
	if (!u->udev)
		return -ENOMEM;
	u->monitor = udev_monitor_new_from_netlink(u->udev, group);
	if (!u->monitor)
		return errno > 0 ? -errno : -EIO;
	/*
	 * libudev checks the subsystem after receiving, and on the udev group
	 * its socket filter checked it before (replaced by ours below).
	 * devwatch_interpret() checks it again either way.
	 */
	r = udev_monitor_filter_add_match_subsystem_devtype(u->monitor, "pci", NULL);
	if (r < 0)
		return r;
	r = udev_monitor_set_receive_buffer_size(u->monitor, RCVBUF_SIZE);
	if (r < 0)
		log_debug("device watch: cannot enlarge the receive buffer: %s", strerror(-r));
	r = udev_monitor_enable_receiving(u->monitor);
	if (r < 0)
		return r;
	attach_filter(u, source);
	return 0;
}

int devwatch_udev_open(sd_event *event, enum devwatch_source source, struct devwatch *w,
		       struct devwatch_udev **out)
{
	_cleanup_(devwatch_udev_freep) struct devwatch_udev *u = NULL;
	int r;

	if (source != DEVWATCH_SOURCE_UDEV && source != DEVWATCH_SOURCE_KERNEL)
		return -EINVAL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->watch = w;
	r = open_monitor(u, source);
	if (r < 0)
		return r;
	r = sd_event_add_io(event, &u->io, udev_monitor_get_fd(u->monitor), EPOLLIN, on_readable,
			    u);
	if (r < 0)
		return r;
	/* A removal should abort a reset before that reset's next timer fires in the same round. */
	sd_event_source_set_priority(u->io, SD_EVENT_PRIORITY_IMPORTANT);
	sd_event_source_set_description(u->io, "devwatch");
	*out = u;
	u = NULL;
	return 0;
}

void devwatch_udev_free(struct devwatch_udev *u)
{
	if (!u)
		return;
	sd_event_source_disable_unref(u->io);
	udev_monitor_unref(u->monitor);
	udev_unref(u->udev);
	free(u);
}

int devwatch_udev_get_fd(const struct devwatch_udev *u)
{
	return udev_monitor_get_fd(u->monitor);
}

bool devwatch_udev_filtered(const struct devwatch_udev *u)
{
	return u->filtered;
}

unsigned long devwatch_udev_wakeups(const struct devwatch_udev *u)
{
	return u->wakeups;
}
