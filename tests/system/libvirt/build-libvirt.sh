#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-libvirt.sh CACHE_DIR LIBXL_CACHE [SERIES_DIR]
#
# Builds Debian 12's libvirt (9.0.0) with the pcirstd series (default:
# docs/libvirt/9.0.0/, git format-patch output applied in name order, each
# patch with --fuzz=0), against the patched libxenlight that
# tests/system/libxl/build-libxl.sh builds in LIBXL_CACHE (run first; it is
# cached). Only what the libxl driver needs is built: libvirt.so, the libxl
# driver module, libvirtd and virsh (meson: every other driver, storage
# backend, security driver and optional library disabled). Then runs
# libvirt's own tests that cover the series (libxlxml2domconfigtest,
# genericxml2xmltest, virschematest, virhostdevtest, xlconfigtest) and leaves
# the binaries in CACHE_DIR/out/.
#
# Run as root on Debian 12: it installs the few build packages it needs and
# fetches the libvirt source package from Debian's archive (the mirror apt
# uses here) through a private apt configuration under CACHE_DIR (the
# system's apt sources are not touched).
#
# Cached: the key is the sha256 of the series, of libxl's build stamp and of
# this script. A second run with the same key only re-runs the tests; a
# changed key reverts the applied series, applies the new one and rebuilds
# incrementally. The first (cold) build prints its time.
#
# Environment: JOBS (ninja -j, default 2), LIBVIRT_SUITE (default bookworm).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../lib/debian-apt.sh
. "$here/../../lib/debian-apt.sh"
repo=$(cd "$here/../../.." && pwd)

