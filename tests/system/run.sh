#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run.sh BUILD_DIR [--demo] [--timeout S]
#
# The system test (tests/system/README.md): boots Debian's Xen 4.17 with
# Debian's Linux 6.1 as dom0 under QEMU (TCG) on a q35 machine with emulated
# PCIe devices, runs tests/system/guest/cases.sh in the dom0 (pciback,
# xenstored, journald, pcirstd, requests through pcirstctl), and passes when
# every case the guest reports passed. --demo prints the whole dom0 session.
# Everything it downloads and builds is cached in BUILD_DIR/system.
#
# PCIRST_SYSTEST_XEN=4.20 boots Debian 13's Xen 4.20 hypervisor and Linux 6.12
# instead (xen420/, cached in BUILD_DIR/system420). Without XEN_GIT its dom0
# runs Debian 13's own, unpatched Xen tools and guest/xl-stock-cases.sh; with
# XEN_GIT=<Xen's git directory> it runs xenstored, xl and libxl built from
# RELEASE-4.20.4 with docs/libxl/4.20/ (xen420/prepare.sh) and the xl cases.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: run.sh BUILD_DIR [--demo] [--timeout S]}" && pwd)
shift
demo=0 timeout=900
while [ $# -gt 0 ]; do
	case $1 in
	--demo) demo=1 ;;
	--timeout) timeout=$2; shift ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
cache=$build/system
mkdir -p "$cache"

skip() {
	echo "run.sh: skipped: $*"
	exit 77
}
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
command -v cpio >/dev/null || skip "cpio is not installed"

t0=$(date +%s%N)
"$here/get-pieces.sh" "$cache" >/dev/null
# The bench (mode bench) needs no libxl unless PCIRST_SYSTEST_LIBXL=1.
[ "${PCIRST_SYSTEST_MODE:-}" != bench ] || PCIRST_SYSTEST_LIBXL=${PCIRST_SYSTEST_LIBXL:-0}
xen=${PCIRST_SYSTEST_XEN:-4.17}
# Where this Xen's pieces, image and console log are (BUILD_DIR/system holds
# what every configuration shares: busybox, pciutils, strace, the xenstore
# client), and which xl script the dom0 runs.
xcache=$cache tag='' xl_script=xl-cases.sh
libxl=
if [ "$xen" = 4.20 ]; then
	xcache=$build/system420
	mkdir -p "$xcache"
	if [ -n "${XEN_GIT:-}" ]; then
		# Xen 4.20.4's tools with the series (Debian 13's source cannot be had).
		if ! "$here/xen420/prepare.sh" "$XEN_GIT" "$xcache" >"$xcache/prepare.log" 2>&1; then
			tail -20 "$xcache/prepare.log" >&2
			echo "run.sh: preparing Xen 4.20 failed (log: $xcache/prepare.log)" >&2
			exit 1
		fi
		libxl=$xcache/libxl tag=-libxl
		export XEN_TOOLS_DIR=$xcache/tools
	else
		# Debian 13's own tools on trixie's glibc.
		libdirs=$("$here/xen420/get-pieces.sh" "$xcache" --tools) || exit 1
		libxl=$xcache/pkg/xen-utils-4.20/usr/lib/xen-4.20/bin tag=-debian xl_script=xl-stock-cases.sh
		export XEN_TOOLS_DIR=$libxl IMAGE_LIBPATH=${libdirs//$'\n'/:} XL_SCRIPT=$xl_script
		export IMAGE_LDSO=$xcache/pkg/libc6/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
	fi
	export KERNEL_DIR=$xcache/kernel
elif [ "$xen" != 4.17 ]; then
	echo "run.sh: PCIRST_SYSTEST_XEN must be 4.17 or 4.20" >&2
	exit 2
# libxenlight and xl with the delegation patch (docs/libxl/), for the libxl
# cases; PCIRST_SYSTEST_LIBXL=0 leaves them out.
elif [ "${PCIRST_SYSTEST_LIBXL:-1}" != 0 ]; then
	if ! "$here/libxl/build-libxl.sh" "$cache/libxl" >"$cache/libxl.log" 2>&1; then
		tail -20 "$cache/libxl.log" >&2
		echo "run.sh: building libxenlight with the patch failed (log: $cache/libxl.log)" >&2
		exit 1
	fi
	libxl=$cache/libxl/out
fi
# mode: test (guest/bench.sh once, cases.sh, then xl-cases.sh), explore, xl,
# bench (guest/bench.sh with PCIRST_BENCH_REPS repetitions, 5 by default), or
# systemd (run-systemd.sh: systemd as PID 1, which runs guest/systemd-cases.sh).
mode=${PCIRST_SYSTEST_MODE:-test}
# The bench's repetitions (guest/bench.sh): PCIRST_BENCH_REPS (5) in mode
# bench, one in mode test on Xen 4.17 (errors count, times never), else none.
reps=0
case $mode in bench) reps=${PCIRST_BENCH_REPS:-5} ;; test) [ "$xen" != 4.17 ] || reps=1 ;; esac
if [ "$mode" = systemd ] && [ "$xen" != 4.17 ]; then
	echo "run.sh: the systemd configuration boots Xen 4.17 only" >&2
	exit 2
