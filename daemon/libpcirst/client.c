/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libpcirst: the client side of docs/protocol.md. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include <pcirst/pcirst.h>

#define PCIRST_EXPORT __attribute__((visibility("default")))
#define DEFAULT_BASE  "/local/domain/0/pci-reset"
#define PATH_MAX_LEN  256
/* How often a waiting client judges the daemon's liveness again. */
#define PCIRST_LIVENESS_INTERVAL_MS 1000

struct pcirst {
	struct xs_handle *h;
	char *base;
	unsigned counter;
};

struct pcirst_pending {
	struct pcirst *p;
	char id[64];
	char state_path[PATH_MAX_LEN];
	bool watching;
	uint64_t alive_checked_ms; /* when the daemon's liveness was last judged */
};

struct pcirst_result {
	enum pcirst_result_kind kind;
	char *name, *method, *policy, *rule, *error, *effect;
	uint64_t duration_ms;
};

static const char *const kind_names[] = {
    [PCIRST_RESULT_OK] = "ok",
    [PCIRST_RESULT_FAILED] = "failed",
    [PCIRST_RESULT_FAILED_IGNORED] = "failed-ignored",
    [PCIRST_RESULT_SKIPPED] = "skipped",
    [PCIRST_RESULT_REFUSED] = "refused",
};
/* Every kind has its name: the public enum ends with REFUSED. */
_Static_assert(sizeof(kind_names) / sizeof(kind_names[0]) == PCIRST_RESULT_REFUSED + 1,
	       "kind_names must name every enum pcirst_result_kind");

PCIRST_EXPORT int pcirst_open(const char *base, struct pcirst **out)
{
	struct pcirst *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->base = strdup(base ? base : DEFAULT_BASE);
	p->h = xs_open(0);
	if (!p->base || !p->h) {
		int r = p->base ? -errno : -ENOMEM;

		if (p->h)
			xs_close(p->h);
		free(p->base);
		free(p);
		return r < 0 ? r : -ECONNREFUSED;
	}
	*out = p;
	return 0;
}

PCIRST_EXPORT void pcirst_close(struct pcirst *p)
{
	if (!p)
		return;
	xs_close(p->h);
	free(p->base);
	free(p);
}

PCIRST_EXPORT int pcirst_fd(struct pcirst *p)
{
	return xs_fileno(p->h);
}

