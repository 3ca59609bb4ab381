/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device watch's socket filters: classic BPF programs that the kernel
 * runs on every uevent before queueing it on the watch's socket, so that an
 * event the watch would ignore never wakes pcirstd. The watch needs only
 * removals of PCI functions (devwatch.h); a Xen attach or detach alone sends
 * a dozen other uevents (drivers unbound and bound, xen-backend devices
 * added and changed), each of which used to cost a wake-up, a libudev parse
 * and the CPU the dom0's single vCPU was sharing with xl.
 *
 * The filters are an optimisation, not the guard: devwatch_interpret() checks
 * every event that passes, and when a filter cannot be attached the watch
 * works as before (devwatch-udev.c logs it). Where a filter cannot be sure
 * (a udev message laid out other than udevd lays it out) it passes the
 * message. Pure: building a program touches nothing; docs/device-watch.md.
 */
#pragma once

#include <linux/filter.h>

#include "devwatch.h"

/* libudev's header before a udev message's properties (systemd's monitor_netlink_header). */
#define DEVWATCH_UDEV_HEADER_SIZE 40
#define DEVWATCH_UDEV_MAGIC	  0xfeedcafe
/* MurmurHash2 (seed 0) of "pci": the subsystem hash udevd puts in that header. */
#define DEVWATCH_UDEV_PCI_SUBSYSTEM_HASH 0x59163b92

/* Room for the longest program. */
#define DEVWATCH_FILTER_MAX 64

/*
 * Fills insns (DEVWATCH_FILTER_MAX entries) with the program for the netlink
 * group of source and returns its length, or -EINVAL for a source without
 * one:
 *  - DEVWATCH_SOURCE_KERNEL: passes the kernel's "remove@DEVPATH" messages,
 *    drops every other message.
 *  - DEVWATCH_SOURCE_UDEV: for udevd's messages (libudev header, magic),
 *    drops those whose subsystem hash is not "pci" (what libudev's own filter
 *    did) and those whose properties start with an ACTION other than
 *    "remove" (after UDEV_DATABASE_VERSION, where newer udevd puts that
 *    first); passes the rest. Messages without the header are judged as on
 *    the kernel group.
 */
int devwatch_filter_build(enum devwatch_source source, struct sock_filter *insns);
