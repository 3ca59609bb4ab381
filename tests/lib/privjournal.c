/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A private mount namespace for journald's directories (privjournal.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "privjournal.h"

#define JOURNALD       "/lib/systemd/systemd-journald"
#define JOURNAL_SOCKET "/run/systemd/journal/socket"
/* Sorts after any distribution drop-in, so its settings win. */
#define DROPIN_DIR "/run/systemd/journald.conf.d"
#define DROPIN	   DROPIN_DIR "/zz-pcirst-test.conf"

static bool entered;

bool privjournal_entered(void)
{
	return entered;
}

static int fail(char *why, size_t size, int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(why, size, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < size)
		snprintf(why + n, size - (size_t)n, ": %s", strerror(err));
	return -err;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

/* Without root: a user namespace that maps only our own ids, then the mount namespace. */
static int unshare_unprivileged(char *why, size_t size)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return fail(why, size, errno, "unshare(CLONE_NEWUSER|CLONE_NEWNS)");
	snprintf(map, sizeof(map), "%u %u 1\n", uid, uid);
	if (write_file("/proc/self/setgroups", "deny\n") < 0 ||
	    write_file("/proc/self/uid_map", map) < 0)
		return fail(why, size, EPERM, "cannot map uid %u in a user namespace", uid);
	snprintf(map, sizeof(map), "%u %u 1\n", gid, gid);
	if (write_file("/proc/self/gid_map", map) < 0)
		return fail(why, size, EPERM, "cannot map gid %u in a user namespace", gid);
	return 0;
}

/* One entry of the host's /run (dirfd old) made visible again under the new /run. */
static int mirror(int old, const char *name, char *why, size_t size)
{
	char src[PATH_MAX], dst[PATH_MAX], target[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	if (fstatat(old, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0; /* gone meanwhile */
	snprintf(dst, sizeof(dst), "/run/%s", name);
	if (S_ISLNK(st.st_mode)) {
		n = readlinkat(old, name, target, sizeof(target) - 1);
		if (n < 0)
			return 0;
		target[n] = '\0';
		if (symlink(target, dst) < 0)
			return fail(why, size, errno, "symlink %s", dst);
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		if (mkdir(dst, st.st_mode & 07777) < 0)
			return fail(why, size, errno, "mkdir %s", dst);
	} else {
		fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			return fail(why, size, errno, "create %s", dst);
		close(fd);
	}
	snprintf(src, sizeof(src), "/proc/self/fd/%d/%s", old, name);
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return fail(why, size, errno, "bind %s", dst);
	return 0;
}

static int private_run(char *why, size_t size)
{
	int old = open("/run", O_PATH | O_DIRECTORY | O_CLOEXEC), r = 0;
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	DIR *d;

	if (old < 0)
		return fail(why, size, errno, "open /run");
	d = opendir("/run");
	if (!d) {
		close(old);
		return fail(why, size, errno, "opendir /run");
	}
	/* Read the whole listing first: the tmpfs hides it. */
	while ((e = readdir(d))) {
		char **more;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, "systemd") || !strcmp(e->d_name, "log"))
			continue;
		more = realloc(names, (n + 1) * sizeof(*names));
		if (!more)
			break;
		names = more;
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (mount("pcirst-run", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		r = fail(why, size, errno, "mount a tmpfs on /run");
	for (size_t i = 0; r >= 0 && i < n; i++)
		if (names[i])
			r = mirror(old, names[i], why, size);
	if (r >= 0 && (mkdir("/run/systemd", 0755) < 0 || mkdir("/run/systemd/journal", 0755) < 0 ||
		       mkdir("/run/log", 0755) < 0))
		r = fail(why, size, errno, "mkdir in the private /run");
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	close(old);
	return r;
}

int privjournal_enter(char *why, size_t size)
{
	struct stat st;
	int r;

	if (entered)
		return 0;
	if (unshare(CLONE_NEWNS) < 0) {
		if (errno != EPERM || geteuid() == 0)
			return fail(why, size, errno, "unshare(CLONE_NEWNS)");
		r = unshare_unprivileged(why, size);
		if (r < 0)
			return r;
	}
	/* Nothing mounted here may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail(why, size, errno, "make / private");
	r = private_run(why, size);
	if (r < 0)
		return r;
	if (stat("/var/log/journal", &st) == 0 &&
	    mount("pcirst-journal", "/var/log/journal", "tmpfs", MS_NOSUID | MS_NODEV,
		  "mode=0755") < 0)
		return fail(why, size, errno, "mount a tmpfs on /var/log/journal");
	/* A service manager's notify socket is the host's, not ours. */
	unsetenv("NOTIFY_SOCKET");
	entered = true;
	return 0;
}

void privjournal_enter_or_skip(void)
{
	char why[512];

	if (privjournal_enter(why, sizeof(why)) < 0) {
		fprintf(stderr,
			"# skip: no private journal namespace (%s): this test would "
			"reach the host's journal\n",
			why);
		exit(77);
	}
}

static bool socket_alive(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET};
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static const char dropin[] = "# pcirstd tests: a private journald that forwards nothing\n"
			     "[Journal]\n"
			     "Storage=volatile\n"
			     "ReadKMsg=no\n"
			     "ForwardToSyslog=no\n"
			     "ForwardToKMsg=no\n"
			     "ForwardToConsole=no\n"
			     "ForwardToWall=no\n"
			     "RateLimitBurst=0\n";

pid_t privjournal_start_journald(char *why, size_t size)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	pid_t pid;
	int r, fd;

	r = privjournal_enter(why, size);
	if (r < 0)
		return r;
	if (access(JOURNALD, X_OK) < 0)
		return fail(why, size, errno, "%s", JOURNALD);
	if (socket_alive())
		return fail(why, size, EEXIST, "a journald already listens in the private /run");
	if (mkdir(DROPIN_DIR, 0755) < 0 && errno != EEXIST)
		return fail(why, size, errno, "mkdir %s", DROPIN_DIR);
	fd = open(DROPIN, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, dropin, sizeof(dropin) - 1) != sizeof(dropin) - 1) {
		r = errno;
		if (fd >= 0)
			close(fd);
		return fail(why, size, r ? r : EIO, "write %s", DROPIN);
	}
	close(fd);
	pid = fork();
	if (pid < 0)
		return fail(why, size, errno, "fork");
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execl(JOURNALD, JOURNALD, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 300 && !socket_alive(); i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return fail(why, size, ECHILD, "%s exited at once", JOURNALD);
		nanosleep(&ts, NULL);
	}
	if (!socket_alive()) {
		privjournal_stop_journald(pid);
		return fail(why, size, ETIMEDOUT, "%s did not open %s", JOURNALD, JOURNAL_SOCKET);
	}
	return pid;
}

void privjournal_stop_journald(pid_t pid)
{
	struct timespec ts = {0, 10 * 1000 * 1000};

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 200; i++) {
		if (waitpid(pid, NULL, WNOHANG) != 0)
			return;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
