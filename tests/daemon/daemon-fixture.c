/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include "daemon-fixture.h"
#include "daemon-valgrind.h"
#include "privjournal.h"

void sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

unsigned fixture_scale(void)
{
	/* memcheck runs pcirstd some 10-50 times slower; its waits are sleeps, not work. */
	return valgrind_on() ? 10 : 1;
}

void start_daemon(struct fixture *f)
{
	char root[128], pol[128], log[128], vlog[PATH_MAX + 32];

	/* pcirstd audits through sd_journal: never into the host's journal. */
	privjournal_enter_or_skip();
	snprintf(root, sizeof(root), "%s/root", f->dir);
	snprintf(pol, sizeof(pol), "%s/policy", f->dir);
	snprintf(log, sizeof(log), "%s/pcirstd.log", f->dir);
	f->daemon = fork();
	assert_true(f->daemon >= 0);
	if (f->daemon == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(fd, STDERR_FILENO);
		const char *argv[32];
		unsigned n = 0;

		valgrind_argv(f, argv, &n, vlog, sizeof(vlog));
		argv[n++] = getenv("PCIRSTD");
		for (const char *const *a =
			 (const char *const[]){"--sysfs-root", root, "--policy-dir", pol,
					       "--log-level", "debug", "--device-watch", "none",
					       NULL};
		     *a; a++)
			argv[n++] = *a;
		for (unsigned i = 0; i < ELEMENTSOF(f->extra) && f->extra[i]; i++)
			argv[n++] = f->extra[i];
		argv[n] = NULL;
		execv(argv[0], (char **)argv);
		_exit(127);
	}
}

void wait_ready(struct fixture *f, bool want)
{
	usec_t deadline = now_usec() + 8 * fixture_scale() * USEC_PER_SEC;

	for (;;) {
		char *v = xs_read(f->h, XBT_NULL, BASE "/daemon/state", NULL);
		bool ready = v && streq(v, "ready");

		free(v);
		if (ready == want)
			return;
		assert_true(now_usec() < deadline);
		usleep(10000);
	}
}

int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *why;

	if (xsh_available(&why) < 0 || !getenv("PCIRSTD")) {
		print_message("skipped: %s\n", getenv("PCIRSTD") ? why : "PCIRSTD not set");
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "/tmp/pcirst-daemon-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	sh("%s --serve %s/root", getenv("PCIRST_SIMTREE"), f->dir);
	sh("mkdir -p %s/policy && printf '%%s' '{\"rules\": [ { \"match\": { \"sbdf\": "
	   "\"0000:03:00.0\" }, \"policy\": \"skip\", \"reason\": \"test: never reset\" } ] }' "
	   "> %s/policy/50-test.json",
	   f->dir, f->dir);
	assert_int_equal(xsh_start(&f->xs), 0);
	f->h = xs_open(0);
	assert_non_null(f->h);
	*state = f;
	return 0;
}

int teardown(void **state)
{
	struct fixture *f = *state;
	unsigned errors = 0;
	int status = 0;

	if (f->daemon > 0) {
		/*
		 * SIGTERM first: a daemon that exits normally writes its coverage
		 * data (tools/dev.sh coverage) and, under valgrind, its leak check;
		 * SIGKILL only if it hangs for 3 s (scaled).
		 */
		kill(f->daemon, SIGTERM);
		for (unsigned i = 0;
		     i < 300 * fixture_scale() && waitpid(f->daemon, &status, WNOHANG) == 0; i++)
			usleep(10000);
		if (kill(f->daemon, 0) == 0) {
			kill(f->daemon, SIGKILL);
			waitpid(f->daemon, &status, 0);
		}
	}
	if (valgrind_on()) {
		valgrind_note_counts(f); /* the final status a stopped daemon left */
		errors = valgrind_verdict(f, f->daemon > 0 ? status : 0);
	}
	xs_close(f->h);
	xsh_stop(f->xs);
	/* The tree's FLR server (pcirst-simtree --serve) ends with its files; stop it first. */
	sh("kill $(cat %s/root/simtree.pid 2>/dev/null) 2>/dev/null; rm -rf %s", f->dir, f->dir);
	free(f);
	if (errors)
		fail_msg("valgrind reported %u errors or definite leaks in pcirstd", errors);
	return 0;
}

