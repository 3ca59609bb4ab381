/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What this host has seen, end to end: reset entries written through
 * daemon/audit.c's own journal sink (and hostile ones through
 * sd_journal_send) to a real journald, then the real pcirstctl ($PCIRSTCTL)
 * reading them back: "policy suggest" must print a policy that loads with no
 * diagnostic and avoids exactly the methods seen ineffective (never one also
 * seen effective), and "probe" on the simulated tree ($PCIRST_SIMTREE) must
 * show the observation on the matching device.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "audit.h"
#include "ctlrun.h"
#include "journald.h"
#include "privjournal.h"
#include "testlib.h"
#include "testmain.h"

/* ---- Writing what pcirstd writes ---- */

struct dev {
	const char *sbdf;
	uint16_t vendor, device, subsys_vendor, subsys_device;
};

/* The simulated tree's 03:00.0, so that probe finds it. */
static const struct dev sim_nic = {"0000:03:00.0", 0x8086, 0x10d3, 0x8086, 0x0000};

struct attempt_spec {
	const char *method;
	enum attempt_outcome outcome;
	const char *msg;
};

/* One reset entry through audit.c's own journal sink, as the daemon logs it. */
static void log_reset(const char *request_id, const struct dev *dev, enum policy_outcome outcome,
		      const struct attempt_spec *at, unsigned n, const char *ok_method)
{
	struct pcirst_sbdf sbdf;
	struct reset_trail *t;
	struct policy_rule rule = {.mode = POLICY_STRICT, .file = "default", .line = 1, .col = 1};
	struct policy_decision d = {.mode = POLICY_STRICT, .rule = &rule};
	struct pci_dev_info info = {0};
	struct audit_reset a;

	assert_int_equal(pcirst_sbdf_parse(dev->sbdf, &sbdf), 0);
	info = (struct pci_dev_info){.sbdf = sbdf,
				     .vendor = dev->vendor,
				     .device = dev->device,
				     .subsys_vendor = dev->subsys_vendor,
				     .subsys_device = dev->subsys_device,
				     .class_code = 0x020000,
				     .iommu_group = -1};
	t = reset_trail_new(&sbdf, 1);
	assert_non_null(t);
	for (unsigned i = 0; i < n; i++) {
		struct reset_method_spec m;
		struct trail_attempt *ta;

		assert_int_equal(reset_method_spec_parse(at[i].method, &m), 0);
		ta = reset_trail_add(t, &m, &sbdf);
		assert_non_null(ta);
		ta->outcome = at[i].outcome;
		snprintf(ta->message, sizeof(ta->message), "%s", at[i].msg);
	}
	t->verdict = ok_method ? VERDICT_OK : VERDICT_FAILED;
	if (ok_method) {
		assert_int_equal(reset_method_spec_parse(ok_method, &t->method), 0);
		t->effect = t->effects[0] = EFFECT_VERIFIED;
	}
	snprintf(t->message, sizeof(t->message), "test trail");
	a = (struct audit_reset){.request_id = request_id,
				 .domid = -1,
				 .reason = "attach",
				 .targets = &sbdf,
				 .n_targets = 1,
				 .info = &info,
				 .decision = &d,
				 .outcome = outcome,
				 .trail = t};
	assert_int_equal(audit_reset(&audit_journal_sink, &a), 0);
	reset_trail_free(t);
}

#define FAILED_ID "MESSAGE_ID=0ace723317174a5299f90c8e8eb9d571"

