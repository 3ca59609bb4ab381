/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcirst-bench [--quick] [--idle-seconds N] [--requests N]: prints pcirstd's performance
 * table (docs/performance.md). Needs the real pcirstd and a real xenstored;
 * CMake builds the defaults of their paths in, the environment overrides
 * them (PCIRSTD, PCIRST_XENSTORED, PCIRST_XS_SHIM, PCIRST_SHIPPED_POLICY);
 * PCIRSTD_BASELINE names another pcirstd measured beside it (instr.c).
 * --quick is CI's short run: it fails (exit 1) on errors only, never on a
 * figure; exit 77 when xenstored is unavailable.
 */
#include <getopt.h>
#include <stdlib.h>

#include "bench.h"
#include "xenstored-harness.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: pcirst-bench [--quick] [--idle-seconds N] [--requests N]\n");
}

static void default_env(const char *name, const char *value)
{
	if (!getenv(name) && value[0])
		setenv(name, value, 0);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {{"quick", no_argument, NULL, 'q'},
						{"idle-seconds", required_argument, NULL, 'i'},
						{"requests", required_argument, NULL, 'n'},
						{"help", no_argument, NULL, 'h'},
						{}};
	struct bench_opts o = {.idle_seconds = 60, .requests = 10000, .reps = 200};
	char work[] = "/tmp/pcirst-bench.XXXXXX";
	struct xsh *xs = NULL;
	const char *why;
	bool idle_set = false;
	unsigned requests = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'q':
			o.quick = true;
			break;
		case 'i':
			o.idle_seconds = (unsigned)strtoul(optarg, NULL, 10);
			idle_set = true;
			break;
		case 'n':
			requests = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (o.quick) {
		o.requests = 300;
		o.reps = 30;
		if (!idle_set)
			o.idle_seconds = 2;
	}
	if (requests >= 2)
		o.requests = requests;
	if (o.idle_seconds == 0)
		o.idle_seconds = 1;
	default_env("PCIRSTD", PCIRST_BENCH_PCIRSTD);
	default_env("PCIRST_XENSTORED", PCIRST_BENCH_XENSTORED);
	default_env("PCIRST_XS_SHIM", PCIRST_BENCH_XS_SHIM);
	default_env("PCIRST_SHIPPED_POLICY", PCIRST_BENCH_SHIPPED_POLICY);
	o.shipped_policy = getenv("PCIRST_SHIPPED_POLICY");
	if (xsh_available(&why) < 0) {
		fprintf(stderr, "pcirst-bench: skipped: %s\n", why);
		return 77;
	}
	if (!mkdtemp(work)) {
		perror("pcirst-bench: mkdtemp");
		return 1;
	}
	o.work = work;
	r = bench_tree(work, BENCH_DEVICES_MAX);
	if (r < 0) {
		fprintf(stderr, "pcirst-bench: cannot write the tree: %s\n", strerror(-r));
		return 1;
	}
	r = xsh_start(&xs);
	if (r < 0) {
		fprintf(stderr, "pcirst-bench: cannot start xenstored: %s\n", strerror(-r));
		return 1;
	}
	table_header(o.quick);
	bench_policy_match(&o);
	bench_startup(&o);
	bench_daemon_figures(&o);
	/* valgrind cannot run a sanitizer build's pcirstd. */
	if (strcmp(PCIRST_BUILD_TYPE, "Sanitize") != 0) {
		char dir[512];

		if (bench_policy_dir(&o, "instructions", 0, dir, sizeof(dir)) == 0)
			bench_instructions(&o, dir);
	} else {
		table_row("daemon instructions per zero-wait request", "", "",
			  "not measured: a sanitizer build", "");
	}
	xsh_stop(xs);
	if (bench_errors == 0) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", work);
		(void)!system(cmd);
	} else {
		fprintf(stderr, "pcirst-bench: %u errors; files kept in %s\n", bench_errors, work);
	}
	return bench_errors ? 1 : 0;
}
