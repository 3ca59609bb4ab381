/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xenstore side of the protocol (docs/protocol.md): the only code that
 * talks to xenstored. It owns the base path and its permissions, the daemon
 * status nodes, the watch on requests, and writes the responses; it feeds
 * requests to the manager and is the manager's reporter.
 *
 * The calls that take a request in and write its response go out several
 * per round trip on a second connection (xs-batch.h). A dead xenstored is
 * detected (the watch pipe never wakes when it dies, so that connection,
 * silent while idle, hangs up instead; through the kernel's xenbus device a
 * periodic cheap read checks the connection) and
 * the adapter reconnects with backoff, rebuilding everything it owns in the
 * (now empty) store. Idle, with a sentinel, it sets no timer at all.
 */
#pragma once

#include <systemd/sd-event.h>

#include "manager.h"

#define XSP_DEFAULT_BASE     "/local/domain/0/pci-reset"
#define XSP_PROTOCOL_VERSION "1"

struct xsp;
struct xs_handle;

int xsp_new(sd_event *event, const char *base, struct xsp **out);
void xsp_free(struct xsp *x);
DEFINE_FREEP(struct xsp, xsp_free)

/* The reporter to give the manager; then hand the manager back with xsp_set_manager(). */
struct manager_reporter xsp_reporter(struct xsp *x);
void xsp_set_manager(struct xsp *x, struct manager *m);

/*
 * Connects (retrying with backoff in the background when xenstored is not
 * there yet), sets up the base path, watches and scans for requests.
 * Returns 0, or -errno for what retrying cannot fix (bad permissions).
 */
int xsp_start(struct xsp *x);

/* The functions domains hold (xs-assigned.h), read on the request path's connection. */
int xsp_assigned_pci(struct xsp *x, struct pcirst_sbdf **out, unsigned *n);

/* Publishes daemon/state ("starting", "ready", "stopping"); kept across reconnects. */
int xsp_set_state(struct xsp *x, const char *state);

/* Clean-up timeouts (default 60 s for orphaned responses, 600 s for uncollected answers). */
void xsp_set_gc_timeouts(struct xsp *x, usec_t orphan, usec_t answered);

/* Publishes daemon/status, a one-line summary for pcirstctl status; again on reconnect. */
int xsp_set_status(struct xsp *x, const char *status);

/* cb(userdata) after each connect and each loss of the connection (for the status). */
void xsp_on_connection_change(struct xsp *x, void (*cb)(void *userdata), void *userdata);

/* The instance id this daemon publishes (32 hex digits). */
const char *xsp_instance(const struct xsp *x);

/* What the adapter costs (tests, and pcirstctl status through daemon/status). */
struct xsp_counters {
	uint64_t store_reads;  /* reads taking requests in (permissions, fields, state) */
	uint64_t gc_reads;     /* reads of the periodic clean-up (docs/protocol.md) */
	uint64_t watch_events; /* events on BASE/request */
	uint64_t scans;	       /* full listings of BASE/request */
	/* Round trips of the request path (xs-batch.h): of this connection, and of earlier ones. */
	uint64_t round_trips, round_trips_before;
};
const struct xsp_counters *xsp_counters(struct xsp *x);
bool xsp_connected(const struct xsp *x);
