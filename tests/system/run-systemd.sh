#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-systemd.sh BUILD_DIR DEB_DIR [--demo]
#
# The system test's systemd configuration (tests/system/README.md): the same
# Xen 4.17 dom0 under QEMU as run.sh, but its init is Debian 12's systemd
# (PID 1), pcirstd is the .deb (DEB_DIR: tests/packaging/test-deb.sh's
# output) with pcirstd.service enabled as shipped, and
# guest/systemd-cases.sh checks notify, hardening, reload, the watchdog, the
# catalog, the man page and the boot order before xendomains.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: run-systemd.sh BUILD_DIR DEB_DIR [--demo]}" && pwd)
debs=${2:?}
shift 2
ls "$debs"/pcirstd_*.deb >/dev/null 2>&1 || {
	echo "run-systemd.sh: skipped: no pcirstd .deb in $debs (the packaging/deb test makes it)"
	exit 77
}
debs=$(cd "$debs" && pwd)
export PCIRST_SYSTEST_MODE=systemd
export PCIRST_IMAGE_HOOK="$here/systemd/add-systemd.sh $debs"
exec "$here/run.sh" "$build" "$@"
