/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The job machinery: specification timing with the real defaults, jobs in
 * parallel on one loop, abort, a device vanishing mid-reset, several
 * functions in one job, the trail as JSON, and bad job options.
 */
#include <json-c/json.h>
#include <stdio.h>

#include "enginetest.h"
#include "pci-regs.h"

#define PORT "0000:00:01.0"
#define EP   "0000:01:00.0"

struct done_ctx {
	unsigned calls;
	unsigned running;
	sd_event *event;
};

static void on_done(struct reset_job *job, void *userdata)
{
	struct done_ctx *c = userdata;

	c->calls++;
	if (--c->running == 0)
		sd_event_exit(c->event, 0);
}

static struct reset_job *start_job(sd_event *e, struct devmodel *m, struct pcirst_sbdf *target,
				   const char *sbdf, enum reset_method_id method,
				   const struct reset_timing *t, struct done_ctx *c)
{
	struct reset_method_spec spec = {.id = method};
	struct reset_options opts = {
	    .targets = target,
	    .n_targets = 1,
	    .methods = &spec,
	    .n_methods = 1,
	    .timing = *t,
	};
	struct reset_job *job = NULL;

	assert_int_equal(pcirst_sbdf_parse(sbdf, target), 0);
	assert_int_equal(reset_job_new(e, devmodel_host(m), &opts, on_done, c, &job), 0);
	assert_int_equal(reset_job_start(job), 0);
	c->running++;
	return job;
}

/* With the specification's own timings: FLR 100 ms, PM 10 + 10 ms, SBR >= 1 ms then 100 ms. */
static void spec_timing(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct reset_timing tm;
	struct simdev *port = add_root_port(m, PORT, 1, 2);
	struct simdev *d = add_endpoint(m, EP, PORT, "pciback", true, true);
	struct reset_trail *t;
	const struct devmodel_write *w;
	int i;

	reset_timing_default(&tm);
	simdev_program(d);
	t = test_reset(m, EP, "flr", &tm);
	assert_int_equal(t->verdict, VERDICT_OK);
	i = devmodel_log_find(m, EP, SIM_PCIE_CAP + PCI_EXP_DEVCTL);
	assert_true(i >= 0);
	w = devmodel_log_get(m, 0);
	for (int k = 0; k <= i; k++) /* the FLR write is the first DevCtl write */
		if ((w = devmodel_log_get(m, (unsigned)k))->off == SIM_PCIE_CAP + PCI_EXP_DEVCTL)
			break;
	assert_true(w->value & PCI_EXP_DEVCTL_BCR_FLR);
	assert_true(devmodel_first_access_after(m, EP, w->at) - w->at >= 100 * USEC_PER_MSEC);
	reset_trail_free(t);

	devmodel_log_clear(m);
	t = test_reset(m, EP, "pm", &tm);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_true(trail_step_usec(&t->attempts[0], "d3hot") >= 10 * USEC_PER_MSEC);
	assert_true(trail_step_usec(&t->attempts[0], "d0") >= 10 * USEC_PER_MSEC);
	reset_trail_free(t);

	t = test_reset(m, EP, "bus", &tm);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_true(simdev_sbr_deasserted_at(port) - simdev_sbr_asserted_at(port) >= USEC_PER_MSEC);
	assert_true(devmodel_first_access_after(m, EP, simdev_sbr_deasserted_at(port)) -
			simdev_sbr_deasserted_at(port) >=
		    100 * USEC_PER_MSEC);
	reset_trail_free(t);
}

/* Two FLRs on one loop overlap: together they take about as long as one. */
static void jobs_run_in_parallel(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct reset_timing tm;
	struct pcirst_sbdf a, b;
	struct done_ctx c = {0};
	struct reset_job *j1, *j2;
	usec_t start;
	sd_event *e = NULL;

	reset_timing_default(&tm); /* 100 ms FLR wait each */
	add_endpoint(m, EP, NULL, "pciback", true, false);
	add_endpoint(m, "0000:02:00.0", NULL, "pciback", true, false);
	assert_int_equal(sd_event_new(&e), 0);
	c.event = e;
	start = now_usec();
	j1 = start_job(e, m, &a, EP, RESET_FLR, &tm, &c);
	j2 = start_job(e, m, &b, "0000:02:00.0", RESET_FLR, &tm, &c);
	assert_int_equal(sd_event_loop(e), 0);
	assert_int_equal(c.calls, 2);
	assert_int_equal(reset_job_trail(j1)->verdict, VERDICT_OK);
	assert_int_equal(reset_job_trail(j2)->verdict, VERDICT_OK);
	assert_true(now_usec() - start < 190 * USEC_PER_MSEC);
	reset_job_free(j1);
	reset_job_free(j2);
	sd_event_unref(e);
}

