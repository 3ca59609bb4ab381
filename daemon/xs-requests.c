/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Taking requests in (docs/protocol.md, "Request"): each watch event names
 * one request, and only that one is looked at; ids already taken in are
 * remembered, so a burst of events for one request (a transaction writes
 * several fields) costs one read of it and lookups for the rest, and a
 * store full of answered requests costs nothing per event. The id is
 * checked before anything under it is read.
 */
#include <search.h>
#include <stdio.h>

#include "log.h"
#include "xs-internal.h"

static int cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

static bool seen(const struct xsp *x, const char *id)
{
	return tfind(id, &x->seen, cmp_id) != NULL;
}

static void mark_seen(struct xsp *x, const char *id)
{
	char *copy = strdup(id);
	char **slot;

	if (!copy)
		return; /* looked at again next time: costs reads, loses nothing */
	slot = tsearch(copy, &x->seen, cmp_id);
	if (!slot || *slot != copy)
		free(copy);
	else
		x->n_seen++;
}

static void forget(struct xsp *x, const char *id)
{
	char **slot = tfind(id, &x->seen, cmp_id);
	char *stored;

	if (!slot)
		return;
	stored = *slot;
	tdelete(id, &x->seen, cmp_id);
	free(stored);
	x->n_seen--;
}

void xsp_seen_clear(struct xsp *x)
{
	tdestroy(x->seen, free);
	x->seen = NULL;
	x->n_seen = 0;
}

/* The node's owner (first permission entry), or -errno (-ENOENT: gone). */
static int owner_of(struct xsp *x, const char *p, unsigned *owner)
{
	struct xsb_call c = {XSB_OWNER, p, NULL};
	int r = xsp_batch(x, 0, &c, 1);

	x->counters.store_reads++;
	if (r < 0)
		return r;
	*owner = c.owner;
	return c.err;
}

/* Reads the listed fields (one round trip) and hands the request to the manager (or refuses it). */
static void take_in(struct xsp *x, const char *id, const struct xsb_call *listing, bool resubmit,
		    const char *instance)
{
	char paths[MAX_FIELDS][XSP_PATH_MAX];
	struct xsb_call calls[MAX_FIELDS];
	struct request_field fields[MAX_FIELDS];
	struct request req;
	struct why why = {""};
	const char *name = listing->data;
	unsigned n = listing->len;

	mark_seen(x, id);
	if (n > MAX_FIELDS) {
		manager_refuse(x->manager, id, "too many fields");
		return;
	}
	for (unsigned i = 0; i < n; i++, name += strlen(name) + 1) {
		fields[i].name = name;
		calls[i] =
		    (struct xsb_call){XSB_READ, xsp_join(x, paths[i], "request", id, name), NULL};
	}
	x->counters.store_reads += n;
	if (xsp_batch(x, 0, calls, n) < 0) {
		forget(x, id); /* the connection is going: looked at again after the reconnect */
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		fields[i].value = calls[i].data ? calls[i].data : "";
		fields[i].len = calls[i].data ? calls[i].len : 0;
	}
	if (request_parse(id, fields, n, &req, &why) < 0)
		manager_refuse(x->manager, id, why.msg);
	else {
		if (resubmit)
			log_notice("request %s: accepted by instance %s which never answered; "
				   "resetting again",
				   id, instance ? instance : "?");
		manager_submit(x->manager, &req);
	}
	xsb_clear(calls, n);
}

/*
 * What the daemon needs to know of a request it has not seen, asked in one
 * round trip: the node's owner, the response's state and instance (an
 * earlier instance may have answered or accepted it), the field listing.
 */
enum {
	Q_OWNER,
	Q_STATE,
	Q_INSTANCE,
	Q_LISTING,
	Q_MAX
};

