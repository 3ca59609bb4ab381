/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the daemon's integration tests share: a real xenstored
 * (tests/xenstored), a simulated sysfs tree (pcirst-simtree) with a policy
 * directory, the real pcirstd binary, and helpers to write requests as a
 * client would and read the daemon's answers.
 *
 * With PCIRST_VALGRIND, pcirstd runs under valgrind memcheck
 * (daemon-valgrind.h), every wait is scaled by fixture_scale(), and teardown
 * fails the test on any error or definite leak.
 */
#pragma once

#include <stdbool.h>
#include <xenstore.h>

#include <pcirst/pcirst.h>

#include "testlib.h"
#include "util.h"
#include "xenstored-harness.h"

#define BASE "/local/domain/0/pci-reset"

struct fixture {
	struct xsh *xs;
	char dir[64];
	pid_t daemon;
	struct xs_handle *h;
	const char *extra[8]; /* more daemon arguments, NULL-terminated */
	unsigned counts[5];   /* under valgrind: ok, failed, failed-ignored, skipped, refused */
};

void sh(const char *fmt, ...) _printf_(1, 2);
/* How much slower the daemon runs than natively: 10 under valgrind, else 1. */
unsigned fixture_scale(void);
/* Starts pcirstd on the fixture's tree and policy, with f->extra appended. */
void start_daemon(struct fixture *f);
/* Waits (up to 8 s) until daemon/state is "ready" (want) or is not. */
void wait_ready(struct fixture *f, bool want);
int setup(void **state);
int teardown(void **state);
/* A request through libpcirst as libxl makes it (domid 3, attach). */
struct pcirst_result *request(const char *sbdf, const char *options);
/* A request written field by field in one transaction: kv is NULL-terminated pairs. */
void raw_request(struct fixture *f, const char *id, const char *const *kv);
/* Waits (up to 5 s, scaled) for response/<id>/state to read state. */
void wait_state(struct fixture *f, const char *id, const char *state);
/* Waits (up to 5 s, scaled) for response/<id>/state "done" and returns the field (free it). */
char *wait_response(struct fixture *f, const char *id, const char *field);
/* The same, asserting the field's value. */
void expect_response(struct fixture *f, const char *id, const char *field, const char *want);
/*
 * Polls n pending requests of one handle until each is answered (res[i], and
 * when at is not NULL the time it was seen, at[i]) or one failed (its error
 * returned: -EOWNERDEAD when the daemon died); asserts it takes under 5 s
 * (scaled). 0 when every request was answered.
 */
int wait_pending(struct pcirst *p, struct pcirst_pending *const *pd, struct pcirst_result **res,
		 usec_t *at, size_t n);
/* Replaces the policy file 50-test.json. */
void write_policy(struct fixture *f, const char *text);
/* SIGHUP, and a wait until the daemon logged the reload's outcome. */
void sighup(struct fixture *f);
