/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fault table's rig (tests/faults/README.md): a real xenstored (the
 * tests' hypervisor-less one), a simulated device tree (pcirst-simtree), the
 * real pcirstd (optionally under valgrind), and a client that writes requests
 * as the protocol says and counts every answer it sees: a watch on
 * BASE/response records each "done" per request, so an answer written twice
 * is seen, and a final sweep finds answers whose events were lost with a
 * killed xenstored.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <xenstore.h>

#define BASE	  "/local/domain/0/pci-reset"
#define REQ_MAX	  20000
#define ID_PREFIX "f"

struct answer {
	unsigned done;	 /* "done" seen this many times (watch events + final sweep) */
	char result[24]; /* the first answer's result */
	bool reason;	 /* a refusal named a reason (non-empty error) */
	char stamp[64];	 /* instance and duration-ms of the first answer */
	bool sent;
};

struct row {
	const char *scenario;
	unsigned sent, ok, failed, refused, skipped, lost, twice, crashed;
	long rss_start_kb, rss_peak_kb, rss_end_kb; /* of pcirstd; 0: not measured */
	bool expect_fail;			    /* a row whose answers must all fail/refuse */
	char note[200];
	bool bad; /* the row failed its expectations */
};

struct rig {
	struct xsh *xs;
	char dir[64];
	pid_t daemon;
	int daemon_status; /* when it ended, as waitpid gave it */
	bool daemon_ended, killed_by_us;
	unsigned crashes;
	struct xs_handle *h;	 /* requests and reads */
	struct xs_handle *watch; /* the response watch, read by the watcher thread */
	pthread_t watcher;
	bool watching;
	pthread_mutex_t lock;
	struct answer *ans;   /* REQ_MAX, by request number */
	unsigned next;	      /* the next request number */
	const char *valgrind; /* valgrind binary when the daemon runs under memcheck */
	unsigned valgrind_errors;
	const char *extra[8];	  /* more pcirstd arguments */
	const char *device_watch; /* --device-watch, "none" when NULL */
};

/* Everything up: tree, policy (text for 50-faults.json), xenstored, watcher, daemon ready. */
int rig_start(struct rig *r, const char *policy);
/* The daemon stopped (SIGTERM, its exit checked), the rest torn down. */
void rig_stop(struct rig *r);

int rig_start_daemon(struct rig *r);
/* Waits up to ms for daemon/state "ready". */
int rig_wait_ready(struct rig *r, unsigned ms);
/* SIGKILL the daemon, as a crash would; not counted as a crash. */
void rig_kill_daemon(struct rig *r);
/* Notes a daemon that died on its own (counted in crashed). */
void rig_check_daemon(struct rig *r);
/* Reconnects the client's handles and the watch after xenstored restarted. */
int rig_reconnect(struct rig *r);

/* A request written in one transaction, fields as NULL-terminated pairs; returns its number. */
int rig_request(struct rig *r, const char *const *kv);
/* The same, written with any id text (malformed ids); -1 if xenstored refused it. */
int rig_request_id(struct rig *r, const char *id, const char *const *kv, bool transaction);
/* Re-sends request n (same id, same fields) after xenstored lost it. */
int rig_resend(struct rig *r, int n, const char *const *kv);
void rig_id(unsigned n, char *buf, size_t size);

/* Waits until every sent request has an answer or ms passed without a new one. */
void rig_wait_answers(struct rig *r, unsigned idle_ms, unsigned max_ms);
/* Reads every response once more (answers whose watch events were lost). */
void rig_sweep(struct rig *r);
/* Fills the row's counts from the answers. */
void rig_tally(struct rig *r, struct row *row);

long rig_daemon_rss_kb(struct rig *r, bool peak);
void rig_write_policy(struct rig *r, const char *text);
/* The tree's config file for sbdf. */
void rig_cfg_path(struct rig *r, const char *sbdf, char *buf, size_t size);
uint64_t rig_now_ms(void);
void rig_sleep_ms(unsigned ms);
