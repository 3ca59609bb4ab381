/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Synthetic udev events (uevent.h). */
#include <endian.h>
#include <errno.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "uevent.h"
#include "util.h"

/* systemd's string_hash32(): MurmurHash2, seed 0, what libudev's socket filter compares. */
uint32_t uevent_subsystem_hash(const char *str)
{
	const uint32_t m = 0x5bd1e995;
	size_t len = strlen(str);
	const unsigned char *p = (const unsigned char *)str;
	uint32_t h = (uint32_t)len;

	for (; len >= 4; len -= 4, p += 4) {
		uint32_t k = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			     (uint32_t)p[3] << 24;

		k *= m;
		k ^= k >> 24;
		k *= m;
		h = h * m ^ k;
	}
	switch (len) {
	case 3:
		h ^= (uint32_t)p[2] << 16;
		_fallthrough_;
	case 2:
		h ^= (uint32_t)p[1] << 8;
		_fallthrough_;
	case 1:
		h ^= p[0];
		h *= m;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return h;
}

/* libudev's monitor_netlink_header: what udevd puts before the properties. */
struct udev_nl_header {
	char prefix[8];
	uint32_t magic, header_size, properties_off, properties_len;
	uint32_t subsystem_hash, devtype_hash, tag_bloom_hi, tag_bloom_lo;
};

int uevent_send_udev(int sock, const char *action, const char *subsystem, const char *devpath,
		     uint32_t magic)
{
	static unsigned long long seqnum = 1000;
	struct udev_nl_header h = {.prefix = "libudev",
				   .magic = htobe32(magic),
				   .header_size = sizeof(h),
				   .properties_off = sizeof(h),
				   .subsystem_hash = htobe32(uevent_subsystem_hash(subsystem))};
	struct sockaddr_nl dst = {.nl_family = AF_NETLINK, .nl_groups = 2};
	char props[512];
	int n = snprintf(props, sizeof(props),
			 "ACTION=%s%cDEVPATH=%s%cSUBSYSTEM=%s%cSEQNUM=%llu%cUSEC_INITIALIZED=1%c",
			 action, 0, devpath, 0, subsystem, 0, seqnum++, 0, 0);
	struct iovec iov[2] = {{&h, sizeof(h)}, {props, (size_t)n}};
	struct msghdr msg = {
	    .msg_name = &dst, .msg_namelen = sizeof(dst), .msg_iov = iov, .msg_iovlen = 2};

	h.properties_len = (uint32_t)n;
	/* ECONNREFUSED: nobody in the kernel takes the unicast part; the multicast went out. */
	if (sendmsg(sock, &msg, 0) < 0 && errno != ECONNREFUSED)
		return -errno;
	return 0;
}

int uevent_send_kernel(int sock, const char *action, const char *subsystem, const char *devpath)
{
	static unsigned long long seqnum = 5000;
	struct sockaddr_nl dst = {.nl_family = AF_NETLINK, .nl_groups = 1};
	char buf[1024];
	int n =
	    snprintf(buf, sizeof(buf), "%s@%s%cACTION=%s%cDEVPATH=%s%cSUBSYSTEM=%s%cSEQNUM=%llu",
		     action, devpath, 0, action, 0, devpath, 0, subsystem, 0, seqnum++);

	if (n < 0 || (size_t)n >= sizeof(buf))
		return -ENAMETOOLONG;
	if (sendto(sock, buf, (size_t)n + 1, 0, (struct sockaddr *)&dst, sizeof(dst)) < 0 &&
	    errno != ECONNREFUSED)
		return -errno;
	return 0;
}
