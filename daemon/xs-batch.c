/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <xenstore.h>

#include "xs-batch.h"
#include "xs-sentinel.h"

/* libxenstore waits forever; a xenstored that answers nothing for this long is as good as dead. */
#define ANSWER_TIMEOUT_MS 10000
#define HDR		  sizeof(struct xsd_sockmsg)
#define BUF_SIZE	  (2 * (HDR + XENSTORE_PAYLOAD_MAX))

struct xsb {
	struct xs_handle *h; /* through libxenstore when fd < 0 */
	int fd;
	bool broken;
	uint32_t next_id;
	uint64_t round_trips, messages;
	unsigned have; /* bytes in buf */
	char buf[BUF_SIZE];
};

int xsb_new(struct xs_handle *h, struct xsb **out)
{
	struct xsb *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->h = h;
	b->fd = xs_sentinel_open();
	if (b->fd < 0 && b->fd != -ENOTSOCK) {
		int r = b->fd;

		free(b);
		return r;
	}
	*out = b;
	return 0;
}

void xsb_free(struct xsb *b)
{
	if (!b)
		return;
	if (b->fd >= 0)
		close(b->fd);
	free(b);
}

int xsb_fd(const struct xsb *b)
{
	return b->fd >= 0 ? b->fd : -EBADF;
}

uint64_t xsb_round_trips(const struct xsb *b)
{
	return b->round_trips;
}

uint64_t xsb_messages(const struct xsb *b)
{
	return b->messages;
}

void xsb_clear(struct xsb_call *calls, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		free(calls[i].data);
		calls[i].data = NULL;
	}
}

/* The stream is out of step or gone: hang up, so that the sentinel's watcher reconnects. */
static int fail(struct xsb *b, int r)
{
	b->broken = true;
	shutdown(b->fd, SHUT_RDWR);
	return r;
}

static int wait_fd(struct xsb *b, short events)
{
	struct pollfd p = {.fd = b->fd, .events = events};
	int k;

	do
		k = poll(&p, 1, ANSWER_TIMEOUT_MS);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return -errno;
	return k == 0 ? -ETIMEDOUT : 0;
}

static int send_all(struct xsb *b, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t k = send(b->fd, p, len, MSG_NOSIGNAL);
		int r;

		if (k < 0 && errno == EAGAIN && (r = wait_fd(b, POLLOUT)) < 0)
			return r;
		if (k < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (k > 0) {
			p += k;
			len -= (size_t)k;
		}
	}
	return 0;
}

