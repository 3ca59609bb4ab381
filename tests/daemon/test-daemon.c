/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The real pcirstd binary against a real xenstored (tests/xenstored) and a
 * simulated sysfs tree (pcirst-simtree), driven through libpcirst as libxl
 * will: results of every kind, malformed requests, permissions, requests
 * written before the daemon started, a request left "accepted" by a dead
 * instance, requests not owned by dom0, and parallel requests.
 */
#include <stdio.h>

#include "daemon-fixture.h"

static void serves_requests(void **state)
{
	struct fixture *f = *state;
	struct pcirst_result *r;
	struct xs_permissions *perms;
	unsigned n = 0;
	char *v;

	/* Written while no daemon runs: must not be missed. */
	raw_request(f, "early",
		    (const char *const[]){"sbdf", "0000:02:00.0", "reason", "manual", NULL});
	/* Accepted by an instance that died before answering: reset again. */
	raw_request(f, "orphan",
		    (const char *const[]){"sbdf", "0000:01:00.0", "reason", "detach", NULL});
	assert_true(xs_write(f->h, XBT_NULL, BASE "/response/orphan/state", "accepted", 8));
	assert_true(xs_write(f->h, XBT_NULL, BASE "/response/orphan/instance", "0123", 4));
	start_daemon(f);
	wait_ready(f, true);

	perms = xs_get_permissions(f->h, XBT_NULL, BASE, &n);
	assert_non_null(perms);
	assert_int_equal(n, 1);
	assert_int_equal(perms[0].id, 0);
	assert_int_equal(perms[0].perms, XS_PERM_NONE);
	free(perms);

	expect_response(f, "early", "result", "ok");
	/* The tree's FLR server cleared 02:00.0's BAR and Command: the reset was seen. */
	expect_response(f, "early", "effect", "verified");
	v = xs_read(f->h, XBT_NULL, BASE "/daemon/features", NULL);
	assert_non_null(v);
	assert_non_null(strstr(v, "effect"));
	free(v);
	expect_response(f, "orphan", "result", "ok");
	v = wait_response(f, "orphan", "instance");
	assert_string_not_equal(v, "0123");
	free(v);

	r = request("0000:01:00.0", NULL);
	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_OK);
	assert_string_equal(pcirst_result_method(r), "flr");
	assert_string_equal(pcirst_result_policy(r), "strict");
	assert_string_equal(pcirst_result_rule(r), "default");
	assert_string_equal(pcirst_result_effect(r), "verified");
	assert_true(pcirst_result_duration_ms(r) >= 100); /* the FLR's 100 ms */
	pcirst_result_free(r);
	/* No rule with a policy matches 01:00.0: the built-in default lets xl's reset=skip decide.
	 */
	r = request("0000:01:00.0", "no-reset");
	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_SKIPPED);
	assert_string_equal(pcirst_result_policy(r), "skip");
	assert_string_equal(pcirst_result_rule(r), "default");
	assert_string_equal(pcirst_result_method(r), "");
	assert_non_null(strstr(pcirst_result_error(r), "allowed by the built-in default"));
	pcirst_result_free(r);

	r = request("0000:03:00.0", NULL);
	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_SKIPPED);
	assert_non_null(strstr(pcirst_result_error(r), "50-test.json:1"));
	assert_non_null(strstr(pcirst_result_error(r), "test: never reset"));
	pcirst_result_free(r);

	/* Skip is a veto: no request option turns it into an attempt (it once reset it). */
	r = request("0000:03:00.0", "no-strict-reset");
	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_SKIPPED);
	assert_string_equal(pcirst_result_policy(r), "skip");
	assert_string_equal(pcirst_result_method(r), "");
	pcirst_result_free(r);
	r = request("0000:03:00.0", "strict-reset");
	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_SKIPPED);
	pcirst_result_free(r);

	/* dom0's e1000e drives 04:00.1: refused before any policy or method. */
	r = request("0000:04:00.1", NULL);
	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_REFUSED);
	assert_non_null(strstr(pcirst_result_error(r), "bound to driver 'e1000e'"));
	pcirst_result_free(r);

	r = request("0000:09:00.0", NULL);
	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_REFUSED);
	assert_non_null(strstr(pcirst_result_error(r), "no such device"));
	pcirst_result_free(r);
}

/*
 * A config file resets nothing on D3hot->D0 (the tree serves FLR only): a
 * policy that allows only pm fails strictly with the evidence, and the
 * failure's error says why; the raw response carries no effect.
 */
static void ineffective_reset_fails(void **state)
{
	struct fixture *f = *state;
	struct pcirst_result *r;

	write_policy(f, "{ \"rules\": [ { \"match\": { \"sbdf\": \"0000:01:00.0\" }, "
			"\"policy\": \"strict\", \"methods\": [\"pm\"] } ] }");
	start_daemon(f);
	wait_ready(f, true);
	r = request("0000:01:00.0", NULL);
	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_FAILED);
	assert_string_equal(pcirst_result_effect(r), "");
	assert_non_null(
	    strstr(pcirst_result_error(r), "pm ineffective (BAR0 kept 0xfe000000 after D3hot"));
	pcirst_result_free(r);
	raw_request(f, "second",
		    (const char *const[]){"sbdf", "0000:02:00.0", "reason", "manual", NULL});
	expect_response(f, "second", "effect", "verified");
}

