#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The dom0 bench (docs/performance.md, "In the Xen dom0"), run by /init:
# with N repetitions (pcirst.reps=, 5 by default) in mode bench (tools/dev.sh
# bench --dom0), and with one before cases.sh in mode test, where only its
# errors count, never its times.
#
# For the same device in the same boot, method for method, each repetition
# in turn: the kernel's sysfs `reset` with `reset_method` forced to the
# method (what libxl does today), the engine directly (`pcirstctl reset
# --method M --json`: the process, and the engine's own duration and phases
# from its trail), and a request through pcirstd (the `pcirstctl request`
# process, and the daemon's own DURATION_USEC and phases from its audit
# entry); then 4 independent devices reset at once through pcirstd against
# one after another (libxl's serial baseline). Prints a Markdown table on
# lines "PCIRST-SYSTEST bench …"; times in ms, ratios against the kernel.
reps=${1:-5}
. /lib.sh
D=/tmp/bench
P=/tmp/bench.d
rm -rf $D $P
mkdir -p $D $P

# Row: name, device, the method (the kernel's reset_method and the engine's),
# what the table calls the method and the device.
ROWS="flr-virtio 0000:01:00.0 flr FLR 01:00.0_virtio-net
flr-nvme 0000:02:00.0 flr FLR 02:00.0_nvme
pm-e1000e 0000:07:00.0 pm PM 07:00.0_e1000e
bus-port 0000:07:00.0 bus bus,_PCIe_root_port_00:15.0 07:00.0_e1000e
bus-conv 0000:09:01.0 bus bus,_PCI_bridge_00:18.0 09:01.0_rtl8139"
PAR="0000:03:00.0 0000:07:00.0 0000:08:00.0 0000:0b:00.0"
plan $((5 * 4 + 3))

sec() { sed -n '$p' "$1" | cut -d' ' -f"$2"; } # timeit's "USEC STATUS" line
# Step timings of a trail (pretty or plain JSON): "INDEX NAME USEC" per step,
# then "0 outside-steps USEC": the trail's duration that no step accounts for
# (preparing the attempt: the device's sysfs, its bridge, safety checks).
steps() {
	tr -d ' \n' | grep -o '"usec":[0-9]*\|"name":"[a-z0-9-]*","usec":[0-9]*' |
		sed 's/"name":"\([^"]*\)","usec":\([0-9]*\)/\1 \2/; s/"usec":\([0-9]*\)/- \1/' |
		awk 'NR == 1 { total = $2; next } $1 != "-" { n++; print n, $0; sum += $2 }
			END { if (NR) print 0, "outside-steps", total - sum }'
}
trail_usec() { tr -d ' \n' | grep -o '"usec":[0-9]*' | head -1 | cut -d: -f2; }

# The policy of the bench's pcirstd: RULES is "SBDF METHOD" lines; reloaded
# with SIGHUP, waited for in its log.
policy() {
	local n
	echo "$1" | awk 'BEGIN { print "{ \"rules\": [" }
		NF == 2 { printf "%s{ \"match\": { \"sbdf\": \"%s\" }, \"policy\": \"strict\", \"methods\": [\"%s\"] }\n", (n++ ? "," : ""), $1, $2 }
		END { print "] }" }' >$P/50-bench.json
	[ -n "${dpid:-}" ] || return 0
	n=$(grep -c 'policy reloaded' /tmp/bench-pcirstd.log)
	kill -HUP "$dpid"
	for i in $(seq 100); do
		[ "$(grep -c 'policy reloaded' /tmp/bench-pcirstd.log)" -gt "$n" ] && return 0
		usleep 50000
	done
	say "bench: error: pcirstd did not reload its policy"
}

# The newest K audit entries for SBDF with a duration: "DURATION_USEC TRAIL"
# per entry, oldest first, once journald has at least K of them after BEFORE.
entries() { # sbdf before k
	local n
	for i in $(seq 50); do
		n=$(journalctl --no-pager -o export SYSLOG_IDENTIFIER=pcirstd PCI_SBDF="$1" | grep -c '^DURATION_USEC=')
		[ "$n" -ge $(($2 + $3)) ] && break
		usleep 100000
	done
	journalctl --no-pager -o export SYSLOG_IDENTIFIER=pcirstd PCI_SBDF="$1" | awk '
		/^__CURSOR=/ { d = ""; t = "" }
		/^DURATION_USEC=/ { d = substr($0, 15) }
		/^RESET_TRAIL=/ { t = substr($0, 13) }
		/^$/ { if (d != "") print d, t; d = "" }
		END { if (d != "") print d, t }' | tail -n "$3"
}
nentries() {
	journalctl --no-pager -o export SYSLOG_IDENTIFIER=pcirstd PCI_SBDF="$1" | grep -c '^DURATION_USEC='
}

