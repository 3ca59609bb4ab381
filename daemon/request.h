/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A reset request as the xenstore protocol carries it (docs/protocol.md):
 * parsed and validated here, away from xenstore, so every malformed request
 * gets an exact error naming the field, and nothing reaches the engine
 * unchecked.
 */
#pragma once

#include <stdint.h>

#include <pcirst/sbdf.h>

#include "policy.h"
#include "util.h"

#define REQUEST_ID_MAX	    64
#define REQUEST_TARGETS_MAX 8
#define REQUEST_VALUE_MAX   256
/* Xen: domain ids from DOMID_FIRST_RESERVED (0x7ff0) up are special. */
#define REQUEST_DOMID_MAX 0x7fef

enum request_reason {
	REQUEST_ATTACH,
	REQUEST_DETACH,
	REQUEST_MANUAL,
	_REQUEST_REASON_MAX,
};

const char *request_reason_name(enum request_reason r);

struct request {
	char id[REQUEST_ID_MAX + 1];
	struct pcirst_sbdf targets[REQUEST_TARGETS_MAX];
	unsigned n_targets;
	int domid; /* -1: none given */
	enum request_reason reason;
	struct policy_request options;
	char options_text[REQUEST_VALUE_MAX + 1];
	int64_t created; /* -1: none given */
};

/* One node below request/<id>/ as read from the store (value need not be NUL-terminated). */
struct request_field {
	const char *name;
	const char *value;
	unsigned len;
};

/* 1-64 characters of [A-Za-z0-9_-]. */
bool request_id_valid(const char *id);

/*
 * Builds a request from its fields. Returns 0, or -EINVAL with why set to
 * one line naming the field and the problem ("field 'sbdf': '0000:03:00'
 * is not a PCI address (DDDD:BB:DD.F)").
 */
int request_parse(const char *id, const struct request_field *fields, unsigned n,
		  struct request *out, struct why *why);
