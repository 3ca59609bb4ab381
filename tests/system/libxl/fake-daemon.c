/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A fake pcirstd: its nodes, and a child process standing for it (fake-daemon.h). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake-daemon.h"
#include "libxl-standin.h"
#include "run-reset.h"

static pid_t child = -1;

static void write_node(const char *node, const char *value)
{
	xs_write(xsh, XBT_NULL, gc_sprintf("%s/%s", pcirstd_path, node), value, strlen(value));
}

void fake_daemon(const char *state, const char *features, bool alive_child)
{
	char stat[1024], *p, *tok, *save;
	int field;

	xs_rm(xsh, XBT_NULL, pcirstd_path);
	write_node("daemon/state", state);
	write_node("daemon/features", features);
	if (!alive_child)
		return;
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	snprintf(stat, sizeof(stat), "/proc/%d/stat", child);
	FILE *f = fopen(stat, "r");
	if (!f || !fgets(stat, sizeof(stat), f))
		abort();
	fclose(f);
	p = strrchr(stat, ')') + 1;
	for (field = 3, tok = strtok_r(p, " ", &save); field < 22; field++)
		tok = strtok_r(NULL, " ", &save);
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", child);
	write_node("daemon/pid", pid);
	write_node("daemon/start-time", tok);
}

void kill_child(void)
{
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = -1;
	}
}

void kill_at_500ms(long elapsed)
{
	if (elapsed >= 500)
		kill_child();
}

void stopping_at_500ms(long elapsed)
{
	if (elapsed >= 500)
		write_node("daemon/state", "stopping");
}

void answer_ok_at_300ms(long elapsed)
{
	unsigned int n = 0;
	char **ids;

	if (elapsed < 300)
		return;
	ids = xs_directory(xsh, XBT_NULL, gc_sprintf("%s/request", pcirstd_path), &n);
	for (unsigned int i = 0; i < n; i++) {
		const char *r = gc_sprintf("%s/response/%s/", pcirstd_path, ids[i]);
		unsigned int len;

		if (xs_read(xsh, XBT_NULL, gc_sprintf("%sstate", r), &len))
			continue;
		xs_transaction_t t = xs_transaction_start(xsh);
		xs_write(xsh, t, gc_sprintf("%sresult", r), "ok", 2);
		xs_write(xsh, t, gc_sprintf("%smethod", r), "flr", 3);
		xs_write(xsh, t, gc_sprintf("%spolicy", r), "strict", 6);
		xs_write(xsh, t, gc_sprintf("%srule", r), "default", 7);
		xs_write(xsh, t, gc_sprintf("%sstate", r), "done", 4);
		xs_transaction_end(xsh, t, false);
	}
	free(ids);
}
