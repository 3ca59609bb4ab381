/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The shipped quirk database (data/policy.d, $PCIRST_SHIPPED_POLICY) and the
 * "avoid" key: the files load without a warning, every entry matches the
 * device it names and removes what it says; avoided methods accumulate over
 * all matching rules while the most specific rule still decides; a masked
 * file takes its knowledge with it; nothing left to try is "no method",
 * naming the quirk; and the diagnostics of "check", as exact strings.
 */
#include <sys/stat.h>

#include <json-c/json.h>

#include "policy-test.h"

#define FLR    (1u << RESET_FLR)
#define AF_FLR (1u << RESET_AF_FLR)
#define PM     (1u << RESET_PM)
#define BUS    (1u << RESET_BUS)

static const char *shipped_dir(void)
{
	const char *d = getenv("PCIRST_SHIPPED_POLICY");

	return d ? d : "data/policy.d";
}

static struct policy *load_dirs(const char *const *dirs, unsigned n, struct policy_diags *diags)
{
	struct policy *p = NULL;

	assert_int_equal(policy_load(dirs, n, NULL, 0, diags, &p), 0);
	return p;
}

static struct policy *load_text(const char *text, struct policy_diags *diags)
{
	struct policy *p = NULL;

	assert_int_equal(policy_load_string("t.json", text, strlen(text), diags, &p), 0);
	return p;
}

static unsigned avoided_mask(const struct policy_decision *d)
{
	unsigned m = 0;

	for (unsigned i = 0; i < _RESET_METHOD_MAX; i++)
		if (d->avoided[i])
			m |= 1u << i;
	return m;
}

/* The engine's order as "flr,pm" ("" when nothing is left, "auto" when untouched). */
static const char *order_text(const struct policy_decision *d, char *buf, size_t size)
{
	char m[48];

	buf[0] = '\0';
	if (d->n_methods == 0 && !d->no_method)
		return "auto";
	for (unsigned i = 0; i < d->n_methods; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? "," : "",
			 reset_method_spec_format(&d->methods[i], m, sizeof(m)));
	return buf;
}

struct quirk_case {
	uint16_t vendor, device;
	uint32_t class_code;
	unsigned avoided;
	uint32_t extra_delay_ms;
	const char *order;
	const char *source; /* must appear in the reason of each avoided method */
};

