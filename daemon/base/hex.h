/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One hexadecimal digit. Header-only: the SBDF parser is also part of
 * libpcirst (LGPL, compiled without the base library), and the policy's
 * JSON and XML scanners and rule parser use the same digit.
 */
#pragma once

/* The value of hex digit c (either case), or -1 when c is none. */
static inline int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
