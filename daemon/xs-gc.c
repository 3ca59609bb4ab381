/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "request.h"
#include "xs-gc.h"

enum gc_kind {
	GC_ORPHAN,
	GC_ANSWERED
};

struct gc_entry {
	char id[REQUEST_ID_MAX + 1];
	enum gc_kind kind;
	usec_t since;
	unsigned round;
};

struct xs_gc {
	usec_t timeout[2];
	struct gc_entry *v;
	unsigned n, cap;
	unsigned round;
};

struct xs_gc *xs_gc_new(usec_t orphan_timeout, usec_t answered_timeout)
{
	struct xs_gc *gc = calloc(1, sizeof(*gc));

	if (gc) {
		gc->timeout[GC_ORPHAN] = orphan_timeout;
		gc->timeout[GC_ANSWERED] = answered_timeout;
	}
	return gc;
}

void xs_gc_free(struct xs_gc *gc)
{
	if (!gc)
		return;
	free(gc->v);
	free(gc);
}

static void drop(struct xs_gc *gc, unsigned i)
{
	gc->v[i] = gc->v[--gc->n];
}

enum gc_action xs_gc_observe(struct xs_gc *gc, const char *id, bool request_present, bool done,
			     usec_t now)
{
	enum gc_kind kind = request_present ? GC_ANSWERED : GC_ORPHAN;
	unsigned i;

	for (i = 0; i < gc->n; i++)
		if (streq(gc->v[i].id, id))
			break;
	if (request_present && !done) {
		/* Still being served: nothing to time. */
		if (i < gc->n)
			drop(gc, i);
		return GC_KEEP;
	}
	if (i == gc->n) {
		if (strlen(id) > REQUEST_ID_MAX)
			return GC_KEEP; /* not a protocol id: not ours to judge */
		if (gc->n == gc->cap) {
			unsigned cap = gc->cap ? gc->cap * 2 : 16;
			struct gc_entry *v = reallocarray(gc->v, cap, sizeof(*v));

			if (!v)
				return GC_KEEP; /* try again next round */
			gc->v = v;
			gc->cap = cap;
		}
		gc->v[gc->n++] = (struct gc_entry){.kind = kind, .since = now};
		snprintf(gc->v[i].id, sizeof(gc->v[i].id), "%s", id);
	} else if (gc->v[i].kind != kind) {
		gc->v[i].kind = kind;
		gc->v[i].since = now;
	}
	gc->v[i].round = gc->round;
	if (now - gc->v[i].since < gc->timeout[kind])
		return GC_KEEP;
	drop(gc, i);
	return kind == GC_ORPHAN ? GC_REMOVE_RESPONSE : GC_REMOVE_BOTH;
}

void xs_gc_end_round(struct xs_gc *gc)
{
	for (unsigned i = 0; i < gc->n;)
		if (gc->v[i].round != gc->round)
			drop(gc, i);
		else
			i++;
	gc->round++;
}

unsigned xs_gc_tracked(const struct xs_gc *gc)
{
	return gc->n;
}
