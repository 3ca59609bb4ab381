/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcirst-faults [--short] [--valgrind] [--markdown FILE]
 *
 * The fault table (tests/faults/README.md): runs every scenario against the
 * real pcirstd on the simulated tree and the tests' real xenstored, and
 * prints one row each, computed from what the client saw: requests sent,
 * answered ok / failed / refused / skipped, lost, answered twice, and
 * pcirstd crashes. A row fails on a lost or doubled answer, a crash, or a
 * result its scenario rules out; the exit status is then 1.
 *
 * --short: the flood has 1,000 requests (CI); the full table 10,000.
 * --valgrind: one more row, the daemon scenarios again with pcirstd under
 * valgrind memcheck (exit code 99 on any error or definite leak).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenarios.h"
#include "xenstored-harness.h"

#define ROWS_MAX 16

static void print_rows(FILE *f, const struct row *rows, unsigned n)
{
	fprintf(f, "| scenario | sent | ok | failed | refused | skipped | lost | twice | crashed "
		   "| pcirstd RSS KiB (start/peak/end) | verdict |\n");
	fprintf(f, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
	for (unsigned i = 0; i < n; i++) {
		const struct row *w = &rows[i];
		char rss[64] = "-";

		if (w->rss_peak_kb)
			snprintf(rss, sizeof(rss), "%ld/%ld/%ld", w->rss_start_kb, w->rss_peak_kb,
				 w->rss_end_kb);
		fprintf(f, "| %s | %u | %u | %u | %u | %u | %u | %u | %u | %s | %s%s%s |\n",
			w->scenario, w->sent, w->ok, w->failed, w->refused, w->skipped, w->lost,
			w->twice, w->crashed, rss, w->bad ? "FAIL" : "pass", w->note[0] ? ": " : "",
			w->note);
	}
}

/* The daemon scenarios once more under valgrind memcheck, summed into one row. */
static void valgrind_row(struct row *row, const struct scale *s)
{
	void (*const scn[])(struct row *, const struct scale *) = {scn_daemon_killed, scn_malformed,
								   scn_hup_flood, scn_never_ready};
	struct scale vs = *s;
	static char note[200];

	vs.hup_flood = 200;
	row->scenario = "valgrind memcheck: killed, malformed, SIGHUP flood, never ready";
	for (unsigned i = 0; i < sizeof(scn) / sizeof(scn[0]); i++) {
		struct row one = {0};

		scn[i](&one, &vs);
		row->sent += one.sent;
		row->ok += one.ok;
		row->failed += one.failed;
		row->refused += one.refused;
		row->skipped += one.skipped;
		row->lost += one.lost;
		row->twice += one.twice;
		row->crashed += one.crashed;
		if (one.bad) {
			row->bad = true;
			snprintf(note, sizeof(note), "%s: %s", one.scenario, one.note);
			snprintf(row->note, sizeof(row->note), "%s", note);
		}
	}
	if (!row->bad)
		snprintf(row->note, sizeof(row->note), "no error, no definite leak");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
	    {"short", no_argument, NULL, 's'},
	    {"valgrind", no_argument, NULL, 'v'},
	    {"markdown", required_argument, NULL, 'm'},
	    {"only", required_argument, NULL, 'o'},
	    {},
	};
	void (*const scn[])(struct row *, const struct scale *) = {
	    scn_vanish,	       scn_never_ready, scn_hostile, scn_xenstored_restart,
	    scn_daemon_killed, scn_malformed,	scn_flood,   scn_hup_flood,
	};
	struct scale s = {.flood = 10000, .hup_flood = 2000};
	struct row rows[ROWS_MAX] = {{0}};
	const char *markdown = NULL, *only = NULL, *why;
	bool valgrind = false, bad = false;
	unsigned n = 0;
	int c;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 's':
			s.flood = 1000;
			s.hup_flood = 500;
			break;
		case 'v':
			valgrind = true;
			break;
		case 'm':
			markdown = optarg;
			break;
		case 'o':
			only = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: pcirst-faults [--short] [--valgrind] [--markdown FILE]\n");
			return 2;
		}
	}
	if (xsh_available(&why) < 0 || !getenv("PCIRSTD") || !getenv("PCIRST_SIMTREE")) {
		printf("skipped: %s\n", getenv("PCIRSTD") ? why : "PCIRSTD not set");
		return 77;
	}
	for (unsigned i = 0; i < sizeof(scn) / sizeof(scn[0]); i++) {
		if (only && (unsigned)atoi(only) != i)
			continue;
		scn[i](&rows[n], &s);
		fprintf(stderr, "faults: %s: %s\n", rows[n].scenario,
			rows[n].bad ? rows[n].note : "pass");
		n++;
	}
	if (valgrind && !only) {
		s.valgrind = getenv("VALGRIND") ? getenv("VALGRIND") : "/usr/bin/valgrind";
		if (access(s.valgrind, X_OK) < 0) {
			fprintf(stderr, "faults: %s is not installed\n", s.valgrind);
			return 1;
		}
		valgrind_row(&rows[n++], &s);
	}
	print_rows(stdout, rows, n);
	if (markdown) {
		FILE *f = fopen(markdown, "w");

		if (!f) {
			perror(markdown);
			return 1;
		}
		print_rows(f, rows, n);
		fclose(f);
	}
	for (unsigned i = 0; i < n; i++)
		bad |= rows[i].bad;
	return bad ? 1 : 0;
}
