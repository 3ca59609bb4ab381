/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The signature of a reset on a Type 0 function, compared with what
 * cfg_save() read before it:
 *
 *  - Command: I/O Space, Memory Space and Bus Master Enable reset to 0 on a
 *    conventional reset (PCI 3.0 §6.2.2) and on FLR (PCIe 6.0 §6.6.2: every
 *    register not sticky or HwInit returns to its default; Command is
 *    neither, §7.5.1.1.3). Only bits that were set tell anything.
 *  - BARs (PCI 3.0 §6.2.5.1): the address bits of a programmed BAR are
 *    lost on reset. The read-only low bits (I/O or memory, type,
 *    prefetchable) never change; a 64-bit BAR is judged on both halves
 *    together, its upper dword is never a BAR of its own; a BAR whose
 *    address was 0 (unimplemented, read-only zero, never assigned, or a
 *    VF's: SR-IOV 1.1 makes them read-only zero) tells nothing. The address
 *    bits need not come back as 0 (no specification fixes their default);
 *    they must no longer hold the programmed address.
 *  - Not used: the Expansion ROM BAR (PCI 3.0 §6.2.5.2 lets a device share
 *    its decoder with another BAR, so it may read anything), bridge
 *    windows (bridges are never reset as endpoints), Interrupt Line (a
 *    scratch register for software, PCI 3.0 §6.2.4), capability registers
 *    (sticky bits, device-specific defaults).
 *
 * Any programmed register that kept its value makes the reset ineffective:
 * a real reset clears all of them.
 */
#include <endian.h>
#include <stdarg.h>
#include <stdio.h>

#include "attempt.h"
#include "effect-msi.h"
#include "effect.h"
#include "pci-regs.h"

#define CMD_DECODE_MASK 0x0007 /* I/O Space, Memory Space, Bus Master Enable */

struct observed {
	unsigned n_cleared;
	char cleared[WHY_MAX];
};

_printf_(2, 3) static void observed_add(struct observed *o, const char *fmt, ...)
{
	va_list ap;

	size_t len = strlen(o->cleared);

	if (len < sizeof(o->cleared) - 2 && o->n_cleared)
		len += (size_t)snprintf(o->cleared + len, sizeof(o->cleared) - len, ", ");
	if (len < sizeof(o->cleared)) {
		va_start(ap, fmt);
		vsnprintf(o->cleared + len, sizeof(o->cleared) - len, fmt, ap);
		va_end(ap);
	}
	o->n_cleared++;
}

/*
 * The header as it reads now, in one block read (one system call instead of
 * one per register); where the block cannot be read, register by register.
 */
struct hdr_now {
	uint32_t h[16];
	bool ok;
};

static int now32(struct pci_cfg *cfg, const struct hdr_now *n, unsigned off, uint32_t *v)
{
	if (n->ok) {
		*v = n->h[off / 4];
		return 0;
	}
	return pci_cfg_read32(cfg, off, v);
}

/* The address bits of a BAR's low dword (PCI 3.0 §6.2.5.1: bit 0 = I/O). */
static uint32_t bar_addr_mask(uint32_t bar)
{
	return (bar & 0x1) ? ~0x3u : ~0xfu;
}

static bool bar_is_64bit(uint32_t bar)
{
	return !(bar & 0x1) && (bar & 0x6) == 0x4;
}

/* Checks BAR i (and i+1 for a 64-bit BAR); returns how many dwords it took, or -errno. */
static int check_bar(struct pci_cfg *cfg, const struct hdr_now *n, const struct cfg_saved *s,
		     unsigned i, struct observed *o, bool *kept, char *detail, size_t size)
{
	unsigned off = PCI_BASE_ADDRESS_0 + 4 * i;
	uint32_t lo = s->header[off / 4], hi = 0, now_lo, now_hi = 0;
	bool wide = bar_is_64bit(lo) && i < 5;
	uint32_t mask = bar_addr_mask(lo);
	int r;

	if (wide)
		hi = s->header[off / 4 + 1];
	if ((lo & mask) == 0 && hi == 0)
		return wide ? 2 : 1; /* nothing programmed, nothing to see */
	r = now32(cfg, n, off, &now_lo);
	if (r >= 0 && wide)
		r = now32(cfg, n, off + 4, &now_hi);
	if (r < 0)
		return r;
	if ((now_lo & mask) == (lo & mask) && now_hi == hi) {
		if (wide)
			snprintf(detail, size, "BAR%u kept 0x%08x%08x", i, hi, lo & mask);
		else
			snprintf(detail, size, "BAR%u kept 0x%08x", i, lo & mask);
		*kept = true;
	} else {
		observed_add(o, "BAR%u", i);
	}
	return wide ? 2 : 1;
}

/* Command: a decode bit that was set and still is; 1 kept, 0 cleared or none set, -errno. */
static int check_command(struct pci_cfg *cfg, const struct hdr_now *n, const struct cfg_saved *s,
			 struct observed *o, char *detail, size_t size)
{
	uint16_t saved = (uint16_t)s->header[PCI_COMMAND / 4] & CMD_DECODE_MASK, cmd;
	uint32_t v;
	int r;

	if (!saved)
		return 0;
	r = now32(cfg, n, PCI_COMMAND, &v);
	if (r < 0)
		return r;
	cmd = (uint16_t)v;
	if (cmd & saved) {
		snprintf(detail, size, "Command kept 0x%04x", cmd & saved);
		return 1;
	}
	observed_add(o, "Command (was 0x%04x)", saved);
	return 0;
}

int cfg_effect_check(struct pci_cfg *cfg, const struct cfg_saved *s, char *detail, size_t size)
{
	return cfg_effect_check_hdr(cfg, s, detail, size, NULL, NULL);
}

int cfg_effect_check_hdr(struct pci_cfg *cfg, const struct cfg_saved *s, char *detail, size_t size,
			 uint8_t *now, unsigned *now_len)
{
	struct observed o = {0};
	struct hdr_now n;
	bool kept = false;
	int r;

	if (now_len)
		*now_len = 0;
	if (s->header_type != PCI_HEADER_TYPE_NORMAL) {
		snprintf(detail, size, "not a Type 0 function: nothing to observe");
		return EFFECT_UNVERIFIED;
	}
	/* The whole standard space where the restore takes it: the same one system call. */
	if (now && now_len && cfg->size >= PCI_CFG_SPACE_SIZE &&
	    pci_cfg_read_block(cfg, 0, now, PCI_CFG_SPACE_SIZE) >= 0)
		*now_len = PCI_CFG_SPACE_SIZE;
	if (now_len && *now_len) {
		memcpy(n.h, now, sizeof(n.h));
		n.ok = true;
	} else {
		n.ok = pci_cfg_read_block(cfg, 0, n.h, sizeof(n.h)) >= 0;
		if (n.ok && now && now_len) {
			memcpy(now, n.h, sizeof(n.h));
			*now_len = sizeof(n.h);
		}
	}
	for (unsigned i = 0; n.ok && i < 16; i++)
		n.h[i] = le32toh(n.h[i]);
	/* BARs first: a kept address is the most specific evidence. */
	for (unsigned i = 0; i < 6 && !kept;) {
		r = check_bar(cfg, &n, s, i, &o, &kept, detail, size);
		if (r < 0)
			return r;
		i += (unsigned)r;
	}
	if (kept)
		return EFFECT_INEFFECTIVE;
	r = check_command(cfg, &n, s, &o, detail, size);
	if (r < 0)
		return r;
	if (r > 0)
		return EFFECT_INEFFECTIVE;
	if (o.n_cleared == 0) {
		snprintf(detail, size,
			 "no programmed BAR and no Command decode bit set: nothing to observe");
		return EFFECT_UNVERIFIED;
	}
	snprintf(detail, size, "reset values read back: %s", o.cleared);
	return EFFECT_VERIFIED;
}

static const char *after_what(enum reset_method_id id)
{
	switch (id) {
	case RESET_FLR:
		return "FLR";
	case RESET_AF_FLR:
		return "AF-FLR";
	case RESET_PM:
		return "D3hot→D0";
	case RESET_BUS:
		return "the secondary bus reset";
	case RESET_KERNEL:
		return "the kernel's reset";
	case RESET_PCIBACK:
		return "pciback's do_flr";
	default:
		return "the reset";
	}
}

static void detail_append(struct attempt *a, const struct attempt_fn *fn, const char *detail)
{
	char *d = a->trail->effect_detail, s[PCIRST_SBDF_STRLEN];
	size_t len = strlen(d), size = sizeof(a->trail->effect_detail);

	if (a->n_fns == 1) {
		snprintf(d, size, "%s", detail);
		return;
	}
	if (len < size)
		snprintf(d + len, size - len, "%s%s: %s", len ? "; " : "",
			 pcirst_sbdf_format(&fn->info.sbdf, s), detail);
}

int attempt_effect(struct attempt *a)
{
	enum reset_effect all = EFFECT_VERIFIED;
	char detail[WHY_MAX], s[PCIRST_SBDF_STRLEN];
	int r;

	a->trail->effect_detail[0] = '\0';
	for (unsigned i = 0; i < a->n_fns; i++) {
		struct attempt_fn *fn = &a->fns[i];

		/* The kernel restores the header inside its reset: only the MSI marker tells. */
		if (a->method.id == RESET_KERNEL || a->method.id == RESET_PCIBACK)
			r = msi_marker_check(fn->cfg, &fn->msi, detail, sizeof(detail));
		else
			r = cfg_effect_check_hdr(fn->cfg, &fn->saved, detail, sizeof(detail),
						 fn->now, &fn->now_len);
		if (r < 0)
			return why_err(&a->why, r,
				       "%s: reading config space to verify the effect "
				       "failed: %s",
				       pcirst_sbdf_format(&fn->info.sbdf, s), strerror(-r));
		fn->effect = (enum reset_effect)r;
		if (r == EFFECT_INEFFECTIVE) {
			a->trail->effect = EFFECT_INEFFECTIVE;
			if (a->n_fns > 1)
				why_set(&a->why, "%s: %s after %s",
					pcirst_sbdf_format(&fn->info.sbdf, s), detail,
					after_what(a->method.id));
			else
				why_set(&a->why, "%s after %s", detail, after_what(a->method.id));
			return 1;
		}
		if (r == EFFECT_UNVERIFIED)
			all = EFFECT_UNVERIFIED;
		detail_append(a, fn, detail);
	}
	a->trail->effect = all;
	return 0;
}
