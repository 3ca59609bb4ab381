#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-delegation.sh CACHE_DIR
#
# Runs the patch's delegation code without Xen: extracts it verbatim from the
# patched libxl_pci.c that build-libxl.sh left in CACHE_DIR/xen, compiles it
# into harness.c with Xen's warning flags, and checks the fallback rules and
# every answer against fake-libpcirst.c (loaded by the patch's own dlopen()
# as libpcirst.so.0).
#
# With PCIRST_BUILD=<pcirstd build directory, configured with tests>, it also
# runs the real libpcirst: with xenstore unreachable, then against the real
# pcirstd serving a real xenstored (Debian's, run without a hypervisor
# through the tests' shim) on the simulated device tree, with a policy that
# yields every answer, and last after that pcirstd stopped. Needs root (as
# the repository's xenstored tests). Nothing touches this machine's devices:
# the daemon works on the simulated tree, and the harness's old reset path is
# a stub.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)

die() {
	echo "test-delegation: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: test-delegation.sh CACHE_DIR"
cache=$(cd "$1" && pwd)
pci_c=$cache/xen/tools/libs/light/libxl_pci.c
[ -f "$pci_c" ] || die "no patched $pci_c: run build-libxl.sh $1 first"
grep -q pci_reset_pcirstd "$pci_c" || die "$pci_c is not patched"

work=$cache/test-delegation
rm -rf "$work"
mkdir -p "$work/fake"

# From the ABI declarations to the end of libxl__device_pci_reset.
sed -n '/^#define PCIRSTD_LIBRARY/,/^int libxl__device_pci_setdefault/p' "$pci_c" |
	sed '$d' >"$work/delegation.inc"
grep -q '^static int libxl__device_pci_reset' "$work/delegation.inc" ||
	die "cannot find libxl__device_pci_reset in $pci_c"

# Xen's tools flags (-std=gnu99 -Wall -Wstrict-prototypes -Werror).
gcc -std=gnu99 -Wall -Wstrict-prototypes -Wno-unused-but-set-variable -Werror -O2 \
	-I"$work" -o "$work/harness" "$here/harness.c" -ldl
gcc -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Werror -O2 -shared -fPIC \
	-fvisibility=hidden -I"$repo/include" -Wl,-soname,libpcirst.so.0 \
	-o "$work/fake/libpcirst.so.0" "$here/fake-libpcirst.c"

fails=0
if ldconfig -p | grep -q 'libpcirst\.so\.0 '; then
	echo "absent: skipped, libpcirst.so.0 is installed on this system"
else
	LD_LIBRARY_PATH=$work/empty "$work/harness" absent || fails=1
fi
LD_LIBRARY_PATH=$work/fake "$work/harness" fake || fails=1

# The real libpcirst and pcirstd.
xs_pid='' d_pid=''
cleanup() {
	local pid
	for pid in $d_pid $xs_pid; do
		{ kill "$pid" && wait "$pid"; } 2>/dev/null || true # wait: 143, killed
	done
	# pcirst-simtree --serve: the process that makes FLR real on the tree's files.
	[ -f "$work/root/simtree.pid" ] && kill "$(cat "$work/root/simtree.pid")" 2>/dev/null
	return 0
}
trap cleanup EXIT

live() { # build-dir
	local b=$1 xenstored shim=$1/tests/xenstored/libpcirst-xs-shim.so
	local sim=$1/tests/pcirst-simtree ctl=$1/tools/pcirstctl
	local f
	for f in "$b/daemon/pcirstd" "$shim" "$sim" "$ctl"; do
		if [ ! -e "$f" ]; then
			echo "live: skipped, no $f (build pcirstd pcirstctl pcirst-simtree pcirst-xs-shim)"
			return 0
		fi
	done
	xenstored=$(sh "$repo/tests/xenstored/get-xenstored.sh" "$b/xenstored" | tail -n1) ||
		die "cannot get xenstored"
	mkdir -p "$work/run" "$work/policy"
	"$sim" --serve "$work/root" >/dev/null
	cat >"$work/policy/50-libxl.json" <<'JSON'
{
  "rules": [
    { "match": { "sbdf": "0000:03:00.0" }, "policy": "skip",
      "reason": "libxl test: never reset" },
    { "match": { "sbdf": "0000:04:00.0" }, "policy": "lenient", "methods": ["pm"],
      "reason": "libxl test: failures allowed" },
    { "match": { "sbdf": "0000:02:00.0" }, "policy": "strict", "methods": ["pm"],
      "reason": "libxl test: PM only" }
  ]
}
JSON
	export XENSTORED_PATH=$work/run/socket
	XENSTORED_RUNDIR=$work/run LD_PRELOAD=$shim "$xenstored" -N -F "$work/run/pid" \
		>"$work/xenstored.log" 2>&1 &
	xs_pid=$!
	for _ in $(seq 50); do [ -S "$XENSTORED_PATH" ] && break; sleep 0.1; done
	[ -S "$XENSTORED_PATH" ] || die "xenstored did not start (see $work/xenstored.log)"
	"$b/daemon/pcirstd" --sysfs-root "$work/root" --policy-dir "$work/policy" \
		2>"$work/pcirstd.log" &
	d_pid=$!
	for _ in $(seq 50); do "$ctl" status >/dev/null 2>&1 && break; sleep 0.1; done
	"$ctl" status >/dev/null 2>&1 || die "pcirstd did not become ready (see $work/pcirstd.log)"
	LD_LIBRARY_PATH=$b/daemon "$work/harness" live || fails=1
	kill -TERM "$d_pid"
	wait "$d_pid" || true
	d_pid=
	LD_LIBRARY_PATH=$b/daemon "$work/harness" live-stopped || fails=1
	unset XENSTORED_PATH
}

if [ -n "${PCIRST_BUILD:-}" ]; then
	build=$(cd "$PCIRST_BUILD" && pwd)
	LD_LIBRARY_PATH=$build/daemon XENSTORED_PATH=$work/no-xenstored "$work/harness" real ||
		fails=1
	live "$build"
fi
[ $fails = 0 ] || die "FAILED"
echo "test-delegation: all passed"