/* Entries with pcirstd's MESSAGE_ID but fields it never writes: all must be ignored. */
static void log_hostile(const char *request_id)
{
	char rid[128], *huge = malloc(100000);

	assert_non_null(huge);
	snprintf(rid, sizeof(rid), "REQUEST_ID=%s", request_id);
	/* No PCI_ID; a garbage one; "no device"; two of them. */
	sd_journal_send("MESSAGE=x", FAILED_ID, rid, "RESULT=failed", "PCI_SBDF=0000:07:00.0",
			"RESET_ATTEMPT=pm 0000:07:00.0 ineffective no id", NULL);
	sd_journal_send("MESSAGE=x", FAILED_ID, rid, "RESULT=failed", "PCI_SBDF=0000:07:00.0",
			"PCI_ID=8086:10d3; rm -rf /", "RESET_ATTEMPT=pm 0000:07:00.0 ineffective g",
			NULL);
	sd_journal_send("MESSAGE=x", FAILED_ID, rid, "RESULT=failed", "PCI_SBDF=0000:07:00.0",
			"PCI_ID=ffff:ffff", "RESET_ATTEMPT=pm 0000:07:00.0 ineffective gone", NULL);
	sd_journal_send("MESSAGE=x", FAILED_ID, rid, "RESULT=failed", "PCI_SBDF=0000:07:00.0",
			"PCI_ID=c0de:0009", "PCI_ID=c0de:000a",
			"RESET_ATTEMPT=pm 0000:07:00.0 ineffective twice", NULL);
	/* A good ID with unparsable attempts, and one on another function than PCI_ID's. */
	sd_journal_send("MESSAGE=x", FAILED_ID, rid, "RESULT=failed", "PCI_SBDF=0000:07:00.0",
			"PCI_ID=dead:beef", "RESET_ATTEMPT=zzz 0000:07:00.0 ineffective m",
			"RESET_ATTEMPT=pm notanaddress ineffective m", "RESET_ATTEMPT=pm",
			"RESET_ATTEMPT=", NULL);
	sd_journal_send("MESSAGE=x", FAILED_ID, rid, "RESULT=failed", "PCI_SBDF=0000:0a:00.0",
			"PCI_SBDF=0000:0a:00.1", "PCI_ID=c0de:0003",
			"RESET_ATTEMPT=pm 0000:0a:00.1 ineffective other function", NULL);
	/* Huge evidence, and control characters and invalid UTF-8 in it: cut and cleaned. */
	memset(huge, 'A', 99999);
	huge[99999] = '\0';
	sd_journal_send("MESSAGE=x", FAILED_ID, rid, "RESULT=failed", "PCI_SBDF=0000:08:00.0",
			"PCI_ID=c0de:0001", "RESET_ATTEMPT=pm 0000:08:00.0 ineffective %s", huge,
			NULL);
	sd_journal_send("MESSAGE=x", FAILED_ID, rid, "RESULT=failed", "PCI_SBDF=0000:09:00.0",
			"PCI_ID=c0de:0002",
			"RESET_ATTEMPT=flr 0000:09:00.0 ineffective bad\x01\xff"
			"\nbytes",
			NULL);
	/* Not root's would be ignored too, but this test runs as root. */
	free(huge);
}

#define N_HOSTILE 8

/* ---- The test ---- */

static char simroot[64], since[32], rid[64];
static struct test_journald jd;
static bool have_journal;

/* Waits until journalctl sees the n entries with our REQUEST_ID. */
static void wait_entries(unsigned n)
{
	usec_t until = now_usec() + 5 * USEC_PER_SEC;
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "journalctl --no-pager -o cat REQUEST_ID=%s | wc -l", rid);
	for (;;) {
		FILE *p = popen(cmd, "r");
		unsigned got = 0;

		assert_non_null(p);
		assert_int_equal(fscanf(p, "%u", &got), 1);
		pclose(p);
		if (got >= n)
			return;
		assert_true(now_usec() < until);
		usleep(20000);
	}
}

