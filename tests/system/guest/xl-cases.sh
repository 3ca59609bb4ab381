#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The libxl test (issues 8 and 13), run by /init after cases.sh when the image
# has the patched libxenlight (tests/system/README.md, docs/libxl/): a real
# `xl pci-attach` to a real PV domU hands its reset to pcirstd, with the
# device's reset= policy as the request's options, and falls back to libxl's
# own reset, under the same policy, when pcirstd is stopped. Prints
# "PCIRST-SYSTEST ok|not ok NAME: …" like cases.sh and its own summary line.
. /lib.sh
# Every check below, counted: run.sh requires exactly this many results.
plan 53
# The audit entries of this domU's requests for SBDF with REASON (attach or
# detach). A TCG guest's clock may jump: entries are told apart by their
# fields, never by their time or order.
jentries() { # sbdf reason
	journalctl --no-pager -o export PCI_SBDF="$1" REQUEST_REASON="$2" DOMID="$domid"
}
jcount() { jentries "$1" "$2" | grep -c '^MESSAGE_ID='; }
# FIELD's distinct values in those entries.
jfield() { # sbdf reason field
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

# 02:00.0's NVMe CC register (BAR 0, 0x14): a reset clears it, nothing else
# does. Arming also turns memory decoding on.
nvme_cc() { pcipoke 0000:02:00.0 0 0x14 32 "$@"; }
arm_nvme() {
	setpci -s 0000:02:00.0 COMMAND=0006
	nvme_cc 0x460000
}
# The opts-N the pci backend of the domU holds for SBDF (libxl's reset_policy).
be_opts() { # sbdf
	local be=/local/domain/0/backend/pci/$domid/0 n
	for n in $(seq 0 15); do
		if [ "$(xenstore-read "$be/dev-$n" 2>/dev/null)" = "$1" ]; then
			xenstore-read "$be/opts-$n"
			return
		fi
	done
}

# After a pci-detach, pciback and pcifront reconfigure the domU's pci device
# (backend state 7, 8) before it is Connected (4) again; libxl's attach then
# checks the state once and fails with "Backend … not ready" (seen with Linux
# 6.12 under Xen 4.20 when nothing slows the attach down). Waits up to 20 s.
wait_backend() {
	local i st
	for i in $(seq 200); do
		st=$(xenstore-read "/local/domain/0/backend/pci/$domid/0/state" 2>/dev/null) || return 0
		[ "$st" = 4 ] && return 0
		usleep 100000
	done
	say "note: the pci backend stayed in state $st"
}

start_daemon() {
	pcirstd 2>>/tmp/pcirstd-xl.log &
	dpid=$!
	for i in $(seq 100); do
		[ "$(xenstore-read $BASE/daemon/state 2>/dev/null)" = ready ] && return 0
		usleep 50000
	done
	notok "daemon: not ready"
}

# xl pci-attach under strace (conclusive: libxl resets, if at all, in xl's own
# process) with its exit status, stderr and time.
attach() { # name sbdf
	local t0
	wait_backend
	t0=$(uptime_ms)
	strace -o "/tmp/$1.strace" -e trace=open,openat,write xl -vvv pci-attach domu "$2" \
		>"/tmp/$1.out" 2>&1
	xrc=$?
	now=$(uptime_ms)
	took=$((now - t0))
	sed 's/^/    /' "/tmp/$1.out" | grep -v ': debug' | tail -8
	# Unexpected errors from pcirstd's client: everything xl said, for the log.
	grep -q 'no answer from pcirstd' "/tmp/$1.out" && sed 's/^/    | /' "/tmp/$1.out"
}

# The policy for these cases: 03:00.0 never reset (the others keep cases.sh's).
rm -f /etc/pcirstd/policy.d/60-slow.json
cat >/etc/pcirstd/policy.d/70-xl.json <<'JSON'
{ "rules": [ { "match": { "sbdf": "0000:03:00.0" }, "policy": "skip",
  "reason": "libxl test: this e1000e is never reset" } ] }
JSON
# cases.sh removed 01:00.0 from the bus: bring it back (pciback takes it again).
echo 1 >/sys/bus/pci/rescan
mkdir -p /var/lib/xen /var/log/xen/console /run/xen /etc/xen
# libxl waits for the domU's console to appear: xenconsoled provides it.
xenconsoled --pid-file=/run/xenconsoled.pid || notok "xenconsoled did not start"
start_daemon

echo "== a PV domU"
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
[ $rc = 0 ] && for i in $(seq 600); do
	xenstore-read /local/domain/$domid/data/intrude >/dev/null 2>&1 && break
	usleep 100000
done
now=$(uptime_ms)
say "domU $domid up in $((now - t0)) ms"
check domu "a domU writing a reset request into dom0's pcirstd directory" \
	"$(xenstore-read /local/domain/$domid/data/intrude 2>/dev/null)" denied

echo "== 1. strict, FLR-capable: the attach succeeds, pcirstd did the FLR, libxl wrote no reset"
xl pci-assignable-add 01:00.0 >/dev/null 2>&1
attach strict-flr 0000:01:00.0
reset_ms=$(($(jfield 0000:01:00.0 attach DURATION_USEC) / 1000))
check strict-flr "xl pci-attach exit status" "$xrc" 0
check strict-flr "audit entries for this attach (PCI_SBDF, DOMID, REQUEST_REASON=attach)" \
	"$(jwait 0000:01:00.0 attach 1)" 1
check strict-flr "journal RESULT" "$(jfield 0000:01:00.0 attach RESULT)" ok
check strict-flr "journal RESET_METHOD" "$(jfield 0000:01:00.0 attach RESET_METHOD)" flr
check strict-flr "journal RESET_EFFECT" "$(jfield 0000:01:00.0 attach RESET_EFFECT)" verified
hasnt strict-flr "xl opened no sysfs reset or do_flr" /tmp/strict-flr.strace '/reset"\|do_flr'
echo "    pcirstd's audit entry for this attach (journalctl):"
journalctl --no-pager -o short-monotonic PCI_SBDF=0000:01:00.0 REQUEST_REASON=attach DOMID="$domid" | sed 's/^/    /'
for i in $(seq 100); do
	xenstore-read /local/domain/$domid/data/lspci 2>/dev/null | grep -q 0x1af4:0x1041 && break
	usleep 100000
done
lspci_u=$(xenstore-read /local/domain/$domid/data/lspci 2>/dev/null)
say "domU lspci: $lspci_u"
case $lspci_u in *0x1af4:0x1041*) ok "strict-flr: the domU sees the virtio-net device" ;;
*) notok "strict-flr: the domU does not see 1af4:1041 ($lspci_u)" ;; esac