static void refuses_malformed(void **state)
{
	static const struct {
		const char *id;
		const char *kv[7];
		const char *error;
	} cases[] = {
	    {"m1",
	     {"sbdf", "0000:01:00.0", "reason", "attach", "colour", "red", NULL},
	     "unknown field 'colour'"},
	    {"m2",
	     {"sbdf", "01:00", "reason", "attach", NULL},
	     "field 'sbdf': '01:00' is not a PCI address (DDDD:BB:DD.F)"},
	    {"m3", {"reason", "attach", NULL}, "field 'sbdf' is missing"},
	    {"m4",
	     {"sbdf", "0000:01:00.0", "reason", "reboot", NULL},
	     "field 'reason': 'reboot' is not one of attach, detach, manual"},
	};
	struct fixture *f = *state;
	struct pcirst_result *r;

	start_daemon(f);
	wait_ready(f, true);
	/* Published before "ready" (it came after: under valgrind a client found none). */
	{
		char *v = xs_read(f->h, XBT_NULL, BASE "/daemon/status", NULL);

		assert_non_null(v);
		assert_non_null(strstr(v, "serving; 0 running, 0 queued"));
		free(v);
	}
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		raw_request(f, cases[i].id, cases[i].kv);
		expect_response(f, cases[i].id, "result", "refused");
		expect_response(f, cases[i].id, "error", cases[i].error);
	}
	/* And it goes on serving. */
	r = request("0000:02:00.0", NULL);
	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_OK);
	pcirst_result_free(r);
}

/* A request node owned by another domain is ignored and logged; serving goes on. */
static void ignores_requests_not_owned_by_dom0(void **state)
{
	struct fixture *f = *state;
	struct xs_permissions foreign = {.id = 5, .perms = XS_PERM_NONE};
	struct pcirst_result *r;
	char *v;

	start_daemon(f);
	wait_ready(f, true);
	/* As if domain 5 had managed to create it: the node belongs to domain 5. */
	{
		xs_transaction_t t = xs_transaction_start(f->h);

		assert_true(xs_write(f->h, t, BASE "/request/foreign/sbdf", "0000:01:00.0", 12));
		assert_true(xs_write(f->h, t, BASE "/request/foreign/reason", "attach", 6));
		assert_true(xs_set_permissions(f->h, t, BASE "/request/foreign", &foreign, 1));
		assert_true(xs_transaction_end(f->h, t, false));
	}
	/* A request written after it is answered, so the daemon has seen both. */
	r = request("0000:02:00.0", NULL);
	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_OK);
	pcirst_result_free(r);
	v = xs_read(f->h, XBT_NULL, BASE "/response/foreign/state", NULL);
	assert_null(v);
	sh("grep -q 'request foreign: node owned by domain 5, not dom0; ignored' %s/pcirstd.log",
	   f->dir);
}

static void parallel_requests(void **state)
{
	struct fixture *f = *state;
	struct pcirst *p = NULL;
	struct pcirst_sbdf a, b;
	struct pcirst_pending *pd[2] = {NULL, NULL};
	struct pcirst_result *res[2], *ra, *rb;
	struct pcirst_request qa = {&a, 1, -1, "manual", NULL}, qb = {&b, 1, -1, "manual", NULL};
	usec_t start, at[2], gap;

	start_daemon(f);
	wait_ready(f, true);
	pcirst_sbdf_parse("0000:01:00.0", &a);
	pcirst_sbdf_parse("0000:02:00.0", &b);
	assert_int_equal(pcirst_open(NULL, &p), 0);
	start = now_usec();
	assert_int_equal(pcirst_request_start(p, &qa, &pd[0]), 0);
	assert_int_equal(pcirst_request_start(p, &qb, &pd[1]), 0);
	assert_int_equal(wait_pending(p, pd, res, at, 2), 0);
	ra = res[0];
	rb = res[1];
	assert_int_equal(pcirst_result_kind(ra), PCIRST_RESULT_OK);
	assert_int_equal(pcirst_result_kind(rb), PCIRST_RESULT_OK);
	/* Two FLRs (>= 100 ms each) on independent devices overlapped. */
	gap = at[0] > at[1] ? at[0] - at[1] : at[1] - at[0];
	print_message("two FLRs: %llu ms + %llu ms, %llu ms wall, answers %llu ms apart\n",
		      (unsigned long long)pcirst_result_duration_ms(ra),
		      (unsigned long long)pcirst_result_duration_ms(rb),
		      (unsigned long long)((now_usec() - start) / USEC_PER_MSEC),
		      (unsigned long long)(gap / USEC_PER_MSEC));
	/*
	 * Overlap, judged against the resets' own durations rather than a fixed
	 * figure or the wall time (which holds the daemon's intake, seconds under
	 * valgrind): one after another, the second answer would come at least
	 * its own reset's duration after the first.
	 */
	assert_true(gap < pcirst_result_duration_ms(at[0] < at[1] ? rb : ra) * USEC_PER_MSEC);
	pcirst_result_free(ra);
	pcirst_result_free(rb);
	pcirst_pending_free(pd[0]);
	pcirst_pending_free(pd[1]);
	pcirst_close(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(serves_requests, setup, teardown),
	    cmocka_unit_test_setup_teardown(ineffective_reset_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(refuses_malformed, setup, teardown),
	    cmocka_unit_test_setup_teardown(ignores_requests_not_owned_by_dom0, setup, teardown),
	    cmocka_unit_test_setup_teardown(parallel_requests, setup, teardown),
	};
	const char *why;

	if (xsh_available(&why) < 0 || !getenv("PCIRSTD") || !getenv("PCIRST_SIMTREE")) {
		printf("skipped: %s\n", getenv("PCIRSTD") ? why : "PCIRSTD not set");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
