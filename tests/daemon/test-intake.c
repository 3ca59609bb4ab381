/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Request intake from a store others write into (daemon/xs-requests.c), the
 * real daemon against a real xenstored: a request with more fields than any
 * valid one is refused with a reason; an id of characters the protocol does
 * not allow ('@', which xenstored takes) is refused under that id; an over-long id node removed and
 * written again is noticed again (its removal is found in the listing,
 * since no path can be built from it); and after each, the daemon serves.
 */
#include <stdio.h>

#include "daemon-fixture.h"

static void serves(void)
{
	struct pcirst_result *r = request("0000:02:00.0", NULL);

	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_OK);
	pcirst_result_free(r);
}

static void too_many_fields(void **state)
{
	struct fixture *f = *state;
	const char *kv[2 * 20 + 1];
	char names[20][8];
	char *v;

	start_daemon(f);
	wait_ready(f, true);
	/* sbdf, reason and 18 more: more than the 16 a listing may hold. */
	kv[0] = "sbdf", kv[1] = "0000:01:00.0", kv[2] = "reason", kv[3] = "attach";
	for (unsigned i = 2; i < 20; i++) {
		snprintf(names[i], sizeof(names[i]), "x%u", i);
		kv[2 * i] = names[i];
		kv[2 * i + 1] = "1";
	}
	kv[40] = NULL;
	raw_request(f, "many", kv);
	expect_response(f, "many", "result", "refused");
	v = wait_response(f, "many", "error");
	assert_string_equal(v, "too many fields");
	free(v);
	serves();
}

static void id_not_allowed(void **state)
{
	/* xenstored takes letters, digits and "-/_@" in a node name; the protocol no '@'. */
	static const char *const ids[] = {"a@b", "@", "req@0"};
	struct fixture *f = *state;

	start_daemon(f);
	wait_ready(f, true);
	for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
		char *v;

		raw_request(
		    f, ids[i],
		    (const char *const[]){"sbdf", "0000:01:00.0", "reason", "attach", NULL});
		expect_response(f, ids[i], "result", "refused");
		v = wait_response(f, ids[i], "error");
		assert_string_equal(v, "request id is not 1-64 characters of letters, digits, '_' "
				       "and '-'");
		free(v);
	}
	serves();
}

static void overlong_id_removed_and_written_again(void **state)
{
	struct fixture *f = *state;
	char longid[80], path[160];

	memset(longid, 'y', 70);
	longid[70] = '\0';
	snprintf(path, sizeof(path), BASE "/request/%s", longid);
	start_daemon(f);
	wait_ready(f, true);
	raw_request(f, longid,
		    (const char *const[]){"sbdf", "0000:01:00.0", "reason", "attach", NULL});
	serves(); /* answered after it: the daemon has seen the long one */
	sh("test $(grep -c '(70 characters)' %s/pcirstd.log) = 1", f->dir);
	/* A field written under it changes nothing: still logged once. */
	raw_request(f, longid, (const char *const[]){"domid", "3", NULL});
	serves();
	sh("test $(grep -c '(70 characters)' %s/pcirstd.log) = 1", f->dir);
	/* Removed, then written again: a new node, noticed (and logged) again, never answered. */
	assert_true(xs_rm(f->h, XBT_NULL, path));
	serves();
	raw_request(f, longid,
		    (const char *const[]){"sbdf", "0000:01:00.0", "reason", "attach", NULL});
	serves();
	sh("test $(grep -c '(70 characters)' %s/pcirstd.log) = 2", f->dir);
	assert_null(xs_read(f->h, XBT_NULL,
			    BASE "/response/yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
				 "yyyyyyyyyyyyyyyyyyyyyyyy/state",
			    NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(too_many_fields, setup, teardown),
	    cmocka_unit_test_setup_teardown(id_not_allowed, setup, teardown),
	    cmocka_unit_test_setup_teardown(overlong_id_removed_and_written_again, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
