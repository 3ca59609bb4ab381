/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One audit entry under construction (audit-fields.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit-fields.h"
#include "utf8.h"

void fields_clear(struct fields *f)
{
	for (unsigned i = 0; i < f->n; i++)
		free(f->v[i]);
	free(f->v);
	*f = (struct fields){0};
}

/* The length of the longest prefix of s, at most max bytes, that does not split a character. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	/* Back up over continuation bytes (10xxxxxx) to the start of a character. */
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

void fields_add_raw(struct fields *f, const char *name, const char *value, size_t len)
{
	static const char ellipsis[] = "\xe2\x80\xa6"; /* U+2026 */
	size_t nlen = strlen(name), keep = len;
	bool cut = false;
	char *s;

	if (f->error)
		return;
	if (len > AUDIT_FIELD_MAX) {
		keep = utf8_cut(value, len, AUDIT_FIELD_MAX - (sizeof(ellipsis) - 1));
		cut = true;
	}
	if (f->n == f->allocated) {
		unsigned a = f->allocated ? f->allocated * 2 : 32;
		char **v = reallocarray(f->v, a, sizeof(*v));

		if (!v) {
			f->error = -ENOMEM;
			return;
		}
		f->v = v;
		f->allocated = a;
	}
	s = malloc(nlen + 1 + keep + (cut ? sizeof(ellipsis) - 1 : 0) + 1);
	if (!s) {
		f->error = -ENOMEM;
		return;
	}
	memcpy(s, name, nlen);
	s[nlen] = '=';
	memcpy(s + nlen + 1, value, keep);
	if (cut)
		memcpy(s + nlen + 1 + keep, ellipsis, sizeof(ellipsis) - 1);
	s[nlen + 1 + keep + (cut ? sizeof(ellipsis) - 1 : 0)] = '\0';
	f->v[f->n++] = s;
}

void fields_add(struct fields *f, const char *name, const char *value)
{
	if (value)
		fields_add_raw(f, name, value, strlen(value));
}

/* vasprintf() into *out, or f->error set (and NULL) when f already failed or memory ran out. */
static int fields_vformat(struct fields *f, char **out, const char *fmt, va_list ap)
{
	int r;

	*out = NULL;
	if (f->error)
		return f->error;
	r = vasprintf(out, fmt, ap);
	if (r < 0) {
		*out = NULL;
		f->error = -ENOMEM;
	}
	return r;
}

void fields_addf(struct fields *f, const char *name, const char *fmt, ...)
{
	char *s;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fields_vformat(f, &s, fmt, ap);
	va_end(ap);
	if (s)
		fields_add_raw(f, name, s, (size_t)r);
	free(s);
}

void fields_add_message(struct fields *f, const char *msg)
{
	size_t len = strlen(msg), size = len + 4; /* room for "…": never cut */
	char *s;

	if (f->error)
		return;
	s = malloc(size);
	if (!s) {
		f->error = -ENOMEM;
		return;
	}
	fields_add_raw(f, "MESSAGE", s, utf8_printable(s, size, msg, len));
	free(s);
}

void fields_add_messagef(struct fields *f, const char *fmt, ...)
{
	char *s;
	va_list ap;

	va_start(ap, fmt);
	fields_vformat(f, &s, fmt, ap);
	va_end(ap);
	if (s)
		fields_add_message(f, s);
	free(s);
}

void fields_begin(struct fields *f, enum audit_event e, int priority)
{
	fields_add(f, "MESSAGE_ID", audit_message_id(e));
	fields_addf(f, "PRIORITY", "%d", priority);
	/* So "journalctl -t pcirstd" finds the entries, as it does the daemon's other lines. */
	fields_add(f, "SYSLOG_IDENTIFIER", program_invocation_short_name);
}

int fields_send(struct fields *f, const struct audit_sink *sink)
{
	int r = f->error;

	if (r == 0)
		r = sink->send(sink->userdata, (const char *const *)f->v, f->n);
	fields_clear(f);
	return r;
}
