/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runs the patch's own code - libxl__device_pci_reset and the pcirstd
 * delegation, extracted verbatim from the patched libxl_pci.c into
 * delegation.inc by test-delegation.sh - with libxl's macros replaced by
 * small stand-ins, and checks the fallback rules and the mapping of every
 * answer to libxl's return code and log level.
 *
 *   harness absent        libpcirst.so.0 cannot be loaded
 *   harness real          the real libpcirst, xenstore unreachable
 *   harness fake          fake-libpcirst.c as libpcirst.so.0: every answer
 *   harness live          the real libpcirst and pcirstd over a real
 *                         xenstored, on the simulated device tree with the
 *                         policy test-delegation.sh writes
 *   harness live-stopped  the same xenstored after pcirstd stopped
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libxl's internals, as far as the extracted code uses them. */
typedef struct {
	int unused;
} libxl__gc;

#define ERROR_FAIL		(-3)
#define PCI_BDF			"%04x:%02x:%02x.%01x"
#define FILLZERO(object)	memset(&(object), 0, sizeof(object))
#define GCSPRINTF(fmt, ...)	gc_sprintf(gc, (fmt), __VA_ARGS__)
#define LOGD(l, d, f, ...)	harness_log(#l, (d), 0, (f), ##__VA_ARGS__)
#define LOGEVD(l, e, d, f, ...) harness_log(#l, (d), (e), (f), ##__VA_ARGS__)

static char last_level[16], last_msg[512];
static int sysfs_resets;