/* Every shipped entry, by the IDs it names; the class only matters for the ATI rule. */
static const struct quirk_case quirks[] = {
    /* Linux quirk_no_bus_reset */
    {0x168c, 0x0030, 0x028000, BUS, 0, "flr,af-flr,pm", "quirk_no_bus_reset"},
    {0x168c, 0x0032, 0x028000, BUS, 0, "flr,af-flr,pm", "quirk_no_bus_reset"},
    {0x168c, 0x0033, 0x028000, BUS, 0, "flr,af-flr,pm", "quirk_no_bus_reset"},
    {0x168c, 0x0034, 0x028000, BUS, 0, "flr,af-flr,pm", "quirk_no_bus_reset"},
    {0x168c, 0x003c, 0x028000, BUS, 0, "flr,af-flr,pm", "quirk_no_bus_reset"},
    {0x168c, 0x003e, 0x028000, BUS, 0, "flr,af-flr,pm", "quirk_no_bus_reset"},
    {0x104c, 0xb005, 0x048000, BUS, 0, "flr,af-flr,pm", "quirk_no_bus_reset"},
    {0x1b21, 0x1164, 0x010601, BUS, 0, "flr,af-flr,pm", "quirk_no_bus_reset"},
    /* Linux quirk_no_pm_reset: any ATI/AMD VGA function, and Mellanox Spectrum */
    {0x1002, 0x6611, 0x030000, PM, 0, "flr,af-flr,bus", "quirk_no_pm_reset"},
    {0x15b3, 0xcb84, 0x020000, PM, 0, "flr,af-flr,bus", "quirk_no_pm_reset"},
    {0x15b3, 0xcf6c, 0x020000, PM, 0, "flr,af-flr,bus", "quirk_no_pm_reset"},
    {0x15b3, 0xcf70, 0x020000, PM, 0, "flr,af-flr,bus", "quirk_no_pm_reset"},
    {0x15b3, 0xcf80, 0x020000, PM, 0, "flr,af-flr,bus", "quirk_no_pm_reset"},
    /* Linux quirk_no_flr, and the SM961 that needs nvme_disable_and_flr */
    {0x1022, 0x1487, 0x040300, FLR, 0, "af-flr,pm,bus", "quirk_no_flr"},
    {0x1022, 0x148c, 0x0c0330, FLR, 0, "af-flr,pm,bus", "quirk_no_flr"},
    {0x1022, 0x149c, 0x0c0330, FLR, 0, "af-flr,pm,bus", "quirk_no_flr"},
    {0x1022, 0x7901, 0x010601, FLR, 0, "af-flr,pm,bus", "quirk_no_flr"},
    {0x8086, 0x1502, 0x020000, FLR, 0, "af-flr,pm,bus", "quirk_no_flr"},
    {0x8086, 0x1503, 0x020000, FLR, 0, "af-flr,pm,bus", "quirk_no_flr"},
    {0x14c3, 0x0616, 0x028000, FLR, 0, "af-flr,pm,bus", "quirk_no_flr"},
    {0x144d, 0xa804, 0x010802, FLR, 0, "af-flr,pm,bus", "nvme_disable_and_flr"},
    /* Linux delay_250ms_after_flr: knowledge raises the delay, the order stays */
    {0x8086, 0x0953, 0x010802, 0, 250, "auto", "delay_250ms_after_flr"},
    {0x8086, 0x0a54, 0x010802, 0, 250, "auto", "delay_250ms_after_flr"},
    {0x025e, 0xf1ac, 0x010802, 0, 250, "auto", "delay_250ms_after_flr"},
    /* vendor-reset GPUs: no bus reset, and as ATI VGA functions no PM reset either */
    {0x1002, 0x67df, 0x030000, PM | BUS, 0, "flr,af-flr", "gnif/vendor-reset"},
    {0x1002, 0x67ef, 0x030000, PM | BUS, 0, "flr,af-flr", "gnif/vendor-reset"},
    {0x1002, 0x687f, 0x030000, PM | BUS, 0, "flr,af-flr", "gnif/vendor-reset"},
    {0x1002, 0x66af, 0x030000, PM | BUS, 0, "flr,af-flr", "gnif/vendor-reset"},
    {0x1002, 0x731f, 0x030000, PM | BUS, 0, "flr,af-flr", "gnif/vendor-reset"},
    {0x1002, 0x7340, 0x030000, PM | BUS, 0, "flr,af-flr", "gnif/vendor-reset"},
};

static void check_case(const struct policy *p, const struct quirk_case *c)
{
	struct pci_dev_info info =
	    dev_info("0000:05:00.0", c->vendor, c->device, 0, 0, c->class_code);
	struct policy_decision d;
	char buf[128];

	policy_decide(p, &info, &d);
	if (avoided_mask(&d) != c->avoided || strcmp(order_text(&d, buf, sizeof(buf)), c->order))
		print_error("%04x:%04x: avoided 0x%x order %s\n", c->vendor, c->device,
			    avoided_mask(&d), order_text(&d, buf, sizeof(buf)));
	/* Knowledge never decides: the mode stays the built-in default's. */
	assert_null(d.rule);
	assert_int_equal(d.mode, POLICY_STRICT);
	assert_false(d.no_method);
	assert_int_equal(avoided_mask(&d), c->avoided);
	assert_string_equal(order_text(&d, buf, sizeof(buf)), c->order);
	assert_int_equal(d.extra_delay_ms, c->extra_delay_ms);
	/* Each avoided method names its source; a GPU's PM comes from the ATI VGA rule. */
	for (unsigned i = 0; i < _RESET_METHOD_MAX; i++)
		if (d.avoided[i])
			assert_non_null(strstr(
			    d.avoided[i]->avoid[i].reason,
			    i == RESET_PM && (c->avoided & BUS) ? "quirk_no_pm_reset" : c->source));
	if (c->extra_delay_ms)
		assert_non_null(strstr(d.delay_rule->reason, c->source));
}

