/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Source positions for policy files. json-c gives a byte offset for syntax
 * errors only; its objects carry no positions. Rather than a second JSON
 * parser, this is a structural scanner that runs only on text json-c has
 * already accepted in strict mode: it tracks strings, brackets, colons and
 * commas, and records where each value and key begins. It still checks
 * every byte it relies on, so a disagreement with json-c yields -EINVAL,
 * never a crash or an out-of-bounds read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "policy-internal.h"
#include "utf8.h"

/* json-c refuses deeper documents first (its default depth is 32); this only guards the stack. */
#define JPOS_DEPTH_MAX 64

struct scan {
	const char *s;
	size_t len, i;
};

static void skip_ws(struct scan *sc)
{
	while (sc->i < sc->len && strchr(" \t\r\n", sc->s[sc->i]) && sc->s[sc->i])
		sc->i++;
}

static int read_u16(const struct scan *sc, size_t at, unsigned *out)
{
	unsigned v = 0;

	if (at + 4 > sc->len)
		return -EINVAL;
	for (size_t k = 0; k < 4; k++) {
		int h = hex_digit(sc->s[at + k]);

		if (h < 0)
			return -EINVAL;
		v = v << 4 | (unsigned)h;
	}
	*out = v;
	return 0;
}

/*
 * Scans the string at sc->i (its opening quote); decodes it into *out when
 * out is not NULL, the way json-c decodes keys, so the two can be compared.
 */
static int scan_string(struct scan *sc, char **out)
{
	char *buf = NULL, *o = NULL;
	size_t start;

	if (sc->i >= sc->len || sc->s[sc->i] != '"')
		return -EINVAL;
	start = ++sc->i;
	if (out) {
		/* Decoding never makes a string longer than its escaped form. */
		size_t end = start;

		while (end < sc->len && sc->s[end] != '"')
			end += sc->s[end] == '\\' ? 2 : 1;
		buf = malloc(end - start + 1);
		if (!buf)
			return -ENOMEM;
		o = buf;
	}
	while (sc->i < sc->len && sc->s[sc->i] != '"') {
		char c = sc->s[sc->i++];
		unsigned cp, lo;

		if (c != '\\') {
			if (o)
				*o++ = c;
			continue;
		}
		if (sc->i >= sc->len)
			goto bad;
		c = sc->s[sc->i++];
		if (c != 'u') {
			const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
			const char *p = c ? strchr(from, c) : NULL;

			if (!p)
				goto bad;
			if (o)
				*o++ = to[p - from];
			continue;
		}
		if (read_u16(sc, sc->i, &cp) < 0)
			goto bad;
		sc->i += 4;
		if (cp >= 0xd800 && cp < 0xdc00 && sc->i + 6 <= sc->len && sc->s[sc->i] == '\\' &&
		    sc->s[sc->i + 1] == 'u' && read_u16(sc, sc->i + 2, &lo) == 0 && lo >= 0xdc00 &&
		    lo < 0xe000) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			sc->i += 6;
		}
		if (o)
			o += utf8_encode(o, cp);
	}
	if (sc->i >= sc->len)
		goto bad;
	sc->i++; /* the closing quote */
	if (out) {
		*o = '\0';
		*out = buf;
	}
	return 0;
bad:
	free(buf);
	return -EINVAL;
}

static int scan_value(struct scan *sc, struct jpos *out, unsigned depth);

