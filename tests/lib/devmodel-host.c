/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The device model as a struct pci_host, its lifecycle and its access log. */
#include <stdio.h>

#include "devmodel-internal.h"
#include "pci-regs.h"

struct devmodel *devmodel_new(void)
{
	return calloc(1, sizeof(struct devmodel));
}

void devmodel_free(struct devmodel *m)
{
	if (!m)
		return;
	pci_host_free(m->host);
	for (unsigned i = 0; i < m->n; i++)
		simdev_free(m->devs[i]);
	free(m->devs);
	free(m->log);
	free(m);
}

struct simdev *devmodel_find_sbdf(struct devmodel *m, const struct pcirst_sbdf *sbdf)
{
	for (unsigned i = 0; i < m->n; i++)
		if (pcirst_sbdf_cmp(&m->devs[i]->sbdf, sbdf) == 0)
			return m->devs[i];
	return NULL;
}

struct simdev *devmodel_find(struct devmodel *m, const char *sbdf)
{
	struct pcirst_sbdf s;

	if (pcirst_sbdf_parse(sbdf, &s) < 0)
		return NULL;
	return devmodel_find_sbdf(m, &s);
}

static struct simdev *present(struct devmodel *m, const struct pcirst_sbdf *sbdf)
{
	struct simdev *d = devmodel_find_sbdf(m, sbdf);

	return d && !d->removed ? d : NULL;
}

void devmodel_log_access(struct devmodel *m, const struct simdev *d, unsigned off, unsigned len,
			 bool write, const uint8_t *buf)
{
	struct devmodel_access *a;

	if (m->n_log == m->cap_log) {
		unsigned cap = m->cap_log ? m->cap_log * 2 : 256;
		struct devmodel_access *v = reallocarray(m->log, cap, sizeof(*v));

		if (!v)
			abort();
		m->log = v;
		m->cap_log = cap;
	}
	a = &m->log[m->n_log++];
	*a = (struct devmodel_access){
	    .w = {.sbdf = d->sbdf, .off = off, .width = len, .at = now_usec()},
	    .write = write,
	};
	for (unsigned i = 0; write && i < len && i < 4; i++)
		a->w.value |= (uint32_t)buf[i] << (8 * i);
}

