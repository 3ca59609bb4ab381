/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "request.h"

static const char *const field_names[] = {"sbdf", "domid", "reason", "options", "created"};

/* Switches without default: -Wswitch (an error in CI) names a value added without a name. */
const char *request_reason_name(enum request_reason r)
{
	switch (r) {
	case REQUEST_ATTACH:
		return "attach";
	case REQUEST_DETACH:
		return "detach";
	case REQUEST_MANUAL:
		return "manual";
	case _REQUEST_REASON_MAX:
		break;
	}
	return "invalid";
}

bool request_id_valid(const char *id)
{
	size_t len = strlen(id);

	if (len == 0 || len > REQUEST_ID_MAX)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return false;
	return true;
}

static int parse_targets(struct request *r, const char *v, struct why *why)
{
	char buf[REQUEST_VALUE_MAX + 1], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", v);
	if (!buf[0])
		return why_err(why, -EINVAL, "field 'sbdf' is empty");
	if (buf[0] == ' ' || buf[strlen(buf) - 1] == ' ' || strstr(buf, "  "))
		return why_err(why, -EINVAL,
			       "field 'sbdf': addresses must be separated by single spaces");
	for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		struct pcirst_sbdf s;

		if (r->n_targets == REQUEST_TARGETS_MAX)
			return why_err(why, -EINVAL, "field 'sbdf': more than %d addresses",
				       REQUEST_TARGETS_MAX);
		if (pcirst_sbdf_parse(tok, &s) < 0)
			return why_err(why, -EINVAL,
				       "field 'sbdf': '%s' is not a PCI address (DDDD:BB:DD.F)",
				       tok);
		for (unsigned i = 0; i < r->n_targets; i++)
			if (pcirst_sbdf_cmp(&r->targets[i], &s) == 0)
				return why_err(why, -EINVAL, "field 'sbdf': '%s' given twice", tok);
		r->targets[r->n_targets++] = s;
	}
	return 0;
}

/* A decimal number without sign, leading zeros or trailing text, within [0, max]. */
static int parse_decimal(const char *v, int64_t max, int64_t *out)
{
	int64_t n = 0;

	if (!v[0] || (v[0] == '0' && v[1]))
		return -EINVAL;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		n = n * 10 + (*p - '0');
		if (n > max)
			return -ERANGE;
	}
	*out = n;
	return 0;
}

static int parse_options(struct request *r, const char *v, struct why *why)
{
	char buf[REQUEST_VALUE_MAX + 1], *save = NULL;
	struct why w = {""};

	snprintf(r->options_text, sizeof(r->options_text), "%s", v);
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (policy_request_add_option(&r->options, tok, &w) < 0)
			return why_err(why, -EINVAL, "field 'options': %s", w.msg);
	return 0;
}

static int parse_field(struct request *r, const char *name, const char *v, struct why *why)
{
	int64_t n;
	int k;

	if (streq(name, "sbdf"))
		return parse_targets(r, v, why);
	if (streq(name, "domid")) {
		k = parse_decimal(v, REQUEST_DOMID_MAX, &n);
		if (k < 0)
			return why_err(why, -EINVAL,
				       "field 'domid': '%s' is not a domain id (0 to %d)", v,
				       REQUEST_DOMID_MAX);
		r->domid = (int)n;
		return 0;
	}
	if (streq(name, "reason")) {
		for (unsigned i = 0; i < _REQUEST_REASON_MAX; i++)
			if (streq(v, request_reason_name(i))) {
				r->reason = (enum request_reason)i;
				return 0;
			}
		return why_err(why, -EINVAL,
			       "field 'reason': '%s' is not one of attach, detach, manual", v);
	}
	if (streq(name, "options"))
		return parse_options(r, v, why);
	if (streq(name, "created")) {
		if (parse_decimal(v, INT64_MAX / 10, &n) < 0)
			return why_err(why, -EINVAL,
				       "field 'created': '%s' is not a time in seconds", v);
		r->created = n;
		return 0;
	}
	return -ENOENT;
}

int request_parse(const char *id, const struct request_field *fields, unsigned n,
		  struct request *out, struct why *why)
{
	struct request r = {.domid = -1, .created = -1, .reason = _REQUEST_REASON_MAX};
	bool seen[ELEMENTSOF(field_names)] = {false};
	int k;

	if (!request_id_valid(id))
		return why_err(why, -EINVAL,
			       "request id is not 1-%d characters of letters, digits, '_' and '-'",
			       REQUEST_ID_MAX);
	snprintf(r.id, sizeof(r.id), "%s", id);
	for (unsigned i = 0; i < n; i++) {
		const struct request_field *f = &fields[i];
		char value[REQUEST_VALUE_MAX + 1];
		unsigned idx;

		for (idx = 0; idx < ELEMENTSOF(field_names); idx++)
			if (streq(f->name, field_names[idx]))
				break;
		if (idx == ELEMENTSOF(field_names)) {
			const char *s =
			    policy_suggest(f->name, field_names, ELEMENTSOF(field_names));

			return why_err(why, -EINVAL, "unknown field '%.64s'%s%s%s", f->name,
				       s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
		}
		if (seen[idx])
			return why_err(why, -EINVAL, "field '%s' given twice", f->name);
		seen[idx] = true;
		if (f->len > REQUEST_VALUE_MAX)
			return why_err(why, -EINVAL, "field '%s' is %u bytes long (at most %d)",
				       f->name, f->len, REQUEST_VALUE_MAX);
		memcpy(value, f->value, f->len);
		value[f->len] = '\0';
		for (unsigned j = 0; j < f->len; j++)
			if ((unsigned char)value[j] < 0x20 || value[j] == 0x7f)
				return why_err(why, -EINVAL,
					       "field '%s' contains control characters", f->name);
		k = parse_field(&r, f->name, value, why);
		if (k < 0)
			return k;
	}
	if (!seen[0])
		return why_err(why, -EINVAL, "field 'sbdf' is missing");
	if (!seen[2])
		return why_err(why, -EINVAL, "field 'reason' is missing");
	*out = r;
	return 0;
}
