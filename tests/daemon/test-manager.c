/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The manager on the device model with a real policy: every result kind,
 * parallel resets on independent devices, serialization on a shared bus,
 * identical requests sharing one reset, removal and shutdown mid-reset.
 */
#include <stdio.h>

#include "enginetest.h"
#include "manager.h"
#include "pci-regs.h"

#define MAX_EVENTS 32

struct event {
	bool done;
	char id[REQUEST_ID_MAX + 1];
	struct manager_result res;
	usec_t at;
};

struct recorder {
	struct event ev[MAX_EVENTS];
	unsigned n, n_done, n_audit;
	char audit_ids[MAX_EVENTS][40];
};

static void rec_accepted(void *ud, const struct request *r)
{
	struct recorder *c = ud;

	assert_true(c->n < MAX_EVENTS);
	c->ev[c->n] = (struct event){.done = false, .at = now_usec()};
	snprintf(c->ev[c->n++].id, sizeof(c->ev[0].id), "%s", r->id);
}

static void rec_done(void *ud, const struct request *r, const struct manager_result *res)
{
	struct recorder *c = ud;

	assert_true(c->n < MAX_EVENTS);
	c->ev[c->n] = (struct event){.done = true, .res = *res, .at = now_usec()};
	snprintf(c->ev[c->n++].id, sizeof(c->ev[0].id), "%s", r->id);
	c->n_done++;
}

static int rec_audit(void *ud, const char *const *fields, unsigned n)
{
	struct recorder *c = ud;

	for (unsigned i = 0; i < n; i++)
		if (strncmp(fields[i], "MESSAGE_ID=", 11) == 0 && c->n_audit < MAX_EVENTS)
			snprintf(c->audit_ids[c->n_audit++], sizeof(c->audit_ids[0]), "%s",
				 fields[i] + 11);
	return 0;
}

struct fixture {
	struct devmodel *model;
	struct simdev *a, *b, *c, *d;
	sd_event *event;
	struct policy_handle *policy;
	struct recorder rec;
	struct audit_sink sink;
	struct manager *m;
};

static const char policy_text[] =
    "{ \"rules\": [\n"
    "  { \"match\": { \"sbdf\": \"0000:02:00.0\" }, \"policy\": \"lenient\",\n"
    "    \"reason\": \"test: lenient\" },\n"
    "  { \"match\": { \"sbdf\": \"0000:03:00.0\" }, \"policy\": \"skip\",\n"
    "    \"reason\": \"test: never reset\" }\n"
    "] }\n";

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct reset_timing t;
	struct policy *p = NULL;
	struct manager_reporter rep = {rec_accepted, rec_done, &f->rec};

	f->model = devmodel_new();
	add_root_port(f->model, "0000:00:01.0", 1, 2);
	add_root_port(f->model, "0000:00:02.0", 2, 2);
	add_root_port(f->model, "0000:00:03.0", 3, 2);
	f->a = add_endpoint(f->model, "0000:01:00.0", "0000:00:01.0", "pciback", true, true);
	f->d = add_endpoint(f->model, "0000:01:00.1", "0000:00:01.0", "pciback", true, true);
	f->b = add_endpoint(f->model, "0000:02:00.0", "0000:00:02.0", "pciback", true, true);
	f->c = add_endpoint(f->model, "0000:03:00.0", "0000:00:03.0", "pciback", true, true);
	assert_int_equal(sd_event_new(&f->event), 0);
	assert_int_equal(
	    policy_load_string("test.json", policy_text, strlen(policy_text), NULL, &p), 0);
	assert_int_equal(policy_handle_new(p, &f->policy), 0);
	policy_unref(p);
	f->sink = (struct audit_sink){rec_audit, &f->rec};
	assert_int_equal(
	    manager_new(f->event, devmodel_host(f->model), f->policy, &f->sink, &rep, &f->m), 0);
	test_timing(&t);
	t.flr_wait = 30 * USEC_PER_MSEC;
	manager_set_timing(f->m, &t);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	manager_free(f->m);
	policy_handle_free(f->policy);
	sd_event_unref(f->event);
	devmodel_free(f->model);
	free(f);
	return 0;
}

static void submit(struct fixture *f, const char *id, const char *sbdf, const char *options)
{
	struct request_field fields[3] = {
	    {"sbdf", sbdf, (unsigned)strlen(sbdf)},
	    {"reason", "attach", 6},
	    {"options", options ? options : "", options ? (unsigned)strlen(options) : 0},
	};
	struct request r;
	struct why why = {""};

	assert_int_equal(request_parse(id, fields, options ? 3 : 2, &r, &why), 0);
	assert_int_equal(manager_submit(f->m, &r), 0);
}

static void run_until(struct fixture *f, unsigned n_done)
{
	usec_t deadline = now_usec() + 5 * USEC_PER_SEC;

	while (f->rec.n_done < n_done) {
		assert_true(now_usec() < deadline);
		assert_true(sd_event_run(f->event, 100 * USEC_PER_MSEC) >= 0);
	}
}

