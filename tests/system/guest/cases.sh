#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The system test's cases, run by /init in the Xen dom0 (tests/system/README.md).
# Each case prints "PCIRST-SYSTEST ok|not ok NAME: detail"; the host counts them.
#
# Devices (tests/system/run.sh builds the machine):
#   01:00.0 virtio-net (FLR)          02:00.0 nvme (FLR)
#   03:00.0 e1000e (PM, bus)           04:00.0 e1000e bound to its driver
#   06:01.0 e1000 behind a PCIe-to-PCI bridge (bus only)
#   07:00.0 e1000e, policy strict FLR-only     08:00.0 e1000e, lenient FLR-only
#   09:01.0 rtl8139 behind a PCI bridge, policy skip
#   0a:00.0 e1000e behind a root port at 16 GT/s (never sets Link Active), bus only
#   0b:00.0 e1000e, policy strict with the kernel's methods only
#   0c:00.0 nvme SR-IOV PF (driver nvme), VFs 0c:00.1 and 0c:00.2 once enabled
#   0d:00.0 e1000e below 00:1d.0, whose slot the evidence case resets from user space
# Every root port is a native hotplug slot driven by pciehp.
mode=${1:-test}
. /lib.sh

bars() { for i in 0 1 2 3 4 5; do setpci -s "$1" BASE_ADDRESS_$i; done | tr '\n' ' '; }

# Arms a device: memory decoding and bus mastering on, the test value in its
# register, both read back before the reset: "cleared to 0" afterwards proves a
# reset only if the value was really there.
arm() { # sbdf [driver: its driver holds the BARs, leave them alone]
	local want
	setpci -s "$1" COMMAND=0006
	armed_cmd=$(setpci -s "$1" COMMAND)
	check "arm $1" "Command memory+bus master bits read back" \
		"$(((0x$armed_cmd & 6) == 6))" 1
	armed_bars=$(bars "$1")
	[ "${2:-}" = driver ] && return 0
	want=$(reg_of "$1" | cut -d' ' -f4)
	reg "$1" "$want"
	check "arm $1" "device register $(reg_of "$1" | cut -d' ' -f1-2) read back" "$(reg "$1")" "$want"
}

# After a request: was the device reset (register cleared) and restored?
effect() { # name sbdf expect(reset|untouched|driver)
	local r want
	check "$1" "Command after (restored or untouched)" "$(setpci -s "$2" COMMAND)" "$armed_cmd"
	check "$1" "BARs after (restored or untouched)" "$(bars "$2")" "$armed_bars"
	[ "$3" = driver ] && return 0 # its driver holds the BARs: no access from here
	r=$(reg "$2")
	want=$(reg_of "$2" | cut -d' ' -f4)
	if [ "$3" = reset ]; then
		check "$1" "device register $(reg_of "$2" | cut -d' ' -f1-2) (was $want; cleared by reset)" "$r" 0x0
	else
		check "$1" "device register $(reg_of "$2" | cut -d' ' -f1-2) (not reset)" "$r" "$want"
	fi
}

# The audit entry pcirstd wrote for the last request on SBDF: FIELD values.
journal_field() { # sbdf field
	journalctl --no-pager -o verbose PCI_SBDF="$1" 2>/dev/null | sed -n "s/^ *$2=//p" | tail -1
}

# Whether the newest audit entry for SBDF mentions PATTERN (message, trail, notes).
has_attempt() { # name sbdf pattern
	if journalctl --no-pager -o export PCI_SBDF="$2" |
		awk '/^__CURSOR=/ { e = "" } { e = e $0 "\n" } END { printf "%s", e }' | grep -q "$3"; then
		ok "$1: the audit entry says '$3'"
	else
		notok "$1: no '$3' in the audit entry"
	fi
}

