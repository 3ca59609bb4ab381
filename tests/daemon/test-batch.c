/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon/xs-batch.c's two ways against one real xenstored: its own
 * connection to the socket (the calls of a batch in one round trip) and the
 * libxenstore fallback it takes when XENSTORED_PATH is not a socket (the
 * kernel's xenbus device; here a plain file, the handle itself opened on the
 * real socket). The same calls through both must give the same results:
 * reads of present and missing nodes, writes, listings (empty, many names,
 * long names), owners, calls inside a transaction, one that conflicts
 * (-EAGAIN) and one aborted, and xenstored killed while a batch waits for
 * its answers. Also daemon/xs-sentinel.c: a missing socket, a path too long
 * for a socket address, and the hang-up when xenstored dies.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <xenstore.h>

#include "testmain.h"
#include "xenstored-harness.h"
#include "xs-batch.h"
#include "xs-sentinel.h"

#define ROOT	  "/local/domain/0/batch-test"
#define MANY	  40
#define LONG_NAME 200

struct fix {
	struct xsh *xs;
	struct xs_handle *h;
	char dir[64];	   /* a temporary directory */
	char notsock[128]; /* a plain file there: what XENSTORED_PATH names for the fallback */
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	const char *why;

	assert_non_null(f);
	*state = f;
	if (xsh_available(&why) < 0) {
		print_message("skipped: %s\n", why);
		return 0;
	}
	snprintf(f->dir, sizeof(f->dir), "/tmp/pcirst-batch-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->notsock, sizeof(f->notsock), "%s/plain", f->dir);
	close(open(f->notsock, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	assert_int_equal(xsh_start(&f->xs), 0);
	f->h = xs_open(0);
	assert_non_null(f->h);
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	if (f->h)
		xs_close(f->h);
	xsh_stop(f->xs);
	if (f->dir[0]) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
		assert_int_equal(system(cmd), 0);
	}
	free(f);
	return 0;
}

static struct fix *need_xenstored(void **state)
{
	struct fix *f = *state;

	if (!f->xs)
		test_skip();
	return f;
}

/* The batch on the socket, as the daemon opens it. */
static struct xsb *on_socket(struct fix *f)
{
	struct xsb *b = NULL;

	assert_int_equal(xsb_new(f->h, &b), 0);
	assert_true(xsb_fd(b) >= 0);
	return b;
}

/* The fallback: XENSTORED_PATH names no socket when xsb_new() looks. */
static struct xsb *through_lib(struct fix *f)
{
	struct xsb *b = NULL;

	assert_int_equal(setenv("XENSTORED_PATH", f->notsock, 1), 0);
	assert_int_equal(xsb_new(f->h, &b), 0);
	assert_int_equal(setenv("XENSTORED_PATH", xsh_socket(f->xs), 1), 0);
	assert_int_equal(xsb_fd(b), -EBADF);
	return b;
}

static void put(struct fix *f, const char *path, const char *value)
{
	assert_true(xs_write(f->h, XBT_NULL, path, value, (unsigned)strlen(value)));
}

static char *get(struct fix *f, const char *path)
{
	return xs_read(f->h, XBT_NULL, path, NULL);
}

static void long_name(unsigned i, char out[LONG_NAME + 1])
{
	memset(out, 'a' + (char)(i % 26), LONG_NAME);
	snprintf(out + LONG_NAME - 4, 5, "%04u", i);
}

/* The same nodes under root for each way. */
static void populate(struct fix *f, const char *root)
{
	char path[512], name[LONG_NAME + 1];
	struct xs_permissions perms[] = {{.id = 5, .perms = XS_PERM_NONE}};

	snprintf(path, sizeof(path), "%s/present", root);
	put(f, path, "value of present");
	snprintf(path, sizeof(path), "%s/empty", root);
	put(f, path, "");
	snprintf(path, sizeof(path), "%s/emptydir", root);
	put(f, path, "");
	for (unsigned i = 0; i < MANY; i++) {
		snprintf(path, sizeof(path), "%s/many/n%u", root, i);
		put(f, path, "x");
	}
	for (unsigned i = 0; i < 8; i++) {
		long_name(i, name);
		snprintf(path, sizeof(path), "%s/long/%s", root, name);
		put(f, path, name);
	}
	snprintf(path, sizeof(path), "%s/owned", root);
	put(f, path, "domain 5's");
	assert_true(xs_set_permissions(f->h, XBT_NULL, path, perms, 1));
}

/* A listing's bytes: its names, each NUL-terminated. */
static size_t listing_size(const struct xsb_call *c)
{
	size_t at = 0;

	for (unsigned i = 0; i < c->len; i++)
		at += strlen(c->data + at) + 1;
	return at;
}

static void same_results(const struct xsb_call *a, const struct xsb_call *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (a[i].err != b[i].err)
			fail_msg("call %u (op %d): %d on the socket, %d through libxenstore", i,
				 a[i].op, a[i].err, b[i].err);
		if (a[i].err < 0)
			continue;
		assert_int_equal(a[i].len, b[i].len);
		switch (a[i].op) {
		case XSB_READ:
			assert_memory_equal(a[i].data, b[i].data, a[i].len + 1);
			break;
		case XSB_DIRECTORY:
			assert_int_equal(listing_size(&a[i]), listing_size(&b[i]));
			assert_memory_equal(a[i].data, b[i].data, listing_size(&a[i]));
			break;
		case XSB_OWNER:
			assert_int_equal(a[i].owner, b[i].owner);
			break;
		case XSB_WRITE:
			break;
		}
	}
}

enum {
	C_PRESENT,
	C_MISSING,
	C_EMPTY,
	C_WRITE,
	C_READBACK,
	C_EMPTYDIR,
	C_MANY,
	C_LONG,
	C_DIRMISSING,
	C_OWNER0,
	C_OWNER5,
	C_OWNERMISSING,
	C_BADPATH,
	N_CALLS
};

/* The sequence of calls, on root's nodes; paths[] holds their storage. */
static void sequence(const char *root, char paths[N_CALLS][256], struct xsb_call *c)
{
	static const struct {
		enum xsb_op op;
		const char *node, *value;
	} seq[N_CALLS] = {
	    [C_PRESENT] = {XSB_READ, "present", NULL},
	    [C_MISSING] = {XSB_READ, "missing", NULL},
	    [C_EMPTY] = {XSB_READ, "empty", NULL},
	    [C_WRITE] = {XSB_WRITE, "new/node", "written in the batch"},
	    [C_READBACK] = {XSB_READ, "new/node", NULL},
	    [C_EMPTYDIR] = {XSB_DIRECTORY, "emptydir", NULL},
	    [C_MANY] = {XSB_DIRECTORY, "many", NULL},
	    [C_LONG] = {XSB_DIRECTORY, "long", NULL},
	    [C_DIRMISSING] = {XSB_DIRECTORY, "missing", NULL},
	    [C_OWNER0] = {XSB_OWNER, "present", NULL},
	    [C_OWNER5] = {XSB_OWNER, "owned", NULL},
	    [C_OWNERMISSING] = {XSB_OWNER, "missing", NULL},
	    [C_BADPATH] = {XSB_READ, "bad//path", NULL},
	};

	for (unsigned i = 0; i < N_CALLS; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/%s", root, seq[i].node);
		c[i] = (struct xsb_call){seq[i].op, paths[i], seq[i].value};
	}
}

static void same_calls(void **state)
{
	struct fix *f = need_xenstored(state);
	_cleanup_(xsb_freep) struct xsb *wire = on_socket(f);
	_cleanup_(xsb_freep) struct xsb *lib = through_lib(f);
	char pw[N_CALLS][256], pl[N_CALLS][256], *v;
	struct xsb_call cw[N_CALLS], cl[N_CALLS];

	populate(f, ROOT "/wire");
	populate(f, ROOT "/lib");
	sequence(ROOT "/wire", pw, cw);
	sequence(ROOT "/lib", pl, cl);
	assert_int_equal(xsb_run(wire, 0, cw, N_CALLS), 0);
	assert_int_equal(xsb_run(lib, 0, cl, N_CALLS), 0);
	same_results(cw, cl, N_CALLS);
	/* What the results are, not only that they agree. */
	assert_int_equal(cw[C_PRESENT].err, 0);
	assert_string_equal(cw[C_PRESENT].data, "value of present");
	assert_int_equal(cw[C_PRESENT].len, strlen("value of present"));
	assert_int_equal(cw[C_MISSING].err, -ENOENT);
	assert_null(cw[C_MISSING].data);
	assert_int_equal(cw[C_EMPTY].err, 0);
	assert_int_equal(cw[C_EMPTY].len, 0);
	assert_int_equal(cw[C_WRITE].err, 0);
	assert_string_equal(cw[C_READBACK].data, "written in the batch");
	assert_int_equal(cw[C_EMPTYDIR].err, 0);
	assert_int_equal(cw[C_EMPTYDIR].len, 0);
	assert_int_equal(cw[C_MANY].len, MANY);
	assert_int_equal(cw[C_LONG].len, 8);
	assert_int_equal(listing_size(&cw[C_LONG]), 8 * (LONG_NAME + 1));
	assert_int_equal(cw[C_DIRMISSING].err, -ENOENT);
	assert_int_equal(cw[C_OWNER0].owner, 0);
	assert_int_equal(cw[C_OWNER5].owner, 5);
	assert_int_equal(cw[C_OWNERMISSING].err, -ENOENT);
	assert_int_equal(cw[C_BADPATH].err, -EINVAL);
	v = get(f, ROOT "/lib/new/node");
	assert_string_equal(v, "written in the batch");
	free(v);
	/* One round trip for the batch on the socket, one per call through libxenstore. */
	assert_int_equal(xsb_round_trips(wire), 1);
	assert_int_equal(xsb_round_trips(lib), N_CALLS);
	assert_int_equal(xsb_messages(wire), N_CALLS);
	assert_int_equal(xsb_messages(lib), N_CALLS);
	xsb_clear(cw, N_CALLS);
	xsb_clear(cl, N_CALLS);
	assert_null(cw[C_PRESENT].data);
}

/* A write without a value writes an empty one; an empty listing is one NUL: both ways alike. */
static void empty_values(void **state)
{
	struct fix *f = need_xenstored(state);
	_cleanup_(xsb_freep) struct xsb *wire = on_socket(f);
	_cleanup_(xsb_freep) struct xsb *lib = through_lib(f);
	struct xsb_call cw[] = {{XSB_WRITE, ROOT "/wire/novalue", NULL},
				{XSB_DIRECTORY, ROOT "/wire/novalue", NULL}};
	struct xsb_call cl[] = {{XSB_WRITE, ROOT "/lib/novalue", NULL},
				{XSB_DIRECTORY, ROOT "/lib/novalue", NULL}};
	char *v;

	assert_int_equal(xsb_run(wire, 0, cw, 2), 0);
	assert_int_equal(xsb_run(lib, 0, cl, 2), 0);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(cw[i].err, 0);
		assert_int_equal(cl[i].err, 0);
	}
	assert_int_equal(cw[1].len, 0);
	assert_int_equal(cl[1].len, 0);
	assert_non_null(cl[1].data);
	assert_int_equal(cl[1].data[0], '\0');
	v = get(f, ROOT "/lib/novalue");
	assert_string_equal(v, "");
	free(v);
	v = get(f, ROOT "/wire/novalue");
	assert_string_equal(v, "");
	free(v);
	xsb_clear(cw, 2);
	xsb_clear(cl, 2);
}

