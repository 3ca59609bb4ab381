/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fault table's rig (rig.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "privjournal.h"
#include "rig.h"
#include "xenstored-harness.h"

uint64_t rig_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void rig_sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void rig_id(unsigned n, char *buf, size_t size)
{
	snprintf(buf, size, ID_PREFIX "%u", n);
}

void rig_cfg_path(struct rig *r, const char *sbdf, char *buf, size_t size)
{
	snprintf(buf, size, "%s/root/sys/bus/pci/devices/%s/config", r->dir, sbdf);
}

static int run(const char *cmd)
{
	int st = system(cmd);

	return st == 0 ? 0 : -EIO;
}

void rig_write_policy(struct rig *r, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/policy/50-faults.json", r->dir);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* One watch event: response/<id>/state. */
static void on_event(struct rig *r, const char *path)
{
	const char *p = path + strlen(BASE "/response/");
	char *v, rpath[160];
	unsigned n;
	int len = -1;

	if (strncmp(path, BASE "/response/" ID_PREFIX, strlen(BASE "/response/" ID_PREFIX)) ||
	    sscanf(p, ID_PREFIX "%u/state%n", &n, &len) != 1 || len < 0 || p[len] || n >= REQ_MAX)
		return;
	v = xs_read(r->watch, XBT_NULL, path, NULL);
	if (v && !strcmp(v, "done")) {
		char *res, *err, *inst, *dur, stamp[64];

		snprintf(rpath, sizeof(rpath), BASE "/response/" ID_PREFIX "%u/result", n);
		res = xs_read(r->watch, XBT_NULL, rpath, NULL);
		snprintf(rpath, sizeof(rpath), BASE "/response/" ID_PREFIX "%u/error", n);
		err = xs_read(r->watch, XBT_NULL, rpath, NULL);
		snprintf(rpath, sizeof(rpath), BASE "/response/" ID_PREFIX "%u/instance", n);
		inst = xs_read(r->watch, XBT_NULL, rpath, NULL);
		snprintf(rpath, sizeof(rpath), BASE "/response/" ID_PREFIX "%u/duration-ms", n);
		dur = xs_read(r->watch, XBT_NULL, rpath, NULL);
		snprintf(stamp, sizeof(stamp), "%s/%s", inst ? inst : "", dur ? dur : "");
		free(inst);
		free(dur);
		pthread_mutex_lock(&r->lock);
		/*
		 * One write can be seen by several events (the event of "accepted",
		 * read after "done" was written, and the event of "done"): an answer
		 * counts again only when it is another one, from another instance or
		 * with another duration.
		 */
		if (r->ans[n].done && !strcmp(r->ans[n].stamp, stamp)) {
			pthread_mutex_unlock(&r->lock);
			free(res);
			free(err);
			free(v);
			return;
		}
		if (!r->ans[n].done++) {
			snprintf(r->ans[n].result, sizeof(r->ans[n].result), "%s", res ? res : "?");
			snprintf(r->ans[n].stamp, sizeof(r->ans[n].stamp), "%s", stamp);
			r->ans[n].reason = err && err[0];
		}
		if (getenv("PCIRST_FAULTS_VERBOSE"))
			fprintf(stderr, "faults: " ID_PREFIX "%u done (%u): %s: %s\n", n,
				r->ans[n].done, res ? res : "?", err ? err : "");
		pthread_mutex_unlock(&r->lock);
		free(res);
		free(err);
	}
	free(v);
}

static void *watcher(void *arg)
{
	struct rig *r = arg;

	for (;;) {
		struct pollfd p = {.fd = xs_fileno(r->watch), .events = POLLIN};
		unsigned n;
		char **ev;

		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			return NULL;
		pthread_mutex_lock(&r->lock);
		if (!r->watching) {
			pthread_mutex_unlock(&r->lock);
			return NULL;
		}
		pthread_mutex_unlock(&r->lock);
		if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ev = xs_read_watch(r->watch, &n);
		if (!ev) {
			rig_sleep_ms(20); /* xenstored gone: rig_reconnect() replaces the handle */
			continue;
		}
		on_event(r, ev[XS_WATCH_PATH]);
		free(ev);
	}
}

static int watch_start(struct rig *r)
{
	r->watch = xs_open(0);
	if (!r->watch || !xs_watch(r->watch, BASE "/response", "faults"))
		return -EIO;
	r->watching = true;
	return pthread_create(&r->watcher, NULL, watcher, r) ? -EAGAIN : 0;
}

static void watch_stop(struct rig *r)
{
	if (!r->watch)
		return;
	pthread_mutex_lock(&r->lock);
	r->watching = false;
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->watcher, NULL);
	xs_close(r->watch);
	r->watch = NULL;
}

int rig_reconnect(struct rig *r)
{
	watch_stop(r);
	if (r->h)
		xs_close(r->h);
	r->h = xs_open(0);
	return r->h ? watch_start(r) : -EIO;
}

