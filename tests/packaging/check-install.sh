#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The install layout: "cmake --install" of the build into a scratch DESTDIR
# puts every file where a distribution expects it (below the configured
# prefix, or systemd's and bash-completion's own directories), and
# libpcirst exports only pcirst_* symbols, each versioned, under its soname.
# usage: check-install.sh BUILD_DIR
set -euo pipefail
build=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
fail=0
bad() {
	echo "FAIL: $*"
	fail=1
}

cfg=$(mktemp -d)
trap 'rm -rf "$dest" "$cfg"' EXIT
DESTDIR=$dest cmake --install "$build" >"$cfg/install.log"

cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
prefix=$(cache CMAKE_INSTALL_PREFIX)
p=${prefix#/}
libdir=$p/$(cache CMAKE_INSTALL_LIBDIR)
export LD_LIBRARY_PATH=$dest/$libdir
for f in $p/sbin/pcirstd $p/sbin/pcirstctl \
	"$libdir/libpcirst.so" "$libdir/libpcirst.so.0" \
	"$libdir/pkgconfig/pcirst.pc" $p/include/pcirst/pcirst.h $p/include/pcirst/sbdf.h \
	usr/lib/pcirstd/policy.d/10-quirks-no-flr.json \
	$p/share/man/man8/pcirstd.8 $p/share/man/man8/pcirstctl.8 $p/share/man/man5/pcirstd.policy.5 \
	$p/share/man/man7/pcirstd-protocol.7 $p/share/man/man3/libpcirst.3 \
	$p/share/doc/pcirstd/protocol.md; do
	[ -e "$dest/$f" ] || bad "$f not installed"
done
# Directories from pkg-config (systemd, bash-completion) or their fallbacks.
for pattern in '*/systemd/system/pcirstd.service' '*/systemd/catalog/pcirstd.catalog' \
	'*/bash-completion/completions/pcirstctl'; do
	[ -n "$(find "$dest" -path "$dest/$pattern")" ] || bad "no $pattern"
done
[ -x "$dest/$p/sbin/pcirstctl" ] && grep -qx 'pcirstctl [0-9.]*' <<<"$("$dest/$p/sbin/pcirstctl" --version)" ||
	bad "pcirstctl --version"

lib=$(readlink -f "$dest/$libdir/libpcirst.so")
# Linked as the packages are (CMakeLists.txt: -z relro -z now): every binary
# binds at start and has a read-only GOT after it.
for bin in "$dest/$p/sbin/pcirstd" "$dest/$p/sbin/pcirstctl" "$lib"; do
	dyn=$(readelf -d "$bin")
	grep -qE 'BIND_NOW|FLAGS_1.*NOW' <<<"$dyn" || bad "${bin##*/} not linked with -z now"
	readelf -lW "$bin" | grep -q GNU_RELRO || bad "${bin##*/} has no RELRO segment"
done
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libpcirst.so.0 ] || bad "soname is '$soname', not libpcirst.so.0"
[ "$(readlink "$dest/$libdir/libpcirst.so.0")" = "${lib##*/}" ] || bad "libpcirst.so.0 link"

# Exported: defined dynamic symbols. Every one is pcirst_*, at one of the
# version nodes of libpcirst.map (PCIRST_0.1, PCIRST_0.2, ...).
exported=$(nm -D --defined-only --with-symbol-versions "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}')
n=$(printf '%s\n' "$exported" | grep -c '^pcirst_' || true)
[ "$n" -ge 20 ] || bad "only $n exported functions"
others=$(printf '%s\n' "$exported" | grep -v '^pcirst_[a-z0-9_]*@@PCIRST_[0-9]*\.[0-9]*$' |
	grep -v '^\(PCIRST_[0-9]*\.[0-9]*\)@@\1$' || true)
[ -z "$others" ] || bad "exported besides pcirst_*@@PCIRST_x.y: $(echo $others)"
nodes=$(printf '%s\n' "$exported" | sed -n 's/^pcirst_.*@@//p' | sort -u | tr '\n' ' ')
[[ $nodes == "PCIRST_0.1 "* ]] || bad "version nodes '$nodes' (PCIRST_0.1 first)"
# Every function the header declares is exported.
for fn in $(grep -ohE '\bpcirst_[a-z0-9_]+\(' "$dest/$p/include/pcirst/"*.h | tr -d '(' | sort -u); do
	grep -q "^$fn@@" <<<"$exported" || bad "$fn declared but not exported"
done

# pkg-config finds it and a client links against the installed copy alone.
export PKG_CONFIG_PATH=$dest/$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
cat >"$cfg/client.c" <<'C'
#include <pcirst/pcirst.h>
#include <pcirst/sbdf.h>
int main(void)
{
	struct pcirst_sbdf s;
	return pcirst_sbdf_parse("0000:01:00.0", &s) == 0 ? 0 : 1;
}
C
# A sanitizer build's library needs its runtime first in the client.
san=
grep -q 'NEEDED.*libasan' <<<"$(readelf -d "$lib")" && san=-fsanitize=address,undefined
# shellcheck disable=SC2046
cc $san -o "$cfg/client" "$cfg/client.c" $(pkg-config --cflags --libs pcirst) 2>"$cfg/cc.log" ||
	{ cat "$cfg/cc.log"; bad "a client does not build with pkg-config pcirst"; }
"$cfg/client" || bad "the client does not run"

[ $fail -eq 0 ] && echo "install layout: $n pcirst_* functions at $nodes, soname $soname, all files in place"
exit $fail
