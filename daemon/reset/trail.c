/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <json-c/json.h>
#include <inttypes.h>
#include <stdio.h>

#include "trail.h"

/* Switches without default: -Wswitch (an error in CI) names a value added without a name. */
const char *attempt_outcome_name(enum attempt_outcome o)
{
	switch (o) {
	case ATTEMPT_OK:
		return "ok";
	case ATTEMPT_UNSUPPORTED:
		return "unsupported";
	case ATTEMPT_REFUSED:
		return "refused";
	case ATTEMPT_FAILED:
		return "failed";
	case ATTEMPT_TIMEDOUT:
		return "timed-out";
	case ATTEMPT_ABORTED:
		return "aborted";
	case ATTEMPT_INEFFECTIVE:
		return "ineffective";
	case _ATTEMPT_OUTCOME_MAX:
		break;
	}
	return "invalid";
}

const char *reset_effect_name(enum reset_effect e)
{
	switch (e) {
	case EFFECT_NONE:
		return "none";
	case EFFECT_VERIFIED:
		return "verified";
	case EFFECT_UNVERIFIED:
		return "unverified";
	case EFFECT_INEFFECTIVE:
		return "ineffective";
	case _EFFECT_MAX:
		break;
	}
	return "invalid";
}

struct reset_trail *reset_trail_new(const struct pcirst_sbdf *targets, unsigned n)
{
	struct reset_trail *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->targets = calloc(n ? n : 1, sizeof(*targets));
	t->effects = calloc(n ? n : 1, sizeof(*t->effects));
	if (!t->targets || !t->effects) {
		free(t->targets);
		free(t->effects);
		free(t);
		return NULL;
	}
	memcpy(t->targets, targets, n * sizeof(*targets));
	t->n_targets = n;
	t->verdict = VERDICT_FAILED;
	return t;
}

void reset_trail_free(struct reset_trail *t)
{
	if (!t)
		return;
	free(t->targets);
	free(t->effects);
	free(t->attempts);
	free(t);
}

struct trail_attempt *reset_trail_add(struct reset_trail *t, const struct reset_method_spec *m,
				      const struct pcirst_sbdf *sbdf)
{
	struct trail_attempt *a;

	a = reallocarray(t->attempts, t->n_attempts + 1, sizeof(*a));
	if (!a)
		return NULL;
	t->attempts = a;
	a = &t->attempts[t->n_attempts++];
	*a = (struct trail_attempt){.method = *m, .sbdf = *sbdf};
	return a;
}

