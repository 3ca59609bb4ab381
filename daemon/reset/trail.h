/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The trail of one reset: every method tried, on which function, what
 * happened and how long each step took. It is what the tool prints and what
 * the daemon reports and logs, so it must be complete and honest.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <pcirst/sbdf.h>

#include "method.h"
#include "verdict.h"
#include "util.h"

struct json_object;

enum attempt_outcome {
	ATTEMPT_OK,
	ATTEMPT_UNSUPPORTED, /* the function lacks what the method needs */
	ATTEMPT_REFUSED,     /* possible but unsafe or not allowed */
	ATTEMPT_FAILED,	     /* an operation failed */
	ATTEMPT_TIMEDOUT,    /* the device did not become ready in time */
	ATTEMPT_ABORTED,     /* stopped from outside (shutdown, device removed) */
	ATTEMPT_INEFFECTIVE, /* completed, but the function shows no sign of a reset */
	_ATTEMPT_OUTCOME_MAX,
};

const char *attempt_outcome_name(enum attempt_outcome o);

/* Whether a reset shows its signature on a function (effect.c, docs/reset-engine.md). */
enum reset_effect {
	EFFECT_NONE,	    /* not checked: the attempt did not get that far */
	EFFECT_VERIFIED,    /* every programmed BAR and Command bit read back reset */
	EFFECT_UNVERIFIED,  /* nothing to observe: the reset may or may not have happened */
	EFFECT_INEFFECTIVE, /* something that a reset clears kept its value */
	_EFFECT_MAX,
};

const char *reset_effect_name(enum reset_effect e);

#define TRAIL_STEP_NAME_MAX 24
#define TRAIL_MAX_STEPS	    16

struct trail_step {
	char name[TRAIL_STEP_NAME_MAX];
	uint64_t usec;
};

struct trail_attempt {
	struct reset_method_spec method;
	struct pcirst_sbdf sbdf; /* the function, or the first of a bus reset's set */
	enum attempt_outcome outcome;
	int error;			       /* positive errno for FAILED/TIMEDOUT, else 0 */
	char failed_step[TRAIL_STEP_NAME_MAX]; /* where it failed */
	char message[WHY_MAX];		       /* why unsupported/refused/failed */
	char note[WHY_MAX];		       /* a warning on success, e.g. pending transactions */
	enum reset_effect effect;	       /* of the functions this attempt reset, together */
	char effect_detail[WHY_MAX];	       /* what was observed, or why nothing could be */
	struct trail_step steps[TRAIL_MAX_STEPS];
	unsigned n_steps;
	uint64_t usec;
};

struct reset_trail {
	struct pcirst_sbdf *targets;
	unsigned n_targets;
	struct trail_attempt *attempts;
	unsigned n_attempts;
	enum reset_verdict verdict;
	struct reset_method_spec method; /* the one that succeeded, when verdict is OK */
	/*
	 * When verdict is OK: per target (parallel to targets) and overall, whether
	 * the reset's effect was observed. Overall verified only when every target is.
	 */
	enum reset_effect *effects;
	enum reset_effect effect;
	char message[WHY_MAX]; /* one-line summary for logs and errors */
	/*
	 * What became of a function's power/control the job changed, when it
	 * was not simply put back: handed over until an abandoned kernel write
	 * returns, or left "on" (power.h, power-late.h); "" otherwise.
	 */
	char power[WHY_MAX];
	uint64_t usec;
};

struct reset_trail *reset_trail_new(const struct pcirst_sbdf *targets, unsigned n);
void reset_trail_free(struct reset_trail *t);
DEFINE_FREEP(struct reset_trail, reset_trail_free)

/* Appends a zeroed attempt; returns NULL on ENOMEM. */
struct trail_attempt *reset_trail_add(struct reset_trail *t, const struct reset_method_spec *m,
				      const struct pcirst_sbdf *sbdf);
/* Records a finished step; silently keeps the first TRAIL_MAX_STEPS. */
void trail_attempt_step(struct trail_attempt *a, const char *name, uint64_t usec);

/* Whether any attempt got as far as touching a device (not only unsupported/refused). */
bool reset_trail_acted(const struct reset_trail *t);

/* Human-readable, one line per attempt and step. */
void reset_trail_print(const struct reset_trail *t, FILE *f);
/* The same as JSON, for pcirstctl --json, the daemon and the journal. */
int reset_trail_to_json(const struct reset_trail *t, struct json_object **out);
