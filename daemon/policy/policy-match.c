/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The matcher: the most specific matching rule decides (SBDF > vendor +
 * device + subsystem > vendor + device > vendor > class > built-in default);
 * among rules of equal specificity the later one in load order wins, which
 * is also what lets an /etc file refine a vendor default without editing it.
 */
#include <errno.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "policy-internal.h"

enum policy_specificity policy_match_specificity(const struct policy_match *m)
{
	if (m->has_sbdf)
		return POLICY_SPEC_SBDF;
	if (m->has_subsys)
		return POLICY_SPEC_IDS_SUBSYS;
	if (m->has_device)
		return POLICY_SPEC_IDS;
	if (m->has_vendor)
		return POLICY_SPEC_VENDOR;
	if (m->has_class)
		return POLICY_SPEC_CLASS;
	return POLICY_SPEC_DEFAULT;
}

bool policy_match_device(const struct policy_match *m, const struct pci_dev_info *info,
			 struct why *why)
{
	char a[PCIRST_SBDF_STRLEN], b[PCIRST_SBDF_STRLEN];

	if (m->has_sbdf && pcirst_sbdf_cmp(&m->sbdf, &info->sbdf) != 0) {
		why_set(why, "address %s is not %s", pcirst_sbdf_format(&info->sbdf, a),
			pcirst_sbdf_format(&m->sbdf, b));
		return false;
	}
	if (m->has_vendor && m->vendor != info->vendor) {
		why_set(why, "vendor 0x%04x is not 0x%04x", info->vendor, m->vendor);
		return false;
	}
	if (m->has_device && m->device != info->device) {
		why_set(why, "device 0x%04x is not 0x%04x", info->device, m->device);
		return false;
	}
	if (m->has_subsys &&
	    (m->subsys_vendor != info->subsys_vendor || m->subsys_device != info->subsys_device)) {
		why_set(why, "subsystem %04x:%04x is not %04x:%04x", info->subsys_vendor,
			info->subsys_device, m->subsys_vendor, m->subsys_device);
		return false;
	}
	if (m->has_class && (info->class_code & m->class_mask) != m->class_code) {
		why_set(why, "class 0x%06x masked with 0x%06x is not 0x%06x",
			(unsigned)info->class_code, (unsigned)m->class_mask,
			(unsigned)m->class_code);
		return false;
	}
	return true;
}

static void decision_from_rule(const struct policy_rule *r, struct policy_decision *d)
{
	*d = (struct policy_decision){.mode = POLICY_STRICT, .automatic_order = true};
	if (!r) {
		/*
		 * No rule with a policy matches: nobody decided for this device,
		 * so the toolstack's per-device option (xl reset=, libvirt
		 * resetPolicy, Qubes no-strict-reset) is the administrator's
		 * explicit choice and may weaken the default. Any rule, even a
		 * catch-all one, takes this back (docs/policy.md, "Requests").
		 */
		d->allow_request_weaken = true;
		snprintf(d->origin, sizeof(d->origin), "built-in default");
		return;
	}
	d->rule = r;
	d->mode = r->mode;
	d->n_methods = r->n_methods;
	d->automatic_order = r->n_methods == 0;
	for (unsigned i = 0; i < r->n_methods; i++)
		d->methods[i] = r->methods[i];
	d->extra_delay_ms = r->has_extra_delay ? r->extra_delay_ms : 0;
	d->ready_timeout_ms = r->has_ready_timeout ? r->ready_timeout_ms : 0;
	d->allow_request_weaken = r->allow_request_weaken;
	snprintf(d->origin, sizeof(d->origin), "%s:%u:%u", r->file, r->line, r->col);
}

static const struct policy_rule *winner(const struct policy *p, const struct pci_dev_info *info)
{
	const struct policy_rule *best = NULL;
	enum policy_specificity best_s = POLICY_SPEC_DEFAULT;

	struct policy_cursor c;
	const struct policy_rule *r;

	policy_cursor_init(&c, p, true, info->vendor, true, info->device);
	while ((r = policy_cursor_next(&c))) {
		enum policy_specificity s = policy_match_specificity(&r->match);

		/* ">=": among equals the later rule wins. Knowledge never decides. */
		if (!r->knowledge && policy_match_device(&r->match, info, NULL) &&
		    (!best || s >= best_s)) {
			best = r;
			best_s = s;
		}
	}
	return best;
}