fi
init=/init initrd=$xcache/initrd$tag.cpio.gz log=$xcache/console$tag.log
if [ "$mode" = systemd ]; then
	init=/sbin/init initrd=$cache/initrd-systemd.cpio.gz log=$cache/console-systemd.log
fi
# libvirt with the series in docs/libvirt/ on that libxl, for the libvirt
# cases (not under systemd); PCIRST_SYSTEST_LIBVIRT=0 leaves them out.
# They need a libxl with the per-device reset policy: without it libvirt
# cannot leave the resets to pcirstd, and the cases are left out (said so).
libvirt=
want_libvirt=1
{ [ -z "$libxl" ] || [ "$xen" != 4.17 ] || [ "$mode" = systemd ] || [ "${PCIRST_SYSTEST_LIBVIRT:-1}" = 0 ]; } && want_libvirt=0
if [ $want_libvirt = 1 ] && ! grep -q LIBXL_HAVE_DEVICE_PCI_RESET_POLICY "$cache/libxl/xen/tools/include/libxl.h"; then
	echo "run.sh: libvirt cases left out: this libxl lacks LIBXL_HAVE_DEVICE_PCI_RESET_POLICY"
elif [ $want_libvirt = 1 ]; then
	if ! "$here/libvirt/build-libvirt.sh" "$cache/libvirt" "$cache/libxl" >"$cache/libvirt.log" 2>&1; then
		tail -20 "$cache/libvirt.log" >&2
		echo "run.sh: building libvirt with the series failed (log: $cache/libvirt.log)" >&2
		exit 1
	fi
	libvirt=$cache/libvirt/out
fi
"$here/mkimage.sh" "$cache" "$build" "$initrd" $libxl $libvirt
zcat "$xcache/pkg/xen-hypervisor-$xen-amd64/boot/xen-$xen-amd64.gz" >"$xcache/xen$tag.elf"
kernel=$(ls "$xcache"/kernel/boot/vmlinuz-*)
t1=$(date +%s%N)

# One device per case; the bus numbers are what cases.sh and the policy expect.
devices=(
	-device intel-iommu,intremap=on # VT-d: Xen needs an IOMMU for PV passthrough
	-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=0x10,x-speed=5
	-device virtio-net-pci,disable-legacy=on,bus=rp1,romfile=
	-device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,addr=0x11,x-speed=5
	-device nvme,serial=pcirst0,bus=rp2
	-device pcie-root-port,id=rp3,bus=pcie.0,chassis=3,addr=0x12,x-speed=5
	-device e1000e,bus=rp3,romfile=
	-device pcie-root-port,id=rp4,bus=pcie.0,chassis=4,addr=0x13,x-speed=5
	-device e1000e,bus=rp4,romfile=
	-device pcie-root-port,id=rp5,bus=pcie.0,chassis=5,addr=0x14,x-speed=5
	-device pcie-pci-bridge,id=br5,bus=rp5
	-device e1000,bus=br5,addr=0x1,romfile=
	-device pcie-root-port,id=rp7,bus=pcie.0,chassis=7,addr=0x15,x-speed=5
	-device e1000e,bus=rp7,romfile=
	-device pcie-root-port,id=rp8,bus=pcie.0,chassis=8,addr=0x16,x-speed=5
	-device e1000e,bus=rp8,romfile=
	-device pci-bridge,id=br9,bus=pcie.0,chassis_nr=9,addr=0x18
	-device rtl8139,bus=br9,addr=0x1,romfile=
	# QEMU's default 16 GT/s: Link Active reporting advertised, never set.
	-device pcie-root-port,id=rp10,bus=pcie.0,chassis=10,addr=0x19
	-device e1000e,bus=rp10,romfile=
	-device pcie-root-port,id=rp11,bus=pcie.0,chassis=11,addr=0x1a,x-speed=5
	-device e1000e,bus=rp11,romfile=
	# An SR-IOV PF (QEMU 7.2's nvme; dom0's nvme driver enables its 2 VFs).
	-device pcie-root-port,id=rp12,bus=pcie.0,chassis=12,addr=0x1c,x-speed=5
	-device nvme-subsys,id=s0
	-device nvme,serial=sriov0,subsys=s0,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2,max_ioqpairs=6,msix_qsize=8,bus=rp12
	# A hotplug slot reset from user space without masking its events (evidence).
	-device pcie-root-port,id=rp13,bus=pcie.0,chassis=13,addr=0x1d,x-speed=5
	-device e1000e,bus=rp13,romfile=
)
hide="(0000:01:00.0)(0000:02:00.0)(0000:03:00.0)(0000:06:01.0)(0000:07:00.0)(0000:08:00.0)(0000:09:01.0)(0000:0a:00.0)(0000:0b:00.0)(0000:0d:00.0)"
rc=0
timeout --foreground "$timeout" qemu-system-x86_64 -machine q35 -m 1024 -cpu qemu64,vendor=GenuineIntel \
	-display none -no-reboot -nic none -serial "file:$log" \
	-kernel "$xcache/xen$tag.elf" \
	-append "console=com1 dom0_mem=512M,max:512M dom0_max_vcpus=1 smap=0" \
	-initrd "$kernel console=hvc0 rdinit=$init pcirst.hide=$hide pcirst.mode=$mode pcirst.reps=$reps,$initrd" \
	"${devices[@]}" 2>"$xcache/qemu$tag.err" || rc=$?
