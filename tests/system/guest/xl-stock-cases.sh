#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The xl cases for an xl without the series (tests/system/README.md, "The Xen
# 4.20 configuration"): Debian 13's own xen-utils-4.20 in a Xen 4.20 dom0. Run
# by /init after cases.sh. What an unpatched xl does while pcirstd runs: it
# resets the device itself (sysfs `reset`, the device really reset) and never
# asks pcirstd; and whether a pci backend comes back after a detach that
# follows an attach at once (the "state 8" failure of the patched 4.20 xl,
# seen with pcirstd stopped: here pcirstd plays no part). Prints
# "PCIRST-SYSTEST ok|not ok NAME: …" like cases.sh and its own summary line.
. /lib.sh
# Every check below, counted: run.sh requires exactly this many results.
plan 23

# 02:00.0's NVMe CC register (lib.sh's reg/arm_reg): a reset clears it,
# nothing else does; arming also turns memory decoding on. jcount (lib.sh)
# counts pcirstd's audit entries for this domU.
be=
bestate() { xenstore-read "$be/state" 2>/dev/null || echo none; }
festate() { xenstore-read "/local/domain/$domid/device/pci/0/state" 2>/dev/null || echo none; }
# Waits up to S seconds for the pci backend to be Connected (4) again (or
# gone); prints how long it took, or "stuck STATE".
wait_connected() { # seconds
	local t0 st
	t0=$(uptime_ms)
	while [ $(($(uptime_ms) - t0)) -lt $(($1 * 1000)) ]; do
		st=$(bestate)
		case $st in 4 | none) echo $(($(uptime_ms) - t0)) && return 0 ;; esac
		usleep 100000
	done
	echo "stuck $st"
	return 1
}
# What the pci backend and frontend hold, and what pciback and the domU's
# pcifront logged: the evidence when a backend does not come back.
evidence() {
	echo "    backend $be:"
	xenstore-ls "$be" 2>&1 | sed 's/^/      /'
	echo "    frontend /local/domain/$domid/device/pci/0:"
	xenstore-ls "/local/domain/$domid/device/pci/0" 2>&1 | sed 's/^/      /'
	echo "    dom0 dmesg (pciback):"
	dmesg | grep -i 'pciback\|xen-pciback' | tail -8 | sed 's/^/      /'
	echo "    the domU's console:"
	tail -60 /var/log/xen/console/guest-domu.log 2>/dev/null | sed 's/^/      /'
}
# xl pci-attach/-detach under strace: exit status in xrc, time in took.
xlpci() { # name op sbdf
	local t0
	t0=$(uptime_ms)
	strace -o "/tmp/$1.strace" -e trace=open,openat,write xl "pci-$2" domu "$3" >"/tmp/$1.out" 2>&1
	xrc=$?
	took=$(($(uptime_ms) - t0))
	[ $xrc = 0 ] || sed 's/^/    /' "/tmp/$1.out" | tail -6
}

echo 1 >/sys/bus/pci/rescan # cases.sh removed 01:00.0 from the bus
xl pci-assignable-add 01:00.0 >/dev/null 2>&1 # pciback takes it again
mkdir -p /var/lib/xen /var/log/xen/console /run/xen /etc/xen
# libxl waits for the domU's console; its log has the domU kernel's messages.
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console ||
	notok "xenconsoled did not start"
daemon_log=/tmp/pcirstd-xl.log
start_daemon
check daemon "pcirstd's daemon/state before the xl cases" "$(xenstore-read $BASE/daemon/state 2>/dev/null)" ready
say "xl: $(xl info 2>/dev/null | sed -n 's/^xen_version *: //p') (Debian 13's xen-utils-4.20, no series)"

echo "== a PV domU"
start_domu
be=/local/domain/0/backend/pci/$domid/0
check domu "a domU writing a reset request into dom0's pcirstd directory" \
	"$(xenstore-read /local/domain/$domid/data/intrude 2>/dev/null)" denied