static int setup(void **state)
{
	static const struct attempt_spec failed[] = {
	    {"flr", ATTEMPT_UNSUPPORTED, "no FLR capability"},
	    {"pm", ATTEMPT_INEFFECTIVE,
	     "BAR0 kept 0xfebc0000 after D3hot\xe2\x86\x92"
	     "D0"},
	    {"bus", ATTEMPT_TIMEDOUT, "device not ready after 1000 ms"},
	};
	static const struct attempt_spec ok_bus[] = {
	    {"pm", ATTEMPT_INEFFECTIVE,
	     "BAR0 kept 0xfebc0000 after D3hot\xe2\x86\x92"
	     "D0 (again)"},
	    {"bus", ATTEMPT_OK, ""},
	};
	static const struct attempt_spec ignored[] = {
	    {"af-flr", ATTEMPT_INEFFECTIVE, "Command kept 0x0006"},
	    {"bus", ATTEMPT_INEFFECTIVE, "BAR2 kept 0xfd000000 after the bus reset"},
	};
	static const struct attempt_spec v1[] = {{"pm", ATTEMPT_INEFFECTIVE, "BAR1 kept 0x1"}};
	static const struct attempt_spec v2[] = {{"flr", ATTEMPT_INEFFECTIVE, "BAR4 kept 0x2"}};
	const struct dev virtio1 = {"0000:05:00.0", 0x1af4, 0x1041, 0x1af4, 0x1100};
	const struct dev virtio2 = {"0000:06:00.0", 0x1af4, 0x1041, 0x1af4, 0x1101};
	char cmd[256];
	time_t t;

	snprintf(simroot, sizeof(simroot), "/tmp/pcirst-suggest-XXXXXX");
	assert_non_null(mkdtemp(simroot));
	assert_non_null(getenv("PCIRST_SIMTREE"));
	snprintf(cmd, sizeof(cmd), "%s %s >/dev/null", getenv("PCIRST_SIMTREE"), simroot);
	assert_int_equal(system(cmd), 0);
	if (test_journald_start(&jd) < 0)
		return 0;
	have_journal = true;
	/* Only this run's entries: anything older in the journal is before --since. */
	t = time(NULL);
	snprintf(since, sizeof(since), "@%lld", (long long)t);
	snprintf(rid, sizeof(rid), "suggest-test-%d-%lld", (int)getpid(), (long long)t);
	while (time(NULL) == t) /* entries of an earlier run in this second stay out */
		usleep(10000);
	snprintf(since, sizeof(since), "@%lld", (long long)t + 1);
	/* The daemon's identifier, as pcirstd would write it. */
	program_invocation_short_name = (char[]){"pcirstd"};

	log_reset(rid, &sim_nic, POLICY_OUTCOME_FAILED, failed, ELEMENTSOF(failed), NULL);
	log_reset(rid, &sim_nic, POLICY_OUTCOME_OK, ok_bus, ELEMENTSOF(ok_bus), "bus");
	log_reset(rid, &sim_nic, POLICY_OUTCOME_FAILED_IGNORED, ignored, ELEMENTSOF(ignored), NULL);
	log_reset(rid, &virtio1, POLICY_OUTCOME_FAILED_IGNORED, v1, ELEMENTSOF(v1), NULL);
	log_reset(rid, &virtio2, POLICY_OUTCOME_FAILED, v2, ELEMENTSOF(v2), NULL);
	log_hostile(rid);
	wait_entries(5 + N_HOSTILE);
	*state = NULL;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	if (have_journal)
		test_journald_stop(&jd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", simroot);
	return system(cmd);
}

static const char *jget(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

/* The suggested rule that matches vendor and device, or NULL. */
static struct json_object *rule_for(struct json_object *doc, const char *vendor, const char *device)
{
	struct json_object *rules, *match;

	assert_true(json_object_object_get_ex(doc, "rules", &rules));
	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		struct json_object *r = json_object_array_get_idx(rules, i);

		assert_true(json_object_object_get_ex(r, "match", &match));
		if (streq(jget(match, "vendor") ?: "", vendor) &&
		    streq(jget(match, "device") ?: "", device))
			return r;
	}
	return NULL;
}

static struct json_object *avoid_of(struct json_object *rule)
{
	struct json_object *a;

	assert_non_null(rule);
	assert_true(json_object_object_get_ex(rule, "avoid", &a));
	return a;
}

#define assert_contains(s, sub) assert_non_null(strstr((s) ?: "", sub))

/* The output is a policy the repository's loader takes without a word, and it decides. */
static void assert_loads(const char *text, unsigned want_rules)
{
	struct policy_diags diags = {0};
	struct policy *p = NULL;
	struct policy_decision d;
	struct pci_dev_info info = {.vendor = 0x8086, .device = 0x10d3, .subsys_vendor = 0x8086};

	assert_int_equal(policy_load_string("suggested.json", text, strlen(text), &diags, &p), 0);
	assert_int_equal(diags.n_errors, 0);
	assert_int_equal(diags.n_warnings, 0);
	assert_int_equal(p->n_rules, want_rules);
	if (want_rules) {
		assert_int_equal(pcirst_sbdf_parse(sim_nic.sbdf, &info.sbdf), 0);
		policy_decide(p, &info, &d);
		assert_non_null(d.avoided[RESET_PM]);
		assert_non_null(d.avoided[RESET_AF_FLR]);
		assert_null(d.avoided[RESET_BUS]);
		assert_null(d.avoided[RESET_FLR]);
	}
	policy_diags_clear(&diags);
	policy_unref(p);
}

/* And pcirstctl policy check says so too. */
static void assert_check_valid(const char *text, const char *want)
{
	char path[] = "/tmp/pcirst-suggested-XXXXXX.json";
	int fd = mkstemps(path, 5);
	struct ctl_run r;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	r = ctl_run((const char *[]){"policy", "check", path, NULL});
	unlink(path);
	assert_string_equal(r.err, "");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, want);
	ctl_run_free(&r);
}

