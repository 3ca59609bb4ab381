/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One policy document: json-c checks the syntax (strict mode, UTF-8
 * validated, depth-limited) and decodes strings; the position scanner
 * (policy-scan.c) says where each key and value is, so that every semantic
 * error is reported as file:line:col. Unknown keys are errors: a typo must
 * never silently turn a deliberate "skip" back into the default, or the
 * reverse.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "policy-internal.h"

#define JSON_DEPTH_MAX 32

void parse_linecol(struct parse_ctx *c, size_t off, unsigned *line, unsigned *col)
{
	linecol_advance(&c->lc, c->text, c->len, off, line, col);
}

void parse_diag(struct parse_ctx *c, enum policy_severity sev, size_t off, const char *fmt, ...)
{
	char msg[WHY_MAX + 128];
	unsigned line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	parse_linecol(c, off, &line, &col);
	policy_diag_add(c->diags, sev, c->name, line, col, "%s", msg);
	if (sev == POLICY_ERROR)
		c->errors++;
}

static const char *const top_keys[] = {"rules"};
static const char *const rule_keys[] = {
    "match",  "policy", "methods", "extra-delay-ms", "ready-timeout-ms", "allow-request-weaken",
    "reason", "avoid",
};
static const char *const match_keys[] = {
    "sbdf", "vendor", "device", "subsystem-vendor", "subsystem-device", "class", "class-mask",
};

static bool in_list(const char *key, const char *const *list, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (streq(key, list[i]))
			return true;
	return false;
}

static void unknown_key(struct parse_ctx *c, const struct jpos_member *m, const char *where,
			const char *const *list, unsigned n)
{
	const char *s = policy_suggest(m->key, list, n);

	/* The common slip is putting a key one level off; say so rather than guess. */
	if (streq(where, "rule") && in_list(m->key, match_keys, ELEMENTSOF(match_keys)))
		ERR(c, m->key_off, "'%s' belongs inside 'match'", m->key);
	else if (streq(where, "match") && in_list(m->key, rule_keys, ELEMENTSOF(rule_keys)))
		ERR(c, m->key_off, "'%s' belongs in the rule, not inside 'match'", m->key);
	else if (s)
		ERR(c, m->key_off, "unknown key '%s' in %s; did you mean '%s'?", m->key, where, s);
	else
		ERR(c, m->key_off, "unknown key '%s' in %s", m->key, where);
}

/*
 * Walks the members of obj in source order: reports duplicates and unknown
 * keys, and returns false when the json-c object and the scan disagree.
 */
static bool check_keys(struct parse_ctx *c, struct json_object *obj, const struct jpos *pos,
		       const char *where, const char *const *list, unsigned n)
{
	for (unsigned i = 0; i < pos->n; i++) {
		const struct jpos_member *m = &pos->members[i];

		if (!json_object_object_get_ex(obj, m->key, NULL))
			return false;
		if (jpos_member(pos, m->key) != m) {
			ERR(c, m->key_off, "duplicate key '%s'", m->key);
			continue;
		}
		if (!in_list(m->key, list, n))
			unknown_key(c, m, where, list, n);
	}
	return true;
}

static void parse_match(struct parse_ctx *c, struct json_object *obj, const struct jpos *pos,
			struct policy_match *m)
{
	static const char *const id_keys[] = {"vendor", "device", "subsystem-vendor",
					      "subsystem-device"};
	bool has[ELEMENTSOF(id_keys)] = {false};
	uint32_t ids[ELEMENTSOF(id_keys)] = {0};
	const struct jpos_member *jm;
	struct json_object *v;
	uint32_t val;

