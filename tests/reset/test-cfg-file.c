/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Config space access through the file backend (sysfs's "config"): reads, writes, sizes. */
#include <fcntl.h>
#include <stdio.h>

#include "capimg.h"
#include "pci-cfg.h"

struct tmpfile {
	char path[64];
};

static void make_tmpfile(struct tmpfile *t, const uint8_t *data, size_t len)
{
	int fd;

	snprintf(t->path, sizeof(t->path), "/tmp/pcirst-test-cfg-XXXXXX");
	fd = mkstemp(t->path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void file_reads(void **state)
{
	uint8_t data[256];
	struct tmpfile t;
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;

	img_pattern(data, sizeof(data));
	data[0] = 0x86;
	data[1] = 0x80;
	data[2] = 0xd3;
	data[3] = 0x10;
	make_tmpfile(&t, data, sizeof(data));
	assert_int_equal(pci_cfg_open_file(t.path, false, &cfg), 0);
	assert_int_equal(cfg->size, 256);
	assert_int_equal(pci_cfg_read32(cfg, 0, &v32), 0);
	assert_int_equal(v32, 0x10d38086);
	assert_int_equal(pci_cfg_read16(cfg, 2, &v16), 0);
	assert_int_equal(v16, 0x10d3);
	for (unsigned off = 0; off < 256; off++) {
		assert_int_equal(pci_cfg_read8(cfg, off, &v8), 0);
		assert_int_equal(v8, data[off]);
	}
	assert_int_equal(pci_cfg_read32(cfg, 0xfc, &v32), 0);
	assert_int_equal(v32, (uint32_t)data[0xff] << 24 | (uint32_t)data[0xfe] << 16 |
				  (uint32_t)data[0xfd] << 8 | data[0xfc]);
	assert_int_equal(pci_cfg_read8(cfg, 0x100, &v8), -ERANGE);
	/* Read-only: writes fail with the kernel's error and leave the file alone. */
	assert_int_equal(pci_cfg_write32(cfg, 0x10, 0), -EBADF);
	{
		int fd = open(t.path, O_RDONLY | O_CLOEXEC);
		uint8_t back[256];

		assert_true(fd >= 0);
		assert_int_equal(pread(fd, back, sizeof(back), 0), 256);
		close(fd);
		assert_memory_equal(back, data, sizeof(data));
	}
	unlink(t.path);
}

static void file_writes_land_at_offsets(void **state)
{
	uint8_t data[256], want[256], back[260];
	struct tmpfile t;
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	int fd;

	img_pattern(data, sizeof(data));
	memcpy(want, data, sizeof(data));
	make_tmpfile(&t, data, sizeof(data));
	assert_int_equal(pci_cfg_open_file(t.path, true, &cfg), 0);

	assert_int_equal(pci_cfg_write16(cfg, 0x04, 0x0406), 0);
	want[0x04] = 0x06;
	want[0x05] = 0x04;
	assert_int_equal(pci_cfg_write32(cfg, 0x10, 0xfebc0000), 0);
	want[0x10] = 0x00;
	want[0x11] = 0x00;
	want[0x12] = 0xbc;
	want[0x13] = 0xfe;
	assert_int_equal(pci_cfg_write8(cfg, 0x3c, 0x0b), 0);
	want[0x3c] = 0x0b;
	assert_int_equal(pci_cfg_write32(cfg, 0xfc, 0x01020304), 0);
	want[0xfc] = 0x04;
	want[0xfd] = 0x03;
	want[0xfe] = 0x02;
	want[0xff] = 0x01;
	/* Out of range: rejected, the file does not grow. */
	assert_int_equal(pci_cfg_write32(cfg, 0x100, 0xffffffff), -ERANGE);
	assert_int_equal(pci_cfg_write16(cfg, 0x41, 0xffff), -ERANGE);

	fd = open(t.path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, back, sizeof(back), 0), 256);
	close(fd);
	assert_memory_equal(back, want, sizeof(want));
	unlink(t.path);
}

static void file_64_bytes(void **state)
{
	uint8_t data[64];
	struct tmpfile t;
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	uint8_t v8;
	uint32_t v32;

	img_pattern(data, sizeof(data));
	make_tmpfile(&t, data, sizeof(data));
	assert_int_equal(pci_cfg_open_file(t.path, false, &cfg), 0);
	assert_int_equal(cfg->size, 64);
	assert_int_equal(pci_cfg_read32(cfg, 0x3c, &v32), 0);
	assert_int_equal(v32, (uint32_t)data[0x3f] << 24 | (uint32_t)data[0x3e] << 16 |
				  (uint32_t)data[0x3d] << 8 | data[0x3c]);
	assert_int_equal(pci_cfg_read8(cfg, 0x3f, &v8), 0);
	assert_int_equal(pci_cfg_read8(cfg, 0x40, &v8), -ERANGE);
	assert_int_equal(pci_cfg_read32(cfg, 0x40, &v32), -ERANGE);
	unlink(t.path);
}

/* A file that shrinks after it was opened reads short: -ENODATA, not stale data. */
static void file_truncated_after_open(void **state)
{
	uint8_t data[256];
	struct tmpfile t;
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	uint32_t v32 = 0x12345678;
	uint16_t v16;

	img_pattern(data, sizeof(data));
	make_tmpfile(&t, data, sizeof(data));
	assert_int_equal(pci_cfg_open_file(t.path, false, &cfg), 0);
	assert_int_equal(cfg->size, 256);
	assert_int_equal(truncate(t.path, 0x42), 0);
	assert_int_equal(pci_cfg_read32(cfg, 0x3c, &v32), 0);
	assert_int_equal(pci_cfg_read32(cfg, 0x40, &v32), -ENODATA); /* 2 of 4 bytes */
	assert_int_equal(pci_cfg_read16(cfg, 0x40, &v16), 0);
	assert_int_equal(pci_cfg_read16(cfg, 0x80, &v16), -ENODATA); /* 0 bytes */
	unlink(t.path);
}

static void file_larger_than_4096_capped(void **state)
{
	static uint8_t data[8192];
	struct tmpfile t;
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	uint32_t v32;

	img_pattern(data, sizeof(data));
	make_tmpfile(&t, data, sizeof(data));
	assert_int_equal(pci_cfg_open_file(t.path, false, &cfg), 0);
	assert_int_equal(cfg->size, 4096);
	assert_int_equal(pci_cfg_read32(cfg, 0xffc, &v32), 0);
	assert_int_equal(pci_cfg_read32(cfg, 0x1000, &v32), -ERANGE);
	unlink(t.path);
}

static void file_empty(void **state)
{
	struct tmpfile t;
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	uint8_t v8;

	make_tmpfile(&t, (const uint8_t *)"", 0);
	assert_int_equal(pci_cfg_open_file(t.path, false, &cfg), 0);
	assert_int_equal(cfg->size, 0);
	assert_int_equal(pci_cfg_read8(cfg, 0, &v8), -ERANGE);
	unlink(t.path);
}

static void file_missing_is_enoent(void **state)
{
	struct pci_cfg *cfg = NULL;
	struct tmpfile t;

	make_tmpfile(&t, (const uint8_t *)"x", 1);
	assert_int_equal(unlink(t.path), 0);
	assert_int_equal(pci_cfg_open_file(t.path, false, &cfg), -ENOENT);
	assert_null(cfg);
	assert_int_equal(pci_cfg_open_file(t.path, true, &cfg), -ENOENT);
	assert_null(cfg);
	assert_int_equal(pci_cfg_open_file("/nonexistent-pcirst/0000:03:00.0/config", false, &cfg),
			 -ENOENT);
	assert_null(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(file_reads),
	    cmocka_unit_test(file_writes_land_at_offsets),
	    cmocka_unit_test(file_64_bytes),
	    cmocka_unit_test(file_truncated_after_open),
	    cmocka_unit_test(file_larger_than_4096_capped),
	    cmocka_unit_test(file_empty),
	    cmocka_unit_test(file_missing_is_enoent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
