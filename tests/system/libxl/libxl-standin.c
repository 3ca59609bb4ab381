/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libxl's internals for the extracted reset code (libxl-standin.h): the
 * xenstore helpers over libxenstore, counting the messages they send, and
 * the event sources as tables; nothing here blocks.
 */
#define _GNU_SOURCE /* vasprintf */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libxl-standin.h"

libxl__gc the_gc;
libxl__egc the_egc;
libxl__ao the_ao;
struct xs_handle *xsh;
char last_level[16], last_msg[512];
int direct_resets, direct_result;
int store_calls, transactions;
libxl__ev_xswatch *watches[MAX_EV];
libxl__ev_time *timers[MAX_EV];

const char *libxl_pci_reset_policy_to_string(libxl_pci_reset_policy p)
{
	static const char *const names[] = {"default", "strict", "lenient", "skip"};
	return (unsigned)p < 4 ? names[p] : NULL;
}

char *gc_sprintf(const char *fmt, ...)
{
	char *s;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	return s; /* the gc: freed at exit */
}

void harness_log(const char *level, uint32_t domid, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	snprintf(last_level, sizeof(last_level), "%s", level);
	printf("    libxl: %s: Domain %u: %s\n", level, domid, last_msg);
}

/* libxl's own reset: counted, never touching a device. */
int pci_reset_sysfs(libxl__gc *gc, unsigned int domain, unsigned int bus, unsigned int dev,
		    unsigned int func)
{
	direct_resets++;
	return direct_result;
}

/* xenstore, over libxenstore; store_calls counts the messages sent. */
char *libxl__xs_read(libxl__gc *gc, xs_transaction_t t, const char *path)
{
	unsigned int len;

	store_calls++;
	return xs_read(xsh, t, path, &len);
}

int libxl__xs_read_checked(libxl__gc *gc, xs_transaction_t t, const char *path,
			   const char **result_out)
{
	char *r = libxl__xs_read(gc, t, path);

	if (!r && errno != ENOENT)
		return ERROR_FAIL;
	*result_out = r;
	return 0;
}

int libxl__xs_write_checked(libxl__gc *gc, xs_transaction_t t, const char *path, const char *string)
{
	store_calls++;
	return xs_write(xsh, t, path, string, strlen(string)) ? 0 : ERROR_FAIL;
}

int libxl__xs_rm_checked(libxl__gc *gc, xs_transaction_t t, const char *path)
{
	store_calls++;
	return xs_rm(xsh, t, path) || errno == ENOENT ? 0 : ERROR_FAIL;
}

int libxl__xs_transaction_start(libxl__gc *gc, xs_transaction_t *t)
{
	*t = xs_transaction_start(xsh);
	transactions++;
	store_calls++;
	return *t ? 0 : ERROR_FAIL;
}

int libxl__xs_transaction_commit(libxl__gc *gc, xs_transaction_t *t)
{
	bool ok = xs_transaction_end(xsh, *t, false);

	store_calls++;
	*t = XBT_NULL;
	if (ok)
		return 0;
	return errno == EAGAIN ? 1 : ERROR_FAIL;
}

void libxl__xs_transaction_abort(libxl__gc *gc, xs_transaction_t *t)
{
	if (*t)
		xs_transaction_end(xsh, *t, true);
	*t = XBT_NULL;
}

int libxl__gettimeofday(libxl__gc *gc, struct timeval *now_r)
{
	return gettimeofday(now_r, NULL) ? ERROR_FAIL : 0;
}

/* The event machinery: watches by token, timers in a small table. */
void libxl__ev_xswatch_init(libxl__ev_xswatch *w)
{
	w->slotnum = -1;
}

int libxl__ev_xswatch_register(libxl__gc *gc, libxl__ev_xswatch *w, libxl__ev_xswatch_callback *cb,
			       const char *path)
{
	for (int i = 0; i < MAX_EV; i++) {
		if (watches[i])
			continue;
		w->path = strdup(path);
		w->callback = cb;
		w->slotnum = i;
		store_calls++;
		if (!xs_watch(xsh, path, GCSPRINTF("%d", i)))
			return ERROR_FAIL;
		watches[i] = w;
		return 0;
	}
	return ERROR_FAIL;
}

void libxl__ev_xswatch_deregister(libxl__gc *gc, libxl__ev_xswatch *w)
{
	if (w->slotnum < 0)
		return;
	store_calls++;
	xs_unwatch(xsh, w->path, GCSPRINTF("%d", w->slotnum));
	watches[w->slotnum] = NULL;
	w->slotnum = -1;
}

void libxl__ev_time_init(libxl__ev_time *ev)
{
	ev->func = NULL;
}

int libxl__ev_time_register_rel(libxl__ao *ao, libxl__ev_time *ev, libxl__ev_time_callback *func,
				int ms)
{
	for (int i = 0; i < MAX_EV; i++) {
		if (timers[i])
			continue;
		gettimeofday(&ev->abs, NULL);
		ev->abs.tv_sec += ms / 1000;
		ev->abs.tv_usec += (ms % 1000) * 1000;
		if (ev->abs.tv_usec >= 1000000) {
			ev->abs.tv_sec++;
			ev->abs.tv_usec -= 1000000;
		}
		ev->func = func;
		timers[i] = ev;
		return 0;
	}
	return ERROR_FAIL;
}

void libxl__ev_time_deregister(libxl__gc *gc, libxl__ev_time *ev)
{
	for (int i = 0; i < MAX_EV; i++)
		if (timers[i] == ev)
			timers[i] = NULL;
	ev->func = NULL;
}
