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
plan 58
# 02:00.0's NVMe CC register (lib.sh's reg): a reset clears it, nothing else does.
nvme_cc() { reg 0000:02:00.0; }
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

daemon_log=/tmp/pcirstd-xl.log # start_daemon (lib.sh)

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
start_domu
check domu "a domU writing a reset request into dom0's pcirstd directory" \
	"$(xenstore-read /local/domain/$domid/data/intrude 2>/dev/null)" denied

echo "== 1. strict, FLR-capable: the attach succeeds, pcirstd did the FLR, libxl wrote no reset"
xl pci-assignable-add 01:00.0 >/dev/null 2>&1
attach strict-flr 0000:01:00.0
check strict-flr "xl pci-attach exit status" "$xrc" 0
check strict-flr "audit entries for this attach (PCI_SBDF, DOMID, REQUEST_REASON=attach)" \
	"$(jwait 0000:01:00.0 attach 1)" 1
check strict-flr "journal RESULT" "$(jfield 0000:01:00.0 attach RESULT)" ok
check strict-flr "journal RESET_METHOD" "$(jfield 0000:01:00.0 attach RESET_METHOD)" flr
check strict-flr "journal RESET_EFFECT" "$(jfield 0000:01:00.0 attach RESET_EFFECT)" verified
hasnt strict-flr "xl opened no sysfs reset or do_flr" /tmp/strict-flr.strace '/reset"\|do_flr'
echo "    pcirstd's audit entry for this attach (journalctl):"
journalctl --no-pager -o short-monotonic PCI_SBDF=0000:01:00.0 REQUEST_REASON=attach DOMID="$domid" | sed 's/^/    /'
domu_sees strict-flr 0x1af4:0x1041 "virtio-net device"

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

echo "== 7. reset=skip on a device no rule names: the built-in default lets the request decide, no reset"
arm_reg 0000:02:00.0
attach skip-norule '0000:02:00.0,reset=skip'
jwait 0000:02:00.0 attach 1 >/dev/null
check skip-norule "xl pci-attach exit status" "$xrc" 0
check skip-norule "journal RESULT" "$(jfield 0000:02:00.0 attach RESULT)" skipped
case $(jfield 0000:02:00.0 attach REQUEST_OPTIONS_APPLIED) in
"request weakened the policy to skip (allowed by the built-in default"*) ok "skip-norule: the journal says the request's no-reset was applied by the built-in default" ;;
*) notok "skip-norule: no REQUEST_OPTIONS_APPLIED naming the built-in default in the journal ($(jfield 0000:02:00.0 attach REQUEST_OPTIONS_APPLIED))" ;;
esac
check skip-norule "device register NVMe CC (kept: no reset)" "$(nvme_cc)" 0x460000
case $(be_opts 0000:02:00.0) in
*reset_policy=skip*) ok "skip-norule: the pci backend's opts hold reset_policy=skip" ;;
*) notok "skip-norule: the pci backend's opts are '$(be_opts 0000:02:00.0)'" ;;
esac
hasnt skip-norule "xl opened no sysfs reset or do_flr" /tmp/skip-norule.strace '/reset"\|do_flr'
xl pci-detach domu 02:00.0 >/tmp/detach02.out 2>&1
check skip-norule "xl pci-detach exit status" "$?" 0
jwait 0000:02:00.0 detach 1 >/dev/null
case $(jfield 0000:02:00.0 detach REQUEST_OPTIONS_APPLIED) in
"request weakened the policy to skip"*) ok "skip-norule: the detach request carried the stored reset_policy (no-reset, applied)" ;;
*) notok "skip-norule: the detach request did not carry no-reset ($(jfield 0000:02:00.0 detach REQUEST_OPTIONS_APPLIED))" ;;
esac

echo "== 7b. the same under a catch-all strict rule (class mask 0): reset=skip refused, pcirstd resets"
kill -TERM $dpid
wait $dpid
cat >/etc/pcirstd/policy.d/95-strict-all.json <<'JSON'
{ "rules": [ { "match": { "class": "0x000000", "class-mask": "0x000000" }, "policy": "strict",
  "reason": "libxl test: no request may weaken a device no other rule names" } ] }
