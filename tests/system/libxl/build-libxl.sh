#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-libxl.sh CACHE_DIR [SERIES_DIR]
#
# Builds Debian 12's libxenlight, libxlutil and xl (Xen 4.17) with the pcirstd
# series (default: docs/libxl/4.17/, git format-patch output applied in name
# order) and leaves them in CACHE_DIR/out/. Run as root on Debian 12: it
# installs the few build packages it needs and fetches the xen source package
# from Debian's archive (the mirror apt uses here) through a private apt
# configuration under CACHE_DIR (the system's apt sources are not touched).
#
# Each patch must apply with --fuzz=0 (checked), and the tree builds with
# Xen's -Werror. Cached: a second run with the same series does nothing; a
# changed series reverts the old one, applies the new one and rebuilds
# incrementally.
#
# Environment: JOBS (make -j, default 2),
# XEN_SUITE (default bookworm: the security suite's source may be gone).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../lib/debian-apt.sh
. "$here/../../lib/debian-apt.sh"
repo=$(cd "$here/../../.." && pwd)

die() {
	echo "build-libxl: $*" >&2
	exit 1
}
say() { echo "build-libxl: $*"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
since() { # since START_MS: seconds elapsed, one decimal
	local ms=$(($(now_ms) - $1))
	printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	die "usage: build-libxl.sh CACHE_DIR [SERIES_DIR]"
fi
mkdir -p "$1"
cache=$(cd "$1" && pwd)
series=$(realpath "${2:-$repo/docs/libxl/4.17}")
patches=()
for f in "$series"/*.patch; do [ -r "$f" ] && patches+=("$f"); done
[ ${#patches[@]} -gt 0 ] || die "no *.patch in $series"
jobs=${JOBS:-2}
suite=${XEN_SUITE:-bookworm}

src=$cache/xen         # the unpacked source package, patched
out=$cache/out
stamp=$out/.patch-sha256
sha=$(cat "${patches[@]}" | sha256sum | cut -d' ' -f1)

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sha" ] && [ -x "$out/xl" ] &&
	compgen -G "$out/libxenlight.so.*" >/dev/null && [ -f "$src/tools/libs/light/libxl_pci.c" ]; then
	say "up to date: $out (series $sha)"
	exit 0
fi

[ "$(id -u)" = 0 ] || die "run as root (installs build packages with apt-get)"

# --- build packages -------------------------------------------------------
# Only what configure and the tools/libs + tools/xl build need; not the 70
# packages of the full Build-Depends (the hypervisor, QEMU, OCaml, docs).
# autoconf: the source package ships no configure; autotools-dev: the
# config.sub/config.guess debian/rules copies; acpica-tools (iasl) and
# bison: configure insists on them on x86 (firmware, pvshim) although we
# build neither.
pkgs=(gcc make pkg-config autoconf autotools-dev acpica-tools bison python3-dev
	uuid-dev libyajl-dev zlib1g-dev libncurses-dev dpkg-dev)
debian_install "${pkgs[@]}" | sed 's/^/build-libxl: /' || die "cannot install the build packages"

# --- the source package ---------------------------------------------------
# A private deb-src list (tests/lib/debian-apt.sh): only `apt-get source` sees it.
fetch_source() {
	if ! compgen -G "$cache/dl/xen_4.17*.dsc" >/dev/null; then
		say "fetching the xen source package ($suite)"
		debian_source_download "$cache/apt" "$cache/dl" "$suite" xen ||
			die "apt-get source xen failed"
	fi
	local dsc
	dsc=$(printf '%s\n' "$cache"/dl/xen_4.17*.dsc | sort -V | tail -n1)
	rm -rf "$src" "$src.tmp"
	# apt checked the files against the archive's signed index; dpkg-source's
	# own check of the uploader's signature lacks the key and only warns.
	dpkg-source --no-copy -x "$dsc" "$src.tmp" >"$cache/dpkg-source.log" 2>&1 ||
		{ cat "$cache/dpkg-source.log" >&2; die "dpkg-source -x $dsc failed"; }
	mv "$src.tmp" "$src"
	say "unpacked $(basename "$dsc")"
}

applied=$cache/applied # the patches now applied to $src, in order

# Reverts the applied patches, last first; false when one does not revert.
revert_applied() {
	local p
	[ -d "$applied" ] || return 0
	for p in $(printf '%s\n' "$applied"/*.patch | sort -r); do
		[ -f "$p" ] || continue
		patch -p1 -R -f -s --dry-run -d "$src" -i "$p" </dev/null >/dev/null &&
			patch -p1 -R -f -s --no-backup-if-mismatch -d "$src" -i "$p" </dev/null ||
			return 1
		rm -f "$p"
	done
	rm -rf "$applied"
}

# Returns the tree to the unpatched source: revert the applied series, or
# unpack afresh when that is not possible.
if [ -d "$src" ] && [ -f "$src/.pcirstd-unpacked" ]; then
	if [ -f "$cache/applied.patch" ]; then # the single patch of older versions
		mkdir -p "$applied" && mv "$cache/applied.patch" "$applied/0001-old.patch"
	fi
	if [ -d "$applied" ]; then
		if revert_applied; then
			say "reverted the previously applied series"
		else
			say "cannot revert the previously applied series: unpacking afresh"
			fetch_source
			touch "$src/.pcirstd-unpacked"
			rm -rf "$applied"
		fi
	fi
else
	fetch_source
	touch "$src/.pcirstd-unpacked"
	rm -rf "$applied"
fi
rm -f "$stamp"

# Cleanly: no fuzz, no reversed or already applied hunks (offsets are fine).
# Each patch is checked on the tree its predecessors left.
mkdir -p "$applied"
version=$(cd "$src" && dpkg-parsechangelog -S Version)
for p in "${patches[@]}"; do
	patch_opts=(-p1 -N --fuzz=0 --no-backup-if-mismatch -d "$src" -i "$p")
	if ! patch "${patch_opts[@]}" --dry-run </dev/null >"$cache/patch-dry-run.log" 2>&1; then
		cat "$cache/patch-dry-run.log" >&2
		revert_applied || true
		die "$(basename "$p") does not apply cleanly to xen $version"
	fi
	if grep -q 'offset' "$cache/patch-dry-run.log"; then
		cat "$cache/patch-dry-run.log"
		say "note: $(basename "$p") applies at an offset"
	fi
	patch "${patch_opts[@]}" -s </dev/null
	cp "$p" "$applied/"
	say "applied $(basename "$p") to xen $version"
done

# --- configure (once), as debian/rules does -------------------------------
cd "$src"
export WGET=/bin/false GIT=/bin/false # as debian/rules: never download
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
xen_arch=x86_64
[ "$(dpkg --print-architecture)" = amd64 ] || die "only amd64 is supported"
make_args=("XEN_TARGET_ARCH=$xen_arch" "XEN_COMPILE_ARCH=$xen_arch"
	"EXTRA_CFLAGS_XEN_TOOLS=$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
	"PREPEND_LDFLAGS_XEN_TOOLS=$(dpkg-buildflags --get LDFLAGS)")
if [ ! -f .pcirstd-configured ]; then
	t0=$(now_ms)
	./autogen.sh >/dev/null
	cp /usr/share/misc/config.sub /usr/share/misc/config.guess .
	upstream_version=$(dpkg-parsechangelog -S Version | sed 's/^\([0-9]*\.[0-9]*\).*/\1/')
	# bzip2 and lzo are not in Debian's Build-Depends: keep them out, as there.
	# debian/rules passes its make arguments to configure as environment.
	env -u CFLAGS -u CPPFLAGS -u LDFLAGS "${make_args[@]}" \
		ac_cv_header_bzlib_h=no ac_cv_header_lzo_lzo1x_h=no \
		./configure \
		--disable-stubdom --prefix=/usr --includedir=/usr/include \
		--libdir=/usr/lib/"$arch" --with-libexec-libdir-suffix=/"$arch" \
		--host="$arch" --mandir=/usr/share/man --infodir=/usr/share/info \
		--sysconfdir=/etc --localstatedir=/var \
		--with-libexec-leaf-dir=xen-"$upstream_version" \
		--disable-blktap1 --disable-blktap2 \
		--disable-qemu-traditional --disable-rombios \
		--with-system-qemu=/usr/libexec/xen-qemu-system-i386 \
		--enable-ovmf --with-system-ovmf=/usr/share/ovmf/OVMF.fd \
		--with-system-seabios=/usr/share/seabios/bios-256k.bin \
		>"$cache/configure.log" 2>&1 ||
		{ tail -n 30 "$cache/configure.log" >&2; die "configure failed (see $cache/configure.log)"; }
	touch .pcirstd-configured
	say "configured in $(since "$t0") s"
fi

# --- build ------------------------------------------------------------------
t0=$(now_ms)
{
	env -u CFLAGS -u CPPFLAGS -u LDFLAGS make -j"$jobs" -C tools subdir-all-include "${make_args[@]}" &&
		env -u CFLAGS -u CPPFLAGS -u LDFLAGS make -j"$jobs" -C tools/libs "${make_args[@]}" &&
		env -u CFLAGS -u CPPFLAGS -u LDFLAGS make -j"$jobs" -C tools/xl "${make_args[@]}"
} >"$cache/make.log" 2>&1 ||
	{ grep -E 'error|Error' "$cache/make.log" | tail -n 30 >&2; die "make failed (see $cache/make.log)"; }
say "built in $(since "$t0") s"

rm -rf "$out"
mkdir -p "$out/series"
# libxlutil too: it parses xl's PCI spec strings (reset=).
cp -a tools/libs/light/libxenlight.so.* tools/libs/util/libxlutil.so.* tools/xl/xl "$out"/
cp "${patches[@]}" "$out/series/"
echo "$sha" >"$stamp"
say "done: $(cd "$out" && echo *)"
