/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The real pcirstctl binary ($PCIRSTCTL) on the corpus: exit status and the
 * exact stderr of "policy check", "policy from-qubes" and usage errors; and
 * "probe" and "policy explain" showing what the quirk knowledge avoids, on
 * the simulated device tree ($PCIRST_SIMTREE).
 */
#include <glob.h>
#include <sys/wait.h>

#include <json-c/json.h>

#include "ctlrun.h"
#include "privjournal.h"
#include "policy-test.h"

/* pcirstctl with args (NULL-terminated), run in the data directory. */
static struct ctl_run run_ctl(const char *const *args)
{
	enter_data_dir();
	return ctl_run(args);
}

static char *expected_for(const char *path, const char *ext)
{
	char exp[4096];

	snprintf(exp, sizeof(exp), "%.*s.expected", (int)(strlen(path) - strlen(ext)), path);
	return slurp(exp, NULL);
}

static void check_corpus(const char *pattern, int want_status)
{
	glob_t g;

	enter_data_dir();
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	assert_true(g.gl_pathc > 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *path = g.gl_pathv[i];
		struct ctl_run r = run_ctl((const char *[]){"policy", "check", "-q", path, NULL});
		char *want = expected_for(path, ".json");

		if (r.status != want_status || strcmp(r.err, want) != 0)
			print_error("%s: status %d\n--- got\n%s--- want\n%s", path, r.status, r.err,
				    want);
		assert_int_equal(r.status, want_status);
		assert_string_equal(r.err, want);
		assert_string_equal(r.out, "");
		free(want);
		ctl_run_free(&r);
	}
	globfree(&g);
}

static void test_check_bad(void **state)
{
	check_corpus("bad/*.json", 1);
}

static void test_check_good(void **state)
{
	struct ctl_run r;

	check_corpus("good/*.json", 0);
	/* Without -q a verdict goes to stdout. */
	r = run_ctl(
	    (const char *[]){"policy", "check", "good/basic.json", "good/empty-rules.json", NULL});
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "valid: 6 rules from 2 files, 0 warnings\n");
	ctl_run_free(&r);
	/* A directory is checked as a policy directory. */
	r = run_ctl((const char *[]){"policy", "check", "good", NULL});
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "valid: 12 rules from 3 files, 6 warnings\n");
	ctl_run_free(&r);
}

static void test_from_qubes(void **state)
{
	struct ctl_run r = run_ctl((const char *[]){"--sysfs-root", "qubes/sysfs", "policy",
						    "from-qubes", "qubes/qubes.xml", NULL});
	char *want_out = slurp("qubes/qubes.expected.json", NULL);
	char *want_err = slurp("qubes/qubes.expected", NULL);

	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, want_out);
	assert_string_equal(r.err, want_err);
	ctl_run_free(&r);
	free(want_out);
	free(want_err);

	r = run_ctl((const char *[]){"policy", "from-qubes", "qubes/bad/doctype.xml", NULL});
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "qubes/bad/doctype.xml:2:1: error: DOCTYPE is not supported\n");
	assert_string_equal(r.out, "");
	ctl_run_free(&r);

	r = run_ctl((const char *[]){"policy", "from-qubes", "qubes/nonexistent.xml", NULL});
	assert_int_equal(r.status, 4);
	assert_string_equal(
	    r.err, "qubes/nonexistent.xml: error: cannot read: No such file or directory\n");
	ctl_run_free(&r);
}

static void test_usage(void **state)
{
	static const char *const helps[][4] = {
	    {"policy", "--help", NULL},
	    {"policy", "check", "--help", NULL},
	    {"policy", "explain", "--help", NULL},
	    {"policy", "from-qubes", "--help", NULL},
	};
	struct ctl_run r;

	for (size_t i = 0; i < ELEMENTSOF(helps); i++) {
		r = run_ctl((const char *const *)helps[i]);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.out, "Usage: pcirstctl"));
		assert_string_equal(r.err, "");
		ctl_run_free(&r);
	}
	r = run_ctl((const char *[]){"policy", "frobnicate", NULL});
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "pcirstctl policy: unknown command 'frobnicate' (check, "
				   "explain, from-qubes, suggest)\n");
	ctl_run_free(&r);
	r = run_ctl((const char *[]){"policy", "explain", "0000:3:00.0", NULL});
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "invalid PCI address '0000:3:00.0'"));
	ctl_run_free(&r);
	r = run_ctl((const char *[]){"policy", "explain", "-o", "no-strict-rest", "03:00.0", NULL});
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "pcirstctl policy explain: unknown option 'no-strict-rest'; "
				   "did you mean 'no-strict-reset'?\n");
	ctl_run_free(&r);
	/* explain refuses a broken policy before looking at any device. */
	r = run_ctl((const char *[]){"policy", "explain", "--policy-dir", "bad", "03:00.0", NULL});
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "bad/unknown-key.json:5:7: error: unknown key 'polcy' in "
				      "rule; did you mean 'policy'?\n"));
	ctl_run_free(&r);
}

static char simroot[64];

