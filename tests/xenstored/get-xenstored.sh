#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# get-xenstored.sh [CACHE_DIR]
#
# Gets cxenstored from Debian's xen-utils-4.17 for the tests, without
# installing the package (which would pull in the hypervisor, grub-xen and
# the Xen init scripts): apt-get download + dpkg -x into CACHE_DIR (default:
# build/xenstored at the top of the source tree), then prints the binary's
# path. Reuses what an earlier run extracted. The libraries xenstored links
# all come with libxen-dev.
#
# Run as root on a fresh system it may run `apt-get update` first, when apt
# does not know the package yet (e.g. in a container whose lists were
# removed). Exits non-zero, with a message, when it cannot get xenstored.
set -eu

pkg=xen-utils-4.17
rel=usr/lib/xen-4.17/bin/xenstored
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${1:-$top/build/xenstored}

die() {
	echo "get-xenstored.sh: $*" >&2
	exit 1
}

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
root=$cache/$pkg
bin=$root/$rel

if [ -x "$bin" ]; then
	echo "$bin"
	exit 0
fi

for tool in apt-get apt-cache dpkg dpkg-query ldd; do
	command -v "$tool" >/dev/null || die "needs $tool (Debian 12)"
done

# The binary must match the installed Xen libraries: prefer libxen-dev's version.
libver=$(dpkg-query -W -f='${Version}' libxen-dev 2>/dev/null || true)
[ -n "$libver" ] || die "libxen-dev is not installed (apt-get install libxen-dev)"

if ! apt-cache show "$pkg" >/dev/null 2>&1; then
	[ "$(id -u)" -eq 0 ] || die "apt does not know $pkg; run apt-get update as root"
	echo "get-xenstored.sh: apt does not know $pkg, running apt-get update" >&2
	apt-get update -qq >&2 || die "apt-get update failed"
fi

tmp=$(mktemp -d "$cache/.get.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# apt drops privileges to _apt while downloading: let it write here.
if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then
	chown _apt "$tmp" 2>/dev/null || true
fi

want=$pkg=$libver
if ! apt-cache show "$want" >/dev/null 2>&1; then
	echo "get-xenstored.sh: apt does not know $want, taking its candidate" >&2
	want=$pkg
fi
(cd "$tmp" && apt-get download -q "$want" >&2) || die "apt-get download $want failed"

deb=$(ls "$tmp"/"$pkg"_*.deb)
dpkg -x "$deb" "$tmp/root" || die "dpkg -x $deb failed"
[ -x "$tmp/root/$rel" ] || die "$deb has no $rel"

missing=$(ldd "$tmp/root/$rel" | grep 'not found' || true)
[ -z "$missing" ] || die "xenstored misses libraries (install libxen-dev):
$missing"

# Extract aside, then move into place: an interrupted run leaves no half
# tree that the check at the top would take for complete.
rm -rf "$root"
mv "$tmp/root" "$root"
echo "$bin"