die() {
	echo "build-libvirt: $*" >&2
	exit 1
}
say() { echo "build-libvirt: $*"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
since() { # since START_MS: seconds elapsed, one decimal
	local ms=$(($(now_ms) - $1))
	printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	die "usage: build-libvirt.sh CACHE_DIR LIBXL_CACHE [SERIES_DIR]"
fi
mkdir -p "$1" "$2"
cache=$(cd "$1" && pwd)
libxl_cache=$(cd "$2" && pwd)
series=$(realpath "${3:-$repo/docs/libvirt/9.0.0}")
patches=()
for f in "$series"/*.patch; do [ -r "$f" ] && patches+=("$f"); done
[ ${#patches[@]} -gt 0 ] || die "no *.patch in $series"
jobs=${JOBS:-2}
suite=${LIBVIRT_SUITE:-bookworm}
t_start=$(now_ms)

# --- libxl first: its headers and libraries are what the driver builds on ---
"$repo/tests/system/libxl/build-libxl.sh" "$libxl_cache" >"$cache/libxl.log" 2>&1 ||
	{ tail -n 20 "$cache/libxl.log" >&2; die "build-libxl.sh failed (see $cache/libxl.log)"; }
xen=$libxl_cache/xen
[ -d "$xen/tools/pkg-config" ] || die "no $xen/tools/pkg-config: build-libxl.sh left no tree"
libxl_stamp=$(cat "$libxl_cache"/out/.patch-sha256 2>/dev/null || echo none)
xen_libs=$(find "$xen/tools/libs" -mindepth 1 -maxdepth 1 -type d | sort | tr '\n' ':')

src=$cache/libvirt # the unpacked source package, patched
bld=$cache/build   # meson's build directory
out=$cache/out
stamp=$out/.key
# The key: the series, libxl's build, and this script (its meson options).
key=$({ cat "${patches[@]}" "${BASH_SOURCE[0]}"; echo "libxl $libxl_stamp"; } | sha256sum | cut -d' ' -f1)

# The tests that cover the series; run on every call (they take seconds).
tests=(libxlxml2domconfigtest genericxml2xmltest virschematest virhostdevtest xlconfigtest)
run_tests() {
	local t0 t
	t0=$(now_ms)
	for t in "${tests[@]}"; do
		# libvirt's tests know their source and build directories (compiled in).
		if ! (cd "$bld/tests" && LD_LIBRARY_PATH=$xen_libs VIR_TEST_VERBOSE=1 "./$t") \
			>"$cache/test-$t.log" 2>&1; then
			grep -v ' OK$' "$cache/test-$t.log" | tail -n 30 >&2
			die "libvirt's $t failed (see $cache/test-$t.log)"
		fi
	done
	say "libvirt's tests passed: ${tests[*]} ($(since "$t0") s)"
	grep -q 'GENERIC XML-2-XML hostdev-pci-reset-policy .*OK' "$cache/test-genericxml2xmltest.log" ||
		die "genericxml2xmltest did not run hostdev-pci-reset-policy: is the series applied?"
	if grep -q 'LIBXL_HAVE_DEVICE_PCI_RESET_POLICY' "$xen/tools/include/libxl.h"; then
		grep -q 'LibXL XML-2-JSON pci-reset-policy-pv .*OK' "$cache/test-libxlxml2domconfigtest.log" ||
			die "libxl has the reset policy field, yet libxlxml2domconfigtest did not run pci-reset-policy-pv"
		say "libxl has LIBXL_HAVE_DEVICE_PCI_RESET_POLICY: the policy reaches libxl_device_pci (pci-reset-policy-pv passed)"
	else
		say "note: this libxl lacks LIBXL_HAVE_DEVICE_PCI_RESET_POLICY: the policy is rejected, resets are not delegated"
	fi
}

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ] && [ -x "$out/libvirtd" ] &&
	[ -f "$src/.pcirstd-unpacked" ]; then
	run_tests
	say "up to date: $out (key $key)"
	exit 0
fi

[ "$(id -u)" = 0 ] || die "run as root (installs build packages with apt-get)"

# --- build packages -------------------------------------------------------
# Not the full Build-Depends: only what meson needs for these options.
pkgs=(gcc pkg-config meson ninja-build python3 perl xsltproc libxml2-utils dpkg-dev
	libxml2-dev libglib2.0-dev libgnutls28-dev libtirpc-dev libyajl-dev uuid-dev)
debian_install "${pkgs[@]}" | sed 's/^/build-libvirt: /' || die "cannot install the build packages"

# --- the source package ---------------------------------------------------
fetch_source() {
	if ! compgen -G "$cache/dl/libvirt_9.0.0*.dsc" >/dev/null; then
		say "fetching the libvirt source package ($suite)"
		debian_source_download "$cache/apt" "$cache/dl" "$suite" libvirt ||
			die "apt-get source libvirt failed"
	fi
	local dsc
	dsc=$(printf '%s\n' "$cache"/dl/libvirt_9.0.0*.dsc | sort -V | tail -n1)
	rm -rf "$src" "$src.tmp" "$bld"
	# apt checked the files against the archive's signed index.
	dpkg-source --no-copy -x "$dsc" "$src.tmp" >"$cache/dpkg-source.log" 2>&1 ||
		{ cat "$cache/dpkg-source.log" >&2; die "dpkg-source -x $dsc failed"; }
	mv "$src.tmp" "$src"
	touch "$src/.pcirstd-unpacked"
	rm -rf "$cache/applied"
	say "unpacked $(basename "$dsc")"
}

# Back to the unpatched source: revert the applied series (last patch
# first), or unpack afresh when that is not possible.
applied=$cache/applied
if [ -f "$src/.pcirstd-unpacked" ]; then
	if [ -d "$applied" ]; then
		reverted=1
		while read -r p; do
			if ! patch -p1 -R -f -s --no-backup-if-mismatch -d "$src" -i "$applied/$p" </dev/null; then
				reverted=0
				break
			fi
		done < <(cd "$applied" && printf '%s\n' *.patch | sort -r)
		if [ $reverted = 1 ]; then
			rm -rf "$applied"
			say "reverted the previously applied series"
		else
			say "cannot revert the previously applied series: unpacking afresh"
			fetch_source
		fi
	fi
else
	fetch_source
fi
rm -f "$stamp"

mkdir -p "$applied"
for p in "${patches[@]}"; do
	opts=(-p1 -N --fuzz=0 --no-backup-if-mismatch -d "$src" -i "$p")
	if ! patch "${opts[@]}" --dry-run </dev/null >"$cache/patch-dry-run.log" 2>&1; then
		cat "$cache/patch-dry-run.log" >&2
		die "$(basename "$p") does not apply cleanly to libvirt $(cd "$src" && dpkg-parsechangelog -S Version)"
	fi
	patch "${opts[@]}" -s </dev/null
	cp "$p" "$applied/"
done
say "applied ${#patches[@]} patches from $series to libvirt $(cd "$src" && dpkg-parsechangelog -S Version)"

# --- configure (once) -------------------------------------------------------
# Debian's paths, so that the binaries fit beside Debian's packages. Every
# feature is named: meson fails rather than silently building less.
meson_opts=(--prefix=/usr --sysconfdir=/etc --localstatedir=/var
	--libdir=lib/x86_64-linux-gnu -Drunstatedir=/run --buildtype=plain
	-Dno_git=true -Ddocs=disabled -Dtests=enabled -Dexpensive_tests=disabled -Dnls=disabled
	-Ddriver_libxl=enabled -Ddriver_libvirtd=enabled -Ddriver_remote=enabled -Dyajl=enabled
	-Dremote_default_mode=legacy)
for f in driver_qemu driver_lxc driver_ch driver_bhyve driver_esx driver_hyperv \
	driver_interface driver_network driver_openvz driver_secrets driver_test driver_vbox \
	driver_vmware driver_vz apparmor attr audit bash_completion blkid capng curl fuse \
	glusterfs libiscsi libnl libpcap libssh libssh2 netcf numactl openwsman pciaccess \
	polkit readline sanlock sasl selinux udev wireshark_dissector secdriver_apparmor \
	apparmor_profiles secdriver_selinux storage_dir storage_disk storage_fs \
	storage_gluster storage_iscsi storage_iscsi_direct storage_lvm storage_mpath \
	storage_rbd storage_scsi storage_vstorage storage_zfs dtrace firewalld firewalld_zone \
	host_validate login_shell nss numad pm_utils sysctl_config; do
	meson_opts+=("-D$f=disabled")
done
meson_opts+=(-Dinit_script=none)
export PKG_CONFIG_PATH=$xen/tools/pkg-config
opts_sha=$(printf '%s\n' "${meson_opts[@]}" "$xen" | sha256sum | cut -d' ' -f1)
if [ ! -f "$bld/.pcirstd-configured" ] || [ "$(cat "$bld/.pcirstd-configured")" != "$opts_sha" ]; then
	t0=$(now_ms)
	rm -rf "$bld"
	meson setup "$bld" "$src" "${meson_opts[@]}" >"$cache/meson.log" 2>&1 ||
		{ tail -n 30 "$cache/meson.log" >&2; die "meson setup failed (see $cache/meson.log)"; }
	grep -q "Run-time dependency xenlight found: YES" "$cache/meson.log" ||
		die "meson did not find the patched libxenlight"
	echo "$opts_sha" >"$bld/.pcirstd-configured"
	say "configured in $(since "$t0") s"
fi

# --- build ------------------------------------------------------------------
targets=(src/libvirt.so.0.9000.0 src/libvirt_driver_libxl.so src/libvirtd tools/virsh
	"${tests[@]/#/tests/}" tests/libxlmock.so tests/libvirhostdevmock.so tests/libvirpcimock.so)
t0=$(now_ms)
ninja -C "$bld" -j"$jobs" "${targets[@]}" >"$cache/ninja.log" 2>&1 ||
	{ grep -E 'error|FAILED' "$cache/ninja.log" | tail -n 30 >&2; die "ninja failed (see $cache/ninja.log)"; }
say "built in $(since "$t0") s"

run_tests

rm -rf "$out"
mkdir -p "$out"
# virsh and libvirtd also link libvirt-lxc and libvirt-qemu (built with them).
for l in libvirt libvirt-lxc libvirt-qemu; do
	cp -a "$bld/src/$l.so.0" "$bld/src/$l.so.0.9000.0" "$out"/
done
cp -a "$bld/src/libvirt_driver_libxl.so" "$bld/src/libvirtd" "$bld/tools/virsh" "$out"/
mkdir -p "$out/cpu_map" # the libxl driver decodes the host CPU with it
cp "$src"/src/cpu_map/*.xml "$out/cpu_map/"
cp -a "${patches[@]}" "$out"/
echo "$key" >"$stamp"
say "done in $(since "$t_start") s (first build of this key): $(cd "$out" && echo *)"