/* Until at least need bytes are buffered. */
static int fill(struct xsb *b, unsigned need)
{
	while (b->have < need) {
		ssize_t k = recv(b->fd, b->buf + b->have, sizeof(b->buf) - b->have, 0);
		int r;

		if (k == 0)
			return -ECONNRESET;
		if (k < 0 && errno == EAGAIN && (r = wait_fd(b, POLLIN)) < 0)
			return r;
		if (k < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (k > 0)
			b->have += (unsigned)k;
	}
	return 0;
}

static int errno_of(const char *name)
{
	for (unsigned i = 0; i < ELEMENTSOF(xsd_errors); i++)
		if (streq(name, xsd_errors[i].errstring))
			return -xsd_errors[i].errnum;
	return -EIO;
}

/* Reads the answer to message id of the given type; *payload (NUL-terminated) is the caller's. */
static int answer(struct xsb *b, uint32_t id, uint32_t type, char **payload, unsigned *len)
{
	struct xsd_sockmsg m;
	char *p;
	int r = fill(b, HDR);

	if (r < 0)
		return fail(b, r);
	memcpy(&m, b->buf, HDR);
	if (m.len > XENSTORE_PAYLOAD_MAX || m.req_id != id)
		return fail(b, -EBADMSG);
	r = fill(b, HDR + m.len);
	if (r < 0)
		return fail(b, r);
	p = malloc(m.len + 1);
	if (!p)
		return fail(b, -ENOMEM);
	memcpy(p, b->buf + HDR, m.len);
	p[m.len] = '\0';
	b->have -= HDR + m.len;
	memmove(b->buf, b->buf + HDR + m.len, b->have);
	if (m.type == XS_ERROR) {
		r = errno_of(p);
		free(p);
		return r; /* the call's own outcome: the stream is in step */
	}
	if (m.type != type) {
		free(p);
		return fail(b, -EBADMSG);
	}
	*payload = p;
	*len = m.len;
	return 0;
}

static uint32_t wire_type(enum xsb_op op)
{
	switch (op) {
	case XSB_READ:
		return XS_READ;
	case XSB_WRITE:
		return XS_WRITE;
	case XSB_DIRECTORY:
		return XS_DIRECTORY;
	case XSB_OWNER:
		return XS_GET_PERMS;
	}
	return XS_INVALID;
}

/* What a call's answer means, from its payload. */
static void result(struct xsb_call *c, char *payload, unsigned len)
{
	switch (c->op) {
	case XSB_READ:
		c->data = payload;
		c->len = len;
		return;
	case XSB_DIRECTORY:
		c->data = payload;
		c->len = 0;
		for (unsigned i = 0; i < len; i++)
			c->len += payload[i] == '\0';
		return;
	case XSB_OWNER:
		/* "n0", "r5", ...: the first entry is the owner (and everyone's access). */
		c->owner = len >= 2 ? (unsigned)strtoul(payload + 1, NULL, 10) : UINT32_MAX;
		break;
	case XSB_WRITE:
		break;
	}
	free(payload);
}

static int wire_run(struct xsb *b, uint32_t tx, struct xsb_call *calls, unsigned n, uint32_t first)
{
	_cleanup_(freep) char *out = NULL;
	size_t size = 0, at = 0;
	int r;

	if (n == 0)
		return 0;
	for (unsigned i = 0; i < n; i++)
		size +=
		    HDR + strlen(calls[i].path) + 1 + (calls[i].value ? strlen(calls[i].value) : 0);
	out = calloc(1, size);
	if (!out)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		size_t pl = strlen(calls[i].path) + 1;
		size_t vl = calls[i].op == XSB_WRITE && calls[i].value ? strlen(calls[i].value) : 0;
		struct xsd_sockmsg m = {wire_type(calls[i].op), first + i, tx, (uint32_t)(pl + vl)};

		memcpy(out + at, &m, HDR);
		memcpy(out + at + HDR, calls[i].path, pl);
		if (vl)
			memcpy(out + at + HDR + pl, calls[i].value, vl);
		at += HDR + pl + vl;
	}
	r = send_all(b, out, at);
	if (r < 0)
		return fail(b, r);
	for (unsigned i = 0; i < n; i++) {
		char *payload = NULL;
		unsigned len = 0;

		r = answer(b, first + i, wire_type(calls[i].op), &payload, &len);
		if (b->broken)
			return r;
		calls[i].err = r;
		if (r == 0)
			result(&calls[i], payload, len);
	}
	return 0;
}

/* The same calls through libxenstore, one round trip each. */
static void lib_call(struct xsb *b, uint32_t tx, struct xsb_call *c)
{
	unsigned len = 0;

	b->round_trips++;
	errno = 0;
	switch (c->op) {
	case XSB_READ:
		c->data = xs_read(b->h, tx, c->path, &len);
		c->len = len;
		c->err = c->data ? 0 : -errno;
		return;
	case XSB_WRITE: {
		/* No value is an empty one, as on the socket. */
		const char *value = c->value ? c->value : "";

		c->err = xs_write(b->h, tx, c->path, value, (unsigned)strlen(value)) ? 0 : -errno;
		return;
	}
	case XSB_DIRECTORY: {
		_cleanup_(freep) char **names = xs_directory(b->h, tx, c->path, &len);
		size_t size = 1, at = 0;
		char *data;

		if (!names) {
			c->err = -errno;
			return;
		}
		for (unsigned i = 0; i < len; i++)
			size += strlen(names[i]) + 1;
		data = calloc(1, size); /* an empty listing is one NUL, as on the socket */
		if (!data) {
			c->err = -ENOMEM;
			return;
		}
		for (unsigned i = 0; i < len; i++)
			at += (size_t)sprintf(data + at, "%s", names[i]) + 1;
		c->data = data;
		c->len = len;
		return;
	}
	case XSB_OWNER: {
		struct xs_permissions *p = xs_get_permissions(b->h, tx, c->path, &len);

		c->err = p ? 0 : -errno;
		c->owner = p && len >= 1 ? p[0].id : UINT32_MAX;
		free(p);
		return;
	}
	}
}

