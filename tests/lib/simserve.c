/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "simserve.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int simserve_start(char *root, size_t n, const char *template)
{
	const char *simtree = getenv("PCIRST_SIMTREE");
	char cmd[512];

	if (!simtree || snprintf(root, n, "%s", template) >= (int)n)
		return -EINVAL;
	if (!mkdtemp(root))
		return -errno;
	if (snprintf(cmd, sizeof(cmd), "%s --serve %s", simtree, root) >= (int)sizeof(cmd))
		return -ENAMETOOLONG;
	return system(cmd) == 0 ? 0 : -EIO;
}

int simserve_stop(const char *root)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "kill $(cat %s/simtree.pid 2>/dev/null) 2>/dev/null; rm -rf %s",
		 root, root);
	return system(cmd);
}
