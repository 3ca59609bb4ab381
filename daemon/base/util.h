/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers shared by every module: cleanup attributes, time, and the
 * "why" buffer that carries a human explanation next to a negative errno.
 */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define _cleanup_(f)   __attribute__((cleanup(f)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_       __attribute__((unused))
#define _fallthrough_  __attribute__((fallthrough))
#define ELEMENTSOF(x)  (sizeof(x) / sizeof((x)[0]))
#define USEC_PER_MSEC  UINT64_C(1000)
#define USEC_PER_SEC   UINT64_C(1000000)

typedef uint64_t usec_t;

static inline bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

/* Defines foo_freep() for use as _cleanup_(foo_freep) on a "struct foo *". */
#define DEFINE_FREEP(type, func)             \
	static inline void func##p(type **p) \
	{                                    \
		if (*p)                      \
			func(*p);            \
	}

static inline usec_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (usec_t)ts.tv_sec * USEC_PER_SEC + (usec_t)ts.tv_nsec / 1000;
}

/*
 * A human-readable explanation that travels with a negative errno. Every
 * function that can refuse or fail for a reason a user must understand takes
 * an optional "struct why *"; NULL means the caller does not care.
 */
#define WHY_MAX 320
struct why {
	char msg[WHY_MAX];
};

_printf_(2, 3) static inline void why_set(struct why *w, const char *fmt, ...)
{
	va_list ap;

	if (!w)
		return;
	va_start(ap, fmt);
	vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
	va_end(ap);
}

/* Sets the explanation and returns err (a negative errno), for "return why_err(w, -EIO, ...)". */
_printf_(3, 4) static inline int why_err(struct why *w, int err, const char *fmt, ...)
{
	va_list ap;

	if (w) {
		va_start(ap, fmt);
		vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
		va_end(ap);
	}
	return err;
}
