/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctlrun.h"
#include "privjournal.h"

#define ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static char *read_all(int fd)
{
	char *buf = NULL, chunk[4096];
	size_t size = 0;
	FILE *m = open_memstream(&buf, &size);
	ssize_t n;

	assert_non_null(m);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		fwrite(chunk, 1, (size_t)n, m);
	fclose(m);
	return buf;
}

struct ctl_run ctl_run(const char *const *args)
{
	const char *ctl = getenv("PCIRSTCTL");
	char out[] = "/tmp/pcirst-ctl-out-XXXXXX", err[] = "/tmp/pcirst-ctl-err-XXXXXX";
	const char *argv[32] = {ctl};
	struct ctl_run r = {0};
	int fo, fe, st;
	size_t n = 1;
	pid_t pid;

	assert_non_null(ctl);
	/* pcirstctl reads the local journal (probe, policy suggest): a private, empty one. */
	privjournal_enter_or_skip();
	for (; args[n - 1] && n < ELEMS(argv) - 1; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	fo = mkstemp(out);
	fe = mkstemp(err);
	assert_true(fo >= 0 && fe >= 0);
	unlink(out);
	unlink(err);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fo, 1);
		dup2(fe, 2);
		execv(ctl, (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	r.status = WEXITSTATUS(st);
	r.out = read_all(fo);
	r.err = read_all(fe);
	close(fo);
	close(fe);
	return r;
}

void ctl_run_free(struct ctl_run *r)
{
	free(r->out);
	free(r->err);
}
