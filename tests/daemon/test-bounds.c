/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Request handling bounds (docs/protocol.md), the real daemon against a
 * real xenstored: what a watch event costs does not grow with the requests
 * in the store (counted: the daemon's store reads, from daemon/status); an
 * over-long id is never answered under a shortened one; a foreign node is
 * logged once; a full queue refuses with a reason; a second request for a
 * queued function with other options waits its turn.
 */
#include <inttypes.h>
#include <stdio.h>

#include "daemon-fixture.h"

/* The daemon's count of store reads, from daemon/status ("store reads N"). */
static unsigned long long store_reads(struct fixture *f)
{
	char *v = xs_read(f->h, XBT_NULL, BASE "/daemon/status", NULL), *p;
	unsigned long long n;

	free(v);
	usleep(1300 * 1000); /* the status follows the requests within 1 s (STATUS_DELAY) */
	v = xs_read(f->h, XBT_NULL, BASE "/daemon/status", NULL);
	assert_non_null(v);
	p = strstr(v, "store reads ");
	assert_non_null(p);
	n = strtoull(p + 12, NULL, 10);
	free(v);
	return n;
}

/* n skip requests (answered at once), one after the other as clients send them, left in the
 * store uncollected. */
static unsigned long long batch(struct fixture *f, const char *prefix, unsigned n)
{
	unsigned long long before = store_reads(f);
	char id[32];

	for (unsigned i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%s%u", prefix, i);
		raw_request(f, id,
			    (const char *const[]){"sbdf", "0000:03:00.0", "reason", "attach",
						  "domid", "3", "created", "1", NULL});
		expect_response(f, id, "result", "skipped");
	}
	return store_reads(f) - before;
}

static void event_cost_does_not_grow(void **state)
{
	struct fixture *f = *state;
	unsigned long long first, second, third;

	start_daemon(f);
	wait_ready(f, true);
	first = batch(f, "a", 100);
	second = batch(f, "b", 100); /* 100 answered requests lie in the store */
	third = batch(f, "c", 100);  /* 200 */
	print_message("store reads per 100 requests: %llu (store empty), %llu (100 old), "
		      "%llu (200 old)\n",
		      first, second, third);
	/* Each request: its permissions, the response's state and instance, the listing, 4 fields
	 * (8; the first batch also sees the listing of the watch's first firing). */
	assert_true(first <= 100 * 8 + 4);
	/* A full rescan per event would cost reads per old request: tens of thousands. */
	assert_true(second <= first + first / 4);
	assert_true(third <= first + first / 4);
}

static void overlong_id_and_foreign_node(void **state)
{
	struct fixture *f = *state;
	struct xs_permissions foreign = {.id = 5, .perms = XS_PERM_NONE};
	char longid[80], cut[65], path[160], *v;
	struct pcirst_result *r;

	memset(longid, 'x', 70);
	longid[70] = '\0';
	snprintf(cut, sizeof(cut), "%.64s", longid);
	start_daemon(f);
	wait_ready(f, true);
	raw_request(f, longid,
		    (const char *const[]){"sbdf", "0000:01:00.0", "reason", "attach", NULL});
	{
		xs_transaction_t t = xs_transaction_start(f->h);

		assert_true(xs_write(f->h, t, BASE "/request/foreign/sbdf", "0000:01:00.0", 12));
		assert_true(xs_write(f->h, t, BASE "/request/foreign/reason", "attach", 6));
		assert_true(xs_set_permissions(f->h, t, BASE "/request/foreign", &foreign, 1));
		assert_true(xs_transaction_end(f->h, t, false));
	}
	/* Requests after them, each a burst of watch events and (before) a full scan. */
	for (unsigned i = 0; i < 4; i++) {
		r = request("0000:02:00.0", NULL);
		assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_OK);
		pcirst_result_free(r);
	}
	/* Not answered under the shortened id (another request's), nor reset. */
	snprintf(path, sizeof(path), BASE "/response/%s", cut);
	v = xs_read(f->h, XBT_NULL, path, NULL);
	assert_null(v);
	sh("grep -q \"request node 'xxxx.*' (70 characters): a request id has at most 64; "
	   "ignored, not answered\" %s/pcirstd.log",
	   f->dir);
	sh("test $(grep -c 'request foreign: node owned by domain 5, not dom0; ignored' "
	   "%s/pcirstd.log) = 1",
	   f->dir);
	sh("test $(grep -c '(70 characters)' %s/pcirstd.log) = 1", f->dir);
	/* Removed and written again, it is a new request: noticed (and logged) again. */
	snprintf(path, sizeof(path), BASE "/request/foreign");
	assert_true(xs_rm(f->h, XBT_NULL, path));
	r = request("0000:02:00.0", NULL);
	pcirst_result_free(r);
	{
		xs_transaction_t t = xs_transaction_start(f->h);

		assert_true(xs_write(f->h, t, BASE "/request/foreign/sbdf", "0000:01:00.0", 12));
		assert_true(xs_set_permissions(f->h, t, BASE "/request/foreign", &foreign, 1));
		assert_true(xs_transaction_end(f->h, t, false));
	}
	r = request("0000:02:00.0", NULL);
	pcirst_result_free(r);
	sh("test $(grep -c 'request foreign: node owned by domain 5' %s/pcirstd.log) = 2", f->dir);
}

