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
#   tools/dev.sh bench --dom0 [--reps N]  the same resets in the Xen dom0 under QEMU:
#                        the kernel's sysfs reset vs the engine vs pcirstd, per method
#   tools/dev.sh coverage line and branch coverage of the unit and integration tests, per module
#   tools/dev.sh faults  build, then print the fault table (tests/faults/README.md)
#                        and keep it in docs/faults.md and README.md
#   tools/dev.sh deps    only install the dependencies
#   tools/dev.sh format  reformat the tree with clang-format
set -euo pipefail

cd "$(dirname "$0")/.."
top=$PWD

DEPS=(build-essential cmake pkg-config clang-format
      libsystemd-dev libudev-dev libjson-c-dev libxen-dev libcmocka-dev
      pandoc man-db valgrind)
# Fuzzing (libFuzzer and clang's sanitizer runtimes), scan-build, coverage.
CHECK_DEPS=(clang libclang-rt-14-dev clang-tools gcovr)
# The Xen dom0 system test (tests/system): QEMU and cpio on the host; the rest
# (Xen, the dom0 kernel, busybox, pciutils) is downloaded, not installed.
SYSTEM_DEPS=(qemu-system-x86 cpio)
# Packaging (tests/packaging): the .deb and .rpm builds, their linters, a
# clean Debian root for the .deb, and the unit's directory (systemd.pc).
SYSTEM_DEPS+=(dpkg-dev debhelper lintian debootstrap rpm rpmlint systemd bash-completion)
# The systemd configuration of the system test takes systemd 252, man and
# groff for its dom0 from these (tests/system/systemd/add-systemd.sh).
SYSTEM_DEPS+=(man-db groff-base bsdextrautils)

# Tests that may skip on a developer's machine (no root, no journald, no
# xenstored download, no QEMU) but must run in CI (CI=true): a skip of any of
# them fails the run there. Shell glob patterns of ctest names.
MUST_RUN_IN_CI=(
	'daemon/*' 'journal/*' 'xenstored/test-xenstored' 'faults/*'
	'reset/test-cli' 'reset/test-cli-hostile' 'reset/test-syscalls' 'policy/test-cli'
	'system/xen-dom0' 'system/xen420-dom0' 'system/libxl-async' 'systemd/verify-unit' 'cmake/*'
)

log() { printf '\n==> %s\n' "$*"; }

# debian_install: the Debian packages not yet installed (tests/lib/debian-apt.sh).
# shellcheck source=../tests/lib/debian-apt.sh
. "$top/tests/lib/debian-apt.sh"

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
	# ctest's SKIP_RETURN_CODE 77: "***Skipped" (tests/lib/testmain.h).
	local skipped name pat
	skipped=$(sed -nE 's/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: ([^ ]+) .*\*\*\*Skipped.*/\1/p' "$out")
	echo "  skipped: $(printf '%s' "$skipped" | grep -c . || true) ($label)${skipped:+:}" \
		$skipped
	if [ "${CI:-}" = true ]; then
		for name in $skipped; do
			for pat in "${MUST_RUN_IN_CI[@]}"; do
				# shellcheck disable=SC2053 # a glob on purpose
				if [[ $name == $pat ]]; then
					echo "  $name was skipped, but must run in CI (MUST_RUN_IN_CI)" >&2
					rc=1
				fi
			done
		done
	fi
	if [ $rc -ne 0 ]; then
		grep -E '\[  (FAILED|ERROR)  \]|FAILED|Failed|not ok' "$out" | head -40 >&2
		echo "tests failed ($label); full output in $out" >&2
		return $rc
	fi
}

# Each fuzz target a few seconds on its corpus (tests/fuzz), then static analysis.
check_more() {
	local t0
	t0=$(date +%s)
	log "fuzz targets, 3 s each on their corpora (tools/fuzz.sh)"
	"$top/tools/fuzz.sh" -t 3
	echo "  fuzzing took $(($(date +%s) - t0)) s"
	t0=$(date +%s)
	log "static analysis: gcc -fanalyzer, scan-build (tools/analyze.sh)"
	"$top/tools/analyze.sh"
	echo "  static analysis took $(($(date +%s) - t0)) s"
}

