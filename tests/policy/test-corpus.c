/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The corpus under tests/data/policy: every bad/NAME.json must be refused
 * with exactly the diagnostics in bad/NAME.expected; every good/NAME.json
 * must load, with exactly the warnings in good/NAME.expected (none when the
 * file is absent). The same for qubes.xml: qubes/bad/NAME.xml and the
 * sample qubes/qubes.xml with its expected policy.
 */
#include <glob.h>

#include <json-c/json.h>

#include "policy-test.h"

static char *expected_for(const char *path, const char *ext)
{
	char exp[4096];
	size_t n = strlen(path) - strlen(ext);

	snprintf(exp, sizeof(exp), "%.*s.expected", (int)n, path);
	return slurp(exp, NULL);
}

static unsigned each(const char *pattern, void (*fn)(const char *path))
{
	glob_t g;
	unsigned n;

	enter_data_dir();
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++)
		fn(g.gl_pathv[i]);
	n = (unsigned)g.gl_pathc;
	globfree(&g);
	return n;
}

static void one_bad(const char *path)
{
	struct policy_diags diags = {0};
	struct policy *p = NULL;
	char *want = expected_for(path, ".json"), *got;
	int r;

	r = policy_load(NULL, 0, &path, 1, &diags, &p);
	got = diags_text(&diags);
	if (r != -EINVAL || strcmp(got, want) != 0)
		print_error("%s: r=%d\n--- got\n%s--- want\n%s", path, r, got, want);
	assert_int_equal(r, -EINVAL);
	assert_null(p);
	assert_string_equal(got, want);
	assert_true(diags.n_errors > 0);
	free(got);
	free(want);
	policy_diags_clear(&diags);
}

static void test_bad_corpus(void **state)
{
	/* Guards against a glob that silently matches nothing. */
	assert_true(each("bad/*.json", one_bad) >= 35);
}

static void one_good(const char *path)
{
	struct policy_diags diags = {0};
	struct policy *p = NULL;
	char *want = expected_for(path, ".json"), *got;
	int r;

	r = policy_load(NULL, 0, &path, 1, &diags, &p);
	got = diags_text(&diags);
	if (r != 0 || strcmp(got, want) != 0)
		print_error("%s: r=%d\n--- got\n%s--- want\n%s", path, r, got, want);
	assert_int_equal(r, 0);
	assert_non_null(p);
	assert_int_equal(diags.n_errors, 0);
	assert_string_equal(got, want);
	assert_int_equal(p->n_files, 1);
	policy_unref(p);
	free(got);
	free(want);
	policy_diags_clear(&diags);
}

static void test_good_corpus(void **state)
{
	assert_true(each("good/*.json", one_good) >= 3);
}

static void test_good_contents(void **state)
{
	const char *path = "good/basic.json";
	struct policy *p = NULL;
	const struct policy_rule *r;

	enter_data_dir();
	assert_int_equal(policy_load(NULL, 0, &path, 1, NULL, &p), 0);
	assert_int_equal(p->n_rules, 6);
	r = &p->rules[1];
	assert_int_equal(r->mode, POLICY_STRICT);
	assert_int_equal(r->n_methods, 2);
	assert_int_equal(r->methods[0].id, RESET_BUS);
	assert_int_equal(r->methods[1].id, RESET_KERNEL);
	assert_string_equal(r->methods[1].kernel_method, "bus");
	assert_true(r->has_extra_delay && r->extra_delay_ms == 200);
	assert_true(r->has_ready_timeout && r->ready_timeout_ms == 2000);
	assert_string_equal(r->reason, "MT7922: FLR leaves the radio dead");
	assert_int_equal(r->line, 8);
	assert_int_equal(r->col, 5);
	assert_int_equal(policy_match_specificity(&r->match), POLICY_SPEC_IDS);
	assert_true(p->rules[2].allow_request_weaken);
	assert_int_equal(policy_match_specificity(&p->rules[3].match), POLICY_SPEC_SBDF);
	assert_true(p->rules[3].match.has_vendor && p->rules[3].match.has_device);
	assert_int_equal(policy_match_specificity(&p->rules[4].match), POLICY_SPEC_IDS_SUBSYS);
	assert_int_equal(p->rules[5].match.vendor, 0x1002);
	assert_int_equal(p->rules[0].match.class_mask, 0xffff00);
	policy_unref(p);
}

