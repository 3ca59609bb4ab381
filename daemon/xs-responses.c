/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writing the responses (docs/protocol.md, "Response"): the adapter as the
 * manager's reporter. Each state change is one transaction whose writes go
 * out together (xs-batch.h): three round trips, however many fields.
 * "accepted" is written only for a request still unanswered ACCEPTED_DELAY
 * after it was taken in; "done" is written once, in a transaction that
 * checks it is not there already.
 */
#include <inttypes.h>
#include <stdio.h>

#include "log.h"
#include "xs-internal.h"

enum {
	DONE_FIELDS = 9
};

/*
 * Sends the calls inside a transaction; when check(calls) says no, the
 * transaction is abandoned and its -errno returned. A conflicting writer
 * (EAGAIN at the end) means: the whole transaction again.
 */
static int in_transaction(struct xsp *x, struct xsb_call *calls, unsigned n,
			  int (*check)(const struct xsb_call *calls))
{
	for (unsigned attempt = 0; attempt < 16; attempt++) {
		uint32_t tx;
		int r = x->batch ? xsb_transaction_start(x->batch, &tx) : -ENOTCONN, k;

		if (r < 0)
			return r;
		r = xsp_batch(x, tx, calls, n);
		for (unsigned i = 0; r >= 0 && i < n; i++)
			if (calls[i].op == XSB_WRITE && calls[i].err < 0)
				r = calls[i].err;
		if (r >= 0 && check)
			r = check(calls);
		xsb_clear(calls, n);
		k = xsb_transaction_end(x->batch, tx, r < 0);
		if (r < 0)
			return r;
		if (k == -EAGAIN)
			continue;
		return k;
	}
	return -EAGAIN;
}

static void write_accepted(struct xsp *x, const char *id)
{
	char paths[2][XSP_PATH_MAX];
	struct xsb_call calls[] = {
	    {XSB_WRITE, xsp_join(x, paths[0], "response", id, "instance"), x->instance},
	    {XSB_WRITE, xsp_join(x, paths[1], "response", id, "state"), "accepted"},
	};
	int k = in_transaction(x, calls, ELEMENTSOF(calls), NULL);

	if (k < 0)
		log_warning("request %s: cannot write 'accepted': %s", id, strerror(-k));
}

static void arm(struct xsp *x)
{
	if (!x->waiting) {
		sd_event_source_set_enabled(x->accept_timer, SD_EVENT_OFF);
		return;
	}
	sd_event_source_set_time(x->accept_timer, x->waiting->due);
	sd_event_source_set_enabled(x->accept_timer, SD_EVENT_ONESHOT);
}

/* The requests still unanswered after ACCEPTED_DELAY: the daemon owns them, say so. */
static int on_accept_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct xsp *x = userdata;
	usec_t now = now_usec();

	while (x->waiting && x->waiting->due <= now) {
		struct accepted_wait *w = x->waiting;

		x->waiting = w->next;
		if (x->h)
			write_accepted(x, w->id);
		free(w);
	}
	arm(x);
	return 0;
}

static void report_accepted(void *userdata, const struct request *r)
{
	struct xsp *x = userdata;
	struct accepted_wait *w, **tail = &x->waiting;

	if (!x->accept_timer && sd_event_add_time(x->event, &x->accept_timer, CLOCK_MONOTONIC, 0,
						  USEC_PER_MSEC, on_accept_timer, x) < 0) {
		x->accept_timer = NULL;
		if (x->h)
			write_accepted(x, r->id); /* no timer: at once, as it used to be */
		return;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		if (x->h)
			write_accepted(x, r->id);
		return;
	}
	snprintf(w->id, sizeof(w->id), "%s", r->id);
	w->due = now_usec() + ACCEPTED_DELAY;
	while (*tail)
		tail = &(*tail)->next; /* in order of due: each is now + the same delay */
	*tail = w;
	arm(x);
}

/* Answered: no "accepted" is due any more. */
static void unwait(struct xsp *x, const char *id)
{
	for (struct accepted_wait **p = &x->waiting; *p; p = &(*p)->next)
		if (streq((*p)->id, id)) {
			struct accepted_wait *w = *p;

			*p = w->next;
			free(w);
			break;
		}
	if (x->accept_timer)
		arm(x);
}

void xsp_waiting_clear(struct xsp *x)
{
	while (x->waiting) {
		struct accepted_wait *w = x->waiting;

		x->waiting = w->next;
		free(w);
	}
	x->accept_timer = sd_event_source_disable_unref(x->accept_timer);
}

/* The first call reads the state inside the transaction: "done" means answered once already. */
static int not_done_yet(const struct xsb_call *calls)
{
	return calls[0].err == 0 && streq(calls[0].data, "done") ? -EALREADY : 0;
}

static void report_done(void *userdata, const struct request *r, const struct manager_result *res)
{
	struct xsp *x = userdata;
	const char *id = r->id;
	char dur[24], error[ERROR_VALUE_MAX + 1], paths[1 + DONE_FIELDS][XSP_PATH_MAX];
	int k;

	unwait(x, id);
	if (!x->h) {
		log_err("request %s: finished (%s) while xenstored is unreachable; the answer "
			"is lost with the store",
			id, manager_result_name(res->result));
		return;
	}
	snprintf(dur, sizeof(dur), "%" PRIu64, res->duration_ms);
	snprintf(error, sizeof(error), "%s", res->error);
	/* state last: a client that reads "done" finds every other field there. */
	struct xsb_call calls[1 + DONE_FIELDS] = {
	    {XSB_READ, xsp_join(x, paths[0], "response", id, "state"), NULL},
	    {XSB_WRITE, xsp_join(x, paths[1], "response", id, "result"),
	     manager_result_name(res->result)},
	    {XSB_WRITE, xsp_join(x, paths[2], "response", id, "method"), res->method},
	    {XSB_WRITE, xsp_join(x, paths[3], "response", id, "effect"), res->effect},
	    {XSB_WRITE, xsp_join(x, paths[4], "response", id, "policy"), res->policy},
	    {XSB_WRITE, xsp_join(x, paths[5], "response", id, "rule"), res->rule},
	    {XSB_WRITE, xsp_join(x, paths[6], "response", id, "error"), error},
	    {XSB_WRITE, xsp_join(x, paths[7], "response", id, "duration-ms"), dur},
	    {XSB_WRITE, xsp_join(x, paths[8], "response", id, "instance"), x->instance},
	    {XSB_WRITE, xsp_join(x, paths[9], "response", id, "state"), "done"},
	};

	k = in_transaction(x, calls, ELEMENTSOF(calls), not_done_yet);
	if (k < 0 && k != -EALREADY)
		log_warning("request %s: cannot write the response: %s", id, strerror(-k));
}

struct manager_reporter xsp_reporter(struct xsp *x)
{
	return (struct manager_reporter){report_accepted, report_done, x};
}