/* A call that does not fit a message: the batch is refused whole, no call of it made. */
static void too_long(void **state)
{
	struct fix *f = need_xenstored(state);
	_cleanup_(xsb_freep) struct xsb *wire = on_socket(f);
	_cleanup_(xsb_freep) struct xsb *lib = through_lib(f);
	char big[XENSTORE_PAYLOAD_MAX + 1];
	struct xsb_call cw[] = {{XSB_WRITE, ROOT "/wire/fits", "small"},
				{XSB_WRITE, ROOT "/wire/big", big}};
	struct xsb_call cl[] = {{XSB_WRITE, ROOT "/lib/fits", "small"},
				{XSB_WRITE, ROOT "/lib/big", big}};
	int rw, rl;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	rw = xsb_run(wire, 0, cw, 2);
	rl = xsb_run(lib, 0, cl, 2);
	assert_int_equal(rw, -E2BIG);
	assert_int_equal(rl, rw);
	assert_null(get(f, ROOT "/wire/fits"));
	assert_null(get(f, ROOT "/lib/fits"));
	/* Not a failed connection: the next batch goes through. */
	cw[1].value = "fits too";
	cl[1].value = "fits too";
	assert_int_equal(xsb_run(wire, 0, cw, 2), 0);
	assert_int_equal(xsb_run(lib, 0, cl, 2), 0);
	same_results(cw, cl, 2);
	assert_int_equal(cw[1].err, 0);
}

