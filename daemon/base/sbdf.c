/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include <pcirst/sbdf.h>

#include "hex.h"

#define PCIRST_EXPORT __attribute__((visibility("default")))

/* Exactly n hex digits at *p; advances *p. */
static bool take_hex(const char **p, unsigned n, unsigned *out)
{
	unsigned v = 0;

	for (unsigned i = 0; i < n; i++) {
		int d = hex_digit((*p)[i]);

		if (d < 0)
			return false;
		v = v * 16 + (unsigned)d;
	}
	*p += n;
	*out = v;
	return true;
}

static bool take_char(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

PCIRST_EXPORT int pcirst_sbdf_parse(const char *text, struct pcirst_sbdf *out)
{
	const char *p = text;
	unsigned domain = 0, bus, dev, fn;

	if (!text || !out)
		return -EINVAL;
	/* "DDDD:" is present exactly when the fifth character is the first colon. */
	if (text[0] && text[1] && text[2] && text[3] && text[4] == ':') {
		if (!take_hex(&p, 4, &domain) || !take_char(&p, ':'))
			return -EINVAL;
	}
	if (!take_hex(&p, 2, &bus) || !take_char(&p, ':') || !take_hex(&p, 2, &dev) ||
	    !take_char(&p, '.') || !take_hex(&p, 1, &fn) || *p != '\0')
		return -EINVAL;
	if (dev > 0x1f || fn > 7)
		return -EINVAL;
	*out = (struct pcirst_sbdf){
	    .domain = (uint16_t)domain,
	    .bus = (uint8_t)bus,
	    .dev = (uint8_t)dev,
	    .fn = (uint8_t)fn,
	};
	return 0;
}

PCIRST_EXPORT char *pcirst_sbdf_format(const struct pcirst_sbdf *sbdf, char buf[PCIRST_SBDF_STRLEN])
{
	/*
	 * "%04x:%02x:%02x.%x" by hand: snprintf took about 2,100 instructions a
	 * call, and a request formats addresses some 40 times (the sysfs paths,
	 * the audit entry): a fifth of the daemon's instructions per request
	 * (docs/performance.md, callgrind).
	 */
	static const char hex[] = "0123456789abcdef";
	unsigned dev = sbdf->dev & 0x1f;

	buf[0] = hex[(sbdf->domain >> 12) & 15];
	buf[1] = hex[(sbdf->domain >> 8) & 15];
	buf[2] = hex[(sbdf->domain >> 4) & 15];
	buf[3] = hex[sbdf->domain & 15];
	buf[4] = ':';
	buf[5] = hex[sbdf->bus >> 4];
	buf[6] = hex[sbdf->bus & 15];
	buf[7] = ':';
	buf[8] = hex[dev >> 4];
	buf[9] = hex[dev & 15];
	buf[10] = '.';
	buf[11] = hex[sbdf->fn & 7];
	buf[12] = '\0';
	return buf;
}

PCIRST_EXPORT int pcirst_sbdf_cmp(const struct pcirst_sbdf *a, const struct pcirst_sbdf *b)
{
	uint32_t ka =
	    ((uint32_t)a->domain << 16) | ((uint32_t)a->bus << 8) | ((uint32_t)a->dev << 3) | a->fn;
	uint32_t kb =
	    ((uint32_t)b->domain << 16) | ((uint32_t)b->bus << 8) | ((uint32_t)b->dev << 3) | b->fn;

	return ka < kb ? -1 : ka > kb;
}
