/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hostile input never crashes and always gets a clear error: huge files,
 * deep nesting, numbers that do not fit, NUL bytes, and a deterministic
 * mutation fuzz of the good corpus and of qubes.xml (run under ASan/UBSan
 * in the Sanitize build).
 */
#include <json-c/json.h>

#include "policy-test.h"

static void test_huge_file(void **state)
{
	const size_t size = 10 * 1024 * 1024;
	char path[] = "/tmp/pcirst-huge-XXXXXX.json";
	const char *paths[1] = {path};
	struct policy_diags diags = {0};
	struct policy *p = NULL;
	char *buf = malloc(size), *got;
	FILE *f;
	int fd;

	assert_non_null(buf);
	memset(buf, ' ', size);
	buf[0] = '{';
	buf[size - 1] = '}';
	fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_int_equal(fwrite(buf, 1, size, f), size);
	fclose(f);

	assert_int_equal(policy_load(NULL, 0, paths, 1, &diags, &p), -EINVAL);
	assert_null(p);
	got = diags_text(&diags);
	assert_non_null(strstr(got, ": error: file is too large (more than 1048576 bytes)\n"));
	free(got);
	policy_diags_clear(&diags);

	/* The same from memory. */
	assert_int_equal(policy_load_string("huge.json", buf, size, &diags, &p), -EINVAL);
	assert_int_equal(diags.n_errors, 1);
	policy_diags_clear(&diags);
	unlink(path);
	free(buf);
}

static void test_deep_nesting(void **state)
{
	const size_t depth = 200000;
	char *buf = malloc(2 * depth + 64), *got;
	struct policy_diags diags = {0};
	struct policy *p = NULL;
	size_t n = 0;

	assert_non_null(buf);
	n += (size_t)sprintf(buf, "{ \"rules\": ");
	for (size_t i = 0; i < depth; i++)
		buf[n++] = '[';
	for (size_t i = 0; i < depth; i++)
		buf[n++] = ']';
	buf[n++] = '}';
	assert_int_equal(policy_load_string("deep.json", buf, n, &diags, &p), -EINVAL);
	got = diags_text(&diags);
	assert_string_equal(got,
			    "deep.json:1:43: error: nesting is too deep (at most 32 levels)\n");
	free(got);
	policy_diags_clear(&diags);
	free(buf);
}

static void test_xml_deep_and_many(void **state)
{
	const size_t depth = 100000;
	char *buf = malloc(8 * depth + 64);
	struct policy_diags diags = {0};
	struct json_object *doc = NULL;
	size_t n = 0;

	assert_non_null(buf);
	n += (size_t)sprintf(buf, "<qubes>");
	for (size_t i = 0; i < depth; i++)
		n += (size_t)sprintf(buf + n, "<a>");
	assert_int_equal(policy_from_qubes_string("deep.xml", buf, n, NULL, &diags, &doc), -EINVAL);
	assert_int_equal(diags.n_errors, 1);
	policy_diags_clear(&diags);

	/* Many siblings are bounded too. */
	n = (size_t)sprintf(buf, "<qubes>");
	for (size_t i = 0; i < 6 * depth / 4 && n + 8 < 8 * depth; i++)
		n += (size_t)sprintf(buf + n, "<a/>");
	n += (size_t)sprintf(buf + n, "</qubes>");
	assert_int_equal(policy_from_qubes_string("many.xml", buf, n, NULL, &diags, &doc), 0);
	json_object_put(doc);
	policy_diags_clear(&diags);
	free(buf);
}

/*
 * Found by fuzz-qubes: what the import writes must load again. A domain name
 * with a control character, or long enough that the reason is cut inside a
 * multi-byte character, made a reason the loader refuses (invalid UTF-8,
 * control characters): pcirstctl policy from-qubes wrote an unloadable file.
 */
