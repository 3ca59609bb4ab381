/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The checks (scenarios.h): each scenario runs resets through the extracted
 * code and checks the return code, whether libxl reset the device itself,
 * what it logged, and that nothing is left in the store.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fake-daemon.h"
#include "libxl-standin.h"
#include "run-reset.h"
#include "scenarios.h"

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
	char **r1 = xs_directory(xsh, XBT_NULL, gc_sprintf("%s/request", pcirstd_path), &n1);
	char **r2 = xs_directory(xsh, XBT_NULL, gc_sprintf("%s/response", pcirstd_path), &n2);

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

void scenario_fallback(void)
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

	xs_rm(xsh, XBT_NULL, pcirstd_path);
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

void scenario_fake(void)
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
	expect("silent", took >= pcirstd_timeout_ms && msg_has("no answer from pcirstd"),
	       "after the deadline, saying so");
	expect("silent", protocol_clean(), "the request is withdrawn");
	kill_child();
	xs_rm(xsh, XBT_NULL, pcirstd_path); /* for the real daemon next */
}

/* The real pcirstd, with test-async.sh's policy on the simulated tree. */
void scenario_live(void)
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
void scenario_killed(void)
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
