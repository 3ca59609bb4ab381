/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A scripted stand-in for libpcirst.so.0, built under that name so that the
 * patch's dlopen() finds it: the answer comes from FAKE_PCIRST_* variables,
 * and what the caller sent is kept for the harness to check. Built against
 * the real header, so its functions have libpcirst's exact types.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcirst/pcirst.h>

#define FAKE_EXPORT __attribute__((visibility("default")))

struct pcirst {
	int unused;
};

struct pcirst_result {
	enum pcirst_result_kind kind;
};

/* What the last request carried, and how many handles and results are still live. */
FAKE_EXPORT char fake_last_request[256];
FAKE_EXPORT int fake_live_handles, fake_live_results;

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);

	return v && *v ? atoi(v) : def;
}

FAKE_EXPORT int pcirst_open(const char *base, struct pcirst **out)
{
	static struct pcirst handle;
	int r = env_int("FAKE_PCIRST_OPEN", 0);

	if (r < 0)
		return r;
	fake_live_handles++;
	*out = &handle;
	return 0;
}

FAKE_EXPORT void pcirst_close(struct pcirst *p)
{
	fake_live_handles--;
}

/* FAKE_PCIRST_READY: 1 ready (default), 0 not ready, -errno. */
FAKE_EXPORT int pcirst_daemon_ready(struct pcirst *p)
{
	return env_int("FAKE_PCIRST_READY", 1);
}

/* FAKE_PCIRST_SYNC: -errno to fail; else FAKE_PCIRST_RESULT is the result kind. */
FAKE_EXPORT int pcirst_request_sync(struct pcirst *p, const struct pcirst_request *req,
				    unsigned timeout_ms, struct pcirst_result **out)
{
	static struct pcirst_result res;
	char sbdf[PCIRST_SBDF_STRLEN];
	int r = env_int("FAKE_PCIRST_SYNC", 0);

	snprintf(fake_last_request, sizeof(fake_last_request),
		 "sbdf=%s n=%u domid=%d reason=%s options=%s timeout=%u",
		 pcirst_sbdf_format(&req->targets[0], sbdf), req->n_targets, req->domid,
		 req->reason, req->options ? req->options : "(null)", timeout_ms);
	if (r < 0)
		return r;
	res.kind = (enum pcirst_result_kind)env_int("FAKE_PCIRST_RESULT", PCIRST_RESULT_OK);
	fake_live_results++;
	*out = &res;
	return 0;
}

FAKE_EXPORT char *pcirst_sbdf_format(const struct pcirst_sbdf *s, char buf[PCIRST_SBDF_STRLEN])
{
	snprintf(buf, PCIRST_SBDF_STRLEN, "%04x:%02x:%02x.%x", s->domain, s->bus, s->dev & 0x1f,
		 s->fn & 7);
	return buf;
}

FAKE_EXPORT enum pcirst_result_kind pcirst_result_kind(const struct pcirst_result *r)
{
	return r->kind;
}

FAKE_EXPORT const char *pcirst_result_method(const struct pcirst_result *r)
{
	return r->kind == PCIRST_RESULT_OK ? "flr" : "";
}

FAKE_EXPORT const char *pcirst_result_policy(const struct pcirst_result *r)
{
	switch (r->kind) {
	case PCIRST_RESULT_SKIPPED:
		return "skip";
	case PCIRST_RESULT_FAILED_IGNORED:
		return "lenient";
	default:
		return "strict";
	}
}

FAKE_EXPORT const char *pcirst_result_rule(const struct pcirst_result *r)
{
	return r->kind == PCIRST_RESULT_OK ? "default" : "/etc/pcirstd/policy.d/50-test.json:4";
}

FAKE_EXPORT const char *pcirst_result_error(const struct pcirst_result *r)
{
	switch (r->kind) {
	case PCIRST_RESULT_OK:
	case PCIRST_RESULT_SKIPPED:
		return "";
	case PCIRST_RESULT_REFUSED:
		return "domid: not a number";
	default:
		return "flr: device not ready after 1000 ms; bus: Inappropriate ioctl for device";
	}
}

FAKE_EXPORT void pcirst_result_free(struct pcirst_result *r)
{
	fake_live_results--;
}
