# SPDX-License-Identifier: GPL-2.0-or-later
#
# What the guest's test scripts share (sourced by cases.sh, xl-cases.sh,
# libvirt-cases.sh and systemd-cases.sh): the result lines the host counts
# ("PCIRST-SYSTEST ok|not ok NAME: …"), small checks, the devices' test
# registers, pcirstd's audit entries of a domain's requests, and the wait for
# a domain's pci backend. Each script keeps its own pass/fail counts for its
# summary.
#
# Each script declares how many checks it makes: "plan N" before the first,
# "finish" after the last. run.sh requires exactly N results from every
# script its configuration runs, so a check that never ran (a script that
# died, a branch that was not taken) fails the test. A script that gains or
# loses a check changes its N.
BASE=/local/domain/0/pci-reset
pass=0
fail=0
planned=
script=$(basename "$0")

plan() { # number of checks this script makes
	planned=$1
	say "plan $script $1"
}
finish() {
	say "done $script pass=$pass fail=$fail planned=$planned"
}

say() { echo "PCIRST-SYSTEST $*"; }
ok() {
	pass=$((pass + 1))
	say "ok $*"
}
notok() {
	fail=$((fail + 1))
	say "not ok $*"
}
check() { # name condition-text value expected
	if [ "$3" = "$4" ]; then ok "$1: $2 = $3"; else notok "$1: $2 = '$3', expected '$4'"; fi
}
has() { # name what file pattern
	if grep -q "$4" "$3"; then ok "$1: $2"; else notok "$1: $2 (no '$4' in $(basename "$3"))"; fi
}
hasnt() { # name what file pattern
	if grep -q "$4" "$3"; then notok "$1: $2 ('$4' in $(basename "$3"))"; else ok "$1: $2"; fi
}
uptime_ms() { awk '{printf "%d\n", $1 * 1000}' /proc/uptime; }
# Waits up to S seconds until the domU's DRIVER has taken its function
# VENDOR:DEVICE (its data/lspci and data/drivers, guest/domu-init) and prints
# the driver, or prints "none" at once when the domU has no such driver. A
# device must not be detached while the domU's driver is still taking it: the
# domU (Linux 6.12) oopses and its pci backend never returns to Connected
# (tests/system/README.md, "The Xen 4.20 configuration").
domu_settle() { # domid vendor:device driver seconds
	local t0 l
	t0=$(uptime_ms)
	case " $(xenstore-read "/local/domain/$1/data/drivers" 2>/dev/null) " in
	*" $3 "*) ;;
	*) echo none && return 0 ;;
	esac
	while :; do
		l=$(xenstore-read "/local/domain/$1/data/lspci" 2>/dev/null | tr ';' '\n' | grep " $2 $3\$")
		[ -n "$l" ] && echo "$3" && return 0
		[ $(($(uptime_ms) - t0)) -ge $(($4 * 1000)) ] && echo "not bound" && return 1
		usleep 200000
	done
}

# A device-internal register that a real reset clears and that neither config
# space nor pcirstd's restore covers: BAR, offset, width, test value.
reg_of() {
	case $(cat "/sys/bus/pci/devices/$1/vendor"):$(cat "/sys/bus/pci/devices/$1/device") in
	0x1af4:0x1041) echo "4 0x14 8 0x1" ;;           # virtio common cfg device_status
	0x1b36:0x0010) echo "0 0x14 32 0x460000" ;;     # NVMe CC (EN=0, queue entry sizes)
	0x8086:0x10d3 | 0x8086:0x100e) echo "0 0x2800 32 0x12340000" ;; # e1000(e) RDBAL
	0x10ec:0x8139) echo "1 0x30 32 0x123400" ;;     # RTL8139 RBSTART
	esac
}
reg() { # sbdf [value]: reads (or writes) the device's test register
	set -- "$1" $(reg_of "$1") "${2:-}"
	if [ -n "$6" ]; then pcipoke "$1" "$2" "$3" "$4" "$6"; else pcipoke "$1" "$2" "$3" "$4"; fi
}
# Memory decoding on and the test value written, unchecked (cases.sh's arm
# checks both; the toolstack scripts read the marker afterwards).
arm_reg() { # sbdf
	setpci -s "$1" COMMAND=0006
	reg "$1" "$(reg_of "$1" | cut -d' ' -f4)"
}
marker() { # sbdf: "untouched" while the test value is there, else "reset"
	if [ "$(reg "$1")" = "$(reg_of "$1" | cut -d' ' -f4)" ]; then echo untouched; else echo reset; fi
}

