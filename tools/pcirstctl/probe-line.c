/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcirstctl probe's default output: one line per function with its address,
 * ID, driver, the methods pcirstd could use, and one word for each method it
 * could not (method:unsupported, :refused, :avoided) or that this host saw
 * ineffective (:observed). Bridges and host bridges, which pcirstd never
 * resets as targets, are one line with their kind instead. "probe -v" gives
 * the reasons in full (cmd-probe.c).
 */
#include <string.h>

#include "probe-line.h"

/* PCI Code and ID Assignment r1.15 §1.7: base class 06, sub-class 00. */
#define CLASS_HOST_BRIDGE 0x0600

#define METHODS_WIDTH 18

void probe_line_header(FILE *f)
{
	fprintf(f, "%-12s  %-9s  %-10s  %-*s  %s\n", "DEVICE", "ID", "DRIVER", METHODS_WIDTH,
		"METHODS", "NOT USABLE");
}

static void append(char *buf, size_t size, const char *a, const char *b)
{
	size_t n = strlen(buf);

	snprintf(buf + n, size - n, "%s%s%s%s", n ? " " : "", a, b ? ":" : "", b ? b : "");
}

/* "[VF of PF] " or "[PF, VFs A B] ": the relations lead the words. */
static void print_sriov(const struct probe_result *p, FILE *f)
{
	char s[PCIRST_SBDF_STRLEN];
	unsigned n = p->n_vfs < PROBE_MAX_VFS ? p->n_vfs : PROBE_MAX_VFS;

	if (p->info.is_vf)
		fprintf(f, "[VF of %s] ", pcirst_sbdf_format(&p->info.physfn, s));
	if (!p->info.is_pf)
		return;
	fprintf(f, "[PF, %s", p->n_vfs ? "VFs" : "no VFs enabled");
	for (unsigned k = 0; k < n; k++)
		fprintf(f, " %s", pcirst_sbdf_format(&p->vfs[k], s));
	fprintf(f, "%s] ", p->n_vfs > PROBE_MAX_VFS ? " ..." : "");
}

void probe_line_print(const struct probe_result *p, const struct policy_decision *d,
		      const struct obs_device *od, FILE *f)
{
	const struct pci_dev_info *i = &p->info;
	char s[PCIRST_SBDF_STRLEN], usable[64] = "", notes[256] = "";

	for (unsigned m = 0; m < _RESET_METHOD_MAX; m++) {
		const char *name = reset_method_name(m);

		if (d && d->avoided[m])
			append(notes, sizeof(notes), name, "avoided");
		else if (p->methods[m].status == PROBE_SUPPORTED)
			append(usable, sizeof(usable), name, NULL);
		else
			append(notes, sizeof(notes), name, probe_status_name(p->methods[m].status));
		if (od && od->m[m].ineffective)
			append(notes, sizeof(notes), name, "observed");
	}
	if ((i->class_code >> 8) == CLASS_HOST_BRIDGE)
		snprintf(notes, sizeof(notes), "[host bridge]");
	else if (i->is_bridge)
		snprintf(notes, sizeof(notes), "[bridge]");
	fprintf(f, "%-12s  %04x:%04x  %-10s  %-*s  ", pcirst_sbdf_format(&i->sbdf, s), i->vendor,
		i->device, i->driver[0] ? i->driver : "-", METHODS_WIDTH,
		usable[0] ? usable : "none");
	print_sriov(p, f);
	fprintf(f, "%s\n", notes);
}
