/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The base layer's parsers on arbitrary text: PCI addresses, method names
 * and specs, policy modes, driver names; UTF-8 sanitizing and line:col.
 * What parses must format back to text that parses to the same value.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "linecol.h"
#include "method.h"
#include "pci-dev.h"
#include "utf8.h"
#include "util.h"

static void check_sbdf(const char *s)
{
	struct pcirst_sbdf a, b;
	char buf[PCIRST_SBDF_STRLEN];

	if (pcirst_sbdf_parse(s, &a) < 0)
		return;
	FUZZ_CHECK(a.dev <= 0x1f && a.fn <= 7);
	pcirst_sbdf_format(&a, buf);
	FUZZ_CHECK(strlen(buf) == PCIRST_SBDF_STRLEN - 1);
	FUZZ_CHECK(pcirst_sbdf_parse(buf, &b) == 0);
	FUZZ_CHECK(pcirst_sbdf_cmp(&a, &b) == 0);
}

static void check_method(const char *s)
{
	struct reset_method_spec a, b;
	char buf[64];
	enum reset_method_id id = reset_method_from_name(s);

	if (id >= 0)
		FUZZ_CHECK(streq(reset_method_name(id), s));
	if (reset_method_spec_parse(s, &a) < 0)
		return;
	FUZZ_CHECK(a.id >= 0 && a.id < _RESET_METHOD_MAX);
	reset_method_spec_format(&a, buf, sizeof(buf));
	FUZZ_CHECK(streq(buf, s));
	FUZZ_CHECK(reset_method_spec_parse(buf, &b) == 0);
	FUZZ_CHECK(a.id == b.id && streq(a.kernel_method, b.kernel_method));
}

/* Every byte of s[0..len) is part of a valid UTF-8 sequence without control characters. */
static bool printable_utf8(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t k = utf8_seq((const unsigned char *)s + i, len - i);

		if (k == 0 || (k == 1 && ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)))
			return false;
		i += k;
	}
	return true;
}

static void check_utf8(const char *s, size_t len)
{
	char small[16], big[4096 + 4];
	unsigned line, col, line2, col2;
	struct linecol lc = LINECOL_START;
	size_t n;

	n = utf8_printable(small, sizeof(small), s, len);
	FUZZ_CHECK(n < sizeof(small) && small[n] == '\0' && printable_utf8(small, n));
	if (len <= 4096) {
		/* size >= len + 4 never cuts. */
		n = utf8_printable(big, len + 4, s, len);
		FUZZ_CHECK(n <= len && big[n] == '\0' && printable_utf8(big, n));
	}
	/* Advancing in steps gives what counting from the start gives. */
	linecol_advance(&lc, s, len, len / 3, &line, &col);
	linecol_advance(&lc, s, len, len, &line, &col);
	text_linecol(s, len, len, &line2, &col2);
	FUZZ_CHECK(line == line2 && col == col2 && line >= 1 && col >= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	/* Parsers see the text up to the first NUL, as they would from a C string. */
	check_sbdf(s);
	check_method(s);
	(void)pci_driver_kind_name(pci_driver_kind_from_name(s));
	check_utf8(s, size);
	free(s);
	return 0;
}
