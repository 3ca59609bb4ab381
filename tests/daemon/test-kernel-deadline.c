/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel-path writes have a deadline: the real sysfs adapter on an exported
 * tree whose "reset" and pciback "do_flr" attributes are FIFOs nobody reads,
 * so the write blocks (in open(2)) as a hung kernel reset would. The request
 * is answered failed with the reason after the deadline, the queue behind
 * it moves on, and a shutdown during such a write answers at once; the
 * abandoned threads finish when the FIFOs are finally read.
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

#include "enginetest.h"
#include "manager.h"
#include "offload.h"

struct answer {
	char id[REQUEST_ID_MAX + 1];
	struct manager_result res;
	usec_t at;
};

struct rec {
	struct answer a[8];
	unsigned n;
};

static void rec_accepted(void *ud, const struct request *r)
{
}

static void rec_done(void *ud, const struct request *r, const struct manager_result *res)
{
	struct rec *c = ud;

	assert_true(c->n < ELEMENTSOF(c->a));
	c->a[c->n] = (struct answer){.res = *res, .at = now_usec()};
	snprintf(c->a[c->n++].id, sizeof(c->a[0].id), "%s", r->id);
}

static int no_audit(void *ud, const char *const *fields, unsigned n)
{
	return 0;
}

static const struct answer *answer_of(const struct rec *c, const char *id)
{
	for (unsigned i = 0; i < c->n; i++)
		if (streq(c->a[i].id, id))
			return &c->a[i];
	return NULL;
}

static void submit(struct manager *m, const char *id, const char *sbdf)
{
	struct request_field f[2] = {{"sbdf", sbdf, (unsigned)strlen(sbdf)},
				     {"reason", "attach", 6}};
	struct request r;
	struct why why = {""};

	assert_int_equal(request_parse(id, f, 2, &r, &why), 0);
	assert_int_equal(manager_submit(m, &r), 0);
}