static int model_list(void *ud, struct pcirst_sbdf **out, unsigned *n)
{
	struct devmodel *m = ud;
	struct pcirst_sbdf *v = calloc(m->n ? m->n : 1, sizeof(*v));
	unsigned k = 0;

	if (!v)
		return -ENOMEM;
	for (unsigned i = 0; i < m->n; i++)
		if (!m->devs[i]->removed)
			v[k++] = m->devs[i]->sbdf;
	/* Insertion sort: models are small. */
	for (unsigned i = 1; i < k; i++)
		for (unsigned j = i; j > 0 && pcirst_sbdf_cmp(&v[j - 1], &v[j]) > 0; j--) {
			struct pcirst_sbdf t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	*out = v;
	*n = k;
	return 0;
}

static int model_info(void *ud, const struct pcirst_sbdf *sbdf, struct pci_dev_info *out,
		      struct why *why)
{
	char s[PCIRST_SBDF_STRLEN];
	struct simdev *d = present(ud, sbdf);

	if (!d)
		return why_err(why, -ENODEV, "%s: no such device", pcirst_sbdf_format(sbdf, s));
	*out = (struct pci_dev_info){
	    .sbdf = d->sbdf,
	    .vendor = d->spec.vendor,
	    .device = d->spec.device,
	    .subsys_vendor = d->spec.subsys_vendor,
	    .subsys_device = d->spec.subsys_device,
	    .class_code = d->spec.class_code,
	    .revision = d->spec.revision,
	    .header_type = d->spec.bridge ? PCI_HEADER_TYPE_BRIDGE : 0,
	    .multifunction = d->spec.multifunction,
	    .is_bridge = d->spec.bridge,
	    .driver_kind = pci_driver_kind_from_name(d->driver),
	    .iommu_group = d->spec.has_iommu_group ? d->spec.iommu_group : -1,
	    .has_parent = d->spec.parent != NULL,
	    .parent = d->parent,
	    .is_vf = d->spec.vf,
	    .physfn = d->physfn,
	    .is_pf = d->spec.pf,
	    .num_vfs = simdev_num_vfs(d),
	};
	snprintf(out->driver, sizeof(out->driver), "%s", d->driver);
	return 0;
}

struct model_cfg {
	struct devmodel *m;
	struct pcirst_sbdf sbdf;
};

static ssize_t mcfg_read(void *ud, unsigned off, void *buf, size_t len)
{
	struct model_cfg *c = ud;
	struct simdev *d = devmodel_find_sbdf(c->m, &c->sbdf);

	return d ? simdev_cfg_read(d, off, buf, (unsigned)len) : -ENODEV;
}

static ssize_t mcfg_write(void *ud, unsigned off, const void *buf, size_t len)
{
	struct model_cfg *c = ud;
	struct simdev *d = devmodel_find_sbdf(c->m, &c->sbdf);

	return d ? simdev_cfg_write(d, off, buf, (unsigned)len) : -ENODEV;
}

static const struct pci_cfg_ops mcfg_ops = {
    .read = mcfg_read,
    .write = mcfg_write,
    .free = free,
};

static int model_cfg_open(void *ud, const struct pcirst_sbdf *sbdf, bool writable,
			  struct pci_cfg **out, struct why *why)
{
	char s[PCIRST_SBDF_STRLEN];
	struct simdev *d = present(ud, sbdf);
	struct model_cfg *c;

	if (!d)
		return why_err(why, -ENODEV, "%s: no such device", pcirst_sbdf_format(sbdf, s));
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->m = ud;
	c->sbdf = *sbdf;
	return pci_cfg_new(&mcfg_ops, c, d->size, out);
}

static int model_attr_read(void *ud, const struct pcirst_sbdf *sbdf, const char *name, char *buf,
			   unsigned size)
{
	struct simdev *d = present(ud, sbdf);

	if (!d)
		return -ENODEV;
	if (streq(name, "reset") && d->spec.kernel_reset) {
		snprintf(buf, size, "%s", "");
		return 0;
	}
	if (streq(name, "reset_method") && d->has_reset_method) {
		snprintf(buf, size, "%s", d->reset_method);
		return 0;
	}
	return simdev_power_attr_read(d, name, buf, size);
}

static bool word_in(const char *list, const char *word, size_t len)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " ");

		if (n == len && strncmp(p, word, len) == 0)
			return true;
		p += n;
		p += strspn(p, " ");
	}
	return false;
}

static int set_reset_method(struct simdev *d, const char *value)
{
	if (streq(value, "default")) {
		snprintf(d->reset_method, sizeof(d->reset_method), "%s", d->reset_method_orig);
		return 0;
	}
	/* Linux 5.15+: every listed method must be one the function supports. */
	for (const char *p = value; *p;) {
		size_t n = strcspn(p, " ");

		if (n && !word_in(d->reset_method_orig, p, n))
			return -EINVAL;
		p += n;
		p += strspn(p, " ");
	}
	snprintf(d->reset_method, sizeof(d->reset_method), "%s", value);
	return 0;
}

static int model_attr_write(void *ud, const struct pcirst_sbdf *sbdf, const char *name,
			    const char *value)
{
	struct simdev *d = present(ud, sbdf);

	if (!d)
		return -ENODEV;
	if (streq(name, "reset_method") && d->has_reset_method)
		return set_reset_method(d, value);
	if (streq(name, "reset") && d->spec.kernel_reset) {
		if (!streq(value, "1"))
			return -EINVAL;
		d->kernel_reset_count++;
		snprintf(d->kernel_reset_with, sizeof(d->kernel_reset_with), "%s", d->reset_method);
		if (d->b.kernel_reset_errno)
			return -d->b.kernel_reset_errno;
		simdev_kernel_reset(d);
		return 0;
	}
	return simdev_power_attr_write(d, name, value);
}

static bool model_driver_attr_exists(void *ud, const char *driver, const char *name)
{
	struct devmodel *m = ud;

	return m->do_flr && streq(driver, "pciback") && streq(name, "do_flr");
}

static int model_driver_attr_write(void *ud, const char *driver, const char *name,
				   const char *value)
{
	struct devmodel *m = ud;
	struct pcirst_sbdf s;
	struct simdev *d;

	if (!model_driver_attr_exists(ud, driver, name))
		return -ENOENT;
	if (pcirst_sbdf_parse(value, &s) < 0 || !(d = present(m, &s)) ||
	    !streq(d->driver, "pciback"))
		return -EINVAL;
	simdev_kernel_reset(d); /* pciback resets through pci_reset_function() too */
	return 0;
}

