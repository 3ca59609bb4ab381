#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The systemd configuration of the system test (tests/system/run-systemd.sh):
# run by pcirst-systest.service once the dom0, booted with Debian's systemd as
# PID 1, is up. pcirstd is the .deb's, its unit enabled as shipped (all
# hardening on) plus a short-watchdog drop-in. Prints "PCIRST-SYSTEST ok|not
# ok NAME: …" and a summary like cases.sh.
. /lib.sh
plan 33
export SYSTEMD_PAGER=cat SYSTEMD_COLORS=0 TERM=dumb MANPAGER=cat PAGER=cat
prop() { systemctl show -P "$2" "$1"; }
# A time span as systemctl shows it ("4s", "100ms", "1min 30s") in ms.
span_ms() {
	echo "$1" | awk '{ t = 0; for (i = 1; i <= NF; i++) { v = $i + 0;
		if ($i ~ /ms$/) t += v; else if ($i ~ /min$/) t += v * 60000;
		else if ($i ~ /us$/) t += v / 1000; else if ($i ~ /s$/) t += v * 1000 }
		printf "%d\n", t }'
}
say "systemd-cases $(cut -d' ' -f1 /proc/uptime)"

echo "== the unit as shipped, enabled, active with Type=notify"
check unit "pid 1" "$(cat /proc/1/comm)" systemd
check unit "unit file" "$(prop pcirstd FragmentPath)" /lib/systemd/system/pcirstd.service
check unit "the .deb's unit, unchanged" "$(sha256sum </lib/systemd/system/pcirstd.service)" \
	"$(sha256sum </pcirstd.service.source)"
check unit "is-enabled" "$(systemctl is-enabled pcirstd)" enabled
check unit "ActiveState" "$(prop pcirstd ActiveState)" active
check unit "Type" "$(prop pcirstd Type)" notify
status=$(prop pcirstd StatusText)
echo "    status: $status"
case $status in serving\;*) ok "unit: status text from sd_notify ($status)" ;;
*) notok "unit: status text '$status'" ;; esac
pid=$(prop pcirstd MainPID)
check hardening "NoNewPrivs of the daemon" "$(sed -n 's/^NoNewPrivs:\t//p' /proc/$pid/status)" 1
check hardening "seccomp filter mode" "$(sed -n 's/^Seccomp:\t//p' /proc/$pid/status)" 2
check hardening "ProtectSystem" "$(prop pcirstd ProtectSystem)" strict
check hardening "capability bounding set" "$(prop pcirstd CapabilityBoundingSet)" \
	"cap_dac_override cap_sys_admin"
check hardening "/ read-only for the daemon (ProtectSystem=strict)" \
	"$(awk '$5 == "/" {print ($6 ~ /^ro/) ? "ro" : "rw"}' /proc/$pid/mountinfo | tail -1)" ro

echo "== a domain started at boot was served by pcirstd"
ready=$(prop pcirstd ActiveEnterTimestampMonotonic)
dstart=$(prop xendomains InactiveExitTimestampMonotonic)
echo "    pcirstd ready at ${ready} us, xendomains started at ${dstart} us"
if [ -n "$ready" ] && [ "$ready" -gt 0 ] && [ "$dstart" -gt "$ready" ]; then
	ok "boot: xendomains started after pcirstd was ready"
else
	notok "boot: xendomains started at $dstart, pcirstd ready at $ready"
fi
systemctl list-dependencies --after --plain xendomains.service 2>/dev/null | grep -q pcirstd.service &&
	ok "boot: xendomains is ordered after pcirstd (the unit's Before=)" ||
	notok "boot: xendomains is not ordered after pcirstd"
domid=$(xl domid domu 2>/dev/null)
check boot "the domU of /etc/xen/auto runs" "$([ -n "$domid" ] && echo yes)" yes
jboot=$(journalctl --no-pager -o export PCI_SBDF=0000:01:00.0 REQUEST_REASON=attach DOMID="$domid" 2>/dev/null)
check boot "the attach reset of its device: pcirstd's journal entry" \
	"$(echo "$jboot" | sed -n 's/^_SYSTEMD_UNIT=//p' | head -1)" pcirstd.service
check boot "its result" "$(echo "$jboot" | sed -n 's/^RESULT=//p' | head -1)" ok

