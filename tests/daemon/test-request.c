/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Request parsing: good requests, and an exact error for each malformed one. */
#include <stdio.h>

#include "request.h"
#include "testlib.h"

#define F(n, v)                     \
	{                           \
		n, v, sizeof(v) - 1 \
	}

static void good(void **state)
{
	const struct request_field f[] = {
	    F("sbdf", "0000:03:00.0 0000:03:00.1"),
	    F("domid", "12"),
	    F("reason", "attach"),
	    F("options", "no-strict-reset"),
	    F("created", "1764050000"),
	};
	struct request r;
	struct why why = {""};

	assert_int_equal(request_parse("1234-1-deadbeef", f, ELEMENTSOF(f), &r, &why), 0);
	assert_string_equal(r.id, "1234-1-deadbeef");
	assert_int_equal(r.n_targets, 2);
	assert_int_equal(r.targets[1].bus, 3);
	assert_int_equal(r.targets[1].fn, 1);
	assert_int_equal(r.domid, 12);
	assert_int_equal(r.reason, REQUEST_ATTACH);
	assert_true(r.options.has_mode);
	assert_int_equal(r.options.mode, POLICY_LENIENT);
	assert_int_equal(r.created, 1764050000);
}

static void minimal(void **state)
{
	const struct request_field f[] = {F("reason", "manual"), F("sbdf", "03:00.0")};
	struct request r;

	assert_int_equal(request_parse("a", f, ELEMENTSOF(f), &r, NULL), 0);
	assert_int_equal(r.domid, -1);
	assert_int_equal(r.created, -1);
	assert_false(r.options.has_mode);
}

struct bad_case {
	const char *id;
	struct request_field fields[4];
	unsigned n;
	const char *error;
};

static void bad(void **state)
{
	static char long_value[REQUEST_VALUE_MAX + 2];
	static const struct bad_case cases[] = {
	    {"",
	     {F("sbdf", "0000:03:00.0"), F("reason", "attach")},
	     2,
	     "request id is not 1-64 characters of letters, digits, '_' and '-'"},
	    {"a/b",
	     {F("sbdf", "0000:03:00.0"), F("reason", "attach")},
	     2,
	     "request id is not 1-64 characters of letters, digits, '_' and '-'"},
	    {"x", {F("reason", "attach")}, 1, "field 'sbdf' is missing"},
	    {"x", {F("sbdf", "0000:03:00.0")}, 1, "field 'reason' is missing"},
	    {"x",
	     {F("sbdf", "0000:03:00"), F("reason", "attach")},
	     2,
	     "field 'sbdf': '0000:03:00' is not a PCI address (DDDD:BB:DD.F)"},
	    {"x", {F("sbdf", ""), F("reason", "attach")}, 2, "field 'sbdf' is empty"},
	    {"x",
	     {F("sbdf", "03:00.0  03:00.1"), F("reason", "attach")},
	     2,
	     "field 'sbdf': addresses must be separated by single spaces"},
	    {"x",
	     {F("sbdf", "03:00.0 0000:03:00.0"), F("reason", "attach")},
	     2,
	     "field 'sbdf': '0000:03:00.0' given twice"},
	    {"x",
	     {F("sbdf", "0:0.0 0:0.1 0:0.2 0:0.3 0:0.4 0:0.5 0:0.6 0:0.7 0:1.0"),
	      F("reason", "attach")},
	     2,
	     "field 'sbdf': '0:0.0' is not a PCI address (DDDD:BB:DD.F)"},
	    {"x",
	     {F("sbdf", "00:00.0 00:00.1 00:00.2 00:00.3 00:00.4 00:00.5 00:00.6 00:00.7 "
			"00:01.0"),
	      F("reason", "attach")},
	     2,
	     "field 'sbdf': more than 8 addresses"},
	    {"x",
	     {F("sbdf", "03:00.0"), F("reason", "attach"), F("domid", "-1")},
	     3,
	     "field 'domid': '-1' is not a domain id (0 to 32751)"},
	    {"x",
	     {F("sbdf", "03:00.0"), F("reason", "attach"), F("domid", "32752")},
	     3,
	     "field 'domid': '32752' is not a domain id (0 to 32751)"},
	    {"x",
	     {F("sbdf", "03:00.0"), F("reason", "attach"), F("domid", "007")},
	     3,
	     "field 'domid': '007' is not a domain id (0 to 32751)"},
	    {"x",
	     {F("sbdf", "03:00.0"), F("reason", "boot")},
	     2,
	     "field 'reason': 'boot' is not one of attach, detach, manual"},
	    {"x",
	     {F("sbdf", "03:00.0"), F("reason", "attach"), F("reasno", "x")},
	     3,
	     "unknown field 'reasno' (did you mean 'reason'?)"},
	    {"x",
	     {F("sbdf", "03:00.0"), F("reason", "attach"), F("reason", "detach")},
	     3,
	     "field 'reason' given twice"},
	    {"x",
	     {F("sbdf", "03:00.0"), F("reason", "attach\n")},
	     2,
	     "field 'reason' contains control characters"},
	    {"x",
	     {F("sbdf", "03:00.0"), F("reason", "attach"), F("created", "soon")},
	     3,
	     "field 'created': 'soon' is not a time in seconds"},
	};
	const struct request_field nul[] = {{"sbdf", "03:00.0\0x", 9}, F("reason", "attach")};
	struct request_field longf[] = {{"sbdf", long_value, REQUEST_VALUE_MAX + 1},
					F("reason", "attach")};
	struct request r;
	struct why why;

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		why.msg[0] = '\0';
		assert_int_equal(request_parse(cases[i].id, cases[i].fields, cases[i].n, &r, &why),
				 -EINVAL);
		assert_string_equal(why.msg, cases[i].error);
	}
	assert_int_equal(request_parse("x", nul, 2, &r, &why), -EINVAL);
	assert_string_equal(why.msg, "field 'sbdf' contains control characters");
	memset(long_value, 'a', sizeof(long_value) - 1);
	assert_int_equal(request_parse("x", longf, 2, &r, &why), -EINVAL);
	assert_string_equal(why.msg, "field 'sbdf' is 257 bytes long (at most 256)");
}

static void bad_options(void **state)
{
	const struct request_field f[] = {F("sbdf", "03:00.0"), F("reason", "attach"),
					  F("options", "no-strict-rest")};
	struct request r;
	struct why why = {""};

	assert_int_equal(request_parse("x", f, ELEMENTSOF(f), &r, &why), -EINVAL);
	assert_non_null(strstr(why.msg, "field 'options': "));
	assert_non_null(strstr(why.msg, "no-strict-rest"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(good),
	    cmocka_unit_test(minimal),
	    cmocka_unit_test(bad),
	    cmocka_unit_test(bad_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
