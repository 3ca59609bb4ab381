/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The harness's checks: each printed as "ok" or "FAILED", failures counted. */
#ifndef PCIRST_CHECK_H
#define PCIRST_CHECK_H

#include <stdbool.h>

extern int failures;

void expect(const char *scenario, bool cond, const char *what);

#endif
