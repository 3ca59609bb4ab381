/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A policy file from arbitrary bytes: either rules or diagnostics, never
 * both and never neither; a loaded policy decides, explains and serializes
 * for devices its rules may or may not match.
 */
#include <json-c/json.h>
#include <stdio.h>

#include "fuzz.h"
#include "policy.h"

/* Devices the corpus's rules name: an Intel NIC pair, an NVIDIA GPU and its audio, a bare function.
 */
static const struct pci_dev_info devices[] = {
    {.sbdf = {0, 3, 0, 0},
     .vendor = 0x8086,
     .device = 0x10d3,
     .class_code = 0x020000,
     .subsys_vendor = 0x8086,
     .subsys_device = 0xa01f,
     .driver_kind = PCI_DRIVER_PCIBACK,
     .driver = "pciback",
     .iommu_group = 7},
    {.sbdf = {0, 3, 0, 1},
     .vendor = 0x8086,
     .device = 0x10d3,
     .class_code = 0x020000,
     .multifunction = true,
     .iommu_group = 7},
    {.sbdf = {0, 1, 0, 0},
     .vendor = 0x10de,
     .device = 0x1eb8,
     .class_code = 0x030000,
     .driver_kind = PCI_DRIVER_VFIO,
     .driver = "vfio-pci",
     .iommu_group = -1},
    {.sbdf = {0, 1, 0, 1},
     .vendor = 0x10de,
     .device = 0x10f8,
     .class_code = 0x040300,
     .iommu_group = -1},
    {.sbdf = {1, 0x80, 0x1f, 7},
     .vendor = 0x1b36,
     .device = 0x0010,
     .class_code = 0x010802,
     .is_vf = true,
     .physfn = {1, 0x80, 0, 0},
     .iommu_group = 3},
};

static void decide(const struct policy *p)
{
	static const char *const options[] = {"no-strict-reset", "no-reset=yes", "strict-reset"};
	struct policy_decision d;

	for (unsigned i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
		struct policy_candidate *cands = NULL;
		struct policy_request req = {0};
		struct json_object *j = NULL;
		unsigned n = 0;

		policy_decide(p, &devices[i], &d);
		FUZZ_CHECK(d.mode >= POLICY_STRICT && d.mode < _POLICY_MODE_MAX);
		FUZZ_CHECK(d.n_methods <= POLICY_METHODS_MAX);
		for (unsigned k = 0; k < d.n_methods; k++)
			FUZZ_CHECK(!d.avoided[d.methods[k].id]);
		if (policy_decision_to_json(&d, &j) == 0)
			json_object_put(j);
		if (policy_explain(p, &devices[i], &d, &cands, &n) == 0) {
			FUZZ_CHECK(n == p->n_rules);
			for (unsigned k = 0; k < n; k++)
				FUZZ_CHECK(policy_candidate_result_name(cands[k].result));
			free(cands);
		}
		if (policy_request_add_option(&req, options[i % 3], NULL) == 0) {
			policy_apply_request(&d, &req);
			FUZZ_CHECK(policy_outcome_name(policy_outcome_of(d.mode, VERDICT_FAILED)));
		}
	}
	if (policy_decide_targets(p, devices, 2, &d) == 0)
		FUZZ_CHECK(d.mode >= POLICY_STRICT && d.mode < _POLICY_MODE_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_diags diags = {0};
	struct policy *p = NULL;
	char line[1024];
	int r;

	r = policy_load_string("fuzz.json", (const char *)data, size, &diags, &p);
	if (r == 0) {
		FUZZ_CHECK(p && diags.n_errors == 0);
		decide(p);
		policy_unref(p);
	} else {
		FUZZ_CHECK(!p && (r == -ENOMEM || diags.n_errors > 0));
	}
	FUZZ_CHECK(diags.n == diags.n_errors + diags.n_warnings);
	for (unsigned i = 0; i < diags.n; i++) {
		policy_diag_format(&diags.v[i], line, sizeof(line));
		FUZZ_CHECK(diags.v[i].msg && diags.v[i].msg[0]);
	}
	policy_diags_clear(&diags);
	return 0;
}
