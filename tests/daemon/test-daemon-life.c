/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's life around its requests, against a real xenstored: SIGHUP
 * reloads and pcirstctl status, killed in the middle of a reset, a xenstored
 * restart and SIGTERM, and the collection of what clients leave behind.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include "daemon-fixture.h"

/* The daemon is killed in the middle of a reset: the next instance resets again and answers once.
 */
static void killed_mid_reset(void **state)
{
	struct fixture *f = *state;
	char *v, *first;
	int status;

	start_daemon(f);
	wait_ready(f, true);
	first = xs_read(f->h, XBT_NULL, BASE "/daemon/instance", NULL);
	assert_non_null(first);
	raw_request(f, "midway",
		    (const char *const[]){"sbdf", "0000:01:00.0", "reason", "attach", NULL});
	wait_state(f, "midway", "accepted");
	/* The FLR waits 100 ms: the daemon dies inside it. */
	assert_int_equal(kill(f->daemon, SIGKILL), 0);
	assert_int_equal(waitpid(f->daemon, &status, 0), f->daemon);
	start_daemon(f);
	v = wait_response(f, "midway", "result");
	assert_string_equal(v, "ok");
	free(v);
	v = wait_response(f, "midway", "instance");
	assert_string_not_equal(v, first);
	free(v);
	free(first);
}

/* SIGHUP reloads transactionally; pcirstctl status reports the counts. */
static void reload_and_status(void **state)
{
	struct fixture *f = *state;
	struct pcirst_result *r;
	char cmd[256], out[2048] = "", log[128];
	FILE *p;
	size_t n;

	start_daemon(f);
	wait_ready(f, true);
	r = request("0000:03:00.0", NULL);
	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_SKIPPED);
	pcirst_result_free(r);

	write_policy(f, "{ \"rules\": [ { \"match\": { \"sbdf\": \"0000:03:00.0\" }, \"policy\": ");
	sighup(f);
	r = request("0000:03:00.0", NULL); /* the broken file changed nothing */
	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_SKIPPED);
	pcirst_result_free(r);

	write_policy(f, "{ \"rules\": [ { \"match\": { \"sbdf\": \"0000:03:00.0\" }, "
			"\"policy\": \"lenient\", \"reason\": \"reloaded\" } ] }");
	sighup(f);
	r = request("0000:03:00.0", NULL);
	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_OK);
	assert_string_equal(pcirst_result_policy(r), "lenient");
	pcirst_result_free(r);

	snprintf(log, sizeof(log), "%s/pcirstd.log", f->dir);
	snprintf(cmd, sizeof(cmd), "grep -q 'policy reload failed' %s", log);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "grep -q '50-test.json:1:' %s", log);
	assert_int_equal(system(cmd), 0);

	/* The status follows the requests within STATUS_DELAY (1 s), not in their path. */
	for (unsigned i = 0; i < 150; i++) {
		char *v = xs_read(f->h, XBT_NULL, BASE "/daemon/status", NULL);
		bool current = v && strstr(v, "done: 1 ok, 0 failed, 0 failed-ignored, 2 skipped");

		free(v);
		if (current)
			break;
		usleep(20 * 1000);
	}
	snprintf(cmd, sizeof(cmd), "%s status --recent 0", getenv("PCIRSTCTL"));
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	assert_non_null(strstr(out, "state     ready"));
	assert_non_null(
	    strstr(out, "done: 1 ok, 0 failed, 0 failed-ignored, 2 skipped, 0 refused"));
}

static void survives_xenstored_restart_and_stops(void **state)
{
	struct fixture *f = *state;
	struct pcirst_result *r;
	int status;

	start_daemon(f);
	wait_ready(f, true);
	assert_int_equal(xsh_restart(f->xs), 0);
	xs_close(f->h);
	f->h = xs_open(0);
	assert_non_null(f->h);
	/* The new store is empty; the daemon notices, reconnects and rebuilds everything. */
	wait_ready(f, true);
	r = request("0000:01:00.0", NULL);
	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_OK);
	pcirst_result_free(r);

	assert_int_equal(kill(f->daemon, SIGTERM), 0);
	assert_int_equal(waitpid(f->daemon, &status, 0), f->daemon);
	f->daemon = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	{
		char *v = xs_read(f->h, XBT_NULL, BASE "/daemon/state", NULL);

		assert_string_equal(v, "stopping");
		free(v);
	}
}

static bool exists(struct fixture *f, const char *path)
{
	char *v = xs_read(f->h, XBT_NULL, path, NULL);
	bool present = v || errno != ENOENT;

	free(v);
	return present;
}

static usec_t wait_gone(struct fixture *f, const char *path, usec_t since)
{
	usec_t deadline = now_usec() + 6 * fixture_scale() * USEC_PER_SEC;

	while (exists(f, path)) {
		assert_true(now_usec() < deadline);
		usleep(20000);
	}
	return now_usec() - since;
}

/*
 * With --orphan-timeout 1 --answered-timeout 2: a response whose request is
 * gone goes after about 1 s, an answered request nobody collected (and its
 * response) after about 2 s, and neither earlier.
 */
static void collects_what_clients_leave(void **state)
{
	struct fixture *f = *state;
	usec_t start, answered, t;
	char *v;

	f->extra[0] = "--orphan-timeout";
	f->extra[1] = "1";
	f->extra[2] = "--answered-timeout";
	f->extra[3] = "2";
	start_daemon(f);
	wait_ready(f, true);
	start = now_usec();
	assert_true(xs_write(f->h, XBT_NULL, BASE "/response/gone/state", "done", 4));
	assert_true(xs_write(f->h, XBT_NULL, BASE "/response/gone/result", "ok", 2));
	raw_request(f, "kept",
		    (const char *const[]){"sbdf", "0000:02:00.0", "reason", "manual", NULL});
	v = wait_response(f, "kept", "result");
	answered = now_usec();
	assert_string_equal(v, "ok");
	free(v);
	assert_true(exists(f, BASE "/response/gone"));

	t = wait_gone(f, BASE "/response/gone", start);
	print_message("orphan response removed after %llu ms\n",
		      (unsigned long long)(t / USEC_PER_MSEC));
	assert_true(t >= 900 * USEC_PER_MSEC);
	assert_true(exists(f, BASE "/request/kept"));
	assert_true(exists(f, BASE "/response/kept"));

	t = wait_gone(f, BASE "/request/kept", answered);
	print_message("uncollected answer removed after %llu ms\n",
		      (unsigned long long)(t / USEC_PER_MSEC));
	assert_true(t >= 1900 * USEC_PER_MSEC);
	wait_gone(f, BASE "/response/kept", answered);
	sh("grep -q 'request kept: answered but never collected; removed' %s/pcirstd.log", f->dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(reload_and_status, setup, teardown),
	    cmocka_unit_test_setup_teardown(killed_mid_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(survives_xenstored_restart_and_stops, setup, teardown),
	    cmocka_unit_test_setup_teardown(collects_what_clients_leave, setup, teardown),
	};
	const char *why;

	if (xsh_available(&why) < 0 || !getenv("PCIRSTD") || !getenv("PCIRST_SIMTREE")) {
		printf("skipped: %s\n", getenv("PCIRSTD") ? why : "PCIRSTD not set");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
