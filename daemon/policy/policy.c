/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy object (reference counted, immutable once built), the
 * diagnostics list, names, and the handle the daemon swaps on reload.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-internal.h"

/* Switches without default: -Wswitch (an error in CI) names a value added without a name. */
const char *policy_mode_name(enum policy_mode m)
{
	switch (m) {
	case POLICY_STRICT:
		return "strict";
	case POLICY_LENIENT:
		return "lenient";
	case POLICY_SKIP:
		return "skip";
	case _POLICY_MODE_MAX:
		break;
	}
	return "invalid";
}

int policy_mode_from_name(const char *name)
{
	for (unsigned i = 0; i < _POLICY_MODE_MAX; i++)
		if (streq(name, policy_mode_name(i)))
			return (int)i;
	return -EINVAL;
}

const char *policy_specificity_name(enum policy_specificity s)
{
	switch (s) {
	case POLICY_SPEC_DEFAULT:
		return "default";
	case POLICY_SPEC_CLASS:
		return "class";
	case POLICY_SPEC_VENDOR:
		return "vendor";
	case POLICY_SPEC_IDS:
		return "vendor+device";
	case POLICY_SPEC_IDS_SUBSYS:
		return "vendor+device+subsystem";
	case POLICY_SPEC_SBDF:
		return "sbdf";
	case _POLICY_SPEC_MAX:
		break;
	}
	return "invalid";
}

const char *policy_outcome_name(enum policy_outcome o)
{
	switch (o) {
	case POLICY_OUTCOME_OK:
		return "ok";
	case POLICY_OUTCOME_FAILED:
		return "failed";
	case POLICY_OUTCOME_FAILED_IGNORED:
		return "failed-ignored";
	case POLICY_OUTCOME_SKIPPED:
		return "skipped";
	case POLICY_OUTCOME_ABORTED:
		return "aborted";
	case POLICY_OUTCOME_REFUSED:
		return "refused";
	case _POLICY_OUTCOME_MAX:
		break;
	}
	return "invalid";
}

enum policy_outcome policy_outcome_of(enum policy_mode mode, enum reset_verdict verdict)
{
	if (mode == POLICY_SKIP)
		return POLICY_OUTCOME_SKIPPED;
	switch (verdict) {
	case VERDICT_OK:
		return POLICY_OUTCOME_OK;
	case VERDICT_ABORTED:
		return POLICY_OUTCOME_ABORTED;
	case VERDICT_REFUSED:
		/* Nothing was reset and nothing may be: no mode lets the attach go on. */
		return POLICY_OUTCOME_REFUSED;
	default:
		/* Anything but a verified reset is a failure; only lenient may ignore it. */
		return mode == POLICY_LENIENT ? POLICY_OUTCOME_FAILED_IGNORED
					      : POLICY_OUTCOME_FAILED;
	}
}

/* ---- The policy object ---- */

int policy_new_empty(struct policy **out)
{
	struct policy *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->refcount = 1;
	*out = p;
	return 0;
}

struct policy *policy_ref(struct policy *p)
{
	if (p)
		__atomic_add_fetch(&p->refcount, 1, __ATOMIC_RELAXED);
	return p;
}

struct policy *policy_unref(struct policy *p)
{
	if (!p || __atomic_sub_fetch(&p->refcount, 1, __ATOMIC_ACQ_REL) > 0)
		return NULL;
	for (unsigned i = 0; i < p->n_rules; i++)
		policy_rule_free_texts(&p->rules[i]);
	for (unsigned i = 0; i < p->n_files; i++)
		free(p->files[i]);
	free(p->rules);
	free(p->files);
	policy_index_free(p->index);
	free(p);
	return NULL;
}

int policy_add_file(struct policy *p, const char *name, const char **stored)
{
	char **nv, *copy = strdup(name);

	if (!copy)
		return -ENOMEM;
	nv = realloc(p->files, (p->n_files + 1) * sizeof(*nv));
	if (!nv) {
		free(copy);
		return -ENOMEM;
	}
	p->files = nv;
	p->files[p->n_files++] = copy;
	*stored = copy;
	return 0;
}

/* Capacity for n + 1 elements, doubling at powers of two: linear total copying, no extra field. */
static size_t grown(unsigned n)
{
	size_t cap = 1;

	while (cap < (size_t)n + 1)
		cap *= 2;
	return cap;
}

void policy_rule_free_texts(struct policy_rule *r)
{
	free(r->reason);
	r->reason = NULL;
	for (unsigned i = 0; i < _RESET_METHOD_MAX; i++) {
		free(r->avoid[i].reason);
		r->avoid[i].reason = NULL;
	}
}

