#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Static analysis of the daemon, the engine, the policy, libpcirst and
# pcirstctl: gcc -fanalyzer and clang's scan-build, each on a fresh build.
#
#   tools/analyze.sh [gcc|scan]...   (default: both)
#
# Every report must either be fixed or be listed in
# tools/analysis-suppressions, whose entries ("gcc|scan FILE: MESSAGE",
# without line numbers, so they survive edits around them) each follow a
# comment that says why the report is wrong. Exits 1 on any other report,
# and also on a suppression that no longer matches anything (stale).
set -euo pipefail

cd "$(dirname "$0")/.."
top=$PWD
supp=$top/tools/analysis-suppressions
tools=("$@")
[ ${#tools[@]} -eq 0 ] && tools=(gcc scan)
reports=$(mktemp)
trap 'rm -f "$reports"' EXIT

# "path:line:col: warning: message [flags]" -> "tool path: message"
normalize() { # tool log
	grep -E '^/.*: warning: ' "$2" | sed -E "s|^$top/||; s|:[0-9]+:[0-9]+: warning: |: |; s| \[[^]]*\]||g; s|^|$1 |" |
		sort -u
}

for t in "${tools[@]}"; do
	start=$(date +%s)
	dir=$top/build/analyze-$t
	rm -rf "$dir"
	case $t in
	gcc)
		cmake -S "$top" -B "$dir" -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Debug \
			-DCMAKE_C_COMPILER=gcc -DCMAKE_C_FLAGS=-fanalyzer >/dev/null
		cmake --build "$dir" -j"$(nproc)" >"$dir.log" 2>&1
		;;
	scan)
		CC=clang scan-build -o "$dir/report" cmake -S "$top" -B "$dir" -DBUILD_TESTING=OFF \
			-DCMAKE_BUILD_TYPE=Debug >/dev/null 2>&1
		# scan-build's own exit status is not the build's: judge by its summary.
		scan-build -o "$dir/report" cmake --build "$dir" -j"$(nproc)" >"$dir.log" 2>&1 || true
		if ! grep -qE 'scan-build: (Analysis run complete|No bugs found)' "$dir.log" ||
			grep -q 'Error [0-9]' "$dir.log"; then
			tail -20 "$dir.log" >&2
			echo "scan-build: the build failed" >&2
			exit 1
		fi
		;;
	*)
		echo "usage: tools/analyze.sh [gcc|scan]..." >&2
		exit 2
		;;
	esac
	normalize "$t" "$dir.log" >>"$reports"
	echo "$t: $(grep -c "^$t " "$reports" || true) distinct reports, $(($(date +%s) - start)) s"
done

fail=0
known=$(grep -vE '^(#|$)' "$supp" | sort -u)
# clang 14 does not model __attribute__((cleanup)): a "leak" of a _cleanup_ variable is none.
cleanup_var() { # report
	local file var
	[[ $1 =~ ^scan\ ([^:]+):\ Potential\ leak\ of\ memory\ pointed\ to\ by\ \'([A-Za-z_0-9]+)\'$ ]] ||
		return 1
	file=${BASH_REMATCH[1]} var=${BASH_REMATCH[2]}
	grep -qE "_cleanup_\([a-z_]+\) [^=;]*[* ]$var( =|;)" "$top/$file"
}
while IFS= read -r r; do
	[ -n "$r" ] || continue
	if cleanup_var "$r"; then
		echo "  _cleanup_: $r"
	elif grep -qxF "$r" <<<"$known"; then
		echo "  suppressed: $r"
	else
		echo "  REPORT: $r" >&2
		fail=1
	fi
done <"$reports"
for t in "${tools[@]}"; do
	while IFS= read -r s; do
		[ -n "$s" ] || continue
		if ! grep -qxF "$s" "$reports"; then
			echo "  STALE suppression (nothing reports it now): $s" >&2
			fail=1
		fi
	done < <(grep -E "^$t " <<<"$known" || true)
done
if [ $fail -ne 0 ]; then
	echo "static analysis: unexplained reports or stale suppressions (tools/analysis-suppressions)" >&2
	exit 1
fi
echo "static analysis: clean (every remaining report is justified in tools/analysis-suppressions)"
