# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for pcirstctl(8): commands, options and the PCI functions of
# this host. Commands and options are read from pcirstctl's own --help, so they
# cannot drift from the program; functions from /sys/bus/pci/devices (below
# --sysfs-root or $PCIRST_SYSFS_ROOT when given).

# The options of the help text's option table (indented lines starting "-").
_pcirstctl_help_options()
{
	"$1" "${@:2}" --help 2>/dev/null | grep -E '^ +-' |
		grep -oE '(^|[ ,])--?[A-Za-z][A-Za-z-]*' | sed 's/^[ ,]*//' | sort -u
}

# Command names: the indented first words under "Commands:" in --help.
_pcirstctl_help_commands()
{
	"$1" "${@:2}" --help 2>/dev/null |
		sed -n '/^Commands:/,/^$/p' | grep -oE '^  [a-z][a-z-]*' | tr -d ' ' |
		sort -u
}

_pcirstctl_sbdfs()
{
	local root=$1 d
	for d in "${root%/}"/sys/bus/pci/devices/*; do
		[ -e "$d" ] && printf '%s\n' "${d##*/}"
	done
}

_pcirstctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local prog=${COMP_WORDS[0]} root=${PCIRST_SYSFS_ROOT:-/} i w
	local -a cmd=()
	COMPREPLY=()

	# The global options, then the command and its subcommand (policy ...).
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--sysfs-root)
			root=${COMP_WORDS[i + 1]}
			((i++))
			;;
		--sysfs-root=*) root=${w#*=} ;;
		-*) ;;
		*)
			if [ ${#cmd[@]} -eq 0 ]; then
				cmd=("$w")
			elif [ ${#cmd[@]} -eq 1 ] && [ "${cmd[0]}" = policy ]; then
				cmd+=("$w")
			fi
			;;
		esac
	done

	case $prev in
	--sysfs-root | --policy-dir | --journal-dir)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return
		;;
	-m | --method)
		mapfile -t COMPREPLY < <(compgen -W "flr af-flr pm bus kernel pciback" -- "$cur")
		return
		;;
	-r | --reason)
		mapfile -t COMPREPLY < <(compgen -W "attach detach manual" -- "$cur")
		return
		;;
	-o | --option)
		mapfile -t COMPREPLY < <(compgen -W "no-strict-reset no-reset" -- "$cur")
		return
		;;
	-d | --domid | -t | --timeout | -n | --recent | --since | --base)
		return
		;;
	esac

	if [ ${#cmd[@]} -eq 0 ]; then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$(_pcirstctl_help_options "$prog")" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$(_pcirstctl_help_commands "$prog")" -- "$cur")
		fi
		return
	fi
	if [ "${cmd[0]}" = policy ] && [ ${#cmd[@]} -eq 1 ] && [[ $cur != -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_pcirstctl_help_commands "$prog" policy)" -- "$cur")
		return
	fi
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_pcirstctl_help_options "$prog" "${cmd[@]}")" -- "$cur")
		return
	fi
	case ${cmd[*]} in
	probe | reset | request | "policy explain")
		mapfile -t COMPREPLY < <(compgen -W "$(_pcirstctl_sbdfs "$root")" -- "$cur")
		;;
	"policy check" | "policy from-qubes")
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		;;
	esac
}
complete -F _pcirstctl pcirstctl
