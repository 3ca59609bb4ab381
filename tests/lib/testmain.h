/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Skips that ctest sees as skips. cmocka's skip() leaves the exit status 0,
 * so ctest would show "Passed" for a test that did nothing: tests skip with
 * test_skip() instead, and test_run() exits 77 (SKIP_RETURN_CODE) when any
 * test skipped and none failed.
 *
 * Parts: a test that may skip on some machines (needs journald, a network
 * namespace, ...) is named PART__NAME. tests/CMakeLists.txt finds those names
 * in the source and registers one ctest test AREA/FILE/PART per part, run as
 * "BINARY PART"; the plain AREA/FILE runs every test without "__". So a
 * skipped part is one visible skip, and the rest still counts as passed.
 */
#pragma once

#include <stdbool.h>

#include "testlib.h"

extern bool test_skipped;

#define test_skip()                  \
	do {                         \
		test_skipped = true; \
		skip();              \
	} while (0)

int test_run_group(const char *name, const struct CMUnitTest *tests, size_t n,
		   CMFixtureFunction setup, CMFixtureFunction teardown, int argc, char **argv);

#define test_run(tests, setup, teardown, argc, argv)                                             \
	test_run_group(#tests, tests, sizeof(tests) / sizeof((tests)[0]), setup, teardown, argc, \
		       argv)