	if (!check_keys(c, obj, pos, "match", match_keys, ELEMENTSOF(match_keys)))
		return;
	if (pos->n == 0) {
		ERR(c, pos->off, "empty 'match': name at least one of 'sbdf', 'vendor', 'class'");
		return;
	}
	if ((jm = jpos_member(pos, "sbdf")) && json_object_object_get_ex(obj, "sbdf", &v) &&
	    parse_want_type(c, "sbdf", v, jm->value.off, json_type_string, "a string")) {
		if (pcirst_sbdf_parse(json_object_get_string(v), &m->sbdf) < 0)
			ERR(c, jm->value.off,
			    "invalid PCI address '%s' (expected DDDD:BB:DD.F or BB:DD.F, in hex)",
			    json_object_get_string(v));
		else
			m->has_sbdf = true;
	}
	for (unsigned i = 0; i < ELEMENTSOF(id_keys); i++) {
		jm = jpos_member(pos, id_keys[i]);
		if (!jm || !json_object_object_get_ex(obj, id_keys[i], &v))
			continue;
		has[i] = parse_id(c, id_keys[i], v, jm->value.off, 4, &ids[i]);
		if (has[i] && i == 0 && ids[i] == 0xffff) {
			ERR(c, jm->value.off,
			    "vendor 0xffff is what an absent device reads, not an ID");
			has[i] = false;
		}
	}
	/* Each ID narrows the one before it: a device ID means nothing without its vendor. */
	if ((jm = jpos_member(pos, "device")) && !jpos_member(pos, "vendor"))
		ERR(c, jm->key_off, "'device' requires 'vendor'");
	for (unsigned i = 2; i < 4; i++) {
		jm = jpos_member(pos, id_keys[i]);
		if (!jm)
			continue;
		if (!jpos_member(pos, "vendor") || !jpos_member(pos, "device"))
			ERR(c, jm->key_off, "'%s' requires 'vendor' and 'device'", id_keys[i]);
		else if (!jpos_member(pos, id_keys[i == 2 ? 3 : 2]))
			ERR(c, jm->key_off, "'%s' requires '%s'", id_keys[i],
			    id_keys[i == 2 ? 3 : 2]);
	}
	m->has_vendor = has[0];
	m->has_device = has[0] && has[1];
	m->has_subsys = m->has_device && has[2] && has[3];
	m->vendor = (uint16_t)ids[0];
	m->device = (uint16_t)ids[1];
	m->subsys_vendor = (uint16_t)ids[2];
	m->subsys_device = (uint16_t)ids[3];

	m->class_mask = 0xffffff;
	if ((jm = jpos_member(pos, "class-mask")) &&
	    json_object_object_get_ex(obj, "class-mask", &v)) {
		if (!jpos_member(pos, "class"))
			ERR(c, jm->key_off, "'class-mask' requires 'class'");
		else if (parse_id(c, "class-mask", v, jm->value.off, 6, &val))
			m->class_mask = val;
	}
	if ((jm = jpos_member(pos, "class")) && json_object_object_get_ex(obj, "class", &v) &&
	    parse_id(c, "class", v, jm->value.off, 6, &val)) {
		if (val & ~m->class_mask)
			ERR(c, jm->value.off, "class 0x%06x has bits outside class-mask 0x%06x",
			    (unsigned)val, (unsigned)m->class_mask);
		else
			m->has_class = true;
		m->class_code = val;
		if (m->has_class && m->class_mask == 0 && !m->has_sbdf && !m->has_vendor)
			WARN(c, jm->value.off, "class-mask 0x000000 matches every device");
	}
}

static int parse_rule(struct parse_ctx *c, struct policy *p, const char *file,
		      struct json_object *obj, const struct jpos *pos)
{
	struct policy_rule r = {.file = file};
	const struct jpos_member *jm;
	struct json_object *v;
	unsigned errors = c->errors;
	int mode;

	if (!json_object_is_type(obj, json_type_object)) {
		ERR(c, pos->off, "a rule must be an object, got %s", json_type_label(obj));
		return 0;
	}
	parse_linecol(c, pos->off, &r.line, &r.col);
	if (!check_keys(c, obj, pos, "rule", rule_keys, ELEMENTSOF(rule_keys)))
		return -EINVAL;