void trail_attempt_step(struct trail_attempt *a, const char *name, uint64_t usec)
{
	struct trail_step *s;

	if (a->n_steps >= TRAIL_MAX_STEPS)
		return;
	s = &a->steps[a->n_steps++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->usec = usec;
}

bool reset_trail_acted(const struct reset_trail *t)
{
	for (unsigned i = 0; i < t->n_attempts; i++)
		if (t->attempts[i].outcome != ATTEMPT_UNSUPPORTED &&
		    t->attempts[i].outcome != ATTEMPT_REFUSED)
			return true;
	return false;
}

static void print_duration(FILE *f, uint64_t usec)
{
	if (usec >= 10 * USEC_PER_MSEC)
		fprintf(f, "%" PRIu64 " ms", usec / USEC_PER_MSEC);
	else
		fprintf(f, "%" PRIu64 " µs", usec);
}

void reset_trail_print(const struct reset_trail *t, FILE *f)
{
	char sbdf[PCIRST_SBDF_STRLEN], m[64];

	for (unsigned i = 0; i < t->n_attempts; i++) {
		const struct trail_attempt *a = &t->attempts[i];

		fprintf(f, "  %-10s %s  %-11s", reset_method_spec_format(&a->method, m, sizeof(m)),
			pcirst_sbdf_format(&a->sbdf, sbdf), attempt_outcome_name(a->outcome));
		if (a->outcome != ATTEMPT_UNSUPPORTED && a->outcome != ATTEMPT_REFUSED) {
			fputs(" ", f);
			print_duration(f, a->usec);
		}
		if (a->message[0]) {
			fprintf(f, "  %s", a->message);
			if (a->failed_step[0])
				fprintf(f, " [step %s]", a->failed_step);
		}
		fputc('\n', f);
		if (a->note[0])
			fprintf(f, "             note: %s\n", a->note);
		if (a->effect != EFFECT_NONE && a->outcome != ATTEMPT_INEFFECTIVE)
			fprintf(f, "             effect: %s (%s)\n", reset_effect_name(a->effect),
				a->effect_detail);
		for (unsigned j = 0; j < a->n_steps; j++) {
			fprintf(f, "             %-12s ", a->steps[j].name);
			print_duration(f, a->steps[j].usec);
			fputc('\n', f);
		}
	}
	fprintf(f, "verdict: %s", reset_verdict_name(t->verdict));
	if (t->verdict == VERDICT_OK)
		fprintf(f, " (%s, effect %s)", reset_method_spec_format(&t->method, m, sizeof(m)),
			reset_effect_name(t->effect));
	fprintf(f, " in ");
	print_duration(f, t->usec);
	if (t->message[0])
		fprintf(f, ": %s", t->message);
	fputc('\n', f);
}

static int add(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int attempt_to_json(const struct trail_attempt *a, struct json_object **out)
{
	struct json_object *o = json_object_new_object(), *steps;
	char sbdf[PCIRST_SBDF_STRLEN], m[64];
	int r = 0;

	if (!o)
		return -ENOMEM;
	r |= add(o, "method",
		 json_object_new_string(reset_method_spec_format(&a->method, m, sizeof(m))));
	r |= add(o, "sbdf", json_object_new_string(pcirst_sbdf_format(&a->sbdf, sbdf)));
	r |= add(o, "outcome", json_object_new_string(attempt_outcome_name(a->outcome)));
	if (a->error)
		r |= add(o, "errno", json_object_new_int(a->error));
	if (a->failed_step[0])
		r |= add(o, "failed-step", json_object_new_string(a->failed_step));
	if (a->message[0])
		r |= add(o, "message", json_object_new_string(a->message));
	if (a->note[0])
		r |= add(o, "note", json_object_new_string(a->note));
	if (a->effect != EFFECT_NONE)
		r |= add(o, "effect", json_object_new_string(reset_effect_name(a->effect)));
	if (a->effect_detail[0])
		r |= add(o, "effect-detail", json_object_new_string(a->effect_detail));
	r |= add(o, "usec", json_object_new_int64((int64_t)a->usec));
	steps = json_object_new_array();
	r |= add(o, "steps", steps);
	for (unsigned j = 0; steps && j < a->n_steps; j++) {
		struct json_object *s = json_object_new_object();

		if (!s || json_object_array_add(steps, s) < 0) {
			json_object_put(s);
			r = -ENOMEM;
			break;
		}
		r |= add(s, "name", json_object_new_string(a->steps[j].name));
		r |= add(s, "usec", json_object_new_int64((int64_t)a->steps[j].usec));
	}
	if (r < 0) {
		json_object_put(o);
		return -ENOMEM;
	}
	*out = o;
	return 0;
}

int reset_trail_to_json(const struct reset_trail *t, struct json_object **out)
{
	struct json_object *o = json_object_new_object(), *targets, *attempts;
	char sbdf[PCIRST_SBDF_STRLEN], m[64];
	int r = 0;

	if (!o)
		return -ENOMEM;
	targets = json_object_new_array();
	r |= add(o, "targets", targets);
	for (unsigned i = 0; targets && i < t->n_targets; i++)
		r |= json_object_array_add(
		    targets, json_object_new_string(pcirst_sbdf_format(&t->targets[i], sbdf)));
	r |= add(o, "verdict", json_object_new_string(reset_verdict_name(t->verdict)));
	if (t->verdict == VERDICT_OK) {
		struct json_object *effects = json_object_new_array();

		r |=
		    add(o, "method",
			json_object_new_string(reset_method_spec_format(&t->method, m, sizeof(m))));
		r |= add(o, "effect", json_object_new_string(reset_effect_name(t->effect)));
		/* Parallel to targets. */
		r |= add(o, "effects", effects);
		for (unsigned i = 0; effects && i < t->n_targets; i++)
			r |= json_object_array_add(
			    effects, json_object_new_string(reset_effect_name(t->effects[i])));
	}
	if (t->message[0])
		r |= add(o, "message", json_object_new_string(t->message));
	if (t->power[0])
		r |= add(o, "power", json_object_new_string(t->power));
	r |= add(o, "usec", json_object_new_int64((int64_t)t->usec));
	attempts = json_object_new_array();
	r |= add(o, "attempts", attempts);
	for (unsigned i = 0; attempts && i < t->n_attempts; i++) {
		struct json_object *a;

		if (attempt_to_json(&t->attempts[i], &a) < 0 ||
		    json_object_array_add(attempts, a) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	if (r < 0) {
		json_object_put(o);
		return -ENOMEM;
	}
	*out = o;
	return 0;
}
