/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The real pcirstd binary against a real xenstored (tests/xenstored) and a
 * simulated sysfs tree (pcirst-simtree), driven through libpcirst as libxl
 * will: results of every kind, malformed requests, permissions, requests
 * written before the daemon started, a request left "accepted" by a dead
 * instance, parallel requests, a xenstored restart, and SIGTERM.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <xenstore.h>

#include <pcirst/pcirst.h>

#include "testlib.h"
#include "util.h"
#include "xenstored-harness.h"

#define BASE "/local/domain/0/pci-reset"

struct fixture {
	struct xsh *xs;
	char dir[64];
	pid_t daemon;
	struct xs_handle *h;
};

static void sh(const char *fmt, ...) _printf_(1, 2);
static void sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

static void start_daemon(struct fixture *f)
{
	char root[128], pol[128], log[128];

	snprintf(root, sizeof(root), "%s/root", f->dir);
	snprintf(pol, sizeof(pol), "%s/policy", f->dir);
	snprintf(log, sizeof(log), "%s/pcirstd.log", f->dir);
	f->daemon = fork();
	assert_true(f->daemon >= 0);
	if (f->daemon == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(fd, STDERR_FILENO);
		execl(getenv("PCIRSTD"), "pcirstd", "--sysfs-root", root, "--policy-dir", pol,
		      "--log-level", "debug", (char *)NULL);
		_exit(127);
	}
}

static void wait_ready(struct fixture *f, bool want)
{
	usec_t deadline = now_usec() + 8 * USEC_PER_SEC;

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

static int setup(void **state)
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
	sh("%s %s/root", getenv("PCIRST_SIMTREE"), f->dir);
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

static int teardown(void **state)
{
	struct fixture *f = *state;
	int status;

	if (f->daemon > 0) {
		kill(f->daemon, SIGKILL);
		waitpid(f->daemon, &status, 0);
	}
	xs_close(f->h);
	xsh_stop(f->xs);
	sh("rm -rf %s", f->dir);
	free(f);
	return 0;
}

static struct pcirst_result *request(const char *sbdf, const char *options)
{
	struct pcirst *p = NULL;
	struct pcirst_sbdf s;
	struct pcirst_result *res = NULL;
	struct pcirst_request req = {
	    .targets = &s, .n_targets = 1, .domid = 3, .reason = "attach", .options = options};

	assert_int_equal(pcirst_sbdf_parse(sbdf, &s), 0);
	assert_int_equal(pcirst_open(NULL, &p), 0);
	assert_int_equal(pcirst_request_sync(p, &req, 5000, &res), 0);
	pcirst_close(p);
	return res;
}

static void raw_request(struct fixture *f, const char *id, const char *const *kv)
{
	char path[256];
	xs_transaction_t t = xs_transaction_start(f->h);

	for (; *kv; kv += 2) {
		snprintf(path, sizeof(path), BASE "/request/%s/%s", id, kv[0]);
		assert_true(xs_write(f->h, t, path, kv[1], (unsigned)strlen(kv[1])));
	}
	assert_true(xs_transaction_end(f->h, t, false));
}

static char *wait_response(struct fixture *f, const char *id, const char *field)
{
	char path[256];
	usec_t deadline = now_usec() + 5 * USEC_PER_SEC;

	snprintf(path, sizeof(path), BASE "/response/%s/state", id);
	for (;;) {
		char *v = xs_read(f->h, XBT_NULL, path, NULL);
		bool done = v && streq(v, "done");

		free(v);
		if (done)
			break;
		assert_true(now_usec() < deadline);
		usleep(10000);
	}
	snprintf(path, sizeof(path), BASE "/response/%s/%s", id, field);
	return xs_read(f->h, XBT_NULL, path, NULL);
}

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

	v = wait_response(f, "early", "result");
	assert_string_equal(v, "ok");
	free(v);
	v = wait_response(f, "orphan", "result");
	assert_string_equal(v, "ok");
	free(v);
	v = wait_response(f, "orphan", "instance");
	assert_string_not_equal(v, "0123");
	free(v);

	r = request("0000:01:00.0", NULL);
	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_OK);
	assert_string_equal(pcirst_result_method(r), "flr");
	assert_string_equal(pcirst_result_policy(r), "strict");
	assert_string_equal(pcirst_result_rule(r), "default");
	assert_true(pcirst_result_duration_ms(r) >= 100); /* the FLR's 100 ms */
	pcirst_result_free(r);

	r = request("0000:03:00.0", NULL);
	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_SKIPPED);
	assert_non_null(strstr(pcirst_result_error(r), "50-test.json:1"));
	assert_non_null(strstr(pcirst_result_error(r), "test: never reset"));
	pcirst_result_free(r);

	/* A request may always be stricter than its rule: lenient instead of skip. */
	r = request("0000:03:00.0", "no-strict-reset");
	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_OK);
	assert_string_equal(pcirst_result_policy(r), "lenient");
	assert_string_equal(pcirst_result_method(r), "pm");
	pcirst_result_free(r);

	/* Bus reset refused (a function in use by dom0 shares the bus), no FLR on 04:00.1. */
	r = request("0000:04:00.1", NULL);
	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_FAILED);
	assert_non_null(strstr(pcirst_result_error(r), "e1000e"));
	pcirst_result_free(r);

	r = request("0000:09:00.0", NULL);
	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_REFUSED);
	assert_non_null(strstr(pcirst_result_error(r), "no such device"));
	pcirst_result_free(r);
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
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		char *v;

		raw_request(f, cases[i].id, cases[i].kv);
		v = wait_response(f, cases[i].id, "result");
		assert_string_equal(v, "refused");
		free(v);
		v = wait_response(f, cases[i].id, "error");
		assert_string_equal(v, cases[i].error);
		free(v);
	}
	/* And it goes on serving. */
	r = request("0000:02:00.0", NULL);
	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_OK);
	pcirst_result_free(r);
}

