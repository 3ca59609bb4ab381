/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/eventfd.h>

#include "offload.h"

/* What the thread uses: shared with the owner until one of them lets go. */
struct offload_work {
	atomic_uint refs;  /* the thread's and the owner's */
	atomic_uint state; /* RUNNING, then FINISHED (the thread) or ABANDONED (the owner) */
	int efd;
	offload_fn fn;
	int result; /* written by the thread before it signals the eventfd */
	/* offload_start_after(): the call whose thread must return before fn runs (a reference). */
	struct offload_work *after;
	pthread_mutex_t lock; /* returned, for a thread waiting in offload_start_after() */
	pthread_cond_t cond;
	bool returned;
	size_t arg_size;
	max_align_t arg[]; /* the caller's argument, copied */
};

enum {
	RUNNING,
	FINISHED,
	ABANDONED
};

struct offload {
	sd_event_source *source, *timer;
	struct offload_work *work; /* watched: done runs when its thread returns */
	struct offload_work *left; /* abandoned, kept for offload_running() and _start_after() */
	offload_done_fn done;
	void *userdata;
};

static atomic_uint abandoned_running;

unsigned offload_abandoned_running(void)
{
	return atomic_load(&abandoned_running);
}

static void work_unref(struct offload_work *w)
{
	if (atomic_fetch_sub(&w->refs, 1) != 1)
		return;
	if (w->after)
		work_unref(w->after);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	close(w->efd);
	free(w);
}

static bool work_returned(struct offload_work *w)
{
	bool r;

	pthread_mutex_lock(&w->lock);
	r = w->returned;
	pthread_mutex_unlock(&w->lock);
	return r;
}

static void *offload_thread(void *p)
{
	struct offload_work *w = p;
	uint64_t one = 1;

	if (w->after) {
		pthread_mutex_lock(&w->after->lock);
		while (!w->after->returned)
			pthread_cond_wait(&w->after->cond, &w->after->lock);
		pthread_mutex_unlock(&w->after->lock);
	}
	/* A call abandoned before it began never begins: its owner has reported it as not done. */
	if (w->after && atomic_load(&w->state) == ABANDONED)
		w->result = -ECANCELED;
	else
		w->result = w->fn(w->arg);
	pthread_mutex_lock(&w->lock);
	w->returned = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	/* The eventfd write publishes w->result: the loop reads it only after reading the eventfd.
	 */
	while (write(w->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	if (!atomic_compare_exchange_strong(&w->state, &(unsigned){RUNNING}, FINISHED))
		atomic_fetch_sub(&abandoned_running, 1); /* abandoned: counted in, count out */
	work_unref(w);
	return NULL;
}

/* Lets the thread go: it finishes (or not) on its own and frees what it uses. */
static void abandon(struct offload *o)
{
	struct offload_work *w = o->work;

	if (!w)
		return;
	o->work = NULL;
	o->source = sd_event_source_disable_unref(o->source);
	o->timer = sd_event_source_disable_unref(o->timer);
	/* Counted before the state changes, so the thread can never count out first. */
	atomic_fetch_add(&abandoned_running, 1);
	if (!atomic_compare_exchange_strong(&w->state, &(unsigned){RUNNING}, ABANDONED))
		atomic_fetch_sub(&abandoned_running, 1); /* it had finished */
	o->left = w; /* the owner's reference, dropped by offload_free() */
}

void offload_abandon(struct offload *o)
{
	if (o)
		abandon(o);
}

bool offload_running(const struct offload *o)
{
	struct offload_work *w = o ? (o->work ? o->work : o->left) : NULL;

	return w && !work_returned(w);
}

static int offload_on_event(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct offload *o = userdata;
	uint64_t v;
	int result;

	if (read(fd, &v, sizeof(v)) < 0)
		return 0; /* spurious wake-up: the thread has not finished */
	result = o->work->result;
	work_unref(o->work);
	o->work = NULL;
	o->source = sd_event_source_disable_unref(o->source);
	o->timer = sd_event_source_disable_unref(o->timer);
	if (o->done)
		o->done(result, o->userdata);
	return 0;
}

static int offload_on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct offload *o = userdata;

	abandon(o);
	if (o->done)
		o->done(-ETIME, o->userdata);
	return 0;
}

int offload_start(sd_event *event, offload_fn fn, const void *arg, size_t arg_size, usec_t timeout,
		  offload_done_fn done, void *userdata, struct offload **out)
{
	return offload_start_after(event, NULL, fn, arg, arg_size, timeout, done, userdata, out);
}

int offload_start_after(sd_event *event, struct offload *after, offload_fn fn, const void *arg,
			size_t arg_size, usec_t timeout, offload_done_fn done, void *userdata,
			struct offload **out)
{
	struct offload_work *prev = after ? (after->work ? after->work : after->left) : NULL;
	struct offload_work *w;
	struct offload *o;
	pthread_attr_t attr;
	pthread_t thread;
	int r;

	o = calloc(1, sizeof(*o));
	w = calloc(1, sizeof(*w) + arg_size);
	if (!o || !w) {
		free(o);
		free(w);
		return -ENOMEM;
	}
	atomic_init(&w->refs, 1);
	atomic_init(&w->state, RUNNING);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->fn = fn;
	w->arg_size = arg_size;
	memcpy(w->arg, arg, arg_size);
	o->work = w;
	o->done = done;
	o->userdata = userdata;
	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->efd < 0) {
		r = -errno;
		goto fail;
	}
	r = sd_event_add_io(event, &o->source, w->efd, EPOLLIN, offload_on_event, o);
	if (r >= 0 && timeout)
		r = sd_event_add_time(event, &o->timer, CLOCK_MONOTONIC, now_usec() + timeout,
				      USEC_PER_MSEC, offload_on_timeout, o);
	if (r < 0)
		goto fail;
	/* Detached: nothing ever joins it, so nothing can be held up by it. */
	r = -pthread_attr_init(&attr);
	if (r < 0)
		goto fail;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	atomic_fetch_add(&w->refs, 1); /* the thread's */
	if (prev) {
		atomic_fetch_add(&prev->refs, 1);
		w->after = prev;
	}
	r = -pthread_create(&thread, &attr, offload_thread, w);
	pthread_attr_destroy(&attr);
	if (r < 0) {
		atomic_fetch_sub(&w->refs, 1);
		if (w->after)
			work_unref(w->after);
		w->after = NULL;
		goto fail;
	}
	*out = o;
	return 0;
fail:
	sd_event_source_disable_unref(o->source);
	sd_event_source_disable_unref(o->timer);
	if (w->efd >= 0)
		close(w->efd);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
	free(o);
	return r;
}

void offload_free(struct offload *o)
{
	if (!o)
		return;
	abandon(o);
	if (o->left)
		work_unref(o->left);
	free(o);
}
