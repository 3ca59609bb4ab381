/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The real pcirstctl binary on a simulated tree: output, JSON, exit codes, --help. */
#include <json-c/json.h>
#include <stdio.h>
#include <sys/wait.h>

#include "privjournal.h"
#include "simserve.h"
#include "testlib.h"
#include "util.h"

static char root[64];

/* Runs pcirstctl with args; returns its exit status, stdout+stderr in out. */
static int ctl(char *out, size_t size, const char *fmt, ...) _printf_(3, 4);
static int ctl(char *out, size_t size, const char *fmt, ...)
{
	char args[512], cmd[1024];
	va_list ap;
	FILE *p;
	size_t n;
	int status;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s --sysfs-root %s %s 2>&1", getenv("PCIRSTCTL"), root, args);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	status = pclose(p);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static char out[65536];

static int setup(void **state)
{
	assert_int_equal(simserve_start(root, sizeof(root), "/tmp/pcirst-cli-XXXXXX"), 0);
	return 0;
}

static int teardown(void **state)
{
	return simserve_stop(root);
}

/* The default: one line per function, a word for each method not usable. */
static void probe_lines(void **state)
{
	assert_int_equal(ctl(out, sizeof(out), "probe"), 0);
	assert_non_null(strstr(out, "DEVICE        ID         DRIVER      METHODS             "
				    "NOT USABLE\n"));
	assert_non_null(strstr(out, "\n0000:01:00.0  1af4:1041  pciback     flr pm bus kernel   "
				    "af-flr:unsupported pciback:unsupported\n"));
	assert_non_null(strstr(out, "\n0000:04:00.0  8086:1521  pciback     flr                 "
				    "af-flr:unsupported pm:unsupported bus:refused "
				    "kernel:unsupported pciback:unsupported\n"));
	/* Bridges: one line with their kind, no per-method words. */
	assert_non_null(strstr(out, "\n0000:00:01.0  8086:7c10  pcieport    none                "
				    "[bridge]\n"));
	/* Nothing else: a header and one line per function of the tree. */
	assert_null(strstr(out, "\n    "));
	assert_null(strstr(out, "Device Capabilities"));
}

/* -v: today's detail, every reason in full. */
static void probe_table(void **state)
{
	assert_int_equal(ctl(out, sizeof(out), "probe -v"), 0);
	assert_non_null(strstr(out, "0000:01:00.0  1af4:1041  020000  pciback     1      "
				    "0000:00:01.0  flr pm bus kernel"));
	assert_non_null(strstr(out, "0000:03:00.0  8086:10d3  020000  pciback     3      "
				    "0000:00:03.0  pm bus kernel"));
	assert_non_null(strstr(out, "0000:00:1f.2  8086:2922  010601  ahci"));
	assert_non_null(strstr(out,
			       "    bus      refused     a secondary bus reset on 0000:00:04.0 "
			       "would also reset 0000:04:00.1 (e1000e)"));
}

static void probe_json(void **state)
{
	struct json_object *a, *d, *m, *v;

	assert_int_equal(ctl(out, sizeof(out), "probe --json 0000:01:00.0 0000:04:00.1"), 0);
	a = json_tokener_parse(out);
	assert_non_null(a);
	assert_int_equal(json_object_array_length(a), 2);
	d = json_object_array_get_idx(a, 0);
	assert_true(json_object_object_get_ex(d, "driver-kind", &v));
	assert_string_equal(json_object_get_string(v), "pciback");
	assert_true(json_object_object_get_ex(d, "parent", &v));
	assert_string_equal(json_object_get_string(v), "0000:00:01.0");
	assert_true(json_object_object_get_ex(d, "methods", &m));
	assert_true(json_object_object_get_ex(m, "flr", &v));
	assert_true(json_object_object_get_ex(v, "status", &v));
	assert_string_equal(json_object_get_string(v), "supported");
	d = json_object_array_get_idx(a, 1);
	assert_true(json_object_object_get_ex(d, "methods", &m));
	assert_true(json_object_object_get_ex(m, "flr", &v));
	assert_true(json_object_object_get_ex(v, "status", &v));
	assert_string_equal(json_object_get_string(v), "refused");
	json_object_put(a);
}

static void probe_errors(void **state)
{
	assert_int_equal(ctl(out, sizeof(out), "probe 0000:09:00.0"), 4);
	assert_non_null(strstr(out, "0000:09:00.0: no such device"));
	assert_int_equal(ctl(out, sizeof(out), "probe bad"), 2);
	assert_non_null(strstr(out, "invalid PCI address 'bad'"));
}

static bool file_equals(const char *rel, const char *want)
{
	char path[256], buf[64] = "";
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s", root, rel);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return streq(buf, want);
}

static void reset_direct(void **state)
{
	struct json_object *o, *v;
	char a[256], b[256], cmd[600];

	assert_int_equal(ctl(out, sizeof(out), "reset 0000:01:00.0 --method flr"), 0);
	assert_non_null(strstr(out, "verdict: ok (flr, effect verified)"));
	assert_non_null(strstr(out, "effect: verified (reset values read back: BAR0, Command"));
	assert_int_equal(ctl(out, sizeof(out), "reset 0000:01:00.0 --json"), 0);
	o = json_tokener_parse(out);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "verdict", &v));
	assert_string_equal(json_object_get_string(v), "ok");
	assert_true(json_object_object_get_ex(o, "effect", &v));
	assert_string_equal(json_object_get_string(v), "verified");
	json_object_put(o);

	/* A config file that is not served resets nothing: PM is found ineffective. */
	assert_int_equal(ctl(out, sizeof(out), "reset 0000:01:00.0 --method pm"), 1);
	assert_non_null(strstr(out, "ineffective"));
	assert_non_null(strstr(out, "BAR0 kept 0xfe000000 after D3hot→D0"));

	/* Refused: nothing is written. */
	snprintf(a, sizeof(a), "%s/sys/bus/pci/devices/0000:04:00.1/config", root);
	snprintf(b, sizeof(b), "%s/before", root);
	snprintf(cmd, sizeof(cmd), "cp %s %s", a, b);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(ctl(out, sizeof(out), "reset 0000:04:00.1"), 3);
	assert_non_null(strstr(out, "is bound to driver 'e1000e'"));
	snprintf(cmd, sizeof(cmd), "cmp -s %s %s", a, b);
	assert_int_equal(system(cmd), 0);

	/* The kernel's reset attribute gets "1"; the kernel restores config space itself. */
	assert_int_equal(ctl(out, sizeof(out), "reset 0000:02:00.0 --method kernel"), 0);
	assert_non_null(strstr(out, "effect unverified"));
	assert_true(file_equals("0000:02:00.0/reset", "1"));
}