static void journald__suggest(void **state)
{
	struct json_object *doc, *nic, *virtio, *a, *match;
	const char *pm;
	struct ctl_run r;

	if (!have_journal)
		test_skip();
	r = ctl_run((const char *[]){"policy", "suggest", "--journal-dir", TEST_JOURNAL_RUNTIME,
				     "--since", since, NULL});
	assert_int_equal(r.status, 0);
	doc = json_tokener_parse(r.out);
	assert_non_null(doc);
	/* Exactly the devices with a method only ever ineffective; the hostile ones give none. */
	nic = rule_for(doc, "0x8086", "0x10d3");
	virtio = rule_for(doc, "0x1af4", "0x1041");
	assert_non_null(nic);
	assert_non_null(virtio);
	assert_non_null(rule_for(doc, "0xc0de", "0x0001"));
	assert_non_null(rule_for(doc, "0xc0de", "0x0002"));
	assert_null(rule_for(doc, "0xdead", "0xbeef"));
	assert_null(rule_for(doc, "0xc0de", "0x0003"));
	assert_null(rule_for(doc, "0xc0de", "0x0009"));
	assert_null(rule_for(doc, "0xffff", "0xffff"));
	assert_int_equal(json_object_array_length(json_object_object_get(doc, "rules")), 4);
	assert_loads(r.out, 4);
	assert_check_valid(r.out, "valid: 4 rules from 1 file, 0 warnings\n");

	/* pm twice and af-flr once; bus also reset it with a verified effect: not suggested. */
	a = avoid_of(nic);
	assert_int_equal(json_object_object_length(a), 2);
	pm = jget(a, "pm");
	assert_contains(pm, "observed ineffective 2 times on this host, ");
	assert_contains(pm, "last: BAR0 kept 0xfebc0000 after D3hot\xe2\x86\x92"
			    "D0 (again) on 0000:03:00.0; suggested by pcirstctl policy suggest");
	assert_contains(jget(a, "af-flr"), "observed ineffective 1 time on this host, ");
	assert_contains(jget(a, "af-flr"), "last: Command kept 0x0006 on 0000:03:00.0");
	assert_null(jget(a, "bus"));
	assert_null(jget(a, "flr"));
	assert_contains(r.err, "8086:10d3 bus: not suggested: ineffective 1 time, but it also "
			       "reset the device with a verified effect 1 time");
	/* Every entry had subsystem 8086:0000: the rule is that narrow. */
	assert_true(json_object_object_get_ex(nic, "match", &match));
	assert_string_equal(jget(match, "subsystem-vendor"), "0x8086");
	assert_string_equal(jget(match, "subsystem-device"), "0x0000");

	/* Two subsystems: vendor+device only, both methods. */
	a = avoid_of(virtio);
	assert_int_equal(json_object_object_length(a), 2);
	assert_contains(jget(a, "pm"), "last: BAR1 kept 0x1 on 0000:05:00.0");
	assert_contains(jget(a, "flr"), "last: BAR4 kept 0x2 on 0000:06:00.0");
	assert_true(json_object_object_get_ex(virtio, "match", &match));
	assert_null(jget(match, "subsystem-vendor"));

	/* Huge evidence is cut (the reason stays within 512 bytes); bytes are cleaned. */
	a = avoid_of(rule_for(doc, "0xc0de", "0x0001"));
	assert_true(strlen(jget(a, "pm")) <= 512);
	assert_contains(jget(a, "pm"), "AAAA\xe2\x80\xa6 on 0000:08:00.0");
	a = avoid_of(rule_for(doc, "0xc0de", "0x0002"));
	assert_contains(jget(a, "flr"), "last: bad ? bytes on 0000:09:00.0");
	assert_contains(r.err, "malformed entr");
	json_object_put(doc);
	ctl_run_free(&r);
}

static void test_suggest_empty(void **state)
{
	char dir[] = "/tmp/pcirst-suggest-empty-XXXXXX";
	struct ctl_run r;

	assert_non_null(mkdtemp(dir));
	r = ctl_run((const char *[]){"policy", "suggest", "--journal-dir", dir, NULL});
	rmdir(dir);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "{ \"rules\": [] }\n");
	assert_contains(r.err, "no reset method was observed ineffective on this host");
	assert_loads(r.out, 0);
	assert_check_valid(r.out, "valid: 0 rules from 1 file, 0 warnings\n");
	ctl_run_free(&r);

	/* Nothing readable is an error, not an empty suggestion. */
	r = ctl_run((const char *[]){"policy", "suggest", "--journal-dir", "/nonexistent", NULL});
	assert_int_equal(r.status, 4);
	assert_string_equal(r.out, "");
	ctl_run_free(&r);
	r = ctl_run((const char *[]){"policy", "suggest", "--since", "yesterday-ish", NULL});
	assert_int_equal(r.status, 2);
	ctl_run_free(&r);
}

