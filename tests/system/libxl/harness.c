/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runs the libxl series' own reset code - pci_reset and its pcirstd
 * protocol, and pci_reset_direct, extracted verbatim from the patched
 * libxl_pci.c into reset.inc by test-async.sh - over a real xenstored, with
 * libxl's event machinery (libxl__ev_xswatch, libxl__ev_time), xenstore
 * helpers and logging replaced by small stand-ins over libxenstore and
 * poll(). Nothing here blocks except the loop that waits for events, as
 * libxl's application would.
 *
 *   harness fallback   no pcirstd: every reset_policy with libxl's own reset
 *                      (a stub that counts calls and fails or succeeds)
 *   harness fake       a fake daemon (nodes written here, a child process
 *                      as its pid): not ready, dead before and during the
 *                      wait, stopping before it took the request, no answer
 *   harness live       the real pcirstd serving that xenstored on the
 *                      simulated device tree (policy from test-async.sh)
 *   harness killed     after that pcirstd was killed with SIGKILL
 */
#define _GNU_SOURCE /* vasprintf */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

/* libxl's internals, as far as the extracted code uses them. */
#define ERROR_FAIL     (-3)
#define ERROR_TIMEDOUT (-9)
#define ERROR_ABORTED  (-31)
#define PCI_BDF	       "%04x:%02x:%02x.%01x"
#define PCI_BDF_XSPATH "%04x-%02x-%02x-%01x"
#define XBT_NULL       0
#define CONTAINER_OF(inner_ptr, outer, member_name) \
	((typeof(outer) *)((char *)(inner_ptr)-offsetof(typeof(outer), member_name)))
#define GCSPRINTF(fmt, ...) gc_sprintf((fmt), __VA_ARGS__)
#define LOGD(l, d, f, ...)  harness_log(#l, (d), (f), ##__VA_ARGS__)
#define STATE_AO_GC(op_ao)             \
	libxl__ao *const ao = (op_ao); \
	libxl__gc *const gc = &the_gc; \
	(void)ao;                      \
	(void)gc

typedef uint32_t libxl_domid;
typedef struct {
	int unused;
} libxl__gc;
typedef struct {
	int unused;
} libxl__egc;
typedef struct {
	int unused;
} libxl__ao;

typedef enum {
	LIBXL_PCI_RESET_POLICY_DEFAULT = 0,
	LIBXL_PCI_RESET_POLICY_STRICT = 1,
	LIBXL_PCI_RESET_POLICY_LENIENT = 2,
	LIBXL_PCI_RESET_POLICY_SKIP = 3,
} libxl_pci_reset_policy;

typedef struct {
	unsigned int domain, bus, dev, func;
	libxl_pci_reset_policy reset_policy;
} libxl_device_pci;

static const char *libxl_pci_reset_policy_to_string(libxl_pci_reset_policy p)
{
	static const char *const names[] = {"default", "strict", "lenient", "skip"};
	return (unsigned)p < 4 ? names[p] : NULL;
}

typedef struct libxl__ev_xswatch libxl__ev_xswatch;
typedef void libxl__ev_xswatch_callback(libxl__egc *egc, libxl__ev_xswatch *,
					const char *watch_path, const char *event_path);
struct libxl__ev_xswatch {
	char *path;
	libxl__ev_xswatch_callback *callback;
	int slotnum;
};

typedef struct libxl__ev_time libxl__ev_time;
typedef void libxl__ev_time_callback(libxl__egc *egc, libxl__ev_time *ev,
				     const struct timeval *requested_abs, int rc);
struct libxl__ev_time {
	libxl__ev_time_callback *func;
	struct timeval abs;
};

static libxl__gc the_gc;
static libxl__egc the_egc;
static libxl__ao the_ao;
static struct xs_handle *xsh;
static char last_level[16], last_msg[512];
static int direct_resets, direct_result;

static char *gc_sprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *gc_sprintf(const char *fmt, ...)
{
	char *s;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	return s; /* the gc: freed at exit */
}

