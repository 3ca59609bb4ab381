/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the xenstore adapter (xs-protocol.c: connection, status, responses;
 * xs-requests.c: taking requests in). Nothing else includes this.
 */
#pragma once

#include <xenstore.h>

#include "xs-batch.h"
#include "xs-gc.h"
#include "xs-protocol.h"

#define MAX_FIELDS	16
#define CHECK_INTERVAL	(2 * USEC_PER_SEC)
#define BACKOFF_MIN	(100 * USEC_PER_MSEC)
#define BACKOFF_MAX	(5 * USEC_PER_SEC)
#define ERROR_VALUE_MAX 200
/*
 * A request answered sooner than this is never shown as "accepted": its
 * "done" comes first (docs/protocol.md, "Response").
 */
#define ACCEPTED_DELAY (20 * USEC_PER_MSEC)
/* BASE/response/<id>/<field> and the like fit (docs/protocol.md, "Limits": paths under 160). */
#define XSP_PATH_MAX 512

struct accepted_wait {
	struct accepted_wait *next;
	usec_t due;
	char id[REQUEST_ID_MAX + 1];
};

struct xsp {
	sd_event *event;
	char *base;
	char request_dir[XSP_PATH_MAX]; /* BASE/request */
	struct xs_handle *h;
	struct manager *manager;
	sd_event_source *io, *check;
	usec_t backoff;
	bool logged_down;
	char state[16];
	char instance[33];
	struct xs_gc *gc;
	usec_t gc_interval, gc_last;
	/*
	 * The request path's calls, several per round trip (xs-batch.h), on a
	 * connection that is also the sentinel: idle without wake-ups
	 * (docs/performance.md), its hang-up reports xenstored's death instead
	 * of a periodic read, and the clean-up timer stops once a round finds
	 * no response (gc_idle) until the next watch event.
	 */
	struct xsb *batch;
	sd_event_source *sentinel;
	bool gc_idle;
	char status[256]; /* the last daemon/status, published again on reconnect */
	void (*connection_changed)(void *userdata);
	void *connection_userdata;
	/*
	 * Request ids already taken in (handed to the manager, answered, or
	 * ignored and logged): a watch event for one of them costs a lookup,
	 * not a read. Rebuilt from a scan at every (re)connect.
	 */
	void *seen; /* tsearch tree of char * */
	unsigned n_seen;
	struct xsp_counters counters;
	/* Requests taken in whose "accepted" is not written yet (xs-responses.c). */
	struct accepted_wait *waiting;
	sd_event_source *accept_timer;
};

/* BASE/<rel>: one of a few static buffers (the adapter is single-threaded). */
char *xsp_path(const struct xsp *x, const char *fmt, ...) _printf_(2, 3);
/*
 * BASE/dir[/id[/field]] into buf (size XSP_PATH_MAX), for calls that go out
 * together; "" (no path: xenstored refuses it) when it does not fit.
 */
char *xsp_join(const struct xsp *x, char *buf, const char *dir, const char *id, const char *field);
/* xsb_run() on the connection, counted; -ENOTCONN while disconnected. */
int xsp_batch(struct xsp *x, uint32_t tx, struct xsb_call *calls, unsigned n);
bool xsp_write_str(struct xsp *x, xs_transaction_t t, const char *p, const char *v);
/* Runs fn inside a transaction, retrying the whole of it on EAGAIN (a conflicting writer). */
int xsp_in_transaction(struct xsp *x, int (*fn)(struct xsp *, xs_transaction_t, void *), void *arg);

/* xs-responses.c */
/* Forgets the requests waiting for their "accepted" (the adapter is freed). */
void xsp_waiting_clear(struct xsp *x);

/* xs-requests.c */
/* Every request under BASE/request (at connect, and when the watch names the directory). */
void xsp_scan(struct xsp *x);
/* One watch event: only the request its path names is looked at. */
void xsp_watch_event(struct xsp *x, const char *path);
/* Forgets every id taken in (a new connection: the store may be new). */
void xsp_seen_clear(struct xsp *x);
