/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>

#include "offload.h"

struct offload {
	sd_event_source *source;
	int efd;
	pthread_t thread;
	bool thread_started;
	offload_fn fn;
	void *arg;
	offload_done_fn done;
	void *userdata;
	int result; /* written by the thread before it signals the eventfd */
};

static void *offload_thread(void *p)
{
	struct offload *o = p;
	uint64_t one = 1;

	o->result = o->fn(o->arg);
	/* The eventfd write publishes o->result: the loop reads it only after reading the eventfd.
	 */
	while (write(o->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	return NULL;
}

static int offload_on_event(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct offload *o = userdata;
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0)
		return 0; /* spurious wake-up: the thread has not finished */
	pthread_join(o->thread, NULL);
	o->thread_started = false;
	sd_event_source_set_enabled(s, SD_EVENT_OFF);
	if (o->done)
		o->done(o->result, o->userdata);
	return 0;
}

int offload_start(sd_event *event, offload_fn fn, void *arg, offload_done_fn done, void *userdata,
		  struct offload **out)
{
	struct offload *o;
	int r;

	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->fn = fn;
	o->arg = arg;
	o->done = done;
	o->userdata = userdata;
	o->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (o->efd < 0) {
		r = -errno;
		free(o);
		return r;
	}
	r = sd_event_add_io(event, &o->source, o->efd, EPOLLIN, offload_on_event, o);
	if (r < 0)
		goto fail;
	r = -pthread_create(&o->thread, NULL, offload_thread, o);
	if (r < 0)
		goto fail;
	o->thread_started = true;
	*out = o;
	return 0;
fail:
	sd_event_source_unref(o->source);
	close(o->efd);
	free(o);
	return r;
}

void offload_free(struct offload *o)
{
	if (!o)
		return;
	if (o->thread_started)
		pthread_join(o->thread, NULL);
	sd_event_source_disable_unref(o->source);
	close(o->efd);
	free(o);
}
