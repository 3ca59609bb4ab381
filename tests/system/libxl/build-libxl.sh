#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-libxl.sh CACHE_DIR [PATCH]
#
# Builds Debian 12's libxenlight and xl (Xen 4.17) with the pcirstd patch
# (default: docs/libxl/0001-libxl-delegate-PCI-reset-to-pcirstd.patch) and
# leaves them in CACHE_DIR/out/. Run as root on Debian 12: it installs the few
# build packages it needs and fetches the xen source package from
# deb.debian.org through a private apt configuration under CACHE_DIR (the
# system's apt sources are not touched).
#
# Cached: a second run with the same patch does nothing; a changed patch
# reverts the old one, applies the new one and rebuilds incrementally.
#
# Also checks the patch's private copy of the libpcirst declarations against
# the repository's include/pcirst/pcirst.h (abi-check.c), and, when
# LIBPCIRST=/path/to/libpcirst.so.0 is set, that every function the patch
# dlsym()s is exported by that library and that its SONAME is the name the
# patch dlopen()s.
#
# Environment: JOBS (make -j, default 2), LIBPCIRST (see above),
# XEN_SUITE (default bookworm: the security suite's source may be gone).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
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
	die "usage: build-libxl.sh CACHE_DIR [PATCH]"
fi
mkdir -p "$1"
cache=$(cd "$1" && pwd)
patch_file=$(realpath "${2:-$repo/docs/libxl/0001-libxl-delegate-PCI-reset-to-pcirstd.patch}")
[ -r "$patch_file" ] || die "cannot read the patch $patch_file"
jobs=${JOBS:-2}
suite=${XEN_SUITE:-bookworm}

src=$cache/xen         # the unpacked source package, patched
out=$cache/out
stamp=$out/.patch-sha256
sha=$(sha256sum "$patch_file" | cut -d' ' -f1)

# The ABI and symbol checks are cheap and run every time: the repository's
# header or library may have changed while the patch did not.
check_abi() {
	local dir=$cache/abi-check
	mkdir -p "$dir"
	{
		echo '/* extracted from the patched tools/libs/light/libxl_pci.c */'
		echo '#include <stdint.h>'
		sed -n '/^#define PCIRSTD_LIBRARY/,/^} pcirstd_lib;/p' \
			"$src/tools/libs/light/libxl_pci.c"
	} >"$dir/pcirstd-abi.h"
	grep -q '^} pcirstd_lib;' "$dir/pcirstd-abi.h" ||
		die "no libpcirst declarations found in the patched libxl_pci.c"
	gcc -std=gnu11 -Wall -Wextra -Werror -I"$repo/include" -I"$dir" \
		-o "$dir/abi-check" "$here/abi-check.c" ||
		die "the patch's libpcirst declarations do not match $repo/include/pcirst/pcirst.h"
	local soname
	soname=$("$dir/abi-check")
	say "ABI check passed: the patch's declarations match include/pcirst/pcirst.h; it loads $soname"

	[ -n "${LIBPCIRST:-}" ] || return 0
	[ -r "$LIBPCIRST" ] || die "LIBPCIRST=$LIBPCIRST: no such file"
	local lib_soname missing=0 sym
	lib_soname=$(readelf -d "$LIBPCIRST" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
	[ "$lib_soname" = "$soname" ] ||
		die "$LIBPCIRST has SONAME '$lib_soname', the patch dlopen()s '$soname'"
	# shellcheck disable=SC2013 # symbol names: one word each
	for sym in $(grep -o 'dlsym(h, "pcirst_[a-z_]*")' "$src/tools/libs/light/libxl_pci.c" |
		     sed 's/.*"\(.*\)")/\1/'); do
		if ! nm -D --defined-only "$LIBPCIRST" | awk '{print $3}' | grep -qx "$sym"; then
			echo "build-libxl: $sym is not exported by $LIBPCIRST" >&2
			missing=1
		fi
	done
	[ $missing = 0 ] || die "the patch needs functions that $LIBPCIRST does not export"
	say "symbol check passed: $LIBPCIRST ($lib_soname) exports every function the patch uses"
}

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sha" ] && [ -x "$out/xl" ] &&
	compgen -G "$out/libxenlight.so.*" >/dev/null && [ -f "$src/tools/libs/light/libxl_pci.c" ]; then
	check_abi
	say "up to date: $out (patch $sha)"
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
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -q -y --no-install-recommends "${missing[@]}" ||
		{ apt-get -q update && apt-get install -q -y --no-install-recommends "${missing[@]}"; } ||
		die "cannot install ${missing[*]}"
fi

# --- the source package ---------------------------------------------------
# A private deb-src list: only `apt-get source` sees it, through -o options.
fetch_source() {
	local a=$cache/apt
	mkdir -p "$a/lists/partial" "$a/parts.d" "$cache/dl"
	cat >"$a/sources.list" <<EOF
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main
EOF
	local opts=(-o "Dir::Etc::SourceList=$a/sources.list" -o "Dir::Etc::SourceParts=$a/parts.d"
		    -o "Dir::State::Lists=$a/lists" -o "APT::Sandbox::User=root")
	if ! compgen -G "$cache/dl/xen_4.17*.dsc" >/dev/null; then
		say "fetching the xen source package ($suite)"
		apt-get "${opts[@]}" update >/dev/null || die "apt-get update of the deb-src list failed"
		(cd "$cache/dl" && apt-get "${opts[@]}" source --download-only xen) ||
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

applied=$cache/applied.patch # the patch now applied to $src

# Returns the tree to the unpatched source: revert the applied patch, or
# unpack afresh when that is not possible.
if [ -d "$src" ] && [ -f "$src/.pcirstd-unpacked" ]; then
	if [ -f "$applied" ]; then
		if patch -p1 -R -f -s --dry-run -d "$src" -i "$applied" </dev/null >/dev/null &&
			patch -p1 -R -f -s --no-backup-if-mismatch -d "$src" -i "$applied" </dev/null; then
			rm -f "$applied"
			say "reverted the previously applied patch"
		else
			say "cannot revert the previously applied patch: unpacking afresh"
			fetch_source
			touch "$src/.pcirstd-unpacked"
			rm -f "$applied"
		fi
	fi
else
	fetch_source
	touch "$src/.pcirstd-unpacked"
	rm -f "$applied"
fi
rm -f "$stamp"

# Cleanly: no fuzz, no reversed or already applied hunks (offsets are fine).
patch_opts=(-p1 -N --fuzz=0 --no-backup-if-mismatch -d "$src" -i "$patch_file")
if ! patch "${patch_opts[@]}" --dry-run </dev/null >"$cache/patch-dry-run.log" 2>&1; then
	cat "$cache/patch-dry-run.log" >&2
	die "$patch_file does not apply cleanly to xen $(cd "$src" && dpkg-parsechangelog -S Version)"
fi
if grep -q 'offset' "$cache/patch-dry-run.log"; then
	cat "$cache/patch-dry-run.log"
	say "note: the patch applies at an offset"
fi
patch "${patch_opts[@]}" -s </dev/null
cp "$patch_file" "$applied"
say "applied $(basename "$patch_file") to xen $(cd "$src" && dpkg-parsechangelog -S Version)"

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

check_abi

rm -rf "$out"
mkdir -p "$out"
cp -a tools/libs/light/libxenlight.so.* tools/xl/xl "$out"/
cp "$patch_file" "$out/applied.patch"
echo "$sha" >"$stamp"
say "done: $(cd "$out" && echo *)"
