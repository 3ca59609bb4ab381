/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A real xenstored for tests: Debian's unmodified cxenstored 4.17, run on a
 * plain machine through the xs-shim LD_PRELOAD library, listening on a unix
 * socket in a private temporary directory. libxenstore finds it through
 * XENSTORED_PATH, which xsh_start() sets in this process's environment (so
 * children, such as a daemon under test, inherit it).
 *
 * The binary and the shim come from the environment, set by CMake for ctest:
 *   PCIRST_XENSTORED  path of usr/lib/xen-4.17/bin/xenstored (get-xenstored.sh)
 *   PCIRST_XS_SHIM    path of the built shim (libpcirst-xs-shim.so)
 *
 * Optional, for debugging:
 *   PCIRST_XSH_TRACE=FILE   xenstored writes its trace (-T) to FILE
 *   PCIRST_XS_SHIM_TRACE=1  the shim logs every hypervisor call it stubs
 * xenstored's stdout and stderr go to a log in the temporary directory, which
 * is printed to stderr when a start fails.
 *
 * Call xsh_start() from a thread that lives as long as the instance (the main
 * thread): xenstored is killed when the thread that started it exits, so a
 * test killed by a timeout leaves no xenstored behind.
 *
 * Every function returns 0 or a negative errno.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

struct xsh;

/*
 * 0 when PCIRST_XENSTORED and PCIRST_XS_SHIM name usable files, else -ENOENT
 * and *why (if not NULL) explains what is missing, for a skip message.
 */
int xsh_available(const char **why);

/*
 * Creates a private run directory, starts xenstored in it and waits (at most
 * 5 s) until it answers a request on its socket; sets XENSTORED_PATH.
 */
int xsh_start(struct xsh **out);

/* The socket path, stable across xsh_kill() and xsh_restart(). */
const char *xsh_socket(const struct xsh *x);

/* The running xenstored's pid, or 0 when it is not running. */
pid_t xsh_pid(const struct xsh *x);

/* How long the last (re)start took from spawning to the first answer. */
uint64_t xsh_start_usec(const struct xsh *x);

/* SIGKILL xenstored and reap it, as if it crashed. Its socket file stays. */
int xsh_kill(struct xsh *x);

/*
 * Starts a new xenstored with an empty store on the same socket path (killing
 * the running one first, with SIGKILL); waits until it answers.
 */
int xsh_restart(struct xsh *x);

/*
 * Terminates xenstored (SIGTERM, SIGKILL after 2 s), reaps it, removes the
 * run directory and unsets XENSTORED_PATH if it still names our socket.
 * NULL is a no-op.
 */
void xsh_stop(struct xsh *x);
