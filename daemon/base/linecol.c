/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "linecol.h"

void linecol_advance(struct linecol *lc, const char *text, size_t len, size_t off, unsigned *line,
		     unsigned *col)
{
	if (off > len)
		off = len;
	if (off < lc->off)
		*lc = LINECOL_START;
	for (; lc->off < off; lc->off++) {
		unsigned char ch = (unsigned char)text[lc->off];

		if (ch == '\n') {
			lc->line++;
			lc->col = 1;
		} else if ((ch & 0xc0) != 0x80) {
			/* Count characters, not the continuation bytes of UTF-8. */
			lc->col++;
		}
	}
	*line = lc->line;
	*col = lc->col;
}

void text_linecol(const char *text, size_t len, size_t off, unsigned *line, unsigned *col)
{
	struct linecol lc = LINECOL_START;

	linecol_advance(&lc, text, len, off, line, col);
}
