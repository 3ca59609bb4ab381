/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-request options, as Qubes stores them per assignment ("qvm-pci attach
 * -o no-strict-reset=True"), and "strict-reset" for a toolstack that wants
 * strict handling. A request may ask for strict instead of lenient; it may
 * ask for a weaker policy only when the matching rule says so, because
 * the toolstack that sends the request is not the administrator who owns the
 * policy, and a skipped reset hands the previous VM's device state to the
 * next one. No request turns a skip into a reset: a skip rule says that
 * resetting the device does harm (docs/policy.md, "Requests"). Where no rule
 * decides (the built-in default), nobody has said otherwise and the
 * request's option is the administrator's choice: the default allows
 * weakening (policy-match.c), and the note names it.
 */
#include <errno.h>
#include <strings.h>

#include "policy-internal.h"

static const struct {
	const char *name;
	enum policy_mode mode;
} request_options[] = {
    {"strict-reset", POLICY_STRICT},
    {"no-strict-reset", POLICY_LENIENT},
    {"no-reset", POLICY_SKIP},
};

static int parse_bool(const char *v)
{
	static const char *const yes[] = {"true", "yes", "1", "on"};
	static const char *const no[] = {"false", "no", "0", "off"};

	for (unsigned i = 0; i < ELEMENTSOF(yes); i++)
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
	for (unsigned i = 0; i < ELEMENTSOF(no); i++)
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	return -EINVAL;
}

int policy_request_add_option(struct policy_request *req, const char *option, struct why *why)
{
	const char *eq = strchr(option, '=');
	size_t nlen = eq ? (size_t)(eq - option) : strlen(option);
	const char *names[ELEMENTSOF(request_options)], *sug;
	char name[64];
	int on = 1;

	snprintf(name, sizeof(name), "%.*s", (int)(nlen < sizeof(name) ? nlen : sizeof(name) - 1),
		 option);
	if (eq) {
		on = parse_bool(eq + 1);
		if (on < 0)
			return why_err(why, -EINVAL, "option '%s': value '%s' is not True or False",
				       name, eq + 1);
	}
	for (unsigned i = 0; i < ELEMENTSOF(request_options); i++) {
		names[i] = request_options[i].name;
		if (!streq(name, request_options[i].name))
			continue;
		if (!on)
			return 0; /* "no-strict-reset=False" asks for nothing */
		/* With both options the weaker one is what was asked for. */
		if (!req->has_mode || request_options[i].mode > req->mode)
			req->mode = request_options[i].mode;
		req->has_mode = true;
		return 0;
	}
	sug = policy_suggest(name, names, ELEMENTSOF(names));
	if (sug)
		return why_err(why, -EINVAL, "unknown option '%s'; did you mean '%s'?", name, sug);
	return why_err(why, -EINVAL,
		       "unknown option '%s' (expected strict-reset, no-strict-reset or no-reset)",
		       name);
}

/* What a request did to the decision, as docs/policy.md's request table names it. */
enum request_effect {
	EFF_NONE,     /* nothing asked, or what the policy already says */
	EFF_STRICTER, /* granted: stricter than the rule */
	EFF_WEAKER,   /* granted: weaker, the rule allows it */
	EFF_REFUSED,  /* weaker, the rule does not allow it: the rule's mode stays */
	EFF_VETOED,   /* the rule says skip: no request makes it an attempt */
};

/*
 * The whole decision, [rule mode][request][allow-request-weaken], request
 * 0 = no option, else 1 + the mode asked for. docs/policy.md prints this
 * table and tests/policy/test-request.c checks that the two agree.
 */
static const struct {
	enum policy_mode mode;
	enum request_effect effect;
} request_table[_POLICY_MODE_MAX][1 + _POLICY_MODE_MAX][2] = {
    [POLICY_STRICT] =
	{
	    {{POLICY_STRICT, EFF_NONE}, {POLICY_STRICT, EFF_NONE}},
	    {{POLICY_STRICT, EFF_NONE}, {POLICY_STRICT, EFF_NONE}},
	    {{POLICY_STRICT, EFF_REFUSED}, {POLICY_LENIENT, EFF_WEAKER}},
	    {{POLICY_STRICT, EFF_REFUSED}, {POLICY_SKIP, EFF_WEAKER}},
	},
    [POLICY_LENIENT] =
	{
	    {{POLICY_LENIENT, EFF_NONE}, {POLICY_LENIENT, EFF_NONE}},
	    {{POLICY_STRICT, EFF_STRICTER}, {POLICY_STRICT, EFF_STRICTER}},
	    {{POLICY_LENIENT, EFF_NONE}, {POLICY_LENIENT, EFF_NONE}},
	    {{POLICY_LENIENT, EFF_REFUSED}, {POLICY_SKIP, EFF_WEAKER}},
	},
    [POLICY_SKIP] =
	{
	    {{POLICY_SKIP, EFF_NONE}, {POLICY_SKIP, EFF_NONE}},
	    {{POLICY_SKIP, EFF_VETOED}, {POLICY_SKIP, EFF_VETOED}},
	    {{POLICY_SKIP, EFF_VETOED}, {POLICY_SKIP, EFF_VETOED}},
	    {{POLICY_SKIP, EFF_NONE}, {POLICY_SKIP, EFF_NONE}},
	},
};

void policy_apply_request(struct policy_decision *d, const struct policy_request *req)
{
	enum policy_mode was = d->mode;
	unsigned asked = req && req->has_mode ? 1 + (unsigned)req->mode : 0;

	d->request_applied = false;
	d->request_refused = false;
	d->request_note[0] = '\0';
	if (was >= _POLICY_MODE_MAX || asked > _POLICY_MODE_MAX)
		return;
	d->mode = request_table[was][asked][d->allow_request_weaken].mode;
	switch (request_table[was][asked][d->allow_request_weaken].effect) {
	case EFF_NONE:
		break;
	case EFF_STRICTER:
		d->request_applied = true;
		snprintf(d->request_note, sizeof(d->request_note),
			 "request made the policy stricter: %s instead of %s",
			 policy_mode_name(d->mode), policy_mode_name(was));
		break;
	case EFF_WEAKER:
		d->request_applied = true;
		if (d->rule)
			snprintf(
			    d->request_note, sizeof(d->request_note),
			    "request weakened the policy to %s (allowed by the rule at %.200s)",
			    policy_mode_name(d->mode), d->origin);
		else
			snprintf(
			    d->request_note, sizeof(d->request_note),
			    "request weakened the policy to %s (allowed by the built-in default: "
			    "no rule with a policy matches this device)",
			    policy_mode_name(d->mode));
		break;
	case EFF_REFUSED:
		d->request_refused = true;
		snprintf(d->request_note, sizeof(d->request_note),
			 "request for %s refused: the policy for this device is %s (%.200s) and "
			 "does not set allow-request-weaken",
			 policy_mode_name(req->mode), policy_mode_name(was), d->origin);
		break;
	case EFF_VETOED:
		d->request_refused = true;
		snprintf(d->request_note, sizeof(d->request_note),
			 "request for %s refused: the policy for this device is skip (%.200s), "
			 "and no request turns skip into a reset",
			 policy_mode_name(req->mode), d->origin);
		break;
	}
}
