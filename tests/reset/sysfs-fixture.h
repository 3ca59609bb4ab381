/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The real sysfs adapter on a tree written by devmodel_export(), for
 * tests/reset/test-sysfs-*.c: root ports 0000:00:01.0 (above the endpoint
 * 0000:01:00.0, bound to pciback, and 0000:01:00.1, to vfio-pci) and
 * 0000:00:02.0 (a bridge 0000:02:00.0 below it, a conventional device
 * 0000:03:01.0 below that), 0000:00:03.0 bound to e1000e, and an SR-IOV PF
 * 0000:04:00.0 (igb) with its VF 0000:04:00.2 bound to xen-pciback.
 */
#pragma once

#include "devmodel.h"
#include "enginetest.h"

struct fixture {
	char root[64]; /* the tree, a fresh directory under /tmp */
	struct pci_host *host;
};

/* The address s, parsed (a test failure if it does not parse). */
struct pcirst_sbdf S(const char *s);
/* cmocka setup and teardown: *state is the struct fixture. */
int sysfs_tree_setup(void **state);
int sysfs_tree_teardown(void **state);
