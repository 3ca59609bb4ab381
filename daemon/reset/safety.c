/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rules no policy can override. A reset under a live driver pulls the device
 * out from under it (DMA into freed memory, a wedged driver); a "reset" of a
 * bridge as an endpoint would reset everything below it; and a virtual
 * function has no power management or bus of its own: SR-IOV 1.1 §2.2.2
 * gives VFs FLR and nothing else.
 */
#include "attempt.h"

int safety_check_target(const struct pci_dev_info *info, struct why *why)
{
	char sbdf[PCIRST_SBDF_STRLEN];

	pcirst_sbdf_format(&info->sbdf, sbdf);
	if (info->driver_kind == PCI_DRIVER_OTHER)
		return why_err(why, -EPERM,
			       "%s is bound to driver '%s' (only unbound functions and functions "
			       "bound to pciback, pci-stub or vfio-pci are reset)",
			       sbdf, info->driver);
	if (info->is_bridge)
		return why_err(why, -EPERM, "%s is a bridge; bridges are not reset as endpoints",
			       sbdf);
	return 0;
}

int safety_check(const struct pci_dev_info *info, const struct reset_method_spec *method,
		 struct why *why)
{
	char sbdf[PCIRST_SBDF_STRLEN];
	int r = safety_check_target(info, why);

	if (r < 0)
		return r;
	pcirst_sbdf_format(&info->sbdf, sbdf);
	if (info->is_vf && method->id != RESET_FLR)
		return why_err(why, -EPERM,
			       "%s is an SR-IOV virtual function; only FLR applies to VFs", sbdf);
	return 0;
}