static void handle_request(struct xsp *x, const char *id)
{
	char paths[Q_MAX][XSP_PATH_MAX];
	struct xsb_call q[Q_MAX];
	size_t len = strlen(id);
	const char *state, *instance;
	bool accepted;
	int k;

	/* Before anything under it is read or written: a path built from a longer id could be
	 * cut to another request's. Not answered: no answer could reach its client. */
	if (len > REQUEST_ID_MAX) {
		log_warning(
		    "request node '%.40s...' (%zu characters): a request id has at most %d; "
		    "ignored, not answered",
		    id, len, REQUEST_ID_MAX);
		mark_seen(x, id);
		return;
	}
	q[Q_OWNER] = (struct xsb_call){XSB_OWNER, xsp_join(x, paths[0], "request", id, NULL)};
	q[Q_STATE] = (struct xsb_call){XSB_READ, xsp_join(x, paths[1], "response", id, "state")};
	q[Q_INSTANCE] =
	    (struct xsb_call){XSB_READ, xsp_join(x, paths[2], "response", id, "instance")};
	q[Q_LISTING] = (struct xsb_call){XSB_DIRECTORY, xsp_join(x, paths[3], "request", id, NULL)};
	x->counters.store_reads += Q_MAX;
	if (xsp_batch(x, 0, q, Q_MAX) < 0)
		return; /* the connection is going: scanned again after the reconnect */
	k = q[Q_OWNER].err;
	state = q[Q_STATE].err == 0 ? q[Q_STATE].data : NULL;
	instance = q[Q_INSTANCE].err == 0 ? q[Q_INSTANCE].data : NULL;
	accepted = state && streq(state, "accepted");
	if (k < 0 || q[Q_LISTING].err < 0) {
		if (k != -ENOENT && q[Q_LISTING].err != -ENOENT)
			log_warning("request %s: cannot read its permissions or fields: %s", id,
				    strerror(-(k < 0 ? k : q[Q_LISTING].err)));
	} else if (q[Q_OWNER].owner != 0) {
		/* Logged once: the id is remembered until the node goes away. */
		log_warning("request %s: node owned by domain %u, not dom0; ignored", id,
			    q[Q_OWNER].owner);
		mark_seen(x, id);
	} else if (!request_id_valid(id)) {
		mark_seen(x, id);
		manager_refuse(x->manager, id,
			       "request id is not 1-64 characters of letters, "
			       "digits, '_' and '-'");
	} else if (manager_has(x->manager, id) || (state && streq(state, "done")) ||
		   (accepted && instance && streq(instance, x->instance))) {
		mark_seen(x, id);
	} else {
		/* Accepted by an earlier instance that never answered: reset again. */
		take_in(x, id, &q[Q_LISTING], accepted, instance);
	}
	xsb_clear(q, Q_MAX);
}

void xsp_scan(struct xsp *x)
{
	_cleanup_(freep) char **ids = NULL;
	unsigned n = 0;

	if (!x->h || !x->manager)
		return;
	x->counters.scans++;
	ids = xs_directory(x->h, XBT_NULL, x->request_dir, &n);
	x->counters.store_reads++;
	for (unsigned i = 0; ids && i < n && x->h; i++)
		if (!seen(x, ids[i]))
			handle_request(x, ids[i]);
}

void xsp_watch_event(struct xsp *x, const char *path)
{
	const char *dir = x->request_dir;
	size_t dlen = strlen(dir);
	const char *rest, *slash;
	_cleanup_(freep) char *id = NULL;
	unsigned owner;

	if (!x->manager || strncmp(path, dir, dlen) != 0)
		return;
	rest = path + dlen;
	if (*rest == '\0') {
		/* The directory itself: the watch's first firing, or it was removed. */
		xsp_scan(x);
		return;
	}
	if (*rest != '/' || !rest[1])
		return;
	rest++;
	slash = strchr(rest, '/');
	id = strndup(rest, slash ? (size_t)(slash - rest) : strlen(rest));
	if (!id)
		return;
	if (!seen(x, id)) {
		handle_request(x, id);
		return;
	}
	/* A known request: only its own node going away matters (forget it, so the id may
	 * be used again). A field written under it changes nothing once it was taken in. */
	if (!slash && strlen(id) <= REQUEST_ID_MAX &&
	    owner_of(x, xsp_path(x, "request/%s", id), &owner) == -ENOENT)
		forget(x, id);
	else if (!slash && strlen(id) > REQUEST_ID_MAX) {
		/* Cannot build its path safely: look it up in the listing instead. */
		_cleanup_(freep) char **ids = NULL;
		unsigned n = 0;
		bool present = false;

		ids = xs_directory(x->h, XBT_NULL, dir, &n);
		x->counters.store_reads++;
		for (unsigned i = 0; ids && i < n && !present; i++)
			present = streq(ids[i], id);
		if (ids && !present)
			forget(x, id);
	}
}