static void run_until(sd_event *e, const struct rec *c, unsigned n, usec_t max)
{
	usec_t deadline = now_usec() + max;

	while (c->n < n) {
		assert_true(now_usec() < deadline);
		assert_true(sd_event_run(e, 20 * USEC_PER_MSEC) >= 0);
	}
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static const char policy_text[] =
    "{ \"rules\": [\n"
    "  { \"match\": { \"sbdf\": \"0000:01:00.0\" }, \"policy\": \"strict\",\n"
    "    \"methods\": [\"kernel\"] },\n"
    "  { \"match\": { \"sbdf\": \"0000:01:00.1\" }, \"policy\": \"skip\", \"reason\": \"t\" },\n"
    "  { \"match\": { \"sbdf\": \"0000:02:00.0\" }, \"policy\": \"strict\",\n"
    "    \"methods\": [\"pciback\"] }\n"
    "] }\n";

static void hung_kernel_writes(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *model = devmodel_new();
	char root[] = "/tmp/pcirst-hang-XXXXXX", reset[256], do_flr[256];
	struct pci_host *host = NULL;
	struct policy_handle *ph = NULL;
	struct policy *p = NULL;
	sd_event *event = NULL;
	struct manager *m = NULL;
	struct rec rec = {0};
	struct audit_sink sink = {no_audit, NULL};
	struct manager_reporter rep = {rec_accepted, rec_done, &rec};
	struct reset_timing t;
	const struct answer *a;
	usec_t t0, aborted;
	int fds[2];

	add_root_port(model, "0000:00:01.0", 1, 2);
	add_root_port(model, "0000:00:02.0", 2, 2);
	devmodel_add(model, &(struct simdev_spec){.sbdf = "0000:01:00.0",
						  .parent = "0000:00:01.0",
						  .vendor = 0x1af4,
						  .device = 0x1041,
						  .class_code = 0x020000,
						  .driver = "pciback",
						  .pcie = true,
						  .kernel_reset = true,
						  .multifunction = true});
	add_endpoint(model, "0000:01:00.1", "0000:00:01.0", "pciback", true, true);
	add_endpoint(model, "0000:02:00.0", "0000:00:02.0", "pciback", true, true);
	devmodel_set_do_flr(model, true);
	assert_non_null(mkdtemp(root));
	assert_int_equal(devmodel_export(model, root), 0);
	/* The attributes become FIFOs: a write opens them and waits for a reader forever. */
	snprintf(reset, sizeof(reset), "%s/sys/bus/pci/devices/0000:01:00.0/reset", root);
	snprintf(do_flr, sizeof(do_flr), "%s/sys/bus/pci/drivers/pciback/do_flr", root);
	assert_int_equal(unlink(reset), 0);
	assert_int_equal(mkfifo(reset, 0600), 0);
	assert_int_equal(unlink(do_flr), 0);
	assert_int_equal(mkfifo(do_flr, 0600), 0);

	assert_int_equal(sysfs_host_new(root, &host), 0);
	assert_int_equal(sd_event_new(&event), 0);
	assert_int_equal(policy_load_string("t.json", policy_text, strlen(policy_text), NULL, &p),
			 0);
	assert_int_equal(policy_handle_new(p, &ph), 0);
	policy_unref(p);
	assert_int_equal(manager_new(event, host, ph, &sink, &rep, &m), 0);
	test_timing(&t);
	t.kernel_timeout = 300 * USEC_PER_MSEC;
	manager_set_timing(m, &t);

	/* 01:00.1 shares the bridge with 01:00.0: it waits behind the hung reset. */
	t0 = now_usec();
	submit(m, "hung", "0000:01:00.0");
	submit(m, "behind", "0000:01:00.1");
	run_until(event, &rec, 2, 3 * USEC_PER_SEC);
	a = answer_of(&rec, "hung");
	assert_non_null(a);
	print_message("hung write answered after %llu ms (deadline 300 ms): %s\n",
		      (unsigned long long)((a->at - t0) / USEC_PER_MSEC), a->res.error);
	assert_int_equal(a->res.result, RESULT_FAILED);
	assert_non_null(strstr(a->res.error, "the write to reset did not return within 300 ms: "
					     "abandoned"));
	assert_true(a->at - t0 >= 300 * USEC_PER_MSEC);
	assert_true(a->at - t0 < 1500 * USEC_PER_MSEC);
	a = answer_of(&rec, "behind");
	assert_non_null(a);
	assert_int_equal(a->res.result, RESULT_SKIPPED); /* the queue moved on */
	assert_int_equal(offload_abandoned_running(), 1);

	/* Shutdown during a hung do_flr with a long deadline: answered at once, not waited for. */
	t.kernel_timeout = 60 * USEC_PER_SEC;
	manager_set_timing(m, &t);
	submit(m, "stopping", "0000:02:00.0");
	for (usec_t until = now_usec() + 100 * USEC_PER_MSEC; now_usec() < until;)
		assert_true(sd_event_run(event, 10 * USEC_PER_MSEC) >= 0);
	assert_int_equal(rec.n, 2); /* still writing */
	aborted = now_usec();
	manager_abort_all(m, "pcirstd is stopping");
	run_until(event, &rec, 3, 1 * USEC_PER_SEC);
	a = answer_of(&rec, "stopping");
	print_message("shutdown answered the hung do_flr after %llu ms: %s\n",
		      (unsigned long long)((a->at - aborted) / USEC_PER_MSEC), a->res.error);
	assert_int_equal(a->res.result, RESULT_FAILED);
	assert_non_null(strstr(a->res.error, "pcirstd is stopping"));
	assert_true(a->at - aborted < 200 * USEC_PER_MSEC);
	assert_int_equal(offload_abandoned_running(), 2);

	/* Reading the FIFOs lets the writes return: the abandoned threads end on their own. */
	fds[0] = open(reset, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	fds[1] = open(do_flr, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(fds[0] >= 0 && fds[1] >= 0);
	for (usec_t until = now_usec() + 2 * USEC_PER_SEC; offload_abandoned_running() > 0;) {
		assert_true(now_usec() < until);
		usleep(5000);
	}
	close(fds[0]);
	close(fds[1]);

	manager_free(m);
	policy_handle_free(ph);
	sd_event_unref(event);
	pci_host_free(host);
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(hung_kernel_writes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
