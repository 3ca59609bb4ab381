/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy match per decision (policy_decide, what the daemon calls for every
 * function of a request) at 10, 1,000 and 4,096 rules, loaded from the same
 * files the daemon reads (without the shipped quirks, so the count is
 * exact). The rules name 16 vendors with 256 devices each; the device is one
 * of them, matched by exactly one rule. Before the match index every rule
 * was examined for every decision.
 */
#include <stdlib.h>

#include "bench.h"
#include "policy.h"

/* Loads shipped + a file of n bench rules; returns the policy or NULL. */
static struct policy *load(const struct bench_opts *o, unsigned n, bool with_shipped)
{
	char dir[512], file[600];
	const char *dirs[2];
	unsigned nd = 0;
	struct policy *p = NULL;
	struct policy_diags diags = {0};
	int r;

	snprintf(dir, sizeof(dir), "%s/match-%u", o->work, n);
	snprintf(file, sizeof(file), "%s/50-bench.json", dir);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return bench_fail("mkdir %s: %s", dir, strerror(errno)), NULL;
	if (with_shipped)
		dirs[nd++] = o->shipped_policy;
	dirs[nd++] = dir;
	if ((r = bench_policy_file(file, n, false)) < 0 ||
	    (r = policy_load(dirs, nd, NULL, 0, &diags, &p)) < 0) {
		policy_diags_print(&diags, stderr);
		bench_fail("policy of %u rules: %s", n, strerror(-r));
	}
	policy_diags_clear(&diags);
	return p;
}

void bench_policy_match(const struct bench_opts *o)
{
	static const unsigned sizes[] = {10, 1000, POLICY_RULES_MAX};
	const unsigned decisions = o->quick ? 200 : 5000;
	double base = 0;

	for (unsigned s = 0; s < ELEMENTSOF(sizes); s++) {
		_cleanup_(policy_unrefp) struct policy *p = load(o, sizes[s], false);
		struct pci_dev_info info = {.vendor = 0x2000,
					    .device = 0x1007,
					    .class_code = 0x010802,
					    .driver_kind = PCI_DRIVER_PCIBACK,
					    .iommu_group = 1};
		struct samples smp = {0};
		char fig[96], med[32], p99[32], ratio[64];

		if (!p)
			continue;
		snprintf(info.driver, sizeof(info.driver), "pciback");
		pcirst_sbdf_parse("0000:01:00.0", &info.sbdf);
		for (unsigned i = 0; i < decisions; i++) {
			struct policy_decision d;
			uint64_t t0 = now_nsec();

			policy_decide(p, &info, &d);
			samples_add(&smp, (double)(now_nsec() - t0) / 1000);
		}
		double m = samples_quantile(&smp, 0.5);

		if (s == 0)
			base = m;
		snprintf(fig, sizeof(fig), "policy match, %u rules", p->n_rules);
		snprintf(ratio, sizeof(ratio), "%.1f× %u rules", base > 0 ? m / base : 0, sizes[0]);
		table_row(fig, fmt_usec(med, sizeof(med), m),
			  fmt_usec(p99, sizeof(p99), samples_quantile(&smp, 0.99)), ratio,
			  p->n_rules >= POLICY_RULES_MAX ? "< 10 µs" : "");
		samples_clear(&smp);
	}
}
