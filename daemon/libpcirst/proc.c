/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A process's start time, the half of the daemon's liveness check (docs/protocol.md) that is not
 * in xenstore. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcirst/pcirst.h>

#define PCIRST_EXPORT __attribute__((visibility("default")))

PCIRST_EXPORT int pcirst_process_start_time(int pid, uint64_t *out)
{
	char path[64], buf[1024], *p, *end;
	ssize_t n;
	int fd;

	if (pid <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ESRCH; /* a process that just exited reads empty */
	buf[n] = '\0';
	/* proc(5): "pid (comm) state ...": comm may hold spaces and ')', so count from the last. */
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	p++;
	/* Fields 3 (state) to 21 precede starttime, field 22. */
	for (unsigned field = 3; field <= 22; field++) {
		while (*p == ' ')
			p++;
		if (!*p)
			return -EIO;
		if (field == 22) {
			errno = 0;
			*out = strtoull(p, &end, 10);
			return errno || end == p || (*end != ' ' && *end != '\0') ? -EIO : 0;
		}
		p = strchr(p, ' ');
		if (!p)
			return -EIO;
	}
	return -EIO;
}