static const struct event *find(const struct fixture *f, const char *id, bool done)
{
	for (unsigned i = 0; i < f->rec.n; i++)
		if (streq(f->rec.ev[i].id, id) && f->rec.ev[i].done == done)
			return &f->rec.ev[i];
	fail_msg("no %s event for %s", done ? "done" : "accepted", id);
	return NULL;
}

static void result_kinds(void **state)
{
	struct fixture *f = *state;
	const struct event *e;

	simdev_behaviour(f->b)->never_ready = true;
	submit(f, "ok", "0000:01:00.0", NULL);
	submit(f, "lenient", "0000:02:00.0", NULL);
	submit(f, "skip", "0000:03:00.0", NULL);
	submit(f, "missing", "0000:09:00.0", NULL);
	run_until(f, 4);

	e = find(f, "ok", true);
	assert_int_equal(e->res.result, RESULT_OK);
	assert_string_equal(e->res.method, "flr");
	assert_string_equal(e->res.policy, "strict");
	assert_string_equal(e->res.rule, "default");
	assert_string_equal(e->res.error, "");
	/* Never enabled: nothing showed whether the FLR happened. */
	assert_string_equal(e->res.effect, "unverified");
	assert_true(e->res.duration_ms >= 30);
	assert_int_equal(simdev_reset_count(f->a), 1);

	e = find(f, "lenient", true);
	assert_int_equal(e->res.result, RESULT_FAILED_IGNORED);
	assert_string_equal(e->res.policy, "lenient");
	assert_string_equal(e->res.rule, "test.json:2");
	assert_non_null(strstr(e->res.error, "not ready"));

	e = find(f, "skip", true);
	assert_int_equal(e->res.result, RESULT_SKIPPED);
	assert_string_equal(e->res.error,
			    "skipped by policy rule test.json:4 (reason: test: never reset)");
	assert_int_equal(simdev_reset_count(f->c), 0);

	e = find(f, "missing", true);
	assert_int_equal(e->res.result, RESULT_REFUSED);
	assert_string_equal(e->res.error, "0000:09:00.0: no such device");
	/* Refused requests are never "accepted". */
	for (unsigned i = 0; i < f->rec.n; i++)
		assert_false(!f->rec.ev[i].done && streq(f->rec.ev[i].id, "missing"));
	/* One audit entry per answer. */
	assert_int_equal(f->rec.n_audit, 4);
}

/* Resets that complete and change nothing: never "ok"; lenient ignores them, strict fails. */
static void ineffective_resets(void **state)
{
	struct fixture *f = *state;
	const struct event *e;

	simdev_program(f->a);
	simdev_program(f->b);
	simdev_program(f->d);
	simdev_behaviour(f->a)->flr_no_effect = true;
	simdev_behaviour(f->a)->pm_no_effect = true;
	for (struct simdev_behaviour *b = simdev_behaviour(f->b); b; b = NULL)
		b->flr_no_effect = b->pm_no_effect = b->bus_no_effect = true;
	submit(f, "strict", "0000:01:00.0", NULL);
	submit(f, "lenient", "0000:02:00.0", NULL);
	submit(f, "real", "0000:01:00.1", NULL);
	run_until(f, 3);

	e = find(f, "strict", true);
	assert_int_equal(e->res.result, RESULT_FAILED);
	assert_string_equal(e->res.effect, "");
	assert_non_null(strstr(e->res.error, "flr ineffective (BAR0 kept 0xfe000000 after FLR)"));
	assert_non_null(strstr(e->res.error, "pm ineffective (BAR0 kept 0xfe000000 after D3hot"));

	e = find(f, "lenient", true);
	assert_int_equal(e->res.result, RESULT_FAILED_IGNORED);
	assert_non_null(strstr(e->res.error, "bus ineffective (BAR0 kept 0xfe000000 after the "
					     "secondary bus reset)"));

	e = find(f, "real", true);
	assert_int_equal(e->res.result, RESULT_OK);
	assert_string_equal(e->res.method, "flr");
	assert_string_equal(e->res.effect, "verified");
}

/* Every method avoided by knowledge rules (quirks): "no method", naming them. */
static void all_methods_avoided(void **state)
{
	static const char text[] =
	    "{ \"rules\": [\n"
	    "  { \"match\": { \"sbdf\": \"0000:01:00.0\" }, \"avoid\": {\n"
	    "    \"flr\": \"test: FLR hangs it\", \"af-flr\": \"test: none\",\n"
	    "    \"pm\": \"test: PM resets nothing\", \"bus\": \"test: bus kills it\",\n"
	    "    \"kernel\": \"test: no\", \"pciback\": \"test: no\" } }\n"
	    "] }\n";
	struct fixture *f = *state;
	struct policy *p = NULL;
	const struct event *e;

	assert_int_equal(policy_load_string("quirks.json", text, strlen(text), NULL, &p), 0);
	policy_handle_swap(f->policy, p);
	policy_unref(p);
	submit(f, "avoided", "0000:01:00.0", NULL);
	run_until(f, 1);
	e = find(f, "avoided", true);
	assert_int_equal(e->res.result, RESULT_FAILED);
	assert_string_equal(e->res.policy, "strict");
	assert_non_null(strstr(e->res.error, "every method is avoided as known broken"));
	assert_non_null(strstr(e->res.error, "flr (quirks.json:3: test: FLR hangs it)"));
	assert_non_null(strstr(e->res.error, "bus (quirks.json:4: test: bus kills it)"));
	assert_null(strstr(e->res.error, "cannot start"));
}

