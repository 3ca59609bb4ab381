/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Clean-up bookkeeping: orphaned responses and uncollected answers, with their timeouts. */
#include "testlib.h"
#include "xs-gc.h"

#define S USEC_PER_SEC

static void orphan_and_answered(void **state)
{
	_cleanup_(xs_gc_freep) struct xs_gc *gc = xs_gc_new(60 * S, 600 * S);

	assert_non_null(gc);
	/* t=0: an orphaned response, an answered request, one still being served. */
	assert_int_equal(xs_gc_observe(gc, "orphan", false, true, 0), GC_KEEP);
	assert_int_equal(xs_gc_observe(gc, "answered", true, true, 0), GC_KEEP);
	assert_int_equal(xs_gc_observe(gc, "busy", true, false, 0), GC_KEEP);
	xs_gc_end_round(gc);
	assert_int_equal(xs_gc_tracked(gc), 2);
	/* t=59 s: nothing yet. */
	assert_int_equal(xs_gc_observe(gc, "orphan", false, true, 59 * S), GC_KEEP);
	assert_int_equal(xs_gc_observe(gc, "answered", true, true, 59 * S), GC_KEEP);
	xs_gc_end_round(gc);
	/* t=60 s: the orphan goes. */
	assert_int_equal(xs_gc_observe(gc, "orphan", false, true, 60 * S), GC_REMOVE_RESPONSE);
	assert_int_equal(xs_gc_observe(gc, "answered", true, true, 60 * S), GC_KEEP);
	xs_gc_end_round(gc);
	assert_int_equal(xs_gc_tracked(gc), 1);
	/* t=600 s: the uncollected answer goes, request and all. */
	assert_int_equal(xs_gc_observe(gc, "answered", true, true, 600 * S), GC_REMOVE_BOTH);
	assert_int_equal(xs_gc_tracked(gc), 0);
}

static void state_changes_restart_the_clock(void **state)
{
	_cleanup_(xs_gc_freep) struct xs_gc *gc = xs_gc_new(60 * S, 600 * S);

	/* Answered at 0; the client removes its request at 500 s: now an orphan from 500 s. */
	assert_int_equal(xs_gc_observe(gc, "x", true, true, 0), GC_KEEP);
	xs_gc_end_round(gc);
	assert_int_equal(xs_gc_observe(gc, "x", false, true, 500 * S), GC_KEEP);
	xs_gc_end_round(gc);
	assert_int_equal(xs_gc_observe(gc, "x", false, true, 559 * S), GC_KEEP);
	xs_gc_end_round(gc);
	assert_int_equal(xs_gc_observe(gc, "x", false, true, 560 * S), GC_REMOVE_RESPONSE);
	/* A resubmitted request being served again is not timed. */
	assert_int_equal(xs_gc_observe(gc, "y", false, false, 0), GC_KEEP);
	assert_int_equal(xs_gc_observe(gc, "y", true, false, 100 * S), GC_KEEP);
	assert_int_equal(xs_gc_tracked(gc), 0);
}

static void forgets_what_clients_removed(void **state)
{
	_cleanup_(xs_gc_freep) struct xs_gc *gc = xs_gc_new(60 * S, 600 * S);
	char id[80];

	assert_int_equal(xs_gc_observe(gc, "gone", false, true, 0), GC_KEEP);
	xs_gc_end_round(gc);
	xs_gc_end_round(gc); /* not observed: the client cleaned up */
	assert_int_equal(xs_gc_tracked(gc), 0);
	/* It came back later: its clock starts again. */
	assert_int_equal(xs_gc_observe(gc, "gone", false, true, 100 * S), GC_KEEP);
	/* Ids that are not protocol ids are not timed. */
	memset(id, 'a', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	assert_int_equal(xs_gc_observe(gc, id, false, true, 0), GC_KEEP);
	assert_int_equal(xs_gc_observe(gc, id, false, true, 1000 * S), GC_KEEP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(orphan_and_answered),
	    cmocka_unit_test(state_changes_restart_the_clock),
	    cmocka_unit_test(forgets_what_clients_removed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
