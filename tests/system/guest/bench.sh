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
# from its trail), and a request through pcirstd (written → done read inside
# one libpcirst client, the `pcirstctl request` process, and the daemon's own
# DURATION_USEC and phases from its audit entry); then 4 independent devices
# reset at once through pcirstd against one after another (libxl's serial
# baseline). Prints a Markdown table on lines "PCIRST-SYSTEST bench …".
#
# Processes are dear under TCG (a fork+exec costs tens of ms on a loaded
# host): samples go to files as "ROW WAY USEC" and "ROW KIND INDEX STEP USEC"
# (timeit -a, one awk per trail), and one awk makes the table at the end.
reps=${1:-5}
# One repetition (the system test's): no pcirstctl request processes and no
# serial half of the parallel run, whose code paths the rest already takes.
full=1
[ "$reps" -gt 1 ] || full=0
per=$((1 + full)) # requests per repetition and row
. /lib.sh
D=/tmp/bench
P=/tmp/bench.d
rm -rf $D $P
mkdir -p $D $P

# Row: name, device, the method (the kernel's reset_method and the engine's),
# what the table calls the method and the device.
cat >$D/rows <<'ROWS'
flr-virtio 0000:01:00.0 flr FLR 01:00.0_virtio-net
flr-nvme 0000:02:00.0 flr FLR 02:00.0_nvme
pm-e1000e 0000:07:00.0 pm PM 07:00.0_e1000e
bus-port 0000:07:00.0 bus bus,_PCIe_root_port_00:15.0 07:00.0_e1000e
bus-conv 0000:09:01.0 bus bus,_PCI_bridge_00:18.0 09:01.0_rtl8139
ROWS
PAR="0000:03:00.0 0000:07:00.0 0000:08:00.0 0000:0b:00.0"
plan $((5 * 4 + 3))

# A trail (pretty or plain JSON) → "ROW WAY USEC" (its duration) and per step
# "ROW KIND INDEX STEP USEC", then what no step accounts for: "job" (outside
# the attempts: the job's checks before the first, waking) and "attempt" (the
# attempts outside their steps: preparing, e.g. the bus's walk below its
# bridge). One trail per file, or per line with -v per_line=1.
cat >$D/trail.awk <<'AWK'
function parse(s,   first, total, att, sum, n, tok, v, name) {
	gsub(/[ \t]/, "", s)
	first = 1; att = 0; sum = 0; n = 0
	while (match(s, /"name":"[a-z0-9-]*","usec":[0-9]+|"usec":[0-9]+/)) {
		tok = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
		v = tok; sub(/.*"usec":/, "", v)
		if (tok ~ /^"name"/) {
			name = tok; sub(/^"name":"/, "", name); sub(/".*/, "", name)
			print row, kind, ++n, name, v >> steps; sum += v
		} else if (first) { total = v; first = 0; print row, way, v }
		else att += v
	}
	if (!first) { print row, kind, 0, "job", total - att >> steps; print row, kind, 0, "attempt", att - sum >> steps }
}
per_line { parse($0); next }
{ all = all $0 }
END { if (!per_line) parse(all) }
AWK

# The policy of the bench's pcirstd: "SBDF METHOD" lines, strict, only that
# method; reloaded with SIGHUP, waited for in its log.
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
# pcirstd's audit entries for SBDF: "DURATION_USEC TRAIL" each, oldest first.
entries() {
	journalctl --no-pager -o export SYSLOG_IDENTIFIER=pcirstd PCI_SBDF="$1" | awk '
		/^__CURSOR=/ { d = ""; t = "" }
		/^DURATION_USEC=/ { d = substr($0, 15) }
		/^RESET_TRAIL=/ { t = substr($0, 13) }
		/^$/ { if (d != "") print d, t; d = "" }
		END { if (d != "") print d, t }'
}
# The result of a pcirstctl request (its "result:" line), or of a benchreq
# ("request SBDF USEC RESULT MS"), read by the shell itself; benchreq's times
# are appended to the samples as ROW WAY.
result_of() { # file
	local k v rest
	while read -r k v rest; do [ "$k" = result: ] && echo "$v"; done <"$1"
}
benchreq_result() { # file row way
	local k a b c d
	while read -r k a b c d; do
		case $k in
		connect) echo "client connect $a" >>$D/samples ;;
		request) echo "$2 $3 $b" >>$D/samples && echo "$c" ;;
		esac
	done <"$1"
}

policy ""
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
	timeit -a $D/samples "client start" run pcirstctl --version >/dev/null 2>&1
done
[ "$reps" -gt 1 ] && strace -f -c -o $D/strace pcirstctl --version >/dev/null 2>&1 &&
	say "bench syscalls of pcirstctl --version (strace -c): $(awk '$NF == "total" { printf "%d calls, %.3f s in them", $4, $2 }' $D/strace); libraries it loads: $(LD_TRACE_LOADED_OBJECTS=1 /usr/lib64/ld-linux-x86-64.so.2 /usr/bin/pcirstctl | grep -c '=>')"