/* Writes a node in a transaction, reads it back inside; invisible outside until the end. */
static void committed(struct fix *f, struct xsb *b, const char *root)
{
	char p1[256], *v;
	uint32_t tx = 0;
	struct xsb_call c[3];

	snprintf(p1, sizeof(p1), "%s/tx/a", root);
	c[0] = (struct xsb_call){XSB_WRITE, p1, "in the transaction"};
	c[1] = (struct xsb_call){XSB_READ, p1, NULL};
	c[2] = (struct xsb_call){XSB_DIRECTORY, ROOT, NULL};
	assert_int_equal(xsb_transaction_start(b, &tx), 0);
	assert_true(tx != 0);
	assert_int_equal(xsb_run(b, tx, c, 3), 0);
	assert_int_equal(c[0].err, 0);
	assert_string_equal(c[1].data, "in the transaction");
	assert_int_equal(c[2].len, 2); /* wire, lib */
	xsb_clear(c, 3);
	v = get(f, p1);
	assert_null(v);
	assert_int_equal(xsb_transaction_end(b, tx, false), 0);
	v = get(f, p1);
	assert_string_equal(v, "in the transaction");
	free(v);
}

/* A write from outside to a node the transaction read: its end fails with -EAGAIN. */
static int conflicted(struct fix *f, struct xsb *b, const char *root)
{
	char p[256], *v;
	uint32_t tx = 0;
	struct xsb_call c[2];
	int r;

	snprintf(p, sizeof(p), "%s/conflict", root);
	put(f, p, "before");
	c[0] = (struct xsb_call){XSB_READ, p, NULL};
	c[1] = (struct xsb_call){XSB_WRITE, p, "the transaction's"};
	assert_int_equal(xsb_transaction_start(b, &tx), 0);
	assert_int_equal(xsb_run(b, tx, c, 2), 0);
	assert_string_equal(c[0].data, "before");
	assert_int_equal(c[1].err, 0);
	xsb_clear(c, 2);
	put(f, p, "the other writer's");
	r = xsb_transaction_end(b, tx, false);
	v = get(f, p);
	assert_string_equal(v, "the other writer's");
	free(v);
	return r;
}

