/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Requests written the way docs/protocol.md prescribes (all fields in one
 * transaction), answered by the real daemon over the real xenstored, timed
 * from the transaction's end to the moment the client reads state "done"
 * after the watch event: the daemon's whole cost plus one event and one read.
 */
#include <poll.h>
#include <stdlib.h>
#include <xenstore.h>

#include "bench.h"

#define BASE	     "/local/domain/0/pci-reset"
#define WAIT_TIMEOUT (30 * USEC_PER_SEC)

struct pending {
	char id[32];
	char state_path[128];
	usec_t written, done;
};

static unsigned counter;

static char *readf(struct xs_handle *h, const char *id, const char *field)
{
	char path[160];

	snprintf(path, sizeof(path), BASE "/response/%s/%s", id, field);
	return xs_read(h, XBT_NULL, path, NULL);
}

static int start(struct xs_handle *h, struct pending *p, const char *sbdf)
{
	static const char *const names[] = {"sbdf", "reason", "domid"};
	const char *values[] = {sbdf, "manual", "1"};
	char path[160];

	snprintf(p->id, sizeof(p->id), "bench-%d-%u", (int)getpid(), ++counter);
	snprintf(p->state_path, sizeof(p->state_path), BASE "/response/%s/state", p->id);
	if (!xs_watch(h, p->state_path, p->id))
		return -errno;
	for (;;) {
		xs_transaction_t t = xs_transaction_start(h);

		if (t == XBT_NULL)
			return -errno;
		for (unsigned i = 0; i < ELEMENTSOF(names); i++) {
			snprintf(path, sizeof(path), BASE "/request/%s/%s", p->id, names[i]);
			if (!xs_write(h, t, path, values[i], (unsigned)strlen(values[i]))) {
				int r = -errno;

				xs_transaction_end(h, t, true);
				return r;
			}
		}
		if (xs_transaction_end(h, t, false))
			break;
		if (errno != EAGAIN)
			return -errno;
	}
	p->written = now_usec();
	p->done = 0;
	return 0;
}

static bool is_done(struct xs_handle *h, struct pending *p)
{
	char *v = xs_read(h, XBT_NULL, p->state_path, NULL);
	bool done = v && streq(v, "done");

	free(v);
	if (done)
		p->done = now_usec();
	return done;
}

/* Waits until every pending request is done. */
static int wait_all(struct xs_handle *h, struct pending *p, unsigned n)
{
	usec_t deadline = now_usec() + WAIT_TIMEOUT;
	unsigned left = n;

	for (unsigned i = 0; i < n; i++)
		if (is_done(h, &p[i]))
			left--;
	while (left > 0) {
		struct pollfd pfd = {.fd = xs_fileno(h), .events = POLLIN};
		char **ev;

		if (now_usec() > deadline)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
			return -errno;
		while ((ev = xs_check_watch(h))) {
			for (unsigned i = 0; i < n; i++)
				if (!p[i].done && streq(ev[XS_WATCH_TOKEN], p[i].id) &&
				    is_done(h, &p[i]))
					left--;
			free(ev);
		}
	}
	return 0;
}

static void finish(struct xs_handle *h, struct pending *p)
{
	char path[160];

	xs_unwatch(h, p->state_path, p->id);
	snprintf(path, sizeof(path), BASE "/request/%s", p->id);
	xs_rm(h, XBT_NULL, path);
	snprintf(path, sizeof(path), BASE "/response/%s", p->id);
	xs_rm(h, XBT_NULL, path);
}

int client_request(struct xs_handle *h, const char *sbdf, double *written_to_done,
		   unsigned *duration_ms, char *result, size_t result_size)
{
	struct pending p;
	int r = start(h, &p, sbdf);

	if (r == 0)
		r = wait_all(h, &p, 1);
	if (r == 0) {
		char *res = readf(h, p.id, "result"), *dur = readf(h, p.id, "duration-ms");

		*written_to_done = (double)(p.done - p.written);
		snprintf(result, result_size, "%s", res ? res : "?");
		*duration_ms = dur ? (unsigned)strtoul(dur, NULL, 10) : 0;
		free(res);
		free(dur);
	}
	finish(h, &p);
	return r;
}

int client_parallel(struct xs_handle *h, unsigned n, double *total, double *writing,
		    unsigned *longest_ms)
{
	struct pending p[BENCH_DEVICES_MAX];
	unsigned started = 0;
	usec_t last = 0;
	int r = 0;

	for (unsigned i = 0; i < n && i + 1 < BENCH_DEVICES_MAX; i++) {
		char sbdf[16];

		bench_sbdf(i + 1, sbdf);
		r = start(h, &p[i], sbdf);
		if (r < 0)
			break;
		started++;
	}
	if (r == 0)
		r = wait_all(h, p, started);
	*longest_ms = 0;
	for (unsigned i = 0; i < started; i++) {
		char *res = readf(h, p[i].id, "result"), *dur = readf(h, p[i].id, "duration-ms");
		unsigned ms = dur ? (unsigned)strtoul(dur, NULL, 10) : 0;

		free(dur);
		if (ms > *longest_ms)
			*longest_ms = ms;

		if (r == 0 && (!res || !streq(res, "ok"))) {
			bench_fail("parallel request for device %u: result %s", i + 1,
				   res ? res : "(none)");
			r = -EIO;
		}
		free(res);
		if (p[i].done > last)
			last = p[i].done;
		finish(h, &p[i]);
	}
	if (r == 0) {
		*total = (double)(last - p[0].written);
		*writing = (double)(p[started - 1].written - p[0].written);
	}
	return r;
}