JSON
start_daemon
arm_reg 0000:02:00.0
attach skip-catchall '0000:02:00.0,reset=skip'
jwait 0000:02:00.0 attach 2 >/dev/null
check skip-catchall "xl pci-attach exit status" "$xrc" 0
case $(jfield 0000:02:00.0 attach REQUEST_OPTIONS_REFUSED) in
"request for skip refused: the policy for this device is strict (/etc/pcirstd/policy.d/95-strict-all.json"*) ok "skip-catchall: the journal says the catch-all rule refused no-reset" ;;
*) notok "skip-catchall: no REQUEST_OPTIONS_REFUSED naming 95-strict-all.json ($(jfield 0000:02:00.0 attach REQUEST_OPTIONS_REFUSED))" ;;
esac
check skip-catchall "journal RESULT of the strict attach" \
	"$(journalctl --no-pager -o export PCI_SBDF=0000:02:00.0 REQUEST_REASON=attach DOMID="$domid" POLICY=strict | sed -n 's/^RESULT=//p')" ok
check skip-catchall "device register NVMe CC (cleared by pcirstd's FLR)" "$(nvme_cc)" 0x0
hasnt skip-catchall "xl opened no sysfs reset or do_flr" /tmp/skip-catchall.strace '/reset"\|do_flr'
xl pci-detach domu 02:00.0 >/dev/null 2>&1
kill -TERM $dpid
wait $dpid
rm /etc/pcirstd/policy.d/95-strict-all.json
start_daemon

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

echo "== 6. pcirstd stopped: xl falls back to its own reset, says so, and the attach works"
kill -TERM $dpid
wait $dpid
attach fallback 0000:01:00.0
check fallback "xl pci-attach exit status" "$xrc" 0
has fallback "xl says it resets the device itself" /tmp/fallback.out 'resetting PCI device 0000:01:00.0 directly'
has fallback "xl opened the sysfs reset itself" /tmp/fallback.strace '0000:01:00.0/reset"'
domu_settle "$domid" 0x1af4:0x1041 virtio-pci 90 >/dev/null
xl pci-detach domu 01:00.0 >/dev/null 2>&1

echo "== 9. pcirstd stopped, reset=skip: libxl does not reset the device itself"
arm_reg 0000:02:00.0
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


echo "== 11. attach time: through pcirstd and with libxl's own reset, same device, five rounds"
# Whole `xl pci-attach` runs, timed from fork to exit (timeit) with nothing
# traced: a tracer would stop xl at each traced call, and the path through
# pcirstd makes more calls (its xenstore messages, libxenstore's reader
# thread), so traced times would weigh on one side. xl runs with
# tests/system/xlstamp.c preloaded, which splits the whole into the attach
# itself (A: libxl_device_pci_add, which returns when the ao is complete) and
# xl's teardown of libxenstore (C: xs_close, which cancels the reader thread a
# watch started). The two attaches of a round follow each other; E is the
# engine's reset in pcirstd (the audit entry's DURATION_USEC). Each round's
# pcirstd first serves one request for the device (reason manual), as a
# daemon that has been running does: its first request after a start costs
# more (the identity it keeps per device, pages touched for the first time),
# 300-400 ms more per attach here. Around each attach (outside the timed
# part), the CPU time the dom0 spent (its one vCPU busy: /proc/stat), and
# xenstored's and pcirstd's (utime + stime), in 10 ms ticks: in this dom0 an
# attach is bound by that CPU, on either path.
rm -f /tmp/attach-times /tmp/xlstamp /tmp/attach-cpu
cpu_now() { # pcirstd's pid or 0: "BUSY XENSTORED PCIRSTD" ticks
	echo "$(awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 }' /proc/stat)" \
		"$(awk '{ print $14 + $15 }' /proc/$(pidof xenstored)/stat)" \
		"$(awk '{ print $14 + $15 }' /proc/$1/stat 2>/dev/null || echo 0)"
}
timed_attach() { # label pcirstd-pid
	local before
	wait_backend
	sleep 2 # what the previous step started (pcirstd, journald, pcifront) settles
	before=$(cpu_now "$2")
	XLSTAMP_OUT=/tmp/xlstamp XLSTAMP_LABEL=$1 LD_PRELOAD=/usr/lib/xlstamp.so \
		timeit -a /tmp/attach-times "$1" run xl pci-attach domu 0000:01:00.0 >/tmp/time-$1.out 2>&1 ||
		notok "$1: xl pci-attach 01:00.0 failed"
	echo "$1 $before $(cpu_now "$2")" |
		awk '{ printf "%s %d %d %d\n", $1, ($5 - $2) * 10, ($6 - $3) * 10, ($7 - $4) * 10 }' >>/tmp/attach-cpu
}
for r in 1 2 3 4 5; do
	start_daemon
	pcirstctl request 0000:01:00.0 --reason manual >/tmp/warm.out 2>&1 ||
		notok "round $r: pcirstd's first request: $(tail -1 /tmp/warm.out)"
	timed_attach d $dpid
	kill -TERM $dpid
	wait $dpid
	domu_settle "$domid" 0x1af4:0x1041 virtio-pci 90 >/dev/null
	xl pci-detach domu 01:00.0 >/dev/null 2>&1
	timed_attach o 0
	domu_settle "$domid" 0x1af4:0x1041 virtio-pci 90 >/dev/null
	[ $r = 5 ] || xl pci-detach domu 01:00.0 >/dev/null 2>&1
	e_us=$(jentries 0000:01:00.0 attach | sed -n 's/^DURATION_USEC=//p' | tail -1)
	set -- $(tail -2 /tmp/attach-times | awk '{ printf " %d", $2 / 1000 }') \
		$(tail -2 /tmp/xlstamp | awk '{ printf " %d %d", ($4 - $3) / 1000, ($6 - $5) / 1000 }') \
		$(tail -2 /tmp/attach-cpu | awk '{ printf " %d %d %d", $2, $3, $4 }')
	say "attach latency round $r: through pcirstd $1 ms (A $3, C $4; engine reset E $((${e_us:-0} / 1000)); CPU: dom0 $7, xenstored $8, pcirstd $9), with libxl's own reset $2 ms (A $5, C $6; CPU: dom0 ${10}, xenstored ${11})"
