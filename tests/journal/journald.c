/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A private journald for the journal tests (journald.h). */
#include <stdio.h>
#include <unistd.h>

#include "journald.h"
#include "privjournal.h"

int test_journald_start(struct test_journald *jd)
{
	char why[512];
	pid_t pid;

	*jd = (struct test_journald){0};
	if (geteuid() != 0 || access("/usr/bin/journalctl", X_OK) < 0) {
		fprintf(stderr, "# skip: needs root and journalctl\n");
		return -1;
	}
	pid = privjournal_start_journald(why, sizeof(why));
	if (pid < 0) {
		fprintf(stderr, "# skip: no private journald: %s\n", why);
		return -1;
	}
	jd->pid = pid;
	return 0;
}

void test_journald_stop(struct test_journald *jd)
{
	privjournal_stop_journald(jd->pid);
	*jd = (struct test_journald){0};
}