static int abort_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
	reset_job_abort(userdata, "daemon stopping");
	return 0;
}

static int remove_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
	devmodel_remove(userdata);
	return 0;
}

/* An abort during the settle wait after SBR stops at once, with SBR released. */
static void abort_mid_reset(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct reset_timing tm;
	struct simdev *port = add_root_port(m, PORT, 1, 2);
	struct simdev *d = add_endpoint(m, EP, PORT, "pciback", false, false);
	struct pcirst_sbdf target;
	struct done_ctx c = {0};
	struct reset_job *job;
	sd_event_source *timer = NULL;
	const struct reset_trail *t;
	usec_t start = now_usec();
	sd_event *e = NULL;

	simdev_program(d);
	test_timing(&tm);
	tm.sbr_settle_pcie = 5 * USEC_PER_SEC;
	assert_int_equal(sd_event_new(&e), 0);
	c.event = e;
	job = start_job(e, m, &target, EP, RESET_BUS, &tm, &c);
	assert_int_equal(sd_event_add_time_relative(e, &timer, CLOCK_MONOTONIC, 20 * USEC_PER_MSEC,
						    1, abort_cb, job),
			 0);
	assert_int_equal(sd_event_loop(e), 0);
	t = reset_job_trail(job);
	assert_int_equal(c.calls, 1);
	assert_int_equal(t->verdict, VERDICT_ABORTED);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_ABORTED);
	assert_string_equal(t->message, "aborted: daemon stopping");
	assert_true(now_usec() - start < USEC_PER_SEC);
	assert_int_equal(simdev_peek16(port, PCI_BRIDGE_CONTROL) & PCI_BRIDGE_CTL_BUS_RESET, 0);
	assert_int_equal(simdev_peek16(d, PCI_COMMAND), 0x0006); /* restored on the way out */
	sd_event_source_unref(timer);
	reset_job_free(job);
	sd_event_unref(e);
}

/* The device is hot-unplugged during the FLR wait: a clear failure, no crash, no hang. */
static void device_vanishes(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct reset_timing tm;
	struct simdev *d = add_endpoint(m, EP, NULL, "pciback", true, true);
	struct pcirst_sbdf target;
	struct done_ctx c = {0};
	struct reset_job *job;
	sd_event_source *timer = NULL;
	const struct reset_trail *t;
	sd_event *e = NULL;

	test_timing(&tm);
	tm.flr_wait = 30 * USEC_PER_MSEC;
	assert_int_equal(sd_event_new(&e), 0);
	c.event = e;
	job = start_job(e, m, &target, EP, RESET_FLR, &tm, &c);
	assert_int_equal(sd_event_add_time_relative(e, &timer, CLOCK_MONOTONIC, 10 * USEC_PER_MSEC,
						    1, remove_cb, d),
			 0);
	assert_int_equal(sd_event_loop(e), 0);
	t = reset_job_trail(job);
	assert_int_equal(t->verdict, VERDICT_FAILED);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_FAILED);
	assert_int_equal(t->attempts[0].error, ENODEV);
	assert_string_equal(t->attempts[0].failed_step, "ready");
	assert_non_null(strstr(t->attempts[0].message, "0000:01:00.0"));
	sd_event_source_unref(timer);
	reset_job_free(job);
	sd_event_unref(e);
}

