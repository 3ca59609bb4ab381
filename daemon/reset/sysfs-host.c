/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sysfs adapter: the only code that reads /sys/bus/pci. Every path is
 * built below a root directory ("/" on a real machine, a fake tree in
 * tests), so no test ever touches this machine's devices.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "capwalk.h"
#include "pci-regs.h"
#include "sysfs-internal.h"

int sysfs_dev_path(const struct sysfs_host *h, const struct pcirst_sbdf *sbdf, const char *attr,
		   char *buf, size_t size)
{
	char s[PCIRST_SBDF_STRLEN];
	int n;

	n = snprintf(buf, size, "%s/sys/bus/pci/devices/%s%s%s", h->root,
		     pcirst_sbdf_format(sbdf, s), attr ? "/" : "", attr ? attr : "");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static bool name_safe(const char *name)
{
	return name[0] && !strchr(name, '/') && !streq(name, ".") && !streq(name, "..");
}

/* A device attribute: one safe name, or one of the runtime PM attributes (power.h). */
static bool attr_name_safe(const char *name)
{
	return name_safe(name) || streq(name, "power/control") ||
	       streq(name, "power/runtime_status");
}

static int sbdf_qsort_cmp(const void *a, const void *b)
{
	return pcirst_sbdf_cmp(a, b);
}

static int sysfs_list(void *ud, struct pcirst_sbdf **out, unsigned *n)
{
	struct sysfs_host *h = ud;
	_cleanup_(freep) struct pcirst_sbdf *v = NULL;
	unsigned count = 0, cap = 0;
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices", h->root);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct pcirst_sbdf s;

		if (pcirst_sbdf_parse(de->d_name, &s) < 0)
			continue;
		if (count == cap) {
			struct pcirst_sbdf *nv;

			cap = cap ? cap * 2 : 32;
			nv = reallocarray(v, cap, sizeof(*v));
			if (!nv) {
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[count++] = s;
	}
	closedir(d);
	if (count)
		qsort(v, count, sizeof(*v), sbdf_qsort_cmp);
	*out = v ? v : calloc(1, sizeof(**out));
	v = NULL;
	if (!*out)
		return -ENOMEM;
	*n = count;
	return 0;
}

int sysfs_read_file(const char *path, char *buf, unsigned size)
{
	int fd, r;
	ssize_t n;

	if (size == 0)
		return -EINVAL;
	/* Non-blocking: the event loop's thread reads here, and nothing in sysfs should make it
	 * wait (a FIFO in a test tree, a file that is not an attribute). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int write_file(const char *path, const char *value)
{
	size_t len = strlen(value);
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* One write(): sysfs takes each write as one whole value. */
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	if (close(fd) < 0 && r == 0 && errno != EINTR)
		r = -errno;
	return r;
}

/* The last path component of a symlink's target ("../../../bus/pci/drivers/pciback" -> "pciback").
 */
static int link_basename(const char *path, char *buf, size_t size)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= size)
		return -ENAMETOOLONG;
	memcpy(buf, base, strlen(base) + 1);
	return 0;
}

/*
 * The functions above a device, nearest first, from its link in
 * /sys/bus/pci/devices (one readlink: "../../../devices/pci0000:00/
 * 0000:00:1c.0/0000:0c:00.0"): the path components just before the device's
 * own that are functions, up to the first that is not (the host bridge's
 * "pci0000:00", a VMD domain). -EINVAL when the entry is not such a link.
 */
static int sysfs_ancestors(void *ud, const struct pcirst_sbdf *sbdf, struct pcirst_sbdf *out,
			   unsigned max, unsigned *n)
{
	struct sysfs_host *h = ud;
	char path[PATH_MAX], target[PATH_MAX], *slash;
	struct pcirst_sbdf self;
	ssize_t len;
	int r;

	*n = 0;
	r = sysfs_dev_path(h, sbdf, NULL, path, sizeof(path));
	if (r < 0)
		return r;
	len = readlink(path, target, sizeof(target) - 1);
	if (len < 0)
		return -errno;
	target[len] = '\0';
	slash = strrchr(target, '/');
	if (!slash || pcirst_sbdf_parse(slash + 1, &self) < 0 || pcirst_sbdf_cmp(&self, sbdf) != 0)
		return -EINVAL;
	for (;;) {
		struct pcirst_sbdf up;
		char *prev;

		*slash = '\0';
		prev = strrchr(target, '/');
		if (pcirst_sbdf_parse(prev ? prev + 1 : target, &up) < 0)
			return 0;
		if (*n == max)
			return -E2BIG;
		out[(*n)++] = up;
		if (!prev)
			return 0;
		slash = prev;
	}
}