echo "== 2. strict, no usable method: the attach fails, naming the device and the reason"
attach strict-none 0000:07:00.0
jwait 0000:07:00.0 attach 1 >/dev/null
if [ "$xrc" != 0 ]; then ok "strict-none: xl pci-attach failed (exit $xrc)"; else notok "strict-none: xl pci-attach succeeded"; fi
has strict-none "xl's message names the device" /tmp/strict-none.out '0000:07:00.0'
has strict-none "xl's message gives pcirstd's reason" /tmp/strict-none.out 'Device Capabilities does not advertise FLR'
check strict-none "journal RESULT" "$(jfield 0000:07:00.0 attach RESULT)" failed
hasnt strict-none "nothing attached (xl pci-list)" /dev/stdin 07:00.0 <<EOF2
$(xl pci-list domu 2>&1)
EOF2

echo "== 3. lenient: the attach succeeds, the failure logged as ignored"
xl pci-assignable-add 08:00.0 >/dev/null 2>&1
attach lenient 0000:08:00.0
jwait 0000:08:00.0 attach 1 >/dev/null
check lenient "xl pci-attach exit status" "$xrc" 0
check lenient "journal RESULT" "$(jfield 0000:08:00.0 attach RESULT)" failed-ignored
has lenient "xl warns that the reset failed and it goes on" /tmp/lenient.out 'reset failed.*going on'

echo "== 4. skip: the attach succeeds, no reset, the skip and its reason logged"
attach skip 0000:03:00.0
jwait 0000:03:00.0 attach 1 >/dev/null
check skip "xl pci-attach exit status" "$xrc" 0
check skip "journal RESULT" "$(jfield 0000:03:00.0 attach RESULT)" skipped
check skip "journal POLICY_REASON" "$(jfield 0000:03:00.0 attach POLICY_REASON)" "libxl test: this e1000e is never reset"
hasnt skip "xl opened no sysfs reset or do_flr" /tmp/skip.strace '/reset"\|do_flr'

