/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The capability walker on a table of hostile config spaces (exact error
 * and message for each) and on backends that fail part-way.
 */
#include <stdio.h>

#include "capimg.h"

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
	img_put16(img, PCI_STATUS, (uint16_t)~PCI_STATUS_CAP_LIST);
	img[PCI_CAPABILITY_LIST] = 0x13; /* garbage: must not be followed */
}

static void h_all_ones(uint8_t *img)
{
	memset(img, 0xff, IMG_SIZE);
}

static void h_ids_all_ones(uint8_t *img)
{
	img_put32(img, PCI_VENDOR_ID, 0xffffffff);
}

/* A gone function: ids and Command/Status all-ones (a VF has only the ids so). */
static void h_ids_cmd_all_ones(uint8_t *img)
{
	img_put32(img, PCI_VENDOR_ID, 0xffffffff);
	img_put32(img, PCI_COMMAND, 0xffffffff);
}

static void h_std_cap_all_ones(uint8_t *img)
{
	set_cap(img, 0x50, 0xff, 0xff);
}

static void h_ext_all_ones_at_100(uint8_t *img)
{
	img_put32(img, 0x100, 0xffffffff);
}

static void h_ext_all_ones_mid(uint8_t *img)
{
	img_put32(img, 0x140, 0xffffffff);
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
	    /* ID and next pointer are one 16-bit read at the capability. */
	    {0x61, -EIO, STD, -EIO, "reading config space at 0x060 failed: Input/output error"},
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(hostile_table),
	    cmocka_unit_test(status_clear_extended_still_listed),
	    cmocka_unit_test(ext_all_ones_at_100_keeps_standard),
	    cmocka_unit_test(backend_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