done
# The five rounds' medians (ms): whole attach, A, C, the dom0's CPU, xenstored's.
med() { # label column-expression file
	awk -v l="$1" '$1 == l { print '"$2"' }' "$3" | sort -n | sed -n 3p
}
dw=$(med d '$2 / 1000' /tmp/attach-times) ow=$(med o '$2 / 1000' /tmp/attach-times)
da=$(med d '($4 - $3) / 1000' /tmp/xlstamp) oa=$(med o '($4 - $3) / 1000' /tmp/xlstamp)
dc=$(med d '($6 - $5) / 1000' /tmp/xlstamp) oc=$(med o '($6 - $5) / 1000' /tmp/xlstamp)
db=$(med d '$2' /tmp/attach-cpu) ob=$(med o '$2' /tmp/attach-cpu)
dx=$(med d '$3' /tmp/attach-cpu) ox=$(med o '$3' /tmp/attach-cpu) dp=$(med d '$4' /tmp/attach-cpu)
say "attach latency median of 5: whole xl pci-attach ${dw%.*} ms through pcirstd, ${ow%.*} ms with libxl's own reset, pcirstd - own: $((${dw%.*} - ${ow%.*})) ms ($(((${dw%.*} - ${ow%.*}) * 100 / ${ow%.*})) %); the attach (A) ${da%.*} against ${oa%.*} ms; xs_close (C) ${dc%.*} against ${oc%.*} ms; the dom0's CPU $db against $ob ms (xenstored $dx against $ox, pcirstd $dp)"

echo "== 5b. xl destroy goes through pcirstd for every device still attached"
start_daemon
xl destroy domu >/tmp/destroy.out 2>&1
check destroy "xl destroy exit status" "$?" 0
check destroy "detach audit entries for 08:00.0, 03:00.0, 01:00.0 (01: case 5's pci-detach + destroy)" \
	"$(jwait 0000:08:00.0 detach 1) $(jwait 0000:03:00.0 detach 1) $(jwait 0000:01:00.0 detach 2)" "1 1 2"
check destroy "journal RESULT for 03:00.0 (skip)" "$(jfield 0000:03:00.0 detach RESULT)" skipped
check destroy "journal RESULT for 08:00.0 (lenient, no FLR)" "$(jfield 0000:08:00.0 detach RESULT)" failed-ignored
kill -TERM $dpid
wait $dpid
say "xl summary pass=$pass fail=$fail"
finish
