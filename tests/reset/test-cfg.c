/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Config space access: byte order and range checks on the memory backend,
 * and a scripted backend's errors. The file backend: test-cfg-file.c.
 */
#include <limits.h>
#include <stdio.h>

#include "capimg.h"
#include "pci-cfg.h"

/* ---- memory backend ---- */

static void mem_reads_little_endian(void **state)
{
	uint8_t buf[256] = {0};
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;

	buf[0x00] = 0x86;
	buf[0x01] = 0x80;
	buf[0x02] = 0xd3;
	buf[0x03] = 0x10;
	buf[0x10] = 0x0c;
	buf[0x11] = 0x00;
	buf[0x12] = 0x20;
	buf[0x13] = 0xfe;
	buf[0xff] = 0x5a;
	assert_int_equal(pci_cfg_new_mem(buf, sizeof(buf), &cfg), 0);
	assert_int_equal(cfg->size, 256);

	assert_int_equal(pci_cfg_read8(cfg, 0x00, &v8), 0);
	assert_int_equal(v8, 0x86);
	assert_int_equal(pci_cfg_read8(cfg, 0x01, &v8), 0);
	assert_int_equal(v8, 0x80);
	assert_int_equal(pci_cfg_read8(cfg, 0xff, &v8), 0);
	assert_int_equal(v8, 0x5a);
	assert_int_equal(pci_cfg_read16(cfg, 0x00, &v16), 0);
	assert_int_equal(v16, 0x8086);
	assert_int_equal(pci_cfg_read16(cfg, 0x02, &v16), 0);
	assert_int_equal(v16, 0x10d3);
	assert_int_equal(pci_cfg_read16(cfg, 0x12, &v16), 0);
	assert_int_equal(v16, 0xfe20);
	assert_int_equal(pci_cfg_read32(cfg, 0x00, &v32), 0);
	assert_int_equal(v32, 0x10d38086);
	assert_int_equal(pci_cfg_read32(cfg, 0x10, &v32), 0);
	assert_int_equal(v32, 0xfe20000c);
	assert_int_equal(pci_cfg_read32(cfg, 0xfc, &v32), 0);
	assert_int_equal(v32, 0x5a000000);
}

static void mem_writes_little_endian(void **state)
{
	uint8_t buf[256], want[256];
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	uint32_t v32;

	img_pattern(buf, sizeof(buf));
	memcpy(want, buf, sizeof(buf));
	assert_int_equal(pci_cfg_new_mem(buf, sizeof(buf), &cfg), 0);

	assert_int_equal(pci_cfg_write32(cfg, 0x10, 0x11223344), 0);
	want[0x10] = 0x44;
	want[0x11] = 0x33;
	want[0x12] = 0x22;
	want[0x13] = 0x11;
	assert_int_equal(pci_cfg_write16(cfg, 0x06, 0xa1b2), 0);
	want[0x06] = 0xb2;
	want[0x07] = 0xa1;
	assert_int_equal(pci_cfg_write8(cfg, 0x0d, 0xee), 0);
	want[0x0d] = 0xee;
	assert_int_equal(pci_cfg_write16(cfg, 0xfe, 0x0102), 0);
	want[0xfe] = 0x02;
	want[0xff] = 0x01;
	/* Exactly those bytes changed, nothing around them. */
	assert_memory_equal(buf, want, sizeof(buf));

	assert_int_equal(pci_cfg_read32(cfg, 0x10, &v32), 0);
	assert_int_equal(v32, 0x11223344);
	assert_int_equal(pci_cfg_read32(cfg, 0x04, &v32), 0);
	assert_int_equal(v32, 0xa1b20000u | want[0x05] << 8 | want[0x04]);
}

static void mem_misaligned_is_erange(void **state)
{
	uint8_t buf[256], want[256];
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	uint16_t v16 = 0x1234;
	uint32_t v32 = 0x12345678;

	img_pattern(buf, sizeof(buf));
	memcpy(want, buf, sizeof(buf));
	assert_int_equal(pci_cfg_new_mem(buf, sizeof(buf), &cfg), 0);

	for (unsigned off = 1; off < 0x100; off += 2) {
		assert_int_equal(pci_cfg_read16(cfg, off, &v16), -ERANGE);
		assert_int_equal(pci_cfg_write16(cfg, off, 0xffff), -ERANGE);
	}
	for (unsigned off = 0; off < 0x100; off++) {
		if (off % 4 == 0)
			continue;
		assert_int_equal(pci_cfg_read32(cfg, off, &v32), -ERANGE);
		assert_int_equal(pci_cfg_write32(cfg, off, 0xffffffff), -ERANGE);
	}
	/* Nothing written, nothing stored. */
	assert_memory_equal(buf, want, sizeof(buf));
	assert_int_equal(v16, 0x1234);
	assert_int_equal(v32, 0x12345678);
}

