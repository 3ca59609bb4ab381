/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The scenarios of test-async.sh, one per harness command (harness.c);
 * each counts its failed checks in failures (check.h).
 */
#ifndef PCIRST_SCENARIOS_H
#define PCIRST_SCENARIOS_H

/* No pcirstd: every reset_policy with libxl's own reset, working or failing. */
void scenario_fallback(void);
/* A fake daemon: not ready, dead, killed or stopping while libxl waits, answering, silent. */
void scenario_fake(void);
/* The real pcirstd with test-async.sh's policy on the simulated tree. */
void scenario_live(void);
/* After that pcirstd was killed with SIGKILL. */
void scenario_killed(void);

#endif
