/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The engine puts power/control back on every path out of a job that woke
 * a function, and never by blocking its thread: a hung power-on write, a
 * hung kernel reset after the wake, an abort during either, pcirstd
 * stopping first, no owner for late writes, a job that fails after the
 * wake, and a write back that fails (power-fixture.h).
 */
#include "power-fixture.h"

static void on_done(struct reset_job *job, void *userdata)
{
	struct pfx *f = userdata;

	f->done = true;
	f->done_at = now_usec();
}

static void start(struct pfx *f, const char *method, usec_t kernel_timeout)
{
	struct pcirst_sbdf sbdf;
	struct reset_method_spec spec;
	struct reset_options o = {.targets = &sbdf, .n_targets = 1, .methods = &spec};

	assert_int_equal(pcirst_sbdf_parse(PFX_EP, &sbdf), 0);
	assert_int_equal(reset_method_spec_parse(method, &spec), 0);
	o.n_methods = 1;
	test_timing(&o.timing);
	o.timing.kernel_timeout = kernel_timeout;
	o.power_late = f->pl;
	assert_int_equal(reset_job_new(f->event, f->host, &o, on_done, f, &f->job), 0);
	assert_int_equal(reset_job_start(f->job), 0);
}

/* Runs the loop until the job is done or max passed; the old engine blocked here for good. */
static void run_until_done(struct pfx *f, usec_t max)
{
	for (usec_t until = now_usec() + max; !f->done && now_usec() < until;)
		assert_true(sd_event_run(f->event, 5 * USEC_PER_MSEC) >= 0);
}

/*
 * The power-on write itself hangs past its deadline: the job fails at once;
 * power/control is written back only after that write returns, and the
 * owner is told.
 */
static void wake_write_abandoned_restored_when_it_returns(void **state)
{
	struct pfx f;
	char seq[64], got[64];
	usec_t t0 = now_usec();
	const struct reset_trail *t;
	int fd;

	pfx_setup(&f, "power/control", true);
	start(&f, "flr", 300 * USEC_PER_MSEC);
	run_until_done(&f, 3 * USEC_PER_SEC);
	assert_true(f.done);
	print_message("answered after %llu ms (deadline 300 ms)\n",
		      (unsigned long long)((f.done_at - t0) / USEC_PER_MSEC));
	assert_true(f.done_at - t0 >= 300 * USEC_PER_MSEC);
	assert_true(f.done_at - t0 < 1500 * USEC_PER_MSEC);
	t = reset_job_trail(f.job);
	assert_int_equal(t->verdict, VERDICT_FAILED);
	assert_int_equal(t->n_attempts, 0);
	assert_string_equal(t->power, "power/control of 0000:01:00.0 stays 'on' until the "
				      "abandoned kernel write returns, then is set back to 'auto'");
	assert_string_equal(t->message,
			    "0000:01:00.0 is runtime-suspended and the write of 'on' to "
			    "power/control did not return within 300 ms: abandoned; not reset; "
			    "power/control of 0000:01:00.0 stays 'on' until the abandoned kernel "
			    "write returns, then is set back to 'auto'");
	assert_int_equal(power_late_pending(f.pl), 1);
	/* Nothing written back while the power-on write is in the kernel. */
	pfx_run_for(&f, 100 * USEC_PER_MSEC);
	assert_int_equal(pfx_landed(seq, sizeof(seq)), 0);
	assert_int_equal(f.n_reports, 0);

	fd = pfx_release(f.control);
	pfx_run_until_reports(&f, 1);
	pfx_drain(&f, fd, got, sizeof(got));
	assert_int_equal(pfx_landed(seq, sizeof(seq)), 2);
	assert_string_equal(seq, "on,auto"); /* in this order, never "auto" first */
	assert_string_equal(got, "onauto");
	assert_int_equal(f.reports[0].result, 0);
	assert_string_equal(f.reports[0].value, "auto");
	assert_non_null(strstr(f.reports[0].message,
			       "0000:01:00.0: power/control set back to 'auto' once the abandoned "
			       "kernel write returned"));
	assert_int_equal(power_late_pending(f.pl), 0);
	pfx_teardown(&f);
}

/*
 * The wake worked and then the kernel's reset hung: the reset holds the
 * device lock that power/control's store takes, so the write back waits
 * for the reset's return instead of blocking the engine.
 */
static void kernel_reset_abandoned_restore_waits_for_it(void **state)
{
	struct pfx f;
	char seq[64], got[64];
	const struct reset_trail *t;
	int fd;

	pfx_setup(&f, "reset", true);
	start(&f, "kernel", 300 * USEC_PER_MSEC);
	run_until_done(&f, 3 * USEC_PER_SEC);
	assert_true(f.done);
	t = reset_job_trail(f.job);
	assert_int_equal(t->verdict, VERDICT_FAILED);
	assert_non_null(strstr(t->message, "did not return within 300 ms: abandoned"));
	assert_non_null(strstr(t->message, "; power/control of 0000:01:00.0 stays 'on' until"));
	pfx_run_for(&f, 100 * USEC_PER_MSEC);
	assert_int_equal(pfx_landed(seq, sizeof(seq)), 1);
	assert_string_equal(seq, "on"); /* not "on,auto": the reset still holds the function */

	fd = pfx_release(f.reset);
	pfx_run_until_reports(&f, 1);
	pfx_drain(&f, fd, got, sizeof(got));
	assert_string_equal(got, "1");
	assert_int_equal(pfx_landed(seq, sizeof(seq)), 2);
	assert_string_equal(seq, "on,auto");
	assert_int_equal(f.reports[0].result, 0);
	pfx_teardown(&f);
}