static void test_shipped_database(void **state)
{
	const char *dir = shipped_dir();
	struct policy_diags diags = {0};
	struct policy *p = load_dirs(&dir, 1, &diags);

	/* Valid and quiet: a shipped warning would be printed on every reload. */
	if (diags.n)
		policy_diags_print(&diags, stderr);
	assert_int_equal(diags.n, 0);
	assert_true(p->n_rules >= 20);
	/* One shipped rule per line of the table: keep them in step. */
	assert_int_equal(p->n_rules, ELEMENTSOF(quirks));
	for (unsigned i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];
		bool named = false;

		/* Shipped rules are knowledge only: they must never outrank an administrator. */
		assert_true(r->knowledge);
		for (size_t k = 0; k < ELEMENTSOF(quirks) && !named; k++) {
			struct pci_dev_info info =
			    dev_info("0000:05:00.0", quirks[k].vendor, quirks[k].device, 0, 0,
				     quirks[k].class_code);

			named = policy_match_device(&r->match, &info, NULL);
		}
		if (!named)
			print_error("%s:%u: no test case matches this rule\n", r->file, r->line);
		assert_true(named);
	}
	for (size_t k = 0; k < ELEMENTSOF(quirks); k++)
		check_case(p, &quirks[k]);
	policy_unref(p);
	policy_diags_clear(&diags);
}

/* ---- Merging: vendor knowledge under an administrator's rules ---- */

static char admin[64];

static int make_admin_dir(void **state)
{
	snprintf(admin, sizeof(admin), "/tmp/pcirst-quirks-XXXXXX");
	assert_non_null(mkdtemp(admin));
	return 0;
}

static int remove_admin_dir(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", admin);
	return system(cmd);
}

static void admin_file(const char *name, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", admin, name);
	unlink(path);
	if (text)
		spew(path, text);
	else
		assert_int_equal(symlink("/dev/null", path), 0);
}

static struct policy *load_layered(void)
{
	const char *dirs[] = {shipped_dir(), admin};
	struct policy_diags diags = {0};
	struct policy *p = load_dirs(dirs, 2, &diags);

	assert_int_equal(diags.n_errors, 0);
	policy_diags_clear(&diags);
	return p;
}

/* An AR93xx card (168c:0030) at 03:00.0: the shipped file avoids its bus reset. */
static struct pci_dev_info atheros(void)
{
	return dev_info("0000:03:00.0", 0x168c, 0x0030, 0, 0, 0x028000);
}

static void test_admin_rule_keeps_quirk(void **state)
{
	struct pci_dev_info info = atheros();
	struct policy_decision d;
	struct policy *p;
	char buf[128];

	admin_file("50-admin.json",
		   "{ \"rules\": [\n"
		   "  { \"match\": { \"sbdf\": \"0000:03:00.0\" },\n"
		   "    \"policy\": \"lenient\", \"methods\": [\"bus\", \"flr\"],\n"
		   "    \"reason\": \"sys-net Wi-Fi\" }\n"
		   "] }\n");
	p = load_layered();
	policy_decide(p, &info, &d);
	/* The administrator's rule decides the mode and the order... */
	assert_non_null(d.rule);
	assert_string_equal(d.rule->reason, "sys-net Wi-Fi");
	assert_int_equal(d.mode, POLICY_LENIENT);
	/* ...and the knowledge still removes the bus reset from it. */
	assert_string_equal(order_text(&d, buf, sizeof(buf)), "flr");
	assert_int_equal(avoided_mask(&d), BUS);
	assert_non_null(strstr(d.avoided[RESET_BUS]->file, "10-quirks-no-bus-reset.json"));
	policy_unref(p);
}