void policy_decide(const struct policy *p, const struct pci_dev_info *info,
		   struct policy_decision *out)
{
	decision_from_rule(winner(p, info), out);
	policy_apply_knowledge(p, info, out);
}

const char *policy_candidate_result_name(enum policy_candidate_result r)
{
	switch (r) {
	case POLICY_CAND_WON:
		return "won";
	case POLICY_CAND_NO_MATCH:
		return "no-match";
	case POLICY_CAND_LESS_SPECIFIC:
		return "less-specific";
	case POLICY_CAND_OVERRIDDEN:
		return "overridden";
	case POLICY_CAND_KNOWLEDGE:
		return "knowledge";
	}
	return "invalid";
}

int policy_explain(const struct policy *p, const struct pci_dev_info *info,
		   struct policy_decision *decision, struct policy_candidate **out, unsigned *n)
{
	const struct policy_rule *w = winner(p, info);
	struct policy_candidate *v = NULL;
	unsigned nr = p ? p->n_rules : 0;

	decision_from_rule(w, decision);
	policy_apply_knowledge(p, info, decision);
	if (nr) {
		v = calloc(nr, sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	for (unsigned i = 0; i < nr; i++) {
		const struct policy_rule *r = &p->rules[i];
		struct why why = {""};
		struct policy_candidate *c = &v[i];

		c->rule = r;
		if (r == w) {
			c->result = POLICY_CAND_WON;
			snprintf(c->why, sizeof(c->why), "most specific matching rule (%s)",
				 policy_specificity_name(policy_match_specificity(&r->match)));
		} else if (!policy_match_device(&r->match, info, &why)) {
			c->result = POLICY_CAND_NO_MATCH;
			snprintf(c->why, sizeof(c->why), "does not match: %.280s", why.msg);
		} else if (r->knowledge) {
			c->result = POLICY_CAND_KNOWLEDGE;
			snprintf(c->why, sizeof(c->why),
				 "matches; records knowledge only (avoided methods, extra delay)");
		} else if (policy_match_specificity(&r->match) <
			   policy_match_specificity(&w->match)) {
			c->result = POLICY_CAND_LESS_SPECIFIC;
			snprintf(c->why, sizeof(c->why), "matches, but %s is less specific than %s",
				 policy_specificity_name(policy_match_specificity(&r->match)),
				 policy_specificity_name(policy_match_specificity(&w->match)));
		} else {
			c->result = POLICY_CAND_OVERRIDDEN;
			snprintf(c->why, sizeof(c->why),
				 "matches with equal specificity; the later rule at %s:%u:%u wins",
				 w->file, w->line, w->col);
		}
	}
	*out = v;
	*n = nr;
	return 0;
}

static struct json_object *avoided_json(const struct policy_decision *d)
{
	struct json_object *o = json_object_new_object();
	char origin[WHY_MAX];

	for (unsigned i = 0; o && i < _RESET_METHOD_MAX; i++) {
		const struct policy_rule *r = d->avoided[i];
		struct json_object *e;

		if (!r)
			continue;
		e = json_object_new_object();
		snprintf(origin, sizeof(origin), "%s:%u:%u", r->file, r->avoid[i].line,
			 r->avoid[i].col);
		json_object_object_add(e, "reason", json_object_new_string(r->avoid[i].reason));
		json_object_object_add(e, "origin", json_object_new_string(origin));
		json_object_object_add(o, reset_method_name((enum reset_method_id)i), e);
	}
	return o;
}

int policy_decision_to_json(const struct policy_decision *d, struct json_object **out)
{
	struct json_object *o = json_object_new_object(), *m = json_object_new_array();
	const struct reset_method_spec *methods =
	    d->n_methods || d->no_method ? d->methods : reset_method_default_order;
	unsigned n =
	    d->n_methods || d->no_method ? d->n_methods : ELEMENTSOF(reset_method_default_order);
	char buf[48];

	if (!o || !m) {
		json_object_put(o);
		json_object_put(m);
		return -ENOMEM;
	}
	json_object_object_add(o, "policy", json_object_new_string(policy_mode_name(d->mode)));
	for (unsigned i = 0; i < n; i++)
		json_object_array_add(m, json_object_new_string(reset_method_spec_format(
					     &methods[i], buf, sizeof(buf))));
	json_object_object_add(o, "methods", m);
	json_object_object_add(o, "automatic-order", json_object_new_boolean(d->automatic_order));
	json_object_object_add(o, "avoided", avoided_json(d));
	json_object_object_add(o, "no-method",
			       d->no_method ? json_object_new_string(d->no_method_why) : NULL);
	json_object_object_add(o, "extra-delay-ms", json_object_new_int64(d->extra_delay_ms));
	if (d->delay_rule) {
		char origin[WHY_MAX];

		snprintf(origin, sizeof(origin), "%s:%u:%u", d->delay_rule->file,
			 d->delay_rule->line, d->delay_rule->col);
		json_object_object_add(o, "extra-delay-origin", json_object_new_string(origin));
	}
	json_object_object_add(o, "ready-timeout-ms",
			       d->ready_timeout_ms ? json_object_new_int64(d->ready_timeout_ms)
						   : NULL);
	json_object_object_add(o, "allow-request-weaken",
			       json_object_new_boolean(d->allow_request_weaken));
	json_object_object_add(o, "reason",
			       d->rule && d->rule->reason ? json_object_new_string(d->rule->reason)
							  : NULL);
	json_object_object_add(o, "origin", json_object_new_string(d->origin));
	if (d->request_applied || d->request_refused)
		json_object_object_add(o, "request", json_object_new_string(d->request_note));
	json_object_object_add(o, "request-refused", json_object_new_boolean(d->request_refused));
	*out = o;
	return 0;
}

/* ---- Overlap warnings for "check" ---- */

/* Whether some device could match both rules, given they have the same specificity. */
static bool may_overlap(const struct policy_match *a, const struct policy_match *b)
{
	if (a->has_sbdf && b->has_sbdf && pcirst_sbdf_cmp(&a->sbdf, &b->sbdf) != 0)
		return false;
	if (a->has_vendor && b->has_vendor && a->vendor != b->vendor)
		return false;
	if (a->has_device && b->has_device && a->device != b->device)
		return false;
	if (a->has_subsys && b->has_subsys &&
	    (a->subsys_vendor != b->subsys_vendor || a->subsys_device != b->subsys_device))
		return false;
	if (a->has_class && b->has_class &&
	    ((a->class_code ^ b->class_code) & a->class_mask & b->class_mask))
		return false;
	return true;
}

static bool same_match(const struct policy_match *a, const struct policy_match *b)
{
	return a->has_sbdf == b->has_sbdf && a->has_vendor == b->has_vendor &&
	       a->has_device == b->has_device && a->has_subsys == b->has_subsys &&
	       a->has_class == b->has_class && may_overlap(a, b) &&
	       (!a->has_class ||
		(a->class_mask == b->class_mask && a->class_code == b->class_code));
}

void policy_check_overlaps(const struct policy *p, struct policy_diags *diags)
{
	for (unsigned j = 0; j < p->n_rules; j++) {
		const struct policy_rule *later = &p->rules[j];
		enum policy_specificity s = policy_match_specificity(&later->match);

		/* Knowledge accumulates instead of competing: nothing to warn about. */
		if (later->knowledge)
			continue;
		/*
		 * Only the nearest earlier rule: one warning per rule, however many
		 * overlap. The candidates come in load order: the last one before j.
		 */
		const struct policy_rule *r = NULL, *cand;
		struct policy_cursor c;

		policy_cursor_init(&c, p, later->match.has_vendor, later->match.vendor,
				   later->match.has_device, later->match.device);
		while ((cand = policy_cursor_next(&c)) && cand->index < j)
			if (!cand->knowledge && policy_match_specificity(&cand->match) == s &&
			    may_overlap(&cand->match, &later->match))
				r = cand;
		if (r) {
			if (same_match(&r->match, &later->match))
				policy_diag_add(diags, POLICY_WARNING, later->file, later->line,
						later->col,
						"duplicate match: this rule replaces the rule at "
						"%s:%u:%u (equal specificity, the later rule wins)",
						r->file, r->line, r->col);
			else
				policy_diag_add(
				    diags, POLICY_WARNING, later->file, later->line, later->col,
				    "overlaps the rule at %s:%u:%u with equal specificity; "
				    "where both match, this later rule wins",
				    r->file, r->line, r->col);
		}
	}
}