/*
 * libxenstore's errors for a connection gone (xenstored died: the first call
 * sees the reset, later ones the closed socket), never a call's own outcome
 * (xsd_errors): a failed connection, as on the socket. Returns err.
 */
static int lib_failed(struct xsb *b, int err)
{
	if (err == -ECONNRESET || err == -EPIPE || err == -EBADF || err == -ENOTCONN)
		b->broken = true;
	return err;
}

/* A call's message payload: its path, NUL, a write's value. */
static size_t payload_size(const struct xsb_call *c)
{
	return strlen(c->path) + 1 + (c->op == XSB_WRITE && c->value ? strlen(c->value) : 0);
}

int xsb_run(struct xsb *b, uint32_t tx, struct xsb_call *calls, unsigned n)
{
	uint32_t first = b->next_id;

	for (unsigned i = 0; i < n; i++) {
		calls[i].err = 0;
		calls[i].data = NULL;
		calls[i].len = 0;
	}
	if (b->broken)
		return -ENOTCONN;
	/* Both ways refuse the whole batch before any call of it is made. */
	for (unsigned i = 0; i < n; i++)
		if (payload_size(&calls[i]) > XENSTORE_PAYLOAD_MAX)
			return -E2BIG;
	b->messages += n;
	if (b->fd < 0) {
		for (unsigned i = 0; i < n; i++) {
			lib_call(b, tx, &calls[i]);
			if (lib_failed(b, calls[i].err) < 0 && b->broken)
				return calls[i].err;
		}
		return 0;
	}
	b->next_id += n;
	b->round_trips++;
	return wire_run(b, tx, calls, n, first);
}

/* One message with a string payload, its answer in *reply. */
static int wire_one(struct xsb *b, uint32_t type, uint32_t tx, const char *arg, char **reply)
{
	size_t al = strlen(arg) + 1;
	struct xsd_sockmsg m = {type, b->next_id++, tx, (uint32_t)al};
	char out[HDR + 8];
	unsigned len = 0;
	int r;

	if (b->broken)
		return -ENOTCONN;
	b->round_trips++;
	b->messages++;
	memcpy(out, &m, HDR);
	memcpy(out + HDR, arg, al);
	r = send_all(b, out, HDR + al);
	if (r < 0)
		return fail(b, r);
	return answer(b, m.req_id, type, reply, &len);
}

int xsb_transaction_start(struct xsb *b, uint32_t *tx)
{
	_cleanup_(freep) char *reply = NULL;
	int r;

	if (b->fd < 0) {
		xs_transaction_t t;

		if (b->broken)
			return -ENOTCONN;
		b->round_trips++;
		b->messages++;
		t = xs_transaction_start(b->h);
		if (t == XBT_NULL)
			return lib_failed(b, -errno);
		*tx = t;
		return 0;
	}
	r = wire_one(b, XS_TRANSACTION_START, 0, "", &reply);
	if (r < 0)
		return r;
	*tx = (uint32_t)strtoul(reply, NULL, 10);
	return *tx ? 0 : -EBADMSG;
}

int xsb_transaction_end(struct xsb *b, uint32_t tx, bool abort)
{
	_cleanup_(freep) char *reply = NULL;

	if (b->fd < 0) {
		if (b->broken)
			return -ENOTCONN;
		b->round_trips++;
		b->messages++;
		return xs_transaction_end(b->h, tx, abort) ? 0 : lib_failed(b, -errno);
	}
	return wire_one(b, XS_TRANSACTION_END, tx, abort ? "F" : "T", &reply);
}
