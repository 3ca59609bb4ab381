#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# get-pieces.sh CACHE_DIR [--tools]
#
# Debian 13's (trixie's) pieces of the Xen 4.20 system-test configuration
# (tests/system/README.md), the way ../get-pieces.sh gets Debian 12's: apt-get
# download + dpkg -x into CACHE_DIR/pkg/<package> (a package already there is
# reused), nothing installed on the host. The package lists are private
# (CACHE_DIR/apt, -o options; the host's apt configuration is untouched) and
# point at the Debian mirror apt already uses here (tests/lib/debian-apt.sh).
#
# Always: the Xen 4.20 hypervisor and the Linux 6.12 kernel linux-image-amd64
# depends on (CACHE_DIR/kernel points at it). With --tools also Debian 13's
# own, unpatched Xen tools (xen-utils-4.20: xl, xenstored, xenconsoled,
# xen-init-dom0) with the libraries they load and trixie's glibc, which they
# need (the dom0 image then runs on trixie's glibc; Debian 12's binaries run
# on it unchanged). Prints the directories of those libraries, one a line.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../../lib/debian-apt.sh"
die() {
	echo "xen420/get-pieces.sh: $*" >&2
	exit 1
}
cache=${1:?usage: get-pieces.sh CACHE_DIR [--tools]}
tools=${2:-}
mkdir -p "$cache/pkg"
cache=$(cd "$cache" && pwd)

want=(xen-hypervisor-4.20-amd64)
# xen-utils-4.20 and what xl, xenstored, xenconsoled and xen-init-dom0 load
# (its Depends without python3, ncurses and xen-utils-common, which these
# four do not need; checked by mkimage.sh, which fails on a missing library).
libs=(libc6 libxenmisc4.20 libxenstore4 libxencall1 libxendevicemodel1 libxenevtchn1
	libxenforeignmemory1 libxengnttab1 libxentoollog1 libxentoolcore1 libxenhypfs1 libyajl2
	libzstd1 liblzma5 zlib1g libuuid1)
[ "$tools" = --tools ] && want+=(xen-utils-4.20 "${libs[@]}")

a=$cache/apt
opts=(-o "Dir::Etc::SourceList=$a/sources.list" -o "Dir::Etc::SourceParts=$a/parts.d"
	-o "Dir::State::Lists=$a/lists" -o "Dir::State::status=/dev/null" -o "Dir::Cache=$a/cache"
	-o "APT::Sandbox::User=root")
need=()
for p in "${want[@]}"; do
	[ -e "$cache/pkg/$p/.done" ] || need+=("$p")
done
[ -L "$cache/kernel" ] || need+=(kernel)
if [ ${#need[@]} -gt 0 ]; then
	mirror=$(debian_mirror) || die "no Debian mirror in apt's configuration"
	mkdir -p "$a/lists/partial" "$a/parts.d" "$a/cache/archives/partial"
	printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie main\n' \
		"$mirror" >"$a/sources.list"
	apt-get "${opts[@]}" update -qq >&2 || die "apt-get update (private trixie lists) failed"
	kpkg=$(apt-cache "${opts[@]}" depends linux-image-amd64 |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*\)/\1/p' | head -1)
	[ -n "$kpkg" ] || die "cannot tell which kernel trixie's linux-image-amd64 depends on"
	need=("${need[@]/#kernel/$kpkg}")
	tmp=$(mktemp -d "$cache/.get.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get "${opts[@]}" download -qq "${need[@]}" >&2) ||
		die "apt-get download ${need[*]} failed"
	for p in "${need[@]}"; do
		deb=$(ls "$tmp/${p}_"*.deb 2>/dev/null | head -1)
		[ -n "$deb" ] || die "no .deb for $p"
		rm -rf "$cache/pkg/$p"
		dpkg -x "$deb" "$cache/pkg/$p" || die "cannot unpack $deb"
		touch "$cache/pkg/$p/.done"
	done
	case " ${need[*]} " in *" $kpkg "*) ln -sfn "pkg/$kpkg" "$cache/kernel" ;; esac
fi
if [ "$tools" = --tools ]; then
	for p in "${libs[@]}"; do
		for d in usr/lib/x86_64-linux-gnu lib/x86_64-linux-gnu; do
			[ -d "$cache/pkg/$p/$d" ] && echo "$cache/pkg/$p/$d"
		done
	done
fi
exit 0
