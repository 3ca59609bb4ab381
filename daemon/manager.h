/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The manager turns accepted requests into resets. It asks the policy,
 * runs resets in parallel across independent reset domains and serializes
 * the rest, shares one outcome between identical requests, and reports every
 * outcome to the protocol adapter and the audit trail. It touches the
 * outside world only through the interfaces it is given.
 */
#pragma once

#include <systemd/sd-event.h>

#include "audit.h"
#include "engine.h"
#include "policy.h"
#include "request.h"

/* The protocol's result values (docs/protocol.md). */
enum manager_result_kind {
	RESULT_OK,
	RESULT_FAILED,
	RESULT_FAILED_IGNORED,
	RESULT_SKIPPED,
	RESULT_REFUSED,
	_RESULT_MAX,
};

const char *manager_result_name(enum manager_result_kind r);

struct manager_result {
	enum manager_result_kind result;
	char method[32];    /* the method that reset the device, "" if none */
	char effect[16];    /* with RESULT_OK: "verified" or "unverified"; else "" */
	char policy[16];    /* strict, lenient, skip, "" when refused early */
	char rule[WHY_MAX]; /* "file:line" or "default" */
	char error[WHY_MAX];
	uint64_t duration_ms;
};

/* How the manager answers; the xenstore adapter in the daemon, a recorder in tests. */
struct manager_reporter {
	void (*accepted)(void *userdata, const struct request *r);
	void (*done)(void *userdata, const struct request *r, const struct manager_result *res);
	void *userdata;
};

struct manager;

int manager_new(sd_event *event, struct pci_host *host, struct policy_handle *policy,
		const struct audit_sink *audit, const struct manager_reporter *reporter,
		struct manager **out);
void manager_free(struct manager *m);
DEFINE_FREEP(struct manager, manager_free)

/*
 * At most this many requests are held (queued, running, or sharing another's
 * reset); one more is answered refused ("queue full"). Memory stays below
 * max * manager_request_size() for the requests.
 */
#define MANAGER_MAX_REQUESTS_DEFAULT 256
void manager_set_max_requests(struct manager *m, unsigned max);
unsigned manager_max_requests(const struct manager *m);
size_t manager_request_size(void);

/*
 * Where the manager learns which functions domains hold (the daemon: the
 * pci backends in xenstore, xs-assigned.h). Asked only by a reset whose
 * target is an SR-IOV PF with VFs, once per reset; the engine refuses such
 * a PF when a VF is listed (answered refused). Without a source, or when it
 * fails (logged), only the VFs' drivers are judged.
 */
struct manager_assigned_source {
	int (*list)(void *userdata, struct pcirst_sbdf **out, unsigned *n);
	void *userdata;
};
void manager_set_assigned_source(struct manager *m, const struct manager_assigned_source *src);

/* Overrides the engine's timings (tests). */
void manager_set_timing(struct manager *m, const struct reset_timing *t);

/*
 * Takes a parsed request. It is answered exactly once, through the
 * reporter: refused at once (unknown device), or accepted and later done.
 * A request with the id of one the manager already holds is ignored
 * (returns -EEXIST): a store event may show the same request twice.
 */
int manager_submit(struct manager *m, const struct request *r);

/* Answers a request that could not be parsed: refused, audited. */
void manager_refuse(struct manager *m, const char *id, const char *error);

/* Whether the manager holds a request with this id (queued, running or waiting). */
bool manager_has(const struct manager *m, const char *id);

unsigned manager_running(const struct manager *m);
/* power/control values waiting for an abandoned kernel write to return (power-late.h). */
unsigned manager_power_pending(const struct manager *m);
/*
 * Where a value still waiting when the manager is freed is kept for the
 * next instance (the daemon: power-left.h). save returns 0 or -errno; what
 * it returned is said in the audit entry. Without it the entry only says
 * how to set the value back by hand.
 */
struct manager_power_keeper {
	int (*save)(void *userdata, const struct pcirst_sbdf *sbdf, const char *value);
	void *userdata;
	const char *where; /* named in the audit entry */
};
void manager_set_power_keeper(struct manager *m, const struct manager_power_keeper *k);
/*
 * A value the instance before this one kept: written back (on a worker
 * thread, audited when done) if power/control still reads "on"; otherwise
 * someone set it since, and it is left as it is (logged). 1 written back,
 * 0 left, -errno.
 */
int manager_power_inherit(struct manager *m, const struct pcirst_sbdf *sbdf, const char *value);
unsigned manager_queued(const struct manager *m);
/* Totals since start, for STATUS= and pcirstctl status. */
void manager_counts(const struct manager *m, unsigned counts[_RESULT_MAX]);

/* A function disappeared: resets touching it abort, queued requests for it are answered. */
void manager_device_removed(struct manager *m, const struct pcirst_sbdf *sbdf);

/*
 * Graceful stop, first phase: nothing new starts; running resets go on.
 * Queued requests stay unanswered for the next instance to take over.
 */
void manager_stop_starting(struct manager *m);

/* Shutdown: queued requests are answered failed, running resets aborted at a safe point. */
void manager_abort_all(struct manager *m, const char *reason);