static void harness_log(const char *level, uint32_t domid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void harness_log(const char *level, uint32_t domid, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	snprintf(last_level, sizeof(last_level), "%s", level);
	printf("    libxl: %s: Domain %u: %s\n", level, domid, last_msg);
}

/* libxl's own reset: counted, never touching a device. */
static int pci_reset_sysfs(libxl__gc *gc, unsigned int domain, unsigned int bus, unsigned int dev,
			   unsigned int func)
{
	direct_resets++;
	return direct_result;
}

/* xenstore, over libxenstore; store_calls counts the messages sent. */
static int store_calls;

static char *libxl__xs_read(libxl__gc *gc, xs_transaction_t t, const char *path)
{
	unsigned int len;

	store_calls++;
	return xs_read(xsh, t, path, &len);
}

static int libxl__xs_read_checked(libxl__gc *gc, xs_transaction_t t, const char *path,
				  const char **result_out)
{
	char *r = libxl__xs_read(gc, t, path);

	if (!r && errno != ENOENT)
		return ERROR_FAIL;
	*result_out = r;
	return 0;
}

static int libxl__xs_write_checked(libxl__gc *gc, xs_transaction_t t, const char *path,
				   const char *string)
{
	store_calls++;
	return xs_write(xsh, t, path, string, strlen(string)) ? 0 : ERROR_FAIL;
}

static int libxl__xs_rm_checked(libxl__gc *gc, xs_transaction_t t, const char *path)
{
	store_calls++;
	return xs_rm(xsh, t, path) || errno == ENOENT ? 0 : ERROR_FAIL;
}

static int transactions; /* started, to check the request went in one */

static int libxl__xs_transaction_start(libxl__gc *gc, xs_transaction_t *t)
{
	*t = xs_transaction_start(xsh);
	transactions++;
	store_calls++;
	return *t ? 0 : ERROR_FAIL;
}

static int libxl__xs_transaction_commit(libxl__gc *gc, xs_transaction_t *t)
{
	bool ok = xs_transaction_end(xsh, *t, false);

	store_calls++;
	*t = XBT_NULL;
	if (ok)
		return 0;
	return errno == EAGAIN ? 1 : ERROR_FAIL;
}

static void libxl__xs_transaction_abort(libxl__gc *gc, xs_transaction_t *t)
{
	if (*t)
		xs_transaction_end(xsh, *t, true);
	*t = XBT_NULL;
}

static int libxl__gettimeofday(libxl__gc *gc, struct timeval *now_r)
{
	return gettimeofday(now_r, NULL) ? ERROR_FAIL : 0;
}

/* The event machinery: watches by token, timers in a small table. */
#define MAX_EV 8
static libxl__ev_xswatch *watches[MAX_EV];
static libxl__ev_time *timers[MAX_EV];

static void libxl__ev_xswatch_init(libxl__ev_xswatch *w)
{
	w->slotnum = -1;
}

static int libxl__ev_xswatch_register(libxl__gc *gc, libxl__ev_xswatch *w,
				      libxl__ev_xswatch_callback *cb, const char *path)
{
	for (int i = 0; i < MAX_EV; i++) {
		if (watches[i])
			continue;
		w->path = strdup(path);
		w->callback = cb;
		w->slotnum = i;
		store_calls++;
		if (!xs_watch(xsh, path, GCSPRINTF("%d", i)))
			return ERROR_FAIL;
		watches[i] = w;
		return 0;
	}
	return ERROR_FAIL;
}

static void libxl__ev_xswatch_deregister(libxl__gc *gc, libxl__ev_xswatch *w)
{
	if (w->slotnum < 0)
		return;
	store_calls++;
	xs_unwatch(xsh, w->path, GCSPRINTF("%d", w->slotnum));
	watches[w->slotnum] = NULL;
	w->slotnum = -1;
}

static void libxl__ev_time_init(libxl__ev_time *ev)
{
	ev->func = NULL;
}

static int libxl__ev_time_register_rel(libxl__ao *ao, libxl__ev_time *ev,
				       libxl__ev_time_callback *func, int ms)
{
	for (int i = 0; i < MAX_EV; i++) {
		if (timers[i])
			continue;
		gettimeofday(&ev->abs, NULL);
		ev->abs.tv_sec += ms / 1000;
		ev->abs.tv_usec += (ms % 1000) * 1000;
		if (ev->abs.tv_usec >= 1000000) {
			ev->abs.tv_sec++;
			ev->abs.tv_usec -= 1000000;
		}
		ev->func = func;
		timers[i] = ev;
		return 0;
	}
	return ERROR_FAIL;
}

static void libxl__ev_time_deregister(libxl__gc *gc, libxl__ev_time *ev)
{
	for (int i = 0; i < MAX_EV; i++)
		if (timers[i] == ev)
			timers[i] = NULL;
	ev->func = NULL;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "reset.inc"
#pragma GCC diagnostic pop

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

/* One reset through the extracted code, run to its callback. */
static bool done;
static int done_rc;

static void reset_done(libxl__egc *egc, pci_reset_state *rs, int rc)
{
	done = true;
	done_rc = rc;
}

static int failures;

static void expect(const char *scenario, bool cond, const char *what)
{
	printf("%s %s: %s\n", cond ? "ok" : "FAILED", scenario, what);
	if (!cond)
		failures++;
}

/* Runs a reset and the event loop until its callback; returns its time in ms. */
static long run_reset(libxl_device_pci *pci, const char *reason, void (*during)(long elapsed))
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

static libxl_device_pci dev(unsigned int bus, libxl_pci_reset_policy policy)
{
	libxl_device_pci p = {.domain = 0, .bus = bus, .dev = 0, .func = 0, .reset_policy = policy};
	return p;
}

static bool msg_has(const char *s)
{
	return strstr(last_msg, s) != NULL;
}

/* No request or response left behind by the client. */
static bool protocol_clean(void)
{
	unsigned int n1 = 0, n2 = 0;
	char **r1 = xs_directory(xsh, XBT_NULL, PCIRSTD_PATH "/request", &n1);
	char **r2 = xs_directory(xsh, XBT_NULL, PCIRSTD_PATH "/response", &n2);

	if (!r1)
		n1 = 0;
	if (!r2)
		n2 = 0;
	if (n1 + n2)
		printf("    left: %s %s\n", n1 ? r1[0] : "-", n2 ? r2[0] : "-");
	free(r1);
	free(r2);
	return n1 == 0 && n2 == 0;
}

static void scenario_fallback(void)
{
	static const struct {
		libxl_pci_reset_policy policy;
		int result, want_rc, want_resets;
		const char *level, *msg;
	} t[] = {
	    {LIBXL_PCI_RESET_POLICY_DEFAULT, 0, 0, 1, "DEBUG", "pcirstd is not running"},
	    {LIBXL_PCI_RESET_POLICY_DEFAULT, -1, 0, 1, "DEBUG", "pcirstd is not running"},
	    {LIBXL_PCI_RESET_POLICY_STRICT, 0, 0, 1, "DEBUG", "pcirstd is not running"},
	    {LIBXL_PCI_RESET_POLICY_STRICT, -1, ERROR_FAIL, 1, "ERROR",
	     "could not be reset (reset policy strict)"},
	    {LIBXL_PCI_RESET_POLICY_LENIENT, -1, 0, 1, "WARN",
	     "could not be reset; ignored (reset policy lenient)"},
	    {LIBXL_PCI_RESET_POLICY_SKIP, 0, 0, 0, "INFO", "not reset: reset policy skip"},
	};

	xs_rm(xsh, XBT_NULL, PCIRSTD_PATH);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		libxl_device_pci p = dev(1, t[i].policy);
		char name[64];

		snprintf(name, sizeof(name), "fallback %s, own reset %s",
			 libxl_pci_reset_policy_to_string(t[i].policy),
			 t[i].result ? "fails" : "works");
		direct_resets = 0;
		direct_result = t[i].result;
		run_reset(&p, "attach", NULL);
		expect(name, done_rc == t[i].want_rc, "return code");
		expect(name, direct_resets == t[i].want_resets,
		       "libxl's own reset ran as the policy says");
		expect(name, !strcmp(last_level, t[i].level) && msg_has(t[i].msg), t[i].msg);
	}
	direct_result = 0;
}

/* A fake daemon: its nodes, and a child process standing for it. */
static pid_t child = -1;

static void fake_daemon(const char *state, const char *features, bool alive_child)
{
	char stat[1024], *p, *tok, *save;
	int field;

	xs_rm(xsh, XBT_NULL, PCIRSTD_PATH);
	xs_write(xsh, XBT_NULL, PCIRSTD_PATH "/daemon/state", state, strlen(state));
	xs_write(xsh, XBT_NULL, PCIRSTD_PATH "/daemon/features", features, strlen(features));
	if (!alive_child)
		return;
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	snprintf(stat, sizeof(stat), "/proc/%d/stat", child);
	FILE *f = fopen(stat, "r");
	if (!f || !fgets(stat, sizeof(stat), f))
		abort();
	fclose(f);
	p = strrchr(stat, ')') + 1;
	for (field = 3, tok = strtok_r(p, " ", &save); field < 22; field++)
		tok = strtok_r(NULL, " ", &save);
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", child);
	xs_write(xsh, XBT_NULL, PCIRSTD_PATH "/daemon/pid", pid, strlen(pid));
	xs_write(xsh, XBT_NULL, PCIRSTD_PATH "/daemon/start-time", tok, strlen(tok));
}

static void kill_child(void)
{
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = -1;
	}
}

