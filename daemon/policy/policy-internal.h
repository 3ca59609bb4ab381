/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to the policy module: building a policy, source positions, the XML reader. */
#pragma once

#include <stddef.h>

#include <json-c/json.h>

#include "linecol.h"
#include "policy.h"

/* ---- Building (policy.c) ---- */

/* Stores a copy of name in p->files; *stored points to it. */
int policy_add_file(struct policy *p, const char *name, const char **stored);
/* Appends r (taking ownership of its reasons) and numbers it. */
int policy_add_rule(struct policy *p, struct policy_rule *r);
/* Frees the rule's reason and avoid reasons (a rule that was not added). */
void policy_rule_free_texts(struct policy_rule *r);

/* ---- Source positions (policy-scan.c) ---- */

/*
 * json-c reports where a syntax error is but not where each value is. Once
 * json-c has accepted a document, this scanner walks the same text again and
 * records the byte offset of every value and key, in a tree parallel to the
 * json-c objects, so that semantic errors point at file:line:col too.
 */
enum jpos_kind {
	JPOS_SCALAR,
	JPOS_OBJECT,
	JPOS_ARRAY,
};

struct jpos_member;

struct jpos {
	enum jpos_kind kind;
	size_t off, len; /* the value's text (len only for scalars) */
	unsigned n;
	struct jpos_member *members; /* JPOS_OBJECT */
	struct jpos *items;	     /* JPOS_ARRAY */
};

struct jpos_member {
	size_t key_off;
	char *key; /* decoded */
	struct jpos value;
};

/*
 * Scans text (already accepted by json-c). Returns 0, or -ENOMEM, or
 * -EINVAL with *err_off where the text is not plain JSON after all (json-c
 * tolerates a few extensions, such as single-quoted strings, even in strict
 * mode).
 */
int jpos_scan(const char *text, size_t len, struct jpos *out, size_t *err_off);
void jpos_done(struct jpos *p);
/* The last member named key, or NULL. */
const struct jpos_member *jpos_member(const struct jpos *obj, const char *key);

/* ---- The match index (policy-index.c) ---- */

/*
 * Builds p->index (replacing an older one); without it, or when rules were
 * added after it was built, cursors walk every rule. 0 or -ENOMEM.
 */
int policy_index_build(struct policy *p);
void policy_index_free(struct policy_index *ix);

struct policy_ix_entry {
	uint32_t key;
	unsigned rule;
};

struct policy_run {
	const struct policy_ix_entry *v;
	unsigned n;
};

/* The rules that could match a device with these IDs, in load order. */
struct policy_cursor {
	const struct policy *p;
	bool linear;
	unsigned pos; /* linear: the next rule; else the next of rest */
	struct policy_run runs[2];
	const unsigned *rest;
	unsigned n_rest;
};

/* has_vendor false: every rule is a candidate; has_device false: every device of the vendor. */
void policy_cursor_init(struct policy_cursor *c, const struct policy *p, bool has_vendor,
			uint16_t vendor, bool has_device, uint16_t device);
/* The next candidate rule, or NULL. */
const struct policy_rule *policy_cursor_next(struct policy_cursor *c);

/* ---- Parsing (policy-parse.c, policy-quirk.c) ---- */

/* One document being parsed: diagnostics name the file "name". */
struct parse_ctx {
	const char *name;
	const char *text;
	size_t len;
	struct policy_diags *diags;
	unsigned errors;
	/* Positions are asked for in increasing order: counting resumes here, not from the start.
	 */
	struct linecol lc;
};

/* Line and column of off in c's text (linear over a document, not quadratic). */
void parse_linecol(struct parse_ctx *c, size_t off, unsigned *line, unsigned *col);

_printf_(4, 5) void parse_diag(struct parse_ctx *c, enum policy_severity sev, size_t off,
			       const char *fmt, ...);
#define ERR(c, off, ...)  parse_diag(c, POLICY_ERROR, off, __VA_ARGS__)
#define WARN(c, off, ...) parse_diag(c, POLICY_WARNING, off, __VA_ARGS__)

/* ---- A rule's values (policy-parse-value.c); false or nothing set after an error ---- */

