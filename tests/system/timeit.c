/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * timeit [-a OUT LABEL] write FILE VALUE
 * timeit [-a OUT LABEL] run COMMAND [ARG...]
 *
 * The dom0 bench's clock (tests/system/guest/bench.sh), for what busybox's
 * shell cannot time to the microsecond: "write" times the one write() of
 * VALUE into FILE (the kernel's sysfs `reset` runs the whole reset inside
 * it), "run" the command from fork to exit (a client process under TCG,
 * start-up included). Either prints "USEC STATUS" on the last line of
 * standard error: STATUS is 0 or the errno of the write, or the command's
 * exit status (128 + signal when killed); with -a, "LABEL USEC" is also
 * appended to OUT (no process spent on parsing it). Exits 0 or 1 (write), or
 * with the command's status (run). Runs inside the QEMU guest only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *out_path, *out_label;

static void report(long long usec, int status)
{
	FILE *f;

	fprintf(stderr, "%lld %d\n", usec, status);
	if (!out_path)
		return;
	f = fopen(out_path, "ae");
	if (!f) {
		fprintf(stderr, "timeit: %s: %s\n", out_path, strerror(errno));
		return;
	}
	fprintf(f, "%s %lld\n", out_label, usec);
	fclose(f);
}

static long long now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int time_write(const char *path, const char *value)
{
	size_t len = strlen(value);
	long long t0, t1;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "timeit: open %s: %s\n", path, strerror(errno));
		return 1;
	}
	t0 = now_usec();
	n = write(fd, value, len);
	t1 = now_usec();
	if (n < 0)
		err = errno;
	else if ((size_t)n != len)
		err = EIO;
	close(fd);
	if (err)
		fprintf(stderr, "timeit: write %s: %s\n", path, strerror(err));
	report(t1 - t0, err);
	return err ? 1 : 0;
}

static int time_run(char **argv)
{
	long long t0, t1;
	int status, code;
	pid_t pid;

	t0 = now_usec();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "timeit: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "timeit: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "timeit: waitpid: %s\n", strerror(errno));
			return 1;
		}
	t1 = now_usec();
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	report(t1 - t0, code);
	return code;
}

int main(int argc, char **argv)
{
	if (argc > 3 && strcmp(argv[1], "-a") == 0) {
		out_path = argv[2];
		out_label = argv[3];
		argc -= 3;
		argv += 3;
	}
	if (argc == 4 && strcmp(argv[1], "write") == 0)
		return time_write(argv[2], argv[3]);
	if (argc >= 3 && strcmp(argv[1], "run") == 0)
		return time_run(argv + 2);
	fputs("usage: timeit [-a OUT LABEL] write FILE VALUE | run COMMAND [ARG...]\n", stderr);
	return 2;
}
