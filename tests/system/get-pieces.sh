#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# get-pieces.sh CACHE_DIR
#
# Gets what the Xen dom0 system test boots, without installing any of it on
# the host: apt-get download + dpkg -x of the Xen hypervisor, Xen's tools
# (xenstored, xl), Debian 12's current kernel image (linux-image-amd64's
# dependency), busybox-static, pciutils and its library, and strace.
# Each package is unpacked into CACHE_DIR/pkg/<package>; a package already
# there is reused, so a second run downloads nothing. Prints nothing on
# success but the kernel's version; exits non-zero with a message when a
# package cannot be had.
set -eu

cache=${1:?usage: get-pieces.sh CACHE_DIR}
die() {
	echo "get-pieces.sh: $*" >&2
	exit 1
}
for tool in apt-get apt-cache dpkg dpkg-query; do
	command -v "$tool" >/dev/null || die "needs $tool (Debian 12)"
done
mkdir -p "$cache/pkg"
cache=$(cd "$cache" && pwd)

# The Xen tools must match the Xen libraries the host's build links (libxen-dev).
xenver=$(dpkg-query -W -f='${Version}' libxen-dev 2>/dev/null) ||
	die "libxen-dev is not installed"
apt-cache show linux-image-amd64 >/dev/null 2>&1 || apt-get update -qq >&2 ||
	die "apt-get update failed"
kpkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)/\1/p' |
	head -1)
[ -n "$kpkg" ] || die "cannot tell which kernel linux-image-amd64 depends on"

want="xen-hypervisor-4.17-amd64=$xenver xen-utils-4.17=$xenver $kpkg busybox-static
	pciutils libpci3 strace xenstore-utils"
need=
for p in $want; do
	[ -e "$cache/pkg/${p%%=*}/.done" ] || need="$need $p"
done
if [ -n "$need" ]; then
	tmp=$(mktemp -d "$cache/.get.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	# apt drops privileges to _apt while downloading: let it write here.
	if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then
		chown _apt "$tmp" 2>/dev/null || true
	fi
	(cd "$tmp" && apt-get download -qq $need >&2) || die "apt-get download$need failed"
	for p in $need; do
		name=${p%%=*}
		deb=$(ls "$tmp/${name}_"*.deb 2>/dev/null | head -1)
		[ -n "$deb" ] || die "no .deb for $name"
		rm -rf "$cache/pkg/$name"
		dpkg -x "$deb" "$cache/pkg/$name" || die "cannot unpack $deb"
		touch "$cache/pkg/$name/.done"
	done
fi
ln -sfn "pkg/$kpkg" "$cache/kernel"
echo "${kpkg#linux-image-}"