# pcirstd's audit entries of the requests for domain $domid on SBDF with
# REASON (attach or detach). A TCG guest's clock may jump: entries are told
# apart by their fields, never by their time or order.
jentries() { # sbdf reason
	journalctl --no-pager -o export PCI_SBDF="$1" REQUEST_REASON="$2" DOMID="$domid"
}
jcount() { jentries "$1" "$2" | grep -c '^MESSAGE_ID='; }
jfield() { # sbdf reason field: its distinct values
	jentries "$1" "$2" | sed -n "s/^$3=//p" | sort -u | tr '\n' ' ' | sed 's/ $//'
}
# journald stores what pcirstd sends asynchronously: wait (up to 5 s) for N
# entries, then print how many there are.
jwait() { # sbdf reason n
	local i n
	for i in $(seq 50); do
		n=$(jcount "$1" "$2")
		[ "$n" -ge "$3" ] && break
		usleep 100000
	done
	echo "$n"
}

# After a pci-detach, pciback and pcifront reconfigure domain $domid's pci
# device (backend state 7, 8) before it is Connected (4) again; libxl's
# attach checks the state once and fails with "Backend … not ready" (seen
# with Linux 6.12 under Xen 4.20 when nothing slows the attach down). Waits
# up to 20 s; returns at once when the domain has no pci backend yet.
wait_backend() {
	local i st
	for i in $(seq 200); do
		st=$(xenstore-read "/local/domain/0/backend/pci/$domid/0/state" 2>/dev/null) || return 0
		[ "$st" = 4 ] && return 0
		usleep 100000
	done
	say "note: the pci backend stayed in state $st"
}

# Starts pcirstd (its stderr appended to $daemon_log), sets $dpid, and waits
# (up to 5 s) until it says it is ready.
start_daemon() {
	local i
	pcirstd 2>>"${daemon_log:-/tmp/pcirstd.log}" &
	dpid=$!
	for i in $(seq 100); do
		[ "$(xenstore-read $BASE/daemon/state 2>/dev/null)" = ready ] && return 0
		usleep 50000
	done
	notok "daemon: not ready"
}

# Waits (up to 60 s) until the domU DOMID reports in (its data/intrude,
# written by domu-init once it runs).
domu_up() { # domid
	local i
	for i in $(seq 600); do
		xenstore-read /local/domain/$1/data/intrude >/dev/null 2>&1 && return 0
		usleep 100000
	done
	return 1
}

# Creates the PV domU "domu" (the dom0's kernel, the small initramfs with
# pcifront; mkimage.sh) with passthrough on, checks xl's exit status, sets
# $domid and waits (up to 60 s) until the domU reports in.
start_domu() {
	local rc t0
	mkdir -p /etc/xen
	cat >/etc/xen/domu.cfg <<'CFG'
name = "domu"
type = "pv"
kernel = "/boot/vmlinuz"
ramdisk = "/boot/domu.cpio.gz"
extra = "console=hvc0 rdinit=/init"
memory = 128
vcpus = 1
passthrough = "enabled"
on_crash = "destroy"
CFG
	t0=$(uptime_ms)
	xl create /etc/xen/domu.cfg >/tmp/create.out 2>&1
	rc=$?
	[ $rc = 0 ] || sed 's/^/    /' /tmp/create.out
	check domu "xl create exit status" "$rc" 0
	domid=$(xl domid domu 2>/dev/null)
	[ $rc = 0 ] && domu_up "$domid"
	say "domU $domid up in $(($(uptime_ms) - t0)) ms"
}

# Waits (up to 10 s) for the domU's lspci report (data/lspci) to list
# VENDOR:DEVICE, prints the report, and checks that it does.
domu_sees() { # name 0xvvvv:0xdddd what
	local i l
	for i in $(seq 100); do
		xenstore-read /local/domain/$domid/data/lspci 2>/dev/null | grep -q "$2" && break
		usleep 100000
	done
	l=$(xenstore-read /local/domain/$domid/data/lspci 2>/dev/null)
	say "domU lspci: $l"
	case $l in *"$2"*) ok "$1: the domU sees the $3" ;;
	*) notok "$1: the domU does not see $(echo "$2" | sed 's/0x//g') ($l)" ;; esac
}
