/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The real pcirstd under measurement: started with NOTIFY_SOCKET pointing at
 * a socket of ours, so exec to READY=1 is timed the way systemd sees it;
 * its memory and context switches read from /proc.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "bench.h"

#define READY_TIMEOUT (20 * USEC_PER_SEC)

static int notify_socket(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* Waits for a datagram containing READY=1; returns 0 or -ETIMEDOUT/-ECHILD. */
static int wait_ready(int fd, pid_t pid, usec_t deadline)
{
	char buf[4096];

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		usec_t now = now_usec();
		ssize_t len;
		int status;

		if (now >= deadline)
			return -ETIMEDOUT;
		if (waitpid(pid, &status, WNOHANG) == pid)
			return -ECHILD;
		if (poll(&p, 1, 100) <= 0)
			continue;
		len = recv(fd, buf, sizeof(buf) - 1, 0);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		if (strstr(buf, "READY=1"))
			return 0;
	}
}

int daemon_start(struct bench_daemon *d, const char *dir, const char *const *policy_dirs,
		 unsigned n_dirs)
{
	char sock[512], root[512], log[512];
	_cleanup_(closep) int fd = -EBADF;
	usec_t t0;
	int r;

	snprintf(sock, sizeof(sock), "%s/notify", dir);
	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(log, sizeof(log), "%s/pcirstd.log", dir);
	fd = notify_socket(sock);
	if (fd < 0)
		return fd;
	t0 = now_usec();
	d->pid = fork();
	if (d->pid < 0)
		return -errno;
	if (d->pid == 0) {
		const char *argv[24] = {"pcirstd", "--sysfs-root", root,    "--device-watch",
					"none",	   "--log-level",  "notice"};
		unsigned n = 7;
		int lfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		if (lfd >= 0)
			dup2(lfd, STDERR_FILENO);
		for (unsigned i = 0; i < n_dirs && n + 2 < ELEMENTSOF(argv); i++) {
			argv[n++] = "--policy-dir";
			argv[n++] = policy_dirs[i];
		}
		setenv("NOTIFY_SOCKET", sock, 1);
		if (d->callgrind_out) {
			/* valgrind's own arguments, then pcirstd's (argv[0] replaced by its path).
			 */
			const char *vg[32] = {"valgrind", "--tool=callgrind", "-q"};
			char out[600];
			unsigned k = 3;

			snprintf(out, sizeof(out), "--callgrind-out-file=%s", d->callgrind_out);
			vg[k++] = out;
			vg[k++] = d->binary ? d->binary : getenv("PCIRSTD");
			for (unsigned i = 1; i < n && k + 1 < ELEMENTSOF(vg); i++)
				vg[k++] = argv[i];
			execvp("valgrind", (char **)vg);
			_exit(127);
		}
		execv(d->binary ? d->binary : getenv("PCIRSTD"), (char **)argv);
		_exit(127);
	}
	r = wait_ready(fd, d->pid, t0 + READY_TIMEOUT);
	d->ready_usec = (double)(now_usec() - t0);
	if (r < 0) {
		if (r == -ETIMEDOUT)
			daemon_stop(d);
		d->pid = 0;
		bench_fail("pcirstd did not become ready (%s); its log: %s", strerror(-r), log);
	}
	unlink(sock);
	return r;
}

void daemon_stop(struct bench_daemon *d)
{
	int status;

	if (d->pid <= 0)
		return;
	kill(d->pid, SIGTERM);
	/* Under valgrind, stopping (and writing the profile) takes longer. */
	for (unsigned i = 0; i < (d->callgrind_out ? 600u : 100u); i++) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				bench_fail("pcirstd exited with status %#x", status);
			d->pid = 0;
			return;
		}
		usleep(50 * 1000);
	}
	bench_fail("pcirstd did not stop within %u s of SIGTERM", d->callgrind_out ? 30 : 5);
	kill(d->pid, SIGKILL);
	waitpid(d->pid, &status, 0);
	d->pid = 0;
}

/* The value of "key:" in a /proc status file, or -1. */
static long status_field(const char *path, const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':') {
			v = strtol(line + strlen(key) + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

long daemon_rss_kib(pid_t pid, const char *key)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	return status_field(path, key);
}

/* Voluntary and involuntary switches of every thread: each is a wake-up. */
long daemon_ctxt_switches(pid_t pid)
{
	char path[96];
	struct dirent *e;
	long sum = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/status", (int)pid, e->d_name);
		long v = status_field(path, "voluntary_ctxt_switches");
		long nv = status_field(path, "nonvoluntary_ctxt_switches");

		if (v >= 0)
			sum += v;
		if (nv >= 0)
			sum += nv;
	}
	closedir(dir);
	return sum;
}
