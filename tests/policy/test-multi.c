/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A request for several functions is decided per function: a skip, an
 * avoided method or a method list on any function applies to the whole
 * reset, and the decision is the same for every order of the addresses
 * (every permutation is decided and compared as JSON, field by field).
 */
#include <json-c/json.h>

#include "policy-test.h"

static const char policy_text[] =
    "{ \"rules\": [\n"
    "  { \"match\": { \"sbdf\": \"0000:01:00.0\" }, \"policy\": \"lenient\",\n"
    "    \"ready-timeout-ms\": 3000, \"allow-request-weaken\": true, \"reason\": \"t: a\" },\n"
    "  { \"match\": { \"sbdf\": \"0000:01:00.1\" }, \"policy\": \"strict\",\n"
    "    \"methods\": [\"bus\", \"pm\"] },\n"
    "  { \"match\": { \"sbdf\": \"0000:01:00.2\" }, \"avoid\": { \"pm\": \"t: pm hangs\" } },\n"
    "  { \"match\": { \"sbdf\": \"0000:01:00.3\" }, \"policy\": \"skip\", \"reason\": \"t: no\" "
    "},\n"
    "  { \"match\": { \"sbdf\": \"0000:01:00.5\" }, \"policy\": \"lenient\",\n"
    "    \"methods\": [\"flr\"], \"reason\": \"t: flr only\" },\n"
    "  { \"match\": { \"sbdf\": \"0000:01:00.6\" }, \"policy\": \"lenient\",\n"
    "    \"allow-request-weaken\": true, \"reason\": \"t: weak\" }\n"
    "] }\n";

struct multi_case {
	const char *addrs[3];
	const char *mode;
	const char *methods; /* the JSON "methods" array as text */
	const char *origin;  /* the named rule */
	const char *no_method;
	bool allow_weaken;
};

static const struct multi_case cases[] = {
    /* Strict on one function makes the reset strict; its method list applies to both. */
    {{"0000:01:00.0", "0000:01:00.1"},
     "strict",
     "[ \"bus\", \"pm\" ]",
     "test.json:4:3",
     NULL,
     false},
    /* A knowledge rule's avoid on one function removes pm for all. */
    {{"0000:01:00.0", "0000:01:00.1", "0000:01:00.2"},
     "strict",
     "[ \"bus\" ]",
     "test.json:4:3",
     NULL,
     false},
    /*
     * No method list anywhere: the automatic order less the avoided method.
     * 01:00.2 and 01:00.4 have no rule with a policy: the built-in default
     * lets a request weaken it, and 01:00.0's rule allows it too.
     */
    {{"0000:01:00.0", "0000:01:00.2", "0000:01:00.4"},
     "strict",
     "[ \"flr\", \"af-flr\", \"bus\" ]",
     "built-in default",
     NULL,
     true},
    /* Each function decides on its own: a strict rule without allow-request-weaken vetoes. */
    {{"0000:01:00.4", "0000:01:00.1"},
     "strict",
     "[ \"bus\", \"pm\" ]",
     "test.json:4:3",
     NULL,
     false},
    {{"0000:01:00.4", "0000:01:00.7"}, "strict", NULL, "built-in default", NULL, true},
    /* A skip on any function skips the whole reset, wherever it is in the list. */
    {{"0000:01:00.0", "0000:01:00.3", "0000:01:00.1"}, "skip", NULL, "test.json:7:3", NULL, false},
    /* Two method lists with nothing in common: no method, and the reason names both. */
    {{"0000:01:00.1", "0000:01:00.5"},
     "strict",
     "[ ]",
     "test.json:4:3",
     "no reset method is allowed for every function of the request: 0000:01:00.1 allows "
     "bus, pm (test.json:4:3); 0000:01:00.5 allows flr (test.json:8:3)",
     false},
    /* Weakening only when every function's rule allows it. */
    {{"0000:01:00.0", "0000:01:00.6"}, "lenient", NULL, "test.json:2:3", NULL, true},
    {{"0000:01:00.0", "0000:01:00.5"}, "lenient", "[ \"flr\" ]", "test.json:2:3", NULL, false},
};

static void make_info(const char *addr, struct pci_dev_info *info)
{
	*info = (struct pci_dev_info){.vendor = 0x1af4, .device = 0x1041, .iommu_group = -1};
	assert_int_equal(pcirst_sbdf_parse(addr, &info->sbdf), 0);
}

