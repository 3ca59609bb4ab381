/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A real journald for the journal tests (journald.h); as test-audit.c starts its own. */
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journald.h"
#include "testlib.h"
#include "util.h"

#define JSOCKET "/run/systemd/journal/socket"

static bool socket_alive(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = JSOCKET};
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	/* A datagram connect fails with ECONNREFUSED when nobody listens (a stale socket). */
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void jd_mkdir(struct test_journald *jd, const char *path)
{
	if (exists(path))
		return;
	assert_int_equal(mkdir(path, 0755), 0);
	jd->created[jd->n_created++] = path;
}

static int lock_journald(struct test_journald *jd)
{
	usec_t until = now_usec() + 5 * USEC_PER_SEC;

	jd->lock_fd = open(TEST_JOURNALD, O_RDONLY | O_CLOEXEC);
	assert_true(jd->lock_fd >= 0);
	while (flock(jd->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (now_usec() > until) {
			fprintf(stderr, "# skip: another test holds %s\n", TEST_JOURNALD);
			close(jd->lock_fd);
			jd->lock_fd = -1;
			return -1;
		}
		usleep(20000);
	}
	return 0;
}

int test_journald_start(struct test_journald *jd)
{
	static const char *const dirs[] = {"/run/log", TEST_JOURNAL_RUNTIME};
	usec_t until;

	*jd = (struct test_journald){.lock_fd = -1};
	if (geteuid() != 0 || access(TEST_JOURNALD, X_OK) < 0 ||
	    access("/usr/bin/journalctl", X_OK) < 0) {
		fprintf(stderr, "# skip: needs root, %s and journalctl\n", TEST_JOURNALD);
		return -1;
	}
	if (lock_journald(jd) < 0)
		return -1;
	if (socket_alive())
		return 0; /* someone else's journald: use it, leave it alone */
	jd_mkdir(jd, "/run/systemd");
	jd_mkdir(jd, "/run/systemd/journal");
	/* journald creates these itself; note now which ones are ours to remove. */
	for (unsigned i = 0; i < ELEMENTSOF(dirs); i++)
		if (!exists(dirs[i]))
			jd->created[jd->n_created++] = dirs[i];
	jd->pid = fork();
	assert_true(jd->pid >= 0);
	if (jd->pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execl(TEST_JOURNALD, TEST_JOURNALD, (char *)NULL);
		_exit(127);
	}
	until = now_usec() + 3 * USEC_PER_SEC;
	while (!socket_alive()) {
		assert_true(now_usec() < until);
		assert_int_equal(waitpid(jd->pid, NULL, WNOHANG), 0);
		usleep(10000);
	}
	return 0;
}

void test_journald_stop(struct test_journald *jd)
{
	if (jd->pid > 0) {
		usec_t until = now_usec() + 2 * USEC_PER_SEC;

		kill(jd->pid, SIGTERM);
		while (waitpid(jd->pid, NULL, WNOHANG) == 0) {
			if (now_usec() > until) {
				kill(jd->pid, SIGKILL);
				waitpid(jd->pid, NULL, 0);
				break;
			}
			usleep(10000);
		}
	}
	/* Deepest first: created[] was filled parents first. */
	for (unsigned i = jd->n_created; i > 0; i--)
		nftw(jd->created[i - 1], rm_one, 16, FTW_DEPTH | FTW_PHYS);
	/* Only now may another test start its own. */
	if (jd->lock_fd >= 0)
		close(jd->lock_fd);
	*jd = (struct test_journald){.lock_fd = -1};
}
