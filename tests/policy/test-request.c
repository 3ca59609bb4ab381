/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Request options (strict-reset, qvm-pci's no-strict-reset, and no-reset): a
 * request may make lenient strict, weaken only where the rule allows it, and
 * never turn a skip into a reset; a refused request keeps the policy and
 * says why. docs/policy.md's request table is checked row by row against
 * the code.
 */
#include "policy-test.h"

struct weaken_case {
	enum policy_mode rule;
	bool allow;
	const char *option; /* NULL: a request without options */
	enum policy_mode want;
	bool refused, applied;
};

static const struct weaken_case weaken[] = {
    /* No option: the rule stands. */
    {POLICY_STRICT, false, NULL, POLICY_STRICT, false, false},
    {POLICY_SKIP, false, NULL, POLICY_SKIP, false, false},
    /* Weakening without permission: refused, the rule stands. */
    {POLICY_STRICT, false, "no-strict-reset", POLICY_STRICT, true, false},
    {POLICY_STRICT, false, "no-reset=True", POLICY_STRICT, true, false},
    {POLICY_LENIENT, false, "no-reset", POLICY_LENIENT, true, false},
    /* Weakening with permission. */
    {POLICY_STRICT, true, "no-strict-reset=True", POLICY_LENIENT, false, true},
    {POLICY_STRICT, true, "no-reset", POLICY_SKIP, false, true},
    {POLICY_LENIENT, true, "no-reset=yes", POLICY_SKIP, false, true},
    /* Equal: nothing to do. */
    {POLICY_LENIENT, false, "no-strict-reset", POLICY_LENIENT, false, false},
    {POLICY_SKIP, false, "no-reset", POLICY_SKIP, false, false},
    /* Stricter between lenient and strict is granted, with or without permission. */
    {POLICY_LENIENT, false, "strict-reset", POLICY_STRICT, false, true},
    {POLICY_LENIENT, true, "strict-reset=yes", POLICY_STRICT, false, true},
    /* Skip is a veto: no request makes it an attempt (it once made it lenient). */
    {POLICY_SKIP, false, "no-strict-reset", POLICY_SKIP, true, false},
    {POLICY_SKIP, true, "no-strict-reset", POLICY_SKIP, true, false},
    {POLICY_SKIP, true, "strict-reset", POLICY_SKIP, true, false},
    /* An option set to false asks for nothing. */
    {POLICY_STRICT, true, "no-strict-reset=False", POLICY_STRICT, false, false},
    {POLICY_STRICT, true, "no-reset=0", POLICY_STRICT, false, false},
};

static void test_weaken_table(void **state)
{
	for (size_t i = 0; i < ELEMENTSOF(weaken); i++) {
		const struct weaken_case *c = &weaken[i];
		struct policy_rule rule = {.mode = c->rule,
					   .allow_request_weaken = c->allow,
					   .file = "t.json",
					   .line = 3,
					   .col = 5};
		struct policy_request req = {0};
		struct policy_decision d = {
		    .mode = c->rule, .rule = &rule, .allow_request_weaken = c->allow};
		struct why why = {""};

		snprintf(d.origin, sizeof(d.origin), "t.json:3:5");
		if (c->option)
			assert_int_equal(policy_request_add_option(&req, c->option, &why), 0);
		policy_apply_request(&d, &req);
		if (d.mode != c->want || d.request_refused != c->refused ||
		    d.request_applied != c->applied)
			print_error("case %zu: mode %d refused %d applied %d\n", i, d.mode,
				    d.request_refused, d.request_applied);
		assert_int_equal(d.mode, c->want);
		assert_int_equal(d.request_refused, c->refused);
		assert_int_equal(d.request_applied, c->applied);
		/* Whatever happened to a request is reported. */
		assert_int_equal(d.request_note[0] != '\0', c->refused || c->applied);
	}
}

static int mode_of(const char *word)
{
	int m = policy_mode_from_name(word);

	if (m < 0)
		fail_msg("docs/policy.md request table: '%s' is not a mode", word);
	return m;
}

/* One row of docs/policy.md's request table, checked against policy_apply_request(). */
static void check_doc_row(char *line, unsigned *seen)
{
	char *cell[5], *save = NULL, *tok;
	unsigned n = 0;
	struct policy_request req = {0};
	struct policy_decision d = {0};
	const char *reported;

	for (tok = strtok_r(line, "|", &save); tok && n < 5; tok = strtok_r(NULL, "|", &save)) {
		while (*tok == ' ')
			tok++;
		for (char *e = tok + strlen(tok); e > tok && (e[-1] == ' ' || e[-1] == '\n');)
			*--e = '\0';
		cell[n++] = tok;
	}
	assert_int_equal(n, 5);
	if (streq(cell[0], "rule") || cell[0][0] == '-')
		return; /* header, separator */
	if (streq(cell[0], "built-in default")) {
		/* The code's own default: a device no rule matches, allow-request-weaken "-". */
		_cleanup_(policy_unrefp) struct policy *p = NULL;
		struct pci_dev_info info = {.vendor = 0x1af4, .device = 0x1041};

		assert_string_equal(cell[2], "-");
		assert_int_equal(policy_new_empty(&p), 0);
		policy_decide(p, &info, &d);
		assert_null(d.rule);
	} else {
		d.mode = (enum policy_mode)mode_of(cell[0]);
		d.allow_request_weaken = streq(cell[2], "true");
		snprintf(d.origin, sizeof(d.origin), "t.json:1:1");
	}
	if (!streq(cell[1], "none"))
		assert_int_equal(policy_request_add_option(&req, cell[1], NULL), 0);
	policy_apply_request(&d, &req);
	reported = d.request_refused ? "refused" : d.request_applied ? "applied" : "nothing";
	if ((int)d.mode != mode_of(cell[3]) || !streq(reported, cell[4]))
		fail_msg(
		    "docs/policy.md row '%s | %s | %s': the code says %s, %s; the table %s, %s",
		    cell[0], cell[1], cell[2], policy_mode_name(d.mode), reported, cell[3],
		    cell[4]);
	(*seen)++;
}

static void test_doc_table(void **state)
{
	char path[4096], line[512];
	unsigned rows = 0;
	bool in = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/../../../docs/policy.md", policy_data_dir());
	f = fopen(path, "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "<!-- request-table -->"))
			in = true;
		else if (strstr(line, "<!-- end request-table -->"))
			in = false;
		else if (in && line[0] == '|')
			check_doc_row(line, &rows);
	}
	fclose(f);
	/*
	 * Every rule mode x request (none + 3 options) x allow, and the built-in
	 * default x request: the table is complete.
	 */
	assert_int_equal(rows,
			 _POLICY_MODE_MAX * (1 + _POLICY_MODE_MAX) * 2 + 1 + _POLICY_MODE_MAX);
}

static void test_refusal_reason(void **state)
{
	struct policy_request req = {0};
	struct policy_decision d = {.mode = POLICY_STRICT};

	snprintf(d.origin, sizeof(d.origin), "/etc/pcirstd/policy.d/50-gpu.json:4:5");
	assert_int_equal(policy_request_add_option(&req, "no-strict-reset", NULL), 0);
	policy_apply_request(&d, &req);
	assert_string_equal(d.request_note,
			    "request for lenient refused: the policy for this device is strict "
			    "(/etc/pcirstd/policy.d/50-gpu.json:4:5) and does not set "
			    "allow-request-weaken");
}

/*
 * No rule with a policy matches: the built-in default lets the request
 * decide (xl reset=skip, Qubes no-strict-reset), and says so. A knowledge
 * rule (avoid only) does not decide; any rule with a policy does, even one
 * that matches every device, and then the rule's allow-request-weaken rules.
 */
static void test_default_allows_weakening(void **state)
{
	static const char knowledge[] = "{\"rules\": [{\"match\": {\"vendor\": \"0x1af4\"},\n"
					"  \"avoid\": {\"pm\": \"t: quirk\"}}]}\n";
	static const char catch_all[] =
	    "{\"rules\": [{\"match\": {\"class\": \"0x000000\", \"class-mask\": \"0x000000\"},\n"
	    "  \"policy\": \"strict\", \"reason\": \"t: every device strict\"}]}\n";
	static const struct {
		const char *doc; /* NULL: no policy file at all */
		const char *option;
		enum policy_mode want;
		bool refused, applied;
	} cases[] = {
	    {NULL, "no-reset", POLICY_SKIP, false, true},
	    {NULL, "no-strict-reset=True", POLICY_LENIENT, false, true},
	    {NULL, "strict-reset", POLICY_STRICT, false, false},
	    {NULL, NULL, POLICY_STRICT, false, false},
	    {knowledge, "no-reset", POLICY_SKIP, false, true},
	    {catch_all, "no-reset", POLICY_STRICT, true, false},
	    {catch_all, "no-strict-reset", POLICY_STRICT, true, false},
	};
	struct pci_dev_info info = {.vendor = 0x1af4, .device = 0x1041, .class_code = 0x020000};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_(policy_unrefp) struct policy *p = NULL;
		struct policy_request req = {0};
		struct policy_decision d;

		if (cases[i].doc)
			assert_int_equal(policy_load_string("t.json", cases[i].doc,
							    strlen(cases[i].doc), NULL, &p),
					 0);
		else
			assert_int_equal(policy_new_empty(&p), 0);
		if (cases[i].option)
			assert_int_equal(policy_request_add_option(&req, cases[i].option, NULL), 0);
		policy_decide(p, &info, &d);
		assert_int_equal(d.rule == NULL, cases[i].doc != catch_all);
		policy_apply_request(&d, &req);
		if (d.mode != cases[i].want || d.request_refused != cases[i].refused ||
		    d.request_applied != cases[i].applied)
			print_error("case %zu: mode %d refused %d applied %d (%s)\n", i, d.mode,
				    d.request_refused, d.request_applied, d.request_note);
		assert_int_equal(d.mode, cases[i].want);
		assert_int_equal(d.request_refused, cases[i].refused);
		assert_int_equal(d.request_applied, cases[i].applied);
		if (cases[i].applied)
			assert_non_null(strstr(d.request_note,
					       "allowed by the built-in default: no "
					       "rule with a policy matches this device"));
		if (cases[i].refused)
			assert_non_null(strstr(d.request_note, "t.json:1:"));
	}
}

