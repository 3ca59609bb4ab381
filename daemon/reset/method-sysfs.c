/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Resets the kernel performs for us:
 *  - "kernel": the device's sysfs "reset" attribute (Linux picks a method
 *    from "reset_method"; "kernel:<m>" selects one first and puts the old
 *    list back afterwards);
 *  - "pciback": xen-pciback's driver attribute "do_flr", what libxl writes
 *    today, kept for parity.
 * Both writes block in the kernel for the whole reset: they are offloaded.
 * Just before either, an MSI marker is placed (effect-msi.c): the kernel
 * restores the header around its reset, so the marker is what shows whether
 * the reset happened; cleanup puts the saved MSI values back on failure.
 */
#include <stdio.h>

#include "attempt.h"

enum {
	SYS_SELECT,
	SYS_RESET,
	SYS_RESULT,
	SYS_DONE
};

static bool word_in_list(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += len)
		if ((p == list || p[-1] == ' ') && (p[len] == '\0' || p[len] == ' '))
			return true;
	return false;
}

/*
 * The write did not return by timing.kernel_timeout: the request is answered, the queue moves
 * on, and the thread is left in the kernel (offload.h). The function is left alone: the kernel
 * may still be resetting it, with config space locked.
 */
static int abandoned(struct attempt *a, const char *attr)
{
	return why_err(&a->why, -ETIMEDOUT,
		       "the write to %s did not return within %llu ms: abandoned, the kernel may "
		       "still be resetting the function (left as it is: not restored, no other "
		       "method tried)",
		       attr, (unsigned long long)(a->timing->kernel_timeout / USEC_PER_MSEC));
}

static int kernel_check(struct attempt *a, struct why *why)
{
	const struct pcirst_sbdf *sbdf = &a->fns[0].info.sbdf;
	char buf[128];
	int r;

	/* "reset" is write-only: any answer but ENOENT means it exists. */
	r = pci_host_attr_read(a->host, sbdf, "reset", buf, sizeof(buf));
	if (r == -ENOENT)
		return why_err(why, -EOPNOTSUPP, "the kernel offers no reset for this function");
	if (!a->method.kernel_method[0])
		return 0;
	r = pci_host_attr_read(a->host, sbdf, "reset_method", buf, sizeof(buf));
	if (r == -ENOENT)
		return why_err(why, -EOPNOTSUPP,
			       "the kernel has no reset_method attribute (Linux older than 5.15)");
	if (r < 0)
		return why_err(why, r, "reading reset_method failed: %s", strerror(-r));
	if (!word_in_list(buf, a->method.kernel_method))
		return why_err(
		    why, -EOPNOTSUPP,
		    "the kernel does not offer '%s' for this function (reset_method: %s)",
		    a->method.kernel_method, buf[0] ? buf : "empty");
	return 0;
}

static void kernel_restore_selection(struct attempt *a)
{
	const char *prev = a->kernel_prev[0] ? a->kernel_prev : "default";

	if (!a->kernel_selected)
		return;
	a->kernel_selected = false;
	(void)pci_host_attr_write(a->host, &a->fns[0].info.sbdf, "reset_method", prev);
}

static int kernel_step(struct attempt *a)
{
	const struct pcirst_sbdf *sbdf = &a->fns[0].info.sbdf;
	int r;

	switch (a->phase) {
	case SYS_SELECT:
		a->phase = SYS_RESET;
		if (!a->method.kernel_method[0])
			return STEP_AGAIN;
		attempt_step_begin(a, "select");
		r = pci_host_attr_read(a->host, sbdf, "reset_method", a->kernel_prev,
				       sizeof(a->kernel_prev));
		if (r >= 0)
			r = pci_host_attr_write(a->host, sbdf, "reset_method",
						a->method.kernel_method);
		if (r < 0)
			return why_err(&a->why, r, "selecting reset_method '%s' failed: %s",
				       a->method.kernel_method, strerror(-r));
		a->kernel_selected = true;
		return STEP_AGAIN;
	case SYS_RESET:
		attempt_step_begin(a, "kernel-reset");
		msi_marker_place(a->fns[0].cfg, &a->fns[0].msi);
		a->sysfs_write.host = a->host;
		a->sysfs_write.sbdf = *sbdf;
		a->sysfs_write.driver[0] = '\0';
		a->sysfs_write.name = "reset";
		snprintf(a->sysfs_write.value, sizeof(a->sysfs_write.value), "1");
		r = attempt_offload_sysfs_write(a);
		if (r < 0)
			return why_err(&a->why, r, "starting the kernel's reset failed: %s",
				       strerror(-r));
		a->phase = SYS_RESULT;
		return STEP_ASYNC;
	case SYS_RESULT:
		a->phase = SYS_DONE;
		if (a->kernel_abandoned)
			return abandoned(a, "reset");
		kernel_restore_selection(a);
		if (a->offload_result < 0)
			return why_err(&a->why, a->offload_result,
				       "the kernel's reset failed: %s (errno %d)",
				       strerror(-a->offload_result), -a->offload_result);
		return STEP_DONE;
	default:
		return STEP_DONE;
	}
}

static void kernel_cleanup(struct attempt *a)
{
	kernel_restore_selection(a);
	msi_marker_put_back(a->fns[0].cfg, &a->fns[0].msi);
}

static int pciback_check(struct attempt *a, struct why *why)
{
	const struct pci_dev_info *info = &a->fns[0].info;

	if (info->driver_kind != PCI_DRIVER_PCIBACK)
		return why_err(why, -EOPNOTSUPP, "not bound to pciback");
	if (!a->host->ops->driver_attr_exists(a->host->ud, info->driver, "do_flr"))
		return why_err(why, -EOPNOTSUPP, "this kernel's pciback has no do_flr attribute");
	return 0;
}

static int pciback_step(struct attempt *a)
{
	const struct pci_dev_info *info = &a->fns[0].info;
	int r;

	switch (a->phase) {
	case SYS_SELECT:
		attempt_step_begin(a, "do-flr");
		msi_marker_place(a->fns[0].cfg, &a->fns[0].msi);
		a->sysfs_write.host = a->host;
		a->sysfs_write.sbdf = info->sbdf;
		snprintf(a->sysfs_write.driver, sizeof(a->sysfs_write.driver), "%s", info->driver);
		a->sysfs_write.name = "do_flr";
		pcirst_sbdf_format(&info->sbdf, a->sysfs_write.value);
		r = attempt_offload_sysfs_write(a);
		if (r < 0)
			return why_err(&a->why, r, "starting do_flr failed: %s", strerror(-r));
		a->phase = SYS_RESULT;
		return STEP_ASYNC;
	case SYS_RESULT:
		a->phase = SYS_DONE;
		if (a->kernel_abandoned)
			return abandoned(a, "do_flr");
		if (a->offload_result < 0)
			return why_err(&a->why, a->offload_result, "pciback do_flr failed: %s",
				       strerror(-a->offload_result));
		return STEP_DONE;
	default:
		return STEP_DONE;
	}
}

static void pciback_cleanup(struct attempt *a)
{
	msi_marker_put_back(a->fns[0].cfg, &a->fns[0].msi);
}

const struct method_ops method_kernel_ops = {
    .id = RESET_KERNEL,
    .check = kernel_check,
    .step = kernel_step,
    .cleanup = kernel_cleanup,
};

const struct method_ops method_pciback_ops = {
    .id = RESET_PCIBACK,
    .check = pciback_check,
    .step = pciback_step,
    .cleanup = pciback_cleanup,
};
