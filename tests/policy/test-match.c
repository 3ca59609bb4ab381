/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Matching precedence: SBDF > vendor+device+subsystem > vendor+device >
 * vendor > class > built-in default; among equals the later rule wins.
 * Each rule's reason names it, so the table says which rule must decide.
 */
#include "policy-test.h"

static const char precedence_policy[] =
    "{ \"rules\": [\n"
    "  { \"match\": { \"class\": \"0x020000\", \"class-mask\": \"0xff0000\" },\n"
    "    \"policy\": \"strict\", \"reason\": \"class-network\" },\n"
    "  { \"match\": { \"class\": \"0x020000\", \"class-mask\": \"0xffff00\" },\n"
    "    \"policy\": \"lenient\", \"reason\": \"class-ethernet\" },\n"
    "  { \"match\": { \"vendor\": \"0x8086\" }, \"policy\": \"lenient\", \"reason\": "
    "\"vendor-intel\" },\n"
    "  { \"match\": { \"vendor\": \"0x8086\", \"device\": \"0x10d3\" },\n"
    "    \"policy\": \"strict\", \"methods\": [\"bus\"], \"reason\": \"ids\" },\n"
    "  { \"match\": { \"vendor\": \"0x8086\", \"device\": \"0x10d3\", \"subsystem-vendor\": "
    "\"0x8086\",\n"
    "                 \"subsystem-device\": \"0xa01f\" }, \"policy\": \"lenient\", \"reason\": "
    "\"subsys\" },\n"
    "  { \"match\": { \"sbdf\": \"0000:03:00.0\" }, \"policy\": \"skip\", \"reason\": \"sbdf\" },\n"
    "  { \"match\": { \"sbdf\": \"04:00.0\", \"vendor\": \"0x10ec\" }, \"policy\": \"skip\",\n"
    "    \"reason\": \"sbdf-pinned\" },\n"
    "  { \"match\": { \"vendor\": \"0x8086\" }, \"policy\": \"strict\", \"reason\": "
    "\"vendor-intel-later\",\n"
    "    \"extra-delay-ms\": 50, \"ready-timeout-ms\": 3000 }\n"
    "] }\n";

struct precedence_case {
	const char *sbdf;
	uint16_t vendor, device, sv, sd;
	uint32_t class_code;
	const char *winner; /* the reason of the rule that must decide; NULL: built-in default */
	enum policy_mode mode;
};

static const struct precedence_case precedence[] = {
    /* SBDF beats everything, whatever the IDs. */
    {"0000:03:00.0", 0x8086, 0x10d3, 0x8086, 0xa01f, 0x020000, "sbdf", POLICY_SKIP},
    {"0000:03:00.0", 0x1b21, 0x1242, 0, 0, 0x0c0330, "sbdf", POLICY_SKIP},
    /* A pinned slot rule applies only to the device expected there. */
    {"0000:04:00.0", 0x10ec, 0x8168, 0, 0, 0x020000, "sbdf-pinned", POLICY_SKIP},
    {"0000:04:00.0", 0x8086, 0x10d3, 0, 0, 0x020000, "ids", POLICY_STRICT},
    /* IDs with subsystem > IDs > vendor. */
    {"0000:05:00.0", 0x8086, 0x10d3, 0x8086, 0xa01f, 0x020000, "subsys", POLICY_LENIENT},
    {"0000:05:00.0", 0x8086, 0x10d3, 0x1028, 0x0001, 0x020000, "ids", POLICY_STRICT},
    /* Two vendor rules: the later one wins. */
    {"0000:05:00.0", 0x8086, 0x1234, 0, 0, 0x020000, "vendor-intel-later", POLICY_STRICT},
    /* Two class rules that both match: the later one wins; else whichever matches. */
    {"0000:06:00.0", 0x10ec, 0x8168, 0, 0, 0x020000, "class-ethernet", POLICY_LENIENT},
    {"0000:06:00.0", 0x10ec, 0x8168, 0, 0, 0x020001, "class-ethernet", POLICY_LENIENT},
    {"0000:06:00.0", 0x14c3, 0x0616, 0, 0, 0x028000, "class-network", POLICY_STRICT},
    /* Nothing matches: strict with the automatic order. */
    {"0000:07:00.0", 0x1b21, 0x1242, 0, 0, 0x0c0330, NULL, POLICY_STRICT},
    {"0001:00:00.0", 0x144d, 0xa808, 0, 0, 0x010802, NULL, POLICY_STRICT},
};

static struct policy *load(const char *text, struct policy_diags *diags)
{
	struct policy *p = NULL;

	assert_int_equal(policy_load_string("prec.json", text, strlen(text), diags, &p), 0);
	return p;
}

