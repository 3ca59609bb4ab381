/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What each method would do on a function, found with the very checks the
 * engine runs before an attempt, on config space opened read-only: probing
 * never writes to a device.
 */
#include <stdio.h>

#include "attempt.h"
#include "sriov.h"

/* A switch without default: -Wswitch names a status added without a name. */
const char *probe_status_name(enum probe_status s)
{
	switch (s) {
	case PROBE_SUPPORTED:
		return "supported";
	case PROBE_UNSUPPORTED:
		return "unsupported";
	case PROBE_REFUSED:
		return "refused";
	case PROBE_ERROR:
		return "error";
	}
	return "invalid";
}

static void probe_method(struct pci_host *host, const struct pci_dev_info *info,
			 struct pci_cfg *cfg, struct probe_entry *e)
{
	struct attempt_fn fn = {.info = *info, .cfg = cfg};
	struct attempt a = {
	    .host = host,
	    .method = e->method,
	    .fns = &fn,
	    .n_fns = 1,
	    .writable = false,
	};
	struct why why = {""};
	int r;

	/* The method's own check first: "no FLR capability" says more than "bound to a driver". */
	r = method_ops_get(e->method.id)->check(&a, &why);
	if (r >= 0)
		r = safety_check(info, &e->method, &why);
	if (r >= 0)
		r = sriov_check_pf(host, info, NULL, NULL, &why);
	pci_cfg_free(a.bridge_cfg);
	e->status = r >= 0	       ? PROBE_SUPPORTED
		    : r == -EPERM      ? PROBE_REFUSED
		    : r == -EOPNOTSUPP ? PROBE_UNSUPPORTED
				       : PROBE_ERROR;
	if (r < 0 && r != -EPERM && r != -EOPNOTSUPP && !why.msg[0])
		snprintf(why.msg, sizeof(why.msg), "%s", strerror(-r));
	snprintf(e->why, sizeof(e->why), "%s", r >= 0 ? "" : why.msg);
}

int reset_probe(struct pci_host *host, const struct pcirst_sbdf *sbdf, struct probe_result *out)
{
	_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
	struct why why = {""};
	int r;

	*out = (struct probe_result){0};
	r = pci_host_info(host, sbdf, &out->info, &why);
	if (r >= 0)
		r = pci_host_cfg_open(host, sbdf, false, &cfg, &why);
	if (r < 0) {
		snprintf(out->error, sizeof(out->error), "%s", why.msg[0] ? why.msg : strerror(-r));
		return r;
	}
	if (pci_host_attr_read(host, sbdf, "reset_method", out->kernel_reset_methods,
			       sizeof(out->kernel_reset_methods)) < 0)
		out->kernel_reset_methods[0] = '\0';
	if (out->info.is_pf) {
		_cleanup_(freep) struct pcirst_sbdf *vfs = NULL;

		if (sriov_list_vfs(host, sbdf, &vfs, &out->n_vfs) >= 0)
			memcpy(out->vfs, vfs,
			       (out->n_vfs < PROBE_MAX_VFS ? out->n_vfs : PROBE_MAX_VFS) *
				   sizeof(*vfs));
	}
	for (unsigned i = 0; i < _RESET_METHOD_MAX; i++) {
		out->methods[i].method = (struct reset_method_spec){.id = (enum reset_method_id)i};
		probe_method(host, &out->info, cfg, &out->methods[i]);
	}
	return 0;
}
