/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An in-memory PCI topology whose functions behave like hardware: config
 * space with read-only and writable bits and sized BARs, capabilities laid
 * out as a device would, and resets that really return registers to their
 * power-on values — FLR, AF-FLR, D3hot->D0, secondary bus reset, the
 * kernel's "reset" attribute and pciback's do_flr — with Configuration
 * Request Retry, pending transactions, dead links and surprise removal on
 * demand. It implements struct pci_host, so the engine runs on it unchanged.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "pci-host.h"

/* Fixed capability offsets of simulated functions. */
#define SIM_PM_CAP     0x40
#define SIM_MSI_CAP    0x50 /* 14 bytes at most: fits before the PCIe capability */
#define SIM_PCIE_CAP   0x60
#define SIM_AF_CAP     0xa0
#define SIM_SRIOV_CAP  0x100
#define SIM_RTR_CAP_PF 0x180

struct simdev_spec {
	const char *sbdf;
	const char *parent; /* upstream bridge, NULL on a root bus */
	uint16_t vendor, device, subsys_vendor, subsys_device;
	uint32_t class_code;
	uint8_t revision;
	bool bridge;
	uint8_t secondary_bus, subordinate_bus;
	bool multifunction;
	const char *driver; /* NULL or "" unbound */
	bool has_iommu_group;
	int iommu_group;
	unsigned cfg_size; /* 0: 4096 with PCIe, else 256 */
	bool pcie;
	uint8_t pcie_type; /* PCI_EXP_TYPE_*; 0 endpoint */
	bool flr;
	uint8_t link_speed; /* ports: LnkCap Supported Link Speeds, 1 = 2.5 GT/s .. 4 = 16 GT/s */
	bool dlllarc;	    /* ports: Data Link Layer Link Active reporting */
	bool pm;
	bool no_soft_reset;
	bool af;     /* AF capability with TP and FLR */
	bool msi;    /* MSI capability (PCI 3.0 §6.8.1), one vector, MSI disabled */
	bool msi_64; /* with 64-bit Message Address (Data moves to cap + 0x0c) */
	bool vf;     /* Vendor/Device read 0xffff; present while the PF's VF Enable is set */
	const char *physfn;
	bool pf;	    /* SR-IOV capability at SIM_SRIOV_CAP */
	uint16_t total_vfs; /* PF: TotalVFs (0: 7) */
	uint16_t vf_device; /* PF: VF Device ID */
	bool hpc;	/* ports: a slot with a hot-plug controller (pciehp enables its events) */
	bool imm_ready; /* Status bit 0, Immediate Readiness (PCIe 6.0 §7.5.1.1.4) */
	/*
	 * A Readiness Time Reporting capability (PCIe 6.0, ID 0022h; at 0x100, or
	 * after a PF's SR-IOV capability at SIM_RTR_CAP_PF) reporting these times
	 * (µs, encoded rounded up), its Valid bit set when rtr_valid.
	 */
	bool rtr, rtr_valid;
	usec_t rtr_reset, rtr_dl_up, rtr_flr, rtr_d3hot_d0;
	uint32_t bar_size[6]; /* BAR sizes, powers of two >= 16; 0 unimplemented */
	/*
	 * The BARs' read-only low bits (PCI 3.0 §6.2.5.1): 0x1 I/O, 0x4 64-bit
	 * memory (the next BAR is its upper half; give it no size), 0x8
	 * prefetchable. 0: a 32-bit memory BAR.
	 */
	uint8_t bar_flags[6];
	uint32_t rom_size;	  /* Expansion ROM BAR size (>= 2048), 0 none */
	bool kernel_reset;	  /* the "reset" attribute exists */
	const char *reset_method; /* "reset_method" content; NULL: attribute absent */
};

struct simdev_behaviour {
	usec_t crs_usec; /* after a reset, answer CRS this long */
	bool crs_forever;
	bool never_ready;    /* after a reset, read all-ones forever */
	usec_t pending_usec; /* Transactions Pending set this long after creation */
	bool pending_forever;
	/* How the function reacts to each reset kind: by default it really resets. */
	bool flr_no_effect;	/* FLR and AF-FLR accepted, nothing resets */
	bool pm_no_effect;	/* D3hot->D0 resets nothing (QEMU 7.2) */
	bool bus_no_effect;	/* drops off the bus during SBR, comes back with its state kept */
	bool kernel_no_effect;	/* the kernel's reset and do_flr succeed and reset nothing */
	bool gone;		/* surprise removal: all reads all-ones */
	int write_fail_errno;	/* config writes fail with this errno */
	int kernel_reset_errno; /* the "reset" attribute fails with this errno */
	usec_t link_up_usec;	/* ports: Link Active returns this long after SBR */
	bool link_never_active;
	bool reset_keeps_vf_enable; /* PFs: a reset keeps VF Enable, clears NumVFs (QEMU 7.2) */
};

