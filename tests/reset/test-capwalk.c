/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The capability walker on well-formed lists: finds, full lists in order,
 * limits, empty and longest lists, and the two lists independent of each
 * other. Hostile config spaces: test-capwalk-hostile.c; random images:
 * test-capwalk-random.c.
 */
#include <stdio.h>

#include "capimg.h"

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
	img_put32(img, 0x200, 0);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