static char *read_rel(struct pcirst *p, const char *rel)
{
	char path[PATH_MAX_LEN];
	unsigned len;

	snprintf(path, sizeof(path), "%s/%s", p->base, rel);
	return xs_read(p->h, XBT_NULL, path, &len);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One consistent snapshot of daemon/state, features, pid and start-time (a restart writes them in
 * one transaction), judged as docs/protocol.md "Liveness" says. */
static int judge(struct pcirst *p, bool need_ready, int *stale_pid)
{
	static const char *const names[] = {"state", "features", "pid", "start-time"};
	char *v[4] = {NULL};
	uint64_t started = 0;
	int r = -EAGAIN, pid = 0;

	if (stale_pid)
		*stale_pid = 0;
	for (unsigned attempt = 0; attempt < 8 && r == -EAGAIN; attempt++) {
		xs_transaction_t t = xs_transaction_start(p->h);
		char path[PATH_MAX_LEN];

		if (t == XBT_NULL)
			return -errno;
		for (unsigned i = 0; i < 4; i++) {
			snprintf(path, sizeof(path), "%s/daemon/%s", p->base, names[i]);
			free(v[i]);
			v[i] = xs_read(p->h, t, path, NULL);
			if (!v[i] && errno != ENOENT) {
				r = -errno;
				break;
			}
		}
		if (r == -EAGAIN)
			r = 0;
		/* Nothing was written: a read-only transaction that ends in conflict is retried. */
		if (!xs_transaction_end(p->h, t, false) && errno == EAGAIN && r == 0)
			r = -EAGAIN;
	}
	if (r < 0)
		goto out;
	if (need_ready && (!v[0] || strcmp(v[0], "ready") != 0))
		goto out; /* r = 0: absent, starting or stopping */
	r = 1;
	/* A daemon from before the liveness feature is judged by its state alone. */
	if (!v[1] || !strstr(v[1], "liveness"))
		goto out;
	pid = v[2] ? atoi(v[2]) : 0;
	r = -EOWNERDEAD;
	if (pid > 0 && v[3] && pcirst_process_start_time(pid, &started) == 0 &&
	    strtoull(v[3], NULL, 10) == started)
		r = 1;
	else if (stale_pid)
		*stale_pid = pid;
out:
	for (unsigned i = 0; i < 4; i++)
		free(v[i]);
	return r;
}

PCIRST_EXPORT int pcirst_daemon_alive(struct pcirst *p, int *stale_pid)
{
	return judge(p, true, stale_pid);
}

PCIRST_EXPORT int pcirst_daemon_ready(struct pcirst *p)
{
	int r = pcirst_daemon_alive(p, NULL);

	/* A dead daemon's stale "ready" is not ready. */
	return r == -EOWNERDEAD ? 0 : r;
}

static bool put(struct pcirst *p, xs_transaction_t t, const char *id, const char *name,
		const char *value)
{
	char path[PATH_MAX_LEN];

	snprintf(path, sizeof(path), "%s/request/%s/%s", p->base, id, name);
	return xs_write(p->h, t, path, value, (unsigned)strlen(value));
}

static int write_request(struct pcirst *p, const char *id, const struct pcirst_request *req)
{
	char sbdf[8 * PCIRST_SBDF_STRLEN + 8] = "", s[PCIRST_SBDF_STRLEN], num[24];

	for (unsigned i = 0; i < req->n_targets; i++) {
		strcat(sbdf, i ? " " : "");
		strcat(sbdf, pcirst_sbdf_format(&req->targets[i], s));
	}
	for (unsigned attempt = 0; attempt < 16; attempt++) {
		xs_transaction_t t = xs_transaction_start(p->h);
		bool ok;

		if (t == XBT_NULL)
			return -errno;
		ok = put(p, t, id, "sbdf", sbdf) && put(p, t, id, "reason", req->reason);
		if (ok && req->domid >= 0) {
			snprintf(num, sizeof(num), "%d", req->domid);
			ok = put(p, t, id, "domid", num);
		}
		if (ok && req->options && req->options[0])
			ok = put(p, t, id, "options", req->options);
		if (ok) {
			snprintf(num, sizeof(num), "%lld", (long long)time(NULL));
			ok = put(p, t, id, "created", num);
		}
		if (!ok) {
			int r = -errno;

			xs_transaction_end(p->h, t, true);
			return r;
		}
		/* All fields appear at once, or not at all; a conflict means: do it again. */
		if (xs_transaction_end(p->h, t, false))
			return 0;
		if (errno != EAGAIN)
			return -errno;
	}
	return -EAGAIN;
}

static unsigned random32(void)
{
	unsigned v = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		v = (unsigned)time(NULL) ^ (unsigned)getpid();
	if (fd >= 0)
		close(fd);
	return v;
}

PCIRST_EXPORT int pcirst_request_start(struct pcirst *p, const struct pcirst_request *req,
				       struct pcirst_pending **out)
{
	struct pcirst_pending *pd;
	int r;

	if (!req || req->n_targets == 0 || req->n_targets > 8 || !req->reason)
		return -EINVAL;
	r = pcirst_daemon_alive(p, NULL);
	if (r <= 0)
		return r < 0 ? r : -ENOTCONN;
	pd = calloc(1, sizeof(*pd));
	if (!pd)
		return -ENOMEM;
	pd->p = p;
	snprintf(pd->id, sizeof(pd->id), "%d-%u-%08x", (int)getpid(), ++p->counter, random32());
	snprintf(pd->state_path, sizeof(pd->state_path), "%s/response/%s/state", p->base, pd->id);
	/* Watch before writing, so the answer cannot slip past. */
	if (!xs_watch(p->h, pd->state_path, pd->id)) {
		int e = errno;

		/* Never 0 here: the caller would take the request as started and use pd. */
		free(pd);
		r = e > 0 ? -e : -EIO;
		return r;
	}
	pd->watching = true;
	pd->alive_checked_ms = mono_ms();
	r = write_request(p, pd->id, req);
	if (r < 0) {
		pcirst_pending_free(pd);
		return r;
	}
	*out = pd;
	return 0;
}

PCIRST_EXPORT const char *pcirst_pending_id(const struct pcirst_pending *pending)
{
	return pending->id;
}

static char *read_response(struct pcirst_pending *pd, const char *name)
{
	char rel[PATH_MAX_LEN], *v;

	snprintf(rel, sizeof(rel), "response/%s/%s", pd->id, name);
	v = read_rel(pd->p, rel);
	return v ? v : strdup("");
}

PCIRST_EXPORT int pcirst_pending_check(struct pcirst_pending *pd, struct pcirst_result **out)
{
	struct pcirst_result *res;
	char **ev, *state, *dur;
	uint64_t now = mono_ms();

	/* Drain the handle's queued watch events; each pending reads its own state. */
	while ((ev = xs_check_watch(pd->p->h)))
		free(ev);
	if (errno != EAGAIN)
		return errno ? -errno : -EIO;
	state = xs_read(pd->p->h, XBT_NULL, pd->state_path, NULL);
	if (!state)
		return errno == ENOENT ? 0 : -errno;
	if (strcmp(state, "done") != 0) {
		free(state);
		/* About once a second: a daemon killed meanwhile never answers (docs/protocol.md).
		 */
		if (now - pd->alive_checked_ms >= PCIRST_LIVENESS_INTERVAL_MS) {
			/* A stopping daemon still finishes its running resets: only death counts.
			 */
			int r = judge(pd->p, false, NULL);

			pd->alive_checked_ms = now;
			if (r == -EOWNERDEAD)
				return r;
		}
		return 0;
	}
	free(state);
	res = calloc(1, sizeof(*res));
	if (!res)
		return -ENOMEM;
	res->name = read_response(pd, "result");
	res->method = read_response(pd, "method");
	res->policy = read_response(pd, "policy");
	res->rule = read_response(pd, "rule");
	res->error = read_response(pd, "error");
	/* "" from a daemon older than the field (protocol 1 without feature "effect"). */
	res->effect = read_response(pd, "effect");
	dur = read_response(pd, "duration-ms");
	res->duration_ms = dur ? strtoull(dur, NULL, 10) : 0;
	free(dur);
	res->kind = PCIRST_RESULT_REFUSED;
	for (unsigned i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (res->name && strcmp(res->name, kind_names[i]) == 0)
			res->kind = (enum pcirst_result_kind)i;
	*out = res;
	return 1;
}

PCIRST_EXPORT void pcirst_pending_free(struct pcirst_pending *pd)
{
	char path[PATH_MAX_LEN];

	if (!pd)
		return;
	if (pd->watching)
		xs_unwatch(pd->p->h, pd->state_path, pd->id);
	/* Our request and the daemon's response are ours to remove (docs/protocol.md). */
	snprintf(path, sizeof(path), "%s/request/%s", pd->p->base, pd->id);
	xs_rm(pd->p->h, XBT_NULL, path);
	snprintf(path, sizeof(path), "%s/response/%s", pd->p->base, pd->id);
	xs_rm(pd->p->h, XBT_NULL, path);
	free(pd);
}

PCIRST_EXPORT int pcirst_request_sync(struct pcirst *p, const struct pcirst_request *req,
				      unsigned timeout_ms, struct pcirst_result **out)
{
	struct pcirst_pending *pd = NULL;
	uint64_t deadline = mono_ms() + timeout_ms;
	int r;

	r = pcirst_request_start(p, req, &pd);
	if (r < 0)
		return r;
	for (;;) {
		struct pollfd pfd = {.fd = pcirst_fd(p), .events = POLLIN};
		uint64_t now = mono_ms();

		r = pcirst_pending_check(pd, out);
		if (r != 0)
			break;
		if (now >= deadline) {
			r = -ETIMEDOUT;
			break;
		}
		/* Also wake now and then: a dying xenstored never wakes the watch pipe. */
		if (poll(&pfd, 1, (int)(deadline - now < 500 ? deadline - now : 500)) < 0 &&
		    errno != EINTR) {
			r = -errno;
			break;
		}
	}
	pcirst_pending_free(pd);
	return r < 0 ? r : 0;
}

PCIRST_EXPORT enum pcirst_result_kind pcirst_result_kind(const struct pcirst_result *r)
{
	return r->kind;
}

PCIRST_EXPORT const char *pcirst_result_name(const struct pcirst_result *r)
{
	return r->name;
}

PCIRST_EXPORT const char *pcirst_result_method(const struct pcirst_result *r)
{
	return r->method;
}

PCIRST_EXPORT const char *pcirst_result_policy(const struct pcirst_result *r)
{
	return r->policy;
}

PCIRST_EXPORT const char *pcirst_result_rule(const struct pcirst_result *r)
{
	return r->rule;
}

PCIRST_EXPORT const char *pcirst_result_error(const struct pcirst_result *r)
{
	return r->error;
}

PCIRST_EXPORT uint64_t pcirst_result_duration_ms(const struct pcirst_result *r)
{
	return r->duration_ms;
}

PCIRST_EXPORT const char *pcirst_result_effect(const struct pcirst_result *r)
{
	return r->effect ? r->effect : "";
}

PCIRST_EXPORT void pcirst_result_free(struct pcirst_result *r)
{
	if (!r)
		return;
	free(r->effect);
	free(r->name);
	free(r->method);
	free(r->policy);
	free(r->rule);
	free(r->error);
	free(r);
}
