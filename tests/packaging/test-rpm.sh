#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The RPM spec (rpm/pcirstd.spec): rpmbuild -bb with Debian's rpm builds
# pcirstd, pcirstd-libs and pcirstd-devel from a tarball of the tree, with
# the Fedora macros Debian lacks from tests/packaging/fedora-macros; rpmlint
# with Fedora's settings (tests/packaging/rpmlint.toml) reports no errors;
# each package holds the files it must and its scriptlets call systemd's
# update helper. How far this verifies a Fedora or Qubes dom0 build:
# tests/packaging/README.md.
# usage: test-rpm.sh SOURCE_DIR WORK_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
work=$2
for t in rpmbuild rpmlint; do
	command -v "$t" >/dev/null || {
		echo "test-rpm: $t not installed (tools/dev.sh deps): skipped"
		exit 77
	}
done
spec=$src/rpm/pcirstd.spec
name=$(sed -n 's/^Name: *//p' "$spec")
version=$(sed -n 's/^Version: *//p' "$spec")
rm -rf "$work"
mkdir -p "$work/SOURCES" "$work/$name-$version"
git -C "$src" ls-files -co --exclude-standard | grep -v '^build/' |
	tar -C "$src" -cf - -T - | tar -C "$work/$name-$version" -xf -
tar -C "$work" -czf "$work/SOURCES/$name-$version.tar.gz" "$name-$version"
rm -rf "${work:?}/$name-$version"

t0=$(date +%s)
echo "== rpmbuild -bb"
# --nodeps: the BuildRequires are Fedora package names, not in Debian's rpm
# database; the Debian equivalents are installed (tools/dev.sh deps).
# --nocheck: the same unit tests run in this suite already.
rpmbuild -bb --nodeps --nocheck --define "_topdir $work" --define "_smp_mflags -j$(nproc)" \
	--load "$src/tests/packaging/fedora-macros" "$spec" >"$work/build.log" 2>&1 || {
	tail -30 "$work/build.log"
	exit 1
}
mapfile -t rpms < <(find "$work/RPMS" -name '*.rpm' | sort)
printf '  %s\n' "${rpms[@]##*/}"
t1=$(date +%s)

fail=0
bad() {
	echo "FAIL: $*"
	fail=1
}
pkg() { find "$work/RPMS" -name "$1-$version-*.rpm"; }
has() { # package file...
	local p f list
	p=$(pkg "$1")
	list=$(rpm -qlp "$p" 2>/dev/null)
	shift
	for f in "$@"; do
		grep -qx "$f" <<<"$list" || bad "${p##*/} lacks $f"
	done
}
has "$name" /usr/sbin/pcirstd /usr/sbin/pcirstctl /usr/lib/systemd/system/pcirstd.service \
	/usr/lib/systemd/catalog/pcirstd.catalog /usr/share/bash-completion/completions/pcirstctl \
	/usr/lib/pcirstd/policy.d/10-quirks-no-flr.json /etc/pcirstd/policy.d \
	/usr/share/man/man8/pcirstd.8.gz /usr/share/man/man5/pcirstd.policy.5.gz
has "$name-libs" /usr/lib64/libpcirst.so.0
has "$name-devel" /usr/lib64/libpcirst.so /usr/lib64/pkgconfig/pcirst.pc \
	/usr/include/pcirst/pcirst.h /usr/share/man/man3/libpcirst.3.gz
grep -q "^libpcirst.so.0(PCIRST_0.1)" <<<"$(rpm -qp --requires "$(pkg "$name")" 2>/dev/null)" ||
	bad "pcirstd does not require libpcirst's symbol version"
grep -q "^libpcirst.so.0(PCIRST_0.1)" <<<"$(rpm -qp --provides "$(pkg "$name-libs")" 2>/dev/null)" ||
	bad "pcirstd-libs does not provide libpcirst's symbol version"
scripts=$(rpm -qp --scripts "$(pkg "$name")" 2>/dev/null)
grep -q 'systemd-update-helper install-system-units pcirstd.service' <<<"$scripts" ||
	bad "no %systemd_post scriptlet"
grep -q 'systemd-update-helper remove-system-units pcirstd.service' <<<"$scripts" ||
	bad "no %systemd_preun scriptlet"
pc=$(rpm2cpio "$(pkg "$name-devel")" | cpio -i --to-stdout ./usr/lib64/pkgconfig/pcirst.pc 2>/dev/null)
grep -q 'libdir=${prefix}/lib64' <<<"$pc" ||
	bad "pcirst.pc does not point at /usr/lib64"

echo "== rpmlint"
lint=$(rpmlint -c "$src/tests/packaging/rpmlint.toml" "$spec" "${rpms[@]}" 2>&1) || true
echo "$lint" | grep -E ': [EW]: |checked' | sed 's/^/  /'
grep -q ': E: ' <<<"$lint" && bad "rpmlint reports errors"
grep -qE 'checked;.* 0 errors' <<<"$lint" || bad "rpmlint did not finish cleanly"
t2=$(date +%s)
echo "times: rpmbuild $((t1 - t0)) s, checks and rpmlint $((t2 - t1)) s"
exit $fail
