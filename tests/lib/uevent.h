/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Synthetic udev events: what udevd broadcasts on the netlink "udev" group
 * (2) after its rules ran, with libudev's header, so that pcirstd's device
 * watch (daemon/devwatch-udev.c) can be fed in a private network namespace.
 */
#pragma once

#include <stdint.h>

#define UEVENT_UDEV_MAGIC 0xfeedcafe

/*
 * Sends ACTION/DEVPATH/SUBSYSTEM on sock (AF_NETLINK, NETLINK_KOBJECT_UEVENT)
 * to the udev group; magic 0 sends a corrupt message. 0 or -errno.
 */
int uevent_send_udev(int sock, const char *action, const char *subsystem, const char *devpath,
		     uint32_t magic);
