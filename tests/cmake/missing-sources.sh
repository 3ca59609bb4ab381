#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# missing-sources.sh SOURCE_DIR: a target whose sources are missing must fail
# the configure with a message naming it, never vanish silently. Copies the
# tree's CMake files and sources, removes each set of sources in turn and
# configures the copy.
set -euo pipefail

src=$(cd "$1" && pwd)
work=$(mktemp -d /tmp/pcirst-cmake.XXXXXX)
trap 'rm -rf "$work"' EXIT
fails=0

# what-to-remove (a glob under the copy) and the message the configure must print
cases=(
	"daemon/policy/*.c|no sources for the policy library"
	"daemon/reset/*.c|no sources for the reset engine"
	"daemon/libpcirst/*.c|no sources for libpcirst"
	"daemon/base/*.c|no sources for the base library"
	"tools/pcirstctl/*.c|no sources for pcirstctl"
	"tests/reset/test-*.c|no sources for the tests in reset"
	"daemon/main.c|main.c"
)
for c in "${cases[@]}"; do
	what=${c%%|*} want=${c#*|}
	rm -rf "$work/tree" "$work/build"
	mkdir -p "$work/tree"
	(cd "$src" && tar --exclude=./build --exclude=./.git -cf - .) | tar -xf - -C "$work/tree"
	# shellcheck disable=SC2086 # a glob on purpose
	rm -f "$work/tree/"$what
	if cmake -S "$work/tree" -B "$work/build" -DPCIRST_XENSTORED_TESTS=OFF >"$work/log" 2>&1; then
		echo "FAIL: configure succeeded without $what"
		fails=1
	elif ! grep -q "$want" "$work/log"; then
		echo "FAIL: without $what the configure failed without naming it ('$want'):"
		tail -5 "$work/log"
		fails=1
	else
		echo "ok: without $what: $(grep -m1 -o "$want.*" "$work/log" | cut -c1-100)"
	fi
done
exit $fails
