/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdint.h>
#include <string.h>

#include "utf8.h"

size_t utf8_seq(const unsigned char *s, size_t left)
{
	size_t n;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are not characters. */
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

size_t utf8_printable(char *dst, size_t size, const char *s, size_t len)
{
	static const char ellipsis[] = "\xe2\x80\xa6";
	size_t o = 0, i = 0;

	while (i < len) {
		const unsigned char *p = (const unsigned char *)s + i;
		size_t k = utf8_seq(p, len - i);

		if (o + (k ? k : 1) + sizeof(ellipsis) > size) {
			memcpy(dst + o, ellipsis, sizeof(ellipsis));
			return o + sizeof(ellipsis) - 1;
		}
		if (k == 0 || (k == 1 && (p[0] < 0x20 || p[0] == 0x7f))) {
			dst[o++] = k ? ' ' : '?';
			i++;
			continue;
		}
		memcpy(dst + o, p, k);
		o += k;
		i += k;
	}
	dst[o] = '\0';
	return o;
}

size_t utf8_encode(char out[4], unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}