	if ((jm = jpos_member(pos, "match")) && json_object_object_get_ex(obj, "match", &v)) {
		if (parse_want_type(c, "match", v, jm->value.off, json_type_object, "an object"))
			parse_match(c, v, &jm->value, &r.match);
	} else {
		ERR(c, pos->off, "rule without 'match'");
	}

	mode = -1;
	if ((jm = jpos_member(pos, "policy")) && json_object_object_get_ex(obj, "policy", &v)) {
		if (parse_want_type(c, "policy", v, jm->value.off, json_type_string, "a string")) {
			const char *s = json_object_get_string(v), *sug;

			mode = policy_mode_from_name(s);
			if (mode < 0 &&
			    (sug = policy_suggest(
				 s, (const char *const[]){"strict", "lenient", "skip"}, 3)))
				ERR(c, jm->value.off, "unknown policy '%s'; did you mean '%s'?", s,
				    sug);
			else if (mode < 0)
				ERR(c, jm->value.off,
				    "unknown policy '%s' (expected strict, lenient or skip)", s);
		}
	} else if (jpos_member(pos, "avoid") || jpos_member(pos, "extra-delay-ms")) {
		r.knowledge = true;
	} else {
		ERR(c, pos->off, "rule without 'policy' (strict, lenient or skip)");
	}
	r.mode = mode < 0 ? POLICY_STRICT : (enum policy_mode)mode;

	if ((jm = jpos_member(pos, "methods")) && json_object_object_get_ex(obj, "methods", &v))
		parse_methods(c, v, &jm->value, &r);
	if ((jm = jpos_member(pos, "extra-delay-ms")) &&
	    json_object_object_get_ex(obj, "extra-delay-ms", &v))
		r.has_extra_delay = parse_ms(c, "extra-delay-ms", v, &jm->value, 0,
					     POLICY_DELAY_MS_MAX, &r.extra_delay_ms);
	if ((jm = jpos_member(pos, "ready-timeout-ms")) &&
	    json_object_object_get_ex(obj, "ready-timeout-ms", &v))
		r.has_ready_timeout =
		    parse_ms(c, "ready-timeout-ms", v, &jm->value, POLICY_TIMEOUT_MS_MIN,
			     POLICY_TIMEOUT_MS_MAX, &r.ready_timeout_ms);
	if ((jm = jpos_member(pos, "allow-request-weaken")) &&
	    json_object_object_get_ex(obj, "allow-request-weaken", &v) &&
	    parse_want_type(c, "allow-request-weaken", v, jm->value.off, json_type_boolean,
			    "true or false"))
		r.allow_request_weaken = json_object_get_boolean(v);
	if ((jm = jpos_member(pos, "reason")) && json_object_object_get_ex(obj, "reason", &v))
		parse_reason(c, v, jm->value.off, &r);
	if ((jm = jpos_member(pos, "avoid")) && json_object_object_get_ex(obj, "avoid", &v))
		parse_avoid(c, v, &jm->value, &r);
	check_rule_knowledge(c, pos, &r);

	/* Weaker than strict must be explained: it is what an audit reads first. */
	if (mode == POLICY_SKIP && !r.reason && !jpos_member(pos, "reason"))
		ERR(c, pos->off,
		    "a skip rule needs a 'reason' saying why the device must not be reset");
	if (mode == POLICY_LENIENT && !r.reason && !jpos_member(pos, "reason"))
		WARN(c, pos->off, "lenient rule without 'reason'");
	if (mode == POLICY_SKIP) {
		static const char *const useless[] = {"methods", "extra-delay-ms",
						      "ready-timeout-ms", "allow-request-weaken"};

		for (unsigned i = 0; i < ELEMENTSOF(useless); i++)
			if ((jm = jpos_member(pos, useless[i])))
				WARN(c, jm->key_off, "'%s' has no effect with policy 'skip'",
				     useless[i]);
	}