static char *decide_json(const struct policy *p, const struct pci_dev_info *info, unsigned n,
			 struct policy_decision *d)
{
	struct json_object *o = NULL;
	char *s;

	assert_int_equal(policy_decide_targets(p, info, n, d), 0);
	assert_int_equal(policy_decision_to_json(d, &o), 0);
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED));
	json_object_put(o);
	return s;
}

/* The next permutation of idx in lexical order; false after the last. */
static bool next_perm(unsigned *idx, unsigned n)
{
	unsigned i = n - 1, j = n - 1, t;

	while (i > 0 && idx[i - 1] >= idx[i])
		i--;
	if (i == 0)
		return false;
	while (idx[j] <= idx[i - 1])
		j--;
	t = idx[i - 1], idx[i - 1] = idx[j], idx[j] = t;
	for (j = n - 1; i < j; i++, j--)
		t = idx[i], idx[i] = idx[j], idx[j] = t;
	return true;
}

static void test_per_function(void **state)
{
	struct policy *p = NULL;

	assert_int_equal(
	    policy_load_string("test.json", policy_text, strlen(policy_text), NULL, &p), 0);
	for (size_t c = 0; c < ELEMENTSOF(cases); c++) {
		const struct multi_case *mc = &cases[c];
		struct pci_dev_info all[3], perm[3];
		unsigned n = 0, idx[3] = {0, 1, 2}, perms = 0;
		char *first = NULL;

		while (n < 3 && mc->addrs[n])
			make_info(mc->addrs[n], &all[n]), n++;
		do {
			struct policy_decision d;
			char *json;

			for (unsigned i = 0; i < n; i++)
				perm[i] = all[idx[i]];
			json = decide_json(p, perm, n, &d);
			perms++;
			assert_string_equal(policy_mode_name(d.mode), mc->mode);
			assert_string_equal(d.origin, mc->origin);
			assert_int_equal(d.allow_request_weaken, mc->allow_weaken);
			if (mc->methods) {
				struct json_object *o = json_tokener_parse(json), *m = NULL;

				assert_true(json_object_object_get_ex(o, "methods", &m));
				assert_string_equal(
				    json_object_to_json_string_ext(m, JSON_C_TO_STRING_SPACED),
				    mc->methods);
				json_object_put(o);
			}
			assert_int_equal(d.no_method, mc->no_method != NULL);
			if (mc->no_method)
				assert_string_equal(d.no_method_why, mc->no_method);
			/* Every order gives the very same decision. */
			if (!first)
				first = json;
			else {
				if (!streq(first, json))
					fail_msg("case %zu: order changes the decision:\n%s\n%s", c,
						 first, json);
				free(json);
			}
		} while (next_perm(idx, n));
		assert_int_equal(perms, n == 3 ? 6 : 2);
		free(first);
	}
	policy_unref(p);
}

/* The ready timeout: the longest given, but never below the default for a function without one. */
static void test_timings(void **state)
{
	static const char text[] =
	    "{ \"rules\": [\n"
	    "  { \"match\": { \"sbdf\": \"0000:02:00.0\" }, \"policy\": \"strict\",\n"
	    "    \"ready-timeout-ms\": 200, \"extra-delay-ms\": 50 },\n"
	    "  { \"match\": { \"sbdf\": \"0000:02:00.1\" }, \"policy\": \"strict\",\n"
	    "    \"ready-timeout-ms\": 4000 }\n"
	    "] }\n";
	struct policy *p = NULL;
	struct pci_dev_info info[2];
	struct policy_decision d;

	assert_int_equal(policy_load_string("t.json", text, strlen(text), NULL, &p), 0);
	make_info("0000:02:00.0", &info[0]);
	make_info("0000:02:00.1", &info[1]);
	assert_int_equal(policy_decide_targets(p, info, 2, &d), 0);
	assert_int_equal(d.ready_timeout_ms, 4000);
	assert_int_equal(d.extra_delay_ms, 50);
	make_info("0000:02:00.7", &info[1]); /* no rule: the engine's default timeout */
	assert_int_equal(policy_decide_targets(p, info, 2, &d), 0);
	assert_int_equal(d.ready_timeout_ms, 0);
	assert_int_equal(policy_decide_targets(p, info, 0, &d), -EINVAL);
	policy_unref(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_per_function),
	    cmocka_unit_test(test_timings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
