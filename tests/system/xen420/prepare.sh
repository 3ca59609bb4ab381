#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# prepare.sh XEN_GIT_DIR CACHE_DIR
#
# The pieces of the Xen 4.20 system-test configuration (tests/system/README.md):
#  - from Debian 13 (trixie), by get-pieces.sh: the Xen 4.20 hypervisor and
#    the Linux 6.12 kernel (CACHE_DIR/pkg/, CACHE_DIR/kernel);
#  - Xen's tools from RELEASE-4.20.4 of XEN_GIT_DIR (Xen's git; Debian 13's
#    4.20.4 source package cannot be downloaded) with the series of
#    docs/libxl/4.20/ applied with --fuzz=0, built with Xen's -Werror:
#    libxenlight, libxlutil and xl with the rest of Xen's libraries in
#    CACHE_DIR/libxl/, xenstored, xenconsoled and xen-init-dom0 in
#    CACHE_DIR/tools/, all linked against this Debian 12 host's glibc.
# Cached: the downloads by package, the build by the series' sha256.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
say() { echo "xen420: $*"; }
die() {
	echo "xen420: $*" >&2
	exit 1
}
[ $# -eq 2 ] || die "usage: prepare.sh XEN_GIT_DIR CACHE_DIR"
git_dir=$1
mkdir -p "$2"
cache=$(cd "$2" && pwd)
git --git-dir="$git_dir" rev-parse -q --verify 'RELEASE-4.20.4^{commit}' >/dev/null ||
	die "$git_dir has no RELEASE-4.20.4"

# Debian 13's kernel is zstd-compressed: libxenguest needs libzstd to boot it
# as the PV domU (configure leaves zstd out without it, and xl create fails).
if ! dpkg-query -W -f='${Status}' libzstd-dev 2>/dev/null | grep -q 'install ok installed'; then
	[ "$(id -u)" = 0 ] || die "libzstd-dev is missing (run as root to install it)"
	DEBIAN_FRONTEND=noninteractive apt-get install -q -y --no-install-recommends libzstd-dev >&2 ||
		die "cannot install libzstd-dev"
fi

# --- Debian 13's hypervisor and kernel (get-pieces.sh) ------------------------
"$here/get-pieces.sh" "$cache" || die "cannot download Debian 13's hypervisor and kernel"

# --- Xen 4.20.4's tools with the series -------------------------------------
series=$repo/docs/libxl/4.20
sha=$( (cat "$series"/*.patch; echo zstd) | sha256sum | cut -d' ' -f1)
src=$cache/xen
if [ "$(cat "$cache/libxl/.series-sha256" 2>/dev/null)" = "$sha" ] && [ -x "$cache/tools/xenstored" ]; then
	say "up to date: $cache/libxl, $cache/tools (series $sha)"
	exit 0
fi
rm -rf "$src"
mkdir -p "$src"
git --git-dir="$git_dir" archive RELEASE-4.20.4 | tar -x -C "$src"
for p in "$series"/*.patch; do
	patch -p1 -N --fuzz=0 --no-backup-if-mismatch -s -d "$src" -i "$p" </dev/null ||
		die "$(basename "$p") does not apply with --fuzz=0 to RELEASE-4.20.4"
	say "applied $(basename "$p")"
done
t0=$(date +%s)
(cd "$src" && ./configure --disable-stubdom --disable-docs --disable-xen --prefix=/usr \
	--with-system-qemu=/usr/bin/qemu-system-i386 --with-system-seabios=/usr/share/seabios/bios.bin \
	ac_cv_header_bzlib_h=no ac_cv_header_lzo_lzo1x_h=no) >"$cache/configure.log" 2>&1 ||
	die "configure failed (see $cache/configure.log)"
grep -q '^checking for libzstd... yes' "$cache/configure.log" || die "configure did not find libzstd"
{
	make -j"${JOBS:-2}" -C "$src/tools" subdir-all-include &&
		for d in libs xl xenstored console helpers; do make -j"${JOBS:-2}" -C "$src/tools/$d" || exit 1; done
} >"$cache/make.log" 2>&1 || { grep -E 'error' "$cache/make.log" | tail -n 20 >&2; die "make failed (see $cache/make.log)"; }
say "configured and built in $(($(date +%s) - t0)) s"

rm -rf "$cache/libxl" "$cache/tools"
mkdir -p "$cache/libxl" "$cache/tools"
cp -a "$src"/tools/libs/*/lib*.so.* "$src/tools/xl/xl" "$cache/libxl/"
cp -a "$src/tools/xenstored/xenstored" "$src/tools/console/daemon/xenconsoled" \
	"$src/tools/helpers/xen-init-dom0" "$cache/tools/"
echo "$sha" >"$cache/libxl/.series-sha256"
say "done: $cache/libxl, $cache/tools"
