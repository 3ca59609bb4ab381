/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A real systemd-journald for the journal tests (docs/audit.md, Tests): the
 * running one when it answers, else one started here and stopped again by its
 * pid, serialized with the other tests by an flock() on the journald binary.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#define TEST_JOURNALD	     "/lib/systemd/systemd-journald"
#define TEST_JOURNAL_RUNTIME "/run/log/journal" /* volatile storage, where it writes here */

struct test_journald {
	pid_t pid; /* 0: none started (or one we did not start is used) */
	int lock_fd;
	const char *created[4]; /* directories this test created, removed at the end */
	unsigned n_created;
};

/* 0 and a journald to write to, or -1 (the caller skips; why is on stderr). */
int test_journald_start(struct test_journald *jd);
void test_journald_stop(struct test_journald *jd);
