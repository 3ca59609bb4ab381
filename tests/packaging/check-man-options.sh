#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every option a program's --help lists is documented in its man page, under
# the right command, and the man page documents no option --help does not
# list. The man sources are docs/pcirstd.md and docs/pcirstctl.md: their
# option terms are definition-list lines starting with `-. The built pages
# must contain each option too.
# usage: check-man-options.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
src=$1 build=$2
pcirstd=$build/daemon/pcirstd pcirstctl=$build/tools/pcirstctl
fails=0 checks=0

# The option table of a --help text: indented lines starting with "-".
help_options() {
	"$@" --help 2>/dev/null | grep -E '^ +-' | grep -oE '(^|[ ,])--?[A-Za-z][A-Za-z-]*' |
		sed 's/^[ ,]*//' | sort -u
}

# The option terms of one section of a Markdown man source: from the heading
# that is exactly HEADING to the next heading of the same or a higher level.
md_options() { # file heading
	awk -v h="$2" '
		BEGIN { lvl = length(h) - length(substr(h, index(h, " "))) }
		$0 == h { on = 1; next }
		on && /^#+ / { l = index($0, " ") - 1; if (l <= lvl) exit }
		on && /^`-/ { print }' "$1" |
		grep -oE '`[^`]*`' | grep -oE '(^|[` ,])--?[A-Za-z][A-Za-z-]*' | sed 's/^[` ,]*//' |
		sort -u
}

compare() { # what help-options md-options
	local what=$1 help=$2 md=$3 o
	checks=$((checks + 1))
	if [ -z "$help" ]; then
		echo "FAIL: $what: --help lists no options"
		fails=$((fails + 1))
		return
	fi
	for o in $(comm -23 <(printf '%s\n' "$help") <(printf '%s\n' "$md")); do
		echo "FAIL: $what: $o is in --help but not in the man page"
		fails=$((fails + 1))
	done
	for o in $(comm -13 <(printf '%s\n' "$help") <(printf '%s\n' "$md")); do
		echo "FAIL: $what: $o is in the man page but not in --help"
		fails=$((fails + 1))
	done
}

rendered() { MANWIDTH=200 man -l "$1" 2>/dev/null | col -b; }
in_page() { # page options...
	local page=$1 text o
	text=$(rendered "$page")
	shift
	for o in "$@"; do
		checks=$((checks + 1))
		grep -qe "$o" <<<"$text" || {
			echo "FAIL: ${page##*/} does not show $o"
			fails=$((fails + 1))
		}
	done
}

compare "pcirstd" "$(help_options "$pcirstd")" "$(md_options "$src/docs/pcirstd.md" "## OPTIONS")"
in_page "$build/man/pcirstd.8" $(help_options "$pcirstd")

compare "pcirstctl" "$(help_options "$pcirstctl")" \
	"$(md_options "$src/docs/pcirstctl.md" "## OPTIONS")"
all=$(help_options "$pcirstctl")
for cmd in probe reset request status "policy check" "policy explain" "policy from-qubes" \
	"policy suggest"; do
	# shellcheck disable=SC2086
	h=$(help_options "$pcirstctl" $cmd)
	compare "pcirstctl $cmd" "$h" "$(md_options "$src/docs/pcirstctl.md" "### $cmd")"
	all+=$'\n'$h
done
# Every command has its section, and the man page has no command --help lacks.
sections=$(grep -E '^### ' "$src/docs/pcirstctl.md" | sed 's/^### //' | sort)
commands=$(printf '%s\n' probe reset request status "policy check" "policy explain" \
	"policy from-qubes" "policy suggest" | sort)
listed=$( (
	"$pcirstctl" --help | sed -n '/^Commands:/,/^$/p' | grep -oE '^  [a-z-]+' | tr -d ' ' |
		grep -vx policy
	"$pcirstctl" policy --help | sed -n '/^Commands:/,/^$/p' | grep -oE '^  [a-z-]+' |
		sed 's/^ */policy /'
) | sort)
checks=$((checks + 2))
[ "$sections" = "$commands" ] || {
	echo "FAIL: pcirstctl.md command sections: $(echo $sections) (expected $(echo $commands))"
	fails=$((fails + 1))
}
[ "$listed" = "$commands" ] || {
	echo "FAIL: pcirstctl --help lists $(echo $listed) (expected $(echo $commands))"
	fails=$((fails + 1))
}
# shellcheck disable=SC2046
in_page "$build/man/pcirstctl.8" $(printf '%s\n' "$all" | sort -u)

echo "man pages and --help: $((checks - fails)) of $checks checks passed"
[ $fails -eq 0 ]