# Median and p99 (nearest rank: the maximum below 100 samples) of a file of µs.
stat2() {
	sort -n "$1" | awk '{ a[NR] = $1 } END {
		if (NR == 0) { print "- -"; exit }
		m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		r = int(NR * 0.99); if (r < NR * 0.99) r++
		print m, a[r] }'
}
ms() { awk -v u="$1" 'BEGIN { if (u == "-") print "-"; else printf "%.1f ms", u / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f×", a / b }'; }
# Median per step over the repetitions, in trail order: "name 1.2, …".
phases() { # file of "INDEX NAME USEC"
	[ -s "$1" ] || { echo "-"; return; }
	awk '{ k = $1 " " $2; v[k] = v[k] " " $3; if (!(k in seen)) { seen[k] = 1; o[++n] = k } }
		END { for (i = 1; i <= n; i++) {
			c = split(v[o[i]], x, " "); for (p = 1; p <= c; p++) for (q = p + 1; q <= c; q++)
				if (x[q] < x[p]) { t = x[p]; x[p] = x[q]; x[q] = t }
			m = c % 2 ? x[(c + 1) / 2] : (x[c / 2] + x[c / 2 + 1]) / 2
			split(o[i], nm, " "); printf "%s%s %.1f", (i > 1 ? ", " : ""), nm[2], m / 1000 } }' "$1"
}

policy ""
echo "$ROWS" >$D/rows
t_start=$(uptime_ms)
say "bench dom0: Linux $(uname -r), Xen $(cat /sys/hypervisor/version/major).$(cat /sys/hypervisor/version/minor)$(cat /sys/hypervisor/version/extra), $(grep -c ^processor /proc/cpuinfo) vCPU, $reps repetitions"
pcirstd --policy-dir $P --log-level info 2>/tmp/bench-pcirstd.log &
dpid=$!
for i in $(seq 100); do
	[ "$(xenstore-read $BASE/daemon/state 2>/dev/null)" = ready ] &&
		[ "$(xenstore-read $BASE/daemon/pid 2>/dev/null)" = $dpid ] && break
	usleep 50000
done
check bench "pcirstd ready" "$(xenstore-read $BASE/daemon/state 2>/dev/null)" ready

# The client process alone: what every pcirstctl run below pays before it acts.
for i in $(seq "$reps"); do
	timeit run pcirstctl --version >/dev/null 2>$D/err
	sec $D/err 1 >>$D/client
done

# (fd 3: the commands in the loop may read their standard input)
while read -r row sbdf m mname dname <&3; do
	dev=/sys/bus/pci/devices/$sbdf
	policy "$sbdf $m"
	orig=$(cat $dev/reset_method)
	echo "$m" >$dev/reset_method || say "bench $row: error: reset_method $m refused (has: $orig)"
	before=$(nentries "$sbdf")
	kok=0 eok=0 dok=0
	for i in $(seq "$reps"); do
		timeit write $dev/reset 1 2>$D/err
		sec $D/err 1 >>$D/$row.kernel
		[ "$(sec $D/err 2)" = 0 ] && kok=$((kok + 1))

		timeit run pcirstctl reset "$sbdf" --method "$m" --json >$D/json 2>$D/err
		rc=$(sec $D/err 2)
		sec $D/err 1 >>$D/$row.engwall
		trail_usec <$D/json >>$D/$row.engine
		steps <$D/json >>$D/$row.esteps
		# QEMU 7.2's D3hot->D0 resets nothing: the engine finds PM ineffective.
		if [ "$rc" = 0 ] || { [ "$m" = pm ] && [ "$rc" = 1 ] &&
			tr -d ' \n' <$D/json | grep -q '"outcome":"ineffective"'; }; then
			eok=$((eok + 1))
		else
			say "bench $row: engine exit $rc: $(tr -d '\n' <$D/json | cut -c1-300)"
		fi

		timeit run pcirstctl request "$sbdf" --reason manual >$D/out 2>$D/err
		sec $D/err 1 >>$D/$row.dwall
		res=$(sed -n 's/^result: *//p' $D/out)
		if [ "$res" = ok ] || { [ "$m" = pm ] && [ "$res" = failed ]; }; then
			dok=$((dok + 1))
		else
			say "bench $row: request: $(tr '\n' ' ' <$D/out) $(head -3 $D/err | tr '\n' ' ')"
		fi
	done
	echo "$orig" >$dev/reset_method
	check "bench $row" "reset_method restored" "$(cat $dev/reset_method)" "$orig"
	entries "$sbdf" "$before" "$reps" >$D/entries
	cut -d' ' -f1 $D/entries >$D/$row.daemon
	cut -d' ' -f2- $D/entries | while read -r t; do echo "$t" | steps; done >$D/$row.dsteps
	# A PM request may fail only for the reason above.
	if grep '"verdict":"failed"' $D/entries | grep -qv '"outcome":"ineffective"'; then
		say "bench $row: a request failed for another reason: $(grep '"verdict":"failed"' $D/entries | head -1 | cut -c1-300)"
		dok=0
	fi
	check "bench $row" "kernel sysfs resets (reset_method $m) that returned 0" $kok "$reps"
	check "bench $row" "engine resets by $m as expected (PM: ok, or ineffective on QEMU 7.2)" $eok "$reps"
	check "bench $row" "requests answered as expected, each with an audit entry" \
		"$dok $(wc -l <$D/entries)" "$reps $reps"
