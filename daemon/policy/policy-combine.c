/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One decision for a reset of several functions (all functions of a
 * multi-function device, reset together). Each function is decided on its
 * own; then whatever any function's policy forbids is forbidden for the
 * whole reset, because the reset touches every one of them:
 *
 *   - a skip on any function skips the reset (skip is a veto);
 *   - otherwise strict on any function makes it strict (its attach must fail
 *     when the reset fails), else lenient;
 *   - a method is tried only when every function allows it: each function's
 *     "avoid" and each explicit "methods" list applies;
 *   - the longest extra delay and ready timeout apply, and a request may
 *     weaken only when every function's rule allows it.
 *
 * Ties (whose rule is named, whose order is used) go to the lowest address,
 * so the decision never depends on the order the addresses came in.
 */
#include <stdlib.h>

#include "policy-internal.h"

static bool same_spec(const struct reset_method_spec *a, const struct reset_method_spec *b)
{
	return a->id == b->id &&
	       (a->id != RESET_KERNEL || streq(a->kernel_method, b->kernel_method));
}

/* Whether function d's policy lets the reset use spec. */
static bool allows(const struct policy_decision *d, const struct reset_method_spec *spec)
{
	if (d->no_method)
		return false;
	if (d->automatic_order)
		return !policy_method_avoided(d, spec);
	for (unsigned i = 0; i < d->n_methods; i++)
		if (same_spec(&d->methods[i], spec))
			return true;
	return false;
}

static void say_no_common_method(struct policy_decision *out, const struct policy_decision *d,
				 const struct pci_dev_info *info, const unsigned *by_addr,
				 unsigned n)
{
	char *w = out->no_method_why, s[PCIRST_SBDF_STRLEN], m[48];
	size_t size = sizeof(out->no_method_why), len;

	/* A function with nothing left on its own says why itself. */
	for (unsigned k = 0; k < n; k++)
		if (d[by_addr[k]].no_method) {
			snprintf(w, size, "%s: %s", pcirst_sbdf_format(&info[by_addr[k]].sbdf, s),
				 d[by_addr[k]].no_method_why);
			return;
		}
	snprintf(w, size, "no reset method is allowed for every function of the request");
	for (unsigned k = 0; k < n; k++) {
		const struct policy_decision *x = &d[by_addr[k]];

		len = strlen(w);
		snprintf(w + len, size - len, "%s%s allows ", k ? "; " : ": ",
			 pcirst_sbdf_format(&info[by_addr[k]].sbdf, s));
		if (x->automatic_order) {
			len = strlen(w);
			snprintf(w + len, size - len, "any method not avoided");
		}
		for (unsigned i = 0; !x->automatic_order && i < x->n_methods; i++) {
			len = strlen(w);
			snprintf(w + len, size - len, "%s%s", i ? ", " : "",
				 reset_method_spec_format(&x->methods[i], m, sizeof(m)));
		}
		len = strlen(w);
		snprintf(w + len, size - len, " (%s)", x->origin);
	}
}

/* The methods every function allows, in the order of the first function that names one. */
static void common_methods(struct policy_decision *out, const struct policy_decision *d,
			   const struct pci_dev_info *info, const unsigned *by_addr, unsigned n)
{
	const struct reset_method_spec *order = reset_method_default_order;
	unsigned n_order = ELEMENTSOF(reset_method_default_order), n_kept = 0;
	struct reset_method_spec kept[POLICY_METHODS_MAX];
	bool all_automatic = true, filtered = false;

	for (unsigned k = 0; k < n; k++) {
		const struct policy_decision *x = &d[by_addr[k]];

		if (!x->automatic_order && !x->no_method) {
			order = x->methods;
			n_order = x->n_methods;
			all_automatic = false;
			break;
		}
	}
	for (unsigned i = 0; i < n_order; i++) {
		bool ok = true;

		for (unsigned j = 0; j < n && ok; j++)
			ok = allows(&d[j], &order[i]);
		if (ok)
			kept[n_kept++] = order[i];
		else
			filtered = true;
	}
	out->automatic_order = all_automatic;
	out->no_method = n_kept == 0;
	if (out->no_method) {
		out->n_methods = 0;
		say_no_common_method(out, d, info, by_addr, n);
		return;
	}
	/* 0: the automatic order, when nobody named methods and nothing was removed. */
	out->n_methods = all_automatic && !filtered ? 0 : n_kept;
	memcpy(out->methods, kept, n_kept * sizeof(*kept));
}

static int cmp_addr(const void *a, const void *b, void *arg)
{
	const struct pci_dev_info *info = arg;

	return pcirst_sbdf_cmp(&info[*(const unsigned *)a].sbdf, &info[*(const unsigned *)b].sbdf);
}

int policy_decide_targets(const struct policy *p, const struct pci_dev_info *info, unsigned n,
			  struct policy_decision *out)
{
	_cleanup_(freep) struct policy_decision *d = NULL;
	unsigned by_addr[POLICY_TARGETS_MAX], decider = 0;
	enum policy_mode mode = POLICY_LENIENT;
	uint32_t default_ready = 0;
	bool any_default_ready = false;

	if (n == 0 || n > POLICY_TARGETS_MAX)
		return -EINVAL;
	d = calloc(n, sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		policy_decide(p, &info[i], &d[i]);
		by_addr[i] = i;
	}
	qsort_r(by_addr, n, sizeof(by_addr[0]), cmp_addr, (void *)info);

	/* skip beats strict beats lenient; the lowest address with that mode is named. */
	for (unsigned k = 0; k < n; k++)
		if (d[by_addr[k]].mode == POLICY_SKIP ||
		    (mode != POLICY_SKIP && d[by_addr[k]].mode == POLICY_STRICT))
			mode = d[by_addr[k]].mode;
	for (unsigned k = n; k-- > 0;)
		if (d[by_addr[k]].mode == mode)
			decider = by_addr[k];
	*out = d[decider];
	out->mode = mode;

	common_methods(out, d, info, by_addr, n);
	for (unsigned m = 0; m < _RESET_METHOD_MAX; m++)
		for (unsigned k = n; k-- > 0;)
			if (d[by_addr[k]].avoided[m])
				out->avoided[m] = d[by_addr[k]].avoided[m];
	out->extra_delay_ms = 0;
	out->delay_rule = NULL;
	out->ready_timeout_ms = 0;
	out->allow_request_weaken = true;
	for (unsigned k = 0; k < n; k++) {
		const struct policy_decision *x = &d[by_addr[k]];

		if (x->extra_delay_ms > out->extra_delay_ms) {
			out->extra_delay_ms = x->extra_delay_ms;
			out->delay_rule = x->delay_rule;
		}
		if (x->ready_timeout_ms > out->ready_timeout_ms)
			out->ready_timeout_ms = x->ready_timeout_ms;
		any_default_ready |= x->ready_timeout_ms == 0;
		out->allow_request_weaken &= x->allow_request_weaken;
	}
	/* A function without a ready-timeout gets the engine's default at least. */
	default_ready = POLICY_READY_TIMEOUT_DEFAULT_MS;
	if (any_default_ready && out->ready_timeout_ms < default_ready)
		out->ready_timeout_ms = 0;
	return 0;
}
