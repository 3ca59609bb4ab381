/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "check.h"

int failures;

void expect(const char *scenario, bool cond, const char *what)
{
	printf("%s %s: %s\n", cond ? "ok" : "FAILED", scenario, what);
	if (!cond)
		failures++;
}
