/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpcirst: ask pcirstd to reset PCI functions, over xenstore
 * (docs/protocol.md). For toolstacks such as libxl: open a handle, check
 * that the daemon is ready (else keep your old behaviour), send a request
 * and wait for the result, synchronously or from your own event loop.
 *
 * Every function returns 0 (or a documented positive value) on success and
 * a negative errno on failure. Handles are opaque.
 */
#pragma once

#include <stdint.h>

#include <pcirst/sbdf.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pcirst;
struct pcirst_pending;
struct pcirst_result;

/* The daemon's answer. */
enum pcirst_result_kind {
	PCIRST_RESULT_OK,	      /* reset done; see pcirst_result_effect() */
	PCIRST_RESULT_FAILED,	      /* strict policy: the reset failed, fail the attach */
	PCIRST_RESULT_FAILED_IGNORED, /* lenient policy: the reset failed, the attach may go on */
	PCIRST_RESULT_SKIPPED,	      /* the policy says never reset this device */
	PCIRST_RESULT_REFUSED,	      /* the request was malformed or not allowed */
};

/* Connects to xenstored (XENSTORED_PATH or the default); base NULL for the standard path. */
int pcirst_open(const char *base, struct pcirst **out);
void pcirst_close(struct pcirst *p);

/*
 * 1 when the daemon's state is "ready" and (with feature "liveness") its
 * process is alive, 0 when it is absent, not ready, or dead, or -errno.
 */
int pcirst_daemon_ready(struct pcirst *p);

/*
 * The daemon's liveness (docs/protocol.md, "Liveness"): 1 ready and alive
 * (an older daemon without the "liveness" feature: ready), 0 not ready
 * (absent, starting, stopping), -EOWNERDEAD when daemon/state says "ready"
 * but the process that wrote it is gone (killed, crashed): *stale_pid (may
 * be NULL) is its pid. Either way, fall back to your old behaviour at once.
 * Only meaningful in the daemon's pid namespace (dom0's root namespace).
 */
int pcirst_daemon_alive(struct pcirst *p, int *stale_pid);

/* Field 22 of /proc/<pid>/stat (clock ticks after boot), as the daemon publishes its own. */
int pcirst_process_start_time(int pid, uint64_t *out);

struct pcirst_request {
	const struct pcirst_sbdf *targets; /* functions reset together */
	unsigned n_targets;		   /* 1..8 */
	int domid;			   /* -1: none */
	const char *reason;		   /* "attach", "detach" or "manual" */
	const char *options;		   /* NULL, or e.g. "no-strict-reset" */
};

/*
 * Sends a request and waits up to timeout_ms for the answer. -ETIMEDOUT
 * when none came (the request is withdrawn), -ENOTCONN when the daemon is
 * not ready, -EOWNERDEAD when it is dead (a stale "ready"), at the start or
 * while waiting (judged about once a second): fall back to your old
 * behaviour.
 */
int pcirst_request_sync(struct pcirst *p, const struct pcirst_request *req, unsigned timeout_ms,
			struct pcirst_result **out);

/*
 * Asynchronous use: start a request, poll pcirst_fd() in your loop, and call
 * pcirst_pending_check() when it is readable and at least once a second:
 * 1 and *out set when answered, 0 while waiting, -EOWNERDEAD when the
 * daemon died (judged at most once a second), or -errno.
 */
int pcirst_request_start(struct pcirst *p, const struct pcirst_request *req,
			 struct pcirst_pending **out);
int pcirst_fd(struct pcirst *p);
int pcirst_pending_check(struct pcirst_pending *pending, struct pcirst_result **out);
/* Withdraws the request if unanswered, removes its nodes, frees pending. */
void pcirst_pending_free(struct pcirst_pending *pending);
const char *pcirst_pending_id(const struct pcirst_pending *pending);

enum pcirst_result_kind pcirst_result_kind(const struct pcirst_result *r);
const char *pcirst_result_name(const struct pcirst_result *r); /* "ok", "failed", ... */
const char *pcirst_result_method(const struct pcirst_result *r);
const char *pcirst_result_policy(const struct pcirst_result *r);
const char *pcirst_result_rule(const struct pcirst_result *r);
const char *pcirst_result_error(const struct pcirst_result *r);
uint64_t pcirst_result_duration_ms(const struct pcirst_result *r);
/*
 * With PCIRST_RESULT_OK: "verified" (the reset was seen to clear what it
 * must), "unverified" (nothing could show it: an unprogrammed function, or
 * the kernel's own reset); "" otherwise, and from a daemon that predates
 * the field (daemon/features without "effect").
 */
const char *pcirst_result_effect(const struct pcirst_result *r);
void pcirst_result_free(struct pcirst_result *r);

#ifdef __cplusplus
}
#endif