struct pcirst_result *request(const char *sbdf, const char *options)
{
	struct pcirst *p = NULL;
	struct pcirst_sbdf s;
	struct pcirst_result *res = NULL;
	struct pcirst_request req = {
	    .targets = &s, .n_targets = 1, .domid = 3, .reason = "attach", .options = options};

	assert_int_equal(pcirst_sbdf_parse(sbdf, &s), 0);
	assert_int_equal(pcirst_open(NULL, &p), 0);
	assert_int_equal(pcirst_request_sync(p, &req, 5000 * fixture_scale(), &res), 0);
	pcirst_close(p);
	return res;
}

void raw_request(struct fixture *f, const char *id, const char *const *kv)
{
	char path[256];
	xs_transaction_t t = xs_transaction_start(f->h);

	for (; *kv; kv += 2) {
		snprintf(path, sizeof(path), BASE "/request/%s/%s", id, kv[0]);
		assert_true(xs_write(f->h, t, path, kv[1], (unsigned)strlen(kv[1])));
	}
	assert_true(xs_transaction_end(f->h, t, false));
}

void wait_state(struct fixture *f, const char *id, const char *state)
{
	char path[256];
	usec_t deadline = now_usec() + 5 * fixture_scale() * USEC_PER_SEC;

	snprintf(path, sizeof(path), BASE "/response/%s/state", id);
	for (;;) {
		char *v = xs_read(f->h, XBT_NULL, path, NULL);
		bool hit = v && streq(v, state);

		free(v);
		if (hit)
			return;
		if (now_usec() >= deadline)
			fail_msg("request %s: response state never read '%s'", id, state);
		usleep(2000);
	}
}

char *wait_response(struct fixture *f, const char *id, const char *field)
{
	char path[256];

	wait_state(f, id, "done");
	snprintf(path, sizeof(path), BASE "/response/%s/%s", id, field);
	return xs_read(f->h, XBT_NULL, path, NULL);
}

void expect_response(struct fixture *f, const char *id, const char *field, const char *want)
{
	char *v = wait_response(f, id, field);

	assert_non_null(v);
	if (!streq(v, want)) {
		char *err = wait_response(f, id, "error");

		fail_msg("request %s: %s '%s', expected '%s' (error: %s)", id, field, v, want,
			 err ? err : "none");
	}
	free(v);
}

int wait_pending(struct pcirst *p, struct pcirst_pending *const *pd, struct pcirst_result **res,
		 usec_t *at, size_t n)
{
	usec_t deadline = now_usec() + 5 * fixture_scale() * USEC_PER_SEC;
	size_t left = n;

	for (size_t i = 0; i < n; i++)
		res[i] = NULL;
	while (left) {
		struct pollfd pfd = {.fd = pcirst_fd(p), .events = POLLIN};

		assert_true(now_usec() < deadline);
		(void)poll(&pfd, 1, 20);
		for (size_t i = 0; i < n; i++) {
			int r;

			if (res[i])
				continue;
			r = pcirst_pending_check(pd[i], &res[i]);
			if (r < 0)
				return r;
			if (r > 0 && at)
				at[i] = now_usec();
			left -= r > 0;
		}
	}
	return 0;
}

void write_policy(struct fixture *f, const char *text)
{
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/policy/50-test.json", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* The daemon's log lines that end a reload, successful or not. */
static unsigned reloads_logged(struct fixture *f)
{
	char cmd[256];
	unsigned n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "grep -cE 'policy reload(ed| failed)' %s/pcirstd.log", f->dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (fscanf(p, "%u", &n) != 1)
		n = 0;
	pclose(p);
	return n;
}

void sighup(struct fixture *f)
{
	unsigned before = reloads_logged(f);
	usec_t deadline = now_usec() + 5 * fixture_scale() * USEC_PER_SEC;

	assert_int_equal(kill(f->daemon, SIGHUP), 0);
	/* Not a fixed pause: under valgrind the reload takes seconds. */
	while (reloads_logged(f) == before) {
		assert_true(now_usec() < deadline);
		usleep(10000);
	}
}
