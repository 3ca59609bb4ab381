/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The figures that need the real daemon: startup, overhead per request,
 * throughput, parallel vs serial, memory and idle wake-ups. One xenstored
 * (started by main.c) serves them all; each figure's comparison runs in the
 * same process, minutes apart at most, so the machine's load weighs on both
 * sides of a ratio alike.
 */
#include <stdlib.h>
#include <xenstore.h>

#include <pcirst/pcirst.h>

#include "bench.h"
#include "policy.h"

int bench_policy_dir(const struct bench_opts *o, const char *name, unsigned n, char *dir,
		     size_t size)
{
	char file[600];

	snprintf(dir, size, "%s/%s", o->work, name);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	snprintf(file, sizeof(file), "%s/50-bench.json", dir);
	return bench_policy_file(file, n, true);
}

void bench_startup(const struct bench_opts *o)
{
	/* Totals with the shipped quirks (30 rules today) and the zero-wait rule. */
	static const unsigned totals[] = {0, 1000, POLICY_RULES_MAX};
	const unsigned reps = o->quick ? 1 : 7;
	unsigned shipped = 0;
	double base = 0;

	{
		const char *dirs[] = {o->shipped_policy};
		struct policy *p = NULL;

		if (policy_load(dirs, 1, NULL, 0, NULL, &p) == 0)
			shipped = p->n_rules;
		policy_unref(p);
	}
	for (unsigned s = 0; s < ELEMENTSOF(totals); s++) {
		unsigned extra = totals[s] > shipped + 1 ? totals[s] - shipped - 1 : 0;
		char dir[512], name[32], fig[96], med[32], p99[32], ratio[64];
		struct samples smp = {0};

		snprintf(name, sizeof(name), "startup-%u", totals[s]);
		if (bench_policy_dir(o, name, extra, dir, sizeof(dir)) < 0) {
			bench_fail("cannot write the policy for %s", name);
			continue;
		}
		const char *dirs[] = {o->shipped_policy, dir};

		for (unsigned i = 0; i < reps; i++) {
			struct bench_daemon d = {0};

			if (daemon_start(&d, o->work, dirs, 2) < 0)
				break;
			samples_add(&smp, d.ready_usec);
			daemon_stop(&d);
		}
		double m = samples_quantile(&smp, 0.5);

		if (s == 0)
			base = m;
		snprintf(fig, sizeof(fig), "startup exec→READY, %u rules%s", shipped + 1 + extra,
			 s == 0 ? " (shipped quirks)" : "");
		snprintf(ratio, sizeof(ratio), "%.2f× shipped", base > 0 ? m / base : 0);
		table_row(fig, fmt_usec(med, sizeof(med), m),
			  fmt_usec(p99, sizeof(p99), samples_quantile(&smp, 0.99)), ratio,
			  totals[s] == 1000 ? "< 50 ms" : "");
		samples_clear(&smp);
	}
}

/* n requests to one device, one after another; fills smp with written→done. */
static int serial(struct xs_handle *h, const char *sbdf, unsigned n, const char *want,
		  struct samples *smp, struct samples *engine)
{
	for (unsigned i = 0; i < n; i++) {
		char result[32];
		unsigned dur_ms;
		double t;
		int r = client_request(h, sbdf, &t, &dur_ms, result, sizeof(result));

		if (r < 0 || !streq(result, want)) {
			bench_fail("request for %s: %s (result %s, expected %s)", sbdf,
				   r < 0 ? strerror(-r) : "answered", r < 0 ? "none" : result,
				   want);
			return -EIO;
		}
		samples_add(smp, t);
		if (engine)
			samples_add(engine, dur_ms * 1000.0);
	}
	return 0;
}

static void row_samples(const char *fig, struct samples *s, const char *note, const char *target)
{
	char med[32], p99[32];

	table_row(fig, fmt_usec(med, sizeof(med), samples_quantile(s, 0.5)),
		  fmt_usec(p99, sizeof(p99), samples_quantile(s, 0.99)), note, target);
}

