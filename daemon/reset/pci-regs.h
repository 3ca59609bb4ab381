/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Register offsets and bits used by the reset engine, named after the
 * specifications: PCI Local Bus 3.0 (header), PCI-to-PCI Bridge 1.2,
 * PCI Power Management 1.2, PCI Express Base 6.0 (§7.5.3 PCIe capability),
 * PCI Advanced Features ECN (AF capability).
 */
#pragma once

/* Type 0/1 common header (PCI 3.0 §6.1) */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_STATUS_IMM_READY	0x0001 /* Immediate Readiness (PCIe 6.0 §7.5.1.1.4) */
#define PCI_STATUS_CAP_LIST	0x0010
#define PCI_REVISION_ID		0x08
#define PCI_CLASS_PROG		0x09
#define PCI_CACHE_LINE_SIZE	0x0c
#define PCI_HEADER_TYPE		0x0e
#define PCI_HEADER_TYPE_MASK	0x7f
#define PCI_HEADER_TYPE_MFD	0x80
#define PCI_HEADER_TYPE_NORMAL	0
#define PCI_HEADER_TYPE_BRIDGE	1
#define PCI_BASE_ADDRESS_0	0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID	0x2e
#define PCI_ROM_ADDRESS		0x30
#define PCI_CAPABILITY_LIST	0x34
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_STD_HEADER_SIZE	0x40
#define PCI_CFG_SPACE_SIZE	0x100
#define PCI_CFG_SPACE_EXP_SIZE	0x1000

/* Type 1 (PCI-to-PCI Bridge 1.2 §3.2) */
#define PCI_PRIMARY_BUS		 0x18
#define PCI_SECONDARY_BUS	 0x19
#define PCI_SUBORDINATE_BUS	 0x1a
#define PCI_ROM_ADDRESS1	 0x38
#define PCI_BRIDGE_CONTROL	 0x3e
#define PCI_BRIDGE_CTL_BUS_RESET 0x0040 /* Secondary Bus Reset, §3.2.5.18 */

/* Capability IDs */
#define PCI_CAP_ID_PM	     0x01
#define PCI_CAP_ID_MSI	     0x05
#define PCI_CAP_ID_EXP	     0x10
#define PCI_CAP_ID_AF	     0x13
#define PCI_EXT_CAP_ID_SRIOV 0x10
#define PCI_EXT_CAP_ID_RTR   0x22 /* Readiness Time Reporting (PCIe 6.0) */

/* MSI capability (PCI 3.0 §6.8.1). */
#define PCI_MSI_FLAGS	     0x02
#define PCI_MSI_FLAGS_ENABLE 0x0001
#define PCI_MSI_FLAGS_64BIT  0x0080
#define PCI_MSI_ADDRESS_LO   0x04
#define PCI_MSI_DATA_32	     0x08
#define PCI_MSI_DATA_64	     0x0c

/* Power Management capability (PCI PM 1.2 §3.2) */
#define PCI_PM_CTRL		  4
#define PCI_PM_CTRL_STATE_MASK	  0x0003
#define PCI_PM_CTRL_NO_SOFT_RESET 0x0008

/* PCI Express capability (PCIe 6.0 §7.5.3) */
#define PCI_EXP_FLAGS		0x02
#define PCI_EXP_FLAGS_TYPE	0x00f0
#define PCI_EXP_TYPE_ROOT_PORT	0x4
#define PCI_EXP_TYPE_DOWNSTREAM 0x6
#define PCI_EXP_TYPE_PCI_BRIDGE 0x7
#define PCI_EXP_DEVCAP		0x04
#define PCI_EXP_DEVCAP_FLR	0x10000000
#define PCI_EXP_DEVCTL		0x08
#define PCI_EXP_DEVCTL_BCR_FLR	0x8000
#define PCI_EXP_DEVSTA		0x0a
#define PCI_EXP_DEVSTA_TRPND	0x0020
#define PCI_EXP_LNKCAP		0x0c
#define PCI_EXP_LNKCAP_SLS	0x0000000f
#define PCI_EXP_LNKCAP_DLLLARC	0x00100000
#define PCI_EXP_LNKCTL		0x10
#define PCI_EXP_LNKSTA		0x12
#define PCI_EXP_LNKSTA_DLLLA	0x2000
#define PCI_EXP_FLAGS_SLOT	0x0100 /* Slot Implemented */
#define PCI_EXP_SLTCAP		0x14
#define PCI_EXP_SLTCAP_ABP	0x00000001 /* Attention Button Present */
#define PCI_EXP_SLTCAP_HPC	0x00000040 /* Hot-Plug Capable */
#define PCI_EXP_SLTCTL		0x18
#define PCI_EXP_SLTCTL_PDCE	0x0008 /* Presence Detect Changed Enable */
#define PCI_EXP_SLTCTL_DLLSCE	0x1000 /* Data Link Layer State Changed Enable */
#define PCI_EXP_SLTSTA		0x1a
#define PCI_EXP_SLTSTA_PDC	0x0008 /* Presence Detect Changed (RW1C) */
#define PCI_EXP_SLTSTA_DLLSC	0x0100 /* Data Link Layer State Changed (RW1C) */
#define PCI_EXP_RTCTL		0x1c
#define PCI_EXP_RTCTL_RRSSVE	0x0010 /* RRS (formerly CRS) Software Visibility Enable */
#define PCI_EXP_RTCAP		0x1e
#define PCI_EXP_RTCAP_RRSSV	0x0001 /* RRS Software Visibility supported */
#define PCI_EXP_DEVCTL2		0x28
#define PCI_EXP_LNKCTL2		0x30
#define PCI_EXP_SLTCTL2		0x38

/* SR-IOV extended capability (SR-IOV 1.1 §3.3) */
#define PCI_SRIOV_CTRL	     0x08
#define PCI_SRIOV_CTRL_VFE   0x0001 /* VF Enable */
#define PCI_SRIOV_CTRL_MSE   0x0008 /* VF Memory Space Enable */
#define PCI_SRIOV_CTRL_ARI   0x0010 /* ARI Capable Hierarchy */
#define PCI_SRIOV_INITIAL_VF 0x0c
#define PCI_SRIOV_TOTAL_VF   0x0e
#define PCI_SRIOV_NUM_VF     0x10
#define PCI_SRIOV_VF_OFFSET  0x14
#define PCI_SRIOV_VF_STRIDE  0x16
#define PCI_SRIOV_VF_DID     0x1a
#define PCI_SRIOV_SYS_PGSIZE 0x20
#define PCI_SRIOV_BAR	     0x24 /* six VF BARs */

/* Advanced Features capability (PCI AF ECN) */
#define PCI_AF_LENGTH	 2
#define PCI_AF_CAP	 3
#define PCI_AF_CAP_TP	 0x01
#define PCI_AF_CAP_FLR	 0x02
#define PCI_AF_CTRL	 4
#define PCI_AF_CTRL_FLR	 0x01
#define PCI_AF_STATUS	 5
#define PCI_AF_STATUS_TP 0x01

/*
 * Readiness Time Reporting extended capability (PCIe 6.0, Extended Capability
 * ID 0022h): register 1 holds Reset Time (bits 11:0), DL_Up Time (23:12) and
 * Valid (31); register 2 FLR Time (11:0) and D3Hot to D0 Time (23:12). Each
 * time is Value (bits 8:0) x 32^Scale (bits 11:9) ns; Scale 6 and 7 are
 * reserved.
 */
#define PCI_RTR_1	4
#define PCI_RTR_2	8
#define PCI_RTR_1_VALID 0x80000000
