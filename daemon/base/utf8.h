/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * UTF-8 validation for text that ends up in journal fields and policy
 * reasons (from devices, files or the journal: untrusted). One place, so the
 * daemon's audit trail and pcirstctl agree on what a character is.
 */
#pragma once

#include <stddef.h>

/*
 * The length of the valid UTF-8 sequence at s (1-4; left bytes remain), or 0
 * when it is not one: overlong forms, surrogates and code points beyond
 * U+10FFFF are not characters (RFC 3629 §3).
 */
size_t utf8_seq(const unsigned char *s, size_t left);

/*
 * A copy of s[0..len) that prints on one line as text: invalid bytes become
 * '?', control characters (C0 and DEL) spaces; written to dst (size bytes,
 * NUL-terminated) and, when it does not fit, cut at a character boundary
 * with "…". Never longer than len, so size >= len + 4 never cuts. Returns
 * the length written.
 */
size_t utf8_printable(char *dst, size_t size, const char *s, size_t len);

/*
 * Writes the UTF-8 form of code point cp (at most U+10FFFF; callers decode
 * JSON \u escapes and XML character references into it) to out; returns
 * its length, 1-4.
 */
size_t utf8_encode(char out[4], unsigned cp);