/* libpcirst's connect, one request transaction and one watch registration. */
static void client_side(const struct bench_opts *o, struct xs_handle *h)
{
	struct samples conn = {0}, trans = {0}, watch = {0}, rtt = {0};
	unsigned n = o->reps;

	for (unsigned i = 0; i < n; i++) {
		struct pcirst *p = NULL;
		uint64_t t0 = now_nsec();

		if (pcirst_open(NULL, &p) < 0) {
			bench_fail("pcirst_open: %s", strerror(errno));
			break;
		}
		samples_add(&conn, (double)(now_nsec() - t0) / 1000);
		pcirst_close(p);

		t0 = now_nsec();
		free(xs_read(h, XBT_NULL, "/local/domain/0/pci-reset/daemon/state", NULL));
		samples_add(&rtt, (double)(now_nsec() - t0) / 1000);

		t0 = now_nsec();
		xs_transaction_t t = xs_transaction_start(h);
		bool ok = t != XBT_NULL;

		for (unsigned k = 0; ok && k < 3; k++)
			ok = xs_write(h, t, "/local/domain/0/bench/k", "v", 1);
		ok = ok && xs_transaction_end(h, t, false);
		samples_add(&trans, (double)(now_nsec() - t0) / 1000);

		t0 = now_nsec();
		ok = ok && xs_watch(h, "/local/domain/0/bench/w", "w");
		samples_add(&watch, (double)(now_nsec() - t0) / 1000);
		ok = ok && xs_unwatch(h, "/local/domain/0/bench/w", "w");
		if (!ok) {
			bench_fail("xenstore transaction or watch: %s", strerror(errno));
			break;
		}
		/* The watch's initial event. */
		for (char **ev; (ev = xs_check_watch(h));)
			free(ev);
	}
	row_samples("xenstore round trip (one xs_read)", &rtt,
		    "a request costs the daemon 5 of these (8 with a reset over 20 ms)", "");
	row_samples("client: libpcirst connect (pcirst_open)", &conn, "", "");
	row_samples("client: request transaction (3 writes)", &trans, "", "");
	row_samples("client: watch registration", &watch, "", "");
	samples_clear(&conn);
	samples_clear(&trans);
	samples_clear(&watch);
	samples_clear(&rtt);
}

/*
 * A whole request through libpcirst as a toolstack makes it: the liveness
 * transaction, the watch, the request's transaction, the wait, the reads of
 * the response, the unwatch and the two removals.
 */
static void libpcirst_request(const struct bench_opts *o, double daemon_median)
{
	struct pcirst_sbdf s;
	struct pcirst_request req = {.targets = &s, .n_targets = 1, .domid = 1, .reason = "manual"};
	struct samples all = {0};
	struct pcirst *p = NULL;
	char note[160], v[32];

	if (pcirst_sbdf_parse("0000:01:00.0", &s) < 0 || pcirst_open(NULL, &p) < 0)
		return bench_fail("libpcirst: cannot open");
	for (unsigned i = 0; i < o->reps; i++) {
		struct pcirst_result *res = NULL;
		uint64_t t0 = now_nsec();
		int r = pcirst_request_sync(p, &req, 10000, &res);

		if (r < 0 || pcirst_result_kind(res) != PCIRST_RESULT_OK) {
			bench_fail("pcirst_request_sync: %s", r < 0 ? strerror(-r) : "not ok");
			pcirst_result_free(res);
			break;
		}
		samples_add(&all, (double)(now_nsec() - t0) / 1000);
		pcirst_result_free(res);
	}
	pcirst_close(p);
	snprintf(note, sizeof(note),
		 "whole request, zero-wait device; the daemon's written→done (above) %s of it",
		 fmt_usec(v, sizeof(v), daemon_median));
	row_samples("client: libpcirst request (pcirst_request_sync)", &all, note, "");
	samples_clear(&all);
}