static void test_masked_file_drops_quirk(void **state)
{
	struct pci_dev_info info = atheros();
	struct policy_decision d;
	struct policy *p;

	admin_file("50-admin.json", "{ \"rules\": [] }\n");
	admin_file("10-quirks-no-bus-reset.json", NULL);
	p = load_layered();
	policy_decide(p, &info, &d);
	assert_int_equal(avoided_mask(&d), 0);
	assert_int_equal(d.n_methods, 0);
	assert_true(d.automatic_order);
	policy_unref(p);
	admin_file("10-quirks-no-bus-reset.json", "{ \"rules\": [] }\n");
}

static void test_all_avoided_is_no_method(void **state)
{
	struct pci_dev_info info = atheros();
	struct reset_options opts = {0};
	struct policy_decision d;
	struct policy *p;
	char path[256];

	/* Unmasked again: the shipped file is back. */
	snprintf(path, sizeof(path), "%s/10-quirks-no-bus-reset.json", admin);
	unlink(path);
	admin_file("50-admin.json",
		   "{ \"rules\": [\n"
		   "  { \"match\": { \"vendor\": \"0x168c\", \"device\": \"0x0030\" },\n"
		   "    \"policy\": \"strict\", \"methods\": [\"bus\", \"kernel:bus\"] }\n"
		   "] }\n");
	p = load_layered();
	policy_decide(p, &info, &d);
	assert_true(d.no_method);
	assert_int_equal(d.n_methods, 0);
	/* The message names the quirk: its file, line and reason. */
	assert_non_null(strstr(d.no_method_why, "no reset method left to try"));
	assert_non_null(strstr(d.no_method_why, "bus ("));
	assert_non_null(strstr(d.no_method_why, "kernel:bus ("));
	assert_non_null(strstr(d.no_method_why, "10-quirks-no-bus-reset.json:4: Atheros AR93xx"));
	assert_non_null(strstr(d.no_method_why, "quirk_no_bus_reset"));
	/* The engine is never handed an avoided method, even by a caller that ignores -ENOENT. */
	assert_int_equal(policy_decision_to_reset_options(&d, &opts), -ENOENT);
	assert_int_equal(opts.n_methods, 1);
	assert_int_equal(opts.methods[0].id, _RESET_METHOD_INVALID);
	/* The normal "no method" outcome: strict fails, lenient ignores. */
	assert_int_equal(policy_outcome_of(d.mode, VERDICT_FAILED), POLICY_OUTCOME_FAILED);
	assert_int_equal(policy_outcome_of(POLICY_LENIENT, VERDICT_FAILED),
			 POLICY_OUTCOME_FAILED_IGNORED);
	policy_unref(p);
}