echo "== 5. detach goes through pcirstd"
domu_settle "$domid" 0x1af4:0x1041 virtio-pci 90 >/dev/null # see lib.sh
xl pci-detach domu 01:00.0 >/tmp/detach.out 2>&1
check detach "xl pci-detach exit status" "$?" 0
check detach "audit entries for the detach of 01:00.0" "$(jwait 0000:01:00.0 detach 1)" 1
check detach "journal RESULT" "$(jfield 0000:01:00.0 detach RESULT)" ok

echo "== 7. reset=skip on a device no rule names: the default policy (strict) does not let a request weaken it, pcirstd resets the device"
arm_nvme
attach skip-norule '0000:02:00.0,reset=skip'
jwait 0000:02:00.0 attach 1 >/dev/null
check skip-norule "xl pci-attach exit status" "$xrc" 0
check skip-norule "journal RESULT" "$(jfield 0000:02:00.0 attach RESULT)" ok
case $(jfield 0000:02:00.0 attach REQUEST_OPTIONS_REFUSED) in
"request for skip refused"*) ok "skip-norule: the journal says the request's no-reset was refused" ;;
*) notok "skip-norule: no REQUEST_OPTIONS_REFUSED for skip in the journal ($(jfield 0000:02:00.0 attach REQUEST_OPTIONS_REFUSED))" ;;
esac
check skip-norule "device register NVMe CC (cleared by pcirstd's FLR)" "$(nvme_cc)" 0x0
case $(be_opts 0000:02:00.0) in
*reset_policy=skip*) ok "skip-norule: the pci backend's opts hold reset_policy=skip" ;;
*) notok "skip-norule: the pci backend's opts are '$(be_opts 0000:02:00.0)'" ;;
esac
hasnt skip-norule "xl opened no sysfs reset or do_flr" /tmp/skip-norule.strace '/reset"\|do_flr'
xl pci-detach domu 02:00.0 >/tmp/detach02.out 2>&1
check skip-norule "xl pci-detach exit status" "$?" 0
jwait 0000:02:00.0 detach 1 >/dev/null
case $(jfield 0000:02:00.0 detach REQUEST_OPTIONS_REFUSED) in
"request for skip refused"*) ok "skip-norule: the detach request carried the stored reset_policy (no-reset, refused)" ;;
*) notok "skip-norule: the detach request did not carry no-reset ($(jfield 0000:02:00.0 detach REQUEST_OPTIONS_REFUSED))" ;;
esac

echo "== 8. reset=lenient on 07:00.0 (no FLR; rule: strict, FLR only, no allow-request-weaken): the option is refused, strict applies, the attach fails"
attach lenient-refused '0000:07:00.0,reset=lenient'
jwait 0000:07:00.0 attach 2 >/dev/null
if [ "$xrc" != 0 ]; then ok "lenient-refused: xl pci-attach failed (exit $xrc)"; else notok "lenient-refused: xl pci-attach succeeded"; fi
check lenient-refused "journal RESULT (both attaches of 07:00.0)" "$(jfield 0000:07:00.0 attach RESULT)" failed
case $(jfield 0000:07:00.0 attach REQUEST_OPTIONS_REFUSED) in
"request for lenient refused"*) ok "lenient-refused: the journal says the request's no-strict-reset was refused" ;;
*) notok "lenient-refused: no REQUEST_OPTIONS_REFUSED for lenient ($(jfield 0000:07:00.0 attach REQUEST_OPTIONS_REFUSED))" ;;
esac
has lenient-refused "xl's message gives pcirstd's reason" /tmp/lenient-refused.out 'Device Capabilities does not advertise FLR'

# Latency without strace (it stops xl at every system call): the same device,
# once through pcirstd and once with libxl's own reset.
timed_attach() { # sbdf: sets took
	local t0 now
	wait_backend
	t0=$(uptime_ms)
	xl pci-attach domu "$1" >/dev/null 2>&1 || notok "latency: xl pci-attach $1 failed"
	now=$(uptime_ms)
	took=$((now - t0))
}
timed_attach 0000:01:00.0
with_daemon=$took
domu_settle "$domid" 0x1af4:0x1041 virtio-pci 90 >/dev/null
xl pci-detach domu 01:00.0 >/dev/null 2>&1