static int aborted(struct fix *f, struct xsb *b, const char *root)
{
	char p[256];
	uint32_t tx = 0;
	struct xsb_call c[1];
	int r;

	snprintf(p, sizeof(p), "%s/aborted", root);
	c[0] = (struct xsb_call){XSB_WRITE, p, "never seen"};
	assert_int_equal(xsb_transaction_start(b, &tx), 0);
	assert_int_equal(xsb_run(b, tx, c, 1), 0);
	assert_int_equal(c[0].err, 0);
	r = xsb_transaction_end(b, tx, true);
	assert_null(get(f, p));
	return r;
}

static void transactions(void **state)
{
	struct fix *f = need_xenstored(state);
	_cleanup_(xsb_freep) struct xsb *wire = on_socket(f);
	_cleanup_(xsb_freep) struct xsb *lib = through_lib(f);
	int rw, rl;

	populate(f, ROOT "/wire");
	populate(f, ROOT "/lib");
	committed(f, wire, ROOT "/wire");
	committed(f, lib, ROOT "/lib");
	rw = conflicted(f, wire, ROOT "/wire");
	rl = conflicted(f, lib, ROOT "/lib");
	assert_int_equal(rw, -EAGAIN);
	assert_int_equal(rl, rw);
	rw = aborted(f, wire, ROOT "/wire");
	rl = aborted(f, lib, ROOT "/lib");
	assert_int_equal(rw, 0);
	assert_int_equal(rl, rw);
	/* A transaction that does not exist (ended): both refuse it alike. */
	rw = xsb_transaction_end(wire, 12345, false);
	rl = xsb_transaction_end(lib, 12345, false);
	assert_int_equal(rw, -ENOENT);
	assert_int_equal(rl, rw);
}

