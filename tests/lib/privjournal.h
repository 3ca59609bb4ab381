/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests and demos never write into the host's journal: a process that runs
 * pcirstd or pcirstctl, or logs through sd_journal, first enters a private
 * mount namespace in which journald's directories are its own, empty tmpfs:
 *
 *   /run             a tmpfs mirroring every entry of the host's /run by bind
 *                    mounts, except systemd/ and log/, which are new and empty
 *                    (so /run/systemd/journal/socket is nobody's, or a private
 *                    journald's, and /run/log/journal holds no host entries)
 *   /var/log/journal an empty tmpfs, when it exists (the persistent journal)
 *
 * Children inherit the namespace; it ends with its last process. As root only
 * CLONE_NEWNS is needed; otherwise a user namespace maps the caller's own ids
 * (its children keep their uid, and no capability survives their exec).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* 0 once inside (idempotent), or -errno with why set (the caller skips). */
int privjournal_enter(char *why, size_t size);
/* privjournal_enter() or exit 77 ("skipped" to ctest) with the reason on stderr. */
void privjournal_enter_or_skip(void);
bool privjournal_entered(void);

/*
 * Starts systemd-journald inside the private namespace (entering it first),
 * configured by a drop-in in the private /run to forward nothing (no kmsg,
 * syslog, console or wall) and keep entries volatile; waits for its socket.
 * Returns its pid, or -errno with why set.
 */
pid_t privjournal_start_journald(char *why, size_t size);
void privjournal_stop_journald(pid_t pid);
