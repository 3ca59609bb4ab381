/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PCI addresses (segment:bus:device.function) as pcirstd and its clients
 * spell them: "0000:03:00.0", or "03:00.0" meaning segment 0.
 */
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "dddd:bb:dd.f" plus the terminating NUL. */
#define PCIRST_SBDF_STRLEN 13

struct pcirst_sbdf {
	uint16_t domain;
	uint8_t bus;
	uint8_t dev; /* 0..31 */
	uint8_t fn;  /* 0..7 */
};

/*
 * Parses "DDDD:BB:DD.F" or "BB:DD.F" (hex digits, exactly that many, either
 * case). Nothing else is accepted: no whitespace, no sign, no trailing text.
 * Returns 0, or -EINVAL when text is not an address (the out value is then
 * untouched).
 */
int pcirst_sbdf_parse(const char *text, struct pcirst_sbdf *out);

/* Writes the canonical lower-case form "dddd:bb:dd.f"; returns buf. */
char *pcirst_sbdf_format(const struct pcirst_sbdf *sbdf, char buf[PCIRST_SBDF_STRLEN]);

/* Orders by domain, bus, device, function; returns <0, 0 or >0. */
int pcirst_sbdf_cmp(const struct pcirst_sbdf *a, const struct pcirst_sbdf *b);

#ifdef __cplusplus
}
#endif
