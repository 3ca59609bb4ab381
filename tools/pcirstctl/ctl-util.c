/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "ctl-util.h"

int ctl_parse_sbdfs(const char *cmd, int argc, char **argv, struct pcirst_sbdf **out)
{
	struct pcirst_sbdf *v = calloc(argc > 0 ? (size_t)argc : 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (int i = 0; i < argc; i++) {
		if (pcirst_sbdf_parse(argv[i], &v[i]) < 0) {
			fprintf(stderr,
				"pcirstctl %s: invalid PCI address '%s' (expected DDDD:BB:DD.F or "
				"BB:DD.F in hex, e.g. 0000:03:00.0)\n",
				cmd, argv[i]);
			free(v);
			return -EINVAL;
		}
	}
	*out = v;
	return 0;
}

int ctl_open_host(const char *cmd, const char *root, struct pci_host **out)
{
	int r = sysfs_host_new(root, out);

	if (r < 0)
		fprintf(stderr, "pcirstctl %s: cannot use sysfs root '%s': %s\n", cmd, root,
			strerror(-r));
	return r;
}