struct run {
	struct xsb *b;
	struct xsb_call c[3];
	char paths[3][256];
	int r;
};

static void *run_thread(void *arg)
{
	struct run *w = arg;

	w->r = xsb_run(w->b, 0, w->c, 3);
	return NULL;
}

static void start_run(struct run *w, struct xsb *b, const char *root)
{
	static const char *const nodes[] = {"present", "many", "owned"};
	static const enum xsb_op ops[] = {XSB_READ, XSB_DIRECTORY, XSB_OWNER};

	w->b = b;
	for (unsigned i = 0; i < 3; i++) {
		snprintf(w->paths[i], sizeof(w->paths[i]), "%s/%s", root, nodes[i]);
		w->c[i] = (struct xsb_call){ops[i], w->paths[i], NULL};
	}
}

static bool hung_up(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDHUP};

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLRDHUP));
}

/*
 * xenstored stopped (SIGSTOP) while both ways' batches wait for their
 * answers, then killed: both fail with a -errno (not with the calls' own
 * outcomes), stay failed, and the socket's fd hangs up, as does a sentinel.
 */
static void killed_mid_batch(void **state)
{
	struct fix *f = need_xenstored(state);
	_cleanup_(xsb_freep) struct xsb *wire = on_socket(f);
	_cleanup_(xsb_freep) struct xsb *lib = through_lib(f);
	struct run w = {0}, l = {0};
	pthread_t tw, tl;
	int sentinel = xs_sentinel_open();
	struct xsb_call again[1] = {{XSB_READ, ROOT "/wire/present", NULL}};

	if (sentinel < 0)
		fail_msg("sentinel: %s", strerror(-sentinel));
	populate(f, ROOT "/wire");
	populate(f, ROOT "/lib");
	start_run(&w, wire, ROOT "/wire");
	start_run(&l, lib, ROOT "/lib");
	assert_false(hung_up(xsb_fd(wire)));
	assert_false(hung_up(sentinel));
	assert_int_equal(kill(xsh_pid(f->xs), SIGSTOP), 0);
	assert_int_equal(pthread_create(&tw, NULL, run_thread, &w), 0);
	assert_int_equal(pthread_create(&tl, NULL, run_thread, &l), 0);
	usleep(200 * 1000); /* both sent their first call; no answer can come */
	assert_int_equal(xsh_kill(f->xs), 0);
	pthread_join(tw, NULL);
	pthread_join(tl, NULL);
	print_message("killed mid-batch: %d (%s) on the socket, %d (%s) through libxenstore\n", w.r,
		      strerror(-w.r), l.r, strerror(-l.r));
	assert_true(w.r < 0);
	assert_true(l.r < 0);
	xsb_clear(w.c, 3);
	xsb_clear(l.c, 3);
	assert_true(hung_up(xsb_fd(wire)));
	assert_true(hung_up(sentinel));
	close(sentinel);
	/* Failed stays failed: the daemon reconnects, it does not retry on a dead connection. */
	assert_int_equal(xsb_run(wire, 0, again, 1), -ENOTCONN);
	assert_int_equal(xsb_run(lib, 0, again, 1), -ENOTCONN);
	assert_true(xsb_transaction_start(wire, &(uint32_t){0}) < 0);
	assert_true(xsb_transaction_start(lib, &(uint32_t){0}) < 0);
	/* The socket file stays but nobody listens. */
	assert_int_equal(xs_sentinel_open(), -ECONNREFUSED);
	assert_int_equal(xsh_restart(f->xs), 0);
}

