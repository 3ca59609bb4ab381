/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's side of a power/control value handed over (power-late.h):
 * the manager answers the request at the deadline saying power/control
 * stays "on" for now, writes it back when the hung power-on write returns
 * and audits that; stopped first, it audits the value as left "on", with
 * the command that fixes it, and keeps it for the next instance, which
 * sets it back if power/control still reads "on" (power-fixture.h).
 */
#include <stdio.h>

#include "manager.h"
#include "power-fixture.h"
#include "power-left.h"

#define MAX_ENTRIES 8
#define MAX_FIELDS  48

struct rec {
	char *f[MAX_ENTRIES][MAX_FIELDS];
	unsigned n_fields[MAX_ENTRIES];
	unsigned n;
	struct manager_result res;
	unsigned answered;
};

static int rec_send(void *ud, const char *const *fields, unsigned n)
{
	struct rec *c = ud;

	assert_true(c->n < MAX_ENTRIES);
	for (unsigned i = 0; i < n && i < MAX_FIELDS; i++)
		c->f[c->n][i] = strdup(fields[i]);
	c->n_fields[c->n++] = n < MAX_FIELDS ? n : MAX_FIELDS;
	return 0;
}

static void rec_free(struct rec *c)
{
	for (unsigned e = 0; e < c->n; e++)
		for (unsigned i = 0; i < c->n_fields[e]; i++)
			free(c->f[e][i]);
}

/* The value of field name in entry e, or NULL. */
static const char *field(const struct rec *c, unsigned e, const char *name)
{
	size_t len = strlen(name);

	for (unsigned i = 0; i < c->n_fields[e]; i++)
		if (strncmp(c->f[e][i], name, len) == 0 && c->f[e][i][len] == '=')
			return c->f[e][i] + len + 1;
	return NULL;
}

/* The first entry with this MESSAGE_ID, or -1. */
static int entry_of(const struct rec *c, enum audit_event ev)
{
	for (unsigned e = 0; e < c->n; e++)
		if (streq(field(c, e, "MESSAGE_ID") ?: "", audit_message_id(ev)))
			return (int)e;
	return -1;
}

static void rec_accepted(void *ud, const struct request *r)
{
}

static void rec_done(void *ud, const struct request *r, const struct manager_result *res)
{
	struct rec *c = ud;

	c->res = *res;
	c->answered++;
}

static const char policy_text[] = "{ \"rules\": [\n"
				  "  { \"match\": { \"sbdf\": \"0000:01:00.0\" }, "
				  "\"policy\": \"strict\", \"methods\": [\"flr\"] }\n"
				  "] }\n";

struct mgr {
	struct policy_handle *ph;
	struct manager *m;
	struct audit_sink sink;
	struct rec rec;
};

/* A manager on f's host; a request for PFX_EP whose power-on write hangs past 300 ms. */
static void submit_hung_wake(struct pfx *f, struct mgr *g)
{
	struct manager_reporter rep = {rec_accepted, rec_done, &g->rec};
	struct request_field fields[2] = {{"sbdf", PFX_EP, sizeof(PFX_EP) - 1},
					  {"reason", "attach", 6}};
	struct policy *p = NULL;
	struct reset_timing t;
	struct request r;
	struct why why = {""};
	int e;

	g->sink = (struct audit_sink){rec_send, &g->rec};
	assert_int_equal(policy_load_string("t.json", policy_text, strlen(policy_text), NULL, &p),
			 0);
	assert_int_equal(policy_handle_new(p, &g->ph), 0);
	policy_unref(p);
	assert_int_equal(manager_new(f->event, f->host, g->ph, &g->sink, &rep, &g->m), 0);
	test_timing(&t);
	t.kernel_timeout = 300 * USEC_PER_MSEC;
	manager_set_timing(g->m, &t);
	assert_int_equal(request_parse("hung-wake", fields, 2, &r, &why), 0);
	assert_int_equal(manager_submit(g->m, &r), 0);
	for (usec_t until = now_usec() + 3 * USEC_PER_SEC; !g->rec.answered;) {
		assert_true(now_usec() < until);
		assert_true(sd_event_run(f->event, 5 * USEC_PER_MSEC) >= 0);
	}
	assert_int_equal(g->rec.res.result, RESULT_FAILED);
	assert_non_null(strstr(g->rec.res.error, "did not return within 300 ms: abandoned; not "
						 "reset; power/control of 0000:01:00.0 stays "
						 "'on' until the abandoned kernel write returns"));
	e = entry_of(&g->rec, AUDIT_RESET_FAILED);
	assert_true(e >= 0);
	assert_string_equal(field(&g->rec, (unsigned)e, "POWER_CONTROL_NOTE"),
			    "power/control of 0000:01:00.0 stays 'on' until the abandoned kernel "
			    "write returns, then is set back to 'auto'");
	assert_int_equal(manager_power_pending(g->m), 1);
}