static void usage_errors_and_help(void **state)
{
	assert_int_equal(ctl(out, sizeof(out), "reset 0000:01:00.0 --method nonsense"), 2);
	assert_non_null(strstr(out, "unknown method 'nonsense'"));
	assert_int_equal(ctl(out, sizeof(out), "reset 0000:01:00.0 --timeout 0"), 2);
	assert_int_equal(ctl(out, sizeof(out), "reset"), 2);
	assert_int_equal(ctl(out, sizeof(out), "frobnicate"), 2);
	for (const char *const *c =
		 (const char *const[]){"--help", "probe --help", "reset --help", "request --help",
				       "status --help", "policy --help", NULL};
	     *c; c++) {
		print_message("%s\n", *c);
		assert_int_equal(ctl(out, sizeof(out), "%s", *c), 0);
		assert_non_null(strstr(out, "Usage:"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(probe_lines),  cmocka_unit_test(probe_table),
	    cmocka_unit_test(probe_json),   cmocka_unit_test(probe_errors),
	    cmocka_unit_test(reset_direct), cmocka_unit_test(usage_errors_and_help),
	};

	if (!getenv("PCIRSTCTL") || !getenv("PCIRST_SIMTREE"))
		return 77;
	privjournal_enter_or_skip();
	return cmocka_run_group_tests(tests, setup, teardown);
}
