/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A real systemd-journald for the journal tests (docs/audit.md, Tests),
 * always a private one: started in the test's own mount namespace
 * (tests/lib/privjournal.h), so entries never reach the host's journal and
 * tests do not wait for each other.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#define TEST_JOURNAL_RUNTIME "/run/log/journal" /* volatile storage, private to the test */

struct test_journald {
	pid_t pid;
};

/* 0 and a private journald to write to, or -1 (the caller skips; why is on stderr). */
int test_journald_start(struct test_journald *jd);
void test_journald_stop(struct test_journald *jd);
