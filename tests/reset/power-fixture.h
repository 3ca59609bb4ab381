/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runtime PM around a hung kernel write, for tests/reset/test-power-*.c:
 * the real sysfs adapter on an exported tree (a root port and 0000:01:00.0,
 * QEMU's NVMe with the kernel's reset, bound to pciback) whose power/control
 * or reset may be a FIFO nobody reads, so a write to it blocks in open(2)
 * as a kernel write holding the device lock would. A thin host in front of
 * the adapter answers the runtime PM reads as Linux does: power/control as
 * last written, from the moment the write starts ("auto" at first),
 * power_state D3cold and runtime_status suspended until "on" has landed;
 * and records every power/control write that landed, in order.
 */
#pragma once

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>

#include "enginetest.h"
#include "power-late.h"

#define PFX_EP "0000:01:00.0"

struct pfx {
	struct devmodel *model;
	char root[32], control[PATH_MAX], reset[PATH_MAX];
	struct pci_host *real, *host;
	struct pci_host_ops ops;
	sd_event *event;
	struct power_late *pl;
	struct power_late_report reports[4];
	unsigned n_reports;
	struct reset_job *job;
	bool done;
	usec_t done_at;
	/* Frees a FIFO left blocked after 5 s, so an engine that blocks on it fails, not hangs. */
	const char *fifo;
	pthread_t watchdog;
	atomic_bool stop;
};

/*
 * fifo: "power/control" or "reset" becomes a FIFO nobody reads (NULL: none);
 * after 5 s a watchdog reads it, so an engine that blocks on it fails the
 * test instead of hanging it. with_late: f->pl records its reports.
 */
void pfx_setup(struct pfx *f, const char *fifo, bool with_late);
void pfx_teardown(struct pfx *f);
/* The power/control writes that landed, "on,auto"; returns how many. */
unsigned pfx_landed(char *out, size_t size);
/* From now on a power/control write of value fails with -err. */
void pfx_fail_writes_of(const char *value, int err);
/* A reader for the FIFO at path: the writes blocked on it return, later ones do not block. */
int pfx_release(const char *path);
/* Waits for every abandoned thread to return, then takes (and closes) what fd received. */
void pfx_drain(struct pfx *f, int fd, char *got, size_t size);
void pfx_run_for(struct pfx *f, usec_t usec);
/* Runs the loop until f->pl has reported n times (at most 2 s). */
void pfx_run_until_reports(struct pfx *f, unsigned n);
