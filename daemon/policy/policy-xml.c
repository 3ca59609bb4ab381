/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small XML reader for qubes.xml, which lxml writes: elements, attributes,
 * character data, predefined entities and character references, comments,
 * processing instructions, CDATA. The project has no XML library, and this
 * subset is all Qubes writes. Anything else is an error with line:col, never
 * a guess: a DOCTYPE (hence entity definitions and their expansion) is
 * refused, and depth and element count are bounded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "linecol.h"
#include "policy-internal.h"
#include "utf8.h"

#define XML_NODES_MAX 500000u

struct xp {
	const char *s;
	size_t len, i;
	size_t err_off;
	struct why *why;
	unsigned nodes;
	/* Offsets only grow while parsing: line:col is advanced, not recounted. */
	struct linecol lc;
};

static void linecol_at(struct xp *x, size_t off, unsigned *line, unsigned *col)
{
	linecol_advance(&x->lc, x->s, x->len, off, line, col);
}

struct buf {
	char *p;
	size_t n, cap;
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 32;
		char *np;

		while (cap < b->n + n + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np)
			return -ENOMEM;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

_printf_(3, 4) static int fail(struct xp *x, size_t off, const char *fmt, ...)
{
	va_list ap;

	x->err_off = off;
	if (x->why) {
		va_start(ap, fmt);
		vsnprintf(x->why->msg, sizeof(x->why->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool at(const struct xp *x, const char *lit)
{
	size_t n = strlen(lit);

	return x->i + n <= x->len && memcmp(x->s + x->i, lit, n) == 0;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void skip_ws(struct xp *x)
{
	while (x->i < x->len && is_ws(x->s[x->i]))
		x->i++;
}

static bool name_char(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	    (unsigned char)c >= 0x80)
		return true;
	return !first && ((c >= '0' && c <= '9') || c == '-' || c == '.');
}

static int parse_name(struct xp *x, char **out)
{
	size_t start = x->i;

	if (x->i >= x->len || !name_char(x->s[x->i], true))
		return fail(x, x->i, "expected a name");
	while (x->i < x->len && name_char(x->s[x->i], false))
		x->i++;
	*out = strndup(x->s + start, x->i - start);
	return *out ? 0 : -ENOMEM;
}

/* Skips up to and past end; fails at EOF with what was being skipped. */
static int skip_past(struct xp *x, const char *end, const char *what)
{
	size_t start = x->i;
	const char *p = memmem(x->s + x->i, x->len - x->i, end, strlen(end));

	if (!p)
		return fail(x, start, "unterminated %s", what);
	x->i = (size_t)(p - x->s) + strlen(end);
	return 0;
}

static int put_cp(struct buf *b, unsigned cp)
{
	char o[4];

	return buf_add(b, o, utf8_encode(o, cp));
}

/* At '&': decodes one reference into b. */
static int parse_ref(struct xp *x, struct buf *b)
{
	static const struct {
		const char *name, *val;
	} ents[] = {{"lt", "<"}, {"gt", ">"}, {"amp", "&"}, {"quot", "\""}, {"apos", "'"}};
	size_t start = x->i, end = x->i + 1;
	unsigned long cp = 0;

	while (end < x->len && end - start < 12 && x->s[end] != ';')
		end++;
	if (end >= x->len || x->s[end] != ';')
		return fail(x, start, "'&' must start a reference like &amp;");
	x->i = end + 1;
	if (x->s[start + 1] == '#') {
		bool hex = start + 2 < end && (x->s[start + 2] == 'x');
		size_t k = start + (hex ? 3 : 2);

		if (k == end)
			return fail(x, start, "empty character reference");
		for (; k < end; k++) {
			char c = x->s[k];
			int d = hex ? hex_digit(c) : c >= '0' && c <= '9' ? c - '0' : -1;

			if (d < 0)
				return fail(x, start, "invalid character reference '%.*s'",
					    (int)(end - start + 1), x->s + start);
			cp = cp * (hex ? 16 : 10) + (unsigned long)d;
			if (cp > 0x10ffff)
				break;
		}
		if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
			return fail(x, start, "character reference '%.*s' is not a character",
				    (int)(end - start + 1), x->s + start);
		return put_cp(b, (unsigned)cp);
	}
	for (unsigned i = 0; i < ELEMENTSOF(ents); i++)
		if (end - start - 1 == strlen(ents[i].name) &&
		    memcmp(x->s + start + 1, ents[i].name, end - start - 1) == 0)
			return buf_add(b, ents[i].val, 1);
	return fail(x, start, "unknown entity '%.*s'", (int)(end - start + 1), x->s + start);
}

/* Character data up to the next '<' (or, inside an attribute, the quote). */
static int parse_chars(struct xp *x, struct buf *b, char quote)
{
	while (x->i < x->len) {
		char c = x->s[x->i];
		size_t run = x->i;
		int r;

		if (c == '\0')
			return fail(x, x->i, "NUL byte in XML");
		if (c == '<' || (quote && c == quote))
			break;
		if (c == '&') {
			r = parse_ref(x, b);
			if (r < 0)
				return r;
			continue;
		}
		while (x->i < x->len && x->s[x->i] != '<' && x->s[x->i] != '&' &&
		       x->s[x->i] != quote && x->s[x->i] != '\0')
			x->i++;
		r = buf_add(b, x->s + run, x->i - run);
		if (r < 0)
			return r;
	}
	return 0;
}

void xml_node_free(struct xml_node *n)
{
	if (!n)
		return;
	for (unsigned i = 0; i < n->n_attrs; i++) {
		free(n->attrs[i].name);
		free(n->attrs[i].value);
	}
	for (unsigned i = 0; i < n->n_children; i++)
		xml_node_free(n->children[i]);
	free(n->attrs);
	free(n->children);
	free(n->name);
	free(n->text);
	free(n);
}

static int parse_attrs(struct xp *x, struct xml_node *n)
{
	int r;

	for (;;) {
		struct buf val = {0};
		struct xml_attr *na;
		size_t name_off;
		char *name = NULL;
		char q;

		skip_ws(x);
		if (x->i >= x->len || x->s[x->i] == '>' || x->s[x->i] == '/')
			return 0;
		if (!is_ws(x->s[x->i - 1]))
			return fail(x, x->i, "expected whitespace before an attribute");
		name_off = x->i;
		r = parse_name(x, &name);
		if (r < 0)
			return r;
		if (xml_attr(n, name)) {
			free(name);
			return fail(x, name_off, "duplicate attribute '%.*s'",
				    (int)(x->i - name_off), x->s + name_off);
		}
		skip_ws(x);
		if (x->i >= x->len || x->s[x->i] != '=') {
			free(name);
			return fail(x, x->i, "expected '=' after the attribute name");
		}
		x->i++;
		skip_ws(x);
		q = x->i < x->len ? x->s[x->i] : 0;
		if (q != '"' && q != '\'') {
			free(name);
			return fail(x, x->i, "expected a quoted attribute value");
		}
		x->i++;
		r = buf_add(&val, "", 0);
		if (r == 0)
			r = parse_chars(x, &val, q);
		if (r == 0 && (x->i >= x->len || x->s[x->i] != q))
			r = fail(x, x->i,
				 x->i >= x->len ? "unterminated attribute value"
						: "'<' in an attribute value");
		na = r == 0 ? realloc(n->attrs, (n->n_attrs + 1) * sizeof(*na)) : NULL;
		if (!na) {
			free(name);
			free(val.p);
			return r < 0 ? r : -ENOMEM;
		}
		x->i++;
		n->attrs = na;
		n->attrs[n->n_attrs++] = (struct xml_attr){.name = name, .value = val.p};
	}
}

static int parse_element(struct xp *x, unsigned depth, struct xml_node **out);

static int add_child(struct xml_node *n, struct xml_node *c)
{
	if (n->n_children == n->cap_children) {
		/* Doubling: a flat file of many siblings must not cost quadratic copying. */
		unsigned cap = n->cap_children ? n->cap_children * 2 : 8;
		struct xml_node **nv = realloc(n->children, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		n->children = nv;
		n->cap_children = cap;
	}
	n->children[n->n_children++] = c;
	return 0;
}

static int parse_content(struct xp *x, struct xml_node *n, unsigned depth)
{
	struct buf text = {0};
	int r = 0;

	while (r == 0) {
		struct xml_node *child = NULL;
		char *end = NULL;
		size_t end_off;

		if (x->i >= x->len) {
			r = fail(x, x->len, "unexpected end of file inside <%s> opened at %u:%u",
				 n->name, n->line, n->col);
		} else if (at(x, "</")) {
			end_off = x->i;
			x->i += 2;
			r = parse_name(x, &end);
			if (r == 0 && !streq(end, n->name))
				r = fail(x, end_off, "</%s> does not close <%s>", end, n->name);
			skip_ws(x);
			if (r == 0 && (x->i >= x->len || x->s[x->i] != '>'))
				r = fail(x, x->i, "expected '>'");
			free(end);
			if (r == 0) {
				x->i++;
				break;
			}
		} else if (at(x, "<!--")) {
			r = skip_past(x, "-->", "comment");
		} else if (at(x, "<![CDATA[")) {
			size_t start = x->i + 9;

			x->i = start;
			r = skip_past(x, "]]>", "CDATA section");
			if (r == 0)
				r = buf_add(&text, x->s + start, x->i - 3 - start);
		} else if (at(x, "<?")) {
			r = skip_past(x, "?>", "processing instruction");
		} else if (at(x, "<!")) {
			r = fail(x, x->i, "unsupported markup declaration");
		} else if (x->s[x->i] == '<') {
			r = parse_element(x, depth + 1, &child);
			if (r == 0) {
				r = add_child(n, child);
				if (r < 0)
					xml_node_free(child);
			}
		} else {
			r = parse_chars(x, &text, 0);
		}
	}
	n->text = text.p;
	if (r == 0 && !n->text)
		n->text = strdup("");
	return r == 0 && !n->text ? -ENOMEM : r;
}

static int parse_element(struct xp *x, unsigned depth, struct xml_node **out)
{
	_cleanup_(xml_node_freep) struct xml_node *n = NULL;
	size_t open_off = x->i;
	int r;

	if (depth > XML_DEPTH_MAX)
		return fail(x, x->i, "elements nested too deep (more than %d)", XML_DEPTH_MAX);
	if (++x->nodes > XML_NODES_MAX)
		return fail(x, x->i, "too many elements (more than %u)", XML_NODES_MAX);
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	linecol_at(x, open_off, &n->line, &n->col);
	x->i++; /* '<' */
	r = parse_name(x, &n->name);
	if (r < 0)
		return r;
	r = parse_attrs(x, n);
	if (r < 0)
		return r;
	if (at(x, "/>")) {
		x->i += 2;
		n->text = strdup("");
		if (!n->text)
			return -ENOMEM;
	} else if (at(x, ">")) {
		x->i++;
		r = parse_content(x, n, depth);
		if (r < 0)
			return r;
	} else {
		return fail(x, x->i,
			    x->i >= x->len ? "unexpected end of file in a tag"
					   : "expected '>' or '/>'");
	}
	*out = n;
	n = NULL;
	return 0;
}

/* Whitespace, comments and processing instructions around the root element. */
static int skip_misc(struct xp *x)
{
	int r;

	for (;;) {
		skip_ws(x);
		if (at(x, "<?"))
			r = skip_past(x, "?>", "processing instruction");
		else if (at(x, "<!--"))
			r = skip_past(x, "-->", "comment");
		else if (at(x, "<!DOCTYPE"))
			r = fail(x, x->i, "DOCTYPE is not supported");
		else
			return 0;
		if (r < 0)
			return r;
	}
}

int xml_parse(const char *text, size_t len, struct xml_node **out, unsigned *line, unsigned *col,
	      struct why *why)
{
	struct xp x = {.s = text, .len = len, .why = why, .lc = LINECOL_START};
	struct xml_node *root = NULL;
	int r;

	/* XML 1.0 §4.3.3: bytes that are not UTF-8 are a fatal error, wherever they are. */
	r = 0;
	for (size_t k = 0; k < len;) {
		size_t n = utf8_seq((const unsigned char *)text + k, len - k);

		if (n == 0) {
			r = fail(&x, k, "invalid UTF-8 (byte 0x%02x): qubes.xml is UTF-8 text",
				 (unsigned char)text[k]);
			break;
		}
		k += n;
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		x.i = 3;
	if (r == 0)
		r = skip_misc(&x);
	if (r == 0 && (x.i >= x.len || x.s[x.i] != '<'))
		r = fail(&x, x.i, x.i >= x.len ? "no root element" : "expected '<'");
	if (r == 0)
		r = parse_element(&x, 0, &root);
	if (r == 0)
		r = skip_misc(&x);
	if (r == 0 && x.i < x.len)
		r = fail(&x, x.i, "content after the root element");
	if (r < 0) {
		xml_node_free(root);
		if (r == -ENOMEM)
			why_set(why, "out of memory");
		text_linecol(text, len, x.err_off, line, col);
		return r;
	}
	*out = root;
	return 0;
}

const char *xml_attr(const struct xml_node *n, const char *name)
{
	for (unsigned i = 0; i < n->n_attrs; i++)
		if (streq(n->attrs[i].name, name))
			return n->attrs[i].value;
	return NULL;
}

const struct xml_node *xml_child(const struct xml_node *n, const char *name)
{
	for (unsigned i = 0; i < n->n_children; i++)
		if (streq(n->children[i]->name, name))
			return n->children[i];
	return NULL;
}
