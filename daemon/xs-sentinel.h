/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A silent second connection to xenstored's unix socket, to notice its death
 * without polling. xenstored never writes to a connection that sent it
 * nothing, so the sentinel becomes readable (EOF) or hangs up only when
 * xenstored closes it: it died or was restarted. libxenstore's own handle
 * cannot tell (its reader thread closes the socket but never wakes the watch
 * pipe, /work/shared/notes/xenstore.md), and polling it costs the idle
 * daemon wake-ups (docs/performance.md).
 */
#pragma once

/*
 * Connects to the socket libxenstore uses (XENSTORED_PATH or the default)
 * and returns the non-blocking fd, or -ENOTSOCK when that path is not a
 * socket (the store is reached through the kernel's xenbus device: keep
 * polling), or another -errno.
 */
int xs_sentinel_open(void);
