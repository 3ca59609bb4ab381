/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Daemon liveness (docs/protocol.md, "Liveness"), against the real pcirstd
 * and a real xenstored: a SIGKILLed daemon leaves daemon/state "ready"
 * behind; libpcirst, pcirstctl request and pcirstctl status must tell at
 * once that nobody is there, and a client waiting for an answer when the
 * daemon dies must give up within about a second, not at its timeout.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include "ctlrun.h"
#include "daemon-fixture.h"

static void kill_daemon(struct fixture *f)
{
	int status;

	assert_int_equal(kill(f->daemon, SIGKILL), 0);
	assert_int_equal(waitpid(f->daemon, &status, 0), f->daemon);
}

static void killed_daemon_is_dead_at_once(void **state)
{
	struct fixture *f = *state;
	const struct pcirst_sbdf t = {0, 1, 0, 0};
	const struct pcirst_request req = {
	    .targets = &t, .n_targets = 1, .domid = 3, .reason = "attach"};
	struct pcirst_result *res = NULL;
	struct pcirst *p = NULL;
	char *v, pidtext[32], expect[96];
	int stale = 0, r;
	uint64_t started = 0;
	usec_t t0, ms;

	start_daemon(f);
	wait_ready(f, true);
	v = xs_read(f->h, XBT_NULL, BASE "/daemon/features", NULL);
	assert_non_null(strstr(v, "liveness"));
	free(v);
	/* start-time is the daemon's own /proc/<pid>/stat field 22. */
	v = xs_read(f->h, XBT_NULL, BASE "/daemon/start-time", NULL);
	assert_non_null(v);
	assert_int_equal(pcirst_process_start_time(f->daemon, &started), 0);
	snprintf(pidtext, sizeof(pidtext), "%llu", (unsigned long long)started);
	assert_string_equal(v, pidtext);
	free(v);
	assert_int_equal(pcirst_open(NULL, &p), 0);
	assert_int_equal(pcirst_daemon_alive(p, NULL), 1);

	kill_daemon(f);
	v = xs_read(f->h, XBT_NULL, BASE "/daemon/state", NULL);
	assert_string_equal(v, "ready"); /* the stale state the clients must see through */
	free(v);

	assert_int_equal(pcirst_daemon_alive(p, &stale), -EOWNERDEAD);
	assert_int_equal(stale, f->daemon);
	assert_int_equal(pcirst_daemon_ready(p), 0);
	t0 = now_usec();
	r = pcirst_request_sync(p, &req, 10000, &res);
	ms = (now_usec() - t0) / USEC_PER_MSEC;
	print_message("libpcirst: dead daemon detected in %llu ms (timeout 10000 ms)\n",
		      (unsigned long long)ms);
	assert_int_equal(r, -EOWNERDEAD); /* before liveness: -ETIMEDOUT after 10 s */
	assert_true(ms < 500);
	pcirst_close(p);

	snprintf(expect, sizeof(expect), "not running (stale state from pid %d)", (int)f->daemon);
	t0 = now_usec();
	{
		struct ctl_run c = ctl_run(
		    (const char *const[]){"request", "0000:01:00.0", "--timeout", "10000", NULL});

		ms = (now_usec() - t0) / USEC_PER_MSEC;
		print_message("pcirstctl request: answered in %llu ms: %s", (unsigned long long)ms,
			      c.err);
		assert_non_null(strstr(c.err, expect));
		assert_int_not_equal(c.status, 0);
		assert_true(ms < 1000);
		ctl_run_free(&c);
	}
	{
		struct ctl_run c = ctl_run((const char *const[]){"status", "--recent", "0", NULL});

		assert_non_null(strstr(c.out, expect));
		assert_int_equal(c.status, 1);
		ctl_run_free(&c);
	}
	f->daemon = 0; /* reaped */
}

/* A client waiting for an answer notices the death within about a second. */
static void killed_while_client_waits(void **state)
{
	struct fixture *f = *state;
	const struct pcirst_sbdf t = {0, 1, 0, 0};
	const struct pcirst_request req = {
	    .targets = &t, .n_targets = 1, .domid = 3, .reason = "attach"};
	struct pcirst_pending *pd = NULL;
	struct pcirst_result *res = NULL;
	struct pcirst *p = NULL;
	usec_t killed, ms;
	int r;

	/* A reset that takes 20 s: the answer cannot come before the kill. */
	write_policy(f, "{ \"rules\": [ { \"match\": { \"sbdf\": \"0000:01:00.0\" }, "
			"\"policy\": \"strict\", \"extra-delay-ms\": 20000 } ] }");
	start_daemon(f);
	wait_ready(f, true);
	assert_int_equal(pcirst_open(NULL, &p), 0);
	assert_int_equal(pcirst_request_start(p, &req, &pd), 0);
	wait_state(f, pcirst_pending_id(pd), "accepted");
	kill_daemon(f);
	killed = now_usec();
	r = wait_pending(p, &pd, &res, NULL, 1);
	ms = (now_usec() - killed) / USEC_PER_MSEC;
	print_message("libpcirst: a waiting client saw the daemon die after %llu ms\n",
		      (unsigned long long)ms);
	assert_int_equal(r, -EOWNERDEAD);
	assert_true(ms <= 1500);
	pcirst_pending_free(pd);
	pcirst_close(p);
	f->daemon = 0;
}

/* Without the feature, state alone counts (older daemons); with it, the pid must match. */
static void judged_by_the_feature(void **state)
{
	struct fixture *f = *state;
	struct pcirst *p = NULL;
	char self[24];
	uint64_t st;

	assert_true(xs_write(f->h, XBT_NULL, BASE "/daemon/state", "ready", 5));
	assert_true(xs_write(f->h, XBT_NULL, BASE "/daemon/features", "multi-function", 14));
	assert_true(xs_write(f->h, XBT_NULL, BASE "/daemon/pid", "1", 1));
	assert_true(xs_write(f->h, XBT_NULL, BASE "/daemon/start-time", "7", 1));
	assert_int_equal(pcirst_open(NULL, &p), 0);
	assert_int_equal(pcirst_daemon_alive(p, NULL), 1);
	assert_true(xs_write(f->h, XBT_NULL, BASE "/daemon/features", "effect liveness", 15));
	/* pid 1 exists, but it did not start at tick 7: another process. */
	assert_int_equal(pcirst_daemon_alive(p, NULL), -EOWNERDEAD);
	/* This test process as the daemon: alive. */
	snprintf(self, sizeof(self), "%d", (int)getpid());
	assert_true(xs_write(f->h, XBT_NULL, BASE "/daemon/pid", self, (unsigned)strlen(self)));
	assert_int_equal(pcirst_process_start_time((int)getpid(), &st), 0);
	snprintf(self, sizeof(self), "%llu", (unsigned long long)st);
	assert_true(
	    xs_write(f->h, XBT_NULL, BASE "/daemon/start-time", self, (unsigned)strlen(self)));
	assert_int_equal(pcirst_daemon_alive(p, NULL), 1);
	assert_true(xs_write(f->h, XBT_NULL, BASE "/daemon/state", "stopping", 8));
	assert_int_equal(pcirst_daemon_alive(p, NULL), 0);
	assert_int_equal(pcirst_process_start_time(0, &st), -EINVAL);
	pcirst_close(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(killed_daemon_is_dead_at_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(killed_while_client_waits, setup, teardown),
	    cmocka_unit_test_setup_teardown(judged_by_the_feature, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