static void mem_beyond_size_is_erange(void **state)
{
	/* The buffer is larger than the config space it backs: the guard must stay intact. */
	uint8_t buf[256 + 16], want[256 + 16];
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	uint8_t v8 = 0x42;
	uint16_t v16 = 0x4242;
	uint32_t v32 = 0x42424242;

	img_pattern(buf, sizeof(buf));
	memcpy(want, buf, sizeof(buf));
	assert_int_equal(pci_cfg_new_mem(buf, 256, &cfg), 0);

	/* The last valid access of each width. */
	assert_int_equal(pci_cfg_read8(cfg, 0xff, &v8), 0);
	assert_int_equal(v8, buf[0xff]);
	assert_int_equal(pci_cfg_read16(cfg, 0xfe, &v16), 0);
	assert_int_equal(pci_cfg_read32(cfg, 0xfc, &v32), 0);

	v8 = 0x42;
	v16 = 0x4242;
	v32 = 0x42424242;
	static const unsigned offs[] = {0x100,	    0x104,	0x200,	    0xffc,
					0x1000,	    0x1004,	0x10000,    0x7ffffffc,
					0xfffffff0, 0xfffffffc, 0xfffffffe, UINT_MAX};
	for (size_t i = 0; i < ELEMENTSOF(offs); i++) {
		unsigned off = offs[i];

		print_message("offset 0x%x\n", off);
		assert_int_equal(pci_cfg_read8(cfg, off, &v8), -ERANGE);
		assert_int_equal(pci_cfg_write8(cfg, off, 0), -ERANGE);
		if (off % 2 == 0) {
			assert_int_equal(pci_cfg_read16(cfg, off, &v16), -ERANGE);
			assert_int_equal(pci_cfg_write16(cfg, off, 0), -ERANGE);
		}
		if (off % 4 == 0) {
			assert_int_equal(pci_cfg_read32(cfg, off, &v32), -ERANGE);
			assert_int_equal(pci_cfg_write32(cfg, off, 0), -ERANGE);
		}
	}
	assert_int_equal(v8, 0x42);
	assert_int_equal(v16, 0x4242);
	assert_int_equal(v32, 0x42424242);
	assert_memory_equal(buf, want, sizeof(buf));
}

/* A 64-byte (conventional, unprivileged) config space ends at 0x40. */
static void mem_small_sizes(void **state)
{
	uint8_t buf[64];
	uint32_t v32;
	uint8_t v8;

	img_pattern(buf, sizeof(buf));
	{
		_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;

		assert_int_equal(pci_cfg_new_mem(buf, 64, &cfg), 0);
		assert_int_equal(cfg->size, 64);
		assert_int_equal(pci_cfg_read32(cfg, 0x3c, &v32), 0);
		assert_int_equal(pci_cfg_read32(cfg, 0x40, &v32), -ERANGE);
		assert_int_equal(pci_cfg_read8(cfg, 0x40, &v8), -ERANGE);
	}
	{
		/* Size 6: a 32-bit read at 4 straddles the end. */
		_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
		uint16_t v16;

		assert_int_equal(pci_cfg_new_mem(buf, 6, &cfg), 0);
		assert_int_equal(pci_cfg_read16(cfg, 4, &v16), 0);
		assert_int_equal(pci_cfg_read32(cfg, 4, &v32), -ERANGE);
		assert_int_equal(pci_cfg_read8(cfg, 6, &v8), -ERANGE);
	}
	{
		_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;

		assert_int_equal(pci_cfg_new_mem(buf, 0, &cfg), 0);
		assert_int_equal(cfg->size, 0);
		assert_int_equal(pci_cfg_read8(cfg, 0, &v8), -ERANGE);
		assert_int_equal(pci_cfg_write8(cfg, 0, 0), -ERANGE);
	}
}

