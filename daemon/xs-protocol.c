/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <xenstore.h>

#include <pcirst/pcirst.h>

#include "log.h"
#include "xs-assigned.h"
#include "xs-gc.h"
#include "xs-internal.h"

static void xsp_disconnect(struct xsp *x);
static int xsp_connect(struct xsp *x);

char *xsp_path(const struct xsp *x, const char *fmt, ...)
{
	static char buf[4][512]; /* a few live at once; the adapter is single-threaded */
	static unsigned next;
	char rel[400];
	char *b = buf[next++ % 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(b, sizeof(buf[0]), "%s/%s", x->base, rel);
	return b;
}

char *xsp_join(const struct xsp *x, char *buf, const char *dir, const char *id, const char *field)
{
	const char *parts[] = {x->base, dir, id, field};
	size_t at = 0;

	/* By hand: snprintf cost about 2,000 instructions a path, 14 paths a request. */
	for (unsigned i = 0; i < ELEMENTSOF(parts) && parts[i]; i++) {
		size_t len = strlen(parts[i]);

		if (at + len + 2 > XSP_PATH_MAX) {
			buf[0] = '\0'; /* not a path: xenstored refuses it (EINVAL), nothing else is
					  read */
			return buf;
		}
		if (i)
			buf[at++] = '/';
		memcpy(buf + at, parts[i], len);
		at += len;
	}
	buf[at] = '\0';
	return buf;
}

int xsp_batch(struct xsp *x, uint32_t tx, struct xsb_call *calls, unsigned n)
{
	int r;

	if (!x->h || !x->batch)
		return -ENOTCONN;
	r = xsb_run(x->batch, tx, calls, n);
	return r;
}

bool xsp_write_str(struct xsp *x, xs_transaction_t t, const char *p, const char *v)
{
	return xs_write(x->h, t, p, v, (unsigned)strlen(v));
}

static void make_instance(char out[33])
{
	uint8_t raw[16] = {0};
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, raw, sizeof(raw)) != (ssize_t)sizeof(raw)) {
		/* Uniqueness, not secrecy: time and pid will do if urandom fails. */
		uint64_t v = now_usec() ^ ((uint64_t)getpid() << 40);

		memcpy(raw, &v, sizeof(v));
	}
	if (fd >= 0)
		close(fd);
	for (unsigned i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

int xsp_new(sd_event *event, const char *base, struct xsp **out)
{
	struct xsp *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	x->base = strdup(base ? base : XSP_DEFAULT_BASE);
	if (!x->base) {
		free(x);
		return -ENOMEM;
	}
	x->event = sd_event_ref(event);
	xsp_join(x, x->request_dir, "request", NULL, NULL);
	x->backoff = BACKOFF_MIN;
	xsp_set_gc_timeouts(x, 60 * USEC_PER_SEC, 600 * USEC_PER_SEC);
	snprintf(x->state, sizeof(x->state), "starting");
	make_instance(x->instance);
	*out = x;
	return 0;
}

void xsp_free(struct xsp *x)
{
	if (!x)
		return;
	xsp_disconnect(x);
	xsp_waiting_clear(x);
	xs_gc_free(x->gc);
	xsp_seen_clear(x);
	sd_event_source_disable_unref(x->check);
	sd_event_unref(x->event);
	free(x->base);
	free(x);
}

void xsp_set_gc_timeouts(struct xsp *x, usec_t orphan, usec_t answered)
{
	struct xs_gc *gc = xs_gc_new(orphan, answered);

	if (!gc)
		return; /* keep the old bookkeeping */
	xs_gc_free(x->gc);
	x->gc = gc;
	/* Look often enough that nothing outlives its timeout by more than a quarter. */
	x->gc_interval = orphan / 4 < CHECK_INTERVAL ? orphan / 4 : 10 * USEC_PER_SEC;
}

void xsp_set_manager(struct xsp *x, struct manager *m)
{
	x->manager = m;
}

int xsp_assigned_pci(struct xsp *x, struct pcirst_sbdf **out, unsigned *n)
{
	return xs_assigned_pci(x->h ? x->batch : NULL, out, n);
}

const char *xsp_instance(const struct xsp *x)
{
	return x->instance;
}

const struct xsp_counters *xsp_counters(struct xsp *x)
{
	x->counters.round_trips =
	    x->counters.round_trips_before + (x->batch ? xsb_round_trips(x->batch) : 0);
	return &x->counters;
}

bool xsp_connected(const struct xsp *x)
{
	return x->h != NULL;
}

/* Runs fn inside a transaction, retrying the whole of it on EAGAIN (a conflicting writer). */
int xsp_in_transaction(struct xsp *x, int (*fn)(struct xsp *, xs_transaction_t, void *), void *arg)
{
	for (unsigned attempt = 0; attempt < 16; attempt++) {
		xs_transaction_t t = xs_transaction_start(x->h);
		int r;

		if (t == XBT_NULL)
			return -errno;
		r = fn(x, t, arg);
		if (!xs_transaction_end(x->h, t, r < 0)) {
			if (errno == EAGAIN && r >= 0)
				continue;
			return r < 0 ? r : -errno;
		}
		return r;
	}
	return -EAGAIN;
}

static int publish_status(struct xsp *x, xs_transaction_t t, void *arg)
{
	char pid[16], started[24];
	uint64_t st = 0;
	int k;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	/* Liveness (docs/protocol.md): a client compares it with /proc/<pid>/stat's field 22. */
	k = pcirst_process_start_time((int)getpid(), &st);
	if (k < 0)
		return k;
	snprintf(started, sizeof(started), "%" PRIu64, st);
	if (!xsp_write_str(x, t, xsp_path(x, "daemon/state"), x->state) ||
	    !xsp_write_str(x, t, xsp_path(x, "daemon/version"), XSP_PROTOCOL_VERSION) ||
	    !xsp_write_str(x, t, xsp_path(x, "daemon/features"),
			   "multi-function options effect strict-reset liveness") ||
	    !xsp_write_str(x, t, xsp_path(x, "daemon/pid"), pid) ||
	    !xsp_write_str(x, t, xsp_path(x, "daemon/start-time"), started) ||
	    !xsp_write_str(x, t, xsp_path(x, "daemon/instance"), x->instance) ||
	    (x->status[0] && !xsp_write_str(x, t, xsp_path(x, "daemon/status"), x->status)))
		return -errno;
	return 0;
}

int xsp_set_state(struct xsp *x, const char *state)
{
	snprintf(x->state, sizeof(x->state), "%s", state);
	if (!x->h)
		return 0; /* published on (re)connect */
	return xsp_write_str(x, XBT_NULL, xsp_path(x, "daemon/state"), state) ? 0 : -errno;
}

int xsp_set_status(struct xsp *x, const char *status)
{
	snprintf(x->status, sizeof(x->status), "%s", status);
	if (!x->h)
		return 0;
	return xsp_write_str(x, XBT_NULL, xsp_path(x, "daemon/status"), status) ? 0 : -errno;
}

/* The base path with owner dom0 and no access for anyone else ("n0"), verified. */
static int setup_base(struct xsp *x)
{
	struct xs_permissions want = {.id = 0, .perms = XS_PERM_NONE}, *got;
	unsigned n = 0;
	bool ok;

	if (!xs_mkdir(x->h, XBT_NULL, x->base) ||
	    !xs_set_permissions(x->h, XBT_NULL, x->base, &want, 1))
		return -errno;
	got = xs_get_permissions(x->h, XBT_NULL, x->base, &n);
	if (!got)
		return -errno;
	ok = n == 1 && got[0].id == 0 && got[0].perms == XS_PERM_NONE;
	free(got);
	if (!ok) {
		log_err("%s: permissions read back are not n0; refusing to serve", x->base);
		return -EPERM;
	}
	if (!xs_mkdir(x->h, XBT_NULL, x->request_dir) ||
	    !xs_mkdir(x->h, XBT_NULL, xsp_path(x, "response")))
		return -errno;
	return xsp_in_transaction(x, publish_status, NULL);
}

static void schedule_reconnect(struct xsp *x, int err);
static usec_t next_check(const struct xsp *x);

void xsp_on_connection_change(struct xsp *x, void (*cb)(void *userdata), void *userdata)
{
	x->connection_changed = cb;
	x->connection_userdata = userdata;
}

static void connection_changed(struct xsp *x)
{
	if (x->connection_changed)
		x->connection_changed(x->connection_userdata);
}

/* Activity: the clean-up looks again (it stopped after a round that found nothing). */
static void wake_gc(struct xsp *x)
{
	int on = SD_EVENT_OFF;

	x->gc_idle = false;
	if (x->check && sd_event_source_get_enabled(x->check, &on) >= 0 && on == SD_EVENT_OFF) {
		sd_event_source_set_time_relative(x->check, next_check(x));
		sd_event_source_set_enabled(x->check, SD_EVENT_ONESHOT);
	}
}

/* xenstored closed the sentinel: it died or was restarted. */
static int on_sentinel(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct xsp *x = userdata;

	if (!(revents & (EPOLLHUP | EPOLLRDHUP | EPOLLERR)))
		return 0;
	schedule_reconnect(x, -ECONNRESET);
	return 0;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct xsp *x = userdata;
	char **ev;

	/* Each event names one request: looking at that one keeps an event O(log n). */
	while (x->h && (ev = xs_check_watch(x->h))) {
		x->counters.watch_events++;
		/* A request came or went (not the event every watch fires when registered). */
		if (!streq(ev[XS_WATCH_PATH], x->request_dir))
			wake_gc(x);
		xsp_watch_event(x, ev[XS_WATCH_PATH]);
		free(ev);
	}
	if (x->h && errno != EAGAIN)
		schedule_reconnect(x, -errno);
	return 0;
}

/* One clean-up round over the responses (docs/protocol.md, "Clean-up"). */
static void collect(struct xsp *x)
{
	_cleanup_(freep) char **ids = NULL;
	usec_t now = now_usec();
	unsigned n = 0;

	ids = xs_directory(x->h, XBT_NULL, xsp_path(x, "response"), &n);
	x->gc_idle = ids && n == 0;
	for (unsigned i = 0; ids && i < n; i++) {
		_cleanup_(freep) char **fields = NULL;
		_cleanup_(freep) char *st = NULL;
		unsigned n_fields = 0;
		bool present, done;

		fields = xs_directory(x->h, XBT_NULL, xsp_path(x, "request/%s", ids[i]), &n_fields);
		present = fields || errno != ENOENT;
		st = xs_read(x->h, XBT_NULL, xsp_path(x, "response/%s/state", ids[i]), NULL);
		x->counters.gc_reads += 2;
		done = st && streq(st, "done");

		if (!present && manager_has(x->manager, ids[i]))
			continue; /* withdrawn while running: answered when the reset ends */
		switch (xs_gc_observe(x->gc, ids[i], present, done, now)) {
		case GC_REMOVE_BOTH:
			log_info("request %s: answered but never collected; removed", ids[i]);
			xs_rm(x->h, XBT_NULL, xsp_path(x, "request/%s", ids[i]));
			_fallthrough_;
		case GC_REMOVE_RESPONSE:
			xs_rm(x->h, XBT_NULL, xsp_path(x, "response/%s", ids[i]));
			break;
		default:
			break;
		}
	}
	xs_gc_end_round(x->gc);
}

/* When to look again: after the backoff while disconnected, else the shorter of the periods. */
static usec_t next_check(const struct xsp *x)
{
	if (!x->h)
		return x->backoff;
	if (x->sentinel)
		return x->gc_interval;
	return x->gc_interval < CHECK_INTERVAL ? x->gc_interval : CHECK_INTERVAL;
}

static int on_check(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct xsp *x = userdata;

	if (!x->h) {
		(void)xsp_connect(x); /* on failure, retried below after the backoff */
	} else if (!x->sentinel) {
		char *v = xs_read(x->h, XBT_NULL, xsp_path(x, "daemon/instance"), NULL);

		if (!v && (errno == EBADF || errno == EPIPE || errno == EINVAL ||
			   errno == ECONNRESET || errno == ENOENT)) {
			/* ENOENT: a new, empty xenstored on a reused connection cannot happen with
			 * libxenstore, but a wiped store means the same: rebuild. */
			schedule_reconnect(x, -errno);
			return 0;
		}
		free(v);
	}
	if (x->h && x->manager && now_usec() - x->gc_last >= x->gc_interval) {
		x->gc_last = now_usec();
		collect(x);
	}
	/* Idle with a sentinel: nothing to look at until a watch event (wake_gc). */
	if (x->h && x->sentinel && x->gc_idle)
		return 0;
	sd_event_source_set_time_relative(s, next_check(x));
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

static void xsp_disconnect(struct xsp *x)
{
	x->io = sd_event_source_disable_unref(x->io);
	x->sentinel = sd_event_source_disable_unref(x->sentinel);
	if (x->batch)
		x->counters.round_trips_before += xsb_round_trips(x->batch);
	xsb_free(x->batch);
	x->batch = NULL;
	if (x->h)
		xs_close(x->h);
	x->h = NULL;
}

static void schedule_reconnect(struct xsp *x, int err)
{
	bool was = x->h != NULL;

	if (x->h)
		log_err("lost the connection to xenstored (%s); reconnecting", strerror(-err));
	xsp_disconnect(x);
	x->backoff = BACKOFF_MIN;
	sd_event_source_set_time_relative(x->check, x->backoff);
	sd_event_source_set_enabled(x->check, SD_EVENT_ONESHOT);
	if (was)
		connection_changed(x);
}

static int xsp_connect(struct xsp *x)
{
	int r;

	x->h = xs_open(XS_UNWATCH_FILTER);
	if (!x->h) {
		r = -errno;
		if (!x->logged_down)
			log_warning("cannot connect to xenstored (%s); retrying", strerror(-r));
		x->logged_down = true;
		x->backoff = x->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : x->backoff * 2;
		return r;
	}
	r = setup_base(x);
	if (r < 0)
		goto fail;
	r = sd_event_add_io(x->event, &x->io, xs_fileno(x->h), EPOLLIN, on_io, x);
	if (r < 0)
		goto fail;
	/* Watch first, then scan: nothing written meanwhile is missed. */
	if (!xs_watch(x->h, x->request_dir, "request")) {
		r = -errno;
		goto fail;
	}
	/*
	 * The batch connection is the sentinel: only its hang-up is watched
	 * (its answers are read where they are awaited). Without one (the
	 * xenbus device), on_check polls instead.
	 */
	r = xsb_new(x->h, &x->batch);
	if (r < 0)
		goto fail;
	if (xsb_fd(x->batch) >= 0 && sd_event_add_io(x->event, &x->sentinel, xsb_fd(x->batch),
						     EPOLLRDHUP, on_sentinel, x) < 0)
		x->sentinel = NULL;
	log_info("connected to xenstored; serving %s (instance %s)%s", x->base, x->instance,
		 x->sentinel ? "" : "; no socket to watch, its liveness is polled");
	x->logged_down = false;
	x->backoff = BACKOFF_MIN;
	x->gc_idle = false;
	xsp_seen_clear(x);
	xsp_scan(x);
	/* A first clean-up round at once: an empty store leaves the daemon idle from the start. */
	if (x->manager) {
		x->gc_last = now_usec();
		collect(x);
	}
	connection_changed(x);
	return 0;
fail:
	log_err("setting up %s in xenstore failed: %s", x->base, strerror(-r));
	xsp_disconnect(x);
	return r;
}

int xsp_start(struct xsp *x)
{
	int r = sd_event_add_time_relative(x->event, &x->check, CLOCK_MONOTONIC, CHECK_INTERVAL,
					   USEC_PER_MSEC, on_check, x);

	if (r < 0)
		return r;
	r = xsp_connect(x);
	if (r == -EPERM)
		return r;
	if (x->h && x->sentinel && x->gc_idle)
		sd_event_source_set_enabled(x->check, SD_EVENT_OFF);
	else
		sd_event_source_set_time_relative(x->check, next_check(x));
	return 0;
}