/* Per-function methods take the functions of one job one after the other. */
static void several_functions_per_function_method(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct simdev *a = add_endpoint(m, EP, NULL, "pciback", true, false);
	struct simdev *b = add_endpoint(m, "0000:01:00.1", NULL, "pciback", true, false);
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	t = test_reset(m, EP ",0000:01:00.1", "flr", NULL);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_int_equal(t->n_attempts, 2);
	assert_int_equal(t->attempts[1].sbdf.fn, 1);
	assert_int_equal(simdev_reset_count(a), 1);
	assert_int_equal(simdev_reset_count(b), 1);
	/* Neither function was ever enabled: nothing shows whether the FLRs happened. */
	assert_string_equal(t->message, "flr reset 0000:01:00.0 and the functions reset with it; "
					"effect unverified");
}

static void extra_delay_is_honoured(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct reset_timing tm;
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	add_endpoint(m, EP, NULL, "pciback", true, false);
	test_timing(&tm);
	tm.extra_delay = 25 * USEC_PER_MSEC;
	t = test_reset(m, EP, "flr", &tm);
	assert_int_equal(t->verdict, VERDICT_OK);
	assert_true(trail_step_usec(&t->attempts[0], "extra-delay") >= 25 * USEC_PER_MSEC);
}

static void trail_json(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;
	struct json_object *o, *v, *attempts, *a0;

	add_endpoint(m, EP, NULL, "pciback", false, true);
	t = test_reset(m, EP, "flr,pm", NULL);
	assert_int_equal(reset_trail_to_json(t, &o), 0);
	assert_true(json_object_object_get_ex(o, "verdict", &v));
	assert_string_equal(json_object_get_string(v), "ok");
	assert_true(json_object_object_get_ex(o, "method", &v));
	assert_string_equal(json_object_get_string(v), "pm");
	assert_true(json_object_object_get_ex(o, "attempts", &attempts));
	assert_int_equal(json_object_array_length(attempts), 2);
	a0 = json_object_array_get_idx(attempts, 0);
	assert_true(json_object_object_get_ex(a0, "outcome", &v));
	assert_string_equal(json_object_get_string(v), "unsupported");
	assert_true(json_object_object_get_ex(a0, "message", &v));
	assert_string_equal(json_object_get_string(v),
			    "Device Capabilities does not advertise FLR");
	assert_true(json_object_object_get_ex(json_object_array_get_idx(attempts, 1), "steps", &v));
	assert_true(json_object_array_length(v) >= 5);
	json_object_put(o);
}

static void summary_says_a_shared_reason_once(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	_cleanup_(reset_trail_freep) struct reset_trail *t = NULL;

	add_endpoint(m, EP, NULL, "nvme", true, true);
	t = test_reset(m, EP, "flr,pm", NULL);
	assert_string_equal(t->message,
			    "no method reset 0000:01:00.0: flr refused (0000:01:00.0 is bound to "
			    "driver 'nvme' (only unbound functions and functions bound to pciback, "
			    "pci-stub or vfio-pci are reset)); pm refused (same reason)");
}

static void bad_options(void **state)
{
	_cleanup_(devmodel_freep) struct devmodel *m = devmodel_new();
	struct pcirst_sbdf s = {0};
	struct reset_method_spec bad = {.id = (enum reset_method_id)42};
	struct reset_options opts = {.targets = &s};
	struct reset_job *job = NULL;
	sd_event *e = NULL;

	assert_int_equal(sd_event_new(&e), 0);
	reset_timing_default(&opts.timing);
	assert_int_equal(reset_job_new(e, devmodel_host(m), &opts, NULL, NULL, &job), -EINVAL);
	opts.n_targets = 1;
	opts.methods = &bad;
	opts.n_methods = 1;
	assert_int_equal(reset_job_new(e, devmodel_host(m), &opts, NULL, NULL, &job), -EINVAL);
	assert_null(job);
	sd_event_unref(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(spec_timing),
	    cmocka_unit_test(jobs_run_in_parallel),
	    cmocka_unit_test(abort_mid_reset),
	    cmocka_unit_test(device_vanishes),
	    cmocka_unit_test(several_functions_per_function_method),
	    cmocka_unit_test(extra_delay_is_honoured),
	    cmocka_unit_test(trail_json),
	    cmocka_unit_test(summary_says_a_shared_reason_once),
	    cmocka_unit_test(bad_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
