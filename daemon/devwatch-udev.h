/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device watch's adapter: the only code that touches the uevent netlink
 * socket (through libudev). It hands every received event to
 * devwatch_dispatch(); the interpretation is devwatch.c's.
 */
#pragma once

#include <systemd/sd-event.h>

#include "devwatch.h"

struct devwatch_udev;

/*
 * Opens a monitor on the netlink group of source (DEVWATCH_SOURCE_UDEV or
 * DEVWATCH_SOURCE_KERNEL), filtered on subsystem "pci" by libudev and on
 * removals by the kernel (devwatch-filter.h; a filter that cannot be
 * attached is logged and the monitor works without), with an io source on
 * event that feeds w. Returns 0 or a negative errno.
 */
int devwatch_udev_open(sd_event *event, enum devwatch_source source, struct devwatch *w,
		       struct devwatch_udev **out);
void devwatch_udev_free(struct devwatch_udev *u);
DEFINE_FREEP(struct devwatch_udev, devwatch_udev_free)

int devwatch_udev_get_fd(const struct devwatch_udev *u);
/* Whether the socket filter is attached. */
bool devwatch_udev_filtered(const struct devwatch_udev *u);
/* How often the socket woke the event loop. */
unsigned long devwatch_udev_wakeups(const struct devwatch_udev *u);
