/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reset engine's view of the machine: which PCI functions exist, how they
 * hang together, which driver holds them, their config space and their sysfs
 * attributes. Two implementations: the sysfs adapter (sysfs-host.c, under a
 * configurable root so tests run on a fake tree) and the in-memory device
 * model of the unit tests (tests/lib/devmodel.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <pcirst/sbdf.h>

#include "pci-cfg.h"
#include "pci-dev.h"
#include "util.h"

struct pci_host_ops {
	/* All functions, sorted by address; *out is malloc'ed. */
	int (*list)(void *ud, struct pcirst_sbdf **out, unsigned *n);
	/* -ENODEV when the function does not exist. */
	int (*info)(void *ud, const struct pcirst_sbdf *sbdf, struct pci_dev_info *out,
		    struct why *why);
	/*
	 * Optional: info() without the identity (vendor, device, subsystem,
	 * class, revision: left 0), which the engine does not use; six sysfs
	 * reads fewer per call. NULL: info() is used.
	 */
	int (*info_brief)(void *ud, const struct pcirst_sbdf *sbdf, struct pci_dev_info *out,
			  struct why *why);
	/*
	 * Optional: info_brief() that reads what it needs of config space (the
	 * header type) through cfg, the caller's open config space of the same
	 * function, instead of opening its own: the engine opens each function's
	 * config space once per attempt. NULL: info_brief() is used.
	 */
	int (*info_brief_cfg)(void *ud, const struct pcirst_sbdf *sbdf, struct pci_cfg *cfg,
			      struct pci_dev_info *out, struct why *why);
	/*
	 * Optional: info() that opens the function's config space writable for
	 * the header type and leaves it in *cfg instead of closing it, for a
	 * reset job that starts at once (reset_options.cfgs). *cfg NULL when
	 * it could not be opened writable. NULL: info(), *cfg NULL.
	 */
	int (*info_keep_cfg)(void *ud, const struct pcirst_sbdf *sbdf, struct pci_dev_info *out,
			     struct pci_cfg **cfg, struct why *why);
	int (*cfg_open)(void *ud, const struct pcirst_sbdf *sbdf, bool writable,
			struct pci_cfg **out, struct why *why);
	/*
	 * A device attribute ("reset", "reset_method", ...): reads it with the
	 * trailing newline removed; -ENOENT when the attribute does not exist.
	 */
	int (*attr_read)(void *ud, const struct pcirst_sbdf *sbdf, const char *name, char *buf,
			 unsigned size);
	/* May block for as long as the kernel takes (the "reset" attribute does). */
	int (*attr_write)(void *ud, const struct pcirst_sbdf *sbdf, const char *name,
			  const char *value);
	/* A driver attribute (/sys/bus/pci/drivers/<driver>/<name>): does it exist, write it. */
	bool (*driver_attr_exists)(void *ud, const char *driver, const char *name);
	int (*driver_attr_write)(void *ud, const char *driver, const char *name, const char *value);
	/*
	 * Optional: the bridges above a function, nearest first, as far as they
	 * are PCI functions (at most max), from one look at the topology; -errno
	 * when it cannot tell, and the caller asks info() level by level.
	 */
	int (*ancestors)(void *ud, const struct pcirst_sbdf *sbdf, struct pcirst_sbdf *out,
			 unsigned max, unsigned *n);
	void (*free)(void *ud);
};

struct pci_host {
	const struct pci_host_ops *ops;
	void *ud;
};

/* Takes ownership of ud. */
int pci_host_new(const struct pci_host_ops *ops, void *ud, struct pci_host **out);
void pci_host_free(struct pci_host *host);
DEFINE_FREEP(struct pci_host, pci_host_free)

/* The sysfs adapter: devices under <root>/sys/bus/pci/devices. root "/" is the real machine. */
int sysfs_host_new(const char *root, struct pci_host **out);

/* Convenience wrappers around the ops. */
int pci_host_list(struct pci_host *host, struct pcirst_sbdf **out, unsigned *n);
int pci_host_info(struct pci_host *host, const struct pcirst_sbdf *sbdf, struct pci_dev_info *out,
		  struct why *why);
/*
 * pci_host_info() that leaves the config space it opened (writable) in *cfg
 * for the caller to hand to a reset job, or sets *cfg NULL (see
 * info_keep_cfg). The caller frees *cfg.
 */
int pci_host_info_keep_cfg(struct pci_host *host, const struct pcirst_sbdf *sbdf,
			   struct pci_dev_info *out, struct pci_cfg **cfg, struct why *why);
/* What the engine needs of a function: info() but the identity (see info_brief). */
int pci_host_info_brief(struct pci_host *host, const struct pcirst_sbdf *sbdf,
			struct pci_dev_info *out, struct why *why);
/* The same, reading config space through cfg (opened by pci_host_cfg_open() for sbdf). */
int pci_host_info_brief_cfg(struct pci_host *host, const struct pcirst_sbdf *sbdf,
			    struct pci_cfg *cfg, struct pci_dev_info *out, struct why *why);
int pci_host_cfg_open(struct pci_host *host, const struct pcirst_sbdf *sbdf, bool writable,
		      struct pci_cfg **out, struct why *why);
int pci_host_attr_read(struct pci_host *host, const struct pcirst_sbdf *sbdf, const char *name,
		       char *buf, unsigned size);
int pci_host_attr_write(struct pci_host *host, const struct pcirst_sbdf *sbdf, const char *name,
			const char *value);

/*
 * Every function below a bridge (its whole subtree, not the bridge itself),
 * sorted; *out is malloc'ed. These are the functions a secondary bus reset on
 * that bridge resets.
 */
int pci_host_subtree(struct pci_host *host, const struct pcirst_sbdf *bridge,
		     struct pcirst_sbdf **out, unsigned *n);
