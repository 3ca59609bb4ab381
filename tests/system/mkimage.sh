#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mkimage.sh CACHE_DIR BUILD_DIR OUT.cpio.gz [LIBXL_DIR [LIBVIRT_DIR]]
#
# Builds the dom0's initramfs for the system test: busybox, Xen's xenstored
# and xenstore client, pciutils, strace, systemd-journald and journalctl,
# pcirstd and pcirstctl from BUILD_DIR with every shared library they load
# (found with ldd), the kernel modules the test needs (with their
# dependencies, in load order), the guest scripts and the test policy from
# tests/system/guest/. CACHE_DIR is what get-pieces.sh filled.
#
# With LIBXL_DIR (build-libxl.sh's out/: libxenlight and xl rebuilt with the
# patch in docs/libxl/), the image also gets that xl and libxenlight, the
# rest of Xen's libraries, xen-init-dom0, and a PV domU: the same kernel and
# a ~1 MB initramfs (guest/domu-init, busybox, the xenstore client,
# xen-pcifront) for the libxl test (guest/xl-cases.sh).
#
# With LIBVIRT_DIR too (build-libvirt.sh's out/: libvirt rebuilt with the
# series in docs/libvirt/), the image also gets libvirtd, virsh, the libxl
# driver module and libvirt's CPU map, for the libvirt test
# (guest/libvirt-cases.sh).
#
# Another Xen's pieces (the Xen 4.20 configuration, tests/system/xen420/), all
# optional: KERNEL_DIR, an unpacked kernel package instead of CACHE_DIR/kernel
# (modules may be xz-compressed and under usr/lib/modules, as Debian 13's);
# XEN_TOOLS_DIR, a directory with xenstored, xenconsoled and xen-init-dom0
# instead of Debian 12's xen-utils-4.17; IMAGE_LIBPATH, directories searched
# for libraries before the host's; IMAGE_LDSO, a dynamic loader that resolves
# the libraries (--list) and becomes the image's (with its glibc from
# IMAGE_LIBPATH: Debian 13's tools need trixie's).
set -euo pipefail