int rig_start_daemon(struct rig *r)
{
	char root[128], pol[128], log[128];

	snprintf(root, sizeof(root), "%s/root", r->dir);
	snprintf(pol, sizeof(pol), "%s/policy", r->dir);
	snprintf(log, sizeof(log), "%s/pcirstd.log", r->dir);
	r->daemon_ended = r->killed_by_us = false;
	r->daemon = fork();
	if (r->daemon < 0)
		return -errno;
	if (r->daemon == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		const char *argv[40];
		char vlog[160];
		unsigned n = 0;

		dup2(fd, STDERR_FILENO);
		if (r->valgrind) {
			/* Exit 99 on any error or definite leak; the log says which. */
			snprintf(vlog, sizeof(vlog), "--log-file=%s/valgrind.%%p.log", r->dir);
			argv[n++] = r->valgrind;
			argv[n++] = "--error-exitcode=99";
			argv[n++] = "--leak-check=full";
			argv[n++] = "--errors-for-leak-kinds=definite";
			argv[n++] = "--show-leak-kinds=definite";
			argv[n++] = vlog;
		}
		argv[n++] = getenv("PCIRSTD");
		for (const char *const *a =
			 (const char *const[]){"--sysfs-root", root, "--policy-dir", pol,
					       "--device-watch", r->device_watch ?: "none", NULL};
		     *a; a++)
			argv[n++] = *a;
		for (unsigned i = 0; i < 8 && r->extra[i]; i++)
			argv[n++] = r->extra[i];
		argv[n] = NULL;
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	return 0;
}

int rig_wait_ready(struct rig *r, unsigned ms)
{
	uint64_t until = rig_now_ms() + ms;

	while (rig_now_ms() < until) {
		char *v = xs_read(r->h, XBT_NULL, BASE "/daemon/state", NULL);
		bool ready = v && !strcmp(v, "ready");

		free(v);
		if (ready)
			return 0;
		rig_check_daemon(r);
		if (r->daemon_ended)
			return -ESRCH;
		rig_sleep_ms(10);
	}
	return -ETIMEDOUT;
}

void rig_check_daemon(struct rig *r)
{
	int st;

	if (r->daemon <= 0 || r->daemon_ended || waitpid(r->daemon, &st, WNOHANG) != r->daemon)
		return;
	r->daemon_ended = true;
	r->daemon_status = st;
	if (!r->killed_by_us) {
		r->crashes++;
		fprintf(stderr, "faults: pcirstd %d ended on its own: %s %d\n", r->daemon,
			WIFSIGNALED(st) ? "signal" : "exit status",
			WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	}
}

void rig_kill_daemon(struct rig *r)
{
	rig_check_daemon(r);
	if (r->daemon_ended)
		return;
	r->killed_by_us = true;
	kill(r->daemon, SIGKILL);
	waitpid(r->daemon, &r->daemon_status, 0);
	r->daemon_ended = true;
}

/* SIGTERM: pcirstd answers what it holds and exits 0 (valgrind: 99 on errors). */
static void stop_daemon(struct rig *r)
{
	uint64_t until = rig_now_ms() + (r->valgrind ? 30000 : 8000);

	rig_check_daemon(r);
	if (r->daemon <= 0 || r->daemon_ended)
		return;
	r->killed_by_us = true;
	kill(r->daemon, SIGTERM);
	while (waitpid(r->daemon, &r->daemon_status, WNOHANG) == 0) {
		if (rig_now_ms() > until) {
			fprintf(stderr, "faults: pcirstd did not stop after SIGTERM\n");
			kill(r->daemon, SIGKILL);
			waitpid(r->daemon, &r->daemon_status, 0);
			r->crashes++;
			break;
		}
		rig_sleep_ms(10);
	}
	r->daemon_ended = true;
	if (WIFEXITED(r->daemon_status) && WEXITSTATUS(r->daemon_status) == 99 && r->valgrind)
		r->valgrind_errors++;
	else if (!WIFEXITED(r->daemon_status) || WEXITSTATUS(r->daemon_status) != 0) {
		fprintf(stderr, "faults: pcirstd ended with status 0x%x after SIGTERM\n",
			r->daemon_status);
		r->crashes++;
	}
}

int rig_start(struct rig *r, const char *policy)
{
	char cmd[512];
	int e;

	privjournal_enter_or_skip();
	pthread_mutex_init(&r->lock, NULL);
	r->ans = calloc(REQ_MAX, sizeof(*r->ans));
	snprintf(r->dir, sizeof(r->dir), "/tmp/pcirst-faults-XXXXXX");
	if (!r->ans || !mkdtemp(r->dir))
		return -ENOMEM;
	snprintf(cmd, sizeof(cmd), "%s --serve %s/root >/dev/null && mkdir -p %s/policy",
		 getenv("PCIRST_SIMTREE"), r->dir, r->dir);
	if (run(cmd) < 0)
		return -EIO;
	rig_write_policy(r, policy);
	e = xsh_start(&r->xs);
	if (e < 0)
		return e;
	r->h = xs_open(0);
	if (!r->h || watch_start(r) < 0)
		return -EIO;
	e = rig_start_daemon(r);
	return e < 0 ? e : rig_wait_ready(r, r->valgrind ? 60000 : 10000);
}

void rig_stop(struct rig *r)
{
	char cmd[256];

	stop_daemon(r);
	watch_stop(r);
	if (r->h)
		xs_close(r->h);
	xsh_stop(r->xs);
	snprintf(cmd, sizeof(cmd),
		 "kill $(cat %s/root/simtree.pid 2>/dev/null) 2>/dev/null; rm -rf %s", r->dir,
		 r->dir);
	if (!getenv("PCIRST_FAULTS_KEEP"))
		(void)!system(cmd);
	free(r->ans);
	pthread_mutex_destroy(&r->lock);
}

int rig_request_id(struct rig *r, const char *id, const char *const *kv, bool transaction)
{
	char path[512];

	for (int attempt = 0; attempt < 20; attempt++) {
		xs_transaction_t t = transaction ? xs_transaction_start(r->h) : XBT_NULL;
		bool okw = true;

		if (transaction && t == XBT_NULL)
			return -1;
		for (const char *const *p = kv; *p && okw; p += 2) {
			snprintf(path, sizeof(path), BASE "/request/%s/%s", id, p[0]);
			okw = xs_write(r->h, t, path, p[1], (unsigned)strlen(p[1]));
		}
		if (!transaction)
			return okw ? 0 : -1;
		if (!okw) {
			xs_transaction_end(r->h, t, true);
			return -1;
		}
		if (xs_transaction_end(r->h, t, false))
			return 0;
		if (errno != EAGAIN)
			return -1;
	}
	return -1;
}

int rig_request(struct rig *r, const char *const *kv)
{
	char id[32];
	int n = (int)r->next;

	if (r->next >= REQ_MAX)
		return -1;
	rig_id(r->next++, id, sizeof(id));
	if (rig_request_id(r, id, kv, true) < 0)
		return -1;
	r->ans[n].sent = true;
	return n;
}

int rig_resend(struct rig *r, int n, const char *const *kv)
{
	char id[32];

	rig_id((unsigned)n, id, sizeof(id));
	return rig_request_id(r, id, kv, true);
}

static unsigned unanswered(struct rig *r)
{
	unsigned n = 0;

	pthread_mutex_lock(&r->lock);
	for (unsigned i = 0; i < r->next; i++)
		n += r->ans[i].sent && !r->ans[i].done;
	pthread_mutex_unlock(&r->lock);
	return n;
}

void rig_wait_answers(struct rig *r, unsigned idle_ms, unsigned max_ms)
{
	uint64_t start = rig_now_ms(), last = start;
	unsigned left = unanswered(r), now;

	if (r->valgrind) { /* memcheck runs pcirstd some 20-50 times slower */
		idle_ms *= 6;
		max_ms *= 6;
	}
	while (left && rig_now_ms() - last < idle_ms && rig_now_ms() - start < max_ms) {
		rig_sleep_ms(20);
		rig_check_daemon(r);
		now = unanswered(r);
		if (now != left) {
			left = now;
			last = rig_now_ms();
		}
	}
}

void rig_sweep(struct rig *r)
{
	char path[128];

	for (unsigned i = 0; i < r->next; i++) {
		char *v;

		if (!r->ans[i].sent || r->ans[i].done)
			continue;
		snprintf(path, sizeof(path), BASE "/response/" ID_PREFIX "%u/state", i);
		v = xs_read(r->h, XBT_NULL, path, NULL);
		if (v && !strcmp(v, "done"))
			on_event(r, path); /* reads through the watch handle, counts once */
		free(v);
	}
}

void rig_tally(struct rig *r, struct row *row)
{
	for (unsigned i = 0; i < r->next; i++) {
		const struct answer *a = &r->ans[i];

		if (!a->sent)
			continue;
		row->sent++;
		if (!a->done) {
			row->lost++;
			continue;
		}
		if (a->done > 1)
			row->twice++;
		if (!strcmp(a->result, "ok"))
			row->ok++;
		else if (!strcmp(a->result, "failed") || !strcmp(a->result, "failed-ignored"))
			row->failed++;
		else if (!strcmp(a->result, "skipped"))
			row->skipped++;
		else if (!strcmp(a->result, "refused") && a->reason)
			row->refused++;
		else
			row->lost++; /* an answer without a known result, or a refusal without
					reason */
	}
	row->crashed = r->crashes;
}

long rig_daemon_rss_kb(struct rig *r, bool peak)
{
	char path[64], line[256];
	long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", r->daemon);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, peak ? "VmHWM: %ld" : "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}
