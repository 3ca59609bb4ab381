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
# Waits up to S seconds until the domU's DRIVER has taken its function
# VENDOR:DEVICE (its data/lspci and data/drivers, guest/domu-init) and prints
# the driver, or prints "none" at once when the domU has no such driver. A
# device must not be detached while the domU's driver is still taking it: the
# domU (Linux 6.12) oopses and its pci backend never returns to Connected
# (tests/system/README.md, "The Xen 4.20 configuration").
domu_settle() { # domid vendor:device driver seconds
	local t0 l
	t0=$(uptime_ms)
	case " $(xenstore-read "/local/domain/$1/data/drivers" 2>/dev/null) " in
	*" $3 "*) ;;
	*) echo none && return 0 ;;
	esac
	while :; do
		l=$(xenstore-read "/local/domain/$1/data/lspci" 2>/dev/null | tr ';' '\n' | grep " $2 $3\$")
		[ -n "$l" ] && echo "$3" && return 0
		[ $(($(uptime_ms) - t0)) -ge $(($4 * 1000)) ] && echo "not bound" && return 1
		usleep 200000
	done
}
