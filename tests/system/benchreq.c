/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * benchreq [--at-once] SBDF...
 *
 * The dom0 bench's client (tests/system/guest/bench.sh): requests through
 * libpcirst timed inside one process, so that the process's own start under
 * TCG is not in the figure. Connects once (timed), then requests a reset of
 * each SBDF, one after another (as libxl does, one per pci-attach) or, with
 * --at-once, all started before the first answer is awaited. Prints
 *
 *   connect USEC
 *   request SBDF USEC RESULT DURATION_MS   (written → answer read, per request)
 *   total USEC                             (first written → last answer read)
 *
 * and exits 0 when every request was answered "ok", 1 otherwise, 2 on usage.
 * Runs inside the QEMU guest only.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcirst/pcirst.h>
#include <pcirst/sbdf.h>

#define MAX_DEVICES 16
#define TIMEOUT_MS  30000

struct one {
	struct pcirst_sbdf sbdf;
	struct pcirst_pending *pending;
	struct pcirst_result *result;
	long long start, end;
};

static long long now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct pcirst_request request_of(const struct one *o)
{
	return (struct pcirst_request){
	    .targets = &o->sbdf, .n_targets = 1, .domid = -1, .reason = "manual"};
}

static int one_after_another(struct pcirst *p, struct one *all, int n)
{
	for (int i = 0; i < n; i++) {
		struct pcirst_request req = request_of(&all[i]);
		int r;

		all[i].start = now_usec();
		r = pcirst_request_sync(p, &req, TIMEOUT_MS, &all[i].result);
		all[i].end = now_usec();
		if (r < 0) {
			fprintf(stderr, "benchreq: request %d: %s\n", i, strerror(-r));
			return r;
		}
	}
	return 0;
}

static int at_once(struct pcirst *p, struct one *all, int n)
{
	long long deadline;
	int left = n, r;

	for (int i = 0; i < n; i++) {
		struct pcirst_request req = request_of(&all[i]);

		all[i].start = now_usec();
		r = pcirst_request_start(p, &req, &all[i].pending);
		if (r < 0) {
			fprintf(stderr, "benchreq: starting request %d: %s\n", i, strerror(-r));
			return r;
		}
	}
	deadline = now_usec() + TIMEOUT_MS * 1000LL;
	while (left > 0) {
		struct pollfd pfd = {.fd = pcirst_fd(p), .events = POLLIN};

		if (now_usec() > deadline) {
			fprintf(stderr, "benchreq: %d requests unanswered\n", left);
			return -ETIMEDOUT;
		}
		if (poll(&pfd, 1, 1000) < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < n; i++) {
			if (!all[i].pending || all[i].result)
				continue;
			r = pcirst_pending_check(all[i].pending, &all[i].result);
			if (r < 0) {
				fprintf(stderr, "benchreq: request %d: %s\n", i, strerror(-r));
				return r;
			}
			if (r > 0) {
				all[i].end = now_usec();
				left--;
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct one all[MAX_DEVICES] = {0};
	struct pcirst *p = NULL;
	bool parallel = false;
	long long t0, first, last = 0;
	int n = 0, r, bad = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--at-once") == 0)
			parallel = true;
		else if (n == MAX_DEVICES || pcirst_sbdf_parse(argv[i], &all[n++].sbdf) < 0) {
			fprintf(stderr, "usage: benchreq [--at-once] SBDF... (at most %d)\n",
				MAX_DEVICES);
			return 2;
		}
	}
	if (n == 0) {
		fputs("usage: benchreq [--at-once] SBDF...\n", stderr);
		return 2;
	}
	t0 = now_usec();
	r = pcirst_open(NULL, &p);
	if (r < 0) {
		fprintf(stderr, "benchreq: cannot connect to xenstored: %s\n", strerror(-r));
		return 1;
	}
	printf("connect %lld\n", now_usec() - t0);
	r = parallel ? at_once(p, all, n) : one_after_another(p, all, n);
	first = all[0].start;
	for (int i = 0; i < n; i++) {
		char s[PCIRST_SBDF_STRLEN];

		if (!all[i].result) {
			bad = 1;
			continue;
		}
		if (all[i].end > last)
			last = all[i].end;
		printf("request %s %lld %s %llu\n", pcirst_sbdf_format(&all[i].sbdf, s),
		       all[i].end - all[i].start, pcirst_result_name(all[i].result),
		       (unsigned long long)pcirst_result_duration_ms(all[i].result));
		if (pcirst_result_kind(all[i].result) != PCIRST_RESULT_OK)
			bad = 1;
		pcirst_result_free(all[i].result);
		pcirst_pending_free(all[i].pending);
	}
	if (r == 0 && !bad)
		printf("total %lld\n", last - first);
	pcirst_close(p);
	return r < 0 || bad ? 1 : 0;
}
