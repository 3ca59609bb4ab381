/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pcirstd side without pcirstd: a fake daemon's nodes in the store, a
 * child process standing for its pid, and what it does while libxl waits
 * (run_reset's during callbacks).
 */
#ifndef PCIRST_FAKE_DAEMON_H
#define PCIRST_FAKE_DAEMON_H

#include <stdbool.h>

/*
 * Replaces the daemon's nodes with daemon/state and daemon/features; with
 * alive_child, a child process stands for the daemon (daemon/pid and its
 * start-time, field 22 of /proc/PID/stat, as libxl reads it).
 */
void fake_daemon(const char *state, const char *features, bool alive_child);
/* Kills and reaps that child, if there is one. */
void kill_child(void);

/* For run_reset: kill the child 500 ms in. */
void kill_at_500ms(long elapsed);
/* For run_reset: daemon/state "stopping" 500 ms in. */
void stopping_at_500ms(long elapsed);
/* For run_reset: 300 ms in, answer each request (done, ok, flr) as a daemon would. */
void answer_ok_at_300ms(long elapsed);

#endif
