/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers for engine tests: fast timings and running one reset on the device model. */
#pragma once

#include "devmodel.h"
#include "engine.h"
#include "testlib.h"

/* The specification's timings shrunk ~20x (SBR hold kept >= 1 ms) so tests run fast. */
void test_timing(struct reset_timing *t);

/*
 * Resets the comma-separated addresses with the comma-separated methods
 * ("" = default order) and timing t (NULL = test_timing). Fails the test if
 * the engine cannot run; returns the trail (free with reset_trail_free).
 */
struct reset_trail *test_reset(struct devmodel *m, const char *targets, const char *methods,
			       const struct reset_timing *t);

/* The duration of the named step in attempt a, or UINT64_MAX when absent. */
uint64_t trail_step_usec(const struct trail_attempt *a, const char *name);

/* Common devices: a PCIe endpoint with FLR and PM behind its own root port. */
struct simdev *add_root_port(struct devmodel *m, const char *sbdf, uint8_t secondary,
			     uint8_t link_speed);
struct simdev *add_endpoint(struct devmodel *m, const char *sbdf, const char *parent,
			    const char *driver, bool flr, bool pm);

/*
 * QEMU's NVMe controller (1b36:0010, class 010802) at sbdf, bound to driver:
 * PCIe with FLR and a 16 KiB BAR 0. Callers set what else their function has
 * (PM, the kernel's reset, SR-IOV) before devmodel_add().
 */
struct simdev_spec nvme_spec(const char *sbdf, const char *driver);
