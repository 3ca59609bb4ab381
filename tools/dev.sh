#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# One entry point for developers and CI on Debian 12. Every command installs
# what it needs first (apt-get), so each works from a clean clone:
#
#   tools/dev.sh demo    build, then run the main job (see README.md): Xen under
#                        QEMU, pcirstd serving reset requests in its dom0
#   tools/dev.sh demo-sim the same on a simulated device tree (no QEMU)
#   tools/dev.sh test    build (normal and ASan+UBSan), check formatting, run all tests
#   tools/dev.sh bench   build (release), print the performance table (docs/performance.md)
#   tools/dev.sh deps    only install the dependencies
#   tools/dev.sh format  reformat the tree with clang-format
set -euo pipefail

cd "$(dirname "$0")/.."
top=$PWD

DEPS=(build-essential cmake pkg-config clang-format
      libsystemd-dev libudev-dev libjson-c-dev libxen-dev libcmocka-dev)
# The Xen dom0 system test (tests/system): QEMU and cpio on the host; the rest
# (Xen, the dom0 kernel, busybox, pciutils) is downloaded, not installed.
SYSTEM_DEPS=(qemu-system-x86 cpio)

log() { printf '\n==> %s\n' "$*"; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_deps() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing ${missing[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
}

sources() {
	git ls-files -co --exclude-standard -- '*.c' '*.h'
}

check_format() {
	log "clang-format check"
	local bad
	bad=$(sources | xargs -r clang-format --dry-run 2>&1 | grep -c 'warning:' || true)
	if [ "$bad" != 0 ]; then
		sources | xargs -r clang-format --dry-run 2>&1 | grep 'warning:' | cut -d: -f1 | sort -u
		echo "$bad formatting problems; run tools/dev.sh format" >&2
		return 1
	fi
	echo "formatted: $(sources | wc -l) files"
}

build() { # dir build-type
	log "build $2 in $1"
	cmake -S "$top" -B "$1" -DCMAKE_BUILD_TYPE="$2" -DPCIRST_WERROR=ON >/dev/null
	cmake --build "$1" -j"$(nproc)"
}

run_tests() { # dir label [ctest options]
	log "tests ($2)"
	local out="$1/test-output.log" rc=0 dir=$1 label=$2
	shift 2
	ctest --test-dir "$dir" -j"$(nproc)" --output-on-failure -V "$@" >"$out" 2>&1 || rc=$?
	grep -E '^[0-9]+/[0-9]+ Test|tests passed|tests failed' "$out" | sed 's/^/  /'
	local cases
	cases=$(grep -oE '\[  PASSED  \] [0-9]+ test' "$out" | awk '{s += $4} END {print s + 0}')
	echo "  cmocka: $cases test cases passed ($label)"
	grep -oE 'system test: [0-9]+ checks passed, [0-9]+ failed|run.sh: skipped.*' "$out" |
		sed 's/^/  /' || true
	if [ $rc -ne 0 ]; then
		grep -E '\[  (FAILED|ERROR)  \]|FAILED|Failed|not ok' "$out" | head -40 >&2
		echo "tests failed ($label); full output in $out" >&2
		return $rc
	fi
}

cmd_test() {
	install_deps "${DEPS[@]}" "${SYSTEM_DEPS[@]}"
	check_format
	build "$top/build/release" RelWithDebInfo
	run_tests "$top/build/release" release
	build "$top/build/sanitize" Sanitize
	# The Xen dom0 system test runs once, on the release build.
	run_tests "$top/build/sanitize" "ASan+UBSan" -LE system
	log "all tests passed"
}

# The main job: Xen and a Linux dom0 boot under QEMU, and pcirstd serves
# reset requests for emulated PCIe devices there (tests/system/README.md).
cmd_demo() {
	install_deps "${DEPS[@]}" "${SYSTEM_DEPS[@]}"
	build "$top/build/release" RelWithDebInfo
	exec "$top/tests/system/run.sh" "$top/build/release" --demo
}

# The same on a simulated device tree with a hypervisor-less xenstored: fast.
cmd_demo_sim() {
	install_deps "${DEPS[@]}" pciutils
	build "$top/build/release" RelWithDebInfo
	exec "$top/tools/demo.sh" "$top/build/release"
}

# The performance table on the simulated tree with a real xenstored
# (docs/performance.md); arguments go to pcirst-bench (--quick, --idle-seconds N).
cmd_bench() {
	install_deps "${DEPS[@]}"
	build "$top/build/release" RelWithDebInfo
	exec "$top/build/release/bench/pcirst-bench" "$@"
}

case "${1:-}" in
deps) install_deps "${DEPS[@]}" "${SYSTEM_DEPS[@]}" ;;
test) cmd_test ;;
demo) cmd_demo ;;
demo-sim) cmd_demo_sim ;;
bench) shift && cmd_bench "$@" ;;
format) sources | xargs -r clang-format -i ;;
*)
	echo "usage: tools/dev.sh demo|demo-sim|test|bench|deps|format" >&2
	exit 2
	;;
esac
