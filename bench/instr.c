/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the machine's load does not change: the daemon's instructions per
 * request, counted by callgrind over all its threads (the difference between
 * a run with n zero-wait requests and one with none, divided by n). With
 * PCIRSTD_BASELINE naming another pcirstd (an older build), the same count
 * and the zero-wait overhead of that binary are measured beside this one's,
 * alternating between the two so that the load weighs on both alike.
 */
#include <stdlib.h>
#include <xenstore.h>

#include "bench.h"

#define ZERO_WAIT "0000:01:00.0"

/* The "summary:" (or "totals:") line of a callgrind profile: instructions executed. */
static double callgrind_total(const char *file)
{
	char line[512];
	double v = -1;
	FILE *f = fopen(file, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "summary:", 8) || (v < 0 && !strncmp(line, "totals:", 7)))
			v = strtod(strchr(line, ':') + 1, NULL);
	fclose(f);
	return v;
}

/* Starts binary (under callgrind when cg_out), sends n zero-wait requests, stops it. */
static int run(const struct bench_opts *o, const char *binary, const char *cg_out,
	       const char *const *dirs, unsigned n, struct samples *lat)
{
	struct bench_daemon d = {.binary = binary, .callgrind_out = cg_out};
	struct xs_handle *h;
	int r = 0;

	if (daemon_start(&d, o->work, dirs, 2) < 0)
		return -EIO;
	h = xs_open(0);
	for (unsigned i = 0; h && r == 0 && i < n; i++) {
		char result[32];
		unsigned ms;
		double t;

		r = client_request(h, ZERO_WAIT, &t, &ms, result, sizeof(result));
		if (r == 0 && !streq(result, "ok"))
			r = -EIO;
		if (r == 0 && lat)
			samples_add(lat, t);
	}
	if (!h)
		r = -errno;
	else
		xs_close(h);
	daemon_stop(&d);
	if (r < 0)
		bench_fail("%s: zero-wait requests failed: %s", binary ? binary : "pcirstd",
			   strerror(-r));
	return r;
}

/* Instructions per request: (with n requests - with none) / n; -1 on failure. */
static double per_request(const struct bench_opts *o, const char *binary, const char *const *dirs,
			  unsigned n)
{
	char out0[600], out1[600];
	double i0, i1;

	snprintf(out0, sizeof(out0), "%s/callgrind-0.out", o->work);
	snprintf(out1, sizeof(out1), "%s/callgrind-n.out", o->work);
	if (run(o, binary, out0, dirs, 0, NULL) < 0 || run(o, binary, out1, dirs, n, NULL) < 0)
		return -1;
	i0 = callgrind_total(out0);
	i1 = callgrind_total(out1);
	/* PCIRST_BENCH_KEEP=1: the profiles stay for callgrind_annotate (where the time goes). */
	if (getenv("PCIRST_BENCH_KEEP")) {
		char keep[620];

		/* Outside o->work, which is removed after a run without errors. */
		snprintf(keep, sizeof(keep), "/tmp/pcirst-bench-callgrind.%d.%s", (int)getpid(),
			 binary ? "baseline" : "pcirstd");
		rename(out1, keep);
		fprintf(stderr, "pcirst-bench: kept %s\n", keep);
	}
	unlink(out0);
	unlink(out1);
	if (i0 < 0 || i1 < 0) {
		bench_fail("no callgrind totals (%s)", binary ? binary : "pcirstd");
		return -1;
	}
	return (i1 - i0) / n;
}

void bench_instructions(const struct bench_opts *o, const char *policy_dir)
{
	const char *dirs[] = {o->shipped_policy, policy_dir};
	const char *base = getenv("PCIRSTD_BASELINE");
	const unsigned n = o->quick ? 20 : 200;
	char v[32], note[256], med[32], p99[32];
	double ir, ir_base = -1;

	if (system("valgrind --version >/dev/null 2>&1") != 0) {
		table_row("daemon instructions per zero-wait request", "", "",
			  "not measured: no valgrind", "");
		return;
	}
	ir = per_request(o, NULL, dirs, n);
	if (base && base[0])
		ir_base = per_request(o, base, dirs, n);
	if (ir < 0)
		return;
	snprintf(v, sizeof(v), "%.0f", ir);
	if (ir_base > 0)
		snprintf(note, sizeof(note),
			 "callgrind, all threads, %u requests; baseline %s: %.0f "
			 "(this one %.2f× of it)",
			 n, base, ir_base, ir / ir_base);
	else
		snprintf(note, sizeof(note),
			 "callgrind, all threads, %u requests (PCIRSTD_BASELINE=<pcirstd> for a "
			 "baseline beside it)",
			 n);
	table_row("daemon instructions per zero-wait request", v, "", note, "");
	if (!base || !base[0] || o->quick)
		return;

	/* The same overhead with both binaries, in alternating rounds. */
	struct samples mine = {0}, theirs = {0};

	for (unsigned round = 0; round < 5; round++)
		if (run(o, NULL, NULL, dirs, o->reps / 5 + 1, &mine) < 0 ||
		    run(o, base, NULL, dirs, o->reps / 5 + 1, &theirs) < 0)
			break;
	double m = samples_quantile(&mine, 0.5), t = samples_quantile(&theirs, 0.5);

	snprintf(note, sizeof(note), "baseline %s: median %s, p99 %s (this one %.2f× of it)", base,
		 fmt_usec(med, sizeof(med), t),
		 fmt_usec(p99, sizeof(p99), samples_quantile(&theirs, 0.99)), t > 0 ? m / t : 0);
	table_row("daemon overhead, zero-wait, beside the baseline (alternating rounds)",
		  fmt_usec(v, sizeof(v), m),
		  fmt_usec(med, sizeof(med), samples_quantile(&mine, 0.99)), note,
		  "< 1 ms, p99 < 5 ms");
	samples_clear(&mine);
	samples_clear(&theirs);
}
