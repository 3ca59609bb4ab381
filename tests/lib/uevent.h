/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Synthetic udev events: what udevd broadcasts on the netlink "udev" group
 * (2) after its rules ran, with libudev's header, and what the kernel
 * broadcasts on its group (1), so that pcirstd's device watch
 * (daemon/devwatch-udev.c) can be fed in a private network namespace.
 */
#pragma once

#include <stdint.h>

#define UEVENT_UDEV_MAGIC 0xfeedcafe

/* The hash of a subsystem's name in udevd's header (systemd's string_hash32()). */
uint32_t uevent_subsystem_hash(const char *str);

/*
 * Sends ACTION/DEVPATH/SUBSYSTEM on sock (AF_NETLINK, NETLINK_KOBJECT_UEVENT)
 * to the udev group; magic 0 sends a corrupt message. 0 or -errno.
 */
int uevent_send_udev(int sock, const char *action, const char *subsystem, const char *devpath,
		     uint32_t magic);

/*
 * Sends "ACTION@DEVPATH" and the properties ACTION, DEVPATH, SUBSYSTEM and
 * SEQNUM, laid out as the kernel lays them out, on sock to the kernel group.
 * libudev ignores such a message (its sender is not the kernel), but the
 * kernel's socket filters judge it as one of the kernel's. 0 or -errno.
 */
int uevent_send_kernel(int sock, const char *action, const char *subsystem, const char *devpath);