echo "== 6. pcirstd stopped: xl falls back to its own reset, says so, and the attach works"
kill -TERM $dpid
wait $dpid
attach fallback 0000:01:00.0
check fallback "xl pci-attach exit status" "$xrc" 0
has fallback "xl says it resets the device itself" /tmp/fallback.out 'resetting PCI device 0000:01:00.0 directly'
has fallback "xl opened the sysfs reset itself" /tmp/fallback.strace '0000:01:00.0/reset"'
domu_settle "$domid" 0x1af4:0x1041 virtio-pci 90 >/dev/null
xl pci-detach domu 01:00.0 >/dev/null 2>&1
timed_attach 0000:01:00.0
without_daemon=$took

echo "== 9. pcirstd stopped, reset=skip: libxl does not reset the device itself"
arm_nvme
attach fallback-skip '0000:02:00.0,reset=skip'
check fallback-skip "xl pci-attach exit status" "$xrc" 0
has fallback-skip "xl says it does not reset the device" /tmp/fallback-skip.out 'PCI device 0000:02:00.0 not reset: reset policy skip'
hasnt fallback-skip "xl opened no sysfs reset or do_flr" /tmp/fallback-skip.strace '/reset"\|do_flr'
check fallback-skip "device register NVMe CC (kept: no reset)" "$(nvme_cc)" 0x460000
xl pci-detach domu 02:00.0 >/dev/null 2>&1

echo "== 10. pcirstd stopped, libxl's own reset fails (0a:00.0 with every kernel reset method disabled)"
echo "" >/sys/bus/pci/devices/0000:0a:00.0/reset_method
attach fallback-strict '0000:0a:00.0,reset=strict'
if [ "$xrc" != 0 ]; then ok "fallback-strict: xl pci-attach failed (exit $xrc)"; else notok "fallback-strict: xl pci-attach succeeded"; fi
has fallback-strict "xl says the device could not be reset under a strict policy" /tmp/fallback-strict.out 'PCI device 0000:0a:00.0 could not be reset (reset policy strict)'
hasnt fallback-strict "nothing attached (xl pci-list)" /dev/stdin 0a:00.0 <<EOF2
$(xl pci-list domu 2>&1)
EOF2
attach fallback-lenient '0000:0a:00.0,reset=lenient'
check fallback-lenient "xl pci-attach exit status" "$xrc" 0
has fallback-lenient "xl warns and goes on" /tmp/fallback-lenient.out 'PCI device 0000:0a:00.0 could not be reset; ignored (reset policy lenient)'
has fallback-lenient "xl tried the sysfs reset itself" /tmp/fallback-lenient.strace '0000:0a:00.0/reset"'
xl pci-detach domu 0a:00.0 >/dev/null 2>&1
echo default >/sys/bus/pci/devices/0000:0a:00.0/reset_method
say "attach latency: $with_daemon ms through pcirstd (its FLR with save, verification and restore: $reset_ms ms), $without_daemon ms with libxl's own reset (the kernel's); one xl pci-attach each, QEMU TCG"

echo "== 5b. xl destroy goes through pcirstd for every device still attached"
start_daemon
xl destroy domu >/tmp/destroy.out 2>&1
check destroy "xl destroy exit status" "$?" 0
check destroy "detach audit entries for 08:00.0, 03:00.0, 01:00.0 (01: two pci-detach + destroy)" \
	"$(jwait 0000:08:00.0 detach 1) $(jwait 0000:03:00.0 detach 1) $(jwait 0000:01:00.0 detach 3)" "1 1 3"
check destroy "journal RESULT for 03:00.0 (skip)" "$(jfield 0000:03:00.0 detach RESULT)" skipped
check destroy "journal RESULT for 08:00.0 (lenient, no FLR)" "$(jfield 0000:08:00.0 detach RESULT)" failed-ignored
kill -TERM $dpid
wait $dpid
say "xl summary pass=$pass fail=$fail"
finish