# (fd 3: the commands in the loop may read their standard input)
while read -r row sbdf m mname dname <&3; do
	dev=/sys/bus/pci/devices/$sbdf
	policy "$sbdf $m"
	orig=$(cat $dev/reset_method)
	echo "$m" >$dev/reset_method || say "bench $row: error: reset_method $m refused (has: $orig)"
	before=$(entries "$sbdf" | wc -l)
	kok=0 eok=0 dok=0
	for i in $(seq "$reps"); do
		timeit -a $D/samples "$row kernel" write $dev/reset 1 2>/dev/null && kok=$((kok + 1))

		timeit -a $D/samples "$row engwall" run pcirstctl reset "$sbdf" --method "$m" --json \
			>$D/json 2>/dev/null
		rc=$?
		awk -v row="$row" -v way=engine -v kind=esteps -v steps=$D/steps -f $D/trail.awk \
			$D/json >>$D/samples
		# QEMU 7.2's D3hot->D0 resets nothing: the engine finds PM ineffective.
		if [ "$rc" = 0 ] || { [ "$m" = pm ] && [ "$rc" = 1 ] &&
			grep -q '"outcome": *"ineffective"' $D/json; }; then
			eok=$((eok + 1))
		else
			say "bench $row: engine exit $rc: $(tr -d '\n' <$D/json | cut -c1-300)"
		fi

		benchreq "$sbdf" >$D/out 2>$D/err
		res=$(benchreq_result $D/out "$row" dreq)
		if [ "$res" = ok ] || { [ "$m" = pm ] && [ "$res" = failed ]; }; then
			dok=$((dok + 1))
		else
			say "bench $row: benchreq: $(tr '\n' ' ' <$D/out) $(head -3 $D/err | tr '\n' ' ')"
		fi

		[ "$full" = 1 ] || continue
		timeit -a $D/samples "$row dwall" run pcirstctl request "$sbdf" --reason manual \
			>$D/out 2>&1
		res=$(result_of $D/out)
		if [ "$res" = ok ] || { [ "$m" = pm ] && [ "$res" = failed ]; }; then
			dok=$((dok + 1))
		else
			say "bench $row: request: $(tr '\n' ' ' <$D/out)"
		fi
	done
	# Where the engine's time outside its steps goes: its system calls, once
	# (bench mode only: strace under TCG is slow).
	if [ "$reps" -gt 1 ]; then
		strace -f -c -o $D/strace pcirstctl reset "$sbdf" --method "$m" >/dev/null 2>&1
		say "bench syscalls $row (strace -c of one pcirstctl reset; calls, seconds in them): $(awk '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" { print $NF, $4, $2 }' $D/strace | sort -k2 -nr | head -6 | awk '{ printf "%s%s %d %.3f s", (NR > 1 ? ", " : ""), $1, $2, $3 }'); all: $(awk '$NF == "total" { printf "%d calls, %.3f s", $4, $2 }' $D/strace)"
	fi
	echo "$orig" >$dev/reset_method
	check "bench $row" "reset_method restored" "$(cat $dev/reset_method)" "$orig"
	# journald stores entries asynchronously: wait for this row's.
	for i in $(seq 50); do
		entries "$sbdf" >$D/entries
		[ "$(wc -l <$D/entries)" -ge $((before + per * reps)) ] && break
		usleep 100000
	done
	tail -n $((per * reps)) $D/entries >$D/mine
	cut -d' ' -f1 $D/mine | sed "s/^/$row daemon /" >>$D/samples
	cut -d' ' -f2- $D/mine | awk -v row="$row" -v way=- -v kind=dsteps -v steps=$D/steps \
		-v per_line=1 -f $D/trail.awk >/dev/null
	# A PM request may fail only for the reason above.
	if grep '"verdict":"failed"' $D/mine | grep -qv '"outcome":"ineffective"'; then
		say "bench $row: a request failed for another reason: $(grep '"verdict":"failed"' $D/mine | head -1 | cut -c1-300)"
		dok=0
	fi
	check "bench $row" "kernel sysfs resets (reset_method $m) that returned 0" $kok "$reps"
	check "bench $row" "engine resets by $m as expected (PM: ok, or ineffective on QEMU 7.2)" $eok "$reps"
	check "bench $row" "requests (libpcirst, pcirstctl) answered as expected, each with an audit entry" \
		"$dok $(($(wc -l <$D/entries) - before))" "$((per * reps)) $((per * reps))"
done 3<$D/rows

