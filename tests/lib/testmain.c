/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "testmain.h"

bool test_skipped;

int test_run_group(const char *name, const struct CMUnitTest *tests, size_t n,
		   CMFixtureFunction setup, CMFixtureFunction teardown, int argc, char **argv)
{
	char pattern[128];
	int failed;

	if (argc > 2) {
		fprintf(stderr, "usage: %s [PART]\n", argv[0]);
		return 2;
	}
	if (argc == 2) {
		size_t len = (size_t)snprintf(pattern, sizeof(pattern), "%s__", argv[1]), found = 0;

		for (size_t i = 0; i < n; i++)
			found += strncmp(tests[i].name, pattern, len) == 0;
		/* A part that names no test would pass having done nothing. */
		if (!found) {
			fprintf(stderr, "%s: no test of part '%s' (named %s*)\n", argv[0], argv[1],
				pattern);
			return 2;
		}
		snprintf(pattern + len, sizeof(pattern) - len, "*");
		cmocka_set_test_filter(pattern);
	} else {
		cmocka_set_skip_filter("*__*");
	}
	failed = _cmocka_run_group_tests(name, tests, n, setup, teardown);
	return failed ? failed : test_skipped ? 77 : 0;
}
