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
 *
 * The modules: libxl-standin.c (libxl's internals over libxenstore),
 * run-reset.c (the extracted code and the loop that runs it),
 * fake-daemon.c (a fake pcirstd in the store), scenarios.c (the checks).
 */
#include <stdio.h>
#include <string.h>
#include <xenstore.h>

#include "check.h"
#include "fake-daemon.h"
#include "libxl-standin.h"
#include "scenarios.h"

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
