/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit entries through a real (private) systemd-journald, read back
 * with journalctl as docs/audit.md suggests, and the catalog through a real
 * journalctl --update-catalog.
 */
#include <ftw.h>
#include <json-c/json.h>
#include <limits.h>

#include "audit-fixture.h"
#include "privjournal.h"
#include "testmain.h"

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Reads back the entries with REQUEST_ID=id (and match), waiting up to 3 s for want of them. */
static unsigned journal_read(const char *id, const char *match, unsigned want,
			     struct json_object **out, unsigned max)
{
	usec_t until = now_usec() + 3 * USEC_PER_SEC;
	unsigned n;

	for (;;) {
		char cmd[256], *line = NULL;
		size_t size = 0;
		FILE *p;

		n = 0;
		snprintf(cmd, sizeof(cmd),
			 "journalctl --no-pager -o json REQUEST_ID=%s %s 2>/dev/null", id, match);
		p = popen(cmd, "r");
		assert_non_null(p);
		while (getline(&line, &size, p) > 0 && n < max) {
			out[n] = json_tokener_parse(line);
			assert_non_null(out[n]);
			n++;
		}
		free(line);
		pclose(p);
		if (n >= want || now_usec() > until)
			return n;
		while (n)
			json_object_put(out[--n]);
		usleep(20000);
	}
}

static const char *jget(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static void journald__real_journal(void **state)
{
	struct fix *f = *state;
	struct test_journald *jd = &f->jd;
	struct json_object *e[4], *by_sbdf[4], *by_id[4], *ok = NULL, *skipped = NULL, *v;
	char id[64], pid[16], match[64];
	unsigned n, n_sbdf, n_id;

	if (test_journald_start(jd) < 0)
		test_skip();
	snprintf(id, sizeof(id), "audit-test-%d-%llu", (int)getpid(),
		 (unsigned long long)now_usec());
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	f->a.request_id = id;

	/* A bus reset of two functions... */
	trail_ok(f->trail, "bus", 104321);
	add_attempt(f->trail, "pm", ATTEMPT_UNSUPPORTED, 0, "line\nbreak"); /* binary-safe */
	f->a.n_targets = 2;
	f->a.outcome = POLICY_OUTCOME_OK;
	assert_int_equal(audit_reset(&audit_journal_sink, &f->a), 0);

	/* ... and a skip of one. */
	fix_skip(f, "GPU hangs the host on any reset");
	f->a.n_targets = 1;
	assert_int_equal(audit_reset(&audit_journal_sink, &f->a), 0);

	/* The queries docs/audit.md suggests. */
	n = journal_read(id, "", 2, e, ELEMENTSOF(e));
	n_sbdf = journal_read(id, "PCI_SBDF=0000:03:00.1", 1, by_sbdf, ELEMENTSOF(by_sbdf));
	snprintf(match, sizeof(match), "MESSAGE_ID=%s", audit_message_id(AUDIT_RESET_SKIPPED));
	n_id = journal_read(id, match, 1, by_id, ELEMENTSOF(by_id));
	test_journald_stop(jd);

	assert_int_equal(n, 2);
	for (unsigned i = 0; i < n; i++) {
		if (streq(jget(e[i], "RESULT") ?: "", "ok"))
			ok = e[i];
		else if (streq(jget(e[i], "RESULT") ?: "", "skipped"))
			skipped = e[i];
		/* Written by this process: journald's trusted field, not ours. */
		assert_string_equal(jget(e[i], "_PID"), pid);
		assert_string_equal(jget(e[i], "POLICY_RULE"), RULE_FILE ":3");
		assert_string_equal(jget(e[i], "REQUEST_ID"), id);
	}
	assert_non_null(ok);
	assert_non_null(skipped);
	assert_string_equal(jget(ok, "MESSAGE_ID"), audit_message_id(AUDIT_RESET_OK));
	assert_string_equal(jget(ok, "PRIORITY"), "6");
	assert_string_equal(jget(ok, "MESSAGE"),
			    "0000:03:00.0 0000:03:00.1 reset by bus (strict, "
			    "rule " RULE_FILE ":3:5) in 104 ms; effect unverified");
	/* A repeated field comes back as an array, in order. */
	assert_true(json_object_object_get_ex(ok, "PCI_SBDF", &v));
	assert_true(json_object_is_type(v, json_type_array));
	assert_int_equal(json_object_array_length(v), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 1)),
			    "0000:03:00.1");
	assert_true(json_object_object_get_ex(ok, "RESET_ATTEMPT", &v));
	assert_true(json_object_is_type(v, json_type_array));
	assert_int_equal(json_object_array_length(v), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 0)),
			    "bus 0000:03:00.0 ok");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 1)),
			    "pm 0000:03:00.0 unsupported line\nbreak");
	assert_string_equal(jget(skipped, "MESSAGE_ID"), audit_message_id(AUDIT_RESET_SKIPPED));
	assert_string_equal(jget(skipped, "PRIORITY"), "5");
	assert_string_equal(jget(skipped, "PCI_SBDF"), "0000:03:00.0");
	assert_string_equal(jget(skipped, "POLICY_REASON"), "GPU hangs the host on any reset");

	/* A match on the second function finds the bus reset only; the skip id the skip only. */
	assert_int_equal(n_sbdf, 1);
	assert_string_equal(jget(by_sbdf[0], "RESULT"), "ok");
	assert_int_equal(n_id, 1);
	assert_string_equal(jget(by_id[0], "RESULT"), "skipped");

	for (unsigned i = 0; i < n; i++)
		json_object_put(e[i]);
	json_object_put(by_sbdf[0]);
	json_object_put(by_id[0]);
}

