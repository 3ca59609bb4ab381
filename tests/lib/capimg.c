/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Config-space images for the engine's config-space tests (capimg.h). */
#include <string.h>

#include "capimg.h"

void img_put16(uint8_t *img, unsigned off, uint16_t v)
{
	img[off] = (uint8_t)v;
	img[off + 1] = (uint8_t)(v >> 8);
}

void img_put32(uint8_t *img, unsigned off, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		img[off + i] = (uint8_t)(v >> (8 * i));
}

uint32_t img_get32(const uint8_t *img, unsigned off)
{
	return (uint32_t)img[off] | (uint32_t)img[off + 1] << 8 | (uint32_t)img[off + 2] << 16 |
	       (uint32_t)img[off + 3] << 24;
}

void img_pattern(uint8_t *img, size_t len)
{
	for (size_t i = 0; i < len; i++)
		img[i] = (uint8_t)(i * 7 + 1);
}

void img_blank(uint8_t *img)
{
	memset(img, 0, IMG_SIZE);
	img_put16(img, PCI_VENDOR_ID, 0x8086);
	img_put16(img, PCI_DEVICE_ID, 0x10d3);
	img_put16(img, PCI_STATUS, PCI_STATUS_CAP_LIST);
	img[PCI_CAPABILITY_LIST] = 0;
}

void set_cap(uint8_t *img, unsigned off, uint8_t id, uint8_t next)
{
	img[off] = id;
	img[off + 1] = next;
}

void set_ecap(uint8_t *img, unsigned off, uint16_t id, uint8_t ver, unsigned next)
{
	img_put32(img, off, (uint32_t)next << 20 | (uint32_t)(ver & 0xf) << 16 | id);
}

void img_normal(uint8_t *img)
{
	img_blank(img);
	img[PCI_CAPABILITY_LIST] = 0x40;
	set_cap(img, 0x40, PCI_CAP_ID_PM, 0x50);
	set_cap(img, 0x50, CAP_ID_MSI, 0x60);
	set_cap(img, 0x60, PCI_CAP_ID_EXP, 0x00);
	set_ecap(img, 0x100, EXT_CAP_ID_AER, 1, 0x140);
	set_ecap(img, 0x140, PCI_EXT_CAP_ID_SRIOV, 2, 0x000);
}

struct pci_cfg *mem_cfg(uint8_t *img, unsigned size)
{
	struct pci_cfg *cfg = NULL;

	assert_int_equal(pci_cfg_new_mem(img, size, &cfg), 0);
	assert_non_null(cfg);
	return cfg;
}

const struct why why_sentinel = {"untouched"};
