#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian packages: dpkg-buildpackage builds pcirstd, libpcirst0 and
# libpcirst-dev from a copy of the tree, lintian finds no errors, and the
# packages install with apt into a clean Debian 12 root (debootstrap
# --variant=minbase from Debian's archive, nothing else in it), where
# "pcirstctl --version" runs, the unit is enabled and the shared library
# resolves.
# usage: test-deb.sh SOURCE_DIR WORK_DIR   (needs root: debootstrap, chroot)
set -euo pipefail
# shellcheck source=../lib/debian-apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/debian-apt.sh"
src=$(cd "$1" && pwd)
work=$2
[ "$(id -u)" -eq 0 ] || {
	echo "test-deb: needs root (debootstrap, chroot): skipped"
	exit 77
}
for t in dpkg-buildpackage lintian debootstrap; do
	command -v "$t" >/dev/null || {
		echo "test-deb: $t not installed (tools/dev.sh deps): skipped"
		exit 77
	}
done
t0=$(date +%s)
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
upstream=${version%-*}
rm -rf "$work"
mkdir -p "$work/pcirstd-$upstream"
# The tree as git sees it (tracked and new files, not build directories).
git -C "$src" ls-files -co --exclude-standard | grep -v '^build/' |
	tar -C "$src" -cf - -T - | tar -C "$work/pcirstd-$upstream" -xf -

echo "== dpkg-buildpackage -us -uc -b"
(cd "$work/pcirstd-$upstream" &&
	DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) || {
	tail -30 "$work/build.log"
	exit 1
}
changes=$work/pcirstd_${version}_$(dpkg --print-architecture).changes
ls "$work"/*.deb | sed 's|.*/|  |'
t1=$(date +%s)

echo "== lintian"
# Warnings kept (tests/packaging/README.md says why); errors fail the test.
lintian --fail-on error --suppress-tags initial-upload-closes-no-bugs,groff-message \
	"$changes" 2>&1 | grep -v '^running with root privileges' || true
lintian --fail-on error "$changes" >/dev/null 2>&1 || {
	echo "lintian reports errors"
	exit 1
}
t2=$(date +%s)

echo "== install into a clean Debian 12 root"
root=$work/root
mirror=$(debian_mirror) || exit 1
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
	tail -20 "$work/debootstrap.log"
	exit 1
}
t3=$(date +%s)
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/tmp/debs"
cp "$work"/pcirstd_*.deb "$work"/libpcirst0_*.deb "$work"/libpcirst-dev_*.deb "$root/tmp/debs/"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
in_root sh -c 'apt-get install -y -qq --no-install-recommends /tmp/debs/*.deb' \
	>"$work/install.log" 2>&1 || {
	tail -20 "$work/install.log"
	exit 1
}
fail=0
check() { # what command...
	local what=$1
	shift
	if out=$("$@" 2>&1); then
		echo "ok: $what${out:+: $out}"
	else
		echo "FAIL: $what: $out"
		fail=1
	fi
}
check "pcirstctl --version in the root" in_root pcirstctl --version
check "pcirstd --version in the root" in_root pcirstd --version
check "the shipped policy loads from its installed place" in_root pcirstctl policy check
check "the unit is enabled" test -L "$root/etc/systemd/system/multi-user.target.wants/pcirstd.service"
check "libpcirst resolves" in_root sh -c 'ldd /usr/sbin/pcirstctl | grep "libpcirst.so.0 => /"'
check "pkg-config finds pcirst" in_root sh -c 'apt-get install -y -qq pkg-config >/dev/null 2>&1; pkg-config --modversion pcirst'
check "the man pages" test -e "$root/usr/share/man/man8/pcirstctl.8.gz"
check "policy.d for the administrator" test -d "$root/etc/pcirstd/policy.d"
t4=$(date +%s)
echo "times: build $((t1 - t0)) s, lintian $((t2 - t1)) s, debootstrap $((t3 - t2)) s, install and checks $((t4 - t3)) s"
# The root is large; the packages stay for inspection.
rm -rf "$root"
exit $fail