/* ---- The catalog, through a real journalctl ---- */

/* Runs cmd with sh; returns its whole output (malloc'ed) and sets its wait status. */
static char *run(const char *cmd, int *status)
{
	char *buf = NULL, chunk[4096];
	size_t size = 0, n;
	FILE *p = popen(cmd, "r"), *m = open_memstream(&buf, &size);

	assert_non_null(p);
	assert_non_null(m);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		fwrite(chunk, 1, n, m);
	*status = pclose(p);
	fclose(m);
	return buf;
}

/* Records, in f->rec, a typical entry of event e, with every field it can have. */
static void sample(struct fix *f, enum audit_event e)
{
	static const char doc[] = "{\"rules\": [{\"match\": {\"vendor\": \"0x8086\"}, "
				  "\"policy\": \"strict\"}]}";
	static const char bad[] = "{\"rules\": [{\"match\": {}, \"policy\": \"strictt\"}]}";
	struct policy_diags diags = {0};
	struct policy *p = NULL;

	switch (e) {
	case AUDIT_RESET_OK:
		trail_ok(f->trail, "flr", 30000);
		f->a.outcome = POLICY_OUTCOME_OK;
		break;
	case AUDIT_RESET_FAILED:
		trail_failed(f->trail);
		f->a.outcome = POLICY_OUTCOME_FAILED;
		break;
	case AUDIT_RESET_FAILED_IGNORED:
		trail_failed(f->trail);
		set_reason(f, "known broken FLR");
		f->decision.mode = f->rule.mode = POLICY_LENIENT;
		f->a.outcome = POLICY_OUTCOME_FAILED_IGNORED;
		break;
	case AUDIT_RESET_SKIPPED:
		fix_skip(f, "hangs the host");
		break;
	case AUDIT_RESET_ABORTED:
		f->trail->verdict = VERDICT_ABORTED;
		snprintf(f->trail->message, sizeof(f->trail->message), "aborted: stopping");
		f->a.outcome = POLICY_OUTCOME_ABORTED;
		break;
	case AUDIT_REQUEST_REFUSED:
		assert_int_equal(audit_refused(&f->sink, "r", "too many fields", NULL, 0), 0);
		return;
	case AUDIT_DEVICE_VANISHED:
		assert_int_equal(audit_vanished(&f->sink, "r", &f->targets[0]), 0);
		return;
	case AUDIT_POLICY_RELOADED:
		assert_int_equal(policy_load_string("a.json", doc, sizeof(doc) - 1, NULL, &p), 0);
		assert_int_equal(audit_policy_reloaded(&f->sink, p), 0);
		policy_unref(p);
		return;
	case AUDIT_POLICY_REJECTED:
		assert_true(policy_load_string("b.json", bad, sizeof(bad) - 1, &diags, &p) < 0);
		assert_int_equal(audit_policy_rejected(&f->sink, &diags), 0);
		policy_diags_clear(&diags);
		return;
	case AUDIT_POWER_RESTORED:
	case AUDIT_POWER_LEFT: {
		struct power_late_report r = {.sbdf = f->targets[0],
					      .value = "auto",
					      .result = e == AUDIT_POWER_LEFT ? -ECANCELED : 0,
					      .waited = 1500 * USEC_PER_MSEC,
					      .message = "m"};

		assert_int_equal(audit_power(&f->sink, &r), 0);
		return;
	}
	default:
		fail();
	}
	assert_int_equal(audit_reset(&f->sink, &f->a), 0);
}

