/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runs one blocking call (a write to the kernel's "reset" or pciback's
 * "do_flr" attribute, which sleeps in the kernel for as long as the reset
 * takes) on a worker thread and reports its result in the event loop through
 * an eventfd, so the engine's single thread never blocks.
 */
#pragma once

#include <systemd/sd-event.h>

#include "util.h"

struct offload;

typedef int (*offload_fn)(void *arg);
/* Called in the event loop with fn's return value. */
typedef void (*offload_done_fn)(int result, void *userdata);

/*
 * Starts fn(arg) on a new thread. arg must stay valid until done runs or
 * offload_free() returns.
 */
int offload_start(sd_event *event, offload_fn fn, void *arg, offload_done_fn done, void *userdata,
		  struct offload **out);
/*
 * Forgets the call: done will not run. A call still in progress is waited
 * for (it cannot be interrupted) before this returns.
 */
void offload_free(struct offload *o);
DEFINE_FREEP(struct offload, offload_free)
