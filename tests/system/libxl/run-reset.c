/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libxl side (run-reset.h): the series' reset code, extracted verbatim
 * by test-async.sh into reset.inc, compiled over libxl-standin.h, and the
 * event loop that runs it. Nothing blocks except poll() in that loop.
 */
#define _GNU_SOURCE
/* What the extracted code takes from libxl_internal.h's includes, too. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "libxl-standin.h"
#include "run-reset.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "reset.inc"
#pragma GCC diagnostic pop

const char pcirstd_path[] = PCIRSTD_PATH;
const long pcirstd_timeout_ms = PCIRSTD_TIMEOUT_MS;
int done_rc;

static long ms_until(const struct timeval *t)
{
	struct timeval now;

	gettimeofday(&now, NULL);
	return (t->tv_sec - now.tv_sec) * 1000 + (t->tv_usec - now.tv_usec) / 1000;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool done;

static void reset_done(libxl__egc *egc, pci_reset_state *rs, int rc)
{
	done = true;
	done_rc = rc;
}

long run_reset(libxl_device_pci *pci, const char *reason, void (*during)(long elapsed))
{
	pci_reset_state rs = {
	    .ao = &the_ao, .domid = 7, .reason = reason, .pci = pci, .callback = reset_done};
	long t0 = now_ms();

	done = false;
	last_level[0] = last_msg[0] = 0;
	pci_reset(&the_egc, &rs);
	while (!done) {
		struct pollfd pfd = {.fd = xs_fileno(xsh), .events = POLLIN};
		long timeout = 5000;
		int i;

		if (now_ms() - t0 > 60000) {
			printf("FAILED: no callback within 60 s\n");
			exit(1);
		}
		for (i = 0; i < MAX_EV; i++)
			if (timers[i] && ms_until(&timers[i]->abs) < timeout)
				timeout = ms_until(&timers[i]->abs);
		if (during) {
			during(now_ms() - t0);
			if (timeout > 100)
				timeout = 100;
		}
		if (poll(&pfd, 1, timeout < 0 ? 0 : (int)timeout) > 0) {
			unsigned int n;
			char **vec = xs_read_watch(xsh, &n);
			int slot = vec ? atoi(vec[XS_WATCH_TOKEN]) : -1;

			if (slot >= 0 && slot < MAX_EV && watches[slot])
				watches[slot]->callback(&the_egc, watches[slot],
							watches[slot]->path, vec[XS_WATCH_PATH]);
			free(vec);
			continue;
		}
		for (i = 0; i < MAX_EV && !done; i++) {
			libxl__ev_time *ev = timers[i];

			if (ev && ms_until(&ev->abs) <= 0) {
				libxl__ev_time_callback *f = ev->func;

				timers[i] = NULL; /* fired: idle, as in libxl */
				ev->func = NULL;
				f(&the_egc, ev, &ev->abs, ERROR_TIMEDOUT);
			}
		}
	}
	for (int i = 0; i < MAX_EV; i++) {
		if (watches[i] || timers[i]) {
			printf("FAILED: an event source is still registered after the callback\n");
			failures++;
		}
	}
	return now_ms() - t0;
}
