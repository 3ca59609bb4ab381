/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "readiness.h"
#include "pci-regs.h"

bool readiness_time_decode(uint16_t field, usec_t *usec)
{
	unsigned value = field & 0x1ff, scale = (field >> 9) & 0x7;
	uint64_t ns = value;

	if (scale > 5)
		return false;
	for (unsigned i = 0; i < scale; i++)
		ns *= 32;
	*usec = (ns + 999) / 1000;
	return true;
}

int readiness_times_read(struct pci_cfg *cfg, uint16_t status, uint16_t rtr,
			 struct readiness_times *out)
{
	uint32_t r1, r2;
	int r;

	*out = (struct readiness_times){
	    .immediate = status != 0xffff && (status & PCI_STATUS_IMM_READY),
	};
	if (!rtr)
		return 0;
	if ((r = pci_cfg_read32(cfg, rtr + PCI_RTR_1, &r1)) < 0 ||
	    (r = pci_cfg_read32(cfg, rtr + PCI_RTR_2, &r2)) < 0)
		return r;
	if (r1 == 0xffffffff || !(r1 & PCI_RTR_1_VALID))
		return 0;
	out->valid = readiness_time_decode(r1 & 0xfff, &out->reset) &&
		     readiness_time_decode((r1 >> 12) & 0xfff, &out->dl_up) &&
		     readiness_time_decode(r2 & 0xfff, &out->flr) &&
		     readiness_time_decode((r2 >> 12) & 0xfff, &out->d3hot_d0);
	return 0;
}

usec_t readiness_wait(const struct readiness_times *t, enum readiness_event event, usec_t spec,
		      bool *known)
{
	usec_t reported = 0;

	*known = true;
	/*
	 * Immediate Readiness covers resets (§7.5.1.1.4); D3hot->D0 is a power
	 * state transition whose 10 ms PCI PM 1.2 fixes, as Linux keeps it too.
	 */
	if (t->immediate && event != READY_AFTER_D3HOT_D0)
		return 0;
	if (!t->valid) {
		*known = false;
		return spec;
	}
	switch (event) {
	case READY_AFTER_RESET:
		reported = t->reset;
		break;
	case READY_AFTER_DL_UP:
		reported = t->dl_up;
		break;
	case READY_AFTER_FLR:
		reported = t->flr;
		break;
	case READY_AFTER_D3HOT_D0:
		reported = t->d3hot_d0;
		break;
	}
	return reported < spec ? reported : spec;
}
