/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Source positions for diagnostics: 1-based line and column of a byte
 * offset, the column counted in characters (UTF-8 continuation bytes do not
 * advance it), as editors show them.
 */
#pragma once

#include <stddef.h>

/* A position that moves forward through one text without recounting from its start. */
struct linecol {
	size_t off;
	unsigned line, col;
};

#define LINECOL_START ((struct linecol){.off = 0, .line = 1, .col = 1})

/*
 * Advances lc to byte offset off of text[0..len) (clamped to len) and
 * returns its line and column. An offset before lc's starts over.
 */
void linecol_advance(struct linecol *lc, const char *text, size_t len, size_t off, unsigned *line,
		     unsigned *col);

/* The same for one offset, counted from the start. */
void text_linecol(const char *text, size_t len, size_t off, unsigned *line, unsigned *col);
