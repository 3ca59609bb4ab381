/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A manager on the in-memory device model with a real policy, for the
 * manager's tests and the device watch's wiring test: root ports 00:01-03.0,
 * pciback functions 01:00.0 (a), 01:00.1 (d), 02:00.0 (b, rule lenient),
 * 03:00.0 (c, rule skip), FLR wait 30 ms; every answer and audit MESSAGE_ID
 * recorded.
 */
#pragma once

#include "enginetest.h"
#include "manager.h"

#define MAX_EVENTS 32

struct event {
	bool done;
	char id[REQUEST_ID_MAX + 1];
	struct manager_result res;
	usec_t at;
};

struct recorder {
	struct event ev[MAX_EVENTS];
	unsigned n, n_done, n_audit;
	char audit_ids[MAX_EVENTS][40];
};

struct mfixture {
	struct devmodel *model;
	struct simdev *a, *b, *c, *d;
	sd_event *event;
	struct policy_handle *policy;
	struct recorder rec;
	struct audit_sink sink;
	struct manager *m;
};

int mfixture_setup(void **state);
int mfixture_teardown(void **state);
/* A request as the xenstore adapter would hand it over (reason attach). */
void msubmit(struct mfixture *f, const char *id, const char *sbdf, const char *options);
/* Runs the loop until n_done answers were recorded (at most 5 s). */
void mrun_until(struct mfixture *f, unsigned n_done);
/* The accepted (done false) or answered (done true) event of request id; fails the test if none. */
const struct event *mfind(const struct mfixture *f, const char *id, bool done);
