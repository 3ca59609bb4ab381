/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which PCI functions are assigned to domains, as the toolstack records
 * them: libxl writes each passed-through function of domain D as
 * /local/domain/0/backend/pci/D/0/dev-N = "dddd:bb:dd.f" (the xen-pciback
 * backend's nodes) from attach until the device is removed again. The
 * engine asks for the list only to judge an SR-IOV PF with VFs, and refuses
 * its reset while a domain holds one of them (daemon/reset/sriov.h).
 */
#pragma once

#include <pcirst/sbdf.h>

#include "xs-batch.h"

#define XS_PCI_BACKEND "/local/domain/0/backend/pci"

/*
 * Reads every dev-N under XS_PCI_BACKEND; *out is malloc'ed, sorted not.
 * Values that are not an address are skipped. Each level of the tree is
 * one round trip on b (xs-batch.h), however many domains and devices: four
 * with anything assigned, one without. Returns 0 (also when there is no
 * backend directory: nothing assigned) or -errno (-ENOTCONN: no connection).
 */
int xs_assigned_pci(struct xsb *b, struct pcirst_sbdf **out, unsigned *n);
