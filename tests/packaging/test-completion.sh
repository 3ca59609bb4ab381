#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Drives the bash completion function of pcirstctl as bash does on <Tab>:
# commands, options per command, argument values and the PCI functions of a
# (fake) host below --sysfs-root / $PCIRST_SYSFS_ROOT.
# usage: test-completion.sh COMPLETION_FILE PCIRSTCTL
set -uo pipefail
comp=$1
PATH=$(dirname "$2"):$PATH
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/sys/bus/pci/devices/0000:00:01.0" "$root/sys/bus/pci/devices/0000:01:00.0" \
	"$root/sys/bus/pci/devices/0000:01:00.1"
# shellcheck source=/dev/null
source "$comp"
fails=0 checks=0

# expect "WORDS TO COMPLETE|" "expected replies" (the cursor is the last word)
expect() {
	local line=$1 want=$2 got
	read -r -a COMP_WORDS <<<"$line"
	[[ $line == *' ' ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	_pcirstctl
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
	checks=$((checks + 1))
	if [ "$got" != "$want" ]; then
		echo "FAIL: '$line' completes to '$got', expected '$want'"
		fails=$((fails + 1))
	fi
}

expect "pcirstctl " "policy probe request reset status"
expect "pcirstctl pr" "probe"
expect "pcirstctl --" "--help --sysfs-root --version"
expect "pcirstctl policy " "check explain from-qubes suggest"
expect "pcirstctl policy ex" "explain"
expect "pcirstctl probe --" "--help --journal-dir --json --policy-dir --since --verbose"
expect "pcirstctl reset --" "--help --json --method --timeout"
expect "pcirstctl request --" "--base --domid --help --option --reason --timeout"
expect "pcirstctl status --" "--base --help --recent"
expect "pcirstctl policy check --" "--help --policy-dir --quiet"
expect "pcirstctl policy explain --" "--help --json --option --policy-dir"
expect "pcirstctl policy suggest --" "--help --journal-dir --since"
expect "pcirstctl reset --method " "af-flr bus flr kernel pciback pm"
expect "pcirstctl request 0000:01:00.0 --reason " "attach detach manual"
expect "pcirstctl request 0000:01:00.0 -o no-" "no-reset no-strict-reset"
# Functions of the host below --sysfs-root, then of $PCIRST_SYSFS_ROOT.
expect "pcirstctl --sysfs-root $root reset " "0000:00:01.0 0000:01:00.0 0000:01:00.1"
expect "pcirstctl --sysfs-root $root probe 0000:01" "0000:01:00.0 0000:01:00.1"
expect "pcirstctl --sysfs-root $root policy explain 0000:00" "0000:00:01.0"
PCIRST_SYSFS_ROOT=$root expect "pcirstctl request 0000:01:00.1 0000:0" \
	"0000:00:01.0 0000:01:00.0 0000:01:00.1"
# No addresses where none are taken.
expect "pcirstctl --sysfs-root $root status " ""

echo "completion: $((checks - fails)) of $checks checks passed"
[ $fails -eq 0 ]