/* "string", "number", ... for messages. */
const char *json_type_label(struct json_object *o);
/* True when v has type t; else an error "'key' must be <what>, got <type>" at off. */
bool parse_want_type(struct parse_ctx *c, const char *key, struct json_object *v, size_t off,
		     enum json_type t, const char *what);
/* A hex string ("0x8086" or "8086") of 1 to digits hex digits. */
bool parse_id(struct parse_ctx *c, const char *key, struct json_object *v, size_t off,
	      unsigned digits, uint32_t *out);
/* Whole milliseconds from min to max, read from the source text (pos). */
bool parse_ms(struct parse_ctx *c, const char *key, struct json_object *v, const struct jpos *pos,
	      uint32_t min, uint32_t max, uint32_t *out);
/* The rule's "methods": known, each once, at most POLICY_METHODS_MAX, into r->methods. */
void parse_methods(struct parse_ctx *c, struct json_object *v, const struct jpos *pos,
		   struct policy_rule *r);
/* The rule's "reason", into r->reason. */
void parse_reason(struct parse_ctx *c, struct json_object *v, size_t off, struct policy_rule *r);

/*
 * A reason text (printed in logs): a string, not blank, no control
 * characters, at most POLICY_REASON_MAX bytes. what names it in messages
 * ("'reason'"). Returns a copy, or NULL after reporting the error.
 */
char *parse_reason_text(struct parse_ctx *c, const char *what, struct json_object *v, size_t off);
/* The rule's "avoid" object (policy-quirk.c). */
void parse_avoid(struct parse_ctx *c, struct json_object *v, const struct jpos *pos,
		 struct policy_rule *r);
/*
 * The checks that need the whole rule: a rule without "policy" (knowledge)
 * may only carry "avoid" and "extra-delay-ms"; a method the rule both lists
 * and avoids is warned about. pos is the rule's object.
 */
void check_rule_knowledge(struct parse_ctx *c, const struct jpos *pos, struct policy_rule *r);

/* ---- Deciding (policy-quirk.c) ---- */

/*
 * Adds what every matching knowledge applies to a decision made by its
 * winning rule: avoided methods (removed from the order, no_method when none
 * is left) and the largest extra delay of the matching knowledge rules.
 */
void policy_apply_knowledge(const struct policy *p, const struct pci_dev_info *info,
			    struct policy_decision *d);

/* Parses one policy document into p; diagnostics name the file "name". */
int policy_parse_document(struct policy *p, const char *name, const char *text, size_t len,
			  struct policy_diags *diags);

/* Reads a whole file of at most max bytes. Returns 0 or -errno (-EFBIG when larger). */
int read_file_limited(const char *path, size_t max, char **out, size_t *len);

/* ---- XML (policy-xml.c) ---- */

struct xml_attr {
	char *name, *value;
};

struct xml_node {
	char *name;
	struct xml_attr *attrs;
	unsigned n_attrs;
	char *text; /* the concatenated character data directly inside, entities decoded */
	struct xml_node **children;
	unsigned n_children, cap_children;
	unsigned line, col;
};

#define XML_DEPTH_MAX 64
#define XML_FILE_MAX  (16 * 1024 * 1024)

/*
 * Parses the subset of XML that qubes.xml uses: elements, attributes,
 * character data, the five predefined entities and character references,
 * comments, processing instructions and CDATA. A DOCTYPE is refused (no
 * entity definitions, so no entity expansion). On error returns -EINVAL with
 * *line, *col and why set.
 */
int xml_parse(const char *text, size_t len, struct xml_node **out, unsigned *line, unsigned *col,
	      struct why *why);
void xml_node_free(struct xml_node *n);
DEFINE_FREEP(struct xml_node, xml_node_free)
const char *xml_attr(const struct xml_node *n, const char *name);
/* The first child named name, or NULL. */
const struct xml_node *xml_child(const struct xml_node *n, const char *name);

/* ---- Deciding (policy-quirk.c) ---- */

/* Whether a matching rule's "avoid" removes spec ("kernel:bus" counts as "bus"). */
bool policy_method_avoided(const struct policy_decision *d, const struct reset_method_spec *spec);
