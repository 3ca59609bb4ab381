/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to the device model (devmodel.c: functions; devmodel-host.c: the host and the log). */
#pragma once

#include "devmodel.h"

struct simdev {
	struct devmodel *m;
	char *name;
	struct pcirst_sbdf sbdf, parent, physfn;
	struct simdev_spec spec; /* strings owned: sbdf (= name), parent, physfn */
	char driver[PCI_DRIVER_NAME_MAX];
	bool has_reset_method;
	char reset_method[128], reset_method_orig[128];
	char kernel_reset_with[128]; /* reset_method when the kernel last reset it */
	uint8_t cfg[4096], poweron[4096], wmask[4096];
	unsigned size;
	struct simdev_behaviour b;
	unsigned reset_count, kernel_reset_count;
	usec_t created, reset_at, ready_at, link_down_until;
	usec_t sbr_asserted_at, sbr_deasserted_at;
	bool in_reset, dead, removed;
	unsigned slot_interrupts;
	enum simdev_power power, suspended_as;
	bool power_stuck;
	char power_control[8]; /* "" = "on" */
};

struct devmodel_access {
	struct devmodel_write w;
	bool write;
};

struct devmodel {
	struct simdev **devs;
	unsigned n;
	bool do_flr;
	struct pci_host *host;
	struct devmodel_access *log;
	unsigned n_log, cap_log;
};

struct simdev *devmodel_find_sbdf(struct devmodel *m, const struct pcirst_sbdf *sbdf);
void devmodel_log_access(struct devmodel *m, const struct simdev *d, unsigned off, unsigned len,
			 bool write, const uint8_t *buf);
void simdev_free(struct simdev *d);
void simdev_do_reset(struct simdev *d);
void simdev_kernel_reset(struct simdev *d);
bool simdev_port(const struct simdev *d);
int simdev_cfg_read(struct simdev *d, unsigned off, uint8_t *buf, unsigned len);
/* devmodel-hw.c: SR-IOV, hotplug slots, runtime power management. */
void simdev_hw_layout(struct simdev *d);
void simdev_hw_created(struct simdev *d);
void simdev_hw_write(struct simdev *d, unsigned off, unsigned width, uint32_t val,
		     const uint8_t *before);
unsigned simdev_num_vfs(const struct simdev *d); /* VFs enabled on a PF */
bool simdev_offline(const struct simdev *d);	 /* D3cold, or a VF without VF Enable */
int simdev_power_attr_read(const struct simdev *d, const char *name, char *buf, unsigned size);
int simdev_power_attr_write(struct simdev *d, const char *name, const char *value);
int simdev_cfg_write(struct simdev *d, unsigned off, const uint8_t *buf, unsigned len);
