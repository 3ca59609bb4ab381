#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Loads the Xen modules for the systemd configuration of the system test
# (units/pcirst-modules.service), as guest/init does for the busybox one.
hide=$(sed -n 's/.*pcirst\.hide=\([^ ]*\).*/\1/p' /proc/cmdline)
while read -r ko; do
	case $ko in
	xen-pciback.ko) insmod "/lib/modules/$ko" hide="$hide" ;;
	*) insmod "/lib/modules/$ko" ;;
	esac || echo "PCIRST-SYSTEST error insmod $ko" >/dev/console
done </etc/modules.order
mountpoint -q /proc/xen || mount -t xenfs xenfs /proc/xen
