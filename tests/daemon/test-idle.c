/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An idle daemon costs nothing (docs/performance.md): with no request and no
 * store activity none of its threads wakes (it used to poll xenstored every
 * 2 s, refresh its status every 5 s and look for responses to clean up every
 * 10 s, each a round trip that also woke libxenstore's reader thread), yet a
 * xenstored restart is still noticed at once, through the sentinel
 * connection, and the status is published again in the new store.
 */
#include <dirent.h>
#include <stdio.h>

#include "daemon-fixture.h"

/* Voluntary and involuntary context switches of all the daemon's threads. */
static long switches(pid_t pid)
{
	char path[96], line[128];
	struct dirent *e;
	long sum = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	assert_non_null(dir);
	while ((e = readdir(dir))) {
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/status", (int)pid, e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue; /* the thread ended */
		while (fgets(line, sizeof(line), f))
			if (strstr(line, "ctxt_switches:"))
				sum += strtol(strchr(line, ':') + 1, NULL, 10);
		fclose(f);
	}
	closedir(dir);
	return sum;
}

static void idle_daemon_sleeps(void **state)
{
	struct fixture *f = *state;
	long before, after;

	start_daemon(f);
	wait_ready(f, true);
	usleep(500 * 1000); /* the start-up's last writes */
	before = switches(f->daemon);
	sleep(5);
	after = switches(f->daemon);
	print_message("idle for 5 s: %ld context switches\n", after - before);
	/* Polling every 2 s cost at least 4 here; one is allowed for a stray signal. */
	assert_true(after - before <= 1);
}

static void restart_noticed_without_polling(void **state)
{
	struct fixture *f = *state;
	usec_t t0, started, back;
	char *v;

	t0 = now_usec();
	start_daemon(f);
	wait_ready(f, true);
	started = now_usec() - t0;
	usleep(300 * 1000);
	t0 = now_usec();
	assert_int_equal(xsh_restart(f->xs), 0);
	xs_close(f->h);
	f->h = xs_open(0);
	assert_non_null(f->h);
	wait_ready(f, true);
	back = now_usec() - t0;
	print_message("ready again %llu ms after the restart began (started in %llu ms)\n",
		      (unsigned long long)(back / USEC_PER_MSEC),
		      (unsigned long long)(started / USEC_PER_MSEC));
	/*
	 * The 2 s poll is gone: the sentinel's hang-up is what brought it back
	 * this fast. Judged against the daemon's own start (exec to ready, which
	 * a reconnect repeats the store part of), so that a loaded machine or
	 * valgrind stretches both: a poll would add up to 2 s on top.
	 */
	assert_true(back < started + 1000 * USEC_PER_MSEC);
	/* Published again in the new store (with "serving" once the reconnect is complete). */
	for (usec_t deadline = now_usec() + 2 * fixture_scale() * USEC_PER_SEC;;) {
		v = xs_read(f->h, XBT_NULL, BASE "/daemon/status", NULL);
		if (v && strstr(v, "serving"))
			break;
		free(v);
		assert_true(now_usec() < deadline);
		usleep(10000);
	}
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(idle_daemon_sleeps, setup, teardown),
	    cmocka_unit_test_setup_teardown(restart_noticed_without_polling, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