static void test_qubes_import_reloads(void **state)
{
	static const char *const names[] = {"sys\tnet\x01",
					    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"};
	char xml[4096], name[1024];

	for (unsigned t = 0; t < 3; t++) {
		struct policy_diags diags = {0};
		struct json_object *doc = NULL;
		struct policy *p = NULL;
		const char *text;
		size_t n = 0;

		if (t < 2) {
			snprintf(name, sizeof(name), "%s", names[t]);
		} else {
			/* 250 x "é": past the 128 bytes kept of a name, cut at byte 127. */
			for (unsigned i = 0; i < 250; i++)
				n += (size_t)sprintf(name + n, "\xc3\xa9");
		}
		snprintf(xml, sizeof(xml),
			 "<qubes><domains><domain id=\"d1\"><properties>"
			 "<property name=\"name\">%s</property></properties>"
			 "<devices class=\"pci\"><device backend-domain=\"dom0\" id=\"03_00.0\">"
			 "<option name=\"no-strict-reset\">True</option></device></devices>"
			 "</domain></domains></qubes>",
			 name);
		assert_int_equal(
		    policy_from_qubes_string("q.xml", xml, strlen(xml), NULL, &diags, &doc), 0);
		text = json_object_to_json_string(doc);
		policy_diags_clear(&diags);
		assert_int_equal(policy_load_string("q.json", text, strlen(text), &diags, &p), 0);
		assert_int_equal(p->n_rules, 1);
		assert_int_equal(p->rules[0].mode, POLICY_LENIENT);
		assert_non_null(strstr(p->rules[0].reason, "migrated from qubes.xml"));
		policy_unref(p);
		json_object_put(doc);
		policy_diags_clear(&diags);
	}
}

/* Mutates text in place with a tiny deterministic generator. */
static void mutate(char *buf, size_t len, uint32_t *seed)
{
	static const char bytes[] = "{}[]\",:\\ 0x-e.tfn\n\x01\xff<>&;/!?";
	unsigned k = 1 + (*seed % 4);

	for (unsigned i = 0; i < k && len; i++) {
		*seed = *seed * 1103515245u + 12345u;
		size_t at = (*seed >> 8) % len;
		*seed = *seed * 1103515245u + 12345u;
		buf[at] = bytes[(*seed >> 8) % (sizeof(bytes) - 1)];
	}
}

static void fuzz_json(const char *path, unsigned rounds)
{
	size_t len;
	char *orig = slurp(path, &len), *buf = malloc(len + 1);
	uint32_t seed = 42;

	assert_non_null(buf);
	for (unsigned r = 0; r < rounds; r++) {
		struct policy_diags diags = {0};
		struct policy *p = NULL;
		int ret;

		memcpy(buf, orig, len + 1);
		mutate(buf, len, &seed);
		ret = policy_load_string("fuzz.json", buf, len, &diags, &p);
		/* Either a policy, or errors that each name a place or the file. */
		if (ret == 0) {
			assert_non_null(p);
			assert_int_equal(diags.n_errors, 0);
		} else {
			assert_int_equal(ret, -EINVAL);
			assert_null(p);
			assert_true(diags.n_errors > 0);
		}
		for (unsigned i = 0; i < diags.n; i++)
			assert_string_equal(diags.v[i].file, "fuzz.json");
		policy_unref(p);
		policy_diags_clear(&diags);
	}
	free(buf);
	free(orig);
}

static void test_fuzz_json(void **state)
{
	enter_data_dir();
	fuzz_json("good/basic.json", 10000);
	fuzz_json("good/warnings.json", 3000);
}

static void test_fuzz_xml(void **state)
{
	size_t len;
	char *orig, *buf;
	uint32_t seed = 7;

	enter_data_dir();
	orig = slurp("qubes/qubes.xml", &len);
	buf = malloc(len + 1);
	assert_non_null(buf);
	for (unsigned r = 0; r < 5000; r++) {
		struct policy_diags diags = {0};
		struct json_object *doc = NULL;
		int ret;

		memcpy(buf, orig, len + 1);
		mutate(buf, len, &seed);
		ret = policy_from_qubes_string("fuzz.xml", buf, len, "qubes/sysfs", &diags, &doc);
		assert_true(ret == 0 || ret == -EINVAL);
		assert_true((ret == 0) == (doc != NULL));
		json_object_put(doc);
		policy_diags_clear(&diags);
	}
	free(buf);
	free(orig);
}

static void test_numbers_and_escapes(void **state)
{
	static const struct {
		const char *text, *diag;
	} cases[] = {
	    {"{ \"rules\": [ { \"match\": { \"vendor\": \"0x8086\" }, \"policy\": \"strict\", "
	     "\"extra-delay-ms\": 1e999999 } ] }",
	     "t.json:1:87: error: 'extra-delay-ms' must be a whole number of milliseconds from 0 "
	     "to 60000, got 1e999999\n"},
	    {"{ \"rules\": [ { \"match\": { \"vendor\": \"0x8086\" }, \"policy\": \"strict\", "
	     "\"extra-delay-ms\": 00 } ] }",
	     "t.json:1:87: error: 'extra-delay-ms' must be a whole number of milliseconds from 0 "
	     "to 60000, got 00\n"},
	    /* Escaped keys are decoded like json-c does: this is the key "policy". */
	    {"{ \"rules\": [ { \"match\": { \"vendor\": \"0x8086\" }, \"pol\\u0069cy\": "
	     "\"sk\\u0069p\" "
	     "} ] }",
	     "t.json:1:14: error: a skip rule needs a 'reason' saying why the device must not be "
	     "reset\n"},
	    {"{ \"rules\": [ { \"match\": { \"vendor\": \"0x8086\" }, \"policy\": \"strict\", "
	     "\"re\\u0000son\": \"x\" } ] }",
	     /* A NUL ends a key for json-c and for us alike: an unknown key, never a crash. */
	     "t.json:1:69: error: unknown key 're' in rule\n"},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct policy_diags diags = {0};
		struct policy *p = NULL;
		char *got;

		assert_int_equal(
		    policy_load_string("t.json", cases[i].text, strlen(cases[i].text), &diags, &p),
		    -EINVAL);
		got = diags_text(&diags);
		assert_string_equal(got, cases[i].diag);
		free(got);
		policy_diags_clear(&diags);
	}
}

static void test_too_many_rules(void **state)
{
	static const char rule[] =
	    "{ \"match\": { \"vendor\": \"0x8086\" }, \"policy\": \"strict\" },\n";
	const unsigned n = POLICY_RULES_MAX + 10;
	size_t cap = n * sizeof(rule) + 64, len = 0;
	struct policy_diags diags = {0};
	struct policy *p = NULL;
	char *buf = malloc(cap), want[128];

	assert_non_null(buf);
	len += (size_t)sprintf(buf, "{ \"rules\": [\n");
	for (unsigned i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len, "%s", rule);
	len += (size_t)sprintf(buf + len - 2, "\n] }\n") - 2;
	assert_int_equal(policy_load_string("many.json", buf, len, &diags, &p), -EINVAL);
	assert_int_equal(diags.n_errors, 1);
	snprintf(want, sizeof(want), "too many rules (at most %u in all files)", POLICY_RULES_MAX);
	for (unsigned i = 0; i < diags.n; i++) {
		if (diags.v[i].severity != POLICY_ERROR)
			continue;
		assert_string_equal(diags.v[i].msg, want);
		assert_int_equal(diags.v[i].line, POLICY_RULES_MAX + 2);
	}
	/* One duplicate warning per rule, not one per pair. */
	assert_int_equal(diags.n_warnings, POLICY_RULES_MAX - 1);
	policy_diags_clear(&diags);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_huge_file),	      cmocka_unit_test(test_deep_nesting),
	    cmocka_unit_test(test_xml_deep_and_many), cmocka_unit_test(test_fuzz_json),
	    cmocka_unit_test(test_fuzz_xml),	      cmocka_unit_test(test_numbers_and_escapes),
	    cmocka_unit_test(test_too_many_rules),    cmocka_unit_test(test_qubes_import_reloads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
