/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <xenstore.h>

#include "xs-sentinel.h"

int xs_sentinel_open(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *path = xs_daemon_socket();
	struct stat st;
	int fd, r;

	if (!path || stat(path, &st) < 0)
		return -errno ? -errno : -ENOENT;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path) >= (int)sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	/*
	 * Connected blocking, as libxenstore connects: xenstored listens with a
	 * backlog of 1, and a non-blocking connect fails with EAGAIN while
	 * another client's connection waits to be accepted.
	 */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}
