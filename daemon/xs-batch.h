/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Several xenstore calls for the price of one round trip. libxenstore sends
 * a call and waits for its answer (through its reader thread) before the
 * next; a request costs the daemon about twenty such hand-overs
 * (docs/performance.md). Here the calls of one step (the reads that take a
 * request in, the writes of a response) go out together on a connection of
 * our own to xenstored's socket and their answers are read back together:
 * xenstored answers a connection's messages in order (xs_wire.h's framing,
 * the same messages libxenstore sends).
 *
 * That connection is also the sentinel (xs-sentinel.h): idle, it carries
 * nothing, and it hangs up when xenstored dies. Where the store is reached
 * through the kernel's xenbus device there is no socket: the same calls then
 * go through libxenstore one by one (same results, more round trips).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

struct xs_handle;

enum xsb_op {
	XSB_READ,
	XSB_WRITE,
	XSB_DIRECTORY,
	XSB_OWNER, /* the node's owner: the first entry of its permissions */
};

struct xsb_call {
	enum xsb_op op;
	const char *path;  /* the caller's storage, alive during xsb_run() */
	const char *value; /* XSB_WRITE */
	/* Results. */
	int err;	/* 0, or -errno from xenstored (-ENOENT: no such node) */
	char *data;	/* READ: the value, NUL-terminated; DIRECTORY: names, each NUL-terminated */
	unsigned len;	/* READ: the value's length; DIRECTORY: the number of names */
	unsigned owner; /* OWNER */
};

struct xsb;

/*
 * A connection of our own to xenstored's socket (XENSTORED_PATH or the
 * default), or, when that is not a socket, calls through h.
 */
int xsb_new(struct xs_handle *h, struct xsb **out);
void xsb_free(struct xsb *b);
DEFINE_FREEP(struct xsb, xsb_free)

/* The connection's fd, to watch for its hang-up (the sentinel); -EBADF through libxenstore. */
int xsb_fd(const struct xsb *b);

/*
 * Sends the n calls (in transaction tx, 0 for none) and reads their n
 * answers: one round trip. Each call's own outcome is in its err; returns
 * -errno only when the connection failed (then the fd hangs up: reconnect;
 * through libxenstore, the call that found xenstored gone returns its error
 * and the calls after it are not made). Once failed, -ENOTCONN. -E2BIG,
 * no call made, when a call does not fit a message (XENSTORE_PAYLOAD_MAX).
 */
int xsb_run(struct xsb *b, uint32_t tx, struct xsb_call *calls, unsigned n);
/* Frees the results of the calls. */
void xsb_clear(struct xsb_call *calls, unsigned n);

int xsb_transaction_start(struct xsb *b, uint32_t *tx);
/* Commits (or aborts); -EAGAIN: a conflicting writer, do the whole transaction again. */
int xsb_transaction_end(struct xsb *b, uint32_t tx, bool abort);

/* Round trips and calls (messages) so far. */
uint64_t xsb_round_trips(const struct xsb *b);
uint64_t xsb_messages(const struct xsb *b);