static void kill_at_500ms(long elapsed)
{
	if (elapsed >= 500)
		kill_child();
}

static void stopping_at_500ms(long elapsed)
{
	if (elapsed >= 500)
		xs_write(xsh, XBT_NULL, PCIRSTD_PATH "/daemon/state", "stopping", 8);
}

/* Answers the pending request as a daemon would: state accepted, then done. */
static void answer_ok_at_300ms(long elapsed)
{
	unsigned int n = 0;
	char **ids;

	if (elapsed < 300)
		return;
	ids = xs_directory(xsh, XBT_NULL, PCIRSTD_PATH "/request", &n);
	for (unsigned int i = 0; i < n; i++) {
		const char *r = gc_sprintf(PCIRSTD_PATH "/response/%s/", ids[i]);
		unsigned int len;

		if (xs_read(xsh, XBT_NULL, gc_sprintf("%sstate", r), &len))
			continue;
		xs_transaction_t t = xs_transaction_start(xsh);
		xs_write(xsh, t, gc_sprintf("%sresult", r), "ok", 2);
		xs_write(xsh, t, gc_sprintf("%smethod", r), "flr", 3);
		xs_write(xsh, t, gc_sprintf("%spolicy", r), "strict", 6);
		xs_write(xsh, t, gc_sprintf("%srule", r), "default", 7);
		xs_write(xsh, t, gc_sprintf("%sstate", r), "done", 4);
		xs_transaction_end(xsh, t, false);
	}
	free(ids);
}