# Line and branch coverage of the unit and integration tests (no system
# test), per module, with gcovr; HTML in build/coverage/html/index.html.
cmd_coverage() {
	debian_install "${DEPS[@]}" "${CHECK_DEPS[@]}"
	local dir=$top/build/coverage
	log "coverage build in $dir"
	cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS=--coverage \
		-DCMAKE_EXE_LINKER_FLAGS=--coverage -DCMAKE_SHARED_LINKER_FLAGS=--coverage >/dev/null
	cmake --build "$dir" -j"$(nproc)"
	find "$dir" -name '*.gcda' -delete
	# bench/ measures speed and asserts no behaviour: it does not count as coverage.
	run_tests "$dir" coverage -LE system -E '^bench/' || true
	mkdir -p "$dir/html"
	local g=(gcovr -r "$top" --object-directory "$dir" -e "$top/tests/" -e "$top/bench/"
		 --gcov-exclude ".*CMakeCCompilerId.*"
		 --exclude-unreachable-branches --exclude-throw-branches)
	"${g[@]}" --html-details "$dir/html/index.html" >/dev/null
	log "coverage per module (lines, branches)"
	"${g[@]}" --json-summary "$dir/summary.json" >/dev/null
	python3 - "$dir/summary.json" <<'PY'
import json, sys, collections
files = json.load(open(sys.argv[1]))["files"]
mods = collections.OrderedDict()
for f in sorted(files, key=lambda f: f["filename"]):
    name = f["filename"]
    mod = name.rsplit("/", 1)[0] if "/" in name else "."
    if mod == "daemon":
        # By prefix, so that a module split into more files keeps its row.
        base = name.rsplit("/", 1)[1].split(".")[0]
        mod = ("daemon (manager)" if base.startswith("manager")
               else "daemon (xenstore protocol)" if base.startswith("xs-") or base == "request"
               else "daemon (other)")
    m = mods.setdefault(mod, [0, 0, 0, 0])
    m[0] += f["line_covered"]; m[1] += f["line_total"]
    m[2] += f["branch_covered"]; m[3] += f["branch_total"]
pct = lambda a, b: f"{100.0 * a / b:5.1f} %" if b else "    -  "
print(f"{'module':32} {'lines':>16} {'branches':>16}")
tot = [0, 0, 0, 0]
for mod, m in mods.items():
    print(f"{mod:32} {pct(m[0], m[1])} {m[0]:4}/{m[1]:<4} {pct(m[2], m[3])} {m[2]:4}/{m[3]:<4}")
    tot = [a + b for a, b in zip(tot, m)]
print(f"{'total':32} {pct(tot[0], tot[1])} {tot[0]:4}/{tot[1]:<4} {pct(tot[2], tot[3])} {tot[2]:4}/{tot[3]:<4}")
PY
	echo "HTML: $dir/html/index.html"
}

cmd_test() {
	debian_install "${DEPS[@]}" "${SYSTEM_DEPS[@]}" "${CHECK_DEPS[@]}"
	check_format
	build "$top/build/release" RelWithDebInfo
	run_tests "$top/build/release" release
	build "$top/build/sanitize" Sanitize
	# The Xen dom0 system test runs once, on the release build.
	run_tests "$top/build/sanitize" "ASan+UBSan" -LE system
	check_more
	log "all tests passed"
}

# The main job: Xen and a Linux dom0 boot under QEMU, and pcirstd serves
# reset requests for emulated PCIe devices there (tests/system/README.md).
cmd_demo() {
	debian_install "${DEPS[@]}" "${SYSTEM_DEPS[@]}"
	build "$top/build/release" RelWithDebInfo
	exec "$top/tests/system/run.sh" "$top/build/release" --demo
}

# The same on a simulated device tree with a hypervisor-less xenstored: fast.
cmd_demo_sim() {
	debian_install "${DEPS[@]}" pciutils
	build "$top/build/release" RelWithDebInfo
	exec "$top/tools/demo.sh" "$top/build/release"
}

# The performance table on the simulated tree with a real xenstored
# (docs/performance.md); arguments go to pcirst-bench (--quick, --idle-seconds N).
cmd_bench() {
	debian_install "${DEPS[@]}"
	build "$top/build/release" RelWithDebInfo
	exec "$top/build/release/bench/pcirst-bench" "$@"
}

