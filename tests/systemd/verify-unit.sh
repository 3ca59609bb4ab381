#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The service unit passes systemd-analyze verify, and its hardening does not
# regress: "systemd-analyze security" must stay at or below MAX_EXPOSURE.
# usage: verify-unit.sh UNIT PCIRSTD_BINARY
set -euo pipefail
unit=$1 bin=$2
MAX_EXPOSURE=3.0
if ! command -v systemd-analyze >/dev/null; then
	echo "systemd-analyze not installed: skipped"
	exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Point ExecStart at the built binary; man pages are not installed in a build tree.
sed "s|/usr/sbin/pcirstd|$bin|" "$unit" >"$dir/pcirstd.service"
out=$(systemd-analyze verify --man=no "$dir/pcirstd.service" 2>&1) || true
if [ -n "$out" ]; then
	echo "systemd-analyze verify complained:"
	echo "$out"
	exit 1
fi
echo "verify: clean"
score=$(systemd-analyze security --offline=true "$dir/pcirstd.service" 2>&1 |
	sed -n 's/.*Overall exposure level for pcirstd.service: \([0-9.]*\).*/\1/p')
echo "security exposure: $score (must be <= $MAX_EXPOSURE)"
awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s != "" && s <= m) }'