/* xs-sentinel.c's refusals; xsb_new() passes every one but -ENOTSOCK on. */
static void sentinel_paths(void **state)
{
	struct fix *f = need_xenstored(state);
	char missing[128], dir[512], link[600];
	struct xsb *b = NULL;
	int fd;

	snprintf(missing, sizeof(missing), "%s/no-socket", f->dir);
	assert_int_equal(setenv("XENSTORED_PATH", missing, 1), 0);
	assert_int_equal(xs_sentinel_open(), -ENOENT);
	assert_int_equal(xsb_new(f->h, &b), -ENOENT);
	assert_null(b);
	/* A socket (through a symlink) whose path does not fit a socket address. */
	snprintf(dir, sizeof(dir), "%s/%0200d", f->dir, 0);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(link, sizeof(link), "%s/socket", dir);
	assert_int_equal(symlink(xsh_socket(f->xs), link), 0);
	assert_int_equal(setenv("XENSTORED_PATH", link, 1), 0);
	assert_int_equal(xs_sentinel_open(), -ENAMETOOLONG);
	assert_int_equal(xsb_new(f->h, &b), -ENAMETOOLONG);
	assert_int_equal(setenv("XENSTORED_PATH", f->notsock, 1), 0);
	assert_int_equal(xs_sentinel_open(), -ENOTSOCK);
	assert_int_equal(setenv("XENSTORED_PATH", xsh_socket(f->xs), 1), 0);
	fd = xs_sentinel_open();
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* Silent: xenstored writes nothing to a connection that sent nothing. */
	usleep(50 * 1000);
	assert_false(hung_up(fd));
	/* A restarted xenstored: the old connection hangs up. */
	assert_int_equal(xsh_restart(f->xs), 0);
	for (unsigned i = 0; i < 100 && !hung_up(fd); i++)
		usleep(10000);
	assert_true(hung_up(fd));
	close(fd);
}

static void *open_thread(void *arg)
{
	*(int *)arg = xs_sentinel_open();
	return NULL;
}

/*
 * xenstored listens with a backlog of 1: while it accepts nothing (stopped
 * here), connections queue up until a non-blocking connect fails with
 * EAGAIN. The sentinel waits for its turn, as libxenstore's connect does.
 */
static void sentinel_backlog(void **state)
{
	struct fix *f = need_xenstored(state);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int queued[64], n = 0, fd = -1;
	pthread_t t;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", xsh_socket(f->xs));
	assert_int_equal(kill(xsh_pid(f->xs), SIGSTOP), 0);
	for (; n < (int)ELEMENTSOF(queued); n++) {
		queued[n] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		assert_true(queued[n] >= 0);
		if (connect(queued[n], (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			assert_int_equal(errno, EAGAIN);
			close(queued[n]);
			break;
		}
	}
	assert_true(n < (int)ELEMENTSOF(queued)); /* the backlog is full */
	assert_int_equal(pthread_create(&t, NULL, open_thread, &fd), 0);
	usleep(100 * 1000);
	assert_int_equal(kill(xsh_pid(f->xs), SIGCONT), 0);
	pthread_join(t, NULL);
	if (fd < 0)
		fail_msg("sentinel with a full backlog: %s", strerror(-fd));
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
	while (n-- > 0)
		close(queued[n]);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(same_calls, setup, teardown),
	    cmocka_unit_test_setup_teardown(empty_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(too_long, setup, teardown),
	    cmocka_unit_test_setup_teardown(transactions, setup, teardown),
	    cmocka_unit_test_setup_teardown(killed_mid_batch, setup, teardown),
	    cmocka_unit_test_setup_teardown(sentinel_paths, setup, teardown),
	    cmocka_unit_test_setup_teardown(sentinel_backlog, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return test_run(tests, NULL, NULL, argc, argv);
}