static void one_bad_xml(const char *path)
{
	struct policy_diags diags = {0};
	struct json_object *doc = NULL;
	char *want = expected_for(path, ".xml"), *got;
	int r;

	r = policy_from_qubes(path, NULL, &diags, &doc);
	got = diags_text(&diags);
	if (r != -EINVAL || strcmp(got, want) != 0)
		print_error("%s: r=%d\n--- got\n%s--- want\n%s", path, r, got, want);
	assert_int_equal(r, -EINVAL);
	assert_null(doc);
	assert_string_equal(got, want);
	free(got);
	free(want);
	policy_diags_clear(&diags);
}

static void test_bad_qubes_corpus(void **state)
{
	assert_true(each("qubes/bad/*.xml", one_bad_xml) >= 15);
}

static void test_qubes_sample(void **state)
{
	struct policy_diags diags = {0}, check = {0};
	struct json_object *doc = NULL;
	struct policy *p = NULL;
	char *want_json, *want_diags, *got;
	const char *text;
	size_t len;

	enter_data_dir();
	want_json = slurp("qubes/qubes.expected.json", NULL);
	want_diags = slurp("qubes/qubes.expected", NULL);
	assert_int_equal(policy_from_qubes("qubes/qubes.xml", "qubes/sysfs", &diags, &doc), 0);
	text =
	    json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						    JSON_C_TO_STRING_NOSLASHESCAPE);
	got = diags_text(&diags);
	assert_string_equal(got, want_diags);
	/* pcirstctl prints the document and a newline. */
	assert_int_equal(strncmp(text, want_json, strlen(text)), 0);
	assert_int_equal(strlen(want_json), strlen(text) + 1);

	/* What from-qubes prints is a valid policy, and says what Qubes said. */
	len = strlen(text);
	assert_int_equal(policy_load_string("from-qubes.json", text, len, &check, &p), 0);
	assert_int_equal(check.n_errors + check.n_warnings, 0);
	assert_int_equal(p->n_rules, 6);
	assert_int_equal(p->rules[0].mode, POLICY_STRICT);
	assert_true(p->rules[0].allow_request_weaken);
	assert_int_equal(p->rules[4].mode, POLICY_SKIP);
	assert_non_null(p->rules[4].reason);

	policy_unref(p);
	json_object_put(doc);
	free(got);
	free(want_json);
	free(want_diags);
	policy_diags_clear(&diags);
	policy_diags_clear(&check);
}

static void test_qubes_without_sysfs(void **state)
{
	struct policy_diags diags = {0};
	struct json_object *doc = NULL, *rules;
	char *got;

	enter_data_dir();
	/* A 4.3 path cannot be resolved without the machine's bridges: skipped with a warning. */
	assert_int_equal(policy_from_qubes("qubes/qubes.xml", "/nonexistent", &diags, &doc), 0);
	assert_true(json_object_object_get_ex(doc, "rules", &rules));
	assert_int_equal(json_object_array_length(rules), 5);
	got = diags_text(&diags);
	assert_non_null(strstr(got, "qubes/qubes.xml:84:9: warning: cannot resolve PCI path "
				    "'00_1c.0-00_00.0'"));
	free(got);
	json_object_put(doc);
	policy_diags_clear(&diags);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_corpus),	  cmocka_unit_test(test_good_corpus),
	    cmocka_unit_test(test_good_contents), cmocka_unit_test(test_bad_qubes_corpus),
	    cmocka_unit_test(test_qubes_sample),  cmocka_unit_test(test_qubes_without_sysfs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
