/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <endian.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "pci-cfg.h"
#include "pci-regs.h"

int pci_cfg_new(const struct pci_cfg_ops *ops, void *ud, unsigned size, struct pci_cfg **out)
{
	struct pci_cfg *cfg = calloc(1, sizeof(*cfg));

	if (!cfg) {
		if (ops->free)
			ops->free(ud);
		return -ENOMEM;
	}
	cfg->ops = ops;
	cfg->ud = ud;
	cfg->size = size > PCI_CFG_SPACE_EXP_SIZE ? PCI_CFG_SPACE_EXP_SIZE : size;
	*out = cfg;
	return 0;
}

void pci_cfg_free(struct pci_cfg *cfg)
{
	if (!cfg)
		return;
	if (cfg->ops->free)
		cfg->ops->free(cfg->ud);
	free(cfg);
}

/* File backend: one pread/pwrite per access, of the access width (the kernel
 * turns it into one configuration request of that width). */
struct file_cfg {
	int fd;
};

static ssize_t file_read(void *ud, unsigned off, void *buf, size_t len)
{
	struct file_cfg *f = ud;
	ssize_t n;

	do
		n = pread(f->fd, buf, len, off);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static ssize_t file_write(void *ud, unsigned off, const void *buf, size_t len)
{
	struct file_cfg *f = ud;
	ssize_t n;

	do
		n = pwrite(f->fd, buf, len, off);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static void file_free(void *ud)
{
	struct file_cfg *f = ud;

	close(f->fd);
	free(f);
}

static const struct pci_cfg_ops file_ops = {
    .read = file_read,
    .write = file_write,
    .free = file_free,
};

int pci_cfg_open_file(const char *path, bool writable, struct pci_cfg **out)
{
	struct file_cfg *f;
	struct stat st;
	int fd;

	fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	f->fd = fd;
	/* Cap before narrowing: a huge file must not wrap to a small size. */
	return pci_cfg_new(&file_ops, f,
			   st.st_size > PCI_CFG_SPACE_EXP_SIZE ? PCI_CFG_SPACE_EXP_SIZE
			   : st.st_size > 0		       ? (unsigned)st.st_size
							       : 0,
			   out);
}

/* Memory backend over a caller's buffer. */
static ssize_t mem_read(void *ud, unsigned off, void *buf, size_t len)
{
	memcpy(buf, (uint8_t *)ud + off, len);
	return (ssize_t)len;
}

static ssize_t mem_write(void *ud, unsigned off, const void *buf, size_t len)
{
	memcpy((uint8_t *)ud + off, buf, len);
	return (ssize_t)len;
}

static const struct pci_cfg_ops mem_ops = {
    .read = mem_read,
    .write = mem_write,
};

int pci_cfg_new_mem(uint8_t *buf, unsigned size, struct pci_cfg **out)
{
	return pci_cfg_new(&mem_ops, buf, size, out);
}

static int check(const struct pci_cfg *cfg, unsigned off, unsigned width)
{
	if (off % width || off > PCI_CFG_SPACE_EXP_SIZE || off + width > cfg->size)
		return -ERANGE;
	return 0;
}

static int cfg_read(struct pci_cfg *cfg, unsigned off, void *buf, unsigned width)
{
	ssize_t n;
	int r = check(cfg, off, width);

	if (r < 0)
		return r;
	n = cfg->ops->read(cfg->ud, off, buf, width);
	if (n < 0)
		return (int)n;
	return (size_t)n == width ? 0 : -ENODATA;
}

static int cfg_write(struct pci_cfg *cfg, unsigned off, const void *buf, unsigned width)
{
	ssize_t n;
	int r = check(cfg, off, width);

	if (r < 0)
		return r;
	n = cfg->ops->write(cfg->ud, off, buf, width);
	if (n < 0)
		return (int)n;
	return (size_t)n == width ? 0 : -EIO;
}

int pci_cfg_read8(struct pci_cfg *cfg, unsigned off, uint8_t *val)
{
	return cfg_read(cfg, off, val, 1);
}

int pci_cfg_read16(struct pci_cfg *cfg, unsigned off, uint16_t *val)
{
	uint16_t v;
	int r = cfg_read(cfg, off, &v, 2);

	if (r >= 0)
		*val = le16toh(v);
	return r;
}

int pci_cfg_read32(struct pci_cfg *cfg, unsigned off, uint32_t *val)
{
	uint32_t v;
	int r = cfg_read(cfg, off, &v, 4);

	if (r >= 0)
		*val = le32toh(v);
	return r;
}

int pci_cfg_read_block(struct pci_cfg *cfg, unsigned off, void *buf, unsigned len)
{
	ssize_t n;

	if (len == 0 || off % 4 || len % 4 || off + len > cfg->size)
		return -ERANGE;
	n = cfg->ops->read(cfg->ud, off, buf, len);
	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -ENODATA;
}

int pci_cfg_write8(struct pci_cfg *cfg, unsigned off, uint8_t val)
{
	return cfg_write(cfg, off, &val, 1);
}

int pci_cfg_write16(struct pci_cfg *cfg, unsigned off, uint16_t val)
{
	uint16_t v = htole16(val);

	return cfg_write(cfg, off, &v, 2);
}

int pci_cfg_write32(struct pci_cfg *cfg, unsigned off, uint32_t val)
{
	uint32_t v = htole32(val);

	return cfg_write(cfg, off, &v, 4);
}
