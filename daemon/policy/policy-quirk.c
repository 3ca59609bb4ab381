/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Knowledge about devices, kept apart from preferences. A rule's "avoid"
 * says which methods must never be tried on a device and why ("its PM reset
 * resets nothing: Linux quirk_no_pm_reset"); a rule without "policy" carries
 * only such knowledge and never decides. The winning rule still decides the
 * mode, the order and the timings; the avoided methods of every matching
 * rule are then removed from that order, so an administrator's SBDF rule
 * cannot bring back a method known to hang the device by accident. To
 * override shipped knowledge, mask or replace its file (policy.d drop-ins).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "policy-internal.h"

char *parse_reason_text(struct parse_ctx *c, const char *what, struct json_object *v, size_t off)
{
	const char *s = json_object_get_string(v);
	bool blank = true;
	char *copy;

	for (const char *p = s; *p; p++) {
		/* Reasons end up in the journal: no line breaks or escapes to forge entries. */
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			ERR(c, off, "%s contains a control character", what);
			return NULL;
		}
		if (*p != ' ')
			blank = false;
	}
	if (json_object_get_string_len(v) > (int)POLICY_REASON_MAX) {
		ERR(c, off, "%s is longer than %u bytes", what, POLICY_REASON_MAX);
		return NULL;
	}
	if (blank) {
		ERR(c, off, "%s is empty", what);
		return NULL;
	}
	copy = strdup(s);
	if (!copy)
		c->errors++;
	return copy;
}

/* The names "avoid" accepts: the engine's methods, not "kernel:<method>". */
static const char *const *avoid_names(void)
{
	static const char *names[_RESET_METHOD_MAX];

	for (unsigned i = 0; i < _RESET_METHOD_MAX; i++)
		names[i] = reset_method_name((enum reset_method_id)i);
	return names;
}

static int avoid_method_id(struct parse_ctx *c, const struct jpos_member *m)
{
	enum reset_method_id id = reset_method_from_name(m->key);
	const char *sug;

	if (id >= 0)
		return id;
	if (strncmp(m->key, "kernel:", 7) == 0)
		ERR(c, m->key_off,
		    "'%s' cannot be avoided on its own: avoid 'flr', 'af-flr', 'pm' or 'bus' "
		    "(which "
		    "also removes the kernel's method of that name), or 'kernel' for all of them",
		    m->key);
	else if ((sug = policy_suggest(m->key, avoid_names(), _RESET_METHOD_MAX)))
		ERR(c, m->key_off, "unknown reset method '%s' in 'avoid'; did you mean '%s'?",
		    m->key, sug);
	else
		ERR(c, m->key_off,
		    "unknown reset method '%s' in 'avoid' (expected flr, af-flr, pm, bus, kernel "
		    "or "
		    "pciback)",
		    m->key);
	return -EINVAL;
}

void parse_avoid(struct parse_ctx *c, struct json_object *v, const struct jpos *pos,
		 struct policy_rule *r)
{
	if (!json_object_is_type(v, json_type_object)) {
		ERR(c, pos->off,
		    "'avoid' must be an object mapping each avoided method to the reason, got %s",
		    json_type_label(v));
		return;
	}
	if (pos->n == 0) {
		ERR(c, pos->off, "'avoid' is empty; leave it out when no method is avoided");
		return;
	}
	for (unsigned i = 0; i < pos->n; i++) {
		const struct jpos_member *m = &pos->members[i];
		struct json_object *reason;
		char what[64];
		int id;

		if (jpos_member(pos, m->key) != m) {
			ERR(c, m->key_off, "duplicate key '%s'", m->key);
			continue;
		}
		id = avoid_method_id(c, m);
		if (id < 0 || !json_object_object_get_ex(v, m->key, &reason))
			continue;
		if (!json_object_is_type(reason, json_type_string)) {
			ERR(c, m->value.off,
			    "avoid '%s' needs a reason string (the quirk or report it comes from), "
			    "got %s",
			    m->key, json_type_label(reason));
			continue;
		}
		snprintf(what, sizeof(what), "the reason for avoiding '%s'", m->key);
		r->avoid[id].reason = parse_reason_text(c, what, reason, m->value.off);
		parse_linecol(c, m->key_off, &r->avoid[id].line, &r->avoid[id].col);
	}
}

void check_rule_knowledge(struct parse_ctx *c, const struct jpos *pos, struct policy_rule *r)
{
	static const char *const decides[] = {"methods", "ready-timeout-ms",
					      "allow-request-weaken"};
	const struct jpos_member *jm;

	if (r->knowledge) {
		for (unsigned i = 0; i < ELEMENTSOF(decides); i++)
			if ((jm = jpos_member(pos, decides[i])))
				ERR(c, jm->key_off,
				    "'%s' needs 'policy': a rule without 'policy' only records "
				    "knowledge ('avoid', 'extra-delay-ms')",
				    decides[i]);
		if ((jm = jpos_member(pos, "extra-delay-ms")) && !jpos_member(pos, "reason"))
			ERR(c, jm->key_off,
			    "a rule without 'policy' that sets 'extra-delay-ms' needs a 'reason' "
			    "naming where that knowledge comes from");
		return;
	}
	jm = jpos_member(pos, "methods");
	if (!jm || jm->value.n != r->n_methods)
		return;
	for (unsigned i = 0; i < r->n_methods; i++) {
		const struct policy_avoid *a = &r->avoid[r->methods[i].id];
		char m[48];

		if (a->reason)
			WARN(c, jm->value.items[i].off,
			     "method '%s' is avoided by this rule (%u:%u) and will never be tried",
			     reset_method_spec_format(&r->methods[i], m, sizeof(m)), a->line,
			     a->col);
	}
}

