#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-async.sh CACHE_DIR
#
# Runs the libxl series' reset code without Xen: extracts pci_reset (the
# pcirstd protocol inside the pci add/remove ao) and pci_reset_direct verbatim
# from the patched libxl_pci.c that build-libxl.sh left in CACHE_DIR/xen,
# compiles them into the harness (harness.c and its modules) with Xen's
# warning flags, and runs them over a real xenstored (Debian's, without a
# hypervisor, through the tests' shim): libxl's own reset under every
# reset_policy, a fake daemon (not ready, dead, killed or stopping while libxl
# waits, silent, answering), and, with
# PCIRST_BUILD=<pcirstd build directory configured with tests>, the real
# pcirstd on the simulated device tree with a policy that yields every answer
# and every request option's fate. The deadline is shortened to 3 s for the
# test. Needs root (as the repository's xenstored tests). Nothing touches this
# machine's devices: libxl's own reset is a stub, the daemon works on the
# simulated tree.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)

die() {
	echo "test-async: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: test-async.sh CACHE_DIR"
cache=$(cd "$1" && pwd)
pci_c=$cache/xen/tools/libs/light/libxl_pci.c
[ -f "$pci_c" ] || die "no patched $pci_c: run build-libxl.sh $1 first"
grep -q '^static void pci_reset(libxl__egc \*egc, pci_reset_state \*rs)$' "$pci_c" ||
	die "$pci_c does not carry the series"
build=${PCIRST_BUILD:+$(cd "$PCIRST_BUILD" && pwd)}
[ -n "$build" ] || die "PCIRST_BUILD (a pcirstd build directory) is needed for xenstored's shim"
# pcirstd audits through the journal: a private one, never the host's
# (tests/lib/privjournal.h).
if [ -z "${PCIRST_PRIVATE_JOURNAL:-}" ]; then
	exec "$build/tests/pcirst-privjournal" -- "$0" "$@"
fi

work=$cache/test-async
rm -rf "$work"
mkdir -p "$work"

{
	echo '/* extracted from the patched tools/libs/light/libxl_pci.c */'
	sed -n '/^typedef struct pci_reset_state pci_reset_state;$/,/^static void pci_reset(libxl__egc \*egc, pci_reset_state \*rs);$/p' "$pci_c"
	sed -n '/^static int pci_reset_direct(/,/^int libxl__device_pci_setdefault(/p' "$pci_c" | sed '$d' |
		sed 's/^#define PCIRSTD_TIMEOUT_MS .*/#define PCIRSTD_TIMEOUT_MS    3000/'
} >"$work/reset.inc"
grep -q '^static void pci_reset_liveness(' "$work/reset.inc" || die "cannot extract the reset code from $pci_c"
grep -q '^#define PCIRSTD_TIMEOUT_MS    3000$' "$work/reset.inc" || die "cannot shorten the deadline"

# Xen's tools flags (-std=gnu99 -Wall -Wstrict-prototypes -Werror, -Wshadow).
gcc -std=gnu99 -Wall -Wstrict-prototypes -Wno-unused-but-set-variable -Wshadow -Werror -O2 \
	-I"$work" -o "$work/harness" "$here"/{harness,libxl-standin,run-reset,fake-daemon,scenarios,check}.c \
	-lxenstore

xs_pid='' d_pid=''
cleanup() {
	local pid
	for pid in $d_pid $xs_pid; do
		{ kill "$pid" && wait "$pid"; } 2>/dev/null || true # wait: 143, killed
	done
	[ -f "$work/root/simtree.pid" ] && kill "$(cat "$work/root/simtree.pid")" 2>/dev/null
	return 0
}
trap cleanup EXIT

shim=$build/tests/xenstored/libpcirst-xs-shim.so
[ -e "$shim" ] || die "no $shim (build pcirst-xs-shim)"
xenstored=$(sh "$repo/tests/xenstored/get-xenstored.sh" "$build/xenstored" | tail -n1) ||
	die "cannot get xenstored"
mkdir -p "$work/run" "$work/policy"
export XENSTORED_PATH=$work/run/socket
XENSTORED_RUNDIR=$work/run LD_PRELOAD=$shim "$xenstored" -N -F "$work/run/pid" \
	>"$work/xenstored.log" 2>&1 &
xs_pid=$!
for _ in $(seq 50); do [ -S "$XENSTORED_PATH" ] && break; sleep 0.1; done
[ -S "$XENSTORED_PATH" ] || die "xenstored did not start (see $work/xenstored.log)"

fails=0
"$work/harness" fallback || fails=1
"$work/harness" fake || fails=1

sim=$build/tests/pcirst-simtree ctl=$build/tools/pcirstctl
for f in "$build/daemon/pcirstd" "$sim" "$ctl"; do
	[ -e "$f" ] || die "no $f (build pcirstd pcirstctl pcirst-simtree)"
done
"$sim" --serve "$work/root" >/dev/null
cat >"$work/policy/50-libxl.json" <<'JSON'
{
  "rules": [
    { "match": { "sbdf": "0000:03:00.0" }, "policy": "skip",
      "reason": "libxl test: never reset" },
    { "match": { "sbdf": "0000:02:00.0" }, "policy": "lenient", "methods": ["pm"],
      "allow-request-weaken": true, "reason": "libxl test: PM only, failures allowed" },
    { "match": { "sbdf": "0000:04:00.0" }, "policy": "strict", "methods": ["pm"],
      "reason": "libxl test: PM only" }
  ]
}
JSON
"$build/daemon/pcirstd" --sysfs-root "$work/root" --policy-dir "$work/policy" \
	2>"$work/pcirstd.log" &
d_pid=$!
for _ in $(seq 50); do "$ctl" status >/dev/null 2>&1 && break; sleep 0.1; done
"$ctl" status >/dev/null 2>&1 || die "pcirstd did not become ready (see $work/pcirstd.log)"
"$work/harness" live || fails=1
kill -KILL "$d_pid"
wait "$d_pid" 2>/dev/null || true # 137: killed
d_pid=
"$work/harness" killed || fails=1
[ $fails = 0 ] || die "FAILED"
echo "test-async: all passed"
