/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Runs a real cxenstored for tests; see xenstored-harness.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <stdint.h> /* xs_wire.h uses uint32_t without including it */
#include <xen/io/xs_wire.h>

#include "xenstored-harness.h"

#define START_TIMEOUT_USEC (5 * 1000 * 1000)
#define STOP_TIMEOUT_USEC  (2 * 1000 * 1000)
#define POLL_STEP_USEC	   1000

extern char **environ;

struct xsh {
	char dir[PATH_MAX];
	char socket[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char pidfile[PATH_MAX];
	char log[PATH_MAX];
	pid_t pid;
	uint64_t start_usec;
};

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_usec(uint64_t usec)
{
	struct timespec ts = {.tv_sec = usec / 1000000, .tv_nsec = (usec % 1000000) * 1000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool usable(const char *path, int mode)
{
	struct stat st;

	return path && *path && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, mode) == 0;
}

int xsh_available(const char **why)
{
	static char msg[PATH_MAX + 200];
	const char *bin = getenv("PCIRST_XENSTORED");
	const char *shim = getenv("PCIRST_XS_SHIM");

	if (!bin || !*bin)
		snprintf(msg, sizeof(msg),
			 "PCIRST_XENSTORED is not set (build with -DPCIRST_XENSTORED_TESTS=ON, "
			 "or run tests/xenstored/get-xenstored.sh and point it at the path it "
			 "prints)");
	else if (!usable(bin, X_OK))
		snprintf(msg, sizeof(msg),
			 "no xenstored at PCIRST_XENSTORED=%s (did get-xenstored.sh fail at build "
			 "time? see the build log)",
			 bin);
	else if (!shim || !*shim)
		snprintf(msg, sizeof(msg), "PCIRST_XS_SHIM is not set");
	else if (!usable(shim, R_OK))
		snprintf(msg, sizeof(msg), "no shim at PCIRST_XS_SHIM=%s", shim);
	else
		return 0;
	if (why)
		*why = msg;
	return -ENOENT;
}

/* The log of xenstored's stdout/stderr, to explain a failed start. */
static void dump_log(const struct xsh *x)
{
	char buf[4096];
	FILE *f = fopen(x->log, "re");
	size_t n;

	if (!f)
		return;
	fprintf(stderr, "xsh: xenstored's output (%s):\n", x->log);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(f);
}

/*
 * The child's environment: ours, minus what would confuse xenstored (another
 * preload, e.g. a sanitizer runtime, or a run directory elsewhere), plus the
 * shim and our run directory. XENSTORED_PATH is where xenstored binds.
 * The strings from env[*own] on are ours to free; the others are borrowed.
 */
static char **child_env(const struct xsh *x, const char *shim, size_t *own)
{
	static const char *const drop[] = {"LD_PRELOAD=", "XENSTORED_PATH=", "XENSTORED_RUNDIR="};
	size_t n = 0, k = 0;
	char **env;

	while (environ && environ[n])
		n++;
	env = calloc(n + 4, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		bool keep = true;

		for (size_t d = 0; d < sizeof(drop) / sizeof(drop[0]); d++)
			if (strncmp(environ[i], drop[d], strlen(drop[d])) == 0)
				keep = false;
		if (keep)
			env[k++] = environ[i];
	}
	*own = k;
	if (asprintf(&env[k], "LD_PRELOAD=%s", shim) < 0)
		env[k] = NULL;
	else if (asprintf(&env[k + 1], "XENSTORED_RUNDIR=%s", x->dir) < 0)
		env[k + 1] = NULL;
	else if (asprintf(&env[k + 2], "XENSTORED_PATH=%s", x->socket) >= 0)
		return env;
	else
		env[k + 2] = NULL;
	for (size_t i = k; env[i]; i++)
		free(env[i]);
	free(env);
	return NULL;
}

static void free_env(char **env, size_t own)
{
	for (size_t i = own; env[i]; i++)
		free(env[i]);
	free(env);
}

/*
 * 1 when pid has exited (and is reaped now; its wait status in *st if not
 * NULL), 0 when it still runs. A SIG_IGN'd SIGCHLD (ECHILD) counts as reaped.
 */
static int reap(pid_t pid, bool block, int *st)
{
	int status = 0;
	pid_t r;

	do {
		r = waitpid(pid, &status, block ? 0 : WNOHANG);
	} while (r < 0 && errno == EINTR);
	if (st)
		*st = status;
	if (r < 0)
		return errno == ECHILD ? 1 : -errno;
	return r == pid;
}

static void kill_and_reap(struct xsh *x)
{
	if (x->pid <= 0)
		return;
	kill(x->pid, SIGKILL);
	reap(x->pid, true, NULL);
	x->pid = 0;
}

static int spawn(struct xsh *x)
{
	const char *bin = getenv("PCIRST_XENSTORED");
	const char *shim = getenv("PCIRST_XS_SHIM");
	const char *trace = getenv("PCIRST_XSH_TRACE");
	const char *argv[8] = {bin, "-N", "-F", x->pidfile};
	pid_t parent = getpid();
	int logfd, nullfd, err;
	size_t own = 0;
	char **env;
	pid_t pid;

	if (!bin || !shim)
		return -ENOENT;
	if (trace && *trace) {
		argv[4] = "-T";
		argv[5] = trace;
	}
	/*
	 * xenstored writes its pid without truncating the file, and exits
	 * silently if another instance holds the file's lock: start clean.
	 */
	unlink(x->pidfile);

	logfd = open(x->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (logfd < 0)
		return -errno;
	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nullfd < 0) {
		err = -errno;
		close(logfd);
		return err;
	}
	/* Everything the child needs is prepared here: after fork() in a
	 * threaded process (libxenstore's reader threads) it may only make
	 * async-signal-safe calls. */
	env = child_env(x, shim, &own);
	if (!env) {
		close(logfd);
		close(nullfd);
		return -ENOMEM;
	}

	pid = fork();
	if (pid == 0) {
		sigset_t all;

		/* No stray xenstored if the test dies without xsh_stop(). */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(127);
		/* execve() keeps the blocked mask and ignored signals, and a
		 * daemon under test may block some (sd-event): xenstored must
		 * get SIGTERM. */
		sigfillset(&all);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		for (int s = 1; s < NSIG; s++)
			signal(s, SIG_DFL);
		if (dup2(nullfd, STDIN_FILENO) < 0 || dup2(logfd, STDOUT_FILENO) < 0 ||
		    dup2(logfd, STDERR_FILENO) < 0)
			_exit(127);
		/* Don't hand our sockets (old xenstore connections) over. */
		close_range(3, ~0U, 0);
		execve(bin, (char *const *)argv, env);
		ssize_t unused = write(STDERR_FILENO, "xsh: execve failed\n", 19);

		(void)unused;
		_exit(127);
	}
	err = pid < 0 ? -errno : 0;
	free_env(env, own);
	close(logfd);
	close(nullfd);
	if (err)
		return err;
	x->pid = pid;
	return 0;
}

/*
 * One request, XS_DIRECTORY "/", on a new connection: 1 when xenstored
 * answered it, 0 when it is not listening (yet), else -errno. xenstored
 * listens before it sets up dom0 and its store, so only an answer proves it
 * is ready.
 */
static int probe(const struct xsh *x, uint64_t deadline)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct xsd_sockmsg req = {.type = XS_DIRECTORY, .len = 2}, rsp;
	char buf[sizeof(req) + 2];
	size_t got = 0;
	int fd, ret = 0;

	memcpy(sa.sun_path, x->socket, strlen(x->socket) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = (errno == ENOENT || errno == ECONNREFUSED) ? 0 : -errno;
		goto out;
	}
	memcpy(buf, &req, sizeof(req));
	memcpy(buf + sizeof(req), "/", 2);
	if (send(fd, buf, sizeof(buf), MSG_NOSIGNAL) != (ssize_t)sizeof(buf))
		goto out; /* it died under us: the caller's waitpid() will tell */
	while (got < sizeof(rsp)) {
		uint64_t now = now_usec();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (now >= deadline)
			goto out;
		if (poll(&p, 1, (int)((deadline - now + 999) / 1000)) <= 0)
			continue;
		n = read(fd, (char *)&rsp + got, sizeof(rsp) - got);
		if (n <= 0)
			goto out;
		got += n;
	}
	ret = rsp.type == XS_DIRECTORY ? 1 : -EPROTO;
out:
	close(fd);
	return ret;
}

static int wait_ready(struct xsh *x, uint64_t t0)
{
	uint64_t deadline = t0 + START_TIMEOUT_USEC;
	int r;

	for (;;) {
		int st;

		r = reap(x->pid, false, &st);
		if (r != 0) {
			if (WIFSIGNALED(st))
				fprintf(stderr,
					"xsh: xenstored died of signal %d during its start\n",
					WTERMSIG(st));
			else
				fprintf(stderr, "xsh: xenstored exited with %d during its start\n",
					WEXITSTATUS(st));
			x->pid = 0;
			dump_log(x);
			return -ECHILD;
		}
		r = probe(x, deadline);
		if (r > 0) {
			x->start_usec = now_usec() - t0;
			return 0;
		}
		if (r < 0) {
			fprintf(stderr, "xsh: probing %s: %s\n", x->socket, strerror(-r));
			break;
		}
		if (now_usec() >= deadline) {
			fprintf(stderr, "xsh: xenstored did not answer on %s within %d ms\n",
				x->socket, START_TIMEOUT_USEC / 1000);
			r = -ETIMEDOUT;
			break;
		}
		sleep_usec(POLL_STEP_USEC);
	}
	kill_and_reap(x);
	dump_log(x);
	return r;
}

static int start(struct xsh *x)
{
	uint64_t t0 = now_usec();
	int r = spawn(x);

	return r < 0 ? r : wait_ready(x, t0);
}

/* Empties and removes our run directory (socket, pid file, log). */
static void remove_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (d) {
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	rmdir(path);
}

int xsh_start(struct xsh **out)
{
	const char *tmp = getenv("TMPDIR");
	struct xsh *x;
	int r;

	*out = NULL;
	r = xsh_available(NULL);
	if (r < 0)
		return r;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if ((size_t)snprintf(x->dir, sizeof(x->dir), "%s/pcirst-xsh.XXXXXX", tmp) >=
		sizeof(x->dir) - 16 ||
	    strlen(x->dir) + strlen("/socket") >= sizeof(x->socket)) {
		free(x);
		return -ENAMETOOLONG;
	}
	if (!mkdtemp(x->dir)) {
		r = -errno;
		free(x);
		return r;
	}
	snprintf(x->socket, sizeof(x->socket), "%s/socket", x->dir);
	snprintf(x->pidfile, sizeof(x->pidfile), "%s/xenstored.pid", x->dir);
	snprintf(x->log, sizeof(x->log), "%s/xenstored.log", x->dir);

	r = start(x);
	if (r < 0) {
		remove_dir(x->dir);
		free(x);
		return r;
	}
	if (setenv("XENSTORED_PATH", x->socket, 1) < 0) {
		r = -errno;
		xsh_stop(x);
		return r;
	}
	*out = x;
	return 0;
}

const char *xsh_socket(const struct xsh *x)
{
	return x->socket;
}

pid_t xsh_pid(const struct xsh *x)
{
	return x->pid;
}

uint64_t xsh_start_usec(const struct xsh *x)
{
	return x->start_usec;
}

int xsh_kill(struct xsh *x)
{
	if (x->pid <= 0)
		return -ESRCH;
	if (kill(x->pid, SIGKILL) < 0)
		return -errno;
	reap(x->pid, true, NULL);
	x->pid = 0;
	return 0;
}

int xsh_restart(struct xsh *x)
{
	kill_and_reap(x);
	return start(x);
}

void xsh_stop(struct xsh *x)
{
	const char *env;

	if (!x)
		return;
	if (x->pid > 0) {
		uint64_t deadline = now_usec() + STOP_TIMEOUT_USEC;
		int r;

		kill(x->pid, SIGTERM);
		while ((r = reap(x->pid, false, NULL)) == 0 && now_usec() < deadline)
			sleep_usec(POLL_STEP_USEC);
		if (r == 0)
			kill_and_reap(x);
		x->pid = 0;
	}
	env = getenv("XENSTORED_PATH");
	if (env && strcmp(env, x->socket) == 0)
		unsetenv("XENSTORED_PATH");
	remove_dir(x->dir);
	free(x);
}
