#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# check-series.sh XEN_GIT_DIR WORK_DIR [--build]
#
# Checks that the libxl series of docs/libxl/ apply to the Xen trees they are
# for, from a git directory of Xen's repository (e.g. the one the `fetch`
# tool gives for github:xen-project/xen): docs/libxl/upstream/ to `master`,
# docs/libxl/4.20/ to RELEASE-4.20.4. Each tree is exported with git archive
# into WORK_DIR, and each patch must apply in order with patch --fuzz=0 (no
# fuzz, no rejected or reversed hunk). With --build, each patched tree is
# then configured and libxenlight, libxlutil and xl are built with Xen's own
# flags (-Werror), once after each patch, so that every patch of a series
# builds on its own. docs/libxl/4.17/ is checked by build-libxl.sh on
# Debian's source package.
#
# Exits 77 (skipped) when XEN_GIT_DIR is not a Xen git directory: CI cannot
# reach Xen's git (only Debian's archive), so there this check is skipped,
# and says so.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
say() { echo "check-series: $*"; }
die() {
	echo "check-series: $*" >&2
	exit 1
}

[ $# -ge 2 ] || die "usage: check-series.sh XEN_GIT_DIR WORK_DIR [--build]"
git_dir=$1
work=$2
build=${3:-}
if [ -z "$git_dir" ] || ! git --git-dir="$git_dir" rev-parse -q --verify RELEASE-4.20.4^{commit} >/dev/null 2>&1; then
	say "skipped: no Xen git directory with RELEASE-4.20.4 ('$git_dir'; set XEN_GIT)"
	exit 77
fi
mkdir -p "$work"
work=$(cd "$work" && pwd)

check() { # series-dir ref
	local series=$1 ref=$2 tree=$work/$(basename "$1") p n=0
	rm -rf "$tree"
	mkdir -p "$tree"
	git --git-dir="$git_dir" archive "$ref" | tar -x -C "$tree"
	say "$(basename "$series"): $ref = $(git --git-dir="$git_dir" rev-parse --short "$ref")"
	for p in "$series"/*.patch; do
		n=$((n + 1))
		if ! patch -p1 -N --fuzz=0 --no-backup-if-mismatch -d "$tree" -i "$p" -s </dev/null; then
			die "$(basename "$p") does not apply with --fuzz=0 to $ref"
		fi
		say "  applied $(basename "$p")"
		[ "$build" = --build ] || continue
		if [ $n = 1 ]; then
			(cd "$tree" && ./configure --disable-stubdom --disable-docs --disable-xen \
				--with-system-qemu=/usr/bin/qemu-system-i386 \
				--with-system-seabios=/usr/share/seabios/bios.bin \
				ac_cv_header_bzlib_h=no ac_cv_header_lzo_lzo1x_h=no) >"$tree.configure.log" 2>&1 ||
				die "configure of $ref failed (see $tree.configure.log)"
		fi
		{
			make -j"${JOBS:-2}" -C "$tree/tools" subdir-all-include &&
				make -j"${JOBS:-2}" -C "$tree/tools/libs" &&
				make -j"${JOBS:-2}" -C "$tree/tools/xl"
		} >"$tree.make-$n.log" 2>&1 ||
			{ grep -E 'error' "$tree.make-$n.log" | tail -n 20 >&2; die "$ref + $(basename "$p") does not build (see $tree.make-$n.log)"; }
		say "  built libxenlight, libxlutil and xl with -Werror"
	done
}

check "$repo/docs/libxl/upstream" master
check "$repo/docs/libxl/4.20" RELEASE-4.20.4
say "all series apply${build:+ and build}"