/* Checks the entry of one id in journalctl --dump-catalog's output. */
static void check_catalog_entry(const char *dump, enum audit_event e)
{
	const char *id = audit_message_id(e), *start, *end, *body;
	char header[64];
	struct fix *f;

	snprintf(header, sizeof(header), "-- %s\n", id);
	start = strstr(dump, header);
	if (!start) {
		fail_msg("no catalog entry for %s", id);
		return; /* not reached: for the compiler, which does not know that */
	}
	end = strstr(start + 1, "\n-- ") ?: start + strlen(start);
	body = strstr(start, "\n\n");
	assert_true(body && body < end);
	/* The headers journalctl -x shows, and a real explanation after them. */
	assert_true(memmem(start, body - start, "\nSubject: ", 10));
	assert_true(memmem(start, body - start, "\nDefined-By: pcirstd\n", 21));
	assert_true(memmem(start, body - start, "\nSupport: ", 10));
	assert_true(memmem(start, body - start, "\nDocumentation: ", 16));
	assert_true(end - body > 200);

	/* Every @FIELD@ must be one this event's entries carry, or journalctl prints its name. */
	assert_int_equal(audit_fix_setup((void **)&f), 0);
	sample(f, e);
	for (const char *at = memchr(body, '@', end - body); at && at < end;
	     at = memchr(at + 1, '@', end - at - 1)) {
		size_t n = strspn(at + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		char name[64];

		if (n == 0 || at[1 + n] != '@')
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)n, at + 1);
		if (!field(&f->rec, name))
			fail_msg("catalog entry %s uses @%s@, which its entries lack", id, name);
		at += n + 1;
	}
	audit_fix_teardown((void **)&f);
}

static void journalctl__catalog(void **state)
{
	const char *data = getenv("PCIRST_TEST_DATA");
	char root[] = "/tmp/pcirst-catalog-XXXXXX", cmd[PATH_MAX * 2 + 256];
	_cleanup_(freep) char *update = NULL, *dump = NULL;
	int st_update, st_dump;
	unsigned n = 0;

	if (!data || access("/usr/bin/journalctl", X_OK) < 0) {
		fprintf(stderr, "# skip: needs PCIRST_TEST_DATA and journalctl\n");
		test_skip();
	}
	/* journalctl --root builds and reads the database under root, not the system's. */
	assert_non_null(mkdtemp(root));
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/usr/lib/systemd/catalog && "
		 "cp %s/../../systemd/pcirstd.catalog %s/usr/lib/systemd/catalog/ && "
		 "journalctl --root=%s --update-catalog 2>&1",
		 root, data, root, root);
	update = run(cmd, &st_update);
	snprintf(cmd, sizeof(cmd), "journalctl --root=%s --dump-catalog 2>&1", root);
	dump = run(cmd, &st_dump);
	rm_rf(root);

	/* Any complaint (a malformed header, a duplicate id) means a broken catalog. */
	if (st_update != 0 || update[0])
		fail_msg("journalctl --update-catalog: status %d: %s", st_update, update);
	assert_int_equal(st_dump, 0);
	for (int e = 0; e < _AUDIT_EVENT_MAX; e++)
		check_catalog_entry(dump, e);
	/* Nothing but ours: no stale or mistyped ids. */
	for (const char *p = dump; (p = strstr(p, "-- ")); p += 3)
		if (p == dump || p[-1] == '\n')
			n++;
	assert_int_equal(n, _AUDIT_EVENT_MAX);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(journald__real_journal, audit_fix_setup,
					    audit_fix_teardown),
	    cmocka_unit_test(journalctl__catalog),
	};

	/* Before any entry is sent: never the host's journal. */
	privjournal_enter_or_skip();
	return test_run(tests, NULL, NULL, argc, argv);
}