static char *gc_sprintf(libxl__gc *gc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *gc_sprintf(libxl__gc *gc, const char *fmt, ...)
{
	static char bufs[8][128];
	static unsigned next;
	char *b = bufs[next++ % 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(bufs[0]), fmt, ap);
	va_end(ap);
	return b;
}

static void harness_log(const char *level, uint32_t domid, int errnoval, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void harness_log(const char *level, uint32_t domid, int errnoval, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	if (errnoval && n > 0 && (size_t)n < sizeof(last_msg))
		snprintf(last_msg + n, sizeof(last_msg) - (size_t)n, ": %s", strerror(errnoval));
	snprintf(last_level, sizeof(last_level), "%s", level);
	printf("    libxl: %s: Domain %u: %s\n", level, domid, last_msg);
}

/* The old reset path: counted, and failing, as on a device without a reset method. */
static int pci_reset_sysfs(libxl__gc *gc, unsigned int domain, unsigned int bus, unsigned int dev,
			   unsigned int func)
{
	sysfs_resets++;
	return -1;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#include "delegation.inc"
#pragma GCC diagnostic pop

struct scenario {
	const char *name;
	const char *env[3]; /* FAKE_PCIRST_*=value */
	const char *reason;
	int want_rc;
	bool want_sysfs;
	const char *want_level;
	const char *want_text; /* a substring of the last log message */
	const char *want_request;
	const char *bdf; /* NULL: 0000:01:00.0 */
};

#define REQ(reason) "sbdf=0000:01:00.0 n=1 domid=7 reason=" reason " options=(null) timeout=30000"

static const struct scenario absent[] = {
    {"library absent: old reset path",
     {NULL},
     "attach",
     0,
     true,
     "DEBUG",
     "pcirstd client library not loaded: libpcirst.so.0",
     NULL},
};

static const struct scenario real[] = {
    {"real libpcirst, xenstore unreachable: old reset path",
     {NULL},
     "attach",
     0,
     true,
     "INFO",
     "cannot connect to pcirstd, resetting PCI device 0000:01:00.0 directly",
     NULL},
};

static const struct scenario fake[] = {
    {"daemon not ready: old reset path",
     {"FAKE_PCIRST_READY=0"},
     "attach",
     0,
     true,
     "INFO",
     "pcirstd is not ready, resetting PCI device 0000:01:00.0 directly",
     NULL},
    {"daemon state unreadable: old reset path",
     {"FAKE_PCIRST_READY=-13"},
     "attach",
     0,
     true,
     "INFO",
     "cannot read pcirstd's state, resetting PCI device 0000:01:00.0 directly: Permission denied",
     NULL},
    {"xenstore unreachable: old reset path",
     {"FAKE_PCIRST_OPEN=-111"},
     "attach",
     0,
     true,
     "INFO",
     "cannot connect to pcirstd, resetting PCI device 0000:01:00.0 directly: Connection refused",
     NULL},
    {"daemon stopped before the request: old reset path",
     {"FAKE_PCIRST_SYNC=-107"},
     "attach",
     0,
     true,
     "INFO",
     "pcirstd is no longer ready, resetting PCI device 0000:01:00.0 directly",
     REQ("attach")},
    {"no answer: attach fails, no local reset",
     {"FAKE_PCIRST_SYNC=-110"},
     "attach",
     ERROR_FAIL,
     false,
     "ERROR",
     "PCI device 0000:01:00.0: no answer from pcirstd to the attach reset request: Connection "
     "timed out",
     REQ("attach")},
    {"ok",
     {"FAKE_PCIRST_RESULT=0"},
     "attach",
     0,
     false,
     "DEBUG",
     "PCI device 0000:01:00.0 reset by pcirstd with flr (policy strict, rule default)",
     REQ("attach")},
    {"skipped",
     {"FAKE_PCIRST_RESULT=3"},
     "attach",
     0,
     false,
     "INFO",
     "PCI device 0000:01:00.0 not reset: pcirstd policy skip (rule "
     "/etc/pcirstd/policy.d/50-test.json:4)",
     REQ("attach")},
    {"failed-ignored",
     {"FAKE_PCIRST_RESULT=2"},
     "attach",
     0,
     false,
     "WARN",
     "PCI device 0000:01:00.0: reset failed: flr: device not ready after 1000 ms; bus: "
     "Inappropriate ioctl for device; going on, pcirstd policy lenient (rule "
     "/etc/pcirstd/policy.d/50-test.json:4)",
     REQ("attach")},
    {"failed: attach fails",
     {"FAKE_PCIRST_RESULT=1"},
     "attach",
     ERROR_FAIL,
     false,
     "ERROR",
     "PCI device 0000:01:00.0: reset failed: flr: device not ready after 1000 ms; bus: "
     "Inappropriate ioctl for device (pcirstd policy strict, rule "
     "/etc/pcirstd/policy.d/50-test.json:4)",
     REQ("attach")},
    {"refused: attach fails",
     {"FAKE_PCIRST_RESULT=4"},
     "attach",
     ERROR_FAIL,
     false,
     "ERROR",
     "PCI device 0000:01:00.0: pcirstd refused the attach reset request: domid: not a number",
     REQ("attach")},
    {"detach, ok",
     {"FAKE_PCIRST_RESULT=0"},
     "detach",
     0,
     false,
     "DEBUG",
     "reset by pcirstd with flr",
     REQ("detach")},
    {"detach, failed: reported to the caller (which goes on)",
     {"FAKE_PCIRST_RESULT=1"},
     "detach",
     ERROR_FAIL,
     false,
     "ERROR",
     "reset failed",
     REQ("detach")},
};

static const struct scenario live[] = {
    {"ok: strict by default, FLR",
     {NULL},
     "attach",
     0,
     false,
     "DEBUG",
     "PCI device 0000:01:00.0 reset by pcirstd with flr (policy strict, rule default)",
     NULL},
    {"skipped by a policy rule",
     {NULL},
     "attach",
     0,
     false,
     "INFO",
     "PCI device 0000:03:00.0 not reset: pcirstd policy skip (rule ",
     NULL,
     "0000:03:00.0"},
    {"failed-ignored: lenient rule allowing only PM, which 04:00.0 lacks",
     {NULL},
     "attach",
     0,
     false,
     "WARN",
     "PCI device 0000:04:00.0: reset failed: no method reset 0000:04:00.0",
     NULL,
     "0000:04:00.0"},
    {"failed: strict rule allowing only PM, which 02:00.0 lacks: attach fails",
     {NULL},
     "attach",
     ERROR_FAIL,
     false,
     "ERROR",
     "PCI device 0000:02:00.0: reset failed: no method reset 0000:02:00.0",
     NULL,
     "0000:02:00.0"},
    {"refused: a function dom0's ahci driver uses: attach fails",
     {NULL},
     "attach",
     ERROR_FAIL,
     false,
     "ERROR",
     "PCI device 0000:00:1f.2: pcirstd refused the attach reset request: 0000:00:1f.2 is bound "
     "to driver 'ahci'",
     NULL,
     "0000:00:1f.2"},
    {"refused: no such device: attach fails",
     {NULL},
     "attach",
     ERROR_FAIL,
     false,
     "ERROR",
     "PCI device 0000:77:00.0: pcirstd refused the attach reset request: 0000:77:00.0: no such "
     "device",
     NULL,
     "0000:77:00.0"},
    {"detach, ok",
     {NULL},
     "detach",
     0,
     false,
     "DEBUG",
     "PCI device 0000:01:00.0 reset by pcirstd with flr",
     NULL},
};

static const struct scenario live_stopped[] = {
    {"daemon stopped: old reset path",
     {NULL},
     "attach",
     0,
     true,
     "INFO",
     "pcirstd is not ready, resetting PCI device 0000:01:00.0 directly",
     NULL},
};

/* Held open in fake mode, so that the patch's dlclose() keeps the fake's counters. */
static void *fake_handle;

static void *fake_sym(const char *name)
{
	return fake_handle ? dlsym(fake_handle, name) : NULL;
}

static int check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int check(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return 0;
	printf("    FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return 1;
}

static int run(const struct scenario *s, bool is_fake)
{
	static const char *const vars[] = {"FAKE_PCIRST_OPEN", "FAKE_PCIRST_READY",
					   "FAKE_PCIRST_SYNC", "FAKE_PCIRST_RESULT"};
	libxl__gc gc = {0};
	unsigned int domain, bus, dev, func;
	int fails = 0, rc;

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	for (size_t i = 0; i < 3 && s->env[i]; i++)
		putenv((char *)s->env[i]);
	sysfs_resets = 0;
	last_level[0] = last_msg[0] = '\0';
	printf("  %s\n", s->name);

	if (sscanf(s->bdf ? s->bdf : "0000:01:00.0", "%x:%x:%x.%x", &domain, &bus, &dev, &func) !=
	    4)
		return check(false, "bad address in the scenario");
	rc = libxl__device_pci_reset(&gc, 7, s->reason, domain, bus, dev, func);

	fails += check(rc == s->want_rc, "rc %d, want %d", rc, s->want_rc);
	fails += check((sysfs_resets == 1) == s->want_sysfs, "old reset path run %d times, want %d",
		       sysfs_resets, s->want_sysfs);
	fails += check(strcmp(last_level, s->want_level) == 0, "log level %s, want %s", last_level,
		       s->want_level);
	fails += check(strstr(last_msg, s->want_text), "log message lacks \"%s\"", s->want_text);
	if (is_fake) {
		int *handles = fake_sym("fake_live_handles"),
		    *results = fake_sym("fake_live_results");
		char *req = fake_sym("fake_last_request");

		fails += check(handles && *handles == 0, "libpcirst handle leaked");
		fails += check(results && *results == 0, "libpcirst result leaked");
		if (s->want_request)
			fails += check(req && strcmp(req, s->want_request) == 0,
				       "request \"%s\", want \"%s\"", req ? req : "(none)",
				       s->want_request);
		else
			fails +=
			    check(req && !req[0], "a request was sent: \"%s\"", req ? req : "");
		if (req)
			req[0] = '\0';
	}
	return fails;
}

int main(int argc, char **argv)
{
	const struct scenario *list;
	size_t n;
	int fails = 0;

	if (argc != 2)
		goto usage;
	if (strcmp(argv[1], "absent") == 0) {
		list = absent;
		n = sizeof(absent) / sizeof(absent[0]);
	} else if (strcmp(argv[1], "real") == 0) {
		list = real;
		n = sizeof(real) / sizeof(real[0]);
	} else if (strcmp(argv[1], "live") == 0) {
		list = live;
		n = sizeof(live) / sizeof(live[0]);
	} else if (strcmp(argv[1], "live-stopped") == 0) {
		list = live_stopped;
		n = sizeof(live_stopped) / sizeof(live_stopped[0]);
	} else if (strcmp(argv[1], "fake") == 0) {
		list = fake;
		n = sizeof(fake) / sizeof(fake[0]);
	} else {
		goto usage;
	}
	if (list == fake) {
		fake_handle = dlopen("libpcirst.so.0", RTLD_NOW | RTLD_LOCAL);
		if (!fake_handle || !fake_sym("fake_live_handles")) {
			fprintf(stderr, "harness: the fake libpcirst.so.0 is not loadable: %s\n",
				fake_handle ? "not the fake" : dlerror());
			return 1;
		}
	}
	for (size_t i = 0; i < n; i++)
		fails += run(&list[i], strcmp(argv[1], "fake") == 0);
	printf("%s: %zu scenarios, %d failed checks\n", argv[1], n, fails);
	return fails ? 1 : 0;
usage:
	fprintf(stderr, "usage: harness absent|real|fake|live|live-stopped\n");
	return 2;
}
