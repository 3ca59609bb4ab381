/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One audit entry under construction (audit.c): a list of "NAME=value"
 * strings handed to a sink. The first failure (out of memory) is kept and
 * makes later adds no-ops, so callers add every field and check once, when
 * they send.
 */
#pragma once

#include "audit.h"
#include "util.h"

struct fields {
	char **v;
	unsigned n, allocated;
	int error; /* the first failure; later adds are no-ops */
};

void fields_clear(struct fields *f);

/*
 * Adds NAME=value, the value cut to AUDIT_FIELD_MAX bytes (ending in "…" so
 * a reader sees it was cut). journald stores any bytes, newlines included,
 * so nothing else is changed.
 */
void fields_add_raw(struct fields *f, const char *name, const char *value, size_t len);
/* The same for a string; nothing when value is NULL. */
void fields_add(struct fields *f, const char *name, const char *value);
_printf_(3, 4) void fields_addf(struct fields *f, const char *name, const char *fmt, ...);

/*
 * MESSAGE is what journalctl prints on one line: a newline would split it
 * and a control character or invalid UTF-8 makes journalctl show "[blob
 * data]" instead of the text, so those become spaces and '?'. The fields
 * keep the original bytes.
 */
void fields_add_message(struct fields *f, const char *msg);
/* The message is formatted unbounded here and cut (visibly) only by fields_add_raw(). */
_printf_(2, 3) void fields_add_messagef(struct fields *f, const char *fmt, ...);

/* The fields every entry starts with: MESSAGE_ID, PRIORITY, SYSLOG_IDENTIFIER. */
void fields_begin(struct fields *f, enum audit_event e, int priority);

/* Hands the fields to sink (unless one failed) and clears them; the first error or the sink's. */
int fields_send(struct fields *f, const struct audit_sink *sink);