static void parallel_vs_serial(const struct bench_opts *o, struct xs_handle *h)
{
	static const unsigned counts[] = {1, 4, 16, 64};
	const unsigned reps = o->quick ? 1 : 5;
	double one = 0;

	for (unsigned c = 0; c < ELEMENTSOF(counts); c++) {
		unsigned n = counts[c];
		struct samples par = {0}, ser = {0}, wr = {0}, eng = {0};
		char fig[96], note[192], med[32], p99[32], s_med[32], w_med[32], e_med[32];

		for (unsigned k = 0; k < reps; k++) {
			struct samples one_by_one = {0};
			double total = 0, sum = 0, writing = 0;
			unsigned longest = 0;

			if (client_parallel(h, n, &total, &writing, &longest) < 0) {
				bench_fail("%u parallel requests failed", n);
				return;
			}
			samples_add(&par, total);
			samples_add(&wr, writing);
			samples_add(&eng, longest * 1000.0);
			for (unsigned i = 0; i < n; i++) {
				char sbdf[16];

				bench_sbdf(i + 1, sbdf);
				if (serial(h, sbdf, 1, "ok", &one_by_one, NULL) < 0)
					return;
			}
			for (unsigned i = 0; i < one_by_one.n; i++)
				sum += one_by_one.v[i];
			samples_add(&ser, sum);
			samples_clear(&one_by_one);
		}
		double m = samples_quantile(&par, 0.5), sm = samples_quantile(&ser, 0.5);

		if (n == 1)
			one = m;
		snprintf(fig, sizeof(fig), "FLR of %u device%s at once", n, n > 1 ? "s" : "");
		snprintf(note, sizeof(note),
			 "%.2f× one device; serial %s (%.1f× parallel); writing the requests %s, "
			 "longest duration-ms %s",
			 one > 0 ? m / one : 0, fmt_usec(s_med, sizeof(s_med), sm),
			 m > 0 ? sm / m : 0,
			 fmt_usec(w_med, sizeof(w_med), samples_quantile(&wr, 0.5)),
			 fmt_usec(e_med, sizeof(e_med), samples_quantile(&eng, 0.5)));
		table_row(fig, fmt_usec(med, sizeof(med), m),
			  fmt_usec(p99, sizeof(p99), samples_quantile(&par, 0.99)), note,
			  n == 16 ? "≤ 1.2× one device" : "");
		samples_clear(&par);
		samples_clear(&ser);
		samples_clear(&wr);
		samples_clear(&eng);
	}
}

static void idle_cost(const struct bench_opts *o, pid_t pid, const char *when)
{
	char fig[96], val[64], note[96];
	long before = daemon_ctxt_switches(pid), after;

	sleep(o->idle_seconds);
	after = daemon_ctxt_switches(pid);
	if (before < 0 || after < 0) {
		bench_fail("cannot read the daemon's context switches");
		return;
	}
	double per15 = (double)(after - before) * 15.0 / o->idle_seconds;

	snprintf(fig, sizeof(fig), "idle wake-ups over %u s (all threads), %s", o->idle_seconds,
		 when);
	snprintf(val, sizeof(val), "%ld", after - before);
	snprintf(note, sizeof(note), "%.1f per 15 s (WatchdogSec/2)", per15);
	table_row(fig, val, "", note, "≤ 1 per 15 s");
}