# 4 independent devices (each alone behind its own root port), bus reset
# through pcirstd from one client: all at once, and one after another as
# libxl does (one reset per pci-attach).
policy "$(for s in $PAR; do echo "$s bus"; done)"
pok=0
for i in $(seq "$reps"); do
	for how in par ser; do
		[ $how = par ] || [ "$full" = 1 ] || continue
		if [ $how = par ]; then benchreq --at-once $PAR; else benchreq $PAR; fi >$D/out 2>$D/err
		rc=$?
		n=0
		for r in $(benchreq_result $D/out $how request); do [ "$r" = ok ] && n=$((n + 1)); done
		while read -r k a b c d; do
			case $k in
			total) echo "$how total $a" >>$D/samples ;;
			request) echo "$how duration $((d * 1000))" >>$D/samples ;;
			esac
		done <$D/out
		if [ $rc = 0 ] && [ $n = 4 ]; then pok=$((pok + 1)); else
			say "bench parallel ($how): $(tr '\n' ' ' <$D/out) $(head -3 $D/err | tr '\n' ' ')"
		fi
	done
done
check "bench parallel" "runs in which all 4 requests were answered ok" $pok $((per * reps))
kill -TERM $dpid
wait $dpid
check "bench" "pcirstd exit status after SIGTERM" $? 0

# The table: median and p99 (nearest rank: the maximum below 100 samples).
awk -v reps="$reps" '
function sortv(k,   n, i, j, t) { n = split(v[k], x, " "); for (i = 2; i <= n; i++) { t = x[i]; for (j = i - 1; j >= 1 && x[j] + 0 > t + 0; j--) x[j + 1] = x[j]; x[j + 1] = t } return n }
function med(k,   n) { n = sortv(k); if (!n) return "-"; return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2 }
function p99(k,   n, r) { n = sortv(k); if (!n) return "-"; r = int(n * 0.99); if (r < n * 0.99) r++; return x[r] }
function ms(u) { return u == "-" ? "-" : sprintf("%.1f ms", u / 1000) }
function ratio(a, b) { return (a == "-" || b == "-" || b == 0) ? "-" : sprintf("%.2f×", a / b) }
function say(s) { print "PCIRST-SYSTEST bench " s }
function phases(k,   i, out, key, n) {
	out = ""
	for (i = 1; i <= norder[k]; i++) { key = k SUBSEP order[k, i]; v["ph"] = ph[key]; split(order[k, i], nm, " ")
		out = out (i > 1 ? ", " : "") sprintf("%s %.1f", nm[2], med("ph") / 1000) }
	return out == "" ? "-" : out
}
FILENAME ~ /rows$/ { rows[++nrows] = $1; dev[$1] = $5; meth[$1] = $4; rm[$1] = $3; next }
FILENAME ~ /samples$/ { v[$1 " " $2] = v[$1 " " $2] " " $3; next }
{ k = $1 " " $2; key = k SUBSEP $3 " " $4; if (!(key in ph)) order[k, ++norder[k]] = $3 " " $4; ph[key] = ph[key] " " $5 }
END {
	say(sprintf("client process start (pcirstctl --version): median %s, p99 %s; libpcirst connect: median %s, p99 %s", ms(med("client start")), ms(p99("client start")), ms(med("client connect")), ms(p99("client connect"))))
	say("")
	say("| method | device | way | median | p99 | × kernel, median | × kernel, p99 |")
	say("|---|---|---|---|---|---|---|")
	split("kernel engine engwall daemon dreq dwall", ways, " ")
	name["kernel"] = "kernel: sysfs reset, reset_method "; name["engine"] = "engine: its own duration (trail)"
	name["engwall"] = "engine: the pcirstctl reset process"; name["daemon"] = "daemon: its own DURATION_USEC"
	name["dreq"] = "daemon: request written→done read (libpcirst)"; name["dwall"] = "daemon: the pcirstctl request process"
	for (r = 1; r <= nrows; r++) {
		row = rows[r]; km = med(row " kernel"); kp = p99(row " kernel")
		first = meth[row] " | " dev[row]; gsub(/_/, " ", first)
		for (w = 1; w <= 6; w++) {
			k = row " " ways[w]; m = med(k); p = p99(k)
			say(sprintf("| %s | %s%s | %s | %s | %s | %s |", first, name[ways[w]], ways[w] == "kernel" ? rm[row] : "", ms(m), ms(p), ratio(m, km), ratio(p, kp)))
			first = " | "
		}
		say("|  |  | engine phases, median ms | " phases(row " esteps") " ||||")
		say("|  |  | daemon phases, median ms | " phases(row " dsteps") " ||||")
	}
	one = med("bus-port dreq")
	say("")
	say(sprintf("4 devices (bus reset, each alone below its root port), requests from one libpcirst client: at once median %s, p99 %s (%s one device: %s); one after another median %s, p99 %s; serial/parallel %s (median), %s (p99)", ms(med("par total")), ms(p99("par total")), ratio(med("par total"), one), ms(one), ms(med("ser total")), ms(p99("ser total")), ratio(med("ser total"), med("par total")), ratio(p99("ser total"), p99("par total"))))
	say(sprintf("the daemon'"'"'s own durations (duration-ms) of those requests: at once median %s, p99 %s; one after another median %s, p99 %s", ms(med("par duration")), ms(p99("par duration")), ms(med("ser duration")), ms(p99("ser duration"))))
}' $D/rows $D/samples $D/steps
say "bench took $((($(uptime_ms) - t_start) / 1000)) s in the dom0"
finish