static void scenario_fake(void)
{
	libxl_device_pci p = dev(1, LIBXL_PCI_RESET_POLICY_DEFAULT);
	long took;

	fake_daemon("starting", "options liveness", false);
	direct_resets = 0;
	run_reset(&p, "attach", NULL);
	expect("starting", done_rc == 0 && direct_resets == 1, "libxl resets the device itself");
	expect("starting", !strcmp(last_level, "INFO") && msg_has("pcirstd is starting, not ready"),
	       "and says pcirstd is not ready");

	/* Ready, but its process is gone: a dead daemon's leftovers. */
	fake_daemon("ready", "options liveness", true);
	kill_child();
	direct_resets = 0;
	took = run_reset(&p, "attach", NULL);
	expect("dead", done_rc == 0 && direct_resets == 1 && took < 200,
	       "libxl resets the device itself at once");
	expect("dead", msg_has("process") && msg_has("is gone"), "and says the process is gone");
	expect("dead", protocol_clean(), "no request written");

	/* Alive when asked, killed while libxl waits. */
	fake_daemon("ready", "options liveness", true);
	direct_resets = 0;
	took = run_reset(&p, "attach", kill_at_500ms);
	expect("killed", done_rc == 0 && direct_resets == 1, "libxl resets the device itself");
	expect("killed", took >= 500 && took < 2000, "within the 1 s liveness check");
	expect("killed", msg_has("is gone"), "and says pcirstd is gone");
	expect("killed", protocol_clean(), "the request is withdrawn");

	/* Without liveness: stopping before it took the request. */
	fake_daemon("ready", "options", false);
	direct_resets = 0;
	took = run_reset(&p, "attach", stopping_at_500ms);
	expect("stopping", done_rc == 0 && direct_resets == 1 && took < 2000,
	       "libxl resets the device itself within the 1 s check");
	expect("stopping", msg_has("did not take the request"), "and says why");
	expect("stopping", protocol_clean(), "the request is withdrawn");

	/* A live daemon that answers: the request, as it was written. */
	fake_daemon("ready", "options liveness strict-reset", true);
	direct_resets = 0;
	transactions = 0;
	store_calls = 0;
	p = dev(1, LIBXL_PCI_RESET_POLICY_DEFAULT);
	run_reset(&p, "attach", answer_ok_at_300ms);
	printf("    %d xenstore messages\n", store_calls);
	expect("answered", done_rc == 0 && direct_resets == 0, "ok, no reset by libxl");
	expect("answered", !strcmp(last_level, "DEBUG") && msg_has("reset by pcirstd with flr"),
	       "logged with the method");
	expect("answered", transactions == 1, "the request was written in one transaction");
	/*
	 * 4 reads of daemon/, the transaction (start, 4 writes, commit), the
	 * watch on the result with the read its first event makes, the result
	 * and the method, the unwatch and 2 removals: each costs a round trip
	 * to xenstored (1.4-2.6 ms in the Xen dom0 under QEMU).
	 */
	expect("answered", store_calls == 17, "17 xenstore messages for the whole request");
	expect("answered", protocol_clean(), "request and response removed");

	/* Alive, and silent: the deadline (shortened by test-async.sh). */
	direct_resets = 0;
	took = run_reset(&p, "attach", NULL);
	expect("silent", done_rc == ERROR_FAIL && direct_resets == 0,
	       "the attach fails; libxl does not reset the device behind pcirstd");
	expect("silent", took >= PCIRSTD_TIMEOUT_MS && msg_has("no answer from pcirstd"),
	       "after the deadline, saying so");
	expect("silent", protocol_clean(), "the request is withdrawn");
	kill_child();
	xs_rm(xsh, XBT_NULL, PCIRSTD_PATH); /* for the real daemon next */
}

