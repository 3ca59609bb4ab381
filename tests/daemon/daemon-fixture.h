/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the daemon's integration tests share: a real xenstored
 * (tests/xenstored), a simulated sysfs tree (pcirst-simtree) with a policy
 * directory, the real pcirstd binary, and helpers to write requests as a
 * client would and read the daemon's answers.
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
};

void sh(const char *fmt, ...) _printf_(1, 2);
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
/* Waits (up to 5 s) for response/<id>/state "done" and returns the field (free it). */
char *wait_response(struct fixture *f, const char *id, const char *field);
/* Replaces the policy file 50-test.json. */
void write_policy(struct fixture *f, const char *text);
/* SIGHUP and a pause for the reload. */
void sighup(struct fixture *f);