/*
 * Shutdown (or the device's removal) during the power-on write: the job
 * ends aborted at once, and power/control is still put back when the write
 * returns (the old engine forgot it: "on" for good).
 */
static void abort_during_wake_write_restored(void **state)
{
	struct pfx f;
	char seq[64], got[64];
	usec_t aborted;
	int fd;

	pfx_setup(&f, "power/control", true);
	start(&f, "flr", 60 * USEC_PER_SEC);
	pfx_run_for(&f, 100 * USEC_PER_MSEC);
	assert_false(f.done);
	aborted = now_usec();
	reset_job_abort(f.job, "pcirstd is stopping");
	run_until_done(&f, 1 * USEC_PER_SEC);
	assert_true(f.done);
	assert_true(f.done_at - aborted < 200 * USEC_PER_MSEC);
	assert_int_equal(reset_job_trail(f.job)->verdict, VERDICT_ABORTED);
	assert_non_null(strstr(reset_job_trail(f.job)->power, "stays 'on' until the abandoned"));
	assert_int_equal(power_late_pending(f.pl), 1);

	fd = pfx_release(f.control);
	pfx_run_until_reports(&f, 1);
	pfx_drain(&f, fd, got, sizeof(got));
	assert_int_equal(pfx_landed(seq, sizeof(seq)), 2);
	assert_string_equal(seq, "on,auto");
	assert_int_equal(f.reports[0].result, 0);
	pfx_teardown(&f);
}

/* Aborted during the kernel's reset after the wake: the write back waits for the reset too. */
static void abort_during_kernel_reset_restore_waits(void **state)
{
	struct pfx f;
	char seq[64], got[64];
	int fd;

	pfx_setup(&f, "reset", true);
	start(&f, "kernel", 60 * USEC_PER_SEC);
	pfx_run_for(&f, 100 * USEC_PER_MSEC);
	assert_false(f.done);
	reset_job_abort(f.job, "pcirstd is stopping");
	run_until_done(&f, 1 * USEC_PER_SEC);
	assert_true(f.done);
	assert_int_equal(reset_job_trail(f.job)->verdict, VERDICT_ABORTED);
	pfx_run_for(&f, 100 * USEC_PER_MSEC);
	assert_int_equal(pfx_landed(seq, sizeof(seq)), 1);

	fd = pfx_release(f.reset);
	pfx_run_until_reports(&f, 1);
	pfx_drain(&f, fd, got, sizeof(got));
	assert_int_equal(pfx_landed(seq, sizeof(seq)), 2);
	assert_string_equal(seq, "on,auto");
	pfx_teardown(&f);
}

/*
 * pcirstd stops before the abandoned write returns: the value is reported
 * as not put back, and nothing is written later behind the report's back.
 */
static void stopping_first_reported_left_on(void **state)
{
	struct pfx f;
	char seq[64], got[64];

	pfx_setup(&f, "power/control", true);
	start(&f, "flr", 300 * USEC_PER_MSEC);
	run_until_done(&f, 3 * USEC_PER_SEC);
	assert_true(f.done);
	power_late_free(f.pl);
	f.pl = NULL;
	assert_int_equal(f.n_reports, 1);
	assert_int_equal(f.reports[0].result, -ECANCELED);
	assert_string_equal(f.reports[0].message,
			    "0000:01:00.0: power/control stays 'on' (it was 'auto'): pcirstd "
			    "stopped before the abandoned kernel write returned; set it back with "
			    "'echo auto > /sys/bus/pci/devices/0000:01:00.0/power/control'");

	pfx_drain(&f, pfx_release(f.control), got, sizeof(got));
	assert_int_equal(pfx_landed(seq, sizeof(seq)), 1);
	assert_string_equal(seq, "on");
	assert_string_equal(got, "on");
	pfx_teardown(&f);
}

/* Without an owner for late writes (pcirstctl's direct mode) the trail says how to fix it. */
static void no_owner_trail_says_left_on(void **state)
{
	struct pfx f;
	char seq[64], got[64];
	const struct reset_trail *t;

	pfx_setup(&f, "reset", false);
	start(&f, "kernel", 300 * USEC_PER_MSEC);
	run_until_done(&f, 3 * USEC_PER_SEC);
	assert_true(f.done);
	t = reset_job_trail(f.job);
	assert_string_equal(t->power,
			    "power/control of 0000:01:00.0 stays 'on' (it was 'auto'): the "
			    "abandoned kernel write still holds the function; set it back with "
			    "'echo auto > /sys/bus/pci/devices/0000:01:00.0/power/control'");
	pfx_drain(&f, pfx_release(f.reset), got, sizeof(got));
	pfx_run_for(&f, 50 * USEC_PER_MSEC);
	assert_int_equal(pfx_landed(seq, sizeof(seq)), 1);
	pfx_teardown(&f);
}