/* The real pcirstd, with test-async.sh's policy on the simulated tree. */
static void scenario_live(void)
{
	static const struct {
		unsigned int bus;
		libxl_pci_reset_policy policy;
		const char *reason;
		int want_rc;
		const char *level, *msg;
	} t[] = {
	    /* 01: FLR, no rule (the built-in default: strict; a request may weaken it) */
	    {1, LIBXL_PCI_RESET_POLICY_DEFAULT, "attach", 0, "DEBUG", "reset by pcirstd with flr"},
	    {1, LIBXL_PCI_RESET_POLICY_DEFAULT, "detach", 0, "DEBUG", "reset by pcirstd with flr"},
	    /* reset=skip decides where no rule does: no reset */
	    {1, LIBXL_PCI_RESET_POLICY_SKIP, "attach", 0, "INFO",
	     "pcirstd policy skip (rule default): skipped as requested"},
	    {1, LIBXL_PCI_RESET_POLICY_LENIENT, "attach", 0, "DEBUG", "reset by pcirstd with flr"},
	    /* 03: skip rule, a veto; libxl's strict does not accept the skip */
	    {3, LIBXL_PCI_RESET_POLICY_DEFAULT, "attach", 0, "INFO", "pcirstd policy skip"},
	    {3, LIBXL_PCI_RESET_POLICY_STRICT, "attach", ERROR_FAIL, "ERROR",
	     "its reset policy is strict"},
	    /* 02: lenient, PM only (it has none), weakening allowed */
	    {2, LIBXL_PCI_RESET_POLICY_DEFAULT, "attach", 0, "WARN",
	     "going on, pcirstd policy lenient"},
	    {2, LIBXL_PCI_RESET_POLICY_STRICT, "attach", ERROR_FAIL, "ERROR",
	     "pcirstd policy strict"},
	    {2, LIBXL_PCI_RESET_POLICY_SKIP, "attach", 0, "INFO", "pcirstd policy skip"},
	    {2, LIBXL_PCI_RESET_POLICY_DEFAULT, "detach", 0, "WARN", "going on"},
	    /* 04:00.0: strict, PM only (it has none), no weakening: lenient refused */
	    {4, LIBXL_PCI_RESET_POLICY_DEFAULT, "attach", ERROR_FAIL, "ERROR", "reset failed"},
	    {4, LIBXL_PCI_RESET_POLICY_LENIENT, "attach", ERROR_FAIL, "ERROR",
	     "pcirstd policy strict"},
	    /* no such device */
	    {0x40, LIBXL_PCI_RESET_POLICY_DEFAULT, "attach", ERROR_FAIL, "ERROR", "refused"},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		libxl_device_pci p = dev(t[i].bus, t[i].policy);
		char name[80];

		snprintf(name, sizeof(name), "live %02x:00.0 reset=%s %s", t[i].bus,
			 libxl_pci_reset_policy_to_string(t[i].policy), t[i].reason);
		direct_resets = 0;
		printf("    took %ld ms\n", run_reset(&p, t[i].reason, NULL));
		expect(name, done_rc == t[i].want_rc, "return code");
		expect(name, direct_resets == 0, "libxl did not reset the device itself");
		expect(name, !strcmp(last_level, t[i].level) && msg_has(t[i].msg), t[i].msg);
		expect(name, protocol_clean(), "request and response removed");
	}
}

/* The real pcirstd killed (SIGKILL): its "ready" is stale, its process gone. */
static void scenario_killed(void)
{
	libxl_device_pci p = dev(1, LIBXL_PCI_RESET_POLICY_DEFAULT);
	long took;

	direct_resets = 0;
	took = run_reset(&p, "attach", NULL);
	expect("killed pcirstd", done_rc == 0 && direct_resets == 1,
	       "libxl resets the device itself");
	expect("killed pcirstd", took < 500 && msg_has("is gone"),
	       "at once, saying the process is gone (the daemon's start-time read as libxl does)");
	expect("killed pcirstd", protocol_clean(), "no request written");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: harness fallback|fake|live|killed\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	xsh = xs_open(0);
	if (!xsh) {
		perror("harness: xs_open");
		return 1;
	}
	if (!strcmp(argv[1], "fallback"))
		scenario_fallback();
	else if (!strcmp(argv[1], "fake"))
		scenario_fake();
	else if (!strcmp(argv[1], "live"))
		scenario_live();
	else if (!strcmp(argv[1], "killed"))
		scenario_killed();
	else
		return 2;
	kill_child();
	xs_close(xsh);
	printf("%s: %d failed\n", argv[1], failures);
	return failures ? 1 : 0;
}