t2=$(date +%s%N)
tr -d '\r' <"$log" >"$log.txt"

if [ "$demo" = 1 ]; then
	sed -n '/^PCIRST-SYSTEST boot/,$p' "$log.txt" | grep -v '^\[ *[0-9.]*\] \|^(XEN)'
else
	grep '^PCIRST-SYSTEST \(ok\|not ok\|bench\|parallel\|summary\|xl summary\|systemd summary\|libvirt summary\|libvirtd up\|libvirt attach\|boot\|ready\|domU\|attach latency\|end\|hw cases\|pciehp\|unmasked\|watchdog\|xendomains\|systemd-cases\)' "$log.txt" |
		sed 's/^PCIRST-SYSTEST /  /'
fi
summary=$(sed -n 's/^PCIRST-SYSTEST \(systemd \)\{0,1\}summary //p' "$log.txt" | tail -1)
printf '\nimage %d ms, QEMU run %d ms (Xen + dom0 boot to xenstored: %s s)\n' \
	$(((t1 - t0) / 1000000)) $(((t2 - t1) / 1000000)) \
	"$(sed -n 's/^PCIRST-SYSTEST xenstored //p' "$log.txt")"
if [ "$rc" = 124 ]; then
	echo "run.sh: the guest did not finish within $timeout s; console tail:" >&2
	tail -40 "$log.txt" >&2
	exit 1
fi
case $mode in xl) summary=xl-only ;; libvirt) summary=libvirt-only ;; bench) summary=bench-only ;; esac
xlsum=$libxl
{ [ "$mode" = systemd ] || [ "$mode" = libvirt ]; } && xlsum=
if [ -z "$summary" ] || { [ -n "$xlsum" ] && ! grep -q '^PCIRST-SYSTEST xl summary' "$log.txt"; } ||
	{ [ -n "$libvirt" ] && ! grep -q '^PCIRST-SYSTEST libvirt summary' "$log.txt"; }; then
	echo "run.sh: the guest did not report every summary (QEMU exit $rc); console tail:" >&2
	tail -40 "$log.txt" >&2
	cat "$xcache/qemu$tag.err" >&2
	exit 1
fi
pass=$(grep -c '^PCIRST-SYSTEST ok ' "$log.txt" || true)
fails=$(grep -c '^PCIRST-SYSTEST not ok ' "$log.txt" || true)
echo "system test: $pass checks passed, $fails failed"
# Exactly the checks each script of this configuration declared (guest/lib.sh:
# plan, finish), never "at least one passed".
scripts=()
[ "$reps" -gt 0 ] && scripts+=(bench.sh)
[ "$mode" = test ] && scripts+=(cases.sh)
[ -n "$libxl" ] && { [ "$mode" = test ] || [ "$mode" = xl ]; } && scripts+=("$xl_script")
[ -n "$libvirt" ] && [ "$mode" != explore ] && [ "$mode" != bench ] && scripts+=(libvirt-cases.sh)
[ "$mode" = systemd ] && scripts=(systemd-cases.sh)
if [ ${#scripts[@]} = 0 ]; then # mode explore: no checks, nothing to count
	[ "$fails" = 0 ] && [ "$pass" -gt 0 ]
	exit
fi
planned_total=0 bad=0
for s in "${scripts[@]}"; do
	n=$(sed -n "s/^PCIRST-SYSTEST plan $s \([0-9]*\)\$/\1/p" "$log.txt" | tail -1)
	done_line=$(sed -n "s/^PCIRST-SYSTEST done $s //p" "$log.txt" | tail -1)
	if [ -z "$n" ] || [ -z "$done_line" ]; then
		echo "run.sh: $s did not declare its checks and finish (plan/done lines missing)" >&2
		bad=1
		continue
	fi
	p=$(echo "$done_line" | sed -n 's/.*pass=\([0-9]*\).*/\1/p')
	f=$(echo "$done_line" | sed -n 's/.*fail=\([0-9]*\).*/\1/p')
	if [ $((p + f)) != "$n" ]; then
		echo "run.sh: $s planned $n checks but reported $((p + f)) ($p passed, $f failed)" >&2
		bad=1
	fi
	planned_total=$((planned_total + n))
done
echo "system test: planned $planned_total checks (${scripts[*]})"
[ "$fails" = 0 ] && [ "$bad" = 0 ] && [ "$planned_total" -gt 0 ]
