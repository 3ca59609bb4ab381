/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <sys/wait.h>

#include "daemon-fixture.h"
#include "daemon-valgrind.h"

bool valgrind_on(void)
{
	return getenv("PCIRST_VALGRIND") != NULL;
}

static const char *log_dir(const struct fixture *f)
{
	return getenv("PCIRST_VALGRIND_LOGS") ?: f->dir;
}

/* The logs of this fixture's daemons: LOGS/<fixture dir's suffix>.<pid>.log. */
static void log_prefix(const struct fixture *f, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", log_dir(f), strrchr(f->dir, '-') + 1);
}

void valgrind_argv(const struct fixture *f, const char **argv, unsigned *n, char *log, size_t size)
{
	char prefix[PATH_MAX];

	if (!valgrind_on())
		return;
	sh("mkdir -p '%s'", log_dir(f));
	log_prefix(f, prefix, sizeof(prefix));
	snprintf(log, size, "--log-file=%s.%%p.log", prefix);
	/* Exit 99 on any error or definite leak. */
	for (const char *const *a =
		 (const char *const[]){getenv("PCIRST_VALGRIND"), "--error-exitcode=99",
				       "--leak-check=full", "--errors-for-leak-kinds=definite",
				       "--show-leak-kinds=definite", log, NULL};
	     *a; a++)
		argv[(*n)++] = *a;
}

void valgrind_note_counts(struct fixture *f)
{
	char *v, *p;

	if (!valgrind_on())
		return;
	v = xs_read(f->h, XBT_NULL, BASE "/daemon/status", NULL);
	p = v ? strstr(v, "done: ") : NULL;
	if (p &&
	    sscanf(p, "done: %u ok, %u failed, %u failed-ignored, %u skipped, %u refused",
		   &f->counts[0], &f->counts[1], &f->counts[2], &f->counts[3], &f->counts[4]) != 5)
		memset(f->counts, 0, sizeof(f->counts));
	free(v);
}

/* The largest number a shell command prints (0 if none). */
static unsigned count(const char *cmd)
{
	unsigned n = 0, v;
	FILE *p = popen(cmd, "r");

	if (!p)
		return 0;
	while (fscanf(p, "%u", &v) == 1)
		n = v > n ? v : n;
	pclose(p);
	return n;
}

unsigned valgrind_verdict(const struct fixture *f, int status)
{
	char pattern[PATH_MAX + 8], cmd[PATH_MAX * 2 + 512];
	unsigned errors = 0, leaks = 0, summary = 0;
	glob_t g = {0};
	FILE *out;

	log_prefix(f, pattern, sizeof(pattern));
	strcat(pattern, ".*.log");
	(void)glob(pattern, 0, NULL, &g);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *log = g.gl_pathv[i];
		unsigned e, l, s;

		/* An error's first line; a SIGKILLed instance writes no summary. */
		snprintf(
		    cmd, sizeof(cmd),
		    "grep -cE '^==[0-9]+== (Invalid (read|write|free)|Mismatched free|"
		    "Conditional jump|Use of uninitialised|Syscall param|Source and destination "
		    "overlap|Argument .* of function|Process terminating)' %s",
		    log);
		e = count(cmd);
		snprintf(cmd, sizeof(cmd), "grep -cE '^==[0-9]+== .* are definitely lost' %s", log);
		l = count(cmd);
		snprintf(cmd, sizeof(cmd),
			 "sed -nE 's/^==[0-9]+== ERROR SUMMARY: ([0-9]+) errors.*/\\1/p' %s", log);
		s = count(cmd);
		if (e || l || s) {
			print_message("valgrind: %u errors, %u definite leaks in %s:\n", e, l, log);
			snprintf(cmd, sizeof(cmd), "cat %s >&2", log);
			(void)!system(cmd);
		}
		errors += e;
		leaks += l;
		summary += s;
	}
	/* Exit 99 is memcheck's verdict even if no line above matched. */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 99 && !errors && !leaks && !summary)
		summary = 1;
	snprintf(cmd, sizeof(cmd), "%s/summary", log_dir(f));
	out = fopen(cmd, "a");
	if (out) {
		fprintf(
		    out,
		    "fixture %s daemons %zu errors %u leaks %u ok %u failed %u failed-ignored %u "
		    "skipped %u refused %u\n",
		    strrchr(f->dir, '-') + 1, g.gl_pathc, errors + (summary > errors + leaks),
		    leaks, f->counts[0], f->counts[1], f->counts[2], f->counts[3], f->counts[4]);
		fclose(out);
	}
	globfree(&g);
	return errors + leaks + summary;
}