static void test_bad_options(void **state)
{
	static const struct {
		const char *option, *why;
	} cases[] = {
	    {"no-strict-rest", "unknown option 'no-strict-rest'; did you mean 'no-strict-reset'?"},
	    {"permissive",
	     "unknown option 'permissive' (expected strict-reset, no-strict-reset or no-reset)"},
	    {"no-reset=maybe", "option 'no-reset': value 'maybe' is not True or False"},
	    {"", "unknown option '' (expected strict-reset, no-strict-reset or no-reset)"},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct policy_request req = {0};
		struct why why = {""};

		assert_int_equal(policy_request_add_option(&req, cases[i].option, &why), -EINVAL);
		assert_string_equal(why.msg, cases[i].why);
		assert_false(req.has_mode);
	}
}

static void test_both_options(void **state)
{
	struct policy_request req = {0};

	/* Both options: the request asks for the weaker, in either order. */
	assert_int_equal(policy_request_add_option(&req, "no-reset", NULL), 0);
	assert_int_equal(policy_request_add_option(&req, "no-strict-reset", NULL), 0);
	assert_int_equal(req.mode, POLICY_SKIP);
}

static void test_outcomes(void **state)
{
	static const struct {
		enum policy_mode mode;
		enum reset_verdict verdict;
		const char *want;
	} cases[] = {
	    {POLICY_STRICT, VERDICT_OK, "ok"},
	    {POLICY_STRICT, VERDICT_FAILED, "failed"},
	    {POLICY_LENIENT, VERDICT_OK, "ok"},
	    {POLICY_LENIENT, VERDICT_FAILED, "failed-ignored"},
	    {POLICY_SKIP, VERDICT_FAILED, "skipped"},
	    {POLICY_SKIP, VERDICT_OK, "skipped"},
	    {POLICY_STRICT, VERDICT_ABORTED, "aborted"},
	    {POLICY_LENIENT, VERDICT_ABORTED, "aborted"},
	    /* The engine's refusal (an SR-IOV PF whose VFs are in use): no mode goes on. */
	    {POLICY_STRICT, VERDICT_REFUSED, "refused"},
	    {POLICY_LENIENT, VERDICT_REFUSED, "refused"},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		assert_string_equal(
		    policy_outcome_name(policy_outcome_of(cases[i].mode, cases[i].verdict)),
		    cases[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_weaken_table),
	    cmocka_unit_test(test_refusal_reason),
	    cmocka_unit_test(test_bad_options),
	    cmocka_unit_test(test_both_options),
	    cmocka_unit_test(test_outcomes),
	    cmocka_unit_test(test_doc_table),
	    cmocka_unit_test(test_default_allows_weakening),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
