/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The real pcirstd at start takes the power/control values the instance
 * before it kept in its runtime directory (power-left.h) and sets back the
 * one whose power/control still reads "on"; the file is consumed. The
 * keeping side and every other case: reset/test-power-audit.
 */
#include <stdio.h>
#include <sys/stat.h>

#include "daemon-fixture.h"

static void read_text(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n = 0;

	buf[0] = '\0';
	if (!f)
		return;
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void kept_value_set_back_at_start(void **state)
{
	struct fixture *f = *state;
	char run[96], rec[128], ctl[160], text[64], cmd[256];
	FILE *file;

	snprintf(run, sizeof(run), "%s/run", f->dir);
	assert_int_equal(mkdir(run, 0700), 0);
	snprintf(rec, sizeof(rec), "%s/power-left", run);
	snprintf(ctl, sizeof(ctl), "%s/root/sys/bus/pci/devices/0000:01:00.0/power/control",
		 f->dir);
	read_text(ctl, text, sizeof(text));
	assert_string_equal(text, "on\n"); /* as the earlier instance left it */
	file = fopen(rec, "w");
	assert_non_null(file);
	fputs("0000:01:00.0 auto\n", file);
	fclose(file);

	f->extra[0] = "--runtime-dir";
	f->extra[1] = run;
	start_daemon(f);
	wait_ready(f, true);
	for (usec_t until = now_usec() + 2 * fixture_scale() * USEC_PER_SEC;;) {
		read_text(ctl, text, sizeof(text));
		if (strncmp(text, "auto", 4) == 0)
			break;
		assert_true(now_usec() < until);
		usleep(10000);
	}
	assert_int_equal(access(rec, F_OK), -1);
	snprintf(cmd, sizeof(cmd),
		 "grep -q \"power/control set back to 'auto', which the pcirstd before this one "
		 "could not do before it stopped\" %s/pcirstd.log",
		 f->dir);
	for (usec_t until = now_usec() + 2 * fixture_scale() * USEC_PER_SEC; system(cmd) != 0;) {
		assert_true(now_usec() < until);
		usleep(10000);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(kept_value_set_back_at_start, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