# One request through libpcirst (pcirstctl request) and its checks.
case_request() { # name sbdf exit result method effect [options...]
	local name=$1 sbdf=$2 xrc=$3 xres=$4 xmeth=$5 xeff=$6 out rc
	shift 6
	arm "$sbdf" "$xeff"
	out=$(pcirstctl request "$sbdf" --domid 7 --reason attach "$@" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/    /'
	check "$name" "pcirstctl exit status" "$rc" "$xrc"
	check "$name" "result" "$(echo "$out" | sed -n 's/^result: *//p' | head -1)" "$xres"
	[ "$xmeth" = - ] ||
		check "$name" "method" "$(echo "$out" | sed -n 's/^method: *//p' | head -1)" "$xmeth"
	[ "$xres" != ok ] ||
		check "$name" "effect" "$(echo "$out" | sed -n 's/^effect: *//p' | head -1)" verified
	# journald stores entries asynchronously: give it up to 3 s to show this one.
	for i in $(seq 30); do
		[ "$(journal_field "$sbdf" RESULT)" = "$xres" ] && break
		usleep 100000
	done
	check "$name" "journal RESULT" "$(journal_field "$sbdf" RESULT)" "$xres"
	effect "$name" "$sbdf" "$xeff"
}

# pcirstctl probe against lspci -vv: FLR, PM without NoSoftRst, parent bridge.
case_probe() { # sbdf
	local sbdf=$1 methods lflr lpm parent lparent
	methods=" $(awk -v s="$sbdf" '$1 == s {for (i = 7; i <= NF; i++) printf "%s ", $i}' /tmp/probe)"
	lflr=no lpm=no
	lspci -vv -s "$sbdf" 2>/dev/null >/tmp/lspci-one
	grep -q 'FLReset+' /tmp/lspci-one && lflr=yes
	grep -q 'AFCap:.*FLR+' /tmp/lspci-one && lflr=yes
	grep -q 'NoSoftRst-' /tmp/lspci-one && lpm=yes
	case $methods in *" flr "* | *" af-flr "*) pflr=yes ;; *) pflr=no ;; esac
	case $methods in *" pm "*) ppm=yes ;; *) ppm=no ;; esac
	check "probe $sbdf" "FLR (lspci: $lflr)" "$pflr" "$lflr"
	check "probe $sbdf" "PM reset (lspci NoSoftRst-: $lpm)" "$ppm" "$lpm"
	lparent=$(lspci -PP -s "$sbdf" 2>/dev/null | cut -d' ' -f1 | awk -F/ '{print $(NF-1)}')
	parent=$(awk -v s="$sbdf" '$1 == s {print $6}' /tmp/probe)
	check "probe $sbdf" "parent bridge (lspci -PP: $lparent)" "${parent#0000:}" "$lparent"
}

# After a bus reset below a hotplug slot: the function is still there, still
# bound to pciback, pciehp logged nothing for the slot, and the audit says the
# slot's events were masked.
case_hotplug_kept() { # name sbdf port
	dmesg | grep 'pciehp' | grep 'Slot(' >/tmp/dmesg-pciehp
	check "$1" "$2 still present" "$([ -e "/sys/bus/pci/devices/$2" ] && echo yes)" yes
	check "$1" "$2 still bound" "$(basename "$(readlink "/sys/bus/pci/devices/$2/driver")")" pciback
	hasnt "$1" "no pciehp event logged for $3's slot" /tmp/dmesg-pciehp "$3"
	has_attempt "$1" "$2" "hotplug slot of $3: .*Link State Changed events masked"
}

if [ "$mode" = explore ]; then
	lspci -nn -t 2>/dev/null
	pcirstctl probe
	exit 0
fi

# Every check below, counted: run.sh requires exactly this many results.
plan 188
say "devices $(ls /sys/bus/pci/drivers/pciback | grep -c :) bound to pciback"
echo "== pcirstctl probe"
pcirstctl probe -v | tee /tmp/probe
for d in 01:00.0 02:00.0 03:00.0 06:01.0 09:01.0; do
	case_probe "0000:$d"
done

# (A request node owned by a domU is ignored: tests/daemon/test-daemon.c. Here
# the real xenstored refuses to give a node to a domain that does not exist,
# so that case needs the domU of the libxl test.)
pcirstd --log-level debug 2>/tmp/pcirstd.log &
dpid=$!
for i in $(seq 100); do
	[ "$(xenstore-read $BASE/daemon/state 2>/dev/null)" = ready ] && break
	usleep 50000
done
check daemon "daemon/state" "$(xenstore-read $BASE/daemon/state 2>/dev/null)" ready
check daemon "base path permissions" "$(xenstore-ls -p /local/domain/0 | sed -n 's/^pci-reset = .*(\(.*\))$/\1/p')" n0
say "ready $(cut -d' ' -f1 /proc/uptime)"

