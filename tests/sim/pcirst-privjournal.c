/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcirst-privjournal [--journald] -- COMMAND [ARG...]
 *   runs COMMAND in a private journal namespace (tests/lib/privjournal.h),
 *   with a private journald when --journald is given (tools/demo.sh, shell
 *   tests that start pcirstd).
 *
 * pcirst-privjournal --trap -- COMMAND [ARG...]
 *   proves that COMMAND never writes into the host's journal: in a namespace
 *   of its own it plays the host's journald, with trap sockets at journald's
 *   paths (/run/systemd/journal/socket for sd_journal_send, .../stdout for
 *   stream clients). First a control: an unprotected sd_journal_send() from a
 *   child must reach the trap, else the trap proves nothing. Then COMMAND
 *   runs; anything that reaches the trap from it is printed and makes the exit
 *   status 1; otherwise the status is COMMAND's.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "privjournal.h"

#define TRAP_DGRAM  "/run/systemd/journal/socket"
#define TRAP_STREAM "/run/systemd/journal/stdout"

static int run(char **argv)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return 127;
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "pcirst-privjournal: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 127;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int bind_unix(int type, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		fprintf(stderr, "pcirst-privjournal: cannot bind %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

/* Everything that reached the traps since the last call: datagrams and stream connections. */
static unsigned drain(int dgram, int stream, bool show)
{
	char buf[65536];
	unsigned n = 0;
	ssize_t len;
	int c;

	while ((len = recv(dgram, buf, sizeof(buf) - 1, 0)) >= 0) {
		buf[len] = '\0';
		for (ssize_t i = 0; i < len; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		if (show)
			fprintf(stderr, "host journal trap: datagram: %.300s\n", buf);
		n++;
	}
	while ((c = accept4(stream, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		if (show)
			fprintf(stderr, "host journal trap: a stream connection\n");
		close(c);
		n++;
	}
	return n;
}

static int trap(char **argv)
{
	struct pollfd p;
	unsigned control, caught;
	int dgram, stream, status;
	pid_t pid;

	privjournal_enter_or_skip(); /* the "host": only these traps listen */
	dgram = bind_unix(SOCK_DGRAM, TRAP_DGRAM);
	stream = bind_unix(SOCK_STREAM, TRAP_STREAM);

	pid = fork();
	if (pid == 0) {
		sd_journal_send("MESSAGE=pcirst-privjournal control entry", "PRIORITY=6", NULL);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	p = (struct pollfd){.fd = dgram, .events = POLLIN};
	poll(&p, 1, 1000);
	control = drain(dgram, stream, false);
	if (control != 1) {
		fprintf(
		    stderr,
		    "pcirst-privjournal: the control entry reached the trap %u times, not once: "
		    "the trap proves nothing\n",
		    control);
		return 1;
	}
	status = run(argv);
	caught = drain(dgram, stream, true);
	printf("host journal trap: control entry caught; %u entries from %s reached the host's "
	       "journal\n",
	       caught, argv[0]);
	return caught ? 1 : status;
}

int main(int argc, char **argv)
{
	bool journald = false, trapping = false;
	int i = 1, status;
	char why[512];
	pid_t jd = 0;

	for (; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--journald"))
			journald = true;
		else if (!strcmp(argv[i], "--trap"))
			trapping = true;
		else
			break;
	}
	if (i >= argc || strcmp(argv[i], "--") || i + 1 >= argc) {
		fprintf(stderr,
			"usage: pcirst-privjournal [--journald|--trap] -- COMMAND [ARG...]\n");
		return 2;
	}
	argv += i + 1;
	if (trapping)
		return trap(argv);
	privjournal_enter_or_skip();
	if (journald) {
		jd = privjournal_start_journald(why, sizeof(why));
		if (jd < 0)
			fprintf(stderr,
				"pcirst-privjournal: no private journald (%s): entries are "
				"dropped\n",
				why);
	}
	setenv("PCIRST_PRIVATE_JOURNAL", "1", 1);
	status = run(argv);
	privjournal_stop_journald(jd);
	return status;
}
