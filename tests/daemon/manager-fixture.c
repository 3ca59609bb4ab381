/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "manager-fixture.h"

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

static const char policy_text[] =
    "{ \"rules\": [\n"
    "  { \"match\": { \"sbdf\": \"0000:02:00.0\" }, \"policy\": \"lenient\",\n"
    "    \"reason\": \"test: lenient\" },\n"
    "  { \"match\": { \"sbdf\": \"0000:03:00.0\" }, \"policy\": \"skip\",\n"
    "    \"reason\": \"test: never reset\" }\n"
    "] }\n";

int mfixture_setup(void **state)
{
	struct mfixture *f = calloc(1, sizeof(*f));
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

int mfixture_teardown(void **state)
{
	struct mfixture *f = *state;

	manager_free(f->m);
	policy_handle_free(f->policy);
	sd_event_unref(f->event);
	devmodel_free(f->model);
	free(f);
	return 0;
}

void msubmit(struct mfixture *f, const char *id, const char *sbdf, const char *options)
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

void mrun_until(struct mfixture *f, unsigned n_done)
{
	usec_t deadline = now_usec() + 5 * USEC_PER_SEC;

	while (f->rec.n_done < n_done) {
		assert_true(now_usec() < deadline);
		assert_true(sd_event_run(f->event, 100 * USEC_PER_MSEC) >= 0);
	}
}

const struct event *mfind(const struct mfixture *f, const char *id, bool done)
{
	for (unsigned i = 0; i < f->rec.n; i++)
		if (streq(f->rec.ev[i].id, id) && f->rec.ev[i].done == done)
			return &f->rec.ev[i];
	fail_msg("no %s event for %s", done ? "done" : "accepted", id);
	return NULL;
}
