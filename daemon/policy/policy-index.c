/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The match index: which rules could match a device, without examining every
 * rule. A rule that names a vendor and a device can only match that pair, one
 * that names a vendor only that vendor; the others (an address alone, a class,
 * nothing) are candidates for every device. Each group is kept sorted by its
 * key and then by load order, so a cursor merges the three short runs back
 * into load order and the matcher keeps its "later rule wins" rule unchanged.
 * At 4,096 rules a decision examines the rules of one vendor and device plus
 * the unkeyed ones, not all 4,096 (docs/performance.md).
 */
#include <errno.h>
#include <stdlib.h>

#include "policy-internal.h"

struct policy_index {
	unsigned n_rules; /* the rules it was built for: another count means stale */
	/* vendor<<16|device, and vendor, each sorted by (key, rule) */
	struct policy_ix_entry *ids, *vendors;
	unsigned n_ids, n_vendors;
	unsigned *rest, n_rest; /* load order */
};

static int cmp_entry(const void *a, const void *b)
{
	const struct policy_ix_entry *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->rule > y->rule) - (x->rule < y->rule);
}

void policy_index_free(struct policy_index *ix)
{
	if (!ix)
		return;
	free(ix->ids);
	free(ix->vendors);
	free(ix->rest);
	free(ix);
}

int policy_index_build(struct policy *p)
{
	struct policy_index *ix = calloc(1, sizeof(*ix));
	unsigned n = p->n_rules ? p->n_rules : 1;

	if (!ix)
		return -ENOMEM;
	ix->ids = malloc(n * sizeof(*ix->ids));
	ix->vendors = malloc(n * sizeof(*ix->vendors));
	ix->rest = malloc(n * sizeof(*ix->rest));
	if (!ix->ids || !ix->vendors || !ix->rest) {
		policy_index_free(ix);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < p->n_rules; i++) {
		const struct policy_match *m = &p->rules[i].match;

		if (m->has_vendor && m->has_device)
			ix->ids[ix->n_ids++] =
			    (struct policy_ix_entry){(uint32_t)m->vendor << 16 | m->device, i};
		else if (m->has_vendor)
			ix->vendors[ix->n_vendors++] = (struct policy_ix_entry){m->vendor, i};
		else
			ix->rest[ix->n_rest++] = i;
	}
	qsort(ix->ids, ix->n_ids, sizeof(*ix->ids), cmp_entry);
	qsort(ix->vendors, ix->n_vendors, sizeof(*ix->vendors), cmp_entry);
	ix->n_rules = p->n_rules;
	policy_index_free(p->index);
	p->index = ix;
	return 0;
}

/* The entries of v[0..n) with lo <= key <= hi. */
static void range(const struct policy_ix_entry *v, unsigned n, uint32_t lo, uint32_t hi,
		  struct policy_run *run)
{
	unsigned a = 0, b = n;

	while (a < b) {
		unsigned mid = a + (b - a) / 2;

		if (v[mid].key < lo)
			a = mid + 1;
		else
			b = mid;
	}
	run->v = v + a;
	run->n = 0;
	while (a + run->n < n && v[a + run->n].key <= hi)
		run->n++;
}

void policy_cursor_init(struct policy_cursor *c, const struct policy *p, bool has_vendor,
			uint16_t vendor, bool has_device, uint16_t device)
{
	const struct policy_index *ix = p ? p->index : NULL;

	*c = (struct policy_cursor){.p = p};
	if (!ix || ix->n_rules != p->n_rules || !has_vendor) {
		c->linear = true; /* no index, a stale one, or any rule may match */
		return;
	}
	if (has_device)
		range(ix->ids, ix->n_ids, (uint32_t)vendor << 16 | device,
		      (uint32_t)vendor << 16 | device, &c->runs[0]);
	else
		range(ix->ids, ix->n_ids, (uint32_t)vendor << 16, (uint32_t)vendor << 16 | 0xffff,
		      &c->runs[0]);
	range(ix->vendors, ix->n_vendors, vendor, vendor, &c->runs[1]);
	c->rest = ix->rest;
	c->n_rest = ix->n_rest;
}

const struct policy_rule *policy_cursor_next(struct policy_cursor *c)
{
	unsigned best = UINT32_MAX;
	int which = -1;

	if (!c->p)
		return NULL;
	if (c->linear)
		return c->pos < c->p->n_rules ? &c->p->rules[c->pos++] : NULL;
	for (int i = 0; i < 2; i++)
		if (c->runs[i].n && c->runs[i].v->rule < best) {
			best = c->runs[i].v->rule;
			which = i;
		}
	if (c->pos < c->n_rest && c->rest[c->pos] < best) {
		best = c->rest[c->pos];
		which = 2;
	}
	if (which < 0)
		return NULL;
	if (which == 2) {
		c->pos++;
	} else {
		c->runs[which].v++;
		c->runs[which].n--;
	}
	return &c->p->rules[best];
}
