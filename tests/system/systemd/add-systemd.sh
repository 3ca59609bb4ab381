#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# add-systemd.sh DEB_DIR STAGE   (mkimage.sh runs it as PCIRST_IMAGE_HOOK)
#
# Turns mkimage.sh's dom0 image (STAGE, before it is packed) into one whose
# init is Debian 12's systemd: systemd, systemctl, journalctl and their
# libraries (the host's, i.e. Debian 12's systemd 252 packages, as mkimage.sh
# takes journald), the standard targets, man and groff for "systemctl
# help"; the pcirstd and libpcirst0 packages from DEB_DIR unpacked as dpkg
# would, pcirstd.service enabled as its postinst does; Xen's services as
# units (units/); the checks (guest/systemd-cases.sh). No dbus, no udevd:
# systemctl talks to PID 1 over its private socket, and pcirstd's device
# watch takes the kernel's uevents.
set -euo pipefail
debs=${1:?usage: add-systemd.sh DEB_DIR STAGE}
stage=${2:?}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)

die() {
	echo "add-systemd.sh: $*" >&2
	exit 1
}
add_bin() { # src dest
	[ -f "$1" ] || die "missing $1"
	install -D -m 0755 "$1" "$stage$2"
	ldd "$1" 2>/dev/null | awk '/=> \//{print $3} /^\t\/lib/{print $1}' | while read -r lib; do
		dest=$lib
		case $lib in /lib/*) dest=/usr$lib ;; esac
		[ -e "$stage$dest" ] || install -D -m 0755 "$(readlink -f "$lib")" "$stage$dest"
	done
}

# The packages, as dpkg unpacks them (the image's /lib is a symlink to /usr/lib).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for p in pcirstd libpcirst0; do
	deb=$(ls "$debs/${p}_"*.deb 2>/dev/null | head -1)
	[ -n "$deb" ] || die "no ${p}_*.deb in $debs"
	dpkg-deb -x "$deb" "$tmp"
done
rm -f "$stage/usr/sbin/pcirstd" "$stage/usr/bin/pcirstctl"
tar -C "$tmp" -cf - . | tar -C "$stage" --keep-directory-symlink -xf -
ln -sf /usr/sbin/pcirstctl "$stage/usr/bin/pcirstctl"
install -m 0644 "$top/systemd/pcirstd.service" "$stage/pcirstd.service.source"

# systemd as PID 1, systemctl, journalctl.
add_bin /lib/systemd/systemd /usr/lib/systemd/systemd
add_bin /lib/systemd/systemd-shutdown /usr/lib/systemd/systemd-shutdown
add_bin /lib/systemd/systemd-journald /usr/lib/systemd/systemd-journald
add_bin /lib/systemd/systemd-cgroups-agent /usr/lib/systemd/systemd-cgroups-agent
add_bin /bin/systemctl /usr/bin/systemctl
add_bin /usr/bin/journalctl /usr/bin/journalctl
mkdir -p "$stage/sbin"
ln -sf /usr/lib/systemd/systemd "$stage/sbin/init"
# man and groff for "systemctl help".
add_bin /usr/bin/man /usr/bin/man
for t in groff troff grotty preconv tbl col; do
	add_bin "/usr/bin/$t" "/usr/bin/$t"
done
install -m 0755 /usr/bin/nroff "$stage/usr/bin/nroff"
mkdir -p "$stage/usr/share" "$stage/usr/lib/man-db" "$stage/etc"
cp -a /usr/share/groff "$stage/usr/share/"
cp -a /usr/lib/man-db/. "$stage/usr/lib/man-db/"
for lib in /usr/lib/man-db/*.so; do
	ldd "$lib" | awk '/=> \//{print $3}' | while read -r l; do
		[ -e "$stage/usr$l" ] || [ -e "$stage$l" ] || install -D -m 0755 "$(readlink -f "$l")" "$stage$l"
	done
done
cp /etc/manpath.config "$stage/etc/"
cp -a /etc/groff "$stage/etc/"
# Busybox applets as commands (systemd runs /bin/sh, mkdir, kill ...).
for a in $("$stage/bin/busybox" --list-full); do
	[ -e "$stage/$a" ] || [ -L "$stage/$a" ] || { mkdir -p "$stage/$(dirname "$a")" && ln -s /bin/busybox "$stage/$a"; }
done

# Units: the standard targets and journald's, Xen's services, the checks.
sysd=$stage/usr/lib/systemd/system
mkdir -p "$sysd" "$stage/etc/systemd/system"
for u in default.target multi-user.target basic.target sysinit.target sockets.target \
	timers.target paths.target slices.target local-fs.target local-fs-pre.target swap.target \
	shutdown.target umount.target final.target poweroff.target emergency.target \
	systemd-poweroff.service -.slice system.slice network.target \
	systemd-journald.service systemd-journald.socket systemd-journald-dev-log.socket \
	systemd-journal-catalog-update.service; do
	[ -e "/lib/systemd/system/$u" ] && cp -a "/lib/systemd/system/$u" "$sysd/"
done
ln -sf multi-user.target "$sysd/default.target"
install -m 0644 "$here"/units/*.service "$sysd/"
for u in pcirst-modules xenstored xen-init-dom0 xenconsoled xendomains pcirst-systest; do
	want=$(sed -n 's/^WantedBy=//p' "$here/units/$u.service")
	mkdir -p "$stage/etc/systemd/system/$want.wants"
	ln -sf "/usr/lib/systemd/system/$u.service" "$stage/etc/systemd/system/$want.wants/"
done
mkdir -p "$stage/etc/systemd/system/sockets.target.wants"
ln -sf /usr/lib/systemd/system/systemd-journald.socket "$stage/etc/systemd/system/sockets.target.wants/"
# pcirstd as its postinst enables it (deb-systemd-helper): the [Install] links.
want=$(sed -n 's/^WantedBy=//p' "$stage/usr/lib/systemd/system/pcirstd.service")
mkdir -p "$stage/etc/systemd/system/$want.wants"
ln -sf /lib/systemd/system/pcirstd.service "$stage/etc/systemd/system/$want.wants/pcirstd.service"
mkdir -p "$stage/etc/systemd/system/pcirstd.service.d"
install -m 0644 "$here/units/pcirstd-watchdog.conf" \
	"$stage/etc/systemd/system/pcirstd.service.d/50-test-watchdog.conf"
install -m 0755 "$here/../guest/systemd-modules.sh" "$stage/systemd-modules.sh"
install -m 0755 "$here/../guest/systemd-cases.sh" "$stage/systemd-cases.sh"

# A domain started at boot, with a device to reset (its kernel and initramfs
# are mkimage.sh's libxl domU).
mkdir -p "$stage/etc/xen/auto"
cat >"$stage/etc/xen/auto/domu.cfg" <<'CFG'
name = "domu"
type = "pv"
kernel = "/boot/vmlinuz"
ramdisk = "/boot/domu.cpio.gz"
extra = "console=hvc0 rdinit=/init"
memory = 128
vcpus = 1
pci = [ "01:00.0" ]
on_crash = "destroy"
CFG
# What systemd's dpkg trigger does when a package installs a catalog file.
journalctl --root="$stage" --update-catalog
: >"$stage/etc/machine-id"
echo "pcirst-dom0" >"$stage/etc/hostname"
mkdir -p "$stage/var/log/journal" "$stage/var/lib/systemd"