int sysfs_cfg_open(void *ud, const struct pcirst_sbdf *sbdf, bool writable, struct pci_cfg **out,
		   struct why *why)
{
	struct sysfs_host *h = ud;
	char path[PATH_MAX], s[PCIRST_SBDF_STRLEN];
	int r;

	r = sysfs_dev_path(h, sbdf, "config", path, sizeof(path));
	if (r < 0)
		return why_err(why, r, "%s: path too long", pcirst_sbdf_format(sbdf, s));
	r = pci_cfg_open_file(path, writable, out);
	if (r == -ENOENT)
		return why_err(why, -ENODEV, "%s: no such device (%s)", pcirst_sbdf_format(sbdf, s),
			       path);
	if (r < 0)
		return why_err(why, r, "%s: cannot open %s: %s", pcirst_sbdf_format(sbdf, s), path,
			       strerror(-r));
	return 0;
}

static int sysfs_info_ids(void *ud, const struct pcirst_sbdf *sbdf, struct pci_dev_info *out,
			  bool ids_wanted, struct pci_cfg *cfg, struct pci_cfg **keep,
			  struct why *why)
{
	struct sysfs_host *h = ud;
	struct pci_dev_info info = {.sbdf = *sbdf, .iommu_group = -1};
	char path[PATH_MAX], real[PATH_MAX], name[PCI_DRIVER_NAME_MAX], s[PCIRST_SBDF_STRLEN];
	struct pcirst_sbdf up[1];
	struct stat dir;
	bool have_dir = false, missing_ids = false;
	unsigned n_up;
	unsigned long v;
	char *slash;
	int r;

	r = sysfs_dev_path(h, sbdf, NULL, path, sizeof(path));
	if (r < 0)
		return why_err(why, r, "%s: path too long", pcirst_sbdf_format(sbdf, s));
	/* The parent from the link in one readlink; realpath (a call per component) otherwise. */
	n_up = 0;
	r = sysfs_ancestors(h, sbdf, up, 1, &n_up);
	/* A link left dangling by a removal; the directory's stat keys the identity (sysfs-ids.c).
	 */
	if (r >= 0 || r == -E2BIG) {
		have_dir = stat(path, &dir) >= 0;
		if (!have_dir)
			r = -errno;
	}
	if (r == -ENOENT)
		return why_err(why, -ENODEV, "%s: no such device (%s)", pcirst_sbdf_format(sbdf, s),
			       path);
	if (r >= 0 || r == -E2BIG) {
		info.has_parent = n_up == 1;
		if (info.has_parent)
			info.parent = up[0];
	} else if (!realpath(path, real)) {
		return why_err(why, errno == ENOENT ? -ENODEV : -errno, "%s: no such device (%s)",
			       pcirst_sbdf_format(sbdf, s), path);
	} else {
		/* The parent bridge is the directory the device's directory sits in, if a function.
		 */
		slash = strrchr(real, '/');
		if (slash) {
			*slash = '\0';
			slash = strrchr(real, '/');
			if (slash && pcirst_sbdf_parse(slash + 1, &info.parent) >= 0)
				info.has_parent = true;
		}
	}
	if (ids_wanted)
		missing_ids = sysfs_ids_read(h, &info, have_dir ? &dir : NULL);
	sysfs_info_from_config(h, &info, missing_ids, cfg, keep);

	if (sysfs_dev_path(h, sbdf, "driver", path, sizeof(path)) >= 0 &&
	    link_basename(path, name, sizeof(name)) >= 0)
		snprintf(info.driver, sizeof(info.driver), "%s", name);
	info.driver_kind = pci_driver_kind_from_name(info.driver);
	if (sysfs_dev_path(h, sbdf, "iommu_group", path, sizeof(path)) >= 0 &&
	    link_basename(path, name, sizeof(name)) >= 0) {
		char *end;

		errno = 0;
		v = strtoul(name, &end, 10);
		if (!errno && end != name && !*end && v <= INT_MAX)
			info.iommu_group = (int)v;
	}
	if (sysfs_dev_path(h, sbdf, "physfn", path, sizeof(path)) >= 0 &&
	    link_basename(path, name, sizeof(name)) >= 0 &&
	    pcirst_sbdf_parse(name, &info.physfn) >= 0)
		info.is_vf = true;
	if (ids_wanted && info.is_vf &&
	    (missing_ids || info.vendor == 0xffff || info.device == 0xffff))
		sysfs_vf_ids_from_pf(h, &info);
	if (sysfs_dev_path(h, sbdf, "sriov_totalvfs", path, sizeof(path)) >= 0 &&
	    access(path, F_OK) == 0) {
		char buf[32];

		info.is_pf = true;
		if (sysfs_dev_path(h, sbdf, "sriov_numvfs", path, sizeof(path)) >= 0 &&
		    sysfs_read_file(path, buf, sizeof(buf)) >= 0)
			info.num_vfs = (unsigned)strtoul(buf, NULL, 10);
	}
	*out = info;
	return 0;
}

