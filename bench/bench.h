/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcirst-bench: performance figures of pcirstd measured side by side in one
 * run, on a simulated device tree with a real, hypervisor-less xenstored
 * (tests/xenstored) and the real pcirstd binary. docs/performance.md says
 * what each figure means and keeps the latest table.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "util.h"

static inline uint64_t now_nsec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- Samples and the table (stats.c) ---- */

struct samples {
	double *v; /* microseconds */
	unsigned n, cap;
};

void samples_add(struct samples *s, double usec);
void samples_clear(struct samples *s);
double samples_quantile(struct samples *s, double q); /* sorts; 0 when empty */

/* One row: the figure, median and p99 (or one value), a ratio or note, the target. */
void table_header(bool quick);
void table_row(const char *figure, const char *median, const char *p99, const char *ratio,
	       const char *target);
/* Formats microseconds as "123 µs" or "1.23 ms". */
const char *fmt_usec(char *buf, size_t size, double usec);
_printf_(1, 2) void bench_fail(const char *fmt, ...);
extern unsigned bench_errors;

/* ---- The simulated tree and policy files (sim.c) ---- */

#define BENCH_DEVICES_MAX 65 /* the zero-wait device and 64 FLR devices */

/* Endpoint i's address: 0000:<i+1>:00.0, FLR-capable, bound to pciback, never enabled. */
void bench_sbdf(unsigned i, char buf[static 16]);
/* Writes n endpoints (each behind its own root port) under dir/root. */
int bench_tree(const char *dir, unsigned n);
/*
 * Writes dir/policy/50-bench.json: the zero-wait device (endpoint 0) reset by
 * the kernel's "reset" attribute only (a file write on the tree), plus
 * n_rules rules for other devices (distinct vendor/device pairs).
 */
int bench_policy_file(const char *path, unsigned n_rules, bool zero_wait);

/* ---- The daemon (daemon.c) ---- */

struct bench_daemon {
	pid_t pid;
	double ready_usec;	   /* exec to READY=1 */
	const char *callgrind_out; /* run under valgrind --tool=callgrind, writing this file */
	const char *binary;	   /* pcirstd to run; NULL: $PCIRSTD */
};

/* Starts pcirstd on dir/root with the given policy directories; waits for READY=1. */
int daemon_start(struct bench_daemon *d, const char *dir, const char *const *policy_dirs,
		 unsigned n_dirs);
void daemon_stop(struct bench_daemon *d);
/*
 * A size from /proc/<pid>/status in KiB: "VmRSS" (everything resident,
 * shared library pages included) or "RssAnon" (the daemon's own memory);
 * and the context switches of all threads.
 */
long daemon_rss_kib(pid_t pid, const char *key);
long daemon_ctxt_switches(pid_t pid);

/* ---- Client side and requests over xenstore (client.c) ---- */

struct xs_handle;
/* One request written in a transaction; returns µs from written to response "done". */
int client_request(struct xs_handle *h, const char *sbdf, double *written_to_done,
		   unsigned *duration_ms, char *result, size_t result_size);
/*
 * n requests to n devices at once; total µs from the first written to the
 * last done, µs from the first written to the last written, and the longest
 * duration-ms among the responses.
 */
int client_parallel(struct xs_handle *h, unsigned n, double *total, double *writing,
		    unsigned *longest_ms);

/* ---- Figures (figures.c, policy-bench.c) ---- */

struct bench_opts {
	bool quick;
	unsigned idle_seconds;
	unsigned requests; /* for memory after requests */
	unsigned reps;	   /* latency samples */
	const char *work;  /* the temporary directory */
	const char *shipped_policy;
};

void bench_policy_match(const struct bench_opts *o);
void bench_startup(const struct bench_opts *o);
void bench_daemon_figures(const struct bench_opts *o);
/* The daemon's instructions per request under callgrind (instr.c); the load does not change them.
 */
void bench_instructions(const struct bench_opts *o, const char *policy_dir);
/* A policy directory under o->work with the zero-wait rule and n more rules (figures.c). */
int bench_policy_dir(const struct bench_opts *o, const char *name, unsigned n, char *dir,
		     size_t size);