cache=$(cd "${1:?usage: mkimage.sh CACHE_DIR BUILD_DIR OUT}" && pwd)
build=$(cd "${2:?}" && pwd)
out=${3:?}
libxl=${4:-}
libvirt=${5:-}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
pkg=$cache/pkg
kdir=$(cd "${KERNEL_DIR:-$cache/kernel}" && pwd -P)
mdir=$kdir/lib/modules
[ -d "$mdir" ] || mdir=$kdir/usr/lib/modules
kver=$(basename "$mdir"/*)
mdir=$mdir/$kver
xentools=${XEN_TOOLS_DIR:-$pkg/xen-utils-4.17/usr/lib/xen-4.17/bin}
ldso=${IMAGE_LDSO:-/lib64/ld-linux-x86-64.so.2}

die() {
	echo "mkimage.sh: $*" >&2
	exit 1
}

stage=$(mktemp -d "${TMPDIR:-/tmp}/pcirst-image.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,usr/lib64,etc,proc,sys,dev,run,tmp,var/lib/xenstored}
mkdir -p "$stage/usr/lib/x86_64-linux-gnu" "$stage/lib/modules"
ln -s usr/lib64 "$stage/lib64"
ln -s ../run "$stage/var/run"

libpath=${IMAGE_LIBPATH:+$IMAGE_LIBPATH:}${libvirt:+$libvirt:}${libxl:+$libxl:}$build/daemon:$pkg/libpci3/usr/lib/x86_64-linux-gnu:$pkg/libpci3/lib/x86_64-linux-gnu

# Copies an ELF binary to DEST in the image with the libraries it loads.
add_bin() { # src dest
	[ -f "$1" ] || die "missing $1"
	install -D -m 0755 "$1" "$stage$2"
	local libs
	libs=$("$ldso" --library-path "$libpath" --list "$1" 2>/dev/null) || true
	case $libs in *"not found"*) die "$1: $(echo "$libs" | grep 'not found' | tr -s '\t\n' ' ')" ;; esac
	echo "$libs" | awk '/=> \//{print $3} /^\t\/lib/{print $1}' |
		while read -r lib; do
			case $lib in
			"$build"/* | "$cache"/*) dest=/usr/lib/x86_64-linux-gnu/$(basename "$lib") ;;
			/lib/*) dest=/usr$lib ;;
			/usr/*) dest=$lib ;;
			*) dest=/usr/lib/x86_64-linux-gnu/$(basename "$lib") ;; # IMAGE_LIBPATH's
			esac
			[ -e "$stage$dest" ] || install -D -m 0755 "$(readlink -f "$lib")" "$stage$dest"
		done
}

install -m 0755 "$pkg/busybox-static/bin/busybox" "$stage/bin/busybox"
ln -s ../usr/lib/x86_64-linux-gnu "$stage/usr/lib64/x86_64-linux-gnu" 2>/dev/null || true
install -D -m 0755 "$(readlink -f "$ldso")" "$stage/usr/lib64/ld-linux-x86-64.so.2"
mkdir -p "$stage/lib"
ln -s ../usr/lib/x86_64-linux-gnu "$stage/lib/x86_64-linux-gnu"
ln -s ../usr/lib/systemd "$stage/lib/systemd"

# glibc loads libgcc_s at run time for pthread_cancel (libxenstore's reader thread).
install -D -m 0644 "$(readlink -f /lib/x86_64-linux-gnu/libgcc_s.so.1)" \
	"$stage/usr/lib/x86_64-linux-gnu/libgcc_s.so.1"
add_bin "$build/daemon/pcirstd" /usr/sbin/pcirstd
add_bin "$build/tools/pcirstctl" /usr/bin/pcirstctl
add_bin "$build/tests/pcirst-pcipoke" /usr/bin/pcipoke
add_bin "$build/tests/pcirst-timeit" /usr/bin/timeit
add_bin "$build/tests/pcirst-benchreq" /usr/bin/benchreq
add_bin "$build/tests/pcirst-xlstamp.so" /usr/lib/xlstamp.so
add_bin "$xentools/xenstored" /usr/sbin/xenstored
add_bin "$pkg/xenstore-utils/usr/bin/xenstore" /usr/bin/xenstore
for t in read write ls rm chmod list exists watch; do
	ln -s xenstore "$stage/usr/bin/xenstore-$t"
done
add_bin "$pkg/pciutils/usr/bin/lspci" /usr/bin/lspci
add_bin "$pkg/pciutils/usr/bin/setpci" /usr/bin/setpci
add_bin "$pkg/strace/usr/bin/strace" /usr/bin/strace
add_bin /lib/systemd/systemd-journald /usr/lib/systemd/systemd-journald
add_bin /usr/bin/journalctl /usr/bin/journalctl
install -D -m 0644 "$top/systemd/pcirstd.catalog" "$stage/usr/lib/systemd/catalog/pcirstd.catalog"

# Kernel modules (.ko, or .ko.xz: installed decompressed).
find_ko() {
	find "$mdir" -name "$1.ko" -o -name "$1.ko.xz" -o -name "$(echo "$1" | tr _ -).ko" \
		-o -name "$(echo "$1" | tr _ -).ko.xz" | head -1
}
install_ko() { # ko dest
	case $1 in
	*.xz) xz -dc "$1" >"$2" && chmod 0644 "$2" ;;
	*) install -m 0644 "$1" "$2" ;;
	esac
}

if [ -n "$libxl" ]; then
	add_bin "$libxl/xl" /usr/sbin/xl
	add_bin "$xentools/xen-init-dom0" /usr/sbin/xen-init-dom0
	add_bin "$xentools/xenconsoled" /usr/sbin/xenconsoled
	install -D -m 0644 "$(ls "$kdir"/boot/vmlinuz-*)" "$stage/boot/vmlinuz"
	# XL_SCRIPT: xl-stock-cases.sh for an xl without the series (Debian 13's).
	install -m 0755 "$here/guest/${XL_SCRIPT:-xl-cases.sh}" "$stage/${XL_SCRIPT:-xl-cases.sh}"
	# The domU's initramfs: busybox, the xenstore client, pcifront.
	domu=$(mktemp -d "${TMPDIR:-/tmp}/pcirst-domu.XXXXXX")
	mkdir -p "$domu"/{bin,sbin,usr/bin,usr/lib/x86_64-linux-gnu,usr/lib64,lib/modules,proc,sys,dev}
	ln -s usr/lib64 "$domu/lib64"
	ln -s ../usr/lib/x86_64-linux-gnu "$domu/lib/x86_64-linux-gnu"
	install -m 0755 "$pkg/busybox-static/bin/busybox" "$domu/bin/busybox"
	install -m 0755 "$pkg/xenstore-utils/usr/bin/xenstore" "$domu/usr/bin/xenstore"
	ln -s xenstore "$domu/usr/bin/xenstore-write"
	for lib in $(ldd "$pkg/xenstore-utils/usr/bin/xenstore" | awk '/=> \//{print $3}'); do
		install -m 0755 "$(readlink -f "$lib")" "$domu/usr/lib/x86_64-linux-gnu/$(basename "$lib")"
	done
	install -m 0755 /lib64/ld-linux-x86-64.so.2 "$domu/usr/lib64/ld-linux-x86-64.so.2"
	install_ko "$(find_ko xen-pcifront)" "$domu/lib/modules/xen-pcifront.ko"
	install -m 0755 "$here/guest/domu-init" "$domu/init"
	(cd "$domu" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) \
		>"$stage/boot/domu.cpio.gz"
	rm -rf "$domu"
fi

if [ -n "$libvirt" ]; then
	[ -n "$libxl" ] || die "LIBVIRT_DIR needs LIBXL_DIR"
	add_bin "$libvirt/libvirtd" /usr/sbin/libvirtd
	add_bin "$libvirt/virsh" /usr/bin/virsh
	add_bin "$libvirt/libvirt_driver_libxl.so" \
		/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_libxl.so
	mkdir -p "$stage/usr/share/libvirt"
	cp -r "$libvirt/cpu_map" "$stage/usr/share/libvirt/cpu_map"
	install -m 0755 "$here/guest/libvirt-cases.sh" "$stage/libvirt-cases.sh"
fi

# Kernel modules and their dependencies, in load order.
modinfo_field() { # ko field
	objcopy -O binary --only-section=.modinfo "$1" /dev/stdout 2>/dev/null | tr '\0' '\n' |
		sed -n "s/^$2=//p"
}
declare -A seen=()
order=()
add_module() {
	local name=$1 ko dep dest
	[ -n "${seen[$name]:-}" ] && return 0
	seen[$name]=1
	ko=$(find_ko "$name")
	[ -n "$ko" ] || die "no module $name in $kdir"
	dest=$stage/lib/modules/$(basename "${ko%.xz}")
	install_ko "$ko" "$dest"
	for dep in $(modinfo_field "$dest" depends | tr , ' '); do
		add_module "$dep"
	done
	order+=("$(basename "$dest")")
}
for m in xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc xen-pciback e1000e nvme; do
	add_module "$m"
done
printf '%s\n' "${order[@]}" >"$stage/etc/modules.order"

install -m 0755 "$here/guest/init" "$stage/init"
install -m 0755 "$here/guest/cases.sh" "$stage/cases.sh"
install -m 0644 "$here/guest/cases-hw.sh" "$stage/cases-hw.sh"
install -m 0755 "$here/guest/bench.sh" "$stage/bench.sh"
install -m 0644 "$here/guest/lib.sh" "$stage/lib.sh"
mkdir -p "$stage/etc/pcirstd/policy.d" "$stage/usr/lib/pcirstd/policy.d"
install -m 0644 "$top"/data/policy.d/*.json "$stage/usr/lib/pcirstd/policy.d/"
install -m 0644 "$here"/guest/policy.d/*.json "$stage/etc/pcirstd/policy.d/"
echo "root:x:0:0:root:/:/bin/sh" >"$stage/etc/passwd"
echo "root:x:0:" >"$stage/etc/group"

# A configuration's additions (run-systemd.sh: systemd as PID 1 and the .debs).
[ -z "${PCIRST_IMAGE_HOOK:-}" ] || $PCIRST_IMAGE_HOOK "$stage"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
