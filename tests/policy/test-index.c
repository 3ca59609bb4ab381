/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The match index (policy-index.c) changes nothing but speed: on random
 * policies mixing every kind of match (address, IDs with and without
 * subsystem, vendor, class, nothing, knowledge rules with "avoid"), each
 * decision names the rule, the avoided methods and the extra delay that the
 * definition (docs/policy.md, examined over every rule here) gives, and the
 * overlap check warns about exactly the rules that overlap an earlier one.
 */
#include "policy-test.h"

#define N_RULES 700
#define N_DEVS	400

static unsigned rnd(unsigned *seed, unsigned n)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) % n;
}

static const uint16_t vendors[] = {0x8086, 0x10de, 0x1022};
static const uint16_t devices[] = {0x1, 0x2, 0x3};

static void add_match(char *buf, size_t size, unsigned *seed)
{
	size_t n = 0;
	unsigned kind = rnd(seed, 7);

#define PUT(...) n += (size_t)snprintf(buf + n, size - n, __VA_ARGS__)
	PUT("{ ");
	if (kind == 0 || kind == 6)
		PUT("\"sbdf\": \"0000:0%u:00.0\"%s", rnd(seed, 4), kind == 6 ? ", " : "");
	if (kind >= 2)
		PUT("\"vendor\": \"0x%04x\"", vendors[rnd(seed, 3)]);
	if (kind >= 3 && kind != 6)
		PUT(", \"device\": \"0x%04x\"", devices[rnd(seed, 3)]);
	if (kind == 4)
		PUT(", \"subsystem-vendor\": \"0x1af4\", \"subsystem-device\": \"0x%04x\"",
		    rnd(seed, 2));
	if (kind == 1)
		PUT("\"class\": \"0x0%u0000\", \"class-mask\": \"0xff0000\"", 1 + rnd(seed, 2));
	PUT(" }");
#undef PUT
}

static char *random_policy(unsigned seed)
{
	size_t size = N_RULES * 256, n = 0;
	char *text = malloc(size), match[192];

	assert_non_null(text);
	n += (size_t)snprintf(text, size, "{ \"rules\": [\n");
	for (unsigned i = 0; i < N_RULES; i++) {
		add_match(match, sizeof(match), &seed);
		if (rnd(&seed, 4) == 0)
			n += (size_t)snprintf(text + n, size - n,
					      "%s{ \"match\": %s, \"avoid\": { \"%s\": \"r%u\" }, "
					      "\"extra-delay-ms\": %u, \"reason\": \"k\" }\n",
					      i ? "," : "", match, rnd(&seed, 2) ? "flr" : "pm", i,
					      rnd(&seed, 100));
		else
			n += (size_t)snprintf(text + n, size - n,
					      "%s{ \"match\": %s, \"policy\": \"%s\", \"reason\": "
					      "\"r%u\" }\n",
					      i ? "," : "", match,
					      rnd(&seed, 2) ? "lenient" : "strict", i);
	}
	snprintf(text + n, size - n, "] }\n");
	return text;
}

/* The definition, over every rule in load order. */
static const struct policy_rule *ref_winner(const struct policy *p, const struct pci_dev_info *d)
{
	const struct policy_rule *best = NULL;

	for (unsigned i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];

		if (!r->knowledge && policy_match_device(&r->match, d, NULL) &&
		    (!best ||
		     policy_match_specificity(&r->match) >= policy_match_specificity(&best->match)))
			best = r;
	}
	return best;
}

static uint32_t ref_delay(const struct policy *p, const struct pci_dev_info *d)
{
	uint32_t delay = 0;

	for (unsigned i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];

		if (r->knowledge && r->has_extra_delay && r->extra_delay_ms > delay &&
		    policy_match_device(&r->match, d, NULL))
			delay = r->extra_delay_ms;
	}
	return delay;
}

static bool ref_avoided(const struct policy *p, const struct pci_dev_info *d, unsigned m)
{
	for (unsigned i = 0; i < p->n_rules; i++)
		if (p->rules[i].avoid[m].reason && policy_match_device(&p->rules[i].match, d, NULL))
			return true;
	return false;
}

static void test_decisions_as_defined(void **state)
{
	(void)state;
	for (unsigned seed = 1; seed <= 3; seed++) {
		_cleanup_(freep) char *text = random_policy(seed);
		struct policy *p = NULL;
		unsigned s = seed * 7919;

		struct policy_diags dg = {0};
		int lr = policy_load_string("r.json", text, strlen(text), &dg, &p);
		if (lr < 0)
			policy_diags_print(&dg, stderr);
		assert_int_equal(lr, 0);
		policy_diags_clear(&dg);
		assert_int_equal(p->n_rules, N_RULES);
		for (unsigned i = 0; i < N_DEVS; i++) {
			struct pci_dev_info d = {.vendor = vendors[rnd(&s, 3)],
						 .device = devices[rnd(&s, 3)],
						 .subsys_vendor = 0x1af4,
						 .subsys_device = (uint16_t)rnd(&s, 2),
						 .class_code = (1 + rnd(&s, 2)) << 16,
						 .iommu_group = -1};
			struct policy_decision dec;
			char sbdf[16];

			snprintf(sbdf, sizeof(sbdf), "0000:0%u:00.0", rnd(&s, 4));
			assert_int_equal(pcirst_sbdf_parse(sbdf, &d.sbdf), 0);
			policy_decide(p, &d, &dec);
			assert_ptr_equal(dec.rule, ref_winner(p, &d));
			assert_int_equal(dec.extra_delay_ms, ref_delay(p, &d));
			for (unsigned m = 0; m < _RESET_METHOD_MAX; m++)
				assert_int_equal(dec.avoided[m] != NULL, ref_avoided(p, &d, m));
		}
		policy_unref(p);
	}
}

/* Whether some device could match both (same specificity given). */
static bool ref_overlap(const struct policy_match *a, const struct policy_match *b)
{
	return !(a->has_sbdf && b->has_sbdf && pcirst_sbdf_cmp(&a->sbdf, &b->sbdf)) &&
	       !(a->has_vendor && b->has_vendor && a->vendor != b->vendor) &&
	       !(a->has_device && b->has_device && a->device != b->device) &&
	       !(a->has_subsys && b->has_subsys && a->subsys_device != b->subsys_device) &&
	       !(a->has_class && b->has_class && a->class_code != b->class_code);
}

static void test_overlaps_as_defined(void **state)
{
	(void)state;
	for (unsigned seed = 11; seed <= 13; seed++) {
		_cleanup_(freep) char *text = random_policy(seed);
		struct policy_diags diags = {0};
		struct policy *p = NULL;
		unsigned expected = 0;

		assert_int_equal(policy_load_string("r.json", text, strlen(text), &diags, &p), 0);
		for (unsigned j = 0; j < p->n_rules; j++) {
			const struct policy_rule *b = &p->rules[j];

			for (unsigned i = 0; !b->knowledge && i < j; i++) {
				const struct policy_rule *a = &p->rules[i];

				if (!a->knowledge &&
				    policy_match_specificity(&a->match) ==
					policy_match_specificity(&b->match) &&
				    ref_overlap(&a->match, &b->match)) {
					expected++;
					break;
				}
			}
		}
		assert_true(expected > 0);
		assert_int_equal(diags.n_warnings, expected);
		policy_diags_clear(&diags);
		policy_unref(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decisions_as_defined),
	    cmocka_unit_test(test_overlaps_as_defined),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