echo "== requests"
case_request flr-virtio 0000:01:00.0 0 ok flr reset
case_request flr-nvme 0000:02:00.0 0 ok flr reset
# No FLR: PM comes next, and QEMU 7.2's D3hot->D0 resets nothing: effect
# verification finds the BARs kept, calls PM ineffective and goes on to bus.
case_request pm-ineffective 0000:03:00.0 0 ok bus reset
has_attempt pm-ineffective 0000:03:00.0 'RESET_ATTEMPT=pm 0000:03:00.0 ineffective BAR'
# That bus reset ran below a hotplug slot (00:12.0): pcirstd masked its
# events, so pciehp saw no surprise removal (docs/reset-engine.md).
case_hotplug_kept pm-ineffective 0000:03:00.0 0000:00:12.0
# The kernel's own reset: it picks PM for an e1000e, which QEMU ignores; the
# MSI marker shows it, and the kernel's bus reset that follows is verified.
case_request kernel-msi 0000:0b:00.0 0 ok kernel:bus reset
has_attempt kernel-msi 0000:0b:00.0 'RESET_ATTEMPT=kernel 0000:0b:00.0 ineffective'
case_request link-active 0000:0a:00.0 0 ok bus reset
has_attempt link-active 0000:0a:00.0 'never reported Data Link Layer Link Active'
case_request bus-e1000 0000:06:01.0 0 ok bus reset
case_request strict-fails 0000:07:00.0 1 failed - untouched
case_request lenient-ignored 0000:08:00.0 5 failed-ignored - untouched
case_request skip 0000:09:01.0 6 skipped - untouched
case_request live-driver 0000:04:00.0 3 refused - driver
check skip "journal POLICY_RULE" "$(journal_field 0000:09:01.0 POLICY_RULE)" "/etc/pcirstd/policy.d/50-systest.json:15"

. /cases-hw.sh

echo "== two requests at once on independent devices"
arm 0000:01:00.0
arm 0000:02:00.0
# Both requests from one libpcirst client (benchreq), written before either
# answer is awaited: two pcirstctl processes took longer to start under TCG
# than an FLR takes, so the first reset could end before the second request
# was written.
t0=$(uptime_ms)
benchreq --at-once 0000:01:00.0 0000:02:00.0 >/tmp/p12 2>&1
r12=$?
now=$(uptime_ms)
wall=$((now - t0))
[ $r12 = 0 ] || sed 's/^/    /' /tmp/p12
check parallel "benchreq exit status (both answered ok)" "$r12" 0
# When each reset ran, from its audit entry: it was sent at the end
# (__MONOTONIC_TIMESTAMP) and DURATION_USEC says how long the reset took.
span() { # sbdf -> "start end" in µs
	journalctl --no-pager -o export PCI_SBDF="$1" RESULT=ok | awk -F= '
		/^__MONOTONIC_TIMESTAMP=/ { t = $2 } /^DURATION_USEC=/ { d = $2 }
		/^$/ { if (d) { s = t - d; e = t } d = 0 }
		END { if (d) { s = t - d; e = t } printf "%d %d\n", s, e }'
}
set -- $(span 0000:01:00.0) $(span 0000:02:00.0)
say "parallel: 01:00.0 $((($2 - $1) / 1000)) ms, 02:00.0 $((($4 - $3) / 1000)) ms, overlapping $((( ($2 < $4 ? $2 : $4) - ($1 > $3 ? $1 : $3) ) / 1000)) ms; $wall ms wall for both requests"
if [ "$1" -lt "$4" ] && [ "$3" -lt "$2" ]; then
	ok "parallel: the two resets overlapped in time"
else
	notok "parallel: the two resets ran one after the other ($*)"
fi

echo "== protocol over xenstore"
xenstore-write $BASE/request/raw1/sbdf 0000:02:00.0 $BASE/request/raw1/reason manual
for i in $(seq 100); do
	[ "$(xenstore-read $BASE/response/raw1/state 2>/dev/null)" = done ] && break
	usleep 50000
done
check raw "response/raw1/result" "$(xenstore-read $BASE/response/raw1/result 2>/dev/null)" ok
check raw "response/raw1/method" "$(xenstore-read $BASE/response/raw1/method 2>/dev/null)" flr
xenstore-rm $BASE/request/raw1 $BASE/response/raw1
xenstore-write $BASE/request/bad1/sbdf 0000:02:00 $BASE/request/bad1/reason manual
for i in $(seq 100); do
	[ "$(xenstore-read $BASE/response/bad1/state 2>/dev/null)" = done ] && break
	usleep 50000
done
check malformed "response/bad1/result" "$(xenstore-read $BASE/response/bad1/result 2>/dev/null)" refused

echo "== a device removed in the middle of its reset (device watch, kernel uevents)"
# SIGHUP reload: the new file gives 01:00.0 an extra 4 s after its FLR, time
# enough to remove the function while pcirstd is resetting it.
cat >/etc/pcirstd/policy.d/60-slow.json <<'JSON'
{ "rules": [ { "match": { "sbdf": "0000:01:00.0" }, "policy": "strict",
  "extra-delay-ms": 4000, "reason": "system test: slow reset" } ] }
JSON
kill -HUP $dpid
usleep 500000
grep -q 'policy reloaded' /tmp/pcirstd.log && ok "reload: policy reloaded on SIGHUP" ||
	notok "reload: no 'policy reloaded' in the log"