/* Grows *v (of elements of size sz) so that index n fits. */
static int grow(void **v, unsigned n, unsigned *cap, size_t sz)
{
	void *nv;
	unsigned ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 4;
	nv = realloc(*v, ncap * sz);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

static int scan_object(struct scan *sc, struct jpos *out, unsigned depth)
{
	unsigned cap = 0;
	int r;

	sc->i++; /* '{' */
	skip_ws(sc);
	if (sc->i < sc->len && sc->s[sc->i] == '}') {
		sc->i++;
		return 0;
	}
	for (;;) {
		struct jpos_member *m;

		skip_ws(sc);
		r = grow((void **)&out->members, out->n, &cap, sizeof(*out->members));
		if (r < 0)
			return r;
		m = &out->members[out->n];
		*m = (struct jpos_member){.key_off = sc->i};
		r = scan_string(sc, &m->key);
		if (r < 0)
			return r;
		out->n++; /* from here on jpos_done() frees it */
		skip_ws(sc);
		if (sc->i >= sc->len || sc->s[sc->i] != ':')
			return -EINVAL;
		sc->i++;
		r = scan_value(sc, &m->value, depth + 1);
		if (r < 0)
			return r;
		skip_ws(sc);
		if (sc->i >= sc->len)
			return -EINVAL;
		if (sc->s[sc->i] == '}') {
			sc->i++;
			return 0;
		}
		if (sc->s[sc->i] != ',')
			return -EINVAL;
		sc->i++;
	}
}

static int scan_array(struct scan *sc, struct jpos *out, unsigned depth)
{
	unsigned cap = 0;
	int r;

	sc->i++; /* '[' */
	skip_ws(sc);
	if (sc->i < sc->len && sc->s[sc->i] == ']') {
		sc->i++;
		return 0;
	}
	for (;;) {
		r = grow((void **)&out->items, out->n, &cap, sizeof(*out->items));
		if (r < 0)
			return r;
		out->items[out->n] = (struct jpos){0};
		out->n++;
		r = scan_value(sc, &out->items[out->n - 1], depth + 1);
		if (r < 0)
			return r;
		skip_ws(sc);
		if (sc->i >= sc->len)
			return -EINVAL;
		if (sc->s[sc->i] == ']') {
			sc->i++;
			return 0;
		}
		if (sc->s[sc->i] != ',')
			return -EINVAL;
		sc->i++;
	}
}

static int scan_value(struct scan *sc, struct jpos *out, unsigned depth)
{
	int r;

	if (depth > JPOS_DEPTH_MAX)
		return -EINVAL;
	skip_ws(sc);
	if (sc->i >= sc->len)
		return -EINVAL;
	*out = (struct jpos){.off = sc->i};
	switch (sc->s[sc->i]) {
	case '{':
		out->kind = JPOS_OBJECT;
		return scan_object(sc, out, depth);
	case '[':
		out->kind = JPOS_ARRAY;
		return scan_array(sc, out, depth);
	case '"':
		r = scan_string(sc, NULL);
		break;
	default:
		/* A number, true, false or null: up to the next delimiter. */
		while (sc->i < sc->len && sc->s[sc->i] && !strchr(" \t\r\n,]}", sc->s[sc->i]))
			sc->i++;
		r = sc->i > out->off ? 0 : -EINVAL;
		break;
	}
	out->kind = JPOS_SCALAR;
	out->len = sc->i - out->off;
	return r;
}

int jpos_scan(const char *text, size_t len, struct jpos *out, size_t *err_off)
{
	struct scan sc = {.s = text, .len = len};
	int r;

	r = scan_value(&sc, out, 0);
	if (r < 0) {
		jpos_done(out);
		*err_off = sc.i;
	}
	return r;
}

void jpos_done(struct jpos *p)
{
	if (!p)
		return;
	for (unsigned k = 0; p->kind == JPOS_OBJECT && k < p->n; k++) {
		free(p->members[k].key);
		jpos_done(&p->members[k].value);
	}
	for (unsigned k = 0; p->kind == JPOS_ARRAY && k < p->n; k++)
		jpos_done(&p->items[k]);
	free(p->members);
	free(p->items);
	*p = (struct jpos){0};
}

const struct jpos_member *jpos_member(const struct jpos *obj, const char *key)
{
	if (!obj || obj->kind != JPOS_OBJECT)
		return NULL;
	for (unsigned k = obj->n; k > 0; k--)
		if (obj->members[k - 1].key && streq(obj->members[k - 1].key, key))
			return &obj->members[k - 1];
	return NULL;
}