done 3<$D/rows

# 4 independent devices (each alone behind its own root port), bus reset
# through pcirstd: all at once, and one after another as libxl does.
policy "$(for s in $PAR; do echo "$s bus"; done)"
cat >$D/par.sh <<'SH'
for s; do pcirstctl request "$s" --reason manual >/tmp/bench/res.$s 2>&1 & done
wait
SH
cat >$D/ser.sh <<'SH'
for s; do pcirstctl request "$s" --reason manual >/tmp/bench/res.$s 2>&1; done
SH
pok=0
for i in $(seq "$reps"); do
	for how in par ser; do
		timeit run sh $D/$how.sh $PAR 2>$D/err
		sec $D/err 1 >>$D/$how
		# The daemon's own durations (ms): the longest, and their sum.
		sed -n 's/^duration: *\([0-9]*\).*/\1/p' $D/res.* | sort -n | tail -1 >>$D/$how.max
		sed -n 's/^duration: *\([0-9]*\).*/\1/p' $D/res.* | awk '{ s += $1 } END { print s }' >>$D/$how.sum
		n=$(cat $D/res.* | grep -c '^result: *ok')
		[ "$n" = 4 ] && pok=$((pok + 1)) || say "bench parallel ($how): $(cat $D/res.* | tr '\n' ' ')"
		rm -f $D/res.*
	done
done
check "bench parallel" "runs in which all 4 requests were answered ok" $pok $((2 * reps))
kill -TERM $dpid
wait $dpid
check "bench" "pcirstd exit status after SIGTERM" $? 0

# The table.
set -- $(stat2 $D/client)
say "bench client process start (pcirstctl --version): median $(ms $1), p99 $(ms $2)"
say "bench "
say "bench | method | device | way | median | p99 (max below 100) | × kernel, median | × kernel, p99 |"
say "bench |---|---|---|---|---|---|---|"
while read -r row sbdf m mname dname; do
	set -- $(stat2 $D/$row.kernel)
	km=$1 kp=$2
	first="$(echo "$mname" | tr _ ' ') | $(echo "$dname" | tr _ ' ')"
	for w in kernel engine engwall daemon dwall; do
		case $w in
		kernel) way="kernel: sysfs reset, reset_method $m" ;;
		engine) way="engine: its own duration (trail)" ;;
		engwall) way="engine: the pcirstctl reset process" ;;
		daemon) way="daemon: its own DURATION_USEC" ;;
		dwall) way="daemon: request→done, the pcirstctl request process" ;;
		esac
		set -- $(stat2 $D/$row.$w)
		say "bench | $first | $way | $(ms $1) | $(ms $2) | $(ratio $1 $km) | $(ratio $2 $kp) |"
		first=" | "
	done

	say "bench |  |  | engine's phases, median (ms) | $(phases $D/$row.esteps) ||||"
	say "bench |  |  | daemon's phases, median (ms) | $(phases $D/$row.dsteps) ||||"
done <$D/rows
set -- $(stat2 $D/par) $(stat2 $D/ser)
say "bench "
say "bench 4 devices (bus reset, each behind its own root port) through pcirstd, 4 pcirstctl request processes: at once median $(ms $1), p99 $(ms $2); one after another median $(ms $3), p99 $(ms $4); serial/parallel $(ratio $3 $1) (median), $(ratio $4 $2) (p99)"
set -- $(stat2 $D/par.max) $(stat2 $D/par.sum) $(stat2 $D/ser.max) $(stat2 $D/ser.sum)
say "bench the daemon's own durations (duration-ms), medians: at once the longest $1 ms, their sum $3 ms; one after another the longest $5 ms, their sum $7 ms"
say "bench took $((($(uptime_ms) - t_start) / 1000)) s in the dom0"
finish
