/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcirstctl probe on functions whose config space cannot be examined: all
 * ones, capability pointers into the header or beyond the file, truncated
 * and empty config files. The table names the error in the status column
 * (never "(null)"), the JSON parses and names it, and nothing crashes.
 */
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <unistd.h>

#include "ctlrun.h"
#include "devmodel.h"
#include "pci-regs.h"
#include "util.h"

static char root[64];

static void cfg_path(const char *sbdf, char *buf, size_t size)
{
	snprintf(buf, size, "%s/sys/bus/pci/devices/%s/config", root, sbdf);
}

static void poke(const char *sbdf, unsigned off, uint8_t v)
{
	char path[256];
	int fd;

	cfg_path(sbdf, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &v, 1, off), 1);
	close(fd);
}

static void all_ones(const char *sbdf)
{
	uint8_t buf[PCI_CFG_SPACE_EXP_SIZE];
	char path[256];
	int fd;

	memset(buf, 0xff, sizeof(buf));
	cfg_path(sbdf, path, sizeof(path));
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
	close(fd);
}

static void truncate_cfg(const char *sbdf, off_t size)
{
	char path[256];

	cfg_path(sbdf, path, sizeof(path));
	assert_int_equal(truncate(path, size), 0);
}

/*
 *   01:00.0 all ones          02:00.0 PCIe capability's next pointer into the header
 *   03:00.0 truncated to 64   04:00.0 empty config file
 *   04:00.1 a capability list that loops
 */
static int setup(void **state)
{
	char cmd[256];

	snprintf(root, sizeof(root), "/tmp/pcirst-hostile-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(cmd, sizeof(cmd), "%s %s", getenv("PCIRST_SIMTREE"), root);
	assert_int_equal(system(cmd), 0);
	all_ones("0000:01:00.0");
	poke("0000:02:00.0", SIM_PCIE_CAP + 1, 0x10);
	truncate_cfg("0000:03:00.0", 64);
	truncate_cfg("0000:04:00.0", 0);
	poke("0000:04:00.1", SIM_PCIE_CAP + 1, SIM_PCIE_CAP);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

static const char *const hostile[] = {"0000:01:00.0", "0000:02:00.0", "0000:03:00.0",
				      "0000:04:00.0", "0000:04:00.1"};

static void probe_table(void **state)
{
	struct ctl_run r = ctl_run((const char *const[]){"--sysfs-root", root, "probe", NULL});

	/* One line each: the methods that could not be examined say "error". */
	print_message("%s%s", r.out, r.err);
	assert_null(strstr(r.out, "(null)"));
	assert_null(strstr(r.err, "(null)"));
	assert_non_null(strstr(r.out, " flr:error "));
	assert_non_null(strstr(r.out, " pm:error "));
	assert_null(strstr(r.out, "\n    "));
	assert_true(r.status == 0 || r.status == 4);
	ctl_run_free(&r);

	r = ctl_run((const char *const[]){"--sysfs-root", root, "probe", "-v", NULL});
	print_message("%s%s", r.out, r.err);
	assert_null(strstr(r.out, "(null)"));
	assert_null(strstr(r.err, "(null)"));
	/* Every method of the all-ones function: "error" and why. */
	assert_non_null(strstr(r.out, "    flr      error       device not responding (config "
				      "space reads all-ones)"));
	assert_non_null(strstr(r.out, "points to 0x10, inside the header"));
	assert_non_null(strstr(r.out, "    pm       error       capability list loops at 0x60"));
	assert_non_null(strstr(r.out, "config space truncated: cannot read offset 0x040"));
	/* The healthy function is still listed in full. */
	assert_non_null(strstr(r.out, "0000:00:1f.2  8086:2922  010601  ahci"));
	assert_true(r.status == 0 || r.status == 4);
	ctl_run_free(&r);
}

/* The object for sbdf in the array, or NULL. */
static struct json_object *find(struct json_object *a, const char *sbdf)
{
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *d = json_object_array_get_idx(a, i), *v;

		if (json_object_object_get_ex(d, "sbdf", &v) &&
		    streq(json_object_get_string(v), sbdf))
			return d;
	}
	return NULL;
}

/* Each hostile function is in the JSON, naming an error: per method or for the whole function. */
static void probe_json(void **state)
{
	const char *args[16] = {"--sysfs-root", root, "probe", "--json"};
	struct json_object *a, *d, *m, *v;
	struct ctl_run r;
	unsigned n = 4;

	for (unsigned i = 0; i < ELEMENTSOF(hostile); i++)
		args[n++] = hostile[i];
	args[n] = NULL;
	r = ctl_run(args);
	print_message("%s%s", r.out, r.err);
	a = json_tokener_parse(r.out);
	assert_non_null(a);
	assert_true(json_object_is_type(a, json_type_array));
	for (unsigned i = 0; i < ELEMENTSOF(hostile); i++) {
		bool named = false;

		d = find(a, hostile[i]);
		assert_non_null(d);
		if (json_object_object_get_ex(d, "error", &v)) {
			assert_true(strlen(json_object_get_string(v)) > 0);
			named = true;
		} else {
			assert_true(json_object_object_get_ex(d, "methods", &m));
			json_object_object_foreach(m, name, e)
			{
				assert_true(json_object_object_get_ex(e, "status", &v));
				assert_non_null(json_object_get_string(v));
				if (!streq(json_object_get_string(v), "error"))
					continue;
				assert_true(json_object_object_get_ex(e, "why", &v));
				assert_true(strlen(json_object_get_string(v)) > 0);
				print_message("%s %s: %s\n", hostile[i], name,
					      json_object_get_string(v));
				named = true;
			}
		}
		assert_true(named);
	}
	d = find(a, "0000:01:00.0");
	assert_true(json_object_object_get_ex(d, "methods", &m));
	assert_true(json_object_object_get_ex(m, "flr", &v));
	assert_true(json_object_object_get_ex(v, "why", &v));
	assert_string_equal(json_object_get_string(v),
			    "device not responding (config space reads all-ones)");
	json_object_put(a);
	ctl_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(probe_table),
	    cmocka_unit_test(probe_json),
	};

	if (!getenv("PCIRSTCTL") || !getenv("PCIRST_SIMTREE"))
		return 77;
	return cmocka_run_group_tests(tests, setup, teardown);
}