static void journald__probe(void **state)
{
	struct json_object *arr, *m, *o;
	struct ctl_run r;

	if (!have_journal)
		test_skip();
	assert_non_null(getenv("PCIRST_SHIPPED_POLICY"));
	/* One line: the observed methods in a word (pm also avoided by the quirks). */
	r = ctl_run((const char *[]){"--sysfs-root", simroot, "probe", "--policy-dir",
				     getenv("PCIRST_SHIPPED_POLICY"), "--journal-dir",
				     TEST_JOURNAL_RUNTIME, "--since", since, sim_nic.sbdf, NULL});
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_contains(r.out, " af-flr:observed ");
	assert_contains(r.out, " pm:observed ");
	assert_contains(r.out, " bus:observed ");
	assert_null(strstr(r.out, " flr:observed"));
	ctl_run_free(&r);

	r = ctl_run((const char *[]){"--sysfs-root", simroot, "probe", "-v", "--policy-dir",
				     getenv("PCIRST_SHIPPED_POLICY"), "--journal-dir",
				     TEST_JOURNAL_RUNTIME, "--since", since, sim_nic.sbdf, NULL});
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_contains(r.out, "    pm       observed    ineffective 2 times on this host (last ");
	assert_contains(r.out, " on 0000:03:00.0: BAR0 kept 0xfebc0000 after D3hot\xe2\x86\x92"
			       "D0 (again))\n");
	assert_contains(r.out, "    af-flr   observed    ineffective 1 time on this host");
	assert_contains(r.out, "    bus      observed    ineffective 1 time on this host (last ");
	assert_contains(r.out, "; also reset it with a verified effect 1 time\n");
	assert_null(strstr(r.out, "    flr      observed"));
	ctl_run_free(&r);

	r = ctl_run((const char *[]){"--sysfs-root", simroot, "probe", "--json", "--policy-dir",
				     getenv("PCIRST_SHIPPED_POLICY"), "--journal-dir",
				     TEST_JOURNAL_RUNTIME, "--since", since, sim_nic.sbdf, NULL});
	assert_int_equal(r.status, 0);
	arr = json_tokener_parse(r.out);
	assert_non_null(arr);
	assert_true(json_object_object_get_ex(json_object_array_get_idx(arr, 0), "methods", &m));
	assert_true(json_object_object_get_ex(m, "pm", &o));
	assert_true(json_object_object_get_ex(o, "observed", &o));
	assert_int_equal(json_object_get_int(json_object_object_get(o, "ineffective")), 2);
	assert_int_equal(json_object_get_int(json_object_object_get(o, "effective")), 0);
	assert_string_equal(jget(o, "sbdf"), "0000:03:00.0");
	assert_string_equal(jget(o, "evidence"), "BAR0 kept 0xfebc0000 after D3hot\xe2\x86\x92"
						 "D0 (again)");
	assert_non_null(jget(o, "last"));
	assert_true(json_object_object_get_ex(m, "flr", &o));
	assert_false(json_object_object_get_ex(o, "observed", &o));
	json_object_put(arr);
	ctl_run_free(&r);

	/*
	 * A simulated tree is not this host: without --journal-dir the local
	 * journal (which has those observations) is not read for it.
	 */
	r = ctl_run((const char *[]){"--sysfs-root", simroot, "probe", "--policy-dir",
				     getenv("PCIRST_SHIPPED_POLICY"), "--since", since,
				     sim_nic.sbdf, NULL});
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_null(strstr(r.out, "observed"));
	ctl_run_free(&r);

	/* A journal that cannot be read: one note, no observations, probing goes on. */
	r = ctl_run((const char *[]){"--sysfs-root", simroot, "probe", "--policy-dir",
				     getenv("PCIRST_SHIPPED_POLICY"), "--journal-dir",
				     "/nonexistent", sim_nic.sbdf, NULL});
	assert_int_equal(r.status, 0);
	assert_contains(r.err, "cannot read the journal in /nonexistent");
	assert_null(strstr(r.out, "observed"));
	ctl_run_free(&r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(journald__suggest),
	    cmocka_unit_test(test_suggest_empty),
	    cmocka_unit_test(journald__probe),
	};

	privjournal_enter_or_skip();
	return test_run(tests, setup, teardown, argc, argv);
}
