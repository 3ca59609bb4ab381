/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Collecting what clients leave behind (docs/protocol.md, "Clean-up"): a
 * response whose request is gone (the client gave up) is removed after the
 * orphan timeout; an answered request the client never collected is removed,
 * with its response, after the answered timeout. Pure bookkeeping: the
 * xenstore adapter observes each response once per round and acts on the
 * verdict.
 */
#pragma once

#include <stdbool.h>

#include "util.h"

enum gc_action {
	GC_KEEP,
	GC_REMOVE_RESPONSE, /* the request is gone */
	GC_REMOVE_BOTH,	    /* answered long ago and never collected */
};

struct xs_gc;

struct xs_gc *xs_gc_new(usec_t orphan_timeout, usec_t answered_timeout);
void xs_gc_free(struct xs_gc *gc);
DEFINE_FREEP(struct xs_gc, xs_gc_free)

/* One response seen in this round: whether its request exists, whether it is done. */
enum gc_action xs_gc_observe(struct xs_gc *gc, const char *id, bool request_present, bool done,
			     usec_t now);
/* Ends a round: forgets ids not observed in it (removed by their clients meanwhile). */
void xs_gc_end_round(struct xs_gc *gc);
/* How many ids are being timed (for tests). */
unsigned xs_gc_tracked(const struct xs_gc *gc);