/* A job that fails after the wake puts power/control back at its end, on the engine's thread. */
static void fails_after_wake_restored_at_once(void **state)
{
	struct pfx f;
	char seq[64];
	const struct reset_trail *t;

	pfx_setup(&f, NULL, true);
	start(&f, "pm", 300 * USEC_PER_MSEC); /* the function has no PM capability */
	run_until_done(&f, 1 * USEC_PER_SEC);
	assert_true(f.done);
	t = reset_job_trail(f.job);
	assert_int_equal(t->verdict, VERDICT_FAILED);
	assert_int_equal(t->attempts[0].outcome, ATTEMPT_UNSUPPORTED);
	assert_string_equal(t->power, "");
	assert_int_equal(pfx_landed(seq, sizeof(seq)), 2);
	assert_string_equal(seq, "on,auto");
	assert_int_equal(power_late_pending(f.pl), 0);
	pfx_teardown(&f);
}

/* Writing power/control back fails: the trail (and so the answer and the audit) says so. */
static void restore_write_fails_said(void **state)
{
	struct pfx f;
	char seq[64];
	const struct reset_trail *t;

	pfx_setup(&f, NULL, true);
	pfx_fail_writes_of("auto", EIO);
	start(&f, "pm", 300 * USEC_PER_MSEC);
	run_until_done(&f, 1 * USEC_PER_SEC);
	assert_true(f.done);
	t = reset_job_trail(f.job);
	assert_int_equal(t->verdict, VERDICT_FAILED);
	assert_string_equal(t->power, "power/control of 0000:01:00.0 could not be set back to "
				      "'auto' (Input/output error): it stays 'on'");
	assert_non_null(strstr(t->message, "; power/control of 0000:01:00.0 could not be set"));
	assert_int_equal(pfx_landed(seq, sizeof(seq)), 1);
	pfx_teardown(&f);
}

/*
 * A second reset of the function while the first one's power-on write is
 * still in the kernel: power/control reads "on" (the first job's), but what
 * both put back is the original "auto".
 */
static void second_job_puts_back_the_original(void **state)
{
	struct pfx f;
	char seq[64], got[64];
	int fd;

	pfx_setup(&f, "power/control", true);
	start(&f, "flr", 300 * USEC_PER_MSEC);
	run_until_done(&f, 3 * USEC_PER_SEC);
	assert_true(f.done);
	reset_job_free(f.job);
	f.job = NULL;
	f.done = false;
	start(&f, "flr", 300 * USEC_PER_MSEC);
	run_until_done(&f, 3 * USEC_PER_SEC);
	assert_true(f.done);
	assert_string_equal(reset_job_trail(f.job)->power,
			    "power/control of 0000:01:00.0 stays 'on' until the abandoned kernel "
			    "write returns, then is set back to 'auto'");
	assert_int_equal(power_late_pending(f.pl), 2);

	fd = pfx_release(f.control);
	pfx_run_until_reports(&f, 2);
	pfx_drain(&f, fd, got, sizeof(got));
	assert_int_equal(f.reports[0].result, 0);
	assert_int_equal(f.reports[1].result, 0);
	assert_string_equal(f.reports[0].value, "auto");
	assert_string_equal(f.reports[1].value, "auto");
	assert_int_equal(pfx_landed(seq, sizeof(seq)), 4);
	assert_string_equal(seq + strlen(seq) - 4, "auto"); /* the last to land */
	pfx_teardown(&f);
}

/* The function was removed: nothing to put back, and the note says why. */
static void restore_on_gone_function_said(void **state)
{
	struct pfx f;

	pfx_setup(&f, NULL, true);
	pfx_fail_writes_of("auto", ENOENT);
	start(&f, "pm", 300 * USEC_PER_MSEC);
	run_until_done(&f, 1 * USEC_PER_SEC);
	assert_true(f.done);
	assert_string_equal(reset_job_trail(f.job)->power,
			    "power/control of 0000:01:00.0 not set back: the function is gone");
	pfx_teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(wake_write_abandoned_restored_when_it_returns),
	    cmocka_unit_test(kernel_reset_abandoned_restore_waits_for_it),
	    cmocka_unit_test(abort_during_wake_write_restored),
	    cmocka_unit_test(abort_during_kernel_reset_restore_waits),
	    cmocka_unit_test(stopping_first_reported_left_on),
	    cmocka_unit_test(no_owner_trail_says_left_on),
	    cmocka_unit_test(fails_after_wake_restored_at_once),
	    cmocka_unit_test(restore_write_fails_said),
	    cmocka_unit_test(second_job_puts_back_the_original),
	    cmocka_unit_test(restore_on_gone_function_said),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
