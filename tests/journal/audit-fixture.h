/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit tests' fixture (tests/journal/test-audit*.c): a sink that keeps
 * the last entry, its fields by name, and one strict reset of 0000:03:00.0 to
 * describe, with trails as the engine writes them.
 */
#pragma once

#include <stdio.h>

#include "audit.h"
#include "journald.h"
#include "testlib.h"

/* A sink that keeps the last entry. */
struct rec {
	char *v[256];
	unsigned n;
	unsigned calls;
	int fail; /* returned by send when set */
};

void rec_clear(struct rec *r);
/* audit_sink.send: checks every field is NAME=value with a journal-valid name, keeps them. */
int rec_send(void *userdata, const char *const *fields, unsigned n);

/* The value of the index-th field called name, or NULL. */
const char *field_nth(const struct rec *r, const char *name, unsigned index);
const char *field(const struct rec *r, const char *name);
unsigned field_count(const struct rec *r, const char *name);

#define assert_field(r, name, value) assert_string_equal(field(r, name) ?: "(absent)", value)
#define assert_no_field(r, name)     assert_null(field(r, name))

#define RULE_FILE "/etc/pcirstd/policy.d/10-x.json"

struct fix {
	struct rec rec;
	struct audit_sink sink;
	struct pcirst_sbdf targets[2];
	struct pci_dev_info info;
	struct policy_rule rule;
	struct policy_decision decision;
	struct reset_trail *trail;
	struct audit_reset a;
	char reason[POLICY_REASON_MAX + 1]; /* the rule's, which is not const */
	/* Here so that teardown stops it even when an assertion failed. */
	struct test_journald jd;
};

/* cmocka setup and teardown: *state is a struct fix. */
int audit_fix_setup(void **state);
int audit_fix_teardown(void **state);

/* The rule's reason. */
void set_reason(struct fix *f, const char *reason);
/* A skip rule with this reason decided: the outcome is skipped, no reset ran (no trail). */
void fix_skip(struct fix *f, const char *reason);
struct trail_attempt *add_attempt(struct reset_trail *t, const char *method, enum attempt_outcome o,
				  int error, const char *msg);
/* A trail whose method succeeded in usec (bus: effect unverified, else verified). */
void trail_ok(struct reset_trail *t, const char *method, uint64_t usec);
/* As the engine summarizes a failure. */
void trail_failed(struct reset_trail *t);
