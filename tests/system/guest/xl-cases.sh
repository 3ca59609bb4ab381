#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The libxl test (issue 8), run by /init after cases.sh when the image has the
# patched libxenlight (tests/system/README.md): a real `xl pci-attach` to a
# real PV domU hands its reset to pcirstd. Prints "PCIRST-SYSTEST ok|not ok
# NAME: …" like cases.sh and its own summary line.
BASE=/local/domain/0/pci-reset
pass=0
fail=0
say() { echo "PCIRST-SYSTEST $*"; }
ok() {
	pass=$((pass + 1))
	say "ok $*"
}
notok() {
	fail=$((fail + 1))
	say "not ok $*"
}
check() { if [ "$3" = "$4" ]; then ok "$1: $2 = $3"; else notok "$1: $2 = '$3', expected '$4'"; fi; }
has() { # name what file pattern
	if grep -q "$4" "$3"; then ok "$1: $2"; else notok "$1: $2 (no '$4' in $(basename "$3"))"; fi
}
hasnt() {
	if grep -q "$4" "$3"; then notok "$1: $2 ('$4' in $(basename "$3"))"; else ok "$1: $2"; fi
}
uptime_ms() { awk '{printf "%d\n", $1 * 1000}' /proc/uptime; }
# The newest audit entry for SBDF: FIELD.
jfield() { journalctl --no-pager -o verbose PCI_SBDF="$1" | sed -n "s/^ *$2=//p" | tail -1; }
# Audit entries for SBDF since a mark (whole seconds: mark() waits one out).
jcount() { journalctl --no-pager -o export --since="@$2" PCI_SBDF="$1" | grep -c '^MESSAGE_ID='; }
mark() {
	date +%s
	sleep 1
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
	t0=$(uptime_ms)
	strace -o "/tmp/$1.strace" -e trace=open,openat,write xl -v pci-attach domu "$2" \
		>"/tmp/$1.out" 2>&1
	xrc=$?
	took=$(($(uptime_ms) - t0))
	sed 's/^/    /' "/tmp/$1.out" | grep -v '^    libxl: debug' | tail -8
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
say "domU $domid up in $(($(uptime_ms) - t0)) ms"
check domu "a domU writing a reset request into dom0's pcirstd directory" \
	"$(xenstore-read /local/domain/$domid/data/intrude 2>/dev/null)" denied

echo "== 1. strict, FLR-capable: the attach succeeds, pcirstd did the FLR, libxl wrote no reset"
c=$(mark)
xl pci-assignable-add 01:00.0 >/dev/null 2>&1
attach strict-flr 0000:01:00.0
with_daemon=$took
reset_ms=$(($(jfield 0000:01:00.0 DURATION_USEC) / 1000))
check strict-flr "xl pci-attach exit status" "$xrc" 0
check strict-flr "journal RESULT" "$(jfield 0000:01:00.0 RESULT)" ok
check strict-flr "journal RESET_METHOD" "$(jfield 0000:01:00.0 RESET_METHOD)" flr
check strict-flr "journal DOMID" "$(jfield 0000:01:00.0 DOMID)" "$domid"
check strict-flr "journal REQUEST_REASON" "$(jfield 0000:01:00.0 REQUEST_REASON)" attach
check strict-flr "new audit entries" "$(jcount 0000:01:00.0 "$c")" 1
hasnt strict-flr "xl opened no sysfs reset or do_flr" /tmp/strict-flr.strace '/reset"\|do_flr'
echo "    pcirstd's audit entry for this attach (journalctl):"
journalctl --no-pager -o short-monotonic --since="@$c" SYSLOG_IDENTIFIER=pcirstd | sed 's/^/    /'
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
if [ "$xrc" != 0 ]; then ok "strict-none: xl pci-attach failed (exit $xrc)"; else notok "strict-none: xl pci-attach succeeded"; fi
has strict-none "xl's message names the device" /tmp/strict-none.out '0000:07:00.0'
has strict-none "xl's message gives pcirstd's reason" /tmp/strict-none.out 'Device Capabilities does not advertise FLR'
check strict-none "journal RESULT" "$(jfield 0000:07:00.0 RESULT)" failed
hasnt strict-none "nothing attached (xl pci-list)" /dev/stdin 07:00.0 <<EOF2
$(xl pci-list domu 2>&1)
EOF2

echo "== 3. lenient: the attach succeeds, the failure logged as ignored"
xl pci-assignable-add 08:00.0 >/dev/null 2>&1
attach lenient 0000:08:00.0
check lenient "xl pci-attach exit status" "$xrc" 0
check lenient "journal RESULT" "$(jfield 0000:08:00.0 RESULT)" failed-ignored
has lenient "xl warns that the reset failed and it goes on" /tmp/lenient.out 'reset failed.*going on'

echo "== 4. skip: the attach succeeds, no reset, the skip and its reason logged"
attach skip 0000:03:00.0
check skip "xl pci-attach exit status" "$xrc" 0
check skip "journal RESULT" "$(jfield 0000:03:00.0 RESULT)" skipped
check skip "journal POLICY_REASON" "$(jfield 0000:03:00.0 POLICY_REASON)" "libxl test: this e1000e is never reset"
hasnt skip "xl opened no sysfs reset or do_flr" /tmp/skip.strace '/reset"\|do_flr'

echo "== 5. detach goes through pcirstd"
c=$(mark)
xl pci-detach domu 01:00.0 >/tmp/detach.out 2>&1
check detach "xl pci-detach exit status" "$?" 0
check detach "new audit entries for 01:00.0" "$(jcount 0000:01:00.0 "$c")" 1
check detach "journal REQUEST_REASON" "$(jfield 0000:01:00.0 REQUEST_REASON)" detach
check detach "journal RESULT" "$(jfield 0000:01:00.0 RESULT)" ok

echo "== 6. pcirstd stopped: xl falls back to its own reset, says so, and the attach works"
kill -TERM $dpid
wait $dpid
attach fallback 0000:01:00.0
without_daemon=$took
check fallback "xl pci-attach exit status" "$xrc" 0
has fallback "xl says it resets the device itself" /tmp/fallback.out 'resetting PCI device 0000:01:00.0 directly'
has fallback "xl opened the sysfs reset itself" /tmp/fallback.strace '0000:01:00.0/reset"'
say "attach latency: $with_daemon ms through pcirstd (its FLR with save, verification and restore: $reset_ms ms), $without_daemon ms with libxl's own reset (kernel); xl under strace, QEMU TCG"

echo "== 5b. xl destroy goes through pcirstd for every device still attached"
start_daemon
c=$(mark)
xl destroy domu >/tmp/destroy.out 2>&1
check destroy "xl destroy exit status" "$?" 0
check destroy "new audit entries for 08:00.0, 03:00.0, 01:00.0" \
	"$(jcount 0000:08:00.0 "$c") $(jcount 0000:03:00.0 "$c") $(jcount 0000:01:00.0 "$c")" "1 1 1"
check destroy "journal REQUEST_REASON for 01:00.0" "$(jfield 0000:01:00.0 REQUEST_REASON)" detach
check destroy "journal RESULT for 03:00.0 (skip)" "$(jfield 0000:03:00.0 RESULT)" skipped
kill -TERM $dpid
wait $dpid
say "xl summary pass=$pass fail=$fail"