static const struct pci_host_ops model_ops = {
    .list = model_list,
    .info = model_info,
    .cfg_open = model_cfg_open,
    .attr_read = model_attr_read,
    .attr_write = model_attr_write,
    .driver_attr_exists = model_driver_attr_exists,
    .driver_attr_write = model_driver_attr_write,
    .free = NULL, /* the model owns itself */
};

struct pci_host *devmodel_host(struct devmodel *m)
{
	if (!m->host && pci_host_new(&model_ops, m, &m->host) < 0)
		abort();
	return m->host;
}

void devmodel_remove(struct simdev *d)
{
	d->removed = true;
}

void devmodel_set_do_flr(struct devmodel *m, bool exists)
{
	m->do_flr = exists;
}

struct simdev_behaviour *simdev_behaviour(struct simdev *d)
{
	return &d->b;
}

uint8_t *simdev_cfg(struct simdev *d)
{
	return d->cfg;
}

void simdev_set_cfg_size(struct simdev *d, unsigned size)
{
	d->size = size;
}

void simdev_set_driver(struct simdev *d, const char *driver)
{
	snprintf(d->driver, sizeof(d->driver), "%s", driver ? driver : "");
}

unsigned simdev_reset_count(const struct simdev *d)
{
	return d->reset_count;
}

unsigned simdev_kernel_reset_count(const struct simdev *d)
{
	return d->kernel_reset_count;
}

const char *simdev_reset_method(const struct simdev *d)
{
	return d->reset_method;
}

const char *simdev_kernel_reset_with(const struct simdev *d)
{
	return d->kernel_reset_with;
}

usec_t simdev_sbr_asserted_at(const struct simdev *d)
{
	return d->sbr_asserted_at;
}

usec_t simdev_sbr_deasserted_at(const struct simdev *d)
{
	return d->sbr_deasserted_at;
}

usec_t simdev_reset_at(const struct simdev *d)
{
	return d->reset_at;
}

unsigned devmodel_log_count(const struct devmodel *m)
{
	unsigned n = 0;

	for (unsigned i = 0; i < m->n_log; i++)
		n += m->log[i].write;
	return n;
}

unsigned devmodel_read_count(const struct devmodel *m, const char *sbdf)
{
	struct pcirst_sbdf s;
	unsigned n = 0;

	if (pcirst_sbdf_parse(sbdf, &s) < 0)
		return 0;
	for (unsigned i = 0; i < m->n_log; i++)
		n += !m->log[i].write && pcirst_sbdf_cmp(&m->log[i].w.sbdf, &s) == 0;
	return n;
}

const struct devmodel_write *devmodel_log_get(const struct devmodel *m, unsigned i)
{
	for (unsigned k = 0; k < m->n_log; k++)
		if (m->log[k].write && i-- == 0)
			return &m->log[k].w;
	return NULL;
}

int devmodel_log_find(const struct devmodel *m, const char *sbdf, unsigned off)
{
	struct pcirst_sbdf s;
	int found = -1, idx = 0;

	if (pcirst_sbdf_parse(sbdf, &s) < 0)
		return -1;
	for (unsigned k = 0; k < m->n_log; k++) {
		const struct devmodel_access *a = &m->log[k];

		if (!a->write)
			continue;
		if (pcirst_sbdf_cmp(&a->w.sbdf, &s) == 0 && a->w.off <= off &&
		    off < a->w.off + a->w.width)
			found = idx;
		idx++;
	}
	return found;
}

usec_t devmodel_first_access_after(const struct devmodel *m, const char *sbdf, usec_t after)
{
	struct pcirst_sbdf s;

	if (pcirst_sbdf_parse(sbdf, &s) < 0)
		return 0;
	for (unsigned k = 0; k < m->n_log; k++)
		if (m->log[k].w.at > after && pcirst_sbdf_cmp(&m->log[k].w.sbdf, &s) == 0)
			return m->log[k].w.at;
	return 0;
}

void devmodel_log_clear(struct devmodel *m)
{
	m->n_log = 0;
}
