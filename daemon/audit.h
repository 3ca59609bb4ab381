/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit trail: one structured journal entry per decision, each with its
 * own MESSAGE_ID (explained in systemd/pcirstd.catalog) and fields an
 * administrator can filter on (journalctl MESSAGE_ID=… PCI_SBDF=…). Messages
 * are honest: they say what was decided, by which rule, and what happened.
 */
#pragma once

#include <stdbool.h>

#include "pci-host.h"
#include "policy.h"
#include "power-late.h"
#include "trail.h"

enum audit_event {
	AUDIT_RESET_OK,		    /* reset done and verified */
	AUDIT_RESET_FAILED,	    /* strict: the attach must fail */
	AUDIT_RESET_FAILED_IGNORED, /* lenient: failure ignored by policy */
	AUDIT_RESET_SKIPPED,	    /* skip: no reset by policy */
	AUDIT_RESET_ABORTED,	    /* stopped (shutdown) before an outcome */
	AUDIT_REQUEST_REFUSED,	    /* malformed or not allowed request */
	AUDIT_DEVICE_VANISHED,	    /* the device disappeared */
	AUDIT_POLICY_RELOADED,
	AUDIT_POLICY_REJECTED, /* reload failed, the old policy stays */
	AUDIT_POWER_RESTORED,  /* power/control set back after an abandoned kernel write */
	AUDIT_POWER_LEFT,      /* power/control could not be set back: it stays "on" */
	_AUDIT_EVENT_MAX,
};

/*
 * Bounds on one entry: a value longer than AUDIT_FIELD_MAX bytes is cut at a
 * character boundary and ends in "…"; lists (attempts, policy files,
 * diagnostics) keep their first AUDIT_LIST_MAX items and say how many were
 * left out.
 */
#define AUDIT_FIELD_MAX 4096
#define AUDIT_LIST_MAX	64

/* The MESSAGE_ID of an event, 32 lower-case hex digits (as in the catalog). */
const char *audit_message_id(enum audit_event e);

/* One reset request's outcome. Pointers may be NULL where noted. */
struct audit_reset {
	const char *request_id; /* NULL for pcirstctl's direct mode */
	int domid;		/* -1: none given */
	const char *reason;	/* attach, detach, manual */
	const struct pcirst_sbdf *targets;
	unsigned n_targets;
	const struct pci_dev_info *info; /* of targets[0]; NULL if unknown (vanished) */
	const struct policy_decision *decision;
	enum policy_outcome outcome;
	const struct reset_trail *trail; /* NULL when no reset ran (skip) */
};

/* Maps an outcome to its event. */
enum audit_event audit_event_of(enum policy_outcome outcome);

/*
 * Where entries go. The journal in production; tests substitute a sink that
 * records the fields. A sink gets the fields as "NAME=value" strings.
 */
struct audit_sink {
	int (*send)(void *userdata, const char *const *fields, unsigned n);
	void *userdata;
};

/* The sink that writes to the journal with sd_journal_sendv(). */
extern const struct audit_sink audit_journal_sink;

int audit_reset(const struct audit_sink *sink, const struct audit_reset *a);
/* targets: the functions a well-formed request named (NULL, 0 for a malformed one). */
int audit_refused(const struct audit_sink *sink, const char *request_id, const char *error,
		  const struct pcirst_sbdf *targets, unsigned n_targets);
int audit_vanished(const struct audit_sink *sink, const char *request_id,
		   const struct pcirst_sbdf *sbdf);
/* A power/control value a job handed over (power-late.h): set back, or not. */
int audit_power(const struct audit_sink *sink, const struct power_late_report *r);
int audit_policy_reloaded(const struct audit_sink *sink, const struct policy *p);
int audit_policy_rejected(const struct audit_sink *sink, const struct policy_diags *diags);
