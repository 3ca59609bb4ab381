/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SR-IOV physical functions. Any reset of a PF (FLR, D3hot->D0, bus)
 * returns its SR-IOV capability to its defaults: VF Enable clears and every
 * VF disappears (SR-IOV 1.1 §3.3.3.1), under whichever domain or driver uses
 * it. So a PF is reset only while each of its VFs is unbound or bound to
 * pciback/pci-stub/vfio-pci and assigned to no domain; the capability is
 * saved and restored around the reset (cfgsave.h), VF Enable last.
 */
#pragma once

#include "pci-host.h"
#include "util.h"

/* The VFs whose physfn is pf, sorted; *out is malloc'ed. */
int sriov_list_vfs(struct pci_host *host, const struct pcirst_sbdf *pf, struct pcirst_sbdf **out,
		   unsigned *n);

/*
 * The functions domains hold: *list stays owned by the callee; 0, or
 * -errno (then none are known to be held).
 */
typedef int (*sriov_assigned_fn)(void *userdata, const struct pcirst_sbdf **list, unsigned *n);

/*
 * For a PF (info->is_pf): 0 when none of its VFs is in use, -EPERM naming
 * every VF that is (bound to another driver, or held by a domain), -errno
 * when the VFs cannot be listed. 0 for any other function. assigned (may be
 * NULL: drivers only) is called only for a PF that has VFs.
 */
int sriov_check_pf(struct pci_host *host, const struct pci_dev_info *info,
		   sriov_assigned_fn assigned, void *userdata, struct why *why);
