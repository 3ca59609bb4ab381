/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The capability walker on well-formed lists, on a table of hostile config
 * spaces (exact error and message for each), and on random images.
 */
#include <signal.h>
#include <stdio.h>

#include "capwalk.h"
#include "pci-regs.h"
#include "testlib.h"

#define IMG_SIZE 4096

#define CAP_ID_MSI     0x05
#define EXT_CAP_ID_AER 0x0001
#define EXT_CAP_ID_ACS 0x000d
#define ABSENT_CAP_ID  0xee
#define ABSENT_ECAP_ID 0x0eee

static void put16(uint8_t *img, unsigned off, uint16_t v)
{
	img[off] = (uint8_t)v;
	img[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *img, unsigned off, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		img[off + i] = (uint8_t)(v >> (8 * i));
}

/* A live function with an (empty) capability list. */
static void img_blank(uint8_t *img)
{
	memset(img, 0, IMG_SIZE);
	put16(img, PCI_VENDOR_ID, 0x8086);
	put16(img, PCI_DEVICE_ID, 0x10d3);
	put16(img, PCI_STATUS, PCI_STATUS_CAP_LIST);
	img[PCI_CAPABILITY_LIST] = 0;
}

static void set_cap(uint8_t *img, unsigned off, uint8_t id, uint8_t next)
{
	img[off] = id;
	img[off + 1] = next;
}

static void set_ecap(uint8_t *img, unsigned off, uint16_t id, uint8_t ver, unsigned next)
{
	put32(img, off, (uint32_t)next << 20 | (uint32_t)(ver & 0xf) << 16 | id);
}

/* PM@0x40 -> MSI@0x50 -> PCIe@0x60; AER@0x100 (v1) -> SR-IOV@0x140 (v2). */
static void img_normal(uint8_t *img)
{
	img_blank(img);
	img[PCI_CAPABILITY_LIST] = 0x40;
	set_cap(img, 0x40, PCI_CAP_ID_PM, 0x50);
	set_cap(img, 0x50, CAP_ID_MSI, 0x60);
	set_cap(img, 0x60, PCI_CAP_ID_EXP, 0x00);
	set_ecap(img, 0x100, EXT_CAP_ID_AER, 1, 0x140);
	set_ecap(img, 0x140, PCI_EXT_CAP_ID_SRIOV, 2, 0x000);
}

static struct pci_cfg *mem_cfg(uint8_t *img, unsigned size)
{
	struct pci_cfg *cfg = NULL;

	assert_int_equal(pci_cfg_new_mem(img, size, &cfg), 0);
	assert_non_null(cfg);
	return cfg;
}

static const struct why why_sentinel = {"untouched"};

/* ---- well-formed lists ---- */

static void find_standard(void **state)
{
	static uint8_t img[IMG_SIZE];
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	struct why why = why_sentinel;
	uint16_t off;

	img_normal(img);
	cfg = mem_cfg(img, IMG_SIZE);
	off = 0;
	assert_int_equal(pci_cap_find(cfg, PCI_CAP_ID_PM, &off, &why), 0);
	assert_int_equal(off, 0x40);
	assert_int_equal(pci_cap_find(cfg, CAP_ID_MSI, &off, &why), 0);
	assert_int_equal(off, 0x50);
	assert_int_equal(pci_cap_find(cfg, PCI_CAP_ID_EXP, &off, &why), 0);
	assert_int_equal(off, 0x60);
	off = 0x1234;
	assert_int_equal(pci_cap_find(cfg, ABSENT_CAP_ID, &off, &why), -ENOENT);
	assert_int_equal(pci_cap_find(cfg, 0x00, &off, &why), -ENOENT);
	assert_int_equal(pci_cap_find(cfg, PCI_CAP_ID_AF, &off, &why), -ENOENT);
	assert_int_equal(off, 0x1234);
	/* Success and -ENOENT leave the explanation alone. */
	assert_string_equal(why.msg, why_sentinel.msg);
	/* why is optional. */
	assert_int_equal(pci_cap_find(cfg, CAP_ID_MSI, &off, NULL), 0);
	assert_int_equal(off, 0x50);
	assert_int_equal(pci_cap_find(cfg, ABSENT_CAP_ID, &off, NULL), -ENOENT);
}

static void find_first_of_duplicates(void **state)
{
	static uint8_t img[IMG_SIZE];
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	uint16_t off;

	img_normal(img);
	set_cap(img, 0x60, PCI_CAP_ID_EXP, 0xfc);
	set_cap(img, 0xfc, CAP_ID_MSI, 0x00);
	set_ecap(img, 0x140, PCI_EXT_CAP_ID_SRIOV, 2, 0xffc);
	set_ecap(img, 0xffc, EXT_CAP_ID_AER, 1, 0);
	cfg = mem_cfg(img, IMG_SIZE);
	assert_int_equal(pci_cap_find(cfg, CAP_ID_MSI, &off, NULL), 0);
	assert_int_equal(off, 0x50);
	assert_int_equal(pci_ecap_find(cfg, EXT_CAP_ID_AER, &off, NULL), 0);
	assert_int_equal(off, 0x100);
}

static void find_extended(void **state)
{
	static uint8_t img[IMG_SIZE];
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	struct why why = why_sentinel;
	uint16_t off = 0;

	img_normal(img);
	cfg = mem_cfg(img, IMG_SIZE);
	assert_int_equal(pci_ecap_find(cfg, EXT_CAP_ID_AER, &off, &why), 0);
	assert_int_equal(off, 0x100);
	assert_int_equal(pci_ecap_find(cfg, PCI_EXT_CAP_ID_SRIOV, &off, &why), 0);
	assert_int_equal(off, 0x140);
	off = 0x1234;
	assert_int_equal(pci_ecap_find(cfg, ABSENT_ECAP_ID, &off, &why), -ENOENT);
	assert_int_equal(pci_ecap_find(cfg, EXT_CAP_ID_ACS, &off, &why), -ENOENT);
	assert_int_equal(pci_ecap_find(cfg, 0x0000, &off, &why), -ENOENT);
	/* Id is the whole 16 bits: 0x10 is SR-IOV, 0x110 is not. */
	assert_int_equal(pci_ecap_find(cfg, 0x0110, &off, &why), -ENOENT);
	/* The extended walk never looks at the standard ids (PCIe is 0x10 there too). */
	set_ecap(img, 0x140, 0x0002, 1, 0);
	assert_int_equal(pci_ecap_find(cfg, PCI_CAP_ID_EXP, &off, &why), -ENOENT);
	assert_int_equal(off, 0x1234);
	assert_string_equal(why.msg, why_sentinel.msg);
}

static void list_all_in_order(void **state)
{
	static uint8_t img[IMG_SIZE];
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	struct pci_cap caps[16];
	struct why why = why_sentinel;
	unsigned n = 99;
	static const struct pci_cap want[] = {
	    {.id = PCI_CAP_ID_PM, .off = 0x40},
	    {.id = CAP_ID_MSI, .off = 0x50},
	    {.id = PCI_CAP_ID_EXP, .off = 0x60},
	    {.id = EXT_CAP_ID_AER, .off = 0x100, .version = 1, .extended = true},
	    {.id = PCI_EXT_CAP_ID_SRIOV, .off = 0x140, .version = 2, .extended = true},
	};

	img_normal(img);
	cfg = mem_cfg(img, IMG_SIZE);
	memset(caps, 0xa5, sizeof(caps));
	assert_int_equal(pci_cap_list(cfg, caps, ELEMENTSOF(caps), &n, &why), 0);
	assert_int_equal(n, ELEMENTSOF(want));
	for (unsigned i = 0; i < n; i++) {
		print_message("cap %u\n", i);
		assert_int_equal(caps[i].id, want[i].id);
		assert_int_equal(caps[i].off, want[i].off);
		assert_int_equal(caps[i].extended, want[i].extended);
		if (want[i].extended)
			assert_int_equal(caps[i].version, want[i].version);
	}
	assert_string_equal(why.msg, why_sentinel.msg);
}

static void list_respects_max(void **state)
{
	static uint8_t img[IMG_SIZE];
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	struct pci_cap caps[4];
	unsigned n = 99;

	img_normal(img);
	cfg = mem_cfg(img, IMG_SIZE);
	memset(caps, 0xa5, sizeof(caps));
	assert_int_equal(pci_cap_list(cfg, caps, 2, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_int_equal(caps[0].off, 0x40);
	assert_int_equal(caps[1].off, 0x50);
	assert_int_equal(caps[2].off, 0xa5a5);
	assert_int_equal(caps[3].off, 0xa5a5);

	n = 99;
	assert_int_equal(pci_cap_list(cfg, NULL, 0, &n, NULL), 0);
	assert_int_equal(n, 0);

	/* max 4: all three standard and the first extended one. */
	assert_int_equal(pci_cap_list(cfg, caps, 4, &n, NULL), 0);
	assert_int_equal(n, 4);
	assert_int_equal(caps[3].off, 0x100);
	assert_true(caps[3].extended);
}

/* 256 bytes of config space (conventional PCI, or an unprivileged read): no extended list. */
static void no_extended_space(void **state)
{
	static uint8_t img[IMG_SIZE];
	struct pci_cap caps[16];
	struct why why = why_sentinel;
	unsigned n;
	uint16_t off = 0x1234;
	static const unsigned sizes[] = {0x100, 0x40 + 0x40};

	img_normal(img); /* the buffer still holds an extended list past the end */
	for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
		_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = mem_cfg(img, sizes[i]);

		assert_int_equal(pci_ecap_find(cfg, EXT_CAP_ID_AER, &off, &why), -ENOENT);
		assert_int_equal(pci_ecap_find(cfg, PCI_EXT_CAP_ID_SRIOV, &off, &why), -ENOENT);
		assert_int_equal(off, 0x1234);
		assert_int_equal(pci_cap_list(cfg, caps, ELEMENTSOF(caps), &n, &why), 0);
		assert_int_equal(n, 3);
		assert_false(caps[2].extended);
		assert_string_equal(why.msg, why_sentinel.msg);
	}
}

/* Empty lists: no capabilities at all is not an error. */
static void empty_lists(void **state)
{
	static uint8_t img[IMG_SIZE];
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	struct pci_cap caps[4];
	unsigned n = 99;
	uint16_t off;

	img_blank(img);
	cfg = mem_cfg(img, IMG_SIZE);
	assert_int_equal(pci_cap_find(cfg, PCI_CAP_ID_PM, &off, NULL), -ENOENT);
	assert_int_equal(pci_ecap_find(cfg, EXT_CAP_ID_AER, &off, NULL), -ENOENT);
	assert_int_equal(pci_cap_list(cfg, caps, ELEMENTSOF(caps), &n, NULL), 0);
	assert_int_equal(n, 0);
}

/* A zero header mid-list ends the extended list, as Linux treats it. */
static void extended_zero_header_ends_list(void **state)
{
	static uint8_t img[IMG_SIZE];
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	struct pci_cap caps[8];
	unsigned n;
	uint16_t off;

	img_normal(img);
	set_ecap(img, 0x100, EXT_CAP_ID_AER, 1, 0x200);
	put32(img, 0x200, 0);
	set_ecap(img, 0x140, PCI_EXT_CAP_ID_SRIOV, 2, 0); /* unreachable now */
	cfg = mem_cfg(img, IMG_SIZE);
	assert_int_equal(pci_ecap_find(cfg, EXT_CAP_ID_AER, &off, NULL), 0);
	assert_int_equal(pci_ecap_find(cfg, PCI_EXT_CAP_ID_SRIOV, &off, NULL), -ENOENT);
	assert_int_equal(pci_cap_list(cfg, caps, ELEMENTSOF(caps), &n, NULL), 0);
	assert_int_equal(n, 4);
}

/* The longest possible lists: every dword slot used once, in both spaces. */
static void longest_lists(void **state)
{
	static uint8_t img[IMG_SIZE];
	static struct pci_cap caps[1100];
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	unsigned n;
	uint16_t off;

	img_blank(img);
	/* Standard: 0xfc -> 0xf8 -> ... -> 0x40 (backwards, to be sure order is list order). */
	img[PCI_CAPABILITY_LIST] = 0xfc;
	for (unsigned p = 0xfc; p >= 0x40; p -= 4)
		set_cap(img, p, (uint8_t)(p / 4), p == 0x40 ? 0 : (uint8_t)(p - 4));
	/* Extended: 0x100 -> 0xffc -> 0xff8 -> ... -> 0x104. */
	for (unsigned p = 0x100; p < IMG_SIZE; p += 4) {
		unsigned next = p == 0x100 ? 0xffc : p == 0x104 ? 0 : p - 4;

		set_ecap(img, p, (uint16_t)(0x100 + p / 4), 1, next);
	}
	cfg = mem_cfg(img, IMG_SIZE);
	assert_int_equal(pci_cap_list(cfg, caps, ELEMENTSOF(caps), &n, NULL), 0);
	assert_int_equal(n, 48 + 960);
	for (unsigned i = 0; i < 48; i++) {
		assert_int_equal(caps[i].off, 0xfc - 4 * i);
		assert_false(caps[i].extended);
	}
	assert_int_equal(caps[48].off, 0x100);
	for (unsigned i = 1; i < 960; i++) {
		assert_int_equal(caps[48 + i].off, 0x1000 - 4 * i);
		assert_true(caps[48 + i].extended);
	}
	assert_int_equal(pci_cap_find(cfg, 0x40 / 4, &off, NULL), 0);
	assert_int_equal(off, 0x40);
	assert_int_equal(pci_ecap_find(cfg, 0x100 + 0x104 / 4, &off, NULL), 0);
	assert_int_equal(off, 0x104);
}

/* The last dword of a 512-byte space is a valid target; the next is not. */
static void extended_pointer_at_end_of_space(void **state)
{
	static uint8_t img[IMG_SIZE];
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	uint16_t off;

	img_normal(img);
	set_ecap(img, 0x140, PCI_EXT_CAP_ID_SRIOV, 2, 0x1fc);
	set_ecap(img, 0x1fc, EXT_CAP_ID_ACS, 1, 0);
	cfg = mem_cfg(img, 0x200);
	assert_int_equal(pci_ecap_find(cfg, EXT_CAP_ID_ACS, &off, NULL), 0);
	assert_int_equal(off, 0x1fc);
}

/* find stops at its match: a malformed tail after it does not matter. */
static void find_before_malformed_tail(void **state)
{
	static uint8_t img[IMG_SIZE];
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	struct why why = why_sentinel;
	uint16_t off;

	img_normal(img);
	set_cap(img, 0x60, PCI_CAP_ID_EXP, 0x40);	      /* loops back */
	set_ecap(img, 0x140, PCI_EXT_CAP_ID_SRIOV, 2, 0x100); /* loops back */
	cfg = mem_cfg(img, IMG_SIZE);
	assert_int_equal(pci_cap_find(cfg, PCI_CAP_ID_EXP, &off, &why), 0);
	assert_int_equal(off, 0x60);
	assert_int_equal(pci_ecap_find(cfg, PCI_EXT_CAP_ID_SRIOV, &off, &why), 0);
	assert_int_equal(off, 0x140);
	assert_string_equal(why.msg, why_sentinel.msg);
	assert_int_equal(pci_cap_find(cfg, ABSENT_CAP_ID, &off, &why), -EBADMSG);
	assert_string_equal(why.msg, "capability list loops at 0x40 (from 0x61)");
	assert_int_equal(pci_ecap_find(cfg, ABSENT_ECAP_ID, &off, &why), -EBADMSG);
	assert_string_equal(why.msg, "extended capability list loops at 0x100 (from 0x140)");
}

/* The two lists are independent: a broken standard list does not hide the extended one. */
static void lists_independent(void **state)
{
	static uint8_t img[IMG_SIZE];
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	struct pci_cap caps[8];
	struct why why;
	unsigned n;
	uint16_t off;

	img_normal(img);
	img[PCI_CAPABILITY_LIST] = 0x41;
	cfg = mem_cfg(img, IMG_SIZE);
	assert_int_equal(pci_ecap_find(cfg, PCI_EXT_CAP_ID_SRIOV, &off, NULL), 0);
	assert_int_equal(off, 0x140);
	/* list stops at the first error: the extended list is never reached. */
	assert_int_equal(pci_cap_list(cfg, caps, ELEMENTSOF(caps), &n, &why), -EBADMSG);
	assert_int_equal(n, 0);
	assert_string_equal(why.msg,
			    "capability pointer at 0x34 points to 0x41, not dword aligned");

	img_normal(img);
	set_ecap(img, 0x140, PCI_EXT_CAP_ID_SRIOV, 2, 0x142);
	assert_int_equal(pci_cap_find(cfg, PCI_CAP_ID_EXP, &off, NULL), 0);
	assert_int_equal(off, 0x60);
	/* What was walked before the error is kept. */
	assert_int_equal(pci_cap_list(cfg, caps, ELEMENTSOF(caps), &n, &why), -EBADMSG);
	assert_int_equal(n, 5);
	assert_int_equal(caps[4].off, 0x140);
	assert_string_equal(why.msg,
			    "extended capability at 0x140 points to 0x142, not dword aligned");
}

/* ---- hostile config spaces ---- */

enum walk {
	STD,
	EXT
};

struct hostile {
	const char *name;
	unsigned size;
	void (*setup)(uint8_t *img);
	enum walk walk;
	int ret;
	const char *msg;   /* exact; NULL for -ENOENT */
	const char *where; /* the offending offset as the message prints it */
};

static void h_self_loop(uint8_t *img)
{
	set_cap(img, 0x40, PCI_CAP_ID_PM, 0x40);
}

static void h_two_cycle(uint8_t *img)
{
	set_cap(img, 0x60, PCI_CAP_ID_EXP, 0x50);
}

static void h_two_cycle_first(uint8_t *img)
{
	set_cap(img, 0x50, CAP_ID_MSI, 0x40);
}

static void h_ext_self_loop(uint8_t *img)
{
	set_ecap(img, 0x100, EXT_CAP_ID_AER, 1, 0x100);
}

static void h_ext_loop(uint8_t *img)
{
	set_ecap(img, 0x140, PCI_EXT_CAP_ID_SRIOV, 2, 0x100);
}

static void h_ext_loop_tail(uint8_t *img)
{
	set_ecap(img, 0x140, PCI_EXT_CAP_ID_SRIOV, 2, 0x800);
	set_ecap(img, 0x800, EXT_CAP_ID_ACS, 1, 0x140);
}

static void h_ptr_header(uint8_t *img)
{
	img[PCI_CAPABILITY_LIST] = 0x10;
}

static void h_ptr_header_mid(uint8_t *img)
{
	set_cap(img, 0x50, CAP_ID_MSI, 0x3c);
}

static void h_ptr_to_itself(uint8_t *img)
{
	img[PCI_CAPABILITY_LIST] = 0x34;
}

static void h_ptr_misaligned(uint8_t *img)
{
	img[PCI_CAPABILITY_LIST] = 0x41;
}

static void h_ptr_misaligned_mid(uint8_t *img)
{
	set_cap(img, 0x60, PCI_CAP_ID_EXP, 0xfe);
}

static void h_ext_into_std(uint8_t *img)
{
	set_ecap(img, 0x100, EXT_CAP_ID_AER, 1, 0x080);
}

static void h_ext_into_std_mid(uint8_t *img)
{
	set_ecap(img, 0x140, PCI_EXT_CAP_ID_SRIOV, 2, 0x0fc);
}

static void h_ext_misaligned(uint8_t *img)
{
	set_ecap(img, 0x100, EXT_CAP_ID_AER, 1, 0x142);
}

static void h_ext_beyond(uint8_t *img)
{
	set_ecap(img, 0x100, EXT_CAP_ID_AER, 1, 0x300);
}

static void h_ext_just_beyond(uint8_t *img)
{
	set_ecap(img, 0x140, PCI_EXT_CAP_ID_SRIOV, 2, 0x200);
}

static void h_status_clear(uint8_t *img)
{
	put16(img, PCI_STATUS, (uint16_t)~PCI_STATUS_CAP_LIST);
	img[PCI_CAPABILITY_LIST] = 0x13; /* garbage: must not be followed */
}

static void h_all_ones(uint8_t *img)
{
	memset(img, 0xff, IMG_SIZE);
}

static void h_ids_all_ones(uint8_t *img)
{
	put32(img, PCI_VENDOR_ID, 0xffffffff);
}

/* A gone function: ids and Command/Status all-ones (a VF has only the ids so). */
static void h_ids_cmd_all_ones(uint8_t *img)
{
	put32(img, PCI_VENDOR_ID, 0xffffffff);
	put32(img, PCI_COMMAND, 0xffffffff);
}

static void h_std_cap_all_ones(uint8_t *img)
{
	set_cap(img, 0x50, 0xff, 0xff);
}

static void h_ext_all_ones_at_100(uint8_t *img)
{
	put32(img, 0x100, 0xffffffff);
}

static void h_ext_all_ones_mid(uint8_t *img)
{
	put32(img, 0x140, 0xffffffff);
}

static void h_truncated(uint8_t *img)
{
	img[PCI_CAPABILITY_LIST] = 0x40;
	set_cap(img, 0x40, PCI_CAP_ID_PM, 0x48);
}

static const struct hostile hostile[] = {
    {"self-loop", IMG_SIZE, h_self_loop, STD, -EBADMSG, "capability list loops at 0x40 (from 0x41)",
     "0x40"},
    {"2-cycle", IMG_SIZE, h_two_cycle, STD, -EBADMSG, "capability list loops at 0x50 (from 0x61)",
     "0x50"},
    {"2-cycle at start", IMG_SIZE, h_two_cycle_first, STD, -EBADMSG,
     "capability list loops at 0x40 (from 0x51)", "0x40"},
    {"extended self-loop", IMG_SIZE, h_ext_self_loop, EXT, -EBADMSG,
     "extended capability list loops at 0x100 (from 0x100)", "0x100"},
    {"extended loop", IMG_SIZE, h_ext_loop, EXT, -EBADMSG,
     "extended capability list loops at 0x100 (from 0x140)", "0x100"},
    {"extended loop not through the head", IMG_SIZE, h_ext_loop_tail, EXT, -EBADMSG,
     "extended capability list loops at 0x140 (from 0x800)", "0x140"},
    {"pointer into the header", IMG_SIZE, h_ptr_header, STD, -EBADMSG,
     "capability pointer at 0x34 points to 0x10, inside the header", "0x10"},
    {"pointer into the header mid-list", IMG_SIZE, h_ptr_header_mid, STD, -EBADMSG,
     "capability pointer at 0x51 points to 0x3c, inside the header", "0x3c"},
    {"pointer to itself", IMG_SIZE, h_ptr_to_itself, STD, -EBADMSG,
     "capability pointer at 0x34 points to 0x34, inside the header", "0x34"},
    {"misaligned pointer", IMG_SIZE, h_ptr_misaligned, STD, -EBADMSG,
     "capability pointer at 0x34 points to 0x41, not dword aligned", "0x41"},
    {"misaligned pointer mid-list", IMG_SIZE, h_ptr_misaligned_mid, STD, -EBADMSG,
     "capability pointer at 0x61 points to 0xfe, not dword aligned", "0xfe"},
    {"extended into standard space", IMG_SIZE, h_ext_into_std, EXT, -EBADMSG,
     "extended capability at 0x100 points to 0x080, inside the standard space", "0x080"},
    {"extended into standard space mid-list", IMG_SIZE, h_ext_into_std_mid, EXT, -EBADMSG,
     "extended capability at 0x140 points to 0x0fc, inside the standard space", "0x0fc"},
    {"extended misaligned", IMG_SIZE, h_ext_misaligned, EXT, -EBADMSG,
     "extended capability at 0x100 points to 0x142, not dword aligned", "0x142"},
    {"extended beyond size", 0x200, h_ext_beyond, EXT, -EBADMSG,
     "extended capability at 0x100 points to 0x300, beyond the 512 bytes of config space", "0x300"},
    {"extended just beyond size", 0x200, h_ext_just_beyond, EXT, -EBADMSG,
     "extended capability at 0x140 points to 0x200, beyond the 512 bytes of config space", "0x200"},
    {"status cap-list clear", IMG_SIZE, h_status_clear, STD, -ENOENT, NULL, NULL},
    {"all-ones (standard)", IMG_SIZE, h_all_ones, STD, -ENODEV,
     "device not responding (config space reads all-ones)", "all-ones"},
    {"all-ones (extended)", IMG_SIZE, h_all_ones, EXT, -ENODEV,
     "device not responding (config space reads all-ones)", "all-ones"},
    {"ids and Command/Status all-ones (extended)", IMG_SIZE, h_ids_cmd_all_ones, EXT, -ENODEV,
     "device not responding (config space reads all-ones)", "all-ones"},
    /* SR-IOV 1.1 §3.4.1.1-2: a VF's ids read 0xffff; it is walked like any function. */
    {"ids all-ones, a VF (extended)", IMG_SIZE, h_ids_all_ones, EXT, -ENOENT, NULL, NULL},
    {"standard capability all-ones", IMG_SIZE, h_std_cap_all_ones, STD, -ENODEV,
     "capability at 0x50 reads all-ones: device not responding", "0x50"},
    {"all-ones at 0x100 only", IMG_SIZE, h_ext_all_ones_at_100, EXT, -ENOENT, NULL, NULL},
    {"extended all-ones mid-list", IMG_SIZE, h_ext_all_ones_mid, EXT, -ENODEV,
     "extended capability at 0x140 reads all-ones: device not responding", "0x140"},
    {"truncated", 0x44, h_truncated, STD, -ERANGE,
     "config space truncated: cannot read offset 0x048", "0x048"},
    {"truncated extended header", 0x102, NULL, EXT, -ERANGE,
     "config space truncated: cannot read offset 0x100", "0x100"},
    {"truncated status", 0x04, NULL, STD, -ERANGE,
     "config space truncated: cannot read offset 0x006", "0x006"},
    {"truncated ids", 0x02, NULL, STD, -ERANGE, "config space truncated: cannot read offset 0x000",
     "0x000"},
};

static void hostile_table(void **state)
{
	static uint8_t img[IMG_SIZE];
	static struct pci_cap caps[64];

	for (size_t i = 0; i < ELEMENTSOF(hostile); i++) {
		const struct hostile *h = &hostile[i];
		_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
		struct why why = why_sentinel, lwhy = why_sentinel;
		uint16_t off = 0x1234;
		unsigned n;
		int r, want_list;

		print_message("hostile: %s\n", h->name);
		img_normal(img);
		if (h->setup)
			h->setup(img);
		cfg = mem_cfg(img, h->size);

		if (h->walk == STD)
			r = pci_cap_find(cfg, ABSENT_CAP_ID, &off, &why);
		else
			r = pci_ecap_find(cfg, ABSENT_ECAP_ID, &off, &why);
		assert_int_equal(r, h->ret);
		assert_int_equal(off, 0x1234);
		if (h->msg) {
			assert_string_equal(why.msg, h->msg);
			assert_non_null(strstr(why.msg, h->where));
		} else {
			assert_string_equal(why.msg, why_sentinel.msg);
		}

		/* Without a why: the same result. */
		if (h->walk == STD)
			r = pci_cap_find(cfg, ABSENT_CAP_ID, &off, NULL);
		else
			r = pci_ecap_find(cfg, ABSENT_ECAP_ID, &off, NULL);
		assert_int_equal(r, h->ret);

		/* The list walks both: it fails the same way (-ENOENT is no error for it). */
		want_list = h->ret == -ENOENT ? 0 : h->ret;
		assert_int_equal(pci_cap_list(cfg, caps, ELEMENTSOF(caps), &n, &lwhy), want_list);
		if (h->msg)
			assert_string_equal(lwhy.msg, h->msg);
		assert_true(n <= 6);
	}
}

/* Status cap-list clear: the list is empty, the extended list is still there. */
static void status_clear_extended_still_listed(void **state)
{
	static uint8_t img[IMG_SIZE];
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	struct pci_cap caps[8];
	unsigned n;
	uint16_t off;

	img_normal(img);
	h_status_clear(img);
	cfg = mem_cfg(img, IMG_SIZE);
	assert_int_equal(pci_cap_find(cfg, PCI_CAP_ID_PM, &off, NULL), -ENOENT);
	assert_int_equal(pci_cap_list(cfg, caps, ELEMENTSOF(caps), &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_int_equal(caps[0].off, 0x100);
	assert_true(caps[0].extended);
}

/* all-ones at 0x100 means "no extended space", not a dead device: the standard list stands. */
static void ext_all_ones_at_100_keeps_standard(void **state)
{
	static uint8_t img[IMG_SIZE];
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	struct pci_cap caps[8];
	unsigned n;
	uint16_t off;

	img_normal(img);
	h_ext_all_ones_at_100(img);
	cfg = mem_cfg(img, IMG_SIZE);
	assert_int_equal(pci_ecap_find(cfg, EXT_CAP_ID_AER, &off, NULL), -ENOENT);
	assert_int_equal(pci_cap_find(cfg, PCI_CAP_ID_EXP, &off, NULL), 0);
	assert_int_equal(off, 0x60);
	assert_int_equal(pci_cap_list(cfg, caps, ELEMENTSOF(caps), &n, NULL), 0);
	assert_int_equal(n, 3);
}

/* ---- backends that fail part-way ---- */

struct failing {
	uint8_t *img;
	unsigned from; /* reads at or above fail */
	int err;       /* the error, or 0 for a short (empty) read */
};

static ssize_t failing_read(void *ud, unsigned off, void *buf, size_t len)
{
	struct failing *f = ud;

	if (off + len > f->from)
		return f->err ? f->err : (ssize_t)(off < f->from ? f->from - off : 0);
	memcpy(buf, f->img + off, len);
	return (ssize_t)len;
}

static ssize_t failing_write(void *ud, unsigned off, const void *buf, size_t len)
{
	return -EROFS;
}

static const struct pci_cfg_ops failing_ops = {
    .read = failing_read,
    .write = failing_write,
};

static void backend_failures(void **state)
{
	static uint8_t img[IMG_SIZE];
	static const struct {
		unsigned from;
		int err;
		enum walk walk;
		int ret;
		const char *msg;
	} cases[] = {
	    {0x50, -ENODEV, STD, -ENODEV, "device gone while reading offset 0x050"},
	    {0x00, -ENODEV, STD, -ENODEV, "device gone while reading offset 0x000"},
	    {0x06, -ENODEV, STD, -ENODEV, "device gone while reading offset 0x006"},
	    {0x34, -EIO, STD, -EIO, "reading config space at 0x034 failed: Input/output error"},
	    {0x61, -EIO, STD, -EIO, "reading config space at 0x061 failed: Input/output error"},
	    {0x140, -ENODEV, EXT, -ENODEV, "device gone while reading offset 0x140"},
	    {0x100, -EACCES, EXT, -EACCES,
	     "reading config space at 0x100 failed: Permission denied"},
	    /* A file shorter than its size: the read comes back short. */
	    {0x44, 0, STD, -ENODATA, "config space truncated: cannot read offset 0x050"},
	    {0x142, 0, EXT, -ENODATA, "config space truncated: cannot read offset 0x140"},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct failing *f = calloc(1, sizeof(*f));
		_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
		struct why why = why_sentinel;
		uint16_t off;
		int r;

		print_message("backend failing from 0x%x with %d\n", cases[i].from, cases[i].err);
		img_normal(img);
		assert_non_null(f);
		f->img = img;
		f->from = cases[i].from;
		f->err = cases[i].err;
		/* free is NULL: f is freed here. */
		assert_int_equal(pci_cfg_new(&failing_ops, f, IMG_SIZE, &cfg), 0);
		if (cases[i].walk == STD)
			r = pci_cap_find(cfg, ABSENT_CAP_ID, &off, &why);
		else
			r = pci_ecap_find(cfg, ABSENT_ECAP_ID, &off, &why);
		free(f);
		assert_int_equal(r, cases[i].ret);
		assert_string_equal(why.msg, cases[i].msg);
	}
}

/* ---- random images ---- */

static unsigned rnd(unsigned *seed, unsigned n)
{
	return (unsigned)rand_r(seed) % n;
}

/* A standard pointer: mostly a valid-looking slot, sometimes end/header/misaligned/anything. */
static uint8_t std_ptr(unsigned *seed)
{
	unsigned p = rnd(seed, 100);

	if (p < 60)
		return (uint8_t)(0x40 + 4 * rnd(seed, 48));
	if (p < 75)
		return 0;
	if (p < 83)
		return (uint8_t)rnd(seed, 0x40);
	if (p < 91)
		return (uint8_t)(0x40 + 4 * rnd(seed, 48) + 1 + rnd(seed, 3));
	return (uint8_t)rnd(seed, 256);
}

static unsigned ext_ptr(unsigned *seed)
{
	unsigned p = rnd(seed, 100);

	if (p < 60)
		return 0x100 + 4 * rnd(seed, 960);
	if (p < 72)
		return 0;
	if (p < 80)
		return rnd(seed, 0x100);
	if (p < 88)
		return 0x100 + 4 * rnd(seed, 960) + 1 + rnd(seed, 3);
	return rnd(seed, 0x1000);
}

static uint16_t ext_id(unsigned *seed)
{
	static const uint16_t ids[] = {EXT_CAP_ID_AER, EXT_CAP_ID_ACS, PCI_EXT_CAP_ID_SRIOV,
				       0x0b,	       0x0e,	       0xffff};

	return rnd(seed, 4) ? ids[rnd(seed, ELEMENTSOF(ids))] : (uint16_t)rnd(seed, 0x10000);
}

static uint8_t std_id(unsigned *seed)
{
	static const uint8_t ids[] = {PCI_CAP_ID_PM, CAP_ID_MSI, PCI_CAP_ID_EXP, 0x11, 0x09, 0xff};

	return rnd(seed, 4) ? ids[rnd(seed, ELEMENTSOF(ids))] : (uint8_t)rnd(seed, 256);
}

static void shuffle(unsigned *seed, unsigned *v, unsigned n)
{
	for (unsigned i = n - 1; i > 0; i--) {
		unsigned j = rnd(seed, i + 1), t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
}

static unsigned random_size(unsigned *seed)
{
	unsigned p = rnd(seed, 100);

	if (p < 70)
		return IMG_SIZE;
	if (p < 80)
		return 0x100;
	if (p < 90)
		return 0x40 + 4 * rnd(seed, (IMG_SIZE - 0x40) / 4 + 1);
	return rnd(seed, IMG_SIZE + 1);
}

static void random_image(unsigned *seed, uint8_t *img)
{
	unsigned slots[960];

	if (rnd(seed, 2))
		for (unsigned i = 0; i < IMG_SIZE; i++)
			img[i] = (uint8_t)rand_r(seed);
	else
		memset(img, 0, IMG_SIZE);
	if (rnd(seed, 50) == 0) {
		memset(img, 0xff, IMG_SIZE);
		if (rnd(seed, 2))
			return;
	}
	if (rnd(seed, 20))
		put16(img, PCI_VENDOR_ID, (uint16_t)(1 + rnd(seed, 0xfffe)));
	if (rnd(seed, 10))
		img[PCI_STATUS] |= PCI_STATUS_CAP_LIST;

	if (rnd(seed, 4) == 0) {
		/* A well-formed standard chain through random slots. */
		unsigned len = rnd(seed, 49), prev = PCI_CAPABILITY_LIST;

		for (unsigned i = 0; i < 48; i++)
			slots[i] = 0x40 + 4 * i;
		shuffle(seed, slots, 48);
		for (unsigned i = 0; i < len; i++) {
			img[prev == PCI_CAPABILITY_LIST ? prev : prev + 1] = (uint8_t)slots[i];
			img[slots[i]] = std_id(seed);
			prev = slots[i];
		}
		img[prev == PCI_CAPABILITY_LIST ? prev : prev + 1] = 0;
		if (rnd(seed, 4) == 0) /* spoil one pointer */
			img[rnd(seed, 2) ? PCI_CAPABILITY_LIST : slots[rnd(seed, 48)] + 1] =
			    std_ptr(seed);
	} else {
		img[PCI_CAPABILITY_LIST] = std_ptr(seed);
		for (unsigned p = 0x40; p < 0x100; p += 4)
			set_cap(img, p, std_id(seed), std_ptr(seed));
		if (rnd(seed, 10) == 0)
			set_cap(img, 0x40 + 4 * rnd(seed, 48), 0xff, 0xff);
	}

	if (rnd(seed, 4) == 0) {
		/* A well-formed extended chain from 0x100. */
		unsigned len = 1 + rnd(seed, 960), prev = 0x100;

		for (unsigned i = 0; i < 959; i++)
			slots[i] = 0x104 + 4 * i;
		shuffle(seed, slots, 959);
		for (unsigned i = 0; i + 1 < len; i++) {
			set_ecap(img, prev, ext_id(seed), (uint8_t)rnd(seed, 16), slots[i]);
			prev = slots[i];
		}
		set_ecap(img, prev, ext_id(seed), (uint8_t)rnd(seed, 16), 0);
		if (rnd(seed, 4) == 0) /* spoil one pointer */
			set_ecap(img, rnd(seed, 2) ? 0x100 : slots[rnd(seed, 959)], ext_id(seed), 1,
				 ext_ptr(seed));
	} else {
		for (unsigned p = 0x100; p < IMG_SIZE; p += 4)
			set_ecap(img, p, ext_id(seed), (uint8_t)rnd(seed, 16), ext_ptr(seed));
		if (rnd(seed, 10) == 0)
			put32(img, 0x100 + 4 * rnd(seed, 960), rnd(seed, 2) ? 0 : 0xffffffff);
	}
}

static bool allowed(int r)
{
	return r == 0 || r == -ENOENT || r == -EBADMSG || r == -ENODEV || r == -ERANGE;
}

static uint32_t get32(const uint8_t *img, unsigned off)
{
	return (uint32_t)img[off] | (uint32_t)img[off + 1] << 8 | (uint32_t)img[off + 2] << 16 |
	       (uint32_t)img[off + 3] << 24;
}

/* Checks a list against the image: real entries, standard first, no offset twice. */
static void check_list(const uint8_t *img, unsigned size, const struct pci_cap *caps, unsigned n,
		       unsigned *n_std)
{
	uint8_t seen[IMG_SIZE / 4] = {0};
	bool ext = false;

	*n_std = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct pci_cap *c = &caps[i];

		assert_int_equal(c->off % 4, 0);
		assert_int_equal(seen[c->off / 4], 0);
		seen[c->off / 4] = 1;
		if (!c->extended) {
			assert_false(ext);
			assert_in_range(c->off, 0x40, 0xfc);
			assert_true(c->off + 2u <= size);
			assert_int_equal(c->id, img[c->off]);
			(*n_std)++;
		} else {
			uint32_t hdr;

			ext = true;
			assert_in_range(c->off, 0x100, 0xffc);
			assert_true(c->off + 4u <= size);
			hdr = get32(img, c->off);
			assert_int_equal(c->id, hdr & 0xffff);
			assert_int_equal(c->version, (hdr >> 16) & 0xf);
			assert_true(hdr != 0 && hdr != 0xffffffff);
		}
	}
}

static void alarm_handler(int sig)
{
	static const char msg[] = "capability walk did not terminate\n";

	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	_exit(1);
}

static void random_images(void **state)
{
	static uint8_t img[IMG_SIZE];
	static struct pci_cap caps[48 + 960 + 8];
	unsigned seed = 20240611;
	unsigned counts[6] = {0}; /* 0, ENOENT, EBADMSG, ENODEV, ERANGE, found */

	signal(SIGALRM, alarm_handler);
	alarm(30);
	for (unsigned iter = 0; iter < 3000; iter++) {
		unsigned size = random_size(&seed), n, n_std;
		_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
		struct why why, lwhy;
		uint16_t off;
		int lr, r;

		random_image(&seed, img);
		cfg = mem_cfg(img, size);

		lwhy.msg[0] = '\0';
		lr = pci_cap_list(cfg, caps, ELEMENTSOF(caps), &n, &lwhy);
		if (!allowed(lr) || lr == -ENOENT)
			fail_msg("image %u: pci_cap_list returned %d", iter, lr);
		if (lr < 0)
			assert_true(lwhy.msg[0] != '\0');
		assert_true(n <= 48 + 960);
		check_list(img, size, caps, n, &n_std);
		counts[lr == 0 ? 0 : lr == -EBADMSG ? 2 : lr == -ENODEV ? 3 : 4]++;

		/* Standard: an id on the list, and a random one. */
		for (unsigned k = 0; k < 2; k++) {
			uint8_t id =
			    k == 0 && n_std ? (uint8_t)caps[rnd(&seed, n_std)].id : std_id(&seed);
			int first = -1;

			for (unsigned i = 0; i < n_std && first < 0; i++)
				if (caps[i].id == id)
					first = (int)caps[i].off;
			why.msg[0] = '\0';
			off = 0xbeef;
			r = pci_cap_find(cfg, id, &off, &why);
			if (!allowed(r))
				fail_msg("image %u: pci_cap_find(0x%02x) returned %d", iter, id, r);
			if (first >= 0) {
				/* On the list: found there, whatever follows. */
				assert_int_equal(r, 0);
				assert_int_equal(off, first);
				counts[5]++;
			} else if (r == 0) {
				fail_msg("image %u: found 0x%02x at 0x%x, not listed", iter, id,
					 off);
			} else if (r != -ENOENT) {
				/* The standard walk failed: so did the list, the same way. */
				assert_int_equal(r, lr);
				assert_string_equal(why.msg, lwhy.msg);
				assert_int_equal(off, 0xbeef);
			} else {
				assert_int_equal(off, 0xbeef);
			}
		}

		/* Extended: the same, when the list got that far. */
		for (unsigned k = 0; k < 2; k++) {
			uint16_t id = k == 0 && n > n_std ? caps[n_std + rnd(&seed, n - n_std)].id
							  : ext_id(&seed);
			int first = -1;

			for (unsigned i = n_std; i < n && first < 0; i++)
				if (caps[i].id == id)
					first = (int)caps[i].off;
			why.msg[0] = '\0';
			off = 0xbeef;
			r = pci_ecap_find(cfg, id, &off, &why);
			if (!allowed(r))
				fail_msg("image %u: pci_ecap_find(0x%04x) returned %d", iter, id,
					 r);
			if (r < 0 && r != -ENOENT)
				assert_true(why.msg[0] != '\0');
			if (first >= 0) {
				assert_int_equal(r, 0);
				assert_int_equal(off, first);
				counts[5]++;
			} else if (lr == 0) {
				/* The whole list is known: absent means -ENOENT. */
				assert_int_equal(r, -ENOENT);
				assert_int_equal(off, 0xbeef);
			} else if (n > n_std) {
				/* The list reached the extended walk and failed there, as find
				 * does on the same path. */
				assert_int_equal(r, lr);
				assert_string_equal(why.msg, lwhy.msg);
			} else if (r == 0) {
				/* Found where the list never got: it stopped before the
				 * extended walk, so it must have failed. */
				assert_int_not_equal(lr, 0);
			}
		}
	}
	alarm(0);
	print_message("lists: %u ok, %u bad, %u gone, %u truncated; %u finds\n", counts[0],
		      counts[2], counts[3], counts[4], counts[5]);
	/* The generator reaches every outcome. */
	assert_true(counts[0] > 100);
	assert_true(counts[2] > 100);
	assert_true(counts[3] > 10);
	assert_true(counts[4] > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(find_standard),
	    cmocka_unit_test(find_first_of_duplicates),
	    cmocka_unit_test(find_extended),
	    cmocka_unit_test(list_all_in_order),
	    cmocka_unit_test(list_respects_max),
	    cmocka_unit_test(no_extended_space),
	    cmocka_unit_test(empty_lists),
	    cmocka_unit_test(extended_zero_header_ends_list),
	    cmocka_unit_test(longest_lists),
	    cmocka_unit_test(extended_pointer_at_end_of_space),
	    cmocka_unit_test(find_before_malformed_tail),
	    cmocka_unit_test(lists_independent),
	    cmocka_unit_test(hostile_table),
	    cmocka_unit_test(status_clear_extended_still_listed),
	    cmocka_unit_test(ext_all_ones_at_100_keeps_standard),
	    cmocka_unit_test(backend_failures),
	    cmocka_unit_test(random_images),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