/* A field whose path does not fit the daemon's buffer: refused by its name, nothing else read. */
static void overlong_field_name_refused(void **state)
{
	struct fixture *f = *state;
	char name[480], *v;

	memset(name, 'y', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	start_daemon(f);
	wait_ready(f, true);
	raw_request(
	    f, "longfield",
	    (const char *const[]){"sbdf", "0000:01:00.0", "reason", "attach", name, "1", NULL});
	v = wait_response(f, "longfield", "result");
	assert_string_equal(v, "refused");
	free(v);
	v = wait_response(f, "longfield", "error");
	assert_non_null(strstr(v, "yyyy"));
	free(v);
	/* And it keeps serving. */
	raw_request(f, "after",
		    (const char *const[]){"sbdf", "0000:03:00.0", "reason", "attach", NULL});
	v = wait_response(f, "after", "result");
	assert_string_equal(v, "skipped");
	free(v);
}

static void full_queue_refuses(void **state)
{
	struct fixture *f = *state;
	char *v;

	/* Resets of 01:00.0 take 1.5 s: the first runs, the second waits, the third finds the
	 * queue (2) full. */
	write_policy(f,
		     "{ \"rules\": [ { \"match\": { \"sbdf\": \"0000:01:00.0\" }, "
		     "\"policy\": \"lenient\", \"extra-delay-ms\": 1500, \"reason\": \"t\" } ] }");
	f->extra[0] = "--max-requests";
	f->extra[1] = "2";
	start_daemon(f);
	wait_ready(f, true);
	raw_request(f, "q1",
		    (const char *const[]){"sbdf", "0000:01:00.0", "reason", "attach", NULL});
	/* Other options for the same queued function: it waits its turn, it is not refused. */
	raw_request(f, "q2",
		    (const char *const[]){"sbdf", "0000:01:00.0", "reason", "detach", "options",
					  "strict-reset", NULL});
	raw_request(f, "q3",
		    (const char *const[]){"sbdf", "0000:02:00.0", "reason", "attach", NULL});
	expect_response(f, "q3", "result", "refused");
	v = wait_response(f, "q3", "error");
	assert_non_null(strstr(v, "queue full: 2 requests are waiting or running"));
	free(v);
	expect_response(f, "q1", "result", "ok");
	expect_response(f, "q2", "result", "ok");
	/* its own decision: strict-reset on a lenient rule */
	expect_response(f, "q2", "policy", "strict");
	/* Answered, they leave the queue: the next one is served. */
	raw_request(f, "q4",
		    (const char *const[]){"sbdf", "0000:02:00.0", "reason", "attach", NULL});
	expect_response(f, "q4", "result", "ok");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(event_cost_does_not_grow, setup, teardown),
	    cmocka_unit_test_setup_teardown(overlong_id_and_foreign_node, setup, teardown),
	    cmocka_unit_test_setup_teardown(overlong_field_name_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(full_queue_refuses, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