static void strict_failure_and_refused_weakening(void **state)
{
	struct fixture *f = *state;
	const struct event *e;

	simdev_behaviour(f->a)->never_ready = true;
	/* The default rule does not let a request weaken it: still strict, attach must fail. */
	submit(f, "weaken", "0000:01:00.0", "no-strict-reset");
	run_until(f, 1);
	e = find(f, "weaken", true);
	assert_int_equal(e->res.result, RESULT_FAILED);
	assert_string_equal(e->res.policy, "strict");
	assert_non_null(strstr(e->res.error, "flr timed-out"));
}

static void parallel_and_serialized(void **state)
{
	struct fixture *f = *state;
	const struct event *a, *d, *b;

	/* 01:00.0 and 01:00.1 share a bridge: one after the other; 02:00.0 runs alongside. */
	submit(f, "a", "0000:01:00.0", NULL);
	submit(f, "d", "0000:01:00.1", NULL);
	submit(f, "b", "0000:02:00.0", NULL);
	assert_int_equal(manager_running(f->m), 2);
	assert_int_equal(manager_queued(f->m), 1);
	run_until(f, 3);
	a = find(f, "a", true);
	d = find(f, "d", true);
	b = find(f, "b", true);
	assert_int_equal(a->res.result, RESULT_OK);
	assert_int_equal(d->res.result, RESULT_OK);
	assert_int_equal(b->res.result, RESULT_OK);
	/* b overlapped a; d started only after a finished (each FLR waits 30 ms). */
	assert_true(b->at < a->at + 20 * USEC_PER_MSEC);
	assert_true(d->at >= a->at + 30 * USEC_PER_MSEC);
	assert_true(d->res.duration_ms >= 60);
}

static void identical_requests_share_one_reset(void **state)
{
	struct fixture *f = *state;

	submit(f, "first", "0000:01:00.0", NULL);
	submit(f, "second", "0000:01:00.0", NULL);
	assert_int_equal(manager_submit(f->m, &(struct request){.id = "first"}), -EEXIST);
	run_until(f, 2);
	assert_int_equal(simdev_reset_count(f->a), 1);
	assert_int_equal(find(f, "first", true)->res.result, RESULT_OK);
	assert_int_equal(find(f, "second", true)->res.result, RESULT_OK);
	assert_int_equal(f->rec.n_audit, 2);
}

static int remove_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct fixture *f = userdata;
	struct pcirst_sbdf sbdf;

	devmodel_remove(f->a);
	pcirst_sbdf_parse("0000:01:00.0", &sbdf);
	manager_device_removed(f->m, &sbdf);
	return 0;
}

static void device_removed_mid_reset(void **state)
{
	struct fixture *f = *state;
	sd_event_source *timer = NULL;
	const struct event *e;

	submit(f, "gone", "0000:01:00.0", NULL);
	submit(f, "queued", "0000:01:00.0", "no-reset"); /* different options: queued, not shared */
	assert_int_equal(sd_event_add_time_relative(f->event, &timer, CLOCK_MONOTONIC,
						    10 * USEC_PER_MSEC, 1, remove_cb, f),
			 0);
	run_until(f, 2);
	e = find(f, "gone", true);
	assert_int_equal(e->res.result, RESULT_FAILED);
	assert_string_equal(e->res.error, "0000:01:00.0 was removed during the reset");
	e = find(f, "queued", true);
	assert_int_equal(e->res.result, RESULT_FAILED);
	sd_event_source_unref(timer);
}

static void shutdown_answers_everything(void **state)
{
	struct fixture *f = *state;
	const struct event *e;

	submit(f, "running", "0000:01:00.0", NULL);
	submit(f, "waiting", "0000:01:00.1", NULL);
	manager_abort_all(f->m, "pcirstd is stopping");
	run_until(f, 2);
	e = find(f, "running", true);
	assert_int_equal(e->res.result, RESULT_FAILED);
	assert_string_equal(e->res.error, "aborted: pcirstd is stopping");
	e = find(f, "waiting", true);
	assert_int_equal(e->res.result, RESULT_FAILED);
	assert_string_equal(e->res.error, "pcirstd is stopping");
	assert_int_equal(simdev_reset_count(f->d), 0);
	assert_int_equal(manager_running(f->m) + manager_queued(f->m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(result_kinds, setup, teardown),
	    cmocka_unit_test_setup_teardown(ineffective_resets, setup, teardown),
	    cmocka_unit_test_setup_teardown(strict_failure_and_refused_weakening, setup, teardown),
	    cmocka_unit_test_setup_teardown(all_methods_avoided, setup, teardown),
	    cmocka_unit_test_setup_teardown(parallel_and_serialized, setup, teardown),
	    cmocka_unit_test_setup_teardown(identical_requests_share_one_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(device_removed_mid_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(shutdown_answers_everything, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