int policy_add_rule(struct policy *p, struct policy_rule *r)
{
	struct policy_rule *nv = p->rules;

	if ((p->n_rules & (p->n_rules - 1)) == 0) {
		nv = realloc(p->rules, grown(p->n_rules) * 2 * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
	}
	p->rules = nv;
	r->index = p->n_rules;
	p->rules[p->n_rules++] = *r;
	/* The texts are now owned by p. */
	r->reason = NULL;
	for (unsigned i = 0; i < _RESET_METHOD_MAX; i++)
		r->avoid[i].reason = NULL;
	return 0;
}

/* ---- Diagnostics ---- */

void policy_diag_add(struct policy_diags *d, enum policy_severity sev, const char *file,
		     unsigned line, unsigned col, const char *fmt, ...)
{
	struct policy_diag *nv;
	char *msg = NULL, *f;
	va_list ap;
	int r;

	if (!d)
		return;
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	f = strdup(file ? file : "");
	nv = d->v;
	if ((d->n & (d->n - 1)) == 0)
		nv = realloc(d->v, grown(d->n) * 2 * sizeof(*nv));
	if (r < 0 || !f || !nv) {
		/* Out of memory: the message is lost but never the verdict. */
		free(r < 0 ? NULL : msg);
		free(f);
		if (nv)
			d->v = nv;
		if (sev == POLICY_ERROR)
			d->n_errors++;
		else
			d->n_warnings++;
		return;
	}
	d->v = nv;
	d->v[d->n++] =
	    (struct policy_diag){.severity = sev, .file = f, .line = line, .col = col, .msg = msg};
	if (sev == POLICY_ERROR)
		d->n_errors++;
	else
		d->n_warnings++;
}

void policy_diag_format(const struct policy_diag *diag, char *buf, size_t size)
{
	const char *sev = diag->severity == POLICY_ERROR ? "error" : "warning";

	if (diag->line)
		snprintf(buf, size, "%s:%u:%u: %s: %s", diag->file, diag->line, diag->col, sev,
			 diag->msg);
	else
		snprintf(buf, size, "%s: %s: %s", diag->file, sev, diag->msg);
}

void policy_diags_print(const struct policy_diags *d, FILE *f)
{
	char buf[1024];

	for (unsigned i = 0; d && i < d->n; i++) {
		policy_diag_format(&d->v[i], buf, sizeof(buf));
		fprintf(f, "%s\n", buf);
	}
}

void policy_diags_clear(struct policy_diags *d)
{
	if (!d)
		return;
	for (unsigned i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	*d = (struct policy_diags){0};
}

/* ---- Suggestions ---- */

static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64];

	/* Names we suggest are short; a long word is nothing like any of them. */
	if (la >= ELEMENTSOF(row) || lb >= ELEMENTSOF(row))
		return 1000;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

const char *policy_suggest(const char *word, const char *const *words, unsigned n)
{
	const char *best = NULL;
	unsigned best_d = 0;
	size_t len = strlen(word);
	/* Close enough to be a typo: at most 2 edits, and fewer than half the word. */
	unsigned limit = len < 4 ? 1 : 2;

	for (unsigned i = 0; i < n; i++) {
		unsigned d = edit_distance(word, words[i]);

		if (d <= limit && (!best || d < best_d)) {
			best = words[i];
			best_d = d;
		}
	}
	return best;
}

/* ---- The handle the daemon swaps on reload ---- */

struct policy_handle {
	pthread_mutex_t lock;
	struct policy *current;
	uint64_t next_generation;
};

int policy_handle_new(struct policy *initial, struct policy_handle **out)
{
	struct policy_handle *h = calloc(1, sizeof(*h));
	int r;

	if (!h)
		return -ENOMEM;
	if (initial) {
		h->current = policy_ref(initial);
	} else {
		r = policy_new_empty(&h->current);
		if (r < 0) {
			free(h);
			return r;
		}
	}
	if (h->current->generation == 0)
		h->current->generation = 1;
	h->next_generation = h->current->generation + 1;
	pthread_mutex_init(&h->lock, NULL);
	*out = h;
	return 0;
}

void policy_handle_free(struct policy_handle *h)
{
	if (!h)
		return;
	policy_unref(h->current);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

struct policy *policy_handle_get(struct policy_handle *h)
{
	struct policy *p;

	/* The reference is taken under the lock so a concurrent swap cannot free it first. */
	pthread_mutex_lock(&h->lock);
	p = policy_ref(h->current);
	pthread_mutex_unlock(&h->lock);
	return p;
}

void policy_handle_swap(struct policy_handle *h, struct policy *p)
{
	struct policy *old;

	pthread_mutex_lock(&h->lock);
	old = h->current;
	h->current = policy_ref(p);
	if (p->generation == 0)
		p->generation = h->next_generation;
	if (p->generation >= h->next_generation)
		h->next_generation = p->generation + 1;
	pthread_mutex_unlock(&h->lock);
	/* Resets that still hold the old policy keep it alive until they finish. */
	policy_unref(old);
}

int policy_handle_reload(struct policy_handle *h, const char *const *dirs, unsigned n_dirs,
			 struct policy_diags *diags)
{
	_cleanup_(policy_unrefp) struct policy *p = NULL;
	int r;

	r = policy_load(dirs, n_dirs, NULL, 0, diags, &p);
	if (r < 0)
		return r;
	policy_handle_swap(h, p);
	return 0;
}