struct devmodel;
struct simdev;

struct devmodel *devmodel_new(void);
void devmodel_free(struct devmodel *m);
DEFINE_FREEP(struct devmodel, devmodel_free)

/* The host view; owned by the model (valid until devmodel_free). */
struct pci_host *devmodel_host(struct devmodel *m);

/* Adds a function; aborts the test program on a bad spec. */
struct simdev *devmodel_add(struct devmodel *m, const struct simdev_spec *spec);
struct simdev *devmodel_find(struct devmodel *m, const char *sbdf);
/* The function vanishes: info/cfg_open give -ENODEV, open handles fail with -ENODEV. */
void devmodel_remove(struct simdev *d);
/* xen-pciback's do_flr driver attribute exists. */
void devmodel_set_do_flr(struct devmodel *m, bool exists);

struct simdev_behaviour *simdev_behaviour(struct simdev *d);
/*
 * Programs the function like a driver: Command 0x0006, distinct BAR addresses
 * (64-bit BARs above 4 GiB, I/O BARs at 0xc000), the ROM BAR assigned but
 * disabled, IRQ line 11.
 */
void simdev_program(struct simdev *d);
/* Sets MSI Enable and the message (Address low, Data) like a driver; needs spec.msi. */
void simdev_program_msi(struct simdev *d, bool enable, uint32_t addr, uint16_t data);
/* The MSI Message Data register's offset (after a 32- or 64-bit address). */
unsigned simdev_msi_data_off(const struct simdev *d);
uint8_t *simdev_cfg(struct simdev *d); /* raw config bytes, to poke hostile content */
void simdev_set_cfg_size(struct simdev *d, unsigned size);
void simdev_set_driver(struct simdev *d, const char *driver);
unsigned simdev_reset_count(const struct simdev *d);
unsigned simdev_kernel_reset_count(const struct simdev *d);
unsigned simdev_power_state(const struct simdev *d);
const char *simdev_reset_method(const struct simdev *d);
/* The reset_method list in force when the kernel's reset last ran. */
const char *simdev_kernel_reset_with(const struct simdev *d);
/* When SBR was last asserted and deasserted on this bridge (0: never). */
usec_t simdev_sbr_asserted_at(const struct simdev *d);
usec_t simdev_sbr_deasserted_at(const struct simdev *d);
/* The last reset's time (0: never). */
usec_t simdev_reset_at(const struct simdev *d);
/* Reads a register directly, bypassing CRS and removal (for assertions). */
uint32_t simdev_peek32(const struct simdev *d, unsigned off);
uint16_t simdev_peek16(const struct simdev *d, unsigned off);

/* SR-IOV: sets NumVFs and VF Enable (0: clears it) as the PF's driver would. */
void simdev_sriov_enable(struct simdev *pf, uint16_t num_vfs);
/* Hotplug slots: the slot event interrupts pciehp would have taken (surprise removals). */
unsigned simdev_slot_interrupts(const struct simdev *d);

/* Runtime power management: power_state, power/runtime_status, power/control. */
enum simdev_power {
	SIM_POWER_ACTIVE,
	SIM_POWER_D3HOT,
	SIM_POWER_D3COLD, /* config space reads all-ones */
};
/* Runtime-suspends the function (power/control "auto"); stuck: "on" does not wake it. */
void simdev_runtime_suspend(struct simdev *d, enum simdev_power state, bool stuck);
enum simdev_power simdev_power(const struct simdev *d);
const char *simdev_power_control(const struct simdev *d);

/*
 * Writes the model as a sysfs tree under root (root/sys/bus/pci/devices/...),
 * for the real binaries' --sysfs-root. Returns 0 or -errno.
 */
int devmodel_export(struct devmodel *m, const char *root);

/* Every config write through the host, in order. */
struct devmodel_write {
	struct pcirst_sbdf sbdf;
	unsigned off, width;
	uint32_t value;
	usec_t at;
};

unsigned devmodel_log_count(const struct devmodel *m);
/* Config reads of sbdf through the host (each one system call on a sysfs tree), whatever their
 * width. */
unsigned devmodel_read_count(const struct devmodel *m, const char *sbdf);
const struct devmodel_write *devmodel_log_get(const struct devmodel *m, unsigned i);
/* The index of the last write to sbdf that covers off, or -1. */
int devmodel_log_find(const struct devmodel *m, const char *sbdf, unsigned off);
/* The time of the first config access (read or write) to sbdf after 'after' (0: none). */
usec_t devmodel_first_access_after(const struct devmodel *m, const char *sbdf, usec_t after);
void devmodel_log_clear(struct devmodel *m);
