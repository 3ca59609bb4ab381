/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pci-dev.h"
#include "util.h"

/* Switches without default: -Wswitch (an error in CI) names a value added without a name. */
const char *pci_driver_kind_name(enum pci_driver_kind kind)
{
	switch (kind) {
	case PCI_DRIVER_NONE:
		return "none";
	case PCI_DRIVER_PCIBACK:
		return "pciback";
	case PCI_DRIVER_PCI_STUB:
		return "pci-stub";
	case PCI_DRIVER_VFIO:
		return "vfio-pci";
	case PCI_DRIVER_OTHER:
		return "other";
	}
	return "invalid";
}

enum pci_driver_kind pci_driver_kind_from_name(const char *name)
{
	if (!name || !name[0])
		return PCI_DRIVER_NONE;
	/* xen-pciback registers its PCI driver as "pciback". */
	if (streq(name, "pciback") || streq(name, "xen-pciback"))
		return PCI_DRIVER_PCIBACK;
	if (streq(name, "pci-stub"))
		return PCI_DRIVER_PCI_STUB;
	if (streq(name, "vfio-pci"))
		return PCI_DRIVER_VFIO;
	return PCI_DRIVER_OTHER;
}