static void parallel_requests(void **state)
{
	struct fixture *f = *state;
	struct pcirst *p = NULL;
	struct pcirst_sbdf a, b;
	struct pcirst_pending *pa = NULL, *pb = NULL;
	struct pcirst_result *ra = NULL, *rb = NULL;
	struct pcirst_request qa = {&a, 1, -1, "manual", NULL}, qb = {&b, 1, -1, "manual", NULL};
	usec_t start, deadline;

	start_daemon(f);
	wait_ready(f, true);
	pcirst_sbdf_parse("0000:01:00.0", &a);
	pcirst_sbdf_parse("0000:02:00.0", &b);
	assert_int_equal(pcirst_open(NULL, &p), 0);
	start = now_usec();
	assert_int_equal(pcirst_request_start(p, &qa, &pa), 0);
	assert_int_equal(pcirst_request_start(p, &qb, &pb), 0);
	deadline = start + 5 * USEC_PER_SEC;
	while (!ra || !rb) {
		assert_true(now_usec() < deadline);
		if (!ra)
			assert_true(pcirst_pending_check(pa, &ra) >= 0);
		if (!rb)
			assert_true(pcirst_pending_check(pb, &rb) >= 0);
		usleep(2000);
	}
	assert_int_equal(pcirst_result_kind(ra), PCIRST_RESULT_OK);
	assert_int_equal(pcirst_result_kind(rb), PCIRST_RESULT_OK);
	/* Two FLRs (>= 100 ms each) on independent devices overlapped. */
	print_message("two FLRs: %llu ms + %llu ms, %llu ms wall\n",
		      (unsigned long long)pcirst_result_duration_ms(ra),
		      (unsigned long long)pcirst_result_duration_ms(rb),
		      (unsigned long long)((now_usec() - start) / USEC_PER_MSEC));
	assert_true(now_usec() - start < 190 * USEC_PER_MSEC);
	pcirst_result_free(ra);
	pcirst_result_free(rb);
	pcirst_pending_free(pa);
	pcirst_pending_free(pb);
	pcirst_close(p);
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

static void write_policy(struct fixture *f, const char *text)
{
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/policy/50-test.json", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void sighup(struct fixture *f)
{
	assert_int_equal(kill(f->daemon, SIGHUP), 0);
	usleep(300 * 1000); /* the reload is synchronous in the daemon's loop */
}

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
	for (usec_t deadline = now_usec() + 2 * USEC_PER_SEC;;) {
		v = xs_read(f->h, XBT_NULL, BASE "/response/midway/state", NULL);
		if (v && streq(v, "accepted"))
			break;
		free(v);
		assert_true(now_usec() < deadline);
		usleep(1000);
	}
	free(v);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(serves_requests, setup, teardown),
	    cmocka_unit_test_setup_teardown(refuses_malformed, setup, teardown),
	    cmocka_unit_test_setup_teardown(parallel_requests, setup, teardown),
	    cmocka_unit_test_setup_teardown(reload_and_status, setup, teardown),
	    cmocka_unit_test_setup_teardown(killed_mid_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(survives_xenstored_restart_and_stops, setup, teardown),
	};
	const char *why;

	if (xsh_available(&why) < 0 || !getenv("PCIRSTD") || !getenv("PCIRST_SIMTREE")) {
		printf("skipped: %s\n", getenv("PCIRSTD") ? why : "PCIRSTD not set");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