static int make_simtree(void **state)
{
	char cmd[256];

	snprintf(simroot, sizeof(simroot), "/tmp/pcirst-policy-cli-XXXXXX");
	assert_non_null(mkdtemp(simroot));
	snprintf(cmd, sizeof(cmd), "%s %s >/dev/null", getenv("PCIRST_SIMTREE"), simroot);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static int remove_simtree(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", simroot);
	return system(cmd);
}

/* The simulated 8086:10d3 at 03:00.0 supports PM; the test quirk avoids it. */
static void test_probe_avoided(void **state)
{
	struct json_object *a, *m, *v;
	struct ctl_run r = run_ctl((const char *[]){"--sysfs-root", simroot, "probe",
						    "--policy-dir", "probe", "0000:03:00.0", NULL});

	/* One line: not usable, in a word. */
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_non_null(strstr(r.out, "0000:03:00.0  8086:10d3  pciback     bus kernel          "
				      "flr:unsupported af-flr:unsupported pm:avoided "
				      "pciback:unsupported\n"));
	ctl_run_free(&r);

	r = run_ctl((const char *[]){"--sysfs-root", simroot, "probe", "-v", "--policy-dir",
				     "probe", "0000:03:00.0", NULL});
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	/* Not among the usable methods, and listed with the rule and its reason. */
	assert_non_null(strstr(r.out, "0000:03:00.0  8086:10d3  020000  pciback     3      "
				      "0000:00:03.0  bus kernel\n"));
	assert_non_null(strstr(r.out, "    pm       avoided     quirk probe/10-quirks.json:4: "
				      "test: D3hot->D0 resets nothing (quirk_no_pm_reset) "
				      "(the device: supported)\n"));
	ctl_run_free(&r);

	r = run_ctl((const char *[]){"--sysfs-root", simroot, "probe", "--json", "--policy-dir",
				     "probe", "0000:03:00.0", NULL});
	assert_int_equal(r.status, 0);
	a = json_tokener_parse(r.out);
	assert_non_null(a);
	assert_true(json_object_object_get_ex(json_object_array_get_idx(a, 0), "methods", &m));
	assert_true(json_object_object_get_ex(m, "pm", &m));
	assert_true(json_object_object_get_ex(m, "status", &v));
	assert_string_equal(json_object_get_string(v), "avoided");
	assert_true(json_object_object_get_ex(m, "probe", &v));
	assert_string_equal(json_object_get_string(v), "supported");
	assert_true(json_object_object_get_ex(m, "quirk", &m));
	assert_true(json_object_object_get_ex(m, "origin", &v));
	assert_string_equal(json_object_get_string(v), "probe/10-quirks.json:4:18");
	json_object_put(a);
	ctl_run_free(&r);

	/* Without knowledge the device's own answer stands. */
	r = run_ctl((const char *[]){"--sysfs-root", simroot, "probe", "-v", "--policy-dir", "good",
				     "0000:03:00.0", NULL});
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "0000:00:03.0  pm bus kernel\n"));
	ctl_run_free(&r);
}

static void test_explain_avoided(void **state)
{
	struct ctl_run r = run_ctl((const char *[]){"--sysfs-root", simroot, "policy", "explain",
						    "--policy-dir", "probe", "0000:03:00.0", NULL});

	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_non_null(strstr(r.out, "methods: flr, af-flr, bus (automatic order, less avoided "
				      "methods)\n"
				      "avoided: pm       probe/10-quirks.json:4:18  test: "
				      "D3hot->D0 resets nothing (quirk_no_pm_reset)\n"));
	assert_non_null(strstr(r.out, "  knowledge     probe/10-quirks.json:3:5  matches; records "
				      "knowledge only (avoided methods, extra delay)\n"));
	ctl_run_free(&r);
}

/*
 * 03:00.0 has knowledge rules only: the built-in default decides, and a
 * request may weaken it. A catch-all strict rule (class mask 0) is accepted
 * by check, with a warning, and takes that back.
 */
static void test_explain_default_weaken(void **state)
{
	struct ctl_run r =
	    run_ctl((const char *[]){"--sysfs-root", simroot, "policy", "explain", "--policy-dir",
				     "probe", "-o", "no-reset", "0000:03:00.0", NULL});

	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_non_null(strstr(r.out, "policy:  skip\n"));
	assert_non_null(strstr(r.out, "rule:    none matched; built-in default\n"));
	assert_non_null(
	    strstr(r.out, "requests may weaken: yes (built-in default: no rule with a policy "
			  "matches)\n"
			  "request: request weakened the policy to skip (allowed by the built-in "
			  "default: no rule with a policy matches this device)\n"));
	ctl_run_free(&r);

	r = run_ctl((const char *[]){"policy", "check", "catch-all", NULL});
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.err, "catch-all/90-strict-all.json:4:27: warning: class-mask "
				      "0x000000 matches every device\n"));
	ctl_run_free(&r);

	r = run_ctl((const char *[]){"--sysfs-root", simroot, "policy", "explain", "--policy-dir",
				     "probe", "--policy-dir", "catch-all", "-o", "no-reset",
				     "0000:03:00.0", NULL});
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "policy:  strict\n"));
	assert_non_null(strstr(r.out, "requests may weaken: no\n"
				      "request: request for skip refused: the policy for this "
				      "device is strict (catch-all/90-strict-all.json:3:5) and "
				      "does not set allow-request-weaken\n"));
	ctl_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check_bad),
	    cmocka_unit_test(test_check_good),
	    cmocka_unit_test(test_from_qubes),
	    cmocka_unit_test(test_usage),
	    cmocka_unit_test(test_probe_avoided),
	    cmocka_unit_test(test_explain_avoided),
	    cmocka_unit_test(test_explain_default_weaken),
	};

	privjournal_enter_or_skip();
	return cmocka_run_group_tests(tests, make_simtree, remove_simtree);
}