	if (c->errors != errors) {
		policy_rule_free_texts(&r);
		return 0;
	}
	return policy_add_rule(p, &r);
}

static int parse_tree(struct parse_ctx *c, struct policy *p, const char *file,
		      struct json_object *root, const struct jpos *pos)
{
	const struct jpos_member *jm;
	struct json_object *rules;
	int r;

	if (!json_object_is_type(root, json_type_object)) {
		ERR(c, pos->off, "expected an object with a 'rules' array, got %s",
		    json_type_label(root));
		return 0;
	}
	if (!check_keys(c, root, pos, "the top level", top_keys, ELEMENTSOF(top_keys)))
		return -EINVAL;
	jm = jpos_member(pos, "rules");
	if (!jm || !json_object_object_get_ex(root, "rules", &rules)) {
		ERR(c, pos->off, "missing 'rules'");
		return 0;
	}
	if (!parse_want_type(c, "rules", rules, jm->value.off, json_type_array, "an array"))
		return 0;
	if (json_object_array_length(rules) != jm->value.n)
		return -EINVAL;
	for (unsigned i = 0; i < jm->value.n; i++) {
		if (p->n_rules >= POLICY_RULES_MAX) {
			ERR(c, jm->value.items[i].off, "too many rules (at most %u in all files)",
			    POLICY_RULES_MAX);
			return 0;
		}
		r = parse_rule(c, p, file, json_object_array_get_idx(rules, i),
			       &jm->value.items[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

int policy_parse_document(struct policy *p, const char *name, const char *text, size_t len,
			  struct policy_diags *diags)
{
	struct parse_ctx c = {
	    .name = name, .text = text, .len = len, .diags = diags, .lc = LINECOL_START};
	struct json_tokener *tok = NULL;
	struct json_object *root = NULL;
	struct jpos pos = {0};
	enum json_tokener_error jerr;
	const char *file;
	const char *nul;
	size_t err_off = 0;
	int r;

	if (len > POLICY_FILE_MAX) {
		policy_diag_add(diags, POLICY_ERROR, name, 0, 0,
				"file is too large (%zu bytes, at most %u)", len,
				(unsigned)POLICY_FILE_MAX);
		return -EINVAL;
	}
	/* json-c would stop at a NUL and call the rest trailing garbage; say what it is. */
	nul = memchr(text, '\0', len);
	if (nul) {
		ERR(&c, (size_t)(nul - text), "file contains a NUL byte");
		return -EINVAL;
	}
	r = policy_add_file(p, name, &file);
	if (r < 0)
		return r;

	tok = json_tokener_new_ex(JSON_DEPTH_MAX);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_continue || (!root && jerr == json_tokener_success)) {
		ERR(&c, len, "unexpected end of file");
	} else if (jerr == json_tokener_error_depth) {
		ERR(&c, json_tokener_get_parse_end(tok), "nesting is too deep (at most %d levels)",
		    JSON_DEPTH_MAX);
	} else if (jerr != json_tokener_success) {
		ERR(&c, json_tokener_get_parse_end(tok), "invalid JSON: %s",
		    json_tokener_error_desc(jerr));
	}
	json_tokener_free(tok);
	if (c.errors)
		goto out;

	r = jpos_scan(text, len, &pos, &err_off);
	if (r == -ENOMEM)
		goto out;
	if (r == -EINVAL) {
		ERR(&c, err_off, "invalid JSON: unexpected character");
		goto out;
	}
	r = parse_tree(&c, p, file, root, &pos);
	if (r == -EINVAL) {
		/* The scanner and json-c disagree: refuse rather than guess positions. */
		policy_diag_add(
		    diags, POLICY_ERROR, name, 0, 0,
		    "cannot locate the keys of this document (unusual escapes in keys?)");
		c.errors++;
	}
out:
	json_object_put(root);
	jpos_done(&pos);
	if (r == -ENOMEM)
		return r;
	return c.errors ? -EINVAL : 0;
}
