/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcirst-xlstamp.so: preloaded into `xl` (LD_PRELOAD) by the dom0's attach
 * time case (tests/system/guest/xl-cases.sh, case 11), it splits a whole
 * `xl pci-attach` into the attach itself and the process around it, without
 * a tracer: CLOCK_MONOTONIC microseconds when the library is loaded, when
 * libxl_device_pci_add is entered and returns (xl calls it synchronously:
 * the ao is complete when it returns), and when xs_close (xl's teardown of
 * libxl's ctx: libxenstore's reader thread, if a watch started one, is
 * cancelled there) is entered and returns, and when the process exits.
 * Appended as one line "LABEL load pci_add_in pci_add_out xs_close_in
 * xs_close_out exit" to the file named by XLSTAMP_OUT at exit (0 for what
 * did not happen), by xl only (LABEL: XLSTAMP_LABEL).
 * Runs inside the QEMU guest only.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum {
	LOAD,
	PCI_IN,
	PCI_OUT,
	XS_IN,
	XS_OUT,
	N_STAMPS
};
static long long stamps[N_STAMPS];

static long long now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

__attribute__((constructor)) static void xlstamp_load(void)
{
	stamps[LOAD] = now_usec();
}

__attribute__((destructor)) static void xlstamp_exit(void)
{
	const char *out = getenv("XLSTAMP_OUT");
	const char *label = getenv("XLSTAMP_LABEL");
	FILE *f;

	if (!out || (!stamps[PCI_IN] && !stamps[XS_IN]))
		return; /* not xl (timeit, the shell) */
	f = fopen(out, "ae");
	if (!f)
		return;
	fprintf(f, "%s %lld %lld %lld %lld %lld %lld\n", label ? label : "-", stamps[LOAD],
		stamps[PCI_IN], stamps[PCI_OUT], stamps[XS_IN], stamps[XS_OUT], now_usec());
	fclose(f);
}

/* The real functions' signatures, with opaque pointers: nothing is read. */
typedef int pci_add_fn(void *ctx, uint32_t domid, void *pci, const void *ao_how);
typedef void xs_close_fn(void *h);

int libxl_device_pci_add(void *ctx, uint32_t domid, void *pci, const void *ao_how);
void xs_close(void *h);

int libxl_device_pci_add(void *ctx, uint32_t domid, void *pci, const void *ao_how)
{
	pci_add_fn *real = (pci_add_fn *)dlsym(RTLD_NEXT, "libxl_device_pci_add");
	int rc;

	if (!real)
		abort();
	stamps[PCI_IN] = now_usec();
	rc = real(ctx, domid, pci, ao_how);
	stamps[PCI_OUT] = now_usec();
	return rc;
}

void xs_close(void *h)
{
	xs_close_fn *real = (xs_close_fn *)dlsym(RTLD_NEXT, "xs_close");

	if (!real)
		abort();
	stamps[XS_IN] = now_usec();
	real(h);
	stamps[XS_OUT] = now_usec();
}