/* ---- Deciding ---- */

/* The kernel's reset_method name each avoidable engine method shares ("kernel:af_flr"). */
static const char *kernel_twin(enum reset_method_id id)
{
	switch (id) {
	case RESET_FLR:
		return "flr";
	case RESET_AF_FLR:
		return "af_flr";
	case RESET_PM:
		return "pm";
	case RESET_BUS:
		return "bus";
	default:
		return NULL;
	}
}

/*
 * The avoid entry that removes spec, or NULL; *rule is its rule. "kernel:bus"
 * is a bus reset as much as "bus" is, so avoiding "bus" removes both.
 */
static const struct policy_avoid *avoided_by(const struct policy_decision *d,
					     const struct reset_method_spec *spec,
					     const struct policy_rule **rule)
{
	enum reset_method_id id = spec->id;

	if (!d->avoided[id] && spec->id == RESET_KERNEL && spec->kernel_method[0])
		for (unsigned i = 0; i < _RESET_METHOD_MAX; i++) {
			const char *twin = kernel_twin((enum reset_method_id)i);

			if (d->avoided[i] && twin && streq(twin, spec->kernel_method))
				id = (enum reset_method_id)i;
		}
	*rule = d->avoided[id];
	return *rule ? &(*rule)->avoid[id] : NULL;
}

/* Among the matching rules that avoid a method, the one the precedence would pick. */
static void collect(const struct policy *p, const struct pci_dev_info *info,
		    struct policy_decision *d)
{
	enum policy_specificity spec[_RESET_METHOD_MAX] = {0};

	struct policy_cursor c;
	const struct policy_rule *r;

	policy_cursor_init(&c, p, true, info->vendor, true, info->device);
	while ((r = policy_cursor_next(&c))) {
		enum policy_specificity s = policy_match_specificity(&r->match);

		if (!policy_match_device(&r->match, info, NULL))
			continue;
		for (unsigned m = 0; m < _RESET_METHOD_MAX; m++)
			if (r->avoid[m].reason && (!d->avoided[m] || s >= spec[m])) {
				d->avoided[m] = r;
				spec[m] = s;
			}
		if (r->knowledge && r->has_extra_delay && r->extra_delay_ms > d->extra_delay_ms) {
			d->extra_delay_ms = r->extra_delay_ms;
			d->delay_rule = r;
		}
	}
}

/*
 * "no reset method left to try: …: bus, kernel:bus (file:4: reason); pm (…)":
 * methods one avoid entry removed are named together, and files by their
 * name (unambiguous: a name is one file, /etc's replacing /usr/lib's), so
 * that the message keeps the reasons wherever the files live.
 */
static void say_no_method(struct policy_decision *d, const struct reset_method_spec *order,
			  unsigned n)
{
	char *w = d->no_method_why;
	size_t size = sizeof(d->no_method_why), len;

	snprintf(w, size, "no reset method left to try: every method is avoided as known broken");
	for (unsigned i = 0; i < n; i++) {
		const struct policy_rule *r, *rn = NULL;
		const struct policy_avoid *a = avoided_by(d, &order[i], &r), *an = NULL;
		char m[48];

		if (i + 1 < n)
			an = avoided_by(d, &order[i + 1], &rn);
		len = strlen(w);
		snprintf(w + len, size - len, "%s%s", i == 0 ? ": " : "",
			 reset_method_spec_format(&order[i], m, sizeof(m)));
		len = strlen(w);
		if (an == a && rn == r)
			snprintf(w + len, size - len, ", ");
		else
			snprintf(w + len, size - len, " (%s:%u: %s)%s",
				 strrchr(r->file, '/') ? strrchr(r->file, '/') + 1 : r->file,
				 a->line, a->reason, i + 1 < n ? "; " : "");
	}
}

void policy_apply_knowledge(const struct policy *p, const struct pci_dev_info *info,
			    struct policy_decision *d)
{
	const struct reset_method_spec *order =
	    d->automatic_order ? reset_method_default_order : d->methods;
	unsigned n = d->automatic_order ? ELEMENTSOF(reset_method_default_order) : d->n_methods;
	struct reset_method_spec kept[POLICY_METHODS_MAX], all[POLICY_METHODS_MAX];
	unsigned n_kept = 0;

	collect(p, info, d);
	for (unsigned i = 0; i < n; i++) {
		const struct policy_rule *r;

		all[i] = order[i];
		if (!avoided_by(d, &order[i], &r))
			kept[n_kept++] = order[i];
	}
	if (n_kept == n)
		return;
	memcpy(d->methods, kept, n_kept * sizeof(*kept));
	d->n_methods = n_kept;
	if (n_kept == 0) {
		d->no_method = true;
		say_no_method(d, all, n);
	}
}

bool policy_method_avoided(const struct policy_decision *d, const struct reset_method_spec *spec)
{
	const struct policy_rule *r;

	return avoided_by(d, spec, &r) != NULL;
}