static void restored_and_audited(void **state)
{
	struct pfx f;
	struct mgr g = {0};
	char seq[64], got[64];
	int fd, e;

	pfx_setup(&f, "power/control", false);
	submit_hung_wake(&f, &g);
	fd = pfx_release(f.control);
	for (usec_t until = now_usec() + 2 * USEC_PER_SEC; manager_power_pending(g.m) > 0;) {
		assert_true(now_usec() < until);
		assert_true(sd_event_run(f.event, 5 * USEC_PER_MSEC) >= 0);
	}
	pfx_drain(&f, fd, got, sizeof(got));
	assert_int_equal(pfx_landed(seq, sizeof(seq)), 2);
	assert_string_equal(seq, "on,auto");
	e = entry_of(&g.rec, AUDIT_POWER_RESTORED);
	assert_true(e >= 0);
	assert_string_equal(field(&g.rec, (unsigned)e, "PRIORITY"), "5");
	assert_string_equal(field(&g.rec, (unsigned)e, "PCI_SBDF"), PFX_EP);
	assert_string_equal(field(&g.rec, (unsigned)e, "POWER_CONTROL"), "auto");
	assert_non_null(field(&g.rec, (unsigned)e, "WAITED_USEC"));
	assert_non_null(strstr(field(&g.rec, (unsigned)e, "MESSAGE"),
			       "0000:01:00.0: power/control set back to 'auto' once the "
			       "abandoned kernel write returned"));
	assert_int_equal(entry_of(&g.rec, AUDIT_POWER_LEFT), -1);

	manager_free(g.m);
	policy_handle_free(g.ph);
	rec_free(&g.rec);
	pfx_teardown(&f);
}

static void stopped_first_audited_left_on(void **state)
{
	struct pfx f;
	struct mgr g = {0};
	char seq[64], got[64];
	int e;

	pfx_setup(&f, "power/control", false);
	submit_hung_wake(&f, &g);
	manager_abort_all(g.m, "pcirstd is stopping");
	manager_free(g.m);
	e = entry_of(&g.rec, AUDIT_POWER_LEFT);
	assert_true(e >= 0);
	assert_string_equal(field(&g.rec, (unsigned)e, "PRIORITY"), "4");
	assert_string_equal(field(&g.rec, (unsigned)e, "PCI_SBDF"), PFX_EP);
	assert_string_equal(field(&g.rec, (unsigned)e, "POWER_CONTROL"), "auto");
	assert_string_equal(field(&g.rec, (unsigned)e, "MESSAGE"),
			    "0000:01:00.0: power/control stays 'on' (it was 'auto'): pcirstd "
			    "stopped before the abandoned kernel write returned; set it back with "
			    "'echo auto > /sys/bus/pci/devices/0000:01:00.0/power/control'");

	/* Nothing is written behind the audit's back when the write returns later. */
	pfx_drain(&f, pfx_release(f.control), got, sizeof(got));
	assert_int_equal(pfx_landed(seq, sizeof(seq)), 1);
	assert_string_equal(seq, "on");
	policy_handle_free(g.ph);
	rec_free(&g.rec);
	pfx_teardown(&f);
}

