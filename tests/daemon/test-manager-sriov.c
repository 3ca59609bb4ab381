/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The manager and an SR-IOV PF: a PF whose VF a domain holds is answered
 * refused (not failed, not failed-ignored) under a strict and a lenient
 * decision alike, audited as a refusal, nothing reset; which functions
 * domains hold is asked only for such a PF, once per reset, and a source
 * that fails leaves the VFs' drivers to judge.
 */
#include <stdio.h>

#include "audit.h"
#include "manager-fixture.h"

#define PF  "0000:05:00.0"
#define VF1 "0000:05:00.1"
#define VF2 "0000:05:00.2"

struct held {
	int error;
	unsigned asked;
};

static int held_list(void *userdata, struct pcirst_sbdf **out, unsigned *n)
{
	struct held *h = userdata;

	h->asked++;
	if (h->error < 0)
		return h->error;
	*out = calloc(2, sizeof(**out));
	assert_non_null(*out);
	/* Domain 3 holds 02:00.0 and the PF's second VF. */
	assert_int_equal(pcirst_sbdf_parse("0000:02:00.0", &(*out)[0]), 0);
	assert_int_equal(pcirst_sbdf_parse(VF2, &(*out)[1]), 0);
	*n = 2;
	return 0;
}

static struct simdev *add_sriov(struct mfixture *f)
{
	struct simdev_spec pf = nvme_spec(PF, "pciback"), vf = nvme_spec(VF1, "pciback");
	struct simdev *d;

	add_root_port(f->model, "0000:00:05.0", 5, 2);
	pf.parent = vf.parent = "0000:00:05.0";
	pf.multifunction = true;
	pf.pf = true;
	pf.total_vfs = 2;
	pf.vf_device = 0x0010;
	d = devmodel_add(f->model, &pf);
	simdev_program(d);
	vf.vf = true;
	vf.physfn = PF;
	devmodel_add(f->model, &vf);
	vf.sbdf = VF2;
	devmodel_add(f->model, &vf);
	simdev_sriov_enable(d, 2);
	return d;
}

static void pf_refused_under_any_mode(void **state)
{
	struct mfixture *f = *state;
	struct simdev *pf = add_sriov(f);
	struct held held = {0};
	const struct event *e;

	manager_set_assigned_source(f->m, &(struct manager_assigned_source){held_list, &held});
	/* Other resets never ask, though a domain holds a function. */
	msubmit(f, "plain", "0000:01:00.0", NULL);
	mrun_until(f, 1);
	assert_int_equal(mfind(f, "plain", true)->res.result, RESULT_OK);
	assert_int_equal(held.asked, 0);

	msubmit(f, "strict", PF, NULL);
	mrun_until(f, 2);
	/* The built-in default lets the request weaken it: lenient. */
	msubmit(f, "lenient", PF, "no-strict-reset");
	mrun_until(f, 3);
	for (unsigned i = 0; i < 2; i++) {
		const char *mode = i ? "lenient" : "strict";

		e = mfind(f, mode, true);
		print_message("%s: %s: %s\n", mode, manager_result_name(e->res.result),
			      e->res.error);
		assert_int_equal(e->res.result, RESULT_REFUSED);
		assert_string_equal(e->res.policy, mode);
		assert_string_equal(e->res.method, "");
		assert_non_null(strstr(e->res.error, VF2 " (assigned to a domain)"));
		assert_null(strstr(e->res.error, VF1));
		assert_string_equal(f->rec.audit_ids[1 + i],
				    audit_message_id(AUDIT_REQUEST_REFUSED));
	}
	assert_int_equal(held.asked, 2); /* once per reset */
	assert_int_equal(simdev_reset_count(pf), 0);

	/* The store cannot be read: the VFs are judged by their drivers (pciback: reset). */
	held.error = -ENOTCONN;
	msubmit(f, "unknown", PF, NULL);
	mrun_until(f, 4);
	assert_int_equal(mfind(f, "unknown", true)->res.result, RESULT_OK);
	assert_int_equal(held.asked, 3);
	assert_int_equal(simdev_reset_count(pf), 1);
	assert_int_equal(f->rec.n_audit, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(pf_refused_under_any_mode, mfixture_setup,
					    mfixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