static void test_precedence_table(void **state)
{
	struct policy_diags diags = {0};
	struct policy *p = load(precedence_policy, &diags);

	for (size_t i = 0; i < ELEMENTSOF(precedence); i++) {
		const struct precedence_case *c = &precedence[i];
		struct pci_dev_info info =
		    dev_info(c->sbdf, c->vendor, c->device, c->sv, c->sd, c->class_code);
		struct policy_decision d;

		policy_decide(p, &info, &d);
		if (c->winner) {
			if (!d.rule || strcmp(d.rule->reason, c->winner) != 0)
				print_error("case %zu: got %s, want %s\n", i,
					    d.rule ? d.rule->reason : "default", c->winner);
			assert_non_null(d.rule);
			assert_string_equal(d.rule->reason, c->winner);
		} else {
			assert_null(d.rule);
			assert_string_equal(d.origin, "built-in default");
			assert_int_equal(d.n_methods, 0);
		}
		assert_int_equal(d.mode, c->mode);
	}
	policy_unref(p);
	policy_diags_clear(&diags);
}

static void test_overlap_warnings(void **state)
{
	struct policy_diags diags = {0};
	struct policy *p = load(precedence_policy, &diags);
	char *got = diags_text(&diags);

	assert_string_equal(
	    got, "prec.json:4:3: warning: overlaps the rule at prec.json:2:3 with equal "
		 "specificity; where both match, this later rule wins\n"
		 "prec.json:14:3: warning: duplicate match: this rule replaces the rule at "
		 "prec.json:6:3 (equal specificity, the later rule wins)\n");
	free(got);
	policy_unref(p);
	policy_diags_clear(&diags);
}

static void test_explain(void **state)
{
	struct policy *p = load(precedence_policy, NULL);
	struct pci_dev_info info =
	    dev_info("0000:05:00.0", 0x8086, 0x10d3, 0x1028, 0x0001, 0x020000);
	static const enum policy_candidate_result want[] = {
	    POLICY_CAND_LESS_SPECIFIC, POLICY_CAND_LESS_SPECIFIC, POLICY_CAND_LESS_SPECIFIC,
	    POLICY_CAND_WON,	       POLICY_CAND_NO_MATCH,	  POLICY_CAND_NO_MATCH,
	    POLICY_CAND_NO_MATCH,      POLICY_CAND_LESS_SPECIFIC,
	};
	struct policy_candidate *c = NULL;
	struct policy_decision d;
	unsigned n = 0;

	assert_int_equal(policy_explain(p, &info, &d, &c, &n), 0);
	assert_int_equal(n, ELEMENTSOF(want));
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(c[i].result, want[i]);
	assert_string_equal(d.origin, "prec.json:7:3");
	assert_string_equal(c[3].why, "most specific matching rule (vendor+device)");
	assert_string_equal(c[4].why, "does not match: subsystem 1028:0001 is not 8086:a01f");
	assert_string_equal(c[0].why, "matches, but class is less specific than vendor+device");
	free(c);

	/* Equal specificity: the earlier rule is reported as overridden by the later one. */
	info = dev_info("0000:05:00.0", 0x8086, 0x1234, 0, 0, 0x020000);
	assert_int_equal(policy_explain(p, &info, &d, &c, &n), 0);
	assert_int_equal(c[2].result, POLICY_CAND_OVERRIDDEN);
	assert_string_equal(c[2].why, "matches with equal specificity; the later rule at "
				      "prec.json:14:3 wins");
	assert_int_equal(c[7].result, POLICY_CAND_WON);
	free(c);
	policy_unref(p);
}

static void test_decision_to_options(void **state)
{
	struct policy *p = load(precedence_policy, NULL);
	struct pci_dev_info info = dev_info("0000:05:00.0", 0x8086, 0x1234, 0, 0, 0x020000);
	struct reset_options opts = {0};
	struct policy_decision d;

	reset_timing_default(&opts.timing);
	policy_decide(p, &info, &d);
	policy_decision_to_reset_options(&d, &opts);
	assert_null(opts.methods);
	assert_int_equal(opts.n_methods, 0);
	assert_int_equal(opts.timing.extra_delay, 50 * USEC_PER_MSEC);
	assert_int_equal(opts.timing.ready_timeout, 3000 * USEC_PER_MSEC);

	info = dev_info("0000:05:00.0", 0x8086, 0x10d3, 0, 0, 0x020000);
	reset_timing_default(&opts.timing);
	policy_decide(p, &info, &d);
	policy_decision_to_reset_options(&d, &opts);
	assert_int_equal(opts.n_methods, 1);
	assert_int_equal(opts.methods[0].id, RESET_BUS);
	/* Without a ready-timeout-ms the engine's default stays. */
	assert_int_equal(opts.timing.ready_timeout, 1000 * USEC_PER_MSEC);
	assert_int_equal(opts.timing.extra_delay, 0);
	policy_unref(p);
}

static void test_empty_policy(void **state)
{
	struct policy *p = NULL;
	struct pci_dev_info info = dev_info("03:00.0", 0x8086, 0x10d3, 0, 0, 0x020000);
	struct policy_decision d;

	assert_int_equal(policy_new_empty(&p), 0);
	policy_decide(p, &info, &d);
	assert_int_equal(d.mode, POLICY_STRICT);
	assert_null(d.rule);
	/* A NULL policy behaves as an empty one. */
	policy_decide(NULL, &info, &d);
	assert_int_equal(d.mode, POLICY_STRICT);
	policy_unref(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_precedence_table), cmocka_unit_test(test_overlap_warnings),
	    cmocka_unit_test(test_explain),	     cmocka_unit_test(test_decision_to_options),
	    cmocka_unit_test(test_empty_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