void bench_daemon_figures(const struct bench_opts *o)
{
	struct samples zero = {0}, flr = {0}, engine = {0}, over = {0};
	struct bench_daemon d = {0};
	char dir[512], fig[96], note[128], v1[32], v2[32];
	const char *dirs[2] = {o->shipped_policy, dir};
	struct xs_handle *h;
	long rss_idle, rss_after, anon_idle, anon_after, anon_half = 0;
	usec_t t0;

	if (bench_policy_dir(o, "daemon", 0, dir, sizeof(dir)) < 0 ||
	    daemon_start(&d, o->work, dirs, 2) < 0)
		return bench_fail("cannot start the daemon");
	h = xs_open(0);
	if (!h) {
		daemon_stop(&d);
		return bench_fail("xs_open: %s", strerror(errno));
	}
	usleep(500 * 1000);
	rss_idle = daemon_rss_kib(d.pid, "VmRSS");
	anon_idle = daemon_rss_kib(d.pid, "RssAnon");
	idle_cost(o, d.pid, "after start");

	/* Overhead: a zero-wait reset is all daemon; an FLR's engine time is subtracted. */
	if (serial(h, "0000:01:00.0", o->reps, "ok", &zero, NULL) == 0 &&
	    serial(h, "0000:02:00.0", o->reps / 4 + 1, "ok", &flr, &engine) == 0) {
		for (unsigned i = 0; i < flr.n; i++)
			samples_add(&over, flr.v[i] - engine.v[i]);
		row_samples("daemon overhead: zero-wait reset, written→done", &zero,
			    "kernel 'reset' on the tree: no wait", "< 1 ms, p99 < 5 ms");
		snprintf(note, sizeof(note), "FLR written→done %s, engine (duration-ms) %s",
			 fmt_usec(v1, sizeof(v1), samples_quantile(&flr, 0.5)),
			 fmt_usec(v2, sizeof(v2), samples_quantile(&engine, 0.5)));
		row_samples("daemon overhead: FLR minus duration-ms (1 ms steps)", &over, note, "");
	}
	client_side(o, h);
	libpcirst_request(o, samples_quantile(&zero, 0.5));
	parallel_vs_serial(o, h);

	/*
	 * Throughput and memory: o->requests zero-wait requests one after
	 * another, in two halves; what the second half adds is the growth.
	 */
	struct samples many = {0};
	long rss_half = 0;
	int r = 0;

	t0 = now_usec();
	for (unsigned half = 0; r == 0 && half < 2; half++) {
		r = serial(h, "0000:01:00.0", o->requests / 2, "ok", &many, NULL);
		if (half == 0) {
			rss_half = daemon_rss_kib(d.pid, "VmRSS");
			anon_half = daemon_rss_kib(d.pid, "RssAnon");
		}
	}
	if (r == 0) {
		double secs = (double)(now_usec() - t0) / USEC_PER_SEC;

		snprintf(fig, sizeof(fig), "throughput, zero-wait device (%u requests)", many.n);
		snprintf(v1, sizeof(v1), "%.0f/s", many.n / secs);
		snprintf(note, sizeof(note), "one client, one request at a time; median %s",
			 fmt_usec(v2, sizeof(v2), samples_quantile(&many, 0.5)));
		table_row(fig, v1, "", note, "printed");
	}
	rss_after = daemon_rss_kib(d.pid, "VmRSS");
	anon_after = daemon_rss_kib(d.pid, "RssAnon");
	snprintf(v1, sizeof(v1), "%ld KiB", rss_idle);
	snprintf(note, sizeof(note),
		 "of which its own (RssAnon) %ld KiB, the rest shared libraries", anon_idle);
	table_row("memory RSS, idle", v1, "", note, "< 4 MiB");
	snprintf(fig, sizeof(fig), "memory RSS after %u requests", many.n);
	snprintf(v1, sizeof(v1), "%ld KiB", rss_after);
	snprintf(note, sizeof(note), "%+ld KiB since idle, %+ld KiB in the second %u",
		 rss_after - rss_idle, rss_after - rss_half, o->requests / 2);
	table_row(fig, v1, "", note, "< 4 MiB, no growth");
	snprintf(fig, sizeof(fig), "memory RssAnon after %u requests", many.n);
	snprintf(v1, sizeof(v1), "%ld KiB", anon_after);
	snprintf(note, sizeof(note), "%+ld KiB since idle, %+ld KiB in the second %u",
		 anon_after - anon_idle, anon_after - anon_half, o->requests / 2);
	table_row(fig, v1, "", note, "no growth");
	samples_clear(&many);
	if (!o->quick) {
		/* The clean-up's last round (10 s after the last request) finds nothing and stops.
		 */
		sleep(11);
		idle_cost(o, d.pid, "after the requests");
	}

	xs_close(h);
	daemon_stop(&d);
	samples_clear(&zero);
	samples_clear(&flr);
	samples_clear(&engine);
	samples_clear(&over);
}