static void test_merging_rules(void **state)
{
	static const char text[] =
	    "{ \"rules\": [\n"
	    "  { \"match\": { \"vendor\": \"0x8086\", \"device\": \"0x10d3\" },\n"
	    "    \"avoid\": { \"pm\": \"ids-pm\", \"kernel\": \"ids-kernel\" },\n"
	    "    \"extra-delay-ms\": 250, \"reason\": \"ids-delay\" },\n"
	    "  { \"match\": { \"vendor\": \"0x8086\" }, \"policy\": \"lenient\",\n"
	    "    \"methods\": [\"kernel:pm\", \"kernel:flr\", \"af-flr\", \"kernel\"],\n"
	    "    \"extra-delay-ms\": 100, \"reason\": \"vendor\" },\n"
	    "  { \"match\": { \"sbdf\": \"0000:03:00.0\" },\n"
	    "    \"avoid\": { \"pm\": \"sbdf-pm\" } }\n"
	    "] }\n";
	struct policy_diags diags = {0};
	struct policy *p = load_text(text, &diags);
	struct pci_dev_info a = dev_info("0000:03:00.0", 0x8086, 0x10d3, 0, 0, 0x020000);
	struct pci_dev_info b = dev_info("0000:04:00.0", 0x8086, 0x10d3, 0, 0, 0x020000);
	struct policy_candidate *cand = NULL;
	struct json_object *j, *v;
	struct policy_decision d;
	char buf[128];
	unsigned n;

	/* Knowledge rules do not compete: no overlap warnings. */
	assert_int_equal(diags.n, 0);
	/* The less specific vendor rule decides, since knowledge never does. */
	policy_decide(p, &a, &d);
	assert_string_equal(d.rule->reason, "vendor");
	assert_int_equal(d.mode, POLICY_LENIENT);
	/* kernel:pm goes with pm, every kernel method with kernel. */
	assert_string_equal(order_text(&d, buf, sizeof(buf)), "af-flr");
	/* The most specific avoiding rule gives the reason. */
	assert_string_equal(d.avoided[RESET_PM]->avoid[RESET_PM].reason, "sbdf-pm");
	assert_string_equal(d.avoided[RESET_KERNEL]->avoid[RESET_KERNEL].reason, "ids-kernel");
	/* A knowledge delay is a minimum. */
	assert_int_equal(d.extra_delay_ms, 250);
	assert_non_null(d.delay_rule);
	policy_decide(p, &b, &d);
	assert_string_equal(d.avoided[RESET_PM]->avoid[RESET_PM].reason, "ids-pm");

	assert_int_equal(policy_decision_to_json(&d, &j), 0);
	assert_true(json_object_object_get_ex(j, "avoided", &v));
	assert_true(json_object_object_get_ex(v, "pm", &v));
	assert_true(json_object_object_get_ex(v, "origin", &v));
	assert_string_equal(json_object_get_string(v), "t.json:3:16");
	json_object_put(j);

	assert_int_equal(policy_explain(p, &a, &d, &cand, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(cand[0].result, POLICY_CAND_KNOWLEDGE);
	assert_int_equal(cand[1].result, POLICY_CAND_WON);
	assert_int_equal(cand[2].result, POLICY_CAND_KNOWLEDGE);
	assert_string_equal(order_text(&d, buf, sizeof(buf)), "af-flr");
	free(cand);
	policy_unref(p);
	policy_diags_clear(&diags);
}

static void test_delay_floor(void **state)
{
	static const char text[] = "{ \"rules\": [\n"
				   "  { \"match\": { \"vendor\": \"0x8086\" }, \"extra-delay-ms\": "
				   "250, \"reason\": \"k\" },\n"
				   "  { \"match\": { \"sbdf\": \"03:00.0\" }, \"policy\": "
				   "\"strict\", \"extra-delay-ms\": 500 }\n"
				   "] }\n";
	struct policy *p = load_text(text, NULL);
	struct pci_dev_info a = dev_info("0000:03:00.0", 0x8086, 0x10d3, 0, 0, 0x020000);
	struct policy_decision d;

	policy_decide(p, &a, &d);
	assert_int_equal(d.extra_delay_ms, 500);
	assert_null(d.delay_rule);
	policy_unref(p);
}

/* ---- "check" diagnostics, as exact strings ---- */

struct diag_case {
	const char *rule; /* one rule, on line 2 of the document */
	const char *want; /* every diagnostic, "" for none */
};

static const struct diag_case diag_cases[] = {
    {"{ \"match\": { \"vendor\": \"0x1002\" }, \"avoid\": { \"pmm\": \"x\" } }",
     "t.json:2:49: error: unknown reset method 'pmm' in 'avoid'; did you mean 'pm'?\n"},
    {"{ \"match\": { \"vendor\": \"0x1002\" }, \"avoid\": { \"frobnicate\": \"x\" } }",
     "t.json:2:49: error: unknown reset method 'frobnicate' in 'avoid' (expected flr, af-flr, "
     "pm, bus, kernel or pciback)\n"},
    {"{ \"match\": { \"vendor\": \"0x1002\" }, \"avoid\": { \"kernel:bus\": \"x\" } }",
     "t.json:2:49: error: 'kernel:bus' cannot be avoided on its own: avoid 'flr', 'af-flr', "
     "'pm' or 'bus' (which also removes the kernel's method of that name), or 'kernel' for all "
     "of them\n"},
    {"{ \"match\": { \"vendor\": \"0x1002\" }, \"avoid\": { \"pm\": \"  \" } }",
     "t.json:2:55: error: the reason for avoiding 'pm' is empty\n"},
    {"{ \"match\": { \"vendor\": \"0x1002\" }, \"avoid\": { \"pm\": 1 } }",
     "t.json:2:55: error: avoid 'pm' needs a reason string (the quirk or report it comes from), "
     "got number\n"},
    {"{ \"match\": { \"vendor\": \"0x1002\" }, \"avoid\": [\"pm\"] }",
     "t.json:2:47: error: 'avoid' must be an object mapping each avoided method to the reason, "
     "got array\n"},
    {"{ \"match\": { \"vendor\": \"0x1002\" }, \"avoid\": {} }",
     "t.json:2:47: error: 'avoid' is empty; leave it out when no method is avoided\n"},
    {"{ \"match\": { \"vendor\": \"0x1002\" }, \"avoid\": { \"pm\": \"a\", \"pm\": \"b\" } }",
     "t.json:2:49: error: duplicate key 'pm'\n"},
    {"{ \"match\": { \"vendor\": \"0x1002\" }, \"avoyd\": { \"pm\": \"x\" } }",
     "t.json:2:38: error: unknown key 'avoyd' in rule; did you mean 'avoid'?\n"
     "t.json:2:3: error: rule without 'policy' (strict, lenient or skip)\n"},
    {"{ \"match\": { \"vendor\": \"0x1002\" }, \"avoid\": { \"pm\": \"x\" }, \"methods\": "
     "[\"flr\"] }",
     "t.json:2:62: error: 'methods' needs 'policy': a rule without 'policy' only records "
     "knowledge ('avoid', 'extra-delay-ms')\n"},
    {"{ \"match\": { \"vendor\": \"0x1002\" }, \"extra-delay-ms\": 250 }",
     "t.json:2:38: error: a rule without 'policy' that sets 'extra-delay-ms' needs a 'reason' "
     "naming where that knowledge comes from\n"},
    {"{ \"match\": { \"vendor\": \"0x1002\" }, \"policy\": \"strict\", \"methods\": [\"flr\", "
     "\"pm\"], \"avoid\": { \"pm\": \"x\" } }",
     "t.json:2:77: warning: method 'pm' is avoided by this rule (2:95) and will never be "
     "tried\n"},
    {"{ \"match\": { \"vendor\": \"0x1002\" }, \"policy\": \"skip\", \"reason\": \"r\", "
     "\"avoid\": { \"bus\": \"x\" } }",
     ""},
};

static void test_check_diagnostics(void **state)
{
	for (size_t i = 0; i < ELEMENTSOF(diag_cases); i++) {
		struct policy_diags diags = {0};
		struct policy *p = NULL;
		char text[1024], *got;

		snprintf(text, sizeof(text), "{ \"rules\": [\n  %s\n] }\n", diag_cases[i].rule);
		(void)policy_load_string("t.json", text, strlen(text), &diags, &p);
		got = diags_text(&diags);
		if (strcmp(got, diag_cases[i].want) != 0)
			print_error("case %zu:\n--- got\n%s--- want\n%s", i, got,
				    diag_cases[i].want);
		assert_string_equal(got, diag_cases[i].want);
		free(got);
		policy_unref(p);
		policy_diags_clear(&diags);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shipped_database),
	    cmocka_unit_test(test_admin_rule_keeps_quirk),
	    cmocka_unit_test(test_masked_file_drops_quirk),
	    cmocka_unit_test(test_all_avoided_is_no_method),
	    cmocka_unit_test(test_merging_rules),
	    cmocka_unit_test(test_delay_floor),
	    cmocka_unit_test(test_check_diagnostics),
	};

	return cmocka_run_group_tests(tests, make_admin_dir, remove_admin_dir);
}
