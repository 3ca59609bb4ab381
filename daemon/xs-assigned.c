/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>

#include "util.h"
#include "xs-assigned.h"

/* Bounds against a store filled by a confused toolstack: the list is advisory, not a loop. */
#define MAX_ASSIGNED 1024

static int add(struct pcirst_sbdf **v, unsigned *n, const struct pcirst_sbdf *s)
{
	struct pcirst_sbdf *nv;

	if (*n >= MAX_ASSIGNED)
		return 0;
	nv = reallocarray(*v, *n + 1, sizeof(**v));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	(*v)[(*n)++] = *s;
	return 0;
}

static int scan_device(struct xs_handle *h, const char *dir, struct pcirst_sbdf **v, unsigned *n)
{
	unsigned n_names = 0;
	char **names = xs_directory(h, XBT_NULL, dir, &n_names);
	int r = 0;

	for (unsigned i = 0; names && i < n_names && r >= 0; i++) {
		char path[256];
		unsigned len = 0;
		char *value;
		struct pcirst_sbdf s;

		if (strncmp(names[i], "dev-", 4) != 0 ||
		    snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= (int)sizeof(path))
			continue;
		value = xs_read(h, XBT_NULL, path, &len);
		if (value && pcirst_sbdf_parse(value, &s) >= 0)
			r = add(v, n, &s);
		free(value);
	}
	free(names);
	return r;
}

int xs_assigned_pci(struct xs_handle *h, struct pcirst_sbdf **out, unsigned *n)
{
	_cleanup_(freep) struct pcirst_sbdf *v = NULL;
	unsigned n_domains = 0, count = 0;
	char **domains;
	int r = 0;

	if (!h)
		return -ENOTCONN;
	domains = xs_directory(h, XBT_NULL, XS_PCI_BACKEND, &n_domains);
	for (unsigned i = 0; domains && i < n_domains && r >= 0; i++) {
		char dir[256];
		unsigned n_devs = 0;
		char **devs;

		snprintf(dir, sizeof(dir), "%s/%s", XS_PCI_BACKEND, domains[i]);
		devs = xs_directory(h, XBT_NULL, dir, &n_devs);
		for (unsigned j = 0; devs && j < n_devs && r >= 0; j++) {
			char dev[256];

			if (snprintf(dev, sizeof(dev), "%s/%s", dir, devs[j]) < (int)sizeof(dev))
				r = scan_device(h, dev, &v, &count);
		}
		free(devs);
	}
	free(domains);
	if (r < 0)
		return r;
	*out = v;
	v = NULL;
	*n = count;
	return 0;
}