static int sysfs_info(void *ud, const struct pcirst_sbdf *sbdf, struct pci_dev_info *out,
		      struct why *why)
{
	return sysfs_info_ids(ud, sbdf, out, true, NULL, NULL, why);
}

static int sysfs_info_keep_cfg(void *ud, const struct pcirst_sbdf *sbdf, struct pci_dev_info *out,
			       struct pci_cfg **cfg, struct why *why)
{
	return sysfs_info_ids(ud, sbdf, out, true, NULL, cfg, why);
}

static int sysfs_info_brief(void *ud, const struct pcirst_sbdf *sbdf, struct pci_dev_info *out,
			    struct why *why)
{
	return sysfs_info_ids(ud, sbdf, out, false, NULL, NULL, why);
}

static int sysfs_info_brief_cfg(void *ud, const struct pcirst_sbdf *sbdf, struct pci_cfg *cfg,
				struct pci_dev_info *out, struct why *why)
{
	return sysfs_info_ids(ud, sbdf, out, false, cfg, NULL, why);
}

static int sysfs_attr_read(void *ud, const struct pcirst_sbdf *sbdf, const char *name, char *buf,
			   unsigned size)
{
	char path[PATH_MAX];
	int r;

	if (!attr_name_safe(name))
		return -EINVAL;
	r = sysfs_dev_path(ud, sbdf, name, path, sizeof(path));
	return r < 0 ? r : sysfs_read_file(path, buf, size);
}

static int sysfs_attr_write(void *ud, const struct pcirst_sbdf *sbdf, const char *name,
			    const char *value)
{
	char path[PATH_MAX];
	int r;

	if (!attr_name_safe(name))
		return -EINVAL;
	r = sysfs_dev_path(ud, sbdf, name, path, sizeof(path));
	return r < 0 ? r : write_file(path, value);
}

static int driver_path(const struct sysfs_host *h, const char *driver, const char *name, char *buf,
		       size_t size)
{
	int n;

	if (!name_safe(driver) || !name_safe(name))
		return -EINVAL;
	n = snprintf(buf, size, "%s/sys/bus/pci/drivers/%s/%s", h->root, driver, name);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static bool sysfs_driver_attr_exists(void *ud, const char *driver, const char *name)
{
	char path[PATH_MAX];

	return driver_path(ud, driver, name, path, sizeof(path)) >= 0 && access(path, F_OK) == 0;
}

static int sysfs_driver_attr_write(void *ud, const char *driver, const char *name,
				   const char *value)
{
	char path[PATH_MAX];
	int r = driver_path(ud, driver, name, path, sizeof(path));

	return r < 0 ? r : write_file(path, value);
}

static void sysfs_free(void *ud)
{
	struct sysfs_host *h = ud;

	free(h->root);
	free(h);
}

static const struct pci_host_ops sysfs_ops = {
    .list = sysfs_list,
    .info = sysfs_info,
    .info_brief = sysfs_info_brief,
    .info_brief_cfg = sysfs_info_brief_cfg,
    .info_keep_cfg = sysfs_info_keep_cfg,
    .cfg_open = sysfs_cfg_open,
    .attr_read = sysfs_attr_read,
    .attr_write = sysfs_attr_write,
    .driver_attr_exists = sysfs_driver_attr_exists,
    .driver_attr_write = sysfs_driver_attr_write,
    .ancestors = sysfs_ancestors,
    .free = sysfs_free,
};

int sysfs_host_new(const char *root, struct pci_host **out)
{
	struct sysfs_host *h;
	size_t len;

	if (!root || !root[0])
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->root = strdup(root);
	if (!h->root) {
		free(h);
		return -ENOMEM;
	}
	/* "/" and "/tmp/x/" both become a prefix without a trailing slash. */
	len = strlen(h->root);
	while (len > 0 && h->root[len - 1] == '/')
		h->root[--len] = '\0';
	return pci_host_new(&sysfs_ops, h, out);
}
