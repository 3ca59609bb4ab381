#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The main job, on a simulated device tree (tests/sim/pcirst-simtree.c):
#  1. pcirstctl probe: what each reset method would do on each device;
#  2. direct resets with the engine, printing their trails;
#  3. pcirstd serving reset requests over a real xenstored (Debian's
#     xenstored 4.17, run without a hypervisor), with the audit entries it
#     writes to a real, private journald;
#  4. a read-only probe of this machine's own devices.
# usage: tools/demo.sh BUILD_DIR   (tools/dev.sh demo builds and calls it)
set -euo pipefail

build=$(cd "$1" && pwd)
ctl=$build/tools/pcirstctl
# Never the host's journal: the demo runs in a mount namespace of its own with
# a private journald (tests/lib/privjournal.h), which ends with it.
if [ -z "${PCIRST_PRIVATE_JOURNAL:-}" ]; then
	exec "$build/tests/pcirst-privjournal" --journald -- "$0" "$@"
fi
work=$(mktemp -d /tmp/pcirstd-demo.XXXXXX)
xs_pid= d_pid=

cleanup() {
	set +e
	for pid in $d_pid $xs_pid; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	[ -f "$work/root/simtree.pid" ] && kill "$(cat "$work/root/simtree.pid")" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() {
	printf '$ %s\n' "$*"
	"$@" || printf '(exit status %d)\n' "$?"
}

root=$work/root
# --serve: a background process makes FLR real on the tree's config files, so
# effect verification can see it; PM and bus resets of programmed functions
# stay ineffective there, as config files cannot reset.
"$build/tests/pcirst-simtree" --serve "$root"

step "1. The simulated devices and the reset methods pcirstd could use"
run "$ctl" --sysfs-root "$root" probe

step "2. Direct resets with the engine (no daemon)"
run "$ctl" --sysfs-root "$root" reset 0000:01:00.0
run "$ctl" --sysfs-root "$root" reset 0000:03:00.0 --method flr --method pm
echo "# refused: a bus reset would also reset 04:00.1, which dom0's e1000e driver uses"
run "$ctl" --sysfs-root "$root" reset 0000:04:00.0 --method bus

step "3. pcirstd serving requests over a real xenstored"
xenstored=$build/xenstored/xen-utils-4.17/usr/lib/xen-4.17/bin/xenstored
shim=$build/tests/xenstored/libpcirst-xs-shim.so
if [ ! -x "$xenstored" ] || [ ! -f "$shim" ]; then
	echo "xenstored is not available (tests/xenstored/get-xenstored.sh failed): skipping"
else
	mkdir -p "$work/run" "$work/policy"
	export XENSTORED_PATH=$work/run/socket
	XENSTORED_RUNDIR=$work/run LD_PRELOAD=$shim "$xenstored" -N -F "$work/run/pid" \
		>"$work/xenstored.log" 2>&1 &
	xs_pid=$!
	cat >"$work/policy/50-demo.json" <<'JSON'
{
  "rules": [
    { "match": { "sbdf": "0000:03:00.0" }, "policy": "skip",
      "reason": "demo: this NIC stays with sys-net, never reset it" },
    { "match": { "vendor": "0x8086", "device": "0x1521" }, "policy": "lenient",
      "reason": "demo: known to fail its resets, allowed to go on" }
  ]
}
JSON
	for _ in $(seq 50); do [ -S "$XENSTORED_PATH" ] && break; sleep 0.1; done
	echo "policy:"
	run "$ctl" policy check "$work/policy"
	"$build/daemon/pcirstd" --sysfs-root "$root" --policy-dir "$work/policy" --device-watch none \
		2>"$work/pcirstd.log" &
	d_pid=$!
	sleep 0.5
	echo "# strict (default policy): FLR"
	run "$ctl" request 0000:01:00.0 --reason attach --domid 7
	echo "# skip by policy, loudly"
	run "$ctl" request 0000:03:00.0 --reason attach --domid 7
	echo "# lenient by policy: 04:00.1 is in use by dom0's e1000e, so every method is"
	echo "# refused; the failure is reported and the attach may go on"
	run "$ctl" request 0000:04:00.1 --reason attach --domid 8
	echo "# malformed: refused"
	run "$ctl" request 0000:77:00.0
	kill -TERM "$d_pid"
	wait "$d_pid" || true
	daemon_pid=$d_pid
	d_pid=
	echo "pcirstd's log:"
	sed 's/^/  /' "$work/pcirstd.log"
	# The private journald that pcirst-privjournal started, if it could.
	if [ -S /run/systemd/journal/socket ] && command -v journalctl >/dev/null; then
		sleep 0.3
		echo "the audit trail (journalctl -t pcirstd _PID=$daemon_pid -o verbose, key fields):"
		journalctl -t pcirstd _PID="$daemon_pid" -o verbose --no-pager 2>/dev/null |
			awk '/^[^ ]/ { print "" } /^ *(MESSAGE|MESSAGE_ID|PCI_SBDF|POLICY_RULE|POLICY_REASON|RESULT)=/ { sub(/^ */, "  "); print }' || true
	fi
fi

step "4. This machine's own devices (read-only probe; nothing is written)"
run "$ctl" probe