/* Sizes above 4096 are capped: there is no config space beyond 0xfff. */
static void mem_size_capped_at_4096(void **state)
{
	static uint8_t buf[8192];
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	uint32_t v32;

	img_pattern(buf, sizeof(buf));
	assert_int_equal(pci_cfg_new_mem(buf, sizeof(buf), &cfg), 0);
	assert_int_equal(cfg->size, 4096);
	assert_int_equal(pci_cfg_read32(cfg, 0xffc, &v32), 0);
	assert_int_equal(v32, (uint32_t)buf[0xfff] << 24 | (uint32_t)buf[0xffe] << 16 |
				  (uint32_t)buf[0xffd] << 8 | buf[0xffc]);
	assert_int_equal(pci_cfg_read32(cfg, 0x1000, &v32), -ERANGE);
}

/* ---- a scripted backend ---- */

struct fake {
	uint8_t data[256];
	ssize_t read_ret;  /* < 0: error; >= 0: bytes claimed (at most len); SSIZE_MAX: len */
	ssize_t write_ret; /* likewise */
	unsigned reads, writes, frees;
	unsigned last_off;
	size_t last_len;
};

static ssize_t fake_read(void *ud, unsigned off, void *buf, size_t len)
{
	struct fake *f = ud;
	size_t n;

	f->reads++;
	f->last_off = off;
	f->last_len = len;
	if (f->read_ret < 0)
		return f->read_ret;
	n = f->read_ret == SSIZE_MAX ? len : (size_t)f->read_ret;
	memcpy(buf, f->data + off, n);
	return (ssize_t)n;
}

static ssize_t fake_write(void *ud, unsigned off, const void *buf, size_t len)
{
	struct fake *f = ud;
	size_t n;

	f->writes++;
	f->last_off = off;
	f->last_len = len;
	if (f->write_ret < 0)
		return f->write_ret;
	n = f->write_ret == SSIZE_MAX ? len : (size_t)f->write_ret;
	memcpy(f->data + off, buf, n);
	return (ssize_t)n;
}

static void fake_free(void *ud)
{
	((struct fake *)ud)->frees++;
}

static const struct pci_cfg_ops fake_ops = {
    .read = fake_read,
    .write = fake_write,
    .free = fake_free,
};

static struct pci_cfg *fake_cfg(struct fake *f)
{
	struct pci_cfg *cfg = NULL;

	img_pattern(f->data, sizeof(f->data));
	f->read_ret = SSIZE_MAX;
	f->write_ret = SSIZE_MAX;
	assert_int_equal(pci_cfg_new(&fake_ops, f, sizeof(f->data), &cfg), 0);
	assert_non_null(cfg);
	return cfg;
}

/* Each access is one backend call of the access width at the access offset. */
static void backend_sees_one_call_per_access(void **state)
{
	struct fake f = {0};
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = fake_cfg(&f);
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;

	assert_int_equal(pci_cfg_read32(cfg, 0x40, &v32), 0);
	assert_int_equal(f.reads, 1);
	assert_int_equal(f.last_off, 0x40);
	assert_int_equal(f.last_len, 4);
	assert_int_equal(pci_cfg_read16(cfg, 0x36, &v16), 0);
	assert_int_equal(f.reads, 2);
	assert_int_equal(f.last_off, 0x36);
	assert_int_equal(f.last_len, 2);
	assert_int_equal(pci_cfg_read8(cfg, 0x35, &v8), 0);
	assert_int_equal(f.reads, 3);
	assert_int_equal(f.last_off, 0x35);
	assert_int_equal(f.last_len, 1);
	assert_int_equal(pci_cfg_write16(cfg, 0x04, 0x0406), 0);
	assert_int_equal(f.writes, 1);
	assert_int_equal(f.last_off, 0x04);
	assert_int_equal(f.last_len, 2);
	assert_int_equal(f.data[4], 0x06);
	assert_int_equal(f.data[5], 0x04);

	/* Rejected accesses never reach the backend. */
	assert_int_equal(pci_cfg_read32(cfg, 0x41, &v32), -ERANGE);
	assert_int_equal(pci_cfg_read32(cfg, 0x100, &v32), -ERANGE);
	assert_int_equal(pci_cfg_write32(cfg, 0x102, 0), -ERANGE);
	assert_int_equal(f.reads, 3);
	assert_int_equal(f.writes, 1);
}

