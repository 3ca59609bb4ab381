/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The values of a policy rule (policy-parse.c walks the document's
 * structure): typed values, hex IDs, milliseconds from the source text, method
 * lists and reasons, each error at the value's file:line:col.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "hex.h"
#include "policy-internal.h"

const char *json_type_label(struct json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "boolean";
	case json_type_int:
	case json_type_double:
		return "number";
	case json_type_string:
		return "string";
	case json_type_array:
		return "array";
	case json_type_object:
		return "object";
	}
	return "unknown";
}

bool parse_want_type(struct parse_ctx *c, const char *key, struct json_object *v, size_t off,
		     enum json_type t, const char *what)
{
	if (json_object_is_type(v, t))
		return true;
	ERR(c, off, "'%s' must be %s, got %s", key, what, json_type_label(v));
	return false;
}

/* "0x8086" or "8086": 1..digits hex digits. */
static int parse_hex(const char *s, unsigned digits, uint32_t *out)
{
	uint32_t v = 0;
	size_t n;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	n = strlen(s);
	if (n == 0 || n > digits)
		return -EINVAL;
	for (; *s; s++) {
		int d = hex_digit(*s);

		if (d < 0)
			return -EINVAL;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return 0;
}

/* A whole number from the source text itself: json-c saturates what does not fit. */
bool parse_ms(struct parse_ctx *c, const char *key, struct json_object *v, const struct jpos *pos,
	      uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t val = 0;
	/* Leading zeros are not JSON; json-c lets "00" through. */
	bool ok = json_object_is_type(v, json_type_int) && pos->len > 0 && pos->len <= 10 &&
		  !(pos->len > 1 && c->text[pos->off] == '0');

	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) {
		ERR(c, pos->off, "'%s' must be a number, got %s", key, json_type_label(v));
		return false;
	}
	for (size_t i = 0; ok && i < pos->len; i++) {
		char ch = c->text[pos->off + i];

		if (ch < '0' || ch > '9')
			ok = false;
		else
			val = val * 10 + (uint64_t)(ch - '0');
	}
	if (!ok || val < min || val > max) {
		ERR(c, pos->off,
		    "'%s' must be a whole number of milliseconds from %u to %u, got %.*s", key,
		    (unsigned)min, (unsigned)max, pos->len > 24 ? 24 : (int)pos->len,
		    c->text + pos->off);
		return false;
	}
	*out = (uint32_t)val;
	return true;
}

bool parse_id(struct parse_ctx *c, const char *key, struct json_object *v, size_t off,
	      unsigned digits, uint32_t *out)
{
	const char *s;

	if (!parse_want_type(c, key, v, off, json_type_string, "a hex string"))
		return false;
	s = json_object_get_string(v);
	if (parse_hex(s, digits, out) < 0) {
		ERR(c, off, "invalid %s '%s' (expected up to %u hex digits, like \"0x%s\")", key, s,
		    digits, digits == 4 ? "8086" : "0c0300");
		return false;
	}
	return true;
}

void parse_methods(struct parse_ctx *c, struct json_object *v, const struct jpos *pos,
		   struct policy_rule *r)
{
	const char *names[_RESET_METHOD_MAX];

	for (unsigned i = 0; i < _RESET_METHOD_MAX; i++)
		names[i] = reset_method_name((enum reset_method_id)i);
	if (!parse_want_type(c, "methods", v, pos->off, json_type_array,
			     "an array of method names"))
		return;
	if (pos->n == 0 || json_object_array_length(v) != pos->n) {
		if (pos->n == 0)
			ERR(c, pos->off,
			    "'methods' is empty; leave it out for the automatic order");
		return;
	}
	if (pos->n > POLICY_METHODS_MAX) {
		ERR(c, pos->items[POLICY_METHODS_MAX].off, "too many methods (at most %u)",
		    POLICY_METHODS_MAX);
		return;
	}
	for (unsigned i = 0; i < pos->n; i++) {
		struct json_object *item = json_object_array_get_idx(v, i);
		size_t off = pos->items[i].off;
		struct reset_method_spec spec;
		char a[48], b[48];
		const char *s, *sug;
		bool dup = false;

		if (!json_object_is_type(item, json_type_string)) {
			ERR(c, off, "a method must be a string, got %s", json_type_label(item));
			continue;
		}
		s = json_object_get_string(item);
		if (reset_method_spec_parse(s, &spec) < 0) {
			if (strncmp(s, "kernel:", 7) == 0)
				ERR(c, off,
				    "invalid kernel reset method '%s' (expected kernel:<name>, "
				    "with "
				    "lower-case letters, digits and '_')",
				    s);
			else if ((sug = policy_suggest(s, names, _RESET_METHOD_MAX)))
				ERR(c, off, "unknown reset method '%s'; did you mean '%s'?", s,
				    sug);
			else
				ERR(c, off,
				    "unknown reset method '%s' (expected flr, af-flr, pm, bus, "
				    "kernel, kernel:<method> or pciback)",
				    s);
			continue;
		}
		reset_method_spec_format(&spec, a, sizeof(a));
		for (unsigned j = 0; j < r->n_methods; j++)
			dup |= streq(a, reset_method_spec_format(&r->methods[j], b, sizeof(b)));
		if (dup) {
			ERR(c, off, "reset method '%s' is listed twice", a);
			continue;
		}
		r->methods[r->n_methods++] = spec;
	}
}

void parse_reason(struct parse_ctx *c, struct json_object *v, size_t off, struct policy_rule *r)
{
	if (!parse_want_type(c, "reason", v, off, json_type_string, "a string"))
		return;
	r->reason = parse_reason_text(c, "'reason'", v, off);
}