/* What pcirstd does at exit and at its next start, with the file in the runtime directory. */
static void kept_and_set_back_by_the_next_instance(void **state)
{
	struct pfx f;
	struct mgr g = {0}, g2 = {0};
	struct manager_reporter rep = {rec_accepted, rec_done, &g2.rec};
	char seq[64], got[64], path[PATH_MAX], text[64] = "";
	FILE *file;
	int fd, e;

	pfx_setup(&f, "power/control", false);
	snprintf(path, sizeof(path), "%s/%s", f.root, POWER_LEFT_NAME);
	submit_hung_wake(&f, &g);
	manager_set_power_keeper(g.m, &(struct manager_power_keeper){power_left_keep, path, path});
	manager_abort_all(g.m, "pcirstd is stopping");
	manager_free(g.m);
	e = entry_of(&g.rec, AUDIT_POWER_LEFT);
	assert_true(e >= 0);
	assert_non_null(strstr(field(&g.rec, (unsigned)e, "MESSAGE"),
			       "/power/control'; kept in /tmp/pcirst-power-"));
	assert_non_null(
	    strstr(field(&g.rec, (unsigned)e, "MESSAGE"),
		   "/power-left: the next pcirstd sets it back if it still reads 'on'"));
	file = fopen(path, "r");
	assert_non_null(file);
	assert_non_null(fgets(text, sizeof(text), file));
	fclose(file);
	assert_string_equal(text, "0000:01:00.0 auto\n");

	/* The next instance: power/control still reads "on", so it is set back. */
	g2.sink = (struct audit_sink){rec_send, &g2.rec};
	assert_int_equal(manager_new(f.event, f.host, g.ph, &g2.sink, &rep, &g2.m), 0);
	power_left_inherit(path, g2.m);
	assert_int_equal(access(path, F_OK), -1); /* taken: a third start does not do it again */
	assert_int_equal(manager_power_pending(g2.m), 1);
	/* The earlier instance's power-on write still holds the function; then it returns. */
	fd = pfx_release(f.control);
	for (usec_t until = now_usec() + 2 * USEC_PER_SEC; manager_power_pending(g2.m) > 0;) {
		assert_true(now_usec() < until);
		assert_true(sd_event_run(f.event, 5 * USEC_PER_MSEC) >= 0);
	}
	pfx_drain(&f, fd, got, sizeof(got));
	/* Both landed; in a kernel the device lock orders them, a FIFO does not. */
	assert_int_equal(pfx_landed(seq, sizeof(seq)), 2);
	assert_non_null(strstr(seq, "auto"));
	e = entry_of(&g2.rec, AUDIT_POWER_RESTORED);
	assert_true(e >= 0);
	assert_string_equal(field(&g2.rec, (unsigned)e, "MESSAGE"),
			    "0000:01:00.0: power/control set back to 'auto', which the pcirstd "
			    "before this one could not do before it stopped");
	manager_free(g2.m);
	policy_handle_free(g.ph);
	rec_free(&g.rec);
	rec_free(&g2.rec);
	pfx_teardown(&f);
}

/* A kept value whose power/control someone set since is left alone; bad lines are skipped. */
static void kept_value_changed_since_left_alone(void **state)
{
	struct pfx f;
	struct mgr g = {0};
	struct manager_reporter rep = {rec_accepted, rec_done, &g.rec};
	struct policy *p = NULL;
	struct power_left *v = NULL;
	char seq[64], path[PATH_MAX];
	unsigned n, bad;
	FILE *file;

	pfx_setup(&f, NULL, false);
	snprintf(path, sizeof(path), "%s/%s", f.root, POWER_LEFT_NAME);
	file = fopen(path, "w");
	assert_non_null(file);
	fputs("0000:01:00.0 auto\nnot a record\n0000:01:00.0 maybe\n0000:01:00.0 auto x\n", file);
	fclose(file);
	assert_int_equal(power_left_take(path, &v, &n, &bad), 0);
	assert_int_equal(n, 1);
	assert_int_equal(bad, 3);
	assert_string_equal(v[0].value, "auto");
	free(v);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(power_left_take(path, &v, &n, &bad), 0); /* none: no file */
	assert_int_equal(n, 0);

	assert_int_equal(power_left_save(path, &(struct pcirst_sbdf){.bus = 1}, "auto"), 0);
	g.sink = (struct audit_sink){rec_send, &g.rec};
	assert_int_equal(policy_load_string("t.json", policy_text, strlen(policy_text), NULL, &p),
			 0);
	assert_int_equal(policy_handle_new(p, &g.ph), 0);
	policy_unref(p);
	assert_int_equal(manager_new(f.event, f.host, g.ph, &g.sink, &rep, &g.m), 0);
	power_left_inherit(path, g.m); /* power/control reads "auto": an admin set it */
	assert_int_equal(manager_power_pending(g.m), 0);
	pfx_run_for(&f, 20 * USEC_PER_MSEC);
	assert_int_equal(pfx_landed(seq, sizeof(seq)), 0);
	assert_int_equal(g.rec.n, 0);
	manager_free(g.m);
	policy_handle_free(g.ph);
	rec_free(&g.rec);
	pfx_teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(restored_and_audited),
	    cmocka_unit_test(stopped_first_audited_left_on),
	    cmocka_unit_test(kept_and_set_back_by_the_next_instance),
	    cmocka_unit_test(kept_value_changed_since_left_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
