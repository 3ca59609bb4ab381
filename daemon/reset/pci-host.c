/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pci-host.h"

int pci_host_new(const struct pci_host_ops *ops, void *ud, struct pci_host **out)
{
	struct pci_host *h = calloc(1, sizeof(*h));

	if (!h) {
		if (ops->free)
			ops->free(ud);
		return -ENOMEM;
	}
	h->ops = ops;
	h->ud = ud;
	*out = h;
	return 0;
}

void pci_host_free(struct pci_host *host)
{
	if (!host)
		return;
	if (host->ops->free)
		host->ops->free(host->ud);
	free(host);
}

int pci_host_list(struct pci_host *host, struct pcirst_sbdf **out, unsigned *n)
{
	return host->ops->list(host->ud, out, n);
}

int pci_host_info(struct pci_host *host, const struct pcirst_sbdf *sbdf, struct pci_dev_info *out,
		  struct why *why)
{
	return host->ops->info(host->ud, sbdf, out, why);
}

int pci_host_info_keep_cfg(struct pci_host *host, const struct pcirst_sbdf *sbdf,
			   struct pci_dev_info *out, struct pci_cfg **cfg, struct why *why)
{
	*cfg = NULL;
	if (host->ops->info_keep_cfg)
		return host->ops->info_keep_cfg(host->ud, sbdf, out, cfg, why);
	return host->ops->info(host->ud, sbdf, out, why);
}

int pci_host_info_brief(struct pci_host *host, const struct pcirst_sbdf *sbdf,
			struct pci_dev_info *out, struct why *why)
{
	if (host->ops->info_brief)
		return host->ops->info_brief(host->ud, sbdf, out, why);
	return host->ops->info(host->ud, sbdf, out, why);
}

int pci_host_info_brief_cfg(struct pci_host *host, const struct pcirst_sbdf *sbdf,
			    struct pci_cfg *cfg, struct pci_dev_info *out, struct why *why)
{
	if (host->ops->info_brief_cfg)
		return host->ops->info_brief_cfg(host->ud, sbdf, cfg, out, why);
	return pci_host_info_brief(host, sbdf, out, why);
}

int pci_host_cfg_open(struct pci_host *host, const struct pcirst_sbdf *sbdf, bool writable,
		      struct pci_cfg **out, struct why *why)
{
	return host->ops->cfg_open(host->ud, sbdf, writable, out, why);
}

int pci_host_attr_read(struct pci_host *host, const struct pcirst_sbdf *sbdf, const char *name,
		       char *buf, unsigned size)
{
	return host->ops->attr_read(host->ud, sbdf, name, buf, size);
}

int pci_host_attr_write(struct pci_host *host, const struct pcirst_sbdf *sbdf, const char *name,
			const char *value)
{
	return host->ops->attr_write(host->ud, sbdf, name, value);
}

/* Depth bound for parent chains: PCI has at most 256 buses, real trees are far shallower. */
#define MAX_DEPTH 64

int pci_host_subtree(struct pci_host *host, const struct pcirst_sbdf *bridge,
		     struct pcirst_sbdf **out, unsigned *n)
{
	_cleanup_(freep) struct pcirst_sbdf *all = NULL;
	struct pcirst_sbdf *sub;
	unsigned n_all, n_sub = 0;
	int r;

	r = pci_host_list(host, &all, &n_all);
	if (r < 0)
		return r;
	sub = calloc(n_all ? n_all : 1, sizeof(*sub));
	if (!sub)
		return -ENOMEM;
	for (unsigned i = 0; i < n_all; i++) {
		struct pci_dev_info info;
		struct pcirst_sbdf cur = all[i], up[MAX_DEPTH];
		unsigned depth, n_up;

		/* One look per function where the host can (sysfs: one readlink), not an info() per
		 * level. */
		if (host->ops->ancestors &&
		    host->ops->ancestors(host->ud, &all[i], up, MAX_DEPTH, &n_up) >= 0) {
			for (unsigned k = 0; k < n_up; k++)
				if (pcirst_sbdf_cmp(&up[k], bridge) == 0) {
					sub[n_sub++] = all[i];
					break;
				}
			continue;
		}

		for (depth = 0; depth < MAX_DEPTH; depth++) {
			if (pci_host_info_brief(host, &cur, &info, NULL) < 0 || !info.has_parent)
				break;
			if (pcirst_sbdf_cmp(&info.parent, bridge) == 0) {
				sub[n_sub++] = all[i];
				break;
			}
			cur = info.parent;
		}
		if (depth == MAX_DEPTH) {
			free(sub);
			return -ELOOP;
		}
	}
	*out = sub;
	*n = n_sub;
	return 0;
}
