/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runs one blocking call (a write to the kernel's "reset" or pciback's
 * "do_flr" attribute, which sleeps in the kernel for as long as the reset
 * takes) on a worker thread and reports its result in the event loop through
 * an eventfd, so the engine's single thread never blocks.
 *
 * A call may have a deadline. A write that has not returned by then (a hung
 * device, a kernel waiting forever) is abandoned: done runs at once with
 * -ETIME, and the thread is left to finish in the kernel. It owns a
 * copy of its argument and its eventfd, frees them itself when the call
 * returns, and its late result is discarded; nothing waits for it, neither
 * the caller nor offload_free(). A thread the kernel never lets go stays
 * blocked (the kernel offers no way to cancel such a write); the daemon
 * goes on serving without it.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "util.h"

struct offload;

typedef int (*offload_fn)(void *arg);
/* Called in the event loop with fn's return value, or -ETIME when the deadline passed first. */
typedef void (*offload_done_fn)(int result, void *userdata);

/*
 * Starts fn on a new thread with a private copy of arg (arg_size bytes).
 * timeout 0: no deadline.
 */
int offload_start(sd_event *event, offload_fn fn, const void *arg, size_t arg_size, usec_t timeout,
		  offload_done_fn done, void *userdata, struct offload **out);
/*
 * Like offload_start(), but fn runs only once the thread of after (running,
 * abandoned, or NULL: none) has returned: a write that must land after one
 * the kernel still holds. If this call is abandoned while it waits, fn never
 * runs (its thread returns -ECANCELED, discarded like any abandoned result).
 */
int offload_start_after(sd_event *event, struct offload *after, offload_fn fn, const void *arg,
			size_t arg_size, usec_t timeout, offload_done_fn done, void *userdata,
			struct offload **out);
/*
 * Stops watching the call: done will not run (the deadline does the same
 * before it reports -ETIME). The thread is left to finish on its own;
 * offload_running() and offload_start_after() still see it until
 * offload_free().
 */
void offload_abandon(struct offload *o);
/* Whether the call's thread has not returned yet (watched or abandoned). */
bool offload_running(const struct offload *o);
/* Forgets the call: done will not run. A call still in progress is abandoned, not waited for. */
void offload_free(struct offload *o);
DEFINE_FREEP(struct offload, offload_free)

/* Calls abandoned since start whose thread has not returned yet (tests, status). */
unsigned offload_abandoned_running(void);
