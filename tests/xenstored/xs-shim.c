/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * LD_PRELOAD shim that lets Debian's unmodified cxenstored 4.17 run on a
 * machine without a hypervisor, for tests.
 *
 * `nm -D --undefined-only xenstored` lists exactly 17 calls into the Xen
 * libraries: the xc_*, xengnttab_* and xenevtchn_* functions below. They are
 * only used to reach the hypervisor (domain list, grant mappings of guests'
 * ring pages, event channels). Defined here, they shadow the real libraries,
 * which the dynamic linker still loads but which are then never called (an
 * unversioned definition in a preloaded object satisfies the binary's
 * versioned references).
 *
 * Besides, dom0_init() reads dom0's event channel port from
 * /proc/xen/xsd_port and maps dom0's ring page from /proc/xen/xsd_kva, both
 * through open(): we hand out memfds instead. The ring page stays zeroed, so
 * dom0's ring connection never carries a request; clients use the unix socket.
 *
 * What the fake hypervisor claims:
 *  - every domid below DOMID_FIRST_RESERVED exists and is running, so that
 *    permissions naming a guest ("r5") are kept instead of being dropped
 *    (xenstored rejects an owner it cannot find with ENOENT);
 *  - the VIRQ_DOM_EXC event never fires: no domain ever dies;
 *  - grant mappings fail with EOPNOTSUPP, so XS_INTRODUCE of a guest fails.
 *
 * This file is built without sanitizers: it is loaded into the uninstrumented
 * xenstored, where an ASan runtime would have to come first in the library
 * list, and xenstored's own leaks at exit are not ours to report.
 */
#undef _FORTIFY_SOURCE /* we define open() ourselves: no fortify inline wrapper */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

#define XSD_KVA	 "/proc/xen/xsd_kva"
#define XSD_PORT "/proc/xen/xsd_port"
/* dom0's xenbus event channel port, as the kernel would publish it. */
#define DOM0_XENBUS_PORT 1

/* PCIRST_XS_SHIM_TRACE=1 in xenstored's environment logs every stub call. */
static int trace_on = -1;

static void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void trace(const char *fmt, ...)
{
	va_list ap;

	if (trace_on < 0) {
		const char *e = getenv("PCIRST_XS_SHIM_TRACE");

		trace_on = e && *e && strcmp(e, "0") != 0;
	}
	if (!trace_on)
		return;
	va_start(ap, fmt);
	fputs("xs-shim: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- /proc/xen files ---------------------------------------------------- */

static int memfd_for(const char *name, int flags)
{
	return memfd_create(name, (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
}

/* A zeroed page that xenstored mmap()s MAP_SHARED as dom0's ring. */
static int fake_kva(int flags)
{
	int fd = memfd_for("xsd_kva", flags);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, getpagesize()) < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* A file that reads as the port number, like the kernel's xsd_port. */
static int fake_port(int flags)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d\n", DOM0_XENBUS_PORT);
	int fd = memfd_for("xsd_port", flags);

	if (fd < 0)
		return -1;
	if (write(fd, buf, len) != len || lseek(fd, 0, SEEK_SET) != 0) {
		int err = errno ? errno : EIO;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static int shim_open(const char *path, int flags, mode_t mode)
{
	if (path && strcmp(path, XSD_KVA) == 0) {
		trace("open(%s)", path);
		return fake_kva(flags);
	}
	if (path && strcmp(path, XSD_PORT) == 0) {
		trace("open(%s)", path);
		return fake_port(flags);
	}
	/* xenstored does not call openat(), so this reaches libc's. */
	return openat(AT_FDCWD, path, flags, mode);
}

/* xenstored imports only open(); open64 is the same call on LP64. */
int open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return shim_open(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return shim_open(path, flags, mode);
}

/* ---- libxenctrl ---------------------------------------------------------- */

struct xc_interface_core {
	int unused;
};

xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger,
				unsigned open_flags)
{
	trace("xc_interface_open");
	return calloc(1, sizeof(struct xc_interface_core));
}

int xc_interface_close(xc_interface *xch)
{
	trace("xc_interface_close");
	free(xch);
	return 0;
}

/* Domains first_domid .. first_domid + max_doms - 1 all exist and run. */
int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid, unsigned int max_doms,
		      xc_dominfo_t *info)
{
	unsigned int n = 0;

	trace("xc_domain_getinfo(%u, %u)", first_domid, max_doms);
	if (!xch || (max_doms && !info)) {
		errno = EINVAL;
		return -1;
	}
	for (uint32_t d = first_domid; n < max_doms && d < DOMID_FIRST_RESERVED; d++, n++) {
		memset(&info[n], 0, sizeof(info[n]));
		info[n].domid = d;
		info[n].running = 1;
		info[n].nr_online_vcpus = 1;
	}
	return n;
}

/* ---- libxengnttab -------------------------------------------------------- */

struct xengntdev_handle {
	int unused;
};

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags)
{
	trace("xengnttab_open");
	return calloc(1, sizeof(struct xengntdev_handle));
}

int xengnttab_close(xengnttab_handle *xgt)
{
	trace("xengnttab_close");
	free(xgt);
	return 0;
}

int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants)
{
	trace("xengnttab_set_max_grants(%u)", nr_grants);
	return 0;
}

/* A guest's ring page: there are no guests to share one. */
void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot)
{
	trace("xengnttab_map_grant_ref(dom %u, ref %u)", domid, ref);
	errno = EOPNOTSUPP;
	return NULL;
}

int xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count)
{
	trace("xengnttab_unmap");
	return 0;
}

/* ---- libxenevtchn -------------------------------------------------------- */

/*
 * xenstored polls xenevtchn_fd() in its main loop. A pipe whose write end we
 * keep open never becomes readable (no event) and never reports POLLHUP,
 * which xenstored would treat as fatal.
 */
struct xenevtchn_handle {
	int pipe[2];
	evtchn_port_t next_port;
};

static xenevtchn_handle *evtchn_new(int cloexec)
{
	xenevtchn_handle *xce = calloc(1, sizeof(*xce));

	if (!xce)
		return NULL;
	if (pipe2(xce->pipe, cloexec ? O_CLOEXEC : 0) < 0) {
		int err = errno;

		free(xce);
		errno = err;
		return NULL;
	}
	xce->next_port = DOM0_XENBUS_PORT + 1;
	return xce;
}

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger, unsigned int flags)
{
	trace("xenevtchn_open");
	return evtchn_new(!(flags & XENEVTCHN_NO_CLOEXEC));
}

/* Used by live update to adopt the previous instance's fd: start afresh. */
xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger, int fd, unsigned int flags)
{
	trace("xenevtchn_fdopen(%d)", fd);
	return evtchn_new(0);
}

int xenevtchn_fd(xenevtchn_handle *xce)
{
	trace("xenevtchn_fd");
	return xce->pipe[0];
}

int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
	trace("xenevtchn_notify(%u)", port);
	return 0;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
						     evtchn_port_t remote_port)
{
	trace("xenevtchn_bind_interdomain(dom %u, port %u)", domid, remote_port);
	return xce->next_port++;
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq)
{
	trace("xenevtchn_bind_virq(%u)", virq);
	return xce->next_port++;
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
	trace("xenevtchn_unbind(%u)", port);
	return 0;
}

/* Only called when the fd is readable, which it never is. */
xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
	trace("xenevtchn_pending");
	errno = EAGAIN;
	return -1;
}

int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
	trace("xenevtchn_unmask(%u)", port);
	return 0;
}
