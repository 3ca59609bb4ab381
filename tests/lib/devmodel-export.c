/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes a device model out as a sysfs tree (files, directories and
 * symlinks laid out as Linux does), so the real binaries can run on it with
 * --sysfs-root. Config files hold the model's current config space; they do
 * not behave like hardware (a file cannot), which is what the in-memory
 * model is for.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "devmodel-internal.h"

static int mkdirs(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

static int write_bytes(const char *dir, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX];
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len)
		r = -EIO;
	close(fd);
	return r;
}

static int write_text(const char *dir, const char *name, const char *fmt, ...) _printf_(3, 4);
static int write_text(const char *dir, const char *name, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return write_bytes(dir, name, buf, strlen(buf));
}

/* The device's directory below <root>/sys/devices: its ancestors' directories, outermost first. */
static int device_dir(struct devmodel *m, const struct simdev *d, const char *root, char *out,
		      size_t size)
{
	const struct simdev *chain[32];
	unsigned n = 0;
	size_t len;

	for (const struct simdev *c = d; c && n < 32; n++) {
		chain[n] = c;
		c = c->spec.parent ? devmodel_find_sbdf(m, &c->parent) : NULL;
	}
	if (n == 32)
		return -ELOOP;
	len = (size_t)snprintf(out, size, "%s/sys/devices/pci%04x:%02x", root,
			       chain[n - 1]->sbdf.domain, chain[n - 1]->sbdf.bus);
	while (n-- > 0 && len < size)
		len += (size_t)snprintf(out + len, size - len, "/%s", chain[n]->name);
	return len < size ? 0 : -ENAMETOOLONG;
}

/* power_state and power/{runtime_status,control}, as the model answers them. */
static int export_power(const struct simdev *d, const char *dir)
{
	static const char *const attrs[] = {"power_state", "power/runtime_status", "power/control"};
	char path[PATH_MAX], buf[32];
	int r;

	snprintf(path, sizeof(path), "%s/power", dir);
	if ((r = mkdirs(path)) < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(attrs); i++)
		if (simdev_power_attr_read(d, attrs[i], buf, sizeof(buf)) >= 0 &&
		    (r = write_text(dir, attrs[i], "%s\n", buf)) < 0)
			return r;
	return 0;
}

int devmodel_export(struct devmodel *m, const char *root)
{
	char dir[PATH_MAX], path[PATH_MAX], target[PATH_MAX];
	int r;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices", root);
	if ((r = mkdirs(path)) < 0)
		return r;
	snprintf(path, sizeof(path), "%s/sys/bus/pci/drivers", root);
	if ((r = mkdirs(path)) < 0)
		return r;
	if (m->do_flr) {
		snprintf(path, sizeof(path), "%s/sys/bus/pci/drivers/pciback", root);
		if ((r = mkdirs(path)) < 0 || (r = write_text(path, "do_flr", "%s", "")) < 0)
			return r;
	}
	for (unsigned i = 0; i < m->n; i++) {
		const struct simdev *d = m->devs[i];

		if (d->removed)
			continue;
		if ((r = device_dir(m, d, root, dir, sizeof(dir))) < 0 || (r = mkdirs(dir)) < 0)
			return r;
		if ((r = write_text(dir, "vendor", "0x%04x\n", d->spec.vendor)) < 0 ||
		    (r = write_text(dir, "device", "0x%04x\n", d->spec.device)) < 0 ||
		    (r = write_text(dir, "subsystem_vendor", "0x%04x\n", d->spec.subsys_vendor)) <
			0 ||
		    (r = write_text(dir, "subsystem_device", "0x%04x\n", d->spec.subsys_device)) <
			0 ||
		    (r = write_text(dir, "class", "0x%06x\n", d->spec.class_code)) < 0 ||
		    (r = write_text(dir, "revision", "0x%02x\n", d->spec.revision)) < 0 ||
		    (r = write_bytes(dir, "config", d->cfg, d->size)) < 0)
			return r;
		if (d->spec.kernel_reset && (r = write_text(dir, "reset", "%s", "")) < 0)
			return r;
		if (d->has_reset_method &&
		    (r = write_text(dir, "reset_method", "%s\n", d->reset_method)) < 0)
			return r;
		if (d->driver[0]) {
			snprintf(path, sizeof(path), "%s/sys/bus/pci/drivers/%s", root, d->driver);
			if ((r = mkdirs(path)) < 0)
				return r;
			snprintf(path, sizeof(path), "%s/driver", dir);
			snprintf(target, sizeof(target), "%s/sys/bus/pci/drivers/%s", root,
				 d->driver);
			if (symlink(target, path) < 0 && errno != EEXIST)
				return -errno;
		}
		if (d->spec.has_iommu_group) {
			snprintf(target, sizeof(target), "%s/sys/kernel/iommu_groups/%d", root,
				 d->spec.iommu_group);
			if ((r = mkdirs(target)) < 0)
				return r;
			snprintf(path, sizeof(path), "%s/iommu_group", dir);
			if (symlink(target, path) < 0 && errno != EEXIST)
				return -errno;
		}
		if (d->spec.pf &&
		    ((r = write_text(dir, "sriov_totalvfs", "%u\n",
				     d->spec.total_vfs ? d->spec.total_vfs : 7)) < 0 ||
		     (r = write_text(dir, "sriov_numvfs", "%u\n", simdev_num_vfs(d))) < 0))
			return r;
		if ((r = export_power(d, dir)) < 0)
			return r;
		if (d->spec.vf && d->spec.physfn) {
			snprintf(path, sizeof(path), "%s/physfn", dir);
			snprintf(target, sizeof(target), "../%s", d->spec.physfn);
			if (symlink(target, path) < 0 && errno != EEXIST)
				return -errno;
		}
		snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s", root, d->name);
		if (symlink(dir, path) < 0 && errno != EEXIST)
			return -errno;
	}
	return 0;
}
