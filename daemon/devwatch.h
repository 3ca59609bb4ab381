/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device watch: tells the daemon when a PCI function is removed, so that a reset of a function
 * that vanishes aborts at once with a clear answer instead of running into timeouts on all-ones
 * config reads.
 *
 * The events come from a uevent netlink socket (devwatch-udev.c, the only
 * code that touches it): udevd's group when udevd runs, else the kernel's
 * own group (a Xen dom0 without udevd still has those). Interpreting an
 * event is pure and lives here, so tests drive it without any socket. A
 * socket filter (devwatch-filter.h) keeps the kernel from queueing what the
 * watch would ignore; docs/device-watch.md.
 *
 * The watch is an optimisation, not a dependency: a removal is also noticed
 * by the reset engine when config space stops answering. So when no source
 * can be opened, devwatch_new() logs it once and returns a watch without one.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-event.h>

#include <pcirst/sbdf.h>

#include "util.h"

enum devwatch_source {
	DEVWATCH_SOURCE_NONE,	/* no monitor: events only through devwatch_dispatch() */
	DEVWATCH_SOURCE_UDEV,	/* udevd's netlink group, events after its rules ran */
	DEVWATCH_SOURCE_KERNEL, /* the kernel's netlink group, raw uevents */
	DEVWATCH_SOURCE_AUTO,	/* for devwatch_new(): udev if udevd runs, else kernel, else none */
};

const char *devwatch_source_name(enum devwatch_source s);
/* Parses "none", "udev", "kernel" or "auto"; -EINVAL otherwise. */
int devwatch_source_from_name(const char *name, enum devwatch_source *out);

/* Called for each removal of a PCI function. */
typedef void (*devwatch_cb)(void *userdata, const struct pcirst_sbdf *sbdf);

struct devwatch;

/*
 * Watches for PCI functions coming and going, calling cb from the event loop.
 * root is the directory treated as "/" when looking for udevd's control
 * socket (<root>/run/udev/control), like the daemon's --sysfs-root; NULL
 * means "/". With DEVWATCH_SOURCE_AUTO a source that cannot be opened is
 * logged and the next one tried, down to none: only -ENOMEM fails. An
 * explicitly requested source that cannot be opened fails with its -errno.
 */
int devwatch_new(sd_event *event, const char *root, enum devwatch_source source, devwatch_cb cb,
		 void *userdata, struct devwatch **out);
void devwatch_free(struct devwatch *w);
DEFINE_FREEP(struct devwatch, devwatch_free)

/* The source in use (never DEVWATCH_SOURCE_AUTO). */
enum devwatch_source devwatch_get_source(const struct devwatch *w);
/* The monitor's file descriptor, or -EBADF without a monitor (tests). */
int devwatch_get_fd(const struct devwatch *w);

/* What the watch saw since devwatch_new(): the cost of listening, and what it was for. */
struct devwatch_stats {
	bool filtered;		/* the socket filter is attached */
	unsigned long wakeups;	/* times the socket woke the event loop */
	unsigned long events;	/* uevents interpreted (libudev's checks passed) */
	unsigned long removals; /* of those, removals of PCI functions: callbacks */
};

void devwatch_get_stats(const struct devwatch *w, struct devwatch_stats *out);

/* Which source DEVWATCH_SOURCE_AUTO tries first: udev if <root>/run/udev/control exists. */
enum devwatch_source devwatch_pick_source(const char *root);

/*
 * Interprets one uevent: ACTION, SUBSYSTEM, the device's sysname and its
 * DEVPATH (the sysname is taken from its last component when sysname is NULL
 * or empty). Returns 1 and fills out_sbdf for the removal of a PCI function,
 * 0 for anything else (other actions, additions included, other subsystems,
 * names that are not a function's address), logged at debug level. This is
 * the check every event passes, whether a socket filter ran before or not.
 * Any argument but out_sbdf may be NULL.
 */
int devwatch_interpret(const char *action, const char *subsystem, const char *sysname,
		       const char *devpath, struct pcirst_sbdf *out_sbdf);

/*
 * Feeds one uevent to the watch as if its monitor had received it: the
 * adapter's path, and the tests'. Returns what devwatch_interpret() returns,
 * after calling the callback when it returned 1.
 */
int devwatch_dispatch(struct devwatch *w, const char *action, const char *subsystem,
		      const char *sysname, const char *devpath);

/*
 * The daemon's callback, userdata a struct manager: a removal aborts the
 * resets touching the function and answers the queued ones
 * (manager_device_removed).
 */
void devwatch_to_manager(void *userdata, const struct pcirst_sbdf *sbdf);
