/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Config-space images for the engine's config-space tests (tests/reset/test-capwalk*.c,
 * test-cfg*.c): little-endian stores, a byte pattern, capability headers, a
 * well-formed function, and a memory-backed pci_cfg over an image.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "capwalk.h"
#include "pci-regs.h"
#include "testlib.h"

#define IMG_SIZE 4096

#define CAP_ID_MSI     0x05
#define EXT_CAP_ID_AER 0x0001
#define EXT_CAP_ID_ACS 0x000d
#define ABSENT_CAP_ID  0xee
#define ABSENT_ECAP_ID 0x0eee

void img_put16(uint8_t *img, unsigned off, uint16_t v);
void img_put32(uint8_t *img, unsigned off, uint32_t v);
uint32_t img_get32(const uint8_t *img, unsigned off);

/* Byte i is i * 7 + 1: neighbours differ, so byte order and offsets show. */
void img_pattern(uint8_t *img, size_t len);

/* A live function with an (empty) capability list, IMG_SIZE bytes. */
void img_blank(uint8_t *img);

/* A standard capability header at off: id and next pointer. */
void set_cap(uint8_t *img, unsigned off, uint8_t id, uint8_t next);
/* An extended capability header at off: id, version and next offset. */
void set_ecap(uint8_t *img, unsigned off, uint16_t id, uint8_t ver, unsigned next);

/* PM@0x40 -> MSI@0x50 -> PCIe@0x60; AER@0x100 (v1) -> SR-IOV@0x140 (v2). */
void img_normal(uint8_t *img);

/* The first size bytes of img as config space (fails the test if it cannot). */
struct pci_cfg *mem_cfg(uint8_t *img, unsigned size);

/* What a why holds before a call: a call that must not explain leaves it so. */
extern const struct why why_sentinel;