echo "== a reset under the hardening"
pcirstctl request 0000:02:00.0 --reason manual >/tmp/req1 2>&1
check reset "pcirstctl request exit status" "$?" 0
has reset "result ok" /tmp/req1 '^result: *ok'
has reset "FLR, verified" /tmp/req1 '^effect: *verified'

echo "== journalctl -x shows the catalog"
journalctl -x --no-pager -u pcirstd PCI_SBDF=0000:02:00.0 -n 1 >/tmp/jx 2>&1
has catalog "the catalog text for the reset" /tmp/jx 'came back ready, with their configuration restored'
has catalog "with the entry's fields filled in" /tmp/jx '0000:02:00.0'

echo "== systemctl help pcirstd opens the man page"
systemctl help pcirstd >/tmp/help 2>&1
has help "pcirstd(8)" /tmp/help 'PCI device reset daemon for the Xen toolstack'
has help "pcirstctl(8)" /tmp/help 'inspect and reset PCI devices the way pcirstd does'
grep -q 'inspect and reset' /tmp/help || head -5 /tmp/help | sed 's/^/    | /'

echo "== systemctl reload reloads the policy"
cat >/etc/pcirstd/policy.d/80-reload.json <<'JSON'
{ "rules": [ { "match": { "sbdf": "0000:02:00.0" }, "policy": "skip",
  "reason": "systemd test: added before systemctl reload" } ] }
JSON
systemctl reload pcirstd
check reload "systemctl reload exit status" "$?" 0
check reload "same daemon" "$(prop pcirstd MainPID)" "$pid"
pcirstctl request 0000:02:00.0 --reason manual >/tmp/req2 2>&1
check reload "the new rule decides (exit status 6: skipped)" "$?" 6
journalctl --no-pager -u pcirstd -g 'policy reloaded' >/tmp/jreload 2>&1
has reload "the journal says so" /tmp/jreload 'policy reloaded'
rm -f /etc/pcirstd/policy.d/80-reload.json
systemctl reload pcirstd

echo "== a hung daemon (SIGSTOP) is killed by the watchdog and restarted"
wd=$(span_ms "$(prop pcirstd WatchdogUSec)")
rs=$(span_ms "$(prop pcirstd RestartUSec)")
n0=$(prop pcirstd NRestarts)
t0=$(uptime_ms)
kill -STOP "$pid"
new=$pid
for i in $(seq 300); do
	new=$(prop pcirstd MainPID)
	[ "$new" != "$pid" ] && [ "$new" != 0 ] && [ "$(prop pcirstd ActiveState)" = active ] && break
	usleep 100000
done
took=$(($(uptime_ms) - t0))
# When systemd started the new daemon, on its own clock (CLOCK_MONOTONIC, the
# same as /proc/uptime's in a guest that never suspends): the test's polling
# through systemctl under TCG must not count.
started=$((($(prop pcirstd ExecMainStartTimestampMonotonic) / 1000) - t0))
say "watchdog: stopped pid $pid; systemd started pid $new after $started ms, active after $took ms (WatchdogSec $wd ms + RestartSec $rs ms)"
[ "$new" != "$pid" ] && [ "$new" != 0 ] && ok "watchdog: a new daemon is active" ||
	notok "watchdog: no new daemon after $took ms"
# 3 s of slack for a TCG guest on a loaded host between the deadline and
# systemd acting on it (measured: 4982 ms idle, 7225 ms loaded, for 4 + 1 s).
[ "$started" -gt 0 ] && [ "$started" -le $((wd + rs + 3000)) ] &&
	ok "watchdog: restarted within WatchdogSec + RestartSec ($started ms)" ||
	notok "watchdog: restarted after $started ms"
check watchdog "NRestarts" "$(prop pcirstd NRestarts)" $((n0 + 1))
journalctl --no-pager -u pcirstd >/tmp/jwd 2>&1
has watchdog "systemd logged the watchdog timeout" /tmp/jwd 'Watchdog timeout'
pcirstctl request 0000:02:00.0 --reason manual >/tmp/req3 2>&1
check watchdog "the restarted daemon serves the next request" "$?" 0

finish
say "systemd summary $pass passed, $fail failed"
