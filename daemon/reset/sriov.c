/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "sriov.h"

int sriov_list_vfs(struct pci_host *host, const struct pcirst_sbdf *pf, struct pcirst_sbdf **out,
		   unsigned *n)
{
	_cleanup_(freep) struct pcirst_sbdf *all = NULL;
	unsigned n_all = 0, k = 0;
	int r;

	r = pci_host_list(host, &all, &n_all);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < n_all; i++) {
		struct pci_dev_info info;

		/* The list is sorted: the kept entries stay sorted in place. */
		if (pci_host_info_brief(host, &all[i], &info, NULL) >= 0 && info.is_vf &&
		    pcirst_sbdf_cmp(&info.physfn, pf) == 0)
			all[k++] = all[i];
	}
	*out = all;
	all = NULL;
	*n = k;
	return 0;
}

static bool listed(const struct pcirst_sbdf *list, unsigned n, const struct pcirst_sbdf *s)
{
	for (unsigned i = 0; i < n; i++)
		if (pcirst_sbdf_cmp(&list[i], s) == 0)
			return true;
	return false;
}

int sriov_check_pf(struct pci_host *host, const struct pci_dev_info *info,
		   sriov_assigned_fn get_assigned, void *userdata, struct why *why)
{
	_cleanup_(freep) struct pcirst_sbdf *vfs = NULL;
	const struct pcirst_sbdf *assigned = NULL;
	char busy[WHY_MAX] = "", s[PCIRST_SBDF_STRLEN], pf[PCIRST_SBDF_STRLEN];
	unsigned n = 0, n_busy = 0, n_assigned = 0;
	int r;

	if (!info->is_pf)
		return 0;
	pcirst_sbdf_format(&info->sbdf, pf);
	r = sriov_list_vfs(host, &info->sbdf, &vfs, &n);
	if (r < 0)
		return why_err(why, r, "listing the VFs of %s failed: %s", pf, strerror(-r));
	/* Only now, with VFs to judge: asking may cost the daemon xenstore round trips. */
	if (n && get_assigned && get_assigned(userdata, &assigned, &n_assigned) < 0)
		n_assigned = 0;
	for (unsigned i = 0; i < n; i++) {
		struct pci_dev_info vf;
		size_t len = strlen(busy);
		const char *use = NULL;
		char what[PCI_DRIVER_NAME_MAX + 16];

		if (pci_host_info_brief(host, &vfs[i], &vf, NULL) < 0)
			continue; /* gone meanwhile: nothing uses it */
		if (listed(assigned, n_assigned, &vfs[i]))
			use = "assigned to a domain";
		else if (vf.driver_kind == PCI_DRIVER_OTHER) {
			snprintf(what, sizeof(what), "driver '%s'", vf.driver);
			use = what;
		}
		if (!use)
			continue;
		snprintf(busy + len, sizeof(busy) - len, "%s%s (%s)", n_busy ? ", " : "",
			 pcirst_sbdf_format(&vfs[i], s), use);
		n_busy++;
	}
	if (n_busy)
		return why_err(why, -EPERM,
			       "%s is an SR-IOV PF: resetting it disables its VFs, and %s in use: "
			       "%s",
			       pf, n_busy > 1 ? "these are" : "this one is", busy);
	return 0;
}
