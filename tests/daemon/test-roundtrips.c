/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a request costs in xenstore round trips (docs/performance.md, daemon
 * overhead), the real daemon against a real xenstored: xenstored's own
 * trace (-T) shows every message the daemon sends on each of its
 * connections. Through libxenstore each message is a round trip; on the
 * daemon's batch connection (daemon/xs-batch.h) several messages share one,
 * and the daemon counts them (daemon/status, "round trips N"), checked here
 * against the messages xenstored saw on that connection. The daemon answered
 * a request in 25 round trips before it batched them (26 with a reset).
 * Which functions domains hold (the pci backends) is read only for a reset
 * of an SR-IOV PF with VFs: 4 round trips when a domain holds anything,
 * which every FLR paid before.
 */
#include <stdio.h>

#include "daemon-fixture.h"
#include "xs-assigned.h"

#define REQUESTS 10

struct cost {
	unsigned lib_messages;	 /* on the daemon's libxenstore connection: a round trip each */
	unsigned batch_messages; /* on its batch connection */
	unsigned long long batch_round_trips;
	unsigned backend_messages; /* of the daemon's, naming the pci backends */
};

static char trace[64];

static int setup_traced(void **state)
{
	snprintf(trace, sizeof(trace), "/tmp/pcirst-roundtrips-%d.trace", (int)getpid());
	setenv("PCIRST_XSH_TRACE", trace, 1);
	return setup(state);
}

static int teardown_traced(void **state)
{
	int r = teardown(state);

	unlink(trace);
	unsetenv("PCIRST_XSH_TRACE");
	return r;
}

static long trace_size(void)
{
	FILE *t = fopen(trace, "re");
	long n;

	assert_non_null(t);
	fseek(t, 0, SEEK_END);
	n = ftell(t);
	fclose(t);
	return n;
}

/* The daemon's round trips on its batch connection, once its status has caught up (1 s). */
static unsigned long long round_trips(struct fixture *f)
{
	char *v, *p;
	unsigned long long n;

	usleep(1300 * 1000);
	v = xs_read(f->h, XBT_NULL, BASE "/daemon/status", NULL);
	assert_non_null(v);
	p = strstr(v, "round trips ");
	assert_non_null(p);
	n = strtoull(p + 12, NULL, 10);
	free(v);
	return n;
}

/*
 * The messages of the trace from offset on: the client's connection is the
 * one that wrote a request; the batch connection the one that read a
 * request's permissions (GET_PERMS of request/<id>); any other is the
 * daemon's libxenstore connection.
 */
static void count(long offset, struct cost *c)
{
	char line[1024], client[32] = "", batch[32] = "";
	FILE *t = fopen(trace, "re");

	assert_non_null(t);
	for (int pass = 0; pass < 2; pass++) {
		fseek(t, offset, SEEK_SET);
		while (fgets(line, sizeof(line), t)) {
			char conn[32], type[32];

			if (sscanf(line, "IN %31s %*s %*s %31s", conn, type) != 2)
				continue;
			if (pass == 0) {
				if (streq(type, "WRITE") && strstr(line, BASE "/request/"))
					snprintf(client, sizeof(client), "%s", conn);
				if (streq(type, "GET_PERMS") && strstr(line, BASE "/request/"))
					snprintf(batch, sizeof(batch), "%s", conn);
				continue;
			}
			if (streq(conn, client))
				continue;
			if (strstr(line, XS_PCI_BACKEND))
				c->backend_messages++;
			if (streq(conn, batch))
				c->batch_messages++;
			else
				c->lib_messages++;
		}
	}
	fclose(t);
	assert_true(client[0] && batch[0]);
}

/* REQUESTS requests for sbdf one after another, each answered result; what they cost. */
static void measure(struct fixture *f, const char *prefix, const char *sbdf, const char *result,
		    struct cost *c)
{
	unsigned long long rt0 = round_trips(f);
	long offset = trace_size();
	char id[32];

	*c = (struct cost){0};
	for (unsigned i = 0; i < REQUESTS; i++) {
		char *v;

		snprintf(id, sizeof(id), "%s%u", prefix, i);
		raw_request(f, id,
			    (const char *const[]){"sbdf", sbdf, "reason", "attach", "domid", "3",
						  "created", "1", NULL});
		v = wait_response(f, id, "result");
		assert_string_equal(v, result);
		free(v);
	}
	c->batch_round_trips = round_trips(f) - rt0;
	count(offset, c);
	print_message("%s %s: per request %.1f round trips: %.1f on the batch connection (%.1f "
		      "messages, %.1f of them reading the pci backends), %.1f through "
		      "libxenstore\n",
		      sbdf, result, (double)(c->batch_round_trips + c->lib_messages) / REQUESTS,
		      (double)c->batch_round_trips / REQUESTS, (double)c->batch_messages / REQUESTS,
		      (double)c->backend_messages / REQUESTS, (double)c->lib_messages / REQUESTS);
	/* The daemon's count is not an invention: the batch connection carried at least as many
	 * messages as round trips, and fewer than 16 per round trip (the largest batch). */
	assert_true(c->batch_messages >= c->batch_round_trips);
	assert_true(c->batch_messages < 16 * c->batch_round_trips + 1);
}

static void request_round_trips(void **state)
{
	struct fixture *f = *state;
	struct cost skip, flr, held, pf;

	start_daemon(f);
	wait_ready(f, true);
	/*
	 * Skipped by policy, answered at once: its reads (permissions, response
	 * state and instance, the listing: 1), its fields (1), the response's
	 * transaction (3). No "accepted", no status write of its own.
	 */
	measure(f, "s", "0000:03:00.0", "skipped", &skip);
	assert_true(skip.batch_round_trips <= 5 * REQUESTS);
	/* The status, coalesced (at most one write per 1 s): never one per request and step. */
	assert_true(skip.lib_messages <= REQUESTS);
	/*
	 * An FLR (over 100 ms): also "accepted" (3); the status is written
	 * once a second at most (1 s after the first request was taken in). No domain holds
	 * anything, and nothing asks.
	 */
	measure(f, "f", "0000:01:00.0", "ok", &flr);
	assert_true(flr.batch_round_trips <= 8 * REQUESTS);
	assert_true(flr.lib_messages <= REQUESTS / 2);
	assert_int_equal(flr.backend_messages, 0);
	/*
	 * A domain holds functions (libxl's backend nodes): the same FLR costs
	 * the same, the backends unread (4 round trips more each before: one
	 * per level of backend/pci, 12 per request).
	 */
	assert_true(xs_write(f->h, XBT_NULL, XS_PCI_BACKEND "/3/0/dev-0", "0000:02:00.0", 12));
	measure(f, "h", "0000:01:00.0", "ok", &held);
	assert_true(held.batch_round_trips <= 8 * REQUESTS);
	assert_int_equal(held.backend_messages, 0);
	/*
	 * An SR-IOV PF with VFs: the one reset that must know whether a domain
	 * holds a VF reads the backends, each level once per request (backend/pci,
	 * domain 3, its device 0, its dev-0), and no more.
	 */
	measure(f, "p", "0000:05:00.0", "ok", &pf);
	assert_int_equal(pf.backend_messages, 4 * REQUESTS);
	assert_true(pf.batch_round_trips <= 12 * REQUESTS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(request_round_trips, setup_traced, teardown_traced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
