# SPDX-License-Identifier: GPL-2.0-or-later
#
# What the guest's test scripts share (sourced by cases.sh and xl-cases.sh):
# the result lines the host counts ("PCIRST-SYSTEST ok|not ok NAME: …") and
# small checks. Each script keeps its own pass/fail counts for its summary.
#
# Each script declares how many checks it makes: "plan N" before the first,
# "finish" after the last. run.sh requires exactly N results from every
# script its configuration runs, so a check that never ran (a script that
# died, a branch that was not taken) fails the test. A script that gains or
# loses a check changes its N.
BASE=/local/domain/0/pci-reset
pass=0
fail=0
planned=
script=$(basename "$0")

plan() { # number of checks this script makes
	planned=$1
	say "plan $script $1"
}
finish() {
	say "done $script pass=$pass fail=$fail planned=$planned"
}

say() { echo "PCIRST-SYSTEST $*"; }
ok() {
	pass=$((pass + 1))
	say "ok $*"
}
notok() {
	fail=$((fail + 1))
	say "not ok $*"
}
check() { # name condition-text value expected
	if [ "$3" = "$4" ]; then ok "$1: $2 = $3"; else notok "$1: $2 = '$3', expected '$4'"; fi
}
has() { # name what file pattern
	if grep -q "$4" "$3"; then ok "$1: $2"; else notok "$1: $2 (no '$4' in $(basename "$3"))"; fi
}
hasnt() { # name what file pattern
	if grep -q "$4" "$3"; then notok "$1: $2 ('$4' in $(basename "$3"))"; else ok "$1: $2"; fi
}
uptime_ms() { awk '{printf "%d\n", $1 * 1000}' /proc/uptime; }