echo "== 1. pcirstd running, an xl without the series: xl resets the device itself and never asks pcirstd"
arm_reg 0000:02:00.0
check stock-attach "NVMe CC armed" "$(reg 0000:02:00.0)" 0x460000
reqs0=$(xenstore-list $BASE/request 2>/dev/null | tr '\n' ' ')
xlpci stock-attach attach 0000:02:00.0
check stock-attach "xl pci-attach exit status" "$xrc" 0
has stock-attach "xl opened the sysfs reset itself" /tmp/stock-attach.strace '0000:02:00.0/reset"'
check stock-attach "device register NVMe CC (cleared by xl's own reset)" "$(reg 0000:02:00.0)" 0x0
sleep 1 # journald stores asynchronously: an entry would be there by now
check stock-attach "pcirstd's audit entries for this attach" "$(jcount 0000:02:00.0 attach)" 0
check stock-attach "requests in pcirstd's xenstore directory (as before the attach)" \
	"$(xenstore-list $BASE/request 2>/dev/null | tr '\n' ' ')" "$reqs0"
check stock-attach "pcirstd still ready (running, not asked)" "$(xenstore-read $BASE/daemon/state 2>/dev/null)" ready
domu_sees stock-attach 0x1b36:0x0010 "NVMe device"
say "stock-attach: pci backend Connected $(wait_connected 20) ms after the attach returned"

echo "== 2. detach: xl resets the device itself again, pcirstd is not asked"
arm_reg 0000:02:00.0
xlpci stock-detach detach 0000:02:00.0
check stock-detach "xl pci-detach exit status" "$xrc" 0
has stock-detach "xl opened the sysfs reset itself" /tmp/stock-detach.strace '0000:02:00.0/reset"'
check stock-detach "device register NVMe CC (cleared by xl's own reset)" "$(reg 0000:02:00.0)" 0x0
sleep 1
check stock-detach "pcirstd's audit entries for this detach" "$(jcount 0000:02:00.0 detach)" 0

# The sequence that left the patched 4.20 xl's backend in state 8: a device
# attached and detached again. Detached while the domU's virtio-pci was still
# probing it, the domU (Linux 6.12) oopses and the backend stays in state 7
# or 8 with this unpatched xl too (tests/system/README.md): the detach waits
# until the domU's driver has the device, as a domU's user would.
echo "== 3. attach, detach once the domU's driver has the device, attach again"
st0=$(bestate)
xlpci seq-attach attach 0000:01:00.0
check seq "xl pci-attach exit status" "$xrc" 0
st1=$(bestate)
check seq "the domU's driver for 1af4:1041" "$(domu_settle "$domid" 0x1af4:0x1041 virtio-pci 90)" virtio-pci
xlpci seq-detach detach 0000:01:00.0
check seq "xl pci-detach exit status" "$xrc" 0
st2=$(bestate)
w=$(wait_connected 30)
say "sequence: backend state $st0, attached -> $st1, detached (${took} ms) -> $st2, then Connected or gone: $w"
case $w in
stuck*)
	evidence
	notok "seq: the pci backend came back Connected (or was removed) within 30 s ($w)"
	;;
*) ok "seq: the pci backend came back Connected (or was removed) within 30 s (after $w ms)" ;;
esac
xlpci seq-again attach 0000:01:00.0
check seq-again "xl pci-attach after the detach, exit status" "$xrc" 0
has seq-again "xl opened the sysfs reset itself" /tmp/seq-again.strace '0000:01:00.0/reset"'

echo "== 4. xl destroy"
xl destroy domu >/tmp/destroy.out 2>&1
check destroy "xl destroy exit status" "$?" 0
check destroy "pcirstd's audit entries for this domU" \
	"$(journalctl --no-pager -o export DOMID="$domid" | grep -c '^MESSAGE_ID=')" 0
kill -TERM $dpid
wait $dpid
say "xl summary pass=$pass fail=$fail"
finish
