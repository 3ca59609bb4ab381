/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What identifies a PCI function and who holds it: the vocabulary the engine
 * reads from sysfs and the policy matches rules against.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <pcirst/sbdf.h>

enum pci_driver_kind {
	PCI_DRIVER_NONE,
	PCI_DRIVER_PCIBACK,
	PCI_DRIVER_PCI_STUB,
	PCI_DRIVER_VFIO,
	PCI_DRIVER_OTHER,
};

const char *pci_driver_kind_name(enum pci_driver_kind kind);
/* Classifies a driver name as sysfs shows it ("pciback", "pci-stub", "vfio-pci", "" for none). */
enum pci_driver_kind pci_driver_kind_from_name(const char *name);

#define PCI_DRIVER_NAME_MAX 64

struct pci_dev_info {
	struct pcirst_sbdf sbdf;
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_device;
	uint32_t class_code; /* 24 bits: base class, sub class, prog-if */
	uint8_t revision;
	uint8_t header_type; /* without the multi-function bit */
	bool multifunction;
	bool is_bridge; /* header type 1 */
	enum pci_driver_kind driver_kind;
	char driver[PCI_DRIVER_NAME_MAX]; /* "" when unbound */
	int iommu_group;		  /* -1 when none */
	bool has_parent;		  /* false: on a root bus */
	struct pcirst_sbdf parent;	  /* upstream bridge */
	bool is_vf;			  /* SR-IOV virtual function */
	struct pcirst_sbdf physfn;	  /* its PF when is_vf */
	bool is_pf;			  /* SR-IOV capable physical function */
	unsigned num_vfs;		  /* VFs enabled on a PF */
};