pcirstctl request 0000:01:00.0 --reason detach >/tmp/gone 2>&1 &
pgone=$!
for i in $(seq 100); do
	[ "$(xenstore-ls $BASE/response 2>/dev/null | grep -c 'state = "accepted"')" -ge 1 ] && break
	usleep 50000
done
usleep 500000
echo 1 >/sys/bus/pci/devices/0000:01:00.0/remove
wait $pgone
rc=$?
sed 's/^/    /' /tmp/gone
check removed "pcirstctl exit status" "$rc" 1
check removed "error" "$(sed -n 's/^error: *//p' /tmp/gone)" "0000:01:00.0 was removed during the reset"
if [ "$(sed -n 's/^duration: *\([0-9]*\).*/\1/p' /tmp/gone)" -lt 4000 ]; then
	ok "removed: aborted before the 4 s delay ended"
else
	notok "removed: waited out the delay"
fi
grep -q 'device watch: 0000:01:00.0 was removed' /tmp/pcirstd.log &&
	ok "removed: the device watch saw the kernel's remove event" ||
	notok "removed: no device watch line in the log"
check removed "journal MESSAGE_ID of the last entry for 0000:01:00.0" \
	"$(journalctl --no-pager -o export PCI_SBDF=0000:01:00.0 MESSAGE_ID=ba65b92248584748b7988126dc421248 | sed -n 's/^MESSAGE_ID=//p' | tail -1)" \
	ba65b92248584748b7988126dc421248
case_request after-removal 0000:02:00.0 0 ok flr reset

echo "== audit trail: journalctl SYSLOG_IDENTIFIER=pcirstd"
journalctl --no-pager -o short-monotonic SYSLOG_IDENTIFIER=pcirstd | sed 's/^/    /'
echo "== one entry in full: journalctl -o verbose PCI_SBDF=0000:09:01.0 (skipped by policy)"
journalctl --no-pager -o verbose PCI_SBDF=0000:09:01.0 | sed 's/^/    /' | tail -25
n=$(journalctl --no-pager -o export SYSLOG_IDENTIFIER=pcirstd 2>/dev/null | grep -c '^MESSAGE_ID=')
say "journal: $n pcirstd entries with a MESSAGE_ID"
[ "$n" -ge 10 ] && ok "journal: $n audit entries" || notok "journal: only $n audit entries"

kill -TERM $dpid
wait $dpid
check daemon "exit status after SIGTERM" "$?" 0

echo "== pcirstd killed (SIGKILL): its 'ready' stays behind, clients see through it at once"
pcirstd --log-level debug 2>>/tmp/pcirstd.log &
dpid=$!
for i in $(seq 100); do
	[ "$(xenstore-read $BASE/daemon/state 2>/dev/null)" = ready ] && break
	usleep 50000
done
kill -KILL $dpid
wait $dpid 2>/dev/null
check killed "daemon/state left behind" "$(xenstore-read $BASE/daemon/state 2>/dev/null)" ready
t0=$(uptime_ms)
pcirstctl request 0000:02:00.0 --timeout 20000 >/tmp/killed 2>&1
rc=$?
t1=$(uptime_ms)
sed 's/^/    /' /tmp/killed
check killed "pcirstctl request exit status" "$rc" 4
has killed "pcirstctl request: not running" /tmp/killed "not running (stale state from pid $dpid)"
ms=$((t1 - t0))
say "killed: pcirstctl request answered in $ms ms (timeout 20000 ms)"
[ "$ms" -lt 1000 ] && ok "killed: answered in $ms ms, not at the timeout" ||
	notok "killed: answered after $ms ms"
pcirstctl status --recent 0 >/tmp/kstatus 2>&1
check killed "pcirstctl status exit status" "$?" 1
has killed "pcirstctl status: not running" /tmp/kstatus "not running (stale state from pid $dpid)"
# The next instance takes over; a clean stop leaves 'stopping' for the xl cases' daemon.
pcirstd 2>>/tmp/pcirstd.log &
dpid=$!
for i in $(seq 100); do
	[ "$(xenstore-read $BASE/daemon/pid 2>/dev/null)" = $dpid ] &&
		[ "$(xenstore-read $BASE/daemon/state 2>/dev/null)" = ready ] && break
	usleep 50000
done
pcirstctl status --recent 0 >/dev/null 2>&1
check killed "pcirstctl status exit status with the next instance" "$?" 0
kill -TERM $dpid
wait $dpid
echo "== pcirstd log"
sed 's/^/    /' /tmp/pcirstd.log | tail -40
say "summary pass=$pass fail=$fail"
finish
