#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Builds the libFuzzer targets (tests/fuzz, PCIRST_FUZZ=ON with clang) and
# runs each for a given time or number of executions, one after the other:
#
#   tools/fuzz.sh [-t SECONDS] [-n RUNS] [-C] [target...]   (default: -t 60, all targets)
#
#   -n   stop after RUNS executions (or after -t SECONDS, when also given)
#   -C   run only the seed corpus once per target (a replay, as in CI)
#   -s   skip the build (another run of this script built it)
#
# Each target works on build/fuzz/corpus/<name>, seeded from
# tests/fuzz/corpus/<name>, with tests/fuzz/dict/<name>.dict when there is
# one. A crash leaves its input in build/fuzz/artifacts/<name>/ and fails the
# script; copy it to tests/fuzz/regressions/<name>/ with the fix. Prints one
# line per target: executions, exec/s, libFuzzer's coverage (cov: edges,
# ft: features) and the corpus size.
set -euo pipefail

cd "$(dirname "$0")/.."
top=$PWD
build=${PCIRST_FUZZ_BUILD:-$top/build/fuzz}
time= runs= replay= nobuild=
while getopts t:n:Cs opt; do
	case $opt in
	t) time=$OPTARG ;;
	n) runs=$OPTARG ;;
	C) replay=1 ;;
	s) nobuild=1 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))

if [ -z "$nobuild" ]; then
	CC=clang cmake -S "$top" -B "$build" -DPCIRST_FUZZ=ON -DPCIRST_WERROR=ON \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$build" -j"$(nproc)" --target fuzz >/dev/null
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in "$top"/tests/fuzz/fuzz-*.c; do
		n=${f##*/fuzz-}
		n=${n%.c}
		[ "$n" = check ] || targets+=("$n")
	done
fi

declare -A max_len=([cfgspace]=8192 [policy]=16384 [qubes]=16384)
fail=0
printf '%-10s %12s %9s %7s %7s %7s %s\n' target execs exec/s cov ft corpus result
for t in "${targets[@]}"; do
	bin=$build/tests/fuzz/fuzz-$t
	work=$build/corpus/$t
	art=$build/artifacts/$t/
	log=$build/fuzz-$t.log
	mkdir -p "$work" "$art"
	args=(-artifact_prefix="$art" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048)
	[ -f "$top/tests/fuzz/dict/$t.dict" ] && args+=(-dict="$top/tests/fuzz/dict/$t.dict")
	[ -n "${max_len[$t]:-}" ] && args+=(-max_len="${max_len[$t]}")
	if [ -n "$replay" ]; then
		args+=(-runs=0)
		dirs=("$top/tests/fuzz/corpus/$t")
		[ -d "$top/tests/fuzz/regressions/$t" ] && dirs+=("$top/tests/fuzz/regressions/$t")
	else
		[ -n "$runs" ] && args+=(-runs="$runs")
		[ -n "$time" ] || [ -n "$runs" ] || time=60
		[ -n "$time" ] && args+=(-max_total_time="$time")
		dirs=("$work" "$top/tests/fuzz/corpus/$t")
	fi
	rc=0
	"$bin" "${args[@]}" "${dirs[@]}" >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
	ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
	corp=$(grep -oE 'corp: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
	result=ok
	if [ $rc -ne 0 ]; then
		result="FAILED (rc $rc, $log)"
		fail=1
		grep -E 'ERROR: |SUMMARY: |check failed|Test unit written' "$log" | head -5 >&2 || true
	fi
	printf '%-10s %12s %9s %7s %7s %7s %s\n' "$t" "${execs:-?}" "${eps:-?}" "${cov:-?}" \
		"${ft:-?}" "${corp:-?}" "$result"
done
exit $fail