static void short_read_is_enodata(void **state)
{
	struct fake f = {0};
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = fake_cfg(&f);
	uint16_t v16 = 0x1234;
	uint32_t v32 = 0x12345678;
	uint8_t v8;

	for (ssize_t got = 0; got < 4; got++) {
		f.read_ret = got;
		print_message("read32 returning %zd\n", got);
		assert_int_equal(pci_cfg_read32(cfg, 0x10, &v32), -ENODATA);
	}
	for (ssize_t got = 0; got < 2; got++) {
		f.read_ret = got;
		assert_int_equal(pci_cfg_read16(cfg, 0x10, &v16), -ENODATA);
	}
	f.read_ret = 0;
	assert_int_equal(pci_cfg_read8(cfg, 0x10, &v8), -ENODATA);
	/* A partial read stores nothing. */
	assert_int_equal(v16, 0x1234);
	assert_int_equal(v32, 0x12345678);

	/* Full reads work again. */
	f.read_ret = SSIZE_MAX;
	assert_int_equal(pci_cfg_read32(cfg, 0x10, &v32), 0);
	assert_int_equal(v32, (uint32_t)f.data[0x13] << 24 | (uint32_t)f.data[0x12] << 16 |
				  (uint32_t)f.data[0x11] << 8 | f.data[0x10]);
}

static void short_write_is_eio(void **state)
{
	struct fake f = {0};
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = fake_cfg(&f);

	f.write_ret = 2;
	assert_int_equal(pci_cfg_write32(cfg, 0x10, 0xdeadbeef), -EIO);
	f.write_ret = 0;
	assert_int_equal(pci_cfg_write16(cfg, 0x10, 0xbeef), -EIO);
	assert_int_equal(pci_cfg_write8(cfg, 0x10, 0xef), -EIO);
}

static void backend_errors_propagate(void **state)
{
	static const int errs[] = {-ENODEV, -EIO, -EACCES, -EPERM, -EINVAL};
	struct fake f = {0};
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = fake_cfg(&f);
	uint8_t v8 = 0x11;
	uint16_t v16 = 0x2222;
	uint32_t v32 = 0x33333333;

	for (size_t i = 0; i < ELEMENTSOF(errs); i++) {
		f.read_ret = errs[i];
		f.write_ret = errs[i];
		assert_int_equal(pci_cfg_read8(cfg, 0x00, &v8), errs[i]);
		assert_int_equal(pci_cfg_read16(cfg, 0x02, &v16), errs[i]);
		assert_int_equal(pci_cfg_read32(cfg, 0x04, &v32), errs[i]);
		assert_int_equal(pci_cfg_write8(cfg, 0x08, 1), errs[i]);
		assert_int_equal(pci_cfg_write16(cfg, 0x0a, 1), errs[i]);
		assert_int_equal(pci_cfg_write32(cfg, 0x0c, 1), errs[i]);
	}
	assert_int_equal(v16, 0x2222);
	assert_int_equal(v32, 0x33333333);
	/* The range check comes first: out of range is -ERANGE whatever the backend says. */
	f.read_ret = -ENODEV;
	assert_int_equal(pci_cfg_read32(cfg, 0x100, &v32), -ERANGE);
}

static void free_releases_backend_once(void **state)
{
	struct fake f = {0};
	struct pci_cfg *cfg = fake_cfg(&f);

	assert_int_equal(f.frees, 0);
	pci_cfg_free(cfg);
	assert_int_equal(f.frees, 1);
	pci_cfg_free(NULL);

	/* The size the backend claims is capped at 4096. */
	assert_int_equal(pci_cfg_new(&fake_ops, &f, 65536, &cfg), 0);
	assert_int_equal(cfg->size, 4096);
	pci_cfg_free(cfg);
	assert_int_equal(f.frees, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(mem_reads_little_endian),
	    cmocka_unit_test(mem_writes_little_endian),
	    cmocka_unit_test(mem_misaligned_is_erange),
	    cmocka_unit_test(mem_beyond_size_is_erange),
	    cmocka_unit_test(mem_small_sizes),
	    cmocka_unit_test(mem_size_capped_at_4096),
	    cmocka_unit_test(backend_sees_one_call_per_access),
	    cmocka_unit_test(short_read_is_enodata),
	    cmocka_unit_test(short_write_is_eio),
	    cmocka_unit_test(backend_errors_propagate),
	    cmocka_unit_test(free_releases_backend_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
