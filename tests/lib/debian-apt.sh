# SPDX-License-Identifier: GPL-2.0-or-later
#
# Debian's archive as this machine's apt already reaches it, so that no script
# names a host of its own. Sourced (bash) by the system test's build scripts
# and the packaging test, and by tools/dev.sh (debian_install).

# debian_mirror: the archive URI apt uses here for Debian's main component
# (apt-cache policy; before any apt-get update, the sources files).
debian_mirror() {
	local m
	m=$(apt-cache policy 2>/dev/null |
		awk '!m && $3 ~ /^[a-z]+\/main$/ && $5 == "Packages" { m = $2 } END { print m }' || true)
	[ -n "$m" ] ||
		m=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
			awk '!m && $1 !~ /security/ { m = $1 } END { print m }' || true)
	[ -n "$m" ] ||
		m=$(awk '$1 == "deb" && !/security/ {
			for (i = 2; i <= NF && !m; i++) if ($i ~ /^[a-z]+:\/\//) m = $i }
			END { print m }' \
			/etc/apt/sources.list 2>/dev/null || true)
	if [ -z "$m" ]; then
		echo "no Debian archive found in apt's configuration" >&2
		return 1
	fi
	printf '%s\n' "$m"
}

# debian_source_download APTDIR DLDIR SUITE PACKAGE: `apt-get source
# --download-only PACKAGE` for SUITE into DLDIR, through a private deb-src list
# under APTDIR that only this call sees (-o options; the host's apt is unchanged).
debian_source_download() {
	local a=$1 dl=$2 suite=$3 pkg=$4 mirror
	mirror=$(debian_mirror) || return 1
	mkdir -p "$a/lists/partial" "$a/parts.d" "$dl"
	printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
		"$mirror" "$suite" >"$a/sources.list"
	local opts=(-o "Dir::Etc::SourceList=$a/sources.list" -o "Dir::Etc::SourceParts=$a/parts.d"
		-o "Dir::State::Lists=$a/lists" -o "APT::Sandbox::User=root")
	apt-get "${opts[@]}" update >/dev/null || {
		echo "apt-get update of the private deb-src list failed" >&2
		return 1
	}
	(cd "$dl" && apt-get "${opts[@]}" source --download-only "$pkg")
}

# debian_install PACKAGE...: installs those of the Debian packages that are
# not installed yet (as root, or through sudo), without recommends. The
# package lists are updated only when the install from the current ones fails
# (none yet on a fresh machine, or stale ones). Says what it installs; fails
# with a message when apt cannot.
debian_install() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	echo "installing ${missing[*]}"
	local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -qq)
	[ "$(id -u)" = 0 ] || apt=(sudo "${apt[@]}")
	"${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
		{ "${apt[@]}" update && "${apt[@]}" install -y --no-install-recommends \
			"${missing[@]}" >/dev/null; } || {
		echo "cannot install ${missing[*]}" >&2
		return 1
	}
}