# The fault table's last row: the daemon's integration tests with pcirstd
# under valgrind memcheck (ctest -L valgrind, tests/daemon/daemon-valgrind.h),
# summed from the summary each test case leaves beside its logs.
valgrind_row() { # build-dir
	local rc=0 t0
	rm -rf "$1/tests/valgrind"
	t0=$(date +%s)
	ctest --test-dir "$1" -L valgrind -j"$(nproc)" --output-on-failure >"$1/valgrind-tests.log" 2>&1 ||
		rc=1
	cat "$1"/tests/valgrind/*/summary 2>/dev/null | awk -v rc=$rc -v s=$(($(date +%s) - t0)) \
		-v tests="$(ls "$1/tests/valgrind" 2>/dev/null | wc -l)" '
		{ n++; d += $4; e += $6; l += $8; ok += $10; f += $12 + $14; sk += $16; rf += $18 }
		END {
			printf "| valgrind memcheck: the daemon integration tests (%d binaries, %d cases) " \
			       "| %d | %d | %d | %d | %d | - | - | - | - | %s: %d pcirstd runs, %d errors, " \
			       "%d definite leaks, no suppressions; %d s |\n", tests, n, ok + f + rf + sk,
			       ok, f, rf, sk, rc ? "FAIL" : "pass", d, e, l, s
		}'
	return $rc
}

# The dom0 bench (docs/performance.md, "In the Xen dom0"): the system test's
# dom0 in mode bench (tests/system/guest/bench.sh), N repetitions (5).
cmd_bench_dom0() {
	local reps=5 b=$top/build/release rc=0
	[ "${1:-}" = --reps ] && reps=${2:?--reps N}
	debian_install "${DEPS[@]}" "${SYSTEM_DEPS[@]}"
	build "$b" RelWithDebInfo
	log "the dom0 bench, $reps repetitions (tests/system/guest/bench.sh)"
	local head="host: $(uname -sr), $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), \
$(qemu-system-x86_64 --version | head -1), TCG; build $(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$b/CMakeCache.txt"), \
commit $(git rev-parse --short HEAD); load average at the start $(cut -d' ' -f1-3 /proc/loadavg)"
	PCIRST_SYSTEST_MODE=bench PCIRST_BENCH_REPS=$reps "$top/tests/system/run.sh" "$b" |
		grep -v '^  bench' || rc=$?
	echo
	echo "$head, at the end $(cut -d' ' -f1-3 /proc/loadavg)"
	sed -n 's/^PCIRST-SYSTEST bench //p' "$b/system/console.log.txt"
	return $rc
}

# The fault table in full (10,000-request flood, valgrind memcheck), kept in
# docs/faults.md and in README.md between the faults-table markers.
cmd_faults() {
	debian_install "${DEPS[@]}" valgrind
	build "$top/build/release" RelWithDebInfo
	local b=$top/build/release rc=0 table
	log "fault table (tests/faults/README.md)"
	PCIRSTD=$b/daemon/pcirstd PCIRST_SIMTREE=$b/tests/pcirst-simtree \
		PCIRST_XS_SHIM=$b/tests/xenstored/libpcirst-xs-shim.so \
		PCIRST_XENSTORED=$b/xenstored/xen-utils-4.17/usr/lib/xen-4.17/bin/xenstored \
		"$b/tests/pcirst-faults" --valgrind --markdown "$b/faults.md" || rc=$?
	[ -s "$b/faults.md" ] || return 1
	valgrind_row "$b" >>"$b/faults.md" || rc=$?
	table="$(cat "$b/faults.md")

Measured $(date -u +%Y-%m-%d) on $(nproc) cores, commit $(git rev-parse --short HEAD) \
(\`tools/dev.sh faults\`)."
	{
		sed '/^<!-- faults-table -->$/q' docs/faults.md
		printf '%s\n' "$table"
		sed -n '/^<!-- \/faults-table -->$/,$p' docs/faults.md
	} >"$b/faults-doc.md" && mv "$b/faults-doc.md" docs/faults.md
	{
		sed '/^<!-- faults-table -->$/q' README.md
		printf '%s\n' "$table"
		sed -n '/^<!-- \/faults-table -->$/,$p' README.md
	} >"$b/readme.md" && mv "$b/readme.md" README.md
	echo "docs/faults.md and README.md updated"
	return $rc
}

case "${1:-}" in
deps) debian_install "${DEPS[@]}" "${SYSTEM_DEPS[@]}" "${CHECK_DEPS[@]}" ;;
coverage) cmd_coverage ;;
test) cmd_test ;;
demo) cmd_demo ;;
demo-sim) cmd_demo_sim ;;
bench)
	shift
	if [ "${1:-}" = --dom0 ]; then shift && cmd_bench_dom0 "$@"; else cmd_bench "$@"; fi
	;;
faults) cmd_faults ;;
format) sources | xargs -r clang-format -i ;;
*)
	echo "usage: tools/dev.sh demo|demo-sim|test|bench|faults|coverage|deps|format" >&2
	exit 2
	;;
esac
