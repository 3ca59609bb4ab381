/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "ctl-util.h"
#include "pcirstctl.h"

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

int ctl_add_policy_dir(const char *cmd, const char **dirs, unsigned *n, const char *dir)
{
	if (*n >= CTL_POLICY_DIRS_MAX) {
		fprintf(stderr, "pcirstctl %s: at most %d policy directories\n", cmd,
			CTL_POLICY_DIRS_MAX);
		return -E2BIG;
	}
	dirs[(*n)++] = dir;
	return 0;
}

int ctl_load_failure(int r)
{
	return r == -EINVAL ? CTL_EXIT_FAILED : CTL_EXIT_ENVIRONMENT;
}

int ctl_load_policy(const char *const *dirs, unsigned n_dirs, struct policy **out)
{
	struct policy_diags diags = {0};
	int r;

	if (n_dirs == 0) {
		dirs = policy_default_dirs;
		n_dirs = ELEMENTSOF(policy_default_dirs);
	}
	r = policy_load(dirs, n_dirs, NULL, 0, &diags, out);
	policy_diags_print(&diags, stderr);
	policy_diags_clear(&diags);
	return r;
}

void ctl_print_avoided(FILE *f, const struct policy_decision *d, const char *first,
		       const char *rest)
{
	bool any = false;

	for (unsigned i = 0; i < _RESET_METHOD_MAX; i++) {
		const struct policy_rule *r = d->avoided[i];

		if (!r)
			continue;
		fprintf(f, "%s%-8s %s:%u:%u  %s\n", any ? rest : first,
			reset_method_name((enum reset_method_id)i), r->file, r->avoid[i].line,
			r->avoid[i].col, r->avoid[i].reason);
		any = true;
	}
}
