/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to the sysfs adapter: sysfs-host.c (paths, links, attributes) and sysfs-ids.c. */
#pragma once

#include <sys/stat.h>

#include "pci-host.h"

/* A function's identity as sysfs showed it, for the device directory it was read from. */
struct sysfs_ids {
	struct pcirst_sbdf sbdf;
	dev_t dev;
	ino_t ino;
	struct timespec ctime;
	uint16_t vendor, device, subsys_vendor, subsys_device;
	uint32_t class_code;
	uint8_t revision;
};

#define SYSFS_IDS_MAX 256

struct sysfs_host {
	char *root;
	struct sysfs_ids ids[SYSFS_IDS_MAX]; /* filled in turn, the oldest replaced */
	unsigned n_ids, next_id;
};

int sysfs_dev_path(const struct sysfs_host *h, const struct pcirst_sbdf *sbdf, const char *attr,
		   char *buf, size_t size);
/* An attribute's text, trailing newlines and spaces removed; -errno. */
int sysfs_read_file(const char *path, char *buf, unsigned size);
int sysfs_cfg_open(void *ud, const struct pcirst_sbdf *sbdf, bool writable, struct pci_cfg **out,
		   struct why *why);

/*
 * The identity (vendor, device, subsystem, class, revision) from sysfs's six
 * attributes, or from what they showed for the same device directory (dir:
 * its stat, NULL when unknown) the last time. Returns true when one is
 * missing (the caller takes it from config space).
 */
bool sysfs_ids_read(struct sysfs_host *h, struct pci_dev_info *info, const struct stat *dir);
/*
 * The header type, and the identity where sysfs lacks an attribute
 * (need_ids), from config space: through cfg if given, else its own, which
 * it leaves in *keep when keep is not NULL and it could open it writable.
 */
void sysfs_info_from_config(struct sysfs_host *h, struct pci_dev_info *info, bool need_ids,
			    struct pci_cfg *cfg, struct pci_cfg **keep);
/* A VF's Vendor and Device ID from its PF's config space (SR-IOV 1.1 §3.3.11). */
void sysfs_vf_ids_from_pf(struct sysfs_host *h, struct pci_dev_info *info);
