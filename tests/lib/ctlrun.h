/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running the real pcirstctl binary from a test, its output captured. */
#pragma once

#include "testlib.h"

struct ctl_run {
	int status; /* the exit status (the test fails if it did not exit) */
	char *out, *err;
};

/* Runs $PCIRSTCTL with args (NULL-terminated) in the current directory. */
struct ctl_run ctl_run(const char *const *args);
void ctl_run_free(struct ctl_run *r);
